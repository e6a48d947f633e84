/* wl: what the workload's modules (fleet, sources) share inside sim/workload: the run's
 * context, the event kinds (offsets from the caller's kind_base) and the scheduling and
 * write-id helpers. Internal: not included outside sim/workload. */
#ifndef ZF_WL_H
#define ZF_WL_H

#include <stdint.h>

#include "engine/queue.h"
#include "scenario/scenario.h"
#include "workload/request.h"
#include "workload/workload.h"

/* Event kinds, as offsets from kind_base; zf_workload_event switches on them. */
enum zf_wl_event {
    ZF_WLE_REPORT,       /* obj device, arg base instant of the report (before jitter) */
    ZF_WLE_TRIP_START,   /* the fleet's trip-start process (one chain) */
    ZF_WLE_BREATH,       /* obj device, arg the trip's end */
    ZF_WLE_GPS,          /* obj device, arg the trip's end */
    ZF_WLE_TRIP_END,     /* obj device */
    ZF_WLE_SEND,         /* obj device: send the next buffered message */
    ZF_WLE_RETRY,        /* obj device: backoff over, resend */
    ZF_WLE_RECONNECT,    /* obj device, arg reconnect generation */
    ZF_WLE_FLEET_BURST,  /* obj burst: a fleet_fraction burst begins */
    ZF_WLE_BURST_MSG,    /* obj device, arg message type */
    ZF_WLE_LOCATION,     /* obj 0 calibrations, 1 downloads */
    ZF_WLE_AGENCY_BATCH, /* obj batch */
    ZF_WLE_AGENCY_QUERY, /* obj batch, arg query index */
    ZF_WLE_WEB,
    ZF_WLE_SOURCE,       /* obj source */
    ZF_WLE_REPORTS_DUE,  /* the report calendar's next bucket is due (fleet.c) */
    ZF_WLE_COUNT
};

_Static_assert(ZF_WLE_COUNT <= ZF_WL_EVENT_KINDS, "workload event kinds exceed the range");

typedef struct zf_wl_ctx {
    const zf_scenario_t *sc;
    const zf_workload_spec_t *spec;
    zf_queue_t *q;
    unsigned kind_base;
    zf_time_t end;              /* nothing is scheduled at or after this instant */
    uint64_t seed;
    zf_workload_stats_t *st;
} zf_wl_ctx_t;

/* Schedules an event of the workload unless it falls at or after the end. 0 or ZF_ENOMEM. */
static inline int zf_wl_push(const zf_wl_ctx_t *c, zf_time_t t, enum zf_wl_event ev,
                             uint32_t obj, uint64_t arg)
{
    if (t >= c->end)
        return 0;
    return zf_queue_push(c->q, t, c->kind_base + (unsigned)ev, obj, arg);
}

/* Write id of a message (docs/trace-format.md): bit 63 set, bits 62-60 the source class,
 * 59-32 the entity, 31-0 the seq; 0 when the kind writes nothing. */
static inline uint64_t zf_wl_write_id(const zf_wl_ctx_t *c, uint32_t kind, unsigned cls,
                                      uint32_t entity, uint32_t seq)
{
    if (c->sc->kinds[kind].db_writes == 0)
        return 0;
    return 1ull << 63 | (uint64_t)cls << 60 | ((uint64_t)entity & 0xfffffffu) << 32 | seq;
}

/* Fills a request of a class other than devices (attempt 0, no flags). */
static inline void zf_wl_request(const zf_wl_ctx_t *c, zf_request_t *r, zf_time_t t,
                                 uint32_t kind, unsigned cls, uint32_t entity, uint32_t seq)
{
    *r = (zf_request_t){t, zf_wl_write_id(c, kind, cls, entity, seq), kind, entity, seq,
                        (uint8_t)cls, 0, 0};
}

#endif
