/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_EMIT_H
#define BS_EMIT_H

/**
 * @file
 * The output emitter of CLI commands: a handler describes its answer as
 * keys, values, objects and lists, and the emitter renders it either as
 * text or as JSON, so `--json` works on every command without a second
 * printer. Control thread only (it allocates).
 *
 * The answer is an object: the top level takes keys. Inside an object
 * every call names its key; inside a list the key is NULL.
 *
 * Text rendering, one value a line, nested levels indented (YAML-like):
 *
 *	version: 0.1.0
 *	ports:
 *	  - name: net_pcap0
 *	    rx: 12
 *
 * JSON rendering: one compact object, then a newline. Strings are escaped
 * (quote, backslash, control and non-ASCII bytes as \\u00XX), so any byte
 * a string holds gives valid JSON; non-finite doubles become null.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define BS_EMIT_DEPTH 16		/**< nesting of objects and lists */
#define BS_EMIT_MAX (16u << 20)	/**< bytes of one answer */

struct bs_emit {
	char *buf;		/**< the rendering so far (NUL-terminated) */
	size_t len;
	size_t cap;
	bool json;
	bool overflow;		/**< BS_EMIT_MAX or memory ran out: answer lost */
	bool open_line;		/**< text: a "key:" line waits for its end */
	unsigned int depth;	/**< open objects and lists (0: top level) */
	struct {
		bool list;
		bool dash;	/**< text: next line starts the list item */
		unsigned int n;	/**< members so far */
	} lvl[BS_EMIT_DEPTH + 1];
};

/** Start an empty answer rendered as JSON or text (keeps the buffer). */
void bs_emit_reset(struct bs_emit *e, bool json);

/** Close what is open and finish the answer; e->buf holds it all. */
void bs_emit_end(struct bs_emit *e);

/** Free the buffer. */
void bs_emit_free(struct bs_emit *e);

/** Does it render JSON (handlers may leave zeros out of the text)? */
bool bs_emit_is_json(const struct bs_emit *e);

void bs_emit_obj_open(struct bs_emit *e, const char *key);
void bs_emit_obj_close(struct bs_emit *e);
void bs_emit_list_open(struct bs_emit *e, const char *key);
void bs_emit_list_close(struct bs_emit *e);
void bs_emit_u64(struct bs_emit *e, const char *key, uint64_t v);
void bs_emit_i64(struct bs_emit *e, const char *key, int64_t v);
void bs_emit_f64(struct bs_emit *e, const char *key, double v);
void bs_emit_str(struct bs_emit *e, const char *key, const char *s);
void bs_emit_bool(struct bs_emit *e, const char *key, bool b);

/** Append @p n bytes as they are (the server's response terminator). */
void bs_emit_raw(struct bs_emit *e, const char *s, size_t n);

/** Write @p s as a JSON string, quotes included, into @p e (for tests). */
void bs_emit_json_string(struct bs_emit *e, const char *s);

#endif /* BS_EMIT_H */
