/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The Prometheus rendering of a snapshot built by hand (no EAL): exact
 * lines, label escaping, per-worker series, queues only where a worker
 * polls; and numeric HOST:PORT parsing of [control] prometheus.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "bs_config.h"
#include "bs_metrics.h"
#include "bs_test.h"

static struct bs_snap *
snap_two_workers(void)
{
	struct bs_snap *s = calloc(1, bs_snap_size(2));

	s->n_workers = 2;
	s->n_ports = 1;
	snprintf(s->port_name[0], BS_SNAP_NAME_LEN, "%s", "we\"ird\\port");
	snprintf(s->version, sizeof(s->version), "%s", "9.9.9");
	s->uptime_s = 12.5;
	s->w[0].lcore = 1;
	s->w[1].lcore = 2;
	s->w[0].queue[0] = 0;
	s->w[1].queue[0] = BS_SNAP_NO_QUEUE;
	s->w[0].st.cnt[BS_CNT_TcpInSegs] = 42;
	s->w[1].st.cnt[BS_CNT_TcpInSegs] = 7;
	s->w[0].st.rst[BS_RST_REASON_NO_SOCKET] = 40;
	s->w[1].st.drop[BS_DROP_TCP_CSUM] = 3;
	s->w[0].st.port[0].rx = 49;
	s->w[0].states[BS_TCP_ESTABLISHED] = 5;
	s->w[1].gauges[BS_GAUGE_TimeWait] = 11;
	s->w[0].gauges_ok = true;
	s->n_policies = 1;
	snprintf(s->policy[0].prefix, sizeof(s->policy[0].prefix), "%s", "2001:2:8::/64");
	snprintf(s->policy[0].action, sizeof(s->policy[0].action), "%s", "ratelimit");
	s->policy[0].pps = 3;
	s->policy[0].replied = 5;
	s->policy[0].limited = 7;
	return s;
}

/* Is @p line one whole line of @p text? */
static bool
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return true;
		p += n;
	}
	return false;
}

static void
test_render(void)
{
	static const char *const want[] = {
		"# TYPE backstop_info gauge",
		"backstop_info{version=\"9.9.9\"} 1",
		"backstop_uptime_seconds 12.500",
		"backstop_workers 2",
		"# TYPE backstop_TcpInSegs_total counter",
		"backstop_TcpInSegs_total{worker=\"0\"} 42",
		"backstop_TcpInSegs_total{worker=\"1\"} 7",
		"# TYPE backstop_resets_total counter",
		"backstop_resets_total{worker=\"0\",reason=\"NO_SOCKET\"} 40",
		"backstop_resets_total{worker=\"1\",reason=\"NO_SOCKET\"} 0",
		"backstop_drops_total{worker=\"1\",reason=\"TCP_CSUM\"} 3",
		"# TYPE backstop_tcp_connections gauge",
		"backstop_tcp_connections{worker=\"0\",state=\"ESTABLISHED\"} 5",
		"# TYPE backstop_table_TimeWait gauge",
		"backstop_table_TimeWait{worker=\"1\"} 11",
		"backstop_port_rx_frames_total{port=\"we\\\"ird\\\\port\",queue=\"0\",worker=\"0\"} 49",
		"backstop_worker_gauges_ok{worker=\"0\"} 1",
		"backstop_worker_gauges_ok{worker=\"1\"} 0",
		"backstop_worker_lcore{worker=\"1\"} 2",
		"# TYPE backstop_stray_policy_segments_total counter",
		"backstop_stray_policy_segments_total{prefix=\"2001:2:8::/64\",action=\"ratelimit\",result=\"replied\"} 5",
		"backstop_stray_policy_segments_total{prefix=\"2001:2:8::/64\",action=\"ratelimit\",result=\"dropped\"} 0",
		"backstop_stray_policy_segments_total{prefix=\"2001:2:8::/64\",action=\"ratelimit\",result=\"limited\"} 7",
	};
	struct bs_snap *s = snap_two_workers();
	struct bs_buf b = { 0 };
	unsigned int i;

	bs_prom_render(s, &b);
	CHECK(!b.oom && b.len > 0 && b.p[b.len - 1] == '\n', "rendered");
	for (i = 0; i < RTE_DIM(want); i++)
		CHECK(has_line(b.p, want[i]), "missing line '%s'", want[i]);
	/* Worker 1 polls no queue of the port: no series for it. */
	CHECK(strstr(b.p, "queue=\"65535\"") == NULL &&
		strstr(b.p, "backstop_port_rx_frames_total{port=\"we\\\"ird\\\\port\",queue=\"0\","
			"worker=\"1\"}") == NULL, "a series for worker 1's missing queue");
	/* Drop reason 0 ("not dropped") and state 0 (NONE) are not series. */
	CHECK(strstr(b.p, "state=\"NONE\"") == NULL, "state NONE rendered");
	CHECK(strstr(b.p, "reason=\"NOT_DROPPED") == NULL, "drop reason 0 rendered");
	/* Every family has one HELP and one TYPE line. */
	CHECK_EQ(b.len != 0, 1, "text");
	{
		unsigned int help = 0, type = 0;
		const char *p;

		for (p = b.p; (p = strstr(p, "# HELP ")) != NULL; p++)
			help++;
		for (p = b.p; (p = strstr(p, "# TYPE ")) != NULL; p++)
			type++;
		CHECK_EQ(help, type, "HELP and TYPE lines pair");
		CHECK_EQ(type, 3 + BS_CNT_MAX + 1 + 1 + 1 + BS_GAUGE_MAX + 2 + 4 + 1,
			"families: fixed, counters, resets, drops, states, gauges, ports, workers, policies");
	}
	bs_buf_free(&b);
	free(s);
}

static void
test_hostport(void)
{
	static const struct {
		const char *s;
		int family;		/* 0: an error */
		unsigned int port;
	} cases[] = {
		{ "127.0.0.1:9464", AF_INET, 9464 },
		{ "0.0.0.0:0", AF_INET, 0 },
		{ "[::1]:9464", AF_INET6, 9464 },
		{ "[2001:2::2]:80", AF_INET6, 80 },
		{ "::1:9464", 0, 0 },
		{ "localhost:9464", 0, 0 },
		{ "127.0.0.1", 0, 0 },
		{ "127.0.0.1:x", 0, 0 },
		{ "127.0.0.1:-1", 0, 0 },
		{ "127.0.0.1:65536", 0, 0 },
		{ "[::1]9464", 0, 0 },
		{ "[]:1", 0, 0 },
		{ ":80", 0, 0 },
	};
	unsigned int i;

	for (i = 0; i < RTE_DIM(cases); i++) {
		struct sockaddr_storage ss;
		unsigned int len = 0;
		char err[256] = "";
		int rc = bs_hostport_parse(cases[i].s, &ss, &len, err, sizeof(err));

		if (cases[i].family == 0) {
			CHECK(rc == -1 && err[0] != '\0', "'%s' accepted", cases[i].s);
			continue;
		}
		CHECK_EQ(rc, 0, "'%s': %s", cases[i].s, err);
		CHECK_EQ(ss.ss_family, cases[i].family, "'%s' family", cases[i].s);
		CHECK_EQ(ntohs(cases[i].family == AF_INET ? ((struct sockaddr_in *)&ss)->sin_port :
			((struct sockaddr_in6 *)&ss)->sin6_port), cases[i].port, "'%s' port",
			cases[i].s);
		CHECK_EQ(len, cases[i].family == AF_INET ? sizeof(struct sockaddr_in) :
			sizeof(struct sockaddr_in6), "'%s' length", cases[i].s);
	}
}

int
main(void)
{
	test_render();
	test_hostport();
	return bs_test_done();
}
