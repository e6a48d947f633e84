/* core: the internal state of one simulation, shared by the model's modules (queueing,
 * route, lb, group, db, faults) and private to sim/model. sim.h is the public contract.
 * Indices, not pointers, link the components, so arrays can grow. */
#ifndef ZF_MODEL_CORE_H
#define ZF_MODEL_CORE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/queue.h"
#include "engine/rng.h"
#include "metrics/recorder.h"
#include "model/sim.h"
#include "model/station.h"
#include "scenario/scenario.h"
#include "workload/workload.h"

/* Event kinds: one small enum for the whole model, dispatched by a switch in sim.c. The
 * end of each simulated second is not an event: sim.c closes it before the first event at
 * or after it. */
enum zf_ev {
    EV_ARRIVAL,       /* queueing source: obj = source */
    EV_DEPART,        /* queueing station: obj = station, arg = job */
    EV_WARMUP,
    EV_REQ_ARRIVE,    /* request reaches its instance: obj = instance, arg = req ref */
    EV_CPU_DONE,      /* obj = instance, arg = req ref */
    EV_DB_DONE,       /* arg = req ref */
    EV_RESPONSE,      /* an outcome reaches its client (answer, dead node): arg = req ref */
    EV_DEADLINE,      /* client timeouts of a kind: obj = kind */
    EV_HEALTH,        /* health check of an instance: obj = instance, arg = epoch */
    EV_HEALTH_TIMEOUT, /* an unanswered check's timeout expires: obj = instance, arg = epoch | nodes */
    EV_DNS,           /* a load balancer's DNS answer changes: obj = lb */
    EV_SCALE,         /* metric period of a group: obj = group */
    EV_LAUNCHED,      /* obj = instance, arg = epoch */
    EV_DRAINED,       /* deregistration delay over: obj = instance, arg = epoch */
    EV_STATUS,        /* EC2 status checks notice a dead instance: obj = instance, arg = epoch */
    EV_DB_PHASE,      /* database failover/restore phase ends: arg = db epoch */
    EV_DB_RESYNC,     /* old primary back in sync as standby: arg = db epoch */
    EV_FAULT_START,   /* obj = fault */
    EV_FAULT_END,     /* obj = fault */
    EV_FAULT_RANDOM,  /* random failure: obj = fault, arg = element */
    EV_DEPLOY,        /* rolling release step: obj = fault */
    EV_DEPLOYED,      /* obj = instance, arg = epoch: deploy done, registers again */
    EV_SYN_RETRY,     /* a connect to a cut-off node retransmits its SYN: obj = try, arg = req ref */
    EV_LB_RETRY,      /* the node tries the next target after a failed connect: arg = req ref */
    EV_WL_BASE,       /* workload events: EV_WL_BASE .. + ZF_WL_EVENT_KINDS - 1 */
};

/* A request in flight. arg of its events = gen << 32 | index (stale events are ignored). */
typedef struct zf_mreq {
    zf_request_t r;
    zf_time_t t_client;       /* when the client sent it (r.t) */
    zf_time_t t_enq;          /* entered its current queue */
    uint32_t gen;
    uint32_t inst;            /* instance, or UINT32_MAX */
    uint32_t next_free;
    uint16_t lb_node;         /* node index within its lb */
    uint8_t phase;            /* REQ_* */
    uint8_t client_done;      /* the client already saw an outcome (timeout, failure) */
    uint8_t lost;             /* dropped by a degraded zone: the client times out */
    uint8_t cause;            /* REQ_NET on the way back: the outcome the client will see */
    uint8_t group;            /* target group (index) */
    uint8_t tries;            /* the node's failed connects to targets so far (retries) */
    zf_time_t extra_latency;  /* degraded zones on its path, one way */
    zf_time_t back_delay;     /* retransmissions of its answer's packets (packet loss) */
} zf_mreq_t;

enum { REQ_FREE, REQ_NET, REQ_WAIT_WORKER, REQ_WAIT_CPU, REQ_CPU, REQ_WAIT_DB, REQ_DB };

typedef enum { ZONE_UP, ZONE_DOWN } zf_zone_state_t;

typedef struct zf_mzone {
    zf_zone_state_t state;
    bool cut;                 /* down by a partition: everything inside still runs */
    bool packet;              /* loss is of packets crossing its border, not of requests */
    bool impaired;            /* launches fail (outage, or FIS recovery phase) */
    zf_time_t added_latency;  /* degradation, one way per hop */
    double loss;
} zf_mzone_t;

typedef enum {
    INST_LAUNCHING, INST_IN_SERVICE, INST_DRAINING, INST_DEPLOYING, INST_DEAD, INST_TERMINATED
} zf_inst_state_t;

typedef enum { TGT_INITIAL, TGT_HEALTHY, TGT_UNHEALTHY } zf_target_health_t;

typedef struct zf_inst {
    uint32_t group, zone;
    zf_inst_state_t state;
    zf_target_health_t health;
    uint32_t epoch;               /* bumped on crash, termination: stale events ignored */
    uint8_t hc_ok, hc_fail;       /* consecutive results */
    /* Each node of the checking load balancer (by position in its zones) checks the target
     * on its own. health and hc_* above are the view of nodes that can reach the target's
     * zone, which the group and the fault records use; node_* are each node's own, which
     * its routing uses. They differ only around a partition (docs/model.md). */
    uint8_t node_health[ZF_MAX_ZONES], node_ok[ZF_MAX_ZONES], node_fail[ZF_MAX_ZONES];
    zf_time_t db_back;            /* its database connections are back at (partitions) */
    bool crashed;                 /* process gone (zone outage, crash) */
    bool terminate_when_drained;  /* rebalancing / scale-in victim */
    bool replace_pending;
    bool rebalance_launch;        /* launched to rebalance zones: a victim leaves when it serves */
    int32_t deploy_fault;         /* rolling release deploying it, or -1 */
    zf_time_t launched, in_service_since, grace_until;
    zf_station_t workers, cpu;
    double cpu_area0;             /* cpu busy area at the start of the metric period */
    double sec_area0;             /* ... of the current second */
    uint32_t in_flight;           /* requests holding a worker or waiting for one */
    zf_time_t billed_since;
} zf_inst_t;

typedef struct zf_mgroup {
    uint32_t desired;
    uint32_t *members;            /* instance indices not terminated */
    uint32_t nmembers, cap;
    uint32_t rr;                  /* round-robin cursor */
    zf_time_t last_scale;         /* last scaling activity (cooldown) */
    uint8_t *alarm_hist;          /* per period: 1 above, 2 below, 0 neither */
    uint32_t nhist, hist_pos;
    double cost_instance_ns;      /* instance-ns billed so far */
    int gauge_cpu, *gauge_zone;   /* timeseries columns */
    zf_time_t deficit_since;      /* fewer in service than desired since, or -1 */
    uint64_t launches, launch_failures, terminations, replacements;
} zf_mgroup_t;

#define ZF_DNS_HIST_MAX 4096

typedef struct zf_mlb {
    bool node_up[ZF_MAX_ZONES];       /* by position in spec->zones */
    bool node_failed[ZF_MAX_ZONES];   /* lb_node_failure fault */
    bool node_own[ZF_MAX_ZONES];      /* was cut off or lossy: its view may be its own */
    uint32_t dns_mask;                /* nodes currently in DNS (bit = node position) */
    zf_time_t dns_t[ZF_DNS_HIST_MAX]; /* history of answers: from dns_t[i], dns_m[i] */
    uint32_t dns_m[ZF_DNS_HIST_MAX];
    uint32_t ndns;
    bool dns_pending;
} zf_mlb_t;

typedef enum { DB_AVAILABLE, DB_FAILOVER, DB_DOWN, DB_RESTORING } zf_db_state_t;
typedef enum { PH_NONE, PH_DETECT, PH_PROMOTE, PH_DNS } zf_db_phase_t;

typedef struct zf_mdb {
    zf_db_state_t state;
    zf_db_phase_t phase;
    uint32_t epoch;
    int32_t primary_zone, standby_zone;  /* -1 none */
    bool standby_in_sync;
    int32_t old_primary_zone;            /* re-syncing to become standby, -1 none */
    zf_time_t block_until;               /* commits stalled (standby loss) until */
    zf_station_t conns;
    zf_rng_t rng;
    zf_time_t phase_start, failover_start;
    /* acknowledged must-not-lose writes, for loss accounting */
    zf_time_t *ack_t;                    /* ring of acknowledgement times */
    uint32_t ack_cap, ack_head, ack_len;
    int fault;                           /* fault that caused the current outage, or -1 */
    bool silent;                         /* the primary was cut off, not crashed */
} zf_mdb_t;

typedef struct zf_mfault {
    bool active;
    zf_time_t first_failure;             /* -1 until a request fails after the start */
    zf_time_t marked_unhealthy;          /* last affected target marked unhealthy */
    zf_time_t dns_removed;               /* node left DNS */
    zf_time_t dns_expired;               /* ... and the last cached answer holding it expired */
    zf_time_t db_restored;               /* database back after the failover it caused */
    zf_time_t capacity_restored;         /* affected groups back to desired in service */
    zf_rng_t rng;
    uint32_t deploy_next;                /* rolling release: next member position */
    uint32_t deploy_waiting;             /* instances of the current batch not yet back */
    bool touched_db, touched_capacity, touched_dns;
    zf_time_t watch_until;               /* failures until then count as its detection */
    uint32_t *deploy_list;               /* rolling release: instances, in order */
    uint32_t ndeploy, batch_start;
    uint32_t redeployed;                 /* rolling release: instances back with the release */
    uint64_t backlog_at_start;
} zf_mfault_t;

/* Deadline FIFO of one kind's client timeouts: requests in send order. */
typedef struct zf_deadline {
    uint64_t *ref;                       /* gen << 32 | req */
    zf_time_t *due;
    uint32_t cap, head, len;
    bool armed;
} zf_deadline_t;

typedef struct zf_model {
    const zf_scenario_t *sc;
    const zf_deploy_spec_t *dep;
    zf_queue_t q;
    zf_rec_t *rec;
    zf_time_t end;
    uint64_t seed;
    /* queueing network (sources and stations) */
    zf_rng_t *src_rng;
    double *src_mean_gap_ns;
    struct zf_qnode *nodes;
    struct zf_job *jobs;
    uint32_t njobs, jobs_cap, free_job;
    int *gauge_busy, *gauge_queue;
    uint64_t in_system;
    /* deployment */
    uint32_t rec_kind_base;              /* recorder kind of scenario kind k: base + k */
    zf_workload_t *wl;
    zf_rng_t rng_route, rng_infra;
    zf_rng_t rng_tcp;                    /* packet loss draws (tcp.c), apart so they move no other */
    zf_mreq_t *reqs;
    uint32_t nreqs, reqs_cap, free_req;
    uint64_t reqs_live;
    zf_mzone_t zones[ZF_MAX_ZONES];
    zf_mlb_t *lbs;
    zf_mgroup_t *groups;
    zf_inst_t *insts;
    uint32_t ninsts, insts_cap;
    zf_mdb_t db;
    zf_mfault_t *faults;
    zf_deadline_t *deadlines;            /* one per kind */
    uint64_t acked_writes, lost_writes, indeterminate_writes;
    double rpo_s;
    uint8_t *conn_node;                  /* keep-alive devices: node of their connection */
    uint32_t nconn;
    int g_db_state, g_db_primary, g_backlog, g_offline, g_inflight;
    uint64_t *backlog_sec;               /* device backlog at the end of each second */
    size_t nbacklog, backlog_cap;
} zf_model_t;

#define ZF_NONE UINT32_MAX

static inline uint64_t zf_mix64(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    return x ^ (x >> 31);
}

static inline uint64_t zf_ref(const zf_model_t *m, uint32_t i)
{
    return ((uint64_t)m->reqs[i].gen << 32) | i;
}

/* Returns the request of a reference, or NULL if it ended since. */
static inline zf_mreq_t *zf_deref(zf_model_t *m, uint64_t ref)
{
    uint32_t i = (uint32_t)ref;
    if (i >= m->nreqs || m->reqs[i].gen != (uint32_t)(ref >> 32) || m->reqs[i].phase == REQ_FREE)
        return NULL;
    return &m->reqs[i];
}

/* queueing.c */
int zf_qnet_setup(zf_model_t *m);
int zf_qnet_start(zf_model_t *m);
int zf_qnet_arrival(zf_model_t *m, uint32_t src, zf_time_t now);
int zf_qnet_depart(zf_model_t *m, uint32_t k, uint32_t j, zf_time_t now);
void zf_qnet_warmup(zf_model_t *m, zf_time_t now);
void zf_qnet_tick(zf_model_t *m, zf_time_t now);
void zf_qnet_metrics(zf_model_t *m);
void zf_qnet_free(zf_model_t *m);

/* route.c: the path of a deployment request */
int zf_route_setup(zf_model_t *m);
int zf_route_request(zf_model_t *m, const zf_request_t *r, zf_time_t now);
int zf_route_arrive(zf_model_t *m, uint32_t inst, uint64_t ref, zf_time_t now);
int zf_route_cpu_done(zf_model_t *m, uint32_t inst, uint64_t ref, zf_time_t now);
int zf_route_db_done(zf_model_t *m, uint64_t ref, zf_time_t now);
/* The outcome of a request on its way back reaches the client (unless it gave up). */
int zf_route_response(zf_model_t *m, uint64_t ref, zf_time_t now);
int zf_route_deadline(zf_model_t *m, uint32_t kind, zf_time_t now);
/* A connect to a node in a cut-off zone retransmits its SYN (try = 0, 1, ...). */
int zf_route_syn_retry(zf_model_t *m, uint32_t try, uint64_t ref, zf_time_t now);
/* The node retries q on the next target (load balancer retries). */
int zf_route_lb_retry(zf_model_t *m, uint64_t ref, zf_time_t now);
/* Ends a request for the client with `cause` (no-op if the client already saw one). */
int zf_route_client_end(zf_model_t *m, zf_mreq_t *q, zf_cause_t cause, zf_time_t now);
/* The instance is gone: fails everything it holds (instance_lost). */
int zf_route_instance_lost(zf_model_t *m, uint32_t inst, zf_time_t now);
/* The database failed under the requests in its phase (db_unavailable, indeterminate). */
int zf_route_db_lost(zf_model_t *m, zf_time_t now);
void zf_route_free(zf_model_t *m);

/* lb.c */
int zf_lb_setup(zf_model_t *m);
/* Node (position in the lb's zones) a client reaches at now, by its cached DNS answer. */
uint32_t zf_lb_pick_node(zf_model_t *m, uint32_t lb, uint64_t client, zf_time_t now);
bool zf_lb_node_alive(const zf_model_t *m, uint32_t lb, uint32_t node);
/* Whether a partition separates zones a and b (nothing crosses a cut zone's border). */
static inline bool zf_zones_cut(const zf_model_t *m, uint32_t a, uint32_t b)
{
    return a != b && (m->zones[a].cut || m->zones[b].cut);
}
/* Sets the target's health in every view (registration, initial instances). */
void zf_lb_set_health(zf_inst_t *in, zf_target_health_t h);
/* A partition or packet loss of zone z begins: the nodes inside keep their own view. */
void zf_lb_zone_own(zf_model_t *m, uint32_t z);
/* Target instance for a request of group g entering through node; ZF_NONE if none. */
uint32_t zf_lb_pick_target(zf_model_t *m, uint32_t lb, uint32_t node, uint32_t group);
void zf_lb_refresh_dns(zf_model_t *m, uint32_t lb, zf_time_t now);
int zf_lb_dns_event(zf_model_t *m, uint32_t lb, zf_time_t now);
int zf_lb_start_checks(zf_model_t *m, uint32_t inst, zf_time_t now);
/* A check of the instance: an answer counts at once, no answer when the timeout expires. */
int zf_lb_health_event(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now);
/* arg: epoch, bit 32 + n for node n's unanswered check, bit 63 for the reference view's. */
int zf_lb_health_timeout_event(zf_model_t *m, uint32_t inst, uint64_t arg, zf_time_t now);
void zf_lb_free(zf_model_t *m);

/* group.c */
int zf_group_setup(zf_model_t *m);
int zf_group_launch(zf_model_t *m, uint32_t g, int32_t zone, zf_time_t now, bool initial);
int zf_group_launched(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now);
int zf_group_scale_event(zf_model_t *m, uint32_t g, zf_time_t now);
/* The load balancer found the instance unhealthy (ELB health check type). */
int zf_group_unhealthy(zf_model_t *m, uint32_t inst, zf_time_t now);
int zf_group_status_event(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now);
int zf_group_crash(zf_model_t *m, uint32_t inst, zf_time_t now);
int zf_group_drain(zf_model_t *m, uint32_t inst, zf_time_t now, bool then_terminate);
int zf_group_drained_event(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now);
int zf_group_terminate(zf_model_t *m, uint32_t inst, zf_time_t now);
uint32_t zf_group_in_service(const zf_model_t *m, uint32_t g, int32_t zone);
void zf_group_tick(zf_model_t *m, zf_time_t now);
void zf_group_metrics(zf_model_t *m, zf_time_t now);
void zf_group_free(zf_model_t *m);

/* db.c */
int zf_db_setup(zf_model_t *m);
/* Database time for a request of kind k now (ns), or -1 if unavailable. */
int zf_db_begin(zf_model_t *m, uint64_t ref, uint32_t kind, zf_time_t now);
int zf_db_end(zf_model_t *m, zf_time_t now);
void zf_db_ack(zf_model_t *m, zf_time_t now);
int zf_db_crash(zf_model_t *m, zf_time_t now, bool detected, int fault);
int zf_db_standby_lost(zf_model_t *m, zf_time_t now);
int zf_db_zone_back(zf_model_t *m, uint32_t zone, zf_time_t now);
/* The instance's database connections broke in a partition: back after a reconnect draw. */
void zf_db_reconnect(zf_model_t *m, uint32_t inst, zf_time_t now);
/* A single-zone database that crashed restarts (its instance is back). */
int zf_db_restart(zf_model_t *m, zf_time_t now);
int zf_db_restore(zf_model_t *m, zf_time_t now, zf_time_t duration, int fault);
int zf_db_phase_event(zf_model_t *m, uint32_t epoch, zf_time_t now);
int zf_db_resync_event(zf_model_t *m, uint32_t epoch, zf_time_t now);
void zf_db_free(zf_model_t *m);

/* tcp.c: packet loss on a path */
/* Probability that a packet between zones a and b is lost at a lossy zone's border
 * (inline: every request and database call asks). */
static inline double zf_tcp_path_loss(const zf_model_t *m, uint32_t a, uint32_t b)
{
    if (a == b || !(m->zones[a].packet || m->zones[b].packet))
        return 0; /* inside a zone no border is crossed */
    double pa = m->zones[a].packet ? m->zones[a].loss : 0;
    double pb = m->zones[b].packet ? m->zones[b].loss : 0;
    return 1 - (1 - pa) * (1 - pb);
}
/* When a connect whose SYN and SYN-ACK are each lost with probability p completes (0 at
 * once), or -1 if not before timeout. */
zf_time_t zf_tcp_connect(zf_rng_t *rng, double p, zf_time_t timeout);
/* Extra delay of one data segment lost with probability p (retransmissions). */
zf_time_t zf_tcp_segment(zf_rng_t *rng, double p);

/* faults.c */
int zf_faults_setup(zf_model_t *m);
int zf_fault_start(zf_model_t *m, uint32_t f, zf_time_t now);
int zf_fault_end(zf_model_t *m, uint32_t f, zf_time_t now);
int zf_fault_random(zf_model_t *m, uint32_t f, uint64_t elem, zf_time_t now);
int zf_fault_deploy(zf_model_t *m, uint32_t f, zf_time_t now);
int zf_fault_deployed(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now);
/* The load balancer marked inst unhealthy at now: the detection of the faults that hit it. */
void zf_faults_target_unhealthy(zf_model_t *m, uint32_t inst, zf_time_t now);
/* A request failed at now: the first failure after each active fault's start. */
void zf_faults_saw_failure(zf_model_t *m, zf_time_t now);
/* After the run: fault records with detection, recovery and RTO phases. */
int zf_faults_record(zf_model_t *m);
void zf_faults_free(zf_model_t *m);

#endif
