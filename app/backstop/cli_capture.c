/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * capture start|stop and show capture: the CLI over app_capture
 * (capture.c), which hands the workers their taps by control requests.
 */
#include <errno.h>
#include <string.h>

#include "cli.h"

static void
emit_status(struct bs_emit *e, bool running, const struct bs_capture_status *st)
{
	bs_emit_bool(e, "running", running);
	bs_emit_str(e, "file", st->file);
	bs_emit_str(e, "filter", st->filter);
	bs_emit_u64(e, "packets", st->packets);
	bs_emit_u64(e, "bytes", st->bytes);
	bs_emit_u64(e, "lost", st->lost);
	bs_emit_u64(e, "past_limit", st->limit_skipped);
	bs_emit_bool(e, "limit_reached", st->limit_reached);
	bs_emit_str(e, "write_error", st->write_errno != 0 ? strerror(st->write_errno) : "");
}

int
cli_capture_start(struct app *a, struct bs_cli_call *c)
{
	struct bs_capture_filter f;
	struct bs_capture_status st;
	char err[512];

	if (c->argc < 1)
		return bs_cli_fail(c, "capture start needs a FILE");
	if (a->conf->capture.dir[0] == '\0')
		return bs_cli_fail(c, "capture start is off here: [capture] dir is empty");
	if (bs_capture_filter_parse(&f, (unsigned int)c->argc - 1,
			(const char *const *)c->argv + 1, err, sizeof(err)) != 0)
		return bs_cli_fail(c, "%s", err);
	if (app_capture_start(&a->cap, c->argv[0], a->conf->capture.dir, &f, err,
			sizeof(err)) != 0)
		return bs_cli_fail(c, "%s", err);
	app_capture_status(&a->cap, &st);
	emit_status(c->e, true, &st);
	return 0;
}

int
cli_capture_stop(struct app *a, struct bs_cli_call *c)
{
	struct bs_capture_status st;
	char err[512];
	int rc;

	if (c->argc != 0)
		return bs_cli_fail(c, "unexpected argument '%s'", c->argv[0]);
	if (a->cap.s == NULL)
		return bs_cli_fail(c, "not capturing");
	rc = app_capture_stop(&a->cap, err, sizeof(err));
	app_capture_status(&a->cap, &st);
	emit_status(c->e, false, &st);
	/* The session is closed either way; a worker that did not answer
	 * is worth a line. */
	if (rc != 0)
		bs_emit_str(c->e, "warning", err);
	return 0;
}

int
cli_show_capture(struct app *a, struct bs_cli_call *c)
{
	struct bs_capture_status st;
	bool running;

	if (c->argc != 0)
		return bs_cli_fail(c, "unexpected argument '%s'", c->argv[0]);
	running = app_capture_status(&a->cap, &st);
	if (!running && !a->cap.has_last) {
		bs_emit_bool(c->e, "running", false);
		return 0;
	}
	emit_status(c->e, running, &st);
	return 0;
}
