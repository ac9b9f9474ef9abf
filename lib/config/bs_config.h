/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_CONFIG_H
#define BS_CONFIG_H

/**
 * @file
 * Backstop's configuration: an INI file whose keys are declared once in
 * bs_config_keys.def, plus command-line overrides.
 *
 * Loading is all-or-nothing: a function that fails leaves the target
 * configuration untouched and writes one message naming the file, line,
 * section and key. Control thread only.
 */

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "bs_addr.h"

#define BS_MAX_CONF_PORTS 8
#define BS_PORT_NAME_LEN 64
#define BS_MAX_LISTENERS 64
#define BS_MAX_CLIENTS 64
#define BS_CONF_NAME_LEN 64	/**< listener and client names */
#define BS_BANNER_LEN 256	/**< banner bytes + NUL */

struct bs_port_conf {
	char name[BS_PORT_NAME_LEN];	/**< ethdev name */
	unsigned int line;		/**< where its section starts */
	struct bs_addr_table addrs;	/**< address and anyip entries */
	char tx_port[BS_PORT_NAME_LEN];
	uint32_t rx_desc;
	uint32_t tx_desc;
	uint32_t prefetch;		/**< BS_PREFETCH_* */
};

enum { BS_PREFETCH_OFF, BS_PREFETCH_ON, BS_PREFETCH_AUTO };

/** What a listener or client does with a connection; see bs_app.def. */
enum bs_app {
	BS_APP_NONE,		/**< not set (a listener must set one) */
#define BS_APP(id, name, help) BS_APP_##id,
#include "bs_app.def"
#undef BS_APP
	BS_APP_MAX
};

/** [tcp] overload: what a SYN gets when Backstop's own tables are full. */
enum bs_overload {
	BS_OVERLOAD_SYNCOOKIE,	/**< Linux: a SYN cookie (tcp_syncookies >= 1) */
	BS_OVERLOAD_RESET,	/**< an RST, as to a closed port */
	BS_OVERLOAD_DROP,	/**< silence: the peer retries */
	BS_OVERLOAD_MAX
};

/** [tcp]: Linux's net.ipv4.tcp_* sysctls (same names, same defaults). */
struct bs_tcp_conf {
	uint32_t tcp_fin_timeout;		/**< seconds */
	uint32_t tcp_keepalive_time;		/**< seconds */
	uint32_t tcp_keepalive_intvl;		/**< seconds */
	uint32_t tcp_keepalive_probes;
	uint32_t tcp_synack_retries;
	uint32_t tcp_syn_retries;
	uint32_t tcp_retries1;
	uint32_t tcp_retries2;
	uint32_t tcp_orphan_retries;
	uint32_t tcp_challenge_ack_limit;	/**< per second */
	uint32_t tcp_invalid_ratelimit;		/**< milliseconds */
	uint32_t tcp_rfc1337;
	uint32_t tcp_abort_on_overflow;
	uint32_t tcp_syncookies;		/**< 0, 1 or 2 */
	uint32_t tcp_max_tw_buckets;
	uint32_t tcp_max_orphans;
	uint32_t tcp_max_syn_backlog;
	uint32_t somaxconn;			/**< net.core.somaxconn */
	uint32_t tcp_timestamps;		/**< 0, 1 or 2 */
	uint32_t tcp_sack;
	uint32_t tcp_window_scaling;
	uint32_t tcp_rmem[3];			/**< min, default, max bytes */
	uint32_t tcp_wmem[3];			/**< min, default, max bytes */
	uint32_t tcp_slow_start_after_idle;
	uint32_t overload;			/**< enum bs_overload */
	uint32_t connections;			/**< table entries per worker */
	uint32_t requests;			/**< half-open entries per worker */
	uint8_t isn_secret[16];			/**< SipHash key */
	bool isn_secret_set;			/**< false: pick one at random */
	uint8_t syncookie_secret[16];		/**< SipHash key */
	bool syncookie_secret_set;		/**< false: pick one at random */
};

#define BS_MAX_POLICIES 256	/**< stray policies in one configuration */

/** What a stray segment (no connection, no listener) gets. */
enum bs_stray_action {
	BS_STRAY_REPLY,		/**< the RST Linux sends (N1, N2) */
	BS_STRAY_DROP,		/**< nothing */
	BS_STRAY_RATELIMIT,	/**< the RST, at most pps a second per worker */
	BS_STRAY_ACTION_MAX
};

/**
 * One stray policy: a destination prefix and its action. The prefix is
 * 128 bits, IPv4 as v4-mapped ::ffff:a.b.c.d with plen 96 + its length,
 * host bits zero.
 */
struct bs_policy_conf {
	uint8_t addr[16];
	uint8_t plen;			/**< 0..128 over the 128-bit form */
	uint8_t family;			/**< AF_INET or AF_INET6 */
	uint8_t action;			/**< enum bs_stray_action */
	uint32_t pps;			/**< BS_STRAY_RATELIMIT: RSTs a second per worker */
};

/** [stray]: the policies, by destination prefix (longest match wins). */
struct bs_stray_conf {
	uint32_t n;
	struct bs_policy_conf p[BS_MAX_POLICIES];
};

/** App parameters and socket options, shared by listeners and clients. */
struct bs_app_params {
	uint32_t http_status;
	uint32_t http_body;		/**< body bytes */
	bool http_keepalive;
	char banner[BS_BANNER_LEN];	/**< unescaped, NUL-terminated */
	uint32_t delay_ms;		/**< close-unread */
	uint32_t keepalive_idle;	/**< TCP_KEEPIDLE s; 0: tcp_keepalive_time */
	uint32_t keepalive_intvl;	/**< TCP_KEEPINTVL s; 0: tcp_keepalive_intvl */
	uint32_t keepalive_probes;	/**< TCP_KEEPCNT; 0: tcp_keepalive_probes */
	int32_t linger2;		/**< TCP_LINGER2 s; 0: tcp_fin_timeout; -1: off */
	uint32_t user_timeout_ms;	/**< TCP_USER_TIMEOUT; 0: off */
};

/**
 * [listener NAME]. Addresses are 16 bytes: IPv6, or IPv4 as v4-mapped
 * ::ffff:a.b.c.d; family is AF_INET or AF_INET6 (0: both, address `any`).
 */
struct bs_listener_conf {
	char name[BS_CONF_NAME_LEN];
	unsigned int line;		/**< where its section starts (0: --set) */
	uint8_t family;			/**< AF_INET, AF_INET6, 0 = both */
	uint8_t addr[16];		/**< all-zero when any */
	bool any;			/**< wildcard address */
	uint16_t port;			/**< host order */
	uint8_t app;			/**< enum bs_app */
	uint32_t backlog;		/**< as configured; see bs_listener_backlog() */
	struct bs_app_params params;
};

/** [client NAME]: connections Backstop opens. */
struct bs_client_conf {
	char name[BS_CONF_NAME_LEN];
	unsigned int line;		/**< where its section starts (0: --set) */
	uint8_t family;			/**< AF_INET or AF_INET6 */
	uint8_t raddr[16];		/**< remote address (v4-mapped for IPv4) */
	uint16_t rport;			/**< host order */
	uint8_t laddr[16];		/**< source address when laddr_set */
	bool laddr_set;
	uint16_t lport;			/**< 0: choose an ephemeral port */
	uint8_t app;			/**< enum bs_app */
	uint32_t count;			/**< connections to open */
	uint32_t connect_timeout_ms;	/**< 0: the tcp_syn_retries schedule */
	uint32_t start_ms;		/**< delay after start */
	struct bs_app_params params;
};

/** [control]: the management interfaces. */
struct bs_control_conf {
	char socket[108];		/**< CLI socket path (sun_path); "" none */
	uint32_t socket_mode;		/**< its permission bits */
	uint32_t telemetry;		/**< /backstop/... telemetry commands */
	char prometheus[64];		/**< HOST:PORT of the exporter; "" none */
};
#define BS_CONF_MAX_KEYS 128	/**< rows of bs_config_keys.def */

struct bs_config {
	char source[256];		/**< file it came from */
	unsigned int key_line[BS_CONF_MAX_KEYS];	/**< line of each global key
					 *   the file set (0: not set), for messages */
	uint32_t mbufs;
	uint32_t mbuf_cache;
	uint32_t mbuf_thp;
	uint32_t mbuf_reserve;		/* percent of the pool */
	uint32_t burst;
	uint32_t announce;
	uint32_t ip_default_ttl;
	uint32_t hop_limit;
	uint32_t flowlabel_reflect;
	uint32_t auto_flowlabels;
	struct bs_tcp_conf tcp;
	struct bs_control_conf control;
	struct bs_stray_conf stray;
	unsigned int n_ports;
	struct bs_port_conf ports[BS_MAX_CONF_PORTS];
	unsigned int n_listeners;
	struct bs_listener_conf listeners[BS_MAX_LISTENERS];
	unsigned int n_clients;
	struct bs_client_conf clients[BS_MAX_CLIENTS];
	struct {
		char file[256];		/**< capture at start into this file; "": none */
		char dir[256];		/**< where the CLI's capture start writes */
		char filter[256];	/**< the words of the CLI's capture start */
		uint32_t ring;		/**< frames per worker ring */
		uint32_t mbufs;		/**< the capture pool */
	} capture;
};

/** A listener's accept queue length: its backlog capped by somaxconn. */
static inline uint32_t
bs_listener_backlog(const struct bs_config *c, const struct bs_listener_conf *l)
{
	return l->backlog < c->tcp.somaxconn ? l->backlog : c->tcp.somaxconn;
}

/**
 * Parse one policy, "PREFIX reply|drop|ratelimit PPS" (PREFIX: an IPv4 or
 * IPv6 address with /LEN, host bits zero; a bare address is a host).
 * @return 0, or -1 with a message
 */
int bs_policy_parse(struct bs_policy_conf *p, const char *s, char *err,
		size_t errlen);

/** Parse just a prefix ("198.18.0.0/24") into @p p's addr, plen, family. */
int bs_policy_prefix_parse(struct bs_policy_conf *p, const char *s, char *err,
		size_t errlen);

/** "198.18.0.0/24" (the prefix alone). */
void bs_policy_prefix_format(const struct bs_policy_conf *p, char *buf, size_t len);

/** "198.18.0.0/24 ratelimit 100": what bs_policy_parse() reads back. */
void bs_policy_format(const struct bs_policy_conf *p, char *buf, size_t len);

/** Name of a stray action ("reply", "drop", "ratelimit"); NULL out of range. */
const char *bs_stray_action_name(unsigned int action);

/** Name of an overload action ("syncookie", "reset", "drop"). */
const char *bs_overload_name(unsigned int overload);

/**
 * Add or replace (same prefix) a policy in @p s. @return 0, or -1 with a
 * message (the list is full)
 */
int bs_stray_put(struct bs_stray_conf *s, const struct bs_policy_conf *p,
		char *err, size_t errlen);

/** Remove the policy of @p p's prefix. @return 0, or -1: no such policy */
int bs_stray_del(struct bs_stray_conf *s, const struct bs_policy_conf *p);

/** An app's name ("echo", "close-unread"...), or NULL for BS_APP_NONE. */
const char *bs_app_name(unsigned int app);

/** An app's one-line description. */
const char *bs_app_help(unsigned int app);

/** The built-in default: config/backstop.conf as it was at build time. */
extern const char bs_config_embedded[];

/** Fill @p c with every key's default and no ports. */
void bs_config_defaults(struct bs_config *c);

/**
 * Parse INI text into @p c (which starts from defaults).
 * @param name  what to call the text in messages (a file name)
 * @return 0, or -1 with "name:line: ..." in @p err and @p c unchanged
 */
int bs_config_parse(struct bs_config *c, const char *text, const char *name,
		char *err, size_t errlen);

/** Read and parse a file. Same contract as bs_config_parse(). */
int bs_config_load(struct bs_config *c, const char *path, char *err,
		size_t errlen);

/**
 * Apply one override "SECTION.KEY=VALUE" (e.g. "ipv4.ip_default_ttl=32",
 * "port net_pcap0.tx_port=net_null0", "listener web.port=81"). A port,
 * listener or client section is created if needed; the value replaces the
 * key's current one. A section created this way may lack its required keys
 * until later overrides set them: call bs_config_check() after the last.
 * @return 0, or -1 with a message and @p c unchanged
 */
int bs_config_set(struct bs_config *c, const char *assignment, char *err,
		size_t errlen);

/**
 * Every cross-key check, including required keys of sections created by
 * bs_config_set(). bs_config_parse() runs it itself.
 * @return 0, or -1 with a message
 */
int bs_config_check(const struct bs_config *c, char *err, size_t errlen);

/**
 * May a running Backstop go from @p cur to @p next? Listeners, [stray]
 * and the [tcp] knobs may change; table capacities, secrets, ports,
 * clients and the [backstop], [ipv4] and [ipv6] keys may not.
 * @return 0, or -1 with "FILE:LINE: [section] key: ..." for the first
 *         key that may not change
 */
int bs_config_live_check(const struct bs_config *cur, const struct bs_config *next,
		char *err, size_t errlen);

/** Write the effective configuration as INI. */
void bs_config_write(FILE *f, const struct bs_config *c);

/** A key of the configuration, its value as text (bs_config_walk()). */
typedef void (*bs_config_walk_fn)(void *arg, const char *section, const char *name,
		const char *key, const char *value);

/**
 * Every key of @p c, in bs_config_write()'s order, as text that parses
 * back: @p section ("tcp", "listener"), @p name (a named section's name;
 * NULL for the others). With @p hide_secrets the keys given in it (HEX128)
 * read "(set, not shown)". Any thread (allocates).
 */
void bs_config_walk(const struct bs_config *c, bool hide_secrets, bs_config_walk_fn fn,
		void *arg);

/**
 * Parse a numeric "IPV4:PORT" or "[IPV6]:PORT" into @p sa (a struct
 * sockaddr_storage; NULL: only check) and @p len. Any thread.
 * @return 0, or -1 with a message in @p err
 */
int bs_hostport_parse(const char *s, void *sa, unsigned int *len, char *err,
		size_t errlen);

/** Write every key with its default, range and help. */
void bs_config_write_keys(FILE *f);

/** The same as a Markdown table. */
void bs_config_write_keys_md(FILE *f);

/** The apps (bs_app.def) as a Markdown table. */
void bs_config_write_apps_md(FILE *f);

#endif /* BS_CONFIG_H */
