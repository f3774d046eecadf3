/*
 * Addresses as pure functions: filesvc-inetd's -l argument and the
 * per-source key that -C counts, and for every program the text that a
 * child's environment and the log lines carry.  Nothing here does I/O.
 */
#ifndef FS_ADDR_H
#define FS_ADDR_H

#include <stdbool.h>
#include <stdint.h>

#include <netdb.h>
#include <netinet/in.h>
#include <sys/socket.h>

/* A host name in -l: what getaddrinfo() accepts, NUL included. */
#define ADDR_HOST_MAX	NI_MAXHOST
/* An address as text, NUL included: the longest IPv6 form. */
#define ADDR_IP_MAX	INET6_ADDRSTRLEN
/* A port as text, NUL included: "65535". */
#define ADDR_PORT_MAX	6
/* "ip:port" or "[ip]:port" for log lines, NUL included: addr_join() of an addr_text. */
#define ADDR_PEER_MAX	(ADDR_IP_MAX + ADDR_PORT_MAX + 3)

/* A parsed -l argument. */
struct addr_spec {
	char		host[ADDR_HOST_MAX];	/* "" with any */
	uint16_t	port;			/* 0: the kernel picks one (it is logged) */
	bool		any;			/* every address, IPv4 and IPv6 */
};

/* Which client a connection counts against for -C. */
struct addr_key {
	unsigned char	b[16];
};

/* An address and port as the child's environment spells them. */
struct addr_text {
	char	ip[ADDR_IP_MAX];
	char	port[ADDR_PORT_MAX];
};

/*
 * Parse a -l argument: HOST:PORT, [IPV6]:PORT, *:PORT or :PORT.  The port
 * is decimal, 0-65535.  An IPv6 address needs its brackets (the last ':'
 * would be ambiguous without them), and brackets hold only an address.
 * Returns 0, -EINVAL for the wrong shape, -ERANGE for a bad port or
 * -ENAMETOOLONG for a host that does not fit.  *ret is set only on success.
 */
int addr_parse_listen(const char *spec, struct addr_spec *ret);

/*
 * The -C key of a peer: an IPv4 address whole (stored IPv4-mapped, so a
 * client counts the same on an IPv4 and a dual-stack socket), an IPv6
 * address by its /64, since one host commonly holds a whole /64.  An
 * IPv4-mapped IPv6 address is an IPv4 client and is kept whole.  Peers
 * of any other family share one key.  Returns 0, or -EINVAL when len is
 * too short for the family.
 */
int addr_source_key(const struct sockaddr *sa, socklen_t len, struct addr_key *ret);

/*
 * Address and port of an AF_INET or AF_INET6 sockaddr as text; an
 * IPv4-mapped IPv6 address is written as plain IPv4, as a client would
 * spell it.  Returns 0, -EAFNOSUPPORT or -EINVAL (len too short).
 */
int addr_format(const struct sockaddr *sa, socklen_t len, struct addr_text *ret);

/*
 * The sockaddr for address text ip of family af (AF_INET or AF_INET6)
 * and port, as a PROXY header names the client: the key and text
 * functions above then treat it like a peer from accept4().  Returns 0,
 * -EAFNOSUPPORT, or -EINVAL when ip is not an address of that family.
 */
int addr_from_ip(int af, const char *ip, uint16_t port, struct sockaddr_storage *ret,
    socklen_t *ret_len);

/*
 * The one way to write an address with its port: "host:port", or
 * "[host]:port" when host holds a ':' (an IPv6 literal), into dst (size
 * bytes, cut to fit, NUL-terminated).  host and port are text as they
 * are: escaping remote-controlled ones is the caller's.  Returns dst.
 */
char *addr_join(const char *host, const char *port, char *dst, size_t size);

/* addr_join() of an addr_format() result; ADDR_PEER_MAX bytes always fit. */
void addr_peer(const struct addr_text *t, char *dst, size_t size);

/* Whether sa is the unspecified address (0.0.0.0 or ::) of its family. */
bool addr_is_any(const struct sockaddr *sa, socklen_t len);

#endif
