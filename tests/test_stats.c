/* Tests of sim/engine/stats: tallies against two-pass sums, exact merges, hand-computed
 * time averages with warm-up deletion, Student-t intervals against published critical
 * values and a coverage experiment. Random values come from a local xorshift + Box-Muller
 * generator (deterministic, and independent of the rng module under development). */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>

#include "engine/err.h"
#include "engine/stats.h"

/* xorshift64* (Vigna 2016): enough for test data. */
static uint64_t next_u64(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * UINT64_C(2685821657736338717);
}

static double next_unit(uint64_t *s)
{
    return ((double)(next_u64(s) >> 11) + 0.5) / 9007199254740992.0;
}

static double next_normal(uint64_t *s)
{
    double u1 = next_unit(s), u2 = next_unit(s);
    return sqrt(-2.0 * log(u1)) * cos(2.0 * M_PI * u2);
}

static void expect_rel(double got, double want, double rel, const char *what)
{
    cr_assert_leq(fabs(got - want), rel * fabs(want), "%s: got %.17g, want %.17g", what, got,
                  want);
}

/* Large offset, small spread: the naive sum-of-squares formula would lose every digit. */
#define N_OBS 100000
static double *sample(uint64_t seed)
{
    double *x = malloc(N_OBS * sizeof *x);
    cr_assert_not_null(x);
    for (size_t i = 0; i < N_OBS; i++)
        x[i] = 1e6 + 3.0 * next_normal(&seed);
    return x;
}

static void two_pass(const double *x, size_t n, double *mean, double *var)
{
    double s = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        s += x[i];
    *mean = s / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *var = ss / (double)(n - 1);
}

Test(stats, tally_mean_and_variance_match_a_two_pass_computation)
{
    double *x = sample(2024);
    zf_tally_t t = {0};
    double lo = INFINITY, hi = -INFINITY;
    for (size_t i = 0; i < N_OBS; i++) {
        zf_tally_add(&t, x[i]);
        lo = fmin(lo, x[i]);
        hi = fmax(hi, x[i]);
    }
    double mean, var;
    two_pass(x, N_OBS, &mean, &var);
    cr_assert_eq(t.n, N_OBS);
    expect_rel(t.mean, mean, 1e-12, "mean");
    expect_rel(zf_tally_variance(&t), var, 1e-7, "variance");
    expect_rel(zf_tally_variance(&t), 9.0, 0.02, "variance vs sigma^2");
    cr_assert_eq(t.min, lo);
    cr_assert_eq(t.max, hi);
    free(x);
}

Test(stats, tally_handles_tiny_samples_and_reset)
{
    zf_tally_t t = {0};
    cr_assert_eq(zf_tally_variance(&t), 0.0);
    zf_tally_add(&t, -4.0);
    cr_assert_eq(t.mean, -4.0);
    cr_assert_eq(t.min, -4.0); /* not the zero of the initialiser */
    cr_assert_eq(t.max, -4.0);
    cr_assert_eq(zf_tally_variance(&t), 0.0);
    zf_tally_add(&t, 2.0);
    cr_assert_eq(t.mean, -1.0);
    cr_assert_eq(zf_tally_variance(&t), 18.0); /* (9 + 9) / 1 */
    zf_tally_reset(&t);
    cr_assert_eq(t.n, 0);
    zf_tally_add(&t, 5.0);
    cr_assert_eq(t.mean, 5.0);
    cr_assert_eq(t.min, 5.0);
}

static void expect_same_tally(const zf_tally_t *a, const zf_tally_t *b)
{
    cr_assert_eq(a->n, b->n);
    expect_rel(a->mean, b->mean, 1e-12, "merged mean");
    expect_rel(zf_tally_variance(a), zf_tally_variance(b), 1e-8, "merged variance");
    cr_assert_eq(a->min, b->min);
    cr_assert_eq(a->max, b->max);
}

Test(stats, merge_equals_one_tally_over_the_union)
{
    double *x = sample(99);
    zf_tally_t all = {0};
    for (size_t i = 0; i < N_OBS; i++)
        zf_tally_add(&all, 0.5 * x[i] + (i < 1000 ? 50.0 : 0.0));
    const size_t splits[] = {0, 1, 999, 1000, 50000, N_OBS - 1, N_OBS};
    for (size_t k = 0; k < sizeof splits / sizeof splits[0]; k++) {
        zf_tally_t a = {0}, b = {0};
        for (size_t i = 0; i < N_OBS; i++)
            zf_tally_add(i < splits[k] ? &a : &b, 0.5 * x[i] + (i < 1000 ? 50.0 : 0.0));
        zf_tally_merge(&a, &b);
        expect_same_tally(&a, &all);
    }
    free(x);
}

Test(stats, merge_of_two_small_tallies_is_exact_by_hand)
{
    zf_tally_t a = {0}, b = {0};
    zf_tally_add(&a, 1.0);
    zf_tally_add(&a, 3.0);
    zf_tally_add(&b, 10.0);
    zf_tally_merge(&a, &b);
    /* {1, 3, 10}: mean 14/3, squared deviations sum 134/3, sample variance 67/3 */
    cr_assert_eq(a.n, 3);
    expect_rel(a.mean, 14.0 / 3, 1e-15, "mean");
    expect_rel(zf_tally_variance(&a), 67.0 / 3, 1e-14, "variance");
    cr_assert_eq(a.min, 1.0);
    cr_assert_eq(a.max, 10.0);
}

Test(stats, timeavg_weights_each_level_by_its_duration)
{
    zf_timeavg_t a;
    zf_time_t t0 = 10 * ZF_S; /* a start other than 0 */
    zf_timeavg_init(&a, t0, 2.0);
    cr_assert_eq(zf_timeavg_mean(&a, t0), 2.0); /* no time yet: the current level */
    zf_timeavg_set(&a, t0 + 3 * ZF_S, 5.0);
    cr_assert_float_eq(zf_timeavg_mean(&a, t0 + 3 * ZF_S), 2.0, 1e-12);
    cr_assert_float_eq(zf_timeavg_mean(&a, t0 + 4 * ZF_S), 2.75, 1e-12);
    cr_assert_eq(a.max, 5.0);
    /* queue length via add: 5 -> 4 -> 6 at 1 s intervals */
    zf_timeavg_add(&a, t0 + 4 * ZF_S, -1.0);
    zf_timeavg_add(&a, t0 + 5 * ZF_S, 2.0);
    cr_assert_eq(a.value, 6.0);
    /* area 6 + 5 + 4 + 6 * 1 = 21 over 6 s */
    cr_assert_float_eq(zf_timeavg_mean(&a, t0 + 6 * ZF_S), 3.5, 1e-12);
    cr_assert_eq(a.max, 6.0);
}

Test(stats, timeavg_reset_deletes_the_warm_up_and_keeps_the_level)
{
    zf_timeavg_t a;
    zf_timeavg_init(&a, 0, 100.0); /* a warm-up transient that must not count */
    zf_timeavg_set(&a, 50 * ZF_S, 4.0);
    zf_timeavg_reset(&a, 100 * ZF_S);
    cr_assert_eq(a.value, 4.0);
    cr_assert_eq(a.max, 4.0);
    cr_assert_eq(zf_timeavg_mean(&a, 100 * ZF_S), 4.0);
    cr_assert_float_eq(zf_timeavg_mean(&a, 150 * ZF_S), 4.0, 1e-12);
    zf_timeavg_set(&a, 150 * ZF_S, 6.0);
    cr_assert_float_eq(zf_timeavg_mean(&a, 200 * ZF_S), 5.0, 1e-12);
}

Test(stats, t_quantiles_match_published_critical_values)
{
    cr_assert_float_eq(zf_ci_t_quantile(0.95, 9), 2.262157, 1e-5);
    cr_assert_float_eq(zf_ci_t_quantile(0.99, 29), 2.756386, 1e-5);
    cr_assert_float_eq(zf_ci_t_quantile(0.95, 1), 12.706205, 1e-5);
    cr_assert_float_eq(zf_ci_t_quantile(0.90, 4), 2.131847, 1e-5);
    cr_assert(isnan(zf_ci_t_quantile(0.95, 0)));
    cr_assert(isnan(zf_ci_t_quantile(1.0, 5)));
}

Test(stats, ci_matches_a_hand_computed_interval)
{
    const double x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    zf_ci_t ci;
    cr_assert_eq(zf_ci_compute(x, 10, 0.95, &ci), 0);
    /* mean 5.5, s = sqrt(82.5 / 9) = 3.02765035, hw = 2.262157 * s / sqrt(10) */
    cr_assert_eq(ci.n, 10);
    cr_assert_eq(ci.level, 0.95);
    cr_assert_float_eq(ci.mean, 5.5, 1e-12);
    cr_assert_float_eq(ci.stddev, 3.0276503540974917, 1e-12);
    cr_assert_float_eq(ci.half_width, 2.16585043, 1e-5);
    cr_assert_float_eq(ci.lo, 3.33414957, 1e-5);
    cr_assert_float_eq(ci.hi, 7.66585043, 1e-5);
}

Test(stats, ci_of_one_replication_has_zero_width)
{
    const double x[] = {42.5};
    zf_ci_t ci;
    cr_assert_eq(zf_ci_compute(x, 1, 0.95, &ci), 0);
    cr_assert_eq(ci.n, 1);
    cr_assert_eq(ci.mean, 42.5);
    cr_assert_eq(ci.stddev, 0.0);
    cr_assert_eq(ci.half_width, 0.0);
    cr_assert_eq(ci.lo, 42.5);
    cr_assert_eq(ci.hi, 42.5);
}

Test(stats, ci_rejects_no_data_and_bad_levels)
{
    const double x[] = {1.0, 2.0, 3.0};
    zf_ci_t ci;
    cr_assert_eq(zf_ci_compute(x, 0, 0.95, &ci), ZF_EINVAL);
    cr_assert_eq(zf_ci_compute(NULL, 3, 0.95, &ci), ZF_EINVAL);
    const double bad[] = {0.0, 1.0, -0.5, 1.5, NAN, INFINITY};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(zf_ci_compute(x, 3, bad[i], &ci), ZF_EINVAL, "level %g", bad[i]);
}

Test(stats, ci_of_non_finite_data_is_nan)
{
    const double x[] = {1.0, INFINITY, 3.0};
    const double y[] = {NAN};
    zf_ci_t ci;
    cr_assert_eq(zf_ci_compute(x, 3, 0.95, &ci), 0);
    cr_assert(isnan(ci.half_width) && isnan(ci.lo) && isnan(ci.hi));
    cr_assert_eq(zf_ci_compute(y, 1, 0.95, &ci), 0);
    cr_assert(isnan(ci.half_width) && isnan(ci.lo) && isnan(ci.hi));
}

Test(stats, ci_95_covers_the_true_mean_about_95_percent_of_the_time)
{
    enum { REPS = 2000, N = 30 };
    const double mu = 10.0, sigma = 3.0;
    uint64_t seed = 0xC0FFEE;
    double x[N];
    int covered = 0;
    for (int r = 0; r < REPS; r++) {
        for (int i = 0; i < N; i++)
            x[i] = mu + sigma * next_normal(&seed);
        zf_ci_t ci;
        cr_assert_eq(zf_ci_compute(x, N, 0.95, &ci), 0);
        covered += ci.lo <= mu && mu <= ci.hi;
    }
    double rate = (double)covered / REPS;
    /* binomial standard error 0.49%: the band is about +-3 standard errors */
    cr_assert(rate >= 0.935 && rate <= 0.965, "coverage %.4f", rate);
}
