/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_SIPHASH_H
#define BS_SIPHASH_H

/**
 * @file
 * SipHash (Aumasson and Bernstein, 2012): a keyed hash for short inputs.
 * Backstop keys with it everything an attacker must not predict: the
 * connection table's bucket choice, initial sequence numbers (RFC 6528)
 * and SYN cookies. Inputs are whole 64-bit words, so callers pack their
 * tuple first; any lcore, no state.
 *
 * bs_siphash() is SipHash-2-4 (ISNs, cookies); bs_siphash13() is the
 * faster SipHash-1-3 used for table buckets, where a hash is computed per
 * packet and only flooding resistance is needed.
 */

#include <stdint.h>

struct bs_sipkey {
	uint64_t k0;
	uint64_t k1;
};

#define BS_SIP_ROTL(x, b) (uint64_t)(((x) << (b)) | ((x) >> (64 - (b))))

static inline void
bs_sip_round(uint64_t v[4])
{
	v[0] += v[1]; v[1] = BS_SIP_ROTL(v[1], 13); v[1] ^= v[0];
	v[0] = BS_SIP_ROTL(v[0], 32);
	v[2] += v[3]; v[3] = BS_SIP_ROTL(v[3], 16); v[3] ^= v[2];
	v[0] += v[3]; v[3] = BS_SIP_ROTL(v[3], 21); v[3] ^= v[0];
	v[2] += v[1]; v[1] = BS_SIP_ROTL(v[1], 17); v[1] ^= v[2];
	v[2] = BS_SIP_ROTL(v[2], 32);
}

/**
 * SipHash-c-d over @p n whole words and a final block @p last: the 0-7
 * bytes of input past the words in its low bytes, the input's length in
 * bytes in its top byte, as the reference pads.
 */
static inline uint64_t
bs_siphash_cd(const struct bs_sipkey *k, const uint64_t *w, unsigned int n,
		uint64_t last, unsigned int c, unsigned int d)
{
	uint64_t v[4] = {
		k->k0 ^ 0x736f6d6570736575ULL, k->k1 ^ 0x646f72616e646f6dULL,
		k->k0 ^ 0x6c7967656e657261ULL, k->k1 ^ 0x7465646279746573ULL,
	};
	unsigned int i, r;

	for (i = 0; i <= n; i++) {
		uint64_t m = i < n ? w[i] : last;

		v[3] ^= m;
		for (r = 0; r < c; r++)
			bs_sip_round(v);
		v[0] ^= m;
	}
	v[2] ^= 0xff;
	for (r = 0; r < d; r++)
		bs_sip_round(v);
	return v[0] ^ v[1] ^ v[2] ^ v[3];
}

/** SipHash-2-4 of @p n 64-bit words. */
static inline uint64_t
bs_siphash(const struct bs_sipkey *k, const uint64_t *w, unsigned int n)
{
	return bs_siphash_cd(k, w, n, (uint64_t)(n * 8) << 56, 2, 4);
}

/**
 * SipHash-2-4 of @p n 64-bit words followed by the @p tail_len (0-7) low
 * bytes of @p tail: the layout of Linux's siphash_3u32() (one word, a
 * 4-byte tail) and of its hashes of structures padded to 4 bytes.
 */
static inline uint64_t
bs_siphash_tail(const struct bs_sipkey *k, const uint64_t *w, unsigned int n,
		uint64_t tail, unsigned int tail_len)
{
	return bs_siphash_cd(k, w, n, tail | (uint64_t)(n * 8 + tail_len) << 56, 2, 4);
}

/** SipHash-1-3 of @p n 64-bit words. */
static inline uint64_t
bs_siphash13(const struct bs_sipkey *k, const uint64_t *w, unsigned int n)
{
	return bs_siphash_cd(k, w, n, (uint64_t)(n * 8) << 56, 1, 3);
}

#endif /* BS_SIPHASH_H */
