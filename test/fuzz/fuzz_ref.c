/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What a frame must be to deserve a reply, read byte by byte (no DPDK
 * header structs, no lib/net code): the oracle of fuzz_frame.c.
 */
#include <string.h>

#include "frames.h"
#include "fuzz.h"
#include "fuzz_ref.h"

#define TH_FIN 0x01
#define TH_SYN 0x02
#define TH_RST 0x04
#define TH_ACK 0x10

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* The L3 of a frame: where it starts, its EtherType, after at most one tag. */
static size_t
l3_off(const uint8_t *f, size_t n, uint16_t *et)
{
	size_t o = 12;

	FUZZ_ASSERT(n >= 14, "a reply to a frame of %zu bytes", n);
	*et = rd16(f + o);
	if (*et == 0x8100) {
		FUZZ_ASSERT(n >= 18, "a reply to a truncated VLAN frame");
		o += 4;
		*et = rd16(f + o);
	}
	return o + 2;
}

/* Sum of the pseudo-header of IPv4 (@p v6 false) or IPv6 for @p l4 bytes
 * of protocol @p proto. */
static uint32_t
pseudo(const uint8_t *ip, bool v6, size_t l4, uint8_t proto)
{
	const uint8_t *a = ip + (v6 ? 8 : 12);
	size_t i, alen = v6 ? 32 : 8;
	uint32_t sum = 0;

	for (i = 0; i < alen; i += 2)
		sum += rd16(a + i);
	return sum + proto + (uint32_t)l4;
}

static bool
v4_bad_source(const uint8_t *s)
{
	return s[0] >= 224 || s[0] == 127 || s[0] == 0 ||
		(s[0] == 255 && s[1] == 255 && s[2] == 255 && s[3] == 255);
}

/* The TCP rules of a reply: RFC 9293 3.10.7.1's RST. */
static void
check_tcp(const uint8_t *th, size_t l4, const uint8_t *rth, size_t rl4)
{
	uint8_t fl = th[13], rfl;
	size_t doff = (size_t)(th[12] >> 4) * 4;
	uint32_t seg_len;

	FUZZ_ASSERT(l4 >= 20 && doff >= 20 && doff <= l4, "a reply to a TCP header of "
		"%zu bytes, data offset %zu", l4, doff);
	FUZZ_ASSERT(!(fl & TH_RST), "a reply to an RST");
	FUZZ_ASSERT(rl4 >= 20, "a TCP reply of %zu bytes", rl4);
	rfl = rth[13];
	FUZZ_ASSERT(rfl & TH_RST, "a TCP reply that is not an RST (flags %#x)", rfl);
	FUZZ_ASSERT(rd16(rth) == rd16(th + 2) && rd16(rth + 2) == rd16(th),
		"RST ports not swapped");
	seg_len = (uint32_t)(l4 - doff) + !!(fl & TH_SYN) + !!(fl & TH_FIN);
	if (fl & TH_ACK)
		FUZZ_ASSERT(rd32(rth + 4) == rd32(th + 8) && !(rfl & TH_ACK),
			"RST to an ACK: SEQ %u, want SEG.ACK %u", rd32(rth + 4), rd32(th + 8));
	else
		FUZZ_ASSERT(rd32(rth + 4) == 0 && (rfl & TH_ACK) &&
			rd32(rth + 8) == rd32(th + 4) + seg_len,
			"RST to a non-ACK: SEQ %u ACK %u, want 0 and %u", rd32(rth + 4),
			rd32(rth + 8), rd32(th + 4) + seg_len);
}

static void
check_ip4(const uint8_t *ip, size_t left, const uint8_t *rip, size_t rleft)
{
	size_t ihl = (size_t)(ip[0] & 0x0f) * 4, tot;

	FUZZ_ASSERT(left >= 20 && (ip[0] >> 4) == 4 && ihl >= 20 && ihl <= left,
		"a reply to a bad IPv4 header");
	tot = rd16(ip + 2);
	FUZZ_ASSERT(tot >= ihl && tot <= left, "a reply to IPv4 total length %zu "
		"(header %zu, frame %zu)", tot, ihl, left);
	FUZZ_ASSERT(t_csum(ip, ihl, 0) == 0, "a reply to a bad IPv4 header checksum");
	FUZZ_ASSERT((rd16(ip + 6) & 0x3fff) == 0, "a reply to a fragment");
	FUZZ_ASSERT(memcmp(ip + 12, ip + 16, 4) != 0, "a reply to LAND");
	FUZZ_ASSERT(!v4_bad_source(ip + 12), "a reply to source %u.%u.%u.%u",
		ip[12], ip[13], ip[14], ip[15]);
	FUZZ_ASSERT(rleft >= 20 && (rip[0] >> 4) == 4, "IPv4 reply header");
	FUZZ_ASSERT(memcmp(rip + 16, ip + 12, 4) == 0 && memcmp(rip + 12, ip + 16, 4) == 0,
		"reply IPv4 addresses not swapped");
	FUZZ_ASSERT(t_csum(rip, (size_t)(rip[0] & 0x0f) * 4, 0) == 0,
		"reply IPv4 header checksum");
	if (ip[9] == 6) {
		size_t rihl = (size_t)(rip[0] & 0x0f) * 4, rtot = rd16(rip + 2);

		FUZZ_ASSERT(t_csum(ip + ihl, tot - ihl, pseudo(ip, false, tot - ihl, 6)) == 0,
			"a reply to a bad TCP checksum");
		FUZZ_ASSERT(rip[9] == 6 && rtot <= rleft && rtot >= rihl + 20, "TCP reply length");
		FUZZ_ASSERT(t_csum(rip + rihl, rtot - rihl,
			pseudo(rip, false, rtot - rihl, 6)) == 0, "reply TCP checksum");
		check_tcp(ip + ihl, tot - ihl, rip + rihl, rtot - rihl);
	} else if (ip[9] == 1) {
		FUZZ_ASSERT(tot - ihl >= 8 && ip[ihl] == 8, "ICMP reply to other than an echo request");
		FUZZ_ASSERT(t_csum(ip + ihl, tot - ihl, 0) == 0, "a reply to a bad ICMP checksum");
	} else {
		FUZZ_ASSERT(0, "a reply to IP protocol %u", ip[9]);
	}
}

static bool
v6_bad_source(const uint8_t *s)
{
	static const uint8_t zero[16], loop[16] = { [15] = 1 };

	return s[0] == 0xff || memcmp(s, zero, 16) == 0 || memcmp(s, loop, 16) == 0;
}

static void
check_ip6(const uint8_t *ip, size_t left, const uint8_t *rip, size_t rleft)
{
	size_t plen;
	uint8_t nh;

	FUZZ_ASSERT(left >= 40 && (ip[0] >> 4) == 6, "a reply to a bad IPv6 header");
	plen = rd16(ip + 4);
	nh = ip[6];
	FUZZ_ASSERT(40 + plen <= left, "a reply to IPv6 payload length %zu (frame %zu)",
		plen, left);
	FUZZ_ASSERT(rleft >= 40 && (rip[0] >> 4) == 6, "IPv6 reply header");
	FUZZ_ASSERT(memcmp(rip + 24, ip + 8, 16) == 0, "reply IPv6 destination is not the source");
	if (nh == 58 && plen >= 1 && ip[40] == 135)
		return;		/* NS: the source may be ::, the reply goes to all-nodes */
	FUZZ_ASSERT(memcmp(ip + 8, ip + 24, 16) != 0, "a reply to IPv6 LAND");
	FUZZ_ASSERT(!v6_bad_source(ip + 8), "a reply to a bad IPv6 source");
	FUZZ_ASSERT(memcmp(rip + 8, ip + 24, 16) == 0, "reply IPv6 source is not the destination");
	if (nh == 6) {
		size_t rplen = rd16(rip + 4);

		FUZZ_ASSERT(t_csum(ip + 40, plen, pseudo(ip, true, plen, 6)) == 0,
			"a reply to a bad TCP checksum");
		FUZZ_ASSERT(rip[6] == 6 && 40 + rplen <= rleft, "TCP reply length");
		FUZZ_ASSERT(t_csum(rip + 40, rplen, pseudo(rip, true, rplen, 6)) == 0,
			"reply TCP checksum");
		check_tcp(ip + 40, plen, rip + 40, rplen);
	} else if (nh == 58) {
		FUZZ_ASSERT(plen >= 8 && ip[40] == 128, "ICMPv6 reply to type %u", ip[40]);
		FUZZ_ASSERT(t_csum(ip + 40, plen, pseudo(ip, true, plen, 58)) == 0,
			"a reply to a bad ICMPv6 checksum");
	}
	/* Any other next header: an extension header chain lib/net walked. */
}

/* Where a reply goes: ARP answers the sender hardware address (Linux
 * arp_process), an NS its source link-layer address option (ndisc_recv_ns),
 * anything else the frame's source MAC. */
static const uint8_t *
reply_to(const uint8_t *in, size_t n, size_t o, uint16_t et)
{
	size_t i;

	if (et == 0x0806 && n >= o + 14)
		return in + o + 8;
	if (et != 0x86dd || n < o + 64 || in[o + 6] != 58 || in[o + 40] != 135)
		return in + 6;
	for (i = o + 64; i + 8 <= n && in[i + 1] != 0; i += (size_t)in[i + 1] * 8)
		if (in[i] == 1)
			return in + i + 2;
	return in + 6;
}

void
fuzz_ref_check_reply(const uint8_t *in, size_t n, const uint8_t *r, size_t rn,
		const uint8_t *port_mac)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	uint16_t et, ret;
	size_t o, ro;

	o = l3_off(in, n, &et);
	FUZZ_ASSERT(!(in[6] & 1), "a reply to a multicast source MAC");
	FUZZ_ASSERT(rn >= 14, "reply of %zu bytes", rn);
	FUZZ_ASSERT(memcmp(r, reply_to(in, n, o, et), 6) == 0, "reply not to the sender's MAC");
	FUZZ_ASSERT(memcmp(r + 6, port_mac, 6) == 0, "reply not from the port's MAC");
	FUZZ_ASSERT(memcmp(in, port_mac, 6) == 0 || memcmp(in, bcast, 6) == 0 ||
		((in[0] & 1) && (et == 0x0806 || et == 0x86dd)),
		"a reply to a frame for another host's MAC");
	ro = l3_off(r, rn, &ret);
	FUZZ_ASSERT(ret == et, "reply EtherType %#x to %#x", ret, et);
	if (memcmp(in, port_mac, 6) != 0)
		FUZZ_ASSERT(et == 0x0806 || (et == 0x86dd && n >= o + 41 && in[o + 6] == 58 &&
			in[o + 40] == 135), "a reply to a broadcast or multicast frame "
			"that is neither ARP nor a neighbour solicitation");
	if (et == 0x0800)
		check_ip4(in + o, n - o, r + ro, rn - ro);
	else if (et == 0x86dd)
		check_ip6(in + o, n - o, r + ro, rn - ro);
	else
		FUZZ_ASSERT(et == 0x0806 && n >= o + 28 && rd16(in + o + 6) == 1,
			"a reply to EtherType %#x (ARP: opcode other than request)", et);
}
