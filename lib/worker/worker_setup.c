/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control thread sets up for the workers before they start, and
 * frees after they stop: the neighbour news inboxes.
 */
#include <stdio.h>

#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "worker_internal.h"

int
bs_worker_neigh_share(struct bs_worker *workers, unsigned int n, char *err, size_t errlen)
{
	struct rte_ring **rings;
	unsigned int i;

	if (n < 2)
		return 0;
	rings = rte_zmalloc("bs_neigh_inbox", n * sizeof(*rings), 0);
	if (rings == NULL) {
		snprintf(err, errlen, "out of memory for %u neighbour inboxes", n);
		return -1;
	}
	for (i = 0; i < n; i++) {
		char name[RTE_RING_NAMESIZE];

		snprintf(name, sizeof(name), "bs_neigh_%u", i);
		rings[i] = rte_ring_create_elem(name, sizeof(struct worker_neigh_msg), WORKER_INBOX_SIZE,
			(int)rte_lcore_to_socket_id(workers[i].lcore), RING_F_SC_DEQ);
		if (rings[i] == NULL) {
			snprintf(err, errlen, "neighbour inbox of worker %u: %s", i,
				rte_strerror(rte_errno));
			while (i-- > 0)
				rte_ring_free(rings[i]);
			rte_free(rings);
			return -1;
		}
	}
	for (i = 0; i < n; i++)
		workers[i].inbox = rings;
	return 0;
}

void
bs_worker_neigh_unshare(struct bs_worker *workers, unsigned int n)
{
	struct rte_ring **rings = n != 0 ? workers[0].inbox : NULL;
	unsigned int i;

	if (rings == NULL)
		return;
	for (i = 0; i < n; i++) {
		rte_ring_free(rings[i]);
		workers[i].inbox = NULL;
	}
	rte_free(rings);
}
