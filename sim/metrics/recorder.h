/* recorder: what one replication measured. Counts requests by kind and failure cause,
 * latency histograms (overall and per kind, successful requests, measured after warm-up),
 * the per-second series written to timeseries.csv, and named scalar metrics of the model.
 * Used by the simulator and the replayer alike. */
#ifndef ZF_RECORDER_H
#define ZF_RECORDER_H

#include <stdint.h>
#include <stdio.h>

#include "engine/clock.h"
#include "engine/hist.h"
#include "metrics/outcome.h"

#define ZF_REC_NAME_MAX 96

typedef struct zf_rec_kind {
    char name[64];
    uint64_t total, ok, failed;
    zf_hist_t latency;
} zf_rec_kind_t;

typedef struct zf_metric {
    char name[ZF_REC_NAME_MAX];
    double value;
} zf_metric_t;

/* One injected fault and what it did (times in ns from the start; -1: did not happen). */
typedef struct zf_fault_rec {
    char name[64], kind[32], target[64];
    zf_time_t start, end;        /* injected and healed */
    zf_time_t detected;          /* first failed request after start */
    zf_time_t recovered;         /* availability back above threshold over the window */
    zf_time_t rto_from;          /* RTO counts from here: the start, or for a device
                                  * network outage its end (the service saw nothing before) */
    /* RTO broken into phases (ns; 0 when the phase does not apply) */
    zf_time_t phase_detection, phase_dns, phase_promotion, phase_launch;
} zf_fault_rec_t;

typedef struct zf_rec {
    zf_time_t warmup, duration;
    /* measured requests: those that arrived at or after warm-up */
    uint64_t arrivals, ok, failed, by_cause[ZF_CAUSE_COUNT];
    zf_rec_kind_t *kinds;
    size_t nkinds;
    zf_hist_t latency;       /* all kinds: filled from theirs by zf_rec_close */
    int closed;
    /* per-second series, all seconds including warm-up */
    FILE *csv;               /* NULL: series kept in memory only (ok/failed per second;
                              * sec_latency then stays empty) */
    uint64_t sec_arr, sec_ok, sec_failed, sec_cause[ZF_CAUSE_COUNT];
    zf_hist_t sec_latency;
    uint32_t *per_sec_ok, *per_sec_failed;
    size_t nsec, sec_cap;
    char (*gauge_names)[ZF_REC_NAME_MAX];
    double *gauges;
    size_t ngauges;
    int io_error;
    /* faults, data loss and device backlog, filled by the model or the replayer */
    zf_fault_rec_t *faults;
    size_t nfaults;
    uint64_t acked_writes, lost_writes, indeterminate_writes;
    double rpo_s;                /* span of time covered by lost writes */
    double backlog_drain_s;      /* NAN when no backlog formed */
    /* named scalar results of the model ("stations.server.utilisation") */
    zf_metric_t *metrics;
    size_t nmetrics;
} zf_rec_t;

/* Prepares a recorder for `nkinds` request kinds named `kind_names`. 0 or ZF_ENOMEM. */
int zf_rec_init(zf_rec_t *r, const char *const *kind_names, size_t nkinds, zf_time_t warmup,
                zf_time_t duration);
void zf_rec_free(zf_rec_t *r);

/* Declares a per-second gauge column (before zf_rec_open_csv); returns its index or
 * negative ZF_ENOMEM. The model sets it with zf_rec_gauge before each tick. */
int zf_rec_add_gauge(zf_rec_t *r, const char *name);
static inline void zf_rec_gauge(zf_rec_t *r, int idx, double v) { r->gauges[idx] = v; }

/* Starts writing timeseries rows to csv (not owned) with a header line. */
int zf_rec_open_csv(zf_rec_t *r, FILE *csv);

/* A request of `kind` arrived at t. */
static inline void zf_rec_arrival(zf_rec_t *r, zf_time_t t, uint32_t kind)
{
    (void)kind;
    r->sec_arr++;
    if (t >= r->warmup)
        r->arrivals++;
}

/* A request of `kind` that arrived at t_arr ended at now with `cause` (ZF_CAUSE_OK). */
static inline void zf_rec_end(zf_rec_t *r, zf_time_t t_arr, zf_time_t now, uint32_t kind,
                              zf_cause_t cause)
{
    r->sec_cause[cause]++;
    if (cause == ZF_CAUSE_OK) {
        r->sec_ok++;
        if (r->csv) /* per-second quantiles are only written to the csv */
            zf_hist_record(&r->sec_latency, now - t_arr);
    } else {
        r->sec_failed++;
    }
    if (t_arr < r->warmup)
        return;
    zf_rec_kind_t *k = &r->kinds[kind];
    k->total++;
    r->by_cause[cause]++;
    if (cause == ZF_CAUSE_OK) {
        r->ok++;
        k->ok++;
        zf_hist_record(&k->latency, now - t_arr); /* r->latency: at zf_rec_close */
    } else {
        r->failed++;
        k->failed++;
    }
}

/* The run is over: fills the overall latency histogram with the per-kind ones (exactly:
 * histograms merge without loss), which saves a record per request. Call once after the
 * last zf_rec_end, before reading `latency`; later calls do nothing. */
void zf_rec_close(zf_rec_t *r);

/* Closes second number `sec` ([sec, sec+1) s): writes its row and resets the per-second
 * counters. `in_flight`: requests in the system at the end of the second.
 * 0, ZF_ENOMEM or ZF_EIO. */
int zf_rec_tick(zf_rec_t *r, uint64_t sec, uint64_t in_flight);

/* Records (or overwrites) a named scalar result. 0 or ZF_ENOMEM. */
int zf_rec_metric(zf_rec_t *r, const char *name, double value);
/* Value of a named metric, or NAN. */
double zf_rec_metric_get(const zf_rec_t *r, const char *name);

/* Appends a fault record (copied). 0 or ZF_ENOMEM. */
int zf_rec_add_fault(zf_rec_t *r, const zf_fault_rec_t *f);

/* RTO of a fault in seconds: recovered - rto_from, or NAN when it never recovered. */
double zf_fault_rto_s(const zf_fault_rec_t *f);

/* Requests still in the system at the end (measured ones). */
static inline uint64_t zf_rec_in_flight(const zf_rec_t *r)
{
    return r->arrivals - r->ok - r->failed;
}

#endif
