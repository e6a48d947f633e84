/* jread: typed, path-aware access to jansson values. Every failure names the file, the
 * JSON path and what was expected, so that a user can fix a scenario without guessing. */
#include "scenario/jread.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int zf_jr_load_file(const char *file, json_t **out, zf_err_t *err)
{
    json_error_t je;
    FILE *f = fopen(file, "rb");
    if (!f)
        return zf_err_set(err, ZF_EINVAL, "%s: cannot open: %s", file, strerror(errno));
    json_t *root = json_loadf(f, JSON_REJECT_DUPLICATES, &je);
    fclose(f);
    if (!root)
        return zf_err_set(err, ZF_EINVAL, "%s:%d:%d: JSON syntax error: %s", file, je.line,
                          je.column, je.text);
    *out = root;
    return 0;
}

int zf_jr_fail(zf_jr_t *jr, const char *path, const char *fmt, ...)
{
    char msg[ZF_ERR_MSG_MAX - ZF_JPATH_MAX - 64];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    return zf_err_set(jr->err, ZF_EINVAL, "%s: %s: %s", jr->file, path, msg);
}

const char *zf_jr_key(char *buf, const char *path, const char *key)
{
    snprintf(buf, ZF_JPATH_MAX, "%s.%s", path, key);
    return buf;
}

const char *zf_jr_idx(char *buf, const char *path, size_t i)
{
    snprintf(buf, ZF_JPATH_MAX, "%s[%zu]", path, i);
    return buf;
}

void zf_jr_describe(const json_t *v, char *buf, size_t len)
{
    switch (json_typeof(v)) {
    case JSON_OBJECT: snprintf(buf, len, "an object"); break;
    case JSON_ARRAY: snprintf(buf, len, "an array"); break;
    case JSON_STRING: snprintf(buf, len, "the string \"%.60s\"", json_string_value(v)); break;
    case JSON_INTEGER: snprintf(buf, len, "the number %lld", (long long)json_integer_value(v)); break;
    case JSON_REAL: snprintf(buf, len, "the number %g", json_real_value(v)); break;
    case JSON_TRUE: snprintf(buf, len, "true"); break;
    case JSON_FALSE: snprintf(buf, len, "false"); break;
    default: snprintf(buf, len, "null"); break;
    }
}

static int expected(zf_jr_t *jr, const char *path, const char *what, const json_t *got)
{
    char d[96];
    zf_jr_describe(got, d, sizeof d);
    return zf_jr_fail(jr, path, "expected %s, got %s", what, d);
}

static void join_choices(const char *const *c, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; c[i] && used + 4 < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "", c[i]);
}

int zf_jr_object(zf_jr_t *jr, const json_t *v, const char *path, const char *const *allowed)
{
    if (!json_is_object(v))
        return expected(jr, path, "an object", v);
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)v, key, val) {
        int ok = 0;
        for (size_t i = 0; allowed && allowed[i]; i++)
            if (strcmp(key, allowed[i]) == 0)
                ok = 1;
        if (!ok) {
            char list[512], p[ZF_JPATH_MAX];
            join_choices(allowed, list, sizeof list);
            return zf_jr_fail(jr, zf_jr_key(p, path, key), "unknown key; expected one of: %s",
                              list);
        }
    }
    return 0;
}

int zf_jr_array(zf_jr_t *jr, const json_t *v, const char *path, size_t min_len, size_t *n)
{
    if (!json_is_array(v))
        return expected(jr, path, "an array", v);
    *n = json_array_size(v);
    if (*n < min_len)
        return zf_jr_fail(jr, path, "expected at least %zu element%s, got %zu", min_len,
                          min_len == 1 ? "" : "s", *n);
    return 0;
}

/* Looks up key; returns 1 found, 0 absent-optional, negative on missing-required. */
static int member(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
                  bool required, json_t **v, char *p)
{
    zf_jr_key(p, path, key);
    *v = json_object_get(obj, key);
    if (*v && !json_is_null(*v))
        return 1;
    if (required)
        return zf_jr_fail(jr, p, "missing required key");
    return 0;
}

int zf_jr_string(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
                 bool required, const char **out)
{
    char p[ZF_JPATH_MAX];
    json_t *v;
    int rc = member(jr, obj, path, key, required, &v, p);
    if (rc <= 0)
        return rc;
    if (!json_is_string(v))
        return expected(jr, p, "a string", v);
    if (json_string_length(v) == 0)
        return zf_jr_fail(jr, p, "expected a non-empty string");
    *out = json_string_value(v);
    return 0;
}

int zf_jr_number(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
                 bool required, double min, double max, double *out)
{
    char p[ZF_JPATH_MAX];
    json_t *v;
    int rc = member(jr, obj, path, key, required, &v, p);
    if (rc <= 0)
        return rc;
    if (!json_is_number(v))
        return expected(jr, p, "a number", v);
    double x = json_number_value(v);
    if (!isfinite(x) || x < min || x > max)
        return zf_jr_fail(jr, p, "expected a number in [%g, %g], got %g", min, max, x);
    *out = x;
    return 0;
}

int zf_jr_int(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
              bool required, int64_t min, int64_t max, int64_t *out)
{
    char p[ZF_JPATH_MAX];
    json_t *v;
    int rc = member(jr, obj, path, key, required, &v, p);
    if (rc <= 0)
        return rc;
    if (!json_is_integer(v))
        return expected(jr, p, "an integer", v);
    json_int_t x = json_integer_value(v);
    if (x < min || x > max)
        return zf_jr_fail(jr, p, "expected an integer in [%lld, %lld], got %lld",
                          (long long)min, (long long)max, (long long)x);
    *out = x;
    return 0;
}

int zf_jr_bool(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
               bool required, bool *out)
{
    char p[ZF_JPATH_MAX];
    json_t *v;
    int rc = member(jr, obj, path, key, required, &v, p);
    if (rc <= 0)
        return rc;
    if (!json_is_boolean(v))
        return expected(jr, p, "true or false", v);
    *out = json_is_true(v);
    return 0;
}

/* Parses a duration value (string with unit, or number of seconds). */
static int duration_value(zf_jr_t *jr, const json_t *v, const char *p, zf_time_t *out)
{
    int rc;
    if (json_is_number(v))
        rc = zf_time_from_seconds(json_number_value(v), out);
    else if (json_is_string(v))
        rc = zf_time_parse(json_string_value(v), out);
    else
        return expected(jr, p, "a duration like \"250ms\", \"30s\", \"2h\" or a number of seconds", v);
    if (rc != 0) {
        char d[96];
        zf_jr_describe(v, d, sizeof d);
        return zf_jr_fail(jr, p,
                          "expected a non-negative duration like \"250ms\", \"30s\", \"1h30m\" "
                          "(units ns, us, ms, s, m or min, h, d) or a number of seconds, got %s", d);
    }
    return 0;
}

int zf_jr_duration(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
                   bool required, zf_time_t *out)
{
    char p[ZF_JPATH_MAX];
    json_t *v;
    int rc = member(jr, obj, path, key, required, &v, p);
    if (rc <= 0)
        return rc;
    return duration_value(jr, v, p, out);
}

int zf_jr_tod(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
              bool required, zf_time_t *out)
{
    char p[ZF_JPATH_MAX];
    json_t *v;
    int rc = member(jr, obj, path, key, required, &v, p);
    if (rc <= 0)
        return rc;
    if (!json_is_string(v) || zf_time_parse_tod(json_string_value(v), out) != 0)
        return expected(jr, p, "a time of day \"HH:MM\" or \"HH:MM:SS\" (00:00 to 24:00)", v);
    return 0;
}

int zf_jr_enum(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
               bool required, const char *const *choices, int *out)
{
    char p[ZF_JPATH_MAX], list[512];
    json_t *v;
    int rc = member(jr, obj, path, key, required, &v, p);
    if (rc <= 0)
        return rc;
    if (json_is_string(v))
        for (int i = 0; choices[i]; i++)
            if (strcmp(json_string_value(v), choices[i]) == 0) {
                *out = i;
                return 0;
            }
    join_choices(choices, list, sizeof list);
    char what[600];
    snprintf(what, sizeof what, "one of: %s", list);
    return expected(jr, p, what, v);
}

/* A distribution parameter: a duration (ns, as double) when time, else a number. */
static int dist_param(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                      int time, int is_shape, double *out)
{
    if (time && !is_shape) {
        zf_time_t t;
        int rc = zf_jr_duration(jr, o, path, key, true, &t);
        if (rc == 0)
            *out = (double)t;
        return rc;
    }
    return zf_jr_number(jr, o, path, key, true, -1e300, 1e300, out);
}

static int dist_empirical(zf_jr_t *jr, const json_t *o, const char *path, int time,
                          zf_dist_t *out)
{
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    const json_t *vals = json_object_get(o, "values");
    const json_t *w = json_object_get(o, "weights");
    size_t n, nw = 0;
    bool interp = false;
    int rc;
    if (!vals)
        return zf_jr_fail(jr, zf_jr_key(p, path, "values"), "missing required key");
    if ((rc = zf_jr_array(jr, vals, zf_jr_key(p, path, "values"), 1, &n)) != 0)
        return rc;
    if (w && (rc = zf_jr_array(jr, w, zf_jr_key(q, path, "weights"), 0, &nw)) != 0)
        return rc;
    if (w && nw != n)
        return zf_jr_fail(jr, q, "expected %zu weights (one per value), got %zu", n, nw);
    if ((rc = zf_jr_bool(jr, o, path, "interpolate", false, &interp)) != 0)
        return rc;
    double *x = calloc(n, sizeof *x), *wt = w ? calloc(n, sizeof *wt) : NULL;
    if (!x || (w && !wt)) {
        free(x);
        free(wt);
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    }
    for (size_t i = 0; i < n && rc == 0; i++) {
        const json_t *vi = json_array_get(vals, i);
        zf_jr_idx(q, p, i);
        if (time) {
            zf_time_t t = 0;
            rc = duration_value(jr, vi, q, &t);
            x[i] = (double)t;
        } else if (json_is_number(vi)) {
            x[i] = json_number_value(vi);
        } else {
            rc = expected(jr, q, "a number", vi);
        }
        if (w && rc == 0) {
            const json_t *wi = json_array_get(w, i);
            char wp[ZF_JPATH_MAX];
            zf_jr_idx(wp, zf_jr_key(q, path, "weights"), i);
            if (!json_is_number(wi) || json_number_value(wi) < 0)
                rc = expected(jr, wp, "a number >= 0", wi);
            else
                wt[i] = json_number_value(wi);
        }
    }
    if (rc == 0 && (rc = zf_dist_empirical(out, x, wt, n, interp, jr->err)) != 0)
        rc = zf_err_prefix(jr->err, rc, "%s: %s", jr->file, path);
    free(x);
    free(wt);
    return rc;
}

static const char *const dist_keys[] = {"dist", "value", "mean", "stddev", "min", "max",
                                        "shape", "scale", "values", "weights", "interpolate",
                                        NULL};

/* The keys each kind needs; shape is a plain number, the rest are in the caller's unit. */
static const struct {
    zf_dist_kind_t kind;
    const char *p1, *p2;
} dist_params[] = {
    {ZF_DIST_DETERMINISTIC, "value", NULL}, {ZF_DIST_EXPONENTIAL, "mean", NULL},
    {ZF_DIST_UNIFORM, "min", "max"},        {ZF_DIST_NORMAL, "mean", "stddev"},
    {ZF_DIST_LOGNORMAL, "mean", "stddev"},  {ZF_DIST_GAMMA, "shape", "scale"},
    {ZF_DIST_WEIBULL, "shape", "scale"},    {ZF_DIST_PARETO, "shape", "scale"},
};

static int dist_build(zf_dist_t *d, zf_dist_kind_t k, double a, double b, zf_err_t *err)
{
    switch (k) {
    case ZF_DIST_DETERMINISTIC: return zf_dist_deterministic(d, a, err);
    case ZF_DIST_EXPONENTIAL: return zf_dist_exponential(d, a, err);
    case ZF_DIST_UNIFORM: return zf_dist_uniform(d, a, b, err);
    case ZF_DIST_NORMAL: return zf_dist_normal(d, a, b, err);
    case ZF_DIST_LOGNORMAL: return zf_dist_lognormal(d, a, b, err);
    case ZF_DIST_GAMMA: return zf_dist_gamma(d, a, b, err);
    case ZF_DIST_WEIBULL: return zf_dist_weibull(d, a, b, err);
    case ZF_DIST_PARETO: return zf_dist_pareto(d, a, b, err);
    default: return ZF_EINVAL;
    }
}

/* Rejects parameters that the chosen kind does not take ("stddev" on an exponential). */
static int dist_check_extra(zf_jr_t *jr, const json_t *o, const char *path, size_t k)
{
    const char *key;
    json_t *val;
    json_object_foreach((json_t *)o, key, val) {
        if (strcmp(key, "dist") == 0)
            continue;
        if ((dist_params[k].p1 && strcmp(key, dist_params[k].p1) == 0) ||
            (dist_params[k].p2 && strcmp(key, dist_params[k].p2) == 0))
            continue;
        if (dist_params[k].kind == ZF_DIST_GAMMA && strcmp(key, "mean") == 0)
            continue;
        char p[ZF_JPATH_MAX];
        return zf_jr_fail(jr, zf_jr_key(p, path, key), "not a parameter of the %s distribution "
                          "(it takes %s%s%s)", zf_dist_name(dist_params[k].kind),
                          dist_params[k].p1, dist_params[k].p2 ? " and " : "",
                          dist_params[k].p2 ? dist_params[k].p2 : "");
    }
    return 0;
}

static int dist_object(zf_jr_t *jr, const json_t *o, const char *path, int time, zf_dist_t *out)
{
    const char *name = NULL;
    int rc;
    if ((rc = zf_jr_object(jr, o, path, dist_keys)) != 0)
        return rc;
    if ((rc = zf_jr_string(jr, o, path, "dist", true, &name)) != 0)
        return rc;
    zf_dist_kind_t kind;
    char p[ZF_JPATH_MAX];
    if (zf_dist_kind_parse(name, &kind) != 0)
        return zf_jr_fail(jr, zf_jr_key(p, path, "dist"),
                          "unknown distribution \"%s\"; expected one of: deterministic, "
                          "exponential, uniform, normal, lognormal, gamma, weibull, pareto, "
                          "empirical", name);
    if (kind == ZF_DIST_EMPIRICAL) {
        const char *key;
        json_t *val;
        json_object_foreach((json_t *)o, key, val) {
            if (strcmp(key, "dist") && strcmp(key, "values") && strcmp(key, "weights") &&
                strcmp(key, "interpolate"))
                return zf_jr_fail(jr, zf_jr_key(p, path, key), "not a parameter of the empirical "
                                  "distribution (it takes values, weights and interpolate)");
        }
        return dist_empirical(jr, o, path, time, out);
    }
    size_t k = 0;
    while (dist_params[k].kind != kind)
        k++;
    if ((rc = dist_check_extra(jr, o, path, k)) != 0)
        return rc;
    double a = 0, b = 0;
    int shape_first = kind == ZF_DIST_GAMMA || kind == ZF_DIST_WEIBULL || kind == ZF_DIST_PARETO;
    if ((rc = dist_param(jr, o, path, dist_params[k].p1, time, shape_first, &a)) != 0)
        return rc;
    if (kind == ZF_DIST_GAMMA && json_object_get(o, "mean") && !json_object_get(o, "scale")) {
        if ((rc = dist_param(jr, o, path, "mean", time, 0, &b)) != 0)
            return rc;
        b = a > 0 ? b / a : b; /* scale = mean / shape */
    } else if (dist_params[k].p2 &&
               (rc = dist_param(jr, o, path, dist_params[k].p2, time, 0, &b)) != 0) {
        return rc;
    }
    if ((rc = dist_build(out, kind, a, b, jr->err)) != 0)
        return zf_jr_fail(jr, path, "%s", jr->err->msg);
    return 0;
}

int zf_jr_dist(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
               bool required, int time, zf_dist_t *out)
{
    char p[ZF_JPATH_MAX];
    json_t *v;
    int rc = member(jr, obj, path, key, required, &v, p);
    if (rc <= 0)
        return rc;
    if (json_is_object(v))
        return dist_object(jr, v, p, time, out);
    double x;
    if (time) {
        zf_time_t t;
        if ((rc = duration_value(jr, v, p, &t)) != 0)
            return rc;
        x = (double)t;
    } else if (json_is_number(v)) {
        x = json_number_value(v);
    } else {
        return expected(jr, p, "a distribution object {\"dist\": ...} or a number", v);
    }
    return zf_dist_deterministic(out, x, jr->err);
}
