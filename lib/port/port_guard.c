/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The unmap guard (bs_port_guard.h): munmap() waits for a grace period of
 * the poll loops while a port's driver may unmap memory under them.
 */
#include <dlfcn.h>
#include <linux/membarrier.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <rte_ethdev.h>
#include <rte_pause.h>

#include "bs_port_guard.h"

#define GUARD_TIMEOUT_NS 1000000000ull

/* Drivers known to unmap shared memory under the poll loops on a peer's
 * disconnect. */
static const char *const unmapping_drivers[] = { "net_memif" };

static struct {
	bool on;
	unsigned int n;			/* readers[0..n-1] ever online */
	uint64_t waits;
	uint64_t timeouts;
	struct bs_port_guard_reader readers[RTE_MAX_LCORE];
} guard = {
	.readers = { [0 ... RTE_MAX_LCORE - 1] = { .polls = BS_PORT_GUARD_OFFLINE } },
};

static __thread struct bs_port_guard_reader *guard_self;

typedef int (*munmap_fn)(void *, size_t);
static munmap_fn next_munmap;

/* The munmap() this one stands in front of: libc's, or a sanitizer's. */
static __attribute__((constructor)) void
guard_resolve(void)
{
	next_munmap = (munmap_fn)(uintptr_t)dlsym(RTLD_NEXT, "munmap");
}

bool
bs_port_guard_needed(uint16_t port_id)
{
	struct rte_eth_dev_info info;
	unsigned int i;

	if (rte_eth_dev_info_get(port_id, &info) != 0 || info.driver_name == NULL)
		return false;
	for (i = 0; i < RTE_DIM(unmapping_drivers); i++)
		if (strcmp(info.driver_name, unmapping_drivers[i]) == 0)
			return true;
	return false;
}

int
bs_port_guard_enable(void)
{
	if (syscall(SYS_membarrier, MEMBARRIER_CMD_REGISTER_PRIVATE_EXPEDITED, 0, 0) != 0)
		return -1;
	__atomic_store_n(&guard.on, true, __ATOMIC_SEQ_CST);
	return 0;
}

bool
bs_port_guard_enabled(void)
{
	return __atomic_load_n(&guard.on, __ATOMIC_RELAXED);
}

struct bs_port_guard_reader *
bs_port_guard_online(unsigned int idx)
{
	unsigned int n = __atomic_load_n(&guard.n, __ATOMIC_RELAXED);
	struct bs_port_guard_reader *r;

	idx %= RTE_MAX_LCORE;	/* guard.n stays within readers[] */
	r = &guard.readers[idx];

	guard_self = r;
	__atomic_store_n(&r->polls, 0, __ATOMIC_RELEASE);
	while (n <= idx && !__atomic_compare_exchange_n(&guard.n, &n, idx + 1, false,
			__ATOMIC_RELEASE, __ATOMIC_RELAXED))
		;
	return r;
}

void
bs_port_guard_offline(struct bs_port_guard_reader *r)
{
	__atomic_store_n(&r->polls, BS_PORT_GUARD_OFFLINE, __ATOMIC_RELEASE);
	guard_self = NULL;
}

void
bs_port_guard_stats(uint64_t *waits, uint64_t *timeouts)
{
	*waits = __atomic_load_n(&guard.waits, __ATOMIC_RELAXED);
	*timeouts = __atomic_load_n(&guard.timeouts, __ATOMIC_RELAXED);
}

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Every online loop but the caller past one quiescent point after a
 * barrier on every thread. */
static void
guard_wait(void)
{
	unsigned int i, n = __atomic_load_n(&guard.n, __ATOMIC_ACQUIRE);
	uint64_t deadline = 0;

	syscall(SYS_membarrier, MEMBARRIER_CMD_PRIVATE_EXPEDITED, 0, 0);
	for (i = 0; i < n; i++) {
		struct bs_port_guard_reader *r = &guard.readers[i];
		uint64_t c = __atomic_load_n(&r->polls, __ATOMIC_ACQUIRE);

		if (r == guard_self)
			continue;
		while (c != BS_PORT_GUARD_OFFLINE &&
				__atomic_load_n(&r->polls, __ATOMIC_ACQUIRE) == c) {
			rte_pause();
			if (deadline == 0)
				deadline = now_ns() + GUARD_TIMEOUT_NS;
			else if (now_ns() > deadline) {
				__atomic_fetch_add(&guard.timeouts, 1, __ATOMIC_RELAXED);
				return;
			}
		}
	}
	__atomic_fetch_add(&guard.waits, 1, __ATOMIC_RELAXED);
}

/* Every munmap() of the process that binds to a symbol (the executable
 * exports this one: app/meson.build) comes here first. */
int
munmap(void *addr, size_t len)
{
	if (__atomic_load_n(&guard.on, __ATOMIC_ACQUIRE))
		guard_wait();
	if (next_munmap != NULL)
		return next_munmap(addr, len);
	return (int)syscall(SYS_munmap, addr, len);
}
