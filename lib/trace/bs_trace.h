/* SPDX-License-Identifier: BSD-3-Clause */
#ifndef BS_TRACE_H
#define BS_TRACE_H

/**
 * @file
 * DPDK trace points mirroring Linux's TCP tracepoints:
 *
 *   backstop.tcp.send_reset     tcp_send_reset: every RST Backstop sends
 *                               (RST-REPLY verdicts and RST-ABORTs)
 *   backstop.tcp.receive_reset  tcp_receive_reset: an RST accepted by a
 *                               connection (tcp_reset())
 *
 * Fields: family (4 or 6), saddr, daddr (text; the local address is saddr
 * for both, as Linux's sk-based fields), sport, dport (host order), state
 * and reason (names: bs_tcp_state.def, bs_rst_reason.def; receive_reset
 * has no reason).
 *
 * Compiled in, off until enabled: EAL's --trace=backstop.tcp.* (and
 * --trace-dir), or rte_trace_pattern() at run time. Off, a call site costs
 * one load and one predictable branch (bs_trace_on()); the formatting is
 * out of line. Worker lcores: they only write their own trace buffer.
 */

#include <stdbool.h>
#include <stdint.h>

#include <rte_branch_prediction.h>
#include <rte_trace_point.h>

#include "bs_flow.h"

RTE_TRACE_POINT(
	bs_trace_tcp_send_reset,
	RTE_TRACE_POINT_ARGS(uint8_t family, const char *saddr, const char *daddr,
		uint16_t sport, uint16_t dport, const char *state, const char *reason),
	rte_trace_point_emit_u8(family);
	rte_trace_point_emit_string(saddr);
	rte_trace_point_emit_string(daddr);
	rte_trace_point_emit_u16(sport);
	rte_trace_point_emit_u16(dport);
	rte_trace_point_emit_string(state);
	rte_trace_point_emit_string(reason);
)

RTE_TRACE_POINT(
	bs_trace_tcp_receive_reset,
	RTE_TRACE_POINT_ARGS(uint8_t family, const char *saddr, const char *daddr,
		uint16_t sport, uint16_t dport, const char *state),
	rte_trace_point_emit_u8(family);
	rte_trace_point_emit_string(saddr);
	rte_trace_point_emit_string(daddr);
	rte_trace_point_emit_u16(sport);
	rte_trace_point_emit_u16(dport);
	rte_trace_point_emit_string(state);
)

/* The enable bit of a trace point's word (DPDK's internal
 * __RTE_TRACE_FIELD_ENABLE_MASK, which trace.c's registration mode hides). */
#define BS_TRACE_ENABLE_BIT (1ULL << 63)
#ifdef __RTE_TRACE_FIELD_ENABLE_MASK
_Static_assert(BS_TRACE_ENABLE_BIT == __RTE_TRACE_FIELD_ENABLE_MASK, "DPDK's enable bit moved");
#endif

/** Is trace point @p tp enabled? One relaxed load and a branch. */
static __rte_always_inline bool
bs_trace_on(const rte_trace_point_t *tp)
{
	return unlikely((__atomic_load_n(tp, __ATOMIC_RELAXED) & BS_TRACE_ENABLE_BIT) != 0);
}

/* The out-of-line halves: format the fields and emit. */
void bs_trace_send_reset_flow(const struct bs_flow *f, unsigned int state,
		unsigned int reason);
void bs_trace_send_reset_frame(const uint8_t *l3, unsigned int state, unsigned int reason);
void bs_trace_receive_reset_flow(const struct bs_flow *f, unsigned int state);

/** An RST of a connection (@p f: its 4-tuple, local side ours). */
static __rte_always_inline void
bs_trace_send_reset(const struct bs_flow *f, unsigned int state, unsigned int reason)
{
	if (bs_trace_on(&__bs_trace_tcp_send_reset))
		bs_trace_send_reset_flow(f, state, reason);
}

/** An RST-REPLY written over a received frame (@p l3: its IP header). */
static __rte_always_inline void
bs_trace_send_reset_reply(const uint8_t *l3, unsigned int state, unsigned int reason)
{
	if (bs_trace_on(&__bs_trace_tcp_send_reset))
		bs_trace_send_reset_frame(l3, state, reason);
}

/** An RST accepted by connection @p f in @p state. */
static __rte_always_inline void
bs_trace_receive_reset(const struct bs_flow *f, unsigned int state)
{
	if (bs_trace_on(&__bs_trace_tcp_receive_reset))
		bs_trace_receive_reset_flow(f, state);
}

/**
 * Enable (or disable) every backstop.* trace point at run time; the trace
 * buffers are saved at exit (rte_eal_cleanup) or by bs_trace_save().
 * Control thread. @return the number of trace points changed, or < 0
 */
int bs_trace_enable(bool on);

/** Is any backstop.* trace point enabled? */
bool bs_trace_enabled(void);

/** Save the trace now (rte_trace_save). @return 0 or < 0 */
int bs_trace_save(void);

#endif /* BS_TRACE_H */
