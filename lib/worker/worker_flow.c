/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The look-ahead over an RX burst while the endpoint's table holds entries
 * (then every TCP segment is looked up in it): each segment's table hash
 * is computed first, from its headers where they lie, and both of its
 * buckets prefetched; the endpoint then looks the segments up one at a
 * time with those hashes. With a table far larger than the cache the
 * burst's bucket misses (and, on 4 KiB pages, their page walks) overlap
 * instead of stalling each lookup in turn (rte_hash_lookup_bulk's idea,
 * with the lookups left where Linux's order puts them).
 */
#include <netinet/in.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_tcp.h>

#include "bs_table.h"
#include "bs_tcp_ep.h"
#include "worker_internal.h"

/* Where a segment's headers lie, as worker_flow_hash() compares it with
 * the parse: IPv6 or not, the L2 length, the TCP header's offset. */
static inline uint32_t
hdr_tag(bool v6, uint32_t l2, uint32_t l4)
{
	return (uint32_t)v6 << 24 | l2 << 16 | l4;
}

/*
 * The TCP segment in @p m, as bs_pkt_parse() would find it if it accepts
 * the frame (an optional 802.1Q tag, IPv4 with or without options, IPv6
 * with TCP as its first next header): its addresses and TCP header.
 * Nothing is validated but that the bytes read are in the frame; the
 * endpoint uses the hash only when its parse agrees (the tag). Written
 * without a branch on the tag, so that its offsets are not constants the
 * compiler sets up twice.
 */
static inline bool
tcp_hdr(const struct rte_mbuf *m, const uint8_t **addrs, const uint8_t **th,
		uint32_t *tag)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *), *l3;
	uint32_t len = m->data_len, l2, l4;
	uint16_t type;
	bool v6;

	if (len < sizeof(struct rte_ether_hdr) + 20 + 20)	/* untagged IPv4 */
		return false;
	memcpy(&type, f + 12, 2);
	l2 = sizeof(struct rte_ether_hdr) +
		(type == RTE_BE16(RTE_ETHER_TYPE_VLAN)) * sizeof(struct rte_vlan_hdr);
	memcpy(&type, f + l2 - 2, 2);
	l3 = f + l2;
	if (type == RTE_BE16(RTE_ETHER_TYPE_IPV4)) {
		if ((l3[0] >> 4) != 4 || l3[9] != IPPROTO_TCP)
			return false;
		v6 = false;
		l4 = l2 + (l3[0] & 0xfu) * 4;
		*addrs = l3 + 12;
	} else if (type == RTE_BE16(RTE_ETHER_TYPE_IPV6)) {
		if ((l3[0] >> 4) != 6 || l3[6] != IPPROTO_TCP)
			return false;
		v6 = true;
		l4 = l2 + 40;
		*addrs = l3 + 8;
	} else {
		return false;
	}
	if (l4 < l2 + 20 || l4 + 4 > len)
		return false;
	*th = f + l4;
	*tag = hdr_tag(v6, l2, l4);
	return true;
}

/* The look-ahead of @p pkts, or (@p syn_only) of their SYNs only. */
static inline void
flows(struct bs_worker *w, struct rte_mbuf *const *pkts, uint16_t n, bool syn_only)
{
	const struct bs_table *t = bs_tcp_ep_table(w->ep);
	uint16_t i, k = 0;

	for (i = 0; i < n; i++) {
		const uint8_t *addrs, *th;
		uint32_t tag;
		uint64_t h;

		if (!tcp_hdr(pkts[i], &addrs, &th, &tag))
			continue;
		/* (tcp_hdr() read 4 bytes of the header: the flags need 14) */
		if (syn_only && ((uint32_t)(th - rte_pktmbuf_mtod(pkts[i], const uint8_t *)) +
				14 > pkts[i]->data_len || (th[13] & (RTE_TCP_SYN_FLAG |
				RTE_TCP_ACK_FLAG | RTE_TCP_RST_FLAG)) != RTE_TCP_SYN_FLAG))
			continue;
		h = bs_table_hash_hdr(t, addrs, tag >> 24, th);
		bs_table_prefetch(t, h);
		w->flow[k].m = pkts[i];
		w->flow[k].hash = h;
		w->flow[k].hdr = tag;
		k++;
	}
	w->n_flow = k;
	w->next_flow = 0;
}

void
worker_flows(struct bs_worker *w, struct rte_mbuf *const *pkts, uint16_t n)
{
	flows(w, pkts, n, false);
}

void
worker_flows_syn(struct bs_worker *w, struct rte_mbuf *const *pkts, uint16_t n)
{
	flows(w, pkts, n, true);
}

/* The burst's entry for @p m, from w->next_flow on: its index, or n_flow. */
static inline unsigned int
flow_find(const struct bs_worker *w, const struct rte_mbuf *m)
{
	unsigned int k;

	/* The endpoint sees the burst's segments in order, some skipped. */
	for (k = w->next_flow; k < w->n_flow; k++)
		if (w->flow[k].m == m)
			break;
	return k;
}

bool
worker_flow_hash(struct bs_worker *w, const struct rte_mbuf *m, const struct bs_pkt *p,
		uint64_t *hash)
{
	unsigned int k = flow_find(w, m);

	if (k == w->n_flow)
		return false;
	w->next_flow = (uint16_t)(k + 1);
	if (w->flow[k].hdr != hdr_tag(p->kind == BS_PKT_IPV6, p->l2_len,
			(uint32_t)p->l2_len + p->l3_len))
		return false;
	*hash = w->flow[k].hash;
	return true;
}

bool
worker_flow_peek(const struct bs_worker *w, const struct rte_mbuf *m, bool v6,
		uint32_t l2_len, uint32_t l4_off, uint64_t *hash)
{
	unsigned int k = flow_find(w, m);

	if (k == w->n_flow || w->flow[k].hdr != hdr_tag(v6, l2_len, l4_off))
		return false;
	*hash = w->flow[k].hash;
	return true;
}
