/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus exporter's HTTP server: GET /metrics, from the control
 * thread's loop. Every socket is non-blocking and served without waiting;
 * a client gets BS_PROM_CLIENT_TIMEOUT_MS from accept to its last byte,
 * BS_PROM_REQ_MAX bytes of request head, one response, then the
 * connection closes. When every slot is taken, a newcomer takes the oldest
 * client's. Slow, junk or too many clients cost a slot each and nothing
 * else.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <rte_cycles.h>

#include "bs_config.h"
#include "bs_metrics.h"

struct client {
	int fd;				/* -1: free slot */
	uint64_t deadline;		/* TSC */
	size_t in_len;
	char in[BS_PROM_REQ_MAX];
	struct bs_buf out;		/* the response */
	size_t out_off;			/* bytes of out sent */
	bool replying;
	bool draining;			/* response sent, reading to EOF */
};

struct bs_prom_server {
	int fd;
	unsigned int port;
	struct bs_metrics *m;
	struct client c[BS_PROM_CLIENTS_MAX];
};

struct bs_prom_server *
bs_prom_open(const char *addr, struct bs_metrics *m, char *err, size_t errlen)
{
	struct sockaddr_storage ss;
	struct bs_prom_server *s;
	unsigned int len, i;
	socklen_t sl;
	int one = 1;

	if (bs_hostport_parse(addr, &ss, &len, err, errlen) != 0)
		return NULL;
	s = calloc(1, sizeof(*s));
	if (s == NULL) {
		snprintf(err, errlen, "prometheus: out of memory");
		return NULL;
	}
	s->m = m;
	for (i = 0; i < BS_PROM_CLIENTS_MAX; i++)
		s->c[i].fd = -1;
	s->fd = socket(ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (s->fd < 0 ||
	    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
	    (ss.ss_family == AF_INET6 &&
	     setsockopt(s->fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one)) != 0) ||
	    bind(s->fd, (struct sockaddr *)&ss, len) != 0 || listen(s->fd, 16) != 0) {
		snprintf(err, errlen, "[control] prometheus = %s: %s", addr, strerror(errno));
		bs_prom_close(s);
		return NULL;
	}
	sl = sizeof(ss);
	if (getsockname(s->fd, (struct sockaddr *)&ss, &sl) == 0)
		s->port = ntohs(ss.ss_family == AF_INET ?
			((struct sockaddr_in *)&ss)->sin_port :
			((struct sockaddr_in6 *)&ss)->sin6_port);
	return s;
}

unsigned int
bs_prom_port(const struct bs_prom_server *s)
{
	return s->port;
}

static void
client_close(struct client *c)
{
	close(c->fd);
	c->fd = -1;
	c->in_len = 0;
	c->out_off = 0;
	c->replying = false;
	c->draining = false;
	bs_buf_free(&c->out);
}

static void
respond(struct client *c, int status, const char *reason, const char *type,
		const char *body, size_t body_len)
{
	bs_buf_printf(&c->out, "HTTP/1.1 %d %s\r\nContent-Type: %s\r\n"
		"Content-Length: %zu\r\nConnection: close\r\n\r\n", status, reason, type,
		body_len);
	if (body_len != 0 && !c->out.oom) {
		/* The body may hold anything but NUL; append it raw. */
		bs_buf_printf(&c->out, "%.*s", (int)body_len, body);
	}
	c->replying = true;
}

/* A short plain-text answer (errors). */
static void
respond_text(struct client *c, int status, const char *reason, const char *body)
{
	respond(c, status, reason, "text/plain", body, strlen(body));
}

static void
respond_metrics(struct bs_prom_server *s, struct client *c, bool head)
{
	struct bs_buf body = { 0 };

	bs_metrics_tick(s->m, false, true);
	bs_prom_render(bs_metrics_snap(s->m), &body);
	if (body.oom) {
		respond_text(c, 500, "Internal Server Error", "out of memory\n");
	} else {
		respond(c, 200, "OK", "text/plain; version=0.0.4; charset=utf-8",
			head ? NULL : body.p, head ? 0 : body.len);
		if (head) {
			/* HEAD: the length the body would have. */
			bs_buf_free(&c->out);
			bs_buf_printf(&c->out, "HTTP/1.1 200 OK\r\nContent-Type: text/plain; "
				"version=0.0.4; charset=utf-8\r\nContent-Length: %zu\r\n"
				"Connection: close\r\n\r\n", body.len);
		}
	}
	bs_buf_free(&body);
}

/* A complete request head in c->in: answer it. */
static void
request(struct bs_prom_server *s, struct client *c)
{
	char *sp1, *sp2, *eol;
	size_t path_len;
	bool get, head;

	eol = strstr(c->in, "\r\n");
	sp1 = memchr(c->in, ' ', (size_t)(eol - c->in));
	sp2 = sp1 != NULL ? memchr(sp1 + 1, ' ', (size_t)(eol - sp1 - 1)) : NULL;
	if (sp1 == NULL || sp2 == NULL || strncmp(sp2 + 1, "HTTP/1.", 7) != 0) {
		respond_text(c, 400, "Bad Request", "bad request\n");
		return;
	}
	get = sp1 - c->in == 3 && memcmp(c->in, "GET", 3) == 0;
	head = sp1 - c->in == 4 && memcmp(c->in, "HEAD", 4) == 0;
	if (!get && !head) {
		respond_text(c, 405, "Method Not Allowed", "GET /metrics only\n");
		return;
	}
	path_len = (size_t)(sp2 - sp1 - 1);
	/* /metrics, with or without a query string (Prometheus adds none). */
	if ((path_len == 8 || (path_len > 8 && sp1[9] == '?')) &&
	    memcmp(sp1 + 1, "/metrics", 8) == 0)
		respond_metrics(s, c, head);
	else
		respond_text(c, 404, "Not Found", "not found: try /metrics\n");
}

static void
client_read(struct bs_prom_server *s, struct client *c)
{
	ssize_t n;

	while (!c->replying) {
		if (c->in_len >= sizeof(c->in) - 1) {
			respond_text(c, 431, "Request Header Fields Too Large", "request too large\n");
			return;
		}
		n = read(c->fd, c->in + c->in_len, sizeof(c->in) - 1 - c->in_len);
		if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
			client_close(c);
			return;
		}
		if (n < 0)
			return;
		c->in_len += (size_t)n;
		c->in[c->in_len] = '\0';
		if (memchr(c->in, '\0', c->in_len) != NULL) {
			respond_text(c, 400, "Bad Request", "bad request\n");
			return;
		}
		if (strstr(c->in, "\r\n\r\n") != NULL)
			request(s, c);
	}
}

static void
client_drain(struct client *c)
{
	char junk[4096];
	ssize_t n;

	for (;;) {
		n = read(c->fd, junk, sizeof(junk));
		if (n > 0)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		client_close(c);	/* EOF or error: done */
		return;
	}
}

static void
client_write(struct client *c)
{
	ssize_t n;

	while (c->out_off < c->out.len) {
		n = send(c->fd, c->out.p + c->out_off, c->out.len - c->out_off, MSG_NOSIGNAL);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			client_close(c);	/* the peer left */
			return;
		}
		c->out_off += (size_t)n;
	}
	/* Sent: half-close, then drain what the client still sends until it
	 * closes (or its deadline), so that unread input (an oversized head)
	 * does not turn our close into an RST that destroys the response. */
	if (!c->draining) {
		shutdown(c->fd, SHUT_WR);
		c->draining = true;
	}
	client_drain(c);
}

/* A free slot; when all are taken, the oldest client's (it had the most
 * time): idle connections cannot lock a scraper out. */
static unsigned int
free_slot(struct bs_prom_server *s)
{
	unsigned int i, oldest = 0;

	for (i = 0; i < BS_PROM_CLIENTS_MAX; i++) {
		if (s->c[i].fd < 0)
			return i;
		if (s->c[i].deadline < s->c[oldest].deadline)
			oldest = i;
	}
	client_close(&s->c[oldest]);
	return oldest;
}

static void
accept_all(struct bs_prom_server *s, uint64_t now)
{
	unsigned int i, n;
	int fd;

	/* Bounded: a flood of connections cannot hold the control thread. */
	for (n = 0; n < 4 * BS_PROM_CLIENTS_MAX; n++) {
		fd = accept4(s->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0)
			return;
		i = free_slot(s);
		s->c[i].fd = fd;
		s->c[i].deadline = now + rte_get_tsc_hz() / 1000 * BS_PROM_CLIENT_TIMEOUT_MS;
	}
}

void
bs_prom_poll(struct bs_prom_server *s)
{
	uint64_t now = rte_get_tsc_cycles();
	unsigned int i;

	accept_all(s, now);
	for (i = 0; i < BS_PROM_CLIENTS_MAX; i++) {
		struct client *c = &s->c[i];

		if (c->fd < 0)
			continue;
		if (now >= c->deadline) {
			client_close(c);
			continue;
		}
		if (!c->replying)
			client_read(s, c);
		if (c->fd >= 0 && c->replying)
			client_write(c);
	}
}

void
bs_prom_close(struct bs_prom_server *s)
{
	unsigned int i;

	if (s == NULL)
		return;
	for (i = 0; i < BS_PROM_CLIENTS_MAX; i++)
		if (s->c[i].fd >= 0)
			client_close(&s->c[i]);
	if (s->fd >= 0)
		close(s->fd);
	free(s);
}
