/* html: the report.html writer. Charts are SVG documents embedded as data: URIs, so each
 * stays isolated (gnuplot gives every chart the same element ids) and the page needs no
 * other file; everything from the results is HTML-escaped. */
#include "reports/html.h"
#include "engine/err.h"
#include "reports/compare.h"
#include "reports/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char css[] =
    "body{font-family:'DejaVu Sans',Arial,sans-serif;margin:0 auto;max-width:1240px;"
    "padding:16px 20px;color:#222;line-height:1.45}\n"
    "h1{font-size:1.6em;margin:.2em 0}h2{border-bottom:2px solid #ddd;padding-bottom:.2em;"
    "margin-top:1.6em}h3{margin-bottom:.3em}\n"
    "table{border-collapse:collapse;margin:.5em 0 1em}th,td{border:1px solid #ccc;"
    "padding:4px 9px;text-align:left;vertical-align:top}th{background:#f2f2f2}\n"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}\n"
    ".pass{color:#0a6d2c;font-weight:bold}.fail{color:#b00020;font-weight:bold}\n"
    ".badge{display:inline-block;padding:2px 12px;border-radius:4px;color:#fff;"
    "font-weight:bold;margin-left:.5em;font-size:.8em;vertical-align:middle}\n"
    ".badge.pass{background:#0a6d2c;color:#fff}.badge.fail{background:#b00020;color:#fff}\n"
    "figure{margin:.5em 0 1.5em}figure img{max-width:100%;height:auto;border:1px solid #ddd}\n"
    "figcaption,.note{color:#555;font-size:.92em}.note{background:#fff8e1;"
    "border-left:4px solid #f0c000;padding:6px 10px}\n"
    "dl{display:grid;grid-template-columns:max-content auto;gap:2px 16px}dt{font-weight:bold}"
    "dd{margin:0}\ncode{background:#f4f4f4;padding:0 3px}\n";

static void text(zf_sb_t *out, const char *s)
{
    zf_sb_put_xml(out, s);
}

/* <tag>escaped</tag>\n */
static void element(zf_sb_t *out, const char *tag, const char *s)
{
    zf_sb_printf(out, "<%s>", tag);
    text(out, s);
    zf_sb_printf(out, "</%s>\n", tag);
}

static void head_row(zf_sb_t *out, const char *const *cells, size_t n)
{
    zf_sb_puts(out, "<table>\n<tr>");
    for (size_t i = 0; i < n; i++)
        element(out, "th", cells[i]);
    zf_sb_puts(out, "</tr>\n");
}

/* A row after an optional raw-HTML cell `lead`; cells starting with a digit, '-' or '['
 * are right-aligned numbers. */
static void row_after(zf_sb_t *out, const char *lead, const char *const *cells, size_t n)
{
    zf_sb_puts(out, "<tr>");
    if (lead)
        zf_sb_puts(out, lead);
    for (size_t i = 0; i < n; i++) {
        char c = cells[i][0];
        zf_sb_puts(out,
                   (c >= '0' && c <= '9') || c == '-' || c == '[' ? "<td class=\"num\">" : "<td>");
        text(out, cells[i]);
        zf_sb_puts(out, "</td>");
    }
    zf_sb_puts(out, "</tr>\n");
}

static void row(zf_sb_t *out, const char *const *cells, size_t n)
{
    row_after(out, NULL, cells, n);
}

static const char *result_cell(bool met)
{
    return met ? "<td class=\"pass\">PASS</td>" : "<td class=\"fail\">FAIL</td>";
}

static void definition(zf_sb_t *out, const char *term, const char *value)
{
    element(out, "dt", term);
    element(out, "dd", value);
}

static void summary(zf_sb_t *out, const zf_report_run_t *r)
{
    char seed[32], reps[32], dur[48], level[32];
    snprintf(seed, sizeof seed, "%lld", zf_fmt_int(r->res, "seed"));
    snprintf(reps, sizeof reps, "%lld", zf_fmt_int(r->res, "replications"));
    snprintf(dur, sizeof dur, "%.0f s (warm-up %.0f s)", zf_fmt_num(r->res, "duration_s"),
             zf_fmt_num(r->res, "warmup_s"));
    snprintf(level, sizeof level, "%.0f%%",
             zf_fmt_num(json_object_get(r->res, "confidence"), "level") * 100);
    zf_sb_puts(out, "<h2>Scenario</h2>\n");
    if (*zf_fmt_str(r->res, "description"))
        element(out, "p", zf_fmt_str(r->res, "description"));
    zf_sb_puts(out, "<dl>\n");
    definition(out, "scenario", zf_fmt_str(r->res, "scenario"));
    definition(out, "scenario file", zf_fmt_str(r->res, "scenario_file"));
    definition(out, "mode", zf_fmt_str(r->res, "mode"));
    definition(out, "seed", seed);
    definition(out, "replications", reps);
    definition(out, "simulated time", dur);
    definition(out, "status", zf_fmt_str(r->res, "status"));
    definition(out, "confidence level", level);
    definition(out, "results", r->dir);
    definition(out, "zonefall version", zf_fmt_str(r->res, "zonefall_version"));
    zf_sb_puts(out, "</dl>\n");
}

static void slo_table(zf_sb_t *out, const json_t *res)
{
    static const char *const head[] = {"result", "SLO", "type", "objective", "measured",
                                       "met in runs"};
    const json_t *slos = json_object_get(res, "slos"), *s;
    size_t i;
    if (!json_array_size(slos)) {
        zf_sb_puts(out, "<p>The scenario states no SLO.</p>\n");
        return;
    }
    head_row(out, head, 6);
    json_array_foreach(slos, i, s) {
        char measured[64], runs[16];
        const char *cells[] = {zf_fmt_str(s, "name"), zf_fmt_str(s, "type"),
                               zf_fmt_str(s, "objective_text"),
                               zf_fmt_slo_measured(s, measured, sizeof measured),
                               zf_fmt_slo_met_runs(res, s, runs, sizeof runs)};
        row_after(out, result_cell(json_is_true(json_object_get(s, "met"))), cells, 5);
    }
    zf_sb_puts(out, "</table>\n");
}

/* One figure with its confidence interval: "value" "CI" cells. */
static void figure_row(zf_sb_t *out, const json_t *res, const char *name, const char *key,
                       double v, double scale, const char *unit)
{
    char val[48], ci[96];
    if (isfinite(v))
        snprintf(val, sizeof val, "%.6g%s", v * scale, unit);
    else
        snprintf(val, sizeof val, "n/a");
    const char *cells[] = {name, val, key ? zf_fmt_ci(res, key, scale, ci, sizeof ci) : ""};
    row(out, cells, 3);
}

static void traffic(zf_sb_t *out, const json_t *res)
{
    static const char *const head[] = {"figure", "value", "confidence interval"};
    static const struct {
        const char *name, *key;
    } lat[] = {{"latency p50", "p50"}, {"latency p90", "p90"}, {"latency p99", "p99"},
               {"latency p99.9", "p999"}, {"latency max", "max"}};
    const json_t *req = json_object_get(res, "requests"), *lms = json_object_get(res, "latency_ms");
    const json_t *causes = json_object_get(req, "failed_by_cause"), *v;
    const char *cause;
    zf_sb_puts(out, "<h2>Requests and latency</h2>\n");
    head_row(out, head, 3);
    figure_row(out, res, "requests", NULL, zf_fmt_num(req, "total"), 1, "");
    figure_row(out, res, "ok", NULL, zf_fmt_num(req, "ok"), 1, "");
    figure_row(out, res, "failed", NULL, zf_fmt_num(req, "failed"), 1, "");
    json_object_foreach((json_t *)causes, cause, v) {
        char name[96];
        snprintf(name, sizeof name, "failed: %s", cause);
        if (json_number_value(v) > 0)
            figure_row(out, res, name, NULL, json_number_value(v), 1, "");
    }
    figure_row(out, res, "in flight at the end", NULL, zf_fmt_num(req, "in_flight"), 1, "");
    figure_row(out, res, "availability", "availability", zf_fmt_num(res, "availability"), 100, "%");
    for (size_t i = 0; i < sizeof lat / sizeof lat[0]; i++) {
        char key[32];
        snprintf(key, sizeof key, "latency_ms.%s", lat[i].key);
        figure_row(out, res, lat[i].name, key, zf_fmt_num(lms, lat[i].key), 1, " ms");
    }
    zf_sb_puts(out, "</table>\n");
}

/* "detection 5.0 s, promotion 30.0 s" of the phases that apply. */
static void phases_text(const json_t *f, char *buf, size_t len)
{
    static const char *const keys[] = {"detection_s", "dns_s", "promotion_s", "launch_s"};
    const json_t *ph = json_object_get(f, "rto_phases");
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < 4 && used < len; i++) {
        double v = zf_fmt_num(ph, keys[i]);
        if (isfinite(v) && v > 0)
            used += (size_t)snprintf(buf + used, len - used, "%s%.*s %.1f s", used ? ", " : "",
                                     (int)(strlen(keys[i]) - 2), keys[i], v);
    }
}

static void faults(zf_sb_t *out, const json_t *res)
{
    static const char *const head[] = {"fault", "kind", "target", "start", "end", "detected",
                                       "recovered", "RTO", "RTO phases"};
    const json_t *arr = json_object_get(res, "faults"), *f;
    size_t i;
    zf_sb_puts(out, "<h2>Fault timeline</h2>\n");
    if (!json_array_size(arr)) {
        zf_sb_puts(out, "<p>No fault injected.</p>\n");
        return;
    }
    head_row(out, head, 9);
    json_array_foreach(arr, i, f) {
        char a[32], b[32], c[32], d[32], e[32], ph[160];
        phases_text(f, ph, sizeof ph);
        const char *cells[] = {zf_fmt_str(f, "name"),
                               zf_fmt_str(f, "kind"),
                               zf_fmt_str(f, "target"),
                               zf_fmt_s(zf_fmt_num(f, "start_s"), "n/a", a, sizeof a),
                               zf_fmt_s(zf_fmt_num(f, "end_s"), "not healed", b, sizeof b),
                               zf_fmt_s(zf_fmt_num(f, "detected_s"), "not detected", c, sizeof c),
                               zf_fmt_s(zf_fmt_num(f, "recovered_s"), "not recovered", d, sizeof d),
                               zf_fmt_s(zf_fmt_num(f, "rto_s"), "n/a", e, sizeof e),
                               ph};
        row(out, cells, 9);
    }
    zf_sb_puts(out, "</table>\n");
}

static void data_loss(zf_sb_t *out, const json_t *res)
{
    static const char *const head[] = {"figure", "value", "confidence interval"};
    const json_t *dl = json_object_get(res, "data_loss");
    zf_sb_puts(out, "<h2>Data loss</h2>\n");
    head_row(out, head, 3);
    figure_row(out, res, "acknowledged writes", NULL, zf_fmt_num(dl, "acknowledged_writes"), 1, "");
    figure_row(out, res, "lost writes", "data_loss.lost_writes", zf_fmt_num(dl, "lost_writes"), 1,
               "");
    figure_row(out, res, "indeterminate writes", NULL, zf_fmt_num(dl, "indeterminate_writes"), 1,
               "");
    figure_row(out, res, "RPO", NULL, zf_fmt_num(dl, "rpo_s"), 1, " s");
    figure_row(out, res, "backlog drain after recovery", NULL, zf_fmt_num(res, "backlog_drain_s"),
               1, " s");
    zf_sb_puts(out, "</table>\n");
}

static void cost(zf_sb_t *out, const json_t *res)
{
    static const char *const head[] = {"group", "instance-hours", "confidence interval"};
    static const char total[] = "cost.instance_hours";
    const json_t *m = json_object_get(res, "metrics"), *v;
    const char *key;
    zf_sb_puts(out, "<h2>Cost</h2>\n");
    if (!json_is_number(json_object_get(m, total))) {
        zf_sb_puts(out, "<p>Not reported: the results have no <code>cost.instance_hours</code> "
                        "metric (the model of this scenario does not count instances).</p>\n");
        return;
    }
    head_row(out, head, 3);
    json_object_foreach((json_t *)m, key, v) {
        if (strncmp(key, total, sizeof total - 1) != 0 || (key[sizeof total - 1] != 0 &&
                                                           key[sizeof total - 1] != '.'))
            continue;
        figure_row(out, res, key[sizeof total - 1] ? key + sizeof total : "all groups", key,
                   json_number_value(v), 1, "");
    }
    zf_sb_puts(out, "</table>\n");
}

static void metrics(zf_sb_t *out, const json_t *res)
{
    static const char *const head[] = {"metric", "value", "confidence interval"};
    const json_t *m = json_object_get(res, "metrics"), *v;
    const char *key;
    if (!json_object_size(m))
        return;
    zf_sb_puts(out, "<h2>Model metrics</h2>\n");
    head_row(out, head, 3);
    json_object_foreach((json_t *)m, key, v)
        figure_row(out, res, key, key, json_is_number(v) ? json_number_value(v) : NAN, 1, "");
    zf_sb_puts(out, "</table>\n");
}

static void chart(zf_sb_t *out, const zf_chart_t *c, const char *chart_note)
{
    zf_sb_printf(out, "<section id=\"chart-%s\">\n", c->name);
    element(out, "h3", c->title);
    if (c->svg) {
        zf_sb_puts(out, "<figure><img alt=\"");
        text(out, c->title);
        zf_sb_printf(out, "\" width=\"%d\" height=\"%d\" src=\"data:image/svg+xml;base64,",
                     ZF_PLOT_WIDTH, ZF_PLOT_HEIGHT);
        zf_sb_put_base64(out, c->svg, c->svg_len);
        zf_sb_puts(out, "\">\n<figcaption>");
        text(out, c->caption);
        zf_sb_puts(out, "</figcaption></figure>\n");
    } else {
        zf_sb_puts(out, "<p class=\"note\">Not drawn: ");
        text(out, c->planned && chart_note ? chart_note : c->note[0] ? c->note : "no drawing");
        zf_sb_puts(out, "</p>\n");
    }
    if (c->note[0] && c->svg) {
        zf_sb_puts(out, "<p class=\"note\">");
        text(out, c->note);
        zf_sb_puts(out, "</p>\n");
    }
    if (c->planned)
        zf_sb_printf(out, "<p class=\"note\">Data and script: <code>%s.dat</code>, "
                     "<code>%s.gp</code> (redraw with <code>gnuplot %s.gp</code>).</p>\n",
                     c->name, c->name, c->name);
    zf_sb_puts(out, "</section>\n");
}

static void charts_section(zf_sb_t *out, const zf_chart_t *charts, const char *chart_note)
{
    zf_sb_puts(out, "<h2>Charts</h2>\n");
    for (int k = 0; charts && k < ZF_CHART_COUNT; k++)
        chart(out, &charts[k], chart_note);
}

static void compared_runs(zf_sb_t *out, const zf_report_run_t *runs, size_t n)
{
    static const char *const head[] = {"verdict", "run", "results", "scenario", "availability",
                                       "p99", "SLOs missed"};
    zf_sb_puts(out, "<h3>Runs</h3>\n");
    head_row(out, head, 7);
    for (size_t k = 0; k < n; k++) {
        char avail[32], p99[32], bad[32];
        const json_t *slos = json_object_get(runs[k].res, "slos");
        snprintf(avail, sizeof avail, "%.4f%%", zf_fmt_num(runs[k].res, "availability") * 100);
        snprintf(p99, sizeof p99, "%.1f ms",
                 zf_fmt_num(json_object_get(runs[k].res, "latency_ms"), "p99"));
        snprintf(bad, sizeof bad, "%zu of %zu", zf_fmt_slos_missed(runs[k].res),
                 json_array_size(slos));
        const char *cells[] = {runs[k].label, runs[k].dir, zf_fmt_str(runs[k].res, "scenario"),
                               avail, p99, bad};
        row_after(out, result_cell(strcmp(zf_fmt_str(runs[k].res, "verdict"), "pass") == 0),
                  cells, 6);
    }
    zf_sb_puts(out, "</table>\n");
    for (size_t k = 1; k < n; k++) {
        zf_sb_puts(out, "<h3>SLOs of ");
        text(out, runs[k].label);
        zf_sb_puts(out, "</h3>\n");
        slo_table(out, runs[k].res);
    }
}

static int delta_table(zf_sb_t *out, const zf_report_run_t *base, const zf_report_run_t *other)
{
    zf_delta_t *d;
    size_t n;
    if (zf_compare_deltas(base->res, other->res, &d, &n) != 0)
        return ZF_ENOMEM;
    zf_sb_puts(out, "<h3>");
    text(out, other->label);
    zf_sb_puts(out, " minus ");
    text(out, base->label);
    zf_sb_puts(out, "</h3>\n");
    if (n == 0)
        zf_sb_puts(out, "<p>No common figure with a confidence interval.</p>\n");
    for (size_t i = 0; i < n; i++) {
        char a[48], b[48], ia[80], ib[80], diff[48], ci[80], level[48];
        if (i == 0) {
            snprintf(level, sizeof level, "%.0f%% CI of the difference", d[0].level * 100);
            const char *head[] = {"metric", base->label, "CI", other->label, "CI", "difference",
                                  level, "significant"};
            head_row(out, head, 8);
        }
        snprintf(ia, sizeof ia, "[%.6g, %.6g]", d[i].base_lo, d[i].base_hi);
        snprintf(ib, sizeof ib, "[%.6g, %.6g]", d[i].other_lo, d[i].other_hi);
        const char *cells[] = {d[i].metric,
                               zf_fmt_g(d[i].base_mean, a, sizeof a),
                               ia,
                               zf_fmt_g(d[i].other_mean, b, sizeof b),
                               ib,
                               zf_fmt_g(d[i].delta, diff, sizeof diff),
                               zf_delta_ci_text(&d[i], ci, sizeof ci),
                               zf_delta_significance(&d[i])};
        row(out, cells, 8);
    }
    if (n)
        zf_sb_puts(out, "</table>\n");
    free(d);
    return 0;
}

static void page_head(zf_sb_t *out, const zf_report_run_t *r)
{
    bool pass = strcmp(zf_fmt_str(r->res, "verdict"), "pass") == 0;
    zf_sb_puts(out, "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
                    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
                    "<link rel=\"icon\" href=\"data:,\">\n<title>zonefall report: ");
    text(out, r->label);
    zf_sb_printf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n<h1>zonefall report: ", css);
    text(out, r->label);
    zf_sb_printf(out, "<span class=\"badge %s\">%s</span></h1>\n", pass ? "pass" : "fail",
                 pass ? "PASS" : "FAIL");
}

int zf_html_write(zf_sb_t *out, const zf_report_run_t *runs, size_t n, const zf_chart_t *charts,
                  const char *chart_note)
{
    const zf_report_run_t *r = &runs[0];
    page_head(out, r);
    zf_sb_puts(out, "<h2>Service level objectives</h2>\n");
    slo_table(out, r->res);
    summary(out, r);
    traffic(out, r->res);
    faults(out, r->res);
    data_loss(out, r->res);
    cost(out, r->res);
    charts_section(out, charts, chart_note);
    if (n > 1) {
        zf_sb_puts(out, "<h2>Comparison</h2>\n<p>Charts above overlay every run, one colour "
                        "each. Differences are each run minus the first, with Welch confidence "
                        "intervals from the replications of both.</p>\n");
        compared_runs(out, runs, n);
    }
    for (size_t k = 1; k < n; k++)
        if (delta_table(out, r, &runs[k]) != 0)
            return ZF_ENOMEM;
    metrics(out, r->res);
    zf_sb_puts(out, "<footer><p class=\"note\">Written by <code>zonefall report</code>. Each "
                    "chart's data (<code>.dat</code>) and gnuplot script (<code>.gp</code>) "
                    "sit beside this page for restyling.</p></footer>\n</body>\n</html>\n");
    return 0;
}
