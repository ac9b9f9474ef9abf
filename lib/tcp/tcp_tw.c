/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME_WAIT and the orphan FIN_WAIT2 mini-socket (Linux tcp_minisocks.c:
 * tcp_time_wait, tcp_timewait_state_process; tcp_v4_rcv `do_time_wait`).
 */
#include <string.h>

#include "tcp_ep_internal.h"

static uint32_t
tw_idx(const struct bs_tcp_ep *ep, const struct tcp_tw *tw)
{
	return (uint32_t)((size_t)((const uint8_t *)tw - (const uint8_t *)ep->tw.base) /
		sizeof(struct tcp_tw));
}

void
tcp_tw_free(struct bs_tcp_ep *ep, struct tcp_tw *tw)
{
	uint32_t idx = tw_idx(ep, tw);
	struct bs_flow f;

	bs_tring_cancel(ep->tring, &tw->node);
	tw_flow(ep, tw, &f);
	bs_table_del_value(ep->table, ep_flow_hash(ep, &f),
		TCP_VAL(TCP_POOL_TW, idx));
	tw_key_put(ep, tw);
	ep->tw_count--;
	pool_put(&ep->tw, idx);
}

/*
 * A connection leaves for a compact entry (tcp_time_wait): TIME_WAIT for
 * 60 s, or FIN_WAIT2 for @p timeo_ms. Without a free slot under
 * tcp_max_tw_buckets the connection just goes (N4, TCPTimeWaitOverflow).
 * The connection is freed either way.
 */
void
tcp_time_wait(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int substate,
		uint32_t timeo_ms)
{
	uint32_t idx = TCP_NONE;
	struct tcp_tw *tw;
	struct bs_flow f = t->flow;

	if (ep->tw_count < ep->tw_limit)
		idx = pool_get(&ep->tw);
	if (idx == TCP_NONE) {
		ep_cnt(ep, BS_CNT_TCPTimeWaitOverflow);
		tcb_done(ep, t);
		return;
	}
	tw = ep_tw(ep, idx);
	memset(tw, 0, sizeof(*tw));
	tw->substate = substate & 0xf;
	tw->snd_nxt = t->snd_nxt;
	tw->rcv_nxt = t->rcv_nxt;
	tw->rcv_wnd = (uint16_t)RTE_MIN(((t->rcv_wup + ((uint32_t)t->rcv_wnd <<
		tcb_rcv_wscale(t)) - t->rcv_nxt) >> tcb_rcv_wscale(t)), 65535u);
	tw->fl = t->fl & TCB_TS;
	tw->wscale = tcb_rcv_wscale(t) & 0xf;
	tw->ts_recent = t->ts_recent;
	tw->ts_recent_stamp = t->ts_recent_stamp;
	tw->ts_off = t->ts_off;
	tw->adj = t->adj & (TCP_ADJ_MAX - 1);
	/* The connection's application is done with it: TIME_WAIT is not
	 * a socket anyone holds (tcp_done after tcp_time_wait). */
	tcb_set_state(ep, t, BS_TCP_CLOSE);
	tcb_done(ep, t);
	if (!tw_key_set(ep, tw, &f)) {	/* no room for its IPv6 address */
		pool_put(&ep->tw, idx);
		ep_cnt(ep, BS_CNT_TCPTimeWaitOverflow);
		return;
	}
	if (bs_table_add(ep->table, &f, ep_flow_hash(ep, &f),
			TCP_VAL(TCP_POOL_TW, idx)) != 0) {
		tw_key_put(ep, tw);
		pool_put(&ep->tw, idx);
		ep_cnt(ep, BS_CNT_TCPTimeWaitOverflow);
		return;
	}
	ep->tw_count++;
	tw_arm(ep, tw, substate == BS_TCP_TIME_WAIT ? TCP_TIMEWAIT_LEN_MS : timeo_ms);
}

/* A12: the entry expires silently. */
void
tcp_tw_timer(struct bs_tcp_ep *ep, struct tcp_tw *tw)
{
	tcp_tw_free(ep, tw);
}

/* tcp_timewait_check_oow_rate_limit: ACK, unless one went out less than
 * tcp_invalid_ratelimit ago (segments with data are always answered). */
static int
tw_ack(struct bs_tcp_ep *ep, struct tcp_tw *tw, const struct bs_tcp_seg *s,
		uint32_t end, struct rte_mbuf *m, enum bs_counter skipped,
		struct bs_tcp_verdict *v)
{
	bool data = end != s->seq && !(s->flags & BS_TCP_SYN);

	if (!data && tcb_oow_limited(ep, &tw->last_oow, skipped)) {
		v->action = BS_TCP_DISCARD;
		v->reason = BS_DROP_TCP_TIMEWAIT;
		return BS_TCP_EP_VERDICT;
	}
	tw_send_ack(ep, tw, m);
	return BS_TCP_EP_DONE;
}

int
tcp_tw_rcv(struct bs_tcp_ep *ep, struct tcp_tw *tw, struct rte_mbuf *m,
		const struct bs_tcp_seg *s, const struct bs_tcp_l2 *l2,
		struct bs_tcp_verdict *v)
{
	uint32_t end = s->seq + s->len + !!(s->flags & BS_TCP_SYN) + !!(s->flags & BS_TCP_FIN);
	uint32_t rcv_nxt = tw->rcv_nxt;
	bool paws_reject = false;
	struct tcp_opts o;

	(void)l2;
	v->action = BS_TCP_DISCARD;
	tcp_parse_opts(s, &o);
	if (o.ts && (tw->fl & TCB_TS) && (int32_t)(tw->ts_recent - o.tsval) > 0) {
		/* tcp_paws_reject: lenient for an RST after TCP_PAWS_MSL. */
		paws_reject = !((s->flags & BS_TCP_RST) &&
			(uint16_t)(ep->now_ms / 1000 - tw->ts_recent_stamp) >= TCP_PAWS_MSL);
	}

	if (tw->substate == BS_TCP_FIN_WAIT2) {
		/* X19, and every other out-of-window segment: an ACK. */
		if (paws_reject || !tcp_in_window(s->seq, end, rcv_nxt,
				rcv_nxt + ((uint32_t)tw->rcv_wnd << tw->wscale)))
			return tw_ack(ep, tw, s, end, m, BS_CNT_TCPACKSkippedFinWait2, v);
		if (s->flags & BS_TCP_RST) {	/* X18 */
			tcp_tw_free(ep, tw);
			v->reason = BS_DROP_TCP_RESET;
			return BS_TCP_EP_VERDICT;
		}
		if ((s->flags & BS_TCP_SYN) && !SEQ_LT(s->seq, rcv_nxt)) {	/* D6 */
			tcp_tw_free(ep, tw);
			bs_tcp_reply_verdict(s, BS_RST_REASON_TCP_TIMEWAIT_SOCKET, v);
			return BS_TCP_EP_VERDICT;
		}
		if (!(s->flags & BS_TCP_ACK) || !SEQ_GT(end, rcv_nxt) || end == s->seq) {
			v->reason = BS_DROP_TCP_TIMEWAIT;	/* duplicate */
			return BS_TCP_EP_VERDICT;
		}
		if (!(s->flags & BS_TCP_FIN) || end != rcv_nxt + 1) {	/* D5 */
			tcp_tw_free(ep, tw);
			bs_tcp_reply_verdict(s, BS_RST_REASON_TCP_TIMEWAIT_SOCKET, v);
			return BS_TCP_EP_VERDICT;
		}
		/* The peer's FIN: real TIME_WAIT. */
		tw->substate = BS_TCP_TIME_WAIT;
		tw->rcv_nxt = end;
		if (o.ts) {
			tw->ts_recent = o.tsval;
			tw->ts_recent_stamp = (uint16_t)(ep->now_ms / 1000);
		}
		tw_arm(ep, tw, TCP_TIMEWAIT_LEN_MS);
		tw_send_ack(ep, tw, m);
		return BS_TCP_EP_DONE;
	}

	/* TIME_WAIT proper (RFC 1122 4.2.2.13, RFC 1337). */
	if (!paws_reject && s->seq == rcv_nxt && (end == s->seq || (s->flags & BS_TCP_RST))) {
		if (s->flags & BS_TCP_RST) {
			if (!ep->k->tcp_rfc1337) {	/* X16: assassination */
				tcp_tw_free(ep, tw);
				v->reason = BS_DROP_TCP_RESET;
				return BS_TCP_EP_VERDICT;
			}
		} else {
			tw_arm(ep, tw, TCP_TIMEWAIT_LEN_MS);	/* Q33 */
		}
		if (o.ts) {
			tw->ts_recent = o.tsval;
			tw->ts_recent_stamp = (uint16_t)(ep->now_ms / 1000);
		}
		v->reason = (s->flags & BS_TCP_RST) ? BS_DROP_TCP_RESET : BS_DROP_TCP_TIMEWAIT;
		return BS_TCP_EP_VERDICT;
	}
	/* A new SYN reopens through the listener (4.4): ISN after ours. */
	if ((s->flags & (BS_TCP_SYN | BS_TCP_RST | BS_TCP_ACK)) == BS_TCP_SYN && !paws_reject &&
			(SEQ_GT(s->seq, rcv_nxt) ||
			 (o.ts && (tw->fl & TCB_TS) && (int32_t)(tw->ts_recent - o.tsval) < 0))) {
		struct bs_flow f;

		tw_flow(ep, tw, &f);
		if (tcp_find_listener(ep, &f) >= 0) {
			ep->tw_isn = tw->snd_nxt + 65535 + 2;
			if (ep->tw_isn == 0)
				ep->tw_isn = 1;
			tcp_tw_free(ep, tw);
			return -1;
		}
		/* No listener: TCP_TW_SYN falls through to TCP_TW_ACK in
		 * tcp_v4_rcv, an ACK without the limiter (Q32). */
		tw_send_ack(ep, tw, m);
		return BS_TCP_EP_DONE;
	}
	if (paws_reject)
		ep_cnt(ep, BS_CNT_PAWSTimewait);
	if (!(s->flags & BS_TCP_RST)) {	/* Q31 */
		if (paws_reject || (s->flags & BS_TCP_ACK))
			tw_arm(ep, tw, TCP_TIMEWAIT_LEN_MS);
		return tw_ack(ep, tw, s, end, m, BS_CNT_TCPACKSkippedTimeWait, v);
	}
	v->reason = BS_DROP_TCP_RESET;		/* X17 */
	return BS_TCP_EP_VERDICT;
}
