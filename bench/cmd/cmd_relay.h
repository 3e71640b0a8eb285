/* udpbench relay: the link emulator and its truth log. */
#ifndef UB_CMD_RELAY_H
#define UB_CMD_RELAY_H

#include "cmd/command.h"

extern const struct ub_command ub_cmd_relay;

#endif
