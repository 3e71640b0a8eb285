/* udpbench analyze: the sessions in a capture file. */
#ifndef UB_CMD_ANALYZE_H
#define UB_CMD_ANALYZE_H

#include "cmd/command.h"

extern const struct ub_command ub_cmd_analyze;

#endif
