/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Bring-up and the control loop: ports, mempool, workers, announcements,
 * signals and counters. The main lcore is the control thread; every other
 * lcore runs one worker.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_random.h>

#include "app.h"
#include "backstop.h"
#include "capture.h"
#include "cli.h"
#include "bs_l3reply.h"
#include "bs_log.h"
#include "bs_metrics.h"
#include "bs_port.h"
#include "bs_port_guard.h"
#include "bs_tcp_ep.h"
#include "bs_worker.h"
#include "bs_worker_ctl.h"
#include "reconf.h"

static volatile sig_atomic_t sig_stop;
static volatile sig_atomic_t sig_stats;
static volatile sig_atomic_t sig_reload;

static void
on_signal(int sig)
{
	if (sig == SIGUSR1)
		sig_stats = 1;
	else if (sig == SIGHUP)
		sig_reload = 1;
	else
		sig_stop = 1;
}

static void
ip_conf_init(struct bs_ip_conf *ip, const struct bs_config *c)
{
	struct timespec now;

	ip->ttl = (uint8_t)c->ip_default_ttl;
	ip->hop_limit = (uint8_t)c->hop_limit;
	ip->flowlabel_reflect = (uint8_t)c->flowlabel_reflect;
	ip->auto_flowlabels = c->auto_flowlabels == 1 || c->auto_flowlabels == 3;
	ip->flow_secret = (uint32_t)rte_rand();
	ip->tsc_hz = rte_get_tsc_hz();
	ip->tsc0 = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &now);
	ip->utc_ms0 = (uint64_t)now.tv_sec * 1000 + (uint64_t)now.tv_nsec / 1000000;
}

static int
port_index(const struct app *a, const char *name)
{
	unsigned int i;

	for (i = 0; i < a->n_ports; i++)
		if (strcmp(a->ports[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* Find every configured port; a reply port caps the queues of the ports
 * that send through it. */
static int
ports_probe(struct app *a, char *err, size_t errlen)
{
	unsigned int i;

	a->n_ports = a->conf->n_ports;
	if (a->n_ports == 0) {
		snprintf(err, errlen, "%s: no [port NAME] section: nothing to serve",
			a->conf->source);
		return -1;
	}
	for (i = 0; i < a->n_ports; i++) {
		if (bs_port_probe(&a->ports[i], &a->conf->ports[i], a->n_workers,
				err, errlen) != 0)
			return -1;
		a->port_names[i] = a->ports[i].name;
		if (a->ports[i].unmap_guard && !bs_port_guard_enabled() &&
				bs_port_guard_enable() != 0)
			BS_LOG(WARNING, app, "port %s: no private expedited membarrier in this "
				"kernel: its peer's disconnect may fault a worker "
				"(docs/operations.md, memif)", a->ports[i].name);
	}
	for (i = 0; i < a->n_ports; i++) {
		struct bs_port *p = &a->ports[i];
		int t = p->conf->tx_port[0] != '\0' ? port_index(a, p->conf->tx_port) : (int)i;

		p->tx_idx = (uint16_t)t;
		if (a->ports[t].nb_q < p->nb_q) {
			p->nb_q = a->ports[t].nb_q;
			p->rss = p->nb_q > 1;
		}
	}
	return 0;
}

static int
mempool_create(struct app *a, char *err, size_t errlen)
{
	const struct bs_config *c = a->conf;
	uint32_t need = bs_port_mbufs_needed(a->ports, a->n_ports, a->n_workers,
		c->burst, c->mbuf_cache);
	bool thp_ok = c->mbuf_thp != 0, thp;
	uint32_t n, i;

	/* Connections hold mbufs in their queues: a share for them when
	 * there is anything to connect to. */
	if (c->n_listeners != 0 || c->n_clients != 0)
		need += 8192;
	n = c->mbufs != 0 ? c->mbufs : need;

	if (n < need) {
		snprintf(err, errlen, "[backstop] mbufs = %u is too few: %u port(s) with "
			"these queues and descriptors and %u worker(s) need at least %u",
			n, a->n_ports, a->n_workers, need);
		return -1;
	}
	for (i = 0; i < a->n_ports; i++)
		thp_ok &= !a->ports[i].dma;
	a->mp = bs_mbuf_pool_create("bs_mbufs", n, c->mbuf_cache,
		(int)rte_socket_id(), thp_ok, &thp);
	if (a->mp == NULL) {
		snprintf(err, errlen, "cannot create a pool of %u mbufs (%s); with "
			"--no-huge give EAL more memory (-m), or lower rx_desc/tx_desc",
			n, rte_strerror(rte_errno));
		return -1;
	}
	a->mp_thp = thp;
	printf("backstop: %u mbufs, %u worker(s); mbuf memory: %s\n", n, a->n_workers,
		thp ? "transparent huge pages" : "EAL");
	return 0;
}

static void
worker_init(struct app *a, struct bs_worker *w, unsigned int k, unsigned int lcore)
{
	unsigned int i;

	w->lcore = lcore;
	w->index = k;
	w->burst = (uint16_t)a->conf->burst;
	w->ip = &a->ip;
	w->stop = &a->stop;
	w->pool = a->mp;
	w->n_workers = a->n_workers;
	bs_neigh_init(&w->neigh);
	w->n_ports = a->n_ports;
	for (i = 0; i < a->n_ports; i++) {
		const struct bs_port *p = &a->ports[i];
		struct bs_worker_port *wp = &w->ports[i];

		wp->port_id = p->port_id;
		wp->queue = (uint16_t)(k < p->nb_q ? k : 0);
		wp->polled = k < p->nb_q;
		wp->rx_ip_csum = p->rx_ip_csum;
		wp->rx_l4_csum = p->rx_l4_csum;
		wp->tx_csum = p->tx_csum;
		wp->prefetch = p->prefetch;
		wp->tx_idx = (uint8_t)p->tx_idx;
		wp->idx = (uint8_t)i;
		wp->mac = p->mac;
		wp->addrs = &p->addrs;
	}
}

/* The worker's TCP endpoint: its connections, listeners and clients. */
static int
endpoint_create(struct app *a, struct bs_worker *w, char *err, size_t errlen)
{
	static struct rte_ether_addr macs[BS_MAX_PORTS];
	struct bs_tcp_ep_conf c = {
		.conf = a->conf,
		.ip = &a->ip,
		.pool = a->mp,
		.stats = &w->stats,
		.tx = bs_worker_ep_tx,
		.resolve = bs_worker_ep_resolve,
		.hold = bs_worker_ep_hold,
		.tx_arg = w,
		.worker = w->index,
		.n_workers = a->n_workers,
		.socket = (int)rte_lcore_to_socket_id(w->lcore),
		.tsc_hz = rte_get_tsc_hz(),
		.port_mac = macs,
		.rss = a->rss,
		.n_ports = a->n_ports,
	};
	unsigned int i;

	for (i = 0; i < a->n_ports; i++) {
		macs[i] = a->ports[i].mac;
		a->rss[i] = a->ports[i].rss_model;
	}
	w->ep = bs_tcp_ep_create(&c, err, errlen);
	if (w->ep == NULL)
		return -1;
	if (w->index == 0)
		bs_tcp_ep_write_memory(stdout, w->ep);
	return 0;
}

static int
workers_create(struct app *a, char *err, size_t errlen)
{
	unsigned int lcore, k = 0;

	a->workers = rte_zmalloc("bs_workers", sizeof(*a->workers) * a->n_workers,
		RTE_CACHE_LINE_SIZE);
	a->wstats = calloc(a->n_workers, sizeof(*a->wstats));
	a->wlcores = calloc(a->n_workers, sizeof(*a->wlcores));
	if (a->workers == NULL || a->wstats == NULL || a->wlcores == NULL) {
		snprintf(err, errlen, "out of memory for %u workers", a->n_workers);
		return -1;
	}
	RTE_LCORE_FOREACH_WORKER(lcore) {
		worker_init(a, &a->workers[k], k, lcore);
		a->wstats[k] = &a->workers[k].stats;
		a->wlcores[k] = lcore;
		if (endpoint_create(a, &a->workers[k], err, errlen) != 0)
			return -1;
		k++;
	}
	if (bs_worker_ctl_init(a->workers, a->n_workers, err, errlen) != 0)
		return -1;
	return bs_worker_neigh_share(a->workers, a->n_workers, err, errlen);
}

/* Gratuitous ARP and unsolicited NA for each host address, as Linux does
 * when an address comes up; AnyIP prefixes are not announced. */
static void
announce(struct app *a)
{
	uint8_t frame[128];
	unsigned int i, j;

	for (i = 0; i < a->n_ports; i++) {
		struct bs_port *p = &a->ports[i];

		for (j = 0; j < p->addrs.n; j++) {
			const struct bs_addr *ad = &p->addrs.a[j];
			uint32_t len;

			if (ad->anyip)
				continue;
			if (ad->family == 4)
				len = bs_arp_gratuitous(frame, &p->mac, ad->vlan, ad->v4);
			else
				len = bs_nd_unsolicited(frame, &p->mac, ad->vlan, ad->v6);
			if (bs_port_send_raw(p, a->mp, frame, len) != 0)
				BS_LOG(WARNING, port, "port %s: announcement not sent",
					p->name);
		}
	}
}

/* What RSS hashes in a TCP segment of a family. */
static const char *
rss_fields(const struct bs_rss *r, bool v4)
{
	if (bs_rss_hashes_ports(r, v4))
		return "addresses and ports";
	return (r->fields & (v4 ? BS_RSS_V4_L3 : BS_RSS_V6_L3)) ? "addresses only" : "nothing";
}

static void
print_ports(const struct app *a)
{
	unsigned int i, j;
	char buf[96];

	for (i = 0; i < a->n_ports; i++) {
		const struct bs_port *p = &a->ports[i];

		printf("backstop: port %s (id %u) " RTE_ETHER_ADDR_PRT_FMT
			", %u queue(s)%s, checksum offload rx %s tx %s, prefetch %s%s, replies via %s\n",
			p->name, p->port_id, RTE_ETHER_ADDR_BYTES(&p->mac), p->nb_q,
			p->rss ? " with RSS" : "", p->rx_l4_csum ? "on" : "off",
			p->tx_csum ? "on" : "off", p->prefetch ? "on" : "off",
			p->unmap_guard && bs_port_guard_enabled() ? ", unmap guard on" : "",
			a->ports[p->tx_idx].name);
		if (p->rss)
			printf("backstop:   RSS of TCP over IPv4: %s, over IPv6: %s; "
				"redirection table of %u\n", rss_fields(&p->rss_model, true),
				rss_fields(&p->rss_model, false), p->rss_model.reta_size);
		for (j = 0; j < p->addrs.n; j++) {
			bs_addr_format(&p->addrs.a[j], buf, sizeof(buf));
			printf("backstop:   %s %s\n", p->addrs.a[j].anyip ? "anyip" : "address",
				buf);
		}
	}
}

static void
stats_report(const struct app *a, struct bs_stats_report *r)
{
	r->n_workers = a->n_workers;
	r->workers = a->wstats;
	r->worker_lcores = a->wlcores;
	r->n_ports = a->n_ports;
	r->port_names = a->port_names;
	r->tsc_hz = rte_get_tsc_hz();
	r->uptime_s = (double)(rte_get_tsc_cycles() - a->start_tsc) / (double)r->tsc_hz;
	r->mbufs = a->mp != NULL ? a->mp->size : 0;
	r->mbufs_in_use = a->mp != NULL ? rte_mempool_in_use_count(a->mp) : 0;
	r->mbufs_in_use_start = a->mbufs_in_use_start;
	r->mbufs_thp = a->mp_thp;
}

static int
write_json(const struct app *a, const char *path)
{
	struct bs_stats_report r;
	FILE *f = fopen(path, "w");

	if (f == NULL) {
		BS_LOG(ERR, app, "%s: %s", path, strerror(errno));
		return -1;
	}
	stats_report(a, &r);
	bs_stats_write_json(f, &r);
	return fclose(f) == 0 ? 0 : -1;
}

#define CTL_TIMEOUT_MS 100

/*
 * Connections by state, summed over the workers. While they run, each
 * worker counts its own (a control request: no read of another core's
 * table); once they stopped (@p live false) the counts are read directly.
 */
static void
print_states(const struct app *a, bool live)
{
	uint64_t sum[BS_TCP_STATE_MAX] = { 0 };
	struct bs_worker_ctl_req req;
	unsigned int i, s;
	bool any = false;

	for (i = 0; i < a->n_workers; i++) {
		struct bs_worker *w = &a->workers[i];
		int rc = 0;

		if (w->ep == NULL)
			continue;
		memset(&req, 0, sizeof(req));
		req.op = BS_WORKER_CTL_STATE_COUNTS;
		if (live)
			rc = bs_worker_ctl_call(w, &req, CTL_TIMEOUT_MS);
		else
			bs_tcp_ep_state_counts(w->ep, req.counts);
		if (rc != 0) {
			printf("connections: worker %u did not answer (%s)\n", i, strerror(-rc));
			continue;
		}
		for (s = 0; s < BS_TCP_STATE_MAX; s++)
			sum[s] += req.counts[s];
	}
	printf("connections:");
	for (s = 0; s < BS_TCP_STATE_MAX; s++)
		if (sum[s] != 0) {
			printf(" %s %" PRIu64, bs_tcp_state_name(s), sum[s]);
			any = true;
		}
	printf("%s\n", any ? "" : " none");
}

/* The control thread's loop: signals, counters, the optional deadline. */
static void
control_loop(struct app *a, const struct app_opts *opts)
{
	double duration_s = opts->duration_s;
	const struct timespec tick = { .tv_nsec = 20 * 1000 * 1000 };
	uint64_t deadline = duration_s > 0 ? a->start_tsc +
		(uint64_t)(duration_s * (double)rte_get_tsc_hz()) : UINT64_MAX;
	struct bs_stats_report r;

	while (!sig_stop && rte_get_tsc_cycles() < deadline) {
		/* The CLI answers within a tick: its poll() is the sleep. */
		if (a->ctl != NULL)
			cli_poll(a, (int)(tick.tv_nsec / 1000000));
		else
			nanosleep(&tick, NULL);
		obs_tick();
		app_capture_poll(&a->cap);
		if (sig_stats) {
			sig_stats = 0;
			stats_report(a, &r);
			bs_stats_write_text(stdout, &r);
			print_states(a, true);
			reconf_write_policies(stdout);
			fflush(stdout);
		}
		if (sig_reload) {
			sig_reload = 0;
			reconf_reload(opts);
		}
		reconf_poll();
	}
}

/* The stray policies in force for the metrics snapshot: the same sums
 * `show policies` prints (reconf_policies()). */
static unsigned int
metrics_policies(void *arg, struct bs_snap_policy *out, unsigned int max)
{
	static struct reconf_policy_info info[BS_SNAP_MAX_POLICIES];
	unsigned int i, n;

	(void)arg;
	n = reconf_policies(info, RTE_MIN(max, (unsigned int)BS_SNAP_MAX_POLICIES));
	for (i = 0; i < n; i++) {
		bs_policy_prefix_format(&info[i].p, out[i].prefix, sizeof(out[i].prefix));
		snprintf(out[i].action, sizeof(out[i].action), "%s",
			bs_stray_action_name(info[i].p.action));
		out[i].pps = info[i].p.action == BS_STRAY_RATELIMIT ? info[i].p.pps : 0;
		out[i].replied = info[i].replied;
		out[i].dropped = info[i].dropped;
		out[i].limited = info[i].limited;
	}
	return n;
}

/* The metrics snapshot, telemetry and Prometheus (obs.c). */
static int
metrics_open(const struct app *a, char *err, size_t errlen)
{
	struct bs_metrics_conf mc = {
		.policies = metrics_policies,
		.n_workers = a->n_workers,
		.workers = a->workers,
		.wstats = a->wstats,
		.n_ports = a->n_ports,
		.port_names = a->port_names,
		.version = BS_VERSION,
		.start_tsc = a->start_tsc,
	};

	return obs_open(a->conf, &mc, err, errlen);
}

/* [capture] file: a capture from the start, once the workers run. */
static int
capture_at_start(struct app *a, char *err, size_t errlen)
{
	struct bs_capture_filter f;

	a->cap.conf = a->conf;
	a->cap.workers = a->workers;
	a->cap.n_workers = a->n_workers;
	a->cap.port_names = a->port_names;
	a->cap.n_ports = a->n_ports;
	if (a->conf->capture.file[0] == '\0')
		return 0;
	if (bs_capture_filter_parse_str(&f, a->conf->capture.filter, err, errlen) != 0)
		return -1;
	return app_capture_start(&a->cap, a->conf->capture.file, NULL, &f, err, errlen);
}

static int
bring_up(struct app *a, char *err, size_t errlen)
{
	unsigned int i;

	if (ports_probe(a, err, errlen) != 0 || mempool_create(a, err, errlen) != 0)
		return -1;
	for (i = 0; i < a->n_ports; i++)
		if (bs_port_start(&a->ports[i], a->mp, err, errlen) != 0)
			return -1;
	if (workers_create(a, err, errlen) != 0 ||
			reconf_init(a->workers, a->n_workers, a->conf, &a->conf, err, errlen) != 0 ||
			cli_open(a, err, errlen) != 0)
		return -1;
	print_ports(a);
	a->mbufs_in_use_start = rte_mempool_in_use_count(a->mp);
	if (a->conf->announce)
		announce(a);
	return 0;
}

int
app_run(const struct bs_config *conf, const struct app_opts *opts)
{
	struct bs_stats_report r;
	struct app *a;
	char err[1024];
	unsigned int i;
	int rc = 0;

	a = calloc(1, sizeof(*a));
	if (a == NULL)
		return -1;
	a->conf = conf;
	if (rte_lcore_count() < 2) {
		BS_LOG(ERR, app, "need at least 2 lcores (e.g. -l 0,1): the main "
			"lcore is the control thread, every other one runs a worker");
		free(a);
		return -1;
	}
	a->n_workers = rte_lcore_count() - 1;
	ip_conf_init(&a->ip, conf);
	if (bring_up(a, err, sizeof(err)) != 0) {
		BS_LOG(ERR, app, "%s", err);
		for (i = 0; i < a->n_ports; i++)
			if (rte_eth_dev_is_valid_port(a->ports[i].port_id))
				rte_eth_dev_stop(a->ports[i].port_id);
		rc = -1;
		goto out;
	}

	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGUSR1, on_signal);
	signal(SIGHUP, on_signal);
	a->start_tsc = rte_get_tsc_cycles();
	if (metrics_open(a, err, sizeof(err)) != 0) {
		BS_LOG(ERR, app, "%s", err);
		for (i = 0; i < a->n_ports; i++)
			bs_port_close(&a->ports[i]);
		rc = -1;
		goto out;
	}
	if (capture_at_start(a, err, sizeof(err)) != 0) {
		fprintf(stderr, "backstop: %s\n", err);
		obs_close();
		rc = -1;
		goto down;
	}
	for (i = 0; i < a->n_workers; i++)
		rte_eal_remote_launch(bs_worker_main, &a->workers[i], a->wlcores[i]);
	a->cap.running = true;
	printf("backstop: running (SIGUSR1 prints counters, Ctrl-C stops)\n");
	fflush(stdout);

	control_loop(a, opts);
	cli_close(a);
	if (a->cap.s != NULL && app_capture_stop(&a->cap, err, sizeof(err)) != 0)
		fprintf(stderr, "backstop: %s\n", err);
	__atomic_store_n(&a->stop, true, __ATOMIC_RELAXED);
	rte_eal_mp_wait_lcore();
	obs_close();

	stats_report(a, &r);
	bs_stats_write_text(stdout, &r);
	print_states(a, false);
	app_capture_print(stdout, &a->cap);
	reconf_write_policies(stdout);
	if (opts->stats_json != NULL && write_json(a, opts->stats_json) != 0)
		rc = -1;
down:
	for (i = 0; i < a->n_ports; i++)
		bs_port_close(&a->ports[i]);
out:
	cli_close(a);
	for (i = 0; a->workers != NULL && i < a->n_workers; i++)
		bs_tcp_ep_free(a->workers[i].ep);
	reconf_fini();
	if (a->workers != NULL) {
		bs_worker_neigh_unshare(a->workers, a->n_workers);
		bs_worker_ctl_fini(a->workers, a->n_workers);
	}
	rte_free(a->workers);
	free(a->wstats);
	free(a->wlcores);
	if (a->mp != NULL)
		rte_mempool_free(a->mp);
	free(a);
	return rc;
}
