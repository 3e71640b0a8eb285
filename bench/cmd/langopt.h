/* udpbench: --lang, the language of the terminal text (the default: metrics/words.h). */
#ifndef UB_LANGOPT_H
#define UB_LANGOPT_H

#include "lib/err.h"
#include "metrics/words.h"

/* --lang en|zh into *out. Returns 0 or UB_E_INVAL naming the option and the value. */
int ub_langopt_parse(const char *arg, enum ub_lang *out, struct ub_err *e);

#endif
