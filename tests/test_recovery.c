/* Tests of sim/metrics/recovery: the recovery instant the simulator and the replayer share,
 * on hand-made per-second series: never down, back within the horizon, still down at the
 * horizon and back later, never back. */
#include <criterion/criterion.h>

#include "metrics/recovery.h"

static zf_rec_t rec;

static void fini(void) { zf_rec_free(&rec); }

TestSuite(recovery, .fini = fini);

/* A series of n seconds, each with ok[i] and failed[i] requests. */
static void series(const uint32_t *ok, const uint32_t *failed, size_t n)
{
    const char *names[] = {"k"};
    cr_assert_eq(zf_rec_init(&rec, names, 1, 0, (zf_time_t)n * ZF_S), 0);
    for (size_t i = 0; i < n; i++) {
        rec.sec_ok = ok[i];
        rec.sec_failed = failed[i];
        cr_assert_eq(zf_rec_tick(&rec, i, 0), 0);
    }
}

Test(recovery, a_service_that_never_failed_recovered_at_the_fault_start)
{
    uint32_t ok[] = {10, 10, 10, 10, 10, 10}, bad[6] = {0};
    series(ok, bad, 6);
    cr_assert_eq(zf_recovered_at(&rec, 0.99, 2 * ZF_S, 2 * ZF_S, 5 * ZF_S), 2 * ZF_S);
    cr_assert_float_eq(zf_window_availability(&rec, 0, 3), 1.0, 1e-12);
}

Test(recovery, back_at_the_first_second_after_the_last_window_below_the_threshold)
{
    uint32_t ok[] = {10, 10, 5, 10, 10, 10, 10, 10}, bad[] = {0, 0, 5, 0, 0, 0, 0, 0};
    series(ok, bad, 8);
    /* one-second windows: second 2 is bad, so back at 3 s */
    cr_assert_eq(zf_recovered_at(&rec, 0.99, ZF_S, 2 * ZF_S, 7 * ZF_S), 3 * ZF_S);
    /* two-second windows: the window starting at 2 s is the last bad one */
    cr_assert_eq(zf_recovered_at(&rec, 0.99, 2 * ZF_S, 2 * ZF_S, 7 * ZF_S), 3 * ZF_S);
    /* a window starting at 1 s also covers second 2, but judging starts at the fault */
    cr_assert_eq(zf_recovered_at(&rec, 0.99, 2 * ZF_S, 1 * ZF_S, 7 * ZF_S), 3 * ZF_S);
    cr_assert_float_eq(zf_window_availability(&rec, 2, 2), 15.0 / 20.0, 1e-12);
    /* a lower threshold forgives the bad second */
    cr_assert_eq(zf_recovered_at(&rec, 0.5, ZF_S, 2 * ZF_S, 7 * ZF_S), 2 * ZF_S);
}

Test(recovery, still_down_at_the_horizon_recovers_at_the_first_good_window_after_it)
{
    uint32_t ok[] = {10, 0, 0, 0, 0, 0, 10, 10}, bad[] = {0, 10, 10, 10, 10, 10, 0, 0};
    series(ok, bad, 8);
    cr_assert_eq(zf_recovered_at(&rec, 0.99, ZF_S, 1 * ZF_S, 3 * ZF_S), 6 * ZF_S);
}

Test(recovery, never_back_before_the_series_ends_is_minus_one)
{
    uint32_t ok[] = {10, 0, 0, 0}, bad[] = {0, 10, 10, 10};
    series(ok, bad, 4);
    cr_assert_eq(zf_recovered_at(&rec, 0.99, ZF_S, 1 * ZF_S, 10 * ZF_S), -1);
    cr_assert_eq(zf_recovered_at(&rec, 0.99, ZF_S, 1 * ZF_S, 2 * ZF_S), -1);
}
