/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the configuration parser (lib/config). The first
 * byte picks the path: the INI text of a file (bs_config_parse), the same
 * text read from a file as --check-config does (bs_config_load), or one
 * --set override a line (bs_config_set, then bs_config_check). Invariants:
 * a failure leaves the configuration untouched and says so in one line
 * of printable ASCII (whatever bytes the input held) that names the file
 * or the override; a success writes an INI that parses
 * back to the same configuration (written twice, byte for byte).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bs_config.h"
#include "fuzz.h"

enum { MODE_PARSE, MODE_LOAD, MODE_SET, MODE_MAX };

static struct bs_config conf, before, again;
static const char *path;

/* One line, not empty, starting with @p name. */
static void
check_err(const char *err, const char *name)
{
	FUZZ_ASSERT(err[0] != '\0', "an error without a message");
	FUZZ_ASSERT(strchr(err, '\n') == NULL, "error of more than one line: %s", err);
	for (const char *p = err; *p != '\0'; p++)
		FUZZ_ASSERT(*p >= 0x20 && *p < 0x7f, "error holds byte %#x: %s",
			(unsigned char)*p, err);
	FUZZ_ASSERT(strncmp(err, name, strlen(name)) == 0,
		"error does not name %s: %s", name, err);
}

static char *
write_conf(const struct bs_config *c, size_t *len)
{
	char *buf = NULL;
	FILE *f = open_memstream(&buf, len);

	FUZZ_ASSERT(f != NULL, "open_memstream");
	bs_config_write(f, c);
	fclose(f);
	return buf;
}

/* What a successful parse wrote must read back as the same. */
static void
check_roundtrip(const struct bs_config *c)
{
	char err[512];
	size_t n1, n2;
	char *t1 = write_conf(c, &n1), *t2;

	bs_config_defaults(&again);
	FUZZ_ASSERT(bs_config_parse(&again, t1, c->source, err, sizeof(err)) == 0,
		"the written configuration does not parse back: %s\n%s", err, t1);
	t2 = write_conf(&again, &n2);
	FUZZ_ASSERT(n1 == n2 && memcmp(t1, t2, n1) == 0,
		"written twice, two texts:\n%s\n----\n%s", t1, t2);
	free(t1);
	free(t2);
}

static void
one_set_line(const char *line)
{
	char err[512];

	before = conf;
	if (bs_config_set(&conf, line, err, sizeof(err)) == 0)
		return;
	check_err(err, "--set");
	FUZZ_ASSERT(memcmp(&before, &conf, sizeof(conf)) == 0,
		"a failed --set changed the configuration: %s", line);
}

static void
fuzz_set(char *text)
{
	char err[512], *line, *save = NULL;

	for (line = strtok_r(text, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save))
		one_set_line(line);
	if (bs_config_check(&conf, err, sizeof(err)) != 0) {
		check_err(err, "");
		return;
	}
	check_roundtrip(&conf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	unsigned int mode = size > 0 ? data[0] % MODE_MAX : MODE_PARSE;
	const char *name = mode == MODE_LOAD ? path : "fuzz.conf";
	char err[512], *text;
	FILE *f;
	int rc;

	if (size > (1 << 20) + 2)
		return -1;
	data += size > 0;
	size -= size > 0;
	text = malloc(size + 1);
	memcpy(text, data, size);
	text[size] = '\0';
	bs_config_defaults(&conf);
	if (mode == MODE_SET) {
		fuzz_set(text);
		free(text);
		return 0;
	}
	before = conf;
	if (mode == MODE_LOAD) {
		f = fopen(path, "w");
		FUZZ_ASSERT(f != NULL && fwrite(data, 1, size, f) == size, "write %s", path);
		fclose(f);
		rc = bs_config_load(&conf, path, err, sizeof(err));
	} else {
		rc = bs_config_parse(&conf, text, name, err, sizeof(err));
	}
	if (rc != 0) {
		check_err(err, name);
		FUZZ_ASSERT(memcmp(&before, &conf, sizeof(conf)) == 0,
			"a failed parse changed the configuration: %s", err);
	} else {
		check_roundtrip(&conf);
	}
	free(text);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	path = fuzz_scratch_file("config", "conf");
	return 0;
}
