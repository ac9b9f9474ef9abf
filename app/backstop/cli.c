/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI: the command table (cli_cmds.def), its dispatcher, `help` and
 * `quit`, and the socket's place in the control loop.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_common.h>
#include <rte_cycles.h>

#include "cli.h"

struct cli_cmd {
	const char *words;
	int (*fn)(struct app *a, struct bs_cli_call *c);
	const char *usage;
	const char *help;
};

static const struct cli_cmd cmds[] = {
#define BS_CLI_CMD(words, handler, usage, help) { words, handler, usage, help },
#include "cli_cmds.def"
#undef BS_CLI_CMD
};

/* The usage line of an error (one request at a time: one buffer). */
static char usage_buf[512];

/*
 * How many of argv's first words spell @p words: all of them (their
 * count), or 0. A prefix of a longer command counts as @p partial words.
 */
static int
words_match(const char *words, int argc, char **argv, int *partial)
{
	const char *p = words;
	int n = 0;

	*partial = 0;
	while (*p != '\0') {
		size_t len = strcspn(p, " ");

		if (n == argc)
			return 0;
		if (strlen(argv[n]) != len || strncmp(p, argv[n], len) != 0)
			return 0;
		n++;
		*partial = n;
		p += len;
		p += *p == ' ';
	}
	return n;
}

static const char *
cmd_usage(const struct cli_cmd *k)
{
	snprintf(usage_buf, sizeof(usage_buf), "%s%s%s", k->words,
		k->usage[0] != '\0' ? " " : "", k->usage);
	return usage_buf;
}

/*
 * No command matched: name the words that did, and list what may follow
 * them ("show version|ports|...").
 */
static int
unknown(struct bs_cli_call *c, int best)
{
	size_t n = 0;
	unsigned int i;
	int p, k;
	char words[128] = "";

	for (k = 0; k < best; k++)
		n += (size_t)snprintf(words + n, sizeof(words) - RTE_MIN(n, sizeof(words)),
			"%s ", c->argv[k]);
	n = (size_t)snprintf(usage_buf, sizeof(usage_buf), "%s", words);
	for (i = 0; best > 0 && i < RTE_DIM(cmds); i++) {
		const char *w = cmds[i].words;

		words_match(w, c->argc, c->argv, &p);
		if (p < best)
			continue;
		for (k = 0; k < best; k++)
			w += strcspn(w, " ") + 1;
		n += (size_t)snprintf(usage_buf + RTE_MIN(n, sizeof(usage_buf)),
			sizeof(usage_buf) - RTE_MIN(n, sizeof(usage_buf)), "%s%.*s",
			usage_buf[n - 1] == ' ' ? "" : "|", (int)strcspn(w, " "), w);
	}
	c->usage = best > 0 ? usage_buf : "help";
	if (c->argc > best)
		return bs_cli_fail(c, "unknown command '%s%.60s'", words, c->argv[best]);
	words[strlen(words) - 1] = '\0';
	return bs_cli_fail(c, "incomplete command '%s'", words);
}

/* The request function of the socket server: find the command, run it. */
static int
cli_dispatch(void *arg, struct bs_cli_call *c)
{
	const struct cli_cmd *hit = NULL;
	int best = 0, most = 0, n, p;
	unsigned int i;

	for (i = 0; i < RTE_DIM(cmds); i++) {
		n = words_match(cmds[i].words, c->argc, c->argv, &p);
		if (n > best) {
			best = n;
			hit = &cmds[i];
		}
		most = RTE_MAX(most, p);
	}
	if (hit == NULL)
		return unknown(c, most);
	c->usage = cmd_usage(hit);
	c->argc -= best;
	c->argv += best;
	return hit->fn(arg, c);
}

int
cli_help(struct app *a, struct bs_cli_call *c)
{
	bool json = bs_emit_is_json(c->e);
	unsigned int i, n = 0;
	int p;

	RTE_SET_USED(a);
	for (i = 0; i < RTE_DIM(cmds); i++) {
		words_match(cmds[i].words, c->argc, c->argv, &p);
		n += p == c->argc;
	}
	if (n == 0)
		return bs_cli_fail(c, "no command starts with '%.60s'", c->argv[0]);
	bs_emit_list_open(c->e, "commands");
	for (i = 0; i < RTE_DIM(cmds); i++) {
		words_match(cmds[i].words, c->argc, c->argv, &p);
		if (p < c->argc)
			continue;
		if (json) {
			bs_emit_obj_open(c->e, NULL);
			bs_emit_str(c->e, "command", cmds[i].words);
			bs_emit_str(c->e, "usage", cmds[i].usage);
			bs_emit_str(c->e, "help", cmds[i].help);
			bs_emit_obj_close(c->e);
		} else {
			char line[512];

			snprintf(line, sizeof(line), "%-40s %s", cmd_usage(&cmds[i]),
				cmds[i].help);
			bs_emit_str(c->e, NULL, line);
		}
	}
	bs_emit_list_close(c->e);
	return 0;
}

int
cli_quit(struct app *a, struct bs_cli_call *c)
{
	RTE_SET_USED(a);
	if (c->argc != 0)
		return bs_cli_fail(c, "quit takes no arguments");
	c->quit = true;
	bs_emit_str(c->e, "bye", "session closed");
	return 0;
}

int
cli_arg_u32(struct bs_cli_call *c, const char *what, const char *s, uint32_t min,
		uint32_t max, uint32_t *v)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(s, &end, 10);
	if (s[0] < '0' || s[0] > '9' || *end != '\0' || errno != 0 || x < min || x > max)
		return bs_cli_fail(c, "%s '%.40s' is not an integer from %u to %u",
			what, s, min, max);
	*v = (uint32_t)x;
	return 0;
}

int
cli_args_kv(struct bs_cli_call *c, const char *const *keys, const char **vals)
{
	int i;
	unsigned int k;

	for (k = 0; keys[k] != NULL; k++)
		vals[k] = NULL;
	for (i = 0; i < c->argc; i += 2) {
		for (k = 0; keys[k] != NULL && strcmp(keys[k], c->argv[i]) != 0; k++)
			;
		if (keys[k] == NULL)
			return bs_cli_fail(c, "unknown argument '%.40s'", c->argv[i]);
		if (i + 1 == c->argc)
			return bs_cli_fail(c, "'%s' needs a value", keys[k]);
		if (vals[k] != NULL)
			return bs_cli_fail(c, "'%s' given twice", keys[k]);
		vals[k] = c->argv[i + 1];
	}
	return 0;
}

int
cli_arg_worker(struct app *a, struct bs_cli_call *c, uint32_t *w)
{
	static const char *const keys[] = { "worker", NULL };
	const char *v;

	*w = UINT32_MAX;
	if (cli_args_kv(c, keys, &v) != 0)
		return -1;
	if (v == NULL)
		return 0;
	return cli_arg_u32(c, "worker", v, 0, a->n_workers - 1, w);
}

int
cli_open(struct app *a, char *err, size_t errlen)
{
	const struct bs_control_conf *cc = &a->conf->control;

	/* struct bs_stats is cache-aligned: calloc() would not do. */
	a->stats_base = aligned_alloc(RTE_CACHE_LINE_SIZE,
		a->n_workers * sizeof(*a->stats_base));
	if (a->stats_base != NULL)
		memset(a->stats_base, 0, a->n_workers * sizeof(*a->stats_base));
	if (a->stats_base == NULL) {
		snprintf(err, errlen, "out of memory for the CLI");
		return -1;
	}
	if (cc->socket[0] == '\0')
		return 0;
	a->ctl = bs_ctl_open(cc->socket, cc->socket_mode, cli_dispatch, a, err, errlen);
	if (a->ctl == NULL)
		return -1;
	printf("backstop: CLI on %s (mode %04o)\n", cc->socket, cc->socket_mode);
	return 0;
}

void
cli_poll(struct app *a, int timeout_ms)
{
	bs_ctl_poll(a->ctl, timeout_ms);
}

void
cli_close(struct app *a)
{
	bs_ctl_close(a->ctl);
	a->ctl = NULL;
	free(a->stats_base);
	a->stats_base = NULL;
}
