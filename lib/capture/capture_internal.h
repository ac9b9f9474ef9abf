/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef CAPTURE_INTERNAL_H
#define CAPTURE_INTERNAL_H

/* Shared by the capture module's files. */

#include <stdint.h>
#include <stdio.h>

#include <rte_mbuf.h>

#include "bs_capture.h"

/* A ring element: a copy and what the worker says about it (32 bytes,
 * as the worker's other rings: DPDK's element copy for 8-byte elements
 * trips GCC's -Wstringop-overflow). */
struct capture_msg {
	struct rte_mbuf *m;		/* the copy, from the capture pool */
	uint64_t tsc;			/* rte_rdtsc() when copied */
	uint32_t orig_len;		/* the frame's length */
	uint16_t reason;		/* enum bs_rst_reason, bs_drop, or BS_CAPTURE_NO_REASON */
	uint8_t kind;			/* enum bs_capture_kind */
	uint8_t port;			/* the port sent on or received from */
	uint64_t pad;
};

_Static_assert(sizeof(struct capture_msg) == 32, "ring elements of 8 32-bit words");

/* The bytes of a frame that the filter and bs_capture_comment() read
 * (Ethernet with a VLAN tag, IPv4 with options, TCP to its flags): a copy
 * keeps at least these, whatever the snaplen, which the file's EPB
 * applies; the filter reads them flat from a chain. */
#define CAPTURE_HDR_BYTES (18 + 60 + 14)

/*
 * pcapng blocks (pcapng.c; draft-ietf-opsawg-pcapng), written in host byte
 * order. Each returns the bytes written, or -1 (errno set).
 */
long pcapng_write_shb(FILE *fp, const char *appl);
long pcapng_write_idb(FILE *fp, const char *name, uint32_t snaplen);

/* epb_flags direction (bits 0-1) */
#define PCAPNG_INBOUND 1u
#define PCAPNG_OUTBOUND 2u

long pcapng_write_epb(FILE *fp, uint32_t iface, uint64_t ts_ns,
		const uint8_t *data, uint32_t caplen, uint32_t orig_len,
		uint32_t flags, const char *comment);

/* The size of the EPB pcapng_write_epb() would write. */
uint32_t pcapng_epb_size(uint32_t caplen, const char *comment);

#endif /* CAPTURE_INTERNAL_H */
