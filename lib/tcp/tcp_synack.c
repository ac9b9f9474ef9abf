/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cookie SYN-ACK written over its SYN (bs_tcp_ep_synack_cookie): what
 * tcp_listen_rcv(), conn_request() and req_send_synack() do for a SYN that
 * gets a SYN cookie and no request entry, in place, as the stray path
 * writes its RSTs: no request, no frame builder, no endpoint TX buffer.
 * Whatever it cannot do exactly as they do is left to them, before any
 * state is touched.
 *
 * Written for a core's store buffer as much as for its instruction count:
 * the SYN's headers are read where the driver wrote them, before anything
 * is written over them; the reply is written in whole words built in
 * registers, and its checksums are summed from those values. A load that
 * spans stores still in flight (a header summed back from memory just
 * after its fields were written one by one) waits for them to retire: on
 * the CPU of docs/performance.md those waits were a quarter of the
 * SYN-ACK's cycles.
 */
#include <string.h>

#include <netinet/in.h>
#include <rte_ip.h>

#include "tcp_ep_internal.h"

void
bs_tcp_ep_synack_fast(struct bs_tcp_ep *ep, bool on)
{
	ep->synack_slow = !on;
}

/* What a SYN-ACK needs of the SYN's options; words, each stored and
 * loaded whole if the structure lives in memory. */
struct syn_opts {
	uint32_t mss;		/* 0: none */
	uint32_t ws;		/* 0xff: none */
	uint32_t sack_ok;
	uint32_t ts;
	uint32_t tsval;		/* as on the wire */
};

/*
 * tcp_parse_opts() on a SYN, for those fields only (no SACK blocks, no
 * TSecr, nothing cleared that is not read): Linux's own layout (MSS,
 * SACK-permitted, TS, NOP, window scale) at once, any other by the same
 * loop, which stops where it stops.
 */
static inline void
syn_parse_opts(const uint8_t *p, int left, struct syn_opts *o)
{
	const uint8_t *q;
	int kind;
	uint8_t len;

	o->mss = 0;
	o->ws = 0xff;
	o->sack_ok = 0;
	o->ts = 0;
	o->tsval = 0;
	if (tcp_opts_linux_syn(p, left)) {
		o->mss = (uint32_t)p[2] << 8 | p[3];
		o->sack_ok = 1;
		o->ts = 1;
		memcpy(&o->tsval, p + 8, 4);
		o->ws = RTE_MIN(p[19], (uint8_t)TCP_MAX_WSCALE);
		return;
	}
	while ((kind = tcp_opt_next(&p, &left, &q, &len)) >= 0) {
		if (kind == TCPOPT_MSS && len == 4) {
			o->mss = (uint32_t)q[2] << 8 | q[3];
		} else if (kind == TCPOPT_WS && len == 3) {
			o->ws = RTE_MIN(q[2], (uint8_t)TCP_MAX_WSCALE);
		} else if (kind == TCPOPT_SACK_PERM && len == 2) {
			o->sack_ok = 1;
		} else if (kind == TCPOPT_TS && len == 10) {
			o->ts = 1;
			memcpy(&o->tsval, q + 2, 4);
		}
	}
}

/* No connection, pending handshake or TIME_WAIT entry holds the flow. */
static inline bool
syn_flow_free(const struct bs_tcp_ep *ep, const struct bs_flow *f, const uint64_t *hash)
{
	if (bs_table_count(ep->table) == 0)
		return true;
	return bs_table_lookup(ep->table, f, hash != NULL ? *hash :
		bs_table_hash(ep->table, f)) == BS_TABLE_MISS;
}

/* conn_request()'s adjacency (ep_adj_get), the last one found kept: a
 * flood comes through one router. @p peer: the SYN's source MAC. */
static inline uint16_t
syn_adj(struct bs_tcp_ep *ep, const struct bs_tcp_syn *in, const struct rte_ether_addr *peer)
{
	uint16_t i = ep->synack_adj;
	const struct tcp_adj *a = &ep->adj[i % TCP_ADJ_MAX];
	struct bs_tcp_l2 l2;

	if (likely(i != TCP_ADJ_NONE && a->used == TCP_ADJ_USED && a->port == in->port &&
			a->vlan == in->vlan && rte_is_same_ether_addr(&a->mac, peer)))
		return i;
	l2.port = in->port;
	l2.rx_port = in->rx_port;
	l2.vlan = in->vlan;
	rte_ether_addr_copy(peer, &l2.peer);
	i = ep_adj_get(ep, &l2);
	ep->synack_adj = i;
	return i;
}

/*
 * The listener's answer is a cookie (conn_request): tcp_syncookies=2, or
 * 1 with the request queue over its backlog; not while Backstop is short
 * of entries or mbufs ([tcp] overload, which has its own counters), nor
 * with a full accept queue (ListenOverflows).
 */
static inline bool
syn_cookie_regime(const struct bs_tcp_ep *ep, const struct tcp_listener *l)
{
	const struct bs_tcp_conf *k = ep->k;

	if (ep->req.used >= ep->req.cap || ep->tcb.used >= ep->tcb.cap || ep_mem_short(ep))
		return false;
	if (k->tcp_syncookies != 2 && !(k->tcp_syncookies == 1 && l->n_req > l->backlog))
		return false;
	return !(l->n_accept > l->backlog);
}

/*
 * The IP header of the reply over the SYN's (no options, no extension
 * headers): ep_send()'s fields, the addresses swapped, each word written
 * once and the IPv4 checksum summed from the words, not read back.
 */
static inline void
synack_ip(struct bs_tcp_ep *ep, uint8_t *l3, const struct bs_tcp_syn *in,
		const struct bs_flow *f, uint32_t l4)
{
	if (in->v4) {
		uint32_t w0 = tcp_wire32(0x45u << 24 | (20 + l4));	/* version, IHL, TOS 0, length */
		uint32_t w1 = tcp_wire32(RTE_IPV4_HDR_DF_FLAG);	/* ID 0, DF */
		uint32_t w2 = tcp_wire32((uint32_t)ep->c.ip->ttl << 24 | IPPROTO_TCP << 16);
		uint64_t addrs;
		uint16_t sum;

		memcpy(&addrs, l3 + 12, 8);
		addrs = addrs << 32 | addrs >> 32;	/* source and destination swapped */
		sum = (uint16_t)~bs_csum_fold((uint64_t)w0 + w1 + w2 + in->addr_sum);
		memcpy(l3, &w0, 4);
		memcpy(l3 + 4, &w1, 4);
		memcpy(l3 + 8, &w2, 4);
		memcpy(l3 + 10, &sum, 2);
		memcpy(l3 + 12, &addrs, 8);
	} else {
		uint32_t w0 = tcp_wire32(6u << 28 | tcp_flow_label(ep, f));
		uint32_t w1 = tcp_wire32(l4 << 16 | IPPROTO_TCP << 8 | ep->c.ip->hop_limit);
		uint8_t a[32];

		memcpy(a, l3 + 24, 16);
		memcpy(a + 16, l3 + 8, 16);
		memcpy(l3, &w0, 4);
		memcpy(l3 + 4, &w1, 4);
		memcpy(l3 + 8, a, 32);
	}
}

bool
bs_tcp_ep_cookie_possible(const struct bs_tcp_ep *ep)
{
	unsigned int c = ep->k->tcp_syncookies;

	return c == 2 || (c == 1 && ep->req.used > ep->lsn_backlog_min);
}

/* The longest SYN-ACK's TCP header: 20 bytes and 20 of options. */
#define SYNACK_TCP_MAX 40

uint32_t
bs_tcp_ep_synack_cookie(struct bs_tcp_ep *ep, struct rte_mbuf *m,
		const struct bs_tcp_syn *in, const uint64_t *hash)
{
	const struct bs_tcp_conf *k = ep->k;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *), *l3 = frame + in->l2_len;
	bool v4 = in->v4, ts, sack, ws;
	uint32_t l3_len = v4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	uint8_t *th = l3 + l3_len;
	uint32_t ports, seq, hl;
	const uint8_t *raddr = l3 + (v4 ? 12 : 8), *laddr = l3 + (v4 ? 16 : 24);
	struct rte_ether_addr peer;
	struct tcp_synack *q;
	struct tcp_listener *l;
	struct syn_opts o;
	uint16_t sport, dport;
	uint64_t sum;
	int lsn;

	/* 1. A bare SYN (tcp_listen_rcv: no ACK, RST or FIN; data would be
	 * cut), in one mbuf, no IP options or extension headers, and room
	 * for the longest SYN-ACK. */
	if (unlikely(ep->synack_slow) || in->l3_len != l3_len || m->nb_segs != 1 ||
			(th[13] & (BS_TCP_SYN | BS_TCP_ACK | BS_TCP_RST | BS_TCP_FIN)) !=
			BS_TCP_SYN || in->l4_len != (uint32_t)(th[12] >> 4) * 4 ||
			(uint8_t *)m->buf_addr + m->buf_len - th < SYNACK_TCP_MAX)
		return 0;
	memcpy(&ports, th, 4);
	memcpy(&sport, th, 2);
	memcpy(&dport, th + 2, 2);
	seq = tcp_be32_at(th + 4);
	/* 2. A listener for the flow in the cookie regime, no entry for the
	 * flow, an adjacency to answer through: conn_request()'s checks,
	 * none of which has changed anything yet. */
	lsn = tcp_find_listener_at(ep, v4, laddr, dport);
	if (lsn < 0)
		return 0;
	l = &ep->lsn[lsn];
	/* The regime before the table: a listener that answers with
	 * request entries (the common case) costs no hash and no lookup
	 * here; the order changes nothing, as nothing has changed yet. */
	if (!syn_cookie_regime(ep, l))
		return 0;
	/* The burst's SYN-ACKs so far completed first when this one cannot
	 * join them: the slot it may take is then free. */
	if (ep->n_synack == BS_COOKIE_BURST ||
			(ep->n_synack != 0 && ep->synack_ms != ep->now_ms))
		bs_tcp_ep_synack_flush(ep);
	q = &ep->synack[ep->n_synack];
	if (v4)
		bs_flow_from_ipv4(&q->f, raddr, laddr, sport, dport);
	else
		bs_flow_from_ipv6(&q->f, raddr, laddr, sport, dport);
	memcpy(&peer, frame + RTE_ETHER_ADDR_LEN, RTE_ETHER_ADDR_LEN);
	if (!syn_flow_free(ep, &q->f, hash) || syn_adj(ep, in, &peer) == TCP_ADJ_NONE)
		return 0;

	/* 3. What conn_request() counts and notes. */
	syn_parse_opts(th + sizeof(struct rte_tcp_hdr), (int)in->l4_len -
		(int)sizeof(struct rte_tcp_hdr), &o);
	ts = o.ts && k->tcp_timestamps != 0;
	sack = o.sack_ok && k->tcp_sack != 0;
	ws = o.ws != 0xff && k->tcp_window_scaling != 0;
	if (k->tcp_syncookies != 2)
		ep_cnt(ep, BS_CNT_TCPReqQFullDoCookies);
	l->last_overflow = ep->now_ms;
	l->overflowed = true;
	ep_cnt(ep, BS_CNT_SyncookiesSent);
	ep_cnt(ep, BS_CNT_TcpOutNoRst);

	/* 4. The SYN-ACK over the SYN (req_send_synack, ep_send), but for
	 * its cookie, TSval and checksum, which bs_tcp_ep_synack_flush()
	 * adds with the burst's other cookies. */
	ep->n_synack++;
	ep->synack_ms = ep->now_ms;
	q->seq = seq;
	q->mss = o.mss != 0 ? (uint16_t)o.mss : TCP_MSS_DEFAULT;
	q->ts = ts ? (uint8_t)k->tcp_timestamps : 0;
	q->ts_add = 0;
	if (ts) {
		struct bs_cookie_opts co = {
			.wscale_ok = ws, .snd_wscale = (uint8_t)o.ws, .sack_ok = sack,
		};

		q->ts_add = bs_cookie_ts_init(&co, ep_ts_now(ep)) - ep_ts_now(ep);
	}
	/* The TCP header over the SYN's, whose options are parsed: the
	 * options (the TSval 0), ports swapped, SEQ (flush), ACK, offset,
	 * flags and window, checksum (flush) and urgent pointer 0; summed
	 * as written, with the pseudo header (bs_csum_pseudo_add). */
	sum = 0;
	hl = (uint32_t)sizeof(struct rte_tcp_hdr) + tcp_syn_opts_put(th +
		sizeof(struct rte_tcp_hdr), tcp_local_mss_v4(v4), sack, ts, 0,
		rte_be_to_cpu_32(o.tsval), ws ? (int)ep_rcv_wscale(ep) : -1, &sum);
	sum = bs_csum_pseudo_add(sum + in->addr_sum, hl, IPPROTO_TCP);
	tcp_put32(th, ports << 16 | ports >> 16, &sum);
	tcp_put32(th + 8, tcp_wire32(seq + 1), &sum);
	tcp_put32(th + 12, tcp_wire32(hl / 4 << 28 | (uint32_t)(BS_TCP_SYN | BS_TCP_ACK) << 16 |
		RTE_MIN(k->tcp_rmem[1], 65535u)), &sum);
	tcp_put32(th + 16, 0, &sum);
	q->sum = sum;
	q->th = (struct rte_tcp_hdr *)th;
	/* Everything read: the Ethernet and IP headers. */
	rte_ether_addr_copy(&peer, (struct rte_ether_addr *)frame);
	rte_ether_addr_copy(&ep->c.port_mac[in->port], &peer);
	memcpy(frame + RTE_ETHER_ADDR_LEN, &peer, RTE_ETHER_ADDR_LEN);
	synack_ip(ep, l3, in, &q->f, hl);
	m->ol_flags = 0;
	return in->l2_len + l3_len + hl;
}

/* The TSval's place in tcp_syn_opts_put()'s layout: after the MSS option,
 * NOP NOP (or SACK-permitted) and the TS option's kind and length. */
#define SYNACK_TSVAL_OFF (sizeof(struct rte_tcp_hdr) + 8)

void
bs_tcp_ep_synack_flush(struct bs_tcp_ep *ep)
{
	const struct bs_flow *f[BS_COOKIE_BURST];
	uint32_t seq[BS_COOKIE_BURST], cookie[BS_COOKIE_BURST], off[BS_COOKIE_BURST];
	uint16_t mss[BS_COOKIE_BURST];
	unsigned int i, n = ep->n_synack;

	for (i = 0; i < n; i++) {
		f[i] = &ep->synack[i].f;
		seq[i] = ep->synack[i].seq;
		mss[i] = ep->synack[i].mss;
	}
	bs_cookie_init_ts_burst(&ep->cookie_keys, &ep->ts_key, f, seq, mss,
		ep->utc_ms0 + ep->synack_ms, cookie, off, n);
	/* Stores only: the checksum is the header's sum so far and the two
	 * words written here. */
	for (i = 0; i < n; i++) {
		const struct tcp_synack *q = &ep->synack[i];
		uint8_t *th = (uint8_t *)q->th;
		uint32_t w = rte_cpu_to_be_32(cookie[i]);
		uint64_t sum = q->sum + w;
		uint16_t c;

		memcpy(th + 4, &w, 4);
		if (q->ts != 0) {
			w = rte_cpu_to_be_32(ep->synack_ms + q->ts_add +
				(q->ts == 1 ? off[i] : 0));
			memcpy(th + SYNACK_TSVAL_OFF, &w, 4);
			sum += w;
		}
		c = (uint16_t)~bs_csum_fold(sum);
		memcpy(th + 16, &c, 2);
	}
	ep->n_synack = 0;
}
