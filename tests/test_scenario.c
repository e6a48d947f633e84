/* Tests of sim/scenario/scenario: loading and validating scenario files. Valid files give
 * the documented defaults; every invalid one gives one exact message naming the file, the
 * JSON path and what was expected. Scenarios are written with single quotes (turned into
 * double quotes before parsing) so that they stay readable. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

#define F "t.json"

static zf_err_t err;
static zf_scenario_t *sc;

static void fini(void)
{
    zf_scenario_free(sc);
    sc = NULL;
}

TestSuite(scenario, .fini = fini);

/* Parses `text` with ' standing for " ; returns the code, sc holds the scenario or NULL. */
static int parse(const char *text)
{
    size_t n = strlen(text);
    char *buf = malloc(n + 1);
    cr_assert_not_null(buf);
    for (size_t i = 0; i <= n; i++)
        buf[i] = text[i] == '\'' ? '"' : text[i];
    memset(&err, 0, sizeof err);
    zf_scenario_free(sc);
    sc = NULL;
    int rc = zf_scenario_parse(F, buf, &sc, &err);
    free(buf);
    if (rc)
        cr_assert_null(sc, "no scenario is returned on error");
    else
        cr_assert_not_null(sc);
    return rc;
}

/* Asserts that `text` is refused with exactly `msg`. */
static void refused(const char *text, const char *msg)
{
    cr_assert_eq(parse(text), ZF_EINVAL, "accepted: %s", text);
    cr_assert_str_eq(err.msg, msg);
}

#define STATION "{'name': 's', 'service': '100ms'}"
#define SOURCE "{'name': 'a', 'rate_per_s': 1, 'target': 's'}"
#define MINIMAL \
    "{'name': 'm', 'duration': '1h', 'stations': [" STATION "], 'sources': [" SOURCE "]}"

/* ---- valid scenarios ---- */

Test(scenario, minimal_scenario_loads_with_the_documented_defaults)
{
    cr_assert_eq(parse(MINIMAL), 0, "%s", err.msg);
    cr_assert_str_eq(sc->name, "m");
    cr_assert_str_eq(sc->description, "");
    cr_assert_str_eq(sc->file, F);
    cr_assert_eq(sc->seed, 1);
    cr_assert_eq(sc->replications, 1);
    cr_assert_eq(sc->confidence, 0.95);
    cr_assert_eq(sc->duration, ZF_HOUR);
    cr_assert_eq(sc->warmup, 0);
    cr_assert_eq(sc->nstations, 1);
    cr_assert_str_eq(sc->stations[0].name, "s");
    cr_assert_eq(sc->stations[0].servers, 1);
    cr_assert_eq(sc->stations[0].queue_limit, -1);
    cr_assert_eq(sc->stations[0].next, -1);
    cr_assert_eq(sc->stations[0].service.kind, ZF_DIST_DETERMINISTIC);
    cr_assert_eq(sc->stations[0].service.a, 1e8);
    cr_assert_eq(sc->nsources, 1);
    cr_assert_str_eq(sc->sources[0].name, "a");
    cr_assert_eq(sc->sources[0].rate_per_s, 1.0);
    cr_assert_eq(sc->sources[0].target, 0);
    cr_assert_eq(sc->nslos, 0);
}

Test(scenario, every_field_is_read_in_its_unit)
{
    cr_assert_eq(parse("{'name': 'tandem', 'description': 'two stations', 'seed': 42,"
                       " 'duration': '2h', 'warmup': '10m', 'replications': 10,"
                       " 'confidence': 0.99,"
                       " 'stations': ["
                       "  {'name': 'front', 'servers': 4, 'queue_limit': 100, 'next': 'back',"
                       "   'service': {'dist': 'exponential', 'mean': '50ms'}},"
                       "  {'name': 'back', 'servers': 2, 'queue_limit': 0,"
                       "   'service': {'dist': 'uniform', 'min': '1ms', 'max': '3ms'}}],"
                       " 'sources': [{'name': 'web', 'rate_per_s': 12.5, 'target': 'front'},"
                       "             {'name': 'api', 'rate_per_s': 3, 'target': 'back'}],"
                       " 'slos': [{'name': 'avail', 'type': 'availability', 'objective': 0.999}]}"),
                 0, "%s", err.msg);
    cr_assert_str_eq(sc->description, "two stations");
    cr_assert_eq(sc->seed, 42);
    cr_assert_eq(sc->replications, 10);
    cr_assert_eq(sc->confidence, 0.99);
    cr_assert_eq(sc->duration, 2 * ZF_HOUR);
    cr_assert_eq(sc->warmup, 10 * ZF_MIN);
    cr_assert_eq(sc->nstations, 2);
    cr_assert_eq(sc->stations[0].servers, 4);
    cr_assert_eq(sc->stations[0].queue_limit, 100);
    cr_assert_eq(sc->stations[0].next, 1, "routes may point forward");
    cr_assert_eq(sc->stations[0].service.kind, ZF_DIST_EXPONENTIAL);
    cr_assert_eq(sc->stations[0].service.a, 5e7);
    cr_assert_eq(sc->stations[1].queue_limit, 0);
    cr_assert_eq(sc->stations[1].next, -1);
    cr_assert_eq(sc->stations[1].service.kind, ZF_DIST_UNIFORM);
    cr_assert_eq(sc->nsources, 2);
    cr_assert_eq(sc->sources[0].rate_per_s, 12.5);
    cr_assert_eq(sc->sources[0].target, 0);
    cr_assert_eq(sc->sources[1].target, 1);
    cr_assert_eq(sc->nslos, 1);
    cr_assert_str_eq(sc->slos[0].name, "avail");
    cr_assert_eq(sc->slos[0].objective, 0.999);
}

Test(scenario, durations_may_be_numbers_of_seconds)
{
    cr_assert_eq(parse("{'name': 'm', 'duration': 90, 'warmup': 0.5, 'stations': [" STATION
                       "], 'sources': [" SOURCE "]}"), 0, "%s", err.msg);
    cr_assert_eq(sc->duration, 90 * ZF_S);
    cr_assert_eq(sc->warmup, 500 * ZF_MS);
}

Test(scenario, load_reads_a_file_and_shows_its_name)
{
    char file[1024];
    snprintf(file, sizeof file, "%s/tests/data/good/minimal.json", ZF_SOURCE_ROOT);
    cr_assert_eq(zf_scenario_load(file, &sc, &err), 0, "%s", err.msg);
    cr_assert_str_eq(sc->file, file);
    cr_assert_str_eq(sc->name, "minimal");
    cr_assert_eq(sc->stations[0].service.a, 1e8);
}

Test(scenario, every_shipped_validation_scenario_loads)
{
    static const char *const files[] = {"md1", "mg1", "mm1", "mmc", "mmcc"};
    for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
        char file[1024];
        snprintf(file, sizeof file, "%s/scenarios/validation/%s.json", ZF_SOURCE_ROOT, files[i]);
        zf_scenario_t *s = NULL;
        cr_assert_eq(zf_scenario_load(file, &s, &err), 0, "%s", err.msg);
        cr_assert_geq(s->nslos, 1);
        zf_scenario_free(s);
    }
}

Test(scenario, station_finds_a_station_by_name)
{
    cr_assert_eq(parse("{'name': 'm', 'duration': '1h', 'stations': [" STATION ","
                       " {'name': 't', 'service': '1ms'}], 'sources': [" SOURCE "]}"), 0);
    cr_assert_eq(zf_scenario_station(sc, "s"), 0);
    cr_assert_eq(zf_scenario_station(sc, "t"), 1);
    cr_assert_eq(zf_scenario_station(sc, "u"), -1);
}

Test(scenario, free_accepts_null)
{
    zf_scenario_free(NULL);
}

/* ---- files and JSON syntax ---- */

Test(scenario, missing_file_says_cannot_open)
{
    cr_assert_eq(zf_scenario_load("/nonexistent/dir/s.json", &sc, &err), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "/nonexistent/dir/s.json: cannot open: No such file or directory");
    cr_assert_null(sc);
}

Test(scenario, json_syntax_error_names_file_line_and_column)
{
    refused("{\n  'name': 'x',\n  'duration': 5,\n}",
            "t.json:4:1: JSON syntax error: string or '}' expected near '}'");
    refused("{\n  'name': 'x'\n  'duration': '1h'\n}",
            "t.json:3:12: JSON syntax error: '}' expected near '\"duration\"'");
}

Test(scenario, json_syntax_error_in_a_file_names_the_file)
{
    char file[1024], want[1200];
    snprintf(file, sizeof file, "%s/tests/data/bad/syntax_missing_comma.json", ZF_SOURCE_ROOT);
    cr_assert_eq(zf_scenario_load(file, &sc, &err), ZF_EINVAL);
    snprintf(want, sizeof want, "%s:3:12: JSON syntax error: '}' expected near '\"duration\"'",
             file);
    cr_assert_str_eq(err.msg, want);
}

Test(scenario, empty_text_is_a_syntax_error)
{
    refused("", "t.json:1:0: JSON syntax error: '[' or '{' expected near end of file");
}

Test(scenario, duplicate_json_keys_are_refused)
{
    refused("{'name': 'a', 'name': 'b'}",
            "t.json:1:20: JSON syntax error: duplicate object key near '\"name\"'");
}

Test(scenario, top_level_must_be_an_object)
{
    refused("[1, 2]", "t.json: $: expected an object, got an array");
}

/* ---- keys and types ---- */

/* The top-level key list grows with every section the language gains (kinds, workload,
 * zones, ... are being added), so this pins the message up to the run settings and the
 * queueing primitives, and only the shape of the rest: more ", key" items, nothing else. */
Test(scenario, unknown_top_level_key_lists_the_allowed_keys)
{
    static const char want[] = "t.json: $.durration: unknown key; expected one of: name, "
                               "description, seed, duration, warmup, replications, confidence, "
                               "sources, stations, slos";
    cr_assert_eq(parse("{'name': 'm', 'durration': '1h'}"), ZF_EINVAL);
    cr_assert_eq(strncmp(err.msg, want, strlen(want)), 0, "message: %s", err.msg);
    const char *rest = err.msg + strlen(want);
    cr_assert(*rest == 0 || strncmp(rest, ", ", 2) == 0, "message: %s", err.msg);
    cr_assert_null(strchr(rest, ';'), "message: %s", err.msg);
}

Test(scenario, unknown_key_names_its_json_path)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION ","
            " {'name': 't', 'servrs': 2, 'service': '1ms'}], 'sources': [" SOURCE "]}",
            "t.json: $.stations[1].servrs: unknown key; expected one of: name, servers, "
            "queue_limit, service, next");
}

Test(scenario, unknown_source_key_names_its_json_path)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "],"
            " 'sources': [{'name': 'a', 'rate': 1, 'target': 's'}]}",
            "t.json: $.sources[0].rate: unknown key; expected one of: name, rate_per_s, target");
}

Test(scenario, string_where_a_number_is_expected_says_what_it_got)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "],"
            " 'sources': [{'name': 'a', 'rate_per_s': 'x', 'target': 's'}]}",
            "t.json: $.sources[0].rate_per_s: expected a number, got the string \"x\"");
}

Test(scenario, real_where_an_integer_is_expected_says_what_it_got)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'servers': 2.5, 'service': '1ms'}], 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].servers: expected an integer, got the number 2.5");
}

Test(scenario, stations_must_be_an_array_of_objects)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': {'s': 1}, 'sources': [" SOURCE "]}",
            "t.json: $.stations: expected an array, got an object");
    refused("{'name': 'm', 'duration': '1h', 'stations': ['s'], 'sources': [" SOURCE "]}",
            "t.json: $.stations[0]: expected an object, got the string \"s\"");
}

/* ---- required fields ---- */

Test(scenario, missing_duration_is_a_missing_required_key)
{
    refused("{'name': 'm', 'stations': [" STATION "], 'sources': [" SOURCE "]}",
            "t.json: $.duration: missing required key");
}

Test(scenario, missing_name_is_a_missing_required_key)
{
    refused("{'duration': '1h', 'stations': [" STATION "], 'sources': [" SOURCE "]}",
            "t.json: $.name: missing required key");
}

/* stations and sources are optional since a workload may send the traffic instead, but a
 * scenario must still send something, and a source needs its station. */
Test(scenario, scenario_without_traffic_is_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "]}",
            "t.json: $: nothing sends requests: give \"sources\" feeding \"stations\", or a "
            "\"workload\" with \"kinds\"");
    refused("{'name': 'm', 'duration': '1h'}",
            "t.json: $: nothing sends requests: give \"sources\" feeding \"stations\", or a "
            "\"workload\" with \"kinds\"");
}

Test(scenario, source_without_stations_names_the_missing_station)
{
    refused("{'name': 'm', 'duration': '1h', 'sources': [" SOURCE "]}",
            "t.json: $.sources[0].target: no station named \"s\" in $.stations");
}

Test(scenario, empty_stations_and_sources_are_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [], 'sources': [" SOURCE "]}",
            "t.json: $.stations: expected at least 1 element, got 0");
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "], 'sources': []}",
            "t.json: $.sources: expected at least 1 element, got 0");
}

Test(scenario, missing_service_is_a_missing_required_key)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [{'name': 's'}], 'sources': [" SOURCE
            "]}", "t.json: $.stations[0].service: missing required key");
}

/* ---- names ---- */

Test(scenario, names_are_letters_digits_and_a_few_marks)
{
    refused("{'name': 'my scenario', 'duration': '1h', 'stations': [" STATION "],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.name: expected a name of letters, digits, '-', '_', '.' or '/', got "
            "\"my scenario\"");
    cr_assert_eq(parse("{'name': 'a-b_c.d/E9', 'duration': '1h', 'stations': [" STATION "],"
                       " 'sources': [" SOURCE "]}"), 0, "%s", err.msg);
}

Test(scenario, names_longer_than_63_characters_are_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [{'name': "
            "'s123456789012345678901234567890123456789012345678901234567890123',"
            " 'service': '1ms'}], 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].name: expected a name of at most 63 characters");
}

Test(scenario, duplicate_station_names_are_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION ", " STATION "],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.stations[1]: duplicate station name \"s\"");
}

Test(scenario, duplicate_source_names_are_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "],"
            " 'sources': [" SOURCE ", " SOURCE "]}",
            "t.json: $.sources[1]: duplicate source name \"a\"");
}

/* ---- values ---- */

Test(scenario, negative_rate_is_out_of_range)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "],"
            " 'sources': [{'name': 'a', 'rate_per_s': -1, 'target': 's'}]}",
            "t.json: $.sources[0].rate_per_s: expected a rate > 0, got -1");
}

Test(scenario, zero_rate_is_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "],"
            " 'sources': [{'name': 'a', 'rate_per_s': 0, 'target': 's'}]}",
            "t.json: $.sources[0].rate_per_s: expected a rate > 0, got 0");
}

Test(scenario, source_target_must_name_a_station)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "],"
            " 'sources': [{'name': 'a', 'rate_per_s': 1, 'target': 'db'}]}",
            "t.json: $.sources[0].target: no station named \"db\" in $.stations");
}

Test(scenario, bad_duration_string_lists_the_units)
{
    refused("{'name': 'm', 'duration': '5 parsecs', 'stations': [" STATION "],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.duration: expected a non-negative duration like \"250ms\", \"30s\", "
            "\"1h30m\" (units ns, us, ms, s, m or min, h, d) or a number of seconds, got the string "
            "\"5 parsecs\"");
}

Test(scenario, zero_duration_is_refused)
{
    refused("{'name': 'm', 'duration': '0s', 'stations': [" STATION "], 'sources': [" SOURCE
            "]}", "t.json: $.duration: expected a duration > 0");
}

Test(scenario, warmup_must_be_shorter_than_the_duration)
{
    refused("{'name': 'm', 'duration': '1h', 'warmup': '1h', 'stations': [" STATION "],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.warmup: expected less than $.duration (1h), got 1h");
    refused("{'name': 'm', 'duration': '1h', 'warmup': '2h', 'stations': [" STATION "],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.warmup: expected less than $.duration (1h), got 2h");
}

Test(scenario, seed_replications_and_confidence_have_ranges)
{
    refused("{'name': 'm', 'duration': '1h', 'seed': -1, 'stations': [" STATION "],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.seed: expected an integer in [0, 9223372036854775807], got -1");
    refused("{'name': 'm', 'duration': '1h', 'replications': 0, 'stations': [" STATION "],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.replications: expected an integer in [1, 100000], got 0");
    refused("{'name': 'm', 'duration': '1h', 'confidence': 95, 'stations': [" STATION "],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.confidence: expected a number in [0.5, 0.9999], got 95");
}

Test(scenario, servers_and_queue_limit_have_ranges)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'servers': 0, 'service': '1ms'}], 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].servers: expected an integer in [1, 1000000], got 0");
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'queue_limit': -2, 'service': '1ms'}], 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].queue_limit: expected an integer in [-1, 4611686018427387903],"
            " got -2");
}

/* ---- distributions ---- */

Test(scenario, unknown_distribution_name_lists_the_distributions)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'service': {'dist': 'poisson', 'mean': '1ms'}}],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].service.dist: unknown distribution \"poisson\"; expected one "
            "of: deterministic, exponential, uniform, normal, lognormal, gamma, weibull, pareto, "
            "empirical");
}

Test(scenario, parameter_the_distribution_does_not_take_is_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'service': {'dist': 'exponential', 'mean': '1ms', 'stddev': '1ms'}}],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].service.stddev: not a parameter of the exponential "
            "distribution (it takes mean)");
}

Test(scenario, negative_mean_service_time_is_a_bad_duration)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'service': {'dist': 'exponential', 'mean': '-100ms'}}],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].service.mean: expected a non-negative duration like "
            "\"250ms\", \"30s\", \"1h30m\" (units ns, us, ms, s, m or min, h, d) or a number of "
            "seconds, got the string \"-100ms\"");
}

Test(scenario, zero_mean_service_time_is_an_invalid_distribution)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'service': {'dist': 'exponential', 'mean': 0}}],"
            " 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].service: mean must be a finite number > 0, got 0");
}

Test(scenario, empirical_with_weights_of_the_wrong_length_is_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'service': {'dist': 'empirical', 'values': ['1ms', '2ms'],"
            " 'weights': [1, 2, 3]}}], 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].service.weights: expected 2 weights (one per value), got 3");
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'service': {'dist': 'empirical', 'values': ['1ms', '2ms'],"
            " 'weights': [1]}}], 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].service.weights: expected 2 weights (one per value), got 1");
}

Test(scenario, empirical_service_reads_durations)
{
    cr_assert_eq(parse("{'name': 'm', 'duration': '1h', 'stations': ["
                       "{'name': 's', 'service': {'dist': 'empirical', 'values': ['1ms', 0.002],"
                       " 'weights': [3, 1]}}], 'sources': [" SOURCE "]}"), 0, "%s", err.msg);
    cr_assert_eq(sc->stations[0].service.kind, ZF_DIST_EMPIRICAL);
    cr_assert_eq(sc->stations[0].service.n, 2);
    cr_assert_float_eq(zf_dist_mean(&sc->stations[0].service), 1.25e6, 1e-3);
}

/* ---- routing ---- */

Test(scenario, station_routing_to_itself_is_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'service': '1ms', 'next': 's'}], 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].next: a station cannot route to itself");
}

Test(scenario, station_routing_to_an_unknown_station_is_refused)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': ["
            "{'name': 's', 'service': '1ms', 'next': 'db'}], 'sources': [" SOURCE "]}",
            "t.json: $.stations[0].next: no station named \"db\" in $.stations");
}

/* ---- SLOs ---- */

Test(scenario, slo_errors_name_their_path_under_slos)
{
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "], 'sources': [" SOURCE
            "], 'slos': [{'name': 'p99', 'type': 'latency', 'objective': '300ms'}]}",
            "t.json: $.slos[0].quantile: missing required key");
    refused("{'name': 'm', 'duration': '1h', 'stations': [" STATION "], 'sources': [" SOURCE
            "], 'slos': {'name': 'p99'}}",
            "t.json: $.slos: expected an array, got an object");
}

Test(scenario, slos_are_parsed_in_order)
{
    cr_assert_eq(parse("{'name': 'm', 'duration': '1h', 'stations': [" STATION "],"
                       " 'sources': [" SOURCE "], 'slos': ["
                       " {'name': 'a', 'type': 'availability', 'objective': 0.99},"
                       " {'name': 'l', 'type': 'latency', 'quantile': 0.9, 'objective': '1s'}]}"),
                 0, "%s", err.msg);
    cr_assert_eq(sc->nslos, 2);
    cr_assert_eq(sc->slos[0].type, ZF_SLO_AVAILABILITY);
    cr_assert_eq(sc->slos[1].type, ZF_SLO_LATENCY);
    cr_assert_eq(sc->slos[1].objective, 1e9);
}
