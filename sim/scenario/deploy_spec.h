/* deploy_spec: the typed infrastructure section of a scenario: zones, load balancers,
 * auto-scaled groups, the database, the faults to inject and how recovery is judged.
 * Every default has its source in docs/model.md; the parser is deploy_spec.c. */
#ifndef ZF_DEPLOY_SPEC_H
#define ZF_DEPLOY_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/dist.h"

#define ZF_MAX_ZONES 16
#define ZF_NO_INDEX (-1)

typedef struct zf_zone_spec {
    char name[64];
} zf_zone_spec_t;

typedef struct zf_health_check_spec {
    zf_time_t interval, timeout;
    uint32_t healthy_threshold, unhealthy_threshold;
} zf_health_check_spec_t;

typedef struct zf_lb_spec {
    char name[64];
    uint32_t zones[ZF_MAX_ZONES];   /* a node in each */
    size_t nzones;
    zf_time_t dns_ttl;              /* clients re-resolve this often */
    zf_time_t dns_update_delay;     /* an unhealthy node's address leaves DNS after this */
    bool cross_zone;
    zf_health_check_spec_t health;
    zf_time_t deregistration_delay; /* draining targets finish in-flight work this long */
    zf_time_t connect_timeout;      /* a client reaching a dead node fails after this */
    zf_time_t target_connect_timeout; /* a node's connect to a target gives up (504) after this */
    uint32_t retries;               /* a failed connect to a target is tried again this often */
    zf_time_t network_latency;      /* client <-> node one way */
    int32_t *kind_group;            /* owned: group of each kind routed here, or -1 */
    size_t nkinds;
} zf_lb_spec_t;

typedef struct zf_step_spec {
    double lower, upper;            /* metric bounds (CPU 0..1) of this step */
    int32_t adjust;                 /* instances added (negative: removed) */
} zf_step_spec_t;

typedef enum zf_scaling_kind {
    ZF_SCALING_NONE,
    ZF_SCALING_TARGET,              /* target tracking on average CPU */
    ZF_SCALING_STEP,                /* step scaling on CPU alarms */
} zf_scaling_kind_t;

typedef struct zf_scaling_spec {
    zf_scaling_kind_t kind;
    double target;                  /* target tracking: average CPU to hold */
    zf_time_t period;               /* metric period */
    uint32_t out_periods, out_datapoints; /* scale-out alarm: M of N periods above */
    uint32_t in_periods, in_datapoints;   /* scale-in alarm */
    double in_threshold_factor;     /* target tracking scales in below target * this */
    zf_step_spec_t *steps;          /* owned, step scaling */
    size_t nsteps;
    double out_threshold, in_threshold; /* step scaling alarm thresholds */
    zf_time_t cooldown;
    zf_time_t warmup;               /* a new instance counts in the metric after this */
} zf_scaling_spec_t;

typedef struct zf_group_spec {
    char name[64];
    uint32_t zones[ZF_MAX_ZONES];
    size_t nzones;
    uint32_t min, max, desired;
    uint32_t workers, vcpus;        /* per instance: concurrent requests, CPU cores */
    int64_t queue_limit;            /* waiting requests per instance; -1 unlimited */
    zf_time_t queue_timeout;        /* waiting longer than this fails (0: never) */
    zf_dist_t launch_time;          /* launch to in service (boot + app start), ns */
    zf_time_t health_check_grace;
    bool elb_health;                /* replace instances the load balancer finds unhealthy */
    zf_time_t status_check_delay;   /* EC2 status checks notice a dead instance after this */
    zf_scaling_spec_t scaling;
    bool rebalance;                 /* AZ rebalancing after a zone returns */
    double hourly_cost;             /* per instance-hour, for the cost figure */
    int32_t lb;                     /* first load balancer routing to it (its health checks) */
} zf_group_spec_t;

typedef enum zf_replication {
    ZF_REPL_SYNC,
    ZF_REPL_ASYNC,
} zf_replication_t;

typedef struct zf_db_spec {
    bool present;
    char name[64];
    uint32_t primary_zone;
    int32_t standby_zone;           /* -1: single-zone, no standby */
    zf_replication_t replication;
    zf_dist_t async_lag;            /* async: how far the standby trails, ns */
    zf_dist_t read, commit, replication_rtt; /* per operation, ns */
    uint32_t max_connections;
    int64_t queue_limit;            /* -1 unlimited */
    zf_dist_t detection, promotion, dns_switch; /* failover phases, ns */
    zf_dist_t resync;               /* old primary becomes standby after this */
    zf_dist_t reconnect;            /* an instance's connections back after a partition, ns */
    zf_time_t standby_loss_block;   /* commits stall this long when the standby is lost */
    zf_time_t log_ship_interval;    /* transaction logs shipped this often (restore RPO) */
    zf_time_t snapshot_interval;
} zf_db_spec_t;

typedef enum zf_fault_type {
    ZF_FAULT_ZONE_OUTAGE,
    ZF_FAULT_ZONE_DEGRADATION,
    ZF_FAULT_INSTANCE_CRASH,
    ZF_FAULT_DB_CRASH,
    ZF_FAULT_DB_FAILOVER,
    ZF_FAULT_LB_NODE,
    ZF_FAULT_DEVICE_NETWORK,
    ZF_FAULT_ROLLING_RELEASE,
    ZF_FAULT_RANDOM,
    ZF_FAULT_PITR,
    ZF_FAULT_AZ_POWER,
    ZF_FAULT_TYPE_COUNT
} zf_fault_type_t;

typedef enum zf_fault_class {       /* what a random fault hits */
    ZF_TARGET_ZONE,
    ZF_TARGET_GROUP,
    ZF_TARGET_LB,
    ZF_TARGET_DB,
    ZF_TARGET_FLEET,
} zf_fault_class_t;

typedef struct zf_fault_spec {
    char name[64];
    zf_fault_type_t type;
    char target_name[64];
    zf_fault_class_t target_class;
    int32_t target;                 /* index in its class */
    int32_t zone;                   /* lb node zone, or instance zone filter, or -1 */
    zf_time_t start, duration;      /* duration 0: instantaneous (crash) or until the end */
    zf_time_t added_latency;        /* zone degradation */
    double loss;                    /* zone degradation: fraction of requests dropped */
    bool packet_loss;               /* ... of packets crossing the zone's border instead */
    uint32_t count;                 /* instance crash: how many */
    double fraction;                /* device network outage */
    uint32_t batch_size;            /* rolling release: instances per batch (or ...) */
    double batch_percent;           /* ... a percentage of the group */
    zf_dist_t deploy_time;          /* rolling release, per instance, ns */
    zf_dist_t mtbf, mttr;           /* random failures */
    zf_time_t recovery;             /* AZ power interruption: recovery phase length */
    bool partition;                 /* zone outage: cut off, everything inside keeps running */
    json_t *actions;                /* owned deep copy of "actions" for the replayer, or NULL */
} zf_fault_spec_t;

typedef struct zf_recovery_spec {
    double threshold;               /* availability a service must be back above */
    zf_time_t window;               /* over this sliding window */
} zf_recovery_spec_t;

typedef struct zf_deploy_spec {
    zf_zone_spec_t *zones;
    size_t nzones;
    zf_lb_spec_t *lbs;
    size_t nlbs;
    zf_group_spec_t *groups;
    size_t ngroups;
    zf_db_spec_t db;
    zf_fault_spec_t *faults;
    size_t nfaults;
    zf_recovery_spec_t recovery;
} zf_deploy_spec_t;

struct zf_jr;
struct zf_scenario;

/* Parses the infrastructure keys of the scenario root (zones, load_balancers, groups,
 * database, faults, recovery) after kinds and workload, resolving names and routes.
 * 0 or ZF_EINVAL naming the JSON path. */
int zf_deploy_spec_parse(struct zf_jr *jr, const json_t *root, struct zf_scenario *s,
                         zf_deploy_spec_t *d);

const char *zf_fault_type_name(zf_fault_type_t t);

void zf_deploy_spec_free(zf_deploy_spec_t *d);

#endif
