/* udpbench reflect: the STAMP session-reflector (also the boards' whole program). */
#ifndef UB_CMD_REFLECT_H
#define UB_CMD_REFLECT_H

#include "cmd/command.h"

extern const struct ub_command ub_cmd_reflect;

#endif
