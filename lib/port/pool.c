/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The packet mbuf pool. With hugepages it is an ordinary
 * rte_pktmbuf_pool_create(). Without them (EAL --no-huge), the EAL's
 * memory is a shared memfd in 4 KiB pages that transparent huge pages do
 * not back, so every mbuf a burst touches costs its own TLB entry, and
 * which physical pages the pool got decides which of its mbufs collide in
 * the caches: the same binary ran in a fast and a slow mode from one start
 * to the next (docs/performance.md, "Item 1: where the slow mode came
 * from"). When no port's device touches the mbufs (drivers that copy
 * frames with the CPU: bs_port_id_dma()) and [backstop] mbuf_thp allows
 * it, the objects go instead in private anonymous memory asked for in
 * 2 MiB pages (MADV_HUGEPAGE): 16 k mbufs then span 20 TLB entries. The
 * pool's header, per-lcore caches and ring stay EAL memory.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_mbuf.h>
#include <rte_mbuf_pool_ops.h>
#include <rte_mempool.h>

#include "bs_port.h"

#define POOL_THP_SIZE (2u << 20)

struct thp_chunk {
	void *map;
	size_t len;
};

static void
thp_chunk_free(struct rte_mempool_memhdr *memhdr __rte_unused, void *opaque)
{
	struct thp_chunk *c = opaque;

	munmap(c->map, c->len);
	free(c);
}

/*
 * The objects, packed (RTE_MEMPOOL_F_NO_IOVA_CONTIG: no device needs one
 * within a page, so they may straddle pages), in whole 2 MiB pages, and
 * one page more for the alignment of the first.
 */
static size_t
thp_pool_bytes(const struct rte_mempool *mp)
{
	size_t obj = mp->header_size + mp->elt_size + mp->trailer_size;

	return RTE_ALIGN_CEIL((size_t)mp->size * obj, POOL_THP_SIZE) + POOL_THP_SIZE;
}

static struct rte_mempool *
thp_pool_create(const char *name, uint32_t n, uint32_t cache, int socket)
{
	struct rte_pktmbuf_pool_private priv = {
		.mbuf_data_room_size = RTE_MBUF_DEFAULT_BUF_SIZE,
		.mbuf_priv_size = 0,
	};
	uint32_t elt = sizeof(struct rte_mbuf) + RTE_MBUF_DEFAULT_BUF_SIZE;
	size_t bytes;
	struct rte_mempool *mp;
	struct thp_chunk *c;
	void *p;
	int rc;

	mp = rte_mempool_create_empty(name, n, elt, cache, sizeof(priv), socket,
		RTE_MEMPOOL_F_NO_IOVA_CONTIG);
	if (mp == NULL)
		return NULL;
	rc = rte_mempool_set_ops_byname(mp, rte_mbuf_best_mempool_ops(), NULL);
	if (rc != 0)
		goto fail;
	rte_pktmbuf_pool_init(mp, &priv);
	bytes = thp_pool_bytes(mp);

	c = calloc(1, sizeof(*c));
	if (c == NULL) {
		rc = -ENOMEM;
		goto fail;
	}
	c->len = bytes + POOL_THP_SIZE;
	c->map = mmap(NULL, c->len, PROT_READ | PROT_WRITE,
		MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (c->map == MAP_FAILED) {
		rc = -errno;
		free(c);
		goto fail;
	}
	p = RTE_PTR_ALIGN_CEIL(c->map, POOL_THP_SIZE);
	(void)madvise(p, bytes, MADV_HUGEPAGE);
	/* No free callback yet: on failure the pool may or may not have
	 * registered (and then freed) a chunk, and the mapping is ours to
	 * unmap either way. Once the pool is whole, its first chunk owns it. */
	rc = rte_mempool_populate_virt(mp, p, bytes, POOL_THP_SIZE, NULL, NULL);
	if (rc <= 0 || mp->populated_size != n) {
		rte_mempool_free(mp);
		thp_chunk_free(NULL, c);
		rte_errno = rc < 0 ? -rc : ENOMEM;
		return NULL;
	}
	STAILQ_FIRST(&mp->mem_list)->free_cb = thp_chunk_free;
	STAILQ_FIRST(&mp->mem_list)->opaque = c;
	rte_mempool_obj_iter(mp, rte_pktmbuf_init, NULL);
	return mp;
fail:
	rte_mempool_free(mp);
	rte_errno = -rc;
	return NULL;
}

struct rte_mempool *
bs_mbuf_pool_create(const char *name, uint32_t n, uint32_t cache, int socket,
		bool thp_ok, bool *thp)
{
	struct rte_mempool *mp = NULL;

	*thp = false;
	if (thp_ok && !rte_eal_has_hugepages()) {
		mp = thp_pool_create(name, n, cache, socket);
		*thp = mp != NULL;
	}
	if (mp == NULL)
		mp = rte_pktmbuf_pool_create(name, n, cache, 0,
			RTE_MBUF_DEFAULT_BUF_SIZE, socket);
	return mp;
}
