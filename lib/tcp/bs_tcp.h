/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_TCP_H
#define BS_TCP_H

/**
 * @file
 * The TCP core: decides what to do with a segment addressed to a local
 * address, and builds the reply over the received frame.
 *
 * The core decides, the I/O layer executes: bs_tcp_input() works on a
 * parsed segment view and fills a verdict (discard with a drop reason, or
 * send an RST with a reset reason, flags, SEQ and ACK); bs_tcp_rst_write()
 * rewrites the received frame into that RST. Neither touches an mbuf or
 * the EAL, so both are unit-tested and fuzzed as pure functions.
 *
 * The CLOSED rules are bs_tcp_input(), inline here (the stray path's whole
 * decision); every RST-REPLY's fields come from bs_tcp_reply_verdict(), and
 * every RST Backstop sends to a stray segment is built by bs_tcp_rst_write().
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_ether.h>

#include "bs_drop.h"
#include "bs_net.h"
#include "bs_rst_reason.h"

/** Parsed TCP segment. Numbers in host order, ports in network order. */
struct bs_tcp_seg {
	uint32_t seq;		/**< SEG.SEQ */
	uint32_t ack;		/**< SEG.ACK (meaningful with BS_TCP_ACK) */
	uint32_t len;		/**< payload bytes (SYN and FIN not counted) */
	uint16_t sport;		/**< source port, network order */
	uint16_t dport;		/**< destination port, network order */
	uint16_t win;		/**< SEG.WND, unscaled */
	uint8_t flags;		/**< BS_TCP_* flags */
	uint8_t opt_len;	/**< bytes of options */
	const uint8_t *opts;	/**< first option byte */
};

enum bs_tcp_action {
	BS_TCP_DISCARD = 0,	/**< no reply; reason is an enum bs_drop */
	BS_TCP_SEND_RST,	/**< send an RST-REPLY; reason is an enum bs_rst_reason */
};

/** What the core decided for one segment. */
struct bs_tcp_verdict {
	uint8_t action;		/**< enum bs_tcp_action */
	uint8_t reason;		/**< drop or reset reason, per action */
	uint8_t flags;		/**< RST flags: BS_TCP_RST, with BS_TCP_ACK or not */
	uint8_t state;		/**< the state that decided (enum bs_tcp_state): set by
				 *   bs_tcp_ep_input() only, for tracing */
	uint32_t seq;		/**< SEQ of the RST, host order */
	uint32_t ack;		/**< ACK of the RST (0 without BS_TCP_ACK) */
};

/**
 * Parse a TCP header.
 * @param th       first byte of the TCP header
 * @param l4_len   TCP header plus payload, from the IP length
 * @param contig   bytes readable at @p th (the header must fit)
 * @return 0, or BS_DROP_PKT_TOO_SMALL (truncated, doff < 5, doff beyond
 *         the segment: Linux tcp_v4_rcv `bad_packet`, row Q3)
 */
int bs_tcp_seg_parse(struct bs_tcp_seg *s, const uint8_t *th, uint32_t l4_len,
		uint32_t contig);

/**
 * The MD5 and AO options of a segment (its @p len bytes of options at
 * @p opts) as tcp_parse_auth_options() reads them. Scalars, not the
 * segment view, so that the inline caller's view stays in registers.
 * @return 0, or the drop reason when the segment must not be answered
 *         (a malformed option, or a signature no key can check: Q8, Q9)
 */
unsigned int bs_tcp_auth_options(const uint8_t *opts, unsigned int len);

/**
 * Fill @p v with the RST-REPLY to @p s (matrix 5.1; RFC 9293 3.5.2
 * groups 1 and 2): with ACK, <SEQ=SEG.ACK><CTL=RST>; without,
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK>, where SYN and FIN count one.
 * The one formula every stateless reset uses, whatever the state that
 * decided it (tcp_v4_send_reset).
 */
static inline void
bs_tcp_reply_verdict(const struct bs_tcp_seg *s, unsigned int reason,
		struct bs_tcp_verdict *v)
{
	/* All ones with ACK, else 0: written without a branch, which half
	 * of a stream of stray segments would mispredict. */
	uint32_t with_ack = -(uint32_t)((s->flags & BS_TCP_ACK) != 0);

	v->action = BS_TCP_SEND_RST;
	v->reason = (uint8_t)reason;
	v->flags = (uint8_t)(BS_TCP_RST | (~with_ack & BS_TCP_ACK));
	v->seq = s->ack & with_ack;
	v->ack = (s->seq + s->len + !!(s->flags & BS_TCP_SYN) +
		!!(s->flags & BS_TCP_FIN)) & ~with_ack;
}

/**
 * Decide what to do with a segment to a local address whose checksum has
 * been verified, and that matched no connection, request or listener:
 * the CLOSED rules (RFC 9293 3.10.7.1; tcp_v4_rcv `no_tcp_socket` ->
 * tcp_v4_send_reset(NULL, ...)). Inline: it is the stray path's whole
 * decision. Any lcore; no side effects.
 * @return v->action
 */
static inline enum bs_tcp_action
bs_tcp_input(const struct bs_tcp_seg *s, struct bs_tcp_verdict *v)
{
	unsigned int drop;

	/* "If the incoming segment has the RST bit set, it is discarded"
	 * and Linux never answers a reset (X1, Q1). */
	if (unlikely(s->flags & BS_TCP_RST)) {
		drop = BS_DROP_NO_SOCKET;
		goto discard;
	}
	if (unlikely(s->opt_len != 0)) {
		drop = bs_tcp_auth_options(s->opts, s->opt_len);
		if (drop != 0)
			goto discard;
	}
	bs_tcp_reply_verdict(s, BS_RST_REASON_NO_SOCKET, v);	/* N1, N2 */
	return BS_TCP_SEND_RST;
discard:
	v->action = BS_TCP_DISCARD;
	v->reason = (uint8_t)drop;
	return BS_TCP_DISCARD;
}

/**
 * Rewrite a received frame, in place, into the RST of @p v (the RST-REPLY
 * of matrix section 5.1): MACs and addresses swapped, ports swapped, window
 * 0, no options, IPv4 DF set with ID 0 and TTL ip_default_ttl, IPv6 hop
 * limit hop_limit, TOS/traffic class copied with ECN cleared, IPv6 flow
 * label as Linux picks it; the VLAN tag is kept. An IPv4 packet with
 * options must have been through bs_ip4_opts_echo() first: its IHL and
 * echoed options are kept.
 *
 * @param hw_csum  leave the IPv4 header checksum at 0 and put only the
 *                 pseudo-header sum in the TCP checksum (TX offload)
 * @return the new frame length
 */
uint32_t bs_tcp_rst_write(uint8_t *frame, const struct bs_pkt *p,
		const struct bs_tcp_seg *s, const struct bs_tcp_verdict *v,
		const struct rte_ether_addr *mac, const struct bs_ip_conf *c,
		bool hw_csum);

#endif /* BS_TCP_H */
