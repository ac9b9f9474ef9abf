/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Neighbour resolution for the endpoint's active opens, as Linux's
 * neigh_resolve_output does it: the first frame for an unknown next hop
 * creates an INCOMPLETE entry in the worker's cache (lib/net/bs_neigh.h)
 * and waits on it; an ARP request (broadcast) or a neighbour solicitation
 * (to the solicited-node group) goes out at once and twice more a second
 * apart; the answer sends the held frames; silence for three seconds fails
 * the entry and reports each held frame to the endpoint (EHOSTUNREACH for
 * a connecting socket).
 *
 * Replies land on whatever queue RSS gives them (ARP: queue 0), not on the
 * worker that asked: with several workers each one passes what it learns
 * to the others' inboxes (an rte_ring each, many writers, one reader), and
 * each applies it to its own cache under the same rules.
 */
#include <string.h>

#include <rte_cycles.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "bs_l3reply.h"
#include "bs_tcp_ep.h"
#include "worker_internal.h"

#define INBOX_BURST 32
#define SOLICIT_MAX 90		/* an NS with its option, 802.1Q-tagged */

static inline void
count(struct bs_worker *w, enum bs_counter c, uint64_t n)
{
	bs_cnt_add(&w->stats.cnt[c], n);
}

static void
drop(struct bs_worker *w, struct rte_mbuf *m, unsigned int reason)
{
	bs_cnt_add(&w->stats.drop[reason], 1);
	rte_pktmbuf_free(m);
}

/* The cache's clock: milliseconds of the TSC. */
static uint32_t
worker_ms(const struct bs_worker *w)
{
	uint64_t per_ms = w->ip->tsc_hz / 1000;

	return (uint32_t)((rte_rdtsc() - w->ip->tsc0) / (per_ms != 0 ? per_ms : 1));
}

static void
v4mapped(uint8_t ip[16], const uint8_t *v4)
{
	memset(ip, 0, 10);
	ip[10] = 0xff;
	ip[11] = 0xff;
	memcpy(ip + 12, v4, 4);
}

/* VLAN, destination and source of a frame the endpoint built. */
static int
frame_addrs(const struct rte_mbuf *m, uint16_t *vlan, uint8_t dst[16], uint8_t src[16])
{
	const uint8_t *f = rte_pktmbuf_mtod(m, const uint8_t *);
	uint32_t off = sizeof(struct rte_ether_hdr);
	uint16_t type = (uint16_t)(f[12] << 8 | f[13]);

	*vlan = 0;
	if (type == RTE_ETHER_TYPE_VLAN) {
		*vlan = (uint16_t)((f[14] << 8 | f[15]) & 0xfff);
		type = (uint16_t)(f[16] << 8 | f[17]);
		off += sizeof(struct rte_vlan_hdr);
	}
	if (type == RTE_ETHER_TYPE_IPV4 && m->data_len >= off + sizeof(struct rte_ipv4_hdr)) {
		v4mapped(dst, f + off + 16);
		v4mapped(src, f + off + 12);
	} else if (type == RTE_ETHER_TYPE_IPV6 &&
			m->data_len >= off + sizeof(struct rte_ipv6_hdr)) {
		memcpy(dst, f + off + 24, 16);
		memcpy(src, f + off + 8, 16);
	} else {
		return -1;
	}
	return 0;
}

static bool
addr_is(const struct bs_addr *a, const uint8_t ip[16])
{
	return a->family == 4 ? memcmp(&a->v4, ip + 12, 4) == 0 : memcmp(a->v6, ip, 16) == 0;
}

/* The port and subnet a peer is on: a subnet holding both the peer and
 * our source address first, then any holding the peer. */
static const struct bs_addr *
peer_subnet(const struct bs_worker *w, const uint8_t raddr[16], const uint8_t *laddr,
		unsigned int *port)
{
	const struct bs_addr *first = NULL;
	unsigned int i;

	for (i = 0; i < w->n_ports; i++) {
		const struct bs_addr *a = bs_addr_onlink(w->ports[i].addrs, raddr, laddr);

		if (a == NULL)
			continue;
		if (laddr == NULL || addr_is(a, laddr)) {
			*port = i;
			return a;
		}
		if (first == NULL) {
			first = a;
			*port = i;
		}
	}
	return first;
}

int
bs_worker_ep_resolve(void *arg, struct bs_flow *f, struct bs_tcp_l2 *l2)
{
	static const uint8_t unspecified[16];
	struct bs_worker *w = arg;
	bool any = memcmp(f->laddr, unspecified, 16) == 0;
	const struct bs_addr *a;
	struct bs_neigh *n;
	unsigned int i = 0;

	a = peer_subnet(w, f->raddr, any ? NULL : f->laddr, &i);
	if (a == NULL)
		return -ENETUNREACH;
	if (any) {
		if (a->family == 4)
			v4mapped(f->laddr, (const uint8_t *)&a->v4);
		else
			memcpy(f->laddr, a->v6, 16);
	}
	l2->port = w->ports[i].tx_idx;
	l2->rx_port = (uint8_t)i;
	l2->vlan = a->vlan;
	n = bs_neigh_resolve(&w->neigh, l2->port, a->vlan, f->raddr, worker_ms(w));
	if (n == NULL)
		return -EAGAIN;
	if (n->state == BS_NEIGH_VALID) {
		l2->peer = n->mac;
		return BS_TCP_RESOLVED;
	}
	memset(&l2->peer, 0, sizeof(l2->peer));
	return BS_TCP_RESOLVING;
}

void
bs_worker_ep_hold(void *arg, unsigned int port, struct rte_mbuf *m)
{
	struct bs_worker *w = arg;
	uint8_t dst[16], src[16];
	struct rte_mbuf *old;
	struct bs_neigh *n;
	uint16_t vlan;

	if (m->nb_segs != 1 || frame_addrs(m, &vlan, dst, src) != 0) {
		drop(w, m, BS_DROP_UNHANDLED_PROTO);
		return;
	}
	n = bs_neigh_resolve(&w->neigh, (uint8_t)port, vlan, dst, worker_ms(w));
	if (n == NULL) {
		drop(w, m, BS_DROP_NEIGH_CREATEFAIL);
		return;
	}
	if (n->state == BS_NEIGH_VALID) {
		rte_ether_addr_copy(&n->mac, rte_pktmbuf_mtod(m, struct rte_ether_addr *));
		bs_worker_ep_tx(w, port, m);
		return;
	}
	old = bs_neigh_hold(n, m);
	if (old != NULL)
		drop(w, old, BS_DROP_NEIGH_QUEUEFULL);
}

/* Our address for a solicitation: the newest held frame's source
 * (arp_solicit, ndisc_solicit), else our address in the peer's subnet. */
static int
solicit_src(const struct bs_worker *w, const struct bs_neigh *n, uint8_t src[16])
{
	uint8_t dst[16];
	uint16_t vlan;
	unsigned int i;

	if (n->held_tail != NULL && frame_addrs(n->held_tail, &vlan, dst, src) == 0)
		return 0;
	for (i = 0; i < w->n_ports; i++) {
		const struct bs_addr *a;

		if (w->ports[i].tx_idx != n->port)
			continue;
		a = bs_addr_onlink(w->ports[i].addrs, n->ip, NULL);
		if (a == NULL || a->vlan != n->vlan)
			continue;
		if (a->family == 4)
			v4mapped(src, (const uint8_t *)&a->v4);
		else
			memcpy(src, a->v6, 16);
		return 0;
	}
	return -1;
}

/* bs_neigh_tick: one ARP request or neighbour solicitation. */
static void
neigh_solicit(void *arg, struct bs_neigh *n)
{
	static const uint8_t v4prefix[12] = { [10] = 0xff, [11] = 0xff };
	struct bs_worker *w = arg;
	struct bs_worker_port *wp = &w->ports[n->port];
	struct rte_mbuf *m;
	uint8_t src[16], *frame;
	uint32_t len, sip, tip;

	if (solicit_src(w, n, src) != 0)
		return;
	m = rte_pktmbuf_alloc(w->pool);
	if (m == NULL) {
		bs_cnt_add(&w->stats.drop[BS_DROP_NOMEM], 1);
		return;
	}
	frame = (uint8_t *)rte_pktmbuf_append(m, SOLICIT_MAX);
	if (frame == NULL) {
		drop(w, m, BS_DROP_NOMEM);
		return;
	}
	if (memcmp(n->ip, v4prefix, 12) == 0) {
		memcpy(&sip, src + 12, 4);
		memcpy(&tip, n->ip + 12, 4);
		len = bs_arp_request(frame, &wp->mac, n->vlan, sip, tip);
		count(w, BS_CNT_ArpOutRequests, 1);
	} else {
		len = bs_nd_solicit(frame, &wp->mac, n->vlan, src, n->ip);
		count(w, BS_CNT_Icmp6OutNeighborSolicits, 1);
	}
	rte_pktmbuf_trim(m, (uint16_t)(SOLICIT_MAX - len));
	bs_worker_ep_tx(w, n->port, m);
}

/* bs_neigh_tick: nobody answered; every held frame is unreachable. */
static void
neigh_fail(void *arg, struct bs_neigh *n, struct rte_mbuf *held)
{
	struct bs_worker *w = arg;

	(void)n;
	count(w, BS_CNT_NeighResFailed, 1);
	while (held != NULL) {
		struct rte_mbuf *next = held->next;

		held->next = NULL;
		if (w->ep != NULL)
			bs_tcp_ep_unreachable(w->ep, rte_pktmbuf_mtod(held, const uint8_t *),
				held->data_len);
		drop(w, held, BS_DROP_NEIGH_FAILED);
		held = next;
	}
}

static enum bs_neigh_learnt
neigh_apply(struct bs_worker *w, uint8_t port, uint16_t vlan, const struct bs_neigh_news *nw)
{
	struct bs_neigh *n;
	enum bs_neigh_learnt r = bs_neigh_learn(&w->neigh, port, vlan, nw, worker_ms(w), &n);
	struct rte_mbuf *m;

	if (r != BS_NEIGH_RESOLVED)
		return r;
	count(w, BS_CNT_NeighResolved, 1);
	m = bs_neigh_take_held(n);
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		rte_ether_addr_copy(&n->mac, rte_pktmbuf_mtod(m, struct rte_ether_addr *));
		bs_worker_ep_tx(w, port, m);
		m = next;
	}
	return r;
}

enum bs_neigh_learnt
bs_worker_neigh_news(struct bs_worker *w, const struct bs_worker_port *wp, uint16_t vlan,
		const struct bs_neigh_news *nw)
{
	struct worker_neigh_msg msg = { .nw = *nw, .vlan = vlan, .port = wp->tx_idx };
	unsigned int i;

	if (w->inbox != NULL)
		for (i = 0; i < w->n_workers; i++)
			if (i != w->index && rte_ring_mp_enqueue_elem(w->inbox[i], &msg,
					sizeof(msg)) != 0)
				count(w, BS_CNT_NeighUpdatesLost, 1);
	return neigh_apply(w, wp->tx_idx, vlan, nw);
}

void
bs_worker_neigh_poll(struct bs_worker *w)
{
	struct worker_neigh_msg msg[INBOX_BURST];
	unsigned int i, n;
	uint32_t now;

	if (w->inbox != NULL) {
		n = rte_ring_sc_dequeue_burst_elem(w->inbox[w->index], msg, sizeof(msg[0]),
			INBOX_BURST, NULL);
		for (i = 0; i < n; i++)
			neigh_apply(w, msg[i].port, msg[i].vlan, &msg[i].nw);
	}
	if (w->neigh.n_incomplete == 0)
		return;
	now = worker_ms(w);
	if (bs_neigh_due(&w->neigh, now))
		count(w, BS_CNT_NeighSolicitsPostponed,
			bs_neigh_tick(&w->neigh, now, neigh_solicit, neigh_fail, w));
}
