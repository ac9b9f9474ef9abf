/* SPDX-License-Identifier: BSD-3-Clause */
#include <stddef.h>

#include <rte_byteorder.h>
#include <rte_tcp.h>

#include "bs_tcp.h"

#define TCPOPT_EOL 0
#define TCPOPT_NOP 1
#define TCPOPT_MD5SIG 19
#define TCPOPT_AO 29
#define TCPOLEN_MD5SIG 18
#define TCPOLEN_AO_HDR 4

static const struct {
	const char *name;
	const char *rows;
	const char *help;
} rst_reasons[BS_RST_REASON_MAX] = {
#define BS_RST_REASON(name, rows, help) [BS_RST_REASON_##name] = { #name, rows, help },
#include "bs_rst_reason.def"
#undef BS_RST_REASON
};

const char *
bs_rst_reason_name(unsigned int reason)
{
	return reason < BS_RST_REASON_MAX ? rst_reasons[reason].name : "?";
}

const char *
bs_rst_reason_rows(unsigned int reason)
{
	return reason < BS_RST_REASON_MAX ? rst_reasons[reason].rows : "?";
}

const char *
bs_rst_reason_help(unsigned int reason)
{
	return reason < BS_RST_REASON_MAX ? rst_reasons[reason].help : "?";
}

int
bs_tcp_seg_parse(struct bs_tcp_seg *s, const uint8_t *th, uint32_t l4_len,
		uint32_t contig)
{
	const struct rte_tcp_hdr *t = (const struct rte_tcp_hdr *)th;
	uint32_t doff;

	if (l4_len < sizeof(*t) || contig < sizeof(*t))
		return BS_DROP_PKT_TOO_SMALL;
	doff = (uint32_t)(t->data_off >> 4) * 4;
	if (doff < sizeof(*t) || doff > l4_len || doff > contig)
		return BS_DROP_PKT_TOO_SMALL;
	s->seq = rte_be_to_cpu_32(t->sent_seq);
	s->ack = rte_be_to_cpu_32(t->recv_ack);
	s->len = l4_len - doff;
	s->sport = t->src_port;
	s->dport = t->dst_port;
	s->win = rte_be_to_cpu_16(t->rx_win);
	s->flags = t->tcp_flags;
	s->opt_len = (uint8_t)(doff - sizeof(*t));
	s->opts = th + sizeof(*t);
	return 0;
}

/*
 * The signature options as tcp_parse_auth_options() reads them (kernel
 * built with TCP-AO, so the scan stops once fewer than 5 bytes remain):
 * a malformed option length or a second MD5/AO option is an error.
 * @return 0, or a drop reason when the segment must not be answered
 */
static unsigned int
tcp_auth_options(const struct bs_tcp_seg *s)
{
	const uint8_t *o = s->opts;
	int left = s->opt_len;
	bool md5 = false, ao = false;

	while (left >= TCPOLEN_AO_HDR + 1) {
		uint8_t kind = o[0], size;

		if (kind == TCPOPT_EOL)
			break;
		if (kind == TCPOPT_NOP) {
			o++;
			left--;
			continue;
		}
		size = o[1];
		if (size < 2 || size > left)
			return BS_DROP_TCP_AUTH_HDR;
		if (kind == TCPOPT_MD5SIG || kind == TCPOPT_AO) {
			if ((kind == TCPOPT_MD5SIG && size != TCPOLEN_MD5SIG) ||
					(kind == TCPOPT_AO && size <= TCPOLEN_AO_HDR) ||
					md5 || ao)
				return BS_DROP_TCP_AUTH_HDR;
			md5 = kind == TCPOPT_MD5SIG;
			ao = kind == TCPOPT_AO;
		}
		o += size;
		left -= size;
	}
	/* No keys are configured: tcp_v4_send_reset finds no listener with
	 * an MD5 key (Q8) and cannot sign an AO reset (Q9). */
	if (md5)
		return BS_DROP_TCP_MD5NOTFOUND;
	if (ao)
		return BS_DROP_TCP_AOKEYNOTFOUND;
	return 0;
}

/*
 * CLOSED: no connection, request or listener matched (RFC 9293 3.10.7.1;
 * Linux tcp_v4_rcv `no_tcp_socket` -> tcp_v4_send_reset(NULL, ...)).
 * @return the reset reason, or 0 with v->reason set to the drop reason
 */
static unsigned int
tcp_closed(const struct bs_tcp_seg *s, struct bs_tcp_verdict *v)
{
	unsigned int drop;

	/* "If the incoming segment has the RST bit set, it is discarded"
	 * and Linux never answers a reset (X1, Q1). */
	if (s->flags & BS_TCP_RST) {
		v->reason = BS_DROP_NO_SOCKET;
		return 0;
	}
	if (s->opt_len != 0) {
		drop = tcp_auth_options(s);
		if (drop != 0) {
			v->reason = (uint8_t)drop;
			return 0;
		}
	}
	return BS_RST_REASON_NO_SOCKET;	/* N1, N2 */
}

/*
 * The RST-REPLY formula (matrix 5.1; RFC 9293 3.5.2 groups 1 and 2;
 * tcp_v4_send_reset): with ACK, <SEQ=SEG.ACK><CTL=RST>; without,
 * <SEQ=0><ACK=SEG.SEQ+SEG.LEN><CTL=RST,ACK> where SYN and FIN count one.
 */
void
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

/*
 * Lookup order is __inet_lookup_skb's: connections (established, pending
 * handshakes, TIME_WAIT), then listeners. This release has neither, so
 * every segment is judged by the CLOSED rules; the state handlers that
 * come with the connection table return their reasons to the same exits.
 */
enum bs_tcp_action
bs_tcp_input(const struct bs_tcp_seg *s, struct bs_tcp_verdict *v)
{
	unsigned int rst;

	rst = tcp_closed(s, v);
	if (rst != 0)
		goto reset;
	v->action = BS_TCP_DISCARD;
	return BS_TCP_DISCARD;
reset:
	bs_tcp_reply_verdict(s, rst, v);
	return BS_TCP_SEND_RST;
}
