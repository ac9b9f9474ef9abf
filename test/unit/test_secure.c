/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * ISNs, timestamp offsets and SYN cookies (Linux secure_seq.c and
 * syncookies.c semantics under our own keys).
 */

#include <stdio.h>
#include <string.h>

#include <rte_common.h>

#include "bs_test.h"
#include "bs_tcp_secure.h"

static const struct bs_sipkey key_a = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
static const struct bs_sipkey key_b = { 0x1122334455667788ULL, 0x99aabbccddeeff00ULL };
static const struct bs_cookie_keys ckeys = {
	{ { 0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL },
	  { 0xa4093822299f31d0ULL, 0x082efa98ec4e6c89ULL } },
};
static const struct bs_cookie_keys ckeys2 = {
	{ { 0x243f6a8885a308d3ULL, 0x13198a2e03707344ULL },
	  { 0xa4093822299f31d0ULL, 0x082efa98ec4e6c8aULL } },
};

static const uint16_t msstab4[] = { 536, 1300, 1440, 1460 };
static const uint16_t msstab6[] = { 1220, 1420, 1440, 8940 };

/* 198.18.0.1:40000 -> 198.18.0.2:80 */
static void
flow4(struct bs_flow *f, uint8_t last, uint16_t rport)
{
	memset(f, 0, sizeof(*f));
	f->raddr[10] = f->raddr[11] = 0xff;
	f->laddr[10] = f->laddr[11] = 0xff;
	f->raddr[12] = 198; f->raddr[13] = 18; f->raddr[15] = last;
	f->laddr[12] = 198; f->laddr[13] = 18; f->laddr[15] = 2;
	f->rport = rport;
	f->lport = 80 << 8;	/* network order on a little-endian host */
}

/* 2001:2::1:40000 -> 2001:2::2:80 */
static void
flow6(struct bs_flow *f, uint8_t last, uint16_t rport)
{
	memset(f, 0, sizeof(*f));
	f->raddr[0] = 0x20; f->raddr[1] = 0x01; f->raddr[3] = 2; f->raddr[15] = last;
	f->laddr[0] = 0x20; f->laddr[1] = 0x01; f->laddr[3] = 2; f->laddr[15] = 2;
	f->rport = rport;
	f->lport = 80 << 8;
}

/* The reference vectors (key 00..0f, message 00 01 02 ..., SipHash-2-4 as
 * in the paper's appendix) at the lengths Backstop hashes: 8 (IPv4
 * timestamp offsets), 12 (IPv4 ISNs), 16 (IPv4 cookies), 36 (IPv6 ISNs). */
static void
test_siphash_vectors(void)
{
	const uint64_t w[4] = {
		0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL,
		0x1716151413121110ULL, 0x1f1e1d1c1b1a1918ULL,
	};

	CHECK_EQ(bs_siphash(&key_a, w, 1), 0x93f5f5799a932462ULL, "8 bytes");
	CHECK_EQ(bs_siphash_tail(&key_a, w, 1, 0x0b0a0908ULL, 4), 0x751e8fbc860ee5fbULL,
		"12 bytes");
	CHECK_EQ(bs_siphash(&key_a, w, 2), 0x3f2acc7f57c29bdbULL, "16 bytes");
	CHECK_EQ(bs_siphash_tail(&key_a, w, 4, 0x23222120ULL, 4), 0x314dffbe0815a3b4ULL,
		"36 bytes");
}

/* Linux's inputs (secure_seq.c): siphash_3u32(saddr, daddr, sport << 16 |
 * dport) for an IPv4 ISN, siphash_2u32(saddr, daddr) for its timestamp
 * offset, our side first; IPv6 hashes { saddr, daddr[, sport, dport] }. */
static void
test_linux_layouts(void)
{
	struct bs_flow f, g;
	uint64_t w4, w6[4];
	const uint8_t *lp, *rp;
	unsigned int i;
	uint32_t tail;

	flow4(&f, 1, 0x409c);
	w4 = (uint64_t)(198 | 18 << 8 | 2u << 24) | (uint64_t)(198 | 18 << 8 | 1u << 24) << 32;
	CHECK_EQ(bs_tcp_isn(&key_a, &f, 0),
		(uint32_t)bs_siphash_tail(&key_a, &w4, 1, (uint32_t)f.lport << 16 | f.rport, 4),
		"IPv4 ISN: siphash_3u32(laddr, raddr, lport << 16 | rport)");
	CHECK_EQ(bs_tcp_ts_off(&key_a, &f), (uint32_t)bs_siphash(&key_a, &w4, 1),
		"IPv4 ts_off: siphash_2u32(laddr, raddr)");

	flow6(&g, 1, 0x409c);
	memset(w6, 0, sizeof(w6));
	for (i = 0; i < 16; i++) {
		w6[i / 8] |= (uint64_t)g.laddr[i] << (8 * (i % 8));
		w6[2 + i / 8] |= (uint64_t)g.raddr[i] << (8 * (i % 8));
	}
	/* the ports as they lie in memory: ours, then the peer's */
	lp = (const uint8_t *)&g.lport;
	rp = (const uint8_t *)&g.rport;
	tail = lp[0] | (uint32_t)lp[1] << 8 | (uint32_t)rp[0] << 16 | (uint32_t)rp[1] << 24;
	CHECK_EQ(bs_tcp_isn(&key_a, &g, 0), (uint32_t)bs_siphash_tail(&key_a, w6, 4, tail, 4),
		"IPv6 ISN: the 36 bytes of the tuple");
	CHECK_EQ(bs_tcp_ts_off(&key_a, &g), (uint32_t)bs_siphash(&key_a, w6, 4),
		"IPv6 ts_off: the 32 bytes of the addresses");
}

/* bs_cookie_init_ts(): each implementation the CPU has gives exactly
 * bs_cookie_init() and bs_tcp_ts_off(), IPv4 and IPv6. */
static void
test_cookie_ts_impls(void)
{
	static const char *const impls[] = { "scalar", "avx2", "avx512" };
	const char *best = bs_tcp_secure_simd_name();
	uint64_t rnd = 0x9e3779b97f4a7c15ULL;
	unsigned int i, n, bad;

	CHECK_EQ(bs_tcp_secure_simd("sse9"), -1, "unknown implementation refused");
	CHECK(strcmp(bs_tcp_secure_simd_name(), best) == 0, "a refusal changes nothing");
	for (i = 0; i < RTE_DIM(impls); i++) {
		if (bs_tcp_secure_simd(impls[i]) != 0) {
			printf("# %s: not on this CPU\n", impls[i]);
			continue;
		}
		for (n = 0, bad = 0; n < 2000; n++) {
			struct bs_flow f;
			uint16_t mss_a, mss_b;
			uint32_t ts = 0, seq, c_a, c_b;
			uint64_t now;
			unsigned int j;

			rnd ^= rnd << 13; rnd ^= rnd >> 7; rnd ^= rnd << 17;
			if (n & 1)
				flow6(&f, (uint8_t)rnd, (uint16_t)(rnd >> 8));
			else
				flow4(&f, (uint8_t)rnd, (uint16_t)(rnd >> 8));
			for (j = 0; j < 4; j++)
				f.raddr[(n & 1) ? j : 12 + j] ^= (uint8_t)(rnd >> (16 + 8 * j));
			f.lport = (uint16_t)(rnd >> 48);
			seq = (uint32_t)(rnd >> 20);
			now = rnd >> 30;
			mss_a = mss_b = (uint16_t)(500 + (rnd >> 40) % 9000);
			c_a = bs_cookie_init(&ckeys, &f, seq, &mss_a, now);
			c_b = bs_cookie_init_ts(&ckeys, &key_b, &f, seq, &mss_b, now,
				(n & 2) ? &ts : NULL);
			bad += c_a != c_b || mss_a != mss_b;
			if (n & 2)
				bad += ts != bs_tcp_ts_off(&key_b, &f);
		}
		CHECK_EQ(bad, 0, "%s: 2000 cookies and offsets as the scalar functions",
			impls[i]);
	}
	bs_tcp_secure_simd(NULL);
	CHECK(strcmp(bs_tcp_secure_simd_name(), best) == 0, "NULL: the start-up choice");
}

static void
test_isn(void)
{
	struct bs_flow f, g;
	uint64_t t = 1700000000ULL * 1000000000ULL;
	uint32_t isn;

	flow4(&f, 1, 0x409c);
	isn = bs_tcp_isn(&key_a, &f, t);
	CHECK_EQ(bs_tcp_isn(&key_a, &f, t), isn, "deterministic");
	CHECK(bs_tcp_isn(&key_b, &f, t) != isn, "differs per key");
	g = f; g.rport++;
	CHECK(bs_tcp_isn(&key_a, &g, t) != isn, "differs per remote port");
	g = f; g.lport++;
	CHECK(bs_tcp_isn(&key_a, &g, t) != isn, "differs per local port");
	g = f; g.raddr[15]++;
	CHECK(bs_tcp_isn(&key_a, &g, t) != isn, "differs per remote address");
	g = f; g.laddr[15]++;
	CHECK(bs_tcp_isn(&key_a, &g, t) != isn, "differs per local address");
	g = f; g.rport = f.lport; g.lport = f.rport;
	CHECK(bs_tcp_isn(&key_a, &g, t) != isn, "ports are ordered");
	flow6(&g, 1, 0x409c);
	CHECK(bs_tcp_isn(&key_a, &g, t) != isn, "IPv6 differs");
	/* 64 ns per tick (seq_scale) */
	CHECK_EQ(bs_tcp_isn(&key_a, &f, t + 63), isn, "same tick");
	CHECK_EQ(bs_tcp_isn(&key_a, &f, t + 64), isn + 1, "next tick");
	CHECK_EQ(bs_tcp_isn(&key_a, &f, t + 64000), isn + 1000, "1000 ticks");
	CHECK_EQ(bs_tcp_isn(&key_a, &f, t + 1000000000ULL),
		isn + 15625000, "one second = 15625000 ticks");
	CHECK_EQ(bs_tcp_isn(&key_a, &f, t + (64ULL << 32)), isn, "wraps after 274.9 s");

	/* timestamp offsets: per key and per address pair, not per port */
	CHECK(bs_tcp_ts_off(&key_a, &f) != bs_tcp_ts_off(&key_b, &f), "ts_off per key");
	g = f; g.rport++; g.lport++;
	CHECK_EQ(bs_tcp_ts_off(&key_a, &g), bs_tcp_ts_off(&key_a, &f),
		"ts_off per host pair (secure_tcp_ts_off)");
	g = f; g.raddr[15]++;
	CHECK(bs_tcp_ts_off(&key_a, &g) != bs_tcp_ts_off(&key_a, &f), "ts_off per address");
	CHECK(bs_tcp_ts_off(&key_a, &f) != (uint32_t)bs_tcp_isn(&key_a, &f, 0),
		"ts_off is not the ISN hash");
}

static void
test_cookie_family(const struct bs_flow *f, const uint16_t *tab, const char *fam)
{
	uint64_t now = 1700000000000ULL;	/* ms, real time */
	uint64_t minute = BS_COOKIE_PERIOD_MS;
	uint32_t seq = 0xfffffff0u, c;
	uint16_t mss;
	struct bs_flow g;
	unsigned int i, age, bad;
	int k;

	for (i = 0; i < 4; i++) {
		mss = tab[i];
		c = bs_cookie_init(&ckeys, f, seq, &mss, now);
		CHECK_EQ(mss, tab[i], "%s entry %u encoded", fam, i);
		/* the ACK: SEG.SEQ = seq + 1, SEG.ACK = cookie + 1 */
		CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1, c + 1, now), tab[i],
			"%s round trip %u", fam, i);
		CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1, c + 1, now + minute - 1), tab[i],
			"%s accepted later in the same minute", fam);
		/* age 0 and 1 minute accepted, 2 and beyond refused */
		CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1, c + 1, now + minute), tab[i],
			"%s age 1 accepted", fam);
		CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1, c + 1,
			(now / minute + 1) * minute + minute - 1), tab[i],
			"%s end of age 1 accepted", fam);
		bad = 0;
		for (age = 2; age < 600; age++)
			bad += bs_cookie_check(&ckeys, f, seq + 1, c + 1,
				now + age * minute) != 0;
		CHECK_EQ(bad, 0, "%s ages 2..599 minutes refused", fam);
		CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1, c + 1, now - minute), 0,
			"%s from the future refused", fam);
		/* wrong tuple, wrong sequence number, wrong keys, wrong cookie */
		g = *f; g.rport ^= 1;
		CHECK_EQ(bs_cookie_check(&ckeys, &g, seq + 1, c + 1, now), 0, "%s rport", fam);
		g = *f; g.lport ^= 0x100;
		CHECK_EQ(bs_cookie_check(&ckeys, &g, seq + 1, c + 1, now), 0, "%s lport", fam);
		g = *f; g.raddr[15] ^= 1;
		CHECK_EQ(bs_cookie_check(&ckeys, &g, seq + 1, c + 1, now), 0, "%s raddr", fam);
		g = *f; g.laddr[15] ^= 1;
		CHECK_EQ(bs_cookie_check(&ckeys, &g, seq + 1, c + 1, now), 0, "%s laddr", fam);
		/*
		 * As in Linux, the MSS index is added to the hash, so a SEG.SEQ
		 * k too high (or a cookie k too low) reads as index i - k:
		 * accepted with that MSS while 0 <= i - k <= 3, refused beyond.
		 */
		for (k = -6; k <= 6; k++) {
			int j = (int)i - k;
			uint16_t want = j >= 0 && j < 4 ? tab[j] : 0;

			CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1 + (uint32_t)k, c + 1, now),
				want, "%s entry %u, SEG.SEQ off by %d", fam, i, k);
			CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1, c + 1 - (uint32_t)k, now),
				want, "%s entry %u, SEG.ACK off by %d", fam, i, -k);
		}
		CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1 + 1000, c + 1, now), 0,
			"%s SEG.SEQ off by 1000", fam);
		CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1 - 0x10000, c + 1, now), 0,
			"%s SEG.SEQ off by -65536", fam);
		CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1, c + 1 + 0x1000, now), 0,
			"%s SEG.ACK off by 4096", fam);
		CHECK_EQ(bs_cookie_check(&ckeys, f, seq + 1, c + 1 + (1u << 24), now), 0,
			"%s count field + 1", fam);
		CHECK_EQ(bs_cookie_check(&ckeys2, f, seq + 1, c + 1, now), 0, "%s other keys", fam);
		seq += 0x01000001u;
	}
	/* MSS choice: below, at and above each entry */
	for (i = 0; i < 4; i++) {
		uint16_t want_below = i == 0 ? tab[0] : tab[i - 1];

		mss = tab[i] - 1;
		c = bs_cookie_init(&ckeys, f, 7, &mss, now);
		CHECK_EQ(mss, want_below, "%s peer MSS %u", fam, tab[i] - 1);
		CHECK_EQ(bs_cookie_check(&ckeys, f, 8, c + 1, now), want_below,
			"%s peer MSS %u round trip", fam, tab[i] - 1);
		mss = tab[i];
		bs_cookie_init(&ckeys, f, 7, &mss, now);
		CHECK_EQ(mss, tab[i], "%s peer MSS %u", fam, tab[i]);
		mss = tab[i] + 1;
		bs_cookie_init(&ckeys, f, 7, &mss, now);
		CHECK_EQ(mss, tab[i], "%s peer MSS %u", fam, tab[i] + 1);
	}
	mss = 0;
	bs_cookie_init(&ckeys, f, 7, &mss, now);
	CHECK_EQ(mss, tab[0], "%s peer MSS 0: smallest entry", fam);
	mss = 65535;
	bs_cookie_init(&ckeys, f, 7, &mss, now);
	CHECK_EQ(mss, tab[3], "%s peer MSS 65535: largest entry", fam);

	/* many tuples and minutes, incl. the minute counter wrapping at 256 */
	bad = 0;
	for (i = 0; i < 20000; i++) {
		uint64_t t = (uint64_t)i * 7919 * 1000 + 17;
		uint32_t s = i * 2654435761u;

		g = *f;
		g.rport = (uint16_t)(i * 31);
		mss = tab[i % 4];
		c = bs_cookie_init(&ckeys, &g, s, &mss, t);
		bad += bs_cookie_check(&ckeys, &g, s + 1, c + 1, t + (i % 120000)) != mss;
		bad += bs_cookie_check(&ckeys, &g, s + 1, c + 1, t + 120000 + (i % 1000) * minute) != 0;
	}
	CHECK_EQ(bad, 0, "%s 20000 tuples: accept within 2 minutes, refuse after", fam);
}

static void
test_cookies(void)
{
	struct bs_flow f4, f6;

	flow4(&f4, 1, 0x409c);
	flow6(&f6, 1, 0x409c);
	CHECK_EQ(bs_cookie_time(0), 0, "cookie time");
	CHECK_EQ(bs_cookie_time(59999), 0, "cookie time");
	CHECK_EQ(bs_cookie_time(60000), 1, "cookie time");
	test_cookie_family(&f4, msstab4, "IPv4");
	test_cookie_family(&f6, msstab6, "IPv6");
}

static void
test_timestamps(void)
{
	struct bs_cookie_opts o, d;
	uint32_t nows[] = { 0, 1, 63, 64, 1000, 1000000, 0x7fffffc0u, 0xffffffffu };
	unsigned int ws, sack, ecn, i, bad_rt = 0, bad_future = 0, bad_close = 0;
	uint32_t ts;

	for (i = 0; i < sizeof(nows) / sizeof(nows[0]); i++) {
		for (ws = 0; ws <= 15; ws++) {
			for (sack = 0; sack <= 1; sack++) {
				for (ecn = 0; ecn <= 1; ecn++) {
					o.wscale_ok = ws != 15;
					o.snd_wscale = ws == 15 ? 0 : (uint8_t)ws;
					o.sack_ok = sack;
					o.ecn_ok = ecn;
					ts = bs_cookie_ts_init(&o, nows[i]);
					bs_cookie_ts_decode(ts, &d);
					bad_rt += d.wscale_ok != o.wscale_ok ||
						d.snd_wscale != o.snd_wscale ||
						d.sack_ok != o.sack_ok || d.ecn_ok != o.ecn_ok;
					bad_future += !bs_cookie_ts_plausible(ts, nows[i]);
					bad_close += (uint32_t)(nows[i] - ts) > 63;
				}
			}
		}
	}
	CHECK_EQ(bad_rt, 0, "wscale 0-14/none x SACK x ECN round trip");
	CHECK_EQ(bad_future, 0, "TSval never after the clock");
	CHECK_EQ(bad_close, 0, "TSval within 63 ms of the clock");

	/* exact bits (cookie_init_timestamp) */
	o.wscale_ok = true; o.snd_wscale = 7; o.sack_ok = true; o.ecn_ok = false;
	CHECK_EQ(bs_cookie_ts_init(&o, 1000), (1000 & ~63u) | 0x17, "ts 1000 ws 7 sack");
	CHECK_EQ(bs_cookie_ts_init(&o, 1024 + 0x16), 1024 - 64 + 0x17,
		"options above the clock's low bits: one period back");
	CHECK_EQ(bs_cookie_ts_init(&o, 1024 + 0x17), 1024 + 0x17, "equal is kept");
	o.wscale_ok = false; o.sack_ok = false; o.ecn_ok = true;
	CHECK_EQ(bs_cookie_ts_init(&o, 5), 0xffffffefu,
		"near zero: plain compare, wraps below (0x2f - 64)");
	bs_cookie_ts_decode(0x12345600u | 0x0f, &d);
	CHECK(!d.wscale_ok && !d.sack_ok && !d.ecn_ok, "0xf: no window scaling");
	bs_cookie_ts_decode(0x12345600u | 0x3e, &d);
	CHECK(d.wscale_ok && d.snd_wscale == 14 && d.sack_ok && d.ecn_ok, "all options");

	/* a TSecr after our clock cannot be a TSval we sent */
	CHECK(bs_cookie_ts_plausible(1000, 1000), "TSecr = now");
	CHECK(bs_cookie_ts_plausible(999, 1000), "TSecr in the past");
	CHECK(!bs_cookie_ts_plausible(1001, 1000), "TSecr 1 ms in the future refused");
	CHECK(!bs_cookie_ts_plausible(1064, 1000), "TSecr 64 ms in the future refused");
	CHECK(!bs_cookie_ts_plausible(5, 0xfffffff0u), "future across the wrap refused");
	CHECK(bs_cookie_ts_plausible(0xfffffff0u, 5), "past across the wrap");
}

int
main(void)
{
	test_siphash_vectors();
	test_linux_layouts();
	test_isn();
	test_cookies();
	test_cookie_ts_impls();
	test_timestamps();
	return bs_test_done();
}
