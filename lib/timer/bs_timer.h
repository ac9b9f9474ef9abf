/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_TIMER_H
#define BS_TIMER_H

/**
 * @file
 * Per-worker hierarchical timer wheel without cascading (the idea of the
 * Linux 4.8+ timer wheel, kernel/time/timer.c), on a 1 ms tick.
 *
 * A wheel has BS_WHEEL_LEVELS levels of 64 slots; level n has a
 * granularity of 8^n ms. A timer is put, once, in the first level where
 * its delay fits and fires when that slot comes due: never early, and
 * late by at most 8^n - 1 ms at level n.
 *
 * Precision, for a timer armed right after bs_wheel_advance(w, now) with
 * expire = now + d (d >= 1):
 *   - d <= 62 ms: exact (level 0);
 *   - otherwise at most 8^n - 1 ms late where 63 * 8^(n-1) <= d - 1 < 63 * 8^n,
 *     i.e. always less than 8/63 (12.7 %) of d. Level by level:
 *       level  granularity  d - 1 from       max late   e.g.
 *       0      1 ms         0                0          40 ms delayed ACK
 *       1      8 ms         63 ms            7 ms       200 ms RTO
 *       2      64 ms        504 ms           63 ms      1 s RTO
 *       3      512 ms       4.032 s          511 ms     30 s connect
 *       4      4.096 s      32.256 s         4.095 s    60 s TIME_WAIT, 120 s RTO
 *       5      32.768 s     258.048 s        32.767 s   10 min
 *       6      262.144 s    2064.384 s       262.143 s  2 h keepalive
 *       7      2097.152 s   16515.072 s      2097.151 s up to 36.7 h
 * On top of this comes the caller's own lateness: the interval between
 * advance calls and any expirations carried over by the budget. Delays
 * beyond the top level (63 * 8^7 ms, 36.7 h) are parked at the top level
 * and put back when they come due early, so they too never fire early.
 *
 * Nodes are intrusive (struct bs_timer, 12 bytes, in the object that
 * owns the timer) and link to each other by 32-bit references into one
 * arena, so timers in several arrays of that arena share a wheel. Arm,
 * cancel and re-arm are O(1); advance does O(levels) work per due slot
 * and at most @p budget expirations per call. Nothing allocates, locks
 * or calls the system.
 *
 * Ownership: a wheel and every timer armed on it belong to one worker,
 * the only one that may call these functions on them. No EAL needed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BS_WHEEL_LEVELS 8
#define BS_WHEEL_SLOTS 64		/**< slots per level */
#define BS_WHEEL_CLK_SHIFT 3		/**< each level is 8x coarser */
/** Largest delay placed exactly where it belongs (ms); longer ones are parked. */
#define BS_WHEEL_MAX_DELAY (63u << (BS_WHEEL_CLK_SHIFT * (BS_WHEEL_LEVELS - 1)))
/** Largest arena: references are 31-bit (offset / 4 + 1). */
#define BS_WHEEL_ARENA_MAX (((size_t)1 << 31) * 4 - 8)

/**
 * A timer node. Zeroed memory is an unarmed timer. Opaque to users: read it
 * through bs_timer_armed() and bs_timer_expire().
 */
struct bs_timer {
	uint32_t next;		/**< reference of the next node in the slot, 0 = last */
	uint32_t prev;		/**< previous node, or BS_TIMER_HEAD | slot; 0 = not armed */
	uint32_t expire;	/**< the time asked for, ms (wraps) */
};

/** One worker's wheel: about 2.2 KB, embed it in the worker's state. */
struct bs_wheel {
	uintptr_t base;		/**< arena start */
	size_t len;		/**< arena length in bytes */
	uint32_t clk;		/**< next tick to process */
	uint32_t due_mask;	/**< levels whose slot at tick clk - 1 is being drained */
	uint32_t count;		/**< armed timers */
	uint64_t pending[BS_WHEEL_LEVELS];	/**< non-empty slots, a bit per slot */
	uint32_t head[BS_WHEEL_LEVELS * BS_WHEEL_SLOTS];
};

/** Expiry callback: @p t is already unarmed; it may arm or cancel any timer. */
typedef void (*bs_timer_cb)(void *ctx, struct bs_timer *t);

/**
 * Set up an empty wheel over an arena.
 *
 * @param base  start of the memory that holds every timer node of this
 *              wheel, 4-byte aligned
 * @param len   its length, at most BS_WHEEL_ARENA_MAX
 * @param now   current time, ms: the first tick not yet processed
 * @return 0, or -EINVAL
 */
int bs_wheel_init(struct bs_wheel *w, void *base, size_t len, uint32_t now);

/**
 * Arm @p t to fire at @p expire (ms), or move it there if already armed
 * (if armed for @p expire already, nothing changes: it stays in its slot).
 * An expire in the past (or more than 2^31 ms ahead) fires at the next
 * tick. @p t must lie in the wheel's arena. O(1).
 */
void bs_timer_arm(struct bs_wheel *w, struct bs_timer *t, uint32_t expire);

/** Disarm @p t; nothing happens if it is not armed. O(1). */
void bs_timer_cancel(struct bs_wheel *w, struct bs_timer *t);

/**
 * Run the expirations due at or before @p now (ms), at most @p budget of
 * them (re-parking a long timer counts as one); the rest are carried to the
 * next call. Timers fire in the order of their slots' ticks.
 *
 * @return the number of callbacks made
 */
unsigned int bs_wheel_advance(struct bs_wheel *w, uint32_t now,
		unsigned int budget, bs_timer_cb cb, void *ctx);

/**
 * When the wheel has work next: the tick of its next due slot (never later
 * than the earliest expiry, possibly earlier for parked long timers), or
 * the last processed tick when expirations are carried over.
 *
 * @return false if no timer is armed
 */
bool bs_wheel_next(const struct bs_wheel *w, uint32_t *tick);

/** Whether @p t is armed (in a slot or waiting for its callback). */
static inline bool
bs_timer_armed(const struct bs_timer *t)
{
	return t->prev != 0;
}

/** The time @p t was last armed for, ms. */
static inline uint32_t
bs_timer_expire(const struct bs_timer *t)
{
	return t->expire;
}

/** Number of armed timers. */
static inline uint32_t
bs_wheel_count(const struct bs_wheel *w)
{
	return w->count;
}

/*
 * The short-timer ring: for timers whose delays never exceed
 * BS_TRING_MAX_DELAY (60 s), all firing exactly on time.
 *
 * One level of BS_TRING_SLOTS one-millisecond slots: a timer due at e lies
 * in slot e mod BS_TRING_SLOTS, and the slot is drained when the clock
 * reaches e, so a timer fires neither early nor late (beyond the caller's
 * own lateness and the budget). The node is 8 bytes, two links and no
 * expiry: the slot is the expiry, which holds because no timer is ever
 * more than one lap ahead of the ring's clock (bs_tring_arm() catches the
 * clock up first when the caller has let it fall behind). The cost is
 * fixed: 264 KiB per ring for the slot heads and their bitmaps.
 *
 * Used for TIME_WAIT entries, which are many and small: 4 bytes a node
 * less than struct bs_timer. Nodes are intrusive and linked by 32-bit
 * references into one arena, like the wheel's. Ownership: one worker.
 */

#define BS_TRING_SLOTS 65536u		/**< one lap, ms */
#define BS_TRING_MAX_DELAY 60000u	/**< longest delay, ms */

/** A ring node. Zeroed memory is an unarmed node. */
struct bs_tnode {
	uint32_t next;		/**< reference of the next node in the slot, 0 = last */
	uint32_t prev;		/**< previous node, or a slot mark; 0 = not armed */
};

/** One worker's ring (about 264 KiB): allocate it once. */
struct bs_tring {
	uintptr_t base;		/**< arena start */
	size_t len;		/**< arena length in bytes */
	uint32_t clk;		/**< next tick to process */
	uint32_t count;		/**< armed nodes */
	uint64_t sum[BS_TRING_SLOTS / 4096];	/**< non-empty words of bits[] */
	uint64_t bits[BS_TRING_SLOTS / 64];	/**< non-empty slots */
	uint32_t head[BS_TRING_SLOTS];
};

/** Expiry callback: @p n is already unarmed; it may cancel nodes, not arm them. */
typedef void (*bs_tnode_cb)(void *ctx, struct bs_tnode *n);

/**
 * Set up an empty ring over an arena (4-byte aligned, at most
 * BS_WHEEL_ARENA_MAX bytes) at time @p now (ms).
 * @return 0, or -EINVAL
 */
int bs_tring_init(struct bs_tring *r, void *base, size_t len, uint32_t now);

/**
 * Arm @p n to fire at @p now + @p delay ms, or move it there if armed.
 * @p delay is clamped to [1, BS_TRING_MAX_DELAY]. @p now must not go
 * backwards between calls. If the ring's clock is more than
 * BS_TRING_SLOTS - BS_TRING_MAX_DELAY ms behind @p now (the caller has not
 * advanced it), the expirations due are run first, without a budget,
 * through @p cb: never @p n itself. O(1) otherwise.
 */
void bs_tring_arm(struct bs_tring *r, struct bs_tnode *n, uint32_t now,
		uint32_t delay, bs_tnode_cb cb, void *ctx);

/** Disarm @p n; nothing happens if it is not armed. O(1). */
void bs_tring_cancel(struct bs_tring *r, struct bs_tnode *n);

/**
 * Run the expirations due at or before @p now, at most @p budget of them;
 * the rest are carried to the next call.
 * @return the number of callbacks made
 */
unsigned int bs_tring_advance(struct bs_tring *r, uint32_t now,
		unsigned int budget, bs_tnode_cb cb, void *ctx);

/** Is @p n armed? */
static inline bool
bs_tnode_armed(const struct bs_tnode *n)
{
	return n->prev != 0;
}

/** Number of armed nodes. */
static inline uint32_t
bs_tring_count(const struct bs_tring *r)
{
	return r->count;
}

#endif /* BS_TIMER_H */
