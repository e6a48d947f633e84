/* Tests of sim/workload/fleet through the workload API: periodic reports (exact counts and
 * spacing), trips (ignition, breath after its delay, pings, ignition off), write ids,
 * store-and-forward buffers under failures (exact drops, one request in flight, retries
 * keeping write ids), backoff bounds and mean, outages (exact offline count, reconnect
 * spread), fleet_fraction bursts (exact count) and the state per device. */
#include "workload_fixture.h"

#include <math.h>
#include <stdio.h>

#define DAY_S 86400.0

static zf_scenario_t *sc;
static fx_run_t run;

static void fini(void)
{
    zf_scenario_free(sc);
    free(run.rec);
    sc = NULL;
    memset(&run, 0, sizeof run);
}

TestSuite(fleet, .fini = fini);

/* A scenario of `devices` devices with the given devices body and workload extras. */
static void fleet_scenario(const char *devices, const char *extra)
{
    char text[4096];
    snprintf(text, sizeof text, "{" FX_HEAD "'duration': '1d', " FX_KINDS
             "'workload': {'devices': {%s}%s}}", devices, extra);
    sc = fx_parse(text);
}

static bool write_id_layout_ok(const zf_request_t *r)
{
    return r->write_id == (1ull << 63 | (uint64_t)ZF_SRC_DEVICE << 60 |
                           (uint64_t)r->entity << 32 | r->seq);
}

Test(fleet, periodic_reports_number_devices_times_duration_over_interval)
{
    fleet_scenario("'count': 1000, 'report': {'kind': 'report', 'interval': '10m', "
                   "'jitter': '1m'}", "");
    fx_run(sc, &(fx_opts_t){.until = 10 * ZF_HOUR, .latency = 50 * ZF_MS, .seed = 7}, &run);
    size_t n = fx_count(&run, ZF_SRC_DEVICE, 0);
    cr_assert(n >= 60 * 1000 - 1000 && n <= 60 * 1000 + 1000, "%zu reports", n);
    cr_assert_eq(n, run.n, "reports only");
    /* each device: consecutive reports interval +- jitter apart, seqs 0, 1, 2... */
    zf_time_t *last = calloc(1000, sizeof *last);
    uint32_t *next_seq = calloc(1000, sizeof *next_seq);
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        cr_assert_eq(r->seq, next_seq[r->entity]++);
        cr_assert(write_id_layout_ok(r), "write id %llx", (unsigned long long)r->write_id);
        cr_assert_eq(r->attempt, 0);
        cr_assert_eq(r->flags, 0);
        if (r->seq > 0)
            cr_assert(r->t - last[r->entity] >= 9 * ZF_MIN &&
                      r->t - last[r->entity] <= 11 * ZF_MIN);
        else
            cr_assert(r->t < 11 * ZF_MIN, "random phase in the first interval");
        last[r->entity] = r->t;
    }
    free(last);
    free(next_seq);
    cr_assert_eq(run.st.created, n);
    cr_assert_eq(run.st.dropped, 0);
    cr_assert_eq(run.st.buffered_now, 0);
}

/* Checks one device's trip messages: ignition, breath 30 s later, pings every 60 s from
 * the start, ignition off. Returns the trips it completed. */
static size_t check_trips_of(uint32_t d)
{
    size_t trips = 0;
    zf_time_t t0 = -1;
    int64_t pings = 0;
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        if (r->entity != d)
            continue;
        if (r->kind == 2 && t0 < 0) { /* ignition on */
            t0 = r->t;
            pings = 0;
        } else if (r->kind == 3) {
            cr_assert_eq(r->t, t0 + 30 * ZF_S, "breath test 30 s after ignition");
        } else if (r->kind == 1) {
            cr_assert_eq(r->t, t0 + ++pings * 60 * ZF_S, "ping %lld", (long long)pings);
        } else if (r->kind == 2) { /* ignition off */
            cr_assert(r->t >= t0 + pings * 60 * ZF_S && r->t <= t0 + (pings + 1) * 60 * ZF_S);
            t0 = -1;
            trips++;
        }
    }
    return trips;
}

Test(fleet, trips_start_along_the_profile_with_breath_test_and_pings)
{
    fleet_scenario("'count': 2000, 'trips': {'per_day': 2, 'gps_kind': 'gps', "
                   "'ignition_kind': 'ignition', 'breath_kind': 'breath'}", "");
    fx_run(sc, &(fx_opts_t){.until = ZF_DAY, .latency = 0, .seed = 3}, &run);
    size_t starts = 0;
    for (size_t i = 0; i < run.n; i++)
        starts += run.rec[i].r.kind == 3; /* one breath test per trip (25 min >> 30 s) */
    double want = 2000 * 2.0;
    cr_assert(fabs((double)starts - want) < fx_poisson_halfwidth(want), "%zu trips", starts);
    size_t trips = 0;
    for (uint32_t d = 0; d < 50; d++)
        trips += check_trips_of(d);
    cr_assert_gt(trips, 50);
    /* lognormal 25 min trips: about 25 pings each */
    double pings = (double)fx_count(&run, ZF_SRC_DEVICE, 1) / (double)starts;
    cr_assert(pings > 22 && pings < 27, "%.1f pings per trip", pings);
}

/* Outcome: fail every request sent in [10 min, 30 min). */
static bool fail_window(const zf_request_t *r, void *ctx)
{
    (void)ctx;
    return !(r->t >= 10 * ZF_MIN && r->t < 30 * ZF_MIN);
}

Test(fleet, failed_messages_buffer_up_to_the_limit_dropping_exactly_the_overflow)
{
    fleet_scenario("'count': 100, 'report': {'kind': 'report', 'interval': '1m', 'jitter': "
                   "0}, 'buffer_limit': 5, 'retry': {'base': '1s', 'cap': '4s', "
                   "'max_attempts': 255}", "");
    fx_probe_t probes[2] = {{10 * ZF_MIN, {0}, false}, {30 * ZF_MIN, {0}, false}};
    /* answered at once, so at 30 min nothing is in flight and every buffer is full */
    fx_run(sc, &(fx_opts_t){.until = ZF_HOUR, .latency = 0, .seed = 1,
                            .outcome = fail_window, .probes = probes, .nprobes = 2}, &run);
    const zf_workload_stats_t *a = &probes[0].st, *b = &probes[1].st;
    /* each device creates exactly 20 messages in the window and keeps its 5 newest */
    cr_assert_eq(b->created - a->created, 100 * 20);
    cr_assert_eq(b->buffered_now, 100 * 5);
    cr_assert_eq(b->dropped - a->dropped, 100 * 20 - 100 * 5, "dropped = overflow exactly");
    cr_assert_eq(run.st.buffered_now, 0, "drained after the window");
    /* every message is delivered once or dropped */
    size_t delivered = 0, resends = 0;
    for (size_t i = 0; i < run.n; i++) {
        delivered += run.rec[i].ok;
        resends += run.rec[i].r.attempt > 0;
    }
    cr_assert_eq(delivered + run.st.dropped, run.st.created);
    cr_assert_eq(run.st.retries, resends);
    cr_assert_gt(resends, 0);
}

Test(fleet, resends_keep_seq_and_write_id_and_the_buffer_drains_one_request_at_a_time)
{
    fleet_scenario("'count': 50, 'report': {'kind': 'report', 'interval': '1m', 'jitter': "
                   "0}, 'buffer_limit': 1000, 'retry': {'base': '1s', 'cap': '60s', "
                   "'max_attempts': 255}", "");
    fx_run(sc, &(fx_opts_t){.until = ZF_HOUR, .latency = 100 * ZF_MS, .seed = 2,
                            .outcome = fail_window}, &run);
    /* per (device, seq): attempts 0, 1, 2, ... in order, the last one succeeding */
    uint32_t (*seen)[64] = calloc(50, sizeof *seen);
    zf_time_t *busy_until = calloc(50, sizeof *busy_until);
    size_t *prev = calloc(50, sizeof *prev), drained = 0;
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        cr_assert_geq(r->t, busy_until[r->entity], "device %u sent while in flight", r->entity);
        busy_until[r->entity] = r->t + 100 * ZF_MS;
        const fx_rec_t *p = prev[r->entity] ? &run.rec[prev[r->entity] - 1] : NULL;
        if (p && p->ok && (r->flags & ZF_REQ_BUFFERED)) { /* next of the backlog */
            cr_assert_eq(r->t, p->r.t + 100 * ZF_MS, "sent as soon as the previous succeeded");
            drained++;
        }
        prev[r->entity] = i + 1;
        cr_assert(write_id_layout_ok(r), "a resend keeps the message's write id");
        cr_assert_lt(r->seq, 64);
        cr_assert_eq(r->attempt, seen[r->entity][r->seq]++, "device %u seq %u", r->entity,
                     r->seq);
    }
    for (uint32_t d = 0; d < 50; d++)
        for (uint32_t s = 0; s < 60; s++)
            cr_assert_geq(seen[d][s], 1, "device %u message %u never sent", d, s);
    free(seen);
    free(busy_until);
    free(prev);
    cr_assert_gt(drained, 50 * 10, "each device drains a backlog after the window");
    cr_assert_eq(run.st.dropped, 0);
    cr_assert_gt(run.st.retries, 0);
}

/* Outcome: every request fails. */
static bool fail_all(const zf_request_t *r, void *ctx)
{
    (void)r;
    (void)ctx;
    return false;
}

/* Runs one message per device failing forever; returns delays between a failure (t +
 * latency) and the resend, by attempt k (1 .. 9) in delays[k][device]. */
static void backoff_run(const char *jitter, double (*delays)[2000])
{
    char devices[512];
    snprintf(devices, sizeof devices, "'count': 2000, 'retry': {'base': '1s', 'cap': '60s', "
             "'max_attempts': 10, 'jitter': '%s'}", jitter);
    /* one message per device, in the first hour */
    fleet_scenario(devices, ", 'bursts': [{'name': 'one', 'after': 0, 'duration': '1h', "
                   "'fleet_fraction': 1, 'kind': 'alert'}]");
    fx_run(sc, &(fx_opts_t){.until = 2 * ZF_HOUR, .latency = 10 * ZF_MS, .seed = 5,
                            .outcome = fail_all}, &run);
    cr_assert_eq(run.n, 2000 * 10, "10 attempts each, then the device waits for a new message");
    zf_time_t *last = calloc(2000, sizeof *last);
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        if (r->attempt > 0)
            delays[r->attempt][r->entity] = zf_time_to_s(r->t - last[r->entity] - 10 * ZF_MS);
        last[r->entity] = r->t;
    }
    free(last);
}

Test(fleet, full_jitter_backoff_is_uniform_below_the_capped_exponential)
{
    double(*d)[2000] = calloc(10, sizeof *d);
    backoff_run("full", d);
    for (int k = 1; k <= 9; k++) {
        double ceiling = fmin(60, pow(2, k - 1)), sum = 0;
        for (int i = 0; i < 2000; i++) {
            cr_assert(d[k][i] >= 0 && d[k][i] < ceiling, "attempt %d: %g s", k, d[k][i]);
            sum += d[k][i];
        }
        /* mean of U(0, c) over 2000 draws: sd c / sqrt(12 * 2000) = 0.0065 c */
        cr_assert(fabs(sum / 2000 - ceiling / 2) < 0.03 * ceiling, "attempt %d mean %g", k,
                  sum / 2000);
    }
    free(d);
}

Test(fleet, without_jitter_the_backoff_is_the_capped_exponential_itself)
{
    double(*d)[2000] = calloc(10, sizeof *d);
    backoff_run("none", d);
    for (int k = 1; k <= 9; k++)
        for (int i = 0; i < 2000; i++)
            cr_assert_float_eq(d[k][i], fmin(60, pow(2, k - 1)), 1e-9);
    free(d);
}

Test(fleet, an_outage_takes_exactly_the_fraction_offline_and_they_reconnect_spread_out)
{
    fleet_scenario("'count': 3001, 'report': {'kind': 'report', 'interval': '30m'}, "
                   "'reconnect_jitter': '5m'", "");
    fx_outage_t out[2] = {{ZF_HOUR, 0.4, 99}, {3 * ZF_HOUR, 0, 99}};
    fx_probe_t probes[1] = {{2 * ZF_HOUR, {0}, false}};
    fx_run(sc, &(fx_opts_t){.until = 5 * ZF_HOUR, .latency = 50 * ZF_MS, .seed = 4,
                            .outages = out, .noutages = 2, .probes = probes, .nprobes = 1},
           &run);
    cr_assert_eq(probes[0].st.offline_now, 1200, "round(0.4 x 3001)");
    cr_assert_eq(run.st.offline_now, 0);
    /* devices silent during the outage: exactly the offline ones */
    bool *spoke = calloc(3001, sizeof *spoke);
    zf_time_t *back = calloc(3001, sizeof *back);
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        if (r->t >= ZF_HOUR + ZF_MS && r->t < 3 * ZF_HOUR)
            spoke[r->entity] = true;
        if (r->t >= 3 * ZF_HOUR && !back[r->entity])
            back[r->entity] = r->t;
    }
    size_t silent = 0, bins[10] = {0};
    for (uint32_t d = 0; d < 3001; d++) {
        if (spoke[d])
            continue;
        silent++;
        zf_time_t late = back[d] - 3 * ZF_HOUR;
        cr_assert(late >= 0 && late < 5 * ZF_MIN, "device %u reconnected %lld ns late", d,
                  (long long)late);
        bins[late * 10 / (5 * ZF_MIN)]++;
    }
    cr_assert_eq(silent, 1200);
    for (int i = 0; i < 10; i++) /* 120 per bin, 99.9% binomial interval */
        cr_assert(fabs((double)bins[i] - 120) < 3.29 * sqrt(120 * 0.9) + 1, "bin %d: %zu", i,
                  bins[i]);
    free(spoke);
    free(back);
    /* everything buffered during the outage is delivered afterwards */
    cr_assert_eq(run.st.dropped, 0);
    cr_assert_eq(run.st.buffered_now, 0);
}

Test(fleet, a_fleet_fraction_burst_adds_exactly_round_f_n_messages_inside_its_window)
{
    fleet_scenario("'count': 1001, 'report': {'kind': 'report'}",
                   ", 'bursts': [{'name': 'alarm', 'after': '1h', 'duration': '10m', "
                   "'fleet_fraction': 0.3, 'kind': 'alert'}]");
    fx_run(sc, &(fx_opts_t){.until = 3 * ZF_HOUR, .latency = 10 * ZF_MS, .seed = 8}, &run);
    size_t n = 0;
    bool *seen = calloc(1001, sizeof *seen);
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        if (r->kind != 6)
            continue;
        n++;
        cr_assert(r->t >= ZF_HOUR && r->t < ZF_HOUR + 10 * ZF_MIN);
        cr_assert_not(seen[r->entity], "one message per chosen device");
        seen[r->entity] = true;
    }
    free(seen);
    cr_assert_eq(n, 300, "round(0.3 x 1001)");
}

Test(fleet, a_device_burst_shortens_the_report_interval)
{
    fleet_scenario("'count': 500, 'report': {'kind': 'report', 'interval': '10m', 'jitter': "
                   "0}", ", 'bursts': [{'name': 'b', 'after': '2h', 'duration': '1h', "
                   "'multiplier': 2, 'applies_to': ['devices']}]");
    fx_run(sc, &(fx_opts_t){.until = 4 * ZF_HOUR, .latency = 10 * ZF_MS, .seed = 8}, &run);
    size_t before = 0, during = 0;
    for (size_t i = 0; i < run.n; i++) {
        before += run.rec[i].r.t >= ZF_HOUR && run.rec[i].r.t < 2 * ZF_HOUR;
        during += run.rec[i].r.t >= 2 * ZF_HOUR + 10 * ZF_MIN && run.rec[i].r.t < 3 * ZF_HOUR;
    }
    cr_assert(before >= 6 * 500 - 500 && before <= 6 * 500 + 500, "%zu", before);
    cr_assert(during >= 10 * 500 - 500 && during <= 10 * 500 + 500, "%zu", during);
}

Test(fleet, the_state_per_device_is_compact)
{
    fleet_scenario("'count': 100000, 'report': {'kind': 'report'}, 'trips': {'gps_kind': "
                   "'gps', 'ignition_kind': 'ignition', 'breath_kind': 'breath'}", "");
    fx_run(sc, &(fx_opts_t){.until = ZF_HOUR, .latency = 10 * ZF_MS, .seed = 1}, &run);
    cr_log_info("bytes per device: %zu", run.bytes_per_device);
    fprintf(stderr, "fleet: bytes per device (state + buffers): %zu\n", run.bytes_per_device);
    cr_assert_leq(run.bytes_per_device, 128);
    cr_assert_geq(run.bytes_per_device, 24);
}

Test(fleet, offline_fractions_are_clamped_to_the_fleet)
{
    fleet_scenario("'count': 10, 'report': {'kind': 'report'}", "");
    zf_queue_t q;
    zf_workload_t *w;
    zf_workload_stats_t st;
    zf_err_t err = {{0}};
    zf_queue_init(&q);
    cr_assert_eq(zf_workload_new(sc, 1, &q, 0, ZF_HOUR, &w, &err), 0);
    cr_assert_eq(zf_workload_set_offline(w, 1.5, 1, 0), 0);
    zf_workload_stats(w, &st);
    cr_assert_eq(st.offline_now, 10);
    cr_assert_eq(zf_workload_set_offline(w, NAN, 1, 0), 0);
    cr_assert_eq(zf_workload_set_offline(w, -1, 1, 0), 0);
    zf_workload_stats(w, &st);
    cr_assert_eq(st.offline_now, 10, "still offline until each reconnects");
    zf_event_t e;
    zf_request_t r;
    while (zf_queue_pop(&q, &e))
        zf_workload_event(w, &e, &r);
    zf_workload_stats(w, &st);
    cr_assert_eq(st.offline_now, 0);
    zf_workload_free(w);
    zf_queue_free(&q);
}

Test(fleet, per_second_report_counts_vary_like_independent_phases)
{
    /* stratified phases plus each report's own jitter: counts per second should be about
     * Poisson (variance / mean = 1 - 1/600 for binomial thinning), not smoothed */
    fleet_scenario("'count': 10000, 'report': {'kind': 'report', 'interval': '10m', "
                   "'jitter': '1m'}", "");
    fx_run(sc, &(fx_opts_t){.until = 2 * ZF_HOUR, .latency = 0, .seed = 21}, &run);
    size_t counts[3600] = {0};
    for (size_t i = 0; i < run.n; i++)
        if (run.rec[i].r.t >= ZF_HOUR)
            counts[(run.rec[i].r.t - ZF_HOUR) / ZF_S]++;
    double sum = 0, sq = 0;
    for (int s = 0; s < 3600; s++) {
        sum += (double)counts[s];
        sq += (double)counts[s] * (double)counts[s];
    }
    double mean = sum / 3600, var = sq / 3600 - mean * mean;
    cr_log_info("reports per second: mean %.2f, variance %.2f", mean, var);
    cr_assert_float_eq(mean, 10000.0 / 600, 0.2);
    /* the sample variance of 3600 Poisson counts is within 10% of the mean (sd 2.4%) */
    cr_assert(var / mean > 0.9 && var / mean < 1.1, "dispersion %.3f", var / mean);
}

/* ---- the report calendar (sim/workload/calendar.c) seen through the fleet ---- */

typedef struct ref_report {
    zf_time_t t;
    uint32_t d, seq;
} ref_report_t;

/* The reports a fleet of n devices with this interval and jitter creates before `until`
 * under `seed`, in order, computed the plain way: the same draws from the same stream
 * ("workload/fleet/reports"), every timer in one event queue. Returns the count; *out is
 * the caller's (free). */
static size_t reference_reports(uint32_t n, zf_time_t interval, zf_time_t jitter,
                                uint64_t seed, zf_time_t until, ref_report_t **out)
{
    zf_rng_t r;
    zf_queue_t q;
    zf_event_t e;
    size_t len = 0, cap = 4096;
    uint32_t *seq = calloc(n, sizeof *seq);
    ref_report_t *v = malloc(cap * sizeof *v);
    cr_assert(seq && v);
    cr_assert_eq(zf_rng_init(&r, seed, "workload/fleet/reports"), 0);
    zf_queue_init(&q);
    double slice = (double)interval / n;
    for (uint32_t d = 0; d < n; d++) {
        zf_time_t phase = (zf_time_t)(((double)d + zf_rng_uniform(&r)) * slice);
        zf_time_t t = phase + (jitter > 0 ? (zf_time_t)(zf_rng_uniform(&r) * (double)jitter) : 0);
        if (t < until)
            cr_assert_eq(zf_queue_push(&q, t, 0, d, (uint64_t)phase), 0);
    }
    while (zf_queue_pop(&q, &e)) {
        if (len == cap)
            cr_assert_not_null(v = realloc(v, (cap *= 2) * sizeof *v));
        v[len++] = (ref_report_t){e.time, e.obj, seq[e.obj]++};
        zf_time_t next = (zf_time_t)e.arg + interval;
        zf_time_t t = next + (jitter > 0 ? (zf_time_t)(zf_rng_uniform(&r) * (double)jitter) : 0);
        if (t < until)
            cr_assert_eq(zf_queue_push(&q, t, 0, e.obj, (uint64_t)next), 0);
    }
    zf_queue_free(&q);
    zf_rng_free(&r);
    free(seq);
    *out = v;
    return len;
}

Test(fleet, reports_fire_at_exactly_the_instants_their_draws_give)
{
    fleet_scenario("'count': 2000, 'report': {'kind': 'report', 'interval': '10m', "
                   "'jitter': '1m'}", "");
    ref_report_t *ref;
    size_t n = reference_reports(2000, 10 * ZF_MIN, ZF_MIN, 11, 3 * ZF_HOUR, &ref);
    fx_run(sc, &(fx_opts_t){.until = 3 * ZF_HOUR, .latency = 50 * ZF_MS, .seed = 11}, &run);
    cr_assert_eq(run.n, n, "%zu reports, %zu expected", run.n, n);
    cr_assert_eq(run.st.created, n);
    for (size_t i = 0; i < n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        cr_assert(r->t == ref[i].t && r->entity == ref[i].d && r->seq == ref[i].seq,
                  "report %zu: device %u seq %u at %lld, expected device %u seq %u at %lld", i,
                  r->entity, r->seq, (long long)r->t, ref[i].d, ref[i].seq, (long long)ref[i].t);
    }
    free(ref);
}

static int by_device_seq(const void *a, const void *b)
{
    const ref_report_t *x = a, *y = b;
    return x->d != y->d ? (x->d > y->d) - (x->d < y->d) : (x->seq > y->seq) - (x->seq < y->seq);
}

Test(fleet, a_report_due_while_offline_is_created_on_time_buffered_and_sent_after)
{
    fleet_scenario("'count': 1000, 'report': {'kind': 'report', 'interval': '10m', "
                   "'jitter': '1m'}, 'reconnect_jitter': '5m'", "");
    fx_outage_t out[2] = {{ZF_HOUR, 1.0, 3}, {2 * ZF_HOUR, 0, 3}};
    ref_report_t *ref;
    size_t n = reference_reports(1000, 10 * ZF_MIN, ZF_MIN, 12, 3 * ZF_HOUR, &ref);
    fx_run(sc, &(fx_opts_t){.until = 3 * ZF_HOUR, .latency = 50 * ZF_MS, .seed = 12,
                            .outages = out, .noutages = 2}, &run);
    cr_assert_eq(run.st.created, n, "every report created, network or not");
    qsort(ref, n, sizeof *ref, by_device_seq);
    size_t *first = calloc(1001, sizeof *first), buffered = 0, sent = 0;
    for (size_t i = n; i-- > 0;)
        first[ref[i].d] = i;
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        const ref_report_t *x = &ref[first[r->entity] + r->seq];
        cr_assert(x->d == r->entity && x->seq == r->seq);
        bool due_offline = x->t >= ZF_HOUR && x->t < 2 * ZF_HOUR;
        if (due_offline) {
            cr_assert(r->flags & ZF_REQ_BUFFERED, "device %u seq %u", r->entity, r->seq);
            cr_assert(r->t >= 2 * ZF_HOUR && r->t < 2 * ZF_HOUR + 5 * ZF_MIN + ZF_S);
            buffered++;
        } else if (!(r->flags & ZF_REQ_BUFFERED)) {
            cr_assert_eq(r->t, x->t, "sent when created");
        } else {
            cr_assert_geq(r->t, x->t); /* created while the buffer drained */
        }
        sent++;
    }
    cr_assert_eq(sent, n, "all delivered by the end");
    cr_assert(buffered >= 5 * 1000 && buffered <= 7 * 1000, "%zu buffered", buffered);
    free(first);
    free(ref);
}

Test(fleet, a_silencing_burst_longer_than_the_calendar_holds_reports_until_it_ends)
{
    /* multiplier 0 for 3 h from 1 h: a device's first report in the burst (base before it,
     * so within 31 minutes) sends its next one to the burst's end, beyond the calendar's
     * span (about an interval plus jitter), and the calendar idles meanwhile */
    fleet_scenario("'count': 1000, 'report': {'kind': 'report', 'interval': '30m', 'jitter': "
                   "'1m'}", ", 'bursts': [{'name': 'quiet', 'after': '1h', 'duration': '3h', "
                   "'multiplier': 0, 'applies_to': ['devices']}]");
    fx_run(sc, &(fx_opts_t){.until = 6 * ZF_HOUR, .latency = 10 * ZF_MS, .seed = 13}, &run);
    size_t first = 0, during = 0, at_end = 0, after = 0, later = 0;
    uint8_t *seen = calloc(1000, 1);
    for (size_t i = 0; i < run.n; i++) {
        zf_time_t t = run.rec[i].r.t;
        uint32_t d = run.rec[i].r.entity;
        if (t >= ZF_HOUR && t < ZF_HOUR + 31 * ZF_MIN && !(seen[d] & 1)) {
            seen[d] |= 1; /* once or twice (a report due before 1 h but jittered past it) */
            first++;
        }
        during += t >= ZF_HOUR + 31 * ZF_MIN && t < 4 * ZF_HOUR;
        if (t >= 4 * ZF_HOUR && t < 4 * ZF_HOUR + ZF_MIN) {
            cr_assert_not(seen[d] & 2, "device %u twice as the burst ends", d);
            seen[d] |= 2;
            at_end++;
        }
        after += t >= 4 * ZF_HOUR + ZF_MIN && t < 4 * ZF_HOUR + 30 * ZF_MIN;
        later += t >= 4 * ZF_HOUR + 30 * ZF_MIN && t < 5 * ZF_HOUR + ZF_MIN;
    }
    free(seen);
    cr_assert_eq(first, 1000, "each device once more as the burst begins");
    cr_assert_eq(during, 0);
    cr_assert_eq(at_end, 1000, "each device once as the burst ends");
    cr_assert_eq(after, 0);
    cr_assert_eq(later, 2000, "then every 30 minutes again");
}
