/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The cookie SYN-ACK written over its SYN (bs_tcp_ep_synack_cookie): what
 * tcp_listen_rcv(), conn_request() and req_send_synack() do for a SYN that
 * gets a SYN cookie and no request entry, in place, as the stray path
 * writes its RSTs: no request, no frame builder, no endpoint TX buffer.
 * Whatever it cannot do exactly as they do is left to them, before any
 * state is touched.
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

/* What a SYN-ACK needs of the SYN's options. */
struct syn_opts {
	uint16_t mss;		/* 0: none */
	uint8_t ws;		/* 0xff: none */
	bool sack_ok;
	bool ts;
	uint32_t tsval;
};

/*
 * tcp_parse_opts() on a SYN, for those fields only (no SACK blocks, no
 * TSecr, nothing cleared that is not read): Linux's own layout (MSS,
 * SACK-permitted, TS, NOP, window scale) at once, any other by the same
 * loop, which stops where it stops.
 */
static inline void
syn_parse_opts(const struct bs_tcp_seg *s, struct syn_opts *o)
{
	const uint8_t *p = s->opts, *q;
	int left = s->opt_len, kind;
	uint8_t len;

	o->mss = 0;
	o->ws = 0xff;
	o->sack_ok = false;
	o->ts = false;
	o->tsval = 0;
	/* (compared as words: a 3-byte memcmp() is a call) */
	if (left == 20 && p[0] == TCPOPT_MSS && p[1] == 4 && tcp_be32_at(p + 4) == 0x0402080a &&
			(tcp_be32_at(p + 16) >> 8) == 0x010303) {
		o->mss = (uint16_t)(p[2] << 8 | p[3]);
		o->sack_ok = true;
		o->ts = true;
		o->tsval = tcp_be32_at(p + 8);
		o->ws = RTE_MIN(p[19], (uint8_t)TCP_MAX_WSCALE);
		return;
	}
	while ((kind = tcp_opt_next(&p, &left, &q, &len)) >= 0) {
		if (kind == TCPOPT_MSS && len == 4) {
			o->mss = (uint16_t)(q[2] << 8 | q[3]);
		} else if (kind == TCPOPT_WS && len == 3) {
			o->ws = RTE_MIN(q[2], (uint8_t)TCP_MAX_WSCALE);
		} else if (kind == TCPOPT_SACK_PERM && len == 2) {
			o->sack_ok = true;
		} else if (kind == TCPOPT_TS && len == 10) {
			o->ts = true;
			o->tsval = tcp_be32_at(q + 2);
		}
	}
}

/* The flow of the SYN, as flow_of() builds it. */
static inline void
syn_flow(struct bs_flow *f, const uint8_t *l3, bool v4, const struct bs_tcp_seg *s)
{
	if (v4)
		bs_flow_from_ipv4(f, l3 + 12, l3 + 16, s->sport, s->dport);
	else
		bs_flow_from_ipv6(f, l3 + 8, l3 + 24, s->sport, s->dport);
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
 * flood comes through one router. */
static inline uint16_t
syn_adj(struct bs_tcp_ep *ep, const struct bs_tcp_l2 *l2)
{
	uint16_t i = ep->synack_adj;
	const struct tcp_adj *a = &ep->adj[i % TCP_ADJ_MAX];

	if (likely(i != TCP_ADJ_NONE && a->used == TCP_ADJ_USED && a->port == l2->port &&
			a->vlan == l2->vlan && rte_is_same_ether_addr(&a->mac, &l2->peer)))
		return i;
	i = ep_adj_get(ep, l2);
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

/* The IP header of the reply, over the SYN's (no options, no extension
 * headers): ep_send()'s fields, the addresses swapped. */
static inline void
synack_ip(struct bs_tcp_ep *ep, uint8_t *l3, bool v4, const struct bs_flow *f,
		uint32_t l4)
{
	if (v4) {
		struct rte_ipv4_hdr *h = (struct rte_ipv4_hdr *)l3;
		uint32_t a = h->src_addr;

		h->type_of_service = 0;
		h->total_length = rte_cpu_to_be_16((uint16_t)(sizeof(*h) + l4));
		h->packet_id = 0;
		h->fragment_offset = RTE_BE16(RTE_IPV4_HDR_DF_FLAG);
		h->time_to_live = ep->c.ip->ttl;
		h->src_addr = h->dst_addr;
		h->dst_addr = a;
		h->hdr_checksum = 0;
		h->hdr_checksum = (uint16_t)~bs_csum_fold(bs_csum_add20(l3, 0));
	} else {
		struct rte_ipv6_hdr *h = (struct rte_ipv6_hdr *)l3;

		h->vtc_flow = rte_cpu_to_be_32(6u << 28 | tcp_flow_label(ep, f));
		h->payload_len = rte_cpu_to_be_16((uint16_t)l4);
		h->hop_limits = ep->c.ip->hop_limit;
		memcpy(h->src_addr, f->laddr, 16);
		memcpy(h->dst_addr, f->raddr, 16);
	}
}

uint32_t
bs_tcp_ep_synack_cookie(struct bs_tcp_ep *ep, struct rte_mbuf *m, const struct bs_pkt *p,
		const struct bs_tcp_seg *s, const struct bs_tcp_l2 *l2, const uint64_t *hash)
{
	const struct bs_tcp_conf *k = ep->k;
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *), *l3 = frame + p->l2_len;
	bool v4 = p->kind == BS_PKT_IPV4, ts, sack, ws;
	uint32_t l3_len = v4 ? sizeof(struct rte_ipv4_hdr) : sizeof(struct rte_ipv6_hdr);
	struct tcp_synack *q;
	uint32_t hl;
	struct tcp_listener *l;
	struct rte_ether_hdr *eth;
	struct rte_tcp_hdr *th;
	struct syn_opts o;
	struct bs_flow f;
	int lsn;

	/* 1. A bare SYN (tcp_listen_rcv: no ACK, RST or FIN; data would be
	 * cut), in one mbuf, no IP options or extension headers, and room
	 * for the longest SYN-ACK and the checksum's 64-byte read. */
	if (unlikely(ep->synack_slow) ||
			(s->flags & (BS_TCP_SYN | BS_TCP_ACK | BS_TCP_RST | BS_TCP_FIN)) !=
			BS_TCP_SYN || s->len != 0 || m->nb_segs != 1 || p->l3_len != l3_len ||
			(uint8_t *)m->buf_addr + m->buf_len - (l3 + l3_len) < BS_CSUM_MASKED_MAX)
		return 0;
	/* 2. A listener for the flow in the cookie regime, no entry for the
	 * flow, an adjacency to answer through: conn_request()'s checks,
	 * none of which has changed anything yet. */
	syn_flow(&f, l3, v4, s);
	lsn = tcp_find_listener(ep, &f);
	if (lsn < 0)
		return 0;
	l = &ep->lsn[lsn];
	/* The regime before the table: a listener that answers with
	 * request entries (the common case) costs no hash and no lookup
	 * here; the order changes nothing, as nothing has changed yet. */
	if (!syn_cookie_regime(ep, l) || !syn_flow_free(ep, &f, hash) ||
			syn_adj(ep, l2) == TCP_ADJ_NONE)
		return 0;

	/* 3. What conn_request() counts and notes. */
	syn_parse_opts(s, &o);
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
	if (ep->n_synack == BS_COOKIE_BURST ||
			(ep->n_synack != 0 && ep->synack_ms != ep->now_ms))
		bs_tcp_ep_synack_flush(ep);
	ep->synack_ms = ep->now_ms;
	q = &ep->synack[ep->n_synack++];
	q->f = f;
	q->seq = s->seq;
	q->mss = o.mss != 0 ? o.mss : TCP_MSS_DEFAULT;
	q->ts = ts ? (uint8_t)k->tcp_timestamps : 0;
	q->ts_add = 0;
	if (ts) {
		struct bs_cookie_opts co = {
			.wscale_ok = ws, .snd_wscale = o.ws, .sack_ok = sack,
		};

		q->ts_add = bs_cookie_ts_init(&co, ep_ts_now(ep)) - ep_ts_now(ep);
	}
	th = (struct rte_tcp_hdr *)(l3 + l3_len);
	hl = sizeof(*th) + tcp_syn_opts((uint8_t *)(th + 1), tcp_local_mss(&f), sack, ts,
		0, o.tsval, ws ? (int)ep_rcv_wscale(ep) : -1);
	q->th = th;
	q->hl = (uint8_t)hl;
	q->sum = bs_pkt_pseudo(p, hl, IPPROTO_TCP);
	eth = (struct rte_ether_hdr *)frame;
	rte_ether_addr_copy(&eth->src_addr, &eth->dst_addr);
	rte_ether_addr_copy(&ep->c.port_mac[l2->port], &eth->src_addr);
	synack_ip(ep, l3, v4, &f, hl);
	th->src_port = s->dport;
	th->dst_port = s->sport;
	th->recv_ack = rte_cpu_to_be_32(s->seq + 1);
	th->data_off = (uint8_t)(hl / 4 << 4);
	th->tcp_flags = BS_TCP_SYN | BS_TCP_ACK;
	th->rx_win = rte_cpu_to_be_16((uint16_t)RTE_MIN(k->tcp_rmem[1], 65535u));
	th->cksum = 0;
	th->tcp_urp = 0;
	m->ol_flags = 0;
	return p->l2_len + l3_len + hl;
}

/* The TSval's place in tcp_syn_opts()'s layout: after the MSS option,
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
	for (i = 0; i < n; i++) {
		const struct tcp_synack *q = &ep->synack[i];
		struct rte_tcp_hdr *th = q->th;

		th->sent_seq = rte_cpu_to_be_32(cookie[i]);
		if (q->ts != 0) {
			uint32_t tsval = rte_cpu_to_be_32(ep->synack_ms + q->ts_add +
				(q->ts == 1 ? off[i] : 0));

			memcpy((uint8_t *)th + SYNACK_TSVAL_OFF, &tsval, sizeof(tsval));
		}
		th->cksum = (uint16_t)~bs_csum_fold(bs_csum_add64_masked(th, q->hl, q->sum));
	}
	ep->n_synack = 0;
}
