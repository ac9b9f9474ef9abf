/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What the control thread asks of an endpoint, run by the worker that owns
 * it: disconnect and abort of a 4-tuple (tcp_disconnect, tcp_abort).
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
