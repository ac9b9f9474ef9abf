/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * libFuzzer harness: one whole frame through bs_worker_handle(), the
 * worker's path for a received frame, on a fake port (no ethdev: replies
 * are read from the worker's TX buffers). Input: a knob byte, then the
 * frame. Knobs: bit 0, an endpoint with listeners (else strays only);
 * bit 1, the frame also in a two-segment chain (cut at bits 3-7 32nds of
 * its length, 0: the middle), which must come to the same drop reason or
 * the same reply bytes unless the cut falls among the headers (dropped as
 * too small: they are read from the first segment); bit 2, stray policies
 * (drop on 198.18.0.0/24, a rate limit of 1 RST a second on 198.18.1.0/24,
 * reply on 2001:2::/64), their buckets full at each input.
 *
 * Invariants checked on every input, against an independent reading of
 * the frame (fuzz_frame_ref.c):
 *  - one outcome: a reply queued, or one drop reason counted, or taken
 *    (the endpoint, or neighbour news: its counter moved);
 *  - a reply only when the frame deserves one: from the port's MAC to the
 *    sender's unicast MAC, IP addresses swapped, never to a frame with a
 *    bad IPv4 or TCP checksum, never to an RST, never to LAND; a TCP reply
 *    is the RST of RFC 9293 3.10.7.1 (SEQ = SEG.ACK, or ACK = SEG.SEQ +
 *    SEG.LEN);
 *  - no mbuf leaked: the pool (small) is full again after each input.
 */
#include <rte_cycles.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bs_config.h"
#include "bs_policy.h"
#include "bs_tcp_ep.h"
#include "bs_worker.h"
#include "frames.h"
#include "fuzz.h"
#include "fuzz_ref.h"

#define POOL_MBUFS 512

static struct rte_mempool *pool;
static struct bs_config cfg;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct bs_addr_table addrs;
static struct bs_worker *w;
static uint8_t in_copy[16384];

static const char conf_text[] = FUZZ_CONF_BASE
	"[listener hold]\naddress = any\nport = 5000\napp = hold\nbacklog = 2\n\n"
	"[stray]\npolicies = 198.18.0.0/24 drop, 198.18.1.0/24 ratelimit 1, 2001:2::/64 reply\n";

static struct bs_policy_reg reg;
static struct bs_policy_table *policies;

static uint64_t
drops(void)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < BS_DROP_MAX; i++)
		n += w->stats.drop[i];
	return n;
}

static bool
ep_holds_any(void)
{
	uint64_t n[BS_TCP_STATE_MAX];
	unsigned int i;
	uint64_t sum = 0;

	if (w->ep == NULL)
		return false;
	bs_tcp_ep_state_counts(w->ep, n);
	for (i = 0; i < BS_TCP_STATE_MAX; i++)
		sum += i == BS_TCP_LISTEN ? 0 : n[i];
	return sum != 0;
}

/* What one frame came to: a reply (its bytes), a drop reason, or taken. */
struct outcome {
	int drop;			/* reason, -1: none */
	uint32_t len;			/* reply bytes, 0: none */
	uint8_t reply[16384];
};

static struct outcome whole, chained;

static int
drop_reason(const uint64_t *before)
{
	unsigned int i;

	for (i = 0; i < BS_DROP_MAX; i++)
		if (w->stats.drop[i] != before[i])
			return (int)i;
	return -1;
}

/* The frame through the worker, in segments of at most @p seg bytes,
 * on a fresh endpoint; every invariant but the comparison. */
static void
run_once(uint8_t knobs, size_t n, size_t seg, struct outcome *o)
{
	struct bs_worker_port *wp = &w->ports[0];
	uint64_t drop0[BS_DROP_MAX], taken0;
	const void *b;
	uint16_t etx0;

	memset(&w->stats, 0, sizeof(w->stats));
	bs_neigh_init(&w->neigh);
	w->ep = (knobs & 1) ? fuzz_ep_new(&cfg, &ipc, pool, w) : NULL;
	w->policy = (knobs & 4) ? policies : NULL;
	memset(w->pstate, 0, sizeof(*w->pstate));
	if (w->ep != NULL)
		bs_tcp_ep_set_time(w->ep, rte_rdtsc());
	memcpy(drop0, w->stats.drop, sizeof(drop0));
	taken0 = w->stats.cnt[BS_CNT_ArpInReplies] +
		w->stats.cnt[BS_CNT_Icmp6InNeighborAdvertisements];
	etx0 = wp->n_etx;

	bs_worker_handle(w, wp, fuzz_frame_mbuf(pool, in_copy, n, seg));

	o->drop = drop_reason(drop0);
	o->len = 0;
	FUZZ_ASSERT(wp->n_tx <= 1, "%u replies to one frame", wp->n_tx);
	FUZZ_ASSERT(drops() <= 1, "%llu drop reasons for one frame",
		(unsigned long long)drops());
	FUZZ_ASSERT(wp->n_tx + drops() <= 1, "replied to and dropped");
	if (wp->n_tx == 0 && drops() == 0)
		FUZZ_ASSERT(wp->n_etx != etx0 || ep_holds_any() ||
			w->stats.cnt[BS_CNT_ArpInReplies] +
			w->stats.cnt[BS_CNT_Icmp6InNeighborAdvertisements] != taken0,
			"the frame vanished: no reply, no drop reason, nothing took it");
	if (wp->n_tx == 1) {
		struct rte_mbuf *r = wp->tx[0];

		FUZZ_ASSERT(r->pkt_len >= r->data_len && r->pkt_len <= sizeof(o->reply),
			"reply mbuf");
		fuzz_ref_check_reply(in_copy, n, rte_pktmbuf_mtod(r, const uint8_t *),
			r->data_len, t_port_mac);
		o->len = r->pkt_len;
		b = rte_pktmbuf_read(r, 0, o->len, o->reply);
		FUZZ_ASSERT(b != NULL, "reply bytes");
		if (b != o->reply)
			memcpy(o->reply, b, o->len);
	}
	rte_pktmbuf_free_bulk(wp->tx, wp->n_tx);
	rte_pktmbuf_free_bulk(wp->etx, wp->n_etx);
	wp->n_tx = wp->n_etx = 0;
	bs_tcp_ep_free(w->ep);
	w->ep = NULL;
	fuzz_neigh_free_held(w);
	FUZZ_ASSERT(rte_mempool_in_use_count(pool) == 0, "%u mbufs leaked",
		rte_mempool_in_use_count(pool));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t knobs;
	size_t n;

	if (size < 2 || size - 1 > sizeof(in_copy) || size - 1 > 4 * 2048)
		return -1;
	knobs = data[0];
	n = size - 1;
	memcpy(in_copy, data + 1, n);
	run_once(knobs, n, 2048, &whole);
	if (!(knobs & 2) || n < 2)
		return 0;
	/* The same frame in two segments comes to the same (an IPv4 or
	 * TCP reply's identification and timestamps aside: none differ
	 * between two runs of one frame). */
	run_once(knobs, n, (knobs >> 3) != 0 ? RTE_MAX(n * (knobs >> 3) / 32, 1u) :
		(n + 1) / 2, &chained);
	/* Headers are read from the first segment only (a NIC delivers
	 * them there): one cut among them is too small a frame. */
	if (chained.drop == BS_DROP_PKT_TOO_SMALL)
		return 0;
	FUZZ_ASSERT(whole.drop == chained.drop, "drop reason %d whole, %d in two segments",
		whole.drop, chained.drop);
	FUZZ_ASSERT(whole.len == chained.len && memcmp(whole.reply, chained.reply,
		whole.len) == 0, "reply of %u bytes whole, %u in two segments", whole.len,
		chained.len);
	return 0;
}

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	char err[256];

	(void)argc;
	(void)argv;
	pool = fuzz_eal_pool("frame", POOL_MBUFS);
	w = fuzz_worker_new(pool, conf_text, &cfg, &ipc, &addrs);
	w->pstate = rte_zmalloc("fuzz_pstate", sizeof(*w->pstate), RTE_CACHE_LINE_SIZE);
	FUZZ_ASSERT(w->pstate != NULL && bs_policy_table_build(&reg, &cfg.stray,
		rte_get_tsc_hz(), &policies, err, sizeof(err)) == 0 && policies != NULL,
		"policies: %s", err);
	return 0;
}
