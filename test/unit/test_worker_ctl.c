/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control requests to a worker (lib/worker/worker_ctl.c) on one thread:
 * the test posts, plays the worker's poll loop (bs_worker_ctl_poll), then
 * waits. State counts, a page of connections, abort and disconnect of a
 * 4-tuple, an unknown 4-tuple, and a worker that does not answer: the
 * timeout, -EBUSY while the request is still the worker's, and the slot
 * free again once it answered.
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
#include "bs_worker_ctl.h"
#include "frames.h"

static struct rte_mempool *pool;
static struct bs_config cfg;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct rte_ether_addr port_mac;
static unsigned int n_tx;

static void
tx_cb(void *arg, unsigned int port, struct rte_mbuf *m)
{
	(void)arg;
	(void)port;
	n_tx++;
	rte_pktmbuf_free(m);
}

static const uint8_t us4[4] = { 198, 18, 0, 2 }, peer4[4] = { 198, 18, 0, 1 };

static void
flow(struct bs_flow *f, uint16_t lport)
{
	bs_flow_from_ipv4(f, peer4, us4, rte_cpu_to_be_16(8080), rte_cpu_to_be_16(lport));
}

int
main(int argc, char **argv)
{
	static const char text[] = "[client c]\naddress = 198.18.0.1\nport = 8080\n"
		"start_ms = 2147483647\n";
	struct bs_tcp_l2 l2 = { 0 };
	struct bs_worker_ctl_req req;
	struct bs_worker *w;
	struct bs_flow f;
	char err[256];
	uint64_t t;
	int rc;

	(void)argc;
	pool = t_eal_pool(argv[0], "wctl", 128, 511);
	if (pool == NULL)
		return 1;
	w = rte_zmalloc("test_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	bs_config_defaults(&cfg);
	if (w == NULL ||
			bs_config_parse(&cfg, text, "test", err, sizeof(err)) != 0) {
		printf("set-up failed\n");
		return 1;
	}
	memcpy(port_mac.addr_bytes, t_port_mac, 6);
	{
		struct bs_tcp_ep_conf c = {
			.conf = &cfg, .ip = &ipc, .pool = pool, .stats = &w->stats,
			.tx = tx_cb, .tx_arg = w, .n_workers = 1, .socket = SOCKET_ID_ANY,
			.tsc_hz = rte_get_tsc_hz(), .port_mac = &port_mac, .n_ports = 1,
		};

		w->ep = bs_tcp_ep_create(&c, err, sizeof(err));
	}
	w->lcore = rte_lcore_id();
	CHECK(w->ep != NULL, "endpoint");
	CHECK_EQ(bs_worker_ctl_init(w, 1, err, sizeof(err)), 0, "ctl init");
	if (w->ep == NULL || w->ctl == NULL)
		return bs_test_done();
	memcpy(l2.peer.addr_bytes, t_peer_mac, 6);
	flow(&f, 50000);
	CHECK_EQ(bs_tcp_ep_connect(w->ep, &f, &l2, 0), 0, "an active open");
	flow(&f, 50001);
	CHECK_EQ(bs_tcp_ep_connect(w->ep, &f, &l2, 0), 0, "a second one");
	CHECK_EQ(n_tx, 2, "two SYNs");

	/* Nothing posted: polling costs nothing and does nothing. */
	bs_worker_ctl_poll(w);
	CHECK_EQ(bs_worker_ctl_wait(w, &req, 0), -ENODEV, "nothing to wait for");

	memset(&req, 0, sizeof(req));
	req.op = BS_WORKER_CTL_STATE_COUNTS;
	CHECK_EQ(bs_worker_ctl_post(w, &req), 0, "post: state counts");
	CHECK_EQ(bs_worker_ctl_wait(w, &req, 0), -ETIMEDOUT, "not answered before a poll");
	bs_worker_ctl_poll(w);
	CHECK_EQ(bs_worker_ctl_wait(w, &req, 0), 0, "answered");
	CHECK_EQ(req.rc, 0, "state counts: rc");
	CHECK_EQ(req.counts[BS_TCP_SYN_SENT], 2, "two in SYN_SENT");
	CHECK_EQ(req.counts[BS_TCP_ESTABLISHED], 0, "none ESTABLISHED");

	/* Pages from cursor 0 until the cursor says done; each bounded. */
	{
		struct bs_tcp_conn_info seen[4];
		unsigned int n = 0, pages = 0, i;

		memset(&req, 0, sizeof(req));
		req.op = BS_WORKER_CTL_CONN_PAGE;
		do {
			CHECK_EQ(bs_worker_ctl_post(w, &req), 0, "post: a page");
			bs_worker_ctl_poll(w);
			CHECK_EQ(bs_worker_ctl_wait(w, &req, 0), 0, "page answered");
			for (i = 0; i < req.n && n < RTE_DIM(seen); i++)
				seen[n++] = req.conns[i];
			pages++;
		} while (req.cursor != UINT32_MAX && pages < 100000);
		CHECK_EQ(n, 2, "two connections over %u pages", pages);
		CHECK_EQ(seen[0].state, BS_TCP_SYN_SENT, "state");
		CHECK_EQ(rte_be_to_cpu_16(seen[0].flow.lport), 50000, "4-tuple: local port");
		CHECK_EQ(rte_be_to_cpu_16(seen[0].flow.rport), 8080, "4-tuple: remote port");
		CHECK(memcmp(seen[0].flow.raddr + 12, peer4, 4) == 0, "4-tuple: remote address");
		CHECK_EQ(seen[0].snd_nxt, seen[0].snd_una + 1, "SND.NXT after the SYN");
		CHECK_EQ(rte_be_to_cpu_16(seen[1].flow.lport), 50001, "second: local port");
	}

	/* Abort of the first (C4: no RST from SYN_SENT), of an unknown one. */
	memset(&req, 0, sizeof(req));
	req.op = BS_WORKER_CTL_ABORT;
	flow(&req.flow, 50000);
	CHECK_EQ(bs_worker_ctl_post(w, &req), 0, "post: abort");
	bs_worker_ctl_poll(w);
	CHECK_EQ(bs_worker_ctl_wait(w, &req, 0), 0, "abort answered");
	CHECK_EQ(req.rc, 0, "aborted");
	CHECK_EQ(n_tx, 2, "no RST from SYN_SENT");
	CHECK_EQ(w->stats.cnt[BS_CNT_AppECONNABORTED], 1, "ECONNABORTED");
	CHECK_EQ(bs_worker_ctl_post(w, &req), 0, "post: abort again");
	bs_worker_ctl_poll(w);
	CHECK_EQ(bs_worker_ctl_wait(w, &req, 0), 0, "answered");
	CHECK_EQ(req.rc, -ENOENT, "already gone");

	/* A worker that does not answer. */
	memset(&req, 0, sizeof(req));
	req.op = BS_WORKER_CTL_DISCONNECT;
	flow(&req.flow, 50001);
	t = rte_get_timer_cycles();
	rc = bs_worker_ctl_call(w, &req, 50);
	t = rte_get_timer_cycles() - t;
	CHECK_EQ(rc, -ETIMEDOUT, "call: timed out");
	CHECK(t >= rte_get_timer_hz() / 1000 * 50, "waited 50 ms");
	CHECK(t < rte_get_timer_hz(), "not much longer");
	CHECK_EQ(bs_worker_ctl_post(w, &req), -EBUSY, "the slot is still the worker's");
	bs_worker_ctl_poll(w);	/* the worker comes back: the late request runs */
	CHECK_EQ(w->stats.cnt[BS_CNT_AppECONNRESET], 1, "late disconnect ran (C4: ECONNRESET)");
	memset(&req, 0, sizeof(req));
	req.op = BS_WORKER_CTL_STATE_COUNTS;
	CHECK_EQ(bs_worker_ctl_post(w, &req), 0, "the slot is free again");
	bs_worker_ctl_poll(w);
	CHECK_EQ(bs_worker_ctl_wait(w, &req, 0), 0, "answered");
	CHECK_EQ(req.counts[BS_TCP_SYN_SENT], 0, "nothing left");

	bs_worker_ctl_fini(w, 1);
	bs_tcp_ep_free(w->ep);
	rte_free(w);
	return bs_test_done();
}
