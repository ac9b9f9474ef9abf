/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI socket server (bs_ctl.h): accept, read request lines, answer
 * them through the request function, write the answers; all non-blocking
 * from the control thread's poll().
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include "bs_ctl.h"

#define CTL_STR_(x) #x
#define CTL_STR(x) CTL_STR_(x)

struct ctl_client {
	int fd;
	bool discard;		/* dropping the rest of an over-long line */
	bool eof;		/* the client shut its side: answer, then close */
	bool quit;		/* close once the answer is written */
	bool gone;		/* a write failed: close it */
	bool asked;		/* it has sent a request */
	uint64_t last;		/* s->tick at accept or at its last request */
	char *out;		/* the answer being written (owned) */
	size_t out_len;
	size_t out_off;
	size_t in_len;
	char in[BS_CTL_LINE_MAX];
};

struct bs_ctl_server {
	int fd;
	bs_ctl_request_fn fn;
	void *arg;
	dev_t dev;		/* the socket file we made (unlink only it) */
	ino_t ino;
	struct bs_emit e;
	uint64_t tick;		/* counts accepts and requests: clients' age */
	struct ctl_client *cl[BS_CTL_CLIENTS_MAX];
	char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

int
bs_cli_fail(struct bs_cli_call *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->err, sizeof(c->err), fmt, ap);
	va_end(ap);
	return -1;
}

int
bs_ctl_split(char *line, char **argv, int max)
{
	int n = 0;
	char *p = line;

	for (;;) {
		while (*p == ' ' || *p == '\t')
			p++;
		if (*p == '\0')
			return n;
		if (n == max)
			return -1;
		argv[n++] = p;
		while (*p != '\0' && *p != ' ' && *p != '\t')
			p++;
		if (*p != '\0')
			*p++ = '\0';
	}
}

const char *
bs_ctl_line_check(const char *line, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)line[i];

		if ((ch < 0x20 && ch != '\t') || ch >= 0x7f)
			return "request holds a control or non-ASCII byte";
	}
	return NULL;
}

/* ---- answers ---- */

static void client_take(struct bs_ctl_server *s, struct ctl_client *cl);

static void
answer_error(struct bs_emit *e, bool json, const struct bs_cli_call *c)
{
	bs_emit_reset(e, json);
	bs_emit_str(e, "error", c->err[0] != '\0' ? c->err : "failed");
	if (c->usage != NULL)
		bs_emit_str(e, "usage", c->usage);
	bs_emit_end(e);
}

static bool
is_json_word(const char *line)
{
	return strncmp(line, "--json", 6) == 0 &&
		(line[6] == '\0' || line[6] == ' ' || line[6] == '\t');
}

/* Answer one request line (NUL-terminated, '\n' and '\r' removed). */
static void
serve_line(struct bs_ctl_server *s, struct ctl_client *cl, char *line, size_t len)
{
	static const char ok[] = "\0ok\n", bad[] = "\0error\n";
	struct bs_cli_call c = { .e = &s->e };
	char *argv[BS_CTL_ARGS_MAX];
	bool json = is_json_word(line);
	const char *why = bs_ctl_line_check(line, len);
	int rc = 0, n;

	bs_emit_reset(&s->e, json);
	if (why != NULL) {
		rc = bs_cli_fail(&c, "%s", why);
	} else if ((n = bs_ctl_split(line, argv, BS_CTL_ARGS_MAX)) < 0) {
		rc = bs_cli_fail(&c, "more than %d words", BS_CTL_ARGS_MAX);
	} else {
		c.argc = json ? n - 1 : n;
		c.argv = json ? argv + 1 : argv;
		if (c.argc > 0)
			rc = s->fn(s->arg, &c);
	}
	if (rc == 0)
		bs_emit_end(&s->e);
	if (rc == 0 && s->e.overflow)
		rc = bs_cli_fail(&c, "the answer is larger than %u bytes", BS_EMIT_MAX);
	if (rc != 0)
		answer_error(&s->e, json, &c);
	if (rc != 0)
		bs_emit_raw(&s->e, bad, sizeof(bad) - 1);
	else
		bs_emit_raw(&s->e, ok, sizeof(ok) - 1);
	if (s->e.overflow) {
		/* Not even the error fits: memory is short; say it small. */
		static const char oom[] = "error: out of memory\n\0error\n";

		s->e.len = 0;
		s->e.overflow = false;
		bs_emit_raw(&s->e, oom, sizeof(oom) - 1);
	}
	cl->quit = c.quit;
	cl->last = ++s->tick;
	cl->asked = true;
	client_take(s, cl);
}

/* ---- clients ---- */

/*
 * Read and drop what the client sent that will not be answered (lines
 * after `quit`, an evicted client's), so that the close is an end of
 * stream: a socket closed with unread data resets the connection, and the
 * client reads ECONNRESET where its answers should end. Bounded: a client
 * that keeps sending is not waited for.
 */
static void
client_drain(int fd)
{
	char junk[4096];
	unsigned int i;

	for (i = 0; i < 64; i++)
		if (recv(fd, junk, sizeof(junk), MSG_DONTWAIT) <= 0)
			return;
}

static void
client_close(struct bs_ctl_server *s, unsigned int i)
{
	struct ctl_client *cl = s->cl[i];

	client_drain(cl->fd);
	close(cl->fd);
	free(cl->out);
	free(cl);
	s->cl[i] = NULL;
}

/* Write what is pending; a client that cannot take it is gone. */
static void
client_write(struct ctl_client *cl)
{
	while (cl->out != NULL && cl->out_off < cl->out_len) {
		ssize_t n = send(cl->fd, cl->out + cl->out_off, cl->out_len - cl->out_off,
			MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			cl->gone = true;
			return;
		}
		cl->out_off += (size_t)n;
	}
	free(cl->out);
	cl->out = NULL;
}

/* The emitter's answer becomes the client's to write. */
static void
client_take(struct bs_ctl_server *s, struct ctl_client *cl)
{
	cl->out = s->e.buf;
	cl->out_len = s->e.len;
	cl->out_off = 0;
	s->e.buf = NULL;
	s->e.len = s->e.cap = 0;
	client_write(cl);
}

/* Answer the complete lines held, one at a time: stop while an answer is
 * unwritten. @return requests answered */
static int
client_serve(struct bs_ctl_server *s, struct ctl_client *cl)
{
	int served = 0;
	char *nl;

	while (cl->out == NULL && !cl->quit && !cl->gone &&
			(nl = memchr(cl->in, '\n', cl->in_len)) != NULL) {
		size_t len = (size_t)(nl - cl->in), rest = cl->in_len - len - 1;

		*nl = '\0';
		if (len > 0 && cl->in[len - 1] == '\r')
			cl->in[--len] = '\0';
		serve_line(s, cl, cl->in, len);
		memmove(cl->in, nl + 1, rest);
		cl->in_len = rest;
		served++;
	}
	if (cl->out == NULL && !cl->quit && !cl->gone && cl->in_len == sizeof(cl->in)) {
		struct bs_cli_call c = { .e = &s->e };

		/* No end of line in a full buffer: answer once, then drop the
		 * rest of the line as it comes. */
		bs_cli_fail(&c, "request longer than %u bytes", BS_CTL_LINE_MAX - 1);
		cl->in_len = 0;
		cl->discard = true;
		answer_error(&s->e, false, &c);
		bs_emit_raw(&s->e, "\0error\n", 7);
		client_take(s, cl);
		served++;
	}
	return served;
}

/* Read what the client sent. @return -1 when it is gone */
static int
client_read(struct ctl_client *cl)
{
	ssize_t n = recv(cl->fd, cl->in + cl->in_len, sizeof(cl->in) - cl->in_len,
		MSG_DONTWAIT);
	char *nl;

	if (n < 0)
		return errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? 0 : -1;
	if (n == 0) {
		cl->eof = true;
		return 0;
	}
	cl->in_len += (size_t)n;
	if (cl->discard) {
		nl = memchr(cl->in, '\n', cl->in_len);
		if (nl == NULL) {
			cl->in_len = 0;
			return 0;
		}
		cl->discard = false;
		cl->in_len -= (size_t)(nl + 1 - cl->in);
		memmove(cl->in, nl + 1, cl->in_len);
	}
	return 0;
}

/* Read, answer, write one client's ready side; close it when done.
 * @return requests answered */
static int
client_event(struct bs_ctl_server *s, unsigned int i, short revents)
{
	struct ctl_client *cl = s->cl[i];
	int served;

	if (revents & POLLOUT)
		client_write(cl);
	if ((revents & (POLLIN | POLLHUP | POLLERR)) && cl->out == NULL &&
			!cl->eof && !cl->gone && client_read(cl) != 0)
		cl->gone = true;
	served = client_serve(s, cl);
	/* Done with it: it is gone, it asked to quit, or it shut its side
	 * and every complete line is answered (a partial last line is
	 * dropped). */
	if (cl->gone || (cl->out == NULL && (cl->quit || cl->eof)))
		client_close(s, i);
	return served;
}

/* A word for a client being closed (best effort: it may not read). */
static void
say_bye(int fd, const char *msg, size_t len)
{
	if (send(fd, msg, len, MSG_NOSIGNAL | MSG_DONTWAIT) < 0)
		(void)0;	/* it is being closed anyway */
}

/* Which of two clients goes first: one that never sent a request, then
 * the one longest without a request. */
static bool
older(const struct ctl_client *a, const struct ctl_client *b)
{
	if (a->asked != b->asked)
		return !a->asked;
	return a->last < b->last;
}

/*
 * Every slot taken: make room by closing the client that has gone longest
 * without a request (since it connected or since its last one), those that
 * never sent one first. Clients that connect and never send, or send half
 * a line and stall, go first: they cannot starve the CLI (a slow-loris);
 * a client that keeps asking keeps its slot, even while a crowd connects.
 * @return the slot freed
 */
static unsigned int
evict_oldest(struct bs_ctl_server *s)
{
	static const char bye[] = "error: closed: all " CTL_STR(BS_CTL_CLIENTS_MAX)
		" CLI client slots are taken and this client had gone longest "
		"without a request\n\0error\n";
	unsigned int i, old = 0;

	for (i = 1; i < BS_CTL_CLIENTS_MAX; i++)
		if (older(s->cl[i], s->cl[old]))
			old = i;
	if (s->cl[old]->out == NULL)
		say_bye(s->cl[old]->fd, bye, sizeof(bye) - 1);
	client_close(s, old);
	return old;
}

static void
accept_clients(struct bs_ctl_server *s)
{
	static const char nomem[] = "error: out of memory for another client\n\0error\n";
	unsigned int i;
	int fd;

	while ((fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) >= 0) {
		for (i = 0; i < BS_CTL_CLIENTS_MAX && s->cl[i] != NULL; i++)
			;
		if (i == BS_CTL_CLIENTS_MAX)
			i = evict_oldest(s);
		s->cl[i] = malloc(sizeof(*s->cl[i]));
		if (s->cl[i] == NULL) {
			say_bye(fd, nomem, sizeof(nomem) - 1);
			close(fd);
			continue;
		}
		memset(s->cl[i], 0, offsetof(struct ctl_client, in));
		s->cl[i]->fd = fd;
		s->cl[i]->last = ++s->tick;
	}
}

int
bs_ctl_poll(struct bs_ctl_server *s, int timeout_ms)
{
	struct pollfd pfd[BS_CTL_CLIENTS_MAX + 1];
	unsigned int idx[BS_CTL_CLIENTS_MAX + 1];
	unsigned int i, n = 0;
	int rc, served = 0;

	pfd[n].fd = s->fd;
	pfd[n++].events = POLLIN;
	for (i = 0; i < BS_CTL_CLIENTS_MAX; i++) {
		if (s->cl[i] == NULL)
			continue;
		idx[n] = i;
		pfd[n].fd = s->cl[i]->fd;
		pfd[n++].events = s->cl[i]->out != NULL ? POLLOUT : POLLIN;
	}
	rc = poll(pfd, n, timeout_ms);
	if (rc < 0)
		return errno == EINTR ? 0 : -1;
	for (i = 1; i < n; i++)
		if (pfd[i].revents != 0)
			served += client_event(s, idx[i], pfd[i].revents);
	if (pfd[0].revents & POLLIN)
		accept_clients(s);
	return served;
}

unsigned int
bs_ctl_clients(const struct bs_ctl_server *s)
{
	unsigned int i, n = 0;

	for (i = 0; i < BS_CTL_CLIENTS_MAX; i++)
		n += s->cl[i] != NULL;
	return n;
}

/* ---- the socket file ---- */

/* mkdir -p of the directory part of @p path. */
static int
make_dirs(const char *path, char *err, size_t errlen)
{
	char dir[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char *p, c;

	snprintf(dir, sizeof(dir), "%s", path);
	p = strrchr(dir, '/');
	if (p == NULL || p == dir)
		return 0;
	*p = '\0';
	for (p = dir + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		c = *p;
		*p = '\0';
		if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
			snprintf(err, errlen, "control socket %s: cannot create %s: %s "
				"(set [control] socket to another path, or empty for no CLI)",
				path, dir, strerror(errno));
			return -1;
		}
		*p = c;
		if (c == '\0')
			return 0;
	}
}

/* Is a server answering on the socket file @p path? 1 yes, 0 no (stale),
 * -1 cannot tell (message in @p err). */
static int
socket_live(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	int rc;

	if (fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	if (connect(fd, (const struct sockaddr *)sa, sizeof(*sa)) == 0 || errno == EAGAIN)
		rc = 1;		/* accepted, or its backlog is full: alive */
	else if (errno == ECONNREFUSED || errno == ENOENT)
		rc = 0;
	else {
		snprintf(err, errlen, "control socket %s: %s", sa->sun_path, strerror(errno));
		rc = -1;
	}
	close(fd);
	return rc;
}

/* Make way for the socket file: refuse a live one, remove a stale one. */
static int
clear_path(const struct sockaddr_un *sa, char *err, size_t errlen)
{
	struct stat st;
	int live;

	if (lstat(sa->sun_path, &st) != 0)
		return 0;
	if (!S_ISSOCK(st.st_mode)) {
		snprintf(err, errlen, "control socket %s: the file exists and is not a socket",
			sa->sun_path);
		return -1;
	}
	live = socket_live(sa, err, errlen);
	if (live < 0)
		return -1;
	if (live) {
		snprintf(err, errlen, "control socket %s: another backstop answers on it "
			"(stop it, or set [control] socket to another path)", sa->sun_path);
		return -1;
	}
	if (unlink(sa->sun_path) != 0 && errno != ENOENT) {
		snprintf(err, errlen, "control socket %s: cannot remove the stale file: %s",
			sa->sun_path, strerror(errno));
		return -1;
	}
	return 0;
}

static int
listen_on(struct bs_ctl_server *s, const struct sockaddr_un *sa, unsigned int mode,
		char *err, size_t errlen)
{
	struct stat st;
	mode_t old;
	int rc;

	s->fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0) {
		snprintf(err, errlen, "socket: %s", strerror(errno));
		return -1;
	}
	/* Nobody may connect before the mode is set: bind owner-only. */
	old = umask(0177);
	rc = bind(s->fd, (const struct sockaddr *)sa, sizeof(*sa));
	umask(old);
	if (rc != 0) {
		snprintf(err, errlen, "control socket %s: %s%s", sa->sun_path,
			errno == EADDRINUSE ? "another backstop took it" : strerror(errno),
			errno == EACCES ? " (set [control] socket to another path, or empty "
			"for no CLI)" : "");
		return -1;
	}
	if (stat(sa->sun_path, &st) == 0) {
		s->dev = st.st_dev;
		s->ino = st.st_ino;
	}
	if (chmod(sa->sun_path, mode) != 0 || listen(s->fd, 16) != 0) {
		snprintf(err, errlen, "control socket %s: %s", sa->sun_path, strerror(errno));
		unlink(sa->sun_path);
		return -1;
	}
	return 0;
}

struct bs_ctl_server *
bs_ctl_open(const char *path, unsigned int mode, bs_ctl_request_fn fn, void *arg,
		char *err, size_t errlen)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct bs_ctl_server *s;

	if (path == NULL || path[0] == '\0' || strlen(path) >= sizeof(sa.sun_path)) {
		snprintf(err, errlen, "control socket '%s': a path of 1 to %zu bytes is needed",
			path != NULL ? path : "", sizeof(sa.sun_path) - 1);
		return NULL;
	}
	strcpy(sa.sun_path, path);
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	s->fd = -1;
	s->fn = fn;
	s->arg = arg;
	strcpy(s->path, path);
	if (make_dirs(path, err, errlen) != 0 || clear_path(&sa, err, errlen) != 0 ||
			listen_on(s, &sa, mode, err, errlen) != 0) {
		if (s->fd >= 0)
			close(s->fd);
		free(s);
		return NULL;
	}
	return s;
}

void
bs_ctl_close(struct bs_ctl_server *s)
{
	struct stat st;
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < BS_CTL_CLIENTS_MAX; i++)
		if (s->cl[i] != NULL)
			client_close(s, i);
	close(s->fd);
	/* Remove the file only if it is still ours (not a successor's). */
	if (stat(s->path, &st) == 0 && st.st_dev == s->dev && st.st_ino == s->ino)
		unlink(s->path);
	bs_emit_free(&s->e);
	free(s);
}
