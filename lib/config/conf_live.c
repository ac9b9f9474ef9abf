/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Which keys a running Backstop can take from a new configuration (SIGHUP,
 * the CLI): listeners, [stray] policies and the [tcp] knobs. The rest
 * shapes memory, ports and queues, or the secrets connections and cookies
 * already depend on: it can only change with a restart.
 */
#include <string.h>

#include "config_internal.h"

/* [tcp] keys that size tables or key hashes. */
static const char *const tcp_fixed[] = {
	"connections", "requests", "isn_secret", "syncookie_secret",
};

static bool
key_live(const struct conf_key *k)
{
	unsigned int i;

	if (k->scope == CONF_LISTENER)
		return true;
	if (k->scope != CONF_GLOBAL)
		return false;
	if (strcmp(k->section, "stray") == 0)
		return true;
	if (strcmp(k->section, "tcp") != 0)
		return false;
	for (i = 0; i < RTE_DIM(tcp_fixed); i++)
		if (strcmp(k->key, tcp_fixed[i]) == 0)
			return false;
	return true;
}

static bool
key_same(const struct conf_key *k, const void *a, const void *b)
{
	if (memcmp((const char *)a + k->off, (const char *)b + k->off, k->size) != 0)
		return false;
	return k->aux_off == 0 || *(const bool *)((const char *)a + k->aux_off) ==
		*(const bool *)((const char *)b + k->aux_off);
}

static int
refuse(const struct bs_config *next, unsigned int line, char *err, size_t errlen,
		const char *what, const char *why)
{
	if (line != 0)
		snprintf(err, errlen, "%s:%u: %s: cannot change while Backstop runs (%s); "
			"restart to change it", next->source, line, what, why);
	else
		snprintf(err, errlen, "%s: cannot change while Backstop runs (%s); "
			"restart to change it", what, why);
	return -1;
}

static const char *
why(const struct conf_key *k)
{
	if (k->scope == CONF_PORT)
		return "ports, queues and addresses are set up at start";
	if (k->scope == CONF_CLIENT)
		return "active opens are scheduled at start";
	if (strcmp(k->section, "tcp") == 0)
		return strstr(k->key, "secret") != NULL ?
			"connections and SYN cookies depend on it" :
			"tables are allocated at start";
	return "it is read at start";
}

/* Every key of the named sections of @p scope: same names, same values. */
static int
named_same(const struct bs_config *cur, const struct bs_config *next,
		enum conf_scope scope, char *err, size_t errlen)
{
	const struct conf_kind *kd = &conf_kinds[scope];
	unsigned int i, k, n = conf_named_count(cur, scope);
	char what[160];

	for (i = 0; i < conf_named_count(next, scope); i++) {
		const char *b = conf_named_at(next, scope, i);
		const char *a = i < n ? conf_named_at(cur, scope, i) : NULL;
		unsigned int line = *(const unsigned int *)(b + kd->line_off);

		snprintf(what, sizeof(what), "[%s %s]", kd->name, b + kd->name_off);
		if (a == NULL || strcmp(a + kd->name_off, b + kd->name_off) != 0)
			return refuse(next, line, err, errlen, what, scope == CONF_PORT ?
				"ports are set up at start" : "active opens are scheduled at start");
		for (k = 0; k < conf_n_keys; k++) {
			const struct conf_key *key = &conf_keys[k];

			if (key->scope != scope || key_same(key, a, b))
				continue;
			snprintf(what, sizeof(what), "[%s %s] %s", kd->name, b + kd->name_off,
				key->key);
			return refuse(next, line, err, errlen, what, why(key));
		}
	}
	if (n > conf_named_count(next, scope)) {
		const char *a = conf_named_at(cur, scope, conf_named_count(next, scope));

		snprintf(what, sizeof(what), "[%s %s] (removed)", kd->name, a + kd->name_off);
		return refuse(next, 0, err, errlen, what, scope == CONF_PORT ?
			"ports are set up at start" : "active opens are scheduled at start");
	}
	return 0;
}

int
bs_config_live_check(const struct bs_config *cur, const struct bs_config *next,
		char *err, size_t errlen)
{
	unsigned int k;
	char what[160];

	for (k = 0; k < conf_n_keys; k++) {
		const struct conf_key *key = &conf_keys[k];

		if (key->scope != CONF_GLOBAL || key_live(key) || key_same(key, cur, next))
			continue;
		snprintf(what, sizeof(what), "[%s] %s", key->section, key->key);
		return refuse(next, next->key_line[k], err, errlen, what, why(key));
	}
	if (named_same(cur, next, CONF_PORT, err, errlen) != 0 ||
			named_same(cur, next, CONF_CLIENT, err, errlen) != 0)
		return -1;
	return 0;
}
