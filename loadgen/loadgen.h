/* loadgen: the open-loop HTTP/1.1 load engine of `zonefall replay`. N threads, each with
 * its own libuv loop, connections and statistics (merged at the end). A caller's source
 * hands every thread its requests in time order with their intended send instants; each
 * is sent at its instant whether or not earlier ones answered, and its latency counts
 * from that instant (no coordinated omission). The engine contacts only the URLs given. */
#ifndef ZF_LOADGEN_H
#define ZF_LOADGEN_H

#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/err.h"
#include "engine/hist.h"
#include "loadgen/http.h"
#include "metrics/outcome.h"

#define ZF_LG_THREADS_MAX 256

typedef struct zf_lg zf_lg_t; /* the engine (opaque) */

/* A target of the scenario (a load balancer): one name, one or more URLs. Requests for it
 * go to its URLs in turn, as DNS round robin would spread them. */
typedef struct zf_lg_target {
    const char *name;           /* the scenario's name for it, used in messages */
    const char *const *urls;    /* "http[s]://host[:port][/prefix]"; at least one */
    size_t nurls;
    uint32_t max_conns;         /* connection cap over all threads and URLs; 0: config's */
} zf_lg_target_t;

typedef struct zf_lg_config {
    unsigned threads;             /* event loops (threads); 0: one per online CPU */
    zf_time_t duration_ns;        /* hard end of the run, from its start; > 0 */
    double max_rps;               /* ceiling over all threads (token bucket); 0: none */
    uint32_t max_rps_burst;       /* bucket depth per thread, in requests; 0: 1 */
    zf_time_t timeout_ns;         /* response timeout counted from the intended instant */
    zf_time_t connect_timeout_ns; /* TCP connect plus TLS handshake */
    zf_time_t dns_ttl_ns;         /* names are resolved again this often */
    zf_time_t dns_wait_ns;        /* the start waits this long for the first answers */
    uint32_t max_conns;           /* default cap per target, over all threads */
    uint32_t max_queued;          /* per thread: requests waiting for a connection at which
                                     the engine stops asking the source for more */
    zf_time_t pace_tick_ns;       /* send instants are rounded up to this grid, so requests
                                     due close together share one timer wake-up; 0: exact */
    zf_time_t spin_ns;            /* a send due within this long is waited for by polling
                                     without blocking (burns CPU, saves wake-ups); 0: off */
    int dns_family;               /* 0: any, 4: IPv4 only, 6: IPv6 only */
    int tls_verify;               /* 1: check server certificates and names */
    const char *tls_ca_file;      /* extra trusted CAs (PEM) or NULL; read by zf_lg_new */
} zf_lg_config_t;

#define ZF_LG_REQ_NEW_CONN 0x1u /* send on a fresh connection, closed after the response
                                   (a device that reconnects for every report) */
#define ZF_LG_REQ_KEEP_BODY 0x2u /* hand the start of the response body to done() (reads
                                    whose answer matters, such as write verification) */
#define ZF_LG_KEEP_BYTES 4096   /* body bytes kept with ZF_LG_REQ_KEEP_BODY */

/* One request, as the source gives it. The pointers in http are read during the next()
 * call only (the engine copies the bytes it will send). */
typedef struct zf_lg_req {
    zf_time_t t;                /* intended send instant, ns from the run start */
    uint64_t id;                /* the caller's, echoed in zf_lg_done_t */
    uint32_t target;            /* index into the targets given to zf_lg_new */
    uint32_t flags;             /* ZF_LG_REQ_* */
    zf_time_t timeout_ns;       /* response timeout from t; 0: the config's */
    zf_http_req_t http;         /* method, path (under the URL's prefix), headers, body */
} zf_lg_req_t;

/* How one request ended, told to the source on the thread that sent it. */
typedef struct zf_lg_done {
    uint64_t id;
    uint32_t target;
    zf_cause_t cause;           /* OK for final 1xx-3xx; http_4xx, http_5xx, timeout, ... */
    int status;                 /* HTTP status, 0 when no response came */
    zf_time_t t;                /* intended instant */
    zf_time_t latency_ns;       /* end - intended: what a device at that instant saw */
    zf_time_t service_ns;       /* end - actual send; -1 when it never went out */
    uint64_t body_bytes;        /* response body bytes received (counted, not kept) */
    const char *body;           /* ZF_LG_REQ_KEEP_BODY: the body's first body_len bytes
                                   (at most ZF_LG_KEEP_BYTES), valid during done(); NULL */
    size_t body_len;
} zf_lg_done_t;

enum {
    ZF_LG_NEXT_REQ = 1,  /* *req holds the next request */
    ZF_LG_NEXT_WAIT = 0, /* nothing yet: ask again at req->t (ZF_TIME_MAX: after a
                            completion whose done() returned 1) */
    ZF_LG_NEXT_END = -1, /* no more requests for this thread */
};

/* The caller's request stream, one per thread index. Thread i calls next(user, i, ...)
 * and done(user, i, ...) only, never concurrently with itself; different indices run
 * concurrently, so state shared between them needs the caller's own locking. */
typedef struct zf_lg_source {
    /* Next request of `thread` in time order at now_ns (ns from the run start). A request
     * whose t lies in the future is held (one at a time) until then; a source that may
     * later insert earlier requests (retries) returns ZF_LG_NEXT_WAIT with the instant
     * of its next one instead. Requests with t >= duration end the thread's stream. */
    int (*next)(void *user, unsigned thread, zf_time_t now_ns, zf_lg_req_t *req);
    /* How a request ended (may be NULL). Returns 1 when the source now has a request due
     * earlier than the instant it last gave (a retry), so next() is asked again at once;
     * 0 otherwise. Must not call into the engine. */
    int (*done)(void *user, unsigned thread, const zf_lg_done_t *d);
    void *user;
} zf_lg_source_t;

/* What a run measured, summed over threads. */
typedef struct zf_lg_stats {
    uint64_t requests;          /* taken from the source with t < duration */
    uint64_t sent;              /* written to a connection */
    uint64_t completed;         /* ended with a cause (every request, at the latest at the
                                   hard end) */
    uint64_t by_cause[ZF_CAUSE_COUNT];
    uint64_t by_status[6];      /* final statuses by class: [1] 1xx ... [5] 5xx, [0] other */
    uint64_t incomplete;        /* still outstanding at the hard end (counted as timeout) */
    uint64_t throttled;         /* requests delayed by the max_rps ceiling */
    uint64_t connects, connect_failures;     /* TCP connections opened, and failed */
    uint64_t tls_handshakes, tls_failures;
    uint64_t dns_lookups, dns_failures;
    uint64_t unsolicited;       /* connections closed for bytes nobody asked for */
    uint64_t bytes_out, bytes_in, body_bytes;
    uint64_t max_queued_seen;   /* highest wait queue of a thread */
    uint64_t max_open_seen;     /* most connections open at once (summed over threads'
                                   own peaks) */
    zf_time_t elapsed_ns;       /* wall time from the start to the last thread's end */
    int stopped;                /* 1 when zf_lg_stop ended the run early */
    zf_hist_t latency;          /* intended -> end, OK requests (ns) */
    zf_hist_t service;          /* actual send -> end, OK requests (ns) */
    zf_hist_t lag;              /* actual send - intended, every sent request (ns) */
    zf_hist_t dispatch_lag;     /* hand-over to the connection pool - intended, every
                                   request: the generator's own lateness (timer, CPU,
                                   ceiling) without waits for a connection (ns) */
} zf_lg_stats_t;

/* Defaults: threads 0, timeout 10 s, connect 3 s, DNS TTL 60 s (the TTL AWS gives load
 * balancer records), DNS wait 5 s, 256 connections per target, 65536 queued per thread,
 * pacing tick 50 us, TLS verification on. duration_ns must still be set. */
void zf_lg_config_defaults(zf_lg_config_t *cfg);

/* Checks the configuration and parses the targets' URLs (errors name the target and the
 * URL). On success *out is an engine the caller frees with zf_lg_destroy.
 * 0, ZF_EINVAL, ZF_ERANGE or ZF_ENOMEM. */
int zf_lg_new(zf_lg_t **out, const zf_lg_config_t *cfg, const zf_lg_target_t *targets,
              size_t ntargets, zf_err_t *err);
void zf_lg_destroy(zf_lg_t *lg);

/* Number of threads a run uses (thread indices given to the source are 0..n-1). */
unsigned zf_lg_threads(const zf_lg_t *lg);

/* Runs once: resolves names, starts all threads at one instant, sends what the source
 * gives until it ends and everything completed, or until the hard end, or zf_lg_stop.
 * stats (initialised by zf_lg_stats_init) receives the sums. Target failures are counted,
 * never returned: the result is 0, or ZF_EINVAL when the source gave an invalid request,
 * or ZF_EIO / ZF_ENOMEM when the engine itself could not run. */
int zf_lg_run(zf_lg_t *lg, const zf_lg_source_t *src, zf_lg_stats_t *stats, zf_err_t *err);

/* zf_lg_run in two halves, for a caller that feeds the source from its own thread:
 * zf_lg_start resolves names and starts the threads (returning once they all run, or with
 * the error that stopped them: nothing then runs); zf_lg_wait waits for the end and
 * merges the statistics as zf_lg_run does. Every successful start is paired with a wait. */
int zf_lg_start(zf_lg_t *lg, const zf_lg_source_t *src, zf_err_t *err);
int zf_lg_wait(zf_lg_t *lg, zf_lg_stats_t *stats, zf_err_t *err);

/* The run's start instant (zf_wall_now() clock): request instants count from it. Valid
 * from zf_lg_start's return until the next start. */
zf_time_t zf_lg_t0(const zf_lg_t *lg);

/* Makes thread `thread` ask its source again now (after a ZF_LG_NEXT_WAIT), from any
 * thread, during a run started by zf_lg_start; ignored outside a run. */
void zf_lg_wake(zf_lg_t *lg, unsigned thread);

/* Ends a run early (within 50 ms); outstanding requests count as incomplete. Callable
 * from any thread and from a signal handler (it only stores to an atomic flag). */
void zf_lg_stop(zf_lg_t *lg);

/* Zeroed statistics with their histograms. 0 or ZF_ENOMEM. Pair with zf_lg_stats_free. */
int zf_lg_stats_init(zf_lg_stats_t *s);
void zf_lg_stats_free(zf_lg_stats_t *s);
/* dst += src (counters summed, histograms merged exactly, elapsed the longer). */
void zf_lg_stats_merge(zf_lg_stats_t *dst, const zf_lg_stats_t *src);

#endif
