/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_L3REPLY_H
#define BS_L3REPLY_H

/**
 * @file
 * What a peer needs from an L3 host: ARP replies, neighbour advertisements
 * and ICMP/ICMPv6 echo replies, each built in place over the request.
 *
 * Every input function takes the frame the worker received and its parsed
 * view, and returns 0 with the reply written over the frame and its new
 * length in @p len, or a drop reason (the frame is then untouched). @p cap
 * is how many bytes the first segment can hold. L4 checksums are already
 * verified by the caller. Pure functions: any lcore, no EAL.
 */

#include <stdint.h>

#include "bs_addr.h"
#include "bs_net.h"

/** ICMPv6 types (RFC 4443, RFC 4861) */
#define BS_ICMP6_ECHO_REQUEST 128
#define BS_ICMP6_ECHO_REPLY 129
#define BS_ICMP6_NS 135
#define BS_ICMP6_NA 136

struct bs_neigh_news;

/**
 * Answer an ARP request for a local IPv4 address (RFC 826, RFC 5227
 * probes). Any valid request or reply also fills @p nw with what it says
 * about its sender (nw->flags 0: nothing), for bs_neigh_learn().
 */
int bs_arp_input(uint8_t *frame, const struct bs_pkt *p,
		const struct bs_addr_table *t, const struct rte_ether_addr *mac,
		uint32_t *len, struct bs_neigh_news *nw);

/**
 * Write a broadcast ARP request for @p tip from @p sip (network order)
 * into @p frame (at least 46 bytes), as arp_solicit() sends it.
 * @return the frame length
 */
uint32_t bs_arp_request(uint8_t *frame, const struct rte_ether_addr *mac,
		uint16_t vlan, uint32_t sip, uint32_t tip);

/**
 * Write a gratuitous ARP request for @p ip (network order) into @p frame
 * (at least 46 bytes), as Linux sends when an address comes up.
 * @return the frame length
 */
uint32_t bs_arp_gratuitous(uint8_t *frame, const struct rte_ether_addr *mac,
		uint16_t vlan, uint32_t ip);

/**
 * Answer an ICMP echo request; @p p has passed bs_addr_check(), and, with
 * IP options, bs_ip4_opts_echo() has rewritten them.
 */
int bs_icmp4_input(uint8_t *frame, uint32_t seg_len, const struct bs_pkt *p,
		const struct bs_ip_conf *c, uint32_t *len);

/** Answer an ICMPv6 echo request; @p p has passed bs_addr_check(). */
int bs_icmp6_input(uint8_t *frame, uint32_t seg_len, const struct bs_pkt *p,
		const struct bs_ip_conf *c, uint32_t *len);

/**
 * Answer a neighbour solicitation for a local address with a solicited
 * advertisement (RFC 4861 7.1.1 validation, 7.2.4 reply); a DAD probe
 * (unspecified source) is answered to all-nodes. Called before
 * bs_addr_check(): the destination is usually a solicited-node group.
 * A solicitation answered that carries a source link-layer address fills
 * @p nw with its sender (ndisc_recv_ns), else nw->flags is 0.
 */
int bs_nd_input(uint8_t *frame, uint32_t cap, const struct bs_pkt *p,
		const struct bs_addr_table *t, const struct rte_ether_addr *mac,
		uint32_t *len, struct bs_neigh_news *nw);

/**
 * Read a neighbour advertisement (ndisc_recv_na: RFC 4861 7.1.2 checks)
 * into @p nw: its target and target link-layer address, override when its
 * O flag is set. Nothing is sent back. Called before bs_addr_check(): an
 * unsolicited advertisement goes to all-nodes.
 * @return 0, or a drop reason (an NA without a target link-layer address,
 *         or for one of our own addresses, teaches nothing: ICMP_IGNORED)
 */
int bs_nd_na(const uint8_t *frame, const struct bs_pkt *p,
		const struct bs_addr_table *t, struct bs_neigh_news *nw);

/**
 * Write a neighbour solicitation for @p target from @p src to the target's
 * solicited-node group, with our source link-layer address (ndisc_solicit,
 * ndisc_send_ns) into @p frame (at least 90 bytes).
 * @return the frame length
 */
uint32_t bs_nd_solicit(uint8_t *frame, const struct rte_ether_addr *mac,
		uint16_t vlan, const uint8_t src[16], const uint8_t target[16]);

/**
 * Write an unsolicited neighbour advertisement for @p ip to all-nodes
 * (RFC 4861 7.2.6) into @p frame (at least 90 bytes).
 * @return the frame length
 */
uint32_t bs_nd_unsolicited(uint8_t *frame, const struct rte_ether_addr *mac,
		uint16_t vlan, const uint8_t ip[16]);

/**
 * Write an Ethernet header (and an 802.1Q tag if @p vlan is not 0).
 * @return its length
 */
uint16_t bs_eth_write(uint8_t *frame, const struct rte_ether_addr *dst,
		const struct rte_ether_addr *src, uint16_t vlan, uint16_t type);

#endif /* BS_L3REPLY_H */
