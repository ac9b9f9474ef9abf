/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Frame parsing and validation (rows Q2, Q3, Q4, Q5) and the checksum
 * helpers, against frames built byte by byte in frames.c.
 */
#include <stdlib.h>

#include "bs_addr.h"
#include "bs_tcp.h"
#include "bs_test.h"
#include "frames.h"

static struct rte_ether_addr mac;

static int
parse(const uint8_t *f, size_t n, struct bs_pkt *p)
{
	return bs_pkt_parse(p, f, (uint32_t)n, (uint32_t)n, &mac, false);
}

static void
test_checksums(void)
{
	/* RFC 1071 section 3 example: the sum of these words is 0xddf2. */
	static const uint8_t rfc1071[] = { 0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7 };
	uint8_t buf[1500];
	unsigned int n;

	/* DPDK sums 16-bit words as they lie in memory: compare in wire order. */
	CHECK_EQ(rte_be_to_cpu_16(bs_csum_fold(__rte_raw_cksum(rfc1071,
		sizeof(rfc1071), 0))), 0xddf2, "RFC 1071 example");
	srand(7);
	for (n = 0; n < 200; n++) {
		unsigned int len = (unsigned int)rand() % sizeof(buf), i;

		for (i = 0; i < len; i++)
			buf[i] = (uint8_t)rand();
		CHECK_EQ(rte_be_to_cpu_16(bs_csum_ipv4_hdr(buf, len)), t_csum(buf, len, 0),
			"len %u", len);
	}
}

/* The stray path's sums against the plain one, for every length they take
 * and every alignment: the word read whole past the end
 * (bs_csum_add_overread) and the 64 bytes masked (bs_csum_add64_masked),
 * over bytes of all values, the extremes included (all 0xff: the bias of
 * the masked sum's signed lanes; all 0), with garbage after the end that
 * must not count. */
static void
test_stray_sums(void)
{
	uint8_t buf[BS_CSUM_MASKED_MAX + 16 + 8];
	unsigned int len, off, round, i;

	for (round = 0; round < 4; round++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = round == 0 ? 0xff : round == 1 ? 0 : (uint8_t)rand();
		for (off = 0; off < 16; off++) {
			for (len = 0; len <= BS_CSUM_MASKED_MAX; len++) {
				uint64_t seed = round == 3 ? UINT64_C(0xfffffffffff0) : 0;
				uint16_t want = bs_csum_fold(bs_csum_add(buf + off, len, seed));

				if (round < 2)	/* garbage past the end */
					buf[off + len < sizeof(buf) ? off + len : 0] ^= 0x5a;
				CHECK_EQ(bs_csum_fold(bs_csum_add64_masked(buf + off, len, seed)),
					want, "masked: round %u offset %u len %u", round, off, len);
				CHECK_EQ(bs_csum_fold(bs_csum_add_overread(buf + off, len, seed)),
					want, "overread: round %u offset %u len %u", round, off, len);
				if (round < 2)
					buf[off + len < sizeof(buf) ? off + len : 0] ^= 0x5a;
			}
		}
	}
}

/* The endpoint's payload sum (bs_csum_add_wide: 16 bytes a step, then the
 * overread word) against the plain one, lengths 0-320 (several steps and
 * every tail) at every alignment, extremes and garbage past the end as
 * above. */
static void
test_wide_sum(void)
{
	uint8_t buf[320 + 16 + 8];
	unsigned int len, off, round, i;

	for (round = 0; round < 4; round++) {
		for (i = 0; i < sizeof(buf); i++)
			buf[i] = round == 0 ? 0xff : round == 1 ? 0 : (uint8_t)rand();
		for (off = 0; off < 16; off++) {
			for (len = 0; len <= 320; len++) {
				uint64_t seed = round == 3 ? UINT64_C(0xfffffffffff0) : 0;
				uint16_t want = bs_csum_fold(bs_csum_add(buf + off, len, seed));

				if (round < 2)
					buf[off + len] ^= 0x5a;
				CHECK_EQ(bs_csum_fold(bs_csum_add_wide(buf + off, len, seed)),
					want, "wide: round %u offset %u len %u", round, off, len);
				if (round < 2)
					buf[off + len] ^= 0x5a;
			}
		}
	}
}

static void
test_valid(void)
{
	uint8_t f[256];
	struct bs_pkt p;
	struct tseg s;
	size_t n;

	t_seg_init(&s, false, 0);
	s.payload = 5;
	n = t_build_segment(f, &s);
	CHECK_EQ(parse(f, n, &p), 0, "IPv4");
	CHECK_EQ(p.kind, BS_PKT_IPV4, "kind");
	CHECK_EQ(p.l2_len, 14, "l2");
	CHECK_EQ(p.l3_len, 20, "l3");
	CHECK_EQ(p.l4_len, 25, "l4");
	CHECK_EQ(p.l4_proto, 6, "proto");
	CHECK_EQ(bs_csum_l4(f + 14, BS_PKT_IPV4, f + 34, 25, 6) == 0 ||
		bs_csum_l4(f + 14, BS_PKT_IPV4, f + 34, 25, 6) == 0xffff, 1,
		"a valid segment sums to zero");

	t_seg_init(&s, true, 100);
	s.pad_to = 100;
	n = t_build_segment(f, &s);
	CHECK_EQ(parse(f, n, &p), 0, "IPv6 + VLAN");
	CHECK_EQ(p.kind, BS_PKT_IPV6, "kind");
	CHECK_EQ(p.vlan, 100, "vlan");
	CHECK_EQ(p.l2_len, 18, "l2");
	CHECK_EQ(p.l3_len, 40, "l3");
	CHECK_EQ(p.l4_len, 20, "l4 excludes the padding");
}

/* Cut a valid frame at every length: never accepted, never read past n. */
static void
test_truncation(void)
{
	uint8_t f[256], *copy;
	unsigned int fam, vl;

	for (fam = 0; fam < 2; fam++) {
		for (vl = 0; vl < 2; vl++) {
			struct tseg s;
			size_t n, cut;

			t_seg_init(&s, fam == 1, vl ? 100 : 0);
			s.payload = 3;
			n = t_build_segment(f, &s);
			for (cut = 0; cut < n; cut++) {
				struct bs_pkt p;
				struct bs_tcp_seg ts;
				int rc;

				copy = malloc(cut + 1);	/* ASan sees any overread */
				memcpy(copy, f, cut);
				rc = bs_pkt_parse(&p, copy, (uint32_t)cut, (uint32_t)cut, &mac, false);
				if (rc == 0)
					rc = bs_tcp_seg_parse(&ts, copy + p.l2_len + p.l3_len,
						p.l4_len, (uint32_t)cut - p.l2_len - p.l3_len);
				CHECK_EQ(rc, BS_DROP_PKT_TOO_SMALL, "v%d vlan %d cut at %zu of %zu",
					fam ? 6 : 4, vl, cut, n);
				free(copy);
			}
		}
	}
}

static void
test_bad_headers(void)
{
	uint8_t f[256];
	struct bs_pkt p;
	struct tseg s;
	size_t n;

	t_seg_init(&s, false, 0);
	n = t_build_segment(f, &s);
	f[14] = 0x44;	/* IHL 4 */
	CHECK_EQ(parse(f, n, &p), BS_DROP_IP_INHDR, "IHL 4");
	n = t_build_segment(f, &s);
	f[14] = 0x65;	/* version 6 in an IPv4 EtherType */
	CHECK_EQ(parse(f, n, &p), BS_DROP_IP_INHDR, "version");
	n = t_build_segment(f, &s);
	f[24] ^= 0x01;	/* IPv4 header checksum */
	CHECK_EQ(parse(f, n, &p), BS_DROP_IP_CSUM, "IP checksum");
	CHECK_EQ(bs_pkt_parse(&p, f, (uint32_t)n, (uint32_t)n, &mac, true), 0,
		"NIC said the IP checksum is good");
	n = t_build_segment(f, &s);
	f[5] = 0x09;	/* another host's MAC */
	CHECK_EQ(parse(f, n, &p), BS_DROP_OTHERHOST, "other host (Q2)");
	n = t_build_segment(f, &s);
	f[6] = 0x01;	/* multicast source MAC */
	CHECK_EQ(parse(f, n, &p), BS_DROP_MAC_INVALID_SOURCE, "multicast source MAC");
	n = t_build_segment(f, &s);
	f[12] = 0x88;
	f[13] = 0xa8;	/* QinQ outer tag */
	CHECK_EQ(parse(f, n, &p), BS_DROP_UNHANDLED_PROTO, "QinQ");
	n = t_build_segment(f, &s);
	f[23] = 17;	/* UDP */
	f[24] = f[25] = 0;
	{
		uint16_t c = t_csum(f + 14, 20, 0);

		f[24] = (uint8_t)(c >> 8);
		f[25] = (uint8_t)c;
	}
	CHECK_EQ(parse(f, n, &p), BS_DROP_UNHANDLED_PROTO, "UDP");
}

/* @p f (an untagged IPv6 segment of @p n bytes) with an extension header
 * of kind @p kind and body @p body (its first two bytes are filled in)
 * before TCP. @return the new length */
static size_t
add_ext(uint8_t *f, size_t n, uint8_t kind, const uint8_t *body, size_t len)
{
	uint16_t plen = (uint16_t)(f[18] << 8 | f[19]);

	memmove(f + 54 + len, f + 54, n - 54);
	memcpy(f + 54, body, len);
	f[54] = f[20];
	f[55] = (uint8_t)(len / 8 - 1);
	f[20] = kind;
	plen = (uint16_t)(plen + len);
	f[18] = (uint8_t)(plen >> 8);
	f[19] = (uint8_t)plen;
	return n + len;
}

/* The options of hop-by-hop and destination options headers (ip6_parse_tlv). */
static void
test_ipv6_tlv(void)
{
	static const struct {
		const char *what;
		uint8_t body[24];
		uint8_t len;
		int want_dst, want_hbh;
	} c[] = {
		{ "PadN 4", { 0, 0, 1, 4, 0, 0, 0, 0 }, 8, 0, 0 },
		{ "six Pad1", { 0 }, 8, 0, 0 },
		{ "unknown 00: skipped", { 0, 0, 0x1e, 2, 9, 9, 1, 0 }, 8, 0, 0 },
		{ "unknown 01: discard", { 0, 0, 0x5e, 2, 9, 9, 1, 0 }, 8, -1, -1 },
		{ "unknown 10: discard", { 0, 0, 0x9e, 2, 9, 9, 1, 0 }, 8, -1, -1 },
		{ "unknown 11: discard", { 0, 0, 0xde, 2, 9, 9, 1, 0 }, 8, -1, -1 },
		{ "PadN not zero", { 0, 0, 1, 4, 0, 7, 0, 0 }, 8, -1, -1 },
		{ "14 bytes of padding", { 0, 0, 1, 12 }, 16, -1, -1 },
		{ "option past the header", { 0, 0, 0x1e, 9 }, 8, -1, -1 },
		{ "router alert", { 0, 0, 5, 2, 0, 0, 1, 0 }, 8, 0, 0 },
		{ "router alert of length 3", { 0, 0, 5, 3, 0, 0, 0, 0 }, 8, 0, -1 },
		{ "jumbo payload", { 0, 0, 0xc2, 4, 0, 1, 0, 0 }, 8, -1, -1 },
		{ "seven options", { 0, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0,
			0x1e, 0, 0x1e, 0 }, 16, 0, 0 },
		{ "eight options", { 0, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0,
			0x1e, 0, 0x1e, 0, 0x1e, 0, 1, 4 }, 24, 0, 0 },
		{ "nine options (max_dst_opts_cnt 8)", { 0, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0,
			0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 0x1e, 0, 1, 2 }, 24, -1, -1 },
	};
	uint8_t f[512];
	struct bs_pkt p;
	struct tseg s;
	unsigned int i, k;
	size_t n;

	t_seg_init(&s, true, 0);
	for (i = 0; i < RTE_DIM(c); i++)
		for (k = 0; k < 2; k++) {
			int want = k == 0 ? c[i].want_dst : c[i].want_hbh;

			n = add_ext(f, t_build_segment(f, &s), k == 0 ? 60 : 0, c[i].body,
				c[i].len);
			CHECK_EQ(parse(f, n, &p), want == 0 ? 0 : BS_DROP_IPV6_BAD_EXTHDR,
				"%s in a %s header", c[i].what, k == 0 ? "destination options" :
				"hop-by-hop");
		}
	/* A chain as long as the packet holds: Linux has no other limit. */
	n = t_build_segment(f, &s);
	for (i = 0; i < 40; i++) {
		static const uint8_t d[8] = { 0, 0, 1, 4 };

		n = add_ext(f, n, 60, d, 8);
	}
	CHECK_EQ(parse(f, n, &p), 0, "forty destination options headers");
	CHECK_EQ(p.l3_len, 40 + 40 * 8, "their length");
}

int
main(void)
{
	memcpy(mac.addr_bytes, t_port_mac, 6);
	test_checksums();
	test_stray_sums();
	test_wide_sum();
	test_valid();
	test_truncation();
	test_bad_headers();
	test_ipv6_tlv();
	return bs_test_done();
}
