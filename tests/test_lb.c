/* Tests of sim/model/lb (load balancer nodes, DNS answers and client caches, health checks,
 * target choice, fail-open) through the public API, on small scenarios whose answers can
 * be computed by hand. Each test derives its expectation in a comment. */
#include "model_fixture.h"

/* Three zones, one load balancer with a node in each, one group "app" with one instance
 * per zone, no database. 90 devices report every second with no jitter, so every second
 * holds exactly 90 requests (one per device). A failed report is not retried
 * (max_attempts 1: the device waits for its next message) and that next message pushes it
 * out of the one-message buffer, so the count stays 90 a second whatever fails. %s: load balancer options, %s: faults. */
#define LB3(lbopts, faults)                                                                 \
    "{'name': 'lb3', 'duration': '300s', 'seed': 1, 'zones': ['a', 'b', 'c'],"              \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"           \
    " 'workload': {'devices': {'count': 90, 'report': {'kind': 'r', 'interval': '1s',"      \
    "   'jitter': '0s'}, 'buffer_limit': 1, 'retry': {'max_attempts': 1}}},"               \
    " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]" lbopts  \
    " }],"                                                                                   \
    " 'groups': [{'name': 'app', 'min': 3, 'max': 6, 'desired': 3,"                         \
    "   'instance': {'launch_time': '30s'}}],"                                               \
    " 'faults': [" faults "]}"

#define HC(timeout, fall)                                                                   \
    ", 'health_check': {'interval': '10s', 'timeout': '" timeout "', 'unhealthy_threshold': " \
    fall ", 'healthy_threshold': 2}"
#define HC10 HC("5s", "2")

/* The example: 3 zones of equal weight, zone a lost at t0 = 60 s, health checks
 * every 10 s with 2 failures to mark a target unhealthy.
 *
 * Which DNS settings? The lost zone takes its load balancer node with it. With cross-zone
 * off that node's clients fail whatever the health checks say (its zone has nothing left),
 * and with a huge TTL they keep failing for the whole outage: health checks play no part.
 * So cross-zone is on, and TTL 0 with no DNS update delay: the dead node leaves every
 * client's answer at t0, the nodes in b and c take all the traffic, and what fails is
 * what they still send to the lost target until the checks mark it.
 *
 * Derivation: the target's checks run at phase + 10k s with phase uniform in [0, 10 s);
 * t0 is a multiple of 10 s, so the first check that goes unanswered is sent at t0 + phase
 * and the second at t0 + 10 s + phase; the lost zone answers nothing, so each fails when
 * its 5 s timeout expires and the second marks the target at t_mark = t0 + 15 s + phase:
 * detection D = t_mark - t0 in [15 s, 25 s), mean 20 s. Until then round robin over the 3 targets sends exactly every third request
 * to the lost one, which fails at once (instance_lost): 90 / 3 = 30 failures in every
 * whole second of [t0, t_mark), none after, 30 D = 450 expected in all (1/3 of the
 * traffic during detection). */
Test(lb, zone_loss_fails_a_third_of_requests_until_two_failed_checks)
{
    mx_run_t r;
    mx_run(&r, LB3(", 'cross_zone': true, 'dns_ttl': '0s', 'dns_update_delay': '0s'" HC10,
                   "{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a', 'after': '60s',"
                   " 'duration': '120s'}"),
           1);
    const zf_fault_rec_t *f = mx_fault(&r, "lose-a");
    double d = zf_time_to_s(f->phase_detection);
    cr_assert(d >= 15 && d < 25, "detection %.3f s outside [15, 25)", d);
    size_t mark = (size_t)(60 + d);
    for (size_t s = 60; s < mark; s++)
        cr_assert_eq(r.rec.per_sec_failed[s], 30, "second %zu: %u failed, expected 30", s,
                     r.rec.per_sec_failed[s]);
    for (size_t s = 0; s < r.rec.nsec; s++)
        if (s < 60 || s > mark)
            cr_assert_eq(r.rec.per_sec_failed[s], 0, "second %zu: %u failed", s,
                         r.rec.per_sec_failed[s]);
    cr_assert_leq(r.rec.per_sec_failed[mark], 30);
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_INSTANCE_LOST]);
    cr_assert(r.rec.failed >= (uint64_t)(30 * floor(d)) && r.rec.failed <= (uint64_t)(30 * ceil(d)),
              "%lu failed for a detection of %.3f s", (unsigned long)r.rec.failed, d);
    cr_assert_eq(r.rec.arrivals, 90u * 300u);
    mx_expect_conservation(&r, false);
    mx_free(&r);
}

/* Over seeds, the detection time is uniform on [15, 25): its mean over 20 seeds is 20 s
 * (one and a half intervals plus the timeout) within 3.3 standard errors (sd 10 /
 * sqrt(12) = 2.89 s, se 0.65 s: +-2.1 s), and the failed share of the traffic sent during
 * detection is 1/3 each time. */
Test(lb, detection_time_averages_one_and_a_half_intervals_plus_the_timeout)
{
    double sum = 0;
    for (uint64_t seed = 1; seed <= 20; seed++) {
        mx_run_t r;
        mx_run_until(&r, LB3(", 'dns_ttl': '0s', 'dns_update_delay': '0s'" HC10,
                             "{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a',"
                             " 'after': '60s', 'duration': '60s'}"),
                     seed, 100 * ZF_S);
        double d = zf_time_to_s(mx_fault(&r, "lose-a")->phase_detection);
        cr_assert(d >= 15 && d < 25, "seed %lu: detection %.3f s", (unsigned long)seed, d);
        double share = (double)r.rec.failed / (90.0 * d);
        cr_assert(fabs(share - 1.0 / 3) < 30.0 / (90 * d), "seed %lu: failed share %.4f",
                  (unsigned long)seed, share);
        sum += d;
        mx_free(&r);
    }
    cr_assert(fabs(sum / 20 - 20) < 2.1, "mean detection %.3f s", sum / 20);
}

/* Cross-zone off, and zone a's only instance crashes (its node stays up). TTL 0: every
 * request resolves afresh and picks one of the three nodes at random, so the requests
 * reaching node a are Binomial(n, 1/3) of the n sent; node a sends them to its own zone's
 * target only, which fails them (instance_lost) until the checks mark it at t_mark in
 * [t0 + 15 s, t0 + 25 s) (a dead instance answers nothing: each check fails at its 5 s
 * timeout). Then node a has no healthy target and leaves DNS at once (no
 * update delay): nothing fails after t_mark. The count is checked against the binomial's
 * 99.9% interval (+-3.29 sd). */
Test(lb, cross_zone_off_node_sends_its_share_to_a_dead_target_until_detected)
{
    mx_run_t r;
    mx_run(&r, LB3(", 'cross_zone': false, 'dns_ttl': '0s', 'dns_update_delay': '0s'" HC10,
                   "{'name': 'crash-a', 'type': 'instance_crash', 'target': 'app', 'zone': 'a',"
                   " 'after': '60s'}"),
           3);
    double d = zf_time_to_s(mx_fault(&r, "crash-a")->phase_detection);
    cr_assert(d >= 15 && d < 25, "detection %.3f s", d);
    double n = 90 * d, p = 1.0 / 3, sd = sqrt(n * p * (1 - p));
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_INSTANCE_LOST]);
    cr_assert(fabs((double)r.rec.failed - n * p) <= 3.29 * sd + 30,
              "%lu failed, expected %.1f +- %.1f", (unsigned long)r.rec.failed, n * p, 3.29 * sd);
    for (size_t s = 0; s < r.rec.nsec; s++)
        if (s < 60 || s > (size_t)(60 + d))
            cr_assert_eq(r.rec.per_sec_failed[s], 0, "second %zu: %u failed", s,
                         r.rec.per_sec_failed[s]);
    mx_free(&r);
}

/* DNS staleness. Cross-zone on; the group lives in b and c only, so losing zone a loses
 * nothing but node a. TTL 60 s, the node leaves DNS 30 s after the zone is lost
 * (dns_update_delay), clients give up connecting after 10 s. Every request is a new
 * client (a Poisson source, 100/s) that last resolved at a uniform instant of the TTL
 * before it sends. A request sent at s in [t0, t0 + 30) holds the old answer and picks
 * node a with probability 1/3; one sent at s in [t0 + 30, t0 + 90) does so only if it
 * resolved before t0 + 30: probability (t0 + 90 - s) / 60 x 1/3; none after t0 + 90. It
 * fails connect_timeout later (lb_node_down). So failures lie in [t0 + 10, t0 + 100),
 * and their expected number is 100/3 x (30 + 60/2) = 2000 (Poisson: sd 45, 99.9% +-147). */
#define STALE(dns, faults)                                                                  \
    "{'name': 'stale', 'duration': '300s', 'zones': ['a', 'b', 'c'],"                      \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"          \
    " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 100}]},"        \
    " 'load_balancers': [{'name': 'lb', 'cross_zone': true, " dns ", 'connect_timeout': '10s',"\
    "   'rules': [{'kinds': '*', 'group': 'app'}]}],"                                        \
    " 'groups': [{'name': 'app', 'zones': ['b', 'c'], 'min': 2, 'max': 4}],"               \
    " 'faults': [" faults "]}"

Test(lb, stale_dns_answers_fail_until_update_delay_plus_ttl)
{
    mx_run_t r;
    mx_run(&r, STALE("'dns_ttl': '60s', 'dns_update_delay': '30s'",
                     "{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a', 'after': '60s',"
                     " 'duration': '200s'}"),
           7);
    uint64_t n = r.rec.by_cause[ZF_CAUSE_LB_NODE_DOWN];
    cr_assert_eq(r.rec.failed, n, "only lb_node_down failures expected");
    cr_assert(fabs((double)n - 2000) <= 147, "%lu lb_node_down failures, expected 2000 +- 147",
              (unsigned long)n);
    for (size_t s = 0; s < r.rec.nsec; s++)
        if (s < 70 || s >= 160)
            cr_assert_eq(r.rec.per_sec_failed[s], 0, "second %zu: %u failed", s,
                         r.rec.per_sec_failed[s]);
    /* the first 30 s after the loss: a third of what was sent fails, 10 s later */
    double sent = mx_sum(&r, "arrivals", 60, 90), failed = mx_sum(&r, "failed", 70, 100);
    double sd = sqrt(sent / 3 * 2 / 3);
    cr_assert(fabs(failed - sent / 3) <= 3.29 * sd, "%g of %g failed", failed, sent);
    /* the node's phase: it left DNS at t0 + 30 s; clients followed within the TTL */
    const zf_fault_rec_t *f = mx_fault(&r, "lose-a");
    cr_assert_eq(f->phase_dns, 90 * ZF_S, "dns phase %.3f s, expected 30 + 60",
                 zf_time_to_s(f->phase_dns));
    mx_free(&r);
}

/* Same clients, no stale answers: with TTL 0 and no update delay, no request ever reaches
 * the dead node. */
Test(lb, fresh_dns_answers_never_reach_the_dead_node)
{
    mx_run_t r;
    mx_run(&r, STALE("'dns_ttl': '0s', 'dns_update_delay': '0s'",
                     "{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a', 'after': '60s',"
                     " 'duration': '200s'}"),
           7);
    cr_assert_eq(r.rec.failed, 0);
    cr_assert_gt(r.rec.ok, 25000);
    mx_free(&r);
}

/* Fail-open. One zone, two instances; from 30 s to 130 s the zone adds 1 s each way, so
 * no health check is answered within its 2 s timeout and both targets are unhealthy within
 * two intervals plus the timeout ([7 s, 12 s) after the start); EC2 health checks keep the group from replacing them. ALB then routes to all
 * targets regardless: no request fails, and each pays the 10 ms of service plus 1 s each
 * way (32 cores an instance: no request waits for one). After the zone heals, two passed checks make the targets healthy again. */
Test(lb, every_target_unhealthy_fails_open)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'open', 'duration': '200s', 'zones': ['a'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 20}]},"
           " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}],"
           "   'health_check': {'interval': '5s', 'timeout': '2s', 'unhealthy_threshold': 2,"
           "   'healthy_threshold': 2}}],"
           " 'groups': [{'name': 'app', 'min': 2, 'max': 2, 'health_check_type': 'EC2',"
           "   'instance': {'vcpus': 32}}],"
           " 'faults': [{'name': 'slow-a', 'type': 'zone_degradation', 'target': 'a',"
           "   'after': '30s', 'duration': '100s', 'added_latency': '1s'}]}",
           5);
    const zf_fault_rec_t *f = mx_fault(&r, "slow-a");
    double d = zf_time_to_s(f->phase_detection);
    cr_assert(d >= 7 && d < 12, "the last target was marked unhealthy after %.3f s", d);
    cr_assert_eq(r.rec.failed, 0);
    cr_assert_eq(r.rec.latency.max, 2 * ZF_S + 10 * ZF_MS, "slowest %ld ns",
                 (long)r.rec.latency.max);
    for (size_t s = 40; s < 130; s++)
        cr_assert_gt(r.rec.per_sec_ok[s] + (s < 32 ? 1u : 0u), 0, "second %zu: none served", s);
    cr_assert_eq(mx_metric(&r, "groups.app.replacements"), 0);
    mx_free(&r);
}

/* A target group with no registered target answers 503: no_healthy_target, at once. */
Test(lb, no_registered_target_is_no_healthy_target)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'empty', 'duration': '20s', 'zones': ['a'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 50}]},"
           " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'min': 0, 'max': 2, 'desired': 0}]}",
           5);
    cr_assert_gt(r.rec.arrivals, 500);
    cr_assert_eq(r.rec.failed, r.rec.arrivals);
    cr_assert_eq(r.rec.by_cause[ZF_CAUSE_NO_HEALTHY_TARGET], r.rec.arrivals);
    mx_free(&r);
}

/* Keep-alive devices stay on their node. 30 devices report every second; the group is in
 * b and c, so losing zone a at 60 s loses node a only. A device whose connection is on
 * node a sends its next report into a silently dead zone: nothing answers, and it fails
 * at exactly its send time + the kind's 5 s timeout (cause timeout), all within second
 * 65; then the device reconnects through a fresh answer (TTL 0) and succeeds. A crashed
 * node (lb_node_failure, zone up) resets its connections at once instead: lb_node_down
 * within second 60. */
#define KEEP(faults)                                                                        \
    "{'name': 'keep', 'duration': '120s', 'zones': ['a', 'b', 'c'],"                       \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '5s'}],"           \
    " 'workload': {'devices': {'count': 30, 'connection': 'keepalive', 'buffer_limit': 1,"  \
    "   'retry': {'max_attempts': 1}, 'report': {'kind': 'r', 'interval': '1s',"           \
    "   'jitter': '0s'}}},"                                                                  \
    " 'load_balancers': [{'name': 'lb', 'dns_ttl': '0s', 'dns_update_delay': '0s',"        \
    "   'rules': [{'kinds': '*', 'group': 'app'}]}],"                                        \
    " 'groups': [{'name': 'app', 'zones': ['b', 'c'], 'min': 2, 'max': 4}],"               \
    " 'faults': [" faults "]}"

Test(lb, keepalive_connection_into_a_lost_zone_hangs_until_the_client_timeout)
{
    mx_run_t r;
    mx_run(&r, KEEP("{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a', 'after': '60s',"
                    " 'duration': '30s'}"),
           11);
    uint64_t n = r.rec.failed;
    cr_assert(n >= 1 && n <= 29, "%lu of 30 devices were on node a", (unsigned long)n);
    cr_assert_eq(r.rec.by_cause[ZF_CAUSE_TIMEOUT], n);
    cr_assert_eq(r.rec.per_sec_failed[65], n, "the hung requests end in second 65");
    mx_free(&r);
    mx_run(&r, KEEP("{'name': 'node-a', 'type': 'lb_node_failure', 'target': 'lb',"
                    " 'zone': 'a', 'after': '60s', 'duration': '30s'}"),
           11);
    cr_assert_eq(r.rec.failed, n, "the same devices are on node a");
    cr_assert_eq(r.rec.by_cause[ZF_CAUSE_LB_NODE_DOWN], n);
    cr_assert_eq(r.rec.per_sec_failed[60], n, "reset at once, in second 60");
    mx_free(&r);
}

/* A newly registered target must pass one health check to be healthy (the healthy
 * threshold, here the default 5, is for unhealthy targets coming back: ELB ALB User Guide,
 * "Health checks for your target groups"). Two one-worker instances; 10 devices report
 * every second at phases 100 ms apart on average, each costing 90 ms: round robin
 * alternates the two instances, so consecutive requests to one are at least 100 ms apart
 * and every request takes exactly 90 ms. One instance crashes at 60 s; EC2 status checks
 * replace it at 80 s, and the replacement is in service at 110 s. Until its first passed
 * check (within one 10 s interval) the survivor alone takes every request, at a load of
 * 0.9: requests wait. From 120 s (plus a second or two to drain the queue) every request
 * takes 90 ms again; with five checks to pass, the waits would go on until 150-160 s. */
Test(lb, new_target_serves_after_one_passed_check)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'initial', 'duration': '200s', 'zones': ['a'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '90ms', 'timeout': '30s'}],"
           " 'workload': {'devices': {'count': 10, 'buffer_limit': 1,"
           "   'retry': {'max_attempts': 1}, 'report': {'kind': 'r', 'interval': '1s',"
           "   'jitter': '0s'}}},"
           " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}],"
           "   'health_check': {'interval': '10s', 'timeout': '5s'}}],"
           " 'groups': [{'name': 'app', 'min': 2, 'max': 2, 'health_check_type': 'EC2',"
           "   'status_check_delay': '20s', 'instance': {'workers': 1, 'vcpus': 1,"
           "   'queue_limit': -1, 'launch_time': '30s'}}],"
           " 'faults': [{'name': 'crash', 'type': 'instance_crash', 'target': 'app',"
           "   'after': '60s'}]}",
           2);
    double slowest_before = 0, slowest_alone = 0, slowest_after = 0;
    for (size_t s = 0; s < r.nrows; s++) {
        double p = mx_at(&r, "latency_p999_ms", s);
        if (s < 60)
            slowest_before = fmax(slowest_before, p);
        else if (s >= 85 && s < 110)
            slowest_alone = fmax(slowest_alone, p);
        else if (s >= 125)
            slowest_after = fmax(slowest_after, p);
    }
    cr_assert(slowest_before < 91, "two instances: %g ms", slowest_before);
    cr_assert(slowest_alone > 100, "the survivor alone: %g ms", slowest_alone);
    cr_assert(slowest_after < 91, "the replacement serves by 120 s: %g ms", slowest_after);
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_INSTANCE_LOST]);
    mx_free(&r);
}

/* A group behind two load balancers, both with cross-zone off: when zone a's target is
 * marked unhealthy, node a leaves the DNS answers of both (TTL 0, no update delay), so
 * after the mark no request of either load balancer reaches zone a, where the replacement
 * is still booting. Before it, a third of each one's requests fail (instance_lost). */
Test(lb, both_load_balancers_of_a_group_drop_its_unhealthy_zone_from_dns)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'two-lbs', 'duration': '200s', 'zones': ['a', 'b', 'c'],"
           " 'kinds': [{'name': 'r1', 'lb': 'lb1', 'service': '10ms', 'timeout': '30s'},"
           "  {'name': 'r2', 'lb': 'lb2', 'service': '10ms', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 's1', 'kind': 'r1', 'rate_per_s': 30},"
           "  {'name': 's2', 'kind': 'r2', 'rate_per_s': 30}]},"
           " 'load_balancers': [{'name': 'lb1', 'cross_zone': false, 'dns_ttl': '0s',"
           "   'dns_update_delay': '0s', 'rules': [{'kinds': '*', 'group': 'app'}]" HC10 "},"
           "  {'name': 'lb2', 'cross_zone': false, 'dns_ttl': '0s', 'dns_update_delay': '0s',"
           "   'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'min': 3, 'max': 3, 'instance': {'launch_time': '30s'}}],"
           " 'faults': [{'name': 'crash-a', 'type': 'instance_crash', 'target': 'app',"
           "   'zone': 'a', 'after': '60s'}]}",
           3);
    double d = zf_time_to_s(mx_fault(&r, "crash-a")->phase_detection);
    cr_assert(d >= 15 && d < 25, "detection %g s", d);
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_INSTANCE_LOST]);
    cr_assert_gt(r.rec.kinds[1].failed, 0);
    cr_assert_eq(mx_sum(&r, "failed", (size_t)(60 + d) + 1, r.nrows), 0);
    mx_free(&r);
}

/* The detection time of a silent target, exactly: zone a lost at t0 = 60 s (LB3, seed 1),
 * checks every 10 s. The target's check phase p (first check at or after t0, minus t0)
 * depends only on the seed, so it is the same in the three runs below:
 *   1 failure to mark, timeout 5 s:  D1 = p + 5 s           (the first check's timeout)
 *   2 failures, timeout 5 s:         D2 = p + 10 s + 5 s    (the second check's timeout)
 *   2 failures, timeout 1 s:         D3 = p + 10 s + 1 s
 * so D2 = D1 + 10 s and D2 = D3 + 4 s to the nanosecond, and p = D1 - 5 s is in [0, 10). */
static zf_time_t silent_detection(const char *timeout, const char *fall)
{
    char hc[256];
    snprintf(hc, sizeof hc, ", 'cross_zone': true, 'dns_ttl': '0s', 'dns_update_delay': '0s',"
             " 'health_check': {'interval': '10s', 'timeout': '%s', 'unhealthy_threshold': %s,"
             " 'healthy_threshold': 2}", timeout, fall);
    char text[4096];
    int n = snprintf(text, sizeof text,
                     LB3("%s", "{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a',"
                               " 'after': '60s', 'duration': '120s'}"),
                     hc);
    cr_assert(n > 0 && (size_t)n < sizeof text);
    mx_run_t r;
    mx_run_until(&r, text, 1, 100 * ZF_S);
    zf_time_t d = mx_fault(&r, "lose-a")->phase_detection;
    mx_free(&r);
    return d;
}

Test(lb, unanswered_check_fails_when_its_timeout_expires)
{
    zf_time_t d1 = silent_detection("5s", "1"), d2 = silent_detection("5s", "2"),
              d3 = silent_detection("1s", "2");
    zf_time_t p = d1 - 5 * ZF_S;
    cr_assert(p >= 0 && p < 10 * ZF_S, "phase %.3f s", zf_time_to_s(p));
    cr_assert_eq(d2, p + 15 * ZF_S, "detection %.9f s, expected the phase %.9f s + 10 s + 5 s",
                 zf_time_to_s(d2), zf_time_to_s(p));
    cr_assert_eq(d3, p + 11 * ZF_S, "detection %.9f s, expected the phase %.9f s + 10 s + 1 s",
                 zf_time_to_s(d3), zf_time_to_s(p));
}

/* A target that answers fails its check at once: one instance, one worker, no queue; a
 * request that takes 1,000 s holds the worker from the first arrival on, so every later
 * check gets the 503 of a full queue. A degradation of 1 ms each way in zone a (no check
 * reaches its timeout) makes the fault record when the target was marked: the check's
 * timeout (1 s or 5 s) does not change it by a nanosecond, and it is at most two intervals
 * after the first arrival (the first check after it, then one interval). */
static zf_time_t refused_detection(const char *timeout)
{
    char text[4096];
    int n = snprintf(text, sizeof text,
        "{'name': 'full', 'duration': '60s', 'zones': ['a'],"
        " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '1000s', 'timeout': '30s'}],"
        " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 1}]},"
        " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}],"
        "   'health_check': {'interval': '10s', 'timeout': '%s', 'unhealthy_threshold': 2}}],"
        " 'groups': [{'name': 'app', 'min': 1, 'max': 1, 'health_check_type': 'EC2',"
        "   'instance': {'workers': 1, 'queue_limit': 0}}],"
        " 'faults': [{'name': 'slow-a', 'type': 'zone_degradation', 'target': 'a',"
        "   'after': '1s', 'duration': '50s', 'added_latency': '1ms'}]}", timeout);
    cr_assert(n > 0 && (size_t)n < sizeof text);
    mx_run_t r;
    mx_run(&r, text, 4);
    zf_time_t d = mx_fault(&r, "slow-a")->phase_detection;
    cr_assert_gt(r.rec.by_cause[ZF_CAUSE_QUEUE_FULL], 0);
    mx_free(&r);
    return d;
}

Test(lb, refused_check_fails_at_once_whatever_the_timeout)
{
    zf_time_t d1 = refused_detection("1s"), d5 = refused_detection("5s");
    cr_assert(d1 > 0 && d1 < 25 * ZF_S, "detection %.3f s", zf_time_to_s(d1));
    cr_assert_eq(d1, d5, "detection %.9f s with a 1 s timeout, %.9f s with 5 s",
                 zf_time_to_s(d1), zf_time_to_s(d5));
}

/* SYN retransmissions into a partition. One load balancer node, in zone a; the group's
 * one instance in zone b (cross-zone on); connect timeout 3 s; 90 devices at fixed phases
 * report every second, one request at a time, and do not retry. Zone a is cut off from
 * 60 s to 120 s, so no client reaches the node. A connect sent at t0 retransmits its SYN
 * at t0 + 1 s and t0 + 3 s (Linux: initial RTO 1 s, doubled); the second is the connect
 * timeout. (A device waits for its failed connect, 3 s, so it sends every third second.)
 *
 * Partition: the requests sent in [119 s, 120 s) see the node again at their first
 * retransmission and succeed, 1 s late; every one sent in [60 s, 119 s) fails at t0 + 3 s
 * (lb_node_down): as many as the series counts arrivals in those seconds, exactly. One
 * request was inside the instance at 60 s: its answer cannot cross back into zone a, and
 * it times out 30 s later (network). Crash: no retransmission is answered, every request
 * sent in [60 s, 120 s) fails. */
#define SYN(mode)                                                                           \
    "{'name': 'syn', 'duration': '180s', 'zones': ['a', 'b'],"                             \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"           \
    " 'workload': {'devices': {'count': 90, 'report': {'kind': 'r', 'interval': '1s',"      \
    "   'jitter': '0s'}, 'buffer_limit': 1, 'retry': {'max_attempts': 1}}},"               \
    " 'load_balancers': [{'name': 'lb', 'zones': ['a'], 'cross_zone': true,"               \
    "   'connect_timeout': '3s', 'rules': [{'kinds': '*', 'group': 'app'}]}],"               \
    " 'groups': [{'name': 'app', 'zones': ['b'], 'min': 1, 'max': 1,"                      \
    "   'health_check_type': 'EC2'}],"                                                       \
    " 'faults': [{'name': 'cut-a', 'type': 'zone_outage', " mode " 'target': 'a',"         \
    "   'after': '60s', 'duration': '60s'}]}"

Test(lb, connects_into_a_partition_open_at_the_first_syn_after_it_ends)
{
    mx_run_t r;
    mx_run(&r, SYN("'mode': 'partition',"), 5);
    double sent = mx_sum(&r, "arrivals", 60, 119), late = mx_at(&r, "arrivals", 119);
    cr_assert_gt(late, 0);
    cr_assert_eq(mx_sum(&r, "failed_lb_node_down", 0, r.nrows), sent, "%.0f lb_node_down, %.0f sent",
                 mx_sum(&r, "failed_lb_node_down", 0, r.nrows), sent);
    cr_assert_eq(mx_sum(&r, "failed", 0, r.nrows), sent + 1);
    cr_assert_eq(mx_sum(&r, "failed_network", 89, 91), 1);
    cr_assert_eq(mx_sum(&r, "ok", 60, 120), 0);
    /* those sent in [117 s, 119 s) fail in [120 s, 122 s); nothing sent later fails */
    cr_assert_eq(mx_sum(&r, "failed", 120, 122), mx_sum(&r, "arrivals", 117, 119));
    cr_assert_eq(mx_sum(&r, "failed", 122, r.nrows), 0);
    double p99 = fmax(mx_at(&r, "latency_p99_ms", 120), mx_at(&r, "latency_p99_ms", 121));
    cr_assert(p99 >= 1000 && p99 < 1020, "seconds 120-121: p99 %.3f ms, expected 1 s + 10 ms", p99);
    mx_free(&r);
    mx_run(&r, SYN(""), 5);
    sent = mx_sum(&r, "arrivals", 60, 120);
    cr_assert_eq(mx_sum(&r, "failed_lb_node_down", 0, r.nrows), sent, "crash: %.0f lb_node_down, %.0f sent",
                 mx_sum(&r, "failed_lb_node_down", 0, r.nrows), sent);
    mx_free(&r);
}

/* Each node keeps its own health view. Zones a, b, c, a node and an instance in each,
 * cross-zone on, DNS TTL 0 with no update delay (a node is in the answers exactly while
 * it is alive); checks every 10 s, timeout 5 s, 2 to fail, 2 to recover; EC2 health
 * checks (nothing is replaced). A database in b whose connections come back `reconnect`
 * = 5 s after a partition. Zone a is cut off from 60 s to 180 s.
 *
 * Inside the cut, node a's checks of the instances in b and c go unanswered: in its view
 * they are unhealthy by 85 s. At 180 s node a is back in DNS with that view: it sends
 * everything to the instance in a until its checks of b and c pass twice (at 190 s at the
 * earliest), and that instance has no database until 185 s. So what node a receives in
 * [180 s, 185 s) fails (db_unavailable), a third of the 450 requests of those seconds by
 * the clients' DNS hash (binomial: 150, sd 10; asserted within 4 sd), and nothing fails
 * from 185 s on. Nodes b and c see the instance in a unhealthy until it passes twice
 * (190 s at the earliest), so they send nothing to it. With one shared view (mode crash:
 * the instance in a is dead, every node knows) nothing fails after 180 s. */
#define STALE_VIEW(mode)                                                                         \
    "{'name': 'stale', 'duration': '240s', 'zones': ['a', 'b', 'c'],"                      \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'db_reads': 1,"                \
    "   'timeout': '30s'}],"                                                                 \
    " 'workload': {'devices': {'count': 90, 'report': {'kind': 'r', 'interval': '1s',"      \
    "   'jitter': '0s'}, 'buffer_limit': 1, 'retry': {'max_attempts': 1}}},"               \
    " 'load_balancers': [{'name': 'lb', 'cross_zone': true, 'dns_ttl': '0s',"              \
    "   'dns_update_delay': '0s', 'rules': [{'kinds': '*', 'group': 'app'}]" HC10 "}],"     \
    " 'groups': [{'name': 'app', 'min': 3, 'max': 3, 'health_check_type': 'EC2'}],"        \
    " 'database': {'primary_zone': 'b', 'read': '1ms', 'reconnect': '5s'},"                 \
    " 'faults': [{'name': 'cut-a', 'type': 'zone_outage', " mode " 'target': 'a',"         \
    "   'after': '60s', 'duration': '120s'}]}"

Test(lb, a_node_back_from_a_partition_routes_with_its_own_stale_view)
{
    mx_run_t r;
    mx_run(&r, STALE_VIEW("'mode': 'partition',"), 6);
    double heal = mx_sum(&r, "failed", 180, 185);
    cr_assert(heal >= 110 && heal <= 190, "%.0f failed in [180 s, 185 s), expected 150 +- 40", heal);
    cr_assert_eq(mx_sum(&r, "failed_db_unavailable", 180, 185), heal);
    cr_assert_eq(mx_sum(&r, "failed", 185, r.nrows), 0, "%.0f failed after 185 s",
                 mx_sum(&r, "failed", 185, r.nrows));
    mx_free(&r);
    mx_run(&r, STALE_VIEW(""), 6);
    cr_assert_eq(mx_sum(&r, "failed", 180, r.nrows), 0, "crash: %.0f failed after 180 s",
                 mx_sum(&r, "failed", 180, r.nrows));
    mx_free(&r);
}
