/*
 * Fuzz target: a text probe as it comes back from a classroom script,
 * whatever the script did to it. What decodes, or is found inside, must be
 * the probe those values encode, letter case aside; separately, probes
 * encoded from values taken from the input must decode to those values.
 */
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "stamp/proto.h"

/* Decoding accepts only printable ASCII, with at most a trailing "\r\n" or "\n". */
static int printable_probe(const uint8_t *d, size_t n)
{
	size_t i;

	if (n && d[n - 1] == '\n')
		n--;
	if (n && d[n - 1] == '\r')
		n--;
	for (i = 0; i < n; i++) {
		if (d[i] < 0x20 || d[i] > 0x7e)
			return 0;
	}
	return 1;
}

static char lower(char c)
{
	return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* d[0..n) and p[0..n) are the same text, letter case aside. */
static int same_text(const uint8_t *d, const char *p, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (lower((char)d[i]) != lower(p[i]))
			return 0;
	return 1;
}

/* The fields' text: the digits ... T1 and the space after it, as the encoder writes them. */
static size_t head_of(char *buf, size_t cap, uint32_t seq, int64_t t1, uint16_t ssid)
{
	if (ub_proto_encode_text(buf, cap, seq, t1, ssid) != 0)
		return 0;
	/* digits, magic, SSID and a space: 17 octets; then T1 in decimal and a space */
	return 17 + (size_t)snprintf(NULL, 0, "%" PRId64, t1) + 1;
}

/*
 * Encodes the values into an exact-size buffer of len octets and checks
 * the result: it fails exactly when len is too small or the SSID is no
 * text, else it is printable, ends in '\n' and decodes (also without the
 * newline, with "\r\n", or in lower case) to the same values.
 */
static void round_trip(size_t len, uint32_t seq, int64_t t1, uint16_t ssid)
{
	char *buf, *alt;
	uint32_t seq2;
	int64_t t12;
	uint16_t ssid2;
	int rc;
	size_t i;

	buf = malloc(len ? len : 1);
	alt = malloc(len + 1);
	if (!buf || !alt)
		goto out;
	rc = ub_proto_encode_text(buf, len, seq, t1, ssid);
	if (len < UB_STAMP_LEN || !ub_proto_text_ssid_ok(ssid)) {
		FUZZ_CHECK(rc == UB_E_INVAL);
		goto out;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(buf[len - 1] == '\n');
	for (i = 0; i + 1 < len; i++)
		FUZZ_CHECK(buf[i] >= 0x20 && buf[i] <= 0x7e);
	/* where a reflector reads the SSID */
	FUZZ_CHECK(((uint8_t)buf[14] << 8 | (uint8_t)buf[15]) == ssid);
	FUZZ_CHECK(!ub_proto_looks_like_reply((const uint8_t *)buf, len, 0));
	FUZZ_CHECK(ub_proto_decode_text(buf, len, &seq2, &t12, &ssid2) == 0);
	FUZZ_CHECK(seq2 == seq && t12 == t1 && ssid2 == ssid);
	FUZZ_CHECK(ub_proto_decode_text(buf, len - 1, &seq2, &t12, &ssid2) == 0);
	FUZZ_CHECK(seq2 == seq && t12 == t1 && ssid2 == ssid);
	memcpy(alt, buf, len - 1);
	alt[len - 1] = '\r';
	alt[len] = '\n';
	FUZZ_CHECK(ub_proto_decode_text(alt, len + 1, &seq2, &t12, &ssid2) == 0);
	FUZZ_CHECK(seq2 == seq && t12 == t1 && ssid2 == ssid);
	for (i = 0; i < len; i++)
		alt[i] = lower(buf[i]);
	FUZZ_CHECK(ub_proto_decode_text(alt, len, &seq2, &t12, &ssid2) == 0);
	FUZZ_CHECK(seq2 == seq && t12 == t1 && ssid2 == ssid);
out:
	free(buf);
	free(alt);
}

static void decode_echo(const uint8_t *d, size_t n)
{
	char want[UB_STAMP_LEN];
	uint32_t seq = 0;
	int64_t t1 = 0;
	uint16_t ssid = 0;
	size_t h;
	int rc, at;

	rc = ub_proto_decode_text((const char *)d, n, &seq, &t1, &ssid);
	FUZZ_CHECK(rc == 0 || rc == UB_E_PROTO);
	FUZZ_CHECK(ub_proto_decode_text((const char *)d, n, NULL, NULL, NULL) == rc);
	if (rc == 0) {
		FUZZ_CHECK(printable_probe(d, n));
		FUZZ_CHECK(ub_proto_find_text((const char *)d, n, NULL, NULL, NULL) == 0);
		/* At the size the sender would have used when the echo kept it. */
		round_trip(n < UB_STAMP_LEN ? UB_STAMP_LEN : n > UB_PKT_MAX ? UB_PKT_MAX : n, seq,
			   t1, ssid);
	}
	/* Whatever is found inside is the head those values encode, letter case aside. */
	at = ub_proto_find_text((const char *)d, n, &seq, &t1, &ssid);
	FUZZ_CHECK(at >= 0 || at == UB_E_PROTO);
	if (at < 0)
		return;
	h = head_of(want, sizeof(want), seq, t1, ssid);
	FUZZ_CHECK(h > 0);
	/* the head's last octet is the space after T1; a reply may end right after the digits */
	FUZZ_CHECK((size_t)at + h - 1 <= n);
	FUZZ_CHECK(same_text(d + at, want, h - 1));
}

/* Values from the first 14 octets, a length up to UB_PKT_MAX from the next two. */
static void encode_values(const uint8_t *d, size_t n)
{
	uint8_t b[16] = { 0 };
	uint64_t u = 0;
	int64_t t1;
	uint16_t ssid;
	int i;

	memcpy(b, d, n < sizeof(b) ? n : sizeof(b));
	for (i = 4; i < 12; i++)
		u = u << 8 | b[i];
	memcpy(&t1, &u, sizeof(t1));
	ssid = (uint16_t)(b[12] << 8 | b[13]);
	/* Every other input tries an SSID as it is: most are no text and must be refused. */
	if (b[15] & 1)
		ssid = ub_proto_text_ssid(ssid);
	round_trip((size_t)(b[14] << 8 | b[15]) % (UB_PKT_MAX + 1),
		   (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3], t1, ssid);
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	decode_echo(d, n);
	encode_values(d, n);
	return 0;
}
