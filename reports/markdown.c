/* markdown: the summary.md writer. Cells are escaped for GitHub-flavoured Markdown. */
#include "reports/markdown.h"
#include "engine/err.h"
#include "reports/compare.h"
#include "reports/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PASS "✅ pass"
#define FAIL "❌ **fail**"

/* "| a | b |" with every cell escaped. */
static void row(zf_sb_t *out, const char *const *cells, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        zf_sb_puts(out, "| ");
        zf_sb_put_md(out, cells[i]);
        zf_sb_putc(out, ' ');
    }
    zf_sb_puts(out, "|\n");
}

static void header(zf_sb_t *out, const char *const *cells, size_t n)
{
    row(out, cells, n);
    for (size_t i = 0; i < n; i++)
        zf_sb_puts(out, "| --- ");
    zf_sb_puts(out, "|\n");
}

/* Result cells are written unescaped (they hold Markdown on purpose). */
static void result_row(zf_sb_t *out, bool met, const char *const *cells, size_t n)
{
    zf_sb_printf(out, "| %s ", met ? PASS : FAIL);
    row(out, cells, n);
}

void zf_md_slo_table(zf_sb_t *out, const json_t *res)
{
    static const char *const head[] = {"result", "SLO", "objective", "measured", "met in runs"};
    size_t i;
    const json_t *s;
    header(out, head, 5);
    json_array_foreach(json_object_get(res, "slos"), i, s) {
        char measured[64], runs[16];
        const char *cells[] = {zf_fmt_str(s, "name"), zf_fmt_str(s, "objective_text"),
                               zf_fmt_slo_measured(s, measured, sizeof measured),
                               zf_fmt_slo_met_runs(res, s, runs, sizeof runs)};
        result_row(out, json_is_true(json_object_get(s, "met")), cells, 4);
    }
}

static void headline(zf_sb_t *out, const zf_report_run_t *r)
{
    size_t nslos = json_array_size(json_object_get(r->res, "slos")),
           bad = zf_fmt_slos_missed(r->res);
    const json_t *lat = json_object_get(r->res, "latency_ms");
    const json_t *req = json_object_get(r->res, "requests");
    char avail[32];
    zf_sb_printf(out, "## %s ", nslos == 0 ? "➖" : bad ? "❌" : "✅");
    zf_sb_put_md(out, r->label);
    if (nslos == 0)
        zf_sb_puts(out, ": no SLO stated\n\n");
    else if (bad)
        zf_sb_printf(out, ": %zu of %zu SLO%s missed\n\n", bad, nslos, nslos == 1 ? "" : "s");
    else
        zf_sb_printf(out, ": all %zu SLO%s met\n\n", nslos, nslos == 1 ? "" : "s");
    snprintf(avail, sizeof avail, "%.4f%%", zf_fmt_num(r->res, "availability") * 100);
    zf_sb_put_md(out, zf_fmt_str(r->res, "mode"));
    zf_sb_printf(out,
                 ", seed %lld, %lld replication%s of %.0f s (warm-up %.0f s): %lld requests, "
                 "availability %s, latency p50 %.1f ms, p99 %.1f ms.\n\n",
                 zf_fmt_int(r->res, "seed"), zf_fmt_int(r->res, "replications"),
                 zf_fmt_int(r->res, "replications") == 1 ? "" : "s",
                 zf_fmt_num(r->res, "duration_s"), zf_fmt_num(r->res, "warmup_s"),
                 zf_fmt_int(req, "total"),
                 isfinite(zf_fmt_num(r->res, "availability")) ? avail : "n/a",
                 zf_fmt_num(lat, "p50"), zf_fmt_num(lat, "p99"));
}

static void faults(zf_sb_t *out, const json_t *res)
{
    static const char *const head[] = {"fault", "kind", "target", "start", "detected",
                                       "recovered", "RTO"};
    const json_t *arr = json_object_get(res, "faults"), *f;
    size_t i;
    if (!json_array_size(arr))
        return;
    header(out, head, 7);
    json_array_foreach(arr, i, f) {
        char a[32], b[32], c[32], d[32];
        const char *cells[] = {zf_fmt_str(f, "name"),
                               zf_fmt_str(f, "kind"),
                               zf_fmt_str(f, "target"),
                               zf_fmt_s(zf_fmt_num(f, "start_s"), "n/a", a, sizeof a),
                               zf_fmt_s(zf_fmt_num(f, "detected_s"), "not detected", b, sizeof b),
                               zf_fmt_s(zf_fmt_num(f, "recovered_s"), "not recovered", c, sizeof c),
                               zf_fmt_s(zf_fmt_num(f, "rto_s"), "n/a", d, sizeof d)};
        row(out, cells, 7);
    }
    zf_sb_putc(out, '\n');
}

static void data_and_cost(zf_sb_t *out, const json_t *res)
{
    const json_t *dl = json_object_get(res, "data_loss");
    double cost = zf_fmt_num(json_object_get(res, "metrics"), "cost.instance_hours");
    char rpo[32];
    if (zf_fmt_int(dl, "acknowledged_writes") > 0)
        zf_sb_printf(out, "Writes: %lld acknowledged, %lld lost, RPO %s%s.\n\n",
                     zf_fmt_int(dl, "acknowledged_writes"), zf_fmt_int(dl, "lost_writes"),
                     zf_fmt_s(zf_fmt_num(dl, "rpo_s"), "not measured", rpo, sizeof rpo),
                     json_is_false(json_object_get(dl, "verified"))
                         ? " (loss not verified: writes not all read back)" : "");
    if (isfinite(cost))
        zf_sb_printf(out, "Cost: %.1f instance-hours.\n\n", cost);
}

static void compared_runs(zf_sb_t *out, const zf_report_run_t *runs, size_t n)
{
    static const char *const head[] = {"verdict", "run", "availability", "p99", "SLOs missed"};
    zf_sb_puts(out, "### Compared runs\n\n");
    header(out, head, 5);
    for (size_t k = 0; k < n; k++) {
        char avail[32], p99[32], bad[32];
        snprintf(avail, sizeof avail, "%.4f%%", zf_fmt_num(runs[k].res, "availability") * 100);
        snprintf(p99, sizeof p99, "%.1f ms",
                 zf_fmt_num(json_object_get(runs[k].res, "latency_ms"), "p99"));
        snprintf(bad, sizeof bad, "%zu of %zu", zf_fmt_slos_missed(runs[k].res),
                 json_array_size(json_object_get(runs[k].res, "slos")));
        const char *cells[] = {runs[k].label, avail, p99, bad};
        result_row(out, strcmp(zf_fmt_str(runs[k].res, "verdict"), "pass") == 0, cells, 4);
    }
    zf_sb_putc(out, '\n');
}

/* Figures worth a line in a CI summary (the HTML report lists every one). */
static bool headline_metric(const char *m)
{
    return strcmp(m, "availability") == 0 || strncmp(m, "latency_ms.", 11) == 0 ||
           strncmp(m, "faults.", 7) == 0 || strcmp(m, "data_loss.lost_writes") == 0 ||
           strcmp(m, "cost.instance_hours") == 0;
}

static int deltas(zf_sb_t *out, const zf_report_run_t *base, const zf_report_run_t *other)
{
    zf_delta_t *d;
    size_t n;
    if (zf_compare_deltas(base->res, other->res, &d, &n) != 0)
        return ZF_ENOMEM;
    zf_sb_puts(out, "### ");
    zf_sb_put_md(out, other->label);
    zf_sb_puts(out, " vs ");
    zf_sb_put_md(out, base->label);
    zf_sb_puts(out, "\n\n");
    if (n) {
        char level[48];
        snprintf(level, sizeof level, "%.0f%% CI of difference", d[0].level * 100);
        const char *head[] = {"metric",     base->label, other->label,
                              "difference", level,       "significant"};
        header(out, head, 6);
    }
    for (size_t i = 0; i < n; i++) {
        char a[32], b[32], diff[32], ci[64];
        if (!headline_metric(d[i].metric))
            continue;
        const char *cells[] = {d[i].metric,
                               zf_fmt_g(d[i].base_mean, a, sizeof a),
                               zf_fmt_g(d[i].other_mean, b, sizeof b),
                               zf_fmt_g(d[i].delta, diff, sizeof diff),
                               zf_delta_ci_text(&d[i], ci, sizeof ci),
                               zf_delta_significance(&d[i])};
        row(out, cells, 6);
    }
    zf_sb_puts(out, n ? "\n" : "No common figures with confidence intervals.\n\n");
    free(d);
    return 0;
}

int zf_md_write(zf_sb_t *out, const zf_report_run_t *runs, size_t n)
{
    const zf_report_run_t *r = &runs[0];
    headline(out, r);
    if (json_array_size(json_object_get(r->res, "slos"))) {
        zf_md_slo_table(out, r->res);
        zf_sb_putc(out, '\n');
    }
    faults(out, r->res);
    data_and_cost(out, r->res);
    if (n > 1)
        compared_runs(out, runs, n);
    for (size_t k = 1; k < n; k++)
        if (deltas(out, r, &runs[k]) != 0)
            return ZF_ENOMEM;
    return 0;
}
