/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_RSS_H
#define BS_RSS_H

/**
 * @file
 * A port's receive-side scaling as software sees it: the Toeplitz hash
 * the NIC computes over a received segment, and the queue its redirection
 * table (RETA) gives that hash. The endpoint uses it to choose an active
 * open's source port whose replies come back to the worker that opened it
 * (queue k is worker k), and to notice segments that did not. Pure
 * functions, any lcore.
 *
 * The hash input of a TCP segment (Microsoft's RSS specification, which
 * DPDK's RTE_ETH_RSS_NONFRAG_IPV4_TCP / _IPV6_TCP follow): source address,
 * destination address, source port, destination port, in network order;
 * without the ports when the port hashes addresses only for that family.
 */

#include <stdbool.h>
#include <stdint.h>

#define BS_RSS_KEY_MAX 128
#define BS_RSS_RETA_MAX 512

/** bs_rss.fields, per family: what the hash of a TCP segment covers */
#define BS_RSS_V4_L3 0x01	/**< IPv4 addresses */
#define BS_RSS_V4_L4 0x02	/**< ... and TCP ports */
#define BS_RSS_V6_L3 0x04
#define BS_RSS_V6_L4 0x08

struct bs_rss {
	uint16_t n_queues;		/**< 1: no RSS, every segment on queue 0 */
	uint16_t reta_size;		/**< entries of reta[] in use */
	uint8_t fields;			/**< BS_RSS_* */
	uint8_t key_len;
	uint8_t key[BS_RSS_KEY_MAX];
	uint16_t reta[BS_RSS_RETA_MAX];	/**< queue of hash % reta_size */
};

/**
 * Toeplitz hash of @p len bytes at @p in, as if they stood at byte @p off
 * of the input (the key window starts @p off bytes in): the hash is linear
 * in its input, so a whole input's hash is the XOR of its parts'.
 * @p key_len must cover off + len + 4 bytes; key bytes past it count as 0.
 */
uint32_t bs_toeplitz_at(const uint8_t *key, unsigned int key_len, unsigned int off,
		const uint8_t *in, unsigned int len);

/** Toeplitz hash of a whole input. */
static inline uint32_t
bs_toeplitz(const uint8_t *key, unsigned int key_len, const uint8_t *in, unsigned int len)
{
	return bs_toeplitz_at(key, key_len, 0, in, len);
}

/**
 * The hash of a received TCP segment, addresses as v4-mapped IPv6 for
 * IPv4, ports in network order (0 when the port does not hash it).
 */
uint32_t bs_rss_hash(const struct bs_rss *r, const uint8_t src[16], const uint8_t dst[16],
		uint16_t sport, uint16_t dport);

/**
 * What the destination port adds to that hash (XOR): a segment's hash is
 * its hash with destination port 0, XOR this. 0 when ports are not hashed.
 */
uint32_t bs_rss_dport_hash(const struct bs_rss *r, bool v4, uint16_t dport);

/** Does the hash of a TCP segment of this family cover its ports? */
static inline bool
bs_rss_hashes_ports(const struct bs_rss *r, bool v4)
{
	return (r->fields & (v4 ? BS_RSS_V4_L4 : BS_RSS_V6_L4)) != 0;
}

/** The queue a hash lands on. */
static inline uint16_t
bs_rss_queue_of(const struct bs_rss *r, uint32_t hash)
{
	if (r == NULL || r->n_queues <= 1 || r->reta_size == 0)
		return 0;
	return r->reta[hash % r->reta_size];
}

#endif /* BS_RSS_H */
