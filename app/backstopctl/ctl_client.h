/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BACKSTOPCTL_CLIENT_H
#define BACKSTOPCTL_CLIENT_H

/*
 * backstopctl's side of the CLI wire protocol (docs/architecture.md, The
 * CLI): one request line out, the answer in until its terminator (a NUL
 * byte, "ok" or "error", a newline).
 */

#include <stdbool.h>
#include <stddef.h>

/** An answer. */
struct ctl_answer {
	char *text;		/**< NUL-terminated (malloc'ed; ctl_answer_free()) */
	size_t len;
	bool error;		/**< the server said "error" */
};

/** Connect to the socket at @p path. @return the fd, or -1 (errno set) */
int ctl_connect(const char *path);

/**
 * Send @p line (no newline) and read its answer.
 * @return 0; -1 when the connection failed or closed before the answer
 */
int ctl_request(int fd, const char *line, struct ctl_answer *a);

void ctl_answer_free(struct ctl_answer *a);

/**
 * The command words of a `--json help` answer: @p words[i] is one
 * command's words ("show stats"), @p usages[i] its usage. @return the
 * count (at most @p max); strings are malloc'ed
 */
int ctl_help_table(const char *json, char **words, char **usages, int max);

#endif
