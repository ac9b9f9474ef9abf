/* SPDX-License-Identifier: BSD-3-Clause */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config_internal.h"

/*
 * A small INI reader rather than rte_cfgfile: rte_cfgfile forgets line
 * numbers (errors must name them), keeps duplicate keys silently and has
 * fixed entry limits. Syntax: `[section]` or `[KIND NAME]` (port, listener,
 * client), `key = value`,
 * whole-line comments with ';' or '#', and ' ;' or ' #' comments after a
 * value.
 */

#define MAX_LINE 8192
#define MAX_SECTIONS (8 + BS_MAX_CONF_PORTS + BS_MAX_LISTENERS + BS_MAX_CLIENTS)
#define MAX_KEYS BS_CONF_MAX_KEYS

enum {
	N_KEYS = 0
#define BS_CONF(...) + 1
#define BS_PORT_CONF(...) + 1
#define BS_LISTENER_CONF(...) + 1
#define BS_CLIENT_CONF(...) + 1
#define BS_APP_CONF(...) + 2	/* listeners and clients */
#include "bs_config_keys.def"
#undef BS_CONF
#undef BS_PORT_CONF
#undef BS_LISTENER_CONF
#undef BS_CLIENT_CONF
#undef BS_APP_CONF
};
_Static_assert(N_KEYS <= MAX_KEYS, "raise MAX_KEYS");

struct parse_state {
	struct bs_config *c;
	const char *name;
	unsigned int line;
	char section[96];		/* current section, "" before the first */
	enum conf_scope scope;		/* of the current section */
	void *named;			/* its struct when a [KIND NAME] */
	unsigned int n_seen;		/* sections seen so far, for duplicates */
	char seen[MAX_SECTIONS][96];
	unsigned int seen_line[MAX_SECTIONS];
	/* key_line[s][k]: line where section s set key k (0: not yet) */
	unsigned int key_line[MAX_SECTIONS][MAX_KEYS];
};

static int __rte_format_printf(4, 5)
fail(const struct parse_state *st, char *err, size_t errlen, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(err, errlen, "%s:%u: %s", st->name, st->line, msg);
	return -1;
}

/* Collapse runs of blanks to one space: "[port   x]" is "[port x]". */
static void
squeeze(char *s)
{
	bool blank = false;
	char *d = s;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\t') {
			if (!blank)
				*d++ = ' ';
			blank = true;
		} else {
			*d++ = *s;
			blank = false;
		}
	}
	*d = '\0';
}

/* "[backstop], [ipv4], ... [port NAME], [listener NAME] and [client NAME]" */
static void
section_list(char *buf, size_t len)
{
	const char *last = "";
	size_t n = 0;
	unsigned int i;

	buf[0] = '\0';
	for (i = 0; i < conf_n_keys && n < len; i++) {
		if (conf_keys[i].scope != CONF_GLOBAL || strcmp(last, conf_keys[i].section) == 0)
			continue;
		last = conf_keys[i].section;
		n += snprintf(buf + n, len - n, "[%s], ", last);
	}
	for (i = CONF_PORT; i < CONF_N_SCOPES && n < len; i++)
		n += snprintf(buf + n, len - n, "%s[%s NAME]", i == CONF_PORT ? "" :
			i == CONF_N_SCOPES - 1 ? " and " : ", ", conf_kinds[i].name);
	(void)n;
}

static int
begin_section(struct parse_state *st, char *name, char *err, size_t errlen)
{
	const char *sub;
	unsigned int i;

	squeeze(name);
	for (i = 0; i < st->n_seen; i++) {
		if (strcmp(st->seen[i], name) == 0)
			return fail(st, err, errlen,
				"section [%s] already started at line %u", name,
				st->seen_line[i]);
	}
	st->named = NULL;
	st->scope = conf_scope_of(name, &sub);
	if (st->scope != CONF_GLOBAL) {
		st->named = conf_named_add(st->c, st->scope, sub, st->line, err, errlen);
		if (st->named == NULL) {
			char msg[256];

			snprintf(msg, sizeof(msg), "%s", err);
			return fail(st, err, errlen, "[%s]: %s", name, msg);
		}
	} else if (!conf_section_known(name)) {
		char list[256];

		section_list(list, sizeof(list));
		return fail(st, err, errlen, "unknown section [%s]; sections are %s",
			name, list);
	}
	if (st->n_seen == MAX_SECTIONS)
		return fail(st, err, errlen, "more than %d sections", MAX_SECTIONS);
	snprintf(st->seen[st->n_seen], sizeof(st->seen[0]), "%s", name);
	st->seen_line[st->n_seen++] = st->line;
	snprintf(st->section, sizeof(st->section), "%s", name);
	return 0;
}

static int
assign(struct parse_state *st, char *key, char *value, char *err, size_t errlen)
{
	const struct conf_key *k;
	unsigned int *seen;
	char msg[512];

	if (st->section[0] == '\0')
		return fail(st, err, errlen, "key '%s' before any [section]", key);
	k = conf_key_find(st->scope, st->section, key);
	if (k == NULL)
		return fail(st, err, errlen, "[%s] has no key '%s' (see backstop --help-config)",
			st->section, key);
	seen = &st->key_line[st->n_seen - 1][k - conf_keys];
	if (*seen != 0)
		return fail(st, err, errlen, "[%s] %s: set twice (first at line %u)",
			st->section, key, *seen);
	*seen = st->line;
	if (st->named == NULL)
		st->c->key_line[k - conf_keys] = st->line;
	if (conf_key_set(k, st->named != NULL ? st->named : (void *)st->c,
			value, msg, sizeof(msg)) != 0)
		return fail(st, err, errlen, "[%s] %s: %s", st->section, key, msg);
	return 0;
}

/* Cut a trailing " ;comment" or " #comment". */
static void
strip_comment(char *s)
{
	char *p;

	for (p = s; *p != '\0'; p++) {
		if ((*p == ';' || *p == '#') && p > s && (p[-1] == ' ' || p[-1] == '\t')) {
			*p = '\0';
			return;
		}
	}
}

static int
parse_line(struct parse_state *st, char *s, char *err, size_t errlen)
{
	char *eq, *key, *value;

	conf_trim(&s);
	if (*s == '\0' || *s == ';' || *s == '#')
		return 0;
	strip_comment(s);
	conf_trim(&s);
	if (*s == '[') {
		char *end = strchr(s, ']');

		if (end == NULL || end[1] != '\0')
			return fail(st, err, errlen, "malformed section header '%s'", s);
		*end = '\0';
		s++;
		conf_trim(&s);
		return begin_section(st, s, err, errlen);
	}
	eq = strchr(s, '=');
	if (eq == NULL)
		return fail(st, err, errlen, "expected 'key = value', got '%s'", s);
	*eq = '\0';
	key = s;
	value = eq + 1;
	conf_trim(&key);
	conf_trim(&value);
	if (*key == '\0')
		return fail(st, err, errlen, "missing key before '='");
	return assign(st, key, value, err, errlen);
}

static int
config_parse(struct bs_config *out, const char *text, const char *name,
		char *err, size_t errlen)
{
	struct parse_state *st;
	struct bs_config *c;
	const char *p = text;
	int rc = 0;

	st = calloc(1, sizeof(*st));
	c = malloc(sizeof(*c));
	if (st == NULL || c == NULL) {
		free(st);
		free(c);
		snprintf(err, errlen, "%s: out of memory", name);
		return -1;
	}
	*c = *out;
	snprintf(c->source, sizeof(c->source), "%s", name);
	st->c = c;
	st->name = name;
	while (rc == 0 && *p != '\0') {
		const char *nl = strchr(p, '\n');
		size_t n = nl != NULL ? (size_t)(nl - p) : strlen(p);
		char line[MAX_LINE];

		st->line++;
		if (n >= sizeof(line)) {
			rc = fail(st, err, errlen, "line longer than %d characters",
				MAX_LINE - 1);
			break;
		}
		memcpy(line, p, n);
		line[n] = '\0';
		if (memchr(line, '\0', n) != NULL)
			rc = fail(st, err, errlen, "NUL byte in line");
		else
			rc = parse_line(st, line, err, errlen);
		p += n + (nl != NULL);
	}
	if (rc == 0)
		rc = conf_validate(c, false, err, errlen);
	if (rc == 0)
		*out = *c;
	free(st);
	free(c);
	return rc;
}

static int
config_load(struct bs_config *c, const char *path, char *err, size_t errlen)
{
	/* O_NONBLOCK: opening a FIFO must not wait for a writer. */
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	struct stat st;
	char *text;
	FILE *f;
	long size;
	int rc;

	if (fd < 0) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file (a directory, FIFO, socket "
			"or device)", path);
		close(fd);
		return -1;
	}
	f = fdopen(fd, "r");
	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 ||
			size > (1 << 20) || fseek(f, 0, SEEK_SET) != 0) {
		snprintf(err, errlen, "%s: unreadable or larger than 1 MiB", path);
		fclose(f);
		return -1;
	}
	text = malloc((size_t)size + 1);
	if (text == NULL || fread(text, 1, (size_t)size, f) != (size_t)size) {
		snprintf(err, errlen, "%s: read failed", path);
		free(text);
		fclose(f);
		return -1;
	}
	fclose(f);
	text[size] = '\0';
	if (strlen(text) != (size_t)size) {
		snprintf(err, errlen, "%s: contains a NUL byte", path);
		free(text);
		return -1;
	}
	rc = config_parse(c, text, path, err, errlen);
	free(text);
	return rc;
}

static int
config_set(struct bs_config *out, const char *assignment, char *err,
		size_t errlen)
{
	char buf[MAX_LINE], *eq, *dot, *section, *key, *value;
	const struct conf_key *k;
	enum conf_scope scope;
	struct bs_config *c;
	const char *sub;
	void *base;
	char msg[512];
	int rc = -1;

	if (strlen(assignment) >= sizeof(buf)) {
		snprintf(err, errlen, "--set: too long");
		return -1;
	}
	strcpy(buf, assignment);
	eq = strchr(buf, '=');
	if (eq != NULL)
		*eq = '\0';
	dot = strrchr(buf, '.');
	if (eq == NULL || dot == NULL) {
		snprintf(err, errlen, "--set '%s': expected SECTION.KEY=VALUE", assignment);
		return -1;
	}
	*dot = '\0';
	section = buf;
	key = dot + 1;
	value = eq + 1;
	conf_trim(&section);
	conf_trim(&key);
	conf_trim(&value);
	squeeze(section);
	c = malloc(sizeof(*c));
	if (c == NULL) {
		snprintf(err, errlen, "--set: out of memory");
		return -1;
	}
	*c = *out;
	base = c;
	scope = conf_scope_of(section, &sub);
	if (scope != CONF_GLOBAL) {
		base = conf_named_find(c, scope, sub);
		if (base == NULL)
			base = conf_named_add(c, scope, sub, 0, msg, sizeof(msg));
		if (base == NULL) {
			snprintf(err, errlen, "--set '%s': %s", assignment, msg);
			goto out;
		}
	}
	k = conf_key_find(scope, section, key);
	if (k == NULL) {
		snprintf(err, errlen, "--set '%s': no key '%s' in [%s] (see backstop --help-config)",
			assignment, key, section);
		goto out;
	}
	if (conf_key_set(k, base, value, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "--set '%s': %s", assignment, msg);
		goto out;
	}
	if (conf_validate(c, true, msg, sizeof(msg)) != 0) {
		snprintf(err, errlen, "--set '%s': %s", assignment, msg);
		goto out;
	}
	*out = *c;
	rc = 0;
out:
	free(c);
	return rc;
}

void
conf_err_printable(char *err)
{
	for (; *err != '\0'; err++)
		if ((unsigned char)*err < 0x20 || (unsigned char)*err >= 0x7f)
			*err = '?';
}

/*
 * The public entry points: their messages quote what the input held (a
 * key, a section, a path, an override), and go to a terminal or a log, so
 * a control or non-ASCII byte in it is shown as '?' (the CLI does the
 * same): no escape sequence, no second line.
 */
int
bs_config_parse(struct bs_config *out, const char *text, const char *name, char *err,
		size_t errlen)
{
	int rc = config_parse(out, text, name, err, errlen);

	if (rc != 0)
		conf_err_printable(err);
	return rc;
}

int
bs_config_load(struct bs_config *c, const char *path, char *err, size_t errlen)
{
	int rc = config_load(c, path, err, errlen);

	if (rc != 0)
		conf_err_printable(err);
	return rc;
}

int
bs_config_set(struct bs_config *out, const char *assignment, char *err, size_t errlen)
{
	int rc = config_set(out, assignment, err, errlen);

	if (rc != 0)
		conf_err_printable(err);
	return rc;
}
