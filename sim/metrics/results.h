/* results: turns what replications recorded into results.json (the contract in
 * DESIGN.md), reads it back for `check`/`report`, and writes files atomically. */
#ifndef ZF_RESULTS_H
#define ZF_RESULTS_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/err.h"
#include "metrics/recorder.h"
#include "scenario/slo_spec.h"

typedef struct zf_results_meta {
    const char *mode;           /* "sim" or "replay" */
    const char *scenario;       /* scenario name */
    const char *scenario_file;
    const char *description;
    uint64_t seed;
    const uint64_t *rep_seeds;  /* seed of each replication */
    double confidence;          /* e.g. 0.95 */
    int incomplete;             /* interrupted: results marked incomplete */
    int aborted;                /* a stop condition fired */
} zf_results_meta_t;

/* Pools replications into *out (initialised here; zf_rec_free it): counts summed,
 * histograms and per-second series merged, metrics averaged, faults averaged
 * (recovered only when every replication recovered). 0 or ZF_ENOMEM. */
int zf_results_pool(const zf_rec_t *reps, size_t n, zf_rec_t *out);

/* Builds the results document. *pass = every SLO met on the pooled figures.
 * The caller json_decref()s *out. 0 or ZF_ENOMEM. */
int zf_results_build(const zf_results_meta_t *meta, const zf_rec_t *pooled,
                     const zf_rec_t *reps, size_t nreps, const zf_slo_spec_t *slos,
                     size_t nslos, json_t **out, bool *pass);

/* Re-evaluates `slos` against a stored results document (and its per-second series)
 * and replaces its "slos" and "verdict". met_fraction comes from the per-run figures
 * where they allow it, else null. 0 or ZF_EINVAL/ZF_ENOMEM. */
int zf_results_reevaluate(json_t *results, const zf_rec_t *pooled, const zf_slo_spec_t *slos,
                          size_t nslos, bool *pass, zf_err_t *err);

/* Rebuilds the pooled record of a stored results document: counts, histograms, faults,
 * data loss, and ok/failed per second from the timeseries file (may be NULL).
 * *out is initialised here. 0 or ZF_EINVAL naming the file and path. */
int zf_results_load_rec(const char *results_file, const json_t *results,
                        const char *timeseries_file, zf_rec_t *out, zf_err_t *err);

/* Writes `text` to dir/name atomically (dir/.name.tmp, fsync, rename). 0 or ZF_EIO. */
int zf_write_atomic(const char *dir, const char *name, const char *text, size_t len,
                    zf_err_t *err);

/* Serialises and writes results.json atomically. 0 or ZF_EIO/ZF_ENOMEM. */
int zf_results_write(const char *dir, const json_t *results, zf_err_t *err);

/* Loads dir/results.json. 0 or ZF_EINVAL (missing, malformed). */
int zf_results_read(const char *dir, json_t **out, zf_err_t *err);

/* Histogram as JSON {"unit":"ns","sub_bits":7,"min":..,"max":..,"sum":..,"counts":[[i,n],..]}
 * and back. */
json_t *zf_hist_to_json(const zf_hist_t *h);
int zf_hist_from_json(const json_t *j, zf_hist_t *h);

#endif
