/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WORKER_INTERNAL_H
#define WORKER_INTERNAL_H

/* Shared by the worker's files (worker_neigh.c, worker_setup.c, worker_flow.c). */

#include <rte_ring.h>

#include "bs_table.h"
#include "bs_tcp_ep.h"
#include "bs_worker.h"

/*
 * The look-ahead of worker_flow.c. worker_flows(): hash @p pkts' TCP
 * segments for the endpoint's table and prefetch their buckets, into
 * w->flow[] (the endpoint must exist; its table should hold entries).
 * worker_flow_hash(): the hash of @p m's segment, parsed as @p p, when
 * worker_flows() computed it this burst and read the headers where the
 * parse found them. Frames must be asked for in burst order; w->n_flow
 * is reset to 0 at the end of the burst. worker_flow_peek(): the same for
 * a segment whose IP header is @p l2_len bytes in and TCP header @p l4_off,
 * leaving it to be asked for again (w->next_flow unchanged).
 */
void worker_flows(struct bs_worker *w, struct rte_mbuf *const *pkts, uint16_t n);
void worker_flows_syn(struct bs_worker *w, struct rte_mbuf *const *pkts, uint16_t n);

/*
 * Tables whose buckets take more than this are looked up with the burst's
 * look-ahead: about 2 M entries and more, well beyond a core's L2 cache.
 * Smaller ones (the default configuration's is 2.5 MiB) are read from L2
 * or L3 and, in huge pages (bs_table_create()), within TLB reach, where
 * the look-ahead's cost (the headers parsed twice, the buckets located
 * twice: about 100 instructions a segment, whatever the size) is not
 * repaid (docs/performance.md). SYNs are the exception: a new flow's two
 * buckets are cold in any table larger than the L2 cache, so while the
 * table holds anything a burst's SYNs get the look-ahead whatever its
 * size (worker_flows_syn(); short connections: about 130 ns a connection
 * less on the machine of docs/performance.md).
 */
#define WORKER_LOOKAHEAD_BYTES (UINT32_C(16) << 20)

/* Does this burst get the look-ahead? (One test per burst.) */
static inline bool
worker_lookahead(const struct bs_worker *w)
{
	const struct bs_table *t;

	if (w->ep == NULL)
		return false;
	t = bs_tcp_ep_table(w->ep);
	return bs_table_count(t) != 0 && bs_table_memory(t) > WORKER_LOOKAHEAD_BYTES;
}
bool worker_flow_hash(struct bs_worker *w, const struct rte_mbuf *m,
		const struct bs_pkt *p, uint64_t *hash);
bool worker_flow_peek(const struct bs_worker *w, const struct rte_mbuf *m, bool v6,
		uint32_t l2_len, uint32_t l4_off, uint64_t *hash);

/* Neighbour news passed from one worker to another (an inbox element). */
struct worker_neigh_msg {
	struct bs_neigh_news nw;
	uint16_t vlan;
	uint8_t port;
	uint8_t pad[5];
};

_Static_assert(sizeof(struct worker_neigh_msg) == 32, "ring elements of 8 32-bit words");

#define WORKER_INBOX_SIZE 1024	/* news per inbox */

#include "bs_worker_ctl.h"

/* A worker's control requests: one slot, posted through an SP/SC ring. */
#define WORKER_CTL_RING_SIZE 4

/* A ring element: the slot posted, and which post it is (32 bytes, as
 * the neighbour inbox's: DPDK's element copy for 8-byte elements trips
 * GCC's -Wstringop-overflow). */
struct worker_ctl_msg {
	struct bs_worker_ctl_req *req;
	uint64_t seq;
	uint64_t pad[2];
};

_Static_assert(sizeof(struct worker_ctl_msg) == 32, "ring elements of 8 32-bit words");

struct bs_worker_ctl {
	struct rte_ring *ring;
	bool posted;			/* control thread only: the slot is in use */
	uint64_t seq;			/* control thread only: posts so far */
	uint32_t done;			/* worker: release store when answered */
	struct bs_worker_ctl_req req;	/* the slot */
};

/* Is a control request waiting? One ring check per poll. */
static inline bool
worker_ctl_pending(const struct bs_worker *w)
{
	return w->ctl != NULL && !rte_ring_empty(w->ctl->ring);
}

#endif /* WORKER_INTERNAL_H */
