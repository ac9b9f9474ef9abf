/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Everything a connection sends: the frame builder and the segments of
 * matrix section 5.2 (RST-ABORT) and 5.3 (ACKs), plus SYN, SYN-ACK, data,
 * retransmissions and probes. The RST-REPLY of section 5.1 is not here: it
 * is bs_tcp_rst_write(), driven by a verdict.
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_ip.h>

#include "tcp_ep_internal.h"
#include "bs_trace.h"

#define IP_ECN_MASK 0x03

/* Copy @p len bytes from offset @p off of a chain. */
static void
chain_copy(uint8_t *dst, const struct rte_mbuf *m, uint32_t off, uint32_t len)
{
	while (m != NULL && off >= m->data_len) {
		off -= m->data_len;
		m = m->next;
	}
	while (m != NULL && len > 0) {
		uint32_t n = RTE_MIN(len, (uint32_t)m->data_len - off);

		memcpy(dst, rte_pktmbuf_mtod_offset(m, const uint8_t *, off), n);
		dst += n;
		len -= n;
		off = 0;
		m = m->next;
	}
}

uint32_t
tcp_flow_label(const struct bs_tcp_ep *ep, const struct bs_flow *f)
{
	uint64_t w[5];

	if (!ep->c.ip->auto_flowlabels)
		return 0;
	memcpy(w, f, sizeof(*f));
	w[4] &= 0xffffffff;
	return (uint32_t)bs_siphash13(&ep->isn_key, w, 5) & 0xfffff;
}

int
ep_send(struct bs_tcp_ep *ep, const struct bs_flow *f, uint16_t adj,
		uint8_t tos, const struct tcp_seg_out *o, struct rte_mbuf *reuse)
{
	const struct tcp_adj *a = &ep->adj[adj];
	bool v4 = bs_flow_is_v4(f);
	uint32_t l2 = sizeof(struct rte_ether_hdr) + (a->vlan != 0 ? 4 : 0);
	uint32_t l3 = v4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	uint32_t l4 = sizeof(struct rte_tcp_hdr) + o->opt_len + o->data_len;
	struct rte_ether_hdr *eth;
	struct rte_tcp_hdr *th;
	struct rte_mbuf *m;
	uint8_t *buf, *ip, *end;
	uint64_t sum;

	if (reuse == NULL && ep->spare != NULL) {
		/* The received frame the application's turn follows, if the
		 * segment fits in it (a frame from another driver's pool may
		 * be smaller): a fresh buffer otherwise, not a drop. */
		reuse = ep->spare;
		ep->spare = NULL;
		if (unlikely(reuse->buf_len < RTE_PKTMBUF_HEADROOM + l2 + l3 + l4)) {
			rte_pktmbuf_free(reuse);
			reuse = NULL;
		}
	}
	if (reuse != NULL) {
		m = reuse;
		if (m->nb_segs > 1) {
			rte_pktmbuf_free(m->next);
			m->next = NULL;
		}
		rte_pktmbuf_reset(m);
	} else {
		m = rte_pktmbuf_alloc(ep->c.pool);
	}
	if (m == NULL || l2 + l3 + l4 > rte_pktmbuf_tailroom(m)) {
		if (m != NULL)
			rte_pktmbuf_free(m);
		ep_drop_cnt(ep, BS_DROP_NOMEM);
		return -ENOMEM;
	}
	buf = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(l2 + l3 + l4));

	eth = (struct rte_ether_hdr *)buf;
	rte_ether_addr_copy(&a->mac, &eth->dst_addr);
	rte_ether_addr_copy(&ep->c.port_mac[a->port], &eth->src_addr);
	if (a->vlan != 0) {
		struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(eth + 1);

		eth->ether_type = RTE_BE16(RTE_ETHER_TYPE_VLAN);
		vh->vlan_tci = rte_cpu_to_be_16(a->vlan);
		vh->eth_proto = v4 ? RTE_BE16(RTE_ETHER_TYPE_IPV4) : RTE_BE16(RTE_ETHER_TYPE_IPV6);
	} else {
		eth->ether_type = v4 ? RTE_BE16(RTE_ETHER_TYPE_IPV4) : RTE_BE16(RTE_ETHER_TYPE_IPV6);
	}

	/*
	 * The headers as words built in registers, each stored once, and
	 * their sums taken from those values: a load of a header just
	 * written field by field waits for those stores to retire
	 * (tcp_synack.c). The options are read as the words they were
	 * written as (tcb_opts(), tcp_syn_opts()).
	 */
	ip = buf + l2;
	if (v4) {
		uint32_t w0 = tcp_wire32(0x45u << 24 | (uint32_t)tos << 16 | (l3 + l4));
		uint32_t w1 = tcp_wire32(RTE_IPV4_HDR_DF_FLAG);	/* ID 0, DF */
		uint32_t w2 = tcp_wire32((uint32_t)ep->c.ip->ttl << 24 | IPPROTO_TCP << 16);
		uint32_t src, dst;
		uint16_t c;

		memcpy(&src, f->laddr + 12, 4);
		memcpy(&dst, f->raddr + 12, 4);
		sum = (uint64_t)src + dst;
		c = (uint16_t)~bs_csum_fold(sum + w0 + w1 + w2);
		memcpy(ip, &w0, 4);
		memcpy(ip + 4, &w1, 4);
		memcpy(ip + 8, &w2, 4);
		memcpy(ip + 10, &c, 2);
		memcpy(ip + 12, &src, 4);
		memcpy(ip + 16, &dst, 4);
	} else {
		uint32_t w0 = tcp_wire32(6u << 28 | (uint32_t)tos << 20 | tcp_flow_label(ep, f));
		uint32_t w1 = tcp_wire32(l4 << 16 | IPPROTO_TCP << 8 | ep->c.ip->hop_limit);

		memcpy(ip, &w0, 4);
		memcpy(ip + 4, &w1, 4);
		memcpy(ip + 8, f->laddr, 16);
		memcpy(ip + 24, f->raddr, 16);
		sum = bs_csum_add(f->laddr, 16, bs_csum_add(f->raddr, 16, 0));
	}
	sum = bs_csum_pseudo_add(sum, l4, IPPROTO_TCP);

	th = (struct rte_tcp_hdr *)(ip + l3);
	{
		/* (scalars, not an array: the compiler would copy an array
		 * with a wide load of its words just stored) */
		uint16_t ports[2] = { f->lport, f->rport };
		uint8_t *p = (uint8_t *)th;
		uint32_t w0, i;

		memcpy(&w0, ports, 4);
		tcp_put32(p, w0, &sum);
		tcp_put32(p + 4, rte_cpu_to_be_32(o->seq), &sum);
		tcp_put32(p + 8, rte_cpu_to_be_32(o->ack), &sum);
		tcp_put32(p + 12, tcp_wire32((sizeof(*th) + o->opt_len) / 4 << 28 |
			(uint32_t)o->flags << 16 | RTE_MIN(o->win, 65535u)), &sum);
		tcp_put32(p + 16, 0, &sum);	/* checksum, urgent pointer */
		/* options are whole words (the data offset counts words) */
		for (i = 0; i < o->opt_len; i += 4) {
			uint32_t v;

			memcpy(&v, o->opts + i, 4);
			tcp_put32(p + sizeof(*th) + i, v, &sum);
		}
	}
	if (o->data_len != 0) {
		uint8_t *d = (uint8_t *)(th + 1) + o->opt_len;

		chain_copy(d, o->data, o->data_off, o->data_len);
		/* the data after the header (at an even offset: the header
		 * is whole words) 16 bytes a step, its last word read whole
		 * when the buffer goes 7 bytes past it */
		end = (uint8_t *)m->buf_addr + m->buf_len;
		if (d + o->data_len + 7 <= end)
			sum = bs_csum_add_wide(d, o->data_len, sum);
		else
			sum = bs_csum_add(d, o->data_len, sum);
	}
	{
		uint16_t c = (uint16_t)~bs_csum_fold(sum);

		memcpy(&th->cksum, &c, 2);
	}

	if (!(o->flags & BS_TCP_RST))
		ep_cnt(ep, BS_CNT_TcpOutNoRst);
	if (unlikely(a->used == TCP_ADJ_PENDING)) {
		/* The next hop is being resolved: the frame waits for it. */
		if (ep->c.hold != NULL) {
			ep->c.hold(ep->c.tx_arg, a->port, m);
		} else {
			rte_pktmbuf_free(m);
			ep_drop_cnt(ep, BS_DROP_NEIGH_FAILED);
		}
		return 0;
	}
	ep->c.tx(ep->c.tx_arg, a->port, m);
	return 0;
}

/* TSval: our millisecond clock plus the connection's offset. Whole
 * words, as ep_send() reads them. */
static uint8_t *
opt_ts(uint8_t *p, uint32_t tsval, uint32_t tsecr)
{
	uint32_t k = tcp_wire32(TCP_OPT_WORD(TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TS, 10));
	uint32_t v = rte_cpu_to_be_32(tsval), e = rte_cpu_to_be_32(tsecr);

	memcpy(p, &k, 4);
	memcpy(p + 4, &v, 4);
	memcpy(p + 8, &e, 4);
	return p + 12;
}

/* Options of a data-less or data segment of a synchronized connection
 * (tcp_established_options): timestamps, then SACK blocks. */
static void
tcb_opts(struct bs_tcp_ep *ep, struct bs_tcb *t, struct tcp_seg_out *o)
{
	uint8_t *p = o->opts;
	struct tcb_ext *x = tcb_ext(ep, t);

	if (t->fl & TCB_TS)
		p = opt_ts(p, ep_ts_now(ep) + t->ts_off, t->ts_recent);
	if ((t->fl & TCB_SACK) && x != NULL && x->n_sacks != 0) {
		unsigned int i, n = x->n_sacks;
		uint32_t k;

		if (t->fl & TCB_TS)
			n = RTE_MIN(n, 3u);
		k = tcp_wire32(TCP_OPT_WORD(TCPOPT_NOP, TCPOPT_NOP, TCPOPT_SACK, 2 + 8 * n));
		memcpy(p, &k, 4);
		p += 4;
		for (i = 0; i < n; i++) {
			uint32_t l = rte_cpu_to_be_32(x->sack[i][0]);
			uint32_t r = rte_cpu_to_be_32(x->sack[i][1]);

			memcpy(p, &l, 4);
			memcpy(p + 4, &r, 4);
			p += 8;
		}
	}
	o->opt_len = (uint8_t)(p - o->opts);
}

/*
 * Our receive window (tcp_select_window, simplified): the free part of
 * the receive buffer (tcp_rmem default), never shrunk below what was
 * announced, in units of our scale.
 */
uint32_t
tcb_rcv_window(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	uint32_t space = ep->k->tcp_rmem[1], used = 0, wnd, cur;
	unsigned int ws = tcb_rcv_wscale(t);

	if (x != NULL)
		used = x->rcv_bytes + x->ooo_bytes;
	wnd = used >= space ? 0 : space - used;
	if (ws == 0)
		wnd = RTE_MIN(wnd, 65535u);
	else
		wnd = RTE_MIN(wnd, 65535u << ws);
	/* Never shrink: the right edge we announced stays (RFC 9293 3.8.6). */
	cur = t->rcv_wup + ((uint32_t)t->rcv_wnd << ws) - t->rcv_nxt;
	if (SEQ_GT(t->rcv_wup + ((uint32_t)t->rcv_wnd << ws), t->rcv_nxt) && cur > wnd)
		wnd = cur + ((1u << ws) - 1);
	wnd >>= ws;
	t->rcv_wnd = (uint16_t)RTE_MIN(wnd, 65535u);
	t->rcv_wup = t->rcv_nxt;
	return t->rcv_wnd;
}

static void
tcb_out(struct bs_tcp_ep *ep, struct bs_tcb *t, struct tcp_seg_out *o,
		struct rte_mbuf *reuse)
{
	/* Every ACK-bearing segment answers what is owed. */
	if (o->flags & BS_TCP_ACK)
		tcb_event_ack_sent(ep, t);
	if (o->data_len != 0)
		tcb_event_data_sent(ep, t);
	ep_send(ep, &t->flow, t->adj, 0, o, reuse);
}

/*
 * tcp_acceptable_seq(): SND.NXT, unless the peer shrank its window below
 * it; then the window's right edge, so the segment stays acceptable.
 */
static uint32_t
tcb_acceptable_seq(const struct bs_tcb *t)
{
	uint32_t wnd_end = t->snd_una + t->snd_wnd;

	if (!SEQ_GT(t->snd_nxt, wnd_end) ||
			(tcb_snd_wscale(t) != 0 &&
			 (uint32_t)(t->snd_nxt - wnd_end) < (1u << tcb_snd_wscale(t))))
		return t->snd_nxt;
	return wnd_end;
}

/* <SEQ=SND.NXT><ACK=RCV.NXT><CTL=ACK>, current window, TS and SACK. */
void
tcb_send_ack(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rte_mbuf *reuse)
{
	struct tcp_seg_out o = { .flags = BS_TCP_ACK };

	o.seq = tcb_acceptable_seq(t);
	o.ack = t->rcv_nxt;
	o.win = tcb_rcv_window(ep, t);
	tcb_opts(ep, t, &o);
	tcb_out(ep, t, &o, reuse);
}

/*
 * The per-connection limiter shared by dupacks and challenge ACKs
 * (__tcp_oow_rate_limited): one per tcp_invalid_ratelimit ms.
 * @return true when the ACK must not be sent (counter @p c bumped)
 */
bool
tcb_oow_limited(struct bs_tcp_ep *ep, uint32_t *last, enum bs_counter c)
{
	uint32_t gap = ep->k->tcp_invalid_ratelimit;

	if (*last != 0 && gap != 0 && (int32_t)(ep->now_ms - *last) >= 0 &&
			ep->now_ms - *last < gap) {
		ep_cnt(ep, c);
		return true;
	}
	*last = ep->now_ms == 0 ? 1 : ep->now_ms;
	return false;
}

/*
 * tcp_send_challenge_ack (RFC 5961): the per-connection limiter, then the
 * optional per-second budget tcp_challenge_ack_limit drawn from
 * [limit/2, limit + limit/2) each second (section 4.2). Held back, the
 * segment stays the caller's: it is a drop like any unanswered one.
 */
bool
tcb_send_challenge_ack(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rte_mbuf *reuse)
{
	uint32_t limit = ep->k->tcp_challenge_ack_limit;

	if (tcb_oow_limited(ep, &t->last_oow, BS_CNT_TCPACKSkippedChallenge))
		return false;
	if (limit < INT32_MAX) {
		uint32_t sec = ep->now_ms / 1000;

		if (sec != ep->chal_second) {
			uint32_t half = (limit + 1) / 2;

			ep->chal_second = sec;
			ep->chal_budget = half + ep_random(ep) % (limit == 0 ? 1 : limit);
		}
		if (ep->chal_budget == 0)
			return false;
		ep->chal_budget--;
	}
	ep_cnt(ep, BS_CNT_TCPChallengeACK);
	tcb_send_ack(ep, t, reuse);
	return true;
}

/*
 * tcp_send_dupack for an unacceptable segment (Q22): pure ACKs and SYNs
 * go through the limiter, segments with data are always answered.
 */
bool
tcb_send_dupack(struct bs_tcp_ep *ep, struct bs_tcb *t, const struct bs_tcp_seg *s,
		struct rte_mbuf *reuse)
{
	if (s->len == 0 && !(s->flags & BS_TCP_FIN) &&
			tcb_oow_limited(ep, &t->last_oow, BS_CNT_TCPACKSkippedSeq))
		return false;
	if ((s->len != 0 || (s->flags & BS_TCP_FIN)) && SEQ_LT(s->seq, t->rcv_nxt)) {
		ep_cnt(ep, BS_CNT_DelayedACKLost);	/* our ACK was lost: ACK at once */
		tcb_enter_quickack_mode(ep, t);
	}
	tcb_send_ack(ep, t, reuse);
	return true;
}

/*
 * RST-ABORT (matrix 5.2; tcp_send_active_reset): <SEQ=acceptable SND.NXT>
 * <ACK=RCV.NXT><CTL=RST,ACK>, the real window and options, never
 * retransmitted. OutRsts is counted even if the frame cannot be built.
 */
void
tcb_send_rst_abort(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int reason)
{
	struct tcp_seg_out o = { .flags = BS_TCP_RST | BS_TCP_ACK };

	o.seq = tcb_acceptable_seq(t);
	o.ack = t->rcv_nxt;
	o.win = tcb_rcv_window(ep, t);
	tcb_opts(ep, t, &o);
	ep_rst_cnt(ep, reason);
	ep->tx_rst = (uint8_t)(reason + 1);	/* bs_tcp_ep_tx_rst(), for capture */
	bs_trace_send_reset(&t->flow, t->state, reason);
	if (ep_send(ep, &t->flow, t->adj, 0, &o, NULL) != 0)
		ep_cnt(ep, BS_CNT_TCPAbortFailed);
	ep->tx_rst = 0;
}

/* SYN options (tcp_syn_opts_put()) written at @p p0. */
uint8_t
tcp_syn_opts(uint8_t *p0, uint16_t mss, bool sack, bool ts, uint32_t tsval,
		uint32_t tsecr, int wscale)
{
	uint64_t sum = 0;

	return (uint8_t)tcp_syn_opts_put(p0, mss, sack, ts, tsval, tsecr, wscale, &sum);
}

/* Our SYN (SYN_SENT) or SYN-ACK (simultaneous open, SYN_RECV). */
void
tcb_send_syn(struct bs_tcp_ep *ep, struct bs_tcb *t, bool synack)
{
	struct tcp_seg_out o = { .flags = BS_TCP_SYN };
	const struct bs_tcp_conf *k = ep->k;

	if (unlikely(ep->adj[t->adj].used == TCP_ADJ_PENDING))
		tcb_adj_refresh(ep, t);
	o.seq = t->iss;
	if (synack) {
		o.flags |= BS_TCP_ACK;
		o.ack = t->rcv_nxt;
	}
	/* tcp_send_synack() after crossed SYNs retransmits our SYN with ACK
	 * set: the same options (tcp_syn_options, from the sysctls, whatever
	 * the peer offered: Q21 live), TSecr its TSval if it sent one. */
	o.win = RTE_MIN(ep->k->tcp_rmem[1], 65535u);
	o.opt_len = tcp_syn_opts(o.opts, tcp_local_mss(&t->flow), k->tcp_sack != 0,
		k->tcp_timestamps != 0, ep_ts_now(ep) + t->ts_off,
		synack && (t->fl & TCB_TS) ? t->ts_recent : 0,
		k->tcp_window_scaling ? (int)tcb_rcv_wscale(t) : -1);
	ep_send(ep, &t->flow, t->adj, 0, &o, NULL);
	if (t->snd_nxt == t->iss)
		t->snd_nxt = t->iss + 1;
}

/* SYN-ACK of a pending handshake (tcp_v4_send_synack). */
void
req_send_synack(struct bs_tcp_ep *ep, struct tcp_req *r, struct rte_mbuf *reuse)
{
	struct tcp_seg_out o = { .flags = BS_TCP_SYN | BS_TCP_ACK };
	uint32_t tsval = ep_ts_now(ep) + r->ts_off;

	o.seq = r->iss;
	o.ack = r->irs + 1;
	o.win = r->rcv_wnd;
	if (r->synack_ts == 0)
		r->synack_ts = tsval;	/* also the RTT sample's start (tcp_listen.c) */
	o.opt_len = tcp_syn_opts(o.opts, tcp_local_mss(&r->flow), r->fl & TCB_SACK,
		r->fl & TCB_TS, tsval, r->ts_recent,
		(r->fl & TCB_WS) ? (int)(r->wscale & 0x0f) : -1);
	ep_send(ep, &r->flow, r->adj, 0, &o, reuse);
}

/* tcp_v4_reqsk_send_ack: <SEQ=ISS+1><ACK=IRS+1>, the SYN-ACK's window. */
void
req_send_ack(struct bs_tcp_ep *ep, struct tcp_req *r, struct rte_mbuf *reuse)
{
	struct tcp_seg_out o = { .flags = BS_TCP_ACK };

	o.seq = r->iss + 1;
	o.ack = r->irs + 1;
	o.win = r->rcv_wnd >> (r->wscale & 0x0f);	/* a scaled window now */
	if (r->fl & TCB_TS)
		o.opt_len = (uint8_t)(opt_ts(o.opts, ep_ts_now(ep) + r->ts_off,
			r->ts_recent) - o.opts);
	ep_send(ep, &r->flow, r->adj, 0, &o, reuse);
}

/* tcp_v4_timewait_ack: <SEQ=tw_snd_nxt><ACK=tw_rcv_nxt>. */
void
tw_send_ack(struct bs_tcp_ep *ep, struct tcp_tw *tw, struct rte_mbuf *reuse)
{
	struct tcp_seg_out o = { .flags = BS_TCP_ACK };
	struct bs_flow f;

	o.seq = tw->snd_nxt;
	o.ack = tw->rcv_nxt;
	o.win = tw->rcv_wnd;
	if (tw->fl & TCB_TS)
		o.opt_len = (uint8_t)(opt_ts(o.opts, ep_ts_now(ep) + tw->ts_off,
			tw->ts_recent) - o.opts);
	tw_flow(ep, tw, &f);
	ep_send(ep, &f, tw->adj, 0, &o, reuse);
}

/* RTO from SRTT and RTTVAR (RFC 6298 2.3), Linux's 200 ms floor, backoff. */
uint32_t
tcb_rto_ms(const struct bs_tcb *t)
{
	uint32_t rto;

	if (t->srtt8 == 0)
		rto = TCP_TIMEOUT_INIT_MS;
	else
		rto = (t->srtt8 >> 3) + RTE_MAX((uint32_t)t->rttvar4, (uint32_t)TCP_RTO_MIN_MS);
	rto = RTE_MAX(rto, (uint32_t)TCP_RTO_MIN_MS);
	if (t->retrans >= 16)
		return TCP_RTO_MAX_MS;
	rto <<= t->retrans;
	return RTE_MIN(rto, (uint32_t)TCP_RTO_MAX_MS);
}

/* Send one segment of queued data from @p seq, up to @p max bytes, with
 * the FIN if it is the last. @return bytes sent (FIN counts one) */
static uint32_t
tcb_send_data(struct bs_tcp_ep *ep, struct bs_tcb *t, uint32_t seq, uint32_t max)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	struct tcp_seg_out o = { .flags = BS_TCP_ACK };
	uint32_t data_end = x->write_seq - ((t->fl & TCB_SND_SHUT) ? 1 : 0);
	uint32_t len = 0;

	if (SEQ_LT(seq, data_end))
		len = RTE_MIN(data_end - seq, max);
	o.seq = seq;
	o.ack = t->rcv_nxt;
	o.win = tcb_rcv_window(ep, t);
	o.data = x->snd_head;
	o.data_off = seq - t->snd_una;
	o.data_len = len;
	if (len != 0)
		o.flags |= BS_TCP_PSH;
	if ((t->fl & TCB_SND_SHUT) && seq + len == data_end)
		o.flags |= BS_TCP_FIN;
	tcb_opts(ep, t, &o);
	tcb_out(ep, t, &o, NULL);
	if (x->rtt_ts == 0 && len != 0) {
		x->rtt_seq = seq + len;
		x->rtt_ts = ep->now_ms == 0 ? 1 : ep->now_ms;
	}
	return len + ((o.flags & BS_TCP_FIN) ? 1 : 0);
}

/*
 * Send what the windows allow (tcp_write_xmit): new data from SND.NXT up to
 * min(cwnd, peer window), MSS at a time, then the FIN. Arms the RTO. Called
 * by tcb_push() when there is something to do.
 */
void
tcb_xmit(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	uint32_t wnd_end, cwnd_end;

	if (x == NULL || t->state == BS_TCP_SYN_SENT || t->state == BS_TCP_SYN_RECV)
		return;
	wnd_end = t->snd_una + t->snd_wnd;
	cwnd_end = t->snd_una + (uint32_t)t->cwnd * t->mss;
	while (SEQ_LT(t->snd_nxt, x->write_seq)) {
		uint32_t lim = SEQ_LT(wnd_end, cwnd_end) ? wnd_end : cwnd_end;
		uint32_t room = SEQ_GT(lim, t->snd_nxt) ? lim - t->snd_nxt : 0;
		uint32_t data_end = x->write_seq - ((t->fl & TCB_SND_SHUT) ? 1 : 0);
		uint32_t n;

		if (SEQ_LT(t->snd_nxt, data_end)) {
			if (room == 0)
				break;
			n = tcb_send_data(ep, t, t->snd_nxt, RTE_MIN(room, (uint32_t)t->mss));
		} else {
			n = tcb_send_data(ep, t, t->snd_nxt, 0);	/* FIN alone */
		}
		if (n == 0)
			break;
		t->snd_nxt += n;
		if (SEQ_GEQ(t->snd_nxt, x->write_seq) && (t->fl & TCB_SND_SHUT))
			t->fl |= TCB_FIN_SENT;
	}
	if (t->snd_nxt != t->snd_una) {
		if (t->tev != TEV_RTO)
			tcb_arm(ep, t, TEV_RTO, tcb_rto_ms(t));
	} else if (SEQ_LT(t->snd_nxt, x->write_seq) && t->snd_wnd == 0) {
		if (t->tev != TEV_PROBE)
			tcb_arm(ep, t, TEV_PROBE, tcb_rto_ms(t));
	}
}

/* Retransmit the segment at SND.UNA (RTO, fast retransmit). */
void
tcb_retransmit_head(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext(ep, t);

	if (t->state == BS_TCP_SYN_SENT || t->state == BS_TCP_SYN_RECV) {
		tcb_send_syn(ep, t, t->state == BS_TCP_SYN_RECV);
		return;
	}
	if (x == NULL) {
		/* No extension: nothing is queued (tcb_ext_maybe_put), so what
		 * is unacknowledged can only be our FIN (FIN_WAIT_1, CLOSING,
		 * LAST_ACK): the FIN again, alone, at SND.UNA. */
		struct tcp_seg_out o = { .flags = BS_TCP_FIN | BS_TCP_ACK };

		if (!(t->fl & TCB_FIN_SENT) || !SEQ_LT(t->snd_una, t->snd_nxt))
			return;
		o.seq = t->snd_una;
		o.ack = t->rcv_nxt;
		o.win = tcb_rcv_window(ep, t);
		tcb_opts(ep, t, &o);
		tcb_out(ep, t, &o, NULL);
		ep_cnt(ep, BS_CNT_RetransSegs);
		return;
	}
	x->rtt_ts = 0;		/* Karn: no sample from a retransmission */
	tcb_send_data(ep, t, t->snd_una, t->mss);
	ep_cnt(ep, BS_CNT_RetransSegs);
}

/*
 * A zero-window probe or keepalive: <SEQ=SND.UNA-1><ACK=RCV.NXT>, no data
 * (tcp_xmit_probe_skb), which the peer must answer with an ACK.
 */
void
tcb_send_probe(struct bs_tcp_ep *ep, struct bs_tcb *t, bool keepalive)
{
	struct tcp_seg_out o = { .flags = BS_TCP_ACK };

	o.seq = t->snd_una - 1;
	o.ack = t->rcv_nxt;
	o.win = tcb_rcv_window(ep, t);
	tcb_opts(ep, t, &o);
	tcb_out(ep, t, &o, NULL);
	if (keepalive)
		ep_cnt(ep, BS_CNT_TCPKeepAlive);
}
