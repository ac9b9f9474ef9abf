/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Connection table: creation, the keyed hash, insertion with cuckoo
 * displacement, deletion and the walk. Lookups are in table_lookup.c.
 */
#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_malloc.h>

#include "table_internal.h"

/* The transparent huge page size of x86-64 (and of arm64 with 4 KiB pages). */
#define TABLE_THP_SIZE ((size_t)2 << 20)

/* Nodes of the breadth-first search for a free slot: depth 3 at 10 slots. */
#define BS_TABLE_BFS_MAX 512

size_t
bs_table_memsize(uint32_t capacity)
{
	uint64_t nb;

	if (capacity == 0 || capacity > BS_TABLE_INDEX_MAX + 1u)
		return 0;
	nb = ((uint64_t)capacity * 100 + BS_TABLE_SLOTS * BS_TABLE_LOAD_PCT - 1) /
		(BS_TABLE_SLOTS * BS_TABLE_LOAD_PCT);
	return sizeof(struct bs_table) + nb * sizeof(struct bs_table_bucket);
}

struct bs_table *
bs_table_init(void *mem, size_t size, uint32_t capacity,
		const struct bs_sipkey *key)
{
	size_t need = bs_table_memsize(capacity);
	struct bs_table *t = mem;

	if (mem == NULL || need == 0 || size < need)
		return NULL;
	memset(mem, 0, need);
	t->key = *key;
	t->capacity = capacity;
	t->size = need;
	t->nb = (uint32_t)((need - sizeof(*t)) / sizeof(struct bs_table_bucket));
	t->b = (struct bs_table_bucket *)(t + 1);
	return t;
}

/*
 * Memory for a table that is not to be EAL memory: without hugepages
 * (EAL --no-huge) the EAL's memory is a shared memfd in 4 KiB pages, which
 * transparent huge pages do not back (shmem_enabled is "never" by
 * default). The buckets of a table of millions of entries then span tens
 * of thousands of pages, and nearly every lookup's two bucket reads miss
 * the TLB and walk the page tables: at 10 M connections held, the stray
 * path lost a quarter of its rate to those walks (docs/performance.md).
 * Private anonymous memory, aligned to and asked for in 2 MiB pages
 * (MADV_HUGEPAGE, honoured with THP "always" or "madvise"), holds the
 * buckets of 10 M entries in 35 TLB entries. No device ever reads the
 * table, so it need not be DMA memory. With hugepages, and for tables
 * under one huge page, the EAL's memory as before.
 * @return the mapping, aligned to TABLE_THP_SIZE, or NULL
 */
static void *
thp_map(size_t size, size_t *map_len, void **map)
{
	size_t len = RTE_ALIGN_CEIL(size, TABLE_THP_SIZE) + TABLE_THP_SIZE;
	void *p;

	if (rte_eal_has_hugepages() || size < TABLE_THP_SIZE)
		return NULL;
	p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return NULL;
	*map = p;
	*map_len = len;
	p = RTE_PTR_ALIGN_CEIL(p, TABLE_THP_SIZE);
	(void)madvise(p, len - TABLE_THP_SIZE, MADV_HUGEPAGE);
	return p;
}

struct bs_table *
bs_table_create(uint32_t capacity, const struct bs_sipkey *key, int socket_id)
{
	size_t size = bs_table_memsize(capacity), map_len = 0;
	struct bs_table *t;
	void *mem, *map = NULL;

	if (size == 0)
		return NULL;
	mem = thp_map(size, &map_len, &map);
	if (mem == NULL)
		mem = rte_zmalloc_socket("bs_table", size, RTE_CACHE_LINE_SIZE, socket_id);
	if (mem == NULL)
		return NULL;
	t = bs_table_init(mem, size, capacity, key);
	t->map = map;
	t->map_len = map_len;
	return t;
}

void
bs_table_free(struct bs_table *t)
{
	if (t != NULL && t->map != NULL)
		munmap(t->map, t->map_len);
	else
		rte_free(t);
}

int
bs_table_set_pool(struct bs_table *t, unsigned int id, void *base,
		size_t stride)
{
	if (id >= BS_TABLE_POOLS || stride < sizeof(struct bs_flow))
		return -EINVAL;
	t->pool[id].base = base;
	t->pool[id].stride = stride;
	t->pool[id].eq = NULL;
	t->pool[id].ctx = NULL;
	return 0;
}

int
bs_table_set_pool_eq(struct bs_table *t, unsigned int id, void *base,
		size_t stride, bs_table_key_eq eq, const void *ctx)
{
	if (id >= BS_TABLE_POOLS || stride < 4 || eq == NULL)
		return -EINVAL;
	t->pool[id].base = base;
	t->pool[id].stride = stride;
	t->pool[id].eq = eq;
	t->pool[id].ctx = ctx;
	return 0;
}

uint64_t
bs_table_hash(const struct bs_table *t, const struct bs_flow *key)
{
	return bs_table_hash_inl(t, key);
}

uint64_t
bs_table_hash_hdr(const struct bs_table *t, const void *addrs, bool v6,
		const void *ports)
{
	uint32_t p;

	memcpy(&p, ports, 4);
	return v6 ? bs_table_hash6(t, addrs, p) : bs_table_hash4(t, addrs, p);
}

static inline void
slot_set(struct bs_table_bucket *bk, unsigned int s, uint16_t fp, uint32_t v)
{
	bk->fp[s] = fp;
	bk->val[s] = v;
}

struct bfs_node {
	uint32_t bucket;
	int16_t parent;		/* index in the queue, -1 for a root */
	uint8_t slot;		/* slot of the parent's bucket that moves here */
};

/* Is bucket @p b on the path from node @p i back to its root? */
static bool
on_path(const struct bfs_node *q, int i, uint32_t b)
{
	for (; i >= 0; i = q[i].parent)
		if (q[i].bucket == b)
			return true;
	return false;
}

/*
 * Move the entries along the path ending at node @p i, whose bucket has free
 * slot @p free, one step each towards it, and store the new entry in the
 * slot this frees in the root bucket. The buckets of a path are distinct
 * (on_path()), so each source slot still holds what the search saw.
 */
static void
shift_path(struct bs_table *t, const struct bfs_node *q, int i,
		unsigned int free, uint16_t fp, uint32_t value)
{
	for (; q[i].parent >= 0; i = q[i].parent) {
		struct bs_table_bucket *src = &t->b[q[q[i].parent].bucket];
		unsigned int s = q[i].slot;

		slot_set(&t->b[q[i].bucket], free, src->fp[s], src->val[s]);
		free = s;
	}
	slot_set(&t->b[q[i].bucket], free, fp, value);
}

/*
 * Breadth-first search from the two full buckets of a new key for the
 * shortest chain of relocations that ends in a free slot (the idea of
 * rte_hash's cuckoo_make_space_mw). Nothing moves unless a chain is found.
 * @return 0 with the new entry stored, or -ENOSPC
 */
static int
make_space(struct bs_table *t, uint32_t b1, uint32_t b2, uint16_t fp,
		uint32_t value)
{
	struct bfs_node q[BS_TABLE_BFS_MAX];
	int head, tail = 0;

	q[tail++] = (struct bfs_node){ b1, -1, 0 };
	if (b2 != b1)
		q[tail++] = (struct bfs_node){ b2, -1, 0 };
	for (head = 0; head < tail; head++) {
		const struct bs_table_bucket *bk = &t->b[q[head].bucket];
		unsigned int s;

		for (s = 0; s < BS_TABLE_SLOTS && tail < BS_TABLE_BFS_MAX; s++) {
			uint32_t c = bs_table_alt(t, q[head].bucket, bk->fp[s]);
			uint32_t free;

			if (on_path(q, head, c))
				continue;
			q[tail] = (struct bfs_node){ c, (int16_t)head, (uint8_t)s };
			free = bs_table_match(&t->b[c], 0);
			if (free != 0) {
				shift_path(t, q, tail, (unsigned int)__builtin_ctz(free),
					fp, value);
				return 0;
			}
			tail++;
		}
	}
	return -ENOSPC;
}

int
bs_table_add(struct bs_table *t, const struct bs_flow *key, uint64_t hash,
		uint32_t value)
{
	uint16_t fp = bs_table_fp(hash);
	uint32_t b1 = bs_table_prim(t, hash), b2 = bs_table_alt(t, b1, fp);
	struct bs_table_bucket *bk1 = &t->b[b1], *bk2 = &t->b[b2];
	uint32_t free;

	if (value == BS_TABLE_MISS)
		return -EINVAL;
	if (bs_table_find(t, bk1, bs_table_match(bk1, fp), key) >= 0 ||
			bs_table_find(t, bk2, bs_table_match(bk2, fp), key) >= 0)
		return -EEXIST;
	free = bs_table_match(bk1, 0);
	if (free != 0) {
		slot_set(bk1, (unsigned int)__builtin_ctz(free), fp, value);
	} else if ((free = bs_table_match(bk2, 0)) != 0) {
		slot_set(bk2, (unsigned int)__builtin_ctz(free), fp, value);
	} else if (make_space(t, b1, b2, fp, value) != 0) {
		return -ENOSPC;
	}
	__atomic_store_n(&t->count, t->count + 1, __ATOMIC_RELAXED);
	return 0;
}

/* Slot of the entry holding @p value among @p bk's fingerprint hits, or -1. */
static int
find_value(const struct bs_table_bucket *bk, uint32_t m, uint32_t value)
{
	for (; m != 0; m &= m - 1) {
		int s = __builtin_ctz(m);

		if (bk->val[s] == value)
			return s;
	}
	return -1;
}

static void
slot_clear(struct bs_table *t, struct bs_table_bucket *bk, int s)
{
	slot_set(bk, (unsigned int)s, 0, 0);
	__atomic_store_n(&t->count, t->count - 1, __ATOMIC_RELAXED);
}

uint32_t
bs_table_del(struct bs_table *t, const struct bs_flow *key, uint64_t hash)
{
	uint16_t fp = bs_table_fp(hash);
	uint32_t b = bs_table_prim(t, hash);
	struct bs_table_bucket *bk = &t->b[b];
	uint32_t v;
	int s;

	s = bs_table_find(t, bk, bs_table_match(bk, fp), key);
	if (s < 0) {
		bk = &t->b[bs_table_alt(t, b, fp)];
		s = bs_table_find(t, bk, bs_table_match(bk, fp), key);
		if (s < 0)
			return BS_TABLE_MISS;
	}
	v = bk->val[s];
	slot_clear(t, bk, s);
	return v;
}

/* The bucket and slot holding @p value under @p hash. @return the slot,
 * or -1 */
static int
find_slot(struct bs_table *t, uint64_t hash, uint32_t value,
		struct bs_table_bucket **bkp)
{
	uint16_t fp = bs_table_fp(hash);
	uint32_t b = bs_table_prim(t, hash);
	struct bs_table_bucket *bk = &t->b[b];
	int s;

	s = find_value(bk, bs_table_match(bk, fp), value);
	if (s < 0) {
		bk = &t->b[bs_table_alt(t, b, fp)];
		s = find_value(bk, bs_table_match(bk, fp), value);
	}
	*bkp = bk;
	return s;
}

int
bs_table_del_value(struct bs_table *t, uint64_t hash, uint32_t value)
{
	struct bs_table_bucket *bk;
	int s = find_slot(t, hash, value, &bk);

	if (s < 0)
		return -ENOENT;
	slot_clear(t, bk, s);
	return 0;
}

int
bs_table_set_value(struct bs_table *t, uint64_t hash, uint32_t value, uint32_t repl)
{
	struct bs_table_bucket *bk;
	int s;

	if (repl == BS_TABLE_MISS)
		return -EINVAL;
	s = find_slot(t, hash, value, &bk);
	if (s < 0)
		return -ENOENT;
	bk->val[s] = repl;
	return 0;
}

unsigned int
bs_table_walk(const struct bs_table *t, uint64_t *cursor, uint32_t values[],
		unsigned int max)
{
	return bs_table_walk_slots(t, cursor, UINT64_MAX, values, max);
}

unsigned int
bs_table_walk_slots(const struct bs_table *t, uint64_t *cursor, uint64_t max_slots,
		uint32_t values[], unsigned int max)
{
	uint64_t end = (uint64_t)t->nb * BS_TABLE_SLOTS, i = *cursor;
	unsigned int n = 0;

	if (max_slots < end - RTE_MIN(i, end))
		end = i + max_slots;

	for (; i < end && n < max; i++) {
		const struct bs_table_bucket *bk = &t->b[i / BS_TABLE_SLOTS];
		unsigned int s = (unsigned int)(i % BS_TABLE_SLOTS);

		if (bk->fp[s] != 0)
			values[n++] = bk->val[s];
	}
	*cursor = i;
	return n;
}

uint32_t
bs_table_count(const struct bs_table *t)
{
	return __atomic_load_n(&t->count, __ATOMIC_RELAXED);
}

uint32_t
bs_table_capacity(const struct bs_table *t)
{
	return t->capacity;
}

uint64_t
bs_table_slots(const struct bs_table *t)
{
	return (uint64_t)t->nb * BS_TABLE_SLOTS;
}

size_t
bs_table_memory(const struct bs_table *t)
{
	return t->size;
}
