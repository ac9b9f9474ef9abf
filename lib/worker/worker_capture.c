/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture taps handed to the workers and taken back: a control request
 * each, so a worker changes its own tap between two polls and, once it has
 * answered, no longer touches the old filter, ring or pool.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "bs_worker.h"
#include "bs_worker_ctl.h"

static int
tap_set(struct bs_worker *w, const struct bs_capture_tap *t, unsigned int timeout_ms)
{
	struct bs_worker_ctl_req req;

	memset(&req, 0, sizeof(req));
	req.op = BS_WORKER_CTL_CAPTURE;
	req.cap = *t;
	return bs_worker_ctl_call(w, &req, timeout_ms);
}

int
bs_worker_capture_stop(struct bs_worker *workers, unsigned int n,
		unsigned int timeout_ms, char *err, size_t errlen)
{
	const struct bs_capture_tap off = { 0 };
	unsigned int i;
	int rc, ret = 0;

	for (i = 0; i < n; i++) {
		rc = tap_set(&workers[i], &off, timeout_ms);
		if (rc != 0 && ret == 0) {
			snprintf(err, errlen, "capture: worker %u did not let go of its tap: %s",
				i, strerror(-rc));
			ret = -1;
		}
	}
	return ret;
}

void
bs_worker_capture_attach(struct bs_worker *workers, unsigned int n,
		const struct bs_capture *c)
{
	unsigned int i;

	for (i = 0; i < n; i++)
		bs_capture_tap_of(c, i, &workers[i].cap);
}

int
bs_worker_capture_start(struct bs_worker *workers, unsigned int n,
		const struct bs_capture *c, unsigned int timeout_ms, char *err,
		size_t errlen)
{
	struct bs_capture_tap t;
	unsigned int i;
	int rc;

	for (i = 0; i < n; i++) {
		bs_capture_tap_of(c, i, &t);
		rc = tap_set(&workers[i], &t, timeout_ms);
		if (rc != 0) {
			snprintf(err, errlen, "capture: worker %u did not take its tap: %s",
				i, strerror(-rc));
			/* Worker i may take it late: the stop request queues behind. */
			if (bs_worker_capture_stop(workers, n, timeout_ms, err + strlen(err),
					0) != 0 || rc == -ETIMEDOUT)
				return -2;
			return -1;
		}
	}
	return 0;
}
