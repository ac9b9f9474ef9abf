/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include "bs_ipopt.h"

#define OPT_END 0
#define OPT_NOOP 1
#define OPT_RR 7
#define OPT_TIMESTAMP 68
#define OPT_CIPSO 134
#define OPT_LSRR 131
#define OPT_SSRR 137
#define OPT_TS_TSONLY 0
#define OPT_TS_TSANDADDR 1
#define OPT_TS_PRESPEC 3
#define IPHDR_LEN 20
#define OPTS_MAX 40

/* inet_addr_type(addr) == RTN_UNICAST: routable, and not local, broadcast
 * or multicast. A pre-specified timestamp is taken only when it is not. */
static bool
addr_is_unicast(const struct bs_addr_table *t, uint16_t vlan, uint32_t a)
{
	uint32_t h = rte_be_to_cpu_32(a);

	if ((h >> 24) == 0 || h == 0xffffffff || (h >> 28) == 0xe)
		return false;
	return !bs_addr_local4(t, vlan, a) && !bs_addr_bcast4(t, a);
}

/* Record Route on receive: our address in the next slot, if any. */
static int
rcv_rr(uint8_t *opt, uint8_t optlen, uint32_t self, struct bs_ip4_opts *o)
{
	if (o->rr != 0 || optlen < 3 || opt[2] < 4)
		return BS_DROP_IP_INHDR;
	if (opt[2] <= optlen) {
		if (opt[2] + 3 > optlen)
			return BS_DROP_IP_INHDR;
		memcpy(&opt[opt[2] - 1], &self, 4);
		opt[2] += 4;
		o->rr_needaddr = 1;
	}
	return 0;
}

/* Timestamp on receive (RFC 791): stamp, or count an overflow. */
static int
rcv_ts(uint8_t *opt, uint8_t optlen, const struct bs_addr_table *t, uint16_t vlan,
		uint32_t self, uint32_t now_be, struct bs_ip4_opts *o)
{
	uint8_t *timeptr = NULL;
	uint32_t a;

	if (o->ts != 0 || optlen < 4 || opt[2] < 5)
		return BS_DROP_IP_INHDR;
	if (opt[2] > optlen) {
		if ((opt[3] & 0xf) != OPT_TS_PRESPEC) {
			if ((opt[3] >> 4) == 15)
				return BS_DROP_IP_INHDR;
			opt[3] = (uint8_t)((opt[3] & 0xf) | (((opt[3] >> 4) + 1) << 4));
		}
		return 0;
	}
	if (opt[2] + 3 > optlen)
		return BS_DROP_IP_INHDR;
	switch (opt[3] & 0xf) {
	case OPT_TS_TSONLY:
		timeptr = &opt[opt[2] - 1];
		o->ts_needtime = 1;
		opt[2] += 4;
		break;
	case OPT_TS_TSANDADDR:
		if (opt[2] + 7 > optlen)
			return BS_DROP_IP_INHDR;
		memcpy(&opt[opt[2] - 1], &self, 4);
		timeptr = &opt[opt[2] + 3];
		o->ts_needaddr = 1;
		o->ts_needtime = 1;
		opt[2] += 8;
		break;
	case OPT_TS_PRESPEC:
		if (opt[2] + 7 > optlen)
			return BS_DROP_IP_INHDR;
		memcpy(&a, &opt[opt[2] - 1], 4);
		if (addr_is_unicast(t, vlan, a))
			break;
		timeptr = &opt[opt[2] + 3];
		o->ts_needtime = 1;
		opt[2] += 8;
		break;
	default:	/* unknown flags: left alone on receive */
		break;
	}
	if (timeptr != NULL)
		memcpy(timeptr, &now_be, 4);
	return 0;
}

int
bs_ip4_opts_rcv(uint8_t *iph, const struct bs_addr_table *t, uint16_t vlan,
		uint32_t now_be, struct bs_ip4_opts *o)
{
	uint32_t self;
	uint8_t *opt = iph + IPHDR_LEN;
	int l = (iph[0] & 0x0f) * 4 - IPHDR_LEN, rc;

	memset(o, 0, sizeof(*o));
	memcpy(&self, iph + 16, 4);	/* spec_dst: the address it came to */
	while (l > 0) {
		uint8_t optlen;

		if (opt[0] == OPT_END) {
			memset(opt, OPT_END, (size_t)l);
			break;
		}
		if (opt[0] == OPT_NOOP) {
			opt++;
			l--;
			continue;
		}
		if (l < 2 || opt[1] < 2 || opt[1] > l)
			return BS_DROP_IP_INHDR;
		optlen = opt[1];
		switch (opt[0]) {
		case OPT_LSRR:
		case OPT_SSRR:
			/* Validated, then refused: accept_source_route is 0. */
			if (optlen < 3 || opt[2] < 4)
				return BS_DROP_IP_INHDR;
			return BS_DROP_IP_SOURCE_ROUTE;
		case OPT_RR:
			rc = rcv_rr(opt, optlen, self, o);
			if (rc != 0)
				return rc;
			o->rr = (uint8_t)(opt - iph);
			break;
		case OPT_TIMESTAMP:
			rc = rcv_ts(opt, optlen, t, vlan, self, now_be, o);
			if (rc != 0)
				return rc;
			o->ts = (uint8_t)(opt - iph);
			break;
		case OPT_CIPSO:	/* no CIPSO DOI configured: invalid */
			return BS_DROP_IP_INHDR;
		default:		/* RA, security, unknown: ignored */
			break;
		}
		opt += optlen;
		l -= optlen;
	}
	return 0;
}

/* __ip_options_echo for Timestamp: where the reply's stamp goes. */
static int
echo_ts(uint8_t *d, const struct bs_ip4_opts *so, struct bs_ip4_opts *dopt,
		const struct bs_addr_table *t, uint16_t vlan)
{
	uint8_t optlen = d[1], soff = d[2];
	uint32_t a;

	if (soff > optlen)
		return 0;
	if (so->ts_needaddr) {
		if (soff + 3 > optlen)
			return -1;
		dopt->ts_needaddr = 1;
		soff += 4;
	}
	if (so->ts_needtime) {
		if (soff + 3 > optlen)
			return -1;
		if ((d[3] & 0xf) != OPT_TS_PRESPEC) {
			dopt->ts_needtime = 1;
			soff += 4;
		} else if (soff + 7 <= optlen) {
			memcpy(&a, d + soff - 1, 4);
			if (!addr_is_unicast(t, vlan, a)) {
				dopt->ts_needtime = 1;
				soff += 8;
			}
		}
	}
	d[2] = soff;
	return 0;
}

int
bs_ip4_opts_echo(uint8_t *iph, const struct bs_ip4_opts *o,
		const struct bs_addr_table *t, uint16_t vlan, uint32_t now_be)
{
	struct bs_ip4_opts d = { 0 };
	uint8_t out[OPTS_MAX], *p = out;
	uint32_t self;
	int len = 0;

	memcpy(&self, iph + 16, 4);	/* still the incoming destination */
	if (o->rr != 0) {
		uint8_t optlen = iph[o->rr + 1], soff = iph[o->rr + 2];

		memcpy(p, iph + o->rr, optlen);
		d.rr = (uint8_t)(IPHDR_LEN + len);
		if (o->rr_needaddr && soff <= optlen) {
			if (soff + 3 > optlen)
				return -1;
			p[2] = (uint8_t)(soff + 4);
			d.rr_needaddr = 1;
		}
		p += optlen;
		len += optlen;
	}
	if (o->ts != 0) {
		uint8_t optlen = iph[o->ts + 1];

		memcpy(p, iph + o->ts, optlen);
		d.ts = (uint8_t)(IPHDR_LEN + len);
		if (echo_ts(p, o, &d, t, vlan) != 0)
			return -1;
		p += optlen;
		len += optlen;
	}
	while (len & 3)
		out[len++] = OPT_END;

	/* ip_options_build: fill in the reply's address and time. */
	memcpy(iph + IPHDR_LEN, out, (size_t)len);
	if (d.rr_needaddr)
		memcpy(iph + d.rr + iph[d.rr + 2] - 5, &self, 4);
	if (d.ts_needtime) {
		if (d.ts_needaddr)
			memcpy(iph + d.ts + iph[d.ts + 2] - 9, &self, 4);
		memcpy(iph + d.ts + iph[d.ts + 2] - 5, &now_be, 4);
	}
	iph[0] = (uint8_t)(0x40 | ((IPHDR_LEN + len) / 4));
	return len;
}
