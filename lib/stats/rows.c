/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The reset-matrix rows of drop reasons and counters (bs_rows.def).
 */
#include <string.h>

#include "bs_stats.h"

struct rows_ent {
	const char *rows;
	const char *note;
};

#define BS_ROWS_DROP(name, rows, note) [BS_DROP_##name] = { rows, note },
#define BS_ROWS_CNT(name, rows, note)
#define BS_ROWS(kind, name, rows, note) BS_ROWS_##kind(name, rows, note)
static const struct rows_ent drop_rows[BS_DROP_MAX] = {
#include "bs_rows.def"
};
#undef BS_ROWS_DROP
#undef BS_ROWS_CNT

#define BS_ROWS_DROP(name, rows, note)
#define BS_ROWS_CNT(name, rows, note) [BS_CNT_##name] = { rows, note },
static const struct rows_ent cnt_rows[BS_CNT_MAX] = {
#include "bs_rows.def"
};
#undef BS_ROWS_DROP
#undef BS_ROWS_CNT
#undef BS_ROWS

static const char *
str(const char *s)
{
	return s != NULL ? s : "";
}

const char *
bs_drop_rows(unsigned int reason)
{
	return reason < BS_DROP_MAX ? str(drop_rows[reason].rows) : "";
}

const char *
bs_drop_rows_note(unsigned int reason)
{
	return reason < BS_DROP_MAX ? str(drop_rows[reason].note) : "";
}

const char *
bs_counter_rows(unsigned int c)
{
	return c < BS_CNT_MAX ? str(cnt_rows[c].rows) : "";
}

const char *
bs_counter_rows_note(unsigned int c)
{
	return c < BS_CNT_MAX ? str(cnt_rows[c].note) : "";
}

bool
bs_rows_has(const char *list, const char *id)
{
	size_t n = strlen(id);
	const char *p = list;

	if (n == 0)
		return false;
	while ((p = strstr(p, id)) != NULL) {
		if ((p == list || p[-1] == ' ') && (p[n] == ' ' || p[n] == '\0'))
			return true;
		p += n;
	}
	return false;
}
