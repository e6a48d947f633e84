/* clock: the one time type of zonefall (int64 nanoseconds, simulated and wall clock),
 * its units, and parsing/formatting of human durations ("250ms", "30s", "1h30m"). */
#ifndef ZF_CLOCK_H
#define ZF_CLOCK_H

#include <stdint.h>
#include <stddef.h>

typedef int64_t zf_time_t; /* nanoseconds */

#define ZF_NS ((zf_time_t)1)
#define ZF_US ((zf_time_t)1000)
#define ZF_MS ((zf_time_t)1000000)
#define ZF_S ((zf_time_t)1000000000)
#define ZF_MIN (60 * ZF_S)
#define ZF_HOUR (3600 * ZF_S)
#define ZF_DAY (86400 * ZF_S)
#define ZF_TIME_MAX INT64_MAX

/* Parses a duration: a number with an optional unit (ns, us, ms, s, m, min, h, d), or
 * several concatenated ("1h30m"). A bare number means seconds. Rejects negatives, NaN,
 * overflow and trailing garbage. Returns 0, or ZF_EINVAL / ZF_ERANGE. */
int zf_time_parse(const char *text, zf_time_t *out_ns);

/* Parses a time of day "HH:MM" or "HH:MM:SS" into ns since midnight. 0 or ZF_EINVAL. */
int zf_time_parse_tod(const char *text, zf_time_t *out_ns);

/* Converts seconds (finite, >= 0) to ns, rounding to nearest. ZF_ERANGE if it overflows. */
int zf_time_from_seconds(double seconds, zf_time_t *out_ns);

static inline double zf_time_to_s(zf_time_t t) { return (double)t / 1e9; }
static inline double zf_time_to_ms(zf_time_t t) { return (double)t / 1e6; }

/* Writes a short human form ("1.5s", "250ms", "2h3m") into buf; returns buf. */
char *zf_time_format(zf_time_t t, char *buf, size_t len);

/* Monotonic wall clock in ns (CLOCK_MONOTONIC). */
zf_time_t zf_wall_now(void);

#endif
