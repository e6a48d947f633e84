/* Tests of sim/scenario/jread: typed, path-aware access to JSON. Every error message is
 * asserted in full ("FILE: PATH: what was expected, got what"), since users fix their
 * scenarios from these texts alone. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <string.h>

#include "scenario/jread.h"

#define F "f.json"

static zf_err_t err;
static zf_jr_t jr = {F, &err};
static json_t *doc;

/* Parses `text` into the shared document (freed by the fini hook). */
static const json_t *J(const char *text)
{
    json_error_t je;
    json_decref(doc);
    doc = json_loads(text, 0, &je);
    cr_assert_not_null(doc, "fixture JSON does not parse: %s: %s", text, je.text);
    return doc;
}

static void fini(void)
{
    json_decref(doc);
    doc = NULL;
}

static void init(void)
{
    memset(&err, 0, sizeof err);
}

TestSuite(jread, .init = init, .fini = fini);

/* ---- files ---- */

Test(jread, load_file_of_a_missing_file_says_cannot_open)
{
    json_t *root = NULL;
    cr_assert_eq(zf_jr_load_file("/nonexistent/zf.json", &root, &err), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "/nonexistent/zf.json: cannot open: No such file or directory");
    cr_assert_null(root);
}

Test(jread, load_file_reports_syntax_errors_with_line_and_column)
{
    char file[1024], want[1200];
    json_t *root = NULL;
    snprintf(file, sizeof file, "%s/tests/data/bad/syntax_missing_comma.json", ZF_SOURCE_ROOT);
    cr_assert_eq(zf_jr_load_file(file, &root, &err), ZF_EINVAL);
    snprintf(want, sizeof want, "%s:3:12: JSON syntax error: '}' expected near '\"duration\"'",
             file);
    cr_assert_str_eq(err.msg, want);
}

Test(jread, load_file_rejects_duplicate_keys)
{
    char file[1024], want[1200];
    json_t *root = NULL;
    snprintf(file, sizeof file, "%s/tests/data/bad/duplicate_key.json", ZF_SOURCE_ROOT);
    cr_assert_eq(zf_jr_load_file(file, &root, &err), ZF_EINVAL);
    snprintf(want, sizeof want, "%s:3:8: JSON syntax error: duplicate object key near '\"name\"'",
             file);
    cr_assert_str_eq(err.msg, want);
}

Test(jread, load_file_returns_the_document_of_a_valid_file)
{
    char file[1024];
    json_t *root = NULL;
    snprintf(file, sizeof file, "%s/tests/data/good/minimal.json", ZF_SOURCE_ROOT);
    cr_assert_eq(zf_jr_load_file(file, &root, &err), 0);
    cr_assert(json_is_object(root));
    cr_assert_str_eq(json_string_value(json_object_get(root, "name")), "minimal");
    json_decref(root);
}

/* ---- paths, descriptions, fail ---- */

Test(jread, key_and_idx_build_json_paths)
{
    char a[ZF_JPATH_MAX], b[ZF_JPATH_MAX], c[ZF_JPATH_MAX];
    cr_assert_str_eq(zf_jr_key(a, "$", "stations"), "$.stations");
    cr_assert_str_eq(zf_jr_idx(b, a, 3), "$.stations[3]");
    cr_assert_str_eq(zf_jr_key(c, b, "service"), "$.stations[3].service");
}

Test(jread, key_truncates_paths_longer_than_the_buffer)
{
    char a[ZF_JPATH_MAX], key[400];
    memset(key, 'k', sizeof key - 1);
    key[sizeof key - 1] = 0;
    zf_jr_key(a, "$", key);
    cr_assert_eq(strlen(a), ZF_JPATH_MAX - 1);
    cr_assert_eq(strncmp(a, "$.kkk", 5), 0);
}

Test(jread, describe_names_every_json_type)
{
    char d[96];
    const json_t *v = J("[{}, [], \"abc\", 3, 2.5, true, false, null]");
    static const char *const want[] = {"an object", "an array", "the string \"abc\"",
                                       "the number 3", "the number 2.5", "true", "false",
                                       "null"};
    for (size_t i = 0; i < 8; i++) {
        zf_jr_describe(json_array_get(v, i), d, sizeof d);
        cr_assert_str_eq(d, want[i], "element %zu", i);
    }
}

Test(jread, describe_cuts_long_strings_at_60_characters)
{
    char d[96], want[96];
    const json_t *v = J("[\"012345678901234567890123456789"
                        "0123456789012345678901234567890123456789\"]");
    zf_jr_describe(json_array_get(v, 0), d, sizeof d);
    snprintf(want, sizeof want, "the string \"%.60s\"",
             "012345678901234567890123456789012345678901234567890123456789");
    cr_assert_str_eq(d, want);
}

Test(jread, fail_prefixes_file_and_path_and_returns_einval)
{
    cr_assert_eq(zf_jr_fail(&jr, "$.a[2].b", "expected %d things", 3), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.a[2].b: expected 3 things");
}

/* ---- objects and arrays ---- */

Test(jread, object_accepts_only_allowed_keys)
{
    static const char *const allowed[] = {"name", "servers", NULL};
    cr_assert_eq(zf_jr_object(&jr, J("{\"name\": \"a\", \"servers\": 2}"), "$.s", allowed), 0);
    cr_assert_eq(zf_jr_object(&jr, J("{}"), "$.s", allowed), 0);
}

Test(jread, object_names_an_unknown_key_and_lists_the_allowed_ones)
{
    static const char *const allowed[] = {"name", "servers", "queue_limit", NULL};
    cr_assert_eq(zf_jr_object(&jr, J("{\"name\": \"a\", \"servrs\": 2}"), "$.stations[0]",
                              allowed), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.stations[0].servrs: unknown key; expected one of: "
                              "name, servers, queue_limit");
}

Test(jread, object_rejects_a_non_object)
{
    static const char *const allowed[] = {"name", NULL};
    cr_assert_eq(zf_jr_object(&jr, J("[[1, 2]]"), "$", allowed), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $: expected an object, got an array");
}

Test(jread, array_returns_its_length)
{
    size_t n = 99;
    cr_assert_eq(zf_jr_array(&jr, J("[1, 2, 3]"), "$.x", 1, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_eq(zf_jr_array(&jr, J("[]"), "$.x", 0, &n), 0);
    cr_assert_eq(n, 0);
}

Test(jread, array_shorter_than_min_len_is_an_error)
{
    size_t n;
    cr_assert_eq(zf_jr_array(&jr, J("[]"), "$.stations", 1, &n), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.stations: expected at least 1 element, got 0");
    cr_assert_eq(zf_jr_array(&jr, J("[1]"), "$.v", 2, &n), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.v: expected at least 2 elements, got 1");
}

Test(jread, array_rejects_a_non_array)
{
    size_t n;
    cr_assert_eq(zf_jr_array(&jr, json_object_get(J("{\"a\": \"x\"}"), "a"), "$.a", 0, &n),
                 ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.a: expected an array, got the string \"x\"");
}

/* ---- strings ---- */

Test(jread, string_reads_a_present_key)
{
    const char *s = NULL;
    cr_assert_eq(zf_jr_string(&jr, J("{\"k\": \"v\"}"), "$", "k", true, &s), 0);
    cr_assert_str_eq(s, "v");
}

Test(jread, string_required_and_absent_is_missing_required_key)
{
    const char *s = NULL;
    cr_assert_eq(zf_jr_string(&jr, J("{}"), "$.o", "k", true, &s), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.o.k: missing required key");
}

Test(jread, null_counts_as_absent)
{
    const char *s = "default";
    cr_assert_eq(zf_jr_string(&jr, J("{\"k\": null}"), "$", "k", false, &s), 0);
    cr_assert_str_eq(s, "default");
    cr_assert_eq(zf_jr_string(&jr, J("{\"k\": null}"), "$", "k", true, &s), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.k: missing required key");
}

Test(jread, string_optional_and_absent_keeps_the_default)
{
    const char *s = "default";
    cr_assert_eq(zf_jr_string(&jr, J("{}"), "$", "k", false, &s), 0);
    cr_assert_str_eq(s, "default");
}

Test(jread, string_of_the_wrong_type_says_what_it_got)
{
    const char *s = NULL;
    cr_assert_eq(zf_jr_string(&jr, J("{\"k\": 12}"), "$", "k", true, &s), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.k: expected a string, got the number 12");
}

Test(jread, string_must_not_be_empty)
{
    const char *s = NULL;
    cr_assert_eq(zf_jr_string(&jr, J("{\"k\": \"\"}"), "$", "k", true, &s), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.k: expected a non-empty string");
}

/* ---- numbers and integers ---- */

Test(jread, number_accepts_reals_and_integers_in_range)
{
    double x = -1;
    cr_assert_eq(zf_jr_number(&jr, J("{\"k\": 0.25}"), "$", "k", true, 0, 1, &x), 0);
    cr_assert_eq(x, 0.25);
    cr_assert_eq(zf_jr_number(&jr, J("{\"k\": 1}"), "$", "k", true, 0, 1, &x), 0);
    cr_assert_eq(x, 1.0);
}

Test(jread, number_bounds_are_inclusive)
{
    double x;
    cr_assert_eq(zf_jr_number(&jr, J("{\"k\": 0.5}"), "$", "k", true, 0.5, 0.9999, &x), 0);
    cr_assert_eq(zf_jr_number(&jr, J("{\"k\": 0.9999}"), "$", "k", true, 0.5, 0.9999, &x), 0);
}

Test(jread, number_optional_and_absent_keeps_the_default)
{
    double x = 0.95;
    cr_assert_eq(zf_jr_number(&jr, J("{}"), "$", "k", false, 0, 1, &x), 0);
    cr_assert_eq(x, 0.95);
}

Test(jread, number_out_of_range_names_the_range)
{
    double x = 7;
    cr_assert_eq(zf_jr_number(&jr, J("{\"k\": 1.5}"), "$.slos[0]", "k", true, 0, 1, &x),
                 ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.slos[0].k: expected a number in [0, 1], got 1.5");
    cr_assert_eq(x, 7, "the output is untouched on error");
}

Test(jread, number_given_a_string_says_expected_a_number)
{
    double x;
    cr_assert_eq(zf_jr_number(&jr, J("{\"rate_per_s\": \"x\"}"), "$.sources[0]", "rate_per_s",
                              true, 0, 1e9, &x), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.sources[0].rate_per_s: expected a number, got the "
                              "string \"x\"");
}

Test(jread, number_required_and_absent_is_missing_required_key)
{
    double x;
    cr_assert_eq(zf_jr_number(&jr, J("{}"), "$", "n", true, 0, 1, &x), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.n: missing required key");
}

Test(jread, int_reads_integers_in_range)
{
    int64_t v = 0;
    cr_assert_eq(zf_jr_int(&jr, J("{\"k\": 9007199254740993}"), "$", "k", true, 0, INT64_MAX,
                           &v), 0);
    cr_assert_eq(v, 9007199254740993LL, "integers are exact beyond 2^53");
}

Test(jread, int_refuses_a_real)
{
    int64_t v = 0;
    cr_assert_eq(zf_jr_int(&jr, J("{\"servers\": 1.5}"), "$.stations[0]", "servers", true, 1,
                           1000000, &v), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.stations[0].servers: expected an integer, got the "
                              "number 1.5");
}

Test(jread, int_out_of_range_names_the_range)
{
    int64_t v = 0;
    cr_assert_eq(zf_jr_int(&jr, J("{\"servers\": 0}"), "$.stations[0]", "servers", false, 1,
                           1000000, &v), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.stations[0].servers: expected an integer in [1, "
                              "1000000], got 0");
}

Test(jread, int_optional_and_absent_keeps_the_default)
{
    int64_t v = -1;
    cr_assert_eq(zf_jr_int(&jr, J("{}"), "$", "k", false, 0, 10, &v), 0);
    cr_assert_eq(v, -1);
}

/* ---- booleans ---- */

Test(jread, bool_reads_true_and_false)
{
    bool b = false;
    cr_assert_eq(zf_jr_bool(&jr, J("{\"k\": true}"), "$", "k", true, &b), 0);
    cr_assert(b);
    cr_assert_eq(zf_jr_bool(&jr, J("{\"k\": false}"), "$", "k", true, &b), 0);
    cr_assert_not(b);
}

Test(jread, bool_refuses_strings_and_numbers)
{
    bool b = false;
    cr_assert_eq(zf_jr_bool(&jr, J("{\"k\": \"yes\"}"), "$", "k", true, &b), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.k: expected true or false, got the string \"yes\"");
    cr_assert_eq(zf_jr_bool(&jr, J("{\"k\": 1}"), "$", "k", true, &b), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.k: expected true or false, got the number 1");
}

Test(jread, bool_optional_and_absent_keeps_the_default)
{
    bool b = true;
    cr_assert_eq(zf_jr_bool(&jr, J("{}"), "$", "k", false, &b), 0);
    cr_assert(b);
}

/* ---- durations and times of day ---- */

Test(jread, duration_reads_strings_with_units_in_ns)
{
    zf_time_t t = 0;
    cr_assert_eq(zf_jr_duration(&jr, J("{\"d\": \"250ms\"}"), "$", "d", true, &t), 0);
    cr_assert_eq(t, 250 * ZF_MS);
    cr_assert_eq(zf_jr_duration(&jr, J("{\"d\": \"1h30m\"}"), "$", "d", true, &t), 0);
    cr_assert_eq(t, 90 * ZF_MIN);
    cr_assert_eq(zf_jr_duration(&jr, J("{\"d\": \"0s\"}"), "$", "d", true, &t), 0);
    cr_assert_eq(t, 0);
}

Test(jread, duration_reads_a_number_as_seconds)
{
    zf_time_t t = 0;
    cr_assert_eq(zf_jr_duration(&jr, J("{\"d\": 1.5}"), "$", "d", true, &t), 0);
    cr_assert_eq(t, 1500 * ZF_MS);
    cr_assert_eq(zf_jr_duration(&jr, J("{\"d\": 3600}"), "$", "d", true, &t), 0);
    cr_assert_eq(t, ZF_HOUR);
}

Test(jread, duration_optional_and_absent_keeps_the_default)
{
    zf_time_t t = 42;
    cr_assert_eq(zf_jr_duration(&jr, J("{}"), "$", "d", false, &t), 0);
    cr_assert_eq(t, 42);
}

Test(jread, duration_with_an_unknown_unit_lists_the_units)
{
    zf_time_t t = 0;
    cr_assert_eq(zf_jr_duration(&jr, J("{\"duration\": \"5 parsecs\"}"), "$", "duration", true,
                                &t), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.duration: expected a non-negative duration like "
                              "\"250ms\", \"30s\", \"1h30m\" (units ns, us, ms, s, m or min, h, d) or a "
                              "number of seconds, got the string \"5 parsecs\"");
}

Test(jread, duration_refuses_negative_numbers_and_strings)
{
    zf_time_t t = 0;
    cr_assert_eq(zf_jr_duration(&jr, J("{\"d\": -5}"), "$", "d", true, &t), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.d: expected a non-negative duration like \"250ms\", "
                              "\"30s\", \"1h30m\" (units ns, us, ms, s, m or min, h, d) or a number of "
                              "seconds, got the number -5");
    cr_assert_eq(zf_jr_duration(&jr, J("{\"d\": \"-5s\"}"), "$", "d", true, &t), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.d: expected a non-negative duration like \"250ms\", "
                              "\"30s\", \"1h30m\" (units ns, us, ms, s, m or min, h, d) or a number of "
                              "seconds, got the string \"-5s\"");
}

Test(jread, duration_of_the_wrong_type_shows_examples)
{
    zf_time_t t = 0;
    cr_assert_eq(zf_jr_duration(&jr, J("{\"d\": [1]}"), "$", "d", true, &t), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.d: expected a duration like \"250ms\", \"30s\", \"2h\" "
                              "or a number of seconds, got an array");
}

Test(jread, tod_reads_hours_minutes_and_seconds)
{
    zf_time_t t = 0;
    cr_assert_eq(zf_jr_tod(&jr, J("{\"t\": \"07:40\"}"), "$", "t", true, &t), 0);
    cr_assert_eq(t, 7 * ZF_HOUR + 40 * ZF_MIN);
    cr_assert_eq(zf_jr_tod(&jr, J("{\"t\": \"23:59:30\"}"), "$", "t", true, &t), 0);
    cr_assert_eq(t, 23 * ZF_HOUR + 59 * ZF_MIN + 30 * ZF_S);
    cr_assert_eq(zf_jr_tod(&jr, J("{\"t\": \"24:00\"}"), "$", "t", true, &t), 0);
    cr_assert_eq(t, ZF_DAY);
}

Test(jread, tod_refuses_impossible_times)
{
    zf_time_t t = 0;
    cr_assert_eq(zf_jr_tod(&jr, J("{\"t\": \"25:00\"}"), "$.bh", "t", true, &t), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.bh.t: expected a time of day \"HH:MM\" or \"HH:MM:SS\" "
                              "(00:00 to 24:00), got the string \"25:00\"");
    cr_assert_eq(zf_jr_tod(&jr, J("{\"t\": 740}"), "$.bh", "t", true, &t), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.bh.t: expected a time of day \"HH:MM\" or \"HH:MM:SS\" "
                              "(00:00 to 24:00), got the number 740");
}

/* ---- enums ---- */

Test(jread, enum_returns_the_index_of_the_choice)
{
    static const char *const c[] = {"red", "green", "blue", NULL};
    int i = -1;
    cr_assert_eq(zf_jr_enum(&jr, J("{\"c\": \"blue\"}"), "$", "c", true, c, &i), 0);
    cr_assert_eq(i, 2);
}

Test(jread, enum_lists_the_choices_when_the_value_is_not_one)
{
    static const char *const c[] = {"red", "green", "blue", NULL};
    int i = -1;
    cr_assert_eq(zf_jr_enum(&jr, J("{\"c\": \"Blue\"}"), "$", "c", true, c, &i), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.c: expected one of: red, green, blue, got the string "
                              "\"Blue\"");
    cr_assert_eq(zf_jr_enum(&jr, J("{\"c\": 1}"), "$", "c", true, c, &i), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.c: expected one of: red, green, blue, got the number 1");
    cr_assert_eq(i, -1);
}

Test(jread, enum_optional_and_absent_keeps_the_default)
{
    static const char *const c[] = {"a", "b", NULL};
    int i = 1;
    cr_assert_eq(zf_jr_enum(&jr, J("{}"), "$", "c", false, c, &i), 0);
    cr_assert_eq(i, 1);
}

/* ---- distributions ---- */

Test(jread, dist_shorthand_duration_means_deterministic_in_ns)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": \"100ms\"}"), "$", "s", true, 1, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_DETERMINISTIC);
    cr_assert_eq(d.a, 1e8);
    zf_dist_free(&d);
}

Test(jread, dist_shorthand_number_means_seconds_for_time_and_itself_otherwise)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": 0.1}"), "$", "s", true, 1, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_DETERMINISTIC);
    cr_assert_eq(d.a, 1e8);
    zf_dist_free(&d);
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": 2.5}"), "$", "s", true, 0, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_DETERMINISTIC);
    cr_assert_eq(d.a, 2.5);
    zf_dist_free(&d);
}

Test(jread, dist_object_exponential_mean_is_in_ns)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"exponential\", \"mean\": \"100ms\"}}"),
                            "$", "s", true, 1, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_EXPONENTIAL);
    cr_assert_eq(d.a, 1e8);
    cr_assert_float_eq(zf_dist_mean(&d), 1e8, 1e-3);
    zf_dist_free(&d);
}

Test(jread, dist_object_deterministic_uniform_and_normal_read_their_parameters)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"deterministic\", \"value\": \"2s\"}}"),
                            "$", "s", true, 1, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_DETERMINISTIC);
    cr_assert_eq(d.a, 2e9);
    zf_dist_free(&d);
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"uniform\", \"min\": \"10ms\", "
                                   "\"max\": \"30ms\"}}"), "$", "s", true, 1, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_UNIFORM);
    cr_assert_eq(d.a, 1e7);
    cr_assert_eq(d.b, 3e7);
    zf_dist_free(&d);
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"normal\", \"mean\": 5, "
                                   "\"stddev\": 2}}"), "$", "s", true, 0, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_NORMAL);
    cr_assert_eq(d.a, 5);
    cr_assert_eq(d.b, 2);
    zf_dist_free(&d);
}

Test(jread, dist_shape_is_a_plain_number_and_scale_a_duration)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"weibull\", \"shape\": 1.5, "
                                   "\"scale\": \"20ms\"}}"), "$", "s", true, 1, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_WEIBULL);
    cr_assert_eq(d.a, 1.5);
    cr_assert_eq(d.b, 2e7);
    zf_dist_free(&d);
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"pareto\", \"shape\": \"2s\", "
                                   "\"scale\": \"20ms\"}}"), "$", "s", true, 1, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.shape: expected a number, got the string \"2s\"");
}

Test(jread, dist_gamma_takes_a_mean_instead_of_a_scale)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"gamma\", \"shape\": 2, "
                                   "\"mean\": \"10ms\"}}"), "$", "s", true, 1, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_GAMMA);
    cr_assert_eq(d.a, 2);
    cr_assert_eq(d.b, 5e6, "scale = mean / shape");
    cr_assert_float_eq(zf_dist_mean(&d), 1e7, 1e-3);
    zf_dist_free(&d);
}

Test(jread, dist_empirical_reads_durations_and_weights)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [\"30ms\", "
                                   "\"10ms\", \"20ms\"], \"weights\": [1, 2, 1]}}"), "$", "s",
                            true, 1, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_EMPIRICAL);
    cr_assert_eq(d.n, 3);
    cr_assert_eq(d.x[0], 1e7, "the table is sorted");
    cr_assert_eq(d.x[2], 3e7);
    cr_assert_float_eq(zf_dist_mean(&d), (3e7 + 2e7 + 2e7) / 4, 1e-3);
    cr_assert_eq(d.interpolate, 0);
    zf_dist_free(&d);
}

Test(jread, dist_empirical_without_weights_is_uniform_over_values)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [1, 2, 3, 6],"
                                   " \"interpolate\": true}}"), "$", "s", true, 0, &d), 0);
    cr_assert_eq(d.n, 4);
    cr_assert_eq(d.interpolate, 1);
    zf_dist_free(&d);
}

Test(jread, dist_with_an_unknown_name_lists_the_distributions)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"service\": {\"dist\": \"poisson\", \"mean\": 1}}"),
                            "$.stations[0]", "service", true, 1, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.stations[0].service.dist: unknown distribution "
                              "\"poisson\"; expected one of: deterministic, exponential, uniform, "
                              "normal, lognormal, gamma, weibull, pareto, empirical");
}

Test(jread, dist_refuses_a_parameter_the_distribution_does_not_take)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"exponential\", \"mean\": \"1s\", "
                                   "\"stddev\": \"1s\"}}"), "$", "s", true, 1, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.stddev: not a parameter of the exponential "
                              "distribution (it takes mean)");
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"uniform\", \"min\": 1, \"max\": 2, "
                                   "\"mean\": 1.5}}"), "$", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.mean: not a parameter of the uniform distribution "
                              "(it takes min and max)");
}

Test(jread, dist_refuses_keys_no_distribution_takes)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"exponential\", \"mu\": 1}}"), "$", "s",
                            true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.mu: unknown key; expected one of: dist, value, mean, "
                              "stddev, min, max, shape, scale, values, weights, interpolate");
}

/* BUG: dist_empirical() never checks for parameters of other kinds, so a stray "mean"
 * (or "stddev", "shape", ...) next to "values" is silently ignored, while every other
 * kind rejects it (dist_check_extra in sim/scenario/jread.c is skipped for empirical). */
Test(jread, dist_empirical_refuses_a_parameter_it_does_not_take)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [1, 2], "
                                   "\"mean\": 5}}"), "$", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.mean: not a parameter of the empirical distribution "
                              "(it takes values, weights and interpolate)");
}

Test(jread, dist_requires_the_name_and_each_parameter)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"mean\": 1}}"), "$", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.dist: missing required key");
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"normal\", \"mean\": \"5ms\"}}"), "$",
                            "s", true, 1, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.stddev: missing required key");
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\"}}"), "$", "s", true, 0,
                            &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.values: missing required key");
}

Test(jread, dist_with_invalid_parameters_names_the_dist_path)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"exponential\", \"mean\": -5}}"),
                            "$.x", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.x.s: mean must be a finite number > 0, got -5");
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"exponential\", \"mean\": \"0ms\"}}"),
                            "$.x", "s", true, 1, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.x.s: mean must be a finite number > 0, got 0");
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"lognormal\", \"mean\": 1, "
                                   "\"stddev\": -1}}"), "$.x", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.x.s: stddev must be a finite number >= 0, got -1");
}

Test(jread, dist_time_parameter_that_is_negative_is_a_bad_duration)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"exponential\", \"mean\": \"-5ms\"}}"),
                            "$", "s", true, 1, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.mean: expected a non-negative duration like "
                              "\"250ms\", \"30s\", \"1h30m\" (units ns, us, ms, s, m or min, h, d) or a "
                              "number of seconds, got the string \"-5ms\"");
}

Test(jread, dist_empirical_with_more_weights_than_values_is_an_error)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [1, 2], "
                                   "\"weights\": [1, 1, 1]}}"), "$", "s", true, 0, &d),
                 ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.weights: expected 2 weights (one per value), got 3");
}

Test(jread, dist_empirical_with_fewer_weights_than_values_is_an_error)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [1, 2, 3], "
                                   "\"weights\": [1, 1]}}"), "$", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.weights: expected 3 weights (one per value), got 2");
}

/* BUG: with fewer weights than values the array-length check (min_len = n) fires first
 * and says "expected at least 3 elements", although more than 3 are refused too; the
 * dedicated message "expected N weights (one per value), got M" in dist_empirical
 * (sim/scenario/jread.c) is only reachable with too many weights. */
Test(jread, dist_empirical_with_fewer_weights_says_one_weight_per_value)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [1, 2, 3], "
                                   "\"weights\": [1, 1]}}"), "$", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.weights: expected 3 weights (one per value), got 2");
}

Test(jread, dist_empirical_names_the_bad_element)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [1, \"x\"]}}"),
                            "$", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.values[1]: expected a number, got the string \"x\"");
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [1, 2], "
                                   "\"weights\": [1, -1]}}"), "$", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.weights[1]: expected a number >= 0, got the number -1");
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [\"1ms\", "
                                   "\"soon\"]}}"), "$", "s", true, 1, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s.values[1]: expected a non-negative duration like "
                              "\"250ms\", \"30s\", \"1h30m\" (units ns, us, ms, s, m or min, h, d) or a "
                              "number of seconds, got the string \"soon\"");
}

Test(jread, dist_empirical_with_all_zero_weights_is_an_error)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": {\"dist\": \"empirical\", \"values\": [1, 2], "
                                   "\"weights\": [0, 0]}}"), "$", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s: weights must sum to a finite number > 0, got 0");
}

Test(jread, dist_of_the_wrong_type_says_what_is_expected)
{
    zf_dist_t d;
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": true}"), "$", "s", true, 0, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s: expected a distribution object {\"dist\": ...} or a "
                              "number, got true");
    cr_assert_eq(zf_jr_dist(&jr, J("{\"s\": \"fast\"}"), "$", "s", true, 1, &d), ZF_EINVAL);
    cr_assert_str_eq(err.msg, "f.json: $.s: expected a non-negative duration like \"250ms\", "
                              "\"30s\", \"1h30m\" (units ns, us, ms, s, m or min, h, d) or a number of "
                              "seconds, got the string \"fast\"");
}

Test(jread, dist_optional_and_absent_leaves_the_output_alone)
{
    zf_dist_t d = {.kind = ZF_DIST_UNIFORM, .a = 1, .b = 2};
    cr_assert_eq(zf_jr_dist(&jr, J("{}"), "$", "s", false, 1, &d), 0);
    cr_assert_eq(d.kind, ZF_DIST_UNIFORM);
    cr_assert_eq(d.a, 1);
}
