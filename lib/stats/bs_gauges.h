/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_GAUGES_H
#define BS_GAUGES_H

/**
 * @file
 * Gauges of a worker's endpoint (bs_gauges.def): what its tables hold.
 */

enum bs_gauge {
#define BS_GAUGE(name, help) BS_GAUGE_##name,
#include "bs_gauges.def"
#undef BS_GAUGE
	BS_GAUGE_MAX
};

/** Name of a gauge ("Connections"). Any thread. */
const char *bs_gauge_name(unsigned int g);

/** Description of a gauge. Any thread. */
const char *bs_gauge_help(unsigned int g);

#endif /* BS_GAUGES_H */
