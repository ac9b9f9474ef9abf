/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Capture, the control thread's side: a session owns the file, the
 * capture pool, one ring per worker and the filter, and drains the rings
 * into the file.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/syscall.h>
#include <linux/openat2.h>

#include <rte_cycles.h>
#include <rte_errno.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ring_elem.h>

#include "capture_internal.h"

#define DRAIN_BURST 64
#define FRAME_MAX (BS_CAPTURE_SNAPLEN_MAX + 1)

struct bs_capture {
	char *file;
	FILE *fp;
	struct bs_capture_filter *filter;
	struct rte_mempool *pool;
	unsigned int n_workers;
	struct rte_ring **rings;
	struct bs_capture_wstats *wst;	/* one per worker, written by it */
	uint64_t packets;
	uint64_t bytes;
	uint64_t skipped;
	bool limit;
	int werr;
	uint64_t tsc0, ns0, hz;		/* rte_rdtsc() to UTC nanoseconds */
	uint8_t *frame;			/* FRAME_MAX bytes: a chained copy, flat */
};

static unsigned int session_seq;	/* rte object names: bs_cap<seq>... */

static void
session_free(struct bs_capture *c)
{
	unsigned int i;

	if (c->rings != NULL)
		for (i = 0; i < c->n_workers; i++)
			rte_ring_free(c->rings[i]);
	free(c->rings);
	rte_mempool_free(c->pool);
	rte_free(c->wst);
	free(c->filter);
	free(c->frame);
	free(c->file);
	free(c);
}

static int
write_fail(struct bs_capture *c, const char *what, char *err, size_t errlen)
{
	snprintf(err, errlen, "capture: %s: %s: %s", c->file, what, strerror(errno));
	return -1;
}

/*
 * The file a session writes. Without a directory, the path as given
 * (the configuration's [capture] file: the operator's own). With one (a
 * capture started from the CLI, whose users need not be trusted with
 * every file root can write), a new file in it: the name is resolved
 * beneath the directory by the kernel, refusing `..`, absolute symbolic
 * links and any symbolic link on the way, and an existing file is never
 * opened. c->file is then the directory and the relative name.
 */
static int
create_file(struct bs_capture *c, const struct bs_capture_params *p,
		char *err, size_t errlen)
{
	struct open_how how = {
		.flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
		.mode = 0640,
		.resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS | RESOLVE_NO_MAGICLINKS,
	};
	size_t dlen;
	const char *rel = p->file;
	char *full;
	int dfd, fd;

	if (p->dir == NULL) {
		fd = open(p->file, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
		if (fd < 0)
			write_fail(c, "cannot create", err, errlen);
		return fd;
	}
	dlen = strlen(p->dir);
	while (dlen > 1 && p->dir[dlen - 1] == '/')
		dlen--;
	if (rel[0] == '/') {
		if (strncmp(rel, p->dir, dlen) != 0 || (rel[dlen] != '/' && dlen > 1)) {
			snprintf(err, errlen, "capture: %s is not in [capture] dir %.*s: give a "
				"name, or a path in that directory", p->file, (int)dlen, p->dir);
			return -1;
		}
		rel += dlen;
		while (*rel == '/')
			rel++;
	}
	if (rel[0] == '\0') {
		snprintf(err, errlen, "capture: %s names no file", p->file);
		return -1;
	}
	if (asprintf(&full, "%.*s/%s", (int)dlen, p->dir, rel) < 0) {
		snprintf(err, errlen, "capture: out of memory");
		return -1;
	}
	free(c->file);
	c->file = full;
	dfd = open(p->dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0) {
		snprintf(err, errlen, "capture: [capture] dir %s: %s", p->dir, strerror(errno));
		return -1;
	}
	fd = (int)syscall(SYS_openat2, dfd, rel, &how, sizeof(how));
	if (fd < 0 && errno == EEXIST)
		snprintf(err, errlen, "capture: %s exists: remove it or choose another name "
			"(a capture never overwrites a file)", c->file);
	else if (fd < 0 && (errno == EXDEV || errno == ELOOP))
		snprintf(err, errlen, "capture: %s is not in [capture] dir %s (`..` and "
			"symbolic links are refused)", p->file, p->dir);
	else if (fd < 0)
		write_fail(c, "cannot create", err, errlen);
	close(dfd);
	return fd;
}

const char *
bs_capture_file(const struct bs_capture *c)
{
	return c->file;
}

struct bs_capture *
bs_capture_open(const struct bs_capture_params *p, char *err, size_t errlen)
{
	struct bs_capture *c = calloc(1, sizeof(*c));
	unsigned int seq = session_seq++;
	char name[RTE_MEMPOOL_NAMESIZE];
	struct timespec now;
	unsigned int i;
	int fd;

	if (c == NULL) {
		snprintf(err, errlen, "capture: out of memory");
		return NULL;
	}
	c->n_workers = p->n_workers;
	c->file = strdup(p->file);
	c->filter = malloc(sizeof(*c->filter));
	c->frame = malloc(FRAME_MAX);
	c->rings = calloc(p->n_workers, sizeof(*c->rings));
	c->wst = rte_zmalloc_socket("bs_capture_wstats",
		sizeof(*c->wst) * RTE_MAX(p->n_workers, 1u), RTE_CACHE_LINE_SIZE, p->socket);
	if (c->file == NULL || c->filter == NULL || c->frame == NULL ||
			c->rings == NULL || c->wst == NULL) {
		snprintf(err, errlen, "capture: out of memory");
		goto fail;
	}
	*c->filter = p->filter;
	if (p->ring_size == 0 || p->mbufs == 0) {
		snprintf(err, errlen, "capture: ring and mbufs must be positive");
		goto fail;
	}
	snprintf(name, sizeof(name), "bs_cap%u", seq);
	c->pool = rte_pktmbuf_pool_create(name, p->mbufs, 0, 0,
		RTE_MBUF_DEFAULT_BUF_SIZE, p->socket);
	if (c->pool == NULL) {
		snprintf(err, errlen, "capture: pool of %u mbufs: %s", p->mbufs,
			rte_strerror(rte_errno));
		goto fail;
	}
	for (i = 0; i < p->n_workers; i++) {
		snprintf(name, sizeof(name), "bs_cap%u_%u", seq, i);
		c->rings[i] = rte_ring_create_elem(name, sizeof(struct capture_msg),
			p->ring_size, p->socket,
			RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ);
		if (c->rings[i] == NULL) {
			snprintf(err, errlen, "capture: ring of %u frames: %s", p->ring_size,
				rte_strerror(rte_errno));
			goto fail;
		}
	}
	fd = create_file(c, p, err, errlen);
	c->fp = fd >= 0 ? fdopen(fd, "wb") : NULL;
	if (c->fp == NULL) {
		if (fd >= 0) {
			write_fail(c, "cannot create", err, errlen);
			close(fd);
		}
		goto fail;
	}
	setvbuf(c->fp, NULL, _IOFBF, 1 << 20);
	if (pcapng_write_shb(c->fp, "Backstop") < 0) {
		write_fail(c, "write", err, errlen);
		goto fail_file;
	}
	c->bytes = 0;
	for (i = 0; i < p->n_ports; i++) {
		long n = pcapng_write_idb(c->fp, p->port_names[i], c->filter->snaplen);

		if (n < 0) {
			write_fail(c, "write", err, errlen);
			goto fail_file;
		}
		c->bytes += (uint64_t)n;
	}
	if (fflush(c->fp) != 0) {
		write_fail(c, "write", err, errlen);
		goto fail_file;
	}
	c->bytes = (uint64_t)ftell(c->fp);
	c->hz = rte_get_tsc_hz();
	c->tsc0 = rte_rdtsc();
	clock_gettime(CLOCK_REALTIME, &now);
	c->ns0 = (uint64_t)now.tv_sec * 1000000000u + (uint64_t)now.tv_nsec;
	return c;
fail_file:
	fclose(c->fp);
	remove(p->file);
fail:
	session_free(c);
	return NULL;
}

void
bs_capture_tap_of(const struct bs_capture *c, unsigned int i, struct bs_capture_tap *tap)
{
	tap->filter = c->filter;
	tap->ring = c->rings[i];
	tap->pool = c->pool;
	tap->st = &c->wst[i];
}

static uint64_t
tsc_ns(const struct bs_capture *c, uint64_t tsc)
{
	uint64_t d = tsc - c->tsc0;	/* copies made after open() */

	if ((int64_t)d < 0)
		d = 0;
	return c->ns0 + d / c->hz * 1000000000u + d % c->hz * 1000000000u / c->hz;
}

/* One copy into the file, unless a limit says no. */
static void
write_one(struct bs_capture *c, const struct capture_msg *meta)
{
	struct rte_mbuf *m = meta->m;
	const uint8_t *data;
	char comment[128];
	/* The copy holds the headers the comment reads even past the
	 * snaplen, which cuts what the file gets. */
	uint32_t caplen = RTE_MIN(m->pkt_len, c->filter->snaplen), size;
	long n;

	if (c->limit || c->werr != 0) {
		c->skipped++;
		return;
	}
	data = rte_pktmbuf_read(m, 0, m->pkt_len, c->frame);
	if (data == NULL)
		return;
	bs_capture_comment(meta->kind, meta->reason, data, m->pkt_len, comment,
		sizeof(comment));
	size = pcapng_epb_size(caplen, comment);
	if (c->filter->bytes != 0 && c->bytes + size > c->filter->bytes) {
		c->limit = true;
		c->skipped++;
		return;
	}
	n = pcapng_write_epb(c->fp, meta->port, tsc_ns(c, meta->tsc), data, caplen,
		meta->orig_len, meta->kind == BS_CAPTURE_DROP ? PCAPNG_INBOUND : PCAPNG_OUTBOUND,
		comment);
	if (n < 0) {
		c->werr = errno != 0 ? errno : EIO;
		return;
	}
	c->bytes += (uint64_t)n;
	c->packets++;
	if (c->filter->count != 0 && c->packets >= c->filter->count)
		c->limit = true;
}

bool
bs_capture_poll(struct bs_capture *c)
{
	struct capture_msg m[DRAIN_BURST];
	unsigned int i, k, n;
	bool any = false;

	for (i = 0; i < c->n_workers; i++) {
		/* At most a ring's worth: a worker filling it as fast as it is
		 * drained does not hold the control thread. */
		unsigned int left = rte_ring_get_size(c->rings[i]);

		while (left > 0) {
			n = rte_ring_sc_dequeue_burst_elem(c->rings[i], m, sizeof(m[0]),
				RTE_MIN(left, (unsigned int)DRAIN_BURST), NULL);
			if (n == 0)
				break;
			left -= n;
			for (k = 0; k < n; k++) {
				write_one(c, &m[k]);
				rte_pktmbuf_free(m[k].m);
			}
			any = true;
		}
	}
	if (any && c->werr == 0 && fflush(c->fp) != 0)
		c->werr = errno != 0 ? errno : EIO;
	return c->limit || c->werr != 0;
}

void
bs_capture_close(struct bs_capture *c, bool leak)
{
	bs_capture_poll(c);
	if (c->fp != NULL)
		fclose(c->fp);
	c->fp = NULL;
	if (leak) {
		/* A worker may still hold the filter, a ring and the pool. */
		free(c->frame);
		free(c->file);
		free(c);
		return;
	}
	session_free(c);
}

void
bs_capture_status(const struct bs_capture *c, struct bs_capture_status *st)
{
	unsigned int i;

	memset(st, 0, sizeof(*st));
	st->file = c->file;
	bs_capture_filter_format(c->filter, st->filter, sizeof(st->filter));
	st->packets = c->packets;
	st->bytes = c->bytes;
	st->limit_skipped = c->skipped;
	st->limit_reached = c->limit;
	st->write_errno = c->werr;
	for (i = 0; i < c->n_workers; i++)
		st->lost += __atomic_load_n(&c->wst[i].lost, __ATOMIC_RELAXED);
}
