/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Pages of a large connection table (bs_tcp_ep_conn_page), as `show
 * connections` reads it: a million connections walked in bounded pages, the
 * filter applied by the owner (state, address, port on either side), and
 * a page cut at the entries asked for resumes just after the last one.
 */
#include <stdlib.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bs_config.h"
#include "bs_tcp_ep.h"
#include "bs_test.h"
#include "frames.h"

#define N_CONNS 1000000		/* a million, as the issue asks to walk */
#define CAP 1048576
#define LPORT0 10000
#define PER_RPORT 50000		/* local ports per remote port */
/* Pages of the table's walk: its slots (under 2 per entry of connections,
 * requests and TIME_WAIT entries, all about CAP) by 4096. */
#define TABLE_PAGES (4 * CAP / 4096)

static void
tx_cb(void *arg, unsigned int port, struct rte_mbuf *m)
{
	(void)arg;
	(void)port;
	rte_pktmbuf_free(m);
}

static const uint8_t us4[4] = { 198, 18, 0, 2 }, peer4[4] = { 198, 18, 0, 1 };

/* Walk the whole table with @p f; count the entries and the pages. */
static unsigned int
walk(struct bs_tcp_ep *ep, const struct bs_tcp_conn_filter *f, unsigned int max,
		unsigned int *pages, uint16_t *first_lports, unsigned int n_first)
{
	struct bs_tcp_conn_info out[64];
	uint32_t cursor = 0;
	unsigned int n = 0, got, i;

	*pages = 0;
	do {
		got = bs_tcp_ep_conn_page(ep, &cursor, f, out, max);
		for (i = 0; i < got; i++, n++)
			if (n < n_first)
				first_lports[n] = rte_be_to_cpu_16(out[i].flow.lport);
		(*pages)++;
	} while (cursor != UINT32_MAX && *pages < 1000000);
	return n;
}

int
main(int argc, char **argv)
{
	static const char text[] = "[tcp]\nconnections = 1048576\n[client c]\n"
		"address = 198.18.0.1\nport = 8080\nstart_ms = 2147483647\n";
	struct bs_tcp_conn_filter f;
	uint16_t all[8], cut[8];
	struct bs_tcp_l2 l2 = { 0 };
	struct rte_ether_addr mac;
	struct rte_mempool *pool;
	struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
	struct bs_config *cfg = malloc(sizeof(*cfg));
	struct bs_stats *st;
	struct bs_tcp_ep *ep = NULL;
	unsigned int i, n, pages, made = 0;
	struct bs_flow fl;
	char err[256];

	(void)argc;
	pool = t_eal_pool(argv[0], "cpage", 768, 1023);
	st = rte_zmalloc("st", sizeof(*st), RTE_CACHE_LINE_SIZE);
	if (pool == NULL || cfg == NULL || st == NULL)
		return 1;
	bs_config_defaults(cfg);
	if (bs_config_parse(cfg, text, "test", err, sizeof(err)) != 0) {
		printf("config: %s\n", err);
		return 1;
	}
	memcpy(mac.addr_bytes, t_port_mac, 6);
	{
		struct bs_tcp_ep_conf c = {
			.conf = cfg, .ip = &ipc, .pool = pool, .stats = st,
			.tx = tx_cb, .n_workers = 1, .socket = SOCKET_ID_ANY,
			.tsc_hz = rte_get_tsc_hz(), .port_mac = &mac, .n_ports = 1,
		};

		ep = bs_tcp_ep_create(&c, err, sizeof(err));
	}
	CHECK(ep != NULL, "endpoint: %s", err);
	if (ep == NULL)
		return bs_test_done();
	memcpy(l2.peer.addr_bytes, t_peer_mac, 6);
	for (i = 0; i < N_CONNS; i++) {
		bs_flow_from_ipv4(&fl, peer4, us4, rte_cpu_to_be_16((uint16_t)(8080 + i / PER_RPORT)),
			rte_cpu_to_be_16((uint16_t)(LPORT0 + i % PER_RPORT)));
		made += bs_tcp_ep_connect(ep, &fl, &l2, 0) == 0;
	}
	CHECK_EQ(made, N_CONNS, "active opens");

	/* Everything, 64 a page; no page walks more than 4096 slots. */
	n = walk(ep, NULL, 64, &pages, all, 8);
	CHECK_EQ(n, N_CONNS, "all connections over %u pages", pages);
	/* The pool's slots, then the table's (pending handshakes and
	 * TIME_WAIT entries live there): at most 4096 slots a page. */
	CHECK(pages >= N_CONNS / 64 && pages <= N_CONNS / 64 + CAP / 4096 + TABLE_PAGES + 2,
		"pages %u", pages);
	memset(&f, 0, sizeof(f));
	f.state = BS_TCP_ESTABLISHED;
	n = walk(ep, &f, 64, &pages, cut, 0);
	CHECK_EQ(n, 0, "none ESTABLISHED");
	CHECK(pages > CAP / 4096 && pages <= CAP / 4096 + TABLE_PAGES + 1,
		"an empty match still walks in bounded pages: %u", pages);
	f.state = BS_TCP_SYN_SENT;
	CHECK_EQ(walk(ep, &f, 64, &pages, cut, 0), N_CONNS, "all SYN_SENT");

	/* Ports: the local one, the remote one. */
	memset(&f, 0, sizeof(f));
	f.port = LPORT0 + 12345;
	CHECK_EQ(walk(ep, &f, 64, &pages, cut, 1), N_CONNS / PER_RPORT, "a local port");
	CHECK_EQ(cut[0], LPORT0 + 12345, "the right one");
	f.port = 8080;
	CHECK_EQ(walk(ep, &f, 64, &pages, cut, 0), PER_RPORT, "a remote port");
	f.port = 8080 + N_CONNS / PER_RPORT;
	CHECK_EQ(walk(ep, &f, 64, &pages, cut, 0), 0, "no such port");

	/* Addresses: either side, v4-mapped. */
	memset(&f, 0, sizeof(f));
	f.addr_set = true;
	bs_flow_from_ipv4(&fl, peer4, us4, 0, 0);
	memcpy(f.addr, fl.raddr, 16);
	CHECK_EQ(walk(ep, &f, 64, &pages, cut, 0), N_CONNS, "the remote address");
	memcpy(f.addr, fl.laddr, 16);
	CHECK_EQ(walk(ep, &f, 64, &pages, cut, 0), N_CONNS, "the local address");
	f.addr[15] = 9;
	CHECK_EQ(walk(ep, &f, 64, &pages, cut, 0), 0, "another address");

	/* Pages of one: the cursor resumes just after the last entry. */
	CHECK_EQ(walk(ep, NULL, 1, &pages, cut, 8), N_CONNS, "pages of one");
	CHECK(memcmp(cut, all, sizeof(all)) == 0, "same order as pages of 64");
	CHECK(pages >= N_CONNS, "a page per entry: %u", pages);

	bs_tcp_ep_free(ep);
	free(cfg);
	return bs_test_done();
}
