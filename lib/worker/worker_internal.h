/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef WORKER_INTERNAL_H
#define WORKER_INTERNAL_H

/* Shared by the worker's files (worker_neigh.c, worker_setup.c). */

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

#endif /* WORKER_INTERNAL_H */
