/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The connection table (lib/table): keys, the keyed hash, add/lookup/delete,
 * filling past the designed load, churn against a reference, burst lookups,
 * fingerprint collisions, the walk cursor and the secret key. No EAL: tables
 * are built in aligned_alloc memory with bs_table_init().
 */
#include <errno.h>
#include <stdlib.h>

#include <rte_common.h>

#include "bs_table.h"
#include "bs_test.h"
#include "table_internal.h"

/* A table object: the key first, as the TCP code's objects. */
struct obj {
	struct bs_flow key;
	uint32_t pad;
};

static const struct bs_sipkey key_a = { 0x0706050403020100ULL, 0x0f0e0d0c0b0a0908ULL };
static const struct bs_sipkey key_b = { 0x1122334455667788ULL, 0x99aabbccddeeff00ULL };

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;

/* splitmix64 */
static uint64_t
rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/*
 * Flow number @p i: IPv4 when @p i is even, IPv6 when odd; random except
 * for @p i in the local address, so flows of different numbers differ.
 */
static void
flow_make(struct bs_flow *f, uint32_t i)
{
	uint64_t r = rnd(), s = rnd();
	uint8_t ra[16], la[16];

	memcpy(ra, &r, 8);
	memcpy(ra + 8, &s, 8);
	r = rnd();
	memcpy(la, &r, 8);
	memcpy(la + 8, &s, 4);
	memcpy(la + 12, &i, 4);
	if (i % 2 == 0)
		bs_flow_from_ipv4(f, ra, la + 12, (uint16_t)s, (uint16_t)(s >> 16));
	else
		bs_flow_from_ipv6(f, ra, la, (uint16_t)s, (uint16_t)(s >> 16));
}

static struct bs_table *
table_new(uint32_t capacity, const struct bs_sipkey *k, struct obj *objs)
{
	size_t size = (bs_table_memsize(capacity) + 63) & ~(size_t)63;
	void *mem = aligned_alloc(64, size);
	struct bs_table *t = bs_table_init(mem, size, capacity, k);

	if (t == NULL) {
		printf("FATAL: table of %u\n", capacity);
		exit(1);
	}
	if (objs != NULL)
		bs_table_set_pool(t, 0, objs, sizeof(*objs));
	return t;
}

static struct obj *
objs_new(uint32_t n)
{
	struct obj *o = calloc(n, sizeof(*o));
	uint32_t i;

	for (i = 0; i < n; i++)
		flow_make(&o[i].key, i);
	return o;
}

static int
add(struct bs_table *t, struct obj *o, uint32_t i)
{
	return bs_table_add(t, &o[i].key, bs_table_hash(t, &o[i].key),
		BS_TABLE_VALUE(0, i));
}

static uint32_t
lookup(struct bs_table *t, const struct bs_flow *k)
{
	return bs_table_lookup(t, k, bs_table_hash(t, k));
}

static void
test_flow(void)
{
	static const uint8_t r4[4] = { 198, 18, 0, 1 }, l4[4] = { 198, 18, 0, 2 };
	static const uint8_t want[16] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff,
		198, 18, 0, 1 };
	static const uint8_t r6[16] = { 0x20, 0x01, 0x02, [15] = 1 };
	struct bs_flow a, b;
	unsigned int i;

	bs_flow_from_ipv4(&a, r4, l4, 0x1234, 0x5000);
	CHECK_BYTES(a.raddr, 16, want, 16, "v4-mapped remote address");
	CHECK_EQ(a.laddr[15], 2, "local address last byte");
	CHECK_EQ(a.rport, 0x1234, "remote port as given");
	CHECK_EQ(a.lport, 0x5000, "local port as given");
	CHECK(bs_flow_is_v4(&a), "IPv4 flow");
	bs_flow_from_ipv6(&b, a.raddr, a.laddr, a.rport, a.lport);
	CHECK(bs_flow_eq(&a, &b), "v4-mapped IPv6 flow equals the IPv4 flow");
	CHECK(bs_flow_is_v4(&b), "v4-mapped IPv6 flow is IPv4");
	bs_flow_from_ipv6(&b, r6, a.laddr, a.rport, a.lport);
	CHECK(!bs_flow_is_v4(&b), "one IPv6 address: not IPv4");
	bs_flow_from_ipv6(&b, a.raddr, r6, a.rport, a.lport);
	CHECK(!bs_flow_is_v4(&b), "other IPv6 address: not IPv4");
	/* Each of the 36 bytes takes part in the comparison. */
	for (i = 0; i < sizeof(a); i++) {
		b = a;
		((uint8_t *)&b)[i] ^= 0x80;
		CHECK(!bs_flow_eq(&a, &b), "byte %u differs", i);
	}
}

/* The hashed words are those documented in table.c. */
static void
test_hash(void)
{
	struct bs_table *t = table_new(100, &key_a, NULL);
	struct bs_flow f;
	uint64_t w[5];
	uint32_t r, l, p;

	flow_make(&f, 2);
	memcpy(&r, f.raddr + 12, 4);
	memcpy(&l, f.laddr + 12, 4);
	memcpy(&p, &f.rport, 4);
	w[0] = r | (uint64_t)l << 32;
	w[1] = p;
	CHECK_EQ(bs_table_hash(t, &f), bs_siphash13(&key_a, w, 2), "IPv4: 2 words");
	flow_make(&f, 3);
	memcpy(w, &f, 32);
	memcpy(&p, &f.rport, 4);
	w[4] = p;
	CHECK_EQ(bs_table_hash(t, &f), bs_siphash13(&key_a, w, 5), "IPv6: 5 words");
	free(t);
}

/*
 * bs_table_hash_hdr() of the headers a segment arrives with equals
 * bs_table_hash() of its flow (remote = source) for many random flows of
 * both families, and each byte it reads matters: the worker's look-ahead
 * hashes received headers, the endpoint's own lookups (bs_tcp_ep_input,
 * the handshake's add, TIME_WAIT) hash struct bs_flow keys, and both must
 * find the same buckets. A v4-mapped IPv6 flow is not the IPv4 flow here:
 * an IPv6 header never carries one to the table.
 */
static void
test_hash_hdr(void)
{
	struct bs_table *t = table_new(100, &key_a, NULL);
	uint8_t ip4[20] = { 0x45 }, ip6[40] = { 0x60 }, th[20] = { 0 };
	struct bs_flow f;
	unsigned int i, bad4 = 0, bad6 = 0, same = 0;
	uint64_t h, h4, h6;

	for (i = 0; i < 1000; i++) {
		uint64_t r = rnd(), s = rnd(), u = rnd(), v = rnd();

		memcpy(ip4 + 12, &r, 8);		/* source, destination */
		memcpy(th, &s, 4);			/* source port, destination port */
		bs_flow_from_ipv4(&f, ip4 + 12, ip4 + 16, (uint16_t)s, (uint16_t)(s >> 16));
		bad4 += bs_table_hash_hdr(t, ip4 + 12, false, th) != bs_table_hash(t, &f);
		memcpy(ip6 + 8, &r, 8);
		memcpy(ip6 + 16, &u, 8);
		memcpy(ip6 + 24, &v, 8);
		memcpy(ip6 + 32, &s, 8);
		bs_flow_from_ipv6(&f, ip6 + 8, ip6 + 24, (uint16_t)s, (uint16_t)(s >> 16));
		bad6 += bs_table_hash_hdr(t, ip6 + 8, true, th) != bs_table_hash(t, &f);
	}
	CHECK_EQ(bad4, 0, "IPv4 headers hash as their flow");
	CHECK_EQ(bad6, 0, "IPv6 headers hash as their flow");
	/* Every byte of the addresses and ports changes the hash. */
	h4 = bs_table_hash_hdr(t, ip4 + 12, false, th);
	h6 = bs_table_hash_hdr(t, ip6 + 8, true, th);
	for (i = 0; i < 8; i++) {
		ip4[12 + i] ^= 1;
		same += bs_table_hash_hdr(t, ip4 + 12, false, th) == h4;
		ip4[12 + i] ^= 1;
	}
	for (i = 0; i < 32; i++) {
		ip6[8 + i] ^= 1;
		same += bs_table_hash_hdr(t, ip6 + 8, true, th) == h6;
		ip6[8 + i] ^= 1;
	}
	for (i = 0; i < 4; i++) {
		th[i] ^= 1;
		same += bs_table_hash_hdr(t, ip4 + 12, false, th) == h4;
		same += bs_table_hash_hdr(t, ip6 + 8, true, th) == h6;
		th[i] ^= 1;
	}
	CHECK_EQ(same, 0, "each address and port byte is hashed");
	/* The segment's flow is found with the header's hash (prefetched first). */
	{
		struct obj o = { 0 };
		uint16_t sport, dport;

		memcpy(ip4 + 12, (const uint8_t[]){ 198, 18, 7, 1, 198, 18, 0, 2 }, 8);
		memcpy(th, (const uint8_t[]){ 0x9c, 0x40, 0x00, 0x50 }, 4);
		memcpy(&sport, th, 2);
		memcpy(&dport, th + 2, 2);
		bs_flow_from_ipv4(&o.key, ip4 + 12, ip4 + 16, sport, dport);
		bs_table_set_pool(t, 0, &o, sizeof(o));
		CHECK_EQ(add(t, &o, 0), 0, "add");
		h = bs_table_hash_hdr(t, ip4 + 12, false, th);
		bs_table_prefetch(t, h);
		CHECK_EQ(bs_table_lookup(t, &o.key, h), BS_TABLE_VALUE(0, 0),
			"found with the header's hash");
	}
	free(t);
}

static void
test_sizing(void)
{
	uint8_t small[256] __attribute__((aligned(64)));
	struct bs_table *t;

	CHECK_EQ(bs_table_memsize(0), 0, "no capacity");
	CHECK_EQ(bs_table_memsize(BS_TABLE_INDEX_MAX + 2u), 0, "above the index space");
	/* capacity / (10 slots * 0.9), rounded up; 64-byte buckets. */
	CHECK_EQ(bs_table_memsize(9) - bs_table_memsize(1), 0, "9 entries: 1 bucket");
	CHECK_EQ(bs_table_memsize(10) - bs_table_memsize(9), 64, "10 entries: 2 buckets");
	CHECK_EQ(bs_table_memsize(9000000) - bs_table_memsize(9), 999999 * 64,
		"9 M entries: 1 M buckets");
	CHECK(bs_table_memsize(10000000) <= 8 * 10000000ull,
		"10 M entries: %zu bytes, <= 8 per entry", bs_table_memsize(10000000));
	CHECK(bs_table_init(small, 64, 9, &key_a) == NULL, "memory too small");
	t = table_new(10, &key_a, NULL);
	CHECK_EQ(bs_table_slots(t), 20, "slots");
	CHECK_EQ(bs_table_capacity(t), 10, "capacity");
	CHECK_EQ(bs_table_memory(t), bs_table_memsize(10), "memory");
	CHECK_EQ(bs_table_count(t), 0, "empty");
	CHECK_EQ(bs_table_set_pool(t, BS_TABLE_POOLS, small, 64), -EINVAL, "bad pool");
	CHECK_EQ(bs_table_set_pool(t, 0, small, 35), -EINVAL, "stride < key");
	free(t);
}

static void
test_basic(void)
{
	struct obj *o = objs_new(4), *o2 = objs_new(2);
	struct bs_table *t = table_new(100, &key_a, o);
	uint64_t h0 = bs_table_hash(t, &o[0].key);
	struct bs_flow v4, v6;

	bs_table_set_pool(t, 3, o2, sizeof(*o2));
	CHECK_EQ(lookup(t, &o[0].key), BS_TABLE_MISS, "empty table");
	CHECK_EQ(add(t, o, 0), 0, "add IPv4");
	CHECK_EQ(add(t, o, 1), 0, "add IPv6");
	CHECK_EQ(bs_table_add(t, &o2[1].key, bs_table_hash(t, &o2[1].key),
		BS_TABLE_VALUE(3, 1)), 0, "add into pool 3");
	CHECK_EQ(bs_table_count(t), 3, "three entries");
	CHECK_EQ(lookup(t, &o[0].key), BS_TABLE_VALUE(0, 0), "IPv4 found");
	CHECK_EQ(lookup(t, &o[1].key), BS_TABLE_VALUE(0, 1), "IPv6 found");
	CHECK_EQ(lookup(t, &o2[1].key), BS_TABLE_VALUE(3, 1), "pool 3 found");
	CHECK_EQ(lookup(t, &o[2].key), BS_TABLE_MISS, "absent");
	CHECK_EQ(bs_table_add(t, &o[0].key, h0, BS_TABLE_VALUE(0, 3)), -EEXIST,
		"duplicate");
	CHECK_EQ(lookup(t, &o[0].key), BS_TABLE_VALUE(0, 0), "duplicate changed nothing");
	CHECK_EQ(bs_table_count(t), 3, "duplicate not counted");
	CHECK_EQ(bs_table_add(t, &o[2].key, h0, BS_TABLE_MISS), -EINVAL,
		"the miss value");
	/* The same address bytes as IPv4 and as IPv6 are different keys. */
	bs_flow_from_ipv6(&v6, o[0].key.raddr + 12, o[0].key.laddr + 12,
		o[0].key.rport, o[0].key.lport);
	memcpy(v6.raddr + 4, o[0].key.raddr + 12, 4);
	memcpy(v6.laddr + 4, o[0].key.laddr + 12, 4);
	CHECK_EQ(lookup(t, &v6), BS_TABLE_MISS, "IPv6 key with IPv4's bytes");
	v4 = o[0].key;
	v4.rport ^= 1;
	CHECK_EQ(lookup(t, &v4), BS_TABLE_MISS, "other remote port");
	CHECK_EQ(bs_table_del(t, &o[0].key, h0), BS_TABLE_VALUE(0, 0), "delete");
	CHECK_EQ(bs_table_del(t, &o[0].key, h0), BS_TABLE_MISS, "delete again");
	CHECK_EQ(lookup(t, &o[0].key), BS_TABLE_MISS, "deleted");
	/* A request's slot handed to its child: the key stays, the value
	 * changes (object 3 of pool 0 holds o[1]'s key). */
	o[3].key = o[1].key;
	CHECK_EQ(bs_table_set_value(t, bs_table_hash(t, &o[1].key), BS_TABLE_VALUE(0, 2),
		BS_TABLE_VALUE(0, 3)), -ENOENT, "set by a wrong value");
	CHECK_EQ(lookup(t, &o[1].key), BS_TABLE_VALUE(0, 1), "wrong value: unchanged");
	CHECK_EQ(bs_table_set_value(t, bs_table_hash(t, &o[1].key), BS_TABLE_VALUE(0, 1),
		BS_TABLE_MISS), -EINVAL, "set to the miss value");
	CHECK_EQ(bs_table_set_value(t, bs_table_hash(t, &o[1].key), BS_TABLE_VALUE(0, 1),
		BS_TABLE_VALUE(0, 3)), 0, "set by value");
	CHECK_EQ(lookup(t, &o[1].key), BS_TABLE_VALUE(0, 3), "the new value");
	CHECK_EQ(bs_table_count(t), 2, "set: no entry added");
	CHECK_EQ(bs_table_set_value(t, bs_table_hash(t, &o[1].key), BS_TABLE_VALUE(0, 3),
		BS_TABLE_VALUE(0, 1)), 0, "set back");
	CHECK_EQ(bs_table_del_value(t, bs_table_hash(t, &o[1].key), BS_TABLE_VALUE(0, 2)),
		-ENOENT, "delete by a wrong value");
	CHECK_EQ(bs_table_del_value(t, bs_table_hash(t, &o[1].key), BS_TABLE_VALUE(0, 1)),
		0, "delete by value");
	CHECK_EQ(lookup(t, &o[1].key), BS_TABLE_MISS, "deleted by value");
	CHECK_EQ(bs_table_count(t), 1, "one left");
	CHECK_EQ(add(t, o, 0), 0, "re-add");
	CHECK_EQ(lookup(t, &o[0].key), BS_TABLE_VALUE(0, 0), "re-added");
	CHECK_EQ(bs_table_count(t), 2, "two entries");
	free(t);
	free(o);
	free(o2);
}

/* Every object in [0, n) is found with its value. @return misses */
static uint32_t
all_found(struct bs_table *t, struct obj *o, uint32_t n)
{
	uint32_t i, bad = 0;

	for (i = 0; i < n; i++)
		bad += lookup(t, &o[i].key) != BS_TABLE_VALUE(0, i);
	return bad;
}

/*
 * Fill until the first -ENOSPC: the designed load is reached without a
 * failure, the failing insertion changes nothing, and nothing is lost.
 */
static void
fill_one(uint32_t capacity, double min_load)
{
	uint32_t n_obj = (uint32_t)(bs_table_memsize(capacity) / 64 * 10 + 10);
	struct obj *o = objs_new(n_obj);
	struct bs_table *t = table_new(capacity, &key_a, o);
	uint32_t i, b, n_del, fail_at = UINT32_MAX;
	uint64_t h;
	double load;
	int rc;

	for (i = 0; i < n_obj; i++) {
		rc = add(t, o, i);
		if (rc != 0) {
			CHECK_EQ(rc, -ENOSPC, "capacity %u: full, not %d", capacity, rc);
			fail_at = i;
			break;
		}
	}
	load = (double)fail_at / (double)bs_table_slots(t);
	printf("capacity %u: %lu slots, first -ENOSPC at %u entries (load %.4f)\n",
		capacity, (unsigned long)bs_table_slots(t), fail_at, load);
	CHECK(fail_at != UINT32_MAX && fail_at >= capacity,
		"capacity %u: designed load reached (%u)", capacity, fail_at);
	CHECK(load >= min_load, "capacity %u: load %.4f >= %.2f", capacity, load, min_load);
	CHECK_EQ(bs_table_count(t), fail_at, "capacity %u: count unchanged", capacity);
	CHECK_EQ(lookup(t, &o[fail_at].key), BS_TABLE_MISS, "rejected key absent");
	CHECK_EQ(all_found(t, o, fail_at), 0, "capacity %u: nothing lost", capacity);
	/*
	 * Deleting the keys that may sit in the rejected key's primary bucket
	 * (white box: table_internal.h) makes room for it, and for no more.
	 */
	h = bs_table_hash(t, &o[fail_at].key);
	b = bs_table_prim(t, h);
	for (i = 0, n_del = 0; i < fail_at; i++) {
		uint64_t hi = bs_table_hash(t, &o[i].key);
		uint32_t bi = bs_table_prim(t, hi);

		if (bi == b || bs_table_alt(t, bi, bs_table_fp(hi)) == b)
			n_del += bs_table_del(t, &o[i].key, hi) == BS_TABLE_VALUE(0, i);
	}
	CHECK(n_del >= BS_TABLE_SLOTS, "capacity %u: %u deleted", capacity, n_del);
	CHECK_EQ(add(t, o, fail_at), 0, "capacity %u: room after deletes", capacity);
	CHECK_EQ(all_found(t, o, fail_at + 1), n_del, "capacity %u: only the deleted missing",
		capacity);
	CHECK_EQ(bs_table_count(t), fail_at + 1 - n_del, "capacity %u: count", capacity);
	free(t);
	free(o);
}

static void
test_fill(void)
{
	/* One bucket: both candidates are the same bucket; exactly 10 fit. */
	fill_one(9, 1.0);
	fill_one(900, 0.95);
	fill_one(90000, 0.95);
	fill_one(1000000, 0.95);
}

/* Random adds and deletes near the designed load against a flag per object. */
static void
test_churn(void)
{
	const uint32_t n_obj = 40000, cap = 36000, ops = 3000000;
	struct obj *o = objs_new(n_obj);
	struct bs_table *t = table_new(cap, &key_b, o);
	uint8_t *in = calloc(n_obj, 1);
	const struct bs_flow *keys[256];
	uint32_t i, j, count = 0, bad = 0, vals[256];

	for (i = 0; i < ops; i++) {
		uint32_t k = (uint32_t)(rnd() % n_obj);
		uint64_t h = bs_table_hash(t, &o[k].key);

		if (in[k]) {
			if (i & 1)
				bad += bs_table_del(t, &o[k].key, h) != BS_TABLE_VALUE(0, k);
			else
				bad += bs_table_del_value(t, h, BS_TABLE_VALUE(0, k)) != 0;
			in[k] = 0;
			count--;
		} else if (count < cap) {
			bad += bs_table_add(t, &o[k].key, h, BS_TABLE_VALUE(0, k)) != 0;
			in[k] = 1;
			count++;
		} else {
			bad += bs_table_add(t, &o[k].key, h, BS_TABLE_VALUE(0, k)) != 0;
			bad += bs_table_del(t, &o[k].key, h) != BS_TABLE_VALUE(0, k);
		}
		bad += bs_table_lookup(t, &o[k].key, h) !=
			(in[k] ? BS_TABLE_VALUE(0, k) : BS_TABLE_MISS);
		if (i % 500000 != 499999)
			continue;
		/* Every object, present or not, against the reference. */
		for (j = 0; j < n_obj; j++) {
			keys[j % 256] = &o[j].key;
			if (j % 256 == 255 || j == n_obj - 1) {
				uint32_t base = j - j % 256, m = j % 256 + 1, x;

				bs_table_lookup_burst(t, keys, m, vals);
				for (x = 0; x < m; x++)
					bad += vals[x] != (in[base + x] ?
						BS_TABLE_VALUE(0, base + x) : BS_TABLE_MISS);
			}
		}
		CHECK_EQ(bs_table_count(t), count, "count after %u operations", i + 1);
	}
	CHECK_EQ(bad, 0, "%u operations against the reference", ops);
	free(in);
	free(t);
	free(o);
}

static void
test_burst(void)
{
	static const unsigned int sizes[] = { 1, 2, 31, 32, 33, 64, 100, 1000 };
	const uint32_t n_obj = 3000;
	struct obj *o = objs_new(n_obj);
	struct bs_table *t = table_new(1500, &key_a, o);
	const struct bs_flow *keys[1000];
	uint32_t vals[1000], want_hits, i, x, bad;

	for (i = 0; i < n_obj; i += 2)	/* even objects in, odd ones not */
		add(t, o, i);
	for (x = 0; x < RTE_DIM(sizes); x++) {
		unsigned int n = sizes[x];

		want_hits = 0;
		for (i = 0; i < n; i++) {
			uint32_t k = (uint32_t)(rnd() % n_obj);

			keys[i] = &o[k].key;
			want_hits += k % 2 == 0;
		}
		CHECK_EQ(bs_table_lookup_burst(t, keys, n, vals), want_hits,
			"burst of %u: hits", n);
		for (i = 0, bad = 0; i < n; i++)
			bad += vals[i] != lookup(t, keys[i]);
		CHECK_EQ(bad, 0, "burst of %u equals single lookups", n);
	}
	free(t);
	free(o);
}

/*
 * Fingerprint collisions: (1) keys given one hash, so both buckets and the
 * fingerprint are the same and only the key compare tells them apart;
 * (2) real SipHash fingerprint collisions in a one-bucket table.
 */
static void
test_collisions(void)
{
	struct obj *o = objs_new(21), *c = objs_new(20000);
	struct bs_table *t = table_new(900, &key_a, o);
	const struct bs_flow *keys[4];
	uint64_t h = 0x1234abcd00000000ULL;
	uint32_t i, fp, bad = 0, vals[4], idx[4], n = 0, *fps;

	for (i = 0; i < 20; i++)
		bad += bs_table_add(t, &o[i].key, h, BS_TABLE_VALUE(0, i)) != 0;
	CHECK_EQ(bad, 0, "20 keys of one hash fill both buckets");
	CHECK_EQ(bs_table_add(t, &o[20].key, h, BS_TABLE_VALUE(0, 20)), -ENOSPC,
		"the 21st key of that hash");
	for (i = 0, bad = 0; i < 20; i++)
		bad += bs_table_lookup(t, &o[i].key, h) != BS_TABLE_VALUE(0, i);
	CHECK_EQ(bad, 0, "each colliding key finds its own value");
	CHECK_EQ(bs_table_lookup(t, &o[20].key, h), BS_TABLE_MISS, "absent colliding key");
	CHECK_EQ(bs_table_del(t, &o[7].key, h), BS_TABLE_VALUE(0, 7), "delete one");
	CHECK_EQ(bs_table_lookup(t, &o[7].key, h), BS_TABLE_MISS, "deleted");
	CHECK_EQ(bs_table_add(t, &o[20].key, h, BS_TABLE_VALUE(0, 20)), 0,
		"room for the 21st");
	for (i = 0, bad = 0; i < 21; i++)
		bad += bs_table_lookup(t, &o[i].key, h) != (i == 7 ? BS_TABLE_MISS :
			BS_TABLE_VALUE(0, i));
	CHECK_EQ(bad, 0, "all others intact");
	free(t);

	/*
	 * Four keys whose SipHash fingerprints (bits 32-47) are equal, in a
	 * one-bucket table: three added, one absent.
	 */
	t = table_new(9, &key_a, c);
	fps = calloc(65536, sizeof(*fps));
	for (i = 0; i < 20000; i++)
		fps[(uint16_t)(bs_table_hash(t, &c[i].key) >> 32)]++;
	for (fp = 0; fp < 65536 && fps[fp] < 4; fp++)
		;
	CHECK(fp < 65536, "four keys of one fingerprint among 20000");
	for (i = 0; i < 20000 && n < 4; i++)
		if ((uint16_t)(bs_table_hash(t, &c[i].key) >> 32) == fp)
			idx[n++] = i;
	for (i = 0, bad = 0; i < 3; i++)
		bad += add(t, c, idx[i]) != 0;
	CHECK_EQ(bad, 0, "three colliding keys added");
	for (i = 0; i < 4; i++)
		keys[i] = &c[idx[3 - i]].key;
	CHECK_EQ(bs_table_lookup_burst(t, keys, 4, vals), 3, "burst: three hits");
	CHECK_EQ(vals[0], BS_TABLE_MISS, "the absent one");
	for (i = 1; i < 4; i++)
		CHECK_EQ(vals[i], BS_TABLE_VALUE(0, idx[3 - i]), "its own value");
	free(fps);
	free(t);
	free(o);
	free(c);
}

static void
test_walk(void)
{
	const uint32_t n_obj = 5000;
	struct obj *o = objs_new(n_obj);
	struct bs_table *t = table_new(n_obj, &key_a, o);
	uint8_t *seen = calloc(n_obj, 1);
	uint64_t cursor = 0;
	uint32_t vals[7], i, n, pages = 0, total = 0, dup = 0, stray = 0;

	for (i = 0; i < n_obj; i++)
		add(t, o, i);
	/* Deleting during the walk: the survivors are still seen once. */
	while ((n = bs_table_walk(t, &cursor, vals, 7)) != 0) {
		for (i = 0; i < n; i++) {
			uint32_t k = BS_TABLE_VALUE_INDEX(vals[i]);

			dup += seen[k]++ != 0;
			stray += k % 3 == 0 && pages > 0;
		}
		total += n;
		if (pages++ == 0)	/* delete every third object */
			for (i = 0; i < n_obj; i += 3)
				bs_table_del(t, &o[i].key, bs_table_hash(t, &o[i].key));
	}
	for (i = 0, n = 0; i < n_obj; i++)
		n += i % 3 != 0 && seen[i] != 1;
	CHECK_EQ(n, 0, "every surviving entry seen once");
	CHECK_EQ(dup, 0, "no entry twice");
	CHECK(stray <= 7, "deleted entries not seen after their deletion (%u)", stray);
	CHECK_EQ(bs_table_walk(t, &cursor, vals, 7), 0, "walk ended");
	CHECK_EQ(cursor, bs_table_slots(t), "cursor at the end");
	/* A full walk of a quiet table returns the count. */
	cursor = 0;
	total = 0;
	while ((n = bs_table_walk(t, &cursor, vals, 1)) != 0)
		total += n;
	CHECK_EQ(total, bs_table_count(t), "one page per entry");
	CHECK_EQ(total, n_obj - (n_obj + 2) / 3, "entries left");
	free(seen);
	free(t);
	free(o);
}

/* Position (slot number) of every value, from a walk. */
static void
positions(struct bs_table *t, uint32_t *pos, uint32_t n_obj)
{
	uint64_t cursor = 0;
	uint32_t v;

	while (bs_table_walk(t, &cursor, &v, 1) == 1)
		if (BS_TABLE_VALUE_INDEX(v) < n_obj)
			pos[BS_TABLE_VALUE_INDEX(v)] = (uint32_t)(cursor - 1);
}

static void
test_secret(void)
{
	const uint32_t n_obj = 1000;
	struct obj *o = objs_new(n_obj);
	struct bs_table *a = table_new(2000, &key_a, o), *a2 = table_new(2000, &key_a, o);
	struct bs_table *b = table_new(2000, &key_b, o);
	uint32_t *pa = calloc(n_obj, 4), *pa2 = calloc(n_obj, 4), *pb = calloc(n_obj, 4);
	uint32_t i, same_a = 0, same_b = 0, same_h = 0;

	for (i = 0; i < n_obj; i++) {
		add(a, o, i);
		add(a2, o, i);
		add(b, o, i);
		same_h += bs_table_hash(a, &o[i].key) == bs_table_hash(b, &o[i].key);
	}
	positions(a, pa, n_obj);
	positions(a2, pa2, n_obj);
	positions(b, pb, n_obj);
	for (i = 0; i < n_obj; i++) {
		same_a += pa[i] == pa2[i];
		same_b += pa[i] / BS_TABLE_SLOTS == pb[i] / BS_TABLE_SLOTS;
	}
	CHECK_EQ(same_h, 0, "hashes under two secrets");
	CHECK_EQ(same_a, n_obj, "one secret: the same slots");
	/* 223 buckets: about 1000 / 223 = 4.5 keys share a bucket by chance. */
	CHECK(same_b < 30, "two secrets: %u of %u keys in the same bucket", same_b, n_obj);
	free(pa);
	free(pa2);
	free(pb);
	free(a);
	free(a2);
	free(b);
	free(o);
}

/* A pool of packed IPv4 keys (12 bytes) with its own comparison. */
struct obj4 {
	uint8_t raddr[4];
	uint8_t laddr[4];
	uint16_t rport;
	uint16_t lport;
};

static unsigned int eq_calls;

static bool
obj4_eq(const void *ctx, const void *obj, const struct bs_flow *key)
{
	const struct obj4 *o = obj;

	eq_calls++;
	CHECK(ctx == &eq_calls, "the pool's context");
	return bs_flow_is_v4(key) && memcmp(o->raddr, key->raddr + 12, 4) == 0 &&
		memcmp(o->laddr, key->laddr + 12, 4) == 0 &&
		o->rport == key->rport && o->lport == key->lport;
}

static void
test_packed_pool(void)
{
	struct obj *o = objs_new(4);
	struct obj4 p[2];
	struct bs_table *t = table_new(100, &key_a, o);
	const struct bs_flow *keys[3];
	struct bs_flow k6;
	uint32_t vals[3];
	unsigned int i;

	CHECK_EQ(bs_table_set_pool_eq(t, 2, p, 3, obj4_eq, NULL), -EINVAL, "stride < 4");
	CHECK_EQ(bs_table_set_pool_eq(t, 2, p, sizeof(p[0]), NULL, NULL), -EINVAL, "no eq");
	CHECK_EQ(bs_table_set_pool_eq(t, 2, p, sizeof(p[0]), obj4_eq, &eq_calls), 0, "packed pool");
	for (i = 0; i < 2; i++) {	/* o[0], o[2] are IPv4 flows (flow_make) */
		const struct bs_flow *f = &o[2 * i].key;

		CHECK(bs_flow_is_v4(f), "IPv4 key");
		memcpy(p[i].raddr, f->raddr + 12, 4);
		memcpy(p[i].laddr, f->laddr + 12, 4);
		p[i].rport = f->rport;
		p[i].lport = f->lport;
		CHECK_EQ(bs_table_add(t, f, bs_table_hash(t, f), BS_TABLE_VALUE(2, i)), 0,
			"add packed %u", i);
	}
	CHECK_EQ(add(t, o, 1), 0, "and an IPv6 one in pool 0");
	CHECK_EQ(lookup(t, &o[0].key), BS_TABLE_VALUE(2, 0), "packed 0 found");
	CHECK_EQ(lookup(t, &o[2].key), BS_TABLE_VALUE(2, 1), "packed 1 found");
	CHECK_EQ(lookup(t, &o[1].key), BS_TABLE_VALUE(0, 1), "pool 0 found");
	CHECK(eq_calls >= 2, "the pool's comparison was used");
	CHECK_EQ(bs_table_add(t, &o[0].key, bs_table_hash(t, &o[0].key),
		BS_TABLE_VALUE(0, 0)), -EEXIST, "duplicate of a packed key");
	keys[0] = &o[2].key;
	keys[1] = &o[3].key;
	keys[2] = &o[0].key;
	CHECK_EQ(bs_table_lookup_burst(t, keys, 3, vals), 2, "burst: two hits");
	CHECK_EQ(vals[0], BS_TABLE_VALUE(2, 1), "burst packed 1");
	CHECK_EQ(vals[1], BS_TABLE_MISS, "burst miss");
	CHECK_EQ(vals[2], BS_TABLE_VALUE(2, 0), "burst packed 0");
	/* An IPv6 key ending in the same bytes is another key. */
	k6 = o[0].key;
	k6.raddr[10] = 0;
	CHECK_EQ(obj4_eq(&eq_calls, &p[0], &k6), false, "not v4-mapped");
	CHECK_EQ(lookup(t, &k6), BS_TABLE_MISS, "IPv6 key with the packed bytes");
	CHECK_EQ(bs_table_del(t, &o[0].key, bs_table_hash(t, &o[0].key)),
		BS_TABLE_VALUE(2, 0), "delete a packed key");
	CHECK_EQ(lookup(t, &o[0].key), BS_TABLE_MISS, "deleted");
	CHECK_EQ(bs_table_count(t), 2, "two left");
	free(t);
	free(o);
}

int
main(void)
{
	test_flow();
	test_hash();
	test_hash_hdr();
	test_sizing();
	test_basic();
	test_packed_pool();
	test_fill();
	test_churn();
	test_burst();
	test_collisions();
	test_walk();
	test_secret();
	return bs_test_done();
}
