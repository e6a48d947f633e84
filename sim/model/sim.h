/* sim: one replication of a scenario on the discrete-event engine. Builds the model
 * from the scenario, runs it to the end time, and leaves every measurement in a
 * recorder. No global state: several simulations may run in one process. */
#ifndef ZF_SIM_H
#define ZF_SIM_H

#include <signal.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/clock.h"
#include "engine/err.h"
#include "metrics/recorder.h"
#include "scenario/scenario.h"

typedef struct zf_sim_progress {
    zf_time_t now, end;   /* simulated ns */
    uint64_t events;
} zf_sim_progress_t;

typedef void (*zf_sim_progress_fn)(void *ctx, const zf_sim_progress_t *p);

typedef struct zf_sim_opts {
    zf_time_t until;              /* 0: the scenario's duration */
    FILE *csv;                    /* per-second rows go here, or NULL */
    zf_sim_progress_fn progress;  /* called about every 0.25 s of wall time, or NULL */
    void *progress_ctx;
    volatile sig_atomic_t *stop;           /* when it becomes non-zero the run ends with ZF_EABORT */
} zf_sim_opts_t;

/* Master seed of replication r: the scenario seed itself for r = 0, so a single run and
 * the first of many agree; derived from (seed, r) otherwise. */
uint64_t zf_sim_replication_seed(uint64_t seed, uint32_t r);

/* Runs one replication with `seed`. Initialises *rec (the caller zf_rec_free()s it, also
 * on error). Returns 0, ZF_ENOMEM, or ZF_EIO when writing the series failed. */
int zf_sim_run(const zf_scenario_t *sc, uint64_t seed, const zf_sim_opts_t *opts,
               zf_rec_t *rec, uint64_t *events, zf_err_t *err);

#endif
