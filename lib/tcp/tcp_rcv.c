/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Segments for a full connection: SYN_SENT (tcp_rcv_synsent_state_process)
 * and the synchronized states (tcp_rcv_state_process, tcp_validate_incoming,
 * tcp_ack, tcp_data_queue, tcp_fin), checks numbered after RFC 9293
 * 3.10.7.4. Where Linux differs from the RFC, Linux wins, and the Linux
 * function is named.
 *
 * Every handler ends at one of three exits: a positive reset reason (the
 * caller sends the RST-REPLY of matrix 5.1), a drop reason (discard), or
 * consumed.
 */
#include <string.h>

#include "tcp_ep_internal.h"
#include "bs_trace.h"

#define RCV_DONE 0		/* the segment was consumed */

struct rcv {
	const struct bs_tcp_seg *s;
	struct rte_mbuf *m;	/* NULL once consumed (queued or reused) */
	struct tcp_opts o;
	uint32_t end;		/* SEG.SEQ + SEG.LEN (SYN, FIN count) */
	uint8_t drop;		/* drop reason when discarding */
};

static void
rcv_free(struct rcv *r)
{
	if (r->m != NULL) {
		rte_pktmbuf_free(r->m);
		r->m = NULL;
	}
}

/* The received mbuf may carry one reply (the endpoint owns it now). */
static struct rte_mbuf *
rcv_take(struct rcv *r)
{
	struct rte_mbuf *m = r->m;

	r->m = NULL;
	return m;
}

/* A challenge ACK or dupack built in the segment's mbuf when it goes out;
 * held back by a limit, the segment stays a drop with its reason. */
static void
rcv_challenge(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rcv *r)
{
	if (tcb_send_challenge_ack(ep, t, r->m))
		r->m = NULL;
}

static void
rcv_dupack(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rcv *r)
{
	if (tcb_send_dupack(ep, t, r->s, r->m))
		r->m = NULL;
}

/*
 * tcp_reset(): the peer reset the connection. The application sees
 * ECONNREFUSED in SYN_SENT, EPIPE in CLOSE_WAIT, ECONNRESET otherwise
 * (X4, X10, X12); tcp_done() counts EstabResets or AttemptFails.
 */
void
tcb_reset(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	int err;

	bs_trace_receive_reset(&t->flow, t->state);
	switch (t->state) {
	case BS_TCP_SYN_SENT:
		err = ECONNREFUSED;
		break;
	case BS_TCP_CLOSE_WAIT:
		err = EPIPE;
		break;
	default:
		err = ECONNRESET;
		break;
	}
	tcb_set_error(ep, t, err);
	tcb_done(ep, t);
}

/* tcp_reset_check(): an RST at RCV.NXT-1 after the peer's FIN (X12). */
static bool
reset_check(const struct bs_tcb *t, const struct bs_tcp_seg *s)
{
	return s->seq == t->rcv_nxt - 1 &&
		(t->state == BS_TCP_CLOSE_WAIT || t->state == BS_TCP_CLOSING ||
		 t->state == BS_TCP_LAST_ACK);
}

/* tcp_receive_window(): what is left of the window we announced. */
static uint32_t
rcv_window_left(const struct bs_tcb *t)
{
	int32_t w = (int32_t)(t->rcv_wup + ((uint32_t)t->rcv_wnd << tcb_rcv_wscale(t)) -
		t->rcv_nxt);

	return w < 0 ? 0 : (uint32_t)w;
}

/* tcp_sequence() (6.17): the segment overlaps [RCV.WUP, RCV.NXT + window];
 * a segment overhanging the right edge only with an empty receive queue. */
static unsigned int
seq_check(struct bs_tcp_ep *ep, const struct bs_tcb *t, const struct rcv *r)
{
	uint32_t right = t->rcv_nxt + rcv_window_left(t);
	const struct tcb_ext *x = tcb_ext(ep, t);

	if (SEQ_LT(r->end, t->rcv_wup))
		return BS_DROP_TCP_OLD_SEQUENCE;
	if (SEQ_GT(r->s->seq, right))
		return BS_DROP_TCP_INVALID_SEQUENCE;
	if (SEQ_GT(r->end, right) && x != NULL && x->rcv_bytes != 0) {
		ep_cnt((struct bs_tcp_ep *)ep, BS_CNT_BeyondWindow);
		return BS_DROP_TCP_INVALID_END_SEQUENCE;
	}
	return 0;
}

/* tcp_paws_discard(): TSval older than ts_recent (and ts_recent not
 * older than 24 days). */
static bool
paws_discard(const struct bs_tcp_ep *ep, const struct bs_tcb *t, const struct rcv *r)
{
	uint16_t age;

	if (!(t->fl & TCB_TS) || !r->o.ts)
		return false;
	if ((int32_t)(t->ts_recent - r->o.tsval) <= TCP_PAWS_WINDOW)
		return false;
	age = (uint16_t)(ep->now_ms / 1000 - t->ts_recent_stamp);
	return age < 65535;	/* 24 days are out of our 16-bit seconds' reach */
}

/*
 * tcp_disordered_ack_check() (6.15+): a segment failing PAWS is still
 * accepted when it is a pure duplicate ACK at RCV.NXT that changes nothing
 * and whose TSval is within the replay window (RTO * 1.2 ms). @return 0
 * (accept), BS_DROP_TCP_RFC7323_PAWS, or 1 for an old pure ACK (PAWS_ACK:
 * dropped silently, PAWSOldAck).
 */
static unsigned int
disordered_ack_check(const struct bs_tcb *t, const struct rcv *r)
{
	const struct bs_tcp_seg *s = r->s;
	uint32_t nwin = (uint32_t)s->win << tcb_snd_wscale(t);

	if (!(s->flags & BS_TCP_ACK) || r->end != s->seq)
		return BS_DROP_TCP_RFC7323_PAWS;
	if (s->seq != t->rcv_nxt)
		return SEQ_LT(s->seq, t->rcv_nxt) ? 1 : BS_DROP_TCP_RFC7323_PAWS;
	if (s->ack != t->snd_una)
		return BS_DROP_TCP_RFC7323_PAWS;
	if (SEQ_GT(s->ack, t->snd_una) || SEQ_GT(s->seq, t->snd_wl1) ||
			(s->seq == t->snd_wl1 && (nwin > t->snd_wnd || nwin == 0)))
		return BS_DROP_TCP_RFC7323_PAWS;	/* tcp_may_update_window */
	if ((int32_t)(t->ts_recent - r->o.tsval) > (int32_t)(tcb_rto_ms(t) * 12 / 10))
		return BS_DROP_TCP_RFC7323_PAWS;
	return 0;
}

/* RFC 5961 5.2 and Linux's bytes_acked bound: how far below SND.UNA an ACK
 * may be before it is "too old" (min(max_window, bytes_acked)). An active
 * open counts its SYN once acknowledged (tcp_ack in SYN_SENT), a passive
 * child starts at 0 with its SYN-ACK acknowledged already. */
static uint32_t
old_ack_bound(const struct bs_tcb *t)
{
	uint32_t max_win = (uint32_t)t->max_wnd << tcb_snd_wscale(t);
	uint32_t acked = t->snd_una - t->iss - ((t->fl & TCB_ACTIVE) ? 0 : 1);

	if (!SEQ_GT(t->snd_una, t->iss))
		acked = 0;	/* our SYN is not acknowledged yet */
	if (t->fl & TCB_BYTES_ACKED_BIG)
		acked = UINT32_MAX;
	return RTE_MIN(max_win, acked);
}

/* RTT sample (RFC 6298 2.2/2.3; Linux tcp_rtt_estimator in ms). */
void
tcb_rtt_sample(struct bs_tcb *t, uint32_t rtt)
{
	uint32_t m = RTE_MAX(rtt, 1u);

	if (t->srtt8 == 0) {
		t->srtt8 = (uint16_t)RTE_MIN(m << 3, 65535u);
		t->rttvar4 = (uint16_t)RTE_MIN(m << 1, 65535u);
		return;
	}
	{
		int32_t err = (int32_t)m - (int32_t)(t->srtt8 >> 3);
		int32_t srtt = (int32_t)t->srtt8 + err;
		int32_t var = (int32_t)t->rttvar4 + ((err < 0 ? -err : err) - (int32_t)(t->rttvar4 >> 2));

		srtt = RTE_MAX(srtt, 8);
		var = RTE_MAX(var, 1);
		t->srtt8 = (uint16_t)RTE_MIN(srtt, 65535);
		t->rttvar4 = (uint16_t)RTE_MIN(var, 65535);
	}
}

/* Drop acknowledged bytes from the send queue (tcp_clean_rtx_queue). */
static void
snd_queue_ack(struct bs_tcp_ep *ep, struct bs_tcb *t, struct tcb_ext *x, uint32_t n)
{
	while (n > 0 && x->snd_head != NULL) {
		struct rte_mbuf *h = x->snd_head;

		if (n >= h->data_len) {
			n -= h->data_len;
			x->snd_bytes -= h->data_len;
			x->snd_head = h->next;
			h->next = NULL;
			h->nb_segs = 1;
			ep_mbuf_free(h);
		} else {
			rte_pktmbuf_adj(h, (uint16_t)n);
			x->snd_bytes -= n;
			n = 0;
		}
	}
	if (x->snd_head == NULL)
		x->snd_tail = NULL;
	(void)ep;
	(void)t;
}

/* tcp_ack_update_window(): a newer segment, or the same with a larger
 * window, moves the peer's window. */
static void
ack_update_window(struct bs_tcb *t, const struct bs_tcp_seg *s)
{
	uint32_t nwin = (uint32_t)s->win << tcb_snd_wscale(t);

	if (SEQ_GT(s->ack, t->snd_una) || SEQ_GT(s->seq, t->snd_wl1) ||
			(s->seq == t->snd_wl1 && (nwin > t->snd_wnd || nwin == 0))) {
		t->snd_wnd = nwin;
		t->snd_wl1 = s->seq;
		if (s->win > t->max_wnd)
			t->max_wnd = s->win;
	}
}

/*
 * tcp_ack(). @return 0 (acceptable, or old and ignored), or a drop reason
 * with the sign Linux gives it: negative for TOO_OLD_ACK / ACK_UNSENT_DATA.
 */
static int
ack_process(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rcv *r)
{
	const struct bs_tcp_seg *s = r->s;
	struct tcb_ext *x = tcb_ext(ep, t);
	uint32_t acked;

	if (SEQ_LT(s->ack, t->snd_una)) {
		if (SEQ_LT(s->ack, t->snd_una - old_ack_bound(t)))
			return -BS_DROP_TCP_TOO_OLD_ACK;
		return 0;	/* old_ack: ignored, the segment goes on */
	}
	if (SEQ_GT(s->ack, t->snd_nxt))
		return -BS_DROP_TCP_ACK_UNSENT_DATA;

	ack_update_window(t, s);
	acked = s->ack - t->snd_una;
	if (acked == 0) {
		/* A duplicate ACK with outstanding data (NewReno, RFC 6582). */
		if (x != NULL && t->snd_nxt != t->snd_una && s->len == 0 &&
				!(s->flags & (BS_TCP_SYN | BS_TCP_FIN))) {
			if (++x->dupacks == 3 && !(t->fl & TCB_IN_RECOVERY)) {
				uint32_t flight = (t->snd_nxt - t->snd_una) / t->mss;

				t->ssthresh = (uint16_t)RTE_MAX(flight / 2, 2u);
				t->cwnd = (uint16_t)(t->ssthresh + 3);
				x->recover = t->snd_nxt;
				t->fl |= TCB_IN_RECOVERY;
				ep_cnt(ep, BS_CNT_TCPFastRetrans);
				tcb_retransmit_head(ep, t);
			} else if (t->fl & TCB_IN_RECOVERY) {
				t->cwnd++;
			}
		}
		return 0;
	}
	/* New data acknowledged. */
	if ((uint32_t)(s->ack - t->iss) > (1u << 30))
		t->fl |= TCB_BYTES_ACKED_BIG;
	if (x != NULL) {
		uint32_t data_acked = acked;

		if ((t->fl & TCB_FIN_SENT) && s->ack == x->write_seq)
			data_acked--;	/* our FIN */
		snd_queue_ack(ep, t, x, RTE_MIN(data_acked, x->snd_bytes));
		/* tcp_check_space: a writer that found the buffer full wakes
		 * when half of what is queued has gone (sk_stream_write_space). */
		if (t->nospace && tcb_write_space(ep, t) >= x->snd_bytes / 2) {
			t->nospace = 0;
			tcb_wake(ep, t, APP_WRITABLE);
		}
		if (x->rtt_ts != 0 && SEQ_GEQ(s->ack, x->rtt_seq)) {
			if (!(r->o.ts && (t->fl & TCB_TS)))
				tcb_rtt_sample(t, ep->now_ms - x->rtt_ts);
			x->rtt_ts = 0;
		}
		if (t->fl & TCB_IN_RECOVERY) {
			if (SEQ_GEQ(s->ack, x->recover)) {
				t->fl &= (uint16_t)~TCB_IN_RECOVERY;
				t->cwnd = t->ssthresh;
			} else {
				t->snd_una = s->ack;
				tcb_retransmit_head(ep, t);	/* partial ACK */
			}
		} else if (t->cwnd < t->ssthresh) {
			t->cwnd = (uint16_t)RTE_MIN((uint32_t)t->cwnd + 1, 65535u);
		} else if (x->app_u32 == 0) {
			t->cwnd = (uint16_t)RTE_MIN((uint32_t)t->cwnd + 1, 65535u);
		}
		x->dupacks = 0;
	}
	if (r->o.ts && (t->fl & TCB_TS) && r->o.tsecr != 0)
		tcb_rtt_sample(t, ep_ts_now(ep) + t->ts_off - r->o.tsecr);
	t->snd_una = s->ack;
	t->retrans = 0;
	if (t->snd_una == t->snd_nxt) {
		if (t->tev == TEV_RTO || t->tev == TEV_PROBE)
			tcb_disarm(ep, t);
	} else {
		tcb_arm(ep, t, TEV_RTO, tcb_rto_ms(t));
	}
	return 0;
}

/* Take the received mbuf, cut to @p len payload bytes from @p skip. */
static struct rte_mbuf *
seg_payload(struct rcv *r, uint32_t skip, uint32_t len)
{
	struct rte_mbuf *m = rcv_take(r);
	uint32_t hdr = (uint32_t)((const uint8_t *)r->s->opts + r->s->opt_len -
		rte_pktmbuf_mtod(m, const uint8_t *));

	rte_pktmbuf_adj(m, (uint16_t)(hdr + skip));
	rte_pktmbuf_trim(m, (uint16_t)(m->data_len - len));
	m->next = NULL;
	return m;
}

/* The receive queue's tail: bytes in order, for the application. */
static void
rcv_append(struct tcb_ext *x, struct rte_mbuf *m)
{
	if (x->rcv_tail != NULL)
		x->rcv_tail->next = m;
	else
		x->rcv_head = m;
	x->rcv_tail = m;
	x->rcv_bytes += m->data_len;
}

/* Put received bytes on the receive queue; the mbuf is trimmed to them. */
static void
rcv_queue(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rcv *r, uint32_t skip,
		uint32_t len)
{
	struct tcb_ext *x = tcb_ext_get(ep, t);

	if (x == NULL || r->m == NULL || r->m->nb_segs != 1)
		return;
	rcv_append(x, seg_payload(r, skip, len));
}

/*
 * tcp_fin(): the peer's FIN, in order. Its ACK is owed; in ESTABLISHED the
 * exchange turns interactive, so the ACK waits for the application's
 * answer (its close() sends FIN|ACK: one segment), the delayed-ACK timer
 * otherwise. A FIN in FIN_WAIT1/2 is ACKed at once.
 */
static void
rcv_fin(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	t->rcv_nxt++;
	t->fl |= TCB_RCV_SHUT | TCB_PEER_FIN | TCB_DELACK;
	switch (t->state) {
	case BS_TCP_SYN_RECV:
	case BS_TCP_ESTABLISHED:
		tcb_set_state(ep, t, BS_TCP_CLOSE_WAIT);
		t->pingpong = 1;
		break;
	case BS_TCP_FIN_WAIT1:
		/* Simultaneous close (RFC 9293: FIN-WAIT-1 -> CLOSING). */
		tcb_send_ack(ep, t, NULL);
		tcb_set_state(ep, t, BS_TCP_CLOSING);
		break;
	case BS_TCP_FIN_WAIT2:
		tcb_send_ack(ep, t, NULL);
		tcp_time_wait(ep, t, BS_TCP_TIME_WAIT, 0);
		return;
	default:
		break;
	}
	tcb_wake(ep, t, APP_READABLE);
}

/* Does any out-of-order data now follow RCV.NXT? Merge it in. */
static void
ooo_merge(struct bs_tcp_ep *ep, struct bs_tcb *t, struct tcb_ext *x)
{
	while (x->ooo != NULL) {
		struct rte_mbuf *m = x->ooo;
		uint32_t seq = m->hash.usr, len = m->data_len, end = seq + len;

		if (SEQ_GT(seq, t->rcv_nxt))
			break;
		x->ooo = m->next;
		x->ooo_bytes -= len;
		m->next = NULL;
		if (SEQ_LEQ(end, t->rcv_nxt)) {
			rte_pktmbuf_free(m);
			continue;
		}
		rte_pktmbuf_adj(m, (uint16_t)(t->rcv_nxt - seq));
		rcv_append(x, m);
		t->rcv_nxt += m->data_len;
	}
	x->n_sacks = 0;
	if (x->ooo != NULL) {
		/* One SACK block per contiguous run, newest... simply all runs. */
		struct rte_mbuf *m = x->ooo;

		while (m != NULL && x->n_sacks < TCP_MAX_SACKS) {
			uint32_t l = m->hash.usr, e = l + m->data_len;

			while (m->next != NULL && SEQ_LEQ(m->next->hash.usr, e)) {
				m = m->next;
				if (SEQ_GT(m->hash.usr + m->data_len, e))
					e = m->hash.usr + m->data_len;
			}
			x->sack[x->n_sacks][0] = l;
			x->sack[x->n_sacks][1] = e;
			x->n_sacks++;
			m = m->next;
		}
	}
	(void)ep;
}

/* Out-of-order data: keep it, sorted, and say so with SACK. */
static void
ooo_queue(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rcv *r)
{
	struct tcb_ext *x = tcb_ext_get(ep, t);
	struct rte_mbuf *m, **pp;

	if (x == NULL || r->m == NULL || r->m->nb_segs != 1 || r->s->len == 0 ||
			x->ooo_bytes + r->s->len > ep->k->tcp_rmem[1] || ep_mem_short(ep)) {
		ep_drop_cnt(ep, BS_DROP_TCP_OFO_DROP);
		return;
	}
	m = seg_payload(r, 0, r->s->len);
	m->hash.usr = r->s->seq;
	for (pp = &x->ooo; *pp != NULL && SEQ_LT((*pp)->hash.usr, r->s->seq); pp = &(*pp)->next)
		;
	m->next = *pp;
	*pp = m;
	x->ooo_bytes += r->s->len;
	ep_cnt(ep, BS_CNT_TCPOFOQueue);
	ooo_merge(ep, t, x);
}

/*
 * tcp_data_queue(): in-order data to the application (woken after the
 * segment: tcb_wake) with its ACK owed (tcb_event_data_recv, sent or
 * delayed by tcb_ack_snd_check when the segment is done); old data and
 * data beyond the window ACKed at once (out_of_window); out-of-order data
 * kept, SACKed at once.
 */
static void
data_queue(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rcv *r)
{
	const struct bs_tcp_seg *s = r->s;
	bool fin = s->flags & BS_TCP_FIN;
	struct tcb_ext *x;

	if (s->len == 0 && !fin)
		return;
	if (s->seq == t->rcv_nxt || (SEQ_LT(s->seq, t->rcv_nxt) && SEQ_GT(r->end, t->rcv_nxt))) {
		uint32_t skip = t->rcv_nxt - s->seq, len = s->len > skip ? s->len - skip : 0;
		bool gap;

		if (len != 0 && rcv_window_left(t) == 0) {
			ep_drop_cnt(ep, BS_DROP_TCP_ZEROWINDOW);
			ep_cnt(ep, BS_CNT_TCPZeroWindowDrop);
			tcb_ack_now(ep, t);
			return;
		}
		if (len != 0 && !(t->fl & TCB_RCV_SHUT) && ep_mem_short(ep) &&
				(x = tcb_ext(ep, t)) != NULL && x->rcv_head != NULL) {
			/* tcp_try_rmem_schedule() failed: a queue that holds
			 * data takes no more while memory is short (an empty
			 * one does, sk_forced_mem_schedule); the peer sends it
			 * again. */
			ep_drop_cnt(ep, BS_DROP_NOMEM);
			ep_cnt(ep, BS_CNT_TCPRcvQDrop);
			tcb_ack_now(ep, t);
			return;
		}
		if (len != 0) {
			t->rcv_nxt += len;
			if (t->fl & TCB_RCV_SHUT) {
				/* SHUT_RD (Q28): read and thrown away. */
			} else {
				rcv_queue(ep, t, r, skip, len);
			}
			tcb_event_data_recv(ep, t, len);
		}
		/* A hole filled, or still open: ACK now (RFC 5681 4.2, SACK). */
		x = tcb_ext(ep, t);
		gap = x != NULL && x->ooo != NULL;
		if (gap)
			ooo_merge(ep, t, x);
		if (fin && r->end - 1 == t->rcv_nxt)
			rcv_fin(ep, t);
		else if (len != 0)
			tcb_wake(ep, t, APP_READABLE);
		if (gap && t->state != BS_TCP_NONE) {
			t->fl |= TCB_DELACK;
			tcb_send_ack(ep, t, NULL);
		}
		return;
	}
	if (SEQ_LEQ(r->end, t->rcv_nxt)) {
		/* All old: a duplicate; ACK at once (and D-SACK in Linux). */
		ep_cnt(ep, BS_CNT_DelayedACKLost);
		tcb_ack_now(ep, t);
		return;
	}
	if (!SEQ_LT(s->seq, t->rcv_nxt + rcv_window_left(t))) {
		ep_drop_cnt(ep, BS_DROP_TCP_OVERWINDOW);
		tcb_ack_now(ep, t);
		return;
	}
	ooo_queue(ep, t, r);
	t->fl |= TCB_DELACK;
	tcb_send_ack(ep, t, NULL);
}

/* The ACK of a passive handshake (SYN_RECV -> ESTABLISHED). */
static void
synrecv_established(struct bs_tcp_ep *ep, struct bs_tcb *t, const struct bs_tcp_seg *s)
{
	t->snd_wnd = (uint32_t)s->win << tcb_snd_wscale(t);
	t->max_wnd = s->win;
	t->snd_wl1 = s->seq;
	tcb_set_state(ep, t, BS_TCP_ESTABLISHED);
	if (t->fl & TCB_ACTIVE) {
		tcp_app_event(ep, t, APP_ACCEPTED);	/* connect() returns */
		return;
	}
	/* A passive child waits on the accept queue until the application's
	 * next turn, the end of this poll (bs_tcp_ep_poll, after every port's
	 * burst): that is when accept() returns it, so a burst of handshakes
	 * can fill the queue (R2, R2b, L3). On the list it needs no timer (tev
	 * without a deadline); its timer (the next tick) stands in when more
	 * than TCP_ACCEPT_BATCH complete in one poll. */
	if (ep->n_acc < TCP_ACCEPT_BATCH) {
		struct tcb_ext *x = tcb_ext(ep, t);

		t->tev = TEV_ACCEPT;
		if (x != NULL)
			x->tev_at = 0;
		ep->acc[ep->n_acc++] = ep_tcb_idx(ep, t);
		return;
	}
	tcb_arm(ep, t, TEV_ACCEPT, 0);
}

/* FIN_WAIT1 and our FIN acknowledged (tcp_rcv_state_process). */
static int
fin_wait1_acked(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rcv *r)
{
	const struct bs_app_params *pa = tcb_params(ep, t);
	int32_t linger2 = pa->linger2;
	uint32_t tmo;

	tcb_set_state(ep, t, BS_TCP_FIN_WAIT2);
	if (!(t->fl & TCB_DEAD)) {
		tcb_wake(ep, t, APP_WRITABLE);
		return 0;
	}
	if (linger2 < 0) {		/* D3 */
		ep_cnt(ep, BS_CNT_TCPAbortOnData);
		tcb_done(ep, t);
		return BS_RST_REASON_TCP_ABORT_ON_DATA;
	}
	if (r->end != r->s->seq && SEQ_GT(r->end - !!(r->s->flags & BS_TCP_FIN), t->rcv_nxt)) {
		ep_cnt(ep, BS_CNT_TCPAbortOnData);	/* D4 */
		tcb_done(ep, t);
		return BS_RST_REASON_TCP_ABORT_ON_DATA;
	}
	tmo = (linger2 > 0 ? (uint32_t)linger2 : ep->k->tcp_fin_timeout) * 1000;
	tmo = RTE_MAX(tmo, (tcb_rto_ms(t) << 2) - (tcb_rto_ms(t) >> 1));
	if (tmo > TCP_TIMEWAIT_LEN_MS) {
		tcb_arm(ep, t, TEV_FIN_WAIT2, tmo - TCP_TIMEWAIT_LEN_MS);
	} else if (r->s->flags & BS_TCP_FIN) {
		tcb_arm(ep, t, TEV_FIN_WAIT2, tmo);
	} else {
		tcp_time_wait(ep, t, BS_TCP_FIN_WAIT2, tmo);
		return -1;	/* the connection is a mini-socket now */
	}
	return 0;
}

/* What the peer's SYN or SYN-ACK offered (tcp_parse_options on a SYN,
 * then tcp_rcv_synsent_state_process): timestamps (ts_recent stops being
 * the first SYN's time), SACK, the MSS. */
static void
synsent_opts(struct bs_tcp_ep *ep, struct bs_tcb *t, const struct rcv *r)
{
	if (r->o.ts && ep->k->tcp_timestamps) {
		t->fl |= TCB_TS;
		t->ts_recent = r->o.tsval;
		t->ts_recent_stamp = (uint16_t)(ep->now_ms / 1000);
	} else {
		t->fl &= (uint16_t)~TCB_TS;
		t->ts_recent = 0;
	}
	if (r->o.sack_ok && ep->k->tcp_sack)
		t->fl |= TCB_SACK;
	t->mss = (uint16_t)(RTE_MIN(r->o.mss != 0 ? r->o.mss : TCP_MSS_DEFAULT,
		tcp_local_mss(&t->flow)) - ((t->fl & TCB_TS) ? TCPOLEN_TS_ALIGNED : 0));
}

/* RFC 9293 3.10.7.3: SYN_SENT. */
static int
synsent_rcv(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rcv *r,
		struct bs_tcp_verdict *v)
{
	const struct bs_tcp_seg *s = r->s;

	(void)v;
	if (s->flags & BS_TCP_ACK) {
		/* "If SEG.ACK =< ISS, or SEG.ACK > SND.NXT, send a reset" (C1). */
		if (!SEQ_GT(s->ack, t->snd_una) || SEQ_GT(s->ack, t->snd_nxt)) {
			if (t->retrans == 0)
				tcb_arm(ep, t, TEV_RTO, TCP_TIMEOUT_MIN_MS);
			r->drop = BS_DROP_TCP_INVALID_ACK_SEQUENCE;
			return (s->flags & BS_TCP_RST) ? 0 : BS_RST_REASON_TCP_INVALID_ACK_SEQUENCE;
		}
		/* C2: a TSecr outside [first SYN, now]. The option is read
		 * whenever tcp_timestamps is on (tcp_parse_options, !estab). */
		if (r->o.ts && ep->k->tcp_timestamps != 0 && r->o.tsecr != 0 &&
				(SEQ_LT(r->o.tsecr, t->ts_recent + t->ts_off) ||
				 SEQ_GT(r->o.tsecr, ep_ts_now(ep) + t->ts_off))) {
			ep_cnt(ep, BS_CNT_PAWSActive);
			r->drop = BS_DROP_TCP_RFC7323_PAWS;
			return (s->flags & BS_TCP_RST) ? 0 : BS_RST_REASON_TCP_RFC7323_PAWS;
		}
		if (s->flags & BS_TCP_RST) {	/* X4: refused */
			tcb_reset(ep, t);
			r->drop = BS_DROP_TCP_RESET;
			return 0;
		}
		if (!(s->flags & BS_TCP_SYN)) {	/* Q20 */
			r->drop = BS_DROP_TCP_FLAGS;
			return 0;
		}
		/* Our SYN is acknowledged: ESTABLISHED (tcp_finish_connect). */
		t->rcv_nxt = s->seq + 1;
		t->rcv_wup = t->rcv_nxt;
		t->snd_una = s->ack;
		t->snd_wl1 = s->seq;
		if (!(r->o.ws != 0xff && ep->k->tcp_window_scaling)) {
			t->fl &= (uint16_t)~TCB_WS;
			t->wscale = 0;
		} else {
			t->fl |= TCB_WS;
			t->wscale = (uint8_t)(r->o.ws << 4 | (t->wscale & 0x0f));
		}
		t->snd_wnd = (uint32_t)s->win;	/* a SYN's window is never scaled */
		t->max_wnd = s->win;
		synsent_opts(ep, t, r);
		t->retrans = 0;
		tcb_disarm(ep, t);
		tcb_set_state(ep, t, BS_TCP_ESTABLISHED);
		if (t->fl & TCB_ACTIVE)
			ep->cli[t->owner].st.connected++;
		tcb_send_ack(ep, t, rcv_take(r));
		tcp_app_event(ep, t, APP_ACCEPTED);
		return 0;
	}
	if (s->flags & BS_TCP_RST) {		/* X3 */
		r->drop = BS_DROP_TCP_RESET;
		return 0;
	}
	if (s->flags & BS_TCP_SYN) {		/* Q21: crossed SYNs */
		t->rcv_nxt = s->seq + 1;
		t->rcv_wup = t->rcv_nxt;
		t->snd_wl1 = s->seq;
		t->snd_wnd = s->win;
		t->max_wnd = s->win;
		synsent_opts(ep, t, r);
		tcb_set_state(ep, t, BS_TCP_SYN_RECV);
		tcb_send_syn(ep, t, true);
		r->drop = BS_DROP_NOT_SPECIFIED;
		return 0;
	}
	r->drop = BS_DROP_TCP_FLAGS;		/* Q20 */
	return 0;
}

/*
 * Synchronized states and SYN_RECV (tcp_rcv_state_process with
 * tcp_validate_incoming). @return a reset reason, 0, or -1 (entry gone)
 */
static int
sync_rcv(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rcv *r)
{
	const struct bs_tcp_seg *s = r->s;
	unsigned int drop;
	int rc;

	/* tcp_rcv_state_process / tcp_rcv_established: a segment with none
	 * of ACK, RST and SYN is dropped before any check (no dupack). */
	if (!(s->flags & (BS_TCP_ACK | BS_TCP_RST | BS_TCP_SYN))) {
		r->drop = BS_DROP_TCP_FLAGS;
		return 0;
	}
	/* PAWS (RFC 7323 5.3, tcp_validate_incoming); a RST is exempt. */
	if (paws_discard(ep, t, r) && (drop = disordered_ack_check(t, r)) != 0 &&
			!(s->flags & BS_TCP_RST)) {
		if (s->flags & BS_TCP_SYN)
			goto syn_challenge;
		if (drop == 1) {
			ep_cnt(ep, BS_CNT_PAWSOldAck);	/* an old ACK: no dupack */
		} else {
			ep_cnt(ep, BS_CNT_PAWSEstab);
			if (s->len != 0 || (s->flags & BS_TCP_FIN) ||
					!tcb_oow_limited(ep, &t->last_oow, BS_CNT_TCPACKSkippedPAWS))
				tcb_send_ack(ep, t, rcv_take(r));
		}
		r->drop = BS_DROP_TCP_RFC7323_PAWS;
		return 0;
	}
	/* First, check sequence number (tcp_sequence). */
	drop = seq_check(ep, t, r);
	if (drop != 0) {
		if (!(s->flags & BS_TCP_RST)) {
			if (s->flags & BS_TCP_SYN)
				goto syn_challenge;
			rcv_dupack(ep, t, r);			/* Q22 */
		} else if (reset_check(t, s)) {
			goto reset;				/* X12 */
		}
		r->drop = (uint8_t)drop;			/* X13, X15 */
		return 0;
	}
	/* Second, check the RST bit (RFC 5961 3.2). */
	if (s->flags & BS_TCP_RST) {
		struct tcb_ext *x = tcb_ext(ep, t);

		if (s->seq == t->rcv_nxt || reset_check(t, s))
			goto reset;				/* X10, X12 */
		if ((t->fl & TCB_SACK) && x != NULL && x->n_sacks != 0) {
			uint32_t max_sack = x->sack[0][1];
			unsigned int i;

			for (i = 1; i < x->n_sacks; i++)
				if (SEQ_GT(x->sack[i][1], max_sack))
					max_sack = x->sack[i][1];
			if (s->seq == max_sack)
				goto reset;			/* X11 */
		}
		rcv_challenge(ep, t, r);			/* X14 */
		r->drop = BS_DROP_TCP_RESET;
		return 0;
	}
	/* Fourth, check the SYN bit (RFC 5961 4.2; Q24). */
	if (s->flags & BS_TCP_SYN) {
		if (t->state == BS_TCP_SYN_RECV && (s->flags & BS_TCP_ACK) &&
				s->len == 0 && s->seq + 1 == t->rcv_nxt && s->ack == t->snd_nxt)
			goto pass;	/* the peer's SYN-ACK of a crossed open */
		goto syn_challenge;
	}
pass:
	/* Fifth, check the ACK field. */
	if (!(s->flags & BS_TCP_ACK)) {
		r->drop = BS_DROP_TCP_FLAGS;
		return 0;
	}
	if (t->state == BS_TCP_SYN_RECV) {
		/* R4/R5: an unacceptable ACK to our SYN-ACK: one RST. */
		if (SEQ_GT(s->ack, t->snd_nxt))
			return BS_RST_REASON_TCP_ACK_UNSENT_DATA;
		if (SEQ_LT(s->ack, t->snd_una)) {
			if (SEQ_LT(s->ack, t->snd_una - old_ack_bound(t)))
				return BS_RST_REASON_TCP_TOO_OLD_ACK;
			return BS_RST_REASON_TCP_OLD_ACK;
		}
		/* tcp_synack_rtt_meas() without the request (a SYN cookie,
		 * a crossed open): the timestamp echo gives the RTT. */
		if (t->srtt8 == 0 && r->o.ts && (t->fl & TCB_TS) && r->o.tsecr != 0)
			tcb_rtt_sample(t, ep_ts_now(ep) + t->ts_off - r->o.tsecr);
		synrecv_established(ep, t, s);
		if (t->state == BS_TCP_NONE)
			return -1;
	}
	rc = ack_process(ep, t, r);
	if (rc < 0) {
		/* Q25 (ESTABLISHED, live 6.18), Q26, Q27: an ACK, the
		 * segment dropped. */
		rcv_challenge(ep, t, r);
		r->drop = (uint8_t)-rc;
		return 0;
	}
	if (r->o.ts && (t->fl & TCB_TS) && !SEQ_GT(s->seq, t->rcv_wup)) {
		t->ts_recent = r->o.tsval;	/* tcp_replace_ts_recent */
		t->ts_recent_stamp = (uint16_t)(ep->now_ms / 1000);
	}
	switch (t->state) {
	case BS_TCP_FIN_WAIT1:
		if ((t->fl & TCB_FIN_SENT) && t->snd_una == tcb_ext_get(ep, t)->write_seq) {
			rc = fin_wait1_acked(ep, t, r);
			if (rc != 0)
				return rc;
		}
		break;
	case BS_TCP_CLOSING:
		if ((t->fl & TCB_FIN_SENT) && t->snd_una == t->snd_nxt) {
			tcp_time_wait(ep, t, BS_TCP_TIME_WAIT, 0);
			return -1;
		}
		break;
	case BS_TCP_LAST_ACK:
		if ((t->fl & TCB_FIN_SENT) && t->snd_una == t->snd_nxt) {
			tcb_done(ep, t);
			return -1;
		}
		break;
	default:
		break;
	}
	/* Seventh, process the segment text. */
	switch (t->state) {
	case BS_TCP_CLOSE_WAIT:
	case BS_TCP_CLOSING:
	case BS_TCP_LAST_ACK:
		if (!SEQ_LT(s->seq, t->rcv_nxt))
			break;		/* Q30: after the peer's FIN, ignored */
		/* fall through */
	case BS_TCP_FIN_WAIT1:
	case BS_TCP_FIN_WAIT2:
		/* "RFC 1122 says we MUST send a reset" (D1, D2). */
		if ((t->fl & TCB_RCV_SHUT) && r->end != s->seq &&
				SEQ_GT(r->end - !!(s->flags & BS_TCP_FIN), t->rcv_nxt)) {
			ep_cnt(ep, BS_CNT_TCPAbortOnData);
			tcb_reset(ep, t);
			return BS_RST_REASON_TCP_ABORT_ON_DATA;
		}
		/* fall through */
	case BS_TCP_ESTABLISHED:
		data_queue(ep, t, r);
		break;
	default:
		break;
	}
	if (t->state != BS_TCP_NONE && t->state != BS_TCP_TIME_WAIT) {
		tcb_push(ep, t);		/* tcp_data_snd_check */
		tcb_ack_snd_check(ep, t);
		if ((t->fl & TCB_KEEPALIVE) && (t->tev == TEV_NONE || t->tev == TEV_KEEPALIVE)) {
			t->retrans = 0;
			tcb_keepalive_arm(ep, t);
		}
		tcb_ext_maybe_put(ep, t);
	}
	return 0;

syn_challenge:
	if (t->state == BS_TCP_ESTABLISHED)
		ep_cnt(ep, BS_CNT_TcpInErrs);
	ep_cnt(ep, BS_CNT_TCPSYNChallenge);
	rcv_challenge(ep, t, r);
	r->drop = BS_DROP_TCP_INVALID_SYN;
	return 0;
reset:
	tcb_reset(ep, t);
	r->drop = BS_DROP_TCP_RESET;
	return -1;
}

int
tcp_tcb_rcv(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rte_mbuf *m,
		const struct bs_tcp_seg *s, struct bs_tcp_verdict *v)
{
	struct rcv r;
	int rc;

	r.s = s;	/* r.o: all of it written by tcp_parse_opts() */
	r.m = m;
	r.drop = BS_DROP_NOT_SPECIFIED;
	r.end = s->seq + s->len + !!(s->flags & BS_TCP_SYN) + !!(s->flags & BS_TCP_FIN);
	tcp_parse_opts(s, &r.o);
	if (t->state == BS_TCP_SYN_SENT)
		rc = synsent_rcv(ep, t, &r, v);
	else
		rc = sync_rcv(ep, t, &r);
	/* The segment is done, its ACK sent or delayed: the application
	 * it woke runs now (as Linux's, in its own context). A frame that
	 * is only to be freed is its first send's buffer. */
	if (ep->wake != 0) {
		if (rc == 0 && r.m != NULL && r.drop == BS_DROP_NOT_SPECIFIED)
			ep->spare = rcv_take(&r);
		ep_wake_run(ep);
		if (ep->spare != NULL) {
			rte_pktmbuf_free(ep->spare);
			ep->spare = NULL;
		}
	}
	if (rc > 0) {
		/* An RST-REPLY from the segment; the caller writes it over the
		 * received frame (tcp_v4_send_reset(rsk, skb, reason)). */
		if (r.m == NULL || (s->flags & BS_TCP_RST)) {
			rcv_free(&r);
			v->action = BS_TCP_DISCARD;
			v->reason = r.drop;
			return BS_TCP_EP_DONE;
		}
		bs_tcp_reply_verdict(s, (unsigned int)rc, v);
		return BS_TCP_EP_VERDICT;
	}
	if (r.m != NULL) {
		/* Processed: a segment whose every byte was used is not a
		 * drop; one that was refused carries its reason. */
		if (r.drop != BS_DROP_NOT_SPECIFIED) {
			v->action = BS_TCP_DISCARD;
			v->reason = r.drop;
			return BS_TCP_EP_VERDICT;
		}
		ep_mbuf_free(r.m);
	}
	return BS_TCP_EP_DONE;
}
