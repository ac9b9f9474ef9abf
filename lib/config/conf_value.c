/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * One value of each key type: parsed from its text (conf_key_set) and
 * written back in a form that parses to the same value (conf_value_write),
 * so `--print-config` output is a configuration file.
 */
#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_internal.h"

static const char *const type_names[] = {
	[CONF_U32] = "integer", [CONF_I32] = "integer", [CONF_BOOL] = "boolean",
	[CONF_STR] = "string", [CONF_ESTR] = "string with escapes",
	[CONF_U32X3] = "3 integers", [CONF_HEX128] = "128-bit hex key",
	[CONF_ADDRS] = "address list", [CONF_ANYIP] = "prefix list",
	[CONF_LADDR] = "address or any", [CONF_RADDR] = "address",
	[CONF_SADDR] = "address", [CONF_APP] = "app", [CONF_MODE] = "octal mode",
	[CONF_HOSTPORT] = "address:port",
	[CONF_POLICIES] = "policy list", [CONF_OVERLOAD] = "syncookie, reset or drop",
};

const char *
conf_type_name(enum conf_type t)
{
	return type_names[t];
}

static void
store_uint(void *field, size_t size, uint64_t x)
{
	switch (size) {
	case 1:
		*(uint8_t *)field = (uint8_t)x;
		break;
	case 2:
		*(uint16_t *)field = (uint16_t)x;
		break;
	default:
		*(uint32_t *)field = (uint32_t)x;
		break;
	}
}

static uint32_t
load_uint(const void *field, size_t size)
{
	switch (size) {
	case 1:
		return *(const uint8_t *)field;
	case 2:
		return *(const uint16_t *)field;
	default:
		return *(const uint32_t *)field;
	}
}

/* A decimal integer within min..max ("-" only when min < 0). */
static int
parse_int(const char *v, long long min, long long max, long long *out)
{
	char *end;
	long long x;

	if (!isdigit((unsigned char)v[v[0] == '-' && min < 0]))
		return -1;
	errno = 0;
	x = strtoll(v, &end, 10);
	if (errno != 0 || *end != '\0' || x < min || x > max)
		return -1;
	*out = x;
	return 0;
}

static int
set_int(const struct conf_key *k, void *field, const char *v, char *err,
		size_t errlen)
{
	long long x;

	if (parse_int(v, k->min, k->max, &x) != 0) {
		snprintf(err, errlen, "'%s' is not an integer from %lld to %lld",
			v, k->min, k->max);
		return -1;
	}
	if (k->type == CONF_I32)
		*(int32_t *)field = (int32_t)x;
	else
		store_uint(field, k->size, (uint64_t)x);
	return 0;
}

/* Permission bits in octal ("0660"), within min..max. */
static int
set_mode(const struct conf_key *k, void *field, const char *v, char *err,
		size_t errlen)
{
	unsigned long x;
	char *end;

	errno = 0;
	x = strtoul(v, &end, 8);
	if (v[0] < '0' || v[0] > '7' || *end != '\0' || errno != 0 ||
			(long long)x < k->min || (long long)x > k->max) {
		snprintf(err, errlen, "'%s' is not an octal mode from %llo to %llo",
			v, k->min, k->max);
		return -1;
	}
	*(uint32_t *)field = (uint32_t)x;
	return 0;
}

static int
set_bool(const struct conf_key *k, void *field, const char *v, char *err,
		size_t errlen)
{
	static const char *const yes[] = { "1", "yes", "true", "on" };
	static const char *const no[] = { "0", "no", "false", "off" };
	unsigned int i;

	for (i = 0; i < RTE_DIM(yes); i++) {
		if (strcasecmp(v, yes[i]) == 0 || strcasecmp(v, no[i]) == 0) {
			if (k->size == sizeof(bool))
				*(bool *)field = strcasecmp(v, yes[i]) == 0;
			else
				store_uint(field, k->size, strcasecmp(v, yes[i]) == 0);
			return 0;
		}
	}
	snprintf(err, errlen, "'%s' is not a boolean (yes/no, on/off, true/false, 1/0)", v);
	return -1;
}

/* "min default max", as the tcp_rmem sysctl: min <= default <= max. */
static int
set_u32x3(const struct conf_key *k, uint32_t *field, const char *v, char *err,
		size_t errlen)
{
	char buf[128], *tok, *save = NULL;
	long long x[3];
	unsigned int n = 0;

	snprintf(buf, sizeof(buf), "%s", v);
	for (tok = strtok_r(buf, " \t", &save); tok != NULL;
			tok = strtok_r(NULL, " \t", &save)) {
		if (n == 3 || parse_int(tok, k->min, k->max, &x[n]) != 0)
			goto bad;
		n++;
	}
	if (n != 3 || x[0] > x[1] || x[1] > x[2])
		goto bad;
	field[0] = (uint32_t)x[0];
	field[1] = (uint32_t)x[1];
	field[2] = (uint32_t)x[2];
	return 0;
bad:
	snprintf(err, errlen, "'%s' is not three integers 'min default max' from %lld "
		"to %lld with min <= default <= max", v, k->min, k->max);
	return -1;
}

static int
hex_digit(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	ch = (char)tolower((unsigned char)ch);
	return ch >= 'a' && ch <= 'f' ? ch - 'a' + 10 : -1;
}

/* 32 hex digits, or empty for a key chosen at random at start. */
static int
set_hex128(const struct conf_key *k, void *base, const char *v, char *err,
		size_t errlen)
{
	uint8_t key[16];
	unsigned int i;

	if (v[0] == '\0') {
		memset((char *)base + k->off, 0, 16);
		*(bool *)((char *)base + k->aux_off) = false;
		return 0;
	}
	for (i = 0; i < 32; i++) {
		if (v[i] == '\0' || hex_digit(v[i]) < 0)
			break;
		if (i % 2 == 0)
			key[i / 2] = (uint8_t)(hex_digit(v[i]) << 4);
		else
			key[i / 2] |= (uint8_t)hex_digit(v[i]);
	}
	if (i != 32 || v[32] != '\0') {
		snprintf(err, errlen, "'%s' is not 32 hex digits (a 128-bit key), "
			"nor empty (random)", v);
		return -1;
	}
	memcpy((char *)base + k->off, key, 16);
	*(bool *)((char *)base + k->aux_off) = true;
	return 0;
}

/* \r \n \t \\ \xHH; no NUL. */
static int
set_estr(const struct conf_key *k, char *field, const char *v, char *err,
		size_t errlen)
{
	char out[1024];
	size_t n = 0;

	for (; *v != '\0'; v++) {
		char ch = *v;

		if (ch == '\\') {
			v++;
			switch (*v) {
			case 'r': ch = '\r'; break;
			case 'n': ch = '\n'; break;
			case 't': ch = '\t'; break;
			case '\\': ch = '\\'; break;
			case 'x':
				if (hex_digit(v[1]) < 0 || hex_digit(v[2]) < 0 ||
						(hex_digit(v[1]) | hex_digit(v[2])) == 0)
					goto bad;
				ch = (char)(hex_digit(v[1]) << 4 | hex_digit(v[2]));
				v += 2;
				break;
			default:
				goto bad;
			}
		}
		if (n + 1 >= k->size || n + 1 >= sizeof(out)) {
			snprintf(err, errlen, "longer than %zu bytes", k->size - 1);
			return -1;
		}
		out[n++] = ch;
	}
	out[n] = '\0';
	memcpy(field, out, n + 1);
	return 0;
bad:
	snprintf(err, errlen, "bad escape (use \\r \\n \\t \\\\ or \\xHH, not \\x00)");
	return -1;
}

/* Replace the entries of one kind (host addresses or AnyIP prefixes). */
static int
set_addrs(struct bs_addr_table *t, const char *v, bool anyip, char *err,
		size_t errlen)
{
	struct bs_addr_table nt;
	char buf[1024], *item, *save = NULL;
	unsigned int i;

	memset(&nt, 0, sizeof(nt));
	for (i = 0; i < t->n; i++)
		if (t->a[i].anyip != anyip && bs_addr_add(&nt, &t->a[i], err, errlen) != 0)
			return -1;
	if (strlen(v) >= sizeof(buf)) {
		snprintf(err, errlen, "list longer than %zu characters", sizeof(buf) - 1);
		return -1;
	}
	strcpy(buf, v);
	for (item = strtok_r(buf, ",", &save); item != NULL;
			item = strtok_r(NULL, ",", &save)) {
		struct bs_addr a;

		conf_trim(&item);
		if (*item == '\0')
			continue;
		if (bs_addr_parse(&a, item, anyip, err, errlen) != 0 ||
				bs_addr_add(&nt, &a, err, errlen) != 0)
			return -1;
	}
	*t = nt;
	return 0;
}

static const uint8_t v4mapped[12] = { [10] = 0xff, [11] = 0xff };

/* IPv4 (stored v4-mapped) or IPv6 text; a v4-mapped IPv6 text is IPv4. */
int
conf_ip_parse(const char *s, uint8_t addr[16], uint8_t *family)
{
	memset(addr, 0, 16);
	if (inet_pton(AF_INET, s, addr + 12) == 1) {
		memcpy(addr, v4mapped, 12);
		*family = AF_INET;
		return 0;
	}
	if (inet_pton(AF_INET6, s, addr) == 1) {
		*family = memcmp(addr, v4mapped, 12) == 0 ? AF_INET : AF_INET6;
		return 0;
	}
	return -1;
}

void
conf_ip_format(const uint8_t addr[16], uint8_t family, char *buf, size_t len)
{
	if (family == AF_INET)
		inet_ntop(AF_INET, addr + 12, buf, (socklen_t)len);
	else
		inet_ntop(AF_INET6, addr, buf, (socklen_t)len);
}

static bool
ip_unspecified(const uint8_t addr[16], uint8_t family)
{
	static const uint8_t zero[16];

	return memcmp(family == AF_INET ? addr + 12 : addr, zero,
		family == AF_INET ? 4 : 16) == 0;
}

/* What a connection can use: not unspecified, multicast or broadcast. */
static bool
ip_unicast(const uint8_t addr[16], uint8_t family)
{
	if (ip_unspecified(addr, family))
		return false;
	if (family == AF_INET)
		return (addr[12] & 0xf0) != 0xe0 &&
			!(addr[12] == 255 && addr[13] == 255 && addr[14] == 255 &&
			  addr[15] == 255);
	return addr[0] != 0xff;
}

static int
set_ip(const struct conf_key *k, void *base, const char *v, char *err,
		size_t errlen)
{
	struct bs_listener_conf *l = base;
	struct bs_client_conf *cl = base;
	uint8_t a[16], family;

	if (k->type == CONF_SADDR && v[0] == '\0') {
		memset(cl->laddr, 0, sizeof(cl->laddr));
		cl->laddr_set = false;
		return 0;
	}
	if (k->type == CONF_LADDR && strcmp(v, "any") == 0) {
		memset(l->addr, 0, sizeof(l->addr));
		l->family = 0;
		l->any = true;
		return 0;
	}
	if (conf_ip_parse(v, a, &family) != 0) {
		snprintf(err, errlen, "'%s' is not an IPv4 or IPv6 address%s", v,
			k->type == CONF_LADDR ? ", nor 'any'" : "");
		return -1;
	}
	if (k->type == CONF_LADDR && ip_unspecified(a, family)) {
		memset(l->addr, 0, sizeof(l->addr));
		l->family = family;
		l->any = true;
		return 0;
	}
	if (!ip_unicast(a, family)) {
		snprintf(err, errlen, "'%s' is not a unicast address", v);
		return -1;
	}
	if (k->type == CONF_LADDR) {
		memcpy(l->addr, a, 16);
		l->family = family;
		l->any = false;
	} else if (k->type == CONF_RADDR) {
		memcpy(cl->raddr, a, 16);
		cl->family = family;
	} else {
		memcpy(cl->laddr, a, 16);
		cl->laddr_set = true;
	}
	return 0;
}

static int
set_app(uint8_t *field, const char *v, char *err, size_t errlen)
{
	char list[256] = "";
	unsigned int i;

	for (i = 1; i < BS_APP_MAX; i++) {
		if (strcmp(v, bs_app_name(i)) == 0) {
			*field = (uint8_t)i;
			return 0;
		}
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "%s%s",
			i > 1 ? ", " : "", bs_app_name(i));
	}
	snprintf(err, errlen, "'%s' is not an app (%s)", v, list);
	return -1;
}

int
conf_key_set(const struct conf_key *k, void *base, const char *v, char *err,
		size_t errlen)
{
	void *field = (char *)base + k->off;
	const char *c;

	/* What a configuration file could not carry back (the file reads
	 * ";" or "#" first or after a blank as a comment): refused here,
	 * whether the value came from a file, --set or the CLI. */
	for (c = v; *c != '\0'; c++) {
		if ((*c == ';' || *c == '#') &&
				(c == v || c[-1] == ' ' || c[-1] == '\t')) {
			snprintf(err, errlen, "'%s': ';' and '#' start comments: not first "
				"in a value nor after a blank", v);
			return -1;
		}
	}
	switch (k->type) {
	case CONF_U32:
	case CONF_I32:
		return set_int(k, field, v, err, errlen);
	case CONF_BOOL:
		return set_bool(k, field, v, err, errlen);
	case CONF_MODE:
		return set_mode(k, field, v, err, errlen);
	case CONF_HOSTPORT:
		if (v[0] != '\0' && bs_hostport_parse(v, NULL, NULL, err, errlen) != 0)
			return -1;
		/* fall through */
	case CONF_STR:
		if (strlen(v) >= k->size) {
			snprintf(err, errlen, "longer than %zu characters", k->size - 1);
			return -1;
		}
		strcpy(field, v);
		return 0;
	case CONF_ESTR:
		return set_estr(k, field, v, err, errlen);
	case CONF_U32X3:
		return set_u32x3(k, field, v, err, errlen);
	case CONF_HEX128:
		return set_hex128(k, base, v, err, errlen);
	case CONF_ADDRS:
	case CONF_ANYIP:
		return set_addrs(field, v, k->type == CONF_ANYIP, err, errlen);
	case CONF_LADDR:
	case CONF_RADDR:
	case CONF_SADDR:
		return set_ip(k, base, v, err, errlen);
	case CONF_APP:
		return set_app(field, v, err, errlen);
	case CONF_POLICIES:
		return conf_policies_set(field, v, err, errlen);
	case CONF_OVERLOAD:
		return conf_overload_set(field, v, err, errlen);
	}
	snprintf(err, errlen, "internal: bad key type");
	return -1;
}

/* Escape what the parser would not give back: blanks at the ends, comments. */
static void
write_estr(FILE *f, const char *s)
{
	size_t i, n = strlen(s);

	for (i = 0; i < n; i++) {
		unsigned char ch = (unsigned char)s[i];

		if (ch == '\r')
			fputs("\\r", f);
		else if (ch == '\n')
			fputs("\\n", f);
		else if (ch == '\t')
			fputs("\\t", f);
		else if (ch == '\\')
			fputs("\\\\", f);
		else if (ch < 0x20 || ch >= 0x7f || ch == ';' || ch == '#' ||
				(ch == ' ' && (i == 0 || i == n - 1)))
			fprintf(f, "\\x%02x", ch);
		else
			fputc(ch, f);
	}
}

static void
write_ip(FILE *f, const struct conf_key *k, const void *base)
{
	const struct bs_listener_conf *l = base;
	const struct bs_client_conf *cl = base;
	char buf[INET6_ADDRSTRLEN];

	if (k->type == CONF_LADDR && l->any) {
		fputs(l->family == AF_INET ? "0.0.0.0" : l->family == AF_INET6 ? "::" : "any", f);
		return;
	}
	if (k->type == CONF_LADDR)
		conf_ip_format(l->addr, l->family, buf, sizeof(buf));
	else if (k->type == CONF_RADDR && cl->family != 0)
		conf_ip_format(cl->raddr, cl->family, buf, sizeof(buf));
	else if (k->type == CONF_SADDR && cl->laddr_set)
		conf_ip_format(cl->laddr, memcmp(cl->laddr, v4mapped, 12) == 0 ?
			AF_INET : AF_INET6, buf, sizeof(buf));
	else
		buf[0] = '\0';
	fputs(buf, f);
}

void
conf_value_write(FILE *f, const struct conf_key *k, const void *base)
{
	const void *field = (const char *)base + k->off;
	const struct bs_addr_table *t = field;
	const uint32_t *x3 = field;
	const uint8_t *key = field;
	unsigned int i, n = 0;
	char buf[96];

	switch (k->type) {
	case CONF_U32:
		fprintf(f, "%u", load_uint(field, k->size));
		break;
	case CONF_I32:
		fprintf(f, "%d", *(const int32_t *)field);
		break;
	case CONF_MODE:
		fprintf(f, "%04o", *(const uint32_t *)field);
		break;
	case CONF_BOOL:
		fprintf(f, "%u", k->size == sizeof(bool) ? *(const bool *)field :
			load_uint(field, k->size));
		break;
	case CONF_STR:
	case CONF_HOSTPORT:
		fprintf(f, "%s", (const char *)field);
		break;
	case CONF_ESTR:
		write_estr(f, field);
		break;
	case CONF_U32X3:
		fprintf(f, "%u %u %u", x3[0], x3[1], x3[2]);
		break;
	case CONF_HEX128:
		if (*(const bool *)((const char *)base + k->aux_off))
			for (i = 0; i < 16; i++)
				fprintf(f, "%02x", key[i]);
		break;
	case CONF_ADDRS:
	case CONF_ANYIP:
		for (i = 0; i < t->n; i++) {
			if (t->a[i].anyip != (k->type == CONF_ANYIP))
				continue;
			bs_addr_format(&t->a[i], buf, sizeof(buf));
			fprintf(f, "%s%s", n++ ? ", " : "", buf);
		}
		break;
	case CONF_LADDR:
	case CONF_RADDR:
	case CONF_SADDR:
		write_ip(f, k, base);
		break;
	case CONF_APP:
		if (bs_app_name(*(const uint8_t *)field) != NULL)
			fputs(bs_app_name(*(const uint8_t *)field), f);
		break;
	case CONF_POLICIES:
		conf_policies_write(f, field);
		break;
	case CONF_OVERLOAD:
		fputs(bs_overload_name(*(const uint32_t *)field), f);
		break;
	}
}
