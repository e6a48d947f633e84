/* Tests of sim/model/tcp: which paths cross a lossy border and with what probability, and
 * the draws of a handshake (SYN retransmissions at 1, 3, 7 s after the first; success when
 * the SYN and its SYN-ACK both cross) and of a data segment (retransmitted after 200 ms,
 * then 400 ms, ...). The draws' frequencies are checked against their exact probabilities
 * within 4.42 standard deviations (a 1e-5 two-sided binomial band) over 200,000 draws. */
#include <criterion/criterion.h>

#include <math.h>
#include <string.h>

#include "model/core.h"

#define N 200000

static void assert_share(uint64_t count, double p, const char *what)
{
    double sd = sqrt(N * p * (1 - p));
    cr_assert(fabs((double)count - N * p) <= 4.42 * sd + 1e-9,
              "%s: %lu of %d, expected %.0f +- %.0f", what, (unsigned long)count, N, N * p,
              4.42 * sd);
}

Test(tcp, only_paths_across_a_lossy_border_lose_packets)
{
    static zf_model_t m; /* zeroed: every zone up, no loss */
    m.zones[1].loss = 0.5;
    m.zones[1].packet = true;
    m.zones[2].loss = 0.2;
    m.zones[2].packet = true;
    m.zones[3].loss = 0.9; /* loss of requests, not packets */
    cr_assert_eq(zf_tcp_path_loss(&m, 0, 3), 0);
    cr_assert_eq(zf_tcp_path_loss(&m, 1, 1), 0, "inside the zone no border is crossed");
    cr_assert_float_eq(zf_tcp_path_loss(&m, 0, 1), 0.5, 1e-12);
    cr_assert_float_eq(zf_tcp_path_loss(&m, 1, 0), 0.5, 1e-12);
    cr_assert_float_eq(zf_tcp_path_loss(&m, 1, 2), 1 - 0.5 * 0.8, 1e-12);
}

Test(tcp, no_loss_costs_nothing_and_total_loss_never_connects)
{
    zf_rng_t r;
    cr_assert_eq(zf_rng_init(&r, 1, "test/tcp"), 0);
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(zf_tcp_connect(&r, 0, 3 * ZF_S), 0);
        cr_assert_eq(zf_tcp_segment(&r, 0), 0);
        cr_assert_eq(zf_tcp_connect(&r, 1, 3 * ZF_S), -1);
    }
    /* a segment that is always lost is given up after at least 120 s of retransmissions:
     * 0.2 s x (2^10 - 1) = 204.6 s, the first sum of doublings past 120 s */
    cr_assert_eq(zf_tcp_segment(&r, 1), 204600 * ZF_MS);
    zf_rng_free(&r);
}

/* Loss 0.5: an attempt succeeds with (1 - 0.5)^2 = 0.25. With a 3 s connect timeout the
 * attempts are at 0 and 1 s (the one at 3 s is the timeout's instant): success at 0 with
 * 0.25, at 1 s with 0.75 x 0.25, failure with 0.75^2. With 10 s: attempts at 0, 1, 3, 7 s,
 * failure 0.75^4. No other instant ever comes out. */
Test(tcp, handshakes_retry_at_one_three_seven_seconds_until_the_timeout)
{
    zf_rng_t r;
    cr_assert_eq(zf_rng_init(&r, 2, "test/tcp"), 0);
    uint64_t at0 = 0, at1 = 0, fail = 0;
    for (int i = 0; i < N; i++) {
        zf_time_t t = zf_tcp_connect(&r, 0.5, 3 * ZF_S);
        if (t == 0)
            at0++;
        else if (t == ZF_S)
            at1++;
        else
            cr_assert_eq(t, -1, "connect at %ld ns", (long)t);
        fail += t < 0;
    }
    assert_share(at0, 0.25, "at once");
    assert_share(at1, 0.75 * 0.25, "at 1 s");
    assert_share(fail, 0.75 * 0.75, "failed by 3 s");
    uint64_t at7 = 0;
    fail = 0;
    for (int i = 0; i < N; i++) {
        zf_time_t t = zf_tcp_connect(&r, 0.5, 10 * ZF_S);
        cr_assert(t == -1 || t == 0 || t == ZF_S || t == 3 * ZF_S || t == 7 * ZF_S, "%ld", (long)t);
        at7 += t == 7 * ZF_S;
        fail += t < 0;
    }
    assert_share(at7, pow(0.75, 3) * 0.25, "at 7 s");
    assert_share(fail, pow(0.75, 4), "failed by 10 s");
    zf_rng_free(&r);
}

/* Loss 0.3: a segment crosses at once with 0.7, after one retransmission (200 ms) with
 * 0.3 x 0.7, after two (200 + 400 ms) with 0.3^2 x 0.7. */
Test(tcp, a_lost_segment_waits_for_doubling_retransmission_timeouts)
{
    zf_rng_t r;
    cr_assert_eq(zf_rng_init(&r, 3, "test/tcp"), 0);
    uint64_t n0 = 0, n1 = 0, n2 = 0;
    for (int i = 0; i < N; i++) {
        zf_time_t d = zf_tcp_segment(&r, 0.3);
        n0 += d == 0;
        n1 += d == 200 * ZF_MS;
        n2 += d == 600 * ZF_MS;
    }
    assert_share(n0, 0.7, "no loss");
    assert_share(n1, 0.3 * 0.7, "one loss");
    assert_share(n2, 0.09 * 0.7, "two losses");
    zf_rng_free(&r);
}
