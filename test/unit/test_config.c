/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Configuration: the shipped default parses, every kind of mistake gets a
 * message naming the file, line and key, and a failed load or override
 * changes nothing.
 */
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>
#include <sys/socket.h>

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
	CHECK_EQ(c.n_listeners, 9, "demo listeners");
	for (unsigned int i = 0; i < c.n_listeners; i++) {
		CHECK(c.listeners[i].port != 23, "the demo's port 23 must stay closed");
		CHECK(c.listeners[i].any && c.listeners[i].family == 0, "%s: address any",
			c.listeners[i].name);
		CHECK(strcmp(bs_app_name(c.listeners[i].app), c.listeners[i].name) == 0,
			"demo listener %s runs app %s", c.listeners[i].name,
			bs_app_name(c.listeners[i].app));
	}
}

/* Every [tcp] key has Linux's default. */
static void
test_tcp_defaults(void)
{
	static const uint8_t zero[16];
	const struct bs_tcp_conf *t;
	struct bs_config c;

	bs_config_defaults(&c);
	t = &c.tcp;
	CHECK_EQ(t->tcp_fin_timeout, 60, "net.ipv4.tcp_fin_timeout");
	CHECK_EQ(t->tcp_keepalive_time, 7200, "net.ipv4.tcp_keepalive_time");
	CHECK_EQ(t->tcp_keepalive_intvl, 75, "net.ipv4.tcp_keepalive_intvl");
	CHECK_EQ(t->tcp_keepalive_probes, 9, "net.ipv4.tcp_keepalive_probes");
	CHECK_EQ(t->tcp_synack_retries, 5, "net.ipv4.tcp_synack_retries");
	CHECK_EQ(t->tcp_syn_retries, 6, "net.ipv4.tcp_syn_retries");
	CHECK_EQ(t->tcp_retries1, 3, "net.ipv4.tcp_retries1");
	CHECK_EQ(t->tcp_retries2, 15, "net.ipv4.tcp_retries2");
	CHECK_EQ(t->tcp_orphan_retries, 0, "net.ipv4.tcp_orphan_retries");
	CHECK_EQ(t->tcp_challenge_ack_limit, 2147483647, "net.ipv4.tcp_challenge_ack_limit");
	CHECK_EQ(t->tcp_invalid_ratelimit, 500, "net.ipv4.tcp_invalid_ratelimit");
	CHECK_EQ(t->tcp_rfc1337, 0, "net.ipv4.tcp_rfc1337");
	CHECK_EQ(t->tcp_abort_on_overflow, 0, "net.ipv4.tcp_abort_on_overflow");
	CHECK_EQ(t->tcp_syncookies, 1, "net.ipv4.tcp_syncookies");
	CHECK_EQ(t->tcp_max_tw_buckets, 262144, "net.ipv4.tcp_max_tw_buckets");
	CHECK_EQ(t->tcp_max_orphans, 262144, "net.ipv4.tcp_max_orphans");
	CHECK_EQ(t->tcp_max_syn_backlog, 4096, "net.ipv4.tcp_max_syn_backlog");
	CHECK_EQ(t->somaxconn, 4096, "net.core.somaxconn");
	CHECK_EQ(t->tcp_timestamps, 1, "net.ipv4.tcp_timestamps");
	CHECK_EQ(t->tcp_sack, 1, "net.ipv4.tcp_sack");
	CHECK_EQ(t->tcp_window_scaling, 1, "net.ipv4.tcp_window_scaling");
	CHECK_EQ(t->tcp_rmem[0], 4096, "tcp_rmem min");
	CHECK_EQ(t->tcp_rmem[1], 131072, "tcp_rmem default");
	CHECK_EQ(t->tcp_rmem[2], 6291456, "tcp_rmem max");
	CHECK_EQ(t->tcp_wmem[0], 4096, "tcp_wmem min");
	CHECK_EQ(t->tcp_wmem[1], 16384, "tcp_wmem default");
	CHECK_EQ(t->tcp_wmem[2], 4194304, "tcp_wmem max");
	CHECK_EQ(t->tcp_slow_start_after_idle, 1, "net.ipv4.tcp_slow_start_after_idle");
	CHECK_EQ(t->connections, 65536, "connections");
	CHECK_EQ(t->requests, 16384, "requests");
	CHECK_EQ(t->isn_secret_set, 0, "isn_secret: random");
	CHECK(memcmp(t->isn_secret, zero, 16) == 0, "isn_secret zero");
	CHECK_EQ(t->syncookie_secret_set, 0, "syncookie_secret: random");
	CHECK_EQ(c.n_listeners, 0, "no listener");
	CHECK_EQ(c.n_clients, 0, "no client");
}

static const char tcp_conf[] =
	"[tcp]\n"
	"tcp_fin_timeout = 30\n"
	"tcp_syncookies = 2\n"
	"tcp_timestamps = 0\n"
	"tcp_rmem = 1 1 1\n"
	"tcp_wmem =   4096\t8192   8192 \n"
	"isn_secret = 000102030405060708090a0b0c0d0e0F\n"
	"syncookie_secret = ffffffffffffffffffffffffffffffff\n"
	"connections = 16777216\n"
	"somaxconn = 100\n";

static void
test_tcp(void)
{
	struct bs_config c;
	char err[512] = "";
	unsigned int i;

	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, tcp_conf, "tcp.conf", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.tcp.tcp_fin_timeout, 30, "fin_timeout");
	CHECK_EQ(c.tcp.tcp_syncookies, 2, "syncookies");
	CHECK_EQ(c.tcp.tcp_timestamps, 0, "timestamps");
	CHECK_EQ(c.tcp.tcp_rmem[0] + c.tcp.tcp_rmem[1] + c.tcp.tcp_rmem[2], 3, "min == default == max");
	CHECK_EQ(c.tcp.tcp_wmem[0], 4096, "wmem min");
	CHECK_EQ(c.tcp.tcp_wmem[1], 8192, "wmem default");
	CHECK_EQ(c.tcp.tcp_wmem[2], 8192, "wmem max");
	CHECK_EQ(c.tcp.isn_secret_set, 1, "isn_secret set");
	for (i = 0; i < 16; i++)
		CHECK_EQ(c.tcp.isn_secret[i], i, "isn_secret byte %u", i);
	CHECK_EQ(c.tcp.syncookie_secret_set, 1, "syncookie_secret set");
	CHECK_EQ(c.tcp.syncookie_secret[15], 0xff, "syncookie_secret");
	CHECK_EQ(c.tcp.connections, 16777216, "connections max");
	CHECK_EQ(c.tcp.somaxconn, 100, "somaxconn");
	CHECK_EQ(c.tcp.tcp_keepalive_time, 7200, "untouched keys keep Linux defaults");
}

static const char listeners_conf[] =
	"[tcp]\n"
	"somaxconn = 100\n"
	"[listener v4]\n"
	"address = 198.18.0.2\n"
	"port = 80\n"
	"app = http\n"
	"http_status = 404\n"
	"http_body = 0\n"
	"http_keepalive = no\n"
	"backlog = 1000\n"
	"[listener v6]\n"
	"address = 2001:2::2\n"
	"port = 80\n"
	"app = close-unread\n"
	"delay_ms = 0\n"
	"linger2 = -1\n"
	"[listener any]\n"
	"port = 80\n"
	"app = banner\n"
	"banner = 220 hi\\r\\n\\x3b\\\\ok\n"
	"[listener any4]\n"
	"address = 0.0.0.0\n"
	"port = 81\n"
	"app = half-close\n"
	"[listener any6]\n"
	"address = ::\n"
	"port = 81\n"
	"app = keepalive\n"
	"keepalive_idle = 10\n"
	"keepalive_intvl = 2\n"
	"keepalive_probes = 3\n"
	"user_timeout_ms = 5000\n"
	"[listener mapped]\n"
	"address = ::ffff:198.18.0.3\n"
	"port = 65535\n"
	"app = abort\n";

static void
test_listeners(void)
{
	static const uint8_t v4[16] = { [10] = 0xff, [11] = 0xff, 198, 18, 0, 2 };
	static const uint8_t v6[16] = { 0x20, 0x01, 0, 2, [15] = 2 };
	static const uint8_t zero[16];
	const struct bs_listener_conf *l;
	struct bs_config c;
	char err[512] = "";

	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, listeners_conf, "l.conf", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.n_listeners, 6, "listeners");
	l = &c.listeners[0];
	CHECK(strcmp(l->name, "v4") == 0, "name");
	CHECK_EQ(l->line, 3, "section line");
	CHECK_EQ(l->family, AF_INET, "IPv4");
	CHECK(memcmp(l->addr, v4, 16) == 0, "v4-mapped");
	CHECK_EQ(l->any, 0, "specific");
	CHECK_EQ(l->port, 80, "port");
	CHECK_EQ(l->app, BS_APP_HTTP, "app");
	CHECK_EQ(l->params.http_status, 404, "http_status");
	CHECK_EQ(l->params.http_body, 0, "http_body");
	CHECK_EQ(l->params.http_keepalive, 0, "http_keepalive");
	CHECK_EQ(l->backlog, 1000, "backlog as configured");
	CHECK_EQ(bs_listener_backlog(&c, l), 100, "backlog capped by somaxconn");
	l = &c.listeners[1];
	CHECK_EQ(l->family, AF_INET6, "IPv6");
	CHECK(memcmp(l->addr, v6, 16) == 0, "v6 address");
	CHECK_EQ(l->app, BS_APP_CLOSE_UNREAD, "close-unread");
	CHECK_EQ(l->params.delay_ms, 0, "delay_ms");
	CHECK_EQ(l->params.linger2, -1, "linger2 < 0");
	CHECK_EQ(l->backlog, 128, "backlog default");
	CHECK_EQ(bs_listener_backlog(&c, l), 100, "capped");
	CHECK_EQ(l->params.http_status, 200, "http_status default");
	CHECK_EQ(l->params.http_body, 64, "http_body default");
	CHECK_EQ(l->params.http_keepalive, 1, "http_keepalive default");
	CHECK_EQ(l->params.delay_ms, 0, "delay_ms");
	l = &c.listeners[2];
	CHECK(l->any && l->family == 0 && memcmp(l->addr, zero, 16) == 0,
		"address defaults to any, both families");
	CHECK(strcmp(l->params.banner, "220 hi\r\n;\\ok") == 0, "banner escapes '%s'",
		l->params.banner);
	CHECK_EQ(l->params.linger2, 0, "linger2 default");
	CHECK_EQ(l->params.keepalive_idle, 0, "keepalive_idle default");
	CHECK_EQ(l->params.user_timeout_ms, 0, "user_timeout_ms default");
	l = &c.listeners[3];
	CHECK(l->any && l->family == AF_INET && memcmp(l->addr, zero, 16) == 0, "0.0.0.0");
	CHECK(strcmp(l->params.banner, "backstop\r\n") == 0, "banner default");
	CHECK_EQ(l->params.delay_ms, 100, "delay_ms default");
	l = &c.listeners[4];
	CHECK(l->any && l->family == AF_INET6 && memcmp(l->addr, zero, 16) == 0, "::");
	CHECK_EQ(l->app, BS_APP_KEEPALIVE, "keepalive");
	CHECK_EQ(l->params.keepalive_idle, 10, "idle");
	CHECK_EQ(l->params.keepalive_intvl, 2, "intvl");
	CHECK_EQ(l->params.keepalive_probes, 3, "probes");
	CHECK_EQ(l->params.user_timeout_ms, 5000, "user timeout");
	l = &c.listeners[5];
	CHECK_EQ(l->family, AF_INET, "a v4-mapped IPv6 text is IPv4");
	CHECK_EQ(l->addr[15], 3, "mapped address");
	CHECK_EQ(l->port, 65535, "top port");
	CHECK_EQ(l->app, BS_APP_ABORT, "abort");
	CHECK(strcmp(bs_app_name(BS_APP_HALF_CLOSE), "half-close") == 0, "app names");
	CHECK(bs_app_name(BS_APP_NONE) == NULL && bs_app_name(BS_APP_MAX) == NULL, "no name");
}

static const char clients_conf[] =
	"[client a]\n"
	"address = 198.18.0.1\n"
	"port = 80\n"
	"[client b]\n"
	"address = 2001:2::1\n"
	"port = 7\n"
	"source = 2001:2::2\n"
	"source_port = 40000\n"
	"app = echo\n"
	"count = 1000\n"
	"connect_timeout_ms = 3000\n"
	"start_ms = 250\n"
	"linger2 = 5\n"
	"banner = x\n";

static void
test_clients(void)
{
	const struct bs_client_conf *cl;
	struct bs_config c;
	char err[512] = "";

	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, clients_conf, "c.conf", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.n_clients, 2, "clients");
	cl = &c.clients[0];
	CHECK(strcmp(cl->name, "a") == 0 && cl->line == 1, "name, line");
	CHECK_EQ(cl->family, AF_INET, "IPv4 peer");
	CHECK(cl->raddr[10] == 0xff && cl->raddr[12] == 198 && cl->raddr[15] == 1, "v4-mapped");
	CHECK_EQ(cl->rport, 80, "rport");
	CHECK_EQ(cl->laddr_set, 0, "no source");
	CHECK_EQ(cl->lport, 0, "ephemeral port");
	CHECK_EQ(cl->app, BS_APP_DISCARD, "app default discard");
	CHECK_EQ(cl->count, 1, "count default");
	CHECK_EQ(cl->connect_timeout_ms, 0, "connect_timeout_ms default");
	CHECK_EQ(cl->start_ms, 0, "start_ms default");
	CHECK_EQ(cl->params.http_status, 200, "app params have defaults in clients too");
	cl = &c.clients[1];
	CHECK_EQ(cl->family, AF_INET6, "IPv6 peer");
	CHECK_EQ(cl->rport, 7, "rport");
	CHECK(cl->laddr_set && cl->laddr[0] == 0x20 && cl->laddr[15] == 2, "source");
	CHECK_EQ(cl->lport, 40000, "source_port");
	CHECK_EQ(cl->app, BS_APP_ECHO, "echo");
	CHECK_EQ(cl->count, 1000, "count");
	CHECK_EQ(cl->connect_timeout_ms, 3000, "connect timeout");
	CHECK_EQ(cl->start_ms, 250, "start");
	CHECK_EQ(cl->params.linger2, 5, "linger2");
	CHECK(strcmp(cl->params.banner, "x") == 0, "banner");
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
		{ "[port a]\ntx_port = b\n", "t.conf:1: [port a] tx_port: 'b' has no [port b] section" },
		{ "[port a b]\n", "bad port name 'a b'" },
		{ "[port a;b]\n", "bad port name 'a;b'" },
		{ "[control]\nsocket =#/to/x.sock\n", "t.conf:2: [control] socket: '#/to/x.sock': ';' and '#' start comments" },
		{ "[listener w#1]\n", "bad listener name 'w#1'" },
		{ "[port a]\nrx_desc = 8\n", "from 32 to 16384" },
		/* [tcp] ranges */
		{ "[tcp]\ntcp_fin_timeout = 0\n", "t.conf:2: [tcp] tcp_fin_timeout: '0' is not an integer from 1 to 2147483" },
		{ "[tcp]\n\ntcp_syncookies = 3\n", "t.conf:3: [tcp] tcp_syncookies: '3' is not an integer from 0 to 2" },
		{ "[tcp]\ntcp_timestamps = 3\n", "t.conf:2: [tcp] tcp_timestamps: '3' is not an integer from 0 to 2" },
		{ "[tcp]\ntcp_syn_retries = 0\n", "t.conf:2: [tcp] tcp_syn_retries: '0' is not an integer from 1 to 127" },
		{ "[tcp]\ntcp_synack_retries = 256\n", "t.conf:2: [tcp] tcp_synack_retries: '256' is not an integer from 0 to 255" },
		{ "[tcp]\ntcp_keepalive_probes = 128\n", "t.conf:2: [tcp] tcp_keepalive_probes:" },
		{ "[tcp]\ntcp_keepalive_time = 0\n", "t.conf:2: [tcp] tcp_keepalive_time:" },
		{ "[tcp]\ntcp_challenge_ack_limit = 2147483648\n", "t.conf:2: [tcp] tcp_challenge_ack_limit:" },
		{ "[tcp]\ntcp_sack = 2\n", "t.conf:2: [tcp] tcp_sack: '2' is not an integer from 0 to 1" },
		{ "[tcp]\nconnections = 0\n", "t.conf:2: [tcp] connections:" },
		{ "[tcp]\nrequests = 16777217\n", "t.conf:2: [tcp] requests:" },
		{ "[tcp]\nsomaxconn = -1\n", "t.conf:2: [tcp] somaxconn:" },
		{ "[tcp]\ntcp_delack_min = 1\n", "t.conf:2: [tcp] has no key 'tcp_delack_min'" },
		/* [control] */
		{ "[control]\nsocket_mode = 0999\n", "t.conf:2: [control] socket_mode: '0999' is not an octal mode from 0 to 777" },
		{ "[control]\nsocket_mode = 01000\n", "t.conf:2: [control] socket_mode: '01000' is not an octal mode" },
		{ "[control]\nsocket_mode = rw\n", "t.conf:2: [control] socket_mode: 'rw' is not an octal mode" },
		{ "[control]\nsocket = /tmp/0123456789012345678901234567890123456789012345678901234567890123456789012345678901234567890123456789.sock\n", "t.conf:2: [control] socket: longer than 107 characters" },
		/* tcp_rmem / tcp_wmem triples */
		{ "[tcp]\ntcp_rmem = 4096 131072\n", "t.conf:2: [tcp] tcp_rmem: '4096 131072' is not three integers 'min default max' from 1 to 2147483647 with min <= default <= max" },
		{ "[tcp]\ntcp_rmem = 8192 4096 6291456\n", "t.conf:2: [tcp] tcp_rmem: '8192 4096 6291456' is not three" },
		{ "[tcp]\ntcp_rmem = 4096 131072 65536\n", "t.conf:2: [tcp] tcp_rmem:" },
		{ "[tcp]\ntcp_rmem = 0 1 2\n", "t.conf:2: [tcp] tcp_rmem:" },
		{ "[tcp]\ntcp_wmem = 1 2 3 4\n", "t.conf:2: [tcp] tcp_wmem:" },
		{ "[tcp]\ntcp_wmem = 1 2 x\n", "t.conf:2: [tcp] tcp_wmem:" },
		{ "[tcp]\ntcp_wmem = 1 2 2147483648\n", "t.conf:2: [tcp] tcp_wmem:" },
		/* secrets */
		{ "[tcp]\nisn_secret = 0123\n", "t.conf:2: [tcp] isn_secret: '0123' is not 32 hex digits" },
		{ "[tcp]\nisn_secret = 000102030405060708090a0b0c0d0e0f0\n", "t.conf:2: [tcp] isn_secret:" },
		{ "[tcp]\nisn_secret = 000102030405060708090a0b0c0d0e0g\n", "t.conf:2: [tcp] isn_secret:" },
		{ "[tcp]\nsyncookie_secret = 0x0102030405060708090a0b0c0d0e0f\n", "t.conf:2: [tcp] syncookie_secret:" },
		{ "[tcp]\nsyncookie_secret = 00010203 0405060708090a0b0c0d0e0f\n", "t.conf:2: [tcp] syncookie_secret:" },
		/* listeners */
		{ "[listener a]\napp = echo\n", "t.conf:1: [listener a] port: missing (required)" },
		{ "[listener a]\nport = 80\n", "t.conf:1: [listener a] app: missing (required)" },
		{ "[listener a]\nport = 80\napp = ftp\n", "t.conf:3: [listener a] app: 'ftp' is not an app (echo, discard, hold, http, banner, close-unread, abort, half-close, keepalive)" },
		{ "[listener a]\nport = 0\n", "t.conf:2: [listener a] port: '0' is not an integer from 1 to 65535" },
		{ "[listener a]\nport = 65536\n", "t.conf:2: [listener a] port:" },
		{ "[listener a]\nfoo = 1\n", "t.conf:2: [listener a] has no key 'foo'" },
		{ "[listener a]\nport = 80\nport = 81\n", "t.conf:3: [listener a] port: set twice (first at line 2)" },
		{ "[listener a]\naddress = 198.18.0.300\n", "t.conf:2: [listener a] address: '198.18.0.300' is not an IPv4 or IPv6 address, nor 'any'" },
		{ "[listener a]\naddress = 198.18.0.2/24\n", "t.conf:2: [listener a] address:" },
		{ "[listener a]\naddress = 224.0.0.1\n", "t.conf:2: [listener a] address: '224.0.0.1' is not a unicast address" },
		{ "[listener a]\naddress = ff02::1\n", "not a unicast address" },
		{ "[listener a]\nlinger2 = -2\n", "t.conf:2: [listener a] linger2: '-2' is not an integer from -1 to 120" },
		{ "[listener a]\nlinger2 = 121\n", "t.conf:2: [listener a] linger2:" },
		{ "[listener a]\nbacklog = -1\n", "t.conf:2: [listener a] backlog:" },
		{ "[listener a]\nhttp_status = 99\n", "t.conf:2: [listener a] http_status: '99' is not an integer from 100 to 999" },
		{ "[listener a]\nhttp_keepalive = maybe\n", "t.conf:2: [listener a] http_keepalive: 'maybe' is not a boolean" },
		{ "[listener a]\nbanner = a\\qb\n", "t.conf:2: [listener a] banner: bad escape" },
		{ "[listener a]\nbanner = a\\x00\n", "t.conf:2: [listener a] banner: bad escape" },
		{ "[listener a]\nbanner = a\\\n", "t.conf:2: [listener a] banner: bad escape" },
		{ "[listener a]\nkeepalive_probes = 128\n", "t.conf:2: [listener a] keepalive_probes:" },
		{ "[listener a b]\n", "t.conf:1: [listener a b]: bad listener name 'a b'" },
		{ "[listener a]\n[listener a]\n", "t.conf:2: section [listener a] already started at line 1" },
		{ "[listener]\n", "t.conf:1: unknown section [listener]; sections are [backstop], [ipv4], [ipv6], [tcp], [capture], [control], [stray], [port NAME], [listener NAME] and [client NAME]" },
		/* duplicate (address, port) */
		{ "[listener a]\nport = 80\napp = echo\n[listener b]\nport = 80\napp = http\n",
		  "t.conf:4: [listener b] port: any port 80 is already [listener a]'s (line 1)" },
		{ "[listener a]\nport = 80\napp = echo\n[listener b]\naddress = 0.0.0.0\nport = 80\napp = http\n",
		  "t.conf:4: [listener b] port: 0.0.0.0 port 80 is already [listener a]'s (line 1)" },
		{ "[listener a]\naddress = ::\nport = 80\napp = echo\n[listener b]\nport = 80\napp = http\n",
		  "t.conf:5: [listener b] port: any port 80 is already [listener a]'s (line 1)" },
		{ "[listener a]\naddress = 198.18.0.2\nport = 80\napp = echo\n"
		  "[listener b]\naddress = ::ffff:198.18.0.2\nport = 80\napp = http\n",
		  "t.conf:5: [listener b] port: 198.18.0.2 port 80 is already [listener a]'s (line 1)" },
		/* clients */
		{ "[client c]\nport = 80\n", "t.conf:1: [client c] address: missing (required)" },
		{ "[client c]\naddress = 198.18.0.1\n", "t.conf:1: [client c] port: missing (required)" },
		{ "[client c]\naddress = any\n", "t.conf:2: [client c] address: 'any' is not an IPv4 or IPv6 address" },
		{ "[client c]\naddress = ::\n", "t.conf:2: [client c] address: '::' is not a unicast address" },
		{ "[client c]\naddress = 255.255.255.255\n", "t.conf:2: [client c] address: '255.255.255.255' is not a unicast address" },
		{ "[client c]\nsource = 0.0.0.0\n", "t.conf:2: [client c] source: '0.0.0.0' is not a unicast address" },
		{ "[client c]\naddress = 198.18.0.1\nport = 80\nsource = 2001:2::2\n",
		  "t.conf:1: [client c] source: an IPv6 address for an IPv4 peer" },
		{ "[client c]\ncount = 0\n", "t.conf:2: [client c] count: '0' is not an integer from 1 to 16777216" },
		{ "[client c]\nsource_port = 65536\n", "t.conf:2: [client c] source_port:" },
		{ "[client c]\napp = none\n", "t.conf:2: [client c] app: 'none' is not an app" },
		{ "[client c]\nbacklog = 5\n", "t.conf:2: [client c] has no key 'backlog'" },
		{ "[control]\nprometheus = 9464\n",
		  "t.conf:2: [control] prometheus: '9464': want HOST:PORT or [IPV6]:PORT" },
		{ "[control]\nprometheus = localhost:9464\n",
		  "t.conf:2: [control] prometheus: 'localhost:9464': 'localhost' is not a numeric IPv4 address" },
		{ "[control]\nprometheus = ::1:9464\n",
		  "'::1' is not a numeric IPv4 address (IPv6 goes in brackets: [::1]:9464)" },
		{ "[control]\nprometheus = [::1]:65536\n",
		  "t.conf:2: [control] prometheus: '[::1]:65536': bad port '65536' (0-65535)" },
		{ "[control]\nprometheus = [::1:9464\n",
		  "t.conf:2: [control] prometheus: '[::1:9464': want [IPV6]:PORT" },
		{ "[control]\nprometheus = [127.0.0.1]:80\n",
		  "'127.0.0.1' is not a numeric IPv6 address" },
		{ "[control]\nprometheus = 127.0.0.1:\n", "bad port '' (0-65535)" },
		{ "[control]\ntelemetry = maybe\n", "t.conf:2: [control] telemetry:" },
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

/* At most BS_MAX_LISTENERS listeners; the next one is an error. */
static void
test_limits(void)
{
	struct bs_config c;
	char err[512] = "";
	size_t len = (BS_MAX_LISTENERS + 1) * 64 + 1, n = 0;
	char *text = malloc(len), banner[512];
	unsigned int i;

	CHECK(text != NULL, "malloc");
	if (text == NULL)
		return;
	for (i = 0; i <= BS_MAX_LISTENERS; i++)
		n += snprintf(text + n, len - n, "[listener l%u]\nport = %u\napp = echo\n",
			i, 1000 + i);
	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, text, "t.conf", err, sizeof(err)), -1, "65 listeners");
	CHECK(strstr(err, "t.conf:193: [listener l64]: more than 64 listener sections") != NULL,
		"'%s'", err);
	*strstr(text, "[listener l64]") = '\0';
	CHECK_EQ(bs_config_parse(&c, text, "t.conf", err, sizeof(err)), 0, "64: %s", err);
	CHECK_EQ(c.n_listeners, 64, "64 listeners");
	free(text);

	/* A banner of 255 bytes fits, 256 does not. */
	memset(banner, 'b', sizeof(banner));
	snprintf(banner, sizeof(banner), "[listener a]\nbanner = ");
	banner[strlen(banner)] = 'b';
	banner[22 + 255] = '\0';
	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, banner, "t.conf", err, sizeof(err)), -1, "no port");
	CHECK(strstr(err, "port: missing") != NULL, "255 bytes parse: '%s'", err);
	banner[22 + 255] = 'b';
	banner[22 + 256] = '\0';
	CHECK_EQ(bs_config_parse(&c, banner, "t.conf", err, sizeof(err)), -1, "256 bytes");
	CHECK(strstr(err, "t.conf:2: [listener a] banner: longer than 255 bytes") != NULL,
		"'%s'", err);
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
	/* a name a written configuration could not carry back ("[port
	 * #x]" reads as "[port" and a comment) */
	CHECK_EQ(bs_config_set(&c, "port #ull0.address=198.18.0.2/24", err, sizeof(err)), -1,
		"comment character in a name");
	CHECK(strstr(err, "bad port name '#ull0'") != NULL, "'%s'", err);
	CHECK(memcmp(&c, &before, sizeof(c)) == 0, "failed overrides changed nothing");
}

/* --set on [tcp], [listener NAME] and [client NAME]. */
static void
test_set_sections(void)
{
	static const char *const bad[] = {
		"tcp.tcp_fin_timeout=0",
		"tcp.tcp_rmem=3 2 1",
		"tcp.isn_secret=xyz",
		"tcp.nokey=1",
		"listener web.app=ftp",
		"listener web.port=65536",
		"listener web.nokey=1",
		"listener other.port=81",	/* new, any:81 collides with web */
		"listener bad name.port=1",
		"client c.address=any",
		"client c.source=2001:2::2",	/* an IPv6 source for an IPv4 peer */
	};
	struct bs_config c, before;
	char err[512] = "";
	unsigned int i;

	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, "[listener web]\nport = 80\napp = http\n", "s.conf",
		err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(bs_config_set(&c, "tcp.tcp_fin_timeout=30", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.tcp.tcp_fin_timeout, 30, "tcp override");
	CHECK_EQ(bs_config_set(&c, "tcp.tcp_rmem = 1 2 3", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.tcp.tcp_rmem[2], 3, "triple override");
	CHECK_EQ(bs_config_set(&c, "tcp.isn_secret=0102030405060708090a0b0c0d0e0f10", err,
		sizeof(err)), 0, "%s", err);
	CHECK(c.tcp.isn_secret_set && c.tcp.isn_secret[15] == 0x10, "secret override");
	CHECK_EQ(bs_config_set(&c, "tcp.isn_secret=", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.tcp.isn_secret_set, 0, "empty: random again");
	CHECK_EQ(bs_config_set(&c, "listener web.port=81", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.listeners[0].port, 81, "listener override");
	CHECK_EQ(c.n_listeners, 1, "no new listener");
	CHECK_EQ(bs_config_set(&c, "listener  web.linger2=-1", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.listeners[0].params.linger2, -1, "signed override");

	/* A listener made by --set is whole only after its port and app. */
	CHECK_EQ(bs_config_set(&c, "listener new.port=7", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(c.n_listeners, 2, "created");
	CHECK_EQ(c.listeners[1].line, 0, "made by --set");
	CHECK_EQ(bs_config_check(&c, err, sizeof(err)), -1, "app missing");
	CHECK(strcmp(err, "--set: [listener new] app: missing (required)") == 0, "'%s'", err);
	CHECK_EQ(bs_config_set(&c, "listener new.app=echo", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(bs_config_check(&c, err, sizeof(err)), 0, "%s", err);

	CHECK_EQ(bs_config_set(&c, "client c.address=198.18.0.1", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(bs_config_set(&c, "client c.port=9", err, sizeof(err)), 0, "%s", err);
	CHECK_EQ(bs_config_set(&c, "client c.app=half-close", err, sizeof(err)), 0, "%s", err);
	CHECK(c.n_clients == 1 && c.clients[0].rport == 9 && c.clients[0].family == AF_INET &&
		c.clients[0].app == BS_APP_HALF_CLOSE, "client made by --set");
	CHECK_EQ(bs_config_check(&c, err, sizeof(err)), 0, "%s", err);

	before = c;
	for (i = 0; i < RTE_DIM(bad); i++) {
		CHECK_EQ(bs_config_set(&c, bad[i], err, sizeof(err)), -1, "'%s' accepted", bad[i]);
		CHECK(strncmp(err, "--set '", 7) == 0, "'%s': '%s'", bad[i], err);
	}
	CHECK(memcmp(&c, &before, sizeof(c)) == 0, "failed overrides changed nothing");
	CHECK_EQ(bs_config_set(&c, "listener other.port=81", err, sizeof(err)), -1, "collides");
	CHECK(strcmp(err, "--set 'listener other.port=81': --set: [listener other] port: "
		"any port 81 is already [listener web]'s (line 1)") == 0, "'%s'", err);
	CHECK_EQ(bs_config_set(&c, "listener web.address=198.18.0.2", err, sizeof(err)), 0,
		"%s", err);
	CHECK_EQ(bs_config_set(&c, "listener other.port=81", err, sizeof(err)), 0,
		"a wildcard beside a specific address: %s", err);
}

/* Write the configuration, parse what was written: the same text again. */
static char *
written(const struct bs_config *c)
{
	char *buf = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);

	if (f == NULL)
		return NULL;
	bs_config_write(f, c);
	fclose(f);
	return buf;
}

static void
round_trip(const char *text, const char *what)
{
	struct bs_config c, c2;
	char err[512] = "", *w1, *w2;
	unsigned int i;

	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, text, what, err, sizeof(err)), 0, "%s: %s", what, err);
	w1 = written(&c);
	CHECK(w1 != NULL, "memstream");
	if (w1 == NULL)
		return;
	bs_config_defaults(&c2);
	CHECK_EQ(bs_config_parse(&c2, w1, what, err, sizeof(err)), 0, "%s: %s\n%s", what, err, w1);
	w2 = written(&c2);
	CHECK(w2 != NULL && strcmp(w1, w2) == 0, "%s: the output parses to itself:\n%s\n---\n%s",
		what, w1, w2);
	CHECK(memcmp(&c.tcp, &c2.tcp, sizeof(c.tcp)) == 0, "%s: [tcp]", what);
	CHECK(c.n_listeners == c2.n_listeners && c.n_clients == c2.n_clients, "%s: sections", what);
	for (i = 0; i < c.n_listeners; i++) {
		c2.listeners[i].line = c.listeners[i].line;
		CHECK(memcmp(&c.listeners[i], &c2.listeners[i], sizeof(c.listeners[i])) == 0,
			"%s: listener %u", what, i);
	}
	for (i = 0; i < c.n_clients; i++) {
		c2.clients[i].line = c.clients[i].line;
		CHECK(memcmp(&c.clients[i], &c2.clients[i], sizeof(c.clients[i])) == 0,
			"%s: client %u", what, i);
	}
	free(w1);
	free(w2);
}

static void
test_round_trip(void)
{
	char *text, *w;
	struct bs_config c;
	char err[512] = "";

	round_trip(tcp_conf, "tcp.conf");
	round_trip(listeners_conf, "l.conf");
	round_trip(clients_conf, "c.conf");
	round_trip(good, "good.conf");
	round_trip(bs_config_embedded, "embedded");
	round_trip("[listener b]\nport = 1\napp = banner\nbanner = \\x20 a;b #c\\t\\x7f\\x20\n",
		"blanks and comment characters in a banner");

	/* What --print-config shows for the built-in default. */
	bs_config_defaults(&c);
	CHECK_EQ(bs_config_parse(&c, bs_config_embedded, "embedded", err, sizeof(err)), 0, "%s", err);
	text = written(&c);
	w = text != NULL ? strstr(text, "[listener close-unread]\naddress = any\nport = 5001\n"
		"app = close-unread\nbacklog = 128\n") : NULL;
	CHECK(w != NULL, "listener printed:\n%s", text != NULL ? text : "");
	CHECK(text != NULL && strstr(text, "\ntcp_rmem = 4096 131072 6291456\n") != NULL,
		"triple printed");
	CHECK(text != NULL && strstr(text, "\nisn_secret = \n") != NULL, "random secret printed empty");
	CHECK(text != NULL && strstr(text, "\nbanner = backstop\\r\\n\n") != NULL, "escapes printed");
	free(text);
}

/* Files that are not configurations, and bytes a terminal would act on:
 * one line, '?' for each such byte, nothing waits (found by fuzzing and
 * test/ctl/test_ctl_abuse.py). */
static void
test_hostile_files(void)
{
	char dir[] = "/tmp/bs-unit-config-XXXXXX", path[64], err[512];
	struct bs_config c;

	CHECK(mkdtemp(dir) != NULL, "mkdtemp");
	bs_config_defaults(&c);
	CHECK_EQ(bs_config_load(&c, dir, err, sizeof(err)), -1, "a directory");
	CHECK(strstr(err, ": not a regular file (a directory, FIFO, socket or device)") != NULL,
		"%s", err);
	snprintf(path, sizeof(path), "%s/fifo", dir);
	CHECK_EQ(mkfifo(path, 0600), 0, "mkfifo");
	CHECK_EQ(bs_config_load(&c, path, err, sizeof(err)), -1, "a FIFO, without a writer");
	CHECK(strncmp(err, path, strlen(path)) == 0 && strstr(err, "not a regular file") != NULL,
		"%s", err);
	unlink(path);
	rmdir(dir);
	CHECK_EQ(bs_config_parse(&c, "[tcp]\n\x1b[2Jx\xff = 1\n", "f", err, sizeof(err)), -1,
		"escape in a key");
	CHECK(strcmp(err, "f:2: [tcp] has no key '?[2Jx?' (see backstop --help-config)") == 0,
		"%s", err);
	CHECK_EQ(bs_config_set(&c, "tcp.\x1b=\n1", err, sizeof(err)), -1, "escape in --set");
	CHECK(strchr(err, '\x1b') == NULL && strchr(err, '\n') == NULL, "%s", err);
}

int
main(void)
{
	test_good();
	test_tcp_defaults();
	test_tcp();
	test_listeners();
	test_clients();
	test_errors();
	test_limits();
	test_set();
	test_set_sections();
	test_round_trip();
	test_hostile_files();
	return bs_test_done();
}
