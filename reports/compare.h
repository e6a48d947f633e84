/* compare: differences between two results (a baseline and a variant) for every figure
 * both have a confidence interval for (results.json confidence.intervals), with the
 * confidence interval of the difference (Welch's t, the baseline's level). */
#ifndef ZF_COMPARE_H
#define ZF_COMPARE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct zf_delta {
    const char *metric;              /* key in confidence.intervals, borrowed from base */
    double base_mean, base_lo, base_hi;
    double other_mean, other_lo, other_hi;
    double delta;                    /* other - base */
    double half_width;               /* of delta's interval; NAN with fewer than 2 runs each */
    double level;                    /* e.g. 0.95 */
} zf_delta_t;

/* The deltas of the intervals base and other share, in base's order. *out is allocated
 * (the caller frees it; NULL when n is 0) and borrows names from base. 0 or ZF_ENOMEM. */
int zf_compare_deltas(const json_t *base, const json_t *other, zf_delta_t **out, size_t *n);

/* Whether the interval of the delta excludes zero. */
bool zf_delta_significant(const zf_delta_t *d);

/* "[lo, hi]" of the delta, or "n/a (one replication)". Returns buf. */
const char *zf_delta_ci_text(const zf_delta_t *d, char *buf, size_t len);
/* "yes", "no", or "n/a" without an interval. */
const char *zf_delta_significance(const zf_delta_t *d);

#endif
