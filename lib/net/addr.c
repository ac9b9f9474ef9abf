/* SPDX-License-Identifier: BSD-3-Clause */
#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bs_addr.h"

static uint32_t
mask4(uint8_t plen)
{
	return plen == 0 ? 0 : bs_be32(~0u << (32 - plen));
}

static bool
match6(const uint8_t *a, const uint8_t *b, uint8_t plen)
{
	unsigned int full = plen / 8, rest = plen % 8;

	if (memcmp(a, b, full) != 0)
		return false;
	if (rest == 0)
		return true;
	return ((a[full] ^ b[full]) & (uint8_t)(0xff << (8 - rest))) == 0;
}

int
bs_addr_parse(struct bs_addr *a, const char *s, bool anyip, char *err,
		size_t errlen)
{
	char buf[128], *slash, *end, *vlan;
	unsigned long plen, vid = 0;

	memset(a, 0, sizeof(*a));
	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "address item too long");
		return -1;
	}
	strcpy(buf, s);
	vlan = strstr(buf, " vlan ");
	if (vlan != NULL) {
		*vlan = '\0';
		vlan += strlen(" vlan ");
		errno = 0;
		vid = strtoul(vlan, &end, 10);
		if (errno != 0 || end == vlan || *end != '\0' || vid > 4094) {
			snprintf(err, errlen, "'%s': VLAN ID must be 0..4094", s);
			return -1;
		}
	}
	slash = strchr(buf, '/');
	if (slash == NULL) {
		snprintf(err, errlen, "'%s': expected ADDRESS/PREFIXLEN", s);
		return -1;
	}
	*slash++ = '\0';
	if (inet_pton(AF_INET, buf, &a->v4) == 1) {
		a->family = 4;
	} else if (inet_pton(AF_INET6, buf, a->v6) == 1) {
		a->family = 6;
	} else {
		snprintf(err, errlen, "'%s': '%s' is not an IPv4 or IPv6 address", s, buf);
		return -1;
	}
	errno = 0;
	plen = strtoul(slash, &end, 10);
	if (errno != 0 || end == slash || *end != '\0' ||
			plen > (a->family == 4 ? 32u : 128u)) {
		snprintf(err, errlen, "'%s': bad prefix length '%s'", s, slash);
		return -1;
	}
	a->plen = (uint8_t)plen;
	a->anyip = anyip;
	a->vlan = (uint16_t)vid;
	if (anyip && a->family == 4 && (a->v4 & ~mask4(a->plen)) != 0) {
		snprintf(err, errlen, "'%s': host bits set in an AnyIP prefix", s);
		return -1;
	}
	if (a->family == 4) {
		uint32_t h = bs_be32(a->v4);

		if ((h >> 28) == 0xe || h == 0xffffffff || (h >> 24) == 0 ||
				(h >> 24) == 127) {
			snprintf(err, errlen, "'%s': not a unicast address", s);
			return -1;
		}
	} else if (a->v6[0] == 0xff) {
		snprintf(err, errlen, "'%s': not a unicast address", s);
		return -1;
	}
	return 0;
}

/* The subnet broadcast address of a host entry, or 0 if it has none
 * (/31, /32: RFC 3021). */
static uint32_t
subnet_bcast4(const struct bs_addr *a)
{
	if (a->anyip || a->plen >= 31)
		return 0;
	return a->v4 | ~mask4(a->plen);
}

static bool
same_entry(const struct bs_addr *x, const struct bs_addr *y)
{
	if (x->family != y->family || x->vlan != y->vlan)
		return false;
	if (x->family == 4)
		return x->v4 == y->v4;
	return memcmp(x->v6, y->v6, 16) == 0;
}

int
bs_addr_add(struct bs_addr_table *t, const struct bs_addr *a, char *err,
		size_t errlen)
{
	unsigned int i, n4;

	for (i = 0; i < t->n; i++) {
		if (same_entry(&t->a[i], a)) {
			char f[96];

			bs_addr_format(a, f, sizeof(f));
			snprintf(err, errlen, "duplicate address %s", f);
			return -1;
		}
	}
	if (t->n == BS_MAX_ADDRS) {
		snprintf(err, errlen, "more than %d addresses on one port", BS_MAX_ADDRS);
		return -1;
	}
	if (!bs_addr_has_vlan(t, a->vlan)) {
		if (t->n_vlans == BS_MAX_VLANS) {
			snprintf(err, errlen, "more than %d VLANs on one port", BS_MAX_VLANS);
			return -1;
		}
		t->vlans[t->n_vlans++] = a->vlan;
	}
	t->a[t->n] = *a;
	t->a[t->n].match4 = 0;
	t->a[t->n].bcast4 = 0;
	if (a->family == 4) {
		t->a[t->n].match4 = a->anyip ? mask4(a->plen) : UINT32_MAX;
		t->a[t->n].bcast4 = subnet_bcast4(a);
	}
	t->n++;
	t->one4 = 0;
	for (i = 0, n4 = 0; i < t->n; i++)
		if (t->a[i].family == 4 && n4++ == 0)
			t->one4 = i + 1;
	if (n4 != 1)
		t->one4 = 0;
	return 0;
}

void
bs_addr_format(const struct bs_addr *a, char *buf, size_t len)
{
	char ip[INET6_ADDRSTRLEN];

	inet_ntop(a->family == 4 ? AF_INET : AF_INET6,
		a->family == 4 ? (const void *)&a->v4 : (const void *)a->v6,
		ip, sizeof(ip));
	if (a->vlan != 0)
		snprintf(buf, len, "%s/%u vlan %u", ip, a->plen, a->vlan);
	else
		snprintf(buf, len, "%s/%u", ip, a->plen);
}

bool
bs_addr_has_vlan(const struct bs_addr_table *t, uint16_t vlan)
{
	unsigned int i;

	for (i = 0; i < t->n_vlans; i++)
		if (t->vlans[i] == vlan)
			return true;
	return false;
}

bool
bs_addr_local4(const struct bs_addr_table *t, uint16_t vlan, uint32_t ip)
{
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		const struct bs_addr *a = &t->a[i];

		if (a->family != 4 || a->vlan != vlan)
			continue;
		if (a->anyip ? ((ip ^ a->v4) & mask4(a->plen)) == 0 : ip == a->v4)
			return true;
	}
	return false;
}

/* A local IPv6 address on @p vlan, or on any VLAN with @p any_vlan. */
static __rte_noinline bool
local6(const struct bs_addr_table *t, uint16_t vlan, bool any_vlan, const uint8_t ip[16])
{
	unsigned int i;

	for (i = 0; i < t->n; i++) {
		const struct bs_addr *a = &t->a[i];

		if (a->family != 6 || (a->vlan != vlan && !any_vlan))
			continue;
		if (a->anyip ? match6(ip, a->v6, a->plen) : memcmp(ip, a->v6, 16) == 0)
			return true;
	}
	return false;
}

bool
bs_addr_local6(const struct bs_addr_table *t, uint16_t vlan, const uint8_t ip[16])
{
	return local6(t, vlan, false, ip);
}

const struct bs_addr *
bs_addr_onlink(const struct bs_addr_table *t, const uint8_t ip[16],
		const uint8_t *src)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	bool v4 = memcmp(ip, v4mapped, 12) == 0;
	const struct bs_addr *found = NULL;
	uint32_t ip4 = 0, src4 = 0;
	unsigned int i;

	if (v4) {
		memcpy(&ip4, ip + 12, 4);
		if (src != NULL)
			memcpy(&src4, src + 12, 4);
	}
	for (i = 0; i < t->n; i++) {
		const struct bs_addr *a = &t->a[i];

		if (a->anyip || a->family != (v4 ? 4 : 6))
			continue;
		if (v4 ? ((ip4 ^ a->v4) & mask4(a->plen)) != 0 || ip4 == a->bcast4 ||
				ip4 == a->v4 : !match6(ip, a->v6, a->plen) ||
				memcmp(ip, a->v6, 16) == 0)
			continue;
		if (src == NULL || (v4 ? src4 == a->v4 : memcmp(src, a->v6, 16) == 0))
			return a;
		if (found == NULL)
			found = a;
	}
	return found;
}

bool
bs_addr_bcast4(const struct bs_addr_table *t, uint32_t ip)
{
	unsigned int i;

	for (i = 0; i < t->n; i++)
		if (t->a[i].family == 4 && subnet_bcast4(&t->a[i]) == ip)
			return true;
	return false;
}

static bool
martian_src6(const uint8_t *src)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	static const uint8_t zero[15];

	if (src[0] == 0xff)	/* multicast */
		return true;
	if (memcmp(src, zero, 15) == 0 && (src[15] == 0 || src[15] == 1))
		return true;	/* unspecified, loopback */
	return memcmp(src, v4mapped, 12) == 0;	/* RFC 4291 2.5.5.2 */
}

/* First octets of martian IPv4 sources, a bit each: 0/8 (this network),
 * 127/8 (loopback), 224/4 (multicast). */
static const uint64_t martian_octet4[4] = {
	UINT64_C(1) << 0,		/* 0 */
	UINT64_C(1) << (127 - 64),	/* 127 */
	0,
	UINT64_C(0xffff) << (224 - 192),	/* 224-239 */
};

/* The IPv4 rules in one pass over the table (the common case). */
static int
check4(const struct bs_addr_table *t, uint16_t vlan, uint32_t src, uint32_t dst)
{
	uint32_t h = bs_be32(src);
	bool vlan_seen = false, dst_local = false, src_local = false;
	bool src_bcast = false;
	unsigned int i;

	/* A port with one IPv4 address (the usual case): the same rules
	 * without the loop, when the packet is on that address's VLAN (an
	 * IPv6 entry's VLAN only matters for the VLAN test, passed here). */
	if (likely(t->one4 != 0) && t->a[t->one4 - 1].vlan == vlan) {
		const struct bs_addr *a = &t->a[t->one4 - 1];

		if (((martian_octet4[h >> 30] >> ((h >> 24) & 63)) & 1) != 0 ||
				h == 0xffffffff || src == a->bcast4)
			return BS_DROP_IP_INVALID_SOURCE;
		if (((dst ^ a->v4) & a->match4) != 0)
			return BS_DROP_NOT_LOCAL;
		return ((src ^ a->v4) & a->match4) == 0 ? BS_DROP_IP_LOCAL_SOURCE : 0;
	}
	for (i = 0; i < t->n; i++) {
		const struct bs_addr *a = &t->a[i];

		if (a->family != 4) {
			vlan_seen |= a->vlan == vlan;
			continue;
		}
		/* Any local subnet's broadcast is a martian source, whatever
		 * the VLAN (fib_validate_source sees RTN_BROADCAST). */
		src_bcast |= src == a->bcast4;
		/* So is any local address (RTN_LOCAL, accept_local = 0). */
		src_local |= ((src ^ a->v4) & a->match4) == 0;
		if (a->vlan != vlan)
			continue;
		vlan_seen = true;
		dst_local |= ((dst ^ a->v4) & a->match4) == 0;
	}
	if (!vlan_seen)
		return BS_DROP_VLAN_UNKNOWN;
	/* ip_route_input_slow's martian sources, and a local subnet's
	 * broadcast address (see the matrix preamble: never answered). */
	if (((martian_octet4[h >> 30] >> ((h >> 24) & 63)) & 1) != 0 ||
			h == 0xffffffff || src_bcast)
		return BS_DROP_IP_INVALID_SOURCE;
	if (!dst_local)
		return BS_DROP_NOT_LOCAL;
	return src_local ? BS_DROP_IP_LOCAL_SOURCE : 0;
}

int
bs_addr_check(const struct bs_addr_table *t, const struct bs_pkt *p,
		const uint8_t *frame)
{
	const uint8_t *l3 = frame + p->l2_len;

	/* Only ARP and neighbour solicitations may arrive on a group MAC
	 * (they do not come here); tcp_v4_rcv and icmp drop anything that is
	 * not PACKET_HOST before a lookup (Q2). */
	if (p->l2_group)
		return BS_DROP_PKT_NOT_HOST;
	if (p->kind == BS_PKT_IPV4) {
		const struct rte_ipv4_hdr *ip = (const struct rte_ipv4_hdr *)l3;

		return check4(t, p->vlan, ip->src_addr, ip->dst_addr);
	} else {
		const struct rte_ipv6_hdr *ip6 = (const struct rte_ipv6_hdr *)l3;

		if (!bs_addr_has_vlan(t, p->vlan))
			return BS_DROP_VLAN_UNKNOWN;
		if (martian_src6(ip6->src_addr))
			return BS_DROP_IP_INVALID_SOURCE;
		if (!bs_addr_local6(t, p->vlan, ip6->dst_addr))
			return BS_DROP_NOT_LOCAL;
		/* Any of our addresses, on any VLAN: Linux's reply would
		 * go to itself, never to the wire. */
		if (local6(t, p->vlan, true, ip6->src_addr))
			return BS_DROP_IP_LOCAL_SOURCE;
	}
	return 0;
}
