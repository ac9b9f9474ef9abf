/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BACKSTOP_CLI_H
#define BACKSTOP_CLI_H

/*
 * The CLI of the appliance: the socket server (lib/ctl) wired to the
 * command table (cli_cmds.def) and its handlers (cli_*.c). Control thread
 * only.
 */

#include <stddef.h>
#include <stdint.h>

#include "app.h"
#include "bs_ctl.h"
#include "bs_emit.h"

/** How long a handler waits for a worker's answer. */
#define CLI_CTL_TIMEOUT_MS 100

/** Every handler of cli_cmds.def. */
#define BS_CLI_CMD(words, handler, usage, help) \
	int handler(struct app *a, struct bs_cli_call *c);
#include "cli_cmds.def"
#undef BS_CLI_CMD

/** Open the socket of [control] socket (none when it is empty). */
int cli_open(struct app *a, char *err, size_t errlen);

/** Serve clients for up to @p timeout_ms (the control loop's tick). */
void cli_poll(struct app *a, int timeout_ms);

/** Close the socket (safe when not open). */
void cli_close(struct app *a);

/**
 * Parse @p s as an integer from @p min to @p max into @p v. @return 0, or
 * -1 after bs_cli_fail() naming @p what
 */
int cli_arg_u32(struct bs_cli_call *c, const char *what, const char *s, uint32_t min,
		uint32_t max, uint32_t *v);

/**
 * Check that the arguments are `KEY VALUE` pairs with keys from the
 * NULL-terminated @p keys, each at most once; vals[i] gets the value of
 * keys[i] (NULL when absent). @return 0, or -1 after bs_cli_fail()
 */
int cli_args_kv(struct bs_cli_call *c, const char *const *keys, const char **vals);

/** The `[worker N]` argument: @p w gets N, or UINT32_MAX when absent. */
int cli_arg_worker(struct app *a, struct bs_cli_call *c, uint32_t *w);

#endif
