/* Tests of loadgen/feed: rings from one producer to the engine threads. Alone: capacity
 * and the full signal, bodies copied. Through the engine against a refused loopback port:
 * every request pushed (before the start, and later to threads asleep on an empty ring,
 * which must be woken) completes exactly once, promptly, on the thread it was given to. */
#include <criterion/criterion.h>

#include <stdatomic.h>
#include <string.h>
#include <unistd.h>

#include "lg_test_util.h"
#include "loadgen/feed.h"

#define N 400

static zf_lg_feed_t *feed;
static atomic_int notified;
static int seen[N];
static unsigned on_thread[N];
static zf_time_t worst;
static uint64_t by_cause[ZF_CAUSE_COUNT];

static void fini(void)
{
    zf_lg_feed_free(feed);
    feed = NULL;
}

TestSuite(feed, .fini = fini);

static zf_lg_req_t req(uint64_t id, zf_time_t t)
{
    return (zf_lg_req_t){.t = t, .id = id, .http = {.method = "GET", .path = "/x"}};
}

Test(feed, a_ring_holds_its_capacity_then_says_full)
{
    zf_err_t err;
    cr_assert_eq(zf_lg_feed_new(&feed, 2, 3, &err), 0); /* rounded up to 4 */
    for (int i = 0; i < 4; i++) {
        zf_lg_req_t r = req((uint64_t)i, 0);
        cr_assert_eq(zf_lg_feed_push(feed, 0, &r), 0);
    }
    zf_lg_req_t r = req(9, 0);
    cr_assert_eq(zf_lg_feed_push(feed, 0, &r), 1);
    cr_assert_eq(zf_lg_feed_pending(feed, 0), 4);
    cr_assert_eq(zf_lg_feed_pending(feed, 1), 0);
    cr_assert_eq(zf_lg_feed_push(feed, 1, &r), 0, "another thread's ring has room");
    cr_assert_eq(zf_lg_feed_new(&(zf_lg_feed_t *){NULL}, 0, 4, &err), ZF_EINVAL);
}

Test(feed, the_source_hands_out_copies_in_order_then_ends)
{
    zf_err_t err;
    cr_assert_eq(zf_lg_feed_new(&feed, 1, 8, &err), 0);
    char body[] = "{\"a\": 1}";
    zf_lg_req_t r = req(1, 5);
    r.http.body = body;
    r.http.body_len = strlen(body);
    r.http.headers = "X-A: b\r\n";
    r.http.headers_len = 8;
    cr_assert_eq(zf_lg_feed_push(feed, 0, &r), 0);
    body[0] = '!'; /* the feed has its own copy */
    zf_lg_source_t src = zf_lg_feed_source(feed);
    zf_lg_req_t got;
    cr_assert_eq(src.next(src.user, 0, 0, &got), ZF_LG_NEXT_REQ);
    cr_assert_eq(got.id, 1);
    cr_assert_eq(got.t, 5);
    cr_assert_eq(memcmp(got.http.body, "{\"a\": 1}", 8), 0);
    cr_assert_eq(memcmp(got.http.headers, "X-A: b\r\n", 8), 0);
    cr_assert_str_eq(got.http.path, "/x");
    cr_assert_eq(src.next(src.user, 0, 0, &got), ZF_LG_NEXT_WAIT);
    cr_assert_eq(got.t, ZF_TIME_MAX);
    zf_lg_feed_end(feed);
    cr_assert_eq(src.next(src.user, 0, 0, &got), ZF_LG_NEXT_END);
}

static void on_notify(void *ctx)
{
    (void)ctx;
    atomic_fetch_add(&notified, 1);
}

static void on_done(void *ctx, unsigned thread, const zf_lg_done_t *d)
{
    (void)ctx;
    cr_assert(d->id < N);
    seen[d->id]++;
    on_thread[d->id] = thread;
    by_cause[d->cause]++;
    if (d->latency_ns > worst)
        worst = d->latency_ns;
}

Test(feed, requests_pushed_before_and_during_a_run_complete_once_each)
{
    zf_err_t err;
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", closed_port());
    const char *urls[] = {url};
    zf_lg_target_t t = {.name = "t", .urls = urls, .nurls = 1};
    zf_lg_config_t cfg;
    zf_lg_config_defaults(&cfg);
    cfg.threads = 2;
    cfg.duration_ns = 10 * ZF_S;
    zf_lg_t *lg;
    cr_assert_eq(zf_lg_new(&lg, &cfg, &t, 1, &err), 0, "%s", err.msg);
    cr_assert_eq(zf_lg_feed_new(&feed, 2, 1024, &err), 0);
    zf_lg_feed_attach(feed, lg, on_notify, NULL);
    for (int i = 0; i < N / 2; i++) { /* the first half before the start, over 20 ms */
        zf_lg_req_t r = req((uint64_t)i, (zf_time_t)i * 100 * ZF_US);
        cr_assert_eq(zf_lg_feed_push(feed, (unsigned)i % 2, &r), 0);
    }
    zf_lg_source_t src = zf_lg_feed_source(feed);
    cr_assert_eq(zf_lg_start(lg, &src, &err), 0, "%s", err.msg);
    usleep(200000); /* both threads drained their rings and wait for a wake-up */
    zf_time_t now = zf_wall_now() - zf_lg_t0(lg);
    for (int i = N / 2; i < N; i++) {
        zf_lg_req_t r = req((uint64_t)i, now + (zf_time_t)(i - N / 2) * 100 * ZF_US);
        cr_assert_eq(zf_lg_feed_push(feed, (unsigned)i % 2, &r), 0);
    }
    zf_lg_feed_end(feed);
    zf_lg_stats_t st;
    cr_assert_eq(zf_lg_stats_init(&st), 0);
    cr_assert_eq(zf_lg_wait(lg, &st, &err), 0, "%s", err.msg);
    zf_lg_destroy(lg);
    cr_assert(st.elapsed_ns < 2 * ZF_S, "the run ended with its source, not at the hard end");
    cr_assert_eq(zf_lg_feed_drain(feed, on_done, NULL), N);
    cr_assert_geq(atomic_load(&notified), 1);
    for (int i = 0; i < N; i++) {
        cr_assert_eq(seen[i], 1, "request %d completed %d times", i, seen[i]);
        cr_assert_eq(on_thread[i], (unsigned)i % 2);
    }
    cr_assert_eq(by_cause[ZF_CAUSE_CONNECT_REFUSED], N);
    cr_assert(worst < 500 * ZF_MS, "woken threads sent late: %lld ns", (long long)worst);
    cr_assert_eq(zf_lg_feed_drain(feed, on_done, NULL), 0);
    zf_lg_stats_free(&st);
}
