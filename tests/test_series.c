/* Tests of reports/series: the timeseries.csv reader keeps every value and names the file,
 * line and column of each error (missing column, bad number, wrong field count). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "reports/series.h"

#define HEADER "t_s,arrivals,ok,failed,in_flight,latency_p50_ms,latency_p99_ms,latency_p999_ms"

static int read_text(const char *text, zf_series_t *s, zf_err_t *err)
{
    FILE *f = fmemopen((void *)text, strlen(text), "r");
    cr_assert_not_null(f);
    int rc = zf_series_read(f, "ts.csv", s, err);
    fclose(f);
    return rc;
}

Test(series, reads_every_column_and_value)
{
    zf_series_t s;
    zf_err_t err = {{0}};
    int rc = read_text(HEADER ",failed_timeout,server.busy\n"
                       "0,10,9,1,0,12.5,40,41,1,0.75\n"
                       "1,8,8,0,2,11,39.25,39.25,0,1\n", &s, &err);
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(s.ncols, 10);
    cr_assert_eq(s.nrows, 2);
    cr_assert_str_eq(s.names[9], "server.busy");
    cr_assert_eq(zf_series_find(&s, "failed_timeout"), 8);
    cr_assert_eq(zf_series_find(&s, "nope"), -1);
    cr_assert_eq(zf_series_at(&s, 0, 5), 12.5);
    cr_assert_eq(zf_series_at(&s, 1, 6), 39.25);
    cr_assert_eq(zf_series_at(&s, 1, 9), 1);
    zf_series_free(&s);
}

Test(series, accepts_crlf_line_ends_and_a_header_only_file)
{
    zf_series_t s;
    zf_err_t err = {{0}};
    cr_assert_eq(read_text(HEADER "\r\n0,1,1,0,0,1,2,3\r\n", &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.nrows, 1);
    cr_assert_eq(zf_series_at(&s, 0, 7), 3);
    zf_series_free(&s);
    cr_assert_eq(read_text(HEADER "\n", &s, &err), 0, "%s", err.msg);
    cr_assert_eq(s.nrows, 0);
    zf_series_free(&s);
}

Test(series, names_a_missing_column)
{
    zf_series_t s;
    zf_err_t err = {{0}};
    int rc =
        read_text("t_s,arrivals,ok,failed,in_flight,latency_p50_ms,latency_p999_ms\n", &s, &err);
    cr_assert_eq(rc, ZF_EINVAL);
    cr_assert_str_eq(err.msg, "ts.csv:1: missing column \"latency_p99_ms\"");
    zf_series_free(&s);
}

Test(series, names_the_line_and_column_of_a_bad_number)
{
    zf_series_t s;
    zf_err_t err = {{0}};
    int rc = read_text(HEADER "\n0,1,1,0,0,1,2,3\n1,1,1x,0,0,1,2,3\n", &s, &err);
    cr_assert_eq(rc, ZF_EINVAL);
    cr_assert_str_eq(err.msg, "ts.csv:3: column \"ok\": expected a number, got \"1x\"");
    zf_series_free(&s);
    rc = read_text(HEADER "\n0,1,,0,0,1,2,3\n", &s, &err);
    cr_assert_eq(rc, ZF_EINVAL);
    cr_assert_str_eq(err.msg, "ts.csv:2: column \"ok\": expected a number, got \"\"");
    zf_series_free(&s);
}

Test(series, names_a_row_with_the_wrong_field_count)
{
    zf_series_t s;
    zf_err_t err = {{0}};
    cr_assert_eq(read_text(HEADER "\n0,1,1,0,0,1,2\n", &s, &err), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "ts.csv:2: expected 8 fields, got 7");
    zf_series_free(&s);
    cr_assert_eq(read_text(HEADER "\n0,1,1,0,0,1,2,3,4\n", &s, &err), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "ts.csv:2: expected 8 fields, got 9");
    zf_series_free(&s);
}

Test(series, rejects_an_empty_file_and_names_a_missing_one)
{
    zf_series_t s;
    zf_err_t err = {{0}};
    cr_assert_eq(read_text("", &s, &err), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "ts.csv:1: expected a header line");
    zf_series_free(&s);
    cr_assert_eq(zf_series_load("/nonexistent/timeseries.csv", &s, &err), ZF_EINVAL);
    cr_assert_str_eq(err.msg,
                     "/nonexistent/timeseries.csv: cannot open: No such file or directory");
    zf_series_free(&s);
}
