/* summary: the human-readable summary of a results document that run, replay and check
 * print on stdout. */
#include "cli/cli.h"

#include <math.h>
#include <string.h>

static double num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

static long long count(const json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

/* " [lo, hi]" of a confidence interval, when there is one. */
static void ci_text(const json_t *res, const char *name, double scale, char *buf, size_t len)
{
    const json_t *iv = json_object_get(json_object_get(json_object_get(res, "confidence"),
                                                       "intervals"), name);
    buf[0] = 0;
    if (iv && json_integer_value(json_object_get(res, "replications")) > 1 &&
        json_is_number(json_object_get(iv, "lo")))
        snprintf(buf, len, "  [%.6g, %.6g]", num(iv, "lo") * scale, num(iv, "hi") * scale);
}

/* v formatted with fmt into buf, or `absent` when v is NaN (not measured); returns buf. */
static const char *num_text(char *buf, size_t len, double v, const char *fmt, const char *absent)
{
    if (isnan(v))
        snprintf(buf, len, "%s", absent);
    else
        snprintf(buf, len, fmt, v);
    return buf;
}

static void print_stations(FILE *out, const json_t *res)
{
    const json_t *m = json_object_get(res, "metrics");
    const char *key;
    const json_t *v;
    int header = 0;
    json_object_foreach((json_t *)m, key, v) {
        const char *suffix = ".utilisation";
        size_t kl = strlen(key), sl = strlen(suffix);
        if (strncmp(key, "stations.", 9) != 0 || kl <= sl + 9 || strcmp(key + kl - sl, suffix))
            continue;
        char base[160], name[128], k[200], ci[96];
        snprintf(name, sizeof name, "%.*s", (int)(kl - sl - 9), key + 9);
        snprintf(base, sizeof base, "stations.%s", name);
        if (!header++)
            fprintf(out, "stations\n");
        ci_text(res, key, 1, ci, sizeof ci);
        fprintf(out, "  %-16s utilisation %.4f%s\n", name, json_number_value(v), ci);
        snprintf(k, sizeof k, "%s.mean_queue_length", base);
        ci_text(res, k, 1, ci, sizeof ci);
        fprintf(out, "  %-16s Lq %.4f%s", "", num(m, k), ci);
        snprintf(k, sizeof k, "%s.mean_wait_s", base);
        ci_text(res, k, 1, ci, sizeof ci);
        fprintf(out, "  Wq %.6g s%s", num(m, k), ci);
        snprintf(k, sizeof k, "%s.blocking_probability", base);
        fprintf(out, "  blocking %.6g\n", num(m, k));
    }
}

static void print_faults(FILE *out, const json_t *res)
{
    const json_t *faults = json_object_get(res, "faults");
    size_t i;
    const json_t *f;
    if (json_array_size(faults) == 0)
        return;
    fprintf(out, "faults\n");
    json_array_foreach(faults, i, f) {
        double rto = num(f, "rto_s");
        char det[32];
        num_text(det, sizeof det, num(f, "detected_s"), "detected %8.1f s", "no failure");
        fprintf(out, "  %-22s %-21s %-12s start %8.1f s  %-19s  ",
                json_string_value(json_object_get(f, "name")),
                json_string_value(json_object_get(f, "kind")),
                json_string_value(json_object_get(f, "target")), num(f, "start_s"), det);
        if (isnan(rto))
            fprintf(out, "not recovered\n");
        else
            fprintf(out, "RTO %.1f s\n", rto);
    }
}

void zf_cli_print_slos(FILE *out, const json_t *res)
{
    const json_t *slos = json_object_get(res, "slos");
    size_t i;
    const json_t *s;
    if (json_array_size(slos) == 0) {
        fprintf(out, "SLOs: none stated\n");
        return;
    }
    fprintf(out, "SLOs\n");
    json_array_foreach(slos, i, s) {
        const char *unit = json_string_value(json_object_get(s, "unit"));
        double m = num(s, "measured");
        char measured[224], frac[48] = "";
        const char *why = json_string_value(json_object_get(s, "not_measured"));
        if (why)
            snprintf(measured, sizeof measured, "nothing (%s)", why);
        else if (isnan(m))
            snprintf(measured, sizeof measured, "not measurable");
        else if (strcmp(unit, "fraction") == 0)
            snprintf(measured, sizeof measured, "%.4f%%", m * 100);
        else if (strcmp(unit, "s") == 0)
            snprintf(measured, sizeof measured, m < 1 ? "%.1f ms" : "%.2f s", m < 1 ? m * 1000 : m);
        else
            snprintf(measured, sizeof measured, "%.6g %s", m, unit);
        if (json_is_number(json_object_get(s, "met_fraction")) &&
            json_integer_value(json_object_get(res, "replications")) > 1)
            snprintf(frac, sizeof frac, "  (met in %.0f%% of runs)", num(s, "met_fraction") * 100);
        fprintf(out, "  %s  %-24s %-22s measured %s%s\n",
                json_is_true(json_object_get(s, "met")) ? "PASS" : "FAIL",
                json_string_value(json_object_get(s, "name")),
                json_string_value(json_object_get(s, "objective_text")), measured, frac);
    }
}

void zf_cli_print_summary(FILE *out, const json_t *res, const char *dir)
{
    const json_t *req = json_object_get(res, "requests");
    const json_t *lat = json_object_get(res, "latency_ms");
    const json_t *dl = json_object_get(res, "data_loss");
    char ci[96];
    fprintf(out, "%s %s: seed %lld, %lld replication%s of %.0f s (warm-up %.0f s)\n",
            json_string_value(json_object_get(res, "mode")),
            json_string_value(json_object_get(res, "scenario")), count(res, "seed"),
            count(res, "replications"), count(res, "replications") == 1 ? "" : "s",
            num(res, "duration_s"), num(res, "warmup_s"));
    fprintf(out, "requests      total %lld  ok %lld  failed %lld  in flight at end %lld\n",
            count(req, "total"), count(req, "ok"), count(req, "failed"), count(req, "in_flight"));
    ci_text(res, "availability", 100, ci, sizeof ci);
    fprintf(out, "availability  %.4f%%%s\n", num(res, "availability") * 100, ci);
    fprintf(out, "latency ms    p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
            num(lat, "p50"), num(lat, "p90"), num(lat, "p99"), num(lat, "p999"), num(lat, "max"));
    if (count(dl, "acknowledged_writes") > 0) {
        char rpo[32];
        num_text(rpo, sizeof rpo, num(dl, "rpo_s"), "%.1f s", "not measured");
        fprintf(out, "writes        acknowledged %lld  lost %lld  RPO %s%s\n",
                count(dl, "acknowledged_writes"), count(dl, "lost_writes"), rpo,
                json_is_false(json_object_get(dl, "verified")) ? " (not verified)" : "");
    }
    print_stations(out, res);
    print_faults(out, res);
    zf_cli_print_slos(out, res);
    fprintf(out, "verdict: %s", json_string_value(json_object_get(res, "verdict")));
    if (dir)
        fprintf(out, "   results: %s/results.json", dir);
    fputc('\n', out);
}
