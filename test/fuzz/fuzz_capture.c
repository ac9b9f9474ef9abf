/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the capture path (lib/capture) with arbitrary filter
 * words and arbitrary frames. Input: a knob byte, the filter's words up to
 * a newline (`capture start FILE WORDS`, the [capture] filter key), then
 * frames, each a 16-bit big-endian length and its bytes. Knobs: bit 0, an
 * endpoint with listeners (else strays only); bit 1, a capture ring of 4
 * copies (else 64); bit 2, a capture pool of 64 mbufs (else 256) and the
 * copies drained once, at the end (else after each frame, as the control
 * loop's bs_capture_poll does); bit 3, each frame in a two-segment chain,
 * cut in the middle.
 *
 * Filter words: bs_capture_filter_parse_str() either fails, with one line
 * of printable ASCII and the filter untouched (the default filter is then
 * used), or succeeds, and bs_capture_filter_format() gives words that
 * parse back to the same filter.
 *
 * Frames: a session (bs_capture_open, a pcapng file) is attached to a
 * worker on a fake port (no ethdev: replies are read from its TX
 * buffers), each frame goes through bs_worker_handle(), then the session
 * is drained and closed, and the file is read back block by block,
 * independently of pcapng.c. What the worker did is known from its
 * buffers and counters: each endpoint frame, each reply, each drop is a
 * record the filter must keep or not, judged here by a reading of the
 * frame's addresses and ports of the harness's own. The file must hold
 * exactly the kept records, in order, but for those counted lost (ring
 * full, pool empty) and those past the count or bytes limit: each an EPB
 * on interface 0 with the first min(snaplen, length) bytes of the frame
 * (a drop: as received; a send: as sent), its length, the direction,
 * and the comment (`drop: REASON` of the counter that moved; `reset:
 * REASON` for every TCP RST; `send: WHAT` else). The worker's pool and the
 * capture pool are full again after each input; the file's size is the
 * session's byte count, and no larger than the bytes limit once a packet
 * is in it.
 */
#include <ctype.h>
#include <sys/stat.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bs_capture.h"
#include "bs_config.h"
#include "bs_drop.h"
#include "bs_rst_reason.h"
#include "bs_tcp_ep.h"
#include "bs_worker.h"
#include "frames.h"
#include "fuzz.h"

#define POOL_MBUFS 512
#define MAX_FRAMES 16
#define MAX_RECS 256
#define FRAME_MAX 8192
#define FILTER_MAX 600

static struct rte_mempool *pool;
static struct bs_config cfg;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct bs_addr_table addrs;
static struct bs_worker *w;
static const char *path;

static const char conf_text[] = FUZZ_CONF_BASE
	"[listener abort]\naddress = any\nport = 5002\napp = abort\n";

/* A record the worker made: what the capture should see. */
struct rec {
	uint8_t kind;			/* enum bs_capture_kind */
	bool kept;			/* the filter wants it */
	char comment[128];		/* "drop: NAME"; "reset: " (any name moved) */
	uint32_t len;
	uint8_t bytes[FRAME_MAX];
};

static struct rec recs[MAX_RECS];
static struct rec rx;			/* the frame being handled, as received */
static unsigned int n_recs;
static bool rst_moved[BS_RST_REASON_MAX];	/* reasons counted this input */

/* Filter words ------------------------------------------------------------ */

static bool
filter_same(const struct bs_capture_filter *a, const struct bs_capture_filter *b)
{
	return a->what == b->what && a->n_hosts == b->n_hosts && a->n_ports == b->n_ports &&
		memcmp(a->host, b->host, sizeof(a->host[0]) * a->n_hosts) == 0 &&
		memcmp(a->port, b->port, sizeof(a->port[0]) * a->n_ports) == 0 &&
		a->snaplen == b->snaplen && a->count == b->count && a->bytes == b->bytes;
}

static bool
printable(const char *s)
{
	for (; *s != '\0'; s++)
		if (*s < 0x20 || *s >= 0x7f)
			return false;
	return true;
}

/* One line, of printable ASCII when the words were (the CLI and the
 * configuration refuse any other byte before a filter is parsed). */
static void
check_line(const char *s, bool ascii, const char *what)
{
	FUZZ_ASSERT(s[0] != '\0', "%s: empty", what);
	FUZZ_ASSERT(strchr(s, '\n') == NULL, "%s: more than one line: %s", what, s);
	FUZZ_ASSERT(!ascii || printable(s), "%s: a control or non-ASCII byte: %s", what, s);
}

/* The filter of @p words; the default one when they are refused. */
static void
filter_of(const char *words, struct bs_capture_filter *f)
{
	struct bs_capture_filter marker, g;
	char err[512], buf[256];

	memset(&marker, 0xa5, sizeof(marker));
	*f = marker;
	err[0] = '\0';
	if (bs_capture_filter_parse_str(f, words, err, sizeof(err)) != 0) {
		check_line(err, printable(words), "filter error");
		FUZZ_ASSERT(memcmp(f, &marker, sizeof(marker)) == 0,
			"a refused filter changed the filter: %s", err);
		FUZZ_ASSERT(bs_capture_filter_parse_str(f, "", err, sizeof(err)) == 0,
			"the default filter: %s", err);
		return;
	}
	FUZZ_ASSERT(f->n_hosts <= 2 && f->n_ports <= 2 && f->snaplen >= 16 &&
		f->snaplen <= BS_CAPTURE_SNAPLEN_MAX && f->what != 0 &&
		(f->what & ~(uint32_t)BS_CAPTURE_ALL) == 0, "filter fields of '%s'", words);
	bs_capture_filter_format(f, buf, sizeof(buf));
	FUZZ_ASSERT(strlen(buf) < sizeof(buf) - 1, "format truncated: %s", buf);
	check_line(buf, true, "formatted filter");
	FUZZ_ASSERT(bs_capture_filter_parse_str(&g, buf, err, sizeof(err)) == 0,
		"'%s' formatted as '%s', refused: %s", words, buf, err);
	FUZZ_ASSERT(filter_same(f, &g), "'%s' formatted as '%s' reads back otherwise", words,
		buf);
}

/* The harness's own reading of a frame's addresses and ports ------------- */

static uint16_t
be16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

/*
 * Ethernet, one 802.1Q or 802.1ad tag, then ARP (sender and target
 * protocol addresses), IPv4 or IPv6 (no extension headers), then the
 * ports of TCP or UDP when their first 4 bytes are there (not in a later
 * IPv4 fragment). @return 0 no addresses, 1 addresses, 2 and ports
 */
static int
ref_tuple(const uint8_t *d, uint32_t n, uint8_t src[16], uint8_t dst[16],
		uint16_t *sport, uint16_t *dport)
{
	uint32_t l3 = 14, l4;
	uint16_t type;
	uint8_t proto;

	if (n < 14)
		return 0;
	type = be16(d + 12);
	if (type == 0x8100 || type == 0x88a8) {
		if (n < 18)
			return 0;
		type = be16(d + 16);
		l3 = 18;
	}
	memset(src, 0, 16);
	memset(dst, 0, 16);
	src[10] = src[11] = dst[10] = dst[11] = 0xff;
	switch (type) {
	case 0x0806:
		if (n < l3 + 28)
			return 0;
		memcpy(src + 12, d + l3 + 14, 4);
		memcpy(dst + 12, d + l3 + 24, 4);
		return 1;
	case 0x0800:
		if (n < l3 + 20)
			return 0;
		memcpy(src + 12, d + l3 + 12, 4);
		memcpy(dst + 12, d + l3 + 16, 4);
		if ((be16(d + l3 + 6) & 0x1fff) != 0)
			return 1;
		proto = d[l3 + 9];
		l4 = l3 + 4u * (d[l3] & 0x0f);
		break;
	case 0x86dd:
		if (n < l3 + 40)
			return 0;
		memcpy(src, d + l3 + 8, 16);
		memcpy(dst, d + l3 + 24, 16);
		proto = d[l3 + 6];
		l4 = l3 + 40;
		break;
	default:
		return 0;
	}
	if ((proto != 6 && proto != 17) || n < l4 + 4)
		return 1;
	*sport = be16(d + l4);
	*dport = be16(d + l4 + 2);
	return 2;
}

/* One or two given values against a source and a destination. */
static bool
ref_pair(unsigned int n, bool s0, bool d0, bool s1, bool d1)
{
	return n == 0 || (n == 1 && (s0 || d0)) || (n == 2 && ((s0 && d1) || (s1 && d0)));
}

static bool
ref_keeps(const struct bs_capture_filter *f, uint8_t kind, const uint8_t *d, uint32_t n)
{
	uint8_t src[16], dst[16];
	uint16_t sp = 0, dp = 0;
	int t;

	if (!(f->what & (1u << kind)))
		return false;
	if (f->n_hosts == 0 && f->n_ports == 0)
		return true;
	t = ref_tuple(d, n, src, dst, &sp, &dp);
	if (t == 0 || !ref_pair(f->n_hosts, memcmp(src, f->host[0], 16) == 0,
			memcmp(dst, f->host[0], 16) == 0, memcmp(src, f->host[1], 16) == 0,
			memcmp(dst, f->host[1], 16) == 0))
		return false;
	return f->n_ports == 0 || (t == 2 && ref_pair(f->n_ports, sp == f->port[0],
		dp == f->port[0], sp == f->port[1], dp == f->port[1]));
}

/* Is @p d a TCP RST? (a frame the worker or the endpoint built) */
static bool
is_rst(const uint8_t *d, uint32_t n, uint32_t *l4)
{
	uint32_t l3 = be16(d + 12) == 0x8100 ? 18 : 14;
	uint16_t type = be16(d + l3 - 2);

	*l4 = 0;
	if (type == 0x0800 && n >= l3 + 20 && d[l3 + 9] == 6)
		*l4 = l3 + 4u * (d[l3] & 0x0f);
	else if (type == 0x86dd && n >= l3 + 40 && d[l3 + 6] == 6)
		*l4 = l3 + 40;
	return *l4 != 0 && n >= *l4 + 14 && (d[*l4 + 13] & 0x04);
}

/* The comment of a sent frame that is not an RST, from its bytes. */
static void
send_comment(const uint8_t *d, uint32_t n, char *c, size_t len)
{
	static const char *const names[] = { "FIN", "SYN", "RST", "PSH", "ACK", "URG" };
	uint32_t l3 = be16(d + 12) == 0x8100 ? 18 : 14, l4;
	uint16_t type = be16(d + l3 - 2);
	unsigned int i, k = 0;
	size_t o;

	FUZZ_ASSERT(n >= l3 + 28, "a sent frame of %u bytes", n);
	if (type == 0x0806) {
		snprintf(c, len, "send: arp %s", d[l3 + 7] == 2 ? "reply" : "request");
		return;
	}
	is_rst(d, n, &l4);
	if (l4 != 0) {
		o = (size_t)snprintf(c, len, "send: tcp");
		for (i = 0; i < RTE_DIM(names); i++)
			if (d[l4 + 13] & (1u << i))
				o += (size_t)snprintf(c + o, len - o, "%s%s", k++ ? "," : " ",
					names[i]);
		return;
	}
	if (type == 0x0800 && d[l3 + 9] == 1) {
		l4 = l3 + 4u * (d[l3] & 0x0f);
		if (d[l4] == 0)
			snprintf(c, len, "send: icmp echo reply");
		else
			snprintf(c, len, "send: icmp type %u", d[l4]);
		return;
	}
	FUZZ_ASSERT(type == 0x86dd && d[l3 + 6] == 58, "a sent frame that is not ARP, "
		"TCP, ICMP or ICMPv6");
	switch (d[l3 + 40]) {
	case 129:
		snprintf(c, len, "send: icmpv6 echo reply");
		break;
	case 135:
		snprintf(c, len, "send: neighbour solicitation");
		break;
	case 136:
		snprintf(c, len, "send: neighbour advertisement");
		break;
	default:
		snprintf(c, len, "send: icmpv6 type %u", d[l3 + 40]);
	}
}

/* The worker ---------------------------------------------------------------- */

/* Record @p m in @p r (NULL: the next of recs[]). */
static struct rec *
rec_add(struct rec *r, const struct bs_capture_filter *f, uint8_t kind,
		const struct rte_mbuf *m)
{
	const void *b;

	FUZZ_ASSERT(m->pkt_len <= FRAME_MAX, "a frame of %u bytes", m->pkt_len);
	if (r == NULL) {
		FUZZ_ASSERT(n_recs < MAX_RECS, "records");
		r = &recs[n_recs++];
	}
	r->kind = kind;
	r->len = m->pkt_len;
	b = rte_pktmbuf_read(m, 0, r->len, r->bytes);
	FUZZ_ASSERT(b != NULL, "frame bytes");
	if (b != r->bytes)
		memcpy(r->bytes, b, r->len);
	r->kept = ref_keeps(f, kind, r->bytes, r->len);
	return r;
}

/* A frame the worker sent: a reply or the endpoint's. */
static void
rec_sent(const struct bs_capture_filter *f, const struct rte_mbuf *m)
{
	struct rec *r;
	uint32_t l4;

	if (is_rst(rte_pktmbuf_mtod(m, const uint8_t *), m->data_len, &l4)) {
		r = rec_add(NULL, f, BS_CAPTURE_RESET, m);
		snprintf(r->comment, sizeof(r->comment), "reset: ");
	} else {
		r = rec_add(NULL, f, BS_CAPTURE_SEND, m);
		send_comment(r->bytes, r->len, r->comment, sizeof(r->comment));
	}
}

/* One frame through the worker; its records appended. */
static void
handle_one(const struct bs_capture_filter *f, const uint8_t *d, size_t n, bool chain)
{
	struct bs_worker_port *wp = &w->ports[0];
	uint64_t drop0[BS_DROP_MAX], rst0[BS_RST_REASON_MAX];
	struct rte_mbuf *m = fuzz_frame_mbuf(pool, d, n, chain && n >= 2 ? (n + 1) / 2 : FRAME_MAX);
	unsigned int i, drops = 0;

	memcpy(drop0, w->stats.drop, sizeof(drop0));
	memcpy(rst0, w->stats.rst, sizeof(rst0));
	rec_add(&rx, f, BS_CAPTURE_DROP, m);	/* in case it is dropped */
	bs_worker_handle(w, wp, m);
	for (i = 0; i < BS_RST_REASON_MAX; i++)
		if (w->stats.rst[i] != rst0[i])
			rst_moved[i] = true;
	/* The endpoint's frames first (captured as it hands them over), then
	 * the frame's own reply or drop. */
	for (i = 0; i < wp->n_etx; i++)
		rec_sent(f, wp->etx[i]);
	for (i = 0; i < BS_DROP_MAX; i++) {
		if (w->stats.drop[i] == drop0[i])
			continue;
		drops++;
		FUZZ_ASSERT(n_recs < MAX_RECS, "records");
		recs[n_recs] = rx;
		snprintf(recs[n_recs++].comment, sizeof(rx.comment), "drop: %s", bs_drop_name(i));
	}
	FUZZ_ASSERT(drops + wp->n_tx <= 1, "%u drop reasons, %u replies", drops, wp->n_tx);
	if (wp->n_tx == 1)
		rec_sent(f, wp->tx[0]);
	rte_pktmbuf_free_bulk(wp->tx, wp->n_tx);
	rte_pktmbuf_free_bulk(wp->etx, wp->n_etx);
	wp->n_tx = wp->n_etx = 0;
}

/* The file ------------------------------------------------------------------ */

struct file {
	uint8_t *b;
	size_t n, off;
};

static uint32_t
le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, 4);	/* written in host order */
	return v;
}

/* The next block: its type and body (between the length fields). */
static bool
block_next(struct file *fl, uint32_t *type, const uint8_t **body, uint32_t *blen)
{
	uint32_t total;

	if (fl->off == fl->n)
		return false;
	FUZZ_ASSERT(fl->n - fl->off >= 12, "a block header at %zu", fl->off);
	*type = le32(fl->b + fl->off);
	total = le32(fl->b + fl->off + 4);
	FUZZ_ASSERT(total >= 12 && total % 4 == 0 && total <= fl->n - fl->off,
		"block length %u at %zu of %zu", total, fl->off, fl->n);
	FUZZ_ASSERT(le32(fl->b + fl->off + total - 4) == total, "trailing length at %zu",
		fl->off);
	*body = fl->b + fl->off + 8;
	*blen = total - 12;
	fl->off += total;
	return true;
}

/* Options from @p o to @p end: a comment and flags (EPB), a name (IDB). */
static void
options(const uint8_t *o, const uint8_t *end, char *comment, size_t clen, uint32_t *flags,
		bool *ended)
{
	*ended = false;
	while (o + 4 <= end) {
		uint16_t code, len;

		memcpy(&code, o, 2);
		memcpy(&len, o + 2, 2);
		FUZZ_ASSERT(o + 4 + ((len + 3u) & ~3u) <= end, "option %u of %u bytes overflows",
			code, len);
		if (code == 0) {
			FUZZ_ASSERT(len == 0 && o + 4 == end, "opt_endofopt not last");
			*ended = true;
			return;
		}
		if (code == 1 && comment != NULL) {
			FUZZ_ASSERT(len < clen, "comment of %u bytes", len);
			memcpy(comment, o + 4, len);
			comment[len] = '\0';
		}
		if (code == 2 && flags != NULL) {
			FUZZ_ASSERT(len == 4, "epb_flags of %u bytes", len);
			memcpy(flags, o + 4, 4);
		}
		o += 4 + ((len + 3u) & ~3u);
	}
	FUZZ_ASSERT(o == end, "options end mid-way");
}

static void
file_read(struct file *fl)
{
	FILE *fp = fopen(path, "rb");
	struct stat st;

	FUZZ_ASSERT(fp != NULL && fstat(fileno(fp), &st) == 0, "the capture file");
	fl->n = (size_t)st.st_size;
	fl->off = 0;
	fl->b = malloc(fl->n + 1);
	FUZZ_ASSERT(fl->b != NULL && fread(fl->b, 1, fl->n, fp) == fl->n, "read");
	fclose(fp);
}

/* The file's EPBs against the records. @return EPBs */
static uint64_t
file_check(const struct bs_capture_filter *f, uint64_t lost, uint64_t limit_skipped,
		uint64_t *skipped_lost)
{
	struct file fl;
	const uint8_t *b;
	uint32_t type, blen;
	uint64_t epbs = 0, ts_last = 0;
	unsigned int next = 0;
	char comment[256];
	bool ended;

	file_read(&fl);
	FUZZ_ASSERT(block_next(&fl, &type, &b, &blen) && type == 0x0A0D0D0Au && blen >= 16 &&
		le32(b) == 0x1A2B3C4Du && b[4] == 1 && b[6] == 0, "section header");
	options(b + 16, b + blen, NULL, 0, NULL, &ended);
	FUZZ_ASSERT(block_next(&fl, &type, &b, &blen) && type == 1 && blen >= 8 &&
		b[0] == 1 && b[1] == 0 && le32(b + 4) == f->snaplen,
		"interface block with the snaplen %u", f->snaplen);
	options(b + 8, b + blen, comment, sizeof(comment), NULL, &ended);
	FUZZ_ASSERT(ended, "interface options end");
	*skipped_lost = 0;
	while (block_next(&fl, &type, &b, &blen)) {
		uint32_t caplen, flags = 0;
		uint64_t ts;
		const struct rec *r;

		FUZZ_ASSERT(type == 6 && blen >= 20, "an EPB (type %u)", type);
		caplen = le32(b + 12);
		FUZZ_ASSERT(le32(b) == 0 && 20 + ((caplen + 3u) & ~3u) <= blen,
			"EPB interface %u, caplen %u in %u", le32(b), caplen, blen);
		ts = (uint64_t)le32(b + 4) << 32 | le32(b + 8);
		FUZZ_ASSERT(ts >= ts_last, "time goes back");
		ts_last = ts;
		comment[0] = '\0';
		options(b + 20 + ((caplen + 3u) & ~3u), b + blen, comment, sizeof(comment),
			&flags, &ended);
		FUZZ_ASSERT(ended, "EPB options end");
		/* The next kept record this is; those before it were lost. */
		for (;; next++) {
			FUZZ_ASSERT(next < n_recs, "EPB %llu (%u bytes, '%s') is no record's",
				(unsigned long long)epbs, caplen, comment);
			r = &recs[next];
			if (!r->kept)
				continue;
			if (caplen == RTE_MIN(f->snaplen, r->len) && le32(b + 16) == r->len &&
					memcmp(b + 20, r->bytes, caplen) == 0)
				break;
			++*skipped_lost;
		}
		next++;
		FUZZ_ASSERT(flags == (r->kind == BS_CAPTURE_DROP ? 1u : 2u), "direction %u", flags);
		if (r->kind == BS_CAPTURE_RESET) {
			unsigned int k;

			for (k = 0; k < BS_RST_REASON_MAX; k++)
				if (rst_moved[k] && strcmp(comment + 7,
						bs_rst_reason_name(k)) == 0)
					break;
			FUZZ_ASSERT(strncmp(comment, "reset: ", 7) == 0 && k < BS_RST_REASON_MAX,
				"an RST's comment '%s'", comment);
		} else {
			FUZZ_ASSERT(strcmp(comment, r->comment) == 0, "comment '%s', want '%s'",
				comment, r->comment);
		}
		epbs++;
	}
	for (; next < n_recs; next++)	/* the last ones lost, or past a limit */
		*skipped_lost += recs[next].kept;
	FUZZ_ASSERT(*skipped_lost <= lost + limit_skipped, "%llu records missing, %llu lost, "
		"%llu past the limit", (unsigned long long)*skipped_lost,
		(unsigned long long)lost, (unsigned long long)limit_skipped);
	free(fl.b);
	return epbs;
}

/* The input ----------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[] = { "fuzz0" };
	struct bs_capture_params p = {
		.file = path, .n_workers = 1, .n_ports = 1, .port_names = names,
		.socket = SOCKET_ID_ANY,
	};
	struct bs_capture_status st;
	struct bs_capture_wstats ws;
	struct bs_capture *c;
	struct rte_mempool *cpool;
	char words[FILTER_MAX + 1], err[256];
	const uint8_t *nl, *d, *end = data + size;
	uint64_t kept = 0, epbs, missing;
	unsigned int i, frames = 0;
	uint8_t knobs;

	if (size < 1)
		return -1;
	knobs = data[0];
	nl = memchr(data + 1, '\n', size - 1);
	d = nl != NULL ? nl + 1 : end;
	if ((size_t)((nl != NULL ? nl : end) - (data + 1)) > FILTER_MAX)
		return -1;
	memcpy(words, data + 1, (size_t)((nl != NULL ? nl : end) - (data + 1)));
	words[(nl != NULL ? nl : end) - (data + 1)] = '\0';
	if (strlen(words) != (size_t)((nl != NULL ? nl : end) - (data + 1)))
		return -1;	/* a NUL: no C string carries one */
	filter_of(words, &p.filter);

	p.ring_size = (knobs & 2) ? 4 : 64;
	p.mbufs = (knobs & 4) ? 64 : 256;
	c = bs_capture_open(&p, err, sizeof(err));
	FUZZ_ASSERT(c != NULL, "capture open: %s", err);
	bs_worker_capture_attach(w, 1, c);
	cpool = w->cap.pool;
	memset(&w->stats, 0, sizeof(w->stats));
	memset(rst_moved, 0, sizeof(rst_moved));
	bs_neigh_init(&w->neigh);
	w->ep = (knobs & 1) ? fuzz_ep_new(&cfg, &ipc, pool, w) : NULL;
	if (w->ep != NULL)
		bs_tcp_ep_set_time(w->ep, rte_rdtsc());
	n_recs = 0;

	while (end - d >= 2 && frames < MAX_FRAMES) {
		size_t n = RTE_MIN((size_t)be16(d), (size_t)(end - d - 2));

		handle_one(&p.filter, d + 2, n, (knobs & 8) != 0);
		d += 2 + n;
		frames++;
		if (!(knobs & 4))
			bs_capture_poll(c);
	}
	bs_capture_poll(c);
	ws = *w->cap.st;
	bs_capture_status(c, &st);
	memset(&w->cap, 0, sizeof(w->cap));
	FUZZ_ASSERT(rte_mempool_in_use_count(cpool) == 0, "%u capture mbufs not freed",
		rte_mempool_in_use_count(cpool));
	bs_capture_close(c, false);

	for (i = 0; i < n_recs; i++)
		kept += recs[i].kept;
	FUZZ_ASSERT(ws.copied + ws.lost == kept, "copied %llu + lost %llu, %llu kept",
		(unsigned long long)ws.copied, (unsigned long long)ws.lost,
		(unsigned long long)kept);
	FUZZ_ASSERT(st.lost == ws.lost, "status lost");
	FUZZ_ASSERT(st.packets + st.limit_skipped == ws.copied && st.write_errno == 0,
		"written %llu + past the limit %llu, %llu copied",
		(unsigned long long)st.packets, (unsigned long long)st.limit_skipped,
		(unsigned long long)ws.copied);
	epbs = file_check(&p.filter, ws.lost, st.limit_skipped, &missing);
	FUZZ_ASSERT(epbs == st.packets, "%llu EPBs, %llu packets", (unsigned long long)epbs,
		(unsigned long long)st.packets);
	FUZZ_ASSERT(missing == ws.lost + st.limit_skipped, "%llu kept records missing from "
		"the file, %llu lost, %llu past the limit", (unsigned long long)missing,
		(unsigned long long)ws.lost, (unsigned long long)st.limit_skipped);
	if (p.filter.count != 0)
		FUZZ_ASSERT(st.packets <= p.filter.count, "past the count");
	{
		struct stat fs;

		FUZZ_ASSERT(stat(path, &fs) == 0 && (uint64_t)fs.st_size == st.bytes,
			"file size vs %llu bytes", (unsigned long long)st.bytes);
		if (p.filter.bytes != 0 && st.packets != 0)
			FUZZ_ASSERT(st.bytes <= p.filter.bytes, "past the bytes limit");
	}

	bs_tcp_ep_free(w->ep);
	w->ep = NULL;
	fuzz_neigh_free_held(w);
	FUZZ_ASSERT(rte_mempool_in_use_count(pool) == 0, "%u mbufs leaked",
		rte_mempool_in_use_count(pool));
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{

	(void)argc;
	(void)argv;
	pool = fuzz_eal_pool("capture", POOL_MBUFS);
	path = fuzz_scratch_file("capture", "pcapng");
	w = fuzz_worker_new(pool, conf_text, &cfg, &ipc, &addrs);
	return 0;
}
