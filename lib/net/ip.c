/* SPDX-License-Identifier: BSD-3-Clause */
#include <string.h>

#include <rte_hash_crc.h>

#include "bs_net.h"

uint32_t
bs_ip6_reply_flowlabel(const struct bs_ip_conf *c, const struct rte_ipv6_hdr *in,
		uint32_t ports, uint8_t proto, unsigned int reflect_bit)
{
	uint32_t label = rte_be_to_cpu_32(in->vtc_flow) & 0xfffff;
	uint64_t a[4];	/* the addresses, aligned for the CRC instructions */
	uint32_t h;

	if ((c->flowlabel_reflect & reflect_bit) != 0 && label != 0)
		return label;
	if (!c->auto_flowlabels)
		return 0;
	/* The reply's flow: our address first, ports swapped. Only the low
	 * 20 bits go on the wire; rotate so they come from the mixed half. */
	memcpy(a, in->dst_addr, 16);
	memcpy(a + 2, in->src_addr, 16);
	h = rte_hash_crc_8byte(a[0], c->flow_secret ^ proto);
	h = rte_hash_crc_8byte(a[1], h);
	h = rte_hash_crc_8byte(a[2], h);
	h = rte_hash_crc_8byte(a[3], h);
	h = rte_hash_crc_4byte((ports >> 16) | (ports << 16), h);
	return ((h << 16) | (h >> 16)) & 0xfffff;
}
