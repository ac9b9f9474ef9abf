/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BACKSTOP_RECONF_H
#define BACKSTOP_RECONF_H

/*
 * Live reconfiguration (reconf.c): the control thread builds an immutable
 * snapshot (configuration and stray-policy table), checks it whole,
 * publishes it to every worker (bs_worker_snap_publish) and frees the
 * old one once every worker has moved past it. Control thread only.
 */

#include <stdio.h>

#include "backstop.h"
#include "bs_config.h"
#include "bs_worker.h"

/**
 * Before the workers start: their policy state, and the first snapshot
 * from @p boot (which the caller keeps for the life of the process).
 * *confp is kept pointing at the configuration in force.
 */
int reconf_init(struct bs_worker *workers, unsigned int n_workers,
		const struct bs_config *boot, const struct bs_config **confp,
		char *err, size_t errlen);

/**
 * Make @p next (malloc'ed; taken in every case) the configuration: checked
 * against what may change live, then published. @return 0, or -1 with a
 * message and nothing changed
 */
int reconf_apply(struct bs_config *next, char *err, size_t errlen);

/** A copy of the configuration in force, to edit and reconf_apply(). */
struct bs_config *reconf_copy(void);

/*
 * The CLI's live changes: each edits a copy of the configuration in force
 * and applies it (reconf_apply), so it is checked as a file would be.
 * @return 0, or -1 with a one-line message and nothing changed
 */
/** listener add NAME ADDR PORT APP [key=value...] */
int reconf_listener_add(const char *name, const char *addr, const char *port,
		const char *app, int argc, char **argv, char *err, size_t errlen);
/** listener del NAME */
int reconf_listener_del(const char *name, char *err, size_t errlen);
/** policy add PREFIX reply|drop|ratelimit PPS (the words after "add") */
int reconf_policy_add(int argc, char **argv, char *err, size_t errlen);
/** policy del PREFIX */
int reconf_policy_del(const char *prefix, char *err, size_t errlen);
/** set tcp KNOB VALUE */
int reconf_set_tcp(const char *knob, const char *value, char *err, size_t errlen);

/** One policy in force and its counters summed over the workers. */
struct reconf_policy_info {
	struct bs_policy_conf p;
	uint64_t replied;
	uint64_t dropped;
	uint64_t limited;
};

/** The policies in force, at most @p max. @return how many */
unsigned int reconf_policies(struct reconf_policy_info *out, unsigned int max);

/** SIGHUP: read the configuration again (file and --set) and apply it;
 * one line on stdout (applied) or stderr (refused, nothing changed). */
void reconf_reload(const struct app_opts *o);

/** Control loop: free the snapshots no worker uses any more; report a
 * worker's trouble with one (a listener without a free slot). */
void reconf_poll(void);

/** Generation in force, and how many workers use it. */
uint64_t reconf_gen(unsigned int *n_current);

/** The policies in force with their counters summed over the workers,
 * one line each ("policy PREFIX ACTION [PPS]: replied N dropped N limited N"). */
void reconf_write_policies(FILE *f);

/** After the workers stopped: free every snapshot and the policy state. */
void reconf_fini(void);

#endif
