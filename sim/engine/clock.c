/* clock: duration parsing and formatting, and the monotonic wall clock. */
#include "engine/clock.h"
#include "engine/err.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const struct {
    const char *name;
    zf_time_t ns;
} units[] = {
    {"ns", ZF_NS}, {"us", ZF_US}, {"ms", ZF_MS}, {"min", ZF_MIN},
    {"s", ZF_S},   {"m", ZF_MIN}, {"h", ZF_HOUR}, {"d", ZF_DAY},
};

int zf_time_from_seconds(double seconds, zf_time_t *out_ns)
{
    if (!isfinite(seconds) || seconds < 0)
        return ZF_EINVAL;
    double ns = seconds * 1e9;
    if (ns >= 9.2e18)
        return ZF_ERANGE;
    *out_ns = (zf_time_t)llround(ns);
    return 0;
}

/* Matches the longest unit name at s; returns its length or 0. */
static size_t match_unit(const char *s, zf_time_t *unit_ns)
{
    size_t best = 0;
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        size_t n = strlen(units[i].name);
        if (n > best && strncmp(s, units[i].name, n) == 0 && !isalpha((unsigned char)s[n])) {
            best = n;
            *unit_ns = units[i].ns;
        }
    }
    return best;
}

int zf_time_parse(const char *text, zf_time_t *out_ns)
{
    if (!text || !*text)
        return ZF_EINVAL;
    const char *p = text;
    double total_ns = 0;
    int parts = 0;
    while (*p) {
        if (!isdigit((unsigned char)*p) && *p != '.')
            return ZF_EINVAL;
        char *end;
        errno = 0;
        double v = strtod(p, &end);
        if (end == p || errno == ERANGE || !isfinite(v) || v < 0)
            return ZF_EINVAL;
        p = end;
        zf_time_t unit = ZF_S;
        size_t ulen = match_unit(p, &unit);
        if (ulen == 0 && *p)
            return ZF_EINVAL;
        if (ulen == 0 && parts > 0)
            return ZF_EINVAL; /* "1h30" is ambiguous */
        p += ulen;
        total_ns += v * (double)unit;
        parts++;
    }
    if (total_ns >= 9.2e18)
        return ZF_ERANGE;
    *out_ns = (zf_time_t)llround(total_ns);
    return 0;
}

int zf_time_parse_tod(const char *text, zf_time_t *out_ns)
{
    unsigned h, m, s = 0;
    char tail;
    int n = sscanf(text, "%2u:%2u:%2u%c", &h, &m, &s, &tail);
    if (n != 2 && n != 3)
        return ZF_EINVAL;
    if (n == 2 && strlen(text) != 5)
        return ZF_EINVAL;
    if (n == 3 && strlen(text) != 8)
        return ZF_EINVAL;
    if (h > 24 || m > 59 || s > 59 || (h == 24 && (m || s)))
        return ZF_EINVAL;
    *out_ns = (zf_time_t)h * ZF_HOUR + (zf_time_t)m * ZF_MIN + (zf_time_t)s * ZF_S;
    return 0;
}

char *zf_time_format(zf_time_t t, char *buf, size_t len)
{
    if (t < 0) {
        snprintf(buf, len, "-");
        return buf;
    }
    if (t >= ZF_HOUR) {
        zf_time_t h = t / ZF_HOUR, m = (t % ZF_HOUR) / ZF_MIN;
        if (m)
            snprintf(buf, len, "%lldh%lldm", (long long)h, (long long)m);
        else
            snprintf(buf, len, "%lldh", (long long)h);
    } else if (t >= ZF_MIN) {
        zf_time_t m = t / ZF_MIN, s = (t % ZF_MIN) / ZF_S;
        if (s)
            snprintf(buf, len, "%lldm%llds", (long long)m, (long long)s);
        else
            snprintf(buf, len, "%lldm", (long long)m);
    } else if (t >= ZF_S) {
        snprintf(buf, len, "%gs", (double)t / 1e9);
    } else if (t >= ZF_MS) {
        snprintf(buf, len, "%gms", (double)t / 1e6);
    } else if (t >= ZF_US) {
        snprintf(buf, len, "%gus", (double)t / 1e3);
    } else {
        snprintf(buf, len, "%lldns", (long long)t);
    }
    return buf;
}

zf_time_t zf_wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (zf_time_t)ts.tv_sec * ZF_S + ts.tv_nsec;
}
