/* hold: the classic hold model (Vaucher and Duval 1975; Jones, CACM 29(4), 1986) on the
 * engine's event queue (sim/engine/queue), with a plain binary heap of the same 32-byte
 * events as an anchor, and a request/timeout workload that cancels far more timeouts than
 * it fires. One "event" = one hold operation: pop the earliest event, push one new event
 * (in hold_cancel: one pop with what follows it, a cancel and two pushes). Prints one
 * JSON object per line on stdout and nothing else; exits 1 on a queue error. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "engine/err.h"
#include "engine/queue.h"

#define MEAN_NS 1e9           /* hold increments and prefill: exponential, mean 1 s */
#define TARGET_S 2.0          /* measured pass length per row */
#define TIMEOUT_NS 10000000000LL /* request timeout in hold_cancel: 10 mean service times */

/* The increments come from bench_util's inline xoshiro256+ and -log(u), not from the
 * engine's rng module, so that the figures measure the queue and not the generator
 * (the log costs 5 to 15 ns a draw on our machine, the same in every row, so rows stay
 * comparable; the queue's own share is larger than events_per_s alone suggests). */

static void die(const char *what, int rc)
{
    fprintf(stderr, "bench_hold: %s failed: %s\n", what, zf_err_name(rc));
    exit(1);
}

/* ---- the engine queue ---------------------------------------------------------------- */

static void queue_prefill(zf_queue_t *q, bench_rng_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int rc = zf_queue_push(q, bench_rng_exp_ns(r, MEAN_NS), 0, (uint32_t)i, 0);
        if (rc)
            die("zf_queue_push", rc);
    }
}

/* Runs `steps` hold operations; returns a checksum of what was popped. */
static uint64_t queue_hold(zf_queue_t *q, bench_rng_t *r, uint64_t steps)
{
    uint64_t sum = 0;
    zf_event_t e;
    for (uint64_t k = 0; k < steps; k++) {
        if (!zf_queue_pop(q, &e))
            die("zf_queue_pop (queue ran empty)", ZF_ESTATE);
        sum += e.obj;
        int rc = zf_queue_push(q, e.time + bench_rng_exp_ns(r, MEAN_NS), 0, e.obj, 0);
        if (rc)
            die("zf_queue_push", rc);
    }
    return sum;
}

/* ---- the baseline: a plain binary min-heap on (time, insertion sequence) ------------- */

typedef struct bheap {
    zf_event_t *v;
    size_t len, cap;
    uint64_t seq;
} bheap_t;

static inline int ev_less(const zf_event_t *a, const zf_event_t *b)
{
    return a->time < b->time || (a->time == b->time && a->key < b->key);
}

static void bheap_push(bheap_t *h, zf_time_t time, uint32_t obj)
{
    if (h->len == h->cap) {
        h->cap = h->cap ? 2 * h->cap : 1024;
        h->v = realloc(h->v, h->cap * sizeof *h->v);
        if (!h->v)
            die("realloc", ZF_ENOMEM);
    }
    zf_event_t e = {time, h->seq++ << 16, obj, 0, 0};
    size_t i = h->len++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&e, &h->v[p]))
            break;
        h->v[i] = h->v[p];
        i = p;
    }
    h->v[i] = e;
}

static zf_event_t bheap_pop(bheap_t *h)
{
    zf_event_t top = h->v[0];
    zf_event_t last = h->v[--h->len];
    size_t i = 0, n = h->len;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && ev_less(&h->v[c + 1], &h->v[c]))
            c++;
        if (!ev_less(&h->v[c], &last))
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (n)
        h->v[i] = last;
    return top;
}

static void heap_prefill(bheap_t *h, bench_rng_t *r, size_t n)
{
    for (size_t i = 0; i < n; i++)
        bheap_push(h, bench_rng_exp_ns(r, MEAN_NS), (uint32_t)i);
}

static uint64_t heap_hold(bheap_t *h, bench_rng_t *r, uint64_t steps)
{
    uint64_t sum = 0;
    for (uint64_t k = 0; k < steps; k++) {
        zf_event_t e = bheap_pop(h);
        sum += e.obj;
        bheap_push(h, e.time + bench_rng_exp_ns(r, MEAN_NS), e.obj);
    }
    return sum;
}

/* ---- hold_cancel: requests with a completion and a cancellable timeout ---------------- */

/* `reqs` requests are in flight, each with a completion event (kind 0, exponential, mean
 * 1 s) and a timeout (kind 1, cancellable, now + 10 s), so 2*reqs events are pending. A
 * completion cancels its request's timeout (an earlier, effectively random one) and starts
 * the next request: push a completion, push a timeout. Timeouts fire with probability
 * e^-10, so nearly all are cancelled, and ~10 s worth of cancelled ones (~10 * reqs)
 * sit in the queue beside the live ones. */
typedef struct cancel_run {
    zf_queue_t q;
    zf_handle_t *timeout; /* per request */
    uint32_t reqs;
    uint64_t cancels, fired;
} cancel_run_t;

static void cancel_arm(cancel_run_t *c, uint32_t req, zf_time_t now)
{
    int rc = zf_queue_push_cancellable(&c->q, now + TIMEOUT_NS, 1, req, 0, &c->timeout[req]);
    if (rc)
        die("zf_queue_push_cancellable", rc);
}

static void cancel_prefill(cancel_run_t *c, bench_rng_t *r)
{
    for (uint32_t i = 0; i < c->reqs; i++) {
        int rc = zf_queue_push(&c->q, bench_rng_exp_ns(r, MEAN_NS), 0, i, 0);
        if (rc)
            die("zf_queue_push", rc);
        cancel_arm(c, i, 0);
    }
}

static uint64_t cancel_hold(cancel_run_t *c, bench_rng_t *r, uint64_t steps)
{
    uint64_t sum = 0;
    zf_event_t e;
    for (uint64_t k = 0; k < steps; k++) {
        if (!zf_queue_pop(&c->q, &e))
            die("zf_queue_pop (queue ran empty)", ZF_ESTATE);
        sum += e.obj;
        if (zf_event_kind(&e) == 1) { /* timed out: re-arm; the completion is still due */
            c->fired++;
            cancel_arm(c, e.obj, e.time);
            continue;
        }
        int rc = zf_queue_cancel(&c->q, c->timeout[e.obj]);
        if (rc)
            die("zf_queue_cancel", rc);
        c->cancels++;
        rc = zf_queue_push(&c->q, e.time + bench_rng_exp_ns(r, MEAN_NS), 0, e.obj, 0);
        if (rc)
            die("zf_queue_push", rc);
        cancel_arm(c, e.obj, e.time);
    }
    return sum;
}

/* ---- driver ---------------------------------------------------------------------------- */

enum backend { RADIX_QUEUE, BINARY_HEAP, QUEUE_CANCEL };

typedef struct row {
    enum backend backend;
    const char *name;
    size_t pending;
} row_t;

typedef struct bench_state {
    zf_queue_t q;
    bheap_t h;
    cancel_run_t c;
} bench_state_t;

static uint64_t run_steps(bench_state_t *s, enum backend b, bench_rng_t *r, uint64_t steps)
{
    switch (b) {
    case RADIX_QUEUE:
        return queue_hold(&s->q, r, steps);
    case BINARY_HEAP:
        return heap_hold(&s->h, r, steps);
    case QUEUE_CANCEL:
        return cancel_hold(&s->c, r, steps);
    }
    return 0;
}

static volatile uint64_t sink; /* keeps the checksums alive */

/* Allocates a row's state and prefills it from r. Exits on allocation failure. */
static bench_state_t *state_new(const row_t *row, bench_rng_t *r)
{
    bench_state_t *s = calloc(1, sizeof *s);
    if (!s)
        die("calloc", ZF_ENOMEM);
    zf_queue_init(&s->q);
    zf_queue_init(&s->c.q);
    if (row->backend == RADIX_QUEUE) {
        queue_prefill(&s->q, r, row->pending);
    } else if (row->backend == BINARY_HEAP) {
        heap_prefill(&s->h, r, row->pending);
    } else {
        s->c.reqs = (uint32_t)(row->pending / 2);
        s->c.timeout = calloc(s->c.reqs, sizeof *s->c.timeout);
        if (!s->c.timeout)
            die("calloc", ZF_ENOMEM);
        cancel_prefill(&s->c, r);
    }
    return s;
}

static void state_free(bench_state_t *s)
{
    zf_queue_free(&s->q);
    zf_queue_free(&s->c.q);
    free(s->c.timeout);
    free(s->h.v);
    free(s);
}

typedef struct timing {
    double wall_s, cpu_s;
    double best_per_s; /* fastest slice: what the core does when nothing else runs */
} timing_t;

/* Warms up (at least 4 passes over the pending set, so that the time distribution reaches
 * its steady state), then runs slices of ~1/20 of TARGET_S at the warm-up's rate until
 * TARGET_S has passed. Returns the hold operations measured and fills *t. */
static uint64_t measure(bench_state_t *s, const row_t *row, bench_rng_t *r, timing_t *t)
{
    uint64_t warm = 4 * (uint64_t)row->pending;
    if (warm < 2000000)
        warm = 2000000;
    double t0 = bench_now_s();
    sink += run_steps(s, row->backend, r, warm);
    uint64_t slice = (uint64_t)((double)warm / (bench_now_s() - t0) * TARGET_S / 20);
    if (slice < 10000)
        slice = 10000;

    uint64_t steps = 0;
    s->c.cancels = s->c.fired = 0; /* count the measured pass only */
    double c0 = bench_cpu_s(), prev;
    t->best_per_s = 0;
    t0 = prev = bench_now_s();
    do {
        sink += run_steps(s, row->backend, r, slice);
        steps += slice;
        double now = bench_now_s();
        if ((double)slice / (now - prev) > t->best_per_s)
            t->best_per_s = (double)slice / (now - prev);
        prev = now;
        t->wall_s = now - t0;
    } while (t->wall_s < TARGET_S);
    t->cpu_s = bench_cpu_s() - c0;
    return steps;
}

/* Runs one row and prints it: events_per_s over the whole measured pass by the wall clock;
 * cpu_s well below wall_s, or best_events_per_s well above events_per_s, means that other
 * work shared the core. */
static void run_row(const row_t *row, uint64_t seed)
{
    bench_rng_t r;
    bench_rng_seed(&r, seed);
    bench_state_t *s = state_new(row, &r);
    timing_t t;
    uint64_t steps = measure(s, row, &r, &t);

    printf("{\"name\":\"%s\",\"pending\":%zu,\"events\":%llu,\"wall_s\":%.3f,"
           "\"cpu_s\":%.3f,\"events_per_s\":%.0f,\"best_events_per_s\":%.0f",
           row->name, row->pending, (unsigned long long)steps, t.wall_s, t.cpu_s,
           (double)steps / t.wall_s, t.best_per_s);
    if (row->backend == QUEUE_CANCEL)
        printf(",\"requests\":%u,\"cancels\":%llu,\"timeouts_fired\":%llu", s->c.reqs,
               (unsigned long long)s->c.cancels, (unsigned long long)s->c.fired);
    printf("}\n");
    fflush(stdout);
    state_free(s);
}

/* bench_hold [NAME [PENDING]]: every row, or only the rows with that name (and size),
 * which is handy under perf or callgrind. */
int main(int argc, char **argv)
{
    static const row_t rows[] = {
        {RADIX_QUEUE, "hold", 100},
        {RADIX_QUEUE, "hold", 10000},
        {RADIX_QUEUE, "hold", 1000000},
        {BINARY_HEAP, "hold_binary_heap", 100},
        {BINARY_HEAP, "hold_binary_heap", 10000},
        {BINARY_HEAP, "hold_binary_heap", 1000000},
        {QUEUE_CANCEL, "hold_cancel", 10000},
    };
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        if (argc > 1 && strcmp(argv[1], rows[i].name) != 0)
            continue;
        if (argc > 2 && strtoull(argv[2], NULL, 10) != rows[i].pending)
            continue;
        run_row(&rows[i], 0x5eed0000u + rows[i].pending); /* same stream per size */
    }
    return 0;
}
