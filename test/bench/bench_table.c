/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection table benchmark (not a test): for each table size, fill a table
 * sized for that many entries (the designed load) with random flows, half
 * IPv4 and half IPv6, held in 64-byte objects (the TIME_WAIT budget); then
 * measure lookups of present and of absent flows, in bursts of 32 and one
 * at a time, and finally keep inserting until -ENOSPC.
 *
 * The keys looked up are copies in a separate array read in order, as keys
 * built from a burst of received headers would be; the buckets and objects
 * are reached at random. Query arrays are larger than the last-level cache,
 * so a large table is not measured from cache.
 *
 *   taskset -c 1 bench_table [--no-thp] [--queries N] [--work N] [entries...]
 *
 * Default sizes 1000 and 10000000; default 4 Mi queries of each kind.
 * "Look-ahead miss" is the worker's way with a large table
 * (lib/worker/worker_flow.c): a burst of 32 hashed and both buckets of
 * each prefetched, then looked up one at a time. --work N adds N dependent
 * multiply-adds after each one-at-a-time lookup (single and look-ahead),
 * a stand-in for the rest of a segment's handling, which keeps the CPU
 * from overlapping one lookup's misses with the next's by itself.
 *
 * Memory comes from mmap with MADV_HUGEPAGE (transparent huge pages, as the
 * EAL's hugepages would give) unless --no-thp. No EAL needed.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#include <rte_cycles.h>

#include "bs_table.h"

#define OBJ_SIZE 64
#define QUERIES_MAX (UINT32_C(1) << 22)	/* 4 Mi keys, 144 MiB per array */
#define LOOKUPS (UINT32_C(3) << 22)		/* per figure */

struct obj {
	struct bs_flow key;
	uint8_t rest[OBJ_SIZE - sizeof(struct bs_flow)];
};

static bool use_thp = true;
static uint32_t n_queries = QUERIES_MAX;
static unsigned int work;
static volatile uint64_t work_sink;
static uint64_t rng_state = 0x2545f4914f6cdd1dULL;
static double tsc_hz;

static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

static void *
big_alloc(size_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		perror("mmap");
		exit(1);
	}
	if (use_thp)
		madvise(p, size, MADV_HUGEPAGE);
	return p;
}

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
calibrate(void)
{
	double t0 = now(), t1;
	uint64_t c0 = rte_rdtsc(), c1;

	do
		t1 = now();
	while (t1 - t0 < 0.2);
	c1 = rte_rdtsc();
	tsc_hz = (double)(c1 - c0) / (t1 - t0);
}

/* Flow number @p i, random, unique by @p i (in the local address). */
static void
flow_make(struct bs_flow *f, uint32_t i)
{
	uint64_t r = rnd(), s = rnd(), u = rnd();
	uint8_t ra[16], la[16];

	memcpy(ra, &r, 8);
	memcpy(ra + 8, &s, 8);
	memcpy(la, &u, 8);
	memcpy(la + 8, &s, 4);
	memcpy(la + 12, &i, 4);
	if (rnd() & 1)
		bs_flow_from_ipv4(f, ra, la + 12, (uint16_t)u, (uint16_t)(u >> 16));
	else
		bs_flow_from_ipv6(f, ra, la, (uint16_t)u, (uint16_t)(u >> 16));
}

struct result {
	double mops;		/* million operations per second */
	double cycles;		/* TSC cycles per operation */
};

static struct result
rate(uint64_t cycles, uint64_t ops)
{
	struct result r = {
		.mops = (double)ops / ((double)cycles / tsc_hz) / 1e6,
		.cycles = (double)cycles / (double)ops,
	};

	return r;
}

/* Burst lookups of all queries, LOOKUPS in all; checks the hit count. */
static struct result
run_burst(const struct bs_table *t, const struct bs_flow *q, uint32_t hits_per_burst)
{
	const struct bs_flow *keys[32];
	uint32_t vals[32], i, j, r, bad = 0;
	uint64_t c0 = rte_rdtsc();

	for (r = 0; r < LOOKUPS / n_queries; r++)
		for (i = 0; i < n_queries; i += 32) {
			for (j = 0; j < 32; j++)
				keys[j] = &q[i + j];
			bad += bs_table_lookup_burst(t, keys, 32, vals) != hits_per_burst;
		}
	if (bad != 0)
		printf("ERROR: %u bursts with a wrong hit count\n", bad);
	return rate(rte_rdtsc() - c0, LOOKUPS / n_queries * n_queries);
}

/* --work: dependent operations on a lookup's result. */
static inline void
do_work(uint32_t v)
{
	uint64_t x = v;
	unsigned int k;

	for (k = 0; k < work; k++)
		x = x * 3 + 1;
	work_sink += x;
}

/* One-at-a-time lookups (hash, then lookup) of all queries, LOOKUPS in all. */
static struct result
run_single(const struct bs_table *t, const struct bs_flow *q, bool hit)
{
	uint32_t i, r, v, bad = 0;
	uint64_t c0 = rte_rdtsc();

	for (r = 0; r < LOOKUPS / n_queries; r++)
		for (i = 0; i < n_queries; i++) {
			v = bs_table_lookup(t, &q[i], bs_table_hash(t, &q[i]));
			bad += (v != BS_TABLE_MISS) != hit;
			do_work(v);
		}
	if (bad != 0)
		printf("ERROR: %u wrong single lookups\n", bad);
	return rate(rte_rdtsc() - c0, LOOKUPS / n_queries * n_queries);
}

/* The worker's look-ahead: 32 hashed and prefetched, then one at a time. */
static struct result
run_ahead(const struct bs_table *t, const struct bs_flow *q, bool hit)
{
	uint32_t i, j, r, v, bad = 0;
	uint64_t c0 = rte_rdtsc(), h[32];

	for (r = 0; r < LOOKUPS / n_queries; r++)
		for (i = 0; i < n_queries; i += 32) {
			for (j = 0; j < 32; j++) {
				h[j] = bs_table_hash(t, &q[i + j]);
				bs_table_prefetch(t, h[j]);
			}
			for (j = 0; j < 32; j++) {
				v = bs_table_lookup(t, &q[i + j], h[j]);
				bad += (v != BS_TABLE_MISS) != hit;
				do_work(v);
			}
		}
	if (bad != 0)
		printf("ERROR: %u wrong look-ahead lookups\n", bad);
	return rate(rte_rdtsc() - c0, LOOKUPS / n_queries * n_queries);
}

static void
bench(uint32_t n)
{
	static const struct bs_sipkey key = { 0x5bd1e9955bd1e995ULL, 0xc2b2ae3d27d4eb4fULL };
	size_t tsize = (bs_table_memsize(n) + 4095) & ~(size_t)4095;
	struct bs_table *t = bs_table_init(big_alloc(tsize), tsize, n, &key);
	uint32_t n_obj = (uint32_t)bs_table_slots(t), i, full;
	struct obj *o = big_alloc((size_t)n_obj * sizeof(*o));
	struct bs_flow *qh = big_alloc((size_t)n_queries * sizeof(*qh));
	struct bs_flow *qm = big_alloc((size_t)n_queries * sizeof(*qm));
	struct result ins, bh, bm, sh, sm, am;
	uint64_t c0;

	bs_table_set_pool(t, 0, o, sizeof(*o));
	for (i = 0; i < n_obj; i++)
		flow_make(&o[i].key, i);
	for (i = 0; i < n_queries; i++) {
		qh[i] = o[rnd() % n].key;
		flow_make(&qm[i], n_obj + i);	/* never inserted */
	}
	c0 = rte_rdtsc();
	for (i = 0; i < n; i++)
		if (bs_table_add(t, &o[i].key, bs_table_hash(t, &o[i].key),
				BS_TABLE_VALUE(0, i)) != 0)
			printf("ERROR: insert %u failed\n", i);
	ins = rate(rte_rdtsc() - c0, n);
	bh = run_burst(t, qh, 32);
	bm = run_burst(t, qm, 0);
	sh = run_single(t, qh, true);
	sm = run_single(t, qm, false);
	am = run_ahead(t, qm, false);
	for (full = n; full < n_obj; full++)
		if (bs_table_add(t, &o[full].key, bs_table_hash(t, &o[full].key),
				BS_TABLE_VALUE(0, full)) != 0)
			break;
	printf("| %10u | %7.1f | %5.2f | %5.3f | %6.2f %5.0f | %6.2f %5.0f | %6.2f %5.0f"
		" | %6.2f %5.0f | %6.2f %5.0f | %6.2f %5.0f | %5.3f |\n",
		n, (double)bs_table_memory(t) / (1 << 20),
		(double)bs_table_memory(t) / n, (double)n / (double)bs_table_slots(t),
		ins.mops, ins.cycles, bh.mops, bh.cycles, bm.mops, bm.cycles,
		sh.mops, sh.cycles, sm.mops, sm.cycles, am.mops, am.cycles,
		(double)full / (double)bs_table_slots(t));
	munmap(qm, (size_t)n_queries * sizeof(*qm));
	munmap(qh, (size_t)n_queries * sizeof(*qh));
	munmap(o, (size_t)n_obj * sizeof(*o));
	munmap(t, tsize);
}

int
main(int argc, char **argv)
{
	uint32_t sizes[16] = { 1000, 10000000 };
	int i, n = 0;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--no-thp") == 0)
			use_thp = false;
		else if (strcmp(argv[i], "--queries") == 0 && i + 1 < argc)
			n_queries = (uint32_t)strtoul(argv[++i], NULL, 0) & ~31u;
		else if (strcmp(argv[i], "--work") == 0 && i + 1 < argc)
			work = (unsigned int)strtoul(argv[++i], NULL, 0);
		else if (argv[i][0] == '-')
			return printf("usage: bench_table [--no-thp] [--queries N] [--work N] "
				"[entries...]\n"), 2;
		else if (n < 16)
			sizes[n++] = (uint32_t)strtoul(argv[i], NULL, 0);
	}
	if (n == 0)
		n = 2;
	calibrate();
	printf("TSC %.3f GHz; %u-byte objects; %s; %u lookups per figure, "
		"bursts of 32; %u queries; work %u\n\n", tsc_hz / 1e9, OBJ_SIZE,
		use_thp ? "transparent huge pages" : "4 KiB pages", LOOKUPS, n_queries, work);
	printf("| entries | table MiB | B/entry | load | insert Mops/s cyc "
		"| burst hit Mops/s cyc | burst miss Mops/s cyc | single hit Mops/s cyc "
		"| single miss Mops/s cyc | look-ahead miss Mops/s cyc | load at -ENOSPC |\n");
	printf("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
	for (i = 0; i < n; i++)
		bench(sizes[i]);
	return 0;
}
