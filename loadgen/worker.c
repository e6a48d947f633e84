/* worker: one engine thread. Pulls requests from the source at their intended instants
 * (a timerfd gives ns precision where libuv timers give ms), passes the max-rps ceiling,
 * hands each to its URL's pool, expires deadlines, records every completion, and tears
 * everything down at the hard end. Nothing here is shared with another thread. */
#include "loadgen/worker.h"

#include <assert.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/timerfd.h>
#include <unistd.h>

/* Dispatches per pump before I/O gets a turn (a late source must not starve reads). */
#define PUMP_BUDGET 1024
/* Wire buffers above this are given back when their request ends (memory stays bounded
 * after a few large requests). */
#define WIRE_KEEP_MAX (64 * 1024)
/* A source that asks to be called again "now" is called again this much later. */
#define SOURCE_RETRY_NS (50 * ZF_US)
#define HOUSE_PERIOD_MS 50

static void worker_stop(lg_worker_t *w);
static void pump(lg_worker_t *w);

/* ---- request slots ---- */

static lg_req_t *req_alloc(lg_worker_t *w)
{
    lg_req_t *r = w->free_reqs;
    if (r) {
        w->free_reqs = r->next;
    } else if (!(r = calloc(1, sizeof *r))) {
        return NULL;
    }
    r->prev = r->next = NULL;
    r->conn = NULL;
    r->pool = NULL;
    r->dl.pos = 0;
    r->sent = -1;
    r->throttled = 0;
    r->keep.len = 0;
    return r;
}

void lg_req_release(lg_worker_t *w, lg_req_t *req)
{
    assert(req->state == REQ_DONE && !req->conn);
    req->state = REQ_FREE;
    if (req->wire_cap > WIRE_KEEP_MAX) {
        free(req->wire);
        req->wire = NULL;
        req->wire_cap = 0;
    }
    req->next = w->free_reqs;
    w->free_reqs = req;
}

static void reqs_free(lg_worker_t *w)
{
    while (w->free_reqs) {
        lg_req_t *r = w->free_reqs;
        w->free_reqs = r->next;
        free(r->wire);
        free(r->keep.buf);
        free(r);
    }
}

/* ---- timers ---- */

/* Arms the timerfd for `at` (ns from the start; ZF_TIME_MAX disarms it), rounded up to
 * the pacing grid so that requests due close together share one wake-up. */
static void tfd_arm(lg_worker_t *w, zf_time_t at)
{
    zf_time_t tick = w->cfg->pace_tick_ns;
    if (at != ZF_TIME_MAX && tick > 0 && at > 0)
        at = (at + tick - 1) / tick * tick;
    if (at == w->tfd_at)
        return;
    struct itimerspec its;
    memset(&its, 0, sizeof its);
    if (at != ZF_TIME_MAX) {
        zf_time_t abs = w->t0 + at;
        if (abs < 1)
            abs = 1; /* 0 would disarm */
        its.it_value.tv_sec = abs / ZF_S;
        its.it_value.tv_nsec = abs % ZF_S;
    }
    if (timerfd_settime(w->tfd, TFD_TIMER_ABSTIME, &its, NULL) == 0)
        w->tfd_at = at;
}

static void on_tfd(uv_poll_t *h, int status, int events)
{
    (void)status;
    (void)events;
    lg_worker_t *w = h->data;
    uint64_t expirations;
    ssize_t n = read(w->tfd, &expirations, sizeof expirations);
    (void)n; /* EAGAIN after a re-arm is fine: the new instant is armed */
    w->tfd_at = ZF_TIME_MAX;
    pump(w);
}

static void req_expired(lg_worker_t *w, lg_req_t *req)
{
    switch (req->state) {
    case REQ_HELD:
        assert(w->held == req);
        w->held = NULL;
        lg_complete(w, req, ZF_CAUSE_TIMEOUT, 0, 0);
        lg_req_release(w, req);
        lg_kick(w);
        break;
    case REQ_QUEUED:
        lg_pool_unqueue(req->pool, req);
        lg_complete(w, req, ZF_CAUSE_TIMEOUT, 0, 0);
        lg_req_release(w, req);
        break;
    case REQ_ON_CONN:
        lg_conn_fail_request(req->conn, ZF_CAUSE_TIMEOUT);
        break;
    default:
        assert(0 && "a finished request left in the deadline heap");
    }
}

static void on_deadline(uv_timer_t *t)
{
    lg_worker_t *w = t->data;
    w->dl_at = ZF_TIME_MAX;
    zf_time_t now = lg_now(w);
    zf_theap_node_t *n;
    while ((n = zf_theap_min(&w->req_dl)) && n->at <= now && !w->stopping) {
        zf_theap_pop(&w->req_dl);
        req_expired(w, (lg_req_t *)((char *)n - offsetof(lg_req_t, dl)));
    }
    while ((n = zf_theap_min(&w->conn_dl)) && n->at <= now && !w->stopping) {
        zf_theap_pop(&w->conn_dl);
        lg_conn_expired((lg_conn_t *)((char *)n - offsetof(lg_conn_t, dl)));
    }
    lg_arm_deadlines(w);
}

/* Makes the deadline timer fire by the earliest deadline (ms resolution is enough for
 * timeouts; an early wake-up finds nothing due and re-arms). */
void lg_arm_deadlines(lg_worker_t *w)
{
    zf_theap_node_t *a = zf_theap_min(&w->req_dl), *b = zf_theap_min(&w->conn_dl);
    zf_time_t at = ZF_TIME_MAX;
    if (a)
        at = a->at;
    if (b && b->at < at)
        at = b->at;
    if (at >= w->dl_at || w->stopping)
        return;
    zf_time_t wait = at - lg_now(w);
    uint64_t ms = wait <= 0 ? 0 : (uint64_t)((wait + ZF_MS - 1) / ZF_MS);
    w->dl_at = at;
    uv_update_time(&w->loop); /* ms counted from now, not from the iteration's start */
    uv_timer_start(&w->dl_timer, on_deadline, ms, 0);
}

static void on_end(uv_timer_t *t) { worker_stop(t->data); }

static void on_house(uv_timer_t *t)
{
    lg_worker_t *w = t->data;
    if (atomic_load_explicit(w->plan->stop_flag, memory_order_relaxed)) {
        w->stats.stopped = 1;
        worker_stop(w);
    }
}

/* ---- completion ---- */

void lg_record_send(lg_worker_t *w, lg_req_t *req)
{
    req->sent = lg_now(w);
    w->stats.sent++;
    zf_hist_record(&w->stats.lag, req->sent - req->t);
}

void lg_complete(lg_worker_t *w, lg_req_t *req, zf_cause_t cause, int status, uint64_t body)
{
    if (req->state == REQ_DONE)
        return;
    zf_theap_remove(&w->req_dl, &req->dl);
    req->state = REQ_DONE;
    w->outstanding--;
    zf_time_t now = lg_now(w);
    zf_lg_stats_t *s = &w->stats;
    s->completed++;
    s->by_cause[cause]++;
    s->body_bytes += body;
    if (status > 0)
        s->by_status[status >= 100 && status < 600 ? status / 100 : 0]++;
    if (w->stopping && cause == ZF_CAUSE_TIMEOUT)
        s->incomplete++;
    zf_time_t service = req->sent >= 0 ? now - req->sent : -1;
    if (cause == ZF_CAUSE_OK) {
        zf_hist_record(&s->latency, now - req->t);
        zf_hist_record(&s->service, service);
    }
    if (w->src.done) {
        zf_lg_done_t d = {
            .id = req->id, .target = req->target, .cause = cause, .status = status,
            .t = req->t, .latency_ns = now - req->t, .service_ns = service,
            .body_bytes = body, .body = req->keep_body ? req->keep.buf : NULL,
            .body_len = req->keep_body ? req->keep.len : 0,
        };
        if (w->src.done(w->src.user, w->index, &d) && !w->src_ended) {
            w->src_wake = 0;
            lg_kick(w);
        }
    }
    if (w->src_ended && w->outstanding == 0)
        lg_kick(w);
}

/* ---- pulling and dispatching ---- */

void lg_kick(lg_worker_t *w) { w->kick = 1; }

static void on_check(uv_check_t *h)
{
    lg_worker_t *w = h->data;
    if (w->kick)
        pump(w);
}

static void on_idle(uv_idle_t *h) { (void)h; /* only keeps the next poll from blocking */ }

static int fatal(lg_worker_t *w, int code)
{
    w->fatal = code;
    atomic_store(w->plan->stop_flag, 1); /* the other threads stop too */
    worker_stop(w);
    return 0;
}

/* Serialises r into a slot for pool p. 0, or ZF_EINVAL / ZF_ENOMEM (w->err set). */
static int fill(lg_worker_t *w, lg_req_t *req, const zf_lg_req_t *r, lg_pool_t *p)
{
    size_t n = zf_http_request_size(p->url, &r->http);
    if (n > UINT32_MAX)
        return zf_err_set(&w->err, ZF_EINVAL, "request %llu: larger than 4 GiB",
                          (unsigned long long)r->id);
    if (n > req->wire_cap) {
        char *b = realloc(req->wire, n);
        if (!b)
            return zf_err_set(&w->err, ZF_ENOMEM, "request %llu: out of memory",
                              (unsigned long long)r->id);
        req->wire = b;
        req->wire_cap = (uint32_t)n;
    }
    req->wire_len = (uint32_t)zf_http_request_write(p->url, &r->http, req->wire);
    assert(req->wire_len == n);
    return 0;
}

/* Asks the source for one request into w->held. Returns 1 when one is held. */
static int take(lg_worker_t *w, zf_time_t now)
{
    zf_lg_req_t r;
    memset(&r, 0, sizeof r);
    r.t = ZF_TIME_MAX;
    int rc = w->src.next(w->src.user, w->index, now, &r);
    if (rc == ZF_LG_NEXT_WAIT) {
        w->src_wake = r.t > now ? r.t : now + SOURCE_RETRY_NS;
        return 0;
    }
    if (rc != ZF_LG_NEXT_REQ || r.t >= w->duration) {
        w->src_ended = 1; /* the end, or a request past the hard end */
        return 0;
    }
    if (r.target >= w->plan->ntargets)
        return fatal(w, zf_err_set(&w->err, ZF_EINVAL, "request %llu: target %u of %u",
                                   (unsigned long long)r.id, r.target, w->plan->ntargets));
    int e = zf_http_request_check(&r.http, &w->err);
    if (e < 0)
        return fatal(w, zf_err_prefix(&w->err, e, "request %llu", (unsigned long long)r.id));
    if (r.timeout_ns < 0)
        return fatal(w, zf_err_set(&w->err, ZF_EINVAL, "request %llu: negative timeout",
                                   (unsigned long long)r.id));
    lg_req_t *req = req_alloc(w);
    if (!req)
        return fatal(w, zf_err_set(&w->err, ZF_ENOMEM, "out of memory for requests"));
    uint32_t t = r.target;
    lg_pool_t *p = &w->pools[w->plan->tfirst[t] + w->trr[t]++ % w->plan->tcount[t]];
    if ((e = fill(w, req, &r, p)) < 0) {
        req->state = REQ_DONE;
        lg_req_release(w, req);
        return fatal(w, e);
    }
    req->t = r.t;
    req->id = r.id;
    req->target = t;
    req->pool = p;
    req->new_conn = (r.flags & ZF_LG_REQ_NEW_CONN) != 0;
    req->head = (uint8_t)zf_http_method_is_head(r.http.method);
    req->keep_body = (r.flags & ZF_LG_REQ_KEEP_BODY) != 0;
    if (req->keep_body && !req->keep.buf) {
        if (!(req->keep.buf = malloc(ZF_LG_KEEP_BYTES))) {
            req->state = REQ_DONE;
            lg_req_release(w, req);
            return fatal(w, zf_err_set(&w->err, ZF_ENOMEM, "out of memory for bodies"));
        }
        req->keep.cap = ZF_LG_KEEP_BYTES;
    }
    req->state = REQ_HELD;
    zf_time_t timeout = r.timeout_ns ? r.timeout_ns : w->cfg->timeout_ns;
    req->dl.at = r.t > ZF_TIME_MAX - timeout ? ZF_TIME_MAX : r.t + timeout;
    if (zf_theap_push(&w->req_dl, &req->dl) < 0) {
        req->state = REQ_DONE;
        lg_req_release(w, req);
        return fatal(w, zf_err_set(&w->err, ZF_ENOMEM, "out of memory for deadlines"));
    }
    lg_arm_deadlines(w);
    w->outstanding++;
    w->stats.requests++;
    w->held = req;
    return 1;
}

/* Sends everything due: asks the source, holds a future request until its instant,
 * passes the ceiling, dispatches; then arms the timerfd for the next instant. */
static void pump(lg_worker_t *w)
{
    w->kick = 0;
    if (w->stopping)
        return;
    zf_time_t wake = ZF_TIME_MAX;
    for (unsigned budget = PUMP_BUDGET;;) {
        zf_time_t now = lg_now(w);
        if (!w->held) {
            if (w->src_ended) {
                if (w->outstanding == 0)
                    worker_stop(w);
                return;
            }
            if (w->nqueued >= w->cfg->max_queued)
                break; /* lg_pool_unqueue kicks when there is room again */
            if (w->src_wake > now) {
                wake = w->src_wake;
                break;
            }
            if (!take(w, now)) {
                if (w->stopping)
                    return;
                continue;
            }
        }
        lg_req_t *req = w->held;
        if (req->t > now) {
            wake = req->t;
            break;
        }
        if (zf_pacer_delays(&w->pacer, req->t))
            req->throttled = 1; /* counted at the send: once, however many wake-ups */
        zf_time_t at = zf_pacer_take(&w->pacer, now);
        if (at > now) {
            wake = at;
            break;
        }
        w->held = NULL;
        w->stats.throttled += req->throttled;
        zf_hist_record(&w->stats.dispatch_lag, now - req->t);
        lg_pool_submit(req->pool, req);
        if (w->stopping)
            return;
        if (--budget == 0) {
            w->kick = 1;
            break;
        }
    }
    if (wake != ZF_TIME_MAX && wake - lg_now(w) <= w->cfg->spin_ns) {
        w->kick = 1; /* due very soon: poll without blocking rather than sleep */
        wake = ZF_TIME_MAX;
    }
    if (w->kick != w->idle_on) {
        w->idle_on = w->kick;
        if (w->kick)
            uv_idle_start(&w->idle, on_idle);
        else
            uv_idle_stop(&w->idle);
    }
    tfd_arm(w, wake);
}

/* ---- life of the thread ---- */

static uv_handle_t *handle_at(lg_worker_t *w, int i)
{
    switch (i) {
    case 0: return (uv_handle_t *)&w->tpoll;
    case 1: return (uv_handle_t *)&w->check;
    case 2: return (uv_handle_t *)&w->idle;
    case 3: return (uv_handle_t *)&w->dl_timer;
    case 4: return (uv_handle_t *)&w->end_timer;
    case 5: return (uv_handle_t *)&w->house_timer;
    case 6: return (uv_handle_t *)&w->wait_timer;
    case 7: return (uv_handle_t *)&w->wake;
    default: return NULL;
    }
}

/* Closes the worker's own handles (those initialised and not yet closing). */
static void close_handles(lg_worker_t *w)
{
    lg_waker_t *wk = &w->plan->wakers[w->index];
    uv_mutex_lock(&wk->mu); /* zf_lg_wake must not touch the handle once it closes */
    wk->async = NULL;
    uv_mutex_unlock(&wk->mu);
    uv_handle_t *h;
    for (int i = 0; (h = handle_at(w, i)); i++)
        if (h->type != UV_UNKNOWN_HANDLE && !uv_is_closing(h))
            uv_close(h, NULL);
    for (uint32_t i = 0; i < w->plan->nurls && w->pools; i++)
        if (w->pools[i].res.loop)
            zf_resolver_close(&w->pools[i].res, NULL);
}

/* The hard end (or a stop): outstanding requests end as incomplete timeouts, connections
 * close, and once every handle closed the loop returns. */
static void worker_stop(lg_worker_t *w)
{
    if (w->stopping)
        return;
    w->stopping = 1;
    w->kick = 0;
    if (w->held) {
        lg_req_t *req = w->held;
        w->held = NULL;
        lg_complete(w, req, ZF_CAUSE_TIMEOUT, 0, 0);
        lg_req_release(w, req);
    }
    for (uint32_t i = 0; w->pools && i < w->plan->nurls; i++)
        lg_pool_stop(&w->pools[i]);
    lg_conns_stop(w);
    close_handles(w);
}

static void on_dns_wait(uv_timer_t *t) { uv_stop(&((lg_worker_t *)t->data)->loop); }

/* cap shared out: part i of n gets cap / n, the first cap % n one more, and at least 1. */
static uint32_t share(uint32_t cap, uint32_t n, uint32_t i)
{
    uint32_t s = cap / n + (i < cap % n);
    return s ? s : 1;
}

static int init_pools(lg_worker_t *w)
{
    const lg_plan_t *pl = w->plan;
    w->pools = calloc(pl->nurls, sizeof *w->pools);
    w->trr = calloc(pl->ntargets, sizeof *w->trr);
    if (!w->pools || !w->trr)
        return zf_err_set(&w->err, ZF_ENOMEM, "out of memory for connection pools");
    for (uint32_t t = 0; t < pl->ntargets; t++) {
        uint32_t cap_t = share(pl->tcap[t], pl->nthreads, w->index);
        for (uint32_t k = 0; k < pl->tcount[t]; k++) {
            uint32_t u = pl->tfirst[t] + k;
            int rc = lg_pool_init(&w->pools[u], w, &pl->urls[u], t,
                                  share(cap_t, pl->tcount[t], k));
            if (rc < 0)
                return zf_err_set(&w->err, ZF_EIO, "resolver: %s", uv_strerror(rc));
        }
    }
    return 0;
}

/* zf_lg_wake from another thread: ask the source again now. */
static void on_wake(uv_async_t *h)
{
    lg_worker_t *w = h->data;
    w->src_wake = 0;
    if (w->started && !w->stopping)
        pump(w);
}

static int init_handles(lg_worker_t *w)
{
    uv_timer_t *timers[] = {&w->dl_timer, &w->end_timer, &w->house_timer, &w->wait_timer};
    for (size_t i = 0; i < sizeof timers / sizeof *timers; i++) {
        uv_timer_init(&w->loop, timers[i]);
        timers[i]->data = w;
    }
    uv_check_init(&w->loop, &w->check);
    w->check.data = w;
    uv_idle_init(&w->loop, &w->idle);
    int rc = uv_async_init(&w->loop, &w->wake, on_wake);
    if (rc < 0)
        return zf_err_set(&w->err, ZF_EIO, "wake-up handle: %s", uv_strerror(rc));
    w->wake.data = w;
    lg_waker_t *wk = &w->plan->wakers[w->index];
    uv_mutex_lock(&wk->mu);
    wk->async = &w->wake;
    uv_mutex_unlock(&wk->mu);
    w->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    if (w->tfd < 0)
        return zf_err_set(&w->err, ZF_EIO, "timerfd: %s", strerror(errno));
    rc = uv_poll_init(&w->loop, &w->tpoll, w->tfd);
    if (rc < 0)
        return zf_err_set(&w->err, ZF_EIO, "timerfd poll: %s", uv_strerror(rc));
    w->tpoll.data = w;
    return 0;
}

int lg_worker_prepare(lg_worker_t *w, const lg_plan_t *plan, unsigned index,
                      const zf_lg_source_t *src)
{
    memset(w, 0, sizeof *w);
    w->plan = plan;
    w->cfg = plan->cfg;
    w->index = index;
    w->nthreads = plan->nthreads;
    w->src = *src;
    w->tfd = -1;
    w->tfd_at = w->dl_at = ZF_TIME_MAX;
    zf_theap_init(&w->req_dl);
    zf_theap_init(&w->conn_dl);
    int rc = zf_lg_stats_init(&w->stats);
    if (rc < 0)
        return zf_err_set(&w->err, rc, "out of memory for statistics");
    if ((rc = uv_loop_init(&w->loop)) < 0)
        return zf_err_set(&w->err, ZF_EIO, "event loop: %s", uv_strerror(rc));
    w->loop_open = 1;
    w->rbuf = malloc(LG_RBUF_BYTES);
    w->plain = malloc(LG_PLAIN_BYTES);
    if (!w->rbuf || !w->plain)
        return zf_err_set(&w->err, ZF_ENOMEM, "out of memory for buffers");
    if (plan->need_tls &&
        (rc = zf_tls_ctx_new(&w->tls, w->cfg->tls_verify, w->cfg->tls_ca_file, &w->err)) < 0)
        return rc;
    rc = zf_pacer_init(&w->pacer, w->cfg->max_rps / plan->nthreads, w->cfg->max_rps_burst,
                       &w->err);
    if (rc < 0 || (rc = init_handles(w)) < 0 || (rc = init_pools(w)) < 0)
        return rc;
    for (uint32_t i = 0; i < plan->nurls; i++)
        lg_pool_start(&w->pools[i]);
    if (w->dns_pending > 0) {
        /* first answers before the start, so early requests do not pay for the lookup */
        w->dns_waiting = 1;
        uv_timer_start(&w->wait_timer, on_dns_wait,
                       (uint64_t)(w->cfg->dns_wait_ns / ZF_MS), 0);
        uv_run(&w->loop, UV_RUN_DEFAULT);
        uv_timer_stop(&w->wait_timer);
        w->dns_waiting = 0;
    }
    return 0;
}

void lg_worker_run(lg_worker_t *w, zf_time_t t0)
{
    w->t0 = t0;
    w->duration = w->cfg->duration_ns;
    w->started = 1;
    zf_time_t now = lg_now(w);
    uint64_t end_ms = now >= w->duration ? 0 : (uint64_t)((w->duration - now + ZF_MS - 1) / ZF_MS);
    uv_update_time(&w->loop);
    uv_timer_start(&w->end_timer, on_end, end_ms, 0);
    uv_timer_start(&w->house_timer, on_house, HOUSE_PERIOD_MS, HOUSE_PERIOD_MS);
    uv_check_start(&w->check, on_check);
    uv_poll_start(&w->tpoll, UV_READABLE, on_tfd);
    pump(w);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    w->stats.elapsed_ns = lg_now(w);
}

void lg_worker_cleanup(lg_worker_t *w)
{
    if (w->loop_open) {
        if (!w->stopping)
            worker_stop(w);
        while (uv_run(&w->loop, UV_RUN_DEFAULT) != 0)
            ;
        int rc = uv_loop_close(&w->loop);
        assert(rc == 0);
        (void)rc;
    }
    for (uint32_t i = 0; w->pools && i < w->plan->nurls; i++) {
        w->stats.dns_lookups += w->pools[i].res.lookups;
        w->stats.dns_failures += w->pools[i].res.failures;
    }
    if (w->tfd >= 0)
        close(w->tfd);
    lg_conns_free(w);
    reqs_free(w);
    free(w->pools);
    free(w->trr);
    free(w->rbuf);
    free(w->plain);
    zf_tls_ctx_free(w->tls);
    zf_theap_free(&w->req_dl);
    zf_theap_free(&w->conn_dl);
    w->pools = NULL;
}
