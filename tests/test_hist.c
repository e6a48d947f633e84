/* Tests of sim/engine/hist: quantile accuracy against exact sorted quantiles, bucket edges,
 * exact merge, reset, extremes. Random values come from a local xorshift + Box-Muller
 * generator (deterministic, and independent of the rng module under development). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "engine/hist.h"

#define N_VALUES 1000000

static const double quantiles[] = {0.5, 0.9, 0.99, 0.999, 0.9999};
#define N_QUANTILES (sizeof quantiles / sizeof quantiles[0])

/* xorshift64* (Vigna 2016): enough for test data. */
static uint64_t next_u64(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

/* Uniform in (0, 1): never 0, so log() below is finite. */
static double next_unit(uint64_t *s)
{
    return ((double)(next_u64(s) >> 11) + 0.5) / 9007199254740992.0;
}

static double next_normal(uint64_t *s)
{
    double u1 = next_unit(s), u2 = next_unit(s);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static int cmp_i64(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return (x > y) - (x < y);
}

/* Exact nearest-rank quantile of a sorted array, same rank rule as the contract. */
static int64_t exact_quantile(const int64_t *sorted, size_t n, double q)
{
    size_t rank = (size_t)ceil(q * (double)n);
    return sorted[rank < 1 ? 0 : rank - 1];
}

/* Records v[0..n) and returns the largest relative quantile error over `quantiles`;
 * sorts v in place. */
static double max_quantile_error(int64_t *v, size_t n)
{
    zf_hist_t h;
    cr_assert_eq(zf_hist_init(&h), 0);
    for (size_t i = 0; i < n; i++)
        zf_hist_record(&h, v[i]);
    qsort(v, n, sizeof *v, cmp_i64);
    double worst = 0.0;
    for (size_t k = 0; k < N_QUANTILES; k++) {
        int64_t want = exact_quantile(v, n, quantiles[k]);
        int64_t got = zf_hist_quantile(&h, quantiles[k]);
        double err = fabs((double)got - (double)want) / (double)want;
        cr_expect_leq(err, 0.01, "q=%g: got %lld, exact %lld (error %.4f%%)", quantiles[k],
                      (long long)got, (long long)want, 100.0 * err);
        worst = err > worst ? err : worst;
    }
    cr_assert_eq(zf_hist_quantile(&h, 0.0), v[0]);
    cr_assert_eq(zf_hist_quantile(&h, 1.0), v[n - 1]);
    zf_hist_free(&h);
    return worst;
}

/* Lognormal latencies: median 1 ms, sigma 1.5 (p99.99 around 270 ms). */
static int64_t *lognormal_values(size_t n, uint64_t seed)
{
    int64_t *v = malloc(n * sizeof *v);
    cr_assert_not_null(v);
    for (size_t i = 0; i < n; i++)
        v[i] = 1 + (int64_t)llround(exp(log(1e6) + 1.5 * next_normal(&seed)));
    return v;
}

/* Log-uniform from 1 ns to 10 hours. */
static int64_t *wide_values(size_t n, uint64_t seed)
{
    int64_t *v = malloc(n * sizeof *v);
    cr_assert_not_null(v);
    double top = log(36000e9);
    for (size_t i = 0; i < n; i++)
        v[i] = (int64_t)llround(exp(top * next_unit(&seed)));
    return v;
}

Test(hist, every_quantile_of_lognormal_latencies_is_within_one_percent)
{
    int64_t *v = lognormal_values(N_VALUES, 0x9E3779B97F4A7C15u);
    double worst = max_quantile_error(v, N_VALUES);
    cr_assert_leq(worst, 0.01);
    free(v);
}

Test(hist, every_quantile_of_values_from_1ns_to_10h_is_within_one_percent)
{
    int64_t *v = wide_values(N_VALUES, 42);
    double worst = max_quantile_error(v, N_VALUES);
    cr_assert_leq(worst, 0.01);
    free(v);
}

Test(hist, quantile_error_is_within_half_a_bucket_at_every_percentile)
{
    int64_t *v = wide_values(N_VALUES, 7);
    zf_hist_t h;
    cr_assert_eq(zf_hist_init(&h), 0);
    for (size_t i = 0; i < N_VALUES; i++)
        zf_hist_record(&h, v[i]);
    qsort(v, N_VALUES, sizeof *v, cmp_i64);
    for (int p = 1; p < 1000; p++) {
        double q = p / 1000.0;
        int64_t want = exact_quantile(v, N_VALUES, q);
        double err = fabs((double)zf_hist_quantile(&h, q) - (double)want) / (double)want;
        cr_assert_leq(err, 1.0 / 256 + 1e-12, "q=%g error %.5f%%", q, 100.0 * err);
    }
    zf_hist_free(&h);
    free(v);
}

Test(hist, small_values_are_exact)
{
    zf_hist_t h;
    cr_assert_eq(zf_hist_init(&h), 0);
    for (int64_t v = 0; v < ZF_HIST_SUB; v++) {
        cr_assert_eq(zf_hist_index(v), (uint32_t)v);
        cr_assert_eq(zf_hist_bucket_low((uint32_t)v), v);
        cr_assert_eq(zf_hist_bucket_high((uint32_t)v), v);
        zf_hist_record(&h, v);
    }
    /* value v is the (v + 1)-th of 128: rank v + 1 is reached at q = (v + 1) / 128 */
    for (int64_t v = 0; v < ZF_HIST_SUB; v++)
        cr_assert_eq(zf_hist_quantile(&h, (double)(v + 1) / ZF_HIST_SUB), v);
    zf_hist_free(&h);
}

Test(hist, buckets_are_contiguous_and_hold_both_their_edges)
{
    cr_assert_eq(ZF_HIST_BUCKETS, 7296);
    cr_assert_eq(zf_hist_bucket_low(0), 0);
    cr_assert_eq(zf_hist_bucket_high(ZF_HIST_BUCKETS - 1), INT64_MAX);
    for (uint32_t i = 0; i < ZF_HIST_BUCKETS; i++) {
        int64_t low = zf_hist_bucket_low(i), high = zf_hist_bucket_high(i);
        cr_assert_leq(low, high, "bucket %u", i);
        cr_assert_eq(zf_hist_index(low), i, "low edge of bucket %u", i);
        cr_assert_eq(zf_hist_index(high), i, "high edge of bucket %u", i);
        if (i > 0)
            cr_assert_eq(low, zf_hist_bucket_high(i - 1) + 1, "gap before bucket %u", i);
        /* width <= low / 128 keeps the midpoint within 0.4% */
        if (low >= ZF_HIST_SUB)
            cr_assert_leq(high - low + 1, low / ZF_HIST_SUB, "bucket %u too wide", i);
        else
            cr_assert_eq(high, low);
    }
}

Test(hist, documented_formula_gives_the_index)
{
    cr_assert_eq(zf_hist_index(128), 128);
    cr_assert_eq(zf_hist_index(255), 255);
    cr_assert_eq(zf_hist_index(256), 256);
    cr_assert_eq(zf_hist_index(257), 256);
    cr_assert_eq(zf_hist_index(258), 257);
    /* 1 s = 2^29 * 1.86...: e = 29, sub = (1e9 >> 22) & 127 */
    cr_assert_eq(zf_hist_index(1000000000), (29 - 6) * 128 + ((1000000000 >> 22) & 127));
    cr_assert_eq(zf_hist_index(INT64_MAX), ZF_HIST_BUCKETS - 1);
    cr_assert_eq(zf_hist_index(-1), 0);
    cr_assert_eq(zf_hist_index(INT64_MIN), 0);
}

static void expect_same_hist(const zf_hist_t *a, const zf_hist_t *b)
{
    for (uint32_t i = 0; i < ZF_HIST_BUCKETS; i++)
        cr_assert_eq(a->counts[i], b->counts[i], "bucket %u", i);
    cr_assert_eq(a->total, b->total);
    cr_assert_eq(a->min, b->min);
    cr_assert_eq(a->max, b->max);
    cr_assert_eq(a->lo, b->lo);
    cr_assert_eq(a->hi, b->hi);
    cr_assert_float_eq(zf_hist_mean(a), zf_hist_mean(b), 1e-9 * zf_hist_mean(b));
    for (int p = 0; p <= 10000; p++)
        cr_assert_eq(zf_hist_quantile(a, p / 10000.0), zf_hist_quantile(b, p / 10000.0));
}

Test(hist, merge_equals_recording_into_one_histogram)
{
    zf_hist_t a, b, all, empty;
    cr_assert_eq(zf_hist_init(&a), 0);
    cr_assert_eq(zf_hist_init(&b), 0);
    cr_assert_eq(zf_hist_init(&all), 0);
    cr_assert_eq(zf_hist_init(&empty), 0);
    uint64_t seed = 12345;
    for (int i = 0; i < 200000; i++) {
        /* shard a holds small values, shard b large ones: ranges differ */
        int64_t v = (int64_t)(next_u64(&seed) % 5000);
        int64_t w = 1000000 + (int64_t)(next_u64(&seed) % 100000000);
        zf_hist_record(&a, v);
        zf_hist_record(&b, w);
        zf_hist_record(&all, v);
        zf_hist_record(&all, w);
    }
    zf_hist_merge(&a, &empty); /* merging nothing changes nothing */
    zf_hist_merge(&empty, &b); /* merging into an empty one copies */
    zf_hist_merge(&empty, &a);
    expect_same_hist(&empty, &all);
    zf_hist_merge(&a, &b);
    expect_same_hist(&a, &all);
    zf_hist_free(&a);
    zf_hist_free(&b);
    zf_hist_free(&all);
    zf_hist_free(&empty);
}

Test(hist, reset_clears_everything_then_records_afresh)
{
    zf_hist_t h;
    cr_assert_eq(zf_hist_init(&h), 0);
    zf_hist_record(&h, 0);
    zf_hist_record(&h, 5000);
    zf_hist_record(&h, INT64_MAX);
    zf_hist_reset(&h);
    cr_assert_eq(h.total, 0);
    for (uint32_t i = 0; i < ZF_HIST_BUCKETS; i++)
        cr_assert_eq(h.counts[i], 0, "bucket %u survived the reset", i);
    cr_assert_eq(zf_hist_quantile(&h, 0.5), 0);
    cr_assert_eq(zf_hist_mean(&h), 0.0);
    zf_hist_reset(&h); /* resetting an empty histogram is harmless */
    zf_hist_record(&h, 777);
    cr_assert_eq(h.total, 1);
    cr_assert_eq(h.min, 777);
    cr_assert_eq(h.max, 777);
    cr_assert_eq(zf_hist_quantile(&h, 0.0), 777);
    cr_assert_eq(zf_hist_quantile(&h, 0.5), 777); /* midpoint clamped to [min, max] */
    cr_assert_eq(zf_hist_quantile(&h, 1.0), 777);
    cr_assert_eq(zf_hist_mean(&h), 777.0);
    zf_hist_free(&h);
}

Test(hist, min_max_and_mean_are_exact)
{
    zf_hist_t h;
    cr_assert_eq(zf_hist_init(&h), 0);
    zf_hist_record(&h, 1000003);
    zf_hist_record(&h, 17);
    zf_hist_record(&h, 123456789);
    zf_hist_record_n(&h, 3, 2);
    zf_hist_record_n(&h, 999, 0); /* n == 0 records nothing */
    cr_assert_eq(h.total, 5);
    cr_assert_eq(h.min, 3);
    cr_assert_eq(h.max, 123456789);
    cr_assert_eq(zf_hist_quantile(&h, 0.0), 3);
    cr_assert_eq(zf_hist_quantile(&h, 1.0), 123456789);
    cr_assert_eq(zf_hist_mean(&h), (1000003.0 + 17 + 123456789 + 3 + 3) / 5);
    zf_hist_record(&h, -50); /* negatives count as 0 */
    cr_assert_eq(h.min, 0);
    cr_assert_eq(zf_hist_quantile(&h, 0.0), 0);
    cr_assert_eq(zf_hist_mean(&h), (1000003.0 + 17 + 123456789 + 3 + 3) / 6);
    zf_hist_free(&h);
}

Test(hist, record_n_equals_n_records)
{
    zf_hist_t a, b;
    cr_assert_eq(zf_hist_init(&a), 0);
    cr_assert_eq(zf_hist_init(&b), 0);
    for (int64_t v = 1; v < 100000000; v = v * 3 + 1) {
        zf_hist_record_n(&a, v, 4);
        for (int k = 0; k < 4; k++)
            zf_hist_record(&b, v);
    }
    expect_same_hist(&a, &b);
    zf_hist_free(&a);
    zf_hist_free(&b);
}

Test(hist, int64_max_is_recorded_without_overflow)
{
    zf_hist_t h;
    cr_assert_eq(zf_hist_init(&h), 0);
    zf_hist_record_n(&h, INT64_MAX, 3);
    cr_assert_eq(h.counts[ZF_HIST_BUCKETS - 1], 3);
    cr_assert_eq(h.max, INT64_MAX);
    cr_assert_eq(zf_hist_quantile(&h, 0.5), INT64_MAX);
    cr_assert_eq(zf_hist_quantile(&h, 1.0), INT64_MAX);
    cr_assert_eq(zf_hist_mean(&h), (double)INT64_MAX);
    zf_hist_record(&h, INT64_MAX - 1000);
    int64_t p10 = zf_hist_quantile(&h, 0.1);
    cr_assert_eq(p10, INT64_MAX - 1000); /* clamped to min, not a wrapped midpoint */
    zf_hist_free(&h);
}

Test(hist, empty_histogram_reports_zero)
{
    zf_hist_t h;
    cr_assert_eq(zf_hist_init(&h), 0);
    cr_assert_eq(h.total, 0);
    for (int p = 0; p <= 10; p++)
        cr_assert_eq(zf_hist_quantile(&h, p / 10.0), 0);
    cr_assert_eq(zf_hist_mean(&h), 0.0);
    zf_hist_free(&h);
    cr_assert_null(h.counts);
}
