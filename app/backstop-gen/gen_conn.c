/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateful clients. Connection c's 4-tuple is position c of the
 * flow's tuple order and its ISN a hash of c, so a segment from the server
 * names its connection and nothing per connection is allocated on the
 * way:
 *  - http / echo: short connections in --concurrency slots (connection c
 *    in slot c % concurrency): SYN, the ACK with the request, the whole
 *    response compared byte for byte, FIN, the server's FIN acknowledged;
 *  - hold: --conns connections, one byte of state each, opened, held idle
 *    for --duration, then reset.
 * Every segment from the server is checked (MACs, addresses, checksums,
 * TTL); a SYN-ACK must acknowledge our SYN and carry an MSS option.
 *
 * Loss: --loss drops a share of our own segments before they leave (a
 * hash of the seed and the segment's number decides), and a short
 * connection sends its SYN, its request or its FIN again when it stays
 * unanswered for --rto-ms, the wait doubling each time, until the
 * connection's --timeout-ms without progress. A server's FIN that comes
 * again after the slot has been freed gets its ACK, as TIME_WAIT gives it.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "gen.h"

#define RX_BURST 64
#define TX_BURST 64
#define MSS 1460
#define SYN_TRIES 4	/* hold: rounds of SYNs again without a new connection */

enum conn_state {
	C_FREE = 0,
	C_SYN_SENT,
	C_EST,		/* request sent */
};

/* conn.fl */
#define CF_FIN_SENT 0x01
#define CF_FIN_RCVD 0x02
#define CF_FIN_ACKED 0x04
#define CF_BAD 0x08
#define CF_REQ_ACKED 0x10

/* A short connection's slot. */
struct conn {
	uint64_t idx;
	uint64_t t_start;
	uint64_t t_last;	/* last progress */
	uint64_t t_rtx;		/* when to send again what is unanswered */
	uint64_t rto;		/* the wait before that, cycles */
	uint32_t iss;
	uint32_t irs;
	uint32_t rcvd;		/* response bytes received in order */
	uint8_t state;
	uint8_t fl;
};

struct cctx {
	struct gen_port *p;
	const struct gen_opts *o;
	const struct bs_gen_flow *f;
	struct gen_result *res;
	struct gen_conn_stats *st;
	struct conn *slots;
	uint8_t *hold;		/* hold: enum conn_state per connection */
	uint64_t started;	/* connections 0 .. started - 1 began */
	uint64_t limit;		/* connections to start */
	uint64_t timeout;	/* cycles */
	uint64_t rto;		/* --rto-ms, cycles */
	uint64_t loss;		/* --loss: drop a segment whose hash is below */
	uint64_t syn_tsc;	/* hold: when the last batch of SYNs left */
	uint64_t last_done;	/* when the last connection completed */
	uint64_t last_rx;	/* when a segment last came */
	uint8_t req[1024];
	uint32_t req_len;
	char hdr[160];		/* http: the response header */
	uint32_t hdr_len;
	uint32_t resp_len;
	uint16_t n_tx;
	struct rte_mbuf *tx[TX_BURST];
};

static uint32_t
conn_iss(const struct cctx *x, uint64_t c)
{
	return (uint32_t)bs_gen_mix64(x->f->seed ^ (c * UINT64_C(0xd6e8feb86659fd93)));
}

static bool
conn_v6(const struct cctx *x, uint64_t c)
{
	return x->f->family == 6 ||
		(x->f->family == 0 && (bs_gen_mix64(c ^ x->f->seed) & 1) != 0);
}

static void
tx_flush(struct cctx *x)
{
	uint16_t n = 0;

	while (n < x->n_tx) {
		uint16_t k = rte_eth_tx_burst(x->p->id, 0, x->tx + n, x->n_tx - n);

		if (k == 0 && n == 0)
			x->res->tx_full += x->n_tx;
		n += k;
		if (gen_stop && k == 0) {
			rte_pktmbuf_free_bulk(x->tx + n, x->n_tx - n);
			break;
		}
	}
	x->res->tx += n;
	x->n_tx = 0;
}

/* Queue one segment of connection c. */
static void
conn_send(struct cctx *x, uint64_t c, uint8_t flags, uint32_t seq, uint32_t ack,
		const uint8_t *data, uint16_t len)
{
	static const uint8_t mss_opt[4] = { 2, 4, MSS >> 8, MSS & 0xff };
	struct bs_gen_hdr h = {
		.v6 = conn_v6(x, c),
		.flags = flags,
		.win = 65535,
		.len = len,
		.seq = seq,
		.ack = ack,
		.data = data,
	};
	struct rte_mbuf *m;
	uint32_t src_idx, d = bs_be32(x->f->dst4), n;

	x->st->segs_out++;
	if (x->loss != 0 && bs_gen_mix64(x->f->seed ^ ~x->st->segs_out) < x->loss) {
		x->st->dropped++;
		return;
	}
	if (flags & BS_TCP_SYN) {
		h.opt = mss_opt;
		h.opt_len = sizeof(mss_opt);
	}
	bs_gen_tuple(x->f, c, &src_idx, &h.sport, &h.dport);
	bs_gen_src_addr(x->f, h.v6, src_idx, h.src);
	if (h.v6)
		memcpy(h.dst, x->f->dst6, 16);
	else
		memcpy(h.dst, &d, 4);
	m = rte_pktmbuf_alloc(x->p->mp);
	if (m == NULL) {
		tx_flush(x);
		m = rte_pktmbuf_alloc(x->p->mp);
		if (m == NULL)
			return;
	}
	n = bs_gen_tcp_write(x->f, &h, rte_pktmbuf_mtod(m, uint8_t *));
	m->data_len = (uint16_t)n;
	m->pkt_len = n;
	x->tx[x->n_tx++] = m;
	if (x->n_tx == TX_BURST)
		tx_flush(x);
}

/* A wrong segment from the server (@p mismatch), or a connection that
 * failed: counted, and the first few kept as text. */
static void
conn_note(struct cctx *x, uint64_t c, const char *what, bool mismatch)
{
	struct gen_result *r = x->res;

	r->mismatches += mismatch;
	if (r->n_errs < BS_GEN_ERRS)
		snprintf(r->errs[r->n_errs++], sizeof(r->errs[0]), "connection %" PRIu64 ": %s",
			c, what);
}

static void
conn_err(struct cctx *x, uint64_t c, const char *what)
{
	conn_note(x, c, what, true);
}

/* The response byte at offset k. */
static uint8_t
resp_byte(const struct cctx *x, uint32_t k)
{
	if (x->o->mode == GEN_ECHO)
		return x->req[k];
	return k < x->hdr_len ? (uint8_t)x->hdr[k] : (uint8_t)'x';
}

static void
slot_free(struct cctx *x, struct conn *s, bool ok, uint64_t now)
{
	if (ok) {
		x->st->completed++;
		x->last_done = now;
		bs_gen_hist_add(&x->st->complete, now - s->t_start);
	} else {
		x->st->failed++;
	}
	s->state = C_FREE;
}

static void
conn_start(struct cctx *x, uint64_t now)
{
	uint64_t c = x->started++;
	struct conn *s = &x->slots[c % x->o->concurrency];

	memset(s, 0, sizeof(*s));
	s->idx = c;
	s->t_start = s->t_last = now;
	s->rto = x->rto;
	s->t_rtx = now + s->rto;
	s->iss = conn_iss(x, c);
	s->state = C_SYN_SENT;
	x->st->started++;
	conn_send(x, c, BS_TCP_SYN, s->iss, 0, NULL, 0);
}

static bool
synack_ok(struct cctx *x, uint64_t c, uint32_t iss, const struct bs_gen_reply *r)
{
	if (r->flags != (BS_TCP_SYN | BS_TCP_ACK) || r->ack != iss + 1) {
		conn_err(x, c, r->flags & BS_TCP_RST ? "reset in SYN_SENT" :
			"SYN_SENT: not a SYN-ACK of our SYN");
		return false;
	}
	if (r->doff < 24 || r->opt[0] != 2 || r->win == 0) {
		conn_err(x, c, "SYN-ACK without an MSS option first, or window 0");
		return false;
	}
	return true;
}

/* The server's data: in order, compared with the response; @return true
 * if an ACK is due */
static bool
conn_data(struct cctx *x, struct conn *s, const struct bs_gen_reply *r)
{
	uint32_t off = r->seq - (s->irs + 1), k, bad = 0;

	if (r->plen == 0)
		return false;
	if (off != s->rcvd)
		return true;	/* old or out of order: ACK what we have */
	for (k = 0; k < r->plen; k++)
		if (s->rcvd + k >= x->resp_len || r->payload[k] != resp_byte(x, s->rcvd + k))
			bad++;
	if (bad != 0) {
		x->st->bad_bytes += bad;
		if (!(s->fl & CF_BAD))
			conn_err(x, s->idx, s->rcvd + r->plen > x->resp_len ?
				"response longer than expected" : "response bytes differ");
		s->fl |= CF_BAD;
	}
	s->rcvd += r->plen;
	return true;
}

static void
short_input(struct cctx *x, struct conn *s, const struct bs_gen_reply *r, uint64_t now)
{
	uint32_t snd_nxt;
	bool ack_due;

	if (r->flags & BS_TCP_RST) {
		x->st->resets++;
		conn_note(x, s->idx, "reset by the server", false);
		slot_free(x, s, false, now);
		return;
	}
	if (s->state == C_SYN_SENT) {
		if (!synack_ok(x, s->idx, s->iss, r)) {
			conn_send(x, s->idx, BS_TCP_RST, r->ack, 0, NULL, 0);
			slot_free(x, s, false, now);
			return;
		}
		x->st->syn_acks++;
		s->irs = r->seq;
		s->state = C_EST;
		s->t_last = now;
		s->rto = x->rto;
		s->t_rtx = now + s->rto;
		bs_gen_hist_add(&x->st->connect, now - s->t_start);
		/* The handshake's ACK carries the request. */
		conn_send(x, s->idx, BS_TCP_PSH | BS_TCP_ACK, s->iss + 1, s->irs + 1, x->req,
			(uint16_t)x->req_len);
		return;
	}
	snd_nxt = s->iss + 1 + x->req_len;
	if (r->flags & BS_TCP_SYN) {	/* SYN-ACK again: our ACK was lost */
		conn_send(x, s->idx, BS_TCP_PSH | BS_TCP_ACK, s->iss + 1, s->irs + 1, x->req,
			(uint16_t)x->req_len);
		return;
	}
	s->t_last = now;
	s->rto = x->rto;
	s->t_rtx = now + s->rto;
	if ((r->flags & BS_TCP_ACK) && (int32_t)(r->ack - snd_nxt) >= 0)
		s->fl |= CF_REQ_ACKED;
	if ((s->fl & CF_FIN_SENT) && (r->flags & BS_TCP_ACK) && r->ack == snd_nxt + 1)
		s->fl |= CF_FIN_ACKED;
	ack_due = conn_data(x, s, r);
	if ((r->flags & BS_TCP_FIN) && r->seq + r->plen == s->irs + 1 + s->rcvd) {
		s->fl |= CF_FIN_RCVD;	/* or its FIN again: our ACK was lost */
		ack_due = true;
	}
	if (!(s->fl & CF_FIN_SENT) && (s->rcvd >= x->resp_len || (s->fl & CF_FIN_RCVD))) {
		/* The whole response (or the server's close): our FIN. */
		conn_send(x, s->idx, BS_TCP_FIN | BS_TCP_ACK, snd_nxt,
			s->irs + 1 + s->rcvd + !!(s->fl & CF_FIN_RCVD), NULL, 0);
		s->fl |= CF_FIN_SENT;
	} else if (ack_due) {
		conn_send(x, s->idx, BS_TCP_ACK, snd_nxt + !!(s->fl & CF_FIN_SENT),
			s->irs + 1 + s->rcvd + !!(s->fl & CF_FIN_RCVD), NULL, 0);
	}
	if ((s->fl & (CF_FIN_SENT | CF_FIN_RCVD | CF_FIN_ACKED)) ==
			(CF_FIN_SENT | CF_FIN_RCVD | CF_FIN_ACKED)) {
		if (s->rcvd != x->resp_len && !(s->fl & CF_BAD)) {
			conn_err(x, s->idx, "response shorter than expected");
			s->fl |= CF_BAD;
		}
		slot_free(x, s, !(s->fl & CF_BAD), now);
	}
}

static void
hold_input(struct cctx *x, uint64_t c, const struct bs_gen_reply *r, uint64_t now)
{
	uint32_t iss = conn_iss(x, c);

	if (r->flags & BS_TCP_RST) {
		x->st->resets++;
		if (x->hold[c] == C_EST)
			x->st->established--;
		if (x->hold[c] != C_FREE)
			x->st->failed++;
		x->hold[c] = C_FREE;
		conn_note(x, c, "reset by the server", false);
		return;
	}
	if (x->hold[c] == C_FREE || !(r->flags & BS_TCP_SYN))
		return;		/* nothing else is expected while idle */
	if (!synack_ok(x, c, iss, r))
		return;
	x->st->syn_acks++;
	if (x->hold[c] == C_SYN_SENT) {
		x->hold[c] = C_EST;
		x->st->established++;
		bs_gen_hist_add(&x->st->connect, now - x->syn_tsc);
	}
	conn_send(x, c, BS_TCP_ACK, iss + 1, r->seq + 1, NULL, 0);
}

/* Which connection a segment from the server belongs to, after the
 * checks every segment gets. @return 0, or -1 (counted) */
static int
conn_of(struct cctx *x, const struct bs_gen_reply *r, uint64_t *c)
{
	const struct bs_gen_flow *f = x->f;
	uint64_t pos;

	if (bs_gen_tuple_pos(f, r->v6, r->dst, r->dport, r->sport, &pos) != 0 ||
			x->started == 0 || pos > x->started - 1) {
		conn_err(x, UINT64_MAX, "a segment for no connection");
		return -1;
	}
	*c = pos + (x->started - 1 - pos) / f->space * f->space;
	if (!r->ip_csum_ok || !r->tcp_csum_ok || r->ttl != f->ttl ||
			!rte_is_same_ether_addr(&r->eth_dst, &f->src_mac) ||
			!rte_is_same_ether_addr(&r->eth_src, &f->dst_mac) ||
			r->v6 != conn_v6(x, *c)) {
		conn_err(x, *c, "bad checksum, TTL, MAC or family");
		return -1;
	}
	return 0;
}

static void
conn_rx(struct cctx *x)
{
	struct rte_mbuf *pkts[RX_BURST];
	uint16_t n = gen_port_rx(x->p, pkts, RX_BURST), i;
	uint64_t now = rte_get_tsc_cycles(), c;
	struct bs_gen_reply r;

	if (n != 0)
		x->last_rx = now;

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (gen_arp_input(x->p, x->f, m, x->res))
			goto next;
		if (bs_gen_reply_parse(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &r) != 0)
			goto next;
		x->st->segs_in++;
		if (conn_of(x, &r, &c) != 0)
			goto next;
		if (x->hold != NULL) {
			hold_input(x, c, &r, now);
		} else {
			struct conn *s = &x->slots[c % x->o->concurrency];

			if (s->state != C_FREE && s->idx == c)
				short_input(x, s, &r, now);
			else if ((r.flags & (BS_TCP_FIN | BS_TCP_RST)) == BS_TCP_FIN)
				/* TIME_WAIT: the FIN again, our last ACK lost. */
				conn_send(x, c, BS_TCP_ACK, conn_iss(x, c) + 2 + x->req_len,
					r.seq + r.plen + 1, NULL, 0);
		}
next:
		rte_pktmbuf_free(m);
	}
	x->res->rx += n;
}

/* What a short connection has sent and not had answered, again. */
static void
conn_retransmit(struct cctx *x, struct conn *s)
{
	uint32_t snd_nxt = s->iss + 1 + x->req_len;
	uint32_t rcv_nxt = s->irs + 1 + s->rcvd + !!(s->fl & CF_FIN_RCVD);

	if (s->state == C_SYN_SENT)
		conn_send(x, s->idx, BS_TCP_SYN, s->iss, 0, NULL, 0);
	else if (!(s->fl & CF_REQ_ACKED))
		conn_send(x, s->idx, BS_TCP_PSH | BS_TCP_ACK, s->iss + 1, rcv_nxt, x->req,
			(uint16_t)x->req_len);
	else if ((s->fl & CF_FIN_SENT) && !(s->fl & CF_FIN_ACKED))
		conn_send(x, s->idx, BS_TCP_FIN | BS_TCP_ACK, snd_nxt, rcv_nxt, NULL, 0);
	else
		return;		/* the server's turn: its own timers */
	x->st->retransmits++;
}

/* Connections without progress for the timeout have failed: reset. The
 * others send again what waited --rto-ms (and then twice as long). */
static void
conn_timers(struct cctx *x, uint64_t now)
{
	unsigned int i;

	for (i = 0; i < x->o->concurrency; i++) {
		struct conn *s = &x->slots[i];

		/* t_last may be later than now, read before the receive. */
		if (s->state == C_FREE)
			continue;
		if ((int64_t)(now - s->t_last) < (int64_t)x->timeout) {
			if ((int64_t)(now - s->t_rtx) >= 0) {
				conn_retransmit(x, s);
				s->rto *= 2;
				s->t_rtx = now + s->rto;
			}
			continue;
		}
		conn_note(x, s->idx, s->state == C_SYN_SENT ? "no SYN-ACK" :
			"no progress (response or close)", false);
		conn_send(x, s->idx, BS_TCP_RST, s->state == C_SYN_SENT ? s->iss + 1 :
			s->iss + 1 + x->req_len + !!(s->fl & CF_FIN_SENT), 0, NULL, 0);
		slot_free(x, s, false, now);
	}
}

static unsigned int
active(const struct cctx *x)
{
	unsigned int i, n = 0;

	for (i = 0; i < x->o->concurrency; i++)
		n += x->slots[i].state != C_FREE;
	return n;
}

/* How many more may start now (--rate). */
static uint64_t
pace(const struct cctx *x, uint64_t t0, uint64_t now)
{
	uint64_t due;

	if (x->o->rate == 0)
		return UINT64_MAX;
	due = (uint64_t)((double)(now - t0) * (double)x->o->rate / (double)rte_get_tsc_hz()) + 1;
	return due > x->started ? due - x->started : 0;
}

static void
short_run(struct cctx *x)
{
	uint64_t hz = rte_get_tsc_hz(), t0 = rte_get_tsc_cycles(), now, end, last_exp = t0;
	uint64_t drain_end = UINT64_MAX, drain = (uint64_t)x->o->drain_ms * hz / 1000;

	end = x->o->duration > 0 ? t0 + (uint64_t)(x->o->duration * (double)hz) : UINT64_MAX;
	for (;;) {
		uint64_t n;

		now = rte_get_tsc_cycles();
		if (drain_end == UINT64_MAX && (now >= end || x->started >= x->limit || gen_stop))
			drain_end = now + x->timeout + drain;
		if (drain_end != UINT64_MAX && (now >= drain_end || active(x) == 0)) {
			/* With --loss, the server may still send a FIN again
			 * whose ACK we dropped: until --drain-ms passes with
			 * nothing received, each gets its ACK, dropped no more
			 * (TIME_WAIT's job; leaving earlier would leave it to a
			 * later run's port). */
			if (x->o->loss == 0 || now >= drain_end ||
					(int64_t)(now - x->last_rx - drain) >= 0)
				break;
			x->loss = 0;
		}
		if (drain_end == UINT64_MAX) {
			for (n = pace(x, t0, now); n > 0 && x->started < x->limit; n--) {
				if (x->slots[x->started % x->o->concurrency].state != C_FREE)
					break;
				conn_start(x, now);
			}
		}
		tx_flush(x);
		conn_rx(x);
		tx_flush(x);
		if (now - last_exp > hz / 100) {
			conn_timers(x, rte_get_tsc_cycles());
			last_exp = now;
		}
	}
	conn_timers(x, UINT64_MAX / 2);	/* still open: failed */
	tx_flush(x);
	/* The rate of completions: from the first SYN to the last close. */
	x->res->send_cycles = x->last_done > t0 ? x->last_done - t0 : 0;
	x->res->run_cycles = rte_get_tsc_cycles() - t0;
}

static void
hold_run(struct cctx *x)
{
	uint64_t hz = rte_get_tsc_hz(), t0 = rte_get_tsc_cycles(), now, wait_end = UINT64_MAX;
	uint64_t c, hold_end;
	uint64_t last_est = 0;
	unsigned int tries = 0;

	/* 1. Open them all; a SYN still unanswered goes again after the
	 * timeout (a listener whose queues are full drops SYNs, as Linux
	 * does: the client's retransmission gets in). */
	while (!gen_stop) {
		now = rte_get_tsc_cycles();
		if (x->started < x->limit) {
			uint64_t n = RTE_MIN(pace(x, t0, now), (uint64_t)TX_BURST);

			x->syn_tsc = now;	/* one clock for the batch */
			for (; n > 0 && x->started < x->limit; n--) {
				c = x->started++;
				x->hold[c] = C_SYN_SENT;
				x->st->started++;
				conn_send(x, c, BS_TCP_SYN, conn_iss(x, c), 0, NULL, 0);
			}
			if (x->started == x->limit)
				wait_end = now + x->timeout;
		}
		tx_flush(x);
		conn_rx(x);
		tx_flush(x);
		if (x->st->established == x->limit)
			break;
		if (now >= wait_end) {
			/* Rounds go on while connections come up (a listener
			 * draining its accept queue); SYN_TRIES idle ones end it. */
			if (x->st->established > last_est)
				tries = 0;
			last_est = x->st->established;
			if (++tries >= SYN_TRIES)
				break;
			x->syn_tsc = rte_get_tsc_cycles();
			for (c = 0; c < x->limit; c++) {
				if (x->hold[c] != C_SYN_SENT)
					continue;
				conn_send(x, c, BS_TCP_SYN, conn_iss(x, c), 0, NULL, 0);
				if ((c & 255) == 0) {
					tx_flush(x);
					conn_rx(x);
				}
			}
			wait_end = rte_get_tsc_cycles() + x->timeout;
		}
	}
	x->res->send_cycles = rte_get_tsc_cycles() - t0;
	/* 2. Held idle (a SYN-ACK again is acknowledged again). */
	hold_end = rte_get_tsc_cycles() + (uint64_t)(x->o->duration * (double)hz);
	while (!gen_stop && rte_get_tsc_cycles() < hold_end) {
		conn_rx(x);
		tx_flush(x);
	}
	/* 3. Reset: RST with SEQ = RCV.NXT of the server, accepted at once. */
	for (c = 0; c < x->started; c++) {
		if (x->hold[c] == C_FREE)
			continue;
		if (x->hold[c] == C_SYN_SENT) {
			x->st->failed++;
			conn_note(x, c, "no SYN-ACK", false);
		}
		conn_send(x, c, BS_TCP_RST, conn_iss(x, c) + 1, 0, NULL, 0);
		if ((c & 1023) == 0)
			conn_rx(x);
	}
	tx_flush(x);
	x->res->run_cycles = rte_get_tsc_cycles() - t0;
}

static void
requests_init(struct cctx *x)
{
	const struct gen_opts *o = x->o;
	uint32_t i;
	int n;

	if (o->mode == GEN_ECHO) {
		for (i = 0; i < o->request; i++)
			x->req[i] = (uint8_t)('A' + i % 26);
		x->req_len = o->request;
		x->resp_len = o->request;
		return;
	}
	x->req_len = (uint32_t)snprintf((char *)x->req, sizeof(x->req),
		"GET / HTTP/1.1\r\nHost: backstop\r\n\r\n");
	/* What Backstop's http application answers (lib/tcp/tcp_app.c). */
	n = snprintf(x->hdr, sizeof(x->hdr), "HTTP/1.1 %u %s\r\nContent-Length: %u\r\n"
		"Connection: %s\r\n\r\n", o->http_status, o->http_status == 200 ? "OK" : "Status",
		o->http_body, o->http_keepalive ? "keep-alive" : "close");
	x->hdr_len = (uint32_t)n;
	x->resp_len = x->hdr_len + o->http_body;
}

int
gen_conns(struct gen_port *p, const struct gen_opts *o, struct gen_result *res)
{
	static struct gen_conn_stats st;
	static struct cctx x;

	x.p = p;
	x.o = o;
	x.f = &o->flow;
	x.res = res;
	x.st = &st;
	x.timeout = (uint64_t)o->timeout_ms * rte_get_tsc_hz() / 1000;
	x.rto = (uint64_t)o->rto_ms * rte_get_tsc_hz() / 1000;
	/* A segment is dropped when a 64-bit hash falls below loss% of 2^64. */
	x.loss = o->loss == 0 ? 0 : (UINT64_MAX / 100) * o->loss;
	res->c = &st;
	requests_init(&x);
	if (o->mode == GEN_HOLD) {
		x.limit = o->conns;
		x.hold = calloc(o->conns, 1);
		if (x.hold == NULL) {
			fprintf(stderr, "backstop-gen: no memory for %" PRIu64 " connections\n",
				o->conns);
			return -1;
		}
		hold_run(&x);
		free(x.hold);
		return 0;
	}
	x.limit = o->count != 0 ? o->count : UINT64_MAX;
	x.slots = calloc(o->concurrency, sizeof(*x.slots));
	if (x.slots == NULL)
		return -1;
	short_run(&x);
	free(x.slots);
	return 0;
}
