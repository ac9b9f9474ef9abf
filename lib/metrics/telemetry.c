/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * DPDK telemetry commands /backstop/...: they run on EAL's telemetry
 * threads and read only the published snapshot (bs_metrics_read()).
 * A command with a parameter N reads worker N; without, the sum.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_telemetry.h>

#include "bs_metrics.h"

/* The snapshot and the worker a command asks for (-1: the sum). */
static struct bs_snap *
snap_for(const char *params, int *worker)
{
	struct bs_snap *s;
	char *end;
	long n;

	*worker = -1;
	if (params != NULL && *params != '\0') {
		errno = 0;
		n = strtol(params, &end, 10);
		if (errno != 0 || *end != '\0' || end == params || n < 0)
			return NULL;
		*worker = (int)n;
	}
	s = bs_metrics_read();
	if (s != NULL && *worker >= (int)s->n_workers) {
		free(s);
		return NULL;
	}
	return s;
}

/* A dict over a declared list: names from @p name, values from @p v. */
static void
dict_list(struct rte_tel_data *d, const char *(*name)(unsigned int),
		const uint64_t *v, unsigned int first, unsigned int n)
{
	unsigned int i;

	rte_tel_data_start_dict(d);
	for (i = first; i < n; i++)
		rte_tel_data_add_dict_u64(d, name(i), v[i]);
}

#define LIST_CMD(fn, what_sum, what_w, name, first, n)				\
static int									\
fn(const char *cmd __rte_unused, const char *params, struct rte_tel_data *d)	\
{										\
	struct bs_snap *s;							\
	int k;									\
										\
	s = snap_for(params, &k);						\
	if (s == NULL)								\
		return -EINVAL;							\
	dict_list(d, name, k < 0 ? (what_sum) : (what_w), first, n);		\
	free(s);								\
	return 0;								\
}

LIST_CMD(tel_stats, s->sum.cnt, s->w[k].st.cnt, bs_counter_name, 0, BS_CNT_MAX)
LIST_CMD(tel_resets, s->sum.rst, s->w[k].st.rst, bs_rst_reason_name, 0, BS_RST_REASON_MAX)
LIST_CMD(tel_drops, s->sum.drop, s->w[k].st.drop, bs_drop_name, 1, BS_DROP_MAX)
LIST_CMD(tel_connections, s->states, s->w[k].states, bs_tcp_state_name, 1, BS_TCP_STATE_MAX)
LIST_CMD(tel_tables, s->gauges, s->w[k].gauges, bs_gauge_name, 0, BS_GAUGE_MAX)

/* Each port: rx and tx summed, and per queue (rx_qN, tx_qN). */
static int
tel_ports(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	struct bs_snap *s = bs_metrics_read();
	unsigned int p, k;
	char key[32];

	if (s == NULL)
		return -ENODATA;
	rte_tel_data_start_dict(d);
	for (p = 0; p < s->n_ports; p++) {
		struct rte_tel_data *pd = rte_tel_data_alloc();

		if (pd == NULL)
			break;
		rte_tel_data_start_dict(pd);
		rte_tel_data_add_dict_u64(pd, "rx", s->sum.port[p].rx);
		rte_tel_data_add_dict_u64(pd, "tx", s->sum.port[p].tx);
		for (k = 0; k < s->n_workers; k++) {
			if (s->w[k].queue[p] == BS_SNAP_NO_QUEUE)
				continue;
			snprintf(key, sizeof(key), "rx_q%u", s->w[k].queue[p]);
			rte_tel_data_add_dict_u64(pd, key, s->w[k].st.port[p].rx);
			snprintf(key, sizeof(key), "tx_q%u", s->w[k].queue[p]);
			rte_tel_data_add_dict_u64(pd, key, s->w[k].st.port[p].tx);
		}
		if (rte_tel_data_add_dict_container(d, s->port_name[p], pd, 0) != 0)
			rte_tel_data_free(pd);
	}
	free(s);
	return 0;
}

/* A dict of dicts keyed "0", "1"... (DPDK 22.11 puts no dict in an
 * array): @p count rows of the snapshot, row i filled by @p row. */
static int
dict_rows(struct rte_tel_data *d, unsigned int (*count)(const struct bs_snap *s),
		void (*row)(struct rte_tel_data *rd, const struct bs_snap *s, unsigned int i))
{
	struct bs_snap *s = bs_metrics_read();
	unsigned int i, n;
	char key[16];

	if (s == NULL)
		return -ENODATA;
	rte_tel_data_start_dict(d);
	n = count(s);
	for (i = 0; i < n; i++) {
		struct rte_tel_data *rd = rte_tel_data_alloc();

		if (rd == NULL)
			break;
		rte_tel_data_start_dict(rd);
		row(rd, s, i);
		snprintf(key, sizeof(key), "%u", i);
		if (rte_tel_data_add_dict_container(d, key, rd, 0) != 0)
			rte_tel_data_free(rd);
	}
	free(s);
	return 0;
}

/* Each worker by number: lcore, frames, busy cycles, whether its gauges
 * are fresh. */
static unsigned int
n_workers(const struct bs_snap *s)
{
	return s->n_workers;
}

static void
worker_row(struct rte_tel_data *wd, const struct bs_snap *s, unsigned int k)
{
	const struct bs_snap_worker *w = &s->w[k];

	rte_tel_data_add_dict_u64(wd, "lcore", w->lcore);
	rte_tel_data_add_dict_u64(wd, "rx", w->st.cnt[BS_CNT_RxFrames]);
	rte_tel_data_add_dict_u64(wd, "tx", w->st.cnt[BS_CNT_TxFrames]);
	rte_tel_data_add_dict_u64(wd, "busy_cycles", w->st.busy_cycles);
	rte_tel_data_add_dict_u64(wd, "busy_polls", w->st.busy_polls);
	rte_tel_data_add_dict_u64(wd, "gauges_ok", w->gauges_ok);
}

static int
tel_workers(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	return dict_rows(d, n_workers, worker_row);
}

/* The stray policies in force, by position: prefix, action, pps and the
 * counters summed over the workers. */
static unsigned int
n_policies(const struct bs_snap *s)
{
	return RTE_MIN(s->n_policies, (unsigned int)BS_SNAP_MAX_POLICIES);
}

static void
policy_row(struct rte_tel_data *pd, const struct bs_snap *s, unsigned int i)
{
	const struct bs_snap_policy *p = &s->policy[i];

	rte_tel_data_add_dict_string(pd, "prefix", p->prefix);
	rte_tel_data_add_dict_string(pd, "action", p->action);
	rte_tel_data_add_dict_u64(pd, "pps", p->pps);
	rte_tel_data_add_dict_u64(pd, "replied", p->replied);
	rte_tel_data_add_dict_u64(pd, "dropped", p->dropped);
	rte_tel_data_add_dict_u64(pd, "limited", p->limited);
}

static int
tel_policies(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	return dict_rows(d, n_policies, policy_row);
}

static int
tel_info(const char *cmd __rte_unused, const char *params __rte_unused,
		struct rte_tel_data *d)
{
	struct bs_snap *s = bs_metrics_read();

	if (s == NULL)
		return -ENODATA;
	rte_tel_data_start_dict(d);
	rte_tel_data_add_dict_string(d, "version", s->version);
	rte_tel_data_add_dict_u64(d, "uptime_ms", (uint64_t)(s->uptime_s * 1000.0));
	rte_tel_data_add_dict_u64(d, "workers", s->n_workers);
	rte_tel_data_add_dict_u64(d, "ports", s->n_ports);
	rte_tel_data_add_dict_u64(d, "snapshots", s->gen);
	rte_tel_data_add_dict_u64(d, "gauge_snapshots", s->gauge_gen);
	free(s);
	return 0;
}

static const struct {
	const char *cmd;
	telemetry_cb fn;
	const char *help;
} cmds[] = {
	{ "/backstop/info", tel_info, "Backstop: version, uptime, workers, ports. No parameters" },
	{ "/backstop/stats", tel_stats,
		"Backstop: event counters (bs_counters.def), summed. Parameter: a worker number" },
	{ "/backstop/resets", tel_resets,
		"Backstop: RSTs sent per reset reason, summed. Parameter: a worker number" },
	{ "/backstop/drops", tel_drops,
		"Backstop: frames dropped per drop reason, summed. Parameter: a worker number" },
	{ "/backstop/connections", tel_connections,
		"Backstop: connections per TCP state (refreshed once a second). Parameter: a worker number" },
	{ "/backstop/tables", tel_tables,
		"Backstop: table occupancy, TIME_WAIT and orphans (refreshed once a second). Parameter: a worker number" },
	{ "/backstop/ports", tel_ports, "Backstop: frames per port, summed and per queue. No parameters" },
	{ "/backstop/workers", tel_workers, "Backstop: per worker: lcore, frames, busy cycles. No parameters" },
	{ "/backstop/policies", tel_policies,
		"Backstop: stray policies in force: prefix, action, pps, segments replied, dropped, limited (all workers). No parameters" },
};

int
bs_metrics_telemetry_register(void)
{
	unsigned int i;
	int rc;

	for (i = 0; i < RTE_DIM(cmds); i++) {
		rc = rte_telemetry_register_cmd(cmds[i].cmd, cmds[i].fn, cmds[i].help);
		if (rc != 0)
			return rc;
	}
	return 0;
}
