/* Tests of reports/html: the page embeds every drawn chart (SVG as a data: URI), shows a
 * note for the others, lists the SLO rows with pass/fail, escapes names, and refers to
 * nothing outside itself. */
#include <criterion/criterion.h>
#include <string.h>

#include "reports/html.h"

static const char run_json[] =
    "{\"mode\":\"sim\",\"scenario\":\"shop <&>\",\"verdict\":\"fail\",\"replications\":1,"
    "\"requests\":{\"total\":5,\"failed_by_cause\":{\"timeout\":2,\"network\":0}},"
    "\"faults\":[{\"name\":\"zone-b\",\"kind\":\"zone_outage\",\"target\":\"b\",\"start_s\":200.0,"
    "\"end_s\":320.0,\"detected_s\":203.0,\"recovered_s\":290.0,\"rto_s\":90.0,"
    "\"rto_phases\":{\"detection_s\":3.0,\"dns_s\":0.0,\"promotion_s\":27.0,\"launch_s\":0.0}}],"
    "\"metrics\":{\"cost.instance_hours\":10.5,\"cost.instance_hours.web\":6.5,"
    "\"cost.instance_hours_x\":1},"
    "\"slos\":[{\"name\":\"availability\",\"type\":\"availability\",\"objective\":0.999,"
    "\"objective_text\":\">= 99.9%\",\"unit\":\"fraction\",\"measured\":0.9,\"met\":false},"
    "{\"name\":\"rto\",\"type\":\"rto\",\"objective\":120,\"objective_text\":\"<= 120s\","
    "\"unit\":\"s\",\"measured\":90,\"met\":true}]}";

typedef struct page {
    zf_report_run_t run;
    zf_chart_t charts[ZF_CHART_COUNT];
    zf_sb_t out;
} page_t;

/* The page of run_json with charts: requests drawn ("<svg/>"), latency planned but not
 * drawn, the others absent with a note. */
static void render(page_t *p, const char *chart_note)
{
    zf_err_t err = {{0}};
    memset(p, 0, sizeof *p);
    cr_assert_eq(zf_report_run_parse(&p->run, "out/shop", run_json, NULL, &err), 0, "%s", err.msg);
    static const char *const names[] = {"requests", "latency", "instances", "cpu", "backlog",
                                        "stations", "latency_dist"};
    for (int k = 0; k < ZF_CHART_COUNT; k++) {
        p->charts[k].name = names[k];
        p->charts[k].title = names[k];
        p->charts[k].caption = "what it shows";
        p->charts[k].planned = k < 2;
        if (k >= 2)
            snprintf(p->charts[k].note, sizeof p->charts[k].note, "no %s columns", names[k]);
    }
    p->charts[0].svg = "<svg/>";
    p->charts[0].svg_len = 6;
    cr_assert_eq(zf_html_write(&p->out, &p->run, 1, p->charts, chart_note), 0);
}

static void done(page_t *p)
{
    zf_report_run_free(&p->run);
    zf_sb_free(&p->out);
}

#define assert_has(hay, needle) cr_assert(strstr(hay, needle), "missing <%s>", needle)

Test(html, embeds_each_drawn_chart_and_notes_the_others)
{
    page_t p;
    render(&p, NULL);
    /* base64("<svg/>") = PHN2Zy8+ */
    assert_has(p.out.data, "<section id=\"chart-requests\">\n<h3>requests</h3>\n<figure><img "
                           "alt=\"requests\" width=\"1200\" height=\"600\" "
                           "src=\"data:image/svg+xml;base64,PHN2Zy8+\">");
    assert_has(p.out.data, "<figcaption>what it shows</figcaption>");
    assert_has(p.out.data, "<p class=\"note\">Not drawn: no instances columns</p>");
    assert_has(p.out.data, "<code>requests.dat</code>, <code>requests.gp</code>");
    cr_assert_null(strstr(p.out.data, "<code>cpu.dat</code>"));
    done(&p);
    render(&p, "gnuplot was not found");
    assert_has(p.out.data, "<section id=\"chart-latency\">\n<h3>latency</h3>\n<p class=\"note\">"
                           "Not drawn: gnuplot was not found</p>");
    done(&p);
}

Test(html, lists_every_slo_with_its_result)
{
    page_t p;
    render(&p, NULL);
    assert_has(p.out.data, "<tr><td class=\"fail\">FAIL</td><td>availability</td><td>availability"
                           "</td><td>&gt;= 99.9%</td><td class=\"num\">90.0000%</td>"
                           "<td></td></tr>");
    assert_has(p.out.data, "<tr><td class=\"pass\">PASS</td><td>rto</td><td>rto</td>"
                           "<td>&lt;= 120s</td><td class=\"num\">90.00 s</td>");
    assert_has(p.out.data, "<span class=\"badge fail\">FAIL</span>");
    done(&p);
}

Test(html, shows_faults_cost_and_failure_causes_and_escapes_names)
{
    page_t p;
    render(&p, NULL);
    assert_has(p.out.data, "<title>zonefall report: shop &lt;&amp;&gt;</title>");
    assert_has(p.out.data, "<td>zone-b</td><td>zone_outage</td><td>b</td><td class=\"num\">"
                           "200.0 s</td><td class=\"num\">320.0 s</td><td class=\"num\">203.0 s"
                           "</td><td class=\"num\">290.0 s</td><td class=\"num\">90.0 s</td>"
                           "<td>detection 3.0 s, promotion 27.0 s</td>");
    assert_has(p.out.data, "<tr><td>all groups</td><td class=\"num\">10.5</td>");
    assert_has(p.out.data, "<tr><td>web</td><td class=\"num\">6.5</td>");
    cr_assert_null(strstr(p.out.data, "<td>_x</td>"), "cost.instance_hours_x is another metric");
    assert_has(p.out.data, "<tr><td>failed: timeout</td><td class=\"num\">2</td>");
    cr_assert_null(strstr(p.out.data, "failed: network"));
    done(&p);
}

Test(html, is_self_contained)
{
    page_t p;
    render(&p, NULL);
    cr_assert_null(strstr(p.out.data, "<script"));
    cr_assert_null(strstr(p.out.data, "http:"));
    cr_assert_null(strstr(p.out.data, "https:"));
    cr_assert_null(strstr(p.out.data, "src=\"requests"));
    assert_has(p.out.data, "<link rel=\"icon\" href=\"data:,\">");
    cr_assert_str_eq(p.out.data + p.out.len - 8, "</html>\n");
    done(&p);
}
