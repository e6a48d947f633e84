/* pool: the connections of one URL on one engine thread. A request takes an idle
 * keep-alive connection, or opens one while the pool is under its cap, or waits in FIFO
 * order (that wait counts in its latency). A new connection belongs to the request that
 * opened it, so a refused or timed-out connect fails exactly that request; addresses are
 * tried in turn before giving up. Every failure is mapped to its cause, never returned. */
#include "loadgen/worker.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* How long an address that refused a connection is skipped by new connections. */
#define BAD_ADDR_HOLD_NS ZF_S

static void conn_send(lg_conn_t *c, lg_req_t *req);
static void pool_drain(lg_pool_t *p);
static void conn_close(lg_conn_t *c);

/* ---- causes ---- */

static zf_cause_t connect_cause(int uverr)
{
    switch (uverr) {
    case UV_ECONNREFUSED: return ZF_CAUSE_CONNECT_REFUSED;
    case UV_ETIMEDOUT: return ZF_CAUSE_CONNECT_TIMEOUT;
    case UV_ECONNRESET: return ZF_CAUSE_RESET;
    default: return ZF_CAUSE_NETWORK; /* unreachable, out of ports or descriptors */
    }
}

static zf_cause_t status_cause(int status)
{
    if (status >= 500)
        return ZF_CAUSE_HTTP_5XX;
    if (status >= 400)
        return ZF_CAUSE_HTTP_4XX;
    return ZF_CAUSE_OK;
}

/* ---- queue ---- */

static void enqueue(lg_pool_t *p, lg_req_t *req)
{
    req->state = REQ_QUEUED;
    req->pool = p;
    req->next = NULL;
    req->prev = p->qtail;
    if (p->qtail)
        p->qtail->next = req;
    else
        p->qhead = req;
    p->qtail = req;
    p->nqueued++;
    lg_worker_t *w = p->w;
    if (++w->nqueued > w->stats.max_queued_seen)
        w->stats.max_queued_seen = w->nqueued;
}

void lg_pool_unqueue(lg_pool_t *p, lg_req_t *req)
{
    assert(req->state == REQ_QUEUED);
    if (req->prev)
        req->prev->next = req->next;
    else
        p->qhead = req->next;
    if (req->next)
        req->next->prev = req->prev;
    else
        p->qtail = req->prev;
    req->prev = req->next = NULL;
    req->state = REQ_HELD;
    p->nqueued--;
    if (p->w->nqueued-- == p->w->cfg->max_queued)
        lg_kick(p->w); /* the source may be asked again */
}

/* ---- connection memory and lists ---- */

/* A connection struct from the free list or the heap, not yet linked anywhere. */
static lg_conn_t *conn_alloc(lg_worker_t *w)
{
    lg_conn_t *c = w->free_conns;
    if (c)
        w->free_conns = c->next;
    else if (!(c = malloc(sizeof *c)))
        return NULL;
    memset(c, 0, offsetof(lg_conn_t, resp));
    c->pool = NULL;
    c->req = NULL;
    c->prev = c->next = c->aprev = c->anext = NULL;
    c->tls = NULL;
    c->tls_out = NULL;
    c->tls_out_cap = 0;
    c->state = CONN_CONNECTING;
    c->attempts = c->writing = c->retire = 0;
    return c;
}

/* Links c into the worker's list of connections with a live handle. */
static void conn_link(lg_worker_t *w, lg_conn_t *c)
{
    c->anext = w->conns;
    c->aprev = NULL;
    if (w->conns)
        w->conns->aprev = c;
    w->conns = c;
}

static void idle_push(lg_pool_t *p, lg_conn_t *c)
{
    c->state = CONN_IDLE;
    c->prev = NULL;
    c->next = p->idle;
    if (p->idle)
        p->idle->prev = c;
    p->idle = c;
}

static void idle_remove(lg_pool_t *p, lg_conn_t *c)
{
    if (c->prev)
        c->prev->next = c->next;
    else
        p->idle = c->next;
    if (c->next)
        c->next->prev = c->prev;
    c->prev = c->next = NULL;
}

static void on_closed(uv_handle_t *h)
{
    lg_conn_t *c = (lg_conn_t *)h;
    lg_worker_t *w = c->pool->w;
    if (c->req) {
        lg_req_t *req = c->req;
        c->req = NULL;
        req->conn = NULL;
        assert(req->state == REQ_DONE);
        lg_req_release(w, req);
    }
    zf_tls_free(c->tls);
    free(c->tls_out);
    if (c->aprev)
        c->aprev->anext = c->anext;
    else
        w->conns = c->anext;
    if (c->anext)
        c->anext->aprev = c->aprev;
    c->next = w->free_conns;
    w->free_conns = c;
}

/* Starts closing c; its request (if any) must have been completed. Does not drain. */
static void conn_close(lg_conn_t *c)
{
    if (c->state == CONN_CLOSING)
        return;
    lg_pool_t *p = c->pool;
    if (c->state == CONN_IDLE)
        idle_remove(p, c);
    zf_theap_remove(&p->w->conn_dl, &c->dl);
    c->state = CONN_CLOSING;
    p->open--;
    p->w->nopen--;
    uv_close((uv_handle_t *)&c->tcp, on_closed);
}

/* Ends c's request (if still open) with cause and closes c. The response state is the
 * request's only once it went out on c (CONN_BUSY): before that (connecting, TLS
 * handshake) it is what c's memory held from an earlier use, and the request got no
 * answer at all (status 0, no body). */
static void conn_fail(lg_conn_t *c, zf_cause_t cause)
{
    if (c->req && c->req->state != REQ_DONE) {
        bool answered = c->state == CONN_BUSY;
        lg_complete(c->pool->w, c->req, cause, answered ? c->resp.status : 0,
                    answered ? c->resp.body_bytes : 0);
    }
    conn_close(c);
}

void lg_conn_fail_request(lg_conn_t *c, zf_cause_t cause)
{
    lg_pool_t *p = c->pool;
    conn_fail(c, cause);
    pool_drain(p);
}

/* ---- opening ---- */

static void on_connect(uv_connect_t *creq, int status);

/* Opens a connection for req (attempt number `attempts`); always consumes req: on a
 * synchronous failure req is completed. */
static void conn_open(lg_pool_t *p, lg_req_t *req, uint8_t attempts)
{
    lg_worker_t *w = p->w;
    zf_time_t now = lg_now(w);
    uint32_t idx = 0;
    const zf_sockaddr_t *a = zf_resolver_pick(&p->res, now, &idx);
    if (!a) {
        lg_complete(w, req, ZF_CAUSE_DNS, 0, 0);
        lg_req_release(w, req);
        return;
    }
    lg_conn_t *c = conn_alloc(w);
    if (!c || uv_tcp_init(&w->loop, &c->tcp) < 0) {
        if (c) { /* not a handle yet: straight back to the free list */
            c->next = w->free_conns;
            w->free_conns = c;
        }
        lg_complete(w, req, ZF_CAUSE_NETWORK, 0, 0);
        lg_req_release(w, req);
        return;
    }
    conn_link(w, c);
    c->pool = p;
    c->addr = *a;
    c->addr_index = idx;
    c->attempts = attempts;
    p->open++;
    if (++w->nopen > w->stats.max_open_seen)
        w->stats.max_open_seen = w->nopen;
    w->stats.connects++;
    c->req = req;
    req->conn = c;
    req->pool = p;
    req->state = REQ_ON_CONN;
    uv_tcp_nodelay(&c->tcp, 1);
    int rc = uv_tcp_connect(&c->creq, &c->tcp, &c->addr.sa, on_connect);
    if (rc < 0) {
        w->stats.connect_failures++;
        conn_fail(c, connect_cause(rc));
        return;
    }
    c->dl.at = now + w->cfg->connect_timeout_ns;
    if (zf_theap_push(&w->conn_dl, &c->dl) == 0)
        lg_arm_deadlines(w);
}

/* A connect (or handshake) failed with cause: try the next address while there is one
 * and the request is still waiting, else fail the request. */
static void connect_failed(lg_conn_t *c, zf_cause_t cause)
{
    lg_pool_t *p = c->pool;
    lg_worker_t *w = p->w;
    w->stats.connect_failures++;
    zf_resolver_mark_bad(&p->res, c->addr_index, lg_now(w), BAD_ADDR_HOLD_NS);
    lg_req_t *req = c->req;
    uint8_t next_attempt = (uint8_t)(c->attempts + 1);
    if (req && req->state == REQ_ON_CONN && !w->stopping && !c->writing &&
        next_attempt < p->res.naddr) {
        c->req = NULL;
        req->conn = NULL;
        conn_close(c);
        conn_open(p, req, next_attempt);
        return;
    }
    conn_fail(c, cause);
    pool_drain(p);
}

void lg_conn_expired(lg_conn_t *c)
{
    connect_failed(c, ZF_CAUSE_CONNECT_TIMEOUT);
}

/* ---- writing ---- */

static void on_written(uv_write_t *wreq, int status);

/* Writes buf[0..n): as much as the socket takes now, the rest through uv_write.
 * Returns 0 or a negative libuv error. */
static int conn_write(lg_conn_t *c, char *buf, size_t n)
{
    uv_buf_t b = uv_buf_init(buf, (unsigned)n);
    int k = uv_try_write((uv_stream_t *)&c->tcp, &b, 1);
    if (k == (int)n)
        return 0;
    if (k < 0 && k != UV_EAGAIN)
        return k;
    if (k > 0)
        b = uv_buf_init(buf + k, (unsigned)(n - (size_t)k));
    int rc = uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, on_written);
    c->writing = rc == 0;
    return rc;
}

/* Sends the TLS session's pending ciphertext (one write in flight at a time). */
static int tls_flush(lg_conn_t *c)
{
    if (c->writing)
        return 0;
    size_t n = zf_tls_pending(c->tls);
    if (n == 0)
        return 0;
    if (n > c->tls_out_cap) {
        char *b = realloc(c->tls_out, n);
        if (!b)
            return UV_ENOMEM;
        c->tls_out = b;
        c->tls_out_cap = (uint32_t)n;
    }
    n = zf_tls_take(c->tls, c->tls_out, n);
    c->pool->w->stats.bytes_out += n;
    return conn_write(c, c->tls_out, n);
}

static void on_written(uv_write_t *wreq, int status)
{
    lg_conn_t *c = (lg_conn_t *)wreq->handle;
    c->writing = 0;
    if (c->state == CONN_CLOSING || status == UV_ECANCELED)
        return;
    if (status < 0 || (c->tls && tls_flush(c) < 0))
        lg_conn_fail_request(c, ZF_CAUSE_RESET);
}

static void conn_send(lg_conn_t *c, lg_req_t *req)
{
    lg_worker_t *w = c->pool->w;
    c->req = req;
    req->conn = c;
    req->pool = c->pool;
    req->state = REQ_ON_CONN;
    c->state = CONN_BUSY;
    zf_http_resp_start(&c->resp, req->head);
    if (req->keep_body)
        zf_http_resp_keep(&c->resp, &req->keep);
    lg_record_send(w, req);
    int rc;
    if (c->tls) {
        rc = zf_tls_write(c->tls, req->wire, req->wire_len) < 0 ? UV_EPROTO : tls_flush(c);
    } else {
        w->stats.bytes_out += req->wire_len;
        rc = conn_write(c, req->wire, req->wire_len);
    }
    if (rc < 0)
        lg_conn_fail_request(c, ZF_CAUSE_RESET);
}

/* ---- reading ---- */

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)hint;
    lg_worker_t *w = ((lg_conn_t *)h)->pool->w;
    *buf = uv_buf_init(w->rbuf, LG_RBUF_BYTES);
}

/* c carried a complete response: complete its request, then reuse or close c. */
static void response_done(lg_conn_t *c, int extra)
{
    lg_pool_t *p = c->pool;
    lg_worker_t *w = p->w;
    lg_req_t *req = c->req;
    int keep = c->resp.keep_alive && !req->new_conn && !c->writing && !extra && !c->retire &&
               !w->stopping;
    if (extra)
        w->stats.unsolicited++;
    lg_complete(w, req, status_cause(c->resp.status), c->resp.status, c->resp.body_bytes);
    if (c->writing) { /* answered before it was fully sent: the write still holds req */
        conn_close(c);
        pool_drain(p);
        return;
    }
    c->req = NULL;
    req->conn = NULL;
    lg_req_release(w, req);
    if (!keep) {
        conn_close(c);
        pool_drain(p);
        return;
    }
    lg_req_t *head = p->qhead;
    if (head && !head->new_conn) {
        lg_pool_unqueue(p, head);
        conn_send(c, head);
        return;
    }
    idle_push(p, c);
    if (head)
        pool_drain(p); /* a fresh-connection request may take this one's place */
}

/* Plaintext from the server on c. */
static void conn_data(lg_conn_t *c, const char *data, size_t n)
{
    lg_worker_t *w = c->pool->w;
    if (c->state != CONN_BUSY || !c->req) {
        w->stats.unsolicited++; /* nothing asked: a confused or hostile server */
        conn_close(c);
        pool_drain(c->pool);
        return;
    }
    size_t used = 0;
    int rc = zf_http_resp_feed(&c->resp, data, n, &used);
    if (rc == ZF_HTTP_DONE)
        response_done(c, used < n);
    else if (rc == ZF_HTTP_ERROR)
        lg_conn_fail_request(c, ZF_CAUSE_MALFORMED);
}

static void conn_eof(lg_conn_t *c)
{
    if (c->state != CONN_BUSY || !c->req) {
        lg_pool_t *p = c->pool;
        conn_close(c); /* the server closed an idle keep-alive connection */
        pool_drain(p);
        return;
    }
    int rc = zf_http_resp_eof(&c->resp);
    if (rc == ZF_HTTP_DONE) {
        c->resp.keep_alive = 0;
        response_done(c, 0);
    } else {
        lg_conn_fail_request(c, rc == ZF_HTTP_ERROR ? ZF_CAUSE_MALFORMED : ZF_CAUSE_RESET);
    }
}

static void handshake_done(lg_conn_t *c)
{
    lg_worker_t *w = c->pool->w;
    w->stats.tls_handshakes++;
    zf_theap_remove(&w->conn_dl, &c->dl);
    assert(c->req && c->req->state == REQ_ON_CONN); /* an expired request closed c */
    conn_send(c, c->req);
}

/* Ciphertext from the server: run the session, hand plaintext on, stop when c closes. */
static void tls_data(lg_conn_t *c, const char *data, size_t n)
{
    lg_worker_t *w = c->pool->w;
    if (zf_tls_feed(c->tls, data, n) < 0) {
        lg_conn_fail_request(c, ZF_CAUSE_NETWORK);
        return;
    }
    for (;;) {
        int k = zf_tls_read(c->tls, w->plain, LG_PLAIN_BYTES);
        if (tls_flush(c) < 0) {
            lg_conn_fail_request(c, ZF_CAUSE_RESET);
            return;
        }
        if (k == ZF_TLS_ERR) {
            w->stats.tls_failures++;
            if (c->state == CONN_HANDSHAKE)
                w->stats.connect_failures++;
            lg_conn_fail_request(c, ZF_CAUSE_MALFORMED);
            return;
        }
        if (k == ZF_TLS_EOF) {
            conn_eof(c);
            return;
        }
        if (c->state == CONN_HANDSHAKE && zf_tls_ready(c->tls))
            handshake_done(c);
        if (k == 0 || c->state == CONN_CLOSING)
            return;
        conn_data(c, w->plain, (size_t)k);
        if (c->state == CONN_CLOSING)
            return;
    }
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    lg_conn_t *c = (lg_conn_t *)s;
    if (c->state == CONN_CLOSING || nread == 0)
        return;
    if (nread == UV_EOF) {
        if (c->state == CONN_HANDSHAKE)
            connect_failed(c, ZF_CAUSE_RESET);
        else
            conn_eof(c);
        return;
    }
    if (nread < 0) {
        if (c->state == CONN_HANDSHAKE)
            connect_failed(c, ZF_CAUSE_RESET);
        else
            lg_conn_fail_request(c, ZF_CAUSE_RESET);
        return;
    }
    c->pool->w->stats.bytes_in += (uint64_t)nread;
    if (c->tls)
        tls_data(c, buf->base, (size_t)nread);
    else
        conn_data(c, buf->base, (size_t)nread);
}

static void on_connect(uv_connect_t *creq, int status)
{
    lg_conn_t *c = (lg_conn_t *)creq->handle;
    if (c->state == CONN_CLOSING)
        return;
    lg_pool_t *p = c->pool;
    lg_worker_t *w = p->w;
    if (status < 0) {
        zf_theap_remove(&w->conn_dl, &c->dl);
        connect_failed(c, connect_cause(status));
        return;
    }
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0) {
        lg_conn_fail_request(c, ZF_CAUSE_NETWORK);
        return;
    }
    if (!p->url->tls) {
        zf_theap_remove(&w->conn_dl, &c->dl);
        conn_send(c, c->req);
        return;
    }
    c->state = CONN_HANDSHAKE;
    if (zf_tls_new(&c->tls, w->tls, p->url->host, NULL) < 0) {
        lg_conn_fail_request(c, ZF_CAUSE_NETWORK);
        return;
    }
    tls_data(c, NULL, 0); /* ClientHello */
}

/* ---- the pool ---- */

static void on_resolved(zf_resolver_t *r, int status, int changed)
{
    lg_pool_t *p = r->data;
    lg_worker_t *w = p->w;
    if (!p->answered) {
        p->answered = 1;
        if (w->dns_pending > 0 && --w->dns_pending == 0 && w->dns_waiting)
            uv_stop(&w->loop); /* the start was waiting for first answers */
    }
    if (status == 0 && changed) {
        /* a moved name: connections to addresses that left the set retire */
        for (lg_conn_t *c = w->conns; c; c = c->anext)
            if (c->pool == p && c->state != CONN_CLOSING && !zf_resolver_has(r, &c->addr))
                c->retire = 1;
        for (lg_conn_t *c = p->idle, *next; c; c = next) {
            next = c->next;
            if (c->retire)
                conn_close(c);
        }
    }
    pool_drain(p);
}

int lg_pool_init(lg_pool_t *p, lg_worker_t *w, const zf_url_t *url, uint32_t target,
                 uint32_t cap)
{
    memset(p, 0, sizeof *p);
    p->w = w;
    p->url = url;
    p->target = target;
    p->cap = cap ? cap : 1;
    int family = w->cfg->dns_family == 4 ? AF_INET : w->cfg->dns_family == 6 ? AF_INET6 : AF_UNSPEC;
    int rc = zf_resolver_init(&p->res, &w->loop, url->host, url->port, family,
                              w->cfg->dns_ttl_ns, on_resolved, p);
    if (rc < 0)
        return rc;
    return 0;
}

void lg_pool_start(lg_pool_t *p)
{
    zf_resolver_start(&p->res);
    if (p->res.status == ZF_RESOLVE_PENDING)
        p->w->dns_pending++;
}

/* Moves waiting requests onto new connections while the cap allows; fails them all with
 * cause dns when the name does not resolve. */
static void pool_drain(lg_pool_t *p)
{
    lg_worker_t *w = p->w;
    if (w->stopping)
        return;
    while (p->qhead) {
        lg_req_t *head = p->qhead;
        if (p->res.naddr == 0) {
            if (p->res.status == ZF_RESOLVE_PENDING)
                return;
            lg_pool_unqueue(p, head);
            lg_complete(w, head, ZF_CAUSE_DNS, 0, 0);
            lg_req_release(w, head);
            continue;
        }
        if (p->idle && !head->new_conn) {
            lg_conn_t *c = p->idle;
            idle_remove(p, c);
            lg_pool_unqueue(p, head);
            conn_send(c, head);
        } else if (p->open < p->cap) {
            lg_pool_unqueue(p, head);
            conn_open(p, head, 0);
        } else if (p->idle) {
            conn_close(p->idle); /* makes room for a fresh connection */
        } else {
            return;
        }
    }
}

void lg_pool_submit(lg_pool_t *p, lg_req_t *req)
{
    req->pool = p;
    if (!p->qhead) {
        if (p->idle && !req->new_conn) {
            lg_conn_t *c = p->idle;
            idle_remove(p, c);
            conn_send(c, req);
            return;
        }
        if (p->res.naddr > 0 && p->open < p->cap) {
            conn_open(p, req, 0);
            return;
        }
    }
    enqueue(p, req);
    pool_drain(p);
}

/* Run end: queued requests end as timeouts (the caller counts them incomplete). */
void lg_pool_stop(lg_pool_t *p)
{
    lg_worker_t *w = p->w;
    while (p->qhead) {
        lg_req_t *req = p->qhead;
        lg_pool_unqueue(p, req);
        lg_complete(w, req, ZF_CAUSE_TIMEOUT, 0, 0);
        lg_req_release(w, req);
    }
}

/* Run end: every connection closes; requests on them end as timeouts. */
void lg_conns_stop(lg_worker_t *w)
{
    for (lg_conn_t *c = w->conns; c; c = c->anext)
        if (c->state != CONN_CLOSING)
            conn_fail(c, ZF_CAUSE_TIMEOUT);
}

void lg_conns_free(lg_worker_t *w)
{
    assert(!w->conns);
    while (w->free_conns) {
        lg_conn_t *c = w->free_conns;
        w->free_conns = c->next;
        free(c);
    }
}
