/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The no-connection reset path as pure functions: parse -> address check
 * -> TCP core -> RST written in place, compared byte for byte with the
 * reply Linux's tcp_v4_send_reset / tcp_v6_send_reset builds (rows N1, N2,
 * X1, Q1, Q8, Q9; matrix section 5.1), for every TCP flag combination,
 * IPv4 and IPv6, untagged and on a VLAN.
 */
#include <stdlib.h>

#include "bs_addr.h"
#include "bs_ipopt.h"
#include "bs_tcp.h"
#include "bs_test.h"
#include "frames.h"

static struct bs_addr_table addrs;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };

static void
addrs_init(void)
{
	static const char *const items[] = {
		"198.18.0.2/24", "2001:2::2/64", "198.18.1.2/24 vlan 100",
		"2001:2:1::2/64 vlan 100",
	};

	t_addrs(&addrs, items, RTE_DIM(items));
}

/* The worker's TCP path minus the mbuf: @return drop reason or 0 */
static int
run(uint8_t *frame, size_t len, struct bs_tcp_verdict *v, uint32_t *out_len,
		bool hw_csum)
{
	struct rte_ether_addr mac;
	struct bs_tcp_seg s;
	struct bs_pkt p;
	int rc;

	memcpy(mac.addr_bytes, t_port_mac, 6);
	rc = bs_pkt_parse(&p, frame, (uint32_t)len, (uint32_t)len, &mac, false);
	if (rc == 0)
		rc = bs_addr_check(&addrs, &p, frame);
	if (rc == 0)
		rc = bs_tcp_seg_parse(&s, frame + p.l2_len + p.l3_len, p.l4_len,
			(uint32_t)len - p.l2_len - p.l3_len);
	if (rc != 0)
		return rc;
	if (bs_tcp_input(&s, v) == BS_TCP_DISCARD)
		return v->reason;
	if (p.kind == BS_PKT_IPV4 && p.l3_len > 20) {	/* as the worker does */
		struct bs_ip4_opts o;

		rc = bs_ip4_opts_rcv(frame + p.l2_len, &addrs, p.vlan, 0, &o);
		if (rc != 0 || bs_ip4_opts_echo(frame + p.l2_len, &o, &addrs, p.vlan, 0) < 0)
			return rc != 0 ? rc : -1;
	}
	*out_len = bs_tcp_rst_write(frame, &p, &s, v, &mac, &ipc, hw_csum);
	return 0;
}

static void
seg_for_case(struct tseg *s, unsigned int flags, bool v6, uint16_t vlan)
{
	t_seg_init(s, v6, vlan);
	if (vlan != 0) {
		s->src[v6 ? 5 : 2] = 1;
		s->dst[v6 ? 5 : 2] = 1;
	}
	s->flags = (uint8_t)flags;
	s->seq = 0xfffffff0u + flags;	/* wraps for the larger payloads */
	s->ack = 0x01020304u * (flags + 1);
	s->payload = (uint16_t)((flags * 7) % 23);
	s->tos = (uint8_t)flags;	/* every ECN codepoint appears */
	s->sport = (uint16_t)(1024 + flags);
}

/* Every flag byte, both families, with and without a VLAN tag. */
static void
test_every_flag_combination(void)
{
	unsigned int flags, fam, vl;

	for (fam = 0; fam < 2; fam++) {
		for (vl = 0; vl < 2; vl++) {
			for (flags = 0; flags < 256; flags++) {
				uint8_t in[256], want[256];
				struct bs_tcp_verdict v;
				uint32_t len = 0;
				struct tseg s;
				size_t n, wn;
				int rc;

				seg_for_case(&s, flags, fam == 1, vl ? 100 : 0);
				n = t_build_segment(in, &s);
				rc = run(in, n, &v, &len, false);
				if (flags & 0x04) {	/* X1, Q1: never answer a reset */
					CHECK_EQ(rc, BS_DROP_NO_SOCKET, "flags 0x%02x v%d vlan %u",
						flags, fam ? 6 : 4, s.vlan);
					continue;
				}
				CHECK_EQ(rc, 0, "flags 0x%02x v%d vlan %u", flags,
					fam ? 6 : 4, s.vlan);
				CHECK_EQ(v.reason, BS_RST_REASON_NO_SOCKET, "flags 0x%02x", flags);
				wn = t_build_expected_rst(want, &s, 0);
				CHECK_BYTES(in, len, want, wn, "RST bytes");
			}
		}
	}
}

/* Options in, none out; IP options and Ethernet padding are not echoed. */
static void
test_options_and_padding(void)
{
	static const uint8_t syn_opts[] = {
		2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 1, 0, 0, 0, 0, 1, 3, 3, 7 };
	uint8_t in[256], want[256];
	struct bs_tcp_verdict v;
	uint32_t len = 0;
	struct tseg s;
	size_t n;

	t_seg_init(&s, false, 0);
	s.flags = BS_TCP_SYN;
	s.seq = 100;
	memcpy(s.tcp_opts, syn_opts, sizeof(syn_opts));
	s.tcp_opt_len = sizeof(syn_opts);
	s.ip_opt_words = 2;
	n = t_build_segment(in, &s);
	CHECK_EQ(run(in, n, &v, &len, false), 0, "SYN with options");
	CHECK_BYTES(in, len, want, t_build_expected_rst(want, &s, 0), "T1 + options");

	t_seg_init(&s, false, 0);
	s.flags = BS_TCP_ACK;
	s.ack = 5555;
	s.pad_to = 60;	/* minimum Ethernet frame: 6 bytes of padding */
	n = t_build_segment(in, &s);
	CHECK_EQ(n, 60, "padded");
	CHECK_EQ(run(in, n, &v, &len, false), 0, "padded ACK");
	CHECK_BYTES(in, len, want, t_build_expected_rst(want, &s, 0), "T3 padded");
}

/* Q8, Q9, Q7: signed segments get no RST without keys. */
static void
test_auth_options(void)
{
	static const struct {
		uint8_t opts[40];
		uint8_t len;
		int drop;
		const char *what;
	} cases[] = {
		{ { 19, 18 }, 20, BS_DROP_TCP_MD5NOTFOUND, "MD5" },
		{ { 1, 1, 19, 18 }, 20, BS_DROP_TCP_MD5NOTFOUND, "NOP NOP MD5" },
		{ { 29, 16 }, 16, BS_DROP_TCP_AOKEYNOTFOUND, "AO" },
		{ { 29, 4 }, 8, BS_DROP_TCP_AUTH_HDR, "AO too short" },
		{ { 19, 17 }, 20, BS_DROP_TCP_AUTH_HDR, "MD5 bad length" },
		{ { 19, 18, [18] = 19, 18 }, 36, BS_DROP_TCP_AUTH_HDR, "two MD5" },
		{ { 2, 1 }, 8, BS_DROP_TCP_AUTH_HDR, "option length 1" },
		{ { 2, 9 }, 8, BS_DROP_TCP_AUTH_HDR, "option past the header" },
		{ { 0, 19, 18 }, 20, 0, "MD5 after EOL is not seen" },
		{ { 1, 1, 1, 1, 19, 18 }, 4, 0, "fewer than 5 bytes left: not parsed" },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		uint8_t in[256];
		struct bs_tcp_verdict v;
		uint32_t len = 0;
		struct tseg s;
		size_t n;

		t_seg_init(&s, i % 2 == 1, 0);
		s.flags = BS_TCP_SYN;
		memcpy(s.tcp_opts, cases[i].opts, sizeof(s.tcp_opts));
		s.tcp_opt_len = cases[i].len;
		n = t_build_segment(in, &s);
		CHECK_EQ(run(in, n, &v, &len, false), cases[i].drop, "%s", cases[i].what);
	}
}

/* net.ipv6.flowlabel_reflect and auto_flowlabels. */
static void
test_flowlabel(void)
{
	uint8_t in[256], want[256];
	struct bs_tcp_verdict v;
	uint32_t len = 0, l1, l2;
	struct tseg s;
	size_t n;

	t_seg_init(&s, true, 0);
	s.flags = BS_TCP_SYN;
	s.label = 0xabcde;

	ipc.flowlabel_reflect = BS_FLOWLABEL_REFLECT_TCP_RESET;
	n = t_build_segment(in, &s);
	CHECK_EQ(run(in, n, &v, &len, false), 0, "reflect");
	CHECK_BYTES(in, len, want, t_build_expected_rst(want, &s, 0xabcde), "reflected label");

	ipc.flowlabel_reflect = BS_FLOWLABEL_REFLECT_ICMPV6_ECHO_REPLIES;
	ipc.auto_flowlabels = true;
	ipc.flow_secret = 0x12345678;
	n = t_build_segment(in, &s);
	CHECK_EQ(run(in, n, &v, &len, false), 0, "auto");
	l1 = (uint32_t)(in[15] & 0x0f) << 16 | (uint32_t)in[16] << 8 | in[17];
	CHECK(l1 != 0 && l1 != 0xabcde, "auto label 0x%x", l1);
	CHECK_BYTES(in, len, want, t_build_expected_rst(want, &s, l1), "auto label frame");
	n = t_build_segment(in, &s);
	run(in, n, &v, &len, false);
	l2 = (uint32_t)(in[15] & 0x0f) << 16 | (uint32_t)in[16] << 8 | in[17];
	CHECK_EQ(l2, l1, "same flow, same label");
	s.sport++;
	n = t_build_segment(in, &s);
	run(in, n, &v, &len, false);
	l2 = (uint32_t)(in[15] & 0x0f) << 16 | (uint32_t)in[16] << 8 | in[17];
	CHECK(l2 != l1, "another flow, another label (0x%x)", l2);
	ipc.auto_flowlabels = false;
	ipc.flowlabel_reflect = 0;
}

/* With TX checksum offload: IPv4 checksum left 0, TCP holds the pseudo sum. */
static void
test_hw_csum(void)
{
	uint8_t in[256], want[256];
	struct bs_tcp_verdict v;
	uint32_t len = 0;
	struct tseg s;
	size_t n, wn;

	t_seg_init(&s, false, 0);
	s.flags = BS_TCP_SYN;
	n = t_build_segment(in, &s);
	CHECK_EQ(run(in, n, &v, &len, true), 0, "hw csum");
	wn = t_build_expected_rst(want, &s, 0);
	CHECK_EQ(len, wn, "length");
	CHECK_EQ(in[24] << 8 | in[25], 0, "IPv4 checksum left to the NIC");
	/* pseudo header: 198.18.0.2 + 198.18.0.1 + 6 + 20, folded, not inverted */
	CHECK_EQ(in[50] << 8 | in[51], (uint16_t)~t_csum(want + 26, 8, 26), "pseudo sum");
}

/*
 * The address check's shortcut for a port with one IPv4 address gives
 * what the loop over the table gives: the same tables with the shortcut
 * off, over sources and destinations that hit every rule (martian first
 * octets, limited and subnet broadcast, our own address as source, other
 * hosts of the subnet, another VLAN), for a host address, an AnyIP
 * prefix, a /31 and a /32, with an IPv6 address beside it or not.
 */
static void
test_one_address_shortcut(void)
{
	static const char *const tables[][2] = {
		{ "198.18.0.2/24", NULL }, { "198.18.0.2/24", "2001:2::2/64" },
		{ "198.18.0.2/24 vlan 100", "2001:2::2/64" }, { "198.18.0.2/31", NULL },
		{ "198.18.0.2/32", "2001:2::2/64 vlan 7" },
	};
	static const uint32_t hosts[] = {
		0xc6120002, 0xc6120001, 0xc61200ff, 0xc6120000, 0xc6120003, 0xc6120102,
		0x00000000, 0x00000001, 0x7f000001, 0xe0000001, 0xefffffff, 0xf0000001,
		0xffffffff, 0x0a000001, 0xc6130002,
	};
	static const uint16_t vlans[] = { 0, 7, 100 };
	unsigned int ti, i, j, k, n = 0, any = 0;

	for (ti = 0; ti < RTE_DIM(tables); ti++) {
		struct bs_addr_table fast, loop;
		uint8_t frame[64];
		struct bs_pkt p;

		memset(&fast, 0, sizeof(fast));
		t_addrs(&fast, tables[ti], tables[ti][1] != NULL ? 2 : 1);
		CHECK_EQ(fast.one4, 1, "table %u takes the shortcut", ti);
		loop = fast;
		loop.one4 = 0;
		memset(&p, 0, sizeof(p));
		memset(frame, 0, sizeof(frame));
		p.kind = BS_PKT_IPV4;
		p.l2_len = 14;
		for (i = 0; i < RTE_DIM(hosts); i++)
			for (j = 0; j < RTE_DIM(hosts); j++)
				for (k = 0; k < RTE_DIM(vlans); k++) {
					uint32_t src = rte_cpu_to_be_32(hosts[i]);
					uint32_t dst = rte_cpu_to_be_32(hosts[j]);
					int a, b;

					memcpy(frame + 14 + 12, &src, 4);
					memcpy(frame + 14 + 16, &dst, 4);
					p.vlan = vlans[k];
					a = bs_addr_check(&fast, &p, frame);
					b = bs_addr_check(&loop, &p, frame);
					CHECK_EQ(a, b, "table %u src %08x dst %08x vlan %u",
						ti, hosts[i], hosts[j], vlans[k]);
					n++;
					any += a == 0;
				}
	}
	CHECK(any > 0, "some packets pass (%u of %u)", any, n);
	/* Two IPv4 addresses: the loop. */
	CHECK_EQ(addrs.one4, 0, "two IPv4 addresses: no shortcut");
}

/*
 * LAND from another VLAN: a source that is any of our addresses is dropped
 * whatever the VLAN it is on (Linux: RTN_LOCAL source, and an IPv6 reply
 * to itself), not only the frame's own VLAN's.
 */
static void
test_land_any_vlan(void)
{
	static const uint8_t v4[4] = { 198, 18, 1, 2 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0x00, 0x02, 0x00, 0x01, [15] = 2 };
	struct bs_tcp_verdict v;
	uint8_t frame[256];
	struct tseg s;
	uint32_t len;
	int fam;

	for (fam = 0; fam < 2; fam++) {
		t_seg_init(&s, fam == 1, 0);
		s.flags = BS_TCP_SYN;
		memcpy(s.src, fam == 1 ? v6 : v4, fam == 1 ? 16 : 4);
		CHECK_EQ(run(frame, t_build_segment(frame, &s), &v, &len, false),
			BS_DROP_IP_LOCAL_SOURCE, "IPv%d source on VLAN 100, frame untagged",
			fam == 1 ? 6 : 4);
		t_seg_init(&s, fam == 1, 100);
		s.flags = BS_TCP_SYN;
		s.src[fam == 1 ? 15 : 3] = 2;
		s.src[fam == 1 ? 5 : 2] = 0;	/* the untagged address */
		memcpy(s.dst, fam == 1 ? v6 : v4, fam == 1 ? 16 : 4);
		CHECK_EQ(run(frame, t_build_segment(frame, &s), &v, &len, false),
			BS_DROP_IP_LOCAL_SOURCE, "IPv%d untagged source, frame on VLAN 100",
			fam == 1 ? 6 : 4);
	}
}

int
main(void)
{
	addrs_init();
	test_land_any_vlan();
	test_one_address_shortcut();
	test_every_flag_combination();
	test_options_and_padding();
	test_auth_options();
	test_flowlabel();
	test_hw_csum();
	return bs_test_done();
}
