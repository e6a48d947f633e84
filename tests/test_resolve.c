/* Tests of loadgen/resolve: literals need no lookup, ".invalid" fails without a query
 * (RFC 6761), "localhost" resolves through the system resolver (from /etc/hosts, no
 * network), names are looked up again every TTL, round robin skips refused addresses,
 * and closing waits for a lookup in flight. */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <string.h>

#include "loadgen/resolve.h"

typedef struct seen {
    int calls, last_status, changes;
} seen_t;

static void on_answer(zf_resolver_t *r, int status, int changed)
{
    seen_t *s = r->data;
    s->calls++;
    s->last_status = status;
    s->changes += changed;
}

static int closed;
static void on_closed(zf_resolver_t *r)
{
    (void)r;
    closed++;
}

static void finish(uv_loop_t *loop, zf_resolver_t *r)
{
    closed = 0;
    zf_resolver_close(r, on_closed);
    uv_run(loop, UV_RUN_DEFAULT);
    cr_assert_eq(closed, 1);
    cr_assert_eq(uv_loop_close(loop), 0);
}

Test(resolve, ipv4_literal_is_ready_without_a_lookup)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    zf_resolver_t r;
    seen_t s = {0};
    cr_assert_eq(zf_resolver_init(&r, &loop, "127.0.0.1", 8080, AF_UNSPEC, ZF_S, on_answer, &s), 0);
    zf_resolver_start(&r);
    cr_assert_eq(r.status, 0);
    uint32_t idx;
    const zf_sockaddr_t *a = zf_resolver_pick(&r, 0, &idx);
    cr_assert_not_null(a);
    cr_assert_eq(a->sa.sa_family, AF_INET);
    cr_assert_eq(ntohs(a->in4.sin_port), 8080);
    cr_assert_eq(a->in4.sin_addr.s_addr, htonl(INADDR_LOOPBACK));
    cr_assert_eq(r.lookups, 0);
    finish(&loop, &r);
    cr_assert_eq(s.calls, 0);
}

Test(resolve, ipv6_literal_is_ready)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    zf_resolver_t r;
    cr_assert_eq(zf_resolver_init(&r, &loop, "::1", 443, AF_UNSPEC, ZF_S, NULL, NULL), 0);
    zf_resolver_start(&r);
    uint32_t idx;
    const zf_sockaddr_t *a = zf_resolver_pick(&r, 0, &idx);
    cr_assert_eq(a->sa.sa_family, AF_INET6);
    cr_assert_eq(ntohs(a->in6.sin6_port), 443);
    finish(&loop, &r);
}

Test(resolve, invalid_names_fail_at_once_without_a_query)
{
    const char *names[] = {"no-such-host.invalid", "x.INVALID.", "invalid"};
    for (size_t i = 0; i < 3; i++) {
        uv_loop_t loop;
        uv_loop_init(&loop);
        zf_resolver_t r;
        cr_assert_eq(zf_resolver_init(&r, &loop, names[i], 80, AF_UNSPEC, ZF_S, NULL, NULL), 0);
        zf_resolver_start(&r);
        cr_assert_eq(r.status, UV_EAI_NONAME, "%s", names[i]);
        cr_assert_eq(r.lookups, 0);
        cr_assert_eq(r.failures, 1);
        uint32_t idx;
        cr_assert_null(zf_resolver_pick(&r, 0, &idx));
        finish(&loop, &r);
    }
}

static void stop_loop(uv_timer_t *t) { uv_stop(t->loop); }

static void run_for(uv_loop_t *loop, uint64_t ms)
{
    uv_timer_t t;
    uv_timer_init(loop, &t);
    uv_timer_start(&t, stop_loop, ms, 0);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
}

Test(resolve, localhost_resolves_and_is_looked_up_again_every_ttl)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    zf_resolver_t r;
    seen_t s = {0};
    cr_assert_eq(zf_resolver_init(&r, &loop, "localhost", 9, AF_INET, 50 * ZF_MS, on_answer, &s),
                 0);
    zf_resolver_start(&r);
    cr_assert_eq(r.status, ZF_RESOLVE_PENDING);
    run_for(&loop, 400);
    cr_assert_eq(r.status, 0);
    cr_assert_eq(s.last_status, 0);
    cr_assert(s.calls >= 3, "%d lookups in 400 ms with a 50 ms TTL", s.calls);
    cr_assert_eq(s.changes, 1, "only the first answer changes the set");
    zf_sockaddr_t want;
    memset(&want, 0, sizeof want);
    uv_ip4_addr("127.0.0.1", 9, &want.in4);
    cr_assert(zf_resolver_has(&r, &want));
    finish(&loop, &r);
}

Test(resolve, round_robin_skips_addresses_marked_bad_until_all_are)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    zf_resolver_t r;
    cr_assert_eq(zf_resolver_init(&r, &loop, "127.0.0.1", 80, AF_UNSPEC, ZF_S, NULL, NULL), 0);
    zf_resolver_start(&r);
    /* three addresses, as an answer with three records would give */
    for (int i = 0; i < 3; i++) {
        char ip[16];
        snprintf(ip, sizeof ip, "127.0.0.%d", i + 1);
        uv_ip4_addr(ip, 80, &r.addr[i].in4);
    }
    r.naddr = 3;
    uint32_t idx, got[6];
    for (int i = 0; i < 6; i++) {
        zf_resolver_pick(&r, 0, &idx);
        got[i] = idx;
    }
    for (int i = 0; i < 6; i++)
        cr_assert_eq(got[i], (uint32_t)(i % 3));
    zf_resolver_mark_bad(&r, 1, 0, ZF_S);
    for (int i = 0; i < 4; i++) {
        zf_resolver_pick(&r, 10, &idx);
        cr_assert_neq(idx, 1);
    }
    zf_resolver_mark_bad(&r, 0, 0, ZF_S);
    zf_resolver_mark_bad(&r, 2, 0, ZF_S);
    cr_assert_not_null(zf_resolver_pick(&r, 10, &idx), "all bad: still one to try");
    zf_resolver_pick(&r, 2 * ZF_S, &idx); /* the hold is over */
    finish(&loop, &r);
}

Test(resolve, close_with_a_lookup_in_flight_drops_its_answer)
{
    uv_loop_t loop;
    uv_loop_init(&loop);
    zf_resolver_t r;
    seen_t s = {0};
    cr_assert_eq(zf_resolver_init(&r, &loop, "localhost", 80, AF_INET, ZF_S, on_answer, &s), 0);
    zf_resolver_start(&r);
    cr_assert(r.in_flight);
    finish(&loop, &r);
    cr_assert_eq(s.calls, 0);
}
