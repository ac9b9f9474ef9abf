/* SPDX-License-Identifier: BSD-3-Clause */
#include "gen.h"

int
gen_conns(struct gen_port *p, const struct gen_opts *o, struct gen_result *res)
{
	(void)p;
	(void)o;
	(void)res;
	fprintf(stderr, "backstop-gen: stateful modes: not yet\n");
	return -1;
}
