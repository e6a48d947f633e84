/* dist: construction (with parameter validation), sampling, analytic moments and CDFs of
 * the distributions a scenario can name. Sampling is one switch on the kind; moments and
 * CDFs are closed forms (GSL's special functions and CDFs) used by validation tests and
 * analytic formulas. Only the empirical kind owns memory (its sorted table). */
#include "engine/dist.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>

static const char *const kind_names[] = {
    [ZF_DIST_DETERMINISTIC] = "deterministic",
    [ZF_DIST_EXPONENTIAL] = "exponential",
    [ZF_DIST_UNIFORM] = "uniform",
    [ZF_DIST_NORMAL] = "normal",
    [ZF_DIST_LOGNORMAL] = "lognormal",
    [ZF_DIST_GAMMA] = "gamma",
    [ZF_DIST_WEIBULL] = "weibull",
    [ZF_DIST_PARETO] = "pareto",
    [ZF_DIST_EMPIRICAL] = "empirical",
};
#define NKINDS (sizeof kind_names / sizeof kind_names[0])

/* ---- validation and constructors ---------------------------------------------------- */

static int check_finite(double v, const char *name, zf_err_t *err)
{
    if (!isfinite(v))
        return zf_err_set(err, ZF_EINVAL, "%s must be a finite number, got %g", name, v);
    return 0;
}

static int check_positive(double v, const char *name, zf_err_t *err)
{
    if (!isfinite(v) || !(v > 0))
        return zf_err_set(err, ZF_EINVAL, "%s must be a finite number > 0, got %g", name, v);
    return 0;
}

static int check_nonneg(double v, const char *name, zf_err_t *err)
{
    if (!isfinite(v) || !(v >= 0))
        return zf_err_set(err, ZF_EINVAL, "%s must be a finite number >= 0, got %g", name, v);
    return 0;
}

static void set(zf_dist_t *d, zf_dist_kind_t kind, double a, double b)
{
    memset(d, 0, sizeof *d);
    d->kind = kind;
    d->a = a;
    d->b = b;
}

int zf_dist_deterministic(zf_dist_t *d, double value, zf_err_t *err)
{
    memset(d, 0, sizeof *d);
    int rc = check_finite(value, "value", err);
    if (rc == 0)
        set(d, ZF_DIST_DETERMINISTIC, value, 0);
    return rc;
}

int zf_dist_exponential(zf_dist_t *d, double mean, zf_err_t *err)
{
    memset(d, 0, sizeof *d);
    int rc = check_positive(mean, "mean", err);
    if (rc == 0)
        set(d, ZF_DIST_EXPONENTIAL, mean, 0);
    return rc;
}

int zf_dist_uniform(zf_dist_t *d, double min, double max, zf_err_t *err)
{
    memset(d, 0, sizeof *d);
    int rc = check_finite(min, "min", err);
    if (rc == 0)
        rc = check_finite(max, "max", err);
    if (rc == 0 && min > max)
        rc = zf_err_set(err, ZF_EINVAL, "min must be <= max, got min %g > max %g", min, max);
    if (rc == 0)
        set(d, ZF_DIST_UNIFORM, min, max);
    return rc;
}

/* Mean > 0 keeps the redraw of negatives cheap: at least half the draws are accepted. */
int zf_dist_normal(zf_dist_t *d, double mean, double stddev, zf_err_t *err)
{
    memset(d, 0, sizeof *d);
    int rc = check_positive(mean, "mean", err);
    if (rc == 0)
        rc = check_nonneg(stddev, "stddev", err);
    if (rc == 0)
        set(d, ZF_DIST_NORMAL, mean, stddev);
    return rc;
}

/* sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2/2 (moments of the lognormal); for
 * cv >= 1 written as 2 ln cv + ln(1 + 1/cv^2) so huge cv cannot overflow. */
int zf_dist_lognormal(zf_dist_t *d, double mean, double stddev, zf_err_t *err)
{
    memset(d, 0, sizeof *d);
    int rc = check_positive(mean, "mean", err);
    if (rc == 0)
        rc = check_nonneg(stddev, "stddev", err);
    if (rc != 0)
        return rc;
    double cv = stddev / mean;
    double s2 = cv < 1 ? log1p(cv * cv) : 2 * log(cv) + log1p(1 / (cv * cv));
    set(d, ZF_DIST_LOGNORMAL, log(mean) - s2 / 2, sqrt(s2));
    return 0;
}

/* Shared by the three (shape, scale) families, whose checks and messages are identical. */
static int shape_scale(zf_dist_t *d, zf_dist_kind_t kind, double shape, double scale,
                       zf_err_t *err)
{
    memset(d, 0, sizeof *d);
    int rc = check_positive(shape, "shape", err);
    if (rc == 0)
        rc = check_positive(scale, "scale", err);
    if (rc == 0)
        set(d, kind, shape, scale);
    return rc;
}

int zf_dist_gamma(zf_dist_t *d, double shape, double scale, zf_err_t *err)
{
    return shape_scale(d, ZF_DIST_GAMMA, shape, scale, err);
}

int zf_dist_weibull(zf_dist_t *d, double shape, double scale, zf_err_t *err)
{
    return shape_scale(d, ZF_DIST_WEIBULL, shape, scale, err);
}

int zf_dist_pareto(zf_dist_t *d, double shape, double scale, zf_err_t *err)
{
    return shape_scale(d, ZF_DIST_PARETO, shape, scale, err);
}

/* ---- empirical table ---------------------------------------------------------------- */
/* Table meaning: after sorting by value, p_i = w_i / sum(w) and cum_i = p_0 + ... + p_i
 * (cum_{n-1} = 1 exactly). Discrete: P(X = x_i) = p_i. Interpolated: the inverse CDF is
 * piecewise linear through (0, x_0), (cum_0, x_0), (cum_1, x_1), ..., (1, x_{n-1}), i.e.
 * p_0 is an atom at x_0 (give the smallest value weight 0 for a continuous CDF) and p_i
 * (i >= 1) is spread uniformly over [x_{i-1}, x_i]. */

typedef struct {
    double x, w;
} pair_t;

static int pair_cmp(const void *pa, const void *pb)
{
    const pair_t *a = pa, *b = pb;
    return (a->x > b->x) - (a->x < b->x);
}

static int check_table(const double *values, const double *weights, size_t n, zf_err_t *err)
{
    if (n == 0 || !values)
        return zf_err_set(err, ZF_EINVAL, "values must hold at least one value");
    double sum = 0;
    for (size_t i = 0; i < n; i++) {
        if (!isfinite(values[i]) || !(values[i] >= 0))
            return zf_err_set(err, ZF_EINVAL,
                              "values[%zu] must be a finite number >= 0, got %g", i, values[i]);
        double w = weights ? weights[i] : 1;
        if (!isfinite(w) || !(w >= 0))
            return zf_err_set(err, ZF_EINVAL,
                              "weights[%zu] must be a finite number >= 0, got %g", i, w);
        sum += w;
    }
    if (!isfinite(sum) || !(sum > 0))
        return zf_err_set(err, ZF_EINVAL, "weights must sum to a finite number > 0, got %g",
                          sum);
    return 0;
}

int zf_dist_empirical(zf_dist_t *d, const double *values, const double *weights, size_t n,
                      int interpolate, zf_err_t *err)
{
    memset(d, 0, sizeof *d);
    int rc = check_table(values, weights, n, err);
    if (rc != 0)
        return rc;
    pair_t *p = malloc(n * sizeof *p);
    double *x = malloc(n * sizeof *x);
    double *cum = malloc(n * sizeof *cum);
    if (!p || !x || !cum) {
        rc = zf_err_set(err, ZF_ENOMEM, "out of memory for an empirical table of %zu values",
                        n);
        free(x);
        free(cum);
        goto out;
    }
    for (size_t i = 0; i < n; i++)
        p[i] = (pair_t){values[i], weights ? weights[i] : 1};
    qsort(p, n, sizeof *p, pair_cmp);
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += p[i].w;
    double run = 0;
    for (size_t i = 0; i < n; i++) {
        run += p[i].w;
        x[i] = p[i].x;
        cum[i] = run / sum;
    }
    cum[n - 1] = 1; /* exact, whatever the rounding of the running sum */
    set(d, ZF_DIST_EMPIRICAL, 0, 0);
    d->n = n;
    d->x = x;
    d->cum = cum;
    d->interpolate = interpolate != 0;
out:
    free(p);
    return rc;
}

int zf_dist_copy(zf_dist_t *dst, const zf_dist_t *src)
{
    assert(dst != src);
    *dst = *src;
    if (src->kind != ZF_DIST_EMPIRICAL || src->n == 0)
        return 0;
    dst->x = malloc(src->n * sizeof *dst->x);
    dst->cum = malloc(src->n * sizeof *dst->cum);
    if (!dst->x || !dst->cum) {
        zf_dist_free(dst);
        return ZF_ENOMEM;
    }
    memcpy(dst->x, src->x, src->n * sizeof *dst->x);
    memcpy(dst->cum, src->cum, src->n * sizeof *dst->cum);
    return 0;
}

void zf_dist_free(zf_dist_t *d)
{
    free(d->x);
    free(d->cum);
    memset(d, 0, sizeof *d);
}

/* ---- sampling ----------------------------------------------------------------------- */

/* Smallest i with u <= cum[i]; zero-weight entries (cum[i] == cum[i-1]) are never hit
 * because u > 0. */
static size_t cum_search(const zf_dist_t *d, double u)
{
    size_t lo = 0, hi = d->n - 1;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (u <= d->cum[mid])
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static double empirical_sample(const zf_dist_t *d, zf_rng_t *r)
{
    double u = zf_rng_uniform(r);
    size_t i = cum_search(d, u);
    if (!d->interpolate || i == 0)
        return d->x[i];
    /* here cum[i-1] < u <= cum[i], so the segment has positive probability */
    double c0 = d->cum[i - 1], c1 = d->cum[i];
    return d->x[i - 1] + (d->x[i] - d->x[i - 1]) * ((u - c0) / (c1 - c0));
}

/* Normal truncated at 0 by rejection: redraw until non-negative (see zf_dist_mean). */
static double normal_sample(const zf_dist_t *d, zf_rng_t *r)
{
    if (d->b == 0)
        return d->a;
    double v;
    do
        v = d->a + d->b * zf_rng_gauss(r);
    while (v < 0);
    return v;
}

double zf_dist_sample(const zf_dist_t *d, zf_rng_t *r)
{
    switch (d->kind) {
    case ZF_DIST_DETERMINISTIC: return d->a;
    case ZF_DIST_EXPONENTIAL: return zf_rng_exp(r, d->a);
    case ZF_DIST_UNIFORM: return d->a + (d->b - d->a) * zf_rng_uniform(r);
    case ZF_DIST_NORMAL: return normal_sample(d, r);
    case ZF_DIST_LOGNORMAL: return d->b == 0 ? exp(d->a) : zf_rng_lognormal(r, d->a, d->b);
    case ZF_DIST_GAMMA: return gsl_ran_gamma(r->g, d->a, d->b);
    case ZF_DIST_WEIBULL: return gsl_ran_weibull(r->g, d->b, d->a); /* GSL: (scale, shape) */
    case ZF_DIST_PARETO: return gsl_ran_pareto(r->g, d->a, d->b);   /* GSL: (alpha, x_m) */
    case ZF_DIST_EMPIRICAL: return empirical_sample(d, r);
    }
    assert(0 && "unknown distribution kind");
    return NAN;
}

/* ---- analytic moments and CDF ------------------------------------------------------- */

/* Normal(mu, sd) truncated to [0, inf): alpha = -mu/sd, lambda = phi(alpha)/(1 -
 * Phi(alpha)); mean = mu + sd lambda, variance = sd^2 (1 + alpha lambda - lambda^2)
 * (Johnson, Kotz, Balakrishnan, "Continuous Univariate Distributions" vol. 1, 13.10).
 * The truncation is what the sampler draws, so for sd comparable to mu the mean exceeds
 * the requested one (sd = mu: +28.8%; sd = mu/2: +2.8%; sd = mu/3: +0.15%). */
static void truncnormal_moments(double mu, double sd, double *mean, double *var)
{
    if (sd == 0) {
        *mean = mu;
        *var = 0;
        return;
    }
    double alpha = -mu / sd;
    double lambda = gsl_ran_ugaussian_pdf(alpha) / gsl_cdf_ugaussian_Q(alpha);
    *mean = mu + sd * lambda;
    *var = sd * sd * (1 + alpha * lambda - lambda * lambda);
}

/* Weibull moments: E[X^k] = scale^k Gamma(1 + k/shape). */
static double weibull_moment(const zf_dist_t *d, int k)
{
    return pow(d->b, k) * tgamma(1 + k / d->a);
}

/* Empirical moments: discrete atoms, or atom at x_0 plus uniform segments. */
static void empirical_moments(const zf_dist_t *d, double *mean, double *var)
{
    double m = 0, prev = 0;
    for (size_t i = 0; i < d->n; i++) {
        double p = d->cum[i] - prev, c = d->x[i];
        if (d->interpolate && i > 0)
            c = (d->x[i - 1] + d->x[i]) / 2;
        m += p * c;
        prev = d->cum[i];
    }
    double v = 0;
    prev = 0;
    for (size_t i = 0; i < d->n; i++) {
        double p = d->cum[i] - prev, c = d->x[i], w2 = 0;
        if (d->interpolate && i > 0) {
            double w = d->x[i] - d->x[i - 1];
            c = (d->x[i - 1] + d->x[i]) / 2;
            w2 = w * w / 12; /* variance of the uniform segment */
        }
        v += p * (w2 + (c - m) * (c - m));
        prev = d->cum[i];
    }
    *mean = m;
    *var = v;
}

double zf_dist_mean(const zf_dist_t *d)
{
    double m, v;
    switch (d->kind) {
    case ZF_DIST_DETERMINISTIC: return d->a;
    case ZF_DIST_EXPONENTIAL: return d->a;
    case ZF_DIST_UNIFORM: return (d->a + d->b) / 2;
    case ZF_DIST_NORMAL: truncnormal_moments(d->a, d->b, &m, &v); return m;
    case ZF_DIST_LOGNORMAL: return exp(d->a + d->b * d->b / 2);
    case ZF_DIST_GAMMA: return d->a * d->b;
    case ZF_DIST_WEIBULL: return weibull_moment(d, 1);
    case ZF_DIST_PARETO: return d->a > 1 ? d->a * d->b / (d->a - 1) : INFINITY;
    case ZF_DIST_EMPIRICAL: empirical_moments(d, &m, &v); return m;
    }
    assert(0 && "unknown distribution kind");
    return NAN;
}

double zf_dist_variance(const zf_dist_t *d)
{
    double m, v, s2 = d->b * d->b;
    switch (d->kind) {
    case ZF_DIST_DETERMINISTIC: return 0;
    case ZF_DIST_EXPONENTIAL: return d->a * d->a;
    case ZF_DIST_UNIFORM: return (d->b - d->a) * (d->b - d->a) / 12;
    case ZF_DIST_NORMAL: truncnormal_moments(d->a, d->b, &m, &v); return v;
    case ZF_DIST_LOGNORMAL: return expm1(s2) * exp(2 * d->a + s2);
    case ZF_DIST_GAMMA: return d->a * s2;
    case ZF_DIST_WEIBULL:
        m = weibull_moment(d, 1);
        return weibull_moment(d, 2) - m * m;
    case ZF_DIST_PARETO:
        if (d->a <= 2)
            return INFINITY;
        return s2 * d->a / ((d->a - 1) * (d->a - 1) * (d->a - 2));
    case ZF_DIST_EMPIRICAL: empirical_moments(d, &m, &v); return v;
    }
    assert(0 && "unknown distribution kind");
    return NAN;
}

/* Largest i with x[i] <= x, or -1 when x < x[0]. */
static long last_at_or_below(const zf_dist_t *d, double x)
{
    size_t lo = 0, hi = d->n; /* answer + 1 lies in [lo, hi] */
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (d->x[mid] <= x)
            lo = mid + 1;
        else
            hi = mid;
    }
    return (long)lo - 1;
}

static double empirical_cdf(const zf_dist_t *d, double x)
{
    long i = last_at_or_below(d, x);
    if (i < 0)
        return 0;
    size_t k = (size_t)i;
    if (!d->interpolate || k == d->n - 1)
        return d->cum[k];
    /* x[k] <= x < x[k+1]: linear on the segment */
    double f = (x - d->x[k]) / (d->x[k + 1] - d->x[k]);
    return d->cum[k] + (d->cum[k + 1] - d->cum[k]) * f;
}

static double normal_cdf(const zf_dist_t *d, double x)
{
    if (x < 0)
        return 0;
    if (d->b == 0)
        return x < d->a ? 0 : 1;
    double z0 = gsl_cdf_ugaussian_Q(-d->a / d->b); /* P(untruncated >= 0) */
    double lo = gsl_cdf_ugaussian_P(-d->a / d->b);
    return (gsl_cdf_ugaussian_P((x - d->a) / d->b) - lo) / z0;
}

double zf_dist_cdf(const zf_dist_t *d, double x)
{
    switch (d->kind) {
    case ZF_DIST_DETERMINISTIC: return x < d->a ? 0 : 1;
    case ZF_DIST_EXPONENTIAL: return x <= 0 ? 0 : -expm1(-x / d->a);
    case ZF_DIST_UNIFORM:
        if (x < d->a)
            return 0;
        return x >= d->b ? 1 : (x - d->a) / (d->b - d->a);
    case ZF_DIST_NORMAL: return normal_cdf(d, x);
    case ZF_DIST_LOGNORMAL:
        if (d->b == 0)
            return x < exp(d->a) ? 0 : 1;
        return x <= 0 ? 0 : gsl_cdf_lognormal_P(x, d->a, d->b);
    case ZF_DIST_GAMMA: return x <= 0 ? 0 : gsl_cdf_gamma_P(x, d->a, d->b);
    case ZF_DIST_WEIBULL: return x <= 0 ? 0 : gsl_cdf_weibull_P(x, d->b, d->a);
    case ZF_DIST_PARETO: return gsl_cdf_pareto_P(x, d->a, d->b);
    case ZF_DIST_EMPIRICAL: return empirical_cdf(d, x);
    }
    assert(0 && "unknown distribution kind");
    return NAN;
}

/* ---- names -------------------------------------------------------------------------- */

const char *zf_dist_name(zf_dist_kind_t kind)
{
    if ((size_t)kind >= NKINDS)
        return "unknown";
    return kind_names[kind];
}

int zf_dist_kind_parse(const char *name, zf_dist_kind_t *kind)
{
    for (size_t i = 0; name && i < NKINDS; i++) {
        if (strcmp(name, kind_names[i]) == 0) {
            *kind = (zf_dist_kind_t)i;
            return 0;
        }
    }
    return ZF_EINVAL;
}
