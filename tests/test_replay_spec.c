/* Tests of sim/scenario/replay_spec: faults' "actions", "stop_conditions" and "verify":
 * documented defaults, the shell form, and one exact message (file, JSON path,
 * expectation) per kind of bad input; commands printed for the dry run. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model_fixture.h"
#include "scenario/scenario.h"

#define F "t.json"
#define HEAD "{'name': 'r', 'duration': '1h', 'zones': ['a', 'b'], " \
             "'kinds': [{'name': 'report', 'lb': 'lb', 'service': '5ms', 'db_writes': 1}], " \
             "'workload': {'devices': {'count': 10, 'report': {'kind': 'report'}}}, " \
             "'load_balancers': [{'name': 'lb', 'zones': ['a', 'b'], " \
             "'rules': [{'kinds': '*', 'group': 'g'}]}, {'name': 'lb2', 'zones': ['a'], " \
             "'rules': [{'kinds': '*', 'group': 'g'}]}], " \
             "'groups': [{'name': 'g', 'min': 1, 'max': 1, 'desired': 1}]"
#define FAULT(actions) ", 'faults': [{'name': 'f', 'type': 'zone_outage', 'target': 'b', " \
                       "'after': '10m', 'duration': '5m', 'actions': " actions "}]"
#define CRASH(actions) ", 'faults': [{'name': 'c', 'type': 'instance_crash', 'target': 'g', " \
                       "'after': '10m', 'actions': " actions "}]"

static zf_scenario_t *sc;

static void fini(void)
{
    zf_scenario_free(sc);
    sc = NULL;
}

TestSuite(replay_spec, .fini = fini);

/* HEAD + body + "}" (' for "), in a static buffer. */
static const char *text(const char *body)
{
    static char buf[8192];
    snprintf(buf, sizeof buf, "%s%s}", HEAD, body);
    return buf;
}

/* sc = the scenario HEAD + body; the test fails if it is refused (workload_fixture.h). */
static void accepted(const char *body)
{
    zf_scenario_free(sc);
    sc = fx_parse(text(body));
}

/* The scenario HEAD + body is refused with exactly msg (model_fixture.h). */
static void refused(const char *body, const char *msg)
{
    cr_assert_str_eq(mx_refused(text(body)), msg);
}

/* ---- actions ---- */

Test(replay_spec, a_scenario_without_replay_keys_has_an_empty_spec)
{
    accepted("");
    cr_assert_not_null(sc->replay);
    cr_assert_eq(sc->replay->nfaults, 0);
    cr_assert_eq(sc->replay->nstops, 0);
    cr_assert(!sc->replay->verify.present);
}

Test(replay_spec, actions_default_to_a_30s_timeout_and_healing_at_the_fault_end)
{
    accepted(FAULT("{'inject': ['kill', '-TERM', '42'], 'heal': ['systemctl', 'start', 'x'], "
                   "'env': {'REGION': 'eu-west-1'}}"));
    const zf_fault_actions_t *a = &sc->replay->actions[0];
    cr_assert(a->present);
    cr_assert_eq(a->inject.argc, 3);
    cr_assert_str_eq(a->inject.argv[0], "kill");
    cr_assert_null(a->inject.argv[3]);
    cr_assert(!a->inject.shell);
    cr_assert_str_eq(a->heal.argv[2], "x");
    cr_assert_eq(a->timeout, 30 * ZF_S);
    cr_assert(a->heal_at_fault_end);
    cr_assert_eq(a->nenv, 1);
    cr_assert_str_eq(a->env[0], "REGION=eu-west-1");
}

Test(replay_spec, a_fault_without_a_duration_heals_when_the_replay_stops)
{
    accepted(CRASH("{'inject': ['pkill-like', 'x']}"));
    const zf_fault_actions_t *a = &sc->replay->actions[0];
    cr_assert(!a->heal_at_fault_end);
    cr_assert_eq(a->heal.argc, 0);
    refused(CRASH("{'inject': ['x'], 'at_end': 'heal'}"),
            F ": $.faults[0].actions.at_end: \"heal\" needs a fault with a duration (this one has "
              "none); use \"none\": the heal command then runs when the replay stops");
    accepted(FAULT("{'inject': ['x'], 'heal': ['y'], 'at_end': 'none', 'timeout': '2m'}"));
    cr_assert(!sc->replay->actions[0].heal_at_fault_end);
    cr_assert_eq(sc->replay->actions[0].timeout, 2 * ZF_MIN);
}

Test(replay_spec, shell_commands_are_single_strings_run_by_sh_c)
{
    accepted(FAULT("{'inject': 'ip link set eth0 down && sleep 1', 'shell': true}"));
    const zf_command_spec_t *c = &sc->replay->actions[0].inject;
    cr_assert(c->shell);
    cr_assert_eq(c->argc, 3);
    cr_assert_str_eq(c->argv[0], "/bin/sh");
    cr_assert_str_eq(c->argv[1], "-c");
    cr_assert_str_eq(c->argv[2], "ip link set eth0 down && sleep 1");
    refused(FAULT("{'inject': 'kill 1'}"),
            F ": $.faults[0].actions.inject: expected an argv array of strings such as "
              "[\"kill\", \"-TERM\", \"1234\"] (no shell unless \"shell\": true), got the "
              "string \"kill 1\"");
    refused(FAULT("{'inject': ['kill'], 'shell': true}"),
            F ": $.faults[0].actions.inject: expected a shell command line (a non-empty string, "
              "since \"shell\" is true), got an array");
}

Test(replay_spec, bad_actions_are_named_by_their_path)
{
    refused(FAULT("{'heal': ['x']}"), F ": $.faults[0].actions.inject: missing required key");
    refused(FAULT("{'inject': []}"),
            F ": $.faults[0].actions.inject: expected at least 1 element, got 0");
    refused(FAULT("{'inject': ['kill', 3]}"),
            F ": $.faults[0].actions.inject[1]: expected a non-empty string, got the number 3");
    refused(FAULT("{'inject': ['x'], 'retries': 2}"),
            F ": $.faults[0].actions.retries: unknown key; expected one of: inject, heal, shell, "
              "env, timeout, at_end");
    refused(FAULT("{'inject': ['x'], 'env': {'ZF_FAULT_NAME': 'x'}}"),
            F ": $.faults[0].actions.env.ZF_FAULT_NAME: names starting with ZF_ are set by "
              "zonefall");
    refused(FAULT("{'inject': ['x'], 'env': {'2X': 'y'}}"),
            F ": $.faults[0].actions.env.2X: expected a variable name of letters, digits and '_' "
              "not starting with a digit");
    refused(FAULT("{'inject': ['x'], 'env': {'X': 1}}"),
            F ": $.faults[0].actions.env.X: expected a string, got the number 1");
    refused(FAULT("{'inject': ['x'], 'timeout': '0s'}"),
            F ": $.faults[0].actions.timeout: expected a duration > 0");
    refused(FAULT("{'inject': ['x'], 'at_end': 'later'}"),
            F ": $.faults[0].actions.at_end: expected one of: heal, none, got the string "
              "\"later\"");
}

/* ---- stop conditions ---- */

Test(replay_spec, stop_conditions_have_documented_defaults)
{
    accepted(", 'stop_conditions': [{'error_rate_above': 0.5}, {'command': ['check'], "
             "'every': '5s'}, {'command': ['c'], 'every': '1m'}]");
    const zf_replay_spec_t *r = sc->replay;
    cr_assert_eq(r->nstops, 3);
    cr_assert_eq(r->stops[0].type, ZF_STOP_ERROR_RATE);
    cr_assert_float_eq(r->stops[0].error_rate, 0.5, 1e-12);
    cr_assert_eq(r->stops[0].for_ns, 10 * ZF_S);
    cr_assert_eq(r->stops[1].type, ZF_STOP_COMMAND);
    cr_assert_eq(r->stops[1].every, 5 * ZF_S);
    cr_assert_eq(r->stops[1].timeout, 5 * ZF_S); /* at most every */
    cr_assert_eq(r->stops[2].timeout, 10 * ZF_S);
}

Test(replay_spec, bad_stop_conditions_are_named_by_their_path)
{
    refused(", 'stop_conditions': [{'for': '3s'}]",
            F ": $.stop_conditions[0]: expected either \"error_rate_above\" (with \"for\") or "
              "\"command\" (with \"every\")");
    refused(", 'stop_conditions': [{'error_rate_above': 0.1, 'command': ['x']}]",
            F ": $.stop_conditions[0]: expected either \"error_rate_above\" (with \"for\") or "
              "\"command\" (with \"every\")");
    refused(", 'stop_conditions': [{'error_rate_above': 1.5}]",
            F ": $.stop_conditions[0].error_rate_above: expected a number in [0, 0.999999], got "
              "1.5");
    refused(", 'stop_conditions': [{'error_rate_above': 0.1, 'for': '1500ms'}]",
            F ": $.stop_conditions[0].for: expected whole seconds (the error rate is judged per "
              "second)");
    refused(", 'stop_conditions': [{'error_rate_above': 0.1, 'every': '1s'}]",
            F ": $.stop_conditions[0].every: belongs to a \"command\" condition, not to "
              "\"error_rate_above\"");
    refused(", 'stop_conditions': [{'command': ['x'], 'for': '1s'}]",
            F ": $.stop_conditions[0].for: belongs to \"error_rate_above\"; a command condition "
              "runs \"every\"");
    refused(", 'stop_conditions': {'error_rate_above': 0.1}",
            F ": $.stop_conditions: expected an array, got an object");
}

/* ---- verify ---- */

Test(replay_spec, verify_reads_have_documented_defaults)
{
    accepted(", 'verify': {'target': 'lb2', 'read': {'path': '/v1/writes/{write_id}'}}");
    const zf_verify_spec_t *v = &sc->replay->verify;
    cr_assert(v->present);
    cr_assert_str_eq(v->target, "lb2");
    cr_assert_str_eq(v->method, "GET");
    cr_assert_str_eq(v->path, "/v1/writes/{write_id}");
    cr_assert_eq(v->nfound, 1);
    cr_assert_eq(v->found[0], 200);
    cr_assert_eq(v->nmissing, 1);
    cr_assert_eq(v->missing[0], 404);
    cr_assert_str_eq(v->applied_field, "applied");
    cr_assert_eq(v->concurrency, 64);
    cr_assert_eq(v->timeout, 10 * ZF_S);
    cr_assert_eq(v->command.argc, 0);
    accepted(", 'verify': {'target': 'lb', 'read': {'method': 'POST', 'path': '/q/{write_id}', "
             "'headers': {'Authorization': 'Bearer t'}}, 'found': [200, 204], 'missing': [404, "
             "410], 'applied_field': 'count', 'concurrency': 8, 'timeout': '3s'}");
    v = &sc->replay->verify;
    cr_assert_eq(v->nfound, 2);
    cr_assert_eq(v->missing[1], 410);
    cr_assert_str_eq(v->headers[0], "Authorization: Bearer t");
    cr_assert_eq(v->concurrency, 8);
}

Test(replay_spec, verify_by_command)
{
    accepted(", 'verify': {'command': ['psql', '-c', 'select 1'], 'env': {'PGHOST': 'db'}}");
    const zf_verify_spec_t *v = &sc->replay->verify;
    cr_assert(v->present);
    cr_assert_eq(v->command.argc, 3);
    cr_assert_eq(v->timeout, 5 * ZF_MIN);
    cr_assert_str_eq(v->env[0], "PGHOST=db");
}

Test(replay_spec, bad_verify_sections_are_named_by_their_path)
{
    refused(", 'verify': {'target': 'lb'}",
            F ": $.verify: expected either \"read\" (an HTTP read per write id) or \"command\" (a "
              "program that prints the counts)");
    refused(", 'verify': {'read': {'path': '/w/{write_id}'}}",
            F ": $.verify.target: missing required key (the scenario has 2 load balancers: name "
              "the one that serves the reads)");
    refused(", 'verify': {'target': 'alb', 'read': {'path': '/w/{write_id}'}}",
            F ": $.verify.target: no load balancer named \"alb\" in $.load_balancers");
    refused(", 'verify': {'target': 'lb', 'read': {'path': '/w/{id}'}}",
            F ": $.verify.read.path: expected the placeholder {write_id} in the path");
    refused(", 'verify': {'target': 'lb', 'read': {'path': '/w/{device}/{write_id}'}}",
            F ": $.verify.read.path: only {write_id} can be replaced in a read path");
    refused(", 'verify': {'target': 'lb', 'read': {'path': '/w/{write_id}'}, 'found': [200], "
            "'missing': [200]}",
            F ": $.verify.missing: status 200 is also in \"found\"");
    refused(", 'verify': {'target': 'lb', 'read': {'path': '/w/{write_id}'}, 'found': [99]}",
            F ": $.verify.found[0]: expected an HTTP status 100 to 599, got the number 99");
    refused(", 'verify': {'command': ['x'], 'target': 'lb'}",
            F ": $.verify.target: belongs to \"read\"; a verify \"command\" prints the counts "
              "itself");
    refused(", 'verify': {'target': 'lb', 'read': {'path': '/w/{write_id}'}, 'shell': true}",
            F ": $.verify.shell: belongs to a verify \"command\", not to \"read\"");
}

Test(replay_spec, commands_print_quoted_for_a_shell)
{
    accepted(FAULT("{'inject': ['aws', 'fis', 'start-experiment', '--tags', 'Name=zone b', "
                   "'http://x/?a=1']}"));
    char buf[256];
    cr_assert_str_eq(zf_command_text(&sc->replay->actions[0].inject, buf, sizeof buf),
                     "aws fis start-experiment --tags 'Name=zone b' 'http://x/?a=1'");
    accepted(FAULT("{'inject': 'kill $(cat /run/x.pid)', 'shell': true}"));
    cr_assert_str_eq(zf_command_text(&sc->replay->actions[0].inject, buf, sizeof buf),
                     "sh -c 'kill $(cat /run/x.pid)'");
}
