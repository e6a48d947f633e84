/* recovery: the sliding-window recovery instant shared by the simulator and the replayer. */
#include "metrics/recovery.h"

#include <math.h>

#include <stdint.h>

double zf_window_availability(const zf_rec_t *r, size_t from, size_t w)
{
    uint64_t ok = 0, all = 0;
    for (size_t i = from; i < from + w && i < r->nsec; i++) {
        ok += r->per_sec_ok[i];
        all += (uint64_t)r->per_sec_ok[i] + r->per_sec_failed[i];
    }
    return all ? (double)ok / (double)all : 1.0;
}

zf_time_t zf_recovered_at(const zf_rec_t *r, double threshold, zf_time_t window_ns,
                          zf_time_t start, zf_time_t horizon)
{
    size_t w = (size_t)((window_ns + ZF_S - 1) / ZF_S), s0 = (size_t)(start / ZF_S);
    size_t h = (size_t)(horizon / ZF_S), last_bad = SIZE_MAX;
    if (h > r->nsec)
        h = r->nsec;
    for (size_t i = s0; i < h; i++)
        if (zf_window_availability(r, i, w) < threshold)
            last_bad = i;
    if (last_bad == SIZE_MAX)
        return start;
    if (last_bad + 1 >= r->nsec)
        return -1;
    if (last_bad + 1 != h)
        return (zf_time_t)(last_bad + 1) * ZF_S;
    /* still below the threshold at the horizon: not back there, but at the first window at
     * or above it after (never, if none starts before the series ends) */
    for (size_t i = h; i < r->nsec; i++)
        if (zf_window_availability(r, i, w) >= threshold)
            return (zf_time_t)i * ZF_S;
    return -1;
}

double zf_backlog_drain_s(const uint64_t *backlog_sec, size_t nsec, zf_time_t start,
                          zf_time_t from, zf_time_t recovered, uint64_t at_start)
{
    if (recovered < 0)
        return INFINITY;
    size_t e = (size_t)((recovered > from ? recovered : from) / ZF_S);
    uint64_t peak = 0, base = at_start + at_start / 10 + 10;
    for (size_t i = (size_t)(start / ZF_S); i < nsec; i++)
        peak = backlog_sec[i] > peak ? backlog_sec[i] : peak;
    if (peak <= base || e >= nsec)
        return NAN; /* no backlog formed */
    for (size_t i = e; i < nsec; i++)
        if (backlog_sec[i] <= base)
            return (double)(i - e);
    return INFINITY;
}
