/* Cross-cutting tests of the deployment model (sim/model as a whole) through the public
 * API: every request ends exactly once under many faults at once, a run is a function of
 * its seed, and two deployments compared on one seed face the same requests (common
 * random numbers). */
#include "model_fixture.h"

/* Kinds and a workload of every class, shared by the deployments below: devices (reports,
 * trips of 3 minutes, retries), a Poisson source, web users, service locations and an
 * agency batch, from 07:00 for 15 minutes; every class falls silent at %s (a burst of
 * multiplier 0; trips under way still end). */
#define KINDS_WL(lb_dev, lb_web)                                                            \
    " 'kinds': ["                                                                            \
    "  {'name': 'report', 'lb': '" lb_dev "', 'service': {'dist': 'lognormal', 'mean': '15ms',"\
    "   'stddev': '10ms'}, 'db_writes': 1, 'must_not_lose': true, 'timeout': '10s'},"        \
    "  {'name': 'gps', 'lb': '" lb_dev "', 'service': '8ms', 'db_writes': 1, 'timeout': '10s'},"\
    "  {'name': 'ignition', 'lb': '" lb_dev "', 'service': '10ms', 'db_reads': 1,"           \
    "   'db_writes': 1, 'must_not_lose': true, 'timeout': '10s'},"                           \
    "  {'name': 'page', 'lb': '" lb_web "', 'service': {'dist': 'exponential', 'mean': '30ms'},"\
    "   'db_reads': 3, 'timeout': '10s'},"                                                    \
    "  {'name': 'calibration', 'lb': '" lb_web "', 'service': '60ms', 'db_reads': 2,"        \
    "   'db_writes': 2, 'must_not_lose': true, 'timeout': '20s'},"                           \
    "  {'name': 'query', 'lb': '" lb_web "', 'service': '200ms', 'db_reads': 10,"            \
    "   'timeout': '20s'}],"                                                                  \
    " 'workload': {'start': '07:00',"                                                       \
    "  'devices': {'count': 3000, 'report': {'kind': 'report', 'interval': '5m'},"          \
    "   'trips': {'per_day': 20, 'gps_kind': 'gps', 'ignition_kind': 'ignition',"           \
    "    'gps_interval': '30s', 'duration': '3m'}, 'retry': {'base': '2s', 'cap': '30s'}},"  \
    "  'sources': [{'name': 'api', 'kind': 'page', 'rate_per_s': 5}],"                      \
    "  'web': {'peak_rate_per_s': 5, 'mix': [{'kind': 'page'}]},"                           \
    "  'locations': {'count': 500, 'calibration_kind': 'calibration',"                      \
    "   'calibrations_per_day': 20},"                                                        \
    "  'agencies': {'count': 10, 'batches': [{'at': '07:05', 'queries': 5, 'spread': '2m',"  \
    "   'kind': 'query'}]},"                                                                 \
    "  'bursts': [{'name': 'quiet', 'after': '%s', 'duration': '1h', 'multiplier': 0}]},"

/* The multi-zone design: two load balancers over three zones, two groups, a Multi-AZ
 * database with deterministic failover phases. */
#define MULTI_AZ                                                                            \
    " 'zones': ['a', 'b', 'c'],"                                                             \
    " 'load_balancers': [{'name': 'alb-dev', 'dns_ttl': '30s', 'dns_update_delay': '10s',"  \
    "   'health_check': {'interval': '10s', 'timeout': '5s'},"                              \
    "   'rules': [{'kinds': '*', 'group': 'device-api'}]},"                                  \
    "  {'name': 'alb-web', 'rules': [{'kinds': '*', 'group': 'web'}]}],"                     \
    " 'groups': [{'name': 'device-api', 'min': 3, 'max': 9,"                                 \
    "   'instance': {'launch_time': '40s', 'queue_timeout': '5s'},"                          \
    "   'scaling': {'policy': 'target_tracking', 'target_cpu': 0.5}},"                       \
    "  {'name': 'web', 'min': 3, 'max': 6, 'instance': {'launch_time': '40s'}}],"            \
    " 'database': {'primary_zone': 'a', 'standby_zone': 'b', 'resync': '60s',"              \
    "   'failover': {'detection': '10s', 'promotion': '20s', 'dns_switch': '5s'}},"

/* The legacy design: every application on one instance in one zone, one database. */
#define LEGACY                                                                              \
    " 'zones': ['a'],"                                                                       \
    " 'load_balancers': [{'name': 'alb-dev', 'rules': [{'kinds': '*', 'group': 'all'}]},"   \
    "  {'name': 'alb-web', 'rules': [{'kinds': '*', 'group': 'all'}]}],"                     \
    " 'groups': [{'name': 'all', 'min': 1, 'max': 1, 'instance': {'vcpus': 16,"             \
    "   'workers': 256}}],"                                                                   \
    " 'database': {'primary_zone': 'a'},"

#define FAULTS                                                                              \
    " 'faults': [{'name': 'lose-a', 'type': 'zone_outage', 'target': 'a', 'after': '60s',"  \
    "   'duration': '120s'},"                                                                \
    "  {'name': 'crash-db', 'type': 'db_crash', 'after': '300s'},"                           \
    "  {'name': 'crash-two', 'type': 'instance_crash', 'target': 'device-api', 'count': 2,"  \
    "   'after': '330s'},"                                                                   \
    "  {'name': 'lossy-c', 'type': 'zone_degradation', 'target': 'c', 'after': '360s',"      \
    "   'duration': '60s', 'loss': 0.05, 'added_latency': '20ms'}]}"

static char *scenario(const char *design, const char *quiet_after, const char *faults)
{
    char *text = NULL;
    char head[] = "{'name': 'model', 'duration': '900s', 'seed': 7,";
    size_t n = (size_t)snprintf(NULL, 0, "%s" KINDS_WL("alb-dev", "alb-web") "%s%s", head,
                                quiet_after, design, faults);
    text = malloc(n + 1);
    cr_assert_not_null(text);
    snprintf(text, n + 1, "%s" KINDS_WL("alb-dev", "alb-web") "%s%s", head, quiet_after, design,
             faults);
    return text;
}

/* Conservation under a zone outage (with its database failover), a second database crash,
 * two instance crashes and a lossy zone, with retries: every request ends exactly once.
 * All traffic stops at 600 s (a burst of multiplier 0) and the devices' buffers drain, so
 * at 900 s nothing is in flight, and the outcomes add up to the requests exactly. */
Test(model, every_request_ends_exactly_once_under_many_faults)
{
    char *text = scenario(MULTI_AZ, "600s", FAULTS);
    mx_run_t r;
    mx_run(&r, text, 7);
    free(text);
    mx_expect_conservation(&r, true);
    cr_assert_eq(zf_rec_in_flight(&r.rec), 0);
    cr_assert_eq(mx_at(&r, "in_flight", r.nrows - 1), 0);
    cr_assert_eq(r.rec.arrivals, r.rec.ok + r.rec.failed);
    cr_assert_gt(r.rec.arrivals, 10000);
    /* every fault did something: each cause of the model shows */
    cr_assert_gt(r.rec.by_cause[ZF_CAUSE_INSTANCE_LOST], 0);
    cr_assert_gt(r.rec.by_cause[ZF_CAUSE_DB_UNAVAILABLE], 0);
    cr_assert_gt(r.rec.by_cause[ZF_CAUSE_LB_NODE_DOWN], 0);
    cr_assert_gt(r.rec.by_cause[ZF_CAUSE_NETWORK], 0);
    cr_assert_gt(mx_metric(&r, "devices.retries"), 0);
    cr_assert_eq(mx_metric(&r, "devices.backlog_at_end"), 0);
    cr_assert_eq(r.rec.lost_writes, 0, "synchronous standby");
    mx_free(&r);
}

/* A run is a function of its scenario and seed: the same seed gives the same counters,
 * per-second series and fault records; another seed gives other ones. */
Test(model, same_seed_same_run_other_seed_other_run)
{
    char *text = scenario(MULTI_AZ, "600s", FAULTS);
    mx_run_t a, b, c;
    mx_run(&a, text, 7);
    mx_run(&b, text, 7);
    mx_run(&c, text, 8);
    free(text);
    cr_assert_eq(a.rec.arrivals, b.rec.arrivals);
    cr_assert_eq(a.rec.ok, b.rec.ok);
    cr_assert_eq(memcmp(a.rec.by_cause, b.rec.by_cause, sizeof a.rec.by_cause), 0);
    cr_assert_eq(a.rec.nsec, b.rec.nsec);
    cr_assert_eq(memcmp(a.rec.per_sec_ok, b.rec.per_sec_ok, a.rec.nsec * sizeof(uint32_t)), 0);
    cr_assert_eq(memcmp(a.rec.per_sec_failed, b.rec.per_sec_failed, a.rec.nsec * sizeof(uint32_t)), 0);
    cr_assert_eq(a.nrows, b.nrows);
    cr_assert_eq(memcmp(a.cells, b.cells, a.nrows * a.ncols * sizeof(double)), 0, "series differ");
    cr_assert_eq(a.rec.nfaults, b.rec.nfaults);
    cr_assert_eq(memcmp(a.rec.faults, b.rec.faults, a.rec.nfaults * sizeof *a.rec.faults), 0);
    cr_assert_eq(a.rec.latency.max, b.rec.latency.max);
    cr_assert_neq(memcmp(a.rec.per_sec_ok, c.rec.per_sec_ok, a.rec.nsec * sizeof(uint32_t)), 0,
                  "another seed, the same run");
    cr_assert_neq(a.rec.arrivals, c.rec.arrivals);
    mx_free(&a);
    mx_free(&b);
    mx_free(&c);
}

/* Common random numbers: the workload draws from its own streams, so the legacy and the
 * multi-zone designs, run on one seed with nothing failing, see the same requests: the
 * same arrivals every second and the same count of every kind, although everything else
 * (zones, instances, latencies) differs. */
Test(model, two_designs_on_one_seed_face_the_same_requests)
{
    char *t1 = scenario(LEGACY, "1h", " 'faults': []}");
    char *t2 = scenario(MULTI_AZ, "1h", " 'faults': []}");
    mx_run_t a, b;
    mx_run(&a, t1, 11);
    mx_run(&b, t2, 11);
    free(t1);
    free(t2);
    cr_assert_eq(a.rec.failed, 0);
    cr_assert_eq(b.rec.failed, 0);
    cr_assert_gt(a.rec.arrivals, 10000);
    for (size_t s = 0; s < a.nrows; s++)
        cr_assert_eq(mx_at(&a, "arrivals", s), mx_at(&b, "arrivals", s), "second %zu", s);
    cr_assert_eq(a.rec.nkinds, b.rec.nkinds);
    for (size_t k = 0; k < a.rec.nkinds; k++)
        cr_assert_eq(a.rec.kinds[k].total, b.rec.kinds[k].total, "kind %s: %lu vs %lu",
                     a.rec.kinds[k].name, (unsigned long)a.rec.kinds[k].total,
                     (unsigned long)b.rec.kinds[k].total);
    cr_assert_neq(a.rec.latency.max, b.rec.latency.max, "the designs differ");
    mx_free(&a);
    mx_free(&b);
}
