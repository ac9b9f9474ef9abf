/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show stats|resets|drops and clear stats. The counters come from the one
 * collector (bs_stats_sum, bs_stats_walk); `clear stats` keeps a baseline
 * per worker here, on the reader's side, and the shows subtract it: no
 * worker's counter is ever written by the control thread.
 */
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "cli.h"

/*
 * Worker @p w's counters (all workers: UINT32_MAX) since the baseline:
 * the collector's sum of the workers, less the sum of their baselines
 * (each taken by the same collector, so derived counters match).
 */
static void
stats_view(const struct app *a, uint32_t w, struct bs_stats *v)
{
	unsigned int k;

	memset(v, 0, sizeof(*v));
	for (k = 0; k < a->n_workers; k++) {
		if (w != UINT32_MAX && k != w)
			continue;
		bs_stats_sum(v, a->wstats[k]);
		bs_stats_sub(v, &a->stats_base[k]);
	}
}

struct walk_ctx {
	struct bs_emit *e;
	uint64_t total;
};

static void
emit_stat(void *arg, const struct bs_stat *st)
{
	struct walk_ctx *x = arg;

	x->total += st->value;
	if (st->value != 0 || bs_emit_is_json(x->e))
		bs_emit_u64(x->e, st->name, st->value);
}

/* What the numbers cover: since start, or since clear stats. */
static void
emit_since(const struct app *a, struct bs_emit *e, uint32_t w)
{
	uint64_t t0 = a->stats_base_tsc != 0 ? a->stats_base_tsc : a->start_tsc;

	bs_emit_str(e, "since", a->stats_base_tsc != 0 ? "clear stats" : "start");
	bs_emit_f64(e, "seconds", (double)(rte_get_tsc_cycles() - t0) /
		(double)rte_get_tsc_hz());
	if (w != UINT32_MAX)
		bs_emit_u64(e, "worker", w);
	else
		bs_emit_u64(e, "workers", a->n_workers);
}

static int
show_kind(struct app *a, struct bs_cli_call *c, enum bs_stat_kind kind, const char *key)
{
	struct walk_ctx x = { .e = c->e };
	struct bs_stats v;
	uint32_t w;

	if (cli_arg_worker(a, c, &w) != 0)
		return -1;
	stats_view(a, w, &v);
	emit_since(a, c->e, w);
	bs_emit_obj_open(c->e, key);
	bs_stats_walk(&v, kind, emit_stat, &x);
	bs_emit_obj_close(c->e);
	if (kind != BS_STAT_COUNTER)
		bs_emit_u64(c->e, "total", x.total);
	return 0;
}

int
cli_show_stats(struct app *a, struct bs_cli_call *c)
{
	return show_kind(a, c, BS_STAT_COUNTER, "counters");
}

int
cli_show_resets(struct app *a, struct bs_cli_call *c)
{
	return show_kind(a, c, BS_STAT_RESET, "resets");
}

int
cli_show_drops(struct app *a, struct bs_cli_call *c)
{
	return show_kind(a, c, BS_STAT_DROP, "drops");
}

int
cli_clear_stats(struct app *a, struct bs_cli_call *c)
{
	unsigned int k;

	if (c->argc != 0)
		return bs_cli_fail(c, "unexpected argument '%.40s'", c->argv[0]);
	for (k = 0; k < a->n_workers; k++) {
		memset(&a->stats_base[k], 0, sizeof(a->stats_base[k]));
		bs_stats_sum(&a->stats_base[k], a->wstats[k]);
	}
	a->stats_base_tsc = rte_get_tsc_cycles();
	bs_emit_bool(c->e, "cleared", true);
	bs_emit_str(c->e, "note", "show stats|resets|drops count from now on (a baseline "
		"of this CLI server; the workers' counters and show ports|workers are untouched)");
	return 0;
}
