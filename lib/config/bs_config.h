/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_CONFIG_H
#define BS_CONFIG_H

/**
 * @file
 * Backstop's configuration: an INI file whose keys are declared once in
 * bs_config_keys.def, plus command-line overrides.
 *
 * Loading is all-or-nothing: a function that fails leaves the target
 * configuration untouched and writes one message naming the file, line,
 * section and key. Control thread only.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bs_addr.h"

#define BS_MAX_CONF_PORTS 8
#define BS_PORT_NAME_LEN 64

struct bs_port_conf {
	char name[BS_PORT_NAME_LEN];	/**< ethdev name */
	unsigned int line;		/**< where its section starts */
	struct bs_addr_table addrs;	/**< address and anyip entries */
	char tx_port[BS_PORT_NAME_LEN];
	uint32_t rx_desc;
	uint32_t tx_desc;
	uint32_t prefetch;		/**< BS_PREFETCH_* */
};

enum { BS_PREFETCH_OFF, BS_PREFETCH_ON, BS_PREFETCH_AUTO };

struct bs_config {
	char source[256];		/**< file it came from */
	uint32_t mbufs;
	uint32_t mbuf_cache;
	uint32_t burst;
	uint32_t announce;
	uint32_t ip_default_ttl;
	uint32_t hop_limit;
	uint32_t flowlabel_reflect;
	uint32_t auto_flowlabels;
	unsigned int n_ports;
	struct bs_port_conf ports[BS_MAX_CONF_PORTS];
};

/** The built-in default: config/backstop.conf as it was at build time. */
extern const char bs_config_embedded[];

/** Fill @p c with every key's default and no ports. */
void bs_config_defaults(struct bs_config *c);

/**
 * Parse INI text into @p c (which starts from defaults).
 * @param name  what to call the text in messages (a file name)
 * @return 0, or -1 with "name:line: ..." in @p err and @p c unchanged
 */
int bs_config_parse(struct bs_config *c, const char *text, const char *name,
		char *err, size_t errlen);

/** Read and parse a file. Same contract as bs_config_parse(). */
int bs_config_load(struct bs_config *c, const char *path, char *err,
		size_t errlen);

/**
 * Apply one override "SECTION.KEY=VALUE" (e.g. "ipv4.ip_default_ttl=32",
 * "port net_pcap0.tx_port=net_null0"). A port section is created if needed;
 * the value replaces the key's current one.
 * @return 0, or -1 with a message and @p c unchanged
 */
int bs_config_set(struct bs_config *c, const char *assignment, char *err,
		size_t errlen);

/** Write the effective configuration as INI. */
void bs_config_write(FILE *f, const struct bs_config *c);

/** Write every key with its default, range and help. */
void bs_config_write_keys(FILE *f);

/** The same as a Markdown table. */
void bs_config_write_keys_md(FILE *f);

#endif /* BS_CONFIG_H */
