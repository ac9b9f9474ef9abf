/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Stray policies: parsing, longest-prefix match over IPv4 and IPv6, the
 * token bucket's arithmetic, per-policy counters; and which keys a running
 * Backstop may take from a new configuration (bs_config_live_check).
 */
#include <arpa/inet.h>
#include <stdlib.h>

#include "bs_config.h"
#include "bs_policy.h"
#include "bs_test.h"

#define HZ 1000000000ull	/* a 1 GHz TSC: costs are round numbers */

static struct bs_policy_reg reg;

static struct bs_policy_table *
table(const char *text)
{
	struct bs_config c;
	struct bs_policy_table *t = NULL;
	static char buf[16384];
	char err[256];

	bs_config_defaults(&c);
	snprintf(buf, sizeof(buf), "[stray]\npolicies = %s\n", text);
	if (bs_config_parse(&c, buf, "t", err, sizeof(err)) != 0) {
		printf("parse: %s\n", err);
		return NULL;
	}
	if (bs_policy_table_build(&reg, &c.stray, HZ, &t, err, sizeof(err)) != 0)
		printf("build: %s\n", err);
	return t;
}

/* The rule's prefix and action for @p addr, as "PREFIX ACTION" or "none". */
static const char *
match(const struct bs_policy_table *t, const char *addr)
{
	static char out[128];
	const struct bs_policy_rule *r;
	uint8_t a[16];
	uint32_t v4;
	uint64_t hi, lo;
	unsigned int i;

	if (t == NULL)
		return "no table";
	if (inet_pton(AF_INET, addr, &v4) == 1) {
		bs_policy_key4(v4, &hi, &lo);
	} else {
		if (inet_pton(AF_INET6, addr, a) != 1)
			return "bad address";
		bs_policy_key6(a, &hi, &lo);
	}
	r = bs_policy_lookup(t, hi, lo);
	if (r == NULL)
		return "none";
	for (i = 0; i < t->conf.n; i++)
		if (bs_policy_id(&reg, &t->conf.p[i]) == r->id) {
			bs_policy_format(&t->conf.p[i], out, sizeof(out));
			return out;
		}
	return "?";
}

#define MATCH(t, addr, want) do { \
	const char *_g = match(t, addr); \
	CHECK(strcmp(_g, want) == 0, "%s: got '%s', want '%s'", addr, _g, want); \
} while (0)

static void
test_lookup(void)
{
	struct bs_policy_table *t = table("198.18.0.0/15 drop, 198.18.8.0/24 ratelimit 10, "
		"198.18.8.7 reply, 0.0.0.0/0 ratelimit 1000, 2001:2::/48 drop, "
		"2001:2:0:8::/64 reply, ::/0 ratelimit 5");

	CHECK(t != NULL, "built");
	if (t == NULL)
		return;
	MATCH(t, "198.18.8.7", "198.18.8.7/32 reply");
	MATCH(t, "198.18.8.6", "198.18.8.0/24 ratelimit 10");
	MATCH(t, "198.18.8.255", "198.18.8.0/24 ratelimit 10");
	MATCH(t, "198.18.9.0", "198.18.0.0/15 drop");
	MATCH(t, "198.19.255.255", "198.18.0.0/15 drop");
	MATCH(t, "198.20.0.0", "0.0.0.0/0 ratelimit 1000");
	MATCH(t, "10.1.2.3", "0.0.0.0/0 ratelimit 1000");
	MATCH(t, "2001:2:0:8::1", "2001:2:0:8::/64 reply");
	MATCH(t, "2001:2:0:9::1", "2001:2::/48 drop");
	MATCH(t, "2001:3::1", "::/0 ratelimit 5");
	/* ::/0 is an IPv6 policy: no IPv4 destination falls under it, nor
	 * 0.0.0.0/0 under IPv6 ones. */
	bs_policy_table_free(t);
	t = table("::/0 drop, 2001:2::/32 reply");
	MATCH(t, "198.18.0.2", "none");
	MATCH(t, "::ffff:198.18.0.2", "none");	/* parsed as IPv4 */
	MATCH(t, "2001:2::5", "2001:2::/32 reply");
	MATCH(t, "fe80::1", "::/0 drop");
	bs_policy_table_free(t);
	t = table("0.0.0.0/0 drop");
	MATCH(t, "2001:2::5", "none");
	MATCH(t, "0.0.0.0", "0.0.0.0/0 drop");
	bs_policy_table_free(t);
	/* Many prefixes of one length: the binary search. */
	{
		char buf[8192];
		size_t n = 0;
		unsigned int i;

		for (i = 0; i < 200; i++)
			n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s10.%u.%u.0/24 %s",
				i ? ", " : "", (i * 37) % 256, i, i % 2 ? "drop" : "reply");
		t = table(buf);
		CHECK(t != NULL, "200 policies");
		for (i = 0; t != NULL && i < 200; i++) {
			char a[32], want[64];

			snprintf(a, sizeof(a), "10.%u.%u.77", (i * 37) % 256, i);
			snprintf(want, sizeof(want), "10.%u.%u.0/24 %s", (i * 37) % 256, i,
				i % 2 ? "drop" : "reply");
			MATCH(t, a, want);
		}
		MATCH(t, "10.0.1.1", "none");
		bs_policy_table_free(t);
	}
	/* No policy: no table (the worker's one branch). */
	t = (struct bs_policy_table *)1;
	{
		struct bs_stray_conf none = { .n = 0 };
		char err[128];

		CHECK(bs_policy_table_build(&reg, &none, HZ, &t, err, sizeof(err)) == 0 &&
			t == NULL, "empty: NULL table");
	}
}

static void
test_bucket(void)
{
	struct bs_policy_table *t = table("198.18.0.0/24 ratelimit 5, 198.18.1.0/24 drop, "
		"198.18.2.0/24 reply, 198.18.3.0/24 ratelimit 1");
	struct bs_policy_worker *pw = calloc(1, sizeof(*pw));
	uint64_t hi, lo, now = 7 * HZ;
	unsigned int i, pass = 0, id, flood;

	CHECK(t != NULL && pw != NULL, "set-up");
	if (t == NULL || pw == NULL)
		return;
	bs_policy_key4(htonl(0xc6120001), &hi, &lo);	/* 198.18.0.1 */
	/* A full bucket: exactly 5 of a burst of 20 at one instant. */
	for (i = 0; i < 20; i++)
		pass += bs_policy_stray(t, pw, hi, lo, now) == 0;
	CHECK_EQ(pass, 5, "burst of 20 at one instant");
	/* One more each 1/5 s, never two. */
	CHECK_EQ(bs_policy_stray(t, pw, hi, lo, now + HZ / 5 - 1), BS_DROP_STRAY_RATELIMIT,
		"just before the refill");
	CHECK_EQ(bs_policy_stray(t, pw, hi, lo, now + HZ / 5), 0, "refilled one");
	CHECK_EQ(bs_policy_stray(t, pw, hi, lo, now + HZ / 5), BS_DROP_STRAY_RATELIMIT,
		"only one");
	/* Over T seconds at a steady flood: pps * T, plus the first burst. */
	pass = 0;
	for (i = 0; i < 10000; i++)
		pass += bs_policy_stray(t, pw, hi, lo, now + HZ / 5 + (uint64_t)i * HZ / 1000) == 0;
	/* The bucket was empty at 1/5 s: one each 1/5 s from 2/5 s to 10.2 s. */
	CHECK_EQ(pass, 49, "10 s at 1000/s");
	flood = pass;
	/* Idle for long: the bucket holds pps, no more. */
	pass = 0;
	for (i = 0; i < 20; i++)
		pass += bs_policy_stray(t, pw, hi, lo, now + 1000 * HZ) == 0;
	CHECK_EQ(pass, 5, "after an hour idle");
	/* ratelimit 1: one, then one a second. */
	bs_policy_key4(htonl(0xc6120301), &hi, &lo);
	CHECK_EQ(bs_policy_stray(t, pw, hi, lo, now), 0, "1 pps: first");
	CHECK_EQ(bs_policy_stray(t, pw, hi, lo, now), BS_DROP_STRAY_RATELIMIT, "1 pps: second");
	CHECK_EQ(bs_policy_stray(t, pw, hi, lo, now + HZ), 0, "1 pps: a second later");
	/* drop and reply, counted. */
	bs_policy_key4(htonl(0xc6120101), &hi, &lo);
	CHECK_EQ(bs_policy_stray(t, pw, hi, lo, now), BS_DROP_STRAY_POLICY, "drop");
	bs_policy_key4(htonl(0xc6120201), &hi, &lo);
	CHECK_EQ(bs_policy_stray(t, pw, hi, lo, now), 0, "reply");
	bs_policy_key4(htonl(0xc6120401), &hi, &lo);
	CHECK_EQ(bs_policy_stray(t, pw, hi, lo, now), 0, "no policy: reply");
	{
		struct bs_policy_cnt *sum = calloc(BS_POLICY_IDS, sizeof(*sum));
		struct bs_policy_conf p;
		char err[128];

		bs_policy_prefix_parse(&p, "198.18.0.0/24", err, sizeof(err));
		id = (unsigned int)bs_policy_id(&reg, &p);
		bs_policy_sum(sum, pw);
		CHECK_EQ(sum[id].reply, 5 + 1 + flood + 5, "ratelimit replies");
		CHECK_EQ(sum[id].reply + sum[id].limited, 20 + 3 + 10000 + 20, "every one counted");
		bs_policy_prefix_parse(&p, "198.18.1.0/24", err, sizeof(err));
		CHECK_EQ(sum[bs_policy_id(&reg, &p)].drop, 1, "drop counted");
		bs_policy_prefix_parse(&p, "198.18.2.0/24", err, sizeof(err));
		CHECK_EQ(sum[bs_policy_id(&reg, &p)].reply, 1, "reply counted");
		/* The same prefix keeps its id (counters and bucket carry over). */
		CHECK_EQ((unsigned int)bs_policy_id(&reg, &p), (unsigned int)bs_policy_id(&reg, &p),
			"stable id");
		free(sum);
	}
	free(pw);
	bs_policy_table_free(t);
}

static void
test_parse(void)
{
	static const char *const bad[] = {
		"198.18.0.1/24 drop", "198.18.0.0/33 drop", "198.18.0.0/24 dro",
		"198.18.0.0/24 ratelimit", "198.18.0.0/24 drop 5", "198.18.0.0/24 ratelimit 0",
		"198.18.0.0/24 ratelimit 5x", "host drop", "2001:2::1/48 reply",
		"198.18.0.0/24", "198.18.0.0/24 reply extra words",
	};
	struct bs_stray_conf s = { .n = 0 };
	struct bs_policy_conf p;
	char err[256], buf[128];
	unsigned int i;

	for (i = 0; i < RTE_DIM(bad); i++)
		CHECK(bs_policy_parse(&p, bad[i], err, sizeof(err)) != 0, "'%s' refused", bad[i]);
	CHECK(bs_policy_parse(&p, "2001:2::/48 ratelimit 100", err, sizeof(err)) == 0, "%s", err);
	bs_policy_format(&p, buf, sizeof(buf));
	CHECK(strcmp(buf, "2001:2::/48 ratelimit 100") == 0, "round trip: %s", buf);
	CHECK(bs_stray_put(&s, &p, err, sizeof(err)) == 0 && s.n == 1, "put");
	CHECK(bs_policy_parse(&p, "2001:2::/48 drop", err, sizeof(err)) == 0, "%s", err);
	CHECK(bs_stray_put(&s, &p, err, sizeof(err)) == 0 && s.n == 1 &&
		s.p[0].action == BS_STRAY_DROP, "put replaces the same prefix");
	CHECK(bs_stray_del(&s, &p) == 0 && s.n == 0, "del");
	CHECK(bs_stray_del(&s, &p) != 0, "del of an absent prefix");
	{
		struct bs_config c;

		bs_config_defaults(&c);
		CHECK(bs_config_parse(&c, "[stray]\npolicies = 10.0.0.0/8 drop, 10.0.0.0/8 reply\n",
			"t", err, sizeof(err)) != 0 && strstr(err, "given twice") != NULL,
			"duplicate: %s", err);
		CHECK(bs_config_parse(&c, "[tcp]\noverload = reset\n", "t", err, sizeof(err)) == 0 &&
			c.tcp.overload == BS_OVERLOAD_RESET, "overload = reset");
		CHECK(bs_config_parse(&c, "[tcp]\noverload = cookies\n", "t", err, sizeof(err)) != 0 &&
			strstr(err, "t:2: [tcp] overload") != NULL, "bad overload: %s", err);
	}
}

/* What a running Backstop may take from a new configuration. */
static void
test_live(void)
{
	static const char base[] =
		"[port p0]\naddress = 198.18.0.2/24\n"
		"[tcp]\ntcp_fin_timeout = 60\nconnections = 1024\n"
		"[listener web]\nport = 80\napp = http\n"
		"[client c]\naddress = 198.18.0.1\nport = 80\n";
	static const struct {
		const char *extra;	/* appended to base (a later key wins: --set) */
		const char *err;	/* NULL: allowed; else a substring of the error */
	} cases[] = {
		{ "tcp.tcp_fin_timeout=30", NULL },
		{ "tcp.overload=drop", NULL },
		{ "stray.policies=10.0.0.0/8 drop", NULL },
		{ "listener web.port=81", NULL },
		{ "listener new.port=82", NULL },
		{ "tcp.connections=2048", "[tcp] connections: cannot change while Backstop runs" },
		{ "tcp.syncookie_secret=000102030405060708090a0b0c0d0e0f", "[tcp] syncookie_secret" },
		{ "backstop.burst=16", "[backstop] burst" },
		{ "ipv4.ip_default_ttl=32", "[ipv4] ip_default_ttl" },
		{ "port p0.rx_desc=512", "[port p0] rx_desc" },
		{ "port p1.address=198.18.1.2/24", "[port p1]" },
		{ "client c.port=81", "[client c] port" },
	};
	struct bs_config *cur = malloc(sizeof(*cur)), *next = malloc(sizeof(*next));
	char err[512];
	unsigned int i;

	bs_config_defaults(cur);
	CHECK(bs_config_parse(cur, base, "base.conf", err, sizeof(err)) == 0, "%s", err);
	for (i = 0; i < RTE_DIM(cases); i++) {
		int rc;

		*next = *cur;
		CHECK(bs_config_set(next, cases[i].extra, err, sizeof(err)) == 0, "%s", err);
		rc = bs_config_live_check(cur, next, err, sizeof(err));
		if (cases[i].err == NULL)
			CHECK(rc == 0, "%s: allowed, got '%s'", cases[i].extra, err);
		else
			CHECK(rc != 0 && strstr(err, cases[i].err) != NULL,
				"%s: refused with '%s', got rc %d '%s'", cases[i].extra,
				cases[i].err, rc, rc ? err : "");
	}
	/* From a file: the message names the file and the key's line. */
	bs_config_defaults(next);
	CHECK(bs_config_parse(next, "[port p0]\naddress = 198.18.0.2/24\n\n[tcp]\n"
		"tcp_fin_timeout = 60\nconnections = 99\n[listener web]\nport = 80\napp = http\n"
		"[client c]\naddress = 198.18.0.1\nport = 80\n", "new.conf", err, sizeof(err)) == 0,
		"%s", err);
	CHECK(bs_config_live_check(cur, next, err, sizeof(err)) != 0 &&
		strncmp(err, "new.conf:6: [tcp] connections:", 30) == 0, "file and line: %s", err);
	free(cur);
	free(next);
}

int
main(void)
{
	test_parse();
	test_lookup();
	test_bucket();
	test_live();
	return bs_test_done();
}
