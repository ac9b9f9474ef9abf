/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A TX queue that does not drain (lib/worker/worker.c: port_send() and
 * bs_worker_flush()). The worker runs its real poll loop (bs_worker_poll)
 * on a real ethdev: a net_ring port (rte_eth_from_rings) brought up by
 * bs_port_start, whose RX ring the test fills and whose TX ring of 48
 * slots nobody reads unless the test says so. Whatever rte_eth_tx_burst
 * refuses must be counted under TX_RING_FULL, one per frame, and freed
 * at once: the pool's in-use count is exactly what sits in the TX ring.
 * Every poll takes a whole RX burst however full the TX ring is (no
 * waiting), the frames that fit leave in order, ARP, ping and neighbour
 * solicitations are answered again once the ring drains, and the TCP
 * endpoint's lost frames (a SYN-ACK, echoed data; its own TX buffer, sent
 * early when it fills) come back from its timers.
 */
#include <stdlib.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_ring.h>

#include "bs_config.h"
#include "bs_port.h"
#include "bs_tcp_ep.h"
#include "bs_test.h"
#include "bs_worker.h"
#include "frames.h"

#define TX_SLOTS 48		/* the TX ring nobody drains */
#define MAX_POLLS 100000	/* a poll loop that never empties RX: stalled */

static struct rte_mempool *pool, *filler_pool;
static struct rte_ring *rxr, *txr;
static struct bs_config cfg;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct bs_port bport;
static struct bs_worker w;
static struct bs_stats s0;	/* the counters when the case began */
static uint64_t ep_frames;	/* frames the endpoint handed the worker */

static const uint8_t us4[4] = { 198, 18, 0, 2 }, peer4[4] = { 198, 18, 0, 1 };
static const uint8_t us6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
static const uint8_t peer6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };

static uint64_t
d_drop(unsigned int reason)
{
	return w.stats.drop[reason] - s0.drop[reason];
}

static uint64_t
d_cnt(unsigned int c)
{
	return w.stats.cnt[c] - s0.cnt[c];
}

static uint64_t
d_drops_all(void)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < BS_DROP_MAX; i++)
		n += d_drop(i);
	return n;
}

static void
case_begin(void)
{
	s0 = w.stats;
}

/* One mbuf into and out of a ring. The arrays are 4 pointers long: at -O0
 * gcc sees DPDK's 32-byte copy path of a ring of 8-byte entries and warns. */
static int
ring_put(struct rte_ring *r, struct rte_mbuf *m)
{
	struct rte_mbuf *one[4] = { m };

	return rte_ring_sp_enqueue_bulk(r, (void *const *)one, 1, NULL) == 1 ? 0 : -1;
}

static struct rte_mbuf *
ring_get(struct rte_ring *r)
{
	struct rte_mbuf *one[4] = { NULL };

	return rte_ring_sc_dequeue_bulk(r, (void **)one, 1, NULL) == 1 ? one[0] : NULL;
}

/* A received frame, waiting in the port's RX ring. */
static void
inject(const uint8_t *f, size_t n)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	if (m == NULL || rte_pktmbuf_append(m, (uint16_t)n) == NULL) {
		printf("no mbuf for a test frame\n");
		exit(1);
	}
	memcpy(rte_pktmbuf_mtod(m, uint8_t *), f, n);
	if (ring_put(rxr, m) != 0) {
		printf("RX ring full\n");
		exit(1);
	}
}

/* Poll until the RX ring is empty. @return the polls it took */
static unsigned int
run(void)
{
	unsigned int polls = 0;

	while (!rte_ring_empty(rxr) && polls < MAX_POLLS) {
		bs_worker_poll(&w);
		polls++;
	}
	CHECK(rte_ring_empty(rxr), "the worker kept receiving (%u polls)", polls);
	return polls;
}

/* Leave @p free_slots free in the TX ring, filling it with frames of
 * another pool (the test's pool counts only the worker's frames). */
static void
tx_fill(unsigned int free_slots)
{
	while (rte_ring_free_count(txr) > free_slots) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(filler_pool);

		if (m == NULL || ring_put(txr, m) != 0) {
			printf("cannot fill the TX ring\n");
			exit(1);
		}
	}
}

/* Take what is in the TX ring: the test's frames into @p out (up to
 * @p max, NULL: freed), fillers freed. @return frames of the test's pool */
static unsigned int
tx_take(struct rte_mbuf **out, unsigned int max)
{
	struct rte_mbuf *m;
	unsigned int n = 0;

	while ((m = ring_get(txr)) != NULL) {
		if (m->pool == pool && out != NULL && n < max) {
			out[n++] = m;
			continue;
		}
		if (m->pool == pool)
			n++;
		rte_pktmbuf_free(m);
	}
	return n;
}

/* The worker's frames in the TX ring (fillers are not). */
static unsigned int
ring_ours(void)
{
	unsigned int ours = 0, i, n = rte_ring_count(txr);

	for (i = 0; i < n; i++) {
		struct rte_mbuf *m;

		if ((m = ring_get(txr)) == NULL)
			break;
		ours += m->pool == pool;
		ring_put(txr, m);	/* back at the tail: order kept */
	}
	return ours;
}

/* mbufs of the test's pool in use beyond what the TX ring holds. */
static unsigned int
held(void)
{
	return rte_mempool_in_use_count(pool) - ring_ours();
}

/* A SYN (or other segment) from the peer. */
static void
inject_seg(const struct tseg *s)
{
	uint8_t f[256];

	inject(f, t_build_segment(f, s));
}

static void
syn_to(struct tseg *s, uint16_t sport, uint16_t dport, uint32_t seq)
{
	t_seg_init(s, false, 0);
	s->flags = 0x02;
	s->sport = sport;
	s->dport = dport;
	s->seq = seq;
}

static void
check_rst_of(struct rte_mbuf *m, const struct tseg *s, const char *what)
{
	uint8_t want[128];
	size_t n = t_build_expected_rst(want, s, 0);

	CHECK_BYTES(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, want, n, what);
}

/*
 * 200 SYNs to a closed port while nothing drains the TX ring: the first
 * 48 RSTs fill it, in order; the 152 others are counted and freed; each
 * poll took a whole burst.
 */
static void
c_stray_flood(void)
{
	struct rte_mbuf *got[TX_SLOTS];
	unsigned int i, n, polls;
	struct tseg s;

	case_begin();
	for (i = 0; i < 200; i++) {
		syn_to(&s, (uint16_t)(40000 + i), 23, 1000 * i);
		inject_seg(&s);
	}
	polls = run();
	CHECK_EQ(polls, (200 + w.burst - 1) / w.burst, "flood: a whole burst per poll");
	CHECK_EQ(d_cnt(BS_CNT_RxFrames), 200, "flood: received");
	CHECK_EQ(w.stats.rst[BS_RST_REASON_NO_SOCKET] - s0.rst[BS_RST_REASON_NO_SOCKET], 200,
		"flood: an RST built for each");
	CHECK_EQ(d_cnt(BS_CNT_TxFrames), TX_SLOTS, "flood: TxFrames");
	CHECK_EQ(w.stats.port[0].tx - s0.port[0].tx, TX_SLOTS, "flood: port tx");
	CHECK_EQ(d_drop(BS_DROP_TX_RING_FULL), 200 - TX_SLOTS, "flood: TX_RING_FULL");
	CHECK_EQ(d_drops_all(), 200 - TX_SLOTS, "flood: no other drop");
	CHECK_EQ(rte_ring_count(txr), TX_SLOTS, "flood: the TX ring full");
	CHECK_EQ(held(), 0, "flood: every refused RST freed");
	n = tx_take(got, TX_SLOTS);
	CHECK_EQ(n, TX_SLOTS, "flood: the ring holds the worker's RSTs");
	for (i = 0; i < n; i++) {
		char what[64];

		syn_to(&s, (uint16_t)(40000 + i), 23, 1000 * i);
		snprintf(what, sizeof(what), "flood: RST %u in order", i);
		check_rst_of(got[i], &s, what);
		rte_pktmbuf_free(got[i]);
	}
	CHECK_EQ(rte_mempool_in_use_count(pool), 0, "flood: every mbuf back");
}

/* One burst of 32 with 10 slots free: the first 10 leave, 22 counted. */
static void
c_partial(void)
{
	struct rte_mbuf *got[TX_SLOTS];
	unsigned int i, n;
	struct tseg s;

	case_begin();
	tx_fill(10);
	for (i = 0; i < 32; i++) {
		syn_to(&s, (uint16_t)(50000 + i), 25, 7 * i);
		inject_seg(&s);
	}
	bs_worker_poll(&w);
	CHECK(rte_ring_empty(rxr), "partial: one poll took the burst");
	CHECK_EQ(d_cnt(BS_CNT_TxFrames), 10, "partial: TxFrames");
	CHECK_EQ(d_drop(BS_DROP_TX_RING_FULL), 22, "partial: TX_RING_FULL");
	CHECK_EQ(held(), 0, "partial: the 22 freed");
	n = tx_take(got, TX_SLOTS);
	CHECK_EQ(n, 10, "partial: 10 RSTs behind the fillers");
	for (i = 0; i < n; i++) {
		syn_to(&s, (uint16_t)(50000 + i), 25, 7 * i);
		check_rst_of(got[i], &s, "partial: the first ten, in order");
		rte_pktmbuf_free(got[i]);
	}
	CHECK_EQ(rte_mempool_in_use_count(pool), 0, "partial: every mbuf back");
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

/* An ARP request for us. @return its length */
static size_t
arp_request(uint8_t *f)
{
	memset(f, 0, 60);
	memset(f, 0xff, 6);
	memcpy(f + 6, t_peer_mac, 6);
	put16(f + 12, 0x0806);
	memcpy(f + 14, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 1 }, 8);
	memcpy(f + 22, t_peer_mac, 6);
	memcpy(f + 28, peer4, 4);
	memcpy(f + 38, us4, 4);
	return 60;
}

/* An ICMP echo request to us, 8 bytes of data. @return its length */
static size_t
ping4(uint8_t *f, uint16_t seq)
{
	uint8_t *ip = f + 14, *icmp = f + 34;

	memset(f, 0, 50);
	memcpy(f, t_port_mac, 6);
	memcpy(f + 6, t_peer_mac, 6);
	put16(f + 12, 0x0800);
	ip[0] = 0x45;
	put16(ip + 2, 36);
	ip[8] = 64;
	ip[9] = 1;
	memcpy(ip + 12, peer4, 4);
	memcpy(ip + 16, us4, 4);
	put16(ip + 10, t_csum(ip, 20, 0));
	icmp[0] = 8;
	put16(icmp + 4, 0x4242);
	put16(icmp + 6, seq);
	memcpy(icmp + 8, "txfull!!", 8);
	put16(icmp + 2, t_csum(icmp, 16, 0));
	return 50;
}

/* A neighbour solicitation for us with the peer's link-layer address. */
static size_t
ns6(uint8_t *f)
{
	static const uint8_t snm[16] = { 0xff, 0x02, [11] = 1, 0xff, 0, 0, 2 };
	uint8_t *ip = f + 14, *icmp = f + 54, ph[40] = { 0 };
	uint32_t sum = 0;
	unsigned int i;

	memset(f, 0, 86);
	memcpy(f, (const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 2 }, 6);
	memcpy(f + 6, t_peer_mac, 6);
	put16(f + 12, 0x86dd);
	ip[0] = 0x60;
	put16(ip + 4, 32);
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, peer6, 16);
	memcpy(ip + 24, snm, 16);
	icmp[0] = 135;
	memcpy(icmp + 8, us6, 16);
	icmp[24] = 1;
	icmp[25] = 1;
	memcpy(icmp + 26, t_peer_mac, 6);
	memcpy(ph, peer6, 16);
	memcpy(ph + 16, snm, 16);
	ph[35] = 32;
	ph[39] = 58;
	for (i = 0; i < 40; i += 2)
		sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	put16(icmp + 2, t_csum(icmp, 32, sum));
	return 86;
}

static void
inject_l3(void)
{
	uint8_t f[128];

	inject(f, arp_request(f));
	inject(f, ping4(f, 7));
	inject(f, ns6(f));
}

/*
 * ARP, ping and a neighbour solicitation while the ring is full: each
 * answer built, counted and freed; the same once the ring drained: each
 * answered.
 */
static void
c_l3(void)
{
	struct rte_mbuf *got[4];
	const uint8_t *r;
	unsigned int n;

	case_begin();
	tx_fill(0);
	inject_l3();
	run();
	CHECK_EQ(d_cnt(BS_CNT_ArpOutReplies), 1, "l3, full: ARP reply built");
	CHECK_EQ(d_cnt(BS_CNT_IcmpOutEchoReps), 1, "l3, full: echo reply built");
	CHECK_EQ(d_cnt(BS_CNT_Icmp6OutNeighborAdvertisements), 1, "l3, full: NA built");
	CHECK_EQ(d_drop(BS_DROP_TX_RING_FULL), 3, "l3, full: TX_RING_FULL");
	CHECK_EQ(d_drops_all(), 3, "l3, full: no other drop");
	CHECK_EQ(d_cnt(BS_CNT_TxFrames), 0, "l3, full: nothing sent");
	CHECK_EQ(rte_mempool_in_use_count(pool), 0, "l3, full: every answer freed");
	CHECK_EQ(tx_take(NULL, 0), 0, "l3, full: nothing of ours in the ring");

	case_begin();
	inject_l3();
	run();
	CHECK_EQ(d_cnt(BS_CNT_TxFrames), 3, "l3, drained: three answers sent");
	CHECK_EQ(d_drops_all(), 0, "l3, drained: no drop");
	n = tx_take(got, RTE_DIM(got));
	CHECK_EQ(n, 3, "l3, drained: three answers in the ring");
	if (n != 3)
		return;
	r = rte_pktmbuf_mtod(got[0], const uint8_t *);
	CHECK(memcmp(r, t_peer_mac, 6) == 0 && r[12] == 0x08 && r[13] == 0x06 &&
		r[21] == 2 && memcmp(r + 22, t_port_mac, 6) == 0 &&
		memcmp(r + 28, us4, 4) == 0 && memcmp(r + 32, t_peer_mac, 6) == 0 &&
		memcmp(r + 38, peer4, 4) == 0, "l3, drained: the ARP reply");
	r = rte_pktmbuf_mtod(got[1], const uint8_t *);
	CHECK(memcmp(r, t_peer_mac, 6) == 0 && r[23] == 1 && memcmp(r + 26, us4, 4) == 0 &&
		memcmp(r + 30, peer4, 4) == 0 && r[34] == 0 &&
		memcmp(r + 42, "txfull!!", 8) == 0, "l3, drained: the echo reply");
	r = rte_pktmbuf_mtod(got[2], const uint8_t *);
	CHECK(memcmp(r, t_peer_mac, 6) == 0 && r[20] == 58 && memcmp(r + 22, us6, 16) == 0 &&
		memcmp(r + 38, peer6, 16) == 0 && r[54] == 136 &&
		memcmp(r + 62, us6, 16) == 0, "l3, drained: the neighbour advertisement");
	rte_pktmbuf_free_bulk(got, n);
	CHECK_EQ(rte_mempool_in_use_count(pool), 0, "l3: every mbuf back");
}

static uint32_t
get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* Poll (no RX) until the worker's frames in the TX ring plus those it
 * counted under TX_RING_FULL since the case began reach @p n, or
 * @p ms pass. @return the frames of ours in the ring */
static unsigned int
wait_tx(unsigned int n, unsigned int ms)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * ms;
	unsigned int in_ring;

	do {
		bs_worker_poll(&w);
		in_ring = ring_ours();
		if (in_ring + d_drop(BS_DROP_TX_RING_FULL) >= n)
			break;
		usleep(1000);
	} while (rte_get_tsc_cycles() < end);
	return in_ring;
}

/* Poll, receiving nothing, for @p ms. */
static void
poll_for(unsigned int ms)
{
	uint64_t end = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * ms;

	while (rte_get_tsc_cycles() < end) {
		bs_worker_poll(&w);
		usleep(1000);
	}
}

/* A segment of ours in the TX ring: its flags, SEQ, ACK, payload. */
struct out_seg {
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t sport, dport, len;
	char data[32];
};

static bool
parse_out(struct rte_mbuf *m, struct out_seg *o)
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *), *t = f + 34;
	unsigned int tl;

	if (m->data_len < 54 || f[12] != 0x08 || f[13] != 0x00 || f[23] != 6)
		return false;
	tl = (unsigned int)(f[16] << 8 | f[17]) - 20 - (t[12] >> 4) * 4u;
	o->sport = (uint16_t)(t[0] << 8 | t[1]);
	o->dport = (uint16_t)(t[2] << 8 | t[3]);
	o->seq = get32(t + 4);
	o->ack = get32(t + 8);
	o->flags = t[13];
	o->len = (uint16_t)tl;
	memset(o->data, 0, sizeof(o->data));
	memcpy(o->data, t + (t[12] >> 4) * 4, RTE_MIN(tl, sizeof(o->data) - 1));
	return true;
}

/*
 * The endpoint's frames (bs_worker_ep_tx, its own TX buffer): a SYN-ACK
 * lost to a full ring is sent again by the request's timer; echoed data
 * lost the same way is retransmitted (it stayed queued); the connection
 * then ends with the peer's RST and holds nothing.
 */
static void
c_endpoint(void)
{
	struct rte_mbuf *got[TX_SLOTS];
	struct out_seg o = { 0 };
	uint64_t ep0;
	unsigned int n;
	struct tseg s;
	uint32_t iss;

	case_begin();
	tx_fill(0);
	syn_to(&s, 41000, 7, 5000);
	inject_seg(&s);
	run();
	CHECK_EQ(d_drop(BS_DROP_TX_RING_FULL), 1, "endpoint: the SYN-ACK refused, counted");
	CHECK_EQ(held(), 0, "endpoint: and freed");
	tx_take(NULL, 0);
	n = wait_tx(2, 3000);
	CHECK_EQ(n, 1, "endpoint: the SYN-ACK sent again once the ring drained");
	n = tx_take(got, TX_SLOTS);
	if (n != 1 || !parse_out(got[0], &o)) {
		CHECK(false, "endpoint: a SYN-ACK (%u frames)", n);
		rte_pktmbuf_free_bulk(got, n);
		return;
	}
	rte_pktmbuf_free(got[0]);
	CHECK(o.flags == 0x12 && o.ack == 5001 && o.sport == 7 && o.dport == 41000,
		"endpoint: it is the SYN-ACK (flags 0x%02x ack %u)", o.flags, o.ack);
	iss = o.seq;

	/* The handshake's ACK, then data to echo while the ring is full. */
	s.flags = 0x10;
	s.seq = 5001;
	s.ack = iss + 1;
	inject_seg(&s);
	run();
	CHECK_EQ(d_cnt(BS_CNT_TcpPassiveOpens), 1, "endpoint: established");
	case_begin();
	ep0 = ep_frames;
	tx_fill(0);
	s.flags = 0x18;
	s.payload = 10;
	inject_seg(&s);
	run();
	poll_for(100);	/* the echo application answers in a later poll */
	CHECK(ep_frames - ep0 >= 1, "endpoint: the ACK and echo sent");
	CHECK_EQ(d_drop(BS_DROP_TX_RING_FULL), ep_frames - ep0,
		"endpoint: each refused, counted");
	CHECK_EQ(d_drops_all(), d_drop(BS_DROP_TX_RING_FULL), "endpoint: no other drop");
	tx_take(NULL, 0);
	case_begin();
	wait_tx(1, 4000);
	n = tx_take(got, TX_SLOTS);
	CHECK_EQ(n, 1, "endpoint: one retransmission");
	if (n >= 1 && parse_out(got[0], &o))
		CHECK(o.seq == iss + 1 && o.ack == 5011 && o.len == 10 &&
			strcmp(o.data, "ABCDEFGHIJ") == 0,
			"endpoint: the echo again (seq +%u ack %u len %u '%s')", o.seq - iss,
			o.ack, o.len, o.data);
	else
		CHECK(false, "endpoint: a TCP segment");
	rte_pktmbuf_free_bulk(got, n);
	CHECK_EQ(d_cnt(BS_CNT_RetransSegs), 1, "endpoint: RetransSegs");

	/* The peer acknowledges the echo and resets. */
	s.flags = 0x10;
	s.payload = 0;
	s.seq = 5011;
	s.ack = iss + 11;
	inject_seg(&s);
	s.flags = 0x04;
	s.ack = 0;
	inject_seg(&s);
	run();
	tx_take(NULL, 0);
	CHECK_EQ(d_cnt(BS_CNT_TcpEstabResets), 1, "endpoint: the connection reset");
	CHECK_EQ(rte_mempool_in_use_count(pool), 0, "endpoint: every mbuf back");
}

/*
 * 100 SYNs to the listener with the ring full: 100 SYN-ACKs refused. Once
 * it drained, their timers send the 100 again, more than the worker's
 * TX buffer of 64 holds: 48 fill the ring, 52 are counted, none is kept.
 */
static void
c_many_requests(void)
{
	unsigned int i, n;
	struct tseg s;
	uint64_t ep0;

	case_begin();
	ep0 = ep_frames;
	tx_fill(0);
	for (i = 0; i < 100; i++) {
		syn_to(&s, (uint16_t)(42000 + i), 7, 77 * i);
		inject_seg(&s);
	}
	run();
	CHECK_EQ(ep_frames - ep0, 100, "requests: 100 SYN-ACKs");
	CHECK_EQ(d_drop(BS_DROP_TX_RING_FULL), 100, "requests: all refused, counted");
	CHECK_EQ(held(), 0, "requests: and freed");
	tx_take(NULL, 0);
	n = wait_tx(200, 3000);
	CHECK_EQ(ep_frames - ep0, 200, "requests: 100 SYN-ACKs again");
	CHECK_EQ(n, TX_SLOTS, "requests: the ring full of SYN-ACKs sent again");
	CHECK_EQ(d_drop(BS_DROP_TX_RING_FULL), 100 + 100 - TX_SLOTS,
		"requests: the rest counted");
	CHECK_EQ(d_drops_all(), d_drop(BS_DROP_TX_RING_FULL), "requests: no other drop");
	CHECK_EQ(held(), 0, "requests: nothing kept");
	tx_take(NULL, 0);
}

/* The endpoint's TX callback: the worker's, counted. */
static void
ep_tx_count(void *arg, unsigned int port, struct rte_mbuf *m)
{
	ep_frames++;
	bs_worker_ep_tx(arg, port, m);
}

static void
setup(void)
{
	static const char text[] = "[port net_ring_txfull]\n"
		"address = 198.18.0.2/24, 2001:2::2/64\n"
		"[listener echo]\naddress = any\nport = 7\napp = echo\n";
	static struct rte_ether_addr macs[1];
	char err[256];
	int pid;

	rxr = rte_ring_create("txf_rx", 1024, SOCKET_ID_ANY, RING_F_SP_ENQ | RING_F_SC_DEQ);
	txr = rte_ring_create("txf_tx", TX_SLOTS, SOCKET_ID_ANY,
		RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
	filler_pool = rte_pktmbuf_pool_create("txf_filler", 255, 0, 0, 256, SOCKET_ID_ANY);
	if (rxr == NULL || txr == NULL || filler_pool == NULL) {
		printf("rings or filler pool\n");
		exit(1);
	}
	pid = rte_eth_from_rings("txfull", &rxr, 1, &txr, 1, SOCKET_ID_ANY);
	bs_config_defaults(&cfg);
	if (pid < 0 || bs_config_parse(&cfg, text, "test", err, sizeof(err)) != 0 ||
			bs_config_check(&cfg, err, sizeof(err)) != 0 ||
			bs_port_probe(&bport, &cfg.ports[0], 1, err, sizeof(err)) != 0 ||
			bs_port_start(&bport, pool, err, sizeof(err)) != 0) {
		char nm[RTE_ETH_NAME_MAX_LEN] = "";

		if (pid >= 0)
			rte_eth_dev_get_name_by_port((uint16_t)pid, nm);
		printf("port: %d (%s) %s\n", pid, nm, err);
		exit(1);
	}
	/* As app/backstop/run.c's worker_init, with the test's MAC. */
	w.lcore = rte_lcore_id();
	w.burst = (uint16_t)cfg.burst;
	w.ip = &ipc;
	w.pool = pool;
	w.n_workers = 1;
	w.n_ports = 1;
	bs_neigh_init(&w.neigh);
	w.ports[0].port_id = bport.port_id;
	w.ports[0].polled = true;
	w.ports[0].prefetch = bport.prefetch;
	w.ports[0].rx_ip_csum = bport.rx_ip_csum;
	w.ports[0].rx_l4_csum = bport.rx_l4_csum;
	w.ports[0].tx_csum = bport.tx_csum;
	memcpy(w.ports[0].mac.addr_bytes, t_port_mac, 6);
	w.ports[0].addrs = &bport.addrs;
	macs[0] = w.ports[0].mac;
	{
		struct bs_tcp_ep_conf c = {
			.conf = &cfg, .ip = &ipc, .pool = pool, .stats = &w.stats,
			.tx = ep_tx_count, .resolve = bs_worker_ep_resolve,
			.hold = bs_worker_ep_hold, .tx_arg = &w, .n_workers = 1,
			.socket = SOCKET_ID_ANY, .tsc_hz = rte_get_tsc_hz(),
			.port_mac = macs, .n_ports = 1,
		};

		w.ep = bs_tcp_ep_create(&c, err, sizeof(err));
		if (w.ep == NULL) {
			printf("endpoint: %s\n", err);
			exit(1);
		}
	}
	ipc.tsc_hz = rte_get_tsc_hz();
	ipc.tsc0 = rte_get_tsc_cycles();
}

int
main(int argc, char **argv)
{
	(void)argc;
	pool = t_eal_pool(argv[0], "txfull", 128, 4095);
	if (pool == NULL)
		return 1;
	setup();
	CHECK_EQ(rte_mempool_in_use_count(pool), 0, "nothing in use at the start");
	c_stray_flood();
	c_partial();
	c_l3();
	c_endpoint();
	c_many_requests();
	bs_tcp_ep_free(w.ep);
	rte_pktmbuf_free_bulk(w.ports[0].etx, w.ports[0].n_etx);
	CHECK_EQ(w.ports[0].n_tx + w.ports[0].n_etx, 0, "the worker's TX buffers empty");
	tx_take(NULL, 0);
	CHECK_EQ(rte_mempool_in_use_count(pool), 0, "every mbuf back in the pool");
	bs_port_close(&bport);
	return bs_test_done();
}
