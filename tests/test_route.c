/* Tests of sim/model/route (a request's path: node, target instance with its worker slots
 * and CPU, database, response; the client's timeout; what happens to requests in flight)
 * through the public API, on small scenarios with hand-computable answers. */
#include "model_fixture.h"

/* One zone, one load balancer, one group "app" of `desired` instances (instance options
 * and kinds given), no database unless the faults need one. %s: kinds, instance, workload,
 * faults. */
#define ONE(kinds, inst, workload, faults)                                                  \
    "{'name': 'route', 'duration': '60s', 'zones': ['a'],"                                  \
    " 'kinds': [" kinds "],"                                                                 \
    " 'workload': {" workload "},"                                                           \
    " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"       \
    " 'groups': [{'name': 'app', 'min': 1, 'max': 1, 'instance': {" inst "}}],"             \
    " 'faults': [" faults "]}"

/* Service 5 s, client timeout 2 s, enough workers and cores that nothing waits: every
 * request fails with cause timeout at exactly its send time + 2 s, so the failures of
 * second k + 2 are the arrivals of second k, and nothing succeeds. */
Test(route, a_request_slower_than_its_timeout_fails_at_send_time_plus_timeout)
{
    mx_run_t r;
    mx_run(&r,
           ONE("{'name': 'slow', 'lb': 'lb', 'service': '5s', 'timeout': '2s'}",
               "'workers': 1000, 'vcpus': 1000, 'queue_limit': -1",
               "'sources': [{'name': 'users', 'kind': 'slow', 'rate_per_s': 20}]", ""),
           2);
    cr_assert_eq(r.rec.ok, 0);
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_TIMEOUT]);
    cr_assert_eq(mx_at(&r, "failed", 0) + mx_at(&r, "failed", 1), 0);
    for (size_t s = 0; s + 2 < r.nrows; s++)
        cr_assert_eq(mx_at(&r, "failed", s + 2), mx_at(&r, "arrivals", s),
                     "second %zu: %g sent, second %zu: %g timed out", s,
                     mx_at(&r, "arrivals", s), s + 2, mx_at(&r, "failed", s + 2));
    cr_assert_gt(r.rec.failed, 1000);
    mx_expect_conservation(&r, false);
    mx_free(&r);
}

/* Three requests reach an instance with one worker at 10 s (a burst of the whole fleet of
 * 3 devices within 1 ms); service 1 s. The first is served at once, the second waits 1 s
 * (within the 1.5 s queue timeout) and is served, the third has waited 2 s when the worker
 * frees at 12 s: the server drops it then, with cause timeout (a queue timeout is noticed
 * when the request would be dequeued). With a queue limit of 1 instead, the third is
 * refused on arrival: queue_full in second 10. */
#define BURST3 "'devices': {'count': 3, 'retry': {'max_attempts': 1}}, 'bursts': [{'name': 'b', 'after': '10s'," \
               " 'duration': '1ms', 'fleet_fraction': 1, 'kind': 'r'}]"
#define K1S "{'name': 'r', 'lb': 'lb', 'service': '1s', 'timeout': '30s'}"

Test(route, instance_queue_timeout_drops_a_request_when_a_worker_frees)
{
    mx_run_t r;
    mx_run(&r, ONE(K1S, "'workers': 1, 'vcpus': 1, 'queue_timeout': '1500ms'", BURST3, ""), 1);
    cr_assert_eq(r.rec.arrivals, 3);
    cr_assert_eq(r.rec.ok, 2);
    cr_assert_eq(r.rec.by_cause[ZF_CAUSE_TIMEOUT], 1);
    cr_assert_eq(r.rec.per_sec_ok[11], 1);
    cr_assert_eq(r.rec.per_sec_ok[12], 1);
    cr_assert_eq(r.rec.per_sec_failed[12], 1, "dropped when the worker freed at 12 s");
    /* the second waited exactly the first's service: 1 s of wait + 1 s of service */
    cr_assert(r.rec.latency.max > 2 * ZF_S - ZF_MS && r.rec.latency.max <= 2 * ZF_S,
              "slowest %ld ns", (long)r.rec.latency.max);
    cr_assert_eq(r.rec.latency.min, ZF_S);
    mx_free(&r);

    mx_run(&r, ONE(K1S, "'workers': 1, 'vcpus': 1, 'queue_limit': 1", BURST3, ""), 1);
    cr_assert_eq(r.rec.ok, 2);
    cr_assert_eq(r.rec.by_cause[ZF_CAUSE_QUEUE_FULL], 1);
    cr_assert_eq(r.rec.per_sec_failed[10], 1, "refused on arrival");
    mx_free(&r);
}

/* Ten devices send one message each at 20 s (a burst of the whole fleet within 1 ms);
 * each takes 20 s of service. The only instance crashes at exactly 30 s: the ten requests
 * on it fail then, with cause instance_lost, and are counted in second 30 (an event at
 * exactly k s belongs to second k, also when it was queued before the end of second
 * k - 1 was). */
Test(route, requests_on_a_crashed_instance_fail_at_the_crash_instant)
{
    mx_run_t r;
    mx_run(&r,
           ONE("{'name': 'r', 'lb': 'lb', 'service': '20s', 'timeout': '60s'}",
               "'workers': 100, 'vcpus': 100",
               "'devices': {'count': 10, 'retry': {'max_attempts': 1}}, 'bursts': [{'name':"
               " 'b', 'after': '20s', 'duration': '1ms', 'fleet_fraction': 1, 'kind': 'r'}]",
               "{'name': 'crash', 'type': 'instance_crash', 'target': 'app', 'after': '30s'}"),
           4);
    cr_assert_eq(r.rec.arrivals, 10);
    cr_assert_eq(r.rec.by_cause[ZF_CAUSE_INSTANCE_LOST], 10);
    cr_assert_eq(r.rec.per_sec_failed[29], 0, "second 29 ends before the crash");
    cr_assert_eq(r.rec.per_sec_failed[30], 10);
    cr_assert_eq(mx_at(&r, "failed_instance_lost", 30), 10);
    cr_assert_eq(mx_at(&r, "instances.app.a", 29), 1, "in service through second 29");
    cr_assert_eq(mx_at(&r, "instances.app.a", 30), 0);
    cr_assert_eq(mx_fault(&r, "crash")->detected, 30 * ZF_S);
    mx_free(&r);
}

/* Zone degradation on the path. Two zones; the group lives in b only, cross-zone is on,
 * and zone a adds 50 ms each way from the start: a request entering through node a pays
 * 50 ms + 0.5 ms (the cross-zone hop) each way around its 10 ms of service, 111 ms; one
 * entering through node b pays 10 ms. Nothing else varies (deterministic service, 32
 * cores), so the fastest and slowest latencies are exactly those. Through b alone (no
 * degradation on the path): exactly 10 ms. */
Test(route, added_latency_shows_exactly_in_the_latencies)
{
    mx_run_t r;
    const char *text =
        "{'name': 'slow', 'duration': '30s', 'zones': ['a', 'b'],"
        " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"
        " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 50}]},"
        " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"
        " 'groups': [{'name': 'app', 'zones': ['b'], 'min': 1, 'max': 1,"
        "   'instance': {'vcpus': 32}}],"
        " 'faults': [{'name': 'slow-a', 'type': 'zone_degradation', 'target': 'a',"
        "   'after': '0s', 'duration': '30s', 'added_latency': '50ms'}]}";
    mx_run(&r, text, 9);
    cr_assert_eq(r.rec.failed, 0);
    cr_assert_eq(r.rec.latency.min, 10 * ZF_MS);
    cr_assert_eq(r.rec.latency.max, 111 * ZF_MS, "slowest %ld ns", (long)r.rec.latency.max);
    /* about half go through each node: the median is one of the two values' buckets */
    int64_t p10 = zf_hist_quantile(&r.rec.latency, 0.1), p90 = zf_hist_quantile(&r.rec.latency, 0.9);
    cr_assert(llabs(p10 - 10 * ZF_MS) < ZF_MS / 10 && llabs(p90 - 111 * ZF_MS) < ZF_MS,
              "p10 %ld, p90 %ld ns", (long)p10, (long)p90);
    mx_free(&r);
}

/* Loss: zone a drops 20% of the requests on its paths from 10 s to 50 s. One zone, so
 * every request of the window crosses it once: each is lost with probability 0.2, and a
 * lost request is never answered: the client times out (2 s) with cause network. The
 * measured count lies in the binomial 99.9% interval (+-3.29 sd) of the requests sent in
 * the window, which fail 2 s later; none fails outside [12 s, 52 s). */
Test(route, zone_loss_fraction_is_the_share_of_network_failures)
{
    mx_run_t r;
    mx_run(&r,
           ONE("{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '2s'}", "'vcpus': 32",
               "'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 200}]",
               "{'name': 'lossy', 'type': 'zone_degradation', 'target': 'a', 'after': '10s',"
               " 'duration': '40s', 'loss': 0.2}"),
           12);
    double n = mx_sum(&r, "arrivals", 10, 50), lost = (double)r.rec.by_cause[ZF_CAUSE_NETWORK];
    double sd = sqrt(n * 0.2 * 0.8);
    cr_assert(fabs(lost - 0.2 * n) <= 3.29 * sd, "%g of %g lost, expected %.0f +- %.0f", lost,
              n, 0.2 * n, 3.29 * sd);
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_NETWORK]);
    cr_assert_eq(mx_sum(&r, "failed", 0, 12) + mx_sum(&r, "failed", 52, r.nrows), 0);
    mx_free(&r);
}

/* Packet loss: zone a loses half the packets crossing its border from 10 s to 30 s
 * (loss_unit packet). The only node is in zone a, the instance too (the node's connection
 * to it crosses nothing); EC2 health checks, so that the checks' own losses replace no
 * instance. A client's connect to the node needs its SYN and the SYN-ACK through, 0.25 a
 * try; with the default 10 s connect timeout it tries at 0, 1, 3 and 7 s, so it fails with
 * 0.75^4 = 0.3164 (lb_node_down, 10 s after it was sent: in [20 s, 40 s)), within the
 * binomial 99.9% band of the requests sent in the window. Nothing is dropped whole
 * (network), and the successes include late ones: a request that connected at the
 * second try (1 s) or lost a segment (200 ms) shows in the p99 of its second. A few time
 * out: a segment lost 7 times in a row (0.5^7) waits 0.2 x (2^7 - 1) = 25.4 s, which
 * with a late connect passes the client's 30 s. */
Test(route, packet_loss_delays_connects_and_fails_those_past_the_connect_timeout)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'route', 'duration': '60s', 'zones': ['a'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 200}]},"
           " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'min': 1, 'max': 1, 'health_check_type': 'EC2',"
           "   'instance': {'vcpus': 32, 'workers': 1000}}],"
           " 'faults': [{'name': 'lossy', 'type': 'zone_degradation', 'target': 'a', 'after': '10s',"
           "   'duration': '20s', 'loss': 0.5, 'loss_unit': 'packet'}]}",
           13);
    double n = mx_sum(&r, "arrivals", 10, 30), p = pow(0.75, 4), sd = sqrt(n * p * (1 - p));
    double failed = (double)r.rec.by_cause[ZF_CAUSE_LB_NODE_DOWN];
    cr_assert(fabs(failed - p * n) <= 3.29 * sd, "%g of %g failed, expected %.0f +- %.0f", failed,
              n, p * n, 3.29 * sd);
    cr_assert_eq(mx_sum(&r, "failed_lb_node_down", 20, 40), failed);
    cr_assert_eq(r.rec.failed, failed + r.rec.by_cause[ZF_CAUSE_TIMEOUT]);
    cr_assert_lt(r.rec.by_cause[ZF_CAUSE_TIMEOUT], 100);
    cr_assert_eq(mx_sum(&r, "failed", 0, 20), 0);
    double p99 = mx_at(&r, "latency_p99_ms", 15);
    cr_assert(p99 > 1000, "second 15: p99 %.1f ms, expected a second try's 1 s", p99);
    cr_assert(mx_at(&r, "latency_p99_ms", 5) < 11, "second 5: no loss yet");
    mx_free(&r);
}

/* The node's connection to a target across a lossy border: the node is in zone b, the
 * only instance in zone a, which loses half the packets crossing its border from 10 s to
 * 30 s. The node tries at 0 and 1 s within its 2 s target_connect_timeout, so it gives up
 * with 0.75^2 = 0.5625 and answers 504: the client sees a timeout 2 s after it sent
 * (clients reach the node in b without loss), in [12 s, 32 s). */
Test(route, a_node_that_cannot_connect_to_its_target_answers_504_at_its_connect_timeout)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'route', 'duration': '60s', 'zones': ['a', 'b'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 200}]},"
           " 'load_balancers': [{'name': 'lb', 'zones': ['b'], 'target_connect_timeout': '2s',"
           "   'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'zones': ['a'], 'min': 1, 'max': 1,"
           "   'health_check_type': 'EC2', 'instance': {'vcpus': 32, 'workers': 1000}}],"
           " 'faults': [{'name': 'lossy', 'type': 'zone_degradation', 'target': 'a', 'after': '10s',"
           "   'duration': '20s', 'loss': 0.5, 'loss_unit': 'packet'}]}",
           14);
    double n = mx_sum(&r, "arrivals", 10, 30), p = 0.5625, sd = sqrt(n * p * (1 - p));
    double gaveup = mx_sum(&r, "failed_timeout", 12, 32);
    cr_assert(fabs(gaveup - p * n) <= 3.29 * sd, "%g of %g timed out, expected %.0f +- %.0f",
              gaveup, n, p * n, 3.29 * sd);
    cr_assert_eq(mx_sum(&r, "failed", 0, 12) + mx_sum(&r, "failed_lb_node_down", 0, r.nrows), 0);
    mx_free(&r);
}

/* Load balancer retries. One node, in zone b; one instance in a and one in b, round
 * robin; checks every 30 s with a 5 s timeout and 2 to fail, so the instance in a, lost
 * with its zone at 60 s, is still routed to for 35 to 65 s. Without retries every request
 * the node sends it fails at once (instance_lost): half of those sent meanwhile. With
 * retries 1 and a 1 s target_connect_timeout the node waits 1 s for the silent target and
 * sends the request to the next target, the instance in b, where it succeeds 1 s late:
 * nothing fails, and the seconds after 60 s have a p99 above 1 s. */
#define RETRY(retries)                                                                      \
    "{'name': 'retry', 'duration': '180s', 'zones': ['a', 'b'],"                           \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"           \
    " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 50}]},"         \
    " 'load_balancers': [{'name': 'lb', 'zones': ['b'], 'target_connect_timeout': '1s',"   \
    "   " retries " 'health_check': {'interval': '30s', 'timeout': '5s'},"                 \
    "   'rules': [{'kinds': '*', 'group': 'app'}]}],"                                        \
    " 'groups': [{'name': 'app', 'min': 2, 'max': 2, 'health_check_type': 'EC2',"          \
    "   'instance': {'vcpus': 8}}],"                                                         \
    " 'faults': [{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a', 'after': '60s',"  \
    "   'duration': '60s'}]}"

Test(route, retries_send_a_failed_connect_to_the_next_target_after_the_connect_timeout)
{
    mx_run_t r;
    mx_run(&r, RETRY(""), 15);
    double lost = (double)r.rec.by_cause[ZF_CAUSE_INSTANCE_LOST];
    cr_assert_gt(lost, 0);
    cr_assert_eq(r.rec.failed, lost);
    mx_free(&r);
    mx_run(&r, RETRY("'retries': 1,"), 15);
    cr_assert_eq(r.rec.failed, 0, "%lu failed with a retry", (unsigned long)r.rec.failed);
    cr_assert_gt(mx_at(&r, "latency_p99_ms", 62), 1000);
    cr_assert_lt(mx_at(&r, "latency_p99_ms", 30), 20);
    mx_free(&r);
}

/* retries is an integer 0..10, target_connect_timeout a duration > 0. */
Test(route, retries_out_of_range_and_a_zero_connect_timeout_are_refused)
{
    cr_assert_str_eq(mx_refused(RETRY("'retries': 11,")),
                     "t.json: $.load_balancers[0].retries: expected an integer in [0, 10], got 11");
    cr_assert_str_eq(
        mx_refused("{'name': 'zero', 'duration': '10s', 'zones': ['a'],"
                   " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms'}],"
                   " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 1}]},"
                   " 'load_balancers': [{'name': 'lb', 'target_connect_timeout': '0s',"
                   "   'rules': [{'kinds': '*', 'group': 'app'}]}],"
                   " 'groups': [{'name': 'app'}]}"),
        "t.json: $.load_balancers[0].target_connect_timeout: expected a duration > 0");
}

/* An answer that reaches the client after its timeout is a timeout. Zone a adds 400 ms
 * each way; a request takes 300 ms of service and the client waits 1 s: the server answers
 * at 700 ms, in time, but the answer arrives at 1.1 s. Every request times out at its
 * send time + 1 s, none succeeds, and their writes are not acknowledged. */
Test(route, an_answer_arriving_after_the_timeout_is_a_timeout)
{
    mx_run_t r;
    mx_run(&r,
           ONE("{'name': 'w', 'lb': 'lb', 'service': '300ms', 'timeout': '1s', 'db_writes': 1,"
               " 'must_not_lose': true}",
               "'vcpus': 64",
               "'sources': [{'name': 'users', 'kind': 'w', 'rate_per_s': 20}]",
               "{'name': 'slow-a', 'type': 'zone_degradation', 'target': 'a', 'after': '0s',"
               " 'duration': '60s', 'added_latency': '400ms'}"),
           2);
    cr_assert_eq(r.rec.ok, 0, "%lu answers counted as successes", (unsigned long)r.rec.ok);
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_TIMEOUT]);
    cr_assert_eq(r.rec.acked_writes, 0);
    for (size_t s = 0; s + 1 < r.nrows; s++)
        cr_assert_eq(mx_at(&r, "failed", s + 1), mx_at(&r, "arrivals", s), "second %zu", s);
    mx_free(&r);
}

/* A keep-alive device holds one connection (its load balancer node is sticky), so the
 * kinds it sends must share a load balancer. */
Test(route, keepalive_devices_need_one_load_balancer)
{
    const char *msg = mx_refused(
        "{'name': 'two-lbs', 'duration': '60s', 'zones': ['a'],"
        " 'kinds': [{'name': 'r', 'lb': 'lb1', 'service': '1ms'},"
        "  {'name': 'g', 'lb': 'lb2', 'service': '1ms'}],"
        " 'workload': {'devices': {'count': 10, 'connection': 'keepalive',"
        "   'report': {'kind': 'r'}, 'trips': {'gps_kind': 'g'}}},"
        " 'load_balancers': [{'name': 'lb1', 'rules': [{'kinds': '*', 'group': 'app'}]},"
        "  {'name': 'lb2', 'rules': [{'kinds': '*', 'group': 'app'}]}],"
        " 'groups': [{'name': 'app'}]}");
    cr_assert(strstr(msg, "$.workload.devices.connection") && strstr(msg, "\"g\""), "%s", msg);
}
