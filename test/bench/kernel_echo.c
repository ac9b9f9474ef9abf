/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * kernel_echo: the Linux side of scripts/bench item 5's short connections.
 * A minimal echo server (RFC 862) on the kernel's TCP stack: one thread,
 * epoll, non-blocking sockets; it sends back what it reads and closes when
 * the peer does. Its user time is part of what the kernel spends per
 * connection, so it does as little as a server can.
 *
 * usage: kernel_echo PORT SECONDS
 */
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define EVENTS 64

static int
listener(unsigned int port)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(port) };
	int one = 1, fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);

	if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) != 0 ||
			bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd, 4096) != 0) {
		perror("kernel_echo: listen");
		exit(1);
	}
	return fd;
}

static void
accept_all(int ep, int lfd)
{
	struct epoll_event ev = { .events = EPOLLIN };
	int fd;

	while ((fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK)) >= 0) {
		ev.data.fd = fd;
		if (epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) != 0)
			close(fd);
	}
}

/* Echo what is readable; close on EOF or error. */
static void
echo(int fd)
{
	char buf[4096];
	ssize_t n = read(fd, buf, sizeof(buf));

	if (n > 0 && write(fd, buf, (size_t)n) == n)
		return;
	if (n < 0 && errno == EAGAIN)
		return;
	close(fd);	/* also leaves the epoll set */
}

int
main(int argc, char **argv)
{
	struct epoll_event evs[EVENTS], ev = { .events = EPOLLIN };
	struct timespec now, end;
	int ep, lfd, i, n;

	if (argc != 3) {
		fprintf(stderr, "usage: kernel_echo PORT SECONDS\n");
		return 2;
	}
	lfd = listener((unsigned int)atoi(argv[1]));
	ep = epoll_create1(0);
	ev.data.fd = lfd;
	if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, lfd, &ev) != 0) {
		perror("kernel_echo: epoll");
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += atoi(argv[2]);
	printf("kernel_echo: listening on port %s\n", argv[1]);
	fflush(stdout);
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec > end.tv_sec ||
				(now.tv_sec == end.tv_sec && now.tv_nsec >= end.tv_nsec))
			break;
		n = epoll_wait(ep, evs, EVENTS, 100);
		for (i = 0; i < n; i++) {
			if (evs[i].data.fd == lfd)
				accept_all(ep, lfd);
			else
				echo(evs[i].data.fd);
		}
	}
	return 0;
}
