/*
 * Who is on the other end of fd 0, for log lines: the address a
 * super-server put in the environment (REMOTE_ADDR/REMOTE_PORT from
 * systemd, TCPREMOTEIP/TCPREMOTEPORT from UCSPI servers), else the
 * socket's peer.  Shared by the handler and filesvc-tlsd.
 */
#ifndef FS_PEER_H
#define FS_PEER_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Write "ip:port" ("[ip]:port" for IPv6) into dst (size bytes), escaped
 * with log_escape() since the environment may carry anything; "-" when
 * nothing says.
 */
void peer_describe(char *dst, size_t size);

/*
 * The address and port of the socket fd's peer, ip as inet_ntop() writes
 * it (IPv4-mapped IPv6 as IPv4).  false when fd is no TCP socket.
 */
bool peer_address(int fd, char *ip, size_t ipsize, unsigned *ret_port);

#endif
