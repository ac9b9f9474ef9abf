/* SPDX-License-Identifier: BSD-3-Clause */
#include <rte_hash_crc.h>

#include "bs_net.h"

uint32_t
bs_ip6_reply_flowlabel(const struct bs_ip_conf *c, const struct rte_ipv6_hdr *in,
		uint32_t ports, uint8_t proto, unsigned int reflect_bit)
{
	uint32_t label = rte_be_to_cpu_32(in->vtc_flow) & 0xfffff;
	uint32_t h;

	if ((c->flowlabel_reflect & reflect_bit) != 0 && label != 0)
		return label;
	if (!c->auto_flowlabels)
		return 0;
	/* The reply's flow: our address first, ports swapped. Only the low
	 * 20 bits go on the wire; rotate so they come from the mixed half. */
	h = rte_hash_crc(in->dst_addr, 16, c->flow_secret ^ proto);
	h = rte_hash_crc(in->src_addr, 16, h);
	h = rte_hash_crc_4byte((ports >> 16) | (ports << 16), h);
	return ((h << 16) | (h >> 16)) & 0xfffff;
}
