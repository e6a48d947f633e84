/* slo_spec: service-level objectives as a scenario (or a separate SLO file for
 * `zonefall check --slo`) states them. Evaluation lives in sim/metrics/slo. */
#ifndef ZF_SLO_SPEC_H
#define ZF_SLO_SPEC_H

#include <jansson.h>
#include <stddef.h>

#include "engine/clock.h"
#include "engine/err.h"

typedef enum zf_slo_type {
    ZF_SLO_AVAILABILITY, /* ok / total >= objective, over the run or the worst window */
    ZF_SLO_LATENCY,      /* latency quantile <= objective */
    ZF_SLO_RTO,          /* every fault's (or one fault's) RTO <= objective */
    ZF_SLO_RPO,          /* span of lost acknowledged writes <= objective */
    ZF_SLO_LOST_WRITES,  /* lost acknowledged writes <= objective (a count) */
    ZF_SLO_BACKLOG_DRAIN,/* device backlog drained within objective after recovery */
    ZF_SLO_BURN_RATE,    /* error-budget burn rate over window <= objective */
    ZF_SLO_TYPE_COUNT
} zf_slo_type_t;

typedef struct zf_slo_spec {
    char name[64];
    zf_slo_type_t type;
    double objective;    /* fraction, count or burn rate; for time objectives: ns */
    double quantile;     /* latency: 0 < q < 1 */
    zf_time_t window;    /* availability/burn: rolling window (0: whole run) */
    double target;       /* burn rate: the availability target whose budget burns */
    char fault[64];      /* rto: name of one fault, or "" for every fault */
    char kind[64];       /* availability/latency: one request kind, or "" for all */
} zf_slo_spec_t;

/* Parses the array `slos` at JSON path `path` of file `file`. *out (caller frees with
 * free()) may be NULL when n == 0. 0 or ZF_EINVAL naming the path. */
int zf_slo_spec_parse(const char *file, const json_t *slos, const char *path,
                      zf_slo_spec_t **out, size_t *n, zf_err_t *err);

/* Loads an SLO file {"slos": [...]}. */
int zf_slo_spec_load(const char *file, zf_slo_spec_t **out, size_t *n, zf_err_t *err);

/* "availability", "latency", "rto", "rpo", "lost_writes", "backlog_drain", "burn_rate". */
const char *zf_slo_type_name(zf_slo_type_t t);

/* Human objective: ">= 99.9%", "p99 <= 300ms", "<= 0 writes". */
void zf_slo_objective_text(const zf_slo_spec_t *s, char *buf, size_t len);

/* Canonical JSON of a spec, parseable again by zf_slo_spec_parse (durations as numbers
 * of seconds). Stored in results.json so `check` can re-evaluate. New reference. */
json_t *zf_slo_spec_to_json(const zf_slo_spec_t *s);

/* Whether `type`'s objective is a duration (reported in seconds). */
int zf_slo_type_is_time(zf_slo_type_t t);

#endif
