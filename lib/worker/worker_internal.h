/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WORKER_INTERNAL_H
#define WORKER_INTERNAL_H

/* Shared by the worker's files (worker_neigh.c, worker_setup.c). */

#include <rte_ring.h>

#include "bs_worker.h"

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
