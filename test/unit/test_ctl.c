/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The CLI's emitter and socket server (lib/ctl), without EAL: exact text
 * and JSON renderings, JSON escaping, request splitting, and a real Unix
 * socket served by bs_ctl_poll() against clients that pipeline, send
 * over-long lines or junk, vanish mid-request, or are too many; a live
 * socket refused, a stale one replaced.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <poll.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_common.h>

#include "bs_ctl.h"
#include "bs_emit.h"
#include "bs_test.h"

static void
test_emit_text(void)
{
	struct bs_emit e = { 0 };

	bs_emit_reset(&e, false);
	bs_emit_str(&e, "version", "0.1");
	bs_emit_list_open(&e, "ports");
	bs_emit_obj_open(&e, NULL);
	bs_emit_str(&e, "name", "p0");
	bs_emit_u64(&e, "rx", 12);
	bs_emit_list_open(&e, "addrs");
	bs_emit_str(&e, NULL, "198.18.0.2/24");
	bs_emit_list_close(&e);
	bs_emit_obj_close(&e);
	bs_emit_list_close(&e);
	bs_emit_obj_open(&e, "empty");
	bs_emit_obj_close(&e);
	bs_emit_list_open(&e, "none");
	bs_emit_list_close(&e);
	bs_emit_i64(&e, "neg", -3);
	bs_emit_bool(&e, "on", true);
	bs_emit_str(&e, "ctl", "a\nb");
	bs_emit_end(&e);
	CHECK(strcmp(e.buf, "version: 0.1\nports:\n  - name: p0\n    rx: 12\n"
		"    addrs:\n      - 198.18.0.2/24\nempty: none\nnone: none\nneg: -3\n"
		"on: yes\nctl: a?b\n") == 0, "text:\n%s", e.buf);
	CHECK(!e.overflow, "no overflow");
	bs_emit_free(&e);
}

static void
test_emit_json(void)
{
	struct bs_emit e = { 0 };

	bs_emit_reset(&e, true);
	bs_emit_str(&e, "s", "q\"b\\c\n\x01\xc3\xa9");
	bs_emit_list_open(&e, "l");
	bs_emit_u64(&e, NULL, 1);
	bs_emit_obj_open(&e, NULL);
	bs_emit_f64(&e, "x", 0.5);
	bs_emit_f64(&e, "n", NAN);
	bs_emit_obj_close(&e);
	bs_emit_list_close(&e);
	bs_emit_list_open(&e, "empty");
	bs_emit_list_close(&e);
	bs_emit_bool(&e, "b", false);
	bs_emit_i64(&e, "i", -7);
	bs_emit_end(&e);
	CHECK(strcmp(e.buf, "{\"s\":\"q\\\"b\\\\c\\u000a\\u0001\\u00c3\\u00a9\","
		"\"l\":[1,{\"x\":0.5,\"n\":null}],\"empty\":[],\"b\":false,\"i\":-7}\n") == 0,
		"json: %s", e.buf);
	/* The same emitter again: reset starts afresh. */
	bs_emit_reset(&e, true);
	bs_emit_end(&e);
	CHECK(strcmp(e.buf, "{}\n") == 0, "empty answer: %s", e.buf);
	/* A handler's mismatched close is caught, not rendered. */
	bs_emit_reset(&e, true);
	bs_emit_list_close(&e);
	CHECK(e.overflow, "mismatched close flagged");
	bs_emit_free(&e);
}

static void
test_split(void)
{
	char line[] = "  show\tconnections  state  ESTABLISHED ";
	char many[] = "a b c d";
	char *argv[4];

	CHECK_EQ(bs_ctl_split(line, argv, 4), 4, "words");
	CHECK(strcmp(argv[0], "show") == 0 && strcmp(argv[1], "connections") == 0 &&
		strcmp(argv[3], "ESTABLISHED") == 0, "split words");
	CHECK_EQ(bs_ctl_split(many, argv, 3), -1, "too many words");
	CHECK(bs_ctl_line_check("show stats\tx", 12) == NULL, "clean");
	CHECK(bs_ctl_line_check("sh\0w", 4) != NULL, "NUL");
	CHECK(bs_ctl_line_check("sh\x1bw", 4) != NULL, "ESC");
	CHECK(bs_ctl_line_check("sh\xffw", 4) != NULL, "non-ASCII");
}

/* ---- the server ---- */

/* Request function: "echo W..." lists W, "fail" fails, "quit" quits,
 * "big N" emits N numbers. */
static int
handler(void *arg, struct bs_cli_call *c)
{
	int i;

	(*(int *)arg)++;
	if (strcmp(c->argv[0], "fail") == 0) {
		c->usage = "fail NOTHING";
		bs_emit_str(c->e, "lost", "dropped");
		return bs_cli_fail(c, "failed as asked");
	}
	if (strcmp(c->argv[0], "quit") == 0)
		c->quit = true;
	if (strcmp(c->argv[0], "big") == 0) {
		bs_emit_list_open(c->e, "n");
		for (i = 0; i < atoi(c->argv[1]); i++)
			bs_emit_u64(c->e, NULL, (uint64_t)i);
		bs_emit_list_close(c->e);
		return 0;
	}
	bs_emit_list_open(c->e, "words");
	for (i = 0; i < c->argc; i++)
		bs_emit_str(c->e, NULL, c->argv[i]);
	bs_emit_list_close(c->e);
	return 0;
}

static int
client(const char *path)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	memcpy(sa.sun_path, path, RTE_MIN(strlen(path), sizeof(sa.sun_path) - 1));
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	fcntl(fd, F_SETFL, O_NONBLOCK);
	return fd;
}

static void
send_all(int fd, const void *p, size_t n)
{
	CHECK_EQ(send(fd, p, n, MSG_NOSIGNAL), n, "send");
}

/*
 * Serve until @p fd has @p n complete responses (or EOF, or 2 s), and put
 * them in @p buf. @return bytes read; -1 at EOF before them
 */
static ssize_t
recv_responses(struct bs_ctl_server *s, int fd, int n, char *buf, size_t len)
{
	size_t got = 0;
	int k, seen;

	for (k = 0; k < 400; k++) {
		ssize_t r;
		size_t i;

		bs_ctl_poll(s, 5);
		r = recv(fd, buf + got, len - 1 - got, 0);
		if (r == 0)
			return -1;
		if (r > 0)
			got += (size_t)r;
		buf[got] = '\0';
		for (i = 0, seen = 0; i + 1 < got; i++)
			seen += buf[i] == '\0' && (buf[i + 1] == 'o' || buf[i + 1] == 'e') &&
				memchr(buf + i, '\n', got - i) != NULL;
		if (seen >= n)
			return (ssize_t)got;
	}
	return (ssize_t)got;
}

static void
test_server_requests(struct bs_ctl_server *s, const char *path)
{
	static const char ok[] = "words:\n  - echo\n  - a\n  - b\n\0ok\n";
	char buf[8192];
	ssize_t n;
	int fd = client(path);

	CHECK(fd >= 0, "connect");
	send_all(fd, "echo a b\n", 9);
	n = recv_responses(s, fd, 1, buf, sizeof(buf));
	CHECK_BYTES(buf, (size_t)n, ok, sizeof(ok) - 1, "text answer");

	/* Pipelined, CRLF, JSON, an empty line: answers in order. */
	send_all(fd, "--json echo x\r\n\nfail now\n", 25);
	n = recv_responses(s, fd, 3, buf, sizeof(buf));
	{
		static const char want[] = "{\"words\":[\"echo\",\"x\"]}\n\0ok\n\0ok\n"
			"error: failed as asked\nusage: fail NOTHING\n\0error\n";

		CHECK_BYTES(buf, (size_t)n, want, sizeof(want) - 1, "pipelined answers");
	}
	send_all(fd, "--json fail\n", 12);
	n = recv_responses(s, fd, 1, buf, sizeof(buf));
	{
		static const char want[] = "{\"error\":\"failed as asked\","
			"\"usage\":\"fail NOTHING\"}\n\0error\n";

		CHECK_BYTES(buf, (size_t)n, want, sizeof(want) - 1, "JSON error");
	}
	/* Junk, then a good request: the session survives. */
	send_all(fd, "\x01\xfe\xff junk\necho a b\n", 18);
	n = recv_responses(s, fd, 2, buf, sizeof(buf));
	CHECK(n > 0 && strncmp(buf, "error: request holds a control or non-ASCII byte\n\0error\n",
		56) == 0, "junk answered: %s", buf);
	CHECK(n > 56 && memcmp(buf + 56, ok, sizeof(ok) - 1) == 0, "then served");
	/* An over-long line: one error, the rest of it dropped, then served. */
	{
		char longl[3 * BS_CTL_LINE_MAX];

		memset(longl, 'x', sizeof(longl));
		longl[sizeof(longl) - 1] = '\n';
		send_all(fd, longl, BS_CTL_LINE_MAX);
		n = recv_responses(s, fd, 1, buf, sizeof(buf));
		CHECK(n > 0 && strstr(buf, "error: request longer than 4095 bytes\n") == buf,
			"long line: %s", buf);
		send_all(fd, longl + BS_CTL_LINE_MAX, sizeof(longl) - BS_CTL_LINE_MAX);
		send_all(fd, "echo a b\n", 9);
		n = recv_responses(s, fd, 1, buf, sizeof(buf));
		CHECK_BYTES(buf, (size_t)n, ok, sizeof(ok) - 1, "served after a long line");
	}
	/* A large answer goes out in pieces through POLLOUT. */
	send_all(fd, "big 200000\n", 11);
	{
		char *big = malloc(4 << 20);
		size_t got = 0;
		int k;

		for (k = 0; k < 2000 && (got < 2 || memcmp(big + got - 4, "\0ok\n", 4) != 0);
				k++) {
			ssize_t r;

			bs_ctl_poll(s, 2);
			r = recv(fd, big + got, (4 << 20) - got, 0);
			if (r > 0)
				got += (size_t)r;
		}
		CHECK(got > 1000000 && memcmp(big + got - 4, "\0ok\n", 4) == 0,
			"big answer complete: %zu bytes", got);
		free(big);
	}
	/* quit: answered, then closed. */
	send_all(fd, "quit\n", 5);
	n = recv_responses(s, fd, 1, buf, sizeof(buf));
	CHECK(n > 0, "quit answered");
	n = recv_responses(s, fd, 9, buf, sizeof(buf));
	CHECK_EQ(n, -1, "closed after quit");
	close(fd);
	bs_ctl_poll(s, 5);
	CHECK_EQ(bs_ctl_clients(s), 0, "no client left");
}

static void
test_server_clients(struct bs_ctl_server *s, const char *path, int *calls)
{
	int fds[BS_CTL_CLIENTS_MAX + 1], i, before;
	char buf[512];
	ssize_t n;

	/* Vanishing mid-request, and half-closed with a request pending. */
	fds[0] = client(path);
	send_all(fds[0], "echo half", 9);
	bs_ctl_poll(s, 5);
	close(fds[0]);
	before = *calls;
	bs_ctl_poll(s, 5);
	bs_ctl_poll(s, 5);
	CHECK_EQ(*calls, before, "a partial request is not served");
	CHECK_EQ(bs_ctl_clients(s), 0, "the vanished client is closed");
	fds[0] = client(path);
	send_all(fds[0], "echo q\n", 7);
	shutdown(fds[0], SHUT_WR);
	n = recv_responses(s, fds[0], 1, buf, sizeof(buf));
	CHECK(n > 0 && strstr(buf, "- q\n") != NULL, "answered after shutdown");
	close(fds[0]);

	/* As many clients as allowed, each its own answer; one more takes
	 * the slot of the one longest without a request (c31, answered
	 * first), which is told why and closed. */
	for (i = 0; i < BS_CTL_CLIENTS_MAX; i++) {
		fds[i] = client(path);
		bs_ctl_poll(s, 1);
	}
	for (i = BS_CTL_CLIENTS_MAX - 1; i >= 0; i--) {
		char req[32], want[32];

		snprintf(req, sizeof(req), "echo c%d\n", i);
		snprintf(want, sizeof(want), "  - c%d\n", i);
		send_all(fds[i], req, strlen(req));
		n = recv_responses(s, fds[i], 1, buf, sizeof(buf));
		CHECK(n > 0 && strstr(buf, want) != NULL, "client %d: %s", i, buf);
	}
	CHECK_EQ(bs_ctl_clients(s), BS_CTL_CLIENTS_MAX, "all connected");
	fds[BS_CTL_CLIENTS_MAX] = client(path);
	send_all(fds[BS_CTL_CLIENTS_MAX], "echo new\n", 9);
	n = recv_responses(s, fds[BS_CTL_CLIENTS_MAX], 1, buf, sizeof(buf));
	CHECK(n > 0 && strstr(buf, "  - new\n") != NULL, "one more is served: %s", buf);
	CHECK_EQ(bs_ctl_clients(s), BS_CTL_CLIENTS_MAX, "still full");
	n = recv(fds[BS_CTL_CLIENTS_MAX - 1], buf, sizeof(buf) - 1, MSG_DONTWAIT);
	buf[n > 0 ? n : 0] = '\0';
	CHECK(n > 0 && strcmp(buf, "error: closed: all 32 CLI client slots are taken and this "
		"client had gone longest without a request\n") == 0 &&
		memcmp(buf + strlen(buf), "\0error\n", 7) == 0, "the oldest is told: %s", buf);
	CHECK_EQ(recv(fds[BS_CTL_CLIENTS_MAX - 1], buf, sizeof(buf), MSG_DONTWAIT), 0,
		"and closed");
	n = recv(fds[0], buf, sizeof(buf), MSG_DONTWAIT);
	CHECK(n < 0 && errno == EAGAIN, "a younger one is kept");
	for (i = 0; i <= BS_CTL_CLIENTS_MAX; i++)
		close(fds[i]);
	for (i = 0; i < 4; i++)
		bs_ctl_poll(s, 2);
	CHECK_EQ(bs_ctl_clients(s), 0, "all gone");
}

static void
test_server_socket_file(const char *dir)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	char path[96], err[512] = "";
	struct bs_ctl_server *s, *s2;
	struct stat st;
	int calls = 0, fd;

	snprintf(path, sizeof(path), "%s/a/b/bs.sock", dir);
	s = bs_ctl_open(path, 0640, handler, &calls, err, sizeof(err));
	CHECK(s != NULL, "open in a new directory: %s", err);
	if (s == NULL)
		return;
	CHECK(stat(path, &st) == 0 && S_ISSOCK(st.st_mode) && (st.st_mode & 0777) == 0640,
		"socket mode %o", st.st_mode & 0777);
	test_server_requests(s, path);
	test_server_clients(s, path, &calls);

	/* A second server on a live socket is refused, the first unharmed. */
	s2 = bs_ctl_open(path, 0660, handler, &calls, err, sizeof(err));
	CHECK(s2 == NULL && strstr(err, "another backstop answers on it") != NULL,
		"live socket refused: %s", err);
	bs_ctl_close(s2 != NULL ? s2 : NULL);
	fd = client(path);
	CHECK(fd >= 0, "the first still listens");
	close(fd);
	bs_ctl_close(s);
	CHECK(stat(path, &st) != 0 && errno == ENOENT, "file removed on close");

	/* A stale socket file (its server died without removing it). */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	memcpy(sa.sun_path, path, RTE_MIN(strlen(path), sizeof(sa.sun_path) - 1));
	CHECK_EQ(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0, "stale bind");
	close(fd);
	s = bs_ctl_open(path, 0660, handler, &calls, err, sizeof(err));
	CHECK(s != NULL, "stale socket replaced: %s", err);
	bs_ctl_close(s);

	/* Not a socket: left alone. */
	fd = open(path, O_CREAT | O_WRONLY, 0600);
	close(fd);
	s = bs_ctl_open(path, 0660, handler, &calls, err, sizeof(err));
	CHECK(s == NULL && strstr(err, "not a socket") != NULL, "regular file: %s", err);
	bs_ctl_close(s);
	unlink(path);
	s = bs_ctl_open("", 0660, handler, &calls, err, sizeof(err));
	CHECK(s == NULL, "empty path refused");
}

int
main(void)
{
	char dir[] = "/tmp/bs-test-ctl.XXXXXX";
	char cmd[128];

	test_emit_text();
	test_emit_json();
	test_split();
	if (mkdtemp(dir) == NULL) {
		printf("FAIL mkdtemp\n");
		return 1;
	}
	test_server_socket_file(dir);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		printf("note: %s failed\n", cmd);
	return bs_test_done();
}
