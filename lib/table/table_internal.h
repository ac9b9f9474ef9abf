/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_TABLE_INTERNAL_H
#define BS_TABLE_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>
#include <rte_vect.h>

#include "bs_table.h"

/*
 * A bucket is one cache line: 10 fingerprints, then 10 values. Fingerprint 0
 * marks a free slot (hashes with 0 in bits 32-47 use 1), so a slot needs no
 * separate "used" bit and a lookup can never match a free slot.
 */
struct bs_table_bucket {
	uint16_t fp[BS_TABLE_SLOTS];
	uint16_t pad[2];		/* always 0 */
	uint32_t val[BS_TABLE_SLOTS];
} __rte_aligned(64);

_Static_assert(sizeof(struct bs_table_bucket) == 64, "a bucket is a cache line");

struct bs_table_pool {
	const uint8_t *base;
	size_t stride;
	bs_table_key_eq eq;		/* NULL: the object begins with its key */
	const void *ctx;
};

struct bs_table {
	struct bs_sipkey key;		/* the secret: bucket choice */
	uint32_t nb;			/* buckets, >= 1 */
	uint32_t capacity;
	uint32_t count;			/* owner writes, anyone reads (relaxed) */
	size_t size;			/* bytes: this header and the buckets */
	struct bs_table_pool pool[BS_TABLE_POOLS];
	struct bs_table_bucket *b;
	void *map;			/* bs_table_create()'s own mapping, or NULL */
	size_t map_len;
} __rte_aligned(64);

#define BS_TABLE_SLOT_MASK ((1u << BS_TABLE_SLOTS) - 1)

/* Fingerprint of a hash: bits 32-47, never 0. */
static inline uint16_t
bs_table_fp(uint64_t hash)
{
	uint16_t fp = (uint16_t)(hash >> 32);

	return fp != 0 ? fp : 1;
}

/* Primary bucket: the low 32 bits scaled to [0, nb) (multiply-shift). */
static inline uint32_t
bs_table_prim(const struct bs_table *t, uint64_t hash)
{
	return (uint32_t)(((hash & UINT32_MAX) * t->nb) >> 32);
}

/*
 * The other bucket of an entry in bucket @p b: (h(fp) - b) mod nb. It is an
 * involution (alt(alt(b)) = b) for any bucket count, so a relocated entry's
 * fingerprint alone tells where it may go next; h spreads the fingerprint
 * over the whole table (a XOR of the fingerprint would keep both buckets
 * within 64 Ki buckets of each other).
 */
static inline uint32_t
bs_table_alt(const struct bs_table *t, uint32_t b, uint16_t fp)
{
	uint32_t h = (uint32_t)(((uint64_t)(uint32_t)(fp * 0x9e3779b1u) * t->nb) >> 32);

	return h >= b ? h - b : h + t->nb - b;
}

/* Bit i set where slot i of @p bk holds fingerprint @p fp (0: free slots). */
static inline uint32_t
bs_table_match(const struct bs_table_bucket *bk, uint16_t fp)
{
#if defined(RTE_ARCH_X86)
	/* (not _mm_set1_epi16: gcc builds it through a 2-byte store and a
	 * 4-byte load, which waits for the store to retire) */
	__m128i want = _mm_shuffle_epi32(_mm_cvtsi32_si128((int)(fp * 0x10001u)), 0);
	__m128i lo = _mm_load_si128((const __m128i *)(const void *)bk->fp);
	__m128i hi = _mm_loadl_epi64((const __m128i *)(const void *)(bk->fp + 8));
	__m128i m = _mm_packs_epi16(_mm_cmpeq_epi16(lo, want),
			_mm_cmpeq_epi16(hi, want));

	return (uint32_t)_mm_movemask_epi8(m) & BS_TABLE_SLOT_MASK;
#else
	uint32_t m = 0;
	unsigned int i;

	for (i = 0; i < BS_TABLE_SLOTS; i++)
		m |= (uint32_t)(bk->fp[i] == fp) << i;
	return m;
#endif
}

/*
 * The keyed hash. The words hashed: for IPv4, the two addresses (remote
 * first, the 8 bytes as they lie in an IPv4 header) then the two ports
 * (the 4 bytes as they lie in a TCP header): 2 words; otherwise the two
 * addresses (32 bytes, as in an IPv6 header) then the ports: 5 words.
 * bs_table_hash() (a struct bs_flow) and bs_table_hash_hdr() (the
 * headers) both come here, so they agree.
 */
static inline uint64_t
bs_table_hash4(const struct bs_table *t, const uint8_t addrs[8], uint32_t ports)
{
	uint64_t w[2];

	memcpy(&w[0], addrs, 8);
	w[1] = ports;
	return bs_siphash13(&t->key, w, 2);
}

static inline uint64_t
bs_table_hash6(const struct bs_table *t, const uint8_t addrs[32], uint32_t ports)
{
	uint64_t w[5];

	memcpy(w, addrs, 32);
	w[4] = ports;
	return bs_siphash13(&t->key, w, 5);
}

/* bs_table_hash(), inline for the burst lookup. Loads in memory order. */
static inline uint64_t
bs_table_hash_inl(const struct bs_table *t, const struct bs_flow *key)
{
	uint8_t a[8];
	uint32_t ports;

	memcpy(&ports, (const uint8_t *)key + offsetof(struct bs_flow, rport), 4);
	if (bs_flow_is_v4(key)) {
		memcpy(a, key->raddr + 12, 4);
		memcpy(a + 4, key->laddr + 12, 4);
		return bs_table_hash4(t, a, ports);
	}
	return bs_table_hash6(t, (const uint8_t *)key, ports);
}

/* The two buckets of @p hash, both as bs_table_lookup() reads them. */
static inline void
bs_table_buckets(const struct bs_table *t, uint64_t hash,
		const struct bs_table_bucket **b1, const struct bs_table_bucket **b2)
{
	uint32_t b = bs_table_prim(t, hash);

	*b1 = &t->b[b];
	*b2 = &t->b[bs_table_alt(t, b, bs_table_fp(hash))];
}

/* The object a value points at. */
static inline const void *
bs_table_obj(const struct bs_table *t, uint32_t v)
{
	const struct bs_table_pool *p = &t->pool[BS_TABLE_VALUE_POOL(v)];

	return p->base + (size_t)BS_TABLE_VALUE_INDEX(v) * p->stride;
}

/* Does the object of value @p v hold @p key? */
static inline bool
bs_table_key_is(const struct bs_table *t, uint32_t v, const struct bs_flow *key)
{
	const struct bs_table_pool *p = &t->pool[BS_TABLE_VALUE_POOL(v)];
	const void *o = p->base + (size_t)BS_TABLE_VALUE_INDEX(v) * p->stride;

	if (p->eq != NULL)
		return p->eq(p->ctx, o, key);
	return bs_flow_eq(o, key);
}

/* Slot of @p key in @p bk among the fingerprint hits @p m, or -1. */
static inline int
bs_table_find(const struct bs_table *t, const struct bs_table_bucket *bk,
		uint32_t m, const struct bs_flow *key)
{
	for (; m != 0; m &= m - 1) {
		int s = __builtin_ctz(m);

		if (bs_table_key_is(t, bk->val[s], key))
			return s;
	}
	return -1;
}

#endif /* BS_TABLE_INTERNAL_H */
