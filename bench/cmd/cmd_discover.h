/* udpbench discover: find the reflectors on this host's links and write a --peers file. */
#ifndef UB_CMD_DISCOVER_H
#define UB_CMD_DISCOVER_H

#include "cmd/command.h"

extern const struct ub_command ub_cmd_discover;

#endif
