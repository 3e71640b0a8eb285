/* udpbench: the language of the terminal text — from the environment, or --lang. */
#ifndef UB_LANGOPT_H
#define UB_LANGOPT_H

#include "lib/err.h"
#include "metrics/output.h"

/* Chinese when $LC_ALL, else $LC_MESSAGES, else $LANG starts with "zh" (empty counts as unset). */
enum ub_lang ub_langopt_default(void);

/* --lang en|zh into *out. Returns 0 or UB_E_INVAL naming the option and the value. */
int ub_langopt_parse(const char *arg, enum ub_lang *out, struct ub_err *e);

#endif
