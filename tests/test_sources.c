/* Tests of sim/workload/sources (and rate): service locations (daily count inside a 99.9%
 * Poisson interval, only during business hours), agency batches (exactly count x queries,
 * each agency its share, all inside the window), web users (hourly counts follow the
 * profile, kinds by weight), kind sources and bursts (multipliers over their window, by
 * class or by source name). */
#include "workload_fixture.h"

#include <math.h>
#include <stdio.h>

static zf_scenario_t *sc;
static fx_run_t run;

static void fini(void)
{
    zf_scenario_free(sc);
    free(run.rec);
    sc = NULL;
    memset(&run, 0, sizeof run);
}

TestSuite(sources, .fini = fini);

static void scenario(const char *workload)
{
    char text[4096];
    snprintf(text, sizeof text, "{" FX_HEAD "'duration': '1d', " FX_KINDS "'workload': {%s}}",
             workload);
    sc = fx_parse(text);
}

static void run_for(zf_time_t until, uint64_t seed)
{
    fx_run(sc, &(fx_opts_t){.until = until, .latency = 10 * ZF_MS, .seed = seed}, &run);
}

static zf_time_t tod(zf_time_t t)
{
    return (sc->workload.start_tod + t) % ZF_DAY;
}

Test(sources, locations_send_their_daily_requests_during_business_hours_only)
{
    scenario("'start': '06:00', 'locations': {'count': 3500, 'calibration_kind': 'report', "
             "'downloads_per_day': 2, 'download_kind': 'query'}");
    run_for(ZF_DAY, 11);
    double cal = (double)fx_count(&run, ZF_SRC_LOCATION, 0);
    double dl = (double)fx_count(&run, ZF_SRC_LOCATION, 5);
    cr_assert(fabs(cal - 17500) < fx_poisson_halfwidth(17500), "%g calibrations", cal);
    cr_assert(fabs(dl - 7000) < fx_poisson_halfwidth(7000), "%g downloads", dl);
    uint32_t *seq = calloc(3500, sizeof *seq);
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        cr_assert(tod(r->t) >= 8 * ZF_HOUR && tod(r->t) < 18 * ZF_HOUR);
        cr_assert_lt(r->entity, 3500);
        cr_assert_eq(r->seq, seq[r->entity]++, "per-location sequence numbers");
        cr_assert_eq(r->write_id, r->kind == 0 ? (1ull << 63 | 2ull << 60 |
                                                  (uint64_t)r->entity << 32 | r->seq) : 0,
                     "only writing kinds carry a write id");
    }
    free(seq);
}

Test(sources, business_hours_may_span_midnight)
{
    scenario("'locations': {'count': 100, 'hours': ['22:00', '06:00'], 'calibrations_per_day': "
             "20, 'calibration_kind': 'report'}");
    run_for(ZF_DAY, 12);
    cr_assert(fabs((double)run.n - 2000) < fx_poisson_halfwidth(2000), "%zu", run.n);
    for (size_t i = 0; i < run.n; i++)
        cr_assert(tod(run.rec[i].r.t) >= 22 * ZF_HOUR || tod(run.rec[i].r.t) < 6 * ZF_HOUR);
}

Test(sources, an_agency_batch_is_exactly_count_times_queries_inside_its_window)
{
    scenario("'start': '05:00', 'agencies': {'count': 7, 'batches': [{'at': '06:00', "
             "'queries': 13, 'spread': '20m', 'kind': 'query'}, {'at': '02:00', 'queries': 2, "
             "'spread': 0, 'kind': 'page'}]}");
    run_for(2 * ZF_DAY, 13);
    size_t per_agency[7] = {0}, batch[2][2] = {{0}};
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        int day = r->t >= ZF_DAY;
        cr_assert_lt(r->entity, 7);
        if (r->kind == 5) {
            per_agency[r->entity]++;
            batch[0][day]++;
            cr_assert(r->t >= ZF_HOUR + day * ZF_DAY && r->t < ZF_HOUR + 20 * ZF_MIN +
                                                                 day * ZF_DAY);
        } else {
            batch[1][day]++;
            cr_assert_eq(r->t, 21 * ZF_HOUR + day * ZF_DAY, "spread 0: all at once");
        }
    }
    cr_assert_eq(batch[0][0], 91);
    cr_assert_eq(batch[0][1], 91, "again the next day");
    cr_assert_eq(batch[1][0], 14);
    for (int a = 0; a < 7; a++)
        cr_assert_eq(per_agency[a], 26, "13 queries a day each");
    /* uniform over the window: the mean offset is about half the spread */
    double sum = 0;
    for (size_t i = 0; i < run.n; i++)
        if (run.rec[i].r.kind == 5)
            sum += zf_time_to_s((run.rec[i].r.t - ZF_HOUR) % ZF_DAY);
    cr_assert(fabs(sum / 182 - 600) < 4 * 1200 / sqrt(12 * 182), "mean %g s", sum / 182);
}

Test(sources, web_traffic_follows_the_hourly_profile_and_the_kind_weights)
{
    scenario("'web': {'peak_rate_per_s': 2, 'profile': {'hourly': [1, 1, 1, 1, 1, 1, 2, 3, 4, "
             "4, 4, 4, 3, 3, 4, 4, 4, 3, 2, 2, 1, 1, 1, 1]}, 'users': 500, 'mix': [{'kind': "
             "'page', 'weight': 3}, {'kind': 'query', 'weight': 1}]}");
    run_for(ZF_DAY, 14);
    static const double hourly[24] = {1, 1, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4,
                                      3, 3, 4, 4, 4, 3, 2, 2, 1, 1, 1, 1};
    size_t per_hour[24] = {0}, pages = 0;
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        per_hour[r->t / ZF_HOUR]++;
        pages += r->kind == 4;
        cr_assert_lt(r->entity, 500);
        cr_assert_eq(r->source, ZF_SRC_WEB);
    }
    for (int h = 0; h < 24; h++) {
        double want = 2.0 * hourly[h] / 4 * 3600;
        cr_assert(fabs((double)per_hour[h] - want) < fx_poisson_halfwidth(want),
                  "hour %d: %zu, expected %g", h, per_hour[h], want);
    }
    double n = (double)run.n, p = (double)pages / n;
    cr_assert(fabs(p - 0.75) < 3.29 * sqrt(0.75 * 0.25 / n), "page share %g", p);
}

Test(sources, a_kind_source_is_poisson_at_its_rate_times_the_profile)
{
    scenario("'sources': [{'name': 'api', 'kind': 'page', 'rate_per_s': 1.5}, {'name': "
             "'batch', 'kind': 'query', 'rate_per_s': 1, 'profile': {'points': [['00:00', 0], "
             "['12:00', 2]]}}]");
    run_for(ZF_DAY, 15);
    double api = (double)fx_count(&run, ZF_SRC_GENERIC, 4);
    double batch = (double)fx_count(&run, ZF_SRC_GENERIC, 5);
    cr_assert(fabs(api - 1.5 * 86400) < fx_poisson_halfwidth(1.5 * 86400), "%g", api);
    cr_assert(fabs(batch - 86400) < fx_poisson_halfwidth(86400), "%g (profile mean 1)", batch);
    uint32_t seq[2] = {0};
    for (size_t i = 0; i < run.n; i++) {
        const zf_request_t *r = &run.rec[i].r;
        cr_assert_eq(r->entity, r->kind == 4 ? 0u : 1u, "entity is the source index");
        cr_assert_eq(r->seq, seq[r->entity]++);
    }
}

/* Requests of `kind` in [from, to). */
static size_t count_between(uint32_t kind, zf_time_t from, zf_time_t to)
{
    size_t n = 0;
    for (size_t i = 0; i < run.n; i++)
        n += run.rec[i].r.kind == kind && run.rec[i].r.t >= from && run.rec[i].r.t < to;
    return n;
}

Test(sources, a_burst_multiplies_the_classes_and_sources_it_names_over_its_window)
{
    scenario("'web': {'peak_rate_per_s': 5, 'mix': [{'kind': 'page'}]}, 'sources': [{'name': "
             "'a1', 'kind': 'query', 'rate_per_s': 5}, {'name': 'a2', 'kind': 'report', "
             "'rate_per_s': 5}], 'bursts': [{'name': 'b', 'after': '1h', 'duration': '1h', "
             "'multiplier': 4, 'applies_to': ['web', 'a1']}, {'name': 'quiet', 'after': "
             "'3h', 'duration': '30m', 'multiplier': 0}]");
    run_for(4 * ZF_HOUR, 16);
    const uint32_t kinds[3] = {4, 5, 0};
    const double burst[3] = {4, 4, 1}; /* web and a1 multiplied, a2 not */
    for (int i = 0; i < 3; i++) {
        double before = (double)count_between(kinds[i], 0, ZF_HOUR);
        double during = (double)count_between(kinds[i], ZF_HOUR, 2 * ZF_HOUR);
        cr_assert(fabs(before - 18000) < fx_poisson_halfwidth(18000), "kind %u: %g", kinds[i],
                  before);
        cr_assert(fabs(during - 18000 * burst[i]) < fx_poisson_halfwidth(18000 * burst[i]),
                  "kind %u during: %g", kinds[i], during);
        cr_assert_eq(count_between(kinds[i], 3 * ZF_HOUR, 3 * ZF_HOUR + 30 * ZF_MIN), 0,
                     "multiplier 0 silences every class");
        cr_assert_gt(count_between(kinds[i], 3 * ZF_HOUR + 30 * ZF_MIN, 4 * ZF_HOUR), 0);
    }
}
