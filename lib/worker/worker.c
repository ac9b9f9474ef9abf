/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "bs_ipopt.h"
#include "bs_l3reply.h"
#include "bs_neigh.h"
#include "bs_policy.h"
#include "bs_tcp.h"
#include "bs_port_guard.h"
#include "bs_tcp_ep.h"
#include "bs_worker.h"
#include "worker_internal.h"
#include "bs_trace.h"

/* The frame was taken: queued, reused or freed (TCP endpoint, neighbour news). */
#define WORKER_TAKEN (-1)

static inline void
count(struct bs_worker *w, enum bs_counter c)
{
	bs_cnt_add(&w->stats.cnt[c], 1);
}

/*
 * The counters every stray segment bumps, kept in registers for one RX
 * burst and added to the worker's once at its end (the control thread
 * sees them a burst later).
 */
struct burst_cnt {
	uint32_t ip_in;		/* IpInReceives */
	uint32_t tcp_in;	/* TcpInSegs */
	uint32_t rst;		/* rst[BS_RST_REASON_NO_SOCKET] */
	uint32_t synack;	/* cookie SYN-ACKs to complete (bs_tcp_ep_synack_flush) */
};

/* backstop.tcp.send_reset of an RST-REPLY written over the frame (@p l3:
 * its IP header), out of line: only while traced. NO_SOCKET comes from the
 * CLOSED rules alone (the stray path's verdict, whose state is not set, or
 * the endpoint's fallback): CLOSE; any other reason from the endpoint,
 * which set the state that decided. */
static __rte_noinline void
worker_trace_rst(const uint8_t *l3, uint8_t reason, uint8_t state)
{
	if (reason == BS_RST_REASON_NO_SOCKET)
		state = BS_TCP_CLOSE;
	bs_trace_send_reset_frame(l3, state, reason);
}

static inline void
burst_cnt_add(struct bs_worker *w, const struct burst_cnt *b)
{
	bs_cnt_add(&w->stats.cnt[BS_CNT_IpInReceives], b->ip_in);
	bs_cnt_add(&w->stats.cnt[BS_CNT_TcpInSegs], b->tcp_in);
	bs_cnt_add(&w->stats.rst[BS_RST_REASON_NO_SOCKET], b->rst);
}

/*
 * Add @p len bytes of the chain @p m from @p off to @p sum. A part that
 * starts at an odd byte of the whole is folded, then byte-swapped: DPDK
 * 22.11's rte_raw_cksum_mbuf() swaps the unfolded 32-bit sum truncated to
 * 16 bits, losing its carries, so that a corrupted segment could verify
 * and a good one fail (found by test/fuzz/fuzz_frame).
 * @return 0, or -1 when the chain holds fewer bytes
 */
static int
chain_csum_add(const struct rte_mbuf *m, uint32_t off, uint32_t len, uint64_t *sum)
{
	uint32_t done = 0;

	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	for (; m != NULL && done < len; m = m->next, off = 0) {
		uint32_t n = RTE_MIN((uint32_t)m->data_len - off, len - done);
		uint16_t part = bs_csum_fold(bs_csum_add(rte_pktmbuf_mtod_offset(m,
			const uint8_t *, off), n, 0));

		*sum += (done & 1) ? rte_bswap16(part) : part;
		done += n;
	}
	return done == len ? 0 : -1;
}

/*
 * Verify an L4 checksum (TCP, ICMPv6: with pseudo header; ICMP: without)
 * over the whole segment chain.
 */
static __rte_noinline bool
l4_csum_ok(const struct rte_mbuf *m, const uint8_t *frame, struct bs_pkt pv)
{
	const struct bs_pkt *p = &pv;
	uint32_t off = p->l2_len + p->l3_len;
	uint64_t sum = 0;

	if (p->l4_proto != IPPROTO_ICMP)
		sum = bs_pkt_pseudo(p, p->l4_len, p->l4_proto);
	if (likely(m->nb_segs == 1)) {
		/* A bare TCP header is the common case: sum it unrolled. */
		if (p->l4_len == sizeof(struct rte_tcp_hdr))
			sum = bs_csum_add20(frame + off, sum);
		else
			sum = bs_csum_add(frame + off, p->l4_len, sum);
	} else if (chain_csum_add(m, off, p->l4_len, &sum) != 0) {
		return false;
	}
	return bs_csum_verifies(sum);
}

/* IPv4 options on receive (ip_options_compile). */
static int
ip4_opts_rcv(struct bs_worker *w, struct bs_worker_port *wp, uint8_t *frame,
		const struct bs_pkt *p, struct bs_ip4_opts *o)
{
	return bs_ip4_opts_rcv(frame + p->l2_len, wp->addrs, p->vlan,
		bs_ip_timestamp_be(w->ip, rte_rdtsc()), o);
}

/* ... and into a reply (ip_options_echo). */
static int
ip4_opts_echo(struct bs_worker *w, struct bs_worker_port *wp, uint8_t *frame,
		const struct bs_pkt *p, const struct bs_ip4_opts *o)
{
	return bs_ip4_opts_echo(frame + p->l2_len, o, wp->addrs, p->vlan,
		bs_ip_timestamp_be(w->ip, rte_rdtsc())) < 0 ? -1 : 0;
}

/* The NIC's verdict when it gave one, else software; a segment in one
 * mbuf is summed here, inline, with the protocol known. */
static __rte_always_inline bool
tcp_csum_ok(const struct bs_worker_port *wp, const struct rte_mbuf *m,
		const uint8_t *frame, const struct bs_pkt *p, bool offload)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;
	const uint8_t *th = frame + p->l2_len + p->l3_len;
	uint64_t sum;

	if (offload && wp->rx_l4_csum && f == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (offload && wp->rx_l4_csum && f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	if (unlikely(m->nb_segs != 1))
		return l4_csum_ok(m, frame, *p);
	sum = bs_pkt_pseudo(p, p->l4_len, IPPROTO_TCP);
	/* The segment ends in this mbuf. A header-only segment (any TCP
	 * header fits in 64 bytes) with 64 bytes of buffer from its start is
	 * summed with no branch on its length (bs_csum_add64_masked); else,
	 * with 8 bytes of tailroom, the last word is read whole. */
	if (likely(p->l4_len <= BS_CSUM_MASKED_MAX &&
			(const uint8_t *)m->buf_addr + m->buf_len - th >= BS_CSUM_MASKED_MAX))
		sum = bs_csum_add64_masked(th, p->l4_len, sum);
	else if (likely(rte_pktmbuf_tailroom(m) >= 8))
		sum = bs_csum_add_overread(th, p->l4_len, sum);
	else
		sum = bs_csum_add(th, p->l4_len, sum);
	return bs_csum_verifies(sum);
}

/*
 * The endpoint's segments are handled out of line, so that the burst
 * loop keeps its registers. Their parse is passed as scalars, which stay
 * in registers: a structure passed by value is copied through memory, and
 * that copy, loaded whole just after its fields were stored one by one,
 * waited for those stores to retire (docs/performance.md). @p lens: the
 * L4 and L3 lengths (an IP length is 16 bits); @p meta: the L2 length,
 * the kind, the group bit and the VLAN ID.
 */
static inline uint32_t
worker_lens(const struct bs_pkt *p)
{
	return p->l4_len | (uint32_t)p->l3_len << 16;
}

static inline uint32_t
worker_meta(const struct bs_pkt *p)
{
	return p->l2_len | (uint32_t)p->kind << 8 | (uint32_t)p->l2_group << 16 |
		(uint32_t)p->vlan << 20;
}

static inline void
worker_pkt(struct bs_pkt *p, uint64_t addr_sum, uint32_t lens, uint32_t meta)
{
	p->l2_len = (uint16_t)(meta & 0xff);
	p->l3_len = (uint16_t)(lens >> 16);
	p->l4_len = lens & 0xffff;
	p->vlan = (uint16_t)(meta >> 20);
	p->addr_sum = addr_sum;
	p->kind = (uint8_t)(meta >> 8);
	p->l4_proto = IPPROTO_TCP;
	p->l2_group = (meta >> 16 & 1) != 0;
}

/*
 * A segment for the TCP endpoint: connections and listeners first
 * (__inet_lookup_skb). Its TCP header is parsed again here, where the
 * driver put it (the caller's parse accepted it).
 * @return true if the endpoint took the segment, else *@p vout set
 */
static __rte_noinline bool
worker_ep(struct bs_worker *w, const struct bs_worker_port *wp, struct rte_mbuf *m,
		uint64_t addr_sum, uint32_t lens, uint32_t meta, struct bs_tcp_verdict *vout)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	struct bs_tcp_l2 l2 = { .port = wp->tx_idx, .rx_port = wp->idx };
	struct bs_tcp_verdict v;
	enum bs_tcp_ep_result r;
	struct bs_tcp_seg s;
	struct bs_pkt p;
	uint64_t hash;
	bool hashed;

	worker_pkt(&p, addr_sum, lens, meta);
	(void)bs_tcp_seg_parse(&s, frame + p.l2_len + p.l3_len, p.l4_len,
		m->data_len - p.l2_len - p.l3_len);
	l2.vlan = p.vlan;
	memcpy(&l2.peer, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	bs_tcp_ep_set_time(w->ep, w->burst_tsc);
	/* Hashed ahead with the burst (worker_flow.c), its buckets fetched. */
	hashed = worker_flow_hash(w, m, &p, &hash);
	if (hashed)
		r = bs_tcp_ep_input_hashed(w->ep, m, &p, &s, &l2, hash, &v);
	else
		r = bs_tcp_ep_input(w->ep, m, &p, &s, &l2, &v);
	if (r == BS_TCP_EP_DONE)
		return true;
	/* field by field, as the caller reads them */
	vout->action = v.action;
	vout->reason = v.reason;
	vout->flags = v.flags;
	vout->state = v.state;
	vout->seq = v.seq;
	vout->ack = v.ack;
	return false;
}

/*
 * A SYN that may get a SYN cookie: the SYN-ACK written over it, as the RST
 * is (tcp_synack.c).
 * @return the reply's length, or 0: the SYN is worker_ep()'s
 */
static __rte_noinline uint32_t
worker_synack(struct bs_worker *w, const struct bs_worker_port *wp, struct rte_mbuf *m,
		uint64_t addr_sum, uint32_t lens, uint32_t meta)
{
	struct bs_tcp_syn syn;
	struct bs_pkt p;
	uint64_t hash;
	bool hashed;

	worker_pkt(&p, addr_sum, lens, meta);
	syn.addr_sum = p.addr_sum;
	syn.l4_len = p.l4_len;
	syn.l2_len = p.l2_len;
	syn.l3_len = p.l3_len;
	syn.vlan = p.vlan;
	syn.v4 = p.kind == BS_PKT_IPV4;
	syn.port = wp->tx_idx;
	syn.rx_port = wp->idx;
	bs_tcp_ep_set_time(w->ep, w->burst_tsc);
	/* the burst's hash if it has one, left for worker_ep() if the SYN
	 * is not answered here */
	hashed = worker_flow_peek(w, m, !syn.v4, syn.l2_len,
		(uint32_t)syn.l2_len + syn.l3_len, &hash);
	return bs_tcp_ep_synack_cookie(w->ep, m, &syn, hashed ? &hash : NULL);
}

/* A stray segment's policy (bs_policy.h), by its destination, which is
 * the source of the RST written over it: 0 (send) or the drop reason.
 * Out of line: only with policies configured. */
static __rte_noinline int
worker_policy(struct bs_worker *w, const uint8_t *frame, const struct bs_pkt *p)
{
	const uint8_t *l3 = frame + p->l2_len;
	uint64_t hi, lo;

	if (p->kind == BS_PKT_IPV4)
		bs_policy_key4(((const struct rte_ipv4_hdr *)l3)->src_addr, &hi, &lo);
	else
		bs_policy_key6(((const struct rte_ipv6_hdr *)l3)->src_addr, &hi, &lo);
	return (int)bs_policy_stray(w->policy, w->pstate, hi, lo, w->burst_tsc);
}

/* TCP: checksum, header, then the core's verdict; the RST is written over
 * the segment. @p policy: stray policies may be configured (a constant: the
 * burst loop chooses, so that without policies the stray path has no test
 * for them). @p offload: the ports may use checksum offloads (a constant
 * too: false when neither has any, so their flags are not read).
 * @return 0 with *len set, WORKER_TAKEN, or a drop reason */
static __rte_always_inline int
worker_tcp(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, const struct bs_pkt *p, const struct bs_ip4_opts *o,
		uint32_t *len, struct burst_cnt *b, uint16_t *rst_reason, bool policy,
		bool offload)
{
	struct bs_worker_port *out = &w->ports[wp->tx_idx];
	bool tx_csum = offload && out->tx_csum;
	struct bs_tcp_verdict v, ve;
	struct bs_tcp_seg s;
	int rc;

	b->tcp_in++;
	rc = bs_tcp_seg_parse(&s, frame + p->l2_len + p->l3_len, p->l4_len,
		m->data_len - p->l2_len - p->l3_len);
	if (unlikely(rc != 0)) {
		count(w, BS_CNT_TcpInErrs);
		return rc;
	}
	if (unlikely(!tcp_csum_ok(wp, m, frame, p, offload))) {
		count(w, BS_CNT_TcpInErrs);
		count(w, BS_CNT_TcpInCsumErrors);
		return BS_DROP_TCP_CSUM;
	}
	if (unlikely(w->ep != NULL && !bs_tcp_ep_stray(w->ep, s.dport))) {
		/* Not while capturing, which sees a SYN-ACK as the
		 * endpoint's frame. */
		if ((s.flags & (BS_TCP_SYN | BS_TCP_ACK | BS_TCP_RST | BS_TCP_FIN)) ==
				BS_TCP_SYN && likely(w->cap.filter == NULL) &&
				bs_tcp_ep_cookie_possible(w->ep)) {
			*len = worker_synack(w, wp, m, p->addr_sum, worker_lens(p),
				worker_meta(p));
			if (*len != 0) {
				b->synack++;	/* completed with the burst */
				return 0;
			}
		}
		if (worker_ep(w, wp, m, p->addr_sum, worker_lens(p), worker_meta(p), &ve))
			return WORKER_TAKEN;
		/* into v field by field: v's address is never taken, so that
		 * the stray path keeps it in registers */
		v.action = ve.action;
		v.reason = ve.reason;
		v.flags = ve.flags;
		v.state = ve.state;
		v.seq = ve.seq;
		v.ack = ve.ack;
		if (v.action == BS_TCP_DISCARD)
			return v.reason;
	} else if (bs_tcp_input(&s, &v) == BS_TCP_DISCARD) {
		return v.reason;
	}
	if (unlikely(o != NULL) && ip4_opts_echo(w, wp, frame, p, o) != 0)
		return BS_DROP_IP_INHDR;

	*len = bs_tcp_rst_write(frame, p, &s, &v, &wp->mac, w->ip, tx_csum);
	if (rst_reason != NULL)		/* capturing */
		*rst_reason = (uint16_t)v.reason;
	/* TcpOutRsts/OutSegs derive from the counts per reason. */
	if (likely(v.reason == BS_RST_REASON_NO_SOCKET)) {
		/* A stray segment: its destination's policy, when there are
		 * any (checked on the reply, whose source it is). */
		if (policy && w->policy != NULL) {
			rc = worker_policy(w, frame, p);
			if (rc != 0)
				return rc;
		}
		b->rst++;
	} else
		bs_cnt_add(&w->stats.rst[v.reason], 1);
	if (bs_trace_on(&__bs_trace_tcp_send_reset))
		worker_trace_rst(frame + p->l2_len, v.reason, v.state);
	if (tx_csum) {
		m->ol_flags = RTE_MBUF_F_TX_TCP_CKSUM | (p->kind == BS_PKT_IPV4 ?
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM : RTE_MBUF_F_TX_IPV6);
		m->l2_len = p->l2_len;
		m->l3_len = *len - p->l2_len - sizeof(struct rte_tcp_hdr);
	}
	return 0;
}

static int
worker_icmp(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, const struct bs_pkt *p, const struct bs_ip4_opts *o,
		uint32_t *len)
{
	int rc;

	if (!l4_csum_ok(m, frame, *p))
		return BS_DROP_ICMP_CSUM;
	if (p->kind == BS_PKT_IPV4) {
		if (unlikely(o != NULL) && ip4_opts_echo(w, wp, frame, p, o) != 0)
			return BS_DROP_IP_INHDR;
		rc = bs_icmp4_input(frame, m->data_len, p, w->ip, len);
		if (rc == 0) {
			count(w, BS_CNT_IcmpInEchos);
			count(w, BS_CNT_IcmpOutEchoReps);
		}
	} else {
		rc = bs_icmp6_input(frame, m->data_len, p, w->ip, len);
		if (rc == 0) {
			count(w, BS_CNT_Icmp6InEchos);
			count(w, BS_CNT_Icmp6OutEchoReplies);
		}
	}
	return rc;
}

/* Neighbour solicitations and advertisements come to group addresses:
 * they are checked by bs_nd_input() / bs_nd_na() instead of bs_addr_check(). */
static bool
is_nd(const uint8_t *frame, const struct bs_pkt *p)
{
	uint8_t type;

	if (p->kind != BS_PKT_IPV6 || p->l4_proto != IPPROTO_ICMPV6 || p->l4_len < 1)
		return false;
	type = frame[p->l2_len + p->l3_len];
	return type == BS_ICMP6_NS || type == BS_ICMP6_NA;
}

/* NS: answered in place; NS and NA: news for the neighbour cache. */
static int
worker_nd(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, const struct bs_pkt *p, uint32_t *len)
{
	struct bs_neigh_news nw;
	int rc;

	if (!l4_csum_ok(m, frame, *p))
		return BS_DROP_ICMP_CSUM;
	/* The message and its options are read in place: like a TCP
	 * segment's options (bs_tcp_seg_parse), they must all lie in the
	 * first segment. */
	if (unlikely(p->l2_len + p->l3_len + p->l4_len > m->data_len))
		return BS_DROP_PKT_TOO_SMALL;
	if (frame[p->l2_len + p->l3_len] == BS_ICMP6_NA) {
		rc = bs_nd_na(frame, p, wp->addrs, &nw);
		if (rc != 0)
			return rc;
		if (bs_worker_neigh_news(w, wp, p->vlan, &nw) == BS_NEIGH_IGNORED)
			return BS_DROP_ICMP_IGNORED;
		count(w, BS_CNT_Icmp6InNeighborAdvertisements);
		rte_pktmbuf_free(m);
		return WORKER_TAKEN;
	}
	rc = bs_nd_input(frame, m->data_len + (m->nb_segs == 1 ?
		rte_pktmbuf_tailroom(m) : 0), p, wp->addrs, &wp->mac, len, &nw);
	if (nw.flags != 0)
		bs_worker_neigh_news(w, wp, p->vlan, &nw);
	if (rc == 0) {
		count(w, BS_CNT_Icmp6InNeighborSolicits);
		count(w, BS_CNT_Icmp6OutNeighborAdvertisements);
	}
	return rc;
}

/* ARP: a request for us is answered in place; what any valid ARP says
 * about its sender is news for the neighbour cache (a reply it takes is
 * consumed, not dropped). */
static int
worker_arp(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, const struct bs_pkt *p, uint32_t *len)
{
	const struct rte_arp_hdr *arp = (const struct rte_arp_hdr *)(frame + p->l2_len);
	enum bs_neigh_learnt r = BS_NEIGH_IGNORED;
	struct bs_neigh_news nw;
	int rc;

	rc = bs_arp_input(frame, p, wp->addrs, &wp->mac, len, &nw);
	if (nw.flags != 0)
		r = bs_worker_neigh_news(w, wp, p->vlan, &nw);
	if (rc == 0) {
		count(w, BS_CNT_ArpInRequests);
		count(w, BS_CNT_ArpOutReplies);
	} else if (r != BS_NEIGH_IGNORED && arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REPLY)) {
		count(w, BS_CNT_ArpInReplies);
		rte_pktmbuf_free(m);
		return WORKER_TAKEN;
	}
	return rc;
}

/*
 * IP, after the header checks: the address rules, then TCP or ICMP. With
 * @p slow, also what the stray path never sees (IPv4 options, ICMP and
 * neighbour solicitations); inlined twice, so that those cases' buffers
 * and out-of-line calls stay out of the stray path.
 */
static __rte_always_inline int
worker_ip(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, const struct bs_pkt *p, uint32_t *len,
		struct burst_cnt *b, bool slow, uint16_t *rst_reason, bool policy,
		bool offload)
{
	const struct bs_ip4_opts *o = NULL;
	struct bs_ip4_opts opts;
	int rc;

	b->ip_in++;
	/* ICMP's header is read in place, like every header: it must lie in
	 * the first segment (is_nd() peeked past a chain's first segment,
	 * found by test/fuzz/fuzz_frame). */
	if (slow && p->l4_proto != IPPROTO_TCP &&
			unlikely(p->l2_len + p->l3_len + RTE_MIN(p->l4_len, 8u) > m->data_len))
		return BS_DROP_PKT_TOO_SMALL;
	/* The protocol alone first: TCP is the common case, and never a
	 * neighbour solicitation. */
	if (slow && p->l4_proto != IPPROTO_TCP && is_nd(frame, p))
		return worker_nd(w, wp, m, frame, p, len);
	rc = bs_addr_check(wp->addrs, p, frame);
	if (rc != 0)
		return rc;
	if (slow && p->kind == BS_PKT_IPV4 && p->l3_len > sizeof(struct rte_ipv4_hdr)) {
		rc = ip4_opts_rcv(w, wp, frame, p, &opts);
		if (rc != 0)
			return rc;
		o = &opts;
	}
	if (!slow || p->l4_proto == IPPROTO_TCP)
		return worker_tcp(w, wp, m, frame, p, o, len, b, rst_reason, slow || policy,
			offload);
	return worker_icmp(w, wp, m, frame, p, o, len);
}

/* Cut a chain to @p len bytes (> the first segment), wherever the cut
 * falls: rte_pktmbuf_trim only trims within the last segment. */
static int
chain_trim(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m;
	uint32_t left = len;
	uint16_t n = 1;

	while (left > s->data_len && s->next != NULL) {
		left -= s->data_len;
		s = s->next;
		n++;
	}
	if (left > s->data_len)
		return -1;
	s->data_len = (uint16_t)left;
	if (s->next != NULL)
		rte_pktmbuf_free(s->next);
	s->next = NULL;
	m->nb_segs = n;
	m->pkt_len = len;
	return 0;
}

/*
 * Make the mbuf @p len bytes long: the reply lies in the first segment
 * (RST, ARP, NA), or it is an echo reply as long as the request and keeps
 * its chain (minus any Ethernet padding at the tail).
 */
static int
reply_fit(struct rte_mbuf *m, uint32_t len)
{
	if (likely(len <= m->data_len)) {
		if (unlikely(m->nb_segs > 1)) {
			rte_pktmbuf_free(m->next);
			m->next = NULL;
			m->nb_segs = 1;
		}
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		return 0;
	}
	if (len > m->pkt_len)	/* NA grown into the tailroom */
		return rte_pktmbuf_append(m, (uint16_t)(len - m->pkt_len)) == NULL ? -1 : 0;
	return chain_trim(m, len);
}

/*
 * A reply leaves on the VLAN device the request came in on: VID kept,
 * priority and DEI 0 (skb->priority 0 through the default egress map).
 * A priority-tagged request (VID 0) came in on the base device and is
 * answered untagged.
 */
static void
reply_vlan(struct rte_mbuf *m, uint16_t vlan)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(frame + sizeof(struct rte_ether_hdr));

	if (vlan != 0) {
		vh->vlan_tci = bs_be16(vlan);
		return;
	}
	/* Untag: the addresses move 4 bytes up, over the tag. */
	memmove(frame + sizeof(struct rte_vlan_hdr), frame, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
	if (m->ol_flags != 0)
		m->l2_len = sizeof(struct rte_ether_hdr);
}

/* Make @p m, holding a reply of @p len bytes, ready to send. */
static __rte_always_inline int
reply_finish(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		const struct bs_pkt *p, uint32_t len, bool offload)
{
	if (unlikely(reply_fit(m, len) != 0))
		return BS_DROP_UNHANDLED_PROTO;
	if (!offload || p->kind == BS_PKT_ARP || p->l4_proto != IPPROTO_TCP ||
			!w->ports[wp->tx_idx].tx_csum)
		m->ol_flags = 0;
	if (unlikely(p->l2_len != sizeof(struct rte_ether_hdr)))
		reply_vlan(m, p->vlan);
	return 0;
}

/*
 * What the stray path never sees: ARP, ICMP, neighbour solicitations,
 * IPv4 options. Out of line, with its own copy of the parsed frame.
 * @return 0 when @p m holds the reply, WORKER_TAKEN, or a drop reason
 */
static __rte_always_inline int
slow(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, struct bs_pkt p, struct burst_cnt *b, uint16_t *rst_reason)
{
	uint32_t len = 0;
	int rc;

	if (p.kind != BS_PKT_ARP) {
		rc = worker_ip(w, wp, m, frame, &p, &len, b, true, rst_reason, true, true);
	} else {
		rc = worker_arp(w, wp, m, frame, &p, &len);
	}
	if (rc != 0)
		return rc;
	return reply_finish(w, wp, m, &p, len, true);
}

static __rte_noinline int
worker_slow(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, struct bs_pkt p, struct burst_cnt *b)
{
	return slow(w, wp, m, frame, p, b, NULL);
}

/* The same while capturing: *rst_reason gets an RST's reason. */
static __rte_noinline int
worker_slow_cap(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, struct bs_pkt p, struct burst_cnt *b, uint16_t *rst_reason)
{
	return slow(w, wp, m, frame, p, b, rst_reason);
}

/*
 * One frame: 0 when @p m holds the reply, to be queued on the worker's
 * port wp->tx_idx, WORKER_TAKEN, else dropped (counted and freed). With
 * @p cap (a constant: three copies, worker_handle, worker_handle_cap and
 * worker_handle_policy), the reply, or the frame before it is freed, goes
 * to the capture tap with its reset or drop reason; with @p policy (a
 * constant too; the capture copy has it) stray segments meet their
 * policies. Without @p offload (a constant: worker_handle_plain and rx_burst_plain, for a
 * port pair with no checksum offload at all) the ports' offload flags are
 * not read.
 */
static __rte_always_inline int
handle(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		struct burst_cnt *b, bool cap, bool policy, bool offload)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint64_t ipf = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	uint16_t rst = BS_CAPTURE_NO_REASON;
	uint16_t *rst_reason = cap ? &rst : NULL;
	struct bs_pkt p;
	uint32_t len = 0;
	int rc;

	if (offload && wp->rx_ip_csum && ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
		rc = BS_DROP_IP_CSUM;
		goto drop;
	}
	rc = bs_pkt_parse(&p, frame, m->data_len, m->pkt_len, &wp->mac,
		offload && wp->rx_ip_csum && ipf == RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	if (unlikely(rc != 0))
		goto drop;
	if (unlikely(p.l4_proto != IPPROTO_TCP || (p.kind == BS_PKT_IPV4 &&
			p.l3_len != sizeof(struct rte_ipv4_hdr)))) {
		/* ARP (l4_proto 0), ICMP, ICMPv6, IPv4 options */
		rc = cap ? worker_slow_cap(w, wp, m, frame, p, b, rst_reason) :
			worker_slow(w, wp, m, frame, p, b);
	} else {
		rc = worker_ip(w, wp, m, frame, &p, &len, b, false, rst_reason, policy,
			offload);
		if (likely(rc == 0))
			rc = reply_finish(w, wp, m, &p, len, offload);
	}
	if (cap && rc == 0)
		bs_capture_frame(&w->cap, m, rst == BS_CAPTURE_NO_REASON ?
			BS_CAPTURE_SEND : BS_CAPTURE_RESET, rst, wp->tx_idx);
	if (likely(rc == 0) || rc == WORKER_TAKEN)
		return rc;
drop:
	if (cap)
		bs_capture_frame(&w->cap, m, BS_CAPTURE_DROP, (unsigned int)rc, wp->idx);
	bs_cnt_add(&w->stats.drop[rc], 1);
	rte_pktmbuf_free(m);
	return rc;
}

/*
 * Out of line, so that the burst loop keeps its registers, and flattened:
 * the parser, the address check and the RST writer are inlined, so the
 * parsed views they take by address live in registers.
 */
static __rte_noinline __attribute__((flatten)) int
worker_handle(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		struct burst_cnt *b)
{
	return handle(w, wp, m, b, false, false, true);
}

/* The same for a port whose frames, and their replies, have no checksum
 * offload (port_plain()): every virtual device, and NICs without it. */
static __rte_noinline __attribute__((flatten)) int
worker_handle_plain(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		struct burst_cnt *b)
{
	return handle(w, wp, m, b, false, false, false);
}

/* Neither @p wp nor its reply port uses a checksum offload. */
static inline bool
port_plain(const struct bs_worker *w, const struct bs_worker_port *wp)
{
	return !(wp->rx_ip_csum | wp->rx_l4_csum | w->ports[wp->tx_idx].tx_csum);
}

/* The same while capturing (w->cap.filter set), policies or not; not
 * flattened, so that what worker_handle inlines is not inlined twice. */
static __rte_noinline int
worker_handle_cap(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		struct burst_cnt *b)
{
	return handle(w, wp, m, b, true, true, true);
}

/* The same with stray policies configured (w->policy set). */
static __rte_noinline __attribute__((flatten)) int
worker_handle_policy(struct bs_worker *w, struct bs_worker_port *wp,
		struct rte_mbuf *m, struct burst_cnt *b)
{
	return handle(w, wp, m, b, false, true, true);
}

/* The copy of handle() for what is set: capture, stray policies, neither. */
static inline int
worker_handle_any(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		struct burst_cnt *b)
{
	if (unlikely(w->cap.filter != NULL))
		return worker_handle_cap(w, wp, m, b);
	if (w->policy != NULL)
		return worker_handle_policy(w, wp, m, b);
	if (port_plain(w, wp))
		return worker_handle_plain(w, wp, m, b);
	return worker_handle(w, wp, m, b);
}

void
bs_worker_handle(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m)
{
	struct bs_worker_port *out = &w->ports[wp->tx_idx];
	struct burst_cnt b = { 0 };

	w->burst_tsc = rte_rdtsc();	/* a burst of one */
	if (worker_handle_any(w, wp, m, &b) == 0)
		out->tx[out->n_tx++] = m;
	if (unlikely(b.synack != 0))
		bs_tcp_ep_synack_flush(w->ep);
	burst_cnt_add(w, &b);
}

static void
port_send(struct bs_worker *w, unsigned int i, struct rte_mbuf **tx, uint16_t *n)
{
	struct bs_worker_port *wp = &w->ports[i];
	uint16_t sent;

	if (*n == 0)
		return;
	sent = rte_eth_tx_burst(wp->port_id, wp->queue, tx, *n);
	bs_cnt_add(&w->stats.port[i].tx, sent);
	bs_cnt_add(&w->stats.cnt[BS_CNT_TxFrames], sent);
	if (unlikely(sent < *n)) {
		bs_cnt_add(&w->stats.drop[BS_DROP_TX_RING_FULL], *n - sent);
		rte_pktmbuf_free_bulk(&tx[sent], *n - sent);
	}
	*n = 0;
}

/* A frame of the endpoint's, while capturing: an RST is an abort (the
 * endpoint's other resets are verdicts, sent by worker_tcp). */
static __rte_noinline void
ep_tx_capture(struct bs_worker *w, unsigned int port, struct rte_mbuf *m)
{
	int reason = bs_tcp_ep_tx_rst(w->ep);

	if (reason < 0)
		bs_capture_frame(&w->cap, m, BS_CAPTURE_SEND, BS_CAPTURE_NO_REASON, port);
	else
		bs_capture_frame(&w->cap, m, BS_CAPTURE_RESET, (unsigned int)reason, port);
}

/* The endpoint's frames: a buffer per port, sent when full and with each
 * burst's replies. */
void
bs_worker_ep_tx(void *arg, unsigned int port, struct rte_mbuf *m)
{
	struct bs_worker *w = arg;
	struct bs_worker_port *wp = &w->ports[port];

	if (unlikely(w->cap.filter != NULL))
		ep_tx_capture(w, port, m);
	if (wp->n_etx == BS_MAX_BURST)
		port_send(w, port, wp->etx, &wp->n_etx);
	wp->etx[wp->n_etx++] = m;
}

void
bs_worker_flush(struct bs_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->n_ports; i++) {
		struct bs_worker_port *wp = &w->ports[i];
		uint16_t sent;

		port_send(w, i, wp->etx, &wp->n_etx);
		if (wp->n_tx == 0)
			continue;
		sent = rte_eth_tx_burst(wp->port_id, wp->queue, wp->tx, wp->n_tx);
		bs_cnt_add(&w->stats.port[i].tx, sent);
		bs_cnt_add(&w->stats.cnt[BS_CNT_TxFrames], sent);
		if (unlikely(sent < wp->n_tx)) {
			bs_cnt_add(&w->stats.drop[BS_DROP_TX_RING_FULL], wp->n_tx - sent);
			rte_pktmbuf_free_bulk(&wp->tx[sent], wp->n_tx - sent);
		}
		wp->n_tx = 0;
	}
}

/* Which frame handler a burst loop calls (a constant: three loops). */
enum loop_kind {
	LOOP_SPECIAL,	/* capturing or stray policies: worker_handle_any() */
	LOOP_OFFLOAD,	/* ports with checksum offloads: worker_handle() */
	LOOP_PLAIN,	/* ports with none: handle() itself, inlined */
};

/* A burst's frames. @return replies queued on wp->tx_idx */
static __rte_always_inline uint16_t
burst_loop(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf **pkts,
		uint16_t n, uint16_t n_tx, struct burst_cnt *b, enum loop_kind k)
{
	struct bs_worker_port *out = &w->ports[wp->tx_idx];
	uint16_t i;
	int rc;

	for (i = 0; i < n; i++) {
		/* The next frame's headers while this one is answered (the
		 * whole burst's, up front, only with wp->prefetch: a driver
		 * that copies frames has just written them). */
		if (likely(i + 1 < n))
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i + 1], void *));
		if (k == LOOP_PLAIN)
			rc = handle(w, wp, pkts[i], b, false, false, false);
		else if (k == LOOP_OFFLOAD)
			rc = worker_handle(w, wp, pkts[i], b);
		else
			rc = worker_handle_any(w, wp, pkts[i], b);
		if (rc == 0)
			out->tx[n_tx++] = pkts[i];
	}
	return n_tx;
}

/* A burst while capturing or with stray policies. */
static __rte_noinline uint16_t
rx_special(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf **pkts,
		uint16_t n, uint16_t n_tx, struct burst_cnt *b)
{
	return burst_loop(w, wp, pkts, n, n_tx, b, LOOP_SPECIAL);
}

/* A burst on ports with checksum offloads: the frame handler out of line,
 * per frame. */
static uint16_t
rx_burst(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf **pkts,
		uint16_t n, uint16_t n_tx, struct burst_cnt *b)
{
	return burst_loop(w, wp, pkts, n, n_tx, b, LOOP_OFFLOAD);
}

/* A burst on ports with no checksum offload (port_plain()), with the
 * frame handler inlined and flattened into the loop: no call, no saving
 * of registers, per frame (434 instructions per stray reply against 455,
 * and 131-134 cycles against 132-146 with the handler out of line;
 * docs/performance.md). */
static __rte_noinline __attribute__((flatten)) uint16_t
rx_burst_plain(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf **pkts,
		uint16_t n, uint16_t n_tx, struct burst_cnt *b)
{
	return burst_loop(w, wp, pkts, n, n_tx, b, LOOP_PLAIN);
}

/* Answer a burst received on @p wp: replies queued, not sent. */
static __rte_always_inline void
burst(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf **pkts, uint16_t n)
{
	struct bs_worker_port *out = &w->ports[wp->tx_idx];
	struct burst_cnt b = { 0 };
	uint16_t i, n_tx;

	if (wp->prefetch)
		for (i = 0; i < n; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	/* Every TCP segment is looked up while the table holds anything: in
	 * a large table, the burst's hashes first, their buckets prefetched
	 * (worker_flow.c). */
	if (worker_lookahead(w))
		worker_flows(w, pkts, n);
	else if (w->ep != NULL && bs_table_count(bs_tcp_ep_table(w->ep)) != 0)
		worker_flows_syn(w, pkts, n);
	n_tx = out->n_tx;
	/* Capture or stray policies: chosen once per burst. */
	if (unlikely(w->cap.filter != NULL || w->policy != NULL)) {
		n_tx = rx_special(w, wp, pkts, n, n_tx, &b);
		goto done;
	}
	/* The frame handler without any offload test, when the ports have
	 * none: chosen once per burst too. */
	if (port_plain(w, wp))
		n_tx = rx_burst_plain(w, wp, pkts, n, n_tx, &b);
	else
		n_tx = rx_burst(w, wp, pkts, n, n_tx, &b);
done:
	/* The burst's cookie SYN-ACKs: their hashes side by side. */
	if (unlikely(b.synack != 0))
		bs_tcp_ep_synack_flush(w->ep);
	out->n_tx = n_tx;
	w->n_flow = 0;
	burst_cnt_add(w, &b);
}

void
bs_worker_handle_burst(struct bs_worker *w, struct bs_worker_port *wp,
		struct rte_mbuf **pkts, uint16_t n)
{
	w->burst_tsc = rte_rdtsc();
	burst(w, wp, pkts, n);
}

/* RX one burst from one queue and answer it. */
static unsigned int
worker_rx(struct bs_worker *w, struct bs_worker_port *wp)
{
	struct rte_mbuf *pkts[BS_MAX_BURST];
	uint64_t t0 = rte_rdtsc();
	uint16_t n;

	n = rte_eth_rx_burst(wp->port_id, wp->queue, pkts, w->burst);
	if (n == 0)
		return 0;
	w->burst_tsc = t0;	/* the endpoint's clock for this burst */
	burst(w, wp, pkts, n);
	bs_worker_flush(w);
	bs_cnt_add(&w->stats.port[wp->idx].rx, n);
	bs_cnt_add(&w->stats.cnt[BS_CNT_RxFrames], n);
	bs_cnt_add(&w->stats.busy_polls, 1);
	bs_cnt_add(&w->stats.busy_cycles, rte_rdtsc() - t0);
	return n;
}

void
bs_worker_snap_take(struct bs_worker *w)
{
	const struct bs_worker_snap *s = __atomic_load_n(&w->snap_pub, __ATOMIC_ACQUIRE);
	int rc = 0;

	if (s == NULL || s == w->snap)
		return;
	w->policy = s->policy;
	if (w->ep != NULL && s->conf != NULL)
		rc = bs_tcp_ep_reconf(w->ep, s->conf);
	w->snap = s;
	w->snap_rc = rc;
	__atomic_store_n(&w->snap_gen, s->gen, __ATOMIC_RELEASE);
}

unsigned int
bs_worker_poll(struct bs_worker *w)
{
	unsigned int i, n = 0;

	/* A new configuration: one load per poll, taken between bursts. */
	if (unlikely(__atomic_load_n(&w->snap_pub, __ATOMIC_RELAXED) != w->snap))
		bs_worker_snap_take(w);
	for (i = 0; i < w->n_ports; i++)
		if (w->ports[i].polled)
			n += worker_rx(w, &w->ports[i]);
	if (w->ep != NULL && bs_tcp_ep_busy(w->ep)) {
		/* The endpoint's turns that did work (accepts, applications,
		 * timers) are busy cycles too: CPU per connection counts them. */
		uint64_t t0 = rte_rdtsc();
		unsigned int done = bs_tcp_ep_poll(w->ep, t0);

		bs_worker_flush(w);
		if (done != 0)
			bs_cnt_add(&w->stats.busy_cycles, rte_rdtsc() - t0);
	}
	if (unlikely(bs_worker_neigh_busy(w))) {
		bs_worker_neigh_poll(w);
		bs_worker_flush(w);
	}
	if (unlikely(worker_ctl_pending(w)))
		bs_worker_ctl_poll(w);	/* a control request: once per poll */
	return n;
}

int
bs_worker_main(void *arg)
{
	struct bs_worker *w = arg;
	struct bs_port_guard_reader *g = bs_port_guard_online(w->index);

	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED)) {
		bs_worker_poll(w);
		bs_port_guard_quiescent(g);	/* no driver call in progress */
	}
	bs_port_guard_offline(g);
	return 0;
}
