/* Addresses: the -l argument, the -C key, the text children and log lines get. */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "addr.h"
#include "unit.h"

/* A host name that exactly fills ADDR_HOST_MAX (with its NUL), plus ":70". */
static char host_max[ADDR_HOST_MAX + 3], host_over[ADDR_HOST_MAX + 4];

static const struct {
	const char	*in;
	int		 r;
	const char	*host;
	unsigned	 port;
	bool		 any;
} listen_cases[] = {
	{ "127.0.0.1:7070", 0, "127.0.0.1", 7070, false },
	{ "localhost:70", 0, "localhost", 70, false },
	{ "[::1]:7070", 0, "::1", 7070, false },
	{ "[fe80::1%eth0]:1", 0, "fe80::1%eth0", 1, false },	/* getaddrinfo judges the zone */
	{ "[::]:70", 0, "::", 70, false },			/* IPv6 only, as written */
	{ "*:7070", 0, "", 7070, true },
	{ ":7070", 0, "", 7070, true },
	{ "127.0.0.1:0", 0, "127.0.0.1", 0, false },		/* the kernel picks; it is logged */
	{ "127.0.0.1:65535", 0, "127.0.0.1", 65535, false },	/* exactly the limit */
	{ "127.0.0.1:65536", -ERANGE, NULL, 0, false },		/* the limit + 1 */
	{ "127.0.0.1:99999999999999999999999", -ERANGE, NULL, 0, false },	/* overflow */
	{ "127.0.0.1:", -ERANGE, NULL, 0, false },		/* truncated */
	{ "127.0.0.1:-1", -ERANGE, NULL, 0, false },
	{ "127.0.0.1: 70", -ERANGE, NULL, 0, false },
	{ "127.0.0.1:70 ", -ERANGE, NULL, 0, false },
	{ "127.0.0.1:0x50", -ERANGE, NULL, 0, false },
	{ "127.0.0.1:http", -ERANGE, NULL, 0, false },		/* numbers only */
	{ "127.0.0.1:\xff", -ERANGE, NULL, 0, false },
	{ "127.0.0.1", -EINVAL, NULL, 0, false },		/* no port */
	{ "", -EINVAL, NULL, 0, false },
	{ "::1:7070", -EINVAL, NULL, 0, false },		/* IPv6 wants brackets */
	{ "[::1]7070", -EINVAL, NULL, 0, false },
	{ "[::1]", -EINVAL, NULL, 0, false },
	{ "[::1:7070", -EINVAL, NULL, 0, false },		/* truncated */
	{ "[]:70", -EINVAL, NULL, 0, false },
	{ "[*]:70", -EINVAL, NULL, 0, false },
	{ "[localhost]:70", -EINVAL, NULL, 0, false },
	{ "[[::1]]:70", -EINVAL, NULL, 0, false },
	{ "a]:70", -EINVAL, NULL, 0, false },
};

START_TEST(listen_table)
{
	struct addr_spec spec = { .host = "untouched", .port = 9 };
	int r = addr_parse_listen(listen_cases[_i].in, &spec);

	ck_assert_int_eq(r, listen_cases[_i].r);
	if (r < 0) {
		ck_assert_str_eq(spec.host, "untouched");
		ck_assert_uint_eq(spec.port, 9);
		return;
	}
	ck_assert_str_eq(spec.host, listen_cases[_i].host);
	ck_assert_uint_eq(spec.port, listen_cases[_i].port);
	ck_assert(spec.any == listen_cases[_i].any);
}
END_TEST

/* The host buffer's limit and one past it. */
START_TEST(listen_host_limit)
{
	struct addr_spec spec;

	memset(host_max, 'a', ADDR_HOST_MAX - 1);
	memcpy(host_max + ADDR_HOST_MAX - 1, ":70", 4);
	ck_assert_int_eq(addr_parse_listen(host_max, &spec), 0);
	ck_assert_uint_eq(strlen(spec.host), ADDR_HOST_MAX - 1);
	memset(host_over, 'a', ADDR_HOST_MAX);
	memcpy(host_over + ADDR_HOST_MAX, ":70", 4);
	ck_assert_int_eq(addr_parse_listen(host_over, &spec), -ENAMETOOLONG);
}
END_TEST

static struct sockaddr_in
v4(const char *ip, unsigned port)
{
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };

	ck_assert_int_eq(inet_pton(AF_INET, ip, &in.sin_addr), 1);
	return in;
}

static struct sockaddr_in6
v6(const char *ip, unsigned port)
{
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons((uint16_t)port) };

	ck_assert_int_eq(inet_pton(AF_INET6, ip, &in6.sin6_addr), 1);
	return in6;
}

static struct addr_key
key4(const char *ip)
{
	struct sockaddr_in in = v4(ip, 1);
	struct addr_key k;

	ck_assert_int_eq(addr_source_key((struct sockaddr *)&in, sizeof(in), &k), 0);
	return k;
}

static struct addr_key
key6(const char *ip)
{
	struct sockaddr_in6 in6 = v6(ip, 1);
	struct addr_key k;

	ck_assert_int_eq(addr_source_key((struct sockaddr *)&in6, sizeof(in6), &k), 0);
	return k;
}

static bool
same(struct addr_key a, struct addr_key b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

/* Rows: two peers, and whether -C counts them as one source. */
static const struct {
	const char	*a, *b;
	bool		 same;
} key_cases[] = {
	{ "2001:db8:1:2::1", "2001:db8:1:2:ffff:ffff:ffff:ffff", true },	/* one /64 */
	{ "2001:db8:1:2::1", "2001:db8:1:3::1", false },			/* next /64 */
	{ "2001:db8:1:2::1", "2001:db8:1:2::1", true },
	{ "::1", "::2", true },
	{ "::ffff:10.0.0.1", "::ffff:10.0.0.2", false },	/* IPv4 clients: whole address */
	{ "::ffff:10.0.0.1", "::ffff:10.0.0.1", true },
	{ "::ffff:10.0.0.1", "::ffff:0.0.0.0", false },
};

START_TEST(key_table)
{
	struct addr_key a = key6(key_cases[_i].a), b = key6(key_cases[_i].b);

	ck_assert(same(a, b) == key_cases[_i].same);
}
END_TEST

START_TEST(key_v4)
{
	struct addr_key a = key4("10.0.0.1"), mapped = key6("::ffff:10.0.0.1");

	ck_assert(same(a, mapped));		/* the same client on either socket */
	ck_assert(!same(a, key4("10.0.0.2")));
	ck_assert(!same(key4("0.0.0.0"), key6("::")));
}
END_TEST

START_TEST(key_hostile)
{
	struct sockaddr_in in = v4("10.0.0.1", 1);
	struct sockaddr_in6 in6 = v6("::1", 1);
	struct sockaddr_un_like { sa_family_t f; char path[8]; } un = { AF_UNIX, "x" };
	struct addr_key k, other;

	memset(&k, 0x5a, sizeof(k));
	other = k;
	ck_assert_int_eq(addr_source_key((struct sockaddr *)&in, sizeof(in) - 1, &k), -EINVAL);
	ck_assert_int_eq(addr_source_key((struct sockaddr *)&in6, sizeof(in6) - 1, &k), -EINVAL);
	ck_assert_int_eq(addr_source_key((struct sockaddr *)&in, 0, &k), -EINVAL);
	ck_assert(same(k, other));	/* untouched on failure */
	/* Other families share one key, and no IPv6 client has it. */
	ck_assert_int_eq(addr_source_key((struct sockaddr *)&un, sizeof(un), &k), 0);
	ck_assert_int_eq(addr_source_key((struct sockaddr *)&un, sizeof(sa_family_t), &other), 0);
	ck_assert(same(k, other));
	ck_assert(!same(k, key6("::")));
	ck_assert(!same(k, key6("fe80::1")));
}
END_TEST

static const struct {
	const char	*in;
	unsigned	 port;
	const char	*ip, *peer;
} fmt_cases[] = {
	{ "127.0.0.1", 7070, "127.0.0.1", "127.0.0.1:7070" },
	{ "255.255.255.255", 65535, "255.255.255.255", "255.255.255.255:65535" },
	{ "::1", 0, "::1", "[::1]:0" },
	{ "::ffff:10.1.2.3", 5, "10.1.2.3", "10.1.2.3:5" },	/* as the client spells it */
	{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535,	/* the longest text */
	  "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff",
	  "[ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff]:65535" },
	{ "0:0:0:0:0:ffff:255.255.255.255", 1, "255.255.255.255", "255.255.255.255:1" },
};

START_TEST(format_table)
{
	struct sockaddr_storage ss = { 0 };
	socklen_t len;
	struct addr_text t;
	char peer[ADDR_PEER_MAX];

	if (strchr(fmt_cases[_i].in, ':') != NULL) {
		struct sockaddr_in6 in6 = v6(fmt_cases[_i].in, fmt_cases[_i].port);

		memcpy(&ss, &in6, sizeof(in6));
		len = sizeof(in6);
	} else {
		struct sockaddr_in in = v4(fmt_cases[_i].in, fmt_cases[_i].port);

		memcpy(&ss, &in, sizeof(in));
		len = sizeof(in);
	}
	ck_assert_int_eq(addr_format((struct sockaddr *)&ss, len, &t), 0);
	ck_assert_str_eq(t.ip, fmt_cases[_i].ip);
	addr_peer(&t, peer, sizeof(peer));
	ck_assert_str_eq(peer, fmt_cases[_i].peer);
	ck_assert_int_eq(addr_format((struct sockaddr *)&ss, len - 1, &t), -EINVAL);
}
END_TEST

START_TEST(format_hostile)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNIX };
	struct addr_text t;

	ck_assert_int_eq(addr_format((struct sockaddr *)&ss, sizeof(ss), &t), -EAFNOSUPPORT);
	ck_assert_int_eq(addr_format((struct sockaddr *)&ss, 1, &t), -EINVAL);
}
END_TEST

/* Every program writes host and port this way: brackets exactly when the host holds a ':'. */
static const struct {
	const char	*host, *port;
	size_t		 size;
	const char	*out;
} join_cases[] = {
	{ "192.0.2.7", "4242", ADDR_PEER_MAX, "192.0.2.7:4242" },
	{ "2001:db8::1", "7", ADDR_PEER_MAX, "[2001:db8::1]:7" },
	{ "example.org", "7070", ADDR_PEER_MAX, "example.org:7070" },	/* fget's host names */
	{ "evil%0Aline", "-", ADDR_PEER_MAX, "evil%0Aline:-" },		/* escaped by the caller */
	{ "::1", "7070", 8, "[::1]:7" },				/* cut to fit */
	{ "::1", "7070", 1, "" },
};

START_TEST(join_table)
{
	char out[ADDR_PEER_MAX];

	ck_assert_ptr_eq(addr_join(join_cases[_i].host, join_cases[_i].port, out,
	    join_cases[_i].size), out);
	ck_assert_str_eq(out, join_cases[_i].out);
}
END_TEST

/* The longest address and port addr_format() can write fit ADDR_PEER_MAX whole. */
START_TEST(join_longest)
{
	struct addr_text t = { .ip = "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255", .port = "65535" };
	char out[ADDR_PEER_MAX];

	ck_assert_uint_eq(strlen(t.ip), ADDR_IP_MAX - 1);
	addr_peer(&t, out, sizeof(out));
	ck_assert_str_eq(out, "[ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255]:65535");
}
END_TEST

START_TEST(is_any)
{
	struct sockaddr_in a = v4("0.0.0.0", 1), b = v4("127.0.0.1", 1);
	struct sockaddr_in6 c = v6("::", 1), d = v6("::1", 1);

	ck_assert(addr_is_any((struct sockaddr *)&a, sizeof(a)));
	ck_assert(!addr_is_any((struct sockaddr *)&b, sizeof(b)));
	ck_assert(addr_is_any((struct sockaddr *)&c, sizeof(c)));
	ck_assert(!addr_is_any((struct sockaddr *)&d, sizeof(d)));
	ck_assert(!addr_is_any((struct sockaddr *)&c, sizeof(c) - 1));
}
END_TEST

/* A PROXY header's client, as text, back to a sockaddr: then it keys and prints like a peer. */
static const struct {
	int		 af;
	const char	*ip;
	uint16_t	 port;
	int		 r;
	const char	*peer;		/* addr_peer() of the result */
} ip_cases[] = {
	{ AF_INET, "192.0.2.1", 56324, 0, "192.0.2.1:56324" },
	{ AF_INET, "0.0.0.0", 0, 0, "0.0.0.0:0" },
	{ AF_INET, "255.255.255.255", 65535, 0, "255.255.255.255:65535" },
	{ AF_INET6, "2001:db8::7", 4000, 0, "[2001:db8::7]:4000" },
	{ AF_INET6, "::ffff:192.0.2.9", 1, 0, "192.0.2.9:1" },	/* mapped: an IPv4 client */
	{ AF_INET, "2001:db8::7", 1, -EINVAL, NULL },		/* the wrong family */
	{ AF_INET6, "192.0.2.1", 1, -EINVAL, NULL },
	{ AF_INET, "256.0.0.1", 1, -EINVAL, NULL },
	{ AF_INET, "", 1, -EINVAL, NULL },
	{ AF_INET, "192.0.2.1 ", 1, -EINVAL, NULL },
	{ AF_UNIX, "192.0.2.1", 1, -EAFNOSUPPORT, NULL },
};

START_TEST(from_ip_table)
{
	struct sockaddr_storage ss = { .ss_family = AF_UNSPEC };
	socklen_t len = 0;
	struct addr_text t;
	struct addr_key k, k2;
	char peer[ADDR_PEER_MAX];

	ck_assert_int_eq(addr_from_ip(ip_cases[_i].af, ip_cases[_i].ip, ip_cases[_i].port, &ss,
	    &len), ip_cases[_i].r);
	if (ip_cases[_i].r < 0) {
		ck_assert_int_eq(ss.ss_family, AF_UNSPEC);	/* untouched on failure */
		ck_assert_int_eq(len, 0);
		return;
	}
	ck_assert_int_eq(addr_format((struct sockaddr *)&ss, len, &t), 0);
	addr_peer(&t, peer, sizeof(peer));
	ck_assert_str_eq(peer, ip_cases[_i].peer);
	ck_assert_int_eq(addr_source_key((struct sockaddr *)&ss, len, &k), 0);
	if (strcmp(ip_cases[_i].ip, "::ffff:192.0.2.9") == 0) {
		/* The same client whichever family the balancer used to name it. */
		ck_assert_int_eq(addr_from_ip(AF_INET, "192.0.2.9", 1, &ss, &len), 0);
		ck_assert_int_eq(addr_source_key((struct sockaddr *)&ss, len, &k2), 0);
		ck_assert_mem_eq(k.b, k2.b, sizeof(k.b));
	}
}
END_TEST

Suite *
unit_suite(void)
{
	Suite *s = suite_create("addr");
	TCase *tc = tcase_create("addr");

	tcase_add_loop_test(tc, listen_table, 0, ARRAY_LEN(listen_cases));
	tcase_add_test(tc, listen_host_limit);
	tcase_add_loop_test(tc, key_table, 0, ARRAY_LEN(key_cases));
	tcase_add_test(tc, key_v4);
	tcase_add_test(tc, key_hostile);
	tcase_add_loop_test(tc, format_table, 0, ARRAY_LEN(fmt_cases));
	tcase_add_test(tc, format_hostile);
	tcase_add_loop_test(tc, join_table, 0, ARRAY_LEN(join_cases));
	tcase_add_test(tc, join_longest);
	tcase_add_test(tc, is_any);
	tcase_add_loop_test(tc, from_ip_table, 0, ARRAY_LEN(ip_cases));
	suite_add_tcase(s, tc);
	return s;
}
