/* udpbench report: charts and pages from result files. */
#ifndef UB_CMD_REPORT_H
#define UB_CMD_REPORT_H

#include "cmd/command.h"

extern const struct ub_command ub_cmd_report;

#endif
