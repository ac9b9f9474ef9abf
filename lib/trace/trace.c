/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Registration of Backstop's trace points (bs_trace.h), and nothing else:
 * in this file the trace point functions are compiled in registration
 * mode (rte_trace_point_register.h), so they must not be called from
 * here (trace_emit.c calls them). The registration is a constructor
 * (RTE_TRACE_POINT_REGISTER); a static link keeps it because every trace
 * call site refers to the trace point objects defined here.
 */
#include <rte_trace_point_register.h>

#include "bs_trace.h"

RTE_TRACE_POINT_REGISTER(bs_trace_tcp_send_reset, backstop.tcp.send_reset)
RTE_TRACE_POINT_REGISTER(bs_trace_tcp_receive_reset, backstop.tcp.receive_reset)
