#include "scenarios/scenario.h"

#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "lib/clock.h"
#include "lib/platform.h"
#include "lib/proc.h"
#include "relay/impair.h"
#include "stamp/proto.h"
#include "lib/units.h"

#ifndef UB_SCENARIO_DIR
#define UB_SCENARIO_DIR "/usr/local/share/udpbench/scenarios"
#endif

#define MS (1000 * 1000LL)

struct load_ctx {
	struct ub_scenario *s;
	struct ub_err *e;
	struct ub_impair_config up, down; /* only to check [link] values as they are read */
	FILE *f;
	int line;      /* the line libinih is reading */
	int err_line;  /* the line of the first key that failed, whose message e holds */
	int long_line; /* a line too long for libinih's buffer: reading stopped there */
	int line_max;  /* the longest line libinih takes, in bytes */
};

static int set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst != NULL;
}

static int add_link(struct ub_scenario *s, const char *k, const char *v)
{
	struct ub_link_kv *grown = realloc(s->link, (s->n_link + 1) * sizeof(*grown));

	if (!grown)
		return 0;
	s->link = grown;
	s->link[s->n_link].key = strdup(k);
	s->link[s->n_link].value = strdup(v);
	s->n_link++;
	return s->link[s->n_link - 1].key && s->link[s->n_link - 1].value;
}

static int parse_protocols(struct ub_scenario *s, const char *v, struct ub_err *e)
{
	char buf[64], *tok, *save = NULL;

	/* Cut short, the tokens past the cut would go unchecked. */
	if (strlen(v) >= sizeof(buf))
		return ub_err_set(e, UB_E_INVAL, 0, "protocols: too long, expected udp, tcp or both");
	snprintf(buf, sizeof(buf), "%s", v);
	s->udp = s->tcp = 0;
	for (tok = strtok_r(buf, ", ", &save); tok; tok = strtok_r(NULL, ", ", &save)) {
		if (strcmp(tok, "udp") == 0)
			s->udp = 1;
		else if (strcmp(tok, "tcp") == 0)
			s->tcp = 1;
		else
			return ub_err_set(e, UB_E_INVAL, 0, "protocols: '%s' is not udp or tcp", tok);
	}
	if (!s->udp && !s->tcp)
		return ub_err_set(e, UB_E_INVAL, 0, "protocols: none given");
	return 0;
}

static int probe_key(struct ub_scenario *s, const char *k, const char *v, struct ub_err *e)
{
	uint64_t u;

	if (strcmp(k, "count") == 0) {
		if (ub_units_count(v, 1, UINT32_MAX, &s->count, e) < 0)
			return e->code;
	} else if (strcmp(k, "interval") == 0) {
		if (ub_units_duration(v, 1000, 3600 * UB_NS_PER_S, &s->interval_ns, e) < 0)
			return e->code;
	} else if (strcmp(k, "size") == 0) {
		if (ub_units_size(v, UB_STAMP_LEN, UB_PKT_MAX, &u, e) < 0)
			return e->code;
		s->size = (unsigned)u;
	} else if (strcmp(k, "timeout") == 0) {
		if (ub_units_duration(v, MS, 3600 * UB_NS_PER_S, &s->timeout_ns, e) < 0)
			return e->code;
	} else if (strcmp(k, "protocols") == 0) {
		return parse_protocols(s, v, e);
	} else if (strcmp(k, "load") == 0) {
		if (strcmp(v, "up") != 0 && strcmp(v, "down") != 0 && strcmp(v, "both") != 0)
			return ub_err_set(e, UB_E_INVAL, 0, "load: '%s' is not up, down or both", v);
		s->load = strcmp(v, "up") == 0 ? "up" : strcmp(v, "down") == 0 ? "down" : "both";
	} else if (strcmp(k, "load-idle") == 0) {
		if (ub_units_duration(v, 0, 30 * UB_NS_PER_S, &s->load_idle_ns, e) < 0)
			return e->code;
	} else if (strcmp(k, "load-streams") == 0) {
		if (ub_units_count(v, 1, 16, &u, e) < 0)
			return e->code;
		s->load_streams = (unsigned)u;
	} else {
		return ub_err_set(e, UB_E_INVAL, 0, "[probe] has no key '%s'", k);
	}
	return 0;
}

/* libinih calls this per key; returning 0 makes ini_parse report the line. */
static int on_key(void *user, const char *section, const char *k, const char *v)
{
	struct load_ctx *ctx = user;
	struct ub_scenario *s = ctx->s;
	int ok = 1;

	/* libinih reads on after a mistake; the first one is what the message is about. */
	if (ctx->err_line)
		return 0;
	if (strcmp(section, "scenario") == 0) {
		if (strcmp(k, "name_zh") == 0)
			ok = set_str(&s->name_zh, v);
		else if (strcmp(k, "name_en") == 0)
			ok = set_str(&s->name_en, v);
		else if (strcmp(k, "description_zh") == 0)
			ok = set_str(&s->desc_zh, v);
		else if (strcmp(k, "description_en") == 0)
			ok = set_str(&s->desc_en, v);
		else
			ok = ub_err_set(ctx->e, UB_E_INVAL, 0, "[scenario] has no key '%s'", k) == 0;
	} else if (strcmp(section, "link") == 0) {
		/* The relay's own parser checks the value, so a file fails when it is read. */
		ok = ub_impair_set(&ctx->up, &ctx->down, k, v, ctx->e) == 0 && add_link(s, k, v);
	} else if (strcmp(section, "probe") == 0) {
		ok = probe_key(s, k, v, ctx->e) == 0;
	} else if (strcmp(section, "peer") == 0) {
		if (strcmp(k, "host") == 0)
			ok = set_str(&s->peer, v);
		else
			ok = ub_err_set(ctx->e, UB_E_INVAL, 0, "[peer] has no key '%s'", k) == 0;
	} else {
		ok = ub_err_set(ctx->e, UB_E_INVAL, 0, "unknown section [%s]", section) == 0;
	}
	if (!ok)
		ctx->err_line = ctx->line;
	return ok;
}

/*
 * libinih's line reader (fgets-like): counting lines here tells which line
 * a failing key is on. A line longer than libinih's buffer would reach it
 * as two lines, the second read as a key of its own, so reading stops there.
 */
static char *read_line(char *str, int num, void *stream)
{
	struct load_ctx *ctx = stream;
	size_t n = 0;
	int c = EOF;

	if (ctx->long_line || num < 2)
		return NULL;
	while (n + 1 < (size_t)num && (c = getc(ctx->f)) != EOF) {
		str[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (n == 0)
		return NULL;
	str[n] = '\0';
	ctx->line++;
	if (c != '\n' && c != EOF && n + 1 == (size_t)num) {
		/* The buffer is full: only the line's end ("\n", "\r\n" or none) may follow. */
		c = getc(ctx->f);
		if (c == '\r')
			c = getc(ctx->f);
		if (c != '\n' && c != EOF) {
			ctx->long_line = ctx->line;
			ctx->line_max = num - 1;
			return NULL;
		}
	}
	return str;
}

static char *file_id(const char *path)
{
	const char *base = ub_path_last_sep(path);
	char *id, *dot;

	id = strdup(base ? base + 1 : path);
	if (id && (dot = strrchr(id, '.')) && strcmp(dot, ".ini") == 0)
		*dot = '\0';
	return id;
}

int ub_scenario_load(const char *path, struct ub_scenario **out, struct ub_err *e)
{
	struct load_ctx ctx;
	struct ub_err kerr;
	struct ub_scenario *s;
	int line, rc = 0;

	*out = NULL;
	s = calloc(1, sizeof(*s));
	if (!s)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
	s->count = 1000;
	s->interval_ns = 10 * MS;
	s->size = UB_STAMP_LEN;
	s->timeout_ns = UB_NS_PER_S;
	s->load_idle_ns = 5 * UB_NS_PER_S;
	s->udp = 1;
	s->path = strdup(path);
	s->id = file_id(path);
	memset(&ctx, 0, sizeof(ctx));
	ctx.s = s;
	ctx.e = &kerr;
	ub_err_clear(&kerr);
	ub_impair_config_init(&ctx.up);
	ub_impair_config_init(&ctx.down);
	ctx.f = fopen(path, "rb");
	if (!ctx.f) {
		rc = ub_err_set(e, UB_E_INVAL, errno, "cannot read scenario %s", path);
		goto out;
	}
	line = ini_parse_stream(read_line, &ctx, on_key, &ctx);
	if (line < 0 || ferror(ctx.f)) {
		rc = ub_err_set(e, UB_E_INVAL, line < 0 ? 0 : errno, "cannot read scenario %s", path);
		goto out;
	}
	if (line > 0) {
		/* A line that is not "key = value" never reaches on_key, so kerr is not about it. */
		rc = ub_err_set(e, UB_E_INVAL, 0, "%s:%d: %s", path, line,
				line == ctx.err_line && kerr.msg[0] ? kerr.msg : "not a key = value line");
		goto out;
	}
	if (ctx.long_line) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "%s:%d: line longer than %d bytes", path,
				ctx.long_line, ctx.line_max);
		goto out;
	}
	if (!s->name_en || !s->name_zh) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "%s: [scenario] needs name_en and name_zh", path);
		goto out;
	}
	if (!s->path || !s->id)
		rc = ub_err_set(e, UB_E_NOMEM, 0, "out of memory");
out:
	if (ctx.f)
		fclose(ctx.f);
	if (rc < 0)
		ub_scenario_free(s);
	else
		*out = s;
	return rc;
}

void ub_scenario_free(struct ub_scenario *s)
{
	unsigned i;

	if (!s)
		return;
	for (i = 0; i < s->n_link; i++) {
		free(s->link[i].key);
		free(s->link[i].value);
	}
	free(s->link);
	free(s->path);
	free(s->id);
	free(s->name_zh);
	free(s->name_en);
	free(s->desc_zh);
	free(s->desc_en);
	free(s->peer);
	free(s);
}

/* The scenario folders, in the order they are searched; returns how many. */
static int scenario_dirs(char dirs[3][PATH_MAX])
{
	char exe[PATH_MAX];
	const char *env = getenv("UDPBENCH_SCENARIOS");
	int k = 0;

	if (env && *env)
		snprintf(dirs[k++], PATH_MAX, "%s", env);
	if (ub_proc_self_dir(exe, sizeof(exe)) == 0)
		snprintf(dirs[k++], PATH_MAX, "%.*s/scenarios", PATH_MAX - 16, exe);
	snprintf(dirs[k++], PATH_MAX, "%s", UB_SCENARIO_DIR);
	return k;
}

char *ub_scenario_find(const char *name)
{
	char dirs[3][PATH_MAX], path[PATH_MAX + 300];
	struct stat st;
	int i, n;

	if (ub_path_last_sep(name) || (strlen(name) > 4 && strcmp(name + strlen(name) - 4, ".ini") == 0))
		return stat(name, &st) == 0 ? strdup(name) : NULL;
	n = scenario_dirs(dirs);
	for (i = 0; i < n; i++) {
		if (ub_path_join(path, sizeof(path), dirs[i], "%s.ini", name) < 0)
			continue;
		if (stat(path, &st) == 0)
			return strdup(path);
	}
	return NULL;
}

static int by_name(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void free_names(char **names)
{
	size_t i;

	for (i = 0; names && names[i]; i++)
		free(names[i]);
	free(names);
}

/*
 * The names of the .ini files in dir, sorted, NULL-terminated, in *out.
 * Returns 1, 0 when dir cannot be read (*out NULL), or an error: a list cut
 * short by a failed allocation is not given out as the whole of it.
 */
static int ini_files(const char *dir, char ***out, struct ub_err *e)
{
	DIR *d = opendir(dir);
	struct dirent *ent;
	char **names, **grown;
	size_t n = 0, len;

	*out = NULL;
	if (!d)
		return 0;
	names = calloc(1, sizeof(*names));
	while (names && (ent = readdir(d))) {
		len = strlen(ent->d_name);
		if (len <= 4 || strcmp(ent->d_name + len - 4, ".ini") != 0)
			continue;
		grown = realloc(names, (n + 2) * sizeof(*names));
		if (!grown || !(grown[n] = strdup(ent->d_name))) {
			free_names(grown ? grown : names);
			names = NULL;
			break;
		}
		names = grown;
		names[++n] = NULL;
	}
	closedir(d);
	if (!names)
		return ub_err_set(e, UB_E_NOMEM, 0, "out of memory listing %s", dir);
	qsort(names, n, sizeof(*names), by_name);
	*out = names;
	return 1;
}

int ub_scenario_list(FILE *f, enum ub_lang lang, struct ub_err *e)
{
	char dirs[3][PATH_MAX], path[PATH_MAX + 300], **names;
	struct ub_scenario *s;
	struct ub_err le;
	int i, j, nd, found = 0;

	nd = scenario_dirs(dirs);
	for (i = 0; i < nd && !found; i++) {
		if (ini_files(dirs[i], &names, e) < 0)
			return e->code;
		if (!names)
			continue;
		for (j = 0; names[j]; j++) {
			ub_err_clear(&le);
			if (ub_path_join(path, sizeof(path), dirs[i], "%s", names[j]) < 0)
				ub_err_set(&le, UB_E_INVAL, 0, "path too long: %s", names[j]);
			if (le.code < 0 || ub_scenario_load(path, &s, &le) < 0) {
				fprintf(stderr, "udpbench: %s\n", le.msg);
			} else {
				ub_words_pad(f, s->id, -22);
				fprintf(f, " %s — %s\n", lang == UB_LANG_ZH ? s->name_zh : s->name_en,
					lang == UB_LANG_ZH ? (s->desc_zh ? s->desc_zh : "")
							   : (s->desc_en ? s->desc_en : ""));
				ub_scenario_free(s);
				found++;
			}
		}
		free_names(names);
	}
	if (!found)
		return ub_err_set(e, UB_E_INVAL, 0, "no scenarios found (set UDPBENCH_SCENARIOS)");
	return found;
}
