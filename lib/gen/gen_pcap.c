/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Classic pcap files (the libpcap format net_pcap reads and writes):
 * written for the single-process benchmark's rx_pcap, read back to check
 * the replies net_pcap wrote to tx_pcap.
 */
#include <string.h>

#include "bs_gen.h"

#define PCAP_MAGIC_US 0xa1b2c3d4u
#define PCAP_MAGIC_NS 0xa1b23c4du
#define LINKTYPE_ETHERNET 1
#define SNAPLEN 65535u

struct pcap_file_hdr {
	uint32_t magic;
	uint16_t major;
	uint16_t minor;
	int32_t zone;
	uint32_t sigfigs;
	uint32_t snaplen;
	uint32_t linktype;
};

struct pcap_rec_hdr {
	uint32_t sec;
	uint32_t frac;
	uint32_t caplen;
	uint32_t len;
};

int
bs_gen_pcap_create(struct bs_gen_pcap *p, const char *path)
{
	struct pcap_file_hdr h = {
		.magic = PCAP_MAGIC_US, .major = 2, .minor = 4,
		.snaplen = SNAPLEN, .linktype = LINKTYPE_ETHERNET,
	};

	memset(p, 0, sizeof(*p));
	p->fp = fopen(path, "wb");
	if (p->fp == NULL)
		return -1;
	if (fwrite(&h, sizeof(h), 1, p->fp) != 1) {
		fclose(p->fp);
		p->fp = NULL;
		return -1;
	}
	return 0;
}

int
bs_gen_pcap_write(struct bs_gen_pcap *p, const uint8_t *frame, uint32_t len,
		uint64_t usec)
{
	struct pcap_rec_hdr r = {
		.sec = (uint32_t)(usec / 1000000), .frac = (uint32_t)(usec % 1000000),
		.caplen = len, .len = len,
	};

	if (fwrite(&r, sizeof(r), 1, p->fp) != 1 || fwrite(frame, len, 1, p->fp) != 1)
		return -1;
	return 0;
}

int
bs_gen_pcap_open(struct bs_gen_pcap *p, const char *path)
{
	struct pcap_file_hdr h;

	memset(p, 0, sizeof(*p));
	p->fp = fopen(path, "rb");
	if (p->fp == NULL)
		return -1;
	if (fread(&h, sizeof(h), 1, p->fp) != 1)
		goto bad;
	if (h.magic == PCAP_MAGIC_US || h.magic == PCAP_MAGIC_NS) {
		p->nsec = h.magic == PCAP_MAGIC_NS;
	} else if (h.magic == __builtin_bswap32(PCAP_MAGIC_US) ||
			h.magic == __builtin_bswap32(PCAP_MAGIC_NS)) {
		p->swap = true;
		p->nsec = h.magic == __builtin_bswap32(PCAP_MAGIC_NS);
		h.linktype = __builtin_bswap32(h.linktype);
	} else {
		goto bad;
	}
	if (h.linktype != LINKTYPE_ETHERNET)
		goto bad;
	return 0;
bad:
	fclose(p->fp);
	p->fp = NULL;
	return -1;
}

int
bs_gen_pcap_next(struct bs_gen_pcap *p, uint8_t *buf, uint32_t size)
{
	struct pcap_rec_hdr r;
	uint32_t cap;

	if (fread(&r, sizeof(r), 1, p->fp) != 1)
		return feof(p->fp) ? 0 : -1;
	cap = p->swap ? __builtin_bswap32(r.caplen) : r.caplen;
	if (cap > SNAPLEN)
		return -1;
	if (cap > size) {
		/* Longer than any reply: read past it, keep its start. */
		if (fread(buf, size, 1, p->fp) != 1 ||
				fseek(p->fp, (long)(cap - size), SEEK_CUR) != 0)
			return -1;
		return (int)size;
	}
	if (cap != 0 && fread(buf, cap, 1, p->fp) != 1)
		return -1;
	return cap == 0 ? -1 : (int)cap;
}

int
bs_gen_pcap_close(struct bs_gen_pcap *p)
{
	int rc = 0;

	if (p->fp != NULL)
		rc = fclose(p->fp);
	p->fp = NULL;
	return rc == 0 ? 0 : -1;
}
