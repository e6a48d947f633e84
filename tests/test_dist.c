/* Tests of sim/engine/dist: every kind's draws against its own analytic CDF (KS, or
 * chi-squared for the discrete table) and moments, closed-form values pinned by hand,
 * parameter validation messages, table semantics, copy/free and names. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>

#include "engine/dist.h"

#define Z999 3.2905  /* two-sided 99.9% normal quantile */
#define KS01 1.628   /* KS 1% critical value times sqrt(n) (asymptotic) */
#define NDRAWS 50000

static int cmp_double(const void *pa, const void *pb)
{
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

/* NDRAWS draws from d, sorted; caller frees. */
static double *draw_sorted(const zf_dist_t *d, const char *purpose)
{
    zf_rng_t r;
    cr_assert_eq(zf_rng_init(&r, 20240601, purpose), 0);
    double *xs = malloc(NDRAWS * sizeof *xs);
    for (int i = 0; i < NDRAWS; i++)
        xs[i] = zf_dist_sample(d, &r);
    zf_rng_free(&r);
    qsort(xs, NDRAWS, sizeof *xs, cmp_double);
    return xs;
}

/* KS distance of sorted xs to d's CDF; ties (atoms) are compared on both sides of the
 * jump, F(v-) taken as F just below v. */
static double ks_distance(const zf_dist_t *d, const double *xs, size_t n)
{
    double dmax = 0;
    for (size_t i = 0; i < n;) {
        size_t j = i;
        while (j < n && xs[j] == xs[i])
            j++;
        double below = zf_dist_cdf(d, nextafter(xs[i], -INFINITY));
        double at = zf_dist_cdf(d, xs[i]);
        dmax = fmax(dmax, fmax(fabs((double)i / n - below), fabs((double)j / n - at)));
        i = j;
    }
    return dmax;
}

/* Sample mean within the 99.9% interval of zf_dist_mean, and sample variance within the
 * 99.9% interval of zf_dist_variance, its standard error from the sample's 4th central
 * moment ((m4 - s^4)/n, the large-sample variance of the sample variance). */
static void check_moments(const zf_dist_t *d, const double *xs, size_t n)
{
    double m = 0, v = 0, m4 = 0;
    for (size_t i = 0; i < n; i++)
        m += xs[i];
    m /= (double)n;
    for (size_t i = 0; i < n; i++) {
        double e = (xs[i] - m) * (xs[i] - m);
        v += e;
        m4 += e * e;
    }
    v /= (double)(n - 1);
    m4 /= (double)n;
    double mu = zf_dist_mean(d), var = zf_dist_variance(d);
    cr_assert_lt(fabs(m - mu), Z999 * sqrt(var / (double)n) + 1e-12 * fabs(mu),
                 "%s: sample mean %g, expected %g", zf_dist_name(d->kind), m, mu);
    cr_assert_lt(fabs(v - var), Z999 * sqrt((m4 - v * v) / (double)n) + 1e-12 * (var + mu * mu),
                 "%s: sample variance %g, expected %g", zf_dist_name(d->kind), v, var);
}

/* KS and moment checks on NDRAWS draws. */
static void check_draws(const zf_dist_t *d, const char *purpose)
{
    double *xs = draw_sorted(d, purpose);
    double dks = ks_distance(d, xs, NDRAWS);
    cr_assert_lt(dks, KS01 / sqrt(NDRAWS), "%s: KS D = %g", purpose, dks);
    check_moments(d, xs, NDRAWS);
    free(xs);
}

/* ---- every kind against its CDF and moments ------------------------------------------ */

Test(dist, deterministic_always_returns_its_value)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_deterministic(&d, 42.5, NULL), 0);
    check_draws(&d, "det");
    cr_assert_eq(zf_dist_mean(&d), 42.5);
    cr_assert_eq(zf_dist_variance(&d), 0);
    cr_assert_eq(zf_dist_cdf(&d, 42.4), 0);
    cr_assert_eq(zf_dist_cdf(&d, 42.5), 1);
}

Test(dist, exponential_matches_its_cdf_and_moments)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_exponential(&d, 2.5, NULL), 0);
    check_draws(&d, "exp");
    cr_assert_float_eq(zf_dist_cdf(&d, 2.5), 1 - exp(-1), 1e-15);
    cr_assert_eq(zf_dist_variance(&d), 6.25);
}

Test(dist, uniform_matches_its_cdf_and_moments)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_uniform(&d, 3, 7, NULL), 0);
    check_draws(&d, "uniform");
    cr_assert_eq(zf_dist_mean(&d), 5);
    cr_assert_float_eq(zf_dist_variance(&d), 16.0 / 12, 1e-15);
    cr_assert_eq(zf_dist_cdf(&d, 4), 0.25);
}

Test(dist, uniform_with_equal_bounds_is_a_point)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_uniform(&d, 3, 3, NULL), 0);
    check_draws(&d, "uniform/point");
    cr_assert_eq(zf_dist_cdf(&d, 3), 1);
}

Test(dist, normal_far_from_zero_matches_its_cdf_and_moments)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_normal(&d, 10, 2, NULL), 0);
    check_draws(&d, "normal");
    cr_assert_float_eq(zf_dist_mean(&d), 10, 1e-5); /* truncation at -5 sd: negligible */
    cr_assert_float_eq(zf_dist_cdf(&d, 10), 0.5, 1e-6);
}

Test(dist, normal_is_truncated_at_zero_with_the_truncated_moments)
{
    /* N(1, 1) truncated to [0, inf): lambda = phi(1)/Phi(1) = 0.28759997, mean 1 + lambda,
     * variance 1 - lambda - lambda^2 (evaluated independently with Python math.erf) */
    zf_dist_t d;
    cr_assert_eq(zf_dist_normal(&d, 1, 1, NULL), 0);
    check_draws(&d, "normal/truncated");
    cr_assert_float_eq(zf_dist_mean(&d), 1.2875999709, 1e-9);
    cr_assert_float_eq(zf_dist_variance(&d), 0.6296862858, 1e-9);
    cr_assert_eq(zf_dist_cdf(&d, -0.001), 0);
    cr_assert_eq(zf_dist_cdf(&d, 0), 0);
}

Test(dist, normal_never_returns_negative_values)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_normal(&d, 0.1, 5, NULL), 0);
    double *xs = draw_sorted(&d, "normal/wide");
    cr_assert_geq(xs[0], 0);
    free(xs);
}

Test(dist, normal_with_zero_stddev_returns_the_mean)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_normal(&d, 7, 0, NULL), 0);
    check_draws(&d, "normal/zero");
    cr_assert_eq(zf_dist_mean(&d), 7);
    cr_assert_eq(zf_dist_variance(&d), 0);
}

Test(dist, lognormal_has_the_requested_mean_and_stddev)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_lognormal(&d, 5, 3, NULL), 0);
    cr_assert_float_eq(zf_dist_mean(&d), 5, 1e-12);
    cr_assert_float_eq(zf_dist_variance(&d), 9, 1e-12);
    /* sigma^2 = ln(1 + 9/25), mu = ln 5 - sigma^2/2 */
    cr_assert_float_eq(d.b, sqrt(log(34.0 / 25)), 1e-15);
    cr_assert_float_eq(d.a, log(5.0) - log(34.0 / 25) / 2, 1e-15);
    check_draws(&d, "lognormal");
}

Test(dist, lognormal_with_large_spread_keeps_its_mean)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_lognormal(&d, 1, 1e200, NULL), 0);
    cr_assert(isfinite(d.a) && isfinite(d.b));
    cr_assert_float_eq(zf_dist_mean(&d), 1, 1e-9);
}

Test(dist, lognormal_with_zero_stddev_is_a_point)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_lognormal(&d, 5, 0, NULL), 0);
    check_draws(&d, "lognormal/zero");
    cr_assert_float_eq(zf_dist_mean(&d), 5, 1e-14);
    cr_assert_eq(zf_dist_variance(&d), 0);
}

Test(dist, gamma_matches_its_cdf_and_moments)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_gamma(&d, 2.5, 1.5, NULL), 0);
    check_draws(&d, "gamma");
    cr_assert_float_eq(zf_dist_mean(&d), 3.75, 1e-15);
    cr_assert_float_eq(zf_dist_variance(&d), 5.625, 1e-15);
}

Test(dist, gamma_with_shape_below_one_matches_its_cdf_and_moments)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_gamma(&d, 0.4, 3, NULL), 0);
    check_draws(&d, "gamma/small");
    /* shape 1 is the exponential: pins the (shape, scale) order of the CDF */
    cr_assert_eq(zf_dist_gamma(&d, 1, 3, NULL), 0);
    cr_assert_float_eq(zf_dist_cdf(&d, 3), 1 - exp(-1), 1e-12);
}

Test(dist, weibull_matches_its_cdf_and_moments)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_weibull(&d, 1.5, 2, NULL), 0);
    check_draws(&d, "weibull");
    /* F(scale) = 1 - 1/e for any shape; F(2 scale) = 1 - exp(-2^shape) */
    cr_assert_float_eq(zf_dist_cdf(&d, 2), 1 - exp(-1), 1e-12);
    cr_assert_float_eq(zf_dist_cdf(&d, 4), 1 - exp(-pow(2, 1.5)), 1e-12);
    /* shape 2: mean = scale sqrt(pi)/2, variance = scale^2 (1 - pi/4) */
    cr_assert_eq(zf_dist_weibull(&d, 2, 3, NULL), 0);
    cr_assert_float_eq(zf_dist_mean(&d), 3 * sqrt(M_PI) / 2, 1e-12);
    cr_assert_float_eq(zf_dist_variance(&d), 9 * (1 - M_PI / 4), 1e-12);
}

Test(dist, pareto_matches_its_cdf_and_moments)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_pareto(&d, 9, 2, NULL), 0);
    check_draws(&d, "pareto");
    /* F(2 x_m) = 1 - 2^-alpha; mean alpha x_m/(alpha-1) */
    cr_assert_float_eq(zf_dist_cdf(&d, 4), 1 - pow(2, -9), 1e-12);
    cr_assert_eq(zf_dist_cdf(&d, 1.999), 0);
    cr_assert_float_eq(zf_dist_mean(&d), 2.25, 1e-12);
    cr_assert_float_eq(zf_dist_variance(&d), 4.0 * 9 / (64 * 7), 1e-12);
}

Test(dist, pareto_with_heavy_tail_matches_its_cdf_and_reports_infinite_moments)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_pareto(&d, 1.5, 1, NULL), 0);
    double *xs = draw_sorted(&d, "pareto/heavy");
    double dks = ks_distance(&d, xs, NDRAWS);
    cr_assert_lt(dks, KS01 / sqrt(NDRAWS), "KS D = %g", dks);
    free(xs);
    cr_assert_float_eq(zf_dist_mean(&d), 3, 1e-12);
    cr_assert(isinf(zf_dist_variance(&d)));
    cr_assert_eq(zf_dist_pareto(&d, 1, 1, NULL), 0);
    cr_assert(isinf(zf_dist_mean(&d)));
}

/* ---- empirical tables ---------------------------------------------------------------- */

Test(dist, empirical_discrete_matches_its_weights_by_chi_squared)
{
    /* unsorted input; the zero-weight value must never be drawn */
    const double v[] = {10, 1, 3, 7, 5};
    const double w[] = {4, 2, 3, 0, 1};
    const double p_sorted[] = {0.2, 0.3, 0.1, 0.0, 0.4}; /* for 1, 3, 5, 7, 10 */
    zf_dist_t d;
    cr_assert_eq(zf_dist_empirical(&d, v, w, 5, 0, NULL), 0);
    zf_rng_t r;
    zf_rng_init(&r, 11, "empirical/discrete");
    enum { N = 100000 };
    double counts[5] = {0};
    for (int i = 0; i < N; i++) {
        double x = zf_dist_sample(&d, &r);
        int k = -1;
        for (int j = 0; j < 5; j++)
            if (x == d.x[j])
                k = j;
        cr_assert_geq(k, 0, "drew %g, not a table value", x);
        counts[k]++;
    }
    cr_assert_eq(counts[3], 0, "drew the zero-weight value");
    double x2 = 0;
    for (int j = 0; j < 5; j++)
        if (p_sorted[j] > 0)
            x2 += (counts[j] - N * p_sorted[j]) * (counts[j] - N * p_sorted[j]) / (N * p_sorted[j]);
    cr_assert_gt(gsl_cdf_chisq_Q(x2, 3), 0.001, "chi2 = %g", x2);
    zf_rng_free(&r);
    zf_dist_free(&d);
}

Test(dist, empirical_discrete_has_the_weighted_moments_and_step_cdf)
{
    const double v[] = {10, 1, 3, 5};
    const double w[] = {4, 2, 3, 1};
    zf_dist_t d;
    cr_assert_eq(zf_dist_empirical(&d, v, w, 4, 0, NULL), 0);
    /* mean 0.2*1 + 0.3*3 + 0.1*5 + 0.4*10 = 5.6; E X^2 = 0.2 + 2.7 + 2.5 + 40 = 45.4 */
    cr_assert_float_eq(zf_dist_mean(&d), 5.6, 1e-12);
    cr_assert_float_eq(zf_dist_variance(&d), 45.4 - 5.6 * 5.6, 1e-12);
    cr_assert_eq(zf_dist_cdf(&d, 0.99), 0);
    cr_assert_float_eq(zf_dist_cdf(&d, 1), 0.2, 1e-15);
    cr_assert_float_eq(zf_dist_cdf(&d, 4.9), 0.5, 1e-15);
    cr_assert_eq(zf_dist_cdf(&d, 10), 1);
    check_draws(&d, "empirical/discrete/moments"); /* KS with ties, and moments */
    zf_dist_free(&d);
}

Test(dist, empirical_discrete_with_equal_weights_by_default)
{
    const double v[] = {4, 2, 8, 6};
    zf_dist_t d;
    cr_assert_eq(zf_dist_empirical(&d, v, NULL, 4, 0, NULL), 0);
    cr_assert_float_eq(zf_dist_mean(&d), 5, 1e-12);
    cr_assert_float_eq(zf_dist_cdf(&d, 4), 0.5, 1e-15);
    zf_dist_free(&d);
}

Test(dist, empirical_interpolated_is_linear_between_points)
{
    /* weight 0 on the smallest value: continuous CDF through (1,0) (2,.25) (4,.75) (8,1) */
    const double v[] = {8, 1, 4, 2};
    const double w[] = {1, 0, 2, 1};
    zf_dist_t d;
    cr_assert_eq(zf_dist_empirical(&d, v, w, 4, 1, NULL), 0);
    cr_assert_eq(zf_dist_cdf(&d, 1), 0);
    cr_assert_float_eq(zf_dist_cdf(&d, 1.5), 0.125, 1e-15);
    cr_assert_float_eq(zf_dist_cdf(&d, 3), 0.5, 1e-15);
    cr_assert_float_eq(zf_dist_cdf(&d, 6), 0.875, 1e-15);
    cr_assert_eq(zf_dist_cdf(&d, 8), 1);
    /* mean: .25*1.5 + .5*3 + .25*6 = 3.375 */
    cr_assert_float_eq(zf_dist_mean(&d), 3.375, 1e-12);
    check_draws(&d, "empirical/interpolated");
    zf_dist_free(&d);
}

Test(dist, empirical_interpolated_puts_the_first_weight_on_the_smallest_value)
{
    /* equal weights on 0, 10, 20, 30: atom 1/4 at 0, then 1/4 spread on each segment */
    const double v[] = {0, 10, 20, 30};
    zf_dist_t d;
    cr_assert_eq(zf_dist_empirical(&d, v, NULL, 4, 1, NULL), 0);
    cr_assert_eq(zf_dist_cdf(&d, -1e-9), 0);
    cr_assert_float_eq(zf_dist_cdf(&d, 0), 0.25, 1e-15);
    cr_assert_float_eq(zf_dist_cdf(&d, 5), 0.375, 1e-15);
    /* mean .25*0 + .25*(5 + 15 + 25) = 11.25 */
    cr_assert_float_eq(zf_dist_mean(&d), 11.25, 1e-12);
    double *xs = draw_sorted(&d, "empirical/atom");
    size_t zeros = 0;
    while (zeros < NDRAWS && xs[zeros] == 0)
        zeros++;
    cr_assert_lt(fabs((double)zeros / NDRAWS - 0.25), Z999 * sqrt(0.25 * 0.75 / NDRAWS));
    free(xs);
    check_draws(&d, "empirical/atom");
    zf_dist_free(&d);
}

Test(dist, empirical_interpolated_treats_repeated_values_as_atoms)
{
    const double v[] = {1, 3, 3, 5};
    const double w[] = {0, 1, 1, 2};
    zf_dist_t d;
    cr_assert_eq(zf_dist_empirical(&d, v, w, 4, 1, NULL), 0);
    /* uniform 1/4 on [1,3], atom 1/4 at 3, uniform 1/2 on [3,5] */
    cr_assert_float_eq(zf_dist_cdf(&d, 2), 0.125, 1e-15);
    cr_assert_float_eq(zf_dist_cdf(&d, 3), 0.5, 1e-15);
    cr_assert_float_eq(zf_dist_cdf(&d, 4), 0.75, 1e-15);
    check_draws(&d, "empirical/repeated");
    zf_dist_free(&d);
}

Test(dist, empirical_with_one_value_is_a_point)
{
    const double v[] = {3};
    zf_dist_t d;
    for (int interp = 0; interp < 2; interp++) {
        cr_assert_eq(zf_dist_empirical(&d, v, NULL, 1, interp, NULL), 0);
        check_draws(&d, "empirical/one");
        cr_assert_eq(zf_dist_variance(&d), 0);
        zf_dist_free(&d);
    }
}

Test(dist, empirical_copies_the_callers_arrays)
{
    double v[] = {2, 1};
    double w[] = {1, 3};
    zf_dist_t d;
    cr_assert_eq(zf_dist_empirical(&d, v, w, 2, 0, NULL), 0);
    v[0] = 100;
    w[0] = 100;
    cr_assert_float_eq(zf_dist_mean(&d), 1.25, 1e-15);
    zf_dist_free(&d);
}

/* ---- copy, free, time draws ------------------------------------------------------------ */

Test(dist, copy_is_deep_and_outlives_the_original)
{
    const double v[] = {1, 2, 3};
    zf_dist_t d, c;
    cr_assert_eq(zf_dist_empirical(&d, v, NULL, 3, 1, NULL), 0);
    cr_assert_eq(zf_dist_copy(&c, &d), 0);
    cr_assert_neq(c.x, d.x);
    cr_assert_neq(c.cum, d.cum);
    double mean = zf_dist_mean(&d);
    zf_dist_free(&d);
    cr_assert_eq(zf_dist_mean(&c), mean);
    cr_assert_eq(c.interpolate, 1);
    zf_dist_free(&c);

    zf_dist_t g, h;
    cr_assert_eq(zf_dist_gamma(&g, 2, 3, NULL), 0);
    cr_assert_eq(zf_dist_copy(&h, &g), 0);
    cr_assert_eq(memcmp(&g, &h, sizeof g), 0);
}

Test(dist, free_is_safe_on_zeroed_and_freed_dists)
{
    zf_dist_t d;
    memset(&d, 0, sizeof d);
    zf_dist_free(&d);
    const double v[] = {1, 2};
    cr_assert_eq(zf_dist_empirical(&d, v, NULL, 2, 0, NULL), 0);
    zf_dist_free(&d);
    cr_assert_null(d.x);
    zf_dist_free(&d);
}

Test(dist, time_draws_are_rounded_and_never_negative)
{
    zf_rng_t r;
    zf_rng_init(&r, 1, "ns");
    zf_dist_t d;
    cr_assert_eq(zf_dist_deterministic(&d, 1234.5, NULL), 0);
    cr_assert_eq(zf_dist_sample_ns(&d, &r), 1235);
    cr_assert_eq(zf_dist_uniform(&d, -10, -1, NULL), 0);
    cr_assert_eq(zf_dist_sample_ns(&d, &r), 0);
    zf_rng_free(&r);
}

/* ---- validation ---------------------------------------------------------------------- */

/* Asserts that a constructor call failed with ZF_EINVAL, message `want`, and left a
 * zeroed dist behind. */
#define CHECK_REJECTS(call, want)                                                            \
    do {                                                                                     \
        zf_dist_t d;                                                                         \
        zf_err_t err = {{0}};                                                                \
        memset(&d, 0x5a, sizeof d);                                                          \
        cr_assert_eq((call), ZF_EINVAL, "%s", #call);                                        \
        cr_assert_str_eq(err.msg, (want));                                                   \
        cr_assert_eq(d.kind, 0);                                                             \
        cr_assert_null(d.x);                                                                 \
        cr_assert_null(d.cum);                                                               \
        zf_dist_free(&d);                                                                    \
    } while (0)

Test(dist, rejects_bad_parameters_with_messages_naming_them)
{
    CHECK_REJECTS(zf_dist_deterministic(&d, NAN, &err), "value must be a finite number, got nan");
    CHECK_REJECTS(zf_dist_exponential(&d, -1, &err), "mean must be a finite number > 0, got -1");
    CHECK_REJECTS(zf_dist_exponential(&d, 0, &err), "mean must be a finite number > 0, got 0");
    CHECK_REJECTS(zf_dist_exponential(&d, INFINITY, &err),
                  "mean must be a finite number > 0, got inf");
    CHECK_REJECTS(zf_dist_uniform(&d, -INFINITY, 1, &err),
                  "min must be a finite number, got -inf");
    CHECK_REJECTS(zf_dist_uniform(&d, 0, NAN, &err), "max must be a finite number, got nan");
    CHECK_REJECTS(zf_dist_uniform(&d, 5, 2, &err), "min must be <= max, got min 5 > max 2");
    CHECK_REJECTS(zf_dist_normal(&d, 0, 1, &err), "mean must be a finite number > 0, got 0");
    CHECK_REJECTS(zf_dist_normal(&d, 1, -0.5, &err),
                  "stddev must be a finite number >= 0, got -0.5");
    CHECK_REJECTS(zf_dist_lognormal(&d, -2, 1, &err),
                  "mean must be a finite number > 0, got -2");
    CHECK_REJECTS(zf_dist_lognormal(&d, 2, NAN, &err),
                  "stddev must be a finite number >= 0, got nan");
    CHECK_REJECTS(zf_dist_gamma(&d, 0, 1, &err), "shape must be a finite number > 0, got 0");
    CHECK_REJECTS(zf_dist_gamma(&d, 1, -3, &err), "scale must be a finite number > 0, got -3");
    CHECK_REJECTS(zf_dist_weibull(&d, -1, 1, &err), "shape must be a finite number > 0, got -1");
    CHECK_REJECTS(zf_dist_weibull(&d, 1, 0, &err), "scale must be a finite number > 0, got 0");
    CHECK_REJECTS(zf_dist_pareto(&d, 0, 1, &err), "shape must be a finite number > 0, got 0");
    CHECK_REJECTS(zf_dist_pareto(&d, 2, INFINITY, &err),
                  "scale must be a finite number > 0, got inf");
}

Test(dist, rejects_bad_empirical_tables_with_messages_naming_the_entry)
{
    const double v[] = {1, 2, -3};
    const double ok[] = {1, 2, 3};
    const double w_neg[] = {1, -1, 1};
    const double w_zero[] = {0, 0, 0};
    const double w_huge[] = {1e308, 1e308, 1e308};
    CHECK_REJECTS(zf_dist_empirical(&d, ok, NULL, 0, 0, &err),
                  "values must hold at least one value");
    CHECK_REJECTS(zf_dist_empirical(&d, v, NULL, 3, 0, &err),
                  "values[2] must be a finite number >= 0, got -3");
    CHECK_REJECTS(zf_dist_empirical(&d, ok, w_neg, 3, 1, &err),
                  "weights[1] must be a finite number >= 0, got -1");
    CHECK_REJECTS(zf_dist_empirical(&d, ok, w_zero, 3, 0, &err),
                  "weights must sum to a finite number > 0, got 0");
    CHECK_REJECTS(zf_dist_empirical(&d, ok, w_huge, 3, 0, &err),
                  "weights must sum to a finite number > 0, got inf");
}

Test(dist, accepts_boundary_parameters)
{
    zf_dist_t d;
    cr_assert_eq(zf_dist_deterministic(&d, -5, NULL), 0);
    cr_assert_eq(zf_dist_uniform(&d, -1, -1, NULL), 0);
    cr_assert_eq(zf_dist_normal(&d, 1e-300, 0, NULL), 0);
    cr_assert_eq(zf_dist_lognormal(&d, 1, 0, NULL), 0);
    const double v[] = {0};
    cr_assert_eq(zf_dist_empirical(&d, v, NULL, 1, 0, NULL), 0);
    zf_dist_free(&d);
}

/* ---- names --------------------------------------------------------------------------- */

Test(dist, names_round_trip_through_the_parser)
{
    static const char *const names[] = {"deterministic", "exponential", "uniform",
                                        "normal",        "lognormal",   "gamma",
                                        "weibull",       "pareto",      "empirical"};
    for (int k = 0; k <= ZF_DIST_EMPIRICAL; k++) {
        cr_assert_str_eq(zf_dist_name((zf_dist_kind_t)k), names[k]);
        zf_dist_kind_t parsed = ZF_DIST_EMPIRICAL;
        cr_assert_eq(zf_dist_kind_parse(names[k], &parsed), 0);
        cr_assert_eq(parsed, (zf_dist_kind_t)k);
    }
}

Test(dist, parser_rejects_unknown_names)
{
    zf_dist_kind_t k = ZF_DIST_GAMMA;
    cr_assert_eq(zf_dist_kind_parse("poisson", &k), ZF_EINVAL);
    cr_assert_eq(zf_dist_kind_parse("Normal", &k), ZF_EINVAL);
    cr_assert_eq(zf_dist_kind_parse("", &k), ZF_EINVAL);
    cr_assert_eq(zf_dist_kind_parse(NULL, &k), ZF_EINVAL);
    cr_assert_eq(k, ZF_DIST_GAMMA);
}
