/*
 * udpbench: scenario files — a link setup and a probe plan in one INI file
 * (scenarios/NAME.ini, read with libinih), and the runner that brings up what a
 * scenario needs on this machine and writes one folder of results.
 */
#ifndef UB_SCENARIO_H
#define UB_SCENARIO_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "lib/err.h"
#include "metrics/words.h"

struct ub_link_kv {
	char *key;   /* a relay impairment name: loss, delay-up, loss-burst-down, ... */
	char *value;
};

struct ub_scenario {
	char *path;
	char *id;                  /* file name without .ini */
	char *name_zh, *name_en;
	char *desc_zh, *desc_en;
	struct ub_link_kv *link;   /* [link], in file order */
	unsigned n_link;
	uint64_t count;
	int64_t interval_ns;
	unsigned size;
	int64_t timeout_ns;
	int udp, tcp;              /* protocols to run */
	const char *load;          /* [probe] load: up, down or both (send --load); NULL none */
	int64_t load_idle_ns;      /* [probe] load-idle: each idle phase (the load fills the rest) */
	unsigned load_streams;     /* [probe] load-streams: connections each way; 0 the sender's default */
	char *peer;                /* [peer] host: a real link instead of emulation */
};

/* Reads and checks path; returns 0 and *out (free with ub_scenario_free), or UB_E_INVAL naming file and line. */
int ub_scenario_load(const char *path, struct ub_scenario **out, struct ub_err *e);
void ub_scenario_free(struct ub_scenario *s);

/*
 * Finds a scenario by file path or by name ("crowded-classroom") in the
 * scenario folders: $UDPBENCH_SCENARIOS, the scenarios/ folder beside the
 * program, then the installed one. Returns a malloc'd path or NULL.
 */
char *ub_scenario_find(const char *name_or_path);

/* Prints every scenario found (name, one-line description) on f; returns how many. */
int ub_scenario_list(FILE *f, enum ub_lang lang, struct ub_err *e);

struct ub_scenario_run_config {
	const char *out_dir;   /* NULL: results/<id>-<time> */
	const char *peer;      /* overrides [peer] */
	uint64_t seed;
	uint64_t count;        /* overrides [probe] count when nonzero */
	enum ub_lang lang;
	int quiet;
	volatile sig_atomic_t *stop;
};

void ub_scenario_run_config_init(struct ub_scenario_run_config *c);

/*
 * Runs the scenario: a real peer when one is named, else a reflector behind
 * an emulated link on this machine. A scenario with load runs it beside
 * the probes (send --load, the reflector with --allow-load): the load is
 * TCP, so it needs the packet-level link (or a real peer that allows load);
 * where that cannot be made the probes run without it and summary.txt
 * says why. Writes udp.json, udp.csv, truth.json
 * (emulated only), summary.txt and a copy of the scenario into the folder.
 * Returns 0 or a negative code with e filled.
 */
int ub_scenario_run(const struct ub_scenario *s, const struct ub_scenario_run_config *c,
		    struct ub_err *e);

#endif
