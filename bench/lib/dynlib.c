#include "lib/dynlib.h"

#include <dlfcn.h>
#include <string.h>

int ub_dynlib_load(const char *const *names, const char *package,
		   const struct ub_dynlib_sym *syms, size_t n, void *table, struct ub_err *e)
{
	void *h = NULL, *fn;
	size_t i;

	for (i = 0; names[i] && !h; i++)
		h = dlopen(names[i], RTLD_NOW | RTLD_LOCAL);
	if (!h)
		return ub_err_set(e, UB_E_SYS, 0, "cannot load %s (install the Debian package %s)",
				  names[0], package);
	for (i = 0; i < n; i++) {
		fn = dlsym(h, syms[i].name);
		if (!fn) {
			dlclose(h);
			return ub_err_set(e, UB_E_SYS, 0, "%s lacks %s (install the Debian package %s)",
					  names[0], syms[i].name, package);
		}
		/* POSIX: a function pointer and void * have the same size and representation */
		memcpy((char *)table + syms[i].offset, &fn, sizeof(fn));
	}
	return 0;
}
