/* fleet: the full deployment model at fleet scale: 1,000,000 devices over 24 simulated
 * hours of the multi-az-baseline scenario (bench/fleet-1m.json extends it), one
 * replication on one core through zf_scenario_load and zf_sim_run (no csv). Reports wall
 * time, requests, events and peak resident memory per device (getrusage), beside the
 * model's own per-device state ("devices.bytes_per_device"). Prints one JSON object on
 * stdout and nothing else; exits 1 when the scenario or the run fails. */
#include <stdio.h>
#include <stdlib.h>

#include <gsl/gsl_errno.h>

#include "bench_util.h"
#include "engine/err.h"
#include "metrics/recorder.h"
#include "model/sim.h"
#include "scenario/scenario.h"

#ifndef FLEET_SCENARIO
#define FLEET_SCENARIO "bench/fleet-1m.json"
#endif

static void fail(const char *what, const zf_err_t *err)
{
    fprintf(stderr, "bench_fleet: %s: %s\n", what, err->msg);
    exit(1);
}

/* bench_fleet [SCENARIO]: the built-in path is the source tree's bench/fleet-1m.json;
 * another file (a smaller fleet under perf or callgrind) can be given. */
int main(int argc, char **argv)
{
    const char *file = argc > 1 ? argv[1] : FLEET_SCENARIO;
    zf_err_t err = {0};
    zf_scenario_t *sc = NULL;
    zf_rec_t rec;
    uint64_t events = 0;
    gsl_set_error_handler_off(); /* allocation failures come back as ZF_ENOMEM */

    double t0 = bench_now_s(), c0 = bench_cpu_s();
    if (zf_scenario_load(file, &sc, &err) != 0)
        fail("scenario", &err);
    int rc = zf_sim_run(sc, sc->seed, NULL, &rec, &events, &err);
    double wall_s = bench_now_s() - t0, cpu_s = bench_cpu_s() - c0;
    if (rc != 0)
        fail("zf_sim_run", &err);
    uint64_t rss = bench_peak_rss_bytes();
    uint32_t devices = sc->workload.fleet.count;
    uint64_t requests = rec.arrivals;

    printf("{\"name\":\"fleet_1m_24h\",\"devices\":%u,\"simulated_s\":%.0f,\"requests\":%llu,"
           "\"ok\":%llu,\"failed\":%llu,\"wall_s\":%.2f,\"cpu_s\":%.2f,\"events\":%llu,"
           "\"events_per_s\":%.0f,\"requests_per_s\":%.0f,\"peak_rss_bytes\":%llu,"
           "\"bytes_per_device\":%.1f,\"model_bytes_per_device\":%.0f}\n",
           devices, zf_time_to_s(sc->duration), (unsigned long long)requests,
           (unsigned long long)rec.ok, (unsigned long long)rec.failed, wall_s, cpu_s,
           (unsigned long long)events, (double)events / wall_s, (double)requests / wall_s,
           (unsigned long long)rss, devices ? (double)rss / devices : 0.0,
           zf_rec_metric_get(&rec, "devices.bytes_per_device"));
    zf_rec_free(&rec);
    zf_scenario_free(sc);
    return 0;
}
