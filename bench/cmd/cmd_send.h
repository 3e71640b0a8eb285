/* udpbench send: probes to reflectors; the default command (`udpbench HOST`). */
#ifndef UB_CMD_SEND_H
#define UB_CMD_SEND_H

#include "cmd/command.h"

extern const struct ub_command ub_cmd_send;

#endif
