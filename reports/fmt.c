/* fmt: text of results.json values for the report writers. */
#include "reports/fmt.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

double zf_fmt_num(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

const char *zf_fmt_str(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_string(v) ? json_string_value(v) : "";
}

long long zf_fmt_int(const json_t *o, const char *key)
{
    const json_t *v = json_object_get(o, key);
    return json_is_integer(v) ? (long long)json_integer_value(v)
                              : json_is_real(v) ? llround(json_real_value(v)) : 0;
}

size_t zf_fmt_slos_missed(const json_t *res)
{
    size_t i, n = 0;
    const json_t *s;
    json_array_foreach(json_object_get(res, "slos"), i, s) n +=
        !json_is_true(json_object_get(s, "met"));
    return n;
}

const char *zf_fmt_g(double v, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%.6g", v);
    else
        snprintf(buf, len, "n/a");
    return buf;
}

const char *zf_fmt_s(double v, const char *none, char *buf, size_t len)
{
    if (isfinite(v))
        snprintf(buf, len, "%.1f s", v);
    else
        snprintf(buf, len, "%s", none);
    return buf;
}

const char *zf_fmt_slo_measured(const json_t *slo, char *buf, size_t len)
{
    const char *unit = zf_fmt_str(slo, "unit");
    double m = zf_fmt_num(slo, "measured");
    if (json_is_string(json_object_get(slo, "not_measured")))
        snprintf(buf, len, "not measured");
    else if (!isfinite(m))
        snprintf(buf, len, "not measurable");
    else if (strcmp(unit, "fraction") == 0)
        snprintf(buf, len, "%.4f%%", m * 100);
    else if (strcmp(unit, "s") == 0 && m < 1)
        snprintf(buf, len, "%.1f ms", m * 1000);
    else if (strcmp(unit, "s") == 0)
        snprintf(buf, len, "%.2f s", m);
    else
        snprintf(buf, len, "%.6g %s", m, unit);
    return buf;
}

const char *zf_fmt_slo_met_runs(const json_t *res, const json_t *slo, char *buf, size_t len)
{
    double f = zf_fmt_num(slo, "met_fraction");
    if (isfinite(f) && zf_fmt_int(res, "replications") > 1)
        snprintf(buf, len, "%.0f%%", f * 100);
    else
        buf[0] = 0;
    return buf;
}

const char *zf_fmt_ci(const json_t *res, const char *key, double scale, char *buf, size_t len)
{
    const json_t *iv = json_object_get(json_object_get(json_object_get(res, "confidence"),
                                                       "intervals"), key);
    double lo = zf_fmt_num(iv, "lo"), hi = zf_fmt_num(iv, "hi");
    if (isfinite(lo) && isfinite(hi) && zf_fmt_int(iv, "n") > 1)
        snprintf(buf, len, "[%.6g, %.6g]", lo * scale, hi * scale);
    else
        buf[0] = 0;
    return buf;
}
