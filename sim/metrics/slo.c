/* slo: measurement and judgement of service-level objectives. */
#include "metrics/slo.h"

#include <math.h>
#include <string.h>

double zf_slo_window_availability(const uint32_t *ok, const uint32_t *failed, size_t first_sec,
                                  size_t nsec, size_t window_s)
{
    if (first_sec >= nsec)
        return NAN;
    size_t span = nsec - first_sec;
    if (window_s == 0 || window_s > span)
        window_s = span;
    double worst = NAN;
    uint64_t sum_ok = 0, sum_all = 0;
    for (size_t i = first_sec; i < nsec; i++) {
        sum_ok += ok[i];
        sum_all += (uint64_t)ok[i] + failed[i];
        if (i >= first_sec + window_s) {
            size_t o = i - window_s;
            sum_ok -= ok[o];
            sum_all -= (uint64_t)ok[o] + failed[o];
        }
        if (i + 1 >= first_sec + window_s && sum_all > 0) {
            double a = (double)sum_ok / (double)sum_all;
            if (isnan(worst) || a < worst)
                worst = a;
        }
    }
    return worst;
}

static const zf_rec_kind_t *find_kind(const zf_rec_t *r, const char *name)
{
    for (size_t i = 0; i < r->nkinds; i++)
        if (strcmp(r->kinds[i].name, name) == 0)
            return &r->kinds[i];
    return NULL;
}

static double measure_availability(const zf_slo_spec_t *s, const zf_rec_t *r)
{
    if (s->kind[0]) {
        const zf_rec_kind_t *k = find_kind(r, s->kind);
        return k && k->total ? (double)k->ok / (double)k->total : NAN;
    }
    if (s->window > 0) {
        size_t first = (size_t)(r->warmup / ZF_S);
        size_t w = (size_t)((s->window + ZF_S - 1) / ZF_S);
        return zf_slo_window_availability(r->per_sec_ok, r->per_sec_failed, first, r->nsec, w);
    }
    uint64_t total = r->ok + r->failed;
    return total ? (double)r->ok / (double)total : NAN;
}

static double measure_latency(const zf_slo_spec_t *s, const zf_rec_t *r)
{
    const zf_hist_t *h = &r->latency;
    if (s->kind[0]) {
        const zf_rec_kind_t *k = find_kind(r, s->kind);
        if (!k)
            return NAN;
        h = &k->latency;
    }
    return h->total ? (double)zf_hist_quantile(h, s->quantile) : NAN;
}

/* Largest RTO among the faults the SLO covers; NAN if one never recovered or none match. */
static double measure_rto(const zf_slo_spec_t *s, const zf_rec_t *r)
{
    double worst = -1;
    for (size_t i = 0; i < r->nfaults; i++) {
        const zf_fault_rec_t *f = &r->faults[i];
        if (s->fault[0] && strcmp(s->fault, f->name) != 0)
            continue;
        double rto = zf_fault_rto_s(f);
        if (isnan(rto))
            return NAN;
        if (rto > worst)
            worst = rto;
    }
    if (worst < 0)
        return s->fault[0] ? NAN : 0.0; /* no fault: nothing to recover from */
    return worst * 1e9;
}

static double measure_burn(const zf_slo_spec_t *s, const zf_rec_t *r)
{
    size_t first = (size_t)(r->warmup / ZF_S);
    size_t w = (size_t)((s->window + ZF_S - 1) / ZF_S);
    double a = zf_slo_window_availability(r->per_sec_ok, r->per_sec_failed, first, r->nsec, w);
    return isnan(a) ? NAN : (1.0 - a) / (1.0 - s->target);
}

double zf_slo_measure(const zf_slo_spec_t *s, const zf_rec_t *r)
{
    switch (s->type) {
    case ZF_SLO_AVAILABILITY: return measure_availability(s, r);
    case ZF_SLO_LATENCY: return measure_latency(s, r);
    case ZF_SLO_RTO: return measure_rto(s, r);
    case ZF_SLO_RPO: return r->rpo_s * 1e9;
    case ZF_SLO_LOST_WRITES: return (double)r->lost_writes;
    case ZF_SLO_BACKLOG_DRAIN: return isnan(r->backlog_drain_s) ? 0.0 : r->backlog_drain_s * 1e9;
    case ZF_SLO_BURN_RATE: return measure_burn(s, r);
    default: return NAN;
    }
}

bool zf_slo_met(const zf_slo_spec_t *s, double measured)
{
    if (isnan(measured))
        return false;
    if (s->type == ZF_SLO_AVAILABILITY)
        return measured >= s->objective;
    return measured <= s->objective;
}
