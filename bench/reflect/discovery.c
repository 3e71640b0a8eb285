#include "reflect/discovery.h"

#include <arpa/inet.h>
#include <errno.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lib/lru.h"

#define MAGIC_LEN (sizeof(UB_DISC_MAGIC) - 1)
#define QUERY_HEAD UB_DISC_MAGIC " 1 "
#define ANSWER_HEAD "UDPBENCH!HERE 1 "

static const char hex[] = "0123456789abcdef";

void ub_disc_nonce(char nonce[UB_DISC_NONCE_LEN + 1])
{
	uint32_t r = 0;
	int i;

	for (i = 0; i < UB_DISC_NONCE_LEN; i++) {
		if (i % 8 == 0)
			r = ub_lru_random_seed();
		nonce[i] = hex[r & 15];
		r >>= 4;
	}
	nonce[UB_DISC_NONCE_LEN] = '\0';
}

static int is_nonce(const uint8_t *s)
{
	int i;

	for (i = 0; i < UB_DISC_NONCE_LEN; i++)
		if (!memchr(hex, s[i], 16) || !s[i])
			return 0;
	return 1;
}

void ub_disc_encode_query(uint8_t buf[UB_DISC_QUERY_LEN], const char *nonce)
{
	size_t h = sizeof(QUERY_HEAD) - 1;

	memset(buf, 0, UB_DISC_QUERY_LEN);
	memcpy(buf, QUERY_HEAD, h);
	memcpy(buf + h, nonce, UB_DISC_NONCE_LEN);
	buf[h + UB_DISC_NONCE_LEN] = '\n';
}

int ub_disc_classify(const uint8_t *buf, size_t len, char nonce[UB_DISC_NONCE_LEN + 1])
{
	size_t h = sizeof(QUERY_HEAD) - 1;

	if (!buf || len < MAGIC_LEN || memcmp(buf, UB_DISC_MAGIC, MAGIC_LEN) != 0)
		return 0;
	/* Discovery from here on: never a STAMP request, answered or not. */
	if (len != UB_DISC_QUERY_LEN || memcmp(buf, QUERY_HEAD, h) != 0 || !is_nonce(buf + h) ||
	    buf[h + UB_DISC_NONCE_LEN] != '\n')
		return -1;
	memcpy(nonce, buf + h, UB_DISC_NONCE_LEN);
	nonce[UB_DISC_NONCE_LEN] = '\0';
	return 1;
}

/*
 * Returns the length of the valid UTF-8 sequence at s (n octets left), 0
 * when it is not one. Overlong forms, surrogates and code points past
 * U+10FFFF are refused.
 */
static size_t utf8_len(const uint8_t *s, size_t n)
{
	uint32_t cp;
	size_t k, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		k = 2, cp = s[0] & 0x1f;
	else if (s[0] >= 0xe0 && s[0] <= 0xef)
		k = 3, cp = s[0] & 0x0f;
	else if (s[0] >= 0xf0 && s[0] <= 0xf4)
		k = 4, cp = s[0] & 0x07;
	else
		return 0;
	if (n < k)
		return 0;
	for (i = 1; i < k; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if ((k == 3 && cp < 0x800) || (k == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return k;
}

/* Returns 1 when s[0..n) is UTF-8 text with no control character (newline neither). */
static int text_ok(const uint8_t *s, size_t n)
{
	size_t i, k;

	for (i = 0; i < n; i += k) {
		if (s[i] < 0x20 || s[i] == 0x7f)
			return 0;
		k = utf8_len(s + i, n - i);
		if (!k)
			return 0;
		/* C1 controls (U+0080..U+009F) move terminals as C0 ones do. */
		if (k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)
			return 0;
	}
	return 1;
}

void ub_disc_clean_name(char dst[UB_DISC_NAME_MAX + 1], const char *src)
{
	const uint8_t *s = (const uint8_t *)src;
	size_t n = strlen(src), i, k, w = 0;

	for (i = 0; i < n; i += k) {
		k = utf8_len(s + i, n - i);
		if (s[i] == ' ' || s[i] == '\t') {
			k = 1;
			if (w == 0 || dst[w - 1] == ' ')
				continue;
			if (w + 1 > UB_DISC_NAME_MAX)
				break;
			dst[w++] = ' ';
			continue;
		}
		if (!k || s[i] < 0x20 || s[i] == 0x7f || s[i] == '#' ||
		    (k == 2 && s[i] == 0xc2 && s[i + 1] < 0xa0)) {
			k = k ? k : 1;
			if (w + 1 > UB_DISC_NAME_MAX)
				break;
			dst[w++] = '?';
			continue;
		}
		if (w + k > UB_DISC_NAME_MAX)
			break;
		memcpy(dst + w, s + i, k);
		w += k;
	}
	while (w > 0 && dst[w - 1] == ' ')
		w--;
	dst[w] = '\0';
}

static int put(char *buf, size_t cap, size_t *at, const char *key, const char *val)
{
	int n;

	if (!text_ok((const uint8_t *)val, strlen(val)))
		return -1;
	n = snprintf(buf + *at, cap - *at, "%s=%s\n", key, val);
	if (n < 0 || (size_t)n >= cap - *at)
		return -1;
	*at += (size_t)n;
	return 0;
}

int ub_disc_encode_answer(uint8_t *buf, size_t cap, const char *nonce,
			  const struct ub_disc_info *info, struct ub_err *e)
{
	char num[16], *out = (char *)buf;
	size_t at = 0;
	int bad;

	if (cap > UB_DISC_QUERY_LEN + 1)
		cap = UB_DISC_QUERY_LEN + 1; /* room for snprintf's NUL past 512 octets */
	if (strlen(info->name) > UB_DISC_NAME_MAX)
		return ub_err_set(e, UB_E_INVAL, 0, "name longer than %d octets", UB_DISC_NAME_MAX);
	at = (size_t)snprintf(out, cap, ANSWER_HEAD "%.16s\n", nonce);
	snprintf(num, sizeof(num), "%d", info->port);
	bad = at >= cap || put(out, cap, &at, "id", info->id) < 0 ||
	      put(out, cap, &at, "kind", info->kind) < 0 ||
	      put(out, cap, &at, "name", info->name) < 0 ||
	      put(out, cap, &at, "version", info->version) < 0 ||
	      (info->port >= 0 && put(out, cap, &at, "port", num) < 0) ||
	      (info->addr[0] && put(out, cap, &at, "addr", info->addr) < 0);
	if (!bad && info->has_rssi) {
		snprintf(num, sizeof(num), "%d", info->rssi);
		bad = put(out, cap, &at, "rssi", num) < 0;
	}
	if (bad || at > UB_DISC_QUERY_LEN)
		return ub_err_set(e, UB_E_INVAL, 0, "answer text not allowed or too long");
	return (int)at;
}

/* Copies val[0..n) into dst (cap octets with the NUL); returns 0, or -1 when it does not fit. */
static int take(char *dst, size_t cap, const uint8_t *val, size_t n)
{
	if (n >= cap)
		return -1;
	memcpy(dst, val, n);
	dst[n] = '\0';
	return 0;
}

/* Reads a decimal integer in [lo, hi] from val[0..n); returns 0 or -1. */
static int take_int(int *out, const uint8_t *val, size_t n, long lo, long hi)
{
	char tmp[8], *end;
	long v;

	if (n == 0 || take(tmp, sizeof(tmp), val, n) < 0)
		return -1;
	v = strtol(tmp, &end, 10);
	if (*end || v < lo || v > hi || tmp[0] == '+' || tmp[0] == ' ')
		return -1;
	*out = (int)v;
	return 0;
}

static int kind_ok(const char *k)
{
	size_t i;

	for (i = 0; k[i]; i++)
		if (!((k[i] >= 'a' && k[i] <= 'z') || (k[i] >= '0' && k[i] <= '9') || k[i] == '-'))
			return 0;
	return i > 0;
}

/* One key=value line into *out; returns 0, or -1 when its value breaks the key's rule. */
static int decode_line(struct ub_disc_info *out, const uint8_t *key, size_t kn,
		       const uint8_t *val, size_t vn)
{
#define IS(k) (kn == sizeof(k) - 1 && memcmp(key, k, kn) == 0)
	if (IS("id"))
		return vn == UB_DISC_NONCE_LEN && is_nonce(val) ? take(out->id, sizeof(out->id), val, vn)
								: -1;
	if (IS("kind"))
		return take(out->kind, sizeof(out->kind), val, vn) < 0 || !kind_ok(out->kind) ? -1 : 0;
	if (IS("name"))
		return take(out->name, sizeof(out->name), val, vn);
	if (IS("version"))
		return take(out->version, sizeof(out->version), val, vn);
	if (IS("addr"))
		return take(out->addr, sizeof(out->addr), val, vn);
	if (IS("port"))
		return take_int(&out->port, val, vn, 1, 65535);
	if (IS("rssi")) {
		out->has_rssi = 1;
		return take_int(&out->rssi, val, vn, -150, 0);
	}
#undef IS
	return 0; /* a key of a later version */
}

int ub_disc_decode_answer(const uint8_t *buf, size_t len, const char *nonce,
			  struct ub_disc_info *out, struct ub_err *e)
{
	size_t h = sizeof(ANSWER_HEAD) - 1, at;
	const uint8_t *line, *eq, *nl;

	memset(out, 0, sizeof(*out));
	out->port = -1;
	if (!buf || len > UB_DISC_QUERY_LEN)
		return ub_err_set(e, UB_E_INVAL, 0, "larger than a query (%zu octets)", len);
	if (len < h + UB_DISC_NONCE_LEN + 1 || memcmp(buf, ANSWER_HEAD, h) != 0 ||
	    !is_nonce(buf + h) || buf[h + UB_DISC_NONCE_LEN] != '\n')
		return ub_err_set(e, UB_E_INVAL, 0, "not a discovery answer");
	if (nonce && memcmp(buf + h, nonce, UB_DISC_NONCE_LEN) != 0)
		return ub_err_set(e, UB_E_INVAL, 0, "an answer to another query");
	for (at = h + UB_DISC_NONCE_LEN + 1; at < len; at = (size_t)(nl - buf) + 1) {
		line = buf + at;
		nl = memchr(line, '\n', len - at);
		if (!nl)
			return ub_err_set(e, UB_E_INVAL, 0, "a line without its newline");
		if (!text_ok(line, (size_t)(nl - line)))
			return ub_err_set(e, UB_E_INVAL, 0, "control characters or bad UTF-8");
		eq = memchr(line, '=', (size_t)(nl - line));
		if (!eq || eq == line)
			return ub_err_set(e, UB_E_INVAL, 0, "a line that is no key=value");
		if (decode_line(out, line, (size_t)(eq - line), eq + 1, (size_t)(nl - eq - 1)) < 0)
			return ub_err_set(e, UB_E_INVAL, 0, "a bad value for %.*s",
					  (int)(eq - line < 16 ? eq - line : 16), (const char *)line);
	}
	if (!out->id[0] || !out->kind[0])
		return ub_err_set(e, UB_E_INVAL, 0, "no id or kind");
	return 0;
}

/* Returns 1 when a and b agree in their first bits bits. */
static int same_prefix(const uint8_t *a, const uint8_t *b, unsigned bits)
{
	unsigned n = bits / 8, r = bits % 8;

	if (memcmp(a, b, n) != 0)
		return 0;
	return r == 0 || ((a[n] ^ b[n]) & (uint8_t)(0xff << (8 - r))) == 0;
}

static unsigned mask_bits(const uint8_t *m, size_t n)
{
	unsigned bits = 0;
	size_t i;

	for (i = 0; i < n; i++)
		bits += (unsigned)__builtin_popcount(m[i]);
	return bits;
}

int ub_disc_on_link(const struct ub_addr *src)
{
	static const uint8_t mapped[12] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff };
	struct ifaddrs *ifs = NULL, *i;
	const uint8_t *a, *ia, *im;
	int fam, ok = 0;
	size_t n;

	if (src->ss.ss_family == AF_INET) {
		fam = AF_INET;
		a = (const uint8_t *)&((const struct sockaddr_in *)&src->ss)->sin_addr;
	} else if (src->ss.ss_family == AF_INET6) {
		a = (const uint8_t *)&((const struct sockaddr_in6 *)&src->ss)->sin6_addr;
		fam = memcmp(a, mapped, 12) == 0 ? AF_INET : AF_INET6;
		if (fam == AF_INET)
			a += 12;
		/* fe80::/10 is link-local: no router forwards it. */
		else if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
			return 1;
	} else {
		return 0;
	}
	n = fam == AF_INET ? 4 : 16;
	if (getifaddrs(&ifs) < 0)
		return 0;
	for (i = ifs; i && !ok; i = i->ifa_next) {
		if (!i->ifa_addr || !i->ifa_netmask || !(i->ifa_flags & IFF_UP) ||
		    i->ifa_addr->sa_family != fam)
			continue;
		if (fam == AF_INET) {
			ia = (const uint8_t *)&((struct sockaddr_in *)i->ifa_addr)->sin_addr;
			im = (const uint8_t *)&((struct sockaddr_in *)i->ifa_netmask)->sin_addr;
		} else {
			ia = (const uint8_t *)&((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr;
			im = (const uint8_t *)&((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr;
		}
		ok = same_prefix(a, ia, mask_bits(im, n));
	}
	freeifaddrs(ifs);
	return ok;
}

int ub_disc_targets(int family, int port, struct ub_addr *out, int max, struct ub_err *e)
{
	struct ifaddrs *ifs = NULL, *i;
	struct sockaddr_in6 *s6;
	int n = 0, fam;

	if (getifaddrs(&ifs) < 0)
		return ub_err_set(e, UB_E_SYS, errno, "cannot list the network interfaces");
	for (i = ifs; i && n < max; i = i->ifa_next) {
		if (!i->ifa_addr || !(i->ifa_flags & IFF_UP) || (i->ifa_flags & IFF_LOOPBACK))
			continue;
		fam = i->ifa_addr->sa_family;
		if (family != AF_UNSPEC && fam != family)
			continue;
		memset(&out[n], 0, sizeof(out[n]));
		if (fam == AF_INET && (i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr) {
			memcpy(&out[n].ss, i->ifa_broadaddr, sizeof(struct sockaddr_in));
			out[n].len = sizeof(struct sockaddr_in);
		} else if (fam == AF_INET6 && (i->ifa_flags & IFF_MULTICAST)) {
			/* One ff02::1 per interface: the first IPv6 address seen there. */
			const struct sockaddr_in6 *mine = (const struct sockaddr_in6 *)i->ifa_addr;
			unsigned idx = if_nametoindex(i->ifa_name);
			int k, dup = 0;

			for (k = 0; k < n; k++)
				dup |= out[k].ss.ss_family == AF_INET6 &&
				       ((struct sockaddr_in6 *)&out[k].ss)->sin6_scope_id == idx;
			if (dup || !idx || !(mine->sin6_addr.s6_addr[0] == 0xfe &&
					     (mine->sin6_addr.s6_addr[1] & 0xc0) == 0x80))
				continue;
			s6 = (struct sockaddr_in6 *)&out[n].ss;
			s6->sin6_family = AF_INET6;
			inet_pton(AF_INET6, "ff02::1", &s6->sin6_addr);
			s6->sin6_scope_id = idx;
			out[n].len = sizeof(*s6);
		} else {
			continue;
		}
		ub_net_addr_set_port(&out[n], port);
		n++;
	}
	freeifaddrs(ifs);
	return n;
}
