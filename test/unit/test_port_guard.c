/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The unmap guard (lib/port/bs_port_guard.h), against a model of DPDK
 * 22.11 net_memif's disconnect: a poll loop checks a "connected" flag and
 * then reads the shared ring, while another thread clears the flag and
 * unmaps the ring (memif_disconnect()), then maps a new one and sets the
 * flag again (the peer's reconnect). The loop holds the ring pointer for
 * about 5 microseconds between its check and its read, as a driver call
 * interrupted by a syscall does.
 *
 * Each variant runs in a child process whose SIGSEGV handler exits 42:
 * - guard off: the loop must fault (this shows the model has the race);
 * - guard on: the same run, 1000 reconnects, must not fault, and every
 *   unmap must have waited (no timeout);
 * and in this process: an unmap by the poll loop itself, or with every
 * loop offline, does not wait.
 */
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <rte_pause.h>

#include "bs_port_guard.h"
#include "bs_test.h"

#define PAGE 4096
#define EXIT_FAULT 42
#define EXIT_TIMEOUT 43
#define EXIT_NOREAD 44
#define EXIT_NOFAULT 45

static struct {
	int connected;
	uint8_t *ring;
	int stop;
	uint64_t reads;
	uint64_t window;	/* ns between the check and the read */
} m;

static uint64_t
now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static void
spin_ns(uint64_t ns)
{
	uint64_t t = now_ns();

	while (now_ns() - t < ns)
		rte_pause();
}

static void
on_segv(int sig)
{
	(void)sig;
	_exit(EXIT_FAULT);
}

static void *
poll_loop(void *arg)
{
	struct bs_port_guard_reader *r = bs_port_guard_online(1);
	volatile uint8_t sink = 0;

	(void)arg;
	while (!__atomic_load_n(&m.stop, __ATOMIC_ACQUIRE)) {
		/* eth_memif_rx(): the flag, the ring, then (after a read()
		 * of the interrupt fd) the ring's head */
		if (__atomic_load_n(&m.connected, __ATOMIC_ACQUIRE)) {
			const uint8_t *ring = __atomic_load_n(&m.ring, __ATOMIC_ACQUIRE);

			spin_ns(m.window);
			sink = (uint8_t)(sink + ring[6]);
			m.reads++;
		}
		bs_port_guard_quiescent(r);
	}
	bs_port_guard_offline(r);
	return NULL;
}

static uint8_t *
map_ring(void)
{
	uint8_t *p = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		-1, 0);

	if (p == MAP_FAILED)
		_exit(2);
	p[6] = 1;
	return p;
}

/* The child: @p reconnects disconnects and reconnects under a poll loop.
 * Exits 0, or EXIT_* (a fault exits from the signal handler). */
static void
run_model(bool guard, unsigned int reconnects)
{
	struct sigaction sa = { .sa_handler = on_segv };
	uint64_t waits, timeouts;
	pthread_t t;
	unsigned int i;

	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGBUS, &sa, NULL);
	alarm(20);
	if (guard && bs_port_guard_enable() != 0)
		_exit(3);
	m.window = 5000;
	m.ring = map_ring();
	m.connected = 1;
	if (pthread_create(&t, NULL, poll_loop, NULL) != 0)
		_exit(4);
	for (i = 0; i < reconnects; i++) {
		uint8_t *old = m.ring, *fresh = map_ring();	/* never old's address */

		/* memif_disconnect(): the flag, then the regions */
		__atomic_store_n(&m.connected, 0, __ATOMIC_RELEASE);
		munmap(old, PAGE);
		/* the reconnect: a new region, then the flag */
		__atomic_store_n(&m.ring, fresh, __ATOMIC_RELEASE);
		__atomic_store_n(&m.connected, 1, __ATOMIC_RELEASE);
		/* let the loop into its window again */
		spin_ns(1000);
	}
	__atomic_store_n(&m.stop, 1, __ATOMIC_RELEASE);
	pthread_join(t, NULL);
	if (m.reads == 0)
		_exit(EXIT_NOREAD);
	bs_port_guard_stats(&waits, &timeouts);
	if (guard && (timeouts != 0 || waits < reconnects))
		_exit(EXIT_TIMEOUT);
	_exit(guard ? 0 : EXIT_NOFAULT);
}

static int
child(bool guard, unsigned int reconnects)
{
	pid_t pid = fork();
	int st;

	if (pid == 0)
		run_model(guard, reconnects);
	if (pid < 0 || waitpid(pid, &st, 0) != pid)
		return -1;
	if (WIFSIGNALED(st))
		return 1000 + WTERMSIG(st);
	return WEXITSTATUS(st);
}

/* No wait for the caller's own loop, nor for loops that are offline. */
static void
test_no_wait(void)
{
	struct bs_port_guard_reader *r;
	uint64_t w0, t0, w1, t1;
	uint8_t *p;

	CHECK(bs_port_guard_enable() == 0, "membarrier registers");
	r = bs_port_guard_online(2);
	bs_port_guard_stats(&w0, &t0);
	p = map_ring();
	CHECK_EQ(munmap(p, PAGE), 0, "the poll loop's own unmap");
	bs_port_guard_offline(r);
	p = map_ring();
	CHECK_EQ(munmap(p, PAGE), 0, "an unmap with every loop offline");
	bs_port_guard_stats(&w1, &t1);
	CHECK_EQ(w1 - w0, 2, "both went through the guard");
	CHECK_EQ(t1 - t0, 0, "neither waited for a loop");
	/* the wrapper keeps munmap()'s contract */
	CHECK(munmap((void *)1, PAGE) == -1, "an unaligned address is refused");
}

int
main(void)
{
	uint64_t t0 = now_ns();
	int off = child(false, 200000);
	uint64_t t1 = now_ns();
	int on = child(true, 1000);

	printf("guard off: %.2f s, on: %.2f s\n", (t1 - t0) / 1e9, (now_ns() - t1) / 1e9);

	CHECK_EQ(off, EXIT_FAULT, "guard off: the model's poll loop faults on the unmapped ring");
	CHECK_EQ(on, 0, "guard on: 1000 reconnects under the poll loop, no fault, every "
		"unmap waited (42 fault, 43 timeout or unwaited, 44 no reads)");
	test_no_wait();
	return bs_test_done();
}
