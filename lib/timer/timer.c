/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Hierarchical timer wheel without cascading (Linux kernel/time/timer.c
 * since 4.8, "timer: Switch to a non-cascading wheel").
 *
 * Level n (0..7) has 64 slots of 8^n ticks. The slot of level n at index i
 * is processed at the ticks t with t % 8^n == 0 and (t >> 3n) % 64 == i.
 * A timer due at e is rounded up to the next multiple of 8^n, T, and put in
 * that slot; it is placed so that T is the slot's first processing tick at
 * or after clk - 1, which is why a level takes delays below 63 * 8^n only:
 * a timer armed while the slot of tick clk - 1 is being drained never lands
 * in it. Expirations are checked against the caller's clock before the
 * callback, so a timer never fires early even when parked.
 *
 * All tick arithmetic is modulo 2^32: 2^32 is a multiple of 64 * 8^7, so
 * slot positions do not jump when the millisecond clock wraps.
 */

#include <errno.h>
#include <assert.h>

#include "bs_timer.h"

#define BS_TIMER_HEAD 0x80000000u	/* prev of a slot's first node */
#define LVL_SHIFT(n) ((n) * BS_WHEEL_CLK_SHIFT)
#define LVL_GRAN(n) (1u << LVL_SHIFT(n))
#define SLOT_MASK (BS_WHEEL_SLOTS - 1)

static inline uint32_t
timer_ref(const struct bs_wheel *w, const struct bs_timer *t)
{
	assert((uintptr_t)t >= w->base &&
		(uintptr_t)t + sizeof(*t) <= w->base + w->len);
	return (uint32_t)(((uintptr_t)t - w->base) >> 2) + 1;
}

static inline struct bs_timer *
timer_at(const struct bs_wheel *w, uint32_t ref)
{
	return (struct bs_timer *)(w->base + ((uintptr_t)(ref - 1) << 2));
}

int
bs_wheel_init(struct bs_wheel *w, void *base, size_t len, uint32_t now)
{
	unsigned int i;

	if (w == NULL || base == NULL || ((uintptr_t)base & 3) != 0 ||
			len > BS_WHEEL_ARENA_MAX)
		return -EINVAL;
	w->base = (uintptr_t)base;
	w->len = len;
	w->clk = now;
	w->due_mask = 0;
	w->count = 0;
	for (i = 0; i < BS_WHEEL_LEVELS; i++)
		w->pending[i] = 0;
	for (i = 0; i < BS_WHEEL_LEVELS * BS_WHEEL_SLOTS; i++)
		w->head[i] = 0;
	return 0;
}

static void
timer_unlink(struct bs_wheel *w, struct bs_timer *t)
{
	if (t->prev & BS_TIMER_HEAD) {
		uint32_t slot = t->prev & ~BS_TIMER_HEAD;

		w->head[slot] = t->next;
		if (t->next == 0)
			w->pending[slot / BS_WHEEL_SLOTS] &=
				~(1ULL << (slot & SLOT_MASK));
	} else {
		timer_at(w, t->prev)->next = t->next;
	}
	if (t->next != 0)
		timer_at(w, t->next)->prev = t->prev;
	t->next = 0;
	t->prev = 0;
	w->count--;
}

/* Level and slot for @p t->expire, seen from tick w->clk. */
static void
timer_place(struct bs_wheel *w, struct bs_timer *t)
{
	uint32_t delta = t->expire - w->clk;
	uint32_t due, slot, ref = timer_ref(w, t);
	unsigned int n = 0;

	if ((int32_t)delta < 0)
		delta = 0;		/* past: the next tick */
	if (delta >= BS_WHEEL_MAX_DELAY)
		delta = BS_WHEEL_MAX_DELAY - 1;	/* parked, put back when due */
	while (delta >= (63u << LVL_SHIFT(n)))
		n++;
	/* round up to the level's granularity: never early */
	due = (w->clk + delta + LVL_GRAN(n) - 1) >> LVL_SHIFT(n);
	slot = n * BS_WHEEL_SLOTS + (due & SLOT_MASK);

	t->next = w->head[slot];
	t->prev = BS_TIMER_HEAD | slot;
	if (t->next != 0)
		timer_at(w, t->next)->prev = ref;
	w->head[slot] = ref;
	w->pending[n] |= 1ULL << (due & SLOT_MASK);
	w->count++;
}

void
bs_timer_arm(struct bs_wheel *w, struct bs_timer *t, uint32_t expire)
{
	if (bs_timer_armed(t)) {
		/* Armed for that time already: left where it is, as Linux's
		 * mod_timer() does (a connection re-arms its node at the same
		 * deadline when its extension goes, or its earliest event is
		 * recomputed unchanged). */
		if (t->expire == expire)
			return;
		timer_unlink(w, t);
	}
	t->expire = expire;
	timer_place(w, t);
}

void
bs_timer_cancel(struct bs_wheel *w, struct bs_timer *t)
{
	if (bs_timer_armed(t))
		timer_unlink(w, t);
}

/*
 * Ticks from w->clk to the next tick that processes a non-empty slot, or
 * UINT32_MAX when the wheel is empty (Linux __next_timer_interrupt).
 */
static uint32_t
wheel_next_delta(const struct bs_wheel *w)
{
	uint32_t best = UINT32_MAX;
	unsigned int n;

	for (n = 0; n < BS_WHEEL_LEVELS; n++) {
		uint64_t bits = w->pending[n];
		uint32_t first, pos, k, d;

		if (bits == 0)
			continue;
		/* first processing tick of this level at or after clk */
		first = (w->clk + LVL_GRAN(n) - 1) & ~(LVL_GRAN(n) - 1);
		pos = (first >> LVL_SHIFT(n)) & SLOT_MASK;
		if (pos != 0)
			bits = (bits >> pos) | (bits << (64 - pos));
		k = (uint32_t)__builtin_ctzll(bits);
		d = first - w->clk + (k << LVL_SHIFT(n));
		if (d < best)
			best = d;
	}
	return best;
}

/* Levels whose slot is processed at @p tick and holds timers. */
static uint32_t
wheel_due_mask(const struct bs_wheel *w, uint32_t tick)
{
	uint32_t mask = 0;
	unsigned int n;

	for (n = 0; n < BS_WHEEL_LEVELS; n++) {
		if ((tick & (LVL_GRAN(n) - 1)) != 0)
			break;
		if (w->pending[n] & (1ULL << ((tick >> LVL_SHIFT(n)) & SLOT_MASK)))
			mask |= 1u << n;
	}
	return mask;
}

/*
 * Fire the timers of the slots due at tick clk - 1, taking each from its
 * slot's head so that callbacks may arm or cancel anything. @p work counts
 * callbacks and re-parked timers against @p budget.
 */
static unsigned int
wheel_drain(struct bs_wheel *w, uint32_t now, unsigned int *work,
		unsigned int budget, bs_timer_cb cb, void *ctx)
{
	uint32_t tick = w->clk - 1;
	unsigned int fired = 0;

	while (w->due_mask != 0 && *work < budget) {
		unsigned int n = (unsigned int)__builtin_ctz(w->due_mask);
		uint32_t slot = n * BS_WHEEL_SLOTS +
			((tick >> LVL_SHIFT(n)) & SLOT_MASK);
		struct bs_timer *t;

		if (w->head[slot] == 0) {
			w->due_mask &= ~(1u << n);
			continue;
		}
		t = timer_at(w, w->head[slot]);
		timer_unlink(w, t);
		(*work)++;
		if ((int32_t)(t->expire - now) > 0) {
			timer_place(w, t);	/* parked long timer, not yet due */
			continue;
		}
		cb(ctx, t);
		fired++;
	}
	return fired;
}

unsigned int
bs_wheel_advance(struct bs_wheel *w, uint32_t now, unsigned int budget,
		bs_timer_cb cb, void *ctx)
{
	unsigned int work = 0, fired = 0;

	for (;;) {
		uint32_t d, tick;

		fired += wheel_drain(w, now, &work, budget, cb, ctx);
		if (w->due_mask != 0 || work >= budget)
			break;
		if ((int32_t)(now - w->clk) < 0)
			break;		/* every tick up to now is done */
		d = wheel_next_delta(w);
		if (d > now - w->clk) {
			w->clk = now + 1;
			break;
		}
		tick = w->clk + d;
		w->due_mask = wheel_due_mask(w, tick);
		w->clk = tick + 1;
	}
	return fired;
}

bool
bs_wheel_next(const struct bs_wheel *w, uint32_t *tick)
{
	uint32_t d;

	if (w->count == 0)
		return false;
	if (w->due_mask != 0) {
		*tick = w->clk - 1;
		return true;
	}
	d = wheel_next_delta(w);
	*tick = w->clk + d;
	return true;
}
