/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * IPv4 options on a locally delivered packet and in the reply built from
 * it: what Linux's ip_options_compile(), __ip_options_echo() and
 * ip_options_build() produce (the e2e suite compares with the kernel).
 */
#include <stdlib.h>

#include "bs_ipopt.h"
#include "bs_test.h"
#include "frames.h"

#define US 198, 18, 0, 2
#define PEER 198, 18, 0, 1
#define T0 0x01, 0x02, 0x03, 0x04	/* the receive timestamp */
#define T1 0x05, 0x06, 0x07, 0x08	/* the reply's */

static struct bs_addr_table addrs;

/* An IPv4 header from PEER to US with these option bytes. */
static void
hdr(uint8_t *h, const uint8_t *opt, size_t n)
{
	static const uint8_t base[20] = { 0x45, 0, 0, 40, 0, 0, 0x40, 0, 64, 6, 0, 0,
		PEER, US };

	memcpy(h, base, 20);
	memcpy(h + 20, opt, n);
	h[0] = (uint8_t)(0x40 | ((20 + n) / 4));
}

/* Receive and echo; @return drop reason, or -1 if the echo fails */
static int
run(const uint8_t *opt, size_t n, uint8_t *h, int *echo_len)
{
	struct bs_ip4_opts o;
	int rc;

	hdr(h, opt, n);
	rc = bs_ip4_opts_rcv(h, &addrs, 0, rte_cpu_to_be_32(0x01020304), &o);
	if (rc != 0)
		return rc;
	*echo_len = bs_ip4_opts_echo(h, &o, &addrs, 0, rte_cpu_to_be_32(0x05060708));
	return *echo_len < 0 ? -1 : 0;
}

static void
test_echo(void)
{
	static const struct {
		const char *what;
		uint8_t in[40];
		size_t in_len;
		int rc;
		uint8_t out[40];
		int out_len;
	} cases[] = {
		{ "record route, room for two", { 7, 11, 4 }, 12, 0,
		  { 7, 11, 12, US, US, 0 }, 12 },
		{ "record route, room for one", { 7, 7, 4, 0, 0, 0, 0, 0 }, 8, 0,
		  { 7, 7, 8, US, 0 }, 8 },
		{ "record route, full", { 7, 7, 8, PEER, 0 }, 8, 0,
		  { 7, 7, 8, PEER, 0 }, 8 },
		{ "timestamps only", { 68, 12, 5, 0 }, 12, 0,
		  { 68, 12, 13, 0, T0, T1 }, 12 },
		{ "timestamps and addresses", { 68, 20, 5, 1 }, 20, 0,
		  { 68, 20, 21, 1, US, T0, US, T1 }, 20 },
		{ "timestamp full: overflow counted", { 68, 12, 13, 0, 9, 9, 9, 9, 8, 8, 8, 8 },
		  12, 0, { 68, 12, 13, 0x10, 9, 9, 9, 9, 8, 8, 8, 8 }, 12 },
		{ "prespecified: ours stamped, the other not", { 68, 20, 5, 3, US, 0, 0, 0, 0,
		  PEER, 0, 0, 0, 0 }, 20, 0, { 68, 20, 13, 3, US, T0, PEER, 0, 0, 0, 0 }, 20 },
		{ "router alert and NOPs are not echoed", { 148, 4, 0, 0, 1, 1, 1, 1 }, 8, 0,
		  { 0 }, 0 },
		{ "both, TS first: echoed RR first", { 68, 8, 5, 0, 0, 0, 0, 0, 7, 7, 4, 0, 0, 0, 0,
		  1 }, 16, 0, { 7, 7, 8, US, 68, 8, 9, 0, T0, 0, 0, 0 }, 16 },
		{ "loose source route", { 131, 7, 4, 198, 18, 0, 9, 0 }, 8, BS_DROP_IP_SOURCE_ROUTE,
		  { 0 }, 0 },
		{ "strict source route", { 137, 7, 8, 198, 18, 0, 9, 0 }, 8, BS_DROP_IP_SOURCE_ROUTE,
		  { 0 }, 0 },
		{ "option length past the header", { 7, 15, 4, 0 }, 4, BS_DROP_IP_INHDR, { 0 }, 0 },
		{ "option length 1", { 148, 1, 0, 0 }, 4, BS_DROP_IP_INHDR, { 0 }, 0 },
		{ "record route pointer 3", { 7, 7, 3, 0, 0, 0, 0, 0 }, 8, BS_DROP_IP_INHDR, { 0 }, 0 },
		{ "two record routes", { 7, 3, 4, 7, 3, 4, 0, 0 }, 8, BS_DROP_IP_INHDR, { 0 }, 0 },
		{ "timestamp overflow counter at 15", { 68, 4, 5, 0xf0 }, 4, BS_DROP_IP_INHDR,
		  { 0 }, 0 },
		{ "CIPSO without a DOI", { 134, 6, 0, 0, 0, 1, 0, 0 }, 8, BS_DROP_IP_INHDR, { 0 }, 0 },
		{ "after EOL nothing is read", { 0, 7, 99, 99 }, 4, 0, { 0 }, 0 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		uint8_t h[60];
		int len = 0, rc = run(cases[i].in, cases[i].in_len, h, &len);

		CHECK_EQ(rc, cases[i].rc, "%s", cases[i].what);
		if (rc != 0 || cases[i].rc != 0)
			continue;
		CHECK_EQ(len, cases[i].out_len, "%s: length", cases[i].what);
		CHECK_EQ(h[0], 0x40 | (20 + cases[i].out_len) / 4, "%s: IHL", cases[i].what);
		CHECK_BYTES(h + 20, (size_t)len, cases[i].out, (size_t)cases[i].out_len,
			cases[i].what);
	}
}

int
main(void)
{
	static const char *const items[] = { "198.18.0.2/24" };

	t_addrs(&addrs, items, 1);
	test_echo();
	return bs_test_done();
}
