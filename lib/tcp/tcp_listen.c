/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * LISTEN and pending passive handshakes (Linux request socks, state
 * NEW_SYN_RECV): tcp_rcv_state_process's LISTEN case, tcp_conn_request,
 * tcp_check_req and the SYN cookie path, in their order.
 */
#include <string.h>

#include "tcp_ep_internal.h"

/* tcp_parse_options: what a segment's options say. */
void
tcp_parse_opts(const struct bs_tcp_seg *s, struct tcp_opts *o)
{
	const uint8_t *p = s->opts, *q;
	int left = s->opt_len, kind;
	uint8_t len;

	memset(o, 0, sizeof(*o));
	o->ws = 0xff;
	/* The two layouts a Linux peer sends most, read as the loop below
	 * would read them (Linux's tcp_fast_parse_options does the first):
	 * NOP NOP TS on a synchronized connection's segments, and a SYN's
	 * MSS, SACK-permitted, TS, NOP, window scale (tcp_syn_options). */
	if (left == TCPOLEN_TS_ALIGNED &&
			tcp_be32_at(p) == TCP_OPT_WORD(TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TS, 10)) {
		o->ts = true;
		o->tsval = tcp_be32_at(p + 4);
		o->tsecr = tcp_be32_at(p + 8);
		return;
	}
	if ((s->flags & BS_TCP_SYN) && tcp_opts_linux_syn(p, left)) {
		o->mss = (uint16_t)(p[2] << 8 | p[3]);
		o->sack_ok = true;
		o->ts = true;
		o->tsval = tcp_be32_at(p + 8);
		o->tsecr = tcp_be32_at(p + 12);
		o->ws = RTE_MIN(p[19], (uint8_t)TCP_MAX_WSCALE);
		return;
	}
	while ((kind = tcp_opt_next(&p, &left, &q, &len)) >= 0) {
		switch (kind) {
		case TCPOPT_MSS:
			if (len == 4 && (s->flags & BS_TCP_SYN))
				o->mss = (uint16_t)(q[2] << 8 | q[3]);
			break;
		case TCPOPT_WS:
			if (len == 3 && (s->flags & BS_TCP_SYN))
				o->ws = RTE_MIN(q[2], (uint8_t)TCP_MAX_WSCALE);
			break;
		case TCPOPT_SACK_PERM:
			if (len == 2 && (s->flags & BS_TCP_SYN))
				o->sack_ok = true;
			break;
		case TCPOPT_TS:
			if (len == 10) {
				o->ts = true;
				o->tsval = tcp_be32_at(q + 2);
				o->tsecr = tcp_be32_at(q + 6);
			}
			break;
		case TCPOPT_SACK:
			if (len >= 10 && (len - 2) % 8 == 0 && !(s->flags & BS_TCP_SYN)) {
				unsigned int i, n = RTE_MIN((unsigned int)(len - 2) / 8,
					(unsigned int)TCP_MAX_SACKS);

				for (i = 0; i < n; i++) {
					const uint8_t *b = q + 2 + 8 * i;

					o->sack[i][0] = tcp_be32_at(b);
					o->sack[i][1] = tcp_be32_at(b + 4);
				}
				o->n_sacks = (uint8_t)n;
			}
			break;
		default:
			break;
		}
	}
}

/* Initial window of a SYN-ACK: tcp_rmem[1] rounded to the MSS, as
 * tcp_select_initial_window does, never above 65535 unscaled. */
static uint16_t
synack_window(const struct bs_tcp_ep *ep)
{
	return (uint16_t)RTE_MIN(ep->k->tcp_rmem[1], 65535u);
}

/*
 * A full connection from a completed handshake (tcp_create_openreq_child):
 * SYN_RECV, hashed in place of the request, on the listener's accept
 * queue. The caller runs the ACK through it. @p req_val: the table value
 * of the request it completes, whose slot it takes (the request freed
 * without its entry, tcp_req_put), or TCP_NONE (a cookie: a new entry).
 */
static struct bs_tcb *
child_create(struct bs_tcp_ep *ep, unsigned int lsn, const struct bs_flow *f,
		uint32_t iss, uint32_t irs, uint16_t mss, uint8_t fl, uint8_t wscale,
		uint32_t ts_recent, uint32_t ts_off, uint16_t adj, uint16_t rcv_wnd,
		uint32_t req_val)
{
	uint32_t idx = pool_get(&ep->tcb);
	uint64_t hash = ep_flow_hash(ep, f);
	struct bs_tcb *t;

	if (idx == TCP_NONE) {
		if (req_val != TCP_NONE)
			bs_table_del_value(ep->table, hash, req_val);
		ep_drop_cnt(ep, BS_DROP_NOMEM);
		return NULL;
	}
	t = ep_tcb(ep, idx);
	memset(t, 0, sizeof(*t));
	t->flow = *f;
	if ((req_val != TCP_NONE ? bs_table_set_value(ep->table, hash, req_val,
			TCP_VAL(TCP_POOL_TCB, idx)) : bs_table_add(ep->table, f, hash,
			TCP_VAL(TCP_POOL_TCB, idx))) != 0) {
		pool_put(&ep->tcb, idx);
		ep_drop_cnt(ep, BS_DROP_NOMEM);
		return NULL;
	}
	t->ext = TCP_NONE;
	t->state = BS_TCP_NONE;
	tcb_set_state(ep, t, BS_TCP_SYN_RECV);
	t->fl = fl & (TCB_TS | TCB_SACK | TCB_WS);
	t->wscale = wscale;
	t->iss = iss;
	t->snd_una = iss + 1;
	t->snd_nxt = iss + 1;
	t->rcv_nxt = irs + 1;
	t->rcv_wup = irs + 1;
	/* The SYN-ACK announced @p rcv_wnd bytes unscaled; keep its right
	 * edge in our scaled units, rounded up so it never shrinks. */
	t->rcv_wnd = (uint16_t)((rcv_wnd + (1u << (wscale & 0x0f)) - 1) >> (wscale & 0x0f));
	t->ts_recent = ts_recent;
	t->ts_recent_stamp = (uint16_t)(ep->now_ms / 1000);
	t->ts_off = ts_off;
	t->mss = (uint16_t)((mss != 0 ? RTE_MIN(mss, tcp_local_mss(f)) :
		TCP_MSS_DEFAULT) - ((fl & TCB_TS) ? TCPOLEN_TS_ALIGNED : 0));
	t->cwnd = TCP_INIT_CWND;
	t->ssthresh = UINT16_MAX;
	t->adj = adj;
	t->owner = (uint16_t)lsn;
	ep->lsn[lsn].n_accept++;
	ep->lsn[lsn].n_conn++;
	ep_cnt(ep, BS_CNT_TcpPassiveOpens);
	return t;
}

/* The accept queue holds more than backlog entries (sk_acceptq_is_full). */
static bool
acceptq_full(const struct tcp_listener *l)
{
	return l->n_accept > l->backlog;
}

static void
listen_drop(struct bs_tcp_ep *ep)
{
	ep_cnt(ep, BS_CNT_ListenDrops);
}

/*
 * A SYN to a listener (tcp_conn_request): a request entry and a SYN-ACK, or
 * a SYN cookie when the request queue is full (or always, with
 * tcp_syncookies=2).
 */
static int
conn_request(struct bs_tcp_ep *ep, unsigned int lsn, struct rte_mbuf *m,
		const struct bs_tcp_seg *s, const struct bs_flow *f,
		const struct bs_tcp_l2 *l2, uint8_t tos, struct bs_tcp_verdict *v)
{
	struct tcp_listener *l = &ep->lsn[lsn];
	const struct bs_tcp_conf *k = ep->k;
	bool want_cookie = false, overload = false;
	struct tcp_opts o;
	struct tcp_req *r, rtmp;
	uint16_t adj;
	uint32_t idx = TCP_NONE;
	uint32_t isn = ep->tw_isn;	/* a SYN that reopens TIME_WAIT (4.4) */

	/* Backstop's own tables full or the packet pool short ([tcp]
	 * overload): a SYN cookie as Linux would (a request entry is what a
	 * cookie spares, and its SYN-ACK retransmissions; with the connection
	 * table full the cookie's ACK may find room later), an RST, or
	 * nothing. */
	if (unlikely(ep->req.used >= ep->req.cap || ep->tcb.used >= ep->tcb.cap ||
			ep_mem_short(ep))) {
		overload = true;
		if (ep_mem_short(ep))
			ep_cnt(ep, BS_CNT_OverloadMbufs);
		if (k->overload == BS_OVERLOAD_RESET) {
			ep_cnt(ep, BS_CNT_OverloadResets);
			listen_drop(ep);
			bs_tcp_reply_verdict(s, BS_RST_REASON_NOT_SPECIFIED, v);
			return BS_TCP_EP_VERDICT;
		}
		if (k->overload == BS_OVERLOAD_DROP || k->tcp_syncookies == 0) {
			ep_cnt(ep, BS_CNT_OverloadDrops);
			listen_drop(ep);
			v->reason = BS_DROP_NOMEM;
			return BS_TCP_EP_VERDICT;
		}
	}
	/* inet_csk_reqsk_queue_is_full() is "more than backlog" since 6.13
	 * (the same off-by-one as sk_acceptq_is_full, kept on purpose). */
	if (isn == 0 && (k->tcp_syncookies == 2 || l->n_req > l->backlog || overload)) {
		if (k->tcp_syncookies == 0) {
			ep_cnt(ep, BS_CNT_TCPReqQFullDrop);
			listen_drop(ep);
			v->reason = BS_DROP_TCP_REQQFULLDROP;
			return BS_TCP_EP_VERDICT;
		}
		if (overload)
			ep_cnt(ep, BS_CNT_OverloadSyncookies);
		if (k->tcp_syncookies != 2)
			ep_cnt(ep, BS_CNT_TCPReqQFullDoCookies);
		want_cookie = true;
		l->last_overflow = ep->now_ms;
		l->overflowed = true;
	}
	if (acceptq_full(l)) {
		ep_cnt(ep, BS_CNT_ListenOverflows);
		listen_drop(ep);
		v->reason = BS_DROP_TCP_LISTEN_OVERFLOW;
		return BS_TCP_EP_VERDICT;
	}
	adj = ep_adj_get(ep, l2);
	if (adj == TCP_ADJ_NONE) {
		v->reason = BS_DROP_NOMEM;
		return BS_TCP_EP_VERDICT;
	}
	tcp_parse_opts(s, &o);

	if (want_cookie) {
		r = &rtmp;
	} else {
		idx = pool_get(&ep->req);
		r = idx != TCP_NONE ? ep_req(ep, idx) : &rtmp;
	}
	memset(r, 0, sizeof(*r));
	r->flow = *f;
	r->irs = s->seq;
	r->owner = (uint16_t)lsn;
	r->adj = adj;
	r->tos = tos;
	r->mss = o.mss;
	r->rcv_wnd = synack_window(ep);
	if (o.ts && k->tcp_timestamps != 0) {
		r->fl |= TCB_TS;
		r->ts_recent = o.tsval;
		/* with a cookie, computed beside it */
		if (k->tcp_timestamps == 1 && !want_cookie)
			r->ts_off = bs_tcp_ts_off(&ep->ts_key, f);
	}
	if (o.sack_ok && k->tcp_sack != 0)
		r->fl |= TCB_SACK;
	if (o.ws != 0xff && k->tcp_window_scaling != 0) {
		r->fl |= TCB_WS;
		r->wscale = (uint8_t)(o.ws << 4 | ep_rcv_wscale(ep));
	}
	if (want_cookie) {
		uint16_t mss_used;

		mss_used = o.mss != 0 ? o.mss : TCP_MSS_DEFAULT;
		r->iss = bs_cookie_init_ts(&ep->cookie_keys, &ep->ts_key, f, s->seq,
			&mss_used, ep->utc_ms0 + ep->now_ms,
			(r->fl & TCB_TS) && k->tcp_timestamps == 1 ? &r->ts_off : NULL);
		if (r->fl & TCB_TS) {
			struct bs_cookie_opts co = {
				.wscale_ok = (r->fl & TCB_WS) != 0,
				.snd_wscale = (uint8_t)(r->wscale >> 4),
				.sack_ok = (r->fl & TCB_SACK) != 0,
			};

			/* The TSval carries the SYN's options: offset so that
			 * ep_ts_now() + ts_off is the encoded value. */
			r->ts_off += bs_cookie_ts_init(&co, ep_ts_now(ep)) - ep_ts_now(ep);
		}
		ep_cnt(ep, BS_CNT_SyncookiesSent);
		req_send_synack(ep, r, m);
		return BS_TCP_EP_DONE;
	}
	if (isn == 0 && k->tcp_syncookies == 0 &&
			(int64_t)k->tcp_max_syn_backlog - l->n_req <
			(int64_t)(k->tcp_max_syn_backlog >> 2)) {
		/* tcp_conn_request: without cookies, the last quarter of
		 * tcp_max_syn_backlog is kept for peers proven alive (a TCP
		 * metrics entry with an RTT). Backstop keeps no metrics, as a
		 * host whose cache is empty: the SYN is dropped. */
		if (idx != TCP_NONE)
			pool_put(&ep->req, idx);
		listen_drop(ep);
		v->reason = BS_DROP_TCP_SYN_BACKLOG;
		return BS_TCP_EP_VERDICT;
	}
	if (isn != 0)
		r->iss = isn;
	else
		r->iss = bs_tcp_isn(&ep->isn_key, f, ep_now_ns(ep));
	if (idx == TCP_NONE) {		/* the request pool is full */
		v->reason = BS_DROP_NOMEM;
		return BS_TCP_EP_VERDICT;
	}
	if (bs_table_add(ep->table, f, ep_flow_hash(ep, f),
			TCP_VAL(TCP_POOL_REQ, idx)) != 0) {
		pool_put(&ep->req, idx);
		v->reason = BS_DROP_NOMEM;
		return BS_TCP_EP_VERDICT;
	}
	l->n_req++;
	ep_timer_arm(ep, &r->timer, TCP_TIMEOUT_INIT_MS);
	req_send_synack(ep, r, m);
	return BS_TCP_EP_DONE;
}

/*
 * A valid SYN cookie in an ACK (cookie_v4_check): rebuild the handshake
 * from the cookie and the timestamp bits, create the connection.
 */
static struct bs_tcb *
cookie_check(struct bs_tcp_ep *ep, unsigned int lsn, const struct bs_tcp_seg *s,
		const struct bs_flow *f, const struct bs_tcp_l2 *l2, bool *drop)
{
	uint16_t adj;
	struct tcp_listener *l = &ep->lsn[lsn];
	uint8_t fl = 0, wscale = 0;
	struct tcp_opts o;
	uint32_t ts_off = 0;
	uint16_t mss;

	if (ep->k->tcp_syncookies == 0 || !l->overflowed ||
			(ep->k->tcp_syncookies != 2 && ep->now_ms - l->last_overflow > 120000))
		return NULL;
	mss = bs_cookie_check(&ep->cookie_keys, f, s->seq, s->ack,
		ep->utc_ms0 + ep->now_ms);
	if (mss == 0) {
		ep_cnt(ep, BS_CNT_SyncookiesFailed);
		return NULL;
	}
	tcp_parse_opts(s, &o);
	if (o.ts && ep->k->tcp_timestamps != 0) {
		struct bs_cookie_opts co;

		ts_off = ep->k->tcp_timestamps == 1 ? bs_tcp_ts_off(&ep->ts_key, f) : 0;
		bs_cookie_ts_decode(o.tsecr - ts_off, &co);
		/* cookie_timestamp_decode: an option we have disabled is a
		 * forgery. */
		if ((co.sack_ok && !ep->k->tcp_sack) ||
				(co.wscale_ok && !ep->k->tcp_window_scaling)) {
			ep_cnt(ep, BS_CNT_SyncookiesFailed);
			return NULL;
		}
		/* Our TSvals continue from the cookie's, so the offset is
		 * the one the cookie SYN-ACK used: TSecr - raw clock then. */
		fl |= TCB_TS;
		if (co.wscale_ok) {
			fl |= TCB_WS;
			wscale = (uint8_t)(co.snd_wscale << 4 | ep_rcv_wscale(ep));
		}
		if (co.sack_ok)
			fl |= TCB_SACK;
	}
	ep_cnt(ep, BS_CNT_SyncookiesRecv);
	if (acceptq_full(l)) {
		/* tcp_get_cookie_sock: no child, the ACK is dropped without
		 * an RST (whatever tcp_abort_on_overflow says). */
		ep_cnt(ep, BS_CNT_ListenOverflows);
		listen_drop(ep);
		*drop = true;
		return NULL;
	}
	adj = ep_adj_get(ep, l2);
	if (adj == TCP_ADJ_NONE) {
		ep_drop_cnt(ep, BS_DROP_NOMEM);
		*drop = true;
		return NULL;
	}
	return child_create(ep, lsn, f, s->ack - 1, s->seq - 1, mss, fl, wscale,
		o.tsval, ts_off, adj, synack_window(ep), TCP_NONE);
}

int
tcp_listen_rcv(struct bs_tcp_ep *ep, unsigned int lsn, struct rte_mbuf *m,
		const struct bs_tcp_seg *s, const struct bs_flow *f,
		const struct bs_tcp_l2 *l2, uint8_t tos, struct bs_tcp_verdict *v)
{
	uint8_t flags = s->flags;
	bool drop = false;
	struct bs_tcb *t;

	v->action = BS_TCP_DISCARD;
	/* tcp_v4_do_rcv: a bare ACK may carry a SYN cookie. */
	if ((flags & (BS_TCP_ACK | BS_TCP_SYN | BS_TCP_RST)) == BS_TCP_ACK) {
		t = cookie_check(ep, lsn, s, f, l2, &drop);
		if (t != NULL)
			return tcp_tcb_rcv(ep, t, m, s, v);
		if (drop) {
			v->reason = BS_DROP_TCP_LISTEN_OVERFLOW;
			return BS_TCP_EP_VERDICT;
		}
	}
	/* tcp_rcv_state_process, case TCP_LISTEN. */
	if (flags & BS_TCP_ACK) {
		if (flags & BS_TCP_RST) {	/* never answer a reset (X2) */
			v->reason = BS_DROP_TCP_RESET;
			return BS_TCP_EP_VERDICT;
		}
		bs_tcp_reply_verdict(s, BS_RST_REASON_TCP_FLAGS, v);	/* L1 */
		return BS_TCP_EP_VERDICT;
	}
	if (flags & BS_TCP_RST) {
		v->reason = BS_DROP_TCP_RESET;	/* X2 */
		return BS_TCP_EP_VERDICT;
	}
	if ((flags & BS_TCP_SYN) && !(flags & BS_TCP_FIN))
		return conn_request(ep, lsn, m, s, f, l2, tos, v);
	v->reason = BS_DROP_TCP_FLAGS;	/* Q13 */
	return BS_TCP_EP_VERDICT;
}

static uint32_t
req_idx(const struct bs_tcp_ep *ep, const struct tcp_req *r)
{
	return (uint32_t)((size_t)((const uint8_t *)r - (const uint8_t *)ep->req.base) /
		sizeof(struct tcp_req));
}

/* The request freed, its table entry left to the caller. */
static void
tcp_req_put(struct bs_tcp_ep *ep, struct tcp_req *r)
{
	ep_timer_cancel(ep, &r->timer);
	if (ep->lsn[r->owner].n_req > 0)
		ep->lsn[r->owner].n_req--;
	pool_put(&ep->req, req_idx(ep, r));
}

void
tcp_req_free(struct bs_tcp_ep *ep, struct tcp_req *r)
{
	bs_table_del_value(ep->table, ep_flow_hash(ep, &r->flow),
		TCP_VAL(TCP_POOL_REQ, req_idx(ep, r)));
	tcp_req_put(ep, r);
}

/*
 * A segment for a pending handshake (tcp_check_req, Linux 6.18), in its
 * order: retransmitted SYN, wrong ACK (to the listener), timestamps and
 * window, RST and SYN, then the ACK that completes the handshake.
 */
int
tcp_req_rcv(struct bs_tcp_ep *ep, struct tcp_req *r, struct rte_mbuf *m,
		const struct bs_tcp_seg *s, const struct bs_tcp_l2 *l2,
		struct bs_tcp_verdict *v)
{
	struct tcp_listener *l = &ep->lsn[r->owner];
	uint8_t flg = s->flags & (BS_TCP_SYN | BS_TCP_ACK | BS_TCP_RST | BS_TCP_FIN);
	uint32_t end = s->seq + s->len + !!(s->flags & BS_TCP_SYN) + !!(s->flags & BS_TCP_FIN);
	bool paws_reject = false;
	struct bs_tcb *t;
	struct tcp_opts o;

	v->action = BS_TCP_DISCARD;
	if (!l->open) {
		/* N3: the listener is gone; drop the request, look again. */
		tcp_req_free(ep, r);
		return -1;
	}
	tcp_parse_opts(s, &o);
	/* tcp_paws_reject(): the request's ts_recent_stamp is "now minus the
	 * SYN-ACK timeout", so an RST gets no leniency either (X8). */
	if (o.ts && (r->fl & TCB_TS) && r->ts_recent != 0 &&
			(int32_t)(r->ts_recent - o.tsval) > 0)
		paws_reject = true;

	/* Q15: the peer's SYN again: SYN-ACK again (rate-limited). */
	if (s->seq == r->irs && flg == BS_TCP_SYN && !paws_reject) {
		if (tcb_oow_limited(ep, &r->last_oow, BS_CNT_TCPACKSkippedSynRecv)) {
			v->reason = BS_DROP_TCP_INVALID_SEQUENCE;
			return BS_TCP_EP_VERDICT;
		}
		r->fl |= REQ_RTX;	/* inet_rtx_syn_ack: num_retrans++ */
		req_send_synack(ep, r, m);
		return BS_TCP_EP_DONE;
	}
	/* L2: an ACK that is not for our SYN-ACK goes to the listener, which
	 * answers it with an RST. X7 (live 6.18): with RST it is an RST like
	 * any other (X6, X8 below), whatever its ACK. */
	if ((flg & BS_TCP_ACK) && s->ack != r->iss + 1 && !(flg & BS_TCP_RST)) {
		bs_tcp_reply_verdict(s, BS_RST_REASON_TCP_FLAGS, v);
		return BS_TCP_EP_VERDICT;
	}
	/* A TSecr that echoes no SYN-ACK of ours (TSEcrRejected, 6.14+). */
	if (!paws_reject && o.ts && (r->fl & TCB_TS) && o.tsecr != 0 && r->synack_ts != 0 &&
			(SEQ_LT(o.tsecr, r->synack_ts) ||
			 SEQ_GT(o.tsecr, ep_ts_now(ep) + r->ts_off))) {
		ep_cnt(ep, BS_CNT_TSEcrRejected);
		paws_reject = true;
	}
	/* Q16, X8: out of window or PAWS: an ACK unless it was an RST. */
	/* tcp_synack_window(): the bytes the SYN-ACK offered. */
	if (paws_reject || !tcp_in_window(s->seq, end, r->irs + 1, r->irs + 1 + r->rcv_wnd)) {
		if (paws_reject)
			ep_cnt(ep, BS_CNT_PAWSEstab);
		if (!(flg & BS_TCP_RST) &&
				!tcb_oow_limited(ep, &r->last_oow, BS_CNT_TCPACKSkippedSynRecv)) {
			req_send_ack(ep, r, m);
			return BS_TCP_EP_DONE;
		}
		v->reason = paws_reject ? BS_DROP_TCP_RFC7323_PAWS : BS_DROP_TCP_INVALID_SEQUENCE;
		return BS_TCP_EP_VERDICT;
	}
	if (o.ts && (r->fl & TCB_TS) && !SEQ_GT(s->seq, r->irs + 1))
		r->ts_recent = o.tsval;
	if (s->seq == r->irs)
		flg &= (uint8_t)~BS_TCP_SYN;	/* the SYN is ours already */

	/* X6 (live 6.18): an exact RST removes the request; an inexact one
	 * in the window gets a challenge ACK and the request stays. */
	if (flg & BS_TCP_RST) {
		if (s->seq != r->irs + 1) {
			if (!tcb_oow_limited(ep, &r->last_oow, BS_CNT_TCPACKSkippedSynRecv)) {
				ep_cnt(ep, BS_CNT_TCPChallengeACK);
				req_send_ack(ep, r, m);
				return BS_TCP_EP_DONE;
			}
			v->reason = BS_DROP_TCP_RESET;
			return BS_TCP_EP_VERDICT;
		}
		ep_cnt(ep, BS_CNT_TcpAttemptFails);
		ep_cnt(ep, BS_CNT_EmbryonicRsts);
		tcp_req_free(ep, r);
		v->reason = BS_DROP_TCP_RESET;
		return BS_TCP_EP_VERDICT;
	}
	/* R1: an in-window SYN that is not the peer's: embryonic reset. */
	if (flg & BS_TCP_SYN) {
		ep_cnt(ep, BS_CNT_TcpAttemptFails);
		ep_cnt(ep, BS_CNT_EmbryonicRsts);
		tcp_req_free(ep, r);
		bs_tcp_reply_verdict(s, BS_RST_REASON_INVALID_SYN, v);
		return BS_TCP_EP_VERDICT;
	}
	/* Q17: no ACK, nothing to do. */
	if (!(flg & BS_TCP_ACK)) {
		v->reason = BS_DROP_TCP_FLAGS;
		return BS_TCP_EP_VERDICT;
	}
	/* The handshake completes, if the accept queue has room (R2, R2b). */
	if (acceptq_full(l)) {
		ep_cnt(ep, BS_CNT_ListenOverflows);
		listen_drop(ep);
		if (!ep->k->tcp_abort_on_overflow) {
			r->fl |= REQ_ACKED;
			v->reason = BS_DROP_TCP_LISTEN_OVERFLOW;
			return BS_TCP_EP_VERDICT;
		}
		ep_cnt(ep, BS_CNT_EmbryonicRsts);
		tcp_req_free(ep, r);
		bs_tcp_reply_verdict(s, BS_RST_REASON_INVALID_SYN, v);
		return BS_TCP_EP_VERDICT;
	}
	{
		struct tcp_req c = *r;
		uint32_t val = TCP_VAL(TCP_POOL_REQ, req_idx(ep, r));

		tcp_req_put(ep, r);	/* the child takes its table entry */
		t = child_create(ep, c.owner, &c.flow, c.iss, c.irs, c.mss, c.fl, c.wscale,
			c.ts_recent, c.ts_off, c.adj, c.rcv_wnd, val);
		/* tcp_synack_rtt_meas(): the handshake's RTT, unless a SYN-ACK
		 * was sent again; the RTO starts near 200 ms, not 1 s. */
		if (t != NULL && c.retrans == 0 && !(c.fl & REQ_RTX))
			tcb_rtt_sample(t, ep_ts_now(ep) + c.ts_off - c.synack_ts);
	}
	(void)l2;
	if (t == NULL) {
		v->reason = BS_DROP_NOMEM;
		return BS_TCP_EP_VERDICT;
	}
	return tcp_tcb_rcv(ep, t, m, s, v);
}

/*
 * The request timer (reqsk_timer_handler): SYN-ACK again with exponential
 * backoff from 1 s, until tcp_synack_retries; then the request goes
 * silently (R7, Q19). A request whose final ACK met a full accept queue
 * is retransmitted too: the peer's next ACK completes it (R2b).
 */
void
tcp_req_timer(struct bs_tcp_ep *ep, struct tcp_req *r)
{
	if (r->retrans >= ep->k->tcp_synack_retries || !ep->lsn[r->owner].open) {
		ep_cnt(ep, BS_CNT_TCPTimeouts);
		tcp_req_free(ep, r);
		return;
	}
	r->retrans++;
	req_send_synack(ep, r, NULL);
	ep_timer_arm(ep, &r->timer, RTE_MIN((uint32_t)TCP_TIMEOUT_INIT_MS << r->retrans,
		(uint32_t)TCP_RTO_MAX_MS));
}
