/* Tests of reports/charts (and the plot writer under it): the .dat blocks hold the
 * timeseries values, charts pick up gauge columns by prefix and skip with a note when they
 * are absent, fault windows, SLO thresholds and database role changes are marked, long
 * series are binned, runs are overlaid, the latency spectrum follows the histogram. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "engine/hist.h"
#include "metrics/results.h"
#include "reports/charts.h"

#define HEAD "t_s,arrivals,ok,failed,in_flight,latency_p50_ms,latency_p99_ms,latency_p999_ms," \
             "failed_timeout,failed_network"

static const char plain_json[] =
    "{\"mode\":\"sim\",\"scenario\":\"shop\",\"requests\":{},\"faults\":[],"
    "\"slos\":[{\"name\":\"p99\",\"type\":\"latency\",\"objective\":3.0,\"quantile\":0.99,"
    "\"objective_text\":\"p99 <= 3s\"}]}";

static const char fault_json[] =
    "{\"mode\":\"sim\",\"scenario\":\"it's\",\"requests\":{},\"slos\":[],\"faults\":[{\"name\":"
    "\"zone-b\",\"kind\":\"zone_outage\",\"target\":\"b\",\"start_s\":200.0,\"end_s\":320.0,"
    "\"detected_s\":203.0,\"recovered_s\":290.0,\"rto_s\":90.0}]}";

typedef struct built {
    zf_report_run_t runs[2];
    size_t n;
    zf_plot_t plot;
    zf_sb_t gp;
    char note[512];
    int rc;
} built_t;

/* Builds chart `kind` of one or two runs (json, csv pairs; dirs out/a and out/b). */
static void build(built_t *b, zf_chart_kind_t kind, const char *json, const char *csv,
                  const char *json2, const char *csv2)
{
    zf_err_t err = {{0}};
    memset(b, 0, sizeof *b);
    b->n = json2 ? 2 : 1;
    cr_assert_eq(zf_report_run_parse(&b->runs[0], "out/a", json, csv, &err), 0, "%s", err.msg);
    if (json2) {
        cr_assert_eq(zf_report_run_parse(&b->runs[1], "out/b", json2, csv2, &err), 0, "%s",
                     err.msg);
        zf_report_runs_label(b->runs, 2);
    }
    b->rc = zf_chart_build(kind, b->runs, b->n, &b->plot, b->note, sizeof b->note);
    zf_plot_script(&b->plot, &b->gp);
}

static void done(built_t *b)
{
    for (size_t k = 0; k < b->n; k++)
        zf_report_run_free(&b->runs[k]);
    zf_plot_free(&b->plot);
    zf_sb_free(&b->gp);
}

#define assert_has(hay, needle) cr_assert(strstr(hay, needle), "missing <%s> in:\n%s", needle, hay)

Test(charts, requests_dat_holds_the_timeseries_values_and_stacks_causes)
{
    built_t b;
    build(&b, ZF_CHART_REQUESTS, plain_json,
          HEAD "\n0,10,9,1,0,5,7,8,1,0\n1,8,8,0,0,5,7,8,0,0\n2,9,7,2,1,5,7,8,2,0\n", NULL, NULL);
    cr_assert_eq(b.rc, 1, "%s", b.note);
    cr_assert_str_eq(b.plot.dat.data, "# shop\n# t_s ok failed failed_timeout\n"
                                      "0 9 1 1\n1 8 0 0\n2 7 2 2\n");
    assert_has(b.gp.data, "'requests.dat' index 0 using 1:(0):($2) with filledcurves");
    assert_has(b.gp.data, "using 1:($2):($2+$4) with filledcurves");
    assert_has(b.gp.data, "title 'failed_timeout'");
    assert_has(b.gp.data, "set xlabel 'time (s)'");
    assert_has(b.gp.data, "set title 'Requests per second: shop'");
    cr_assert_null(strstr(b.gp.data, "failed_network"), "causes that failed nothing are left out");
    done(&b);
}

Test(charts, latency_leaves_gaps_without_success_and_draws_the_slo_threshold)
{
    built_t b;
    build(&b, ZF_CHART_LATENCY, plain_json,
          HEAD "\n0,10,9,1,0,5.5,700,800,1,0\n1,3,0,3,0,0,0,0,3,0\n", NULL, NULL);
    cr_assert_eq(b.rc, 1, "%s", b.note);
    cr_assert_str_eq(b.plot.dat.data,
                     "# shop\n# t_s latency_p50_ms latency_p99_ms latency_p999_ms\n"
                     "0 5.5 700 800\n1 NaN NaN NaN\n");
    assert_has(b.gp.data,
               "3000 with lines lw 1.5 dt 2 lc rgb '#cc0000' title 'SLO p99: p99 <= 3s'");
    assert_has(b.gp.data, "set logscale y 10"); /* 5.5 to 3000 ms: more than two decades */
    done(&b);
}

Test(charts, long_series_are_binned_by_mean_and_latency_by_worst)
{
    zf_sb_t csv = {0};
    built_t b;
    zf_sb_puts(&csv, HEAD "\n");
    for (int t = 0; t < 2500; t++)
        zf_sb_printf(&csv, "%d,1,%d,0,0,1,%d,1,0,0\n", t, t % 3, t % 3 == 1 ? 50 : 10);
    build(&b, ZF_CHART_LATENCY, plain_json, csv.data, NULL, NULL);
    /* 2500 rows > 1200: bins of 3 s; the second column's max skips the second without success */
    assert_has(b.plot.dat.data, "(each row averages 3 s from t_s; latency: the worst)\n"
                                "0 1 50 1\n3 1 50 1\n");
    size_t rows = 0;
    for (const char *p = b.plot.dat.data; (p = strchr(p, '\n')); p++)
        rows++;
    cr_assert_eq(rows, 2 + 834);
    done(&b);
    build(&b, ZF_CHART_REQUESTS, plain_json, csv.data, NULL, NULL);
    assert_has(b.plot.dat.data, "\n0 1 0\n3 1 0\n"); /* ok 0,1,2 -> mean 1 per second */
    done(&b);
    zf_sb_free(&csv);
}

Test(charts, fault_windows_are_shaded_labelled_and_recovery_marked)
{
    built_t b;
    build(&b, ZF_CHART_REQUESTS, fault_json, HEAD "\n0,1,1,0,0,1,1,1,0,0\n399,1,1,0,0,1,1,1,0,0\n",
          NULL, NULL);
    assert_has(b.gp.data, "set object rect from first 200, graph 0 to first 320, graph 1");
    assert_has(b.gp.data, "set label 'zone-b (zone_outage b)' at first 200, graph 0.96");
    assert_has(b.gp.data, "set arrow from first 203, graph 0 to first 203, graph 1");
    assert_has(b.gp.data, "set label 'recovered, RTO 90.0 s' at first 290, graph 0.03");
    assert_has(b.gp.data, "set title 'Requests per second: it''s'");
    done(&b);
}

Test(charts, gauge_charts_are_skipped_with_a_note_when_their_columns_are_absent)
{
    static const struct {
        zf_chart_kind_t kind;
        const char *note;
    } cases[] = {
        {ZF_CHART_INSTANCES, "timeseries.csv has no instances.<group>.<zone> columns"},
        {ZF_CHART_CPU, "timeseries.csv has no cpu.<group> columns"},
        {ZF_CHART_BACKLOG, "timeseries.csv has no devices.backlog or devices.offline columns"},
        {ZF_CHART_STATIONS, "timeseries.csv has no <station>.busy or <station>.queue columns"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        built_t b;
        build(&b, cases[i].kind, plain_json, HEAD "\n0,1,1,0,0,1,1,1,0,0\n", NULL, NULL);
        cr_assert_eq(b.rc, 0);
        cr_assert_str_eq(b.note, cases[i].note);
        done(&b);
    }
}

Test(charts, instances_come_by_prefix_with_database_role_changes_marked)
{
    built_t b;
    build(&b, ZF_CHART_INSTANCES, plain_json,
          HEAD ",instances.web.a,instances.web.b,db.state,db.primary_zone,cpu.web\n"
               "0,1,1,0,0,1,1,1,0,0,3,3,0,1,0.5\n"
               "1,1,1,0,0,1,1,1,0,0,3,0,1,1,0.9\n"
               "2,1,1,0,0,1,1,1,0,0,3,0,1,0,0.9\n"
               "3,1,1,0,0,1,1,1,0,0,3,2,0,0,0.6\n", NULL, NULL);
    cr_assert_eq(b.rc, 1, "%s", b.note);
    cr_assert_str_eq(b.plot.dat.data, "# shop\n# t_s instances.web.a instances.web.b\n"
                                      "0 3 3\n1 3 0\n2 3 0\n3 3 2\n");
    assert_has(b.gp.data, "title 'web / a'");
    assert_has(b.gp.data, "title 'web / b'");
    assert_has(b.gp.data, "set arrow from first 2, graph 0 to first 2, graph 1");
    assert_has(b.gp.data, "set label 'db primary -> zone 0' at first 2,");
    assert_has(b.gp.data, "set object rect from first 1, graph 0 to first 3, graph 1");
    assert_has(b.gp.data, "set label 'db failing over'");
    done(&b);
    build(&b, ZF_CHART_CPU, plain_json,
          HEAD ",cpu.web\n0,1,1,0,0,1,1,1,0,0,0.5\n", NULL, NULL);
    assert_has(b.gp.data, "using 1:($2*100) with lines");
    assert_has(b.gp.data, "set ylabel 'CPU utilisation (%)'");
    done(&b);
}

Test(charts, backlog_puts_offline_devices_on_the_right_axis)
{
    built_t b;
    build(&b, ZF_CHART_BACKLOG, plain_json,
          HEAD ",devices.backlog,devices.offline\n0,1,1,0,0,1,1,1,0,0,40,500\n", NULL, NULL);
    cr_assert_eq(b.rc, 1);
    assert_has(b.gp.data, "using 1:($3) with lines lw 1.5 dt 1 lc rgb '#E69F00' axes x1y2 "
                          "title 'devices offline (right axis)'");
    assert_has(b.gp.data, "set y2label 'devices offline'");
    done(&b);
}

Test(charts, compared_runs_are_overlaid_one_block_and_colour_each)
{
    built_t b;
    const char *other = "{\"mode\":\"sim\",\"scenario\":\"shop-6\",\"requests\":{},\"slos\":[]}";
    build(&b, ZF_CHART_REQUESTS, plain_json, HEAD "\n0,1,1,0,0,1,1,1,0,0\n", other,
          HEAD "\n0,2,2,0,0,1,1,1,0,0\n");
    cr_assert_str_eq(b.plot.dat.data, "# shop\n# t_s ok failed\n0 1 0\n\n\n"
                                      "# shop-6\n# t_s ok failed\n0 2 0\n");
    assert_has(b.gp.data, "'requests.dat' index 0 using 1:($2) with lines lw 1.5 dt 1 lc rgb "
                          "'#0072B2' title 'shop: ok'");
    assert_has(b.gp.data, "'requests.dat' index 1 using 1:($3) with lines lw 1.5 dt 2 lc rgb "
                          "'#E69F00' title 'shop-6: failed'");
    assert_has(b.gp.data, "set title 'Requests per second: shop vs shop-6'");
    done(&b);
    build(&b, ZF_CHART_STATIONS, plain_json, HEAD ",s.busy\n0,1,1,0,0,1,1,1,0,0,1\n", other,
          HEAD "\n0,2,2,0,0,1,1,1,0,0\n");
    cr_assert_eq(b.rc, 1);
    cr_assert_str_eq(b.note, "no <station>.busy or <station>.queue columns in out/b");
    done(&b);
}

Test(charts, latency_spectrum_follows_the_histogram_with_slo_markers)
{
    zf_hist_t h;
    cr_assert_eq(zf_hist_init(&h), 0);
    for (int i = 1; i <= 1000; i++)
        zf_hist_record(&h, (int64_t)i * 1000000); /* 1 ms .. 1 s */
    json_t *res = json_loads(plain_json, 0, NULL);
    json_object_set_new(res, "latency_histogram", zf_hist_to_json(&h));
    json_object_set_new(res, "latency_ms", json_pack("{sfsf}", "p50", 500.0, "max", 1000.0));
    char *text = json_dumps(res, 0);
    built_t b;
    build(&b, ZF_CHART_LATENCY_DIST, text, NULL, NULL, NULL);
    cr_assert_eq(b.rc, 1, "%s", b.note);
    /* x = 10^(i/20) for x <= 1000 requests: 61 rows; q = 0 is the minimum, q = 0.9 the 900th */
    assert_has(b.plot.dat.data, "# x=1/(1-q) percentile latency_ms\n1 0 1\n");
    char row[96];
    snprintf(row, sizeof row, "\n10 90 %.15g\n", (double)zf_hist_quantile(&h, 0.9) / 1e6);
    assert_has(b.plot.dat.data, row);
    cr_assert_float_eq((double)zf_hist_quantile(&h, 0.9) / 1e6, 900, 900 * 0.004);
    size_t rows = 0;
    for (const char *p = b.plot.dat.data; (p = strchr(p, '\n')); p++)
        rows++;
    cr_assert_eq(rows, 2 + 61);
    assert_has(b.gp.data, "set xtics ('0%%' 1, '90%%' 10, '99%%' 100, '99.9%%' 1000)");
    assert_has(b.gp.data, "set label 'SLO p99: p99 <= 3s' at first 100, first 3000 point");
    assert_has(b.gp.data, "set yrange [0:3450]"); /* room above the objective */
    done(&b);
    free(text);
    json_decref(res);
    zf_hist_free(&h);
}

Test(charts, a_series_without_rows_or_numbers_draws_no_time_chart)
{
    for (int k = 0; k < ZF_CHART_COUNT; k++) {
        built_t b;
        if (k == ZF_CHART_LATENCY_DIST)
            continue;
        build(&b, (zf_chart_kind_t)k, plain_json, HEAD ",instances.w.a\n", NULL, NULL);
        cr_assert_eq(b.rc, 0);
        cr_assert_str_eq(b.note, "timeseries.csv has no rows");
        done(&b);
    }
    built_t b;
    build(&b, ZF_CHART_INSTANCES, plain_json, HEAD ",instances.w.a\n0,1,1,0,0,1,1,1,0,0,nan\n",
          NULL, NULL);
    cr_assert_eq(b.rc, 0, "a gauge column without a number is as good as absent");
    done(&b);
}
