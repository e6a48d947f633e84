/* Tests of loadgen/pacer: the max-rps ceiling lets exactly rate x time requests through,
 * delays the rest to the instants a constant-rate sender would use, honours the burst
 * depth, and does nothing when off. */
#include <criterion/criterion.h>

#include "loadgen/pacer.h"

Test(pacer, no_ceiling_never_delays)
{
    zf_pacer_t p;
    cr_assert_eq(zf_pacer_init(&p, 0, 0, NULL), 0);
    for (zf_time_t t = 0; t < 1000; t++)
        cr_assert_eq(zf_pacer_take(&p, 5), 5);
}

Test(pacer, rejects_negative_and_nan_rates)
{
    zf_pacer_t p;
    zf_err_t err;
    cr_assert_eq(zf_pacer_init(&p, -1, 1, &err), ZF_EINVAL);
    cr_assert_eq(zf_pacer_init(&p, 0.0 / 0.0, 1, &err), ZF_EINVAL);
}

Test(pacer, a_flood_goes_out_at_the_rate)
{
    zf_pacer_t p;
    cr_assert_eq(zf_pacer_init(&p, 1000, 1, NULL), 0); /* 1 ms apart */
    zf_time_t now = 0;
    for (int i = 0; i < 1000; i++) {
        zf_time_t at;
        while ((at = zf_pacer_take(&p, now)) > now)
            now = at; /* wait as the engine does: until the instant it was told */
        cr_assert_eq(now, (zf_time_t)i * ZF_MS, "request %d at %lld", i, (long long)now);
    }
}

Test(pacer, a_burst_of_depth_b_passes_at_once_then_the_rate_holds)
{
    zf_pacer_t p;
    cr_assert_eq(zf_pacer_init(&p, 100, 10, NULL), 0); /* 10 ms apart, burst 10 */
    int passed = 0;
    while (zf_pacer_take(&p, 0) == 0)
        passed++;
    cr_assert_eq(passed, 10);
    zf_time_t at = zf_pacer_take(&p, 0);
    cr_assert_eq(at, 10 * ZF_MS);
    cr_assert_eq(zf_pacer_take(&p, at), at);
}

Test(pacer, slower_traffic_is_never_delayed)
{
    zf_pacer_t p;
    cr_assert_eq(zf_pacer_init(&p, 1000, 1, NULL), 0);
    for (zf_time_t t = 0; t < ZF_S; t += 2 * ZF_MS)
        cr_assert_eq(zf_pacer_take(&p, t), t);
}

Test(pacer, fractional_intervals_do_not_drift)
{
    zf_pacer_t p;
    cr_assert_eq(zf_pacer_init(&p, 3, 1, NULL), 0); /* 333,333,333.3 ns apart */
    zf_time_t now = 0;
    int sent = 0;
    while (now < 3000 * ZF_S) {
        zf_time_t at = zf_pacer_take(&p, now);
        if (at == now)
            sent++;
        else
            now = at;
    }
    cr_assert(sent >= 9000 && sent <= 9001, "sent %d in 3000 s at 3/s", sent);
}

/* A flood due at 0 on a late sender (each send 7 ms after the last, slower than the 5 ms
 * interval): every request after the first is still one the ceiling held past its due
 * instant, and one due after the next token is not. */
Test(pacer, delays_counts_requests_held_past_their_due_instant_however_late_the_sender)
{
    zf_pacer_t p;
    cr_assert_eq(zf_pacer_init(&p, 200, 1, NULL), 0); /* 5 ms apart */
    cr_assert_not(zf_pacer_delays(&p, 0));
    int delayed = 0;
    for (int i = 0; i < 100; i++) {
        zf_time_t now = (zf_time_t)i * 7 * ZF_MS;
        delayed += zf_pacer_delays(&p, 0);
        cr_assert_eq(zf_pacer_take(&p, now), now);
    }
    cr_assert_eq(delayed, 99);
    /* the last send was at 693 ms: the next token is at 698 ms */
    cr_assert(zf_pacer_delays(&p, 697 * ZF_MS));
    cr_assert_not(zf_pacer_delays(&p, 698 * ZF_MS));
    zf_pacer_t off;
    cr_assert_eq(zf_pacer_init(&off, 0, 0, NULL), 0);
    cr_assert_not(zf_pacer_delays(&off, 0));
}
