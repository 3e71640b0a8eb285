/* udpbench: the thin main — parse, install signal handlers, run, map to an exit code. */
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cmd/cli.h"
#include "lib/exitcode.h"
#include "cmd/reflect_cmd.h"
#include "reflect/reflector.h"
#include "lib/signals.h"
#include "scenarios/scenario.h"
#include "send/sender.h"



static int run_relay(struct ub_cli *cli)
{
	struct ub_relay *r;
	struct ub_err e;
	int rc, wrc = 0;

	ub_err_clear(&e);
	cli->relay.stop = &ub_signal_stop;
	cli->relay.dump = &ub_signal_dump;
	r = ub_relay_new(&cli->relay, &e);
	if (!r) {
		fprintf(stderr, "udpbench relay: %s\n", e.msg);
		return e.code == UB_E_INVAL ? UB_EXIT_USAGE : UB_EXIT_ERROR;
	}
	rc = ub_relay_run(r, &e);
	if (rc < 0)
		fprintf(stderr, "udpbench relay: %s\n", e.msg);
	/* The truth log is written however the relay ended. */
	if (cli->relay.truth_path && ub_relay_write_truth(r, cli->relay.truth_path, &e) < 0) {
		fprintf(stderr, "udpbench relay: %s\n", e.msg);
		wrc = -1;
	}
	if (!cli->quiet)
		ub_relay_print_counters(r, stderr);
	ub_relay_free(r);
	return rc < 0 || wrc < 0 ? UB_EXIT_ERROR : UB_EXIT_OK;
}

static int run_analyze(struct ub_cli *cli)
{
	struct ub_analyze_config *c = &cli->analyze;
	struct ub_err e;
	int rc;

	ub_err_clear(&e);
	if (c->json_path && strcmp(c->json_path, "-") == 0)
		c->out = stderr;
	rc = ub_analyze_run(c, &e);
	if (rc == 0)
		return UB_EXIT_OK;
	fprintf(stderr, "udpbench analyze: %s\n", e.msg);
	return UB_EXIT_ERROR;
}

static int run_report(struct ub_cli *cli)
{
	struct ub_err e;
	int rc;

	ub_err_clear(&e);
	cli->report.log = stderr;
	rc = ub_report_run(&cli->report, cli->report_inputs, cli->n_report_inputs, &e);
	if (rc == 0)
		return UB_EXIT_OK;
	fprintf(stderr, "udpbench report: %s\n", e.msg);
	return rc == UB_E_INVAL ? UB_EXIT_USAGE : UB_EXIT_ERROR;
}

static int run_scenario(struct ub_cli *cli)
{
	struct ub_scenario *sc = NULL;
	struct ub_err e;
	char *path;
	int rc;

	ub_err_clear(&e);
	if (cli->cmd == UB_CMD_SCENARIO_LIST) {
		rc = ub_scenario_list(stdout, cli->scenario.lang, &e);
		if (rc < 0)
			fprintf(stderr, "udpbench: %s\n", e.msg);
		return rc < 0 ? UB_EXIT_ERROR : UB_EXIT_OK;
	}
	path = ub_scenario_find(cli->scenario_name);
	if (!path) {
		fprintf(stderr, UB_TR(cli->scenario.lang == UB_LANG_ZH,
				      "udpbench: no scenario '%s' (see udpbench scenario list)\n",
				      "udpbench: 没有叫 '%s' 的场景（见 udpbench scenario list）\n"),
			cli->scenario_name);
		return UB_EXIT_USAGE;
	}
	rc = ub_scenario_load(path, &sc, &e);
	free(path);
	if (rc < 0) {
		fprintf(stderr, "udpbench: %s\n", e.msg);
		return UB_EXIT_USAGE;
	}
	cli->scenario.stop = &ub_signal_stop;
	rc = ub_scenario_run(sc, &cli->scenario, &e);
	ub_scenario_free(sc);
	if (rc == 0)
		return UB_EXIT_OK;
	fprintf(stderr, "udpbench: %s\n", e.msg);
	return rc == UB_E_NOREPLY ? UB_EXIT_NOREPLY : UB_EXIT_ERROR;
}

static int run_send(struct ub_cli *cli)
{
	struct ub_sender_config *c = &cli->send;
	struct ub_err e;
	int json_stdout = c->json_path && strcmp(c->json_path, "-") == 0;
	int csv_stdout = c->csv_path && strcmp(c->csv_path, "-") == 0;
	int rc;

	ub_err_clear(&e);
	c->stop = &ub_signal_stop;
	/* stdout stays machine-readable when JSON or CSV goes there. */
	c->summary = json_stdout || csv_stdout ? stderr : stdout;
	c->live = !cli->quiet && isatty(STDERR_FILENO) ? stderr : NULL;
	if (c->summary_only_auto && !cli->quiet)
		fprintf(stderr, UB_TR(c->lang == UB_LANG_ZH,
				      "udpbench: the plan holds more than %u probes: percentiles come from a "
				      "histogram (within 0.5 %%) so that memory stays constant\n",
				      "udpbench: 计划超过 %u 个探测包：百分位数由直方图得出（误差 0.5 %% 以内），"
				      "内存不随运行时长增长\n"),
			UB_SENDER_EXACT_MAX);
	rc = ub_sender_run(c, &e);
	if (rc == 0) {
		/* Some peers of several stayed silent: a result, but say which. */
		if (e.code == UB_E_NOREPLY)
			fprintf(stderr, "udpbench: %s\n", e.msg);
		return UB_EXIT_OK;
	}
	fprintf(stderr, "udpbench: %s\n", e.msg);
	if (rc == UB_E_NOREPLY)
		return UB_EXIT_NOREPLY;
	if (rc == UB_E_INVAL || rc == UB_E_RANGE)
		return UB_EXIT_USAGE;
	return UB_EXIT_ERROR;
}

int main(int argc, char **argv)
{
	struct ub_cli cli;
	struct ub_err e;
	int rc = UB_EXIT_ERROR;

	ub_err_clear(&e);
	if (ub_cli_parse(argc, argv, &cli, &e) < 0) {
		fprintf(stderr, UB_TR(ub_words_lang(argv) == UB_LANG_ZH, "udpbench: %s (see udpbench --help)\n",
				      "udpbench: %s（用法见 udpbench --help）\n"),
			e.msg);
		ub_cli_free(&cli);
		return UB_EXIT_USAGE;
	}
	switch (cli.cmd) {
	case UB_CMD_HELP:
		ub_cli_usage(stdout, cli.help_for);
		rc = UB_EXIT_OK;
		break;
	case UB_CMD_VERSION:
		printf("udpbench %s\n", UB_VERSION);
		rc = UB_EXIT_OK;
		break;
	case UB_CMD_REFLECT:
		rc = ub_reflect_cmd_run(&cli.reflect);
		break;
	case UB_CMD_SEND:
		ub_signals_install();
		rc = run_send(&cli);
		break;
	case UB_CMD_SCENARIO_LIST:
	case UB_CMD_SCENARIO_RUN:
		ub_signals_install();
		rc = run_scenario(&cli);
		break;
	case UB_CMD_RELAY:
		ub_signals_install();
		rc = run_relay(&cli);
		break;
	case UB_CMD_ANALYZE:
		rc = run_analyze(&cli);
		break;
	case UB_CMD_REPORT:
		rc = run_report(&cli);
		break;
	}
	ub_cli_free(&cli);
	return rc;
}
