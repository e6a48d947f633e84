/* app_db: the app's bounded database worker pool. libpq is blocking, so a fixed set of
 * threads each own one connection; the event loop submits jobs into a bounded queue
 * (full: the caller answers 503) and gets them back through a uv_async_t. A broken
 * connection is dropped and reopened on the next job, which follows a failover. */
#ifndef ZF_APP_DB_H
#define ZF_APP_DB_H

#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "app_http.h"

#define ZF_APP_JOB_BODY_MAX 512

enum { ZF_APP_EBUSY = -16, ZF_APP_ENOMEM = -12 };

/* A database job: filled by the loop, run by a worker, handed back to done_cb. The
 * caller owns it (one per connection: no allocation per request). */
typedef struct zf_app_job {
    zf_app_route_kind_t kind;   /* ZF_APP_HEALTH means: a ping (SELECT 1) */
    int64_t device, write_id, seq;
    int status;                 /* result: HTTP status */
    char body[ZF_APP_JOB_BODY_MAX];
    void *owner;
    struct zf_app_job *next;
} zf_app_job_t;

typedef struct zf_app_pool zf_app_pool_t;
typedef void (*zf_app_job_cb)(zf_app_job_t *job);

typedef struct zf_app_pool_stats {
    int workers, busy, queued, queue_max;
    int db_state;               /* 1 last query worked, 0 it failed, -1 not known yet */
    char last_error[160];
} zf_app_pool_stats_t;

/* Starts `workers` threads (each connects lazily with conninfo) and a queue of up to
 * queue_max waiting jobs; completed jobs reach done_cb on loop's thread. Returns 0 or
 * ZF_APP_ENOMEM; *out is freed with zf_app_pool_destroy. */
int zf_app_pool_new(uv_loop_t *loop, const char *conninfo, int workers, int queue_max,
                    zf_app_job_cb done_cb, zf_app_pool_t **out);

/* Queues a job; ZF_APP_EBUSY when the queue is full (answer 503). Loop thread only. */
int zf_app_pool_submit(zf_app_pool_t *pool, zf_app_job_t *job);

void zf_app_pool_stats(zf_app_pool_t *pool, zf_app_pool_stats_t *st);

/* Stops the workers (waits for running queries) and frees the pool; jobs still queued
 * are completed with 503 through done_cb first. */
void zf_app_pool_destroy(zf_app_pool_t *pool);

#endif
