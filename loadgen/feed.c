/* feed: single-producer rings of requests towards the engine threads (C11 atomics, a
 * waiting flag with the producer's re-check so no wake-up is lost), and mutex-guarded
 * double-buffered completion batches back to the producer. */
#include "loadgen/feed.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

typedef struct slot {
    zf_lg_req_t req;      /* http pointers aim into buf */
    char *buf;
    size_t cap;
} slot_t;

/* Completions of one thread since the last drain. */
typedef struct batch {
    zf_lg_done_t *v;
    size_t n, cap;
    char *bytes;          /* kept bodies, each at v[i].body (an offset until drained) */
    size_t nbytes, bytes_cap;
} batch_t;

typedef struct lane {
    /* ring: producer writes tail, consumer writes head (both count up, wrap by mask) */
    slot_t *slots;
    _Alignas(64) atomic_uint_fast32_t tail;
    _Alignas(64) atomic_uint_fast32_t head;
    atomic_int waiting;   /* the engine thread found the ring empty and sleeps */
    int taken;            /* consumer: slot head was handed out and is still being read */
    /* completions */
    uv_mutex_t mu;
    batch_t fill, read;   /* engine appends to fill; drain swaps it with read */
} lane_t;

struct zf_lg_feed {
    lane_t *lanes;
    unsigned n;
    uint32_t cap, mask;
    atomic_int ended;
    zf_lg_t *lg;
    void (*notify)(void *ctx);
    void *notify_ctx;
};

int zf_lg_feed_new(zf_lg_feed_t **out, unsigned nthreads, uint32_t ring_cap, zf_err_t *err)
{
    *out = NULL;
    if (nthreads == 0 || ring_cap == 0 || ring_cap > (1u << 24))
        return zf_err_set(err, ZF_EINVAL, "feed: expected 1 or more threads and a ring of "
                          "1 to 2^24 requests");
    zf_lg_feed_t *f = calloc(1, sizeof *f);
    if (!f)
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    f->cap = 1;
    while (f->cap < ring_cap)
        f->cap <<= 1;
    f->mask = f->cap - 1;
    atomic_init(&f->ended, 0);
    if (!(f->lanes = calloc(nthreads, sizeof *f->lanes)))
        goto nomem;
    for (; f->n < nthreads; f->n++) {
        lane_t *l = &f->lanes[f->n];
        if (!(l->slots = calloc(f->cap, sizeof *l->slots)))
            goto nomem;
        if (uv_mutex_init(&l->mu) < 0) {
            free(l->slots);
            l->slots = NULL;
            goto nomem;
        }
        atomic_init(&l->tail, 0);
        atomic_init(&l->head, 0);
        atomic_init(&l->waiting, 0);
    }
    *out = f;
    return 0;
nomem:
    zf_lg_feed_free(f);
    return zf_err_set(err, ZF_ENOMEM, "out of memory for the feed");
}

static void batch_free(batch_t *b)
{
    free(b->v);
    free(b->bytes);
}

void zf_lg_feed_free(zf_lg_feed_t *f)
{
    if (!f)
        return;
    for (unsigned i = 0; i < f->n; i++) {
        lane_t *l = &f->lanes[i];
        for (uint32_t k = 0; k < f->cap; k++)
            free(l->slots[k].buf);
        free(l->slots);
        uv_mutex_destroy(&l->mu);
        batch_free(&l->fill);
        batch_free(&l->read);
    }
    free(f->lanes);
    free(f);
}

void zf_lg_feed_attach(zf_lg_feed_t *f, zf_lg_t *lg, void (*notify)(void *ctx), void *ctx)
{
    f->lg = lg;
    f->notify = notify;
    f->notify_ctx = ctx;
}

/* ---- producer ---- */

static void wake(zf_lg_feed_t *f, unsigned thread)
{
    if (atomic_exchange(&f->lanes[thread].waiting, 0) && f->lg)
        zf_lg_wake(f->lg, thread);
}

/* Copies s into *dst at *p, returns the copy (NULL stays NULL). */
static const char *put(char **p, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *d = *p;
    memcpy(d, s, n);
    d[n] = 0;
    *p += n + 1;
    return d;
}

int zf_lg_feed_push(zf_lg_feed_t *f, unsigned thread, const zf_lg_req_t *req)
{
    lane_t *l = &f->lanes[thread];
    uint_fast32_t t = atomic_load_explicit(&l->tail, memory_order_relaxed);
    if (t - atomic_load_explicit(&l->head, memory_order_acquire) >= f->cap)
        return 1;
    slot_t *s = &l->slots[t & f->mask];
    const zf_http_req_t *h = &req->http;
    size_t lm = h->method ? strlen(h->method) : 0, lp = h->path ? strlen(h->path) : 0;
    size_t need = lm + lp + h->headers_len + h->body_len + 4;
    if (need > s->cap) {
        char *b = realloc(s->buf, need);
        if (!b)
            return ZF_ENOMEM;
        s->buf = b;
        s->cap = need;
    }
    char *p = s->buf;
    s->req = *req;
    s->req.http.method = put(&p, h->method, lm);
    s->req.http.path = put(&p, h->path, lp);
    s->req.http.headers = h->headers_len ? put(&p, h->headers, h->headers_len) : NULL;
    s->req.http.body = h->body_len ? put(&p, h->body, h->body_len) : NULL;
    atomic_store(&l->tail, t + 1); /* seq_cst: ordered before the waiting check */
    wake(f, thread);
    return 0;
}

uint32_t zf_lg_feed_pending(const zf_lg_feed_t *f, unsigned thread)
{
    const lane_t *l = &f->lanes[thread];
    return (uint32_t)(atomic_load(&l->tail) - atomic_load(&l->head));
}

void zf_lg_feed_end(zf_lg_feed_t *f)
{
    atomic_store(&f->ended, 1);
    for (unsigned i = 0; i < f->n; i++)
        wake(f, i);
}

/* ---- engine threads ---- */

static int feed_next(void *user, unsigned thread, zf_time_t now, zf_lg_req_t *req)
{
    (void)now;
    zf_lg_feed_t *f = user;
    lane_t *l = &f->lanes[thread];
    uint_fast32_t h = atomic_load_explicit(&l->head, memory_order_relaxed);
    if (l->taken) { /* the engine copied the previous request when next() returned */
        atomic_store_explicit(&l->head, ++h, memory_order_release);
        l->taken = 0;
    }
    int ended = atomic_load_explicit(&f->ended, memory_order_acquire);
    uint_fast32_t t = atomic_load_explicit(&l->tail, memory_order_acquire);
    if (h == t) {
        if (ended)
            return ZF_LG_NEXT_END;
        atomic_store(&l->waiting, 1); /* seq_cst, then look again: no lost wake-up */
        t = atomic_load(&l->tail);
        if (h == t) {
            req->t = ZF_TIME_MAX;
            return ZF_LG_NEXT_WAIT;
        }
        atomic_store(&l->waiting, 0);
    }
    *req = l->slots[h & f->mask].req;
    l->taken = 1;
    return ZF_LG_NEXT_REQ;
}

static int batch_add(batch_t *b, const zf_lg_done_t *d)
{
    if (b->n == b->cap) {
        size_t cap = b->cap ? b->cap * 2 : 256;
        zf_lg_done_t *v = realloc(b->v, cap * sizeof *v);
        if (!v)
            return ZF_ENOMEM;
        b->v = v;
        b->cap = cap;
    }
    zf_lg_done_t *e = &b->v[b->n];
    *e = *d;
    e->body = NULL;
    if (d->body && d->body_len) {
        if (b->nbytes + d->body_len > b->bytes_cap) {
            size_t cap = b->bytes_cap ? b->bytes_cap : 16384;
            while (cap < b->nbytes + d->body_len)
                cap *= 2;
            char *nb = realloc(b->bytes, cap);
            if (!nb)
                return ZF_ENOMEM;
            b->bytes = nb;
            b->bytes_cap = cap;
        }
        memcpy(b->bytes + b->nbytes, d->body, d->body_len);
        e->body = (const char *)(uintptr_t)(b->nbytes + 1); /* offset + 1 until drained */
        b->nbytes += d->body_len;
    } else {
        e->body_len = 0;
    }
    b->n++;
    return 0;
}

static int feed_done(void *user, unsigned thread, const zf_lg_done_t *d)
{
    zf_lg_feed_t *f = user;
    lane_t *l = &f->lanes[thread];
    uv_mutex_lock(&l->mu);
    int rc = batch_add(&l->fill, d);
    uv_mutex_unlock(&l->mu);
    if (rc < 0) { /* a completion that cannot be told is a broken run: stop it */
        if (f->lg)
            zf_lg_stop(f->lg);
    }
    if (f->notify)
        f->notify(f->notify_ctx);
    return 0;
}

zf_lg_source_t zf_lg_feed_source(zf_lg_feed_t *f)
{
    return (zf_lg_source_t){feed_next, feed_done, f};
}

size_t zf_lg_feed_drain(zf_lg_feed_t *f,
                        void (*fn)(void *ctx, unsigned thread, const zf_lg_done_t *d),
                        void *ctx)
{
    size_t total = 0;
    for (unsigned i = 0; i < f->n; i++) {
        lane_t *l = &f->lanes[i];
        uv_mutex_lock(&l->mu);
        batch_t tmp = l->fill;
        l->fill = l->read;
        l->read = tmp;
        l->fill.n = l->fill.nbytes = 0;
        uv_mutex_unlock(&l->mu);
        batch_t *b = &l->read;
        for (size_t k = 0; k < b->n; k++) {
            zf_lg_done_t *d = &b->v[k];
            if (d->body)
                d->body = b->bytes + ((uintptr_t)d->body - 1);
            fn(ctx, i, d);
        }
        total += b->n;
        b->n = b->nbytes = 0;
    }
    return total;
}
