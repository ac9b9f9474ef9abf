/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_PORT_H
#define BS_PORT_H

/**
 * @file
 * Port bring-up: one RX and one TX queue per worker on every port that can
 * spread traffic with RSS (symmetric key, so both directions of a flow land
 * on the same worker), one queue pair otherwise. Checksum offloads are used
 * where the port has them. Control thread only, before workers start.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_ether.h>
#include <rte_mempool.h>

#include "bs_addr.h"
#include "bs_config.h"
#include "bs_rss.h"

struct bs_port {
	uint16_t port_id;
	char name[BS_PORT_NAME_LEN];
	struct rte_ether_addr mac;
	uint16_t nb_q;		/**< queue pairs: workers 0..nb_q-1 poll it */
	uint16_t tx_idx;	/**< index of the port replies leave from */
	bool rss;		/**< traffic spread over nb_q queues by RSS */
	bool rx_ip_csum;	/**< RX IPv4 checksum offload enabled */
	bool rx_l4_csum;	/**< RX TCP checksum offload enabled */
	bool tx_csum;		/**< TX IPv4 + TCP checksum offload enabled */
	bool prefetch;		/**< workers prefetch received frames */
	bool dma;		/**< a device may read or write the mbufs (a NIC) */
	bool unmap_guard;	/**< its driver unmaps memory under the poll
				 *   loops: munmap() waits for them
				 *   (bs_port_guard.h) */
	uint16_t rx_desc;
	uint16_t tx_desc;
	const struct bs_port_conf *conf;
	struct bs_addr_table addrs;
	struct bs_rss rss_model;	/**< what RSS does, read back after start */
};

/**
 * Find a configured port's ethdev and decide its queues and offloads
 * (no device call that changes state).
 * @return 0, or -1 with a message
 */
int bs_port_probe(struct bs_port *p, const struct bs_port_conf *pc,
		unsigned int n_workers, char *err, size_t errlen);

/** mbufs the ports need with these queues, descriptors and workers. */
uint32_t bs_port_mbufs_needed(const struct bs_port *ports, unsigned int n_ports,
		unsigned int n_workers, uint32_t burst, uint32_t cache);

/** Configure queues and offloads and start the port. */
int bs_port_start(struct bs_port *p, struct rte_mempool *mp, char *err,
		size_t errlen);

/**
 * Whether a device may read or write this port's mbufs: true for a NIC
 * (and anything not known to move frames with the CPU, or unreadable),
 * false for net_pcap, net_af_packet, net_tap, net_null, net_ring and
 * net_memif without zero-copy.
 */
bool bs_port_id_dma(uint16_t port_id);

/**
 * The packet mbuf pool: n mbufs of RTE_MBUF_DEFAULT_BUF_SIZE. With thp_ok
 * (the caller knows no device will DMA to or from it) and no hugepages,
 * its mbufs are in transparent huge pages (pool.c says why) and *thp is
 * set; otherwise, or if that fails, rte_pktmbuf_pool_create().
 * @return the pool, or NULL with rte_errno set
 */
struct rte_mempool *bs_mbuf_pool_create(const char *name, uint32_t n,
		uint32_t cache, int socket, bool dma, bool *thp);

/** Stop and close. */
void bs_port_close(struct bs_port *p);

/**
 * Send one frame built by the control thread (gratuitous ARP, unsolicited
 * NA) on queue 0. Only before the workers start.
 * @return 0, or -1 if it could not be sent
 */
int bs_port_send_raw(struct bs_port *p, struct rte_mempool *mp,
		const uint8_t *frame, uint32_t len);

#endif /* BS_PORT_H */
