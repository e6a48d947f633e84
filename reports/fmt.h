/* fmt: reading results.json values and writing them as text, the same way in the HTML
 * page, the Markdown summary and the JUnit XML (units, "n/a" for what was not measured). */
#ifndef ZF_FMT_H
#define ZF_FMT_H

#include <jansson.h>
#include <stddef.h>

/* Number at o.key, NAN when absent or not a number. */
double zf_fmt_num(const json_t *o, const char *key);
/* String at o.key, "" when absent. */
const char *zf_fmt_str(const json_t *o, const char *key);
/* Integer at o.key, 0 when absent. */
long long zf_fmt_int(const json_t *o, const char *key);

/* Number of SLOs of a results document that were not met. */
size_t zf_fmt_slos_missed(const json_t *res);

/* A value with 6 significant digits, or "n/a" when not finite. Returns buf. */
const char *zf_fmt_g(double v, char *buf, size_t len);
/* Seconds: "12.3 s", or `none` when not finite. Returns buf. */
const char *zf_fmt_s(double v, const char *none, char *buf, size_t len);
/* The measured value of an SLO entry in its unit: "99.9500%", "212.4 ms", "2.16 s",
 * "3 writes", "not measured" (a replay could not measure it: the entry's not_measured says
 * why) or "not measurable". Returns buf. */
const char *zf_fmt_slo_measured(const json_t *slo, char *buf, size_t len);
/* "100%" of the runs that met an SLO, or "" when unknown or a single run. Returns buf. */
const char *zf_fmt_slo_met_runs(const json_t *res, const json_t *slo, char *buf, size_t len);
/* Confidence interval of results' confidence.intervals[key] scaled: "[lo, hi]", or "" when
 * there is none (one replication). Returns buf. */
const char *zf_fmt_ci(const json_t *res, const char *key, double scale, char *buf, size_t len);

#endif
