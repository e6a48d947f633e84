/* junit: the JUnit XML writer. Only results.json is read; everything user-named (scenario,
 * SLO and directory names, objective texts) is XML-escaped. */
#include "reports/junit.h"
#include "reports/fmt.h"

#include <stdio.h>

/* <name attr="value" ...`end` with the values escaped; attrs is NULL-terminated pairs. */
static void open_tag(zf_sb_t *out, const char *indent, const char *name, const char *const *attrs,
                     const char *end)
{
    zf_sb_printf(out, "%s<%s", indent, name);
    for (; attrs[0]; attrs += 2) {
        zf_sb_printf(out, " %s=\"", attrs[0]);
        zf_sb_put_xml(out, attrs[1]);
        zf_sb_putc(out, '"');
    }
    zf_sb_puts(out, end);
}

static void properties(zf_sb_t *out, const zf_report_run_t *r)
{
    char seed[32], reps[32];
    snprintf(seed, sizeof seed, "%lld", zf_fmt_int(r->res, "seed"));
    snprintf(reps, sizeof reps, "%lld", zf_fmt_int(r->res, "replications"));
    const char *props[][2] = {{"results", r->dir},
                              {"scenario", zf_fmt_str(r->res, "scenario")},
                              {"mode", zf_fmt_str(r->res, "mode")},
                              {"seed", seed},
                              {"replications", reps},
                              {"verdict", zf_fmt_str(r->res, "verdict")}};
    zf_sb_puts(out, "    <properties>\n");
    for (size_t i = 0; i < sizeof props / sizeof props[0]; i++) {
        const char *attrs[] = {"name", props[i][0], "value", props[i][1], NULL};
        open_tag(out, "      ", "property", attrs, "/>\n");
    }
    zf_sb_puts(out, "    </properties>\n");
}

static void testcase(zf_sb_t *out, const zf_report_run_t *r, const json_t *s)
{
    char classname[160], measured[64], runs[16], message[512];
    const char *name = zf_fmt_str(s, "name"), *objective = zf_fmt_str(s, "objective_text");
    snprintf(classname, sizeof classname, "zonefall.%s", r->label);
    zf_fmt_slo_measured(s, measured, sizeof measured);
    zf_fmt_slo_met_runs(r->res, s, runs, sizeof runs);
    const char *attrs[] = {"classname", classname, "name", name, NULL};
    open_tag(out, "    ", "testcase", attrs, ">\n");
    if (json_is_true(json_object_get(s, "met"))) {
        if (runs[0])
            snprintf(message, sizeof message, "measured %s, objective %s, met in %s of runs",
                     measured, objective, runs);
        else
            snprintf(message, sizeof message, "measured %s, objective %s", measured, objective);
        zf_sb_puts(out, "      <system-out>");
        zf_sb_put_xml(out, message);
        zf_sb_puts(out, "</system-out>\n");
    } else {
        snprintf(message, sizeof message, "%s: measured %s, objective %s", name, measured,
                 objective);
        const char *fattrs[] = {"type", "SLO missed", "message", message, NULL};
        open_tag(out, "      ", "failure", fattrs, ">");
        snprintf(message, sizeof message, "SLO %s (%s) missed\nmeasured:  %s\nobjective: %s", name,
                 zf_fmt_str(s, "type"), measured, objective);
        zf_sb_put_xml(out, message);
        if (runs[0])
            zf_sb_printf(out, "\nmet in:    %s of runs", runs);
        zf_sb_puts(out, "</failure>\n");
    }
    zf_sb_puts(out, "    </testcase>\n");
}

static void testsuite(zf_sb_t *out, const zf_report_run_t *r)
{
    const json_t *slos = json_object_get(r->res, "slos");
    size_t n = json_array_size(slos), i;
    const json_t *s;
    char tests[32], failures[32];
    snprintf(tests, sizeof tests, "%zu", n ? n : 1);
    snprintf(failures, sizeof failures, "%zu", zf_fmt_slos_missed(r->res));
    const char *attrs[] = {"name", r->label, "tests", tests, "failures", failures, "errors", "0",
                           "skipped", n ? "0" : "1", NULL};
    open_tag(out, "  ", "testsuite", attrs, ">\n");
    properties(out, r);
    json_array_foreach(slos, i, s) testcase(out, r, s);
    if (n == 0) {
        char classname[160];
        snprintf(classname, sizeof classname, "zonefall.%s", r->label);
        const char *cattrs[] = {"classname", classname, "name", "SLOs", NULL};
        open_tag(out, "    ", "testcase", cattrs, ">\n");
        zf_sb_puts(out, "      <skipped message=\"the scenario states no SLO\"/>\n"
                        "    </testcase>\n");
    }
    zf_sb_puts(out, "  </testsuite>\n");
}

void zf_junit_write(zf_sb_t *out, const zf_report_run_t *runs, size_t n)
{
    size_t tests = 0, failures = 0;
    for (size_t k = 0; k < n; k++) {
        const json_t *slos = json_object_get(runs[k].res, "slos");
        tests += json_array_size(slos) ? json_array_size(slos) : 1;
        failures += zf_fmt_slos_missed(runs[k].res);
    }
    zf_sb_printf(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                 "<testsuites name=\"zonefall\" tests=\"%zu\" failures=\"%zu\" errors=\"0\">\n",
                 tests, failures);
    for (size_t k = 0; k < n; k++)
        testsuite(out, &runs[k]);
    zf_sb_puts(out, "</testsuites>\n");
}
