/* Tests of reports/report: --format parsing and its messages, a whole report written
 * without gnuplot (data and scripts kept, a note in the page), byte-identical output for
 * the same results, and the errors for missing results and a failing gnuplot. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "reports/report.h"

static const char results_json[] =
    "{\"mode\":\"sim\",\"scenario\":\"shop\",\"seed\":1,\"replications\":1,\"verdict\":\"pass\","
    "\"duration_s\":3.0,\"warmup_s\":0.0,\"availability\":1.0,\"requests\":{\"total\":3},"
    "\"latency_ms\":{\"p50\":1.0,\"p99\":2.0},\"slos\":[{\"name\":\"availability\",\"type\":"
    "\"availability\",\"objective\":0.9,\"objective_text\":\">= 90%\",\"unit\":\"fraction\","
    "\"measured\":1.0,\"met\":true}]}\n";
static const char series_csv[] =
    "t_s,arrivals,ok,failed,in_flight,latency_p50_ms,latency_p99_ms,latency_p999_ms,"
    "srv.busy,srv.queue\n0,1,1,0,0,1,2,2,0.5,0\n1,1,1,0,0,1,2,2,1,2\n2,1,1,0,0,1,2,2,1,1\n";

static void put_file(const char *dir, const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

/* Contents of dir/name (to free), or NULL when it does not exist. */
static char *get_file(const char *dir, const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(1 << 20);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = 0;
    fclose(f);
    return buf;
}

static char *temp_dir(void)
{
    char *d = strdup("/tmp/zf_test_report.XXXXXX");
    cr_assert_not_null(mkdtemp(d));
    return d;
}

static void remove_tree(char *dir)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    free(dir);
}

static int report(const char *results, const char *out, const char *gnuplot,
                  zf_report_info_t *info, zf_err_t *err)
{
    const char *dirs[] = {results};
    zf_report_opts_t o = {dirs, 1, out, ZF_REPORT_ALL, gnuplot};
    return zf_report_write(&o, info, err);
}

Test(report, parses_format_lists_and_names_an_unknown_value)
{
    unsigned f;
    zf_err_t err = {{0}};
    cr_assert_eq(zf_report_parse_formats("html,md,junit,png,svg", &f, &err), 0);
    cr_assert_eq(f, ZF_REPORT_ALL);
    cr_assert_eq(zf_report_parse_formats("junit", &f, &err), 0);
    cr_assert_eq(f, ZF_REPORT_JUNIT);
    cr_assert_eq(zf_report_parse_formats("html,pdf", &f, &err), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "unknown --format value \"pdf\" (expected a comma-separated list "
                              "of html, md, junit, png, svg)");
    cr_assert_eq(zf_report_parse_formats("md,", &f, &err), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "unknown --format value \"\" (expected a comma-separated list of "
                              "html, md, junit, png, svg)");
    cr_assert_eq(zf_report_parse_formats("htm", &f, &err), ZF_EINVAL);
}

Test(report, without_gnuplot_keeps_data_and_scripts_and_says_so)
{
    char *in = temp_dir(), *out = temp_dir();
    zf_report_info_t info;
    zf_err_t err = {{0}};
    size_t len;
    put_file(in, "results.json", results_json);
    put_file(in, "timeseries.csv", series_csv);
    cr_assert_eq(report(in, out, "zonefall-test-no-such-gnuplot", &info, &err), 0, "%s", err.msg);
    cr_assert(info.gnuplot_missing);
    cr_assert(info.pass);
    cr_assert(info.charts[ZF_CHART_STATIONS].planned);
    cr_assert(!info.charts[ZF_CHART_INSTANCES].planned);
    static const char *const kept[] = {"requests.dat", "requests.gp", "latency.dat", "latency.gp",
                                       "stations.dat", "stations.gp", "summary.md", "junit.xml"};
    for (size_t i = 0; i < sizeof kept / sizeof kept[0]; i++) {
        char *text = get_file(out, kept[i], &len);
        cr_assert(text && len > 0, "%s", kept[i]);
        free(text);
    }
    cr_assert_null(get_file(out, "requests.png", &len));
    cr_assert_null(get_file(out, "instances.dat", &len));
    char *html = get_file(out, "report.html", &len);
    cr_assert(strstr(html, zf_report_no_gnuplot));
    free(html);
    remove_tree(in);
    remove_tree(out);
}

Test(report, same_results_give_byte_identical_files)
{
    char *in = temp_dir(), *a = temp_dir(), *b = temp_dir();
    zf_report_info_t info;
    zf_err_t err = {{0}};
    put_file(in, "results.json", results_json);
    put_file(in, "timeseries.csv", series_csv);
    cr_assert_eq(report(in, a, "zonefall-test-no-such-gnuplot", &info, &err), 0, "%s", err.msg);
    cr_assert_eq(report(in, b, "zonefall-test-no-such-gnuplot", &info, &err), 0, "%s", err.msg);
    static const char *const files[] = {"report.html", "summary.md", "junit.xml", "requests.dat",
                                        "requests.gp", "stations.gp", "latency.gp"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        size_t la, lb;
        char *ta = get_file(a, files[i], &la), *tb = get_file(b, files[i], &lb);
        cr_assert(ta && tb && la == lb && memcmp(ta, tb, la) == 0, "%s differs", files[i]);
        free(ta);
        free(tb);
    }
    remove_tree(in);
    remove_tree(a);
    remove_tree(b);
}

Test(report, names_missing_or_malformed_results)
{
    char *in = temp_dir(), *out = temp_dir();
    zf_report_info_t info;
    zf_err_t err = {{0}};
    char want[600];
    cr_assert_eq(report(in, out, NULL, &info, &err), ZF_EINVAL);
    snprintf(want, sizeof want, "%s/results.json: cannot open: No such file or directory", in);
    cr_assert_str_eq(err.msg, want);
    put_file(in, "results.json", results_json);
    put_file(in, "timeseries.csv", "t_s,ok\n0,1\n");
    cr_assert_eq(report(in, out, NULL, &info, &err), ZF_EINVAL);
    snprintf(want, sizeof want, "%s/timeseries.csv:1: missing column \"arrivals\"", in);
    cr_assert_str_eq(err.msg, want);
    remove_tree(in);
    remove_tree(out);
}

Test(report, a_failing_gnuplot_is_an_io_error_naming_the_script)
{
    char *in = temp_dir(), *out = temp_dir();
    zf_report_info_t info;
    zf_err_t err = {{0}};
    char want[600];
    put_file(in, "results.json", results_json);
    put_file(in, "timeseries.csv", series_csv);
    cr_assert_eq(report(in, out, "false", &info, &err), ZF_EIO);
    snprintf(want, sizeof want, "%s/requests.gp: false failed (exit status 1): no message", out);
    cr_assert_str_eq(err.msg, want);
    remove_tree(in);
    remove_tree(out);
}
