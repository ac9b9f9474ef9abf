/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_CTL_H
#define BS_CTL_H

/**
 * @file
 * The CLI socket server: a Unix stream socket served from the control
 * thread's loop (non-blocking, poll()), several clients at once. It knows
 * nothing of the commands: each request line is split into words and handed
 * to one request function (app/backstop/cli.c dispatches it through the
 * command table).
 *
 * Wire protocol (docs/architecture.md):
 *   request   one line of at most BS_CTL_LINE_MAX - 1 bytes, '\n'-ended
 *             (a '\r' before it is ignored): words separated by blanks;
 *             a first word `--json` asks for JSON.
 *   response  the answer's bytes (text or JSON, never a NUL byte), then
 *             the terminator: a NUL byte, "ok" or "error", '\n'.
 * Every request line gets exactly one response, in order. An error's
 * answer is "error: MESSAGE\n" and, when known, "usage: USAGE\n" (JSON:
 * {"error": MESSAGE, "usage": USAGE}). A line too long, or holding a
 * control or non-ASCII byte, is answered with an error and dropped; the
 * client stays connected. Only one request of a client is served at a
 * time: the server reads no more from it until its response is written.
 * A client connecting while every slot is taken gets the slot of the
 * client that has gone longest without a request (one that never sent
 * any first), which is told so in one error line and closed: idle and
 * stalled clients cannot starve the CLI.
 *
 * Control thread only (every function).
 */

#include <stdbool.h>
#include <stddef.h>

#include "bs_emit.h"

#define BS_CTL_LINE_MAX 4096	/**< request bytes, '\n' included */
#define BS_CTL_ARGS_MAX 64	/**< words of a request */
#define BS_CTL_CLIENTS_MAX 32	/**< connected clients */

/** One request: its words and where its answer goes. */
struct bs_cli_call {
	int argc;			/**< arguments (after the command words) */
	char **argv;
	struct bs_emit *e;		/**< the answer */
	const char *usage;		/**< set by the dispatcher: errors show it */
	bool quit;			/**< close this client after the answer */
	char err[512];			/**< the one-line error (bs_cli_fail()) */
};

/**
 * Give the client a one-line error (printf format); what the handler
 * emitted so far is dropped. @return -1, for `return bs_cli_fail(...)`
 */
int bs_cli_fail(struct bs_cli_call *c, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * Serve one request: @p c has every word of the line in argc/argv (the
 * `--json` word removed) and an empty answer in c->e. @return 0, or
 * non-zero after bs_cli_fail()
 */
typedef int (*bs_ctl_request_fn)(void *arg, struct bs_cli_call *c);

struct bs_ctl_server;

/**
 * Listen on @p path with permissions @p mode; its directory is created if
 * missing. A socket file that a live server answers on is left alone
 * (error: another instance runs); a stale one, whose server is gone, is
 * replaced. @return the server, or NULL with a message in @p err
 */
struct bs_ctl_server *bs_ctl_open(const char *path, unsigned int mode,
		bs_ctl_request_fn fn, void *arg, char *err, size_t errlen);

/**
 * Wait up to @p timeout_ms for clients, then serve what is ready: accept,
 * read, answer complete lines, write. Returns early after serving.
 * @return requests served, or -1 (poll() failed other than by a signal)
 */
int bs_ctl_poll(struct bs_ctl_server *s, int timeout_ms);

/** Clients connected now. */
unsigned int bs_ctl_clients(const struct bs_ctl_server *s);

/** Disconnect every client, close the socket, remove its file. */
void bs_ctl_close(struct bs_ctl_server *s);

/**
 * Split @p line in place into blank-separated words (at most @p max).
 * @return the word count, or -1 when there are more than @p max
 */
int bs_ctl_split(char *line, char **argv, int max);

/**
 * Check a request line (without its '\n'): @return NULL when it is clean
 * text, or what is wrong with it
 */
const char *bs_ctl_line_check(const char *line, size_t len);

#endif /* BS_CTL_H */
