/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The out-of-line halves of Backstop's trace points (bs_trace.h): format
 * the fields and emit, and the run-time switch.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include <rte_trace.h>

#include "bs_rst_reason.h"
#include "bs_tcp_ep.h"
#include "bs_trace.h"

/* A v4-mapped or IPv6 address as text. */
static uint8_t
addr_text(const uint8_t a[16], bool v4, char *buf, size_t len)
{
	if (v4)
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
	return v4 ? 4 : 6;
}

void
bs_trace_send_reset_flow(const struct bs_flow *f, unsigned int state, unsigned int reason)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	bool v4 = bs_flow_is_v4(f);
	uint8_t fam;

	fam = addr_text(f->laddr, v4, s, sizeof(s));
	addr_text(f->raddr, v4, d, sizeof(d));
	bs_trace_tcp_send_reset(fam, s, d, ntohs(f->lport), ntohs(f->rport),
		bs_tcp_state_name(state), bs_rst_reason_name(reason));
}

void
bs_trace_send_reset_frame(const uint8_t *l3, unsigned int state, unsigned int reason)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	const uint8_t *th;
	uint16_t sp, dp;
	uint8_t fam;

	if ((l3[0] >> 4) == 4) {
		inet_ntop(AF_INET, l3 + 12, s, sizeof(s));
		inet_ntop(AF_INET, l3 + 16, d, sizeof(d));
		th = l3 + (l3[0] & 0xf) * 4;
		fam = 4;
	} else {
		inet_ntop(AF_INET6, l3 + 8, s, sizeof(s));
		inet_ntop(AF_INET6, l3 + 24, d, sizeof(d));
		th = l3 + 40;	/* our RSTs carry no extension header */
		fam = 6;
	}
	memcpy(&sp, th, 2);
	memcpy(&dp, th + 2, 2);
	bs_trace_tcp_send_reset(fam, s, d, ntohs(sp), ntohs(dp), bs_tcp_state_name(state),
		bs_rst_reason_name(reason));
}

void
bs_trace_receive_reset_flow(const struct bs_flow *f, unsigned int state)
{
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN];
	bool v4 = bs_flow_is_v4(f);
	uint8_t fam;

	fam = addr_text(f->laddr, v4, s, sizeof(s));
	addr_text(f->raddr, v4, d, sizeof(d));
	bs_trace_tcp_receive_reset(fam, s, d, ntohs(f->lport), ntohs(f->rport),
		bs_tcp_state_name(state));
}

int
bs_trace_enable(bool on)
{
	return rte_trace_pattern("backstop.*", on);
}

bool
bs_trace_enabled(void)
{
	return rte_trace_point_is_enabled(&__bs_trace_tcp_send_reset) ||
		rte_trace_point_is_enabled(&__bs_trace_tcp_receive_reset);
}

int
bs_trace_save(void)
{
	return rte_trace_save();
}
