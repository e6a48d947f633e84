/* charts: the charts of a zonefall report and the data they come from: requests per
 * second stacked by failure cause, latency percentiles over time, instances in service,
 * CPU, device backlog, queueing stations (from timeseries.csv) and the latency
 * distribution (from results.json), each over one or several results directories, with
 * fault windows, SLO thresholds and database role changes marked. Writes NAME.dat and
 * NAME.gp; drawing them is the gnuplot module's job. */
#ifndef ZF_CHARTS_H
#define ZF_CHARTS_H

#include <stdbool.h>
#include <stddef.h>

#include "engine/err.h"
#include "reports/plot.h"
#include "reports/run.h"

typedef enum zf_chart_kind {
    ZF_CHART_REQUESTS,
    ZF_CHART_LATENCY,
    ZF_CHART_INSTANCES,
    ZF_CHART_CPU,
    ZF_CHART_BACKLOG,
    ZF_CHART_STATIONS,
    ZF_CHART_LATENCY_DIST,
    ZF_CHART_COUNT
} zf_chart_kind_t;

typedef struct zf_chart {
    const char *name;     /* file stem ("requests"), static */
    const char *title;    /* static */
    const char *caption;  /* what the chart shows, static */
    bool planned;         /* the runs have its data: NAME.dat and NAME.gp written */
    bool rendered;        /* gnuplot drew it */
    char note[512];       /* why it is not drawn, or what it leaves out */
    char *svg;            /* the SVG drawing when kept for the HTML page, owned */
    size_t svg_len;
} zf_chart_t;

/* Builds chart `kind` of runs[0..n) (runs[0] the subject, the others overlaid) into p,
 * initialised here (zf_plot_free it). Returns 1 when drawn, 0 when the runs lack its data
 * (note says which), or ZF_ENOMEM. */
int zf_chart_build(zf_chart_kind_t kind, const zf_report_run_t *runs, size_t n, zf_plot_t *p,
                   char *note, size_t note_len);

/* Fills charts[ZF_CHART_COUNT] and writes NAME.dat and NAME.gp of every chart with data to
 * outdir atomically. 0, ZF_EIO or ZF_ENOMEM (err names the file). */
int zf_charts_write(const zf_report_run_t *runs, size_t n, const char *outdir,
                    zf_chart_t *charts, zf_err_t *err);

/* Frees the SVG texts. */
void zf_charts_free(zf_chart_t *charts);

#endif
