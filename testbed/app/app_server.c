/* app_server: connection handling of the app service on libuv. Each connection embeds
 * its request reader, its database job and its buffers, so serving allocates nothing per
 * request. Reading stops while a request is in flight (back-pressure), and bytes of a
 * pipelined next request are kept until the current answer is written; then reading
 * starts again for the next request, until either side closes. */
#include "app_server.h"

#include "app_db.h"
#include "app_http.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define READ_BUF 16384
#define OUT_BUF 2048

struct zf_app_server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_timer_t ping;
    zf_app_config_t cfg;
    zf_app_pool_t *pool;
    zf_app_job_t ping_job;     /* the idle database ping, owned here */
    struct conn *conns;        /* doubly linked, for shutdown */
    bool closing;
    int open_handles;          /* listener and ping timer not yet closed: frees at 0 */
};

typedef struct conn {
    uv_tcp_t tcp;
    zf_app_server_t *srv;
    struct conn *prev, *next;
    zf_app_req_t req;
    zf_app_job_t job;
    uv_write_t wr;
    bool in_flight;          /* job submitted or response being written */
    bool peer_gone;          /* close once the job comes back */
    bool closing;
    bool close_after_write;
    char rbuf[READ_BUF];
    char pend[READ_BUF];     /* unparsed bytes of the next pipelined request */
    size_t pend_len;
    char out[OUT_BUF];
} conn_t;

static void process(conn_t *c, const char *data, size_t len);
static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void on_conn_closed(uv_handle_t *h)
{
    conn_t *c = h->data;
    zf_app_req_free(&c->req);
    free(c);
}

static void conn_close(conn_t *c)
{
    if (c->closing)
        return;
    c->closing = true;
    if (c->prev)
        c->prev->next = c->next;
    else
        c->srv->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    uv_close((uv_handle_t *)&c->tcp, on_conn_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    conn_t *c = h->data;
    *buf = uv_buf_init(c->rbuf, sizeof c->rbuf);
}

static void on_written(uv_write_t *wr, int status)
{
    conn_t *c = wr->data;
    c->in_flight = false;
    if (status < 0 || c->close_after_write || c->peer_gone || c->srv->closing) {
        conn_close(c);
        return;
    }
    zf_app_req_next(&c->req);
    if (c->pend_len > 0) {
        /* Move the pending bytes out first: process() may store a new remainder. */
        char tmp[READ_BUF];
        size_t n = c->pend_len;
        memcpy(tmp, c->pend, n);
        c->pend_len = 0;
        process(c, tmp, n);
        if (c->in_flight || c->closing)
            return;
    }
    /* keep-alive: read the next request; the peer's close (or an error) ends it in on_read */
    if (uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read) < 0)
        conn_close(c);
}

static void respond(conn_t *c, int status, const char *body)
{
    bool keep = c->req.keep_alive && !c->req.error_status && !c->srv->closing;
    size_t n = zf_app_response(c->out, sizeof c->out, status, body, keep);
    if (n == 0)
        n = zf_app_response(c->out, sizeof c->out, 500, "{\"error\":\"response too large\"}",
                            false);
    c->close_after_write = !keep;
    c->in_flight = true;
    uv_buf_t b = uv_buf_init(c->out, (unsigned)n);
    c->wr.data = c;
    if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) < 0)
        conn_close(c);
}

static void respond_error(conn_t *c, int status, const char *msg)
{
    char body[256];
    snprintf(body, sizeof body, "{\"error\":\"%s\"}", msg);
    respond(c, status, body);
}

static void respond_health(conn_t *c)
{
    zf_app_pool_stats_t st;
    zf_app_pool_stats(c->srv->pool, &st);
    char body[512], err[sizeof st.last_error];
    size_t j = 0;
    for (size_t i = 0; st.last_error[i] && j + 1 < sizeof err; i++) /* JSON-safe copy */
        if (st.last_error[i] != '"' && st.last_error[i] != '\\' && (unsigned char)st.last_error[i] >= 0x20)
            err[j++] = st.last_error[i];
    err[j] = 0;
    const char *db = st.db_state == 1 ? "up" : st.db_state == 0 ? "down" : "unknown";
    snprintf(body, sizeof body,
             "{\"status\":\"ok\",\"instance\":\"%s\",\"zone\":\"%s\",\"db\":\"%s\","
             "\"workers\":%d,\"busy\":%d,\"queued\":%d,\"queue_max\":%d,"
             "\"db_error\":\"%s\"}",
             c->srv->cfg.name, c->srv->cfg.zone, db, st.workers, st.busy, st.queued,
             st.queue_max, st.db_state == 0 ? err : "");
    respond(c, 200, body);
}

/* A complete request: answer it or submit it to the pool. */
static void dispatch(conn_t *c)
{
    zf_app_req_t *r = &c->req;
    zf_app_route_t route;
    int status = zf_app_route(r->method, r->url, r->url_len, &route);
    if (status) {
        respond_error(c, status, status == 404 ? "no such route" : "method not allowed");
        return;
    }
    if (route.kind == ZF_APP_HEALTH) {
        respond_health(c);
        return;
    }
    zf_app_job_t *job = &c->job;
    memset(job, 0, sizeof *job);
    job->kind = route.kind;
    job->device = route.device;
    job->write_id = route.write_id;
    job->owner = c;
    if (route.kind == ZF_APP_REPORT || route.kind == ZF_APP_GPS) {
        char msg[128];
        status = zf_app_write_params(r->has_write_id ? r->write_id : NULL,
                                     r->has_seq ? r->seq : NULL, r->body, r->body_len,
                                     &job->write_id, &job->seq, msg, sizeof msg);
        if (status) {
            respond_error(c, status, msg);
            return;
        }
    }
    if (zf_app_pool_submit(c->srv->pool, job) != 0) {
        respond_error(c, 503, "overloaded: every worker busy and the queue full");
        return;
    }
    c->in_flight = true;
}

static void process(conn_t *c, const char *data, size_t len)
{
    size_t used = zf_app_req_feed(&c->req, data, len);
    if (c->req.error_status) {
        uv_read_stop((uv_stream_t *)&c->tcp);
        respond_error(c, c->req.error_status, "malformed or oversized request");
        return;
    }
    if (!c->req.complete)
        return;
    uv_read_stop((uv_stream_t *)&c->tcp);
    c->pend_len = len - used;
    memcpy(c->pend, data + used, c->pend_len);
    dispatch(c);
}

static void on_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn_t *c = s->data;
    if (nread < 0) {
        if (c->in_flight)
            c->peer_gone = true; /* closed when the job or write comes back */
        else
            conn_close(c);
        uv_read_stop(s);
        return;
    }
    if (nread > 0)
        process(c, buf->base, (size_t)nread);
}

static void on_job_done(zf_app_job_t *job)
{
    conn_t *c = job->owner;
    if (c->peer_gone || c->closing) {
        c->in_flight = false;
        conn_close(c);
        return;
    }
    respond(c, job->status, job->body);
}

static void on_connection(uv_stream_t *l, int status)
{
    zf_app_server_t *srv = l->data;
    if (status < 0 || srv->closing)
        return;
    conn_t *c = calloc(1, sizeof *c);
    if (!c || zf_app_req_init(&c->req) != 0) {
        free(c);
        return;
    }
    c->srv = srv;
    uv_tcp_init(srv->loop, &c->tcp);
    c->tcp.data = c;
    c->next = srv->conns;
    if (srv->conns)
        srv->conns->prev = c;
    srv->conns = c;
    if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
        conn_close(c);
        return;
    }
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* Keeps /health's "db" field fresh while idle: a SELECT 1 through the pool when nothing
 * is queued or running; the job's owner is set while it is out. */
static void on_ping_done(zf_app_job_t *job) { job->owner = NULL; }

static void on_ping(uv_timer_t *t)
{
    zf_app_server_t *srv = t->data;
    zf_app_job_t *job = &srv->ping_job;
    zf_app_pool_stats_t st;
    zf_app_pool_stats(srv->pool, &st);
    if (job->owner || st.queued > 0 || st.busy > 0)
        return;
    memset(job, 0, sizeof *job);
    job->kind = ZF_APP_HEALTH;
    job->owner = srv;
    if (zf_app_pool_submit(srv->pool, job) != 0)
        job->owner = NULL;
}

/* Completions come back here: connection jobs, or the server's ping job. */
static void on_done(zf_app_job_t *job)
{
    if (job->kind == ZF_APP_HEALTH)
        on_ping_done(job);
    else
        on_job_done(job);
}

int zf_app_server_start(uv_loop_t *loop, const zf_app_config_t *cfg,
                        zf_app_server_t **out, char *msg, size_t msg_size)
{
    struct sockaddr_in addr;
    int rc = uv_ip4_addr(cfg->listen_ip, cfg->listen_port, &addr);
    if (rc) {
        snprintf(msg, msg_size, "bad listen address %s:%d", cfg->listen_ip, cfg->listen_port);
        return rc;
    }
    zf_app_server_t *srv = calloc(1, sizeof *srv);
    if (!srv) {
        snprintf(msg, msg_size, "out of memory");
        return UV_ENOMEM;
    }
    srv->loop = loop;
    srv->cfg = *cfg;
    rc = zf_app_pool_new(loop, cfg->conninfo, cfg->workers, cfg->queue_max, on_done,
                         &srv->pool);
    if (rc) {
        snprintf(msg, msg_size, "cannot start %d database worker threads", cfg->workers);
        if (srv->pool)
            zf_app_pool_destroy(srv->pool);
        free(srv);
        return UV_ENOMEM;
    }
    uv_tcp_init(loop, &srv->listener);
    srv->listener.data = srv;
    uv_timer_init(loop, &srv->ping);
    srv->ping.data = srv;
    rc = uv_tcp_bind(&srv->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&srv->listener, 1024, on_connection);
    if (rc) {
        snprintf(msg, msg_size, "cannot listen on %s:%d: %s", cfg->listen_ip,
                 cfg->listen_port, uv_strerror(rc));
        *out = srv;
        zf_app_server_close(srv);
        *out = NULL;
        return rc;
    }
    uv_timer_start(&srv->ping, on_ping, 0, 1000);
    *out = srv;
    return 0;
}

/* The server is freed when both its handles are closed. libuv runs close callbacks in no
 * promised order (this libuv runs them last closed, first called), so neither may free
 * it alone: the other's handle lives inside it. */
static void on_server_handle_closed(uv_handle_t *h)
{
    zf_app_server_t *srv = h->data;
    if (--srv->open_handles == 0)
        free(srv);
}

void zf_app_server_close(zf_app_server_t *srv)
{
    srv->closing = true;
    uv_timer_stop(&srv->ping);
    /* Jobs still out complete with 503 inside destroy, before connections close. */
    zf_app_pool_destroy(srv->pool);
    while (srv->conns) {
        conn_t *c = srv->conns;
        if (c->in_flight)
            c->peer_gone = true;
        conn_close(c);
    }
    srv->open_handles = 2;
    uv_close((uv_handle_t *)&srv->ping, on_server_handle_closed);
    uv_close((uv_handle_t *)&srv->listener, on_server_handle_closed);
}
