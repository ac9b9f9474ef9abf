/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The emitter (bs_emit.h): one description of an answer, rendered as text
 * or JSON into a growing buffer.
 */
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_emit.h"

static bool
grow(struct bs_emit *e, size_t n)
{
	size_t cap = e->cap != 0 ? e->cap : 4096;
	char *b;

	if (e->overflow)
		return false;
	if (e->len + n + 1 <= e->cap)
		return true;
	while (cap < e->len + n + 1)
		cap *= 2;
	if (cap > BS_EMIT_MAX || (b = realloc(e->buf, cap)) == NULL) {
		e->overflow = true;
		return false;
	}
	e->buf = b;
	e->cap = cap;
	return true;
}

static void
put(struct bs_emit *e, const char *s, size_t n)
{
	if (!grow(e, n))
		return;
	memcpy(e->buf + e->len, s, n);
	e->len += n;
	e->buf[e->len] = '\0';
}

void
bs_emit_raw(struct bs_emit *e, const char *s, size_t n)
{
	put(e, s, n);
}

static void
puts_(struct bs_emit *e, const char *s)
{
	put(e, s, strlen(s));
}

static void __attribute__((format(printf, 2, 3)))
putf(struct bs_emit *e, const char *fmt, ...)
{
	char tmp[64];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n > 0)
		put(e, tmp, (size_t)n < sizeof(tmp) ? (size_t)n : sizeof(tmp) - 1);
}

void
bs_emit_json_string(struct bs_emit *e, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	put(e, "\"", 1);
	for (; *p != '\0'; p++) {
		if (*p == '"' || *p == '\\') {
			char esc[2] = { '\\', (char)*p };

			put(e, esc, 2);
		} else if (*p < 0x20 || *p >= 0x7f) {
			/* Bytes, not characters: each one as its own code
			 * point, so invalid UTF-8 still gives valid JSON. */
			putf(e, "\\u%04x", *p);
		} else {
			put(e, (const char *)p, 1);
		}
	}
	put(e, "\"", 1);
}

/* Text: a string's control bytes become '?' (one value stays one line). */
static void
text_string(struct bs_emit *e, const char *s)
{
	const unsigned char *p = (const unsigned char *)(s != NULL ? s : "");

	for (; *p != '\0'; p++)
		put(e, *p < 0x20 || *p == 0x7f ? "?" : (const char *)p, 1);
}

static void
indent(struct bs_emit *e, unsigned int n)
{
	static const char sp[] = "                                ";

	put(e, sp, 2 * n < sizeof(sp) - 1 ? 2 * n : sizeof(sp) - 1);
}

/* Text: end a container's "key:" line before its first member. */
static void
end_open_line(struct bs_emit *e)
{
	if (e->open_line) {
		put(e, "\n", 1);
		e->open_line = false;
	}
}

/*
 * Begin a member of the innermost level: JSON a comma and the key; text a
 * new line with its indentation (a dash for a list item) and the key.
 */
static void
member(struct bs_emit *e, const char *key)
{
	unsigned int d = e->depth;

	if (e->json) {
		if (e->lvl[d].n != 0)
			put(e, ",", 1);
		if (!e->lvl[d].list) {
			bs_emit_json_string(e, key != NULL ? key : "");
			put(e, ":", 1);
		}
	} else {
		end_open_line(e);
		if (e->lvl[d].list) {
			indent(e, d);
			put(e, "- ", 2);
		} else if (e->lvl[d].dash) {
			indent(e, d - 1);
			put(e, "- ", 2);
			e->lvl[d].dash = false;
		} else {
			indent(e, d);
		}
		if (key != NULL && !e->lvl[d].list) {
			text_string(e, key);
			put(e, ":", 1);
		}
	}
	e->lvl[d].n++;
}

/* Text: the space between "key:" and a scalar value. */
static void
scalar_start(struct bs_emit *e, const char *key)
{
	member(e, key);
	if (!e->json && !e->lvl[e->depth].list)
		put(e, " ", 1);
}

static void
scalar_end(struct bs_emit *e)
{
	if (!e->json)
		put(e, "\n", 1);
}

static void
open_level(struct bs_emit *e, const char *key, bool list)
{
	unsigned int d = e->depth;

	if (d >= BS_EMIT_DEPTH) {
		e->overflow = true;
		return;
	}
	if (!e->json && e->lvl[d].list && !list) {
		/* An object in a list: its first key carries the dash. */
		e->lvl[d].n++;
	} else {
		member(e, key);
		if (e->json)
			put(e, list ? "[" : "{", 1);
		else
			e->open_line = true;
	}
	e->depth++;
	memset(&e->lvl[d + 1], 0, sizeof(e->lvl[0]));
	e->lvl[d + 1].list = list;
	e->lvl[d + 1].dash = !e->json && e->lvl[d].list && !list;
}

static void
close_level(struct bs_emit *e, bool list)
{
	unsigned int d = e->depth;

	if (d == 0 || e->lvl[d].list != list) {
		e->overflow = true;	/* a handler's bug: say so, not crash */
		return;
	}
	if (e->json) {
		put(e, list ? "]" : "}", 1);
	} else if (e->lvl[d].n == 0) {
		if (e->lvl[d].dash) {
			indent(e, d - 1);
			puts_(e, "- {}\n");
		} else {
			puts_(e, " none\n");
			e->open_line = false;
		}
	}
	e->depth--;
}

void
bs_emit_reset(struct bs_emit *e, bool json)
{
	e->len = 0;
	if (e->buf != NULL)
		e->buf[0] = '\0';
	e->json = json;
	e->overflow = false;
	e->depth = 0;
	e->open_line = false;
	memset(e->lvl, 0, sizeof(e->lvl));
	if (json)
		put(e, "{", 1);
}

void
bs_emit_end(struct bs_emit *e)
{
	while (e->depth > 0)
		close_level(e, e->lvl[e->depth].list);
	if (e->json)
		put(e, "}\n", 2);
}

void
bs_emit_free(struct bs_emit *e)
{
	free(e->buf);
	e->buf = NULL;
	e->len = e->cap = 0;
}

bool
bs_emit_is_json(const struct bs_emit *e)
{
	return e->json;
}

void
bs_emit_obj_open(struct bs_emit *e, const char *key)
{
	open_level(e, key, false);
}

void
bs_emit_obj_close(struct bs_emit *e)
{
	close_level(e, false);
}

void
bs_emit_list_open(struct bs_emit *e, const char *key)
{
	open_level(e, key, true);
}

void
bs_emit_list_close(struct bs_emit *e)
{
	close_level(e, true);
}

void
bs_emit_u64(struct bs_emit *e, const char *key, uint64_t v)
{
	scalar_start(e, key);
	putf(e, "%" PRIu64, v);
	scalar_end(e);
}

void
bs_emit_i64(struct bs_emit *e, const char *key, int64_t v)
{
	scalar_start(e, key);
	putf(e, "%" PRId64, v);
	scalar_end(e);
}

void
bs_emit_f64(struct bs_emit *e, const char *key, double v)
{
	scalar_start(e, key);
	if (!isfinite(v))
		puts_(e, e->json ? "null" : "-");
	else
		putf(e, "%.6g", v);
	scalar_end(e);
}

void
bs_emit_str(struct bs_emit *e, const char *key, const char *s)
{
	scalar_start(e, key);
	if (e->json)
		bs_emit_json_string(e, s);
	else
		text_string(e, s);
	scalar_end(e);
}

void
bs_emit_bool(struct bs_emit *e, const char *key, bool b)
{
	scalar_start(e, key);
	puts_(e, e->json ? (b ? "true" : "false") : (b ? "yes" : "no"));
	scalar_end(e);
}
