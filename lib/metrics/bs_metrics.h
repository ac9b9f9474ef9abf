/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_METRICS_H
#define BS_METRICS_H

/**
 * @file
 * The metrics snapshot, and what reads it: DPDK telemetry and the
 * Prometheus exporter.
 *
 * The control thread owns the snapshot (struct bs_metrics). On every tick
 * it copies the workers' counters into it (relaxed loads, as bs_stats_sum
 * does), and once a second it asks each worker for what only the owner can
 * read — connections per state and table occupancy (bs_gauges.def) —
 * through control requests (BS_WORKER_CTL_GAUGES): posted to every worker
 * at once, then waited for; a worker never waits for the control thread.
 * It then publishes a copy under a seqlock. Other threads (the telemetry
 * threads of DPDK) read only that published copy (bs_metrics_read()),
 * never a worker's memory, so they may run at any time, even after the
 * workers are gone.
 *
 * Every output walks the same struct bs_snap over the declared lists
 * (bs_counters.def, bs_rst_reason.def, bs_drop.def, bs_tcp_state.def,
 * bs_gauges.def), so they cannot disagree. Counters here are raw and
 * monotonic: the CLI's `clear stats` baseline never touches them.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "bs_gauges.h"
#include "bs_stats.h"
#include "bs_tcp_ep.h"

struct bs_worker;

#define BS_SNAP_NAME_LEN 64
#define BS_SNAP_NO_QUEUE UINT16_MAX

/** One worker in the snapshot. */
struct bs_snap_worker {
	struct bs_stats st;		/**< its counters (derived ones included) */
	uint64_t states[BS_TCP_STATE_MAX];	/**< connections per state */
	uint64_t gauges[BS_GAUGE_MAX];	/**< enum bs_gauge */
	unsigned int lcore;
	bool gauges_ok;			/**< the last gauge request was answered */
	uint16_t queue[BS_MAX_PORTS];	/**< its queue on each port, or
					 *   BS_SNAP_NO_QUEUE (not polled) */
};

/** Stray policies in a snapshot (BS_MAX_POLICIES of bs_config.h). */
#define BS_SNAP_MAX_POLICIES 256

/** One stray policy in force and its counters, summed over the workers. */
struct bs_snap_policy {
	char prefix[48];		/**< "198.18.0.0/24" */
	char action[16];		/**< reply, drop, ratelimit */
	uint32_t pps;			/**< ratelimit: RSTs a second per worker */
	uint64_t replied;		/**< RSTs sent */
	uint64_t dropped;		/**< dropped by a drop policy */
	uint64_t limited;		/**< dropped by the rate limit */
};

/** The snapshot: a plain value, copied whole. */
struct bs_snap {
	uint64_t gen;			/**< refreshes so far */
	uint64_t gauge_gen;		/**< gauge refreshes so far */
	double uptime_s;
	unsigned int n_workers;
	unsigned int n_ports;
	char port_name[BS_MAX_PORTS][BS_SNAP_NAME_LEN];
	char version[32];
	struct bs_stats sum;		/**< every worker's counters */
	uint64_t states[BS_TCP_STATE_MAX];
	uint64_t gauges[BS_GAUGE_MAX];
	unsigned int n_policies;	/**< stray policies in force */
	struct bs_snap_policy policy[BS_SNAP_MAX_POLICIES];
	struct bs_snap_worker w[];	/**< n_workers */
};

/** Bytes of a snapshot of @p n_workers. */
size_t bs_snap_size(unsigned int n_workers);

/** What the metrics cover (the running appliance). */
struct bs_metrics_conf {
	unsigned int n_workers;
	struct bs_worker *workers;	/**< gauges: control requests to them */
	const struct bs_stats *const *wstats;	/**< each worker's counters */
	unsigned int n_ports;
	const char *const *port_names;
	const char *version;
	uint64_t start_tsc;
	unsigned int gauge_period_ms;	/**< 0: 1000 */
	/** The stray policies in force with their counters, written into
	 * @p out (at most @p max); NULL: none. Called by the control thread
	 * with each counter refresh. @return how many */
	unsigned int (*policies)(void *arg, struct bs_snap_policy *out, unsigned int max);
	void *policies_arg;
};

struct bs_metrics;

/**
 * Control thread, after the workers and their control requests exist
 * (bs_worker_ctl_init()). The first snapshot is published at once
 * (counters; gauges from the first bs_metrics_tick()).
 * @return the metrics, or NULL (out of memory)
 */
struct bs_metrics *bs_metrics_create(const struct bs_metrics_conf *c);

/** Control thread. The published copy stays readable (its last values). */
void bs_metrics_free(struct bs_metrics *m);

/**
 * Control thread, every loop iteration: counters now, gauges when a
 * period passed (or @p force_gauges), then publish. @p live: the workers
 * run (gauges through control requests); false: they stopped (read
 * directly).
 */
void bs_metrics_tick(struct bs_metrics *m, bool force_gauges, bool live);

/** The control thread's own snapshot (fresh after bs_metrics_tick()). */
const struct bs_snap *bs_metrics_snap(const struct bs_metrics *m);

/**
 * Any thread: a copy of the last published snapshot (free() it), or NULL
 * if none was published or out of memory.
 */
struct bs_snap *bs_metrics_read(void);

/**
 * Register the /backstop/... commands of DPDK telemetry; they read
 * bs_metrics_read(). Once per process, after rte_eal_init().
 * @return 0, or a negative errno
 */
int bs_metrics_telemetry_register(void);

/** A growing text buffer (bs_prom_render's output). */
struct bs_buf {
	char *p;
	size_t len;
	size_t cap;
	bool oom;	/**< an append failed: the text is incomplete */
};

void bs_buf_printf(struct bs_buf *b, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
void bs_buf_free(struct bs_buf *b);

/**
 * Render @p s in the Prometheus text exposition format (version 0.0.4),
 * metric names `backstop_...` with HELP and TYPE lines. Any thread.
 */
void bs_prom_render(const struct bs_snap *s, struct bs_buf *b);

/** The metric families as a Markdown table (docs/reference.md). */
void bs_prom_write_md(FILE *f);

/* The HTTP exporter: GET /metrics. Control thread only. */
struct bs_prom_server;

/**
 * Listen on @p addr: "HOST:PORT", "[IPV6]:PORT" ("" : none; the caller
 * skips it). Non-blocking; served by bs_prom_poll().
 * @return the server, or NULL with a one-line message in @p err
 */
struct bs_prom_server *bs_prom_open(const char *addr, struct bs_metrics *m,
		char *err, size_t errlen);

/**
 * Serve what is ready without waiting: accept, read requests (at most
 * BS_PROM_REQ_MAX bytes of head), answer, write, and close clients that are
 * done or too slow. The metrics are refreshed (counters) before a reply.
 */
void bs_prom_poll(struct bs_prom_server *s);

/** The bound port (tests bind port 0). */
unsigned int bs_prom_port(const struct bs_prom_server *s);

void bs_prom_close(struct bs_prom_server *s);

#define BS_PROM_REQ_MAX 4096		/**< bytes of a request head */
#define BS_PROM_CLIENTS_MAX 16		/**< clients at once */
#define BS_PROM_CLIENT_TIMEOUT_MS 5000	/**< from accept to the last byte sent */

#endif /* BS_METRICS_H */
