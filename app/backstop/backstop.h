/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BACKSTOP_APP_H
#define BACKSTOP_APP_H

#include <stdbool.h>
#include <stdio.h>

#include "bs_config.h"

/** Application options (after EAL's, behind `--`). */
struct app_opts {
	double duration_s;		/**< stop after this long; 0 = until a signal */
	const char *stats_json;		/**< write final counters as JSON here */
	const char *config_file;	/**< --config (NULL: the built-in one) */
	int argc;			/**< the application's arguments, */
	char **argv;			/**< for --set again on SIGHUP */
};

/** Read the configuration as the command line says: the file (or the
 * built-in one), then every --set, then the cross-key checks. SIGHUP does
 * it again. @return 0, or -1 with a message */
int app_config_read(struct bs_config *conf, const struct app_opts *o, char *err,
		size_t errlen);

/** Bring everything up, run until a signal or the duration, tear down. */
int app_run(const struct bs_config *conf, const struct app_opts *opts);

struct bs_metrics;
struct bs_metrics_conf;

/*
 * Observability (obs.c): the metrics snapshot, telemetry commands and the
 * Prometheus exporter. Control thread only.
 */
/** After the workers exist. @return 0, or -1 with a message */
int obs_open(const struct bs_config *conf, const struct bs_metrics_conf *mc, char *err,
		size_t errlen);
/** Every loop iteration: refresh, publish, serve HTTP. */
void obs_tick(void);
/** The snapshot (NULL before obs_open). */
struct bs_metrics *obs_metrics(void);
/** After the workers stopped: the last snapshot, then free. */
void obs_close(void);

/** Write docs/reference.md: keys, reasons and counters from their lists. */
void app_write_reference(FILE *f);

/** Write the generated part of docs/resets.md: reasons and counters by row. */
void app_write_resets(FILE *f);

#endif
