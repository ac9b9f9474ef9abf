/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A flood's segments: index -> 4-tuple (a keyed permutation, invertible
 * so that a reply names its segment), flags, numbers and frame.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bs_gen.h"

const char *const bs_gen_kind_names[BS_GEN_KIND_MAX] = {
#define BS_GEN_KIND(id, name, flags, help) name,
#include "bs_gen_kind.def"
#undef BS_GEN_KIND
};

const char *const bs_gen_kind_help[BS_GEN_KIND_MAX] = {
#define BS_GEN_KIND(id, name, flags, help) help,
#include "bs_gen_kind.def"
#undef BS_GEN_KIND
};

const uint8_t bs_gen_kind_flags[BS_GEN_KIND_MAX] = {
#define BS_GEN_KIND(id, name, flags, help) flags,
#include "bs_gen_kind.def"
#undef BS_GEN_KIND
};

const char *const bs_gen_reply_names[BS_GEN_REPLY_MAX] = {
#define BS_GEN_REPLY(id, name, help) name,
#include "bs_gen_reply.def"
#undef BS_GEN_REPLY
};

static int
kind_by_name(const char *s, size_t n)
{
	int k;

	for (k = 0; k < BS_GEN_KIND_MAX; k++)
		if (strlen(bs_gen_kind_names[k]) == n &&
				strncmp(bs_gen_kind_names[k], s, n) == 0)
			return k;
	return -1;
}

int
bs_gen_mix_parse(const char *s, unsigned int w[BS_GEN_KIND_MAX], char *err,
		size_t errlen)
{
	unsigned int tmp[BS_GEN_KIND_MAX] = { 0 }, total = 0;
	const char *p = s;

	while (*p != '\0') {
		size_t n = strcspn(p, ",:");
		unsigned long v = 1;
		int k = kind_by_name(p, n);
		char *end;

		if (k < 0) {
			snprintf(err, errlen, "--mix: unknown kind '%.*s'", (int)n, p);
			return -1;
		}
		p += n;
		if (*p == ':') {
			errno = 0;
			v = strtoul(p + 1, &end, 10);
			if (errno != 0 || end == p + 1 || v > 1000 ||
					(*end != ',' && *end != '\0')) {
				snprintf(err, errlen, "--mix: weight of %s must be 0..1000",
					bs_gen_kind_names[k]);
				return -1;
			}
			p = end;
		}
		tmp[k] += (unsigned int)v;
		total += (unsigned int)v;
		if (*p == ',')
			p++;
	}
	if (total == 0) {
		snprintf(err, errlen, "--mix: no kind with a weight above 0");
		return -1;
	}
	memcpy(w, tmp, sizeof(tmp));
	return 0;
}

void
bs_gen_flow_defaults(struct bs_gen_flow *f)
{
	int k;

	memset(f, 0, sizeof(*f));
	f->family = 4;
	f->src4 = BS_GEN_IPV4(198, 19, 0, 1);
	f->dst4 = BS_GEN_IPV4(198, 18, 0, 2);
	inet_pton(AF_INET6, "2001:2:0:1::1", f->src6);
	inet_pton(AF_INET6, "2001:2::2", f->dst6);
	f->src_n = 60000;
	f->sport_lo = 1024;
	f->sport_n = 65536 - 1024;
	f->dport_lo = 1;
	f->dport_n = 65535;
	f->random = true;
	f->seed = 1;
	f->payload_min = 1;
	f->payload_max = 64;
	f->ttl = 64;
	for (k = 0; k < BS_GEN_KIND_MAX; k++)
		f->weight[k] = k <= BS_GEN_KIND_FINONLY;
	rte_ether_unformat_addr("02:00:00:00:00:02", &f->dst_mac);
	rte_ether_unformat_addr("02:00:00:00:00:01", &f->src_mac);
}

int
bs_gen_flow_init(struct bs_gen_flow *f, char *err, size_t errlen)
{
	unsigned int total = 0, k, i, acc, bits;

	for (k = 0; k < BS_GEN_KIND_MAX; k++)
		total += f->weight[k];
	if (total == 0) {
		snprintf(err, errlen, "the mix has no kind");
		return -1;
	}
	if (f->src_n == 0 || f->sport_n == 0 || f->dport_n == 0 ||
			f->sport_lo + (uint64_t)f->sport_n > 65536 ||
			f->dport_lo + (uint64_t)f->dport_n > 65536) {
		snprintf(err, errlen, "empty or out-of-range address or port range");
		return -1;
	}
	if (f->payload_min > f->payload_max || f->payload_max > BS_GEN_PAYLOAD_MAX) {
		snprintf(err, errlen, "--payload must be MIN[-MAX] within 0..%u",
			BS_GEN_PAYLOAD_MAX);
		return -1;
	}
	/* Each kind gets a share of the 256 values of a hash byte in
	 * proportion to its weight (cumulative, so the shares add to 256). */
	for (k = 0, i = 0, acc = 0; k < BS_GEN_KIND_MAX; k++) {
		unsigned int end;

		acc += f->weight[k];
		end = (unsigned int)((uint64_t)acc * 256 / total);
		for (; i < end; i++)
			f->mix[i] = (uint8_t)k;
	}
	f->space = (uint64_t)f->src_n * f->sport_n * f->dport_n;
	for (bits = 2; bits < 64 && (UINT64_C(1) << bits) < f->space; bits += 2)
		;
	f->half_bits = bits / 2;
	return 0;
}

/* A Feistel round's function: any keyed hash will do. */
static inline uint64_t
feistel_f(const struct bs_gen_flow *f, uint64_t x, unsigned int r)
{
	return bs_gen_mix64(x ^ f->seed ^ ((uint64_t)r << 56));
}

/*
 * A keyed permutation of 0 .. space-1: a four-round Feistel network on
 * 2 * half_bits bits, walked again while it lands outside the space
 * (cycle walking: 2^(2 half_bits) < 4 space, so a few steps on average).
 */
static uint64_t
perm(const struct bs_gen_flow *f, uint64_t x)
{
	unsigned int hb = f->half_bits, r;
	uint64_t m = (UINT64_C(1) << hb) - 1, l, rr, t;

	if (!f->random)
		return x;
	do {
		l = x >> hb;
		rr = x & m;
		for (r = 0; r < 4; r++) {
			t = rr;
			rr = l ^ (feistel_f(f, rr, r) & m);
			l = t;
		}
		x = l << hb | rr;
	} while (x >= f->space);
	return x;
}

static uint64_t
perm_inv(const struct bs_gen_flow *f, uint64_t y)
{
	unsigned int hb = f->half_bits, r;
	uint64_t m = (UINT64_C(1) << hb) - 1, l, rr, t;

	if (!f->random)
		return y;
	do {
		l = y >> hb;
		rr = y & m;
		for (r = 4; r-- > 0;) {
			t = l;
			l = rr ^ (feistel_f(f, l, r) & m);
			rr = t;
		}
		y = l << hb | rr;
	} while (y >= f->space);
	return y;
}

void
bs_gen_tuple(const struct bs_gen_flow *f, uint64_t idx, uint32_t *src_idx,
		uint16_t *sport, uint16_t *dport)
{
	uint64_t t = perm(f, idx % f->space);

	*src_idx = (uint32_t)(t % f->src_n);
	t /= f->src_n;
	*sport = (uint16_t)(f->sport_lo + t % f->sport_n);
	*dport = (uint16_t)(f->dport_lo + t / f->sport_n);
}

void
bs_gen_seg(const struct bs_gen_flow *f, uint64_t idx, struct bs_gen_seg *s)
{
	static const uint16_t wins[4] = { 502, 64240, 65535, 29200 };
	uint64_t h1 = bs_gen_mix64(f->seed ^ (idx * UINT64_C(0x9e3779b97f4a7c15)));
	uint64_t h2 = bs_gen_mix64(h1);

	s->idx = idx;
	bs_gen_tuple(f, idx, &s->src_idx, &s->sport, &s->dport);
	s->kind = f->mix[h1 & 0xff];
	s->flags = bs_gen_kind_flags[s->kind];
	s->v6 = f->family == 6 || (f->family == 0 && (h1 & 0x100) != 0);
	s->seq = (uint32_t)(h1 >> 32);
	s->ack = (s->flags & BS_TCP_ACK) ? (uint32_t)h2 : 0;
	s->win = wins[(h2 >> 32) & 3];
	s->plen = 0;
	if (s->kind == BS_GEN_KIND_DATA)
		s->plen = (uint16_t)(f->payload_min +
			(h2 >> 40) % (f->payload_max - f->payload_min + 1u));
}

void
bs_gen_src_addr(const struct bs_gen_flow *f, bool v6, uint32_t src_idx, uint8_t *addr)
{
	uint32_t a;

	memset(addr, 0, 16);
	if (!v6) {
		a = bs_be32(f->src4 + src_idx);
		memcpy(addr, &a, 4);
		return;
	}
	memcpy(addr, f->src6, 16);
	memcpy(&a, addr + 12, 4);
	a = bs_be32(bs_be32(a) + src_idx);
	memcpy(addr + 12, &a, 4);
}

int
bs_gen_tuple_pos(const struct bs_gen_flow *f, bool v6, const uint8_t *src,
		uint16_t sport, uint16_t dport, uint64_t *pos)
{
	uint8_t first[16];
	uint32_t a, b, si;

	bs_gen_src_addr(f, v6, 0, first);
	if (v6 && memcmp(first, src, 12) != 0)
		return -1;
	memcpy(&a, first + (v6 ? 12 : 0), 4);
	memcpy(&b, src + (v6 ? 12 : 0), 4);
	si = bs_be32(b) - bs_be32(a);
	if (si >= f->src_n || (uint16_t)(sport - f->sport_lo) >= f->sport_n ||
			(uint16_t)(dport - f->dport_lo) >= f->dport_n ||
			sport < f->sport_lo || dport < f->dport_lo)
		return -1;
	*pos = perm_inv(f, si + (uint64_t)f->src_n *
		((sport - f->sport_lo) + (uint64_t)f->sport_n * (dport - f->dport_lo)));
	return 0;
}

uint32_t
bs_gen_tcp_write(const struct bs_gen_flow *f, const struct bs_gen_hdr *h, uint8_t *buf)
{
	struct rte_ether_hdr *eth = (struct rte_ether_hdr *)buf;
	uint8_t *l3 = buf + sizeof(*eth), *th, kind;
	uint32_t l3_len = h->v6 ? 40 : 20, l4_len = 20u + h->opt_len + h->len;
	uint16_t csum;

	eth->dst_addr = f->dst_mac;
	eth->src_addr = f->src_mac;
	if (h->v6) {
		uint32_t vtc = bs_be32(6u << 28);

		eth->ether_type = bs_be16(RTE_ETHER_TYPE_IPV6);
		memcpy(l3, &vtc, 4);
		l3[4] = (uint8_t)(l4_len >> 8);
		l3[5] = (uint8_t)l4_len;
		l3[6] = IPPROTO_TCP;
		l3[7] = 64;
		memcpy(l3 + 8, h->src, 16);
		memcpy(l3 + 24, h->dst, 16);
		kind = BS_PKT_IPV6;
	} else {
		uint16_t tl = (uint16_t)(20 + l4_len);

		eth->ether_type = bs_be16(RTE_ETHER_TYPE_IPV4);
		l3[0] = 0x45;
		l3[1] = 0;
		l3[2] = (uint8_t)(tl >> 8);
		l3[3] = (uint8_t)tl;
		l3[4] = (uint8_t)(h->ip_id >> 8);
		l3[5] = (uint8_t)h->ip_id;
		l3[6] = 0x40;	/* DF */
		l3[7] = 0;
		l3[8] = 64;
		l3[9] = IPPROTO_TCP;
		l3[10] = l3[11] = 0;
		memcpy(l3 + 12, h->src, 4);
		memcpy(l3 + 16, h->dst, 4);
		csum = bs_csum_ipv4_hdr(l3, 20);
		memcpy(l3 + 10, &csum, 2);
		kind = BS_PKT_IPV4;
	}
	th = l3 + l3_len;
	th[0] = (uint8_t)(h->sport >> 8);
	th[1] = (uint8_t)h->sport;
	th[2] = (uint8_t)(h->dport >> 8);
	th[3] = (uint8_t)h->dport;
	{
		uint32_t seq = bs_be32(h->seq), ack = bs_be32(h->ack);

		memcpy(th + 4, &seq, 4);
		memcpy(th + 8, &ack, 4);
	}
	th[12] = (uint8_t)(((20u + h->opt_len) / 4) << 4);
	th[13] = h->flags;
	th[14] = (uint8_t)(h->win >> 8);
	th[15] = (uint8_t)h->win;
	th[16] = th[17] = th[18] = th[19] = 0;
	if (h->opt_len != 0)
		memcpy(th + 20, h->opt, h->opt_len);
	if (h->len != 0)
		memcpy(th + 20 + h->opt_len, h->data, h->len);
	csum = bs_csum_l4(l3, kind, th, l4_len, IPPROTO_TCP);
	if (h->bad_csum)
		csum = (uint16_t)(csum ^ 0x5a5a);	/* any other value */
	memcpy(th + 16, &csum, 2);
	return (uint32_t)sizeof(*eth) + l3_len + l4_len;
}

uint32_t
bs_gen_seg_frame(const struct bs_gen_flow *f, const struct bs_gen_seg *s, uint8_t *buf)
{
	uint8_t data[BS_GEN_PAYLOAD_MAX];
	struct bs_gen_hdr h = {
		.v6 = s->v6,
		.bad_csum = s->kind == BS_GEN_KIND_INVALID,
		.flags = s->flags,
		.sport = s->sport,
		.dport = s->dport,
		.win = s->win,
		.len = s->plen,
		.ip_id = (uint16_t)s->idx,
		.seq = s->seq,
		.ack = s->ack,
		.data = data,
	};
	uint32_t i;

	for (i = 0; i < s->plen; i++)
		data[i] = (uint8_t)('a' + (s->idx + i) % 26);
	bs_gen_src_addr(f, s->v6, s->src_idx, h.src);
	if (s->v6) {
		memcpy(h.dst, f->dst6, 16);
	} else {
		uint32_t d = bs_be32(f->dst4);

		memcpy(h.dst, &d, 4);
	}
	return bs_gen_tcp_write(f, &h, buf);
}
