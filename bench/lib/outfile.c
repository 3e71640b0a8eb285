#include "lib/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "lib/platform.h"

int ub_outfile_open(struct ub_outfile *o, const char *path, struct ub_err *e)
{
	struct stat st;
	size_t len;
	int fd;

	memset(o, 0, sizeof(*o));
	o->path = strdup(path);
	if (!o->path)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	if (stat(path, &st) == 0 && !S_ISREG(st.st_mode)) {
		o->f = fopen(path, "w");
		if (!o->f)
			goto fail;
		return 0;
	}
	len = strlen(path) + 24;
	o->tmp = malloc(len);
	if (!o->tmp) {
		ub_outfile_abort(o);
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	}
	snprintf(o->tmp, len, "%s.%d.tmp", path, (int)getpid());
	fd = open(o->tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
	if (fd < 0)
		goto fail;
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		unlink(o->tmp);
		goto fail;
	}
	return 0;
fail:
	ub_err_set(e, UB_E_IO, errno, "cannot write %s", path);
	free(o->tmp);
	o->tmp = NULL;
	ub_outfile_abort(o);
	return UB_E_IO;
}

int ub_outfile_commit(struct ub_outfile *o, struct ub_err *e)
{
	int err = 0;

	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f))
		err = errno ? errno : EIO;
	/* Only a regular file can be synced; a device or FIFO says EINVAL. */
	else if (o->tmp && fsync(fileno(o->f)) != 0)
		err = errno;
	if (fclose(o->f) != 0 && !err)
		err = errno ? errno : EIO;
	o->f = NULL;
	if (!err && o->tmp && rename(o->tmp, o->path) < 0)
		err = errno;
	if (err) {
		ub_err_set(e, UB_E_IO, err, "writing %s", o->path);
		ub_outfile_abort(o);
		return UB_E_IO;
	}
	free(o->tmp);
	free(o->path);
	o->tmp = o->path = NULL;
	return 0;
}

void ub_outfile_abort(struct ub_outfile *o)
{
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}

/* Writes into out the folder of path made absolute, a slash and its last name; returns 0 or -1. */
static int canonical(const char *path, char *out, size_t n)
{
	char d[PATH_MAX], b[PATH_MAX], real[PATH_MAX];

	if (snprintf(d, sizeof(d), "%s", path) >= (int)sizeof(d) ||
	    snprintf(b, sizeof(b), "%s", path) >= (int)sizeof(b) || !realpath(dirname(d), real))
		return -1;
	return snprintf(out, n, "%s/%s", real, basename(b)) < (int)n ? 0 : -1;
}

int ub_outfile_mkdirs(const char *path, struct ub_err *e)
{
	char buf[PATH_MAX];
	size_t i, n = strlen(path);
	struct stat st;

	if (n >= sizeof(buf))
		return ub_err_set(e, UB_E_IO, ENAMETOOLONG, "cannot create %s", path);
	memcpy(buf, path, n + 1);
	for (i = 1; i <= n; i++) {
		if (!ub_path_is_sep(buf[i]) && buf[i] != '\0')
			continue;
		buf[i] = '\0';
		/* there already ("C:" too), or a folder not ours to write in that is there */
		if (mkdir(buf, 0755) < 0 && errno != EEXIST) {
			int err = errno;

			if (stat(buf, &st) != 0 || !S_ISDIR(st.st_mode))
				return ub_err_set(e, UB_E_IO, err, "cannot create %s", buf);
		}
		buf[i] = path[i];
	}
	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return ub_err_set(e, UB_E_IO, ENOTDIR, "cannot create %s", path);
	return 0;
}

int ub_outfile_same(const char *a, const char *b)
{
	char ca[2 * PATH_MAX], cb[2 * PATH_MAX];
	struct stat sa, sb;
	int da = strcmp(a, "-") == 0, db = strcmp(b, "-") == 0;

	if (da || db)
		return da && db;
	if (stat(a, &sa) == 0 && stat(b, &sb) == 0)
		return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
	if (canonical(a, ca, sizeof(ca)) < 0 || canonical(b, cb, sizeof(cb)) < 0)
		return strcmp(a, b) == 0;
	return strcmp(ca, cb) == 0;
}

int ub_outfile_relative(const char *path, const char *from, char *buf, size_t n,
			struct ub_err *e)
{
	char to[2 * PATH_MAX], base[2 * PATH_MAX], *a, *b;
	size_t len = 0, common = 0, i;

	if (canonical(path, to, sizeof(to)) < 0)
		return ub_err_set(e, UB_E_INVAL, errno, "cannot find the folder of %s", path);
	if (!from || strcmp(from, "-") == 0) {
		if (!getcwd(base, sizeof(base)))
			return ub_err_set(e, UB_E_INVAL, errno, "cannot find the current folder");
		if (strcmp(base, "/") == 0)
			base[0] = '\0';
	} else if (canonical(from, base, sizeof(base)) < 0) {
		return ub_err_set(e, UB_E_INVAL, errno, "cannot find the folder of %s", from);
	} else {
		*strrchr(base, '/') = '\0';
	}
	/* the longest run of whole folder names both share */
	for (i = 0; base[i] && base[i] == to[i]; i++)
		if (base[i] == '/')
			common = i;
	if (!base[i] && to[i] == '/')
		common = i;
	a = base + common;
	b = to + common + 1;
	for (; *a; a++)
		if (*a == '/')
			len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "../");
	len += (size_t)snprintf(buf + len, len < n ? n - len : 0, "%s", b);
	if (len >= n)
		return ub_err_set(e, UB_E_INVAL, 0, "the path of %s is too long", path);
	return 0;
}
