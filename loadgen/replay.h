/* replay: the driver of `zonefall replay`. Runs the scenario's workload generator (or an
 * exported trace) on the caller's thread, maps scenario time to wall time, expands each
 * request's HTTP template and hands it to the load engine at its intended instant through
 * the feed; completions come back to the generator (devices buffer and retry) and into a
 * recorder in the simulator's format. Faults run as real commands on schedule and are
 * always healed; stop conditions and SIGINT/SIGTERM end a run early; acknowledged writes
 * are read back afterwards. See docs/replay.md. */
#ifndef ZF_REPLAY_H
#define ZF_REPLAY_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/err.h"
#include "loadgen/loadgen.h"
#include "metrics/recorder.h"
#include "scenario/scenario.h"
#include "workload/request.h"

typedef struct zf_replay_opts {
    const zf_scenario_t *sc;       /* already scaled (zf_replay_scale) */
    uint64_t seed;
    zf_time_t from, to;            /* the scenario instants [from, to) replayed */
    double speed;                  /* scenario seconds per wall second (> 0) */
    uint32_t shard_k, shard_n;     /* this run sends shard k (0-based) of n; n = 1: all */
    const char *trace_file;        /* replay this trace (no retries), or NULL: generate */
    const zf_lg_target_t *targets; /* [sc->deploy.nlbs], by load balancer index */
    zf_lg_config_t lg;             /* engine settings (threads, max_rps, TLS); the duration
                                      is set here from the window */
    const char *dir;               /* results directory (exists): actions/, history.jsonl */
    FILE *csv;                     /* per-second rows (wall seconds), or NULL */
    zf_time_t settle;              /* after the last heal, before verification */
    bool verify;                   /* read writes back (needs sc->replay->verify) */
    bool progress;                 /* a status line on stderr every second */
} zf_replay_opts_t;

typedef enum zf_replay_status {
    ZF_REPLAY_COMPLETE,
    ZF_REPLAY_INCOMPLETE,          /* SIGINT or SIGTERM: what was measured so far */
    ZF_REPLAY_ABORTED,             /* a stop condition fired */
} zf_replay_status_t;

typedef struct zf_replay_result {
    zf_rec_t rec;                  /* as the simulator's: counts, latency from the intended
                                      instant, per-second series, faults, data loss, metrics */
    zf_replay_status_t status;
    char reason[512];              /* why it stopped early, "" when complete */
    zf_lg_stats_t engine;          /* the traffic engine's statistics (lag, service time) */
    uint64_t responses;            /* requests that got an HTTP answer (any status) */
    json_t *actions;               /* owned: {fault name: [action records]} */
    json_t *data_loss;             /* owned: verification figures beyond the recorder's */
    json_t *info;                  /* owned: the "replay" section (window, shard, engine) */
} zf_replay_result_t;

/* Runs the replay. On success (also when interrupted or aborted: see res->status) res is
 * filled and the caller frees it with zf_replay_result_free; history.jsonl and actions/
 * are in o->dir. Every fault injected is healed before it returns, whatever happened.
 * ZF_EINVAL (a trace that does not fit), ZF_EIO, ZF_ENOMEM with err set. */
int zf_replay_run(const zf_replay_opts_t *o, zf_replay_result_t *res, zf_err_t *err);
void zf_replay_result_free(zf_replay_result_t *res);

/* What a dry run prints: the requests the window would send, without sending. */
typedef struct zf_replay_plan {
    uint64_t total, skipped;       /* sent; generated but left to other shards */
    uint64_t *by_kind;             /* [nkinds], owned */
    uint64_t *peak_by_kind;        /* [nkinds] most in one wall second, owned */
    uint64_t peak;                 /* most in one wall second */
    zf_time_t wall;                /* the window in wall time */
} zf_replay_plan_t;

/* Generates (or reads) the window's stream as zf_replay_run would, every request
 * succeeding, and counts it. 0, ZF_EINVAL, ZF_EIO or ZF_ENOMEM with err set. */
int zf_replay_plan(const zf_replay_opts_t *o, zf_replay_plan_t *p, zf_err_t *err);
void zf_replay_plan_free(zf_replay_plan_t *p);

/* Scales the fleet to fraction f in (0, 1]: device, location, agency and web-user counts
 * are multiplied by f (rounded, at least 1 where there were some), web and kind-source
 * rates by f; per-entity rates, bursts' fleet fractions and batch sizes per agency stay. */
void zf_replay_scale(zf_scenario_t *sc, double f);

/* Whether request r belongs to shard k (0-based) of n: a hash of its source class and
 * entity (device, location, agency, web user) modulo n, so an entity and its retries stay
 * in one shard; requests of a scenario's Poisson sources (one entity each, no state) are
 * split by their sequence number too. */
bool zf_replay_in_shard(const zf_request_t *r, uint32_t k, uint32_t n);


/* The wall instant (ns from the run's start) of scenario instant t. */
static inline zf_time_t zf_replay_wall(const zf_replay_opts_t *o, zf_time_t t)
{
    return (zf_time_t)((double)(t - o->from) / o->speed);
}

#endif
