/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture without a worker: the filter's words (parse, errors that change
 * nothing, format read back), its address and port matching on crafted
 * frames (IPv4, IPv6, VLAN, ARP, a later fragment), the comments, and the
 * pcapng blocks byte by byte.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_capture.h"
#include "bs_drop.h"
#include "bs_rst_reason.h"
#include "bs_test.h"
#include "capture_internal.h"

static int
parse(struct bs_capture_filter *f, const char *s, char *err, size_t errlen)
{
	return bs_capture_filter_parse_str(f, s, err, errlen);
}

static void
test_parse(void)
{
	struct bs_capture_filter f, g, marker;
	char err[256], buf[256];
	static const struct {
		const char *words, *msg;
	} bad[] = {
		{ "bogus", "unknown argument 'bogus'" },
		{ "resets drops", "'drops': what to capture is given twice" },
		{ "host", "'host' needs a value" },
		{ "host 198.18.0.300", "host '198.18.0.300' is not an IPv4 or IPv6 address" },
		{ "host ::1 host ::2 host ::3", "more than two hosts" },
		{ "port 1 port 2 port 3", "more than two ports" },
		{ "port 65536", "port '65536' is not an integer from 0 to 65535" },
		{ "port -1", "port '-1' is not an integer from 0 to 65535" },
		{ "port 23x", "port '23x' is not an integer from 0 to 65535" },
		{ "snaplen 15", "snaplen '15' is not an integer from 16 to 65535" },
		{ "snaplen 65536", "snaplen '65536' is not an integer from 16 to 65535" },
		{ "count 0", "count '0' is not a positive integer" },
		{ "bytes 99999999999999999999", "bytes '99999999999999999999' is not a positive integer" },
	};
	unsigned int i;

	CHECK_EQ(parse(&f, "", err, sizeof(err)), 0, "empty: %s", err);
	CHECK_EQ(f.what, BS_CAPTURE_ALL, "default: all");
	CHECK_EQ(f.snaplen, 65535, "default snaplen");
	CHECK(f.n_hosts == 0 && f.n_ports == 0 && f.count == 0 && f.bytes == 0, "no tuple, no limit");
	bs_capture_filter_format(&f, buf, sizeof(buf));
	CHECK(strcmp(buf, "all snaplen 65535") == 0, "format: %s", buf);

	CHECK_EQ(parse(&f, "resets", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(f.what, 1u << BS_CAPTURE_RESET, "resets");
	CHECK_EQ(parse(&f, "sends", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(f.what, 1u << BS_CAPTURE_SEND | 1u << BS_CAPTURE_RESET, "sends: resets too");
	CHECK_EQ(parse(&f, "drops", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(f.what, 1u << BS_CAPTURE_DROP, "drops");

	CHECK_EQ(parse(&f, "  host 198.18.0.1\thost 2001:2::1 resets port 23 port 40000 snaplen 100 "
		"count 5 bytes 1000 ", err, sizeof(err)), 0, "%s", err);
	bs_capture_filter_format(&f, buf, sizeof(buf));
	CHECK(strcmp(buf, "resets host 198.18.0.1 host 2001:2::1 port 23 port 40000 snaplen 100 "
		"count 5 bytes 1000") == 0, "format: %s", buf);
	CHECK_EQ(parse(&g, buf, err, sizeof(err)), 0, "read back: %s", err);
	CHECK(memcmp(&f, &g, sizeof(f)) == 0, "format reads back to the same filter");

	for (i = 0; i < RTE_DIM(bad); i++) {
		memset(&marker, 0x5a, sizeof(marker));
		f = marker;
		err[0] = '\0';
		CHECK_EQ(parse(&f, bad[i].words, err, sizeof(err)), -1, "'%s' refused", bad[i].words);
		CHECK(strcmp(err, bad[i].msg) == 0, "'%s': %s", bad[i].words, err);
		CHECK(memcmp(&f, &marker, sizeof(f)) == 0, "'%s': filter unchanged", bad[i].words);
	}
}

/* Ethernet (optionally one VLAN tag), IPv4 or IPv6, TCP ports. */
static uint32_t
frame_ip(uint8_t *b, bool v6, bool vlan, const uint8_t *src, const uint8_t *dst,
		uint16_t sport, uint16_t dport, uint16_t frag)
{
	uint32_t off = 12;

	memset(b, 0, 128);
	if (vlan) {
		b[off] = 0x81;
		b[off + 1] = 0x00;
		b[off + 3] = 100;
		off += 4;
	}
	b[off] = v6 ? 0x86 : 0x08;
	b[off + 1] = v6 ? 0xdd : 0x00;
	off += 2;
	if (v6) {
		b[off] = 0x60;
		b[off + 6] = 6;
		memcpy(b + off + 8, src, 16);
		memcpy(b + off + 24, dst, 16);
		off += 40;
	} else {
		b[off] = 0x45;
		b[off + 6] = (uint8_t)(frag >> 8);
		b[off + 7] = (uint8_t)frag;
		b[off + 9] = 6;
		memcpy(b + off + 12, src, 4);
		memcpy(b + off + 16, dst, 4);
		off += 20;
	}
	b[off] = (uint8_t)(sport >> 8);
	b[off + 1] = (uint8_t)sport;
	b[off + 2] = (uint8_t)(dport >> 8);
	b[off + 3] = (uint8_t)dport;
	b[off + 13] = 0x02;
	return off + 20;
}

static bool
match(const char *words, const uint8_t *fr, uint32_t len)
{
	struct bs_capture_filter f;
	char err[256];

	if (parse(&f, words, err, sizeof(err)) != 0) {
		printf("bad filter '%s': %s\n", words, err);
		return false;
	}
	return bs_capture_filter_tuple(&f, fr, len);
}

static void
test_tuple(void)
{
	static const uint8_t a4[4] = { 198, 18, 0, 1 }, b4[4] = { 198, 18, 0, 2 };
	static const uint8_t a6[16] = { 0x20, 0x01, 0, 2, [15] = 1 };
	static const uint8_t b6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
	uint8_t fr[128];
	uint32_t n;

	/* 198.18.0.1:40000 -> 198.18.0.2:23 */
	n = frame_ip(fr, false, false, a4, b4, 40000, 23, 0);
	CHECK(match("", fr, n), "no tuple: everything");
	CHECK(match("host 198.18.0.1", fr, n), "host: the source");
	CHECK(match("host 198.18.0.2", fr, n), "host: the destination");
	CHECK(!match("host 198.18.0.3", fr, n), "host: neither");
	CHECK(match("host 198.18.0.1 port 23", fr, n), "tcpdump's host and port: independent");
	CHECK(match("port 40000", fr, n), "port: the source");
	CHECK(!match("port 24", fr, n), "port: neither");
	CHECK(match("host 198.18.0.2 host 198.18.0.1", fr, n), "two hosts, either way round");
	CHECK(!match("host 198.18.0.1 host 198.18.0.1", fr, n), "two hosts: both ends");
	CHECK(match("host 198.18.0.1 host 198.18.0.2 port 23 port 40000", fr, n), "4-tuple");
	CHECK(!match("host 198.18.0.1 host 198.18.0.2 port 23 port 40001", fr, n), "4-tuple, other port");
	CHECK(!match("host ::ffff:198.18.0.3", fr, n), "IPv4-mapped spelling of another address");
	CHECK(match("host ::ffff:198.18.0.1", fr, n), "IPv4-mapped spelling");
	CHECK(!match("host 2001:2::1", fr, n), "an IPv6 host and an IPv4 frame");
	CHECK(!match("port 23", fr, 14 + 20 + 3), "ports cut off: no port match");
	CHECK(match("host 198.18.0.1", fr, 14 + 20), "addresses without ports");
	CHECK(!match("host 198.18.0.1", fr, 14 + 19), "IPv4 header cut off");

	n = frame_ip(fr, false, true, a4, b4, 40000, 23, 0);
	CHECK(match("host 198.18.0.1 port 23", fr, n), "VLAN");
	n = frame_ip(fr, false, false, a4, b4, 40000, 23, 8);
	CHECK(match("host 198.18.0.1", fr, n), "later fragment: addresses");
	CHECK(!match("port 23", fr, n), "later fragment: no ports");
	n = frame_ip(fr, true, false, a6, b6, 40000, 23, 0);
	CHECK(match("host 2001:2::1 port 23", fr, n), "IPv6");
	CHECK(match("host 2001:2::2 host 2001:2::1 port 40000 port 23", fr, n), "IPv6 4-tuple");
	CHECK(!match("host 198.18.0.1", fr, n), "an IPv4 host and an IPv6 frame");

	/* ARP request: sender 198.18.0.1, target 198.18.0.2 */
	memset(fr, 0, sizeof(fr));
	fr[12] = 0x08;
	fr[13] = 0x06;
	memcpy(fr + 14 + 14, a4, 4);
	memcpy(fr + 14 + 24, b4, 4);
	CHECK(match("host 198.18.0.1", fr, 42), "ARP sender");
	CHECK(match("host 198.18.0.2", fr, 42), "ARP target");
	CHECK(!match("host 198.18.0.1 port 23", fr, 42), "ARP has no ports");
	CHECK(!match("host 198.18.0.1", fr, 41), "ARP cut off");
	fr[12] = 0x88;
	fr[13] = 0xcc;	/* LLDP */
	CHECK(!match("host 198.18.0.1", fr, 42), "another EtherType");
	CHECK(match("drops", fr, 42), "no tuple: any frame");
}

static void
test_comment(void)
{
	uint8_t fr[128];
	static const uint8_t a4[4] = { 198, 18, 0, 1 }, b4[4] = { 198, 18, 0, 2 };
	char buf[128];
	uint32_t n = frame_ip(fr, false, false, a4, b4, 80, 40000, 0);

	bs_capture_comment(BS_CAPTURE_RESET, BS_RST_REASON_NO_SOCKET, fr, n, buf, sizeof(buf));
	CHECK(strcmp(buf, "reset: NO_SOCKET") == 0, "%s", buf);
	bs_capture_comment(BS_CAPTURE_DROP, BS_DROP_TCP_CSUM, fr, n, buf, sizeof(buf));
	CHECK(strcmp(buf, "drop: TCP_CSUM") == 0, "%s", buf);
	fr[14 + 20 + 13] = 0x12;
	bs_capture_comment(BS_CAPTURE_SEND, BS_CAPTURE_NO_REASON, fr, n, buf, sizeof(buf));
	CHECK(strcmp(buf, "send: tcp SYN,ACK") == 0, "%s", buf);
	fr[14 + 20 + 13] = 0x11;
	bs_capture_comment(BS_CAPTURE_SEND, BS_CAPTURE_NO_REASON, fr, n, buf, sizeof(buf));
	CHECK(strcmp(buf, "send: tcp FIN,ACK") == 0, "%s", buf);
	bs_capture_comment(BS_CAPTURE_SEND, BS_CAPTURE_NO_REASON, fr, 10, buf, sizeof(buf));
	CHECK(strcmp(buf, "send: frame") == 0, "truncated: %s", buf);
}

static uint32_t
rd32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);
	return v;
}

static uint16_t
rd16h(const uint8_t *p)
{
	uint16_t v;

	memcpy(&v, p, 2);
	return v;
}

/* A block's framing: its type, total length (a multiple of 4, repeated
 * at its end); @return the length, 0 if broken */
static uint32_t
block(const uint8_t *b, size_t left, uint32_t type)
{
	uint32_t len;

	if (left < 12 || rd32(b) != type)
		return 0;
	len = rd32(b + 4);
	if (len % 4 != 0 || len > left || rd32(b + len - 4) != len)
		return 0;
	return len;
}

static void
test_pcapng(void)
{
	static const uint8_t data[5] = { 1, 2, 3, 4, 5 };
	uint8_t buf[1024];
	FILE *fp = tmpfile();
	size_t n, off = 0;
	long w0, w1, w2;
	uint32_t len;

	if (fp == NULL) {
		CHECK(0, "tmpfile");
		return;
	}
	w0 = pcapng_write_shb(fp, "Backstop");
	w1 = pcapng_write_idb(fp, "net_pcap0", 100);
	w2 = pcapng_write_epb(fp, 1, 0x123456789abcdefull, data, 5, 60, 2, "reset: NO_SOCKET");
	CHECK_EQ(w2, pcapng_epb_size(5, "reset: NO_SOCKET"), "EPB size");
	rewind(fp);
	n = fread(buf, 1, sizeof(buf), fp);
	fclose(fp);
	CHECK_EQ(n, (size_t)(w0 + w1 + w2), "bytes written");

	len = block(buf, n, 0x0A0D0D0A);
	CHECK_EQ(len, w0, "SHB framing");
	CHECK_EQ(rd32(buf + 8), 0x1A2B3C4D, "byte-order magic");
	CHECK(rd16h(buf + 12) == 1 && rd16h(buf + 14) == 0, "version 1.0");
	CHECK(rd16h(buf + 24) == 4 && rd16h(buf + 26) == 8 && memcmp(buf + 28, "Backstop", 8) == 0,
		"shb_userappl");
	off += len;

	len = block(buf + off, n - off, 1);
	CHECK_EQ(len, w1, "IDB framing");
	CHECK(rd16h(buf + off + 8) == 1 && rd32(buf + off + 12) == 100, "Ethernet, snaplen 100");
	CHECK(rd16h(buf + off + 16) == 2 && rd16h(buf + off + 18) == 9 &&
		memcmp(buf + off + 20, "net_pcap0", 9) == 0, "if_name");
	CHECK(rd16h(buf + off + 32) == 9 && rd16h(buf + off + 34) == 1 && buf[off + 36] == 9,
		"if_tsresol 9 (ns)");
	off += len;

	len = block(buf + off, n - off, 6);
	CHECK_EQ(len, w2, "EPB framing");
	CHECK_EQ(rd32(buf + off + 8), 1, "interface 1");
	CHECK(rd32(buf + off + 12) == 0x01234567 && rd32(buf + off + 16) == 0x89abcdef, "timestamp");
	CHECK(rd32(buf + off + 20) == 5 && rd32(buf + off + 24) == 60, "captured 5 of 60");
	CHECK(memcmp(buf + off + 28, data, 5) == 0 && buf[off + 33] == 0 && buf[off + 35] == 0,
		"data, padded to 8");
	CHECK(rd16h(buf + off + 36) == 1 && rd16h(buf + off + 38) == 16 &&
		memcmp(buf + off + 40, "reset: NO_SOCKET", 16) == 0, "opt_comment");
	CHECK(rd16h(buf + off + 56) == 2 && rd16h(buf + off + 58) == 4 && rd32(buf + off + 60) == 2,
		"epb_flags outbound");
	CHECK(rd16h(buf + off + 64) == 0 && rd16h(buf + off + 66) == 0, "opt_endofopt");
	CHECK_EQ(off + len, n, "nothing after");
}

int
main(void)
{
	test_parse();
	test_tuple();
	test_comment();
	test_pcapng();
	return bs_test_done();
}
