/* results: pooling of replications, the results.json document, SLO verdicts, and the
 * atomic file writes that guarantee no half-written results. */
#include "metrics/results.h"
#include "engine/stats.h"
#include "metrics/slo.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define ZF_VERSION "0.1.0"

static json_t *jnum(double v)
{
    return isfinite(v) ? json_real(v) : json_null();
}

static json_t *jcount(uint64_t v)
{
    return json_integer((json_int_t)v);
}

/* ---------- pooling ---------- */

static int pool_seconds(zf_rec_t *out, const zf_rec_t *r)
{
    while (out->nsec < r->nsec) {
        if (zf_rec_tick(out, out->nsec, 0) != 0)
            return ZF_ENOMEM;
    }
    for (size_t i = 0; i < r->nsec; i++) {
        out->per_sec_ok[i] += r->per_sec_ok[i];
        out->per_sec_failed[i] += r->per_sec_failed[i];
    }
    return 0;
}

static void pool_faults(zf_rec_t *out, const zf_rec_t *reps, size_t n)
{
    for (size_t i = 0; i < out->nfaults; i++) {
        zf_fault_rec_t *f = &out->faults[i];
        double det = 0, rec = 0;
        size_t ndet = 0, nrec = 0;
        int all_recovered = 1;
        for (size_t k = 0; k < n; k++) {
            if (reps[k].nfaults != out->nfaults || strcmp(reps[k].faults[i].name, f->name))
                continue;
            const zf_fault_rec_t *g = &reps[k].faults[i];
            if (g->detected >= 0) {
                det += (double)(g->detected - g->start);
                ndet++;
            }
            if (g->recovered >= 0) {
                rec += (double)(g->recovered - g->start);
                nrec++;
            } else {
                all_recovered = 0;
            }
        }
        f->detected = ndet ? f->start + (zf_time_t)(det / (double)ndet) : -1;
        f->recovered = all_recovered && nrec ? f->start + (zf_time_t)(rec / (double)nrec) : -1;
    }
}

static void pool_data(zf_rec_t *out, const zf_rec_t *reps, size_t n)
{
    double drain = 0;
    size_t ndrain = 0;
    for (size_t k = 0; k < n; k++) {
        out->acked_writes += reps[k].acked_writes;
        out->lost_writes += reps[k].lost_writes;
        out->indeterminate_writes += reps[k].indeterminate_writes;
        if (reps[k].rpo_s > out->rpo_s)
            out->rpo_s = reps[k].rpo_s;
        if (!isnan(reps[k].backlog_drain_s)) {
            drain += reps[k].backlog_drain_s;
            ndrain++;
        }
    }
    out->backlog_drain_s = ndrain ? drain / (double)ndrain : NAN;
}

static int pool_metrics(zf_rec_t *out, const zf_rec_t *reps, size_t n)
{
    for (size_t m = 0; m < reps[0].nmetrics; m++) {
        double sum = 0;
        for (size_t k = 0; k < n; k++)
            sum += zf_rec_metric_get(&reps[k], reps[0].metrics[m].name);
        if (zf_rec_metric(out, reps[0].metrics[m].name, sum / (double)n))
            return ZF_ENOMEM;
    }
    return 0;
}

int zf_results_pool(const zf_rec_t *reps, size_t n, zf_rec_t *out)
{
    const char **names = calloc(reps[0].nkinds + 1, sizeof *names);
    if (!names)
        return ZF_ENOMEM;
    for (size_t i = 0; i < reps[0].nkinds; i++)
        names[i] = reps[0].kinds[i].name;
    int rc = zf_rec_init(out, names, reps[0].nkinds, reps[0].warmup, reps[0].duration);
    free(names);
    out->closed = 1; /* its overall histogram is pooled from the replications' */
    for (size_t k = 0; k < n && rc == 0; k++) {
        const zf_rec_t *r = &reps[k];
        out->arrivals += r->arrivals;
        out->ok += r->ok;
        out->failed += r->failed;
        for (int c = 0; c < ZF_CAUSE_COUNT; c++)
            out->by_cause[c] += r->by_cause[c];
        zf_hist_merge(&out->latency, &r->latency);
        for (size_t i = 0; i < out->nkinds && i < r->nkinds; i++) {
            out->kinds[i].total += r->kinds[i].total;
            out->kinds[i].ok += r->kinds[i].ok;
            out->kinds[i].failed += r->kinds[i].failed;
            zf_hist_merge(&out->kinds[i].latency, &r->kinds[i].latency);
        }
        rc = pool_seconds(out, r);
    }
    for (size_t i = 0; i < reps[0].nfaults && rc == 0; i++)
        rc = zf_rec_add_fault(out, &reps[0].faults[i]);
    if (rc == 0)
        rc = pool_metrics(out, reps, n);
    if (rc) {
        zf_rec_free(out);
        return ZF_ENOMEM;
    }
    pool_faults(out, reps, n);
    pool_data(out, reps, n);
    return 0;
}

/* ---------- histogram <-> JSON ---------- */

json_t *zf_hist_to_json(const zf_hist_t *h)
{
    json_t *counts = json_array();
    for (uint32_t i = h->lo; h->total && i <= h->hi; i++)
        if (h->counts[i])
            json_array_append_new(counts, json_pack("[Io]", (json_int_t)i,
                                                    jcount(h->counts[i])));
    return json_pack("{sssisIsIsfso}", "unit", "ns", "sub_bits", ZF_HIST_SUB_BITS, "min",
                     (json_int_t)(h->total ? h->min : 0), "max",
                     (json_int_t)(h->total ? h->max : 0), "sum", h->sum, "counts", counts);
}

int zf_hist_from_json(const json_t *j, zf_hist_t *h)
{
    const json_t *counts = json_object_get(j, "counts");
    if (!json_is_object(j) || json_integer_value(json_object_get(j, "sub_bits")) != ZF_HIST_SUB_BITS ||
        !json_is_array(counts))
        return ZF_EINVAL;
    size_t i;
    const json_t *e;
    json_array_foreach(counts, i, e) {
        json_int_t idx = json_integer_value(json_array_get(e, 0));
        json_int_t n = json_integer_value(json_array_get(e, 1));
        if (!json_is_array(e) || idx < 0 || idx >= ZF_HIST_BUCKETS || n < 0)
            return ZF_EINVAL;
        zf_hist_record_n(h, zf_hist_bucket_low((uint32_t)idx), (uint64_t)n);
    }
    if (h->total) { /* restore the exact extremes and sum */
        h->min = json_integer_value(json_object_get(j, "min"));
        h->max = json_integer_value(json_object_get(j, "max"));
        h->sum = json_number_value(json_object_get(j, "sum"));
    }
    return 0;
}

/* ---------- the results document ---------- */

static json_t *latency_json(const zf_hist_t *h)
{
    if (!h->total)
        return json_pack("{sisisisisisi}", "p50", 0, "p90", 0, "p99", 0, "p999", 0, "max", 0,
                         "mean", 0);
    return json_pack("{sosososososo}", "p50", jnum((double)zf_hist_quantile(h, 0.5) / 1e6),
                     "p90", jnum((double)zf_hist_quantile(h, 0.9) / 1e6), "p99",
                     jnum((double)zf_hist_quantile(h, 0.99) / 1e6), "p999",
                     jnum((double)zf_hist_quantile(h, 0.999) / 1e6), "max",
                     jnum((double)h->max / 1e6), "mean", jnum(zf_hist_mean(h) / 1e6));
}

static double availability(const zf_rec_t *r)
{
    uint64_t t = r->ok + r->failed;
    return t ? (double)r->ok / (double)t : NAN;
}

static json_t *requests_json(const zf_rec_t *r, int with_hist)
{
    json_t *by_kind = json_object(), *by_cause = json_object();
    for (size_t i = 0; i < r->nkinds; i++) {
        const zf_rec_kind_t *k = &r->kinds[i];
        json_t *o = json_pack("{sososo}", "total", jcount(k->total), "ok", jcount(k->ok),
                              "failed", jcount(k->failed));
        if (with_hist) {
            json_object_set_new(o, "latency_ms", latency_json(&k->latency));
            json_object_set_new(o, "latency_histogram", zf_hist_to_json(&k->latency));
        }
        json_object_set_new(by_kind, k->name, o);
    }
    for (int c = 1; c < ZF_CAUSE_COUNT; c++)
        json_object_set_new(by_cause, zf_cause_name((zf_cause_t)c), jcount(r->by_cause[c]));
    return json_pack("{sososososososo}", "generated", jcount(r->arrivals), "total",
                     jcount(r->ok + r->failed), "ok", jcount(r->ok), "failed", jcount(r->failed),
                     "in_flight", jcount(zf_rec_in_flight(r)), "by_kind", by_kind,
                     "failed_by_cause", by_cause);
}

static json_t *time_or_null(zf_time_t t)
{
    return t >= 0 ? json_real(zf_time_to_s(t)) : json_null();
}

static json_t *faults_json(const zf_rec_t *r)
{
    json_t *arr = json_array();
    for (size_t i = 0; i < r->nfaults; i++) {
        const zf_fault_rec_t *f = &r->faults[i];
        json_t *phases = json_pack("{sfsfsfsf}", "detection_s", zf_time_to_s(f->phase_detection),
                                   "dns_s", zf_time_to_s(f->phase_dns), "promotion_s",
                                   zf_time_to_s(f->phase_promotion), "launch_s",
                                   zf_time_to_s(f->phase_launch));
        json_t *o = json_pack("{sssssssosososososo}", "name", f->name, "kind",
                                             f->kind, "target", f->target, "start_s",
                                             time_or_null(f->start), "end_s", time_or_null(f->end),
                                             "detected_s", time_or_null(f->detected),
                                             "recovered_s", time_or_null(f->recovered), "rto_s",
                                             jnum(zf_fault_rto_s(f)), "rto_phases", phases);
        assert(o && "faults_json format");
        json_object_set_new(o, "rto_from_s", time_or_null(f->rto_from));
        json_array_append_new(arr, o);
    }
    return arr;
}

static json_t *data_loss_json(const zf_rec_t *r)
{
    return json_pack("{sosososo}", "acknowledged_writes", jcount(r->acked_writes),
                     "lost_writes", jcount(r->lost_writes), "indeterminate_writes",
                     jcount(r->indeterminate_writes), "rpo_s", jnum(r->rpo_s));
}

static json_t *metrics_json(const zf_rec_t *r)
{
    json_t *o = json_object();
    for (size_t i = 0; i < r->nmetrics; i++)
        json_object_set_new(o, r->metrics[i].name, jnum(r->metrics[i].value));
    return o;
}

/* Value of a scalar SI figure (for SLO output): ns objectives become seconds. */
static double si(const zf_slo_spec_t *s, double v)
{
    return zf_slo_type_is_time(s->type) ? v / 1e9 : v;
}

static const char *slo_unit(const zf_slo_spec_t *s)
{
    if (zf_slo_type_is_time(s->type))
        return "s";
    if (s->type == ZF_SLO_AVAILABILITY)
        return "fraction";
    if (s->type == ZF_SLO_LOST_WRITES)
        return "writes";
    return "x";
}

static json_t *slo_json(const zf_slo_spec_t *s, double measured, bool met, json_t *met_fraction)
{
    char text[96];
    zf_slo_objective_text(s, text, sizeof text);
    json_t *o = json_pack("{sssssosssssoso}", "name", s->name, "type", zf_slo_type_name(s->type),
                          "objective", jnum(si(s, s->objective)), "objective_text", text, "unit",
                          slo_unit(s), "measured", jnum(si(s, measured)), "met",
                          json_boolean(met));
    json_object_set_new(o, "met_fraction", met_fraction);
    if (s->type == ZF_SLO_LATENCY)
        json_object_set_new(o, "quantile", json_real(s->quantile));
    return o;
}

static json_t *run_json(const zf_results_meta_t *meta, const zf_rec_t *r, size_t idx,
                        const zf_slo_spec_t *slos, size_t nslos)
{
    json_t *rto = json_object(), *so = json_object();
    for (size_t i = 0; i < r->nfaults; i++)
        json_object_set_new(rto, r->faults[i].name, jnum(zf_fault_rto_s(&r->faults[i])));
    for (size_t i = 0; i < nslos; i++) {
        double m = zf_slo_measure(&slos[i], r);
        json_object_set_new(so, slos[i].name, json_pack("{sosb}", "measured",
                                                         jnum(si(&slos[i], m)), "met",
                                                         zf_slo_met(&slos[i], m)));
    }
    return json_pack("{sIsIsososososososososo}", "replication", (json_int_t)idx, "seed",
                     (json_int_t)(meta->rep_seeds ? meta->rep_seeds[idx] : meta->seed),
                     "requests",
                     json_pack("{sososo}", "total", jcount(r->ok + r->failed), "ok",
                               jcount(r->ok), "failed", jcount(r->failed)),
                     "availability", jnum(availability(r)), "latency_ms",
                     latency_json(&r->latency), "rto_s", rto, "lost_writes",
                     jcount(r->lost_writes), "rpo_s", jnum(r->rpo_s), "metrics",
                     metrics_json(r), "slos", so, "backlog_drain_s",
                     jnum(r->backlog_drain_s));
}

/* Adds the interval of one figure across replications under `name`. */
static void add_ci(json_t *intervals, const char *name, const double *x, size_t n, double level)
{
    zf_ci_t ci;
    for (size_t i = 0; i < n; i++)
        if (!isfinite(x[i]))
            return; /* a figure missing in one replication has no interval */
    if (zf_ci_compute(x, n, level, &ci) != 0)
        return;
    json_object_set_new(intervals, name,
                        json_pack("{sosososososI}", "mean", jnum(ci.mean), "half_width",
                                  jnum(ci.half_width), "lo", jnum(ci.lo), "hi", jnum(ci.hi),
                                  "stddev", jnum(ci.stddev), "n", (json_int_t)n));
}

static json_t *confidence_json(const zf_rec_t *reps, size_t n, double level)
{
    json_t *iv = json_object();
    double *x = calloc(n, sizeof *x);
    static const struct {
        const char *name;
        double q;
    } lat[] = {{"latency_ms.p50", 0.5}, {"latency_ms.p90", 0.9}, {"latency_ms.p99", 0.99},
               {"latency_ms.p999", 0.999}};
    if (!x)
        return iv;
    for (size_t k = 0; k < n; k++)
        x[k] = availability(&reps[k]);
    add_ci(iv, "availability", x, n, level);
    for (size_t l = 0; l < sizeof lat / sizeof lat[0]; l++) {
        for (size_t k = 0; k < n; k++)
            x[k] = reps[k].latency.total
                       ? (double)zf_hist_quantile(&reps[k].latency, lat[l].q) / 1e6 : NAN;
        add_ci(iv, lat[l].name, x, n, level);
    }
    for (size_t f = 0; f < reps[0].nfaults; f++) {
        char name[128];
        for (size_t k = 0; k < n; k++)
            x[k] = reps[k].nfaults == reps[0].nfaults ? zf_fault_rto_s(&reps[k].faults[f]) : NAN;
        snprintf(name, sizeof name, "faults.%s.rto_s", reps[0].faults[f].name);
        add_ci(iv, name, x, n, level);
    }
    for (size_t k = 0; k < n; k++)
        x[k] = (double)reps[k].lost_writes;
    add_ci(iv, "data_loss.lost_writes", x, n, level);
    for (size_t m = 0; m < reps[0].nmetrics; m++) {
        for (size_t k = 0; k < n; k++)
            x[k] = zf_rec_metric_get(&reps[k], reps[0].metrics[m].name);
        add_ci(iv, reps[0].metrics[m].name, x, n, level);
    }
    free(x);
    return json_pack("{sfsIso}", "level", level, "replications", (json_int_t)n, "intervals", iv);
}

/* The SLO array and verdict of `pooled`, with met fractions from `reps` when given. */
static json_t *slos_json(const zf_rec_t *pooled, const zf_rec_t *reps, size_t nreps,
                         const zf_slo_spec_t *slos, size_t nslos, bool *pass)
{
    json_t *arr = json_array();
    *pass = true;
    for (size_t i = 0; i < nslos; i++) {
        double m = zf_slo_measure(&slos[i], pooled);
        bool met = zf_slo_met(&slos[i], m);
        size_t nmet = 0;
        for (size_t k = 0; k < nreps; k++)
            nmet += zf_slo_met(&slos[i], zf_slo_measure(&slos[i], &reps[k]));
        json_array_append_new(arr, slo_json(&slos[i], m, met,
                                            nreps ? json_real((double)nmet / (double)nreps)
                                                  : json_null()));
        *pass = *pass && met;
    }
    return arr;
}

int zf_results_build(const zf_results_meta_t *meta, const zf_rec_t *pooled,
                     const zf_rec_t *reps, size_t nreps, const zf_slo_spec_t *slos,
                     size_t nslos, json_t **out, bool *pass)
{
    json_t *runs = json_array();
    for (size_t k = 0; k < nreps; k++)
        json_array_append_new(runs, run_json(meta, &reps[k], k, slos, nslos));
    json_t *doc = json_object();
    json_object_set_new(doc, "zonefall_version", json_string(ZF_VERSION));
    json_object_set_new(doc, "mode", json_string(meta->mode));
    json_object_set_new(doc, "scenario", json_string(meta->scenario));
    json_object_set_new(doc, "scenario_file", json_string(meta->scenario_file ? meta->scenario_file : ""));
    json_object_set_new(doc, "description", json_string(meta->description ? meta->description : ""));
    json_object_set_new(doc, "seed", json_integer((json_int_t)meta->seed));
    json_object_set_new(doc, "replications", json_integer((json_int_t)nreps));
    json_object_set_new(doc, "duration_s", json_real(zf_time_to_s(pooled->duration)));
    json_object_set_new(doc, "warmup_s", json_real(zf_time_to_s(pooled->warmup)));
    json_object_set_new(doc, "status", json_string(meta->aborted ? "aborted"
                                                   : meta->incomplete ? "incomplete" : "complete"));
    json_object_set_new(doc, "requests", requests_json(pooled, 1));
    json_object_set_new(doc, "availability", jnum(availability(pooled)));
    json_object_set_new(doc, "latency_ms", latency_json(&pooled->latency));
    json_object_set_new(doc, "faults", faults_json(pooled));
    json_object_set_new(doc, "data_loss", data_loss_json(pooled));
    json_object_set_new(doc, "backlog_drain_s", jnum(pooled->backlog_drain_s));
    if (isinf(pooled->backlog_drain_s)) /* JSON has no infinity: null alone reads as none formed */
        json_object_set_new(doc, "backlog_never_drained", json_true());
    json_object_set_new(doc, "metrics", metrics_json(pooled));
    json_object_set_new(doc, "confidence", confidence_json(reps, nreps, meta->confidence));
    json_object_set_new(doc, "slos", slos_json(pooled, reps, nreps, slos, nslos, pass));
    json_object_set_new(doc, "verdict", json_string(*pass ? "pass" : "fail"));
    json_object_set_new(doc, "runs", runs);
    json_object_set_new(doc, "latency_histogram", zf_hist_to_json(&pooled->latency));
    *out = doc;
    return 0;
}

/* ---------- re-evaluation of stored results (zonefall check) ---------- */

/* The measured value of `s` in one stored run, or NAN when the run entry cannot tell. */
static double run_measure(const zf_slo_spec_t *s, const json_t *run, int *known)
{
    *known = 1;
    const json_t *lat = json_object_get(run, "latency_ms");
    switch (s->type) {
    case ZF_SLO_AVAILABILITY:
        if (s->window == 0 && !s->kind[0])
            return json_number_value(json_object_get(run, "availability"));
        break;
    case ZF_SLO_LATENCY:
        if (s->kind[0])
            break;
        if (fabs(s->quantile - 0.5) < 1e-12)
            return json_number_value(json_object_get(lat, "p50")) * 1e6;
        if (fabs(s->quantile - 0.9) < 1e-12)
            return json_number_value(json_object_get(lat, "p90")) * 1e6;
        if (fabs(s->quantile - 0.99) < 1e-12)
            return json_number_value(json_object_get(lat, "p99")) * 1e6;
        if (fabs(s->quantile - 0.999) < 1e-12)
            return json_number_value(json_object_get(lat, "p999")) * 1e6;
        break;
    case ZF_SLO_RTO: {
        const json_t *rto = json_object_get(run, "rto_s");
        const char *name;
        const json_t *v;
        double worst = 0;
        json_object_foreach((json_t *)rto, name, v) {
            if (s->fault[0] && strcmp(s->fault, name) != 0)
                continue;
            if (!json_is_number(v))
                return NAN;
            worst = fmax(worst, json_number_value(v));
        }
        return worst * 1e9;
    }
    case ZF_SLO_LOST_WRITES:
        return json_number_value(json_object_get(run, "lost_writes"));
    case ZF_SLO_RPO:
        return json_number_value(json_object_get(run, "rpo_s")) * 1e9;
    default:
        break;
    }
    *known = 0;
    return NAN;
}

int zf_results_reevaluate(json_t *results, const zf_rec_t *pooled, const zf_slo_spec_t *slos,
                          size_t nslos, bool *pass, zf_err_t *err)
{
    (void)err;
    const json_t *runs = json_object_get(results, "runs");
    json_t *arr = json_array();
    *pass = true;
    for (size_t i = 0; i < nslos; i++) {
        double m = zf_slo_measure(&slos[i], pooled);
        bool met = zf_slo_met(&slos[i], m);
        size_t n = json_array_size(runs), nmet = 0;
        int known = n > 0;
        for (size_t k = 0; k < n && known; k++)
            nmet += zf_slo_met(&slos[i], run_measure(&slos[i], json_array_get(runs, k), &known));
        json_array_append_new(arr, slo_json(&slos[i], m, met,
                                            known ? json_real((double)nmet / (double)n)
                                                  : json_null()));
        *pass = *pass && met;
    }
    json_object_set_new(results, "slos", arr);
    json_object_set_new(results, "verdict", json_string(*pass ? "pass" : "fail"));
    return 0;
}

static zf_time_t secs_to_ns(const json_t *v)
{
    return json_is_number(v) ? (zf_time_t)llround(json_number_value(v) * 1e9) : -1;
}

static const char *str_or_empty(const json_t *v)
{
    return json_is_string(v) ? json_string_value(v) : "";
}

static int load_faults(const json_t *faults, zf_rec_t *out)
{
    size_t i;
    const json_t *f;
    json_array_foreach(faults, i, f) {
        zf_fault_rec_t fr = {0};
        const json_t *ph = json_object_get(f, "rto_phases");
        snprintf(fr.name, sizeof fr.name, "%s", str_or_empty(json_object_get(f, "name")));
        snprintf(fr.kind, sizeof fr.kind, "%s", str_or_empty(json_object_get(f, "kind")));
        snprintf(fr.target, sizeof fr.target, "%s", str_or_empty(json_object_get(f, "target")));
        fr.start = secs_to_ns(json_object_get(f, "start_s"));
        fr.end = secs_to_ns(json_object_get(f, "end_s"));
        fr.detected = secs_to_ns(json_object_get(f, "detected_s"));
        fr.recovered = secs_to_ns(json_object_get(f, "recovered_s"));
        fr.rto_from = secs_to_ns(json_object_get(f, "rto_from_s"));
        fr.phase_detection = secs_to_ns(json_object_get(ph, "detection_s"));
        fr.phase_dns = secs_to_ns(json_object_get(ph, "dns_s"));
        fr.phase_promotion = secs_to_ns(json_object_get(ph, "promotion_s"));
        fr.phase_launch = secs_to_ns(json_object_get(ph, "launch_s"));
        if (zf_rec_add_fault(out, &fr))
            return ZF_ENOMEM;
    }
    return 0;
}

/* Reads the ok and failed columns of timeseries.csv into out's per-second arrays. */
static int load_series(const char *file, zf_rec_t *out, zf_err_t *err)
{
    FILE *f = fopen(file, "r");
    if (!f)
        return zf_err_set(err, ZF_EINVAL, "%s: cannot open: %s", file, strerror(errno));
    char line[65536];
    int col_ok = -1, col_failed = -1, rc = 0;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return zf_err_set(err, ZF_EINVAL, "%s:1: expected a header line", file);
    }
    int c = 0;
    for (char *tok = strtok(line, ",\n"); tok; tok = strtok(NULL, ",\n"), c++) {
        if (strcmp(tok, "ok") == 0)
            col_ok = c;
        if (strcmp(tok, "failed") == 0)
            col_failed = c;
    }
    if (col_ok < 0 || col_failed < 0) {
        fclose(f);
        return zf_err_set(err, ZF_EINVAL, "%s:1: expected columns \"ok\" and \"failed\"", file);
    }
    for (size_t lineno = 2; rc == 0 && fgets(line, sizeof line, f); lineno++) {
        unsigned long long ok = 0, failed = 0;
        int seen = 0;
        c = 0;
        for (char *tok = strtok(line, ",\n"); tok; tok = strtok(NULL, ",\n"), c++) {
            char *end;
            unsigned long long v = strtoull(tok, &end, 10);
            if (c == col_ok || c == col_failed) {
                if (*end)
                    rc = zf_err_set(err, ZF_EINVAL, "%s:%zu: column %d: expected a count, got \"%s\"",
                                    file, lineno, c + 1, tok);
                *(c == col_ok ? &ok : &failed) = v;
                seen++;
            }
        }
        if (rc == 0 && seen != 2)
            rc = zf_err_set(err, ZF_EINVAL, "%s:%zu: expected at least %d columns", file, lineno,
                            (col_ok > col_failed ? col_ok : col_failed) + 1);
        if (rc == 0 && zf_rec_tick(out, lineno - 2, 0) != 0)
            rc = ZF_ENOMEM;
        if (rc == 0) {
            out->per_sec_ok[lineno - 2] = (uint32_t)ok;
            out->per_sec_failed[lineno - 2] = (uint32_t)failed;
        }
    }
    fclose(f);
    return rc;
}

static int load_kinds(const json_t *by_kind, const char *file, zf_rec_t *out, zf_err_t *err)
{
    size_t n = json_object_size(by_kind), i = 0;
    const char **names = calloc(n + 1, sizeof *names);
    const char *key;
    const json_t *v;
    if (!names)
        return ZF_ENOMEM;
    json_object_foreach((json_t *)by_kind, key, v) names[i++] = key;
    int rc = zf_rec_init(out, names, n, out->warmup, out->duration);
    free(names);
    out->closed = 1; /* the overall histogram is read as stored */
    i = 0;
    json_object_foreach((json_t *)by_kind, key, v) {
        if (rc)
            break;
        zf_rec_kind_t *k = &out->kinds[i++];
        k->total = (uint64_t)json_integer_value(json_object_get(v, "total"));
        k->ok = (uint64_t)json_integer_value(json_object_get(v, "ok"));
        k->failed = (uint64_t)json_integer_value(json_object_get(v, "failed"));
        const json_t *h = json_object_get(v, "latency_histogram");
        if (h && zf_hist_from_json(h, &k->latency) != 0)
            rc = zf_err_set(err, ZF_EINVAL, "%s: $.requests.by_kind.%s.latency_histogram: "
                            "expected a zonefall histogram", file, key);
    }
    return rc;
}

int zf_results_load_rec(const char *results_file, const json_t *res,
                        const char *timeseries_file, zf_rec_t *out, zf_err_t *err)
{
    const json_t *req = json_object_get(res, "requests");
    const json_t *by_kind = json_object_get(req, "by_kind");
    const json_t *dl = json_object_get(res, "data_loss");
    memset(out, 0, sizeof *out);
    if (!json_is_object(req) || !json_is_object(by_kind))
        return zf_err_set(err, ZF_EINVAL, "%s: $.requests.by_kind: expected an object "
                          "(is this a zonefall results.json?)", results_file);
    out->warmup = secs_to_ns(json_object_get(res, "warmup_s"));
    out->duration = secs_to_ns(json_object_get(res, "duration_s"));
    if (out->warmup < 0)
        out->warmup = 0;
    int rc = load_kinds(by_kind, results_file, out, err);
    if (rc)
        return rc;
    out->backlog_drain_s = NAN;
    out->arrivals = (uint64_t)json_integer_value(json_object_get(req, "generated"));
    out->ok = (uint64_t)json_integer_value(json_object_get(req, "ok"));
    out->failed = (uint64_t)json_integer_value(json_object_get(req, "failed"));
    if (zf_hist_from_json(json_object_get(res, "latency_histogram"), &out->latency) != 0)
        return zf_err_set(err, ZF_EINVAL, "%s: $.latency_histogram: expected a zonefall "
                          "histogram", results_file);
    out->acked_writes = (uint64_t)json_integer_value(json_object_get(dl, "acknowledged_writes"));
    out->lost_writes = (uint64_t)json_integer_value(json_object_get(dl, "lost_writes"));
    out->rpo_s = json_number_value(json_object_get(dl, "rpo_s"));
    if (json_is_number(json_object_get(res, "backlog_drain_s")))
        out->backlog_drain_s = json_number_value(json_object_get(res, "backlog_drain_s"));
    else if (json_is_true(json_object_get(res, "backlog_never_drained")))
        out->backlog_drain_s = INFINITY; /* a backlog_drain SLO is missed, as in the run */
    if ((rc = load_faults(json_object_get(res, "faults"), out)))
        return rc;
    return timeseries_file ? load_series(timeseries_file, out, err) : 0;
}

/* ---------- files ---------- */

int zf_write_atomic(const char *dir, const char *name, const char *text, size_t len,
                    zf_err_t *err)
{
    char tmp[4096], dst[4096];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp", dir, name);
    snprintf(dst, sizeof dst, "%s/%s", dir, name);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0)
        return zf_err_set(err, ZF_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            int e = errno;
            close(fd);
            unlink(tmp);
            return zf_err_set(err, ZF_EIO, "%s: write failed: %s", tmp, strerror(e));
        }
        off += (size_t)w;
    }
    if (fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dst) != 0) {
        int e = errno;
        unlink(tmp);
        return zf_err_set(err, ZF_EIO, "%s: cannot write: %s", dst, strerror(e));
    }
    return 0;
}

int zf_results_write(const char *dir, const json_t *results, zf_err_t *err)
{
    char *text = json_dumps(results, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
    if (!text)
        return zf_err_set(err, ZF_ENOMEM, "out of memory serialising results");
    size_t len = strlen(text);
    text[len] = 0;
    char *buf = malloc(len + 2);
    int rc;
    if (!buf) {
        free(text);
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    }
    memcpy(buf, text, len);
    buf[len] = '\n';
    rc = zf_write_atomic(dir, "results.json", buf, len + 1, err);
    free(buf);
    free(text);
    return rc;
}

int zf_results_read(const char *dir, json_t **out, zf_err_t *err)
{
    char path[4096];
    json_error_t je;
    snprintf(path, sizeof path, "%s/results.json", dir);
    FILE *f = fopen(path, "rb");
    if (!f)
        return zf_err_set(err, ZF_EINVAL, "%s: cannot open: %s", path, strerror(errno));
    json_t *root = json_loadf(f, 0, &je);
    fclose(f);
    if (!root)
        return zf_err_set(err, ZF_EINVAL, "%s:%d:%d: JSON syntax error: %s", path, je.line,
                          je.column, je.text);
    if (!json_is_object(root) || !json_is_string(json_object_get(root, "mode"))) {
        json_decref(root);
        return zf_err_set(err, ZF_EINVAL, "%s: $.mode: expected a zonefall results file", path);
    }
    *out = root;
    return 0;
}
