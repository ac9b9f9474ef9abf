/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The results: a human summary and the JSON the benchmark suite reads
 * (keys documented in docs/benchmarking.md: append, never rename).
 */
#include <inttypes.h>
#include <string.h>

#include "gen.h"

static const char *const mode_name[] = {
	[GEN_FLOOD] = "flood", [GEN_PCAP] = "pcap", [GEN_CHECK] = "check",
	[GEN_HTTP] = "http", [GEN_ECHO] = "echo", [GEN_HOLD] = "hold",
};

static double
per_s(uint64_t n, uint64_t cycles, uint64_t hz)
{
	return cycles == 0 ? 0.0 : (double)n * (double)hz / (double)cycles;
}

static uint64_t
ns(uint64_t cycles, uint64_t hz)
{
	return hz == 0 ? 0 : (uint64_t)((double)cycles * 1e9 / (double)hz);
}

/* Mismatches: the checker's and the stateful modes'. */
static uint64_t
mismatches(const struct gen_result *r)
{
	return (r->t != NULL ? r->t->mismatches : 0) + r->mismatches;
}

static const struct bs_gen_hist *
latency(const struct gen_result *r)
{
	if (r->t != NULL)
		return &r->t->lat;
	if (r->c != NULL)
		return r->o->mode == GEN_HOLD ? &r->c->connect : &r->c->complete;
	return NULL;
}

static void
errs_of(const struct gen_result *r, unsigned int *n, const char (**e)[200])
{
	if (r->t != NULL) {
		*n = r->t->n_errs;
		*e = (const char (*)[200])r->t->errs;
	} else {
		*n = r->n_errs;
		*e = (const char (*)[200])r->errs;
	}
}

void
gen_report_text(FILE *f, const struct gen_result *r)
{
	const struct bs_gen_hist *h = latency(r);
	const char (*e)[200];
	unsigned int i, n;

	fprintf(f, "backstop-gen %s: sent %" PRIu64 ", received %" PRIu64 ", %.0f pps sent, "
		"%.0f pps received\n", mode_name[r->o->mode], r->tx, r->rx,
		per_s(r->tx, r->send_cycles, r->tsc_hz), per_s(r->rx, r->run_cycles, r->tsc_hz));
	if (r->t != NULL) {
		const struct bs_gen_track *t = r->t;

		fprintf(f, "  replies:");
		for (i = 1; i < BS_GEN_REPLY_MAX; i++)
			fprintf(f, " %s %" PRIu64, bs_gen_reply_names[i], t->replies[i]);
		fprintf(f, "\n  due %" PRIu64 ", matched %" PRIu64 ", mismatches %" PRIu64
			", lost %" PRIu64 ", duplicates %" PRIu64 ", SYN-ACK retransmissions %"
			PRIu64 "\n", t->due, t->ok, t->mismatches, t->lost, t->duplicates,
			t->retrans);
	}
	if (r->c != NULL) {
		const struct gen_conn_stats *c = r->c;

		fprintf(f, "  connections: started %" PRIu64 ", completed %" PRIu64 ", failed %"
			PRIu64 ", established %" PRIu64 ", %.0f completed/s, mismatches %"
			PRIu64 "\n", c->started, c->completed, c->failed, c->established,
			per_s(c->completed, r->send_cycles, r->tsc_hz), r->mismatches);
		if (c->retransmits != 0 || c->dropped != 0)
			fprintf(f, "  segments: %" PRIu64 " sent again (--rto-ms), %" PRIu64
				" dropped (--loss)\n", c->retransmits, c->dropped);
	}
	if (h != NULL && h->n != 0)
		fprintf(f, "  latency (%s): p50 %" PRIu64 " ns, p90 %" PRIu64 " ns, p99 %"
			PRIu64 " ns, max %" PRIu64 " ns (%" PRIu64 " samples)\n",
			r->t != NULL ? "reply" : r->o->mode == GEN_HOLD ? "connect" :
			"connection", ns(bs_gen_hist_pct(h, 50), r->tsc_hz),
			ns(bs_gen_hist_pct(h, 90), r->tsc_hz), ns(bs_gen_hist_pct(h, 99), r->tsc_hz),
			ns(h->max, r->tsc_hz), h->n);
	errs_of(r, &n, &e);
	for (i = 0; i < n; i++)
		fprintf(f, "  %s: %s\n", r->t != NULL ? "mismatch" : "error", e[i]);
	fprintf(f, "%s\n", mismatches(r) == 0 ? "OK: 0 mismatches" : "FAIL: mismatches");
}

static void
json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if ((unsigned char)*s < 0x20)
			fprintf(f, "\\u%04x", *s);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void
json_hist(FILE *f, const char *key, const struct bs_gen_hist *h, uint64_t hz)
{
	fprintf(f, "  \"%s\": {\"samples\": %" PRIu64 ", \"p50\": %" PRIu64 ", \"p90\": %"
		PRIu64 ", \"p99\": %" PRIu64 ", \"max\": %" PRIu64 "},\n", key,
		h == NULL ? 0 : h->n, h == NULL ? 0 : ns(bs_gen_hist_pct(h, 50), hz),
		h == NULL ? 0 : ns(bs_gen_hist_pct(h, 90), hz),
		h == NULL ? 0 : ns(bs_gen_hist_pct(h, 99), hz), h == NULL ? 0 : ns(h->max, hz));
}

static void
json_track(FILE *f, const struct bs_gen_track *t)
{
	static const struct bs_gen_track zero;
	unsigned int i;

	if (t == NULL)
		t = &zero;
	fprintf(f, "  \"sent_by_kind\": {");
	for (i = 0; i < BS_GEN_KIND_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i ? ", " : "", bs_gen_kind_names[i],
			t->sent_kind[i]);
	fprintf(f, "},\n  \"replies\": {");
	for (i = 1; i < BS_GEN_REPLY_MAX; i++)
		fprintf(f, "%s\"%s\": %" PRIu64, i > 1 ? ", " : "", bs_gen_reply_names[i],
			t->replies[i]);
	fprintf(f, "},\n  \"due\": %" PRIu64 ",\n  \"matched\": %" PRIu64 ",\n  \"lost\": %"
		PRIu64 ",\n  \"duplicates\": %" PRIu64 ",\n  \"synack_retrans\": %" PRIu64
		",\n  \"untracked\": %" PRIu64 ",\n  \"not_tcp\": %" PRIu64 ",\n", t->due, t->ok,
		t->lost, t->duplicates, t->retrans, t->untracked, t->not_tcp);
}

static void
json_conns(FILE *f, const struct gen_conn_stats *c, uint64_t cycles, uint64_t hz)
{
	static const struct gen_conn_stats zero;

	if (c == NULL)
		c = &zero;
	fprintf(f, "  \"connections\": {\"started\": %" PRIu64 ", \"completed\": %" PRIu64
		", \"failed\": %" PRIu64 ", \"established\": %" PRIu64 ", \"resets\": %" PRIu64
		", \"bad_bytes\": %" PRIu64 ", \"retransmits\": %" PRIu64 ", \"dropped\": %"
		PRIu64 ", \"per_s\": %.1f},\n", c->started, c->completed, c->failed,
		c->established, c->resets, c->bad_bytes, c->retransmits, c->dropped,
		per_s(c->completed, cycles, hz));
	json_hist(f, "connect_ns", c == &zero ? NULL : &c->connect, hz);
	json_hist(f, "connection_ns", c == &zero ? NULL : &c->complete, hz);
}

int
gen_report_json(const char *path, const struct gen_result *r)
{
	FILE *f = fopen(path, "w");
	const char (*e)[200];
	unsigned int i, n;

	if (f == NULL) {
		fprintf(stderr, "backstop-gen: %s: cannot create\n", path);
		return -1;
	}
	fprintf(f, "{\n  \"mode\": \"%s\",\n  \"sent\": %" PRIu64 ",\n  \"received\": %" PRIu64
		",\n  \"mismatches\": %" PRIu64 ",\n", mode_name[r->o->mode], r->tx, r->rx,
		mismatches(r));
	json_track(f, r->t);
	json_conns(f, r->c, r->send_cycles, r->tsc_hz);
	json_hist(f, "latency_ns", latency(r), r->tsc_hz);
	fprintf(f, "  \"tx_pps\": %.1f,\n  \"rx_pps\": %.1f,\n  \"tx_full\": %" PRIu64
		",\n  \"arp_answered\": %" PRIu64 ",\n  \"tsc_hz\": %" PRIu64
		",\n  \"send_seconds\": %.6f,\n  \"run_seconds\": %.6f,\n  \"cycles\": %" PRIu64
		",\n  \"busy_cycles\": %" PRIu64 ",\n  \"errors\": [",
		per_s(r->tx, r->send_cycles, r->tsc_hz), per_s(r->rx, r->run_cycles, r->tsc_hz),
		r->tx_full, r->arp, r->tsc_hz,
		r->tsc_hz ? (double)r->send_cycles / (double)r->tsc_hz : 0.0,
		r->tsc_hz ? (double)r->run_cycles / (double)r->tsc_hz : 0.0,
		r->run_cycles, r->busy_cycles);
	errs_of(r, &n, &e);
	for (i = 0; i < n; i++) {
		fprintf(f, "%s", i ? ", " : "");
		json_str(f, e[i]);
	}
	fprintf(f, "]\n}\n");
	return fclose(f) == 0 ? 0 : -1;
}
