/* Tests of sim/metrics/recovery: the recovery instant the simulator and the replayer share,
 * on hand-made per-second series: never down, back within the horizon, still down at the
 * horizon and back later, never back; and the backlog drain after a fault. */
#include <criterion/criterion.h>

#include <math.h>

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

/* ---------- zf_backlog_drain_s: the backlog drain after a fault (simulator and replayer) ---------- */


#define N(a) (sizeof(a) / sizeof *(a))

Test(recovery, the_drain_counts_from_recovery_to_the_first_second_back_at_the_start_level)
{
    /* backlog 5 at the start: the level to get back to is 5 + 0 + 10 = 15 */
    static const uint64_t b[] = {5, 5, 40, 90, 120, 80, 30, 15, 9, 5};
    /* recovered at 4.5 s: counted from second 4; second 7 is at 15 */
    cr_assert_float_eq(zf_backlog_drain_s(b, N(b), 2 * ZF_S, 2 * ZF_S, 4500 * ZF_MS, 5),
                       3.0, 1e-12);
    /* a device outage counts from its end (from), when that is later than the recovery */
    cr_assert_float_eq(zf_backlog_drain_s(b, N(b), 2 * ZF_S, 6 * ZF_S, 2 * ZF_S, 5), 1.0,
                       1e-12);
    /* back at the level already when the count starts: 0 */
    cr_assert_float_eq(zf_backlog_drain_s(b, N(b), 2 * ZF_S, 7 * ZF_S, 2 * ZF_S, 5), 0.0,
                       1e-12);
}

Test(recovery, the_level_grows_by_a_tenth_of_the_backlog_at_the_start)
{
    static const uint64_t b[] = {1000, 1000, 1400, 1300, 1111, 1110, 1000};
    /* 1000 + 100 + 10 = 1110: second 5, not 4 (1111) */
    cr_assert_float_eq(zf_backlog_drain_s(b, N(b), ZF_S, 2 * ZF_S, ZF_S, 1000), 3.0,
                       1e-12);
}

Test(recovery, no_backlog_formed_is_nan)
{
    static const uint64_t b[] = {0, 3, 10, 4, 0};
    cr_assert(isnan(zf_backlog_drain_s(b, N(b), ZF_S, ZF_S, 2 * ZF_S, 0)),
              "a peak of 10 is not above 0 + 0 + 10");
    /* a backlog before the fault's start second does not count */
    static const uint64_t c[] = {500, 0, 0, 0};
    cr_assert(isnan(zf_backlog_drain_s(c, N(c), ZF_S, ZF_S, ZF_S, 0)));
    /* the series ends before the count would start */
    static const uint64_t d[] = {0, 50, 60};
    cr_assert(isnan(zf_backlog_drain_s(d, N(d), ZF_S, 3 * ZF_S, ZF_S, 0)));
    cr_assert(isnan(zf_backlog_drain_s(NULL, 0, 0, 0, 0, 0)));
}

Test(recovery, never_recovered_or_never_drained_is_infinite)
{
    static const uint64_t b[] = {0, 50, 60, 70};
    cr_assert(isinf(zf_backlog_drain_s(b, N(b), ZF_S, ZF_S, -1, 0)), "not recovered");
    cr_assert(isinf(zf_backlog_drain_s(b, N(b), ZF_S, ZF_S, 2 * ZF_S, 0)),
              "still above the level when the series ends");
}
