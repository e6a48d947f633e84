/* fleet: the device fleet of a workload: per-device periodic telemetry with jitter, trips
 * (ignition on, breath test, GPS pings while driving, ignition off) started by one
 * fleet-wide Poisson process along the trip profile, store-and-forward buffers with one
 * request in flight per device, retries with capped exponential backoff and full jitter,
 * network outages with a reconnect storm, and fleet_fraction bursts. Per-device state is
 * one array of small structs (fleet.c); the buffers share one pool (backlog.h). */
#ifndef ZF_WL_FLEET_H
#define ZF_WL_FLEET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/err.h"
#include "engine/rng.h"
#include "workload/backlog.h"
#include "workload/calendar.h"
#include "workload/rate.h"
#include "workload/wl.h"

#define ZF_FLEET_TYPES 255 /* distinct message kinds a fleet can send */
#define ZF_FLEET_NO_TYPE 0xff

struct zf_fleet_dev;

/* Embedded in the workload; fields are the fleet's. */
typedef struct zf_fleet {
    const zf_wl_ctx_t *c;
    const zf_fleet_spec_t *f;
    struct zf_fleet_dev *dev;   /* [n] */
    uint32_t n;
    zf_backlog_pool_t pool;
    uint32_t type_kind[ZF_FLEET_TYPES]; /* kind of each message type */
    unsigned ntypes;
    uint8_t *kind_type;         /* [nkinds]: type of a kind, ZF_FLEET_NO_TYPE if none */
    uint8_t t_report, t_gps, t_ignition, t_breath;
    zf_rate_t trips;
    zf_rng_t r_reports, r_trips, r_retry, r_reconnect;
    /* GPS pings of the last gps_interval, oldest first (fleet.c: prefetch hints) */
    struct zf_fleet_ping *pings;
    uint32_t pings_cap, pings_head, pings_len;
    /* pending reports, out of the main queue until their bucket is due (fleet.c) */
    zf_calendar_t cal;
    bool cal_armed;             /* a ZF_WLE_REPORTS_DUE event is pending */
} zf_fleet_t;

/* Sets the fleet up from c->spec (n = 0 for none). 0, ZF_ENOMEM or ZF_EINVAL (too many
 * distinct kinds). Pair with zf_fleet_free. */
int zf_fleet_init(zf_fleet_t *fl, const zf_wl_ctx_t *c, zf_err_t *err);
void zf_fleet_free(zf_fleet_t *fl);

/* Schedules every device's first report, the first trip start and the fleet bursts. */
int zf_fleet_start(zf_fleet_t *fl);

/* Handles a fleet event (ZF_WLE_REPORT .. ZF_WLE_BURST_MSG, ZF_WLE_REPORTS_DUE) at e->time: 1 and *req when
 * a request is due now, 0 when none, or ZF_ENOMEM. */
int zf_fleet_event(zf_fleet_t *fl, unsigned ev, const zf_event_t *e, zf_request_t *req);

/* Outcome of a device request (see zf_workload_result). 0 or ZF_ENOMEM. */
int zf_fleet_result(zf_fleet_t *fl, const zf_request_t *req, bool ok, zf_time_t now);

/* See zf_workload_set_offline. 0 or ZF_ENOMEM. */
int zf_fleet_set_offline(zf_fleet_t *fl, double fraction, uint64_t salt, zf_time_t now);

/* Bytes of per-device state: the device array, the buffer pool and the report calendar. */
size_t zf_fleet_bytes(const zf_fleet_t *fl);

/* Backoff before the retry that follows the k-th failure in a row (k >= 1): uniform on
 * [0, min(cap, base 2^(k-1))) under full jitter, else exactly that bound. */
zf_time_t zf_fleet_backoff(const zf_retry_spec_t *r, unsigned k, zf_rng_t *rng);

#endif
