/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_TCP_SECURE_H
#define BS_TCP_SECURE_H

/**
 * @file
 * What an attacker must not predict about a connection: its initial
 * sequence number (RFC 6528), its TCP timestamp offset, and SYN cookies,
 * computed as Linux computes them (net/core/secure_seq.c,
 * net/ipv4/syncookies.c, net/ipv6/syncookies.c) with SipHash-2-4 under
 * keys from the configuration rather than boot-time random ones, so that
 * several appliances behind ECMP accept each other's cookies.
 *
 * Pure functions of their arguments: any lcore, no EAL, no state. Clocks
 * are passed in. For cookies shared between appliances, @p now_ms must be
 * the same clock on all of them (real time in ms); Linux uses jiffies.
 */

#include <stdbool.h>
#include <stdint.h>

#include "bs_flow.h"
#include "bs_siphash.h"

/**
 * Initial sequence number of a connection (Linux secure_tcp_seq /
 * secure_tcpv6_seq and seq_scale): a keyed hash of the 4-tuple plus a clock
 * of 64 ns ticks, which wraps every 274 s.
 *
 * @param now_ns  real time, ns (Linux: ktime_get_real_ns())
 */
uint32_t bs_tcp_isn(const struct bs_sipkey *key, const struct bs_flow *f,
		uint64_t now_ns);

/**
 * Offset added to the TSval clock of a connection (Linux secure_tcp_ts_off /
 * secure_tcpv6_ts_off): a keyed hash of the two addresses only, as Linux
 * does since 4.12 (per host pair, not per connection, so that TSvals stay
 * monotonic across connections between the same hosts). Use a key distinct
 * from the ISN key (Linux: ts_secret beside net_secret).
 */
uint32_t bs_tcp_ts_off(const struct bs_sipkey *key, const struct bs_flow *f);

/**
 * The timestamp-offset key derived from the ISN key: two SipHash-2-4
 * values of fixed labels under it, so that appliances configured with the
 * same isn_secret agree on timestamp offsets (which SYN cookies carrying
 * options depend on) while the two keys stay independent.
 */
void bs_tcp_ts_key(const struct bs_sipkey *isn_key, struct bs_sipkey *ts_key);

/*
 * SYN cookies. The 32-bit cookie (our ISN in the SYN-ACK) is
 *   H0(tuple) + SEG.SEQ + (count << 24) + ((H1(tuple, count) + mssind) & 0xffffff)
 * with count the minute (Linux tcp_cookie_time(): jiffies / (60 * HZ)) and
 * H0, H1 SipHash-2-4 under the two cookie keys.
 */
#define BS_COOKIE_BITS 24			/**< Linux COOKIEBITS */
#define BS_COOKIE_MASK ((1u << BS_COOKIE_BITS) - 1)
#define BS_COOKIE_MAX_AGE 2			/**< Linux MAX_SYNCOOKIE_AGE, minutes */
#define BS_COOKIE_PERIOD_MS 60000u		/**< Linux TCP_SYNCOOKIE_PERIOD */

/** The two cookie secrets (Linux syncookie_secret[2] / syncookie6_secret[2]). */
struct bs_cookie_keys {
	struct bs_sipkey k[2];
};

/** Cookie clock: minutes of @p now_ms (Linux tcp_cookie_time()). */
static inline uint32_t
bs_cookie_time(uint64_t now_ms)
{
	return (uint32_t)(now_ms / BS_COOKIE_PERIOD_MS);
}

/**
 * The cookie to send as ISN in the SYN-ACK answering a SYN (Linux
 * __cookie_v4_init_sequence / __cookie_v6_init_sequence and
 * secure_tcp_syn_cookie). The MSS table is IPv4's {536, 1300, 1440, 1460}
 * for a v4-mapped flow and IPv6's {1220, 1420, 1440, 8940} otherwise; the
 * largest entry not above the peer's MSS is encoded, the smallest when the
 * peer's is below them all.
 *
 * @param syn_seq  SEG.SEQ of the SYN, host order
 * @param mss      in: the peer's MSS (after Linux's clamping by the
 *                 caller); out: the table entry encoded
 * @return the cookie, host order
 */
uint32_t bs_cookie_init(const struct bs_cookie_keys *keys,
		const struct bs_flow *f, uint32_t syn_seq, uint16_t *mss,
		uint64_t now_ms);

/**
 * bs_cookie_init() and, into @p ts_off, bs_tcp_ts_off() under @p ts_key,
 * in one pass: the three SipHash-2-4 values side by side in one vector
 * where the CPU has AVX2 or AVX-512VL (bs_tcp_secure_simd()). The values
 * are those of the two functions.
 */
uint32_t bs_cookie_init_ts(const struct bs_cookie_keys *keys,
		const struct bs_sipkey *ts_key, const struct bs_flow *f,
		uint32_t syn_seq, uint16_t *mss, uint64_t now_ms, uint32_t *ts_off);

/** Most SYNs bs_cookie_init_ts_burst() takes at once. */
#define BS_COOKIE_BURST 64

/**
 * bs_cookie_init_ts() of @p n SYNs (at most BS_COOKIE_BURST; IPv4 and IPv6
 * mixed) at the same @p now_ms, the offset always computed: with AVX2 or
 * AVX-512VL each hash runs across four SYNs as one vector's lanes (eight
 * with AVX-512) and the three hashes side by side, so that their rounds'
 * latency overlaps; else
 * bs_cookie_init_ts() for each. The values are bs_cookie_init_ts()'s.
 * @param mss  in and out, per SYN, as bs_cookie_init_ts()'s
 */
void bs_cookie_init_ts_burst(const struct bs_cookie_keys *keys,
		const struct bs_sipkey *ts_key, const struct bs_flow *const *f,
		const uint32_t *syn_seq, uint16_t *mss, uint64_t now_ms, uint32_t *cookie,
		uint32_t *ts_off, unsigned int n);

/**
 * Choose how bs_cookie_init_ts() computes its hashes: "scalar", "avx2" or
 * "avx512"; NULL: the best the CPU supports (the choice at start-up).
 * Before any lcore runs: the choice is process-wide.
 *
 * @return 0, or -1 when the CPU (or the build) lacks it
 */
int bs_tcp_secure_simd(const char *name);

/** The implementation bs_cookie_init_ts() uses. */
const char *bs_tcp_secure_simd_name(void);

/**
 * Validate the cookie acknowledged by a bare ACK (Linux __cookie_v4_check /
 * __cookie_v6_check and check_tcp_syn_cookie): SEG.ACK - 1 must be a cookie
 * made for this tuple and SEG.SEQ - 1 less than BS_COOKIE_MAX_AGE minutes
 * ago.
 *
 * @param seg_seq  SEG.SEQ of the ACK, host order
 * @param seg_ack  SEG.ACK of the ACK, host order
 * @return the MSS encoded, or 0 when the cookie is not valid
 */
uint16_t bs_cookie_check(const struct bs_cookie_keys *keys,
		const struct bs_flow *f, uint32_t seg_seq, uint32_t seg_ack,
		uint64_t now_ms);

/*
 * With TCP timestamps, the TSval of a cookie SYN-ACK carries the SYN's
 * options in its low 6 bits:
 *   | 31 .. 6 timestamp | 5 ECN | 4 SACK | 3..0 wscale (0xf: none) |
 */
#define BS_COOKIE_TS_BITS 6			/**< Linux TSBITS */
#define BS_COOKIE_TS_MASK ((1u << BS_COOKIE_TS_BITS) - 1)	/**< Linux TSMASK */
#define BS_COOKIE_TS_WSCALE_MASK 0xfu		/**< Linux TS_OPT_WSCALE_MASK */
#define BS_COOKIE_TS_SACK 0x10u			/**< Linux TS_OPT_SACK */
#define BS_COOKIE_TS_ECN 0x20u			/**< Linux TS_OPT_ECN */

/** Options of a SYN that a cookie SYN-ACK remembers in its TSval. */
struct bs_cookie_opts {
	bool wscale_ok;		/**< the SYN carried a window scale option */
	uint8_t snd_wscale;	/**< its shift count, 0..14 */
	bool sack_ok;
	bool ecn_ok;
};

/**
 * TSval of a cookie SYN-ACK, before the connection's offset is added
 * (Linux cookie_init_timestamp): @p ts_now with its low 6 bits replaced by
 * the options, one period of 64 earlier when that would be in the future,
 * so that the TSvals that follow never go backwards.
 *
 * @param ts_now  the TSval clock, ms, without offset (Linux tcp_time_stamp_raw)
 */
static inline uint32_t
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

/**
 * Options remembered in the TSecr of a valid cookie ACK, its offset already
 * subtracted (Linux cookie_timestamp_decode and the ECN bit of
 * cookie_ecn_ok). Linux then refuses the connection when a decoded option is
 * disabled by sysctl; that is the caller's check.
 */
void bs_cookie_ts_decode(uint32_t tsecr, struct bs_cookie_opts *o);

/**
 * Could @p tsecr (offset subtracted) be a TSval we sent, i.e. is it not
 * after @p ts_now (modulo 2^32)? bs_cookie_ts_init() never returns a time
 * after its @p ts_now, so a later TSecr is forged. Linux makes no such
 * check (cookie_timestamp_decode takes any TSecr of an ACK whose cookie is
 * valid); it is here for callers that choose to be stricter.
 */
static inline bool
bs_cookie_ts_plausible(uint32_t tsecr, uint32_t ts_now)
{
	return (int32_t)(tsecr - ts_now) <= 0;
}

#endif /* BS_TCP_SECURE_H */
