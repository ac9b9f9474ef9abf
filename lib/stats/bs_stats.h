/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_STATS_H
#define BS_STATS_H

/**
 * @file
 * Per-worker counters and the one collector that reads them.
 *
 * Each worker owns one struct bs_stats and is its only writer; it bumps
 * counters with bs_cnt_add(), a relaxed store that costs what a plain
 * increment costs. The control thread reads any worker's counters at any
 * time with relaxed loads (bs_stats_sum()), without stopping it. "Clearing"
 * is a reader-side baseline; nobody writes another core's counters.
 *
 * Every output (text, JSON; later CLI, telemetry, Prometheus) is produced
 * from the same sum by walking the declared lists, so they cannot disagree.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

#include "bs_drop.h"
#include "bs_rst_reason.h"

#define BS_MAX_PORTS 8

enum bs_counter {
#define BS_COUNTER(name, help) BS_CNT_##name,
#include "bs_counters.def"
#undef BS_COUNTER
	BS_CNT_MAX
};

/** One worker's view of one port: its RX/TX queue pair. */
struct bs_port_counters {
	uint64_t rx;		/**< frames received */
	uint64_t tx;		/**< frames sent */
};

struct bs_stats {
	uint64_t cnt[BS_CNT_MAX];		/**< enum bs_counter */
	uint64_t rst[BS_RST_REASON_MAX];	/**< RSTs sent, per reason */
	uint64_t drop[BS_DROP_MAX];		/**< frames dropped, per reason */
	struct bs_port_counters port[BS_MAX_PORTS];
	uint64_t busy_cycles;	/**< TSC cycles spent on bursts that received frames
				 * and on the TCP endpoint's turns that did work */
	uint64_t busy_polls;	/**< RX polls that returned frames */
} __rte_cache_aligned;

/** Add @p n to a counter owned by the calling lcore. */
static inline void
bs_cnt_add(uint64_t *c, uint64_t n)
{
	__atomic_store_n(c, *c + n, __ATOMIC_RELAXED);
}

/**
 * Rows of shared/spec/linux-rst-matrix.md that a drop reason or counter
 * serves, space-separated ("" none), and a note on them ("" none): the
 * declared list bs_rows.def. Any thread.
 */
const char *bs_drop_rows(unsigned int reason);
const char *bs_drop_rows_note(unsigned int reason);
const char *bs_counter_rows(unsigned int c);
const char *bs_counter_rows_note(unsigned int c);

/** Is @p id (a row id such as "X14") a word of the space-separated @p list? */
bool bs_rows_has(const char *list, const char *id);

/** Name of a counter ("TcpOutRsts"). */
const char *bs_counter_name(unsigned int c);

/** Description of a counter. */
const char *bs_counter_help(unsigned int c);

/** Add a (live) worker's counters into @p sum. Any lcore. */
void bs_stats_sum(struct bs_stats *sum, const struct bs_stats *w);

/** @p a -= @p b, every field (a `clear stats` baseline). Any thread. */
void bs_stats_sub(struct bs_stats *a, const struct bs_stats *b);

/** The families of counters a walk visits (a mask of them). */
enum bs_stat_kind {
	BS_STAT_COUNTER = 1,	/**< bs_counters.def */
	BS_STAT_RESET = 2,	/**< RSTs sent per reason, bs_rst_reason.def */
	BS_STAT_DROP = 4,	/**< frames dropped per reason, bs_drop.def */
};

/** One counter of a walk. */
struct bs_stat {
	enum bs_stat_kind kind;
	unsigned int index;	/**< in its list */
	const char *name;	/**< counter or reason name */
	const char *help;
	uint64_t value;
};

typedef void (*bs_stats_walk_fn)(void *arg, const struct bs_stat *st);

/**
 * Call @p fn on every counter of the @p kinds (a mask of enum
 * bs_stat_kind) in @p s, in list order, zero or not (drop reason 0, "not
 * dropped", is skipped). @p s is a sum (bs_stats_sum()), not a live
 * worker's struct. Any thread. The one walk every output shares.
 */
void bs_stats_walk(const struct bs_stats *s, unsigned int kinds, bs_stats_walk_fn fn,
		void *arg);

/** What a report covers. */
struct bs_stats_report {
	unsigned int n_workers;
	const struct bs_stats *const *workers;	/**< each worker's counters */
	const unsigned int *worker_lcores;
	unsigned int n_ports;
	const char *const *port_names;
	double uptime_s;
	uint64_t tsc_hz;
	/** The mbuf pool: its size (0: none to report), mbufs in use (not in
	 * the pool or a per-lcore cache) now and once the ports had started,
	 * before any frame: a run that leaks none ends where it began. */
	uint64_t mbufs;
	uint64_t mbufs_in_use;
	uint64_t mbufs_in_use_start;
	bool mbufs_thp;		/**< the pool's mbufs in transparent huge pages */
};

/** Human-readable report: non-zero counters, reasons and ports. */
void bs_stats_write_text(FILE *f, const struct bs_stats_report *r);

/** JSON report: every counter and reason, zero or not, per worker too. */
void bs_stats_write_json(FILE *f, const struct bs_stats_report *r);

#endif /* BS_STATS_H */
