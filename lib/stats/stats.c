/* SPDX-License-Identifier: BSD-3-Clause */
#include <inttypes.h>
#include <string.h>

#include "bs_stats.h"

static const struct {
	const char *name;
	const char *help;
} counters[BS_CNT_MAX] = {
#define BS_COUNTER(name, help) [BS_CNT_##name] = { #name, help },
#include "bs_counters.def"
#undef BS_COUNTER
};

const char *
bs_counter_name(unsigned int c)
{
	return c < BS_CNT_MAX ? counters[c].name : "?";
}

const char *
bs_counter_help(unsigned int c)
{
	return c < BS_CNT_MAX ? counters[c].help : "?";
}

static void
sum_array(uint64_t *dst, const uint64_t *src, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		dst[i] += __atomic_load_n(&src[i], __ATOMIC_RELAXED);
}

void
bs_stats_sum(struct bs_stats *sum, const struct bs_stats *w)
{
	uint64_t rsts = 0;
	unsigned int p;
	unsigned int i;

	sum_array(sum->cnt, w->cnt, BS_CNT_MAX);
	sum_array(sum->rst, w->rst, BS_RST_REASON_MAX);
	/* Derived: every segment sent so far is an RST, counted per reason. */
	for (i = 0; i < BS_RST_REASON_MAX; i++)
		rsts += __atomic_load_n(&w->rst[i], __ATOMIC_RELAXED);
	sum->cnt[BS_CNT_TcpOutRsts] += rsts;
	sum->cnt[BS_CNT_TcpOutSegs] += rsts;
	sum_array(sum->drop, w->drop, BS_DROP_MAX);
	for (p = 0; p < BS_MAX_PORTS; p++) {
		sum->port[p].rx += __atomic_load_n(&w->port[p].rx, __ATOMIC_RELAXED);
		sum->port[p].tx += __atomic_load_n(&w->port[p].tx, __ATOMIC_RELAXED);
	}
	sum->busy_cycles += __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED);
	sum->busy_polls += __atomic_load_n(&w->busy_polls, __ATOMIC_RELAXED);
}

static void
report_sum(const struct bs_stats_report *r, struct bs_stats *s)
{
	unsigned int i;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < r->n_workers; i++)
		bs_stats_sum(s, r->workers[i]);
}

static uint64_t
rst_total(const struct bs_stats *s)
{
	uint64_t t = 0;
	unsigned int i;

	for (i = 0; i < BS_RST_REASON_MAX; i++)
		t += s->rst[i];
	return t;
}

void
bs_stats_write_text(FILE *f, const struct bs_stats_report *r)
{
	struct bs_stats s;
	unsigned int i;

	report_sum(r, &s);
	fprintf(f, "backstop statistics: %.1f s, %u worker(s)\n", r->uptime_s,
		r->n_workers);
	for (i = 0; i < r->n_ports; i++)
		fprintf(f, "  port %-24s rx %12" PRIu64 "  tx %12" PRIu64 "\n",
			r->port_names[i], s.port[i].rx, s.port[i].tx);
	fprintf(f, "  counters:\n");
	for (i = 0; i < BS_CNT_MAX; i++)
		if (s.cnt[i] != 0)
			fprintf(f, "    %-32s %12" PRIu64 "\n", counters[i].name, s.cnt[i]);
	fprintf(f, "  resets sent (%" PRIu64 "):\n", rst_total(&s));
	for (i = 0; i < BS_RST_REASON_MAX; i++)
		if (s.rst[i] != 0)
			fprintf(f, "    %-32s %12" PRIu64 "\n", bs_rst_reason_name(i), s.rst[i]);
	fprintf(f, "  drops:\n");
	for (i = 1; i < BS_DROP_MAX; i++)
		if (s.drop[i] != 0)
			fprintf(f, "    %-32s %12" PRIu64 "\n", bs_drop_name(i), s.drop[i]);
	if (r->mbufs != 0)
		fprintf(f, "  mbufs: %" PRIu64 " in use of %" PRIu64 " (%" PRIu64
			" at start)\n", r->mbufs_in_use, r->mbufs, r->mbufs_in_use_start);
	fflush(f);
}

/* "name": {"A": 1, "B": 2} over a name function and a value array. */
static void
json_map(FILE *f, const char *key, const char *(*name)(unsigned int),
		const uint64_t *v, unsigned int first, unsigned int n)
{
	unsigned int i;

	fprintf(f, "  \"%s\": {", key);
	for (i = first; i < n; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i == first ? "" : ", ", name(i), v[i]);
	fprintf(f, "}");
}

void
bs_stats_write_json(FILE *f, const struct bs_stats_report *r)
{
	struct bs_stats s;
	unsigned int i;

	report_sum(r, &s);
	fprintf(f, "{\n  \"uptime_s\": %.3f,\n  \"tsc_hz\": %" PRIu64 ",\n",
		r->uptime_s, r->tsc_hz);
	json_map(f, "counters", bs_counter_name, s.cnt, 0, BS_CNT_MAX);
	fprintf(f, ",\n");
	json_map(f, "resets", bs_rst_reason_name, s.rst, 0, BS_RST_REASON_MAX);
	fprintf(f, ",\n");
	json_map(f, "drops", bs_drop_name, s.drop, 1, BS_DROP_MAX);
	fprintf(f, ",\n  \"ports\": {");
	for (i = 0; i < r->n_ports; i++)
		fprintf(f, "%s\"%s\": {\"rx\": %" PRIu64 ", \"tx\": %" PRIu64 "}",
			i == 0 ? "" : ", ", r->port_names[i], s.port[i].rx, s.port[i].tx);
	fprintf(f, "},\n  \"mbufs\": {\"size\": %" PRIu64 ", \"in_use\": %" PRIu64
		", \"in_use_start\": %" PRIu64 ", \"memory\": \"%s\"}", r->mbufs,
		r->mbufs_in_use, r->mbufs_in_use_start, r->mbufs_thp ? "thp" : "eal");
	fprintf(f, ",\n  \"workers\": [");
	for (i = 0; i < r->n_workers; i++) {
		const struct bs_stats *w = r->workers[i];

		fprintf(f, "%s{\"lcore\": %u, \"busy_cycles\": %" PRIu64
			", \"busy_polls\": %" PRIu64 ", \"rx\": %" PRIu64
			", \"tx\": %" PRIu64 "}", i == 0 ? "" : ", ",
			r->worker_lcores[i],
			__atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED),
			__atomic_load_n(&w->busy_polls, __ATOMIC_RELAXED),
			__atomic_load_n(&w->cnt[BS_CNT_RxFrames], __ATOMIC_RELAXED),
			__atomic_load_n(&w->cnt[BS_CNT_TxFrames], __ATOMIC_RELAXED));
	}
	fprintf(f, "]\n}\n");
	fflush(f);
}

void
bs_stats_sub(struct bs_stats *a, const struct bs_stats *b)
{
	unsigned int i;

	for (i = 0; i < BS_CNT_MAX; i++)
		a->cnt[i] -= b->cnt[i];
	for (i = 0; i < BS_RST_REASON_MAX; i++)
		a->rst[i] -= b->rst[i];
	for (i = 0; i < BS_DROP_MAX; i++)
		a->drop[i] -= b->drop[i];
	for (i = 0; i < BS_MAX_PORTS; i++) {
		a->port[i].rx -= b->port[i].rx;
		a->port[i].tx -= b->port[i].tx;
	}
	a->busy_cycles -= b->busy_cycles;
	a->busy_polls -= b->busy_polls;
}

void
bs_stats_walk(const struct bs_stats *s, unsigned int kinds, bs_stats_walk_fn fn,
		void *arg)
{
	struct bs_stat st;
	unsigned int i;

	for (i = 0; (kinds & BS_STAT_COUNTER) && i < BS_CNT_MAX; i++) {
		st = (struct bs_stat){ BS_STAT_COUNTER, i, counters[i].name,
			counters[i].help, s->cnt[i] };
		fn(arg, &st);
	}
	for (i = 0; (kinds & BS_STAT_RESET) && i < BS_RST_REASON_MAX; i++) {
		st = (struct bs_stat){ BS_STAT_RESET, i, bs_rst_reason_name(i),
			bs_rst_reason_help(i), s->rst[i] };
		fn(arg, &st);
	}
	for (i = 1; (kinds & BS_STAT_DROP) && i < BS_DROP_MAX; i++) {
		st = (struct bs_stat){ BS_STAT_DROP, i, bs_drop_name(i), bs_drop_help(i),
			s->drop[i] };
		fn(arg, &st);
	}
}
