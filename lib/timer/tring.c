/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The short-timer ring (bs_timer.h): one level of 1 ms slots covering more
 * than the longest delay, so a node's slot is its expiry and nothing is
 * ever re-filed. Every node armed lies less than one lap ahead of clk:
 * bs_tring_arm() takes delays up to BS_TRING_MAX_DELAY and first catches
 * clk up when it lags by BS_TRING_SLOTS - BS_TRING_MAX_DELAY or more.
 * Empty stretches are skipped with a bitmap of slots and a summary of it.
 */

#include <assert.h>
#include <errno.h>
#include <string.h>

#include "bs_timer.h"

#define TRING_HEAD 0x80000000u		/* prev of a slot's first node: | slot */
#define TRING_MASK (BS_TRING_SLOTS - 1)
#define TRING_LAG_MAX (BS_TRING_SLOTS - BS_TRING_MAX_DELAY)

_Static_assert((BS_TRING_SLOTS & TRING_MASK) == 0, "a power of two");
_Static_assert(BS_TRING_MAX_DELAY < BS_TRING_SLOTS, "a delay fits a lap");

static inline uint32_t
tnode_ref(const struct bs_tring *r, const struct bs_tnode *n)
{
	assert((uintptr_t)n >= r->base && (uintptr_t)n + sizeof(*n) <= r->base + r->len);
	return (uint32_t)(((uintptr_t)n - r->base) >> 2) + 1;
}

static inline struct bs_tnode *
tnode_at(const struct bs_tring *r, uint32_t ref)
{
	return (struct bs_tnode *)(r->base + ((uintptr_t)(ref - 1) << 2));
}

static inline void
slot_mark(struct bs_tring *r, uint32_t s)
{
	uint32_t w = s >> 6;

	if (r->bits[w] == 0)
		r->sum[w >> 6] |= UINT64_C(1) << (w & 63);
	r->bits[w] |= UINT64_C(1) << (s & 63);
}

static inline void
slot_unmark(struct bs_tring *r, uint32_t s)
{
	uint32_t w = s >> 6;

	r->bits[w] &= ~(UINT64_C(1) << (s & 63));
	if (r->bits[w] == 0)
		r->sum[w >> 6] &= ~(UINT64_C(1) << (w & 63));
}

int
bs_tring_init(struct bs_tring *r, void *base, size_t len, uint32_t now)
{
	if (r == NULL || base == NULL || ((uintptr_t)base & 3) != 0 ||
			len > BS_WHEEL_ARENA_MAX)
		return -EINVAL;
	memset(r, 0, sizeof(*r));
	r->base = (uintptr_t)base;
	r->len = len;
	r->clk = now;
	return 0;
}

static void
tnode_unlink(struct bs_tring *r, struct bs_tnode *n)
{
	if (n->prev & TRING_HEAD) {
		uint32_t s = n->prev & TRING_MASK;

		r->head[s] = n->next;
		if (n->next == 0)
			slot_unmark(r, s);
	} else {
		tnode_at(r, n->prev)->next = n->next;
	}
	if (n->next != 0)
		tnode_at(r, n->next)->prev = n->prev;
	n->next = 0;
	n->prev = 0;
	r->count--;
}

void
bs_tring_cancel(struct bs_tring *r, struct bs_tnode *n)
{
	if (n->prev != 0)
		tnode_unlink(r, n);
}

void
bs_tring_arm(struct bs_tring *r, struct bs_tnode *n, uint32_t now,
		uint32_t delay, bs_tnode_cb cb, void *ctx)
{
	uint32_t s, ref = tnode_ref(r, n);

	if (delay == 0)
		delay = 1;
	if (delay > BS_TRING_MAX_DELAY)
		delay = BS_TRING_MAX_DELAY;
	bs_tring_cancel(r, n);
	if (r->count == 0) {
		if ((int32_t)(now + 1 - r->clk) > 0)
			r->clk = now + 1;	/* nothing to run before now */
	} else if ((int32_t)(now - r->clk) >= (int32_t)TRING_LAG_MAX) {
		bs_tring_advance(r, now, UINT32_MAX, cb, ctx);
	}
	s = (now + delay) & TRING_MASK;
	n->next = r->head[s];
	n->prev = TRING_HEAD | s;
	if (n->next != 0)
		tnode_at(r, n->next)->prev = ref;
	else
		slot_mark(r, s);
	r->head[s] = ref;
	r->count++;
}

/* Distance from slot @p s to the first non-empty slot, if at most @p lim. */
static uint32_t
tring_next(const struct bs_tring *r, uint32_t s, uint32_t lim)
{
	uint32_t d = 0;

	while (d <= lim) {
		uint32_t x = (s + d) & TRING_MASK;
		uint64_t w = r->bits[x >> 6] >> (x & 63);
		uint32_t wi;

		if (w != 0) {
			d += (uint32_t)__builtin_ctzll(w);
			break;
		}
		d += 64 - (x & 63);
		wi = ((s + d) & TRING_MASK) >> 6;	/* word-aligned now */
		w = r->sum[wi >> 6] >> (wi & 63);
		d += w != 0 ? (uint32_t)__builtin_ctzll(w) * 64 : (64 - (wi & 63)) * 64;
	}
	return d <= lim ? d : UINT32_MAX;
}

unsigned int
bs_tring_advance(struct bs_tring *r, uint32_t now, unsigned int budget,
		bs_tnode_cb cb, void *ctx)
{
	unsigned int n = 0;
	bool lap;
	uint32_t end;

	if ((int32_t)(now - r->clk) < 0)
		return 0;
	/* A clock more than a lap behind: one lap holds every node, all due. */
	lap = now - r->clk >= BS_TRING_SLOTS;
	end = lap ? r->clk + TRING_MASK : now;
	while (r->count != 0 && (int32_t)(end - r->clk) >= 0) {
		uint32_t d = tring_next(r, r->clk & TRING_MASK, end - r->clk);
		uint32_t s;

		if (d == UINT32_MAX)
			break;
		r->clk += d;
		s = r->clk & TRING_MASK;
		while (r->head[s] != 0) {
			struct bs_tnode *x = tnode_at(r, r->head[s]);

			if (n == budget)
				return n;
			tnode_unlink(r, x);
			cb(ctx, x);
			n++;
		}
		r->clk++;
	}
	r->clk = now + 1;
	return n;
}
