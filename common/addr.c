/*
 * Addresses as pure functions: the -l argument (from the command line,
 * trusted but checked), and peer addresses from accept4() or
 * getpeername() (the kernel's, so well-formed, but the length is still
 * checked before each read).
 */
#include <arpa/inet.h>
#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "addr.h"
#include "parse.h"

/* Split "[v6]:port" into host and the text after the ':'. */
static int
split_bracketed(const char *spec, const char **ret_host, size_t *ret_len, const char **ret_port)
{
	const char *end = strchr(spec, ']');
	size_t len;

	if (end == NULL || end[1] != ':')
		return -EINVAL;
	len = (size_t)(end - (spec + 1));
	/* Brackets are for IPv6 only: "[*]" or "[host]" is a typo, not a wish. */
	if (len == 0 || memchr(spec + 1, ':', len) == NULL || memchr(spec + 1, '[', len) != NULL)
		return -EINVAL;
	*ret_host = spec + 1;
	*ret_len = len;
	*ret_port = end + 2;
	return 0;
}

int
addr_parse_listen(const char *spec, struct addr_spec *ret)
{
	const char *host, *port, *colon;
	size_t len;
	uint64_t v;
	bool any = false;
	int r;

	if (spec[0] == '[') {
		if ((r = split_bracketed(spec, &host, &len, &port)) < 0)
			return r;
	} else {
		if ((colon = strrchr(spec, ':')) == NULL)
			return -EINVAL;
		host = spec;
		len = (size_t)(colon - spec);
		port = colon + 1;
		/* "::1:70" could mean port 70 or port 1:70; make the user say. */
		if (memchr(host, ':', len) != NULL || memchr(host, ']', len) != NULL)
			return -EINVAL;
		any = len == 0 || (len == 1 && host[0] == '*');
	}
	if (parse_u64(port, strlen(port), &v) < 0 || v > 65535)
		return -ERANGE;
	if (len >= sizeof(ret->host))
		return -ENAMETOOLONG;
	if (any)
		len = 0;
	memcpy(ret->host, host, len);
	ret->host[len] = '\0';
	ret->port = (uint16_t)v;
	ret->any = any;
	return 0;
}

int
addr_source_key(const struct sockaddr *sa, socklen_t len, struct addr_key *ret)
{
	struct addr_key k;

	if (len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	memset(&k, 0, sizeof(k));
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		if (len < (socklen_t)sizeof(*in))
			return -EINVAL;
		k.b[10] = 0xff;
		k.b[11] = 0xff;
		memcpy(k.b + 12, &in->sin_addr, 4);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;

		if (len < (socklen_t)sizeof(*in6))
			return -EINVAL;
		memcpy(k.b, &in6->sin6_addr, 16);
		if (!IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr))
			memset(k.b + 8, 0, 8);
	} else {
		/* ff..ff/64 is multicast: never a TCP peer, so no IP client shares it. */
		memset(k.b, 0xff, sizeof(k.b));
	}
	*ret = k;
	return 0;
}

int
addr_format(const struct sockaddr *sa, socklen_t len, struct addr_text *ret)
{
	struct addr_text t;
	unsigned port;

	if (len < (socklen_t)sizeof(sa_family_t))
		return -EINVAL;
	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *in = (const struct sockaddr_in *)sa;

		if (len < (socklen_t)sizeof(*in))
			return -EINVAL;
		if (inet_ntop(AF_INET, &in->sin_addr, t.ip, sizeof(t.ip)) == NULL)
			return -errno;
		port = ntohs(in->sin_port);
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)sa;
		const unsigned char *a = in6->sin6_addr.s6_addr;

		if (len < (socklen_t)sizeof(*in6))
			return -EINVAL;
		if (IN6_IS_ADDR_V4MAPPED(&in6->sin6_addr)) {
			if (inet_ntop(AF_INET, a + 12, t.ip, sizeof(t.ip)) == NULL)
				return -errno;
		} else if (inet_ntop(AF_INET6, a, t.ip, sizeof(t.ip)) == NULL) {
			return -errno;
		}
		port = ntohs(in6->sin6_port);
	} else {
		return -EAFNOSUPPORT;
	}
	(void)snprintf(t.port, sizeof(t.port), "%u", port);	/* <= 65535 always fits */
	*ret = t;
	return 0;
}

int
addr_from_ip(int af, const char *ip, uint16_t port, struct sockaddr_storage *ret,
    socklen_t *ret_len)
{
	struct sockaddr_storage ss;

	memset(&ss, 0, sizeof(ss));
	if (af == AF_INET) {
		struct sockaddr_in *in = (struct sockaddr_in *)&ss;

		in->sin_family = AF_INET;
		in->sin_port = htons(port);
		if (inet_pton(AF_INET, ip, &in->sin_addr) != 1)
			return -EINVAL;
		*ret_len = sizeof(*in);
	} else if (af == AF_INET6) {
		struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&ss;

		in6->sin6_family = AF_INET6;
		in6->sin6_port = htons(port);
		if (inet_pton(AF_INET6, ip, &in6->sin6_addr) != 1)
			return -EINVAL;
		*ret_len = sizeof(*in6);
	} else {
		return -EAFNOSUPPORT;
	}
	*ret = ss;
	return 0;
}

char *
addr_join(const char *host, const char *port, char *dst, size_t size)
{
	/* Without brackets, the port of an IPv6 address would read as its last group. */
	(void)snprintf(dst, size, strchr(host, ':') != NULL ? "[%s]:%s" : "%s:%s", host, port);
	return dst;
}

void
addr_peer(const struct addr_text *t, char *dst, size_t size)
{
	addr_join(t->ip, t->port, dst, size);
}

bool
addr_is_any(const struct sockaddr *sa, socklen_t len)
{
	if (len >= (socklen_t)sizeof(struct sockaddr_in) && sa->sa_family == AF_INET)
		return ((const struct sockaddr_in *)sa)->sin_addr.s_addr == htonl(INADDR_ANY);
	if (len >= (socklen_t)sizeof(struct sockaddr_in6) && sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_UNSPECIFIED(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return false;
}
