/*
 * A main for fuzz targets built without libFuzzer (gcc): runs the target
 * once over every file named, or every file in a directory named, then
 * optionally over mutations of them:
 *
 *   driver [-m N] [-s SEED] [-t SECONDS] [-o FILE] FILE|DIR...
 *
 * -m N runs N more inputs: random bytes, and the given files with bits
 * flipped, bytes set, cut short, grown, or spliced together. Every loop is
 * bounded by N and by -t. A crash or a sanitizer report ends the run; with
 * -o, an abort (a target's failed check) or a fault first writes the input
 * that caused it to FILE, so it can be run again.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define INPUT_MAX (1 << 20)
#define FILES_MAX 4096

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

struct input {
	uint8_t *b;
	size_t n;
};

static struct input inputs[FILES_MAX];
static size_t n_inputs;
static const char *crash_path;
static const uint8_t *volatile current;
static volatile size_t current_len;
static uint64_t rng_state = 0x9E3779B97F4A7C15ULL;

static uint64_t rng(void)
{
	/* xorshift64* */
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 0x2545F4914F6CDD1DULL;
}

static size_t below(size_t n)
{
	return n ? (size_t)(rng() % n) : 0;
}

static int load(const char *path)
{
	struct input *in;
	FILE *f;
	long size;

	if (n_inputs == FILES_MAX)
		return 0;
	f = fopen(path, "rb");
	if (!f || fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET)) {
		fprintf(stderr, "driver: cannot read %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	if (size > INPUT_MAX)
		size = INPUT_MAX;
	in = &inputs[n_inputs];
	in->b = malloc((size_t)size + 1);
	if (!in->b || fread(in->b, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "driver: cannot read %s\n", path);
		free(in->b);
		fclose(f);
		return -1;
	}
	fclose(f);
	in->n = (size_t)size;
	n_inputs++;
	return 0;
}

static int load_path(const char *path)
{
	char sub[4096];
	struct dirent *de;
	struct stat st;
	DIR *d;
	int rc = 0;

	if (stat(path, &st) != 0) {
		fprintf(stderr, "driver: %s: %s\n", path, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode))
		return load(path);
	d = opendir(path);
	if (!d)
		return -1;
	while ((de = readdir(d)) != NULL && rc == 0) {
		if (de->d_name[0] == '.')
			continue;
		snprintf(sub, sizeof(sub), "%s/%s", path, de->d_name);
		if (stat(sub, &st) == 0 && S_ISREG(st.st_mode))
			rc = load(sub);
	}
	closedir(d);
	return rc;
}

/* One mutated input into buf (cap octets); returns its length. */
static size_t mutate(uint8_t *buf, size_t cap)
{
	const struct input *a, *b;
	size_t n, i, k, at, len;

	if (n_inputs == 0 || below(8) == 0) {
		n = below(512);
		for (i = 0; i < n; i++)
			buf[i] = (uint8_t)rng();
		return n;
	}
	a = &inputs[below(n_inputs)];
	n = a->n < cap ? a->n : cap;
	memcpy(buf, a->b, n);
	for (k = 1 + below(4); k > 0; k--) {
		switch (below(7)) {
		case 0: /* flip a bit */
			if (n)
				buf[below(n)] ^= (uint8_t)(1u << below(8));
			break;
		case 1: /* an interesting byte */
			if (n)
				buf[below(n)] = (uint8_t)(below(2) ? 0xFF : below(3) ? 0 : 0x80);
			break;
		case 2: /* a random 16- or 32-bit field: lengths, link types */
			for (i = 0, at = below(n), len = below(2) ? 2 : 4; i < len && at + i < n; i++)
				buf[at + i] = (uint8_t)rng();
			break;
		case 3: /* cut short */
			n = below(n + 1);
			break;
		case 4: /* grow with random bytes */
			for (len = below(64); len > 0 && n < cap; len--)
				buf[n++] = (uint8_t)rng();
			break;
		case 5: /* splice the tail of another input */
			b = &inputs[below(n_inputs)];
			at = below(n + 1);
			i = below(b->n + 1);
			len = b->n - i;
			if (len > cap - at)
				len = cap - at;
			memcpy(buf + at, b->b + i, len);
			n = at + len;
			break;
		default: /* repeat a chunk: packets twice */
			if (n >= 2) {
				at = below(n);
				len = 1 + below(n - at);
				if (n + len <= cap) {
					memmove(buf + at + len, buf + at, n - at);
					n += len;
				}
			}
			break;
		}
	}
	return n;
}

/* Writes the input being run to crash_path, then dies of the same signal. */
static void on_crash(int sig)
{
	const uint8_t *p = current;
	size_t left = current_len;
	ssize_t w;
	int fd;

	fd = p && crash_path ? open(crash_path, O_WRONLY | O_CREAT | O_TRUNC, 0644) : -1;
	while (fd >= 0 && left > 0 && (w = write(fd, p, left)) > 0) {
		p += w;
		left -= (size_t)w;
	}
	if (fd >= 0) {
		close(fd);
		w = write(2, "driver: the input is in ", 24);
		w = write(2, crash_path, strlen(crash_path));
		w = write(2, "\n", 1);
		(void)w;
	}
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Runs the target on one input, remembered for on_crash. */
static void run(const uint8_t *d, size_t n)
{
	current = d;
	current_len = n;
	LLVMFuzzerTestOneInput(d, n);
	current = NULL;
}

/* Seconds on the monotonic clock. */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	uint64_t runs = 0, extra = 0, i;
	double limit = 0, start = now_s();
	uint8_t *buf, *in;
	size_t n;
	int k;

	for (k = 1; k < argc; k++) {
		if (strcmp(argv[k], "-m") == 0 && k + 1 < argc)
			extra = strtoull(argv[++k], NULL, 10);
		else if (strcmp(argv[k], "-s") == 0 && k + 1 < argc)
			rng_state = strtoull(argv[++k], NULL, 10) | 1;
		else if (strcmp(argv[k], "-t") == 0 && k + 1 < argc)
			limit = strtod(argv[++k], NULL);
		else if (strcmp(argv[k], "-o") == 0 && k + 1 < argc)
			crash_path = argv[++k];
		else if (load_path(argv[k]) != 0)
			return 2;
	}
	signal(SIGABRT, on_crash);
	signal(SIGSEGV, on_crash);
	signal(SIGBUS, on_crash);
	signal(SIGFPE, on_crash);
	for (i = 0; i < n_inputs; i++, runs++)
		run(inputs[i].b, inputs[i].n);
	buf = malloc(INPUT_MAX);
	if (!buf)
		return 2;
	for (i = 0; i < extra; i++, runs++) {
		if (limit > 0 && (i & 63) == 0 && now_s() - start > limit)
			break;
		n = mutate(buf, INPUT_MAX);
		/* an exact-size copy, so a read past the end is caught */
		in = malloc(n ? n : 1);
		if (!in)
			return 2;
		memcpy(in, buf, n);
		run(in, n);
		free(in);
	}
	printf("driver: %llu inputs run (%zu files) in %.1f s, no crash\n", (unsigned long long)runs,
	       n_inputs, now_s() - start);
	free(buf);
	for (i = 0; i < n_inputs; i++)
		free(inputs[i].b);
	return 0;
}
