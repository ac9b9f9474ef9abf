/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <netinet/in.h>

#include <rte_arp.h>
#include <rte_branch_prediction.h>

#include "bs_net.h"

/* Aligned so that each 16-byte half of a mask is one cache line's read
 * at most. */
const uint8_t bs_csum_mask64[2 * BS_CSUM_MASKED_MAX] __rte_aligned(64) = {
	[0 ... BS_CSUM_MASKED_MAX - 1] = 0xff,
};

static const struct {
	const char *name;
	const char *help;
} drop_reasons[BS_DROP_MAX] = {
	[BS_DROP_NONE] = { "NONE", "not dropped" },
#define BS_DROP(name, help) [BS_DROP_##name] = { #name, help },
#include "bs_drop.def"
#undef BS_DROP
};

const char *
bs_drop_name(unsigned int reason)
{
	return reason < BS_DROP_MAX ? drop_reasons[reason].name : "?";
}

const char *
bs_drop_help(unsigned int reason)
{
	return reason < BS_DROP_MAX ? drop_reasons[reason].help : "?";
}

/* net.ipv6.max_hbh_opts_cnt and max_dst_opts_cnt: options other than
 * padding one header may hold. */
#define IPV6_MAX_TLV_OPTS 8
#define IPV6_TLV_PAD1 0
#define IPV6_TLV_PADN 1
#define IPV6_TLV_ROUTERALERT 5
#define IPV6_TLV_CALIPSO 7
#define IPV6_TLV_IOAM 49
#define IPV6_TLV_JUMBO 0xc2

/*
 * The options of a hop-by-hop or destination options header @p eh of
 * @p len bytes at offset @p off of the IPv6 header, as ip6_parse_tlv
 * judges them: padding (at most 7 bytes in a row, PadN of zeros), at most
 * 8 other options, each within the header; a router alert of length 2, a
 * 4n-aligned IOAM (not enabled: ignored), no jumbo payload (a payload
 * length that is not 0 is here), no CALIPSO (no DOI configured), and an
 * unknown option by the two top bits of its type: 00 skipped, otherwise
 * the packet dropped (Linux also sends an ICMPv6 parameter problem for 10
 * and 11; Backstop sends no ICMP errors).
 * Not inlined: extension headers are rare, and the IPv4 path shares the
 * function this would grow (bs_pkt_parse).
 * @return 0, or BS_DROP_IPV6_BAD_EXTHDR
 */
static __rte_noinline int
ipv6_tlv_check(const uint8_t *eh, uint32_t len, uint32_t off, bool hbh)
{
	uint32_t i = 2, padlen = 0, count = 0;

	while (i < len) {
		uint32_t optlen, k;
		uint8_t type = eh[i];

		if (type == IPV6_TLV_PAD1) {
			if (++padlen > 7)
				return BS_DROP_IPV6_BAD_EXTHDR;
			i++;
			continue;
		}
		if (len - i < 2)
			return BS_DROP_IPV6_BAD_EXTHDR;
		optlen = (uint32_t)eh[i + 1] + 2;
		if (optlen > len - i)
			return BS_DROP_IPV6_BAD_EXTHDR;
		if (type == IPV6_TLV_PADN) {
			padlen += optlen;
			if (padlen > 7)
				return BS_DROP_IPV6_BAD_EXTHDR;
			for (k = 2; k < optlen; k++)
				if (eh[i + k] != 0)
					return BS_DROP_IPV6_BAD_EXTHDR;
		} else {
			if (++count > IPV6_MAX_TLV_OPTS)
				return BS_DROP_IPV6_BAD_EXTHDR;
			if (hbh && type == IPV6_TLV_ROUTERALERT) {
				if (optlen != 4)
					return BS_DROP_IPV6_BAD_EXTHDR;
			} else if (hbh && type == IPV6_TLV_IOAM) {
				if (((off + i) & 3) != 0)
					return BS_DROP_IPV6_BAD_EXTHDR;
			} else if ((hbh && (type == IPV6_TLV_JUMBO ||
					type == IPV6_TLV_CALIPSO)) || (type & 0xc0) != 0) {
				return BS_DROP_IPV6_BAD_EXTHDR;
			}
			padlen = 0;
		}
		i += optlen;
	}
	return 0;
}

/* IPv4 header: RFC 791 lengths, then checksum, then fragments (ip_rcv_core). */
static int
parse_ipv4(struct bs_pkt *p, const uint8_t *l3, uint32_t avail, uint32_t pkt_avail,
		bool csum_good)
{
	const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;
	uint32_t ihl, tot;

	if (avail < sizeof(*ip))
		return BS_DROP_PKT_TOO_SMALL;
	ihl = (uint32_t)(ip->version_ihl & 0x0f) * 4;
	if ((ip->version_ihl >> 4) != 4 || ihl < sizeof(*ip))
		return BS_DROP_IP_INHDR;
	if (ihl > avail)
		return BS_DROP_PKT_TOO_SMALL;
	p->addr_sum = bs_csum_add(&ip->src_addr, 8, 0);
	/* A bare header's sum is its first 12 bytes plus the addresses,
	 * summed just above. */
	if (!csum_good && !bs_csum_verifies(likely(ihl == sizeof(*ip)) ?
			bs_csum_add(ip, 12, p->addr_sum) : bs_csum_add(ip, ihl, 0)))
		return BS_DROP_IP_CSUM;
	tot = bs_be16(ip->total_length);
	if (tot > pkt_avail)
		return BS_DROP_PKT_TOO_SMALL;
	if (tot < ihl)
		return BS_DROP_IP_INHDR;
	if ((ip->fragment_offset & bs_be16(RTE_IPV4_HDR_MF_FLAG |
			RTE_IPV4_HDR_OFFSET_MASK)) != 0)
		return BS_DROP_IP_FRAGMENT;
	p->kind = BS_PKT_IPV4;
	p->l3_len = (uint16_t)ihl;
	p->l4_len = tot - ihl;
	p->l4_proto = ip->next_proto_id;
	return 0;
}

/*
 * IPv6 header and extension headers (RFC 8200 4.1 order). Hop-by-hop only
 * first; the options of hop-by-hop and destination options headers checked;
 * routing headers only with nothing left to route; fragments are not
 * reassembled. As in Linux, the chain may be as long as the packet holds:
 * each header takes at least 8 of its bytes.
 */
static int
parse_ipv6(struct bs_pkt *p, const uint8_t *l3, uint32_t avail, uint32_t pkt_avail)
{
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)l3;
	uint32_t plen, off = sizeof(*ip6);
	uint8_t nh;
	bool first = true;

	if (avail < sizeof(*ip6))
		return BS_DROP_PKT_TOO_SMALL;
	if ((l3[0] >> 4) != 6)
		return BS_DROP_IP_INHDR;
	plen = bs_be16(ip6->payload_len);
	p->addr_sum = bs_csum_add(ip6->src_addr, 32, 0);
	if (plen == 0)	/* jumbogram or empty: neither carries TCP here */
		return BS_DROP_IP_INHDR;
	if (plen > pkt_avail - sizeof(*ip6))
		return BS_DROP_PKT_TOO_SMALL;
	nh = ip6->proto;
	for (;; first = false) {
		const uint8_t *eh = l3 + off;
		uint32_t ehlen;

		if (nh != IPPROTO_HOPOPTS && nh != IPPROTO_ROUTING &&
				nh != IPPROTO_DSTOPTS && nh != IPPROTO_FRAGMENT)
			break;
		if (nh == IPPROTO_HOPOPTS && !first)
			return BS_DROP_IPV6_BAD_EXTHDR;
		if (off + 8 > sizeof(*ip6) + plen)
			return BS_DROP_IPV6_BAD_EXTHDR;
		if (off + 8 > avail)
			return BS_DROP_PKT_TOO_SMALL;
		if (nh == IPPROTO_FRAGMENT) {
			/* An atomic fragment (offset 0, no more fragments) is a
			 * whole packet: RFC 6946, as ipv6_frag_rcv treats it. */
			if (((eh[2] << 8 | eh[3]) & 0xfff9) != 0)
				return BS_DROP_IP_FRAGMENT;
			ehlen = 8;
		} else {
			ehlen = ((uint32_t)eh[1] + 1) * 8;
		}
		if (off + ehlen > sizeof(*ip6) + plen)
			return BS_DROP_IPV6_BAD_EXTHDR;
		if (off + ehlen > avail)
			return BS_DROP_PKT_TOO_SMALL;
		if (nh == IPPROTO_ROUTING && eh[3] != 0)	/* segments left */
			return BS_DROP_IPV6_BAD_EXTHDR;
		if ((nh == IPPROTO_HOPOPTS || nh == IPPROTO_DSTOPTS) &&
				ipv6_tlv_check(eh, ehlen, off, nh == IPPROTO_HOPOPTS) != 0)
			return BS_DROP_IPV6_BAD_EXTHDR;
		nh = eh[0];
		off += ehlen;
	}
	p->kind = BS_PKT_IPV6;
	p->l3_len = (uint16_t)off;
	p->l4_len = sizeof(*ip6) + plen - off;
	p->l4_proto = nh;
	return 0;
}

int
bs_pkt_parse(struct bs_pkt *p, const uint8_t *frame, uint32_t seg_len,
		uint32_t pkt_len, const struct rte_ether_addr *mac,
		bool ip_csum_good)
{
	const struct rte_ether_hdr *eth = (const struct rte_ether_hdr *)frame;
	uint32_t off = sizeof(*eth);
	uint16_t type;
	int rc;

	if (seg_len > pkt_len)
		seg_len = pkt_len;
	if (seg_len < sizeof(*eth))
		return BS_DROP_PKT_TOO_SMALL;
	if (bs_mac_is_group(eth->src_addr.addr_bytes))
		return BS_DROP_MAC_INVALID_SOURCE;
	p->l2_group = bs_mac_is_group(eth->dst_addr.addr_bytes);
	if (!p->l2_group && !rte_is_same_ether_addr(&eth->dst_addr, mac))
		return BS_DROP_OTHERHOST;

	type = eth->ether_type;
	p->vlan = 0;
	if (type == bs_be16(RTE_ETHER_TYPE_VLAN)) {
		const struct rte_vlan_hdr *vh;

		if (seg_len < off + sizeof(*vh))
			return BS_DROP_PKT_TOO_SMALL;
		vh = (const struct rte_vlan_hdr *)(frame + off);
		p->vlan = bs_be16(vh->vlan_tci) & 0x0fff;
		type = vh->eth_proto;
		off += sizeof(*vh);
	}
	p->l2_len = (uint16_t)off;

	/* IPv4 first: the common case, tested alone. */
	if (likely(type == RTE_BE16(RTE_ETHER_TYPE_IPV4))) {
		rc = parse_ipv4(p, frame + off, seg_len - off, pkt_len - off,
				ip_csum_good);
	} else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		rc = parse_ipv6(p, frame + off, seg_len - off, pkt_len - off);
	} else if (type == RTE_BE16(RTE_ETHER_TYPE_ARP)) {
		if (seg_len < off + sizeof(struct rte_arp_hdr))
			return BS_DROP_PKT_TOO_SMALL;
		p->kind = BS_PKT_ARP;
		p->l3_len = sizeof(struct rte_arp_hdr);
		p->l4_len = 0;
		p->l4_proto = 0;
		return 0;
	} else {	/* includes a second (QinQ) tag */
		return BS_DROP_UNHANDLED_PROTO;
	}
	if (rc != 0)
		return rc;
	if (likely(p->l4_proto == IPPROTO_TCP))
		return 0;
	if (p->l4_proto == IPPROTO_ICMP)
		return p->kind == BS_PKT_IPV4 ? 0 : BS_DROP_UNHANDLED_PROTO;
	if (p->l4_proto == IPPROTO_ICMPV6)
		return p->kind == BS_PKT_IPV6 ? 0 : BS_DROP_UNHANDLED_PROTO;
	return BS_DROP_UNHANDLED_PROTO;
}
