/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The stateless flood (paced by the TSC, or flat out) with every reply
 * checked as it arrives; the same segments written to a pcap file, and a
 * pcap file of replies checked against them.
 */
#include <string.h>
#include <sys/time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "gen.h"

#define RX_BURST 64

/* Receive what is there; @return frames received */
static uint16_t
flood_rx(struct gen_port *p, const struct gen_opts *o, struct bs_gen_track *t,
		struct gen_result *res)
{
	struct rte_mbuf *pkts[RX_BURST];
	uint16_t n = gen_port_rx(p, pkts, RX_BURST), i;
	uint64_t now = rte_get_tsc_cycles();

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m = pkts[i];

		if (!gen_arp_input(p, &o->flow, m, res))
			bs_gen_track_reply(t, rte_pktmbuf_mtod(m, const uint8_t *),
				m->data_len, now);
		rte_pktmbuf_free(m);
	}
	res->rx += n;
	return n;
}

/* Send up to @p want segments from index t->sent. @return sent */
static uint16_t
flood_tx(struct gen_port *p, const struct gen_opts *o, struct bs_gen_track *t,
		struct gen_result *res, unsigned int want)
{
	struct rte_mbuf *pkts[256];
	struct bs_gen_seg segs[256];
	uint16_t n, i;
	uint64_t now;

	if (rte_pktmbuf_alloc_bulk(p->mp, pkts, want) != 0)
		return 0;
	for (i = 0; i < want; i++) {
		uint8_t *buf = rte_pktmbuf_mtod(pkts[i], uint8_t *);
		uint32_t len;

		bs_gen_seg(&o->flow, t->sent + i, &segs[i]);
		len = bs_gen_seg_frame(&o->flow, &segs[i], buf);
		pkts[i]->data_len = (uint16_t)len;
		pkts[i]->pkt_len = len;
	}
	now = rte_get_tsc_cycles();
	n = rte_eth_tx_burst(p->id, 0, pkts, (uint16_t)want);
	for (i = 0; i < n; i++)
		bs_gen_track_sent(t, &segs[i], now);
	if (n < want) {
		/* The queue is full: the same indices go again next turn. */
		res->tx_full += want - n;
		rte_pktmbuf_free_bulk(pkts + n, want - n);
	}
	res->tx += n;
	return n;
}

int
gen_flood(struct gen_port *p, const struct gen_opts *o, struct gen_result *res)
{
	static struct bs_gen_track t;
	uint64_t hz = rte_get_tsc_hz(), t0, now, end, drain, last_tx, limit;
	bool sending = true;

	if (bs_gen_track_init(&t, &o->flow, o->ring_log2, 20) != 0)
		return -1;
	res->t = &t;
	limit = o->count != 0 ? o->count : UINT64_MAX;
	t0 = last_tx = rte_get_tsc_cycles();
	end = o->duration > 0 ? t0 + (uint64_t)(o->duration * (double)hz) : UINT64_MAX;
	drain = UINT64_MAX;
	for (;;) {
		unsigned int want = 0;
		uint16_t moved;

		now = rte_get_tsc_cycles();
		if (sending && (now >= end || t.sent >= limit || gen_stop)) {
			sending = false;
			drain = now + (uint64_t)o->drain_ms * hz / 1000;
		}
		if (!sending && now >= drain)
			break;
		if (sending) {
			uint64_t allowed = limit - t.sent;

			if (o->rate != 0) {
				/* Pacing: what the rate allows since the start. */
				uint64_t due = (uint64_t)((double)(now - t0) * (double)o->rate /
					(double)hz) + 1;

				allowed = RTE_MIN(allowed, due > t.sent ? due - t.sent : 0);
			}
			want = (unsigned int)RTE_MIN(allowed, (uint64_t)o->burst);
		}
		moved = want != 0 ? flood_tx(p, o, &t, res, want) : 0;
		if (moved != 0)
			last_tx = rte_get_tsc_cycles();
		moved += flood_rx(p, o, &t, res);
		if (moved != 0)
			res->busy_cycles += rte_get_tsc_cycles() - now;
	}
	res->send_cycles = last_tx - t0;
	res->run_cycles = rte_get_tsc_cycles() - t0;
	bs_gen_track_finish(&t);
	return 0;
}

int
gen_pcap_write(const struct gen_opts *o, struct gen_result *res)
{
	static struct bs_gen_track t;	/* counts what was written */
	struct bs_gen_pcap pc;
	struct bs_gen_seg s;
	uint8_t buf[BS_GEN_FRAME_MAX];
	struct timeval tv;
	uint64_t i, us;

	if (bs_gen_track_init(&t, &o->flow, 10, 1) != 0)
		return -1;
	res->t = &t;
	if (bs_gen_pcap_create(&pc, o->file) != 0) {
		fprintf(stderr, "backstop-gen: %s: cannot create\n", o->file);
		return -1;
	}
	gettimeofday(&tv, NULL);
	us = (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
	for (i = 0; i < o->count; i++) {
		bs_gen_seg(&o->flow, i, &s);
		if (bs_gen_pcap_write(&pc, buf, bs_gen_seg_frame(&o->flow, &s, buf),
				us + i) != 0) {
			fprintf(stderr, "backstop-gen: %s: write error\n", o->file);
			bs_gen_pcap_close(&pc);
			return -1;
		}
		bs_gen_track_sent(&t, &s, 0);
		res->tx++;
	}
	memset(t.await, 0, (t.ring / 64 + 1) * sizeof(uint64_t));
	t.lost = 0;	/* nothing is due from a file */
	if (bs_gen_pcap_close(&pc) != 0) {
		fprintf(stderr, "backstop-gen: %s: write error\n", o->file);
		return -1;
	}
	return 0;
}

int
gen_pcap_check(const struct gen_opts *o, struct gen_result *res)
{
	static struct bs_gen_track t;
	struct bs_gen_pcap pc;
	struct bs_gen_seg s;
	uint8_t buf[2048];
	unsigned int log2 = 10;
	uint64_t i;
	int n;

	while (log2 < 34 && (UINT64_C(1) << log2) < o->count)
		log2++;
	if (bs_gen_track_init(&t, &o->flow, log2, 10) != 0)
		return -1;
	res->t = &t;
	for (i = 0; i < o->count; i++) {
		bs_gen_seg(&o->flow, i, &s);
		bs_gen_track_sent(&t, &s, 0);
	}
	if (bs_gen_pcap_open(&pc, o->file) != 0) {
		fprintf(stderr, "backstop-gen: %s: not a readable Ethernet pcap file\n", o->file);
		return -1;
	}
	while ((n = bs_gen_pcap_next(&pc, buf, sizeof(buf))) > 0) {
		res->rx++;
		bs_gen_track_reply(&t, buf, (uint32_t)n, 0);
	}
	bs_gen_pcap_close(&pc);
	if (n < 0) {
		fprintf(stderr, "backstop-gen: %s: truncated or bad record\n", o->file);
		return -1;
	}
	bs_gen_track_finish(&t);
	memset(&t.lat, 0, sizeof(t.lat));	/* no clock in a file */
	return 0;
}
