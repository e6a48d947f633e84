/* workload_spec: parsing of the scenario's "kinds" array and "workload" object into the
 * typed zf_workload_spec_t, with every default of docs/scenario-reference.md, and the daily
 * profile (value at an instant, max and mean). Every error names the file, the JSON path
 * and what was expected; unknown keys are refused. */
#include "scenario/workload_spec.h"
#include "scenario/jread.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const kind_keys[] = {"name", "lb", "service", "db_reads", "db_writes",
                                        "must_not_lose", "timeout", "http", NULL};
static const char *const http_keys[] = {"method", "path", "headers", "body", NULL};
static const char *const http_methods[] = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD",
                                           "OPTIONS", NULL};
static const char *const workload_keys[] = {"start", "profile", "devices", "locations",
                                            "agencies", "web", "sources", "bursts", NULL};
static const char *const profile_keys[] = {"hourly", "points", NULL};
static const char *const devices_keys[] = {"count", "report", "trips", "buffer_limit", "retry",
                                           "reconnect_jitter", "connection", NULL};
static const char *const report_keys[] = {"kind", "interval", "jitter", NULL};
static const char *const trips_keys[] = {"per_day", "profile", "duration", "gps_interval",
                                         "gps_kind", "ignition_kind", "breath_kind",
                                         "breath_delay", NULL};
static const char *const retry_keys[] = {"base", "cap", "max_attempts", "jitter", NULL};
static const char *const jitter_modes[] = {"full", "none", NULL};
static const char *const connection_modes[] = {"new", "keepalive", NULL};
static const char *const locations_keys[] = {"count", "hours", "calibrations_per_day",
                                             "calibration_kind", "downloads_per_day",
                                             "download_kind", NULL};
static const char *const agencies_keys[] = {"count", "batches", NULL};
static const char *const batch_keys[] = {"at", "queries", "spread", "kind", NULL};
static const char *const web_keys[] = {"peak_rate_per_s", "profile", "mix", "users", NULL};
static const char *const mix_keys[] = {"kind", "weight", NULL};
static const char *const source_keys[] = {"name", "kind", "rate_per_s", "profile", NULL};
static const char *const burst_keys[] = {"name", "at", "after", "duration", "multiplier",
                                         "applies_to", "fleet_fraction", "kind", NULL};
/* applies_to class names, in the order of their ZF_BURST_* bits */
static const char *const burst_classes[] = {"sources", "devices", "locations", "agencies",
                                            "web", NULL};

/* Defaults (docs/scenario-reference.md gives the reasoning behind each). */
#define DEF_TIMEOUT (30 * ZF_S)
#define DEF_REPORT_INTERVAL (30 * ZF_MIN)
#define DEF_REPORT_JITTER ZF_MIN
#define DEF_TRIPS_PER_DAY 2.0
#define DEF_TRIP_MEAN (25 * ZF_MIN)
#define DEF_TRIP_SD (15 * ZF_MIN)
#define DEF_GPS_INTERVAL (60 * ZF_S)
#define DEF_BREATH_DELAY (30 * ZF_S)
#define DEF_BUFFER_LIMIT 1000
#define DEF_RETRY_BASE (5 * ZF_S)
#define DEF_RETRY_CAP (10 * ZF_MIN)
#define DEF_RETRY_MAX 10
#define DEF_RECONNECT_JITTER (5 * ZF_MIN)
#define DEF_LOCATIONS 3500
#define DEF_OPEN (8 * ZF_HOUR)
#define DEF_CLOSE (18 * ZF_HOUR)
#define DEF_CALIBRATIONS 5.0
#define DEF_DOWNLOADS 5.0
#define DEF_AGENCY_SPREAD (10 * ZF_MIN)
#define DEF_WEB_USERS 10000
#define MAX_DEVICES 100000000    /* below 2^28: the entity field of a write id */
#define MAX_ENTITIES 10000000

static int nomem(zf_jr_t *jr)
{
    return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
}

/* Optional member object `key` of `parent`: *out NULL when absent, else checked keys. */
static int sub_object(zf_jr_t *jr, const json_t *parent, const char *path, const char *key,
                      const char *const *keys, const json_t **out, char *p)
{
    zf_jr_key(p, path, key);
    *out = json_object_get(parent, key);
    if (*out && json_is_null(*out))
        *out = NULL;
    return *out ? zf_jr_object(jr, *out, p, keys) : 0;
}

/* Optional member array `key`: *out NULL when absent, else at least one element. */
static int sub_array(zf_jr_t *jr, const json_t *parent, const char *path, const char *key,
                     const json_t **out, size_t *n, char *p)
{
    zf_jr_key(p, path, key);
    *n = 0;
    *out = json_object_get(parent, key);
    if (*out && json_is_null(*out))
        *out = NULL;
    return *out ? zf_jr_array(jr, *out, p, 1, n) : 0;
}

/* A name of letters, digits, '-', '_', '.', '/' that fits in cap bytes, copied to dst. */
static int name_member(zf_jr_t *jr, const json_t *o, const char *path, char *dst, size_t cap)
{
    static const char ok[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                             "0123456789-_./";
    const char *name = NULL;
    char p[ZF_JPATH_MAX];
    int rc = zf_jr_string(jr, o, path, "name", true, &name);
    if (rc)
        return rc;
    zf_jr_key(p, path, "name");
    if (strlen(name) >= cap)
        return zf_jr_fail(jr, p, "expected a name of at most %zu characters", cap - 1);
    if (name[strspn(name, ok)] != 0)
        return zf_jr_fail(jr, p, "expected a name of letters, digits, '-', '_', '.' or '/', "
                          "got \"%s\"", name);
    memcpy(dst, name, strlen(name) + 1);
    return 0;
}

static int int_member(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                      bool required, int64_t min, int64_t max, uint32_t *out)
{
    int64_t v = *out;
    int rc = zf_jr_int(jr, o, path, key, required, min, max, &v);
    if (rc == 0)
        *out = (uint32_t)v;
    return rc;
}

/* A duration member that must be > 0 when given. */
static int positive_duration(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                             bool required, zf_time_t *out)
{
    char p[ZF_JPATH_MAX];
    int rc = zf_jr_duration(jr, o, path, key, required, out);
    if (rc == 0 && *out <= 0)
        return zf_jr_fail(jr, zf_jr_key(p, path, key), "expected a duration > 0");
    return rc;
}

/* ---- kinds ---- */

static int find_kind(const zf_kind_spec_t *kinds, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(kinds[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* Checks that every "{name}" in s is a known placeholder; other braces are literal. */
static int check_placeholders(zf_jr_t *jr, const char *p, const char *s)
{
    static const char *const known[] = {"device", "entity", "seq", "write_id", "time_ms",
                                        "kind", NULL};
    static const char ident[] = "abcdefghijklmnopqrstuvwxyz_";
    for (const char *c = strchr(s, '{'); c; c = strchr(c + 1, '{')) {
        size_t len = strspn(c + 1, ident);
        if (len == 0 || c[1 + len] != '}')
            continue;
        bool found = false;
        for (size_t i = 0; known[i]; i++)
            found = found || (strlen(known[i]) == len && strncmp(known[i], c + 1, len) == 0);
        if (!found)
            return zf_jr_fail(jr, p, "unknown placeholder {%.*s}; expected {device}, {entity}, "
                              "{seq}, {write_id}, {time_ms} or {kind}", (int)len, c + 1);
    }
    return 0;
}

static int parse_headers(zf_jr_t *jr, const json_t *h, const char *path, zf_http_template_t *t)
{
    static const char tchar[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789!#$%&'*+-.^_`|~";
    const char *name;
    json_t *v;
    int rc;
    if (!json_is_object(h)) {
        char d[96];
        zf_jr_describe(h, d, sizeof d);
        return zf_jr_fail(jr, path, "expected an object of header names to values, got %s", d);
    }
    t->headers = calloc(json_object_size(h) + 1, sizeof *t->headers);
    if (!t->headers)
        return nomem(jr);
    json_object_foreach((json_t *)h, name, v) {
        char p[ZF_JPATH_MAX];
        const char *val = NULL;
        zf_jr_key(p, path, name);
        if (*name == 0 || name[strspn(name, tchar)] != 0)
            return zf_jr_fail(jr, p, "expected an HTTP header name (letters, digits and "
                              "!#$%%&'*+-.^_`|~)");
        if ((rc = zf_jr_string(jr, h, path, name, true, &val)))
            return rc;
        if (strpbrk(val, "\r\n"))
            return zf_jr_fail(jr, p, "expected a header value without line breaks");
        if ((rc = check_placeholders(jr, p, val)))
            return rc;
        size_t len = strlen(name) + strlen(val) + 3;
        if (!(t->headers[t->nheaders] = malloc(len)))
            return nomem(jr);
        snprintf(t->headers[t->nheaders++], len, "%s: %s", name, val);
    }
    return 0;
}

static int parse_http(zf_jr_t *jr, const json_t *k, const char *path, zf_http_template_t *t)
{
    const json_t *o, *headers;
    const char *path_s = NULL, *body = NULL;
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    int method = 0, rc;
    snprintf(t->method, sizeof t->method, "GET");
    snprintf(t->path, sizeof t->path, "/");
    if ((rc = sub_object(jr, k, path, "http", http_keys, &o, p)) || !o)
        return rc;
    if ((rc = zf_jr_enum(jr, o, p, "method", false, http_methods, &method)) ||
        (rc = zf_jr_string(jr, o, p, "path", false, &path_s)) ||
        (rc = zf_jr_string(jr, o, p, "body", false, &body)))
        return rc;
    snprintf(t->method, sizeof t->method, "%s", http_methods[method]);
    zf_jr_key(q, p, "path");
    if (path_s && (path_s[0] != '/' || strlen(path_s) >= sizeof t->path ||
                   strpbrk(path_s, " \r\n")))
        return zf_jr_fail(jr, q, "expected a path starting with '/', without spaces, of at most "
                          "%zu characters", sizeof t->path - 1);
    if (path_s && ((rc = check_placeholders(jr, q, path_s))))
        return rc;
    if (path_s)
        snprintf(t->path, sizeof t->path, "%s", path_s);
    if (body && (rc = check_placeholders(jr, zf_jr_key(q, p, "body"), body)))
        return rc;
    if (body && !(t->body = strdup(body)))
        return nomem(jr);
    headers = json_object_get(o, "headers");
    return headers ? parse_headers(jr, headers, zf_jr_key(q, p, "headers"), t) : 0;
}

static int parse_kind(zf_jr_t *jr, const json_t *o, const char *path, zf_kind_spec_t *k)
{
    const char *lb = NULL;
    char p[ZF_JPATH_MAX];
    int rc;
    k->lb = -1;
    k->timeout = DEF_TIMEOUT;
    if ((rc = zf_jr_object(jr, o, path, kind_keys)) ||
        (rc = name_member(jr, o, path, k->name, sizeof k->name)) ||
        (rc = zf_jr_string(jr, o, path, "lb", false, &lb)) ||
        (rc = zf_jr_dist(jr, o, path, "service", true, 1, &k->service)) ||
        (rc = int_member(jr, o, path, "db_reads", false, 0, 1000, &k->db_reads)) ||
        (rc = int_member(jr, o, path, "db_writes", false, 0, 1000, &k->db_writes)) ||
        (rc = zf_jr_bool(jr, o, path, "must_not_lose", false, &k->must_not_lose)) ||
        (rc = positive_duration(jr, o, path, "timeout", false, &k->timeout)) ||
        (rc = parse_http(jr, o, path, &k->http)))
        return rc;
    if (lb && strlen(lb) >= sizeof k->lb_name)
        return zf_jr_fail(jr, zf_jr_key(p, path, "lb"), "expected a name of at most %zu "
                          "characters", sizeof k->lb_name - 1);
    if (lb)
        snprintf(k->lb_name, sizeof k->lb_name, "%s", lb);
    if (k->must_not_lose && k->db_writes == 0)
        return zf_jr_fail(jr, zf_jr_key(p, path, "must_not_lose"), "a kind that must not be "
                          "lost must write: expected db_writes >= 1");
    return 0;
}

int zf_kinds_parse(struct zf_jr *jr, const json_t *root, zf_kind_spec_t **kinds, size_t *nkinds)
{
    const json_t *arr;
    char p[ZF_JPATH_MAX];
    size_t n;
    int rc;
    *kinds = NULL;
    *nkinds = 0;
    if ((rc = sub_array(jr, root, "$", "kinds", &arr, &n, p)) || !arr)
        return rc;
    if (!(*kinds = calloc(n, sizeof **kinds)))
        return nomem(jr);
    for (size_t i = 0; i < n; i++) {
        zf_kind_spec_t *k = &(*kinds)[i];
        *nkinds = i + 1; /* freed by the caller even when half parsed */
        if ((rc = parse_kind(jr, json_array_get(arr, i), zf_jr_idx(p, "$.kinds", i), k)))
            return rc;
        if (find_kind(*kinds, i, k->name) >= 0)
            return zf_jr_fail(jr, p, "duplicate kind name \"%s\"", k->name);
    }
    return 0;
}

/* ---- profiles ---- */

static int parse_hourly(zf_jr_t *jr, const json_t *a, const char *path, zf_profile_t *pr)
{
    size_t n;
    int rc = zf_jr_array(jr, a, path, 0, &n);
    if (rc)
        return rc;
    if (n != 24)
        return zf_jr_fail(jr, path, "expected 24 hourly values, got %zu", n);
    for (size_t i = 0; i < 24; i++) {
        const json_t *v = json_array_get(a, i);
        char p[ZF_JPATH_MAX], d[96];
        if (!json_is_number(v) || !(json_number_value(v) >= 0) ||
            !isfinite(json_number_value(v))) {
            zf_jr_describe(v, d, sizeof d);
            return zf_jr_fail(jr, zf_jr_idx(p, path, i), "expected a number >= 0, got %s", d);
        }
        pr->tod[i] = (zf_time_t)i * ZF_HOUR;
        pr->value[i] = json_number_value(v);
    }
    pr->n = 24;
    pr->step = true;
    return 0;
}

static int parse_point(zf_jr_t *jr, const json_t *pt, const char *path, zf_time_t *tod,
                       double *value)
{
    const json_t *t = json_array_get(pt, 0), *v = json_array_get(pt, 1);
    char d[96];
    if (!json_is_array(pt) || json_array_size(pt) != 2 || !json_is_string(t) ||
        zf_time_parse_tod(json_string_value(t), tod) != 0 || *tod >= ZF_DAY ||
        !json_is_number(v) || !(json_number_value(v) >= 0) || !isfinite(json_number_value(v))) {
        zf_jr_describe(pt, d, sizeof d);
        return zf_jr_fail(jr, path, "expected a point [\"HH:MM\", value >= 0] with a time of "
                          "day before 24:00, got %s", d);
    }
    *value = json_number_value(v);
    return 0;
}

static int parse_points(zf_jr_t *jr, const json_t *a, const char *path, zf_profile_t *pr)
{
    size_t n;
    int rc = zf_jr_array(jr, a, path, 1, &n);
    if (rc)
        return rc;
    if (n > ZF_PROFILE_MAX)
        return zf_jr_fail(jr, path, "expected at most %d points, got %zu", ZF_PROFILE_MAX, n);
    for (size_t i = 0; i < n; i++) {
        char p[ZF_JPATH_MAX];
        zf_jr_idx(p, path, i);
        if ((rc = parse_point(jr, json_array_get(a, i), p, &pr->tod[i], &pr->value[i])))
            return rc;
        if (i > 0 && pr->tod[i] <= pr->tod[i - 1])
            return zf_jr_fail(jr, p, "expected times of day in increasing order");
    }
    pr->n = n;
    pr->step = false;
    return 0;
}

/* Optional profile member; absent: *pr keeps what the caller put there (its default). */
static int parse_profile(zf_jr_t *jr, const json_t *parent, const char *path, zf_profile_t *pr)
{
    const json_t *o, *hourly, *points;
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    int rc;
    if ((rc = sub_object(jr, parent, path, "profile", profile_keys, &o, p)) || !o)
        return rc;
    hourly = json_object_get(o, "hourly");
    points = json_object_get(o, "points");
    if (!hourly == !points)
        return zf_jr_fail(jr, p, "expected exactly one of \"hourly\" (24 values) or \"points\" "
                          "([\"HH:MM\", value] pairs)");
    memset(pr, 0, sizeof *pr);
    rc = hourly ? parse_hourly(jr, hourly, zf_jr_key(q, p, "hourly"), pr)
                : parse_points(jr, points, zf_jr_key(q, p, "points"), pr);
    if (rc)
        return rc;
    zf_profile_finish(pr);
    if (!(pr->max > 0))
        return zf_jr_fail(jr, q, "expected at least one value > 0");
    return 0;
}

/* Index of the segment holding time of day x: the last point at or before x, wrapping to
 * the last point before the first one. */
static size_t profile_segment(const zf_profile_t *p, zf_time_t x)
{
    size_t lo = 0, hi = p->n;
    if (x < p->tod[0])
        return p->n - 1;
    while (hi - lo > 1) {
        size_t mid = (lo + hi) / 2;
        if (p->tod[mid] <= x)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

/* Length of segment i (to the next point, the last one wrapping to the first + 24 h). */
static zf_time_t segment_len(const zf_profile_t *p, size_t i)
{
    zf_time_t next = i + 1 < p->n ? p->tod[i + 1] : p->tod[0] + ZF_DAY;
    return next - p->tod[i];
}

double zf_profile_at(const zf_profile_t *p, zf_time_t start_tod, zf_time_t t)
{
    if (p->n == 0)
        return 1.0;
    zf_time_t x = (start_tod + t) % ZF_DAY;
    if (x < 0)
        x += ZF_DAY;
    size_t i = profile_segment(p, x);
    if (p->step || p->n == 1)
        return p->value[i];
    zf_time_t from = x >= p->tod[i] ? x - p->tod[i] : x + ZF_DAY - p->tod[i];
    double f = (double)from / (double)segment_len(p, i);
    double next = p->value[i + 1 < p->n ? i + 1 : 0];
    return p->value[i] + f * (next - p->value[i]);
}

void zf_profile_finish(zf_profile_t *p)
{
    if (p->n == 0) {
        p->max = p->mean = 1.0;
        return;
    }
    double area = 0, max = 0;
    for (size_t i = 0; i < p->n; i++) {
        double next = p->step || p->n == 1 ? p->value[i] : p->value[i + 1 < p->n ? i + 1 : 0];
        area += (p->value[i] + next) / 2 * (double)segment_len(p, i);
        max = p->value[i] > max ? p->value[i] : max;
    }
    p->max = max;
    p->mean = area / (double)ZF_DAY;
}

/* ---- workload ---- */

typedef struct ctx {
    zf_jr_t *jr;
    const zf_kind_spec_t *kinds;
    size_t nkinds;
    zf_workload_spec_t *w;
} ctx_t;

/* A kind member resolved to its index. Absent and optional: *out unchanged. */
static int kind_member(ctx_t *c, const json_t *o, const char *path, const char *key,
                       bool required, uint32_t *out)
{
    const char *name = NULL;
    char p[ZF_JPATH_MAX];
    int rc = zf_jr_string(c->jr, o, path, key, required, &name);
    if (rc || !name)
        return rc;
    int k = find_kind(c->kinds, c->nkinds, name);
    if (k < 0)
        return zf_jr_fail(c->jr, zf_jr_key(p, path, key), "no kind named \"%s\" in $.kinds",
                          name);
    *out = (uint32_t)k;
    return 0;
}

static int parse_report(ctx_t *c, const json_t *dev, const char *path, zf_fleet_spec_t *f)
{
    const json_t *o;
    char p[ZF_JPATH_MAX];
    int rc;
    if ((rc = sub_object(c->jr, dev, path, "report", report_keys, &o, p)) || !o)
        return rc;
    if ((rc = kind_member(c, o, p, "kind", true, &f->report_kind)) ||
        (rc = positive_duration(c->jr, o, p, "interval", false, &f->report_interval)) ||
        (rc = zf_jr_duration(c->jr, o, p, "jitter", false, &f->report_jitter)))
        return rc;
    if (f->report_jitter > f->report_interval) {
        char q[ZF_JPATH_MAX];
        return zf_jr_fail(c->jr, zf_jr_key(q, p, "jitter"), "expected at most the interval");
    }
    return 0;
}

static int parse_trips(ctx_t *c, const json_t *dev, const char *path, zf_fleet_spec_t *f)
{
    const json_t *o;
    char p[ZF_JPATH_MAX];
    int rc;
    if ((rc = sub_object(c->jr, dev, path, "trips", trips_keys, &o, p)) || !o)
        return rc;
    f->trips_per_day = DEF_TRIPS_PER_DAY;
    f->trip_profile = c->w->profile;
    if ((rc = zf_jr_number(c->jr, o, p, "per_day", false, 0, 1000, &f->trips_per_day)) ||
        (rc = parse_profile(c->jr, o, p, &f->trip_profile)) ||
        (rc = zf_jr_dist(c->jr, o, p, "duration", false, 1, &f->trip_duration)) ||
        (rc = positive_duration(c->jr, o, p, "gps_interval", false, &f->gps_interval)) ||
        (rc = kind_member(c, o, p, "gps_kind", true, &f->gps_kind)) ||
        (rc = kind_member(c, o, p, "ignition_kind", false, &f->ignition_kind)) ||
        (rc = kind_member(c, o, p, "breath_kind", false, &f->breath_kind)) ||
        (rc = zf_jr_duration(c->jr, o, p, "breath_delay", false, &f->breath_delay)))
        return rc;
    if (!json_object_get(o, "duration") &&
        zf_dist_lognormal(&f->trip_duration, (double)DEF_TRIP_MEAN, (double)DEF_TRIP_SD,
                          c->jr->err))
        return ZF_EINVAL;
    return 0;
}

static int parse_retry(ctx_t *c, const json_t *dev, const char *path, zf_retry_spec_t *r)
{
    const json_t *o;
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    int jitter = 0, rc;
    if ((rc = sub_object(c->jr, dev, path, "retry", retry_keys, &o, p)) || !o)
        return rc;
    if ((rc = positive_duration(c->jr, o, p, "base", false, &r->base)) ||
        (rc = zf_jr_duration(c->jr, o, p, "cap", false, &r->cap)) ||
        (rc = int_member(c->jr, o, p, "max_attempts", false, 1, 255, &r->max_attempts)) ||
        (rc = zf_jr_enum(c->jr, o, p, "jitter", false, jitter_modes, &jitter)))
        return rc;
    r->full_jitter = jitter == 0;
    if (r->cap < r->base)
        return zf_jr_fail(c->jr, zf_jr_key(q, p, "cap"), "expected at least the base");
    return 0;
}

static void fleet_defaults(zf_fleet_spec_t *f)
{
    f->report_kind = f->gps_kind = f->ignition_kind = f->breath_kind = ZF_KIND_NONE;
    f->report_interval = DEF_REPORT_INTERVAL;
    f->report_jitter = DEF_REPORT_JITTER;
    f->gps_interval = DEF_GPS_INTERVAL;
    f->breath_delay = DEF_BREATH_DELAY;
    f->buffer_limit = DEF_BUFFER_LIMIT;
    f->retry = (zf_retry_spec_t){DEF_RETRY_BASE, DEF_RETRY_CAP, DEF_RETRY_MAX, true};
    f->reconnect_jitter = DEF_RECONNECT_JITTER;
}

static int parse_devices(ctx_t *c, const json_t *wl)
{
    zf_fleet_spec_t *f = &c->w->fleet;
    const json_t *o;
    char p[ZF_JPATH_MAX];
    int conn = 0, rc;
    fleet_defaults(f);
    if ((rc = sub_object(c->jr, wl, "$.workload", "devices", devices_keys, &o, p)) || !o)
        return rc;
    if ((rc = int_member(c->jr, o, p, "count", true, 0, MAX_DEVICES, &f->count)) ||
        (rc = parse_report(c, o, p, f)) || (rc = parse_trips(c, o, p, f)) ||
        (rc = int_member(c->jr, o, p, "buffer_limit", false, 1, 1000000, &f->buffer_limit)) ||
        (rc = parse_retry(c, o, p, &f->retry)) ||
        (rc = zf_jr_duration(c->jr, o, p, "reconnect_jitter", false, &f->reconnect_jitter)) ||
        (rc = zf_jr_enum(c->jr, o, p, "connection", false, connection_modes, &conn)))
        return rc;
    f->keepalive = conn == 1;
    return 0;
}

/* A per-day rate and its kind: the kind is needed when a rate is given; a kind alone gets
 * the default rate. */
static int rate_and_kind(ctx_t *c, const json_t *o, const char *path, const char *rate_key,
                         const char *kind_key, double def, double *rate, uint32_t *kind)
{
    char p[ZF_JPATH_MAX];
    int rc;
    *kind = ZF_KIND_NONE;
    *rate = 0;
    if ((rc = kind_member(c, o, path, kind_key, false, kind)))
        return rc;
    if (*kind != ZF_KIND_NONE)
        *rate = def;
    if ((rc = zf_jr_number(c->jr, o, path, rate_key, false, 0, 1e6, rate)))
        return rc;
    if (*kind == ZF_KIND_NONE && json_object_get(o, rate_key))
        return zf_jr_fail(c->jr, zf_jr_key(p, path, kind_key), "missing required key (%s is "
                          "set)", rate_key);
    return 0;
}

static int parse_hours(ctx_t *c, const json_t *o, const char *path, zf_locations_spec_t *l)
{
    const json_t *h = json_object_get(o, "hours");
    char p[ZF_JPATH_MAX], d[96];
    zf_jr_key(p, path, "hours");
    if (!h)
        return 0;
    const json_t *a = json_array_get(h, 0), *b = json_array_get(h, 1);
    if (!json_is_array(h) || json_array_size(h) != 2 || !json_is_string(a) ||
        !json_is_string(b) || zf_time_parse_tod(json_string_value(a), &l->open) ||
        zf_time_parse_tod(json_string_value(b), &l->close) || l->open >= ZF_DAY) {
        zf_jr_describe(h, d, sizeof d);
        return zf_jr_fail(c->jr, p, "expected [\"HH:MM\", \"HH:MM\"] (opening and closing "
                          "times of day), got %s", d);
    }
    if (l->open == l->close % ZF_DAY)
        return zf_jr_fail(c->jr, p, "expected different opening and closing times");
    return 0;
}

static int parse_locations(ctx_t *c, const json_t *wl)
{
    zf_locations_spec_t *l = &c->w->locations;
    const json_t *o;
    char p[ZF_JPATH_MAX];
    int rc;
    l->calibration_kind = l->download_kind = ZF_KIND_NONE;
    if ((rc = sub_object(c->jr, wl, "$.workload", "locations", locations_keys, &o, p)) || !o)
        return rc;
    l->count = DEF_LOCATIONS;
    l->open = DEF_OPEN;
    l->close = DEF_CLOSE;
    if ((rc = int_member(c->jr, o, p, "count", false, 0, MAX_ENTITIES, &l->count)) ||
        (rc = parse_hours(c, o, p, l)) ||
        (rc = rate_and_kind(c, o, p, "calibrations_per_day", "calibration_kind",
                            DEF_CALIBRATIONS, &l->calibrations_per_day, &l->calibration_kind)))
        return rc;
    return rate_and_kind(c, o, p, "downloads_per_day", "download_kind", DEF_DOWNLOADS,
                         &l->downloads_per_day, &l->download_kind);
}

static int parse_agencies(ctx_t *c, const json_t *wl)
{
    zf_agencies_spec_t *a = &c->w->agencies;
    const json_t *o, *arr;
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    size_t n;
    int rc;
    if ((rc = sub_object(c->jr, wl, "$.workload", "agencies", agencies_keys, &o, p)) || !o)
        return rc;
    if ((rc = int_member(c->jr, o, p, "count", true, 0, MAX_ENTITIES, &a->count)) ||
        (rc = sub_array(c->jr, o, p, "batches", &arr, &n, q)))
        return rc;
    if (!arr)
        return zf_jr_fail(c->jr, q, "missing required key");
    if (!(a->batches = calloc(n, sizeof *a->batches)))
        return nomem(c->jr);
    a->nbatches = n;
    for (size_t i = 0; i < n; i++) {
        zf_agency_batch_t *b = &a->batches[i];
        const json_t *bo = json_array_get(arr, i);
        zf_jr_idx(p, q, i);
        b->spread = DEF_AGENCY_SPREAD;
        if ((rc = zf_jr_object(c->jr, bo, p, batch_keys)) ||
            (rc = zf_jr_tod(c->jr, bo, p, "at", true, &b->at)) ||
            (rc = int_member(c->jr, bo, p, "queries", true, 1, MAX_ENTITIES, &b->queries)) ||
            (rc = zf_jr_duration(c->jr, bo, p, "spread", false, &b->spread)) ||
            (rc = kind_member(c, bo, p, "kind", true, &b->kind)))
            return rc;
        b->at %= ZF_DAY;
        if (b->spread >= ZF_DAY)
            return zf_jr_fail(c->jr, zf_jr_key(q, p, "spread"), "expected less than 24h");
        if ((uint64_t)a->count * b->queries > UINT32_MAX)
            return zf_jr_fail(c->jr, zf_jr_key(q, p, "queries"), "expected count x queries "
                              "below 2^32, got %u x %u", a->count, b->queries);
    }
    return 0;
}

static int parse_web(ctx_t *c, const json_t *wl)
{
    zf_web_spec_t *web = &c->w->web;
    const json_t *o, *arr;
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    size_t n;
    int rc;
    web->profile = c->w->profile;
    web->users = DEF_WEB_USERS;
    if ((rc = sub_object(c->jr, wl, "$.workload", "web", web_keys, &o, p)) || !o)
        return rc;
    if ((rc = zf_jr_number(c->jr, o, p, "peak_rate_per_s", true, 0, 1e7,
                           &web->peak_rate_per_s)) ||
        (rc = parse_profile(c->jr, o, p, &web->profile)) ||
        (rc = int_member(c->jr, o, p, "users", false, 1, MAX_ENTITIES, &web->users)) ||
        (rc = sub_array(c->jr, o, p, "mix", &arr, &n, q)))
        return rc;
    if (!arr)
        return zf_jr_fail(c->jr, q, "missing required key");
    if (!(web->mix = calloc(n, sizeof *web->mix)))
        return nomem(c->jr);
    web->nmix = n;
    double total = 0;
    for (size_t i = 0; i < n; i++) {
        const json_t *m = json_array_get(arr, i);
        web->mix[i].weight = 1;
        zf_jr_idx(p, q, i);
        if ((rc = zf_jr_object(c->jr, m, p, mix_keys)) ||
            (rc = kind_member(c, m, p, "kind", true, &web->mix[i].kind)) ||
            (rc = zf_jr_number(c->jr, m, p, "weight", false, 0, 1e9, &web->mix[i].weight)))
            return rc;
        total += web->mix[i].weight;
    }
    if (!(total > 0))
        return zf_jr_fail(c->jr, q, "expected at least one weight > 0");
    return 0;
}

static int parse_sources(ctx_t *c, const json_t *wl)
{
    zf_workload_spec_t *w = c->w;
    const json_t *arr;
    char q[ZF_JPATH_MAX];
    int rc;
    if ((rc = sub_array(c->jr, wl, "$.workload", "sources", &arr, &w->nsources, q)) || !arr)
        return rc;
    if (!(w->sources = calloc(w->nsources, sizeof *w->sources)))
        return nomem(c->jr);
    for (size_t i = 0; i < w->nsources; i++) {
        zf_kind_source_spec_t *s = &w->sources[i];
        const json_t *o = json_array_get(arr, i);
        char p[ZF_JPATH_MAX], r[ZF_JPATH_MAX];
        int cls = -1;
        zf_jr_idx(p, q, i);
        if ((rc = zf_jr_object(c->jr, o, p, source_keys)) ||
            (rc = name_member(c->jr, o, p, s->name, sizeof s->name)) ||
            (rc = kind_member(c, o, p, "kind", true, &s->kind)) ||
            (rc = zf_jr_number(c->jr, o, p, "rate_per_s", true, 0, 1e7, &s->rate_per_s)) ||
            (rc = parse_profile(c->jr, o, p, &s->profile)))
            return rc;
        zf_profile_finish(&s->profile);
        for (int j = 0; burst_classes[j]; j++)
            cls = strcmp(burst_classes[j], s->name) == 0 ? j : cls;
        if (cls >= 0)
            return zf_jr_fail(c->jr, zf_jr_key(r, p, "name"), "\"%s\" is reserved (a class "
                              "name of bursts' applies_to)", s->name);
        for (size_t j = 0; j < i; j++)
            if (strcmp(w->sources[j].name, s->name) == 0)
                return zf_jr_fail(c->jr, p, "duplicate source name \"%s\"", s->name);
    }
    return 0;
}

/* The burst's window: "at" (a time of day, the first one at or after t = 0) or "after". */
static int burst_window(ctx_t *c, const json_t *o, const char *path, zf_burst_spec_t *b)
{
    bool has_at = json_object_get(o, "at") != NULL, has_after = json_object_get(o, "after");
    zf_time_t at = 0;
    int rc;
    if (has_at == has_after)
        return zf_jr_fail(c->jr, path, "expected exactly one of \"at\" (a time of day) or "
                          "\"after\" (a duration from the start)");
    if ((rc = zf_jr_tod(c->jr, o, path, "at", false, &at)) ||
        (rc = zf_jr_duration(c->jr, o, path, "after", false, &b->start)) ||
        (rc = positive_duration(c->jr, o, path, "duration", true, &b->duration)))
        return rc;
    if (has_at)
        b->start = ((at - c->w->start_tod) % ZF_DAY + ZF_DAY) % ZF_DAY;
    return 0;
}

static int burst_targets(ctx_t *c, const json_t *o, const char *path, zf_burst_spec_t *b)
{
    const json_t *arr;
    char q[ZF_JPATH_MAX];
    size_t n;
    int rc;
    b->applies = ZF_BURST_SOURCES | ZF_BURST_DEVICES | ZF_BURST_LOCATIONS | ZF_BURST_AGENCIES |
                 ZF_BURST_WEB;
    if ((rc = sub_array(c->jr, o, path, "applies_to", &arr, &n, q)) || !arr)
        return rc;
    b->applies = 0;
    if (!(b->sources = calloc(n, sizeof *b->sources)))
        return nomem(c->jr);
    for (size_t i = 0; i < n; i++) {
        const json_t *v = json_array_get(arr, i);
        const char *s = json_is_string(v) ? json_string_value(v) : "";
        size_t before = b->nsources;
        for (uint32_t j = 0; burst_classes[j]; j++)
            b->applies |= strcmp(burst_classes[j], s) == 0 ? 1u << j : 0;
        for (size_t j = 0; j < c->w->nsources; j++)
            if (strcmp(c->w->sources[j].name, s) == 0)
                b->sources[b->nsources++] = (uint32_t)j;
        bool is_class = false;
        for (size_t j = 0; burst_classes[j]; j++)
            is_class = is_class || strcmp(burst_classes[j], s) == 0;
        if (!is_class && b->nsources == before) {
            char p[ZF_JPATH_MAX], d[96];
            zf_jr_describe(v, d, sizeof d);
            return zf_jr_fail(c->jr, zf_jr_idx(p, q, i), "expected devices, locations, "
                              "agencies, web, sources or a name in $.workload.sources, got %s",
                              d);
        }
    }
    return 0;
}

static int parse_fleet_burst(ctx_t *c, const json_t *o, const char *path, zf_burst_spec_t *b)
{
    char p[ZF_JPATH_MAX];
    int rc;
    if ((rc = zf_jr_number(c->jr, o, path, "fleet_fraction", true, 0, 1, &b->fleet_fraction)) ||
        (rc = kind_member(c, o, path, "kind", true, &b->kind)))
        return rc;
    zf_jr_key(p, path, "fleet_fraction");
    if (!(b->fleet_fraction > 0))
        return zf_jr_fail(c->jr, p, "expected a fraction in (0, 1]");
    if (c->w->fleet.count == 0)
        return zf_jr_fail(c->jr, p, "needs a device fleet ($.workload.devices)");
    if (json_object_get(o, "multiplier") || json_object_get(o, "applies_to"))
        return zf_jr_fail(c->jr, zf_jr_key(p, path, json_object_get(o, "multiplier")
                                                        ? "multiplier" : "applies_to"),
                          "not allowed with fleet_fraction");
    b->multiplier = 1;
    return 0;
}

static int parse_burst(ctx_t *c, const json_t *o, const char *path, zf_burst_spec_t *b)
{
    int rc;
    b->kind = ZF_KIND_NONE;
    if ((rc = zf_jr_object(c->jr, o, path, burst_keys)) ||
        (rc = name_member(c->jr, o, path, b->name, sizeof b->name)) ||
        (rc = burst_window(c, o, path, b)))
        return rc;
    if (json_object_get(o, "fleet_fraction"))
        return parse_fleet_burst(c, o, path, b);
    if (json_object_get(o, "kind")) {
        char p[ZF_JPATH_MAX];
        return zf_jr_fail(c->jr, zf_jr_key(p, path, "kind"), "only with fleet_fraction");
    }
    return (rc = zf_jr_number(c->jr, o, path, "multiplier", true, 0, 1000, &b->multiplier))
               ? rc
               : burst_targets(c, o, path, b);
}

static int parse_bursts(ctx_t *c, const json_t *wl)
{
    zf_workload_spec_t *w = c->w;
    const json_t *arr;
    char q[ZF_JPATH_MAX];
    size_t n;
    int rc;
    if ((rc = sub_array(c->jr, wl, "$.workload", "bursts", &arr, &n, q)) || !arr)
        return rc;
    if (!(w->bursts = calloc(n, sizeof *w->bursts)))
        return nomem(c->jr);
    for (size_t i = 0; i < n; i++) {
        char p[ZF_JPATH_MAX];
        w->nbursts = i + 1;
        if ((rc = parse_burst(c, json_array_get(arr, i), zf_jr_idx(p, q, i), &w->bursts[i])))
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(w->bursts[j].name, w->bursts[i].name) == 0)
                return zf_jr_fail(c->jr, p, "duplicate burst name \"%s\"", w->bursts[i].name);
    }
    return 0;
}

int zf_workload_spec_parse(struct zf_jr *jr, const json_t *root, const zf_kind_spec_t *kinds,
                           size_t nkinds, zf_workload_spec_t *w)
{
    const json_t *wl;
    char p[ZF_JPATH_MAX];
    ctx_t c = {jr, kinds, nkinds, w};
    int rc;
    memset(w, 0, sizeof *w);
    if ((rc = sub_object(jr, root, "$", "workload", workload_keys, &wl, p)) || !wl)
        return rc;
    if ((rc = zf_jr_tod(jr, wl, "$.workload", "start", false, &w->start_tod)) ||
        (rc = parse_profile(jr, wl, "$.workload", &w->profile)))
        return rc;
    w->start_tod %= ZF_DAY;
    zf_profile_finish(&w->profile);
    if ((rc = parse_devices(&c, wl)) || (rc = parse_locations(&c, wl)) ||
        (rc = parse_agencies(&c, wl)) || (rc = parse_web(&c, wl)) ||
        (rc = parse_sources(&c, wl)) || (rc = parse_bursts(&c, wl)))
        return rc;
    zf_profile_finish(&w->fleet.trip_profile);
    zf_profile_finish(&w->web.profile);
    return 0;
}

void zf_kind_spec_free(zf_kind_spec_t *k)
{
    zf_dist_free(&k->service);
    free(k->http.body);
    for (size_t i = 0; i < k->http.nheaders; i++)
        free(k->http.headers[i]);
    free(k->http.headers);
    k->http.body = NULL;
    k->http.headers = NULL;
    k->http.nheaders = 0;
}

void zf_workload_spec_free(zf_workload_spec_t *w)
{
    zf_dist_free(&w->fleet.trip_duration);
    free(w->agencies.batches);
    free(w->web.mix);
    free(w->sources);
    for (size_t i = 0; i < w->nbursts; i++)
        free(w->bursts[i].sources);
    free(w->bursts);
    memset(w, 0, sizeof *w);
}
