/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_FUZZ_REF_H
#define BS_FUZZ_REF_H

#include <stddef.h>
#include <stdint.h>

/**
 * Abort unless @p reply is a reply that frame @p in deserves, read byte
 * by byte here, independently of lib/net (the rules in fuzz_frame.c).
 */
void fuzz_ref_check_reply(const uint8_t *in, size_t n, const uint8_t *reply,
		size_t rn, const uint8_t *port_mac);

#endif
