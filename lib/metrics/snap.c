/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The metrics snapshot (bs_metrics.h): gathered by the control thread,
 * published under a seqlock for the telemetry threads.
 */
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_seqlock.h>

#include "bs_metrics.h"
#include "bs_worker.h"
#include "bs_worker_ctl.h"

#define GAUGE_TIMEOUT_MS 50

struct bs_metrics {
	struct bs_metrics_conf c;
	struct bs_snap *s;		/* the control thread's */
	uint64_t gauge_next;		/* TSC of the next gauge refresh */
	uint64_t gauge_period;
};

/*
 * The published copy. Never freed: a telemetry thread may read it at any
 * time, even after the appliance stopped (it then reads the last values).
 */
static struct {
	rte_seqlock_t lock;
	struct bs_snap *s;
	size_t len;
} pub = { .lock = RTE_SEQLOCK_INITIALIZER };

size_t
bs_snap_size(unsigned int n_workers)
{
	return sizeof(struct bs_snap) + (size_t)n_workers * sizeof(struct bs_snap_worker);
}

static void
add_array(uint64_t *dst, const uint64_t *src, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		dst[i] += src[i];
}

/* @p sum += @p w: plain adds of copies (bs_stats_sum reads a live worker
 * and derives; this adds what is already derived). */
static void
stats_add(struct bs_stats *sum, const struct bs_stats *w)
{
	unsigned int p;

	add_array(sum->cnt, w->cnt, BS_CNT_MAX);
	add_array(sum->rst, w->rst, BS_RST_REASON_MAX);
	add_array(sum->drop, w->drop, BS_DROP_MAX);
	for (p = 0; p < BS_MAX_PORTS; p++) {
		sum->port[p].rx += w->port[p].rx;
		sum->port[p].tx += w->port[p].tx;
	}
	sum->busy_cycles += w->busy_cycles;
	sum->busy_polls += w->busy_polls;
}

static void
refresh_counters(struct bs_metrics *m)
{
	struct bs_snap *s = m->s;
	unsigned int i;

	memset(&s->sum, 0, sizeof(s->sum));
	for (i = 0; i < s->n_workers; i++) {
		struct bs_stats *st = &s->w[i].st;

		memset(st, 0, sizeof(*st));
		bs_stats_sum(st, m->c.wstats[i]);
		stats_add(&s->sum, st);
	}
	s->n_policies = m->c.policies != NULL ?
		m->c.policies(m->c.policies_arg, s->policy, BS_SNAP_MAX_POLICIES) : 0;
	s->uptime_s = (double)(rte_get_tsc_cycles() - m->c.start_tsc) /
		(double)rte_get_tsc_hz();
	s->gen++;
}

static void
gauges_take(struct bs_snap_worker *sw, const struct bs_worker_ctl_req *r)
{
	memcpy(sw->states, r->counts, sizeof(sw->states));
	memcpy(sw->gauges, r->gauges, sizeof(sw->gauges));
	sw->gauges_ok = true;
}

/* Post to every worker, then collect: the workers answer in parallel. A
 * worker that does not answer keeps its last values (gauges_ok false). */
static void
refresh_gauges(struct bs_metrics *m, bool live)
{
	struct bs_worker_ctl_req req;
	struct bs_snap *s = m->s;
	bool posted[s->n_workers];
	unsigned int i;

	for (i = 0; i < s->n_workers; i++) {
		struct bs_worker *w = &m->c.workers[i];

		posted[i] = false;
		s->w[i].gauges_ok = false;
		if (w->ep == NULL)
			continue;
		memset(&req, 0, sizeof(req));
		req.op = BS_WORKER_CTL_GAUGES;
		if (!live) {
			bs_tcp_ep_state_counts(w->ep, req.counts);
			bs_tcp_ep_gauges(w->ep, req.gauges);
			gauges_take(&s->w[i], &req);
			continue;
		}
		posted[i] = bs_worker_ctl_post(w, &req) == 0;
	}
	for (i = 0; i < s->n_workers; i++)
		if (posted[i] && bs_worker_ctl_wait(&m->c.workers[i], &req,
				GAUGE_TIMEOUT_MS) == 0 && req.rc == 0)
			gauges_take(&s->w[i], &req);
	memset(s->states, 0, sizeof(s->states));
	memset(s->gauges, 0, sizeof(s->gauges));
	for (i = 0; i < s->n_workers; i++) {
		add_array(s->states, s->w[i].states, BS_TCP_STATE_MAX);
		add_array(s->gauges, s->w[i].gauges, BS_GAUGE_MAX);
	}
	s->gauge_gen++;
}

static void
publish(const struct bs_snap *s)
{
	size_t len = bs_snap_size(s->n_workers);

	rte_seqlock_write_lock(&pub.lock);
	if (pub.s != NULL && pub.len == len)
		memcpy(pub.s, s, len);
	rte_seqlock_write_unlock(&pub.lock);
}

/* The published copy's memory, sized once for this many workers. */
static int
pub_alloc(unsigned int n_workers)
{
	size_t len = bs_snap_size(n_workers);
	struct bs_snap *p;

	if (pub.s != NULL && pub.len == len)
		return 0;
	p = calloc(1, len);
	if (p == NULL)
		return -1;
	/* A previous copy of another size (tests that create twice) is left
	 * to a reader that may hold it: not freed. */
	rte_seqlock_write_lock(&pub.lock);
	pub.s = p;
	pub.len = len;
	rte_seqlock_write_unlock(&pub.lock);
	return 0;
}

struct bs_metrics *
bs_metrics_create(const struct bs_metrics_conf *c)
{
	struct bs_metrics *m = calloc(1, sizeof(*m));
	unsigned int i, p;

	if (m == NULL)
		return NULL;
	m->c = *c;
	m->s = calloc(1, bs_snap_size(c->n_workers));
	if (m->s == NULL || pub_alloc(c->n_workers) != 0) {
		bs_metrics_free(m);
		return NULL;
	}
	m->s->n_workers = c->n_workers;
	m->s->n_ports = c->n_ports < BS_MAX_PORTS ? c->n_ports : BS_MAX_PORTS;
	for (p = 0; p < m->s->n_ports; p++)
		snprintf(m->s->port_name[p], BS_SNAP_NAME_LEN, "%s", c->port_names[p]);
	snprintf(m->s->version, sizeof(m->s->version), "%s", c->version);
	for (i = 0; i < c->n_workers; i++) {
		const struct bs_worker *w = &c->workers[i];

		m->s->w[i].lcore = w->lcore;
		for (p = 0; p < BS_MAX_PORTS; p++)
			m->s->w[i].queue[p] = p < w->n_ports && w->ports[p].polled ?
				w->ports[p].queue : BS_SNAP_NO_QUEUE;
	}
	m->gauge_period = rte_get_tsc_hz() / 1000 *
		(c->gauge_period_ms != 0 ? c->gauge_period_ms : 1000);
	m->gauge_next = 0;
	refresh_counters(m);
	publish(m->s);
	return m;
}

void
bs_metrics_free(struct bs_metrics *m)
{
	if (m == NULL)
		return;
	free(m->s);
	free(m);
}

void
bs_metrics_tick(struct bs_metrics *m, bool force_gauges, bool live)
{
	uint64_t now = rte_get_tsc_cycles();

	refresh_counters(m);
	if (force_gauges || now >= m->gauge_next) {
		refresh_gauges(m, live);
		m->gauge_next = now + m->gauge_period;
	}
	publish(m->s);
}

const struct bs_snap *
bs_metrics_snap(const struct bs_metrics *m)
{
	return m->s;
}

struct bs_snap *
bs_metrics_read(void)
{
	struct bs_snap *copy = NULL;
	size_t len = 0;
	uint32_t sn;

	for (;;) {
		sn = rte_seqlock_read_begin(&pub.lock);
		if (pub.s == NULL) {
			free(copy);
			return NULL;
		}
		if (len == pub.len) {
			memcpy(copy, pub.s, len);
			if (!rte_seqlock_read_retry(&pub.lock, sn))
				return copy;
			continue;
		}
		/* Sized outside a consistent read: allocate, then read again. */
		len = pub.len;
		free(copy);
		copy = malloc(len);
		if (copy == NULL)
			return NULL;
	}
}
