/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * Observability wiring of the control thread: the metrics snapshot, DPDK
 * telemetry commands and the Prometheus exporter ([control] telemetry,
 * prometheus). One instance per process.
 */
#include <stdio.h>
#include <string.h>

#include "backstop.h"
#include "bs_log.h"
#include "bs_metrics.h"

static struct {
	struct bs_metrics *m;
	struct bs_prom_server *prom;
	bool telemetry;		/* commands registered (once per process) */
} obs;

int
obs_open(const struct bs_config *conf, const struct bs_metrics_conf *mc, char *err,
		size_t errlen)
{
	char perr[256];
	int rc;

	obs.m = bs_metrics_create(mc);
	if (obs.m == NULL) {
		snprintf(err, errlen, "out of memory for the metrics snapshot");
		return -1;
	}
	if (conf->control.telemetry && !obs.telemetry) {
		rc = bs_metrics_telemetry_register();
		if (rc != 0)
			BS_LOG(WARNING, ctl, "telemetry commands not registered: %s",
				strerror(-rc));
		else
			obs.telemetry = true;
	}
	if (conf->control.prometheus[0] != '\0') {
		obs.prom = bs_prom_open(conf->control.prometheus, obs.m, perr, sizeof(perr));
		if (obs.prom == NULL)
			BS_LOG(WARNING, ctl, "%s; running without the Prometheus exporter", perr);
		else
			BS_LOG(INFO, ctl, "prometheus: http://%s/metrics (port %u)",
				conf->control.prometheus, bs_prom_port(obs.prom));
	}
	return 0;
}

struct bs_metrics *
obs_metrics(void)
{
	return obs.m;
}

void
obs_tick(void)
{
	if (obs.m == NULL)
		return;
	bs_metrics_tick(obs.m, false, true);
	if (obs.prom != NULL)
		bs_prom_poll(obs.prom);
}

void
obs_close(void)
{
	bs_prom_close(obs.prom);
	obs.prom = NULL;
	if (obs.m != NULL)
		bs_metrics_tick(obs.m, true, false);	/* the last values, for telemetry */
	bs_metrics_free(obs.m);
	obs.m = NULL;
}
