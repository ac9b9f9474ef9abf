/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RX bursts through the worker (bs_worker_handle_burst) with a real TCP
 * endpoint whose table is large enough for the look-ahead
 * (lib/worker/worker_flow.c): once the table holds entries, every TCP
 * segment of a burst is hashed from its headers before any is handled,
 * and the endpoint looks it up with that hash. Handshakes of four flows
 * (IPv4, IPv6, IPv4 on a VLAN, IPv4 with options) are completed and
 * their data echoed in bursts mixed with stray segments: a hash that
 * disagreed with the endpoint's own (bs_table_hash of the flow) would
 * miss the pending handshake or the connection, and the ACK or the data
 * would be answered as a stray (RST) instead. No ethdev: the worker's
 * replies are read from its TX buffers.
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bs_config.h"
#include "bs_table.h"
#include "bs_tcp_ep.h"
#include "bs_test.h"
#include "bs_worker.h"
#include "frames.h"

#define N_FLOWS 4
#define PAYLOAD 5

static struct rte_mempool *pool;
static struct bs_config cfg;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct bs_addr_table addrs;

/* A connection of the test: the peer's segment template and the ISN
 * Backstop chose. */
struct flow {
	struct tseg s;
	uint32_t isn;
	const char *name;
};

static struct bs_worker *
worker_new(void)
{
	/* A table over 16 MiB (the look-ahead's threshold), cheaply: most
	 * of it for TIME_WAIT entries, the smallest objects. */
	return t_worker_new(pool, &cfg, &ipc, &addrs, "[tcp]\nconnections = 64\n"
		"tcp_max_tw_buckets = 2600000\n[listener e]\nport = 7\napp = echo\n");
}

static struct rte_mbuf *
segment(const struct tseg *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t f[256];
	size_t len = t_build_segment(f, s);

	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

/* What the worker sent in a burst: its own replies (tx: RSTs) and the
 * endpoint's frames (etx), copied out and freed. */
struct sent {
	unsigned int n_rst, n_ep;
	uint8_t rst[2 * N_FLOWS][160], ep[2 * N_FLOWS][160];
};

static void
take(struct bs_worker *w, struct sent *o)
{
	struct bs_worker_port *wp = &w->ports[0];
	unsigned int i;

	memset(o, 0, sizeof(*o));
	for (i = 0; i < wp->n_tx; i++) {
		if (o->n_rst < RTE_DIM(o->rst))
			memcpy(o->rst[o->n_rst++], rte_pktmbuf_mtod(wp->tx[i], const uint8_t *),
				RTE_MIN(wp->tx[i]->data_len, 160));
		rte_pktmbuf_free(wp->tx[i]);
	}
	for (i = 0; i < wp->n_etx; i++) {
		/* The whole frame: data may sit in further segments. */
		if (o->n_ep < RTE_DIM(o->ep) && wp->etx[i]->pkt_len <= 160) {
			memcpy(o->ep[o->n_ep], rte_pktmbuf_read(wp->etx[i], 0,
				wp->etx[i]->pkt_len, o->ep[o->n_ep]), wp->etx[i]->pkt_len);
			o->n_ep++;
		}
		rte_pktmbuf_free(wp->etx[i]);
	}
	wp->n_tx = 0;
	wp->n_etx = 0;
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The TCP header of a frame Backstop sent (no IP options in replies). */
static const uint8_t *
tcp_of(const uint8_t *f)
{
	unsigned int l2 = (f[12] == 0x81 && f[13] == 0) ? 18 : 14;

	return f + l2 + (f[l2 - 2] == 0x86 ? 40 : 20);
}

/* The endpoint frame for @p fl's port pair, or NULL. */
static const uint8_t *
ep_frame(const struct sent *o, const struct flow *fl)
{
	unsigned int i;

	for (i = 0; i < o->n_ep; i++) {
		const uint8_t *th = tcp_of(o->ep[i]);

		if ((th[0] << 8 | th[1]) == fl->s.dport && (th[2] << 8 | th[3]) == fl->s.sport)
			return th;
	}
	return NULL;
}

/* The endpoint's frame to flow @p f, checked: there, its flags (under
 * @p mask) and its ACK. @return its TCP header, or NULL */
static const uint8_t *
reply_of(const struct sent *o, const struct flow *f, uint8_t flags, uint8_t mask,
		uint32_t ack, const char *what)
{
	const uint8_t *th = ep_frame(o, f);

	CHECK(th != NULL, "%s: %s", f->name, what);
	if (th == NULL)
		return NULL;
	CHECK_EQ(th[13] & mask, flags, "%s: %s flags", f->name, what);
	CHECK_EQ(get32(th + 8), ack, "%s: %s ACK", f->name, what);
	return th;
}

/* The strays of a burst: a SYN, an ACK and a FIN to closed ports, from
 * addresses no flow uses; @p k varies them per burst. */
static unsigned int
strays(struct tseg *s, unsigned int k)
{
	unsigned int i;

	for (i = 0; i < 3; i++) {
		t_seg_init(&s[i], i == 1, 0);
		s[i].src[s[i].v6 ? 15 : 3] = (uint8_t)(100 + 3 * k + i);
		s[i].sport = (uint16_t)(50000 + k);
		s[i].dport = (uint16_t)(1000 + 10 * k + i);
		s[i].seq = 0x01000000u * (k + 1) + i;
		s[i].flags = (uint8_t[]){ 0x02, 0x10, 0x11 }[i];
		s[i].ack = s[i].flags & 0x10 ? 0x5000u + i : 0;
	}
	return 3;
}

/* Each stray got the RST of the CLOSED rules, in burst order. */
static void
check_strays(const struct sent *o, const struct tseg *s, unsigned int n, const char *what)
{
	unsigned int i;

	CHECK_EQ(o->n_rst, n, "%s: one RST per stray", what);
	for (i = 0; i < n && i < o->n_rst; i++) {
		const uint8_t *th = tcp_of(o->rst[i]);
		bool ack = s[i].flags & 0x10;

		CHECK_EQ(th[0] << 8 | th[1], s[i].dport, "%s: RST %u source port", what, i);
		CHECK_EQ(th[2] << 8 | th[3], s[i].sport, "%s: RST %u destination port", what, i);
		CHECK_EQ(th[13], ack ? 0x04 : 0x14, "%s: RST %u flags", what, i);
		CHECK_EQ(get32(th + 4), ack ? s[i].ack : 0, "%s: RST %u SEQ", what, i);
		CHECK_EQ(get32(th + 8), ack ? 0 : s[i].seq + 1, "%s: RST %u ACK", what, i);
	}
}

/* Burst @p k: the strays, then each flow's segment built by @p make. */
static void
burst(struct bs_worker *w, struct flow *fl, unsigned int k,
		void (*make)(struct flow *fl, struct tseg *s), struct sent *o)
{
	struct rte_mbuf *pkts[N_FLOWS + 3];
	struct tseg st[3], s;
	unsigned int i, n = 0, ns = strays(st, k);

	/* Strays first and between the flows' segments: the look-ahead's
	 * order must not depend on which frames reach the endpoint. */
	pkts[n++] = segment(&st[0]);
	for (i = 0; i < N_FLOWS; i++) {
		s = fl[i].s;
		make(&fl[i], &s);
		pkts[n++] = segment(&s);
		if (i == 1)
			pkts[n++] = segment(&st[1]);
	}
	pkts[n++] = segment(&st[2]);
	bs_worker_handle_burst(w, &w->ports[0], pkts, (uint16_t)n);
	CHECK_EQ(w->n_flow, 0, "burst %u: no look-ahead left between bursts", k);
	take(w, o);
	check_strays(o, st, ns, fl[0].name);
}

static void
make_syn(struct flow *fl, struct tseg *s)
{
	(void)fl;
	s->flags = 0x02;
}

static void
make_ack(struct flow *fl, struct tseg *s)
{
	s->flags = 0x10;
	s->seq = fl->s.seq + 1;
	s->ack = fl->isn + 1;
}

static void
make_data(struct flow *fl, struct tseg *s)
{
	make_ack(fl, s);
	s->flags = 0x18;
	s->payload = PAYLOAD;
}

static void
flows_init(struct flow *fl)
{
	static const char *const names[N_FLOWS] = { "IPv4", "IPv6", "IPv4 VLAN 100",
		"IPv4 options" };
	unsigned int i;

	for (i = 0; i < N_FLOWS; i++) {
		t_seg_init(&fl[i].s, i == 1, i == 2 ? 100 : 0);
		if (i == 2) {
			fl[i].s.src[2] = 1;
			fl[i].s.dst[2] = 1;
		}
		fl[i].s.ip_opt_words = i == 3 ? 1 : 0;
		fl[i].s.sport = (uint16_t)(40000 + i);
		fl[i].s.dport = 7;
		fl[i].s.seq = 0x10000000u * (i + 1);
		fl[i].name = names[i];
	}
}

static void
c_handshakes(void)
{
	struct bs_worker *w = worker_new();
	const struct bs_table *t = bs_tcp_ep_table(w->ep);
	struct flow fl[N_FLOWS];
	uint64_t deadline;
	struct sent o;
	unsigned int i;

	/* Over 16 MiB; without hugepages, in its own mapping (bs_table_create). */
	CHECK(bs_table_memory(t) > (16u << 20), "a table for the look-ahead: %zu bytes",
		bs_table_memory(t));
	flows_init(fl);
	/* 1. The SYNs: the table is empty when the burst starts. */
	burst(w, fl, 0, make_syn, &o);
	CHECK_EQ(o.n_ep, N_FLOWS, "a SYN-ACK per SYN");
	for (i = 0; i < N_FLOWS; i++) {
		const uint8_t *th = reply_of(&o, &fl[i], 0x12, 0xff, fl[i].s.seq + 1, "SYN-ACK");

		if (th != NULL)
			fl[i].isn = get32(th + 4);
	}
	CHECK_EQ(bs_table_count(t), N_FLOWS, "four pending handshakes");
	/* 2. The ACKs, looked up with the look-ahead's hashes: no reply. */
	burst(w, fl, 1, make_ack, &o);
	CHECK_EQ(o.n_ep, 0, "the handshakes complete silently");
	CHECK_EQ(w->stats.cnt[BS_CNT_TcpPassiveOpens], N_FLOWS, "TcpPassiveOpens");
	CHECK_EQ(bs_table_count(t), N_FLOWS, "four connections");
	/* 3. Data: acknowledged at once (quick ACK), then echoed by the
	 * application when the endpoint runs it. */
	burst(w, fl, 2, make_data, &o);
	CHECK_EQ(o.n_ep, N_FLOWS, "an ACK per connection");
	for (i = 0; i < N_FLOWS; i++)
		reply_of(&o, &fl[i], 0x10, 0xff, fl[i].s.seq + 1 + PAYLOAD, "ACK of the data");
	/* accept() returns the children on the endpoint's timer (a tick of
	 * 1 ms): poll for up to 200 ms. */
	for (deadline = rte_rdtsc() + rte_get_tsc_hz() / 5; rte_rdtsc() < deadline;) {
		bs_tcp_ep_poll(w->ep, rte_rdtsc());
		if (w->ports[0].n_etx >= N_FLOWS)
			break;
	}
	take(w, &o);
	CHECK_EQ(o.n_ep, N_FLOWS, "an echo per connection");
	for (i = 0; i < N_FLOWS; i++) {
		static const uint8_t want[PAYLOAD] = { 'A', 'B', 'C', 'D', 'E' };
		const uint8_t *th = reply_of(&o, &fl[i], 0x10, 0x10, fl[i].s.seq + 1 + PAYLOAD,
			"echo");

		if (th == NULL)
			continue;
		CHECK_EQ(get32(th + 4), fl[i].isn + 1, "%s: echo SEQ", fl[i].name);
		CHECK_BYTES(th + (th[12] >> 4) * 4, PAYLOAD, want, PAYLOAD, fl[i].name);
	}
	CHECK_EQ(w->stats.rst[BS_RST_REASON_NO_SOCKET], 9, "RSTs: the strays only");
	/* 4. One frame outside any burst: no stale look-ahead. */
	{
		struct tseg s = fl[0].s;

		make_data(&fl[0], &s);
		s.seq += PAYLOAD;
		bs_worker_handle(w, &w->ports[0], segment(&s));
		take(w, &o);
		CHECK_EQ(o.n_rst, 0, "data after the burst: no RST");
		CHECK_EQ(o.n_ep, 1, "data after the burst: echoed");
	}
	bs_tcp_ep_free(w->ep);
	rte_free(w);
}

int
main(int argc, char **argv)
{
	unsigned int in_use;

	(void)argc;
	pool = t_eal_pool(argv[0], "wburst", 512, 1023);
	if (pool == NULL)
		return 1;
	in_use = rte_mempool_in_use_count(pool);
	c_handshakes();
	CHECK_EQ(rte_mempool_in_use_count(pool), in_use, "every mbuf back in the pool");
	return bs_test_done();
}
