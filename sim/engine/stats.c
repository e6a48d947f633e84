/* stats: Welford tallies with exact merging (Chan et al.), time-weighted averages of
 * piecewise-constant levels with warm-up deletion, and Student-t confidence intervals of
 * a mean across independent replications (quantiles from GSL). */
#include "engine/stats.h"
#include "engine/err.h"

#include <assert.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

void zf_tally_add(zf_tally_t *t, double x)
{
    t->n++;
    double delta = x - t->mean;
    t->mean += delta / (double)t->n;
    t->m2 += delta * (x - t->mean);
    if (t->n == 1) {
        t->min = t->max = x;
    } else {
        t->min = x < t->min ? x : t->min;
        t->max = x > t->max ? x : t->max;
    }
}

void zf_tally_reset(zf_tally_t *t)
{
    memset(t, 0, sizeof *t);
}

double zf_tally_variance(const zf_tally_t *t)
{
    return t->n < 2 ? 0.0 : t->m2 / (double)(t->n - 1);
}

/* Chan, Golub and LeVeque, "Updating formulae and a pairwise algorithm for computing
 * sample variances" (1979): M2 = M2a + M2b + delta^2 * na * nb / n. */
void zf_tally_merge(zf_tally_t *dst, const zf_tally_t *src)
{
    if (src->n == 0)
        return;
    if (dst->n == 0) {
        *dst = *src;
        return;
    }
    double na = (double)dst->n, nb = (double)src->n, n = na + nb;
    double delta = src->mean - dst->mean;
    dst->mean += delta * (nb / n);
    dst->m2 += src->m2 + delta * delta * (na * nb / n);
    dst->n += src->n;
    dst->min = src->min < dst->min ? src->min : dst->min;
    dst->max = src->max > dst->max ? src->max : dst->max;
}

void zf_timeavg_init(zf_timeavg_t *a, zf_time_t now, double value)
{
    a->start = a->last = now;
    a->value = value;
    a->area = 0.0;
    a->max = value;
}

void zf_timeavg_reset(zf_timeavg_t *a, zf_time_t now)
{
    assert(now >= a->last);
    zf_timeavg_init(a, now, a->value);
}

double zf_timeavg_mean(const zf_timeavg_t *a, zf_time_t now)
{
    assert(now >= a->last);
    if (now == a->start)
        return a->value;
    double area = a->area + a->value * (double)(now - a->last);
    return area / (double)(now - a->start);
}

double zf_ci_t_quantile(double level, size_t dof)
{
    if (dof == 0 || !(level > 0.0 && level < 1.0))
        return NAN;
    return gsl_cdf_tdist_Pinv((1.0 + level) / 2.0, (double)dof);
}

/* Two-pass mean and sample standard deviation (n is small: replications). */
static void mean_stddev(const double *x, size_t n, double *mean, double *stddev)
{
    double sum = 0.0, ss = 0.0;
    for (size_t i = 0; i < n; i++)
        sum += x[i];
    *mean = sum / (double)n;
    for (size_t i = 0; i < n; i++)
        ss += (x[i] - *mean) * (x[i] - *mean);
    *stddev = n < 2 ? 0.0 : sqrt(ss / (double)(n - 1));
}

int zf_ci_compute(const double *x, size_t n, double level, zf_ci_t *out)
{
    if (n == 0 || !x || !(level > 0.0 && level < 1.0))
        return ZF_EINVAL;
    bool finite = true;
    for (size_t i = 0; i < n; i++)
        finite = finite && isfinite(x[i]);
    out->n = n;
    out->level = level;
    mean_stddev(x, n, &out->mean, &out->stddev);
    if (!finite)
        out->half_width = NAN;
    else if (n == 1)
        out->half_width = 0.0;
    else
        out->half_width = zf_ci_t_quantile(level, n - 1) * out->stddev / sqrt((double)n);
    out->lo = out->mean - out->half_width;
    out->hi = out->mean + out->half_width;
    return 0;
}
