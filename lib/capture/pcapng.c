/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * A minimal pcapng writer: one Section Header Block, one Interface
 * Description Block per port, and Enhanced Packet Blocks carrying a
 * comment (opt_comment) and a direction (epb_flags). Blocks are 32-bit
 * aligned; every length is the block's total, repeated at its end.
 */
#include <errno.h>
#include <string.h>

#include "capture_internal.h"

#define BT_SHB 0x0A0D0D0Au
#define BT_IDB 0x00000001u
#define BT_EPB 0x00000006u
#define BOM 0x1A2B3C4Du

#define OPT_END 0
#define OPT_COMMENT 1
#define OPT_SHB_USERAPPL 4
#define OPT_IF_NAME 2
#define OPT_IF_TSRESOL 9
#define OPT_EPB_FLAGS 2

#define LINKTYPE_ETHERNET 1

static uint32_t
pad4(uint32_t n)
{
	return (n + 3) & ~3u;
}

/* An option's size: code, length, value padded. */
static uint32_t
opt_size(uint32_t len)
{
	return 4 + pad4(len);
}

/* Writes go to a buffered FILE; errors are checked once per block. */
static void
put(FILE *fp, const void *v, uint32_t n)
{
	if (n != 0)
		fwrite(v, 1, n, fp);
}

static void
put32(FILE *fp, uint32_t v)
{
	put(fp, &v, 4);
}

static void
put_pad(FILE *fp, uint32_t n)
{
	static const uint8_t zero[4];

	put(fp, zero, pad4(n) - n);
}

static void
put_opt(FILE *fp, uint16_t code, const void *v, uint32_t len)
{
	uint16_t h[2] = { code, (uint16_t)len };

	put(fp, h, 4);
	put(fp, v, len);
	put_pad(fp, len);
}

static long
done(FILE *fp, uint32_t total)
{
	put32(fp, total);
	return ferror(fp) ? -1 : (long)total;
}

long
pcapng_write_shb(FILE *fp, const char *appl)
{
	uint32_t alen = (uint32_t)strlen(appl);
	uint32_t total = 28 + opt_size(alen) + 4;
	uint16_t ver[2] = { 1, 0 };
	int64_t section_len = -1;

	put32(fp, BT_SHB);
	put32(fp, total);
	put32(fp, BOM);
	put(fp, ver, 4);
	put(fp, &section_len, 8);
	put_opt(fp, OPT_SHB_USERAPPL, appl, alen);
	put_opt(fp, OPT_END, NULL, 0);
	return done(fp, total);
}

long
pcapng_write_idb(FILE *fp, const char *name, uint32_t snaplen)
{
	uint32_t nlen = (uint32_t)strnlen(name, 256);
	uint32_t total = 20 + opt_size(nlen) + opt_size(1) + 4;
	uint16_t lt[2] = { LINKTYPE_ETHERNET, 0 };
	uint8_t tsresol = 9;	/* nanoseconds */

	put32(fp, BT_IDB);
	put32(fp, total);
	put(fp, lt, 4);
	put32(fp, snaplen);
	put_opt(fp, OPT_IF_NAME, name, nlen);
	put_opt(fp, OPT_IF_TSRESOL, &tsresol, 1);
	put_opt(fp, OPT_END, NULL, 0);
	return done(fp, total);
}

uint32_t
pcapng_epb_size(uint32_t caplen, const char *comment)
{
	return 28 + pad4(caplen) + opt_size((uint32_t)strlen(comment)) +
		opt_size(4) + 4 + 4;
}

long
pcapng_write_epb(FILE *fp, uint32_t iface, uint64_t ts_ns, const uint8_t *data,
		uint32_t caplen, uint32_t orig_len, uint32_t flags, const char *comment)
{
	uint32_t clen = (uint32_t)strlen(comment);
	uint32_t total = pcapng_epb_size(caplen, comment);

	if (clen > UINT16_MAX) {
		errno = EMSGSIZE;
		return -1;
	}
	put32(fp, BT_EPB);
	put32(fp, total);
	put32(fp, iface);
	put32(fp, (uint32_t)(ts_ns >> 32));
	put32(fp, (uint32_t)ts_ns);
	put32(fp, caplen);
	put32(fp, orig_len);
	put(fp, data, caplen);
	put_pad(fp, caplen);
	put_opt(fp, OPT_COMMENT, comment, clen);
	put_opt(fp, OPT_EPB_FLAGS, &flags, 4);
	put_opt(fp, OPT_END, NULL, 0);
	return done(fp, total);
}
