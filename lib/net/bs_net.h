/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_NET_H
#define BS_NET_H

/**
 * @file
 * L2/L3 parsing and validation of received frames into a parsed view
 * (struct bs_pkt), and the Internet checksum helpers shared by every reply
 * builder. Pure functions on a byte buffer: callable from any lcore, no EAL
 * needed, so they are unit-tested and fuzzed directly.
 */

#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#ifdef __SSE2__
#include <emmintrin.h>
#endif

#include <rte_byteorder.h>
#include <rte_ether.h>
#include <rte_ip.h>

#include "bs_drop.h"

/** What a frame carries, once parsed. */
enum bs_pkt_kind {
	BS_PKT_ARP = 1,
	BS_PKT_IPV4,
	BS_PKT_IPV6,
};

/*
 * Byte order on the fast path: the compiler's builtins, which it folds
 * into loads, stores and comparisons; DPDK's x86 rte_be_to_cpu_16() is an
 * inline asm exchange the compiler can neither combine nor schedule. The
 * same swap converts both ways.
 */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
#define bs_be16(x) ((uint16_t)__builtin_bswap16((uint16_t)(x)))
#define bs_be32(x) ((uint32_t)__builtin_bswap32((uint32_t)(x)))
#else
#define bs_be16(x) ((uint16_t)(x))
#define bs_be32(x) ((uint32_t)(x))
#endif

/** Parsed view of a received frame. Offsets are from the frame start. */
struct bs_pkt {
	uint16_t l2_len;	/**< Ethernet header plus VLAN tag: 14 or 18 */
	uint16_t l3_len;	/**< IPv4 header with options; IPv6 header with extension headers */
	uint32_t l4_len;	/**< L4 bytes: header plus payload, from the IP length */
	uint16_t vlan;		/**< VLAN ID (0 when untagged or priority-tagged) */
	uint64_t addr_sum;	/**< IP: unfolded sum of source and destination */
	uint8_t kind;		/**< enum bs_pkt_kind */
	uint8_t l4_proto;	/**< IPPROTO_TCP, IPPROTO_ICMP or IPPROTO_ICMPV6 */
	bool l2_group;		/**< destination MAC is broadcast or multicast */
};

/** TCP header flags, wire values. */
#define BS_TCP_FIN 0x01
#define BS_TCP_SYN 0x02
#define BS_TCP_RST 0x04
#define BS_TCP_PSH 0x08
#define BS_TCP_ACK 0x10
#define BS_TCP_URG 0x20
#define BS_TCP_ECE 0x40
#define BS_TCP_CWR 0x80

/**
 * Parse and validate a frame's L2 and L3 headers.
 *
 * Checks, in the order Linux applies them (netif_receive, ip_rcv_core,
 * ipv6_rcv): frame length, source MAC, destination MAC (ours, or a group
 * address), one optional 802.1Q tag, EtherType, IP version, header and
 * total lengths, IPv4 header checksum (unless @p ip_csum_good), fragments,
 * IPv6 extension headers, and the L4 protocol. Does not look at addresses
 * (see bs_addr_check()) nor at L4 checksums.
 *
 * @param p        filled on success
 * @param frame    first byte of the frame; all headers must lie in the
 *                 first @p seg_len bytes
 * @param seg_len  contiguous bytes at @p frame
 * @param pkt_len  whole frame length (all segments)
 * @param mac      this port's MAC address
 * @param ip_csum_good  the NIC already verified the IPv4 header checksum
 * @return 0, or the drop reason
 */
int bs_pkt_parse(struct bs_pkt *p, const uint8_t *frame, uint32_t seg_len,
		uint32_t pkt_len, const struct rte_ether_addr *mac,
		bool ip_csum_good);

/*
 * Checksums. Sums are of 16-bit words as they lie in memory (so the folded
 * result is stored as is, whatever the byte order) and are accumulated 32
 * bits at a time in 64 bits: 2^16 = 1 modulo 0xffff, so this is the same
 * ones'-complement sum, with half the additions of a 16-bit loop.
 */

/** Fold a 64-bit accumulated sum to 16 bits (not inverted). */
static inline uint16_t
bs_csum_fold(uint64_t sum)
{
	uint32_t lo = (uint32_t)sum, r;

	/* 64 to 32 bits with the end-around carry, then 32 to 16. */
	r = lo + (uint32_t)(sum >> 32);
	r += r < lo;
	r = (r & 0xffff) + (r >> 16);
	return (uint16_t)(r + (r >> 16));
}

/**
 * Does an unfolded sum over a whole header or segment, checksum field
 * included, verify (fold to 0xffff)? The same test without the fold's
 * chain of dependent additions: a non-zero sum folds to 0xffff exactly
 * when it is a multiple of 0xffff, which the compiler tests with one
 * multiplication by the inverse of 0xffff modulo 2^64.
 */
static inline bool
bs_csum_verifies(uint64_t sum)
{
	return (sum % 0xffff == 0) & (sum != 0);
}

/** Add @p len bytes at @p buf (any alignment) to a sum. */
static inline uint64_t
bs_csum_add(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *b = (const uint8_t *)buf;
	uint32_t w;
	uint16_t h;

	for (; len >= 4; len -= 4, b += 4) {
		memcpy(&w, b, 4);
		sum += w;
	}
	if (len >= 2) {
		memcpy(&h, b, 2);
		sum += h;
		b += 2;
		len -= 2;
	}
	if (len != 0)	/* a last odd byte is the high-order byte of its word */
		sum += bs_be16((uint16_t)(*b << 8));
	return sum;
}

/** Add a 20-byte header at @p buf (any alignment) to a sum: five
 * independent loads added as a tree, not one chain. */
static inline uint64_t
bs_csum_add20(const void *buf, uint64_t sum)
{
	const uint8_t *b = (const uint8_t *)buf;
	uint32_t w0, w1, w2, w3, w4;

	memcpy(&w0, b, 4);
	memcpy(&w1, b + 4, 4);
	memcpy(&w2, b + 8, 4);
	memcpy(&w3, b + 12, 4);
	memcpy(&w4, b + 16, 4);
	return ((uint64_t)w0 + w1) + ((uint64_t)w2 + w3) + (w4 + sum);
}

/**
 * Add @p len bytes at @p buf (any alignment) to a sum, in 8-byte words:
 * the last word is read whole and its bytes past @p len are masked off,
 * so up to 7 bytes past the end must be readable. Only the loop's exit
 * depends on the length, where bs_csum_add() has a tail of branches that
 * a stream of varying lengths mispredicts.
 */
static inline uint64_t
bs_csum_add_overread(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *b = (const uint8_t *)buf;
	uint64_t w, keep;
#ifdef __SIZEOF_INT128__
	/* Whole 64-bit words, added with carry (add/adc): 2^64 = 1 modulo
	 * 0xffff too, so the carries out add back in at the end. */
	__extension__ unsigned __int128 acc = sum;

	for (; len >= 8; len -= 8, b += 8) {
		memcpy(&w, b, 8);
		acc += w;
	}
#else
	for (; len >= 8; len -= 8, b += 8) {
		memcpy(&w, b, 8);
		sum += (w & UINT32_MAX) + (w >> 32);
	}
#endif
	/* The first len (0-7) bytes in memory order; the zeros after an
	 * odd last byte make it the high-order byte of its word. */
#if RTE_BYTE_ORDER == RTE_LITTLE_ENDIAN
	keep = (UINT64_C(1) << (len * 8)) - 1;
#else
	keep = ~(UINT64_MAX >> (len * 8));
#endif
	memcpy(&w, b, 8);
	w &= keep;
#ifdef __SIZEOF_INT128__
	/* The last word into the 128-bit sum too: the 64-bit sum of the
	 * whole words can be 2^64 - 1 (bytes of 0xff), which any further
	 * 64-bit addition would overflow. */
	acc += w;
	sum = (uint64_t)acc;
	w = (uint64_t)(acc >> 64);
	sum += w;
	return sum + (sum < w);
#else
	return sum + (w & UINT32_MAX) + (w >> 32);
#endif
}

/**
 * Add @p len bytes at @p buf (any alignment) to a sum, 16 bytes a step
 * (SSE2: the biased pmaddwd of bs_csum_add64_masked(), without a mask),
 * the last 0-15 by bs_csum_add_overread(): up to 7 bytes past the end must
 * be readable. For payloads (the segments the endpoint builds): a 4-byte
 * step costs 4 times the instructions. Each 32-bit lane moves by at most
 * 2^16 a step and the four are added at the end: exact up to 2^13 steps
 * (128 KiB).
 */
static inline uint64_t
bs_csum_add_wide(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *b = (const uint8_t *)buf;
#ifdef __SSE2__
	const __m128i bias = _mm_set1_epi16((short)0x8000);
	const __m128i one = _mm_set1_epi16(1);
	__m128i acc = _mm_setzero_si128();
	uint32_t i, n = len / 16;

	if (n != 0) {
		for (i = 0; i < n; i++)
			acc = _mm_add_epi32(acc, _mm_madd_epi16(_mm_xor_si128(
				_mm_loadu_si128((const __m128i *)(b + 16 * i)), bias), one));
		acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(1, 0, 3, 2)));
		acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(2, 3, 0, 1)));
		sum += (uint64_t)((int64_t)_mm_cvtsi128_si32(acc) + (int64_t)n * 8 * 0x8000);
		b += 16 * n;
		len -= 16 * n;
	}
#endif
	return bs_csum_add_overread(b, len, sum);
}

/** Bytes bs_csum_add64_masked() reads: every TCP header, options included. */
#define BS_CSUM_MASKED_MAX 64

/** 64 bytes of 0xff then 64 of 0: the mask of the first n bytes of 64 is
 * the 64 bytes at bs_csum_mask64 + 64 - n. */
extern const uint8_t bs_csum_mask64[2 * BS_CSUM_MASKED_MAX];

/**
 * Add the first @p len (at most BS_CSUM_MASKED_MAX) bytes at @p buf to a
 * sum with no branch on the length: all 64 bytes are read (they must be
 * readable) and those past @p len masked off, so a stream of segments of
 * mixed lengths mispredicts nothing here. With SSE2, four 16-byte loads
 * whose 16-bit words are added in 32-bit lanes (pmaddwd); each word is
 * first biased by -0x8000 so that pmaddwd's signed product adds it right,
 * and the 32 biases are added back at the end.
 */
static inline uint64_t
bs_csum_add64_masked(const void *buf, uint32_t len, uint64_t sum)
{
	const uint8_t *b = (const uint8_t *)buf;
	const uint8_t *mask = bs_csum_mask64 + BS_CSUM_MASKED_MAX - len;
#ifdef __SSE2__
	const __m128i bias = _mm_set1_epi16((short)0x8000);
	const __m128i one = _mm_set1_epi16(1);
	__m128i v0, v1, v2, v3, acc;

	v0 = _mm_and_si128(_mm_loadu_si128((const __m128i *)b),
		_mm_loadu_si128((const __m128i *)mask));
	v1 = _mm_and_si128(_mm_loadu_si128((const __m128i *)(b + 16)),
		_mm_loadu_si128((const __m128i *)(mask + 16)));
	v2 = _mm_and_si128(_mm_loadu_si128((const __m128i *)(b + 32)),
		_mm_loadu_si128((const __m128i *)(mask + 32)));
	v3 = _mm_and_si128(_mm_loadu_si128((const __m128i *)(b + 48)),
		_mm_loadu_si128((const __m128i *)(mask + 48)));
	v0 = _mm_madd_epi16(_mm_xor_si128(v0, bias), one);
	v1 = _mm_madd_epi16(_mm_xor_si128(v1, bias), one);
	v2 = _mm_madd_epi16(_mm_xor_si128(v2, bias), one);
	v3 = _mm_madd_epi16(_mm_xor_si128(v3, bias), one);
	/* Each lane now holds (w0 - 0x8000) + (w1 - 0x8000): at most 2^18
	 * in size after the four vectors and 2^20 after the lanes. */
	acc = _mm_add_epi32(_mm_add_epi32(v0, v1), _mm_add_epi32(v2, v3));
	acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(1, 0, 3, 2)));
	acc = _mm_add_epi32(acc, _mm_shuffle_epi32(acc, _MM_SHUFFLE(2, 3, 0, 1)));
	return sum + (uint64_t)((int64_t)_mm_cvtsi128_si32(acc) +
		BS_CSUM_MASKED_MAX / 2 * 0x8000);
#else
	uint64_t w, m;
	uint32_t i;

	for (i = 0; i < BS_CSUM_MASKED_MAX; i += 8) {
		memcpy(&w, b + i, 8);
		memcpy(&m, mask + i, 8);
		w &= m;
		sum += (w & UINT32_MAX) + (w >> 32);
	}
	return sum;
#endif
}

/**
 * The pseudo header's L4 length and protocol, as 16-bit words in network
 * order, added to @p addr_sum (the unfolded sum of its addresses).
 */
static inline uint64_t
bs_csum_pseudo_add(uint64_t addr_sum, uint32_t l4_len, uint8_t proto)
{
	return addr_sum + bs_be16((uint16_t)(l4_len >> 16)) +
		bs_be16((uint16_t)l4_len) + bs_be16(proto);
}

/**
 * Sum of the IPv4 or IPv6 pseudo header for an L4 length and protocol,
 * unfolded. @p l3 points at the IP header of kind @p kind.
 */
static inline uint64_t
bs_csum_pseudo(const uint8_t *l3, uint8_t kind, uint32_t l4_len, uint8_t proto)
{
	uint64_t sum;

	if (kind == BS_PKT_IPV4)
		sum = bs_csum_add(l3 + 12, 8, 0);	/* source, destination */
	else
		sum = bs_csum_add(l3 + 8, 32, 0);
	return bs_csum_pseudo_add(sum, l4_len, proto);
}

/**
 * Checksum field value for an L4 header (checksum field zeroed by the
 * caller) in a contiguous buffer.
 */
static inline uint16_t
bs_csum_l4(const uint8_t *l3, uint8_t kind, const uint8_t *l4, uint32_t l4_len,
		uint8_t proto)
{
	return (uint16_t)~bs_csum_fold(bs_csum_add(l4, l4_len,
		bs_csum_pseudo(l3, kind, l4_len, proto)));
}

/**
 * Pseudo-header sum of a parsed IP packet for its L4 length and protocol,
 * unfolded (the addresses were summed once, by the parser).
 */
static inline uint64_t
bs_pkt_pseudo(const struct bs_pkt *p, uint32_t l4_len, uint8_t proto)
{
	return bs_csum_pseudo_add(p->addr_sum, l4_len, proto);
}

/** IPv4 header checksum field value (field zeroed by the caller). */
static inline uint16_t
bs_csum_ipv4_hdr(const uint8_t *l3, uint32_t len)
{
	return (uint16_t)~bs_csum_fold(bs_csum_add(l3, len, 0));
}

/** Is this MAC a group (broadcast or multicast) address? */
static inline bool
bs_mac_is_group(const uint8_t *mac)
{
	return (mac[0] & 0x01) != 0;
}

/**
 * IP settings every reply builder uses, under their Linux sysctl names.
 * Read-only for workers.
 */
struct bs_ip_conf {
	uint8_t ttl;			/**< net.ipv4.ip_default_ttl */
	uint8_t hop_limit;		/**< net.ipv6.conf.all.hop_limit */
	uint8_t flowlabel_reflect;	/**< net.ipv6.flowlabel_reflect bits */
	bool auto_flowlabels;		/**< net.ipv6.auto_flowlabels is 1 or 3 */
	uint32_t flow_secret;		/**< key of the automatic flow label hash */
	uint64_t tsc_hz;		/**< clock for IPv4 timestamp options: */
	uint64_t tsc0;			/**< TSC at ... */
	uint64_t utc_ms0;		/**< ... this UTC time in milliseconds */
};

/**
 * Milliseconds since midnight UTC in network order, for IPv4 timestamp
 * options (inet_current_timestamp), from the TSC and the base in @p c.
 */
static inline uint32_t
bs_ip_timestamp_be(const struct bs_ip_conf *c, uint64_t tsc)
{
	uint64_t hz = c->tsc_hz ? c->tsc_hz : 1, d = tsc - c->tsc0;
	uint64_t ms = c->utc_ms0 + d / hz * 1000 + d % hz * 1000 / hz;

	return bs_be32((uint32_t)(ms % 86400000u));
}

/* net.ipv6.flowlabel_reflect bits (Documentation/networking/ip-sysctl.rst) */
#define BS_FLOWLABEL_REFLECT_ESTABLISHED 1
#define BS_FLOWLABEL_REFLECT_TCP_RESET 2
#define BS_FLOWLABEL_REFLECT_ICMPV6_ECHO_REPLIES 4

/**
 * Flow label of a reply, as Linux's ip6_make_flowlabel() picks it for a
 * control-socket reply: the incoming label when @p reflect_bit is set in
 * flowlabel_reflect and the incoming label is non-zero, else (with
 * auto_flowlabels) a keyed hash of the reply's flow, else 0.
 *
 * @param in  the incoming IPv6 header (addresses not yet swapped)
 * @param ports  the incoming L4 source and destination ports as one
 *               32-bit word, or 0 for ICMPv6
 * @return the label in the low 20 bits, host order
 */
uint32_t bs_ip6_reply_flowlabel(const struct bs_ip_conf *c,
		const struct rte_ipv6_hdr *in, uint32_t ports, uint8_t proto,
		unsigned int reflect_bit);

#endif /* BS_NET_H */
