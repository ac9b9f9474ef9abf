/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backstop-gen: a DPDK traffic generator that checks every reply.
 *
 *   backstop-gen [EAL options] -- [options]
 *
 * Wiring only: options (gen_opts.def), EAL and the port, one run loop per
 * mode, the report. The segments and the checker are lib/gen.
 */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_errno.h>

#include "gen.h"

volatile bool gen_stop;

static void
on_signal(int sig)
{
	(void)sig;
	gen_stop = true;
}

/* The arguments after "--" are ours; before it, EAL's. */
static int
split_args(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--") == 0)
			return i;
	return 0;
}

static int
run(struct gen_opts *o, struct gen_result *res)
{
	struct gen_port port;
	char err[256];
	int rc;

	if (gen_port_open(&port, o, err, sizeof(err)) != 0) {
		fprintf(stderr, "backstop-gen: %s\n", err);
		return -1;
	}
	if (!o->have_src_mac)
		o->flow.src_mac = port.mac;
	if (!o->have_dst_mac && gen_port_resolve(&port, o, err, sizeof(err)) != 0) {
		fprintf(stderr, "backstop-gen: %s\n", err);
		gen_port_close(&port);
		return -1;
	}
	if (o->mode == GEN_FLOOD)
		rc = gen_flood(&port, o, res);
	else
		rc = gen_conns(&port, o, res);
	/* The last frames sent still sit in the device's ring (memif: in
	 * shared memory the peer reads on its next poll): let them go. */
	rte_delay_ms(RTE_MAX(100u, o->drain_ms));
	gen_port_close(&port);
	return rc;
}

int
main(int argc, char **argv)
{
	static struct gen_opts o;
	static struct gen_result res;
	char err[256];
	int sep = split_args(argc, argv), rc;

	rc = gen_opts_parse(&o, argc - sep, argv + sep, err, sizeof(err));
	if (rc > 0) {
		gen_usage(stdout, argv[0]);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr, "backstop-gen: %s\n", err);
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	res.o = &o;
	if (o.mode == GEN_PCAP || o.mode == GEN_CHECK) {
		rc = o.mode == GEN_PCAP ? gen_pcap_write(&o, &res) : gen_pcap_check(&o, &res);
	} else {
		if (rte_eal_init(sep, argv) < 0) {
			fprintf(stderr, "backstop-gen: EAL: %s\n", rte_strerror(rte_errno));
			return 1;
		}
		res.tsc_hz = rte_get_tsc_hz();
		rc = run(&o, &res);
	}
	if (rc == 0 && !o.quiet && o.mode != GEN_PCAP)
		gen_report_text(stdout, &res);
	if (rc == 0 && o.json != NULL && gen_report_json(o.json, &res) != 0)
		rc = -1;
	if (o.mode != GEN_PCAP && o.mode != GEN_CHECK)
		rte_eal_cleanup();
	if (rc != 0)
		return 1;
	return (res.t != NULL && res.t->mismatches != 0) || res.mismatches != 0 ||
		(res.c != NULL && res.c->failed != 0) ? 1 : 0;
}
