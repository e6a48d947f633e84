/* charts: which zonefall charts a set of results can show, from which columns, with which
 * marks. Time charts read timeseries.csv; fault windows, SLO thresholds and the latency
 * distribution come from results.json. One run draws its detail (failures stacked by
 * cause); several runs are overlaid, one colour per run. */
#include "reports/charts.h"
#include "reports/fmt.h"
#include "metrics/outcome.h"
#include "metrics/results.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_MARKS 24 /* database role changes and state periods drawn per run */

static const char *const palette[] = {"#0072B2", "#E69F00", "#009E73", "#D55E00",
                                      "#CC79A7", "#56B4E9", "#000000", "#8C564B"};
#define NPALETTE (sizeof palette / sizeof palette[0])
static const char *const cause_colors[] = {"#d73027", "#f46d43", "#fdae61", "#a50026",
                                           "#762a83", "#9970ab", "#e08214", "#b35806",
                                           "#542788", "#8073ac", "#fdb863", "#2d004b",
                                           "#7f3b08", "#c2a5cf"};
#define OK_COLOR "#1a9850"
#define SLO_COLOR "#cc0000"
#define FAULT_FILL "#f4b6b6"
#define DB_FILL "#c6dbef"
#define DB_COLOR "#762a83"

typedef struct ctx {
    const zf_report_run_t *runs;
    size_t n;
    double tmax_s; /* end of the longest series */
} ctx_t;

/* Colour and dash of line `i` of run `run`: one colour per run when runs are overlaid. */
static void style(const ctx_t *c, zf_plot_line_t *l, size_t run, size_t i)
{
    size_t k = c->n > 1 ? run : i;
    l->color = palette[k % NPALETTE];
    l->dash = c->n > 1 ? 1 + (int)(i % 5) : 1 + (int)(i / NPALETTE % 5);
}

/* Line title: "what" alone, or "run: what" when runs are overlaid (cut when too long). */
static void line_title(const ctx_t *c, zf_plot_line_t *l, size_t run, const char *what)
{
    int n = snprintf(l->title, sizeof l->title, "%s%s%s", c->n > 1 ? c->runs[run].label : "",
                     c->n > 1 ? ": " : "", what);
    if (n < 0) /* (checking the result also tells gcc that a cut title is expected) */
        l->title[0] = 0;
}

/* Adds one line per data column 2..n+1 of block `block` of run `run`, titled titles[j],
 * styled by style(); returns the index of the first in p->lines. */
static size_t run_lines(zf_plot_t *p, const ctx_t *c, size_t run, int block, size_t n,
                        const char *const *titles)
{
    size_t first = p->nlines;
    for (size_t j = 0; j < n; j++) {
        zf_plot_line_t *l = zf_plot_add_line(p);
        if (!l)
            break;
        l->block = block;
        snprintf(l->y, sizeof l->y, "($%zu)", j + 2);
        style(c, l, run, j);
        line_title(c, l, run, titles[j]);
    }
    return first;
}

static void chart_title(zf_plot_t *p, const ctx_t *c, const char *what)
{
    size_t len = (size_t)snprintf(p->title, sizeof p->title, "%s: ", what);
    for (size_t k = 0; k < c->n && len < sizeof p->title; k++)
        len += (size_t)snprintf(p->title + len, sizeof p->title - len, "%s%s",
                                k ? " vs " : "", c->runs[k].label);
}

static size_t bin_of(const zf_series_t *s)
{
    return s->nrows > ZF_PLOT_MAX_ROWS ? (s->nrows + ZF_PLOT_MAX_ROWS - 1) / ZF_PLOT_MAX_ROWS : 1;
}

/* Whether two runs' fault entries describe the same window (drawn once). */
static bool same_window(const json_t *a, const json_t *b)
{
    return strcmp(zf_fmt_str(a, "name"), zf_fmt_str(b, "name")) == 0 &&
           zf_fmt_num(a, "start_s") == zf_fmt_num(b, "start_s") &&
           (zf_fmt_num(a, "end_s") == zf_fmt_num(b, "end_s") ||
            (isnan(zf_fmt_num(a, "end_s")) && isnan(zf_fmt_num(b, "end_s"))));
}

static bool drawn_before(const ctx_t *c, size_t run, const json_t *f)
{
    for (size_t k = 0; k < run; k++) {
        size_t i;
        const json_t *g;
        json_array_foreach(json_object_get(c->runs[k].res, "faults"), i, g)
            if (same_window(f, g))
                return true;
    }
    return false;
}

/* Shades and labels every fault window; one run also gets its detection and recovery. */
static void fault_marks(zf_plot_t *p, const ctx_t *c)
{
    for (size_t k = 0; k < c->n; k++) {
        size_t i;
        const json_t *f;
        json_array_foreach(json_object_get(c->runs[k].res, "faults"), i, f) {
            double start = zf_fmt_num(f, "start_s"), end = zf_fmt_num(f, "end_s"),
                   rto = zf_fmt_num(f, "rto_s");
            char label[256];
            if (isnan(start) || drawn_before(c, k, f))
                continue;
            snprintf(label, sizeof label, "%s (%s %s)", zf_fmt_str(f, "name"),
                     zf_fmt_str(f, "kind"), zf_fmt_str(f, "target"));
            zf_plot_shade(p, start, isnan(end) ? c->tmax_s : end, label, FAULT_FILL);
            if (c->n > 1)
                continue;
            if (!isnan(zf_fmt_num(f, "detected_s")))
                zf_plot_vline(p, zf_fmt_num(f, "detected_s"), "detected", "#b35806");
            snprintf(label, sizeof label, "recovered, RTO %.1f s", rto);
            if (!isnan(zf_fmt_num(f, "recovered_s")))
                zf_plot_vline(p, zf_fmt_num(f, "recovered_s"), label, "#1b7837");
        }
    }
}

/* Time axis in s, min or h by length, y from zero, fault windows. */
static void time_axis(zf_plot_t *p, const ctx_t *c, const char *what, const char *ylabel)
{
    double div = c->tmax_s <= 1200 ? 1 : c->tmax_s <= 3 * 3600 ? 60 : 3600;
    p->x_div = div;
    p->xmin = 0;
    p->xmax = c->tmax_s / div;
    p->y_from_zero = true;
    snprintf(p->xlabel, sizeof p->xlabel, "time (%s)", div == 1 ? "s" : div == 60 ? "min" : "h");
    snprintf(p->ylabel, sizeof p->ylabel, "%s", ylabel);
    chart_title(p, c, what);
    fault_marks(p, c);
}

/* Writes "what: dir, dir" naming the runs flagged in missing[]. */
static void note_runs(char *note, size_t len, const char *what, const ctx_t *c, const bool *missing)
{
    size_t used = (size_t)snprintf(note, len, "%s", what);
    const char *sep = " ";
    for (size_t k = 0; k < c->n && used < len; k++) {
        if (!missing[k])
            continue;
        used += (size_t)snprintf(note + used, len - used, "%s%s", sep, c->runs[k].dir);
        sep = ", ";
    }
}

/* ---------- requests per second ---------- */

/* Columns: ok, failed, then failed_<cause> for every cause that failed something. */
static size_t request_columns(const zf_series_t *s, int *cols, unsigned *flags)
{
    size_t n = 0;
    cols[n++] = zf_series_find(s, "ok");
    cols[n++] = zf_series_find(s, "failed");
    for (size_t j = 0; j < s->ncols && n < ZF_CAUSE_COUNT + 2; j++) {
        double sum = 0;
        if (strncmp(s->names[j], "failed_", 7) != 0)
            continue;
        for (size_t r = 0; r < s->nrows; r++)
            sum += zf_series_at(s, r, j);
        if (sum > 0)
            cols[n++] = (int)j;
    }
    memset(flags, 0, n * sizeof *flags);
    return n;
}

/* One run: ok and each cause as bands stacked in that order. */
static void stack_bands(zf_plot_t *p, const zf_series_t *s, const int *cols, size_t ncols,
                        int block)
{
    char lo[128] = "(0)", hi[96] = "($2";
    for (size_t j = 0; j < ncols; j++) {
        if (j == 1)
            continue; /* the failed total is the sum of the bands above ok */
        zf_plot_line_t *l = zf_plot_add_line(p);
        if (!l)
            return;
        if (j > 1)
            snprintf(hi + strlen(hi), sizeof hi - strlen(hi), "+$%zu", j + 2);
        l->block = block;
        snprintf(l->y_lo, sizeof l->y_lo, "%s", lo);
        snprintf(l->y, sizeof l->y, "%s)", hi);
        snprintf(lo, sizeof lo, "%s", l->y);
        l->color = j == 0 ? OK_COLOR
                          : cause_colors[(j - 2) % (sizeof cause_colors / sizeof *cause_colors)];
        snprintf(l->title, sizeof l->title, "%s", j == 0 ? "ok" : s->names[cols[j]]);
    }
}

static int build_requests(zf_plot_t *p, const ctx_t *c, char *note, size_t len)
{
    int cols[ZF_CAUSE_COUNT + 2];
    unsigned flags[ZF_CAUSE_COUNT + 2];
    time_axis(p, c, "Requests per second", "requests per second");
    for (size_t k = 0; k < c->n; k++) {
        const zf_series_t *s = &c->runs[k].series;
        if (!s->nrows)
            continue; /* nothing to draw of this run (gnuplot rejects empty blocks) */
        size_t ncols = request_columns(s, cols, flags);
        int b = zf_plot_block_series(p, s, c->runs[k].label, cols, flags, ncols, bin_of(s));
        if (c->n == 1) {
            stack_bands(p, s, cols, ncols, b);
            continue;
        }
        static const char *const titles[] = {"ok", "failed"};
        run_lines(p, c, k, b, 2, titles);
    }
    (void)note;
    (void)len;
    return 1;
}

/* ---------- latency over time ---------- */

/* Range of the positive finite values of columns cols of s (under their flags). */
static void value_range(const zf_series_t *s, const int *cols, size_t ncols, double *lo, double *hi)
{
    int ok = zf_series_find(s, "ok");
    for (size_t r = 0; r < s->nrows; r++) {
        if (ok >= 0 && zf_series_at(s, r, (size_t)ok) <= 0)
            continue;
        for (size_t j = 0; j < ncols; j++) {
            double v = zf_series_at(s, r, (size_t)cols[j]);
            if (isfinite(v) && v > 0) {
                *lo = fmin(*lo, v);
                *hi = fmax(*hi, v);
            }
        }
    }
}

/* Latency SLOs of every run as constant lines (ms), each objective once. */
static void slo_lines(zf_plot_t *p, const ctx_t *c, double *lo, double *hi)
{
    size_t nslo = 0;
    for (size_t k = 0; k < c->n; k++) {
        size_t i;
        const json_t *s;
        json_array_foreach(json_object_get(c->runs[k].res, "slos"), i, s) {
            double ms = zf_fmt_num(s, "objective") * 1e3;
            char title[192];
            if (strcmp(zf_fmt_str(s, "type"), "latency") != 0 || !isfinite(ms) || ms <= 0)
                continue;
            snprintf(title, sizeof title, "SLO %s: %s", zf_fmt_str(s, "name"),
                     zf_fmt_str(s, "objective_text"));
            bool dup = false;
            for (size_t j = 0; j < p->nlines; j++)
                dup |= p->lines[j].block < 0 && strcmp(p->lines[j].title, title) == 0;
            zf_plot_line_t *l = dup ? NULL : zf_plot_add_line(p);
            if (!l)
                continue;
            l->block = -1;
            snprintf(l->y, sizeof l->y, "%.10g", ms);
            snprintf(l->title, sizeof l->title, "%s", title);
            static const int slo_dashes[] = {2, 4, 5, 3}; /* tell objectives apart */
            l->color = SLO_COLOR;
            l->dash = slo_dashes[nslo++ % 4];
            *lo = fmin(*lo, ms);
            *hi = fmax(*hi, ms);
        }
    }
}

/* Log scale when the values span more than two decades. */
static void auto_log_y(zf_plot_t *p, double lo, double hi)
{
    p->logy = isfinite(lo) && lo > 0 && hi / lo > 100;
}

static int build_latency(zf_plot_t *p, const ctx_t *c, char *note, size_t len)
{
    static const char *const names[] = {"latency_p50_ms", "latency_p99_ms", "latency_p999_ms"};
    static const char *const titles[] = {"p50", "p99", "p99.9"};
    static const int dashes[] = {3, 1, 2}; /* overlaid runs: percentiles by dash */
    const unsigned flags[] = {ZF_PLOT_MAX | ZF_PLOT_IF_OK, ZF_PLOT_MAX | ZF_PLOT_IF_OK,
                              ZF_PLOT_MAX | ZF_PLOT_IF_OK};
    double lo = INFINITY, hi = 0;
    time_axis(p, c, "Latency of successful requests", "latency (ms)");
    for (size_t k = 0; k < c->n; k++) {
        const zf_series_t *s = &c->runs[k].series;
        int cols[3];
        if (!s->nrows)
            continue;
        for (size_t j = 0; j < 3; j++)
            cols[j] = zf_series_find(s, names[j]);
        value_range(s, cols, 3, &lo, &hi);
        int b = zf_plot_block_series(p, s, c->runs[k].label, cols, flags, 3, bin_of(s));
        size_t first = run_lines(p, c, k, b, 3, titles);
        /* p99.9 dashed: with few requests a second it equals p99 and would hide it */
        for (size_t j = 0; first + j < p->nlines; j++)
            p->lines[first + j].dash = c->n > 1 ? dashes[j] : j == 2 ? 2 : 1;
    }
    if (hi <= 0) {
        snprintf(note, len, "no second with a successful request");
        return 0;
    }
    slo_lines(p, c, &lo, &hi);
    auto_log_y(p, lo, hi);
    return 1;
}

/* ---------- gauges: instances, CPU, device backlog, stations ---------- */

typedef struct gauge_def {
    const char *what, *ylabel, *y2label, *missing;
    bool (*match)(const char *col);
    /* line title of a column; true when it belongs on the right-hand axis */
    bool (*describe)(const char *col, char *title, size_t len);
    double scale;
    void (*decorate)(zf_plot_t *p, const ctx_t *c, size_t run);
} gauge_def_t;

static bool has_prefix(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n > m && strcmp(s + n - m, suffix) == 0;
}

static bool match_instances(const char *col) { return has_prefix(col, "instances."); }
static bool match_cpu(const char *col) { return has_prefix(col, "cpu."); }

static bool match_backlog(const char *col)
{
    return strcmp(col, "devices.backlog") == 0 || strcmp(col, "devices.offline") == 0;
}

static bool match_station(const char *col)
{
    return (has_suffix(col, ".busy") || has_suffix(col, ".queue")) && !match_instances(col) &&
           !match_cpu(col) && !has_prefix(col, "db.") && !has_prefix(col, "devices.");
}

/* "instances.web.zone-a" -> "web / zone-a" */
static bool describe_instances(const char *col, char *title, size_t len)
{
    const char *rest = col + strlen("instances."), *dot = strrchr(rest, '.');
    if (dot)
        snprintf(title, len, "%.*s / %s", (int)(dot - rest), rest, dot + 1);
    else
        snprintf(title, len, "%s", rest);
    return false;
}

static bool describe_cpu(const char *col, char *title, size_t len)
{
    snprintf(title, len, "%s", col + strlen("cpu."));
    return false;
}

static bool describe_backlog(const char *col, char *title, size_t len)
{
    bool offline = strcmp(col, "devices.offline") == 0;
    snprintf(title, len, "%s",
             offline ? "devices offline (right axis)" : "buffered device messages");
    return offline;
}

/* "server.busy" -> "server: busy servers" */
static bool describe_station(const char *col, char *title, size_t len)
{
    const char *dot = strrchr(col, '.');
    snprintf(title, len, "%.*s: %s", (int)(dot - col), col,
             strcmp(dot, ".busy") == 0 ? "busy servers" : "requests waiting");
    return false;
}

static const char *db_state_name(double v)
{
    return v == 1 ? "db failing over" : v == 2 ? "db down" : v == 3 ? "db restoring" : "db state";
}

/* Database role changes (db.primary_zone) and unavailable periods (db.state != 0). */
static void decorate_db(zf_plot_t *p, const ctx_t *c, size_t run)
{
    const zf_series_t *s = &c->runs[run].series;
    int zone = zf_series_find(s, "db.primary_zone"), state = zf_series_find(s, "db.state");
    int t = zf_series_find(s, "t_s"), marks = 0;
    char label[192];
    for (size_t r = 1; zone >= 0 && r < s->nrows && marks < MAX_MARKS; r++) {
        double z = zf_series_at(s, r, (size_t)zone);
        if (z == zf_series_at(s, r - 1, (size_t)zone))
            continue;
        snprintf(label, sizeof label, "%s%sdb primary -> zone %.0f",
                 c->n > 1 ? c->runs[run].label : "", c->n > 1 ? ": " : "", z);
        zf_plot_vline(p, zf_series_at(s, r, (size_t)t), label, DB_COLOR);
        marks++;
    }
    for (size_t r = 0; state >= 0 && r < s->nrows && marks < MAX_MARKS; r++) {
        double v = zf_series_at(s, r, (size_t)state);
        size_t e = r;
        if (v == 0)
            continue;
        while (e + 1 < s->nrows && zf_series_at(s, e + 1, (size_t)state) == v)
            e++;
        zf_plot_shade(p, zf_series_at(s, r, (size_t)t), zf_series_at(s, e, (size_t)t) + 1,
                      db_state_name(v), DB_FILL);
        marks++;
        r = e;
    }
}

/* How long the device backlog took to drain after recovery, from results.json. */
static void decorate_backlog(zf_plot_t *p, const ctx_t *c, size_t run)
{
    double drain = zf_fmt_num(c->runs[run].res, "backlog_drain_s");
    if (isnan(drain))
        return;
    zf_sb_puts(&p->decor, "set label ");
    char text[192];
    snprintf(text, sizeof text, "%s%sbacklog drained %.1f s after recovery",
             c->n > 1 ? c->runs[run].label : "", c->n > 1 ? ": " : "", drain);
    zf_sb_put_gp(&p->decor, text);
    zf_sb_printf(&p->decor, " at graph 0.99, graph %.2f right front\n", 0.95 - 0.05 * (double)run);
}

static const gauge_def_t gauge_defs[] = {
    [ZF_CHART_INSTANCES] = {"Instances in service", "instances in service", NULL,
                            "instances.<group>.<zone>", match_instances, describe_instances, 1,
                            decorate_db},
    [ZF_CHART_CPU] = {"CPU utilisation by group", "CPU utilisation (%)", NULL, "cpu.<group>",
                      match_cpu, describe_cpu, 100, NULL},
    [ZF_CHART_BACKLOG] = {"Device backlog", "buffered messages", "devices offline",
                          "devices.backlog or devices.offline", match_backlog, describe_backlog,
                          1, decorate_backlog},
    [ZF_CHART_STATIONS] = {"Queueing stations", "busy servers / requests waiting", NULL,
                           "<station>.busy or <station>.queue", match_station, describe_station,
                           1, NULL},
};

/* One run's gauge block and lines; false when it has none of the columns. */
/* Whether column j has a number to draw (gnuplot rejects a chart without one). */
static bool any_finite(const zf_series_t *s, size_t j)
{
    for (size_t r = 0; r < s->nrows; r++)
        if (isfinite(zf_series_at(s, r, j)))
            return true;
    return false;
}

/* The lines of the matching columns of block b (titles and axes from the chart's
 * describe()). */
static void gauge_lines(zf_plot_t *p, const ctx_t *c, const gauge_def_t *d, size_t k, int b,
                        const int *cols, size_t n, bool *y2)
{
    const zf_series_t *s = &c->runs[k].series;
    for (size_t j = 0; j < n; j++) {
        zf_plot_line_t *l = zf_plot_add_line(p);
        char what[160];
        if (!l)
            return;
        l->block = b;
        l->y2 = d->describe(s->names[cols[j]], what, sizeof what);
        *y2 |= l->y2;
        snprintf(l->y, sizeof l->y, d->scale != 1 ? "($%zu*%g)" : "($%zu)", j + 2, d->scale);
        style(c, l, k, j);
        line_title(c, l, k, what);
    }
}

/* One run's gauge block, lines and marks; false when it has none of the columns (or when
 * memory ran out, which zf_plot_failed reports). */
static bool gauge_run(zf_plot_t *p, const ctx_t *c, const gauge_def_t *d, size_t k, bool *y2)
{
    const zf_series_t *s = &c->runs[k].series;
    int *cols = calloc(s->ncols + 1, sizeof *cols);
    unsigned *flags = calloc(s->ncols + 1, sizeof *flags);
    size_t n = 0;
    if (!cols || !flags)
        p->oom = true;
    for (size_t j = 0; cols && flags && j < s->ncols; j++)
        if (d->match(s->names[j]) && any_finite(s, j))
            cols[n++] = (int)j;
    if (n) {
        int b = zf_plot_block_series(p, s, c->runs[k].label, cols, flags, n, bin_of(s));
        gauge_lines(p, c, d, k, b, cols, n, y2);
        if (d->decorate)
            d->decorate(p, c, k);
    }
    free(cols);
    free(flags);
    return n > 0;
}

static int build_gauge(const gauge_def_t *d, zf_plot_t *p, const ctx_t *c, char *note, size_t len)
{
    bool missing[ZF_REPORT_MAX_RUNS] = {0}, any = false, some_missing = false, y2 = false;
    char what[192];
    time_axis(p, c, d->what, d->ylabel);
    for (size_t k = 0; k < c->n; k++) {
        missing[k] = !gauge_run(p, c, d, k, &y2);
        any |= !missing[k];
        some_missing |= missing[k];
    }
    if (y2 && d->y2label)
        snprintf(p->y2label, sizeof p->y2label, "%s", d->y2label);
    if (!any) {
        snprintf(note, len, "timeseries.csv has no %s columns", d->missing);
    } else if (some_missing) {
        snprintf(what, sizeof what, "no %s columns in", d->missing);
        note_runs(note, len, what, c, missing);
    }
    return any;
}

/* ---------- latency distribution (percentile spectrum) ---------- */

#define SPECTRUM_STEPS_PER_DECADE 20

/* One run's spectrum: rows "x percentile latency_ms" with x = 1/(1-q) from 1 up to the
 * histogram's resolution (x <= count). Returns the count, 0 when there is none. */
static uint64_t spectrum_block(zf_plot_t *p, const zf_report_run_t *r)
{
    zf_hist_t h;
    uint64_t total = 0;
    if (zf_hist_init(&h) != 0) {
        p->oom = true;
        return 0;
    }
    const json_t *j = json_object_get(r->res, "latency_histogram");
    if (j && zf_hist_from_json(j, &h) == 0 && h.total > 1) {
        total = h.total;
        zf_plot_block_begin(p, r->label, "x=1/(1-q) percentile latency_ms");
        for (int i = 0;; i++) {
            double x = pow(10, (double)i / SPECTRUM_STEPS_PER_DECADE);
            if (x > (double)total)
                break;
            double q = 1 - 1 / x;
            zf_sb_printf(&p->dat, "%.15g %.15g %.15g\n", x, q * 100,
                         (double)zf_hist_quantile(&h, q) / 1e6);
        }
    }
    zf_hist_free(&h);
    return total;
}

/* Percentile tics (0%, 90%, 99%, ...) up to xmax, and a marker per latency SLO. */
static void spectrum_marks(zf_plot_t *p, const ctx_t *c)
{
    static const char *const tics[] = {
        "0%%",     "90%%",     "99%%",      "99.9%%",
        "99.99%%", "99.999%%", "99.9999%%", "99.99999%%"}; /* gnuplot reads tic labels as formats */
    zf_sb_puts(&p->decor, "set xtics (");
    double x = 1;
    for (size_t i = 0; i < sizeof tics / sizeof tics[0] && x <= p->xmax; i++, x *= 10)
        zf_sb_printf(&p->decor, "%s'%s' %.0f", i ? ", " : "", tics[i], x);
    zf_sb_puts(&p->decor, ")\n");
    for (size_t k = 0; k < c->n; k++) {
        size_t i;
        const json_t *s;
        json_array_foreach(json_object_get(c->runs[k].res, "slos"), i, s) {
            double q = zf_fmt_num(s, "quantile"), ms = zf_fmt_num(s, "objective") * 1e3;
            char text[192];
            if (strcmp(zf_fmt_str(s, "type"), "latency") != 0 || !(q >= 0 && q < 1) || !(ms > 0))
                continue;
            snprintf(text, sizeof text, "SLO %s: %s", zf_fmt_str(s, "name"),
                     zf_fmt_str(s, "objective_text"));
            p->ymax = fmax(p->ymax, ms * 1.15); /* room for the marker and its label */
            zf_sb_puts(&p->decor, "set label ");
            zf_sb_put_gp(&p->decor, text);
            zf_sb_printf(&p->decor, " at first %.10g, first %.10g point pt 7 ps 1.5 lc rgb '%s' "
                         "tc rgb '%s' offset 1,1 front\n", 1 / (1 - q), ms, SLO_COLOR, SLO_COLOR);
        }
    }
}

static int build_latency_dist(zf_plot_t *p, const ctx_t *c, char *note, size_t len)
{
    uint64_t most = 0;
    double lo = INFINITY, hi = 0;
    chart_title(p, c, "Latency distribution");
    snprintf(p->xlabel, sizeof p->xlabel, "percentile");
    snprintf(p->ylabel, sizeof p->ylabel, "latency (ms)");
    for (size_t k = 0; k < c->n; k++) {
        uint64_t total = spectrum_block(p, &c->runs[k]);
        zf_plot_line_t *l = total ? zf_plot_add_line(p) : NULL;
        if (!l)
            continue;
        most = total > most ? total : most;
        l->block = p->nblocks - 1;
        snprintf(l->y, sizeof l->y, "($3)");
        style(c, l, k, 0);
        line_title(c, l, k, "latency");
        lo = fmin(lo, zf_fmt_num(json_object_get(c->runs[k].res, "latency_ms"), "p50"));
        hi = fmax(hi, zf_fmt_num(json_object_get(c->runs[k].res, "latency_ms"), "max"));
    }
    if (!most) {
        snprintf(note, len, "results.json has no latency_histogram with two or more requests");
        return 0;
    }
    p->logx = true;
    p->xmin = 1;
    p->xmax = pow(10, ceil(log10((double)most)));
    p->y_from_zero = true;
    auto_log_y(p, lo, hi);
    spectrum_marks(p, c);
    if (p->ymax > 0)
        p->ymax = fmax(p->ymax, hi * 1.05);
    return 1;
}

/* ---------- the chart table ---------- */

typedef int (*build_fn)(zf_plot_t *, const ctx_t *, char *, size_t);

static int build_instances(zf_plot_t *p, const ctx_t *c, char *note, size_t len)
{
    return build_gauge(&gauge_defs[ZF_CHART_INSTANCES], p, c, note, len);
}
static int build_cpu(zf_plot_t *p, const ctx_t *c, char *note, size_t len)
{
    return build_gauge(&gauge_defs[ZF_CHART_CPU], p, c, note, len);
}
static int build_backlog(zf_plot_t *p, const ctx_t *c, char *note, size_t len)
{
    return build_gauge(&gauge_defs[ZF_CHART_BACKLOG], p, c, note, len);
}
static int build_stations(zf_plot_t *p, const ctx_t *c, char *note, size_t len)
{
    return build_gauge(&gauge_defs[ZF_CHART_STATIONS], p, c, note, len);
}

static const struct chart_def {
    const char *name, *title, *caption;
    build_fn build;
} defs[ZF_CHART_COUNT] = {
    [ZF_CHART_REQUESTS] = {"requests", "Requests per second",
        "Completed requests per second: successful ones and failed ones stacked by failure "
        "cause (one line each for ok and failed when results are compared). Shaded: fault "
        "windows, with detection and recovery (RTO) marked.", build_requests},
    [ZF_CHART_LATENCY] = {"latency", "Latency over time",
        "Latency percentiles p50, p99 and p99.9 of the requests that succeeded in each second; "
        "dashed red lines: latency SLO objectives. Gaps: seconds without a successful "
        "request.", build_latency},
    [ZF_CHART_INSTANCES] = {"instances", "Instances in service",
        "Instances in service per group and zone; purple lines: database primary changes "
        "(role changes), blue bands: database failing over, down or restoring.",
        build_instances},
    [ZF_CHART_CPU] = {"cpu", "CPU utilisation",
        "Average CPU utilisation of each group's instances, in percent.", build_cpu},
    [ZF_CHART_BACKLOG] = {"backlog", "Device backlog",
        "Device messages buffered by store-and-forward (left axis) and devices offline (right "
        "axis): the backlog builds during an outage and drains after recovery.", build_backlog},
    [ZF_CHART_STATIONS] = {"stations", "Queueing stations",
        "Busy servers and requests waiting at each queueing station (end of each second).",
        build_stations},
    [ZF_CHART_LATENCY_DIST] = {"latency_dist", "Latency distribution",
        "Percentile spectrum of the latency of successful requests after warm-up, all "
        "replications pooled (HdrHistogram style: the x axis stretches the tail; red dots: "
        "latency SLO objectives).", build_latency_dist},
};

int zf_chart_build(zf_chart_kind_t kind, const zf_report_run_t *runs, size_t n, zf_plot_t *p,
                   char *note, size_t note_len)
{
    ctx_t c = {runs, n < ZF_REPORT_MAX_RUNS ? n : ZF_REPORT_MAX_RUNS, 0};
    for (size_t k = 0; k < c.n; k++) {
        const zf_series_t *s = &runs[k].series;
        int t = zf_series_find(s, "t_s");
        if (s->nrows && t >= 0)
            c.tmax_s = fmax(c.tmax_s, zf_series_at(s, s->nrows - 1, (size_t)t) + 1);
    }
    zf_plot_init(p, defs[kind].name);
    note[0] = 0;
    if (kind != ZF_CHART_LATENCY_DIST && c.tmax_s <= 0) {
        snprintf(note, note_len, "timeseries.csv has no rows");
        return 0;
    }
    int rc = defs[kind].build(p, &c, note, note_len);
    return zf_plot_failed(p) ? ZF_ENOMEM : rc;
}

/* Builds one chart and writes its files. */
static int write_chart(zf_chart_kind_t kind, const zf_report_run_t *runs, size_t n,
                       const char *outdir, zf_chart_t *ch, zf_err_t *err)
{
    zf_plot_t p;
    zf_sb_t gp = {0};
    char file[64];
    int rc = zf_chart_build(kind, runs, n, &p, ch->note, sizeof ch->note);
    if (rc == 1) {
        ch->planned = true;
        zf_plot_script(&p, &gp);
        snprintf(file, sizeof file, "%s.dat", ch->name);
        rc = zf_sb_failed(&gp) ? ZF_ENOMEM
                               : zf_write_atomic(outdir, file, p.dat.data, p.dat.len, err);
        snprintf(file, sizeof file, "%s.gp", ch->name);
        if (rc == 0)
            rc = zf_write_atomic(outdir, file, gp.data, gp.len, err);
    }
    if (rc == ZF_ENOMEM)
        zf_err_set(err, rc, "out of memory drawing chart %s", ch->name);
    zf_sb_free(&gp);
    zf_plot_free(&p);
    return rc < 0 ? rc : 0;
}

int zf_charts_write(const zf_report_run_t *runs, size_t n, const char *outdir,
                    zf_chart_t *charts, zf_err_t *err)
{
    int rc = 0;
    for (int k = 0; k < ZF_CHART_COUNT; k++) {
        memset(&charts[k], 0, sizeof charts[k]);
        charts[k].name = defs[k].name;
        charts[k].title = defs[k].title;
        charts[k].caption = defs[k].caption;
    }
    for (int k = 0; k < ZF_CHART_COUNT && rc == 0; k++)
        rc = write_chart((zf_chart_kind_t)k, runs, n, outdir, &charts[k], err);
    return rc;
}

void zf_charts_free(zf_chart_t *charts)
{
    for (int k = 0; k < ZF_CHART_COUNT; k++) {
        free(charts[k].svg);
        charts[k].svg = NULL;
    }
}
