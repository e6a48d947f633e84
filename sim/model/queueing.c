/* queueing: the plain queueing network of a scenario: Poisson sources feeding c-server
 * stations, optionally in tandem. The validation scenarios run on this alone. */
#include "model/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct zf_job {
    zf_time_t t_arr;     /* entered the system */
    zf_time_t t_here;    /* entered the current station */
    uint32_t kind;       /* source index */
    uint32_t next_free;
} zf_job_t;

typedef struct zf_qnode {
    zf_station_t st;
    zf_rng_t rng;
    zf_durations_t sojourn;
    uint64_t completed;
    double busy_area0, queue_area0; /* areas at the start of the current second */
} zf_qnode_t;

#define NO_JOB UINT32_MAX

static int job_alloc(zf_model_t *m, uint32_t *out)
{
    if (m->free_job != NO_JOB) {
        *out = m->free_job;
        m->free_job = m->jobs[*out].next_free;
        return 0;
    }
    if (m->njobs == m->jobs_cap) {
        uint32_t cap = m->jobs_cap ? m->jobs_cap * 2 : 1024;
        zf_job_t *j = realloc(m->jobs, cap * sizeof *j);
        if (!j)
            return ZF_ENOMEM;
        m->jobs = j;
        m->jobs_cap = cap;
    }
    *out = m->njobs++;
    return 0;
}

static inline void job_release(zf_model_t *m, uint32_t j)
{
    m->jobs[j].next_free = m->free_job;
    m->free_job = j;
}

/* A service time of station k (ns): zf_dist_sample_ns, with the exponential case (every
 * M/M/c scenario) drawn without going through the distribution switch. */
static inline zf_time_t service_ns(zf_model_t *m, uint32_t k)
{
    const zf_dist_t *d = &m->sc->stations[k].service;
    if (d->kind != ZF_DIST_EXPONENTIAL)
        return zf_dist_sample_ns(d, &m->nodes[k].rng);
    double v = zf_rng_exp(&m->nodes[k].rng, d->a);
    return v <= 0 ? 0 : (zf_time_t)(v + 0.5);
}

/* Sends job j into station k at now. */
static inline int enter_station(zf_model_t *m, uint32_t k, uint32_t j, zf_time_t now)
{
    zf_qnode_t *n = &m->nodes[k];
    m->jobs[j].t_here = now;
    int r = zf_station_arrive(&n->st, now, j);
    if (r == ZF_STATION_STARTED)
        return zf_queue_push(&m->q, now + service_ns(m, k), EV_DEPART, k, j);
    if (r == ZF_STATION_BLOCKED) {
        zf_rec_end(m->rec, m->jobs[j].t_arr, now, m->jobs[j].kind, ZF_CAUSE_QUEUE_FULL);
        m->in_system--;
        job_release(m, j);
        return 0;
    }
    return r < 0 ? r : 0;
}

int zf_qnet_arrival(zf_model_t *m, uint32_t src, zf_time_t now)
{
    uint32_t j;
    int rc = job_alloc(m, &j);
    if (rc)
        return rc;
    m->jobs[j].t_arr = now;
    m->jobs[j].kind = src;
    m->in_system++;
    zf_rec_arrival(m->rec, now, src);
    zf_time_t gap = (zf_time_t)(zf_rng_exp(&m->src_rng[src], m->src_mean_gap_ns[src]) + 0.5);
    rc = zf_queue_push(&m->q, now + gap, EV_ARRIVAL, src, 0);
    return rc ? rc : enter_station(m, m->sc->sources[src].target, j, now);
}

int zf_qnet_depart(zf_model_t *m, uint32_t k, uint32_t j, zf_time_t now)
{
    zf_qnode_t *n = &m->nodes[k];
    uint32_t next;
    int rc = 0;
    n->completed++;
    zf_durations_add(&n->sojourn, now - m->jobs[j].t_here);
    if (zf_station_complete(&n->st, now, &next))
        rc = zf_queue_push(&m->q, now + service_ns(m, k), EV_DEPART, k, next);
    int32_t to = m->sc->stations[k].next;
    if (to >= 0)
        return rc ? rc : enter_station(m, (uint32_t)to, j, now);
    zf_rec_end(m->rec, m->jobs[j].t_arr, now, m->jobs[j].kind, ZF_CAUSE_OK);
    m->in_system--;
    job_release(m, j);
    return rc;
}

void zf_qnet_warmup(zf_model_t *m, zf_time_t now)
{
    for (size_t k = 0; k < m->sc->nstations; k++) {
        zf_station_reset_stats(&m->nodes[k].st, now);
        m->nodes[k].sojourn = (zf_durations_t){0};
        m->nodes[k].completed = 0;
        m->nodes[k].busy_area0 = m->nodes[k].queue_area0 = 0;
    }
}

/* Integral of a time average's level up to now (value * ns). */
static double area_at(const zf_timeavg_t *a, zf_time_t now)
{
    return a->area + a->value * (double)(now - a->last);
}

void zf_qnet_tick(zf_model_t *m, zf_time_t now)
{
    for (size_t k = 0; k < m->sc->nstations; k++) {
        zf_qnode_t *n = &m->nodes[k];
        double b = area_at(&n->st.busy_avg, now), q = area_at(&n->st.queue_avg, now);
        zf_rec_gauge(m->rec, m->gauge_busy[k], (b - n->busy_area0) / (double)ZF_S);
        zf_rec_gauge(m->rec, m->gauge_queue[k], (q - n->queue_area0) / (double)ZF_S);
        n->busy_area0 = b;
        n->queue_area0 = q;
    }
}

int zf_qnet_setup(zf_model_t *m)
{
    const zf_scenario_t *sc = m->sc;
    char name[ZF_REC_NAME_MAX];
    m->free_job = NO_JOB;
    m->src_rng = calloc(sc->nsources + 1, sizeof *m->src_rng);
    m->src_mean_gap_ns = calloc(sc->nsources + 1, sizeof *m->src_mean_gap_ns);
    m->nodes = calloc(sc->nstations + 1, sizeof *m->nodes);
    m->gauge_busy = calloc(sc->nstations + 1, sizeof *m->gauge_busy);
    m->gauge_queue = calloc(sc->nstations + 1, sizeof *m->gauge_queue);
    if (!m->src_rng || !m->src_mean_gap_ns || !m->nodes || !m->gauge_busy || !m->gauge_queue)
        return ZF_ENOMEM;
    for (size_t i = 0; i < sc->nsources; i++) {
        snprintf(name, sizeof name, "source/%s", sc->sources[i].name);
        if (zf_rng_init(&m->src_rng[i], m->seed, name))
            return ZF_ENOMEM;
        m->src_mean_gap_ns[i] = 1e9 / sc->sources[i].rate_per_s;
    }
    for (size_t k = 0; k < sc->nstations; k++) {
        snprintf(name, sizeof name, "station/%s", sc->stations[k].name);
        if (zf_rng_init(&m->nodes[k].rng, m->seed, name) ||
            zf_station_init(&m->nodes[k].st, sc->stations[k].servers, sc->stations[k].queue_limit))
            return ZF_ENOMEM;
        snprintf(name, sizeof name, "%s.busy", sc->stations[k].name);
        m->gauge_busy[k] = zf_rec_add_gauge(m->rec, name);
        snprintf(name, sizeof name, "%s.queue", sc->stations[k].name);
        m->gauge_queue[k] = zf_rec_add_gauge(m->rec, name);
        if (m->gauge_busy[k] < 0 || m->gauge_queue[k] < 0)
            return ZF_ENOMEM;
    }
    return 0;
}

int zf_qnet_start(zf_model_t *m)
{
    int rc = 0;
    for (size_t i = 0; i < m->sc->nsources && rc == 0; i++)
        rc = zf_queue_push(&m->q, (zf_time_t)(zf_rng_exp(&m->src_rng[i], m->src_mean_gap_ns[i]) + 0.5),
                           EV_ARRIVAL, (uint32_t)i, 0);
    return rc;
}

void zf_qnet_metrics(zf_model_t *m)
{
    const zf_scenario_t *sc = m->sc;
    double span_s = zf_time_to_s(m->end - sc->warmup);
    char name[ZF_REC_NAME_MAX];
    for (size_t k = 0; k < sc->nstations; k++) {
        zf_qnode_t *n = &m->nodes[k];
        const char *nm = sc->stations[k].name;
        double busy = zf_timeavg_mean(&n->st.busy_avg, m->end);
        double lq = zf_timeavg_mean(&n->st.queue_avg, m->end);
        struct {
            const char *suffix;
            double v;
        } put[] = {
            {"utilisation", busy / sc->stations[k].servers},
            {"mean_busy_servers", busy},
            {"mean_queue_length", lq},
            {"mean_in_system", lq + busy},
            {"mean_wait_s", zf_durations_mean_s(&n->st.wait)},
            {"mean_sojourn_s", zf_durations_mean_s(&n->sojourn)},
            {"arrivals", (double)n->st.arrivals},
            {"blocked", (double)n->st.blocked},
            {"blocking_probability",
             n->st.arrivals ? (double)n->st.blocked / (double)n->st.arrivals : 0.0},
            {"throughput_per_s", span_s > 0 ? (double)n->completed / span_s : 0.0},
        };
        for (size_t i = 0; i < sizeof put / sizeof put[0]; i++) {
            snprintf(name, sizeof name, "stations.%s.%s", nm, put[i].suffix);
            zf_rec_metric(m->rec, name, put[i].v);
        }
    }
}

void zf_qnet_free(zf_model_t *m)
{
    for (size_t i = 0; m->src_rng && i < m->sc->nsources; i++)
        zf_rng_free(&m->src_rng[i]);
    for (size_t k = 0; m->nodes && k < m->sc->nstations; k++) {
        zf_rng_free(&m->nodes[k].rng);
        zf_station_free(&m->nodes[k].st);
    }
    free(m->src_rng);
    free(m->src_mean_gap_ns);
    free(m->nodes);
    free(m->jobs);
    free(m->gauge_busy);
    free(m->gauge_queue);
}
