/* plot: one chart as a gnuplot data file (blocks of whitespace-separated columns, one
 * block per results directory) and a gnuplot script that draws it as PNG and SVG. Knows
 * gnuplot, not zonefall: the charts module says what to draw. */
#ifndef ZF_PLOT_H
#define ZF_PLOT_H

#include <stdbool.h>
#include <stddef.h>

#include "reports/series.h"
#include "reports/strbuf.h"

#define ZF_PLOT_WIDTH 1200
#define ZF_PLOT_HEIGHT 600
/* Data rows per block at most: longer series are averaged into bins (one row per pixel). */
#define ZF_PLOT_MAX_ROWS 1200

typedef struct zf_plot_line {
    int block;        /* data block of the .dat file, or -1: the constant y */
    char y[128];      /* gnuplot `using` expression of y ("($2)") or the constant */
    char y_lo[128];   /* lower edge of a filled band; "" draws a line */
    char title[192];
    const char *color; /* "#rrggbb", static */
    int dash;          /* gnuplot dash type: 1 solid, 2 dashed, 3 dotted, ... */
    bool y2;           /* on the right-hand axis */
} zf_plot_line_t;

typedef struct zf_plot {
    char name[32];     /* file stem: NAME.dat, NAME.gp, NAME.png, NAME.svg */
    char title[320];
    char xlabel[64], ylabel[96], y2label[96];
    double x_div;      /* x = column 1 / x_div (time unit) */
    double xmin, xmax; /* xmax <= xmin: automatic */
    double ymax;       /* top of a linear y axis from zero; 0: automatic */
    bool logx, logy, y_from_zero;
    zf_sb_t dat;       /* the data blocks */
    int nblocks;
    zf_sb_t decor;     /* extra gnuplot commands: shaded windows, marks, tics */
    int nlabels;       /* labels placed so far (staggers their height) */
    zf_plot_line_t *lines;
    size_t nlines, cap;
    bool oom;
} zf_plot_t;

/* Row reductions when a series is binned (and per-cell rules). */
enum {
    ZF_PLOT_MEAN = 0,      /* average over the bin (rates, gauges) */
    ZF_PLOT_MAX = 1,       /* worst value in the bin (latency percentiles) */
    ZF_PLOT_IF_OK = 2,     /* NaN in seconds without a successful request (latency) */
};

void zf_plot_init(zf_plot_t *p, const char *name);
void zf_plot_free(zf_plot_t *p);
/* Whether memory ran out while building the plot. */
bool zf_plot_failed(const zf_plot_t *p);

/* Appends a zeroed line (color and dash to be set by the caller); NULL when out of
 * memory (also remembered by zf_plot_failed). */
zf_plot_line_t *zf_plot_add_line(zf_plot_t *p);

/* Appends a data block: t_s then the series columns cols[] (flags[] ZF_PLOT_*), with
 * rows averaged in bins of `bin` seconds. Returns the block index. */
int zf_plot_block_series(zf_plot_t *p, const zf_series_t *s, const char *label, const int *cols,
                         const unsigned *flags, size_t ncols, size_t bin);
/* Starts a block of computed rows (header names the columns); rows are appended to
 * p->dat by the caller. Returns the block index. */
int zf_plot_block_begin(zf_plot_t *p, const char *label, const char *columns);

/* Decorations in x units of the data (seconds: divided by x_div here). */
void zf_plot_shade(zf_plot_t *p, double t0_s, double t1_s, const char *label, const char *fill);
void zf_plot_vline(zf_plot_t *p, double t_s, const char *label, const char *color);

/* Writes the gnuplot script: reads NAME.dat, writes outstem.png and outstem.svg (or the
 * formats in the variable `formats`; outstem defaults to NAME). */
void zf_plot_script(const zf_plot_t *p, zf_sb_t *gp);

#endif
