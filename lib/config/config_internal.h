/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_CONFIG_INTERNAL_H
#define BS_CONFIG_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <rte_common.h>

#include "bs_config.h"

enum conf_type {
	CONF_U32, CONF_I32, CONF_BOOL, CONF_STR, CONF_ESTR, CONF_U32X3,
	CONF_HEX128, CONF_ADDRS, CONF_ANYIP, CONF_LADDR, CONF_RADDR, CONF_SADDR,
	CONF_APP, CONF_MODE, CONF_HOSTPORT, CONF_POLICIES, CONF_OVERLOAD,
};

/** Which struct a key's field lives in. */
enum conf_scope {
	CONF_GLOBAL,	/**< struct bs_config; section named by the key */
	CONF_PORT,	/**< struct bs_port_conf, [port NAME] */
	CONF_LISTENER,	/**< struct bs_listener_conf, [listener NAME] */
	CONF_CLIENT,	/**< struct bs_client_conf, [client NAME] */
	CONF_N_SCOPES
};

/** One row of bs_config_keys.def (BS_APP_CONF rows appear twice). */
struct conf_key {
	const char *section;	/**< [section], or the kind of a named one */
	const char *key;
	enum conf_type type;
	enum conf_scope scope;
	bool shared;		/**< a BS_APP_CONF row */
	size_t off;
	size_t size;
	size_t aux_off;		/**< HEX128: its bool FIELD_set */
	const char *def;	/**< NULL: required */
	long long min;
	long long max;
	const char *help;
};

/** A kind of named section: [port NAME], [listener NAME], [client NAME]. */
struct conf_kind {
	const char *name;
	unsigned int max;
	size_t n_off;		/**< unsigned int count in struct bs_config */
	size_t arr_off;		/**< the array in struct bs_config */
	size_t elem_size;
	size_t name_off;	/**< char name[] in the element */
	size_t name_len;
	size_t line_off;	/**< unsigned int line in the element */
};

extern const struct conf_key conf_keys[];
extern const unsigned int conf_n_keys;
extern const struct conf_kind conf_kinds[CONF_N_SCOPES];

/* config.c: the key table, named sections, defaults, cross-key checks */
const struct conf_key *conf_key_find(enum conf_scope scope, const char *section,
		const char *key);
bool conf_section_known(const char *section);
enum conf_scope conf_scope_of(const char *section, const char **name);
void *conf_named_add(struct bs_config *c, enum conf_scope scope, const char *name,
		unsigned int line, char *err, size_t errlen);
void *conf_named_find(struct bs_config *c, enum conf_scope scope, const char *name);
unsigned int conf_named_count(const struct bs_config *c, enum conf_scope scope);
void *conf_named_at(const struct bs_config *c, enum conf_scope scope, unsigned int i);
int conf_validate(const struct bs_config *c, bool partial, char *err, size_t errlen);
/** Show a message's control and non-ASCII bytes as '?' (in place). */
void conf_err_printable(char *err);

/* conf_value.c: one value of each type, parsed and written back */
int conf_key_set(const struct conf_key *k, void *base, const char *v, char *err,
		size_t errlen);
void conf_value_write(FILE *f, const struct conf_key *k, const void *base);
const char *conf_type_name(enum conf_type t);
int conf_ip_parse(const char *s, uint8_t addr[16], uint8_t *family);
void conf_ip_format(const uint8_t addr[16], uint8_t family, char *buf, size_t len);

/* conf_policy.c: [stray] policies and [tcp] overload */
int conf_policies_set(struct bs_stray_conf *s, const char *v, char *err,
		size_t errlen);
void conf_policies_write(FILE *f, const struct bs_stray_conf *s);
int conf_overload_set(uint32_t *field, const char *v, char *err, size_t errlen);

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
