/* mm1: an M/M/1 queue run through the whole simulator: a scenario JSON text parsed by
 * zf_scenario_parse, one replication by zf_sim_run (no csv, no options), the events it
 * returns counted. 10^7 customers: arrivals at 1,000/s, exponential service with mean
 * 0.8 ms (load 0.8) for 10,000 simulated seconds. One "event" = one event the engine
 * dispatched (arrivals, departures, the per-second ticks). Prints one JSON object per
 * line on stdout and nothing else; exits 1 when the scenario or the run fails. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"
#include "engine/err.h"
#include "metrics/recorder.h"
#include "model/sim.h"
#include "scenario/scenario.h"

#define RUNS 5 /* figures are the median run; min and max beside it */

/* rate 1,000/s over 10,000 s: 10^7 customers expected; mean sojourn 1/(mu - lambda) = 4 ms */
static const char scenario_json[] =
    "{\"name\": \"bench-mm1\", \"seed\": 1, \"duration\": \"10000s\", \"warmup\": \"0s\",\n"
    " \"stations\": [{\"name\": \"server\", \"servers\": 1,\n"
    "                 \"service\": {\"dist\": \"exponential\", \"mean\": \"0.8ms\"}}],\n"
    " \"sources\": [{\"name\": \"arrivals\", \"rate_per_s\": 1000, \"target\": \"server\"}]}\n";

typedef struct run {
    double wall_s, cpu_s;
    uint64_t events, customers;
    double mean_sojourn_s, utilisation;
} run_t;

static void fail(const char *what, const zf_err_t *err)
{
    fprintf(stderr, "bench_mm1: %s: %s\n", what, err->msg);
    exit(1);
}

/* Parses the scenario and runs it once; the clock covers the parse and the run. */
static run_t run_once(void)
{
    zf_err_t err = {0};
    zf_scenario_t *sc = NULL;
    zf_rec_t rec;
    run_t r = {0};
    double c0 = bench_cpu_s(), t0 = bench_now_s();
    if (zf_scenario_parse("bench-mm1.json", scenario_json, &sc, &err) != 0)
        fail("scenario", &err);
    int rc = zf_sim_run(sc, sc->seed, NULL, &rec, &r.events, &err);
    r.wall_s = bench_now_s() - t0;
    r.cpu_s = bench_cpu_s() - c0;
    if (rc != 0)
        fail("zf_sim_run", &err);
    r.customers = rec.arrivals;
    r.mean_sojourn_s = zf_rec_metric_get(&rec, "stations.server.mean_sojourn_s");
    r.utilisation = zf_rec_metric_get(&rec, "stations.server.utilisation");
    zf_rec_free(&rec);
    zf_scenario_free(sc);
    return r;
}

static int by_wall(const void *a, const void *b)
{
    double x = ((const run_t *)a)->wall_s, y = ((const run_t *)b)->wall_s;
    return (x > y) - (x < y);
}

int main(void)
{
    run_t runs[RUNS];
    for (int i = 0; i < RUNS; i++)
        runs[i] = run_once();
    qsort(runs, RUNS, sizeof runs[0], by_wall);
    const run_t *med = &runs[RUNS / 2], *best = &runs[0], *worst = &runs[RUNS - 1];
    /* every run is the same simulation (same seed): identical counts are a determinism check */
    for (int i = 1; i < RUNS; i++)
        if (runs[i].events != runs[0].events || runs[i].customers != runs[0].customers) {
            fprintf(stderr, "bench_mm1: runs with one seed differ\n");
            return 1;
        }
    printf("{\"name\":\"mm1\",\"customers\":%llu,\"events\":%llu,\"wall_s\":%.3f,"
           "\"cpu_s\":%.3f,\"events_per_s\":%.0f,\"min_events_per_s\":%.0f,"
           "\"max_events_per_s\":%.0f,\"runs\":%d,\"utilisation\":%.4f,"
           "\"mean_sojourn_s\":%.6f,\"analytic_sojourn_s\":0.004}\n",
           (unsigned long long)med->customers, (unsigned long long)med->events, med->wall_s,
           med->cpu_s, (double)med->events / med->wall_s,
           (double)worst->events / worst->wall_s, (double)best->events / best->wall_s, RUNS,
           med->utilisation, med->mean_sojourn_s);
    return 0;
}
