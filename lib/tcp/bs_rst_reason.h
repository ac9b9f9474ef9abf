/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_RST_REASON_H
#define BS_RST_REASON_H

/**
 * @file
 * Reset reasons, generated from bs_rst_reason.def (Linux sk_rst_reason).
 */

enum bs_rst_reason {
#define BS_RST_REASON(name, rows, help) BS_RST_REASON_##name,
#include "bs_rst_reason.def"
#undef BS_RST_REASON
	BS_RST_REASON_MAX
};

/** Name of a reset reason ("NO_SOCKET"); "?" out of range. */
const char *bs_rst_reason_name(unsigned int reason);

/** Matrix rows that send a reset reason ("N1 N2 ..."). */
const char *bs_rst_reason_rows(unsigned int reason);

/** One-line description of a reset reason. */
const char *bs_rst_reason_help(unsigned int reason);

#endif /* BS_RST_REASON_H */
