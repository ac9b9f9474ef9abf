/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The client side of the CLI protocol, and the little JSON reading that
 * completion needs (the strings of `--json help`).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "ctl_client.h"

int
ctl_connect(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	if (strlen(path) >= sizeof(sa.sun_path)) {
		errno = ENAMETOOLONG;
		return -1;
	}
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		errno = e;
		return -1;
	}
	return fd;
}

static int
send_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = send(fd, p, n, MSG_NOSIGNAL);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Is the answer complete: "\0ok\n" or "\0error\n" at its end? */
static int
terminated(const char *b, size_t len, bool *error)
{
	if (len >= 4 && memcmp(b + len - 4, "\0ok\n", 4) == 0) {
		*error = false;
		return 4;
	}
	if (len >= 7 && memcmp(b + len - 7, "\0error\n", 7) == 0) {
		*error = true;
		return 7;
	}
	return 0;
}

int
ctl_request(int fd, const char *line, struct ctl_answer *a)
{
	size_t cap = 65536, len = 0;
	char *b = malloc(cap);
	bool nul = false;
	int t;

	memset(a, 0, sizeof(*a));
	if (b == NULL || send_all(fd, line, strlen(line)) != 0 || send_all(fd, "\n", 1) != 0)
		goto fail;
	for (;;) {
		ssize_t r;

		if (len + 1 >= cap) {
			char *nb = realloc(b, cap * 2);

			if (nb == NULL)
				goto fail;
			b = nb;
			cap *= 2;
		}
		r = recv(fd, b + len, cap - 1 - len, 0);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			goto fail;
		len += (size_t)r;
		/* The answer holds no NUL byte: the first one starts its end. */
		nul = nul || memchr(b + len - (size_t)r, '\0', (size_t)r) != NULL;
		if (nul && (t = terminated(b, len, &a->error)) != 0) {
			len -= (size_t)t;
			b[len] = '\0';
			a->text = b;
			a->len = len;
			return 0;
		}
	}
fail:
	free(b);
	return -1;
}

void
ctl_answer_free(struct ctl_answer *a)
{
	free(a->text);
	a->text = NULL;
}

/* Read the JSON string at @p p (after its opening quote) into a new
 * string; *end is set after the closing quote. */
static char *
json_string(const char *p, const char **end)
{
	char *out = malloc(strlen(p) + 1), *o = out;

	if (out == NULL)
		return NULL;
	while (*p != '\0' && *p != '"') {
		if (*p == '\\' && p[1] != '\0') {
			p++;
			if (*p == 'u' && strlen(p) >= 5) {
				*o++ = (char)strtol((char[]){ p[3], p[4], '\0' }, NULL, 16);
				p += 5;
				continue;
			}
			*o++ = *p == 'n' ? '\n' : *p == 't' ? '\t' : *p;
			p++;
			continue;
		}
		*o++ = *p++;
	}
	*o = '\0';
	*end = *p == '"' ? p + 1 : p;
	return out;
}

/* The string value of "key": after @p p, before @p limit. */
static char *
json_value(const char *p, const char *limit, const char *key)
{
	char pat[32];
	const char *k, *end;

	snprintf(pat, sizeof(pat), "\"%s\":\"", key);
	k = strstr(p, pat);
	if (k == NULL || (limit != NULL && k > limit))
		return NULL;
	return json_string(k + strlen(pat), &end);
}

int
ctl_help_table(const char *json, char **words, char **usages, int max)
{
	const char *p = json, *next;
	int n = 0;

	/* {"commands":[{"command":"..","usage":"..","help":".."},...]}: the
	 * server's own compact rendering, read object by object. */
	while (n < max && (p = strstr(p, "{\"command\":\"")) != NULL) {
		next = strstr(p + 1, "{\"command\":\"");
		words[n] = json_value(p, next, "command");
		usages[n] = json_value(p, next, "usage");
		if (words[n] == NULL || usages[n] == NULL)
			break;
		n++;
		p++;
	}
	return n;
}
