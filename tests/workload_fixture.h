/* workload_fixture: what the workload tests share: scenarios written with ' for " (a
 * queueing station and source are included because the scenario root requires them), and
 * a driver that runs a workload over its own event queue, answering every request after
 * a fixed latency with an outcome chosen by the test, and records what was emitted. */
#ifndef ZF_WORKLOAD_FIXTURE_H
#define ZF_WORKLOAD_FIXTURE_H

#include <criterion/criterion.h>

#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"
#include "workload/workload.h"

#define FX_FILE "t.json"
#define FX_HEAD "'name': 'w', 'stations': [{'name': 's', 'service': '1ms'}], " \
                "'sources': [{'name': 'a', 'rate_per_s': 1, 'target': 's'}], "
#define FX_KINDS "'kinds': [{'name': 'report', 'service': '5ms', 'db_writes': 1}, " \
                 "{'name': 'gps', 'service': '2ms', 'db_writes': 1}, " \
                 "{'name': 'ignition', 'service': '2ms', 'db_writes': 1}, " \
                 "{'name': 'breath', 'service': '2ms', 'db_writes': 1}, " \
                 "{'name': 'page', 'service': '20ms', 'db_reads': 1}, " \
                 "{'name': 'query', 'service': '200ms', 'db_reads': 5}, " \
                 "{'name': 'alert', 'service': '5ms', 'db_writes': 1}], "

/* Parses text with ' standing for "; fails the test on error. Free with zf_scenario_free. */
static inline zf_scenario_t *fx_parse(const char *text)
{
    size_t n = strlen(text);
    char *buf = malloc(n + 1);
    zf_scenario_t *sc = NULL;
    zf_err_t err = {{0}};
    cr_assert_not_null(buf);
    for (size_t i = 0; i <= n; i++)
        buf[i] = text[i] == '\'' ? '"' : text[i];
    int rc = zf_scenario_parse(FX_FILE, buf, &sc, &err);
    free(buf);
    cr_assert_eq(rc, 0, "scenario refused: %s", err.msg);
    return sc;
}

typedef struct fx_rec {
    zf_request_t r;
    bool ok;
} fx_rec_t;

/* Decides the outcome of a request; NULL: every request succeeds. */
typedef bool (*fx_outcome_fn)(const zf_request_t *r, void *ctx);

/* A run's record: requests in emission order with their outcomes. */
typedef struct fx_run {
    fx_rec_t *rec;
    size_t n, cap;
    zf_workload_stats_t st;
    size_t bytes_per_device;
} fx_run_t;

/* Instants at which the driver calls zf_workload_set_offline (before events at that time). */
typedef struct fx_outage {
    zf_time_t at;
    double fraction;
    uint64_t salt;
} fx_outage_t;

/* Called when the run passes `at` (stats snapshot), once. */
typedef struct fx_probe {
    zf_time_t at;
    zf_workload_stats_t st;
    bool done;
} fx_probe_t;

#define FX_RESULT_KIND 1000

typedef struct fx_opts {
    zf_time_t until, latency;
    uint64_t seed;
    fx_outcome_fn outcome;
    void *ctx;
    const fx_outage_t *outages;
    size_t noutages;
    fx_probe_t *probes;
    size_t nprobes;
} fx_opts_t;

static inline void fx_before(zf_workload_t *w, const fx_opts_t *o, size_t *next_outage,
                             zf_time_t now)
{
    while (*next_outage < o->noutages && o->outages[*next_outage].at <= now) {
        const fx_outage_t *x = &o->outages[(*next_outage)++];
        cr_assert_eq(zf_workload_set_offline(w, x->fraction, x->salt, x->at), 0);
    }
    for (size_t i = 0; i < o->nprobes; i++)
        if (!o->probes[i].done && o->probes[i].at <= now) {
            zf_workload_stats(w, &o->probes[i].st);
            o->probes[i].done = true;
        }
}

/* Runs the scenario's workload with results after o->latency. Free run->rec. */
static inline void fx_run(const zf_scenario_t *sc, const fx_opts_t *o, fx_run_t *run)
{
    zf_queue_t q;
    zf_workload_t *w;
    zf_err_t err = {{0}};
    zf_event_t e;
    size_t next_outage = 0;
    memset(run, 0, sizeof *run);
    zf_queue_init(&q);
    cr_assert_eq(zf_workload_new(sc, o->seed, &q, 0, o->until, &w, &err), 0, "%s", err.msg);
    cr_assert_eq(zf_workload_start(w), 0);
    /* the driver's own events mark the outage and probe instants */
    for (size_t i = 0; i < o->noutages; i++)
        cr_assert_eq(zf_queue_push(&q, o->outages[i].at, FX_RESULT_KIND + 1, 0, 0), 0);
    for (size_t i = 0; i < o->nprobes; i++)
        cr_assert_eq(zf_queue_push(&q, o->probes[i].at, FX_RESULT_KIND + 1, 0, 0), 0);
    while (zf_queue_pop(&q, &e)) {
        fx_before(w, o, &next_outage, e.time);
        if (zf_event_kind(&e) == FX_RESULT_KIND) {
            fx_rec_t *x = &run->rec[e.obj];
            cr_assert_eq(zf_workload_result(w, &x->r, x->ok, e.time), 0);
            continue;
        }
        if (zf_event_kind(&e) > FX_RESULT_KIND)
            continue;
        zf_request_t r;
        int rc = zf_workload_event(w, &e, &r);
        cr_assert(rc == 0 || rc == 1, "workload event failed: %d", rc);
        if (rc == 0)
            continue;
        cr_assert_eq(r.t, e.time);
        if (run->n == run->cap) {
            run->cap = run->cap ? 2 * run->cap : 4096;
            run->rec = realloc(run->rec, run->cap * sizeof *run->rec);
            cr_assert_not_null(run->rec);
        }
        run->rec[run->n] = (fx_rec_t){r, o->outcome ? o->outcome(&r, o->ctx) : true};
        cr_assert_eq(zf_queue_push(&q, e.time + o->latency, FX_RESULT_KIND, (uint32_t)run->n, 0),
                     0);
        run->n++;
    }
    zf_workload_stats(w, &run->st);
    run->bytes_per_device = zf_workload_bytes_per_device(w);
    zf_workload_free(w);
    zf_queue_free(&q);
}

static inline size_t fx_count(const fx_run_t *run, unsigned source, uint32_t kind)
{
    size_t n = 0;
    for (size_t i = 0; i < run->n; i++)
        n += run->rec[i].r.source == source && (kind == UINT32_MAX || run->rec[i].r.kind == kind);
    return n;
}

/* Poisson 99.9% two-sided interval half-width (normal approximation, z = 3.29). */
static inline double fx_poisson_halfwidth(double mean)
{
    return 3.29 * __builtin_sqrt(mean) + 1;
}

#endif
