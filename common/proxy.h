/*
 * The PROXY protocol header (HAProxy's proxy-protocol.txt, versions 1 and
 * 2) that a load balancer puts in front of a connection to tell the
 * backend who the client is.  Bytes from the balancer are untrusted like
 * any other: the parser is bounded and refuses on the first bad byte.
 */
#ifndef FS_PROXY_H
#define FS_PROXY_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* v1 is at most 107 bytes; v2 is 16 + a length we cap (TLVs beyond this are refused). */
#define PROXY_V1_MAX	107
#define PROXY_V2_MAX	(16 + 512)
#define PROXY_MAX	PROXY_V2_MAX

struct proxy_info {
	bool		local;		/* v2 LOCAL, v1 UNKNOWN, or a family we do not use: keep the real peer */
	int		family;		/* AF_INET or AF_INET6 when !local */
	char		src_ip[INET6_ADDRSTRLEN];
	char		dst_ip[INET6_ADDRSTRLEN];
	uint16_t	src_port, dst_port;
};

/*
 * Parse the header at buf[0..len).  Returns its length (> 0) when it is
 * complete, 0 when more bytes are needed (len is a prefix of a valid
 * header), -EINVAL when it is malformed or not a PROXY header at all,
 * -EMSGSIZE when it would be longer than PROXY_MAX.  *ret is set only
 * when a length is returned.
 */
int proxy_parse(const uint8_t *buf, size_t len, struct proxy_info *ret);

#endif
