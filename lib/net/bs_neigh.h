/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_NEIGH_H
#define BS_NEIGH_H

/**
 * @file
 * A worker's neighbour cache: Linux's ARP and ND tables (net/core/
 * neighbour.c, net/ipv4/arp.c, net/ipv6/ndisc.c) reduced to what a host
 * with only on-link peers needs. One per worker, written by it only; pure
 * (no EAL): the frames it holds are handed back to the caller to send or
 * free.
 *
 * States: an entry is INCOMPLETE while its address is being resolved (the
 * frames for it wait on the entry, up to BS_NEIGH_UNRES_QLEN, the oldest
 * dropped first, as neigh->arp_queue), VALID once a MAC is known, FAILED
 * when BS_NEIGH_PROBES solicitations BS_NEIGH_RETRANS_MS apart went
 * unanswered (the held frames are then reported unreachable: Linux's
 * neigh_invalidate -> error_report -> EHOSTUNREACH). A FAILED entry starts
 * over on the next frame. There is no REACHABLE/STALE ageing: a VALID
 * entry stays until news changes it or a new entry evicts it.
 *
 * What may create or change an entry (bs_neigh_learn), as Linux with its
 * defaults (arp_accept = 0, accept_untracked_na = 0, locktime 1 s):
 *  - an ARP request or neighbour solicitation (with a source link-layer
 *    address) for one of our addresses creates or overrides the sender's
 *    entry (neigh_event_ns, ndisc_recv_ns);
 *  - our own resolution creates an INCOMPLETE entry (__neigh_event_send);
 *  - anything else (ARP replies, gratuitous ARP, other ARP requests,
 *    neighbour advertisements) never creates an entry: it completes an
 *    INCOMPLETE one and updates a VALID one, whose MAC changes only with
 *    override: an ARP more than BS_NEIGH_LOCKTIME_MS after the entry's
 *    last update or a gratuitous one (arp_process), an NA with the
 *    override flag (ndisc_recv_na).
 * So an unsolicited reply cannot plant an address we never asked for nor
 * heard from, which is the whole of Linux's protection.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#define BS_NEIGH_SETS 64		/**< sets of ... */
#define BS_NEIGH_WAYS 4			/**< ... entries: 256 per worker */
#define BS_NEIGH_PROBES 3		/**< mcast_solicit */
#define BS_NEIGH_RETRANS_MS 1000	/**< retrans_time_ms */
#define BS_NEIGH_LOCKTIME_MS 1000	/**< locktime */
#define BS_NEIGH_UNRES_QLEN 101		/**< unres_qlen (Linux's default) */
#define BS_NEIGH_SOLICIT_BURST 64	/**< solicitations in one go ... */
#define BS_NEIGH_SOLICIT_PER_S 1000	/**< ... and per second, per worker */

enum bs_neigh_state {
	BS_NEIGH_NONE = 0,		/**< free slot */
	BS_NEIGH_INCOMPLETE,		/**< being resolved, frames held */
	BS_NEIGH_VALID,			/**< MAC known */
	BS_NEIGH_FAILED,		/**< resolution failed; retried on use */
};

/** bs_neigh_news.flags: 0 is no news */
#define BS_NEWS_UPDATE 0x01	/**< completes an INCOMPLETE entry, confirms a VALID one */
#define BS_NEWS_CREATE 0x02	/**< may create the entry (request for us) */
#define BS_NEWS_OVERRIDE 0x04	/**< may change a VALID entry's MAC */
#define BS_NEWS_LOCKTIME 0x08	/**< ... once locktime has passed (ARP) */

/** What a received ARP or ND message says about a neighbour. */
struct bs_neigh_news {
	uint8_t ip[16];			/**< IPv4 as v4-mapped */
	struct rte_ether_addr mac;
	uint8_t flags;			/**< BS_NEWS_* */
};

struct bs_neigh {
	uint8_t ip[16];			/**< IPv4 as v4-mapped */
	struct rte_ether_addr mac;
	uint16_t vlan;			/**< 0 untagged */
	uint8_t port;			/**< index of the port it is reached on */
	uint8_t state;			/**< enum bs_neigh_state */
	uint8_t probes;			/**< solicitations of this resolution */
	uint8_t n_held;
	uint32_t updated;		/**< ms of the last MAC change */
	uint32_t next;			/**< INCOMPLETE: ms of the next probe */
	struct rte_mbuf *held;		/**< frames waiting, oldest first, */
	struct rte_mbuf *held_tail;	/**< linked through mbuf->next */
};

struct bs_neigh_table {
	struct bs_neigh e[BS_NEIGH_SETS * BS_NEIGH_WAYS];
	uint32_t n_incomplete;
	uint32_t next_due;		/**< ms: earliest INCOMPLETE deadline */
	uint32_t tokens;		/**< solicitations allowed now */
	uint32_t tokens_ms;		/**< when tokens were last refilled */
};

/** bs_neigh_learn() results */
enum bs_neigh_learnt {
	BS_NEIGH_IGNORED,		/**< no entry it may touch */
	BS_NEIGH_CONFIRMED,		/**< entry kept or updated */
	BS_NEIGH_RESOLVED,		/**< an INCOMPLETE entry completed */
};

void bs_neigh_init(struct bs_neigh_table *t);

/** The entry of @p ip on port @p port, VLAN @p vlan, or NULL. */
struct bs_neigh *bs_neigh_find(struct bs_neigh_table *t, uint8_t port,
		uint16_t vlan, const uint8_t ip[16]);

/**
 * The entry to send to: found, or created INCOMPLETE (its first
 * solicitation due at once) when there is none or it has FAILED. A full
 * set evicts its least recently updated entry that is not INCOMPLETE.
 * @return the entry, or NULL when every entry of the set is INCOMPLETE
 */
struct bs_neigh *bs_neigh_resolve(struct bs_neigh_table *t, uint8_t port,
		uint16_t vlan, const uint8_t ip[16], uint32_t now);

/**
 * Hold a frame on an INCOMPLETE entry (a single-segment mbuf).
 * @return the oldest frame, dropped to make room (free it), or NULL
 */
struct rte_mbuf *bs_neigh_hold(struct bs_neigh *n, struct rte_mbuf *m);

/** Take every held frame (linked through mbuf->next, oldest first). */
struct rte_mbuf *bs_neigh_take_held(struct bs_neigh *n);

/**
 * Free frames linked through mbuf->next, each one segment on its own
 * (held frames, a TCP connection's queues): each is unlinked first, so
 * that rte_pktmbuf_free() does not take the list for a segment chain.
 */
void bs_mbuf_list_free(struct rte_mbuf *m);

/**
 * Apply news received on @p port / @p vlan (the rules in the file
 * comment). On BS_NEIGH_RESOLVED the entry's held frames are still on it:
 * the caller takes them with bs_neigh_take_held() and sends them.
 * @param out  the entry touched, or NULL
 */
enum bs_neigh_learnt bs_neigh_learn(struct bs_neigh_table *t, uint8_t port,
		uint16_t vlan, const struct bs_neigh_news *nw, uint32_t now,
		struct bs_neigh **out);

/** Has an INCOMPLETE entry a deadline at or before @p now? */
static inline bool
bs_neigh_due(const struct bs_neigh_table *t, uint32_t now)
{
	return t->n_incomplete != 0 && (int32_t)(now - t->next_due) >= 0;
}

/** What bs_neigh_tick() asks the caller to do for one entry. */
typedef void (*bs_neigh_solicit_fn)(void *arg, struct bs_neigh *n);
typedef void (*bs_neigh_fail_fn)(void *arg, struct bs_neigh *n,
		struct rte_mbuf *held);

/**
 * Run the INCOMPLETE entries whose deadline has passed (neigh_timer_handler):
 * another solicitation while fewer than BS_NEIGH_PROBES went out and the
 * worker's budget allows (BS_NEIGH_SOLICIT_PER_S, bursts of
 * BS_NEIGH_SOLICIT_BURST), else the entry FAILS and @p fail gets its held
 * frames.
 * @return solicitations postponed for lack of budget
 */
unsigned int bs_neigh_tick(struct bs_neigh_table *t, uint32_t now,
		bs_neigh_solicit_fn solicit, bs_neigh_fail_fn fail, void *arg);

#endif /* BS_NEIGH_H */
