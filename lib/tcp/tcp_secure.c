/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISNs, timestamp offsets and SYN cookies, after Linux
 * net/core/secure_seq.c, net/ipv4/syncookies.c and net/ipv6/syncookies.c.
 * Hash inputs are read as little-endian words whatever the host, so that
 * appliances sharing keys compute the same values.
 */

#include <string.h>

#include <rte_byteorder.h>

#include "bs_tcp_secure.h"

/* Linux msstab in net/ipv4/syncookies.c: the most common MSS values. */
static const uint16_t cookie_msstab4[] = { 536, 1300, 1440, 1460 };

/* Linux msstab in net/ipv6/syncookies.c: MTUs minus 60 bytes of headers. */
static const uint16_t cookie_msstab6[] = {
	1280 - 60, 1480 - 60, 1500 - 60, 9000 - 60,
};

#define MSSTAB_LEN 4

static inline uint64_t
le64(const uint8_t *p)
{
	uint64_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_64(v);
}

static inline uint32_t
le32(const uint8_t *p)
{
	uint32_t v;

	memcpy(&v, p, sizeof(v));
	return rte_le_to_cpu_32(v);
}

/* Ports as Linux packs them: (u32)sport << 16 | dport, network order values. */
static inline uint32_t
ports_word(uint16_t sport, uint16_t dport)
{
	return (uint32_t)sport << 16 | dport;
}

/* Ports as they lie in Linux's struct of an IPv6 tuple: ours, then the
 * peer's, read as one little-endian word. */
static inline uint32_t
ports_mem(uint16_t lport, uint16_t rport)
{
	return (uint32_t)rte_cpu_to_le_16(lport) | (uint32_t)rte_cpu_to_le_16(rport) << 16;
}

uint32_t
bs_tcp_isn(const struct bs_sipkey *key, const struct bs_flow *f,
		uint64_t now_ns)
{
	uint64_t h;

	if (bs_flow_is_v4(f)) {
		/* secure_tcp_seq(): siphash_3u32(saddr, daddr, sport << 16 |
		 * dport), our side first */
		uint64_t w = le32(f->laddr + 12) | (uint64_t)le32(f->raddr + 12) << 32;

		h = bs_siphash_tail(key, &w, 1, ports_word(f->lport, f->rport), 4);
	} else {
		/* secure_tcpv6_seq(): the 36 bytes of { saddr, daddr, sport,
		 * dport } */
		uint64_t w[4] = {
			le64(f->laddr), le64(f->laddr + 8),
			le64(f->raddr), le64(f->raddr + 8),
		};

		h = bs_siphash_tail(key, w, 4, ports_mem(f->lport, f->rport), 4);
	}
	/* seq_scale(): a 64 ns clock, wrapping every 274 s, beyond one MSL */
	return (uint32_t)h + (uint32_t)(now_ns >> 6);
}

uint32_t
bs_tcp_ts_off(const struct bs_sipkey *key, const struct bs_flow *f)
{
	if (bs_flow_is_v4(f)) {
		/* secure_tcp_ts_off(): siphash_2u32(saddr, daddr) */
		uint64_t w = le32(f->laddr + 12) | (uint64_t)le32(f->raddr + 12) << 32;

		return (uint32_t)bs_siphash(key, &w, 1);
	} else {
		/* secure_tcpv6_ts_off(): the 32 bytes of { saddr, daddr } */
		uint64_t w[4] = {
			le64(f->laddr), le64(f->laddr + 8),
			le64(f->raddr), le64(f->raddr + 8),
		};

		return (uint32_t)bs_siphash(key, w, 4);
	}
}

void
bs_tcp_ts_key(const struct bs_sipkey *isn_key, struct bs_sipkey *ts_key)
{
	static const uint64_t label[2] = { 0x66666f5f7374ULL, 0x79656b5f7374ULL };

	ts_key->k0 = bs_siphash(isn_key, &label[0], 1);
	ts_key->k1 = bs_siphash(isn_key, &label[1], 1);
}

/*
 * Linux cookie_hash(saddr, daddr, sport, dport, count, c), seen from the
 * peer's SYN: saddr and sport are the peer's. IPv4 hashes the 4-byte
 * addresses (siphash_4u32), IPv6 the whole ones.
 */
static uint32_t
cookie_hash(const struct bs_cookie_keys *keys, const struct bs_flow *f,
		bool v4, uint32_t count, unsigned int c)
{
	uint64_t tail = ports_word(f->rport, f->lport) | (uint64_t)count << 32;

	if (v4) {
		uint64_t w[2] = {
			le32(f->raddr + 12) | (uint64_t)le32(f->laddr + 12) << 32,
			tail,
		};

		return (uint32_t)bs_siphash(&keys->k[c], w, 2);
	} else {
		uint64_t w[5] = {
			le64(f->raddr), le64(f->raddr + 8),
			le64(f->laddr), le64(f->laddr + 8),
			tail,
		};

		return (uint32_t)bs_siphash(&keys->k[c], w, 5);
	}
}

uint32_t
bs_cookie_init(const struct bs_cookie_keys *keys, const struct bs_flow *f,
		uint32_t syn_seq, uint16_t *mss, uint64_t now_ms)
{
	bool v4 = bs_flow_is_v4(f);
	const uint16_t *msstab = v4 ? cookie_msstab4 : cookie_msstab6;
	uint32_t count = bs_cookie_time(now_ms);
	uint32_t mssind;

	/* __cookie_v4_init_sequence: largest entry <= the peer's, else 0 */
	for (mssind = MSSTAB_LEN - 1; mssind != 0; mssind--)
		if (*mss >= msstab[mssind])
			break;
	*mss = msstab[mssind];

	/* secure_tcp_syn_cookie() */
	return cookie_hash(keys, f, v4, 0, 0) + syn_seq +
		(count << BS_COOKIE_BITS) +
		((cookie_hash(keys, f, v4, count, 1) + mssind) & BS_COOKIE_MASK);
}

uint16_t
bs_cookie_check(const struct bs_cookie_keys *keys, const struct bs_flow *f,
		uint32_t seg_seq, uint32_t seg_ack, uint64_t now_ms)
{
	bool v4 = bs_flow_is_v4(f);
	uint32_t cookie = seg_ack - 1, sseq = seg_seq - 1;
	uint32_t count = bs_cookie_time(now_ms);
	uint32_t diff, mssind;

	/* check_tcp_syn_cookie(): strip H0 and the SYN's sequence number */
	cookie -= cookie_hash(keys, f, v4, 0, 0) + sseq;
	/* the top 8 bits are the minute it was made, modulo 256 */
	diff = (count - (cookie >> BS_COOKIE_BITS)) & (UINT32_MAX >> BS_COOKIE_BITS);
	if (diff >= BS_COOKIE_MAX_AGE)
		return 0;
	mssind = (cookie - cookie_hash(keys, f, v4, count - diff, 1)) &
		BS_COOKIE_MASK;
	if (mssind >= MSSTAB_LEN)
		return 0;
	return (v4 ? cookie_msstab4 : cookie_msstab6)[mssind];
}

uint32_t
bs_cookie_ts_init(const struct bs_cookie_opts *o, uint32_t ts_now)
{
	uint32_t options, ts;

	options = o->wscale_ok ? (o->snd_wscale & BS_COOKIE_TS_WSCALE_MASK) :
		BS_COOKIE_TS_WSCALE_MASK;
	if (o->sack_ok)
		options |= BS_COOKIE_TS_SACK;
	if (o->ecn_ok)
		options |= BS_COOKIE_TS_ECN;

	/* cookie_init_timestamp(): never ahead of the clock (plain compare) */
	ts = (ts_now & ~BS_COOKIE_TS_MASK) | options;
	if (ts > ts_now)
		ts -= BS_COOKIE_TS_MASK + 1;
	return ts;
}

void
bs_cookie_ts_decode(uint32_t tsecr, struct bs_cookie_opts *o)
{
	/* cookie_timestamp_decode(); the ECN bit as cookie_ecn_ok() reads it */
	o->sack_ok = (tsecr & BS_COOKIE_TS_SACK) != 0;
	o->ecn_ok = (tsecr & BS_COOKIE_TS_ECN) != 0;
	if ((tsecr & BS_COOKIE_TS_WSCALE_MASK) == BS_COOKIE_TS_WSCALE_MASK) {
		o->wscale_ok = false;	/* the SYN had no window scale option */
		o->snd_wscale = 0;
	} else {
		o->wscale_ok = true;
		o->snd_wscale = tsecr & BS_COOKIE_TS_WSCALE_MASK;
	}
}
