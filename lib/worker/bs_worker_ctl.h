/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_WORKER_CTL_H
#define BS_WORKER_CTL_H

/**
 * @file
 * Control requests to a worker: the control thread reads and changes a
 * worker's connections without locks by asking the worker to do it. Each
 * worker has one request slot and a single-producer/single-consumer ring;
 * the control thread posts the slot on the ring, the worker's poll loop
 * (one emptiness check per poll, never per packet) runs it against its
 * own endpoint, copies the result into the slot and sets its completion
 * flag with a release store; the control thread waits with acquire loads,
 * sleeping between them, up to a timeout. A request that timed out stays
 * the worker's until it answers: the caller's memory is never written
 * after bs_worker_ctl_call() returns, and the next call gets -EBUSY until
 * then.
 */

#include <stdint.h>

#include "bs_capture.h"
#include "bs_flow.h"
#include "bs_gauges.h"
#include "bs_tcp_ep.h"

struct bs_worker;

enum bs_worker_ctl_op {
	BS_WORKER_CTL_STATE_COUNTS,	/**< counts[] by enum bs_tcp_state */
	BS_WORKER_CTL_CONN_PAGE,	/**< conns[n] from cursor; cursor moves on */
	BS_WORKER_CTL_DISCONNECT,	/**< bs_tcp_ep_disconnect(flow) */
	BS_WORKER_CTL_ABORT,		/**< bs_tcp_ep_abort(flow, err) */
	BS_WORKER_CTL_GAUGES,		/**< counts[] and gauges[] */
	BS_WORKER_CTL_CAPTURE,		/**< the worker's capture tap := cap */
	BS_WORKER_CTL_CONNECT,		/**< bs_tcp_ep_connect_now(client) */
};

#define BS_WORKER_CTL_PAGE 64		/**< connections per page */

/** A request and its result. */
struct bs_worker_ctl_req {
	unsigned int op;		/**< enum bs_worker_ctl_op */
	struct bs_flow flow;		/**< DISCONNECT, ABORT */
	int err;			/**< ABORT: the errno (<= 0: ECONNABORTED) */
	uint32_t cursor;		/**< CONN_PAGE: in, and out (UINT32_MAX: done) */
	struct bs_tcp_conn_filter filter;	/**< CONN_PAGE: which ones */
	unsigned int max;		/**< CONN_PAGE: at most (0: BS_WORKER_CTL_PAGE) */
	struct bs_capture_tap cap;	/**< CAPTURE (filter NULL: off) */
	struct bs_client_conf client;	/**< CONNECT: peer, app, parameters */
	uint16_t lport;			/**< CONNECT: out, the local port (host order) */
	/* results */
	int rc;				/**< 0 or a negative errno */
	unsigned int n;			/**< CONN_PAGE: entries in conns[] */
	uint64_t counts[BS_TCP_STATE_MAX];
	uint64_t gauges[BS_GAUGE_MAX];	/**< GAUGES: enum bs_gauge */
	struct bs_tcp_conn_info conns[BS_WORKER_CTL_PAGE];
};

/**
 * Control thread, before the workers start: a request slot and ring for
 * each of @p n workers. @return 0, or -1 with a message
 */
int bs_worker_ctl_init(struct bs_worker *workers, unsigned int n, char *err,
		size_t errlen);

/** Free them (after the workers stopped). */
void bs_worker_ctl_fini(struct bs_worker *workers, unsigned int n);

/**
 * Post @p req to worker @p w without waiting. Control thread.
 * @return 0; -EBUSY: its previous request is not answered yet; -ENODEV
 */
int bs_worker_ctl_post(struct bs_worker *w, const struct bs_worker_ctl_req *req);

/**
 * Wait up to @p timeout_ms for the posted request; copy its result into
 * @p req. Control thread. @return 0 (the op's own status in req->rc), or
 * -ETIMEDOUT
 */
int bs_worker_ctl_wait(struct bs_worker *w, struct bs_worker_ctl_req *req,
		unsigned int timeout_ms);

/** Post and wait. @return as bs_worker_ctl_post() and bs_worker_ctl_wait() */
int bs_worker_ctl_call(struct bs_worker *w, struct bs_worker_ctl_req *req,
		unsigned int timeout_ms);

/** Run what is posted (at most one request). Worker loop, or a test. */
void bs_worker_ctl_poll(struct bs_worker *w);

#endif /* BS_WORKER_CTL_H */
