/* Tests of sim/model/faults (each fault type applied to the model, and each fault's record:
 * detection, recovery, RTO and its phases, backlog drain) through the public API, on
 * small deterministic scenarios with hand-computable answers. */
#include "model_fixture.h"

/* 100 devices reporting every second; 40 of them lose the network from 60 s to 120 s.
 * %s: the options of the group of two (after its size), of its instances. */
#define CARRIER(gopts, inst)                                                                \
    "{'name': 'carrier', 'duration': '200s', 'zones': ['a'],"                               \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"          \
    " 'workload': {'devices': {'count': 100, 'reconnect_jitter': '10s',"                    \
    "   'report': {'kind': 'r', 'interval': '1s', 'jitter': '0s'}}},"                       \
    " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"       \
    " 'groups': [{'name': 'app', 'min': 2, 'max': 2" gopts ", 'instance': {" inst "}}],"   \
    " 'faults': [{'name': 'carrier', 'type': 'device_network_outage', 'after': '60s',"      \
    "   'duration': '60s', 'fraction': 0.4}]}"

/* A device-network outage takes 40 of 100 devices offline from 60 s to 120 s. Devices
 * report every second with no jitter, so each offline device creates exactly 60 messages
 * in the outage and buffers them: the backlog at its end is 40 x 60 = 2400 and nothing
 * fails (nothing is sent). The devices come back spread over 10 s and drain their
 * buffers one message after another (10 ms each): the backlog is back to its level of
 * before within the reconnect spread plus a few seconds of sending, counted from the
 * outage's end. The RTO counts from the end too: 0, nothing failed. */
Test(faults, device_network_outage_buffers_and_drains_without_failures)
{
    mx_run_t r;
    mx_run(&r, CARRIER("", "'vcpus': 8"), 4);
    cr_assert_eq(r.rec.failed, 0);
    cr_assert_eq(mx_at(&r, "devices.backlog", 59), 0);
    cr_assert_eq(mx_at(&r, "devices.offline", 60), 40);
    cr_assert_eq(mx_at(&r, "devices.backlog", 89), 40 * 30);
    cr_assert_eq(mx_at(&r, "devices.backlog", 119), 40 * 60);
    cr_assert_eq(mx_sum(&r, "arrivals", 60, 120), 60 * 60, "only the online devices send");
    const zf_fault_rec_t *f = mx_fault(&r, "carrier");
    cr_assert_eq(f->rto_from, 120 * ZF_S);
    cr_assert_eq(zf_fault_rto_s(f), 0);
    double drain = r.rec.backlog_drain_s;
    cr_assert(drain >= 9 && drain <= 12, "drained %g s after the outage's end", drain);
    cr_assert_eq(mx_at(&r, "devices.backlog", r.nrows - 1), 0);
    mx_free(&r);
}

/* RTO with its sliding window. A single-zone database is down from 60 s to 90 s, so every
 * request of [60 s, 90 s) fails and every other succeeds. With a 10 s window and a 0.99
 * threshold, the windows that start in [51, 89] hold failed seconds and are below the
 * threshold; the window that starts at 90 s is the first of those that stay above it:
 * recovered at 90 s, RTO 30 s (the service is back when the failures stop; a window
 * looking back from a later instant would add up to its length). */
Test(faults, rto_runs_from_the_start_to_the_first_window_that_stays_available)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'rto', 'duration': '200s', 'zones': ['a'],"
           " 'kinds': [{'name': 'w', 'lb': 'lb', 'service': '1ms', 'db_writes': 1,"
           "   'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'w', 'rate_per_s': 50}]},"
           " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'min': 1, 'max': 1}],"
           " 'database': {'primary_zone': 'a', 'commit': '1ms'},"
           " 'recovery': {'threshold': 0.99, 'window': '10s'},"
           " 'faults': [{'name': 'crash', 'type': 'db_crash', 'after': '60s',"
           "   'duration': '30s'}]}",
           3);
    const zf_fault_rec_t *f = mx_fault(&r, "crash");
    cr_assert_eq(f->recovered, 90 * ZF_S);
    cr_assert_eq(zf_fault_rto_s(f), 30);
    cr_assert(f->detected >= 60 * ZF_S && f->detected < 61 * ZF_S);
    cr_assert_eq(f->phase_promotion, 30 * ZF_S);
    mx_free(&r);
}

/* Three zones, one instance of "app" in each, health checks every 10 s (2 to fail); the
 * group's launches take 30 s. %s: groups, faults. */
#define Z3(groups, faults)                                                                  \
    "{'name': 'z2', 'duration': '600s', 'zones': ['a', 'b', 'c'],"                         \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"          \
    " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 20}]},"        \
    " 'load_balancers': [{'name': 'lb', 'dns_ttl': '0s', 'dns_update_delay': '0s',"        \
    "   'health_check': {'interval': '10s', 'timeout': '5s', 'unhealthy_threshold': 2},"    \
    "   'rules': [{'kinds': '*', 'group': 'app'}]}],"                                        \
    " 'groups': [" groups "],"                                                               \
    " 'faults': [" faults "]}"
#define APP "{'name': 'app', 'min': 3, 'max': 3, 'instance': {'launch_time': '30s'}}"
#define LOSE_A "{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a', 'after': '60s'," \
               " 'duration': '120s'}"

/* The detection phase of a zone loss is when the lost zone's targets were marked
 * unhealthy (within two intervals plus the 5 s timeout: < 25 s), not when some unrelated
 * target was: here zone c turns slow at 100 s (its checks time out) and its target is
 * marked at 115-125 s,
 * inside the zone loss's watch, which must not move the zone loss's detection. */
Test(faults, detection_phase_counts_only_the_targets_the_fault_hit)
{
    mx_run_t r;
    mx_run(&r, Z3(APP, LOSE_A ", {'name': 'slow-c', 'type': 'zone_degradation', 'target': 'c',"
                          " 'after': '100s', 'duration': '100s', 'added_latency': '3s'}"),
           5);
    double d = zf_time_to_s(mx_fault(&r, "lose-a")->phase_detection);
    cr_assert(d >= 15 && d < 25, "lose-a detected after %g s", d);
    double c = zf_time_to_s(mx_fault(&r, "slow-c")->phase_detection);
    cr_assert(c >= 15 && c < 25, "slow-c detected after %g s", c);
    mx_free(&r);
}

/* The launch phase ends when every group the fault hit is back to its desired capacity in
 * service: here a second group boots in 200 s, so the phase is at least detection (15 s)
 * + 200 s, not the 30 s boot of the faster group. */
Test(faults, launch_phase_waits_for_the_slowest_group)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'two', 'duration': '600s', 'zones': ['a', 'b', 'c'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'},"
           "  {'name': 's', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 20},"
           "  {'name': 'others', 'kind': 's', 'rate_per_s': 20}]},"
           " 'load_balancers': [{'name': 'lb', 'dns_ttl': '0s', 'dns_update_delay': '0s',"
           "   'health_check': {'interval': '10s', 'timeout': '5s', 'unhealthy_threshold': 2},"
           "   'rules': [{'kinds': ['r'], 'group': 'app'}, {'kinds': ['s'], 'group': 'slow'}]}],"
           " 'groups': [" APP ", {'name': 'slow', 'min': 3, 'max': 3,"
           "   'instance': {'launch_time': '200s'}}],"
           " 'faults': [" LOSE_A "]}",
           5);
    double l = zf_time_to_s(mx_fault(&r, "lose-a")->phase_launch);
    cr_assert(l >= 210 && l < 221, "launch phase %g s", l);
    mx_free(&r);
}

/* Two lb_node_failure faults on one load balancer, on nodes a (60-100 s) and b (60-200 s).
 * Clients never re-resolve (TTL far beyond the run), so a third of them keep using each
 * node; a request to a failed node fails connect_timeout (10 s) later. The end of the
 * fault on a must heal a only: requests to b keep failing until 200 s (failures until
 * 210 s), and none fails after. */
Test(faults, ending_one_node_failure_heals_that_node_only)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'nodes', 'duration': '300s', 'zones': ['a', 'b', 'c'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 30}]},"
           " 'load_balancers': [{'name': 'lb', 'dns_ttl': '1000000s', 'connect_timeout': '10s',"
           "   'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'min': 3, 'max': 3}],"
           " 'faults': [{'name': 'node-a', 'type': 'lb_node_failure', 'target': 'lb',"
           "   'zone': 'a', 'after': '60s', 'duration': '40s'},"
           "  {'name': 'node-b', 'type': 'lb_node_failure', 'target': 'lb', 'zone': 'b',"
           "   'after': '60s', 'duration': '140s'}]}",
           5);
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_LB_NODE_DOWN]);
    /* 30/s, a third on b: about 10 failures a second from b alone */
    double late = mx_sum(&r, "failed", 150, 210), sent = mx_sum(&r, "arrivals", 140, 200);
    cr_assert(fabs(late - sent / 3) <= 3.29 * sqrt(sent * 2 / 9), "%g of %g failed", late, sent);
    cr_assert_eq(mx_sum(&r, "failed", 210, r.nrows), 0);
    cr_assert_eq(mx_sum(&r, "failed", 0, 70), 0);
    mx_free(&r);
}

/* Random failures of a single-zone database with deterministic MTBF 100 s and MTTR 20 s:
 * down from 100 s to 120 s, up for 100 s, down from 220 s to 240 s. */
Test(faults, random_database_failures_heal_after_their_mttr)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'random', 'duration': '300s', 'zones': ['a'],"
           " 'kinds': [{'name': 'w', 'lb': 'lb', 'service': '1ms', 'db_writes': 1,"
           "   'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'w', 'rate_per_s': 50}]},"
           " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'min': 1, 'max': 1}],"
           " 'database': {'name': 'pg', 'primary_zone': 'a', 'commit': '1ms'},"
           " 'faults': [{'name': 'flaky', 'type': 'random_failures', 'target': 'pg',"
           "   'mtbf': '100s', 'mttr': '20s'}]}",
           3);
    for (size_t s = 0; s < r.rec.nsec; s++) {
        bool down = (s >= 100 && s < 120) || (s >= 220 && s < 240);
        cr_assert_eq(down ? r.rec.per_sec_ok[s] : r.rec.per_sec_failed[s], 0, "second %zu", s);
    }
    cr_assert_gt(r.rec.failed, 0);
    mx_free(&r);
}

/* AWS FIS "AZ Availability: Power Interruption": zone a is lost for 120 s, then comes back
 * but stays impaired for a 120 s recovery phase in which nothing can launch there. The
 * database fails over to b (deterministic phases: 10 + 20 + 5 s). The group replaces a's
 * instance in b, and rebalances into a only once the recovery phase is over: the launch
 * at 300 s is in service at 330 s. The fault ends at 60 + 120 + 120 = 300 s. */
Test(faults, az_power_interruption_keeps_the_zone_impaired_through_recovery)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'fis', 'duration': '600s', 'zones': ['a', 'b'],"
           " 'kinds': [{'name': 'w', 'lb': 'lb', 'service': '1ms', 'db_writes': 1,"
           "   'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'w', 'rate_per_s': 20}]},"
           " 'load_balancers': [{'name': 'lb', 'dns_ttl': '0s', 'dns_update_delay': '0s',"
           "   'health_check': {'interval': '10s', 'timeout': '5s'},"
           "   'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'min': 2, 'max': 2, 'instance': {'launch_time': '30s'}}],"
           " 'database': {'primary_zone': 'a', 'standby_zone': 'b', 'commit': '1ms',"
           "   'failover': {'detection': '10s', 'promotion': '20s', 'dns_switch': '5s'}},"
           " 'faults': [{'name': 'power', 'type': 'az_power_interruption', 'target': 'a',"
           "   'after': '60s', 'duration': '120s', 'recovery': '120s'}]}",
           5);
    const zf_fault_rec_t *f = mx_fault(&r, "power");
    cr_assert_eq(f->end, 300 * ZF_S);
    cr_assert_eq(f->phase_promotion, 35 * ZF_S);
    cr_assert_eq(mx_at(&r, "db.primary_zone", 95), 1);
    cr_assert_eq(mx_at(&r, "instances.app.b", 120), 2);
    for (size_t s = 60; s < 330; s++)
        cr_assert_eq(mx_at(&r, "instances.app.a", s), 0, "second %zu", s);
    cr_assert_eq(mx_at(&r, "instances.app.a", 330), 1);
    mx_free(&r);
}

/* The same outage into two one-worker instances with room for one waiting request (200
 * requests a second at most; EC2 health checks, so that an instance found full at a check
 * is not replaced): nothing fails during the outage, but the storm of 40 devices resending 60 messages
 * each within 10 s overflows them (queue_full). The RTO counts from the outage's end. */
Test(faults, device_network_outage_rto_counts_from_its_end)
{
    mx_run_t r;
    mx_run(&r, CARRIER(", 'health_check_type': 'EC2'", "'workers': 1, 'vcpus': 1, 'queue_limit': 1"), 4);
    cr_assert_eq(mx_sum(&r, "failed", 0, 120), 0, "nothing fails while the devices buffer");
    cr_assert_gt(r.rec.by_cause[ZF_CAUSE_QUEUE_FULL], 0, "the storm overflows");
    const zf_fault_rec_t *f = mx_fault(&r, "carrier");
    cr_assert_gt(f->recovered, 120 * ZF_S);
    cr_assert_eq(zf_fault_rto_s(f), zf_time_to_s(f->recovered - 120 * ZF_S));
    cr_assert_lt(zf_fault_rto_s(f), 60, "rto %g s", zf_fault_rto_s(f));
    mx_free(&r);
}

/* Recovery past the fault's horizon. The only instance of a group crashes at 60 s; with
 * EC2 health checks it is replaced only when its status checks find it, 600 s later
 * (660 s), and the replacement serves from 690 s (30 s launch; a new target gets
 * requests by fail-open at once). Every request fails from 60 s to 690 s: the service is
 * back at 690 s, RTO 630 s, although the fault's horizon (its end plus 5 minutes) is at
 * 360 s. */
Test(faults, recovery_after_the_horizon_is_found_where_it_happens)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'slow-repair', 'duration': '900s', 'zones': ['a'],"
           " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"
           " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 20}]},"
           " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}],"
           "   'health_check': {'interval': '10s', 'timeout': '5s'}}],"
           " 'groups': [{'name': 'app', 'health_check_type': 'EC2', 'status_check_delay': '600s',"
           "   'instance': {'launch_time': '30s'}}],"
           " 'recovery': {'threshold': 0.99, 'window': '10s'},"
           " 'faults': [{'name': 'crash', 'type': 'instance_crash', 'target': 'app',"
           "   'after': '60s'}]}",
           3);
    cr_assert_eq(mx_sum(&r, "ok", 61, 690), 0);
    cr_assert_eq(mx_sum(&r, "failed", 690, r.nrows), 0);
    const zf_fault_rec_t *f = mx_fault(&r, "crash");
    cr_assert_eq(f->recovered, 690 * ZF_S, "recovered at %.0f s", zf_time_to_s(f->recovered));
    cr_assert_eq(zf_fault_rto_s(f), 630);
    mx_free(&r);
}

/* A zone outage in mode partition cuts the zone off and keeps everything in it running;
 * mode crash (the default) kills its instances. Two zones, an instance in each (EC2 health
 * checks: nothing is replaced), zone a lost from 60 s to 120 s. The series counts the
 * instances in service: the crash leaves zone a none from 60 s to the end; the partition
 * keeps its one, which is reachable again after 120 s: its requests (round robin, half of
 * 20 a second) succeed once it passes its checks again, and nothing fails from 150 s on. */
#define CUT(mode)                                                                           \
    "{'name': 'cut', 'duration': '200s', 'zones': ['a', 'b'],"                             \
    " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms', 'timeout': '30s'}],"           \
    " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 20}]},"         \
    " 'load_balancers': [{'name': 'lb', 'zones': ['b'], 'cross_zone': true,"               \
    "   'health_check': {'interval': '10s', 'timeout': '5s'},"                              \
    "   'rules': [{'kinds': '*', 'group': 'app'}]}],"                                        \
    " 'groups': [{'name': 'app', 'min': 2, 'max': 2, 'health_check_type': 'EC2'}],"        \
    " 'faults': [{'name': 'lose-a', 'type': 'zone_outage', " mode " 'target': 'a',"        \
    "   'after': '60s', 'duration': '60s'}]}"

Test(faults, a_partition_keeps_the_zone_running_and_a_crash_kills_it)
{
    mx_run_t r;
    mx_run(&r, CUT("'mode': 'partition',"), 7);
    for (size_t s = 0; s < r.nrows; s++)
        cr_assert_eq(mx_at(&r, "instances.app.a", s), 1, "partition: second %zu", s);
    cr_assert_gt(mx_sum(&r, "failed_instance_lost", 60, 90), 0);
    cr_assert_eq(mx_sum(&r, "failed", 150, r.nrows), 0);
    mx_free(&r);
    mx_run(&r, CUT(""), 7);
    for (size_t s = 60; s < r.nrows; s++)
        cr_assert_eq(mx_at(&r, "instances.app.a", s), 0, "crash: second %zu", s);
    mx_free(&r);
}

/* "mode" is a zone_outage's, and crash or partition; "loss_unit" a zone_degradation's. */
Test(faults, mode_and_loss_unit_are_checked)
{
    cr_assert_str_eq(mx_refused(CUT("'mode': 'cut',")),
                     "t.json: $.faults[0].mode: expected one of: crash, partition, got the string \"cut\"");
    const char *msg = mx_refused(
        "{'name': 'm', 'duration': '60s', 'zones': ['a'],"
        " 'kinds': [{'name': 'r', 'lb': 'lb', 'service': '10ms'}],"
        " 'workload': {'sources': [{'name': 'users', 'kind': 'r', 'rate_per_s': 1}]},"
        " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"
        " 'groups': [{'name': 'app'}],"
        " 'faults': [{'name': 'slow', 'type': 'zone_degradation', 'mode': 'partition',"
        "   'target': 'a', 'after': '10s', 'duration': '10s', 'loss': 0.5}]}");
    cr_assert_str_eq(msg, "t.json: $.faults[0].mode: \"mode\" applies to a zone_outage only");
    cr_assert_str_eq(mx_refused(CUT("'loss_unit': 'packet',")),
                     "t.json: $.faults[0].loss_unit: \"loss_unit\" applies to a zone_degradation only");
}
