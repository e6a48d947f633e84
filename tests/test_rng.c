/* Tests of sim/engine/rng: seed derivation pinned to values computed by an independent
 * Python implementation of FNV-1a/SplitMix64/taus2, stream independence and
 * reproducibility, unbiased integers, and the distribution of the exponential ziggurat. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <gsl/gsl_cdf.h>

#include "engine/rng.h"

#define Z999 3.2905 /* two-sided 99.9% normal quantile */

/* Pearson chi-squared p-value of counts against equal expected frequencies. */
static double chisq_uniform_q(const unsigned long *counts, unsigned k, unsigned long n)
{
    double expect = (double)n / k, x2 = 0;
    for (unsigned i = 0; i < k; i++)
        x2 += ((double)counts[i] - expect) * ((double)counts[i] - expect) / expect;
    return gsl_cdf_chisq_Q(x2, k - 1);
}

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

Test(rng, derived_seeds_are_pinned)
{
    /* reference values: FNV-1a 64 of the name, s = splitmix64(splitmix64(master) ^ fnv) */
    cr_assert_eq(zf_rng_derive_seed(0, ""), 0x5b21f68ffa77f14cULL);
    cr_assert_eq(zf_rng_derive_seed(42, "source/arrivals"), 0x84fd639d01715decULL);
    cr_assert_eq(zf_rng_derive_seed(42, "station/db"), 0xaed89cf8aecdf71eULL);
    cr_assert_eq(zf_rng_derive_seed(1, "fault/az-a"), 0x3d5e3a45b1c64a0dULL);
    cr_assert_eq(zf_rng_derive_seed(UINT64_MAX, "x"), 0xab7a82a3a46f3752ULL);
}

Test(rng, streams_start_with_pinned_taus2_words)
{
    /* the GSL seed is the derived seed folded to 32 bits (hi ^ lo) */
    static const struct {
        uint64_t master;
        const char *purpose;
        unsigned long words[3];
    } cases[] = {
        {42, "source/arrivals", {3109000539UL, 254887469UL, 713678972UL}},
        {42, "station/db", {299491925UL, 2716137470UL, 2550240515UL}},
        {1, "fault/az-a", {1264324099UL, 4007444784UL, 608813830UL}},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        zf_rng_t r;
        cr_assert_eq(zf_rng_init(&r, cases[c].master, cases[c].purpose), 0);
        for (int i = 0; i < 3; i++)
            cr_assert_eq(gsl_rng_get(r.g), cases[c].words[i], "%s word %d",
                         cases[c].purpose, i);
        zf_rng_free(&r);
    }
}

Test(rng, seeds_differ_across_purposes_and_masters)
{
    enum { N = 2000 };
    uint64_t *s = malloc(2 * N * sizeof *s);
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "station/s%d", i);
        s[i] = zf_rng_derive_seed(7, name);
        s[N + i] = zf_rng_derive_seed((uint64_t)i, "source/arrivals");
    }
    for (int i = 0; i < 2 * N; i++)
        for (int j = i + 1; j < 2 * N; j++)
            cr_assert_neq(s[i], s[j], "collision between %d and %d", i, j);
    free(s);
}

Test(rng, same_purpose_and_seed_reproduce_the_exact_sequence)
{
    zf_rng_t a, b;
    cr_assert_eq(zf_rng_init(&a, 12345, "station/db"), 0);
    cr_assert_eq(zf_rng_init(&b, 12345, "station/db"), 0);
    for (int i = 0; i < 10000; i++) {
        cr_assert_eq(zf_rng_exp(&a, 3.0), zf_rng_exp(&b, 3.0));
        cr_assert_eq(zf_rng_uniform(&a), zf_rng_uniform(&b));
        cr_assert_eq(zf_rng_gauss(&a), zf_rng_gauss(&b));
        cr_assert_eq(zf_rng_below(&a, 1000000000000ULL), zf_rng_below(&b, 1000000000000ULL));
    }
    zf_rng_free(&a);
    zf_rng_free(&b);
}

Test(rng, streams_with_different_purposes_differ)
{
    zf_rng_t a, b, c;
    cr_assert_eq(zf_rng_init(&a, 12345, "station/db"), 0);
    cr_assert_eq(zf_rng_init(&b, 12345, "station/web"), 0);
    cr_assert_eq(zf_rng_init(&c, 12346, "station/db"), 0);
    int same_ab = 0, same_ac = 0;
    for (int i = 0; i < 10000; i++) {
        unsigned long wa = gsl_rng_get(a.g);
        same_ab += wa == gsl_rng_get(b.g);
        same_ac += wa == gsl_rng_get(c.g);
    }
    /* independent 32-bit words coincide with probability 2^-32 */
    cr_assert_leq(same_ab, 1);
    cr_assert_leq(same_ac, 1);
    zf_rng_free(&a);
    zf_rng_free(&b);
    zf_rng_free(&c);
}

Test(rng, free_is_idempotent)
{
    zf_rng_t r;
    cr_assert_eq(zf_rng_init(&r, 1, "x"), 0);
    zf_rng_free(&r);
    cr_assert_null(r.g);
    zf_rng_free(&r);
}

Test(rng, uniform_stays_in_the_open_unit_interval_with_mean_one_half)
{
    zf_rng_t r;
    zf_rng_init(&r, 3, "uniform");
    enum { N = 1000000 };
    double sum = 0;
    for (int i = 0; i < N; i++) {
        double u = zf_rng_uniform(&r);
        cr_assert(u > 0 && u < 1, "u = %.17g", u);
        sum += u;
    }
    cr_assert_lt(fabs(sum / N - 0.5), Z999 * sqrt(1.0 / 12 / N));
    zf_rng_free(&r);
}

Test(rng, bernoulli_is_true_with_probability_p)
{
    zf_rng_t r;
    zf_rng_init(&r, 3, "bernoulli");
    enum { N = 200000 };
    int hits = 0;
    for (int i = 0; i < N; i++)
        hits += zf_rng_bernoulli(&r, 0.3);
    cr_assert_lt(fabs((double)hits / N - 0.3), Z999 * sqrt(0.3 * 0.7 / N));
    zf_rng_free(&r);
}

/* Draws n values below `bound`, checks the range and returns the chi-squared p-value of
 * the counts over k equal-width bins (bound must be a multiple of k). */
static double below_bins_q(uint64_t bound, unsigned k, unsigned long n, const char *purpose)
{
    zf_rng_t r;
    cr_assert_eq(zf_rng_init(&r, 99, purpose), 0);
    unsigned long counts[256] = {0};
    uint64_t width = bound / k;
    cr_assert_eq(width * k, bound);
    for (unsigned long i = 0; i < n; i++) {
        uint64_t v = zf_rng_below(&r, bound);
        cr_assert_lt(v, bound);
        counts[v / width]++;
    }
    zf_rng_free(&r);
    return chisq_uniform_q(counts, k, n);
}

Test(rng, below_ten_is_in_range_and_uniform)
{
    cr_assert_gt(below_bins_q(10, 10, 200000, "below/10"), 0.001);
}

Test(rng, below_three_billion_is_in_range_and_uniform)
{
    cr_assert_gt(below_bins_q(3000000000ULL, 100, 400000, "below/3e9"), 0.001);
}

Test(rng, below_beyond_32_bits_is_in_range_and_uniform)
{
    cr_assert_gt(below_bins_q(3000000000000ULL, 100, 400000, "below/3e12"), 0.001);
}

Test(rng, below_beyond_32_bits_has_uniform_low_digits)
{
    /* a draw built from one 32-bit word and scaled up would fail this */
    zf_rng_t r;
    zf_rng_init(&r, 5, "below/low");
    unsigned long counts[10] = {0};
    for (int i = 0; i < 200000; i++)
        counts[zf_rng_below(&r, 3000000000000ULL) % 10]++;
    cr_assert_gt(chisq_uniform_q(counts, 10, 200000), 0.001);
    zf_rng_free(&r);
}

Test(rng, below_has_no_modulo_bias_for_three_times_two_to_the_62)
{
    /* n = 3 * 2^62: 2^64 mod n = n/3, so a plain 64-bit modulo would return the lowest
     * third of [0, n) half of the time instead of a third */
    uint64_t n = 3ULL << 62;
    zf_rng_t r;
    zf_rng_init(&r, 5, "below/3*2^62");
    enum { N = 100000 };
    int low = 0;
    for (int i = 0; i < N; i++) {
        uint64_t v = zf_rng_below(&r, n);
        cr_assert_lt(v, n);
        low += v < n / 3;
    }
    cr_assert_lt(fabs((double)low / N - 1.0 / 3), Z999 * sqrt(2.0 / 9 / N), "low %d", low);
    zf_rng_free(&r);
}

Test(rng, below_one_and_below_max_stay_in_range)
{
    zf_rng_t r;
    zf_rng_init(&r, 5, "below/edges");
    for (int i = 0; i < 1000; i++) {
        cr_assert_eq(zf_rng_below(&r, 1), 0);
        cr_assert_lt(zf_rng_below(&r, 0xffffffffULL), 0xffffffffULL);
        cr_assert_lt(zf_rng_below(&r, 0x100000000ULL), 0x100000000ULL);
    }
    zf_rng_free(&r);
}

/* Kolmogorov-Smirnov D of sorted xs against F(x) = 1 - exp(-x). */
static double ks_exp(double *xs, size_t n)
{
    qsort(xs, n, sizeof *xs, cmp_double);
    double d = 0;
    for (size_t i = 0; i < n; i++) {
        double f = -expm1(-xs[i]);
        d = fmax(d, fmax(f - (double)i / n, (double)(i + 1) / n - f));
    }
    return d;
}

Test(rng, exp_passes_kolmogorov_smirnov)
{
    enum { N = 100000 };
    double *xs = malloc(N * sizeof *xs);
    zf_rng_t r;
    zf_rng_init(&r, 2024, "exp/ks");
    for (int i = 0; i < N; i++)
        xs[i] = zf_rng_exp(&r, 250.0) / 250.0; /* scaled by the mean */
    double d = ks_exp(xs, N);
    cr_assert_lt(d, 1.628 / sqrt(N), "D = %g", d);
    zf_rng_free(&r);
    free(xs);
}

Test(rng, exp_has_the_requested_mean_over_a_million_draws)
{
    enum { N = 1000000 };
    zf_rng_t r;
    zf_rng_init(&r, 2024, "exp/mean");
    double sum = 0, sum2 = 0;
    for (int i = 0; i < N; i++) {
        double x = zf_rng_exp(&r, 4.0);
        cr_assert_geq(x, 0);
        sum += x;
        sum2 += x * x;
    }
    double mean = sum / N, var = sum2 / N - mean * mean;
    cr_assert_lt(fabs(mean - 4.0), Z999 * 4.0 / sqrt(N), "mean %g", mean);
    /* sample variance: asymptotic variance (mu4 - sigma^4)/n = (9 - 1) mean^4 / n */
    cr_assert_lt(fabs(var - 16.0), Z999 * sqrt(8.0 * 256 / N), "var %g", var);
    zf_rng_free(&r);
}

Test(rng, exp_fills_256_equal_probability_bins_evenly)
{
    /* finer than KS: a wrong layer edge or wedge test shows up in a few bins */
    enum { N = 1000000, K = 256 };
    unsigned long counts[K] = {0};
    zf_rng_t r;
    zf_rng_init(&r, 77, "exp/bins");
    for (int i = 0; i < N; i++) {
        unsigned b = (unsigned)(-expm1(-zf_rng_exp(&r, 1.0)) * K);
        counts[b < K ? b : K - 1]++;
    }
    cr_assert_gt(chisq_uniform_q(counts, K, N), 0.001);
    zf_rng_free(&r);
}

Test(rng, exp_tail_beyond_the_base_layer_has_the_right_weight_and_shape)
{
    /* the ziggurat's tail path: P(X > r) = e^-r with r = 7.69711747013104972, and the
     * excess X - r given X > r is again Exp(1) (memorylessness) */
    const double zr = 7.69711747013104972;
    enum { N = 10000000, MAXTAIL = 8000 };
    double *excess = malloc(MAXTAIL * sizeof *excess);
    zf_rng_t r;
    zf_rng_init(&r, 78, "exp/tail");
    size_t tail = 0;
    for (int i = 0; i < N; i++) {
        double x = zf_rng_exp(&r, 1.0);
        if (x > zr) {
            cr_assert_lt(tail, MAXTAIL);
            excess[tail++] = x - zr;
        }
    }
    double p = exp(-zr);
    cr_assert_lt(fabs((double)tail - N * p), Z999 * sqrt(N * p), "tail %zu", tail);
    double d = ks_exp(excess, tail);
    cr_assert_lt(d, 1.628 / sqrt((double)tail), "D = %g", d);
    zf_rng_free(&r);
    free(excess);
}

Test(rng, gauss_passes_kolmogorov_smirnov)
{
    enum { N = 50000 };
    double *xs = malloc(N * sizeof *xs);
    zf_rng_t r;
    zf_rng_init(&r, 2024, "gauss/ks");
    for (int i = 0; i < N; i++)
        xs[i] = zf_rng_gauss(&r);
    qsort(xs, N, sizeof *xs, cmp_double);
    double d = 0;
    for (size_t i = 0; i < N; i++) {
        double f = gsl_cdf_ugaussian_P(xs[i]);
        d = fmax(d, fmax(f - (double)i / N, (double)(i + 1) / N - f));
    }
    cr_assert_lt(d, 1.628 / sqrt(N), "D = %g", d);
    zf_rng_free(&r);
    free(xs);
}
