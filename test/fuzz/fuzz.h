/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_FUZZ_H
#define BS_FUZZ_H

/*
 * What the libFuzzer harnesses share: an invariant check that stops the
 * run (libFuzzer keeps the input as a crash), and EAL without devices.
 */

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#define FUZZ_ASSERT(cond, ...) do { \
	if (!(cond)) { \
		fprintf(stderr, "fuzz invariant %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		fprintf(stderr, __VA_ARGS__); \
		fprintf(stderr, "\n"); \
		abort(); \
	} \
} while (0)

struct rte_mempool;

/**
 * EAL on --no-huge, no PCI, no shared config, a file prefix of its own
 * (bs-fuzz-NAME-PID), and a pool of @p n_mbufs mbufs. Exits on failure.
 */
struct rte_mempool *fuzz_eal_pool(const char *name, unsigned int n_mbufs);

/** A file removed at exit (atexit(fuzz_unlink_path)). */
extern const char *fuzz_path_to_unlink;
void fuzz_unlink_path(void);

#endif
