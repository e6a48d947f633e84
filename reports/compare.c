/* compare: Welch two-sample confidence interval of the difference of two means from the
 * stored mean, standard deviation and count of each results file. The Welch-Satterthwaite
 * degrees of freedom are rounded down (a slightly wider, conservative interval). */
#include "reports/compare.h"
#include "engine/err.h"
#include "engine/stats.h"
#include "reports/fmt.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const json_t *intervals(const json_t *res)
{
    return json_object_get(json_object_get(res, "confidence"), "intervals");
}

/* Half-width of the Welch interval of mean_b - mean_a; NAN when it cannot be had. */
static double welch_half_width(const json_t *a, const json_t *b, double level)
{
    double na = zf_fmt_num(a, "n"), nb = zf_fmt_num(b, "n");
    double sa = zf_fmt_num(a, "stddev"), sb = zf_fmt_num(b, "stddev");
    if (!(na >= 2 && nb >= 2 && sa >= 0 && sb >= 0))
        return NAN;
    double va = sa * sa / na, vb = sb * sb / nb, se2 = va + vb;
    if (se2 == 0)
        return 0;
    double dof = se2 * se2 / (va * va / (na - 1) + vb * vb / (nb - 1));
    return zf_ci_t_quantile(level, (size_t)floor(dof)) * sqrt(se2);
}

int zf_compare_deltas(const json_t *base, const json_t *other, zf_delta_t **out, size_t *n)
{
    const json_t *ia = intervals(base), *ib = intervals(other), *a;
    const char *key;
    double level = zf_fmt_num(json_object_get(base, "confidence"), "level");
    *out = NULL;
    *n = 0;
    if (!json_object_size(ia))
        return 0;
    zf_delta_t *d = calloc(json_object_size(ia), sizeof *d);
    if (!d)
        return ZF_ENOMEM;
    json_object_foreach((json_t *)ia, key, a) {
        const json_t *b = json_object_get(ib, key);
        if (!b)
            continue;
        zf_delta_t *e = &d[(*n)++];
        e->metric = key;
        e->level = isfinite(level) ? level : 0.95;
        e->base_mean = zf_fmt_num(a, "mean");
        e->base_lo = zf_fmt_num(a, "lo");
        e->base_hi = zf_fmt_num(a, "hi");
        e->other_mean = zf_fmt_num(b, "mean");
        e->other_lo = zf_fmt_num(b, "lo");
        e->other_hi = zf_fmt_num(b, "hi");
        e->delta = e->other_mean - e->base_mean;
        e->half_width = welch_half_width(a, b, e->level);
    }
    if (*n == 0) {
        free(d);
        d = NULL;
    }
    *out = d;
    return 0;
}

bool zf_delta_significant(const zf_delta_t *d)
{
    return isfinite(d->half_width) && isfinite(d->delta) && fabs(d->delta) > d->half_width;
}

const char *zf_delta_ci_text(const zf_delta_t *d, char *buf, size_t len)
{
    if (isfinite(d->half_width))
        snprintf(buf, len, "[%.6g, %.6g]", d->delta - d->half_width, d->delta + d->half_width);
    else
        snprintf(buf, len, "n/a (one replication)");
    return buf;
}

const char *zf_delta_significance(const zf_delta_t *d)
{
    return !isfinite(d->half_width) ? "n/a" : zf_delta_significant(d) ? "yes" : "no";
}
