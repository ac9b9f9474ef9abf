/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus text exposition (format 0.0.4) of a snapshot. Metric
 * names and labels are API: they come from the declared lists, and a name
 * once published is never renamed.
 *
 *   backstop_<Counter>_total{worker}        bs_counters.def
 *   backstop_resets_total{worker,reason}    bs_rst_reason.def
 *   backstop_drops_total{worker,reason}     bs_drop.def
 *   backstop_port_rx_frames_total{port,queue,worker}, ..._tx_...
 *   backstop_tcp_connections{worker,state}  bs_tcp_state.def
 *   backstop_table_<Gauge>{worker}          bs_gauges.def
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_metrics.h"

void
bs_buf_printf(struct bs_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->oom)
		return;
	for (;;) {
		size_t room = b->cap - b->len;

		va_start(ap, fmt);
		n = vsnprintf(b->p != NULL ? b->p + b->len : NULL, room, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->oom = true;
			return;
		}
		if ((size_t)n < room) {
			b->len += (size_t)n;
			return;
		}
		{
			size_t cap = b->cap != 0 ? b->cap * 2 : 16384;
			char *p;

			while (cap - b->len <= (size_t)n)
				cap *= 2;
			p = realloc(b->p, cap);
			if (p == NULL) {
				b->oom = true;
				return;
			}
			b->p = p;
			b->cap = cap;
		}
	}
}

void
bs_buf_free(struct bs_buf *b)
{
	free(b->p);
	memset(b, 0, sizeof(*b));
}

/* HELP text: backslash and newline escaped. */
static void
help_line(struct bs_buf *b, const char *name, const char *help, const char *type)
{
	const char *c;

	bs_buf_printf(b, "# HELP %s ", name);
	for (c = help; *c != '\0'; c++) {
		if (*c == '\\')
			bs_buf_printf(b, "\\\\");
		else if (*c == '\n')
			bs_buf_printf(b, "\\n");
		else
			bs_buf_printf(b, "%c", *c);
	}
	bs_buf_printf(b, "\n# TYPE %s %s\n", name, type);
}

/* A label value: backslash, quote and newline escaped. */
static void
label_value(struct bs_buf *b, const char *v)
{
	for (; *v != '\0'; v++) {
		if (*v == '\\' || *v == '"')
			bs_buf_printf(b, "\\%c", *v);
		else if (*v == '\n')
			bs_buf_printf(b, "\\n");
		else
			bs_buf_printf(b, "%c", *v);
	}
}

/* The families not generated from a list. */
enum fixed {
	F_INFO, F_UPTIME, F_WORKERS, F_PORT_RX, F_PORT_TX, F_BUSY_CYCLES, F_BUSY_POLLS,
	F_LCORE, F_GAUGES_OK, F_POLICY, F_MAX
};

static const struct {
	const char *name;
	const char *type;
	const char *labels;
	const char *help;
} fixed[F_MAX] = {
	[F_INFO] = { "backstop_info", "gauge", "version", "Backstop's version (value 1)" },
	[F_UPTIME] = { "backstop_uptime_seconds", "gauge", "", "seconds since the workers started" },
	[F_WORKERS] = { "backstop_workers", "gauge", "", "worker lcores" },
	[F_PORT_RX] = { "backstop_port_rx_frames_total", "counter", "port, queue, worker",
		"frames received, per port and queue (queue q is worker q's)" },
	[F_PORT_TX] = { "backstop_port_tx_frames_total", "counter", "port, queue, worker",
		"frames sent, per port and queue" },
	[F_BUSY_CYCLES] = { "backstop_busy_cycles_total", "counter", "worker",
		"TSC cycles a worker spent on bursts that received frames and on the "
		"TCP endpoint's turns that did work (accepts, applications, timers)" },
	[F_BUSY_POLLS] = { "backstop_busy_polls_total", "counter", "worker",
		"RX polls that returned frames" },
	[F_LCORE] = { "backstop_worker_lcore", "gauge", "worker", "the lcore a worker runs on" },
	[F_GAUGES_OK] = { "backstop_worker_gauges_ok", "gauge", "worker",
		"1 if the worker answered the last gauge request (else its gauges are older)" },
	[F_POLICY] = { "backstop_stray_policy_segments_total", "counter", "prefix, action, result",
		"stray segments per [stray] policy in force, summed over the workers: result "
		"replied (RST sent), dropped (a drop policy), limited (over a ratelimit); "
		"a policy's counters survive reconfigurations while its prefix stays" },
};

static void
fixed_help(struct bs_buf *b, enum fixed f)
{
	help_line(b, fixed[f].name, fixed[f].help, fixed[f].type);
}

/* One family over a list (counters, resets or drops) with a label per
 * item, or one family per item (label NULL). */
struct list {
	const char *family;		/* with label: the one family's name */
	const char *label;		/* "reason", or NULL: a family per item */
	const char *help;		/* with label */
	const char *type;
	const char *suffix;		/* of per-item families: "_total" or "" */
	const char *(*name)(unsigned int);
	const char *(*item_help)(unsigned int);
	unsigned int first, n;
	const uint64_t *(*values)(const struct bs_snap_worker *w);
};

static const uint64_t *
v_cnt(const struct bs_snap_worker *w)
{
	return w->st.cnt;
}

static const uint64_t *
v_rst(const struct bs_snap_worker *w)
{
	return w->st.rst;
}

static const uint64_t *
v_drop(const struct bs_snap_worker *w)
{
	return w->st.drop;
}

static const uint64_t *
v_state(const struct bs_snap_worker *w)
{
	return w->states;
}

static const uint64_t *
v_gauge(const struct bs_snap_worker *w)
{
	return w->gauges;
}

static const struct list lists[] = {
	{ NULL, NULL, NULL, "counter", "_total", bs_counter_name, bs_counter_help,
		0, BS_CNT_MAX, v_cnt },
	{ "backstop_resets_total", "reason", "RSTs sent, per reset reason (Linux sk_rst_reason)",
		"counter", NULL, bs_rst_reason_name, NULL, 0, BS_RST_REASON_MAX, v_rst },
	{ "backstop_drops_total", "reason", "frames dropped, per drop reason",
		"counter", NULL, bs_drop_name, NULL, 1, BS_DROP_MAX, v_drop },
	{ "backstop_tcp_connections", "state",
		"connections per TCP state (pending handshakes: NEW_SYN_RECV), refreshed once a second",
		"gauge", NULL, bs_tcp_state_name, NULL, 1, BS_TCP_STATE_MAX, v_state },
	{ NULL, NULL, NULL, "gauge", "", bs_gauge_name, bs_gauge_help,
		0, BS_GAUGE_MAX, v_gauge },
};

static void item_name(const struct list *l, unsigned int i, char *name, size_t len);

static void
render_list(const struct bs_snap *s, const struct list *l, struct bs_buf *b)
{
	unsigned int i, k;
	char name[128];

	if (l->label != NULL)
		help_line(b, l->family, l->help, l->type);
	for (i = l->first; i < l->n; i++) {
		if (l->label == NULL) {
			item_name(l, i, name, sizeof(name));
			help_line(b, name, l->item_help(i), l->type);
		}
		for (k = 0; k < s->n_workers; k++) {
			uint64_t v = l->values(&s->w[k])[i];

			if (l->label == NULL)
				bs_buf_printf(b, "%s{worker=\"%u\"} %" PRIu64 "\n", name, k, v);
			else
				bs_buf_printf(b, "%s{worker=\"%u\",%s=\"%s\"} %" PRIu64 "\n",
					l->family, k, l->label, l->name(i), v);
		}
	}
}

static void
render_ports(const struct bs_snap *s, struct bs_buf *b)
{
	unsigned int d, p, k;

	for (d = 0; d < 2; d++) {
		const char *name = fixed[d == 0 ? F_PORT_RX : F_PORT_TX].name;

		fixed_help(b, d == 0 ? F_PORT_RX : F_PORT_TX);
		for (p = 0; p < s->n_ports; p++)
			for (k = 0; k < s->n_workers; k++) {
				const struct bs_port_counters *pc = &s->w[k].st.port[p];

				if (s->w[k].queue[p] == BS_SNAP_NO_QUEUE)
					continue;
				bs_buf_printf(b, "%s{port=\"", name);
				label_value(b, s->port_name[p]);
				bs_buf_printf(b, "\",queue=\"%u\",worker=\"%u\"} %" PRIu64 "\n",
					s->w[k].queue[p], k, d == 0 ? pc->rx : pc->tx);
			}
	}
}

static void
render_workers(const struct bs_snap *s, struct bs_buf *b)
{
	unsigned int k;

	fixed_help(b, F_BUSY_CYCLES);
	for (k = 0; k < s->n_workers; k++)
		bs_buf_printf(b, "backstop_busy_cycles_total{worker=\"%u\"} %" PRIu64 "\n",
			k, s->w[k].st.busy_cycles);
	fixed_help(b, F_BUSY_POLLS);
	for (k = 0; k < s->n_workers; k++)
		bs_buf_printf(b, "backstop_busy_polls_total{worker=\"%u\"} %" PRIu64 "\n",
			k, s->w[k].st.busy_polls);
	fixed_help(b, F_LCORE);
	for (k = 0; k < s->n_workers; k++)
		bs_buf_printf(b, "backstop_worker_lcore{worker=\"%u\"} %u\n", k, s->w[k].lcore);
	fixed_help(b, F_GAUGES_OK);
	for (k = 0; k < s->n_workers; k++)
		bs_buf_printf(b, "backstop_worker_gauges_ok{worker=\"%u\"} %u\n", k,
			s->w[k].gauges_ok ? 1 : 0);
}

static void
render_policies(const struct bs_snap *s, struct bs_buf *b)
{
	static const char *const result[3] = { "replied", "dropped", "limited" };
	unsigned int i, r;

	fixed_help(b, F_POLICY);
	for (i = 0; i < s->n_policies && i < BS_SNAP_MAX_POLICIES; i++) {
		const struct bs_snap_policy *p = &s->policy[i];
		const uint64_t v[3] = { p->replied, p->dropped, p->limited };

		for (r = 0; r < 3; r++) {
			bs_buf_printf(b, "%s{prefix=\"", fixed[F_POLICY].name);
			label_value(b, p->prefix);
			bs_buf_printf(b, "\",action=\"");
			label_value(b, p->action);
			bs_buf_printf(b, "\",result=\"%s\"} %" PRIu64 "\n", result[r], v[r]);
		}
	}
}

void
bs_prom_render(const struct bs_snap *s, struct bs_buf *b)
{
	unsigned int i;

	fixed_help(b, F_INFO);
	bs_buf_printf(b, "backstop_info{version=\"");
	label_value(b, s->version);
	bs_buf_printf(b, "\"} 1\n");
	fixed_help(b, F_UPTIME);
	bs_buf_printf(b, "backstop_uptime_seconds %.3f\n", s->uptime_s);
	fixed_help(b, F_WORKERS);
	bs_buf_printf(b, "backstop_workers %u\n", s->n_workers);
	for (i = 0; i < RTE_DIM(lists); i++)
		render_list(s, &lists[i], b);
	render_ports(s, b);
	render_workers(s, b);
	render_policies(s, b);
}

/* A list item's family name. */
static void
item_name(const struct list *l, unsigned int i, char *name, size_t len)
{
	snprintf(name, len, "backstop_%s%s%s", l->values == v_gauge ? "table_" : "",
		l->name(i), l->suffix);
}

void
bs_prom_write_md(FILE *f)
{
	unsigned int i, j;
	char name[128];

	fprintf(f, "| metric | type | labels | meaning |\n|---|---|---|---|\n");
	for (i = F_INFO; i <= F_WORKERS; i++)
		fprintf(f, "| `%s` | %s | %s | %s |\n", fixed[i].name, fixed[i].type,
			fixed[i].labels, fixed[i].help);
	for (i = 0; i < RTE_DIM(lists); i++) {
		const struct list *l = &lists[i];

		if (l->label != NULL) {
			fprintf(f, "| `%s` | %s | worker, %s | %s |\n", l->family, l->type,
				l->label, l->help);
			continue;
		}
		for (j = l->first; j < l->n; j++) {
			item_name(l, j, name, sizeof(name));
			fprintf(f, "| `%s` | %s | worker | %s |\n", name, l->type, l->item_help(j));
		}
	}
	for (i = F_PORT_RX; i < F_MAX; i++)
		fprintf(f, "| `%s` | %s | %s | %s |\n", fixed[i].name, fixed[i].type,
			fixed[i].labels, fixed[i].help);
}
