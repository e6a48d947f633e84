/* resolve: the addresses of one target host as one engine thread sees them. Resolved with
 * uv_getaddrinfo and again every TTL, so a deployment that fails over by DNS is followed;
 * new connections take the addresses in turn (round robin) and skip, for a while, one
 * that refused. Literal addresses need no lookup, and names under ".invalid" fail at once
 * without a query (RFC 6761, section 6.4). */
#ifndef ZF_RESOLVE_H
#define ZF_RESOLVE_H

#include <netinet/in.h>
#include <stdint.h>
#include <sys/socket.h>
#include <uv.h>

#include "engine/clock.h"
#include "loadgen/url.h"

#define ZF_RESOLVE_ADDR_MAX 16
#define ZF_RESOLVE_PENDING 1 /* status before the first answer */

typedef union zf_sockaddr {
    struct sockaddr sa;
    struct sockaddr_in in4;
    struct sockaddr_in6 in6;
} zf_sockaddr_t;

typedef struct zf_resolver zf_resolver_t;

/* Called on the loop after each lookup: status 0 or a negative UV_EAI_* code; changed is 1
 * when the address set differs from the previous one. Not called after zf_resolver_close. */
typedef void (*zf_resolver_cb)(zf_resolver_t *r, int status, int changed);

struct zf_resolver {
    uv_loop_t *loop;
    uv_getaddrinfo_t req;
    uv_timer_t timer;
    zf_resolver_cb cb;
    void (*close_cb)(zf_resolver_t *r);
    void *data;                     /* the caller's */
    char host[ZF_URL_HOST_MAX];
    char service[8];
    int family;                     /* AF_UNSPEC, AF_INET or AF_INET6 */
    zf_time_t ttl_ns, retry_ns;     /* period after an answer, after a failure */
    zf_sockaddr_t addr[ZF_RESOLVE_ADDR_MAX];
    zf_time_t bad_until[ZF_RESOLVE_ADDR_MAX];
    uint32_t naddr, next;
    int status;                     /* 0, ZF_RESOLVE_PENDING or a negative UV_EAI_* */
    uint8_t kind, in_flight, closing, handles;
    uint64_t lookups, failures;     /* lookups done (literals count none) and failed */
};

/* Prepares r for host:port on loop (no lookup yet). family: AF_UNSPEC, AF_INET or AF_INET6.
 * ttl_ns > 0 is the re-resolution period; after a failure the next try comes after
 * min(ttl_ns, 1 s). 0 or a negative libuv code. */
int zf_resolver_init(zf_resolver_t *r, uv_loop_t *loop, const char *host, uint16_t port,
                     int family, zf_time_t ttl_ns, zf_resolver_cb cb, void *data);

/* Starts resolving. A literal is ready (status 0) and an ".invalid" name failed
 * (UV_EAI_NONAME) when this returns, without a callback; a name is looked up
 * asynchronously (status stays ZF_RESOLVE_PENDING until the callback). */
void zf_resolver_start(zf_resolver_t *r);

/* Next address in turn for a new connection at `now`, skipping addresses marked bad
 * unless all are; NULL when none is known. *index receives its slot. */
const zf_sockaddr_t *zf_resolver_pick(zf_resolver_t *r, zf_time_t now, uint32_t *index);

/* A connection to slot `index` failed (refused, unreachable): skip it for hold_ns. */
void zf_resolver_mark_bad(zf_resolver_t *r, uint32_t index, zf_time_t now, zf_time_t hold_ns);

/* 1 when addr is in the current set (a connection to an address that left it retires). */
int zf_resolver_has(const zf_resolver_t *r, const zf_sockaddr_t *addr);

/* Stops lookups and closes the timer; close_cb (may be NULL) runs on the loop once no
 * libuv request or handle of r is left (an in-flight lookup is waited for). */
void zf_resolver_close(zf_resolver_t *r, void (*close_cb)(zf_resolver_t *r));

/* Equality of two socket addresses (family, address, port). */
int zf_sockaddr_equal(const zf_sockaddr_t *a, const zf_sockaddr_t *b);

#endif
