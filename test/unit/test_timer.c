/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Timer wheel: exact below 63 ms, never early, late by less than 8/63 of
 * the delay, callbacks that arm and cancel, the budget, a million timers,
 * and the 32-bit millisecond clock wrapping.
 */

#include <stdlib.h>

#include "bs_test.h"
#include "bs_timer.h"

/* An object of the arena: a timer and what the test knows about it. */
struct obj {
	struct bs_timer t;
	uint32_t armed_at;	/* wheel time when armed */
	uint32_t fired_at;
	uint32_t fires;
};

struct run {
	struct bs_wheel w;
	struct obj *o;
	uint32_t n;
	uint32_t now;		/* the time passed to the current advance */
	uint32_t early, over, last;
	uint32_t fired;
	/* test_callbacks */
	struct obj *victim, *periodic, *late;
	uint32_t period;
};

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

static uint64_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* Delay from 1 ms to @p max ms, uniform in log scale. */
static uint32_t
rnd_delay(uint32_t max)
{
	unsigned int bits = 1 + (unsigned int)(rnd() % 32);
	uint32_t d = (uint32_t)(rnd() & ((bits >= 32 ? 0 : 1ULL << bits) - 1));

	return 1 + d % max;
}

/*
 * The documented bound: exact up to 62 ms, then less than 8/63 of d and at
 * most the granularity of the level (8^n - 1 where d < 63 * 8^n) minus one.
 */
static int
within_bound(uint32_t d, uint32_t late)
{
	unsigned int n = 0;

	if (d <= 62)
		return late == 0;
	while (n < 7 && d >= 63u << (3 * n))
		n++;
	return (uint64_t)late * 63 < (uint64_t)d * 8 && late < 1u << (3 * n);
}

static struct obj *
obj_of(struct bs_timer *t)
{
	return (struct obj *)(void *)t;
}

static void
record(void *ctx, struct bs_timer *t)
{
	struct run *r = ctx;
	struct obj *o = obj_of(t);
	uint32_t d = bs_timer_expire(t) - o->armed_at;
	uint32_t late = r->now - bs_timer_expire(t);

	o->fires++;
	o->fired_at = r->now;
	r->fired++;
	if ((int32_t)late < 0)
		r->early++;
	else if (!within_bound(d, late))
		r->over++;
	if ((int32_t)(r->now - r->last) < 0)
		r->early++;	/* out of order */
	r->last = r->now;
	if (bs_timer_armed(t))
		r->over++;	/* a firing timer is unarmed */
}

static void
run_init(struct run *r, uint32_t n, uint32_t now)
{
	memset(r, 0, sizeof(*r));
	r->o = calloc(n, sizeof(*r->o));
	r->n = n;
	r->now = now;
	r->last = now;
	CHECK_EQ(bs_wheel_init(&r->w, r->o, n * sizeof(*r->o), now), 0, "init");
}

static void
arm(struct run *r, struct obj *o, uint32_t expire)
{
	o->armed_at = r->now;
	bs_timer_arm(&r->w, &o->t, expire);
}

/* Jump from event to event until @p until, with @p budget per call. */
static void
run_until(struct run *r, uint32_t until, unsigned int budget, bs_timer_cb cb)
{
	uint32_t next;

	for (;;) {
		if (!bs_wheel_next(&r->w, &next) || (int32_t)(next - until) > 0)
			next = until;
		if ((int32_t)(next - r->now) > 0)
			r->now = next;
		bs_wheel_advance(&r->w, r->now, budget, cb, r);
		if (r->now == until && (!bs_wheel_next(&r->w, &next) ||
				(int32_t)(next - until) > 0))
			break;
	}
}

static void
test_exact_and_api(void)
{
	struct run r;
	uint32_t d, next;

	run_init(&r, 200, 1000);
	CHECK(!bs_wheel_next(&r.w, &next), "empty wheel has no next");
	CHECK(bs_wheel_init(&r.w, (char *)r.o + 1, 64, 0) != 0, "misaligned arena");
	bs_wheel_init(&r.w, r.o, r.n * sizeof(*r.o), 1000);
	bs_wheel_advance(&r.w, 1000, 100, record, &r);
	for (d = 1; d <= 150; d++)
		arm(&r, &r.o[d], 1000 + d);
	CHECK_EQ(bs_wheel_count(&r.w), 150, "count");
	CHECK(bs_timer_armed(&r.o[5].t), "armed");
	CHECK(!bs_timer_armed(&r.o[0].t), "zeroed node is unarmed");
	CHECK_EQ(bs_timer_expire(&r.o[7].t), 1007, "expire");
	bs_timer_cancel(&r.w, &r.o[0].t);	/* unarmed: no-op */
	bs_timer_cancel(&r.w, &r.o[10].t);
	CHECK(!bs_timer_armed(&r.o[10].t), "cancelled");
	arm(&r, &r.o[11], 1020);		/* re-arm moves earlier */
	arm(&r, &r.o[12], 1100);		/* and later */
	CHECK(bs_wheel_next(&r.w, &next) && next == 1001, "next %u", next);
	/* one millisecond at a time */
	for (r.now = 1001; r.now <= 1300; r.now++)
		bs_wheel_advance(&r.w, r.now, 1000, record, &r);
	CHECK_EQ(r.early, 0, "never early");
	CHECK_EQ(r.over, 0, "within bound");
	for (d = 1; d <= 62; d++) {
		if (d == 10 || d == 11 || d == 12)
			continue;
		CHECK_EQ(r.o[d].fired_at, 1000 + d, "exact at %u ms", d);
	}
	CHECK_EQ(r.o[10].fires, 0, "cancelled never fires");
	CHECK_EQ(r.o[11].fires, 1, "re-armed fires once");
	CHECK_EQ(r.o[11].fired_at, 1020, "re-armed earlier");
	CHECK(r.o[12].fired_at >= 1100 && r.o[12].fired_at < 1108,
		"re-armed later: %u", r.o[12].fired_at);
	CHECK_EQ(r.fired, 149, "all fired");
	CHECK_EQ(bs_wheel_count(&r.w), 0, "empty");
	/* a past expiry fires at the next advance */
	arm(&r, &r.o[1], r.now - 500);
	bs_wheel_advance(&r.w, r.now, 10, record, &r);
	CHECK_EQ(r.o[1].fires, 2, "past expiry fires at once");
	free(r.o);
}

static void
test_random(uint32_t start, uint32_t n, uint32_t max_delay, unsigned int budget)
{
	struct run r;
	uint32_t i, end = 0, fires = 0, bad = 0;

	run_init(&r, n, start);
	/* arm in waves, advancing in between, so arming sees many clock phases */
	for (i = 0; i < n; i++) {
		uint32_t d = rnd_delay(max_delay);

		if (i % 64 == 0)
			run_until(&r, r.now + (uint32_t)(rnd() % 97), budget, record);
		arm(&r, &r.o[i], r.now + d);
		if ((int32_t)(r.now + d - end) > 0 || i == 0)
			end = r.now + d;
	}
	run_until(&r, end + max_delay / 7 + 1, budget, record);
	for (i = 0; i < n; i++) {
		fires += r.o[i].fires;
		bad += r.o[i].fires != 1;
	}
	CHECK_EQ(bad, 0, "each of %u timers fires once (start %u)", n, start);
	CHECK_EQ(fires, n, "fired");
	CHECK_EQ(r.early, 0, "never early, in order (start %u)", start);
	CHECK_EQ(r.over, 0, "lateness within 8/63 of the delay (start %u)", start);
	CHECK_EQ(bs_wheel_count(&r.w), 0, "wheel empty");
	free(r.o);
}

/* Callbacks that cancel a timer due at the same tick, re-arm themselves,
 * arm a timer in the past and cancel themselves after re-arming. */
static void
meddle(void *ctx, struct bs_timer *t)
{
	struct run *r = ctx;
	struct obj *o = obj_of(t);

	record(ctx, t);
	if (o == r->periodic) {
		if (r->victim != NULL)
			bs_timer_cancel(&r->w, &r->victim->t);
		r->victim = NULL;
		if (o->fires < 10) {
			arm(r, o, r->now + r->period);
		} else if (o->fires == 10) {
			arm(r, o, r->now + r->period);
			bs_timer_cancel(&r->w, &o->t);	/* cancel after re-arm */
		}
		if (o->fires == 3)
			arm(r, r->late, r->now - 5);	/* in the past */
	}
}

static void
test_callbacks(void)
{
	struct run r;
	uint32_t i;

	run_init(&r, 64, 500);
	r.periodic = &r.o[0];
	r.victim = &r.o[1];
	r.late = &r.o[2];
	r.period = 200;
	arm(&r, r.periodic, 700);
	arm(&r, r.victim, 700);		/* same slot: cancelled by the callback? */
	arm(&r, &r.o[3], 701);
	for (i = 4; i < 64; i++)
		arm(&r, &r.o[i], 700 + i * 37);
	run_until(&r, 10000, 1000, meddle);
	CHECK_EQ(r.periodic->fires, 10, "periodic re-armed 9 times then cancelled");
	CHECK(!bs_timer_armed(&r.periodic->t), "cancelled in its own callback");
	CHECK(r.o[1].fires <= 1, "victim at most once");
	CHECK_EQ(r.late->fires, 1, "armed in the past from a callback fires");
	CHECK_EQ(r.o[3].fires, 1, "neighbour unaffected");
	CHECK_EQ(r.early, 0, "never early");
	CHECK_EQ(r.over, 0, "within bound");
	free(r.o);

	/* the victim later in the same slot as the canceller: never fires */
	run_init(&r, 4, 0);
	r.period = 1000;
	r.periodic = &r.o[1];
	r.victim = &r.o[0];
	r.late = &r.o[2];
	arm(&r, &r.o[0], 3000);
	arm(&r, &r.o[1], 3000);	/* linked at the head: drained first */
	run_until(&r, 20000, 100, meddle);
	CHECK_EQ(r.o[0].fires, 0, "cancelled while its slot drains");
	CHECK_EQ(r.o[1].fires, 10, "periodic");
	free(r.o);
}

static void
test_budget(void)
{
	struct run r;
	uint32_t i, calls = 0, total = 0, got;

	run_init(&r, 1000, 0);
	for (i = 0; i < 1000; i++)
		arm(&r, &r.o[i], 100 + i % 3);
	r.now = 50;
	CHECK_EQ(bs_wheel_advance(&r.w, 50, 64, record, &r), 0, "nothing due");
	r.now = 200;
	do {
		got = bs_wheel_advance(&r.w, 200, 64, record, &r);
		CHECK(got <= 64, "budget respected: %u", got);
		total += got;
		calls++;
	} while (got != 0 && calls < 100);
	CHECK_EQ(total, 1000, "carried over until all fired");
	CHECK_EQ(calls, 1000 / 64 + 2, "calls");
	CHECK_EQ(r.early, 0, "never early");
	for (i = 0; i < 1000; i++)
		CHECK_EQ(r.o[i].fires, 1, "timer %u once", i);
	/* budget 1, many ticks: one expiry per call, in tick order */
	free(r.o);
	run_init(&r, 100, 0);
	for (i = 0; i < 100; i++)
		arm(&r, &r.o[i], 10 + (99 - i));
	r.now = 5000;
	for (i = 0; i < 100; i++)
		CHECK_EQ(bs_wheel_advance(&r.w, 5000, 1, record, &r), 1, "one per call");
	CHECK_EQ(bs_wheel_advance(&r.w, 5000, 1, record, &r), 0, "done");
	for (i = 1; i < 100; i++)
		CHECK(r.o[i].fires == 1, "fired");
	free(r.o);
}

/* Longer than the top level: parked and put back, never early. */
static void
test_long(void)
{
	struct run r;
	uint32_t d[] = { BS_WHEEL_MAX_DELAY - 1, BS_WHEEL_MAX_DELAY,
		3u * 24 * 3600 * 1000, 0x7fffffffu - 1 };
	unsigned int i;

	run_init(&r, 4, 0xfff00000u);
	for (i = 0; i < 4; i++)
		arm(&r, &r.o[i], r.now + d[i]);
	run_until(&r, r.now + 0x40000000u, 16, record);
	run_until(&r, bs_timer_expire(&r.o[3].t) + (1u << 21), 16, record);
	for (i = 0; i < 4; i++) {
		CHECK_EQ(r.o[i].fires, 1, "long timer %u fires", i);
		CHECK(r.o[i].fired_at - bs_timer_expire(&r.o[i].t) <
			(1u << 21), "long timer %u late by less than 8^7", i);
	}
	CHECK_EQ(r.early, 0, "never early");
	free(r.o);
}

/* ---- the short-timer ring (TIME_WAIT) ---------------------------------- */

struct robj {
	struct bs_tnode n;
	uint32_t due;		/* the time it must fire at */
	uint32_t fired_at;
	uint32_t fires;
};

struct rrun {
	struct bs_tring *r;
	struct robj *o;
	uint32_t now;
	uint32_t early, late, fired, cancelled;
	struct robj *victim;	/* cancelled by the first callback */
};

static void
ring_cb(void *ctx, struct bs_tnode *n)
{
	struct rrun *x = ctx;
	struct robj *o = (struct robj *)n;

	o->fires++;
	o->fired_at = x->now;
	x->fired++;
	if ((int32_t)(x->now - o->due) < 0)
		x->early++;
	if (x->now != o->due)
		x->late++;
	if (x->victim != NULL) {
		x->cancelled += bs_tnode_armed(&x->victim->n);
		bs_tring_cancel(x->r, &x->victim->n);
		x->victim = NULL;
	}
}

static void
ring_arm(struct rrun *x, struct robj *o, uint32_t delay)
{
	bs_tring_arm(x->r, &o->n, x->now, delay, ring_cb, x);
	o->due = x->now + delay;
}

static void
ring_step(struct rrun *x, uint32_t to, unsigned int budget)
{
	while (x->now != to) {
		x->now++;
		bs_tring_advance(x->r, x->now, budget, ring_cb, x);
	}
}

static struct rrun *
ring_new(uint32_t n, uint32_t now)
{
	struct rrun *x = calloc(1, sizeof(*x));

	x->r = calloc(1, sizeof(*x->r));
	x->o = calloc(n, sizeof(*x->o));
	x->now = now;
	CHECK_EQ(bs_tring_init(x->r, x->o, n * sizeof(*x->o), now), 0, "ring init");
	return x;
}

static void
ring_free(struct rrun *x)
{
	free(x->o);
	free(x->r);
	free(x);
}

/* TIME_WAIT's 60 s and FIN_WAIT2's shorter timeouts, mixed, refreshed
 * (moved), cancelled: every one fires exactly once, on its millisecond. */
static void
test_ring_exact(uint32_t start)
{
	struct rrun *x = ring_new(4, start);
	struct robj *a = &x->o[0], *b = &x->o[1], *c = &x->o[2], *d = &x->o[3];

	CHECK_EQ(bs_tring_count(x->r), 0, "empty");
	ring_arm(x, a, 60000);		/* TIME_WAIT */
	ring_arm(x, b, 1000);		/* a short FIN_WAIT2 */
	ring_step(x, start + 10, 1u << 30);
	ring_arm(x, c, 59990);		/* same deadline as a */
	ring_arm(x, d, 30000);
	CHECK_EQ(bs_tring_count(x->r), 4, "four armed");
	CHECK(bs_tnode_armed(&a->n), "a armed");
	ring_step(x, start + 999, 1u << 30);
	CHECK_EQ(b->fires, 0, "b: not before 1 s");
	ring_step(x, start + 1000, 1u << 30);
	CHECK_EQ(b->fires, 1, "b at 1 s");
	CHECK(!bs_tnode_armed(&b->n), "b unarmed when fired");
	ring_step(x, start + 20000, 1u << 30);
	ring_arm(x, a, 60000);		/* refreshed: moves to 80 s */
	bs_tring_cancel(x->r, &d->n);
	bs_tring_cancel(x->r, &d->n);	/* twice: nothing */
	ring_step(x, start + 59999, 1u << 30);
	CHECK_EQ(a->fires + c->fires, 0, "nothing before 60 s");
	ring_step(x, start + 60000, 1u << 30);
	CHECK_EQ(c->fires, 1, "c at 60 s");
	CHECK_EQ(a->fires, 0, "a refreshed: not at 60 s");
	ring_step(x, start + 79999, 1u << 30);
	CHECK_EQ(a->fires, 0, "a not before 80 s");
	ring_step(x, start + 80000, 1u << 30);
	CHECK_EQ(a->fires, 1, "a at 80 s");
	CHECK_EQ(d->fires, 0, "d cancelled");
	CHECK_EQ(x->early + x->late, 0, "exact");
	CHECK_EQ(bs_tring_count(x->r), 0, "empty again");
	/* A delay of 0 is 1 ms; one beyond the longest is the longest. */
	ring_arm(x, a, 0);
	a->due = x->now + 1;
	ring_arm(x, b, 100000);
	b->due = x->now + BS_TRING_MAX_DELAY;
	ring_step(x, x->now + BS_TRING_MAX_DELAY, 1u << 30);
	CHECK_EQ(a->fires + b->fires, 4, "clamped delays: a second time each");
	CHECK_EQ(x->early + x->late, 0, "clamped delays exact");
	ring_free(x);
}

/* The caller's clock jumps and stalls; a budget carries expirations over. */
static void
test_ring_jumps(void)
{
	struct rrun *x = ring_new(1000, 5);
	unsigned int i, n;

	for (i = 0; i < 1000; i++)
		ring_arm(x, &x->o[i], 1 + i * 60);
	/* Nothing runs before the first is due, whatever the jump. */
	x->now = 5 + 0;
	CHECK_EQ(bs_tring_advance(x->r, x->now, 1u << 30, ring_cb, x), 0, "nothing due");
	x->now = 5 + 30000;
	n = bs_tring_advance(x->r, x->now, 100, ring_cb, x);
	CHECK_EQ(n, 100, "budget");
	n = bs_tring_advance(x->r, x->now, 1u << 30, ring_cb, x);
	CHECK_EQ(n, 400, "the rest due by 30 s: 1 + i * 60 <= 30000");
	CHECK_EQ(x->early, 0, "never early after a jump");
	/* A stall longer than a lap: the next advance runs all that is due. */
	x->now += 200000;
	n = bs_tring_advance(x->r, x->now, 1u << 30, ring_cb, x);
	CHECK_EQ(n, 500, "all after a stall");
	CHECK_EQ(x->fired, 1000, "each once");
	CHECK_EQ(x->early, 0, "never early");
	/* Arming while the clock lags: the due ones run first, the new node
	 * is not among them and fires on time. */
	x->late = 0;
	x->now += 10;
	ring_arm(x, &x->o[0], 60000);
	ring_arm(x, &x->o[1], 5000);
	x->now += 10000;		/* no advance for 10 s */
	ring_arm(x, &x->o[2], 60000);
	CHECK_EQ(x->o[1].fires, 2, "o1 run by the catch-up");
	CHECK_EQ(bs_tring_count(x->r), 2, "o0 and o2 armed");
	CHECK_EQ(x->early, 0, "not early");
	ring_step(x, x->now + 60000, 1u << 30);
	CHECK_EQ(x->o[0].fires, 2, "o0");
	CHECK_EQ(x->o[2].fires, 2, "o2");
	CHECK_EQ(x->o[2].fired_at, x->o[2].due, "o2 exact");
	CHECK_EQ(x->early, 0, "not early");
	ring_free(x);
}

/* Many nodes at random delays, refreshed and cancelled at random, the
 * clock stepped by 1 ms: each fires exactly once, exactly on time. */
static void
test_ring_random(uint32_t start, uint32_t n)
{
	struct rrun *x = ring_new(n, start);
	uint32_t i, end = start + 3 * BS_TRING_MAX_DELAY, armed = 0, cancelled = 0;

	for (i = 0; i < n; i++) {
		ring_arm(x, &x->o[i], 1 + (uint32_t)(rnd() % BS_TRING_MAX_DELAY));
		if (i % 64 == 0)
			ring_step(x, x->now + 1, 1u << 30);
	}
	while (x->now != end) {
		struct robj *o = &x->o[rnd() % n];

		if ((int32_t)(end - x->now) <= (int32_t)BS_TRING_MAX_DELAY) {
			ring_step(x, x->now + 1, 1u << 30);	/* the last lap: drain */
			continue;
		}
		if (rnd() % 4 == 0 && bs_tnode_armed(&o->n))
			ring_arm(x, o, 1 + (uint32_t)(rnd() % BS_TRING_MAX_DELAY));
		if (rnd() % 64 == 0 && bs_tnode_armed(&o->n)) {
			bs_tring_cancel(x->r, &o->n);
			cancelled++;
		}
		x->victim = rnd() % 128 == 0 ? &x->o[rnd() % n] : NULL;
		ring_step(x, x->now + 1, 1u << 30);
		x->victim = NULL;
	}
	for (i = 0; i < n; i++)
		armed += bs_tnode_armed(&x->o[i].n);
	CHECK_EQ(armed, 0, "all fired or cancelled");
	CHECK_EQ(x->fired + cancelled + x->cancelled, n, "each once");
	CHECK(x->cancelled > 0 && cancelled > 0, "some cancelled, some from callbacks");
	CHECK_EQ(x->early, 0, "never early");
	CHECK_EQ(x->late, 0, "never late when advanced every millisecond");
	ring_free(x);
}

int
main(void)
{
	test_exact_and_api();
	test_callbacks();
	test_budget();
	test_long();
	test_random(1000, 20000, 7200000, 1 << 30);
	test_random(1000, 20000, 7200000, 7);
	test_random(UINT32_MAX - 3600000, 20000, 7200000, 64);	/* wraps */
	test_random(UINT32_MAX - 20, 5000, 1000, 64);
	test_random(0, 1000000, 7200000, 4096);
	test_random(UINT32_MAX - 1000000, 1000000, 7200000, 4096);
	test_ring_exact(1);
	test_ring_exact(UINT32_MAX - 30000);	/* wraps */
	test_ring_jumps();
	test_ring_random(7, 20000);
	test_ring_random(UINT32_MAX - 90000, 20000);
	return bs_test_done();
}
