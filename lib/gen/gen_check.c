/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * What Linux answers to a flood's segment, and the comparison of a reply
 * with it. Written from ../shared/spec/linux-rst-matrix.md (5.1, the
 * RST-REPLY of tcp_v4_send_reset / tcp_v6_send_reset; N1, N2, X1, Q1,
 * Q4; L1/L2 for a listener), independently of lib/tcp.
 */
#include <string.h>

#include "bs_gen.h"
#include "bs_log.h"

static inline uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static inline uint32_t
rd32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
bs_gen_reply_parse(const uint8_t *frame, uint32_t len, struct bs_gen_reply *r)
{
	const uint8_t *l3 = frame + 14, *th;
	uint32_t l3_len, l4_len;
	uint16_t et;
	uint8_t kind;

	if (len < 14 + 20)
		return -1;
	memset(r, 0, sizeof(*r));
	r->frame_len = len;
	memcpy(&r->eth_dst, frame, 6);
	memcpy(&r->eth_src, frame + 6, 6);
	et = rd16(frame + 12);
	if (et == RTE_ETHER_TYPE_IPV4) {
		if ((l3[0] >> 4) != 4 || l3[9] != IPPROTO_TCP)
			return -1;
		r->ihl = (uint8_t)((l3[0] & 0xf) * 4);
		l3_len = r->ihl;
		if (l3_len < 20 || rd16(l3 + 2) < l3_len || 14u + rd16(l3 + 2) > len)
			return -1;
		l4_len = rd16(l3 + 2) - l3_len;
		r->tos = l3[1];
		r->ip_id = rd16(l3 + 4);
		r->df = (l3[6] & 0x40) != 0;
		r->frag = (rd16(l3 + 6) & 0x3fff) != 0;
		r->ttl = l3[8];
		r->ip_csum_ok = bs_csum_fold(bs_csum_add(l3, l3_len, 0)) == 0xffff;
		memcpy(r->src, l3 + 12, 4);
		memcpy(r->dst, l3 + 16, 4);
		kind = BS_PKT_IPV4;
	} else if (et == RTE_ETHER_TYPE_IPV6) {
		if (len < 14 + 40 || (l3[0] >> 4) != 6 || l3[6] != IPPROTO_TCP)
			return -1;
		l3_len = 40;
		l4_len = rd16(l3 + 4);
		if (14u + 40 + l4_len > len)
			return -1;
		r->v6 = true;
		r->tos = (uint8_t)(rd16(l3) >> 4);
		r->ttl = l3[7];
		r->ip_csum_ok = true;
		memcpy(r->src, l3 + 8, 16);
		memcpy(r->dst, l3 + 24, 16);
		kind = BS_PKT_IPV6;
	} else {
		return -1;
	}
	th = l3 + l3_len;
	if (l4_len < 20 || (th[12] >> 4) * 4u < 20 || (th[12] >> 4) * 4u > l4_len)
		return -1;
	r->sport = rd16(th);
	r->dport = rd16(th + 2);
	r->seq = rd32(th + 4);
	r->ack = rd32(th + 8);
	r->doff = (uint8_t)((th[12] >> 4) * 4);
	r->flags = th[13];
	r->win = rd16(th + 14);
	r->urp = rd16(th + 18);
	r->opt = th + 20;
	r->payload = th + r->doff;
	r->plen = l4_len - r->doff;
	r->tcp_csum_ok = bs_csum_fold(bs_csum_add(th, l4_len,
		bs_csum_pseudo(l3, kind, l4_len, IPPROTO_TCP))) == 0xffff;
	return 0;
}

enum bs_gen_reply_kind
bs_gen_reply_kind_of(const struct bs_gen_reply *r)
{
	uint8_t f = r->flags & (BS_TCP_SYN | BS_TCP_RST | BS_TCP_ACK | BS_TCP_FIN);

	if (f == BS_TCP_RST)
		return BS_GEN_REPLY_RST;
	if (f == (BS_TCP_RST | BS_TCP_ACK))
		return BS_GEN_REPLY_RST_ACK;
	if (f == (BS_TCP_SYN | BS_TCP_ACK))
		return BS_GEN_REPLY_SYN_ACK;
	return BS_GEN_REPLY_OTHER;
}

static bool
is_listen(const struct bs_gen_flow *f, uint16_t port)
{
	unsigned int i;

	for (i = 0; i < f->n_listen; i++)
		if (f->listen[i] == port)
			return true;
	return false;
}

enum bs_gen_reply_kind
bs_gen_expect(const struct bs_gen_flow *f, const struct bs_gen_seg *s)
{
	/* A reset is never answered (X1, Q1); a bad checksum is dropped (Q4). */
	if ((s->flags & BS_TCP_RST) || s->kind == BS_GEN_KIND_INVALID)
		return BS_GEN_REPLY_NONE;
	if (is_listen(f, s->dport)) {
		/* tcp_rcv_state_process, LISTEN: ACK -> RST (L1); SYN ->
		 * conn_request (SYN-ACK, or a cookie); the rest is dropped. */
		if (s->flags & BS_TCP_ACK)
			return BS_GEN_REPLY_RST;
		if (s->flags & BS_TCP_SYN)
			return (s->flags & BS_TCP_FIN) ? BS_GEN_REPLY_NONE : BS_GEN_REPLY_SYN_ACK;
		return BS_GEN_REPLY_NONE;
	}
	/* No socket (N1, N2): RST to a segment with ACK, else RST|ACK. */
	return (s->flags & BS_TCP_ACK) ? BS_GEN_REPLY_RST : BS_GEN_REPLY_RST_ACK;
}

/* Does the SYN-ACK carry an MSS option (Linux always sends one)? */
static bool
has_mss(const struct bs_gen_reply *r)
{
	uint32_t i = 0, n = r->doff - 20u;

	while (i < n) {
		uint8_t k = r->opt[i];

		if (k == 0)
			break;
		if (k == 1) {
			i++;
			continue;
		}
		if (i + 1 >= n || r->opt[i + 1] < 2 || i + r->opt[i + 1] > n)
			return false;
		if (k == 2 && r->opt[i + 1] == 4)
			return true;
		i += r->opt[i + 1];
	}
	return false;
}

/* Addresses, ports, MACs and checksums: the same for every reply. */
static int
check_frame(const struct bs_gen_flow *f, const struct bs_gen_seg *s,
		const struct bs_gen_reply *r, char *why, size_t n)
{
	uint8_t src[16] = { 0 }, dst[16] = { 0 };
	uint32_t d = bs_be32(f->dst4);

	bs_gen_src_addr(f, s->v6, s->src_idx, dst);
	if (s->v6)
		memcpy(src, f->dst6, 16);
	else
		memcpy(src, &d, 4);
	if (r->v6 != s->v6)
		return bs_errf(why, n, "IPv%d reply to an IPv%d segment", r->v6 ? 6 : 4,
			s->v6 ? 6 : 4);
	if (memcmp(r->src, src, 16) != 0 || memcmp(r->dst, dst, 16) != 0)
		return bs_errf(why, n, "addresses not swapped");
	if (r->sport != s->dport || r->dport != s->sport)
		return bs_errf(why, n, "ports %u > %u, want %u > %u", r->sport, r->dport,
			s->dport, s->sport);
	if (!rte_is_same_ether_addr(&r->eth_dst, &f->src_mac) ||
			!rte_is_same_ether_addr(&r->eth_src, &f->dst_mac))
		return bs_errf(why, n, "MACs not swapped");
	if (!r->ip_csum_ok)
		return bs_errf(why, n, "bad IPv4 header checksum");
	if (!r->tcp_csum_ok)
		return bs_errf(why, n, "bad TCP checksum");
	if (r->ttl != f->ttl)
		return bs_errf(why, n, "%s %u, want %u", r->v6 ? "hop limit" : "TTL",
			r->ttl, f->ttl);
	/* TOS / traffic class: the segment's (0) without ECN. */
	if (r->tos != 0)
		return bs_errf(why, n, "TOS %#x, want 0", r->tos);
	if (!r->v6 && r->frag)
		return bs_errf(why, n, "IPv4 fragment");
	return 0;
}

/* tcp_v4_send_reset: ID 0, DF, 20-byte header, window 0, no payload. */
static int
check_rst(const struct bs_gen_seg *s, const struct bs_gen_reply *r, char *why,
		size_t n)
{
	uint32_t want_seq = 0, want_ack;
	uint8_t want_fl;

	if (s->flags & BS_TCP_ACK) {
		want_fl = BS_TCP_RST;
		want_seq = s->ack;
		want_ack = 0;
	} else {
		want_fl = BS_TCP_RST | BS_TCP_ACK;
		want_ack = s->seq + s->plen + !!(s->flags & BS_TCP_SYN) +
			!!(s->flags & BS_TCP_FIN);
	}
	if (r->flags != want_fl)
		return bs_errf(why, n, "flags %#04x, want %#04x", r->flags, want_fl);
	if (r->seq != want_seq)
		return bs_errf(why, n, "SEQ %u, want %u", r->seq, want_seq);
	if (r->ack != want_ack)
		return bs_errf(why, n, "ACK %u, want %u", r->ack, want_ack);
	if (r->win != 0 || r->urp != 0)
		return bs_errf(why, n, "window %u, urgent %u, want 0, 0", r->win, r->urp);
	if (r->doff != 20 || r->plen != 0)
		return bs_errf(why, n, "%u header and %u payload bytes, want 20 and 0",
			r->doff, r->plen);
	if (!r->v6 && (r->ip_id != 0 || !r->df || r->ihl != 20))
		return bs_errf(why, n, "IPv4 ID %u, DF %d, header %u bytes: want 0, 1, 20",
			r->ip_id, r->df, r->ihl);
	return 0;
}

/* A listener's SYN-ACK: ACK = SEG.SEQ + 1, an MSS option, a window. */
static int
check_synack(const struct bs_gen_seg *s, const struct bs_gen_reply *r, char *why,
		size_t n)
{
	if (r->flags != (BS_TCP_SYN | BS_TCP_ACK))
		return bs_errf(why, n, "flags %#04x, want SYN|ACK", r->flags);
	if (r->ack != s->seq + 1)
		return bs_errf(why, n, "ACK %u, want %u", r->ack, s->seq + 1);
	if (r->win == 0 || r->plen != 0)
		return bs_errf(why, n, "window %u, %u payload bytes", r->win, r->plen);
	if (!has_mss(r))
		return bs_errf(why, n, "no MSS option");
	return 0;
}

int
bs_gen_check(const struct bs_gen_flow *f, const struct bs_gen_seg *s,
		const struct bs_gen_reply *r, char *why, size_t whylen)
{
	enum bs_gen_reply_kind want = bs_gen_expect(f, s);

	if (want == BS_GEN_REPLY_NONE)
		return bs_errf(why, whylen, "a reply to a segment that deserves none");
	if (check_frame(f, s, r, why, whylen) != 0)
		return -1;
	if (want == BS_GEN_REPLY_SYN_ACK)
		return check_synack(s, r, why, whylen);
	return check_rst(s, r, why, whylen);
}
