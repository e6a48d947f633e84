/* dist: the probability distributions a scenario can name (service times, launch times,
 * failover phases, jitter). Unit-agnostic doubles; time distributions hold ns. Each
 * constructor validates its parameters; sampling is a switch on a small enum. */
#ifndef ZF_DIST_H
#define ZF_DIST_H

#include <stddef.h>

#include "engine/clock.h"
#include "engine/err.h"
#include "engine/rng.h"

typedef enum zf_dist_kind {
    ZF_DIST_DETERMINISTIC, /* a = value */
    ZF_DIST_EXPONENTIAL,   /* a = mean */
    ZF_DIST_UNIFORM,       /* a = min, b = max */
    ZF_DIST_NORMAL,        /* a = mean, b = stddev; negative draws redrawn (truncated at 0) */
    ZF_DIST_LOGNORMAL,     /* given mean, stddev; a = mu, b = sigma of the underlying normal */
    ZF_DIST_GAMMA,         /* a = shape k, b = scale theta */
    ZF_DIST_WEIBULL,       /* a = shape k, b = scale lambda */
    ZF_DIST_PARETO,        /* a = shape alpha, b = scale x_m (minimum) */
    ZF_DIST_EMPIRICAL,     /* table of values with weights; optionally interpolated */
} zf_dist_kind_t;

typedef struct zf_dist {
    zf_dist_kind_t kind;
    double a, b;
    /* empirical only (owned): sorted values, cumulative probabilities ending at 1 */
    size_t n;
    double *x;
    double *cum;
    int interpolate; /* empirical: linear between table points instead of discrete */
} zf_dist_t;

/* Constructors: fill *d and return 0, or ZF_EINVAL with a message naming the parameter
 * and what was expected (e.g. "mean must be > 0, got -1"). Values in the caller's unit. */
int zf_dist_deterministic(zf_dist_t *d, double value, zf_err_t *err);
int zf_dist_exponential(zf_dist_t *d, double mean, zf_err_t *err);
int zf_dist_uniform(zf_dist_t *d, double min, double max, zf_err_t *err);
int zf_dist_normal(zf_dist_t *d, double mean, double stddev, zf_err_t *err);
int zf_dist_lognormal(zf_dist_t *d, double mean, double stddev, zf_err_t *err);
int zf_dist_gamma(zf_dist_t *d, double shape, double scale, zf_err_t *err);
int zf_dist_weibull(zf_dist_t *d, double shape, double scale, zf_err_t *err);
int zf_dist_pareto(zf_dist_t *d, double shape, double scale, zf_err_t *err);
/* Copies values (any order, >= 0) and weights (NULL: equal; else >= 0, sum > 0).
 * Sorted by value, p_i = w_i / sum(w), cum_i = p_0 + ... + p_i.
 * interpolate == 0: discrete, P(X = x_i) = p_i.
 * interpolate != 0: the inverse CDF is linear through (0, x_0), (cum_0, x_0), (cum_1, x_1),
 * ..., (1, x_{n-1}): p_0 is an atom at x_0 (give it weight 0 for a continuous CDF) and
 * p_i is spread uniformly over [x_{i-1}, x_i]. */
int zf_dist_empirical(zf_dist_t *d, const double *values, const double *weights, size_t n,
                      int interpolate, zf_err_t *err);

/* Deep copy (empirical tables duplicated). 0 or ZF_ENOMEM. */
int zf_dist_copy(zf_dist_t *dst, const zf_dist_t *src);
/* Frees the empirical table, if any. Safe on any constructed or zeroed dist. */
void zf_dist_free(zf_dist_t *d);

/* One draw. */
double zf_dist_sample(const zf_dist_t *d, zf_rng_t *r);

/* One draw of a time distribution (ns), rounded, never negative. */
static inline zf_time_t zf_dist_sample_ns(const zf_dist_t *d, zf_rng_t *r)
{
    double v = zf_dist_sample(d, r);
    return v <= 0 ? 0 : (zf_time_t)(v + 0.5);
}

/* Analytic moments and CDF (for validation tests and analytic formulas such as
 * Pollaczek-Khinchine). Infinite variance (Pareto alpha <= 2) returns INFINITY. */
double zf_dist_mean(const zf_dist_t *d);
double zf_dist_variance(const zf_dist_t *d);
double zf_dist_cdf(const zf_dist_t *d, double x);

/* Lower-case name ("exponential", ...) for messages and output. */
const char *zf_dist_name(zf_dist_kind_t kind);

/* Parses a name; returns 0 and sets *kind, or ZF_EINVAL. */
int zf_dist_kind_parse(const char *name, zf_dist_kind_t *kind);

#endif
