/* Tests of sim/scenario/slo_spec: each SLO type parses with its objective in its unit
 * (fraction, ns, count, rate), errors name the JSON path, the human objective texts, and
 * the canonical JSON that `zonefall check` reads back. SLO arrays are written with single
 * quotes (turned into double quotes before parsing). */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/slo_spec.h"

#define F "s.json"

static zf_err_t err;
static zf_slo_spec_t *specs;
static size_t nspecs;

static void fini(void)
{
    free(specs);
    specs = NULL;
    nspecs = 0;
}

TestSuite(slo_spec, .fini = fini);

static json_t *load_json(const char *text)
{
    size_t n = strlen(text);
    char *buf = malloc(n + 1);
    json_error_t je;
    cr_assert_not_null(buf);
    for (size_t i = 0; i <= n; i++)
        buf[i] = text[i] == '\'' ? '"' : text[i];
    json_t *v = json_loads(buf, 0, &je);
    cr_assert_not_null(v, "fixture does not parse: %s: %s", buf, je.text);
    free(buf);
    return v;
}

/* Parses the SLO array `text` (' for ") into specs/nspecs; returns the code. */
static int parse(const char *text)
{
    json_t *v = load_json(text);
    free(specs);
    specs = NULL;
    nspecs = 0;
    memset(&err, 0, sizeof err);
    int rc = zf_slo_spec_parse(F, v, "$.slos", &specs, &nspecs, &err);
    json_decref(v);
    return rc;
}

static void refused(const char *text, const char *msg)
{
    cr_assert_eq(parse(text), ZF_EINVAL, "accepted: %s", text);
    cr_assert_str_eq(err.msg, msg);
    cr_assert_null(specs);
    cr_assert_eq(nspecs, 0);
}

/* ---- each type ---- */

Test(slo_spec, availability_objective_is_a_fraction)
{
    cr_assert_eq(parse("[{'name': 'avail', 'type': 'availability', 'objective': 0.999,"
                       "  'window': '5m', 'kind': 'device_report'}]"), 0, "%s", err.msg);
    cr_assert_eq(nspecs, 1);
    cr_assert_str_eq(specs[0].name, "avail");
    cr_assert_eq(specs[0].type, ZF_SLO_AVAILABILITY);
    cr_assert_eq(specs[0].objective, 0.999);
    cr_assert_eq(specs[0].window, 5 * ZF_MIN);
    cr_assert_str_eq(specs[0].kind, "device_report");
    cr_assert_str_eq(specs[0].fault, "");
}

Test(slo_spec, availability_objective_must_be_in_zero_to_one)
{
    refused("[{'name': 'a', 'type': 'availability', 'objective': 99.9}]",
            "s.json: $.slos[0].objective: expected a number in [0, 1], got 99.9");
    refused("[{'name': 'a', 'type': 'availability', 'objective': '99.9%'}]",
            "s.json: $.slos[0].objective: expected a number, got the string \"99.9%\"");
    cr_assert_eq(parse("[{'name': 'a', 'type': 'availability', 'objective': 1},"
                       " {'name': 'b', 'type': 'availability', 'objective': 0}]"), 0);
}

Test(slo_spec, latency_objective_is_a_duration_in_ns)
{
    cr_assert_eq(parse("[{'name': 'p99', 'type': 'latency', 'quantile': 0.99,"
                       "  'objective': '300ms'}]"), 0, "%s", err.msg);
    cr_assert_eq(specs[0].type, ZF_SLO_LATENCY);
    cr_assert_eq(specs[0].objective, 3e8);
    cr_assert_eq(specs[0].quantile, 0.99);
    cr_assert_eq(specs[0].window, 0);
}

Test(slo_spec, latency_objective_may_be_a_number_of_seconds)
{
    cr_assert_eq(parse("[{'name': 'p50', 'type': 'latency', 'quantile': 0.5, 'objective': 0.25}]"),
                 0, "%s", err.msg);
    cr_assert_eq(specs[0].objective, 2.5e8);
}

Test(slo_spec, latency_requires_a_quantile)
{
    refused("[{'name': 'p99', 'type': 'latency', 'objective': '300ms'}]",
            "s.json: $.slos[0].quantile: missing required key");
}

Test(slo_spec, quantile_must_lie_strictly_between_zero_and_one)
{
    refused("[{'name': 'p', 'type': 'latency', 'quantile': 99, 'objective': '1s'}]",
            "s.json: $.slos[0].quantile: expected a number in [0, 1], got 99");
    refused("[{'name': 'p', 'type': 'latency', 'quantile': 0, 'objective': '1s'}]",
            "s.json: $.slos[0].quantile: expected a quantile strictly between 0 and 1 (0.99 for p99), got 0");
    cr_assert_eq(parse("[{'name': 'p', 'type': 'latency', 'quantile': 1, 'objective': '1s'}]"),
                 ZF_EINVAL, "quantile 1 (the maximum) is refused");
}

/* BUG: quantile 1 is refused with "expected a number in [1e-09, 1], got 1": the upper
 * bound 1 - 1e-12 (slo_spec.c parse_one) prints as 1 through "%g" in zf_jr_number, so the
 * message contradicts itself. Same for burn_rate's target. The message should state an
 * open interval or a bound that excludes the value. */
Test(slo_spec, quantile_of_one_is_refused_with_a_message_that_excludes_one)
{
    cr_assert_eq(parse("[{'name': 'p', 'type': 'latency', 'quantile': 1, 'objective': '1s'}]"),
                 ZF_EINVAL);
    cr_assert_null(strstr(err.msg, "[1e-09, 1], got 1"), "contradictory message: %s", err.msg);
}

Test(slo_spec, quantile_is_refused_on_other_types)
{
    refused("[{'name': 'a', 'type': 'availability', 'objective': 0.99, 'quantile': 0.99}]",
            "s.json: $.slos[0].quantile: only latency SLOs take a quantile");
    refused("[{'name': 'r', 'type': 'rto', 'objective': '2m', 'quantile': 0.5}]",
            "s.json: $.slos[0].quantile: only latency SLOs take a quantile");
}

Test(slo_spec, rto_objective_is_a_duration_and_may_name_a_fault)
{
    cr_assert_eq(parse("[{'name': 'rto-db', 'type': 'rto', 'objective': '2m',"
                       "  'fault': 'db-crash'}, {'name': 'rto', 'type': 'rto', 'objective': 90}]"),
                 0, "%s", err.msg);
    cr_assert_eq(nspecs, 2);
    cr_assert_eq(specs[0].type, ZF_SLO_RTO);
    cr_assert_eq(specs[0].objective, 120e9);
    cr_assert_str_eq(specs[0].fault, "db-crash");
    cr_assert_eq(specs[1].objective, 90e9);
    cr_assert_str_eq(specs[1].fault, "");
}

Test(slo_spec, only_rto_names_a_fault)
{
    refused("[{'name': 'a', 'type': 'availability', 'objective': 0.99, 'fault': 'zone-b'}]",
            "s.json: $.slos[0].fault: only rto SLOs name a fault");
}

Test(slo_spec, rpo_and_backlog_drain_objectives_are_durations)
{
    cr_assert_eq(parse("[{'name': 'rpo', 'type': 'rpo', 'objective': '5m'},"
                       " {'name': 'drain', 'type': 'backlog_drain', 'objective': '1m30s'}]"),
                 0, "%s", err.msg);
    cr_assert_eq(specs[0].type, ZF_SLO_RPO);
    cr_assert_eq(specs[0].objective, 300e9);
    cr_assert_eq(specs[1].type, ZF_SLO_BACKLOG_DRAIN);
    cr_assert_eq(specs[1].objective, 90e9);
}

Test(slo_spec, time_objective_must_be_a_duration)
{
    refused("[{'name': 'rpo', 'type': 'rpo', 'objective': 'five minutes'}]",
            "s.json: $.slos[0].objective: expected a non-negative duration like \"250ms\", "
            "\"30s\", \"1h30m\" (units ns, us, ms, s, m or min, h, d) or a number of seconds, got the "
            "string \"five minutes\"");
}

Test(slo_spec, lost_writes_objective_is_an_integer_count)
{
    cr_assert_eq(parse("[{'name': 'no-loss', 'type': 'lost_writes', 'objective': 0},"
                       " {'name': 'few', 'type': 'lost_writes', 'objective': 12}]"), 0, "%s",
                 err.msg);
    cr_assert_eq(specs[0].type, ZF_SLO_LOST_WRITES);
    cr_assert_eq(specs[0].objective, 0);
    cr_assert_eq(specs[1].objective, 12);
    refused("[{'name': 'x', 'type': 'lost_writes', 'objective': 1.5}]",
            "s.json: $.slos[0].objective: expected an integer, got the number 1.5");
    refused("[{'name': 'x', 'type': 'lost_writes', 'objective': -1}]",
            "s.json: $.slos[0].objective: expected an integer in [0, 9223372036854775807], got -1");
}

Test(slo_spec, burn_rate_needs_a_target_and_takes_a_window)
{
    cr_assert_eq(parse("[{'name': 'burn', 'type': 'burn_rate', 'objective': 14.4,"
                       "  'target': 0.999, 'window': '1h'}]"), 0, "%s", err.msg);
    cr_assert_eq(specs[0].type, ZF_SLO_BURN_RATE);
    cr_assert_eq(specs[0].objective, 14.4);
    cr_assert_eq(specs[0].target, 0.999);
    cr_assert_eq(specs[0].window, ZF_HOUR);
    refused("[{'name': 'burn', 'type': 'burn_rate', 'objective': 14.4}]",
            "s.json: $.slos[0].target: missing required key");
}

/* ---- structure errors ---- */

Test(slo_spec, unknown_type_lists_the_types)
{
    refused("[{'name': 'up', 'type': 'uptime', 'objective': 0.99}]",
            "s.json: $.slos[0].type: expected one of: availability, latency, rto, rpo, "
            "lost_writes, backlog_drain, burn_rate, got the string \"uptime\"");
}

Test(slo_spec, unknown_key_lists_the_allowed_keys)
{
    refused("[{'name': 'a', 'type': 'availability', 'objectve': 0.99}]",
            "s.json: $.slos[0].objectve: unknown key; expected one of: name, type, objective, "
            "quantile, window, target, fault, kind");
}

Test(slo_spec, name_type_and_objective_are_required)
{
    refused("[{'type': 'availability', 'objective': 0.99}]",
            "s.json: $.slos[0].name: missing required key");
    refused("[{'name': 'a', 'objective': 0.99}]", "s.json: $.slos[0].type: missing required key");
    refused("[{'name': 'a', 'type': 'availability'}]",
            "s.json: $.slos[0].objective: missing required key");
}

Test(slo_spec, duplicate_names_point_at_the_first)
{
    refused("[{'name': 'a', 'type': 'availability', 'objective': 0.9},"
            " {'name': 'b', 'type': 'availability', 'objective': 0.9},"
            " {'name': 'a', 'type': 'rpo', 'objective': '1m'}]",
            "s.json: $.slos[2]: duplicate SLO name \"a\" (also at $.slos[0])");
}

Test(slo_spec, names_longer_than_63_characters_are_refused)
{
    refused("[{'name': 'n123456789012345678901234567890123456789012345678901234567890123',"
            "  'type': 'availability', 'objective': 0.9}]",
            "s.json: $.slos[0].name: expected at most 63 characters");
}

Test(slo_spec, slos_must_be_an_array_of_objects)
{
    refused("{'a': 1}", "s.json: $.slos: expected an array, got an object");
    refused("[1]", "s.json: $.slos[0]: expected an object, got the number 1");
}

Test(slo_spec, empty_array_gives_no_specs)
{
    cr_assert_eq(parse("[]"), 0);
    cr_assert_eq(nspecs, 0);
    cr_assert_null(specs);
}

/* ---- SLO files ---- */

Test(slo_spec, load_reads_an_slo_file)
{
    char file[1024];
    snprintf(file, sizeof file, "%s/tests/data/good/slo_loose.json", ZF_SOURCE_ROOT);
    cr_assert_eq(zf_slo_spec_load(file, &specs, &nspecs, &err), 0, "%s", err.msg);
    cr_assert_eq(nspecs, 1);
    cr_assert_eq(specs[0].type, ZF_SLO_AVAILABILITY);
    cr_assert_eq(specs[0].objective, 0.8);
}

Test(slo_spec, load_of_a_missing_file_says_cannot_open)
{
    cr_assert_eq(zf_slo_spec_load("/nonexistent/slo.json", &specs, &nspecs, &err), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "/nonexistent/slo.json: cannot open: No such file or directory");
}

Test(slo_spec, load_requires_an_object_with_only_slos)
{
    char file[1024], want[1200];
    snprintf(file, sizeof file, "%s/tests/data/bad/slo_file_unknown_key.json", ZF_SOURCE_ROOT);
    cr_assert_eq(zf_slo_spec_load(file, &specs, &nspecs, &err), ZF_EINVAL);
    snprintf(want, sizeof want, "%s: $.slo: unknown key; expected one of: slos", file);
    cr_assert_str_eq(err.msg, want);
}

/* ---- names and texts ---- */

Test(slo_spec, type_names_and_time_types)
{
    static const char *const names[] = {"availability", "latency", "rto", "rpo", "lost_writes",
                                        "backlog_drain", "burn_rate"};
    static const int is_time[] = {0, 1, 1, 1, 0, 1, 0};
    for (int t = 0; t < ZF_SLO_TYPE_COUNT; t++) {
        cr_assert_str_eq(zf_slo_type_name((zf_slo_type_t)t), names[t]);
        cr_assert_eq(zf_slo_type_is_time((zf_slo_type_t)t), is_time[t], "%s", names[t]);
    }
    cr_assert_str_eq(zf_slo_type_name(ZF_SLO_TYPE_COUNT), "?");
}

Test(slo_spec, objective_texts_read_like_the_objective)
{
    static const struct {
        zf_slo_spec_t s;
        const char *want;
    } cases[] = {
        {{.type = ZF_SLO_AVAILABILITY, .objective = 0.999}, ">= 99.9%"},
        {{.type = ZF_SLO_AVAILABILITY, .objective = 0.99995}, ">= 99.995%"},
        {{.type = ZF_SLO_LATENCY, .objective = 3e8, .quantile = 0.99}, "p99 <= 300ms"},
        {{.type = ZF_SLO_LATENCY, .objective = 1.5e9, .quantile = 0.999}, "p99.9 <= 1.5s"},
        {{.type = ZF_SLO_LATENCY, .objective = 2.5e8, .quantile = 0.5}, "p50 <= 250ms"},
        {{.type = ZF_SLO_RTO, .objective = 120e9}, "<= 2m"},
        {{.type = ZF_SLO_RPO, .objective = 300e9}, "<= 5m"},
        {{.type = ZF_SLO_BACKLOG_DRAIN, .objective = 90e9}, "<= 1m30s"},
        {{.type = ZF_SLO_LOST_WRITES, .objective = 0}, "<= 0 writes"},
        {{.type = ZF_SLO_BURN_RATE, .objective = 14.4}, "<= 14.4x"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char buf[96];
        zf_slo_objective_text(&cases[i].s, buf, sizeof buf);
        cr_assert_str_eq(buf, cases[i].want, "case %zu", i);
    }
}

/* ---- canonical JSON ---- */

Test(slo_spec, to_json_writes_time_objectives_in_seconds)
{
    cr_assert_eq(parse("[{'name': 'p99', 'type': 'latency', 'quantile': 0.99,"
                       "  'objective': '300ms', 'window': '5m'}]"), 0);
    json_t *j = zf_slo_spec_to_json(&specs[0]);
    cr_assert_str_eq(json_string_value(json_object_get(j, "name")), "p99");
    cr_assert_str_eq(json_string_value(json_object_get(j, "type")), "latency");
    cr_assert_eq(json_number_value(json_object_get(j, "objective")), 0.3);
    cr_assert_eq(json_number_value(json_object_get(j, "quantile")), 0.99);
    cr_assert_eq(json_number_value(json_object_get(j, "window")), 300.0);
    cr_assert_null(json_object_get(j, "fault"));
    cr_assert_null(json_object_get(j, "kind"));
    cr_assert_null(json_object_get(j, "target"));
    json_decref(j);
}

Test(slo_spec, to_json_round_trips_through_parse_to_an_identical_struct)
{
    cr_assert_eq(parse("["
                       " {'name': 'avail', 'type': 'availability', 'objective': 0.999,"
                       "  'window': '5m', 'kind': 'device_report'},"
                       " {'name': 'p99', 'type': 'latency', 'quantile': 0.99,"
                       "  'objective': '300ms'},"
                       " {'name': 'odd', 'type': 'latency', 'quantile': 0.999,"
                       "  'objective': '123456789ns', 'kind': 'portal'},"
                       " {'name': 'rto-db', 'type': 'rto', 'objective': '2m', 'fault': 'db-crash'},"
                       " {'name': 'rto', 'type': 'rto', 'objective': '1h30m'},"
                       " {'name': 'rpo', 'type': 'rpo', 'objective': '5m'},"
                       " {'name': 'loss', 'type': 'lost_writes', 'objective': 3},"
                       " {'name': 'drain', 'type': 'backlog_drain', 'objective': '1m30s'},"
                       " {'name': 'burn', 'type': 'burn_rate', 'objective': 14.4,"
                       "  'target': 0.999, 'window': '1h'}]"), 0, "%s", err.msg);
    json_t *arr = json_array();
    for (size_t i = 0; i < nspecs; i++)
        json_array_append_new(arr, zf_slo_spec_to_json(&specs[i]));
    /* through text too, as results.json stores it */
    char *text = json_dumps(arr, JSON_REAL_PRECISION(17));
    json_decref(arr);
    json_error_t je;
    json_t *back = json_loads(text, 0, &je);
    free(text);
    cr_assert_not_null(back);
    zf_slo_spec_t *again = NULL;
    size_t n = 0;
    cr_assert_eq(zf_slo_spec_parse("results.json", back, "$.slo_specs", &again, &n, &err), 0,
                 "%s", err.msg);
    json_decref(back);
    cr_assert_eq(n, nspecs);
    for (size_t i = 0; i < n; i++) {
        cr_assert_str_eq(again[i].name, specs[i].name);
        cr_assert_eq(again[i].type, specs[i].type, "%s", specs[i].name);
        cr_assert_eq(again[i].objective, specs[i].objective, "%s: %.17g != %.17g",
                     specs[i].name, again[i].objective, specs[i].objective);
        cr_assert_eq(again[i].quantile, specs[i].quantile, "%s", specs[i].name);
        cr_assert_eq(again[i].window, specs[i].window, "%s", specs[i].name);
        cr_assert_eq(again[i].target, specs[i].target, "%s", specs[i].name);
        cr_assert_str_eq(again[i].fault, specs[i].fault);
        cr_assert_str_eq(again[i].kind, specs[i].kind);
        cr_assert_eq(memcmp(&again[i], &specs[i], sizeof specs[i]), 0, "%s", specs[i].name);
    }
    free(again);
}

/* results.json is written with JSON_REAL_PRECISION(10) (sim/metrics/results.c); the specs
 * stored there must still read back to the same objectives. */
Test(slo_spec, to_json_round_trips_at_the_precision_results_json_uses)
{
    cr_assert_eq(parse("[{'name': 'p99', 'type': 'latency', 'quantile': 0.99,"
                       "  'objective': '300ms'},"
                       " {'name': 'a', 'type': 'availability', 'objective': 0.9995},"
                       " {'name': 'r', 'type': 'rto', 'objective': '2m15s'}]"), 0);
    json_t *arr = json_array();
    for (size_t i = 0; i < nspecs; i++)
        json_array_append_new(arr, zf_slo_spec_to_json(&specs[i]));
    char *text = json_dumps(arr, JSON_REAL_PRECISION(10));
    json_decref(arr);
    json_error_t je;
    json_t *back = json_loads(text, 0, &je);
    free(text);
    zf_slo_spec_t *again = NULL;
    size_t n = 0;
    cr_assert_eq(zf_slo_spec_parse("results.json", back, "$.slo_specs", &again, &n, &err), 0);
    json_decref(back);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(memcmp(&again[i], &specs[i], sizeof specs[i]), 0, "%s", specs[i].name);
    free(again);
}
