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

/* The checks and label common to a loaded and a parsed run. */
static int adopt(zf_report_run_t *r, const char *file, zf_err_t *err)
{
    if (!json_is_object(r->res) || !json_is_object(json_object_get(r->res, "requests")) ||
        !json_is_array(json_object_get(r->res, "slos")))
        return zf_err_set(err, ZF_EINVAL, "%s: $.requests, $.slos: expected a zonefall "
                          "results file", file);
    snprintf(r->label, sizeof r->label, "%s", scenario_name(r));
    return 0;
}

int zf_report_run_load(zf_report_run_t *r, const char *dir, zf_err_t *err)
{
    char rfile[4096], tfile[4096];
    memset(r, 0, sizeof *r);
    r->dir = dir;
    int n = snprintf(rfile, sizeof rfile, "%s/results.json", dir);
    int m = snprintf(tfile, sizeof tfile, "%s/timeseries.csv", dir);
    if (n < 0 || (size_t)n >= sizeof rfile || m < 0 || (size_t)m >= sizeof tfile)
        return zf_err_set(err, ZF_EINVAL, "%s: path too long", dir);
    int rc = zf_results_read(dir, &r->res, err);
    if (rc == 0)
        rc = adopt(r, rfile, err);
    return rc ? rc : zf_series_load(tfile, &r->series, err);
}

int zf_report_run_parse(zf_report_run_t *r, const char *dir, const char *results_json,
                        const char *csv, zf_err_t *err)
{
    json_error_t je;
    memset(r, 0, sizeof *r);
    r->dir = dir;
    if (!(r->res = json_loads(results_json, 0, &je)))
        return zf_err_set(err, ZF_EINVAL, "%s/results.json:%d:%d: %s", dir, je.line, je.column,
                          je.text);
    int rc = adopt(r, dir, err);
    if (rc || !csv)
        return rc;
    FILE *f = fmemopen((void *)csv, strlen(csv), "r");
    if (!f)
        return zf_err_set(err, ZF_ENOMEM, "%s: out of memory", dir);
    rc = zf_series_read(f, dir, &r->series, err);
    fclose(f);
    return rc;
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
