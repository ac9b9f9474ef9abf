/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_WORKER_H
#define BS_WORKER_H

/**
 * @file
 * The poll-mode worker: one per lcore (the main lcore is the control
 * thread). Each worker owns its queues, its TX buffers and its counters;
 * nothing it writes is written by another core, and it takes no lock,
 * makes no system call, allocates nothing and logs nothing.
 *
 * Loop: RX burst on each of its queues -> parse and validate each frame ->
 * ARP / ND / ICMP echo / TCP core -> reply built in place in the received
 * mbuf -> one TX burst per output port for the whole RX burst.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mbuf.h>

#include "bs_addr.h"
#include "bs_capture.h"
#include "bs_neigh.h"
#include "bs_net.h"
#include "bs_stats.h"

#define BS_MAX_BURST 64

/** One port as one worker sees it. */
struct bs_worker_port {
	uint16_t port_id;
	uint16_t queue;			/**< this worker's RX and TX queue */
	bool polled;			/**< this worker has an RX queue here */
	bool rx_ip_csum;		/**< trust the NIC's IPv4 checksum flags */
	bool rx_l4_csum;		/**< trust the NIC's TCP checksum flags */
	bool tx_csum;			/**< let the NIC fill IPv4/TCP checksums */
	bool prefetch;			/**< prefetch each burst's frames first */
	uint8_t tx_idx;			/**< port (index here) replies leave from */
	uint8_t idx;			/**< index in the worker's ports[] and counters */
	struct rte_ether_addr mac;
	const struct bs_addr_table *addrs;	/**< read-only */
	uint16_t n_tx;			/**< replies waiting for the TX burst */
	uint16_t n_etx;			/**< the TCP endpoint's frames waiting */
	struct rte_mbuf *tx[BS_MAX_BURST];
	struct rte_mbuf *etx[BS_MAX_BURST];
};

/**
 * A TCP segment of the current RX burst, hashed ahead for the endpoint's
 * table lookup (worker_flow.c): which frame, the hash, and where the
 * headers it was read from lie (so that the endpoint's parse must agree).
 */
struct bs_worker_flow {
	const struct rte_mbuf *m;
	uint64_t hash;
	uint32_t hdr;
};

struct bs_tcp_ep;
struct bs_tcp_l2;
struct bs_flow;
struct rte_mempool;
struct rte_ring;
struct bs_worker_ctl;
struct bs_policy_table;
struct bs_policy_worker;
struct bs_worker_snap;

struct bs_worker {
	struct bs_stats stats;		/**< written by this worker only */
	unsigned int lcore;
	unsigned int index;		/**< 0..n_workers-1 */
	uint16_t burst;
	unsigned int n_ports;
	struct bs_worker_port ports[BS_MAX_PORTS];
	const struct bs_ip_conf *ip;	/**< read-only */
	const volatile bool *stop;	/**< set by the control thread */
	struct bs_tcp_ep *ep;		/**< connections, listeners, clients */
	const struct bs_policy_table *policy;	/**< stray policies (bs_policy.h);
					 *   NULL: none, every stray is answered */
	struct bs_policy_worker *pstate;	/**< their buckets and counters */
	const struct bs_worker_snap *snap_pub;	/**< the newest snapshot: written by
					 *   the control thread (release), read
					 *   once per poll */
	const struct bs_worker_snap *snap;	/**< the one this worker uses */
	uint64_t snap_gen;		/**< its gen: written by this worker (release) */
	int snap_rc;			/**< what taking it gave (bs_tcp_ep_reconf) */
	uint64_t burst_tsc;		/**< TSC at the start of the current RX burst */
	struct rte_mempool *pool;	/**< frames the worker builds (solicitations) */
	unsigned int n_workers;
	struct rte_ring **inbox;	/**< every worker's neighbour news inbox,
					 *   by index; NULL with one worker */
	struct bs_neigh_table neigh;	/**< worker_neigh.c */
	struct bs_worker_ctl *ctl;	/**< control requests (bs_worker_ctl.h);
					 *   NULL: none */
	struct bs_capture_tap cap;	/**< written by this worker only, in a
					 *   control request; cap.filter NULL: off */
	uint16_t n_flow;		/**< flow[] of this RX burst; 0 between bursts */
	uint16_t next_flow;		/**< flow[] before it were looked up */
	struct bs_worker_flow flow[BS_MAX_BURST];
} __rte_cache_aligned;

/**
 * A configuration snapshot (RCU style): built and published by the
 * control thread, immutable once published, freed by it once every
 * worker's snap_gen has moved past its gen (quiescent-state tracking:
 * a worker takes a new snapshot between bursts and then never looks at
 * the old one again).
 */
struct bs_worker_snap {
	uint64_t gen;			/**< 1, 2, ... */
	const struct bs_config *conf;	/**< [tcp] knobs and listeners */
	const struct bs_policy_table *policy;	/**< stray policies; NULL: none */
};

/** Control thread: make @p s the snapshot @p w takes at its next poll. */
static inline void
bs_worker_snap_publish(struct bs_worker *w, const struct bs_worker_snap *s)
{
	__atomic_store_n(&w->snap_pub, s, __ATOMIC_RELEASE);
}

/** Control thread: the gen of the snapshot @p w uses now. */
static inline uint64_t
bs_worker_snap_gen(const struct bs_worker *w)
{
	return __atomic_load_n(&w->snap_gen, __ATOMIC_ACQUIRE);
}

/** Take the published snapshot: policies, knobs, listeners. The worker
 * (its poll loop), or the control thread before the worker runs. */
void bs_worker_snap_take(struct bs_worker *w);

/**
 * Handle one received frame: reply in place and queue it on its output
 * port, or count its drop reason and free it. Exposed for tests.
 */
void bs_worker_handle(struct bs_worker *w, struct bs_worker_port *wp,
		struct rte_mbuf *m);

/**
 * Handle @p n (at most BS_MAX_BURST) frames received together on @p wp,
 * as the poll loop handles an RX burst: replies queued on their output
 * ports' TX buffers (wp->tx, wp->etx), to be sent by bs_worker_flush()
 * or taken by the caller before the next call. Exposed for tests.
 */
void bs_worker_handle_burst(struct bs_worker *w, struct bs_worker_port *wp,
		struct rte_mbuf **pkts, uint16_t n);

/** TX callback of the worker's TCP endpoint (struct bs_tcp_ep_conf). */
void bs_worker_ep_tx(void *arg, unsigned int port, struct rte_mbuf *m);

/*
 * Neighbour resolution (worker_neigh.c): the cache, the frames held for a
 * next hop being resolved, ARP requests and neighbour solicitations, and
 * what other workers learn. Worker lcore only, but the set-up calls.
 */

/** Resolve callback of the worker's TCP endpoint (bs_tcp_resolve_fn). */
int bs_worker_ep_resolve(void *arg, struct bs_flow *f, struct bs_tcp_l2 *l2);

/** Hold callback of the worker's TCP endpoint: a frame for a next hop
 * being resolved (bs_tcp_ep_conf.hold). */
void bs_worker_ep_hold(void *arg, unsigned int port, struct rte_mbuf *m);

/**
 * Apply what an ARP or ND message received on @p wp / @p vlan says about
 * its sender: held frames leave when their neighbour resolves; with more
 * than one worker the news goes to every other worker's inbox (ARP
 * replies come to queue 0, not to the worker that asked).
 */
enum bs_neigh_learnt bs_worker_neigh_news(struct bs_worker *w,
		const struct bs_worker_port *wp, uint16_t vlan,
		const struct bs_neigh_news *nw);

/** Is there neighbour work: a resolution due, or news in the inbox? */
static inline bool
bs_worker_neigh_busy(const struct bs_worker *w)
{
	return w->neigh.n_incomplete != 0 || w->inbox != NULL;
}

/** Solicit, give up on silent neighbours, read the inbox. Worker loop. */
void bs_worker_neigh_poll(struct bs_worker *w);

/**
 * Control thread, before the workers start: give @p n workers (more than
 * one) an inbox each for one another's neighbour news.
 * @return 0, or -1 with a message
 */
int bs_worker_neigh_share(struct bs_worker *workers, unsigned int n,
		char *err, size_t errlen);

/** Free the inboxes (after the workers stopped). */
void bs_worker_neigh_unshare(struct bs_worker *workers, unsigned int n);

/**
 * Control thread: hand every worker its tap of capture session @p c
 * (a control request each, waited for up to @p timeout_ms). On failure
 * the workers that took it let go again.
 * @return 0, or -1 with a message (-2: some worker did not answer, and may
 *	still hold the session's tap: close it with leak)
 */
int bs_worker_capture_start(struct bs_worker *workers, unsigned int n,
		const struct bs_capture *c, unsigned int timeout_ms, char *err,
		size_t errlen);

/** The same before the workers are launched: their taps set directly. */
void bs_worker_capture_attach(struct bs_worker *workers, unsigned int n,
		const struct bs_capture *c);

/**
 * Control thread: every worker lets go of its tap. Once this returns 0,
 * no worker touches the session. @return 0, or -1 with a message when a
 * worker did not answer in time (close the session with leak)
 */
int bs_worker_capture_stop(struct bs_worker *workers, unsigned int n,
		unsigned int timeout_ms, char *err, size_t errlen);

/** Send what the ports have queued; count and free what the NIC refuses. */
void bs_worker_flush(struct bs_worker *w);

/** One pass over every polled queue. @return frames received */
unsigned int bs_worker_poll(struct bs_worker *w);

/** lcore entry point (rte_eal_remote_launch): poll until *stop. */
int bs_worker_main(void *arg);

#endif /* BS_WORKER_H */
