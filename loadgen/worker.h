/* worker: internals of one engine thread, shared by worker.c (schedule, deadlines,
 * completion, statistics) and pool.c (connections per URL). Not a public header: the
 * contract is loadgen.h. Everything here belongs to one thread; nothing is shared. */
#ifndef ZF_LG_WORKER_H
#define ZF_LG_WORKER_H

#include <stdatomic.h>
#include <uv.h>

#include "loadgen/http.h"
#include "loadgen/loadgen.h"
#include "loadgen/pacer.h"
#include "loadgen/resolve.h"
#include "loadgen/timeheap.h"
#include "loadgen/tls.h"
#include "loadgen/url.h"

typedef struct lg_worker lg_worker_t;
typedef struct lg_pool lg_pool_t;
typedef struct lg_conn lg_conn_t;
typedef struct lg_req lg_req_t;

enum lg_req_state { REQ_FREE, REQ_HELD, REQ_QUEUED, REQ_ON_CONN, REQ_DONE };

/* A request taken from the source, with its wire bytes, until it ends. */
struct lg_req {
    zf_theap_node_t dl;        /* response deadline: t + timeout */
    lg_req_t *prev, *next;     /* pool wait queue, or the free list */
    lg_conn_t *conn;           /* the connection carrying it (or connecting for it) */
    lg_pool_t *pool;
    zf_time_t t, sent;         /* intended and actual send instant (-1 until sent) */
    uint64_t id;
    uint32_t target;
    uint8_t state, new_conn, head, throttled, keep_body;
    char *wire;                /* serialised request, reused across requests */
    uint32_t wire_len, wire_cap;
    zf_http_keep_t keep;       /* the body's start (ZF_LG_KEEP_BYTES, reused) */
};

enum lg_conn_state { CONN_CONNECTING, CONN_HANDSHAKE, CONN_BUSY, CONN_IDLE, CONN_CLOSING };

/* One connection; the uv handle comes first so a handle pointer is a connection pointer. */
struct lg_conn {
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_write_t wreq;
    zf_theap_node_t dl;        /* connect + handshake deadline */
    zf_http_resp_t resp;
    lg_pool_t *pool;
    lg_req_t *req;             /* NULL when idle */
    lg_conn_t *prev, *next;    /* pool idle list, or the free list */
    lg_conn_t *aprev, *anext;  /* every open connection of the worker */
    zf_tls_t *tls;
    char *tls_out;             /* ciphertext being written */
    uint32_t tls_out_cap;
    uint32_t addr_index;
    zf_sockaddr_t addr;
    uint8_t state, attempts, writing, retire;
};

/* One URL of a target on this thread: its addresses, connections and wait queue. */
struct lg_pool {
    lg_worker_t *w;
    const zf_url_t *url;
    uint32_t target, cap, open;   /* open: connections not closing */
    lg_conn_t *idle;
    lg_req_t *qhead, *qtail;
    uint32_t nqueued;
    uint8_t answered;             /* the first lookup answered */
    zf_resolver_t res;
};

/* How another thread wakes a worker (zf_lg_wake): its async handle while it is open. */
typedef struct lg_waker {
    uv_mutex_t mu;
    uv_async_t *async;             /* NULL before the loop has it and after it closed */
} lg_waker_t;

/* What every thread of a run shares, read-only: configuration and parsed targets. */
typedef struct lg_plan {
    const zf_lg_config_t *cfg;
    const zf_url_t *urls;          /* all URLs, targets' URLs contiguous */
    const uint32_t *tfirst, *tcount, *tcap;
    uint32_t ntargets, nurls;
    unsigned nthreads;
    int need_tls;
    atomic_int *stop_flag;
    lg_waker_t *wakers;            /* [nthreads] */
} lg_plan_t;

struct lg_worker {
    uv_loop_t loop;
    unsigned index, nthreads;
    const lg_plan_t *plan;
    const zf_lg_config_t *cfg;
    zf_lg_source_t src;
    zf_time_t t0;                  /* run start, CLOCK_MONOTONIC ns */
    zf_time_t duration;
    /* handles */
    int tfd;                       /* timerfd: send instants at ns precision */
    uv_poll_t tpoll;
    uv_check_t check;              /* runs pump after I/O when kicked */
    uv_idle_t idle;                /* keeps the poll from blocking while work remains */
    uv_timer_t dl_timer, end_timer, house_timer, wait_timer;
    uv_async_t wake;               /* zf_lg_wake: ask the source again */
    int handles_open;
    zf_time_t tfd_at, dl_at;       /* armed instants (ZF_TIME_MAX: not armed) */
    /* schedule */
    zf_pacer_t pacer;
    lg_req_t *held;                /* pulled, waiting for its instant or a token */
    zf_time_t src_wake;            /* ask the source again at this instant */
    uint8_t src_ended, kick, idle_on, stopping, started, dns_waiting;
    uint64_t outstanding;          /* pulled and not completed */
    uint32_t nqueued;              /* waiting for a connection, all pools */
    uint32_t nopen;                /* connections open (not closing), all pools */
    /* deadlines */
    zf_theap_t req_dl, conn_dl;
    /* pools, one per URL: target t owns [tfirst[t], tfirst[t] + tcount[t]) */
    lg_pool_t *pools;
    uint32_t *trr;                 /* round-robin cursor per target */
    uint32_t dns_pending;
    int loop_open;
    /* memory reused across requests and connections */
    lg_req_t *free_reqs;
    lg_conn_t *free_conns, *conns;
    char *rbuf, *plain;            /* socket reads; TLS plaintext */
    zf_tls_ctx_t *tls;
    /* results */
    zf_lg_stats_t stats;
    int fatal;                     /* ZF_E* that ended the run, 0 */
    zf_err_t err;
};

#define LG_RBUF_BYTES (64 * 1024)
#define LG_PLAIN_BYTES (16 * 1024)

static inline zf_time_t lg_now(const lg_worker_t *w) { return zf_wall_now() - w->t0; }

/* worker.c: the thread's life, called by loadgen.c on the thread itself */
int lg_worker_prepare(lg_worker_t *w, const lg_plan_t *plan, unsigned index,
                      const zf_lg_source_t *src);
void lg_worker_run(lg_worker_t *w, zf_time_t t0);
void lg_worker_cleanup(lg_worker_t *w);

void lg_complete(lg_worker_t *w, lg_req_t *req, zf_cause_t cause, int status, uint64_t body);
void lg_req_release(lg_worker_t *w, lg_req_t *req);
void lg_kick(lg_worker_t *w);
void lg_arm_deadlines(lg_worker_t *w);
void lg_record_send(lg_worker_t *w, lg_req_t *req);

/* pool.c */
int lg_pool_init(lg_pool_t *p, lg_worker_t *w, const zf_url_t *url, uint32_t target,
                 uint32_t cap);
void lg_pool_start(lg_pool_t *p);
void lg_pool_submit(lg_pool_t *p, lg_req_t *req);
void lg_pool_unqueue(lg_pool_t *p, lg_req_t *req);
void lg_pool_stop(lg_pool_t *p);
void lg_conn_expired(lg_conn_t *c);
void lg_conn_fail_request(lg_conn_t *c, zf_cause_t cause);
void lg_conns_stop(lg_worker_t *w);
void lg_conns_free(lg_worker_t *w);

#endif
