/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control thread asks of an endpoint, run by the worker that owns
 * it: pages of connections, disconnect and abort of a 4-tuple
 * (tcp_disconnect, tcp_abort).
 */
#include <string.h>

#include "tcp_ep_internal.h"

/* The table value of @p f, or BS_TABLE_MISS. */
static uint32_t
ctl_lookup(struct bs_tcp_ep *ep, const struct bs_flow *f)
{
	return bs_table_lookup(ep->table, f, bs_table_hash(ep->table, f));
}

int
bs_tcp_ep_disconnect(struct bs_tcp_ep *ep, const struct bs_flow *f)
{
	uint32_t val = ctl_lookup(ep, f);

	if (val == BS_TABLE_MISS)
		return -ENOENT;
	/* A pending handshake or a TIME_WAIT entry is no socket an
	 * application holds: there is nothing to connect(AF_UNSPEC). */
	if (TCP_VAL_POOL(val) != TCP_POOL_TCB)
		return -EOPNOTSUPP;
	tcb_disconnect_app(ep, ep_tcb(ep, TCP_VAL_IDX(val)));
	return 0;
}

/* Is @p f a listener's key: no remote port, the unspecified remote
 * address (0.0.0.0 v4-mapped, or ::)? */
static bool
listener_key(const struct bs_flow *f)
{
	static const uint8_t zero[16];

	return f->rport == 0 && memcmp(f->raddr + 12, zero, 4) == 0 &&
		(bs_flow_is_v4(f) || memcmp(f->raddr, zero, sizeof(zero)) == 0);
}

int
bs_tcp_ep_abort(struct bs_tcp_ep *ep, const struct bs_flow *f, int err)
{
	uint32_t val = ctl_lookup(ep, f);
	int lsn;

	if (err <= 0)
		err = ECONNABORTED;
	if (val == BS_TABLE_MISS) {
		/* tcp_abort of a listener: inet_csk_listen_stop (L3, L4). */
		lsn = listener_key(f) ? tcp_find_listener(ep, f) : -1;
		if (lsn < 0)
			return -ENOENT;
		bs_tcp_ep_listener_close(ep, (unsigned int)lsn);
		return 0;
	}
	switch (TCP_VAL_POOL(val)) {
	case TCP_POOL_TCB:
		tcb_abort(ep, ep_tcb(ep, TCP_VAL_IDX(val)), err);
		break;
	case TCP_POOL_REQ:
		/* Q36: inet_csk_reqsk_queue_drop, silent. */
		tcp_req_free(ep, ep_req(ep, TCP_VAL_IDX(val)));
		break;
	default:
		/* Q36: inet_twsk_deschedule_put, silent. */
		tcp_tw_free(ep, ep_tw(ep, TCP_VAL_IDX(val)));
		break;
	}
	return 0;
}

/* Pool slots a page may look at: a bounded stop of the worker. */
#define CTL_PAGE_SCAN 4096

static bool
conn_match(const struct bs_tcb *t, const struct bs_tcp_conn_filter *f)
{
	uint16_t port = rte_cpu_to_be_16(f->port);

	if (f->state != 0 && t->state != f->state)
		return false;
	if (f->addr_set && memcmp(t->flow.laddr, f->addr, 16) != 0 &&
			memcmp(t->flow.raddr, f->addr, 16) != 0)
		return false;
	return f->port == 0 || t->flow.lport == port || t->flow.rport == port;
}

unsigned int
bs_tcp_ep_conn_page(const struct bs_tcp_ep *ep, uint32_t *cursor,
		const struct bs_tcp_conn_filter *filter, struct bs_tcp_conn_info *out,
		unsigned int max)
{
	uint32_t i = *cursor, end;
	unsigned int n = 0;

	if (i >= ep->tcb.cap) {
		*cursor = UINT32_MAX;
		return 0;
	}
	end = ep->tcb.cap - i > CTL_PAGE_SCAN ? i + CTL_PAGE_SCAN : ep->tcb.cap;
	for (; i < end && n < max; i++) {
		const struct bs_tcb *t = ep_tcb(ep, i);
		struct bs_tcp_conn_info *c;

		if (t->state == BS_TCP_NONE || (filter != NULL && !conn_match(t, filter)))
			continue;
		c = &out[n++];
		c->flow = t->flow;
		c->state = t->state;
		c->snd_una = t->snd_una;
		c->snd_nxt = t->snd_nxt;
		c->snd_wnd = t->snd_wnd;
		c->rcv_nxt = t->rcv_nxt;
		c->rcv_wnd = (uint32_t)t->rcv_wnd << tcb_rcv_wscale(t);
	}
	*cursor = i >= ep->tcb.cap ? UINT32_MAX : i;
	return n;
}
