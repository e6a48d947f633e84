/* Tests of sim/engine/queue: ordering, ties, cancellation, against a reference sort. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "engine/err.h"
#include "engine/queue.h"

Test(queue, pops_in_time_order)
{
    zf_queue_t q;
    zf_queue_init(&q);
    zf_time_t times[] = {50, 10, 40, 20, 30, 1000000000000LL, 0};
    for (unsigned i = 0; i < 7; i++)
        cr_assert_eq(zf_queue_push(&q, times[i], 1, i, 0), 0);
    zf_time_t expect[] = {0, 10, 20, 30, 40, 50, 1000000000000LL};
    zf_event_t e;
    for (unsigned i = 0; i < 7; i++) {
        cr_assert(zf_queue_pop(&q, &e));
        cr_assert_eq(e.time, expect[i]);
        cr_assert_eq(zf_queue_now(&q), expect[i]);
    }
    cr_assert_not(zf_queue_pop(&q, &e));
    zf_queue_free(&q);
}

Test(queue, pops_equal_times_in_insertion_order)
{
    zf_queue_t q;
    zf_queue_init(&q);
    /* interleave two instants so that redistribution reorders the buckets */
    for (uint32_t i = 0; i < 100; i++)
        cr_assert_eq(zf_queue_push(&q, (i % 2) ? 777 : 555, 3, i, i), 0);
    zf_event_t e;
    uint32_t prev_odd = 0, prev_even = 0;
    int seen = 0;
    while (zf_queue_pop(&q, &e)) {
        if (e.time == 555) {
            cr_assert_eq(e.obj % 2, 0);
            cr_assert(seen < 50 && (seen == 0 || e.obj > prev_even));
            prev_even = e.obj;
        } else {
            cr_assert(seen >= 50);
            cr_assert(seen == 50 || e.obj > prev_odd);
            prev_odd = e.obj;
        }
        seen++;
    }
    cr_assert_eq(seen, 100);
    zf_queue_free(&q);
}

Test(queue, events_pushed_at_now_run_after_earlier_ones_at_now)
{
    zf_queue_t q;
    zf_queue_init(&q);
    zf_queue_push(&q, 100, 0, 1, 0);
    zf_queue_push(&q, 100, 0, 2, 0);
    zf_event_t e;
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_eq(e.obj, 1);
    zf_queue_push(&q, 100, 0, 3, 0); /* zero delay, scheduled while 2 is pending */
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_eq(e.obj, 2);
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_eq(e.obj, 3);
    zf_queue_free(&q);
}

Test(queue, carries_kind_obj_and_arg)
{
    zf_queue_t q;
    zf_queue_init(&q);
    zf_queue_push(&q, 5, 65535, 0xdeadbeef, 0x123456789abcdefULL);
    zf_event_t e;
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_eq(zf_event_kind(&e), 65535);
    cr_assert_eq(e.obj, 0xdeadbeef);
    cr_assert_eq(e.arg, 0x123456789abcdefULL);
    zf_queue_free(&q);
}

Test(queue, cancelled_events_never_fire)
{
    zf_queue_t q;
    zf_queue_init(&q);
    zf_handle_t h[10];
    for (uint32_t i = 0; i < 10; i++)
        cr_assert_eq(zf_queue_push_cancellable(&q, 10 * (i + 1), 0, i, 0, &h[i]), 0);
    cr_assert_eq(zf_queue_size(&q), 10);
    for (int i = 0; i < 10; i += 2)
        cr_assert_eq(zf_queue_cancel(&q, h[i]), 0);
    cr_assert_eq(zf_queue_size(&q), 5);
    cr_assert_eq(zf_queue_cancel(&q, h[0]), ZF_ESTATE, "second cancel must be refused");
    zf_event_t e;
    uint32_t n = 0;
    while (zf_queue_pop(&q, &e)) {
        cr_assert_eq(e.obj % 2, 1);
        n++;
    }
    cr_assert_eq(n, 5);
    cr_assert_eq(zf_queue_size(&q), 0);
    zf_queue_free(&q);
}

Test(queue, stale_handles_are_refused_after_the_event_fired)
{
    zf_queue_t q;
    zf_queue_init(&q);
    zf_handle_t a, b;
    zf_queue_push_cancellable(&q, 1, 0, 1, 0, &a);
    zf_event_t e;
    cr_assert(zf_queue_pop(&q, &e));
    /* slot of a is reused by b; a's handle must not cancel b */
    zf_queue_push_cancellable(&q, 2, 0, 2, 0, &b);
    cr_assert_eq(zf_queue_cancel(&q, a), ZF_ESTATE);
    cr_assert_eq(zf_queue_cancel(&q, ZF_HANDLE_NONE), ZF_ESTATE);
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_eq(e.obj, 2);
    zf_queue_free(&q);
}

struct ref {
    zf_time_t t;
    uint32_t id;
};

static int cmp_ref(const void *a, const void *b)
{
    const struct ref *x = a, *y = b;
    if (x->t != y->t)
        return x->t < y->t ? -1 : 1;
    return x->id < y->id ? -1 : (x->id > y->id);
}

Test(queue, matches_a_reference_sort_on_a_random_hold_workload)
{
    /* hold model with mixed pushes and cancels; compare every pop with a sorted reference */
    enum { N = 20000 };
    zf_queue_t q;
    zf_queue_init(&q);
    srand(7);
    struct ref *log = calloc(4 * N, sizeof *log);
    zf_handle_t *handles = calloc(4 * N, sizeof *handles);
    char *cancelled = calloc(4 * N, 1);
    uint32_t next_id = 0;
    for (int i = 0; i < 1000; i++) {
        zf_time_t t = rand() % 5000;
        log[next_id] = (struct ref){t, next_id};
        zf_queue_push_cancellable(&q, t, 0, next_id, 0, &handles[next_id]);
        next_id++;
    }
    zf_event_t e;
    uint32_t popped = 0;
    zf_time_t last = 0;
    while (next_id < 4 * N - 2 && zf_queue_pop(&q, &e)) {
        cr_assert_geq(e.time, last);
        cr_assert_not(cancelled[e.obj], "cancelled event %u fired", e.obj);
        if (e.time == last && popped)
            cr_assert(e.obj > 0);
        last = e.time;
        popped++;
        for (int k = 0; k < 2; k++) {
            zf_time_t t = e.time + (rand() % 4 == 0 ? 0 : rand() % 3000);
            log[next_id] = (struct ref){t, next_id};
            zf_queue_push_cancellable(&q, t, 0, next_id, 0, &handles[next_id]);
            next_id++;
        }
        uint32_t victim = (uint32_t)rand() % next_id;
        if (zf_queue_cancel(&q, handles[victim]) == 0)
            cancelled[victim] = 1;
    }
    /* drain and check the remainder is sorted with ties in id order */
    zf_time_t pt = -1;
    uint32_t pid = 0;
    while (zf_queue_pop(&q, &e)) {
        cr_assert_not(cancelled[e.obj]);
        cr_assert(e.time > pt || (e.time == pt && e.obj > pid), "out of order");
        pt = e.time;
        pid = e.obj;
    }
    (void)cmp_ref;
    free(log);
    free(handles);
    free(cancelled);
    zf_queue_free(&q);
}

Test(queue, equal_times_follow_insertion_order_across_refills)
{
    /* many events at a few instants, pushed in shuffled time order */
    zf_queue_t q;
    zf_queue_init(&q);
    enum { N = 3000 };
    struct ref r[N];
    srand(11);
    for (uint32_t i = 0; i < N; i++) {
        r[i] = (struct ref){(zf_time_t)(rand() % 7) * 1000, i};
        zf_queue_push(&q, r[i].t, 0, i, 0);
    }
    qsort(r, N, sizeof r[0], cmp_ref);
    zf_event_t e;
    for (uint32_t i = 0; i < N; i++) {
        cr_assert(zf_queue_pop(&q, &e));
        cr_assert_eq(e.time, r[i].t);
        cr_assert_eq(e.obj, r[i].id);
    }
    zf_queue_free(&q);
}

Test(queue, clear_empties_and_rewinds)
{
    zf_queue_t q;
    zf_queue_init(&q);
    zf_handle_t h;
    zf_queue_push_cancellable(&q, 100, 0, 0, 0, &h);
    zf_queue_push(&q, 200, 0, 0, 0);
    zf_queue_clear(&q);
    cr_assert_eq(zf_queue_size(&q), 0);
    cr_assert_eq(zf_queue_now(&q), 0);
    cr_assert_eq(zf_queue_cancel(&q, h), ZF_ESTATE);
    zf_event_t e;
    cr_assert_not(zf_queue_pop(&q, &e));
    zf_queue_push(&q, 3, 0, 9, 0);
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_eq(e.obj, 9);
    zf_queue_free(&q);
}

/* Reference for the tests below: a binary heap on (time, id), ids in push order. */
struct ref_heap {
    struct ref *v;
    size_t len;
};

static void ref_push(struct ref_heap *h, struct ref r)
{
    size_t i = h->len++;
    while (i > 0 && cmp_ref(&r, &h->v[(i - 1) / 2]) < 0) {
        h->v[i] = h->v[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->v[i] = r;
}

static struct ref ref_pop(struct ref_heap *h)
{
    struct ref top = h->v[0], last = h->v[--h->len];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->len)
            break;
        if (c + 1 < h->len && cmp_ref(&h->v[c + 1], &h->v[c]) < 0)
            c++;
        if (cmp_ref(&h->v[c], &last) >= 0)
            break;
        h->v[i] = h->v[c];
        i = c;
    }
    if (h->len)
        h->v[i] = last;
    return top;
}

/* A delay that lands in any level of the queue: 0, within a byte, up to 2^44 ns. */
static zf_time_t any_scale_delay(void)
{
    int shift = (rand() % 6) * 8 + rand() % 8;
    switch (rand() % 4) {
    case 0:
        return 0;
    case 1:
        return rand() % 256;
    default:
        return ((zf_time_t)rand() << 13 ^ rand()) & ((1LL << shift) - 1);
    }
}

/* Pushes for the next round: 0 to 2, or kept so that `live` stays within [lo, hi]. */
static int pushes_within(uint32_t live, uint32_t lo, uint32_t hi)
{
    return live < lo ? 2 : live > hi ? 0 : rand() % 3;
}

/* Pushes (some cancellable, some cancelled) and pops N events, delays at every scale, and
 * checks each pop against the reference heap; the pending count stays within [lo, hi]
 * (a random walk when hi is huge). */
static void check_against_reference(unsigned seed, uint32_t lo, uint32_t hi)
{
    enum { N = 200000 };
    zf_queue_t q;
    zf_queue_init(&q);
    struct ref_heap ref = {calloc(N, sizeof(struct ref)), 0};
    zf_handle_t *handles = calloc(N, sizeof *handles);
    char *cancelled = calloc(N, 1);
    uint32_t next_id = 0, live = 0;
    zf_event_t e;
    srand(seed);
    while (next_id < N) {
        int pushes = pushes_within(live, lo, hi);
        for (int k = 0; k < pushes && next_id < N; k++, next_id++) {
            zf_time_t t = zf_queue_now(&q) + any_scale_delay();
            ref_push(&ref, (struct ref){t, next_id});
            if (rand() % 2)
                cr_assert_eq(zf_queue_push_cancellable(&q, t, next_id % 7, next_id,
                                                       ~(uint64_t)next_id, &handles[next_id]),
                             0);
            else
                cr_assert_eq(zf_queue_push(&q, t, next_id % 7, next_id, ~(uint64_t)next_id), 0);
            live++;
        }
        if (next_id && rand() % 3 == 0) {
            uint32_t victim = (uint32_t)rand() % next_id;
            if (handles[victim] && zf_queue_cancel(&q, handles[victim]) == 0) {
                cr_assert_not(cancelled[victim]);
                cancelled[victim] = 1;
                live--;
            }
        }
        cr_assert_eq(zf_queue_size(&q), live);
        while (ref.len && cancelled[ref.v[0].id])
            ref_pop(&ref);
        if (!ref.len) {
            cr_assert_not(zf_queue_pop(&q, &e));
            continue;
        }
        struct ref want = ref_pop(&ref);
        cr_assert(zf_queue_pop(&q, &e));
        cr_assert_eq(e.obj, want.id, "popped %u at %lld, expected %u at %lld", e.obj,
                     (long long)e.time, want.id, (long long)want.t);
        cr_assert_eq(e.time, want.t);
        cr_assert_eq(zf_event_kind(&e), want.id % 7);
        cr_assert_eq(e.arg, ~(uint64_t)want.id);
        cr_assert_eq(zf_queue_now(&q), want.t);
        live--;
    }
    free(ref.v);
    free(handles);
    free(cancelled);
    zf_queue_free(&q);
}

Test(queue, matches_a_reference_heap_event_by_event_at_every_time_scale)
{
    check_against_reference(23, 0, UINT32_MAX);
}

/* Around ZF_QUEUE_SMALL pending events the queue keeps moving between its sorted array
 * and the radix heap (the move happens on the push beyond the array, the way back when
 * the heap empties); ties, cancellations and every time scale on both sides. */
Test(queue, matches_a_reference_heap_while_moving_between_array_and_radix_heap)
{
    check_against_reference(5, 0, ZF_QUEUE_SMALL + 2);
    check_against_reference(6, ZF_QUEUE_SMALL - 3, ZF_QUEUE_SMALL + 3);
}

Test(queue, events_of_the_array_keep_their_order_in_the_radix_heap)
{
    zf_queue_t q;
    zf_queue_init(&q);
    /* ZF_QUEUE_SMALL events at 2 instants pushed alternately, then one more: all move */
    for (uint32_t i = 0; i <= ZF_QUEUE_SMALL; i++)
        cr_assert_eq(zf_queue_push(&q, 1000 * (i % 2), 0, i, 0), 0);
    cr_assert(q.big);
    zf_event_t e;
    for (uint32_t want = 0; want <= ZF_QUEUE_SMALL; want += 2) {
        cr_assert(zf_queue_pop(&q, &e));
        cr_assert_eq(e.obj, want);
    }
    for (uint32_t want = 1; want <= ZF_QUEUE_SMALL; want += 2) {
        cr_assert(zf_queue_pop(&q, &e));
        cr_assert_eq(e.obj, want);
        cr_assert_eq(e.time, 1000);
    }
    cr_assert_not(zf_queue_pop(&q, &e));
    cr_assert_not(q.big, "an empty queue goes back to its array");
    zf_queue_free(&q);
}

Test(queue, many_events_at_one_instant_keep_insertion_order_while_pushed_during_pops)
{
    /* more events per instant than one storage chunk holds, pushed both ahead of time and
     * at `now` while that instant is being popped */
    zf_queue_t q;
    zf_queue_init(&q);
    uint32_t id = 0;
    for (int i = 0; i < 300; i++) {
        cr_assert_eq(zf_queue_push(&q, 1000000 + (i % 3), 0, id++, 0), 0);
        cr_assert_eq(zf_queue_push(&q, 5000000000LL, 0, id++, 0), 0);
    }
    zf_event_t e;
    zf_time_t prev_t = -1;
    uint32_t prev_id = 0;
    int popped = 0, extra = 0;
    while (zf_queue_pop(&q, &e)) {
        cr_assert(e.time > prev_t || (e.time == prev_t && e.obj > prev_id), "out of order");
        prev_t = e.time;
        prev_id = e.obj;
        popped++;
        if (extra < 200 && popped % 3 == 0) { /* same instant, and later ones */
            cr_assert_eq(zf_queue_push(&q, e.time, 0, id++, 0), 0);
            cr_assert_eq(zf_queue_push(&q, e.time + 1, 0, id++, 0), 0);
            extra += 2;
        }
    }
    cr_assert_eq(popped, 600 + extra);
    zf_queue_free(&q);
}

Test(queue, now_stays_at_the_last_delivered_event_when_only_cancelled_ones_remain)
{
    zf_queue_t q;
    zf_queue_init(&q);
    zf_handle_t h1, h2;
    zf_queue_push(&q, 10, 0, 1, 0);
    zf_queue_push_cancellable(&q, 5000, 0, 2, 0, &h1);
    zf_queue_push_cancellable(&q, 1LL << 40, 0, 3, 0, &h2);
    zf_event_t e;
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_eq(zf_queue_cancel(&q, h1), 0);
    cr_assert_eq(zf_queue_cancel(&q, h2), 0);
    cr_assert_not(zf_queue_pop(&q, &e));
    cr_assert_eq(zf_queue_now(&q), 10);
    cr_assert_eq(zf_queue_push(&q, 11, 0, 4, 0), 0, "pushing after now must still work");
    cr_assert(zf_queue_pop(&q, &e));
    cr_assert_eq(e.obj, 4);
    zf_queue_free(&q);
}

Test(queue, reuses_its_storage_after_a_burst_and_a_clear)
{
    enum { N = 100000 };
    zf_queue_t q;
    zf_queue_init(&q);
    zf_event_t e;
    for (int round = 0; round < 3; round++) {
        for (uint32_t i = 0; i < N; i++)
            cr_assert_eq(zf_queue_push(&q, (zf_time_t)((i * 7919u) % N) * 1000, 0, i, 0), 0);
        zf_time_t prev = -1;
        for (uint32_t i = 0; i < N / 2; i++) {
            cr_assert(zf_queue_pop(&q, &e));
            cr_assert_geq(e.time, prev);
            prev = e.time;
        }
        zf_queue_clear(&q);
        cr_assert_eq(zf_queue_size(&q), 0);
        cr_assert_not(zf_queue_pop(&q, &e));
    }
    zf_queue_free(&q);
}
