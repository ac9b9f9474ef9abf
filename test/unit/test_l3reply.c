/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP, neighbour discovery and echo replies, byte for byte. */
#include <stdlib.h>

#include "bs_l3reply.h"
#include "bs_test.h"
#include "frames.h"

static struct bs_addr_table addrs;
static struct rte_ether_addr mac;

static void
setup(void)
{
	static const char *const items[] = { "198.18.0.2/24", "2001:2::2/64",
		"198.18.1.2/24 vlan 100" };

	memcpy(mac.addr_bytes, t_port_mac, 6);
	t_addrs(&addrs, items, RTE_DIM(items));
}

static size_t
arp_frame(uint8_t *f, const uint8_t *dmac, uint16_t vlan, uint16_t op,
		const uint8_t *sip, const uint8_t *tip)
{
	size_t o = 12;

	memcpy(f, dmac, 6);
	memcpy(f + 6, t_peer_mac, 6);
	if (vlan) {
		f[o] = 0x81;
		f[o + 1] = 0;
		f[o + 2] = (uint8_t)(vlan >> 8);
		f[o + 3] = (uint8_t)vlan;
		o += 4;
	}
	f[o] = 0x08;
	f[o + 1] = 0x06;
	o += 2;
	memcpy(f + o, (const uint8_t[]){ 0, 1, 8, 0, 6, 4, 0, 0 }, 8);
	f[o + 7] = (uint8_t)op;
	memcpy(f + o + 8, op == 1 ? t_peer_mac : t_port_mac, 6);
	memcpy(f + o + 14, sip, 4);
	memset(f + o + 18, 0, 6);
	memcpy(f + o + 24, tip, 4);
	return o + 28;
}

static int
arp(uint8_t *f, size_t n, uint32_t *len)
{
	struct bs_pkt p;
	int rc = bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);

	return rc != 0 ? rc : bs_arp_input(f, &p, &addrs, &mac, len);
}

static void
test_arp(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t peer[4] = { 198, 18, 0, 1 }, us[4] = { 198, 18, 0, 2 };
	static const uint8_t us100[4] = { 198, 18, 1, 2 }, other[4] = { 198, 18, 0, 3 };
	static const uint8_t zero[4];
	uint8_t f[64], want[64];
	uint32_t len = 0;
	size_t n, wn;

	n = arp_frame(f, bcast, 0, 1, peer, us);
	CHECK_EQ(arp(f, n, &len), 0, "request for us");
	/* The reply: to the requester, from us, sha/spa ours, tha/tpa theirs. */
	wn = arp_frame(want, t_peer_mac, 0, 2, us, peer);
	memcpy(want + 6, t_port_mac, 6);
	memcpy(want + 32, t_peer_mac, 6);
	CHECK_BYTES(f, len, want, wn, "ARP reply");

	n = arp_frame(f, bcast, 100, 1, peer, us100);
	CHECK_EQ(arp(f, n, &len), 0, "request on VLAN 100");
	CHECK_EQ(len, 46, "tag kept");
	CHECK_EQ(f[15], 100, "VLAN 100");

	n = arp_frame(f, bcast, 0, 1, peer, us100);
	CHECK_EQ(arp(f, n, &len), BS_DROP_ARP_IGNORED, "VLAN 100's address asked untagged");
	n = arp_frame(f, bcast, 0, 1, peer, other);
	CHECK_EQ(arp(f, n, &len), BS_DROP_ARP_IGNORED, "not ours");
	n = arp_frame(f, bcast, 0, 2, peer, us);
	CHECK_EQ(arp(f, n, &len), BS_DROP_ARP_IGNORED, "a reply");
	n = arp_frame(f, bcast, 0, 1, zero, us);
	CHECK_EQ(arp(f, n, &len), 0, "RFC 5227 probe is answered");
	CHECK(memcmp(f + 38, zero, 4) == 0, "probe reply tpa 0.0.0.0");
	n = arp_frame(f, bcast, 0, 1, peer, us);
	f[16] = 0x86;	/* protocol type IPv6 */
	CHECK_EQ(arp(f, n, &len), BS_DROP_ARP_INVALID, "protocol type");

	n = bs_arp_gratuitous(f, &mac, 0, *(const uint32_t *)(const void *)us);
	wn = arp_frame(want, bcast, 0, 1, us, us);
	memcpy(want + 6, t_port_mac, 6);
	memcpy(want + 22, t_port_mac, 6);
	CHECK_BYTES(f, n, want, wn, "gratuitous ARP");
}

static size_t
ns_frame(uint8_t *f, uint8_t hop, const uint8_t *target, bool slla)
{
	static const uint8_t peer[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
	static const uint8_t snm[16] = { 0xff, 2, [11] = 1, 0xff, 0, 0, 2 };
	uint8_t *ip = f + 14, *ns = f + 54;
	size_t len = slla ? 32 : 24;
	uint32_t sum = 0;
	uint16_t c;
	size_t i;

	memcpy(f, (const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 2 }, 6);
	memcpy(f + 6, t_peer_mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(ip, 0, 40 + len);
	ip[0] = 0x60;
	ip[5] = (uint8_t)len;
	ip[6] = 58;
	ip[7] = hop;
	memcpy(ip + 8, peer, 16);
	memcpy(ip + 24, snm, 16);
	ns[0] = 135;
	memcpy(ns + 8, target, 16);
	if (slla) {
		ns[24] = 1;
		ns[25] = 1;
		memcpy(ns + 26, t_peer_mac, 6);
	}
	for (i = 0; i < 32; i += 2)
		sum += (uint32_t)(ip[8 + i] << 8 | ip[9 + i]);
	sum += (uint32_t)len + 58;
	c = t_csum(ns, len, sum);
	ns[2] = (uint8_t)(c >> 8);
	ns[3] = (uint8_t)c;
	return 54 + len;
}

static void
test_nd(void)
{
	static const uint8_t us[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
	static const uint8_t other[16] = { 0x20, 0x01, 0, 2, [15] = 3 };
	uint8_t f[128];
	struct bs_pkt p;
	uint32_t len = 0;
	size_t n;

	n = ns_frame(f, 255, us, true);
	CHECK_EQ(bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false), 0, "parse NS");
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len), 0, "NS for us");
	CHECK_EQ(len, 86, "NA with target link-layer option");
	CHECK(memcmp(f, t_peer_mac, 6) == 0 && memcmp(f + 6, t_port_mac, 6) == 0, "MACs");
	CHECK_EQ(f[21], 255, "hop limit");
	CHECK(memcmp(f + 22, us, 16) == 0, "source = target");
	CHECK_EQ(f[38 + 15], 1, "to the solicitor");
	CHECK_EQ(f[54], 136, "NA");
	CHECK_EQ(f[58], 0x60, "solicited + override");
	CHECK(memcmp(f + 62, us, 16) == 0, "target");
	CHECK(f[78] == 2 && f[79] == 1 && memcmp(f + 80, t_port_mac, 6) == 0, "TLLA");
	{
		uint32_t sum = 0;
		size_t i;

		for (i = 0; i < 32; i += 2)
			sum += (uint32_t)(f[22 + i] << 8 | f[23 + i]);
		CHECK_EQ(t_csum(f + 54, 32, sum + 32 + 58), 0, "ICMPv6 checksum");
	}

	n = ns_frame(f, 255, us, false);
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len), 0, "NS without SLLA");
	CHECK(memcmp(f, t_peer_mac, 6) == 0, "answered to the Ethernet source");
	n = ns_frame(f, 255, us, false);
	CHECK_EQ(bs_nd_input(f, 60, &p, &addrs, &mac, &len), BS_DROP_PKT_TOO_SMALL,
		"no room to grow");
	n = ns_frame(f, 255, us, true);
	f[38 + 15] = 3;	/* to ff02::1:ff00:3: a group Linux has not joined */
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len), BS_DROP_NOT_LOCAL,
		"unjoined group");

	n = ns_frame(f, 64, us, true);
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len),
		BS_DROP_IPV6_NDISC_HOP_LIMIT, "hop limit 64");
	n = ns_frame(f, 255, other, true);
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len),
		BS_DROP_IPV6_NDISC_NS_OTHERHOST, "not our target");
	n = ns_frame(f, 255, us, true);
	f[55] = 1;
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len),
		BS_DROP_IPV6_NDISC_BAD_CODE, "code 1");
	n = ns_frame(f, 255, us, true);
	f[79] = 0;	/* option length 0 */
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len),
		BS_DROP_IPV6_NDISC_BAD_OPTIONS, "zero-length option");
}

int
main(void)
{
	setup();
	test_arp();
	test_nd();
	return bs_test_done();
}
