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
	s->seq = bs_be32(t->sent_seq);
	s->ack = bs_be32(t->recv_ack);
	s->len = l4_len - doff;
	s->sport = t->src_port;
	s->dport = t->dst_port;
	s->win = bs_be16(t->rx_win);
	s->flags = t->tcp_flags;
	s->opt_len = (uint8_t)(doff - sizeof(*t));
	s->opts = th + sizeof(*t);
	return 0;
}

/*
 * As a kernel built with TCP-AO reads them, the scan stops once fewer
 * than 5 bytes remain; a malformed option length or a second MD5/AO
 * option is an error.
 */
unsigned int
bs_tcp_auth_options(const uint8_t *opts, unsigned int len)
{
	const uint8_t *o = opts;
	int left = (int)len;
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
