/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live changes from the CLI: listener add|del, policy add|del, set tcp,
 * show policies, and connect. Each change is a copy of the configuration in force,
 * edited, checked whole as a file would be, and published to the workers
 * as a new snapshot (reconf.c); a refused one changes nothing. A later
 * SIGHUP applies the file as it is then.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bs_config.h"
#include "bs_worker.h"
#include "bs_worker_ctl.h"
#include "cli.h"
#include "reconf.h"

static int
applied(struct bs_cli_call *c, int rc, const char *err)
{
	if (rc != 0)
		return bs_cli_fail(c, "%s", err);
	bs_emit_u64(c->e, "generation", reconf_gen(NULL));
	return 0;
}

int
cli_listener_add(struct app *a, struct bs_cli_call *c)
{
	char err[1024];

	(void)a;
	if (c->argc < 4)
		return bs_cli_fail(c, "listener add needs NAME ADDR PORT APP");
	return applied(c, reconf_listener_add(c->argv[0], c->argv[1], c->argv[2], c->argv[3],
		c->argc - 4, c->argv + 4, err, sizeof(err)), err);
}

int
cli_listener_del(struct app *a, struct bs_cli_call *c)
{
	char err[1024];

	(void)a;
	if (c->argc != 1)
		return bs_cli_fail(c, "listener del takes one NAME");
	return applied(c, reconf_listener_del(c->argv[0], err, sizeof(err)), err);
}

int
cli_policy_add(struct app *a, struct bs_cli_call *c)
{
	char err[1024];

	(void)a;
	if (c->argc < 2)
		return bs_cli_fail(c, "policy add needs PREFIX and an action");
	return applied(c, reconf_policy_add(c->argc, c->argv, err, sizeof(err)), err);
}

int
cli_policy_del(struct app *a, struct bs_cli_call *c)
{
	char err[1024];

	(void)a;
	if (c->argc != 1)
		return bs_cli_fail(c, "policy del takes one PREFIX");
	return applied(c, reconf_policy_del(c->argv[0], err, sizeof(err)), err);
}

int
cli_set_tcp(struct app *a, struct bs_cli_call *c)
{
	char err[1024];

	(void)a;
	if (c->argc != 2)
		return bs_cli_fail(c, "set tcp takes KNOB VALUE");
	return applied(c, reconf_set_tcp(c->argv[0], c->argv[1], err, sizeof(err)), err);
}

int
cli_show_policies(struct app *a, struct bs_cli_call *c)
{
	struct reconf_policy_info *pi;
	unsigned int i, n;
	char buf[64];

	(void)a;
	if (c->argc != 0)
		return bs_cli_fail(c, "unexpected argument '%.40s'", c->argv[0]);
	pi = calloc(BS_MAX_POLICIES, sizeof(*pi));
	if (pi == NULL)
		return bs_cli_fail(c, "out of memory");
	n = reconf_policies(pi, BS_MAX_POLICIES);
	bs_emit_u64(c->e, "generation", reconf_gen(NULL));
	bs_emit_list_open(c->e, "policies");
	for (i = 0; i < n; i++) {
		bs_emit_obj_open(c->e, NULL);
		bs_policy_prefix_format(&pi[i].p, buf, sizeof(buf));
		bs_emit_str(c->e, "prefix", buf);
		bs_emit_str(c->e, "action", bs_stray_action_name(pi[i].p.action));
		if (pi[i].p.action == BS_STRAY_RATELIMIT)
			bs_emit_u64(c->e, "pps", pi[i].p.pps);
		bs_emit_u64(c->e, "replied", pi[i].replied);
		bs_emit_u64(c->e, "dropped", pi[i].dropped);
		bs_emit_u64(c->e, "limited", pi[i].limited);
		bs_emit_obj_close(c->e);
	}
	bs_emit_list_close(c->e);
	free(pi);
	return 0;
}

/*
 * connect ADDR PORT [APP]: an active open now (tcp_connect.c), as a
 * [client] with that peer and app would open one, on the first worker
 * whose RSS gives it a port for the peer. Answered when the SYN is sent;
 * how it ends shows in show stats (TcpActiveOpens, AppECONNREFUSED...) and
 * show connections.
 */
int
cli_connect(struct app *a, struct bs_cli_call *c)
{
	struct bs_config *tmp;
	struct bs_worker_ctl_req *req;
	char err[512], buf[600];
	unsigned int k;
	int rc = -EADDRNOTAVAIL;

	if (c->argc < 2 || c->argc > 3)
		return bs_cli_fail(c, "connect takes ADDR PORT [APP]");
	tmp = malloc(sizeof(*tmp));
	req = calloc(1, sizeof(*req));
	if (tmp == NULL || req == NULL) {
		free(tmp);
		free(req);
		return bs_cli_fail(c, "out of memory");
	}
	bs_config_defaults(tmp);
	snprintf(buf, sizeof(buf), "client connect.address=%s", c->argv[0]);
	if (bs_config_set(tmp, buf, err, sizeof(err)) == 0) {
		snprintf(buf, sizeof(buf), "client connect.port=%s", c->argv[1]);
		if (bs_config_set(tmp, buf, err, sizeof(err)) == 0 && c->argc == 3) {
			snprintf(buf, sizeof(buf), "client connect.app=%s", c->argv[2]);
			(void)bs_config_set(tmp, buf, err, sizeof(err));
		}
	}
	if (tmp->n_clients != 1 || tmp->clients[0].family == 0 || tmp->clients[0].rport == 0 ||
			(c->argc == 3 && strcmp(bs_app_name(tmp->clients[0].app), c->argv[2]) != 0)) {
		const char *e = strstr(err, "': ");

		free(tmp);
		free(req);
		return bs_cli_fail(c, "%s", e != NULL ? e + 3 : err);
	}
	req->op = BS_WORKER_CTL_CONNECT;
	req->client = tmp->clients[0];
	free(tmp);
	for (k = 0; k < a->n_workers && rc == -EADDRNOTAVAIL; k++) {
		rc = bs_worker_ctl_call(&a->workers[k], req, CLI_CTL_TIMEOUT_MS);
		if (rc == 0)
			rc = req->rc;
	}
	if (rc != 0) {
		free(req);
		return bs_cli_fail(c, "connect: %s", strerror(-rc));
	}
	bs_emit_u64(c->e, "worker", k - 1);
	bs_emit_u64(c->e, "local_port", req->lport);
	bs_emit_str(c->e, "app", bs_app_name(req->client.app));
	free(req);
	return 0;
}
