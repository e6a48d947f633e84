/* pacer: GCRA. A request conforms when now >= TAT - tolerance; sending it moves TAT to
 * max(TAT, now) + interval. Doubles keep fractional intervals exact enough: at 1e14 ns
 * (28 h) their resolution is still 0.016 ns. */
#include "loadgen/pacer.h"

#include <math.h>

int zf_pacer_init(zf_pacer_t *p, double rate_per_s, uint32_t burst, zf_err_t *err)
{
    p->interval_ns = 0;
    p->tolerance_ns = 0;
    p->tat_ns = 0;
    if (!(rate_per_s >= 0) || !isfinite(rate_per_s))
        return zf_err_set(err, ZF_EINVAL, "max rate %g: expected a finite rate >= 0",
                          rate_per_s);
    if (rate_per_s == 0)
        return 0;
    p->interval_ns = 1e9 / rate_per_s;
    p->tolerance_ns = (double)(burst > 1 ? burst - 1 : 0) * p->interval_ns;
    p->tat_ns = -INFINITY;
    return 0;
}

zf_time_t zf_pacer_take(zf_pacer_t *p, zf_time_t now)
{
    if (p->interval_ns == 0)
        return now;
    double t = (double)now;
    double earliest = p->tat_ns - p->tolerance_ns;
    if (earliest > t) {
        zf_time_t at = (zf_time_t)ceil(earliest);
        if (at > now)
            return at;
    }
    p->tat_ns = (p->tat_ns > t ? p->tat_ns : t) + p->interval_ns;
    return now;
}

bool zf_pacer_delays(const zf_pacer_t *p, zf_time_t due)
{
    return p->interval_ns != 0 && p->tat_ns - p->tolerance_ns > (double)due;
}
