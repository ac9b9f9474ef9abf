/* SPDX-License-Identifier: BSD-3-Clause */
#include "bs_log.h"

static const struct {
	const char *name;
	const char *help;
} types[BS_LOGTYPE_MAX] = {
#define BS_LOG_TYPE(name, help) [BS_LOGTYPE_##name] = { "backstop." #name, help },
#include "bs_log.def"
#undef BS_LOG_TYPE
};

int bs_logtype[BS_LOGTYPE_MAX] = {
#define BS_LOG_TYPE(name, help) [BS_LOGTYPE_##name] = RTE_LOGTYPE_USER1,
#include "bs_log.def"
#undef BS_LOG_TYPE
};

int
bs_log_init(void)
{
	unsigned int i;
	int t;

	for (i = 0; i < BS_LOGTYPE_MAX; i++) {
		t = rte_log_register_type_and_pick_level(types[i].name, RTE_LOG_INFO);
		if (t < 0)
			return -1;
		bs_logtype[i] = t;
	}
	return 0;
}

const char *
bs_log_name(unsigned int type)
{
	return type < BS_LOGTYPE_MAX ? types[type].name : "?";
}

const char *
bs_log_help(unsigned int type)
{
	return type < BS_LOGTYPE_MAX ? types[type].help : "?";
}

int
bs_errf(char *err, size_t len, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return -1;
}
