/* resolve: per-thread address sets. A lookup runs on libuv's thread pool; its answer
 * replaces the set (up to ZF_RESOLVE_ADDR_MAX addresses, duplicates dropped) or, on
 * failure, leaves the last good set in place so connections already open keep working
 * while new ones report the failure through status. */
#include "loadgen/resolve.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum { KIND_NAME, KIND_LITERAL, KIND_INVALID };

/* Lookups that fail are retried sooner than a normal TTL. */
#define RETRY_MAX_NS ZF_S

int zf_sockaddr_equal(const zf_sockaddr_t *a, const zf_sockaddr_t *b)
{
    if (a->sa.sa_family != b->sa.sa_family)
        return 0;
    if (a->sa.sa_family == AF_INET)
        return a->in4.sin_port == b->in4.sin_port &&
               a->in4.sin_addr.s_addr == b->in4.sin_addr.s_addr;
    if (a->sa.sa_family == AF_INET6)
        return a->in6.sin6_port == b->in6.sin6_port &&
               a->in6.sin6_scope_id == b->in6.sin6_scope_id &&
               memcmp(&a->in6.sin6_addr, &b->in6.sin6_addr, sizeof a->in6.sin6_addr) == 0;
    return 0;
}

int zf_resolver_has(const zf_resolver_t *r, const zf_sockaddr_t *addr)
{
    for (uint32_t i = 0; i < r->naddr; i++)
        if (zf_sockaddr_equal(&r->addr[i], addr))
            return 1;
    return 0;
}

/* ".invalid" or a name ending in it (case-insensitive), with or without a final dot. */
static int invalid_tld(const char *host)
{
    size_t n = strlen(host);
    if (n > 0 && host[n - 1] == '.')
        n--;
    if (n < 7)
        return 0;
    return strncasecmp(host + n - 7, "invalid", 7) == 0 && (n == 7 || host[n - 8] == '.');
}

static int parse_literal(zf_resolver_t *r, uint16_t port)
{
    zf_sockaddr_t *a = &r->addr[0];
    memset(a, 0, sizeof *a);
    if (r->family != AF_INET6 && uv_ip4_addr(r->host, port, &a->in4) == 0)
        return 1;
    memset(a, 0, sizeof *a);
    if (r->family != AF_INET && uv_ip6_addr(r->host, port, &a->in6) == 0)
        return 1;
    return 0;
}

int zf_resolver_init(zf_resolver_t *r, uv_loop_t *loop, const char *host, uint16_t port,
                     int family, zf_time_t ttl_ns, zf_resolver_cb cb, void *data)
{
    memset(r, 0, sizeof *r);
    r->loop = loop;
    r->cb = cb;
    r->data = data;
    r->family = family;
    r->ttl_ns = ttl_ns > 0 ? ttl_ns : 60 * ZF_S;
    r->retry_ns = r->ttl_ns < RETRY_MAX_NS ? r->ttl_ns : RETRY_MAX_NS;
    r->status = ZF_RESOLVE_PENDING;
    snprintf(r->host, sizeof r->host, "%s", host);
    snprintf(r->service, sizeof r->service, "%u", (unsigned)port);
    if (parse_literal(r, port)) {
        r->kind = KIND_LITERAL;
        r->naddr = 1;
    } else {
        r->kind = invalid_tld(host) ? KIND_INVALID : KIND_NAME;
    }
    int rc = uv_timer_init(loop, &r->timer);
    if (rc < 0)
        return rc;
    r->timer.data = r;
    r->handles = 1;
    return 0;
}

/* Copies an answer into the set; returns 1 when the set changed. */
static int take_answer(zf_resolver_t *r, const struct addrinfo *res)
{
    zf_sockaddr_t next[ZF_RESOLVE_ADDR_MAX];
    uint32_t n = 0;
    for (const struct addrinfo *ai = res; ai && n < ZF_RESOLVE_ADDR_MAX; ai = ai->ai_next) {
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        zf_sockaddr_t a;
        memset(&a, 0, sizeof a);
        memcpy(&a, ai->ai_addr,
               ai->ai_addrlen < sizeof a ? ai->ai_addrlen : sizeof a);
        int dup = 0;
        for (uint32_t i = 0; i < n && !dup; i++)
            dup = zf_sockaddr_equal(&next[i], &a);
        if (!dup)
            next[n++] = a;
    }
    int changed = n != r->naddr;
    for (uint32_t i = 0; i < n && !changed; i++)
        changed = !zf_resolver_has(r, &next[i]);
    if (changed) {
        memcpy(r->addr, next, n * sizeof *next);
        memset(r->bad_until, 0, sizeof r->bad_until);
        r->naddr = n;
        r->next = 0;
    }
    return changed;
}

static void lookup(zf_resolver_t *r);

static void on_timer(uv_timer_t *t) { lookup(t->data); }

static void schedule(zf_resolver_t *r, zf_time_t after_ns)
{
    uint64_t ms = (uint64_t)((after_ns + ZF_MS - 1) / ZF_MS);
    uv_timer_start(&r->timer, on_timer, ms, 0);
}

static void maybe_closed(zf_resolver_t *r)
{
    if (r->closing && !r->in_flight && !r->handles && r->close_cb)
        r->close_cb(r);
}

static void on_answer(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    zf_resolver_t *r = req->data;
    r->in_flight = 0;
    if (r->closing) {
        uv_freeaddrinfo(res);
        maybe_closed(r);
        return;
    }
    int changed = 0;
    if (status == 0) {
        changed = take_answer(r, res);
        if (r->naddr == 0)
            status = UV_EAI_NODATA;
    }
    uv_freeaddrinfo(res);
    if (status < 0)
        r->failures++;
    r->status = status;
    schedule(r, status == 0 ? r->ttl_ns : r->retry_ns);
    if (r->cb)
        r->cb(r, status, changed);
}

static void lookup(zf_resolver_t *r)
{
    if (r->closing || r->in_flight)
        return;
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = r->family;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV; /* no AI_ADDRCONFIG: loopback-only hosts need it off */
    r->req.data = r;
    r->lookups++;
    int rc = uv_getaddrinfo(r->loop, &r->req, on_answer, r->host, r->service, &hints);
    if (rc < 0) {
        r->failures++;
        r->status = rc;
        schedule(r, r->retry_ns);
        return;
    }
    r->in_flight = 1;
}

void zf_resolver_start(zf_resolver_t *r)
{
    switch (r->kind) {
    case KIND_LITERAL:
        r->status = 0;
        break;
    case KIND_INVALID:
        r->status = UV_EAI_NONAME;
        r->failures++;
        break;
    default:
        lookup(r);
        break;
    }
}

const zf_sockaddr_t *zf_resolver_pick(zf_resolver_t *r, zf_time_t now, uint32_t *index)
{
    if (r->naddr == 0)
        return NULL;
    uint32_t start = r->next % r->naddr, i = start;
    do {
        if (r->bad_until[i] <= now)
            break;
        i = (i + 1) % r->naddr;
    } while (i != start);
    r->next = i + 1;
    *index = i;
    return &r->addr[i];
}

void zf_resolver_mark_bad(zf_resolver_t *r, uint32_t index, zf_time_t now, zf_time_t hold_ns)
{
    if (index < r->naddr)
        r->bad_until[index] = now + hold_ns;
}

static void on_timer_closed(uv_handle_t *h)
{
    zf_resolver_t *r = h->data;
    r->handles = 0;
    maybe_closed(r);
}

void zf_resolver_close(zf_resolver_t *r, void (*close_cb)(zf_resolver_t *r))
{
    if (r->closing)
        return;
    r->closing = 1;
    r->close_cb = close_cb;
    if (r->in_flight)
        uv_cancel((uv_req_t *)&r->req); /* if it already runs, its answer is dropped */
    if (r->handles)
        uv_close((uv_handle_t *)&r->timer, on_timer_closed);
    else
        maybe_closed(r);
}
