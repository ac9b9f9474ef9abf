/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backstop-gen's checker (lib/gen) fed right and wrong replies: the right
 * ones are what Backstop's own stray path writes (parse -> bs_tcp_input ->
 * bs_tcp_rst_write, the code the generator is meant to check, which
 * lib/gen does not use), the wrong ones the same frames with one field
 * changed and the checksums redone, so each field's test must catch it.
 * Also: the tuple permutation is a bijection that the receive side
 * inverts, the mix parser, the histogram.
 */
#include <stdlib.h>

#include "bs_gen.h"
#include "bs_tcp.h"
#include "bs_test.h"

static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };

static void
flow_default(struct bs_gen_flow *f, uint8_t family)
{
	char err[128];
	int k;

	/* backstop-gen's default, every kind in equal shares, seed 7 */
	bs_gen_flow_defaults(f);
	f->family = family;
	f->seed = 7;
	for (k = 0; k < BS_GEN_KIND_MAX; k++)
		f->weight[k] = 1;
	CHECK(bs_gen_flow_init(f, err, sizeof(err)) == 0, "%s", err);
}

/* Backstop's stray path on a frame: its RST in place. @return length, 0
 * if Backstop sends nothing */
static uint32_t
backstop_reply(const struct bs_gen_flow *f, uint8_t *frame, uint32_t len)
{
	struct bs_tcp_verdict v;
	struct bs_tcp_seg s;
	struct bs_pkt p;

	if (bs_pkt_parse(&p, frame, len, len, &f->dst_mac, false) != 0 ||
			bs_tcp_seg_parse(&s, frame + p.l2_len + p.l3_len, p.l4_len,
				len - p.l2_len - p.l3_len) != 0)
		return 0;
	if (!bs_csum_verifies(bs_csum_add(frame + p.l2_len + p.l3_len, p.l4_len,
			bs_pkt_pseudo(&p, p.l4_len, IPPROTO_TCP))))
		return 0;	/* the worker's TCP checksum test (Q4) */
	if (bs_tcp_input(&s, &v) == BS_TCP_DISCARD)
		return 0;
	return bs_tcp_rst_write(frame, &p, &s, &v, &f->dst_mac, &ipc, false);
}

/* Redo the IPv4 header and TCP checksums of a frame. */
static void
fix_csums(uint8_t *fr, uint32_t len)
{
	bool v6 = fr[12] == 0x86;
	uint8_t *l3 = fr + 14, *th = l3 + (v6 ? 40 : 20);
	uint32_t l4 = len - 14 - (v6 ? 40 : 20);
	uint16_t c;

	if (!v6) {
		l3[10] = l3[11] = 0;
		c = bs_csum_ipv4_hdr(l3, 20);
		memcpy(l3 + 10, &c, 2);
	}
	th[16] = th[17] = 0;
	c = bs_csum_l4(l3, v6 ? BS_PKT_IPV6 : BS_PKT_IPV4, th, l4, IPPROTO_TCP);
	memcpy(th + 16, &c, 2);
}

static void
test_perm(void)
{
	struct bs_gen_flow f;
	struct bs_gen_seg s;
	uint8_t src[16], seen[105] = { 0 };
	uint64_t i, pos;
	char err[128];

	flow_default(&f, 0);
	for (i = 0; i < 20000; i++) {
		uint64_t idx = i * UINT64_C(2654435761);

		bs_gen_seg(&f, idx, &s);
		bs_gen_src_addr(&f, s.v6, s.src_idx, src);
		CHECK(bs_gen_tuple_pos(&f, s.v6, src, s.sport, s.dport, &pos) == 0 &&
			pos == idx % f.space, "index %llu", (unsigned long long)idx);
	}
	/* A small space: every position once. */
	f.src_n = 3;
	f.sport_n = 5;
	f.dport_n = 7;
	CHECK(bs_gen_flow_init(&f, err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < 105; i++) {
		bs_gen_seg(&f, i, &s);
		bs_gen_src_addr(&f, s.v6, s.src_idx, src);
		CHECK(bs_gen_tuple_pos(&f, s.v6, src, s.sport, s.dport, &pos) == 0 && pos == i,
			"small %llu", (unsigned long long)i);
		seen[s.src_idx + 3 * ((s.sport - 1024) + 5 * (s.dport - 1))]++;
	}
	for (i = 0; i < 105; i++)
		CHECK_EQ(seen[i], 1, "tuple %llu", (unsigned long long)i);
	/* Not the flow's: a source port outside the range. */
	bs_gen_src_addr(&f, false, 0, src);
	CHECK(bs_gen_tuple_pos(&f, false, src, 1023, 1, &pos) != 0, "sport 1023");
}

static void
test_mix(void)
{
	unsigned int w[BS_GEN_KIND_MAX];
	char err[128];

	CHECK(bs_gen_mix_parse("syn:3,data,rst:0", w, err, sizeof(err)) == 0, "%s", err);
	CHECK_EQ(w[BS_GEN_KIND_SYN], 3, "syn");
	CHECK_EQ(w[BS_GEN_KIND_DATA], 1, "data");
	CHECK_EQ(w[BS_GEN_KIND_RST] + w[BS_GEN_KIND_ACK], 0, "rst, ack");
	CHECK(bs_gen_mix_parse("syn,bogus", w, err, sizeof(err)) != 0, "bogus");
	CHECK(strstr(err, "bogus") != NULL, "%s", err);
	CHECK(bs_gen_mix_parse("syn:x", w, err, sizeof(err)) != 0, "syn:x");
	CHECK(bs_gen_mix_parse("rst:0", w, err, sizeof(err)) != 0, "all zero");
}

/* Every kind, both families: Backstop's replies all check, nothing lost. */
static void
test_backstop_replies(void)
{
	static struct bs_gen_track t;
	struct bs_gen_flow f;
	struct bs_gen_seg s;
	uint8_t fr[BS_GEN_FRAME_MAX];
	uint64_t i, replies = 0;

	flow_default(&f, 0);
	CHECK(bs_gen_track_init(&t, &f, 12, 10) == 0, "init");
	for (i = 0; i < 3000; i++) {
		uint32_t len;

		bs_gen_seg(&f, i, &s);
		len = bs_gen_seg_frame(&f, &s, fr);
		bs_gen_track_sent(&t, &s, 100);
		len = backstop_reply(&f, fr, len);
		if (len != 0) {
			replies++;
			bs_gen_track_reply(&t, fr, len, 150);
		}
	}
	bs_gen_track_finish(&t);
	CHECK_EQ(t.mismatches, 0, "first: %s", t.n_errs ? t.errs[0] : "");
	CHECK_EQ(t.ok, t.due, "all due answered");
	CHECK_EQ(replies, t.due, "Backstop answers what is due");
	CHECK_EQ(t.lost, 0, "lost");
	CHECK(t.sent_kind[BS_GEN_KIND_RST] > 300 && t.sent_kind[BS_GEN_KIND_INVALID] > 300,
		"every kind sent");
	CHECK_EQ(t.replies[BS_GEN_REPLY_RST] + t.replies[BS_GEN_REPLY_RST_ACK], t.due, "kinds");
	CHECK_EQ(t.lat.n, t.due, "latency samples");
	CHECK_EQ(bs_gen_hist_pct(&t.lat, 99), 50, "latency");
	bs_gen_track_free(&t);
}

/* One field of a right RST (IPv4) changed: byte offset, new value. */
static const struct {
	const char *name;
	unsigned int off;	/* from the frame start */
	uint8_t val;
	const char *why;	/* in the checker's message */
	bool fix;		/* checksums redone after the change */
} corruptions[] = {
	{ "flags", 14 + 20 + 13, BS_TCP_RST | BS_TCP_ACK, "flags", true },
	{ "seq", 14 + 20 + 7, 0xff, "SEQ", true },
	{ "ack", 14 + 20 + 11, 1, "ACK", true },
	{ "window", 14 + 20 + 15, 1, "window", true },
	{ "urgent", 14 + 20 + 19, 1, "urgent", true },
	{ "ttl", 14 + 8, 63, "TTL", true },
	{ "ip id", 14 + 5, 1, "ID", true },
	{ "df", 14 + 6, 0, "DF", true },
	{ "tos", 14 + 1, 0x10, "TOS", true },
	{ "eth dst", 5, 0x99, "MAC", true },
	{ "eth src", 11, 0x99, "MAC", true },
	{ "ip src", 14 + 12, 0x99, "addresses", true },
	{ "doff", 14 + 20 + 12, 0x60, "header", true },
	{ "tcp csum", 14 + 20 + 7, 0xff, "TCP checksum", false },
	{ "ip csum", 14 + 8, 63, "IPv4 header checksum", false },
};

/* Each corruption of a right reply is one mismatch, named. */
static void
test_wrong_replies(void)
{
	static struct bs_gen_track t;
	struct bs_gen_flow f;
	struct bs_gen_seg s;
	uint8_t fr[BS_GEN_FRAME_MAX], good[BS_GEN_FRAME_MAX];
	uint32_t len, glen;
	unsigned int c;
	uint64_t i;

	flow_default(&f, 4);
	/* An ACK segment (RST reply with SEQ = SEG.ACK) among the first ones. */
	for (i = 0; ; i++) {
		bs_gen_seg(&f, i, &s);
		if (s.kind == BS_GEN_KIND_ACK)
			break;
	}
	glen = backstop_reply(&f, good, bs_gen_seg_frame(&f, &s, good));
	CHECK(glen == 54, "RST length %u", glen);
	for (c = 0; c < RTE_DIM(corruptions); c++) {
		uint64_t j;

		CHECK(bs_gen_track_init(&t, &f, 12, 10) == 0, "init");
		for (j = 0; j <= i; j++) {
			struct bs_gen_seg x;

			bs_gen_seg(&f, j, &x);
			bs_gen_track_sent(&t, &x, 0);
		}
		memcpy(fr, good, glen);
		len = glen;
		fr[corruptions[c].off] = corruptions[c].val;
		if (corruptions[c].off == 14 + 20 + 12) {
			/* doff 6: the 4 bytes after the header become an option */
			memset(fr + len, 0, 4);
			len += 4;
			fr[14 + 3] += 4;	/* IPv4 total length */
		}
		if (corruptions[c].fix)
			fix_csums(fr, len);
		bs_gen_track_reply(&t, fr, len, 0);
		CHECK_EQ(t.mismatches, 1, "%s", corruptions[c].name);
		CHECK(t.n_errs == 1 && strstr(t.errs[0], corruptions[c].why) != NULL,
			"%s: %s", corruptions[c].name, t.n_errs ? t.errs[0] : "(no text)");
		/* The right reply after it still counts, once. */
		bs_gen_track_reply(&t, good, glen, 0);
		CHECK_EQ(t.ok, 1, "%s: then the right one", corruptions[c].name);
		bs_gen_track_reply(&t, good, glen, 0);
		CHECK_EQ(t.duplicates, 1, "%s: twice", corruptions[c].name);
		bs_gen_track_free(&t);
	}
}

/* Replies where silence is due, to segments never sent, and silence where
 * a reply is due. */
static void
test_silence_and_loss(void)
{
	static struct bs_gen_track t;
	struct bs_gen_flow f;
	struct bs_gen_seg s;
	uint8_t fr[BS_GEN_FRAME_MAX];
	uint32_t len;
	uint64_t i, rst = UINT64_MAX, due_ack = UINT64_MAX;

	flow_default(&f, 4);
	CHECK(bs_gen_track_init(&t, &f, 12, 10) == 0, "init");
	for (i = 0; i < 100; i++) {
		bs_gen_seg(&f, i, &s);
		bs_gen_track_sent(&t, &s, 0);
		if (s.kind == BS_GEN_KIND_RST && rst == UINT64_MAX)
			rst = i;
		if (s.kind == BS_GEN_KIND_ACK && due_ack == UINT64_MAX)
			due_ack = i;
	}
	/* A reply to an RST (Linux never answers one: X1): as if the RST
	 * had been an ACK with the same numbers. */
	bs_gen_seg(&f, rst, &s);
	s.kind = BS_GEN_KIND_ACK;
	s.flags = BS_TCP_ACK;
	len = backstop_reply(&f, fr, bs_gen_seg_frame(&f, &s, fr));
	bs_gen_track_reply(&t, fr, len, 0);
	CHECK_EQ(t.mismatches, 1, "reply to an RST");
	CHECK(t.n_errs == 1 && strstr(t.errs[0], "deserves none") != NULL, "%s", t.errs[0]);
	/* A reply to segment 150, never sent. */
	bs_gen_seg(&f, 150, &s);
	len = backstop_reply(&f, fr, bs_gen_seg_frame(&f, &s, fr));
	if (len == 0) {	/* 150 is an rst or invalid one: take an ACK */
		s.kind = BS_GEN_KIND_ACK;
		s.flags = BS_TCP_ACK;
		len = backstop_reply(&f, fr, bs_gen_seg_frame(&f, &s, fr));
	}
	bs_gen_track_reply(&t, fr, len, 0);
	CHECK_EQ(t.mismatches, 2, "reply to a segment not sent");
	/* Every due reply but one. */
	for (i = 0; i < 100; i++) {
		if (i == due_ack)
			continue;
		bs_gen_seg(&f, i, &s);
		len = backstop_reply(&f, fr, bs_gen_seg_frame(&f, &s, fr));
		if (len != 0)
			bs_gen_track_reply(&t, fr, len, 0);
	}
	bs_gen_track_finish(&t);
	CHECK_EQ(t.lost, 1, "one lost");
	CHECK_EQ(t.ok, t.due - 1, "the rest");
	CHECK_EQ(t.mismatches, 2, "no more");
	bs_gen_track_free(&t);
}

/* A listener's SYN-ACK: right, without MSS, with a wrong ACK. */
static void
test_synack(void)
{
	static struct bs_gen_track t;
	static const uint8_t mss[4] = { 2, 4, 0x05, 0xb4 };
	struct bs_gen_flow f, back;
	struct bs_gen_seg s;
	struct bs_gen_hdr h;
	uint8_t fr[BS_GEN_FRAME_MAX];
	uint32_t len, d = bs_be32(BS_GEN_IPV4(198, 18, 0, 2));
	char err[128];

	flow_default(&f, 4);
	f.weight[BS_GEN_KIND_SYN] = 1;
	memset(f.weight + 1, 0, sizeof(f.weight) - sizeof(f.weight[0]));
	f.dport_lo = 80;
	f.dport_n = 1;
	f.n_listen = 1;
	f.listen[0] = 80;
	CHECK(bs_gen_flow_init(&f, err, sizeof(err)) == 0, "%s", err);
	CHECK(bs_gen_track_init(&t, &f, 12, 10) == 0, "init");
	bs_gen_seg(&f, 0, &s);
	bs_gen_track_sent(&t, &s, 0);
	CHECK_EQ(bs_gen_expect(&f, &s), BS_GEN_REPLY_SYN_ACK, "expect");
	back = f;
	back.src_mac = f.dst_mac;
	back.dst_mac = f.src_mac;
	memset(&h, 0, sizeof(h));
	h.flags = BS_TCP_SYN | BS_TCP_ACK;
	h.sport = 80;
	h.dport = s.sport;
	h.seq = 12345;
	h.ack = s.seq + 1;
	h.win = 65535;
	memcpy(h.src, &d, 4);
	bs_gen_src_addr(&f, false, s.src_idx, h.dst);
	h.opt = mss;
	h.opt_len = 0;
	len = bs_gen_tcp_write(&back, &h, fr);
	bs_gen_track_reply(&t, fr, len, 0);
	CHECK(t.mismatches == 1 && strstr(t.errs[0], "MSS") != NULL, "no MSS: %s", t.errs[0]);
	h.opt_len = 4;
	h.ack = s.seq + 2;
	len = bs_gen_tcp_write(&back, &h, fr);
	bs_gen_track_reply(&t, fr, len, 0);
	CHECK(t.mismatches == 2 && strstr(t.errs[1], "ACK") != NULL, "ack: %s", t.errs[1]);
	h.ack = s.seq + 1;
	len = bs_gen_tcp_write(&back, &h, fr);
	bs_gen_track_reply(&t, fr, len, 0);
	CHECK_EQ(t.ok, 1, "right SYN-ACK");
	bs_gen_track_reply(&t, fr, len, 0);
	CHECK_EQ(t.retrans, 1, "again: a retransmission");
	CHECK_EQ(t.replies[BS_GEN_REPLY_SYN_ACK], 4, "counted");
	bs_gen_track_free(&t);
}

static void
test_hist(void)
{
	static struct bs_gen_hist h;
	uint64_t v;

	CHECK_EQ(bs_gen_hist_pct(&h, 50), 0, "empty");
	for (v = 1; v <= 100000; v++)
		bs_gen_hist_add(&h, v);
	v = bs_gen_hist_pct(&h, 50);
	CHECK(v >= 50000 && v <= 50000 * 1.04, "p50 %llu", (unsigned long long)v);
	v = bs_gen_hist_pct(&h, 99);
	CHECK(v >= 99000 && v <= 100000, "p99 %llu", (unsigned long long)v);
	CHECK_EQ(bs_gen_hist_pct(&h, 100), 100000, "max");
	CHECK_EQ(h.n, 100000, "n");
}

int
main(void)
{
	test_perm();
	test_mix();
	test_backstop_replies();
	test_wrong_replies();
	test_silence_and_loss();
	test_synack();
	test_hist();
	return bs_test_done();
}
