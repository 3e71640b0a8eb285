/*
 * Reading the key file of --key: hex text (what `openssl rand -hex 32`
 * writes) or the raw octets, one trailing newline dropped. Shared by the
 * HMAC of libcrypto (auth.c) and that of Windows' CNG (auth_win32.c).
 */
#include "stamp/authkey.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>

/*
 * The longest file worth reading: a hex key of UB_AUTH_KEY_MAX octets plus
 * "\r\n". One byte more than that is already too long, whatever the format.
 */
#define KEY_FILE_MAX (2 * UB_AUTH_KEY_MAX + 2)

/* Hex text shorter than this is taken as raw bytes (it would decode to < 16 octets). */
#define KEY_HEX_MIN (2 * UB_AUTH_KEY_MIN)

/* Returns 0..15 for a hex digit, -1 for anything else. */
static int hexval(uint8_t c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* Returns 1 when s[0..n) is an even number (>= KEY_HEX_MIN) of hex digits. */
static int is_hex_key(const uint8_t *s, size_t n)
{
	size_t i;

	if (n < KEY_HEX_MIN || n % 2)
		return 0;
	for (i = 0; i < n; i++) {
		if (hexval(s[i]) < 0)
			return 0;
	}
	return 1;
}

/* Reads up to cap bytes of fd into buf; returns the count, or -1 with errno set. */
static ssize_t read_all(int fd, uint8_t *buf, size_t cap)
{
	size_t got = 0;
	ssize_t n;

	while (got < cap) {
		n = read(fd, buf + got, cap - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -1;
		if (n == 0)
			break;
		got += (size_t)n;
	}
	return (ssize_t)got;
}

int ub_authkey_read(const char *path, struct ub_auth_key *k, struct ub_err *e)
{
	uint8_t buf[KEY_FILE_MAX + 1];
	size_t n, i, len;
	ssize_t got;
	int fd, rc;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = ub_err_set(e, UB_E_SYS, errno, "key file %s", path);
		goto out;
	}
	got = read_all(fd, buf, sizeof(buf));
	if (got < 0) {
		rc = ub_err_set(e, UB_E_SYS, errno, "key file %s", path);
		goto out;
	}
	n = (size_t)got;
	if (n > KEY_FILE_MAX) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: longer than %d octets", path,
				UB_AUTH_KEY_MAX);
		goto out;
	}
	/* Editors end a text file with a newline; it is not part of the key. */
	if (n && buf[n - 1] == '\n') {
		n--;
		if (n && buf[n - 1] == '\r')
			n--;
	}
	if (n == 0) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: empty", path);
		goto out;
	}
	/* What `openssl rand -hex 32 > key` writes is taken as the octets it spells. */
	if (is_hex_key(buf, n)) {
		len = n / 2;
		if (len > UB_AUTH_KEY_MAX) {
			rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: longer than %d octets", path,
					UB_AUTH_KEY_MAX);
			goto out;
		}
		for (i = 0; i < len; i++)
			k->bytes[i] = (uint8_t)(hexval(buf[2 * i]) << 4 | hexval(buf[2 * i + 1]));
		k->len = len;
		rc = 0;
		goto out;
	}
	if (n < UB_AUTH_KEY_MIN) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: shorter than %d octets", path,
				UB_AUTH_KEY_MIN);
		goto out;
	}
	if (n > UB_AUTH_KEY_MAX) {
		rc = ub_err_set(e, UB_E_INVAL, 0, "key file %s: longer than %d octets", path,
				UB_AUTH_KEY_MAX);
		goto out;
	}
	memcpy(k->bytes, buf, n);
	k->len = n;
	rc = 0;
out:
	explicit_bzero(buf, sizeof(buf));
	if (fd >= 0)
		close(fd);
	return rc;
}
