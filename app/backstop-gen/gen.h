/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef GEN_H
#define GEN_H

/*
 * backstop-gen's wiring: options, the port, the run loops, the report.
 * Everything runs on the main lcore.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_ethdev.h>
#include <rte_mempool.h>

#include "bs_gen.h"
#include "bs_port_guard.h"

enum gen_mode {
	GEN_FLOOD,
	GEN_PCAP,
	GEN_CHECK,
	GEN_HTTP,
	GEN_ECHO,
	GEN_HOLD,
};

struct gen_opts {
	enum gen_mode mode;
	const char *port;
	const char *file;
	const char *json;
	struct bs_gen_flow flow;	/* addresses, ranges, mix, MACs */
	bool have_src_mac;
	bool have_dst_mac;
	bool have_dport;
	uint64_t rate;
	uint64_t count;
	double duration;
	unsigned int burst;
	unsigned int drain_ms;
	unsigned int ring_log2;
	uint64_t conns;
	unsigned int concurrency;
	unsigned int request;
	unsigned int http_body;
	unsigned int http_status;
	bool http_keepalive;
	unsigned int timeout_ms;
	unsigned int rto_ms;
	unsigned int loss;		/* percent of our segments dropped */
	bool quiet;
};

/* Connection results of the stateful modes. */
struct gen_conn_stats {
	uint64_t started;
	uint64_t completed;	/* handshake, request, whole response, close */
	uint64_t failed;	/* timed out or reset */
	uint64_t established;	/* hold: connections up at the end */
	uint64_t bad_bytes;	/* response bytes that differ */
	uint64_t syn_acks;
	uint64_t resets;	/* RSTs received */
	uint64_t segs_in;
	uint64_t segs_out;
	uint64_t retransmits;	/* our segments sent again after --rto-ms */
	uint64_t dropped;	/* our segments dropped by --loss */
	struct bs_gen_hist connect;	/* SYN to SYN-ACK, cycles */
	struct bs_gen_hist complete;	/* SYN to the server's FIN, cycles */
};

/* What a run measured, for the report. */
struct gen_result {
	const struct gen_opts *o;
	struct bs_gen_track *t;	/* flood, check: the checker */
	struct gen_conn_stats *c;	/* http, echo, hold */
	uint64_t tx;		/* frames sent */
	uint64_t rx;		/* frames received */
	uint64_t tx_full;	/* frames the TX queue refused (sent again) */
	uint64_t arp;		/* ARP requests answered */
	uint64_t mismatches;	/* stateful modes */
	uint64_t tsc_hz;
	uint64_t send_cycles;	/* first to last send */
	uint64_t run_cycles;	/* the whole loop, drain included */
	uint64_t busy_cycles;	/* loop turns that moved frames */
	unsigned int n_errs;
	char errs[BS_GEN_ERRS][200];
};

/* The port and what the loops need to use it. */
struct gen_port {
	uint16_t id;
	struct rte_mempool *mp;
	struct rte_ether_addr mac;
	struct bs_port_guard_reader *guard;	/**< this poll loop's
						 *   (bs_port_guard.h) */
};

/* A burst received: the only RX of the generator, and its quiescent point
 * for the unmap guard (no driver call of this thread in progress). */
static inline uint16_t
gen_port_rx(struct gen_port *p, struct rte_mbuf **pkts, uint16_t n)
{
	bs_port_guard_quiescent(p->guard);
	return rte_eth_rx_burst(p->id, 0, pkts, n);
}

int gen_opts_parse(struct gen_opts *o, int argc, char **argv, char *err, size_t errlen);
void gen_usage(FILE *f, const char *prog);

int gen_port_open(struct gen_port *p, const struct gen_opts *o, char *err, size_t errlen);
void gen_port_close(struct gen_port *p);
/* The target's MAC: ARP for --dst, or, with --family 6, neighbour
 * discovery for --dst6. @return 0, or -1 after 3 s without an answer */
int gen_port_resolve(struct gen_port *p, struct gen_opts *o, char *err, size_t errlen);
/* If the frame is an ARP request for one of our source addresses, answer
 * it in place. @return true if it was ARP (answered or not) */
bool gen_arp_input(struct gen_port *p, const struct bs_gen_flow *f,
		struct rte_mbuf *m, struct gen_result *res);

int gen_flood(struct gen_port *p, const struct gen_opts *o, struct gen_result *res);
int gen_pcap_write(const struct gen_opts *o, struct gen_result *res);
int gen_pcap_check(const struct gen_opts *o, struct gen_result *res);
int gen_conns(struct gen_port *p, const struct gen_opts *o, struct gen_result *res);

void gen_report_text(FILE *f, const struct gen_result *r);
int gen_report_json(const char *path, const struct gen_result *r);

/* Set by SIGINT/SIGTERM: stop sending, drain, report. */
extern volatile bool gen_stop;

#endif /* GEN_H */
