/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_PORT_GUARD_H
#define BS_PORT_GUARD_H

/**
 * @file
 * The unmap guard: no memory is unmapped while a poll loop may still be
 * reading it inside a driver call.
 *
 * DPDK 22.11's net_memif unmaps its peer's shared regions (rings and
 * buffers) from the EAL interrupt thread when the peer disconnects
 * (memif_disconnect(): the connected flag cleared, then munmap()), while a
 * poll loop may be between its check of that flag and its read of the
 * ring in eth_memif_rx()/eth_memif_tx(): the loop then faults on the
 * unmapped ring (docs/operations.md, "memif"). Nothing in the driver
 * waits for the loops, so Backstop does, at the one place the unmap goes
 * through: it defines munmap() (exported from the executable, so the
 * driver's call binds to it), which, while the guard is on and the caller
 * is not a poll loop itself, first waits for a grace period:
 *
 * - membarrier(MEMBARRIER_CMD_PRIVATE_EXPEDITED): every thread of the
 *   process has passed a full memory barrier, so a driver call that
 *   starts from now on sees the cleared flag;
 * - then every online poll loop has passed one quiescent point (the end
 *   of a poll), so a driver call begun before it has returned.
 *
 * The loops pay one plain store per poll (bs_port_guard_quiescent()); the
 * cost is on the unmapping side, and only while the guard is on (a port
 * whose driver needs it: bs_port_guard_needed()).
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_common.h>

/** A poll loop that is not polling (not started, or stopped). */
#define BS_PORT_GUARD_OFFLINE UINT64_MAX

/** A poll loop's quiescent-state counter, on its own cache line. */
struct bs_port_guard_reader {
	uint64_t polls;		/**< polls completed; BS_PORT_GUARD_OFFLINE */
} __rte_cache_aligned;

/** Whether port @p port_id's driver unmaps memory under the poll loops. */
bool bs_port_guard_needed(uint16_t port_id);

/**
 * Turn the guard on (control thread, once a port needs it).
 * @return 0, or -1 if the kernel has no private expedited membarrier
 *   (then the guard stays off)
 */
int bs_port_guard_enable(void);

/** Whether the guard is on. */
bool bs_port_guard_enabled(void);

/**
 * The calling thread becomes poll loop @p idx (< RTE_MAX_LCORE): its
 * munmap() calls do not wait for itself, and unmaps wait for its polls.
 */
struct bs_port_guard_reader *bs_port_guard_online(unsigned int idx);

/** The calling poll loop stops polling: unmaps no longer wait for it. */
void bs_port_guard_offline(struct bs_port_guard_reader *r);

/** The end of a poll: no driver call of this loop is in progress. */
static inline void
bs_port_guard_quiescent(struct bs_port_guard_reader *r)
{
	__atomic_store_n(&r->polls, r->polls + 1, __ATOMIC_RELEASE);
}

/** Grace periods waited, and those that gave up waiting (a loop stuck
 * for over 1 s inside a poll: the unmap then goes ahead). */
void bs_port_guard_stats(uint64_t *waits, uint64_t *timeouts);

#endif
