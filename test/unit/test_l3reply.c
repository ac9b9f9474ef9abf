/* SPDX-License-Identifier: BSD-3-Clause */
/* ARP, neighbour discovery and echo replies, byte for byte. */
#include <stdlib.h>

#include "bs_l3reply.h"
#include "bs_neigh.h"
#include "bs_test.h"
#include "frames.h"

static struct bs_addr_table addrs;
static struct rte_ether_addr mac;
static struct bs_neigh_news nw;	/* what the last ARP or NS taught */

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

	return rc != 0 ? rc : bs_arp_input(f, &p, &addrs, &mac, len, &nw);
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
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len, &nw), 0, "NS for us");
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
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len, &nw), 0, "NS without SLLA");
	CHECK(memcmp(f, t_peer_mac, 6) == 0, "answered to the Ethernet source");
	n = ns_frame(f, 255, us, false);
	CHECK_EQ(bs_nd_input(f, 60, &p, &addrs, &mac, &len, &nw), BS_DROP_PKT_TOO_SMALL,
		"no room to grow");
	n = ns_frame(f, 255, us, true);
	f[38 + 15] = 3;	/* to ff02::1:ff00:3: a group Linux has not joined */
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len, &nw), BS_DROP_NOT_LOCAL,
		"unjoined group");

	n = ns_frame(f, 64, us, true);
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len, &nw),
		BS_DROP_IPV6_NDISC_HOP_LIMIT, "hop limit 64");
	n = ns_frame(f, 255, other, true);
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len, &nw),
		BS_DROP_IPV6_NDISC_NS_OTHERHOST, "not our target");
	n = ns_frame(f, 255, us, true);
	f[55] = 1;
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len, &nw),
		BS_DROP_IPV6_NDISC_BAD_CODE, "code 1");
	n = ns_frame(f, 255, us, true);
	f[79] = 0;	/* option length 0 */
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len, &nw),
		BS_DROP_IPV6_NDISC_BAD_OPTIONS, "zero-length option");
}

/* What each ARP teaches about its sender (bs_neigh.h's rules). */
static void
test_arp_news(void)
{
	static const uint8_t bcast[6] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };
	static const uint8_t peer[4] = { 198, 18, 0, 1 }, us[4] = { 198, 18, 0, 2 };
	static const uint8_t other[4] = { 198, 18, 0, 3 }, zero[4];
	static const uint8_t peer_m[16] = { [10] = 0xff, 0xff, 198, 18, 0, 1 };
	uint8_t f[64], want[64];
	uint32_t len = 0, sip, tip;
	size_t n, wn;

	n = arp_frame(f, bcast, 0, 1, peer, us);
	CHECK_EQ(arp(f, n, &len), 0, "request for us");
	CHECK_EQ(nw.flags, BS_NEWS_UPDATE | BS_NEWS_CREATE | BS_NEWS_OVERRIDE,
		"a request for us creates and overrides (neigh_event_ns)");
	CHECK_BYTES(nw.ip, 16, peer_m, 16, "sender, v4-mapped");
	CHECK_BYTES(nw.mac.addr_bytes, 6, t_peer_mac, 6, "sender's hardware address");

	n = arp_frame(f, t_port_mac, 0, 2, peer, us);
	memcpy(f + 22, t_peer_mac, 6);	/* sha: the replier */
	CHECK_EQ(arp(f, n, &len), BS_DROP_ARP_IGNORED, "a reply is not answered");
	CHECK_EQ(nw.flags, BS_NEWS_UPDATE | BS_NEWS_LOCKTIME, "a reply only updates");
	CHECK_BYTES(nw.ip, 16, peer_m, 16, "replier");
	CHECK_BYTES(nw.mac.addr_bytes, 6, t_peer_mac, 6, "replier's hardware address");

	n = arp_frame(f, bcast, 0, 1, peer, other);
	CHECK_EQ(arp(f, n, &len), BS_DROP_ARP_IGNORED, "request for another host");
	CHECK_EQ(nw.flags, BS_NEWS_UPDATE | BS_NEWS_LOCKTIME, "... still news, no create");
	n = arp_frame(f, bcast, 0, 1, peer, peer);
	CHECK_EQ(arp(f, n, &len), BS_DROP_ARP_IGNORED, "gratuitous ARP");
	CHECK_EQ(nw.flags, BS_NEWS_UPDATE | BS_NEWS_OVERRIDE, "gratuitous: overrides");
	n = arp_frame(f, bcast, 0, 1, zero, us);
	CHECK_EQ(arp(f, n, &len), 0, "DAD probe answered");
	CHECK_EQ(nw.flags, 0, "a DAD probe teaches nothing");
	n = arp_frame(f, bcast, 0, 2, us, peer);
	CHECK_EQ(arp(f, n, &len), BS_DROP_ARP_IGNORED, "someone claims our address");
	CHECK_EQ(nw.flags, 0, "no news of ourselves");
	n = arp_frame(f, bcast, 0, 3, peer, us);
	CHECK_EQ(arp(f, n, &len), BS_DROP_ARP_IGNORED, "RARP opcode");
	CHECK_EQ(nw.flags, 0, "no news from other opcodes");

	/* arp_solicit: broadcast, our sha/spa, tha zero. */
	memcpy(&sip, us, 4);
	memcpy(&tip, peer, 4);
	n = bs_arp_request(f, &mac, 0, sip, tip);
	wn = arp_frame(want, bcast, 0, 1, us, peer);
	memcpy(want + 6, t_port_mac, 6);
	memcpy(want + 22, t_port_mac, 6);
	CHECK_BYTES(f, n, want, wn, "ARP request");
	n = bs_arp_request(f, &mac, 100, sip, tip);
	wn = arp_frame(want, bcast, 100, 1, us, peer);
	memcpy(want + 6, t_port_mac, 6);
	memcpy(want + 26, t_port_mac, 6);
	CHECK_BYTES(f, n, want, wn, "ARP request on VLAN 100");
}

/* An NA from the peer for @p target to @p dst, with a TLLA option. */
static size_t
na_frame(uint8_t *f, const uint8_t *dst, const uint8_t *target, uint8_t flags, bool tlla)
{
	static const uint8_t peer[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
	uint8_t *ip = f + 14, *na = f + 54;
	size_t len = tlla ? 32 : 24;
	uint32_t sum = 0;
	uint16_t c;
	size_t i;

	memcpy(f, t_port_mac, 6);
	memcpy(f + 6, t_peer_mac, 6);
	f[12] = 0x86;
	f[13] = 0xdd;
	memset(ip, 0, 40 + len);
	ip[0] = 0x60;
	ip[5] = (uint8_t)len;
	ip[6] = 58;
	ip[7] = 255;
	memcpy(ip + 8, peer, 16);
	memcpy(ip + 24, dst, 16);
	na[0] = 136;
	na[4] = flags;
	memcpy(na + 8, target, 16);
	if (tlla) {
		na[24] = 2;
		na[25] = 1;
		memcpy(na + 26, t_peer_mac, 6);
	}
	for (i = 0; i < 32; i += 2)
		sum += (uint32_t)(ip[8 + i] << 8 | ip[9 + i]);
	c = t_csum(na, len, sum + (uint32_t)len + 58);
	na[2] = (uint8_t)(c >> 8);
	na[3] = (uint8_t)c;
	return 54 + len;
}

static int
na(uint8_t *f, size_t n)
{
	struct bs_pkt p;
	int rc = bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);

	return rc != 0 ? rc : bs_nd_na(f, &p, &addrs, &nw);
}

/* ndisc_recv_ns's news, ndisc_recv_na, ndisc_send_ns. */
static void
test_nd_news(void)
{
	static const uint8_t us[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
	static const uint8_t peer[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
	static const uint8_t other[16] = { 0x20, 0x01, 0, 2, [15] = 3 };
	static const uint8_t all_nodes[16] = { 0xff, 2, [15] = 1 };
	static const uint8_t snm_peer[16] = { 0xff, 2, [11] = 1, 0xff, 0, 0, 1 };
	uint8_t f[128];
	struct bs_pkt p;
	uint32_t len = 0, sum = 0;
	size_t n, i;

	n = ns_frame(f, 255, us, true);
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len, &nw), 0, "NS for us");
	CHECK_EQ(nw.flags, BS_NEWS_UPDATE | BS_NEWS_CREATE | BS_NEWS_OVERRIDE,
		"NS with SLLA: the solicitor's entry");
	CHECK_BYTES(nw.ip, 16, peer, 16, "solicitor");
	CHECK_BYTES(nw.mac.addr_bytes, 6, t_peer_mac, 6, "its SLLA");
	n = ns_frame(f, 255, us, false);
	bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, false);
	CHECK_EQ(bs_nd_input(f, sizeof(f), &p, &addrs, &mac, &len, &nw), 0, "NS, no SLLA");
	CHECK_EQ(nw.flags, 0, "no SLLA, no news");

	n = na_frame(f, us, peer, 0x40, true);
	CHECK_EQ(na(f, n), 0, "solicited NA");
	CHECK_EQ(nw.flags, BS_NEWS_UPDATE, "no override flag: update only");
	CHECK_BYTES(nw.ip, 16, peer, 16, "target");
	CHECK_BYTES(nw.mac.addr_bytes, 6, t_peer_mac, 6, "TLLA");
	n = na_frame(f, us, peer, 0x60, true);
	CHECK_EQ(na(f, n), 0, "solicited NA, override");
	CHECK_EQ(nw.flags, BS_NEWS_UPDATE | BS_NEWS_OVERRIDE, "override");
	n = na_frame(f, all_nodes, peer, 0x20, true);
	memcpy(f, (const uint8_t[]){ 0x33, 0x33, 0, 0, 0, 1 }, 6);
	CHECK_EQ(na(f, n), 0, "unsolicited NA to all-nodes");
	n = na_frame(f, all_nodes, peer, 0x60, true);
	memcpy(f, (const uint8_t[]){ 0x33, 0x33, 0, 0, 0, 1 }, 6);
	CHECK_EQ(na(f, n), BS_DROP_IPV6_NDISC_BAD_OPTIONS, "solicited NA to a group");
	n = na_frame(f, snm_peer, peer, 0x20, true);
	memcpy(f, (const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 1 }, 6);
	CHECK_EQ(na(f, n), BS_DROP_NOT_LOCAL, "NA to a group we have not joined");
	n = na_frame(f, other, peer, 0x40, true);
	CHECK_EQ(na(f, n), BS_DROP_NOT_LOCAL, "NA to another host");
	n = na_frame(f, us, peer, 0x40, false);
	CHECK_EQ(na(f, n), BS_DROP_ICMP_IGNORED, "NA without TLLA teaches nothing");
	CHECK_EQ(nw.flags, 0, "no news");
	n = na_frame(f, us, us, 0x60, true);
	CHECK_EQ(na(f, n), BS_DROP_ICMP_IGNORED, "our own address advertised");
	n = na_frame(f, us, all_nodes, 0x40, true);
	CHECK_EQ(na(f, n), BS_DROP_IPV6_NDISC_BAD_OPTIONS, "multicast target");
	n = na_frame(f, us, peer, 0x40, true);
	f[21] = 64;
	CHECK_EQ(na(f, n), BS_DROP_IPV6_NDISC_HOP_LIMIT, "hop limit 64");
	n = na_frame(f, us, peer, 0x40, true);
	f[79] = 0;
	CHECK_EQ(na(f, n), BS_DROP_IPV6_NDISC_BAD_OPTIONS, "zero-length option");

	/* ndisc_send_ns: to ff02::1:ff00:1 (33:33:ff:00:00:01), hop limit
	 * 255, our SLLA, checksum over the pseudo header. */
	n = bs_nd_solicit(f, &mac, 0, us, peer);
	CHECK_EQ(n, 14 + 40 + 32, "NS length");
	CHECK_BYTES(f, 6, ((const uint8_t[]){ 0x33, 0x33, 0xff, 0, 0, 1 }), 6, "group MAC");
	CHECK_BYTES(f + 6, 6, t_port_mac, 6, "our MAC");
	CHECK(f[12] == 0x86 && f[13] == 0xdd, "IPv6");
	CHECK_BYTES(f + 14, 8, ((const uint8_t[]){ 0x60, 0, 0, 0, 0, 32, 58, 255 }), 8,
		"version, class 0, label 0, length, ICMPv6, hop limit 255");
	CHECK_BYTES(f + 22, 16, us, 16, "from our address");
	CHECK_BYTES(f + 38, 16, snm_peer, 16, "to the solicited-node group");
	CHECK_BYTES(f + 54, 2, ((const uint8_t[]){ 135, 0 }), 2, "NS, code 0");
	CHECK_BYTES(f + 58, 4, ((const uint8_t[]){ 0, 0, 0, 0 }), 4, "reserved");
	CHECK_BYTES(f + 62, 16, peer, 16, "target");
	CHECK_BYTES(f + 78, 2, ((const uint8_t[]){ 1, 1 }), 2, "SLLA option");
	CHECK_BYTES(f + 80, 6, t_port_mac, 6, "SLLA");
	for (i = 0; i < 32; i += 2)
		sum += (uint32_t)(f[22 + i] << 8 | f[23 + i]);
	CHECK_EQ(t_csum(f + 54, 32, sum + 32 + 58), 0, "ICMPv6 checksum");
	n = bs_nd_solicit(f, &mac, 100, us, peer);
	CHECK_EQ(n, 18 + 40 + 32, "tagged NS");
	CHECK(f[12] == 0x81 && f[13] == 0 && f[15] == 100 && f[16] == 0x86, "VLAN 100");
}

int
main(void)
{
	setup();
	test_arp();
	test_nd();
	test_arp_news();
	test_nd_news();
	return bs_test_done();
}
