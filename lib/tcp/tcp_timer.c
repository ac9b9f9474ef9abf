/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A connection's timers (Linux tcp_timer.c): retransmission, zero-window
 * probe, keepalive, orphan FIN_WAIT2, plus the delayed ACK and the
 * application's wake-up. One wheel node per connection, armed at the
 * earliest of them: tev names the main event, its deadline lives in the
 * extension (x->tev_at) when the connection has one, else in the node.
 */
#include "tcp_ep_internal.h"

static uint32_t
earliest(uint32_t now, uint32_t a, uint32_t b)
{
	if (a == 0)
		return b;
	if (b == 0)
		return a;
	return (int32_t)(a - now) < (int32_t)(b - now) ? a : b;
}

void
tcb_timer_update(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	uint32_t at;

	if (x == NULL) {
		if (t->tev == TEV_NONE)
			bs_timer_cancel(ep->wheel, &t->timer);
		return;
	}
	at = earliest(ep->now_ms, t->tev != TEV_NONE ? x->tev_at : 0, x->delack_at);
	at = earliest(ep->now_ms, at, x->app_at);
	if (at == 0)
		bs_timer_cancel(ep->wheel, &t->timer);
	else
		bs_timer_arm(ep->wheel, &t->timer, at);
}

void
tcb_arm(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int ev, uint32_t delay_ms)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	uint32_t at = ep->now_ms + RTE_MAX(delay_ms, 1u);

	t->tev = (uint8_t)ev;
	if (at == 0)
		at = 1;
	if (x == NULL) {
		bs_timer_arm(ep->wheel, &t->timer, at);
		return;
	}
	x->tev_at = at;
	tcb_timer_update(ep, t);
}

void
tcb_disarm(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	t->tev = TEV_NONE;
	tcb_timer_update(ep, t);
}

/* Keepalive idle time, then probes every interval (TCP_KEEPIDLE...). */
void
tcb_keepalive_arm(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	const struct bs_app_params *pa = tcb_params(ep, t);
	uint32_t idle = pa->keepalive_idle != 0 ? pa->keepalive_idle : ep->k->tcp_keepalive_time;

	tcb_arm(ep, t, TEV_KEEPALIVE, idle * 1000);
}

/* tcp_fin_time(): TCP_LINGER2 or tcp_fin_timeout, at least 3.5 RTO. */
uint32_t
tcb_fin_time_ms(struct bs_tcp_ep *ep, const struct bs_tcb *t)
{
	const struct bs_app_params *pa = tcb_params(ep, t);
	uint32_t tmo = (pa->linger2 > 0 ? (uint32_t)pa->linger2 : ep->k->tcp_fin_timeout) * 1000;
	uint32_t rto = tcb_rto_ms(t);

	return RTE_MAX(tmo, (rto << 2) - (rto >> 1));
}

/* tcp_model_timeout(): how long @p boundary retransmissions take from an
 * RTO of @p rto_base ms doubling up to TCP_RTO_MAX. */
static uint32_t
model_timeout(uint32_t boundary, uint32_t rto_base)
{
	uint32_t thresh = 0;	/* ilog2(TCP_RTO_MAX / rto_base) */

	while ((2u << thresh) <= TCP_RTO_MAX_MS / rto_base)
		thresh++;
	if (boundary <= thresh)
		return ((2u << boundary) - 1) * rto_base;
	return ((2u << thresh) - 1) * rto_base + (boundary - thresh) * TCP_RTO_MAX_MS;
}

/* tcp_write_err(): give up silently with ETIMEDOUT (A7, C3, Q34). */
static void
write_err(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	tcb_set_error(ep, t, ETIMEDOUT);
	ep_cnt(ep, BS_CNT_TCPAbortOnTimeout);
	tcb_done(ep, t);
}

static void
timer_rto(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	const struct bs_app_params *pa = tcb_params(ep, t);
	struct tcb_ext *x;
	uint32_t limit, flight, rto;

	if (t->state == BS_TCP_SYN_SENT) {
		/* tcp_write_timeout (6.5+): tcp_syn_retries plus the linear
		 * ones in number, or the time tcp_syn_retries would take with
		 * backoff since the first SYN (ts_recent until established),
		 * whichever comes first. C3: no RST. */
		uint32_t retries = ep->k->tcp_syn_retries;

		if (t->retrans >= retries + TCP_SYN_LINEAR_TIMEOUTS || (t->retrans != 0 &&
				ep->now_ms - t->ts_recent >=
				model_timeout(retries, TCP_TIMEOUT_INIT_MS))) {
			write_err(ep, t);
			return;
		}
		t->retrans++;
		tcb_send_syn(ep, t, false);
		tcb_arm(ep, t, TEV_RTO, t->retrans <= TCP_SYN_LINEAR_TIMEOUTS ?
			TCP_TIMEOUT_INIT_MS : RTE_MIN((uint32_t)TCP_TIMEOUT_INIT_MS <<
			(t->retrans - TCP_SYN_LINEAR_TIMEOUTS), (uint32_t)TCP_RTO_MAX_MS));
		return;
	}
	if (t->state == BS_TCP_SYN_RECV) {
		/* A full socket after crossed SYNs: tcp_syn_retries, and no
		 * linear retries (SYN_SENT only). */
		if (t->retrans >= ep->k->tcp_syn_retries) {
			write_err(ep, t);
			return;
		}
		t->retrans++;
		tcb_send_syn(ep, t, true);
		tcb_arm(ep, t, TEV_RTO, tcb_rto_ms(t));
		return;
	}
	if (t->snd_una == t->snd_nxt)
		return;
	x = tcb_ext(ep, t);
	/* A8: an orphan over tcp_max_orphans is reset. */
	if ((t->fl & TCB_DEAD) && ep->orphans > ep->k->tcp_max_orphans) {
		ep_cnt(ep, BS_CNT_TCPAbortOnMemory);
		tcb_send_rst_abort(ep, t, BS_RST_REASON_TCP_ABORT_ON_MEMORY);
		tcb_done(ep, t);
		return;
	}
	limit = (t->fl & TCB_DEAD) ? (ep->k->tcp_orphan_retries != 0 ?
		ep->k->tcp_orphan_retries : 8) : ep->k->tcp_retries2;
	/* retrans_stamp: when the head was first sent (tcp_retransmit_skb
	 * takes the skb's send time), one RTO before the first expiry. */
	if (x != NULL && t->retrans == 0)
		x->retrans_stamp = ep->now_ms - tcb_rto_ms(t);
	if (t->retrans >= limit || (pa->user_timeout_ms != 0 && x != NULL &&
			ep->now_ms - x->retrans_stamp >= pa->user_timeout_ms)) {
		write_err(ep, t);	/* A7: no RST */
		return;
	}
	/* RFC 5681 3.1 (equation 4) after a loss: cwnd to one segment. */
	flight = (t->snd_nxt - t->snd_una) / RTE_MAX(t->mss, (uint16_t)1);
	t->ssthresh = (uint16_t)RTE_MAX(flight / 2, 2u);
	t->cwnd = 1;
	t->fl &= (uint16_t)~TCB_IN_RECOVERY;
	ep_cnt(ep, BS_CNT_TCPTimeouts);
	tcb_retransmit_head(ep, t);
	t->retrans++;
	rto = tcb_rto_ms(t);
	if (pa->user_timeout_ms != 0 && x != NULL)	/* tcp_clamp_rto_to_user_timeout */
		rto = RTE_MIN(rto, pa->user_timeout_ms - (ep->now_ms - x->retrans_stamp));
	tcb_arm(ep, t, TEV_RTO, rto);
}

/* Zero-window probes (tcp_probe_timer); exhausted, a silent abort. */
static void
timer_probe(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	if (t->snd_wnd != 0) {
		t->retrans = 0;
		tcb_push(ep, t);
		return;
	}
	if (t->retrans >= ep->k->tcp_retries2) {
		write_err(ep, t);
		return;
	}
	tcb_send_probe(ep, t, false);
	t->retrans++;
	tcb_arm(ep, t, TEV_PROBE, tcb_rto_ms(t));
}

/* tcp_keepalive_timer (A6). */
static void
timer_keepalive(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	const struct bs_app_params *pa = tcb_params(ep, t);
	uint32_t probes = pa->keepalive_probes != 0 ? pa->keepalive_probes :
		ep->k->tcp_keepalive_probes;
	uint32_t intvl = pa->keepalive_intvl != 0 ? pa->keepalive_intvl :
		ep->k->tcp_keepalive_intvl;
	struct tcb_ext *x = tcb_ext(ep, t);

	if (!(t->fl & TCB_KEEPALIVE) || (t->state != BS_TCP_ESTABLISHED &&
			t->state != BS_TCP_CLOSE_WAIT && t->state != BS_TCP_FIN_WAIT2))
		return;
	if (t->snd_nxt != t->snd_una || (x != NULL && x->write_seq != t->snd_nxt)) {
		tcb_keepalive_arm(ep, t);	/* busy: not idle */
		return;
	}
	if (t->retrans >= probes) {
		tcb_send_rst_abort(ep, t, BS_RST_REASON_TCP_KEEPALIVE_TIMEOUT);
		write_err(ep, t);
		return;
	}
	tcb_send_probe(ep, t, true);
	t->retrans++;
	tcb_arm(ep, t, TEV_KEEPALIVE, intvl * 1000);
}

/* The orphan FIN_WAIT2 full socket (A11). */
static void
timer_fin_wait2(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	const struct bs_app_params *pa = tcb_params(ep, t);

	if (t->state == BS_TCP_FIN_WAIT2 && (t->fl & TCB_DEAD)) {
		if (pa->linger2 >= 0) {
			int32_t tmo = (int32_t)tcb_fin_time_ms(ep, t) - TCP_TIMEWAIT_LEN_MS;

			if (tmo > 0) {
				tcp_time_wait(ep, t, BS_TCP_FIN_WAIT2, (uint32_t)tmo);
				return;
			}
		}
		tcb_send_rst_abort(ep, t, BS_RST_REASON_TCP_STATE);
		tcb_done(ep, t);
		return;
	}
	tcb_done(ep, t);
}

/* accept() returns the child: the application starts, then sees what
 * arrived while it waited (data, the peer's FIN). */
static void
timer_accept(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	tcp_app_event(ep, t, APP_ACCEPTED);
	if (t->state != BS_TCP_NONE && !(t->fl & TCB_DEAD) &&
			(tcb_readable(ep, t) != 0 || (t->fl & TCB_PEER_FIN)))
		tcp_app_event(ep, t, APP_READABLE);
	/* What the application wrote on its turn goes out now. */
	if (t->state != BS_TCP_NONE && t->state != BS_TCP_CLOSE)
		tcb_push(ep, t);
}

/* The application's turn after a poll's bursts: accept() returns the
 * children whose handshakes they completed, in order. An entry whose
 * connection is gone, or was accepted already (freed and reused by another
 * child in the same poll), is skipped. Out of line: the poll loop calls it
 * only when a handshake completed. */
__rte_noinline void
tcp_accept_run(struct bs_tcp_ep *ep)
{
	uint32_t i, n = ep->n_acc;

	for (i = 0; i < n; i++) {
		struct bs_tcb *t = ep_tcb(ep, ep->acc[i]);

		if (t->state == BS_TCP_NONE || t->tev != TEV_ACCEPT)
			continue;
		t->tev = TEV_NONE;
		timer_accept(ep, t);
		if (t->state != BS_TCP_NONE) {
			tcb_ext_maybe_put(ep, t);
			tcb_timer_update(ep, t);
		}
	}
	ep->n_acc = 0;
}

void
tcp_tcb_timer(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	uint8_t ev;

	if (x != NULL) {
		if (x->delack_at != 0 && (int32_t)(ep->now_ms - x->delack_at) >= 0) {
			x->delack_at = 0;
			tcb_delack_timer(ep, t);
		}
		if (x->app_at != 0 && (int32_t)(ep->now_ms - x->app_at) >= 0) {
			x->app_at = 0;
			tcp_app_event(ep, t, APP_TIMER);
			if (t->state == BS_TCP_NONE)
				return;
			if (t->state != BS_TCP_CLOSE)
				tcb_push(ep, t);
			x = tcb_ext(ep, t);
		}
		if (x != NULL && t->tev != TEV_NONE && (int32_t)(ep->now_ms - x->tev_at) < 0) {
			tcb_timer_update(ep, t);
			return;
		}
	}
	ev = t->tev;
	t->tev = TEV_NONE;
	switch (ev) {
	case TEV_RTO:
		timer_rto(ep, t);
		break;
	case TEV_PROBE:
		timer_probe(ep, t);
		break;
	case TEV_KEEPALIVE:
		timer_keepalive(ep, t);
		break;
	case TEV_FIN_WAIT2:
		timer_fin_wait2(ep, t);
		break;
	case TEV_ACCEPT:
		timer_accept(ep, t);
		break;
	default:
		break;
	}
	if (t->state != BS_TCP_NONE) {
		tcb_ext_maybe_put(ep, t);
		tcb_timer_update(ep, t);
	}
}
