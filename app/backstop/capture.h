/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BACKSTOP_CAPTURE_H
#define BACKSTOP_CAPTURE_H

/*
 * The appliance's capture: at most one session at a time. Control thread
 * only. The CLI's `capture start|stop` and `show capture` call these.
 */

#include <stdbool.h>
#include <stdio.h>

#include "bs_capture.h"
#include "bs_config.h"
#include "bs_worker.h"

struct app_capture {
	/* set once, at bring-up */
	const struct bs_config *conf;	/* [capture] ring, mbufs */
	struct bs_worker *workers;
	unsigned int n_workers;
	const char *const *port_names;
	unsigned int n_ports;
	bool running;			/* the workers are launched */
	/* the session */
	struct bs_capture *s;		/* NULL: not capturing */
	char file[256];
	bool stopped_by_limit;
	/* the last session, once stopped */
	bool has_last;
	char last_file[256];
	struct bs_capture_status last;
};

/** Is the configuration's [capture] filter valid? @return 0, or -1 with a message */
int app_capture_check(const struct bs_config *c, char *err, size_t errlen);

/** Start capturing into @p file: with @p dir (the CLI's [capture] dir), a
 *  new file in that directory (bs_capture_params). @return 0, or -1 with a
 *  one-line message (nothing changed) */
int app_capture_start(struct app_capture *ac, const char *file, const char *dir,
		const struct bs_capture_filter *f, char *err, size_t errlen);

/** Stop: the workers let go, what they queued is written, the file closed.
 *  @return 0, or -1 with a message (the session is closed anyway) */
int app_capture_stop(struct app_capture *ac, char *err, size_t errlen);

/** Control loop: drain the rings; stop at a limit or a write error. */
void app_capture_poll(struct app_capture *ac);

/** The running session's status (true), else the last one's (false;
 *  unset when there was none: ac->has_last). */
bool app_capture_status(const struct app_capture *ac, struct bs_capture_status *st);

/** One line: the running or last session, nothing when there was none. */
void app_capture_print(FILE *f, const struct app_capture *ac);

#endif
