/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: a sequence of segments against one connection of the
 * TCP endpoint (lib/tcp), driven as test/unit/test_tcp_ep.c drives it: no
 * device, a fake clock, frames parsed as the worker parses them.
 *
 * Input: a start byte (bits 0-3: the state to reach first, below; bit 4:
 * IPv6), then records of 9 bytes, big endian:
 *   flags (the TCP flags byte), dseq (int16), dack (int16), len (uint16),
 *   wait (uint16: bits 0-11 milliseconds to let pass first, bit 15: a
 *   timestamp option, bit 14: then the control plane closes the
 *   connection: bs_tcp_ep_disconnect() if flags is odd, else
 *   bs_tcp_ep_abort(), as the CLI and ss -K do)
 * A record's SEQ is the peer's next sequence number + dseq and its ACK
 * the highest sequence number the endpoint sent + dack, so that fuzzing
 * stays near the window, where the state machine decides.
 *
 * Invariants: every frame sent is a valid TCP segment (checksums) between
 * the connection's addresses and ports; no RST answers an RST; no frame
 * carries both SYN and RST; once the endpoint is freed every mbuf is back
 * in the pool (a small one).
 */
#include <rte_cycles.h>
#include <rte_mbuf.h>

#include "bs_config.h"
#include "bs_flow.h"
#include "bs_tcp.h"
#include "bs_tcp_ep.h"
#include "frames.h"
#include "fuzz.h"

#define POOL_MBUFS 1024
#define PEER_ISN 100u
#define MAX_RECS 48
#define REC_LEN 9

enum start {
	S_CLOSED,	/* port 23: no listener */
	S_LISTEN,	/* echo listener, nothing yet */
	S_SYN_RECV,	/* SYN to hold: a pending handshake */
	S_ESTABLISHED,	/* hold: SYN, ACK */
	S_CLOSE_WAIT,	/* hold, peer FIN */
	S_FIN_WAIT1,	/* banner: its data and FIN unacknowledged */
	S_FIN_WAIT2,	/* banner, all acknowledged */
	S_TIME_WAIT,	/* banner, acknowledged, peer FIN */
	S_CLOSING,	/* banner, peer FIN before acknowledging ours */
	S_LAST_ACK,	/* echo, peer FIN: echo closes */
	S_SYN_SENT,	/* the [client]'s SYN */
	S_ACTIVE,	/* the [client], peer SYN-ACK */
	S_SIMULTANEOUS,	/* the [client], peer SYN */
	S_HTTP,		/* http, a request */
	S_HALF_CLOSE,	/* half-close, a line */
	S_KEEPALIVE,	/* keepalive, established */
	S_MAX
};

static const uint16_t start_port[S_MAX] = {
	23, 7, 5000, 5000, 5000, 21, 21, 21, 21, 7, 8080, 8080, 8080, 80, 5003, 5004
};

static struct rte_mempool *pool;
static struct bs_config cfg_passive, cfg_active;
static struct bs_stats st;
static struct bs_tcp_ep *ep;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct rte_ether_addr port_mac;
static uint64_t hz, t0;
static uint32_t now_ms;

/* The peer's view of its connection. */
static struct {
	bool v6;
	uint16_t sport, dport;	/* the endpoint's port, the peer's */
	uint32_t nxt;		/* the peer's next SEQ */
	uint32_t l_nxt;		/* highest SEQ + len the endpoint sent */
	bool l_seen;
	uint32_t ts;		/* the peer's TSval */
	bool in_rst;		/* the segment being input carries RST */
} P;

static const char listeners[] =
	"[tcp]\nconnections = 64\nrequests = 64\ntcp_max_tw_buckets = 64\ntcp_max_orphans = 64\n\n"
	"[listener echo4]\naddress = 198.18.0.2\nport = 7\napp = echo\n\n"
	"[listener echo6]\naddress = 2001:2::2\nport = 7\napp = echo\n\n"
	"[listener web]\naddress = any\nport = 80\napp = http\n\n"
	"[listener hold]\naddress = any\nport = 5000\napp = hold\n\n"
	"[listener ban]\naddress = any\nport = 21\napp = banner\nbanner = 220 fuzz\\r\\n\n\n"
	"[listener hc]\naddress = any\nport = 5003\napp = half-close\n\n"
	"[listener ka]\naddress = any\nport = 5004\napp = keepalive\nkeepalive_idle = 1\n"
	"keepalive_intvl = 1\nkeepalive_probes = 2\n\n";

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)rd16(p) << 16 | rd16(p + 2);
}

/* A frame the endpoint sent: check it, learn its sequence numbers. */
static void
tx_check(const uint8_t *f, uint32_t len)
{
	bool v6 = rd16(f + 12) == 0x86dd;
	const uint8_t *ip = f + 14, *th;
	uint32_t l4, sum = 0, i, ihl, seq, end;
	uint8_t fl;

	FUZZ_ASSERT(len >= 14 + 20 && (v6 || rd16(f + 12) == 0x0800), "frame type %#x",
		rd16(f + 12));
	FUZZ_ASSERT(memcmp(f + 6, port_mac.addr_bytes, 6) == 0, "source MAC");
	if (v6) {
		FUZZ_ASSERT(len >= 14 + 40 + 20 && ip[6] == 6, "IPv6 TCP frame");
		l4 = rd16(ip + 4);
		th = ip + 40;
		for (i = 0; i < 32; i += 2)
			sum += rd16(ip + 8 + i);
	} else {
		ihl = (ip[0] & 0x0fu) * 4;
		FUZZ_ASSERT(ihl >= 20 && ip[9] == 6 && t_csum(ip, ihl, 0) == 0,
			"IPv4 header of a frame sent");
		l4 = rd16(ip + 2) - ihl;
		th = ip + ihl;
		for (i = 0; i < 8; i += 2)
			sum += rd16(ip + 12 + i);
	}
	FUZZ_ASSERT(th + l4 <= f + len && l4 >= 20, "segment length %u in a frame of %u", l4, len);
	FUZZ_ASSERT(t_csum(th, l4, sum + 6 + l4) == 0, "TCP checksum of a frame sent");
	fl = th[13];
	FUZZ_ASSERT(!((fl & BS_TCP_SYN) && (fl & BS_TCP_RST)), "SYN and RST together");
	if (v6 != P.v6 || rd16(th + 2) != P.dport)
		return;		/* the other client's */
	FUZZ_ASSERT(rd16(th) == P.sport, "a frame to the peer from port %u, not %u",
		rd16(th), P.sport);
	seq = rd32(th + 4);
	end = seq + (l4 - (th[12] >> 4) * 4u) + !!(fl & BS_TCP_SYN) + !!(fl & BS_TCP_FIN);
	if (!P.l_seen || (int32_t)(end - P.l_nxt) > 0)
		P.l_nxt = end;
	P.l_seen = true;
}

static void
tx_cb(void *arg, unsigned int port, struct rte_mbuf *m)
{
	(void)arg;
	FUZZ_ASSERT(port == 0, "TX port %u", port);
	tx_check(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len);
	if ((rte_pktmbuf_mtod(m, const uint8_t *)[P.v6 ? 14 + 40 + 13 : 14 + 20 + 13] &
			BS_TCP_RST) && bs_tcp_ep_tx_rst(ep) < 0)
		FUZZ_ASSERT(0, "an RST sent without a reason");
	rte_pktmbuf_free(m);
}

static int
resolve_cb(void *arg, struct bs_flow *f, struct bs_tcp_l2 *l2)
{
	(void)arg;
	(void)f;
	l2->port = 0;
	l2->rx_port = 0;
	l2->vlan = 0;
	memcpy(l2->peer.addr_bytes, t_peer_mac, 6);
	return BS_TCP_RESOLVED;
}

static void
advance(uint32_t ms)
{
	uint32_t end = now_ms + ms;

	while (now_ms < end) {
		now_ms = RTE_MIN(now_ms + 16, end);
		bs_tcp_ep_poll(ep, t0 + (uint64_t)now_ms * hz / 1000);
	}
}

/* One segment from the peer. */
static void
seg(uint8_t flags, uint32_t seq, uint32_t ack, uint16_t len, bool ts)
{
	static uint8_t buf[2048];
	struct bs_tcp_verdict v;
	struct bs_tcp_seg s;
	struct bs_tcp_l2 l2;
	struct rte_mbuf *m;
	struct tseg t;
	struct bs_pkt p;
	uint8_t *frame;
	size_t n;
	int rc;

	t_seg_init(&t, P.v6, 0);
	t.sport = P.dport;
	t.dport = P.sport;
	t.flags = flags;
	t.seq = seq;
	t.ack = ack;
	t.win = 65535;
	t.payload = len;
	if (flags & BS_TCP_SYN) {
		static const uint8_t syn_opts[] = { 2, 4, 0x05, 0xb4, 4, 2, 1, 3, 3, 7 };

		memcpy(t.tcp_opts, syn_opts, sizeof(syn_opts));
		t.tcp_opt_len = 12;
		t.tcp_opts[10] = t.tcp_opts[11] = 1;
	}
	if (ts && t.tcp_opt_len + 12 <= sizeof(t.tcp_opts)) {
		uint8_t *o = t.tcp_opts + t.tcp_opt_len;

		P.ts += 7;
		o[0] = o[1] = 1;
		o[2] = 8;
		o[3] = 10;
		o[4] = (uint8_t)(P.ts >> 24);
		o[5] = (uint8_t)(P.ts >> 16);
		o[6] = (uint8_t)(P.ts >> 8);
		o[7] = (uint8_t)P.ts;
		memset(o + 8, 0, 4);
		t.tcp_opt_len = (uint8_t)(t.tcp_opt_len + 12);
	}
	n = t_build_segment(buf, &t);
	m = rte_pktmbuf_alloc(pool);
	if (m == NULL)
		return;		/* the endpoint holds the pool: as a NIC would, drop */
	frame = (uint8_t *)rte_pktmbuf_append(m, (uint16_t)n);
	memcpy(frame, buf, n);
	rc = bs_pkt_parse(&p, frame, m->data_len, m->pkt_len, &port_mac, false);
	if (rc == 0)
		rc = bs_tcp_seg_parse(&s, frame + p.l2_len + p.l3_len, p.l4_len,
			m->data_len - p.l2_len - p.l3_len);
	FUZZ_ASSERT(rc == 0, "a well-formed segment refused: drop reason %d", rc);
	l2.port = 0;
	l2.rx_port = 0;
	l2.vlan = 0;
	memcpy(l2.peer.addr_bytes, frame + 6, 6);
	P.in_rst = (flags & BS_TCP_RST) != 0;
	if (bs_tcp_ep_input(ep, m, &p, &s, &l2, &v) == BS_TCP_EP_VERDICT) {
		if (v.action == BS_TCP_SEND_RST) {
			uint32_t l;

			FUZZ_ASSERT(!P.in_rst, "an RST answers an RST (reason %u)", v.reason);
			FUZZ_ASSERT(v.reason < BS_RST_REASON_MAX, "reset reason %u", v.reason);
			l = bs_tcp_rst_write(frame, &p, &s, &v, &port_mac, &ipc, false);
			m->data_len = (uint16_t)l;
			m->pkt_len = l;
			st.rst[v.reason]++;
			tx_check(frame, l);
		} else {
			FUZZ_ASSERT(v.reason < BS_DROP_MAX, "drop reason %u", v.reason);
			st.drop[v.reason]++;
		}
		rte_pktmbuf_free(m);
	}
	P.in_rst = false;
}

/* The control plane closes the connection (CLI, ss -K). */
static void
close_event(bool disconnect)
{
	static const uint8_t v4mapped[12] = BS_FLOW_V4MAPPED_PREFIX;
	struct bs_flow f;

	memset(&f, 0, sizeof(f));
	if (P.v6) {
		f.raddr[0] = f.laddr[0] = 0x20;
		f.raddr[1] = f.laddr[1] = 0x01;
		f.raddr[3] = f.laddr[3] = 0x02;
		f.raddr[15] = 1;
		f.laddr[15] = 2;
	} else {
		memcpy(f.raddr, v4mapped, 12);
		memcpy(f.laddr, v4mapped, 12);
		memcpy(f.raddr + 12, (const uint8_t[]){ 198, 18, 0, 1 }, 4);
		memcpy(f.laddr + 12, (const uint8_t[]){ 198, 18, 0, 2 }, 4);
	}
	f.rport = rte_cpu_to_be_16(P.dport);
	f.lport = rte_cpu_to_be_16(P.sport);
	if (disconnect)
		bs_tcp_ep_disconnect(ep, &f);
	else
		bs_tcp_ep_abort(ep, &f, 0);
}

/* The peer's segment, its SEQ and ACK the expected ones; moves P.nxt. */
static void
pseg(uint8_t flags, uint16_t len)
{
	seg(flags, P.nxt, P.l_nxt, len, false);
	P.nxt += len + !!(flags & BS_TCP_SYN) + !!(flags & BS_TCP_FIN);
}

static void
reach(unsigned int s)
{
	bool banner = s >= S_FIN_WAIT1 && s <= S_CLOSING;

	if (s == S_CLOSED || s == S_LISTEN)
		return;
	if (s >= S_SYN_SENT && s <= S_SIMULTANEOUS) {
		advance(1);	/* the [client] sends its SYN */
		if (s == S_ACTIVE)
			pseg(BS_TCP_SYN | BS_TCP_ACK, 0);
		else if (s == S_SIMULTANEOUS)
			pseg(BS_TCP_SYN, 0);
		return;
	}
	pseg(BS_TCP_SYN, 0);
	if (s == S_SYN_RECV)
		return;
	pseg(BS_TCP_ACK, 0);
	advance(1);
	if (s == S_CLOSE_WAIT || s == S_LAST_ACK)
		pseg(BS_TCP_FIN | BS_TCP_ACK, 0);
	if (banner && s != S_FIN_WAIT1 && s != S_CLOSING)
		pseg(BS_TCP_ACK, 0);
	if (s == S_TIME_WAIT || s == S_CLOSING) {
		if (s == S_CLOSING)
			seg(BS_TCP_FIN | BS_TCP_ACK, P.nxt, P.l_nxt - 1, 0, false);
		else
			pseg(BS_TCP_FIN | BS_TCP_ACK, 0);
		P.nxt += s == S_CLOSING;
	}
	if (s == S_HTTP)
		pseg(BS_TCP_PSH | BS_TCP_ACK, 18);
	if (s == S_HALF_CLOSE)
		pseg(BS_TCP_PSH | BS_TCP_ACK, 8);
	advance(1);
}

/* FUZZ_TCP_VERBOSE=1: the states each start reached (to check reach()). */
static bool verbose;

static void
print_states(unsigned int start)
{
	uint64_t n[BS_TCP_STATE_MAX];
	unsigned int i;

	bs_tcp_ep_state_counts(ep, n);
	fprintf(stderr, "start %u%s:", start, P.v6 ? " v6" : "");
	for (i = 0; i < BS_TCP_STATE_MAX; i++)
		if (n[i] != 0 && i != BS_TCP_LISTEN && i != BS_TCP_NONE)
			fprintf(stderr, " %s=%llu", bs_tcp_state_name(i), (unsigned long long)n[i]);
	fprintf(stderr, "\n");
}

static void
ep_new(const struct bs_config *conf)
{
	struct bs_tcp_ep_conf c = {
		.conf = conf, .ip = &ipc, .pool = pool, .stats = &st, .tx = tx_cb,
		.resolve = resolve_cb, .n_workers = 1, .socket = SOCKET_ID_ANY,
		.tsc_hz = hz, .port_mac = &port_mac, .n_ports = 1,
	};
	char err[256];

	ep = bs_tcp_ep_create(&c, err, sizeof(err));
	FUZZ_ASSERT(ep != NULL, "endpoint: %s", err);
	t0 = rte_rdtsc();
	now_ms = 0;
	bs_tcp_ep_set_time(ep, t0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int start, i, n_recs;

	if (size < 1)
		return -1;
	start = (data[0] & 0x0f) % S_MAX;
	n_recs = RTE_MIN((size - 1) / REC_LEN, MAX_RECS);
	memset(&st, 0, sizeof(st));
	memset(&P, 0, sizeof(P));
	P.v6 = (data[0] & 0x10) != 0;
	P.sport = start_port[start];
	P.dport = start >= S_SYN_SENT && start <= S_SIMULTANEOUS ? 8080 : 40000;
	if (start >= S_SYN_SENT && start <= S_SIMULTANEOUS)
		P.sport = 50000;	/* the [client]'s source_port */
	P.nxt = PEER_ISN;
	P.ts = 1000;
	ep_new(start >= S_SYN_SENT && start <= S_SIMULTANEOUS ? &cfg_active : &cfg_passive);
	reach(start);
	if (verbose)
		print_states(start);
	for (i = 0; i < n_recs; i++) {
		const uint8_t *r = data + 1 + i * REC_LEN;
		uint8_t flags = r[0];
		int16_t dseq = (int16_t)rd16(r + 1), dack = (int16_t)rd16(r + 3);
		uint16_t len = rd16(r + 5) % 1401, wait = rd16(r + 7);

		advance(wait & 0x0fff);
		seg(flags, P.nxt + (uint32_t)(int32_t)dseq, P.l_nxt + (uint32_t)(int32_t)dack,
			len, (wait & 0x8000) != 0);
		if (dseq == 0)
			P.nxt += len + !!(flags & BS_TCP_SYN) + !!(flags & BS_TCP_FIN);
		if (wait & 0x4000)
			close_event(flags & 1);
	}
	if (verbose)
		print_states(start);
	bs_tcp_ep_free(ep);
	ep = NULL;
	FUZZ_ASSERT(rte_mempool_in_use_count(pool) == 0, "%u mbufs leaked",
		rte_mempool_in_use_count(pool));
	return 0;
}

static void
conf(struct bs_config *c, const char *client_start)
{
	static char text[4096];
	char err[256];

	snprintf(text, sizeof(text), "%s"
		"[client c4]\naddress = 198.18.0.1\nport = 8080\nsource = 198.18.0.2\n"
		"source_port = 50000\nstart_ms = %s\n\n"
		"[client c6]\naddress = 2001:2::1\nport = 8080\nsource = 2001:2::2\n"
		"source_port = 50000\nstart_ms = %s\n", listeners, client_start, client_start);
	bs_config_defaults(c);
	FUZZ_ASSERT(bs_config_parse(c, text, "fuzz", err, sizeof(err)) == 0, "config: %s", err);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	verbose = getenv("FUZZ_TCP_VERBOSE") != NULL;
	pool = fuzz_eal_pool("tcp", POOL_MBUFS);
	hz = rte_get_tsc_hz();
	memcpy(port_mac.addr_bytes, t_port_mac, 6);
	conf(&cfg_passive, "2147483647");
	conf(&cfg_active, "0");
	return 0;
}
