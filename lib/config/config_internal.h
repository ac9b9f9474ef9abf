/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_CONFIG_INTERNAL_H
#define BS_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <rte_common.h>

#include "bs_config.h"

enum conf_type { CONF_U32, CONF_BOOL, CONF_STR, CONF_ADDRS, CONF_ANYIP };

/** One row of bs_config_keys.def. */
struct conf_key {
	const char *section;
	const char *key;
	enum conf_type type;
	bool per_port;		/**< field of struct bs_port_conf */
	size_t off;
	size_t size;
	const char *def;
	uint32_t min;
	uint32_t max;
	const char *help;
};

extern const struct conf_key conf_keys[];
extern const unsigned int conf_n_keys;

const struct conf_key *conf_key_find(const char *section, const char *key);
bool conf_section_known(const char *section);
int conf_key_set(const struct conf_key *k, void *base, const char *v, char *err,
		size_t errlen);
struct bs_port_conf *conf_port_add(struct bs_config *c, const char *name,
		unsigned int line, char *err, size_t errlen);
struct bs_port_conf *conf_port_find(struct bs_config *c, const char *name);
int conf_validate(const struct bs_config *c, char *err, size_t errlen);

/** Strip leading and trailing white space in place. */
static inline void
conf_trim(char **s)
{
	char *e;

	while (**s == ' ' || **s == '\t')
		(*s)++;
	e = *s + strlen(*s);
	while (e > *s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r'))
		*--e = '\0';
}

#endif /* BS_CONFIG_INTERNAL_H */
