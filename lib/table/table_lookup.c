/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection table lookups: one key, or a burst in three stages so that the
 * two bucket reads and the object read of every key overlap with the work
 * on the others (the pattern of rte_hash_lookup_bulk); and the prefetch of
 * one key's buckets, for a caller that hashes a burst ahead of its
 * one-at-a-time lookups (the worker: lib/worker/worker_flow.c).
 */
#include <rte_prefetch.h>

#include "table_internal.h"

uint32_t
bs_table_lookup(const struct bs_table *t, const struct bs_flow *key,
		uint64_t hash)
{
	uint16_t fp = bs_table_fp(hash);
	uint32_t b = bs_table_prim(t, hash);
	const struct bs_table_bucket *bk = &t->b[b];
	int s;

	s = bs_table_find(t, bk, bs_table_match(bk, fp), key);
	if (s >= 0)
		return bk->val[s];
	bk = &t->b[bs_table_alt(t, b, fp)];
	s = bs_table_find(t, bk, bs_table_match(bk, fp), key);
	return s >= 0 ? bk->val[s] : BS_TABLE_MISS;
}

void
bs_table_prefetch(const struct bs_table *t, uint64_t hash)
{
	const struct bs_table_bucket *b1, *b2;

	bs_table_buckets(t, hash, &b1, &b2);
	rte_prefetch0(b1);
	rte_prefetch0(b2);
}

static inline void
prefetch_first(const struct bs_table *t, const struct bs_table_bucket *bk,
		uint32_t m)
{
	if (m != 0)
		rte_prefetch0(bs_table_obj(t, bk->val[__builtin_ctz(m)]));
}

/* One pass of at most BS_TABLE_BURST keys. */
static unsigned int
lookup_pass(const struct bs_table *t, const struct bs_flow *const keys[],
		unsigned int n, uint32_t values[])
{
	const struct bs_table_bucket *b1[BS_TABLE_BURST], *b2[BS_TABLE_BURST];
	uint32_t m1[BS_TABLE_BURST], m2[BS_TABLE_BURST];
	uint16_t fp[BS_TABLE_BURST];
	unsigned int i, hits = 0;

	/* 1. Hash every key and prefetch both of its buckets. */
	for (i = 0; i < n; i++) {
		uint64_t h = bs_table_hash_inl(t, keys[i]);

		fp[i] = bs_table_fp(h);
		bs_table_buckets(t, h, &b1[i], &b2[i]);
		rte_prefetch0(b1[i]);
		rte_prefetch0(b2[i]);
	}
	/* 2. Match fingerprints; prefetch the first candidate object of each. */
	for (i = 0; i < n; i++) {
		m1[i] = bs_table_match(b1[i], fp[i]);
		m2[i] = bs_table_match(b2[i], fp[i]);
		prefetch_first(t, b1[i], m1[i]);
		prefetch_first(t, b2[i], m2[i]);
	}
	/* 3. Compare the keys of the candidates. */
	for (i = 0; i < n; i++) {
		int s = bs_table_find(t, b1[i], m1[i], keys[i]);

		if (s >= 0) {
			values[i] = b1[i]->val[s];
			hits++;
		} else if ((s = bs_table_find(t, b2[i], m2[i], keys[i])) >= 0) {
			values[i] = b2[i]->val[s];
			hits++;
		} else {
			values[i] = BS_TABLE_MISS;
		}
	}
	return hits;
}

unsigned int
bs_table_lookup_burst(const struct bs_table *t,
		const struct bs_flow *const keys[], unsigned int n, uint32_t values[])
{
	unsigned int off, hits = 0;

	for (off = 0; off < n; off += BS_TABLE_BURST)
		hits += lookup_pass(t, keys + off, RTE_MIN(n - off, BS_TABLE_BURST),
			values + off);
	return hits;
}
