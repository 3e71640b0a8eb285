/*
 * Fuzz target: one datagram as `udpbench discover` receives it (from anyone
 * on the link: hostile). An answer that decodes holds only text fit to
 * print: no control character in any field, a name of at most 63 octets;
 * it encodes again into no more than a query's 512 octets and decodes to
 * the same fields. The name made safe for a --peers file keeps those rules
 * too. The input is also read as a query, as a reflector reads it.
 */
#include <string.h>

#include "fuzz.h"
#include "reflect/discovery.h"

/* No octet below 0x20, nor 0x7f, nor a '#' where hash is 0. */
static int printable(const char *s, int hash)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || (!hash && *s == '#'))
			return 0;
	return 1;
}

static int same(const struct ub_disc_info *a, const struct ub_disc_info *b)
{
	return strcmp(a->id, b->id) == 0 && strcmp(a->kind, b->kind) == 0 &&
	       strcmp(a->name, b->name) == 0 && strcmp(a->version, b->version) == 0 &&
	       strcmp(a->addr, b->addr) == 0 && a->port == b->port &&
	       a->has_rssi == b->has_rssi && (!a->has_rssi || a->rssi == b->rssi);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	struct ub_disc_info info, back;
	char nonce[UB_DISC_NONCE_LEN + 1], clean[UB_DISC_NAME_MAX + 1];
	uint8_t buf[UB_DISC_QUERY_LEN + 1];
	struct ub_err e;
	int len, q;

	q = ub_disc_classify(d, n, nonce);
	FUZZ_CHECK(q >= -1 && q <= 1);
	FUZZ_CHECK(q != 1 || (n == UB_DISC_QUERY_LEN && strlen(nonce) == UB_DISC_NONCE_LEN));
	ub_err_clear(&e);
	if (ub_disc_decode_answer(d, n, NULL, &info, &e) < 0)
		return 0;
	FUZZ_CHECK(n <= UB_DISC_QUERY_LEN);
	FUZZ_CHECK(printable(info.name, 1) && printable(info.kind, 1) &&
		   printable(info.version, 1) && printable(info.addr, 1));
	FUZZ_CHECK(strlen(info.name) <= UB_DISC_NAME_MAX && strlen(info.id) == UB_DISC_NONCE_LEN);
	ub_disc_clean_name(clean, info.name);
	FUZZ_CHECK(printable(clean, 0) && strlen(clean) <= UB_DISC_NAME_MAX);
	len = ub_disc_encode_answer(buf, sizeof(buf), "0123456789abcdef", &info, &e);
	/* A decoded answer may not fit again only when it carried unknown keys that made room. */
	if (len < 0)
		return 0;
	FUZZ_CHECK(len <= UB_DISC_QUERY_LEN);
	FUZZ_CHECK(ub_disc_decode_answer(buf, (size_t)len, "0123456789abcdef", &back, &e) == 0);
	FUZZ_CHECK(same(&info, &back));
	return 0;
}
