/* Tests of reports/markdown: the exact summary.md of a run (headline, SLO table with its
 * escaping, faults, data loss, cost) and the comparison section. */
#include <criterion/criterion.h>
#include <string.h>

#include "reports/markdown.h"

static const char run_json[] =
    "{\"mode\":\"sim\",\"scenario\":\"shop\",\"seed\":7,\"replications\":3,\"verdict\":\"fail\","
    "\"duration_s\":600.0,\"warmup_s\":60.0,\"availability\":0.99,"
    "\"requests\":{\"total\":1000},\"latency_ms\":{\"p50\":12.04,\"p99\":460.0},"
    "\"faults\":[{\"name\":\"zone-b\",\"kind\":\"zone_outage\",\"target\":\"b\",\"start_s\":200.0,"
    "\"end_s\":320.0,\"detected_s\":203.0,\"recovered_s\":null,\"rto_s\":null}],"
    "\"data_loss\":{\"acknowledged_writes\":1200,\"lost_writes\":3,\"rpo_s\":0.8},"
    "\"metrics\":{\"cost.instance_hours\":12.25},"
    "\"confidence\":{\"level\":0.95,\"intervals\":{\"availability\":{\"mean\":0.99,"
    "\"stddev\":0.01,\"n\":3,\"lo\":0.97,\"hi\":1.0},\"stations.x\":{\"mean\":1,\"stddev\":0,\"n\":"
    "3}}},"
    "\"slos\":[{\"name\":\"availability\",\"type\":\"availability\",\"objective\":0.999,"
    "\"objective_text\":\">= 99.9%\",\"unit\":\"fraction\",\"measured\":0.9995,\"met\":true,"
    "\"met_fraction\":1.0},{\"name\":\"p99|latency_*\",\"type\":\"latency\",\"objective\":0.3,"
    "\"objective_text\":\"p99 <= 300ms\",\"unit\":\"s\",\"measured\":0.46,\"met\":false,"
    "\"met_fraction\":0.0}]}";

static const char other_json[] =
    "{\"mode\":\"sim\",\"scenario\":\"shop-6\",\"verdict\":\"pass\",\"availability\":0.95,"
    "\"requests\":{},\"latency_ms\":{\"p99\":100.0},\"slos\":[],\"confidence\":{\"level\":0.95,"
    "\"intervals\":{\"availability\":{\"mean\":0.95,\"stddev\":0.02,\"n\":3,\"lo\":0.9,\"hi\":1}}}"
    "}";

static char *summary_of(const char *const *docs, size_t n)
{
    zf_report_run_t runs[2];
    zf_err_t err = {{0}};
    zf_sb_t out = {0};
    for (size_t k = 0; k < n; k++)
        cr_assert_eq(zf_report_run_parse(&runs[k], k ? "out/b" : "out/a", docs[k], NULL, &err), 0,
                     "%s", err.msg);
    cr_assert_eq(zf_md_write(&out, runs, n), 0);
    for (size_t k = 0; k < n; k++)
        zf_report_run_free(&runs[k]);
    return out.data;
}

Test(markdown, writes_the_exact_summary_with_the_slo_table)
{
    const char *docs[] = {run_json};
    char *md = summary_of(docs, 1);
    cr_assert_str_eq(md,
        "## ❌ shop: 1 of 2 SLOs missed\n"
        "\n"
        "sim, seed 7, 3 replications of 600 s (warm-up 60 s): 1000 requests, availability "
        "99.0000%, latency p50 12.0 ms, p99 460.0 ms.\n"
        "\n"
        "| result | SLO | objective | measured | met in runs |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| ✅ pass | availability | >= 99.9% | 99.9500% | 100% |\n"
        "| ❌ **fail** | p99\\|latency\\_\\* | p99 <= 300ms | 460.0 ms | 0% |\n"
        "\n"
        "| fault | kind | target | start | detected | recovered | RTO |\n"
        "| --- | --- | --- | --- | --- | --- | --- |\n"
        "| zone-b | zone\\_outage | b | 200.0 s | 203.0 s | not recovered | n/a |\n"
        "\n"
        "Writes: 1200 acknowledged, 3 lost, RPO 0.8 s.\n"
        "\n"
        "Cost: 12.2 instance-hours.\n"
        "\n");
    free(md);
}

Test(markdown, compares_runs_with_the_interval_of_each_difference)
{
    const char *docs[] = {run_json, other_json};
    char *md = summary_of(docs, 2);
    cr_assert(strstr(md, "### Compared runs\n\n"
                         "| verdict | run | availability | p99 | SLOs missed |\n"
                         "| --- | --- | --- | --- | --- |\n"
                         "| ❌ **fail** | shop | 99.0000% | 460.0 ms | 1 of 2 |\n"
                         "| ✅ pass | shop-6 | 95.0000% | 100.0 ms | 0 of 0 |\n"), "%s", md);
    /* Welch: se 0.0129099, dof 2, t 4.302653: -0.04 +- 0.055547 */
    cr_assert(
        strstr(md, "### shop-6 vs shop\n\n"
                   "| metric | shop | shop-6 | difference | 95% CI of difference | significant |\n"
                   "| --- | --- | --- | --- | --- | --- |\n"
                   "| availability | 0.99 | 0.95 | -0.04 | [-0.095547, 0.015547] | no |\n\n"),
        "%s", md);
    cr_assert_null(strstr(md, "stations.x"), "CI summaries keep to the headline figures");
    free(md);
}

Test(markdown, escapes_table_cells_but_not_comparison_signs)
{
    zf_sb_t out = {0};
    zf_sb_put_md(&out, "a|b <= c <tag> `x` [l](u) *e* \\");
    cr_assert_str_eq(out.data, "a\\|b <= c \\<tag> \\`x\\` [l\\](u) \\*e\\* \\\\");
    zf_sb_free(&out);
}

/* A replay whose writes were not all read back: loss unknown, the lost-writes SLO not
 * measured (cli/unmeasured.c marks it), and the summary says so instead of "RPO nan s". */
static const char unverified_json[] =
    "{\"mode\":\"replay\",\"scenario\":\"shop\",\"seed\":1,\"replications\":1,\"verdict\":\"fail\","
    "\"duration_s\":2.0,\"warmup_s\":0.0,\"availability\":1.0,"
    "\"requests\":{\"total\":300},\"latency_ms\":{\"p50\":0.5,\"p99\":2.0},\"faults\":[],"
    "\"data_loss\":{\"acknowledged_writes\":190,\"lost_writes\":0,\"rpo_s\":null,"
    "\"verified\":false},"
    "\"slos\":[{\"name\":\"lost\",\"type\":\"lost_writes\",\"objective\":0,"
    "\"objective_text\":\"<= 0 writes\",\"unit\":\"writes\",\"measured\":null,\"met\":false,"
    "\"met_fraction\":null,\"not_measured\":\"acknowledged writes were not read back: loss "
    "unknown\"}]}";

Test(markdown, an_unverified_replay_says_loss_and_rpo_were_not_measured)
{
    const char *docs[] = {unverified_json};
    char *md = summary_of(docs, 1);
    cr_assert_str_eq(md,
        "## ❌ shop: 1 of 1 SLO missed\n"
        "\n"
        "replay, seed 1, 1 replication of 2 s (warm-up 0 s): 300 requests, availability "
        "100.0000%, latency p50 0.5 ms, p99 2.0 ms.\n"
        "\n"
        "| result | SLO | objective | measured | met in runs |\n"
        "| --- | --- | --- | --- | --- |\n"
        "| ❌ **fail** | lost | <= 0 writes | not measured |  |\n"
        "\n"
        "Writes: 190 acknowledged, 0 lost, RPO not measured (loss not verified: writes not all "
        "read back).\n"
        "\n");
    free(md);
}
