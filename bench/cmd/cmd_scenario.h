/* udpbench scenario: list the link setups, or run one. */
#ifndef UB_CMD_SCENARIO_H
#define UB_CMD_SCENARIO_H

#include "cmd/command.h"

extern const struct ub_command ub_cmd_scenario;

#endif
