/* workload: the request stream of a scenario: builds the fleet and the open-loop sources
 * over the caller's event queue, dispatches its events by kind, counts what it emits, and
 * runs the base stream (every request succeeding) for trace export and tests. */
#include "workload/workload.h"
#include "workload/fleet.h"
#include "workload/sources.h"
#include "workload/wl.h"

#include <stdlib.h>

struct zf_workload {
    zf_wl_ctx_t c;
    zf_workload_stats_t st;
    zf_fleet_t fleet;
    zf_sources_t src;
};

int zf_workload_new(const zf_scenario_t *sc, uint64_t seed, zf_queue_t *q, unsigned kind_base,
                    zf_time_t end, zf_workload_t **out, zf_err_t *err)
{
    *out = NULL;
    if (kind_base > 65536 - ZF_WL_EVENT_KINDS)
        return zf_err_set(err, ZF_EINVAL, "workload event kinds %u.. exceed 65535", kind_base);
    zf_workload_t *w = calloc(1, sizeof *w);
    if (!w)
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    w->c = (zf_wl_ctx_t){sc, &sc->workload, q, kind_base, end, seed, &w->st};
    int rc = zf_fleet_init(&w->fleet, &w->c, err);
    if (rc == 0)
        rc = zf_sources_init(&w->src, &w->c, err);
    if (rc) {
        zf_workload_free(w);
        return rc;
    }
    *out = w;
    return 0;
}

void zf_workload_free(zf_workload_t *w)
{
    if (!w)
        return;
    if (w->fleet.c)
        zf_fleet_free(&w->fleet);
    if (w->src.c)
        zf_sources_free(&w->src);
    free(w);
}

int zf_workload_start(zf_workload_t *w)
{
    int rc = zf_fleet_start(&w->fleet);
    return rc ? rc : zf_sources_start(&w->src);
}

int zf_workload_event(zf_workload_t *w, const zf_event_t *e, zf_request_t *req)
{
    unsigned ev = zf_event_kind(e) - w->c.kind_base;
    int rc;
    switch (ev) {
    case ZF_WLE_REPORT:
    case ZF_WLE_TRIP_START:
    case ZF_WLE_BREATH:
    case ZF_WLE_GPS:
    case ZF_WLE_TRIP_END:
    case ZF_WLE_SEND:
    case ZF_WLE_RETRY:
    case ZF_WLE_RECONNECT:
    case ZF_WLE_FLEET_BURST:
    case ZF_WLE_BURST_MSG:
    case ZF_WLE_REPORTS_DUE: rc = zf_fleet_event(&w->fleet, ev, e, req); break;
    case ZF_WLE_LOCATION:
    case ZF_WLE_AGENCY_BATCH:
    case ZF_WLE_AGENCY_QUERY:
    case ZF_WLE_WEB:
    case ZF_WLE_SOURCE: rc = zf_sources_event(&w->src, ev, e, req); break;
    default: return 0;
    }
    if (rc == 1) {
        w->st.emitted++;
        w->st.emitted_by_class[req->source]++;
        w->st.retries += req->attempt > 0;
    }
    return rc;
}

int zf_workload_result(zf_workload_t *w, const zf_request_t *req, bool ok, zf_time_t now)
{
    /* only devices react to outcomes; the other classes are open loop */
    return req->source == ZF_SRC_DEVICE ? zf_fleet_result(&w->fleet, req, ok, now) : 0;
}

int zf_workload_set_offline(zf_workload_t *w, double fraction, uint64_t salt, zf_time_t now)
{
    return zf_fleet_set_offline(&w->fleet, fraction, salt, now);
}

void zf_workload_stats(const zf_workload_t *w, zf_workload_stats_t *out)
{
    *out = w->st;
}

size_t zf_workload_bytes_per_device(const zf_workload_t *w)
{
    return w->fleet.n ? zf_fleet_bytes(&w->fleet) / w->fleet.n : 0;
}

int zf_workload_generate(const zf_scenario_t *sc, uint64_t seed, zf_time_t until,
                         zf_workload_emit_fn emit, void *ctx, zf_workload_stats_t *stats,
                         zf_err_t *err)
{
    zf_queue_t q;
    zf_workload_t *w;
    zf_event_t e;
    zf_request_t req;
    zf_queue_init(&q);
    int rc = zf_workload_new(sc, seed, &q, 0, until, &w, err);
    if (rc == 0 && (rc = zf_workload_start(w)) != 0)
        zf_err_set(err, rc, "out of memory scheduling the workload");
    while (rc == 0 && zf_queue_pop(&q, &e)) {
        rc = zf_workload_event(w, &e, &req);
        if (rc == 1 && (rc = emit(ctx, &req)) == 0)
            rc = zf_workload_result(w, &req, true, e.time);
        if (rc == ZF_ENOMEM)
            zf_err_set(err, rc, "out of memory generating the workload");
    }
    if (w && stats)
        zf_workload_stats(w, stats);
    zf_workload_free(w);
    zf_queue_free(&q);
    return rc;
}
