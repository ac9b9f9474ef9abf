/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_POLICY_H
#define BS_POLICY_H

/**
 * @file
 * Stray-segment policies: what a segment that matches no connection and
 * no listener (the RST-REPLY of matrix rows N1, N2) gets, by its
 * destination address: the RST (reply), nothing (drop), or the RST at
 * most pps times a second per worker (ratelimit).
 *
 * The control thread builds an immutable table (bs_policy_table_build)
 * from a configuration's [stray] policies and hands it to the workers;
 * the longest prefix wins. Each policy has an id that stays the same for
 * its prefix for the life of the process (struct bs_policy_reg), so its
 * counters and its token bucket carry over from one table to the next.
 * A worker owns its struct bs_policy_worker (buckets and counters) and is
 * the only one to write it; the control thread sums the counters.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>

#include "bs_config.h"
#include "bs_drop.h"

#define BS_POLICY_IDS 1024	/**< prefixes one process can ever name */

/** Prefix -> id, control thread only. */
struct bs_policy_reg {
	uint32_t n;
	struct {
		uint8_t addr[16];
		uint8_t plen;
	} e[BS_POLICY_IDS];
};

/** One policy in a table: the masked prefix as two host-order words. */
struct bs_policy_rule {
	uint64_t hi;
	uint64_t lo;
	uint64_t cost;		/**< ratelimit: TSC cycles per RST */
	uint64_t tol;		/**< ratelimit: burst tolerance, cycles */
	uint16_t id;
	uint8_t action;		/**< enum bs_stray_action */
};

/** The rules of one prefix length, sorted by (hi, lo). */
struct bs_policy_len {
	uint64_t mhi;
	uint64_t mlo;
	uint32_t first;
	uint32_t n;
};

/** Immutable once built; shared by every worker. */
struct bs_policy_table {
	uint32_t n_lens[2];	/**< lengths present, longest first: [0] IPv4
				 *   prefixes, [1] IPv6 (so ::/0 is no IPv4 policy) */
	uint32_t n;
	struct bs_policy_len lens[2][129];
	struct bs_policy_rule r[BS_MAX_POLICIES];
	struct bs_stray_conf conf;	/**< what it was built from */
};

/** Per policy id, per worker. */
struct bs_policy_cnt {
	uint64_t reply;		/**< RSTs sent */
	uint64_t drop;		/**< dropped by a drop policy */
	uint64_t limited;	/**< dropped by a rate limit */
};

/** A worker's buckets and counters: written by that worker only. */
struct bs_policy_worker {
	uint64_t tat[BS_POLICY_IDS];	/**< GCRA theoretical arrival time, TSC */
	struct bs_policy_cnt cnt[BS_POLICY_IDS];
} __rte_cache_aligned;

/**
 * The id of @p p's prefix, given one if new. Control thread.
 * @return the id, or -1 when BS_POLICY_IDS prefixes have been named
 */
int bs_policy_id(struct bs_policy_reg *reg, const struct bs_policy_conf *p);

/**
 * Build the table of @p s (NULL when it has no policy: the stray path
 * then costs one branch). Control thread. @return 0 with *out set, or -1
 * with a message (out of memory, out of ids)
 */
int bs_policy_table_build(struct bs_policy_reg *reg, const struct bs_stray_conf *s,
		uint64_t tsc_hz, struct bs_policy_table **out, char *err, size_t errlen);

void bs_policy_table_free(struct bs_policy_table *t);

/** The rule for a destination (host-order words of its 128-bit form), or NULL. */
static inline const struct bs_policy_rule *
bs_policy_lookup(const struct bs_policy_table *t, uint64_t hi, uint64_t lo)
{
	unsigned int f = !(hi == 0 && (lo >> 32) == 0xffff);	/* IPv4: 0 */
	uint32_t i;

	for (i = 0; i < t->n_lens[f]; i++) {
		const struct bs_policy_len *l = &t->lens[f][i];
		uint64_t h = hi & l->mhi, w = lo & l->mlo;
		uint32_t a = l->first, b = l->first + l->n;

		while (a < b) {
			uint32_t m = (a + b) / 2;
			const struct bs_policy_rule *r = &t->r[m];

			if (r->hi == h && r->lo == w)
				return r;
			if (r->hi < h || (r->hi == h && r->lo < w))
				a = m + 1;
			else
				b = m;
		}
	}
	return NULL;
}

/**
 * A token bucket as a GCRA: pass while the theoretical arrival time is
 * at most @p r->tol ahead of @p now, and push it on by one RST's cost.
 * A bucket holds up to pps RSTs (tol = (pps - 1) costs) and refills pps a
 * second: over any T seconds at most pps * (1 + T) pass.
 */
static inline bool
bs_policy_bucket_take(uint64_t *tat, const struct bs_policy_rule *r, uint64_t now)
{
	uint64_t t = *tat > now ? *tat : now;

	if (t - now > r->tol)
		return false;
	*tat = t + r->cost;
	return true;
}

/**
 * A stray segment to the destination @p hi / @p lo at TSC @p now: 0 to
 * send the RST, or the drop reason. Counted per policy. Worker lcore.
 */
static inline unsigned int
bs_policy_stray(const struct bs_policy_table *t, struct bs_policy_worker *pw,
		uint64_t hi, uint64_t lo, uint64_t now)
{
	const struct bs_policy_rule *r = bs_policy_lookup(t, hi, lo);
	struct bs_policy_cnt *c;

	if (r == NULL)
		return 0;
	c = &pw->cnt[r->id];
	switch (r->action) {
	case BS_STRAY_DROP:
		__atomic_store_n(&c->drop, c->drop + 1, __ATOMIC_RELAXED);
		return BS_DROP_STRAY_POLICY;
	case BS_STRAY_RATELIMIT:
		if (!bs_policy_bucket_take(&pw->tat[r->id], r, now)) {
			__atomic_store_n(&c->limited, c->limited + 1, __ATOMIC_RELAXED);
			return BS_DROP_STRAY_RATELIMIT;
		}
		break;
	default:
		break;
	}
	__atomic_store_n(&c->reply, c->reply + 1, __ATOMIC_RELAXED);
	return 0;
}

/** The 128-bit form of an IPv4 destination (network order). */
static inline void
bs_policy_key4(uint32_t dst_be, uint64_t *hi, uint64_t *lo)
{
	*hi = 0;
	*lo = UINT64_C(0xffff00000000) | rte_be_to_cpu_32(dst_be);
}

/** ... and of an IPv6 one. */
static inline void
bs_policy_key6(const uint8_t dst[16], uint64_t *hi, uint64_t *lo)
{
	uint64_t h, l;

	memcpy(&h, dst, 8);
	memcpy(&l, dst + 8, 8);
	*hi = rte_be_to_cpu_64(h);
	*lo = rte_be_to_cpu_64(l);
}

/** Add a worker's counters of every id into @p sum. Any lcore. */
void bs_policy_sum(struct bs_policy_cnt sum[BS_POLICY_IDS],
		const struct bs_policy_worker *pw);

#endif /* BS_POLICY_H */
