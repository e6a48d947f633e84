/* workload_spec: the typed workload section of a scenario: request kinds, the daily
 * profile, the device fleet, service locations, agencies, web users and bursts.
 * Parsed by scenario.c; run by sim/workload. Times are ns; times of day are ns since
 * midnight; instants are ns since the scenario's start. */
#ifndef ZF_WORKLOAD_SPEC_H
#define ZF_WORKLOAD_SPEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/dist.h"

#define ZF_PROFILE_MAX 96
#define ZF_KIND_NONE UINT32_MAX

/* A daily rate multiplier: piecewise linear through (time of day, value) points, wrapping
 * at midnight; or piecewise constant (hourly steps). n == 0 means flat 1.0. */
typedef struct zf_profile {
    size_t n;
    zf_time_t tod[ZF_PROFILE_MAX];  /* ascending, in [0, 24h) */
    double value[ZF_PROFILE_MAX];   /* >= 0 */
    bool step;                      /* true: value[i] holds from tod[i] to tod[i+1] */
    double max;                     /* largest value (thinning bound) */
    double mean;                    /* mean over a day */
} zf_profile_t;

/* HTTP template of a kind, used by the replayer. Placeholders: {device}, {entity},
 * {seq}, {write_id}, {time_ms}, {kind}. */
typedef struct zf_http_template {
    char method[12];
    char path[256];
    char *body;             /* owned, may be NULL */
    char **headers;         /* owned, "Name: value" strings */
    size_t nheaders;
} zf_http_template_t;

typedef struct zf_kind_spec {
    char name[64];
    char lb_name[64];       /* as written; resolved into lb by the infrastructure parser */
    int32_t lb;             /* load balancer index, -1: none (queueing scenarios) */
    zf_dist_t service;      /* CPU time on an instance, ns */
    uint32_t db_reads, db_writes;
    bool must_not_lose;     /* an acknowledged write of this kind must survive */
    zf_time_t timeout;      /* the client gives up after this long */
    zf_http_template_t http;
} zf_kind_spec_t;

typedef struct zf_retry_spec {
    zf_time_t base, cap;    /* backoff: uniform(0, min(cap, base * 2^attempt)) with full jitter */
    uint32_t max_attempts;  /* then wait for the next new message to try again */
    bool full_jitter;       /* false: exactly min(cap, base * 2^attempt) */
} zf_retry_spec_t;

typedef struct zf_fleet_spec {
    uint32_t count;                 /* 0: no fleet */
    uint32_t report_kind;           /* periodic telemetry */
    zf_time_t report_interval, report_jitter;
    double trips_per_day;           /* per device, started along trip_profile */
    zf_profile_t trip_profile;
    zf_dist_t trip_duration;        /* ns */
    zf_time_t gps_interval;         /* pings while driving */
    uint32_t gps_kind, ignition_kind, breath_kind;
    zf_time_t breath_delay;         /* breath test this long after ignition on */
    uint32_t buffer_limit;          /* store-and-forward capacity, messages */
    zf_retry_spec_t retry;
    zf_time_t reconnect_jitter;     /* devices back from a network outage spread over this */
    bool keepalive;                 /* keep a connection (sticky LB node) or reconnect each time */
} zf_fleet_spec_t;

typedef struct zf_locations_spec {
    uint32_t count;                 /* 0: none */
    zf_time_t open, close;          /* business hours, time of day */
    double calibrations_per_day;    /* per location, spread over open hours */
    uint32_t calibration_kind;
    double downloads_per_day;
    uint32_t download_kind;
} zf_locations_spec_t;

typedef struct zf_agency_batch {
    zf_time_t at;                   /* time of day */
    uint32_t queries;               /* per agency */
    zf_time_t spread;               /* queries spread uniformly over this */
    uint32_t kind;
} zf_agency_batch_t;

typedef struct zf_agencies_spec {
    uint32_t count;
    zf_agency_batch_t *batches;     /* owned */
    size_t nbatches;
} zf_agencies_spec_t;

typedef struct zf_web_mix {
    uint32_t kind;
    double weight;
} zf_web_mix_t;

typedef struct zf_web_spec {
    double peak_rate_per_s;         /* 0: none; rate = peak * profile(t) / profile.max */
    zf_profile_t profile;
    zf_web_mix_t *mix;              /* owned; kinds chosen by weight */
    size_t nmix;
    uint32_t users;                 /* requests come from users drawn uniformly (entity) */
} zf_web_spec_t;

/* A Poisson source of requests of one kind (deployment scenarios), optionally shaped. */
typedef struct zf_kind_source_spec {
    char name[64];
    uint32_t kind;
    double rate_per_s;              /* at profile value 1 */
    zf_profile_t profile;
} zf_kind_source_spec_t;

#define ZF_BURST_DEVICES (1u << 1)
#define ZF_BURST_LOCATIONS (1u << 2)
#define ZF_BURST_AGENCIES (1u << 3)
#define ZF_BURST_WEB (1u << 4)
#define ZF_BURST_SOURCES (1u << 0)

typedef struct zf_burst_spec {
    char name[64];
    zf_time_t start, duration;      /* instants since the scenario's start */
    double multiplier;              /* rate multiplier over the window (>= 0) */
    uint32_t applies;               /* ZF_BURST_* mask of classes it multiplies */
    double fleet_fraction;          /* > 0: that fraction of the fleet sends one message each */
    uint32_t kind;                  /* kind of those messages */
    uint32_t *sources;              /* owned: indices of kind sources it multiplies (applies_to
                                       by source name), besides the ZF_BURST_SOURCES class */
    size_t nsources;
} zf_burst_spec_t;

typedef struct zf_workload_spec {
    zf_time_t start_tod;            /* time of day at the scenario's t = 0 */
    zf_profile_t profile;           /* default daily profile */
    zf_fleet_spec_t fleet;
    zf_locations_spec_t locations;
    zf_agencies_spec_t agencies;
    zf_web_spec_t web;
    zf_kind_source_spec_t *sources; /* owned */
    size_t nsources;
    zf_burst_spec_t *bursts;        /* owned */
    size_t nbursts;
} zf_workload_spec_t;

struct zf_jr;
struct json_t;

/* Parses "kinds" (array) of the scenario root into *kinds (owned by the caller, free
 * with zf_kind_spec_free each and free()). 0 or ZF_EINVAL naming the JSON path. */
int zf_kinds_parse(struct zf_jr *jr, const struct json_t *root, zf_kind_spec_t **kinds,
                   size_t *nkinds);

/* Parses "workload" (object) of the scenario root into *w, resolving kind names against
 * kinds. An absent "workload" leaves *w zeroed (no traffic but the scenario's sources).
 * 0 or ZF_EINVAL naming the JSON path. */
int zf_workload_spec_parse(struct zf_jr *jr, const struct json_t *root,
                           const zf_kind_spec_t *kinds, size_t nkinds, zf_workload_spec_t *w);

/* Profile value at instant t (ns since start) given the start time of day. */
double zf_profile_at(const zf_profile_t *p, zf_time_t start_tod, zf_time_t t);

/* Finalises max and mean after the points are filled. */
void zf_profile_finish(zf_profile_t *p);

/* Frees what a workload spec owns (also kind templates: see zf_kind_spec_free). */
void zf_workload_spec_free(zf_workload_spec_t *w);
void zf_kind_spec_free(zf_kind_spec_t *k);

#endif
