/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include "fuzz.h"

static char scratch[128];

static void
scratch_unlink(void)
{
	unlink(scratch);
}

const char *
fuzz_scratch_file(const char *name, const char *ext)
{
	snprintf(scratch, sizeof(scratch), "/tmp/bs-fuzz-%s-%d.%s", name, (int)getpid(), ext);
	atexit(scratch_unlink);
	return scratch;
}

/* EAL's runtime directory (empty: --no-shconf) goes when the run ends. */
static void
runtime_dir_remove(void)
{
	rmdir(rte_eal_get_runtime_dir());
}

struct rte_mempool *
fuzz_eal_pool(const char *name, unsigned int n_mbufs)
{
	char prefix[64], pool_name[RTE_MEMPOOL_NAMESIZE];
	char *eal[] = { "bs-fuzz", "--no-huge", "-m", "128", "--no-pci", "--no-shconf",
		"--file-prefix", prefix, "--log-level=lib.*:error", "--no-telemetry",
		"-l", "0", NULL };
	struct rte_mempool *mp;

	snprintf(prefix, sizeof(prefix), "bs-fuzz-%s-%d", name, (int)getpid());
	snprintf(pool_name, sizeof(pool_name), "fuzz_%s", name);
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		fprintf(stderr, "EAL init failed\n");
		exit(1);
	}
	atexit(runtime_dir_remove);
	mp = rte_pktmbuf_pool_create(pool_name, n_mbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		SOCKET_ID_ANY);
	if (mp == NULL) {
		fprintf(stderr, "no mbuf pool\n");
		exit(1);
	}
	return mp;
}
