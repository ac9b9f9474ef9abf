/* SPDX-License-Identifier: BSD-3-Clause */
#include <ctype.h>
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "bs_config.h"
#include "config_internal.h"

const struct conf_key conf_keys[] = {
#define BS_CONF(sec, k, t, field, def, mn, mx, help) \
	{ #sec, #k, CONF_##t, false, offsetof(struct bs_config, field), \
	  sizeof(((struct bs_config *)0)->field), def, mn, mx, help },
#define BS_PORT_CONF(k, t, field, def, mn, mx, help) \
	{ "port", #k, CONF_##t, true, offsetof(struct bs_port_conf, field), \
	  sizeof(((struct bs_port_conf *)0)->field), def, mn, mx, help },
#include "bs_config_keys.def"
#undef BS_CONF
#undef BS_PORT_CONF
};
const unsigned int conf_n_keys = RTE_DIM(conf_keys);

static const char *const type_names[] = {
	[CONF_U32] = "integer", [CONF_BOOL] = "boolean", [CONF_STR] = "string",
	[CONF_ADDRS] = "address list", [CONF_ANYIP] = "prefix list",
};

const struct conf_key *
conf_key_find(const char *section, const char *key)
{
	unsigned int i;

	for (i = 0; i < conf_n_keys; i++)
		if (strcmp(conf_keys[i].section, section) == 0 &&
				strcmp(conf_keys[i].key, key) == 0)
			return &conf_keys[i];
	return NULL;
}

bool
conf_section_known(const char *section)
{
	unsigned int i;

	for (i = 0; i < conf_n_keys; i++)
		if (!conf_keys[i].per_port && strcmp(conf_keys[i].section, section) == 0)
			return true;
	return false;
}

static int
set_u32(const struct conf_key *k, void *field, const char *v, char *err,
		size_t errlen)
{
	unsigned long long x;
	char *end;

	errno = 0;
	x = strtoull(v, &end, 10);
	if (!isdigit((unsigned char)v[0]) || errno != 0 || *end != '\0' ||
			x < k->min || x > k->max) {
		snprintf(err, errlen, "'%s' is not an integer from %u to %u",
			v, k->min, k->max);
		return -1;
	}
	*(uint32_t *)field = (uint32_t)x;
	return 0;
}

static int
set_bool(void *field, const char *v, char *err, size_t errlen)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	unsigned int i;

	for (i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0) {
			*(uint32_t *)field = 1;
			return 0;
		}
		if (strcasecmp(v, no[i]) == 0) {
			*(uint32_t *)field = 0;
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not a boolean (yes/no, on/off, true/false, 1/0)", v);
	return -1;
}

/* Replace the entries of one kind (host addresses or AnyIP prefixes). */
static int
set_addrs(struct bs_addr_table *t, const char *v, bool anyip, char *err,
		size_t errlen)
{
	struct bs_addr_table nt;
	char buf[1024], *item, *save = NULL;
	unsigned int i;

	memset(&nt, 0, sizeof(nt));
	for (i = 0; i < t->n; i++)
		if (t->a[i].anyip != anyip && bs_addr_add(&nt, &t->a[i], err, errlen) != 0)
			return -1;
	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "list longer than %zu characters", sizeof(buf) - 1);
		return -1;
	}
	strcpy(buf, v);
	for (item = strtok_r(buf, ",", &save); item != NULL;
			item = strtok_r(NULL, ",", &save)) {
		struct bs_addr a;

		conf_trim(&item);
		if (*item == '\0')
			continue;
		if (bs_addr_parse(&a, item, anyip, err, errlen) != 0 ||
				bs_addr_add(&nt, &a, err, errlen) != 0)
			return -1;
	}
	*t = nt;
	return 0;
}

int
conf_key_set(const struct conf_key *k, void *base, const char *v, char *err,
		size_t errlen)
{
	void *field = (char *)base + k->off;

	switch (k->type) {
	case CONF_U32:
		return set_u32(k, field, v, err, errlen);
	case CONF_BOOL:
		return set_bool(field, v, err, errlen);
	case CONF_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen, "longer than %zu characters", k->size - 1);
			return -1;
		}
		strcpy(field, v);
		return 0;
	case CONF_ADDRS:
	case CONF_ANYIP:
		return set_addrs(field, v, k->type == CONF_ANYIP, err, errlen);
	}
	snprintf(err, errlen, "internal: bad key type");
	return -1;
}

static void
defaults_into(void *base, bool per_port)
{
	char err[256];
	unsigned int i;

	for (i = 0; i < conf_n_keys; i++)
		if (conf_keys[i].per_port == per_port && conf_keys[i].def[0] != '\0')
			(void)conf_key_set(&conf_keys[i], base, conf_keys[i].def, err,
				sizeof(err));
}

void
bs_config_defaults(struct bs_config *c)
{
	memset(c, 0, sizeof(*c));
	strcpy(c->source, "(defaults)");
	defaults_into(c, false);
}

struct bs_port_conf *
conf_port_add(struct bs_config *c, const char *name, unsigned int line,
		char *err, size_t errlen)
{
	struct bs_port_conf *pc;

	if (name[0] == '\0' || strlen(name) >= BS_PORT_NAME_LEN ||
			strpbrk(name, " \t[]") != NULL) {
		snprintf(err, errlen, "bad port name '%s'", name);
		return NULL;
	}
	if (c->n_ports == BS_MAX_CONF_PORTS) {
		snprintf(err, errlen, "more than %d ports", BS_MAX_CONF_PORTS);
		return NULL;
	}
	pc = &c->ports[c->n_ports++];
	memset(pc, 0, sizeof(*pc));
	strcpy(pc->name, name);
	pc->line = line;
	defaults_into(pc, true);
	return pc;
}

struct bs_port_conf *
conf_port_find(struct bs_config *c, const char *name)
{
	unsigned int i;

	for (i = 0; i < c->n_ports; i++)
		if (strcmp(c->ports[i].name, name) == 0)
			return &c->ports[i];
	return NULL;
}

/* Cross-key checks once everything is read. */
int
conf_validate(const struct bs_config *c, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < c->n_ports; i++) {
		const struct bs_port_conf *pc = &c->ports[i];

		if (pc->tx_port[0] == '\0')
			continue;
		if (conf_port_find((struct bs_config *)c, pc->tx_port) == NULL) {
			snprintf(err, errlen, "[port %s] tx_port: '%s' has no [port %s] section",
				pc->name, pc->tx_port, pc->tx_port);
			return -1;
		}
	}
	return 0;
}

void
bs_config_write_keys(FILE *f)
{
	unsigned int i;

	for (i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];

		fprintf(f, "[%s%s] %s (%s", k->section, k->per_port ? " NAME" : "",
			k->key, type_names[k->type]);
		if (k->type == CONF_U32)
			fprintf(f, " %u..%u", k->min, k->max);
		fprintf(f, ", default '%s')\n    %s\n", k->def, k->help);
	}
}

void
bs_config_write_keys_md(FILE *f)
{
	unsigned int i;

	fprintf(f, "| section | key | type | default | help |\n|---|---|---|---|---|\n");
	for (i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];

		fprintf(f, "| `[%s%s]` | `%s` | %s", k->section, k->per_port ? " NAME" : "",
			k->key, type_names[k->type]);
		if (k->type == CONF_U32)
			fprintf(f, " %u..%u", k->min, k->max);
		fprintf(f, " | %s%s%s | %s |\n", k->def[0] ? "`" : "", k->def[0] ? k->def : "(none)",
			k->def[0] ? "`" : "", k->help);
	}
}

static void
write_value(FILE *f, const struct conf_key *k, const void *base)
{
	const void *field = (const char *)base + k->off;
	const struct bs_addr_table *t = field;
	unsigned int i, n = 0;
	char buf[96];

	switch (k->type) {
	case CONF_U32:
	case CONF_BOOL:
		fprintf(f, "%u", *(const uint32_t *)field);
		break;
	case CONF_STR:
		fprintf(f, "%s", (const char *)field);
		break;
	case CONF_ADDRS:
	case CONF_ANYIP:
		for (i = 0; i < t->n; i++) {
			if (t->a[i].anyip != (k->type == CONF_ANYIP))
				continue;
			bs_addr_format(&t->a[i], buf, sizeof(buf));
			fprintf(f, "%s%s", n++ ? ", " : "", buf);
		}
		break;
	}
}

void
bs_config_write(FILE *f, const struct bs_config *c)
{
	const char *section = "";
	unsigned int i, p;

	fprintf(f, "; effective configuration (from %s)\n", c->source);
	for (i = 0; i < conf_n_keys; i++) {
		const struct conf_key *k = &conf_keys[i];

		if (k->per_port)
			continue;
		if (strcmp(section, k->section) != 0) {
			section = k->section;
			fprintf(f, "\n[%s]\n", section);
		}
		fprintf(f, "%s = ", k->key);
		write_value(f, k, c);
		fprintf(f, "\n");
	}
	for (p = 0; p < c->n_ports; p++) {
		fprintf(f, "\n[port %s]\n", c->ports[p].name);
		for (i = 0; i < conf_n_keys; i++) {
			if (!conf_keys[i].per_port)
				continue;
			fprintf(f, "%s = ", conf_keys[i].key);
			write_value(f, &conf_keys[i], &c->ports[p]);
			fprintf(f, "\n");
		}
	}
}
