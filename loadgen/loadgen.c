/* loadgen: the engine's public face. Checks the configuration, parses the targets once,
 * then for a run starts one thread per loop, lets each resolve its names, releases them
 * all at one start instant, joins them and merges their statistics. */
#include "loadgen/loadgen.h"

#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/worker.h"

struct lg_run;

struct zf_lg {
    zf_lg_config_t cfg;
    char *ca_file;               /* owned copy of cfg.tls_ca_file */
    zf_url_t *urls;
    uint32_t *tfirst, *tcount, *tcap;
    uint32_t ntargets, nurls;
    unsigned nthreads;
    int need_tls;
    atomic_int stop;
    struct lg_run *run;          /* between zf_lg_start and zf_lg_wait */
    uv_mutex_t run_mu;           /* guards run against zf_lg_wake from other threads */
    int run_mu_ok;
    zf_time_t t0;
};

void zf_lg_config_defaults(zf_lg_config_t *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->timeout_ns = 10 * ZF_S;
    cfg->connect_timeout_ns = 3 * ZF_S;
    /* Elastic Load Balancing publishes its DNS records with a 60 s TTL ("Application Load
     * Balancers" user guide, "DNS name") */
    cfg->dns_ttl_ns = 60 * ZF_S;
    cfg->dns_wait_ns = 5 * ZF_S;
    cfg->max_conns = 256;
    cfg->max_queued = 65536;
    /* 50 us: a tenth of the 0.5 ms scheduling-lag budget, and at 20,000 requests/s one
     * timer wake-up per request at most (bench/replay.c measures both) */
    cfg->pace_tick_ns = 50 * ZF_US;
    cfg->tls_verify = 1;
}

static int check_config(const zf_lg_config_t *c, zf_err_t *err)
{
    if (c->duration_ns <= 0)
        return zf_err_set(err, ZF_EINVAL, "duration: expected > 0");
    if (c->threads > ZF_LG_THREADS_MAX)
        return zf_err_set(err, ZF_ERANGE, "threads: %u is above %d", c->threads,
                          ZF_LG_THREADS_MAX);
    if (c->timeout_ns <= 0 || c->connect_timeout_ns <= 0)
        return zf_err_set(err, ZF_EINVAL, "timeouts: expected > 0");
    if (c->dns_ttl_ns <= 0 || c->dns_wait_ns < 0)
        return zf_err_set(err, ZF_EINVAL, "dns ttl: expected > 0, dns wait >= 0");
    if (c->pace_tick_ns < 0 || c->pace_tick_ns >= ZF_S || c->spin_ns < 0 || c->spin_ns >= ZF_S)
        return zf_err_set(err, ZF_EINVAL, "pace tick and spin: expected 0 to 1 s");
    if (c->max_conns == 0 || c->max_queued == 0)
        return zf_err_set(err, ZF_EINVAL, "max conns and max queued: expected >= 1");
    if (c->dns_family != 0 && c->dns_family != 4 && c->dns_family != 6)
        return zf_err_set(err, ZF_EINVAL, "dns family: expected 0, 4 or 6");
    return zf_pacer_init(&(zf_pacer_t){0}, c->max_rps, c->max_rps_burst, err);
}

static unsigned default_threads(void)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n < 1 ? 1 : n > ZF_LG_THREADS_MAX ? ZF_LG_THREADS_MAX : (unsigned)n;
}

/* Parses every target's URLs into lg (targets' URLs contiguous). */
static int parse_targets(zf_lg_t *lg, const zf_lg_target_t *targets, size_t ntargets,
                         zf_err_t *err)
{
    size_t nurls = 0;
    for (size_t t = 0; t < ntargets; t++) {
        if (!targets[t].urls || targets[t].nurls == 0)
            return zf_err_set(err, ZF_EINVAL, "target '%s': expected at least one URL",
                              targets[t].name ? targets[t].name : "?");
        nurls += targets[t].nurls;
    }
    if (ntargets == 0 || ntargets > UINT32_MAX || nurls > UINT32_MAX / 2)
        return zf_err_set(err, ZF_EINVAL, "targets: expected 1 or more");
    lg->urls = calloc(nurls, sizeof *lg->urls);
    lg->tfirst = calloc(ntargets, sizeof *lg->tfirst);
    lg->tcount = calloc(ntargets, sizeof *lg->tcount);
    lg->tcap = calloc(ntargets, sizeof *lg->tcap);
    if (!lg->urls || !lg->tfirst || !lg->tcount || !lg->tcap)
        return zf_err_set(err, ZF_ENOMEM, "out of memory for targets");
    uint32_t u = 0;
    for (size_t t = 0; t < ntargets; t++) {
        lg->tfirst[t] = u;
        lg->tcount[t] = (uint32_t)targets[t].nurls;
        lg->tcap[t] = targets[t].max_conns ? targets[t].max_conns : lg->cfg.max_conns;
        for (size_t k = 0; k < targets[t].nurls; k++, u++) {
            int rc = zf_url_parse(targets[t].urls[k], &lg->urls[u], err);
            if (rc < 0)
                return zf_err_prefix(err, rc, "target '%s'",
                                     targets[t].name ? targets[t].name : "?");
            lg->need_tls |= lg->urls[u].tls;
        }
    }
    lg->ntargets = (uint32_t)ntargets;
    lg->nurls = u;
    return 0;
}

int zf_lg_new(zf_lg_t **out, const zf_lg_config_t *cfg, const zf_lg_target_t *targets,
              size_t ntargets, zf_err_t *err)
{
    *out = NULL;
    int rc = check_config(cfg, err);
    if (rc < 0)
        return rc;
    zf_lg_t *lg = calloc(1, sizeof *lg);
    if (!lg)
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    lg->cfg = *cfg;
    lg->nthreads = cfg->threads ? cfg->threads : default_threads();
    if (cfg->tls_ca_file && !(lg->ca_file = strdup(cfg->tls_ca_file))) {
        rc = zf_err_set(err, ZF_ENOMEM, "out of memory");
        goto out;
    }
    lg->cfg.tls_ca_file = lg->ca_file;
    if ((rc = parse_targets(lg, targets, ntargets, err)) < 0)
        goto out;
    if (lg->need_tls) { /* a bad CA file is bad input now, not a failure of every thread */
        zf_tls_ctx_t *probe;
        if ((rc = zf_tls_ctx_new(&probe, lg->cfg.tls_verify, lg->cfg.tls_ca_file, err)) < 0)
            goto out;
        zf_tls_ctx_free(probe);
    }
    atomic_init(&lg->stop, 0);
    if (uv_mutex_init(&lg->run_mu) < 0) {
        rc = zf_err_set(err, ZF_ENOMEM, "out of memory");
        goto out;
    }
    lg->run_mu_ok = 1;
    *out = lg;
    return 0;
out:
    zf_lg_destroy(lg);
    return rc;
}

void zf_lg_destroy(zf_lg_t *lg)
{
    if (!lg)
        return;
    free(lg->urls);
    free(lg->tfirst);
    free(lg->tcount);
    free(lg->tcap);
    free(lg->ca_file);
    if (lg->run_mu_ok)
        uv_mutex_destroy(&lg->run_mu);
    free(lg);
}

unsigned zf_lg_threads(const zf_lg_t *lg) { return lg->nthreads; }

void zf_lg_stop(zf_lg_t *lg) { atomic_store(&lg->stop, 1); }

/* ---- a run ---- */

/* Start gate of a run: threads count themselves ready, then wait for the start instant. */
typedef struct gate {
    uv_mutex_t mu;
    uv_cond_t cv;
    unsigned ready;
    int go;
    zf_time_t t0;
} gate_t;

typedef struct run_thread {
    zf_lg_t *lg;
    lg_plan_t *plan;
    const zf_lg_source_t *src;
    lg_worker_t *w;
    unsigned index;
    gate_t *gate;
    int rc;
} run_thread_t;

/* Signals the process handles (SIGINT, SIGTERM...) go to the caller's threads, and
 * writes to a closed socket return EPIPE here instead of killing the process. */
static void block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    int sigs[] = {SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT, SIGCHLD, SIGUSR1, SIGUSR2,
                  SIGALRM};
    for (size_t i = 0; i < sizeof sigs / sizeof *sigs; i++)
        sigaddset(&set, sigs[i]);
    pthread_sigmask(SIG_BLOCK, &set, NULL);
}

static void thread_main(void *arg)
{
    run_thread_t *rt = arg;
    block_signals();
    /* timerfd wake-ups as close to the instant as the kernel allows (default slack is
     * 50 us); a per-thread setting of our own thread, nothing global */
    prctl(PR_SET_TIMERSLACK, 1UL, 0UL, 0UL, 0UL);
    rt->rc = lg_worker_prepare(rt->w, rt->plan, rt->index, rt->src);
    gate_t *g = rt->gate;
    uv_mutex_lock(&g->mu);
    g->ready++;
    uv_cond_broadcast(&g->cv);
    while (!g->go)
        uv_cond_wait(&g->cv, &g->mu);
    zf_time_t t0 = g->t0;
    uv_mutex_unlock(&g->mu);
    if (rt->rc == 0 && !atomic_load(&rt->lg->stop))
        lg_worker_run(rt->w, t0);
}

/* Merges the threads' results into stats; returns the first error of a thread. */
static int collect(run_thread_t *rts, unsigned n, zf_lg_stats_t *stats, zf_err_t *err)
{
    int rc = 0;
    for (unsigned i = 0; i < n; i++) {
        lg_worker_t *w = rts[i].w;
        lg_worker_cleanup(w);
        int e = rts[i].rc ? rts[i].rc : w->fatal;
        if (e < 0 && rc == 0) {
            rc = e;
            zf_err_set(err, e, "thread %u: %s", i, w->err.msg);
        }
        zf_lg_stats_merge(stats, &w->stats);
        zf_lg_stats_free(&w->stats);
    }
    return rc;
}

/* A run between zf_lg_start and zf_lg_wait. */
typedef struct lg_run {
    lg_plan_t plan;
    lg_worker_t *workers;
    run_thread_t *rts;
    uv_thread_t *tids;
    lg_waker_t *wakers;
    gate_t gate;
    unsigned started, nwakers;
    int rc;                      /* an error of the start itself, kept for the wait */
    zf_err_t err;
} lg_run_t;

static void run_free(lg_run_t *r)
{
    for (unsigned i = 0; i < r->nwakers; i++)
        uv_mutex_destroy(&r->wakers[i].mu);
    free(r->wakers);
    free(r->workers);
    free(r->rts);
    free(r->tids);
    free(r);
}

/* Allocates a run of n threads with its wakers and start gate; NULL when out of memory. */
static lg_run_t *run_new(unsigned n)
{
    lg_run_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->workers = calloc(n, sizeof *r->workers);
    r->rts = calloc(n, sizeof *r->rts);
    r->tids = calloc(n, sizeof *r->tids);
    r->wakers = calloc(n, sizeof *r->wakers);
    if (!r->workers || !r->rts || !r->tids || !r->wakers)
        goto fail;
    for (; r->nwakers < n; r->nwakers++)
        if (uv_mutex_init(&r->wakers[r->nwakers].mu) < 0)
            goto fail;
    if (uv_mutex_init(&r->gate.mu) < 0)
        goto fail;
    if (uv_cond_init(&r->gate.cv) < 0) {
        uv_mutex_destroy(&r->gate.mu);
        goto fail;
    }
    return r;
fail:
    run_free(r);
    return NULL;
}

int zf_lg_start(zf_lg_t *lg, const zf_lg_source_t *src, zf_err_t *err)
{
    if (!src || !src->next)
        return zf_err_set(err, ZF_EINVAL, "run: a source with next() is required");
    if (lg->run)
        return zf_err_set(err, ZF_ESTATE, "run: already started");
    unsigned n = lg->nthreads;
    lg_run_t *r = run_new(n);
    if (!r)
        return zf_err_set(err, ZF_ENOMEM, "out of memory for threads");
    r->plan = (lg_plan_t){
        .cfg = &lg->cfg, .urls = lg->urls, .tfirst = lg->tfirst, .tcount = lg->tcount,
        .tcap = lg->tcap, .ntargets = lg->ntargets, .nurls = lg->nurls, .nthreads = n,
        .need_tls = lg->need_tls, .stop_flag = &lg->stop, .wakers = r->wakers,
    };
    uv_mutex_lock(&lg->run_mu);
    lg->run = r;
    uv_mutex_unlock(&lg->run_mu);
    atomic_store(&lg->stop, 0);
    for (; r->started < n; r->started++) {
        unsigned i = r->started;
        r->rts[i] = (run_thread_t){lg, &r->plan, src, &r->workers[i], i, &r->gate, 0};
        if (uv_thread_create(&r->tids[i], thread_main, &r->rts[i]) != 0)
            break;
    }
    if (r->started < n) {
        atomic_store(&lg->stop, 1); /* the threads that did start only clean up */
        r->rc = zf_err_set(&r->err, ZF_EIO, "cannot start thread %u", r->started);
    }
    gate_t *g = &r->gate;
    uv_mutex_lock(&g->mu);
    while (g->ready < r->started)
        uv_cond_wait(&g->cv, &g->mu);
    g->t0 = zf_wall_now() + ZF_MS; /* one start instant, just ahead of every thread */
    lg->t0 = g->t0;
    g->go = 1;
    uv_cond_broadcast(&g->cv);
    uv_mutex_unlock(&g->mu);
    return 0;
}

int zf_lg_wait(zf_lg_t *lg, zf_lg_stats_t *stats, zf_err_t *err)
{
    lg_run_t *r = lg->run;
    if (!r)
        return zf_err_set(err, ZF_ESTATE, "run: not started");
    for (unsigned i = 0; i < r->started; i++)
        uv_thread_join(&r->tids[i]);
    uv_cond_destroy(&r->gate.cv);
    uv_mutex_destroy(&r->gate.mu);
    int rc = r->rc;
    if (rc)
        zf_err_set(err, rc, "%s", r->err.msg);
    int crc = collect(r->rts, r->started, stats, err);
    if (rc == 0)
        rc = crc;
    if (atomic_load(&lg->stop) && rc == 0)
        stats->stopped = 1;
    uv_mutex_lock(&lg->run_mu);
    lg->run = NULL;
    uv_mutex_unlock(&lg->run_mu);
    run_free(r);
    return rc;
}

int zf_lg_run(zf_lg_t *lg, const zf_lg_source_t *src, zf_lg_stats_t *stats, zf_err_t *err)
{
    int rc = zf_lg_start(lg, src, err);
    return rc ? rc : zf_lg_wait(lg, stats, err);
}

zf_time_t zf_lg_t0(const zf_lg_t *lg) { return lg->t0; }

void zf_lg_wake(zf_lg_t *lg, unsigned thread)
{
    uv_mutex_lock(&lg->run_mu);
    lg_run_t *r = lg->run;
    if (r && thread < r->nwakers) {
        lg_waker_t *wk = &r->wakers[thread];
        uv_mutex_lock(&wk->mu);
        if (wk->async)
            uv_async_send(wk->async);
        uv_mutex_unlock(&wk->mu);
    }
    uv_mutex_unlock(&lg->run_mu);
}

/* ---- statistics ---- */

int zf_lg_stats_init(zf_lg_stats_t *s)
{
    memset(s, 0, sizeof *s);
    if (zf_hist_init(&s->latency) < 0 || zf_hist_init(&s->service) < 0 ||
        zf_hist_init(&s->lag) < 0 || zf_hist_init(&s->dispatch_lag) < 0) {
        zf_lg_stats_free(s);
        return ZF_ENOMEM;
    }
    return 0;
}

void zf_lg_stats_free(zf_lg_stats_t *s)
{
    zf_hist_free(&s->latency);
    zf_hist_free(&s->service);
    zf_hist_free(&s->lag);
    zf_hist_free(&s->dispatch_lag);
}

void zf_lg_stats_merge(zf_lg_stats_t *d, const zf_lg_stats_t *s)
{
    d->requests += s->requests;
    d->sent += s->sent;
    d->completed += s->completed;
    for (int i = 0; i < ZF_CAUSE_COUNT; i++)
        d->by_cause[i] += s->by_cause[i];
    for (int i = 0; i < 6; i++)
        d->by_status[i] += s->by_status[i];
    d->incomplete += s->incomplete;
    d->throttled += s->throttled;
    d->connects += s->connects;
    d->connect_failures += s->connect_failures;
    d->tls_handshakes += s->tls_handshakes;
    d->tls_failures += s->tls_failures;
    d->dns_lookups += s->dns_lookups;
    d->dns_failures += s->dns_failures;
    d->unsolicited += s->unsolicited;
    d->bytes_out += s->bytes_out;
    d->bytes_in += s->bytes_in;
    d->body_bytes += s->body_bytes;
    if (s->max_queued_seen > d->max_queued_seen)
        d->max_queued_seen = s->max_queued_seen;
    d->max_open_seen += s->max_open_seen;
    if (s->elapsed_ns > d->elapsed_ns)
        d->elapsed_ns = s->elapsed_ns;
    d->stopped |= s->stopped;
    zf_hist_merge(&d->latency, &s->latency);
    zf_hist_merge(&d->service, &s->service);
    zf_hist_merge(&d->lag, &s->lag);
    zf_hist_merge(&d->dispatch_lag, &s->dispatch_lag);
}
