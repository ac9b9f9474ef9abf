/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_IPOPT_H
#define BS_IPOPT_H

/**
 * @file
 * IPv4 options of a locally delivered packet, as Linux handles them:
 * ip_options_compile() on receive (validate; record our address in Record
 * Route and our timestamp in Timestamp; drop source-routed packets since
 * accept_source_route is 0), then __ip_options_echo() and
 * ip_options_build() on every reply Linux builds from the packet (RSTs,
 * echo replies): Record Route and Timestamp are echoed, in that order,
 * with our address and time added where there is room; other options are
 * not. Pure functions: any lcore, no EAL.
 */

#include <stdint.h>

#include "bs_addr.h"

/** What receive processing found, for the echo. */
struct bs_ip4_opts {
	uint8_t rr;		/**< offset of Record Route in the IP header, 0: none */
	uint8_t ts;		/**< offset of Timestamp in the IP header, 0: none */
	uint8_t rr_needaddr;
	uint8_t ts_needaddr;
	uint8_t ts_needtime;
};

/**
 * Receive processing of the options of the IPv4 header at @p iph (IHL > 5),
 * modifying them in place as Linux does. @p now_be is the current time in
 * milliseconds since midnight UTC, network order (RFC 791 timestamps).
 * @return 0, or BS_DROP_IP_INHDR (malformed: Linux answers with an ICMP
 *         parameter problem, Backstop does not) or BS_DROP_IP_SOURCE_ROUTE
 */
int bs_ip4_opts_rcv(uint8_t *iph, const struct bs_addr_table *t, uint16_t vlan,
		uint32_t now_be, struct bs_ip4_opts *o);

/**
 * Rewrite the options of @p iph, in place, into those of the reply: RR
 * and TS echoed and completed with our address (the packet's destination)
 * and @p now_be, padded with EOL to a multiple of 4. Sets the IHL; the
 * caller sets lengths and checksums.
 * @return the new option length (0 when nothing is echoed), or -1 if
 *         Linux would not send the reply at all
 */
int bs_ip4_opts_echo(uint8_t *iph, const struct bs_ip4_opts *o,
		const struct bs_addr_table *t, uint16_t vlan, uint32_t now_be);

#endif /* BS_IPOPT_H */
