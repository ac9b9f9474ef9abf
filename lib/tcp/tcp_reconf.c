/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A new configuration snapshot for a running endpoint: the knobs and the
 * listeners. Runs on the owning worker between bursts, so no segment sees
 * half of it.
 */
#include <string.h>

#include "tcp_ep_internal.h"

/* The same socket, bound and listening the same way, serving the same
 * app with the same parameters: only backlog may differ (listen() again). */
static bool
listener_same(const struct bs_listener_conf *a, const struct bs_listener_conf *b)
{
	return strcmp(a->name, b->name) == 0 && a->family == b->family &&
		memcmp(a->addr, b->addr, sizeof(a->addr)) == 0 && a->any == b->any &&
		a->port == b->port && a->app == b->app &&
		memcmp(&a->params, &b->params, sizeof(a->params)) == 0;
}

/* A slot for a new listener: never used, or closed with nothing of it
 * left (no connection, pending handshake or unaccepted child). */
static int
listener_slot(const struct bs_tcp_ep *ep)
{
	unsigned int i;

	for (i = 0; i < BS_MAX_LISTENERS; i++) {
		const struct tcp_listener *l = &ep->lsn[i];

		if (i >= ep->n_listeners || (!l->open && l->n_conn == 0 &&
				l->n_req == 0 && l->n_accept == 0))
			return (int)i;
	}
	return -1;
}

static void
lport_map_rebuild(struct bs_tcp_ep *ep)
{
	unsigned int i;

	memset(ep->lport_map, 0, sizeof(ep->lport_map));
	for (i = 0; i < ep->n_listeners; i++) {
		uint16_t port = ep->lsn[i].lc.port;

		if (ep->lsn[i].open)
			ep->lport_map[port >> 3] |= (uint8_t)(1u << (port & 7));
	}
	tcp_clients_ports(ep);
	ep_lsn_backlog_update(ep);
}

int
bs_tcp_ep_reconf(struct bs_tcp_ep *ep, const struct bs_config *conf)
{
	bool kept[BS_MAX_LISTENERS] = { false };
	unsigned int i, j;
	int rc = 0;

	/* Knobs: each takes effect where it is read, as the sysctl does. */
	ep->k = &conf->tcp;
	ep->tw_limit = RTE_MIN((conf->tcp.tcp_max_tw_buckets + ep->c.n_workers - 1) /
		ep->c.n_workers, ep->tw.cap);

	/* Listeners gone or changed: close() (L3, L4). Unchanged: kept, a new
	 * backlog as listen() called again (capped by today's somaxconn). */
	for (i = 0; i < ep->n_listeners; i++) {
		struct tcp_listener *l = &ep->lsn[i];

		if (!l->open)
			continue;
		for (j = 0; j < conf->n_listeners; j++)
			if (!kept[j] && listener_same(&l->lc, &conf->listeners[j]))
				break;
		if (j == conf->n_listeners) {
			bs_tcp_ep_listener_close(ep, i);
			continue;
		}
		kept[j] = true;
		if (l->lc.backlog != conf->listeners[j].backlog) {
			l->lc.backlog = conf->listeners[j].backlog;
			l->backlog = bs_listener_backlog(conf, &l->lc);
		}
		l->lc.line = conf->listeners[j].line;
	}
	/* New ones: listen(). */
	for (j = 0; j < conf->n_listeners; j++) {
		struct tcp_listener *l;
		int s;

		if (kept[j])
			continue;
		s = listener_slot(ep);
		if (s < 0) {
			rc = -ENOSPC;
			continue;
		}
		l = &ep->lsn[s];
		memset(l, 0, sizeof(*l));
		l->lc = conf->listeners[j];
		l->c = &l->lc;
		l->open = true;
		l->backlog = bs_listener_backlog(conf, &l->lc);
		if ((unsigned int)s >= ep->n_listeners)
			ep->n_listeners = (unsigned int)s + 1;
	}
	lport_map_rebuild(ep);
	return rc;
}

unsigned int
bs_tcp_ep_listeners_open(const struct bs_tcp_ep *ep)
{
	unsigned int i, n = 0;

	for (i = 0; i < ep->n_listeners; i++)
		n += ep->lsn[i].open;
	return n;
}
