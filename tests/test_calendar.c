/* Tests of sim/workload/calendar: what it holds (its span), that a release pushes every
 * entry of the due bucket into the queue at its exact time with its obj and arg, in
 * insertion order at equal times, that idle calendars catch up without going back, and
 * that chunks are recycled. */
#include <criterion/criterion.h>

#include <stdlib.h>

#include "engine/queue.h"
#include "engine/rng.h"
#include "workload/calendar.h"

#define DUE_KIND 7
#define TICK_KIND 8

static uint64_t span_of(const zf_calendar_t *c)
{
    return (uint64_t)c->nb << c->shift;
}

Test(calendar, holds_exactly_from_its_start_to_more_than_its_horizon)
{
    zf_calendar_t c;
    cr_assert_eq(zf_cal_init(&c, 31 * ZF_MIN, 1000000), 0);
    cr_assert_gt(span_of(&c), (uint64_t)(31 * ZF_MIN));
    cr_assert_leq(c.shift, 32, "a time within a bucket fits in 32 bits");
    cr_assert_eq(c.nb & (c.nb - 1), 0, "a power of two");
    cr_assert(zf_cal_holds(&c, 0));
    cr_assert(zf_cal_holds(&c, 31 * ZF_MIN));
    cr_assert(zf_cal_holds(&c, (zf_time_t)span_of(&c) - 1));
    cr_assert_not(zf_cal_holds(&c, (zf_time_t)span_of(&c)));
    cr_assert_not(zf_cal_holds(&c, -1));
    zf_cal_free(&c);
}

Test(calendar, a_zero_horizon_holds_nothing)
{
    zf_calendar_t c;
    cr_assert_eq(zf_cal_init(&c, 0, 100), 0);
    cr_assert_not(zf_cal_holds(&c, 0));
    cr_assert_eq(zf_cal_bytes(&c), 0);
    zf_queue_t q;
    zf_queue_init(&q);
    cr_assert_eq(zf_cal_release(&c, &q, DUE_KIND), 0);
    cr_assert_eq(zf_queue_size(&q), 0);
    zf_queue_free(&q);
    zf_cal_free(&c);
}

/* Drives a calendar the way the fleet does: a tick event at each bucket start releases
 * the bucket; each released entry, when it fires, is re-added `period` later (plus a
 * random offset below `jitter`) until `until`. Checks that every entry fires at exactly
 * the time it was added for, with its obj and arg. Returns the entries fired. */
static size_t drive(zf_calendar_t *c, uint32_t n, zf_time_t period, zf_time_t jitter,
                    zf_time_t until)
{
    zf_queue_t q;
    zf_rng_t r;
    zf_event_t e;
    size_t fired = 0;
    zf_time_t *due = calloc(n, sizeof *due);
    cr_assert_not_null(due);
    zf_queue_init(&q);
    cr_assert_eq(zf_rng_init(&r, 5, "test/calendar"), 0);
    for (uint32_t d = 0; d < n; d++) {
        due[d] = (zf_time_t)(zf_rng_uniform(&r) * (double)period);
        cr_assert(zf_cal_holds(c, due[d]));
        cr_assert_eq(zf_cal_add(c, due[d], d, (uint64_t)due[d] ^ 0xabcdu), 0);
    }
    cr_assert_eq(zf_cal_size(c), n);
    cr_assert_eq(zf_queue_push(&q, zf_cal_next(c), TICK_KIND, 0, 0), 0);
    while (zf_queue_pop(&q, &e) && e.time < until) {
        if (zf_event_kind(&e) == TICK_KIND) {
            cr_assert_eq(e.time, zf_cal_next(c));
            cr_assert_eq(zf_cal_release(c, &q, DUE_KIND), 0);
            cr_assert_gt(zf_cal_next(c), e.time);
            cr_assert_eq(zf_queue_push(&q, zf_cal_next(c), TICK_KIND, 0, 0), 0);
            continue;
        }
        uint32_t d = e.obj;
        cr_assert_eq(e.time, due[d], "entry %u fired at %lld, due %lld", d, (long long)e.time,
                     (long long)due[d]);
        cr_assert_eq(e.arg, (uint64_t)due[d] ^ 0xabcdu);
        fired++;
        zf_time_t t = e.time + period + (zf_time_t)(zf_rng_uniform(&r) * (double)jitter);
        due[d] = t;
        if (zf_cal_holds(c, t))
            cr_assert_eq(zf_cal_add(c, t, d, (uint64_t)t ^ 0xabcdu), 0);
        else /* before the next bucket: straight into the queue */
            cr_assert_eq(zf_queue_push(&q, t, DUE_KIND, d, (uint64_t)t ^ 0xabcdu), 0);
    }
    zf_rng_free(&r);
    zf_queue_free(&q);
    free(due);
    return fired;
}

Test(calendar, releases_every_entry_at_its_exact_time_with_its_obj_and_arg)
{
    zf_calendar_t c;
    cr_assert_eq(zf_cal_init(&c, 10 * ZF_S + ZF_S, 5000), 0);
    size_t fired = drive(&c, 5000, 10 * ZF_S, ZF_S, 200 * ZF_S);
    /* about 19 rounds of 5000 (period 10 s plus half a second of jitter on average) */
    cr_assert(fired > 18 * 5000 && fired < 20 * 5000, "%zu fired", fired);
    zf_cal_free(&c);
}

Test(calendar, short_periods_go_around_the_queue_and_long_ones_through_the_calendar)
{
    /* a period shorter than one bucket: most re-adds fall before the next bucket */
    zf_calendar_t c;
    cr_assert_eq(zf_cal_init(&c, 60 * ZF_S, 100), 0);
    cr_assert_gt((zf_time_t)1 << c.shift, 10 * ZF_MS);
    size_t fired = drive(&c, 100, 10 * ZF_MS, 0, 10 * ZF_S);
    cr_assert_eq(fired, 100 * 1000, "every 10 ms for 10 s: %zu", fired);
    zf_cal_free(&c);
}

Test(calendar, equal_times_are_released_in_insertion_order)
{
    zf_calendar_t c;
    zf_queue_t q;
    zf_event_t e;
    cr_assert_eq(zf_cal_init(&c, ZF_MIN, 1000), 0);
    zf_queue_init(&q);
    zf_time_t t = 3 * ((zf_time_t)1 << c.shift) + 12345; /* inside the fourth bucket */
    for (uint32_t i = 0; i < 1000; i++) /* several chunks */
        cr_assert_eq(zf_cal_add(&c, t, i, i), 0);
    cr_assert_eq(zf_cal_add(&c, t - 1, 5000, 0), 0);
    for (int b = 0; b < 4; b++)
        cr_assert_eq(zf_cal_release(&c, &q, DUE_KIND), 0);
    cr_assert_eq(zf_cal_size(&c), 0);
    cr_assert_eq(zf_queue_size(&q), 1001);
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_eq(e.obj, 5000);
    cr_assert_eq(e.time, t - 1);
    for (uint32_t i = 0; i < 1000; i++) {
        cr_assert(zf_queue_pop(&q, &e));
        cr_assert_eq(zf_event_kind(&e), DUE_KIND);
        cr_assert_eq(e.time, t);
        cr_assert_eq(e.obj, i);
        cr_assert_eq(e.arg, i);
    }
    zf_queue_free(&q);
    zf_cal_free(&c);
}

Test(calendar, an_idle_calendar_catches_up_to_now_and_never_goes_back)
{
    zf_calendar_t c;
    cr_assert_eq(zf_cal_init(&c, ZF_MIN, 10), 0);
    zf_time_t w = (zf_time_t)1 << c.shift;
    zf_cal_skip_to(&c, 0);
    cr_assert_eq(zf_cal_next(&c), 0);
    zf_cal_skip_to(&c, 5 * w + 1);
    cr_assert_eq(zf_cal_next(&c), 6 * w, "the next boundary");
    cr_assert_not(zf_cal_holds(&c, 6 * w - 1));
    cr_assert(zf_cal_holds(&c, 6 * w));
    zf_cal_skip_to(&c, 2 * w);
    cr_assert_eq(zf_cal_next(&c), 6 * w, "never back");
    zf_cal_skip_to(&c, 7 * w);
    cr_assert_eq(zf_cal_next(&c), 7 * w, "a boundary stays");
    zf_cal_free(&c);
}

Test(calendar, released_chunks_are_reused_so_memory_follows_what_is_held)
{
    zf_calendar_t c;
    zf_queue_t q;
    zf_event_t e;
    cr_assert_eq(zf_cal_init(&c, ZF_MIN, 10000), 0);
    zf_queue_init(&q);
    zf_time_t w = (zf_time_t)1 << c.shift;
    size_t bytes = 0;
    for (int round = 0; round < 50; round++) {
        zf_time_t base = zf_cal_next(&c);
        for (uint32_t i = 0; i < 10000; i++) /* spread over the next 8 buckets */
            cr_assert_eq(zf_cal_add(&c, base + (zf_time_t)i * (8 * w / 10000), i, 0), 0);
        for (int b = 0; b < 8; b++)
            cr_assert_eq(zf_cal_release(&c, &q, DUE_KIND), 0);
        while (zf_queue_pop(&q, &e))
            ;
        if (round == 0)
            bytes = zf_cal_bytes(&c);
        cr_assert_eq(zf_cal_bytes(&c), bytes, "round %d", round);
    }
    cr_assert_lt(bytes, 10000 * 16 * 2 + c.nb * 16 + 64 * 1100, "%zu bytes", bytes);
    zf_queue_free(&q);
    zf_cal_free(&c);
}

Test(calendar, a_released_bucket_is_kept_by_sub_slot_for_prefetch_hints)
{
    zf_calendar_t c;
    zf_queue_t q;
    zf_rng_t r;
    zf_event_t e;
    static uint64_t objs[3000];
    cr_assert_eq(zf_cal_init(&c, ZF_MIN, 3000), 0);
    cr_assert_eq(zf_rng_init(&r, 9, "test/calendar"), 0);
    zf_queue_init(&q);
    zf_time_t w = (zf_time_t)1 << c.shift, sub_w = w >> ZF_CAL_SUB_BITS;
    uint32_t per_sub[ZF_CAL_SUBS] = {0};
    for (uint32_t i = 0; i < 3000; i++) { /* all in the first bucket */
        zf_time_t t = (zf_time_t)(zf_rng_uniform(&r) * (double)w);
        per_sub[t / sub_w]++;
        cr_assert_eq(zf_cal_add(&c, t, i, 0), 0);
    }
    cr_assert_eq(zf_cal_release(&c, &q, DUE_KIND), 0);
    cr_assert_eq(c.sub[0], 0);
    for (uint32_t s = 0; s < ZF_CAL_SUBS; s++)
        cr_assert_eq(c.sub[s + 1] - c.sub[s], per_sub[s], "sub-slot %u", s);
    /* hints: the sub-slots up to the one after now's, each once, none past the bucket */
    uint32_t last = 0;
    while (zf_queue_pop(&q, &e)) {
        zf_cal_prefetch_next(&c, e.time, (const char *)objs, sizeof *objs, sizeof *objs);
        uint32_t s = (uint32_t)(e.time / sub_w);
        cr_assert_eq(c.hinted, s + 2 < ZF_CAL_SUBS ? s + 2 : ZF_CAL_SUBS);
        cr_assert_geq(c.hinted, last);
        last = c.hinted;
    }
    zf_cal_prefetch_next(&c, w + 1, (const char *)objs, sizeof *objs, sizeof *objs);
    cr_assert_eq(c.hinted, ZF_CAL_SUBS);
    zf_rng_free(&r);
    zf_queue_free(&q);
    zf_cal_free(&c);
}
