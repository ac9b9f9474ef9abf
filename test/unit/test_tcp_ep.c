/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The TCP endpoint against shared/spec/linux-rst-matrix.md: one case per
 * in-scope row of sections 1-4 and per scenario of section 6, IPv4 and
 * IPv6. Each case builds an endpoint from configuration text, drives it
 * with crafted frames (parsed as lib/worker/worker.c parses them) on a fake
 * clock, writes the RST-REPLY of a verdict with bs_tcp_rst_write() as the
 * worker does, and asserts the exact segments sent, the counters, the reset
 * and drop reasons, and the errno the application saw. Every case also
 * checks that the mbuf pool is back to where it started.
 *
 * rows[] at the end maps each matrix row id to its case or to the reason
 * it does not apply; the last check fails if a row of the spec has neither.
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>

#include "bs_config.h"
#include "bs_tcp.h"
#include "bs_tcp_ep.h"
#include "bs_test.h"
#include "frames.h"
#include "tcp_ep_internal.h"	/* white-box cases: A10, A8, A11 */

#define MAXOUT 64
#define PEER_ISN 100u
#define SYNACK_WIN 65535u	/* min(tcp_rmem[1], 65535): W of section 6 */

/* A frame the endpoint sent, decoded byte by byte. */
struct outf {
	bool v6;
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t win;
	uint16_t sport, dport;
	uint32_t plen;
	uint8_t olen;
	bool ts;
	uint32_t tsval, tsecr;
	uint8_t nsack;
	uint32_t sack_end;	/* right edge of the first SACK block */
	uint8_t ttl;
	bool df;
	uint16_t ipid;
	bool csum_ok;
	int tx_rst;		/* bs_tcp_ep_tx_rst() while it was sent (capture) */
	const struct rte_mbuf *mbuf;	/* the buffer it was built in */
	uint32_t flen;		/* frame length */
};

static struct rte_mempool *pool;
static struct bs_config cfg;
static struct bs_stats st;
static struct bs_tcp_ep *ep;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct rte_ether_addr port_mac;
static uint64_t hz, t0;
static uint32_t now;		/* test clock, ms */
static unsigned int in_use0;
static struct outf out[MAXOUT];
static unsigned int n_out;
static int last_drop;		/* drop reason of the last segment, -1: none */
static uint16_t peer_win = 65535;	/* SEG.WND of P's segments */
static const char *case_name;

static const struct {
	const char *name;
	uint16_t port;
} apps[] = {
	{ "echo", 7 }, { "discard", 9 }, { "http", 80 }, { "banner", 21 },
	{ "hold", 5000 }, { "close-unread", 5001 }, { "abort", 5002 },
	{ "half-close", 5003 }, { "keepalive", 5004 },
};

enum { P_ECHO = 7, P_DISCARD = 9, P_HTTP = 80, P_BANNER = 21, P_HOLD = 5000, P_CLOSE_UNREAD = 5001,
	P_ABORT = 5002, P_HALF_CLOSE = 5003, P_KEEPALIVE = 5004, P_CLOSED = 23,
	P_CLIENT = 8080, CLIENT_LPORT = 50000 };

#define C(name) st.cnt[BS_CNT_##name]
#define RSTS(name) st.rst[BS_RST_REASON_##name]
#define DROPS(name) st.drop[BS_DROP_##name]

/* ---- frames out ---------------------------------------------------- */

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static void
decode(const uint8_t *f, uint32_t len, struct outf *o)
{
	uint16_t et = rd16(f + 12);
	const uint8_t *ip = f + 14, *th, *src;
	uint32_t l4, doff, sum = 0, i;

	memset(o, 0, sizeof(*o));
	o->v6 = et == 0x86dd;
	if (o->v6) {
		l4 = rd16(ip + 4);
		th = ip + 40;
		o->ttl = ip[7];
		o->df = true;
		src = ip + 8;
		for (i = 0; i < 32; i += 2)
			sum += rd16(src + i);
	} else {
		uint32_t ihl = (ip[0] & 0x0f) * 4u;

		l4 = rd16(ip + 2) - ihl;
		th = ip + ihl;
		o->ttl = ip[8];
		o->df = (ip[6] & 0x40) != 0;
		o->ipid = rd16(ip + 4);
		src = ip + 12;
		for (i = 0; i < 8; i += 2)
			sum += rd16(src + i);
	}
	CHECK(th + l4 <= f + len, "%s: frame holds the segment", case_name);
	sum += 6 + l4;
	o->csum_ok = t_csum(th, l4, sum) == 0;
	o->sport = rd16(th);
	o->dport = rd16(th + 2);
	o->seq = rd32(th + 4);
	o->ack = rd32(th + 8);
	doff = (th[12] >> 4) * 4u;
	o->flags = th[13];
	o->win = rd16(th + 14);
	o->olen = (uint8_t)(doff - 20);
	o->plen = l4 - doff;
	for (i = 20; i < doff;) {
		uint8_t k = th[i];

		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (k == 8) {
			o->ts = true;
			o->tsval = rd32(th + i + 2);
			o->tsecr = rd32(th + i + 6);
		} else if (k == 5) {
			o->nsack = (uint8_t)((th[i + 1] - 2) / 8);
			o->sack_end = rd32(th + i + 6);
		}
		i += th[i + 1];
	}
}

static void
capture(struct rte_mbuf *m)
{
	if (n_out < MAXOUT) {
		decode(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &out[n_out]);
		out[n_out].mbuf = m;
		out[n_out++].flen = m->data_len;
	} else
		CHECK(0, "%s: more than %d frames", case_name, MAXOUT);
	rte_pktmbuf_free(m);
}

static void
tx_cb(void *arg, unsigned int port, struct rte_mbuf *m)
{
	int r = bs_tcp_ep_tx_rst(ep);

	(void)arg;
	CHECK_EQ(port, 0, "%s: TX port", case_name);
	capture(m);
	/* Capture's comment: an RST the endpoint sends has its reason, any
	 * other frame none. */
	if (n_out >= 1 && n_out <= MAXOUT) {
		out[n_out - 1].tx_rst = r;
		CHECK((out[n_out - 1].flags & BS_TCP_RST) ? r >= 0 && r < BS_RST_REASON_MAX : r == -1,
			"%s: bs_tcp_ep_tx_rst %d for flags %#x", case_name, r, out[n_out - 1].flags);
	}
}

/* What the resolver says (BS_TCP_RESOLVED, BS_TCP_RESOLVING or -errno),
 * and the frames the hold callback got meanwhile. */
static int resolve_rc;
static struct rte_mbuf *held[MAXOUT];
static unsigned int n_held;

static int
resolve_cb(void *arg, struct bs_flow *f, struct bs_tcp_l2 *l2)
{
	(void)arg;
	(void)f;
	l2->port = 0;
	l2->rx_port = 0;
	l2->vlan = 0;
	memset(l2->peer.addr_bytes, 0, 6);
	if (resolve_rc == BS_TCP_RESOLVED)
		memcpy(l2->peer.addr_bytes, t_peer_mac, 6);
	return resolve_rc;
}

static void
hold_cb(void *arg, unsigned int port, struct rte_mbuf *m)
{
	(void)arg;
	CHECK_EQ(port, 0, "%s: hold port", case_name);
	if (n_held < MAXOUT)
		held[n_held++] = m;
	else
		rte_pktmbuf_free(m);
}

static void
held_free(void)
{
	while (n_held > 0)
		rte_pktmbuf_free(held[--n_held]);
}

/* ---- the endpoint of one case -------------------------------------- */

static uint64_t
tsc_at(uint32_t ms)
{
	return t0 + (uint64_t)ms * hz / 1000;
}

/* A new burst at the same millisecond, as a worker's next RX burst
 * begins: the endpoint samples the pool's free mbufs then. */
static void
new_burst(void)
{
	static uint64_t n;

	bs_tcp_ep_set_time(ep, tsc_at(now) + 1 + ++n % 63);
}

/* Advance the clock to @p ms, one millisecond at a time, as a worker
 * loop would poll. */
static void
at(uint32_t ms)
{
	while (now < ms) {
		now++;
		bs_tcp_ep_poll(ep, tsc_at(now));
	}
}

static void
adv(uint32_t d)
{
	at(now + d);
}

static void
conf_text(char *b, size_t n)
{
	size_t o = 0;
	unsigned int i;

	for (i = 0; i < RTE_DIM(apps); i++)
		o += (size_t)snprintf(b + o, n - o,
			"[listener %s4]\naddress = 198.18.0.2\nport = %u\napp = %s\n\n"
			"[listener %s6]\naddress = 2001:2::2\nport = %u\napp = %s\n\n",
			apps[i].name, apps[i].port, apps[i].name,
			apps[i].name, apps[i].port, apps[i].name);
	snprintf(b + o, n - o,
		"[client c4]\naddress = 198.18.0.1\nport = %u\nsource = 198.18.0.2\n"
		"source_port = %u\nstart_ms = 2147483647\n\n"
		"[client c6]\naddress = 2001:2::1\nport = %u\nsource = 2001:2::2\n"
		"source_port = %u\nstart_ms = 2147483647\n",
		P_CLIENT, CLIENT_LPORT, P_CLIENT, CLIENT_LPORT);
}

/* Start a case: configuration text plus overrides ("tcp.tcp_rfc1337=1",
 * "listener hold4.linger2=-1"), a fresh endpoint, zero counters. */
static void
setup(const char *name, bool v6, const char *const *ov)
{
	static char text[8192], err[256];
	static char label[128];
	struct bs_tcp_ep_conf c;

	snprintf(label, sizeof(label), "%s/%s", name, v6 ? "v6" : "v4");
	case_name = label;
	in_use0 = rte_mempool_in_use_count(pool);
	conf_text(text, sizeof(text));
	bs_config_defaults(&cfg);
	if (bs_config_parse(&cfg, text, "test", err, sizeof(err)) != 0) {
		printf("config: %s\n", err);
		exit(1);
	}
	for (; ov != NULL && *ov != NULL; ov++)
		if (bs_config_set(&cfg, *ov, err, sizeof(err)) != 0) {
			printf("%s: %s: %s\n", label, *ov, err);
			exit(1);
		}
	if (bs_config_check(&cfg, err, sizeof(err)) != 0) {
		printf("%s: config check: %s\n", label, err);
		exit(1);
	}
	memset(&st, 0, sizeof(st));
	memset(&c, 0, sizeof(c));
	c.conf = &cfg;
	c.ip = &ipc;
	c.pool = pool;
	c.stats = &st;
	c.tx = tx_cb;
	c.resolve = resolve_cb;
	c.hold = hold_cb;
	c.n_workers = 1;
	c.socket = SOCKET_ID_ANY;
	c.tsc_hz = hz;
	c.port_mac = &port_mac;
	c.n_ports = 1;
	ep = bs_tcp_ep_create(&c, err, sizeof(err));
	if (ep == NULL) {
		printf("%s: %s\n", label, err);
		exit(1);
	}
	t0 = ep->tsc0;	/* the test clock is the endpoint's, however slow the start */
	now = 0;
	bs_tcp_ep_set_time(ep, tsc_at(0));
	CHECK_EQ(bs_tcp_ep_now_ms(ep), 1, "%s: the fake clock starts at 0 ms", label);
	n_out = 0;
	last_drop = -1;
}

/* What each case produced, v4 and v6 together: checked against the rows
 * the declared lists claim (check_rows_claimed()). */
#define MAX_CASES 128
static unsigned int cur_case;
static bool seen_rst[MAX_CASES][BS_RST_REASON_MAX];
static bool seen_drop[MAX_CASES][BS_DROP_MAX];
static bool seen_cnt[MAX_CASES][BS_CNT_MAX];

static void
teardown(void)
{
	unsigned int i;

	for (i = 0; cur_case < MAX_CASES && i < BS_RST_REASON_MAX; i++)
		seen_rst[cur_case][i] |= st.rst[i] != 0;
	for (i = 0; cur_case < MAX_CASES && i < BS_DROP_MAX; i++)
		seen_drop[cur_case][i] |= st.drop[i] != 0;
	for (i = 0; cur_case < MAX_CASES && i < BS_CNT_MAX; i++)
		seen_cnt[cur_case][i] |= st.cnt[i] != 0;
	held_free();
	resolve_rc = BS_TCP_RESOLVED;
	peer_win = 65535;
	bs_tcp_ep_free(ep);
	ep = NULL;
	CHECK_EQ(rte_mempool_in_use_count(pool), in_use0, "%s: every mbuf back in the pool",
		case_name);
}

/* ---- the peer ------------------------------------------------------ */

struct peer {
	bool v6;
	uint16_t sport, dport;
	uint32_t x;		/* L's ISS, from its SYN or SYN-ACK */
	const uint8_t *opts;	/* options of every segment (TS) */
	uint8_t olen;
	uint8_t tail;		/* last payload byte ('\n' for half-close) */
	const uint8_t *data;	/* payload bytes (NULL: A-Z) */
};

static void
peer_init(struct peer *c, bool v6, uint16_t dport)
{
	memset(c, 0, sizeof(*c));
	c->v6 = v6;
	c->sport = 40000;
	c->dport = dport;
}

/* The buffer of the last segment P sent. */
static const struct rte_mbuf *last_in;

/* One segment P -> L through the worker's steps. @return frames L sent */
static unsigned int
seg_opt(struct peer *c, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len,
		const uint8_t *opts, uint8_t olen)
{
	static uint8_t buf[2048];
	unsigned int before = n_out;
	struct bs_tcp_verdict v;
	struct bs_tcp_seg s;
	struct bs_tcp_l2 l2;
	struct rte_mbuf *m;
	struct tseg ts;
	struct bs_pkt p;
	uint8_t *frame;
	size_t n;
	int rc;

	t_seg_init(&ts, c->v6, 0);
	ts.sport = c->sport;
	ts.dport = c->dport;
	ts.flags = flags;
	ts.seq = seq;
	ts.ack = ack;
	ts.win = peer_win;
	ts.payload = len;
	if (olen != 0)
		memcpy(ts.tcp_opts, opts, olen);
	ts.tcp_opt_len = olen;
	n = t_build_segment(buf, &ts);
	m = rte_pktmbuf_alloc(pool);
	CHECK(m != NULL, "%s: mbuf", case_name);
	if (m == NULL)
		return 0;
	last_in = m;
	frame = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
	memcpy(frame, buf, n);
	if (c->data != NULL)
		memcpy(frame + n - len, c->data, len);
	if (c->tail != 0 && len != 0)
		frame[n - 1] = c->tail;
	last_drop = -1;
	rc = bs_pkt_parse(&p, frame, m->data_len, m->pkt_len, &port_mac, false);
	if (rc == 0)
		rc = bs_tcp_seg_parse(&s, frame + p.l2_len + p.l3_len, p.l4_len,
			m->data_len - p.l2_len - p.l3_len);
	if (rc != 0) {
		last_drop = rc;
		st.drop[rc]++;
		rte_pktmbuf_free(m);
		return 0;
	}
	l2.port = 0;
	l2.rx_port = 0;
	l2.vlan = p.vlan;
	memcpy(l2.peer.addr_bytes, frame + 6, 6);
	if (bs_tcp_ep_input(ep, m, &p, &s, &l2, &v) == BS_TCP_EP_VERDICT) {
		if (v.action == BS_TCP_SEND_RST) {
			uint32_t l = bs_tcp_rst_write(frame, &p, &s, &v, &port_mac, &ipc, false);

			m->data_len = (uint16_t)l;
			m->pkt_len = l;
			st.rst[v.reason]++;
			capture(m);
		} else {
			last_drop = v.reason;
			st.drop[v.reason]++;
			rte_pktmbuf_free(m);
		}
	}
	return n_out - before;
}

static unsigned int
seg(struct peer *c, uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len)
{
	return seg_opt(c, flags, seq, ack, len, c->opts, c->olen);
}

#define F_FIN BS_TCP_FIN
#define F_SYN BS_TCP_SYN
#define F_RST BS_TCP_RST
#define F_PSH BS_TCP_PSH
#define F_ACK BS_TCP_ACK
#define F_URG BS_TCP_URG

static const uint8_t opt_mss[] = { 2, 4, 0x05, 0xb4 };

/* <mss 1460,sackOK,nop,nop,TS val ecr> or <mss, nop, nop, TS> */
static uint8_t syn_ts_opts[20];

static void
make_ts(uint8_t *p, uint32_t val, uint32_t ecr)
{
	p[0] = 1;
	p[1] = 1;
	p[2] = 8;
	p[3] = 10;
	p[4] = (uint8_t)(val >> 24);
	p[5] = (uint8_t)(val >> 16);
	p[6] = (uint8_t)(val >> 8);
	p[7] = (uint8_t)val;
	p[8] = (uint8_t)(ecr >> 24);
	p[9] = (uint8_t)(ecr >> 16);
	p[10] = (uint8_t)(ecr >> 8);
	p[11] = (uint8_t)ecr;
}

/* Frame @p i of this case: flags, SEQ, ACK; and that it goes back to P. */
static void
expect(unsigned int i, struct peer *c, uint8_t flags, uint32_t seq, uint32_t ack,
		const char *what)
{
	if (i >= n_out) {
		CHECK(0, "%s: %s: frame %u missing (%u sent)", case_name, what, i, n_out);
		return;
	}
	CHECK_EQ(out[i].flags, flags, "%s: %s: flags", case_name, what);
	CHECK_EQ(out[i].seq, seq, "%s: %s: SEQ", case_name, what);
	CHECK_EQ(out[i].ack, ack, "%s: %s: ACK", case_name, what);
	CHECK_EQ(out[i].sport, c->dport, "%s: %s: source port", case_name, what);
	CHECK_EQ(out[i].dport, c->sport, "%s: %s: destination port", case_name, what);
	CHECK_EQ(out[i].v6, c->v6, "%s: %s: family", case_name, what);
	CHECK(out[i].csum_ok, "%s: %s: TCP checksum", case_name, what);
}

/* An RST-REPLY (matrix 5.1): window 0, no options, no payload, DF, ID 0,
 * TTL 64. */
static void
expect_reply(unsigned int i, struct peer *c, uint8_t flags, uint32_t seq, uint32_t ack,
		const char *what)
{
	expect(i, c, flags, seq, ack, what);
	if (i >= n_out)
		return;
	CHECK_EQ(out[i].win, 0, "%s: %s: window 0", case_name, what);
	CHECK_EQ(out[i].olen, 0, "%s: %s: no options", case_name, what);
	CHECK_EQ(out[i].plen, 0, "%s: %s: no payload", case_name, what);
	CHECK_EQ(out[i].ttl, 64, "%s: %s: TTL", case_name, what);
	CHECK(out[i].df && out[i].ipid == 0, "%s: %s: DF, ID 0", case_name, what);
}

/* P's SYN, L's SYN-ACK: X learnt. */
static void
syn(struct peer *c)
{
	unsigned int n = n_out;

	CHECK_EQ(seg_opt(c, F_SYN, PEER_ISN, 0, 0, c->olen ? syn_ts_opts : opt_mss,
		c->olen ? 20 : 4), 1, "%s: SYN-ACK", case_name);
	if (n_out > n) {
		c->x = out[n].seq;
		expect(n, c, F_SYN | F_ACK, c->x, PEER_ISN + 1, "SYN-ACK");
		CHECK_EQ(out[n].win, SYNACK_WIN, "%s: SYN-ACK window", case_name);
	}
}

/* Full passive handshake; with @p accept, the application's turn comes
 * (accept() returns, the app starts). */
static void
est(struct peer *c, bool accept)
{
	syn(c);
	CHECK_EQ(seg(c, F_ACK, PEER_ISN + 1, c->x + 1, 0), 0, "%s: final ACK: no reply",
		case_name);
	if (accept)
		adv(1);
}

/* A timestamps peer: its SYN offers TS (TSval 1000), its segments carry
 * TSval @p val and echo L's TSval @p ecr. */
static uint8_t peer_ts[12];

static void
peer_ts_set(struct peer *c, uint32_t val, uint32_t ecr)
{
	make_ts(peer_ts, val, ecr);
	c->opts = peer_ts;
	c->olen = 12;
}

static unsigned int
states(unsigned int s)
{
	uint64_t n[BS_TCP_STATE_MAX];

	bs_tcp_ep_state_counts(ep, n);
	return (unsigned int)n[s];
}

static unsigned int
listener_idx(const char *app, bool v6)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(apps); i++)
		if (strcmp(apps[i].name, app) == 0)
			return 2 * i + (v6 ? 1 : 0);
	abort();
}

/* The 4-tuple of @p c as the endpoint keys it. */
static void
peer_flow(const struct peer *c, struct bs_flow *f)
{
	uint8_t r[16] = { 0 }, l[16] = { 0 };
	uint16_t rp = rte_cpu_to_be_16(c->sport), lp = rte_cpu_to_be_16(c->dport);

	if (c->v6) {
		r[0] = 0x20; r[1] = 0x01; r[3] = 0x02; r[15] = 1;
		memcpy(l, r, 16);
		l[15] = 2;
		bs_flow_from_ipv6(f, r, l, rp, lp);
	} else {
		static const uint8_t a[4] = { 198, 18, 0, 1 }, b[4] = { 198, 18, 0, 2 };

		bs_flow_from_ipv4(f, a, b, rp, lp);
	}
}

/* The connection of @p c, for the white-box cases. */
static struct bs_tcb *
tcb_of(struct peer *c)
{
	struct bs_flow f;
	uint32_t val;

	peer_flow(c, &f);
	val = bs_table_lookup(ep->table, &f, bs_table_hash(ep->table, &f));
	if (val == BS_TABLE_MISS || TCP_VAL_POOL(val) != TCP_POOL_TCB)
		return NULL;
	return ep_tcb(ep, TCP_VAL_IDX(val));
}

/* <mss 1460,sackOK,TS val @p val ecr 0,nop,nop,nop,nop> */
static void
syn_ts_set(struct peer *c, uint32_t val)
{
	static const uint8_t head[] = { 2, 4, 0x05, 0xb4, 4, 2, 8, 10 };

	memcpy(syn_ts_opts, head, sizeof(head));
	syn_ts_opts[8] = (uint8_t)(val >> 24);
	syn_ts_opts[9] = (uint8_t)(val >> 16);
	syn_ts_opts[10] = (uint8_t)(val >> 8);
	syn_ts_opts[11] = (uint8_t)val;
	memset(syn_ts_opts + 12, 0, 4);
	memset(syn_ts_opts + 16, 1, 4);
	peer_ts_set(c, val, 0);
}

/* ==== 6.1 No socket ================================================== */

/* T1-T8, N1, N2, X1, Q1 */
static void
c_closed(bool v6)
{
	struct peer c;

	setup("closed", v6, NULL);
	peer_init(&c, v6, P_CLOSED);
	CHECK_EQ(seg(&c, F_SYN, 100, 0, 0), 1, "T1");
	expect_reply(0, &c, F_RST | F_ACK, 0, 101, "T1");
	CHECK_EQ(seg(&c, F_SYN, 100, 0, 10), 1, "T2");
	expect_reply(1, &c, F_RST | F_ACK, 0, 111, "T2");
	CHECK_EQ(seg(&c, F_ACK, 100, 5555, 0), 1, "T3");
	expect_reply(2, &c, F_RST, 5555, 0, "T3");
	CHECK_EQ(seg(&c, F_FIN, 100, 0, 0), 1, "T4");
	expect_reply(3, &c, F_RST | F_ACK, 0, 101, "T4");
	CHECK_EQ(seg(&c, F_FIN | F_ACK, 100, 777, 5), 1, "T5");
	expect_reply(4, &c, F_RST, 777, 0, "T5");
	CHECK_EQ(seg(&c, 0, 100, 0, 0), 1, "T6");
	expect_reply(5, &c, F_RST | F_ACK, 0, 100, "T6");
	CHECK_EQ(seg(&c, F_FIN | F_PSH | F_URG, 100, 0, 0), 1, "T7");
	expect_reply(6, &c, F_RST | F_ACK, 0, 101, "T7");
	CHECK_EQ(seg(&c, F_RST, 100, 0, 0), 0, "T8 R");
	CHECK_EQ(last_drop, BS_DROP_NO_SOCKET, "T8: drop reason");
	CHECK_EQ(seg(&c, F_RST | F_ACK, 100, 5, 0), 0, "T8 R.");
	CHECK_EQ(RSTS(NO_SOCKET), 7, "NO_SOCKET resets");
	teardown();
}

/* T11, Q3: doff 4 never reaches the endpoint (bs_tcp_seg_parse). */
static void
c_doff(bool v6)
{
	uint8_t th[20] = { 0 };
	struct bs_tcp_seg s;

	setup("doff", v6, NULL);
	th[12] = 4 << 4;
	th[13] = F_SYN;
	CHECK_EQ(bs_tcp_seg_parse(&s, th, 20, 20), BS_DROP_PKT_TOO_SMALL, "T11: doff 4");
	/* Counted as the worker counts a TCP header it cannot parse. */
	st.drop[BS_DROP_PKT_TOO_SMALL]++;
	st.cnt[BS_CNT_TcpInErrs]++;
	teardown();
}

/* ==== 6.2 LISTEN ==================================================== */

/* T13-T18, L1, Q13, X2 */
static void
c_listen(bool v6)
{
	struct peer c;

	setup("listen", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	CHECK_EQ(seg(&c, F_ACK, 100, 5555, 0), 1, "T13");
	expect_reply(0, &c, F_RST, 5555, 0, "T13");
	CHECK_EQ(seg(&c, F_SYN | F_ACK, 100, 5555, 0), 1, "T14");
	expect_reply(1, &c, F_RST, 5555, 0, "T14");
	CHECK_EQ(seg(&c, F_FIN | F_ACK, 100, 77, 3), 1, "L1 FIN|ACK with data");
	expect_reply(2, &c, F_RST, 77, 0, "L1");
	CHECK_EQ(RSTS(TCP_FLAGS), 3, "TCP_FLAGS resets");
	CHECK_EQ(seg(&c, F_FIN, 100, 0, 0), 0, "T15 F");
	CHECK_EQ(last_drop, BS_DROP_TCP_FLAGS, "T15: drop reason");
	CHECK_EQ(seg(&c, F_FIN | F_PSH | F_URG, 100, 0, 0), 0, "T15 FPU");
	CHECK_EQ(seg(&c, 0, 100, 0, 0), 0, "T15 NULL");
	CHECK_EQ(seg(&c, F_SYN | F_FIN, 100, 0, 0), 0, "T16 SF");
	CHECK_EQ(seg(&c, F_RST, 100, 0, 0), 0, "T17 R");
	CHECK_EQ(last_drop, BS_DROP_TCP_RESET, "T17: drop reason");
	CHECK_EQ(seg(&c, F_RST | F_ACK, 100, 1, 0), 0, "T17 R.");
	CHECK_EQ(seg(&c, F_RST | F_SYN, 100, 0, 0), 0, "X2 R|SYN");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 0, "no request from a RST|SYN");
	syn(&c);	/* T18 */
	CHECK_EQ(n_out, 4, "T18: one SYN-ACK");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 1, "T18: a request");
	teardown();
}

/* L1 with SYN cookies in use: a bad cookie is SyncookiesFailed and an RST;
 * a good one makes the connection. */
static void
c_cookies(bool v6)
{
	static const char *const ov[] = { "tcp.tcp_syncookies=2", NULL };
	struct peer c;

	setup("cookies", v6, ov);
	peer_init(&c, v6, P_DISCARD);
	syn(&c);
	CHECK_EQ(C(SyncookiesSent), 1, "cookie sent");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 0, "no request kept");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1000, 0), 1, "bad cookie");
	expect_reply(1, &c, F_RST, c.x + 1000, 0, "L1 after a failed cookie");
	CHECK_EQ(C(SyncookiesFailed), 1, "SyncookiesFailed");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "good cookie");
	CHECK_EQ(C(SyncookiesRecv), 1, "SyncookiesRecv");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "established from the cookie");
	teardown();
}

/*
 * L1 across appliances behind ECMP: two endpoints sharing syncookie_secret,
 * the second started 61 s after the first. The first answers a SYN with a
 * cookie after running 61 s; the final ACK reaches the second, whose
 * listener has sent cookies of its own, and it makes the connection: the
 * cookie minute is real time, not each endpoint's uptime.
 */
static void
c_cookies_ecmp(bool v6)
{
	static const char *const ov[] = { "tcp.tcp_syncookies=2",
		"tcp.syncookie_secret=00112233445566778899aabbccddeeff", NULL };
	const uint64_t utc = 1795000000000ull;	/* 2026-11-18, a round minute */
	struct peer c, d;

	ipc.utc_ms0 = utc + 30000;		/* appliance A starts at :30 */
	ipc.tsc0 = rte_rdtsc();
	setup("cookies-ecmp-a", v6, ov);
	at(61000);				/* A's uptime minute 1; real :31 of the next */
	peer_init(&c, v6, P_DISCARD);
	syn(&c);
	CHECK_EQ(C(SyncookiesSent), 1, "A sent a cookie");
	teardown();

	ipc.utc_ms0 = utc + 91000;		/* B starts when A made the cookie */
	ipc.tsc0 = rte_rdtsc();
	setup("cookies-ecmp-b", v6, ov);
	peer_init(&d, v6, P_DISCARD);
	d.sport = (uint16_t)(c.sport + 1);
	syn(&d);
	CHECK_EQ(C(SyncookiesSent), 1, "B sent a cookie of its own");
	n_out = 0;
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "A's cookie at B");
	CHECK_EQ(C(SyncookiesRecv), 1, "B validated A's cookie");
	CHECK_EQ(C(SyncookiesFailed), 0, "no cookie failed");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "established at B");
	teardown();
	ipc.utc_ms0 = 0;
	ipc.tsc0 = 0;
}

/* Q14: SYN queue full without cookies: silent drop. */
static void
c_synq_full(bool v6)
{
	static const char *const ov[] = { "tcp.tcp_syncookies=0",
		"listener discard4.backlog=1", "listener discard6.backlog=1", NULL };
	struct peer a, b, c;

	setup("synq-full", v6, ov);
	peer_init(&a, v6, P_DISCARD);
	peer_init(&b, v6, P_DISCARD);
	peer_init(&c, v6, P_DISCARD);
	b.sport = 40001;
	c.sport = 40002;
	syn(&a);
	syn(&b);	/* two requests: "more than backlog" is the limit */
	CHECK_EQ(seg_opt(&c, F_SYN, 100, 0, 0, opt_mss, 4), 0, "Q14: third SYN dropped");
	CHECK_EQ(last_drop, BS_DROP_TCP_REQQFULLDROP, "Q14: drop reason");
	CHECK_EQ(C(TCPReqQFullDrop), 1, "TCPReqQFullDrop");
	CHECK_EQ(C(ListenDrops), 1, "ListenDrops");
	teardown();
}

/* Q14: without cookies, tcp_max_syn_backlog's last quarter is for proven
 * peers (tcp_conn_request); Backstop has none to prove. With cookies on,
 * the rule does not apply. */
static void
c_syn_backlog(bool v6)
{
	static const char *const ov[] = { "tcp.tcp_syncookies=0", "tcp.tcp_max_syn_backlog=8",
		NULL };
	static const char *const ov1[] = { "tcp.tcp_syncookies=1", "tcp.tcp_max_syn_backlog=8",
		NULL };
	struct peer p[8];
	unsigned int i;

	setup("syn-backlog", v6, ov);
	for (i = 0; i < 8; i++) {
		peer_init(&p[i], v6, P_DISCARD);
		p[i].sport = (uint16_t)(41000 + i);
	}
	for (i = 0; i < 7; i++)
		syn(&p[i]);	/* 8 - 6 < 2 holds only from the 8th on */
	CHECK_EQ(seg_opt(&p[7], F_SYN, 100, 0, 0, opt_mss, 4), 0,
		"Q14: SYN past 3/4 of tcp_max_syn_backlog dropped");
	CHECK_EQ(last_drop, BS_DROP_TCP_SYN_BACKLOG, "Q14: drop reason");
	CHECK_EQ(C(ListenDrops), 1, "ListenDrops");
	CHECK_EQ(C(TCPReqQFullDrop), 0, "not a full queue");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 7, "seven pending handshakes");
	teardown();

	setup("syn-backlog-cookies", v6, ov1);
	for (i = 0; i < 8; i++) {
		peer_init(&p[i], v6, P_DISCARD);
		p[i].sport = (uint16_t)(41000 + i);
		syn(&p[i]);
	}
	CHECK_EQ(C(ListenDrops), 0, "cookies on: no drop");
	CHECK_EQ(C(SyncookiesSent), 0, "below the backlog: request entries, not cookies");
	teardown();
}

/* ==== 6.3 SYN_RECV (request entries) ================================ */

/*
 * T19 (L2), T25 (X7). X7 and T25 say an RST|ACK with a wrong ACK is handed
 * to the listener and ignored; live 6.18 handles it as any RST to a request
 * (X6): the exact SEQ removes the request, an inexact one in the window
 * gets a challenge ACK (docs/testing.md). The kernel wins.
 */
static void
c_req_wrong_ack(bool v6)
{
	struct peer c;

	setup("req-wrong-ack", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	syn(&c);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 5, 0), 1, "T19");
	expect_reply(1, &c, F_RST, c.x + 5, 0, "T19");
	CHECK_EQ(RSTS(TCP_FLAGS), 1, "T19: TCP_FLAGS");
	CHECK_EQ(seg(&c, F_RST | F_ACK, 110, c.x + 7, 0), 1, "X7 inexact");
	expect(2, &c, F_ACK, c.x + 1, 101, "X7 inexact: challenge ACK");
	CHECK_EQ(C(TCPChallengeACK), 1, "X7 inexact: TCPChallengeACK");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 1, "X7 inexact: request alive");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "T19: the right ACK completes");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "T19: established");
	CHECK_EQ(C(TcpPassiveOpens), 1, "PassiveOpens");
	/* Another request: the exact SEQ with a wrong ACK removes it. */
	c.sport = 40001;
	syn(&c);
	CHECK_EQ(seg(&c, F_RST | F_ACK, 101, c.x + 7, 0), 0, "T25");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 0, "T25 (live 6.18): request removed");
	CHECK_EQ(C(EmbryonicRsts), 1, "T25: EmbryonicRsts");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 1, "T25: then the listener");
	expect_reply(4, &c, F_RST, c.x + 1, 0, "T25 follow-up (L1)");
	teardown();
}

/* T20, Q15 */
static void
c_req_syn_again(bool v6)
{
	struct peer c;

	setup("req-syn-again", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	syn(&c);
	adv(10);
	CHECK_EQ(seg_opt(&c, F_SYN, 100, 0, 0, opt_mss, 4), 1, "T20: SYN-ACK again");
	expect(1, &c, F_SYN | F_ACK, c.x, 101, "T20");
	adv(100);
	CHECK_EQ(seg_opt(&c, F_SYN, 100, 0, 0, opt_mss, 4), 0, "T20: limited");
	CHECK_EQ(C(TCPACKSkippedSynRecv), 1, "TCPACKSkippedSynRecv");
	teardown();
}

/* T21, R1 */
static void
c_req_syn_inwin(bool v6)
{
	struct peer c;

	setup("req-syn-in-window", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	syn(&c);
	CHECK_EQ(seg(&c, F_SYN, 150, 0, 0), 1, "T21");
	expect_reply(1, &c, F_RST | F_ACK, 0, 151, "T21");
	CHECK_EQ(RSTS(INVALID_SYN), 1, "INVALID_SYN");
	CHECK_EQ(C(TcpAttemptFails), 1, "AttemptFails");
	CHECK_EQ(C(EmbryonicRsts), 1, "EmbryonicRsts");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 1, "T21: then no socket");
	expect_reply(2, &c, F_RST, c.x + 1, 0, "T21 follow-up");
	/* R1's SYN|ACK form: SEG.ACK == ISS+1 -> R with SEQ=SEG.ACK. */
	syn(&c);
	CHECK_EQ(seg(&c, F_SYN | F_ACK, 150, c.x + 1, 0), 1, "R1 SYN|ACK");
	expect_reply(4, &c, F_RST, c.x + 1, 0, "R1 SYN|ACK");
	teardown();
}

/* T22, T23, X6, X8 */
static void
c_req_rst(bool v6)
{
	struct peer c;

	setup("req-rst", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	syn(&c);
	CHECK_EQ(seg(&c, F_RST, 101 + SYNACK_WIN + 100, 0, 0), 0, "T23");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 1, "T23: alive");
	/* X6 (live 6.18): an inexact in-window RST is challenged. */
	CHECK_EQ(seg(&c, F_RST, 111, 0, 0), 1, "X6 inexact");
	expect(1, &c, F_ACK, c.x + 1, 101, "X6 challenge ACK");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 1, "X6: alive");
	CHECK_EQ(seg(&c, F_RST, 101, 0, 0), 0, "T22");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 0, "T22: removed");
	CHECK_EQ(C(TcpAttemptFails), 1, "T22: AttemptFails");
	CHECK_EQ(C(EmbryonicRsts), 1, "T22: EmbryonicRsts");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 1, "T22 follow-up");
	expect_reply(2, &c, F_RST, c.x + 1, 0, "T22 follow-up");
	teardown();
}

/* T24, Q16, Q17 */
static void
c_req_oow(bool v6)
{
	struct peer c;

	setup("req-out-of-window", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	syn(&c);
	CHECK_EQ(seg(&c, F_ACK, 101 + SYNACK_WIN + 100, c.x + 1, 0), 1, "T24");
	expect(1, &c, F_ACK, c.x + 1, 101, "T24");
	CHECK_EQ(out[1].win, SYNACK_WIN, "T24: the SYN-ACK's window");
	CHECK_EQ(seg(&c, F_PSH, 101, 0, 5), 0, "Q17: data without ACK");
	CHECK_EQ(last_drop, BS_DROP_TCP_FLAGS, "Q17: drop reason");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 1, "alive");
	teardown();
}

/* T26 (R2), T27 (R2b, Q18) */
static void
c_overflow(bool v6, bool abort_on)
{
	static const char *const ov1[] = { "tcp.tcp_abort_on_overflow=1",
		"listener discard4.backlog=1", "listener discard6.backlog=1", NULL };
	static const char *const ov0[] = { "listener discard4.backlog=1",
		"listener discard6.backlog=1", NULL };
	struct peer a, b, c;

	setup(abort_on ? "overflow-abort" : "overflow-drop", v6, abort_on ? ov1 : ov0);
	peer_init(&a, v6, P_DISCARD);
	peer_init(&b, v6, P_DISCARD);
	peer_init(&c, v6, P_DISCARD);
	b.sport = 40001;
	c.sport = 40002;
	est(&a, false);		/* the application is not accepting yet */
	syn(&b);
	syn(&c);
	CHECK_EQ(C(TCPReqQFullDoCookies), 0, "two requests fit a backlog of 1");
	CHECK_EQ(seg(&b, F_ACK, 101, b.x + 1, 0), 0, "B completes (queue = backlog + 1)");
	n_out = 0;
	if (abort_on) {
		CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 1, "T26");
		expect_reply(0, &c, F_RST, c.x + 1, 0, "T26");
		CHECK_EQ(RSTS(INVALID_SYN), 1, "T26: INVALID_SYN");
		CHECK_EQ(C(EmbryonicRsts), 1, "T26: EmbryonicRsts");
		CHECK_EQ(C(TcpAttemptFails), 0, "T26: no AttemptFails");
	} else {
		CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "T27: dropped");
		CHECK_EQ(last_drop, BS_DROP_TCP_LISTEN_OVERFLOW, "T27: drop reason");
		CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 1, "T27: request kept");
		adv(1);		/* the application accepts A and B */
		at(1100);	/* a 1 s timer is up to 63 ms late (bs_timer.h) */
		CHECK_EQ(n_out, 1, "T27: SYN-ACK retransmitted at 1 s");
		expect(0, &c, F_SYN | F_ACK, c.x, 101, "T27 retransmission");
		CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "T27: completes now");
		CHECK_EQ(states(BS_TCP_ESTABLISHED), 3, "T27: three connections");
	}
	CHECK_EQ(C(ListenOverflows), 1, "ListenOverflows");
	CHECK_EQ(C(ListenDrops), 1, "ListenDrops");
	teardown();
}

static void
c_overflow_abort(bool v6)
{
	c_overflow(v6, true);
}

static void
c_overflow_drop(bool v6)
{
	c_overflow(v6, false);
}

/* T28 (N3), L4: the listener closes with a request pending. */
static void
c_req_listener_gone(bool v6)
{
	struct peer c;

	setup("req-listener-closed", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	syn(&c);
	bs_tcp_ep_listener_close(ep, listener_idx("discard", v6));
	CHECK_EQ(n_out, 1, "L4: nothing at close time");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 1, "T28");
	expect_reply(1, &c, F_RST, c.x + 1, 0, "T28");
	CHECK_EQ(RSTS(NO_SOCKET), 1, "T28: NO_SOCKET");
	teardown();
}

/* R7, Q19: SYN-ACK retries run out silently. */
static void
c_req_timeout(bool v6)
{
	static const char *const ov[] = { "tcp.tcp_synack_retries=2", NULL };
	struct peer c;

	setup("req-timeout", v6, ov);
	peer_init(&c, v6, P_DISCARD);
	syn(&c);
	at(999);
	CHECK_EQ(n_out, 1, "no retransmission before 1 s");
	/* The wheel's slack: a 1 s timer fires up to 63 ms late. */
	at(1100);
	CHECK_EQ(n_out, 2, "first retransmission at 1 s");
	at(3200);
	CHECK_EQ(n_out, 3, "second at 3 s");
	at(8000);
	CHECK_EQ(n_out, 3, "R7: removed without a segment");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 0, "R7: removed");
	CHECK_EQ(C(TCPTimeouts), 1, "TCPTimeouts");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 1, "then no socket");
	expect_reply(3, &c, F_RST, c.x + 1, 0, "after R7");
	teardown();
}

/* T73, L3: the listener closes with an unaccepted child. */
static void
c_listener_close_child(bool v6)
{
	struct peer c;

	setup("listener-close-child", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	est(&c, false);
	bs_tcp_ep_listener_close(ep, listener_idx("discard", v6));
	CHECK_EQ(n_out, 2, "T73: one RST");
	expect(1, &c, F_RST | F_ACK, c.x + 1, 101, "T73");
	CHECK_EQ(RSTS(TCP_STATE), 1, "T73: TCP_STATE");
	CHECK_EQ(C(TcpEstabResets), 1, "T73: EstabResets");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 0, "T73: gone");
	/* An accepted connection is not the listener's any more. */
	peer_init(&c, v6, P_ECHO);
	est(&c, true);
	bs_tcp_ep_listener_close(ep, listener_idx("echo", v6));
	CHECK_EQ(n_out, 3, "accepted child untouched");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "accepted child alive");
	teardown();
}

/* ==== 6.4 SYN_SENT (the client) ===================================== */

/* Start the client of the family: its SYN is out, X learnt. */
static void
client(struct peer *c, bool v6, const char *name, const char *const *extra)
{
	const char *ov[8];
	unsigned int n = 0;

	ov[n++] = v6 ? "client c6.start_ms=0" : "client c4.start_ms=0";
	while (extra != NULL && *extra != NULL && n < 7)
		ov[n++] = *extra++;
	ov[n] = NULL;
	setup(name, v6, ov);
	peer_init(c, v6, CLIENT_LPORT);
	c->sport = P_CLIENT;
	adv(1);
	CHECK_EQ(n_out, 1, "%s: the client's SYN", case_name);
	if (n_out == 1) {
		c->x = out[0].seq;
		expect(0, c, F_SYN, c->x, 0, "client SYN");
		CHECK(out[0].ts, "%s: the SYN offers timestamps", case_name);
	}
	CHECK_EQ(states(BS_TCP_SYN_SENT), 1, "%s: SYN_SENT", case_name);
}

static const struct bs_tcp_client_stats *
cstats(bool v6)
{
	return bs_tcp_ep_client_stats(ep, v6 ? 1 : 0);
}

/* T29, T30, C1 */
static void
c_synsent_bad_ack(bool v6)
{
	struct peer c;

	client(&c, v6, "synsent-bad-ack", NULL);
	CHECK_EQ(seg(&c, F_SYN | F_ACK, 500, c.x + 10, 0), 1, "T29");
	expect_reply(1, &c, F_RST, c.x + 10, 0, "T29");
	CHECK_EQ(RSTS(TCP_INVALID_ACK_SEQUENCE), 1, "T29: reason");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 1, "T29: still SYN_SENT");
	adv(2);
	CHECK_EQ(n_out, 3, "T29: SYN again after TCP_TIMEOUT_MIN");
	expect(2, &c, F_SYN, c.x, 0, "T29 SYN retransmission");
	CHECK_EQ(seg(&c, F_SYN | F_ACK, 500, c.x, 0), 1, "T30");
	expect_reply(3, &c, F_RST, c.x, 0, "T30");
	CHECK_EQ(seg(&c, F_ACK, 500, c.x + 3, 0), 1, "C1 bare ACK");
	expect_reply(4, &c, F_RST, c.x + 3, 0, "C1 bare ACK");
	teardown();
}

/* C2: an acceptable ACK whose TSecr we never sent. */
static void
c_synsent_paws(bool v6)
{
	struct peer c;
	uint8_t o[12];

	client(&c, v6, "synsent-paws", NULL);
	make_ts(o, 7, out[0].tsval + 100000);
	CHECK_EQ(seg_opt(&c, F_SYN | F_ACK, 500, c.x + 1, 0, o, 12), 1, "C2");
	expect_reply(1, &c, F_RST, c.x + 1, 0, "C2");
	CHECK_EQ(RSTS(TCP_RFC7323_PAWS), 1, "C2: reason");
	CHECK_EQ(C(PAWSActive), 1, "C2: PAWSActive");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 1, "C2: still SYN_SENT");
	/* The right TSecr completes the handshake. */
	make_ts(o, 7, out[0].tsval);
	CHECK_EQ(seg_opt(&c, F_SYN | F_ACK, 500, c.x + 1, 0, o, 12), 1, "C2 then good");
	expect(2, &c, F_ACK, c.x + 1, 501, "ACK of the SYN-ACK");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "established");
	CHECK_EQ(cstats(v6)->connected, 1, "connected");
	teardown();
}

/* T31 X4, T32 X5, T33 X3 */
static void
c_synsent_rst(bool v6)
{
	struct peer c;

	client(&c, v6, "synsent-rst", NULL);
	CHECK_EQ(seg(&c, F_RST, 0, 0, 0), 0, "T33");
	CHECK_EQ(seg(&c, F_RST | F_ACK, 0, c.x + 50, 0), 0, "T32");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 1, "T32/T33: pending");
	CHECK_EQ(seg(&c, F_RST | F_ACK, 0, c.x + 1, 0), 0, "T31");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 0, "T31: refused");
	CHECK_EQ(C(AppECONNREFUSED), 1, "T31: ECONNREFUSED");
	CHECK_EQ(C(TcpAttemptFails), 1, "T31: AttemptFails");
	CHECK_EQ(cstats(v6)->refused, 1, "T31: client refused");
	CHECK_EQ(n_out, 1, "no RST sent");
	teardown();
}

/* T34 Q21, T35 Q20, then R4/R5 on the full SYN_RECV socket */
static void
c_synsent_crossed(bool v6)
{
	struct peer c;

	client(&c, v6, "synsent-crossed", NULL);
	CHECK_EQ(seg(&c, F_ACK, 500, c.x + 1, 0), 0, "T35");
	CHECK_EQ(last_drop, BS_DROP_TCP_FLAGS, "T35: drop reason");
	CHECK_EQ(seg(&c, F_SYN, 500, 0, 0), 1, "T34");
	expect(1, &c, F_SYN | F_ACK, c.x, 501, "T34");
	/* Q21 live: our SYN again, ACK set, with every option of our SYN
	 * (MSS, SACK-permitted, TS, NOP, WS) though the peer's SYN had none;
	 * TSecr 0 (no TSval to echo), the SYN's unscaled window. */
	CHECK_EQ(out[1].olen, 20, "T34: MSS, SACK-permitted, TS, window scale");
	CHECK(out[1].ts && out[1].tsecr == 0, "T34: TS, TSecr 0");
	CHECK_EQ(out[1].win, SYNACK_WIN, "T34: window");
	CHECK_EQ(states(BS_TCP_SYN_RECV), 1, "SYN_RECV");
	CHECK_EQ(seg(&c, F_ACK, 501, c.x + 10, 0), 1, "R4");
	expect_reply(2, &c, F_RST, c.x + 10, 0, "R4");
	CHECK_EQ(RSTS(TCP_ACK_UNSENT_DATA), 1, "R4: reason");
	CHECK_EQ(seg(&c, F_ACK, 501, c.x - 5, 0), 1, "R5");
	expect_reply(3, &c, F_RST, c.x - 5, 0, "R5");
	/* bytes_acked is 0 in SYN_RECV: every old ACK is "too old" (6.7+). */
	CHECK_EQ(RSTS(TCP_TOO_OLD_ACK), 1, "R5: reason");
	CHECK_EQ(states(BS_TCP_SYN_RECV), 1, "R4/R5: socket stays");
	CHECK_EQ(seg(&c, F_ACK, 501, c.x + 1, 0), 0, "the right ACK");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "established");
	teardown();
}

/*
 * T36, C3, Q34: SYN retries run out, no RST. Linux 6.5+ (tcp_write_timeout,
 * tcp_syn_linear_timeouts = 4): the RTO stays 1 s for the first four
 * retransmissions, then doubles; the socket gives up after tcp_syn_retries
 * + 4 retransmissions or once the time tcp_syn_retries would take with
 * backoff from 1 s ((2^(n+1) - 1) s) has passed since the first SYN,
 * whichever comes first. The wheel fires up to 12.7 % late (lib/timer).
 */
static void
c_synsent_timeout(bool v6)
{
	static const char *const ov3[] = { "tcp.tcp_syn_retries=3", NULL };
	static const char *const ov2_4[] = { "tcp.tcp_syn_retries=2",
		"client c4.connect_timeout_ms=20000", NULL };
	static const char *const ov2_6[] = { "tcp.tcp_syn_retries=2",
		"client c6.connect_timeout_ms=20000", NULL };
	static const uint32_t at3[] = { 1100, 2200, 3300, 4400, 5500, 7800, 12300 };
	struct peer c;
	unsigned int i;

	/* 3 retries: 15 s of budget, but the 7th retransmission (count
	 * 3 + 4) comes first, at ~11 s; the next expiry (~19 s) gives up. */
	client(&c, v6, "synsent-timeout", ov3);
	at(1000);
	CHECK_EQ(n_out, 1, "no retransmission before 1 s");
	for (i = 0; i < RTE_DIM(at3); i++) {
		at(at3[i]);
		CHECK_EQ(n_out, 2 + i, "retransmission %u by %u ms", i + 1, at3[i]);
		expect(1 + i, &c, F_SYN, c.x, 0, "SYN retransmission");
	}
	at(18500);
	CHECK_EQ(n_out, 8, "RTO 8 s after the 7th");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 1, "still connecting at 18.5 s");
	at(21000);
	CHECK_EQ(n_out, 8, "C3: no RST");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 0, "C3: given up");
	CHECK_EQ(C(AppETIMEDOUT), 1, "C3: ETIMEDOUT");
	CHECK_EQ(C(TcpAttemptFails), 1, "C3: AttemptFails");
	CHECK_EQ(C(TCPAbortOnTimeout), 1, "C3: TCPAbortOnTimeout");
	CHECK_EQ(cstats(v6)->timedout, 1, "C3: client timed out");
	teardown();

	/* 2 retries with a 20 s connect timeout (the differential suite's):
	 * five linear retransmissions, then the 7 s budget runs out at the
	 * next expiry (~7 s); the connect timeout's wake-up dies with the
	 * connection (no timer left in the wheel). */
	client(&c, v6, "synsent-timeout-2", v6 ? ov2_6 : ov2_4);
	at(5500);
	CHECK_EQ(n_out, 6, "five retransmissions a second apart");
	at(6900);
	CHECK_EQ(n_out, 6, "RTO 2 s after the 5th");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 1, "still connecting at 6.9 s");
	at(7700);
	CHECK_EQ(n_out, 6, "C3: no RST");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 0, "C3: given up after 7 s");
	CHECK_EQ(C(AppETIMEDOUT), 1, "C3: ETIMEDOUT");
	CHECK_EQ(ep->wheel->count, 0, "no timer of the freed connection left armed");
	at(21000);
	CHECK_EQ(n_out, 6, "nothing at the connect timeout");
	teardown();
}

/* C4, Q35: close() in SYN_SENT (the client's connect timeout). */
static void
c_synsent_close(bool v6)
{
	static const char *const ov4[] = { "client c4.connect_timeout_ms=500", NULL };
	static const char *const ov6[] = { "client c6.connect_timeout_ms=500", NULL };
	struct peer c;

	client(&c, v6, "synsent-close", v6 ? ov6 : ov4);
	at(600);
	CHECK_EQ(n_out, 1, "C4: no RST");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 0, "C4: closed");
	CHECK_EQ(C(TcpAttemptFails), 0, "C4: close sets CLOSE directly");
	teardown();
}

/*
 * An active open while the next hop is being resolved: the SYN and its
 * retransmissions wait in the hold callback (the worker's neighbour
 * queue) while the SYN timer runs; once resolved, the next SYN leaves
 * through the real adjacency, and a SYN-ACK is answered there.
 */
static void
c_synsent_resolving(bool v6)
{
	struct peer c;
	uint8_t frame[128];
	uint16_t len;

	resolve_rc = BS_TCP_RESOLVING;
	setup("synsent-resolving", v6, (const char *const[]){ v6 ?
		"client c6.start_ms=0" : "client c4.start_ms=0", NULL });
	peer_init(&c, v6, CLIENT_LPORT);
	c.sport = P_CLIENT;
	adv(1);
	CHECK_EQ(states(BS_TCP_SYN_SENT), 1, "SYN_SENT while resolving");
	CHECK_EQ(n_out, 0, "nothing on the wire");
	CHECK_EQ(n_held, 1, "the SYN held");
	CHECK_EQ(cstats(v6)->opened, 1, "opened");
	if (n_held == 1) {
		len = held[0]->data_len;
		memcpy(frame, rte_pktmbuf_mtod(held[0], const uint8_t *), RTE_MIN(len, 128));
		CHECK_BYTES(frame, 6, ((const uint8_t[6]){ 0 }), 6, "no destination MAC yet");
		CHECK_BYTES(frame + 6, 6, t_port_mac, 6, "our MAC");
	}
	at(1100);
	CHECK_EQ(n_held, 2, "the retransmission held too (the timer runs)");
	CHECK_EQ(n_out, 0, "still nothing sent");
	resolve_rc = BS_TCP_RESOLVED;	/* the neighbour answered */
	at(2100);
	CHECK_EQ(n_held, 2, "nothing more held");
	CHECK_EQ(n_out, 1, "the next retransmission goes out");
	if (n_out == 1) {
		c.x = out[0].seq;
		expect(0, &c, F_SYN, c.x, 0, "SYN through the resolved adjacency");
	}
	CHECK_EQ(seg(&c, F_SYN | F_ACK, 500, c.x + 1, 0), 1, "SYN-ACK");
	expect(1, &c, F_ACK, c.x + 1, 501, "ACK");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "established");
	teardown();

	/* Resolved by the time the SYN-ACK comes, before any retransmission:
	 * the connection takes the adjacency on receipt. */
	resolve_rc = BS_TCP_RESOLVING;
	setup("synsent-resolving-rcv", v6, (const char *const[]){ v6 ?
		"client c6.start_ms=0" : "client c4.start_ms=0", NULL });
	adv(1);
	CHECK_EQ(n_held, 1, "the SYN held");
	if (n_held == 1) {
		const uint8_t *f = rte_pktmbuf_mtod(held[0], const uint8_t *);

		c.x = (uint32_t)f[v6 ? 58 : 38] << 24 | (uint32_t)f[v6 ? 59 : 39] << 16 |
			(uint32_t)f[v6 ? 60 : 40] << 8 | f[v6 ? 61 : 41];
	}
	resolve_rc = BS_TCP_RESOLVED;
	CHECK_EQ(seg(&c, F_SYN | F_ACK, 500, c.x + 1, 0), 1, "SYN-ACK");
	expect(0, &c, F_ACK, c.x + 1, 501, "ACK sent, not held");
	CHECK_EQ(n_held, 1, "nothing more held");
	teardown();
}

/*
 * Q37: the next hop never answered: each frame it held comes back to the
 * endpoint (Linux: neigh_invalidate -> an ICMP host unreachable to itself
 * -> tcp_v4_err): connect() fails with EHOSTUNREACH, no RST. An
 * established connection takes it as a soft error. (Backstop reads no
 * ICMP from the wire: this is the only ICMP error the endpoint sees.)
 */
static void
c_synsent_unreachable(bool v6)
{
	struct peer c;

	resolve_rc = BS_TCP_RESOLVING;
	setup("synsent-unreachable", v6, (const char *const[]){ v6 ?
		"client c6.start_ms=0" : "client c4.start_ms=0", NULL });
	adv(1);
	CHECK_EQ(n_held, 1, "the SYN held");
	at(1100);
	CHECK_EQ(n_held, 2, "and its retransmission");
	bs_tcp_ep_unreachable(ep, rte_pktmbuf_mtod(held[1], const uint8_t *),
		held[1]->data_len);
	CHECK_EQ(states(BS_TCP_SYN_SENT), 0, "connect() failed");
	CHECK_EQ(C(AppEHOSTUNREACH), 1, "EHOSTUNREACH");
	CHECK_EQ(C(TcpAttemptFails), 1, "AttemptFails");
	CHECK_EQ(cstats(v6)->unreachable, 1, "client: unreachable");
	bs_tcp_ep_unreachable(ep, rte_pktmbuf_mtod(held[0], const uint8_t *),
		held[0]->data_len);
	CHECK_EQ(C(AppEHOSTUNREACH), 1, "the other held frame finds nothing");
	CHECK_EQ(n_out, 0, "no RST, nothing sent");
	at(5000);
	CHECK_EQ(n_out + n_held, 2, "no retransmission after");
	teardown();

	/* ESTABLISHED: a soft error, the connection stays. The report is
	 * the held SYN with SEQ ISS+1 (within SND.UNA..SND.NXT by then). */
	resolve_rc = BS_TCP_RESOLVING;
	setup("unreachable-established", v6, (const char *const[]){ v6 ?
		"client c6.start_ms=0" : "client c4.start_ms=0", NULL });
	peer_init(&c, v6, CLIENT_LPORT);
	c.sport = P_CLIENT;
	adv(1);
	CHECK_EQ(n_held, 1, "the SYN held");
	if (n_held == 1) {
		uint8_t f[128], *sq;

		memcpy(f, rte_pktmbuf_mtod(held[0], const uint8_t *), held[0]->data_len);
		sq = f + (v6 ? 58 : 38);
		c.x = (uint32_t)sq[0] << 24 | (uint32_t)sq[1] << 16 | (uint32_t)sq[2] << 8 | sq[3];
		resolve_rc = BS_TCP_RESOLVED;
		CHECK_EQ(seg(&c, F_SYN | F_ACK, 500, c.x + 1, 0), 1, "SYN-ACK");
		CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "established");
		sq[0] = (uint8_t)((c.x + 1) >> 24);
		sq[1] = (uint8_t)((c.x + 1) >> 16);
		sq[2] = (uint8_t)((c.x + 1) >> 8);
		sq[3] = (uint8_t)(c.x + 1);
		bs_tcp_ep_unreachable(ep, f, held[0]->data_len);
		CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "still established");
		CHECK_EQ(C(AppEHOSTUNREACH), 0, "no error reported");
		bs_tcp_ep_unreachable(ep, f, 30);
		CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "a truncated report is ignored");
	}
	teardown();

	/* No subnet holds the peer: connect() fails at once (ENETUNREACH),
	 * counted, not retried. */
	resolve_rc = -ENETUNREACH;
	setup("synsent-netunreach", v6, (const char *const[]){ v6 ?
		"client c6.start_ms=0" : "client c4.start_ms=0", NULL });
	adv(10);
	CHECK_EQ(cstats(v6)->failed, 1, "connect() failed once");
	CHECK_EQ(cstats(v6)->opened, 0, "nothing opened");
	CHECK_EQ(C(TcpActiveOpens), 0, "no ActiveOpens");
	CHECK_EQ(n_out + n_held, 0, "nothing sent");
	teardown();

	/* No neighbour entry free: tried again at every poll. */
	resolve_rc = -EAGAIN;
	setup("synsent-again", v6, (const char *const[]){ v6 ?
		"client c6.start_ms=0" : "client c4.start_ms=0", NULL });
	adv(10);
	CHECK_EQ(cstats(v6)->failed, 0, "not a failure");
	CHECK_EQ(cstats(v6)->opened, 0, "not opened yet");
	resolve_rc = BS_TCP_RESOLVED;
	adv(1);
	CHECK_EQ(cstats(v6)->opened, 1, "opened once an entry is free");
	CHECK_EQ(n_out, 1, "its SYN");
	teardown();
}

/* ==== 6.5 ESTABLISHED =============================================== */

/* T37, T38, X10, N5 */
static void
c_est_rst(bool v6)
{
	struct peer c;

	setup("est-rst", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	est(&c, true);
	CHECK_EQ(seg(&c, F_RST, 101, 0, 0), 0, "T37");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 0, "T37: reset");
	CHECK_EQ(C(AppECONNRESET), 1, "T37: ECONNRESET");
	CHECK_EQ(C(TcpEstabResets), 1, "T37: EstabResets");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 1, "N5: then no socket");
	expect_reply(1, &c, F_RST, c.x + 1, 0, "N5");
	CHECK_EQ(RSTS(TCP_FLAGS), 1, "N5: the listener on the port answers");
	c.sport = 40001;
	est(&c, true);
	CHECK_EQ(seg(&c, F_RST | F_ACK, 101, 12345, 0), 0, "T38");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 0, "T38: reset");
	CHECK_EQ(C(TcpEstabResets), 2, "T38: EstabResets");
	/* N5 with no listener left on the port: NO_SOCKET. */
	bs_tcp_ep_listener_close(ep, listener_idx("discard", v6));
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 1, "N5 without a listener");
	expect_reply(n_out - 1, &c, F_RST, c.x + 1, 0, "N5 without a listener");
	CHECK_EQ(RSTS(NO_SOCKET), 1, "N5: NO_SOCKET");
	teardown();
}

/* T39, T40 (section 4.2 per connection), T41 X15, T42 X13, X14 */
static void
c_est_rst_window(bool v6)
{
	struct peer c;

	setup("est-rst-window", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	est(&c, true);
	CHECK_EQ(seg(&c, F_RST, 101 + SYNACK_WIN + 1000, 0, 0), 0, "T41");
	CHECK_EQ(seg(&c, F_RST, 100, 0, 0), 0, "T42");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "T41/T42: alive");
	CHECK_EQ(seg(&c, F_RST, 111, 0, 0), 1, "T39");
	expect(1, &c, F_ACK, c.x + 1, 101, "T39 challenge ACK");
	CHECK_EQ(C(TCPChallengeACK), 1, "T39: TCPChallengeACK");
	adv(100);
	CHECK_EQ(DROPS(TCP_RESET), 0, "T39: answered, no drop");
	CHECK_EQ(seg(&c, F_RST, 111, 0, 0), 0, "T40: limited");
	CHECK_EQ(C(TCPACKSkippedChallenge), 1, "T40: TCPACKSkippedChallenge");
	CHECK_EQ(last_drop, BS_DROP_TCP_RESET, "T40: unanswered, counted under its reason");
	CHECK_EQ(DROPS(TCP_RESET), 1, "T40: one drop");
	adv(400);
	CHECK_EQ(seg(&c, F_RST, 111, 0, 0), 1, "after 500 ms");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "alive");
	teardown();
}

/* Section 4.2, global: tcp_challenge_ack_limit=1 is a budget of exactly one
 * challenge ACK per second for the whole endpoint, no counter when spent. */
static void
c_challenge_global(bool v6)
{
	static const char *const ov[] = { "tcp.tcp_challenge_ack_limit=1", NULL };
	struct peer a, b;

	setup("challenge-global", v6, ov);
	peer_init(&a, v6, P_DISCARD);
	peer_init(&b, v6, P_DISCARD);
	b.sport = 40001;
	est(&a, true);
	est(&b, true);
	at(1000);
	n_out = 0;
	CHECK_EQ(seg(&a, F_RST, 111, 0, 0), 1, "first challenge of the second");
	CHECK_EQ(seg(&b, F_RST, 111, 0, 0), 0, "budget spent");
	CHECK_EQ(last_drop, BS_DROP_TCP_RESET, "budget spent: a drop with its reason");
	CHECK_EQ(C(TCPChallengeACK), 1, "only the one sent is counted");
	CHECK_EQ(C(TCPACKSkippedChallenge), 0, "not a per-connection skip");
	at(2000);
	CHECK_EQ(seg(&b, F_RST, 111, 0, 0), 1, "a new second, a new budget");
	teardown();
}

/* T43, T44, Q24 */
static void
c_est_syn(bool v6)
{
	struct peer c;

	setup("est-syn", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	est(&c, true);
	CHECK_EQ(seg(&c, F_SYN, 101, 0, 0), 1, "T43");
	expect(1, &c, F_ACK, c.x + 1, 101, "T43 challenge ACK");
	CHECK_EQ(C(TCPSYNChallenge), 1, "T43: TCPSYNChallenge");
	CHECK_EQ(C(TcpInErrs), 1, "T43: InErrs");
	adv(500);
	CHECK_EQ(seg(&c, F_SYN, 900000, 0, 0), 1, "T44");
	expect(2, &c, F_ACK, c.x + 1, 101, "T44 challenge ACK");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "alive");
	teardown();
}

/* T45, Q25: the ACK of unsent data. T45 says "nothing" but Q25 is the
 * live-6.18 correction (an ACK is sent); the live kernel wins. */
static void
c_est_ack_unsent(bool v6)
{
	struct peer c;

	setup("est-ack-unsent", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	est(&c, true);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1000, 10), 1, "Q25");
	expect(1, &c, F_ACK, c.x + 1, 101, "Q25 ACK");
	/* The payload was discarded: the same bytes are new data now, the
	 * connection's first (quick-ACK mode: ACKed at once). */
	adv(600);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10), 1, "new data");
	expect(2, &c, F_ACK, c.x + 1, 111, "ACK of the 10 bytes");
	teardown();
}

/* T46, Q27 */
static void
c_est_too_old_ack(bool v6)
{
	struct peer c;

	setup("est-too-old-ack", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	est(&c, true);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x - 100000, 0), 1, "T46");
	expect(1, &c, F_ACK, c.x + 1, 101, "T46 challenge ACK");
	CHECK_EQ(C(TCPChallengeACK), 1, "T46: TCPChallengeACK");
	teardown();
}

/* T47, Q22 */
static void
c_est_oow(bool v6)
{
	struct peer c;

	setup("est-out-of-window", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	est(&c, true);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101 + SYNACK_WIN + 1000, c.x + 1, 10), 1, "T47");
	expect(1, &c, F_ACK, c.x + 1, 101, "T47 dupack");
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101 + SYNACK_WIN + 1000, c.x + 1, 10), 1,
		"T47: data is never rate-limited");
	/* Data does not touch the limiter; the first pure ACK is answered,
	 * the next within 500 ms not. */
	CHECK_EQ(seg(&c, F_ACK, 101 + SYNACK_WIN + 1000, c.x + 1, 0), 1, "Q22: pure ACK");
	CHECK_EQ(seg(&c, F_ACK, 101 + SYNACK_WIN + 1000, c.x + 1, 0), 0,
		"Q22: a pure ACK is limited");
	CHECK_EQ(C(TCPACKSkippedSeq), 1, "TCPACKSkippedSeq");
	CHECK_EQ(seg(&c, F_PSH, 101 + SYNACK_WIN + 1000, 0, 10), 0,
		"no ACK flag: dropped before any check");
	CHECK_EQ(last_drop, BS_DROP_TCP_FLAGS, "drop reason");
	teardown();
}

/* Q23: PAWS. */
static void
c_est_paws(bool v6)
{
	struct peer c;

	setup("est-paws", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	syn_ts_set(&c, 1000);
	syn(&c);
	peer_ts_set(&c, 1000, out[0].tsval);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "handshake");
	adv(1);
	peer_ts_set(&c, 2000, 0);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10), 1, "data, TSval 2000 (quick ACK)");
	peer_ts_set(&c, 1500, 0);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 111, c.x + 1, 10), 1, "Q23: old TSval, data");
	expect(2, &c, F_ACK, c.x + 1, 111, "Q23 dupack");
	CHECK_EQ(C(PAWSEstab), 1, "PAWSEstab");
	CHECK_EQ(seg(&c, F_ACK, 105, c.x + 1, 0), 0, "Q23: old pure ACK");
	CHECK_EQ(C(PAWSOldAck), 1, "PAWSOldAck");
	CHECK_EQ(seg(&c, F_RST, 111, 0, 0), 0, "an RST is exempt from PAWS");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 0, "reset");
	teardown();
}

/* X11: an RST at the right edge of our SACK blocks. */
static void
c_est_sack_rst(bool v6)
{
	struct peer c;

	setup("est-sack-rst", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	syn_ts_set(&c, 1000);
	syn(&c);
	peer_ts_set(&c, 1000, out[0].tsval);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "handshake");
	adv(1);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 201, c.x + 1, 10), 1, "out of order");
	CHECK_EQ(out[1].nsack, 1, "one SACK block");
	CHECK_EQ(out[1].sack_end, 211, "SACK right edge");
	CHECK_EQ(seg(&c, F_RST, 211, 0, 0), 0, "X11");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 0, "X11: accepted");
	teardown();
}

/* T48, T49, A1: close() with unread data; T70 in CLOSE_WAIT. */
static void
c_close_unread(bool v6, bool ts, bool fin)
{
	static const char *const ov[] = { "listener close-unread4.delay_ms=100",
		"listener close-unread6.delay_ms=100", NULL };
	struct peer c;
	uint32_t end = fin ? 107 : 111;

	setup(fin ? "close-unread-fin" : ts ? "close-unread-ts" : "close-unread", v6, ov);
	peer_init(&c, v6, P_CLOSE_UNREAD);
	if (ts) {
		syn_ts_set(&c, 1000);
		syn(&c);
		peer_ts_set(&c, 1000, out[0].tsval);
		CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "handshake");
		adv(1);
		peer_ts_set(&c, 1234, 0);
	} else {
		est(&c, true);
	}
	if (fin) {
		seg(&c, F_ACK | F_PSH, 101, c.x + 1, 5);
		seg(&c, F_ACK | F_FIN, 106, c.x + 1, 0);
		CHECK_EQ(states(BS_TCP_CLOSE_WAIT), 1, "CLOSE_WAIT");
	} else {
		seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10);
	}
	n_out = 0;
	adv(110);	/* delay_ms after accept, wheel slack */
	CHECK(n_out >= 1, "%s: the RST", case_name);
	expect(n_out - 1, &c, F_RST | F_ACK, c.x + 1, end, "A1");
	if (n_out >= 1) {
		CHECK(out[n_out - 1].win != 0, "%s: A1: the real window", case_name);
		CHECK_EQ(out[n_out - 1].ts, ts, "%s: A1: TS option iff negotiated", case_name);
		if (ts)
			CHECK_EQ(out[n_out - 1].tsecr, 1234, "%s: T49: TSecr", case_name);
	}
	for (unsigned int i = 0; i < n_out; i++)
		CHECK(!(out[i].flags & F_FIN) && (i == n_out - 1 || !(out[i].flags & F_RST)),
			"%s: A1: no FIN, one RST", case_name);
	CHECK_EQ(RSTS(TCP_ABORT_ON_CLOSE), 1, "TCP_ABORT_ON_CLOSE");
	if (n_out >= 1)
		CHECK_EQ(out[n_out - 1].tx_rst, BS_RST_REASON_TCP_ABORT_ON_CLOSE,
			"%s: A1: the reason capture sees", case_name);
	CHECK_EQ(C(TCPAbortOnClose), 1, "TCPAbortOnClose");
	CHECK_EQ(C(TcpEstabResets), 1, "EstabResets");
	teardown();
}

static void
c_t48(bool v6)
{
	c_close_unread(v6, false, false);
}

static void
c_t49(bool v6)
{
	c_close_unread(v6, true, false);
}

static void
c_t70(bool v6)
{
	c_close_unread(v6, false, true);
}

/* T50, A2: SO_LINGER {1, 0}. */
static void
c_abort(bool v6)
{
	struct peer c;

	setup("abort", v6, NULL);
	peer_init(&c, v6, P_ABORT);
	est(&c, true);
	adv(110);	/* abort: SO_LINGER {1, 0} delay_ms (100) after accept; wheel slack */
	CHECK_EQ(n_out, 2, "T50: the RST");
	expect(1, &c, F_RST | F_ACK, c.x + 1, 101, "T50");
	CHECK_EQ(RSTS(TCP_STATE), 1, "T50: TCP_STATE");
	CHECK_EQ(C(TCPAbortOnData), 1, "T50: TCPAbortOnData");
	CHECK_EQ(C(TcpEstabResets), 1, "T50: EstabResets");
	teardown();
}

/* T53, A6: keepalive exhausted. */
static void
c_keepalive(bool v6)
{
	static const char *const ov[] = {
		"listener keepalive4.keepalive_idle=1", "listener keepalive6.keepalive_idle=1",
		"listener keepalive4.keepalive_intvl=1", "listener keepalive6.keepalive_intvl=1",
		"listener keepalive4.keepalive_probes=3", "listener keepalive6.keepalive_probes=3",
		NULL };
	struct peer c;
	uint32_t t;

	setup("keepalive", v6, ov);
	peer_init(&c, v6, P_KEEPALIVE);
	est(&c, true);
	t = now;
	for (unsigned int i = 1; i <= 3; i++) {
		at(t + 1100 * i);	/* 1 s timers, up to 63 ms late */
		CHECK_EQ(n_out, 1 + i, "T53: probe %u", i);
		expect(i, &c, F_ACK, c.x, 101, "T53 probe");
	}
	at(t + 4400);
	CHECK_EQ(n_out, 5, "T53: the RST");
	expect(4, &c, F_RST | F_ACK, c.x + 1, 101, "T53");
	CHECK_EQ(RSTS(TCP_KEEPALIVE_TIMEOUT), 1, "T53: reason");
	CHECK_EQ(C(TCPKeepAlive), 3, "TCPKeepAlive");
	CHECK_EQ(C(AppETIMEDOUT), 1, "T53: ETIMEDOUT");
	CHECK_EQ(C(TCPAbortOnTimeout), 1, "T53: TCPAbortOnTimeout");
	CHECK_EQ(C(TcpEstabResets), 1, "T53: EstabResets");
	teardown();
}

/* T54, A7, Q34: data never acknowledged: silent ETIMEDOUT. */
static void
c_user_timeout(bool v6)
{
	static const char *const ov[] = { "listener echo4.user_timeout_ms=3000",
		"listener echo6.user_timeout_ms=3000", NULL };
	struct peer c;
	uint32_t t;

	setup("user-timeout", v6, ov);
	peer_init(&c, v6, P_ECHO);
	est(&c, true);
	seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10);
	CHECK_EQ(n_out, 3, "T54: the quick ACK, then the echo");
	expect(1, &c, F_ACK, c.x + 1, 111, "T54 ACK");
	expect(2, &c, F_ACK | F_PSH, c.x + 1, 111, "T54 echo");
	t = now;
	at(t + 2999);
	CHECK(n_out > 2, "%s: T54: retransmissions", case_name);
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "T54: alive before 3 s");
	at(t + 5000);
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 0, "T54: aborted");
	CHECK_EQ(C(AppETIMEDOUT), 1, "T54: ETIMEDOUT");
	CHECK_EQ(C(TCPAbortOnTimeout), 1, "T54: TCPAbortOnTimeout");
	for (unsigned int i = 0; i < n_out; i++)
		CHECK(!(out[i].flags & F_RST), "%s: T54: no RST", case_name);
	teardown();
}

/* A7 by tcp_retries2. */
static void
c_retries2(bool v6)
{
	static const char *const ov[] = { "tcp.tcp_retries2=2", NULL };
	struct peer c;

	setup("retries2", v6, ov);
	peer_init(&c, v6, P_ECHO);
	est(&c, true);
	seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10);
	adv(60000);
	CHECK_EQ(n_out, 5, "A7: the ACK, the echo and two retransmissions");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 0, "A7: aborted");
	CHECK_EQ(C(AppETIMEDOUT), 1, "A7: ETIMEDOUT");
	CHECK_EQ(C(TcpEstabResets), 1, "A7: EstabResets");
	for (unsigned int i = 0; i < n_out; i++)
		CHECK(!(out[i].flags & F_RST), "%s: A7: no RST", case_name);
	teardown();
}

/* ==== 6.6 Closing states and TIME_WAIT ============================== */

static const char *const ov_cu10[] = { "listener close-unread4.delay_ms=10",
	"listener close-unread6.delay_ms=10", NULL };

/* The application closes with nothing unread: FIN_WAIT1, FIN out. */
static void
closed_by_app(struct peer *c, bool v6, const char *name, const char *const *ov)
{
	setup(name, v6, ov != NULL ? ov : ov_cu10);
	peer_init(c, v6, P_CLOSE_UNREAD);
	est(c, true);
	adv(10);
	CHECK_EQ(n_out, 2, "%s: the FIN", case_name);
	expect(1, c, F_FIN | F_ACK, c->x + 1, 101, "FIN");
	CHECK_EQ(states(BS_TCP_FIN_WAIT1), 1, "%s: FIN_WAIT1", case_name);
	n_out = 0;
}

/* T55, D1 */
static void
c_fw1_data(bool v6)
{
	struct peer c;

	closed_by_app(&c, v6, "fin-wait1-data", NULL);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10), 1, "T55");
	expect_reply(0, &c, F_RST, c.x + 1, 0, "T55");
	CHECK_EQ(RSTS(TCP_ABORT_ON_DATA), 1, "T55: reason");
	CHECK_EQ(C(TCPAbortOnData), 1, "T55: TCPAbortOnData");
	CHECK_EQ(C(AppECONNRESET), 0, "an orphan: no application");
	CHECK_EQ(states(BS_TCP_FIN_WAIT1), 0, "gone");
	teardown();
}

/* D4: the ACK of our FIN with new data, orphan. */
static void
c_fw1_ack_data(bool v6)
{
	struct peer c;

	closed_by_app(&c, v6, "fin-wait1-ack-data", NULL);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 2, 10), 1, "D4");
	expect_reply(0, &c, F_RST, c.x + 2, 0, "D4");
	CHECK_EQ(C(TCPAbortOnData), 1, "D4: TCPAbortOnData");
	teardown();
}

/* T72, D3: linger2 < 0, the ACK of our FIN. */
static void
c_fw1_linger2(bool v6)
{
	static const char *const ov[] = { "listener close-unread4.delay_ms=10",
		"listener close-unread6.delay_ms=10", "listener close-unread4.linger2=-1",
		"listener close-unread6.linger2=-1", NULL };
	struct peer c;

	closed_by_app(&c, v6, "fin-wait1-linger2", ov);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 2, 0), 1, "T72");
	expect_reply(0, &c, F_RST, c.x + 2, 0, "T72");
	CHECK_EQ(RSTS(TCP_ABORT_ON_DATA), 1, "T72: reason");
	CHECK_EQ(C(TCPAbortOnData), 1, "T72: TCPAbortOnData");
	teardown();
}

/* Into the FIN_WAIT2 mini-socket: P acknowledges our FIN. */
static void
fw2_tw(struct peer *c, bool v6, const char *name, const char *const *ov)
{
	closed_by_app(c, v6, name, ov);
	CHECK_EQ(seg(c, F_ACK, 101, c->x + 2, 0), 0, "%s: ACK of the FIN", case_name);
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 1, "%s: a FIN_WAIT2 mini-socket", case_name);
	CHECK_EQ(states(BS_TCP_FIN_WAIT1) + states(BS_TCP_FIN_WAIT2), 0,
		"%s: no full socket", case_name);
}

/* T57 D5, A12 */
static void
c_fw2_data(bool v6)
{
	struct peer c;

	fw2_tw(&c, v6, "fin-wait2-tw-data", NULL);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 2, 10), 1, "T57");
	expect_reply(0, &c, F_RST, c.x + 2, 0, "T57");
	CHECK_EQ(RSTS(TCP_TIMEWAIT_SOCKET), 1, "T57: reason");
	/* The 4-tuple matches nothing now; the listener still on the port
	 * answers the ACK (L1), as Linux's would. */
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 2, 0), 1, "T57: then no connection");
	expect_reply(1, &c, F_RST, c.x + 2, 0, "T57 follow-up");
	CHECK_EQ(RSTS(TCP_FLAGS), 1, "T57 follow-up: from the listener");
	/* A12: another one just expires, silently. */
	c.sport = 40001;
	est(&c, true);
	adv(10);
	seg(&c, F_ACK, 101, c.x + 2, 0);
	n_out = 0;
	adv(65000);	/* 60 s, exact (time-wait-expiry) */
	CHECK_EQ(n_out, 0, "A12: silent expiry");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 0, "A12: expired");
	teardown();
}

/* D6: in-window SYN to the FIN_WAIT2 mini-socket. */
static void
c_fw2_syn(bool v6)
{
	struct peer c;

	fw2_tw(&c, v6, "fin-wait2-tw-syn", NULL);
	CHECK_EQ(seg(&c, F_SYN, 105, 0, 0), 1, "D6");
	expect_reply(0, &c, F_RST | F_ACK, 0, 106, "D6");
	CHECK_EQ(RSTS(TCP_TIMEWAIT_SOCKET), 1, "D6: reason");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 0, "D6: killed");
	teardown();
}

/* T59 X18, T60 X19 */
static void
c_fw2_rst(bool v6)
{
	struct peer c;

	fw2_tw(&c, v6, "fin-wait2-tw-rst", NULL);
	CHECK_EQ(seg(&c, F_RST, 101 + SYNACK_WIN + 500, 0, 0), 1, "T60");
	expect(0, &c, F_ACK, c.x + 2, 101, "T60 ACK");
	adv(100);
	CHECK_EQ(seg(&c, F_RST, 101 + SYNACK_WIN + 500, 0, 0), 0, "T60: limited");
	CHECK_EQ(C(TCPACKSkippedFinWait2), 1, "TCPACKSkippedFinWait2");
	CHECK_EQ(seg(&c, F_RST, 101, 0, 0), 0, "T59");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 0, "T59: gone");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 2, 0), 1, "T59 follow-up");
	expect_reply(1, &c, F_RST, c.x + 2, 0, "T59 follow-up");
	teardown();
}

/* Into TIME_WAIT (T58): P's FIN after our FIN was acknowledged. */
static void
time_wait(struct peer *c, bool v6, const char *name, const char *const *ov)
{
	fw2_tw(c, v6, name, ov);
	CHECK_EQ(seg(c, F_FIN | F_ACK, 101, c->x + 2, 0), 1, "%s: T58", case_name);
	expect(0, c, F_ACK, c->x + 2, 102, "T58");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 1, "%s: TIME_WAIT", case_name);
	n_out = 0;
}

/* T58, T61 X16, T63 X17, T66 Q31, Q33, D7 */
static void
c_tw(bool v6)
{
	struct peer c;

	time_wait(&c, v6, "time-wait", NULL);
	CHECK_EQ(seg(&c, F_RST, 5000, 0, 0), 0, "T63");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 1, "T63: kept");
	CHECK_EQ(seg(&c, F_FIN | F_ACK, 101, c.x + 2, 0), 1, "T66");
	expect(0, &c, F_ACK, c.x + 2, 102, "T66");
	adv(30000);
	CHECK_EQ(seg(&c, F_ACK, 102, c.x + 2, 0), 0, "Q33: bare ACK absorbed");
	adv(40000);
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 1, "Q33: the timer restarted");
	CHECK_EQ(seg(&c, F_RST, 102, 0, 0), 0, "T61");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 0, "T61: killed");
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 102, c.x + 2, 1), 1, "T61 follow-up");
	expect_reply(1, &c, F_RST, c.x + 2, 0, "T61 follow-up");
	CHECK_EQ(RSTS(TCP_TIMEWAIT_SOCKET), 0, "D7: TIME_WAIT never resets");
	teardown();
}

/*
 * `show connections` sees every kind of entry (bs_tcp_ep_conn_page): a
 * full connection, a pending handshake and a TIME_WAIT entry, each with
 * its state and 4-tuple, pages of one resuming after the last entry, and
 * the state and port filters over all of them.
 */
static unsigned int
page_all(const struct bs_tcp_conn_filter *f, unsigned int max,
		struct bs_tcp_conn_info *got, unsigned int cap)
{
	struct bs_tcp_conn_info pg[8];
	uint32_t cursor = 0;
	unsigned int n = 0, k, i, pages = 0;

	do {
		k = bs_tcp_ep_conn_page(ep, &cursor, f, pg, max);
		for (i = 0; i < k; i++, n++)
			if (n < cap)
				got[n] = pg[i];
	} while (cursor != UINT32_MAX && ++pages < 100000);
	return n;
}

static void
c_conn_page(bool v6)
{
	struct bs_tcp_conn_info got[8];
	struct bs_tcp_conn_filter f;
	struct peer c, d, e;
	unsigned int i, seen = 0;

	time_wait(&c, v6, "conn-page", NULL);		/* sport 40000 */
	peer_init(&d, v6, P_DISCARD);
	d.sport = 40001;
	syn(&d);					/* pending */
	peer_init(&e, v6, P_DISCARD);
	e.sport = 40002;
	est(&e, true);					/* ESTABLISHED */
	n_out = 0;
	CHECK_EQ(page_all(NULL, 8, got, 8), 3, "three entries");
	for (i = 0; i < 3; i++) {
		uint16_t rp = rte_be_to_cpu_16(got[i].flow.rport);
		uint16_t lp = rte_be_to_cpu_16(got[i].flow.lport);

		if (rp == 40000) {
			CHECK_EQ(got[i].state, BS_TCP_TIME_WAIT, "TIME_WAIT listed");
			CHECK_EQ(lp, P_CLOSE_UNREAD, "its local port");
			CHECK_EQ(got[i].rcv_nxt, 102, "its RCV.NXT (after P's FIN)");
			CHECK_EQ(got[i].snd_nxt, c.x + 2, "its SND.NXT (after our FIN)");
			seen |= 1;
		} else if (rp == 40001) {
			CHECK_EQ(got[i].state, BS_TCP_NEW_SYN_RECV, "pending handshake listed");
			CHECK_EQ(lp, P_DISCARD, "its local port");
			CHECK_EQ(got[i].snd_nxt, d.x + 1, "its SND.NXT (ISS + 1)");
			CHECK_EQ(got[i].rcv_nxt, PEER_ISN + 1, "its RCV.NXT");
			seen |= 2;
		} else if (rp == 40002) {
			CHECK_EQ(got[i].state, BS_TCP_ESTABLISHED, "connection listed");
			seen |= 4;
		}
		CHECK(got[i].flow.laddr[15] == 2 && got[i].flow.raddr[15] == 1,
			"addresses of entry %u", i);
	}
	CHECK_EQ(seen, 7, "each once");
	CHECK_EQ(page_all(NULL, 1, got, 8), 3, "pages of one");
	memset(&f, 0, sizeof(f));
	f.state = BS_TCP_TIME_WAIT;
	CHECK_EQ(page_all(&f, 8, got, 8), 1, "state TIME_WAIT");
	CHECK_EQ(rte_be_to_cpu_16(got[0].flow.rport), 40000, "the TIME_WAIT entry");
	f.state = BS_TCP_NEW_SYN_RECV;
	CHECK_EQ(page_all(&f, 8, got, 8), 1, "state NEW_SYN_RECV");
	f.state = 0;
	f.port = 40001;
	CHECK_EQ(page_all(&f, 8, got, 8), 1, "port of the pending handshake");
	CHECK_EQ(got[0].state, BS_TCP_NEW_SYN_RECV, "that one");
	f.port = P_DISCARD;
	CHECK_EQ(page_all(&f, 8, got, 8), 2, "local port of two");
	teardown();
}

/* T62: tcp_rfc1337=1 */
static void
c_tw_rfc1337(bool v6)
{
	static const char *const ov[] = { "listener close-unread4.delay_ms=10",
		"listener close-unread6.delay_ms=10", "tcp.tcp_rfc1337=1", NULL };
	struct peer c;

	time_wait(&c, v6, "time-wait-rfc1337", ov);
	CHECK_EQ(seg(&c, F_RST, 102, 0, 0), 0, "T62");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 1, "T62: kept");
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 102, c.x + 2, 1), 1, "T62 follow-up");
	expect(0, &c, F_ACK, c.x + 2, 102, "T62 follow-up ACK");
	teardown();
}

/* T64 Q31/Q32 (no listener), T65 (listener: reopened) */
static void
c_tw_syn(bool v6)
{
	struct peer c;

	time_wait(&c, v6, "time-wait-syn", NULL);
	CHECK_EQ(seg_opt(&c, F_SYN, 100000, 0, 0, opt_mss, 4), 1, "T65");
	expect(0, &c, F_SYN | F_ACK, c.x + 2 + 65537, 100001, "T65");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 0, "T65: TIME_WAIT gone");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 1, "T65: a request");
	/* Another SYN gets an ISN of its own. */
	c.sport = 40009;
	CHECK_EQ(seg_opt(&c, F_SYN, 100, 0, 0, opt_mss, 4), 1, "fresh SYN");
	CHECK(out[1].seq != c.x + 2 + 65537, "%s: the TIME_WAIT ISN is used once", case_name);
	teardown();

	time_wait(&c, v6, "time-wait-syn-no-listener", NULL);
	bs_tcp_ep_listener_close(ep, listener_idx("close-unread", v6));
	CHECK_EQ(seg(&c, F_SYN, 50, 0, 0), 1, "T64");
	expect(0, &c, F_ACK, c.x + 2, 102, "T64");
	CHECK_EQ(seg(&c, F_SYN, 100000, 0, 0), 1, "Q32: new SYN, no listener");
	expect(1, &c, F_ACK, c.x + 2, 102, "Q32");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 1, "kept");
	teardown();
}

/* Local IPv6 addresses held by TIME_WAIT entries (white box). */
static uint32_t
laddr6_refs(void)
{
	uint32_t i, n = 0;

	for (i = 0; i < TCP_LADDR6_MAX; i++)
		n += ep->laddr6[i].refs;
	return n;
}

/* The TIME_WAIT ring: a FIN_WAIT2 mini-socket (tcp_fin_timeout 5 s) and a
 * TIME_WAIT entry (60 s) expire on their millisecond, never before; a
 * refresh (Q33) moves the deadline; expiry is silent (A12). */
static void
c_tw_expiry(bool v6)
{
	static const char *const ov[] = { "listener close-unread4.delay_ms=10",
		"listener close-unread6.delay_ms=10", "tcp.tcp_fin_timeout=5", NULL };
	struct peer c, d;
	uint32_t t_tw, t_fw2, t_ref;

	time_wait(&c, v6, "time-wait-expiry", ov);
	t_tw = now;
	d = c;
	d.sport = 40002;
	est(&d, true);
	adv(10);
	CHECK_EQ(seg(&d, F_ACK, 101, d.x + 2, 0), 0, "%s: ACK of the FIN", case_name);
	t_fw2 = now;
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 2, "%s: TIME_WAIT and FIN_WAIT2 entries", case_name);
	CHECK_EQ(laddr6_refs(), v6 ? 2 : 0, "%s: one local IPv6 address, held twice",
		case_name);
	n_out = 0;
	at(t_fw2 + 4999);
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 2, "%s: FIN_WAIT2 kept to 5 s - 1 ms", case_name);
	adv(1);
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 1, "%s: FIN_WAIT2 gone at 5 s", case_name);
	at(t_tw + 30000);
	CHECK_EQ(seg(&c, F_ACK, 102, c.x + 2, 0), 0, "%s: Q33 refresh", case_name);
	t_ref = now;
	at(t_tw + 60000);
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 1, "%s: refreshed: kept past 60 s", case_name);
	at(t_ref + 59999);
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 1, "%s: kept to 60 s - 1 ms after the refresh",
		case_name);
	adv(1);
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 0, "%s: gone 60 s after the refresh", case_name);
	CHECK_EQ(n_out, 0, "%s: A12: silent", case_name);
	CHECK_EQ(laddr6_refs(), 0, "%s: no local address held", case_name);
	CHECK_EQ(bs_tring_count(ep->tring), 0, "%s: nothing on the ring", case_name);
	teardown();
}

/* Packed keys of TIME_WAIT entries (white box): IPv4 in 12 bytes; IPv6
 * with the local address in the dictionary, full at TCP_LADDR6_MAX
 * distinct addresses, entries freed in any order. */
static void
c_tw_keys(bool v6)
{
	static struct tcp_tw tw[TCP_LADDR6_MAX + 1];
	static const uint8_t r6[16] = { 0x20, 0x01, 0x02, [15] = 1 };
	static const uint8_t r4[4] = { 198, 18, 0, 1 }, l4[4] = { 198, 18, 0, 2 };
	struct bs_flow f, g, back;
	uint32_t i, j, ok = 0, eq = 0, rt = 0, other = 0;
	uint8_t l6[16] = { 0x20, 0x01, 0x02, [15] = 2 };

	setup("time-wait-keys", v6, NULL);
	bs_flow_from_ipv4(&f, r4, l4, rte_cpu_to_be_16(40000), rte_cpu_to_be_16(80));
	memset(&tw[0], 0, sizeof(tw[0]));
	CHECK(tw_key_set(ep, &tw[0], &f), "IPv4 key");
	CHECK(!(tw[0].fl & TW_V6), "IPv4 entry");
	CHECK(tw_key_eq(ep, &tw[0], &f), "IPv4 key equal");
	tw_flow(ep, &tw[0], &back);
	CHECK(bs_flow_eq(&back, &f), "IPv4 flow unpacked");
	g = f;
	g.raddr[0] = 0x20;		/* not v4-mapped, the same last 12 bytes */
	CHECK(!tw_key_eq(ep, &tw[0], &g), "IPv6 key with IPv4's bytes");
	g = f;
	g.lport ^= 1;
	CHECK(!tw_key_eq(ep, &tw[0], &g), "other port");
	tw_key_put(ep, &tw[0]);
	/* IPv6: TCP_LADDR6_MAX local addresses fit, one more does not. */
	for (i = 0; i <= TCP_LADDR6_MAX; i++) {
		l6[13] = (uint8_t)(i >> 8);
		l6[14] = (uint8_t)i;
		bs_flow_from_ipv6(&f, r6, l6, rte_cpu_to_be_16(40000), rte_cpu_to_be_16(80));
		memset(&tw[i], 0, sizeof(tw[i]));
		ok += tw_key_set(ep, &tw[i], &f);
	}
	CHECK_EQ(ok, TCP_LADDR6_MAX, "%s: dictionary full at its size", case_name);
	CHECK_EQ(laddr6_refs(), TCP_LADDR6_MAX, "%s: each held once", case_name);
	/* Free every third, then every other one left; the rest still match. */
	for (j = 0; j < 2; j++)
		for (i = j; i < TCP_LADDR6_MAX; i += 3 - j)
			if (tw[i].fl & TW_V6) {
				tw_key_put(ep, &tw[i]);
				tw[i].fl = 0;
			}
	for (i = 0; i < TCP_LADDR6_MAX; i++) {
		if (!(tw[i].fl & TW_V6))
			continue;
		l6[13] = (uint8_t)(i >> 8);
		l6[14] = (uint8_t)i;
		bs_flow_from_ipv6(&f, r6, l6, rte_cpu_to_be_16(40000), rte_cpu_to_be_16(80));
		eq += tw_key_eq(ep, &tw[i], &f);
		tw_flow(ep, &tw[i], &back);
		rt += bs_flow_eq(&back, &f);
		l6[14] ^= 1;
		bs_flow_from_ipv6(&g, r6, l6, rte_cpu_to_be_16(40000), rte_cpu_to_be_16(80));
		other += tw_key_eq(ep, &tw[i], &g);
	}
	CHECK_EQ(eq, laddr6_refs(), "%s: the remaining keys match", case_name);
	CHECK_EQ(rt, eq, "%s: and unpack", case_name);
	CHECK_EQ(other, 0, "%s: no other local address matches", case_name);
	/* A second entry on a held address shares it; the freed room is reused. */
	for (i = 0; i < TCP_LADDR6_MAX && !(tw[i].fl & TW_V6); i++)
		;
	l6[13] = (uint8_t)(i >> 8);
	l6[14] = (uint8_t)i;
	bs_flow_from_ipv6(&f, r6, l6, rte_cpu_to_be_16(40001), rte_cpu_to_be_16(80));
	memset(&tw[TCP_LADDR6_MAX], 0, sizeof(tw[0]));
	CHECK(tw_key_set(ep, &tw[TCP_LADDR6_MAX], &f), "%s: shared address", case_name);
	CHECK_EQ(tw[TCP_LADDR6_MAX].laddr6, tw[i].laddr6, "%s: the same entry", case_name);
	CHECK_EQ(ep->laddr6[tw[i].laddr6].refs, 2, "%s: held twice", case_name);
	tw_key_put(ep, &tw[TCP_LADDR6_MAX]);
	for (i = 0; i < TCP_LADDR6_MAX; i++)
		if (tw[i].fl & TW_V6)
			tw_key_put(ep, &tw[i]);
	CHECK_EQ(laddr6_refs(), 0, "%s: all released", case_name);
	for (i = 0, j = ep->laddr6_free; j != TCP_NONE; j = ep->laddr6[j].next_free)
		i++;
	CHECK_EQ(i, TCP_LADDR6_MAX, "%s: all free", case_name);
	for (i = 0, j = 0; i < TCP_LADDR6_SLOTS; i++)
		j += ep->laddr6_index[i] != 0;
	CHECK_EQ(j, 0, "%s: index empty", case_name);
	teardown();
}

/* N4: tcp_max_tw_buckets = 0: the closing connection just goes. */
static void
c_tw_overflow(bool v6)
{
	static const char *const ov[] = { "listener close-unread4.delay_ms=10",
		"listener close-unread6.delay_ms=10", "tcp.tcp_max_tw_buckets=0", NULL };
	struct peer c;

	closed_by_app(&c, v6, "tw-overflow", ov);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 2, 0), 0, "ACK of the FIN");
	CHECK_EQ(C(TCPTimeWaitOverflow), 1, "TCPTimeWaitOverflow");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 0, "no TIME_WAIT entry");
	CHECK_EQ(seg(&c, F_FIN | F_ACK, 101, c.x + 2, 0), 1, "N4");
	expect_reply(0, &c, F_RST, c.x + 2, 0, "N4");
	CHECK_EQ(RSTS(TCP_FLAGS), 1, "N4: no connection, the listener answers");
	bs_tcp_ep_listener_close(ep, listener_idx("close-unread", v6));
	CHECK_EQ(seg(&c, F_FIN | F_ACK, 101, c.x + 2, 0), 1, "N4 without a listener");
	expect_reply(1, &c, F_RST, c.x + 2, 0, "N4 without a listener");
	CHECK_EQ(RSTS(NO_SOCKET), 1, "N4: NO_SOCKET");
	teardown();
}

/* Hold: the application never reads nor closes. P's FIN: CLOSE_WAIT. */
static void
close_wait(struct peer *c, bool v6, const char *name)
{
	setup(name, v6, NULL);
	peer_init(c, v6, P_HOLD);
	est(c, true);
	/* tcp_fin: interactive mode, the ACK waits for the application; no
	 * data was ever received (ATO 0): the timer's next tick. */
	CHECK_EQ(seg(c, F_FIN | F_ACK, 101, c->x + 1, 0), 0, "%s: FIN", case_name);
	adv(1);
	CHECK_EQ(n_out, 2, "%s: the delayed ACK", case_name);
	expect(1, c, F_ACK, c->x + 1, 102, "ACK of the FIN");
	CHECK_EQ(C(DelayedACKs), 1, "%s: DelayedACKs", case_name);
	CHECK_EQ(states(BS_TCP_CLOSE_WAIT), 1, "%s: CLOSE_WAIT", case_name);
	n_out = 0;
}

/* T67 X12 (CLOSE_WAIT) */
static void
c_cw_rst_minus1(bool v6)
{
	struct peer c;

	close_wait(&c, v6, "close-wait-rst-1");
	CHECK_EQ(seg(&c, F_RST, 101, 0, 0), 0, "T67");
	CHECK_EQ(states(BS_TCP_CLOSE_WAIT), 0, "T67: reset");
	CHECK_EQ(C(AppEPIPE), 1, "T67: EPIPE");
	CHECK_EQ(C(TcpEstabResets), 1, "T67: EstabResets");
	teardown();
}

/*
 * A connection reset with a delayed ACK pending leaves nothing on the
 * timer wheel: its slot is reused (zeroed) by the next connection.
 */
static void
c_free_delack(bool v6)
{
	struct bs_tcb *t;
	struct peer c;

	setup("free-delack", v6, NULL);
	peer_init(&c, v6, P_HOLD);
	est(&c, true);
	seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10);	/* quick ACK; ATO 40 ms now */
	CHECK_EQ(seg(&c, F_FIN | F_ACK, 111, c.x + 1, 0), 0, "FIN: ACK delayed");
	t = tcb_of(&c);
	CHECK(t != NULL && bs_timer_armed(&t->timer), "%s: delayed-ACK timer armed", case_name);
	CHECK_EQ(seg(&c, F_RST, 112, 0, 0), 0, "X10 in CLOSE_WAIT");
	CHECK_EQ(states(BS_TCP_CLOSE_WAIT), 0, "reset");
	CHECK(t != NULL && !bs_timer_armed(&t->timer), "%s: off the wheel", case_name);
	c.sport = 40001;
	est(&c, true);		/* the same slot, zeroed */
	adv(100);
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "the next connection lives");
	teardown();
}

/*
 * Memory pressure ([backstop] mbuf_reserve = 50 % of the test's pool):
 * with fewer free, a SYN is overload (here an RST), data for a receive
 * queue that holds data is dropped and ACKed at once (TCPRcvQDrop), an
 * empty queue still takes a segment; once the mbufs are back, both pass.
 */
static void
c_mem_short(bool v6)
{
	static const char *const ov[] = { "backstop.mbuf_reserve=50", "tcp.overload=reset", NULL };
	static struct rte_mbuf *taken[4096];
	unsigned int n = 0, i;
	struct bs_tcb *t;
	struct peer c, d;

	setup("mem-short", v6, ov);
	peer_init(&c, v6, P_HOLD);
	peer_init(&d, v6, P_HOLD);
	d.sport = 40001;
	est(&c, true);
	while (rte_mempool_avail_count(pool) >= pool->size / 2 && n < RTE_DIM(taken))
		taken[n++] = rte_pktmbuf_alloc(pool);
	new_burst();
	n_out = 0;
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10), 1, "mem-short: empty queue takes data");
	expect(0, &c, F_ACK, c.x + 1, 111, "quick ACK of the first data");
	n_out = 0;
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 111, c.x + 1, 10), 1, "mem-short: queue not empty");
	expect(0, &c, F_ACK, c.x + 1, 111, "ACK now, the data not taken");
	CHECK_EQ(C(TCPRcvQDrop), 1, "TCPRcvQDrop");
	CHECK_EQ(st.drop[BS_DROP_NOMEM], 1, "drop reason NOMEM");
	n_out = 0;
	CHECK_EQ(seg_opt(&d, F_SYN, PEER_ISN, 0, 0, opt_mss, 4), 1, "mem-short: SYN gets the overload RST");
	expect_reply(0, &d, F_RST | F_ACK, 0, PEER_ISN + 1, "overload RST");
	CHECK_EQ(C(OverloadMbufs), 1, "OverloadMbufs");
	CHECK_EQ(C(OverloadResets), 1, "OverloadResets");
	for (i = 0; i < n; i++)
		rte_pktmbuf_free(taken[i]);
	new_burst();
	n_out = 0;
	seg(&c, F_ACK | F_PSH, 111, c.x + 1, 10);
	t = tcb_of(&c);
	CHECK(t != NULL && t->rcv_nxt == 121, "%s: mbufs back: the data taken", case_name);
	syn(&d);
	CHECK_EQ(C(OverloadMbufs), 1, "mbufs back: no overload");
	CHECK_EQ(C(TCPRcvQDrop), 1, "mbufs back: no drop");
	teardown();
}

/* T68 X10 (CLOSE_WAIT) */
static void
c_cw_rst(bool v6)
{
	struct peer c;

	close_wait(&c, v6, "close-wait-rst");
	CHECK_EQ(seg(&c, F_RST, 102, 0, 0), 0, "T68");
	CHECK_EQ(states(BS_TCP_CLOSE_WAIT), 0, "T68: reset");
	CHECK_EQ(C(AppEPIPE), 1, "T68: EPIPE");
	teardown();
}

/* D2, Q30, Q26 */
static void
c_cw_data(bool v6)
{
	struct peer c;

	close_wait(&c, v6, "close-wait-data");
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 102, c.x + 1, 10), 0, "Q30: after the FIN, ignored");
	CHECK_EQ(seg(&c, F_ACK, 102, c.x + 1000, 0), 1, "Q26: ACK of unsent data");
	expect(0, &c, F_ACK, c.x + 1, 102, "Q26 challenge ACK");
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10), 1, "D2");
	expect_reply(1, &c, F_RST, c.x + 1, 0, "D2");
	CHECK_EQ(RSTS(TCP_ABORT_ON_DATA), 1, "D2: reason");
	CHECK_EQ(C(TCPAbortOnData), 1, "D2: TCPAbortOnData");
	CHECK_EQ(C(AppEPIPE), 1, "D2: EPIPE in CLOSE_WAIT");
	teardown();
}

/*
 * A connection in LAST_ACK: the peer's FIN, whose ACK waits (interactive)
 * for the application's close() at EOF, which carries it: one FIN|ACK, as
 * Linux (diff: lastack-rst-rcvnxt-1). Frames 0 and 1 are out.
 */
static void
last_ack(struct peer *c, bool v6, const char *name)
{
	setup(name, v6, NULL);
	peer_init(c, v6, P_DISCARD);
	est(c, true);
	CHECK_EQ(seg(c, F_FIN | F_ACK, 101, c->x + 1, 0), 1, "our FIN, with the ACK");
	expect(1, c, F_FIN | F_ACK, c->x + 1, 102, "FIN|ACK");
	CHECK_EQ(states(BS_TCP_LAST_ACK), 1, "LAST_ACK");
}

/* T69 X12 (LAST_ACK) */
static void
c_lastack_rst(bool v6)
{
	struct peer c;

	last_ack(&c, v6, "last-ack-rst");
	adv(150);	/* past any delayed ACK, before the FIN's RTO (200 ms) */
	CHECK_EQ(n_out, 2, "no delayed ACK after it");
	CHECK_EQ(seg(&c, F_RST, 101, 0, 0), 0, "T69");
	CHECK_EQ(states(BS_TCP_LAST_ACK), 0, "T69: destroyed");
	CHECK_EQ(seg(&c, F_ACK, 102, c.x + 2, 0), 1, "T69 follow-up");
	expect_reply(2, &c, F_RST, c.x + 2, 0, "T69 follow-up");
	teardown();
}

/*
 * LAST_ACK, the peer's ACK of our FIN lost: the FIN again at its RTO
 * (tcp_retransmit_timer), at SND.UNA, alone, the wait doubling; with
 * nothing queued the connection keeps no extension, which once made the
 * timer fire without sending anything (found by backstop-gen --loss).
 */
static void
c_lastack_fin_rto(bool v6)
{
	struct peer c;
	uint32_t t;

	last_ack(&c, v6, "last-ack-fin-rto");
	for (t = 0; t < 3000 && n_out == 2; t += 10)
		adv(10);
	CHECK(t >= TCP_RTO_MIN_MS && t <= TCP_RTO_MIN_MS + 50,
		"%s: the FIN again after %u ms, its RTO is %u", case_name, t, TCP_RTO_MIN_MS);
	CHECK_EQ(n_out, 3, "one retransmission");
	expect(2, &c, F_FIN | F_ACK, c.x + 1, 102, "the FIN again, at SND.UNA");
	CHECK_EQ(out[2].plen, 0, "%s: the FIN alone", case_name);
	CHECK_EQ(C(RetransSegs), 1, "RetransSegs");
	adv(TCP_RTO_MIN_MS + 10);
	CHECK_EQ(n_out, 3, "backed off: not again at one RTO");
	adv(TCP_RTO_MIN_MS);
	CHECK_EQ(n_out, 4, "again at twice the RTO");
	expect(3, &c, F_FIN | F_ACK, c.x + 1, 102, "the FIN a third time");
	CHECK_EQ(seg(&c, F_ACK, 102, c.x + 2, 0), 0, "the ACK of our FIN");
	CHECK_EQ(states(BS_TCP_LAST_ACK), 0, "closed");
	adv(5000);
	CHECK_EQ(n_out, 4, "nothing after");
	teardown();
}

/* T56, Q29: shutdown(SHUT_WR) only, data still accepted in FIN_WAIT2. */
static void
c_half_close(bool v6)
{
	struct peer c;

	setup("half-close", v6, NULL);
	peer_init(&c, v6, P_HALF_CLOSE);
	c.tail = '\n';
	est(&c, true);
	/* The line's ACK (quick-ACK mode) before the application's
	 * shutdown(SHUT_WR) sends the FIN, as Linux (finwait2-halfclose-data). */
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 3), 2, "a line");
	expect(1, &c, F_ACK, c.x + 1, 104, "the line's ACK");
	expect(2, &c, F_FIN | F_ACK, c.x + 1, 104, "T56: FIN after the line");
	CHECK_EQ(seg(&c, F_ACK, 104, c.x + 2, 0), 0, "ACK of the FIN");
	CHECK_EQ(states(BS_TCP_FIN_WAIT2), 1, "FIN_WAIT2, socket open");
	c.tail = 0;
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 104, c.x + 2, 10), 1, "T56: data, quick ACK");
	expect(3, &c, F_ACK, c.x + 2, 114, "T56 ACK");
	CHECK_EQ(C(TCPAbortOnData), 0, "no abort");
	teardown();
}

/* T71, A10 (white-box: no built-in application closes in FIN_WAIT2). */
static void
c_linger2_close(bool v6)
{
	static const char *const ov[] = { "listener hold4.linger2=-1",
		"listener hold6.linger2=-1", NULL };
	struct peer c;
	struct bs_tcb *t;

	setup("linger2-close", v6, ov);
	peer_init(&c, v6, P_HOLD);
	est(&c, true);
	t = tcb_of(&c);
	CHECK(t != NULL, "%s: the connection", case_name);
	if (t == NULL) {
		teardown();
		return;
	}
	tcb_shutdown_wr(ep, t);
	expect(1, &c, F_FIN | F_ACK, c.x + 1, 101, "FIN");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 2, 0), 0, "ACK of the FIN");
	CHECK_EQ(states(BS_TCP_FIN_WAIT2), 1, "FIN_WAIT2");
	tcb_close(ep, t);
	CHECK_EQ(n_out, 3, "T71: the RST");
	expect(2, &c, F_RST | F_ACK, c.x + 2, 101, "T71");
	CHECK_EQ(RSTS(TCP_ABORT_ON_LINGER), 1, "T71: reason");
	CHECK_EQ(C(TCPAbortOnLinger), 1, "T71: TCPAbortOnLinger");
	teardown();
}

/* A9: close() with too many orphans. */
static void
c_orphans_close(bool v6)
{
	static const char *const ov[] = { "listener close-unread4.delay_ms=10",
		"listener close-unread6.delay_ms=10", "tcp.tcp_max_orphans=0", NULL };
	struct peer c;

	setup("orphans-close", v6, ov);
	peer_init(&c, v6, P_CLOSE_UNREAD);
	est(&c, true);
	adv(10);
	CHECK_EQ(n_out, 3, "A9: FIN then RST");
	expect(1, &c, F_FIN | F_ACK, c.x + 1, 101, "A9 FIN");
	expect(2, &c, F_RST | F_ACK, c.x + 2, 101, "A9 RST");
	CHECK_EQ(RSTS(TCP_ABORT_ON_MEMORY), 1, "A9: reason");
	CHECK_EQ(C(TCPAbortOnMemory), 1, "A9: TCPAbortOnMemory");
	teardown();
}

/* A8: an orphan's retransmission timer with too many orphans (the sysctl
 * lowered at run time, as an operator would). */
static void
c_orphans_rto(bool v6)
{
	struct peer c;

	closed_by_app(&c, v6, "orphans-rto", NULL);
	cfg.tcp.tcp_max_orphans = 0;
	adv(3000);
	CHECK_EQ(n_out, 1, "A8: one RST, no retransmission");
	expect(0, &c, F_RST | F_ACK, c.x + 2, 101, "A8");
	CHECK_EQ(RSTS(TCP_ABORT_ON_MEMORY), 1, "A8: reason");
	CHECK_EQ(C(TCPAbortOnMemory), 1, "A8: TCPAbortOnMemory");
	teardown();
}

/* A11: the orphan FIN_WAIT2 full socket's timer, no time left. */
static void
c_fw2_timer(bool v6)
{
	static const char *const ov[] = { "listener close-unread4.delay_ms=10",
		"listener close-unread6.delay_ms=10", "tcp.tcp_fin_timeout=90", NULL };
	struct peer c;

	closed_by_app(&c, v6, "fin-wait2-timer", ov);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 2, 0), 0, "ACK of the FIN");
	CHECK_EQ(states(BS_TCP_FIN_WAIT2), 1, "a full FIN_WAIT2 socket (> 60 s)");
	cfg.tcp.tcp_fin_timeout = 30;
	adv(31000);
	CHECK_EQ(n_out, 1, "A11: the RST");
	expect(0, &c, F_RST | F_ACK, c.x + 2, 101, "A11");
	CHECK_EQ(RSTS(TCP_STATE), 1, "A11: TCP_STATE");
	CHECK_EQ(states(BS_TCP_FIN_WAIT2), 0, "A11: gone");
	teardown();
}

/* Q38: the RST-ABORT cannot be built: counted, lost. */
static void
c_abort_failed(bool v6)
{
	static const char *const ov[] = { "listener close-unread4.delay_ms=100",
		"listener close-unread6.delay_ms=100", NULL };
	struct rte_mbuf *hog[8192];
	unsigned int n = 0;
	struct peer c;

	setup("abort-failed", v6, ov);
	peer_init(&c, v6, P_CLOSE_UNREAD);
	est(&c, true);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10), 1, "data, quick ACK");
	while (n < RTE_DIM(hog) && (hog[n] = rte_pktmbuf_alloc(pool)) != NULL)
		n++;
	adv(110);	/* delay_ms after accept, wheel slack */
	while (n > 0)
		rte_pktmbuf_free(hog[--n]);
	CHECK_EQ(n_out, 2, "Q38: nothing sent");
	CHECK_EQ(RSTS(TCP_ABORT_ON_CLOSE), 1, "Q38: OutRsts counted anyway");
	CHECK_EQ(C(TCPAbortFailed), 1, "Q38: TCPAbortFailed");
	teardown();
}

/* ==== Applications: what leaves when (the delayed-ACK engine) ====== */

/*
 * The banner app at accept: its write leaves at once, the close() FIN in a
 * segment of its own, as Linux (diff: finwait1-data and every FIN_WAIT and
 * TIME_WAIT scenario); the RTO comes from the handshake's RTT
 * (tcp_synack_rtt_meas): about 200 ms, not the 1 s of no sample.
 */
static void
c_app_banner(bool v6)
{
	struct peer c;
	uint32_t t;

	setup("app-banner", v6, NULL);
	peer_init(&c, v6, P_BANNER);
	est(&c, true);
	t = now;
	CHECK_EQ(n_out, 3, "D1 T55 setup: the banner, then the FIN");
	expect(1, &c, F_ACK | F_PSH, c.x + 1, 101, "banner");
	CHECK_EQ(out[1].plen, 10, "%s: the banner's 10 bytes", case_name);
	expect(2, &c, F_FIN | F_ACK, c.x + 11, 101, "FIN alone");
	CHECK_EQ(out[2].plen, 0, "%s: the FIN carries no data", case_name);
	CHECK_EQ(states(BS_TCP_FIN_WAIT1), 1, "FIN_WAIT1");
	at(t + 195);
	CHECK_EQ(n_out, 3, "no retransmission before the RTO (201 ms)");
	at(t + 215);
	CHECK_EQ(n_out, 4, "the retransmission at 201 ms (+ wheel slack)");
	expect(3, &c, F_FIN | F_ACK | F_PSH, c.x + 1, 101, "head retransmitted, FIN collapsed");
	CHECK_EQ(C(TCPTimeouts), 1, "TCPTimeouts");
	teardown();
}

/*
 * echo (diff: app-echo, lastack-rst-rcvnxt-1): the first data is ACKed at
 * once (quick-ACK mode) and the application's echo follows; the echo made
 * the exchange interactive, so the next request's ACK rides on its echo,
 * and the peer's FIN is ACKed by the application's own FIN.
 */
static void
c_app_echo(bool v6)
{
	struct peer c;

	setup("app-echo", v6, NULL);
	peer_init(&c, v6, P_ECHO);
	est(&c, true);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 6), 2, "data: ACK, then echo");
	expect(1, &c, F_ACK, c.x + 1, 107, "quick ACK");
	expect(2, &c, F_ACK | F_PSH, c.x + 1, 107, "echo");
	CHECK_EQ(out[2].plen, 6, "%s: echo length", case_name);
	CHECK_EQ(seg(&c, F_ACK, 107, c.x + 7, 0), 0, "ACK of the echo");
	adv(100);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 107, c.x + 7, 6), 1, "interactive: one segment");
	expect(3, &c, F_ACK | F_PSH, c.x + 7, 113, "echo with the ACK");
	CHECK_EQ(seg(&c, F_ACK, 113, c.x + 13, 0), 0, "ACK of the echo");
	adv(100);
	CHECK_EQ(seg(&c, F_FIN | F_ACK, 113, c.x + 13, 0), 1, "FIN: one segment");
	expect(4, &c, F_FIN | F_ACK, c.x + 13, 114, "FIN|ACK");
	CHECK_EQ(states(BS_TCP_LAST_ACK), 1, "LAST_ACK");
	CHECK_EQ(seg(&c, F_ACK, 114, c.x + 14, 0), 0, "ACK of our FIN");
	CHECK_EQ(states(BS_TCP_LAST_ACK), 0, "closed");
	CHECK_EQ(C(DelayedACKs), 0, "no delayed ACK ever fired");
	teardown();
}

/*
 * The peer's FIN wakes echo, whose close() at EOF sends our FIN|ACK: built
 * in the peer's FIN's own buffer (ep->spare, the frame the segment left
 * to free), every field as a FIN built afresh: SEQ, ACK, window, the
 * timestamps, no payload, TTL, DF, ID, checksum, the frame's length.
 */
static void
c_fin_in_place(bool v6)
{
	struct peer c;

	setup("fin-in-place", v6, NULL);
	peer_init(&c, v6, P_ECHO);
	syn_ts_set(&c, 1000);
	syn(&c);
	peer_ts_set(&c, 1001, out[0].tsval);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "handshake");
	adv(1);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 6), 2, "data: ACK, then echo");
	expect(2, &c, F_ACK | F_PSH, c.x + 1, 107, "echo");
	CHECK(out[2].mbuf != last_in, "%s: the echo in a buffer of its own", case_name);
	peer_ts_set(&c, 1002, out[2].tsval);
	CHECK_EQ(seg(&c, F_FIN | F_ACK, 107, c.x + 7, 0), 1, "FIN: our FIN, with the ACK");
	expect(3, &c, F_FIN | F_ACK, c.x + 7, 108, "FIN|ACK");
	CHECK(out[3].mbuf == last_in, "%s: in the peer's FIN's buffer", case_name);
	CHECK_EQ(out[3].win, out[2].win, "%s: the window", case_name);
	CHECK(out[3].ts && out[3].tsval == out[2].tsval && out[3].tsecr == 1002,
		"%s: TSval %u (want %u), TSecr %u", case_name, out[3].tsval, out[2].tsval,
		out[3].tsecr);
	CHECK_EQ(out[3].olen, 12, "%s: the options: TS", case_name);
	CHECK_EQ(out[3].plen, 0, "%s: no payload", case_name);
	CHECK_EQ(out[3].ttl, 64, "%s: TTL", case_name);
	CHECK(out[3].df && out[3].ipid == 0, "%s: DF, ID 0", case_name);
	CHECK_EQ(out[3].flen, 14u + (v6 ? 40 : 20) + 32, "%s: frame length", case_name);
	CHECK_EQ(states(BS_TCP_LAST_ACK), 1, "LAST_ACK");
	CHECK_EQ(seg(&c, F_ACK, 108, c.x + 8, 0), 0, "ACK of our FIN");
	CHECK_EQ(states(BS_TCP_LAST_ACK), 0, "closed");
	teardown();
}

/* http keep-alive (diff: app-http-keepalive): one send() per response,
 * header and body in one segment. */
static void
c_app_http(bool v6)
{
	static const uint8_t req[] = "GET / HTTP/1.1\r\nHost: backstop\r\n\r\n";
	const uint16_t n = sizeof(req) - 1, r = 127;	/* 63-byte header, 64-byte body */
	static uint8_t two[2 * sizeof(req)];
	struct peer c;

	setup("app-http", v6, NULL);
	peer_init(&c, v6, P_HTTP);
	c.data = req;
	est(&c, true);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, n), 2, "request: ACK, response");
	expect(1, &c, F_ACK, c.x + 1, 101 + n, "quick ACK");
	expect(2, &c, F_ACK | F_PSH, c.x + 1, 101 + n, "response");
	CHECK_EQ(out[2].plen, r, "%s: header and body in one segment", case_name);
	CHECK_EQ(seg(&c, F_ACK, 101 + n, c.x + 1 + r, 0), 0, "ACK of the response");
	adv(100);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101 + n, c.x + 1 + r, n), 1, "second request");
	expect(3, &c, F_ACK | F_PSH, c.x + 1 + r, 101 + 2 * n, "response with the ACK");
	CHECK_EQ(out[3].plen, r, "%s: second response", case_name);
	CHECK_EQ(seg(&c, F_ACK, 101 + 2 * n, c.x + 1 + 2 * r, 0), 0, "ACK");
	/* Two requests in one segment: two whole responses, one send each,
	 * in order (headers never ahead of a body). */
	memcpy(two, req, n);
	memcpy(two + n, req, n);
	c.data = two;
	adv(100);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101 + 2 * n, c.x + 1 + 2 * r, 2 * n), 1,
		"pipelined requests");
	expect(4, &c, F_ACK | F_PSH, c.x + 1 + 2 * r, 101 + 4 * n, "both responses");
	CHECK_EQ(out[4].plen, 2 * r, "%s: two responses", case_name);
	/* A request whose terminator straddles segments ("...\r", "\n\r",
	 * "\n"): one response, when its last byte is in (ACKs before it). */
	{
		static const uint16_t part[] = { n - 3, 2, 1 };
		uint32_t sq = 101 + 4 * n, first = n_out, i;

		for (i = 0; i < RTE_DIM(part); i++) {
			c.data = req + (sq - 101 - 4 * n);
			adv(100);
			seg(&c, F_ACK | F_PSH, sq, c.x + 1 + 4 * r, part[i]);
			sq += part[i];
		}
		CHECK(n_out > first, "%s: the split request's response", case_name);
		for (i = first; i + 1 < n_out; i++)
			CHECK_EQ(out[i].plen, 0, "%s: no response before the terminator",
				case_name);
		expect(n_out - 1, &c, F_ACK | F_PSH, c.x + 1 + 4 * r, sq, "response");
		CHECK_EQ(out[n_out - 1].plen, r, "%s: one response", case_name);
	}
	teardown();
}

/* accept() returns a child on the application's next turn: the end of
 * the poll whose burst completed its handshake, not a tick later (a
 * handshake ACK that carries an http request has its response at once,
 * with the clock where it was). More children than TCP_ACCEPT_BATCH in one
 * poll: the rest at the next tick, by their timers. */
static void
c_accept_turn(bool v6)
{
	static const char *const ov[] = { "listener discard4.backlog=1024",
		"listener discard6.backlog=1024", NULL };
	static const uint8_t req[] = "GET / HTTP/1.1\r\nHost: backstop\r\n\r\n";
	const uint16_t n = sizeof(req) - 1;
	unsigned int i, lsn = listener_idx("discard", v6);
	struct peer c, d;

	setup("accept-turn", v6, ov);
	peer_init(&c, v6, P_HTTP);
	c.data = req;
	syn(&c);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, PEER_ISN + 1, c.x + 1, n), 1,
		"handshake ACK with the request: its quick ACK only");
	expect(1, &c, F_ACK, c.x + 1, PEER_ISN + 1 + n, "quick ACK");
	bs_tcp_ep_poll(ep, tsc_at(now));	/* the same millisecond */
	CHECK_EQ(n_out, 3, "%s: the response at the end of the poll", case_name);
	expect(2, &c, F_ACK | F_PSH, c.x + 1, PEER_ISN + 1 + n, "response");
	CHECK_EQ(out[2].plen, 127, "%s: the whole response", case_name);
	for (i = 0; i < TCP_ACCEPT_BATCH + 2; i++) {
		peer_init(&d, v6, P_DISCARD);
		d.sport = (uint16_t)(41000 + i);
		n_out = 0;
		est(&d, false);
	}
	CHECK_EQ(ep->lsn[lsn].n_accept, TCP_ACCEPT_BATCH + 2, "%s: all on the accept queue",
		case_name);
	bs_tcp_ep_poll(ep, tsc_at(now));
	CHECK_EQ(ep->lsn[lsn].n_accept, 2, "%s: a batch accepted at the end of the poll",
		case_name);
	adv(1);
	CHECK_EQ(ep->lsn[lsn].n_accept, 0, "%s: the rest at the next tick", case_name);
	CHECK_EQ(states(BS_TCP_ESTABLISHED), TCP_ACCEPT_BATCH + 3, "%s: all established",
		case_name);
	teardown();
}

/* discard (diff: app-discard): data ACKed at once, the FIN by the
 * application's FIN. */
static void
c_app_discard(bool v6)
{
	struct peer c;
	unsigned int i;

	setup("app-discard", v6, NULL);
	peer_init(&c, v6, P_DISCARD);
	est(&c, true);
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 100), 1, "data: quick ACK");
	expect(1, &c, F_ACK, c.x + 1, 201, "ACK");
	/* Past the 16 quick ACKs, a pushed segment is still ACKed at once:
	 * the application drains it (tcp_cleanup_rbuf, ICSK_ACK_PUSHED). */
	for (i = 1; i <= 16; i++)
		CHECK_EQ(seg(&c, F_ACK | F_PSH, 101 + 100 * i, c.x + 1, 100), 1,
			"ACK %u", i);
	expect(17, &c, F_ACK, c.x + 1, 101 + 100 * 17, "ACK on read");
	CHECK_EQ(C(DelayedACKs), 0, "no delayed ACK");
	adv(60);
	CHECK_EQ(seg(&c, F_FIN | F_ACK, 1801, c.x + 1, 0), 1, "FIN: one segment");
	expect(18, &c, F_FIN | F_ACK, c.x + 1, 1802, "FIN|ACK");
	adv(100);
	CHECK_EQ(n_out, 19, "no delayed ACK after it");
	teardown();
}

/*
 * The delayed-ACK engine on an application that never reads (hold):
 * quick-ACK mode for the first 16 segments (tcp_incr_quickack: half the
 * 64 KB window in 1460-byte segments, at most 16), then an ACK after the
 * ATO (40 ms), or at once for more than one full segment.
 */
static void
c_delack(bool v6)
{
	const uint16_t mss = v6 ? 1440 : 1460;
	uint32_t seq = 101;
	struct peer c;
	unsigned int i;

	setup("delack", v6, NULL);
	peer_init(&c, v6, P_HOLD);
	est(&c, true);
	adv(5);
	for (i = 0; i < 16; i++) {
		CHECK_EQ(seg(&c, F_ACK | F_PSH, seq, c.x + 1, 10), 1, "quick ACK %u", i);
		seq += 10;
	}
	CHECK_EQ(seg(&c, F_ACK | F_PSH, seq, c.x + 1, 10), 0, "17th: delayed");
	seq += 10;
	adv(39);
	CHECK_EQ(n_out, 17, "not before the ATO");
	adv(2);
	CHECK_EQ(n_out, 18, "after the ATO (40 ms)");
	expect(17, &c, F_ACK, c.x + 1, seq, "delayed ACK");
	CHECK_EQ(C(DelayedACKs), 1, "DelayedACKs");
	CHECK_EQ(seg(&c, F_ACK, seq, c.x + 1, mss), 0, "a full segment: delayed");
	seq += mss;
	CHECK_EQ(seg(&c, F_ACK, seq, c.x + 1, mss), 1, "a second one: ACK now");
	seq += mss;
	expect(18, &c, F_ACK, c.x + 1, seq, "ACK of two segments");
	/* Old data: an ACK at once, and quick-ACK mode again. */
	CHECK_EQ(seg(&c, F_ACK | F_PSH, 101, c.x + 1, 10), 1, "duplicate: ACK now");
	CHECK_EQ(seg(&c, F_ACK | F_PSH, seq, c.x + 1, 10), 1, "then quick ACKs again");
	teardown();
}

/* echo of more than the send buffer (tcp_wmem 16 KB): the application
 * waits for room (SOCK_NOSPACE) and the ACKs that free it wake it. */
static void
c_echo_nospace(bool v6)
{
	const uint16_t mss = v6 ? 1440 : 1460;
	uint32_t total = 0, hi, sent = 12u * mss;
	struct peer c;
	unsigned int i, round;

	setup("echo-nospace", v6, NULL);
	peer_init(&c, v6, P_ECHO);
	est(&c, true);
	for (i = 0; i < 12; i++)
		seg(&c, F_ACK, 101 + i * mss, c.x + 1, mss);
	for (round = 0; round < 8; round++) {
		hi = c.x + 1;
		total = 0;
		for (i = 0; i < n_out; i++)
			if (out[i].plen != 0) {
				total += out[i].plen;
				if (SEQ_GT(out[i].seq + out[i].plen, hi))
					hi = out[i].seq + out[i].plen;
			}
		if (total >= sent)
			break;
		adv(1);
		seg(&c, F_ACK, 101 + sent, hi, 0);
	}
	CHECK_EQ(total, sent, "%s: everything echoed", case_name);
	CHECK(round > 0, "%s: not in one go (the buffer filled)", case_name);
	teardown();
}

/* ==== disconnect and abort (bs_tcp_ep_disconnect, bs_tcp_ep_abort) ==== */

/* The hold application, accepted: a socket the application holds. */
static void
held_est(struct peer *c, bool v6, const char *name)
{
	static const char *const ov[] = { "listener hold4.delay_ms=0",
		"listener hold6.delay_ms=0", NULL };

	setup(name, v6, ov);
	peer_init(c, v6, P_HOLD);
	est(c, true);
	adv(4);		/* accept() after delay_ms, wheel slack */
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 1, "%s: ESTABLISHED", case_name);
	CHECK(tcb_of(c) != NULL && (tcb_of(c)->fl & TCB_ACCEPTED), "%s: accepted", case_name);
}

/* The window field L writes now: the window it announced (never shrinks). */
static uint16_t
announced_win(struct peer *c)
{
	const struct bs_tcb *t = tcb_of(c);

	return t != NULL ? t->rcv_wnd : 0;
}

/* An RST-ABORT (matrix 5.2): the real window, no payload. */
static void
expect_abort(unsigned int i, struct peer *c, uint32_t seq, uint32_t ack, uint16_t win,
		const char *what)
{
	expect(i, c, F_RST | F_ACK, seq, ack, what);
	if (i >= n_out)
		return;
	CHECK_EQ(out[i].win, win, "%s: %s: the real window", case_name, what);
	CHECK(win != 0, "%s: %s: a window to compare", case_name, what);
	CHECK_EQ(out[i].plen, 0, "%s: %s: no payload", case_name, what);
}

/* T51, A4: connect(fd, {AF_UNSPEC}) on an ESTABLISHED connection. */
static void
c_disconnect(bool v6)
{
	struct bs_flow f;
	struct peer c;
	uint16_t win;

	held_est(&c, v6, "disconnect");
	peer_flow(&c, &f);
	win = announced_win(&c);
	n_out = 0;
	CHECK_EQ(bs_tcp_ep_disconnect(ep, &f), 0, "T51: disconnected");
	CHECK_EQ(n_out, 1, "T51: the RST");
	expect_abort(0, &c, c.x + 1, 101, win, "T51");
	CHECK_EQ(out[0].olen, 0, "%s: T51: no options (none negotiated)", case_name);
	CHECK_EQ(RSTS(TCP_STATE), 1, "A4: TCP_STATE");
	CHECK_EQ(C(TcpEstabResets), 1, "A4: EstabResets");
	CHECK_EQ(C(AppECONNRESET), 1, "T51: SO_ERROR = ECONNRESET");
	CHECK_EQ(C(TCPAbortOnData), 0, "A4: not a close()");
	CHECK_EQ(C(TcpAttemptFails), 0, "A4: no AttemptFails");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 0, "A4: gone");
	CHECK_EQ(bs_tcp_ep_disconnect(ep, &f), -ENOENT, "A4: nothing left");
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 1, "A4: the 4-tuple is free");
	expect_reply(1, &c, F_RST, c.x + 1, 0, "A4: the listener's RST");
	CHECK_EQ(RSTS(TCP_FLAGS), 1, "A4: L1 (the hold listener is still there)");
	teardown();
}

/*
 * A3 (unsent) and A3b: disconnect in CLOSING or LAST_ACK after
 * shutdown(SHUT_WR). With P's window closed from its SYN on, ten bytes and
 * our FIN stay unsent (SND.NXT != write_seq): an RST-ABORT with
 * TCP_DISCONNECT_WITH_DATA; once the FIN is out, a silent close.
 */
static void
disc_closing(bool v6, bool last_ack, bool unsent)
{
	const char *name = last_ack ? (unsent ? "disconnect-last-ack-data" :
		"disconnect-last-ack") : (unsent ? "disconnect-closing-data" :
		"disconnect-closing");
	unsigned int st_want = last_ack ? BS_TCP_LAST_ACK : BS_TCP_CLOSING;
	struct bs_tcb *t;
	struct bs_flow f;
	struct peer c;
	uint16_t win;
	unsigned int n;

	if (unsent)
		peer_win = 0;
	held_est(&c, v6, name);
	peer_flow(&c, &f);
	t = tcb_of(&c);
	if (t == NULL) {
		teardown();
		return;
	}
	if (last_ack) {
		seg(&c, F_FIN | F_ACK, 101, c.x + 1, 0);
		CHECK_EQ(states(BS_TCP_CLOSE_WAIT), 1, "%s: CLOSE_WAIT", case_name);
	}
	if (unsent)
		CHECK_EQ(tcb_write(ep, t, NULL, 10, 0), 10, "%s: ten bytes queued", case_name);
	n = n_out;
	tcb_shutdown_wr(ep, t);
	if (unsent) {
		CHECK_EQ(n_out, n, "%s: zero window: nothing leaves", case_name);
	} else {
		CHECK(n_out > n && (out[n_out - 1].flags & F_FIN), "%s: our FIN", case_name);
	}
	if (!last_ack) {
		CHECK_EQ(states(BS_TCP_FIN_WAIT1), 1, "%s: FIN_WAIT1", case_name);
		/* FINs cross: P's FIN does not acknowledge ours. */
		seg(&c, F_FIN | F_ACK, 101, c.x + 1, 0);
	}
	CHECK_EQ(states(st_want), 1, "%s: %s", case_name, bs_tcp_state_name(st_want));
	CHECK_EQ(t->snd_nxt, unsent ? c.x + 1 : c.x + 2, "%s: SND.NXT", case_name);
	win = announced_win(&c);
	n = n_out;
	CHECK_EQ(bs_tcp_ep_disconnect(ep, &f), 0, "%s: disconnected", case_name);
	CHECK_EQ(states(st_want), 0, "%s: gone", case_name);
	CHECK_EQ(C(TcpEstabResets), 0, "%s: EstabResets only from ESTABLISHED/CLOSE_WAIT",
		case_name);
	if (unsent) {
		CHECK_EQ(n_out, n + 1, "A3: the RST");
		expect_abort(n, &c, c.x + 1, 102, win, "A3");
		CHECK_EQ(RSTS(TCP_DISCONNECT_WITH_DATA), 1, "A3: reason");
		CHECK_EQ(RSTS(TCP_STATE), 0, "A3: not TCP_STATE");
		CHECK_EQ(C(AppECONNRESET), 1, "A3: sk_err = ECONNRESET");
	} else {
		unsigned int i, r = 0;

		CHECK_EQ(n_out, n, "A3b: nothing sent");
		for (i = 0; i < BS_RST_REASON_MAX; i++)
			r += (unsigned int)st.rst[i];
		CHECK_EQ(r, 0, "A3b: no reset reason");
		CHECK_EQ(C(AppECONNRESET), 0, "A3b: no error");
		/* The 4-tuple is free: P's ACK of our FIN finds no socket. */
		CHECK_EQ(seg(&c, F_ACK, 102, c.x + 2, 0), 1, "A3b: ACK of our FIN");
		expect_reply(n_out - 1, &c, F_RST, c.x + 2, 0, "A3b: no socket");
	}
	teardown();
}

static void
c_disc_lastack_data(bool v6)
{
	disc_closing(v6, true, true);
}

static void
c_disc_closing_data(bool v6)
{
	disc_closing(v6, false, true);
}

static void
c_disc_lastack(bool v6)
{
	disc_closing(v6, true, false);
}

static void
c_disc_closing(bool v6)
{
	disc_closing(v6, false, false);
}

/* T52, A5: tcp_abort (ss -K) of an ESTABLISHED connection with
 * timestamps: the RST carries them (matrix 5.2), the application sees
 * ECONNABORTED. */
static void
c_abort_api(bool v6)
{
	static const char *const ov[] = { "listener hold4.delay_ms=0",
		"listener hold6.delay_ms=0", NULL };
	struct bs_flow f;
	struct peer c;
	uint16_t win;

	setup("abort-api", v6, ov);
	peer_init(&c, v6, P_HOLD);
	syn_ts_set(&c, 1000);
	syn(&c);
	peer_ts_set(&c, 1000, out[0].tsval);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "handshake");
	adv(4);
	peer_ts_set(&c, 1234, out[0].tsval);
	CHECK_EQ(seg(&c, F_ACK, 101, c.x + 1, 0), 0, "a bare ACK: TSval 1234");
	CHECK(tcb_of(&c) != NULL && (tcb_of(&c)->fl & TCB_ACCEPTED), "%s: accepted", case_name);
	peer_flow(&c, &f);
	win = announced_win(&c);
	n_out = 0;
	CHECK_EQ(bs_tcp_ep_abort(ep, &f, 0), 0, "T52: aborted");
	CHECK_EQ(n_out, 1, "T52: the RST");
	expect_abort(0, &c, c.x + 1, 101, win, "T52");
	CHECK(out[0].ts, "%s: T52: TS option (negotiated)", case_name);
	CHECK_EQ(out[0].tsecr, 1234, "%s: T52: TSecr = P's last TSval", case_name);
	CHECK_EQ(RSTS(TCP_STATE), 1, "A5: TCP_STATE");
	CHECK_EQ(C(TcpEstabResets), 1, "A5: EstabResets");
	CHECK_EQ(C(AppECONNABORTED), 1, "T52: ECONNABORTED");
	CHECK_EQ(C(AppECONNRESET), 0, "T52: not ECONNRESET");
	CHECK_EQ(states(BS_TCP_ESTABLISHED), 0, "A5: gone");
	CHECK_EQ(bs_tcp_ep_abort(ep, &f, 0), -ENOENT, "A5: nothing left");
	teardown();
}

/* C4: tcp_abort in SYN_SENT: no RST, AttemptFails through tcp_done. */
static void
c_abort_synsent(bool v6)
{
	struct bs_flow f;
	struct peer c;

	client(&c, v6, "abort-synsent", NULL);
	peer_flow(&c, &f);
	CHECK_EQ(bs_tcp_ep_abort(ep, &f, ETIMEDOUT), 0, "C4: aborted");
	CHECK_EQ(n_out, 1, "C4: no RST");
	CHECK_EQ(states(BS_TCP_SYN_SENT), 0, "C4: gone");
	CHECK_EQ(C(TcpAttemptFails), 1, "C4: AttemptFails (tcp_done)");
	CHECK_EQ(C(AppETIMEDOUT), 1, "C4: the caller's error");
	teardown();
}

/* Q36: tcp_abort of a pending handshake or a TIME_WAIT entry removes it
 * silently; disconnect has no socket there. A listener's key closes it. */
static void
c_abort_q36(bool v6)
{
	struct bs_flow f, lf;
	struct peer c;
	unsigned int lsn = listener_idx("hold", v6);

	setup("abort-q36", v6, NULL);
	peer_init(&c, v6, P_HOLD);
	syn(&c);
	peer_flow(&c, &f);
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 1, "Q36: a pending handshake");
	CHECK_EQ(bs_tcp_ep_disconnect(ep, &f), -EOPNOTSUPP, "Q36: no socket to disconnect");
	CHECK_EQ(bs_tcp_ep_abort(ep, &f, 0), 0, "Q36: request aborted");
	CHECK_EQ(states(BS_TCP_NEW_SYN_RECV), 0, "Q36: request gone");
	CHECK_EQ(ep->lsn[lsn].n_req, 0, "%s: Q36: off the listener's queue", case_name);
	CHECK_EQ(n_out, 1, "Q36: silent (the SYN-ACK only)");
	CHECK_EQ(C(TcpAttemptFails), 0, "Q36: no AttemptFails");
	CHECK_EQ(C(EmbryonicRsts), 0, "Q36: no EmbryonicRsts");
	/* The listener: remote address unspecified, remote port 0. */
	lf = f;
	memset(lf.raddr + (v6 ? 0 : 12), 0, v6 ? 16 : 4);
	lf.rport = 0;
	CHECK_EQ(bs_tcp_ep_abort(ep, &lf, 0), 0, "listener aborted");
	CHECK(!ep->lsn[lsn].open, "%s: listener closed", case_name);
	CHECK_EQ(seg(&c, F_SYN, PEER_ISN, 0, 0), 1, "a SYN after");
	expect_reply(1, &c, F_RST | F_ACK, 0, PEER_ISN + 1, "no listener");
	CHECK_EQ(bs_tcp_ep_abort(ep, &lf, 0), -ENOENT, "listener already closed");
	teardown();

	time_wait(&c, v6, "abort-q36-tw", NULL);
	peer_flow(&c, &f);
	CHECK_EQ(bs_tcp_ep_disconnect(ep, &f), -EOPNOTSUPP, "Q36: no socket in TIME_WAIT");
	CHECK_EQ(bs_tcp_ep_abort(ep, &f, 0), 0, "Q36: TIME_WAIT aborted");
	CHECK_EQ(states(BS_TCP_TIME_WAIT), 0, "Q36: TIME_WAIT gone");
	CHECK_EQ(n_out, 0, "Q36: silent");
	CHECK_EQ(seg(&c, F_ACK, 102, c.x + 2, 0), 1, "Q36: the 4-tuple is free");
	expect_reply(0, &c, F_RST, c.x + 2, 0, "Q36: no socket");
	teardown();
}

/* ==== the table ===================================================== */

struct tcase {
	const char *name;
	void (*fn)(bool v6);
	const char *rows;	/* matrix row ids it covers */
};

static const struct tcase cases[] = {
	{ "closed", c_closed, "N1 N2 X1 Q1 T1 T2 T3 T4 T5 T6 T7 T8" },
	{ "doff", c_doff, "Q3 T11" },
	{ "listen", c_listen, "L1 Q13 X2 T13 T14 T15 T16 T17 T18" },
	{ "cookies", c_cookies, "L1" },
	{ "cookies-ecmp", c_cookies_ecmp, "L1" },
	{ "conn-page", c_conn_page, "" },
	{ "synq-full", c_synq_full, "Q14" },
	{ "syn-backlog", c_syn_backlog, "Q14" },
	{ "req-wrong-ack", c_req_wrong_ack, "L2 X7 T19 T25" },
	{ "req-syn-again", c_req_syn_again, "Q15 T20" },
	{ "req-syn-in-window", c_req_syn_inwin, "R1 T21" },
	{ "req-rst", c_req_rst, "X6 X8 T22 T23" },
	{ "req-out-of-window", c_req_oow, "Q16 Q17 T24" },
	{ "overflow-abort", c_overflow_abort, "R2 T26" },
	{ "overflow-drop", c_overflow_drop, "R2b Q18 T27" },
	{ "mem-short", c_mem_short, "" },
	{ "req-listener-closed", c_req_listener_gone, "N3 L4 T28" },
	{ "req-timeout", c_req_timeout, "R7 Q19" },
	{ "listener-close-child", c_listener_close_child, "L3 T73" },
	{ "synsent-bad-ack", c_synsent_bad_ack, "C1 T29 T30" },
	{ "synsent-paws", c_synsent_paws, "C2" },
	{ "synsent-rst", c_synsent_rst, "X3 X4 X5 T31 T32 T33" },
	{ "synsent-crossed", c_synsent_crossed, "Q20 Q21 R4 R5 T34 T35" },
	{ "synsent-timeout", c_synsent_timeout, "C3 Q34 T36" },
	{ "synsent-close", c_synsent_close, "C4 Q35" },
	{ "synsent-resolving", c_synsent_resolving, "" },
	{ "synsent-unreachable", c_synsent_unreachable, "Q37" },
	{ "est-rst", c_est_rst, "X10 N5 T37 T38" },
	{ "est-rst-window", c_est_rst_window, "X13 X14 X15 T39 T40 T41 T42 CH-conn" },
	{ "challenge-global", c_challenge_global, "CH-global" },
	{ "est-syn", c_est_syn, "Q24 T43 T44" },
	{ "est-ack-unsent", c_est_ack_unsent, "Q25 T45" },
	{ "est-too-old-ack", c_est_too_old_ack, "Q27 T46" },
	{ "est-out-of-window", c_est_oow, "Q22 T47" },
	{ "est-paws", c_est_paws, "Q23" },
	{ "est-sack-rst", c_est_sack_rst, "X11" },
	{ "close-unread", c_t48, "A1 T48" },
	{ "close-unread-ts", c_t49, "A1 T49" },
	{ "close-unread-fin", c_t70, "A1 T70" },
	{ "abort", c_abort, "A2 T50" },
	{ "disconnect", c_disconnect, "A4 T51" },
	{ "disconnect-last-ack-data", c_disc_lastack_data, "A3" },
	{ "disconnect-closing-data", c_disc_closing_data, "A3" },
	{ "disconnect-last-ack", c_disc_lastack, "A3b Q35" },
	{ "disconnect-closing", c_disc_closing, "A3b Q35" },
	{ "abort-api", c_abort_api, "A5 T52" },
	{ "abort-synsent", c_abort_synsent, "C4" },
	{ "abort-q36", c_abort_q36, "Q36" },
	{ "keepalive", c_keepalive, "A6 T53" },
	{ "user-timeout", c_user_timeout, "A7 Q34 T54" },
	{ "retries2", c_retries2, "A7 Q34" },
	{ "fin-wait1-data", c_fw1_data, "D1 T55" },
	{ "fin-wait1-ack-data", c_fw1_ack_data, "D4" },
	{ "fin-wait1-linger2", c_fw1_linger2, "D3 T72" },
	{ "fin-wait2-tw-data", c_fw2_data, "D5 A12 T57" },
	{ "fin-wait2-tw-syn", c_fw2_syn, "D6" },
	{ "fin-wait2-tw-rst", c_fw2_rst, "X18 X19 T59 T60" },
	{ "time-wait", c_tw, "D7 X16 X17 Q31 Q33 T58 T61 T63 T66" },
	{ "time-wait-rfc1337", c_tw_rfc1337, "X16 T62" },
	{ "time-wait-syn", c_tw_syn, "Q31 Q32 T64 T65" },
	{ "tw-overflow", c_tw_overflow, "N4" },
	{ "time-wait-expiry", c_tw_expiry, "A12 Q33" },
	{ "time-wait-keys", c_tw_keys, "" },
	{ "close-wait-rst-1", c_cw_rst_minus1, "X12 T67" },
	{ "close-wait-rst", c_cw_rst, "X10 T68" },
	{ "close-wait-data", c_cw_data, "D2 Q26 Q30" },
	{ "last-ack-rst", c_lastack_rst, "X12 Q35 T69" },
	{ "last-ack-fin-rto", c_lastack_fin_rto, "" },
	{ "half-close", c_half_close, "Q29 T56" },
	{ "linger2-close", c_linger2_close, "A10 T71" },
	{ "orphans-close", c_orphans_close, "A9" },
	{ "orphans-rto", c_orphans_rto, "A8" },
	{ "fin-wait2-timer", c_fw2_timer, "A11" },
	{ "abort-failed", c_abort_failed, "Q38" },
	{ "app-banner", c_app_banner, "app (finwait1-data)" },
	{ "app-echo", c_app_echo, "app" },
	{ "fin-in-place", c_fin_in_place, "app" },
	{ "app-http", c_app_http, "app" },
	{ "accept-turn", c_accept_turn, "app" },
	{ "app-discard", c_app_discard, "app" },
	{ "delack", c_delack, "delayed-ACK" },
	{ "echo-nospace", c_echo_nospace, "app" },
	{ "free-delack", c_free_delack, "X10" },
};

/* Rows without a case, and why. */
static const struct {
	const char *rows;
	const char *why;
} not_applicable[] = {
	{ "R3", "the child only sees segments that passed tcp_check_req's ACK test; "
		"no drop reason can come out of its processing" },
	{ "R6 X9", "TCP Fast Open: out of scope" },
	{ "A13", "no SO_LINGER with a timeout (Linux sends nothing either)" },
	{ "A14", "no TCP_REPAIR, no network namespaces" },
	{ "Q2 T10", "link-layer and broadcast filtering is the worker's (bs_pkt_parse, "
		"bs_addr_check): test_parse, test_rst" },
	{ "Q4 T9", "the TCP checksum is verified by the worker before the endpoint: "
		"test_rst, test/packet" },
	{ "Q5", "the destination address is checked by the worker: test_rst" },
	{ "Q6", "IPsec: out of scope" },
	{ "Q7 Q8 Q9 T12", "TCP-MD5 / TCP-AO: out of scope (test_rst covers Q8/Q9 on the "
		"no-socket path)" },
	{ "Q10", "IP_MINTTL: out of scope" },
	{ "Q11", "BPF / socket filters: out of scope" },
	{ "Q12", "no socket backlog: segments are processed to completion" },
	{ "Q28", "no shutdown(SHUT_RD) in the built-in applications" },
};

/* The row ids of shared/spec/linux-rst-matrix.md sections 1-4 and 6 (CH-*:
 * the two limiters of section 4.2), embedded: the spec is not on CI. */
static const char *const spec_rows =
	"N1 N2 N3 N4 N5 L1 L2 L3 L4 R1 R2 R2b R3 R4 R5 R6 R7 C1 C2 C3 C4 "
	"A1 A2 A3 A3b A4 A5 A6 A7 A8 A9 A10 A11 A12 A13 A14 D1 D2 D3 D4 D5 D6 D7 "
	"X1 X2 X3 X4 X5 X6 X7 X8 X9 X10 X11 X12 X13 X14 X15 X16 X17 X18 X19 "
	"Q1 Q2 Q3 Q4 Q5 Q6 Q7 Q8 Q9 Q10 Q11 Q12 Q13 Q14 Q15 Q16 Q17 Q18 Q19 Q20 "
	"Q21 Q22 Q23 Q24 Q25 Q26 Q27 Q28 Q29 Q30 Q31 Q32 Q33 Q34 Q35 Q36 Q37 Q38 "
	"CH-conn CH-global";

/* A row of the spec: one of spec_rows, or T1..T73. */
static bool
is_spec_row(const char *id)
{
	char *end;
	long t;

	if (id[0] == 'T' && id[1] >= '1' && id[1] <= '9') {
		t = strtol(id + 1, &end, 10);
		return *end == '\0' && t >= 1 && t <= 73;
	}
	return bs_rows_has(spec_rows, id);
}

static void
check_coverage(void)
{
	char id[16];
	const char *p = spec_rows;
	unsigned int i, covered = 0, na = 0, t;

	for (t = 1;;) {
		size_t n;

		if (*p != '\0') {
			while (*p == ' ')
				p++;
			n = strcspn(p, " ");
			snprintf(id, sizeof(id), "%.*s", (int)n, p);
			p += n;
		} else if (t <= 73) {
			snprintf(id, sizeof(id), "T%u", t++);
		} else {
			break;
		}
		bool in_case = false, in_na = false;

		for (i = 0; i < RTE_DIM(cases); i++)
			in_case |= bs_rows_has(cases[i].rows, id);
		for (i = 0; i < RTE_DIM(not_applicable); i++)
			in_na |= bs_rows_has(not_applicable[i].rows, id);
		CHECK(in_case || in_na, "row %s has no case and no reason", id);
		CHECK(!(in_case && in_na), "row %s has a case and a reason", id);
		covered += in_case;
		na += in_na;
	}
	printf("rows: %u with a case, %u not applicable\n", covered, na);
}

/*
 * The rows the declared lists give each reset reason (bs_rst_reason.def),
 * drop reason and counter (bs_rows.def) are rows of the spec, and a row
 * with cases is served: at least one case covering it produced the reason
 * or bumped the counter. BS_ROWS_DUMP=1 prints what each case produced.
 */
static void
check_claim(const char *kind, const char *name, const char *rows,
		bool (*seen)(unsigned int c, unsigned int i), unsigned int idx)
{
	char id[16];
	const char *p = rows;

	while (*p != '\0') {
		unsigned int c, cases_for = 0, produced = 0;
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n == 0)
			break;
		snprintf(id, sizeof(id), "%.*s", (int)n, p);
		p += n;
		CHECK(is_spec_row(id), "%s %s: row %s is not in the spec", kind, name, id);
		for (c = 0; c < RTE_DIM(cases); c++) {
			if (!bs_rows_has(cases[c].rows, id))
				continue;
			cases_for++;
			produced += seen(c, idx);
		}
		CHECK(cases_for == 0 || produced > 0,
			"%s %s claims row %s: none of its %u cases produced it",
			kind, name, id, cases_for);
	}
}

static bool
seen_rst_of(unsigned int c, unsigned int i)
{
	return seen_rst[c][i];
}

static bool
seen_drop_of(unsigned int c, unsigned int i)
{
	return seen_drop[c][i];
}

static bool
seen_cnt_of(unsigned int c, unsigned int i)
{
	return seen_cnt[c][i];
}

static void
check_rows_claimed(void)
{
	unsigned int c, i;

	CHECK(RTE_DIM(cases) <= MAX_CASES, "MAX_CASES");
	for (i = 0; i < BS_RST_REASON_MAX; i++)
		check_claim("reset reason", bs_rst_reason_name(i), bs_rst_reason_rows(i),
			seen_rst_of, i);
	for (i = 1; i < BS_DROP_MAX; i++)
		check_claim("drop reason", bs_drop_name(i), bs_drop_rows(i), seen_drop_of, i);
	for (i = 0; i < BS_CNT_MAX; i++)
		check_claim("counter", bs_counter_name(i), bs_counter_rows(i), seen_cnt_of, i);
	if (getenv("BS_ROWS_DUMP") == NULL)
		return;
	for (c = 0; c < RTE_DIM(cases); c++) {
		printf("case %s [%s]:", cases[c].name, cases[c].rows);
		for (i = 0; i < BS_RST_REASON_MAX; i++)
			if (seen_rst[c][i])
				printf(" R:%s", bs_rst_reason_name(i));
		for (i = 1; i < BS_DROP_MAX; i++)
			if (seen_drop[c][i])
				printf(" D:%s", bs_drop_name(i));
		for (i = 0; i < BS_CNT_MAX; i++)
			if (seen_cnt[c][i])
				printf(" C:%s", bs_counter_name(i));
		printf("\n");
	}
}

/* tcp_parse_opts: its two shortcut layouts read as the general loop reads
 * them, and near misses that must take the loop. */
static void
test_opts_layouts(void)
{
	static const uint8_t syn[20] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0x11, 0x22, 0x33, 0x44,
		0, 0, 0, 0, 1, 3, 3, 7,
	};
	static const uint8_t ts[12] = {
		1, 1, 8, 10, 0xde, 0xad, 0xbe, 0xef, 0x01, 0x02, 0x03, 0x04,
	};
	struct bs_tcp_seg s = { .flags = BS_TCP_SYN, .opt_len = 20, .opts = syn };
	uint8_t b[20];
	struct tcp_opts o;

	tcp_parse_opts(&s, &o);
	CHECK(o.mss == 1460 && o.sack_ok && o.ts && o.tsval == 0x11223344 &&
		o.tsecr == 0 && o.ws == 7 && o.n_sacks == 0, "Linux SYN layout");
	s.flags = BS_TCP_ACK;	/* not a SYN: only the timestamps count */
	tcp_parse_opts(&s, &o);
	CHECK(o.mss == 0 && !o.sack_ok && o.ts && o.tsval == 0x11223344 && o.ws == 0xff,
		"SYN layout without SYN");
	memcpy(b, syn, sizeof(b));
	b[19] = 20;		/* a scale above 14 is taken as 14 */
	s.flags = BS_TCP_SYN;
	s.opts = b;
	tcp_parse_opts(&s, &o);
	CHECK(o.ws == TCP_MAX_WSCALE && o.mss == 1460, "window scale clamped");
	b[16] = 0;		/* EOL where the NOP was: no window scale */
	tcp_parse_opts(&s, &o);
	CHECK(o.mss == 1460 && o.sack_ok && o.ts && o.ws == 0xff, "EOL before WS");
	memcpy(b, syn, sizeof(b));
	b[5] = 3;		/* SACK-permitted of length 3: the loop stops there */
	tcp_parse_opts(&s, &o);
	CHECK(o.mss == 1460 && !o.sack_ok && !o.ts && o.ws == 0xff, "bad length stops");
	s.opts = ts;
	s.opt_len = 12;
	s.flags = BS_TCP_ACK;
	tcp_parse_opts(&s, &o);
	CHECK(o.ts && o.tsval == 0xdeadbeef && o.tsecr == 0x01020304 && o.mss == 0 &&
		o.ws == 0xff && !o.sack_ok, "NOP NOP TS");
	s.opt_len = 11;		/* cut short: the TS option does not fit */
	tcp_parse_opts(&s, &o);
	CHECK(!o.ts, "TS cut short");
}

int
main(int argc, char **argv)
{
	const char *only = argc > 1 ? argv[1] : NULL;
	unsigned int i;

	pool = t_eal_pool(argv[0], "tcp", 256, 2047);
	if (pool == NULL)
		return 1;
	hz = rte_get_tsc_hz();
	memcpy(port_mac.addr_bytes, t_port_mac, 6);
	if (only == NULL)
		test_opts_layouts();
	for (i = 0; i < RTE_DIM(cases); i++) {
		if (only != NULL && strcmp(only, cases[i].name) != 0)
			continue;
		cur_case = i;
		cases[i].fn(false);
		cases[i].fn(true);
	}
	check_coverage();
	if (only == NULL)
		check_rows_claimed();
	rte_mempool_free(pool);
	rte_eal_cleanup();
	return bs_test_done();
}
