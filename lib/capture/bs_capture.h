/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_CAPTURE_H
#define BS_CAPTURE_H

/**
 * @file
 * Capture: a pcapng file of what Backstop sends, drops or both, each
 * packet commented with its reset or drop reason.
 *
 * Two sides. The worker side (bs_capture_tap) is a filter, a ring and a
 * mempool that the control thread hands to each worker (a control
 * request, bs_worker_capture_start); while a worker holds a filter it
 * copies each matching frame into the capture pool and enqueues the copy
 * on its own single-producer/single-consumer ring. It never waits: a full
 * ring or an empty pool is counted (lost) and the frame goes on. With no
 * filter the worker pays one branch per RX burst.
 *
 * The control side (struct bs_capture, a session) owns the file, the
 * pool, the rings and the filter: bs_capture_poll() drains the rings into
 * the file from the control thread's loop, bs_capture_close() after the
 * workers let go. The file is written by Backstop's own pcapng writer
 * (pcapng.c; docs/architecture.md says why not rte_pcapng).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <rte_common.h>

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

/** What a captured frame is; its bit in bs_capture_filter.what. */
enum bs_capture_kind {
	BS_CAPTURE_SEND,	/**< a frame sent that is not a TCP RST */
	BS_CAPTURE_RESET,	/**< a TCP RST sent; reason: enum bs_rst_reason */
	BS_CAPTURE_DROP,	/**< a frame received and dropped; reason: enum bs_drop */
	BS_CAPTURE_KIND_MAX
};

#define BS_CAPTURE_SENDS (1u << BS_CAPTURE_SEND | 1u << BS_CAPTURE_RESET)
#define BS_CAPTURE_ALL (BS_CAPTURE_SENDS | 1u << BS_CAPTURE_DROP)

/** A reason that is not a reset or drop reason (a send). */
#define BS_CAPTURE_NO_REASON 0xffff

/**
 * What to capture. Immutable once handed to the workers: the control
 * thread frees it only after every worker has let go of it.
 */
struct bs_capture_filter {
	uint32_t what;			/**< bits 1 << enum bs_capture_kind */
	/* Addresses and ports, as tcpdump's `host` and `port`: one given
	 * matches the frame's source or destination; two given match its
	 * source and destination, either way round. */
	uint8_t n_hosts;
	uint8_t n_ports;
	uint16_t port[2];		/**< host order */
	uint8_t host[2][16];		/**< IPv6, or IPv4-mapped ::ffff:a.b.c.d */
	uint32_t snaplen;		/**< bytes kept of each frame */
	uint64_t count;			/**< stop after this many packets (0: no limit) */
	uint64_t bytes;			/**< stop before the file passes this size (0: no limit) */
};

#define BS_CAPTURE_SNAPLEN_MAX 65535

/** Counters of one worker's tap: written by that worker only. */
struct bs_capture_wstats {
	uint64_t copied;		/**< frames enqueued for the file */
	uint64_t lost;			/**< matched but the ring was full or the pool empty */
} __rte_cache_aligned;

/** A worker's capture state (a member of struct bs_worker). */
struct bs_capture_tap {
	const struct bs_capture_filter *filter;	/**< NULL: capture off */
	struct rte_ring *ring;		/**< SP/SC: this worker to the control thread */
	struct rte_mempool *pool;	/**< the copies (shared by the workers) */
	struct bs_capture_wstats *st;	/**< the session's, for this worker */
};

/**
 * Worker: copy @p m (a frame about to be sent on, or dropped from, port
 * @p port) if the tap's filter wants it, and enqueue the copy with
 * @p kind and @p reason. Never waits, never fails: what cannot be copied
 * or queued is counted as lost. Call only when tap->filter != NULL.
 */
void bs_capture_frame(struct bs_capture_tap *tap, const struct rte_mbuf *m,
		enum bs_capture_kind kind, unsigned int reason, unsigned int port);

/**
 * Parse the filter words, the CLI's
 * `[sends|resets|drops|all] [host ADDR] [port P] [snaplen N] [count N]
 * [bytes N]` (host and port each at most twice: two hosts, two ports
 * make a 4-tuple). Defaults: all, any address and port, snaplen 65535,
 * no limits.
 * @return 0, or -1 with a one-line message in @p err
 */
int bs_capture_filter_parse(struct bs_capture_filter *f, unsigned int argc,
		const char *const *argv, char *err, size_t errlen);

/** The same from one string of words separated by blanks. */
int bs_capture_filter_parse_str(struct bs_capture_filter *f, const char *s,
		char *err, size_t errlen);

/** The filter as words bs_capture_filter_parse() reads back. */
void bs_capture_filter_format(const struct bs_capture_filter *f, char *buf,
		size_t len);

/** Do the addresses and ports of the frame @p data of @p len bytes match
 *  the filter's? */
bool bs_capture_filter_tuple(const struct bs_capture_filter *f,
		const uint8_t *data, uint32_t len);

/** How to open a session. */
struct bs_capture_params {
	const char *file;		/**< the pcapng file: created or truncated;
					 *   with @p dir, a path in it */
	const char *dir;		/**< NULL, or the directory @p file must be
					 *   in (relative to it, or an absolute path
					 *   that starts with it): created there, never
					 *   an existing file, never through a symbolic
					 *   link or `..` (openat2 RESOLVE_BENEATH) */
	struct bs_capture_filter filter;
	unsigned int n_workers;
	unsigned int n_ports;
	const char *const *port_names;	/**< one interface block per port */
	unsigned int ring_size;		/**< per worker, frames */
	unsigned int mbufs;		/**< the capture pool */
	int socket;			/**< NUMA socket of the pool and rings */
};

struct bs_capture;

/**
 * Control thread: create the file (its section and interface blocks), the
 * pool, one ring per worker and the filter. Nothing reaches a worker yet.
 * @return the session, or NULL with a one-line message in @p err
 */
struct bs_capture *bs_capture_open(const struct bs_capture_params *p,
		char *err, size_t errlen);

/** The file the session writes (with a directory: the directory and the
 *  name in it). */
const char *bs_capture_file(const struct bs_capture *c);

/** The tap worker @p i is to hold (its filter, ring, pool, counters). */
void bs_capture_tap_of(const struct bs_capture *c, unsigned int i,
		struct bs_capture_tap *tap);

/**
 * Control thread: write what the rings hold to the file.
 * @return true when a limit (count, bytes) is reached or the file cannot
 *	be written: the caller stops the capture
 */
bool bs_capture_poll(struct bs_capture *c);

/**
 * Control thread, once no worker holds the session's tap (or @p leak:
 * some worker might, so the pool, rings and filter are left allocated):
 * write what is left, close the file, free the session.
 */
void bs_capture_close(struct bs_capture *c, bool leak);

/** A session's state, for `show capture`. */
struct bs_capture_status {
	const char *file;
	char filter[256];		/**< bs_capture_filter_format() */
	uint64_t packets;		/**< written to the file */
	uint64_t bytes;			/**< size of the file */
	uint64_t lost;			/**< capture drops, every worker */
	uint64_t limit_skipped;		/**< copied, but past the count or bytes limit */
	bool limit_reached;
	int write_errno;		/**< the file's first write error, 0: none */
};

void bs_capture_status(const struct bs_capture *c, struct bs_capture_status *st);

/** The comment of a captured frame ("reset: NO_SOCKET"). */
void bs_capture_comment(enum bs_capture_kind kind, unsigned int reason,
		const uint8_t *data, uint32_t len, char *buf, size_t buflen);

#endif /* BS_CAPTURE_H */
