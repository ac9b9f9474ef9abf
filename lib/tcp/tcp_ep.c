/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The endpoint: memory, lookup and dispatch, clock and timers.
 */
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_random.h>

#include "bs_neigh.h"
#include "tcp_ep_internal.h"

static const char *const state_names[BS_TCP_STATE_MAX] = {
#define BS_TCP_STATE(name, help) [BS_TCP_##name] = #name,
#include "bs_tcp_state.def"
#undef BS_TCP_STATE
};

const char *
bs_tcp_state_name(unsigned int state)
{
	return state < BS_TCP_STATE_MAX ? state_names[state] : "?";
}

void
bs_tcp_ep_write_memory(FILE *f, const struct bs_tcp_ep *ep)
{
	/* The table is sized for every entry of every pool at its load. */
	double slot = (double)bs_table_memory(ep->table) / bs_table_capacity(ep->table);

	fprintf(f, "backstop: TCP memory per worker %.1f MiB; bytes per entry with %.2f of "
		"table: connection %.1f (+%zu while busy), pending handshake %.1f, "
		"TIME_WAIT %.1f\n", bs_tcp_ep_memory(ep) / 1048576.0, slot,
		sizeof(struct bs_tcb) + slot, sizeof(struct tcb_ext),
		sizeof(struct tcp_req) + slot, sizeof(struct tcp_tw) + slot);
}

/* Pools: arrays with a free list threaded through the first word (the
 * first bytes of the flow key, rewritten when the entry is taken). */
static void
pool_init(struct tcp_pool *p, void *base, uint32_t stride, uint32_t cap)
{
	uint32_t i;

	p->base = base;
	p->stride = stride;
	p->cap = cap;
	p->used = 0;
	for (i = 0; i < cap; i++) {
		uint32_t next = i + 1 < cap ? i + 1 : TCP_NONE;

		memcpy((uint8_t *)base + (size_t)i * stride, &next, 4);
	}
	p->free_head = cap != 0 ? 0 : TCP_NONE;
}

uint32_t
pool_get(struct tcp_pool *p)
{
	uint32_t idx = p->free_head;

	if (idx == TCP_NONE)
		return TCP_NONE;
	memcpy(&p->free_head, (uint8_t *)p->base + (size_t)idx * p->stride, 4);
	p->used++;
	return idx;
}

void
pool_put(struct tcp_pool *p, uint32_t idx)
{
	memcpy((uint8_t *)p->base + (size_t)idx * p->stride, &p->free_head, 4);
	p->free_head = idx;
	p->used--;
}

uint32_t
ep_random(struct bs_tcp_ep *ep)
{
	uint64_t x = ep->rnd;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	ep->rnd = x;
	return (uint32_t)(x >> 32);
}

/* TCP timestamps tick in milliseconds (Linux: tcp_time_stamp_ms). */
uint32_t
ep_ts_now(const struct bs_tcp_ep *ep)
{
	return ep->now_ms;
}

/* The ISN clock (RFC 6528): nanoseconds since the endpoint started,
 * without overflow in the TSC conversion. */
uint64_t
ep_now_ns(const struct bs_tcp_ep *ep)
{
	uint64_t d = ep->tsc - ep->tsc0, hz = ep->c.tsc_hz;

	return d / hz * 1000000000ull + d % hz * 1000000000ull / hz;
}

/*
 * Real time in ms at @p tsc0, from the IP settings' base (a TSC and the
 * UTC time then). SYN cookies count minutes of real time, as Linux counts
 * jiffies, so that appliances sharing syncookie_secret behind ECMP agree
 * on the minute whatever their start times.
 */
uint64_t
ep_utc_base(const struct bs_ip_conf *ip, uint64_t tsc0, uint64_t hz)
{
	uint64_t d;

	if (ip == NULL || hz == 0 || tsc0 < ip->tsc0)
		return ip != NULL ? ip->utc_ms0 : 0;
	d = tsc0 - ip->tsc0;
	return ip->utc_ms0 + d / hz * 1000 + d % hz * 1000 / hz;
}

/* Our receive window scale: the shift that fits tcp_rmem[2] in 16 bits
 * (tcp_select_initial_window). */
uint8_t
ep_rcv_wscale(const struct bs_tcp_ep *ep)
{
	uint32_t space = ep->k->tcp_rmem[2];
	/* the bits of @p space above the low 16: the shifts that fit it */
	unsigned int ws = space > 65535 ? 16u - (unsigned int)__builtin_clz(space) : 0;

	return (uint8_t)RTE_MIN(ws, (unsigned int)TCP_MAX_WSCALE);
}

uint32_t
bs_tcp_ep_now_ms(const struct bs_tcp_ep *ep)
{
	return ep->now_ms;
}

void
bs_tcp_ep_set_time(struct bs_tcp_ep *ep, uint64_t tsc)
{
	const struct rte_mempool *mp = ep->c.pool;

	if (tsc == ep->tsc)
		return;		/* same burst */
	ep->tsc = tsc;
	ep->now_ms = (uint32_t)((tsc - ep->tsc0) * 1000 / ep->c.tsc_hz) + 1;
	/* rte_mempool_ops_get_count() without its call (it is internal). */
	ep->mem_short = ep->mbuf_reserve != 0 &&
		rte_mempool_get_ops(mp->ops_index)->get_count(mp) < ep->mbuf_reserve;
}

void
ep_timer_arm(struct bs_tcp_ep *ep, struct bs_timer *tm, uint32_t delay_ms)
{
	bs_timer_arm(ep->wheel, tm, ep->now_ms + RTE_MAX(delay_ms, 1u));
}

void
ep_timer_cancel(struct bs_tcp_ep *ep, struct bs_timer *tm)
{
	bs_timer_cancel(ep->wheel, tm);
}

/* Adjacencies: where replies of a connection go. Few distinct ones (the
 * routers and hosts on the link), found by a hash of MAC, VLAN and port.
 * A pending one (per port and VLAN, no MAC) stands for every next hop
 * still being resolved. */
static uint16_t
adj_find(struct bs_tcp_ep *ep, const struct bs_tcp_l2 *l2, uint8_t kind)
{
	uint32_t h = (uint32_t)l2->peer.addr_bytes[5] | (uint32_t)l2->peer.addr_bytes[4] << 8;
	unsigned int i;

	if (kind == TCP_ADJ_PENDING)
		h = 0;
	h = (h * 2654435761u ^ l2->vlan * 40503u ^ l2->port) % TCP_ADJ_MAX;
	for (i = 0; i < TCP_ADJ_MAX; i++) {
		struct tcp_adj *a = &ep->adj[(h + i) % TCP_ADJ_MAX];

		if (!a->used) {
			a->used = kind;
			a->mac = l2->peer;
			if (kind == TCP_ADJ_PENDING)
				memset(&a->mac, 0, sizeof(a->mac));
			a->vlan = l2->vlan;
			a->port = l2->port;
			return (uint16_t)((h + i) % TCP_ADJ_MAX);
		}
		if (a->used == kind && a->port == l2->port && a->vlan == l2->vlan &&
				(kind == TCP_ADJ_PENDING || rte_is_same_ether_addr(&a->mac, &l2->peer)))
			return (uint16_t)((h + i) % TCP_ADJ_MAX);
	}
	return TCP_ADJ_NONE;	/* full: nowhere to send, the caller drops */
}

/* After any change of the listeners (create, reconf, close): the open
 * ones' smallest backlog, which bs_tcp_ep_cookie_possible() compares the
 * pending handshakes with. */
void
ep_lsn_backlog_update(struct bs_tcp_ep *ep)
{
	uint32_t min = UINT32_MAX;
	unsigned int i;

	for (i = 0; i < ep->n_listeners; i++)
		if (ep->lsn[i].open)
			min = RTE_MIN(min, (uint32_t)ep->lsn[i].backlog);
	ep->lsn_backlog_min = min;
}

uint16_t
ep_adj_get(struct bs_tcp_ep *ep, const struct bs_tcp_l2 *l2)
{
	return adj_find(ep, l2, TCP_ADJ_USED);
}

uint16_t
ep_adj_pending(struct bs_tcp_ep *ep, const struct bs_tcp_l2 *l2)
{
	return adj_find(ep, l2, TCP_ADJ_PENDING);
}

void
tcb_set_state(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int state)
{
	if (t->state == BS_TCP_ESTABLISHED && state != BS_TCP_ESTABLISHED)
		ep->state_count[BS_TCP_ESTABLISHED]--;
	else if (t->state != BS_TCP_ESTABLISHED && state == BS_TCP_ESTABLISHED)
		ep->state_count[BS_TCP_ESTABLISHED]++;
	if (t->state != BS_TCP_ESTABLISHED)
		ep->state_count[t->state]--;
	if (state != BS_TCP_ESTABLISHED)
		ep->state_count[state]++;
	t->state = (uint8_t)state;
}

struct tcb_ext *
tcb_ext_get(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x;
	uint32_t idx;

	if (t->ext != TCP_NONE)
		return tcb_ext(ep, t);
	idx = pool_get(&ep->ext);
	if (idx == TCP_NONE) {
		ep_drop_cnt(ep, BS_DROP_NOMEM);
		return NULL;
	}
	t->ext = idx;
	x = tcb_ext(ep, t);
	memset(x, 0, sizeof(*x));
	x->write_seq = t->snd_nxt;
	if (t->tev != TEV_NONE)
		x->tev_at = bs_timer_expire(&t->timer);
	return x;
}

/* Give the extension back when nothing is queued or timed any more. */
void
tcb_ext_maybe_put(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext(ep, t);

	if (x == NULL || x->snd_head != NULL || x->rcv_head != NULL ||
			x->ooo != NULL || x->n_sacks != 0 || x->app_at != 0 ||
			x->app_u32 != 0 || x->delack_at != 0 || x->write_seq != t->snd_nxt ||
			x->dupacks != 0 || (t->fl & TCB_IN_RECOVERY))
		return;
	pool_put(&ep->ext, t->ext);
	t->ext = TCP_NONE;
	if (t->tev != TEV_NONE)
		bs_timer_arm(ep->wheel, &t->timer, x->tev_at);
}

/* tcp_done + inet_csk_destroy_sock: unhash, free queues and the entry. */
void
tcb_free(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	struct tcb_ext *x = tcb_ext(ep, t);
	uint32_t idx = ep_tcb_idx(ep, t);

	/* Every wake-up goes with the entry: tcb_disarm() would re-arm the
	 * node for a pending delayed ACK or application wake (a connect
	 * timeout), and the freed slot would stay linked in the wheel. */
	t->tev = TEV_NONE;
	ep_timer_cancel(ep, &t->timer);
	if (x != NULL) {
		bs_mbuf_list_free(x->snd_head);
		bs_mbuf_list_free(x->rcv_head);
		bs_mbuf_list_free(x->ooo);
		pool_put(&ep->ext, t->ext);
		t->ext = TCP_NONE;
	}
	bs_table_del_value(ep->table, ep_flow_hash(ep, &t->flow),
		TCP_VAL(TCP_POOL_TCB, idx));
	if (t->fl & TCB_DEAD)
		ep->orphans--;
	if (!(t->fl & TCB_ACCEPTED) && !(t->fl & TCB_ACTIVE) &&
			t->state != BS_TCP_CLOSE && ep->lsn[t->owner].n_accept > 0)
		ep->lsn[t->owner].n_accept--;
	if (!(t->fl & TCB_ACTIVE) && ep->lsn[t->owner].n_conn > 0)
		ep->lsn[t->owner].n_conn--;
	tcb_set_state(ep, t, BS_TCP_NONE);
	pool_put(&ep->tcb, idx);
}

unsigned int
tcb_app(const struct bs_tcp_ep *ep, const struct bs_tcb *t)
{
	if (t->fl & TCB_ACTIVE)
		return ep->cli[t->owner].c->app;
	return ep->lsn[t->owner].c->app;
}

const struct bs_app_params *
tcb_params(const struct bs_tcp_ep *ep, const struct bs_tcb *t)
{
	if (t->fl & TCB_ACTIVE)
		return &ep->cli[t->owner].c->params;
	return &ep->lsn[t->owner].c->params;
}

static void
key_from(struct bs_sipkey *k, const uint8_t secret[16], bool set)
{
	if (set) {
		memcpy(&k->k0, secret, 8);
		memcpy(&k->k1, secret + 8, 8);
	} else {
		k->k0 = rte_rand();
		k->k1 = rte_rand();
	}
}

struct bs_tcp_ep *
bs_tcp_ep_create(const struct bs_tcp_ep_conf *c, char *err, size_t errlen)
{
	const struct bs_tcp_conf *k = &c->conf->tcp;
	uint32_t n_tcb = RTE_MAX(k->connections, 16u);
	uint32_t n_req = RTE_MAX(k->requests, 16u);
	uint32_t n_tw = RTE_MAX((k->tcp_max_tw_buckets + c->n_workers - 1) / c->n_workers, 16u);
	uint32_t n_ext = RTE_MAX(n_tcb / 4, 64u);
	size_t sz_tcb = (size_t)n_tcb * sizeof(struct bs_tcb);
	size_t sz_req = (size_t)n_req * sizeof(struct tcp_req);
	size_t sz_tw = (size_t)n_tw * sizeof(struct tcp_tw);
	struct bs_sipkey tkey;
	struct bs_tcp_ep *ep;
	unsigned int i;
	uint8_t *a;

	ep = rte_zmalloc_socket("bs_tcp_ep", sizeof(*ep), RTE_CACHE_LINE_SIZE, c->socket);
	if (ep == NULL)
		goto nomem;
	ep->c = *c;
	ep->k = k;
	ep->st = c->stats;
	ep->arena_len = sz_tcb + sz_req + sz_tw;
	ep->arena = rte_zmalloc_socket("bs_tcp_arena", ep->arena_len, RTE_CACHE_LINE_SIZE,
		c->socket);
	/* The pool keeps a floor of 16 entries; the limit is the sysctl's
	 * (0: no TIME_WAIT at all, every close overflows: N4). */
	ep->tw_limit = RTE_MIN((k->tcp_max_tw_buckets + c->n_workers - 1) / c->n_workers, n_tw);
	ep->mbuf_reserve = (uint32_t)((uint64_t)c->pool->size * c->conf->mbuf_reserve / 100);
	ep->ext.base = rte_zmalloc_socket("bs_tcp_ext", (size_t)n_ext * sizeof(struct tcb_ext),
		RTE_CACHE_LINE_SIZE, c->socket);
	ep->wheel = rte_zmalloc_socket("bs_tcp_wheel", sizeof(struct bs_wheel),
		RTE_CACHE_LINE_SIZE, c->socket);
	ep->tring = rte_zmalloc_socket("bs_tcp_tring", sizeof(struct bs_tring),
		RTE_CACHE_LINE_SIZE, c->socket);
	tkey.k0 = rte_rand();
	tkey.k1 = rte_rand();
	ep->table = bs_table_create(n_tcb + n_req + n_tw, &tkey, c->socket);
	if (ep->arena == NULL || ep->ext.base == NULL || ep->wheel == NULL ||
			ep->tring == NULL || ep->table == NULL)
		goto nomem;
	a = ep->arena;
	pool_init(&ep->tcb, a, sizeof(struct bs_tcb), n_tcb);
	pool_init(&ep->req, a + sz_tcb, sizeof(struct tcp_req), n_req);
	pool_init(&ep->tw, a + sz_tcb + sz_req, sizeof(struct tcp_tw), n_tw);
	pool_init(&ep->ext, ep->ext.base, sizeof(struct tcb_ext), n_ext);
	bs_table_set_pool(ep->table, TCP_POOL_TCB, ep->tcb.base, ep->tcb.stride);
	bs_table_set_pool(ep->table, TCP_POOL_REQ, ep->req.base, ep->req.stride);
	bs_table_set_pool_eq(ep->table, TCP_POOL_TW, ep->tw.base, ep->tw.stride,
		tw_key_eq, ep);
	tw_laddr6_init(ep);
	ep->now_ms = 1;
	if (bs_wheel_init(ep->wheel, ep->arena, sz_tcb + sz_req, ep->now_ms) != 0 ||
			bs_tring_init(ep->tring, ep->tw.base, sz_tw, ep->now_ms) != 0) {
		snprintf(err, errlen, "timer wheel: arena of %zu bytes too large", ep->arena_len);
		goto fail;
	}
	ep->rnd = rte_rand() | 1;
	key_from(&ep->isn_key, k->isn_secret, k->isn_secret_set);
	bs_tcp_ts_key(&ep->isn_key, &ep->ts_key);
	key_from(&ep->cookie_keys.k[0], k->syncookie_secret, k->syncookie_secret_set);
	/* The second cookie key derives from the first, so appliances that
	 * share syncookie_secret validate each other's cookies. */
	ep->cookie_keys.k[1].k0 = ep->cookie_keys.k[0].k0 ^ 0x5bd1e9955bd1e995ULL;
	ep->cookie_keys.k[1].k1 = ep->cookie_keys.k[0].k1 + 0x9e3779b97f4a7c15ULL;
	ep->n_listeners = c->conf->n_listeners;
	for (i = 0; i < ep->n_listeners; i++) {
		ep->lsn[i].lc = c->conf->listeners[i];
		ep->lsn[i].c = &ep->lsn[i].lc;
		ep->lsn[i].open = true;
		ep->lsn[i].backlog = bs_listener_backlog(c->conf, &c->conf->listeners[i]);
	}
	for (i = 0; i < ep->n_listeners; i++) {
		uint16_t port = ep->lsn[i].c->port;

		ep->lport_map[port >> 3] |= (uint8_t)(1u << (port & 7));
	}
	ep_lsn_backlog_update(ep);
	tcp_clients_init(ep);
	ep->tsc0 = rte_rdtsc();		/* ms 1 is when the endpoint is ready */
	ep->utc_ms0 = ep_utc_base(c->ip, ep->tsc0, c->tsc_hz);
	return ep;
nomem:
	snprintf(err, errlen, "TCP endpoint of worker %u: out of memory (%u connections, "
		"%u requests, %u TIME_WAIT entries)", c->worker, n_tcb, n_req, n_tw);
fail:
	bs_tcp_ep_free(ep);
	return NULL;
}

void
bs_tcp_ep_free(struct bs_tcp_ep *ep)
{
	uint32_t i;

	if (ep == NULL)
		return;
	/* Frames still queued on connections go back to their pool. */
	for (i = 0; ep->arena != NULL && ep->ext.base != NULL && i < ep->tcb.cap; i++) {
		struct bs_tcb *t = ep_tcb(ep, i);
		struct tcb_ext *x;

		if (t->state == BS_TCP_NONE || (x = tcb_ext(ep, t)) == NULL)
			continue;
		bs_mbuf_list_free(x->snd_head);
		bs_mbuf_list_free(x->rcv_head);
		bs_mbuf_list_free(x->ooo);
	}
	bs_table_free(ep->table);
	rte_free(ep->wheel);
	rte_free(ep->tring);
	rte_free(ep->ext.base);
	rte_free(ep->arena);
	rte_free(ep);
}

size_t
bs_tcp_ep_memory(const struct bs_tcp_ep *ep)
{
	return sizeof(*ep) + ep->arena_len + (size_t)ep->ext.cap * ep->ext.stride +
		sizeof(struct bs_wheel) + sizeof(struct bs_tring) + bs_table_memory(ep->table);
}

void
bs_tcp_ep_state_counts(const struct bs_tcp_ep *ep, uint64_t n[BS_TCP_STATE_MAX])
{
	unsigned int i;

	for (i = 0; i < BS_TCP_STATE_MAX; i++)
		n[i] = __atomic_load_n(&ep->state_count[i], __ATOMIC_RELAXED);
	n[BS_TCP_NEW_SYN_RECV] = ep->req.used;
	n[BS_TCP_TIME_WAIT] = ep->tw_count;
}

void
bs_tcp_ep_gauges(const struct bs_tcp_ep *ep, uint64_t g[BS_GAUGE_MAX])
{
	unsigned int i;

	g[BS_GAUGE_Connections] = ep->tcb.used;
	g[BS_GAUGE_ConnectionsMax] = ep->tcb.cap;
	g[BS_GAUGE_Requests] = ep->req.used;
	g[BS_GAUGE_RequestsMax] = ep->req.cap;
	g[BS_GAUGE_TimeWaitEntries] = ep->tw.used;
	g[BS_GAUGE_TimeWaitEntriesMax] = ep->tw.cap;
	g[BS_GAUGE_TimeWait] = ep->tw_count;
	g[BS_GAUGE_TimeWaitLimit] = ep->tw_limit;
	g[BS_GAUGE_Orphans] = ep->orphans;
	g[BS_GAUGE_Extensions] = ep->ext.used;
	g[BS_GAUGE_ExtensionsMax] = ep->ext.cap;
	g[BS_GAUGE_ListenersOpen] = 0;
	for (i = 0; i < ep->n_listeners; i++)
		g[BS_GAUGE_ListenersOpen] += ep->lsn[i].open;
}

const struct bs_tcp_client_stats *
bs_tcp_ep_client_stats(const struct bs_tcp_ep *ep, unsigned int client)
{
	return client < ep->n_clients ? &ep->cli[client].st : NULL;
}

static void
flow_of(struct bs_flow *f, const struct rte_mbuf *m, const struct bs_pkt *p,
		const struct bs_tcp_seg *s)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l2_len);

	if (p->kind == BS_PKT_IPV4)
		bs_flow_from_ipv4(f, l3 + 12, l3 + 16, s->sport, s->dport);
	else
		bs_flow_from_ipv6(f, l3 + 8, l3 + 24, s->sport, s->dport);
}

static uint8_t
pkt_tos(const struct rte_mbuf *m, const struct bs_pkt *p)
{
	const uint8_t *l3 = rte_pktmbuf_mtod_offset(m, const uint8_t *, p->l2_len);

	if (p->kind == BS_PKT_IPV4)
		return l3[1];
	return (uint8_t)((l3[0] << 4) | (l3[1] >> 4));
}

/* The segment @p m of flow @p f, whose table hash is ep->rx_hash. */
static __rte_always_inline enum bs_tcp_ep_result
ep_input_flow(struct bs_tcp_ep *ep, struct rte_mbuf *m, const struct bs_pkt *p,
		const struct bs_tcp_seg *s, const struct bs_tcp_l2 *l2,
		const struct bs_flow *f, struct bs_tcp_verdict *v)
{
	uint32_t val;
	int lsn, rc;

	/* 1. Connections, pending handshakes, TIME_WAIT (__inet_lookup_established). */
	val = bs_table_lookup(ep->table, f, ep->rx_hash);
	if (val != BS_TABLE_MISS) {
		uint32_t idx = TCP_VAL_IDX(val);

		switch (TCP_VAL_POOL(val)) {
		case TCP_POOL_TCB: {
			struct bs_tcb *t = ep_tcb(ep, idx);

			if (unlikely(ep->adj[t->adj].used == TCP_ADJ_PENDING))
				tcb_adj_refresh(ep, t);
			v->state = t->state;
			rc = tcp_tcb_rcv(ep, t, m, s, v);
			break;
		}
		case TCP_POOL_REQ:
			v->state = BS_TCP_NEW_SYN_RECV;
			rc = tcp_req_rcv(ep, ep_req(ep, idx), m, s, l2, v);
			break;
		default:
			v->state = (uint8_t)ep_tw(ep, idx)->substate;
			rc = tcp_tw_rcv(ep, ep_tw(ep, idx), m, s, l2, v);
			break;
		}
		if (rc >= 0)
			return (enum bs_tcp_ep_result)rc;
		/* -1: the entry is gone (N3, TW reopened): look again. */
	}
	/* 2. Listeners (__inet_lookup_listener). */
	lsn = tcp_find_listener(ep, f);
	if (lsn >= 0) {
		v->state = BS_TCP_LISTEN;
		rc = tcp_listen_rcv(ep, (unsigned int)lsn, m, s, f, l2, pkt_tos(m, p), v);
		ep->tw_isn = 0;	/* a TIME_WAIT reopen's ISN is for this SYN only */
		return (enum bs_tcp_ep_result)rc;
	}
	ep->tw_isn = 0;
	/* 3. Nothing: the CLOSED rules, unless another worker may own the
	 * connection (an active open's port that RSS gives it). */
	if (unlikely(ep->rss_check) && tcp_wrong_worker(ep, f, l2)) {
		v->action = BS_TCP_DISCARD;
		v->reason = BS_DROP_TCP_WRONG_WORKER;
		return BS_TCP_EP_VERDICT;
	}
	bs_tcp_input(s, v);
	v->state = BS_TCP_CLOSE;
	return BS_TCP_EP_VERDICT;
}

/* @p hash: the table hash of @p m's flow, or NULL (computed here). The
 * hash is kept for the segment's table insertions and deletions
 * (ep_flow_hash()). */
static __rte_always_inline enum bs_tcp_ep_result
ep_input(struct bs_tcp_ep *ep, struct rte_mbuf *m, const struct bs_pkt *p,
		const struct bs_tcp_seg *s, const struct bs_tcp_l2 *l2,
		const uint64_t *hash, struct bs_tcp_verdict *v)
{
	enum bs_tcp_ep_result r;
	struct bs_flow f;

	flow_of(&f, m, p, s);
	ep->rx_hash = hash != NULL ? *hash : bs_table_hash(ep->table, &f);
	ep->rx_flow = &f;
	r = ep_input_flow(ep, m, p, s, l2, &f, v);
	ep->rx_flow = NULL;
	return r;
}

enum bs_tcp_ep_result
bs_tcp_ep_input(struct bs_tcp_ep *ep, struct rte_mbuf *m, const struct bs_pkt *p,
		const struct bs_tcp_seg *s, const struct bs_tcp_l2 *l2,
		struct bs_tcp_verdict *v)
{
	return ep_input(ep, m, p, s, l2, NULL, v);
}

enum bs_tcp_ep_result
bs_tcp_ep_input_hashed(struct bs_tcp_ep *ep, struct rte_mbuf *m, const struct bs_pkt *p,
		const struct bs_tcp_seg *s, const struct bs_tcp_l2 *l2, uint64_t hash,
		struct bs_tcp_verdict *v)
{
	return ep_input(ep, m, p, s, l2, &hash, v);
}

const struct bs_table *
bs_tcp_ep_table(const struct bs_tcp_ep *ep)
{
	return ep->table;
}

static void
ep_timer_cb(void *ctx, struct bs_timer *tm)
{
	struct bs_tcp_ep *ep = ctx;
	uint8_t *o = (uint8_t *)tm;
	uint8_t *a = ep->arena;
	size_t sz_tcb = (size_t)ep->tcb.cap * ep->tcb.stride;

	if (o < a + sz_tcb)
		tcp_tcb_timer(ep, (struct bs_tcb *)(o - offsetof(struct bs_tcb, timer)));
	else
		tcp_req_timer(ep, (struct tcp_req *)(o - offsetof(struct tcp_req, timer)));
}

bool
bs_tcp_ep_stray(const struct bs_tcp_ep *ep, uint16_t dport)
{
	uint16_t port = bs_be16(dport);

	return bs_table_count(ep->table) == 0 &&
		!(ep->lport_map[port >> 3] & (1u << (port & 7)));
}

int
bs_tcp_ep_tx_rst(const struct bs_tcp_ep *ep)
{
	return (int)ep->tx_rst - 1;
}

bool
bs_tcp_ep_busy(const struct bs_tcp_ep *ep)
{
	return ep->wheel->count != 0 || bs_tring_count(ep->tring) != 0 ||
		ep->clients_pending || ep->n_acc != 0;
}

unsigned int
bs_tcp_ep_poll(struct bs_tcp_ep *ep, uint64_t tsc)
{
	unsigned int n = ep->n_acc;

	bs_tcp_ep_set_time(ep, tsc);
	if (n != 0)
		tcp_accept_run(ep);
	n += bs_wheel_advance(ep->wheel, ep->now_ms, 256, ep_timer_cb, ep);
	n += bs_tring_advance(ep->tring, ep->now_ms, 256, tw_ring_cb, ep);
	if (ep->clients_pending) {
		tcp_clients_poll(ep);
		n++;
	}
	return n;
}

/* A listener's exact address against a local address as it lies in a
 * header: 4 bytes (IPv4, which a listener holds v4-mapped) or 16. */
static inline bool
listener_addr_eq(const uint8_t *la, bool v4, const uint8_t *addr)
{
	static const uint8_t prefix[12] = BS_FLOW_V4MAPPED_PREFIX;

	if (v4)
		return memcmp(la, prefix, 12) == 0 && memcmp(la + 12, addr, 4) == 0;
	return memcmp(la, addr, 16) == 0;
}

int
tcp_find_listener_at(const struct bs_tcp_ep *ep, bool v4, const uint8_t *laddr,
		uint16_t lport)
{
	uint16_t port = rte_be_to_cpu_16(lport);
	int wild = -1;
	unsigned int i;

	for (i = 0; i < ep->n_listeners; i++) {
		const struct bs_listener_conf *l = ep->lsn[i].c;

		if (!ep->lsn[i].open || l->port != port)
			continue;
		if (l->family != 0 && l->family != (v4 ? AF_INET : AF_INET6))
			continue;
		if (!l->any) {
			if (listener_addr_eq(l->addr, v4, laddr))
				return (int)i;	/* an exact address wins */
			continue;
		}
		if (wild < 0)
			wild = (int)i;
	}
	return wild;
}

int
tcp_find_listener(const struct bs_tcp_ep *ep, const struct bs_flow *f)
{
	bool v4 = bs_flow_is_v4(f);

	return tcp_find_listener_at(ep, v4, v4 ? f->laddr + 12 : f->laddr, f->lport);
}

/*
 * close() of a listener (inet_csk_listen_stop): each child still on the
 * accept queue is disconnected, with an RST-ABORT from the tcp_need_reset
 * states (L3); pending handshakes are not answered now, they are dropped
 * when their timer fires or a segment finds them (L4, N3). The walk covers
 * the whole connection pool: a rare control action.
 */
void
bs_tcp_ep_listener_close(struct bs_tcp_ep *ep, unsigned int idx)
{
	uint32_t i;

	if (idx >= ep->n_listeners || !ep->lsn[idx].open)
		return;
	ep->lsn[idx].open = false;
	for (i = 0; i < ep->tcb.cap; i++) {
		struct bs_tcb *t = ep_tcb(ep, i);

		if (t->state != BS_TCP_NONE && t->owner == idx &&
				!(t->fl & (TCB_ACTIVE | TCB_ACCEPTED)))
			tcb_disconnect(ep, t);
	}
	ep->lsn[idx].n_accept = 0;
	ep_lsn_backlog_update(ep);
}
