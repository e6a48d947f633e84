/* workload: the request stream of a scenario, deterministic per seed, shared by the
 * simulator and the replayer. It schedules its own events into the caller's event
 * queue (kinds kind_base .. kind_base + ZF_WL_EVENT_KINDS - 1), emits at most one request
 * per event, and reacts to outcomes: a device whose send fails buffers the message and
 * retries with backoff, so an outage turns into a reconnect storm. Its random streams
 * ("workload/...") are separate from the infrastructure's (common random numbers). */
#ifndef ZF_WORKLOAD_H
#define ZF_WORKLOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/err.h"
#include "engine/queue.h"
#include "scenario/scenario.h"
#include "workload/request.h"

#define ZF_WL_EVENT_KINDS 16

typedef struct zf_workload zf_workload_t;

typedef struct zf_workload_stats {
    uint64_t emitted;            /* requests handed to the engine */
    uint64_t emitted_by_class[5];/* by zf_source_class_t */
    uint64_t retries;            /* emitted with attempt > 0 */
    uint64_t buffered_now;       /* device messages waiting in buffers (backlog) */
    uint64_t dropped;            /* device messages lost to a full buffer */
    uint32_t offline_now;        /* devices currently without network */
    uint64_t created;            /* device messages created (sent or buffered) */
} zf_workload_stats_t;

/* Builds the workload of `sc` under `seed` for a run ending at `end` (ns). Events go into
 * q (not owned). *out is owned by the caller (zf_workload_free). 0, ZF_ENOMEM, ZF_EINVAL. */
int zf_workload_new(const zf_scenario_t *sc, uint64_t seed, zf_queue_t *q, unsigned kind_base,
                    zf_time_t end, zf_workload_t **out, zf_err_t *err);
void zf_workload_free(zf_workload_t *w);

/* Schedules the initial events. Call once, before popping. 0 or ZF_ENOMEM. */
int zf_workload_start(zf_workload_t *w);

/* Handles one of its own events (kind in its range) popped by the engine at e->time.
 * Returns 1 and fills *req when a request is due now, 0 when none, or ZF_ENOMEM. */
int zf_workload_event(zf_workload_t *w, const zf_event_t *e, zf_request_t *req);

/* Tells the workload how a request it emitted ended, at `now` (>= the request's time).
 * Device messages that failed go back to the device's buffer and are retried.
 * 0 or ZF_ENOMEM. */
int zf_workload_result(zf_workload_t *w, const zf_request_t *req, bool ok, zf_time_t now);

/* Device-network outage: from now on the given fraction of devices (chosen by a hash of
 * the device and `salt`) has no network and buffers everything; fraction 0 ends it and
 * the devices reconnect spread over the fleet's reconnect_jitter. 0 or ZF_ENOMEM. */
int zf_workload_set_offline(zf_workload_t *w, double fraction, uint64_t salt, zf_time_t now);

/* Counters for the per-second series and results. */
void zf_workload_stats(const zf_workload_t *w, zf_workload_stats_t *out);

/* Bytes of per-device state (allocation / devices), for the bytes-per-device figure. */
size_t zf_workload_bytes_per_device(const zf_workload_t *w);

/* Receives one request of a generated stream; returns 0 to go on or a negative ZF_E* code
 * to stop (then the callback's own context says why). */
typedef int (*zf_workload_emit_fn)(void *ctx, const zf_request_t *req);

/* Generates the base open-loop stream of `sc` under `seed` over [0, until): every request
 * succeeds at once (no failures, so no retries). Calls emit for each request in time
 * order (ties in scheduling order). *stats (may be NULL) receives the final counters.
 * 0, ZF_ENOMEM (err set), or emit's code. */
int zf_workload_generate(const zf_scenario_t *sc, uint64_t seed, zf_time_t until,
                         zf_workload_emit_fn emit, void *ctx, zf_workload_stats_t *stats,
                         zf_err_t *err);

#endif
