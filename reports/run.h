/* run: one results directory as the report writers see it: its results.json document,
 * its per-second series and the label that names it in legends and tables. */
#ifndef ZF_REPORT_RUN_H
#define ZF_REPORT_RUN_H

#include <jansson.h>

#include "engine/err.h"
#include "reports/series.h"

/* Results directories one report can overlay (one colour each). */
#define ZF_REPORT_MAX_RUNS 8

typedef struct zf_report_run {
    const char *dir;      /* as given on the command line, not owned */
    char label[128];      /* scenario name, or the directory when names repeat */
    json_t *res;          /* results.json, owned */
    zf_series_t series;   /* timeseries.csv */
} zf_report_run_t;

/* Loads dir/results.json and dir/timeseries.csv into *r (zf_report_run_free it, also on
 * error). The label is the scenario name. 0, ZF_EINVAL naming the file, or ZF_ENOMEM. */
int zf_report_run_load(zf_report_run_t *r, const char *dir, zf_err_t *err);
void zf_report_run_free(zf_report_run_t *r);

/* The same from texts in memory (tests, tools): `dir` names the run in messages and is
 * borrowed; csv may be NULL (no series). 0, ZF_EINVAL or ZF_ENOMEM. */
int zf_report_run_parse(zf_report_run_t *r, const char *dir, const char *results_json,
                        const char *csv, zf_err_t *err);

/* Gives runs whose scenario names repeat their directory as label instead. */
void zf_report_runs_label(zf_report_run_t *runs, size_t n);

#endif
