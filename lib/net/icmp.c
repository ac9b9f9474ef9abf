/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <netinet/in.h>
#include <rte_icmp.h>

#include "bs_l3reply.h"

/* Swap the Ethernet addresses of a frame addressed to us. */
static void
eth_swap(uint8_t *frame)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_ether_addr tmp = eth->dst_addr;

	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&tmp, &eth->src_addr);
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m') for one changed 16-bit word. */
static uint16_t
csum_update16(uint16_t csum, uint16_t old, uint16_t new)
{
	uint32_t sum = (uint16_t)~csum + (uint32_t)(uint16_t)~old + new;

	return (uint16_t)~bs_csum_fold(sum);
}

/*
 * Checksum of an echo reply whose type changed from @p old_type: computed
 * afresh over the message (with checksum field) like Linux when it is
 * contiguous (@p msg), else updated incrementally (which can give 0x0000
 * where a fresh sum gives 0xffff, for an all-zero message only).
 */
static uint16_t
reply_csum(uint16_t csum, uint8_t old_type, uint8_t new_type, uint8_t code,
		const uint8_t *msg, uint32_t len, uint64_t pseudo)
{
	uint64_t sum;

	if (msg == NULL)
		return csum_update16(csum, rte_cpu_to_be_16(old_type << 8 | code),
			rte_cpu_to_be_16(new_type << 8 | code));
	/* Everything but the checksum field. */
	sum = bs_csum_add(msg, 2, pseudo);
	sum = bs_csum_add(msg + 4, len - 4, sum);
	return (uint16_t)~bs_csum_fold(sum);
}

/*
 * icmp_echo() + icmp_reply(): same identifier, sequence, code and data;
 * IP options as bs_ip4_opts_echo() left them.
 */
int
bs_icmp4_input(uint8_t *frame, uint32_t seg_len, const struct bs_pkt *p,
		const struct bs_ip_conf *c, uint32_t *len)
{
	struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(frame + p->l2_len);
	struct rte_icmp_hdr *icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + p->l3_len);
	uint16_t ihl = sizeof(*ip);
	uint32_t src;

	if (p->l4_len < sizeof(*icmp))
		return BS_DROP_PKT_TOO_SMALL;
	if (icmp->icmp_type != RTE_IP_ICMP_ECHO_REQUEST)
		return BS_DROP_ICMP_IGNORED;
	if (p->l3_len != sizeof(*ip)) {
		/* bs_ip4_opts_echo() has written the echoed options, which may
		 * be shorter: move the message up behind them. Only when it is
		 * contiguous (options and chains are both rare). */
		if (p->l2_len + p->l3_len + p->l4_len > seg_len)
			return BS_DROP_UNHANDLED_PROTO;
		ihl = (uint16_t)((ip->version_ihl & 0x0f) * 4);
		memmove((uint8_t *)ip + ihl, icmp, p->l4_len);
		icmp = (struct rte_icmp_hdr *)((uint8_t *)ip + ihl);
	}
	icmp->icmp_type = RTE_IP_ICMP_ECHO_REPLY;
	icmp->icmp_cksum = reply_csum(icmp->icmp_cksum, RTE_IP_ICMP_ECHO_REQUEST,
		RTE_IP_ICMP_ECHO_REPLY, icmp->icmp_code,
		p->l2_len + ihl + p->l4_len <= seg_len ? (const uint8_t *)icmp : NULL,
		p->l4_len, 0);

	eth_swap(frame);
	src = ip->src_addr;
	ip->src_addr = ip->dst_addr;
	ip->dst_addr = src;
	/* icmp_reply copies the whole TOS byte (ECN too). */
	ip->total_length = rte_cpu_to_be_16((uint16_t)(ihl + p->l4_len));
	ip->fragment_offset = 0;	/* ICMP sockets use IP_PMTUDISC_DONT */
	ip->time_to_live = c->ttl;
	ip->hdr_checksum = 0;
	ip->hdr_checksum = bs_csum_ipv4_hdr((const uint8_t *)ip, ihl);
	*len = p->l2_len + ihl + p->l4_len;
	return 0;
}

/* icmpv6_echo_reply(): traffic class kept, flow label per flowlabel_reflect. */
int
bs_icmp6_input(uint8_t *frame, uint32_t seg_len, const struct bs_pkt *p,
		const struct bs_ip_conf *c, uint32_t *len)
{
	struct rte_ipv6_hdr *ip6 = (struct rte_ipv6_hdr *)(frame + p->l2_len);
	uint8_t *icmp = (uint8_t *)ip6 + p->l3_len;
	uint8_t tmp[16];
	uint32_t label, tc;
	uint16_t ck;

	if (p->l4_len < 8)
		return BS_DROP_PKT_TOO_SMALL;
	if (icmp[0] != BS_ICMP6_ECHO_REQUEST)
		return BS_DROP_ICMP_IGNORED;
	label = bs_ip6_reply_flowlabel(c, ip6, 0, IPPROTO_ICMPV6,
		BS_FLOWLABEL_REFLECT_ICMPV6_ECHO_REPLIES);
	if (p->l3_len != sizeof(*ip6)) {
		if (p->l2_len + p->l3_len + p->l4_len > seg_len)
			return BS_DROP_UNHANDLED_PROTO;
		memmove(ip6 + 1, icmp, p->l4_len);
		icmp = (uint8_t *)(ip6 + 1);
	}
	/* The pseudo header keeps the same two addresses, so only the type
	 * word changes the checksum. */
	icmp[0] = BS_ICMP6_ECHO_REPLY;
	memcpy(&ck, icmp + 2, 2);
	ck = reply_csum(ck, BS_ICMP6_ECHO_REQUEST, BS_ICMP6_ECHO_REPLY, icmp[1],
		p->l2_len + sizeof(*ip6) + p->l4_len <= seg_len ? icmp : NULL, p->l4_len,
		bs_csum_pseudo((const uint8_t *)ip6, BS_PKT_IPV6, p->l4_len, IPPROTO_ICMPV6));
	memcpy(icmp + 2, &ck, 2);

	eth_swap(frame);
	tc = (rte_be_to_cpu_32(ip6->vtc_flow) >> 20) & 0xff;
	ip6->vtc_flow = rte_cpu_to_be_32(6u << 28 | tc << 20 | label);
	ip6->payload_len = rte_cpu_to_be_16((uint16_t)p->l4_len);
	ip6->proto = IPPROTO_ICMPV6;
	ip6->hop_limits = c->hop_limit;
	memcpy(tmp, ip6->src_addr, 16);
	memcpy(ip6->src_addr, ip6->dst_addr, 16);
	memcpy(ip6->dst_addr, tmp, 16);
	*len = p->l2_len + sizeof(*ip6) + p->l4_len;
	return 0;
}
