/* Tests of reports/junit: the exact junit.xml of a passing and a failing run (one test
 * case per SLO, a <failure> with measured vs objective), suites per compared run, and XML
 * escaping of every name taken from the results. */
#include <criterion/criterion.h>
#include <string.h>

#include "reports/junit.h"

static const char pass_json[] =
    "{\"mode\":\"sim\",\"scenario\":\"shop\",\"seed\":7,\"replications\":3,\"verdict\":\"pass\","
    "\"requests\":{\"total\":10},\"slos\":[{\"name\":\"availability\",\"type\":\"availability\","
    "\"objective\":0.999,\"objective_text\":\">= 99.9%\",\"unit\":\"fraction\","
    "\"measured\":0.9995,\"met\":true,\"met_fraction\":1.0}]}";

static const char fail_json[] =
    "{\"mode\":\"sim\",\"scenario\":\"shop\",\"seed\":7,\"replications\":3,\"verdict\":\"fail\","
    "\"requests\":{\"total\":10},\"slos\":[{\"name\":\"p99-latency\",\"type\":\"latency\","
    "\"objective\":0.3,\"objective_text\":\"p99 <= 300ms\",\"unit\":\"s\",\"measured\":0.46,"
    "\"met\":false,\"met_fraction\":0.0,\"quantile\":0.99}]}";

static const char properties[] =
    "    <properties>\n"
    "      <property name=\"results\" value=\"out/shop\"/>\n"
    "      <property name=\"scenario\" value=\"shop\"/>\n"
    "      <property name=\"mode\" value=\"sim\"/>\n"
    "      <property name=\"seed\" value=\"7\"/>\n"
    "      <property name=\"replications\" value=\"3\"/>\n"
    "      <property name=\"verdict\" value=\"%s\"/>\n"
    "    </properties>\n";

/* junit.xml of the given results documents, as a string to free. */
static char *junit_of(const char *const *docs, size_t n)
{
    zf_report_run_t runs[4];
    zf_err_t err = {{0}};
    zf_sb_t out = {0};
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(zf_report_run_parse(&runs[k], "out/shop", docs[k], NULL, &err), 0, "%s",
                     err.msg);
    zf_junit_write(&out, runs, n);
    cr_assert(!zf_sb_failed(&out));
    for (size_t k = 0; k < n; k++)
        zf_report_run_free(&runs[k]);
    return out.data;
}

static void expect(const char *got, const char *head, const char *verdict, const char *cases)
{
    char want[4096], props[1024];
    snprintf(props, sizeof props, properties, verdict);
    snprintf(want, sizeof want,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n%s%s%s  </testsuite>\n</testsuites>\n",
             head, props, cases);
    cr_assert_str_eq(got, want);
}

Test(junit, a_met_slo_is_a_passing_test_case_with_its_figures)
{
    const char *docs[] = {pass_json};
    char *xml = junit_of(docs, 1);
    expect(xml,
           "<testsuites name=\"zonefall\" tests=\"1\" failures=\"0\" errors=\"0\">\n"
           "  <testsuite name=\"shop\" tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"0\">\n",
           "pass",
           "    <testcase classname=\"zonefall.shop\" name=\"availability\">\n"
           "      <system-out>measured 99.9500%, objective &gt;= 99.9%, met in 100% of "
           "runs</system-out>\n"
           "    </testcase>\n");
    free(xml);
}

Test(junit, a_missed_slo_is_a_failure_with_measured_vs_objective)
{
    const char *docs[] = {fail_json};
    char *xml = junit_of(docs, 1);
    expect(xml,
           "<testsuites name=\"zonefall\" tests=\"1\" failures=\"1\" errors=\"0\">\n"
           "  <testsuite name=\"shop\" tests=\"1\" failures=\"1\" errors=\"0\" skipped=\"0\">\n",
           "fail",
           "    <testcase classname=\"zonefall.shop\" name=\"p99-latency\">\n"
           "      <failure type=\"SLO missed\" message=\"p99-latency: measured 460.0 ms, "
           "objective p99 &lt;= 300ms\">SLO p99-latency (latency) missed\n"
           "measured:  460.0 ms\n"
           "objective: p99 &lt;= 300ms\n"
           "met in:    0% of runs</failure>\n"
           "    </testcase>\n");
    free(xml);
}

Test(junit, compared_runs_are_one_suite_each_and_counted_in_the_total)
{
    const char *docs[] = {pass_json, fail_json};
    char *xml = junit_of(docs, 2);
    cr_assert(
        strstr(xml, "<testsuites name=\"zonefall\" tests=\"2\" failures=\"1\" errors=\"0\">\n"));
    cr_assert(strstr(strstr(xml, "<testsuite ") + 1, "<testsuite "));
    free(xml);
}

Test(junit, a_run_without_slo_is_one_skipped_case)
{
    const char *docs[] = {"{\"mode\":\"sim\",\"scenario\":\"s\",\"requests\":{},\"slos\":[]}"};
    char *xml = junit_of(docs, 1);
    cr_assert(strstr(xml, "tests=\"1\" failures=\"0\" errors=\"0\" skipped=\"1\">\n"));
    cr_assert(strstr(xml, "    <testcase classname=\"zonefall.s\" name=\"SLOs\">\n"
                          "      <skipped message=\"the scenario states no SLO\"/>\n"
                          "    </testcase>\n"));
    free(xml);
}

Test(junit, escapes_markup_quotes_and_control_characters_in_names)
{
    const char *docs[] = {
        "{\"mode\":\"sim\",\"scenario\":\"a<b>&\\\"c'\",\"requests\":{},\"slos\":[{\"name\":"
        "\"<&>\\\"'\\u0001\",\"type\":\"lost_writes\",\"objective\":0,\"objective_text\":\"== 0 "
        "<x>\","
        "\"unit\":\"writes\",\"measured\":2,\"met\":false}]}"};
    char *xml = junit_of(docs, 1);
    cr_assert(strstr(xml, "<testsuite name=\"a&lt;b&gt;&amp;&quot;c&#39;\" "), "%s", xml);
    cr_assert(strstr(xml, "<testcase classname=\"zonefall.a&lt;b&gt;&amp;&quot;c&#39;\" "
                          "name=\"&lt;&amp;&gt;&quot;&#39;?\">"), "%s", xml);
    cr_assert(strstr(xml, "message=\"&lt;&amp;&gt;&quot;&#39;?: measured 2 writes, objective == 0 "
                          "&lt;x&gt;\">"), "%s", xml);
    cr_assert(strstr(xml, "<property name=\"scenario\" value=\"a&lt;b&gt;&amp;&quot;c&#39;\"/>"));
    cr_assert_null(strchr(xml, '\x01'));
    free(xml);
}
