/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: the CLI, bytes on its socket to answers. The input
 * is what one client sends (then it shuts its side); lib/ctl reads,
 * splits and checks the lines, app/backstop's dispatcher and handlers run
 * the commands against an app with one worker, whose control requests and
 * snapshots a thread serves as the worker loop would (no ports).
 *
 * Invariants: the answer stream is exactly a sequence of responses, each
 * a body without NUL then NUL "ok\n" or NUL "error\n"; a text error body
 * is "error: ..." and at most a "usage: ..." line; no more responses than
 * request lines (over-long ones included); the client is closed afterwards
 * and the server still answers.
 *
 * capture start writes only new files in [capture] dir, here a directory
 * of the harness's own (cap/): after each input the capture, if one runs,
 * is stopped and every file there removed, and nothing may have appeared
 * in the harness's directory outside cap/ (the socket's directory; the
 * harness runs in cap/, so that a relative name that escaped, ../x, would
 * land there). Inputs
 * naming trace are skipped (trace save writes under EAL's trace dir).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#include <rte_cycles.h>
#include <rte_lcore.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "backstop.h"
#include "bs_tcp_ep.h"
#include "bs_worker.h"
#include "bs_worker_ctl.h"
#include "cli.h"
#include "frames.h"
#include "fuzz.h"
#include "reconf.h"

static struct app app;
static struct bs_config conf;
static const struct bs_stats *wstats[1];
static unsigned int wlcores[1];
static struct bs_addr_table addrs;
static char dir[64], sock_path[128], cap_dir[96];
static const char *const port_names[] = { "fuzz0" };
static volatile bool stop;
static uint64_t n_inputs;

/* Not used by the CLI (SIGHUP's reload is), but reconf.c links to it. */
int
app_config_read(struct bs_config *c, const struct app_opts *o, char *err, size_t errlen)
{
	(void)c;
	(void)o;
	snprintf(err, errlen, "not in the fuzzer");
	return -1;
}

/* The worker loop without ports: snapshots, control requests, timers. */
static void *
worker_thread(void *arg)
{
	struct bs_worker *w = arg;
	const struct timespec nap = { .tv_nsec = 20 * 1000 };

	while (!stop) {
		struct bs_worker_port *wp = &w->ports[0];

		if (__atomic_load_n(&w->snap_pub, __ATOMIC_ACQUIRE) != w->snap)
			bs_worker_snap_take(w);
		bs_tcp_ep_poll(w->ep, rte_rdtsc());
		bs_worker_neigh_poll(w);
		bs_worker_ctl_poll(w);
		rte_pktmbuf_free_bulk(wp->etx, wp->n_etx);
		rte_pktmbuf_free_bulk(wp->tx, wp->n_tx);
		wp->n_etx = wp->n_tx = 0;
		nanosleep(&nap, NULL);
	}
	return NULL;
}

static int
client_connect(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	FUZZ_ASSERT(fd >= 0, "socket");
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	FUZZ_ASSERT(connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0, "connect: %s",
		strerror(errno));
	return fd;
}

/* Send @p in, shut down, serve until the server closes; the answers in
 * @p out (grown). */
static size_t
exchange(const uint8_t *in, size_t n, char **out)
{
	size_t off = 0, len = 0, cap = 1 << 16;
	int fd = client_connect(), rounds = 0;
	bool shut = false;

	*out = malloc(cap);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	for (;;) {
		ssize_t k;

		if (off < n) {
			k = send(fd, in + off, n - off, MSG_NOSIGNAL);
			if (k > 0)
				off += (size_t)k;
		}
		if (off == n && !shut) {
			shutdown(fd, SHUT_WR);
			shut = true;
		}
		bs_ctl_poll(app.ctl, 0);
		for (;;) {
			if (len == cap) {
				cap *= 2;
				*out = realloc(*out, cap);
			}
			k = recv(fd, *out + len, cap - len, 0);
			if (k <= 0)
				break;
			len += (size_t)k;
		}
		if (k == 0)
			break;		/* the server closed it */
		FUZZ_ASSERT(k < 0 && (errno == EAGAIN || errno == EINTR), "recv: %s",
			strerror(errno));
		FUZZ_ASSERT(++rounds < 200000, "the server never closed the client");
	}
	close(fd);
	return len;
}

/* Split the answer stream; @return the responses. */
static unsigned int
check_answers(const char *a, size_t len)
{
	unsigned int n = 0;
	size_t i = 0;

	while (i < len) {
		const char *nul = memchr(a + i, '\0', len - i);
		size_t body = nul != NULL ? (size_t)(nul - (a + i)) : 0;
		bool ok;

		FUZZ_ASSERT(nul != NULL, "answer bytes after the last terminator: %.*s",
			(int)RTE_MIN(len - i, 200u), a + i);
		ok = (size_t)(nul - a) + 4 <= len && memcmp(nul, "\0ok\n", 4) == 0;
		FUZZ_ASSERT(ok || ((size_t)(nul - a) + 7 <= len &&
			memcmp(nul, "\0error\n", 7) == 0), "bad terminator");
		if (!ok && a[i] != '{') {
			const char *nl = memchr(a + i, '\n', body);

			FUZZ_ASSERT(body > 7 && strncmp(a + i, "error: ", 7) == 0,
				"error body: %.*s", (int)RTE_MIN(body, 200u), a + i);
			FUZZ_ASSERT(nl != NULL && (nl + 1 == nul ||
				strncmp(nl + 1, "usage: ", 7) == 0), "error of more than one line: %.*s",
				(int)RTE_MIN(body, 400u), a + i);
			if (nl + 1 != nul)
				FUZZ_ASSERT(memchr(nl + 1, '\n', (size_t)(nul - nl - 1)) == nul - 1,
					"more than error and usage: %.*s", (int)RTE_MIN(body, 400u), a + i);
		}
		i = (size_t)(nul - a) + (ok ? 4 : 7);
		n++;
	}
	return n;
}

static void
check_alive(void)
{
	static const char req[] = "show version\n";
	char *out;
	size_t len = exchange((const uint8_t *)req, sizeof(req) - 1, &out);

	FUZZ_ASSERT(len > 4 && memcmp(out + len - 4, "\0ok\n", 4) == 0,
		"show version no longer answered: %.*s", (int)RTE_MIN(len, 200u), out);
	free(out);
}

/* Count (and remove, in cap/) the entries of a directory. */
static unsigned int
dir_entries(const char *path, bool remove_them)
{
	DIR *d = opendir(path);
	struct dirent *e;
	unsigned int n = 0;

	FUZZ_ASSERT(d != NULL, "opendir %s: %s", path, strerror(errno));
	while ((e = readdir(d)) != NULL) {
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		n++;
		if (remove_them)
			FUZZ_ASSERT(unlinkat(dirfd(d), e->d_name, 0) == 0, "unlink %s/%s: %s",
				path, e->d_name, strerror(errno));
	}
	closedir(d);
	return n;
}

/* Whatever capture the input left running stopped, its files gone; none
 * written anywhere else in the harness's directory (ctl.sock, cap/). */
static void
capture_reset(void)
{
	char err[512];

	if (app.cap.s != NULL)
		(void)app_capture_stop(&app.cap, err, sizeof(err));
	app.cap.has_last = false;
	(void)dir_entries(cap_dir, true);
	FUZZ_ASSERT(dir_entries(dir, false) == 2, "a file written outside [capture] dir");
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t i, lines = 0, run = 0, len;
	unsigned int n;
	char *out;

	if (size > 1 << 16 || memmem(data, size, "trace", 5) != NULL)
		return -1;
	/* A line longer than the limit is answered once per BS_CTL_LINE_MAX
	 * bytes at most (the buffer fills, one error, the rest dropped). */
	for (i = 0; i < size; i++) {
		run++;
		if (data[i] == '\n') {
			lines++;
			run = 0;
		} else if (run == BS_CTL_LINE_MAX) {
			lines++;
			run = 0;
		}
	}
	len = exchange(data, size, &out);
	n = check_answers(out, len);
	FUZZ_ASSERT(n <= lines, "%u responses to %zu lines", n, lines);
	free(out);
	FUZZ_ASSERT(bs_ctl_clients(app.ctl) == 0, "a client left connected");
	capture_reset();
	if (++n_inputs % 512 == 0)
		check_alive();
	return 0;
}

static void
fuzz_cleanup(void)
{
	stop = true;
	cli_close(&app);
	(void)dir_entries(cap_dir, true);
	rmdir(cap_dir);
	rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char *const items[] = { "198.18.0.2/24", "2001:2::2/64" };
	static char text[1024];
	struct bs_tcp_ep_conf c = { 0 };
	struct bs_worker *w;
	pthread_t th;
	char err[256];

	(void)argc;
	(void)argv;
	app.mp = fuzz_eal_pool("cli", 1024);
	snprintf(dir, sizeof(dir), "/tmp/bs-fuzz-cli-%d", (int)getpid());
	snprintf(sock_path, sizeof(sock_path), "%s/ctl.sock", dir);
	snprintf(cap_dir, sizeof(cap_dir), "%s/cap", dir);
	snprintf(text, sizeof(text),
		"[tcp]\nconnections = 64\nrequests = 64\n\n"
		"[control]\nsocket = %s\nprometheus =\ntelemetry = 0\n\n"
		"[capture]\ndir = %s\nring = 16\nmbufs = 64\n\n"
		"[listener echo]\naddress = any\nport = 7\napp = echo\n", sock_path, cap_dir);
	bs_config_defaults(&conf);
	FUZZ_ASSERT(bs_config_parse(&conf, text, "fuzz", err, sizeof(err)) == 0, "config: %s", err);
	t_addrs(&addrs, items, RTE_DIM(items));
	app.conf = &conf;
	app.ip.ttl = 64;
	app.ip.hop_limit = 64;
	app.ip.tsc_hz = rte_get_tsc_hz();
	app.start_tsc = rte_get_tsc_cycles();
	app.n_workers = 1;
	app.workers = w = rte_zmalloc("fuzz_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	FUZZ_ASSERT(w != NULL, "worker");
	w->ip = &app.ip;
	w->pool = app.mp;
	w->n_workers = 1;
	w->n_ports = 1;
	memcpy(w->ports[0].mac.addr_bytes, t_port_mac, 6);
	w->ports[0].addrs = &addrs;
	bs_neigh_init(&w->neigh);
	c.conf = &conf;
	c.ip = &app.ip;
	c.pool = app.mp;
	c.stats = &w->stats;
	c.tx = bs_worker_ep_tx;
	c.resolve = bs_worker_ep_resolve;
	c.hold = bs_worker_ep_hold;
	c.tx_arg = w;
	c.n_workers = 1;
	c.socket = SOCKET_ID_ANY;
	c.tsc_hz = rte_get_tsc_hz();
	c.port_mac = &w->ports[0].mac;
	c.n_ports = 1;
	w->ep = bs_tcp_ep_create(&c, err, sizeof(err));
	FUZZ_ASSERT(w->ep != NULL, "endpoint: %s", err);
	wstats[0] = &w->stats;
	app.wstats = wstats;
	app.wlcores = wlcores;
	FUZZ_ASSERT(bs_worker_ctl_init(w, 1, err, sizeof(err)) == 0, "ctl: %s", err);
	FUZZ_ASSERT(reconf_init(w, 1, &conf, &app.conf, err, sizeof(err)) == 0,
		"reconf: %s", err);
	FUZZ_ASSERT(cli_open(&app, err, sizeof(err)) == 0, "cli: %s", err);
	FUZZ_ASSERT(mkdir(cap_dir, 0700) == 0, "mkdir %s: %s", cap_dir, strerror(errno));
	/* From cap/, a relative name that got out (../x) lands in dir/. */
	FUZZ_ASSERT(chdir(cap_dir) == 0, "chdir %s: %s", cap_dir, strerror(errno));
	app.cap.conf = &conf;
	app.cap.workers = w;
	app.cap.n_workers = 1;
	app.cap.port_names = port_names;
	app.cap.n_ports = 1;
	app.cap.running = true;
	FUZZ_ASSERT(pthread_create(&th, NULL, worker_thread, w) == 0, "worker thread");
	pthread_detach(th);
	atexit(fuzz_cleanup);
	check_alive();
	return 0;
}
