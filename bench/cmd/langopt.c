#include "cmd/langopt.h"

#include <string.h>

int ub_langopt_parse(const char *arg, enum ub_lang *out, struct ub_err *e)
{
	if (strcmp(arg, "en") == 0)
		*out = UB_LANG_EN;
	else if (strcmp(arg, "zh") == 0)
		*out = UB_LANG_ZH;
	else
		return ub_err_set(e, UB_E_INVAL, 0, "--lang: '%s' is not en or zh", arg);
	return 0;
}
