/* Tests of loadgen/timeheap: pops in deadline order, removes any node, and keeps
 * positions consistent under a random mix of pushes, pops and removals. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "loadgen/timeheap.h"

static uint64_t next_u64(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

Test(timeheap, pops_in_deadline_order)
{
    zf_theap_t h;
    zf_theap_init(&h);
    zf_theap_node_t n[100];
    for (int i = 0; i < 100; i++) {
        n[i].pos = 0;
        n[i].at = (i * 37) % 100;
        cr_assert_eq(zf_theap_push(&h, &n[i]), 0);
    }
    for (zf_time_t want = 0; want < 100; want++) {
        zf_theap_node_t *x = zf_theap_pop(&h);
        cr_assert_not_null(x);
        cr_assert_eq(x->at, want);
        cr_assert_eq(x->pos, 0);
    }
    cr_assert_null(zf_theap_pop(&h));
    zf_theap_free(&h);
}

Test(timeheap, removing_a_node_twice_is_harmless)
{
    zf_theap_t h;
    zf_theap_init(&h);
    zf_theap_node_t a = {.at = 5}, b = {.at = 3};
    zf_theap_push(&h, &a);
    zf_theap_push(&h, &b);
    zf_theap_remove(&h, &b);
    zf_theap_remove(&h, &b);
    cr_assert_eq(zf_theap_min(&h), &a);
    cr_assert(!zf_theap_contains(&b));
    zf_theap_free(&h);
    cr_assert(!zf_theap_contains(&a));
}

Test(timeheap, random_mix_matches_a_reference)
{
    enum { N = 2000 };
    static zf_theap_node_t n[N];
    static int in[N];
    zf_theap_t h;
    zf_theap_init(&h);
    uint64_t s = 42;
    for (int step = 0; step < 200000; step++) {
        int i = (int)(next_u64(&s) % N);
        int op = (int)(next_u64(&s) % 3);
        if (op == 0 && !in[i]) {
            n[i].at = (zf_time_t)(next_u64(&s) % 1000);
            cr_assert_eq(zf_theap_push(&h, &n[i]), 0);
            in[i] = 1;
        } else if (op == 1 && in[i]) {
            zf_theap_remove(&h, &n[i]);
            in[i] = 0;
        } else if (op == 2 && h.n) {
            zf_time_t want = INT64_MAX;
            for (int k = 0; k < N; k++)
                if (in[k] && n[k].at < want)
                    want = n[k].at;
            zf_theap_node_t *x = zf_theap_pop(&h);
            cr_assert_eq(x->at, want);
            in[x - n] = 0;
        }
        if (step % 1000 == 0)
            for (uint32_t k = 0; k < h.n; k++)
                cr_assert_eq(h.v[k]->pos, k + 1);
    }
    zf_theap_free(&h);
}
