/*
 * PROXY protocol v1 and v2 parser.  It works on a prefix, so a caller
 * can peek or read in pieces and ask again; it never reads past len and
 * never accepts more than PROXY_MAX bytes.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>

#include "parse.h"
#include "proxy.h"

static const uint8_t v2_sig[12] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A,
};

/* Is buf[0..len) a prefix of s (or s a prefix of buf)? */
static bool
prefix_match(const uint8_t *buf, size_t len, const void *s, size_t slen)
{
	return memcmp(buf, s, len < slen ? len : slen) == 0;
}

/* One v1 field: an address of family af, or a port of 1-5 digits. */
static int
v1_addr(const char *f, size_t len, int af, char *dst)
{
	char tmp[INET6_ADDRSTRLEN];
	uint8_t bin[16];

	if (len == 0 || len >= sizeof(tmp))
		return -EINVAL;
	memcpy(tmp, f, len);
	tmp[len] = '\0';
	if (inet_pton(af, tmp, bin) != 1)
		return -EINVAL;
	memcpy(dst, tmp, len + 1);
	return 0;
}

static int
v1_port(const char *f, size_t len, uint16_t *port)
{
	uint64_t v;

	if (len > 5 || (len > 1 && f[0] == '0') || parse_u64(f, len, &v) < 0 || v > 65535)
		return -EINVAL;
	*port = (uint16_t)v;
	return 0;
}

/* "PROXY TCP4 src dst sport dport" without its CRLF; fields at single spaces. */
static int
v1_fields(const char *s, size_t len, struct proxy_info *p)
{
	const char *f[6];
	size_t fl[6], i, n = 0, start = 0;

	for (i = 0; i <= len && n < 6; i++) {
		if (i < len && s[i] != ' ')
			continue;
		f[n] = s + start;
		fl[n++] = i - start;
		start = i + 1;
	}
	if (n >= 2 && fl[1] == 7 && memcmp(f[1], "UNKNOWN", 7) == 0) {
		p->local = true;	/* the rest of the line is to be ignored */
		return 0;
	}
	if (n != 6 || start != len + 1 || fl[1] != 4)
		return -EINVAL;
	if (memcmp(f[1], "TCP4", 4) == 0)
		p->family = AF_INET;
	else if (memcmp(f[1], "TCP6", 4) == 0)
		p->family = AF_INET6;
	else
		return -EINVAL;
	if (v1_addr(f[2], fl[2], p->family, p->src_ip) < 0 ||
	    v1_addr(f[3], fl[3], p->family, p->dst_ip) < 0 ||
	    v1_port(f[4], fl[4], &p->src_port) < 0 || v1_port(f[5], fl[5], &p->dst_port) < 0)
		return -EINVAL;
	return 0;
}

static int
parse_v1(const uint8_t *buf, size_t len, struct proxy_info *p)
{
	const uint8_t *lf = memchr(buf, '\n', len < PROXY_V1_MAX ? len : PROXY_V1_MAX);
	size_t n;

	if (lf == NULL)
		return len >= PROXY_V1_MAX ? -EMSGSIZE : 0;
	n = (size_t)(lf - buf);
	if (n < 1 || buf[n - 1] != '\r' || memchr(buf, '\0', n) != NULL)
		return -EINVAL;
	if (v1_fields((const char *)buf, n - 1, p) < 0)
		return -EINVAL;
	return (int)n + 1;
}

static void
v2_ntop(int af, const uint8_t *a, char *dst)
{
	/* Cannot fail: af is ours and dst holds INET6_ADDRSTRLEN. */
	(void)inet_ntop(af, a, dst, INET6_ADDRSTRLEN);
}

static int
parse_v2(const uint8_t *buf, size_t len, struct proxy_info *p)
{
	size_t body, total;
	uint8_t cmd, fam;

	if (len < 16)
		return 0;
	cmd = buf[12];
	fam = buf[13];
	body = (size_t)buf[14] << 8 | buf[15];
	total = 16 + body;
	if ((cmd >> 4) != 2 || (cmd & 0x0F) > 1)
		return -EINVAL;
	if (total > PROXY_V2_MAX)
		return -EMSGSIZE;
	if (len < total)
		return 0;
	p->local = true;	/* LOCAL, UNSPEC, UDP, UNIX: keep the real peer */
	if ((cmd & 0x0F) == 1 && fam == 0x11) {
		if (body < 12)
			return -EINVAL;
		p->local = false;
		p->family = AF_INET;
		v2_ntop(AF_INET, buf + 16, p->src_ip);
		v2_ntop(AF_INET, buf + 20, p->dst_ip);
		p->src_port = (uint16_t)(buf[24] << 8 | buf[25]);
		p->dst_port = (uint16_t)(buf[26] << 8 | buf[27]);
	} else if ((cmd & 0x0F) == 1 && fam == 0x21) {
		if (body < 36)
			return -EINVAL;
		p->local = false;
		p->family = AF_INET6;
		v2_ntop(AF_INET6, buf + 16, p->src_ip);
		v2_ntop(AF_INET6, buf + 32, p->dst_ip);
		p->src_port = (uint16_t)(buf[48] << 8 | buf[49]);
		p->dst_port = (uint16_t)(buf[50] << 8 | buf[51]);
	}
	return (int)total;
}

int
proxy_parse(const uint8_t *buf, size_t len, struct proxy_info *ret)
{
	struct proxy_info p;
	int r;

	memset(&p, 0, sizeof(p));
	if (len == 0)
		return 0;
	if (prefix_match(buf, len, v2_sig, sizeof(v2_sig)))
		r = len < sizeof(v2_sig) ? 0 : parse_v2(buf, len, &p);
	else if (prefix_match(buf, len, "PROXY ", 6))
		r = len < 6 ? 0 : parse_v1(buf, len, &p);
	else
		return -EINVAL;
	if (r > 0)
		*ret = p;
	return r;
}
