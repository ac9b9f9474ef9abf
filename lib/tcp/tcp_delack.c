/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * When a connection acknowledges what it received: Linux's delayed-ACK
 * engine (icsk_ack; tcp_event_data_recv, __tcp_ack_snd_check,
 * tcp_send_delayed_ack, tcp_delack_timer_handler, tcp_event_ack_sent,
 * tcp_event_data_sent, tcp_cleanup_rbuf). A Linux peer sees the same
 * segments: the first data of a connection ACKed at once (quick-ACK mode),
 * the ACK of a request carried by the reply once the exchange is
 * interactive ("pingpong": a reply sent within the ATO of the data it
 * answers; the peer's FIN sets it too), otherwise an ACK for every second
 * full segment, when the application drains a pushed segment, or when the
 * timer (the ATO) runs out.
 *
 * Times are jiffies of the reference kernel (HZ=250: 4 ms). What differs
 * from Linux, for want of room in struct bs_tcb: the estimate of the peer's
 * segment size (icsk_ack.rcv_mss) is the connection's MSS, so a short
 * segment is always "pushed"; the time of the last data received
 * (icsk_ack.lrcvtime) lives in the extension, and when an idle connection
 * (no extension) receives data the gap is unknown: the ATO stays as it is
 * (Linux would shrink it after a gap under the ATO, or re-enter quick-ACK
 * mode after one over the RTO); the ATO saturates at 252 ms (it only
 * matters up to TCP_DELACK_MAX, 200 ms, as a timeout).
 */
#include "tcp_ep_internal.h"

#define ACK_PUSHED 0x1
#define ACK_PUSHED2 0x2

static uint32_t
jiffies(uint32_t ms)
{
	return ms / TCP_JIFFY_MS;
}

static uint32_t
rto_j(const struct bs_tcb *t)
{
	return jiffies(tcb_rto_ms(t));
}

static void
set_ato(struct bs_tcb *t, uint32_t j)
{
	t->ato = (uint16_t)RTE_MIN(j, (uint32_t)TCP_ATO_MAX_J);
}

/* tcp_incr_quickack(): enough quick ACKs for half the window, at most
 * @p max. */
static void
incr_quickack(struct bs_tcb *t, uint32_t max)
{
	uint32_t wnd = (uint32_t)t->rcv_wnd << tcb_rcv_wscale(t);
	uint32_t q = wnd / (2u * RTE_MAX(t->mss, (uint16_t)1));

	if (q == 0)
		q = 2;
	q = RTE_MIN(q, max);
	if (q > t->quick)
		t->quick = (uint8_t)q;
}

/* tcp_enter_quickack_mode(): the next segments are ACKed at once (old
 * or out-of-window data: the peer is retransmitting). */
void
tcb_enter_quickack_mode(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	(void)ep;
	incr_quickack(t, TCP_MAX_QUICKACKS);
	t->pingpong = 0;
	t->ato = TCP_ATO_MIN_J;
}

/*
 * tcp_event_data_recv() with tcp_measure_rcv_mss(): in-order data of
 * @p len bytes arrived. An ACK is owed; the ATO follows the gaps between
 * data segments; the first data starts quick-ACK mode.
 */
void
tcb_event_data_recv(struct bs_tcp_ep *ep, struct bs_tcb *t, uint32_t len)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	uint32_t now = jiffies(ep->now_ms);
	/* (read before the byte stores of the bit-fields beside it: a load
	 * of their word after them would wait for them) */
	uint32_t ato = t->ato;

	t->fl |= TCB_DELACK;
	if (len < t->mss) {
		if (t->pushed & ACK_PUSHED)
			t->pushed |= ACK_PUSHED2;
		t->pushed |= ACK_PUSHED;
	}
	if (ato == 0) {
		incr_quickack(t, TCP_MAX_QUICKACKS);
		t->ato = TCP_ATO_MIN_J;
	} else if (x != NULL && x->lrcvtime != 0) {
		uint32_t m = now - jiffies(x->lrcvtime);

		if (m <= TCP_ATO_MIN_J / 2)
			set_ato(t, ato / 2u + TCP_ATO_MIN_J / 2);
		else if (m < ato)
			set_ato(t, RTE_MIN(ato / 2u + m, rto_j(t)));
		else if (m > rto_j(t))
			incr_quickack(t, TCP_MAX_QUICKACKS);	/* the sender was idle */
	}
	if (x != NULL)
		x->lrcvtime = ep->now_ms != 0 ? ep->now_ms : 1;
}

/* tcp_send_delayed_ack(): arm the timer at the ATO, bounded by what the
 * mode and the RTT allow; one already running near its end sends now. */
static void
send_delayed_ack(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext_get(ep, t);
	uint32_t ato = t->ato, at;

	if (x == NULL) {
		tcb_send_ack(ep, t, NULL);
		return;
	}
	if (ato > TCP_ATO_MIN_J) {
		uint32_t max_ato = jiffies(500);	/* HZ / 2 */

		if (t->pingpong || (t->pushed & ACK_PUSHED))
			max_ato = jiffies(TCP_DELACK_MAX_MS);
		if (t->srtt8 != 0) {
			uint32_t rtt = RTE_MAX(jiffies((t->srtt8 >> 3) + TCP_JIFFY_MS - 1),
				(uint32_t)TCP_ATO_MIN_J);

			max_ato = RTE_MIN(max_ato, rtt);
		}
		ato = RTE_MIN(ato, max_ato);
	}
	ato = RTE_MIN(ato, jiffies(TCP_DELACK_MAX_MS));
	at = ep->now_ms + RTE_MAX(ato * TCP_JIFFY_MS, 1u);
	if (x->delack_at != 0) {
		if ((int32_t)(x->delack_at - (ep->now_ms + (ato >> 2) * TCP_JIFFY_MS)) <= 0) {
			tcb_send_ack(ep, t, NULL);
			return;
		}
		if ((int32_t)(at - x->delack_at) > 0)
			at = x->delack_at;	/* keep the earlier deadline */
	}
	x->delack_at = at != 0 ? at : 1;
	tcb_timer_update(ep, t);
}

/*
 * __tcp_ack_snd_check(): an owed ACK goes now when more than a full segment
 * is unacknowledged or in quick-ACK mode (not interactive), else it waits.
 * (Linux also wants the window to open as far as it was; ours never
 * shrinks.)
 */
void
tcb_ack_snd_check(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	if (!(t->fl & TCB_DELACK))
		return;
	if (t->rcv_nxt - t->rcv_wup > t->mss || (t->quick != 0 && !t->pingpong)) {
		tcb_send_ack(ep, t, NULL);
		return;
	}
	send_delayed_ack(ep, t);
}

/* tcp_data_queue's out_of_window: old, duplicate or unacceptable data is
 * ACKed at once and the next segments too (the peer is retransmitting). */
void
tcb_ack_now(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	tcb_enter_quickack_mode(ep, t);
	t->fl |= TCB_DELACK;
	tcb_send_ack(ep, t, NULL);
}

/* tcp_event_ack_sent(): a segment carrying our ACK left: nothing owed any
 * more, one quick ACK fewer. */
void
tcb_event_ack_sent(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext(ep, t);

	if (t->quick != 0 && (t->fl & TCB_DELACK)) {
		if (--t->quick == 0)
			t->ato = TCP_ATO_MIN_J;	/* leaving quick-ACK mode */
	}
	t->fl &= (uint16_t)~TCB_DELACK;
	t->pushed = 0;
	if (x != NULL)
		x->delack_at = 0;
}

/* tcp_event_data_sent(): data sent within the ATO of the last data
 * received is a reply: the exchange is interactive. */
void
tcb_event_data_sent(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	const struct tcb_ext *x = tcb_ext(ep, t);

	if (x != NULL && x->lrcvtime != 0 &&
			jiffies(ep->now_ms) - jiffies(x->lrcvtime) < t->ato)
		t->pingpong = 1;
}

/* tcp_delack_timer_handler(): the timer ran out with an ACK owed. A missed
 * reply ends interactive mode; otherwise the ATO doubles. */
void
tcb_delack_timer(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	if (!(t->fl & TCB_DELACK))
		return;
	if (!t->pingpong) {
		set_ato(t, RTE_MIN((uint32_t)t->ato << 1, rto_j(t)));
	} else {
		t->pingpong = 0;
		t->ato = TCP_ATO_MIN_J;
	}
	ep_cnt(ep, BS_CNT_DelayedACKs);
	tcb_send_ack(ep, t, NULL);
}

/*
 * tcp_cleanup_rbuf(), its first half: after the application read @p copied
 * bytes, is the owed ACK due now? Yes when more than a full segment waits
 * for it, or the read emptied the receive memory and a pushed segment was
 * in it (two, in interactive mode).
 */
bool
tcb_read_ack_due(struct bs_tcp_ep *ep, const struct bs_tcb *t, uint32_t copied)
{
	const struct tcb_ext *x = tcb_ext(ep, t);

	if (!(t->fl & TCB_DELACK))
		return false;
	if (t->rcv_nxt - t->rcv_wup > t->mss)
		return true;
	return copied > 0 && ((t->pushed & ACK_PUSHED2) ||
		((t->pushed & ACK_PUSHED) && !t->pingpong)) &&
		(x == NULL || (x->rcv_bytes == 0 && x->ooo_bytes == 0));
}
