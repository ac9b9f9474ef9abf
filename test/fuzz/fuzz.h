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

#include <stddef.h>

struct bs_addr_table;
struct bs_config;
struct bs_ip_conf;
struct bs_tcp_ep;
struct bs_worker;
struct rte_mbuf;
struct rte_mempool;

/**
 * EAL on --no-huge, no PCI, no shared config, a file prefix of its own
 * (bs-fuzz-NAME-PID), and a pool of @p n_mbufs mbufs. Exits on failure.
 */
struct rte_mempool *fuzz_eal_pool(const char *name, unsigned int n_mbufs);

/** The harness's scratch file, /tmp/bs-fuzz-NAME-PID.EXT, removed at
 *  exit (call once). */
const char *fuzz_scratch_file(const char *name, const char *ext);

/* fuzz_worker.c: for the harnesses that run frames through a worker */

/** Their configuration's common part: small pools, echo listeners on
 * 198.18.0.2 and 2001:2::2 port 7, http on any address port 80. */
#define FUZZ_CONF_BASE \
	"[tcp]\nconnections = 64\nrequests = 64\ntcp_max_tw_buckets = 64\n" \
	"tcp_max_orphans = 64\n\n" \
	"[listener echo4]\naddress = 198.18.0.2\nport = 7\napp = echo\n\n" \
	"[listener echo6]\naddress = 2001:2::2\nport = 7\napp = echo\n\n" \
	"[listener web]\naddress = any\nport = 80\napp = http\n\n"


/**
 * The set-up of a harness's worker: @p cfg from the defaults and @p
 * conf_text, @p addrs 198.18.0.2/24, 2001:2::2/64 and 198.18.1.2/24 on
 * VLAN 100, @p ipc's clock, and a worker of one port (the test MAC, @p
 * addrs) polled by this lcore. Aborts on failure.
 */
struct bs_worker *fuzz_worker_new(struct rte_mempool *pool, const char *conf_text,
		struct bs_config *cfg, struct bs_ip_conf *ipc, struct bs_addr_table *addrs);

/** An endpoint for worker @p w (its TX, resolution and hold hooks). */
struct bs_tcp_ep *fuzz_ep_new(const struct bs_config *cfg, const struct bs_ip_conf *ipc,
		struct rte_mempool *pool, struct bs_worker *w);

/** @p n bytes at @p f as an mbuf chain of segments of at most @p seg bytes. */
struct rte_mbuf *fuzz_frame_mbuf(struct rte_mempool *pool, const uint8_t *f, size_t n,
		size_t seg);

/** Free the frames @p w's neighbour entries hold (none expected). */
void fuzz_neigh_free_held(struct bs_worker *w);

#endif
