/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_ADDR_H
#define BS_ADDR_H

/**
 * @file
 * A port's local addresses: what Backstop answers for.
 *
 * Two kinds of entry, as on a Linux host:
 * - a host address with its subnet (`ip addr add 198.18.0.2/24`): the
 *   address is local, the subnet's broadcast address is not a valid source
 *   or destination;
 * - an AnyIP prefix (`ip route add local 198.18.64.0/18`): every address
 *   in it is local (answers ARP and TCP alike).
 * Each entry lives on one VLAN (0 = untagged).
 *
 * The table is built by the control thread before workers start and is
 * read-only afterwards; workers read it without synchronisation.
 */

#include <stdbool.h>
#include <stdint.h>

#include "bs_net.h"

#define BS_MAX_ADDRS 32
#define BS_MAX_VLANS 16

struct bs_addr {
	uint8_t family;		/**< 4 or 6 */
	uint8_t plen;		/**< prefix length */
	bool anyip;		/**< the whole prefix is local */
	uint16_t vlan;		/**< 0 = untagged */
	union {
		uint32_t v4;	/**< network order */
		uint8_t v6[16];
	};
	/* IPv4, derived by bs_addr_add() for the address check: */
	uint32_t match4;	/**< bits a local address shares with v4 (all of
				 *   them for a host address; network order) */
	uint32_t bcast4;	/**< the subnet broadcast address of a host
				 *   entry, 0 for none (AnyIP, /31, /32) */
};

struct bs_addr_table {
	unsigned int n;
	unsigned int one4;	/**< 1 + the index of the only IPv4 entry, 0 when
				 *   there are none or several (bs_addr_add()) */
	struct bs_addr a[BS_MAX_ADDRS];
	unsigned int n_vlans;
	uint16_t vlans[BS_MAX_VLANS];	/**< VLANs that have an address */
};

/**
 * Parse one address item: "ADDR/PLEN [vlan ID]" (a host address in its
 * subnet) or, with @p anyip, "PREFIX/PLEN [vlan ID]".
 * @return 0, or -1 with a message in @p err.
 */
int bs_addr_parse(struct bs_addr *a, const char *s, bool anyip, char *err,
		size_t errlen);

/** Add an entry. @return 0, or -1 with a message (table full, duplicate). */
int bs_addr_add(struct bs_addr_table *t, const struct bs_addr *a, char *err,
		size_t errlen);

/** Format an entry back to its config form. */
void bs_addr_format(const struct bs_addr *a, char *buf, size_t len);

/**
 * Is @p ip (network order) a local IPv4 unicast address on @p vlan?
 * An address's subnet broadcast address is not.
 */
bool bs_addr_local4(const struct bs_addr_table *t, uint16_t vlan, uint32_t ip);

/**
 * The host entry whose subnet holds @p ip (IPv4 as v4-mapped): where a
 * peer is on-link, as Linux's connected routes say. With @p src (v4-mapped
 * for IPv4), an entry with that address is preferred. The subnet's own
 * address and broadcast address are no peers.
 * @return the entry, or NULL (not on-link here)
 */
const struct bs_addr *bs_addr_onlink(const struct bs_addr_table *t,
		const uint8_t ip[16], const uint8_t *src);

/** Is @p ip (network order) the subnet broadcast address of a host entry? */
bool bs_addr_bcast4(const struct bs_addr_table *t, uint32_t ip);

/** Is @p ip a local IPv6 unicast address on @p vlan? */
bool bs_addr_local6(const struct bs_addr_table *t, uint16_t vlan,
		const uint8_t ip[16]);

/** Does @p vlan carry any address of this port? */
bool bs_addr_has_vlan(const struct bs_addr_table *t, uint16_t vlan);

/**
 * Check the addresses of a parsed IPv4 or IPv6 packet, as Linux's input
 * route lookup would: martian sources (multicast, broadcast including a
 * local subnet's, loopback, unspecified, IPv4-mapped), our own address as
 * source (LAND), and a destination that is not a local unicast address.
 * @return 0, or the drop reason
 */
int bs_addr_check(const struct bs_addr_table *t, const struct bs_pkt *p,
		const uint8_t *frame);

#endif /* BS_ADDR_H */
