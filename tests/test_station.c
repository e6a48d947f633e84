/* Tests of sim/model/station: server allocation, FIFO order, blocking, statistics. */
#include <criterion/criterion.h>

#include "model/station.h"

Test(station, starts_jobs_while_servers_are_free_then_queues)
{
    zf_station_t st;
    cr_assert_eq(zf_station_init(&st, 2, -1), 0);
    cr_assert_eq(zf_station_arrive(&st, 0, 1), ZF_STATION_STARTED);
    cr_assert_eq(zf_station_arrive(&st, 0, 2), ZF_STATION_STARTED);
    cr_assert_eq(zf_station_arrive(&st, 0, 3), ZF_STATION_QUEUED);
    cr_assert_eq(st.busy, 2);
    cr_assert_eq(zf_station_queued(&st), 1);
    zf_station_free(&st);
}

Test(station, hands_a_freed_server_to_the_oldest_waiting_job)
{
    zf_station_t st;
    zf_station_init(&st, 1, -1);
    zf_station_arrive(&st, 0, 10);
    for (uint32_t j = 11; j < 200; j++) /* also grows the ring past its first capacity */
        cr_assert_eq(zf_station_arrive(&st, (zf_time_t)j, j), ZF_STATION_QUEUED);
    uint32_t next;
    for (uint32_t j = 11; j < 200; j++) {
        cr_assert(zf_station_complete(&st, 1000, &next));
        cr_assert_eq(next, j);
    }
    cr_assert_not(zf_station_complete(&st, 1000, &next));
    cr_assert_eq(st.busy, 0);
    zf_station_free(&st);
}

Test(station, blocks_arrivals_beyond_the_queue_limit)
{
    zf_station_t st;
    zf_station_init(&st, 1, 2);
    cr_assert_eq(zf_station_arrive(&st, 0, 1), ZF_STATION_STARTED);
    cr_assert_eq(zf_station_arrive(&st, 0, 2), ZF_STATION_QUEUED);
    cr_assert_eq(zf_station_arrive(&st, 0, 3), ZF_STATION_QUEUED);
    cr_assert_eq(zf_station_arrive(&st, 0, 4), ZF_STATION_BLOCKED);
    cr_assert_eq(st.blocked, 1);
    cr_assert_eq(st.arrivals, 4);
    zf_station_free(&st);
}

Test(station, loss_system_with_no_waiting_room_blocks_when_all_busy)
{
    zf_station_t st;
    zf_station_init(&st, 1, 0);
    cr_assert_eq(zf_station_arrive(&st, 0, 1), ZF_STATION_STARTED);
    cr_assert_eq(zf_station_arrive(&st, 0, 2), ZF_STATION_BLOCKED);
    zf_station_free(&st);
}

Test(station, measures_utilisation_queue_length_and_waits)
{
    zf_station_t st;
    zf_station_init(&st, 1, -1);
    /* job 1 served 0..4 s, job 2 arrives at 1 s, waits 3 s, served 4..6 s, idle to 8 s */
    zf_station_arrive(&st, 0, 1);
    zf_station_arrive(&st, 1 * ZF_S, 2);
    uint32_t next;
    cr_assert(zf_station_complete(&st, 4 * ZF_S, &next));
    cr_assert_not(zf_station_complete(&st, 6 * ZF_S, &next));
    cr_assert_float_eq(zf_timeavg_mean(&st.busy_avg, 8 * ZF_S), 6.0 / 8.0, 1e-12);
    cr_assert_float_eq(zf_timeavg_mean(&st.queue_avg, 8 * ZF_S), 3.0 / 8.0, 1e-12);
    cr_assert_eq(st.wait.n, 2);
    cr_assert_float_eq(zf_durations_mean_s(&st.wait), 1.5, 1e-12);
    zf_station_free(&st);
}

Test(station, reset_forgets_history_but_keeps_the_state)
{
    zf_station_t st;
    zf_station_init(&st, 1, -1);
    zf_station_arrive(&st, 0, 1);
    zf_station_arrive(&st, 0, 2);
    zf_station_reset_stats(&st, 10 * ZF_S);
    cr_assert_eq(st.arrivals, 0);
    cr_assert_eq(st.busy, 1);
    cr_assert_eq(zf_station_queued(&st), 1);
    cr_assert_float_eq(zf_timeavg_mean(&st.busy_avg, 12 * ZF_S), 1.0, 1e-12);
    zf_station_free(&st);
}

Test(station, fewer_servers_leave_busy_ones_to_finish_without_replacement)
{
    zf_station_t st;
    zf_station_init(&st, 2, -1);
    zf_station_arrive(&st, 0, 1);
    zf_station_arrive(&st, 0, 2);
    zf_station_arrive(&st, 0, 3);
    zf_station_set_servers(&st, 0, 1);
    uint32_t next;
    cr_assert_not(zf_station_complete(&st, 1, &next), "busy 2 > servers 1: not replaced");
    cr_assert(zf_station_complete(&st, 2, &next));
    cr_assert_eq(next, 3);
    zf_station_free(&st);
}

Test(station, take_waiting_drains_the_queue_in_order)
{
    zf_station_t st;
    zf_station_init(&st, 1, -1);
    zf_station_arrive(&st, 0, 1);
    zf_station_arrive(&st, 5, 2);
    zf_station_arrive(&st, 7, 3);
    uint32_t j;
    zf_time_t t;
    cr_assert(zf_station_take_waiting(&st, 9, &j, &t));
    cr_assert_eq(j, 2);
    cr_assert_eq(t, 5);
    cr_assert(zf_station_take_waiting(&st, 9, &j, &t));
    cr_assert_eq(j, 3);
    cr_assert_not(zf_station_take_waiting(&st, 9, &j, &t));
    zf_station_free(&st);
}
