/* Tests of sim/workload/workload: determinism per seed, common random numbers between
 * classes (adding a source changes no device request), the event-kind range, counters
 * that add up, the end of the run, and the generator used by trace export. */
#include "workload_fixture.h"

#include <stdio.h>

#define WL "'devices': {'count': 500, 'report': {'kind': 'report'}, 'trips': {'per_day': 3, " \
           "'gps_kind': 'gps', 'ignition_kind': 'ignition', 'breath_kind': 'breath'}}, " \
           "'locations': {'count': 50, 'calibration_kind': 'report'}, 'agencies': {'count': " \
           "3, 'batches': [{'at': '06:00', 'queries': 5, 'kind': 'query'}]}"

static zf_scenario_t *sc;

static void fini(void)
{
    zf_scenario_free(sc);
    sc = NULL;
}

TestSuite(workload, .fini = fini);

static zf_scenario_t *scenario(const char *workload)
{
    char text[4096];
    snprintf(text, sizeof text, "{" FX_HEAD "'duration': '1d', " FX_KINDS "'workload': {%s}}",
             workload);
    return fx_parse(text);
}

/* The requests of class `source` (all when 255) as a run of records. */
static size_t select_class(const fx_run_t *run, unsigned source, zf_request_t *out)
{
    size_t n = 0;
    for (size_t i = 0; i < run->n; i++)
        if (source == 255 || run->rec[i].r.source == source)
            out[n++] = run->rec[i].r;
    return n;
}

static bool same_stream(const fx_run_t *a, const fx_run_t *b, unsigned source)
{
    zf_request_t *x = calloc(a->n + 1, sizeof *x), *y = calloc(b->n + 1, sizeof *y);
    size_t nx = select_class(a, source, x), ny = select_class(b, source, y);
    bool same = nx == ny && memcmp(x, y, nx * sizeof *x) == 0;
    free(x);
    free(y);
    return same;
}

/* Outcome: fail one request in 7 (by write id), so retries happen too. */
static bool flaky(const zf_request_t *r, void *ctx)
{
    (void)ctx;
    return (r->seq + r->entity + r->attempt) % 7 != 0;
}

Test(workload, one_seed_gives_one_stream_and_another_seed_another)
{
    sc = scenario(WL);
    fx_opts_t o = {.until = 12 * ZF_HOUR, .latency = 30 * ZF_MS, .seed = 9, .outcome = flaky};
    fx_run_t a, b, c;
    fx_run(sc, &o, &a);
    fx_run(sc, &o, &b);
    o.seed = 10;
    fx_run(sc, &o, &c);
    cr_assert_gt(a.n, 10000);
    cr_assert_gt(a.st.retries, 0);
    cr_assert(same_stream(&a, &b, 255), "same seed, same requests at the same instants");
    cr_assert_not(same_stream(&a, &c, 255));
    free(a.rec);
    free(b.rec);
    free(c.rec);
}

Test(workload, adding_a_class_changes_no_other_class_requests)
{
    sc = scenario(WL);
    zf_scenario_t *more = scenario(WL ", 'web': {'peak_rate_per_s': 3, 'mix': [{'kind': "
                                   "'page'}]}, 'sources': [{'name': 'x', 'kind': 'query', "
                                   "'rate_per_s': 2}]");
    fx_opts_t o = {.until = 12 * ZF_HOUR, .latency = 30 * ZF_MS, .seed = 9, .outcome = flaky};
    fx_run_t a, b;
    fx_run(sc, &o, &a);
    fx_run(more, &o, &b);
    cr_assert_gt(b.n, a.n);
    cr_assert(same_stream(&a, &b, ZF_SRC_DEVICE), "device stream unchanged by web traffic");
    cr_assert(same_stream(&a, &b, ZF_SRC_LOCATION));
    cr_assert(same_stream(&a, &b, ZF_SRC_AGENCY));
    zf_scenario_free(more);
    free(a.rec);
    free(b.rec);
}

Test(workload, counters_add_up_and_nothing_is_emitted_at_or_after_the_end)
{
    sc = scenario(WL ", 'web': {'peak_rate_per_s': 1, 'mix': [{'kind': 'page'}]}");
    fx_run_t run;
    fx_run(sc, &(fx_opts_t){.until = 6 * ZF_HOUR, .latency = 30 * ZF_MS, .seed = 4,
                            .outcome = flaky}, &run);
    uint64_t sum = 0;
    for (int i = 0; i < 5; i++)
        sum += run.st.emitted_by_class[i];
    cr_assert_eq(run.st.emitted, run.n);
    cr_assert_eq(sum, run.n);
    cr_assert_eq(run.st.emitted_by_class[ZF_SRC_DEVICE], fx_count(&run, ZF_SRC_DEVICE, UINT32_MAX));
    for (size_t i = 0; i < run.n; i++) {
        cr_assert_lt(run.rec[i].r.t, 6 * ZF_HOUR);
        if (i > 0)
            cr_assert_geq(run.rec[i].r.t, run.rec[i - 1].r.t, "emitted in time order");
    }
    free(run.rec);
}

Test(workload, its_event_kinds_must_fit_below_65536)
{
    sc = scenario(WL);
    zf_queue_t q;
    zf_workload_t *w = (zf_workload_t *)1;
    zf_err_t err = {{0}};
    zf_queue_init(&q);
    cr_assert_eq(zf_workload_new(sc, 1, &q, 65530, ZF_HOUR, &w, &err), ZF_EINVAL);
    cr_assert_null(w);
    cr_assert_str_eq(err.msg, "workload event kinds 65530.. exceed 65535");
    cr_assert_eq(zf_workload_new(sc, 1, &q, 65520, ZF_HOUR, &w, &err), 0);
    cr_assert_eq(zf_workload_start(w), 0);
    zf_event_t e;
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_geq(zf_event_kind(&e), 65520);
    zf_workload_free(w);
    zf_queue_free(&q);
}

static int count_emit(void *ctx, const zf_request_t *r)
{
    (void)r;
    return ++*(size_t *)ctx == 100 ? ZF_EIO : 0;
}

Test(workload, the_base_stream_has_no_retries_and_stops_when_the_consumer_fails)
{
    sc = scenario(WL);
    size_t n = 0;
    zf_workload_stats_t st;
    zf_err_t err = {{0}};
    cr_assert_eq(zf_workload_generate(sc, 1, ZF_DAY, count_emit, &n, &st, &err), ZF_EIO);
    cr_assert_eq(n, 100);
    fx_run_t run;
    fx_run(sc, &(fx_opts_t){.until = ZF_DAY, .latency = 0, .seed = 1}, &run);
    cr_assert_eq(run.st.retries, 0);
    cr_assert_eq(run.st.dropped, 0);
    cr_assert_eq(run.st.buffered_now, 0);
    free(run.rec);
}

Test(workload, the_device_state_is_measured_per_device)
{
    sc = scenario(WL);
    fx_run_t run;
    fx_run(sc, &(fx_opts_t){.until = ZF_HOUR, .latency = 0, .seed = 1}, &run);
    fprintf(stderr, "workload: bytes per device: %zu\n", run.bytes_per_device);
    cr_assert(run.bytes_per_device >= 24 && run.bytes_per_device <= 128);
    free(run.rec);
}
