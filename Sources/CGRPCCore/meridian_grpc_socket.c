#define _GNU_SOURCE
#include "meridian_grpc_internal.h"

#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <netdb.h>
#include <unistd.h>
#include <sys/socket.h>
#include <poll.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <grpc/grpc_posix.h>
#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>


// Plain sockets: our own listener and accept loop, the listener probe, and why a bind failed.
// Splits host:port ("[::1]:80" too) and resolves it for a passive TCP socket.
static int resolve_address(const char *address, struct addrinfo **found) {
    char host[256];
    const char *colon = strrchr(address, ':');
    if (colon == NULL || (size_t)(colon - address) >= sizeof(host)) return EINVAL;
    size_t host_length = (size_t)(colon - address);
    memcpy(host, address, host_length);
    host[host_length] = 0;
    char *start = host;
    if (host_length >= 2 && host[0] == '[' && host[host_length - 1] == ']') {
        host[host_length - 1] = 0;
        start = host + 1;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE;
    return getaddrinfo(*start ? start : NULL, colon + 1, &hints, found) != 0 ? EINVAL : 0;
}

int mgrpc_listen(const char *address, int *port) {
    struct addrinfo *found = NULL;
    int error = resolve_address(address, &found);
    if (error != 0) return -error;
    int fd = -1;
    error = EADDRNOTAVAIL;
    // The first address that binds: a host name with several (localhost: ::1 and
    // 127.0.0.1) gets one listener, unlike gRPC core's one per address.
    for (struct addrinfo *each = found; each != NULL && fd < 0; each = each->ai_next) {
        fd = socket(each->ai_family, each->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, each->ai_protocol);
        if (fd < 0) { error = errno; continue; }
        int on = 1;
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof(on));
        if (bind(fd, each->ai_addr, each->ai_addrlen) != 0 || listen(fd, 4096) != 0) {
            error = errno;
            close(fd);
            fd = -1;
        }
    }
    freeaddrinfo(found);
    if (fd < 0) return -error;
    struct sockaddr_storage bound;
    socklen_t length = sizeof(bound);
    if (getsockname(fd, (struct sockaddr *)&bound, &length) != 0) { error = errno; close(fd); return -error; }
    *port = bound.ss_family == AF_INET6 ? ntohs(((struct sockaddr_in6 *)&bound)->sin6_port)
                                        : ntohs(((struct sockaddr_in *)&bound)->sin_port);
    return fd;
}

int mgrpc_wait_readable(int fd, int timeout_ms) {
    struct pollfd waiting = { fd, POLLIN, 0 };
    int ready = poll(&waiting, 1, timeout_ms);
    return ready < 0 ? -errno : ready;
}

int mgrpc_accept(int listen_fd, int timeout_ms, char *peer, size_t peer_capacity) {
    struct pollfd waiting = { listen_fd, POLLIN, 0 };
    int ready = poll(&waiting, 1, timeout_ms);
    if (ready < 0) return -errno;
    if (ready == 0) return -EAGAIN;
    struct sockaddr_storage address;
    socklen_t length = sizeof(address);
    int fd = accept4(listen_fd, (struct sockaddr *)&address, &length, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) return -errno;
    int on = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof(on));
    char text[INET6_ADDRSTRLEN] = "";
    if (peer_capacity > 0) {
        if (address.ss_family == AF_INET6) {
            struct sockaddr_in6 *v6 = (struct sockaddr_in6 *)&address;
            inet_ntop(AF_INET6, &v6->sin6_addr, text, sizeof(text));
            snprintf(peer, peer_capacity, "ipv6:[%s]:%d", text, ntohs(v6->sin6_port));
        } else if (address.ss_family == AF_INET) {
            struct sockaddr_in *v4 = (struct sockaddr_in *)&address;
            inet_ntop(AF_INET, &v4->sin_addr, text, sizeof(text));
            snprintf(peer, peer_capacity, "ipv4:%s:%d", text, ntohs(v4->sin_port));
        } else {
            peer[0] = 0;
        }
    }
    return fd;
}

int mgrpc_probe_listener(const char *host, int port, int timeout_ms) {
    struct addrinfo hints, *found = NULL;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    char service[16];
    snprintf(service, sizeof(service), "%d", port);
    if (getaddrinfo(host, service, &hints, &found) != 0 || found == NULL) return -EINVAL;
    int fd = socket(found->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) { int error = errno; freeaddrinfo(found); return -error; }
    int result = 0;
    if (connect(fd, found->ai_addr, found->ai_addrlen) != 0 && errno != EINPROGRESS) {
        result = -errno;
    } else {
        struct pollfd waiting = { fd, POLLOUT, 0 };
        if (poll(&waiting, 1, timeout_ms) != 1 || (waiting.revents & (POLLERR | POLLHUP))) {
            result = -ECONNREFUSED;
        } else {
            static const char preface[] = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
            if (send(fd, preface, sizeof(preface) - 1, MSG_NOSIGNAL) < 0) {
                result = -errno;
            } else {
                waiting.events = POLLIN;
                waiting.revents = 0;
                result = poll(&waiting, 1, timeout_ms) == 1 ? 1 : 0;
            }
        }
    }
    close(fd);
    freeaddrinfo(found);
    return result;
}

// gRPC core reports a failed bind as port 0, without the reason. Binding the
// same address once more, without SO_REUSEADDR or SO_REUSEPORT, tells whether
// another socket holds it, so the error can say "in use".
int mgrpc_address_bind_errno(const char *address) {
    struct addrinfo *found = NULL;
    if (resolve_address(address, &found) != 0) return EINVAL;
    int result = 0;
    for (struct addrinfo *each = found; each != NULL; each = each->ai_next) {
        int fd = socket(each->ai_family, each->ai_socktype | SOCK_CLOEXEC, each->ai_protocol);
        if (fd < 0) { result = errno; continue; }
        int failed = bind(fd, each->ai_addr, each->ai_addrlen);
        int error = errno;
        close(fd);
        if (failed != 0) { result = error; if (error == EADDRINUSE) break; }
    }
    freeaddrinfo(found);
    return result;
}

