/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the built-in applications call: Linux socket semantics for write,
 * read, shutdown(SHUT_WR), close() with its reset rules (__tcp_close:
 * A1, A2, A9, A10), connect(AF_UNSPEC) and tcp_abort (A3, A4, A5) and the
 * end of a connection (tcp_done).
 */
#include <string.h>

#include "tcp_ep_internal.h"

void
tcb_set_error(struct bs_tcp_ep *ep, struct bs_tcb *t, int err)
{
	t->errsk = (uint8_t)err;
	if (t->fl & TCB_DEAD)
		return;		/* an orphan: no application sees it */
	switch (err) {
	case ECONNREFUSED:
		ep_cnt(ep, BS_CNT_AppECONNREFUSED);
		break;
	case ECONNRESET:
		ep_cnt(ep, BS_CNT_AppECONNRESET);
		break;
	case EPIPE:
		ep_cnt(ep, BS_CNT_AppEPIPE);
		break;
	case ETIMEDOUT:
		ep_cnt(ep, BS_CNT_AppETIMEDOUT);
		break;
	case EHOSTUNREACH:
		ep_cnt(ep, BS_CNT_AppEHOSTUNREACH);
		break;
	case ECONNABORTED:
		ep_cnt(ep, BS_CNT_AppECONNABORTED);
		break;
	default:
		break;
	}
}

/*
 * tcp_done(): CLOSE (EstabResets from ESTABLISHED and CLOSE_WAIT,
 * AttemptFails from SYN_SENT and SYN_RECV), the application told, the
 * entry freed.
 */
void
tcb_done(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	if (t->state == BS_TCP_NONE)
		return;
	if (t->state == BS_TCP_SYN_SENT || t->state == BS_TCP_SYN_RECV)
		ep_cnt(ep, BS_CNT_TcpAttemptFails);
	if (t->state == BS_TCP_ESTABLISHED || t->state == BS_TCP_CLOSE_WAIT)
		ep_cnt(ep, BS_CNT_TcpEstabResets);
	if (t->fl & TCB_ACTIVE) {
		struct bs_tcp_client_stats *cs = &ep->cli[t->owner].st;

		if (t->errsk == ECONNREFUSED)
			cs->refused++;
		else if (t->errsk == ETIMEDOUT)
			cs->timedout++;
		else if (t->errsk == EHOSTUNREACH)
			cs->unreachable++;
		else if (t->errsk != 0)
			cs->reset++;
	}
	if (t->state != BS_TCP_CLOSE)
		tcb_set_state(ep, t, BS_TCP_CLOSE);
	if (!(t->fl & TCB_DEAD) && t->errsk != 0)
		tcp_app_event(ep, t, APP_ERROR);
	tcb_free(ep, t);
}

uint32_t
tcb_write_space(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	const struct tcb_ext *x = tcb_ext(ep, t);
	uint32_t used = x != NULL ? x->snd_bytes : 0;

	return used >= ep->k->tcp_wmem[1] ? 0 : ep->k->tcp_wmem[1] - used;
}

/*
 * send() (tcp_sendmsg): queue what fits in tcp_wmem and, unless
 * TCB_MSG_MORE, push it (tcp_push): the data leaves now, so a close()
 * that follows sends its FIN in a segment of its own. A write that does
 * not fit marks the socket SOCK_NOSPACE: APP_WRITABLE comes when ACKs
 * free room. The bytes are @p len of @p buf, then @p fill filler bytes
 * (one send() of both). @return bytes, or -EPIPE
 */
int
tcb_write_fill(struct bs_tcp_ep *ep, struct bs_tcb *t, const void *buf, uint32_t len,
		uint32_t fill, unsigned int flags)
{
	const uint8_t *p = buf;
	struct tcb_ext *x;
	uint32_t done = 0, space, total = len + fill;

	if ((t->fl & TCB_SND_SHUT) || (t->state != BS_TCP_ESTABLISHED &&
			t->state != BS_TCP_CLOSE_WAIT))
		return -EPIPE;
	space = tcb_write_space(ep, t);
	/* sk_stream_memory_free under pressure: only an empty send queue
	 * takes data while memory is short (APP_WRITABLE comes with the ACK
	 * that empties it). */
	if (ep_mem_short(ep) && tcb_ext(ep, t) != NULL && tcb_ext(ep, t)->snd_head != NULL)
		space = 0;
	if (total > space)
		t->nospace = 1;
	total = RTE_MIN(total, space);
	if (total == 0)
		return 0;
	x = tcb_ext_get(ep, t);
	if (x == NULL)
		return 0;
	while (done < total) {
		struct rte_mbuf *m;
		uint32_t n;
		uint8_t *d;

		/* Fill the tail mbuf first. */
		m = x->snd_tail;
		if (m == NULL || rte_pktmbuf_tailroom(m) == 0) {
			m = rte_pktmbuf_alloc(ep->c.pool);
			if (m == NULL) {
				ep_drop_cnt(ep, BS_DROP_NOMEM);
				break;
			}
			if (x->snd_tail != NULL)
				x->snd_tail->next = m;
			else
				x->snd_head = m;
			x->snd_tail = m;
		}
		n = RTE_MIN(total - done, (uint32_t)rte_pktmbuf_tailroom(m));
		d = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
		if (done < len) {
			uint32_t c = RTE_MIN(n, len - done);

			memcpy(d, p + done, c);
			if (c < n)
				memset(d + c, 'x', n - c);
		} else {
			memset(d, 'x', n);
		}
		done += n;
	}
	x->snd_bytes += done;
	x->write_seq += done;
	if (!(flags & TCB_MSG_MORE))
		tcb_push(ep, t);
	return (int)done;
}

uint32_t
tcb_readable(struct bs_tcp_ep *ep, const struct bs_tcb *t)
{
	const struct tcb_ext *x = tcb_ext(ep, t);

	return x != NULL ? x->rcv_bytes : 0;
}

/* recv(): copy (or, with @p buf NULL, drop) up to @p len bytes; then
 * tcp_cleanup_rbuf: an owed ACK that is due goes (tcb_read_ack_due), or a
 * window that opens by two segments is announced. */
uint32_t
tcb_read(struct bs_tcp_ep *ep, struct bs_tcb *t, void *buf, uint32_t len)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	uint8_t *p = buf;
	uint32_t done = 0, before;

	if (x == NULL)
		return 0;
	if (x->rcv_head == NULL) {
		/* Nothing to read: tcp_cleanup_rbuf(sk, 0) alone. */
		if (tcb_read_ack_due(ep, t, 0))
			tcb_send_ack(ep, t, NULL);
		return 0;
	}
	before = (uint32_t)t->rcv_wnd << tcb_rcv_wscale(t);
	while (done < len && x->rcv_head != NULL) {
		struct rte_mbuf *m = x->rcv_head;
		uint32_t n = RTE_MIN(len - done, (uint32_t)m->data_len);

		if (p != NULL)
			memcpy(p + done, rte_pktmbuf_mtod(m, const uint8_t *), n);
		done += n;
		if (n == m->data_len) {
			x->rcv_head = m->next;
			m->next = NULL;
			ep_mbuf_free(m);
		} else {
			rte_pktmbuf_adj(m, (uint16_t)n);
		}
	}
	if (x->rcv_head == NULL)
		x->rcv_tail = NULL;
	x->rcv_bytes -= done;
	if (tcb_read_ack_due(ep, t, done) || (done != 0 && before < 2u * t->mss &&
			t->state == BS_TCP_ESTABLISHED &&
			x->rcv_bytes + done >= (uint32_t)2 * t->mss))
		tcb_send_ack(ep, t, NULL);
	return done;
}

/* tcp_close_state(): the next state when we send our FIN. @return false
 * when no FIN is to be sent */
static bool
close_state(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	switch (t->state) {
	case BS_TCP_ESTABLISHED:
	case BS_TCP_SYN_RECV:
		tcb_set_state(ep, t, BS_TCP_FIN_WAIT1);
		return true;
	case BS_TCP_CLOSE_WAIT:
		tcb_set_state(ep, t, BS_TCP_LAST_ACK);
		return true;
	case BS_TCP_SYN_SENT:
		tcb_set_state(ep, t, BS_TCP_CLOSE);
		return false;
	default:
		return false;
	}
}

static void
send_fin(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext_get(ep, t);

	if (x == NULL || (t->fl & TCB_SND_SHUT))
		return;
	t->fl |= TCB_SND_SHUT;
	x->write_seq++;
	tcb_push(ep, t);
}

/* shutdown(SHUT_WR) (tcp_shutdown). */
void
tcb_shutdown_wr(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	if (t->state != BS_TCP_ESTABLISHED && t->state != BS_TCP_SYN_RECV &&
			t->state != BS_TCP_CLOSE_WAIT && t->state != BS_TCP_SYN_SENT)
		return;
	if (close_state(ep, t))
		send_fin(ep, t);
}

/* The socket becomes an orphan (sock_orphan) and may be destroyed. */
static void
orphan(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	t->fl |= TCB_DEAD;
	ep->orphans++;
}

static bool
need_reset(unsigned int state)
{
	return state == BS_TCP_ESTABLISHED || state == BS_TCP_CLOSE_WAIT ||
		state == BS_TCP_FIN_WAIT1 || state == BS_TCP_FIN_WAIT2 ||
		state == BS_TCP_SYN_RECV;
}

/*
 * tcp_disconnect(): CLOSE (EstabResets from ESTABLISHED and CLOSE_WAIT, as
 * tcp_set_state counts them; SYN_SENT goes to CLOSE directly, no
 * AttemptFails), an RST-ABORT in the tcp_need_reset states (A2, A4, L3) or
 * in CLOSING/LAST_ACK with unsent data, our FIN included (A3), nothing
 * otherwise (A3b, C4). @return the socket's error (sk_err): ECONNRESET
 * after an RST and in SYN_SENT, 0 otherwise (A3b)
 */
static int
disconnect(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	unsigned int old = t->state;
	bool unsent = x != NULL && x->write_seq != t->snd_nxt;

	if (old == BS_TCP_ESTABLISHED || old == BS_TCP_CLOSE_WAIT)
		ep_cnt(ep, BS_CNT_TcpEstabResets);
	tcb_set_state(ep, t, BS_TCP_CLOSE);
	if (need_reset(old)) {
		tcb_send_rst_abort(ep, t, BS_RST_REASON_TCP_STATE);
		return ECONNRESET;
	}
	if (unsent && (old == BS_TCP_CLOSING || old == BS_TCP_LAST_ACK)) {
		tcb_send_rst_abort(ep, t, BS_RST_REASON_TCP_DISCONNECT_WITH_DATA);
		return ECONNRESET;
	}
	return old == BS_TCP_SYN_SENT ? ECONNRESET : 0;
}

/* tcp_disconnect() of a socket nobody holds any more (SO_LINGER {1, 0},
 * a listener's unaccepted child), then tcp_done. */
void
tcb_disconnect(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	if (!(t->fl & TCB_DEAD))
		orphan(ep, t);
	disconnect(ep, t);
	tcb_done(ep, t);
}

/*
 * connect(fd, {AF_UNSPEC}) by the application that holds the socket
 * (A3, A3b, A4, T51): tcp_disconnect, and the application sees sk_err
 * (SO_ERROR = ECONNRESET) unless the socket closed silently (A3b). Linux
 * leaves the socket reusable; the built-in applications let it go.
 */
void
tcb_disconnect_app(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	int err = disconnect(ep, t);

	if (err != 0)
		tcb_set_error(ep, t, err);
	tcb_done(ep, t);
}

/*
 * tcp_abort() of a connection (sock_diag SOCK_DESTROY, `ss -K`; A5, T52,
 * C4): an RST-ABORT from the tcp_need_reset states, then
 * tcp_done_with_error(): the application sees @p err, tcp_done counts
 * EstabResets (ESTABLISHED, CLOSE_WAIT) or AttemptFails (SYN_SENT,
 * SYN_RECV). An orphan goes the same way, its error seen by nobody.
 */
void
tcb_abort(struct bs_tcp_ep *ep, struct bs_tcb *t, int err)
{
	if (need_reset(t->state))
		tcb_send_rst_abort(ep, t, BS_RST_REASON_TCP_STATE);
	tcb_set_error(ep, t, err);
	tcb_done(ep, t);
}

/* close() with SO_LINGER {1, 0} (__tcp_close): unread data first (A1),
 * else tcp_disconnect and TCPAbortOnData (sic, A2, A3). */
void
tcb_abort_linger0(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	t->fl |= TCB_RCV_SHUT | TCB_SND_SHUT;
	if (tcb_readable(ep, t) != 0) {
		tcb_close(ep, t);	/* unread data wins: A1 */
		return;
	}
	ep_cnt(ep, BS_CNT_TCPAbortOnData);
	tcb_disconnect(ep, t);
}

/* close() (__tcp_close). */
void
tcb_close(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	const struct bs_app_params *pa = tcb_params(ep, t);
	unsigned int old = t->state;

	if (t->fl & TCB_DEAD)
		return;
	t->fl |= TCB_RCV_SHUT;
	if (tcb_readable(ep, t) != 0) {
		/* A1 (RFC 2525 2.17): unread data, an RST and no FIN. */
		orphan(ep, t);
		ep_cnt(ep, BS_CNT_TCPAbortOnClose);
		if (old == BS_TCP_ESTABLISHED || old == BS_TCP_CLOSE_WAIT)
			ep_cnt(ep, BS_CNT_TcpEstabResets);
		tcb_set_state(ep, t, BS_TCP_CLOSE);
		tcb_send_rst_abort(ep, t, BS_RST_REASON_TCP_ABORT_ON_CLOSE);
		tcb_done(ep, t);
		return;
	}
	if (!(t->fl & TCB_SND_SHUT) && close_state(ep, t))
		send_fin(ep, t);
	orphan(ep, t);
	if (t->state == BS_TCP_CLOSE) {
		tcb_done(ep, t);
		return;
	}
	if (t->state == BS_TCP_FIN_WAIT2) {
		if (pa->linger2 < 0) {		/* A10 */
			ep_cnt(ep, BS_CNT_TCPAbortOnLinger);
			tcb_set_state(ep, t, BS_TCP_CLOSE);
			tcb_send_rst_abort(ep, t, BS_RST_REASON_TCP_ABORT_ON_LINGER);
			tcb_done(ep, t);
			return;
		}
		{
			uint32_t tmo = tcb_fin_time_ms(ep, t);

			if (tmo > TCP_TIMEWAIT_LEN_MS) {
				tcb_arm(ep, t, TEV_FIN_WAIT2, tmo - TCP_TIMEWAIT_LEN_MS);
			} else {
				tcp_time_wait(ep, t, BS_TCP_FIN_WAIT2, tmo);
				return;
			}
		}
	}
	if (ep->orphans > ep->k->tcp_max_orphans) {	/* A9 */
		ep_cnt(ep, BS_CNT_TCPAbortOnMemory);
		tcb_set_state(ep, t, BS_TCP_CLOSE);
		tcb_send_rst_abort(ep, t, BS_RST_REASON_TCP_ABORT_ON_MEMORY);
		tcb_done(ep, t);
	}
}

/* Wake the application after @p delay_ms (APP_TIMER). */
void
tcb_app_wake(struct bs_tcp_ep *ep, struct bs_tcb *t, uint32_t delay_ms)
{
	struct tcb_ext *x = tcb_ext_get(ep, t);

	if (x == NULL)
		return;
	x->app_at = ep->now_ms + RTE_MAX(delay_ms, 1u);
	if (x->app_at == 0)
		x->app_at = 1;
	tcb_timer_update(ep, t);
}

/*
 * The socket's wake-ups (sk_data_ready, sk_state_change, sk_write_space).
 * Linux's application runs in its own context, after the segment that woke
 * it has been processed and its ACK sent or delayed; so does ours: the
 * receive path notes the event here and ep_wake_run() runs the application
 * when the segment is done. Its writes and its close() then leave after
 * the segment's own ACK, or carry it.
 */
void
tcb_wake(struct bs_tcp_ep *ep, struct bs_tcb *t, enum app_event e)
{
	uint32_t idx = ep_tcb_idx(ep, t) + 1;

	if (ep->wake != idx) {
		ep_wake_run(ep);	/* one segment wakes one connection: not reached */
		ep->wake = idx;
	}
	ep->wake_ev |= (uint8_t)(1u << e);
}

void
ep_wake_run(struct bs_tcp_ep *ep)
{
	uint8_t ev = ep->wake_ev;
	struct bs_tcb *t;

	if (ep->wake == 0)
		return;
	t = ep_tcb(ep, ep->wake - 1);
	ep->wake = 0;
	ep->wake_ev = 0;
	if (ev & (1u << APP_READABLE))
		tcp_app_event(ep, t, APP_READABLE);
	if ((ev & (1u << APP_WRITABLE)) && t->state != BS_TCP_NONE)
		tcp_app_event(ep, t, APP_WRITABLE);
	if (t->state != BS_TCP_NONE)
		tcb_ext_maybe_put(ep, t);
}
