/* recorder: counters, histograms and the per-second series of one replication. */
#include "metrics/recorder.h"
#include "engine/err.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

int zf_rec_init(zf_rec_t *r, const char *const *kind_names, size_t nkinds, zf_time_t warmup,
                zf_time_t duration)
{
    memset(r, 0, sizeof *r);
    r->warmup = warmup;
    r->duration = duration;
    r->backlog_drain_s = NAN;
    r->kinds = calloc(nkinds ? nkinds : 1, sizeof *r->kinds);
    if (!r->kinds)
        return ZF_ENOMEM;
    r->nkinds = nkinds;
    for (size_t i = 0; i < nkinds; i++) {
        snprintf(r->kinds[i].name, sizeof r->kinds[i].name, "%s", kind_names[i]);
        if (zf_hist_init(&r->kinds[i].latency) != 0)
            goto fail;
    }
    if (zf_hist_init(&r->latency) != 0 || zf_hist_init(&r->sec_latency) != 0)
        goto fail;
    return 0;
fail:
    zf_rec_free(r);
    return ZF_ENOMEM;
}

void zf_rec_close(zf_rec_t *r)
{
    if (r->closed)
        return;
    for (size_t i = 0; i < r->nkinds; i++)
        zf_hist_merge(&r->latency, &r->kinds[i].latency);
    r->closed = 1;
}

void zf_rec_free(zf_rec_t *r)
{
    for (size_t i = 0; r->kinds && i < r->nkinds; i++)
        zf_hist_free(&r->kinds[i].latency);
    free(r->kinds);
    zf_hist_free(&r->latency);
    zf_hist_free(&r->sec_latency);
    free(r->per_sec_ok);
    free(r->per_sec_failed);
    free(r->gauge_names);
    free(r->gauges);
    free(r->metrics);
    free(r->faults);
    memset(r, 0, sizeof *r);
}

int zf_rec_add_gauge(zf_rec_t *r, const char *name)
{
    size_t n = r->ngauges + 1;
    char(*names)[ZF_REC_NAME_MAX] = realloc(r->gauge_names, n * sizeof *names);
    if (!names)
        return ZF_ENOMEM;
    r->gauge_names = names;
    double *g = realloc(r->gauges, n * sizeof *g);
    if (!g)
        return ZF_ENOMEM;
    r->gauges = g;
    snprintf(names[n - 1], ZF_REC_NAME_MAX, "%s", name);
    g[n - 1] = 0;
    r->ngauges = n;
    return (int)(n - 1);
}

int zf_rec_open_csv(zf_rec_t *r, FILE *csv)
{
    r->csv = csv;
    fputs("t_s,arrivals,ok,failed,in_flight,latency_p50_ms,latency_p99_ms,latency_p999_ms", csv);
    for (int c = 1; c < ZF_CAUSE_COUNT; c++)
        fprintf(csv, ",failed_%s", zf_cause_name((zf_cause_t)c));
    for (size_t i = 0; i < r->ngauges; i++)
        fprintf(csv, ",%s", r->gauge_names[i]);
    fputc('\n', csv);
    return ferror(csv) ? ZF_EIO : 0;
}

static int grow_seconds(zf_rec_t *r)
{
    size_t cap = r->sec_cap ? r->sec_cap * 2 : 4096;
    uint32_t *a = realloc(r->per_sec_ok, cap * sizeof *a);
    if (!a)
        return ZF_ENOMEM;
    r->per_sec_ok = a;
    uint32_t *b = realloc(r->per_sec_failed, cap * sizeof *b);
    if (!b)
        return ZF_ENOMEM;
    r->per_sec_failed = b;
    r->sec_cap = cap;
    return 0;
}

static void write_row(zf_rec_t *r, uint64_t sec, uint64_t in_flight)
{
    FILE *f = r->csv;
    double p50 = 0, p99 = 0, p999 = 0;
    if (r->sec_latency.total) {
        p50 = (double)zf_hist_quantile(&r->sec_latency, 0.5) / 1e6;
        p99 = (double)zf_hist_quantile(&r->sec_latency, 0.99) / 1e6;
        p999 = (double)zf_hist_quantile(&r->sec_latency, 0.999) / 1e6;
    }
    fprintf(f, "%llu,%llu,%llu,%llu,%llu,%.6g,%.6g,%.6g", (unsigned long long)sec,
            (unsigned long long)r->sec_arr, (unsigned long long)r->sec_ok,
            (unsigned long long)r->sec_failed, (unsigned long long)in_flight, p50, p99, p999);
    for (int c = 1; c < ZF_CAUSE_COUNT; c++)
        fprintf(f, ",%llu", (unsigned long long)r->sec_cause[c]);
    for (size_t i = 0; i < r->ngauges; i++)
        fprintf(f, ",%.6g", r->gauges[i]);
    fputc('\n', f);
    if (ferror(f))
        r->io_error = 1;
}

int zf_rec_tick(zf_rec_t *r, uint64_t sec, uint64_t in_flight)
{
    while (r->nsec <= sec) {
        if (r->nsec == r->sec_cap && grow_seconds(r) != 0)
            return ZF_ENOMEM;
        r->per_sec_ok[r->nsec] = 0;
        r->per_sec_failed[r->nsec] = 0;
        r->nsec++;
    }
    r->per_sec_ok[sec] = (uint32_t)r->sec_ok;
    r->per_sec_failed[sec] = (uint32_t)r->sec_failed;
    if (r->csv)
        write_row(r, sec, in_flight);
    r->sec_arr = r->sec_ok = r->sec_failed = 0;
    memset(r->sec_cause, 0, sizeof r->sec_cause);
    zf_hist_reset(&r->sec_latency);
    return r->io_error ? ZF_EIO : 0;
}

int zf_rec_metric(zf_rec_t *r, const char *name, double value)
{
    for (size_t i = 0; i < r->nmetrics; i++)
        if (strcmp(r->metrics[i].name, name) == 0) {
            r->metrics[i].value = value;
            return 0;
        }
    zf_metric_t *m = realloc(r->metrics, (r->nmetrics + 1) * sizeof *m);
    if (!m)
        return ZF_ENOMEM;
    r->metrics = m;
    snprintf(m[r->nmetrics].name, sizeof m[r->nmetrics].name, "%s", name);
    m[r->nmetrics].value = value;
    r->nmetrics++;
    return 0;
}

double zf_rec_metric_get(const zf_rec_t *r, const char *name)
{
    for (size_t i = 0; i < r->nmetrics; i++)
        if (strcmp(r->metrics[i].name, name) == 0)
            return r->metrics[i].value;
    return NAN;
}

int zf_rec_add_fault(zf_rec_t *r, const zf_fault_rec_t *f)
{
    zf_fault_rec_t *v = realloc(r->faults, (r->nfaults + 1) * sizeof *v);
    if (!v)
        return ZF_ENOMEM;
    r->faults = v;
    v[r->nfaults++] = *f;
    return 0;
}

double zf_fault_rto_s(const zf_fault_rec_t *f)
{
    if (f->recovered < 0)
        return NAN;
    zf_time_t from = f->rto_from > f->start ? f->rto_from : f->start;
    return f->recovered > from ? zf_time_to_s(f->recovered - from) : 0.0;
}
