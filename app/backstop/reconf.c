/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Live reconfiguration: snapshots published to the workers without a
 * lock or a barrier (RCU with quiescent-state tracking).
 *
 * A snapshot is a configuration and the stray-policy table built from it,
 * immutable once published. The control thread checks a new configuration
 * whole (parse, cross-key checks, what may change live) before anything is
 * published, so a bad one changes nothing. Each worker reads the published
 * pointer once per poll, takes the snapshot between two bursts and then
 * publishes the generation it uses; a retired snapshot is freed once every
 * worker's generation is past it.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>

#include "bs_policy.h"
#include "reconf.h"

struct snap {
	struct bs_worker_snap s;
	struct bs_config *own;		/* NULL: the boot configuration */
	struct bs_policy_table *policy;
	struct snap *next;		/* retired list */
};

static struct {
	struct bs_worker *workers;
	unsigned int n;
	const struct bs_config **confp;
	struct bs_policy_reg reg;
	struct snap *cur;
	struct snap *retired;
	uint64_t gen;
	uint64_t reported;		/* last gen whose worker results were checked */
} rs;

static void
snap_free(struct snap *s)
{
	if (s == NULL)
		return;
	bs_policy_table_free(s->policy);
	free(s->own);
	free(s);
}

/* A snapshot of @p conf (owned when @p own). */
static struct snap *
snap_build(const struct bs_config *conf, bool own, char *err, size_t errlen)
{
	struct snap *s = calloc(1, sizeof(*s));

	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (bs_policy_table_build(&rs.reg, &conf->stray, rte_get_tsc_hz(), &s->policy,
			err, errlen) != 0) {
		free(s);
		return NULL;
	}
	s->own = own ? (struct bs_config *)(uintptr_t)conf : NULL;
	s->s.conf = conf;
	s->s.policy = s->policy;
	s->s.gen = ++rs.gen;
	return s;
}

static void
publish(struct snap *s)
{
	unsigned int i;

	for (i = 0; i < rs.n; i++)
		bs_worker_snap_publish(&rs.workers[i], &s->s);
	if (rs.cur != NULL) {
		rs.cur->next = rs.retired;
		rs.retired = rs.cur;
	}
	rs.cur = s;
	*rs.confp = s->s.conf;
}

int
reconf_init(struct bs_worker *workers, unsigned int n_workers,
		const struct bs_config *boot, const struct bs_config **confp,
		char *err, size_t errlen)
{
	struct snap *s;
	unsigned int i;

	rs.workers = workers;
	rs.n = n_workers;
	rs.confp = confp;
	for (i = 0; i < n_workers; i++) {
		workers[i].pstate = rte_zmalloc_socket("bs_policy_worker",
			sizeof(struct bs_policy_worker), RTE_CACHE_LINE_SIZE,
			(int)rte_lcore_to_socket_id(workers[i].lcore));
		if (workers[i].pstate == NULL) {
			snprintf(err, errlen, "out of memory for the stray policies' state");
			return -1;
		}
	}
	s = snap_build(boot, false, err, errlen);
	if (s == NULL)
		return -1;
	publish(s);
	for (i = 0; i < n_workers; i++)
		bs_worker_snap_take(&workers[i]);	/* before they run */
	return 0;
}

struct bs_config *
reconf_copy(void)
{
	struct bs_config *c = malloc(sizeof(*c));

	if (c != NULL)
		*c = **rs.confp;
	return c;
}

int
reconf_apply(struct bs_config *next, char *err, size_t errlen)
{
	struct snap *s;

	if (bs_config_check(next, err, errlen) != 0 ||
			bs_config_live_check(*rs.confp, next, err, errlen) != 0) {
		free(next);
		return -1;
	}
	s = snap_build(next, true, err, errlen);
	if (s == NULL) {
		free(next);
		return -1;
	}
	publish(s);
	return 0;
}

void
reconf_reload(const struct app_opts *o)
{
	struct bs_config *next = malloc(sizeof(*next));
	const char *name = o->config_file != NULL ? o->config_file :
		"(built-in backstop.conf)";
	char err[1024];

	if (next == NULL) {
		fprintf(stderr, "backstop: SIGHUP: out of memory; configuration unchanged\n");
		return;
	}
	if (app_config_read(next, o, err, sizeof(err)) != 0) {
		free(next);
		fprintf(stderr, "backstop: SIGHUP: %s; configuration unchanged\n", err);
		return;
	}
	if (reconf_apply(next, err, sizeof(err)) != 0) {
		fprintf(stderr, "backstop: SIGHUP: %s; configuration unchanged\n", err);
		return;
	}
	printf("backstop: SIGHUP: %s applied (generation %" PRIu64 ")\n", name, rs.gen);
	fflush(stdout);
}

uint64_t
reconf_gen(unsigned int *n_current)
{
	unsigned int i, n = 0;

	for (i = 0; i < rs.n; i++)
		n += bs_worker_snap_gen(&rs.workers[i]) == rs.gen;
	if (n_current != NULL)
		*n_current = n;
	return rs.gen;
}

void
reconf_poll(void)
{
	uint64_t min = UINT64_MAX;
	struct snap **pp, *s;
	unsigned int i;

	for (i = 0; i < rs.n; i++) {
		uint64_t g = bs_worker_snap_gen(&rs.workers[i]);

		min = RTE_MIN(min, g);
		/* snap_rc is written before the gen it belongs to. */
		if (g == rs.gen && rs.reported != rs.gen && rs.workers[i].snap_rc != 0)
			fprintf(stderr, "backstop: worker %u: generation %" PRIu64 ": a new "
				"listener found no free slot (%u open or still owning "
				"connections); it is not listening there\n", i, g,
				BS_MAX_LISTENERS);
	}
	if (min == rs.gen)
		rs.reported = rs.gen;
	/* Quiescence: no worker uses a retired snapshot older than min. */
	for (pp = &rs.retired; (s = *pp) != NULL;) {
		if (s->s.gen < min) {
			*pp = s->next;
			snap_free(s);
		} else {
			pp = &s->next;
		}
	}
}

unsigned int
reconf_policies(struct reconf_policy_info *out, unsigned int max)
{
	const struct bs_policy_table *t;
	struct bs_policy_cnt *sum;
	unsigned int i, n = 0;

	if (rs.cur == NULL || (t = rs.cur->policy) == NULL)
		return 0;
	sum = calloc(BS_POLICY_IDS, sizeof(*sum));
	if (sum == NULL)
		return 0;
	for (i = 0; i < rs.n; i++)
		if (rs.workers[i].pstate != NULL)
			bs_policy_sum(sum, rs.workers[i].pstate);
	for (i = 0; i < t->conf.n && n < max; i++) {
		int id = bs_policy_id(&rs.reg, &t->conf.p[i]);

		out[n].p = t->conf.p[i];
		out[n].replied = sum[id].reply;
		out[n].dropped = sum[id].drop;
		out[n].limited = sum[id].limited;
		n++;
	}
	free(sum);
	return n;
}

void
reconf_write_policies(FILE *f)
{
	struct reconf_policy_info *pi = calloc(BS_MAX_POLICIES, sizeof(*pi));
	unsigned int i, n;
	char buf[128];

	if (pi == NULL)
		return;
	n = reconf_policies(pi, BS_MAX_POLICIES);
	for (i = 0; i < n; i++) {
		bs_policy_format(&pi[i].p, buf, sizeof(buf));
		fprintf(f, "policy %s: replied %" PRIu64 " dropped %" PRIu64 " limited %"
			PRIu64 "\n", buf, pi[i].replied, pi[i].dropped, pi[i].limited);
	}
	free(pi);
}

/* Apply "SECTION.KEY=VALUE" to @p c, the message naming no --set. */
static int
set_one(struct bs_config *c, const char *section, const char *key, const char *value,
		char *err, size_t errlen)
{
	char buf[1200];

	if ((size_t)snprintf(buf, sizeof(buf), "%s.%s=%s", section, key, value) >= sizeof(buf)) {
		snprintf(err, errlen, "%s: value too long", key);
		return -1;
	}
	if (bs_config_set(c, buf, err, errlen) != 0) {
		/* Not an override: drop the "--set 'S.K=V': " and "--set: "
		 * prefixes of bs_config_set's messages. */
		char *e = err;

		if (strncmp(e, "--set '", 7) == 0 && strstr(e, "': ") != NULL)
			e = strstr(e, "': ") + 3;
		if (strncmp(e, "--set: ", 7) == 0)
			e += 7;
		memmove(err, e, strlen(e) + 1);
		return -1;
	}
	return 0;
}

static int
listener_index(const struct bs_config *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_listeners; i++)
		if (strcmp(c->listeners[i].name, name) == 0)
			return (int)i;
	return -1;
}

int
reconf_listener_add(const char *name, const char *addr, const char *port,
		const char *app, int argc, char **argv, char *err, size_t errlen)
{
	struct bs_config *c = reconf_copy();
	char section[96];
	int i;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (listener_index(c, name) >= 0) {
		snprintf(err, errlen, "listener %s exists (listener del %s first)", name, name);
		goto fail;
	}
	if (strpbrk(name, " \t[].=") != NULL || strlen(name) >= BS_CONF_NAME_LEN) {
		snprintf(err, errlen, "bad listener name '%s'", name);
		goto fail;
	}
	snprintf(section, sizeof(section), "listener %s", name);
	if (set_one(c, section, "address", addr, err, errlen) != 0 ||
			set_one(c, section, "port", port, err, errlen) != 0 ||
			set_one(c, section, "app", app, err, errlen) != 0)
		goto fail;
	for (i = 0; i < argc; i++) {
		char kv[1100], *eq;

		snprintf(kv, sizeof(kv), "%s", argv[i]);
		eq = strchr(kv, '=');
		if (eq == NULL || eq == kv) {
			snprintf(err, errlen, "'%s': expected key=value", argv[i]);
			goto fail;
		}
		*eq = '\0';
		if (set_one(c, section, kv, eq + 1, err, errlen) != 0)
			goto fail;
	}
	/* Made by an override: its line is 0; the CLI is its source. */
	return reconf_apply(c, err, errlen);
fail:
	free(c);
	return -1;
}

int
reconf_listener_del(const char *name, char *err, size_t errlen)
{
	struct bs_config *c = reconf_copy();
	int i;

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	i = listener_index(c, name);
	if (i < 0) {
		snprintf(err, errlen, "no listener %s", name);
		free(c);
		return -1;
	}
	memmove(&c->listeners[i], &c->listeners[i + 1],
		(c->n_listeners - (unsigned int)i - 1) * sizeof(c->listeners[0]));
	c->n_listeners--;
	return reconf_apply(c, err, errlen);
}

int
reconf_policy_add(int argc, char **argv, char *err, size_t errlen)
{
	struct bs_config *c;
	struct bs_policy_conf p;
	char text[256];
	size_t n = 0;
	int i;

	text[0] = '\0';
	for (i = 0; i < argc && n < sizeof(text); i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "%s%s", i ? " " : "", argv[i]);
	if (n >= sizeof(text)) {
		snprintf(err, errlen, "policy too long");
		return -1;
	}
	if (bs_policy_parse(&p, text, err, errlen) != 0)
		return -1;
	c = reconf_copy();
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (bs_stray_put(&c->stray, &p, err, errlen) != 0) {
		free(c);
		return -1;
	}
	return reconf_apply(c, err, errlen);
}

int
reconf_policy_del(const char *prefix, char *err, size_t errlen)
{
	struct bs_config *c;
	struct bs_policy_conf p;

	if (bs_policy_prefix_parse(&p, prefix, err, errlen) != 0)
		return -1;
	c = reconf_copy();
	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (bs_stray_del(&c->stray, &p) != 0) {
		snprintf(err, errlen, "no policy for %s", prefix);
		free(c);
		return -1;
	}
	return reconf_apply(c, err, errlen);
}

int
reconf_set_tcp(const char *knob, const char *value, char *err, size_t errlen)
{
	struct bs_config *c = reconf_copy();

	if (c == NULL) {
		snprintf(err, errlen, "out of memory");
		return -1;
	}
	if (set_one(c, "tcp", knob, value, err, errlen) != 0) {
		free(c);
		return -1;
	}
	return reconf_apply(c, err, errlen);
}

void
reconf_fini(void)
{
	struct snap *s;
	unsigned int i;

	while ((s = rs.retired) != NULL) {
		rs.retired = s->next;
		snap_free(s);
	}
	snap_free(rs.cur);
	rs.cur = NULL;
	for (i = 0; rs.workers != NULL && i < rs.n; i++) {
		rte_free(rs.workers[i].pstate);
		rs.workers[i].pstate = NULL;
	}
}
