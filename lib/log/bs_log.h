/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_LOG_H
#define BS_LOG_H

/**
 * @file
 * Logging through rte_log, one registered type per module (bs_log.def).
 * Control side only: never on a worker's fast path.
 *
 *	BS_LOG(INFO, port, "port %s up", name);
 *
 * prints "backstop: port net_pcap0 up" (EAL's log stream: stdout and
 * syslog) when backstop.port logs INFO.
 */

#include <rte_log.h>

enum bs_log_type {
#define BS_LOG_TYPE(name, help) BS_LOGTYPE_##name,
#include "bs_log.def"
#undef BS_LOG_TYPE
	BS_LOGTYPE_MAX
};

/** rte_log type of each module (RTE_LOGTYPE_USER1 until bs_log_init()). */
extern int bs_logtype[BS_LOGTYPE_MAX];

/**
 * Register the types "backstop.NAME" at level INFO (EAL's --log-level
 * patterns apply). Main thread, after rte_eal_init(). @return 0 or -1
 */
int bs_log_init(void);

/**
 * Format an error message into the caller's @p err (@p len bytes; cut to
 * fit) and return -1: how Backstop's parsers report what they refuse.
 */
int bs_errf(char *err, size_t len, const char *fmt, ...) __rte_format_printf(3, 4);

/** "backstop.NAME" of a type, and its help. */
const char *bs_log_name(unsigned int type);
const char *bs_log_help(unsigned int type);

#define BS_LOG(level, type, fmt, ...) \
	rte_log(RTE_LOG_##level, bs_logtype[BS_LOGTYPE_##type], \
		"backstop: " fmt "\n", ##__VA_ARGS__)

#endif /* BS_LOG_H */
