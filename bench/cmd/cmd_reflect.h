/* udpbench reflect: the STAMP session-reflector (also the boards' whole program). */
#ifndef UB_CMD_REFLECT_H
#define UB_CMD_REFLECT_H

#include "cmd/command.h"
#include "reflect/reflector.h"

/* The command's state: the reflector's settings and what the command itself writes. */
struct ub_cmd_reflect_state {
	struct ub_reflector_config refl;
	const char *sessions_json; /* per-session figures, at exit and on SIGUSR1; NULL: none */
	int metrics;               /* --metrics [ADDR:]PORT given */
	char metrics_host[256];    /* "" for loopback */
	int metrics_port;
};

extern const struct ub_command ub_cmd_reflect;

#endif
