/* sources: locations, agencies, web users and kind sources as event chains: each event is
 * one request and schedules the next arrival of its process. */
#include "workload/sources.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int process_init(zf_wl_process_t *p, const zf_wl_ctx_t *c, const char *purpose,
                        zf_rate_t rate)
{
    p->rate = rate;
    return zf_rng_init(&p->rng, c->seed, purpose);
}

static int init_locations(zf_sources_t *s)
{
    const zf_locations_spec_t *l = &s->c->spec->locations;
    double open_s = zf_time_to_s((l->close - l->open + ZF_DAY) % ZF_DAY);
    if (l->close - l->open == ZF_DAY)
        open_s = 86400;
    const double per_day[2] = {l->calibrations_per_day, l->downloads_per_day};
    const char *const purpose[2] = {"workload/locations/calibrations",
                                    "workload/locations/downloads"};
    s->loc_kind[0] = l->calibration_kind;
    s->loc_kind[1] = l->download_kind;
    for (int i = 0; i < 2; i++) {
        /* per_day requests per location, spread evenly over the open hours */
        double rate = s->loc_kind[i] == ZF_KIND_NONE || l->count == 0
                          ? 0 : (double)l->count * per_day[i] / open_s;
        if (process_init(&s->loc[i], s->c, purpose[i],
                         (zf_rate_t){rate, NULL, 1, l->open, l->close, ZF_BURST_LOCATIONS, -1}))
            return ZF_ENOMEM;
    }
    s->loc_seq = calloc(l->count + 1, sizeof *s->loc_seq);
    return s->loc_seq ? 0 : ZF_ENOMEM;
}

static int init_web(zf_sources_t *s)
{
    const zf_web_spec_t *w = &s->c->spec->web;
    double total = 0;
    if (process_init(&s->web, s->c, "workload/web",
                     (zf_rate_t){w->peak_rate_per_s, &w->profile, w->profile.max, 0, 0,
                                 ZF_BURST_WEB, -1}))
        return ZF_ENOMEM;
    if (!(s->web_cum = calloc(w->nmix + 1, sizeof *s->web_cum)) ||
        !(s->web_seq = calloc(w->users + 1, sizeof *s->web_seq)))
        return ZF_ENOMEM;
    for (size_t i = 0; i < w->nmix; i++)
        s->web_cum[i] = total += w->mix[i].weight;
    return 0;
}

static int init_kind_sources(zf_sources_t *s)
{
    const zf_workload_spec_t *w = s->c->spec;
    if (!(s->src = calloc(w->nsources + 1, sizeof *s->src)) ||
        !(s->src_seq = calloc(w->nsources + 1, sizeof *s->src_seq)))
        return ZF_ENOMEM;
    for (size_t i = 0; i < w->nsources; i++) {
        const zf_kind_source_spec_t *k = &w->sources[i];
        char purpose[96];
        snprintf(purpose, sizeof purpose, "workload/source/%s", k->name);
        /* rate_per_s at profile value 1 */
        if (process_init(&s->src[i], s->c, purpose,
                         (zf_rate_t){k->rate_per_s, &k->profile, 1, 0, 0, ZF_BURST_SOURCES,
                                     (int32_t)i}))
            return ZF_ENOMEM;
    }
    return 0;
}

int zf_sources_init(zf_sources_t *s, const zf_wl_ctx_t *c, zf_err_t *err)
{
    const zf_agencies_spec_t *a = &c->spec->agencies;
    memset(s, 0, sizeof *s);
    s->c = c;
    if (init_locations(s) || init_web(s) || init_kind_sources(s) ||
        zf_rng_init(&s->r_agencies, c->seed, "workload/agencies") ||
        !(s->batch = calloc(a->nbatches + 1, sizeof *s->batch)) ||
        !(s->agency_seq = calloc(a->count + 1, sizeof *s->agency_seq)))
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    return 0;
}

void zf_sources_free(zf_sources_t *s)
{
    for (int i = 0; i < 2; i++)
        zf_rng_free(&s->loc[i].rng);
    zf_rng_free(&s->web.rng);
    zf_rng_free(&s->r_agencies);
    for (size_t i = 0; s->src && i < s->c->spec->nsources; i++)
        zf_rng_free(&s->src[i].rng);
    free(s->loc_seq);
    free(s->batch);
    free(s->agency_seq);
    free(s->web_cum);
    free(s->web_seq);
    free(s->src);
    free(s->src_seq);
    memset(s, 0, sizeof *s);
}

/* Schedules the first (after == false) or next arrival of process p after t. */
static int process_next(zf_sources_t *s, zf_wl_process_t *p, zf_time_t t,
                        enum zf_wl_event ev, uint32_t obj)
{
    zf_time_t next = zf_rate_next(&p->rate, s->c->spec, &p->rng, t, s->c->end);
    return next == ZF_TIME_MAX ? 0 : zf_wl_push(s->c, next, ev, obj, 0);
}

/* First instant >= 0 at time of day tod. */
static zf_time_t first_at(const zf_wl_ctx_t *c, zf_time_t tod)
{
    return ((tod - c->spec->start_tod) % ZF_DAY + ZF_DAY) % ZF_DAY;
}

int zf_sources_start(zf_sources_t *s)
{
    const zf_workload_spec_t *w = s->c->spec;
    int rc = 0;
    for (uint32_t i = 0; i < 2 && rc == 0; i++)
        rc = process_next(s, &s->loc[i], 0, ZF_WLE_LOCATION, i);
    if (rc == 0 && w->web.nmix > 0)
        rc = process_next(s, &s->web, 0, ZF_WLE_WEB, 0);
    for (uint32_t i = 0; i < w->nsources && rc == 0; i++)
        rc = process_next(s, &s->src[i], 0, ZF_WLE_SOURCE, i);
    for (uint32_t i = 0; i < w->agencies.nbatches && w->agencies.count > 0 && rc == 0; i++)
        rc = zf_wl_push(s->c, first_at(s->c, w->agencies.batches[i].at), ZF_WLE_AGENCY_BATCH,
                        i, 0);
    return rc;
}

/* ---- events ---- */

static int on_location(zf_sources_t *s, uint32_t i, zf_time_t now, zf_request_t *req)
{
    zf_wl_process_t *p = &s->loc[i];
    uint32_t loc = (uint32_t)zf_rng_below(&p->rng, s->c->spec->locations.count);
    int rc = process_next(s, p, now, ZF_WLE_LOCATION, i);
    zf_wl_request(s->c, req, now, s->loc_kind[i], ZF_SRC_LOCATION, loc, s->loc_seq[loc]++);
    return rc ? rc : 1;
}

static int on_web(zf_sources_t *s, zf_time_t now, zf_request_t *req)
{
    const zf_web_spec_t *w = &s->c->spec->web;
    double x = zf_rng_uniform(&s->web.rng) * s->web_cum[w->nmix - 1];
    size_t m = 0;
    while (m + 1 < w->nmix && !(x < s->web_cum[m]))
        m++;
    uint32_t user = (uint32_t)zf_rng_below(&s->web.rng, w->users);
    int rc = process_next(s, &s->web, now, ZF_WLE_WEB, 0);
    zf_wl_request(s->c, req, now, w->mix[m].kind, ZF_SRC_WEB, user, s->web_seq[user]++);
    return rc ? rc : 1;
}

static int on_source(zf_sources_t *s, uint32_t i, zf_time_t now, zf_request_t *req)
{
    int rc = process_next(s, &s->src[i], now, ZF_WLE_SOURCE, i);
    zf_wl_request(s->c, req, now, s->c->spec->sources[i].kind, ZF_SRC_GENERIC, i,
                  s->src_seq[i]++);
    return rc ? rc : 1;
}

/* Instant of the next of the n remaining uniform order statistics on [t, stop): t plus
 * (stop - t) times the minimum of n uniforms, 1 - U^(1/n). */
static zf_time_t next_order_stat(zf_rng_t *r, zf_time_t t, zf_time_t stop, uint32_t n)
{
    double f = 1 - pow(zf_rng_uniform(r), 1.0 / n);
    zf_time_t x = t + (zf_time_t)(f * (double)(stop - t));
    return x < stop ? x : stop - 1 > t ? stop - 1 : t;
}

/* A batch occurrence begins: count x queries queries (times a burst multiplier in force,
 * rounded) at uniform instants of [now, now + spread), each agency getting its share. */
static int on_batch(zf_sources_t *s, uint32_t b, zf_time_t now)
{
    const zf_agencies_spec_t *a = &s->c->spec->agencies;
    const zf_agency_batch_t *bs = &a->batches[b];
    zf_wl_batch_t *run = &s->batch[b];
    double m = zf_rate_bursts(s->c->spec, ZF_BURST_AGENCIES, -1, now, NULL);
    double n = floor((double)a->count * bs->queries * m + 0.5);
    int rc = zf_wl_push(s->c, now + ZF_DAY, ZF_WLE_AGENCY_BATCH, b, 0);
    if (rc || n < 1)
        return rc;
    run->n = n >= UINT32_MAX ? UINT32_MAX : (uint32_t)n;
    run->stop = now + bs->spread;
    zf_perm_init(&run->who, zf_perm_mix(s->c->seed ^ zf_rng_below(&s->r_agencies, UINT32_MAX)),
                 run->n);
    zf_time_t t = bs->spread > 0 ? next_order_stat(&s->r_agencies, now, run->stop, run->n) : now;
    return zf_wl_push(s->c, t, ZF_WLE_AGENCY_QUERY, b, 0);
}

static int on_query(zf_sources_t *s, uint32_t b, uint32_t i, zf_time_t now, zf_request_t *req)
{
    const zf_agencies_spec_t *a = &s->c->spec->agencies;
    zf_wl_batch_t *run = &s->batch[b];
    uint32_t agency = zf_perm_apply(&run->who, i) % a->count;
    int rc = 0;
    if (i + 1 < run->n) {
        zf_time_t t = a->batches[b].spread > 0
                          ? next_order_stat(&s->r_agencies, now, run->stop, run->n - i - 1)
                          : now;
        rc = zf_wl_push(s->c, t, ZF_WLE_AGENCY_QUERY, b, i + 1);
    }
    zf_wl_request(s->c, req, now, a->batches[b].kind, ZF_SRC_AGENCY, agency,
                  s->agency_seq[agency]++);
    return rc ? rc : 1;
}

int zf_sources_event(zf_sources_t *s, unsigned ev, const zf_event_t *e, zf_request_t *req)
{
    switch (ev) {
    case ZF_WLE_LOCATION: return on_location(s, e->obj, e->time, req);
    case ZF_WLE_AGENCY_BATCH: return on_batch(s, e->obj, e->time);
    case ZF_WLE_AGENCY_QUERY: return on_query(s, e->obj, (uint32_t)e->arg, e->time, req);
    case ZF_WLE_WEB: return on_web(s, e->time, req);
    case ZF_WLE_SOURCE: return on_source(s, e->obj, e->time, req);
    default: assert(!"not a sources event"); return 0;
    }
}
