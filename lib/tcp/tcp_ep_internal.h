/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef TCP_EP_INTERNAL_H
#define TCP_EP_INTERNAL_H

/*
 * The endpoint's private structures, shared by the tcp_*.c files.
 *
 * Three kinds of entries, each in its own preallocated pool, all starting
 * with their struct bs_flow so the connection table can compare keys:
 *  - struct bs_tcb: a full connection (SYN_SENT .. LAST_ACK). Compact: what
 *    an idle connection needs; queues and loss-recovery state live in a
 *    struct tcb_ext attached only while there is data in flight or queued.
 *  - struct tcp_req: a pending passive handshake (NEW_SYN_RECV).
 *  - struct tcp_tw: TIME_WAIT, and FIN_WAIT2 of an orphan (the "FIN_WAIT2
 *    timewait mini-socket").
 * Objects are named by a 32-bit index; the table value carries the pool.
 */

#include <errno.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "bs_table.h"
#include "bs_tcp_ep.h"
#include "bs_tcp_secure.h"
#include "bs_timer.h"

#define TCP_POOL_TCB 0
#define TCP_POOL_REQ 1
#define TCP_POOL_TW 2
#define TCP_NONE UINT32_MAX

#define TCP_VAL(pool, idx) ((uint32_t)(pool) << 30 | (idx))
#define TCP_VAL_POOL(v) ((v) >> 30)
#define TCP_VAL_IDX(v) ((v) & 0x3fffffffu)

/* Sequence-space comparisons (RFC 9293 3.4: modulo 2^32). */
#define SEQ_LT(a, b) ((int32_t)((a) - (b)) < 0)
#define SEQ_LEQ(a, b) ((int32_t)((a) - (b)) <= 0)
#define SEQ_GT(a, b) ((int32_t)((a) - (b)) > 0)
#define SEQ_GEQ(a, b) ((int32_t)((a) - (b)) >= 0)

/* Linux constants (include/net/tcp.h). */
#define TCP_RTO_MIN_MS 200
#define TCP_RTO_MAX_MS 120000
#define TCP_TIMEOUT_INIT_MS 1000
#define TCP_TIMEOUT_MIN_MS 2
#define TCP_DELACK_MIN_MS 40
#define TCP_DELACK_MAX_MS 200
/* The delayed-ACK engine counts in ticks of the reference kernel's 250 Hz
 * jiffies (CONFIG_HZ=250): TCP_ATO_MIN is HZ/25, TCP_DELACK_MAX HZ/5. */
#define TCP_JIFFY_MS 4
#define TCP_ATO_MIN_J 10
#define TCP_ATO_MAX_J 63	/* what struct bs_tcb.ato holds (252 ms) */
#define TCP_MAX_QUICKACKS 16
#define TCP_TIMEWAIT_LEN_MS 60000
#define TCP_PAWS_24DAYS (60 * 60 * 24 * 24)
#define TCP_PAWS_MSL 60
#define TCP_PAWS_WINDOW 1
#define TCP_MSS_DEFAULT 536
#define TCP_MAX_WSCALE 14
#define TCP_INIT_CWND 10
#define TCP_INFINITE_SSTHRESH 0x7fffffff
#define TCP_SYN_LINEAR_TIMEOUTS 4	/* net.ipv4.tcp_syn_linear_timeouts */
/* Passive children accept() returns at the end of the poll that completed
 * their handshakes (struct bs_tcp_ep.acc); more wait for their timer. */
#define TCP_ACCEPT_BATCH 256

/* TCP option kinds and lengths (RFC 9293, 7323, 2018). */
#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MSS 2
#define TCPOPT_WS 3
#define TCPOPT_SACK_PERM 4
#define TCPOPT_SACK 5
#define TCPOPT_TS 8
#define TCPOLEN_TS_ALIGNED 12
#define TCP_MAX_SACKS 4

/* A 32-bit field of an option, in network order, at any alignment. */
static inline uint32_t
tcp_be32_at(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_be_to_cpu_32(v);
}

/* Four option bytes as one word, host order: compared with
 * tcp_be32_at(), stored through tcp_wire32(). */
#define TCP_OPT_WORD(a, b, c, d) ((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | \
	(uint32_t)(c) << 8 | (uint32_t)(d))

/*
 * The options of a Linux SYN with SACK, timestamps and window scale
 * (tcp_syn_options): MSS, SACK-permitted, TS, NOP, window scale, in 20
 * bytes. Tested as words: a 2- or 3-byte memcmp() is a call.
 */
static inline bool
tcp_opts_linux_syn(const uint8_t *p, int left)
{
	return left == 20 && tcp_be32_at(p) >> 16 == TCP_OPT_WORD(0, 0, TCPOPT_MSS, 4) &&
		tcp_be32_at(p + 4) == TCP_OPT_WORD(TCPOPT_SACK_PERM, 2, TCPOPT_TS, 10) &&
		tcp_be32_at(p + 16) >> 8 == TCP_OPT_WORD(0, TCPOPT_NOP, TCPOPT_WS, 3);
}

/*
 * One step of tcp_parse_options()' walk over a segment's options: NOPs
 * skipped; @return the next option's kind, with *opt at its first byte,
 * *len its length and *p, *left past it; or -1 where the walk stops (EOL,
 * a partial option: "don't parse partial options", nothing left).
 */
static inline int
tcp_opt_next(const uint8_t **p, int *left, const uint8_t **opt, uint8_t *len)
{
	while (*left > 0) {
		const uint8_t *q = *p;

		if (q[0] == TCPOPT_EOL)
			return -1;
		if (q[0] == TCPOPT_NOP) {
			(*p)++;
			(*left)--;
			continue;
		}
		if (*left < 2 || q[1] < 2 || q[1] > *left)
			return -1;
		*opt = q;
		*len = q[1];
		*p = q + q[1];
		*left -= q[1];
		return q[0];
	}
	return -1;
}

/* struct bs_tcb.fl */
#define TCB_TS 0x0001		/* timestamps negotiated */
#define TCB_SACK 0x0002		/* SACK permitted both ways */
#define TCB_WS 0x0004		/* window scaling negotiated */
#define TCB_RCV_SHUT 0x0008	/* RCV_SHUTDOWN: close() or SHUT_RD */
#define TCB_SND_SHUT 0x0010	/* SEND_SHUTDOWN: our FIN is queued */
#define TCB_DEAD 0x0020		/* orphan: the application closed it */
#define TCB_FIN_SENT 0x0040	/* our FIN has been transmitted */
#define TCB_KEEPALIVE 0x0080	/* SO_KEEPALIVE */
#define TCB_DELACK 0x0100	/* an ACK is owed (ICSK_ACK_SCHED) */
#define TCB_ACCEPTED 0x0200	/* taken off the accept queue */
#define TCB_BYTES_ACKED_BIG 0x0400	/* more than 2^30 bytes acked */
#define TCB_PEER_FIN 0x0800	/* the peer's FIN has been received */
#define TCB_ACTIVE 0x1000	/* active open (client) */
#define TCB_IN_RECOVERY 0x2000	/* NewReno fast recovery */
#define TCB_PROBE 0x4000	/* zero-window probing */
#define TCB_LINGER0 0x8000	/* SO_LINGER {1, 0} */

/* The event the connection's timer stands for (struct bs_tcb.tev). */
enum tcb_timer_event {
	TEV_NONE,
	TEV_RTO,		/* retransmission / SYN retransmission */
	TEV_PROBE,		/* zero-window probe */
	TEV_KEEPALIVE,		/* keepalive idle/interval */
	TEV_FIN_WAIT2,		/* orphan FIN_WAIT2 timeout */
	TEV_APP,		/* the application asked to be woken */
	TEV_CONNECT,		/* connect timeout */
	TEV_ACCEPT,		/* a passive child waits for accept() */
};

/*
 * A connection. Hot fields first; an idle ESTABLISHED connection needs
 * nothing else (docs/performance.md has the measured sizes).
 */
struct bs_tcb {
	struct bs_flow flow;	/* key: first */
	uint8_t state;		/* enum bs_tcp_state */
	uint8_t wscale;		/* snd_wscale << 4 | rcv_wscale */
	uint16_t fl;		/* TCB_* */
	struct bs_timer timer;	/* RTO/probe/keepalive/FIN_WAIT2/app, see tev */
	uint32_t snd_una;
	uint32_t snd_nxt;
	uint32_t snd_wnd;	/* peer's window, scaled */
	uint32_t snd_wl1;	/* SEG.SEQ of the last window update */
	uint32_t rcv_nxt;
	uint32_t rcv_wup;	/* RCV.NXT when the window was last announced */
	uint32_t iss;
	uint32_t ts_recent;
	uint32_t ts_off;	/* added to our clock for TSval (RFC 7323 5.4) */
	uint32_t last_oow;	/* ms of the last dupack/challenge (rate limit) */
	uint32_t ext;		/* struct tcb_ext index, or TCP_NONE */
	uint16_t rcv_wnd;	/* window we announced, >> rcv_wscale */
	uint16_t mss;		/* effective send MSS */
	uint16_t max_wnd;	/* largest SEG.WND seen, unscaled */
	uint16_t ts_recent_stamp;	/* seconds (mod 2^16) of ts_recent */
	uint16_t srtt8;		/* smoothed RTT, ms << 3 (0: no sample yet) */
	uint16_t rttvar4;	/* RTT variation, ms << 2 */
	uint16_t cwnd;		/* segments */
	uint16_t ssthresh;	/* segments */
	uint16_t adj;		/* L2 adjacency (port, VLAN, peer MAC) */
	uint16_t owner : 6;	/* listener or client index */
	/* The delayed-ACK engine (Linux icsk_ack, tcp_delack.c). */
	uint16_t ato : 6;	/* ACK timeout estimate, jiffies (0: no data yet) */
	uint16_t pingpong : 1;	/* interactive: ACKs wait for the reply */
	uint16_t pushed : 2;	/* ICSK_ACK_PUSHED, ICSK_ACK_PUSHED2 */
	uint16_t nospace : 1;	/* SOCK_NOSPACE: a write found the buffer full */
	uint8_t tev : 3;	/* enum tcb_timer_event */
	uint8_t quick : 5;	/* quick ACKs left (icsk_ack.quick) */
	uint8_t retrans;	/* consecutive RTO expiries / keepalive probes out */
	uint8_t app_state;	/* the application's own */
	uint8_t errsk;		/* errno the application saw last (0 none) */
};

/* An idle ESTABLISHED connection fits 128 bytes with its table slot
 * (about 7 bytes at the table's load): docs/performance.md. */
_Static_assert(sizeof(struct bs_tcb) <= 120, "struct bs_tcb outgrew its budget");
_Static_assert(BS_MAX_LISTENERS <= 64 && BS_MAX_CLIENTS <= 64, "struct bs_tcb.owner: 6 bits");
_Static_assert(TCP_MAX_QUICKACKS < 32, "struct bs_tcb.quick: 5 bits");

/* Loss recovery, queues and application data of a busy connection. */
struct tcb_ext {
	struct rte_mbuf *snd_head;	/* unacknowledged + unsent data */
	struct rte_mbuf *snd_tail;
	struct rte_mbuf *rcv_head;	/* received, not yet read */
	struct rte_mbuf *rcv_tail;
	struct rte_mbuf *ooo;		/* out of order, sorted; seq in hash.usr */
	uint32_t snd_bytes;		/* bytes in snd queue (from snd_una) */
	uint32_t rcv_bytes;		/* bytes in rcv queue */
	uint32_t ooo_bytes;
	uint32_t write_seq;		/* end of queued data (+1 with FIN) */
	uint32_t recover;		/* NewReno: SND.NXT at loss */
	uint32_t rtt_seq;		/* segment being timed */
	uint32_t rtt_ts;		/* when it was sent, ms */
	uint32_t delack_at;		/* ms */
	uint32_t app_at;		/* ms: the application's wake-up */
	uint32_t app_u32;		/* the application's counter */
	uint32_t retrans_stamp;		/* ms of the first retransmission */
	uint32_t tev_at;		/* deadline of the connection's tev, ms */
	uint16_t dupacks;
	uint16_t n_sacks;
	uint32_t sack[TCP_MAX_SACKS][2];	/* our SACK blocks, first = newest */
	uint32_t lrcvtime;		/* ms of the last data received (0: unknown) */
};

_Static_assert(sizeof(struct tcb_ext) <= 128, "struct tcb_ext outgrew its budget");

/* A pending passive handshake (Linux request sock). */
struct tcp_req {
	struct bs_flow flow;
	struct bs_timer timer;	/* SYN-ACK retransmission */
	uint32_t iss;
	uint32_t irs;
	uint32_t ts_recent;
	uint32_t ts_off;
	uint32_t synack_ts;	/* TSval of our first SYN-ACK */
	uint32_t last_oow;
	uint16_t mss;		/* peer's MSS option (0 none) */
	uint16_t owner;		/* listener */
	uint16_t adj;
	uint16_t rcv_wnd;	/* window announced in the SYN-ACK (unscaled) */
	uint8_t wscale;		/* snd << 4 | rcv */
	uint8_t fl;		/* TCB_TS | TCB_SACK | TCB_WS, REQ_ACKED */
	uint8_t retrans;
	uint8_t tos;
};

#define REQ_ACKED 0x80		/* final ACK seen while the accept queue was full */
#define REQ_RTX 0x40		/* a SYN-ACK was sent again: no RTT sample */

/*
 * TIME_WAIT and the orphan FIN_WAIT2 mini-socket: 56 bytes, 63.1 with its
 * share of the connection table (docs/performance.md). The 4-tuple is
 * packed: IPv4 addresses as such, an IPv6 entry's local address as an
 * index into the endpoint's dictionary of local IPv6 addresses (struct
 * tcp_laddr6); the table compares keys through tw_key_eq(). Expiry is the
 * short-timer ring (an 8-byte node: every timeout here is at most 60 s).
 */
struct tcp_tw {
	union {
		uint8_t raddr6[16];		/* IPv6: remote address */
		struct {
			uint32_t raddr;		/* IPv4 addresses, network order */
			uint32_t laddr;
		} v4;
	} a;
	uint16_t rport;			/* network order, as in struct bs_flow */
	uint16_t lport;
	uint32_t substate : 4;		/* BS_TCP_TIME_WAIT or BS_TCP_FIN_WAIT2 */
	uint32_t fl : 2;		/* TCB_TS, TW_V6 */
	uint32_t wscale : 4;		/* our rcv_wscale */
	uint32_t adj : 12;		/* L2 adjacency */
	uint32_t laddr6 : 10;		/* IPv6: local address, ep->laddr6[] index */
	struct bs_tnode node;		/* expiry (ep->tring) */
	uint32_t snd_nxt;
	uint32_t rcv_nxt;
	uint32_t ts_recent;
	uint32_t ts_off;
	uint32_t last_oow;		/* ms of the last out-of-window ACK */
	uint16_t rcv_wnd;		/* unscaled */
	uint16_t ts_recent_stamp;	/* seconds (mod 2^16) of ts_recent */
};

#define TW_V6 0x02			/* struct tcp_tw.fl: an IPv6 entry */

/* At most 64 bytes a TIME_WAIT entry with its table slot (7.11 bytes at
 * the table's 90 % load): the budget, docs/performance.md. */
_Static_assert(sizeof(struct tcp_tw) <= 56, "struct tcp_tw outgrew its budget");

/* Local IPv6 addresses of TIME_WAIT entries, each held by a count of
 * entries; an open-addressing index finds them (tcp_tw_key.c). */
#define TCP_LADDR6_MAX 1024		/* struct tcp_tw.laddr6: 10 bits */
#define TCP_LADDR6_SLOTS 2048		/* index slots, a power of two */

struct tcp_laddr6 {
	uint8_t a[16];
	uint32_t refs;			/* entries using it; 0: free */
	uint32_t next_free;
};

/* One port, VLAN and peer MAC that replies go to. */
struct tcp_adj {
	struct rte_ether_addr mac;
	uint16_t vlan;
	uint8_t port;
	uint8_t used;		/* 0 free, TCP_ADJ_USED, TCP_ADJ_PENDING */
};

#define TCP_ADJ_USED 1
#define TCP_ADJ_PENDING 2	/* the MAC is being resolved: frames go to c.hold */

#define TCP_ADJ_MAX 4096
_Static_assert(TCP_ADJ_MAX <= 4096, "struct tcp_tw.adj is 12 bits");
#define TCP_ADJ_NONE UINT16_MAX	/* ep_adj_get(): the table is full */

/* The http application's response header, built once for the parameters
 * it was built from (len 0: not yet). */
struct tcp_http_hdr {
	uint32_t status;
	uint32_t body;
	bool keepalive;
	uint8_t len;
	char text[110];
};

/* A listener as one worker runs it. */
struct tcp_listener {
	const struct bs_listener_conf *c;	/* &lc */
	struct bs_listener_conf lc;	/* the endpoint's copy: a configuration
					 * snapshot may go while connections
					 * of the listener live on */
	uint32_t n_conn;	/* passive connections it owns (t->owner): a
				 * closed slot is reused only at 0 */
	bool open;
	uint32_t n_req;		/* pending handshakes */
	uint32_t n_accept;	/* children not yet accepted */
	uint32_t backlog;	/* min(backlog, somaxconn) */
	uint32_t last_overflow;	/* ms of the last SYN-queue overflow (cookies) */
	bool overflowed;
	struct tcp_http_hdr http;	/* app http */
};

struct tcp_client {
	const struct bs_client_conf *c;	/* the configuration's, or &cc */
	struct bs_client_conf cc;	/* a connect-now slot's own copy */
	uint32_t started;	/* connections opened so far */
	uint32_t next_port;	/* ephemeral port search */
	struct bs_tcp_client_stats st;
	struct tcp_http_hdr http;	/* app http */
};

struct tcp_pool {
	void *base;
	uint32_t stride;	/* sizeof its entries (ep_tcb(), tcb_ext()... use
				 * the constant) */
	uint32_t cap;
	uint32_t used;
	uint32_t free_head;	/* free list through the first 4 bytes */
};

/* tcp_synack.c: a cookie SYN-ACK written but for its cookie, TSval and
 * checksum, which bs_tcp_ep_synack_flush() adds with the burst's others
 * (from values: it reads nothing back from the frame). */
struct tcp_synack {
	struct bs_flow f;
	struct rte_tcp_hdr *th;
	uint64_t sum;		/* the header's but for the SEQ and TSval words,
				 * pseudo header included */
	uint32_t seq;		/* the SYN's */
	uint32_t ts_add;	/* TSval - now - hashed offset (bs_cookie_ts_init) */
	uint16_t mss;		/* the peer's, for the cookie */
	uint8_t ts;		/* 0: no TS option; 1: TS, offset hashed; 2: TS, no offset */
};

struct bs_tcp_ep {
	struct bs_tcp_ep_conf c;
	const struct bs_tcp_conf *k;	/* knobs */
	struct bs_stats *st;
	struct bs_table *table;
	struct bs_wheel *wheel;
	struct bs_tring *tring;		/* TIME_WAIT expiry */
	struct tcp_pool tcb, req, tw, ext;
	void *arena;
	size_t arena_len;
	uint64_t tsc0;
	uint64_t tsc;
	uint32_t now_ms;
	uint64_t utc_ms0;		/* real time at now_ms 0: the SYN cookie clock */
	uint32_t tw_count;
	uint32_t tw_limit;		/* tcp_max_tw_buckets, this worker's share */
	uint32_t orphans;
	uint32_t mbuf_reserve;		/* free mbufs below which memory is short */
	bool mem_short;			/* so at this burst's start (ep_mem_short) */
	bool synack_slow;		/* cookie SYN-ACKs by the general path only */
	uint32_t lsn_backlog_min;	/* the open listeners' smallest backlog
					 * (ep_lsn_backlog_update) */
	uint16_t synack_adj;		/* tcp_synack.c: the last adjacency */
	uint16_t n_synack;		/* SYN-ACKs waiting for their cookies */
	uint32_t synack_ms;		/* ... made at this now_ms */
	struct tcp_synack synack[BS_COOKIE_BURST];
	uint32_t chal_second;		/* tcp_challenge_ack_limit budget */
	uint32_t chal_budget;
	uint64_t rnd;			/* xorshift state */
	struct bs_sipkey isn_key;
	struct bs_sipkey ts_key;		/* timestamp offsets (bs_tcp_ts_key) */
	struct bs_cookie_keys cookie_keys;
	unsigned int n_listeners;
	struct tcp_listener lsn[BS_MAX_LISTENERS];
	unsigned int n_clients;
	struct tcp_client cli[BS_MAX_CLIENTS];
	struct tcp_adj adj[TCP_ADJ_MAX];
	uint32_t state_count[BS_TCP_STATE_MAX];
	uint32_t tw_isn;		/* ISN for a SYN that reopens TIME_WAIT */
	const struct bs_flow *rx_flow;	/* the flow of the segment being received
					 * (NULL: none), and its table hash: see
					 * ep_flow_hash() */
	uint64_t rx_hash;
	struct bs_sipkey laddr6_key;	/* laddr6_index hash */
	uint32_t laddr6_free;		/* free list of laddr6[], TCP_NONE: full */
	uint16_t laddr6_index[TCP_LADDR6_SLOTS];	/* laddr6[] index + 1, 0: empty */
	struct tcp_laddr6 laddr6[TCP_LADDR6_MAX];
	uint32_t wake;			/* connection index + 1 whose application the
					 * segment woke (0: none); see tcb_wake() */
	uint8_t wake_ev;		/* 1 << enum app_event, pending for it */
	struct rte_mbuf *spare;		/* the received frame, done with while the
					 * application it woke runs: ep_send()
					 * builds in it (tcp_tcb_rcv) */
	uint8_t lport_map[65536 / 8];	/* ports with an open listener, and
					 * with rss_check our active opens' ports */
	bool clients_pending;		/* active opens still to start */
	bool rss_check;			/* clients, several workers, a port with RSS:
					 * segments to their ports are checked (tcp_connect.c) */
	uint8_t tx_rst;			/* reset reason + 1 of the RST-ABORT being
					 * sent (tcb_send_rst_abort), 0: none */
	uint32_t n_acc;			/* entries in acc[] */
	uint32_t acc[TCP_ACCEPT_BATCH];	/* connection indices: passive children
					 * whose handshakes completed this poll */
};

/*
 * Memory pressure (Linux: tcp_under_memory_pressure, tcp_mem): the packet
 * pool's shared store held fewer free mbufs than [backstop] mbuf_reserve
 * when this burst began. Receiving needs mbufs (the RX rings are refilled
 * from the pool): a pool emptied by queues would stop every connection,
 * the ACKs that free queues included. Those in the lcores' caches are not
 * counted, so the test errs on the short side. Sampled once per burst
 * (bs_tcp_ep_set_time(): a call through the pool's ops and a read of the
 * store's shared indices), read on SYNs, data and sends.
 */
static inline bool
ep_mem_short(const struct bs_tcp_ep *ep)
{
	return ep->mem_short;
}

/*
 * The table hash of @p f for an insertion or deletion: the received
 * segment's, computed once for its lookup (ep_input), when @p f is its
 * flow (a handshake's request, child, or the connection it ends), else
 * computed (timers, applications, another flow).
 */
static inline uint64_t
ep_flow_hash(const struct bs_tcp_ep *ep, const struct bs_flow *f)
{
	if (ep->rx_flow != NULL && bs_flow_eq(ep->rx_flow, f))
		return ep->rx_hash;
	return bs_table_hash(ep->table, f);
}

/* rte_pktmbuf_free() of a frame, inline when it is one segment (the
 * frames a connection receives and queues): rte_pktmbuf_free_seg(). */
static inline void
ep_mbuf_free(struct rte_mbuf *m)
{
	if (likely(m->next == NULL))
		rte_pktmbuf_free_seg(m);
	else
		rte_pktmbuf_free(m);
}

/* Counters: the worker's, written by it only. */
static inline void
ep_cnt(struct bs_tcp_ep *ep, enum bs_counter c)
{
	bs_cnt_add(&ep->st->cnt[c], 1);
}

static inline void
ep_rst_cnt(struct bs_tcp_ep *ep, unsigned int reason)
{
	bs_cnt_add(&ep->st->rst[reason], 1);
}

static inline void
ep_drop_cnt(struct bs_tcp_ep *ep, unsigned int reason)
{
	bs_cnt_add(&ep->st->drop[reason], 1);
}

static inline struct bs_tcb *
ep_tcb(const struct bs_tcp_ep *ep, uint32_t idx)
{
	return (struct bs_tcb *)((uint8_t *)ep->tcb.base + (size_t)idx * sizeof(struct bs_tcb));
}

static inline uint32_t
ep_tcb_idx(const struct bs_tcp_ep *ep, const struct bs_tcb *t)
{
	return (uint32_t)((size_t)((const uint8_t *)t - (const uint8_t *)ep->tcb.base) /
		sizeof(struct bs_tcb));
}

static inline struct tcp_req *
ep_req(const struct bs_tcp_ep *ep, uint32_t idx)
{
	return (struct tcp_req *)((uint8_t *)ep->req.base + (size_t)idx * sizeof(struct tcp_req));
}

static inline struct tcp_tw *
ep_tw(const struct bs_tcp_ep *ep, uint32_t idx)
{
	return (struct tcp_tw *)((uint8_t *)ep->tw.base + (size_t)idx * sizeof(struct tcp_tw));
}

static inline struct tcb_ext *
tcb_ext(const struct bs_tcp_ep *ep, const struct bs_tcb *t)
{
	if (t->ext == TCP_NONE)
		return NULL;
	return (struct tcb_ext *)((uint8_t *)ep->ext.base + (size_t)t->ext * sizeof(struct tcb_ext));
}

static inline unsigned int
tcb_snd_wscale(const struct bs_tcb *t)
{
	return t->wscale >> 4;
}

static inline unsigned int
tcb_rcv_wscale(const struct bs_tcb *t)
{
	return t->wscale & 0x0f;
}

static inline const struct bs_listener_conf *
tcb_lconf(const struct bs_tcp_ep *ep, const struct bs_tcb *t)
{
	return ep->lsn[t->owner].c;
}

/* The application of a connection: its listener's or its client's. */
unsigned int tcb_app(const struct bs_tcp_ep *ep, const struct bs_tcb *t);
const struct bs_app_params *tcb_params(const struct bs_tcp_ep *ep,
		const struct bs_tcb *t);

/* tcp_in_window(): is [seq, end) acceptable for the window [s_win, e_win]? */
static inline bool
tcp_in_window(uint32_t seq, uint32_t end, uint32_t s_win, uint32_t e_win)
{
	if (seq == s_win)
		return true;
	if (SEQ_GT(end, s_win) && SEQ_LT(seq, e_win))
		return true;
	return seq == e_win && seq == end;
}

/* Our MSS for a family, and for a flow: the advmss of a 1500-byte MTU
 * route. */
static inline uint16_t
tcp_local_mss_v4(bool v4)
{
	return v4 ? 1460 : 1440;
}

static inline uint16_t
tcp_local_mss(const struct bs_flow *f)
{
	return tcp_local_mss_v4(bs_flow_is_v4(f));
}

/* tcp_ep.c: pools, table, adjacencies, clock */
uint32_t pool_get(struct tcp_pool *p);
void pool_put(struct tcp_pool *p, uint32_t idx);
uint16_t ep_adj_get(struct bs_tcp_ep *ep, const struct bs_tcp_l2 *l2);
void ep_lsn_backlog_update(struct bs_tcp_ep *ep);
uint16_t ep_adj_pending(struct bs_tcp_ep *ep, const struct bs_tcp_l2 *l2);
void tcb_set_state(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int state);
void tcb_free(struct bs_tcp_ep *ep, struct bs_tcb *t);
struct tcb_ext *tcb_ext_get(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_ext_maybe_put(struct bs_tcp_ep *ep, struct bs_tcb *t);
uint32_t ep_ts_now(const struct bs_tcp_ep *ep);
uint64_t ep_now_ns(const struct bs_tcp_ep *ep);
uint64_t ep_utc_base(const struct bs_ip_conf *ip, uint64_t tsc0, uint64_t hz);
uint8_t ep_rcv_wscale(const struct bs_tcp_ep *ep);
uint32_t ep_random(struct bs_tcp_ep *ep);
void ep_timer_arm(struct bs_tcp_ep *ep, struct bs_timer *tm, uint32_t delay_ms);
void ep_timer_cancel(struct bs_tcp_ep *ep, struct bs_timer *tm);
void tcb_arm(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int ev,
		uint32_t delay_ms);
void tcb_disarm(struct bs_tcp_ep *ep, struct bs_tcb *t);

/* tcp_out.c: building and sending segments */
struct tcp_seg_out {
	uint32_t seq;
	uint32_t ack;
	uint32_t win;		/* unscaled value to write */
	uint8_t flags;
	uint8_t opt_len;
	uint8_t opts[40];
	const struct rte_mbuf *data;	/* payload source: chain and offset */
	uint32_t data_off;
	uint32_t data_len;
};

int ep_send(struct bs_tcp_ep *ep, const struct bs_flow *f, uint16_t adj,
		uint8_t tos, const struct tcp_seg_out *o, struct rte_mbuf *reuse);
/* Four bytes in wire order as the word memory holds them. */
static inline uint32_t
tcp_wire32(uint32_t v)
{
	return rte_cpu_to_be_32(v);
}

/* Store word @p w (wire order) at @p p and add it to *@p sum. */
static inline void
tcp_put32(uint8_t *p, uint32_t w, uint64_t *sum)
{
	memcpy(p, &w, 4);
	*sum += w;
}

/*
 * A SYN's or SYN-ACK's options in Linux's order (tcp_syn_options,
 * tcp_synack_options): MSS; SACK-permitted and TS, or NOP NOP and TS, or
 * NOP NOP and SACK-permitted; NOP and window scale (@p wscale -1: none).
 * Written at @p p as words built in registers (none read back: a load of
 * words just stored would wait for them), and added to *@p sum.
 * @return their length in bytes
 */
static inline unsigned int
tcp_syn_opts_put(uint8_t *p, uint16_t mss, bool sack, bool ts, uint32_t tsval,
		uint32_t tsecr, int wscale, uint64_t *sum)
{
	unsigned int n = 4;

	tcp_put32(p, tcp_wire32(TCP_OPT_WORD(TCPOPT_MSS, 4, 0, 0) | mss), sum);
	if (ts) {
		tcp_put32(p + 4, tcp_wire32(sack ? TCP_OPT_WORD(TCPOPT_SACK_PERM, 2, TCPOPT_TS, 10) :
			TCP_OPT_WORD(TCPOPT_NOP, TCPOPT_NOP, TCPOPT_TS, 10)), sum);
		tcp_put32(p + 8, tcp_wire32(tsval), sum);
		tcp_put32(p + 12, tcp_wire32(tsecr), sum);
		n = 16;
	} else if (sack) {
		tcp_put32(p + 4, tcp_wire32(TCP_OPT_WORD(TCPOPT_NOP, TCPOPT_NOP,
			TCPOPT_SACK_PERM, 2)), sum);
		n = 8;
	}
	if (wscale >= 0) {
		tcp_put32(p + n, tcp_wire32(TCP_OPT_WORD(TCPOPT_NOP, TCPOPT_WS, 3, wscale)), sum);
		n += 4;
	}
	return n;
}

/* The IPv6 flow label of @p f's frames; a SYN's or SYN-ACK's options at
 * @p p (tcp_syn_opts_put()). @return their length */
uint32_t tcp_flow_label(const struct bs_tcp_ep *ep, const struct bs_flow *f);
uint8_t tcp_syn_opts(uint8_t *p, uint16_t mss, bool sack, bool ts, uint32_t tsval,
		uint32_t tsecr, int wscale);
uint32_t tcb_rcv_window(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_send_ack(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rte_mbuf *reuse);
bool tcb_oow_limited(struct bs_tcp_ep *ep, uint32_t *last, enum bs_counter c);
/* Both: @return true when the ACK went out (built in @p reuse, if given);
 * false when a limit held it back, @p reuse untouched (the caller drops
 * the segment with its reason). */
bool tcb_send_challenge_ack(struct bs_tcp_ep *ep, struct bs_tcb *t,
		struct rte_mbuf *reuse);
bool tcb_send_dupack(struct bs_tcp_ep *ep, struct bs_tcb *t,
		const struct bs_tcp_seg *s, struct rte_mbuf *reuse);
void tcb_send_rst_abort(struct bs_tcp_ep *ep, struct bs_tcb *t,
		unsigned int reason);
void tcb_send_syn(struct bs_tcp_ep *ep, struct bs_tcb *t, bool synack);
void tcb_xmit(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_retransmit_head(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_send_probe(struct bs_tcp_ep *ep, struct bs_tcb *t, bool keepalive);
void req_send_synack(struct bs_tcp_ep *ep, struct tcp_req *r,
		struct rte_mbuf *reuse);
void req_send_ack(struct bs_tcp_ep *ep, struct tcp_req *r, struct rte_mbuf *reuse);
void tw_send_ack(struct bs_tcp_ep *ep, struct tcp_tw *tw, struct rte_mbuf *reuse);
uint32_t tcb_rto_ms(const struct bs_tcb *t);

/*
 * tcp_push(): send what is queued and the windows allow (tcb_xmit). Inline,
 * the cases where tcb_xmit() would do nothing: no extension (nothing
 * queued), or nothing unsent with the RTO already armed for what is in
 * flight, or nothing in flight at all (the zero-window probe is armed only
 * for unsent data). A connection polls this after every segment and every
 * application turn.
 */
static inline void
tcb_push(struct bs_tcp_ep *ep, struct bs_tcb *t)
{
	const struct tcb_ext *x = tcb_ext(ep, t);

	if (x == NULL || (!SEQ_LT(t->snd_nxt, x->write_seq) &&
			(t->snd_nxt == t->snd_una || t->tev == TEV_RTO)))
		return;
	tcb_xmit(ep, t);
}

/* tcp_delack.c: when an ACK goes out (Linux icsk_ack: quick-ACK mode,
 * interactive mode, the delayed-ACK timer) */
void tcb_enter_quickack_mode(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_event_data_recv(struct bs_tcp_ep *ep, struct bs_tcb *t, uint32_t len);
void tcb_ack_snd_check(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_ack_now(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_event_ack_sent(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_event_data_sent(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_delack_timer(struct bs_tcp_ep *ep, struct bs_tcb *t);
bool tcb_read_ack_due(struct bs_tcp_ep *ep, const struct bs_tcb *t, uint32_t copied);

/* Options of a received segment. */
struct tcp_opts {
	uint16_t mss;
	uint8_t ws;		/* 0xff: none */
	bool sack_ok;
	bool ts;
	uint32_t tsval;
	uint32_t tsecr;
	uint8_t n_sacks;
	uint32_t sack[TCP_MAX_SACKS][2];
};

void tcp_parse_opts(const struct bs_tcp_seg *s, struct tcp_opts *o);

/* tcp_listen.c: LISTEN, pending handshakes, cookies */
int tcp_listen_rcv(struct bs_tcp_ep *ep, unsigned int lsn, struct rte_mbuf *m,
		const struct bs_tcp_seg *s, const struct bs_flow *f,
		const struct bs_tcp_l2 *l2, uint8_t tos, struct bs_tcp_verdict *v);
int tcp_req_rcv(struct bs_tcp_ep *ep, struct tcp_req *r, struct rte_mbuf *m,
		const struct bs_tcp_seg *s, const struct bs_tcp_l2 *l2,
		struct bs_tcp_verdict *v);
void tcp_req_timer(struct bs_tcp_ep *ep, struct tcp_req *r);
void tcp_req_free(struct bs_tcp_ep *ep, struct tcp_req *r);
int tcp_find_listener(const struct bs_tcp_ep *ep, const struct bs_flow *f);
int tcp_find_listener_at(const struct bs_tcp_ep *ep, bool v4, const uint8_t *laddr,
		uint16_t lport);

/* tcp_rcv.c: synchronized states and SYN_SENT */
int tcp_tcb_rcv(struct bs_tcp_ep *ep, struct bs_tcb *t, struct rte_mbuf *m,
		const struct bs_tcp_seg *s, struct bs_tcp_verdict *v);
void tcb_reset(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_rtt_sample(struct bs_tcb *t, uint32_t rtt_ms);

/* tcp_tw_key.c: TIME_WAIT entries' keys and expiry */
void tw_laddr6_init(struct bs_tcp_ep *ep);
bool tw_key_set(struct bs_tcp_ep *ep, struct tcp_tw *tw, const struct bs_flow *f);
void tw_key_put(struct bs_tcp_ep *ep, struct tcp_tw *tw);
bool tw_key_eq(const void *ctx, const void *obj, const struct bs_flow *key);
void tw_flow(const struct bs_tcp_ep *ep, const struct tcp_tw *tw, struct bs_flow *f);
void tw_arm(struct bs_tcp_ep *ep, struct tcp_tw *tw, uint32_t delay_ms);
void tw_ring_cb(void *ctx, struct bs_tnode *n);

/* tcp_tw.c */
int tcp_tw_rcv(struct bs_tcp_ep *ep, struct tcp_tw *tw, struct rte_mbuf *m,
		const struct bs_tcp_seg *s, const struct bs_tcp_l2 *l2,
		struct bs_tcp_verdict *v);
void tcp_time_wait(struct bs_tcp_ep *ep, struct bs_tcb *t, unsigned int substate,
		uint32_t timeo_ms);
void tcp_tw_timer(struct bs_tcp_ep *ep, struct tcp_tw *tw);
void tcp_tw_free(struct bs_tcp_ep *ep, struct tcp_tw *tw);

/* tcp_timer.c */
void tcp_tcb_timer(struct bs_tcp_ep *ep, struct bs_tcb *t);
/* accept() of the children whose handshakes completed this poll. */
void tcp_accept_run(struct bs_tcp_ep *ep);
void tcb_keepalive_arm(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_timer_update(struct bs_tcp_ep *ep, struct bs_tcb *t);
uint32_t tcb_fin_time_ms(struct bs_tcp_ep *ep, const struct bs_tcb *t);

/* tcp_sock.c: what applications call (Linux socket semantics) */
#define TCB_MSG_MORE 0x1	/* tcb_write: more follows, do not push yet (MSG_MORE) */
int tcb_write_fill(struct bs_tcp_ep *ep, struct bs_tcb *t, const void *buf,
		uint32_t len, uint32_t fill, unsigned int flags);

/* send() of @p len bytes of @p buf, or with @p buf NULL of filler bytes. */
static inline int
tcb_write(struct bs_tcp_ep *ep, struct bs_tcb *t, const void *buf, uint32_t len,
		unsigned int flags)
{
	if (buf == NULL)
		return tcb_write_fill(ep, t, NULL, 0, len, flags);
	return tcb_write_fill(ep, t, buf, len, 0, flags);
}
uint32_t tcb_write_space(struct bs_tcp_ep *ep, struct bs_tcb *t);
uint32_t tcb_read(struct bs_tcp_ep *ep, struct bs_tcb *t, void *buf, uint32_t len);
uint32_t tcb_readable(struct bs_tcp_ep *ep, const struct bs_tcb *t);
void tcb_shutdown_wr(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_close(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_abort_linger0(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_disconnect(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_disconnect_app(struct bs_tcp_ep *ep, struct bs_tcb *t);
void tcb_abort(struct bs_tcp_ep *ep, struct bs_tcb *t, int err);
void tcb_app_wake(struct bs_tcp_ep *ep, struct bs_tcb *t, uint32_t delay_ms);
void tcb_set_error(struct bs_tcp_ep *ep, struct bs_tcb *t, int err);
void tcb_done(struct bs_tcp_ep *ep, struct bs_tcb *t);

/* tcp_connect.c: active opens */
void tcp_clients_poll(struct bs_tcp_ep *ep);
void tcp_clients_init(struct bs_tcp_ep *ep);
void tcp_clients_ports(struct bs_tcp_ep *ep);
bool tcp_wrong_worker(const struct bs_tcp_ep *ep, const struct bs_flow *f,
		const struct bs_tcp_l2 *l2);
void tcb_adj_refresh(struct bs_tcp_ep *ep, struct bs_tcb *t);

/* tcp_app.c: the built-in applications */
enum app_event {
	APP_ACCEPTED,		/* handshake done (passive) or connected (active) */
	APP_READABLE,		/* new data or the peer's FIN */
	APP_WRITABLE,		/* send space freed */
	APP_TIMER,		/* tcb_app_wake() */
	APP_ERROR,		/* reset / timeout: t->errsk set, tcb about to go */
};

void tcp_app_event(struct bs_tcp_ep *ep, struct bs_tcb *t, enum app_event e);
void tcb_wake(struct bs_tcp_ep *ep, struct bs_tcb *t, enum app_event e);
void ep_wake_run(struct bs_tcp_ep *ep);

#endif /* TCP_EP_INTERNAL_H */
