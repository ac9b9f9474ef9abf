/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cookie SYN-ACK written in place (lib/tcp/tcp_synack.c) against the
 * endpoint's general path (conn_request, req_send_synack, ep_send): the
 * same SYNs, IPv4, IPv6 and on a VLAN, with and without each option, with
 * MSS values on both sides of every cookie table entry, go through the
 * worker (bs_worker_handle_burst) once with the fast path and once
 * forced to the general one (bs_tcp_ep_synack_fast), in the same
 * millisecond; the replies must be the same bytes and every counter must
 * move the same. The fast path's reply is the worker's own (its TX
 * buffer), the general path's the endpoint's (its endpoint buffer): which
 * one answered is seen. SYNs the fast path must leave alone (a request
 * entry wanted, a flow in the table, data, IP options, an IPv6 extension
 * header, a chained mbuf, overload, no listener) must be answered by the
 * endpoint. No ethdev.
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bs_config.h"
#include "bs_table.h"
#include "bs_tcp_ep.h"
#include "bs_tcp_secure.h"
#include "bs_test.h"
#include "bs_worker.h"
#include "frames.h"

#define PORT 80

static struct rte_mempool *pool;
static struct bs_config cfg;
static struct bs_ip_conf ipc = { .ttl = 61, .hop_limit = 62, .auto_flowlabels = true,
	.flow_secret = 0x12345678 };
static struct bs_addr_table addrs;

/* A worker with one port, a listener on PORT and @p tcp's settings. */
static struct bs_worker *
worker_new(const char *tcp)
{
	char text[512];

	/* A table over 16 MiB: bursts are hashed ahead (worker_flow.c) once
	 * it holds anything, so the fast path's lookup takes that hash. */
	snprintf(text, sizeof(text), "[backstop]\nmbuf_reserve = 50\n[tcp]\n"
		"connections = 64\ntcp_max_tw_buckets = 2600000\n%s\n"
		"[listener l]\nport = %u\napp = echo\n", tcp, PORT);
	return t_worker_new(pool, &cfg, &ipc, &addrs, text);
}

static void
worker_free(struct bs_worker *w)
{
	bs_tcp_ep_free(w->ep);
	rte_free(w);
}

/* The frame of @p s in one mbuf, or (@p chain) with 4 bytes of Ethernet
 * padding in a second one. */
static struct rte_mbuf *
segment(const struct tseg *s, bool chain)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t f[256];
	size_t len = t_build_segment(f, s);

	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	if (chain) {
		struct rte_mbuf *pad = rte_pktmbuf_alloc(pool);

		memset(rte_pktmbuf_append(pad, 4), 0, 4);
		rte_pktmbuf_chain(m, pad);
	}
	return m;
}

/* An IPv6 SYN with a hop-by-hop header (8 bytes: TCP, PadN) before TCP. */
static struct rte_mbuf *
segment_hbh(const struct tseg *s)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t f[256], *o;
	size_t len = t_build_segment(f, s), l3 = 14 + (s->vlan != 0 ? 4 : 0);
	static const uint8_t hbh[8] = { 6, 0, 1, 4, 0, 0, 0, 0 };
	uint16_t plen = (uint16_t)((f[l3 + 4] << 8 | f[l3 + 5]) + 8);

	o = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)(len + 8));
	memcpy(o, f, l3 + 40);
	memcpy(o + l3 + 40, hbh, 8);
	memcpy(o + l3 + 48, f + l3 + 40, len - l3 - 40);
	o[l3 + 4] = (uint8_t)(plen >> 8);
	o[l3 + 5] = (uint8_t)plen;
	o[l3 + 6] = 0;	/* next header: hop-by-hop */
	return m;
}

enum where { NONE, WORKER, ENDPOINT };

/* One run of a frame: where its reply went, its bytes, what the counters
 * did, and the endpoint's millisecond. */
struct run {
	enum where where;
	uint32_t len;
	uint8_t reply[256];
	struct bs_stats d;
	uint32_t now_ms;
};

static void
one(struct bs_worker *w, struct rte_mbuf *m, bool fast, struct run *r)
{
	struct bs_worker_port *wp = &w->ports[0];
	struct rte_mbuf *out = NULL;
	struct bs_stats before = w->stats;
	unsigned int i;

	bs_tcp_ep_synack_fast(w->ep, fast);
	bs_worker_handle_burst(w, wp, &m, 1);
	r->now_ms = bs_tcp_ep_now_ms(w->ep);
	memset(r->reply, 0, sizeof(r->reply));
	r->where = NONE;
	r->len = 0;
	if (wp->n_tx + wp->n_etx == 1) {
		out = wp->n_tx == 1 ? wp->tx[0] : wp->etx[0];
		r->where = wp->n_tx == 1 ? WORKER : ENDPOINT;
		r->len = out->pkt_len;
		if (r->len <= sizeof(r->reply))
			memcpy(r->reply, rte_pktmbuf_read(out, 0, r->len, r->reply), r->len);
	}
	CHECK(wp->n_tx + wp->n_etx <= 1, "one reply at most");
	for (i = 0; i < wp->n_tx; i++)
		rte_pktmbuf_free(wp->tx[i]);
	for (i = 0; i < wp->n_etx; i++)
		rte_pktmbuf_free(wp->etx[i]);
	wp->n_tx = 0;
	wp->n_etx = 0;
	for (i = 0; i < BS_CNT_MAX; i++)
		r->d.cnt[i] = w->stats.cnt[i] - before.cnt[i];
	for (i = 0; i < BS_RST_REASON_MAX; i++)
		r->d.rst[i] = w->stats.rst[i] - before.rst[i];
	for (i = 0; i < BS_DROP_MAX; i++)
		r->d.drop[i] = w->stats.drop[i] - before.drop[i];
}

/* Counter deltas the same? Print the first that differs. */
static void
check_counters(const struct run *a, const struct run *b, const char *what)
{
	unsigned int i;

	for (i = 0; i < BS_CNT_MAX; i++)
		if (a->d.cnt[i] != b->d.cnt[i])
			break;
	CHECK(i == BS_CNT_MAX, "%s: counter %s: %llu against %llu", what,
		i < BS_CNT_MAX ? bs_counter_name(i) : "", i < BS_CNT_MAX ?
		(unsigned long long)a->d.cnt[i] : 0ull, i < BS_CNT_MAX ?
		(unsigned long long)b->d.cnt[i] : 0ull);
	CHECK(memcmp(a->d.rst, b->d.rst, sizeof(a->d.rst)) == 0, "%s: RSTs per reason", what);
	CHECK(memcmp(a->d.drop, b->d.drop, sizeof(a->d.drop)) == 0, "%s: drops per reason",
		what);
}

static unsigned int n_fast, n_general;

/*
 * @p s with the fast path, then with the general path, in the same
 * millisecond (tried again if the clock ticked between the two): the same
 * reply and counters; @p fast: whether the fast path must answer. The
 * flows must leave no state a second SYN would find.
 */
static void
same(struct bs_worker *w, const struct tseg *s, bool fast, const char *what)
{
	struct run a, b;
	unsigned int tries;

	for (tries = 0; tries < 5; tries++) {
		one(w, segment(s, false), true, &a);
		one(w, segment(s, false), false, &b);
		if (a.now_ms == b.now_ms)
			break;
	}
	if (fast) {
		CHECK_EQ(a.where, WORKER, "%s: answered by the fast path", what);
		CHECK_EQ(b.where, ENDPOINT, "%s: forced to the general path", what);
	} else {
		/* The general path's reply either way: a SYN-ACK or ACK from
		 * the endpoint, an RST verdict written by the worker, or none. */
		CHECK_EQ(a.where, b.where, "%s: the general path's answer", what);
		CHECK(a.where != WORKER || (a.reply[(a.reply[12] == 0x81 ? 18 : 14) +
			(a.reply[12] == 0x86 || a.reply[16] == 0x86 ? 40 : 20) + 13] & 0x04),
			"%s: only an RST from the worker", what);
	}
	CHECK_BYTES(a.reply, a.len, b.reply, b.len, what);
	check_counters(&a, &b, what);
	if (fast)
		n_fast++;
	else
		n_general++;
}

/* TCP options of a test SYN: @p mss (0: none), SACK-permitted, TS with
 * @p tsval, window scale @p ws (<0: none), in Linux's layout or (@p odd)
 * another order with NOPs and an EOL. @return their length */
static uint8_t
syn_options(uint8_t *o, uint16_t mss, bool sack, bool ts, uint32_t tsval, int ws, bool odd)
{
	uint8_t n = 0;

	if (odd && ws >= 0) {
		o[n++] = 3; o[n++] = 3; o[n++] = (uint8_t)ws;
		o[n++] = 1;
	}
	if (mss != 0) {
		o[n++] = 2; o[n++] = 4; o[n++] = (uint8_t)(mss >> 8); o[n++] = (uint8_t)mss;
	}
	if (sack && !(ts && !odd)) {
		o[n++] = 1; o[n++] = 1; o[n++] = 4; o[n++] = 2;
	}
	if (ts) {
		if (sack && !odd) {
			o[n++] = 4; o[n++] = 2;
		} else {
			o[n++] = 1; o[n++] = 1;
		}
		o[n++] = 8; o[n++] = 10;
		o[n++] = (uint8_t)(tsval >> 24); o[n++] = (uint8_t)(tsval >> 16);
		o[n++] = (uint8_t)(tsval >> 8); o[n++] = (uint8_t)tsval;
		o[n++] = 0; o[n++] = 0; o[n++] = 0; o[n++] = 0;
	}
	if (!odd && ws >= 0) {
		o[n++] = 1; o[n++] = 3; o[n++] = 3; o[n++] = (uint8_t)ws;
	}
	if (odd) {
		o[n++] = 0;	/* EOL, then padding */
		while (n % 4 != 0)
			o[n++] = 0;
	}
	return n;
}

/* The SYN of test flow @p i: IPv4, IPv6 or IPv4 on VLAN 100 (@p fam 0,
 * 1, 2; priority bits set on the tag), from a source port of its own. */
static void
syn_init(struct tseg *s, unsigned int fam, unsigned int i)
{
	t_seg_init(s, fam == 1, fam == 2 ? (1u << 13 | 100) : 0);
	if (fam == 2) {
		s->src[2] = 1;
		s->dst[2] = 1;
	}
	s->dport = PORT;
	s->sport = (uint16_t)(20000 + i);
	s->src[s->v6 ? 14 : 3] = (uint8_t)(10 + i % 200);	/* never ours */
	s->seq = 0x9e3779b9u * (i + 1);
	s->flags = 0x02;
	s->tos = (uint8_t)(i & 0xff);
	s->label = i * 7919u & 0xfffff;
}

/* The option sets and MSS values of the comparison: every cookie MSS
 * table entry, each side of it, none, and the extremes. */
static const uint16_t msses[] = { 0, 1, 535, 536, 537, 1219, 1220, 1299, 1300, 1419,
	1420, 1439, 1440, 1441, 1459, 1460, 1461, 8939, 8940, 9000, 65535 };

static void
compare_options(struct bs_worker *w, unsigned int *k, const char *sysctl)
{
	char what[160];
	unsigned int fam, mi, set;

	for (fam = 0; fam < 3; fam++) {
		for (mi = 0; mi < RTE_DIM(msses); mi++) {
			for (set = 0; set < 16; set++) {
				bool sack = set & 1, ts = set & 2, odd = set & 8;
				int ws = (set & 4) ? (int)((*k + set) % 16) : -1;
				struct tseg s;

				if (odd && !(set & 7))
					continue;
				syn_init(&s, fam, (*k)++);
				s.tcp_opt_len = syn_options(s.tcp_opts, msses[mi], sack, ts,
					0x1000000u * set + *k, ws, odd);
				snprintf(what, sizeof(what), "%s %s MSS %u SACK %d TS %d WS %d%s",
					sysctl, (const char *[]){ "IPv4", "IPv6", "IPv4 VLAN" }[fam],
					msses[mi], sack, ts, ws, odd ? " (other order)" : "");
				same(w, &s, true, what);
			}
		}
	}
}

/* Option lists out of the common layouts, malformed ones included. */
static const struct {
	uint8_t len;
	uint8_t b[40];
} odd_opts[] = {
	{ 8, { 2, 4, 5, 0xb4, 2, 4, 1, 0 } },			/* MSS twice: the last */
	{ 4, { 2, 3, 5, 0 } },					/* MSS of length 3 */
	{ 8, { 2, 4, 5, 0xb4, 8, 10, 0, 0 } },			/* TS cut short */
	{ 12, { 1, 1, 8, 10, 1, 2, 3, 4, 0, 0, 0, 0 } },	/* NOP NOP TS */
	{ 4, { 3, 3, 20, 0 } },					/* window scale 20 */
	{ 4, { 4, 1, 2, 4 } },					/* length 1: stop */
	{ 8, { 0, 2, 4, 5, 0xb4, 0, 0, 0 } },			/* EOL first */
	{ 8, { 30, 4, 0, 0, 2, 4, 1, 0 } },			/* unknown, then MSS */
	{ 20, { 2, 5, 5, 0xb4, 0, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3 } },
	{ 20, { 2, 4, 5, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 2, 7 } },
	{ 16, { 2, 4, 5, 0xb4, 8, 10, 1, 2, 3, 4, 5, 6, 7, 8, 4, 2 } },
	{ 40, { 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
		1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 2, 4, 0x23, 0x28 } },
	{ 4, { 8, 10, 1, 2 } },					/* TS longer than the rest */
	{ 4, { 5, 2, 4, 2 } },					/* SACK blocks kind, empty */
};

/* A SYN with @p flags besides SYN, or payload, or IP options: the general path. */
static void
compare_other(struct bs_worker *w, unsigned int *k)
{
	unsigned int fam;

	for (fam = 0; fam < 3; fam++) {
		unsigned int i;
		struct tseg s;

		for (i = 0; i < RTE_DIM(odd_opts); i++) {
			char what[64];

			syn_init(&s, fam, (*k)++);
			memcpy(s.tcp_opts, odd_opts[i].b, odd_opts[i].len);
			s.tcp_opt_len = odd_opts[i].len;
			snprintf(what, sizeof(what), "family %u, option list %u", fam, i);
			same(w, &s, true, what);
		}
		syn_init(&s, fam, (*k)++);
		s.tcp_opt_len = syn_options(s.tcp_opts, 1460, true, true, 7, 7, false);
		s.payload = 10;
		same(w, &s, false, "SYN with data");
		s.payload = 0;
		s.flags = 0x03;
		s.seq++;
		same(w, &s, false, "SYN+FIN");
		s.flags = 0x06;
		same(w, &s, false, "SYN+RST");
		s.flags = 0x12;
		same(w, &s, false, "SYN+ACK");
		s.flags = 0x02 | 0x40 | 0x80 | 0x08;
		same(w, &s, true, "SYN with ECE, CWR, PSH");
		if (fam != 1) {
			s.flags = 0x02;
			s.ip_opt_words = 1;
			same(w, &s, false, "SYN with IPv4 options");
		}
	}
}

/* SYNs the general path must answer though the endpoint would give a
 * cookie: IPv6 extension header, chained mbuf, overload. */
static void
check_leaves(struct bs_worker *w, unsigned int *k)
{
	struct bs_worker_port *wp = &w->ports[0];
	struct rte_mbuf *held[1024], *m;
	unsigned int fam, n;
	struct run r;
	struct tseg s;

	syn_init(&s, 1, (*k)++);
	one(w, segment_hbh(&s), true, &r);
	CHECK_EQ(r.where, ENDPOINT, "IPv6 with a hop-by-hop header: the general path");
	CHECK_EQ(r.d.cnt[BS_CNT_SyncookiesSent], 1, "IPv6 hop-by-hop: a cookie");
	for (fam = 0; fam < 3; fam++) {
		syn_init(&s, fam, (*k)++);
		m = segment(&s, true);
		one(w, m, true, &r);
		CHECK_EQ(r.where, ENDPOINT, "chained mbuf (family %u): the general path", fam);
		CHECK_EQ(r.d.cnt[BS_CNT_SyncookiesSent], 1, "chained mbuf: a cookie");
	}
	/* Fewer free mbufs than [backstop] mbuf_reserve: overload, which
	 * conn_request() counts (OverloadMbufs, OverloadSyncookies). */
	n = 0;
	while (n < RTE_DIM(held) && rte_mempool_avail_count(pool) > pool->size / 4)
		held[n++] = rte_pktmbuf_alloc(pool);
	syn_init(&s, 0, (*k)++);
	one(w, segment(&s, false), true, &r);
	CHECK_EQ(r.where, ENDPOINT, "overload: the general path");
	CHECK_EQ(r.d.cnt[BS_CNT_OverloadSyncookies], 1, "overload: OverloadSyncookies");
	same(w, &s, false, "overload, both ways");
	rte_pktmbuf_free_bulk(held, n);
	/* The same SYN with room again: the fast path. */
	same(w, &s, true, "after overload");
	(void)wp;
}

/* A handshake completed with a cookie: a connection in the table; its
 * flow's SYN goes to the connection, other flows' SYNs are looked up
 * (with the burst's hash) and miss. */
static void
check_table(struct bs_worker *w, unsigned int *k)
{
	const struct bs_table *t = bs_tcp_ep_table(w->ep);
	struct run r;
	struct tseg s, a;

	syn_init(&s, 0, (*k)++);
	s.tcp_opt_len = syn_options(s.tcp_opts, 1460, true, false, 0, 7, false);
	one(w, segment(&s, false), true, &r);
	CHECK_EQ(r.where, WORKER, "the connection's SYN: the fast path");
	a = s;
	a.tcp_opt_len = 0;
	a.flags = 0x10;
	a.seq = s.seq + 1;
	a.ack = ((uint32_t)r.reply[38] << 24 | (uint32_t)r.reply[39] << 16 | (uint32_t)r.reply[40] << 8 |
		r.reply[41]) + 1;
	one(w, segment(&a, false), true, &r);
	CHECK_EQ(r.d.cnt[BS_CNT_SyncookiesRecv], 1, "the cookie ACK is accepted");
	CHECK_EQ(bs_table_count(t), 1, "a connection in the table");
	/* A SYN of that flow: the connection's (a challenge ACK). */
	one(w, segment(&s, false), true, &r);
	CHECK_EQ(r.where, ENDPOINT, "a SYN to a connection: the general path");
	CHECK_EQ(r.d.cnt[BS_CNT_SyncookiesSent], 0, "a SYN to a connection: no cookie");
	/* Other flows: looked up, missed, answered by the fast path. */
	compare_other(w, k);
}

static void
c_cookies_always(void)
{
	struct bs_worker *w = worker_new("tcp_syncookies = 2");
	unsigned int k = 0;
	struct run r;
	struct tseg s;

	compare_options(w, &k, "syncookies=2");
	compare_other(w, &k);
	check_leaves(w, &k);
	check_table(w, &k);
	/* No listener on the port: the stray path's RST. */
	syn_init(&s, 0, k++);
	s.dport = PORT + 1;
	one(w, segment(&s, false), true, &r);
	CHECK_EQ(r.where, WORKER, "no listener: the worker's RST");
	CHECK_EQ(r.d.cnt[BS_CNT_SyncookiesSent], 0, "no listener: no cookie");
	CHECK_EQ(r.reply[14 + 20 + 13], 0x14, "no listener: RST+ACK");
	printf("syncookies=2: %u SYNs answered by the fast path, %u by the general path\n",
		n_fast, n_general);
	CHECK(n_fast > 900, "most SYNs took the fast path");
	worker_free(w);
}

/* The other sysctls the SYN-ACK depends on. */
static void
c_sysctls(void)
{
	static const char *const sets[] = {
		"tcp_syncookies = 2\ntcp_timestamps = 2",
		"tcp_syncookies = 2\ntcp_timestamps = 0",
		"tcp_syncookies = 2\ntcp_sack = 0\ntcp_window_scaling = 0",
		"tcp_syncookies = 2\ntcp_rmem = 4096 32768 65536",
	};
	unsigned int i, k = 5000;

	for (i = 0; i < RTE_DIM(sets); i++) {
		struct bs_worker *w = worker_new(sets[i]);

		compare_options(w, &k, sets[i]);
		worker_free(w);
	}
	ipc.auto_flowlabels = false;
	{
		struct bs_worker *w = worker_new("tcp_syncookies = 2");

		compare_options(w, &k, "no auto flow labels");
		worker_free(w);
	}
	ipc.auto_flowlabels = true;
}

/* tcp_syncookies = 1: a request entry while the queue has room (the
 * general path), cookies once it is over the backlog (the fast path,
 * TCPReqQFullDoCookies counted). */
static void
c_cookies_on_overflow(void)
{
	struct bs_worker *w = worker_new("tcp_syncookies = 1\nsomaxconn = 4");
	const struct bs_table *t = bs_tcp_ep_table(w->ep);
	unsigned int i, k = 9000;
	struct run r;
	struct tseg s;

	for (i = 0; i < 5; i++) {
		syn_init(&s, i % 3, k++);
		one(w, segment(&s, false), true, &r);
		CHECK_EQ(r.where, ENDPOINT, "request %u: the general path", i);
		CHECK_EQ(r.d.cnt[BS_CNT_SyncookiesSent], 0, "request %u: no cookie", i);
	}
	CHECK_EQ(bs_table_count(t), 5, "five requests");
	/* Their SYNs again: the requests answer. */
	syn_init(&s, 0, 9000);
	one(w, segment(&s, false), true, &r);
	CHECK_EQ(r.where, ENDPOINT, "a request's SYN again: the general path");
	/* The queue is over its backlog: cookies. */
	for (i = 0; i < 3; i++) {
		syn_init(&s, i, k++);
		s.tcp_opt_len = syn_options(s.tcp_opts, 1400, true, true, 99, 2, false);
		same(w, &s, true, "syncookies=1, queue over backlog");
	}
	syn_init(&s, 0, k++);
	one(w, segment(&s, false), true, &r);
	CHECK_EQ(r.d.cnt[BS_CNT_TCPReqQFullDoCookies], 1, "TCPReqQFullDoCookies");
	CHECK_EQ(r.d.cnt[BS_CNT_SyncookiesSent], 1, "SyncookiesSent");
	CHECK_EQ(bs_table_count(t), 5, "no request entry for a cookie");
	worker_free(w);
}

/* bs_tcp_ep_cookie_possible() follows a reconfigured backlog: 6 pending
 * handshakes under a backlog of 8 take the general path; the listener's
 * backlog reconfigured to 4 (kept, requests and all), the next SYN is over
 * it and gets the fast path's cookie; then the listener closed. */
static void
c_cookie_possible_reconf(void)
{
	static struct bs_config cfg2;
	char text[512], err[256];
	struct bs_worker *w;
	unsigned int i, k = 9500;
	struct run r;
	struct tseg s;

	snprintf(text, sizeof(text), "[backstop]\nmbuf_reserve = 50\n[tcp]\n"
		"connections = 64\ntcp_syncookies = 1\nsomaxconn = 8\n"
		"[listener l]\nport = %u\napp = echo\n", PORT);
	w = t_worker_new(pool, &cfg, &ipc, &addrs, text);
	for (i = 0; i < 6; i++) {
		syn_init(&s, 0, k++);
		one(w, segment(&s, false), true, &r);
		CHECK_EQ(r.where, ENDPOINT, "backlog 8, request %u: the general path", i);
	}
	CHECK(!bs_tcp_ep_cookie_possible(w->ep), "6 pending, backlog 8: no cookie possible");
	bs_config_defaults(&cfg2);
	snprintf(text, sizeof(text), "[backstop]\nmbuf_reserve = 50\n[tcp]\n"
		"connections = 64\ntcp_syncookies = 1\nsomaxconn = 8\n"
		"[listener l]\nport = %u\napp = echo\nbacklog = 4\n", PORT);
	if (bs_config_parse(&cfg2, text, "test", err, sizeof(err)) != 0) {
		printf("config: %s\n", err);
		exit(1);
	}
	CHECK_EQ(bs_tcp_ep_reconf(w->ep, &cfg2), 0, "reconf: the backlog to 4");
	CHECK(bs_tcp_ep_cookie_possible(w->ep), "6 pending, backlog 4: a cookie possible");
	syn_init(&s, 0, k++);
	s.tcp_opt_len = syn_options(s.tcp_opts, 1400, true, true, 99, 2, false);
	same(w, &s, true, "backlog reconfigured under the queue");
	/* closed, its backlog no longer counts: no listener, no cookie */
	bs_tcp_ep_listener_close(w->ep, 0);
	CHECK(!bs_tcp_ep_cookie_possible(w->ep), "listener closed: no cookie possible");
	worker_free(w);
}

/* Replies of a burst, copied out of @p n buffers, which are emptied. */
static void
take_burst(struct rte_mbuf **b, uint16_t *n, uint8_t (*out)[128], uint32_t *len)
{
	unsigned int i;

	for (i = 0; i < *n; i++) {
		len[i] = RTE_MIN(b[i]->pkt_len, 128u);
		memcpy(out[i], rte_pktmbuf_read(b[i], 0, len[i], out[i]), len[i]);
		rte_pktmbuf_free(b[i]);
	}
	*n = 0;
}

/*
 * @p n SYNs in one burst with the fast path (their cookies hashed
 * together, four to a vector), then in one burst forced to the general
 * path: reply i the same bytes in both, and the counters moved the same.
 */
static void
same_burst(struct bs_worker *w, const struct tseg *s, unsigned int n, const char *what)
{
	static uint8_t fr[64][128], gr[64][128], junk[64][128];
	static struct bs_stats b0, b1, b2;
	struct bs_worker_port *wp = &w->ports[0];
	struct rte_mbuf *pkts[64];
	uint32_t fl[64], gl[64], jl[64], now[2];
	unsigned int i, tries, nf = 0, ng = 0;

	for (tries = 0; tries < 5; tries++) {
		b0 = w->stats;
		bs_tcp_ep_synack_fast(w->ep, true);
		for (i = 0; i < n; i++)
			pkts[i] = segment(&s[i], false);
		bs_worker_handle_burst(w, wp, pkts, (uint16_t)n);
		now[0] = bs_tcp_ep_now_ms(w->ep);
		nf = wp->n_tx;
		CHECK_EQ(wp->n_etx, 0, "%s: nothing from the endpoint", what);
		take_burst(wp->tx, &wp->n_tx, fr, fl);
		take_burst(wp->etx, &wp->n_etx, junk, jl);
		b1 = w->stats;
		bs_tcp_ep_synack_fast(w->ep, false);
		for (i = 0; i < n; i++)
			pkts[i] = segment(&s[i], false);
		bs_worker_handle_burst(w, wp, pkts, (uint16_t)n);
		now[1] = bs_tcp_ep_now_ms(w->ep);
		ng = wp->n_etx;
		CHECK_EQ(wp->n_tx, 0, "%s: nothing from the worker", what);
		take_burst(wp->etx, &wp->n_etx, gr, gl);
		take_burst(wp->tx, &wp->n_tx, junk, jl);
		b2 = w->stats;
		if (now[0] == now[1])
			break;
	}
	CHECK_EQ(nf, n, "%s: every SYN answered by the fast path", what);
	CHECK_EQ(ng, n, "%s: every SYN answered by the general path", what);
	for (i = 0; i < n && i < nf && i < ng; i++) {
		char w2[96];

		snprintf(w2, sizeof(w2), "%s: SYN %u of %u", what, i, n);
		CHECK_BYTES(fr[i], fl[i], gr[i], gl[i], w2);
	}
	for (i = 0; i < BS_CNT_MAX; i++)
		if (b1.cnt[i] - b0.cnt[i] != b2.cnt[i] - b1.cnt[i])
			break;
	CHECK(i == BS_CNT_MAX, "%s: counter %s", what, i < BS_CNT_MAX ? bs_counter_name(i) : "");
}

/* Bursts of every size up to 9, 31, 32 and 64, the families and options
 * mixed, with each way of hashing the CPU has. */
static void
c_bursts(void)
{
	static const char *const impls[] = { "scalar", "avx2", "avx512" };
	static const unsigned int sizes[] = { 1, 2, 3, 4, 5, 6, 7, 8, 9, 31, 32, 64 };
	struct bs_worker *w = worker_new("tcp_syncookies = 2");
	const char *was = bs_tcp_secure_simd_name();
	struct tseg s[64];
	unsigned int i, j, z, k = 20000;
	char what[96];

	for (j = 0; j < RTE_DIM(impls); j++) {
		if (bs_tcp_secure_simd(impls[j]) != 0) {
			printf("hashing %s: not on this CPU\n", impls[j]);
			continue;
		}
		for (z = 0; z < RTE_DIM(sizes); z++) {
			for (i = 0; i < sizes[z]; i++) {
				unsigned int v = k + i;

				syn_init(&s[i], (v * 7 + z) % 3, k++);
				s[i].tcp_opt_len = syn_options(s[i].tcp_opts,
					msses[v % RTE_DIM(msses)], v & 1, v & 2, v * 977,
					(v & 4) ? (int)(v % 15) : -1, (v & 8) && (v & 7));
			}
			snprintf(what, sizeof(what), "%s, a burst of %u", impls[j], sizes[z]);
			same_burst(w, s, sizes[z], what);
		}
	}
	bs_tcp_secure_simd(was);
	worker_free(w);
}

int
main(int argc, char **argv)
{
	unsigned int in_use;

	(void)argc;
	pool = t_eal_pool(argv[0], "synack", 512, 1023);
	if (pool == NULL)
		return 1;
	in_use = rte_mempool_in_use_count(pool);
	c_cookies_always();
	c_sysctls();
	c_cookies_on_overflow();
	c_cookie_possible_reconf();
	c_bursts();
	CHECK_EQ(rte_mempool_in_use_count(pool), in_use, "every mbuf back in the pool");
	return bs_test_done();
}
