/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_GEN_H
#define BS_GEN_H

/**
 * @file
 * The traffic generator's core (app/backstop-gen is its wiring): what the
 * i-th segment of a stateless flood is, its frame, what Linux answers to
 * it, and the checker that matches every reply to the segment it answers
 * and compares it with that answer.
 *
 * Nothing is stored per segment sent but one bit (is a reply still due?)
 * and, for latency, its TX time in a ring: segment i's 4-tuple, flags,
 * SEQ, ACK and payload follow from i and the seed, and a reply's 4-tuple
 * gives i back (the tuple order is a keyed permutation, inverted on
 * receive). The expected answers are written here from the matrix
 * (../shared/spec/linux-rst-matrix.md), not taken from lib/tcp, so that a
 * bug in Backstop's reply code cannot hide in its own checker.
 *
 * Pure functions on byte buffers: no EAL; any thread (a flow and a
 * tracker belong to one thread).
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ether.h>

#include "bs_net.h"

/** What a flood sends (bs_gen_kind.def). */
enum bs_gen_kind {
#define BS_GEN_KIND(id, name, flags, help) BS_GEN_KIND_##id,
#include "bs_gen_kind.def"
#undef BS_GEN_KIND
	BS_GEN_KIND_MAX
};

/** What comes back (bs_gen_reply.def). */
enum bs_gen_reply_kind {
#define BS_GEN_REPLY(id, name, help) BS_GEN_REPLY_##id,
#include "bs_gen_reply.def"
#undef BS_GEN_REPLY
	BS_GEN_REPLY_MAX
};

extern const char *const bs_gen_kind_names[BS_GEN_KIND_MAX];
extern const char *const bs_gen_kind_help[BS_GEN_KIND_MAX];
extern const uint8_t bs_gen_kind_flags[BS_GEN_KIND_MAX];
extern const char *const bs_gen_reply_names[BS_GEN_REPLY_MAX];

#define BS_GEN_MAX_LISTEN 16	/**< --listen ports */
#define BS_GEN_FRAME_MAX 256	/**< longest frame the builders write */
#define BS_GEN_PAYLOAD_MAX 128	/**< longest flood payload */

/** A stateless flood: addresses, ranges, mix. Filled by the caller, then
 * bs_gen_flow_init(). */
struct bs_gen_flow {
	struct rte_ether_addr src_mac;	/**< ours */
	struct rte_ether_addr dst_mac;	/**< the target's */
	uint8_t family;		/**< 4, 6, or 0: both (by a bit of the hash) */
	uint32_t src4;		/**< first source address, host order */
	uint32_t dst4;		/**< target, host order */
	uint8_t src6[16];	/**< first source address: + i in the low 32 bits */
	uint8_t dst6[16];
	uint32_t src_n;		/**< source addresses */
	uint16_t sport_lo;	/**< source ports sport_lo .. + sport_n - 1 */
	uint32_t sport_n;
	uint16_t dport_lo;	/**< destination ports */
	uint32_t dport_n;
	bool random;		/**< tuples in a keyed pseudo-random order */
	uint64_t seed;
	uint16_t payload_min;	/**< data segments' payload bytes */
	uint16_t payload_max;
	uint8_t ttl;		/**< replies' IPv4 TTL and IPv6 hop limit */
	uint8_t n_listen;
	uint16_t listen[BS_GEN_MAX_LISTEN];	/**< ports with a listener */
	unsigned int weight[BS_GEN_KIND_MAX];	/**< the mix */
	/* Derived by bs_gen_flow_init(). */
	uint8_t mix[256];	/**< kind for each value of a hash byte */
	uint64_t space;		/**< 4-tuples: src_n * sport_n * dport_n */
	unsigned int half_bits;	/**< width of a half of the permutation */
};

/** The i-th segment of a flood. Ports and numbers in host order. */
struct bs_gen_seg {
	uint64_t idx;
	uint32_t src_idx;	/**< source address: the first + src_idx */
	uint16_t sport;
	uint16_t dport;
	uint32_t seq;
	uint32_t ack;		/**< 0 without ACK */
	uint16_t win;
	uint16_t plen;		/**< payload bytes */
	uint8_t kind;		/**< enum bs_gen_kind */
	uint8_t flags;
	bool v6;
};

/** One TCP segment to write (bs_gen_tcp_write); ports and numbers in host
 * order, addresses in network order (IPv4 in the first 4 bytes). */
struct bs_gen_hdr {
	bool v6;
	bool bad_csum;		/**< write a wrong TCP checksum */
	uint8_t flags;
	uint8_t opt_len;	/**< bytes of options, a multiple of 4 */
	uint16_t sport;
	uint16_t dport;
	uint16_t win;
	uint16_t len;		/**< payload bytes */
	uint16_t ip_id;
	uint32_t seq;
	uint32_t ack;
	uint8_t src[16];
	uint8_t dst[16];
	const uint8_t *opt;
	const uint8_t *data;
};

/** A received frame, parsed (bs_gen_reply_parse). */
struct bs_gen_reply {
	bool v6;
	bool ip_csum_ok;	/**< IPv4 header checksum (IPv6: true) */
	bool tcp_csum_ok;
	bool df;		/**< IPv4 DF */
	bool frag;		/**< IPv4 MF or fragment offset */
	uint8_t flags;
	uint8_t ttl;		/**< TTL or hop limit */
	uint8_t tos;		/**< TOS or traffic class */
	uint8_t ihl;		/**< IPv4 header bytes */
	uint8_t doff;		/**< TCP header bytes */
	uint16_t ip_id;
	uint16_t sport;
	uint16_t dport;
	uint16_t win;
	uint16_t urp;
	uint32_t seq;
	uint32_t ack;
	uint32_t plen;		/**< payload bytes */
	uint32_t frame_len;
	uint8_t src[16];
	uint8_t dst[16];
	struct rte_ether_addr eth_src;
	struct rte_ether_addr eth_dst;
	const uint8_t *opt;
	const uint8_t *payload;
};

/**
 * Parse a --mix list: "syn,ack" or "syn:3,data:1" (a name without a
 * weight weighs 1) into weights.
 * @return 0, or -1 with a one-line message in @p err
 */
int bs_gen_mix_parse(const char *s, unsigned int w[BS_GEN_KIND_MAX],
		char *err, size_t errlen);

/**
 * backstop-gen's default flood: 198.19.0.1+60000 (2001:2:0:1::1) to
 * 198.18.0.2 (2001:2::2), IPv4, source ports 1024-65535 to ports 1-65535
 * in a random order (seed 1), 1-64 bytes of data, TTL 64, the mix of every
 * kind up to FIN-only, MACs 02:00:00:00:00:01 to ...:02. Zeroes the rest.
 */
void bs_gen_flow_defaults(struct bs_gen_flow *f);

/** Check a flow's ranges and derive its tables. @return 0, or -1 with a
 * message */
int bs_gen_flow_init(struct bs_gen_flow *f, char *err, size_t errlen);

/** The 4-tuple of index @p idx (a segment's, or a connection's): position
 * idx % space of the flow's order. Ports in host order. */
void bs_gen_tuple(const struct bs_gen_flow *f, uint64_t idx, uint32_t *src_idx,
		uint16_t *sport, uint16_t *dport);

/** The segment of index @p idx. */
void bs_gen_seg(const struct bs_gen_flow *f, uint64_t idx, struct bs_gen_seg *s);

/** Its frame in @p buf (BS_GEN_FRAME_MAX bytes). @return the length */
uint32_t bs_gen_seg_frame(const struct bs_gen_flow *f, const struct bs_gen_seg *s,
		uint8_t *buf);

/** Source address @p src_idx of the flow, into @p addr (16 bytes). */
void bs_gen_src_addr(const struct bs_gen_flow *f, bool v6, uint32_t src_idx,
		uint8_t *addr);

/** Position (0 .. space-1) of a tuple in the flow's order, or -1 if the
 * tuple is not the flow's. Ports in host order. */
int bs_gen_tuple_pos(const struct bs_gen_flow *f, bool v6, const uint8_t *src,
		uint16_t sport, uint16_t dport, uint64_t *pos);

/** Write an Ethernet/IP/TCP frame with the flow's MACs. @return length */
uint32_t bs_gen_tcp_write(const struct bs_gen_flow *f, const struct bs_gen_hdr *h,
		uint8_t *buf);

/** Parse an untagged Ethernet/IPv4|IPv6/TCP frame, checksums computed.
 * @return 0, or -1 if it is not one */
int bs_gen_reply_parse(const uint8_t *frame, uint32_t len, struct bs_gen_reply *r);

/** The kind of a parsed reply. */
enum bs_gen_reply_kind bs_gen_reply_kind_of(const struct bs_gen_reply *r);

/** What Linux answers to segment @p s (BS_GEN_REPLY_NONE: silence). */
enum bs_gen_reply_kind bs_gen_expect(const struct bs_gen_flow *f,
		const struct bs_gen_seg *s);

/**
 * Compare reply @p r with what Linux sends in answer to @p s: the RST-REPLY
 * of matrix 5.1 (tcp_v4_send_reset / tcp_v6_send_reset: flags, SEQ, ACK,
 * window 0, no options, no payload, IPv4 ID 0 and DF, TTL, TOS without
 * ECN) or a listener's SYN-ACK (ACK = SEG.SEQ + 1, an MSS option, a
 * window), addresses, ports and MACs swapped, valid checksums.
 * @return 0 if it matches, else -1 with the first difference in @p why
 */
int bs_gen_check(const struct bs_gen_flow *f, const struct bs_gen_seg *s,
		const struct bs_gen_reply *r, char *why, size_t whylen);

/** Log-linear histogram of TSC cycle counts (about 3 % resolution). */
#define BS_GEN_HIST_SUB 32
#define BS_GEN_HIST_BUCKETS (60 * BS_GEN_HIST_SUB)
struct bs_gen_hist {
	uint64_t n;
	uint64_t max;
	uint64_t b[BS_GEN_HIST_BUCKETS];
};

void bs_gen_hist_add(struct bs_gen_hist *h, uint64_t v);
/** The value below which @p pct percent of the samples lie (an upper
 * bucket bound, the exact max for 100). 0 without samples. */
uint64_t bs_gen_hist_pct(const struct bs_gen_hist *h, double pct);

#define BS_GEN_ERRS 8	/**< mismatches kept with their text */

/**
 * The checker of a flood: a reply is due for every segment whose answer
 * is not silence; each reply is matched to its segment and checked.
 */
struct bs_gen_track {
	const struct bs_gen_flow *f;
	uint64_t *await;	/**< bit per index (a ring): reply due */
	uint64_t ring;		/**< indices the ring covers (power of 2) */
	uint64_t *tx_tsc;	/**< TX time per index (a ring of tsc_ring) */
	uint64_t tsc_ring;
	uint64_t sent;		/**< indices 0 .. sent - 1 were sent */
	uint64_t due;		/**< of them, segments that deserve a reply */
	uint64_t sent_kind[BS_GEN_KIND_MAX];
	uint64_t replies[BS_GEN_REPLY_MAX];
	uint64_t ok;		/**< replies that match their segment */
	uint64_t mismatches;	/**< wrong replies, replies to silence, strangers */
	uint64_t lost;		/**< segments whose reply never came */
	uint64_t duplicates;	/**< a second reply to a segment */
	uint64_t retrans;	/**< SYN-ACK retransmissions (Linux's own) */
	uint64_t untracked;	/**< right replies older than the ring */
	uint64_t not_tcp;	/**< frames that are not TCP (not replies) */
	struct bs_gen_hist lat;	/**< TX to reply, TSC cycles */
	unsigned int n_errs;
	char errs[BS_GEN_ERRS][200];
};

/** @p ring_log2: indices remembered (a bit each); @p tsc_log2: TX times
 * kept for latency (8 bytes each). @return 0, or -1 (no memory) */
int bs_gen_track_init(struct bs_gen_track *t, const struct bs_gen_flow *f,
		unsigned int ring_log2, unsigned int tsc_log2);
void bs_gen_track_free(struct bs_gen_track *t);

/** Segment @p s (the next index: s->idx == t->sent) left at @p tsc. */
void bs_gen_track_sent(struct bs_gen_track *t, const struct bs_gen_seg *s,
		uint64_t tsc);

/** A received frame at @p tsc. @return its enum bs_gen_reply_kind */
enum bs_gen_reply_kind bs_gen_track_reply(struct bs_gen_track *t,
		const uint8_t *frame, uint32_t len, uint64_t tsc);

/** The end: every reply still due is lost. */
void bs_gen_track_finish(struct bs_gen_track *t);

/** Keep a mismatch's text (the first BS_GEN_ERRS). */
void bs_gen_track_err(struct bs_gen_track *t, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Classic pcap files (libpcap format, microsecond stamps, Ethernet). */
struct bs_gen_pcap {
	FILE *fp;
	bool swap;		/**< reading a file of the other byte order */
	bool nsec;		/**< nanosecond stamps */
};

int bs_gen_pcap_create(struct bs_gen_pcap *p, const char *path);
int bs_gen_pcap_write(struct bs_gen_pcap *p, const uint8_t *frame, uint32_t len,
		uint64_t usec);
int bs_gen_pcap_open(struct bs_gen_pcap *p, const char *path);
/** @return the captured length (0 at the end, -1 on a bad file) */
int bs_gen_pcap_next(struct bs_gen_pcap *p, uint8_t *buf, uint32_t size);
int bs_gen_pcap_close(struct bs_gen_pcap *p);

/** An IPv4 address in host order (RTE_IPV4 shifts an int: UB above 127). */
#define BS_GEN_IPV4(a, b, c, d) \
	((uint32_t)(a) << 24 | (uint32_t)(b) << 16 | (uint32_t)(c) << 8 | (uint32_t)(d))

/** splitmix64: the generator's hash. */
static inline uint64_t
bs_gen_mix64(uint64_t x)
{
	x += UINT64_C(0x9e3779b97f4a7c15);
	x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
	x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
	return x ^ (x >> 31);
}

#endif /* BS_GEN_H */
