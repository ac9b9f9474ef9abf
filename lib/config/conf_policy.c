/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * [stray] policies ("PREFIX reply|drop|ratelimit PPS", comma-separated)
 * and [tcp] overload: parsed, written back, and edited one at a time (the
 * CLI's `policy add` and `policy del`).
 */
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "config_internal.h"

#define POLICY_PPS_MAX 100000000u

static const char *const action_names[BS_STRAY_ACTION_MAX] = {
	[BS_STRAY_REPLY] = "reply",
	[BS_STRAY_DROP] = "drop",
	[BS_STRAY_RATELIMIT] = "ratelimit",
};

static const char *const overload_names[BS_OVERLOAD_MAX] = {
	[BS_OVERLOAD_SYNCOOKIE] = "syncookie",
	[BS_OVERLOAD_RESET] = "reset",
	[BS_OVERLOAD_DROP] = "drop",
};

const char *
bs_stray_action_name(unsigned int action)
{
	return action < BS_STRAY_ACTION_MAX ? action_names[action] : NULL;
}

const char *
bs_overload_name(unsigned int overload)
{
	return overload < BS_OVERLOAD_MAX ? overload_names[overload] : "?";
}

int
conf_overload_set(uint32_t *field, const char *v, char *err, size_t errlen)
{
	unsigned int i;

	for (i = 0; i < BS_OVERLOAD_MAX; i++)
		if (strcmp(v, overload_names[i]) == 0) {
			*field = i;
			return 0;
		}
	snprintf(err, errlen, "'%s': expected syncookie, reset or drop", v);
	return -1;
}

/* Are the bits of @p a past the first @p plen zero? */
static bool
host_bits_zero(const uint8_t a[16], unsigned int plen)
{
	unsigned int i;

	for (i = plen; i < 128; i++)
		if (a[i / 8] & (0x80 >> (i % 8)))
			return false;
	return true;
}

int
bs_policy_prefix_parse(struct bs_policy_conf *p, const char *s, char *err,
		size_t errlen)
{
	char buf[64], *slash, *end;
	unsigned long len;
	unsigned int max;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "'%s': not a prefix", s);
		return -1;
	}
	strcpy(buf, s);
	slash = strchr(buf, '/');
	if (slash != NULL)
		*slash++ = '\0';
	memset(p, 0, sizeof(*p));
	if (conf_ip_parse(buf, p->addr, &p->family) != 0) {
		snprintf(err, errlen, "'%s': not an IPv4 or IPv6 prefix (ADDRESS/LEN)", s);
		return -1;
	}
	max = p->family == AF_INET ? 32 : 128;
	len = max;
	if (slash != NULL) {
		len = strtoul(slash, &end, 10);
		if (*slash == '\0' || *end != '\0' || len > max) {
			snprintf(err, errlen, "'%s': prefix length must be 0 to %u", s, max);
			return -1;
		}
	}
	p->plen = (uint8_t)(len + (p->family == AF_INET ? 96 : 0));
	if (!host_bits_zero(p->addr, p->plen)) {
		snprintf(err, errlen, "'%s': address bits beyond /%lu are set", s, len);
		return -1;
	}
	return 0;
}

int
bs_policy_parse(struct bs_policy_conf *p, const char *s, char *err, size_t errlen)
{
	char buf[128], *w[4], *save = NULL, *tok, *end;
	unsigned int n = 0, i;
	unsigned long pps;

	if (strlen(s) >= sizeof(buf)) {
		snprintf(err, errlen, "policy '%s' too long", s);
		return -1;
	}
	strcpy(buf, s);
	for (tok = strtok_r(buf, " \t", &save); tok != NULL && n < 4;
			tok = strtok_r(NULL, " \t", &save))
		w[n++] = tok;
	if (n < 2 || n > 3 || tok != NULL) {
		snprintf(err, errlen, "policy '%s': expected PREFIX reply|drop|ratelimit PPS", s);
		return -1;
	}
	if (bs_policy_prefix_parse(p, w[0], err, errlen) != 0)
		return -1;
	for (i = 0; i < BS_STRAY_ACTION_MAX; i++)
		if (strcmp(w[1], action_names[i]) == 0)
			break;
	if (i == BS_STRAY_ACTION_MAX) {
		snprintf(err, errlen, "policy '%s': action '%s': expected reply, drop or ratelimit",
			s, w[1]);
		return -1;
	}
	p->action = (uint8_t)i;
	if ((i == BS_STRAY_RATELIMIT) != (n == 3)) {
		snprintf(err, errlen, "policy '%s': %s", s, i == BS_STRAY_RATELIMIT ?
			"ratelimit needs PPS (RSTs a second per worker)" :
			"only ratelimit takes a rate");
		return -1;
	}
	if (n == 3) {
		pps = strtoul(w[2], &end, 10);
		if (w[2][0] < '0' || w[2][0] > '9' || *end != '\0' || pps < 1 ||
				pps > POLICY_PPS_MAX) {
			snprintf(err, errlen, "policy '%s': PPS must be 1 to %u", s,
				POLICY_PPS_MAX);
			return -1;
		}
		p->pps = (uint32_t)pps;
	}
	return 0;
}

void
bs_policy_prefix_format(const struct bs_policy_conf *p, char *buf, size_t len)
{
	char a[64];

	conf_ip_format(p->addr, p->family, a, sizeof(a));
	snprintf(buf, len, "%s/%u", a, p->plen - (p->family == AF_INET ? 96u : 0u));
}

void
bs_policy_format(const struct bs_policy_conf *p, char *buf, size_t len)
{
	char pre[64];

	bs_policy_prefix_format(p, pre, sizeof(pre));
	if (p->action == BS_STRAY_RATELIMIT)
		snprintf(buf, len, "%s ratelimit %u", pre, p->pps);
	else
		snprintf(buf, len, "%s %s", pre, bs_stray_action_name(p->action));
}

static int
stray_find(const struct bs_stray_conf *s, const struct bs_policy_conf *p)
{
	uint32_t i;

	for (i = 0; i < s->n; i++)
		if (s->p[i].plen == p->plen && memcmp(s->p[i].addr, p->addr, 16) == 0)
			return (int)i;
	return -1;
}

int
bs_stray_put(struct bs_stray_conf *s, const struct bs_policy_conf *p, char *err,
		size_t errlen)
{
	int i = stray_find(s, p);

	if (i >= 0) {
		s->p[i] = *p;
		return 0;
	}
	if (s->n == BS_MAX_POLICIES) {
		snprintf(err, errlen, "more than %u stray policies", BS_MAX_POLICIES);
		return -1;
	}
	s->p[s->n++] = *p;
	return 0;
}

int
bs_stray_del(struct bs_stray_conf *s, const struct bs_policy_conf *p)
{
	int i = stray_find(s, p);

	if (i < 0)
		return -1;
	memmove(&s->p[i], &s->p[i + 1], (s->n - (uint32_t)i - 1) * sizeof(s->p[0]));
	s->n--;
	return 0;
}

/* The whole list replaces the key's value; a prefix given twice is an error. */
int
conf_policies_set(struct bs_stray_conf *s, const char *v, char *err, size_t errlen)
{
	struct bs_stray_conf *ns;
	char *buf, *item, *save = NULL;
	int rc = -1;

	ns = calloc(1, sizeof(*ns));
	buf = strdup(v);
	if (ns == NULL || buf == NULL) {
		snprintf(err, errlen, "out of memory");
		goto out;
	}
	for (item = strtok_r(buf, ",", &save); item != NULL;
			item = strtok_r(NULL, ",", &save)) {
		struct bs_policy_conf p;
		char pre[64];

		conf_trim(&item);
		if (*item == '\0')
			continue;
		if (bs_policy_parse(&p, item, err, errlen) != 0)
			goto out;
		if (stray_find(ns, &p) >= 0) {
			bs_policy_prefix_format(&p, pre, sizeof(pre));
			snprintf(err, errlen, "policy '%s': prefix %s given twice", item, pre);
			goto out;
		}
		if (bs_stray_put(ns, &p, err, errlen) != 0)
			goto out;
	}
	*s = *ns;
	rc = 0;
out:
	free(ns);
	free(buf);
	return rc;
}

void
conf_policies_write(FILE *f, const struct bs_stray_conf *s)
{
	char buf[128];
	uint32_t i;

	for (i = 0; i < s->n; i++) {
		bs_policy_format(&s->p[i], buf, sizeof(buf));
		fprintf(f, "%s%s", i ? ", " : "", buf);
	}
}
