/* app_db: worker threads with one libpq connection each, a bounded FIFO of jobs, and
 * the device API's SQL: idempotent inserts with an application counter, reads. */
#include "app_db.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* After a failed connect a worker answers 503 without retrying for this long, so a
 * dead database is not hammered; short enough to follow a failover within 0.1 s. */
#define RECONNECT_BACKOFF_NS 100000000LL

struct zf_app_pool {
    uv_loop_t *loop;
    uv_async_t async;
    zf_app_job_cb done_cb;
    char *conninfo;
    pthread_mutex_t mu;
    pthread_cond_t cv;
    zf_app_job_t *head, *tail;    /* waiting */
    zf_app_job_t *done_head;      /* completed, for the loop */
    int queued, queue_max, busy, nworkers;
    bool stopping;
    int db_state;
    char last_error[160];
    pthread_t *threads;
};

typedef struct worker {
    zf_app_pool_t *pool;
    PGconn *conn;
    int64_t next_connect_ns;
    bool sync_warning;            /* a notice said the commit may not be replicated */
} worker_t;

static int64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void set_db_state(zf_app_pool_t *p, int state, const char *err)
{
    pthread_mutex_lock(&p->mu);
    p->db_state = state;
    if (err) {
        snprintf(p->last_error, sizeof p->last_error, "%s", err);
        char *nl = strchr(p->last_error, '\n');
        if (nl)
            *nl = 0;
    }
    pthread_mutex_unlock(&p->mu);
}

/* "canceling wait for synchronous replication": the commit is local only. */
static void on_notice(void *arg, const char *message)
{
    if (strstr(message, "synchronous replication"))
        ((worker_t *)arg)->sync_warning = true;
}

static void drop_conn(worker_t *w)
{
    if (w->conn)
        PQfinish(w->conn);
    w->conn = NULL;
}

static bool ensure_conn(worker_t *w)
{
    if (w->conn && PQstatus(w->conn) == CONNECTION_OK)
        return true;
    drop_conn(w);
    if (now_ns() < w->next_connect_ns)
        return false;
    w->conn = PQconnectdb(w->pool->conninfo);
    if (PQstatus(w->conn) != CONNECTION_OK) {
        set_db_state(w->pool, 0, PQerrorMessage(w->conn));
        drop_conn(w);
        w->next_connect_ns = now_ns() + RECONNECT_BACKOFF_NS;
        return false;
    }
    PQsetNoticeProcessor(w->conn, on_notice, w);
    return true;
}

static void body_error(zf_app_job_t *job, int status, const char *what)
{
    job->status = status;
    snprintf(job->body, sizeof job->body, "{\"error\":\"%s\"}", what);
}

/* Runs one statement; on failure sets the job's status and drops a broken connection.
 * Returns the result (caller PQclears) or NULL. */
static PGresult *run(worker_t *w, zf_app_job_t *job, const char *sql, int n,
                     const char *const *params)
{
    if (!ensure_conn(w)) {
        body_error(job, 503, "database unavailable");
        return NULL;
    }
    w->sync_warning = false;
    PGresult *res = PQexecParams(w->conn, sql, n, NULL, params, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(res);
    if (st == PGRES_TUPLES_OK && !w->sync_warning) {
        set_db_state(w->pool, 1, NULL);
        return res;
    }
    const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
    bool broken = PQstatus(w->conn) != CONNECTION_OK ||
                  (state && strcmp(state, "25006") == 0); /* read-only: a demoted node */
    set_db_state(w->pool, broken ? 0 : 1, PQerrorMessage(w->conn));
    if (broken || w->sync_warning)
        drop_conn(w);
    body_error(job, broken || w->sync_warning ? 503 : 500,
               w->sync_warning ? "commit not confirmed by the standby"
               : broken ? "database unavailable" : "query failed");
    PQclear(res);
    return NULL;
}

static void do_write(worker_t *w, zf_app_job_t *job)
{
    static const char sql[] =
        "INSERT INTO writes (write_id, device, seq, kind) VALUES ($1, $2, $3, $4) "
        "ON CONFLICT (write_id) DO UPDATE SET applied = writes.applied + 1, "
        "updated_at = now() RETURNING applied";
    char a[24], b[24], c[24];
    const char *kind = job->kind == ZF_APP_GPS ? "gps" : "report";
    snprintf(a, sizeof a, "%" PRId64, job->write_id);
    snprintf(b, sizeof b, "%" PRId64, job->device);
    snprintf(c, sizeof c, "%" PRId64, job->seq);
    const char *params[] = {a, b, c, kind};
    PGresult *res = run(w, job, sql, 4, params);
    if (!res)
        return;
    long applied = strtol(PQgetvalue(res, 0, 0), NULL, 10);
    job->status = applied == 1 ? 201 : 200;
    snprintf(job->body, sizeof job->body,
             "{\"write_id\":%s,\"device\":%s,\"seq\":%s,\"kind\":\"%s\",\"applied\":%ld,"
             "\"duplicate\":%s}",
             a, b, c, kind, applied, applied > 1 ? "true" : "false");
    PQclear(res);
}

static void do_config(worker_t *w, zf_app_job_t *job)
{
    static const char sql[] =
        "SELECT count(*), coalesce(max(seq), -1) FROM writes WHERE device = $1";
    char d[24];
    snprintf(d, sizeof d, "%" PRId64, job->device);
    const char *params[] = {d};
    PGresult *res = run(w, job, sql, 1, params);
    if (!res)
        return;
    job->status = 200;
    snprintf(job->body, sizeof job->body,
             "{\"device\":%s,\"report_interval_s\":60,\"gps_interval_s\":10,"
             "\"writes\":%s,\"last_seq\":%s}",
             d, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
    PQclear(res);
}

static void do_write_get(worker_t *w, zf_app_job_t *job)
{
    static const char sql[] =
        "SELECT device, seq, kind, applied, "
        "(extract(epoch FROM created_at) * 1000000)::bigint FROM writes WHERE write_id = $1";
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, job->write_id);
    const char *params[] = {id};
    PGresult *res = run(w, job, sql, 1, params);
    if (!res)
        return;
    if (PQntuples(res) == 0) {
        job->status = 404;
        snprintf(job->body, sizeof job->body, "{\"error\":\"not found\",\"write_id\":%s}", id);
    } else {
        job->status = 200;
        snprintf(job->body, sizeof job->body,
                 "{\"write_id\":%s,\"device\":%s,\"seq\":%s,\"kind\":\"%s\",\"applied\":%s,"
                 "\"created_at_us\":%s}",
                 id, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2),
                 PQgetvalue(res, 0, 3), PQgetvalue(res, 0, 4));
    }
    PQclear(res);
}

static void do_ping(worker_t *w, zf_app_job_t *job)
{
    PGresult *res = run(w, job, "SELECT 1", 0, NULL);
    if (!res)
        return;
    job->status = 200;
    snprintf(job->body, sizeof job->body, "{\"db\":\"up\"}");
    PQclear(res);
}

static void run_job(worker_t *w, zf_app_job_t *job)
{
    switch (job->kind) {
    case ZF_APP_REPORT:
    case ZF_APP_GPS: do_write(w, job); break;
    case ZF_APP_CONFIG: do_config(w, job); break;
    case ZF_APP_WRITE_GET: do_write_get(w, job); break;
    case ZF_APP_HEALTH: do_ping(w, job); break;
    }
}

static void *worker_main(void *arg)
{
    worker_t w = {.pool = arg};
    zf_app_pool_t *p = w.pool;
    pthread_mutex_lock(&p->mu);
    for (;;) {
        while (!p->head && !p->stopping)
            pthread_cond_wait(&p->cv, &p->mu);
        if (p->stopping)
            break;
        zf_app_job_t *job = p->head;
        p->head = job->next;
        if (!p->head)
            p->tail = NULL;
        p->queued--;
        p->busy++;
        pthread_mutex_unlock(&p->mu);
        run_job(&w, job);
        pthread_mutex_lock(&p->mu);
        p->busy--;
        job->next = p->done_head;
        p->done_head = job;
        pthread_mutex_unlock(&p->mu);
        uv_async_send(&p->async);
        pthread_mutex_lock(&p->mu);
    }
    pthread_mutex_unlock(&p->mu);
    drop_conn(&w);
    return NULL;
}

/* Loop thread: hands completed jobs back, oldest first. */
static void on_async(uv_async_t *a)
{
    zf_app_pool_t *p = a->data;
    pthread_mutex_lock(&p->mu);
    zf_app_job_t *list = p->done_head;
    p->done_head = NULL;
    pthread_mutex_unlock(&p->mu);
    zf_app_job_t *rev = NULL;
    while (list) {
        zf_app_job_t *next = list->next;
        list->next = rev;
        rev = list;
        list = next;
    }
    while (rev) {
        zf_app_job_t *next = rev->next;
        p->done_cb(rev);
        rev = next;
    }
}

int zf_app_pool_new(uv_loop_t *loop, const char *conninfo, int workers, int queue_max,
                    zf_app_job_cb done_cb, zf_app_pool_t **out)
{
    zf_app_pool_t *p = calloc(1, sizeof *p);
    if (!p)
        return ZF_APP_ENOMEM;
    p->loop = loop;
    p->done_cb = done_cb;
    p->queue_max = queue_max;
    p->db_state = -1;
    p->conninfo = strdup(conninfo);
    p->threads = calloc((size_t)workers, sizeof *p->threads);
    if (!p->conninfo || !p->threads) {
        free(p->conninfo);
        free(p->threads);
        free(p);
        return ZF_APP_ENOMEM;
    }
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv, NULL);
    uv_async_init(loop, &p->async, on_async);
    p->async.data = p;
    for (int i = 0; i < workers; i++) {
        if (pthread_create(&p->threads[i], NULL, worker_main, p) != 0)
            break;
        p->nworkers++;
    }
    *out = p;
    return p->nworkers == workers ? 0 : ZF_APP_ENOMEM;
}

int zf_app_pool_submit(zf_app_pool_t *p, zf_app_job_t *job)
{
    pthread_mutex_lock(&p->mu);
    if (p->queued >= p->queue_max || p->stopping) {
        pthread_mutex_unlock(&p->mu);
        return ZF_APP_EBUSY;
    }
    job->next = NULL;
    if (p->tail)
        p->tail->next = job;
    else
        p->head = job;
    p->tail = job;
    p->queued++;
    pthread_cond_signal(&p->cv);
    pthread_mutex_unlock(&p->mu);
    return 0;
}

void zf_app_pool_stats(zf_app_pool_t *p, zf_app_pool_stats_t *st)
{
    pthread_mutex_lock(&p->mu);
    st->workers = p->nworkers;
    st->busy = p->busy;
    st->queued = p->queued;
    st->queue_max = p->queue_max;
    st->db_state = p->db_state;
    snprintf(st->last_error, sizeof st->last_error, "%s", p->last_error);
    pthread_mutex_unlock(&p->mu);
}

static void on_async_closed(uv_handle_t *h)
{
    zf_app_pool_t *p = h->data;
    pthread_mutex_destroy(&p->mu);
    pthread_cond_destroy(&p->cv);
    free(p->threads);
    free(p->conninfo);
    free(p);
}

void zf_app_pool_destroy(zf_app_pool_t *p)
{
    pthread_mutex_lock(&p->mu);
    p->stopping = true;
    zf_app_job_t *left = p->head;
    p->head = p->tail = NULL;
    p->queued = 0;
    pthread_cond_broadcast(&p->cv);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->nworkers; i++)
        pthread_join(p->threads[i], NULL);
    on_async(&p->async);
    while (left) {
        zf_app_job_t *next = left->next;
        body_error(left, 503, "shutting down");
        p->done_cb(left);
        left = next;
    }
    uv_close((uv_handle_t *)&p->async, on_async_closed);
}
