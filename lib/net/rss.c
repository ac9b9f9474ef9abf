/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Toeplitz hash in software (bs_rss.h): for every set bit of the
 * input, the 32 key bits starting at that bit's position are XORed into
 * the hash.
 */
#include <string.h>

#include "bs_rss.h"

static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

uint32_t
bs_toeplitz_at(const uint8_t *key, unsigned int key_len, unsigned int off,
		const uint8_t *in, unsigned int len)
{
	uint32_t hash = 0, win = 0;
	unsigned int i, b;

	for (i = 0; i < 4; i++)
		win = win << 8 | (off + i < key_len ? key[off + i] : 0);
	for (i = 0; i < len; i++) {
		unsigned int k = off + i + 4;
		uint8_t next = k < key_len ? key[k] : 0;

		for (b = 0; b < 8; b++) {
			if (in[i] & (0x80u >> b))
				hash ^= win;
			win = win << 1 | ((next >> (7 - b)) & 1u);
		}
	}
	return hash;
}

uint32_t
bs_rss_hash(const struct bs_rss *r, const uint8_t src[16], const uint8_t dst[16],
		uint16_t sport, uint16_t dport)
{
	bool v4 = memcmp(src, v4mapped, 12) == 0;
	unsigned int alen = v4 ? 4 : 16;
	uint8_t in[36];

	if (!(r->fields & (v4 ? BS_RSS_V4_L3 | BS_RSS_V4_L4 : BS_RSS_V6_L3 | BS_RSS_V6_L4)))
		return 0;
	memcpy(in, src + 16 - alen, alen);
	memcpy(in + alen, dst + 16 - alen, alen);
	if (!bs_rss_hashes_ports(r, v4))
		return bs_toeplitz(r->key, r->key_len, in, 2 * alen);
	memcpy(in + 2 * alen, &sport, 2);
	memcpy(in + 2 * alen + 2, &dport, 2);
	return bs_toeplitz(r->key, r->key_len, in, 2 * alen + 4);
}

uint32_t
bs_rss_dport_hash(const struct bs_rss *r, bool v4, uint16_t dport)
{
	if (!bs_rss_hashes_ports(r, v4))
		return 0;
	return bs_toeplitz_at(r->key, r->key_len, v4 ? 10 : 34, (const uint8_t *)&dport, 2);
}
