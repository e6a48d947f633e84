/* Tests of sim/model/group (launches and their zones, health-based replacement, scaling
 * policies and their alarms, cooldown, warm-up, rebalancing, rolling releases, cost)
 * through the public API, on deterministic scenarios with hand-computable answers. */
#include "model_fixture.h"

/* One zone; devices report every second with no jitter, each report costing 100 ms of CPU
 * (deterministic). A group of two one-core instances launched in 30 s. %s: workload
 * extras (bursts), group options, faults. */
#define G1(n, extra, gopts, faults)                                                         \
    "{'name': 'scale', 'duration': '1200s', 'zones': ['a'],"                                \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '100ms', 'timeout': '30s'}],"         \
    " 'workload': {'devices': {'count': " #n ", 'report': {'kind': 'r', 'interval': '1s',"  \
    "   'jitter': '0s'}}" extra "},"                                                         \
    " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"       \
    " 'groups': [{'name': 'app', 'min': 2, 'max': 10, 'desired': 2,"                        \
    "   'instance': {'vcpus': 1, 'launch_time': '30s'}" gopts "}],"                          \
    " 'faults': [" faults "]}"

#define QUIET ", 'bursts': [{'name': 'quiet', 'after': '240s', 'duration': '960s'," \
              " 'multiplier': 0, 'applies_to': ['devices']}]"
#define TT ", 'scaling': {'policy': 'target_tracking', 'target_cpu': 0.5, 'cooldown': '600s'," \
           " 'scale_in': {'periods': 2}}"

static double desired_at(const char *text, zf_time_t until)
{
    mx_run_t r;
    mx_run_until(&r, text, 1, until);
    double d = mx_metric(&r, "groups.app.desired_at_end");
    mx_free(&r);
    return d;
}

/* Target tracking. 16 reports a second of 100 ms each over two one-core instances keep
 * each at 0.8 CPU, above the 0.5 target. The scale-out alarm wants 3 of 3 one-minute
 * periods above: its datapoints come at 60, 120 and 180 s, so at exactly 180 s the desired
 * capacity becomes ceil(2 x 0.8 / 0.5) = ceil(3.2) = 4 (the metric is 0.8 less the work
 * still running at a period's end, 0.798: still 4). From 240 s the devices fall silent
 * (a burst of multiplier 0): the scale-in alarm (2 of 2 periods below 0.9 x target) is
 * raised from 360 s, but the 600 s cooldown after the scale-out holds it until 780 s;
 * then desired = max(min, ceil(4 x 0 / 0.5)) = 2, and two instances drain for the
 * deregistration delay (300 s) and terminate at 1080 s.
 * Instance-hours: two from 0 to 1200 s and two from their launch at 180 s to 1080 s:
 * (2 x 1200 + 2 x 900) / 3600 = 7/6 h. */
Test(group, target_tracking_scales_out_after_three_periods_and_in_after_cooldown)
{
    const char *text = G1(16, QUIET, TT, "");
    cr_assert_eq(desired_at(text, 179 * ZF_S), 2);
    cr_assert_eq(desired_at(text, 180 * ZF_S), 4);
    cr_assert_eq(desired_at(text, 779 * ZF_S), 4, "scale-in must wait for the cooldown");
    cr_assert_eq(desired_at(text, 780 * ZF_S), 2);
    mx_run_t r;
    mx_run(&r, text, 1);
    cr_assert_eq(mx_metric(&r, "groups.app.launches"), 4);
    cr_assert_eq(mx_at(&r, "instances.app.a", 208), 2, "launching: not in service yet");
    cr_assert_eq(mx_at(&r, "instances.app.a", 210), 4, "in service 30 s after the launch");
    cr_assert_eq(mx_at(&r, "instances.app.a", 779), 4);
    cr_assert_eq(mx_at(&r, "instances.app.a", 780), 2, "draining: out of service");
    double hours = mx_metric(&r, "cost.instance_hours.app");
    cr_assert(fabs(hours - 7.0 / 6) < 1e-9, "%.9f instance-hours, expected 7/6", hours);
    cr_assert_eq(mx_metric(&r, "cost.instance_hours"), hours);
    cr_assert_eq(r.rec.failed, 0);
    mx_free(&r);
}

/* Step scaling: +2 when the CPU is at or above 0.7 for 3 of 3 periods: 4 at 180 s. */
Test(group, step_scaling_adds_its_step_after_the_alarm)
{
    const char *text = G1(16, "", ", 'scaling': {'policy': 'step', 'scale_out_threshold': 0.7,"
                                  " 'steps': [{'lower': 0.7, 'adjust': 2}]}", "");
    cr_assert_eq(desired_at(text, 179 * ZF_S), 2);
    cr_assert_eq(desired_at(text, 180 * ZF_S), 4);
}

/* Under the target, nothing moves: 8 reports a second keep each instance at 0.4. */
Test(group, no_scaling_below_the_target)
{
    mx_run_t r;
    mx_run_until(&r, G1(8, "", TT, ""), 1, 600 * ZF_S);
    cr_assert_eq(mx_metric(&r, "groups.app.desired_at_end"), 2);
    cr_assert_eq(mx_metric(&r, "groups.app.launches"), 2);
    double cpu = mx_at(&r, "cpu.app", 100);
    cr_assert(fabs(cpu - 0.4) < 0.11, "cpu %g", cpu);
    mx_free(&r);
}

/* Three zones, two instances in each, health checks every 10 s (2 to fail, 2 to pass),
 * launches of 30 s. Zone a is lost from 60 s to 360 s. */
#define G3(gopts, faults)                                                                   \
    "{'name': 'zones', 'duration': '900s', 'zones': ['a', 'b', 'c'],"                      \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"          \
    " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 20}]},"        \
    " 'load_balancers': [{'name': 'lb', 'dns_ttl': '0s', 'dns_update_delay': '0s',"        \
    "   'health_check': {'interval': '10s', 'timeout': '5s', 'unhealthy_threshold': 2,"     \
    "   'healthy_threshold': 2}, 'rules': [{'kinds': '*', 'group': 'app'}]}],"               \
    " 'groups': [{'name': 'app', 'instance': {'launch_time': '30s'}" gopts "}],"           \
    " 'faults': [" faults "]}"
#define LOSE_A "{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a', 'after': '60s'," \
               " 'duration': '300s'}"

/* The two instances of a are marked unhealthy within 20 s and replaced at once; launches
 * cannot go to the impaired zone a and go to the zones with the fewest instances, b then
 * c: by 110 s, b and c run 3 each. When a returns at 360 s, rebalancing launches one in a
 * first (launch before terminate: 7 in service from 390 s, one above max 6), and once it
 * is healthy, at the next period (420 s), drains the oldest instance of the fullest zone;
 * then the same again: 2 in each zone from 480 s, never more than 7 in service. */
Test(group, lost_zone_is_replaced_elsewhere_and_rebalanced_when_it_returns)
{
    mx_run_t r;
    mx_run(&r, G3(", 'min': 6, 'max': 6", LOSE_A), 2);
    cr_assert_eq(mx_at(&r, "instances.app.a", 59), 2);
    cr_assert_eq(mx_at(&r, "instances.app.a", 60), 0);
    cr_assert_eq(mx_at(&r, "instances.app.b", 110) + mx_at(&r, "instances.app.c", 110), 6);
    cr_assert_eq(mx_at(&r, "instances.app.b", 110), 3);
    cr_assert_eq(mx_metric(&r, "groups.app.launch_failures"), 0);
    cr_assert_eq(mx_metric(&r, "groups.app.replacements"), 2);
    double most = 0;
    for (size_t s = 0; s < r.nrows; s++) {
        double n = mx_at(&r, "instances.app.a", s) + mx_at(&r, "instances.app.b", s) +
                   mx_at(&r, "instances.app.c", s);
        most = n > most ? n : most;
    }
    cr_assert_eq(most, 7, "at most one above desired while rebalancing, got %g", most);
    cr_assert_eq(mx_at(&r, "instances.app.a", 389), 0);
    cr_assert_eq(mx_at(&r, "instances.app.a", 390), 1);
    for (size_t s = 480; s < r.nrows; s++)
        cr_assert(mx_at(&r, "instances.app.a", s) == 2 && mx_at(&r, "instances.app.b", s) == 2 &&
                      mx_at(&r, "instances.app.c", s) == 2,
                  "second %zu: not balanced", s);
    /* 6 initial + 2 replacements + 2 rebalancing launches */
    cr_assert_eq(mx_metric(&r, "groups.app.launches"), 10);
    mx_free(&r);
}

/* A group that lives only in zone a cannot replace its instance while a is lost: the
 * replacement after detection (within 20 s) fails, and so does each retry at the metric
 * periods 120, 180, 240 and 300 s: 5 launch failures. Zone a returns at 360 s (before
 * the period of 360 s is handled) and the launch then succeeds: in service at 390 s. */
Test(group, launches_fail_while_the_only_zone_is_impaired)
{
    mx_run_t r;
    mx_run(&r, G3(", 'zones': ['a'], 'min': 1, 'max': 1", LOSE_A), 2);
    cr_assert_eq(mx_metric(&r, "groups.app.launch_failures"), 5);
    cr_assert_eq(mx_at(&r, "instances.app.a", 389), 0);
    cr_assert_eq(mx_at(&r, "instances.app.a", 390), 1);
    mx_free(&r);
}

/* Health-check grace. In a zone that adds 3 s each way, every health check (timeout 5 s)
 * fails. The first instance is past its grace and is replaced within 20 s; each
 * replacement fails its checks inside its 60 s grace period and must be replaced when the
 * grace ends (EC2 Auto Scaling checks health after the grace period), not kept unhealthy
 * for ever: a cycle of at most 30 + 60 + 10 s, so at least 3 replacements in 400 s. */
Test(group, instance_unhealthy_through_its_grace_is_replaced_after_it)
{
    mx_run_t r;
    mx_run_until(&r, G3(", 'zones': ['a'], 'min': 1, 'max': 1, 'health_check_grace': '60s'",
                        "{'name': 'slow-a', 'type': 'zone_degradation', 'target': 'a',"
                        " 'after': '0s', 'duration': '900s', 'added_latency': '3s'}"),
                 2, 400 * ZF_S);
    double n = mx_metric(&r, "groups.app.replacements");
    cr_assert_geq(n, 3, "%g replacements", n);
    mx_free(&r);
}

/* Rolling release of 4 instances one at a time (deregistration delay 5 s, deploy 20 s,
 * health checks every 5 s, 2 to pass), with capacity to spare: no request fails, no
 * instance is launched, each instance is out of service exactly once for 5 + 20 s (the
 * in-service count dips by the batch size, 1, and the instance-seconds out of service add
 * up to 4 x 25 = 100), and every instance is redeployed once. */
Test(group, rolling_release_redeploys_each_instance_once_without_failures)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'release', 'duration': '600s', 'zones': ['a'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 40}]},"
           " 'load_balancers': [{'name': 'lb', 'deregistration_delay': '5s',"
           "   'health_check': {'interval': '5s', 'timeout': '2s', 'healthy_threshold': 2},"
           "   'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'min': 4, 'max': 4}],"
           " 'faults': [{'name': 'v2', 'type': 'rolling_release', 'target': 'app',"
           "   'after': '60s', 'batch_size': 1, 'deploy_time': '20s'}]}",
           6);
    cr_assert_eq(r.rec.failed, 0);
    cr_assert_eq(mx_metric(&r, "groups.app.launches"), 4);
    cr_assert_eq(mx_metric(&r, "faults.v2.redeployed"), 4);
    double out = 0, least = 4;
    for (size_t s = 0; s < r.nrows; s++) {
        double n = mx_at(&r, "instances.app.a", s);
        out += 4 - n;
        least = n < least ? n : least;
    }
    cr_assert_eq(least, 3, "dips by the batch size");
    cr_assert_eq(out, 100, "%g instance-seconds out of service", out);
    cr_assert_eq(mx_at(&r, "instances.app.a", 59), 4);
    cr_assert_eq(mx_at(&r, "instances.app.a", 60), 3);
    cr_assert_eq(mx_at(&r, "instances.app.a", r.nrows - 1), 4);
    mx_free(&r);
}

/* A release whose deregistration delay (1 s) is shorter than the requests (5 s): what is
 * still in flight on an instance when its delay ends is cut (instance_lost), as before a
 * termination, once per batch: failures in exactly two seconds, 1 s after each of the two
 * instances left service. */
Test(group, rolling_release_cuts_requests_still_in_flight_after_the_deregistration_delay)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'release', 'duration': '300s', 'zones': ['a'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '5s', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 4}]},"
           " 'load_balancers': [{'name': 'lb', 'deregistration_delay': '1s',"
           "   'health_check': {'interval': '5s', 'timeout': '2s', 'healthy_threshold': 2},"
           "   'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'min': 2, 'max': 2, 'instance': {'vcpus': 64}}],"
           " 'faults': [{'name': 'v2', 'type': 'rolling_release', 'target': 'app',"
           "   'after': '60s', 'deploy_time': '10s'}]}",
           6);
    cr_assert_gt(r.rec.failed, 0);
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_INSTANCE_LOST]);
    cr_assert_gt(r.rec.per_sec_failed[61], 0, "first batch cut at 61 s");
    size_t seconds = 0;
    for (size_t s = 0; s < r.rec.nsec; s++)
        seconds += r.rec.per_sec_failed[s] > 0;
    cr_assert_eq(seconds, 2);
    cr_assert_eq(mx_metric(&r, "faults.v2.redeployed"), 2);
    mx_free(&r);
}

/* Launch before terminate, also when a launch outlasts a metric period: with 90 s
 * launches, the rebalancing instance started when zone a returns (360 s) is still booting
 * at the next period (420 s); it is above desired by design, so nothing in service may be
 * drained before it serves. Once the replacements are in service (by 170 s), the group
 * never has fewer than its 6 in service. */
Test(group, rebalancing_drains_nothing_before_its_new_instance_serves)
{
    mx_run_t r;
    char *text = strdup(G3(", 'min': 6, 'max': 6", LOSE_A));
    char *p = strstr(text, "'launch_time': '30s'");
    cr_assert_not_null(p);
    memcpy(p + strlen("'launch_time': '"), "90", 2);
    mx_run(&r, text, 2);
    free(text);
    for (size_t s = 170; s < r.nrows; s++) {
        double n = mx_at(&r, "instances.app.a", s) + mx_at(&r, "instances.app.b", s) +
                   mx_at(&r, "instances.app.c", s);
        cr_assert_geq(n, 6, "second %zu: %g in service", s, n);
    }
    cr_assert_eq(mx_at(&r, "instances.app.a", r.nrows - 1), 2);
    mx_free(&r);
}

/* A request keeps its group's index in one byte: more than 255 groups are refused (the
 * requests of the 256th went to the first). 256 kinds, each routed to its own group. */
Test(group, more_than_255_groups_are_refused)
{
    size_t cap = 128 * 1024, n = 0;
    char *text = malloc(cap);
    cr_assert_not_null(text);
    n += (size_t)snprintf(text + n, cap - n, "{'name': 'many', 'duration': '10s', 'zones': ['a'],"
                                             " 'workload': {'sources': [{'name': 's', 'kind': 'k0',"
                                             " 'rate_per_s': 1}]}, 'kinds': [");
    for (int g = 0; g < 256; g++)
        n += (size_t)snprintf(text + n, cap - n, "%s{'name': 'k%d', 'lb': 'lb', 'service': '1ms'}",
                              g ? ", " : "", g);
    n += (size_t)snprintf(text + n, cap - n, "], 'load_balancers': [{'name': 'lb', 'rules': [");
    for (int g = 0; g < 256; g++)
        n += (size_t)snprintf(text + n, cap - n, "%s{'kinds': ['k%d'], 'group': 'g%d'}",
                              g ? ", " : "", g, g);
    n += (size_t)snprintf(text + n, cap - n, "]}], 'groups': [");
    for (int g = 0; g < 256; g++)
        n += (size_t)snprintf(text + n, cap - n, "%s{'name': 'g%d'}", g ? ", " : "", g);
    snprintf(text + n, cap - n, "]}");
    const char *msg = mx_refused(text);
    free(text);
    cr_assert(strstr(msg, "$.groups") && strstr(msg, "255"), "%s", msg);
}
