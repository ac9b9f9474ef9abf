/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_arp.h>

#include "bs_l3reply.h"
#include "bs_neigh.h"

uint16_t
bs_eth_write(uint8_t *frame, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t vlan, uint16_t type)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_vlan_hdr *vh;

	rte_ether_addr_copy(dst, &eth->dst_addr);
	rte_ether_addr_copy(src, &eth->src_addr);
	if (vlan == 0) {
		eth->ether_type = rte_cpu_to_be_16(type);
		return sizeof(*eth);
	}
	eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_VLAN);
	vh = (struct rte_vlan_hdr *)(eth + 1);
	vh->vlan_tci = rte_cpu_to_be_16(vlan);
	vh->eth_proto = rte_cpu_to_be_16(type);
	return sizeof(*eth) + sizeof(*vh);
}

/* What arp_process() learns about the sender (its "Update our ARP tables"
 * part): the rules are bs_neigh_learn()'s. */
static void
arp_news(struct bs_neigh_news *nw, const struct rte_arp_ipv4 *d, bool for_us)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

	memcpy(nw->ip, v4mapped, 12);
	memcpy(nw->ip + 12, &d->arp_sip, 4);
	rte_ether_addr_copy(&d->arp_sha, &nw->mac);
	if (for_us)
		nw->flags = BS_NEWS_UPDATE | BS_NEWS_CREATE | BS_NEWS_OVERRIDE;	/* neigh_event_ns */
	else if (d->arp_sip == d->arp_tip)
		nw->flags = BS_NEWS_UPDATE | BS_NEWS_OVERRIDE;			/* gratuitous */
	else
		nw->flags = BS_NEWS_UPDATE | BS_NEWS_LOCKTIME;
}

/* arp_process(): Ethernet/IPv4 only, sender must be a unicast host. */
int
bs_arp_input(uint8_t *frame, const struct bs_pkt *p,
		const struct bs_addr_table *t, const struct rte_ether_addr *mac,
		uint32_t *len, struct bs_neigh_news *nw)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)frame;
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(frame + p->l2_len);
	struct rte_arp_ipv4 *d = &arp->arp_data;
	uint32_t sip, tip, h;
	bool request;

	nw->flags = 0;
	if (arp->arp_hardware != RTE_BE16(RTE_ARP_HRD_ETHER) ||
			arp->arp_protocol != RTE_BE16(RTE_ETHER_TYPE_IPV4) ||
			arp->arp_hlen != RTE_ETHER_ADDR_LEN || arp->arp_plen != 4)
		return BS_DROP_ARP_INVALID;
	if (bs_mac_is_group(d->arp_sha.addr_bytes))
		return BS_DROP_ARP_INVALID;
	sip = d->arp_sip;
	tip = d->arp_tip;
	h = rte_be_to_cpu_32(sip);
	if ((h >> 28) == 0xe || (h >> 24) == 127 || h == 0xffffffff)
		return BS_DROP_ARP_INVALID;
	if (bs_addr_local4(t, p->vlan, sip))	/* someone else claims our address */
		return BS_DROP_ARP_IGNORED;
	request = arp->arp_opcode == RTE_BE16(RTE_ARP_OP_REQUEST);
	if (!request && arp->arp_opcode != RTE_BE16(RTE_ARP_OP_REPLY))
		return BS_DROP_ARP_IGNORED;
	h = rte_be_to_cpu_32(tip);
	if (sip != 0 && (h >> 28) != 0xe)	/* a DAD probe teaches nothing */
		arp_news(nw, d, request && bs_addr_local4(t, p->vlan, tip));
	if (!request || !bs_addr_local4(t, p->vlan, tip))
		return BS_DROP_ARP_IGNORED;

	/* Reply to the sender's hardware address (arp_send_dst uses sha, not
	 * the Ethernet source); a DAD probe (sip 0) gets tpa 0 as in Linux. */
	rte_ether_addr_copy(&d->arp_sha, &eth->dst_addr);
	rte_ether_addr_copy(mac, &eth->src_addr);
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REPLY);
	rte_ether_addr_copy(&d->arp_sha, &d->arp_tha);
	rte_ether_addr_copy(mac, &d->arp_sha);
	d->arp_tip = sip;
	d->arp_sip = tip;
	*len = p->l2_len + sizeof(*arp);
	return 0;
}

/* arp_create() of a broadcast request: tha zero (arp_solicit's first
 * probes have no target hardware address). */
uint32_t
bs_arp_request(uint8_t *frame, const struct rte_ether_addr *mac, uint16_t vlan,
		uint32_t sip, uint32_t tip)
{
	static const struct rte_ether_addr bcast = {
		.addr_bytes = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff } };
	uint16_t l2 = bs_eth_write(frame, &bcast, mac, vlan, RTE_ETHER_TYPE_ARP);
	struct rte_arp_hdr *arp = (struct rte_arp_hdr *)(frame + l2);

	arp->arp_hardware = RTE_BE16(RTE_ARP_HRD_ETHER);
	arp->arp_protocol = RTE_BE16(RTE_ETHER_TYPE_IPV4);
	arp->arp_hlen = RTE_ETHER_ADDR_LEN;
	arp->arp_plen = 4;
	arp->arp_opcode = RTE_BE16(RTE_ARP_OP_REQUEST);
	rte_ether_addr_copy(mac, &arp->arp_data.arp_sha);
	arp->arp_data.arp_sip = sip;
	memset(&arp->arp_data.arp_tha, 0, sizeof(arp->arp_data.arp_tha));
	arp->arp_data.arp_tip = tip;
	return l2 + sizeof(*arp);
}

uint32_t
bs_arp_gratuitous(uint8_t *frame, const struct rte_ether_addr *mac,
		uint16_t vlan, uint32_t ip)
{
	return bs_arp_request(frame, mac, vlan, ip, ip);
}
