/* scenario: a scenario file (JSON) turned into a typed, validated structure. Every later
 * stage (workload, model, replay, reports) reads this struct, never the JSON. Errors name
 * the file, the JSON path and what was expected. See docs/scenario-reference.md. */
#ifndef ZF_SCENARIO_H
#define ZF_SCENARIO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/dist.h"
#include "engine/err.h"
#include "scenario/deploy_spec.h"
#include "scenario/replay_spec.h"
#include "scenario/slo_spec.h"
#include "scenario/workload_spec.h"

#define ZF_NAME_MAX 64

/* An open-loop Poisson arrival stream feeding a station (queueing primitive). */
typedef struct zf_source_spec {
    char name[ZF_NAME_MAX];
    double rate_per_s;
    uint32_t target; /* station index */
} zf_source_spec_t;

/* c identical servers with one FIFO queue (queueing primitive; instances reuse it). */
typedef struct zf_station_spec {
    char name[ZF_NAME_MAX];
    uint32_t servers;
    int64_t queue_limit; /* waiting places; -1 = unlimited; arrivals beyond are blocked */
    zf_dist_t service;   /* ns */
    int32_t next;        /* station index a served job moves on to, or -1 (leaves) */
} zf_station_spec_t;

typedef struct zf_scenario {
    char file[512];
    char name[ZF_NAME_MAX];
    char description[512];
    uint64_t seed;
    uint32_t replications;
    double confidence;     /* for every confidence interval, e.g. 0.95 */
    zf_time_t duration;    /* simulated time of one replication, ns */
    zf_time_t warmup;      /* statistics before this instant are discarded */

    zf_source_spec_t *sources;
    size_t nsources;
    zf_station_spec_t *stations;
    size_t nstations;
    zf_slo_spec_t *slos;
    size_t nslos;

    /* deployment scenarios (docs/scenario-reference.md) */
    zf_kind_spec_t *kinds;
    size_t nkinds;
    zf_workload_spec_t workload;
    zf_deploy_spec_t deploy;
    zf_replay_spec_t *replay;  /* owned: fault actions, stop conditions, verify (replayer) */
} zf_scenario_t;

/* Loads and validates `file`. On success *out is owned by the caller (zf_scenario_free).
 * Returns 0, or ZF_EINVAL with err naming file, JSON path and expectation. */
int zf_scenario_load(const char *file, zf_scenario_t **out, zf_err_t *err);

/* Same from a JSON text (file is the name shown in messages). */
int zf_scenario_parse(const char *file, const char *text, zf_scenario_t **out, zf_err_t *err);

void zf_scenario_free(zf_scenario_t *s);

/* Index of the kind named `name`, or -1. */
int zf_scenario_kind(const zf_scenario_t *s, const char *name);

/* Index of the station named `name`, or -1. */
int zf_scenario_station(const zf_scenario_t *s, const char *name);

#endif
