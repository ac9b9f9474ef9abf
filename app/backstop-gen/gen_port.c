/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The generator's port: one RX and one TX queue, no offloads (the
 * checksums are computed: the frames are what the wire carries); ARP for
 * the target, and ARP answers for our source addresses.
 */
#include <string.h>

#include <rte_arp.h>
#include <rte_cycles.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bs_addr.h"
#include "bs_l3reply.h"
#include "bs_neigh.h"
#include "bs_net.h"
#include "bs_port.h"
#include "bs_port_guard.h"
#include "gen.h"

#define NB_MBUF 8191
#define NB_DESC 1024

int
gen_port_open(struct gen_port *p, const struct gen_opts *o, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	uint16_t nb_rx = NB_DESC, nb_tx = NB_DESC;
	unsigned int tries;
	bool thp;
	int rc;

	memset(p, 0, sizeof(*p));
	if (o->port != NULL) {
		if (rte_eth_dev_get_port_by_name(o->port, &p->id) != 0) {
			snprintf(err, errlen, "--port %s: no such ethdev", o->port);
			return -1;
		}
	} else if (rte_eth_dev_count_avail() == 0) {
		snprintf(err, errlen, "no ethdev: give one with EAL's --vdev or -a");
		return -1;
	} else {
		p->id = (uint16_t)rte_eth_find_next(0);
	}
	/* Its mbufs in transparent huge pages without hugepages, as
	 * Backstop's (lib/port/pool.c), unless the port DMAs. */
	p->mp = bs_mbuf_pool_create("gen_pool", NB_MBUF, 256, (int)rte_socket_id(),
		!bs_port_id_dma(p->id), &thp);
	if (p->mp == NULL) {
		snprintf(err, errlen, "mbuf pool: %s", rte_strerror(rte_errno));
		return -1;
	}
	memset(&conf, 0, sizeof(conf));
	rc = rte_eth_dev_configure(p->id, 1, 1, &conf);
	if (rc == 0)
		rc = rte_eth_dev_adjust_nb_rx_tx_desc(p->id, &nb_rx, &nb_tx);
	if (rc == 0)
		rc = rte_eth_rx_queue_setup(p->id, 0, nb_rx, rte_eth_dev_socket_id(p->id),
			NULL, p->mp);
	if (rc == 0)
		rc = rte_eth_tx_queue_setup(p->id, 0, nb_tx, rte_eth_dev_socket_id(p->id), NULL);
	/* A memif client cannot start while the server still tears down
	 * its previous connection: try again for up to 3 s. */
	for (tries = 0; rc == 0 && tries < 30; tries++) {
		rc = rte_eth_dev_start(p->id);
		if (rc == 0)
			break;
		rte_delay_ms(100);
		rc = tries < 29 ? 0 : rc;
	}
	if (rc == 0)
		rc = rte_eth_macaddr_get(p->id, &p->mac);
	if (rc != 0) {
		snprintf(err, errlen, "port %u: %s", p->id, rte_strerror(-rc));
		return -1;
	}
	rte_eth_promiscuous_enable(p->id);
	/* memif unmaps the peer's rings when Backstop goes first: the unmap
	 * waits for this loop's next RX (bs_port_guard.h). */
	if (bs_port_guard_needed(p->id))
		(void)bs_port_guard_enable();
	p->guard = bs_port_guard_online(rte_lcore_id());
	return 0;
}

void
gen_port_close(struct gen_port *p)
{
	if (p->guard != NULL)
		bs_port_guard_offline(p->guard);
	p->guard = NULL;
	rte_eth_dev_stop(p->id);
	rte_eth_dev_close(p->id);
	rte_mempool_free(p->mp);
	p->mp = NULL;
}

/* An ARP frame (request or reply) from us. */
static struct rte_mbuf *
arp_frame(struct gen_port *p, const struct bs_gen_flow *f, uint16_t op,
		const struct rte_ether_addr *tha, uint32_t sip, uint32_t tip)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(p->mp);
	struct rte_ether_hdr *eth;
	struct rte_arp_hdr *a;

	if (m == NULL)
		return NULL;
	eth = (struct rte_ether_hdr *)rte_pktmbuf_append(m, sizeof(*eth) + sizeof(*a));
	a = (struct rte_arp_hdr *)(eth + 1);
	if (op == RTE_ARP_OP_REQUEST)
		memset(&eth->dst_addr, 0xff, sizeof(eth->dst_addr));
	else
		eth->dst_addr = *tha;
	eth->src_addr = f->src_mac;
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP);
	a->arp_hardware = rte_cpu_to_be_16(RTE_ARP_HRD_ETHER);
	a->arp_protocol = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
	a->arp_hlen = RTE_ETHER_ADDR_LEN;
	a->arp_plen = 4;
	a->arp_opcode = rte_cpu_to_be_16(op);
	a->arp_data.arp_sha = f->src_mac;
	a->arp_data.arp_sip = rte_cpu_to_be_32(sip);
	memset(&a->arp_data.arp_tha, 0, sizeof(a->arp_data.arp_tha));
	if (op == RTE_ARP_OP_REPLY)
		a->arp_data.arp_tha = *tha;
	a->arp_data.arp_tip = rte_cpu_to_be_32(tip);
	return m;
}

static const struct rte_arp_hdr *
arp_of(struct rte_mbuf *m)
{
	const struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, const struct rte_ether_hdr *);

	if (m->data_len < sizeof(*eth) + sizeof(struct rte_arp_hdr) ||
			eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_ARP))
		return NULL;
	return (const struct rte_arp_hdr *)(eth + 1);
}

/* The target's MAC from an ARP reply for f->dst4. */
static bool
arp_answer(const struct bs_gen_flow *f, struct rte_mbuf *m, struct rte_ether_addr *mac)
{
	const struct rte_arp_hdr *a = arp_of(m);

	if (a == NULL || a->arp_opcode != rte_cpu_to_be_16(RTE_ARP_OP_REPLY) ||
			a->arp_data.arp_sip != rte_cpu_to_be_32(f->dst4))
		return false;
	*mac = a->arp_data.arp_sha;
	return true;
}

/* The target's MAC from a neighbour advertisement for f->dst6 to us
 * (RFC 4861 7.1.2's checks and its target link-layer address, as
 * Backstop reads one: bs_nd_na()). */
static bool
nd_answer(const struct bs_addr_table *us, const struct bs_gen_flow *f,
		struct rte_mbuf *m, struct rte_ether_addr *mac)
{
	const uint8_t *frame = rte_pktmbuf_mtod(m, const uint8_t *);
	struct bs_neigh_news nw;
	struct bs_pkt pkt;

	if (bs_pkt_parse(&pkt, frame, m->data_len, m->pkt_len, &f->src_mac, false) != 0 ||
			pkt.kind != BS_PKT_IPV6 || pkt.l4_proto != IPPROTO_ICMPV6 ||
			pkt.l4_len < 1 || frame[pkt.l2_len + pkt.l3_len] != 136)
		return false;
	if (bs_nd_na(frame, &pkt, us, &nw) != 0 || memcmp(nw.ip, f->dst6, 16) != 0)
		return false;
	*mac = nw.mac;
	return true;
}

/* One ARP request for dst4, or a neighbour solicitation for dst6. */
static void
solicit(struct gen_port *p, const struct bs_gen_flow *f, bool v6)
{
	struct rte_mbuf *m;
	uint8_t *frame;
	uint32_t len;

	if (!v6) {
		m = arp_frame(p, f, RTE_ARP_OP_REQUEST, NULL, f->src4, f->dst4);
	} else {
		m = rte_pktmbuf_alloc(p->mp);
		frame = m != NULL ? (uint8_t *)rte_pktmbuf_append(m, 90) : NULL;
		if (frame != NULL) {
			len = bs_nd_solicit(frame, &f->src_mac, 0, f->src6, f->dst6);
			rte_pktmbuf_trim(m, (uint16_t)(90 - len));
		}
	}
	if (m != NULL && rte_eth_tx_burst(p->id, 0, &m, 1) == 0)
		rte_pktmbuf_free(m);
}

int
gen_port_resolve(struct gen_port *p, struct gen_opts *o, char *err, size_t errlen)
{
	struct bs_gen_flow *f = &o->flow;
	uint64_t hz = rte_get_tsc_hz(), end = rte_get_tsc_cycles() + 3 * hz, next = 0;
	/* IPv6 only: neighbour discovery; else ARP for the IPv4 target. */
	bool v6 = f->family == 6;
	struct bs_addr_table us = { 0 };
	struct bs_addr a = { .family = 6, .plen = 128 };
	struct rte_mbuf *pkts[32];
	uint16_t n, i;

	memcpy(a.v6, f->src6, 16);
	if (v6 && bs_addr_add(&us, &a, err, errlen) != 0)
		return -1;
	while (rte_get_tsc_cycles() < end && !gen_stop) {
		if (rte_get_tsc_cycles() >= next) {
			solicit(p, f, v6);
			next = rte_get_tsc_cycles() + hz / 5;
		}
		n = gen_port_rx(p, pkts, RTE_DIM(pkts));
		for (i = 0; i < n; i++) {
			if (v6 ? nd_answer(&us, f, pkts[i], &f->dst_mac) :
					arp_answer(f, pkts[i], &f->dst_mac))
				end = 0;
			rte_pktmbuf_free(pkts[i]);
		}
	}
	if (end != 0) {
		snprintf(err, errlen, "no %s from the target in 3 s: give --dst-mac",
			v6 ? "neighbour advertisement" : "ARP reply");
		return -1;
	}
	return 0;
}

bool
gen_arp_input(struct gen_port *p, const struct bs_gen_flow *f, struct rte_mbuf *m,
		struct gen_result *res)
{
	const struct rte_arp_hdr *a = arp_of(m);
	struct rte_mbuf *r;
	uint32_t tip;

	if (a == NULL)
		return false;
	tip = rte_be_to_cpu_32(a->arp_data.arp_tip);
	if (a->arp_opcode == rte_cpu_to_be_16(RTE_ARP_OP_REQUEST) &&
			tip - f->src4 < f->src_n) {
		r = arp_frame(p, f, RTE_ARP_OP_REPLY, &a->arp_data.arp_sha, tip,
			rte_be_to_cpu_32(a->arp_data.arp_sip));
		if (r != NULL && rte_eth_tx_burst(p->id, 0, &r, 1) == 0)
			rte_pktmbuf_free(r);
		res->arp++;
	}
	return true;
}
