/* run: loading of a results directory for `zonefall report`. */
#include "reports/run.h"
#include "metrics/results.h"

#include <stdio.h>
#include <string.h>

void zf_report_run_free(zf_report_run_t *r)
{
    json_decref(r->res);
    zf_series_free(&r->series);
    memset(r, 0, sizeof *r);
}

static const char *scenario_name(const zf_report_run_t *r)
{
    const json_t *name = json_object_get(r->res, "scenario");
    return json_is_string(name) ? json_string_value(name) : r->dir;
}

int zf_report_run_load(zf_report_run_t *r, const char *dir, zf_err_t *err)
{
    char file[4096];
    memset(r, 0, sizeof *r);
    r->dir = dir;
    int rc = zf_results_read(dir, &r->res, err);
    if (rc)
        return rc;
    snprintf(r->label, sizeof r->label, "%s", scenario_name(r));
    if (!json_is_object(json_object_get(r->res, "requests")) ||
        !json_is_array(json_object_get(r->res, "slos")))
        return zf_err_set(err, ZF_EINVAL, "%s/results.json: $.requests, $.slos: expected a "
                          "zonefall results file", dir);
    int n = snprintf(file, sizeof file, "%s/timeseries.csv", dir);
    if (n < 0 || (size_t)n >= sizeof file)
        return zf_err_set(err, ZF_EINVAL, "%s: path too long", dir);
    return zf_series_load(file, &r->series, err);
}

void zf_report_runs_label(zf_report_run_t *runs, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        int repeated = 0;
        for (size_t k = 0; k < n; k++)
            repeated |= k != i && strcmp(scenario_name(&runs[k]), scenario_name(&runs[i])) == 0;
        snprintf(runs[i].label, sizeof runs[i].label, "%s",
                 repeated ? runs[i].dir : scenario_name(&runs[i]));
    }
}
