/* gnuplot: draws the planned charts by running gnuplot as a program (found on PATH, no
 * shell) on each NAME.gp in the output directory, then moves the drawings into place. */
#ifndef ZF_GNUPLOT_H
#define ZF_GNUPLOT_H

#include <stdbool.h>

#include "engine/err.h"
#include "reports/charts.h"

typedef struct zf_gnuplot_opts {
    const char *program; /* "gnuplot", looked up on PATH */
    bool png, svg;       /* keep NAME.png, NAME.svg */
    bool keep_svg_text;  /* load each SVG into chart->svg (for the HTML page) */
} zf_gnuplot_opts_t;

/* Draws every planned chart of charts[ZF_CHART_COUNT] in outdir; sets chart->rendered.
 * Each drawing is written to a temporary name and renamed. *found is false (and nothing
 * drawn, 0 returned) when the program is not on PATH. 0, ZF_EIO (gnuplot failed: the file
 * and gnuplot's message) or ZF_ENOMEM. */
int zf_gnuplot_render(const zf_gnuplot_opts_t *o, const char *outdir, zf_chart_t *charts,
                      bool *found, zf_err_t *err);

#endif
