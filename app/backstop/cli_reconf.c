/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live changes from the CLI: listener add|del, policy add|del, set tcp,
 * and show policies. Each change is a copy of the configuration in force,
 * edited, checked whole as a file would be, and published to the workers
 * as a new snapshot (reconf.c); a refused one changes nothing. A later
 * SIGHUP applies the file as it is then.
 */
#include <inttypes.h>
#include <stdlib.h>

#include "bs_config.h"
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
