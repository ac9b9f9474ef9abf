/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show version|ports|workers|listeners|config: what runs, read from the
 * control thread's own copies (config, port set-up), the workers'
 * counters (relaxed loads) and the workers' answers to control requests.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_version.h>

#include "bs_port_guard.h"
#include "bs_tcp_ep.h"
#include "bs_tcp_secure.h"
#include "bs_worker.h"
#include "bs_worker_ctl.h"
#include "cli.h"

static int
no_args(struct bs_cli_call *c)
{
	if (c->argc != 0)
		return bs_cli_fail(c, "unexpected argument '%.40s'", c->argv[0]);
	return 0;
}

static double
uptime_s(const struct app *a)
{
	return (double)(rte_get_tsc_cycles() - a->start_tsc) / (double)rte_get_tsc_hz();
}

int
cli_show_version(struct app *a, struct bs_cli_call *c)
{
	if (no_args(c) != 0)
		return -1;
	bs_emit_str(c->e, "version", BS_VERSION);
	bs_emit_str(c->e, "dpdk", rte_version());
	bs_emit_u64(c->e, "pid", (uint64_t)getpid());
	bs_emit_f64(c->e, "uptime_s", uptime_s(a));
	bs_emit_u64(c->e, "workers", a->n_workers);
	bs_emit_u64(c->e, "ports", a->n_ports);
	bs_emit_str(c->e, "config", a->conf->source);
	bs_emit_str(c->e, "syn_hash", bs_tcp_secure_simd_name());
	return 0;
}

/* Each worker's queue of port @p i: its frames, and the ethdev's. */
static void
emit_queues(struct app *a, struct bs_emit *e, unsigned int i,
		const struct rte_eth_stats *es)
{
	unsigned int k;

	bs_emit_list_open(e, "queues");
	for (k = 0; k < a->n_workers; k++) {
		const struct bs_worker_port *wp = &a->workers[k].ports[i];
		const struct bs_port_counters *pc = &a->wstats[k]->port[i];

		if (!wp->polled)
			continue;
		bs_emit_obj_open(e, NULL);
		bs_emit_u64(e, "queue", wp->queue);
		bs_emit_u64(e, "worker", k);
		bs_emit_u64(e, "rx", __atomic_load_n(&pc->rx, __ATOMIC_RELAXED));
		bs_emit_u64(e, "tx", __atomic_load_n(&pc->tx, __ATOMIC_RELAXED));
		if (es != NULL && wp->queue < RTE_ETHDEV_QUEUE_STAT_CNTRS) {
			bs_emit_u64(e, "ethdev_rx", es->q_ipackets[wp->queue]);
			bs_emit_u64(e, "ethdev_tx", es->q_opackets[wp->queue]);
		}
		bs_emit_obj_close(e);
	}
	bs_emit_list_close(e);
}

static void
emit_ethdev(struct bs_emit *e, const struct rte_eth_stats *es)
{
	bs_emit_obj_open(e, "ethdev");
	bs_emit_u64(e, "ipackets", es->ipackets);
	bs_emit_u64(e, "opackets", es->opackets);
	bs_emit_u64(e, "ibytes", es->ibytes);
	bs_emit_u64(e, "obytes", es->obytes);
	bs_emit_u64(e, "imissed", es->imissed);
	bs_emit_u64(e, "ierrors", es->ierrors);
	bs_emit_u64(e, "oerrors", es->oerrors);
	bs_emit_u64(e, "rx_nombuf", es->rx_nombuf);
	bs_emit_obj_close(e);
}

static void
emit_port(struct app *a, struct bs_emit *e, unsigned int i)
{
	const struct bs_port *p = &a->ports[i];
	struct rte_eth_stats es;
	bool es_ok = rte_eth_stats_get(p->port_id, &es) == 0;
	char buf[96];
	unsigned int j;

	bs_emit_obj_open(e, NULL);
	bs_emit_str(e, "name", p->name);
	bs_emit_u64(e, "port_id", p->port_id);
	snprintf(buf, sizeof(buf), RTE_ETHER_ADDR_PRT_FMT, RTE_ETHER_ADDR_BYTES(&p->mac));
	bs_emit_str(e, "mac", buf);
	bs_emit_u64(e, "nb_queues", p->nb_q);
	bs_emit_bool(e, "rss", p->rss);
	bs_emit_bool(e, "rx_checksum_offload", p->rx_l4_csum);
	bs_emit_bool(e, "tx_checksum_offload", p->tx_csum);
	bs_emit_str(e, "replies_via", a->ports[p->tx_idx].name);
	if (p->unmap_guard) {
		uint64_t waits, timeouts;

		/* bs_port_guard.h: the driver's unmaps wait for the workers */
		bs_port_guard_stats(&waits, &timeouts);
		bs_emit_bool(e, "unmap_guard", bs_port_guard_enabled());
		bs_emit_u64(e, "unmap_guard_waits", waits);
		bs_emit_u64(e, "unmap_guard_timeouts", timeouts);
	}
	bs_emit_list_open(e, "addresses");
	for (j = 0; j < p->addrs.n; j++) {
		bs_addr_format(&p->addrs.a[j], buf, sizeof(buf));
		bs_emit_str(e, NULL, buf);
	}
	bs_emit_list_close(e);
	emit_queues(a, e, i, es_ok ? &es : NULL);
	if (es_ok)
		emit_ethdev(e, &es);
	bs_emit_obj_close(e);
}

int
cli_show_ports(struct app *a, struct bs_cli_call *c)
{
	unsigned int i;

	if (no_args(c) != 0)
		return -1;
	bs_emit_list_open(c->e, "ports");
	for (i = 0; i < a->n_ports; i++)
		emit_port(a, c->e, i);
	bs_emit_list_close(c->e);
	return 0;
}

/* Connections by state (text: the non-zero ones), as a worker counts
 * them for us. */
static void
emit_states(struct app *a, struct bs_emit *e, unsigned int k)
{
	struct bs_worker_ctl_req req = { .op = BS_WORKER_CTL_STATE_COUNTS };
	int rc = bs_worker_ctl_call(&a->workers[k], &req, CLI_CTL_TIMEOUT_MS);
	unsigned int s;

	if (rc == 0)
		rc = req.rc;
	if (rc != 0) {
		bs_emit_str(e, "connections_error", strerror(-rc));
		return;
	}
	bs_emit_obj_open(e, "connections");
	for (s = 1; s < BS_TCP_STATE_MAX; s++)
		if (req.counts[s] != 0 || bs_emit_is_json(e))
			bs_emit_u64(e, bs_tcp_state_name(s), req.counts[s]);
	bs_emit_obj_close(e);
}

int
cli_show_workers(struct app *a, struct bs_cli_call *c)
{
	uint64_t elapsed = rte_get_tsc_cycles() - a->start_tsc;
	unsigned int k;

	if (no_args(c) != 0)
		return -1;
	bs_emit_list_open(c->e, "workers");
	for (k = 0; k < a->n_workers; k++) {
		const struct bs_stats *w = a->wstats[k];
		uint64_t busy = __atomic_load_n(&w->busy_cycles, __ATOMIC_RELAXED);

		bs_emit_obj_open(c->e, NULL);
		bs_emit_u64(c->e, "worker", k);
		bs_emit_u64(c->e, "lcore", a->wlcores[k]);
		bs_emit_u64(c->e, "busy_cycles", busy);
		bs_emit_u64(c->e, "busy_polls",
			__atomic_load_n(&w->busy_polls, __ATOMIC_RELAXED));
		bs_emit_f64(c->e, "busy_percent", elapsed != 0 ?
			100.0 * (double)busy / (double)elapsed : 0.0);
		bs_emit_u64(c->e, "rx", __atomic_load_n(&w->cnt[BS_CNT_RxFrames],
			__ATOMIC_RELAXED));
		bs_emit_u64(c->e, "tx", __atomic_load_n(&w->cnt[BS_CNT_TxFrames],
			__ATOMIC_RELAXED));
		emit_states(a, c->e, k);
		bs_emit_obj_close(c->e);
	}
	bs_emit_list_close(c->e);
	return 0;
}

static void
listener_addr(const struct bs_listener_conf *l, char *buf, size_t len)
{
	if (l->any)
		snprintf(buf, len, "%s", l->family == AF_INET ? "0.0.0.0" :
			l->family == AF_INET6 ? "::" : "any");
	else if (l->family == AF_INET)
		inet_ntop(AF_INET, l->addr + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, l->addr, buf, (socklen_t)len);
}

int
cli_show_listeners(struct app *a, struct bs_cli_call *c)
{
	const struct bs_config *conf = a->conf;
	char buf[INET6_ADDRSTRLEN];
	unsigned int i;

	if (no_args(c) != 0)
		return -1;
	bs_emit_list_open(c->e, "listeners");
	for (i = 0; i < conf->n_listeners; i++) {
		const struct bs_listener_conf *l = &conf->listeners[i];

		listener_addr(l, buf, sizeof(buf));
		bs_emit_obj_open(c->e, NULL);
		bs_emit_str(c->e, "name", l->name);
		bs_emit_str(c->e, "address", buf);
		bs_emit_u64(c->e, "port", l->port);
		bs_emit_str(c->e, "app", bs_app_name(l->app) != NULL ?
			bs_app_name(l->app) : "");
		bs_emit_u64(c->e, "backlog", bs_listener_backlog(conf, l));
		bs_emit_obj_close(c->e);
	}
	bs_emit_list_close(c->e);
	return 0;
}

/* show config: one object per section, opened as the walk reaches it. */
struct config_walk {
	struct bs_emit *e;
	const char *section;
	const char *name;
};

static void
config_key(void *arg, const char *section, const char *name, const char *key,
		const char *value)
{
	struct config_walk *w = arg;
	char label[128];

	if (w->section != section || w->name != name) {
		if (w->section != NULL)
			bs_emit_obj_close(w->e);
		snprintf(label, sizeof(label), "%s%s%s", section, name != NULL ? " " : "",
			name != NULL ? name : "");
		bs_emit_obj_open(w->e, label);
		w->section = section;
		w->name = name;
	}
	bs_emit_str(w->e, key, value);
}

int
cli_show_config(struct app *a, struct bs_cli_call *c)
{
	struct config_walk w = { .e = c->e };

	if (no_args(c) != 0)
		return -1;
	bs_emit_str(c->e, "source", a->conf->source);
	bs_config_walk(a->conf, true, config_key, &w);
	if (w.section != NULL)
		bs_emit_obj_close(c->e);
	return 0;
}
