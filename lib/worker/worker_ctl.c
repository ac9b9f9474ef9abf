/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Control requests run by the worker that owns the endpoint
 * (bs_worker_ctl.h): the control thread never reads a worker's tables.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "bs_worker_ctl.h"
#include "worker_internal.h"

int
bs_worker_ctl_init(struct bs_worker *workers, unsigned int n, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct bs_worker_ctl *c;
		char name[RTE_RING_NAMESIZE];
		int socket = (int)rte_lcore_to_socket_id(workers[i].lcore);

		c = rte_zmalloc_socket("bs_worker_ctl", sizeof(*c), RTE_CACHE_LINE_SIZE, socket);
		snprintf(name, sizeof(name), "bs_ctl_%u", i);
		if (c != NULL)
			c->ring = rte_ring_create_elem(name, sizeof(struct worker_ctl_msg),
				WORKER_CTL_RING_SIZE, socket, RING_F_SP_ENQ | RING_F_SC_DEQ);
		if (c == NULL || c->ring == NULL) {
			snprintf(err, errlen, "control ring of worker %u: %s", i,
				c == NULL ? "out of memory" : rte_strerror(rte_errno));
			rte_free(c);
			bs_worker_ctl_fini(workers, i);
			return -1;
		}
		workers[i].ctl = c;
	}
	return 0;
}

void
bs_worker_ctl_fini(struct bs_worker *workers, unsigned int n)
{
	unsigned int i;

	for (i = 0; i < n; i++) {
		if (workers[i].ctl == NULL)
			continue;
		rte_ring_free(workers[i].ctl->ring);
		rte_free(workers[i].ctl);
		workers[i].ctl = NULL;
	}
}

int
bs_worker_ctl_post(struct bs_worker *w, const struct bs_worker_ctl_req *req)
{
	struct bs_worker_ctl *c = w->ctl;
	struct worker_ctl_msg m = { 0 };

	if (c == NULL)
		return -ENODEV;
	/* The slot is free when nothing was posted, or what was (a request
	 * that timed out) is answered: the worker no longer touches it. */
	if (c->posted && !__atomic_load_n(&c->done, __ATOMIC_ACQUIRE))
		return -EBUSY;
	c->req = *req;
	c->posted = true;
	__atomic_store_n(&c->done, 0, __ATOMIC_RELAXED);
	/* The ring's enqueue publishes the slot (a release in rte_ring). */
	m.req = &c->req;
	m.seq = ++c->seq;
	if (rte_ring_sp_enqueue_elem(c->ring, &m, sizeof(m)) != 0) {
		c->posted = false;
		return -EBUSY;
	}
	return 0;
}

int
bs_worker_ctl_wait(struct bs_worker *w, struct bs_worker_ctl_req *req,
		unsigned int timeout_ms)
{
	const struct timespec nap = { .tv_nsec = 100 * 1000 };	/* 100 us */
	struct bs_worker_ctl *c = w->ctl;
	uint64_t deadline = rte_get_timer_cycles() +
		rte_get_timer_hz() / 1000 * timeout_ms;

	if (c == NULL || !c->posted)
		return -ENODEV;
	while (!__atomic_load_n(&c->done, __ATOMIC_ACQUIRE)) {
		if (rte_get_timer_cycles() >= deadline)
			return -ETIMEDOUT;
		nanosleep(&nap, NULL);
	}
	*req = c->req;
	c->posted = false;
	return 0;
}

int
bs_worker_ctl_call(struct bs_worker *w, struct bs_worker_ctl_req *req,
		unsigned int timeout_ms)
{
	int rc = bs_worker_ctl_post(w, req);

	return rc != 0 ? rc : bs_worker_ctl_wait(w, req, timeout_ms);
}

static void
ctl_run(struct bs_worker *w, struct bs_worker_ctl_req *r)
{
	r->rc = 0;
	r->n = 0;
	if (r->op == BS_WORKER_CTL_CAPTURE) {
		w->cap = r->cap;	/* between two polls: no frame holds the old one */
		return;
	}
	if (w->ep == NULL) {
		r->rc = -ENODEV;
		return;
	}
	switch (r->op) {
	case BS_WORKER_CTL_STATE_COUNTS:
		bs_tcp_ep_state_counts(w->ep, r->counts);
		break;
	case BS_WORKER_CTL_GAUGES:
		bs_tcp_ep_state_counts(w->ep, r->counts);
		bs_tcp_ep_gauges(w->ep, r->gauges);
		break;
	case BS_WORKER_CTL_CONN_PAGE:
		r->n = bs_tcp_ep_conn_page(w->ep, &r->cursor, &r->filter, r->conns,
			r->max != 0 && r->max < BS_WORKER_CTL_PAGE ? r->max :
			BS_WORKER_CTL_PAGE);
		break;
	case BS_WORKER_CTL_DISCONNECT:
		r->rc = bs_tcp_ep_disconnect(w->ep, &r->flow);
		break;
	case BS_WORKER_CTL_ABORT:
		r->rc = bs_tcp_ep_abort(w->ep, &r->flow, r->err);
		break;
	case BS_WORKER_CTL_CONNECT:
		r->rc = bs_tcp_ep_connect_now(w->ep, &r->client, &r->lport);
		break;
	default:
		r->rc = -EINVAL;
		break;
	}
}

void
bs_worker_ctl_poll(struct bs_worker *w)
{
	struct bs_worker_ctl *c = w->ctl;
	struct worker_ctl_msg m;

	if (rte_ring_sc_dequeue_elem(c->ring, &m, sizeof(m)) != 0)
		return;
	ctl_run(w, m.req);
	bs_worker_flush(w);	/* an RST-ABORT leaves now */
	__atomic_store_n(&c->done, 1, __ATOMIC_RELEASE);
}
