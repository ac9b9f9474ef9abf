/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * backstop: DPDK TCP endpoint appliance.
 *
 *   backstop [EAL options] -- [--config FILE] [--set SECTION.KEY=VALUE]...
 *
 * Argument parsing and wiring only; see app_run() for the bring-up.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_version.h>

#include "backstop.h"
#include "bs_log.h"
#include "capture.h"

static void
usage(FILE *f, const char *prog)
{
	fprintf(f,
		"usage: %s [EAL options] -- [options]\n"
		"       %s --check-config FILE | --help-config | --version\n"
		"\n"
		"options:\n"
		"  --config FILE             configuration (default: the built-in\n"
		"                            copy of config/backstop.conf)\n"
		"  --set SECTION.KEY=VALUE   override one key, e.g. --set ipv4.ip_default_ttl=32\n"
		"                            or --set 'port net_pcap0.tx_port=net_null0'\n"
		"                            or --set 'listener web.port=81'\n"
		"  --duration SECONDS        stop after this long (default: run until SIGINT)\n"
		"  --stats-json FILE         write the final counters as JSON\n"
		"  --print-config            print the effective configuration and exit\n"
		"  --check-config FILE       validate FILE and exit (no EAL needed)\n"
		"  --help-config             list every configuration key\n"
		"  --reference               docs/reference.md: keys, reasons, counters\n"
		"  --reference-resets        docs/resets.md's tables: reasons and counters by row\n"
		"  --version, --help\n"
		"\n"
		"SIGUSR1 prints the counters; SIGINT/SIGTERM stop.\n", prog, prog);
}

/* Options that need no EAL, handled before rte_eal_init(). */
static int
early_options(int argc, char **argv)
{
	char err[1024];
	int i;

	for (i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--version") == 0) {
			printf("backstop %s (DPDK %s)\n", BS_VERSION, rte_version());
			return 0;
		}
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
			usage(stdout, argv[0]);
			return 0;
		}
		if (strcmp(argv[i], "--reference") == 0) {
			app_write_reference(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--reference-resets") == 0) {
			app_write_resets(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--help-config") == 0) {
			bs_config_write_keys(stdout);
			return 0;
		}
		if (strcmp(argv[i], "--check-config") == 0) {
			struct bs_config c;

			if (i + 1 >= argc) {
				fprintf(stderr, "backstop: --check-config needs a FILE\n");
				return 2;
			}
			bs_config_defaults(&c);
			if (bs_config_load(&c, argv[i + 1], err, sizeof(err)) != 0 ||
					app_capture_check(&c, err, sizeof(err)) != 0) {
				fprintf(stderr, "backstop: %s\n", err);
				return 1;
			}
			printf("%s: OK (%u port(s), %u listener(s), %u client(s))\n",
				argv[i + 1], c.n_ports, c.n_listeners, c.n_clients);
			return 0;
		}
	}
	return -1;
}

enum {
	OPT_CONFIG = 256, OPT_SET, OPT_DURATION, OPT_STATS_JSON, OPT_PRINT_CONFIG,
};

static const struct option long_opts[] = {
	{ "config", required_argument, NULL, OPT_CONFIG },
	{ "set", required_argument, NULL, OPT_SET },
	{ "duration", required_argument, NULL, OPT_DURATION },
	{ "stats-json", required_argument, NULL, OPT_STATS_JSON },
	{ "print-config", no_argument, NULL, OPT_PRINT_CONFIG },
	{ NULL, 0, NULL, 0 },
};

/* Config file first, then every --set in order. */
static int
app_options(int argc, char **argv, struct bs_config *conf, struct app_opts *o,
		bool *print_only)
{
	const char *file = NULL;
	char err[1024], *end;
	int opt, rc;

	memset(o, 0, sizeof(*o));
	*print_only = false;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		switch (opt) {
		case OPT_CONFIG:
			file = optarg;
			break;
		case OPT_DURATION:
			o->duration_s = strtod(optarg, &end);
			if (*end != '\0' || o->duration_s <= 0) {
				fprintf(stderr, "backstop: --duration '%s': not a positive number\n",
					optarg);
				return -1;
			}
			break;
		case OPT_STATS_JSON:
			o->stats_json = optarg;
			break;
		case OPT_PRINT_CONFIG:
			*print_only = true;
			break;
		case OPT_SET:
			break;
		default:
			usage(stderr, argv[0]);
			return -1;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "backstop: unexpected argument '%s'\n", argv[optind]);
		return -1;
	}
	o->config_file = file;
	o->argc = argc;
	o->argv = argv;
	rc = app_config_read(conf, o, err, sizeof(err));
	if (rc != 0)
		fprintf(stderr, "backstop: %s\n", err);
	return rc;
}

int
app_config_read(struct bs_config *conf, const struct app_opts *o, char *err,
		size_t errlen)
{
	int opt, rc;

	bs_config_defaults(conf);
	if (o->config_file != NULL)
		rc = bs_config_load(conf, o->config_file, err, errlen);
	else
		rc = bs_config_parse(conf, bs_config_embedded, "(built-in backstop.conf)",
			err, errlen);
	if (rc != 0)
		return -1;
	optind = 1;
	while ((opt = getopt_long(o->argc, o->argv, "", long_opts, NULL)) != -1)
		if (opt == OPT_SET && bs_config_set(conf, optarg, err, errlen) != 0)
			return -1;
	/* A section made by --set may need several before it is whole. */
	if (bs_config_check(conf, err, errlen) != 0 ||
			app_capture_check(conf, err, errlen) != 0)
		return -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct bs_config conf;
	struct app_opts opts;
	bool print_only;
	int n, rc;

	rc = early_options(argc, argv);
	if (rc >= 0)
		return rc;
	n = rte_eal_init(argc, argv);
	if (n < 0) {
		fprintf(stderr, "backstop: EAL initialisation failed: %s\n",
			rte_strerror(rte_errno));
		return 1;
	}
	if (bs_log_init() != 0)
		fprintf(stderr, "backstop: log types not registered; logging as USER1\n");
	argv[n] = argv[0];
	rc = app_options(argc - n, argv + n, &conf, &opts, &print_only);
	if (rc == 0 && print_only)
		bs_config_write(stdout, &conf);
	else if (rc == 0)
		rc = app_run(&conf, &opts);
	rte_eal_cleanup();
	return rc == 0 ? 0 : 1;
}
