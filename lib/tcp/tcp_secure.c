/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISNs, timestamp offsets and SYN cookies, after Linux
 * net/core/secure_seq.c, net/ipv4/syncookies.c and net/ipv6/syncookies.c.
 * Hash inputs are read as little-endian words whatever the host, so that
 * appliances sharing keys compute the same values.
 */

#include <string.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_config.h>

#include "bs_tcp_secure.h"

/* Linux msstab in net/ipv4/syncookies.c: the most common MSS values. */
static const uint16_t cookie_msstab4[] = { 536, 1300, 1440, 1460 };

/* Linux msstab in net/ipv6/syncookies.c: MTUs minus 60 bytes of headers. */
static const uint16_t cookie_msstab6[] = {
	1280 - 60, 1480 - 60, 1500 - 60, 9000 - 60,
};

#define MSSTAB_LEN 4

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_64(v);
}

static inline uint32_t
le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_32(v);
}

/* Ports as Linux packs them: (u32)sport << 16 | dport, network order values. */
static inline uint32_t
ports_word(uint16_t sport, uint16_t dport)
{
	return (uint32_t)sport << 16 | dport;
}

/* Ports as they lie in Linux's struct of an IPv6 tuple: ours, then the
 * peer's, read as one little-endian word. */
static inline uint32_t
ports_mem(uint16_t lport, uint16_t rport)
{
	return (uint32_t)rte_cpu_to_le_16(lport) | (uint32_t)rte_cpu_to_le_16(rport) << 16;
}

uint32_t
bs_tcp_isn(const struct bs_sipkey *key, const struct bs_flow *f,
		uint64_t now_ns)
{
	uint64_t h;

	if (bs_flow_is_v4(f)) {
		/* secure_tcp_seq(): siphash_3u32(saddr, daddr, sport << 16 |
		 * dport), our side first */
		uint64_t w = le32(f->laddr + 12) | (uint64_t)le32(f->raddr + 12) << 32;

		h = bs_siphash_tail(key, &w, 1, ports_word(f->lport, f->rport), 4);
	} else {
		/* secure_tcpv6_seq(): the 36 bytes of { saddr, daddr, sport,
		 * dport } */
		uint64_t w[4] = {
			le64(f->laddr), le64(f->laddr + 8),
			le64(f->raddr), le64(f->raddr + 8),
		};

		h = bs_siphash_tail(key, w, 4, ports_mem(f->lport, f->rport), 4);
	}
	/* seq_scale(): a 64 ns clock, wrapping every 274 s, beyond one MSL */
	return (uint32_t)h + (uint32_t)(now_ns >> 6);
}

uint32_t
bs_tcp_ts_off(const struct bs_sipkey *key, const struct bs_flow *f)
{
	if (bs_flow_is_v4(f)) {
		/* secure_tcp_ts_off(): siphash_2u32(saddr, daddr) */
		uint64_t w = le32(f->laddr + 12) | (uint64_t)le32(f->raddr + 12) << 32;

		return (uint32_t)bs_siphash(key, &w, 1);
	} else {
		/* secure_tcpv6_ts_off(): the 32 bytes of { saddr, daddr } */
		uint64_t w[4] = {
			le64(f->laddr), le64(f->laddr + 8),
			le64(f->raddr), le64(f->raddr + 8),
		};

		return (uint32_t)bs_siphash(key, w, 4);
	}
}

void
bs_tcp_ts_key(const struct bs_sipkey *isn_key, struct bs_sipkey *ts_key)
{
	static const uint64_t label[2] = { 0x66666f5f7374ULL, 0x79656b5f7374ULL };

	ts_key->k0 = bs_siphash(isn_key, &label[0], 1);
	ts_key->k1 = bs_siphash(isn_key, &label[1], 1);
}

/*
 * Linux cookie_hash(saddr, daddr, sport, dport, count, c), seen from the
 * peer's SYN: saddr and sport are the peer's. IPv4 hashes the 4-byte
 * addresses (siphash_4u32), IPv6 the whole ones.
 */
static uint32_t
cookie_hash(const struct bs_cookie_keys *keys, const struct bs_flow *f,
		bool v4, uint32_t count, unsigned int c)
{
	uint64_t tail = ports_word(f->rport, f->lport) | (uint64_t)count << 32;

	if (v4) {
		uint64_t w[2] = {
			le32(f->raddr + 12) | (uint64_t)le32(f->laddr + 12) << 32,
			tail,
		};

		return (uint32_t)bs_siphash(&keys->k[c], w, 2);
	} else {
		uint64_t w[5] = {
			le64(f->raddr), le64(f->raddr + 8),
			le64(f->laddr), le64(f->laddr + 8),
			tail,
		};

		return (uint32_t)bs_siphash(&keys->k[c], w, 5);
	}
}

/* __cookie_v4_init_sequence: the index of the largest MSS table entry
 * not above the peer's @p mss (else 0), and *@p mss set to that entry. */
static uint32_t
cookie_mss_index(bool v4, uint16_t *mss)
{
	const uint16_t *msstab = v4 ? cookie_msstab4 : cookie_msstab6;
	uint32_t i;

	for (i = MSSTAB_LEN - 1; i != 0; i--)
		if (*mss >= msstab[i])
			break;
	*mss = msstab[i];
	return i;
}

uint32_t
bs_cookie_init(const struct bs_cookie_keys *keys, const struct bs_flow *f,
		uint32_t syn_seq, uint16_t *mss, uint64_t now_ms)
{
	bool v4 = bs_flow_is_v4(f);
	uint32_t count = bs_cookie_time(now_ms);

	uint32_t mssind = cookie_mss_index(v4, mss);

	/* secure_tcp_syn_cookie() */
	return cookie_hash(keys, f, v4, 0, 0) + syn_seq +
		(count << BS_COOKIE_BITS) +
		((cookie_hash(keys, f, v4, count, 1) + mssind) & BS_COOKIE_MASK);
}

/*
 * A SYN answered with a cookie and timestamps takes three SipHash-2-4
 * values: H0 and H1 of the cookie and the timestamp offset. They are
 * independent, so with AVX2 (or AVX-512VL, whose vprolq rotates in one
 * instruction) they run as three lanes of one 4 x 64-bit vector (the
 * fourth idle), in lockstep: the cookie lanes take 3 message blocks (IPv4; 6 for IPv6),
 * the offset lane one fewer, so its finalization starts one step early
 * and its value is read out two rounds before theirs.
 */
struct sip3 {
	uint64_t k0[3], k1[3];		/* lanes: H0, H1, offset */
	uint64_t m[6][3];		/* message block of each step */
	unsigned int steps;
};

#if defined(RTE_ARCH_X86) && (defined(__GNUC__) || defined(__clang__))
typedef uint64_t sip3_vec __attribute__((vector_size(32)));

#define SIP3_ROTL(x, b) (((x) << (b)) | ((x) >> (64 - (b))))
#define SIP3_ROUND(v0, v1, v2, v3) do { \
	v0 += v1; v1 = SIP3_ROTL(v1, 13); v1 ^= v0; v0 = SIP3_ROTL(v0, 32); \
	v2 += v3; v3 = SIP3_ROTL(v3, 16); v3 ^= v2; \
	v0 += v3; v3 = SIP3_ROTL(v3, 21); v3 ^= v0; \
	v2 += v1; v1 = SIP3_ROTL(v1, 17); v1 ^= v2; v2 = SIP3_ROTL(v2, 32); \
} while (0)

/* One body, compiled for each instruction set by the target attribute of
 * the function it expands in. */
#define SIP3_BODY(x, out) do { \
	const sip3_vec c0 = { 0x736f6d6570736575ULL, 0x736f6d6570736575ULL, \
		0x736f6d6570736575ULL, 0x736f6d6570736575ULL }; \
	const sip3_vec c1 = { 0x646f72616e646f6dULL, 0x646f72616e646f6dULL, \
		0x646f72616e646f6dULL, 0x646f72616e646f6dULL }; \
	const sip3_vec c2 = { 0x6c7967656e657261ULL, 0x6c7967656e657261ULL, \
		0x6c7967656e657261ULL, 0x6c7967656e657261ULL }; \
	const sip3_vec c3 = { 0x7465646279746573ULL, 0x7465646279746573ULL, \
		0x7465646279746573ULL, 0x7465646279746573ULL }; \
	const sip3_vec fin_off = { 0, 0, 0xff, 0 }, fin_cookie = { 0xff, 0xff, 0, 0 }; \
	sip3_vec k0 = { (x)->k0[0], (x)->k0[1], (x)->k0[2], 0 }; \
	sip3_vec k1 = { (x)->k1[0], (x)->k1[1], (x)->k1[2], 0 }; \
	sip3_vec v0, v1, v2, v3, m, r; \
	unsigned int i; \
	v0 = k0 ^ c0; v1 = k1 ^ c1; v2 = k0 ^ c2; v3 = k1 ^ c3; \
	for (i = 0; i < (x)->steps; i++) { \
		/* built in registers from 64-bit loads: a 256-bit load of \
		 * words just stored one by one would stall on forwarding */ \
		m = (sip3_vec){ (x)->m[i][0], (x)->m[i][1], (x)->m[i][2], 0 }; \
		v3 ^= m; \
		if (i == (x)->steps - 1) \
			v2 ^= fin_off;	/* the offset lane's finalization */ \
		SIP3_ROUND(v0, v1, v2, v3); \
		SIP3_ROUND(v0, v1, v2, v3); \
		v0 ^= m; \
	} \
	v2 ^= fin_cookie; \
	SIP3_ROUND(v0, v1, v2, v3); \
	SIP3_ROUND(v0, v1, v2, v3); \
	r = v0 ^ v1 ^ v2 ^ v3; \
	(out)[2] = r[2];		/* the offset lane: its 4 rounds done */ \
	SIP3_ROUND(v0, v1, v2, v3); \
	SIP3_ROUND(v0, v1, v2, v3); \
	r = v0 ^ v1 ^ v2 ^ v3; \
	(out)[0] = r[0]; \
	(out)[1] = r[1]; \
} while (0)

__attribute__((target("avx2"))) static void
sip3_avx2(const struct sip3 *x, uint64_t out[3])
{
	SIP3_BODY(x, out);
}

__attribute__((target("avx512f,avx512vl"))) static void
sip3_avx512(const struct sip3 *x, uint64_t out[3])
{
	SIP3_BODY(x, out);
}

/*
 * The same three hashes for four or eight SYNs of one family at once
 * (bs_cookie_init_ts_burst): each hash is a vector whose lanes are the
 * SYNs, under its own key, and the three vectors' rounds are independent
 * chains the CPU overlaps. The offset's message is one block shorter: it
 * starts finalizing at the last step, as in SIP3_BODY. Eight lanes
 * (AVX-512F, 512-bit vectors) take half the instructions per SYN of four:
 * on a core that splits a 512-bit operation in two, as many operations
 * but half the decode and scheduling.
 */
#define SIPX_LANES 8

struct sipx {
	uint64_t k0[3], k1[3];		/* H0, H1, offset */
	uint64_t h[6][SIPX_LANES];	/* the cookie's blocks, per lane (H0's) */
	uint64_t t[6][SIPX_LANES];	/* the offset's blocks, per lane */
	uint64_t cnt;			/* added to H1's block @p tail */
	unsigned int steps, tail;
};

typedef uint64_t sip8_vec __attribute__((vector_size(64)));

/* A lane's word in every lane, and a row's first 4 or 8 lanes (built in
 * registers from 64-bit loads: a vector load of words just stored one by
 * one would stall on forwarding). */
#define SIPX4_V(k) ((sip3_vec){ (k), (k), (k), (k) })
#define SIPX4_L(a) ((sip3_vec){ (a)[0], (a)[1], (a)[2], (a)[3] })
#define SIPX8_V(k) ((sip8_vec){ (k), (k), (k), (k), (k), (k), (k), (k) })
#define SIPX8_L(a) ((sip8_vec){ (a)[0], (a)[1], (a)[2], (a)[3], \
	(a)[4], (a)[5], (a)[6], (a)[7] })
#define SIPX_INIT(T, V, n, i) \
	T n##0 = V((x)->k0[i] ^ 0x736f6d6570736575ULL); \
	T n##1 = V((x)->k1[i] ^ 0x646f72616e646f6dULL); \
	T n##2 = V((x)->k0[i] ^ 0x6c7967656e657261ULL); \
	T n##3 = V((x)->k1[i] ^ 0x7465646279746573ULL)
/* @p T the vector type, @p V and @p L its macros, @p N its lanes. */
#define SIPX_BODY(x, out, T, V, L, N) do { \
	SIPX_INIT(T, V, a, 0); SIPX_INIT(T, V, b, 1); SIPX_INIT(T, V, c, 2); \
	const T ff = V(0xffULL); \
	T ma, mb, mc; \
	unsigned int i; \
	for (i = 0; i < (x)->steps; i++) { \
		ma = L((x)->h[i]); \
		mb = i == (x)->tail ? ma | V((x)->cnt) : ma; \
		mc = L((x)->t[i]); \
		a3 ^= ma; b3 ^= mb; c3 ^= mc; \
		if (i == (x)->steps - 1) \
			c2 ^= ff; \
		SIP3_ROUND(a0, a1, a2, a3); SIP3_ROUND(b0, b1, b2, b3); \
		SIP3_ROUND(c0, c1, c2, c3); \
		SIP3_ROUND(a0, a1, a2, a3); SIP3_ROUND(b0, b1, b2, b3); \
		SIP3_ROUND(c0, c1, c2, c3); \
		a0 ^= ma; b0 ^= mb; c0 ^= mc; \
	} \
	a2 ^= ff; b2 ^= ff; \
	SIP3_ROUND(a0, a1, a2, a3); SIP3_ROUND(b0, b1, b2, b3); \
	SIP3_ROUND(c0, c1, c2, c3); \
	SIP3_ROUND(a0, a1, a2, a3); SIP3_ROUND(b0, b1, b2, b3); \
	SIP3_ROUND(c0, c1, c2, c3); \
	c0 ^= c1 ^ c2 ^ c3; \
	SIP3_ROUND(a0, a1, a2, a3); SIP3_ROUND(b0, b1, b2, b3); \
	SIP3_ROUND(a0, a1, a2, a3); SIP3_ROUND(b0, b1, b2, b3); \
	a0 ^= a1 ^ a2 ^ a3; \
	b0 ^= b1 ^ b2 ^ b3; \
	for (i = 0; i < (N); i++) { \
		(out)[0][i] = a0[i]; \
		(out)[1][i] = b0[i]; \
		(out)[2][i] = c0[i]; \
	} \
} while (0)

__attribute__((target("avx2"))) static void
sipx4_avx2(const struct sipx *x, uint64_t out[3][SIPX_LANES])
{
	SIPX_BODY(x, out, sip3_vec, SIPX4_V, SIPX4_L, 4);
}

__attribute__((target("avx512f,avx512vl"))) static void
sipx4_avx512(const struct sipx *x, uint64_t out[3][SIPX_LANES])
{
	SIPX_BODY(x, out, sip3_vec, SIPX4_V, SIPX4_L, 4);
}

__attribute__((target("avx512f,avx512vl"))) static void
sipx8_avx512(const struct sipx *x, uint64_t out[3][SIPX_LANES])
{
	SIPX_BODY(x, out, sip8_vec, SIPX8_V, SIPX8_L, 8);
}
#define SIP3_VECTOR 1
#endif

/* How the three values are computed, in order of preference; "scalar":
 * the scalar functions one after the other (faster than one loop over the
 * lanes, whose rounds the compiler cannot unroll). */
#define SIP3_IMPLS(X) X(SCALAR, "scalar") X(AVX2, "avx2") X(AVX512, "avx512")
#define SIP3_ENUM(e, name) SIP3_##e,
#define SIP3_NAME(e, name) name,
enum sip3_impl { SIP3_IMPLS(SIP3_ENUM) SIP3_N };

static const char *const sip3_names[SIP3_N] = { SIP3_IMPLS(SIP3_NAME) };
static enum sip3_impl sip3_sel;

static bool
sip3_supported(enum sip3_impl i)
{
	if (i == SIP3_SCALAR)
		return true;
#ifdef SIP3_VECTOR
	__builtin_cpu_init();
	if (i == SIP3_AVX2)
		return __builtin_cpu_supports("avx2");
	if (i == SIP3_AVX512)
		return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl");
#endif
	return false;
}

int
bs_tcp_secure_simd(const char *name)
{
	unsigned int i;

	for (i = SIP3_N; i-- > 0;) {
		if (name != NULL && strcmp(name, sip3_names[i]) != 0)
			continue;
		if (!sip3_supported(i)) {
			if (name != NULL)
				return -1;
			continue;
		}
		sip3_sel = i;
		return 0;
	}
	return -1;
}

const char *
bs_tcp_secure_simd_name(void)
{
	return sip3_names[sip3_sel];
}

/* The best the CPU has, before any lcore runs. */
__attribute__((constructor)) static void
sip3_select(void)
{
	bs_tcp_secure_simd(NULL);
}

#ifdef SIP3_VECTOR
/* The three values as lanes (sip3_sel: AVX2 or AVX-512VL). */
static uint32_t
cookie_init_lanes(const struct bs_cookie_keys *keys, const struct bs_sipkey *ts_key,
		const struct bs_flow *f, uint32_t syn_seq, uint16_t *mss,
		uint64_t now_ms, uint32_t *ts_off)
{
	bool v4 = bs_flow_is_v4(f);
	uint32_t count = bs_cookie_time(now_ms), mssind = cookie_mss_index(v4, mss);
	uint64_t tail = ports_word(f->rport, f->lport);
	struct sip3 x;
	uint64_t h[3];
	unsigned int i;

	for (i = 0; i < 2; i++) {
		x.k0[i] = keys->k[i].k0;
		x.k1[i] = keys->k[i].k1;
	}
	x.k0[2] = ts_key->k0;
	x.k1[2] = ts_key->k1;
	if (v4) {
		/* H: siphash_4u32(raddr, laddr, ports, count); offset:
		 * siphash_2u32(laddr, raddr) */
		uint32_t la = le32(f->laddr + 12), ra = le32(f->raddr + 12);

		x.steps = 3;
		x.m[0][0] = x.m[0][1] = ra | (uint64_t)la << 32;
		x.m[0][2] = la | (uint64_t)ra << 32;
		x.m[1][0] = tail;
		x.m[1][1] = tail | (uint64_t)count << 32;
		x.m[1][2] = (uint64_t)8 << 56;
		x.m[2][0] = x.m[2][1] = (uint64_t)16 << 56;
		x.m[2][2] = 0;	/* the offset lane is finalizing */
	} else {
		/* H: { raddr, laddr, ports, count }; offset: { laddr, raddr } */
		uint64_t r0 = le64(f->raddr), r1 = le64(f->raddr + 8);
		uint64_t l0 = le64(f->laddr), l1 = le64(f->laddr + 8);

		x.steps = 6;
		x.m[0][0] = x.m[0][1] = r0;
		x.m[1][0] = x.m[1][1] = r1;
		x.m[2][0] = x.m[2][1] = l0;
		x.m[3][0] = x.m[3][1] = l1;
		x.m[0][2] = l0;
		x.m[1][2] = l1;
		x.m[2][2] = r0;
		x.m[3][2] = r1;
		x.m[4][0] = tail;
		x.m[4][1] = tail | (uint64_t)count << 32;
		x.m[4][2] = (uint64_t)32 << 56;
		x.m[5][0] = x.m[5][1] = (uint64_t)40 << 56;
		x.m[5][2] = 0;
	}
	if (sip3_sel == SIP3_AVX512)
		sip3_avx512(&x, h);
	else
		sip3_avx2(&x, h);
	if (ts_off != NULL)
		*ts_off = (uint32_t)h[2];
	/* secure_tcp_syn_cookie() */
	return (uint32_t)h[0] + syn_seq + (count << BS_COOKIE_BITS) +
		(((uint32_t)h[1] + mssind) & BS_COOKIE_MASK);
}
#endif

uint32_t
bs_cookie_init_ts(const struct bs_cookie_keys *keys, const struct bs_sipkey *ts_key,
		const struct bs_flow *f, uint32_t syn_seq, uint16_t *mss,
		uint64_t now_ms, uint32_t *ts_off)
{
#ifdef SIP3_VECTOR
	if (sip3_sel != SIP3_SCALAR)
		return cookie_init_lanes(keys, ts_key, f, syn_seq, mss, now_ms, ts_off);
#endif
	if (ts_off != NULL)
		*ts_off = bs_tcp_ts_off(ts_key, f);
	return bs_cookie_init(keys, f, syn_seq, mss, now_ms);
}

#ifdef SIP3_VECTOR
/* Up to @p lanes SYNs of one family, 4 or 8 (@p idx into the burst's
 * arrays; a short group repeats its first lane). */
static void
cookie_xn(const struct bs_cookie_keys *keys, const struct bs_sipkey *ts_key,
		const struct bs_flow *const *f, const uint32_t *syn_seq, uint16_t *mss,
		uint32_t count, uint32_t *cookie, uint32_t *ts_off, const uint8_t *idx,
		unsigned int n, unsigned int lanes, bool v4)
{
	struct sipx x;
	uint64_t h[3][SIPX_LANES];
	unsigned int i, j;

	for (i = 0; i < 2; i++) {
		x.k0[i] = keys->k[i].k0;
		x.k1[i] = keys->k[i].k1;
	}
	x.k0[2] = ts_key->k0;
	x.k1[2] = ts_key->k1;
	x.cnt = (uint64_t)count << 32;
	x.steps = v4 ? 3 : 6;
	x.tail = v4 ? 1 : 4;
	for (j = 0; j < lanes; j++) {
		const struct bs_flow *g = f[idx[j < n ? j : 0]];
		uint64_t tail = ports_word(g->rport, g->lport);

		if (v4) {
			uint32_t la = le32(g->laddr + 12), ra = le32(g->raddr + 12);

			x.h[0][j] = ra | (uint64_t)la << 32;
			x.h[1][j] = tail;
			x.h[2][j] = (uint64_t)16 << 56;
			x.t[0][j] = la | (uint64_t)ra << 32;
			x.t[1][j] = (uint64_t)8 << 56;
			x.t[2][j] = 0;
		} else {
			uint64_t r0 = le64(g->raddr), r1 = le64(g->raddr + 8);
			uint64_t l0 = le64(g->laddr), l1 = le64(g->laddr + 8);

			x.h[0][j] = r0;
			x.h[1][j] = r1;
			x.h[2][j] = l0;
			x.h[3][j] = l1;
			x.h[4][j] = tail;
			x.h[5][j] = (uint64_t)40 << 56;
			x.t[0][j] = l0;
			x.t[1][j] = l1;
			x.t[2][j] = r0;
			x.t[3][j] = r1;
			x.t[4][j] = (uint64_t)32 << 56;
			x.t[5][j] = 0;
		}
	}
	if (lanes == 8)
		sipx8_avx512(&x, h);
	else if (sip3_sel == SIP3_AVX512)
		sipx4_avx512(&x, h);
	else
		sipx4_avx2(&x, h);
	for (j = 0; j < n; j++) {
		unsigned int k = idx[j];
		uint32_t mssind = cookie_mss_index(v4, &mss[k]);

		ts_off[k] = (uint32_t)h[2][j];
		/* secure_tcp_syn_cookie() */
		cookie[k] = (uint32_t)h[0][j] + syn_seq[k] + (count << BS_COOKIE_BITS) +
			(((uint32_t)h[1][j] + mssind) & BS_COOKIE_MASK);
	}
}

/* @p n SYNs of one family (@p idx), group by group. */
static void
cookie_groups(const struct bs_cookie_keys *keys, const struct bs_sipkey *ts_key,
		const struct bs_flow *const *f, const uint32_t *syn_seq, uint16_t *mss,
		uint32_t count, uint32_t *cookie, uint32_t *ts_off, const uint8_t *idx,
		unsigned int n, bool v4)
{
	unsigned int i, lanes, k;

	for (i = 0; i < n; i += k) {
		k = RTE_MIN(n - i, sip3_sel == SIP3_AVX512 ? 8u : 4u);
		lanes = k > 4 ? 8 : 4;
		cookie_xn(keys, ts_key, f, syn_seq, mss, count, cookie, ts_off, idx + i, k,
			lanes, v4);
	}
}
#endif

void
bs_cookie_init_ts_burst(const struct bs_cookie_keys *keys, const struct bs_sipkey *ts_key,
		const struct bs_flow *const *f, const uint32_t *syn_seq, uint16_t *mss,
		uint64_t now_ms, uint32_t *cookie, uint32_t *ts_off, unsigned int n)
{
	unsigned int i;

#ifdef SIP3_VECTOR
	if (sip3_sel != SIP3_SCALAR && n > 1) {
		uint8_t idx4[BS_COOKIE_BURST], idx6[BS_COOKIE_BURST];
		unsigned int n4 = 0, n6 = 0;
		uint32_t count = bs_cookie_time(now_ms);

		/* IPv4 and IPv6 take different numbers of blocks: in groups
		 * of their own, eight SYNs a group with AVX-512 (a rest of
		 * four or fewer as four), else four. (The counts are
		 * scalars: an array of them chains each step on a store.) */
		for (i = 0; i < n; i++) {
			if (bs_flow_is_v4(f[i]))
				idx4[n4++] = (uint8_t)i;
			else
				idx6[n6++] = (uint8_t)i;
		}
		cookie_groups(keys, ts_key, f, syn_seq, mss, count, cookie, ts_off,
			idx4, n4, true);
		cookie_groups(keys, ts_key, f, syn_seq, mss, count, cookie, ts_off,
			idx6, n6, false);
		return;
	}
#endif
	for (i = 0; i < n; i++)
		cookie[i] = bs_cookie_init_ts(keys, ts_key, f[i], syn_seq[i], &mss[i], now_ms,
			&ts_off[i]);
}

uint16_t
bs_cookie_check(const struct bs_cookie_keys *keys, const struct bs_flow *f,
		uint32_t seg_seq, uint32_t seg_ack, uint64_t now_ms)
{
	bool v4 = bs_flow_is_v4(f);
	uint32_t cookie = seg_ack - 1, sseq = seg_seq - 1;
	uint32_t count = bs_cookie_time(now_ms);
	uint32_t diff, mssind;

	/* check_tcp_syn_cookie(): strip H0 and the SYN's sequence number */
	cookie -= cookie_hash(keys, f, v4, 0, 0) + sseq;
	/* the top 8 bits are the minute it was made, modulo 256 */
	diff = (count - (cookie >> BS_COOKIE_BITS)) & (UINT32_MAX >> BS_COOKIE_BITS);
	if (diff >= BS_COOKIE_MAX_AGE)
		return 0;
	mssind = (cookie - cookie_hash(keys, f, v4, count - diff, 1)) &
		BS_COOKIE_MASK;
	if (mssind >= MSSTAB_LEN)
		return 0;
	return (v4 ? cookie_msstab4 : cookie_msstab6)[mssind];
}

void
bs_cookie_ts_decode(uint32_t tsecr, struct bs_cookie_opts *o)
{
	/* cookie_timestamp_decode(); the ECN bit as cookie_ecn_ok() reads it */
	o->sack_ok = (tsecr & BS_COOKIE_TS_SACK) != 0;
	o->ecn_ok = (tsecr & BS_COOKIE_TS_ECN) != 0;
	if ((tsecr & BS_COOKIE_TS_WSCALE_MASK) == BS_COOKIE_TS_WSCALE_MASK) {
		o->wscale_ok = false;	/* the SYN had no window scale option */
		o->snd_wscale = 0;
	} else {
		o->wscale_ok = true;
		o->snd_wscale = tsecr & BS_COOKIE_TS_WSCALE_MASK;
	}
}
