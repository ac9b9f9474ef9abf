/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: the shipped default parses, every kind of mistake gets a
 * message naming the file, line and key, and a failed load or override
 * changes nothing.
 */
#include "bs_config.h"
#include "bs_test.h"

static const char good[] =
	"; comment\n"
	"[backstop]\n"
	"burst = 16   ; trailing comment\n"
	"[ipv4]\n"
	"ip_default_ttl = 63\n"
	"[ipv6]\n"
	"flowlabel_reflect = 2\n"
	"[port  net_pcap0]\n"
	"address = 198.18.0.2/24, 2001:2::2/64 , 198.18.1.2/24 vlan 100\n"
	"anyip = 198.18.64.0/18\n"
	"tx_port = net_null0\n"
	"[port net_null0]\n";

static void
test_good(void)
{
	struct bs_config c;
	char err[512] = "";

	bs_config_defaults(&c);
	CHECK_EQ(c.ip_default_ttl, 64, "Linux default");
	CHECK_EQ(c.auto_flowlabels, 1, "Linux default");
	CHECK_EQ(bs_config_parse(&c, good, "good.conf", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.burst, 16, "burst");
	CHECK_EQ(c.ip_default_ttl, 63, "ttl");
	CHECK_EQ(c.flowlabel_reflect, 2, "reflect");
	CHECK_EQ(c.n_ports, 2, "ports");
	CHECK(strcmp(c.ports[0].name, "net_pcap0") == 0, "name '%s'", c.ports[0].name);
	CHECK_EQ(c.ports[0].addrs.n, 4, "3 addresses + 1 anyip");
	CHECK_EQ(c.ports[0].addrs.a[2].vlan, 100, "vlan");
	CHECK_EQ(c.ports[0].addrs.a[3].anyip, 1, "anyip");
	CHECK(strcmp(c.ports[0].tx_port, "net_null0") == 0, "tx_port");
	CHECK_EQ(c.ports[1].rx_desc, 1024, "per-port default");

	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, bs_config_embedded, "embedded", err, sizeof(err)),
		0, "the built-in config/backstop.conf parses: %s", err);
	CHECK_EQ(c.n_ports, 1, "demo port");
}

static void
test_errors(void)
{
	static const struct {
		const char *text;
		const char *msg;	/* must appear in the error */
	} cases[] = {
		{ "[ipv4]\nip_default_ttl = 0\n", "t.conf:2: [ipv4] ip_default_ttl: '0' is not an integer from 1 to 255" },
		{ "[ipv4]\nip_default_ttl = 64x\n", "t.conf:2:" },
		{ "[ipv4]\nip_default_ttl = -1\n", "t.conf:2:" },
		{ "[ipv4]\nip_default_ttl = 99999999999999999999\n", "t.conf:2:" },
		{ "[ipv4]\nttl = 3\n", "t.conf:2: [ipv4] has no key 'ttl'" },
		{ "[ipv4]\n\nip_default_ttl = 3\nip_default_ttl = 4\n", "t.conf:4: [ipv4] ip_default_ttl: set twice (first at line 3)" },
		{ "[tcp4]\n", "t.conf:1: unknown section [tcp4]" },
		{ "burst = 3\n", "t.conf:1: key 'burst' before any [section]" },
		{ "[backstop\n", "t.conf:1: malformed section header" },
		{ "[backstop]\nburst\n", "t.conf:2: expected 'key = value'" },
		{ "[backstop]\nannounce = maybe\n", "t.conf:2: [backstop] announce: 'maybe' is not a boolean" },
		{ "[backstop]\n[backstop]\n", "t.conf:2: section [backstop] already started at line 1" },
		{ "[port a]\naddress = 198.18.0.2\n", "t.conf:2: [port a] address: '198.18.0.2': expected ADDRESS/PREFIXLEN" },
		{ "[port a]\naddress = 198.18.0.2/33\n", "bad prefix length" },
		{ "[port a]\naddress = 300.1.1.1/24\n", "is not an IPv4 or IPv6 address" },
		{ "[port a]\naddress = 224.0.0.1/4\n", "not a unicast address" },
		{ "[port a]\naddress = 198.18.0.2/24, 198.18.0.2/24\n", "duplicate address 198.18.0.2/24" },
		{ "[port a]\naddress = 198.18.0.2/24 vlan 4095\n", "VLAN ID must be 0..4094" },
		{ "[port a]\nanyip = 198.18.0.1/24\n", "host bits set" },
		{ "[port a]\ntx_port = b\n", "t.conf: [port a] tx_port: 'b' has no [port b] section" },
		{ "[port a b]\n", "bad port name 'a b'" },
		{ "[port a]\nrx_desc = 8\n", "from 32 to 16384" },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		struct bs_config c, before;
		char err[512] = "";

		bs_config_defaults(&c);
		c.burst = 7;	/* a marker: a failed load must not touch it */
		before = c;
		CHECK_EQ(bs_config_parse(&c, cases[i].text, "t.conf", err, sizeof(err)), -1,
			"case %u accepted", i);
		CHECK(strstr(err, cases[i].msg) != NULL, "case %u: got '%s', want '%s'",
			i, err, cases[i].msg);
		CHECK(memcmp(&c, &before, sizeof(c)) == 0, "case %u changed the config", i);
	}
}

static void
test_set(void)
{
	struct bs_config c, before;
	char err[512] = "";

	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, good, "good.conf", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(bs_config_set(&c, "ipv4.ip_default_ttl=32", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.ip_default_ttl, 32, "override");
	CHECK_EQ(bs_config_set(&c, "port net_pcap0.address=2001:2::9/64", err, sizeof(err)),
		0, "%s", err);
	CHECK_EQ(c.ports[0].addrs.n, 2, "addresses replaced, anyip kept");
	CHECK_EQ(bs_config_set(&c, "port new0.rx_desc=512", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.n_ports, 3, "a port section is created");
	before = c;
	CHECK_EQ(bs_config_set(&c, "ipv4.ip_default_ttl=256", err, sizeof(err)), -1, "range");
	CHECK(strstr(err, "--set 'ipv4.ip_default_ttl=256'") != NULL, "'%s'", err);
	CHECK_EQ(bs_config_set(&c, "nokey", err, sizeof(err)), -1, "syntax");
	CHECK_EQ(bs_config_set(&c, "port net_pcap0.tx_port=nope", err, sizeof(err)), -1,
		"dangling tx_port");
	CHECK(memcmp(&c, &before, sizeof(c)) == 0, "failed overrides changed nothing");
}

int
main(void)
{
	test_good();
	test_errors();
	test_set();
	return bs_test_done();
}
