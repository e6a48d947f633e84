/* report: `zonefall report` as a library call: loads one results directory (and others to
 * compare with it), writes the chart data and gnuplot scripts, has gnuplot draw them, and
 * writes report.html, summary.md and junit.xml, every file atomically and byte-identical
 * for the same results (the PNG bytes are gnuplot's). */
#ifndef ZF_REPORT_H
#define ZF_REPORT_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/err.h"
#include "reports/charts.h"
#include "reports/run.h"

enum {
    ZF_REPORT_HTML = 1 << 0,
    ZF_REPORT_MD = 1 << 1,
    ZF_REPORT_JUNIT = 1 << 2,
    ZF_REPORT_PNG = 1 << 3,
    ZF_REPORT_SVG = 1 << 4,
    ZF_REPORT_ALL = (1 << 5) - 1,
};

/* Parses a --format list ("html,md,junit,png,svg", any subset) into ZF_REPORT_* bits.
 * 0 or ZF_EINVAL ("unknown --format value ..."). */
int zf_report_parse_formats(const char *list, unsigned *formats, zf_err_t *err);

typedef struct zf_report_opts {
    const char *const *dirs; /* dirs[0]: the results reported on; the others are compared */
    size_t ndirs;            /* 1 .. ZF_REPORT_MAX_RUNS */
    const char *outdir;      /* must exist */
    unsigned formats;        /* ZF_REPORT_* */
    const char *gnuplot;     /* program looked up on PATH; NULL: "gnuplot" */
} zf_report_opts_t;

typedef struct zf_report_info {
    bool pass;                          /* verdict of dirs[0] */
    bool charts_wanted;                 /* html, png or svg asked for */
    bool gnuplot_missing;               /* charts left as .dat and .gp */
    zf_chart_t charts[ZF_CHART_COUNT];  /* what was drawn or why not (svg texts freed) */
} zf_report_info_t;

/* The note shown in place of the charts when gnuplot is not on PATH. */
extern const char zf_report_no_gnuplot[];

/* Writes the report. 0; ZF_EINVAL (a results directory missing or malformed: err names
 * the file); ZF_EIO (cannot write, gnuplot failed); ZF_ENOMEM. */
int zf_report_write(const zf_report_opts_t *o, zf_report_info_t *info, zf_err_t *err);

#endif
