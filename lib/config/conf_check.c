/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Checks that need more than one key, once a whole file or override is
 * read: required keys, tx_port targets, listeners that would collide in
 * bind(), clients whose source and peer differ in family. Messages name
 * the section's first line ("--set:" for a section made by an override).
 */
#include <stdarg.h>
#include <string.h>
#include <sys/socket.h>

#include "config_internal.h"

static int __rte_format_printf(5, 6)
fail(const struct bs_config *c, unsigned int line, char *err, size_t errlen,
		const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line != 0)
		snprintf(err, errlen, "%s:%u: %s", c->source, line, msg);
	else
		snprintf(err, errlen, "--set: %s", msg);
	return -1;
}

static bool
all_zero(const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n-- > 0)
		if (*b++ != 0)
			return false;
	return true;
}

/* Every key with no default (a NULL one) of each named section is set. */
static int
check_required(const struct bs_config *c, bool partial, char *err, size_t errlen)
{
	unsigned int s, i, k;

	for (s = CONF_PORT; s < CONF_N_SCOPES; s++) {
		const struct conf_kind *kd = &conf_kinds[s];

		for (i = 0; i < conf_named_count(c, s); i++) {
			const char *e = conf_named_at(c, s, i);
			unsigned int line = *(const unsigned int *)(e + kd->line_off);

			if (partial && line == 0)
				continue;	/* a later --set may add it */
			for (k = 0; k < conf_n_keys; k++) {
				const struct conf_key *key = &conf_keys[k];

				if (key->scope == s && key->def == NULL &&
						all_zero(e + key->off, key->size))
					return fail(c, line, err, errlen,
						"[%s %s] %s: missing (required)", kd->name,
						e + kd->name_off, key->key);
			}
		}
	}
	return 0;
}

static int
check_tx_ports(const struct bs_config *c, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < c->n_ports; i++) {
		const struct bs_port_conf *pc = &c->ports[i];

		if (pc->tx_port[0] != '\0' &&
				conf_named_find((struct bs_config *)(uintptr_t)c, CONF_PORT,
					pc->tx_port) == NULL)
			return fail(c, pc->line, err, errlen,
				"[port %s] tx_port: '%s' has no [port %s] section",
				pc->name, pc->tx_port, pc->tx_port);
	}
	return 0;
}

/*
 * Two listeners collide as two Linux sockets would in bind() without
 * SO_REUSEPORT: same port, overlapping families, and the same address or
 * both wildcards. A specific address beside a wildcard on the same port is
 * allowed; the specific one wins, as a Linux lookup scores it higher.
 */
static bool
listeners_collide(const struct bs_listener_conf *a, const struct bs_listener_conf *b)
{
	if (a->port == 0 || a->port != b->port)
		return false;
	if (a->family != 0 && b->family != 0 && a->family != b->family)
		return false;
	if (a->any || b->any)
		return a->any && b->any;
	return memcmp(a->addr, b->addr, sizeof(a->addr)) == 0;
}

static int
check_listeners(const struct bs_config *c, char *err, size_t errlen)
{
	unsigned int i, j;

	for (i = 0; i < c->n_listeners; i++) {
		const struct bs_listener_conf *b = &c->listeners[i];

		for (j = 0; j < i; j++) {
			const struct bs_listener_conf *a = &c->listeners[j];
			char addr[64];

			if (!listeners_collide(a, b))
				continue;
			if (b->any)
				snprintf(addr, sizeof(addr), "%s", b->family == AF_INET ?
					"0.0.0.0" : b->family == AF_INET6 ? "::" : "any");
			else
				conf_ip_format(b->addr, b->family, addr, sizeof(addr));
			return fail(c, b->line, err, errlen, "[listener %s] port: %s port %u "
				"is already [listener %s]'s (line %u)", b->name, addr,
				b->port, a->name, a->line);
		}
	}
	return 0;
}

static int
check_clients(const struct bs_config *c, char *err, size_t errlen)
{
	static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };
	unsigned int i;

	for (i = 0; i < c->n_clients; i++) {
		const struct bs_client_conf *cl = &c->clients[i];
		uint8_t lfamily;

		if (!cl->laddr_set || cl->family == 0)
			continue;
		lfamily = memcmp(cl->laddr, v4mapped, 12) == 0 ? AF_INET : AF_INET6;
		if (lfamily != cl->family)
			return fail(c, cl->line, err, errlen,
				"[client %s] source: an %s address for an %s peer", cl->name,
				lfamily == AF_INET ? "IPv4" : "IPv6",
				cl->family == AF_INET ? "IPv4" : "IPv6");
	}
	return 0;
}

int
conf_validate(const struct bs_config *c, bool partial, char *err, size_t errlen)
{
	if (check_required(c, partial, err, errlen) != 0 ||
			check_tx_ports(c, err, errlen) != 0 ||
			check_listeners(c, err, errlen) != 0 ||
			check_clients(c, err, errlen) != 0)
		return -1;
	return 0;
}

int
bs_config_check(const struct bs_config *c, char *err, size_t errlen)
{
	int rc = conf_validate(c, false, err, errlen);

	if (rc != 0)
		conf_err_printable(err);
	return rc;
}
