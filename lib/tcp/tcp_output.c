/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <netinet/in.h>
#include <rte_tcp.h>

#include "bs_tcp.h"

#define IP_ECN_MASK 0x03

/*
 * The RST is written with narrow stores; summing the bytes just stored
 * would stall on store forwarding, so both checksums are computed from the
 * values instead. Words are in memory order (see bs_net.h): a 16-bit field
 * holding bytes [a, b] adds bs_be16(a << 8 | b).
 */
#define W16(a, b) ((uint64_t)bs_be16((uint16_t)((a) << 8 | (b))))

/* Pseudo-header length and protocol of a 20-byte TCP segment; for IPv6
 * the 32-bit forms [0,0,0,20] and [0,0,0,6] fold to the same words. */
#define TCP_PSEUDO_CONST (W16(0, sizeof(struct rte_tcp_hdr)) + W16(0, IPPROTO_TCP))

/* IPv4 part of the RST-REPLY: ip_send_unicast_reply from the per-CPU
 * control socket (IP_PMTUDISC_DO: DF and ID 0; TTL ip_default_ttl).
 * @return the header length */
static uint16_t
rst_ipv4(struct rte_ipv4_hdr *ip, const struct bs_pkt *p,
		const struct bs_ip_conf *c, uint64_t addr_sum, bool hw_csum)
{
	uint32_t src = ip->src_addr, dst = ip->dst_addr;
	uint8_t tos = ip->type_of_service & (uint8_t)~IP_ECN_MASK;
	uint16_t ihl = sizeof(*ip);
	uint64_t sum;

	/* With options, bs_ip4_opts_echo() has already written the echoed
	 * ones and the IHL; without, the header is 20 bytes. */
	if (likely(p->l3_len == sizeof(*ip)))
		ip->version_ihl = RTE_IPV4_VHL_DEF;
	else
		ihl = (uint16_t)((ip->version_ihl & 0x0f) * 4);
	ip->type_of_service = tos;
	ip->total_length = bs_be16((uint16_t)(ihl + sizeof(struct rte_tcp_hdr)));
	ip->packet_id = 0;
	ip->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
	ip->time_to_live = c->ttl;
	ip->next_proto_id = IPPROTO_TCP;
	ip->src_addr = dst;
	ip->dst_addr = src;
	ip->hdr_checksum = 0;
	if (hw_csum)
		return ihl;
	if (likely(ihl == sizeof(*ip))) {
		sum = addr_sum + W16(RTE_IPV4_VHL_DEF, tos) +
			W16(0, sizeof(*ip) + sizeof(struct rte_tcp_hdr)) +
			W16(RTE_IPV4_HDR_DF_FLAG >> 8, 0) + W16(c->ttl, IPPROTO_TCP);
		ip->hdr_checksum = (uint16_t)~bs_csum_fold(sum);
	} else {
		ip->hdr_checksum = bs_csum_ipv4_hdr((const uint8_t *)ip, ihl);
	}
	return ihl;
}

/* IPv6 part: tcp_v6_send_response with the control socket; traffic class
 * from the segment without ECN, flow label per flowlabel_reflect and
 * auto_flowlabels. */
static void
rst_ipv6(struct rte_ipv6_hdr *ip6, const struct bs_tcp_seg *s,
		const struct bs_ip_conf *c)
{
	uint32_t tc = (bs_be32(ip6->vtc_flow) >> 20) & 0xff & ~IP_ECN_MASK;
	uint32_t label = bs_ip6_reply_flowlabel(c, ip6,
		(uint32_t)s->sport << 16 | s->dport, IPPROTO_TCP,
		BS_FLOWLABEL_REFLECT_TCP_RESET);
	uint8_t tmp[16];

	ip6->vtc_flow = bs_be32(6u << 28 | tc << 20 | label);
	ip6->payload_len = RTE_BE16(sizeof(struct rte_tcp_hdr));
	ip6->proto = IPPROTO_TCP;
	ip6->hop_limits = c->hop_limit;
	memcpy(tmp, ip6->src_addr, 16);
	memcpy(ip6->src_addr, ip6->dst_addr, 16);
	memcpy(ip6->dst_addr, tmp, 16);
}

uint32_t
bs_tcp_rst_write(uint8_t *frame, const struct bs_pkt *p,
		const struct bs_tcp_seg *s, const struct bs_tcp_verdict *v,
		const struct rte_ether_addr *mac, const struct bs_ip_conf *c,
		bool hw_csum)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	uint8_t *l3 = frame + p->l2_len;
	uint32_t seq = bs_be32(v->seq), ack = bs_be32(v->ack);
	uint16_t l3_len, sport = s->sport, dport = s->dport;
	struct rte_tcp_hdr *th;
	uint64_t addr_sum, sum;

	/* The reply has both addresses, swapped: the same sum. */
	addr_sum = p->addr_sum;

	/* The segment came to our MAC; answer its sender. */
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(mac, &eth->src_addr);

	if (p->kind == BS_PKT_IPV4) {
		l3_len = rst_ipv4((struct rte_ipv4_hdr *)l3, p, c, addr_sum, hw_csum);
	} else {
		rst_ipv6((struct rte_ipv6_hdr *)l3, s, c);
		l3_len = sizeof(struct rte_ipv6_hdr);
	}

	/* Options not echoed and IPv6 extension headers are gone, so the TCP
	 * header may move down over them: everything it needs is in @s. */
	th = (struct rte_tcp_hdr *)(l3 + l3_len);
	th->src_port = dport;
	th->dst_port = sport;
	th->sent_seq = seq;
	th->recv_ack = ack;
	th->data_off = (sizeof(*th) / 4) << 4;
	th->tcp_flags = v->flags;
	th->rx_win = 0;
	th->tcp_urp = 0;
	sum = addr_sum + TCP_PSEUDO_CONST;
	if (hw_csum) {
		th->cksum = bs_csum_fold(sum);
	} else {
		sum += (uint64_t)sport + dport + seq + ack +
			W16((sizeof(*th) / 4) << 4, v->flags);
		th->cksum = (uint16_t)~bs_csum_fold(sum);
	}
	return p->l2_len + l3_len + sizeof(*th);
}
