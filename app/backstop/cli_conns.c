/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * show connections: pages of the workers' connection tables.
 *
 * No worker stalls: the control thread never reads a table; it asks the
 * owner for a page (BS_WORKER_CTL_CONN_PAGE), and a page costs the worker
 * a walk of at most 4096 slots between two of its polls. The filter runs
 * there, on the worker's side, so a page carries up to 64 matches and a
 * sparse filter does not cost one round trip per match; the page is cut
 * at what the answer still needs, so the cursor resumes just after the
 * last connection shown. One command asks for pages until it has `limit`
 * connections, every worker is walked, or it spent CONNS_BUDGET_MS (then
 * it answers with what it has and a cursor): a million entries are
 * walked over several commands, each short.
 *
 * The cursor is "WORKER:SLOT", where the walk goes on.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include <rte_byteorder.h>
#include <rte_common.h>
#include <rte_cycles.h>

#include "bs_tcp_ep.h"
#include "bs_worker.h"
#include "bs_worker_ctl.h"
#include "cli.h"

#define CONNS_LIMIT_DEFAULT 100
#define CONNS_LIMIT_MAX 10000
#define CONNS_BUDGET_MS 50

struct conns_args {
	struct bs_tcp_conn_filter f;
	uint32_t worker;	/* UINT32_MAX: all */
	uint32_t limit;
	uint32_t w;		/* where the walk starts */
	uint32_t slot;
};

static int
parse_state(struct bs_cli_call *c, const char *s, uint8_t *state)
{
	unsigned int i;

	for (i = 1; i < BS_TCP_STATE_MAX; i++)
		if (strcasecmp(s, bs_tcp_state_name(i)) == 0) {
			*state = (uint8_t)i;
			return 0;
		}
	return bs_cli_fail(c, "state '%.40s' is not a TCP state (ESTABLISHED, "
		"SYN_SENT, FIN_WAIT1, CLOSE_WAIT, LAST_ACK...)", s);
}

static int
parse_addr(struct bs_cli_call *c, const char *s, uint8_t addr[16])
{
	static const uint8_t v4mapped[12] = BS_FLOW_V4MAPPED_PREFIX;

	if (inet_pton(AF_INET, s, addr + 12) == 1) {
		memcpy(addr, v4mapped, 12);
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1)
		return 0;
	return bs_cli_fail(c, "addr '%.60s' is not an IPv4 or IPv6 address", s);
}

static int
parse_cursor(struct app *a, struct bs_cli_call *c, const char *s, struct conns_args *x)
{
	unsigned int w, slot;
	int end = 0;

	if (sscanf(s, "%u:%u%n", &w, &slot, &end) != 2 || s[end] != '\0' ||
			w >= a->n_workers)
		return bs_cli_fail(c, "cursor '%.40s' is not one this command gave "
			"(WORKER:SLOT)", s);
	x->w = w;
	x->slot = slot;
	return 0;
}

static int
conns_args(struct app *a, struct bs_cli_call *c, struct conns_args *x)
{
	static const char *const keys[] = {
		"state", "addr", "port", "worker", "limit", "cursor", NULL
	};
	const char *v[RTE_DIM(keys)];
	uint32_t port = 0;

	memset(x, 0, sizeof(*x));
	x->worker = UINT32_MAX;
	x->limit = CONNS_LIMIT_DEFAULT;
	if (cli_args_kv(c, keys, v) != 0 ||
			(v[0] != NULL && parse_state(c, v[0], &x->f.state) != 0) ||
			(v[1] != NULL && parse_addr(c, v[1], x->f.addr) != 0) ||
			(v[2] != NULL && cli_arg_u32(c, "port", v[2], 1, 65535, &port) != 0) ||
			(v[3] != NULL && cli_arg_u32(c, "worker", v[3], 0, a->n_workers - 1,
				&x->worker) != 0) ||
			(v[4] != NULL && cli_arg_u32(c, "limit", v[4], 1, CONNS_LIMIT_MAX,
				&x->limit) != 0) ||
			(v[5] != NULL && parse_cursor(a, c, v[5], x) != 0))
		return -1;
	x->f.addr_set = v[1] != NULL;
	x->f.port = (uint16_t)port;
	if (x->worker != UINT32_MAX && v[5] == NULL)
		x->w = x->worker;
	if (x->worker != UINT32_MAX && x->w != x->worker)
		return bs_cli_fail(c, "cursor '%s' is not in worker %u", v[5], x->worker);
	return 0;
}

static void
addr_text(const uint8_t a[16], char *buf, size_t len)
{
	static const uint8_t v4mapped[12] = BS_FLOW_V4MAPPED_PREFIX;

	if (memcmp(a, v4mapped, 12) == 0)
		inet_ntop(AF_INET, a + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, a, buf, (socklen_t)len);
}

static void
emit_conn(struct bs_emit *e, unsigned int w, const struct bs_tcp_conn_info *ci)
{
	char buf[INET6_ADDRSTRLEN];

	bs_emit_obj_open(e, NULL);
	bs_emit_u64(e, "worker", w);
	bs_emit_str(e, "state", bs_tcp_state_name(ci->state));
	addr_text(ci->flow.laddr, buf, sizeof(buf));
	bs_emit_str(e, "local_addr", buf);
	bs_emit_u64(e, "local_port", rte_be_to_cpu_16(ci->flow.lport));
	addr_text(ci->flow.raddr, buf, sizeof(buf));
	bs_emit_str(e, "remote_addr", buf);
	bs_emit_u64(e, "remote_port", rte_be_to_cpu_16(ci->flow.rport));
	bs_emit_u64(e, "snd_una", ci->snd_una);
	bs_emit_u64(e, "snd_nxt", ci->snd_nxt);
	bs_emit_u64(e, "snd_wnd", ci->snd_wnd);
	bs_emit_u64(e, "rcv_nxt", ci->rcv_nxt);
	bs_emit_u64(e, "rcv_wnd", ci->rcv_wnd);
	bs_emit_obj_close(e);
}

int
cli_show_connections(struct app *a, struct bs_cli_call *c)
{
	struct bs_worker_ctl_req req;
	struct conns_args x;
	uint64_t deadline;
	uint32_t n = 0, pages = 0, i;
	char cursor[32];
	int rc;

	if (conns_args(a, c, &x) != 0)
		return -1;
	deadline = rte_get_tsc_cycles() + rte_get_tsc_hz() / 1000 * CONNS_BUDGET_MS;
	bs_emit_list_open(c->e, "connections");
	while (x.w < a->n_workers && n < x.limit && rte_get_tsc_cycles() < deadline) {
		memset(&req, 0, sizeof(req));
		req.op = BS_WORKER_CTL_CONN_PAGE;
		req.cursor = x.slot;
		req.filter = x.f;
		req.max = x.limit - n;
		rc = bs_worker_ctl_call(&a->workers[x.w], &req, CLI_CTL_TIMEOUT_MS);
		if (rc == 0)
			rc = req.rc;
		if (rc != 0)
			return bs_cli_fail(c, "worker %u did not answer (%s); try again with "
				"cursor %u:%u", x.w, strerror(-rc), x.w, x.slot);
		pages++;
		for (i = 0; i < req.n; i++)
			emit_conn(c->e, x.w, &req.conns[i]);
		n += req.n;
		x.slot = req.cursor;
		if (x.slot == UINT32_MAX) {
			/* This worker is done: the next one, unless asked for one. */
			x.w = x.worker != UINT32_MAX ? a->n_workers : x.w + 1;
			x.slot = 0;
		}
	}
	bs_emit_list_close(c->e);
	bs_emit_u64(c->e, "count", n);
	bs_emit_u64(c->e, "pages", pages);
	bs_emit_bool(c->e, "more", x.w < a->n_workers);
	if (x.w < a->n_workers) {
		snprintf(cursor, sizeof(cursor), "%u:%u", x.w, x.slot);
		bs_emit_str(c->e, "cursor", cursor);
	}
	return 0;
}
