/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Active opens (tcp_v4_connect, tcp_connect): the [client] connections
 * scheduled by the configuration, the ephemeral port, the next hop and
 * what happens when it never answers.
 *
 * The next hop comes from the resolve callback (the worker's neighbour
 * cache). While it is being resolved the connection exists and its SYN
 * timer runs; its frames go through a pending adjacency to the hold
 * callback, which keeps them until the neighbour answers (Linux queues
 * them on the neighbour entry). The connection takes the real adjacency
 * the next time it sends or receives after the resolution. If the
 * resolution fails, the held SYN comes back through
 * bs_tcp_ep_unreachable(): EHOSTUNREACH, as Linux's connect() reports it
 * after its three unanswered solicitations.
 */
#include <string.h>

#include <rte_ip.h>

#include "tcp_ep_internal.h"

/* net.ipv4.ip_local_port_range */
#define EPHEMERAL_LO 32768
#define EPHEMERAL_HI 60999

/* The RSS of the port the peer's segments arrive on, or NULL. */
static const struct bs_rss *
peer_rss(const struct bs_tcp_ep *ep, const struct bs_tcp_l2 *l2)
{
	if (ep->c.rss == NULL || l2->rx_port >= ep->c.n_ports)
		return NULL;
	return &ep->c.rss[l2->rx_port];
}

/*
 * An ephemeral port the 4-tuple is free with, searched from the client's
 * last one (__inet_hash_connect), whose replies RSS gives this worker
 * (queue k is worker k): the peer's segments hash to that of the tuple
 * with port 0 XOR the port's own part, a 16-bit Toeplitz per candidate,
 * n_workers candidates on average. Where ports are not hashed (one queue,
 * or addresses only) every port lands where the addresses do: this
 * worker, or none of them.
 */
static int
connect_port(struct bs_tcp_ep *ep, struct tcp_client *cl, struct bs_flow *f,
		const struct bs_tcp_l2 *l2)
{
	const struct bs_rss *r = peer_rss(ep, l2);
	bool v4 = bs_flow_is_v4(f), steer = false;
	uint32_t tries, h0 = 0;

	if (r != NULL && ep->c.n_workers > 1) {
		h0 = bs_rss_hash(r, f->raddr, f->laddr, f->rport, 0);
		steer = r->n_queues > 1 && bs_rss_hashes_ports(r, v4);
		if (!steer && bs_rss_queue_of(r, h0) != ep->c.worker)
			return -EADDRNOTAVAIL;
	}
	for (tries = 0; tries <= EPHEMERAL_HI - EPHEMERAL_LO; tries++) {
		cl->next_port = cl->next_port >= EPHEMERAL_HI ? EPHEMERAL_LO : cl->next_port + 1;
		f->lport = rte_cpu_to_be_16((uint16_t)cl->next_port);
		if (steer && bs_rss_queue_of(r, h0 ^ bs_rss_dport_hash(r, v4, f->lport)) !=
				ep->c.worker)
			continue;
		if (bs_table_lookup(ep->table, f, bs_table_hash(ep->table, f)) == BS_TABLE_MISS)
			return 0;
	}
	return -EADDRNOTAVAIL;
}

/* A local port an active open of ours may use. */
static bool
client_port(const struct bs_tcp_ep *ep, uint16_t port)
{
	unsigned int i;

	if (port >= EPHEMERAL_LO && port <= EPHEMERAL_HI)
		return true;
	for (i = 0; i < ep->n_clients; i++)
		if (ep->cli[i].c->lport == port)
			return true;
	return false;
}

/*
 * A segment that matched nothing here, to one of our active opens' ports,
 * that RSS gives another worker: that worker may own its connection (the
 * NIC does not hash as modelled, e.g. it ignores the ports). It is not
 * answered: an RST would reset that connection.
 */
bool
tcp_wrong_worker(const struct bs_tcp_ep *ep, const struct bs_flow *f,
		const struct bs_tcp_l2 *l2)
{
	const struct bs_rss *r = peer_rss(ep, l2);

	if (r == NULL || r->n_queues <= 1 || !client_port(ep, rte_be_to_cpu_16(f->lport)))
		return false;
	return bs_rss_queue_of(r, bs_rss_hash(r, f->raddr, f->laddr, f->rport, f->lport)) !=
		ep->c.worker;
}

/* The clients of the configuration; with several workers and RSS, the
 * ports of active opens are looked up even while the table is empty
 * (bs_tcp_ep_stray), to be checked by tcp_wrong_worker(). */
void
tcp_clients_init(struct bs_tcp_ep *ep)
{
	unsigned int i;

	ep->n_clients = ep->c.conf->n_clients;
	ep->clients_pending = ep->n_clients != 0;
	for (i = 0; i < ep->n_clients; i++) {
		ep->cli[i].c = &ep->c.conf->clients[i];
		ep->cli[i].next_port = EPHEMERAL_LO +
			ep_random(ep) % (EPHEMERAL_HI - EPHEMERAL_LO + 1);
	}
	ep->rss_check = false;
	for (i = 0; ep->n_clients != 0 && ep->c.n_workers > 1 && ep->c.rss != NULL &&
			i < ep->c.n_ports; i++)
		ep->rss_check |= ep->c.rss[i].n_queues > 1;
	tcp_clients_ports(ep);
}

/* Mark the active opens' ports in lport_map (with rss_check). */
void
tcp_clients_ports(struct bs_tcp_ep *ep)
{
	unsigned int port;

	if (!ep->rss_check)
		return;
	for (port = 0; port < 65536; port++)
		if (client_port(ep, (uint16_t)port))
			ep->lport_map[port >> 3] |= (uint8_t)(1u << (port & 7));
}

/* The new connection in SYN_SENT (tcp_connect_init). */
static void
connect_init(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int client)
{
	t->ext = TCP_NONE;
	t->state = BS_TCP_NONE;
	tcb_set_state(ep, t, BS_TCP_SYN_SENT);
	t->fl = TCB_ACTIVE;
	t->owner = (uint16_t)client;
	t->iss = bs_tcp_isn(&ep->isn_key, &t->flow, ep_now_ns(ep));
	t->snd_una = t->iss;
	t->snd_nxt = t->iss;
	t->ts_off = ep->k->tcp_timestamps == 1 ? bs_tcp_ts_off(&ep->ts_key, &t->flow) : 0;
	t->ts_recent = ep_ts_now(ep);	/* retrans_stamp until established */
	t->mss = TCP_MSS_DEFAULT;
	t->cwnd = TCP_INIT_CWND;
	t->ssthresh = UINT16_MAX;
	if (ep->k->tcp_window_scaling)
		t->wscale = ep_rcv_wscale(ep);
	t->rcv_wnd = (uint16_t)(RTE_MIN(ep->k->tcp_rmem[1], 65535u) >> t->wscale);
}

int
bs_tcp_ep_connect(struct bs_tcp_ep *ep, const struct bs_flow *f0,
		const struct bs_tcp_l2 *l2_in, unsigned int client)
{
	struct tcp_client *cl = &ep->cli[client];
	struct bs_flow f = *f0;
	struct bs_tcp_l2 l2;
	struct bs_tcb *t;
	int rc = BS_TCP_RESOLVED;
	uint32_t idx;
	uint16_t adj;

	if (l2_in != NULL)
		l2 = *l2_in;
	else if (ep->c.resolve == NULL)
		return -ENETUNREACH;
	else if ((rc = ep->c.resolve(ep->c.tx_arg, &f, &l2)) < 0)
		return rc;
	if (f.lport == 0) {
		int prc = connect_port(ep, cl, &f, &l2);

		if (prc != 0)
			return prc;
	}
	adj = rc == BS_TCP_RESOLVED ? ep_adj_get(ep, &l2) : ep_adj_pending(ep, &l2);
	idx = adj == TCP_ADJ_NONE ? TCP_NONE : pool_get(&ep->tcb);
	if (idx == TCP_NONE)
		return -ENOMEM;
	t = ep_tcb(ep, idx);
	memset(t, 0, sizeof(*t));
	t->flow = f;
	if (bs_table_add(ep->table, &f, bs_table_hash(ep->table, &f),
			TCP_VAL(TCP_POOL_TCB, idx)) != 0) {
		pool_put(&ep->tcb, idx);
		return -EADDRINUSE;
	}
	t->adj = adj;
	connect_init(ep, t, client);
	ep_cnt(ep, BS_CNT_TcpActiveOpens);
	cl->st.opened++;
	tcb_send_syn(ep, t, false);
	tcb_arm(ep, t, TEV_RTO, TCP_TIMEOUT_INIT_MS);
	if (cl->c->connect_timeout_ms != 0)
		tcb_app_wake(ep, t, cl->c->connect_timeout_ms);
	return 0;
}

/* The slot for connect-now connections of @p cc's app and parameters. */
static int
connect_now_slot(struct bs_tcp_ep *ep, const struct bs_client_conf *cc)
{
	unsigned int i;

	for (i = 0; i < ep->n_clients; i++) {
		const struct tcp_client *cl = &ep->cli[i];

		if (cl->c == &cl->cc && cl->cc.app == cc->app &&
				memcmp(&cl->cc.params, &cc->params, sizeof(cc->params)) == 0)
			return (int)i;
	}
	if (ep->n_clients == BS_MAX_CLIENTS)
		return -ENOSPC;
	i = ep->n_clients++;
	memset(&ep->cli[i], 0, sizeof(ep->cli[i]));
	ep->cli[i].cc = *cc;
	ep->cli[i].cc.count = 0;	/* never scheduled by tcp_clients_poll() */
	ep->cli[i].cc.lport = 0;
	ep->cli[i].c = &ep->cli[i].cc;
	ep->cli[i].next_port = EPHEMERAL_LO + ep_random(ep) % (EPHEMERAL_HI - EPHEMERAL_LO + 1);
	/* Its ports are active-open ports now: checked for the wrong worker. */
	for (i = 0; ep->c.n_workers > 1 && ep->c.rss != NULL && i < ep->c.n_ports; i++)
		ep->rss_check |= ep->c.rss[i].n_queues > 1;
	tcp_clients_ports(ep);
	return (int)ep->n_clients - 1;
}

int
bs_tcp_ep_connect_now(struct bs_tcp_ep *ep, const struct bs_client_conf *cc,
		uint16_t *lport)
{
	struct bs_flow f;
	int slot, rc;

	slot = connect_now_slot(ep, cc);
	if (slot < 0)
		return slot;
	memcpy(f.raddr, cc->raddr, 16);
	memset(f.laddr, 0, 16);
	f.rport = rte_cpu_to_be_16(cc->rport);
	f.lport = 0;
	rc = bs_tcp_ep_connect(ep, &f, NULL, (unsigned int)slot);
	if (rc == 0)
		*lport = (uint16_t)ep->cli[slot].next_port;
	return rc;
}

/* Scheduled active opens ([client] start_ms, count): this worker's share. */
void
tcp_clients_poll(struct bs_tcp_ep *ep)
{
	bool pending = false;
	unsigned int i;

	for (i = 0; i < ep->n_clients; i++) {
		struct tcp_client *cl = &ep->cli[i];
		uint32_t quota = cl->c->count / ep->c.n_workers +
			(ep->c.worker < cl->c->count % ep->c.n_workers ? 1 : 0);

		if (cl->started < quota)
			pending = true;
		while (cl->started < quota && ep->now_ms >= cl->c->start_ms) {
			struct bs_flow f;
			int rc;

			memcpy(f.raddr, cl->c->raddr, 16);
			memcpy(f.laddr, cl->c->laddr, 16);
			f.rport = rte_cpu_to_be_16(cl->c->rport);
			f.lport = rte_cpu_to_be_16(cl->c->lport);
			rc = bs_tcp_ep_connect(ep, &f, NULL, i);
			if (rc == -EAGAIN)
				break;	/* no neighbour entry free: next poll */
			if (rc < 0)
				cl->st.failed++;
			cl->started++;
		}
	}
	ep->clients_pending = pending;
}

/* A connection still sending through a pending adjacency takes the real
 * one once its next hop is resolved. */
void
tcb_adj_refresh(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct bs_flow f = t->flow;
	struct bs_tcp_l2 l2;
	uint16_t adj;

	if (ep->c.resolve == NULL || ep->c.resolve(ep->c.tx_arg, &f, &l2) != BS_TCP_RESOLVED)
		return;
	adj = ep_adj_get(ep, &l2);
	if (adj != TCP_ADJ_NONE)
		t->adj = adj;
}

/* The flow and SEQ of a frame tcp_out.c built (Ethernet, optional 802.1Q,
 * IPv4 without options or IPv6 without extension headers, TCP).
 * @return 0, or -1 when it is no such frame */
static int
frame_flow(const uint8_t *frame, uint32_t len, struct bs_flow *f, uint32_t *seq)
{
	uint32_t off = sizeof(struct rte_ether_hdr);
	const uint8_t *ip, *th;
	uint16_t type;

	if (len < off + 4)
		return -1;
	type = (uint16_t)(frame[12] << 8 | frame[13]);
	if (type == RTE_ETHER_TYPE_VLAN) {
		type = (uint16_t)(frame[16] << 8 | frame[17]);
		off += sizeof(struct rte_vlan_hdr);
	}
	ip = frame + off;
	if (type == RTE_ETHER_TYPE_IPV4 && len >= off + sizeof(struct rte_ipv4_hdr) + 20 &&
			ip[0] == RTE_IPV4_VHL_DEF && ip[9] == IPPROTO_TCP) {
		th = ip + sizeof(struct rte_ipv4_hdr);
		bs_flow_from_ipv4(f, ip + 16, ip + 12, 0, 0);
	} else if (type == RTE_ETHER_TYPE_IPV6 &&
			len >= off + sizeof(struct rte_ipv6_hdr) + 20 && ip[6] == IPPROTO_TCP) {
		th = ip + sizeof(struct rte_ipv6_hdr);
		bs_flow_from_ipv6(f, ip + 24, ip + 8, 0, 0);
	} else {
		return -1;
	}
	memcpy(&f->lport, th, 2);
	memcpy(&f->rport, th + 2, 2);
	*seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 | (uint32_t)th[6] << 8 | th[7];
	return 0;
}

/*
 * tcp_v4_err / tcp_v6_err for the ICMP host (address) unreachable Linux
 * sends itself for each frame a failed neighbour held: a SYN_SENT or
 * SYN_RECV connection whose unacknowledged SEQ it carries is done with
 * EHOSTUNREACH; any other state takes it as a soft error (no change).
 */
void
bs_tcp_ep_unreachable(struct bs_tcp_ep *ep, const uint8_t *frame, uint32_t len)
{
	struct bs_flow f;
	struct bs_tcb *t;
	uint32_t val, seq;

	if (frame_flow(frame, len, &f, &seq) != 0)
		return;
	val = bs_table_lookup(ep->table, &f, bs_table_hash(ep->table, &f));
	if (val == BS_TABLE_MISS || TCP_VAL_POOL(val) != TCP_POOL_TCB)
		return;		/* a request or TIME_WAIT entry: ignored */
	t = ep_tcb(ep, TCP_VAL_IDX(val));
	if (t->state != BS_TCP_SYN_SENT && t->state != BS_TCP_SYN_RECV)
		return;
	if (SEQ_LT(seq, t->snd_una) || SEQ_GT(seq, t->snd_nxt))
		return;		/* between(seq, snd_una, snd_nxt) */
	tcb_set_error(ep, t, EHOSTUNREACH);
	tcb_done(ep, t);
}
