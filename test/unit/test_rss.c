/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * RSS in software (lib/net/bs_rss.h) and the active open's source port
 * (lib/tcp/tcp_connect.c): the Toeplitz hash against Microsoft's RSS
 * verification suite (the 82599 datasheet's 7.1.2.8.3 too), the symmetry
 * of the key the ports are given, the port choice of every worker checked
 * by an independent whole-tuple hash, and segments that reach a worker RSS
 * does not give them to (TCP_WRONG_WORKER).
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "bs_config.h"
#include "bs_rss.h"
#include "bs_tcp.h"
#include "bs_tcp_ep.h"
#include "bs_test.h"
#include "frames.h"

/* Microsoft's verification key. */
static const uint8_t ms_key[40] = {
	0x6d, 0x5a, 0x56, 0xda, 0x25, 0x5b, 0x0e, 0xc2, 0x41, 0x67, 0x25, 0x3d, 0x43, 0xa3,
	0x8f, 0xb0, 0xd0, 0xca, 0x2b, 0xcb, 0xae, 0x7b, 0x30, 0xb4, 0x77, 0xcb, 0x2d, 0xa3,
	0x80, 0x30, 0xf2, 0x0c, 0x6a, 0x42, 0xb7, 0x3b, 0xbe, 0xac, 0x01, 0xfa,
};

static const struct {
	uint8_t src[4], dst[4];
	uint16_t sport, dport;
	uint32_t l3, l4;
} v4_vectors[] = {
	{ { 66, 9, 149, 187 }, { 161, 142, 100, 80 }, 2794, 1766, 0x323e8fc2, 0x51ccc178 },
	{ { 199, 92, 111, 2 }, { 65, 69, 140, 83 }, 14230, 4739, 0xd718262a, 0xc626b0ea },
	{ { 24, 19, 198, 95 }, { 12, 22, 207, 184 }, 12898, 38024, 0xd2d0a5de, 0x5c2b394a },
	{ { 38, 27, 205, 30 }, { 209, 142, 163, 6 }, 48228, 2217, 0x82989176, 0xafc7327f },
	{ { 153, 39, 163, 191 }, { 202, 188, 127, 2 }, 44251, 1303, 0x5d1809c5, 0x10e828a2 },
};

static const struct {
	uint8_t src[16], dst[16];
	uint16_t sport, dport;
	uint32_t l3, l4;
} v6_vectors[] = {
	{ /* 3ffe:2501:200:1fff::7 -> 3ffe:2501:200:3::1 */
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x1f, 0xff, [15] = 7 },
	  { 0x3f, 0xfe, 0x25, 0x01, 0x02, 0x00, 0x00, 0x03, [15] = 1 },
	  2794, 1766, 0x2cc18cd5, 0x40207d3d },
	{ /* 3ffe:501:8::260:97ff:fe40:efab -> ff02::1 */
	  { 0x3f, 0xfe, 0x05, 0x01, 0x00, 0x08, 0, 0, 0x02, 0x60, 0x97, 0xff, 0xfe, 0x40,
	    0xef, 0xab },
	  { 0xff, 0x02, [15] = 1 },
	  14230, 4739, 0x0f0c461c, 0xdde51bbf },
	{ /* 3ffe:1900:4545:3:200:f8ff:fe21:67cf -> fe80::200:f8ff:fe21:67cf */
	  { 0x3f, 0xfe, 0x19, 0x00, 0x45, 0x45, 0x00, 0x03, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21,
	    0x67, 0xcf },
	  { 0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0x02, 0x00, 0xf8, 0xff, 0xfe, 0x21, 0x67, 0xcf },
	  44251, 38024, 0x4b61e985, 0x02d1feef },
};

static void
mapped(uint8_t out[16], const uint8_t v4[4])
{
	memset(out, 0, 10);
	out[10] = 0xff;
	out[11] = 0xff;
	memcpy(out + 12, v4, 4);
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
ms_model(struct bs_rss *r, uint8_t fields)
{
	memset(r, 0, sizeof(*r));
	memcpy(r->key, ms_key, sizeof(ms_key));
	r->key_len = sizeof(ms_key);
	r->fields = fields;
	r->n_queues = 1;
}

/* The suite's vectors, through bs_toeplitz and through bs_rss_hash. */
static void
test_vectors(void)
{
	struct bs_rss r;
	uint8_t in[36], s[16], d[16];
	unsigned int i;

	ms_model(&r, BS_RSS_V4_L4 | BS_RSS_V6_L4 | BS_RSS_V4_L3 | BS_RSS_V6_L3);
	for (i = 0; i < RTE_DIM(v4_vectors); i++) {
		memcpy(in, v4_vectors[i].src, 4);
		memcpy(in + 4, v4_vectors[i].dst, 4);
		put16(in + 8, v4_vectors[i].sport);
		put16(in + 10, v4_vectors[i].dport);
		CHECK_EQ(bs_toeplitz(ms_key, 40, in, 8), v4_vectors[i].l3, "IPv4 vector %u, 2-tuple", i);
		CHECK_EQ(bs_toeplitz(ms_key, 40, in, 12), v4_vectors[i].l4, "IPv4 vector %u, 4-tuple", i);
		mapped(s, v4_vectors[i].src);
		mapped(d, v4_vectors[i].dst);
		CHECK_EQ(bs_rss_hash(&r, s, d, rte_cpu_to_be_16(v4_vectors[i].sport),
			rte_cpu_to_be_16(v4_vectors[i].dport)), v4_vectors[i].l4,
			"bs_rss_hash IPv4 vector %u", i);
	}
	for (i = 0; i < RTE_DIM(v6_vectors); i++) {
		memcpy(in, v6_vectors[i].src, 16);
		memcpy(in + 16, v6_vectors[i].dst, 16);
		put16(in + 32, v6_vectors[i].sport);
		put16(in + 34, v6_vectors[i].dport);
		CHECK_EQ(bs_toeplitz(ms_key, 40, in, 32), v6_vectors[i].l3, "IPv6 vector %u, 2-tuple", i);
		CHECK_EQ(bs_toeplitz(ms_key, 40, in, 36), v6_vectors[i].l4, "IPv6 vector %u, 4-tuple", i);
		CHECK_EQ(bs_rss_hash(&r, v6_vectors[i].src, v6_vectors[i].dst,
			rte_cpu_to_be_16(v6_vectors[i].sport), rte_cpu_to_be_16(v6_vectors[i].dport)),
			v6_vectors[i].l4, "bs_rss_hash IPv6 vector %u", i);
	}
	/* Addresses only, when the port does not hash TCP ports. */
	ms_model(&r, BS_RSS_V4_L3 | BS_RSS_V6_L3);
	mapped(s, v4_vectors[0].src);
	mapped(d, v4_vectors[0].dst);
	CHECK_EQ(bs_rss_hash(&r, s, d, 1, 2), v4_vectors[0].l3, "IPv4 addresses only");
	CHECK(!bs_rss_hashes_ports(&r, true) && !bs_rss_hashes_ports(&r, false), "no ports");
	CHECK_EQ(bs_rss_hash(&r, v6_vectors[2].src, v6_vectors[2].dst, 1, 2), v6_vectors[2].l3,
		"IPv6 addresses only");
	ms_model(&r, 0);
	CHECK_EQ(bs_rss_hash(&r, s, d, 1, 2), 0, "nothing hashed");
}

/* Linear: parts at their offsets XOR to the whole; the port's part. */
static void
test_linear(void)
{
	struct bs_rss r;
	uint8_t in[12], s[16], d[16];
	uint16_t dport;
	uint32_t h;

	memcpy(in, v4_vectors[1].src, 4);
	memcpy(in + 4, v4_vectors[1].dst, 4);
	put16(in + 8, v4_vectors[1].sport);
	put16(in + 10, v4_vectors[1].dport);
	h = bs_toeplitz_at(ms_key, 40, 0, in, 5) ^ bs_toeplitz_at(ms_key, 40, 5, in + 5, 7);
	CHECK_EQ(h, v4_vectors[1].l4, "two parts");
	ms_model(&r, BS_RSS_V4_L4 | BS_RSS_V6_L4);
	mapped(s, v4_vectors[1].src);
	mapped(d, v4_vectors[1].dst);
	dport = rte_cpu_to_be_16(v4_vectors[1].dport);
	h = bs_rss_hash(&r, s, d, rte_cpu_to_be_16(v4_vectors[1].sport), 0) ^
		bs_rss_dport_hash(&r, true, dport);
	CHECK_EQ(h, v4_vectors[1].l4, "port 0 hash XOR the port's part (IPv4)");
	dport = rte_cpu_to_be_16(v6_vectors[0].dport);
	h = bs_rss_hash(&r, v6_vectors[0].src, v6_vectors[0].dst,
		rte_cpu_to_be_16(v6_vectors[0].sport), 0) ^ bs_rss_dport_hash(&r, false, dport);
	CHECK_EQ(h, v6_vectors[0].l4, "port 0 hash XOR the port's part (IPv6)");
}

/* lib/port's key (0x6d5a repeated): both directions hash alike. */
static void
sym_model(struct bs_rss *r, uint16_t n_queues)
{
	unsigned int i;

	memset(r, 0, sizeof(*r));
	for (i = 0; i < 40; i += 2) {
		r->key[i] = 0x6d;
		r->key[i + 1] = 0x5a;
	}
	r->key_len = 40;
	r->fields = BS_RSS_V4_L3 | BS_RSS_V4_L4 | BS_RSS_V6_L3 | BS_RSS_V6_L4;
	r->n_queues = n_queues;
	r->reta_size = 128;
	for (i = 0; i < 128; i++)
		r->reta[i] = (uint16_t)(i % n_queues);
}

static void
test_symmetric(void)
{
	struct bs_rss r;
	uint8_t s[16], d[16];
	unsigned int i;

	sym_model(&r, 4);
	for (i = 0; i < RTE_DIM(v4_vectors); i++) {
		uint16_t sp = rte_cpu_to_be_16(v4_vectors[i].sport);
		uint16_t dp = rte_cpu_to_be_16(v4_vectors[i].dport);

		mapped(s, v4_vectors[i].src);
		mapped(d, v4_vectors[i].dst);
		CHECK_EQ(bs_rss_hash(&r, s, d, sp, dp), bs_rss_hash(&r, d, s, dp, sp),
			"symmetric IPv4 %u", i);
	}
	for (i = 0; i < RTE_DIM(v6_vectors); i++) {
		uint16_t sp = rte_cpu_to_be_16(v6_vectors[i].sport);
		uint16_t dp = rte_cpu_to_be_16(v6_vectors[i].dport);

		CHECK_EQ(bs_rss_hash(&r, v6_vectors[i].src, v6_vectors[i].dst, sp, dp),
			bs_rss_hash(&r, v6_vectors[i].dst, v6_vectors[i].src, dp, sp),
			"symmetric IPv6 %u", i);
	}
	CHECK_EQ(bs_rss_queue_of(&r, 0x85), 1, "queue of hash 0x85: reta[0x85 mod 128] = 5 mod 4");
	CHECK_EQ(bs_rss_queue_of(NULL, 0x85), 0, "no RSS: queue 0");
}

/* ---- the endpoint ---------------------------------------------------- */

static struct rte_mempool *pool;
static struct bs_config cfg;
static struct bs_stats st;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct rte_ether_addr port_mac;
static uint16_t last_sport;
static unsigned int n_sent;

static void
tx_cb(void *arg, unsigned int port, struct rte_mbuf *m)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	unsigned int l3 = f[12] == 0x86 ? 40 : 20;

	(void)arg;
	(void)port;
	last_sport = (uint16_t)(f[14 + l3] << 8 | f[15 + l3]);
	n_sent++;
	rte_pktmbuf_free(m);
}

static struct bs_tcp_ep *
ep_new(const struct bs_rss *rss, unsigned int worker, unsigned int n_workers)
{
	static const char text[] = "[client c]\naddress = 198.18.0.1\nport = 8080\n"
		"source = 198.18.0.2\nstart_ms = 2147483647\n";
	char err[256];
	struct bs_tcp_ep_conf c = {
		.conf = &cfg, .ip = &ipc, .pool = pool, .stats = &st, .tx = tx_cb,
		.worker = worker, .n_workers = n_workers, .socket = SOCKET_ID_ANY,
		.tsc_hz = rte_get_tsc_hz(), .port_mac = &port_mac, .rss = rss, .n_ports = 1,
	};
	struct bs_tcp_ep *ep;

	bs_config_defaults(&cfg);
	if (bs_config_parse(&cfg, text, "test", err, sizeof(err)) != 0) {
		printf("config: %s\n", err);
		exit(1);
	}
	ep = bs_tcp_ep_create(&c, err, sizeof(err));
	if (ep == NULL) {
		printf("endpoint: %s\n", err);
		exit(1);
	}
	return ep;
}

static void
flow_v4(struct bs_flow *f, uint16_t lport)
{
	static const uint8_t peer[4] = { 198, 18, 0, 1 }, us[4] = { 198, 18, 0, 2 };

	bs_flow_from_ipv4(f, peer, us, rte_cpu_to_be_16(8080), rte_cpu_to_be_16(lport));
}

static const struct bs_tcp_l2 l2_0 = { .port = 0, .rx_port = 0 };

/* Queue of the peer's segments to @p lport, hashed whole, independently
 * of bs_rss_dport_hash: 198.18.0.1:8080 -> 198.18.0.2:lport. */
static uint16_t
queue_whole(const struct bs_rss *r, uint16_t lport)
{
	uint8_t in[12] = { 198, 18, 0, 1, 198, 18, 0, 2, 0x1f, 0x90 };

	put16(in + 10, lport);
	return r->reta[bs_toeplitz(r->key, r->key_len, in, 12) % r->reta_size];
}

/* Every worker of four opens 40 connections: each source port's replies
 * land on that worker's queue, ports distinct and ephemeral. */
static void
test_port_choice(void)
{
	static uint8_t used[65536];
	struct bs_rss r;
	unsigned int k, i, spread[4] = { 0 };

	sym_model(&r, 4);
	memset(used, 0, sizeof(used));
	for (k = 0; k < 4; k++) {
		struct bs_tcp_ep *ep = ep_new(&r, k, 4);

		for (i = 0; i < 40; i++) {
			struct bs_flow f;

			flow_v4(&f, 0);
			n_sent = 0;
			CHECK_EQ(bs_tcp_ep_connect(ep, &f, &l2_0, 0), 0, "worker %u connect %u", k, i);
			CHECK_EQ(n_sent, 1, "a SYN");
			CHECK(last_sport >= 32768 && last_sport <= 60999, "port %u ephemeral",
				last_sport);
			CHECK_EQ(queue_whole(&r, last_sport), k, "worker %u port %u: its queue",
				k, last_sport);
			CHECK(!used[last_sport], "port %u used once", last_sport);
			used[last_sport] = 1;
			spread[k]++;
		}
		bs_tcp_ep_free(ep);
	}
	CHECK(spread[0] == 40 && spread[3] == 40, "every worker opened all");

	/* One queue (no RSS) with two workers: worker 0 gets everything,
	 * worker 1 can open nothing that would come back to it. */
	sym_model(&r, 1);
	for (k = 0; k < 2; k++) {
		struct bs_tcp_ep *ep = ep_new(&r, k, 2);
		struct bs_flow f;

		flow_v4(&f, 0);
		CHECK_EQ(bs_tcp_ep_connect(ep, &f, &l2_0, 0), k == 0 ? 0 : -EADDRNOTAVAIL,
			"one queue, worker %u", k);
		bs_tcp_ep_free(ep);
	}
	/* One worker: any port, no RSS check at all. */
	{
		struct bs_tcp_ep *ep = ep_new(&r, 0, 1);
		struct bs_flow f;

		flow_v4(&f, 0);
		CHECK_EQ(bs_tcp_ep_connect(ep, &f, &l2_0, 0), 0, "one worker");
		bs_tcp_ep_free(ep);
	}
	/* Addresses only: the workers the addresses do not land on fail. */
	sym_model(&r, 4);
	r.fields = BS_RSS_V4_L3 | BS_RSS_V6_L3;
	{
		uint8_t in[8] = { 198, 18, 0, 1, 198, 18, 0, 2 };
		uint16_t q = r.reta[bs_toeplitz(r.key, 40, in, 8) % 128];

		for (k = 0; k < 4; k++) {
			struct bs_tcp_ep *ep = ep_new(&r, k, 4);
			struct bs_flow f;

			flow_v4(&f, 0);
			CHECK_EQ(bs_tcp_ep_connect(ep, &f, &l2_0, 0), k == q ? 0 : -EADDRNOTAVAIL,
				"addresses-only hash, worker %u (theirs: %u)", k, q);
			bs_tcp_ep_free(ep);
		}
	}
}

/* A segment for port @p dport through the endpoint (as the worker does). */
static struct bs_tcp_verdict
input(struct bs_tcp_ep *ep, uint16_t dport)
{
	static uint8_t buf[256];
	struct bs_tcp_verdict v = { 0 };
	struct bs_tcp_seg s;
	struct rte_mbuf *m;
	struct tseg ts;
	struct bs_pkt p;
	size_t n;

	t_seg_init(&ts, false, 0);
	ts.sport = 8080;
	ts.dport = dport;
	ts.flags = 0x10;
	ts.ack = 12345;
	n = t_build_segment(buf, &ts);
	m = rte_pktmbuf_alloc(pool);
	memcpy(rte_pktmbuf_append(m, (uint16_t)n), buf, n);
	if (bs_pkt_parse(&p, rte_pktmbuf_mtod(m, uint8_t *), m->data_len, m->pkt_len,
			&port_mac, false) != 0 ||
			bs_tcp_seg_parse(&s, rte_pktmbuf_mtod_offset(m, uint8_t *, p.l2_len + p.l3_len),
			p.l4_len, m->data_len - p.l2_len - p.l3_len) != 0) {
		CHECK(0, "parse");
		rte_pktmbuf_free(m);
		return v;
	}
	if (bs_tcp_ep_input(ep, m, &p, &s, &l2_0, &v) == BS_TCP_EP_VERDICT)
		rte_pktmbuf_free(m);
	return v;
}

/* Worker 1 of 4: a segment to an ephemeral port whose queue is another
 * worker's is dropped (that worker may own the connection), one for its
 * own queue gets the CLOSED rules' RST, other ports too. */
static void
test_wrong_worker(void)
{
	struct bs_tcp_verdict v;
	struct bs_tcp_ep *ep;
	struct bs_rss r;
	uint16_t mine = 0, theirs = 0, port;

	sym_model(&r, 4);
	for (port = 40000; port < 40100 && (mine == 0 || theirs == 0); port++) {
		if (queue_whole(&r, port) == 1)
			mine = port;
		else
			theirs = port;
	}
	CHECK(mine != 0 && theirs != 0, "ports of each kind");
	ep = ep_new(&r, 1, 4);
	CHECK(!bs_tcp_ep_stray(ep, rte_cpu_to_be_16(theirs)), "client ports are looked up");
	CHECK(bs_tcp_ep_stray(ep, rte_cpu_to_be_16(23)), "port 23 stays a stray");
	v = input(ep, theirs);
	CHECK(v.action == BS_TCP_DISCARD && v.reason == BS_DROP_TCP_WRONG_WORKER,
		"another worker's port: TCP_WRONG_WORKER (action %u reason %u)", v.action,
		v.reason);
	v = input(ep, mine);
	CHECK(v.action == BS_TCP_SEND_RST && v.reason == BS_RST_REASON_NO_SOCKET,
		"this worker's port: the CLOSED rules' RST");
	v = input(ep, 23);
	CHECK(v.action == BS_TCP_SEND_RST, "not a client port: RST");
	bs_tcp_ep_free(ep);
	/* One worker: nothing to check. */
	ep = ep_new(&r, 0, 1);
	CHECK(bs_tcp_ep_stray(ep, rte_cpu_to_be_16(theirs)), "one worker: a stray port");
	bs_tcp_ep_free(ep);
}

int
main(int argc, char **argv)
{
	unsigned int in_use;

	(void)argc;
	test_vectors();
	test_linear();
	test_symmetric();
	pool = t_eal_pool(argv[0], "rss", 256, 1023);
	if (pool == NULL)
		return 1;
	memcpy(port_mac.addr_bytes, t_port_mac, 6);
	in_use = rte_mempool_in_use_count(pool);
	test_port_choice();
	test_wrong_worker();
	CHECK_EQ(rte_mempool_in_use_count(pool), in_use, "every mbuf back in the pool");
	return bs_test_done();
}
