/* Tests of loadgen/loadgen (the engine) without a server: configuration errors, causes of
 * failures that need no server (refused, connect timeout, dns), the hard end, stopping,
 * invalid requests, the max-rps ceiling seen in the lag, and a retrying source. Loopback
 * only; every run is bounded by its duration. */
#include "lg_test_util.h"

#include <pthread.h>

static zf_lg_config_t config(zf_time_t duration)
{
    zf_lg_config_t c;
    zf_lg_config_defaults(&c);
    c.duration_ns = duration;
    c.threads = 1;
    return c;
}

Test(loadgen, defaults_need_only_a_duration)
{
    zf_lg_config_t c;
    zf_lg_config_defaults(&c);
    const char *url = "http://127.0.0.1:1";
    zf_lg_target_t t = {.name = "lb", .urls = &url, .nurls = 1};
    zf_lg_t *lg;
    zf_err_t err;
    cr_assert_eq(zf_lg_new(&lg, &c, &t, 1, &err), ZF_EINVAL);
    cr_assert(strstr(err.msg, "duration") != NULL, "%s", err.msg);
    c.duration_ns = ZF_S;
    cr_assert_eq(zf_lg_new(&lg, &c, &t, 1, &err), 0, "%s", err.msg);
    cr_assert(zf_lg_threads(lg) >= 1);
    zf_lg_destroy(lg);
}

/* zf_lg_new with one plain target and configuration c; returns its result. */
static int try_new(const zf_lg_config_t *c, size_t ntargets)
{
    const char *url = "http://127.0.0.1:1";
    zf_lg_target_t t = {.name = "lb", .urls = &url, .nurls = 1};
    zf_lg_t *lg = NULL;
    zf_err_t err;
    int rc = zf_lg_new(&lg, c, &t, ntargets, &err);
    zf_lg_destroy(lg);
    return rc;
}

Test(loadgen, bad_configuration_is_bad_input)
{
    zf_lg_config_t c = config(ZF_S);
    c.threads = ZF_LG_THREADS_MAX + 1;
    cr_assert_eq(try_new(&c, 1), ZF_ERANGE);
    c = config(ZF_S);
    c.max_rps = -5;
    cr_assert_eq(try_new(&c, 1), ZF_EINVAL);
    c = config(ZF_S);
    c.dns_family = 5;
    cr_assert_eq(try_new(&c, 1), ZF_EINVAL);
    c = config(ZF_S);
    cr_assert_eq(try_new(&c, 0), ZF_EINVAL);
    const char *url = "http://127.0.0.1:1";
    zf_lg_t *lg;
    zf_err_t err;
    zf_lg_target_t none = {.name = "empty", .urls = &url, .nurls = 0};
    cr_assert_eq(zf_lg_new(&lg, &c, &none, 1, &err), ZF_EINVAL);
    cr_assert(strstr(err.msg, "empty") != NULL, "%s", err.msg);
}

Test(loadgen, bad_url_error_names_the_target_and_the_url)
{
    const char *urls[] = {"http://127.0.0.1:1", "http://user@evil.test/"};
    zf_lg_target_t t = {.name = "lb-b", .urls = urls, .nurls = 2};
    zf_lg_t *lg;
    zf_err_t err;
    zf_lg_config_t c = config(ZF_S);
    cr_assert_eq(zf_lg_new(&lg, &c, &t, 1, &err), ZF_EINVAL);
    cr_assert(strstr(err.msg, "lb-b") && strstr(err.msg, "user@evil.test"), "%s", err.msg);
}

Test(loadgen, bad_ca_file_is_bad_input_for_https_targets)
{
    const char *url = "https://127.0.0.1:1";
    zf_lg_target_t t = {.name = "lb", .urls = &url, .nurls = 1};
    zf_lg_t *lg;
    zf_err_t err;
    zf_lg_config_t c = config(ZF_S);
    c.tls_ca_file = "/nonexistent.pem";
    cr_assert_eq(zf_lg_new(&lg, &c, &t, 1, &err), ZF_EINVAL);
}

static int end_at_once(void *u, unsigned th, zf_time_t now, zf_lg_req_t *r)
{
    (void)u, (void)th, (void)now, (void)r;
    return ZF_LG_NEXT_END;
}

Test(loadgen, an_empty_source_ends_the_run_at_once)
{
    zf_lg_config_t c = config(30 * ZF_S);
    c.threads = 2;
    zf_lg_source_t src = {end_at_once, NULL, NULL};
    zf_lg_stats_t st;
    zf_err_t err;
    cr_assert_eq(run_one("http://127.0.0.1:1", &c, 0, &src, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.requests, 0);
    cr_assert(st.elapsed_ns < ZF_S, "elapsed %lld ns", (long long)st.elapsed_ns);
    zf_lg_stats_free(&st);
}

Test(loadgen, refused_connections_are_counted_exactly_over_threads)
{
    static rate_src_t s = {.n = 60, .interval = ZF_MS};
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", closed_port());
    zf_lg_config_t c = config(10 * ZF_S);
    c.threads = 2;
    zf_lg_source_t src = rate_source(&s);
    zf_lg_stats_t st;
    zf_err_t err;
    cr_assert_eq(run_one(url, &c, 0, &src, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(st.requests, 60);
    cr_assert_eq(st.completed, 60);
    cr_assert_eq(cause(&st, ZF_CAUSE_CONNECT_REFUSED), 60);
    cr_assert_eq(rate_done_count(&s, ZF_CAUSE_CONNECT_REFUSED), 60);
    cr_assert_eq(st.sent, 0);
    cr_assert_eq(st.connect_failures, 60);
    cr_assert(st.elapsed_ns < 5 * ZF_S, "the run ends when the source does");
    zf_lg_stats_free(&st);
}

Test(loadgen, a_connect_that_hangs_is_a_connect_timeout)
{
    int port;
    int fd = black_hole(0, &port); /* room for one connection; later SYNs are dropped */
    static rate_src_t s = {.n = 6, .interval = 0, .flags = ZF_LG_REQ_NEW_CONN};
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    zf_lg_config_t c = config(5 * ZF_S);
    c.connect_timeout_ns = 300 * ZF_MS;
    c.timeout_ns = ZF_S;
    zf_lg_source_t src = rate_source(&s);
    zf_lg_stats_t st;
    zf_err_t err;
    cr_assert_eq(run_one(url, &c, 16, &src, &st, &err), 0, "%s", err.msg);
    close(fd);
    uint64_t ct = cause(&st, ZF_CAUSE_CONNECT_TIMEOUT), to = cause(&st, ZF_CAUSE_TIMEOUT);
    cr_assert(ct >= 4, "connect timeouts %llu", (unsigned long long)ct);
    cr_assert_eq(ct + to, 6, "connected ones time out waiting for a response");
    cr_assert(st.elapsed_ns < 4500 * ZF_MS);
    zf_lg_stats_free(&st);
}

Test(loadgen, an_unresolvable_name_is_cause_dns_without_a_query)
{
    static rate_src_t s = {.n = 10, .interval = ZF_MS};
    zf_lg_config_t c = config(5 * ZF_S);
    zf_lg_source_t src = rate_source(&s);
    zf_lg_stats_t st;
    zf_err_t err;
    cr_assert_eq(run_one("http://no-such-host.invalid:8080/", &c, 0, &src, &st, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(cause(&st, ZF_CAUSE_DNS), 10);
    cr_assert_eq(st.dns_lookups, 0);
    cr_assert(st.dns_failures >= 1);
    zf_lg_stats_free(&st);
}

Test(loadgen, the_hard_end_counts_outstanding_requests_as_incomplete)
{
    int port;
    int fd = black_hole(128, &port); /* connects, never answers */
    static rate_src_t s = {.n = 20, .interval = ZF_MS};
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    zf_lg_config_t c = config(300 * ZF_MS);
    c.timeout_ns = 10 * ZF_S;
    zf_lg_source_t src = rate_source(&s);
    zf_lg_stats_t st;
    zf_err_t err;
    zf_time_t t0 = zf_wall_now();
    cr_assert_eq(run_one(url, &c, 64, &src, &st, &err), 0, "%s", err.msg);
    zf_time_t wall = zf_wall_now() - t0;
    close(fd);
    cr_assert_eq(st.sent, 20);
    cr_assert_eq(st.incomplete, 20);
    cr_assert_eq(cause(&st, ZF_CAUSE_TIMEOUT), 20);
    cr_assert(st.elapsed_ns >= 290 * ZF_MS && st.elapsed_ns < 2 * ZF_S, "ended at %lld ns",
              (long long)st.elapsed_ns);
    cr_assert(wall < 2 * ZF_S);
    zf_lg_stats_free(&st);
}

static void *stop_later(void *arg)
{
    usleep(200 * 1000);
    zf_lg_stop(arg);
    return NULL;
}

Test(loadgen, stop_from_another_thread_ends_the_run)
{
    int port;
    int fd = black_hole(128, &port);
    static rate_src_t s = {.n = 100000, .interval = 10 * ZF_MS};
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    const char *u = url;
    zf_lg_target_t t = {.name = "t", .urls = &u, .nurls = 1};
    zf_lg_config_t c = config(30 * ZF_S);
    c.threads = 2;
    zf_lg_t *lg;
    zf_err_t err;
    cr_assert_eq(zf_lg_new(&lg, &c, &t, 1, &err), 0);
    s.nthreads = 2;
    zf_lg_source_t src = rate_source(&s);
    zf_lg_stats_t st;
    zf_lg_stats_init(&st);
    pthread_t th;
    pthread_create(&th, NULL, stop_later, lg);
    cr_assert_eq(zf_lg_run(lg, &src, &st, &err), 0, "%s", err.msg);
    pthread_join(th, NULL);
    close(fd);
    cr_assert(st.stopped);
    cr_assert(st.elapsed_ns < 2 * ZF_S);
    cr_assert_eq(st.completed, st.requests);
    zf_lg_destroy(lg);
    zf_lg_stats_free(&st);
}

static int bad_target(void *u, unsigned th, zf_time_t now, zf_lg_req_t *r)
{
    (void)u, (void)th, (void)now;
    r->t = 0;
    r->target = 5;
    return ZF_LG_NEXT_REQ;
}

static int injected_header(void *u, unsigned th, zf_time_t now, zf_lg_req_t *r)
{
    (void)u, (void)th, (void)now;
    r->t = 0;
    r->id = 77;
    r->http.headers = "X: a\r\n\r\nGET /admin HTTP/1.1\r\n";
    r->http.headers_len = strlen(r->http.headers);
    return ZF_LG_NEXT_REQ;
}

Test(loadgen, an_invalid_request_ends_the_run_with_its_reason)
{
    zf_lg_config_t c = config(5 * ZF_S);
    zf_lg_stats_t st;
    zf_err_t err;
    zf_lg_source_t a = {bad_target, NULL, NULL};
    cr_assert_eq(run_one("http://127.0.0.1:1", &c, 0, &a, &st, &err), ZF_EINVAL);
    cr_assert(strstr(err.msg, "target 5") != NULL, "%s", err.msg);
    zf_lg_stats_free(&st);
    zf_lg_source_t b = {injected_header, NULL, NULL};
    cr_assert_eq(run_one("http://127.0.0.1:1", &c, 0, &b, &st, &err), ZF_EINVAL);
    cr_assert(strstr(err.msg, "request 77") != NULL, "%s", err.msg);
    zf_lg_stats_free(&st);
}

Test(loadgen, the_max_rps_ceiling_spreads_a_burst_and_the_lag_shows_it)
{
    int port;
    int fd = black_hole(256, &port);
    static rate_src_t s = {.n = 100, .interval = 0};
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    zf_lg_config_t c = config(1500 * ZF_MS);
    c.max_rps = 200; /* 100 requests due at 0 leave over 0.5 s */
    c.timeout_ns = 10 * ZF_S;
    zf_lg_source_t src = rate_source(&s);
    zf_lg_stats_t st;
    zf_err_t err;
    cr_assert_eq(run_one(url, &c, 128, &src, &st, &err), 0, "%s", err.msg);
    close(fd);
    cr_assert_eq(st.sent, 100);
    cr_assert_eq(st.throttled, 99);
    zf_time_t lag_max = st.lag.max, lag_p50 = zf_hist_quantile(&st.lag, 0.5);
    /* lower bounds are the ceiling's doing; upper bounds only guard against a stuck run */
    cr_assert(lag_max >= 490 * ZF_MS && lag_max < 1400 * ZF_MS, "lag max %lld",
              (long long)lag_max);
    cr_assert(lag_p50 >= 230 * ZF_MS && lag_p50 < 1000 * ZF_MS, "lag p50 %lld",
              (long long)lag_p50);
    zf_lg_stats_free(&st);
}

/* A device that retries a failed report after 20 ms, three times (the source owns the
 * schedule: WAIT with its next instant, and done() returning 1 after a failure). */
typedef struct retry_src {
    int attempts, pending;
    zf_time_t due, sent_at[8];
} retry_src_t;

static int retry_next(void *u, unsigned th, zf_time_t now, zf_lg_req_t *r)
{
    (void)th;
    retry_src_t *s = u;
    if (!s->pending)
        return s->attempts >= 4 ? ZF_LG_NEXT_END : (r->t = ZF_TIME_MAX, ZF_LG_NEXT_WAIT);
    if (s->due > now) {
        r->t = s->due;
        return ZF_LG_NEXT_WAIT;
    }
    s->pending = 0;
    s->sent_at[s->attempts] = now;
    r->t = s->due;
    r->id = (uint64_t)s->attempts++;
    return ZF_LG_NEXT_REQ;
}

static int retry_done(void *u, unsigned th, const zf_lg_done_t *d)
{
    (void)th;
    retry_src_t *s = u;
    if (d->cause == ZF_CAUSE_OK || s->attempts >= 4)
        return 1; /* ask again: the stream has ended */
    s->pending = 1;
    s->due = d->t + d->latency_ns + 20 * ZF_MS;
    return 1;
}

Test(loadgen, a_source_can_schedule_retries_from_completions)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", closed_port());
    static retry_src_t s = {.pending = 1, .due = 0};
    zf_lg_config_t c = config(5 * ZF_S);
    zf_lg_source_t src = {retry_next, retry_done, &s};
    zf_lg_stats_t st;
    zf_err_t err;
    cr_assert_eq(run_one(url, &c, 0, &src, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(s.attempts, 4);
    cr_assert_eq(cause(&st, ZF_CAUSE_CONNECT_REFUSED), 4);
    for (int i = 1; i < 4; i++)
        cr_assert(s.sent_at[i] - s.sent_at[i - 1] >= 20 * ZF_MS, "retry %d after %lld ns", i,
                  (long long)(s.sent_at[i] - s.sent_at[i - 1]));
    cr_assert(st.elapsed_ns < 3 * ZF_S);
    zf_lg_stats_free(&st);
}

Test(loadgen, an_engine_can_run_twice_and_counts_each_run_alone)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", closed_port());
    const char *u = url;
    zf_lg_target_t t = {.name = "t", .urls = &u, .nurls = 1};
    zf_lg_config_t c = config(5 * ZF_S);
    c.threads = 3;
    zf_lg_t *lg;
    zf_err_t err;
    cr_assert_eq(zf_lg_new(&lg, &c, &t, 1, &err), 0, "%s", err.msg);
    for (int run = 0; run < 2; run++) {
        static rate_src_t s;
        memset(&s, 0, sizeof s);
        s.n = 30;
        s.interval = ZF_MS;
        s.nthreads = zf_lg_threads(lg);
        zf_lg_source_t src = rate_source(&s);
        zf_lg_stats_t st;
        zf_lg_stats_init(&st);
        cr_assert_eq(zf_lg_run(lg, &src, &st, &err), 0, "%s", err.msg);
        cr_assert_eq(st.requests, 30);
        cr_assert_eq(cause(&st, ZF_CAUSE_CONNECT_REFUSED), 30);
        cr_assert(!st.stopped);
        zf_lg_stats_free(&st);
    }
    zf_lg_destroy(lg);
}

Test(loadgen, pacing_knobs_are_checked)
{
    zf_lg_config_t c = config(ZF_S);
    c.pace_tick_ns = -1;
    cr_assert_eq(try_new(&c, 1), ZF_EINVAL);
    c = config(ZF_S);
    c.spin_ns = 2 * ZF_S;
    cr_assert_eq(try_new(&c, 1), ZF_EINVAL);
    c = config(ZF_S);
    c.max_queued = 0;
    cr_assert_eq(try_new(&c, 1), ZF_EINVAL);
    cr_assert_eq(try_new(&(zf_lg_config_t){.duration_ns = 0}, 1), ZF_EINVAL);
}
