/*
 * Fuzz target: a text-mode probe as it comes back from a classroom echo
 * script (whatever the script did to it). What decodes is encoded again
 * and must decode to the same values; separately, probes encoded from
 * values taken from the input must decode to those values.
 */
#include <inttypes.h>
#include <string.h>

#include "fuzz.h"
#include "proto.h"

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

/*
 * Encodes the values into an exact-size buffer of len octets and checks
 * the result: it fails exactly when the header and newline do not fit,
 * else it is printable, ends in '\n' and decodes (also without the
 * newline, or with "\r\n") to the same values.
 */
static void round_trip(size_t len, uint32_t seq, int64_t t1, uint16_t ssid)
{
	char *buf, *crlf;
	uint32_t seq2;
	int64_t t12;
	uint16_t ssid2;
	int head, rc;
	size_t i;

	head = snprintf(NULL, 0, "UDPBENCH %" PRIu32 " %" PRId64 " %" PRIu16, seq, t1, ssid);
	buf = malloc(len ? len : 1);
	crlf = malloc(len + 1);
	if (!buf || !crlf)
		goto out;
	rc = ub_proto_encode_text(buf, len, seq, t1, ssid);
	if (len < UB_STAMP_LEN || (size_t)head + 1 > len) {
		FUZZ_CHECK(rc == UB_E_INVAL);
		goto out;
	}
	FUZZ_CHECK(rc == 0);
	FUZZ_CHECK(buf[len - 1] == '\n');
	for (i = 0; i + 1 < len; i++)
		FUZZ_CHECK(buf[i] >= 0x20 && buf[i] <= 0x7e);
	FUZZ_CHECK(memcmp(buf, "UDPBENCH ", 9) == 0);
	FUZZ_CHECK(ub_proto_decode_text(buf, len, &seq2, &t12, &ssid2) == 0);
	FUZZ_CHECK(seq2 == seq && t12 == t1 && ssid2 == ssid);
	FUZZ_CHECK(ub_proto_decode_text(buf, len - 1, &seq2, &t12, &ssid2) == 0);
	FUZZ_CHECK(seq2 == seq && t12 == t1 && ssid2 == ssid);
	memcpy(crlf, buf, len - 1);
	crlf[len - 1] = '\r';
	crlf[len] = '\n';
	FUZZ_CHECK(ub_proto_decode_text(crlf, len + 1, &seq2, &t12, &ssid2) == 0);
	FUZZ_CHECK(seq2 == seq && t12 == t1 && ssid2 == ssid);
out:
	free(buf);
	free(crlf);
}

/*
 * A second reading of a decoded probe's numbers: the decimal text of each
 * value, without leading zeros, is what the probe spells between its spaces.
 */
static void same_numbers(const uint8_t *d, size_t n, uint32_t seq, int64_t t1, uint16_t ssid)
{
	char want[64], got[64];
	size_t i = 9, k = 0;
	int field = 0;

	snprintf(want, sizeof(want), "%" PRIu32 " %" PRId64 " %" PRIu16, seq, t1, ssid);
	for (; i < n && d[i] != '.' && d[i] != '\r' && d[i] != '\n' && k + 1 < sizeof(got); i++) {
		/* a leading zero of a field is dropped unless the field is just "0" */
		if (d[i] == '0' && (k == 0 || got[k - 1] == ' ' || got[k - 1] == '-') &&
		    i + 1 < n && d[i + 1] >= '0' && d[i + 1] <= '9')
			continue;
		if (d[i] == ' ')
			field++;
		got[k++] = (char)d[i];
	}
	got[k] = '\0';
	/* "-0" is 0 */
	if (strncmp(got + strcspn(got, " ") + 1, "-0 ", 3) == 0)
		memmove(got + strcspn(got, " ") + 1, got + strcspn(got, " ") + 2,
			strlen(got + strcspn(got, " ") + 2) + 1);
	FUZZ_CHECK(field == 2);
	FUZZ_CHECK(strcmp(want, got) == 0);
}

static void decode_echo(const uint8_t *d, size_t n)
{
	uint32_t seq = 0;
	int64_t t1 = 0;
	uint16_t ssid = 0;
	int rc;

	rc = ub_proto_decode_text((const char *)d, n, &seq, &t1, &ssid);
	FUZZ_CHECK(rc == 0 || rc == UB_E_PROTO);
	FUZZ_CHECK(ub_proto_decode_text((const char *)d, n, NULL, NULL, NULL) == rc);
	if (rc != 0)
		return;
	FUZZ_CHECK(printable_probe(d, n));
	FUZZ_CHECK(n >= 9 && memcmp(d, "UDPBENCH ", 9) == 0);
	same_numbers(d, n, seq, t1, ssid);
	/* At the size the sender would have used when the echo kept it. */
	round_trip(n < UB_STAMP_LEN ? UB_STAMP_LEN : n > UB_PKT_MAX ? UB_PKT_MAX : n, seq, t1,
		   ssid);
}

/* Values from the first 14 octets, a length up to UB_PKT_MAX from the next two. */
static void encode_values(const uint8_t *d, size_t n)
{
	uint8_t b[16] = { 0 };
	uint64_t u = 0;
	int64_t t1;
	int i;

	memcpy(b, d, n < sizeof(b) ? n : sizeof(b));
	for (i = 4; i < 12; i++)
		u = u << 8 | b[i];
	memcpy(&t1, &u, sizeof(t1));
	round_trip((size_t)(b[14] << 8 | b[15]) % (UB_PKT_MAX + 1),
		   (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3], t1,
		   (uint16_t)(b[12] << 8 | b[13]));
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
	decode_echo(d, n);
	encode_values(d, n);
	return 0;
}
