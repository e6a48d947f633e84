/* cmd_merge: `zonefall merge DIR... -o OUT`: combines the results of the N shards of a
 * replay (--shard K/N) into one results directory, exactly where the figures allow it:
 * counts summed, latency, lag and service-time histograms merged bucket by bucket, the
 * per-second series summed by second, each fault's detection the earliest and its
 * recovery and backlog drain recomputed from the merged series, data loss summed, SLOs
 * judged again. */
#include "cli/cli.h"
#include "loadgen/replay.h"
#include "metrics/recovery.h"
#include "metrics/results.h"
#include "scenario/slo_spec.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "merge"
#define WATCH_AFTER (5 * ZF_MIN) /* as the replayer's fault horizon */

static const char usage[] =
    "Usage: zonefall merge DIR... -o OUT\n"
    "Combine the results of the shards of one replay (zonefall replay --shard K/N, one\n"
    "directory each, all N of them) into OUT/results.json and OUT/timeseries.csv.\n"
    "\n"
    "  -o, --output OUT   directory for the merged results (created if needed)\n"
    "  -q, --quiet        print nothing on success but the verdict line\n"
    "  -h, --help         this text\n"
    "\n"
    "Counts, histograms and per-second counts are summed exactly; per-second latency\n"
    "percentiles are the largest of the shards'. Faults come from the first shard, with\n"
    "detection the earliest of any shard and recovery judged again on the merged series.\n"
    "Exit status: 0 every SLO met, 1 an SLO missed, 2 bad input or usage (shards of\n"
    "different runs, a shard missing or given twice), 3 I/O error, a shard incomplete, or a\n"
    "fault command of a shard failed.\n";

typedef struct shard {
    const char *dir;
    json_t *res;
    zf_rec_t rec;
    char rfile[4096], tfile[4096];
    int k, n;
} shard_t;

static const json_t *path2(const json_t *o, const char *a, const char *b)
{
    return json_object_get(json_object_get(o, a), b);
}

static double num(const json_t *v) { return json_is_number(v) ? json_number_value(v) : NAN; }

/* ---- loading and checking ---- */

static int load_shard(shard_t *s, zf_err_t *err)
{
    snprintf(s->rfile, sizeof s->rfile, "%s/results.json", s->dir);
    snprintf(s->tfile, sizeof s->tfile, "%s/timeseries.csv", s->dir);
    int rc = zf_results_read(s->dir, &s->res, err);
    if (rc)
        return rc;
    const char *mode = json_string_value(json_object_get(s->res, "mode"));
    if (strcmp(mode, "replay") != 0)
        return zf_err_set(err, ZF_EINVAL, "%s: results of mode \"%s\"; merge combines the "
                          "shards of a replay", s->rfile, mode);
    const json_t *sh = path2(s->res, "replay", "shard");
    s->k = (int)json_integer_value(json_object_get(sh, "k"));
    s->n = (int)json_integer_value(json_object_get(sh, "n"));
    if (s->n < 1 || s->k < 1 || s->k > s->n)
        return zf_err_set(err, ZF_EINVAL, "%s: $.replay.shard: expected {\"k\": K, \"n\": N}",
                          s->rfile);
    return 0;
}

/* The shards must be the N slices of one run: same scenario, seed, window, speed, scale. */
static int check_same(const shard_t *a, const shard_t *b, zf_err_t *err)
{
    static const char *const top[] = {"scenario", "seed", NULL};
    static const char *const rep[] = {"from_s", "to_s", "speed", "scale", "trace", NULL};
    for (size_t i = 0; top[i]; i++)
        if (!json_equal(json_object_get(a->res, top[i]), json_object_get(b->res, top[i])))
            return zf_err_set(err, ZF_EINVAL, "%s: another run: its %s differs from %s's",
                              b->rfile, top[i], a->dir);
    for (size_t i = 0; rep[i]; i++)
        if (!json_equal(path2(a->res, "replay", rep[i]), path2(b->res, "replay", rep[i])))
            return zf_err_set(err, ZF_EINVAL, "%s: another run: its replay.%s differs from "
                              "%s's", b->rfile, rep[i], a->dir);
    if (a->n != b->n)
        return zf_err_set(err, ZF_EINVAL, "%s: shard %d/%d, but %s is shard %d/%d", b->rfile,
                          b->k, b->n, a->dir, a->k, a->n);
    return 0;
}

static int check_shards(const shard_t *s, size_t n, zf_err_t *err)
{
    for (size_t i = 1; i < n; i++) {
        int rc = check_same(&s[0], &s[i], err);
        if (rc)
            return rc;
        for (size_t j = 0; j < i; j++)
            if (s[j].k == s[i].k)
                return zf_err_set(err, ZF_EINVAL, "shard %d/%d given twice (%s and %s)",
                                  s[i].k, s[i].n, s[j].dir, s[i].dir);
    }
    char missing[512] = "";
    size_t used = 0;
    for (int k = 1; k <= s[0].n; k++) {
        bool have = false;
        for (size_t i = 0; i < n; i++)
            have = have || s[i].k == k;
        if (!have && used + 16 < sizeof missing)
            used += (size_t)snprintf(missing + used, sizeof missing - used, "%s%d/%d",
                                     used ? ", " : "", k, s[0].n);
    }
    if (used)
        return zf_err_set(err, ZF_EINVAL, "missing shard%s %s (give every shard's directory)",
                          strchr(missing, ',') ? "s" : "", missing);
    return 0;
}

/* Fills what zf_results_load_rec does not read: causes, indeterminate writes, metrics. */
static int load_rec(shard_t *s, zf_err_t *err)
{
    int rc = zf_results_load_rec(s->rfile, s->res, s->tfile, &s->rec, err);
    if (rc)
        return rc;
    const json_t *causes = path2(s->res, "requests", "failed_by_cause");
    for (int c = 1; c < ZF_CAUSE_COUNT; c++)
        s->rec.by_cause[c] = (uint64_t)json_integer_value(json_object_get(causes,
                                                                          zf_cause_name((zf_cause_t)c)));
    s->rec.indeterminate_writes =
        (uint64_t)json_integer_value(path2(s->res, "data_loss", "indeterminate_writes"));
    const char *key;
    const json_t *v;
    json_object_foreach(json_object_get(s->res, "metrics"), key, v)
        if (zf_rec_metric(&s->rec, key, num(v)) < 0)
            return zf_err_set(err, ZF_ENOMEM, "out of memory");
    return 0;
}

/* ---- merging figures ---- */

/* The histogram at replay.engine.NAME of every shard, merged. 0 or ZF_EINVAL/ZF_ENOMEM. */
static int merged_hist(const shard_t *s, size_t n, const char *name, zf_hist_t *h)
{
    if (zf_hist_init(h) < 0)
        return ZF_ENOMEM;
    for (size_t i = 0; i < n; i++) {
        const json_t *j = json_object_get(path2(s[i].res, "replay", "engine"), name);
        if (j && zf_hist_from_json(j, h) < 0)
            return ZF_EINVAL;
    }
    return 0;
}

static double q_ms(const zf_hist_t *h, double q)
{
    return h->total ? (double)zf_hist_quantile(h, q) / 1e6 : 0;
}

/* Metrics: sums, but the speed (shared) and the percentiles, from merged histograms
 * (which go into engine too). */
static int merge_metrics(zf_rec_t *out, const shard_t *s, size_t n, json_t *engine)
{
    for (size_t m = 0; m < s[0].rec.nmetrics; m++) {
        const char *name = s[0].rec.metrics[m].name;
        double sum = 0;
        for (size_t i = 0; i < n; i++)
            sum += zf_rec_metric_get(&s[i].rec, name);
        if (zf_rec_metric(out, name, strcmp(name, "replay.speed") ? sum : s[0].rec.metrics[m].value))
            return ZF_ENOMEM;
    }
    static const char *const hists[] = {"lag_histogram", "service_histogram",
                                        "dispatch_lag_histogram"};
    static const struct { const char *metric; int hist; double q; } pct[] = {
        {"replay.lag_p50_ms", 0, 0.5}, {"replay.lag_p99_ms", 0, 0.99},
        {"replay.lag_p999_ms", 0, 0.999}, {"replay.lag_max_ms", 0, 1},
        {"replay.service_p50_ms", 1, 0.5}, {"replay.service_p99_ms", 1, 0.99},
        {"replay.dispatch_lag_p99_ms", 2, 0.99}};
    zf_hist_t h[3];
    int rc = 0;
    for (int i = 0; i < 3; i++)
        if (merged_hist(s, n, hists[i], &h[i]) < 0)
            rc = ZF_EINVAL;
    for (size_t i = 0; rc == 0 && i < sizeof pct / sizeof *pct; i++) {
        const zf_hist_t *x = &h[pct[i].hist];
        double v = pct[i].q < 1 ? q_ms(x, pct[i].q) : x->total ? (double)x->max / 1e6 : 0;
        rc = zf_rec_metric(out, pct[i].metric, v);
    }
    for (int i = 0; i < 3; i++) {
        if (rc == 0)
            json_object_set_new(engine, hists[i], zf_hist_to_json(&h[i]));
        zf_hist_free(&h[i]);
    }
    return rc;
}

/* Faults: the first shard's, detection the earliest, recovery from the merged series. */
static void merge_faults(zf_rec_t *out, const shard_t *s, size_t n)
{
    const json_t *rcv = path2(s[0].res, "replay", "recovery");
    double thr = num(json_object_get(rcv, "threshold"));
    zf_time_t win = 0;
    zf_time_from_seconds(fmax(0, num(json_object_get(rcv, "window_s"))), &win);
    for (size_t f = 0; f < out->nfaults; f++) {
        zf_fault_rec_t *fr = &out->faults[f];
        fr->detected = -1;
        for (size_t i = 0; i < n; i++) {
            if (s[i].rec.nfaults != out->nfaults)
                continue;
            zf_time_t d = s[i].rec.faults[f].detected;
            if (d >= 0 && (fr->detected < 0 || d < fr->detected))
                fr->detected = d;
        }
        if (!isnan(thr))
            fr->recovered = zf_recovered_at(out, thr, win, fr->start, fr->end + WATCH_AFTER);
    }
}

/* data_loss.KEY of the first shard with every integer (at any depth) summed over the
 * shards and every boolean and'ed; other values are the first shard's. New reference. */
static json_t *sum_into(json_t *dst, const json_t *src)
{
    const char *k;
    json_t *v;
    json_object_foreach(dst, k, v) {
        const json_t *o = json_object_get(src, k);
        if (json_is_integer(v))
            json_integer_set(v, json_integer_value(v) + json_integer_value(o));
        else if (json_is_boolean(v))
            json_object_set_new(dst, k, json_boolean(json_is_true(v) && json_is_true(o)));
        else if (json_is_object(v))
            sum_into(v, o);
    }
    return dst;
}

static json_t *sum_objects(const shard_t *s, size_t n, const char *key)
{
    json_t *out = json_deep_copy(path2(s[0].res, "data_loss", key));
    if (!out)
        return json_null();
    for (size_t i = 1; i < n; i++)
        sum_into(out, path2(s[i].res, "data_loss", key));
    return out;
}

/* Data loss: counts summed; the RPO spans the lost writes of every shard. */
static json_t *merge_data_loss(zf_rec_t *out, const shard_t *s, size_t n)
{
    static const char *const sums[] = {"writes", "failed_writes", "indeterminate_stored",
                                       "duplicated_writes", "unverified_writes", NULL};
    json_t *dl = json_object();
    bool verified = true;
    double first = INFINITY, last = -INFINITY;
    for (size_t k = 0; sums[k]; k++) {
        json_int_t t = 0;
        for (size_t i = 0; i < n; i++)
            t += json_integer_value(path2(s[i].res, "data_loss", sums[k]));
        json_object_set_new(dl, sums[k], json_integer(t));
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *d = json_object_get(s[i].res, "data_loss");
        verified = verified && json_is_true(json_object_get(d, "verified"));
        first = fmin(first, num(json_object_get(d, "lost_first_s")));
        last = fmax(last, num(json_object_get(d, "lost_last_s")));
    }
    json_object_set_new(dl, "verified", json_boolean(verified));
    json_object_set_new(dl, "verification", sum_objects(s, n, "verification"));
    json_object_set_new(dl, "by_kind", sum_objects(s, n, "by_kind"));
    json_object_set_new(dl, "lost_first_s", isfinite(first) ? json_real(first) : json_null());
    json_object_set_new(dl, "lost_last_s", isfinite(last) ? json_real(last) : json_null());
    out->rpo_s = !verified ? NAN : isfinite(first) ? last - first : 0;
    return dl;
}

/* ---- the per-second series ---- */

/* Column kinds of timeseries.csv: counts and gauges add up, percentiles take the max. */
static bool is_max_column(const char *name)
{
    return strstr(name, "latency_p") || strstr(name, "lag_p") || strcmp(name, "faults.injected") == 0;
}

typedef struct series {
    char header[8192];
    double *v;             /* rows x cols */
    size_t rows, cols, cap;
} series_t;

static int add_row(series_t *m, size_t row, char *line, const char *file, size_t lineno,
                   zf_err_t *err)
{
    while (row >= m->cap) {
        size_t cap = m->cap ? m->cap * 2 : 1024;
        double *v = realloc(m->v, cap * m->cols * sizeof *v);
        if (!v)
            return zf_err_set(err, ZF_ENOMEM, "out of memory");
        memset(v + m->cap * m->cols, 0, (cap - m->cap) * m->cols * sizeof *v);
        m->v = v;
        m->cap = cap;
    }
    char *save = NULL, *hsave = NULL, hcopy[8192];
    snprintf(hcopy, sizeof hcopy, "%s", m->header);
    char *h = strtok_r(hcopy, ",\n", &hsave);
    size_t c = 0;
    for (char *tok = strtok_r(line, ",\n", &save); tok; tok = strtok_r(NULL, ",\n", &save), c++) {
        char *end;
        double x = strtod(tok, &end);
        if (c >= m->cols || *end)
            return zf_err_set(err, ZF_EINVAL, "%s:%zu: expected %zu numbers", file, lineno, m->cols);
        double *d = &m->v[row * m->cols + c];
        *d = c == 0 ? x : h && is_max_column(h) ? fmax(*d, x) : *d + x;
        h = strtok_r(NULL, ",\n", &hsave);
    }
    if (row + 1 > m->rows)
        m->rows = row + 1;
    return 0;
}

static int read_series(series_t *m, const shard_t *s, zf_err_t *err)
{
    FILE *f = fopen(s->tfile, "r");
    char line[8192];
    int rc = 0;
    if (!f)
        return zf_err_set(err, ZF_EINVAL, "%s: cannot open: %s", s->tfile, strerror(errno));
    if (!fgets(line, sizeof line, f))
        rc = zf_err_set(err, ZF_EINVAL, "%s:1: expected a header line", s->tfile);
    else if (!m->header[0]) {
        snprintf(m->header, sizeof m->header, "%s", line);
        m->cols = 1;
        for (const char *c = line; *c; c++)
            m->cols += *c == ',';
    } else if (strcmp(m->header, line) != 0) {
        rc = zf_err_set(err, ZF_EINVAL, "%s:1: its columns differ from the first shard's",
                        s->tfile);
    }
    for (size_t row = 0; rc == 0 && fgets(line, sizeof line, f); row++)
        rc = add_row(m, row, line, s->tfile, row + 2, err);
    fclose(f);
    return rc;
}

static int write_series(const series_t *m, const char *dir, zf_err_t *err)
{
    size_t cap = 64 + strlen(m->header) + m->rows * m->cols * 24, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    len += (size_t)snprintf(buf, cap, "%s", m->header);
    for (size_t r = 0; r < m->rows; r++)
        for (size_t c = 0; c < m->cols; c++)
            len += (size_t)snprintf(buf + len, cap - len, c + 1 < m->cols ? "%.6g," : "%.6g\n",
                                    m->v[r * m->cols + c]);
    int rc = zf_write_atomic(dir, "timeseries.csv", buf, len, err);
    free(buf);
    return rc;
}

/* ---- the backlog drain ---- */

/* Whether every shard measured the device backlog (a generated fleet, not a trace). */
static bool backlog_measured(const shard_t *s, size_t n)
{
    bool all = true;
    for (size_t i = 0; i < n; i++)
        all = all && json_is_true(path2(s[i].res, "replay", "backlog_measured"));
    return all;
}

/* The devices' backlog at the start of fault `name`, summed over the shards (each shard's
 * devices are its own slice); -1 when a shard did not record it. */
static int64_t backlog_at_start(const shard_t *s, size_t n, const char *name)
{
    int64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_object_get(path2(s[i].res, "replay", "backlog_at_fault_start"), name);
        if (!json_is_integer(v))
            return -1;
        sum += json_integer_value(v);
    }
    return sum;
}

/* The backlog drain measured again, as the replayer does, on the merged series (whose
 * devices.backlog column is the shards' sum): the longest after any fault, NAN when no
 * backlog formed or the shards did not measure it. 0 or ZF_ENOMEM. */
static int merge_backlog_drain(zf_rec_t *out, const shard_t *s, size_t n, const series_t *m)
{
    out->backlog_drain_s = NAN;
    size_t col = 0, c = 0;
    char hcopy[8192], *save = NULL;
    snprintf(hcopy, sizeof hcopy, "%s", m->header);
    for (char *h = strtok_r(hcopy, ",\n", &save); h; h = strtok_r(NULL, ",\n", &save), c++)
        if (strcmp(h, "devices.backlog") == 0)
            col = c;
    if (col == 0 || m->rows == 0 || !backlog_measured(s, n))
        return 0; /* no fleet (nothing could buffer), or not measured */
    uint64_t *b = malloc(m->rows * sizeof *b);
    if (!b)
        return ZF_ENOMEM;
    for (size_t r = 0; r < m->rows; r++)
        b[r] = (uint64_t)llround(fmax(0, m->v[r * m->cols + col]));
    for (size_t f = 0; f < out->nfaults; f++) {
        const zf_fault_rec_t *fr = &out->faults[f];
        int64_t at = backlog_at_start(s, n, fr->name);
        double d = at < 0 ? NAN : zf_backlog_drain_s(b, m->rows, fr->start, fr->rto_from,
                                                            fr->recovered, (uint64_t)at);
        if (!isnan(d) && (isnan(out->backlog_drain_s) || d > out->backlog_drain_s))
            out->backlog_drain_s = d;
    }
    free(b);
    return 0;
}

/* ---- the merged document ---- */

static void merge_engine(json_t *engine, const shard_t *s, size_t n)
{
    const char *key;
    json_t *v;
    json_object_foreach(engine, key, v) {
        if (!json_is_integer(v))
            continue;
        json_int_t t = 0;
        for (size_t i = 0; i < n; i++)
            t += json_integer_value(json_object_get(path2(s[i].res, "replay", "engine"), key));
        json_integer_set(v, t);
    }
}

static void add_extras(json_t *doc, const shard_t *s, size_t n, json_t *dl, json_t *engine)
{
    json_t *f;
    size_t i;
    json_array_foreach(json_object_get(doc, "faults"), i, f) {
        const json_t *src = json_array_get(json_object_get(s[0].res, "faults"), i);
        json_t *acts = json_object_get(src, "actions");
        json_object_set_new(f, "actions", acts ? json_incref(acts) : json_array());
    }
    json_object_update(json_object_get(doc, "data_loss"), dl);
    json_t *info = json_deep_copy(json_object_get(s[0].res, "replay"));
    json_t *dirs = json_array();
    json_int_t cut = 0, resp = 0;
    for (size_t k = 0; k < n; k++) {
        json_array_append_new(dirs, json_string(s[k].dir));
        cut += json_integer_value(path2(s[k].res, "replay", "cut_off"));
        resp += json_integer_value(path2(s[k].res, "replay", "responses"));
    }
    json_object_set_new(info, "shard", json_pack("{sisi}", "merged", (int)n, "n", s[0].n));
    json_object_set_new(info, "merged_from", dirs);
    json_object_set_new(info, "cut_off", json_integer(cut));
    json_object_set_new(info, "responses", json_integer(resp));
    json_object_set_new(info, "engine", engine);
    json_object_set_new(info, "status", json_string(json_string_value(json_object_get(doc, "status"))));
    json_t *at_start = json_object();
    const char *name;
    const json_t *v;
    json_object_foreach((json_t *)path2(s[0].res, "replay", "backlog_at_fault_start"), name, v) {
        int64_t sum = backlog_at_start(s, n, name);
        if (sum >= 0)
            json_object_set_new(at_start, name, json_integer(sum));
    }
    json_object_set_new(info, "backlog_measured", json_boolean(backlog_measured(s, n)));
    json_object_set_new(info, "backlog_at_fault_start", at_start);
    json_object_set_new(doc, "replay", info);
}

static int build(shard_t *s, size_t n, const series_t *ser, json_t **doc, bool *pass,
                 zf_err_t *err)
{
    zf_rec_t *recs = calloc(n, sizeof *recs), pooled;
    zf_slo_spec_t *slos = NULL;
    size_t nslos = 0;
    if (!recs)
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        recs[i] = s[i].rec;
    int rc = zf_results_pool(recs, n, &pooled);
    free(recs);
    if (rc)
        return zf_err_set(err, rc, "out of memory");
    json_t *engine = json_deep_copy(path2(s[0].res, "replay", "engine")), *dl;
    merge_engine(engine, s, n);
    if ((rc = merge_metrics(&pooled, s, n, engine)) == 0) {
        merge_faults(&pooled, s, n);
        rc = merge_backlog_drain(&pooled, s, n, ser);
        dl = merge_data_loss(&pooled, s, n);
        const json_t *specs = json_object_get(s[0].res, "slo_specs");
        if (rc == 0 && specs)
            rc = zf_slo_spec_parse(s[0].rfile, specs, "$.slo_specs", &slos, &nslos, err);
        bool incomplete = false, aborted = false;
        for (size_t i = 0; i < n; i++) {
            const char *st = json_string_value(json_object_get(s[i].res, "status"));
            incomplete = incomplete || (st && strcmp(st, "incomplete") == 0);
            aborted = aborted || (st && strcmp(st, "aborted") == 0);
        }
        zf_results_meta_t meta = {"replay", json_string_value(json_object_get(s[0].res, "scenario")),
                                  json_string_value(json_object_get(s[0].res, "scenario_file")),
                                  json_string_value(json_object_get(s[0].res, "description")),
                                  (uint64_t)json_integer_value(json_object_get(s[0].res, "seed")),
                                  NULL, 0.95, incomplete, aborted};
        if (rc == 0 && (rc = zf_results_build(&meta, &pooled, &pooled, 1, slos, nslos, doc, pass)) == 0) {
            if (specs)
                json_object_set(*doc, "slo_specs", (json_t *)specs);
            add_extras(*doc, s, n, dl, engine);
            *pass = zf_cli_judge_unmeasured(*doc);
            engine = NULL;
        }
        json_decref(dl);
    }
    json_decref(engine);
    free(slos);
    zf_rec_free(&pooled);
    return rc ? (err->msg[0] ? rc : zf_err_set(err, rc, "out of memory")) : 0;
}

static int merge(const char **dirs, size_t n, const char *out, bool quiet)
{
    zf_err_t err = {{0}};
    shard_t *s = calloc(n, sizeof *s);
    series_t ser;
    memset(&ser, 0, sizeof ser);
    json_t *doc = NULL;
    bool pass = false;
    int rc = s ? 0 : zf_err_set(&err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; rc == 0 && i < n; i++) {
        s[i].dir = dirs[i];
        rc = load_shard(&s[i], &err);
    }
    if (rc == 0)
        rc = check_shards(s, n, &err);
    for (size_t i = 0; rc == 0 && i < n; i++)
        if ((rc = load_rec(&s[i], &err)) == 0)
            rc = read_series(&ser, &s[i], &err);
    if (rc == 0)
        rc = build(s, n, &ser, &doc, &pass, &err);
    if (rc == 0 && (rc = zf_cli_mkdirs(out, &err)) == 0 && (rc = write_series(&ser, out, &err)) == 0)
        rc = zf_results_write(out, doc, &err);
    int nfailed = 0; /* each shard ran the fault commands: any that failed voids the verdict */
    for (size_t i = 0; s && i < n && rc == 0; i++) {
        size_t k;
        const json_t *f;
        json_array_foreach(json_object_get(s[i].res, "faults"), k, f)
            nfailed += zf_cli_failed_actions("merge", json_string_value(json_object_get(f, "name")),
                                             json_object_get(f, "actions"), s[i].dir);
    }
    for (size_t i = 0; s && i < n; i++) {
        json_decref(s[i].res);
        zf_rec_free(&s[i].rec);
    }
    free(s);
    free(ser.v);
    if (rc) {
        json_decref(doc);
        return zf_cli_fail(CMD, rc, "%s", err.msg);
    }
    if (quiet)
        printf("verdict: %s   results: %s/results.json\n", pass ? "pass" : "fail", out);
    else
        zf_cli_print_summary(stdout, doc, out);
    const char *st = json_string_value(json_object_get(doc, "status"));
    bool complete = st && strcmp(st, "complete") == 0;
    json_decref(doc);
    if (!complete) {
        fprintf(stderr, "zonefall merge: a shard is %s: the merged results are marked so\n", st);
        return ZF_EXIT_RUN;
    }
    if (nfailed > 0) {
        fprintf(stderr, "zonefall merge: %d fault command%s failed in the shards, so the verdict "
                "(%s) does not hold; results in %s\n", nfailed, nfailed == 1 ? "" : "s",
                pass ? "pass" : "fail", out);
        return ZF_EXIT_RUN;
    }
    return pass ? ZF_EXIT_PASS : ZF_EXIT_SLO;
}

int zf_cmd_merge(int argc, char **argv)
{
    static const struct option longs[] = {{"output", required_argument, 0, 'o'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *out = NULL;
    bool quiet = false;
    int c;
    char ob[64];
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'q': quiet = true; break;
        case 'h': fputs(usage, stdout); return 0;
        case ':': return zf_cli_usage(CMD, "option %s needs a value", zf_cli_bad_option(argv, ob, sizeof ob));
        default: return zf_cli_usage(CMD, "unknown option %s", zf_cli_bad_option(argv, ob, sizeof ob));
        }
    }
    if (optind >= argc)
        return zf_cli_usage(CMD, "missing the shards' results directories");
    if (!out)
        return zf_cli_usage(CMD, "missing -o OUT");
    return merge((const char **)argv + optind, (size_t)(argc - optind), out, quiet);
}
