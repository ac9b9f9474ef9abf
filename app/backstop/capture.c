/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture sessions of the appliance: one at a time, started from the
 * configuration ([capture] file) or the control thread's C API, drained
 * by the control loop, stopped by a limit, a call or the exit.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <rte_lcore.h>

#include "capture.h"

/* A worker answers between two polls: microseconds. */
#define CTL_TIMEOUT_MS 200

int
app_capture_check(const struct bs_config *c, char *err, size_t errlen)
{
	struct bs_capture_filter f;
	char msg[256];

	if (bs_capture_filter_parse_str(&f, c->capture.filter, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "%s: [capture] filter: %s", c->source, msg);
		return -1;
	}
	return 0;
}

int
app_capture_start(struct app_capture *ac, const char *file, const char *dir,
		const struct bs_capture_filter *f, char *err, size_t errlen)
{
	struct bs_capture_params p = {
		.file = file,
		.dir = dir,
		.filter = *f,
		.n_workers = ac->n_workers,
		.n_ports = ac->n_ports,
		.port_names = ac->port_names,
		.ring_size = ac->conf->capture.ring,
		.mbufs = ac->conf->capture.mbufs,
		.socket = (int)rte_socket_id(),
	};
	struct bs_capture *s;
	int rc = 0;

	if (ac->s != NULL) {
		snprintf(err, errlen, "capture: already capturing into %s (capture stop first)",
			ac->file);
		return -1;
	}
	s = bs_capture_open(&p, err, errlen);
	if (s == NULL)
		return -1;
	if (!ac->running)
		bs_worker_capture_attach(ac->workers, ac->n_workers, s);
	else
		rc = bs_worker_capture_start(ac->workers, ac->n_workers, s, CTL_TIMEOUT_MS,
			err, errlen);
	snprintf(ac->file, sizeof(ac->file), "%s", bs_capture_file(s));
	if (rc != 0) {
		bs_capture_close(s, rc == -2);
		remove(ac->file);
		return -1;
	}
	ac->s = s;
	ac->stopped_by_limit = false;
	return 0;
}

int
app_capture_stop(struct app_capture *ac, char *err, size_t errlen)
{
	int rc;

	if (ac->s == NULL) {
		snprintf(err, errlen, "capture: not capturing");
		return -1;
	}
	rc = bs_worker_capture_stop(ac->workers, ac->n_workers, CTL_TIMEOUT_MS, err, errlen);
	/* What the workers queued before they let go is written now. */
	bs_capture_poll(ac->s);
	bs_capture_status(ac->s, &ac->last);
	snprintf(ac->last_file, sizeof(ac->last_file), "%s", ac->file);
	ac->last.file = ac->last_file;
	ac->has_last = true;
	bs_capture_close(ac->s, rc != 0);
	ac->s = NULL;
	return rc;
}

void
app_capture_poll(struct app_capture *ac)
{
	char err[256];

	if (ac->s == NULL || !bs_capture_poll(ac->s))
		return;
	/* A limit or a write error: the capture ends here. */
	if (app_capture_stop(ac, err, sizeof(err)) != 0)
		fprintf(stderr, "backstop: %s\n", err);
	ac->stopped_by_limit = true;
	app_capture_print(stdout, ac);
	fflush(stdout);
}

bool
app_capture_status(const struct app_capture *ac, struct bs_capture_status *st)
{
	if (ac->s != NULL) {
		bs_capture_status(ac->s, st);
		return true;
	}
	if (ac->has_last)
		*st = ac->last;
	return false;
}

void
app_capture_print(FILE *f, const struct app_capture *ac)
{
	struct bs_capture_status st;
	bool on = app_capture_status(ac, &st);

	if (!on && !ac->has_last)
		return;
	fprintf(f, "capture: %s %s (%s): %" PRIu64 " packets, %" PRIu64 " bytes, %" PRIu64
		" lost, %" PRIu64 " past the limit%s%s%s\n", on ? "into" : "stopped,",
		st.file, st.filter, st.packets, st.bytes, st.lost, st.limit_skipped,
		st.limit_reached ? ", limit reached" : "",
		st.write_errno != 0 ? ", write error: " : "",
		st.write_errno != 0 ? strerror(st.write_errno) : "");
}
