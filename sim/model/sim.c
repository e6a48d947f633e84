/* sim: the event loop of one replication and the queueing network of sources and
 * stations. Events are dispatched by a switch on a small enum; jobs live in one pool
 * with a free list, so the hot path allocates nothing. */
#include "model/sim.h"
#include "engine/dist.h"
#include "engine/queue.h"
#include "engine/rng.h"
#include "model/station.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum ev_kind {
    EV_ARRIVAL,  /* obj = source */
    EV_DEPART,   /* obj = station, arg = job */
    EV_TICK,     /* end of a simulated second; arg = second index */
    EV_WARMUP,   /* warm-up ends: statistics restart */
};

typedef struct job {
    zf_time_t t_arr;     /* entered the system */
    zf_time_t t_here;    /* entered the current station */
    uint32_t kind;       /* source index */
    uint32_t next_free;
} job_t;

typedef struct node {
    zf_station_t st;
    zf_rng_t rng;
    zf_tally_t sojourn_s;
    uint64_t completed;
    double busy_area0, queue_area0; /* areas at the start of the current second */
} node_t;

typedef struct sim {
    const zf_scenario_t *sc;
    zf_queue_t q;
    zf_rec_t *rec;
    zf_rng_t *src_rng;
    double *src_mean_gap_ns;
    node_t *nodes;
    job_t *jobs;
    uint32_t njobs, jobs_cap, free_job;
    uint64_t in_system;
    zf_time_t end;
    int *gauge_busy, *gauge_queue;
} sim_t;

#define NO_JOB 0xffffffffu

uint64_t zf_sim_replication_seed(uint64_t seed, uint32_t r)
{
    if (r == 0)
        return seed;
    char name[32];
    snprintf(name, sizeof name, "replication/%u", r);
    return zf_rng_derive_seed(seed, name);
}

static int job_alloc(sim_t *s, uint32_t *out)
{
    if (s->free_job != NO_JOB) {
        *out = s->free_job;
        s->free_job = s->jobs[*out].next_free;
        return 0;
    }
    if (s->njobs == s->jobs_cap) {
        uint32_t cap = s->jobs_cap ? s->jobs_cap * 2 : 1024;
        job_t *j = realloc(s->jobs, cap * sizeof *j);
        if (!j)
            return ZF_ENOMEM;
        s->jobs = j;
        s->jobs_cap = cap;
    }
    *out = s->njobs++;
    return 0;
}

static inline void job_release(sim_t *s, uint32_t j)
{
    s->jobs[j].next_free = s->free_job;
    s->free_job = j;
}

/* Sends job j into station k at now. */
static int enter_station(sim_t *s, uint32_t k, uint32_t j, zf_time_t now)
{
    node_t *n = &s->nodes[k];
    s->jobs[j].t_here = now;
    int r = zf_station_arrive(&n->st, now, j);
    if (r == ZF_STATION_STARTED)
        return zf_queue_push(&s->q, now + zf_dist_sample_ns(&s->sc->stations[k].service, &n->rng),
                             EV_DEPART, k, j);
    if (r == ZF_STATION_BLOCKED) {
        zf_rec_end(s->rec, s->jobs[j].t_arr, now, s->jobs[j].kind, ZF_CAUSE_QUEUE_FULL);
        s->in_system--;
        job_release(s, j);
        return 0;
    }
    return r < 0 ? r : 0;
}

static int on_arrival(sim_t *s, uint32_t src, zf_time_t now)
{
    uint32_t j;
    int rc = job_alloc(s, &j);
    if (rc)
        return rc;
    s->jobs[j].t_arr = now;
    s->jobs[j].kind = src;
    s->in_system++;
    zf_rec_arrival(s->rec, now, src);
    rc = zf_queue_push(&s->q, now + (zf_time_t)(zf_rng_exp(&s->src_rng[src], s->src_mean_gap_ns[src]) + 0.5),
                       EV_ARRIVAL, src, 0);
    return rc ? rc : enter_station(s, s->sc->sources[src].target, j, now);
}

static int on_depart(sim_t *s, uint32_t k, uint32_t j, zf_time_t now)
{
    node_t *n = &s->nodes[k];
    uint32_t next;
    int rc = 0;
    n->completed++;
    zf_tally_add(&n->sojourn_s, zf_time_to_s(now - s->jobs[j].t_here));
    if (zf_station_complete(&n->st, now, &next))
        rc = zf_queue_push(&s->q, now + zf_dist_sample_ns(&s->sc->stations[k].service, &n->rng),
                           EV_DEPART, k, next);
    int32_t to = s->sc->stations[k].next;
    if (to >= 0)
        return rc ? rc : enter_station(s, (uint32_t)to, j, now);
    zf_rec_end(s->rec, s->jobs[j].t_arr, now, s->jobs[j].kind, ZF_CAUSE_OK);
    s->in_system--;
    job_release(s, j);
    return rc;
}

static void on_warmup(sim_t *s, zf_time_t now)
{
    for (size_t k = 0; k < s->sc->nstations; k++) {
        zf_station_reset_stats(&s->nodes[k].st, now);
        zf_tally_reset(&s->nodes[k].sojourn_s);
        s->nodes[k].completed = 0;
        s->nodes[k].busy_area0 = s->nodes[k].queue_area0 = 0;
    }
}

/* Integral of a time average's level up to now (value * ns). */
static double area_at(const zf_timeavg_t *a, zf_time_t now)
{
    return a->area + a->value * (double)(now - a->last);
}

static int on_tick(sim_t *s, uint64_t sec, zf_time_t now)
{
    for (size_t k = 0; k < s->sc->nstations; k++) {
        node_t *n = &s->nodes[k];
        double b = area_at(&n->st.busy_avg, now), q = area_at(&n->st.queue_avg, now);
        zf_rec_gauge(s->rec, s->gauge_busy[k], (b - n->busy_area0) / (double)ZF_S);
        zf_rec_gauge(s->rec, s->gauge_queue[k], (q - n->queue_area0) / (double)ZF_S);
        n->busy_area0 = b;
        n->queue_area0 = q;
    }
    int rc = zf_rec_tick(s->rec, sec, s->in_system);
    (void)rc;
    if (now + ZF_S <= s->end)
        return zf_queue_push(&s->q, now + ZF_S, EV_TICK, 0, sec + 1);
    return s->rec->io_error ? ZF_EIO : 0;
}

static int setup_streams(sim_t *s, uint64_t seed)
{
    const zf_scenario_t *sc = s->sc;
    char name[ZF_NAME_MAX + 16];
    s->src_rng = calloc(sc->nsources, sizeof *s->src_rng);
    s->src_mean_gap_ns = calloc(sc->nsources, sizeof *s->src_mean_gap_ns);
    s->nodes = calloc(sc->nstations, sizeof *s->nodes);
    if (!s->src_rng || !s->src_mean_gap_ns || !s->nodes)
        return ZF_ENOMEM;
    for (size_t i = 0; i < sc->nsources; i++) {
        snprintf(name, sizeof name, "source/%s", sc->sources[i].name);
        if (zf_rng_init(&s->src_rng[i], seed, name))
            return ZF_ENOMEM;
        s->src_mean_gap_ns[i] = 1e9 / sc->sources[i].rate_per_s;
    }
    for (size_t k = 0; k < sc->nstations; k++) {
        snprintf(name, sizeof name, "station/%s", sc->stations[k].name);
        if (zf_rng_init(&s->nodes[k].rng, seed, name) ||
            zf_station_init(&s->nodes[k].st, sc->stations[k].servers, sc->stations[k].queue_limit))
            return ZF_ENOMEM;
    }
    return 0;
}

static int setup_recorder(sim_t *s, const zf_sim_opts_t *opts)
{
    const zf_scenario_t *sc = s->sc;
    const char **kinds = calloc(sc->nsources, sizeof *kinds);
    s->gauge_busy = calloc(sc->nstations, sizeof *s->gauge_busy);
    s->gauge_queue = calloc(sc->nstations, sizeof *s->gauge_queue);
    if (!kinds || !s->gauge_busy || !s->gauge_queue) {
        free(kinds);
        return ZF_ENOMEM;
    }
    for (size_t i = 0; i < sc->nsources; i++)
        kinds[i] = sc->sources[i].name;
    int rc = zf_rec_init(s->rec, kinds, sc->nsources, sc->warmup, s->end);
    free(kinds);
    char name[ZF_REC_NAME_MAX];
    for (size_t k = 0; k < sc->nstations && rc == 0; k++) {
        snprintf(name, sizeof name, "%s.busy", sc->stations[k].name);
        s->gauge_busy[k] = zf_rec_add_gauge(s->rec, name);
        snprintf(name, sizeof name, "%s.queue", sc->stations[k].name);
        s->gauge_queue[k] = zf_rec_add_gauge(s->rec, name);
        if (s->gauge_busy[k] < 0 || s->gauge_queue[k] < 0)
            rc = ZF_ENOMEM;
    }
    if (rc == 0 && opts && opts->csv)
        rc = zf_rec_open_csv(s->rec, opts->csv);
    return rc;
}

static int schedule_start(sim_t *s)
{
    int rc = 0;
    for (size_t i = 0; i < s->sc->nsources && rc == 0; i++)
        rc = zf_queue_push(&s->q, (zf_time_t)(zf_rng_exp(&s->src_rng[i], s->src_mean_gap_ns[i]) + 0.5),
                           EV_ARRIVAL, (uint32_t)i, 0);
    if (rc == 0 && s->sc->warmup > 0)
        rc = zf_queue_push(&s->q, s->sc->warmup, EV_WARMUP, 0, 0);
    if (rc == 0 && ZF_S <= s->end)
        rc = zf_queue_push(&s->q, ZF_S, EV_TICK, 0, 0);
    return rc;
}

static int dispatch(sim_t *s, const zf_event_t *e)
{
    switch (zf_event_kind(e)) {
    case EV_ARRIVAL: return on_arrival(s, e->obj, e->time);
    case EV_DEPART: return on_depart(s, e->obj, (uint32_t)e->arg, e->time);
    case EV_TICK: return on_tick(s, e->arg, e->time);
    case EV_WARMUP: on_warmup(s, e->time); return 0;
    default: return ZF_ESTATE;
    }
}

static void report_progress(sim_t *s, const zf_sim_opts_t *opts, uint64_t events)
{
    zf_sim_progress_t p = {zf_queue_now(&s->q), s->end, events};
    opts->progress(opts->progress_ctx, &p);
}

static int run_loop(sim_t *s, const zf_sim_opts_t *opts, uint64_t *nevents)
{
    zf_event_t e;
    uint64_t n = 0;
    zf_time_t next_report = zf_wall_now() + 250 * ZF_MS;
    int rc = 0;
    while (rc == 0 && zf_queue_pop(&s->q, &e)) {
        if (e.time > s->end)
            break;
        rc = dispatch(s, &e);
        if ((++n & 0xffff) != 0 || !opts)
            continue;
        if (opts->stop && *opts->stop)
            rc = ZF_EABORT;
        if (opts->progress && zf_wall_now() >= next_report) {
            report_progress(s, opts, n);
            next_report = zf_wall_now() + 250 * ZF_MS;
        }
    }
    *nevents = n;
    return rc;
}

static void record_metrics(sim_t *s)
{
    const zf_scenario_t *sc = s->sc;
    double span_s = zf_time_to_s(s->end - sc->warmup);
    char name[ZF_REC_NAME_MAX];
    for (size_t k = 0; k < sc->nstations; k++) {
        node_t *n = &s->nodes[k];
        const char *nm = sc->stations[k].name;
        double busy = zf_timeavg_mean(&n->st.busy_avg, s->end);
        double lq = zf_timeavg_mean(&n->st.queue_avg, s->end);
#define PUT(suffix, v) (snprintf(name, sizeof name, "stations.%s.%s", nm, suffix), \
                        zf_rec_metric(s->rec, name, (v)))
        PUT("utilisation", busy / sc->stations[k].servers);
        PUT("mean_busy_servers", busy);
        PUT("mean_queue_length", lq);
        PUT("mean_in_system", lq + busy);
        PUT("mean_wait_s", n->st.wait_s.mean);
        PUT("mean_sojourn_s", n->sojourn_s.mean);
        PUT("arrivals", (double)n->st.arrivals);
        PUT("blocked", (double)n->st.blocked);
        PUT("blocking_probability",
            n->st.arrivals ? (double)n->st.blocked / (double)n->st.arrivals : 0.0);
        PUT("throughput_per_s", span_s > 0 ? (double)n->completed / span_s : 0.0);
#undef PUT
    }
}

static void sim_free(sim_t *s)
{
    for (size_t i = 0; s->src_rng && i < s->sc->nsources; i++)
        zf_rng_free(&s->src_rng[i]);
    for (size_t k = 0; s->nodes && k < s->sc->nstations; k++) {
        zf_rng_free(&s->nodes[k].rng);
        zf_station_free(&s->nodes[k].st);
    }
    free(s->src_rng);
    free(s->src_mean_gap_ns);
    free(s->nodes);
    free(s->jobs);
    free(s->gauge_busy);
    free(s->gauge_queue);
    zf_queue_free(&s->q);
}

int zf_sim_run(const zf_scenario_t *sc, uint64_t seed, const zf_sim_opts_t *opts,
               zf_rec_t *rec, uint64_t *events, zf_err_t *err)
{
    sim_t s = {0};
    uint64_t n = 0;
    s.sc = sc;
    s.rec = rec;
    s.free_job = NO_JOB;
    s.end = opts && opts->until > 0 ? opts->until : sc->duration;
    zf_queue_init(&s.q);
    memset(rec, 0, sizeof *rec);
    int rc = setup_recorder(&s, opts);
    if (rc == 0)
        rc = setup_streams(&s, seed);
    if (rc == 0)
        rc = schedule_start(&s);
    if (rc == 0)
        rc = run_loop(&s, opts, &n);
    if (rc == 0 && s.end % ZF_S != 0) /* the last, partial second */
        rc = zf_rec_tick(rec, (uint64_t)(s.end / ZF_S), s.in_system);
    if (rc == 0)
        record_metrics(&s);
    if (events)
        *events = n;
    sim_free(&s);
    if (rc == ZF_EIO)
        return zf_err_set(err, rc, "writing the per-second series failed");
    if (rc == ZF_EABORT)
        return zf_err_set(err, rc, "interrupted");
    if (rc)
        return zf_err_set(err, rc, "simulation failed: %s", zf_err_name(rc));
    return 0;
}
