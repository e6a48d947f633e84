/* Tests of sim/scenario/workload_spec: the "kinds" and "workload" sections: documented
 * defaults, profiles (hourly steps, linear points wrapping at midnight, max and mean),
 * burst windows and targets, and one exact message (file, JSON path, expectation) per
 * kind of bad input. */
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scenario/scenario.h"

#define F "t.json"
#define HEAD "{'name': 'w', 'duration': '1h', 'stations': [{'name': 's', 'service': '1ms'}], " \
             "'sources': [{'name': 'a', 'rate_per_s': 1, 'target': 's'}], "
#define KINDS "'kinds': [{'name': 'report', 'service': '5ms', 'db_writes': 1}, " \
              "{'name': 'gps', 'service': '2ms'}, {'name': 'page', 'service': '20ms'}]"

static zf_err_t err;
static zf_scenario_t *sc;

static void fini(void)
{
    zf_scenario_free(sc);
    sc = NULL;
}

TestSuite(workload_spec, .fini = fini);

/* Parses HEAD + body + "}" with ' standing for "; sc holds the scenario or NULL. */
static int parse(const char *body)
{
    size_t n = strlen(HEAD) + strlen(body) + 2;
    char *buf = malloc(n);
    cr_assert_not_null(buf);
    snprintf(buf, n, "%s%s}", HEAD, body);
    for (char *c = buf; *c; c++)
        *c = *c == '\'' ? '"' : *c;
    memset(&err, 0, sizeof err);
    zf_scenario_free(sc);
    sc = NULL;
    int rc = zf_scenario_parse(F, buf, &sc, &err);
    free(buf);
    return rc;
}

static void accepted(const char *body)
{
    cr_assert_eq(parse(body), 0, "refused: %s", err.msg);
}

static void refused(const char *body, const char *msg)
{
    cr_assert_eq(parse(body), ZF_EINVAL, "accepted: %s", body);
    cr_assert_str_eq(err.msg, msg);
}

/* ---- defaults ---- */

Test(workload_spec, a_scenario_without_kinds_or_workload_has_no_traffic)
{
    cr_assert_eq(parse("'x': 1"), ZF_EINVAL); /* sanity: HEAD alone needs closing */
    accepted("'seed': 3");
    cr_assert_eq(sc->nkinds, 0);
    cr_assert_eq(sc->workload.fleet.count, 0);
    cr_assert_eq(sc->workload.nsources, 0);
    cr_assert_eq(sc->workload.web.nmix, 0);
}

Test(workload_spec, kinds_get_the_documented_defaults)
{
    accepted(KINDS);
    cr_assert_eq(sc->nkinds, 3);
    const zf_kind_spec_t *k = &sc->kinds[0];
    cr_assert_str_eq(k->name, "report");
    cr_assert_str_eq(k->lb_name, "");
    cr_assert_eq(k->lb, -1);
    cr_assert_eq(k->service.kind, ZF_DIST_DETERMINISTIC);
    cr_assert_eq(k->service.a, 5e6);
    cr_assert_eq(k->db_reads, 0);
    cr_assert_eq(k->db_writes, 1);
    cr_assert_eq(k->must_not_lose, false);
    cr_assert_eq(k->timeout, 30 * ZF_S);
    cr_assert_str_eq(k->http.method, "GET");
    cr_assert_str_eq(k->http.path, "/");
    cr_assert_null(k->http.body);
    cr_assert_eq(k->http.nheaders, 0);
}

Test(workload_spec, a_kind_carries_its_route_costs_and_http_template)
{
    /* "lb" is resolved by the infrastructure parser against $.load_balancers */
    accepted("'kinds': [{'name': 'report', 'service': {'dist': "
             "'exponential', 'mean': '4ms'}, 'db_reads': 2, 'db_writes': 1, 'must_not_lose': "
             "true, 'timeout': '10s', 'http': {'method': 'POST', 'path': "
             "'/v1/devices/{device}/reports', 'headers': {'Content-Type': 'application/json', "
             "'X-Write-Id': '{write_id}'}, 'body': '{\\'write_id\\': {write_id}, \\'seq\\': "
             "{seq}}'}}]");
    const zf_kind_spec_t *k = &sc->kinds[0];
    cr_assert_eq(k->service.kind, ZF_DIST_EXPONENTIAL);
    cr_assert_eq(k->db_reads, 2);
    cr_assert(k->must_not_lose);
    cr_assert_eq(k->timeout, 10 * ZF_S);
    cr_assert_str_eq(k->http.method, "POST");
    cr_assert_str_eq(k->http.path, "/v1/devices/{device}/reports");
    cr_assert_eq(k->http.nheaders, 2);
    cr_assert_str_eq(k->http.headers[0], "Content-Type: application/json");
    cr_assert_str_eq(k->http.headers[1], "X-Write-Id: {write_id}");
    cr_assert_str_eq(k->http.body, "{\"write_id\": {write_id}, \"seq\": {seq}}");
}

Test(workload_spec, a_fleet_gets_the_documented_defaults)
{
    accepted(KINDS ", 'workload': {'devices': {'count': 100, 'report': {'kind': 'report'}, "
             "'trips': {'gps_kind': 'gps'}}}");
    const zf_fleet_spec_t *f = &sc->workload.fleet;
    cr_assert_eq(f->count, 100);
    cr_assert_eq(f->report_kind, 0);
    cr_assert_eq(f->report_interval, 30 * ZF_MIN);
    cr_assert_eq(f->report_jitter, ZF_MIN);
    cr_assert_eq(f->trips_per_day, 2.0);
    cr_assert_eq(f->trip_duration.kind, ZF_DIST_LOGNORMAL);
    cr_assert_float_eq(zf_dist_mean(&f->trip_duration), 25.0 * ZF_MIN, 1e3);
    cr_assert_float_eq(sqrt(zf_dist_variance(&f->trip_duration)), 15.0 * ZF_MIN, 1e3);
    cr_assert_eq(f->gps_interval, 60 * ZF_S);
    cr_assert_eq(f->gps_kind, 1);
    cr_assert_eq(f->ignition_kind, ZF_KIND_NONE);
    cr_assert_eq(f->breath_kind, ZF_KIND_NONE);
    cr_assert_eq(f->breath_delay, 30 * ZF_S);
    cr_assert_eq(f->buffer_limit, 1000);
    cr_assert_eq(f->retry.base, 5 * ZF_S);
    cr_assert_eq(f->retry.cap, 10 * ZF_MIN);
    cr_assert_eq(f->retry.max_attempts, 10);
    cr_assert(f->retry.full_jitter);
    cr_assert_eq(f->reconnect_jitter, 5 * ZF_MIN);
    cr_assert_not(f->keepalive);
    cr_assert_eq(f->trip_profile.n, 0, "the trip profile defaults to the (flat) daily one");
}

Test(workload_spec, locations_agencies_web_and_sources_get_their_defaults)
{
    accepted(KINDS ", 'workload': {'start': '06:00', 'profile': {'hourly': [1, 1, 1, 1, 1, 1, "
             "2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 1, 1, 1, 1, 1, 1]}, 'locations': "
             "{'calibration_kind': 'report'}, 'agencies': {'count': 4, 'batches': [{'at': "
             "'05:00', 'queries': 3, 'kind': 'page'}]}, 'web': {'peak_rate_per_s': 5, 'mix': "
             "[{'kind': 'page'}]}, 'sources': [{'name': 'api', 'kind': 'gps', 'rate_per_s': 2}]}");
    const zf_workload_spec_t *w = &sc->workload;
    cr_assert_eq(w->start_tod, 6 * ZF_HOUR);
    cr_assert_eq(w->locations.count, 3500);
    cr_assert_eq(w->locations.open, 8 * ZF_HOUR);
    cr_assert_eq(w->locations.close, 18 * ZF_HOUR);
    cr_assert_eq(w->locations.calibrations_per_day, 5.0);
    cr_assert_eq(w->locations.calibration_kind, 0);
    cr_assert_eq(w->locations.downloads_per_day, 0.0);
    cr_assert_eq(w->locations.download_kind, ZF_KIND_NONE);
    cr_assert_eq(w->agencies.nbatches, 1);
    cr_assert_eq(w->agencies.batches[0].at, 5 * ZF_HOUR);
    cr_assert_eq(w->agencies.batches[0].spread, 10 * ZF_MIN);
    cr_assert_eq(w->agencies.batches[0].kind, 2);
    cr_assert_eq(w->web.users, 10000);
    cr_assert_eq(w->web.mix[0].weight, 1.0);
    cr_assert_eq(w->web.profile.n, 24, "web follows the daily profile by default");
    cr_assert_eq(w->web.profile.max, 3.0);
    cr_assert_eq(w->nsources, 1);
    cr_assert_eq(w->sources[0].profile.n, 0, "a kind source is flat by default");
    cr_assert_eq(w->sources[0].profile.max, 1.0);
}

/* ---- profiles ---- */

Test(workload_spec, an_hourly_profile_is_a_step_function_with_its_mean_and_max)
{
    accepted("'workload': {'profile': {'hourly': [0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 4, 4, "
             "4, 4, 4, 4, 1, 1, 1, 1, 1, 1]}}");
    const zf_profile_t *p = &sc->workload.profile;
    cr_assert(p->step);
    cr_assert_eq(p->n, 24);
    cr_assert_eq(p->max, 4.0);
    cr_assert_float_eq(p->mean, 1.5, 1e-12);
    cr_assert_eq(zf_profile_at(p, 0, 5 * ZF_HOUR + 59 * ZF_MIN), 0.0);
    cr_assert_eq(zf_profile_at(p, 0, 6 * ZF_HOUR), 1.0);
    cr_assert_eq(zf_profile_at(p, 0, 12 * ZF_HOUR + 30 * ZF_MIN), 4.0);
    cr_assert_eq(zf_profile_at(p, 6 * ZF_HOUR, 6 * ZF_HOUR), 4.0, "start at 06:00");
    cr_assert_eq(zf_profile_at(p, 0, ZF_DAY + 13 * ZF_HOUR), 4.0, "repeats every day");
}

Test(workload_spec, points_are_linear_between_them_and_wrap_at_midnight)
{
    accepted("'workload': {'profile': {'points': [['06:00', 1], ['18:00', 3]]}}");
    const zf_profile_t *p = &sc->workload.profile;
    cr_assert_not(p->step);
    cr_assert_eq(p->n, 2);
    cr_assert_float_eq(zf_profile_at(p, 0, 6 * ZF_HOUR), 1.0, 1e-12);
    cr_assert_float_eq(zf_profile_at(p, 0, 12 * ZF_HOUR), 2.0, 1e-12);
    cr_assert_float_eq(zf_profile_at(p, 0, 18 * ZF_HOUR), 3.0, 1e-12);
    cr_assert_float_eq(zf_profile_at(p, 0, 0), 2.0, 1e-12, "midway from 18:00 to 06:00");
    cr_assert_float_eq(zf_profile_at(p, 0, 21 * ZF_HOUR), 2.5, 1e-12);
    cr_assert_float_eq(zf_profile_at(p, 3 * ZF_HOUR, 0), 1.5, 1e-12, "t = 0 is 03:00");
    cr_assert_eq(p->max, 3.0);
    cr_assert_float_eq(p->mean, 2.0, 1e-12);
}

Test(workload_spec, an_absent_profile_is_flat_one)
{
    zf_profile_t p = {0};
    zf_profile_finish(&p);
    cr_assert_eq(p.max, 1.0);
    cr_assert_eq(p.mean, 1.0);
    cr_assert_eq(zf_profile_at(&p, 0, 5 * ZF_HOUR), 1.0);
}

/* ---- bursts ---- */

Test(workload_spec, bursts_start_at_a_time_of_day_or_after_an_offset)
{
    accepted(KINDS ", 'workload': {'start': '06:00', 'devices': {'count': 10}, 'sources': "
             "[{'name': 'api', 'kind': 'page', 'rate_per_s': 1}], 'bursts': [{'name': "
             "'storm', 'at': '07:40', 'duration': '20m', 'multiplier': 3, 'applies_to': "
             "['web', 'api']}, {'name': 'late', 'at': '05:00', 'duration': '1h', "
             "'multiplier': 0.5}, {'name': 'fleet', 'after': '1h40m', 'duration': '10m', "
             "'fleet_fraction': 0.3, 'kind': 'report'}]}");
    const zf_burst_spec_t *b = sc->workload.bursts;
    cr_assert_eq(sc->workload.nbursts, 3);
    cr_assert_eq(b[0].start, 100 * ZF_MIN);
    cr_assert_eq(b[0].duration, 20 * ZF_MIN);
    cr_assert_eq(b[0].multiplier, 3.0);
    cr_assert_eq(b[0].applies, ZF_BURST_WEB);
    cr_assert_eq(b[0].nsources, 1);
    cr_assert_eq(b[0].sources[0], 0);
    cr_assert_eq(b[1].start, 23 * ZF_HOUR, "the next 05:00 after a 06:00 start");
    cr_assert_eq(b[1].applies, ZF_BURST_DEVICES | ZF_BURST_LOCATIONS | ZF_BURST_AGENCIES |
                                   ZF_BURST_WEB | ZF_BURST_SOURCES);
    cr_assert_eq(b[2].start, 100 * ZF_MIN);
    cr_assert_eq(b[2].fleet_fraction, 0.3);
    cr_assert_eq(b[2].kind, 0);
}

/* ---- refusals ---- */

#define DEV "'workload': {'devices': {'count': 10, "

Test(workload_spec, an_unknown_kind_name_is_refused_with_its_path)
{
    refused(KINDS ", " DEV "'report': {'kind': 'reprt'}}}",
            F ": $.workload.devices.report.kind: no kind named \"reprt\" in $.kinds");
}

Test(workload_spec, unknown_keys_are_refused_with_the_allowed_list)
{
    refused(KINDS ", " DEV "'colour': 'red'}}",
            F ": $.workload.devices.colour: unknown key; expected one of: count, report, "
              "trips, buffer_limit, retry, reconnect_jitter, connection");
    refused(KINDS ", 'workload': {'webb': {}}",
            F ": $.workload.webb: unknown key; expected one of: start, profile, devices, "
              "locations, agencies, web, sources, bursts");
}

Test(workload_spec, duplicate_kind_names_are_refused)
{
    refused("'kinds': [{'name': 'k', 'service': '1ms'}, {'name': 'k', 'service': '2ms'}]",
            F ": $.kinds[1]: duplicate kind name \"k\"");
}

Test(workload_spec, a_kind_needs_a_service_time_and_writes_to_be_kept)
{
    refused("'kinds': [{'name': 'k'}]", F ": $.kinds[0].service: missing required key");
    refused("'kinds': [{'name': 'k', 'service': '1ms', 'must_not_lose': true}]",
            F ": $.kinds[0].must_not_lose: a kind that must not be lost must write: expected "
              "db_writes >= 1");
}

Test(workload_spec, http_templates_are_checked)
{
    refused("'kinds': [{'name': 'k', 'service': '1ms', 'http': {'path': '/d/{devise}'}}]",
            F ": $.kinds[0].http.path: unknown placeholder {devise}; expected {device}, "
              "{entity}, {seq}, {write_id}, {time_ms} or {kind}");
    refused("'kinds': [{'name': 'k', 'service': '1ms', 'http': {'method': 'FETCH'}}]",
            F ": $.kinds[0].http.method: expected one of: GET, POST, PUT, PATCH, DELETE, "
              "HEAD, OPTIONS, got the string \"FETCH\"");
    refused("'kinds': [{'name': 'k', 'service': '1ms', 'http': {'path': 'v1'}}]",
            F ": $.kinds[0].http.path: expected a path starting with '/', without spaces, of "
              "at most 255 characters");
    refused("'kinds': [{'name': 'k', 'service': '1ms', 'http': {'headers': ['X: 1']}}]",
            F ": $.kinds[0].http.headers: expected an object of header names to values, got "
              "an array");
    refused("'kinds': [{'name': 'k', 'service': '1ms', 'http': {'headers': {'X Y': '1'}}}]",
            F ": $.kinds[0].http.headers.X Y: expected an HTTP header name (letters, digits "
              "and !#$%&'*+-.^_`|~)");
}

Test(workload_spec, profiles_are_checked)
{
    refused("'workload': {'profile': {'hourly': [1, 2, 3]}}",
            F ": $.workload.profile.hourly: expected 24 hourly values, got 3");
    refused("'workload': {'profile': {'hourly': [1], 'points': [['00:00', 1]]}}",
            F ": $.workload.profile: expected exactly one of \"hourly\" (24 values) or "
              "\"points\" ([\"HH:MM\", value] pairs)");
    refused("'workload': {'profile': {'points': [['08:00', 1], ['07:00', 2]]}}",
            F ": $.workload.profile.points[1]: expected times of day in increasing order");
    refused("'workload': {'profile': {'points': [['08:00', -1]]}}",
            F ": $.workload.profile.points[0]: expected a point [\"HH:MM\", value >= 0] with a "
              "time of day before 24:00, got an array");
    refused("'workload': {'profile': {'points': [['08:00', 0], ['09:00', 0]]}}",
            F ": $.workload.profile.points: expected at least one value > 0");
}

Test(workload_spec, fleet_timings_are_checked)
{
    refused(KINDS ", " DEV "'report': {'kind': 'report', 'interval': '1m', 'jitter': '2m'}}}",
            F ": $.workload.devices.report.jitter: expected at most the interval");
    refused(KINDS ", " DEV "'retry': {'base': '10s', 'cap': '5s'}}}",
            F ": $.workload.devices.retry.cap: expected at least the base");
    refused(KINDS ", " DEV "'retry': {'max_attempts': 0}}}",
            F ": $.workload.devices.retry.max_attempts: expected an integer in [1, 255], got 0");
    refused(KINDS ", " DEV "'connection': 'sticky'}}",
            F ": $.workload.devices.connection: expected one of: new, keepalive, got the "
              "string \"sticky\"");
    refused(KINDS ", " DEV "'trips': {'per_day': 2}}}",
            F ": $.workload.devices.trips.gps_kind: missing required key");
}

Test(workload_spec, locations_agencies_and_web_are_checked)
{
    refused(KINDS ", 'workload': {'locations': {'calibrations_per_day': 3}}",
            F ": $.workload.locations.calibration_kind: missing required key "
              "(calibrations_per_day is set)");
    refused(KINDS ", 'workload': {'locations': {'hours': ['09:00', '09:00']}}",
            F ": $.workload.locations.hours: expected different opening and closing times");
    refused(KINDS ", 'workload': {'agencies': {'count': 3}}",
            F ": $.workload.agencies.batches: missing required key");
    refused(KINDS ", 'workload': {'agencies': {'count': 3, 'batches': [{'at': '25:00', "
                  "'queries': 1, 'kind': 'page'}]}}",
            F ": $.workload.agencies.batches[0].at: expected a time of day \"HH:MM\" or "
              "\"HH:MM:SS\" (00:00 to 24:00), got the string \"25:00\"");
    refused(KINDS ", 'workload': {'web': {'peak_rate_per_s': 5, 'mix': [{'kind': 'page', "
                  "'weight': 0}]}}",
            F ": $.workload.web.mix: expected at least one weight > 0");
    refused(KINDS ", 'workload': {'sources': [{'name': 'web', 'kind': 'page', 'rate_per_s': "
                  "1}]}",
            F ": $.workload.sources[0].name: \"web\" is reserved (a class name of bursts' "
              "applies_to)");
}

Test(workload_spec, bursts_are_checked)
{
    refused(KINDS ", 'workload': {'bursts': [{'name': 'b', 'at': '07:00', 'after': '1h', "
                  "'duration': '1h', 'multiplier': 2}]}",
            F ": $.workload.bursts[0]: expected exactly one of \"at\" (a time of day) or "
              "\"after\" (a duration from the start)");
    refused(KINDS ", 'workload': {'bursts': [{'name': 'b', 'after': '1h', 'duration': '1h', "
                  "'multiplier': 2, 'applies_to': ['phones']}]}",
            F ": $.workload.bursts[0].applies_to[0]: expected devices, locations, agencies, "
              "web, sources or a name in $.workload.sources, got the string \"phones\"");
    refused(KINDS ", 'workload': {'bursts': [{'name': 'b', 'after': '1h', 'duration': '1h', "
                  "'fleet_fraction': 0.5, 'kind': 'report'}]}",
            F ": $.workload.bursts[0].fleet_fraction: needs a device fleet ($.workload.devices)");
    refused(KINDS ", 'workload': {'devices': {'count': 10}, 'bursts': [{'name': 'b', 'after': "
                  "'1h', 'duration': '1h', "
                  "'fleet_fraction': 0.5, 'kind': 'report', 'multiplier': 2}]}",
            F ": $.workload.bursts[0].multiplier: not allowed with fleet_fraction");
    refused(KINDS ", 'workload': {'bursts': [{'name': 'b', 'after': '1h', 'duration': '1h', "
                  "'multiplier': 2}, {'name': 'b', 'after': '2h', 'duration': '1h', "
                  "'multiplier': 2}]}",
            F ": $.workload.bursts[1]: duplicate burst name \"b\"");
}
