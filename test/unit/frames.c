/* SPDX-License-Identifier: BSD-3-Clause */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <rte_common.h>
#include <rte_eal.h>
#include <rte_mbuf.h>

#include <rte_malloc.h>

#include "bs_addr.h"
#include "bs_config.h"
#include "bs_tcp_ep.h"
#include "bs_worker.h"
#include "frames.h"

const uint8_t t_port_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x02 };
const uint8_t t_peer_mac[6] = { 0x02, 0x00, 0x00, 0x00, 0x00, 0x01 };

/* EAL leaves its runtime directory behind (empty: no shared config, no
 * telemetry socket). */
static void
runtime_dir_remove(void)
{
	rmdir(rte_eal_get_runtime_dir());
}

struct rte_mempool *
t_eal_pool(const char *argv0, const char *name, unsigned int mem_mb, unsigned int n_mbufs)
{
	char mem[16], prefix[64], pool_name[RTE_MEMPOOL_NAMESIZE];
	char *eal[] = { (char *)(uintptr_t)argv0, "--no-huge", "-m", mem, "--no-pci",
		"--no-shconf", "--no-telemetry", "--file-prefix", prefix, "--log-level=lib.*:error", NULL };
	struct rte_mempool *mp;

	snprintf(mem, sizeof(mem), "%u", mem_mb);
	snprintf(prefix, sizeof(prefix), "bs-unit-%s", name);
	snprintf(pool_name, sizeof(pool_name), "bs_unit_%s", name);
	if (rte_eal_init((int)RTE_DIM(eal) - 1, eal) < 0) {
		printf("EAL init failed\n");
		return NULL;
	}
	atexit(runtime_dir_remove);
	mp = rte_pktmbuf_pool_create(pool_name, n_mbufs, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE,
		SOCKET_ID_ANY);
	if (mp == NULL)
		printf("no mbuf pool\n");
	return mp;
}

void
t_addrs(struct bs_addr_table *t, const char *const *items, unsigned int n)
{
	char err[128];
	unsigned int i;

	for (i = 0; i < n; i++) {
		struct bs_addr a;

		if (bs_addr_parse(&a, items[i], false, err, sizeof(err)) != 0 ||
				bs_addr_add(t, &a, err, sizeof(err)) != 0)
			abort();
	}
}

struct bs_worker *
t_worker_new(struct rte_mempool *pool, struct bs_config *cfg, const struct bs_ip_conf *ipc,
		struct bs_addr_table *addrs, const char *text)
{
	static const char *const items[] = { "198.18.0.2/24", "2001:2::2/64",
		"198.18.1.2/24 vlan 100" };
	struct bs_worker *w = rte_zmalloc("test_worker", sizeof(*w), RTE_CACHE_LINE_SIZE);
	struct bs_tcp_ep_conf c = {
		.conf = cfg, .ip = ipc, .pool = pool, .stats = &w->stats,
		.tx = bs_worker_ep_tx, .resolve = bs_worker_ep_resolve,
		.hold = bs_worker_ep_hold, .tx_arg = w, .worker = 0, .n_workers = 1,
		.socket = SOCKET_ID_ANY, .tsc_hz = rte_get_tsc_hz(), .n_ports = 1,
	};
	char err[256];

	bs_config_defaults(cfg);
	if (bs_config_parse(cfg, text, "test", err, sizeof(err)) != 0) {
		printf("config: %s\n", err);
		exit(1);
	}
	if (addrs->n == 0)
		t_addrs(addrs, items, RTE_DIM(items));
	w->lcore = rte_lcore_id();
	w->ip = ipc;
	w->pool = pool;
	w->n_workers = 1;
	w->n_ports = 1;
	memcpy(w->ports[0].mac.addr_bytes, t_port_mac, 6);
	w->ports[0].addrs = addrs;
	w->ports[0].polled = true;
	c.port_mac = &w->ports[0].mac;
	bs_neigh_init(&w->neigh);
	w->ep = bs_tcp_ep_create(&c, err, sizeof(err));
	if (w->ep == NULL) {
		printf("endpoint: %s\n", err);
		exit(1);
	}
	return w;
}

static void
put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)(v >> 8);
	p[1] = (uint8_t)v;
}

static void
put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

uint16_t
t_csum(const uint8_t *p, size_t n, uint32_t sum)
{
	size_t i;

	for (i = 0; i + 1 < n; i += 2)
		sum += (uint32_t)(p[i] << 8 | p[i + 1]);
	if (n & 1)
		sum += (uint32_t)p[n - 1] << 8;
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)~sum;
}

void
t_seg_init(struct tseg *s, bool v6, uint16_t vlan)
{
	memset(s, 0, sizeof(*s));
	s->v6 = v6;
	s->vlan = vlan;
	s->sport = 40000;
	s->dport = 23;
	s->win = 64240;
	if (v6) {
		static const uint8_t a[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 1 };
		static const uint8_t b[16] = { 0x20, 0x01, 0x00, 0x02, [15] = 2 };

		memcpy(s->src, a, 16);
		memcpy(s->dst, b, 16);
	} else {
		static const uint8_t a[4] = { 198, 18, 0, 1 };
		static const uint8_t b[4] = { 198, 18, 0, 2 };

		memcpy(s->src, a, 4);
		memcpy(s->dst, b, 4);
	}
}

static size_t
put_eth(uint8_t *b, const uint8_t *dst, const uint8_t *src, uint16_t vlan, bool v6)
{
	size_t o = 12;

	memcpy(b, dst, 6);
	memcpy(b + 6, src, 6);
	if (vlan != 0) {
		put16(b + o, 0x8100);
		put16(b + o + 2, vlan);
		o += 4;
	}
	put16(b + o, v6 ? 0x86dd : 0x0800);
	return o + 2;
}

static uint32_t
pseudo(bool v6, const uint8_t *src, const uint8_t *dst, uint32_t len)
{
	uint8_t ph[40];
	size_t n;
	uint32_t sum = 0, i;

	if (v6) {
		memcpy(ph, src, 16);
		memcpy(ph + 16, dst, 16);
		put32(ph + 32, len);
		put32(ph + 36, 6);
		n = 40;
	} else {
		memcpy(ph, src, 4);
		memcpy(ph + 4, dst, 4);
		ph[8] = 0;
		ph[9] = 6;
		put16(ph + 10, (uint16_t)len);
		n = 12;
	}
	for (i = 0; i < n; i += 2)
		sum += (uint32_t)(ph[i] << 8 | ph[i + 1]);
	return sum;
}

/* An IP + TCP packet at @p b; @return its length */
static size_t
put_ip_tcp(uint8_t *b, bool v6, const uint8_t *src, const uint8_t *dst,
		uint8_t tos, uint32_t label, uint8_t ttl, bool df, uint8_t ip_opt_words,
		uint16_t sport, uint16_t dport, uint32_t seq, uint32_t ack,
		uint8_t flags, uint16_t win, const uint8_t *opts, uint8_t opt_len,
		uint16_t payload)
{
	size_t ipl = v6 ? 40 : 20 + 4u * ip_opt_words;
	uint8_t *t = b + ipl;
	size_t tl = 20u + opt_len + payload, i;

	memset(b, 0, ipl + tl);
	if (v6) {
		put32(b, 6u << 28 | (uint32_t)tos << 20 | label);
		put16(b + 4, (uint16_t)tl);
		b[6] = 6;
		b[7] = ttl;
		memcpy(b + 8, src, 16);
		memcpy(b + 24, dst, 16);
	} else {
		b[0] = (uint8_t)(0x40 | (ipl / 4));
		b[1] = tos;
		put16(b + 2, (uint16_t)(ipl + tl));
		put16(b + 4, df ? 0 : 0x1234);
		put16(b + 6, df ? 0x4000 : 0);
		b[8] = ttl;
		b[9] = 6;
		memcpy(b + 12, src, 4);
		memcpy(b + 16, dst, 4);
		memset(b + 20, 1, ipl - 20);	/* NOP options */
		put16(b + 10, t_csum(b, ipl, 0));
	}
	put16(t, sport);
	put16(t + 2, dport);
	put32(t + 4, seq);
	put32(t + 8, ack);
	t[12] = (uint8_t)(((20 + opt_len) / 4) << 4);
	t[13] = flags;
	put16(t + 14, win);
	if (opt_len != 0)
		memcpy(t + 20, opts, opt_len);
	for (i = 0; i < payload; i++)
		t[20 + opt_len + i] = (uint8_t)(0x41 + i % 26);
	put16(t + 16, t_csum(t, tl, pseudo(v6, src, dst, (uint32_t)tl)));
	return ipl + tl;
}

size_t
t_build_segment(uint8_t *buf, const struct tseg *s)
{
	size_t l2 = put_eth(buf, t_port_mac, t_peer_mac, s->vlan, s->v6);
	size_t n = l2 + put_ip_tcp(buf + l2, s->v6, s->src, s->dst, s->tos, s->label,
		57, false, s->ip_opt_words, s->sport, s->dport, s->seq, s->ack,
		s->flags, s->win, s->tcp_opts, s->tcp_opt_len, s->payload);

	if (n < s->pad_to) {
		memset(buf + n, 0xee, s->pad_to - n);
		n = s->pad_to;
	}
	return n;
}

size_t
t_build_expected_rst(uint8_t *buf, const struct tseg *s, uint32_t label)
{
	size_t l2 = put_eth(buf, t_peer_mac, t_port_mac, s->vlan, s->v6);
	uint32_t seq, ack;
	uint8_t flags;

	if (s->flags & 0x10) {
		flags = 0x04;
		seq = s->ack;
		ack = 0;
	} else {
		flags = 0x14;
		seq = 0;
		ack = s->seq + s->payload + !!(s->flags & 0x02) + !!(s->flags & 0x01);
	}
	return l2 + put_ip_tcp(buf + l2, s->v6, s->dst, s->src, s->tos & 0xfc, label,
		64, true, 0, s->dport, s->sport, seq, ack, flags, 0, NULL, 0, 0);
}
