/* stats: running tallies, time-weighted averages (queue length, utilisation), warm-up
 * deletion by reset, and Student-t confidence intervals across replications. */
#ifndef ZF_STATS_H
#define ZF_STATS_H

#include <assert.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"

/* Observations: count, mean, variance (Welford), min, max. Zero-initialise to start. */
typedef struct zf_tally {
    uint64_t n;
    double mean, m2, min, max;
} zf_tally_t;

void zf_tally_add(zf_tally_t *t, double x);
void zf_tally_reset(zf_tally_t *t);
double zf_tally_variance(const zf_tally_t *t); /* sample variance, 0 when n < 2 */
/* Combines two tallies exactly (Chan et al. parallel algorithm). */
void zf_tally_merge(zf_tally_t *dst, const zf_tally_t *src);

/* Durations (ns, >= 0) of which only the count and the mean are wanted: an exact integer
 * sum, no division per observation (a request path records two). The sum spills into a
 * double past 2^62 ns, which no run of a single tally reaches in practice. */
typedef struct zf_durations {
    uint64_t n;
    int64_t sum;  /* ns */
    double spill; /* ns, sums moved out of `sum` */
} zf_durations_t;

static inline void zf_durations_add(zf_durations_t *t, zf_time_t d)
{
    t->n++;
    t->sum += d;
    if (__builtin_expect(t->sum > ((int64_t)1 << 62), 0)) {
        t->spill += (double)t->sum;
        t->sum = 0;
    }
}

/* Mean in seconds; 0 when empty. */
static inline double zf_durations_mean_s(const zf_durations_t *t)
{
    return t->n ? (t->spill + (double)t->sum) / (double)t->n / 1e9 : 0.0;
}

/* Time-weighted average of a piecewise-constant quantity (queue length, busy servers). */
typedef struct zf_timeavg {
    zf_time_t start, last;
    double value;   /* current level */
    double area;    /* integral of value dt since start, in value * ns */
    double max;
} zf_timeavg_t;

/* Starts at time `now` with level `value`. */
void zf_timeavg_init(zf_timeavg_t *a, zf_time_t now, double value);
/* The level changes to `value` at `now` (now >= last). Inline: stations call it on every
 * arrival and completion. */
static inline void zf_timeavg_set(zf_timeavg_t *a, zf_time_t now, double value)
{
    assert(now >= a->last);
    a->area += a->value * (double)(now - a->last);
    a->last = now;
    a->value = value;
    a->max = value > a->max ? value : a->max;
}
static inline void zf_timeavg_add(zf_timeavg_t *a, zf_time_t now, double delta)
{
    zf_timeavg_set(a, now, a->value + delta);
}
/* Forgets the area before `now`, keeps the level (warm-up deletion); max restarts at the
 * current level. */
void zf_timeavg_reset(zf_timeavg_t *a, zf_time_t now);
/* Average level over [start, now]; the current level when no time has passed. */
double zf_timeavg_mean(const zf_timeavg_t *a, zf_time_t now);

/* Confidence interval of a mean from independent replications (Student t, GSL). */
typedef struct zf_ci {
    size_t n;
    double mean, stddev, half_width, lo, hi, level;
} zf_ci_t;

/* level in (0, 1), e.g. 0.95. n == 1 gives half_width 0 (no interval can be claimed;
 * callers report n). Non-finite inputs give a NaN interval. 0 or ZF_EINVAL (n == 0, x NULL
 * or level outside (0, 1); out is then left untouched). stddev is the sample one (n - 1). */
int zf_ci_compute(const double *x, size_t n, double level, zf_ci_t *out);

/* Student-t two-sided critical value t_{(1+level)/2, dof}; NaN when dof == 0 or level is
 * outside (0, 1) (checked here so GSL's aborting error handler is never reached). */
double zf_ci_t_quantile(double level, size_t dof);

#endif
