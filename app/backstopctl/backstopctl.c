/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backstopctl: Backstop's CLI client.
 *
 *   backstopctl [-s SOCKET] [--json] COMMAND...    one command, then exit
 *   backstopctl [-s SOCKET] [--json]               interactive on a terminal
 *                                                  (history, completion),
 *                                                  else commands from stdin
 *
 * Exit status: 0; 1 when a command failed; 2 on bad usage or when the
 * socket cannot be reached. Argument handling and terminal only: the
 * commands and their help come from the server (`help`, `--json help`).
 */
#include <errno.h>
#include <getopt.h>
#include <histedit.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ctl_client.h"

#define DEFAULT_SOCKET "/run/backstop/backstop.sock"
#define LINE_MAX_BYTES 4095
#define MAX_CMDS 256

static int fd = -1;
static bool json;

static void
usage(FILE *f)
{
	fprintf(f,
		"usage: backstopctl [-s SOCKET] [--json] [COMMAND...]\n"
		"  -s, --socket SOCKET  Backstop's CLI socket (default " DEFAULT_SOCKET ")\n"
		"  -j, --json           JSON answers\n"
		"  -h, --help           this help; `backstopctl help` lists the commands\n"
		"With a COMMAND: run it and exit. Without: an interactive session on a\n"
		"terminal (history, Tab completion), or one command per line of stdin.\n"
		"Exit status: 0 ok, 1 a command failed, 2 usage or connection error.\n");
}

/*
 * Run one command line; print its answer (an error's on stderr).
 * @return 0, 1 when the command failed, 2 when the connection is gone
 */
static int
run(const char *line)
{
	struct ctl_answer a;
	char req[LINE_MAX_BYTES + 16];
	int rc;

	if ((size_t)snprintf(req, sizeof(req), "%s%s", json ? "--json " : "", line) >=
			sizeof(req)) {
		fprintf(stderr, "backstopctl: command longer than %d bytes\n", LINE_MAX_BYTES);
		return 1;
	}
	if (ctl_request(fd, req, &a) != 0) {
		fprintf(stderr, "backstopctl: the connection to Backstop closed\n");
		return 2;
	}
	fputs(a.text, a.error ? stderr : stdout);
	fflush(a.error ? stderr : stdout);
	rc = a.error ? 1 : 0;
	ctl_answer_free(&a);
	return rc;
}

/* Is it `quit` (after which the server closes the session)? */
static bool
is_quit(const char *line)
{
	char w[3][16];
	int n = sscanf(line, " %15s %15s %15s", w[0], w[1], w[2]);
	int k = n > 0 && strcmp(w[0], "--json") == 0;

	return n - k == 1 && strcmp(w[k], "quit") == 0;
}

/* Commands from a pipe or file: one a line, '#' comments. */
static int
run_stdin(void)
{
	char line[LINE_MAX_BYTES + 2];
	int rc = 0, r;

	while (fgets(line, sizeof(line), stdin) != NULL) {
		line[strcspn(line, "\r\n")] = '\0';
		if (line[strspn(line, " \t")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		r = run(line);
		if (r == 2)
			return 2;
		rc |= r;
		if (is_quit(line))
			break;
	}
	return rc;
}

/* ---- interactive ---- */

static char *cmd_words[MAX_CMDS];
static char *cmd_usage[MAX_CMDS];
static int n_cmds;

/* The completion table: the server's own (`--json help`). */
static void
load_commands(void)
{
	struct ctl_answer a;

	if (ctl_request(fd, "--json help", &a) != 0)
		return;
	if (!a.error)
		n_cmds = ctl_help_table(a.text, cmd_words, cmd_usage, MAX_CMDS);
	ctl_answer_free(&a);
}

/* Word @p k of the space-separated @p s into @p w ("" past the end). */
static void
nth_word(const char *s, int k, char *w, size_t len)
{
	size_t n;

	while (k-- > 0 && *s != '\0') {
		s += strcspn(s, " ");
		s += strspn(s, " ");
	}
	n = strcspn(s, " ");
	if (n >= len)
		n = len - 1;
	memcpy(w, s, n);
	w[n] = '\0';
}

/* The argument keys of a usage ("[state S] [addr A]": state, addr). */
static int
usage_keys(const char *u, char keys[][32], int max)
{
	int n = 0;

	while (*u != '\0' && n < max) {
		size_t len;

		u += strspn(u, " [].");
		len = strcspn(u, " []");
		if (len > 0 && len < 32 && u[0] >= 'a' && u[0] <= 'z') {
			memcpy(keys[n], u, len);
			keys[n++][len] = '\0';
		}
		u += len;
	}
	return n;
}

/*
 * Candidates for the word being typed: the next command word of the
 * commands whose words match those typed, or an argument key of the
 * command typed. @return their count, in @p cand
 */
static int
candidates(char words[][64], int nw, const char *partial, char cand[][64], int max)
{
	char w[64], keys[16][32];
	int i, k, j, n = 0, nk, cw;

	for (i = 0; i < n_cmds && n < max; i++) {
		for (k = 0; k < nw; k++) {
			nth_word(cmd_words[i], k, w, sizeof(w));
			if (w[0] == '\0' || strcmp(w, words[k]) != 0)
				break;
		}
		for (cw = 0, nth_word(cmd_words[i], 0, w, sizeof(w)); w[0] != '\0';)
			nth_word(cmd_words[i], ++cw, w, sizeof(w));
		if (k == nw && k < cw) {
			nth_word(cmd_words[i], k, w, sizeof(w));
		} else if (nw >= cw && k == cw) {
			/* The command is typed: offer its argument keys. */
			nk = usage_keys(cmd_usage[i], keys, 16);
			for (j = 0; j < nk && n < max; j++)
				if (strncmp(keys[j], partial, strlen(partial)) == 0)
					snprintf(cand[n++], 64, "%s", keys[j]);
			continue;
		} else {
			continue;
		}
		if (strncmp(w, partial, strlen(partial)) != 0)
			continue;
		for (j = 0; j < n && strcmp(cand[j], w) != 0; j++)
			;
		if (j == n)
			snprintf(cand[n++], 64, "%s", w);
	}
	return n;
}

static unsigned char
complete(EditLine *el, int ch)
{
	const LineInfo *li = el_line(el);
	char buf[LINE_MAX_BYTES + 1], words[32][64], cand[64][64], ins[64];
	const char *partial = "";
	size_t common, len = (size_t)(li->cursor - li->buffer);
	bool in_word;
	int nw = 0, n, i;
	char *p;

	(void)ch;
	if (len >= sizeof(buf))
		return CC_ERROR;
	memcpy(buf, li->buffer, len);
	buf[len] = '\0';
	/* The words before the cursor; the last one is being typed unless
	 * a blank follows it. */
	in_word = len > 0 && buf[len - 1] != ' ' && buf[len - 1] != '\t';
	for (p = strtok(buf, " \t"); p != NULL && nw < 32; p = strtok(NULL, " \t"))
		if (strcmp(p, "--json") != 0)
			snprintf(words[nw++], sizeof(words[0]), "%s", p);
	if (in_word && nw > 0)
		partial = words[--nw];
	n = candidates(words, nw, partial, cand, 64);
	if (n == 0)
		return CC_ERROR;
	for (common = strlen(cand[0]), i = 1; i < n; i++)
		while (common > 0 && strncmp(cand[0], cand[i], common) != 0)
			common--;
	if (common > strlen(partial) || n == 1) {
		snprintf(ins, sizeof(ins), "%.*s%s", (int)(common - strlen(partial)),
			cand[0] + strlen(partial), n == 1 ? " " : "");
		el_insertstr(el, ins);
		return CC_REFRESH;
	}
	fputc('\n', stdout);
	for (i = 0; i < n; i++)
		printf("%s%s", cand[i], i + 1 < n ? "  " : "\n");
	return CC_REDISPLAY;
}

static const char *
prompt(EditLine *el)
{
	(void)el;
	return "backstop> ";
}

static int
run_interactive(void)
{
	EditLine *el = el_init("backstopctl", stdin, stdout, stderr);
	History *hist = history_init();
	HistEvent ev;
	const char *line;
	char hfile[512] = "";
	int count, rc = 0, r;

	if (el == NULL || hist == NULL)
		return run_stdin();
	load_commands();
	history(hist, &ev, H_SETSIZE, 1000);
	history(hist, &ev, H_SETUNIQUE, 1);
	if (getenv("HOME") != NULL) {
		snprintf(hfile, sizeof(hfile), "%s/.backstopctl_history", getenv("HOME"));
		history(hist, &ev, H_LOAD, hfile);
	}
	el_set(el, EL_PROMPT, prompt);
	el_set(el, EL_EDITOR, "emacs");
	el_set(el, EL_HIST, history, hist);
	el_set(el, EL_ADDFN, "bs-complete", "complete a command word", complete);
	el_set(el, EL_BIND, "^I", "bs-complete", NULL);
	el_source(el, NULL);	/* the user's ~/.editrc */
	printf("Backstop CLI: `help` lists the commands, Tab completes, Ctrl-D ends.\n");
	while ((line = el_gets(el, &count)) != NULL && count > 0) {
		char cmd[LINE_MAX_BYTES + 2];

		snprintf(cmd, sizeof(cmd), "%s", line);
		cmd[strcspn(cmd, "\r\n")] = '\0';
		if (cmd[strspn(cmd, " \t")] == '\0')
			continue;
		history(hist, &ev, H_ENTER, cmd);
		r = run(cmd);
		rc = r;
		if (r == 2 || is_quit(cmd))
			break;
	}
	if (hfile[0] != '\0')
		history(hist, &ev, H_SAVE, hfile);
	history_end(hist);
	el_end(el);
	return rc;
}

int
main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "socket", required_argument, NULL, 's' },
		{ "json", no_argument, NULL, 'j' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	const char *path = getenv("BACKSTOP_SOCKET");
	char line[LINE_MAX_BYTES + 2] = "";
	size_t len = 0;
	int c, i, rc;

	if (path == NULL || path[0] == '\0')
		path = DEFAULT_SOCKET;
	/* "+": options end at the first command word (`show stats worker 1`). */
	while ((c = getopt_long(argc, argv, "+s:jh", opts, NULL)) != -1) {
		switch (c) {
		case 's':
			path = optarg;
			break;
		case 'j':
			json = true;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			usage(stderr);
			return 2;
		}
	}
	for (i = optind; i < argc; i++) {
		int n = snprintf(line + len, sizeof(line) - len, "%s%s", len ? " " : "", argv[i]);

		if (n < 0 || (size_t)n >= sizeof(line) - len) {
			fprintf(stderr, "backstopctl: command longer than %d bytes\n",
				LINE_MAX_BYTES);
			return 2;
		}
		len += (size_t)n;
	}
	fd = ctl_connect(path);
	if (fd < 0) {
		fprintf(stderr, "backstopctl: %s: %s%s\n", path, strerror(errno),
			errno == ENOENT || errno == ECONNREFUSED ?
			" (is backstop running? its [control] socket, or -s SOCKET)" : "");
		return 2;
	}
	if (len > 0)
		rc = run(line);
	else if (isatty(STDIN_FILENO) && isatty(STDOUT_FILENO))
		rc = run_interactive();
	else
		rc = run_stdin();
	close(fd);
	return rc;
}
