/* SPDX-License-Identifier: BSD-3-Clause */
#include <netinet/in.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_prefetch.h>

#include "bs_ipopt.h"
#include "bs_l3reply.h"
#include "bs_tcp.h"
#include "bs_worker.h"

static inline void
count(struct bs_worker *w, enum bs_counter c)
{
	bs_cnt_add(&w->stats.cnt[c], 1);
}

/*
 * Verify an L4 checksum (TCP, ICMPv6: with pseudo header; ICMP: without)
 * over the whole segment chain.
 */
static bool
l4_csum_ok(const struct rte_mbuf *m, const uint8_t *frame, const struct bs_pkt *p)
{
	uint32_t off = p->l2_len + p->l3_len;
	uint64_t sum = 0;

	if (p->l4_proto != IPPROTO_ICMP)
		sum = bs_pkt_pseudo(p, p->l4_len, p->l4_proto);
	if (likely(m->nb_segs == 1)) {
		/* A bare TCP header is the common case: sum it unrolled. */
		if (p->l4_len == sizeof(struct rte_tcp_hdr))
			sum = bs_csum_add(frame + off, sizeof(struct rte_tcp_hdr), sum);
		else
			sum = bs_csum_add(frame + off, p->l4_len, sum);
	} else {
		uint16_t part;

		if (rte_raw_cksum_mbuf(m, off, p->l4_len, &part) != 0)
			return false;
		sum += part;
	}
	return bs_csum_fold(sum) == 0xffff;
}

/* IPv4 options on receive (ip_options_compile). */
static int
ip4_opts_rcv(struct bs_worker *w, struct bs_worker_port *wp, uint8_t *frame,
		const struct bs_pkt *p, struct bs_ip4_opts *o)
{
	return bs_ip4_opts_rcv(frame + p->l2_len, wp->addrs, p->vlan,
		bs_ip_timestamp_be(w->ip, rte_rdtsc()), o);
}

/* ... and into a reply (ip_options_echo). */
static int
ip4_opts_echo(struct bs_worker *w, struct bs_worker_port *wp, uint8_t *frame,
		const struct bs_pkt *p, const struct bs_ip4_opts *o)
{
	return bs_ip4_opts_echo(frame + p->l2_len, o, wp->addrs, p->vlan,
		bs_ip_timestamp_be(w->ip, rte_rdtsc())) < 0 ? -1 : 0;
}

/* The NIC's verdict when it gave one, else software. */
static bool
tcp_csum_ok(const struct bs_worker_port *wp, const struct rte_mbuf *m,
		const uint8_t *frame, const struct bs_pkt *p)
{
	uint64_t f = m->ol_flags & RTE_MBUF_F_RX_L4_CKSUM_MASK;

	if (wp->rx_l4_csum && f == RTE_MBUF_F_RX_L4_CKSUM_GOOD)
		return true;
	if (wp->rx_l4_csum && f == RTE_MBUF_F_RX_L4_CKSUM_BAD)
		return false;
	return l4_csum_ok(m, frame, p);
}

/* TCP: checksum, header, then the core's verdict; the RST is written over
 * the segment. @return 0 with *len set, or a drop reason */
static int
worker_tcp(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, const struct bs_pkt *p, const struct bs_ip4_opts *o,
		uint32_t *len)
{
	struct bs_worker_port *out = &w->ports[wp->tx_idx];
	struct bs_tcp_verdict v;
	struct bs_tcp_seg s;
	int rc;

	count(w, BS_CNT_TcpInSegs);
	rc = bs_tcp_seg_parse(&s, frame + p->l2_len + p->l3_len, p->l4_len,
		m->data_len - p->l2_len - p->l3_len);
	if (unlikely(rc != 0)) {
		count(w, BS_CNT_TcpInErrs);
		return rc;
	}
	if (unlikely(!tcp_csum_ok(wp, m, frame, p))) {
		count(w, BS_CNT_TcpInErrs);
		count(w, BS_CNT_TcpInCsumErrors);
		return BS_DROP_TCP_CSUM;
	}
	if (bs_tcp_input(&s, &v) == BS_TCP_DISCARD)
		return v.reason;
	if (unlikely(o != NULL) && ip4_opts_echo(w, wp, frame, p, o) != 0)
		return BS_DROP_IP_INHDR;

	*len = bs_tcp_rst_write(frame, p, &s, &v, &wp->mac, w->ip, out->tx_csum);
	bs_cnt_add(&w->stats.rst[v.reason], 1);	/* TcpOutRsts/OutSegs derive from it */
	if (out->tx_csum) {
		m->ol_flags = RTE_MBUF_F_TX_TCP_CKSUM | (p->kind == BS_PKT_IPV4 ?
			RTE_MBUF_F_TX_IPV4 | RTE_MBUF_F_TX_IP_CKSUM : RTE_MBUF_F_TX_IPV6);
		m->l2_len = p->l2_len;
		m->l3_len = *len - p->l2_len - sizeof(struct rte_tcp_hdr);
	}
	return 0;
}

static int
worker_icmp(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, const struct bs_pkt *p, const struct bs_ip4_opts *o,
		uint32_t *len)
{
	int rc;

	if (!l4_csum_ok(m, frame, p))
		return BS_DROP_ICMP_CSUM;
	if (p->kind == BS_PKT_IPV4) {
		if (unlikely(o != NULL) && ip4_opts_echo(w, wp, frame, p, o) != 0)
			return BS_DROP_IP_INHDR;
		rc = bs_icmp4_input(frame, m->data_len, p, w->ip, len);
		if (rc == 0) {
			count(w, BS_CNT_IcmpInEchos);
			count(w, BS_CNT_IcmpOutEchoReps);
		}
	} else {
		rc = bs_icmp6_input(frame, m->data_len, p, w->ip, len);
		if (rc == 0) {
			count(w, BS_CNT_Icmp6InEchos);
			count(w, BS_CNT_Icmp6OutEchoReplies);
		}
	}
	return rc;
}

/* Neighbour solicitations come to a group address: they are checked by
 * bs_nd_input() instead of bs_addr_check(). */
static bool
is_ns(const uint8_t *frame, const struct bs_pkt *p)
{
	return p->kind == BS_PKT_IPV6 && p->l4_proto == IPPROTO_ICMPV6 &&
		p->l4_len >= 1 && frame[p->l2_len + p->l3_len] == BS_ICMP6_NS;
}

static int
worker_ns(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, const struct bs_pkt *p, uint32_t *len)
{
	int rc;

	if (!l4_csum_ok(m, frame, p))
		return BS_DROP_ICMP_CSUM;
	rc = bs_nd_input(frame, m->data_len + (m->nb_segs == 1 ?
		rte_pktmbuf_tailroom(m) : 0), p, wp->addrs, &wp->mac, len);
	if (rc == 0) {
		count(w, BS_CNT_Icmp6InNeighborSolicits);
		count(w, BS_CNT_Icmp6OutNeighborAdvertisements);
	}
	return rc;
}

static int
worker_ip(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m,
		uint8_t *frame, const struct bs_pkt *p, uint32_t *len)
{
	const struct bs_ip4_opts *o = NULL;
	struct bs_ip4_opts opts;
	int rc;

	count(w, BS_CNT_IpInReceives);
	/* The protocol alone first: TCP is the common case, and never a
	 * neighbour solicitation. */
	if (unlikely(p->l4_proto != IPPROTO_TCP) && is_ns(frame, p))
		return worker_ns(w, wp, m, frame, p, len);
	rc = bs_addr_check(wp->addrs, p, frame);
	if (rc != 0)
		return rc;
	if (unlikely(p->kind == BS_PKT_IPV4 && p->l3_len > sizeof(struct rte_ipv4_hdr))) {
		rc = ip4_opts_rcv(w, wp, frame, p, &opts);
		if (rc != 0)
			return rc;
		o = &opts;
	}
	if (likely(p->l4_proto == IPPROTO_TCP))
		return worker_tcp(w, wp, m, frame, p, o, len);
	return worker_icmp(w, wp, m, frame, p, o, len);
}

/* Cut a chain to @p len bytes (> the first segment), wherever the cut
 * falls: rte_pktmbuf_trim only trims within the last segment. */
static int
chain_trim(struct rte_mbuf *m, uint32_t len)
{
	struct rte_mbuf *s = m;
	uint32_t left = len;
	uint16_t n = 1;

	while (left > s->data_len && s->next != NULL) {
		left -= s->data_len;
		s = s->next;
		n++;
	}
	if (left > s->data_len)
		return -1;
	s->data_len = (uint16_t)left;
	if (s->next != NULL)
		rte_pktmbuf_free(s->next);
	s->next = NULL;
	m->nb_segs = n;
	m->pkt_len = len;
	return 0;
}

/*
 * Make the mbuf @p len bytes long: the reply lies in the first segment
 * (RST, ARP, NA), or it is an echo reply as long as the request and keeps
 * its chain (minus any Ethernet padding at the tail).
 */
static int
reply_fit(struct rte_mbuf *m, uint32_t len)
{
	if (likely(len <= m->data_len)) {
		if (unlikely(m->nb_segs > 1)) {
			rte_pktmbuf_free(m->next);
			m->next = NULL;
			m->nb_segs = 1;
		}
		m->data_len = (uint16_t)len;
		m->pkt_len = len;
		return 0;
	}
	if (len > m->pkt_len)	/* NA grown into the tailroom */
		return rte_pktmbuf_append(m, (uint16_t)(len - m->pkt_len)) == NULL ? -1 : 0;
	return chain_trim(m, len);
}

/*
 * A reply leaves on the VLAN device the request came in on: VID kept,
 * priority and DEI 0 (skb->priority 0 through the default egress map).
 * A priority-tagged request (VID 0) came in on the base device and is
 * answered untagged.
 */
static void
reply_vlan(struct rte_mbuf *m, const struct bs_pkt *p)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	struct rte_vlan_hdr *vh = (struct rte_vlan_hdr *)(frame + sizeof(struct rte_ether_hdr));

	if (p->vlan != 0) {
		vh->vlan_tci = rte_cpu_to_be_16(p->vlan);
		return;
	}
	/* Untag: the addresses move 4 bytes up, over the tag. */
	memmove(frame + sizeof(struct rte_vlan_hdr), frame, 2 * RTE_ETHER_ADDR_LEN);
	rte_pktmbuf_adj(m, sizeof(struct rte_vlan_hdr));
	if (m->ol_flags != 0)
		m->l2_len = sizeof(struct rte_ether_hdr);
}

void
bs_worker_handle(struct bs_worker *w, struct bs_worker_port *wp, struct rte_mbuf *m)
{
	uint8_t *frame = rte_pktmbuf_mtod(m, uint8_t *);
	uint64_t ipf = m->ol_flags & RTE_MBUF_F_RX_IP_CKSUM_MASK;
	struct bs_worker_port *out;
	struct bs_pkt p;
	uint32_t len = 0;
	int rc;

	if (wp->rx_ip_csum && ipf == RTE_MBUF_F_RX_IP_CKSUM_BAD) {
		rc = BS_DROP_IP_CSUM;
		goto drop;
	}
	rc = bs_pkt_parse(&p, frame, m->data_len, m->pkt_len, &wp->mac,
		wp->rx_ip_csum && ipf == RTE_MBUF_F_RX_IP_CKSUM_GOOD);
	if (unlikely(rc != 0))
		goto drop;
	if (likely(p.kind != BS_PKT_ARP)) {
		rc = worker_ip(w, wp, m, frame, &p, &len);
	} else {
		rc = bs_arp_input(frame, &p, wp->addrs, &wp->mac, &len);
		if (rc == 0) {
			count(w, BS_CNT_ArpInRequests);
			count(w, BS_CNT_ArpOutReplies);
		}
	}
	if (rc != 0)
		goto drop;

	if (unlikely(reply_fit(m, len) != 0)) {
		rc = BS_DROP_UNHANDLED_PROTO;
		goto drop;
	}
	if (p.kind == BS_PKT_ARP || p.l4_proto != IPPROTO_TCP ||
			!w->ports[wp->tx_idx].tx_csum)
		m->ol_flags = 0;
	if (unlikely(p.l2_len != sizeof(struct rte_ether_hdr)))
		reply_vlan(m, &p);
	out = &w->ports[wp->tx_idx];
	out->tx[out->n_tx++] = m;
	return;
drop:
	bs_cnt_add(&w->stats.drop[rc], 1);
	rte_pktmbuf_free(m);
}

void
bs_worker_flush(struct bs_worker *w)
{
	unsigned int i;

	for (i = 0; i < w->n_ports; i++) {
		struct bs_worker_port *wp = &w->ports[i];
		uint16_t sent;

		if (wp->n_tx == 0)
			continue;
		sent = rte_eth_tx_burst(wp->port_id, wp->queue, wp->tx, wp->n_tx);
		bs_cnt_add(&w->stats.port[i].tx, sent);
		bs_cnt_add(&w->stats.cnt[BS_CNT_TxFrames], sent);
		if (unlikely(sent < wp->n_tx)) {
			bs_cnt_add(&w->stats.drop[BS_DROP_TX_RING_FULL], wp->n_tx - sent);
			rte_pktmbuf_free_bulk(&wp->tx[sent], wp->n_tx - sent);
		}
		wp->n_tx = 0;
	}
}

/* RX one burst from one queue and answer it. */
static unsigned int
worker_rx(struct bs_worker *w, struct bs_worker_port *wp)
{
	struct rte_mbuf *pkts[BS_MAX_BURST];
	uint64_t t0 = rte_rdtsc();
	uint16_t n, i;

	n = rte_eth_rx_burst(wp->port_id, wp->queue, pkts, w->burst);
	if (n == 0)
		return 0;
	if (wp->prefetch)
		for (i = 0; i < n; i++)
			rte_prefetch0(rte_pktmbuf_mtod(pkts[i], void *));
	for (i = 0; i < n; i++)
		bs_worker_handle(w, wp, pkts[i]);
	bs_worker_flush(w);
	bs_cnt_add(&w->stats.port[wp->idx].rx, n);
	bs_cnt_add(&w->stats.cnt[BS_CNT_RxFrames], n);
	bs_cnt_add(&w->stats.busy_polls, 1);
	bs_cnt_add(&w->stats.busy_cycles, rte_rdtsc() - t0);
	return n;
}

unsigned int
bs_worker_poll(struct bs_worker *w)
{
	unsigned int i, n = 0;

	for (i = 0; i < w->n_ports; i++)
		if (w->ports[i].polled)
			n += worker_rx(w, &w->ports[i]);
	return n;
}

int
bs_worker_main(void *arg)
{
	struct bs_worker *w = arg;

	while (!__atomic_load_n(w->stop, __ATOMIC_RELAXED))
		bs_worker_poll(w);
	return 0;
}
