/* Tests of loadgen/replay's pure helpers: the backlog drain after a fault, by the
 * simulator's definition (sim/model/faults.c), on a series of per-second backlogs. The
 * replay driver itself runs end to end (tests/e2e/replay_*.sh). */
#include <criterion/criterion.h>
#include <math.h>

#include "loadgen/replay.h"

#define N(a) (sizeof(a) / sizeof *(a))

Test(replay, the_drain_counts_from_recovery_to_the_first_second_back_at_the_start_level)
{
    /* backlog 5 at the start: the level to get back to is 5 + 0 + 10 = 15 */
    static const uint64_t b[] = {5, 5, 40, 90, 120, 80, 30, 15, 9, 5};
    /* recovered at 4.5 s: counted from second 4; second 7 is at 15 */
    cr_assert_float_eq(zf_replay_backlog_drain_s(b, N(b), 2 * ZF_S, 2 * ZF_S, 4500 * ZF_MS, 5),
                       3.0, 1e-12);
    /* a device outage counts from its end (from), when that is later than the recovery */
    cr_assert_float_eq(zf_replay_backlog_drain_s(b, N(b), 2 * ZF_S, 6 * ZF_S, 2 * ZF_S, 5), 1.0,
                       1e-12);
    /* back at the level already when the count starts: 0 */
    cr_assert_float_eq(zf_replay_backlog_drain_s(b, N(b), 2 * ZF_S, 7 * ZF_S, 2 * ZF_S, 5), 0.0,
                       1e-12);
}

Test(replay, the_level_grows_by_a_tenth_of_the_backlog_at_the_start)
{
    static const uint64_t b[] = {1000, 1000, 1400, 1300, 1111, 1110, 1000};
    /* 1000 + 100 + 10 = 1110: second 5, not 4 (1111) */
    cr_assert_float_eq(zf_replay_backlog_drain_s(b, N(b), ZF_S, 2 * ZF_S, ZF_S, 1000), 3.0,
                       1e-12);
}

Test(replay, no_backlog_formed_is_nan)
{
    static const uint64_t b[] = {0, 3, 10, 4, 0};
    cr_assert(isnan(zf_replay_backlog_drain_s(b, N(b), ZF_S, ZF_S, 2 * ZF_S, 0)),
              "a peak of 10 is not above 0 + 0 + 10");
    /* a backlog before the fault's start second does not count */
    static const uint64_t c[] = {500, 0, 0, 0};
    cr_assert(isnan(zf_replay_backlog_drain_s(c, N(c), ZF_S, ZF_S, ZF_S, 0)));
    /* the series ends before the count would start */
    static const uint64_t d[] = {0, 50, 60};
    cr_assert(isnan(zf_replay_backlog_drain_s(d, N(d), ZF_S, 3 * ZF_S, ZF_S, 0)));
    cr_assert(isnan(zf_replay_backlog_drain_s(NULL, 0, 0, 0, 0, 0)));
}

Test(replay, never_recovered_or_never_drained_is_infinite)
{
    static const uint64_t b[] = {0, 50, 60, 70};
    cr_assert(isinf(zf_replay_backlog_drain_s(b, N(b), ZF_S, ZF_S, -1, 0)), "not recovered");
    cr_assert(isinf(zf_replay_backlog_drain_s(b, N(b), ZF_S, ZF_S, 2 * ZF_S, 0)),
              "still above the level when the series ends");
}
