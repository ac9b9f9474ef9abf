/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The neighbour cache (lib/net/bs_neigh.h) as a pure function of its
 * calls and a fake clock: states, held frames, the solicitation schedule
 * (3 probes a second apart, then FAILED), the budget, and the learning
 * rules that keep unsolicited replies from creating entries.
 */
#include <stdlib.h>

#include <rte_eal.h>
#include <rte_mbuf.h>

#include "bs_neigh.h"
#include "bs_test.h"
#include "frames.h"

static struct rte_mempool *pool;
static struct bs_neigh_table tab;
static unsigned int n_solicit, n_fail, n_failed_frames;
static struct bs_neigh *last_solicit;

static const struct rte_ether_addr mac_a = { .addr_bytes = { 2, 0, 0, 0, 0, 0xa } };
static const struct rte_ether_addr mac_b = { .addr_bytes = { 2, 0, 0, 0, 0, 0xb } };

static void
ip4(uint8_t ip[16], uint32_t host)
{
	memset(ip, 0, 16);
	ip[10] = 0xff;
	ip[11] = 0xff;
	ip[12] = 198;
	ip[13] = 18;
	ip[14] = (uint8_t)(host >> 8);
	ip[15] = (uint8_t)host;
}

static void
on_solicit(void *arg, struct bs_neigh *n)
{
	(void)arg;
	n_solicit++;
	last_solicit = n;
}

static void
on_fail(void *arg, struct bs_neigh *n, struct rte_mbuf *held)
{
	(void)arg;
	(void)n;
	n_fail++;
	while (held != NULL) {
		struct rte_mbuf *next = held->next;

		held->next = NULL;
		rte_pktmbuf_free(held);
		n_failed_frames++;
		held = next;
	}
}

static void
reset(void)
{
	bs_neigh_init(&tab);
	n_solicit = n_fail = n_failed_frames = 0;
	last_solicit = NULL;
}

static unsigned int
tick(uint32_t now)
{
	return bs_neigh_due(&tab, now) ?
		bs_neigh_tick(&tab, now, on_solicit, on_fail, NULL) : 0;
}

static struct bs_neigh_news
news(const uint8_t ip[16], const struct rte_ether_addr *mac, uint8_t flags)
{
	struct bs_neigh_news nw;

	memcpy(nw.ip, ip, 16);
	nw.mac = *mac;
	nw.flags = flags;
	return nw;
}

/* Resolution: immediate first probe, two more a second apart, FAILED at
 * 3 s with the held frames handed back; the next frame starts over. */
static void
test_schedule(void)
{
	struct rte_mbuf *m[3], *old;
	struct bs_neigh *n;
	uint8_t ip[16];
	unsigned int i, in_use = rte_mempool_in_use_count(pool);

	reset();
	ip4(ip, 1);
	n = bs_neigh_resolve(&tab, 0, 0, ip, 1000);
	CHECK(n != NULL, "an entry");
	CHECK_EQ(n->state, BS_NEIGH_INCOMPLETE, "INCOMPLETE");
	CHECK_EQ(tab.n_incomplete, 1, "one resolution");
	CHECK(bs_neigh_resolve(&tab, 0, 0, ip, 1000) == n, "the same entry again");
	CHECK_EQ(tab.n_incomplete, 1, "still one");
	for (i = 0; i < 3; i++) {
		m[i] = rte_pktmbuf_alloc(pool);
		old = bs_neigh_hold(n, m[i]);
		CHECK(old == NULL, "held %u", i);
	}
	CHECK_EQ(n->n_held, 3, "three held");
	CHECK_EQ(tick(1000), 0, "first tick");
	CHECK_EQ(n_solicit, 1, "first solicitation at once");
	CHECK(last_solicit == n, "for the entry");
	CHECK_EQ(tick(1999), 0, "before a second");
	CHECK_EQ(n_solicit, 1, "nothing before retrans_time");
	tick(2000);
	CHECK_EQ(n_solicit, 2, "second at 1 s");
	tick(3000);
	CHECK_EQ(n_solicit, 3, "third at 2 s");
	tick(3999);
	CHECK_EQ(n_fail, 0, "not failed before 3 s");
	tick(4000);
	CHECK_EQ(n_solicit, 3, "no fourth solicitation");
	CHECK_EQ(n_fail, 1, "FAILED at 3 s");
	CHECK_EQ(n_failed_frames, 3, "the held frames reported");
	CHECK_EQ(n->state, BS_NEIGH_FAILED, "state FAILED");
	CHECK_EQ(tab.n_incomplete, 0, "no resolution left");
	CHECK(!bs_neigh_due(&tab, 100000), "nothing due");
	CHECK_EQ(rte_mempool_in_use_count(pool), in_use, "frames freed");
	/* A FAILED entry starts over on the next frame (__neigh_event_send). */
	CHECK(bs_neigh_resolve(&tab, 0, 0, ip, 5000) == n, "the failed entry reused");
	CHECK_EQ(n->state, BS_NEIGH_INCOMPLETE, "resolving again");
	CHECK_EQ(n->probes, 0, "probes reset");
	tick(5000);
	CHECK_EQ(n_solicit, 4, "a new first solicitation");
}

/* unres_qlen: the 102nd frame pushes the oldest out. */
static void
test_hold(void)
{
	struct rte_mbuf *first = NULL, *second = NULL, *old, *h;
	struct bs_neigh *n;
	uint8_t ip[16];
	unsigned int i, k, in_use = rte_mempool_in_use_count(pool);

	reset();
	ip4(ip, 2);
	n = bs_neigh_resolve(&tab, 0, 0, ip, 0);
	for (i = 0; i < BS_NEIGH_UNRES_QLEN; i++) {
		struct rte_mbuf *m = rte_pktmbuf_alloc(pool);

		if (i == 0)
			first = m;
		if (i == 1)
			second = m;
		CHECK(bs_neigh_hold(n, m) == NULL, "frame %u held", i);
	}
	old = bs_neigh_hold(n, rte_pktmbuf_alloc(pool));
	CHECK(old == first, "the oldest pushed out");
	CHECK_EQ(n->n_held, BS_NEIGH_UNRES_QLEN, "queue stays full");
	rte_pktmbuf_free(old);
	h = bs_neigh_take_held(n);
	CHECK(h == second, "oldest first");
	CHECK_EQ(n->n_held, 0, "taken");
	for (k = 0; h != NULL; k++) {
		struct rte_mbuf *next = h->next;

		h->next = NULL;
		rte_pktmbuf_free(h);
		h = next;
	}
	CHECK_EQ(k, BS_NEIGH_UNRES_QLEN, "every held frame in the list");
	CHECK_EQ(rte_mempool_in_use_count(pool), in_use, "frames balanced");
}

/* The rules of bs_neigh.h: who may create and who may change an entry. */
static void
test_learn(void)
{
	struct bs_neigh_news nw;
	struct bs_neigh *n, *got;
	uint8_t ip[16], ip2[16];

	reset();
	ip4(ip, 3);
	ip4(ip2, 4);
	/* Unsolicited replies create nothing (arp_accept = 0). */
	nw = news(ip, &mac_a, BS_NEWS_UPDATE | BS_NEWS_LOCKTIME);
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 100, &got), BS_NEIGH_IGNORED,
		"an ARP reply nobody asked for");
	CHECK(bs_neigh_find(&tab, 0, 0, ip) == NULL, "no entry planted");
	nw.flags = BS_NEWS_UPDATE | BS_NEWS_OVERRIDE;
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 100, &got), BS_NEIGH_IGNORED,
		"a gratuitous ARP or override NA");
	CHECK(bs_neigh_find(&tab, 0, 0, ip) == NULL, "still no entry");
	nw.flags = 0;
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 100, &got), BS_NEIGH_IGNORED, "no news");

	/* Our resolution: a reply completes it. */
	n = bs_neigh_resolve(&tab, 0, 0, ip, 100);
	nw = news(ip, &mac_a, BS_NEWS_UPDATE);
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 150, &got), BS_NEIGH_RESOLVED,
		"a solicited NA (no override) resolves");
	CHECK(got == n && n->state == BS_NEIGH_VALID, "VALID");
	CHECK(rte_is_same_ether_addr(&n->mac, &mac_a), "MAC a");
	CHECK_EQ(tab.n_incomplete, 0, "resolution done");
	CHECK_EQ(n->updated, 150, "updated when resolved");

	/* A different MAC: not without override, ARP after locktime. */
	nw = news(ip, &mac_b, BS_NEWS_UPDATE);
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 5000, &got), BS_NEIGH_IGNORED,
		"NA without override keeps the MAC");
	nw.flags = BS_NEWS_UPDATE | BS_NEWS_LOCKTIME;
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 150 + BS_NEIGH_LOCKTIME_MS - 1, &got),
		BS_NEIGH_IGNORED, "ARP within locktime");
	CHECK(rte_is_same_ether_addr(&n->mac, &mac_a), "still MAC a");
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 150 + BS_NEIGH_LOCKTIME_MS, &got),
		BS_NEIGH_CONFIRMED, "ARP after locktime");
	CHECK(rte_is_same_ether_addr(&n->mac, &mac_b), "MAC b");
	nw = news(ip, &mac_a, BS_NEWS_UPDATE | BS_NEWS_OVERRIDE);
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 1200, &got), BS_NEIGH_CONFIRMED,
		"override at once");
	CHECK(rte_is_same_ether_addr(&n->mac, &mac_a), "MAC a again");
	nw.flags = BS_NEWS_UPDATE;
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 1300, &got), BS_NEIGH_CONFIRMED,
		"the same MAC confirms");
	CHECK_EQ(n->updated, 1200, "a confirmation does not move locktime");

	/* A request for our address creates the sender's entry. */
	nw = news(ip2, &mac_b, BS_NEWS_UPDATE | BS_NEWS_CREATE | BS_NEWS_OVERRIDE);
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 2000, &got), BS_NEIGH_CONFIRMED,
		"request for us");
	n = bs_neigh_find(&tab, 0, 0, ip2);
	CHECK(n != NULL && got == n && n->state == BS_NEIGH_VALID, "created VALID");
	CHECK(n != NULL && rte_is_same_ether_addr(&n->mac, &mac_b), "its MAC");
	CHECK(bs_neigh_resolve(&tab, 0, 0, ip2, 2001) == n, "resolve finds it");
	CHECK_EQ(tab.n_incomplete, 0, "no resolution needed");

	/* Port and VLAN are part of the key. */
	CHECK(bs_neigh_find(&tab, 0, 100, ip2) == NULL, "not on VLAN 100");
	CHECK(bs_neigh_find(&tab, 1, 0, ip2) == NULL, "not on port 1");
	nw = news(ip2, &mac_a, BS_NEWS_UPDATE | BS_NEWS_OVERRIDE);
	CHECK_EQ(bs_neigh_learn(&tab, 0, 100, &nw, 2100, &got), BS_NEIGH_IGNORED,
		"news on VLAN 100 leaves VLAN 0 alone");
	CHECK(rte_is_same_ether_addr(&n->mac, &mac_b), "VLAN 0 entry unchanged");

	/* A FAILED entry takes a reply (neigh_update: not NUD_VALID). */
	reset();
	n = bs_neigh_resolve(&tab, 0, 0, ip, 0);
	tick(0);
	tick(1000);
	tick(2000);
	tick(3000);
	CHECK_EQ(n->state, BS_NEIGH_FAILED, "failed");
	nw = news(ip, &mac_a, BS_NEWS_UPDATE | BS_NEWS_LOCKTIME);
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 3500, &got), BS_NEIGH_CONFIRMED,
		"a late reply");
	CHECK_EQ(n->state, BS_NEIGH_VALID, "VALID after all");
}

/* Five addresses of one set (found through a scratch table). */
static void
same_set(uint8_t ips[5][16])
{
	static struct bs_neigh_table scratch;
	unsigned int want = UINT32_MAX, k = 0;
	uint32_t host;

	for (host = 1; k < 5 && host < 65536; host++) {
		struct bs_neigh *n;
		unsigned int set;

		bs_neigh_init(&scratch);
		ip4(ips[k], host);
		n = bs_neigh_resolve(&scratch, 0, 0, ips[k], 0);
		set = (unsigned int)(n - scratch.e) / BS_NEIGH_WAYS;
		if (want == UINT32_MAX)
			want = set;
		if (set == want)
			k++;
	}
	CHECK_EQ(k, 5, "five addresses in one set");
}

/* A full set: INCOMPLETE entries are never evicted, VALID ones by age. */
static void
test_evict(void)
{
	uint8_t ips[5][16];
	struct bs_neigh_news nw;
	struct bs_neigh *n[5], *got;
	unsigned int i;

	same_set(ips);
	reset();
	for (i = 0; i < 4; i++)
		n[i] = bs_neigh_resolve(&tab, 0, 0, ips[i], 10);
	CHECK(bs_neigh_resolve(&tab, 0, 0, ips[4], 10) == NULL,
		"a set of INCOMPLETE entries takes no other");
	nw = news(ips[4], &mac_a, BS_NEWS_UPDATE | BS_NEWS_CREATE | BS_NEWS_OVERRIDE);
	CHECK_EQ(bs_neigh_learn(&tab, 0, 0, &nw, 10, &got), BS_NEIGH_IGNORED,
		"nor a request's sender");
	/* Resolve two: entry 1 at 20 ms, entry 0 at 30 ms. */
	nw = news(ips[1], &mac_a, BS_NEWS_UPDATE);
	bs_neigh_learn(&tab, 0, 0, &nw, 20, &got);
	nw = news(ips[0], &mac_a, BS_NEWS_UPDATE);
	bs_neigh_learn(&tab, 0, 0, &nw, 30, &got);
	n[4] = bs_neigh_resolve(&tab, 0, 0, ips[4], 40);
	CHECK(n[4] == n[1], "the VALID entry updated longest ago is taken");
	CHECK(bs_neigh_find(&tab, 0, 0, ips[1]) == NULL, "entry 1 evicted");
	CHECK(bs_neigh_find(&tab, 0, 0, ips[0]) == n[0], "entry 0 kept");
	CHECK(bs_neigh_find(&tab, 0, 0, ips[2]) == n[2], "INCOMPLETE kept");
	CHECK_EQ(tab.n_incomplete, 3, "entries 2, 3 and 4 resolving");
}

/* The worker's budget: bursts of 64, then one a millisecond. */
static void
test_budget(void)
{
	unsigned int i, postponed;
	uint8_t ip[16];

	reset();
	for (i = 0; i < 100; i++) {
		ip4(ip, 1000 + i);
		if (bs_neigh_resolve(&tab, 1, 7, ip, 500) == NULL)
			break;
	}
	CHECK_EQ(i, 100, "a hundred resolutions");
	postponed = tick(500);
	CHECK_EQ(n_solicit, BS_NEIGH_SOLICIT_BURST, "a burst of 64");
	CHECK_EQ(postponed, 100 - BS_NEIGH_SOLICIT_BURST, "36 put off");
	CHECK(bs_neigh_due(&tab, 501), "due again next millisecond");
	CHECK(!bs_neigh_due(&tab, 500), "not in the same one");
	postponed = tick(501);
	CHECK_EQ(n_solicit, BS_NEIGH_SOLICIT_BURST + 1, "one more a millisecond later");
	CHECK_EQ(postponed, 35, "35 put off");
	tick(536);
	CHECK_EQ(n_solicit, 100, "all out after 35 ms more");
	CHECK(!bs_neigh_due(&tab, 537), "next at 1 s");
	CHECK(bs_neigh_due(&tab, 1500), "the first burst's second probes");
}

int
main(int argc, char **argv)
{

	(void)argc;
	pool = t_eal_pool(argv[0], "neigh", 64, 511);
	if (pool == NULL)
		return 1;
	test_schedule();
	test_hold();
	test_learn();
	test_evict();
	test_budget();
	return bs_test_done();
}
