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
conn_match(const struct bs_flow *fl, uint8_t state, const struct bs_tcp_conn_filter *f)
{
	uint16_t port = rte_cpu_to_be_16(f->port);

	if (f->state != 0 && state != f->state)
		return false;
	if (f->addr_set && memcmp(fl->laddr, f->addr, 16) != 0 &&
			memcmp(fl->raddr, f->addr, 16) != 0)
		return false;
	return f->port == 0 || fl->lport == port || fl->rport == port;
}

/* A pending handshake or a TIME_WAIT / FIN_WAIT2 mini-socket from its
 * table value, as `ss` shows them: SYN-RECV, TIME-WAIT, FIN-WAIT-2 (a
 * mini-socket reports its substate). @return false for a full connection
 * (listed from its own pool) */
static bool
mini_info(const struct bs_tcp_ep *ep, uint32_t val, struct bs_tcp_conn_info *c)
{
	memset(c, 0, sizeof(*c));
	if (TCP_VAL_POOL(val) == TCP_POOL_REQ) {
		const struct tcp_req *r = ep_req(ep, TCP_VAL_IDX(val));

		c->flow = r->flow;
		c->state = BS_TCP_NEW_SYN_RECV;
		c->snd_una = r->iss;
		c->snd_nxt = r->iss + 1;
		c->rcv_nxt = r->irs + 1;
		c->rcv_wnd = r->rcv_wnd;
		return true;
	}
	if (TCP_VAL_POOL(val) == TCP_POOL_TW) {
		const struct tcp_tw *tw = ep_tw(ep, TCP_VAL_IDX(val));

		tw_flow(ep, tw, &c->flow);
		c->state = (uint8_t)tw->substate;
		c->snd_una = tw->snd_nxt;
		c->snd_nxt = tw->snd_nxt;
		c->rcv_nxt = tw->rcv_nxt;
		c->rcv_wnd = (uint32_t)tw->rcv_wnd << tw->wscale;
		return true;
	}
	return false;
}

/*
 * Two walks under one cursor: the connection pool's slots (0 .. cap - 1),
 * then the table's slots (cap + slot), of which only pending handshakes
 * and mini-sockets are taken (their pools have no free marker; the table
 * knows which are live). Each page reads at most CTL_PAGE_SCAN slots.
 */
unsigned int
bs_tcp_ep_conn_page(const struct bs_tcp_ep *ep, uint32_t *cursor,
		const struct bs_tcp_conn_filter *filter, struct bs_tcp_conn_info *out,
		unsigned int max)
{
	uint32_t i = *cursor, end;
	uint64_t slot, slots = bs_table_slots(ep->table);
	unsigned int n = 0;

	if (i < ep->tcb.cap) {
		end = ep->tcb.cap - i > CTL_PAGE_SCAN ? i + CTL_PAGE_SCAN : ep->tcb.cap;
		for (; i < end && n < max; i++) {
			const struct bs_tcb *t = ep_tcb(ep, i);
			struct bs_tcp_conn_info *c;

			if (t->state == BS_TCP_NONE || (filter != NULL &&
					!conn_match(&t->flow, t->state, filter)))
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
		*cursor = i;
		return n;
	}
	/* The table's slots, one at a time so that a page cut at max
	 * resumes just after its last entry. */
	slot = (uint64_t)(i - ep->tcb.cap);
	end = CTL_PAGE_SCAN;
	while (slot < slots && end > 0 && n < max) {
		uint64_t before = slot;
		uint32_t val;

		if (bs_table_walk_slots(ep->table, &slot, end, &val, 1) == 1 &&
				mini_info(ep, val, &out[n]) && (filter == NULL ||
				conn_match(&out[n].flow, out[n].state, filter)))
			n++;
		end -= (uint32_t)(slot - before);
	}
	*cursor = slot >= slots || slot + ep->tcb.cap >= UINT32_MAX ? UINT32_MAX :
		(uint32_t)(slot + ep->tcb.cap);
	return n;
}
