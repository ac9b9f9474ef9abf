/* SPDX-License-Identifier: BSD-3-Clause */
#include "bs_gauges.h"

static const struct {
	const char *name;
	const char *help;
} gauges[BS_GAUGE_MAX] = {
#define BS_GAUGE(name, help) [BS_GAUGE_##name] = { #name, help },
#include "bs_gauges.def"
#undef BS_GAUGE
};

const char *
bs_gauge_name(unsigned int g)
{
	return g < BS_GAUGE_MAX ? gauges[g].name : "?";
}

const char *
bs_gauge_help(unsigned int g)
{
	return g < BS_GAUGE_MAX ? gauges[g].help : "?";
}
