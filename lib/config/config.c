/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The key table generated from bs_config_keys.def, the named sections
 * ([port NAME], [listener NAME], [client NAME]), defaults and the checks
 * that need more than one key.
 */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bs_config.h"
#include "config_internal.h"

/* Only HEX128 keys have a companion field: FIELD_set. */
#define CONF_AUX_U32(st, f) 0
#define CONF_AUX_I32(st, f) 0
#define CONF_AUX_BOOL(st, f) 0
#define CONF_AUX_STR(st, f) 0
#define CONF_AUX_ESTR(st, f) 0
#define CONF_AUX_U32X3(st, f) 0
#define CONF_AUX_HEX128(st, f) offsetof(st, f##_set)
#define CONF_AUX_ADDRS(st, f) 0
#define CONF_AUX_ANYIP(st, f) 0
#define CONF_AUX_LADDR(st, f) 0
#define CONF_AUX_RADDR(st, f) 0
#define CONF_AUX_SADDR(st, f) 0
#define CONF_AUX_APP(st, f) 0
#define CONF_AUX_MODE(st, f) 0
#define CONF_AUX_HOSTPORT(st, f) 0
#define CONF_AUX_POLICIES(st, f) 0
#define CONF_AUX_OVERLOAD(st, f) 0

#define ROW(sec, k, t, scope, shared, st, field, def, mn, mx, help) \
	{ sec, #k, CONF_##t, scope, shared, offsetof(st, field), \
	  sizeof(((st *)0)->field), CONF_AUX_##t(st, field), def, mn, mx, help },
#define NONE(...)

const struct conf_key conf_keys[] = {
	/* 1: global, port and listener rows */
#define BS_CONF(sec, k, t, f, d, mn, mx, h) \
	ROW(#sec, k, t, CONF_GLOBAL, false, struct bs_config, f, d, mn, mx, h)
#define BS_PORT_CONF(k, t, f, d, mn, mx, h) \
	ROW("port", k, t, CONF_PORT, false, struct bs_port_conf, f, d, mn, mx, h)
#define BS_LISTENER_CONF(k, t, f, d, mn, mx, h) \
	ROW("listener", k, t, CONF_LISTENER, false, struct bs_listener_conf, f, d, mn, mx, h)
#define BS_CLIENT_CONF NONE
#define BS_APP_CONF NONE
#include "bs_config_keys.def"
#undef BS_CONF
#undef BS_PORT_CONF
#undef BS_LISTENER_CONF
#undef BS_APP_CONF
	/* 2: app rows of listeners */
#define BS_CONF NONE
#define BS_PORT_CONF NONE
#define BS_LISTENER_CONF NONE
#define BS_APP_CONF(k, t, f, d, mn, mx, h) \
	ROW("listener", k, t, CONF_LISTENER, true, struct bs_listener_conf, params.f, d, mn, mx, h)
#include "bs_config_keys.def"
#undef BS_APP_CONF
#undef BS_CLIENT_CONF
	/* 3: client rows, then their app rows */
#define BS_APP_CONF NONE
#define BS_CLIENT_CONF(k, t, f, d, mn, mx, h) \
	ROW("client", k, t, CONF_CLIENT, false, struct bs_client_conf, f, d, mn, mx, h)
#include "bs_config_keys.def"
#undef BS_APP_CONF
#undef BS_CLIENT_CONF
#define BS_CLIENT_CONF NONE
#define BS_APP_CONF(k, t, f, d, mn, mx, h) \
	ROW("client", k, t, CONF_CLIENT, true, struct bs_client_conf, params.f, d, mn, mx, h)
#include "bs_config_keys.def"
#undef BS_CONF
#undef BS_PORT_CONF
#undef BS_LISTENER_CONF
#undef BS_CLIENT_CONF
#undef BS_APP_CONF
};
const unsigned int conf_n_keys = RTE_DIM(conf_keys);

#define KIND(nm, mx, st, n, arr) \
	{ nm, mx, offsetof(struct bs_config, n), offsetof(struct bs_config, arr), \
	  sizeof(st), offsetof(st, name), sizeof(((st *)0)->name), offsetof(st, line) }

const struct conf_kind conf_kinds[CONF_N_SCOPES] = {
	[CONF_GLOBAL] = { NULL, 0, 0, 0, 0, 0, 0, 0 },
	[CONF_PORT] = KIND("port", BS_MAX_CONF_PORTS, struct bs_port_conf, n_ports, ports),
	[CONF_LISTENER] = KIND("listener", BS_MAX_LISTENERS, struct bs_listener_conf,
		n_listeners, listeners),
	[CONF_CLIENT] = KIND("client", BS_MAX_CLIENTS, struct bs_client_conf,
		n_clients, clients),
};

static const char *const app_names[BS_APP_MAX] = {
#define BS_APP(id, name, help) [BS_APP_##id] = name,
#include "bs_app.def"
#undef BS_APP
};

static const char *const app_help[BS_APP_MAX] = {
#define BS_APP(id, name, help) [BS_APP_##id] = help,
#include "bs_app.def"
#undef BS_APP
};

const char *
bs_app_name(unsigned int app)
{
	return app < BS_APP_MAX ? app_names[app] : NULL;
}

const char *
bs_app_help(unsigned int app)
{
	return app < BS_APP_MAX && app_help[app] != NULL ? app_help[app] : "";
}

const struct conf_key *
conf_key_find(enum conf_scope scope, const char *section, const char *key)
{
	unsigned int i;

	for (i = 0; i < conf_n_keys; i++)
		if (conf_keys[i].scope == scope && strcmp(conf_keys[i].key, key) == 0 &&
				(scope != CONF_GLOBAL ||
				 strcmp(conf_keys[i].section, section) == 0))
			return &conf_keys[i];
	return NULL;
}

bool
conf_section_known(const char *section)
{
	unsigned int i;

	for (i = 0; i < conf_n_keys; i++)
		if (conf_keys[i].scope == CONF_GLOBAL &&
				strcmp(conf_keys[i].section, section) == 0)
			return true;
	return false;
}

/* "listener web" is CONF_LISTENER named "web"; "ipv4" is CONF_GLOBAL. */
enum conf_scope
conf_scope_of(const char *section, const char **name)
{
	unsigned int s;

	for (s = CONF_PORT; s < CONF_N_SCOPES; s++) {
		size_t n = strlen(conf_kinds[s].name);

		if (strncmp(section, conf_kinds[s].name, n) == 0 && section[n] == ' ') {
			*name = section + n + 1;
			return s;
		}
	}
	*name = section;
	return CONF_GLOBAL;
}

unsigned int
conf_named_count(const struct bs_config *c, enum conf_scope scope)
{
	return *(const unsigned int *)((const char *)c + conf_kinds[scope].n_off);
}

void *
conf_named_at(const struct bs_config *c, enum conf_scope scope, unsigned int i)
{
	const struct conf_kind *kd = &conf_kinds[scope];

	return (char *)(uintptr_t)c + kd->arr_off + i * kd->elem_size;
}

static void
defaults_into(void *base, enum conf_scope scope)
{
	char err[256];
	unsigned int i;

	for (i = 0; i < conf_n_keys; i++)
		if (conf_keys[i].scope == scope && conf_keys[i].def != NULL &&
				conf_keys[i].def[0] != '\0')
			(void)conf_key_set(&conf_keys[i], base, conf_keys[i].def, err,
				sizeof(err));
}

void
bs_config_defaults(struct bs_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->source, "(defaults)");
	defaults_into(c, CONF_GLOBAL);
}

static bool
name_printable(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7f)
			return false;
	return true;
}

void *
conf_named_add(struct bs_config *c, enum conf_scope scope, const char *name,
		unsigned int line, char *err, size_t errlen)
{
	const struct conf_kind *kd = &conf_kinds[scope];
	unsigned int *n = (unsigned int *)((char *)c + kd->n_off);
	char *e;

	/* A name must read back from a written configuration: no blanks,
	 * brackets or comment characters (";" or "#" after a blank starts
	 * a comment), no control characters. */
	if (name[0] == '\0' || strlen(name) >= kd->name_len ||
			strpbrk(name, " \t[];#") != NULL || !name_printable(name)) {
		snprintf(err, errlen, "bad %s name '%s' (letters, digits and punctuation "
			"other than [ ] ; #)", kd->name, name);
		return NULL;
	}
	if (*n == kd->max) {
		snprintf(err, errlen, "more than %u %s sections", kd->max, kd->name);
		return NULL;
	}
	e = conf_named_at(c, scope, (*n)++);
	memset(e, 0, kd->elem_size);
	strcpy(e + kd->name_off, name);
	*(unsigned int *)(e + kd->line_off) = line;
	defaults_into(e, scope);
	return e;
}

void *
conf_named_find(struct bs_config *c, enum conf_scope scope, const char *name)
{
	const struct conf_kind *kd = &conf_kinds[scope];
	unsigned int i;

	for (i = 0; i < conf_named_count(c, scope); i++) {
		char *e = conf_named_at(c, scope, i);

		if (strcmp(e + kd->name_off, name) == 0)
			return e;
	}
	return NULL;
}
