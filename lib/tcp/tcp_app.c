/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The built-in applications (lib/config/bs_app.def), each a few lines over
 * tcp_sock.c, so every reset path can be driven by a real peer (the
 * active open is tcp_connect.c).
 */
#include <stdio.h>
#include <string.h>

#include "tcp_ep_internal.h"

/* app_state bits */
#define APS_LINE 0x01		/* half-close: a whole line has been read */
#define APS_CLOSED 0x02		/* the application has closed */
#define APS_CR 0x04		/* http: the last bytes seen were \r\n\r, \r\n, \r */

/* Bytes of an HTTP request terminator matched so far, in app_state >> 4. */
static unsigned int
http_scan(struct bs_tcb *t, const uint8_t *p, uint32_t n)
{
	static const char term[] = "\r\n\r\n";
	unsigned int k = t->app_state >> 4, reqs = 0;
	uint32_t i;

	for (i = 0; i < n; i++) {
		if (k == 0) {
			/* Nothing matched: only a '\r' starts a match, so
			 * skip to the next one (a word scan, not a byte loop). */
			const uint8_t *cr = memchr(p + i, '\r', n - i);

			if (cr == NULL)
				break;
			i = (uint32_t)(cr - p);
		}
		if (p[i] == (uint8_t)term[k])
			k++;
		else
			k = p[i] == '\r' ? 1 : 0;
		if (k == 4) {
			reqs++;
			k = 0;
		}
	}
	t->app_state = (uint8_t)((t->app_state & 0x0f) | k << 4);
	return reqs;
}

static void
app_close(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	t->app_state |= APS_CLOSED;
	tcb_close(ep, t);
}

/* The peer's FIN has been read: EOF. */
static bool
at_eof(struct bs_tcp_ep *ep, const struct bs_tcb *t)
{
	return (t->fl & TCB_PEER_FIN) && tcb_readable(ep, t) == 0;
}

/* Build @p h's text for @p pa (out of line: once per listener and
 * parameters). */
static __rte_noinline void
http_header_build(struct tcp_http_hdr *h, const struct bs_app_params *pa)
{
	int n = snprintf(h->text, sizeof(h->text), "HTTP/1.1 %u %s\r\nContent-Length: %u\r\n"
		"Connection: %s\r\n\r\n", pa->http_status,
		pa->http_status == 200 ? "OK" : "Status", pa->http_body,
		pa->http_keepalive ? "keep-alive" : "close");

	h->len = (uint8_t)(n < 0 ? 0 : RTE_MIN((size_t)n, sizeof(h->text) - 1));
	h->status = pa->http_status;
	h->body = pa->http_body;
	h->keepalive = pa->http_keepalive;
}

/*
 * The response header of @p t's listener (or client) for its http
 * parameters. Built with snprintf() once, then kept with the parameters it
 * was built from: a listener replaced by a reconfiguration, or given other
 * parameters, gets its own again. @return its text, *len its length
 */
static inline const char *
http_header(struct bs_tcp_ep *ep, const struct bs_tcb *t, uint32_t *len)
{
	const struct bs_app_params *pa = tcb_params(ep, t);
	struct tcp_http_hdr *h = (t->fl & TCB_ACTIVE) ? &ep->cli[t->owner].http :
		&ep->lsn[t->owner].http;

	if (unlikely(h->len == 0 || h->status != pa->http_status ||
			h->body != pa->http_body || h->keepalive != pa->http_keepalive))
		http_header_build(h, pa);
	*len = h->len;
	return h->text;
}

/*
 * Write what is pending of the responses, as space allows, then push (one
 * send() per response, header and body together, as linux_apps.py does);
 * close after the last one if asked. x->app_u32 counts the response bytes
 * still to write: every response is the same header and body, so the
 * position in the current one follows from it.
 */
static void
http_flush(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	const struct bs_app_params *pa = tcb_params(ep, t);
	struct tcb_ext *x = tcb_ext(ep, t);
	uint32_t h, len;
	const char *hdr = http_header(ep, t, &h);

	len = h + pa->http_body;

	while (x != NULL && x->app_u32 != 0) {
		uint32_t pos = (len - x->app_u32 % len) % len;
		int n;

		if (pos < h)	/* the header's rest and the body: one send() */
			n = tcb_write_fill(ep, t, hdr + pos, h - pos, len - h, TCB_MSG_MORE);
		else
			n = tcb_write(ep, t, NULL, len - pos, TCB_MSG_MORE);
		if (n <= 0)
			break;	/* the send buffer is full: APP_WRITABLE resumes */
		x->app_u32 -= (uint32_t)n;
	}
	tcb_push(ep, t);
	x = tcb_ext(ep, t);
	if ((x == NULL || x->app_u32 == 0) && !pa->http_keepalive &&
			!(t->app_state & APS_CLOSED) && (x == NULL || x->snd_bytes != 0 ||
			t->snd_nxt != t->iss + 1))
		app_close(ep, t);
}

/* http: @p reqs more complete requests, one response each. */
static void
http_respond(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int reqs)
{
	const struct bs_app_params *pa = tcb_params(ep, t);
	struct tcb_ext *x;
	uint32_t h;

	if (reqs == 0 || (x = tcb_ext_get(ep, t)) == NULL)
		return;
	http_header(ep, t, &h);
	x->app_u32 += reqs * (h + pa->http_body);
}

/* accept(): off the listener's accept queue. */
static void
app_accept(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	if (!(t->fl & TCB_ACTIVE) && !(t->fl & TCB_ACCEPTED)) {
		t->fl |= TCB_ACCEPTED;
		if (ep->lsn[t->owner].n_accept > 0)
			ep->lsn[t->owner].n_accept--;
	}
}

static void on_readable(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int app);

static void
on_accept(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int app)
{
	const struct bs_app_params *pa = tcb_params(ep, t);

	if (app == BS_APP_HOLD && !(t->fl & TCB_ACTIVE)) {
		/* hold: accept() only after delay_ms; until then the
		 * connection sits on the accept queue (R2, R2b, L3). */
		tcb_app_wake(ep, t, pa->delay_ms);
		return;
	}
	app_accept(ep, t);
	if (app == BS_APP_KEEPALIVE) {
		t->fl |= TCB_KEEPALIVE;
		tcb_keepalive_arm(ep, t);
	}
	switch (app) {
	case BS_APP_BANNER:
		tcb_write(ep, t, pa->banner, (uint32_t)strlen(pa->banner), 0);
		app_close(ep, t);
		break;
	case BS_APP_CLOSE_UNREAD:
		tcb_app_wake(ep, t, pa->delay_ms);
		break;
	case BS_APP_ABORT:
		tcb_app_wake(ep, t, pa->delay_ms);	/* then SO_LINGER {1, 0} */
		break;
	default:
		break;
	}
	/* What arrived while the child waited on the accept queue. */
	if (t->state != BS_TCP_NONE && !(t->fl & TCB_DEAD) &&
			(tcb_readable(ep, t) != 0 || (t->fl & TCB_PEER_FIN)))
		on_readable(ep, t, app);
}

static void
on_readable(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int app)
{
	uint8_t buf[2048];
	uint32_t n;

	switch (app) {
	case BS_APP_ECHO:
		/* recv() what there is, sendall() it: one send, one push. */
		for (;;) {
			uint32_t room = RTE_MIN(tcb_write_space(ep, t), (uint32_t)sizeof(buf));

			if (room == 0 && tcb_readable(ep, t) != 0)
				t->nospace = 1;	/* sendall() waits for room */
			n = room == 0 ? 0 : tcb_read(ep, t, buf, room);
			if (n == 0)
				break;
			if (tcb_write(ep, t, buf, n, TCB_MSG_MORE) < 0)
				break;
			/* Short of room: the receive queue is empty, and a
			 * recv() of it would return 0 and change nothing (the
			 * ACK it could send was due at this one). */
			if (n < room)
				break;
		}
		if (t->state != BS_TCP_NONE)
			tcb_push(ep, t);
		break;
	case BS_APP_HTTP:
		/* recv() until it returns less than asked: the queue is
		 * empty then (see echo). */
		do {
			n = tcb_read(ep, t, buf, sizeof(buf));
			if (n != 0)
				http_respond(ep, t, http_scan(t, buf, n));
		} while (n == sizeof(buf));
		http_flush(ep, t);
		if (t->state == BS_TCP_NONE)
			return;
		break;
	case BS_APP_HALF_CLOSE:
		while ((n = tcb_read(ep, t, buf, sizeof(buf))) != 0)
			if (!(t->app_state & APS_LINE) && memchr(buf, '\n', n) != NULL) {
				t->app_state |= APS_LINE;
				tcb_shutdown_wr(ep, t);
			}
		break;
	case BS_APP_HOLD:
	case BS_APP_CLOSE_UNREAD:
		return;		/* never reads */
	default:		/* discard, banner, keepalive, abort */
		tcb_read(ep, t, NULL, UINT32_MAX);
		break;
	}
	if (at_eof(ep, t) && !(t->app_state & APS_CLOSED))
		app_close(ep, t);
}

void
tcp_app_event(struct bs_tcp_ep *ep, struct bs_tcb *t, enum app_event e)
{
	unsigned int app = tcb_app(ep, t);

	if (t->fl & TCB_DEAD)
		return;
	/* Nothing reaches an application before accept() returns the child
	 * (but its own timer: hold accepts after delay_ms). */
	if (!(t->fl & (TCB_ACTIVE | TCB_ACCEPTED)) && e != APP_ACCEPTED && e != APP_TIMER)
		return;
	switch (e) {
	case APP_ACCEPTED:
		on_accept(ep, t, app);
		break;
	case APP_READABLE:
		on_readable(ep, t, app);
		break;
	case APP_WRITABLE:
		if (app == BS_APP_HTTP)
			http_flush(ep, t);
		else if (app == BS_APP_ECHO)
			on_readable(ep, t, app);
		break;
	case APP_TIMER:
		if (t->state == BS_TCP_SYN_SENT) {
			/* connect timeout: give up as close() in SYN_SENT (C4). */
			if (t->fl & TCB_ACTIVE)
				ep->cli[t->owner].st.timedout++;
			tcb_set_state(ep, t, BS_TCP_CLOSE);
			tcb_done(ep, t);
		} else if (app == BS_APP_CLOSE_UNREAD) {
			app_close(ep, t);
		} else if (app == BS_APP_ABORT) {
			t->app_state |= APS_CLOSED;
			tcb_abort_linger0(ep, t);
		} else if (app == BS_APP_HOLD) {
			app_accept(ep, t);
		}
		break;
	case APP_ERROR:
		break;
	}
}
