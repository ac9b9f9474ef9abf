/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BACKSTOP_APP_STATE_H
#define BACKSTOP_APP_STATE_H

/*
 * The running appliance, as the control thread sees it: ports, workers,
 * configuration and counters. run.c brings it up; the CLI command handlers
 * (cli_*.c) read it. Control thread only: workers never see this struct.
 */

#include <stdbool.h>
#include <stdint.h>

#include "bs_config.h"
#include "bs_net.h"
#include "capture.h"
#include "bs_port.h"
#include "bs_rss.h"
#include "bs_stats.h"

struct bs_ctl_server;
struct bs_worker;

struct app {
	const struct bs_config *conf;
	struct bs_ip_conf ip;
	unsigned int n_ports;
	struct bs_port ports[BS_MAX_PORTS];
	struct bs_rss rss[BS_MAX_PORTS];	/* each port's, for the endpoints */
	const char *port_names[BS_MAX_PORTS];
	unsigned int n_workers;
	struct bs_worker *workers;
	const struct bs_stats **wstats;
	unsigned int *wlcores;
	struct rte_mempool *mp;
	bool mp_thp;			/* its mbufs in transparent huge pages */
	unsigned int mbufs_in_use_start;	/* once the ports started */
	volatile bool stop;
	uint64_t start_tsc;
	/* The CLI (cli.c): its socket, and the `clear stats` baseline, one
	 * per worker, that show stats|resets|drops subtract (the workers'
	 * counters are never written). */
	struct bs_ctl_server *ctl;
	struct bs_stats *stats_base;
	uint64_t stats_base_tsc;		/* 0: never cleared */
	struct app_capture cap;			/* capture.c: at most one session */
};

#endif
