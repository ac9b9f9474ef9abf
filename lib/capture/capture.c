/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture, the worker's side: the filter, the copy and the ring; and the
 * filter's words and the comments, which the control thread uses.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include <rte_byteorder.h>
#include <rte_cycles.h>
#include <rte_ether.h>
#include <rte_mbuf.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "bs_drop.h"
#include "bs_log.h"
#include "bs_stats.h"
#include "bs_rst_reason.h"
#include "capture_internal.h"

/* The addresses and ports of a frame, as far as the filter needs them. */
struct tuple {
	uint8_t src[16], dst[16];	/* IPv4-mapped for IPv4 and ARP */
	uint16_t sport, dport;		/* host order */
	bool has_ports;
};

static const uint8_t v4_mapped[12] = { [10] = 0xff, [11] = 0xff };

static uint16_t
rd16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/* Ethernet (one VLAN tag), then IPv4, IPv6 (no extension headers) or
 * ARP, then TCP or UDP ports. @return false: no addresses to match */
static bool
tuple_parse(const uint8_t *d, uint32_t len, struct tuple *t)
{
	uint32_t off = RTE_ETHER_HDR_LEN;
	uint16_t type;
	uint8_t proto;

	if (len < off)
		return false;
	type = rd16(d + 12);
	if (type == RTE_ETHER_TYPE_VLAN || type == RTE_ETHER_TYPE_QINQ) {
		if (len < off + 4)
			return false;
		type = rd16(d + 16);
		off += 4;
	}
	memset(t, 0, sizeof(*t));
	memcpy(t->src, v4_mapped, 12);
	memcpy(t->dst, v4_mapped, 12);
	if (type == RTE_ETHER_TYPE_ARP) {
		if (len < off + 28)
			return false;
		memcpy(t->src + 12, d + off + 14, 4);
		memcpy(t->dst + 12, d + off + 24, 4);
		return true;
	}
	if (type == RTE_ETHER_TYPE_IPV4) {
		uint32_t ihl;

		if (len < off + 20)
			return false;
		ihl = (d[off] & 0xfu) * 4u;
		proto = d[off + 9];
		memcpy(t->src + 12, d + off + 12, 4);
		memcpy(t->dst + 12, d + off + 16, 4);
		if ((rd16(d + off + 6) & 0x1fff) != 0)	/* not the first fragment */
			return true;
		off += ihl;
	} else if (type == RTE_ETHER_TYPE_IPV6) {
		if (len < off + 40)
			return false;
		proto = d[off + 6];
		memcpy(t->src, d + off + 8, 16);
		memcpy(t->dst, d + off + 24, 16);
		off += 40;
	} else {
		return false;
	}
	if ((proto == IPPROTO_TCP || proto == IPPROTO_UDP) && len >= off + 4) {
		t->sport = rd16(d + off);
		t->dport = rd16(d + off + 2);
		t->has_ports = true;
	}
	return true;
}

/* n given values (0, 1, 2) against a frame's source and destination:
 * none, either, or both either way round. */
static bool
pair_match(unsigned int n, bool s0, bool d0, bool s1, bool d1)
{
	if (n == 0)
		return true;
	if (n == 1)
		return s0 || d0;
	return (s0 && d1) || (d0 && s1);
}

bool
bs_capture_filter_tuple(const struct bs_capture_filter *f, const uint8_t *data,
		uint32_t len)
{
	struct tuple t;

	if (f->n_hosts == 0 && f->n_ports == 0)
		return true;
	if (!tuple_parse(data, len, &t))
		return false;
	if (!pair_match(f->n_hosts, memcmp(f->host[0], t.src, 16) == 0,
			memcmp(f->host[0], t.dst, 16) == 0,
			memcmp(f->host[1], t.src, 16) == 0,
			memcmp(f->host[1], t.dst, 16) == 0))
		return false;
	if (f->n_ports == 0)
		return true;
	return t.has_ports && pair_match(f->n_ports, f->port[0] == t.sport,
		f->port[0] == t.dport, f->port[1] == t.sport, f->port[1] == t.dport);
}

__rte_noinline void
bs_capture_frame(struct bs_capture_tap *tap, const struct rte_mbuf *m,
		enum bs_capture_kind kind, unsigned int reason, unsigned int port)
{
	const struct bs_capture_filter *f = tap->filter;
	struct capture_msg c;
	uint8_t hdr[CAPTURE_HDR_BYTES];
	const uint8_t *d;
	uint32_t keep, len;

	if (!(f->what & (1u << kind)))
		return;
	/* Headers that go on into a chain's next segment: read flat. */
	d = rte_pktmbuf_mtod(m, const uint8_t *);
	len = m->data_len;
	if (unlikely(len < m->pkt_len && len < CAPTURE_HDR_BYTES)) {
		len = RTE_MIN(m->pkt_len, (uint32_t)CAPTURE_HDR_BYTES);
		d = rte_pktmbuf_read(m, 0, len, hdr);
	}
	if (!bs_capture_filter_tuple(f, d, len))
		return;
	keep = f->snaplen > CAPTURE_HDR_BYTES ? f->snaplen : CAPTURE_HDR_BYTES;
	/* rte_pktmbuf_copy() refuses an empty frame (a runt of 0 bytes is
	 * a drop too): its copy is an empty mbuf. */
	c.m = m->pkt_len != 0 ? rte_pktmbuf_copy(m, tap->pool, 0, RTE_MIN(keep, m->pkt_len)) :
		rte_pktmbuf_alloc(tap->pool);
	if (unlikely(c.m == NULL)) {
		bs_cnt_add(&tap->st->lost, 1);
		return;
	}
	c.tsc = rte_rdtsc();
	c.orig_len = m->pkt_len;
	c.reason = (uint16_t)reason;
	c.kind = (uint8_t)kind;
	c.port = (uint8_t)port;
	c.pad = 0;
	if (unlikely(rte_ring_sp_enqueue_elem(tap->ring, &c, sizeof(c)) != 0)) {
		rte_pktmbuf_free(c.m);
		bs_cnt_add(&tap->st->lost, 1);
		return;
	}
	bs_cnt_add(&tap->st->copied, 1);
}

/* The filter's words ------------------------------------------------------ */

static const char *const what_words[] = { "sends", "resets", "drops", "all" };
static const uint32_t what_bits[] = {
	BS_CAPTURE_SENDS, 1u << BS_CAPTURE_RESET, 1u << BS_CAPTURE_DROP, BS_CAPTURE_ALL,
};

static int
parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *v)
{
	char *end;
	unsigned long long x;

	if (*s < '0' || *s > '9')
		return -1;
	errno = 0;
	x = strtoull(s, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		return -1;
	*v = x;
	return 0;
}

static int
parse_addr(const char *s, uint8_t addr[16])
{
	struct in_addr a4;

	if (inet_pton(AF_INET, s, &a4) == 1) {
		memcpy(addr, v4_mapped, 12);
		memcpy(addr + 12, &a4, 4);
		return 0;
	}
	return inet_pton(AF_INET6, s, addr) == 1 ? 0 : -1;
}

int
bs_capture_filter_parse(struct bs_capture_filter *f, unsigned int argc,
		const char *const *argv, char *err, size_t errlen)
{
	struct bs_capture_filter n = { .what = BS_CAPTURE_ALL,
		.snaplen = BS_CAPTURE_SNAPLEN_MAX };
	unsigned int i, k;
	bool what_set = false;
	uint64_t v;

	for (i = 0; i < argc; i++) {
		const char *w = argv[i];
		const char *arg = i + 1 < argc ? argv[i + 1] : NULL;

		for (k = 0; k < RTE_DIM(what_words); k++)
			if (strcmp(w, what_words[k]) == 0)
				break;
		if (k < RTE_DIM(what_words)) {
			if (what_set)
				return bs_errf(err, errlen, "'%s': what to capture is given twice", w);
			n.what = what_bits[k];
			what_set = true;
			continue;
		}
		if (arg == NULL && (strcmp(w, "host") == 0 || strcmp(w, "port") == 0 ||
				strcmp(w, "snaplen") == 0 || strcmp(w, "count") == 0 ||
				strcmp(w, "bytes") == 0))
			return bs_errf(err, errlen, "'%s' needs a value", w);
		if (strcmp(w, "host") == 0) {
			if (n.n_hosts == 2)
				return bs_errf(err, errlen, "more than two hosts");
			if (parse_addr(arg, n.host[n.n_hosts]) != 0)
				return bs_errf(err, errlen, "host '%s' is not an IPv4 or IPv6 address", arg);
			n.n_hosts++;
		} else if (strcmp(w, "port") == 0) {
			if (n.n_ports == 2)
				return bs_errf(err, errlen, "more than two ports");
			if (parse_u64(arg, 0, 65535, &v) != 0)
				return bs_errf(err, errlen, "port '%s' is not an integer from 0 to 65535", arg);
			n.port[n.n_ports++] = (uint16_t)v;
		} else if (strcmp(w, "snaplen") == 0) {
			if (parse_u64(arg, 16, BS_CAPTURE_SNAPLEN_MAX, &v) != 0)
				return bs_errf(err, errlen, "snaplen '%s' is not an integer from 16 to %u", arg,
					BS_CAPTURE_SNAPLEN_MAX);
			n.snaplen = (uint32_t)v;
		} else if (strcmp(w, "count") == 0) {
			if (parse_u64(arg, 1, UINT64_MAX, &v) != 0)
				return bs_errf(err, errlen, "count '%s' is not a positive integer", arg);
			n.count = v;
		} else if (strcmp(w, "bytes") == 0) {
			if (parse_u64(arg, 1, UINT64_MAX, &v) != 0)
				return bs_errf(err, errlen, "bytes '%s' is not a positive integer", arg);
			n.bytes = v;
		} else {
			return bs_errf(err, errlen, "unknown argument '%s'", w);
		}
		i++;
	}
	*f = n;
	return 0;
}

int
bs_capture_filter_parse_str(struct bs_capture_filter *f, const char *s,
		char *err, size_t errlen)
{
	char buf[512], *save = NULL, *tok;
	const char *argv[32];
	unsigned int argc = 0;

	if (strlen(s) >= sizeof(buf))
		return bs_errf(err, errlen, "filter longer than %zu characters", sizeof(buf) - 1);
	strcpy(buf, s);
	for (tok = strtok_r(buf, " \t", &save); tok != NULL; tok = strtok_r(NULL, " \t", &save)) {
		if (argc == RTE_DIM(argv))
			return bs_errf(err, errlen, "filter of more than %zu words", RTE_DIM(argv));
		argv[argc++] = tok;
	}
	return bs_capture_filter_parse(f, argc, argv, err, errlen);
}

static void
addr_format(const uint8_t a[16], char *buf, size_t len)
{
	if (memcmp(a, v4_mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

void
bs_capture_filter_format(const struct bs_capture_filter *f, char *buf, size_t len)
{
	const char *what = "?";
	char a[INET6_ADDRSTRLEN];
	size_t n = 0;
	unsigned int k;

	for (k = 0; k < RTE_DIM(what_words); k++)
		if (f->what == what_bits[k])
			what = what_words[k];
#define ADD(...) do { \
		if (n < len) \
			n += (size_t)snprintf(buf + n, len - n, __VA_ARGS__); \
	} while (0)
	ADD("%s", what);
	for (k = 0; k < f->n_hosts; k++) {
		addr_format(f->host[k], a, sizeof(a));
		ADD(" host %s", a);
	}
	for (k = 0; k < f->n_ports; k++)
		ADD(" port %u", f->port[k]);
	ADD(" snaplen %" PRIu32, f->snaplen);
	if (f->count != 0)
		ADD(" count %" PRIu64, f->count);
	if (f->bytes != 0)
		ADD(" bytes %" PRIu64, f->bytes);
#undef ADD
}

/* Comments ---------------------------------------------------------------- */

/* What a sent frame that is not an RST is: ARP, ICMP or the TCP flags. */
static void
send_what(const uint8_t *d, uint32_t len, char *buf, size_t buflen)
{
	static const char *const flag[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG" };
	uint32_t off = RTE_ETHER_HDR_LEN;
	uint16_t type;
	uint8_t proto;
	size_t n;
	unsigned int i;

	snprintf(buf, buflen, "frame");
	if (len < off)
		return;
	type = rd16(d + 12);
	if (type == RTE_ETHER_TYPE_VLAN && len >= off + 4) {
		type = rd16(d + 16);
		off += 4;
	}
	if (type == RTE_ETHER_TYPE_ARP) {
		snprintf(buf, buflen, len >= off + 8 && rd16(d + off + 6) == 2 ?
			"arp reply" : "arp request");
		return;
	}
	if (type == RTE_ETHER_TYPE_IPV4 && len >= off + 20) {
		proto = d[off + 9];
		off += (d[off] & 0xfu) * 4u;
	} else if (type == RTE_ETHER_TYPE_IPV6 && len >= off + 40) {
		proto = d[off + 6];
		off += 40;
	} else {
		return;
	}
	if (proto == IPPROTO_ICMP && len > off) {
		snprintf(buf, buflen, d[off] == 0 ? "icmp echo reply" : "icmp type %u", d[off]);
	} else if (proto == IPPROTO_ICMPV6 && len > off) {
		if (d[off] == 129)
			snprintf(buf, buflen, "icmpv6 echo reply");
		else if (d[off] == 135)
			snprintf(buf, buflen, "neighbour solicitation");
		else if (d[off] == 136)
			snprintf(buf, buflen, "neighbour advertisement");
		else
			snprintf(buf, buflen, "icmpv6 type %u", d[off]);
	} else if (proto == IPPROTO_TCP && len >= off + 14) {
		n = (size_t)snprintf(buf, buflen, "tcp");
		for (i = 0; i < RTE_DIM(flag); i++)
			if ((d[off + 13] & (1u << i)) && n < buflen)
				n += (size_t)snprintf(buf + n, buflen - n, "%s%s",
					n == 3 ? " " : ",", flag[i]);
	}
}

void
bs_capture_comment(enum bs_capture_kind kind, unsigned int reason,
		const uint8_t *data, uint32_t len, char *buf, size_t buflen)
{
	char what[64];

	switch (kind) {
	case BS_CAPTURE_RESET:
		snprintf(buf, buflen, "reset: %s", bs_rst_reason_name(reason));
		break;
	case BS_CAPTURE_DROP:
		snprintf(buf, buflen, "drop: %s", bs_drop_name(reason));
		break;
	default:
		send_what(data, len, what, sizeof(what));
		snprintf(buf, buflen, "send: %s", what);
		break;
	}
}
