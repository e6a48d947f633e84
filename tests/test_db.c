/* Tests of sim/model/db (connections, per-operation latencies, failover phases, re-sync,
 * acknowledged writes lost to asynchronous replication and to point-in-time restores)
 * through the public API, with deterministic latencies and traffic so that the answers
 * can be computed by hand. */
#include "model_fixture.h"

/* Two zones, a group of two instances, a database whose reads and replication round trips
 * take 1 ms (commits: C1, or as the test says). The kind writes once and must not lose its
 * write. %s: database options (after primary_zone), workload, faults. */
#define DB2(dbopts, workload, faults)                                                       \
    "{'name': 'db', 'duration': '240s', 'zones': ['a', 'b'],"                              \
    " 'kinds': [{'name': 'w', 'lb': 'lb', 'service': '1ms', 'db_writes': 1,"               \
    "   'must_not_lose': true, 'timeout': '30s'}],"                                          \
    " 'workload': {" workload "},"                                                           \
    " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"       \
    " 'groups': [{'name': 'app', 'min': 2, 'max': 2, 'instance': {'vcpus': 8}}],"          \
    " 'database': {'primary_zone': 'a', 'read': '1ms', 'replication_rtt': '1ms'" dbopts "},"\
    " 'faults': [" faults "]}"

/* 50 requests a second from a Poisson source: no client retries. */
#define POISSON "'sources': [{'name': 'users', 'kind': 'w', 'rate_per_s': 50}]"
/* 10 devices writing once a second each, at fixed phases (no jitter). */
#define FLEET10 "'devices': {'count': 10, 'report': {'kind': 'w', 'interval': '1s'," \
                " 'jitter': '0s'}}"
#define C1 ", 'commit': '1ms'"
#define PHASES C1 ", 'failover': {'detection': '10s', 'promotion': '20s', 'dns_switch': '5s'}"

/* Failover in deterministic phases: detection 10 s, promotion 20 s, DNS switch 5 s. The
 * primary crashes at 60 s: every database call fails (db_unavailable) from 60 s until
 * 95 s, and none before or after; a request whose CPU ends at 95 s or later finds the new
 * primary. The series shows the state (1: failing over) over seconds 60..94 and the
 * primary in zone b (index 1) from second 95. The fault's promotion phase is 35 s. The
 * standby was synchronous: no acknowledged write is lost. */
Test(db, failover_phases_make_the_database_unavailable_for_their_sum)
{
    mx_run_t r;
    mx_run(&r, DB2(", 'standby_zone': 'b'" PHASES, POISSON,
                   "{'name': 'crash', 'type': 'db_crash', 'after': '60s'}"),
           3);
    for (size_t s = 0; s < r.rec.nsec; s++) {
        bool down = s >= 60 && s < 95;
        if (down)
            cr_assert_eq(r.rec.per_sec_ok[s], 0, "second %zu: %u ok during failover", s,
                         r.rec.per_sec_ok[s]);
        else
            cr_assert_eq(r.rec.per_sec_failed[s], 0, "second %zu: %u failed", s,
                         r.rec.per_sec_failed[s]);
        cr_assert_eq(mx_at(&r, "db.state", s), down ? 1 : 0, "second %zu", s);
        cr_assert_eq(mx_at(&r, "db.primary_zone", s), s < 95 ? 0 : 1, "second %zu", s);
    }
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_DB_UNAVAILABLE]);
    double sent = mx_sum(&r, "arrivals", 60, 95);
    cr_assert(fabs((double)r.rec.failed - sent) <= 2, "%lu failed, %g sent during failover",
              (unsigned long)r.rec.failed, sent);
    const zf_fault_rec_t *f = mx_fault(&r, "crash");
    cr_assert_eq(f->phase_promotion, 35 * ZF_S);
    cr_assert_eq(r.rec.lost_writes, 0);
    cr_assert_eq(r.rec.rpo_s, 0);
    cr_assert_eq(r.rec.acked_writes, r.rec.ok);
    mx_free(&r);
}

/* A forced failover (reboot with failover) skips detection: promotion + DNS = 25 s. */
Test(db, forced_failover_skips_detection)
{
    mx_run_t r;
    mx_run(&r, DB2(", 'standby_zone': 'b'" PHASES, POISSON,
                   "{'name': 'switch', 'type': 'db_failover', 'after': '60s'}"),
           3);
    cr_assert_eq(mx_fault(&r, "switch")->phase_promotion, 25 * ZF_S);
    cr_assert_eq(mx_sum(&r, "ok", 60, 85), 0);
    cr_assert_eq(mx_sum(&r, "failed", 85, r.nrows), 0);
    cr_assert_gt(r.rec.per_sec_ok[85], 0);
    mx_free(&r);
}

/* The old primary re-syncs and becomes the standby (resync 30 s after the switch at
 * 95 s: 125 s), so a second crash at 200 s fails over again, back to zone a, in 35 s. */
Test(db, old_primary_resyncs_and_serves_the_next_failover)
{
    mx_run_t r;
    mx_run(&r, DB2(", 'standby_zone': 'b', 'resync': '30s'" PHASES, POISSON,
                   "{'name': 'crash', 'type': 'db_crash', 'after': '60s'},"
                   "{'name': 'again', 'type': 'db_crash', 'after': '200s'}"),
           3);
    cr_assert_eq(mx_fault(&r, "again")->phase_promotion, 35 * ZF_S);
    cr_assert_eq(mx_at(&r, "db.primary_zone", 234), 1);
    cr_assert_eq(mx_at(&r, "db.primary_zone", 235), 0);
    cr_assert_eq(mx_sum(&r, "ok", 200, 235), 0);
    cr_assert_eq(r.rec.lost_writes, 0);
    mx_free(&r);
}

/* Asynchronous replication with a deterministic lag L = 5 s: the standby lacks the writes
 * acknowledged in the last 5 s before the crash at 60 s. Ten devices each have one write
 * acknowledged a second at a fixed phase, so the window (55 s, 60 s] holds exactly 10 x 5
 * = 50 of them: 50 lost, and the recovery point is the lag, 5 s before the crash. */
Test(db, async_replication_loses_the_writes_of_the_last_lag)
{
    mx_run_t r;
    mx_run(&r, DB2(", 'standby_zone': 'b', 'replication': 'async', 'async_lag': '5s'" PHASES,
                   FLEET10, "{'name': 'crash', 'type': 'db_crash', 'after': '60s'}"),
           5);
    cr_assert_eq(r.rec.lost_writes, 50, "%lu lost", (unsigned long)r.rec.lost_writes);
    cr_assert_eq(r.rec.rpo_s, 5.0, "rpo %g s", r.rec.rpo_s);
    mx_free(&r);
}

/* Point-in-time restore at 150 s with logs shipped every 60 s (from the start): the
 * newest restorable point is the boundary at 120 s, so the writes acknowledged in
 * (120 s, 150 s] are lost: 10 devices x 30 = 300, RPO 30 s. The restore takes 20 s
 * (the fault's duration), during which the database is unavailable. */
Test(db, point_in_time_restore_loses_the_writes_since_the_last_log_shipment)
{
    mx_run_t r;
    mx_run(&r, DB2(", 'standby_zone': 'b', 'log_ship_interval': '60s'" C1, FLEET10,
                   "{'name': 'restore', 'type': 'point_in_time_restore', 'after': '150s',"
                   " 'duration': '20s'}"),
           5);
    cr_assert_eq(r.rec.lost_writes, 300, "%lu lost", (unsigned long)r.rec.lost_writes);
    cr_assert_eq(r.rec.rpo_s, 30.0, "rpo %g s", r.rec.rpo_s);
    cr_assert_eq(mx_sum(&r, "ok", 150, 170), 0);
    cr_assert_gt(mx_sum(&r, "failed_db_unavailable", 150, 170), 0);
    cr_assert_eq(mx_sum(&r, "failed", 0, 150), 0);
    cr_assert_eq(mx_fault(&r, "restore")->phase_promotion, 20 * ZF_S);
    mx_free(&r);
}

/* A single-zone database that crashes is down for the fault's duration (30 s) and comes
 * back with its data: unavailable over [60 s, 90 s) exactly, nothing lost. */
Test(db, single_zone_crash_is_down_for_the_fault_duration_and_loses_nothing)
{
    mx_run_t r;
    mx_run(&r, DB2(C1, POISSON,
                   "{'name': 'crash', 'type': 'db_crash', 'after': '60s', 'duration': '30s'}"),
           3);
    for (size_t s = 0; s < r.rec.nsec; s++) {
        bool down = s >= 60 && s < 90;
        cr_assert_eq(down ? r.rec.per_sec_ok[s] : r.rec.per_sec_failed[s], 0, "second %zu", s);
        cr_assert_eq(mx_at(&r, "db.state", s), down ? 2 : 0, "second %zu", s);
    }
    cr_assert_eq(r.rec.failed, r.rec.by_cause[ZF_CAUSE_DB_UNAVAILABLE]);
    cr_assert_eq(r.rec.lost_writes, 0);
    cr_assert_eq(mx_fault(&r, "crash")->phase_promotion, 30 * ZF_S);
    mx_free(&r);
}

/* A forced failover needs a standby to fail over to. */
Test(db, forced_failover_without_a_standby_is_refused)
{
    const char *msg = mx_refused(DB2(C1, POISSON,
                                     "{'name': 'switch', 'type': 'db_failover', 'after': '60s'}"));
    cr_assert(strstr(msg, "$.faults[0]") && strstr(msg, "standby"), "%s", msg);
}

/* Connections: one connection and no waiting room. Three writes reach the database within
 * 1 ms (a burst of a 3-device fleet) while a commit takes 1 s: the first gets the
 * connection, the other two are refused at once (db_unavailable, "too many connections").
 * With one waiting place, the second waits and commits at 2 s; the third is refused. */
#define BURST3 "'devices': {'count': 3, 'retry': {'max_attempts': 1}}, 'bursts': [{'name': 'b'," \
               " 'after': '10s', 'duration': '1ms', 'fleet_fraction': 1, 'kind': 'w'}]"

Test(db, connection_limit_refuses_what_cannot_wait)
{
    mx_run_t r;
    mx_run(&r, DB2(", 'commit': '1s', 'max_connections': 1, 'queue_limit': 0", BURST3, ""), 1);
    cr_assert_eq(r.rec.ok, 1);
    cr_assert_eq(r.rec.by_cause[ZF_CAUSE_DB_UNAVAILABLE], 2);
    cr_assert_eq(r.rec.per_sec_failed[10], 2);
    mx_free(&r);
    mx_run(&r, DB2(", 'commit': '1s', 'max_connections': 1, 'queue_limit': 1", BURST3, ""), 1);
    cr_assert_eq(r.rec.ok, 2);
    cr_assert_eq(r.rec.by_cause[ZF_CAUSE_DB_UNAVAILABLE], 1);
    cr_assert(r.rec.latency.max > 2 * ZF_S && r.rec.latency.max < 2 * ZF_S + 10 * ZF_MS,
              "the waiting write took %ld ns", (long)r.rec.latency.max);
    mx_free(&r);
}

/* Writes in flight in the database when it crashes fail with db_unavailable at the crash
 * and are indeterminate: committed or not, their clients cannot know. With 1 s commits
 * and 20 writes a second, about 20 are in flight (Little's law, Poisson: +-3.29 sd); they
 * are neither acknowledged nor lost. */
Test(db, writes_in_flight_at_a_crash_are_indeterminate)
{
    mx_run_t r;
    mx_run(&r, DB2(", 'standby_zone': 'b', 'commit': '1s', 'failover': {'detection': '10s',"
                   " 'promotion': '20s', 'dns_switch': '5s'}",
                   "'sources': [{'name': 'users', 'kind': 'w', 'rate_per_s': 20}]",
                   "{'name': 'crash', 'type': 'db_crash', 'after': '60s'}"),
           8);
    double n = (double)r.rec.indeterminate_writes;
    cr_assert(fabs(n - 20) <= 3.29 * sqrt(20), "%g indeterminate", n);
    cr_assert_eq(r.rec.lost_writes, 0);
    cr_assert_eq(r.rec.acked_writes, r.rec.ok);
    mx_free(&r);
}

/* Losing the standby. Zone b (the standby's) is lost from 60 s to 160 s: commits stall for
 * standby_loss_block (5 s) and then go on without replication. A primary crash at 100 s
 * cannot fail over (no standby in sync): the database is down for the crash's 30 s and
 * comes back as it was. When b returns, its database re-syncs (20 s) and is the standby
 * again from 180 s, so a crash at 200 s fails over to b in 35 s. The group lives in a and
 * c: only the database feels zone b. */
Test(db, lost_standby_stalls_commits_and_leaves_no_failover)
{
    mx_run_t r;
    mx_run(&r,
           "{'name': 'standby', 'duration': '260s', 'zones': ['a', 'b', 'c'],"
           " 'kinds': [{'name': 'w', 'lb': 'lb', 'service': '1ms', 'db_writes': 1,"
           "   'must_not_lose': true, 'timeout': '30s'}],"
           " 'workload': {" POISSON "},"
           " 'load_balancers': [{'name': 'lb', 'zones': ['a', 'c'],"
           "   'rules': [{'kinds': '*', 'group': 'app'}]}],"
           " 'groups': [{'name': 'app', 'zones': ['a', 'c'], 'min': 2, 'max': 2,"
           "   'instance': {'vcpus': 8}}],"
           " 'database': {'primary_zone': 'a', 'standby_zone': 'b', 'read': '1ms',"
           "   'replication_rtt': '1ms', 'standby_loss_block': '5s', 'resync': '20s'" PHASES "},"
           " 'faults': [{'name': 'lose-b', 'type': 'zone_outage', 'target': 'b', 'after': '60s',"
           "   'duration': '100s'},"
           "  {'name': 'crash', 'type': 'db_crash', 'after': '100s', 'duration': '30s'},"
           "  {'name': 'again', 'type': 'db_crash', 'after': '200s'}]}",
           3);
    for (size_t s = 0; s < r.rec.nsec; s++) {
        bool down = (s >= 100 && s < 130) || (s >= 200 && s < 235);
        cr_assert_eq(down ? r.rec.per_sec_ok[s] : r.rec.per_sec_failed[s], 0, "second %zu", s);
        cr_assert_eq(mx_at(&r, "db.state", s), s >= 100 && s < 130 ? 2 : s >= 200 && s < 235,
                     "second %zu", s);
    }
    /* the writes of [60 s, 65 s) waited for the stall: the slowest nearly 5 s */
    cr_assert(r.rec.latency.max > 4900 * ZF_MS && r.rec.latency.max <= 5010 * ZF_MS,
              "slowest %ld ns", (long)r.rec.latency.max);
    cr_assert_eq(mx_fault(&r, "crash")->phase_promotion, 30 * ZF_S);
    cr_assert_eq(mx_fault(&r, "again")->phase_promotion, 35 * ZF_S);
    cr_assert_eq(mx_at(&r, "db.primary_zone", 235), 1);
    cr_assert_eq(r.rec.lost_writes, 0);
    mx_free(&r);
}

/* Only a write inside a database call at the crash is indeterminate: with one connection
 * and 1 s commits, the writes waiting for the connection were never sent, so they fail
 * (db_unavailable) without doubt. 20 writes a second: one in the call, the rest waiting. */
Test(db, writes_waiting_for_a_connection_at_a_crash_are_not_indeterminate)
{
    mx_run_t r;
    mx_run(&r, DB2(", 'standby_zone': 'b', 'commit': '1s', 'max_connections': 1,"
                   " 'failover': {'detection': '10s', 'promotion': '20s', 'dns_switch': '5s'}",
                   "'sources': [{'name': 'users', 'kind': 'w', 'rate_per_s': 20}]",
                   "{'name': 'crash', 'type': 'db_crash', 'after': '60s'}"),
           8);
    cr_assert_eq(r.rec.indeterminate_writes, 1);
    cr_assert_gt(r.rec.per_sec_failed[60], 10, "the waiting ones fail at the crash");
    mx_free(&r);
}

/* As DB2, over 1500 s, with 20 devices writing once a second each (30,000 writes: the ring
 * of acknowledgement times wraps, grows and is trimmed). */
#define DB2_LONG(dbopts, faults)                                                            \
    "{'name': 'db', 'duration': '1500s', 'zones': ['a', 'b'],"                             \
    " 'kinds': [{'name': 'w', 'lb': 'lb', 'service': '1ms', 'db_writes': 1,"               \
    "   'must_not_lose': true, 'timeout': '30s'}],"                                          \
    " 'workload': {'devices': {'count': 20, 'report': {'kind': 'w', 'interval': '1s',"     \
    "   'jitter': '0s'}}},"                                                                  \
    " 'load_balancers': [{'name': 'lb', 'rules': [{'kinds': '*', 'group': 'app'}]}],"       \
    " 'groups': [{'name': 'app', 'min': 2, 'max': 2, 'instance': {'vcpus': 8}}],"          \
    " 'database': {'primary_zone': 'a', 'read': '1ms', 'replication_rtt': '1ms'" dbopts "},"\
    " 'faults': [" faults "]}"

/* An asynchronous standby 15 minutes behind at a crash at 1200 s: the accounting keeps
 * ten minutes of acknowledgements before the latest one, so 20 x 600 writes are lost
 * and one more, the window being closed at both ends, while the RPO is the whole lag. */
Test(db, a_loss_reaches_back_ten_minutes_before_the_latest_acknowledgement)
{
    mx_run_t r;
    mx_run(&r, DB2_LONG(", 'standby_zone': 'b', 'replication': 'async', 'async_lag': '15m'"
                        PHASES, "{'name': 'crash', 'type': 'db_crash', 'after': '1200s'}"),
           5);
    cr_log_info("lost %lu", (unsigned long)r.rec.lost_writes);
    cr_assert_eq(r.rec.lost_writes, 20 * 600 + 1, "%lu lost",
              (unsigned long)r.rec.lost_writes);
    cr_assert_eq(r.rec.rpo_s, 900.0, "rpo %g s", r.rec.rpo_s);
    mx_free(&r);
}

/* After 25,000 writes (the ring wrapped and was trimmed many times), an async crash at
 * 1250 s with a 5 s lag loses the last 5 s of writes, and a point-in-time restore at
 * 1430 s (logs shipped every 60 s) loses those of (1380 s, 1430 s] but not the ones the
 * crash already lost. */
Test(db, losses_are_exact_after_the_ring_wrapped_and_count_each_write_once)
{
    mx_run_t r;
    mx_run(&r, DB2_LONG(", 'standby_zone': 'b', 'replication': 'async', 'async_lag': '5s',"
                        " 'log_ship_interval': '60s'" PHASES,
                        "{'name': 'crash', 'type': 'db_crash', 'after': '1250s'},"
                        "{'name': 'restore', 'type': 'point_in_time_restore', 'after': '1430s',"
                        " 'duration': '20s'}"),
           5);
    cr_log_info("lost %lu", (unsigned long)r.rec.lost_writes);
    cr_assert_eq(r.rec.lost_writes, 20 * 5 + 20 * 50, "%lu lost",
                 (unsigned long)r.rec.lost_writes);
    cr_assert_eq(r.rec.rpo_s, 50.0, "rpo %g s", r.rec.rpo_s);
    mx_free(&r);
}

/* A failover after a partition of the primary's zone. Three zones; the load balancer's
 * nodes and the group's two instances are in b and c, the primary in a, the standby in b;
 * failover phases 10 s, 0, 0; 90 devices write once a second at fixed phases, a write
 * takes 10 ms of CPU then a 1 us commit. Zone a is cut off at 60 s for 120 s.
 *
 * The database fails over at 70 s. With mode crash (the default) every write whose
 * database call comes in [60 s, 70 s) fails: 10 s of writes, 900. With mode partition the
 * old primary is silent, not gone: each instance reaches the new primary only `reconnect`
 * (4 s, constant) after the switch, so the window is [60 s, 74 s): 1,260 writes, all
 * db_unavailable. Each device sends once in any 1 s window, so these are exact (a write
 * inside the 1 us commit at 60 s would add one; with this seed none is). */
#define SILENT(mode, reconnect)                                                                      \
    "{'name': 'silent', 'duration': '240s', 'zones': ['a', 'b', 'c'],"                     \
    " 'kinds': [{'name': 'w', 'lb': 'lb', 'service': '10ms', 'db_writes': 1,"              \
    "   'must_not_lose': true, 'timeout': '30s'}],"                                          \
    " 'workload': {'devices': {'count': 90, 'report': {'kind': 'w', 'interval': '1s',"     \
    "   'jitter': '0s'}, 'buffer_limit': 1, 'retry': {'max_attempts': 1}}},"               \
    " 'load_balancers': [{'name': 'lb', 'zones': ['b', 'c'], 'cross_zone': true,"          \
    "   'rules': [{'kinds': '*', 'group': 'app'}]}],"                                        \
    " 'groups': [{'name': 'app', 'zones': ['b', 'c'], 'min': 2, 'max': 2,"                 \
    "   'instance': {'vcpus': 8}}],"                                                         \
    " 'database': {'primary_zone': 'a', 'standby_zone': 'b', 'read': '1us',"               \
    "   'commit': '1us', 'replication_rtt': '0s', 'reconnect': " reconnect ","               \
    "   'failover': {'detection': '10s', 'promotion': '0s', 'dns_switch': '0s'}},"         \
    " 'faults': [{'name': 'cut-a', 'type': 'zone_outage', " mode " 'target': 'a',"         \
    "   'after': '60s', 'duration': '120s'}]}"

Test(db, failover_after_a_partition_waits_for_each_instance_to_reconnect)
{
    mx_run_t r;
    mx_run(&r, SILENT("", "'4s'"), 4);
    cr_assert_eq(mx_sum(&r, "failed", 0, r.nrows), 900, "crash: %.0f failed",
                 mx_sum(&r, "failed", 0, r.nrows));
    cr_assert_eq(mx_sum(&r, "failed", 70, 71), 0, "crash: writes fail in second 70");
    mx_free(&r);
    mx_run(&r, SILENT("'mode': 'partition',", "'4s'"), 4);
    cr_assert_eq(mx_sum(&r, "failed", 0, r.nrows), 1260, "partition: %.0f failed",
                 mx_sum(&r, "failed", 0, r.nrows));
    cr_assert_eq(mx_sum(&r, "failed_db_unavailable", 0, r.nrows), 1260);
    cr_assert_eq(mx_sum(&r, "failed", 60, 74), 1260, "the failures are not in [60 s, 74 s)");
    mx_free(&r);
}

/* The reconnect delay is a distribution, drawn per instance: uniform in [0, 4 s) gives
 * each of the two instances its own instant, so fewer writes fail than with 4 s for both
 * (between the 900 of no delay and the 1,260 of 4 s), and some fail after 70 s. */
Test(db, reconnect_is_drawn_per_instance)
{
    mx_run_t r;
    mx_run(&r, SILENT("'mode': 'partition',", "{'dist': 'uniform', 'min': '0s', 'max': '4s'}"), 4);
    double failed = mx_sum(&r, "failed", 0, r.nrows), late = mx_sum(&r, "failed", 70, 74);
    cr_assert(failed > 900 && failed < 1260, "%.0f failed", failed);
    cr_assert(late > 0 && late == failed - 900, "%.0f failed after 70 s of %.0f", late, failed);
    mx_free(&r);
}
