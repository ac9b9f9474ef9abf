/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_DROP_H
#define BS_DROP_H

/**
 * @file
 * Drop reasons, generated from bs_drop.def. 0 means "not dropped", so a
 * handler can return a drop reason and 0 for success.
 */

enum bs_drop {
	BS_DROP_NONE = 0,
#define BS_DROP(name, help) BS_DROP_##name,
#include "bs_drop.def"
#undef BS_DROP
	BS_DROP_MAX
};

/** Name of a drop reason ("TCP_CSUM"); "NONE" for 0, "?" out of range. */
const char *bs_drop_name(unsigned int reason);

/** One-line description of a drop reason. */
const char *bs_drop_help(unsigned int reason);

#endif /* BS_DROP_H */
