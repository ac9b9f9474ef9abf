/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour resolution through the worker (lib/worker/worker_neigh.c) with
 * a real TCP endpoint and its [client]: the SYN held while an ARP request
 * or neighbour solicitation goes out, the reply (handed to the worker as a
 * received frame) sending it, three unanswered solicitations failing the
 * connect with EHOSTUNREACH, news passed between two workers, and the
 * rule that unsolicited replies plant nothing. No ethdev: the frames the
 * worker would send are read from its TX buffers, and time moves by
 * shifting the clocks' origin.
 */
#include <stdlib.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bs_config.h"
#include "bs_tcp_ep.h"
#include "bs_test.h"
#include "bs_worker.h"
#include "frames.h"

#define PEER4 "198.18.0.1"
#define SILENT4 "198.18.0.3"
#define PEER6 "2001:2::1"
#define SILENT6 "2001:2::3"

static struct rte_mempool *pool;
static struct bs_config cfg;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct bs_addr_table addrs;
static struct rte_ether_addr port_mac;
static uint64_t skew;		/* simulated time, TSC cycles */
static const char *case_name;

static const uint8_t us4[4] = { 198, 18, 0, 2 }, peer4[4] = { 198, 18, 0, 1 };
static const uint8_t silent4[4] = { 198, 18, 0, 3 }, stranger4[4] = { 198, 18, 0, 9 };
static const uint8_t us6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
static const uint8_t peer6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };

static uint64_t
now_tsc(void)
{
	return rte_rdtsc() + skew;
}

/* Move both clocks @p ms on: the endpoint's through the TSC it is given,
 * the neighbour cache's through the origin it counts from. */
static void
advance(struct bs_worker *w, unsigned int n_w, uint32_t ms)
{
	uint64_t d = rte_get_tsc_hz() / 1000 * ms;
	unsigned int i;

	skew += d;
	ipc.tsc0 -= d;
	for (i = 0; i < n_w; i++) {
		if (w[i].ep != NULL)
			bs_tcp_ep_poll(w[i].ep, now_tsc());
		bs_worker_neigh_poll(&w[i]);
	}
}

static struct bs_worker *
workers_new(unsigned int n, const char *client_addr, uint16_t client_worker)
{
	static char text[1024], err[256];
	struct bs_worker *w = rte_zmalloc("test_workers", n * sizeof(*w), RTE_CACHE_LINE_SIZE);
	unsigned int i;

	snprintf(text, sizeof(text), "[client c]\naddress = %s\nport = 8080\ncount = %u\n"
		"start_ms = 0\n", client_addr, n);
	bs_config_defaults(&cfg);
	if (bs_config_parse(&cfg, text, "test", err, sizeof(err)) != 0) {
		printf("config: %s\n", err);
		exit(1);
	}
	for (i = 0; i < n; i++) {
		struct bs_tcp_ep_conf c = {
			.conf = &cfg, .ip = &ipc, .pool = pool, .stats = &w[i].stats,
			.tx = bs_worker_ep_tx, .resolve = bs_worker_ep_resolve,
			.hold = bs_worker_ep_hold, .tx_arg = &w[i], .worker = i,
			.n_workers = n, .socket = SOCKET_ID_ANY, .tsc_hz = rte_get_tsc_hz(),
			.port_mac = &port_mac, .n_ports = 1,
		};

		w[i].index = i;
		w[i].lcore = rte_lcore_id();
		w[i].ip = &ipc;
		w[i].pool = pool;
		w[i].n_workers = n;
		w[i].n_ports = 1;
		w[i].ports[0].mac = port_mac;
		w[i].ports[0].addrs = &addrs;
		w[i].ports[0].polled = true;
		bs_neigh_init(&w[i].neigh);
		/* Only worker client_worker opens the connection(s). */
		if (i == client_worker || client_worker == UINT16_MAX) {
			w[i].ep = bs_tcp_ep_create(&c, err, sizeof(err));
			if (w[i].ep == NULL) {
				printf("endpoint: %s\n", err);
				exit(1);
			}
		}
	}
	if (bs_worker_neigh_share(w, n, err, sizeof(err)) != 0) {
		printf("share: %s\n", err);
		exit(1);
	}
	return w;
}

static void
workers_free(struct bs_worker *w, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct bs_worker_port *wp = &w[i].ports[0];

		rte_pktmbuf_free_bulk(wp->etx, wp->n_etx);
		rte_pktmbuf_free_bulk(wp->tx, wp->n_tx);
		bs_tcp_ep_free(w[i].ep);
	}
	bs_worker_neigh_unshare(w, n);
	rte_free(w);
}

/* The frames the worker queued (endpoint and solicitations), then empty. */
static unsigned int
sent(struct bs_worker *w, uint8_t frames[][128], uint16_t *lens)
{
	struct bs_worker_port *wp = &w->ports[0];
	unsigned int i, n = wp->n_etx;

	for (i = 0; i < n; i++) {
		lens[i] = wp->etx[i]->data_len;
		memcpy(frames[i], rte_pktmbuf_mtod(wp->etx[i], const uint8_t *),
			RTE_MIN(lens[i], 128));
		rte_pktmbuf_free(wp->etx[i]);
	}
	wp->n_etx = 0;
	return n;
}

static struct rte_mbuf *
mbuf_of(const uint8_t *f, size_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

	memcpy(rte_pktmbuf_append(m, (uint16_t)len), f, len);
	return m;
}

/* An ARP reply from @p sha / @p spa to us. */
static struct rte_mbuf *
arp_reply(const uint8_t *sha, const uint8_t *spa)
{
	uint8_t f[60] = { 0 };

	memcpy(f, t_port_mac, 6);
	memcpy(f + 6, sha, 6);
	f[12] = 0x08;
	f[13] = 0x06;
	memcpy(f + 14, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 2 }, 8);
	memcpy(f + 22, sha, 6);
	memcpy(f + 28, spa, 4);
	memcpy(f + 32, t_port_mac, 6);
	memcpy(f + 38, us4, 4);
	return mbuf_of(f, 60);
}

/* A solicited NA for @p target with its TLLA, to us. */
static struct rte_mbuf *
na(const uint8_t *target, const uint8_t *mac, uint8_t flags)
{
	uint8_t f[86] = { 0 }, *ip = f + 14, *icmp = f + 54;
	uint32_t sum = 0;
	uint16_t c;
	unsigned int i;

	memcpy(f, t_port_mac, 6);
	memcpy(f + 6, mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	ip[0] = 0x60;
	ip[5] = 32;
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, target, 16);
	memcpy(ip + 24, us6, 16);
	icmp[0] = 136;
	icmp[4] = flags;
	memcpy(icmp + 8, target, 16);
	icmp[24] = 2;
	icmp[25] = 1;
	memcpy(icmp + 26, mac, 6);
	for (i = 0; i < 32; i += 2)
		sum += (uint32_t)(ip[8 + i] << 8 | ip[9 + i]);
	c = t_csum(icmp, 32, sum + 32 + 58);
	icmp[2] = (uint8_t)(c >> 8);
	icmp[3] = (uint8_t)c;
	return mbuf_of(f, sizeof(f));
}

static void
check_arp_request(const uint8_t *f, uint16_t len, const uint8_t *tip, const char *what)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t head[8] = { 0, 1, 8, 0, 6, 4, 0, 1 };
	static const uint8_t zero[6];

	CHECK_EQ(len, 42, "%s: %s: ARP length", case_name, what);
	CHECK_BYTES(f, 6, bcast, 6, what);
	CHECK_BYTES(f + 6, 6, t_port_mac, 6, what);
	CHECK(f[12] == 0x08 && f[13] == 0x06, "%s: %s: ARP", case_name, what);
	CHECK_BYTES(f + 14, 8, head, 8, what);
	CHECK_BYTES(f + 22, 6, t_port_mac, 6, what);
	CHECK_BYTES(f + 28, 4, us4, 4, what);
	CHECK_BYTES(f + 32, 6, zero, 6, what);
	CHECK_BYTES(f + 38, 4, tip, 4, what);
}

/* The client's SYN (v4) to @p dst_mac. */
static void
check_syn(const uint8_t *f, bool v6, const uint8_t *dst_mac, const char *what)
{
	const uint8_t *th = f + 14 + (v6 ? 40 : 20);

	CHECK_BYTES(f, 6, dst_mac, 6, what);
	CHECK_BYTES(f + 6, 6, t_port_mac, 6, what);
	if (v6) {
		CHECK_BYTES(f + 22, 16, us6, 16, what);
		CHECK_BYTES(f + 38, 16, peer6, 16, what);
	} else {
		CHECK_BYTES(f + 26, 4, us4, 4, what);
		CHECK_BYTES(f + 30, 4, peer4, 4, what);
	}
	CHECK_EQ(th[2] << 8 | th[3], 8080, "%s: %s: to port 8080", case_name, what);
	CHECK_EQ(th[13], 0x02, "%s: %s: SYN", case_name, what);
}

/* ARP: request, reply, the held SYN; an unsolicited reply plants nothing. */
static void
c_arp(void)
{
	static uint8_t f[8][128];
	uint16_t len[8];
	struct bs_worker *w;
	uint8_t m4[16] = { [10] = 0xff, 0xff, 198, 18, 0, 9 };

	case_name = "arp";
	w = workers_new(1, PEER4, 0);
	advance(w, 1, 1);
	CHECK_EQ(w->neigh.n_incomplete, 1, "resolving");
	CHECK_EQ(sent(w, f, len), 1, "the ARP request only");
	check_arp_request(f[0], len[0], peer4, "ARP request");
	CHECK_EQ(w->stats.cnt[BS_CNT_ArpOutRequests], 1, "ArpOutRequests");
	CHECK_EQ(bs_tcp_ep_client_stats(w->ep, 0)->opened, 1, "connecting");

	bs_worker_handle(w, &w->ports[0], arp_reply(t_peer_mac, peer4));
	CHECK_EQ(w->stats.cnt[BS_CNT_ArpInReplies], 1, "ArpInReplies");
	CHECK_EQ(w->stats.cnt[BS_CNT_NeighResolved], 1, "NeighResolved");
	CHECK_EQ(w->stats.drop[BS_DROP_ARP_IGNORED], 0, "the reply is not a drop");
	CHECK_EQ(w->ports[0].n_tx, 0, "nothing answered");
	CHECK_EQ(sent(w, f, len), 1, "the held SYN");
	check_syn(f[0], false, t_peer_mac, "SYN after resolution");
	CHECK_EQ(w->neigh.n_incomplete, 0, "resolved");

	/* Unsolicited: ignored, no entry. */
	bs_worker_handle(w, &w->ports[0], arp_reply(t_peer_mac, stranger4));
	CHECK_EQ(w->stats.drop[BS_DROP_ARP_IGNORED], 1, "an unsolicited reply: dropped");
	CHECK(bs_neigh_find(&w->neigh, 0, 0, m4) == NULL, "and not learnt");
	/* Unanswered, the SYN is retransmitted at 1 s: straight out now. */
	advance(w, 1, 1100);
	CHECK_EQ(sent(w, f, len), 1, "the SYN retransmission");
	check_syn(f[0], false, t_peer_mac, "SYN retransmission");
	CHECK_EQ(w->stats.cnt[BS_CNT_ArpOutRequests], 1, "no other request");
	workers_free(w, 1);
}

/* Nobody answers: three requests a second apart, then EHOSTUNREACH; the
 * SYN never reaches the wire (Linux: connect() fails after ~3 s). */
static void
c_silent(void)
{
	static uint8_t f[8][128];
	uint16_t len[8];
	struct bs_worker *w;
	unsigned int k;

	case_name = "silent";
	w = workers_new(1, SILENT4, 0);
	advance(w, 1, 1);
	CHECK_EQ(sent(w, f, len), 1, "first request at once");
	check_arp_request(f[0], len[0], silent4, "request 1");
	for (k = 2; k <= 3; k++) {
		advance(w, 1, 500);
		CHECK_EQ(sent(w, f, len), 0, "nothing in between");
		advance(w, 1, 510);
		CHECK_EQ(sent(w, f, len), 1, "request %u a second later", k);
		check_arp_request(f[0], len[0], silent4, "another request");
	}
	CHECK_EQ(w->stats.cnt[BS_CNT_NeighResFailed], 0, "not failed yet");
	advance(w, 1, 1010);
	CHECK_EQ(sent(w, f, len), 0, "no fourth request, no SYN");
	CHECK_EQ(w->stats.cnt[BS_CNT_ArpOutRequests], 3, "three requests");
	CHECK_EQ(w->stats.cnt[BS_CNT_NeighResFailed], 1, "NeighResFailed");
	/* Every SYN the endpoint built was held, then reported and dropped:
	 * the first and its retransmissions (two or three: the wheel may
	 * fire the 3 s one before the neighbour fails). */
	CHECK_EQ(w->stats.drop[BS_DROP_NEIGH_FAILED], w->stats.cnt[BS_CNT_TcpOutNoRst],
		"every SYN held and dropped");
	CHECK(w->stats.drop[BS_DROP_NEIGH_FAILED] >= 3, "at least the SYN and two more");
	CHECK_EQ(w->stats.cnt[BS_CNT_AppEHOSTUNREACH], 1, "EHOSTUNREACH");
	CHECK_EQ(w->stats.cnt[BS_CNT_TcpAttemptFails], 1, "AttemptFails");
	CHECK_EQ(bs_tcp_ep_client_stats(w->ep, 0)->unreachable, 1, "client: unreachable");
	CHECK_EQ(w->neigh.n_incomplete, 0, "nothing resolving");
	advance(w, 1, 5000);
	CHECK_EQ(sent(w, f, len), 0, "quiet after");
	workers_free(w, 1);
}

/* IPv6: NS to the solicited-node group, the NA sends the SYN. */
static void
c_nd(void)
{
	static const uint8_t snm_mac[6] = { 0x33, 0x33, 0xff, 0, 0, 1 };
	static uint8_t f[8][128];
	uint16_t len[8];
	struct bs_worker *w;

	case_name = "nd";
	w = workers_new(1, PEER6, 0);
	advance(w, 1, 1);
	CHECK_EQ(sent(w, f, len), 1, "the NS only");
	CHECK_EQ(len[0], 86, "NS length");
	CHECK_BYTES(f[0], 6, snm_mac, 6, "to 33:33:ff:00:00:01");
	CHECK(f[0][54] == 135, "an NS");
	CHECK_BYTES(f[0] + 22, 16, us6, 16, "from the SYN's source");
	CHECK_BYTES(f[0] + 62, 16, peer6, 16, "for the peer");
	CHECK_EQ(w->stats.cnt[BS_CNT_Icmp6OutNeighborSolicits], 1, "Icmp6OutNeighborSolicits");
	bs_worker_handle(w, &w->ports[0], na(peer6, t_peer_mac, 0x60));
	CHECK_EQ(w->stats.cnt[BS_CNT_Icmp6InNeighborAdvertisements], 1, "NA taken");
	CHECK_EQ(w->stats.drop[BS_DROP_ICMP_IGNORED], 0, "not a drop");
	CHECK_EQ(sent(w, f, len), 1, "the held SYN");
	check_syn(f[0], true, t_peer_mac, "SYN after the NA");
	/* An NA for a stranger is ignored. */
	bs_worker_handle(w, &w->ports[0], na((const uint8_t[16]){ 0x20, 1, 0, 2, [15] = 9 },
		t_peer_mac, 0x60));
	CHECK_EQ(w->stats.drop[BS_DROP_ICMP_IGNORED], 1, "unsolicited NA: dropped");
	workers_free(w, 1);
}

/* Two workers: worker 1 asks, the reply reaches worker 0 (ARP comes to
 * queue 0), which passes it on. */
static void
c_share(void)
{
	static uint8_t f[8][128];
	uint16_t len[8];
	struct bs_worker *w;

	case_name = "share";
	w = workers_new(2, PEER4, 1);
	advance(w, 2, 1);
	CHECK_EQ(sent(&w[0], f, len), 0, "worker 0 asks nothing");
	CHECK_EQ(sent(&w[1], f, len), 1, "worker 1's request");
	check_arp_request(f[0], len[0], peer4, "worker 1's request");
	bs_worker_handle(&w[0], &w[0].ports[0], arp_reply(t_peer_mac, peer4));
	CHECK_EQ(w[0].stats.drop[BS_DROP_ARP_IGNORED], 1, "worker 0 has no entry");
	CHECK_EQ(sent(&w[0], f, len), 0, "nothing from worker 0");
	bs_worker_neigh_poll(&w[1]);
	CHECK_EQ(w[1].stats.cnt[BS_CNT_NeighResolved], 1, "worker 1 resolved");
	CHECK_EQ(sent(&w[1], f, len), 1, "worker 1's SYN");
	check_syn(f[0], false, t_peer_mac, "worker 1's SYN");
	CHECK_EQ(w[0].stats.cnt[BS_CNT_NeighUpdatesLost], 0, "nothing lost");
	workers_free(w, 2);
}

int
main(int argc, char **argv)
{
	static const char *const items[] = { "198.18.0.2/24", "2001:2::2/64" };
	unsigned int in_use;

	(void)argc;
	pool = t_eal_pool(argv[0], "wneigh", 128, 1023);
	if (pool == NULL)
		return 1;
	memcpy(port_mac.addr_bytes, t_port_mac, 6);
	t_addrs(&addrs, items, RTE_DIM(items));
	ipc.tsc_hz = rte_get_tsc_hz();
	ipc.tsc0 = rte_rdtsc();
	in_use = rte_mempool_in_use_count(pool);
	c_arp();
	c_silent();
	c_nd();
	c_share();
	CHECK_EQ(rte_mempool_in_use_count(pool), in_use, "every mbuf back in the pool");
	return bs_test_done();
}
