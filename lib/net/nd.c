/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <netinet/in.h>

#include "bs_l3reply.h"
#include "bs_neigh.h"

#define ND_OPT_SLLA 1
#define ND_OPT_TLLA 2
#define NA_FLAG_SOLICITED 0x40
#define NA_FLAG_OVERRIDE 0x20
#define NS_LEN 24	/* type, code, cksum, reserved, target */
#define NA_LEN 24	/* type, code, cksum, flags, target */
#define NA_OPT_LEN 8	/* a target link-layer address option */

static const uint8_t all_nodes[16] = { 0xff, 0x02, [15] = 0x01 };

static bool
is_unspecified(const uint8_t *a)
{
	static const uint8_t zero[16];

	return memcmp(a, zero, 16) == 0;
}

/* ff02::1:ffXX:XXXX for the low 24 bits of @p target (RFC 4291 2.7.1). */
static bool
is_solicited_node(const uint8_t *dst, const uint8_t *target)
{
	static const uint8_t pfx[13] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };

	return memcmp(dst, pfx, 13) == 0 && memcmp(dst + 13, target + 13, 3) == 0;
}

/*
 * Would Linux have received a packet to @p dst? Our unicast addresses, the
 * all-nodes group, and the solicited-node groups it joins for each address
 * (for an AnyIP prefix, the group of the target asked about).
 */
static bool
dst_joined(const struct bs_addr_table *t, uint16_t vlan, const uint8_t *dst,
		const uint8_t *target)
{
	unsigned int i;

	if (dst[0] != 0xff)
		return bs_addr_local6(t, vlan, dst);
	if (memcmp(dst, all_nodes, 16) == 0 ||
			(target != NULL && is_solicited_node(dst, target)))
		return true;
	for (i = 0; i < t->n; i++)
		if (t->a[i].family == 6 && t->a[i].vlan == vlan && !t->a[i].anyip &&
				is_solicited_node(dst, t->a[i].v6))
			return true;
	return false;
}

/*
 * Write an NA (with target link-layer option) after an IPv6 header at @p ip6.
 * Traffic class and flow label 0, hop limit 255, as ndisc_send_skb does.
 */
static uint32_t
write_na(struct rte_ipv6_hdr *ip6, const uint8_t *src, const uint8_t *dst,
		const struct rte_ether_addr *mac, uint8_t flags, bool tlla)
{
	uint8_t *na = (uint8_t *)(ip6 + 1);
	uint32_t len = NA_LEN + (tlla ? NA_OPT_LEN : 0);
	uint16_t ck;

	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)len);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memmove(ip6->src_addr, src, 16);
	memmove(ip6->dst_addr, dst, 16);
	memset(na, 0, 8);
	na[0] = BS_ICMP6_NA;
	na[4] = flags;
	memmove(na + 8, src, 16);	/* target = the address we advertise */
	if (tlla) {
		na[24] = ND_OPT_TLLA;
		na[25] = 1;
		memcpy(na + 26, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	}
	ck = bs_csum_l4((const uint8_t *)ip6, BS_PKT_IPV6, na, len, IPPROTO_ICMPV6);
	memcpy(na + 2, &ck, 2);
	return len;
}

/* ndisc_recv_ns(): RFC 4861 7.1.1 checks, then the options. */
static int
ns_validate(const struct rte_ipv6_hdr *ip6, const uint8_t *ns, uint32_t len,
		const uint8_t **slla)
{
	uint32_t off = NS_LEN;
	bool dad = is_unspecified(ip6->src_addr);

	if (ip6->hop_limits != 255)
		return BS_DROP_IPV6_NDISC_HOP_LIMIT;
	if (ns[1] != 0)
		return BS_DROP_IPV6_NDISC_BAD_CODE;
	if (len < NS_LEN)
		return BS_DROP_PKT_TOO_SMALL;
	if (ip6->src_addr[0] == 0xff)
		return BS_DROP_IP_INVALID_SOURCE;
	if (dad && !is_solicited_node(ip6->dst_addr, ns + 8))
		return BS_DROP_IPV6_NDISC_BAD_OPTIONS;
	*slla = NULL;
	while (off < len) {
		uint32_t olen;

		if (off + 2 > len || ns[off + 1] == 0)
			return BS_DROP_IPV6_NDISC_BAD_OPTIONS;
		olen = (uint32_t)ns[off + 1] * 8;
		if (off + olen > len)
			return BS_DROP_IPV6_NDISC_BAD_OPTIONS;
		if (ns[off] == ND_OPT_SLLA) {
			if (dad || olen != 8)
				return BS_DROP_IPV6_NDISC_BAD_OPTIONS;
			*slla = ns + off + 2;
		}
		off += olen;
	}
	return 0;
}

int
bs_nd_input(uint8_t *frame, uint32_t cap, const struct bs_pkt *p,
		const struct bs_addr_table *t, const struct rte_ether_addr *mac,
		uint32_t *len, struct bs_neigh_news *nw)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + p->l2_len);
	const uint8_t *ns = (const uint8_t *)ip6 + p->l3_len;
	const uint8_t *slla;
	uint8_t target[16], dst[16];
	struct rte_ether_addr dmac;
	bool dad, group;
	uint32_t na_len;
	int rc;

	nw->flags = 0;
	rc = ns_validate(ip6, ns, p->l4_len, &slla);
	if (rc != 0)
		return rc;
	if (!dst_joined(t, p->vlan, ip6->dst_addr, ns + 8))
		return BS_DROP_NOT_LOCAL;
	if (ns[8] == 0xff || !bs_addr_local6(t, p->vlan, ns + 8))
		return BS_DROP_IPV6_NDISC_NS_OTHERHOST;
	if (p->l2_len + sizeof(*ip6) + NA_LEN + NA_OPT_LEN > cap)
		return BS_DROP_PKT_TOO_SMALL;

	/* Read everything the reply needs before overwriting the request. */
	dad = is_unspecified(ip6->src_addr);
	group = ip6->dst_addr[0] == 0xff;
	memcpy(target, ns + 8, 16);
	memcpy(dst, dad ? all_nodes : ip6->src_addr, 16);
	if (dad)
		memcpy(dmac.addr_bytes, (const uint8_t[]){ 0x33, 0x33, 0, 0, 0, 1 }, 6);
	else if (slla != NULL)
		memcpy(dmac.addr_bytes, slla, 6);
	else
		rte_ether_addr_copy(&eth->src_addr, &dmac);
	if (slla != NULL) {
		/* ndisc_recv_ns: the solicitor's entry, created or overridden. */
		memcpy(nw->ip, ip6->src_addr, 16);
		memcpy(nw->mac.addr_bytes, slla, RTE_ETHER_ADDR_LEN);
		nw->flags = BS_NEWS_UPDATE | BS_NEWS_CREATE | BS_NEWS_OVERRIDE;
	}

	rte_ether_addr_copy(&dmac, &eth->dst_addr);
	rte_ether_addr_copy(mac, &eth->src_addr);
	/* ndisc_recv_ns: override and the target link-layer option only
	 * when the solicitation came to a group (a unicast NS is a
	 * reachability probe: the solicitor has our address already). */
	na_len = write_na(ip6, target, dst, mac,
		(dad ? 0 : NA_FLAG_SOLICITED) | (group ? NA_FLAG_OVERRIDE : 0), group);
	*len = p->l2_len + sizeof(*ip6) + na_len;
	return 0;
}

/* ndisc_recv_na(), after ndisc_rcv's hop limit and code checks. */
int
bs_nd_na(const uint8_t *frame, const struct bs_pkt *p, const struct bs_addr_table *t,
		struct bs_neigh_news *nw)
{
	const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)(frame + p->l2_len);
	const uint8_t *na = (const uint8_t *)ip6 + p->l3_len;
	const uint8_t *tlla = NULL;
	uint32_t off = NA_LEN, len = p->l4_len;

	nw->flags = 0;
	if (ip6->hop_limits != 255)
		return BS_DROP_IPV6_NDISC_HOP_LIMIT;
	if (!dst_joined(t, p->vlan, ip6->dst_addr, NULL))
		return BS_DROP_NOT_LOCAL;
	if (na[1] != 0)
		return BS_DROP_IPV6_NDISC_BAD_CODE;
	if (len < NA_LEN)
		return BS_DROP_PKT_TOO_SMALL;
	if (na[8] == 0xff || (ip6->dst_addr[0] == 0xff && (na[4] & NA_FLAG_SOLICITED)))
		return BS_DROP_IPV6_NDISC_BAD_OPTIONS;
	while (off < len) {
		uint32_t olen;

		if (off + 2 > len || na[off + 1] == 0)
			return BS_DROP_IPV6_NDISC_BAD_OPTIONS;
		olen = (uint32_t)na[off + 1] * 8;
		if (off + olen > len)
			return BS_DROP_IPV6_NDISC_BAD_OPTIONS;
		if (na[off] == ND_OPT_TLLA) {
			if (olen != 8)
				return BS_DROP_IPV6_NDISC_BAD_OPTIONS;
			tlla = na + off + 2;
		}
		off += olen;
	}
	/* Our own address advertised (a DAD conflict), or no address to
	 * learn: neigh_update keeps an INCOMPLETE entry as it is. */
	if (tlla == NULL || bs_addr_local6(t, p->vlan, na + 8) ||
			bs_mac_is_group(tlla))
		return BS_DROP_ICMP_IGNORED;
	memcpy(nw->ip, na + 8, 16);
	memcpy(nw->mac.addr_bytes, tlla, RTE_ETHER_ADDR_LEN);
	nw->flags = BS_NEWS_UPDATE | ((na[4] & NA_FLAG_OVERRIDE) ? BS_NEWS_OVERRIDE : 0);
	return 0;
}

/* ndisc_send_ns(): to ff02::1:ffXX:XXXX (33:33:ff:XX:XX:XX), hop limit
 * 255, traffic class and flow label 0, our source link-layer address. */
uint32_t
bs_nd_solicit(uint8_t *frame, const struct rte_ether_addr *mac, uint16_t vlan,
		const uint8_t src[16], const uint8_t target[16])
{
	uint8_t dst[16] = { 0xff, 0x02, [11] = 0x01, [12] = 0xff };
	struct rte_ether_addr dmac = { .addr_bytes = { 0x33, 0x33, 0xff } };
	struct rte_ipv6_hdr *ip6;
	uint32_t len = NS_LEN + NA_OPT_LEN;
	uint8_t *ns;
	uint16_t l2, ck;

	memcpy(dst + 13, target + 13, 3);
	memcpy(dmac.addr_bytes + 3, target + 13, 3);
	l2 = bs_eth_write(frame, &dmac, mac, vlan, RTE_ETHER_TYPE_IPV6);
	ip6 = (struct rte_ipv6_hdr *)(frame + l2);
	ip6->vtc_flow = RTE_BE32(6u << 28);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)len);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = 255;
	memcpy(ip6->src_addr, src, 16);
	memcpy(ip6->dst_addr, dst, 16);
	ns = (uint8_t *)(ip6 + 1);
	memset(ns, 0, 8);
	ns[0] = BS_ICMP6_NS;
	memcpy(ns + 8, target, 16);
	ns[24] = ND_OPT_SLLA;
	ns[25] = 1;
	memcpy(ns + 26, mac->addr_bytes, RTE_ETHER_ADDR_LEN);
	ck = bs_csum_l4((const uint8_t *)ip6, BS_PKT_IPV6, ns, len, IPPROTO_ICMPV6);
	memcpy(ns + 2, &ck, 2);
	return l2 + sizeof(*ip6) + len;
}

uint32_t
bs_nd_unsolicited(uint8_t *frame, const struct rte_ether_addr *mac,
		uint16_t vlan, const uint8_t ip[16])
{
	static const struct rte_ether_addr all_nodes_mac = {
		.addr_bytes = { 0x33, 0x33, 0, 0, 0, 1 } };
	uint16_t l2 = bs_eth_write(frame, &all_nodes_mac, mac, vlan,
		RTE_ETHER_TYPE_IPV6);

	return l2 + sizeof(struct rte_ipv6_hdr) + write_na((struct rte_ipv6_hdr *)(frame + l2),
		ip, all_nodes, mac, NA_FLAG_OVERRIDE, true);
}
