/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the harnesses that run frames through a worker share: its endpoint,
 * a frame as an mbuf chain, and the frames a neighbour entry holds.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bs_config.h"
#include "bs_tcp_ep.h"
#include "bs_worker.h"
#include "frames.h"
#include "fuzz.h"

struct bs_worker *
fuzz_worker_new(struct rte_mempool *pool, const char *conf_text, struct bs_config *cfg,
		struct bs_ip_conf *ipc, struct bs_addr_table *addrs)
{
	static const char *const items[] = { "198.18.0.2/24", "2001:2::2/64",
		"198.18.1.2/24 vlan 100" };
	struct bs_worker *w;
	char err[256];

	bs_config_defaults(cfg);
	FUZZ_ASSERT(bs_config_parse(cfg, conf_text, "fuzz", err, sizeof(err)) == 0,
		"config: %s", err);
	t_addrs(addrs, items, RTE_DIM(items));
	ipc->tsc_hz = rte_get_tsc_hz();
	ipc->tsc0 = rte_rdtsc();
	w = rte_zmalloc("fuzz_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	FUZZ_ASSERT(w != NULL, "worker");
	w->lcore = rte_lcore_id();
	w->ip = ipc;
	w->pool = pool;
	w->n_workers = 1;
	w->burst = 32;
	w->n_ports = 1;
	memcpy(w->ports[0].mac.addr_bytes, t_port_mac, 6);
	w->ports[0].addrs = addrs;
	w->ports[0].polled = true;
	return w;
}

struct bs_tcp_ep *
fuzz_ep_new(const struct bs_config *cfg, const struct bs_ip_conf *ipc,
		struct rte_mempool *pool, struct bs_worker *w)
{
	struct bs_tcp_ep_conf c = {
		.conf = cfg, .ip = ipc, .pool = pool, .stats = &w->stats,
		.tx = bs_worker_ep_tx, .resolve = bs_worker_ep_resolve,
		.hold = bs_worker_ep_hold, .tx_arg = w, .worker = 0, .n_workers = 1,
		.socket = SOCKET_ID_ANY, .tsc_hz = rte_get_tsc_hz(),
		.port_mac = &w->ports[0].mac, .n_ports = 1,
	};
	char err[256];
	struct bs_tcp_ep *ep = bs_tcp_ep_create(&c, err, sizeof(err));

	FUZZ_ASSERT(ep != NULL, "endpoint: %s", err);
	return ep;
}

struct rte_mbuf *
fuzz_frame_mbuf(struct rte_mempool *pool, const uint8_t *f, size_t n, size_t seg)
{
	struct rte_mbuf *head = NULL, *m;
	size_t off = 0;

	do {
		size_t k = RTE_MIN(n - off, seg);

		m = rte_pktmbuf_alloc(pool);
		FUZZ_ASSERT(m != NULL, "mbuf for the input");
		memcpy(rte_pktmbuf_append(m, (uint16_t)k), f + off, k);
		if (head == NULL)
			head = m;
		else
			FUZZ_ASSERT(rte_pktmbuf_chain(head, m) == 0, "chain");
		off += k;
	} while (off < n);
	return head;
}

void
fuzz_neigh_free_held(struct bs_worker *w)
{
	unsigned int i;

	for (i = 0; i < RTE_DIM(w->neigh.e); i++)
		bs_mbuf_list_free(bs_neigh_take_held(&w->neigh.e[i]));
}
