/* report: orchestration of `zonefall report`: load, chart, draw, write the pages. */
#include "reports/report.h"
#include "metrics/results.h"
#include "reports/fmt.h"
#include "reports/gnuplot.h"
#include "reports/html.h"
#include "reports/junit.h"
#include "reports/markdown.h"
#include "reports/strbuf.h"

#include <stdio.h>
#include <string.h>

const char zf_report_no_gnuplot[] =
    "gnuplot was not found on PATH, so the charts were not drawn. Their data (.dat) and "
    "gnuplot scripts (.gp) are in the report directory: install gnuplot (Debian: apt-get "
    "install gnuplot-nox) and run `gnuplot NAME.gp` there, or run zonefall report again.";

static const struct {
    const char *name;
    unsigned bit;
} format_names[] = {{"html", ZF_REPORT_HTML}, {"md", ZF_REPORT_MD}, {"junit", ZF_REPORT_JUNIT},
                    {"png", ZF_REPORT_PNG},   {"svg", ZF_REPORT_SVG}};

int zf_report_parse_formats(const char *list, unsigned *formats, zf_err_t *err)
{
    *formats = 0;
    for (const char *p = list;; p++) {
        size_t len = strcspn(p, ",");
        size_t i = 0;
        while (i < sizeof format_names / sizeof format_names[0] &&
               (strlen(format_names[i].name) != len || strncmp(p, format_names[i].name, len) != 0))
            i++;
        if (i == sizeof format_names / sizeof format_names[0])
            return zf_err_set(err, ZF_EINVAL, "unknown --format value \"%.*s\" (expected a "
                              "comma-separated list of html, md, junit, png, svg)", (int)len, p);
        *formats |= format_names[i].bit;
        p += len;
        if (!*p)
            return 0;
    }
}

/* Writes a page built in b as outdir/name. */
static int write_text(const char *outdir, const char *name, const zf_sb_t *b, zf_err_t *err)
{
    if (zf_sb_failed(b))
        return zf_err_set(err, ZF_ENOMEM, "out of memory writing %s/%s", outdir, name);
    return zf_write_atomic(outdir, name, zf_sb_str(b), b->len, err);
}

static int write_charts(const zf_report_opts_t *o, const zf_report_run_t *runs,
                        zf_report_info_t *info, zf_err_t *err)
{
    zf_gnuplot_opts_t go = {o->gnuplot ? o->gnuplot : "gnuplot", o->formats & ZF_REPORT_PNG,
                            o->formats & ZF_REPORT_SVG, o->formats & ZF_REPORT_HTML};
    bool found = true;
    int rc = zf_charts_write(runs, o->ndirs, o->outdir, info->charts, err);
    if (rc == 0)
        rc = zf_gnuplot_render(&go, o->outdir, info->charts, &found, err);
    info->gnuplot_missing = !found;
    return rc;
}

static int write_pages(const zf_report_opts_t *o, const zf_report_run_t *runs,
                       const zf_report_info_t *info, zf_err_t *err)
{
    zf_sb_t b = {0};
    int rc = 0;
    if (o->formats & ZF_REPORT_HTML) {
        rc = zf_html_write(&b, runs, o->ndirs, info->charts,
                           info->gnuplot_missing ? zf_report_no_gnuplot : NULL);
        rc = rc ? rc : write_text(o->outdir, "report.html", &b, err);
    }
    if (rc == 0 && (o->formats & ZF_REPORT_MD)) {
        zf_sb_reset(&b);
        rc = zf_md_write(&b, runs, o->ndirs);
        rc = rc ? rc : write_text(o->outdir, "summary.md", &b, err);
    }
    if (rc == 0 && (o->formats & ZF_REPORT_JUNIT)) {
        zf_sb_reset(&b);
        zf_junit_write(&b, runs, o->ndirs);
        rc = write_text(o->outdir, "junit.xml", &b, err);
    }
    if (rc == ZF_ENOMEM)
        zf_err_set(err, rc, "out of memory writing the report");
    zf_sb_free(&b);
    return rc;
}

int zf_report_write(const zf_report_opts_t *o, zf_report_info_t *info, zf_err_t *err)
{
    zf_report_run_t runs[ZF_REPORT_MAX_RUNS];
    size_t loaded = 0;
    int rc = 0;
    memset(info, 0, sizeof *info);
    if (o->ndirs < 1 || o->ndirs > ZF_REPORT_MAX_RUNS)
        return zf_err_set(err, ZF_EINVAL, "expected 1 to %d results directories, got %zu",
                          ZF_REPORT_MAX_RUNS, o->ndirs);
    for (; loaded < o->ndirs && rc == 0; loaded++)
        rc = zf_report_run_load(&runs[loaded], o->dirs[loaded], err);
    if (rc)
        goto out;
    zf_report_runs_label(runs, o->ndirs);
    info->pass = strcmp(zf_fmt_str(runs[0].res, "verdict"), "pass") == 0;
    info->charts_wanted = o->formats & (ZF_REPORT_HTML | ZF_REPORT_PNG | ZF_REPORT_SVG);
    if (info->charts_wanted)
        rc = write_charts(o, runs, info, err);
    if (rc == 0)
        rc = write_pages(o, runs, info, err);
out:
    zf_charts_free(info->charts);
    for (size_t k = 0; k < loaded; k++)
        zf_report_run_free(&runs[k]);
    return rc;
}
