/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_FLOW_H
#define BS_FLOW_H

/**
 * @file
 * The key of a connection: its 4-tuple as seen from Backstop (r = remote,
 * l = local). IPv4 addresses are stored as v4-mapped IPv6 addresses
 * (::ffff:a.b.c.d), so one 36-byte key serves both families; ports are in
 * network order, as they lie in the TCP header. Pure helpers, any lcore.
 *
 * Every object the connection table points at (connection, request, TIME_WAIT
 * entry) begins with its struct bs_flow.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

struct bs_flow {
	uint8_t raddr[16];	/**< remote address (v4-mapped for IPv4) */
	uint8_t laddr[16];	/**< local address (v4-mapped for IPv4) */
	uint16_t rport;		/**< remote port, network order */
	uint16_t lport;		/**< local port, network order */
};

_Static_assert(sizeof(struct bs_flow) == 36, "struct bs_flow is 36 bytes");

/** Bytes 0-11 of a v4-mapped address: 80 zero bits, then 16 one bits. */
#define BS_FLOW_V4MAPPED_PREFIX \
	{ 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff }

/**
 * Fill @p f from IPv4 addresses and ports, all in network order as they lie
 * in the headers (@p raddr, @p laddr point at 4 bytes each).
 */
static inline void
bs_flow_from_ipv4(struct bs_flow *f, const void *raddr, const void *laddr,
		uint16_t rport, uint16_t lport)
{
	static const uint8_t prefix[12] = BS_FLOW_V4MAPPED_PREFIX;

	memcpy(f->raddr, prefix, 12);
	memcpy(f->raddr + 12, raddr, 4);
	memcpy(f->laddr, prefix, 12);
	memcpy(f->laddr + 12, laddr, 4);
	f->rport = rport;
	f->lport = lport;
}

/** Fill @p f from IPv6 addresses (16 bytes each) and ports, network order. */
static inline void
bs_flow_from_ipv6(struct bs_flow *f, const void *raddr, const void *laddr,
		uint16_t rport, uint16_t lport)
{
	memcpy(f->raddr, raddr, 16);
	memcpy(f->laddr, laddr, 16);
	f->rport = rport;
	f->lport = lport;
}

/** Are both addresses of @p f v4-mapped (an IPv4 flow)? */
static inline bool
bs_flow_is_v4(const struct bs_flow *f)
{
	static const uint8_t ffff[4] = { 0, 0, 0xff, 0xff };
	uint64_t r0, l0;
	uint32_t r1, l1, m;

	memcpy(&r0, f->raddr, 8);
	memcpy(&l0, f->laddr, 8);
	memcpy(&r1, f->raddr + 8, 4);
	memcpy(&l1, f->laddr + 8, 4);
	memcpy(&m, ffff, 4);
	return ((r0 | l0) | (uint64_t)((r1 ^ m) | (l1 ^ m))) == 0;
}

/** Are two keys equal? Fixed-size compare of the 36 bytes, no branches. */
static inline bool
bs_flow_eq(const struct bs_flow *a, const struct bs_flow *b)
{
	const uint8_t *pa = (const uint8_t *)a, *pb = (const uint8_t *)b;
	uint64_t a0, a1, a2, a3, b0, b1, b2, b3;
	uint32_t a4, b4;

	memcpy(&a0, pa, 8); memcpy(&b0, pb, 8);
	memcpy(&a1, pa + 8, 8); memcpy(&b1, pb + 8, 8);
	memcpy(&a2, pa + 16, 8); memcpy(&b2, pb + 16, 8);
	memcpy(&a3, pa + 24, 8); memcpy(&b3, pb + 24, 8);
	memcpy(&a4, pa + 32, 4); memcpy(&b4, pb + 32, 4);
	return ((a0 ^ b0) | (a1 ^ b1) | (a2 ^ b2) | (a3 ^ b3) | (a4 ^ b4)) == 0;
}

#endif /* BS_FLOW_H */
