/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backstop-gen's options (gen_opts.def): defaults, parsing, usage. A bad
 * value is one line on stderr and nothing runs.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "bs_log.h"
#include "gen.h"

enum {
	OPT_NONE = 256,
#define GEN_OPT(id, name, arg, help) OPT_##id,
#include "gen_opts.def"
#undef GEN_OPT
};

static const struct {
	const char *name;
	const char *arg;
	const char *help;
} opt_doc[] = {
#define GEN_OPT(id, name, arg, help) { name, arg, help },
#include "gen_opts.def"
#undef GEN_OPT
};

static const struct option long_opts[] = {
#define GEN_OPT(id, name, arg, help) \
	{ name, (arg) == NULL ? no_argument : required_argument, NULL, OPT_##id },
#include "gen_opts.def"
#undef GEN_OPT
	{ NULL, 0, NULL, 0 },
};

static const char *const mode_names[] = {
	[GEN_FLOOD] = "flood", [GEN_PCAP] = "pcap", [GEN_CHECK] = "check",
	[GEN_HTTP] = "http", [GEN_ECHO] = "echo", [GEN_HOLD] = "hold",
};

void
gen_usage(FILE *f, const char *prog)
{
	unsigned int i;
	int k;

	fprintf(f, "usage: %s [EAL options] -- [options]\n"
		"       %s -- --mode pcap|check --file FILE [options]   (no EAL, no port)\n\n"
		"options:\n", prog, prog);
	for (i = 0; i < RTE_DIM(opt_doc); i++) {
		const char *h = opt_doc[i].help, *nl;
		char lhs[48];

		snprintf(lhs, sizeof(lhs), "--%s%s%s", opt_doc[i].name,
			opt_doc[i].arg ? " " : "", opt_doc[i].arg ? opt_doc[i].arg : "");
		fprintf(f, "  %-28s", lhs);
		for (; (nl = strchr(h, '\n')) != NULL; h = nl + 1)
			fprintf(f, "%.*s\n  %-28s", (int)(nl - h), h, "");
		fprintf(f, "%s\n", h);
	}
	fprintf(f, "\nflood kinds (--mix) and the reply each must get:\n");
	for (k = 0; k < BS_GEN_KIND_MAX; k++)
		fprintf(f, "  %-9s %s\n", bs_gen_kind_names[k], bs_gen_kind_help[k]);
	fprintf(f, "\nThe JSON keys are listed in docs/benchmarking.md (backstop-gen).\n"
		"Exit status: 0 if every reply matched and nothing failed, 1 if not, 2 on bad options.\n");
}

static int
u64_arg(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	if (*s == '-' || *s == '\0')
		return -1;
	x = strtoull(s, &end, 0);
	if (errno != 0 || *end != '\0' || x < lo || x > hi)
		return -1;
	*v = x;
	return 0;
}

static int
u32_arg(const char *s, uint64_t lo, uint64_t hi, unsigned int *v)
{
	uint64_t x;

	if (u64_arg(s, lo, hi, &x) != 0)
		return -1;
	*v = (unsigned int)x;
	return 0;
}

/* LO[-HI] within lo..hi */
static int
range_arg(const char *s, unsigned int lo, unsigned int hi, uint32_t *first,
		uint32_t *n)
{
	char buf[32], *dash;
	unsigned int a, b;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash != NULL)
		*dash = '\0';
	if (u32_arg(buf, lo, hi, &a) != 0)
		return -1;
	b = a;
	if (dash != NULL && u32_arg(dash + 1, a, hi, &b) != 0)
		return -1;
	*first = a;
	*n = b - a + 1;
	return 0;
}

static int
listen_arg(struct bs_gen_flow *f, const char *s)
{
	char buf[256], *tok, *save = NULL;
	unsigned int p;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	f->n_listen = 0;
	for (tok = strtok_r(buf, ",", &save); tok != NULL; tok = strtok_r(NULL, ",", &save)) {
		if (f->n_listen >= BS_GEN_MAX_LISTEN || u32_arg(tok, 1, 65535, &p) != 0)
			return -1;
		f->listen[f->n_listen++] = (uint16_t)p;
	}
	return f->n_listen == 0 ? -1 : 0;
}

static void
defaults(struct gen_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->mode = GEN_FLOOD;
	bs_gen_flow_defaults(&o->flow);
	o->burst = 32;
	o->drain_ms = 200;
	o->ring_log2 = 26;
	o->conns = 1000;
	o->concurrency = 64;
	o->request = 64;
	o->http_body = 64;
	o->http_status = 200;
	o->http_keepalive = true;
	o->timeout_ms = 1000;
	o->rto_ms = 200;
}

static int
src_arg(struct bs_gen_flow *f, const char *s)
{
	char buf[64], *plus;
	struct in_addr a;
	uint64_t n = f->src_n;

	if (strlen(s) >= sizeof(buf))
		return -1;
	strcpy(buf, s);
	plus = strchr(buf, '+');
	if (plus != NULL) {
		*plus = '\0';
		if (u64_arg(plus + 1, 1, UINT32_MAX, &n) != 0)
			return -1;
	}
	if (inet_pton(AF_INET, buf, &a) != 1)
		return -1;
	f->src4 = rte_be_to_cpu_32(a.s_addr);
	if (f->src4 + (n - 1) < f->src4)
		return -1;
	f->src_n = (uint32_t)n;
	return 0;
}

/* One option; @return 0, -1 (bad value) */
static int
one_opt(struct gen_opts *o, int c, const char *a)
{
	struct bs_gen_flow *f = &o->flow;
	struct in_addr in4;
	uint32_t first, n;
	uint64_t v;
	unsigned int u;

	switch (c) {
	case OPT_MODE:
		for (u = 0; u < RTE_DIM(mode_names); u++)
			if (strcmp(a, mode_names[u]) == 0) {
				o->mode = (enum gen_mode)u;
				return 0;
			}
		return -1;
	case OPT_PORT: o->port = a; return 0;
	case OPT_FILE: o->file = a; return 0;
	case OPT_JSON: o->json = a; return 0;
	case OPT_SRC_MAC:
		o->have_src_mac = true;
		return rte_ether_unformat_addr(a, &f->src_mac) == 0 ? 0 : -1;
	case OPT_DST_MAC:
		o->have_dst_mac = true;
		return rte_ether_unformat_addr(a, &f->dst_mac) == 0 ? 0 : -1;
	case OPT_DST:
		if (inet_pton(AF_INET, a, &in4) != 1)
			return -1;
		f->dst4 = rte_be_to_cpu_32(in4.s_addr);
		return 0;
	case OPT_DST6: return inet_pton(AF_INET6, a, f->dst6) == 1 ? 0 : -1;
	case OPT_SRC: return src_arg(f, a);
	case OPT_SRC6: return inet_pton(AF_INET6, a, f->src6) == 1 ? 0 : -1;
	case OPT_SPORT:
		if (range_arg(a, 1, 65535, &first, &n) != 0)
			return -1;
		f->sport_lo = (uint16_t)first;
		f->sport_n = n;
		return 0;
	case OPT_DPORT:
		if (range_arg(a, 1, 65535, &first, &n) != 0)
			return -1;
		f->dport_lo = (uint16_t)first;
		f->dport_n = n;
		o->have_dport = true;
		return 0;
	case OPT_FAMILY:
		f->family = strcmp(a, "4") == 0 ? 4 : strcmp(a, "6") == 0 ? 6 :
			strcmp(a, "46") == 0 ? 0 : 255;
		return f->family == 255 ? -1 : 0;
	case OPT_ORDER:
		if (strcmp(a, "random") != 0 && strcmp(a, "seq") != 0)
			return -1;
		f->random = strcmp(a, "random") == 0;
		return 0;
	case OPT_PAYLOAD:
		if (range_arg(a, 0, BS_GEN_PAYLOAD_MAX, &first, &n) != 0)
			return -1;
		f->payload_min = (uint16_t)first;
		f->payload_max = (uint16_t)(first + n - 1);
		return 0;
	case OPT_LISTEN: return listen_arg(f, a);
	case OPT_SEED: return u64_arg(a, 0, UINT64_MAX, &f->seed);
	case OPT_RATE: return u64_arg(a, 0, UINT64_C(1000000000), &o->rate);
	case OPT_COUNT: return u64_arg(a, 1, UINT64_C(1) << 48, &o->count);
	case OPT_DURATION:
		if (u64_arg(a, 0, 86400 * 1000, &v) == 0) {
			o->duration = (double)v;
			return 0;
		}
		o->duration = strtod(a, NULL);
		return o->duration > 0 && o->duration < 86400000 ? 0 : -1;
	case OPT_BURST: return u32_arg(a, 1, 256, &o->burst);
	case OPT_DRAIN_MS: return u32_arg(a, 0, 60000, &o->drain_ms);
	case OPT_TTL:
		if (u32_arg(a, 1, 255, &u) != 0)
			return -1;
		f->ttl = (uint8_t)u;
		return 0;
	case OPT_RING: return u32_arg(a, 10, 34, &o->ring_log2);
	case OPT_CONNS: return u64_arg(a, 1, UINT64_C(100000000), &o->conns);
	case OPT_CONCURRENCY: return u32_arg(a, 1, 1u << 22, &o->concurrency);
	case OPT_REQUEST: return u32_arg(a, 1, 1024, &o->request);
	case OPT_HTTP_BODY: return u32_arg(a, 0, 1u << 20, &o->http_body);
	case OPT_HTTP_STATUS: return u32_arg(a, 100, 999, &o->http_status);
	case OPT_HTTP_KEEPALIVE:
		if (strcmp(a, "yes") != 0 && strcmp(a, "no") != 0)
			return -1;
		o->http_keepalive = strcmp(a, "yes") == 0;
		return 0;
	case OPT_TIMEOUT_MS: return u32_arg(a, 1, 600000, &o->timeout_ms);
	case OPT_RTO_MS: return u32_arg(a, 1, 60000, &o->rto_ms);
	case OPT_LOSS: return u32_arg(a, 0, 50, &o->loss);
	case OPT_QUIET: o->quiet = true; return 0;
	default: return -1;
	}
}

int
gen_opts_parse(struct gen_opts *o, int argc, char **argv, char *err, size_t errlen)
{
	const char *mix = NULL;
	int c, idx;

	defaults(o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, "", long_opts, &idx)) != -1) {
		if (c == OPT_HELP)
			return 1;
		if (c == '?' || c == ':')
			return bs_errf(err, errlen, "unknown option or missing value: %s",
				argv[optind - 1]);
		if (c == OPT_MIX) {
			mix = optarg;
			continue;
		}
		if (one_opt(o, c, optarg) != 0)
			return bs_errf(err, errlen, "--%s: bad value '%s'",
				long_opts[idx].name, optarg);
	}
	if (optind < argc)
		return bs_errf(err, errlen, "unexpected argument '%s'", argv[optind]);
	if (mix != NULL && bs_gen_mix_parse(mix, o->flow.weight, err, errlen) != 0)
		return -1;
	if ((o->mode == GEN_PCAP || o->mode == GEN_CHECK) && (o->file == NULL || o->count == 0))
		return bs_errf(err, errlen, "--mode %s needs --file and --count",
			mode_names[o->mode]);
	if (!o->have_dport && (o->mode == GEN_HTTP || o->mode == GEN_ECHO || o->mode == GEN_HOLD)) {
		o->flow.dport_lo = o->mode == GEN_HTTP ? 80 : o->mode == GEN_ECHO ? 7 : 5000;
		o->flow.dport_n = 1;
	}
	if (o->count == 0 && o->duration == 0 && o->mode != GEN_HOLD)
		o->duration = 10;
	return bs_gen_flow_init(&o->flow, err, errlen);
}
