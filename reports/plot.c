/* plot: gnuplot data blocks and scripts. The scripts draw with the cairo terminals when
 * gnuplot has them (pngcairo, svg), else with libgd's png, at ZF_PLOT_WIDTH x
 * ZF_PLOT_HEIGHT, text without enhanced-mode markup so names print as they are. */
#include "reports/plot.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FONT "DejaVu Sans,12"
#define KEY_BELOW_MAX 12
#define KEY_COLS 3

void zf_plot_init(zf_plot_t *p, const char *name)
{
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->x_div = 1;
}

void zf_plot_free(zf_plot_t *p)
{
    zf_sb_free(&p->dat);
    zf_sb_free(&p->decor);
    free(p->lines);
    memset(p, 0, sizeof *p);
}

bool zf_plot_failed(const zf_plot_t *p)
{
    return p->oom || zf_sb_failed(&p->dat) || zf_sb_failed(&p->decor);
}

zf_plot_line_t *zf_plot_add_line(zf_plot_t *p)
{
    if (p->nlines == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 16;
        zf_plot_line_t *l = realloc(p->lines, cap * sizeof *l);
        if (!l) {
            p->oom = true;
            return NULL;
        }
        p->lines = l;
        p->cap = cap;
    }
    zf_plot_line_t *l = &p->lines[p->nlines++];
    memset(l, 0, sizeof *l);
    l->dash = 1;
    return l;
}

/* A number as gnuplot reads it back exactly (15 significant digits), NaN a gap. */
static void put_num(zf_sb_t *b, double v)
{
    if (isfinite(v))
        zf_sb_printf(b, "%.15g", v);
    else
        zf_sb_puts(b, "NaN");
}

/* A comment line: text with line breaks flattened. */
static void put_comment(zf_sb_t *b, const char *text)
{
    zf_sb_puts(b, "# ");
    for (; *text; text++)
        zf_sb_putc(b, *text == '\n' || *text == '\r' ? ' ' : *text);
    zf_sb_putc(b, '\n');
}

int zf_plot_block_begin(zf_plot_t *p, const char *label, const char *columns)
{
    if (p->nblocks)
        zf_sb_puts(&p->dat, "\n\n");
    put_comment(&p->dat, label);
    put_comment(&p->dat, columns);
    return p->nblocks++;
}

/* Value of cell (row, col) under its flags: NaN for latency in seconds without success. */
static double cell(const zf_series_t *s, size_t row, int col, unsigned flags, int ok_col)
{
    if ((flags & ZF_PLOT_IF_OK) && ok_col >= 0 && zf_series_at(s, row, (size_t)ok_col) <= 0)
        return NAN;
    return zf_series_at(s, row, (size_t)col);
}

/* Mean or max of the finite values of a column over rows [r0, r1); NaN when none. */
static double reduce(const zf_series_t *s, size_t r0, size_t r1, int col, unsigned flags,
                     int ok_col)
{
    double acc = NAN;
    size_t n = 0;
    for (size_t r = r0; r < r1; r++) {
        double v = cell(s, r, col, flags, ok_col);
        if (!isfinite(v))
            continue;
        if (n++ == 0)
            acc = v;
        else if (flags & ZF_PLOT_MAX)
            acc = fmax(acc, v);
        else
            acc += v;
    }
    return n && !(flags & ZF_PLOT_MAX) ? acc / (double)n : acc;
}

int zf_plot_block_series(zf_plot_t *p, const zf_series_t *s, const char *label, const int *cols,
                         const unsigned *flags, size_t ncols, size_t bin)
{
    zf_sb_t head = {0};
    zf_sb_puts(&head, "t_s");
    for (size_t c = 0; c < ncols; c++)
        zf_sb_printf(&head, " %s", s->names[cols[c]]);
    if (bin > 1)
        zf_sb_printf(&head, " (each row averages %zu s from t_s; latency: the worst)", bin);
    int b = zf_plot_block_begin(p, label, zf_sb_str(&head));
    p->oom |= zf_sb_failed(&head);
    zf_sb_free(&head);
    int ok_col = zf_series_find(s, "ok");
    size_t t_col = (size_t)zf_series_find(s, "t_s");
    bin = bin ? bin : 1;
    for (size_t r0 = 0; r0 < s->nrows; r0 += bin) {
        size_t r1 = r0 + bin < s->nrows ? r0 + bin : s->nrows;
        put_num(&p->dat, zf_series_at(s, r0, t_col));
        for (size_t c = 0; c < ncols; c++) {
            zf_sb_putc(&p->dat, ' ');
            put_num(&p->dat, bin == 1 ? cell(s, r0, cols[c], flags[c], ok_col)
                                      : reduce(s, r0, r1, cols[c], flags[c], ok_col));
        }
        zf_sb_putc(&p->dat, '\n');
    }
    return b;
}

/* "set label 'text' at first X, " (the caller writes the rest of the command). */
static void label_at(zf_plot_t *p, const char *text, double x)
{
    zf_sb_puts(&p->decor, "set label ");
    zf_sb_put_gp(&p->decor, text);
    zf_sb_printf(&p->decor, " at first %.10g, ", x);
}

void zf_plot_shade(zf_plot_t *p, double t0_s, double t1_s, const char *label, const char *fill)
{
    double x0 = t0_s / p->x_div, x1 = t1_s / p->x_div;
    zf_sb_printf(&p->decor, "set object rect from first %.10g, graph 0 to first %.10g, graph 1 "
                 "fc rgb '%s' fs solid 0.35 noborder behind\n", x0, x1, fill);
    if (!label || !*label)
        return;
    label_at(p, label, x0);
    zf_sb_printf(&p->decor, "graph %.2f left front offset 0.4,0 font ',10' tc rgb '#444444'\n",
                 0.96 - 0.045 * (p->nlabels++ % 6));
}

void zf_plot_vline(zf_plot_t *p, double t_s, const char *label, const char *color)
{
    double x = t_s / p->x_div;
    zf_sb_printf(&p->decor, "set arrow from first %.10g, graph 0 to first %.10g, graph 1 "
                 "nohead dt 2 lw 1.5 lc rgb '%s' front\n", x, x, color);
    if (!label || !*label)
        return;
    label_at(p, label, x);
    zf_sb_printf(&p->decor, "graph 0.03 rotate by 90 left front offset -0.9,0 font ',10' "
                 "tc rgb '%s'\n", color);
}

static void script_head(const zf_plot_t *p, zf_sb_t *gp)
{
    zf_sb_printf(gp, "# zonefall chart: %s.dat drawn as %s.png and %s.svg (%dx%d).\n"
                 "# Redraw after editing: gnuplot %s.gp   (one format: "
                 "gnuplot -e \"formats='svg'\" %s.gp)\n",
                 p->name, p->name, p->name, ZF_PLOT_WIDTH, ZF_PLOT_HEIGHT, p->name, p->name);
    zf_sb_puts(gp, "if (!exists(\"formats\")) formats = 'png svg'\n");
    zf_sb_printf(gp, "if (!exists(\"outstem\")) outstem = '%s'\n", p->name);
    zf_sb_puts(gp, "set datafile missing 'NaN'\nset title ");
    zf_sb_put_gp(gp, p->title);
    zf_sb_puts(gp, " font ',15'\nset xlabel ");
    zf_sb_put_gp(gp, p->xlabel);
    zf_sb_puts(gp, "\nset ylabel ");
    zf_sb_put_gp(gp, p->ylabel);
    zf_sb_putc(gp, '\n');
    if (p->y2label[0]) {
        zf_sb_puts(gp, "set y2label ");
        zf_sb_put_gp(gp, p->y2label);
        zf_sb_puts(gp, "\nset y2tics\nset y2range [0:*]\n");
    }
    /* the key below the plot while it is short, else beside it (gnuplot does not leave
     * room for a key below the x label by itself) */
    if (p->nlines <= KEY_BELOW_MAX)
        zf_sb_printf(gp, "set key below center horizontal box maxcols %d\nset bmargin %zu\n",
                     KEY_COLS, 5 + (p->nlines + KEY_COLS - 1) / KEY_COLS);
    else
        zf_sb_puts(gp, "set key outside right top vertical box\n");
    zf_sb_puts(gp, "set border 3 lw 1.2\n"
                   "set tics nomirror out\nset style line 100 lc rgb '#d9d9d9' lw 1 dt 1\n"
                   "set grid xtics ytics ls 100\nset style fill solid 0.8 noborder\n");
    if (p->xmax > p->xmin)
        zf_sb_printf(gp, "set xrange [%.10g:%.10g]\n", p->xmin, p->xmax);
    if (p->logx)
        zf_sb_puts(gp, "set logscale x 10\n");
    if (p->logy)
        zf_sb_puts(gp, "set logscale y 10\n");
    else if (p->y_from_zero && p->ymax > 0)
        zf_sb_printf(gp, "set yrange [0:%.10g]\n", p->ymax);
    else if (p->y_from_zero)
        zf_sb_puts(gp,
                   "set yrange [0:*]\nset offsets 0, 0, graph 0.12, 0\n"); /* headroom for labels */
    zf_sb_puts(gp, zf_sb_str(&p->decor));
}

static void script_terminals(zf_sb_t *gp)
{
    zf_sb_printf(gp,
                 "do for [fmt in formats] {\n"
                 "  if (fmt eq 'svg') {\n"
                 "    set terminal svg size %d,%d font '" FONT "' noenhanced background '#ffffff'\n"
                 "  } else {\n"
                 "    if (strstrt(GPVAL_TERMINALS, 'pngcairo') > 0) {\n"
                 "      set terminal pngcairo size %d,%d font '" FONT "' noenhanced "
                 "background '#ffffff'\n"
                 "    } else {\n"
                 "      set terminal png size %d,%d noenhanced background '#ffffff'\n"
                 "    }\n"
                 "  }\n"
                 "  set output outstem.'.'.fmt\n",
                 ZF_PLOT_WIDTH, ZF_PLOT_HEIGHT, ZF_PLOT_WIDTH, ZF_PLOT_HEIGHT, ZF_PLOT_WIDTH,
                 ZF_PLOT_HEIGHT);
}

static void script_line(const zf_plot_t *p, const zf_plot_line_t *l, zf_sb_t *gp)
{
    if (l->block < 0) {
        zf_sb_printf(gp, "%s with lines", l->y);
    } else {
        char x[48];
        if (p->x_div != 1)
            snprintf(x, sizeof x, "($1/%.10g)", p->x_div);
        else
            snprintf(x, sizeof x, "1");
        zf_sb_printf(gp, "'%s.dat' index %d using %s:", p->name, l->block, x);
        if (l->y_lo[0])
            zf_sb_printf(gp, "%s:%s with filledcurves", l->y_lo, l->y);
        else
            zf_sb_printf(gp, "%s with lines", l->y);
    }
    zf_sb_printf(gp, " lw 1.5 dt %d lc rgb '%s'%s title ", l->dash, l->color ? l->color : "#000000",
                 l->y2 ? " axes x1y2" : "");
    zf_sb_put_gp(gp, l->title);
}

void zf_plot_script(const zf_plot_t *p, zf_sb_t *gp)
{
    script_head(p, gp);
    script_terminals(gp);
    zf_sb_puts(gp, "  plot \\\n");
    for (size_t i = 0; i < p->nlines; i++) {
        zf_sb_puts(gp, "    ");
        script_line(p, &p->lines[i], gp);
        zf_sb_puts(gp, i + 1 < p->nlines ? ", \\\n" : "\n");
    }
    zf_sb_puts(gp, "  set output\n}\n");
}
