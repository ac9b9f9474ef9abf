/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * SYN cookie hashing benchmark (not a test): TSC cycles per call of
 * bs_cookie_init_ts() (a cookie and its timestamp offset: three
 * SipHash-2-4 values) with each implementation this CPU has, against
 * bs_cookie_init() plus bs_tcp_ts_off() called one after the other, for
 * IPv4 and IPv6 flows that change on every call. Figures in
 * docs/performance.md ("SYN-ACKs with cookies"), measured as
 *
 *   sysctl -w kernel.sched_rt_runtime_us=-1
 *   chrt -f 50 taskset -c 0 build/test/bench/bench_secure [calls]
 *   sysctl -w kernel.sched_rt_runtime_us=950000
 *
 * Default 1000000 calls per figure; each figure is the best of 3 runs.
 * No EAL needed.
 *
 * With --burst, one figure: TSC cycles per SYN of bs_cookie_init_ts_burst()
 * (what a cookie SYN-ACK costs in hashing alone, as the worker computes it)
 * over bursts of 32 IPv4 SYNs of distinct flows, with the implementation
 * chosen at start-up, as one line scripts/bench reads:
 *
 *   burst: 32 IPv4 SYNs a call, avx512: 33.4 cycles per SYN
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>

#include "bs_tcp_secure.h"

static const struct bs_cookie_keys ckeys = { { { 1, 2 }, { 3, 4 } } };
static const struct bs_sipkey tkey = { 5, 6 };

static void
flow(struct bs_flow *f, bool v6)
{
	memset(f, 0, sizeof(*f));
	if (v6) {
		f->raddr[0] = f->laddr[0] = 0x20;
		f->raddr[1] = f->laddr[1] = 0x01;
		f->raddr[3] = f->laddr[3] = 2;
	} else {
		f->raddr[10] = f->raddr[11] = f->laddr[10] = f->laddr[11] = 0xff;
		f->raddr[12] = f->laddr[12] = 198;
		f->raddr[13] = f->laddr[13] = 18;
	}
	f->laddr[15] = 2;
	f->lport = 80 << 8;
}

/* Best of 3 runs of @p n calls: cycles per call; *sink keeps the values. */
static double
run(bool v6, bool together, uint32_t n, uint32_t *sink)
{
	double best = 0;
	int rep;

	for (rep = 0; rep < 3; rep++) {
		struct bs_flow f;
		uint64_t t0, t;
		uint32_t i, ts = 0;
		uint16_t mss;

		flow(&f, v6);
		t0 = rte_rdtsc();
		for (i = 0; i < n; i++) {
			f.raddr[15] = (uint8_t)i;
			f.raddr[14] = (uint8_t)(i >> 8);
			f.rport = (uint16_t)i;
			mss = 1460;
			if (together) {
				*sink += bs_cookie_init_ts(&ckeys, &tkey, &f, i, &mss, i, &ts) + ts;
			} else {
				*sink += bs_cookie_init(&ckeys, &f, i, &mss, i) +
					bs_tcp_ts_off(&tkey, &f);
			}
		}
		t = rte_rdtsc() - t0;
		if (rep == 0 || (double)t / n < best)
			best = (double)t / n;
	}
	return best;
}

#define BURST 32
#define BURST_FLOWS 4096

/* Best of 3 runs of @p n bursts: cycles per SYN. */
static double
run_burst(uint32_t n, uint32_t *sink)
{
	static struct bs_flow fl[BURST_FLOWS];
	static const struct bs_flow *fp[BURST_FLOWS];
	uint32_t seq[BURST], cookie[BURST], off[BURST];
	uint16_t mss[BURST];
	double best = 0;
	uint32_t i, j;
	int rep;

	for (i = 0; i < BURST_FLOWS; i++) {
		flow(&fl[i], false);
		fl[i].raddr[15] = (uint8_t)i;
		fl[i].raddr[14] = (uint8_t)(i >> 8);
		fl[i].rport = (uint16_t)(1024 + i);
		fp[i] = &fl[i];
	}
	for (rep = 0; rep < 3; rep++) {
		uint64_t t0, t;

		t0 = rte_rdtsc();
		for (i = 0; i < n; i++) {
			for (j = 0; j < BURST; j++) {
				seq[j] = i + j;
				mss[j] = 1460;
			}
			bs_cookie_init_ts_burst(&ckeys, &tkey, fp + i * BURST % BURST_FLOWS, seq,
				mss, i, cookie, off, BURST);
			*sink += cookie[i % BURST] + off[BURST - 1 - i % BURST];
		}
		t = rte_rdtsc() - t0;
		if (rep == 0 || (double)t / n / BURST < best)
			best = (double)t / n / BURST;
	}
	return best;
}

int
main(int argc, char **argv)
{
	static const char *const impls[] = { "scalar", "avx2", "avx512" };
	bool burst = argc > 1 && strcmp(argv[1], "--burst") == 0;
	const char *arg = argc > 1 + burst ? argv[1 + burst] : NULL;
	uint32_t n = arg != NULL ? (uint32_t)strtoul(arg, NULL, 0) : 1000000, sink = 0;
	unsigned int i, v6;

	if (n == 0 || argc > 2 + burst) {
		fprintf(stderr, "usage: bench_secure [--burst] [calls]\n");
		return 2;
	}
	if (burst) {
		/* as many SYNs as the per-call figures' calls */
		double c = run_burst((n + BURST - 1) / BURST, &sink);

		printf("burst: %d IPv4 SYNs a call, %s: %.1f cycles per SYN\n", BURST,
			bs_tcp_secure_simd_name(), c);
		printf("(values folded: %08" PRIx32 ")\n", sink);
		return 0;
	}
	printf("%-8s %-5s %22s %26s\n", "impl", "flow", "cookie_init_ts cyc/call",
		"cookie_init+ts_off cyc/call");
	for (v6 = 0; v6 <= 1; v6++) {
		for (i = 0; i < sizeof(impls) / sizeof(impls[0]); i++) {
			if (bs_tcp_secure_simd(impls[i]) != 0) {
				printf("%-8s %-5s %22s\n", impls[i], v6 ? "IPv6" : "IPv4",
					"(not on this CPU)");
				continue;
			}
			printf("%-8s %-5s %22.1f %26.1f\n", impls[i], v6 ? "IPv6" : "IPv4",
				run(v6, true, n, &sink), run(v6, false, n, &sink));
		}
	}
	bs_tcp_secure_simd(NULL);
	printf("(values folded: %08" PRIx32 ")\n", sink);	/* so that they are computed */
	return 0;
}
