/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * `backstop --reference-resets`: the generated part of docs/resets.md, from
 * the rows each reset reason (lib/tcp/bs_rst_reason.def), drop reason and
 * counter (lib/stats/bs_rows.def) declares: a table per list, then the
 * inverse, row by row. scripts/gen-docs.sh puts it between the markers of
 * docs/resets.md and a meson test checks that the file is current.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "backstop.h"
#include "bs_drop.h"
#include "bs_rst_reason.h"
#include "bs_stats.h"

#define ROWS_MAX 256
#define ROW_LEN 16

/* The matrix's order of sections: row ids sort by it, then by number. */
static const char *const prefixes[] = { "N", "L", "R", "C", "A", "D", "X", "Q", "CH", "T" };

static unsigned int
prefix_rank(const char *id, size_t *len)
{
	unsigned int i, best = RTE_DIM(prefixes);

	*len = 0;
	while (isalpha((unsigned char)id[*len]))
		(*len)++;
	for (i = 0; i < RTE_DIM(prefixes); i++)
		if (strlen(prefixes[i]) == *len && strncmp(prefixes[i], id, *len) == 0)
			best = i;
	return best;
}

static int
row_cmp(const void *a, const void *b)
{
	const char *x = a, *y = b;
	size_t lx, ly;
	unsigned int rx = prefix_rank(x, &lx), ry = prefix_rank(y, &ly);
	long nx = strtol(x + lx, NULL, 10), ny = strtol(y + ly, NULL, 10);

	if (rx != ry)
		return rx < ry ? -1 : 1;
	if (nx != ny)
		return nx < ny ? -1 : 1;
	return strcmp(x, y);
}

/* Add the rows of @p list to the set @p rows. */
static void
rows_add(char rows[][ROW_LEN], unsigned int *n, const char *list)
{
	const char *p = list;

	while (*p != '\0') {
		size_t len;
		unsigned int i;

		while (*p == ' ')
			p++;
		len = strcspn(p, " ");
		if (len == 0 || len >= ROW_LEN)
			break;
		for (i = 0; i < *n; i++)
			if (strlen(rows[i]) == len && strncmp(rows[i], p, len) == 0)
				break;
		if (i == *n && *n < ROWS_MAX) {
			memcpy(rows[*n], p, len);
			rows[(*n)++][len] = '\0';
		}
		p += len;
	}
}

static const char *
dash(const char *s)
{
	return *s != '\0' ? s : "—";
}

static bool
is_errno_counter(unsigned int c)
{
	return strncmp(bs_counter_name(c), "AppE", 4) == 0;
}

static void
write_lists(FILE *f)
{
	unsigned int i;

	fprintf(f, "### Reset reasons\n\nEvery reason of `lib/tcp/bs_rst_reason.def`; the RST "
		"is counted under `resets.REASON` and in `TcpOutRsts`.\n\n"
		"| reason | rows | when |\n|---|---|---|\n");
	for (i = 0; i < BS_RST_REASON_MAX; i++)
		fprintf(f, "| `%s` | %s | %s |\n", bs_rst_reason_name(i),
			dash(bs_rst_reason_rows(i)), bs_rst_reason_help(i));
	fprintf(f, "\n### Drop reasons\n\nThe drop reasons of `lib/net/bs_drop.def` that "
		"`lib/stats/bs_rows.def` maps: the segment is not answered with an RST.\n\n"
		"| drop reason | rows | when | note |\n|---|---|---|---|\n");
	for (i = 1; i < BS_DROP_MAX; i++)
		if (*bs_drop_rows(i) != '\0' || *bs_drop_rows_note(i) != '\0')
			fprintf(f, "| `%s` | %s | %s | %s |\n", bs_drop_name(i),
				dash(bs_drop_rows(i)), bs_drop_help(i), bs_drop_rows_note(i));
	fprintf(f, "\n### Counters\n\nThe counters of `lib/stats/bs_counters.def` that "
		"`lib/stats/bs_rows.def` maps.\n\n"
		"| counter | rows | meaning | note |\n|---|---|---|---|\n");
	for (i = 0; i < BS_CNT_MAX; i++)
		if (!is_errno_counter(i) &&
				(*bs_counter_rows(i) != '\0' || *bs_counter_rows_note(i) != '\0'))
			fprintf(f, "| `%s` | %s | %s | %s |\n", bs_counter_name(i),
				dash(bs_counter_rows(i)), bs_counter_help(i),
				bs_counter_rows_note(i));
	fprintf(f, "\n### Errno seen by applications\n\nThe `AppE*` counters: one per "
		"application that saw the error (the matrix's \"local errno\").\n\n"
		"| counter | rows | meaning | note |\n|---|---|---|---|\n");
	for (i = 0; i < BS_CNT_MAX; i++)
		if (is_errno_counter(i))
			fprintf(f, "| `%s` | %s | %s | %s |\n", bs_counter_name(i),
				dash(bs_counter_rows(i)), bs_counter_help(i),
				bs_counter_rows_note(i));
}

static void
write_by_row(FILE *f)
{
	static char rows[ROWS_MAX][ROW_LEN];
	unsigned int n = 0, r, i;

	for (i = 0; i < BS_RST_REASON_MAX; i++)
		rows_add(rows, &n, bs_rst_reason_rows(i));
	for (i = 1; i < BS_DROP_MAX; i++)
		rows_add(rows, &n, bs_drop_rows(i));
	for (i = 0; i < BS_CNT_MAX; i++)
		rows_add(rows, &n, bs_counter_rows(i));
	qsort(rows, n, ROW_LEN, row_cmp);
	fprintf(f, "\n### By row\n\nEvery row named above, in the matrix's order.\n\n"
		"| row | reset reason | drop reason | counters |\n|---|---|---|---|\n");
	for (r = 0; r < n; r++) {
		const char *sep = "";

		fprintf(f, "| %s | ", rows[r]);
		for (i = 0; i < BS_RST_REASON_MAX; i++)
			if (bs_rows_has(bs_rst_reason_rows(i), rows[r])) {
				fprintf(f, "%s`%s`", sep, bs_rst_reason_name(i));
				sep = ", ";
			}
		fprintf(f, " | ");
		for (i = 1, sep = ""; i < BS_DROP_MAX; i++)
			if (bs_rows_has(bs_drop_rows(i), rows[r])) {
				fprintf(f, "%s`%s`", sep, bs_drop_name(i));
				sep = ", ";
			}
		fprintf(f, " | ");
		for (i = 0, sep = ""; i < BS_CNT_MAX; i++)
			if (bs_rows_has(bs_counter_rows(i), rows[r])) {
				fprintf(f, "%s`%s`", sep, bs_counter_name(i));
				sep = ", ";
			}
		fprintf(f, " |\n");
	}
}

static void
write_unmapped(FILE *f)
{
	const char *sep = "";
	unsigned int i;

	fprintf(f, "\nDrop reasons with no row (not about TCP resets, or before TCP): ");
	for (i = 1; i < BS_DROP_MAX; i++)
		if (*bs_drop_rows(i) == '\0' && *bs_drop_rows_note(i) == '\0') {
			fprintf(f, "%s`%s`", sep, bs_drop_name(i));
			sep = ", ";
		}
	fprintf(f, ".\n\nCounters with no row: ");
	for (i = 0, sep = ""; i < BS_CNT_MAX; i++)
		if (*bs_counter_rows(i) == '\0' && *bs_counter_rows_note(i) == '\0') {
			fprintf(f, "%s`%s`", sep, bs_counter_name(i));
			sep = ", ";
		}
	fprintf(f, ".\n");
}

void
app_write_resets(FILE *f)
{
	write_lists(f);
	write_by_row(f);
	write_unmapped(f);
}
