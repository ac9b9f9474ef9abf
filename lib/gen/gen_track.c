/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The flood's checker: a bit per segment (a reply is due), a TX time per
 * segment for latency, both rings indexed by the segment's index, which
 * a reply's 4-tuple gives back.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "bs_gen.h"

#define CANDIDATES 4	/* indices tried per reply when the space is small */

static unsigned int
hist_bucket(uint64_t v)
{
	unsigned int e;

	if (v < BS_GEN_HIST_SUB)
		return (unsigned int)v;
	e = 63u - (unsigned int)__builtin_clzll(v);	/* >= 5 */
	return (e - 4) * BS_GEN_HIST_SUB + (unsigned int)((v >> (e - 5)) & (BS_GEN_HIST_SUB - 1));
}

/* The largest value of a bucket. */
static uint64_t
hist_top(unsigned int b)
{
	unsigned int e = b / BS_GEN_HIST_SUB + 4;

	if (b < BS_GEN_HIST_SUB)
		return b;
	return ((uint64_t)(BS_GEN_HIST_SUB + b % BS_GEN_HIST_SUB + 1) << (e - 5)) - 1;
}

void
bs_gen_hist_add(struct bs_gen_hist *h, uint64_t v)
{
	unsigned int b = hist_bucket(v);

	if (b >= BS_GEN_HIST_BUCKETS)
		b = BS_GEN_HIST_BUCKETS - 1;
	h->b[b]++;
	h->n++;
	if (v > h->max)
		h->max = v;
}

uint64_t
bs_gen_hist_pct(const struct bs_gen_hist *h, double pct)
{
	uint64_t want, acc = 0;
	unsigned int b;

	if (h->n == 0)
		return 0;
	if (pct >= 100.0)
		return h->max;
	want = (uint64_t)(pct / 100.0 * (double)h->n);
	if (want == 0)
		want = 1;
	for (b = 0; b < BS_GEN_HIST_BUCKETS; b++) {
		acc += h->b[b];
		if (acc >= want)
			return RTE_MIN(hist_top(b), h->max);
	}
	return h->max;
}

int
bs_gen_track_init(struct bs_gen_track *t, const struct bs_gen_flow *f,
		unsigned int ring_log2, unsigned int tsc_log2)
{
	memset(t, 0, sizeof(*t));
	t->f = f;
	t->ring = UINT64_C(1) << ring_log2;
	t->tsc_ring = UINT64_C(1) << tsc_log2;
	t->await = calloc(t->ring / 64 + 1, sizeof(uint64_t));
	t->tx_tsc = calloc(t->tsc_ring, sizeof(uint64_t));
	if (t->await == NULL || t->tx_tsc == NULL) {
		bs_gen_track_free(t);
		return -1;
	}
	return 0;
}

void
bs_gen_track_free(struct bs_gen_track *t)
{
	free(t->await);
	free(t->tx_tsc);
	t->await = NULL;
	t->tx_tsc = NULL;
}

static inline bool
bit_get(const struct bs_gen_track *t, uint64_t i)
{
	i &= t->ring - 1;
	return (t->await[i / 64] >> (i % 64)) & 1;
}

static inline void
bit_put(struct bs_gen_track *t, uint64_t i, bool v)
{
	uint64_t m;

	i &= t->ring - 1;
	m = UINT64_C(1) << (i % 64);
	t->await[i / 64] = v ? t->await[i / 64] | m : t->await[i / 64] & ~m;
}

void
bs_gen_track_sent(struct bs_gen_track *t, const struct bs_gen_seg *s, uint64_t tsc)
{
	bool due = bs_gen_expect(t->f, s) != BS_GEN_REPLY_NONE;

	/* The ring's slot was the segment of ring indices ago. */
	if (s->idx >= t->ring && bit_get(t, s->idx))
		t->lost++;
	bit_put(t, s->idx, due);
	t->tx_tsc[s->idx & (t->tsc_ring - 1)] = tsc;
	t->sent = s->idx + 1;
	t->due += due;
	t->sent_kind[s->kind]++;
}

void
bs_gen_track_err(struct bs_gen_track *t, const char *fmt, ...)
{
	va_list ap;

	if (t->n_errs >= BS_GEN_ERRS)
		return;
	va_start(ap, fmt);
	vsnprintf(t->errs[t->n_errs++], sizeof(t->errs[0]), fmt, ap);
	va_end(ap);
}

/* The reply was right for segment i. */
static void
track_ok(struct bs_gen_track *t, const struct bs_gen_seg *s, enum bs_gen_reply_kind k,
		uint64_t tsc)
{
	if (t->sent - s->idx > t->ring) {
		t->untracked++;
		return;
	}
	if (!bit_get(t, s->idx)) {
		if (k == BS_GEN_REPLY_SYN_ACK)
			t->retrans++;	/* tcp_rtx_synack: the request's timer */
		else
			t->duplicates++;
		return;
	}
	bit_put(t, s->idx, false);
	t->ok++;
	if (t->sent - s->idx <= t->tsc_ring)
		bs_gen_hist_add(&t->lat, tsc - t->tx_tsc[s->idx & (t->tsc_ring - 1)]);
}

enum bs_gen_reply_kind
bs_gen_track_reply(struct bs_gen_track *t, const uint8_t *frame, uint32_t len,
		uint64_t tsc)
{
	const struct bs_gen_flow *f = t->f;
	struct bs_gen_reply r;
	struct bs_gen_seg s, first, ok_seg;
	bool have_ok = false;
	enum bs_gen_reply_kind k;
	uint64_t pos, i;
	unsigned int c;
	char why[160], addr[64];

	if (bs_gen_reply_parse(frame, len, &r) != 0) {
		t->not_tcp++;
		return BS_GEN_REPLY_OTHER;
	}
	k = bs_gen_reply_kind_of(&r);
	t->replies[k]++;
	/* The reply goes to the segment's source: its tuple is ours reversed. */
	if (bs_gen_tuple_pos(f, r.v6, r.dst, r.dport, r.sport, &pos) != 0 ||
			t->sent == 0 || pos > t->sent - 1) {
		t->mismatches++;
		if (r.v6)
			snprintf(addr, sizeof(addr), "IPv6");
		else
			snprintf(addr, sizeof(addr), "%u.%u.%u.%u", r.dst[0], r.dst[1],
				r.dst[2], r.dst[3]);
		bs_gen_track_err(t, "reply to %s port %u from port %u answers no segment sent",
			addr, r.dport, r.sport);
		return k;
	}
	/* The newest index at this position, then older ones (a small
	 * space wraps): the first one still waiting whose answer this is. */
	i = pos + (t->sent - 1 - pos) / f->space * f->space;
	for (c = 0; c < CANDIDATES; c++) {
		bs_gen_seg(f, i, &s);
		if (c == 0)
			first = s;
		if (bs_gen_check(f, &s, &r, why, sizeof(why)) == 0) {
			if (t->sent - i <= t->ring && bit_get(t, i)) {
				track_ok(t, &s, k, tsc);
				return k;
			}
			if (!have_ok) {
				ok_seg = s;
				have_ok = true;
			}
		}
		if (i < f->space || t->sent - (i - f->space) > t->ring)
			break;
		i -= f->space;
	}
	if (have_ok) {	/* right, but answered before or too old to tell */
		track_ok(t, &ok_seg, k, tsc);
		return k;
	}
	bs_gen_check(f, &first, &r, why, sizeof(why));
	t->mismatches++;
	bs_gen_track_err(t, "%s reply to segment %" PRIu64 " (%s, seq %u ack %u): %s",
		bs_gen_reply_names[k], first.idx, bs_gen_kind_names[first.kind],
		first.seq, first.ack, why);
	return k;
}

void
bs_gen_track_finish(struct bs_gen_track *t)
{
	uint64_t w, n = RTE_MIN(t->sent, t->ring);

	for (w = 0; w < (n + 63) / 64; w++)
		t->lost += (uint64_t)__builtin_popcountll(t->await[w]);
	memset(t->await, 0, (t->ring / 64 + 1) * sizeof(uint64_t));
}
