/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Output generated from the key and app lists: the effective configuration
 * (`--print-config`, which parses back to the same configuration), the key
 * list (`--help-config`) and the Markdown tables of docs/reference.md.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_internal.h"

/* A BS_APP_CONF row is listed once, for both sections. */
static bool
listed(const struct conf_key *k)
{
	return !(k->shared && k->scope == CONF_CLIENT);
}

static const char *
section_label(const struct conf_key *k, bool md)
{
	static char buf[64];

	if (k->shared)
		return md ? "`[listener NAME]` `[client NAME]`" : "[listener|client NAME]";
	snprintf(buf, sizeof(buf), md ? "`[%s%s]`" : "[%s%s]", k->section,
		k->scope != CONF_GLOBAL ? " NAME" : "");
	return buf;
}

static void
write_range(FILE *f, const struct conf_key *k)
{
	if (k->type == CONF_U32 || k->type == CONF_I32 || k->type == CONF_U32X3)
		fprintf(f, " %lld..%lld", k->min, k->max);
	else if (k->type == CONF_MODE)
		fprintf(f, " %04llo..%04llo", k->min, k->max);
}

void
bs_config_write_keys(FILE *f)
{
	unsigned int i;

	for (i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (!listed(k))
			continue;
		fprintf(f, "%s %s (%s", section_label(k, false), k->key,
			conf_type_name(k->type));
		write_range(f, k);
		if (k->def == NULL)
			fprintf(f, ", required)\n    %s\n", k->help);
		else
			fprintf(f, ", default '%s')\n    %s\n", k->def, k->help);
	}
	fprintf(f, "\napps (app = NAME):\n");
	for (i = 1; i < BS_APP_MAX; i++)
		fprintf(f, "  %-13s %s\n", bs_app_name(i), bs_app_help(i));
}

void
bs_config_write_keys_md(FILE *f)
{
	unsigned int i;

	fprintf(f, "| section | key | type | default | help |\n|---|---|---|---|---|\n");
	for (i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (!listed(k))
			continue;
		fprintf(f, "| %s | `%s` | %s", section_label(k, true), k->key,
			conf_type_name(k->type));
		write_range(f, k);
		if (k->def == NULL)
			fprintf(f, " | (required)");
		else if (k->def[0] == '\0')
			fprintf(f, " | (none)");
		else
			fprintf(f, " | `%s`", k->def);
		fprintf(f, " | %s |\n", k->help);
	}
}

void
bs_config_write_apps_md(FILE *f)
{
	unsigned int i;

	fprintf(f, "| app | what it does |\n|---|---|\n");
	for (i = 1; i < BS_APP_MAX; i++)
		fprintf(f, "| `%s` | %s |\n", bs_app_name(i), bs_app_help(i));
}

/* Each key of a section: its value as text, secrets hidden if asked. */
static void
walk_section(enum conf_scope scope, const char *section,
		const char *name, const void *base, bool hide, bs_config_walk_fn fn, void *arg)
{
	unsigned int i;
	char *v;
	size_t len;
	FILE *m;

	for (i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (k->scope != scope || (scope == CONF_GLOBAL &&
				strcmp(k->section, section) != 0))
			continue;
		v = NULL;
		m = open_memstream(&v, &len);
		if (m == NULL)
			continue;
		if (hide && k->type == CONF_HEX128 &&
				*(const bool *)((const char *)base + k->aux_off))
			fputs("(set, not shown)", m);
		else
			conf_value_write(m, k, base);
		if (fclose(m) == 0)
			fn(arg, section, name, k->key, v);
		free(v);
	}
}

void
bs_config_walk(const struct bs_config *c, bool hide_secrets, bs_config_walk_fn fn,
		void *arg)
{
	const char *section = "";
	unsigned int i, s;

	for (i = 0; i < conf_n_keys; i++) {
		if (conf_keys[i].scope != CONF_GLOBAL ||
				strcmp(section, conf_keys[i].section) == 0)
			continue;
		section = conf_keys[i].section;
		walk_section(CONF_GLOBAL, section, NULL, c, hide_secrets, fn, arg);
	}
	for (s = CONF_PORT; s < CONF_N_SCOPES; s++) {
		const struct conf_kind *kd = &conf_kinds[s];

		for (i = 0; i < conf_named_count(c, s); i++) {
			const char *e = conf_named_at(c, s, i);

			walk_section(s, kd->name, e + kd->name_off, e, hide_secrets,
				fn, arg);
		}
	}
}

struct write_ctx {
	FILE *f;
	const char *section;
	const char *name;
};

static void
write_key(void *arg, const char *section, const char *name, const char *key,
		const char *value)
{
	struct write_ctx *w = arg;

	if (w->section != section || w->name != name) {
		if (name != NULL)
			fprintf(w->f, "\n[%s %s]\n", section, name);
		else
			fprintf(w->f, "\n[%s]\n", section);
		w->section = section;
		w->name = name;
	}
	fprintf(w->f, "%s = %s\n", key, value);
}

void
bs_config_write(FILE *f, const struct bs_config *c)
{
	struct write_ctx w = { .f = f };

	fprintf(f, "; effective configuration (from %s)\n", c->source);
	bs_config_walk(c, false, write_key, &w);
}
