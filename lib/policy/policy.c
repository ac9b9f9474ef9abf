/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stray policies: the prefix registry and the table build (control
 * thread). The lookup and the bucket are inline in bs_policy.h.
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bs_policy.h"

int
bs_policy_id(struct bs_policy_reg *reg, const struct bs_policy_conf *p)
{
	uint32_t i;

	for (i = 0; i < reg->n; i++)
		if (reg->e[i].plen == p->plen && memcmp(reg->e[i].addr, p->addr, 16) == 0)
			return (int)i;
	if (reg->n == BS_POLICY_IDS)
		return -1;
	memcpy(reg->e[reg->n].addr, p->addr, 16);
	reg->e[reg->n].plen = p->plen;
	return (int)reg->n++;
}

/* The mask of a prefix length over one 64-bit half (bits @p from..). */
static uint64_t
half_mask(unsigned int plen, unsigned int from)
{
	if (plen <= from)
		return 0;
	if (plen >= from + 64)
		return UINT64_MAX;
	return UINT64_MAX << (64 - (plen - from));
}

static int
rule_cmp(const void *a, const void *b)
{
	const struct bs_policy_rule *x = a, *y = b;

	if (x->hi != y->hi)
		return x->hi < y->hi ? -1 : 1;
	if (x->lo != y->lo)
		return x->lo < y->lo ? -1 : 1;
	return 0;
}

/* The rules of one family (0: IPv4, 1: IPv6): longest prefix first;
 * within a length, sorted for the binary search. */
static int
build_family(struct bs_policy_table *t, struct bs_policy_reg *reg,
		const struct bs_stray_conf *s, unsigned int f, uint64_t tsc_hz)
{
	int plen;
	uint32_t i;

	for (plen = 128; plen >= 0; plen--) {
		struct bs_policy_len *l = &t->lens[f][t->n_lens[f]];

		l->first = t->n;
		l->mhi = half_mask((unsigned int)plen, 0);
		l->mlo = half_mask((unsigned int)plen, 64);
		for (i = 0; i < s->n; i++) {
			const struct bs_policy_conf *p = &s->p[i];
			struct bs_policy_rule *r = &t->r[t->n];
			int id;

			if (p->plen != plen || (p->family == AF_INET) != (f == 0))
				continue;
			id = bs_policy_id(reg, p);
			if (id < 0)
				return -1;
			bs_policy_key6(p->addr, &r->hi, &r->lo);
			r->id = (uint16_t)id;
			r->action = p->action;
			if (p->action == BS_STRAY_RATELIMIT) {
				r->cost = tsc_hz / p->pps > 0 ? tsc_hz / p->pps : 1;
				r->tol = r->cost * (p->pps - 1);
			}
			t->n++;
		}
		if (t->n > l->first) {
			l->n = t->n - l->first;
			qsort(&t->r[l->first], l->n, sizeof(t->r[0]), rule_cmp);
			t->n_lens[f]++;
		}
	}
	return 0;
}

int
bs_policy_table_build(struct bs_policy_reg *reg, const struct bs_stray_conf *s,
		uint64_t tsc_hz, struct bs_policy_table **out, char *err, size_t errlen)
{
	struct bs_policy_table *t;

	*out = NULL;
	if (s->n == 0)
		return 0;
	t = calloc(1, sizeof(*t));
	if (t == NULL) {
		snprintf(err, errlen, "out of memory for the policy table");
		return -1;
	}
	t->conf = *s;
	if (build_family(t, reg, s, 0, tsc_hz) != 0 ||
			build_family(t, reg, s, 1, tsc_hz) != 0) {
		snprintf(err, errlen, "more than %u different policy prefixes since "
			"start: restart to reuse ids", BS_POLICY_IDS);
		free(t);
		return -1;
	}
	*out = t;
	return 0;
}

void
bs_policy_table_free(struct bs_policy_table *t)
{
	free(t);
}

void
bs_policy_sum(struct bs_policy_cnt sum[BS_POLICY_IDS], const struct bs_policy_worker *pw)
{
	unsigned int i;

	for (i = 0; i < BS_POLICY_IDS; i++) {
		sum[i].reply += __atomic_load_n(&pw->cnt[i].reply, __ATOMIC_RELAXED);
		sum[i].drop += __atomic_load_n(&pw->cnt[i].drop, __ATOMIC_RELAXED);
		sum[i].limited += __atomic_load_n(&pw->cnt[i].limited, __ATOMIC_RELAXED);
	}
}
