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
	return bs_test_done();
}
