/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_TABLE_H
#define BS_TABLE_H

/**
 * @file
 * The per-worker connection table: 4-tuple (struct bs_flow) -> 32-bit value.
 *
 * Ownership. Each worker owns its table: only that worker adds, deletes and
 * looks up, so nothing here is locked or atomic. Any thread may read the
 * counters (bs_table_count(), bs_table_capacity(), bs_table_memory()).
 * bs_table_walk() is for the owner, or for another thread while the owner
 * does not write (a control request served by the worker, or a stopped
 * worker): entries move between buckets on insertion.
 *
 * What is stored. The table keeps no keys: a slot is a 16-bit fingerprint
 * and a 32-bit value, a 2-bit pool id and a 30-bit object index
 * (BS_TABLE_VALUE()). The objects (connections, requests, TIME_WAIT entries)
 * live in arrays owned by the TCP code, each beginning with its struct
 * bs_flow; bs_table_set_pool() tells the table where each array is, and a
 * fingerprint hit is confirmed by comparing the key in the object. A pool
 * of objects that keep a packed key (TIME_WAIT entries: 12 bytes for IPv4)
 * gives its own comparison instead (bs_table_set_pool_eq()).
 *
 * Structure. Bucketised cuckoo hashing: 64-byte buckets of 10 slots, two
 * candidate buckets per key, a bounded breadth-first search for a free slot
 * on insertion. The bucket count is capacity / (10 * BS_TABLE_LOAD), not a
 * power of two, so the memory is 64 / (10 * 0.9) = 7.1 bytes per entry at
 * the designed load; the table keeps accepting entries past it, to about
 * 99 % of its slots, before an insertion fails with -ENOSPC.
 *
 * Hash. SipHash-1-3 of the packed 4-tuple (2 words for IPv4: the addresses,
 * then the ports; 5 for IPv6) under a per-table secret key, so a peer
 * cannot aim many tuples at one bucket. The packing is the headers' own
 * order, so a received segment is hashed where it lies
 * (bs_table_hash_hdr()). The low 32 bits choose the primary bucket, bits
 * 32-47 are the fingerprint; the other bucket is derived from the primary
 * and the fingerprint, so a relocation needs no key and no rehash.
 *
 * Memory is taken once at creation; add, delete and lookups never allocate,
 * lock, log or make a system call.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "bs_flow.h"
#include "bs_siphash.h"

struct bs_table;

/** Returned by the lookups when the key is absent. Never a valid value. */
#define BS_TABLE_MISS UINT32_MAX

/** Pools of objects a value can point into, and the index width. */
#define BS_TABLE_POOLS 4
#define BS_TABLE_INDEX_BITS 30
#define BS_TABLE_INDEX_MAX ((UINT32_C(1) << BS_TABLE_INDEX_BITS) - 1)

/** A value: object @p idx of pool @p pool. */
#define BS_TABLE_VALUE(pool, idx) \
	((uint32_t)(pool) << BS_TABLE_INDEX_BITS | (uint32_t)(idx))
#define BS_TABLE_VALUE_POOL(v) ((uint32_t)(v) >> BS_TABLE_INDEX_BITS)
#define BS_TABLE_VALUE_INDEX(v) ((uint32_t)(v) & BS_TABLE_INDEX_MAX)

/** Slots per 64-byte bucket, and the designed load (entries / slots). */
#define BS_TABLE_SLOTS 10u
#define BS_TABLE_LOAD_PCT 90

/** Keys a burst lookup handles per pass (any n is accepted). */
#define BS_TABLE_BURST 32u

/**
 * Bytes a table for @p capacity entries needs (header and buckets), for
 * callers that provide the memory to bs_table_init(). Any thread.
 * @return 0 if @p capacity is 0 or above BS_TABLE_INDEX_MAX + 1
 */
size_t bs_table_memsize(uint32_t capacity);

/**
 * Build a table in caller memory: @p mem must be 64-byte aligned, at least
 * bs_table_memsize(@p capacity) bytes, and outlive the table (nothing to
 * free). Needs no EAL: unit tests and tools use it. Any thread, before the
 * table is handed to its owner.
 * @return the table (at @p mem), or NULL if @p size is too small
 */
struct bs_table *bs_table_init(void *mem, size_t size, uint32_t capacity,
		const struct bs_sipkey *key);

/**
 * Allocate and build a table for @p capacity entries at the designed load:
 * EAL memory (rte_zmalloc_socket), or, when the EAL runs without hugepages
 * and the table needs 2 MiB or more, private memory of its own asked for in
 * transparent huge pages (the EAL's 4 KiB pages cost a TLB miss per bucket
 * read in a large table). Control thread, at start, after rte_eal_init().
 * @return the table, or NULL (bad capacity, no memory)
 */
struct bs_table *bs_table_create(uint32_t capacity,
		const struct bs_sipkey *key, int socket_id);

/** Free a table from bs_table_create(). Control thread, owner stopped. */
void bs_table_free(struct bs_table *t);

/**
 * Tell the table where pool @p id's objects are: object i is at
 * @p base + i * @p stride and begins with its struct bs_flow. Before the
 * owner uses the table, or by the owner.
 * @return 0, or -EINVAL (bad id, stride smaller than a key)
 */
int bs_table_set_pool(struct bs_table *t, unsigned int id, void *base,
		size_t stride);

/**
 * Key comparison for a pool whose objects do not begin with their struct
 * bs_flow (they keep a packed form of it): true if the object @p obj holds
 * @p key. @p ctx is bs_table_set_pool_eq()'s. Called on the owner's lcore
 * for each fingerprint hit in that pool: no side effects.
 */
typedef bool (*bs_table_key_eq)(const void *ctx, const void *obj,
		const struct bs_flow *key);

/**
 * As bs_table_set_pool(), for objects that keep their key in their own
 * form: @p eq compares it (any stride of at least 4 bytes).
 * @return 0, or -EINVAL (bad id, stride below 4, no @p eq)
 */
int bs_table_set_pool_eq(struct bs_table *t, unsigned int id, void *base,
		size_t stride, bs_table_key_eq eq, const void *ctx);

/**
 * The keyed hash of @p key, to pass to bs_table_add(), bs_table_del(),
 * bs_table_lookup(). Any thread (reads only the table's secret key).
 */
uint64_t bs_table_hash(const struct bs_table *t, const struct bs_flow *key);

/**
 * The hash bs_table_hash() gives the flow of a received TCP segment, read
 * from its headers where they lie, without building its struct bs_flow:
 * @p addrs is the IP header's source address followed by its destination
 * (the remote and the local address: 8 bytes from offset 12 of an IPv4
 * header, 32 bytes from offset 8 of an IPv6 header, @p v6), @p ports the
 * first 4 bytes of the TCP header. Any thread.
 */
uint64_t bs_table_hash_hdr(const struct bs_table *t, const void *addrs, bool v6,
		const void *ports);

/**
 * Prefetch the two buckets a key of @p hash may lie in, ahead of its
 * bs_table_lookup(): a caller that hashes a whole burst first overlaps
 * their cache (and TLB) misses instead of taking them one key at a time.
 * Reads nothing itself. Owner only.
 */
void bs_table_prefetch(const struct bs_table *t, uint64_t hash);

/**
 * Insert @p key -> @p value; the object @p value points at must already hold
 * @p key. Owner only. May move other entries between their two buckets.
 * @return 0; -EEXIST if the key is present (table unchanged); -ENOSPC if no
 *   free slot was found (table unchanged); -EINVAL if @p value is
 *   BS_TABLE_MISS
 */
int bs_table_add(struct bs_table *t, const struct bs_flow *key, uint64_t hash,
		uint32_t value);

/**
 * Remove @p key. Owner only.
 * @return the value it had, or BS_TABLE_MISS if absent
 */
uint32_t bs_table_del(struct bs_table *t, const struct bs_flow *key,
		uint64_t hash);

/**
 * Remove the entry holding @p value, found by the hash of its key, without
 * reading any object (the object may already be reused). Owner only.
 * @return 0, or -ENOENT
 */
int bs_table_del_value(struct bs_table *t, uint64_t hash, uint32_t value);

/**
 * Give the entry holding @p value the value @p repl instead (the key stays:
 * a passive child takes its request's slot), found as by
 * bs_table_del_value(). Owner only.
 * @return 0, or -ENOENT (absent), -EINVAL (@p repl is BS_TABLE_MISS): the
 *   table unchanged
 */
int bs_table_set_value(struct bs_table *t, uint64_t hash, uint32_t value,
		uint32_t repl);

/**
 * The value of @p key. Owner only.
 * @return the value, or BS_TABLE_MISS
 */
uint32_t bs_table_lookup(const struct bs_table *t, const struct bs_flow *key,
		uint64_t hash);

/**
 * Look up @p n keys: hashes them, prefetches both buckets of every key,
 * matches fingerprints and prefetches the candidate objects, then compares
 * keys, BS_TABLE_BURST keys per pass. @p values[i] is the value of
 * @p keys[i] or BS_TABLE_MISS. Owner only.
 * @return the number of hits
 */
unsigned int bs_table_lookup_burst(const struct bs_table *t,
		const struct bs_flow *const keys[], unsigned int n, uint32_t values[]);

/**
 * Page through the entries: writes up to @p max values, in slot order from
 * @p *cursor (start at 0), and advances @p *cursor past the slots it
 * read. If nothing is added between the calls (an insertion may move
 * entries; a deletion never does), each entry present for the whole walk
 * is returned exactly once. Owner, or another thread while the owner does
 * not write (see above).
 * @return the number of values written; 0 once every slot was read
 */
unsigned int bs_table_walk(const struct bs_table *t, uint64_t *cursor,
		uint32_t values[], unsigned int max);

/**
 * bs_table_walk() reading at most @p max_slots slots from @p *cursor,
 * whether they hold entries or not: a bounded stop for a worker that
 * pages its table for the control thread.
 * @return the number of values written (0 does not mean the end: the end
 * is @p *cursor == bs_table_slots())
 */
unsigned int bs_table_walk_slots(const struct bs_table *t, uint64_t *cursor,
		uint64_t max_slots, uint32_t values[], unsigned int max);

/** Entries in the table. Any thread (relaxed load). */
uint32_t bs_table_count(const struct bs_table *t);

/** Entries the table was sized for (at the designed load). Any thread. */
uint32_t bs_table_capacity(const struct bs_table *t);

/** Slots (buckets * BS_TABLE_SLOTS). Any thread. */
uint64_t bs_table_slots(const struct bs_table *t);

/** Bytes the table occupies (header and buckets). Any thread. */
size_t bs_table_memory(const struct bs_table *t);

#endif /* BS_TABLE_H */
