/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * CLI commands of observability: the endpoint's tables (from the metrics
 * snapshot, refreshed for the command) and run-time tracing.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <rte_mempool.h>

#include "backstop.h"
#include "bs_metrics.h"
#include "bs_trace.h"
#include "cli.h"

static int
no_args(struct bs_cli_call *c)
{
	if (c->argc != 0)
		return bs_cli_fail(c, "unexpected argument '%.40s'", c->argv[0]);
	return 0;
}

int
cli_show_tables(struct app *a, struct bs_cli_call *c)
{
	struct bs_metrics *m = obs_metrics();
	const struct bs_snap *s;
	const uint64_t *g, *st;
	uint32_t w;
	unsigned int i;

	if (cli_arg_worker(a, c, &w) != 0)
		return -1;
	if (m == NULL)
		return bs_cli_fail(c, "no metrics yet");
	bs_metrics_tick(m, true, true);	/* ask the workers now */
	s = bs_metrics_snap(m);
	g = w == UINT32_MAX ? s->gauges : s->w[w].gauges;
	st = w == UINT32_MAX ? s->states : s->w[w].states;
	if (w != UINT32_MAX) {
		bs_emit_u64(c->e, "worker", w);
		bs_emit_bool(c->e, "answered", s->w[w].gauges_ok);
	}
	bs_emit_obj_open(c->e, "tables");
	for (i = 0; i < BS_GAUGE_MAX; i++)
		bs_emit_u64(c->e, bs_gauge_name(i), g[i]);
	bs_emit_obj_close(c->e);
	bs_emit_obj_open(c->e, "connections");
	for (i = 1; i < BS_TCP_STATE_MAX; i++)
		bs_emit_u64(c->e, bs_tcp_state_name(i), st[i]);
	bs_emit_obj_close(c->e);
	return 0;
}

/* Resident and total pages of this process (/proc/self/statm), in KiB. */
static int
statm_kib(uint64_t *size_kib, uint64_t *rss_kib)
{
	unsigned long long size, rss;
	long page = sysconf(_SC_PAGESIZE);
	FILE *f = fopen("/proc/self/statm", "r");
	int n;

	if (f == NULL)
		return -1;
	n = fscanf(f, "%llu %llu", &size, &rss);
	fclose(f);
	if (n != 2 || page <= 0)
		return -1;
	*size_kib = size * (uint64_t)page / 1024;
	*rss_kib = rss * (uint64_t)page / 1024;
	return 0;
}

/*
 * The packet pool as rte_mempool counts it (the mbufs in the lcores'
 * caches count as free) and the process's memory: what a soak run
 * compares with its baseline.
 */
int
cli_show_memory(struct app *a, struct bs_cli_call *c)
{
	uint64_t size_kib, rss_kib;

	if (no_args(c) != 0)
		return -1;
	bs_emit_obj_open(c->e, "mbufs");
	bs_emit_u64(c->e, "size", a->mp->size);
	bs_emit_u64(c->e, "in_use", rte_mempool_in_use_count(a->mp));
	bs_emit_u64(c->e, "free", rte_mempool_avail_count(a->mp));
	bs_emit_str(c->e, "memory", a->mp_thp ? "thp" : "eal");
	bs_emit_obj_close(c->e);
	if (statm_kib(&size_kib, &rss_kib) == 0) {
		bs_emit_u64(c->e, "resident_kib", rss_kib);
		bs_emit_u64(c->e, "virtual_kib", size_kib);
	}
	return 0;
}

static int
trace_set(struct bs_cli_call *c, bool on)
{
	int rc;

	if (no_args(c) != 0)
		return -1;
	rc = bs_trace_enable(on);
	if (rc < 0)
		return bs_cli_fail(c, "trace points not %s: %s", on ? "enabled" : "disabled",
			strerror(-rc));
	bs_emit_bool(c->e, "tracing", bs_trace_enabled());
	bs_emit_str(c->e, "trace_points", "backstop.*");
	bs_emit_str(c->e, "note", on ? "saved by `trace save` or at exit, under EAL's --trace-dir" :
		"what was recorded is kept until `trace save` or exit");
	return 0;
}

int
cli_trace_on(struct app *a __rte_unused, struct bs_cli_call *c)
{
	return trace_set(c, true);
}

int
cli_trace_off(struct app *a __rte_unused, struct bs_cli_call *c)
{
	return trace_set(c, false);
}

int
cli_trace_save(struct app *a __rte_unused, struct bs_cli_call *c)
{
	int rc;

	if (no_args(c) != 0)
		return -1;
	rc = bs_trace_save();
	if (rc < 0)
		return bs_cli_fail(c, "trace not saved: %s", strerror(-rc));
	bs_emit_bool(c->e, "saved", true);
	bs_emit_bool(c->e, "tracing", bs_trace_enabled());
	return 0;
}
