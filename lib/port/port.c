/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_dev.h>
#include <rte_devargs.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "bs_port.h"
#include "bs_port_guard.h"

/* A key made of one repeated 16-bit pattern gives the same Toeplitz hash
 * for (src, dst) and (dst, src): both directions of a flow on one queue. */
#define RSS_KEY_MAX 128
#define RSS_KEY_WORD 0x6d5a

/*
 * Drivers that move frames with the CPU, in this process: no device reads
 * or writes the mbufs, so the pool may be any memory (pool.c). `copies`:
 * their RX copies each frame into the mbuf, so the data is in L1 already,
 * and prefetching it measured ~8 cycles/frame slower on net_pcap
 * (docs/performance.md). A NIC DMAs frames: prefetch them, and its pool
 * must be the EAL's DMA memory.
 */
static const struct {
	const char *driver;
	bool copies;
} cpu_drivers[] = {
	{ "net_pcap", true },
	{ "net_af_packet", true },
	{ "net_tap", true },
	{ "net_memif", true },
	{ "net_null", false },
	{ "net_ring", false },
};

static int
cpu_driver(const char *driver)
{
	unsigned int i;

	for (i = 0; driver != NULL && i < RTE_DIM(cpu_drivers); i++)
		if (strcmp(driver, cpu_drivers[i].driver) == 0)
			return (int)i;
	return -1;
}

/* memif in zero-copy mode hands the peer the pool's memory itself. */
static bool
shares_pool(const struct rte_eth_dev_info *info)
{
	const struct rte_devargs *da = rte_dev_devargs(info->device);

	return da != NULL && da->args != NULL && strstr(da->args, "zero-copy=yes") != NULL;
}

static bool
port_dma(const struct rte_eth_dev_info *info)
{
	return cpu_driver(info->driver_name) < 0 || shares_pool(info);
}

bool
bs_port_id_dma(uint16_t port_id)
{
	struct rte_eth_dev_info info;

	return rte_eth_dev_info_get(port_id, &info) != 0 || port_dma(&info);
}

int
bs_port_probe(struct bs_port *p, const struct bs_port_conf *pc,
		unsigned int n_workers, char *err, size_t errlen)
{
	struct rte_eth_dev_info info;
	uint16_t pid;
	int rc, drv;

	memset(p, 0, sizeof(*p));
	if (rte_eth_dev_get_port_by_name(pc->name, &pid) != 0) {
		snprintf(err, errlen, "[port %s] (line %u): no such ethdev; give it to "
			"EAL (--vdev or -a) and check its name with the start-up log",
			pc->name, pc->line);
		return -1;
	}
	rc = rte_eth_dev_info_get(pid, &info);
	if (rc != 0) {
		snprintf(err, errlen, "[port %s]: cannot read device info: %s",
			pc->name, rte_strerror(-rc));
		return -1;
	}
	p->port_id = pid;
	p->conf = pc;
	p->addrs = pc->addrs;
	snprintf(p->name, sizeof(p->name), "%s", pc->name);
	rte_eth_macaddr_get(pid, &p->mac);

	p->rss = n_workers > 1 && info.flow_type_rss_offloads != 0 &&
		info.max_rx_queues >= n_workers && info.max_tx_queues >= n_workers;
	p->nb_q = p->rss ? (uint16_t)n_workers : 1;
	p->rx_ip_csum = (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_IPV4_CKSUM) != 0;
	p->rx_l4_csum = (info.rx_offload_capa & RTE_ETH_RX_OFFLOAD_TCP_CKSUM) != 0;
	p->tx_csum = (info.tx_offload_capa & (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM)) == (RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
		RTE_ETH_TX_OFFLOAD_TCP_CKSUM);
	drv = cpu_driver(info.driver_name);
	p->prefetch = pc->prefetch == BS_PREFETCH_AUTO ?
		!(drv >= 0 && cpu_drivers[drv].copies) : pc->prefetch == BS_PREFETCH_ON;
	p->dma = port_dma(&info);
	p->unmap_guard = bs_port_guard_needed(pid);
	p->rx_desc = (uint16_t)pc->rx_desc;
	p->tx_desc = (uint16_t)pc->tx_desc;
	rte_eth_dev_adjust_nb_rx_tx_desc(pid, &p->rx_desc, &p->tx_desc);
	return 0;
}

uint32_t
bs_port_mbufs_needed(const struct bs_port *ports, unsigned int n_ports,
		unsigned int n_workers, uint32_t burst, uint32_t cache)
{
	uint32_t n = 0;
	unsigned int i;

	for (i = 0; i < n_ports; i++)
		n += (uint32_t)ports[i].nb_q * (ports[i].rx_desc + ports[i].tx_desc);
	/* Frames in flight in each worker, mempool caches, announcements. */
	n += (n_workers + 1) * (2 * burst + cache) + 64;
	return n;
}

static void
rss_conf(struct rte_eth_conf *conf, const struct rte_eth_dev_info *info,
		uint8_t *key)
{
	unsigned int i, len = info->hash_key_size;

	if (len == 0 || len > RSS_KEY_MAX)
		len = 40;
	for (i = 0; i < len; i += 2) {
		key[i] = RSS_KEY_WORD >> 8;
		key[i + 1] = RSS_KEY_WORD & 0xff;
	}
	conf->rxmode.mq_mode = RTE_ETH_MQ_RX_RSS;
	conf->rx_adv_conf.rss_conf.rss_key = key;
	conf->rx_adv_conf.rss_conf.rss_key_len = (uint8_t)len;
	conf->rx_adv_conf.rss_conf.rss_hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) &
		info->flow_type_rss_offloads;
}

/*
 * The RSS the device applies, read back after start (its key, hash types
 * and redirection table), for the software model of bs_rss.h; what was
 * asked for where the device cannot tell. One queue: no RSS.
 */
static void
rss_model(struct bs_port *p, const struct rte_eth_dev_info *info, const uint8_t *key)
{
	struct rte_eth_rss_reta_entry64 reta[BS_RSS_RETA_MAX / RTE_ETH_RETA_GROUP_SIZE];
	struct bs_rss *r = &p->rss_model;
	struct rte_eth_rss_conf rc;
	unsigned int i, size = info->reta_size;
	uint64_t hf;

	memset(r, 0, sizeof(*r));
	r->n_queues = p->rss ? p->nb_q : 1;
	if (!p->rss)
		return;
	r->key_len = (uint8_t)(info->hash_key_size != 0 && info->hash_key_size <= BS_RSS_KEY_MAX ?
		info->hash_key_size : 40);
	memset(&rc, 0, sizeof(rc));
	rc.rss_key = r->key;
	rc.rss_key_len = r->key_len;
	if (rte_eth_dev_rss_hash_conf_get(p->port_id, &rc) == 0) {
		hf = rc.rss_hf;
	} else {
		memcpy(r->key, key, r->key_len);
		hf = (RTE_ETH_RSS_IP | RTE_ETH_RSS_TCP) & info->flow_type_rss_offloads;
	}
	r->fields = (uint8_t)(((hf & RTE_ETH_RSS_IPV4) ? BS_RSS_V4_L3 : 0) |
		((hf & RTE_ETH_RSS_NONFRAG_IPV4_TCP) ? BS_RSS_V4_L4 : 0) |
		((hf & (RTE_ETH_RSS_IPV6 | RTE_ETH_RSS_IPV6_EX)) ? BS_RSS_V6_L3 : 0) |
		((hf & (RTE_ETH_RSS_NONFRAG_IPV6_TCP | RTE_ETH_RSS_IPV6_TCP_EX)) ?
			BS_RSS_V6_L4 : 0));
	if (size == 0 || size > BS_RSS_RETA_MAX || size % RTE_ETH_RETA_GROUP_SIZE != 0)
		size = 0;
	memset(reta, 0, sizeof(reta));
	for (i = 0; i < size / RTE_ETH_RETA_GROUP_SIZE; i++)
		reta[i].mask = UINT64_MAX;
	if (size != 0 && rte_eth_dev_rss_reta_query(p->port_id, reta, (uint16_t)size) == 0) {
		for (i = 0; i < size; i++)
			r->reta[i] = reta[i / RTE_ETH_RETA_GROUP_SIZE].reta[i % RTE_ETH_RETA_GROUP_SIZE];
	} else {
		/* Drivers fill an untouched table round-robin. */
		size = size != 0 ? size : 128;
		for (i = 0; i < size; i++)
			r->reta[i] = (uint16_t)(i % p->nb_q);
	}
	r->reta_size = (uint16_t)size;
}

int
bs_port_start(struct bs_port *p, struct rte_mempool *mp, char *err, size_t errlen)
{
	struct rte_eth_conf conf;
	struct rte_eth_dev_info info;
	uint8_t key[RSS_KEY_MAX];
	int socket = rte_eth_dev_socket_id(p->port_id);
	uint16_t q;
	int rc;

	memset(&conf, 0, sizeof(conf));
	rte_eth_dev_info_get(p->port_id, &info);
	if (p->rss)
		rss_conf(&conf, &info, key);
	if (p->rx_ip_csum)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_IPV4_CKSUM;
	if (p->rx_l4_csum)
		conf.rxmode.offloads |= RTE_ETH_RX_OFFLOAD_TCP_CKSUM;
	if (p->tx_csum)
		conf.txmode.offloads |= RTE_ETH_TX_OFFLOAD_IPV4_CKSUM |
			RTE_ETH_TX_OFFLOAD_TCP_CKSUM;

	rc = rte_eth_dev_configure(p->port_id, p->nb_q, p->nb_q, &conf);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: configure %u queue(s): %s", p->name,
			p->nb_q, rte_strerror(-rc));
		return -1;
	}
	for (q = 0; q < p->nb_q; q++) {
		rc = rte_eth_rx_queue_setup(p->port_id, q, p->rx_desc,
			socket < 0 ? SOCKET_ID_ANY : socket, NULL, mp);
		if (rc == 0)
			rc = rte_eth_tx_queue_setup(p->port_id, q, p->tx_desc,
				socket < 0 ? SOCKET_ID_ANY : socket, NULL);
		if (rc != 0) {
			snprintf(err, errlen, "port %s: queue %u setup: %s", p->name, q,
				rte_strerror(-rc));
			return -1;
		}
	}
	rc = rte_eth_dev_start(p->port_id);
	if (rc != 0) {
		snprintf(err, errlen, "port %s: start: %s", p->name, rte_strerror(-rc));
		return -1;
	}
	rss_model(p, &info, key);
	/* Neighbour solicitations come to solicited-node groups: take all
	 * multicast (a filter list would need one entry per address). */
	rc = rte_eth_allmulticast_enable(p->port_id);
	if (rc != 0 && rc != -ENOTSUP)
		snprintf(err, errlen, "port %s: allmulticast: %s", p->name,
			rte_strerror(-rc));
	return 0;
}

void
bs_port_close(struct bs_port *p)
{
	rte_eth_dev_stop(p->port_id);
	rte_eth_dev_close(p->port_id);
}

int
bs_port_send_raw(struct bs_port *p, struct rte_mempool *mp, const uint8_t *frame,
		uint32_t len)
{
	struct rte_mbuf *m = rte_pktmbuf_alloc(mp);
	char *d;

	if (m == NULL)
		return -1;
	d = rte_pktmbuf_append(m, (uint16_t)len);
	if (d == NULL) {
		rte_pktmbuf_free(m);
		return -1;
	}
	memcpy(d, frame, len);
	if (rte_eth_tx_burst(p->port_id, 0, &m, 1) != 1) {
		rte_pktmbuf_free(m);
		return -1;
	}
	return 0;
}
