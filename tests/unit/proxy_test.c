/* PROXY protocol v1 and v2: real headers as HAProxy sends them, and the hostile rest. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "proxy.h"
#include "unit.h"

static const uint8_t sig[12] = { 0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49,
	0x54, 0x0A };

/* A v2 header: cmd (0x20 LOCAL, 0x21 PROXY), family byte, then body bytes. */
static size_t
v2(uint8_t *out, uint8_t cmd, uint8_t fam, const uint8_t *body, size_t blen)
{
	memcpy(out, sig, 12);
	out[12] = cmd;
	out[13] = fam;
	out[14] = (uint8_t)(blen >> 8);
	out[15] = (uint8_t)blen;
	if (blen > 0)
		memcpy(out + 16, body, blen);
	return 16 + blen;
}

START_TEST(v1_tcp4)
{
	const char *h = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\nGET x\n";
	struct proxy_info p;

	ck_assert_int_eq(proxy_parse((const uint8_t *)h, strlen(h), &p), 45);
	ck_assert(!p.local);
	ck_assert_int_eq(p.family, AF_INET);
	ck_assert_str_eq(p.src_ip, "192.0.2.1");
	ck_assert_str_eq(p.dst_ip, "198.51.100.2");
	ck_assert_uint_eq(p.src_port, 56324);
	ck_assert_uint_eq(p.dst_port, 443);
}
END_TEST

START_TEST(v1_tcp6_and_unknown)
{
	const char *h6 = "PROXY TCP6 2001:db8::1 ::1 65535 7070\r\n";
	const char *hu = "PROXY UNKNOWN ff:: 1.2.3.4 whatever\r\n";
	struct proxy_info p;

	ck_assert_int_eq(proxy_parse((const uint8_t *)h6, strlen(h6), &p), (int)strlen(h6));
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_str_eq(p.src_ip, "2001:db8::1");
	ck_assert_uint_eq(p.src_port, 65535);
	ck_assert_int_eq(proxy_parse((const uint8_t *)hu, strlen(hu), &p), (int)strlen(hu));
	ck_assert(p.local);
	ck_assert_int_eq(proxy_parse((const uint8_t *)"PROXY UNKNOWN\r\n", 15, &p), 15);
	ck_assert(p.local);
}
END_TEST

static const char *const v1_bad[] = {
	"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\n",	/* LF without CR */
	"PROXY TCP4 192.0.2.1 198.51.100.2 56324\r\n",		/* a field short */
	"PROXY TCP4 192.0.2.1 198.51.100.2 56324 443 x\r\n",	/* a field more */
	"PROXY TCP4 192.0.2.1  198.51.100.2 56324 443\r\n",	/* two spaces */
	"PROXY TCP4 2001:db8::1 ::1 1 2\r\n",			/* v6 under TCP4 */
	"PROXY TCP6 192.0.2.1 198.51.100.2 1 2\r\n",
	"PROXY TCP4 192.0.2.256 198.51.100.2 1 2\r\n",
	"PROXY TCP4 192.0.2.1 198.51.100.2 65536 2\r\n",
	"PROXY TCP4 192.0.2.1 198.51.100.2 -1 2\r\n",
	"PROXY TCP4 192.0.2.1 198.51.100.2 01 2\r\n",
	"PROXY UDP4 192.0.2.1 198.51.100.2 1 2\r\n",
	"PROXY\r\n",
	"PROXYTCP4\r\n",
	"GET / HTTP/1.0\r\n",
	"LIST\n",
	"proxy TCP4 192.0.2.1 198.51.100.2 1 2\r\n",
};

START_TEST(v1_refused)
{
	struct proxy_info p;

	ck_assert_int_eq(proxy_parse((const uint8_t *)v1_bad[_i], strlen(v1_bad[_i]), &p), -EINVAL);
}
END_TEST

START_TEST(v1_too_long)
{
	char h[200];
	struct proxy_info p;

	memset(h, 'x', sizeof(h));
	memcpy(h, "PROXY UNKNOWN ", 14);
	ck_assert_int_eq(proxy_parse((const uint8_t *)h, PROXY_V1_MAX - 1, &p), 0);	/* still waiting */
	ck_assert_int_eq(proxy_parse((const uint8_t *)h, sizeof(h), &p), -EMSGSIZE);
	memcpy(h + PROXY_V1_MAX - 2, "\r\n", 2);	/* exactly the limit */
	ck_assert_int_eq(proxy_parse((const uint8_t *)h, sizeof(h), &p), PROXY_V1_MAX);
}
END_TEST

START_TEST(v2_proxy_tcp4)
{
	uint8_t body[12 + 7] = { 192, 0, 2, 1, 198, 51, 100, 2, 0xDC, 0x04, 0x01, 0xBB,
		0x04, 0x00, 0x04, 't', 'e', 's', 't' };	/* a TLV, skipped */
	uint8_t h[64];
	size_t n = v2(h, 0x21, 0x11, body, sizeof(body));
	struct proxy_info p;

	ck_assert_int_eq(proxy_parse(h, n, &p), (int)n);
	ck_assert(!p.local);
	ck_assert_str_eq(p.src_ip, "192.0.2.1");
	ck_assert_uint_eq(p.src_port, 56324);
	ck_assert_uint_eq(p.dst_port, 443);
}
END_TEST

START_TEST(v2_proxy_tcp6)
{
	uint8_t body[36] = { 0x20, 0x01, 0x0d, 0xb8, [15] = 1, [31] = 1, [32] = 0x1b, [33] = 0x9e,
		[34] = 0x1b, [35] = 0x9e };
	uint8_t h[64];
	size_t n = v2(h, 0x21, 0x21, body, sizeof(body));
	struct proxy_info p;

	ck_assert_int_eq(proxy_parse(h, n, &p), (int)n);
	ck_assert_int_eq(p.family, AF_INET6);
	ck_assert_str_eq(p.src_ip, "2001:db8::1");
	ck_assert_str_eq(p.dst_ip, "::1");
	ck_assert_uint_eq(p.src_port, 7070);
}
END_TEST

/* HAProxy's health checks: LOCAL keeps the real peer; so do families we do not use. */
START_TEST(v2_local_and_unspec)
{
	uint8_t h[64], unix_body[216] = { 0 };
	struct proxy_info p;
	size_t n;

	n = v2(h, 0x20, 0x00, NULL, 0);
	ck_assert_int_eq(proxy_parse(h, n, &p), 16);
	ck_assert(p.local);
	n = v2(h, 0x20, 0x11, (const uint8_t *)"123456789012", 12);	/* LOCAL with an address */
	ck_assert_int_eq(proxy_parse(h, n, &p), 28);
	ck_assert(p.local);
	{
		uint8_t big[16 + 216];

		n = v2(big, 0x21, 0x31, unix_body, sizeof(unix_body));	/* AF_UNIX stream */
		ck_assert_int_eq(proxy_parse(big, n, &p), (int)n);
		ck_assert(p.local);
	}
}
END_TEST

START_TEST(v2_refused)
{
	uint8_t h[64];
	struct proxy_info p;
	size_t n;

	n = v2(h, 0x11, 0x11, (const uint8_t *)"123456789012", 12);	/* version 1 in a v2 frame */
	ck_assert_int_eq(proxy_parse(h, n, &p), -EINVAL);
	n = v2(h, 0x22, 0x11, (const uint8_t *)"123456789012", 12);	/* command 2 */
	ck_assert_int_eq(proxy_parse(h, n, &p), -EINVAL);
	n = v2(h, 0x21, 0x11, (const uint8_t *)"12345678", 8);		/* too short for TCP4 */
	ck_assert_int_eq(proxy_parse(h, n, &p), -EINVAL);
	n = v2(h, 0x21, 0x21, (const uint8_t *)"123456789012", 12);	/* too short for TCP6 */
	ck_assert_int_eq(proxy_parse(h, n, &p), -EINVAL);
	h[14] = 0xFF;							/* 65 KiB announced */
	ck_assert_int_eq(proxy_parse(h, 16, &p), -EMSGSIZE);
	memcpy(h, sig, 12);
	h[5] = 0x0C;							/* a broken signature */
	ck_assert_int_eq(proxy_parse(h, 16, &p), -EINVAL);
}
END_TEST

/* Split across segments: every proper prefix asks for more, never a verdict. */
START_TEST(prefixes)
{
	const char *h1 = "PROXY TCP4 192.0.2.1 198.51.100.2 56324 443\r\n";
	uint8_t h2[64];
	size_t n2 = v2(h2, 0x21, 0x11, (const uint8_t *)"\xc0\x00\x02\x01\xc6\x33\x64\x02\x01\x02\x03\x04", 12);
	struct proxy_info p;
	size_t i;

	for (i = 0; i < strlen(h1); i++)
		ck_assert_int_eq(proxy_parse((const uint8_t *)h1, i, &p), 0);
	for (i = 0; i < n2; i++)
		ck_assert_int_eq(proxy_parse(h2, i, &p), 0);
	ck_assert_int_eq(proxy_parse(h2, n2, &p), (int)n2);
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("proxy");
	TCase *tc = tcase_create("proxy");

	tcase_add_test(tc, v1_tcp4);
	tcase_add_test(tc, v1_tcp6_and_unknown);
	tcase_add_loop_test(tc, v1_refused, 0, ARRAY_LEN(v1_bad));
	tcase_add_test(tc, v1_too_long);
	tcase_add_test(tc, v2_proxy_tcp4);
	tcase_add_test(tc, v2_proxy_tcp6);
	tcase_add_test(tc, v2_local_and_unspec);
	tcase_add_test(tc, v2_refused);
	tcase_add_test(tc, prefixes);
	suite_add_tcase(s, tc);
	return s;
}
