/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * TIME_WAIT entries: their packed 4-tuple and their expiry.
 *
 * An entry keeps an IPv4 4-tuple in 12 bytes; an IPv6 one keeps the remote
 * address and the ports, and its local address as an index into a per-
 * endpoint dictionary of the local IPv6 addresses that have TIME_WAIT
 * entries (few: the configured addresses, or those of an AnyIP prefix in
 * use), each counted by the entries that hold it. The dictionary is found
 * by a linear-probing index under a random SipHash key, at most half full.
 */
#include <string.h>

#include <rte_random.h>

#include "tcp_ep_internal.h"

#define LADDR6_MASK (TCP_LADDR6_SLOTS - 1)

_Static_assert(TCP_LADDR6_SLOTS >= 2 * TCP_LADDR6_MAX, "the index is at most half full");
_Static_assert(TCP_LADDR6_MAX <= 1024, "struct tcp_tw.laddr6 is 10 bits");

void
tw_laddr6_init(struct bs_tcp_ep *ep)
{
	uint32_t i;

	ep->laddr6_key.k0 = rte_rand();
	ep->laddr6_key.k1 = rte_rand();
	memset(ep->laddr6_index, 0, sizeof(ep->laddr6_index));
	for (i = 0; i < TCP_LADDR6_MAX; i++) {
		ep->laddr6[i].refs = 0;
		ep->laddr6[i].next_free = i + 1 < TCP_LADDR6_MAX ? i + 1 : TCP_NONE;
	}
	ep->laddr6_free = 0;
}

static uint32_t
laddr6_home(const struct bs_tcp_ep *ep, const uint8_t a[16])
{
	uint64_t w[2];

	memcpy(w, a, 16);
	return (uint32_t)bs_siphash13(&ep->laddr6_key, w, 2) & LADDR6_MASK;
}

/* The dictionary entry of @p a, added if absent; TCP_NONE if full. */
static uint32_t
laddr6_get(struct bs_tcp_ep *ep, const uint8_t a[16])
{
	uint32_t s = laddr6_home(ep, a), i;

	for (;; s = (s + 1) & LADDR6_MASK) {
		uint16_t x = ep->laddr6_index[s];

		if (x == 0)
			break;
		if (memcmp(ep->laddr6[x - 1].a, a, 16) == 0) {
			ep->laddr6[x - 1].refs++;
			return x - 1u;
		}
	}
	i = ep->laddr6_free;
	if (i == TCP_NONE)
		return TCP_NONE;
	ep->laddr6_free = ep->laddr6[i].next_free;
	memcpy(ep->laddr6[i].a, a, 16);
	ep->laddr6[i].refs = 1;
	ep->laddr6_index[s] = (uint16_t)(i + 1);
	return i;
}

/* One entry less holds dictionary entry @p i; the last one frees it
 * (backward-shift deletion: no tombstones). */
static void
laddr6_put(struct bs_tcp_ep *ep, uint32_t i)
{
	uint32_t s = laddr6_home(ep, ep->laddr6[i].a), j;

	if (--ep->laddr6[i].refs != 0)
		return;
	while (ep->laddr6_index[s] != i + 1)
		s = (s + 1) & LADDR6_MASK;
	for (;;) {
		ep->laddr6_index[s] = 0;
		for (j = (s + 1) & LADDR6_MASK; ep->laddr6_index[j] != 0;
				j = (j + 1) & LADDR6_MASK) {
			uint32_t h = laddr6_home(ep, ep->laddr6[ep->laddr6_index[j] - 1].a);

			/* j's entry may fill the hole at s unless its home lies
			 * in (s, j], cyclically. */
			if (s <= j ? (h <= s || h > j) : (h <= s && h > j))
				break;
		}
		if (ep->laddr6_index[j] == 0)
			break;
		ep->laddr6_index[s] = ep->laddr6_index[j];
		s = j;
	}
	ep->laddr6[i].next_free = ep->laddr6_free;
	ep->laddr6_free = i;
}

/* Pack @p f into @p tw; false if an IPv6 local address finds no room. */
bool
tw_key_set(struct bs_tcp_ep *ep, struct tcp_tw *tw, const struct bs_flow *f)
{
	uint32_t i;

	tw->rport = f->rport;
	tw->lport = f->lport;
	if (bs_flow_is_v4(f)) {
		memcpy(&tw->a.v4.raddr, f->raddr + 12, 4);
		memcpy(&tw->a.v4.laddr, f->laddr + 12, 4);
		tw->fl &= ~TW_V6;
		return true;
	}
	i = laddr6_get(ep, f->laddr);
	if (i == TCP_NONE)
		return false;
	memcpy(tw->a.raddr6, f->raddr, 16);
	tw->laddr6 = i & (TCP_LADDR6_MAX - 1);
	tw->fl |= TW_V6;
	return true;
}

/* The entry gives its key up (before it returns to the pool). */
void
tw_key_put(struct bs_tcp_ep *ep, struct tcp_tw *tw)
{
	if (tw->fl & TW_V6)
		laddr6_put(ep, tw->laddr6);
}

/* bs_table_key_eq for the TIME_WAIT pool. */
bool
tw_key_eq(const void *ctx, const void *obj, const struct bs_flow *key)
{
	const struct bs_tcp_ep *ep = ctx;
	const struct tcp_tw *tw = obj;
	uint32_t r, l;

	if (tw->rport != key->rport || tw->lport != key->lport)
		return false;
	if (tw->fl & TW_V6)
		return memcmp(tw->a.raddr6, key->raddr, 16) == 0 &&
			memcmp(ep->laddr6[tw->laddr6].a, key->laddr, 16) == 0;
	memcpy(&r, key->raddr + 12, 4);
	memcpy(&l, key->laddr + 12, 4);
	return bs_flow_is_v4(key) && tw->a.v4.raddr == r && tw->a.v4.laddr == l;
}

/* The 4-tuple of @p tw, unpacked. */
void
tw_flow(const struct bs_tcp_ep *ep, const struct tcp_tw *tw, struct bs_flow *f)
{
	if (tw->fl & TW_V6)
		bs_flow_from_ipv6(f, tw->a.raddr6, ep->laddr6[tw->laddr6].a, tw->rport,
			tw->lport);
	else
		bs_flow_from_ipv4(f, &tw->a.v4.raddr, &tw->a.v4.laddr, tw->rport,
			tw->lport);
}

void
tw_ring_cb(void *ctx, struct bs_tnode *n)
{
	tcp_tw_timer(ctx, (struct tcp_tw *)((uint8_t *)n - offsetof(struct tcp_tw, node)));
}

/* (Re)start the entry's timeout: TCP_TIMEWAIT_LEN, or the FIN_WAIT2
 * mini-socket's, which tcp_time_wait() callers keep at or below it. */
void
tw_arm(struct bs_tcp_ep *ep, struct tcp_tw *tw, uint32_t delay_ms)
{
	bs_tring_arm(ep->tring, &tw->node, ep->now_ms, delay_ms, tw_ring_cb, ep);
}
