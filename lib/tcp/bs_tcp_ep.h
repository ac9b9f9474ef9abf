/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_TCP_EP_H
#define BS_TCP_EP_H

/**
 * @file
 * The TCP endpoint: one per worker. It owns that worker's connection
 * table, its connections, pending handshakes and TIME_WAIT entries, its
 * timer wheel and its copies of the listeners; nothing in it is written by
 * another core (share-nothing), and the worker that owns it is the only
 * caller of every function here except the read-only ones marked "any
 * lcore".
 *
 * Input: bs_tcp_ep_input() takes a verified segment to a local address.
 * Lookup is Linux's order (__inet_lookup_skb): connection, pending
 * handshake or TIME_WAIT entry by 4-tuple, then listener; what matches
 * nothing is judged by the CLOSED rules of bs_tcp_input(). The result is
 * either an RST-REPLY verdict (the caller rewrites the received frame, as
 * for a stray segment), a discard with a reason, or "consumed": the
 * endpoint kept the mbuf (queued data) or reused it for its own reply.
 *
 * Output: every segment a connection sends (SYN-ACK, ACK, data, FIN,
 * RST-ABORT, challenge ACK) is built by tcp_out.c into a reused received
 * mbuf or a fresh one from the worker's pool, and handed to the worker's
 * TX callback for its port.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>

#include "bs_config.h"
#include "bs_flow.h"
#include "bs_gauges.h"
#include "bs_net.h"
#include "bs_rss.h"
#include "bs_stats.h"
#include "bs_tcp.h"

enum bs_tcp_state {
#define BS_TCP_STATE(name, help) BS_TCP_##name,
#include "bs_tcp_state.def"
#undef BS_TCP_STATE
	BS_TCP_STATE_MAX
};

/** Name of a TCP state ("ESTABLISHED"). */
const char *bs_tcp_state_name(unsigned int state);

struct bs_table;
struct bs_tcp_ep;

/** Hands a built frame to the worker's TX buffer of port @p port. */
typedef void (*bs_tcp_tx_fn)(void *arg, unsigned int port, struct rte_mbuf *m);

struct bs_tcp_l2;

/** bs_tcp_resolve_fn: the next hop's MAC is known (l2 filled) */
#define BS_TCP_RESOLVED 0
/** bs_tcp_resolve_fn: the next hop is being resolved (l2 without the MAC) */
#define BS_TCP_RESOLVING 1

/**
 * Finds where an active open sends (neighbour resolution): the port, VLAN
 * and MAC of the next hop of @p f, its remote address (peers are on-link).
 * An unspecified local address (all zero) is filled with the address of
 * the subnet that holds the peer (Linux's source address selection).
 * @return BS_TCP_RESOLVED; BS_TCP_RESOLVING (l2->port, ->vlan and ->rx_port
 *         set; the frames sent meanwhile go to the hold callback); or a
 *         negative errno: -ENETUNREACH (no subnet holds the peer), -EAGAIN
 *         (no neighbour entry free now: try later)
 */
typedef int (*bs_tcp_resolve_fn)(void *arg, struct bs_flow *f,
		struct bs_tcp_l2 *l2);

/** What an endpoint is built from. Read-only after creation. */
struct bs_tcp_ep_conf {
	const struct bs_config *conf;	/**< knobs, listeners, clients */
	const struct bs_ip_conf *ip;	/**< TTL, hop limit, flow labels */
	struct rte_mempool *pool;	/**< frames it builds */
	struct bs_stats *stats;		/**< the worker's counters */
	bs_tcp_tx_fn tx;
	bs_tcp_resolve_fn resolve;	/**< may be NULL: no active opens */
	bs_tcp_tx_fn hold;		/**< a frame whose next hop is being
					 *   resolved (BS_TCP_RESOLVING); may be
					 *   NULL: such frames are dropped */
	void *tx_arg;			/**< argument of tx, resolve and hold */
	unsigned int worker;		/**< 0..n_workers-1 */
	unsigned int n_workers;
	int socket;			/**< NUMA socket for its memory */
	uint64_t tsc_hz;
	const struct rte_ether_addr *port_mac;	/**< per port index */
	const struct bs_rss *rss;	/**< per port index: its RSS (queue k is
					 *   worker k); NULL: no RSS anywhere */
	unsigned int n_ports;
};

/** Where a segment came from, for the replies of what it creates. */
struct bs_tcp_l2 {
	uint8_t port;			/**< index of the port replies leave from */
	uint8_t rx_port;		/**< index of the port segments arrive on */
	uint16_t vlan;			/**< VLAN ID, 0 untagged */
	struct rte_ether_addr peer;	/**< the frame's source MAC */
};

/**
 * Create an endpoint: preallocates the table, the connection, request and
 * TIME_WAIT pools and the timer wheel from the capacities in the config.
 * Control thread, before the worker starts. @return NULL on failure,
 * with a message in @p err
 */
struct bs_tcp_ep *bs_tcp_ep_create(const struct bs_tcp_ep_conf *c,
		char *err, size_t errlen);

void bs_tcp_ep_free(struct bs_tcp_ep *ep);

/** Bytes of memory the endpoint holds (tables, pools, wheel). Any lcore. */
size_t bs_tcp_ep_memory(const struct bs_tcp_ep *ep);

/**
 * One line on @p f: the endpoint's memory, and the bytes of one
 * connection, pending handshake and TIME_WAIT entry with their share of
 * the table (docs/performance.md quotes it). Control thread.
 */
void bs_tcp_ep_write_memory(FILE *f, const struct bs_tcp_ep *ep);

enum bs_tcp_ep_result {
	BS_TCP_EP_DONE = 0,	/**< the endpoint owns the mbuf now */
	BS_TCP_EP_VERDICT,	/**< act on the verdict (RST-REPLY or discard) */
};

/**
 * A segment to a local address, checksum verified, header parsed.
 * @param m  the frame; with BS_TCP_EP_DONE the endpoint has queued,
 *           reused or freed it
 * @return BS_TCP_EP_VERDICT with @p v filled, or BS_TCP_EP_DONE
 */
enum bs_tcp_ep_result bs_tcp_ep_input(struct bs_tcp_ep *ep, struct rte_mbuf *m,
		const struct bs_pkt *p, const struct bs_tcp_seg *s,
		const struct bs_tcp_l2 *l2, struct bs_tcp_verdict *v);

/**
 * Where a SYN lies in its frame, for bs_tcp_ep_synack_cookie(): scalars
 * of the caller's parse, so that its parsed views stay in its registers
 * and the header is read where the driver put it.
 */
struct bs_tcp_syn {
	uint64_t addr_sum;	/**< bs_pkt.addr_sum */
	uint32_t l4_len;	/**< bs_pkt.l4_len */
	uint16_t l2_len;	/**< bs_pkt.l2_len */
	uint16_t l3_len;	/**< bs_pkt.l3_len */
	uint16_t vlan;		/**< bs_pkt.vlan */
	uint8_t v4;		/**< bs_pkt.kind == BS_PKT_IPV4 */
	uint8_t port;		/**< bs_tcp_l2.port */
	uint8_t rx_port;	/**< bs_tcp_l2.rx_port */
};

/**
 * A SYN that bs_tcp_ep_input() would answer with a cookie SYN-ACK and no
 * request entry (tcp_syncookies=2, or 1 with the listener's request queue
 * full), answered in place: the SYN-ACK written over the SYN, as the
 * general path would build it byte for byte (its Ethernet tag aside: the
 * caller sets it as for any reply, VID kept, priority 0), with the same
 * counters. Anything else (another segment, a flow in the table, no
 * listener, overload, a full accept queue, IP options or extension
 * headers, a chained mbuf, data on the SYN...) is left untouched for
 * bs_tcp_ep_input(). After bs_tcp_ep_set_time() for the burst, on a
 * segment whose TCP header bs_tcp_seg_parse() accepted.
 * The reply's cookie, TSval and TCP checksum are written by
 * bs_tcp_ep_synack_flush(), which must run before @p m is sent: the
 * hashes of a burst's SYNs are computed together.
 * @param syn   the frame's layout, from its parse
 * @param hash  the flow's table hash if known, or NULL
 * @return the reply's length in @p m (no offload flags), or 0: give the
 *         segment to bs_tcp_ep_input()
 */
uint32_t bs_tcp_ep_synack_cookie(struct bs_tcp_ep *ep, struct rte_mbuf *m,
		const struct bs_tcp_syn *syn, const uint64_t *hash);

/**
 * May a SYN get a cookie SYN-ACK now? One test for the whole endpoint
 * before bs_tcp_ep_synack_cookie(): false when no listener can be in the
 * cookie regime (tcp_syncookies 0, or 1 with fewer pending handshakes
 * than the smallest backlog), true when one may be. Speed only: a SYN
 * it turns away gets the same reply from bs_tcp_ep_input().
 */
bool bs_tcp_ep_cookie_possible(const struct bs_tcp_ep *ep);

/**
 * Complete the SYN-ACKs bs_tcp_ep_synack_cookie() wrote since the last
 * call: their cookies (bs_cookie_init_ts_burst), TSvals and checksums.
 * Nothing to do costs a load and a branch.
 */
void bs_tcp_ep_synack_flush(struct bs_tcp_ep *ep);

/**
 * Whether bs_tcp_ep_synack_cookie() answers (default) or leaves every SYN
 * to bs_tcp_ep_input(): for tests that compare the two.
 */
void bs_tcp_ep_synack_fast(struct bs_tcp_ep *ep, bool on);

/**
 * bs_tcp_ep_input() of a segment whose table hash the caller has already
 * computed: @p hash is bs_table_hash() of its flow (remote = source), as
 * bs_table_hash_hdr() gives it from the same headers. The worker hashes
 * an RX burst ahead and prefetches the buckets (bs_tcp_ep_table()).
 */
enum bs_tcp_ep_result bs_tcp_ep_input_hashed(struct bs_tcp_ep *ep, struct rte_mbuf *m,
		const struct bs_pkt *p, const struct bs_tcp_seg *s,
		const struct bs_tcp_l2 *l2, uint64_t hash, struct bs_tcp_verdict *v);

/**
 * The endpoint's connection table, for the worker's look-ahead over an RX
 * burst: bs_table_count(), bs_table_hash_hdr() and bs_table_prefetch()
 * only (the endpoint alone adds and deletes). Worker lcore.
 */
const struct bs_table *bs_tcp_ep_table(const struct bs_tcp_ep *ep);

/**
 * Can a segment to local port @p dport (network order) only be a stray
 * one: no connection, pending handshake or TIME_WAIT entry at all, and no
 * listener on the port? Then the worker applies the CLOSED rules
 * (bs_tcp_input) without a lookup.
 */
bool bs_tcp_ep_stray(const struct bs_tcp_ep *ep, uint16_t dport);

/**
 * Inside the endpoint's tx callback: the reset reason of the frame being
 * sent when it is an RST-ABORT, else -1 (capture's comments). Worker lcore.
 */
int bs_tcp_ep_tx_rst(const struct bs_tcp_ep *ep);

/** Has the endpoint anything to run in bs_tcp_ep_poll()? */
bool bs_tcp_ep_busy(const struct bs_tcp_ep *ep);

/**
 * Advance the clock and run what is due: accept() of the children whose
 * handshakes the last bursts completed (their applications' turn), timers
 * (bounded per call), scheduled active opens. Worker loop.
 * @return how much ran (children accepted, timers fired, clients polled): 0
 *   when the call found nothing due
 */
unsigned int bs_tcp_ep_poll(struct bs_tcp_ep *ep, uint64_t tsc);

/** Set the clock without running anything (tests). */
void bs_tcp_ep_set_time(struct bs_tcp_ep *ep, uint64_t tsc);

/** Milliseconds since the endpoint started (its jiffies). */
uint32_t bs_tcp_ep_now_ms(const struct bs_tcp_ep *ep);

/**
 * Open a connection (active open) for client config @p client to the
 * flow @p f (lport 0: choose an ephemeral port whose RSS hash lands on
 * this worker; laddr all zero: the resolver chooses). @p l2 NULL: the
 * resolve callback finds the next hop; while it is being resolved the SYN
 * waits in the hold callback (and the SYN timer runs, as Linux's does).
 * @return 0, or a negative errno (-ENETUNREACH, -EAGAIN, -EADDRINUSE,
 *         -EADDRNOTAVAIL, -ENOMEM)
 */
int bs_tcp_ep_connect(struct bs_tcp_ep *ep, const struct bs_flow *f,
		const struct bs_tcp_l2 *l2, unsigned int client);

/**
 * An active open now, outside the [client] schedule (the CLI's connect):
 * a connection to @p cc's peer with its app and parameters, from an
 * ephemeral port this worker's RSS gives back to it and a local address
 * the resolver picks (Linux's connect() on an unbound socket). The
 * endpoint keeps a copy of @p cc in a client slot (one per app and
 * parameters, reused). Worker that owns the endpoint.
 * @return 0 with *lport set, or a negative errno as bs_tcp_ep_connect()
 *         (-EADDRNOTAVAIL: RSS gives this worker no port for the peer, try
 *         another worker; -ENOSPC: no client slot left)
 */
int bs_tcp_ep_connect_now(struct bs_tcp_ep *ep, const struct bs_client_conf *cc,
		uint16_t *lport);

/**
 * A frame of this endpoint could not be delivered: its next hop did not
 * resolve (Linux: neigh_invalidate -> arp_error_report -> an ICMP host
 * unreachable to ourselves -> tcp_v4_err). A connection in SYN_SENT or
 * SYN_RECV whose SYN it was fails with EHOSTUNREACH; other states ignore
 * it (a soft error). The caller still owns and frees @p frame.
 */
void bs_tcp_ep_unreachable(struct bs_tcp_ep *ep, const uint8_t *frame,
		uint32_t len);

/**
 * Counts by state (enum bs_tcp_state) into @p n. The owning worker only,
 * or any lcore once the workers have stopped; the control thread asks a
 * running worker through a control request (bs_worker_ctl_call()).
 */
void bs_tcp_ep_state_counts(const struct bs_tcp_ep *ep,
		uint64_t n[BS_TCP_STATE_MAX]);

/**
 * What the tables hold (bs_gauges.def) into @p g. Same callers as
 * bs_tcp_ep_state_counts().
 */
void bs_tcp_ep_gauges(const struct bs_tcp_ep *ep, uint64_t g[BS_GAUGE_MAX]);

/** Outcome of each client's connections, for reports and tests. */
struct bs_tcp_client_stats {
	uint64_t opened;	/**< SYNs sent */
	uint64_t connected;
	uint64_t refused;	/**< ECONNREFUSED */
	uint64_t timedout;	/**< ETIMEDOUT */
	uint64_t reset;		/**< ECONNRESET / EPIPE after connect */
	uint64_t unreachable;	/**< EHOSTUNREACH: the next hop never answered */
	uint64_t failed;	/**< connect() refused at once: ENETUNREACH,
				 *   EADDRNOTAVAIL, EADDRINUSE, ENOMEM */
};

const struct bs_tcp_client_stats *bs_tcp_ep_client_stats(
		const struct bs_tcp_ep *ep, unsigned int client);

/**
 * Close listener @p idx: unaccepted children get an RST-ABORT (L3), its
 * pending handshakes are forgotten (L4). Worker that owns the endpoint.
 */
void bs_tcp_ep_listener_close(struct bs_tcp_ep *ep, unsigned int idx);

/**
 * Take a new configuration (a snapshot that outlives the call until the
 * next one is taken): the [tcp] knobs, each read where Linux reads its
 * sysctl (new connections or the next timer, docs/operations.md), and the
 * listeners: one gone or changed (address, port, app or its parameters)
 * is closed as bs_tcp_ep_listener_close() (L3, L4), a new one opens, one
 * whose backlog alone changed keeps its queues (listen() again). Its
 * established connections run on. Capacities, secrets and clients are
 * kept from creation. Worker that owns the endpoint.
 * @return 0, or -ENOSPC: a new listener found no free slot (every one of
 *         BS_MAX_LISTENERS open or still owning connections) and is not open
 */
int bs_tcp_ep_reconf(struct bs_tcp_ep *ep, const struct bs_config *conf);

/** Listeners open. The owning worker (or after it stopped). */
unsigned int bs_tcp_ep_listeners_open(const struct bs_tcp_ep *ep);

/** One connection as bs_tcp_ep_conn_page() reports it. */
struct bs_tcp_conn_info {
	struct bs_flow flow;
	uint8_t state;		/**< enum bs_tcp_state */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_wnd;	/**< peer's window, scaled */
	uint32_t rcv_nxt;
	uint32_t rcv_wnd;	/**< window we announced, scaled */
};

/** Which connections a page holds (zero: all). */
struct bs_tcp_conn_filter {
	uint8_t state;		/**< enum bs_tcp_state; 0: any */
	bool addr_set;
	uint8_t addr[16];	/**< local or remote address (v4-mapped) */
	uint16_t port;		/**< local or remote port, host order; 0: any */
};

/**
 * A page of connections that pass @p filter (NULL: all), from @p *cursor
 * on (0: the first): full connections first, then pending handshakes
 * (state NEW_SYN_RECV) and TIME_WAIT entries (state TIME_WAIT, or
 * FIN_WAIT2 for an orphan's FIN_WAIT2 mini-socket, as `ss` shows them;
 * bs_tcp_ep_state_counts() counts both as TIME_WAIT, as
 * /proc/net/sockstat's "tw" does). @p *cursor is left where the next page
 * starts (just after the last entry written), UINT32_MAX after the last.
 * At most @p max entries and a bounded walk (4096 slots, matching or
 * not), so a large table is read page by page; an entry added between
 * pages may be missed or seen twice (table entries move on insertion).
 * Worker that owns the endpoint.
 * @return entries written
 */
unsigned int bs_tcp_ep_conn_page(const struct bs_tcp_ep *ep, uint32_t *cursor,
		const struct bs_tcp_conn_filter *filter, struct bs_tcp_conn_info *out,
		unsigned int max);

/**
 * tcp_disconnect() of the connection @p f, as its application calling
 * connect(fd, {AF_UNSPEC}) (matrix A3, A3b, A4, C4): CLOSE; an RST-ABORT
 * (SEQ = SND.NXT, ACK = RCV.NXT, the real window and options) with reason
 * TCP_STATE from ESTABLISHED, CLOSE_WAIT, FIN_WAIT1, FIN_WAIT2 and
 * SYN_RECV, with TCP_DISCONNECT_WITH_DATA from CLOSING and LAST_ACK while
 * data or our FIN is unsent, nothing otherwise; EstabResets from
 * ESTABLISHED and CLOSE_WAIT; the application sees ECONNRESET after an
 * RST and in SYN_SENT, nothing after a silent close (A3b). Worker that
 * owns the endpoint (the control thread goes through bs_worker_ctl_call).
 * @return 0; -ENOENT: no such 4-tuple; -EOPNOTSUPP: a pending handshake
 *         or TIME_WAIT entry (no socket an application holds)
 */
int bs_tcp_ep_disconnect(struct bs_tcp_ep *ep, const struct bs_flow *f);

/**
 * tcp_abort() of @p f (sock_diag SOCK_DESTROY, `ss -K`; matrix A5, C4,
 * Q36): a connection gets an RST-ABORT with reason TCP_STATE from the
 * states of bs_tcp_ep_disconnect(), then tcp_done with error @p err
 * (<= 0: ECONNABORTED) for its application (EstabResets, or AttemptFails
 * from SYN_SENT and SYN_RECV); a pending handshake or TIME_WAIT entry is
 * removed silently (Q36); a listener's key (remote address unspecified,
 * remote port 0) closes this worker's copy of the listener that
 * bs_tcp_ep_input() would find for it, as bs_tcp_ep_listener_close().
 * Worker that owns the endpoint.
 * @return 0, or -ENOENT: nothing has that key
 */
int bs_tcp_ep_abort(struct bs_tcp_ep *ep, const struct bs_flow *f, int err);

#endif /* BS_TCP_EP_H */
