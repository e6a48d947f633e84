/* sources: the open-loop classes of a workload: service locations (calibrations and data
 * downloads, Poisson during business hours, one process per class with a uniformly chosen
 * location), agencies (daily batches, each agency's queries spread uniformly over the
 * batch's window), web users (a Poisson process following the daily profile, kinds by
 * weight) and the scenario's kind sources (Poisson, optionally shaped). Each process has
 * its own random stream, so adding one changes no other's requests. */
#ifndef ZF_WL_SOURCES_H
#define ZF_WL_SOURCES_H

#include <stdint.h>

#include "engine/err.h"
#include "engine/rng.h"
#include "workload/perm.h"
#include "workload/rate.h"
#include "workload/wl.h"

typedef struct zf_wl_process {
    zf_rate_t rate;
    zf_rng_t rng;
} zf_wl_process_t;

/* A running agency batch: queries i = 0 .. n - 1 at increasing uniform order statistics. */
typedef struct zf_wl_batch {
    zf_time_t stop;     /* end of the window */
    uint32_t n;         /* queries of this occurrence */
    zf_perm_t who;      /* query i belongs to agency who(i) mod count */
} zf_wl_batch_t;

/* Embedded in the workload; fields are the module's. */
typedef struct zf_sources {
    const zf_wl_ctx_t *c;
    zf_wl_process_t loc[2];     /* calibrations, downloads */
    uint32_t loc_kind[2];
    uint32_t *loc_seq;          /* [locations] */
    zf_rng_t r_agencies;
    zf_wl_batch_t *batch;       /* [nbatches] */
    uint32_t *agency_seq;       /* [agencies] */
    zf_wl_process_t web;
    double *web_cum;            /* [nmix] cumulative weights */
    uint32_t *web_seq;          /* [users] */
    zf_wl_process_t *src;       /* [nsources] */
    uint32_t *src_seq;          /* [nsources] */
} zf_sources_t;

/* 0 or ZF_ENOMEM. Pair with zf_sources_free. */
int zf_sources_init(zf_sources_t *s, const zf_wl_ctx_t *c, zf_err_t *err);
void zf_sources_free(zf_sources_t *s);

/* Schedules each process's first event. 0 or ZF_ENOMEM. */
int zf_sources_start(zf_sources_t *s);

/* Handles ZF_WLE_LOCATION .. ZF_WLE_SOURCE: 1 and *req, 0, or ZF_ENOMEM. */
int zf_sources_event(zf_sources_t *s, unsigned ev, const zf_event_t *e, zf_request_t *req);

#endif
