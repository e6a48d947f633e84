/* rate: profile and burst multipliers, and thinning under a bound that is constant
 * between burst boundaries. */
#include "workload/rate.h"

#include <math.h>

static bool burst_applies(const zf_burst_spec_t *b, uint32_t burst_class, int32_t source)
{
    if (b->fleet_fraction > 0)
        return false;
    if (b->applies & burst_class)
        return true;
    for (size_t i = 0; source >= 0 && i < b->nsources; i++)
        if (b->sources[i] == (uint32_t)source)
            return true;
    return false;
}

double zf_rate_bursts(const zf_workload_spec_t *spec, uint32_t burst_class, int32_t source,
                      zf_time_t t, zf_time_t *next_change)
{
    double m = 1;
    zf_time_t next = ZF_TIME_MAX;
    for (size_t i = 0; i < spec->nbursts; i++) {
        const zf_burst_spec_t *b = &spec->bursts[i];
        if (!burst_applies(b, burst_class, source))
            continue;
        zf_time_t stop = b->start + b->duration;
        if (t >= b->start && t < stop)
            m *= b->multiplier;
        if (b->start > t && b->start < next)
            next = b->start;
        if (stop > t && stop < next)
            next = stop;
    }
    if (next_change)
        *next_change = next;
    return m;
}

double zf_rate_shape(const zf_rate_t *r, zf_time_t start_tod, zf_time_t t)
{
    if (r->profile)
        return zf_profile_at(r->profile, start_tod, t) / r->norm;
    zf_time_t x = (start_tod + t) % ZF_DAY;
    if (r->open < r->close)
        return x >= r->open && x < r->close ? 1.0 : 0.0;
    return x >= r->open || x < r->close ? 1.0 : 0.0; /* hours across midnight */
}

zf_time_t zf_rate_next(const zf_rate_t *r, const zf_workload_spec_t *spec, zf_rng_t *rng,
                       zf_time_t t, zf_time_t end)
{
    double shape_max = r->profile ? r->profile->max / r->norm : 1.0;
    if (!(r->base_per_s > 0) || !(shape_max > 0))
        return ZF_TIME_MAX;
    while (t < end) {
        zf_time_t change;
        double bound = r->base_per_s * shape_max *
                       zf_rate_bursts(spec, r->burst_class, r->source, t, &change);
        if (!(bound > 0)) { /* a burst with multiplier 0: nothing until it ends */
            t = change;
            continue;
        }
        double gap = zf_rng_exp(rng, 1e9 / bound);
        if (gap >= (double)(change - t)) { /* memoryless: restart at the boundary */
            t = change;
            continue;
        }
        t += (zf_time_t)llround(gap);
        if (zf_rng_uniform(rng) * shape_max < zf_rate_shape(r, spec->start_tod, t))
            return t < end ? t : ZF_TIME_MAX;
    }
    return ZF_TIME_MAX;
}
