/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checksum offloads through the worker's frame handler (lib/worker/worker.c).
 * The burst loop picks one of two copies of the handler per burst: one that
 * reads no offload flag, for ports with none (every virtual device), and one
 * that trusts the NIC's RX verdicts and leaves the reply's checksums to it.
 * Both are driven here through bs_worker_handle() with the port flags set
 * by hand: software verification and generation on a plain port; a NIC's
 * GOOD and BAD verdicts taken as given, UNKNOWN checked in software; the
 * TX request (flags, header lengths, pseudo-header sum in the TCP field).
 * No ethdev: replies are read from the worker's TX buffer.
 */
#include <rte_eal.h>
#include <rte_ip.h>
#include <rte_malloc.h>
#include <rte_mbuf.h>

#include "bs_stats.h"
#include "bs_test.h"
#include "bs_worker.h"
#include "frames.h"

static struct rte_mempool *pool;
static struct bs_ip_conf ipc = { .ttl = 64, .hop_limit = 64 };
static struct bs_addr_table addrs;
static struct bs_worker w;

/* Port 0 with these offloads, replies on itself; counters cleared. */
static void
port_set(bool rx_ip, bool rx_l4, bool tx)
{
	struct bs_worker_port *wp = &w.ports[0];

	memset(&w.stats, 0, sizeof(w.stats));
	wp->rx_ip_csum = rx_ip;
	wp->rx_l4_csum = rx_l4;
	wp->tx_csum = tx;
	wp->n_tx = 0;
}

/* Hand one segment, with these RX flags and its TCP checksum broken or
 * not, to the worker. @return the reply (NULL: none; counted drops in
 * w.stats) */
static struct rte_mbuf *
feed(const struct tseg *s, uint64_t ol_flags, bool bad_tcp_csum, bool bad_ip_csum)
{
	struct bs_worker_port *wp = &w.ports[0];
	struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
	uint8_t *f;
	size_t n;

	if (m == NULL)
		return NULL;
	f = rte_pktmbuf_mtod(m, uint8_t *);
	n = t_build_segment(f, s);
	if (bad_tcp_csum)
		f[14 + 20 + 16] ^= 0x01;
	if (bad_ip_csum)
		f[14 + 10] ^= 0x01;
	m->data_len = (uint16_t)n;
	m->pkt_len = (uint32_t)n;
	m->ol_flags = ol_flags;
	bs_worker_handle(&w, wp, m);
	if (wp->n_tx == 0)
		return NULL;
	wp->n_tx = 0;
	return wp->tx[0];
}

static uint64_t
drops(unsigned int reason)
{
	return w.stats.drop[reason];
}

/* The reply is the RST Linux sends, checksums and all. */
static void
check_rst(struct rte_mbuf *m, const struct tseg *s, const char *what)
{
	uint8_t want[128];
	size_t n = t_build_expected_rst(want, s, 0);

	CHECK(m != NULL, "%s: a reply", what);
	if (m == NULL)
		return;
	CHECK_EQ(m->data_len, n, "%s: length", what);
	CHECK(memcmp(rte_pktmbuf_mtod(m, uint8_t *), want, n) == 0, "%s: the bytes", what);
	CHECK_EQ(m->ol_flags, 0, "%s: no TX offload requested", what);
	rte_pktmbuf_free(m);
}

static void
c_plain(void)
{
	struct tseg s;

	t_seg_init(&s, false, 0);
	s.flags = 0x02;		/* SYN to a closed port: RST|ACK (N1) */
	port_set(false, false, false);
	check_rst(feed(&s, 0, false, false), &s, "plain, good");
	/* A NIC's flags on a port that does not trust them mean nothing. */
	check_rst(feed(&s, RTE_MBUF_F_RX_L4_CKSUM_BAD | RTE_MBUF_F_RX_IP_CKSUM_BAD, false,
		false), &s, "plain, flags ignored");
	CHECK(feed(&s, RTE_MBUF_F_RX_L4_CKSUM_GOOD, true, false) == NULL,
		"plain: a bad TCP checksum gets nothing, whatever the flags say");
	CHECK_EQ(drops(BS_DROP_TCP_CSUM), 1, "plain: counted TCP_CSUM");
	CHECK_EQ(w.stats.cnt[BS_CNT_TcpInCsumErrors], 1, "plain: TcpInCsumErrors");
	CHECK(feed(&s, RTE_MBUF_F_RX_IP_CKSUM_GOOD, false, true) == NULL,
		"plain: a bad IPv4 checksum gets nothing");
	CHECK_EQ(drops(BS_DROP_IP_CSUM), 1, "plain: counted IP_CSUM");
}

static void
c_rx_offload(void)
{
	struct tseg s;

	t_seg_init(&s, false, 0);
	s.flags = 0x10;		/* ACK: RST with SEQ = its ACK (N2) */
	s.ack = 0x01020304;
	port_set(true, true, false);
	/* GOOD from the NIC is trusted: a segment whose checksum the NIC
	 * has vouched for is answered (here, deliberately, a broken one,
	 * to show it is not summed again). */
	struct rte_mbuf *m = feed(&s, RTE_MBUF_F_RX_L4_CKSUM_GOOD | RTE_MBUF_F_RX_IP_CKSUM_GOOD,
		true, false);
	CHECK(m != NULL, "rx offload: GOOD is trusted");
	rte_pktmbuf_free(m);
	CHECK(feed(&s, RTE_MBUF_F_RX_L4_CKSUM_BAD | RTE_MBUF_F_RX_IP_CKSUM_GOOD, false,
		false) == NULL, "rx offload: L4 BAD drops a good segment");
	CHECK_EQ(drops(BS_DROP_TCP_CSUM), 1, "rx offload: counted TCP_CSUM");
	CHECK(feed(&s, RTE_MBUF_F_RX_IP_CKSUM_BAD, false, false) == NULL,
		"rx offload: IP BAD drops");
	CHECK_EQ(drops(BS_DROP_IP_CSUM), 1, "rx offload: counted IP_CSUM");
	/* UNKNOWN: summed in software. */
	check_rst(feed(&s, 0, false, false), &s, "rx offload, unknown, good");
	CHECK(feed(&s, 0, true, false) == NULL, "rx offload: unknown, bad TCP checksum");
	CHECK_EQ(drops(BS_DROP_TCP_CSUM), 2, "rx offload: counted TCP_CSUM again");
}

static void
c_tx_offload(void)
{
	struct rte_mbuf *m;
	struct tseg s;
	uint8_t want[128];
	size_t n;

	t_seg_init(&s, false, 0);
	s.flags = 0x02;
	port_set(false, false, true);
	m = feed(&s, 0, false, false);
	CHECK(m != NULL, "tx offload: a reply");
	if (m == NULL)
		return;
	n = t_build_expected_rst(want, &s, 0);
	CHECK_EQ(m->data_len, n, "tx offload: length");
	CHECK_EQ(m->ol_flags, RTE_MBUF_F_TX_TCP_CKSUM | RTE_MBUF_F_TX_IPV4 |
		RTE_MBUF_F_TX_IP_CKSUM, "tx offload: flags");
	CHECK_EQ(m->l2_len, 14, "tx offload: l2_len");
	CHECK_EQ(m->l3_len, 20, "tx offload: l3_len");
	{
		uint8_t *f = rte_pktmbuf_mtod(m, uint8_t *);
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)(f + 14);
		uint16_t tcp_field, ip_field;

		memcpy(&ip_field, f + 14 + 10, 2);
		memcpy(&tcp_field, f + 14 + 20 + 16, 2);
		CHECK_EQ(ip_field, 0, "tx offload: the IPv4 checksum left to the NIC");
		CHECK_EQ(tcp_field, rte_ipv4_phdr_cksum(ip, 0),
			"tx offload: the TCP field holds the pseudo-header sum");
		/* Everything else is the RST Linux sends. */
		memset(want + 14 + 10, 0, 2);
		memset(f + 14 + 20 + 16, 0, 2);
		memset(want + 14 + 20 + 16, 0, 2);
		CHECK(memcmp(f, want, n) == 0, "tx offload: the other bytes");
	}
	rte_pktmbuf_free(m);
}

int
main(int argc, char **argv)
{
	static const char *const items[] = { "198.18.0.2/24" };
	unsigned int in_use;

	(void)argc;
	pool = t_eal_pool(argv[0], "woffload", 64, 255);
	if (pool == NULL)
		return 1;
	t_addrs(&addrs, items, RTE_DIM(items));
	w.lcore = rte_lcore_id();
	w.ip = &ipc;
	w.pool = pool;
	w.n_workers = 1;
	w.n_ports = 1;
	memcpy(w.ports[0].mac.addr_bytes, t_port_mac, 6);
	w.ports[0].addrs = &addrs;
	w.ports[0].polled = true;
	in_use = rte_mempool_in_use_count(pool);
	c_plain();
	c_rx_offload();
	c_tx_offload();
	CHECK_EQ(rte_mempool_in_use_count(pool), in_use, "every mbuf back in the pool");
	return bs_test_done();
}
