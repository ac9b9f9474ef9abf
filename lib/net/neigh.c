/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour cache (bs_neigh.h): a set-associative table, the frames
 * held for an address being resolved, and the solicitation schedule of
 * neigh_timer_handler.
 */
#include <string.h>

#include "bs_neigh.h"

static unsigned int
neigh_set(uint8_t port, uint16_t vlan, const uint8_t ip[16])
{
	uint32_t a, b;

	memcpy(&a, ip + 12, 4);
	memcpy(&b, ip + 8, 4);
	a ^= b * 31u ^ (uint32_t)vlan << 8 ^ port;
	return (a * 2654435761u) >> 26;	/* 64 sets */
}

_Static_assert(BS_NEIGH_SETS == 64, "neigh_set() yields 6 bits");

void
bs_neigh_init(struct bs_neigh_table *t)
{
	memset(t, 0, sizeof(*t));
	t->tokens = BS_NEIGH_SOLICIT_BURST;
}

static bool
neigh_is(const struct bs_neigh *n, uint8_t port, uint16_t vlan, const uint8_t ip[16])
{
	return n->state != BS_NEIGH_NONE && n->port == port && n->vlan == vlan &&
		memcmp(n->ip, ip, 16) == 0;
}

struct bs_neigh *
bs_neigh_find(struct bs_neigh_table *t, uint8_t port, uint16_t vlan, const uint8_t ip[16])
{
	struct bs_neigh *s = &t->e[neigh_set(port, vlan, ip) * BS_NEIGH_WAYS];
	unsigned int i;

	for (i = 0; i < BS_NEIGH_WAYS; i++)
		if (neigh_is(&s[i], port, vlan, ip))
			return &s[i];
	return NULL;
}

/* A slot for a new entry: a free one, a failed one, else the VALID entry
 * updated longest ago. INCOMPLETE entries hold frames: never taken. */
static struct bs_neigh *
neigh_slot(struct bs_neigh_table *t, uint8_t port, uint16_t vlan, const uint8_t ip[16],
		uint32_t now)
{
	struct bs_neigh *s = &t->e[neigh_set(port, vlan, ip) * BS_NEIGH_WAYS];
	struct bs_neigh *best = NULL;
	unsigned int i;

	for (i = 0; i < BS_NEIGH_WAYS; i++) {
		struct bs_neigh *n = &s[i];

		if (n->state == BS_NEIGH_NONE || n->state == BS_NEIGH_FAILED) {
			best = n;
			break;
		}
		if (n->state == BS_NEIGH_VALID && (best == NULL ||
				now - n->updated > now - best->updated))
			best = n;
	}
	if (best == NULL)
		return NULL;
	memset(best, 0, sizeof(*best));
	memcpy(best->ip, ip, 16);
	best->port = port;
	best->vlan = vlan;
	return best;
}

static void
neigh_start(struct bs_neigh_table *t, struct bs_neigh *n, uint32_t now)
{
	n->state = BS_NEIGH_INCOMPLETE;
	n->probes = 0;
	n->next = now;
	if (t->n_incomplete++ == 0 || (int32_t)(now - t->next_due) < 0)
		t->next_due = now;
}

struct bs_neigh *
bs_neigh_resolve(struct bs_neigh_table *t, uint8_t port, uint16_t vlan,
		const uint8_t ip[16], uint32_t now)
{
	struct bs_neigh *n = bs_neigh_find(t, port, vlan, ip);

	if (n == NULL) {
		n = neigh_slot(t, port, vlan, ip, now);
		if (n == NULL)
			return NULL;
	}
	if (n->state == BS_NEIGH_NONE || n->state == BS_NEIGH_FAILED)
		neigh_start(t, n, now);
	return n;
}

struct rte_mbuf *
bs_neigh_hold(struct bs_neigh *n, struct rte_mbuf *m)
{
	struct rte_mbuf *old = NULL;

	if (n->n_held == BS_NEIGH_UNRES_QLEN) {
		old = n->held;
		n->held = old->next;
		old->next = NULL;
		n->n_held--;
	}
	m->next = NULL;
	if (n->held == NULL)
		n->held = m;
	else
		n->held_tail->next = m;
	n->held_tail = m;
	n->n_held++;
	return old;
}

struct rte_mbuf *
bs_neigh_take_held(struct bs_neigh *n)
{
	struct rte_mbuf *h = n->held;

	n->held = NULL;
	n->held_tail = NULL;
	n->n_held = 0;
	return h;
}

enum bs_neigh_learnt
bs_neigh_learn(struct bs_neigh_table *t, uint8_t port, uint16_t vlan,
		const struct bs_neigh_news *nw, uint32_t now, struct bs_neigh **out)
{
	struct bs_neigh *n = bs_neigh_find(t, port, vlan, nw->ip);
	enum bs_neigh_learnt r = BS_NEIGH_CONFIRMED;

	*out = NULL;
	if (nw->flags == 0)
		return BS_NEIGH_IGNORED;
	if (n == NULL) {
		/* Only a request for one of our addresses creates an entry. */
		if (!(nw->flags & BS_NEWS_CREATE))
			return BS_NEIGH_IGNORED;
		n = neigh_slot(t, port, vlan, nw->ip, now);
		if (n == NULL)
			return BS_NEIGH_IGNORED;
	} else if (n->state == BS_NEIGH_VALID) {
		if (rte_is_same_ether_addr(&n->mac, &nw->mac)) {
			*out = n;
			return BS_NEIGH_CONFIRMED;
		}
		if (!(nw->flags & BS_NEWS_OVERRIDE) && !((nw->flags & BS_NEWS_LOCKTIME) &&
				now - n->updated >= BS_NEIGH_LOCKTIME_MS))
			return BS_NEIGH_IGNORED;	/* neigh_update without override */
	} else if (n->state == BS_NEIGH_INCOMPLETE) {
		t->n_incomplete--;
		r = BS_NEIGH_RESOLVED;
	}
	n->mac = nw->mac;
	n->state = BS_NEIGH_VALID;
	n->updated = now;
	*out = n;
	return r;
}

/* One solicitation per millisecond, in bursts of BS_NEIGH_SOLICIT_BURST. */
static bool
neigh_token(struct bs_neigh_table *t, uint32_t now)
{
	uint64_t add = (uint64_t)(now - t->tokens_ms) * BS_NEIGH_SOLICIT_PER_S / 1000;

	if (add != 0) {
		t->tokens = (uint32_t)RTE_MIN(t->tokens + add, (uint64_t)BS_NEIGH_SOLICIT_BURST);
		t->tokens_ms = now;
	}
	if (t->tokens == 0)
		return false;
	t->tokens--;
	return true;
}

unsigned int
bs_neigh_tick(struct bs_neigh_table *t, uint32_t now, bs_neigh_solicit_fn solicit,
		bs_neigh_fail_fn fail, void *arg)
{
	unsigned int i, left = t->n_incomplete, postponed = 0;
	uint32_t due = now + BS_NEIGH_RETRANS_MS;

	/* An entry started by a callback lowers next_due again. */
	t->next_due = due;
	for (i = 0; i < RTE_DIM(t->e) && left != 0; i++) {
		struct bs_neigh *n = &t->e[i];

		if (n->state != BS_NEIGH_INCOMPLETE)
			continue;
		left--;
		if ((int32_t)(now - n->next) < 0) {
			if ((int32_t)(n->next - due) < 0)
				due = n->next;
			continue;
		}
		if (n->probes >= BS_NEIGH_PROBES) {
			/* neigh_invalidate: the held frames are unreachable. */
			n->state = BS_NEIGH_FAILED;
			t->n_incomplete--;
			fail(arg, n, bs_neigh_take_held(n));
			continue;
		}
		if (!neigh_token(t, now)) {
			postponed++;
			due = now + 1;
			continue;
		}
		n->probes++;
		n->next = now + BS_NEIGH_RETRANS_MS;
		if ((int32_t)(n->next - due) < 0)
			due = n->next;
		solicit(arg, n);
	}
	if ((int32_t)(due - t->next_due) < 0)
		t->next_due = due;
	return postponed;
}

void
bs_mbuf_list_free(struct rte_mbuf *m)
{
	while (m != NULL) {
		struct rte_mbuf *next = m->next;

		m->next = NULL;
		m->nb_segs = 1;
		rte_pktmbuf_free(m);
		m = next;
	}
}
