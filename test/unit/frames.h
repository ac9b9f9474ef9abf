/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_TEST_FRAMES_H
#define BS_TEST_FRAMES_H

/*
 * Frame construction for the unit tests, written byte by byte and with a
 * naive checksum, independently of the code under test (which uses DPDK's
 * header structs and its raw checksum).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* What a test segment looks like. */
struct tseg {
	bool v6;
	uint16_t vlan;			/* 0: untagged */
	uint8_t flags;
	uint32_t seq, ack;
	uint16_t sport, dport;
	uint16_t win;
	uint16_t payload;		/* bytes of payload */
	uint8_t tos;			/* TOS or traffic class */
	uint32_t label;			/* IPv6 flow label */
	uint8_t ip_opt_words;		/* IPv4 options (32-bit words of NOPs) */
	uint8_t tcp_opts[40];
	uint8_t tcp_opt_len;		/* multiple of 4 */
	uint8_t src[16], dst[16];	/* IPv4 in the first 4 bytes */
	uint16_t pad_to;		/* Ethernet padding up to this length */
};

extern const uint8_t t_port_mac[6];
extern const uint8_t t_peer_mac[6];

struct bs_addr_table;

/* Fill an address table from config items ("198.18.0.2/24 vlan 100"); aborts on error. */
struct rte_mempool;

/**
 * EAL for a unit test (no hugepages, no PCI, no shared config, its own
 * file prefix "bs-unit-NAME") and a pool of @p n_mbufs mbufs.
 * @return the pool, or NULL after printing why
 */
struct rte_mempool *t_eal_pool(const char *argv0, const char *name, unsigned int mem_mb,
		unsigned int n_mbufs);

void t_addrs(struct bs_addr_table *t, const char *const *items, unsigned int n);

struct bs_config;
struct bs_ip_conf;
struct bs_worker;

/**
 * A worker with one port (t_port_mac; 198.18.0.2/24, 2001:2::2/64 and
 * 198.18.1.2/24 on VLAN 100, added to @p addrs once) and an endpoint, @p cfg
 * the defaults with @p text read over them; exits on an error.
 */
struct bs_worker *t_worker_new(struct rte_mempool *pool, struct bs_config *cfg,
		const struct bs_ip_conf *ipc, struct bs_addr_table *addrs, const char *text);

/* Naive Internet checksum of a byte string plus an initial 32-bit sum. */
uint16_t t_csum(const uint8_t *p, size_t n, uint32_t sum);

/* Sensible defaults: 198.18.0.1:40000 -> 198.18.0.2:23 (or IPv6). */
void t_seg_init(struct tseg *s, bool v6, uint16_t vlan);

/* The incoming frame. @return its length */
size_t t_build_segment(uint8_t *buf, const struct tseg *s);

/*
 * The RST Linux would send for @p s (tcp_v4_send_reset / tcp_v6_send_reset,
 * matrix 5.1) with TTL/hop limit 64 and the given IPv6 flow label.
 * @return its length
 */
size_t t_build_expected_rst(uint8_t *buf, const struct tseg *s, uint32_t label);

#endif
