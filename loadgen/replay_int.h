/* replay_int: the replay driver's state, shared by replay.c (generator, feed, completions,
 * per-second series, the run's phases), replay_faults.c (fault actions on schedule, stop
 * conditions) and replay_report.c (fault records, history, JSON sections). Not a public
 * header: the contract is replay.h. Everything here lives on the driver's thread. */
#ifndef ZF_REPLAY_INT_H
#define ZF_REPLAY_INT_H

#include <uv.h>

#include "engine/queue.h"
#include "loadgen/actions.h"
#include "loadgen/feed.h"
#include "loadgen/ledger.h"
#include "loadgen/replay.h"
#include "loadgen/template.h"
#include "loadgen/verify.h"
#include "workload/trace.h"
#include "workload/workload.h"

#define RP_LOOKAHEAD_NS (50 * ZF_MS)   /* requests reach the engine this far ahead */
#define RP_FEED_PERIOD_MS 5            /* the feed is topped up this often */
#define RP_TICK_GRACE_NS (100 * ZF_MS) /* a second closes this long after it ends */
#define RP_WATCH_AFTER_NS (5 * ZF_MIN) /* failures this long after a fault's end count
                                          for it (the simulator's WATCH_AFTER) */
#define RP_RING 16384                  /* requests per engine thread in the feed */

/* Driver events in the generator's queue, after the workload's kinds. */
enum { RP_EV_MARK = ZF_WL_EVENT_KINDS, RP_EV_OFFLINE_START, RP_EV_OFFLINE_END };

/* The run's phases, in order. */
enum rp_phase {
    RP_RUN,      /* sending */
    RP_DRAIN,    /* traffic over or stopped: the engine finishes, faults are healed */
    RP_SETTLE,   /* every fault healed: waiting before verification */
    RP_VERIFY,   /* reading writes back */
    RP_DONE,
};

/* A request handed to the engine, until its completion (the engine's id is the index). */
typedef struct rp_slot {
    zf_request_t req;
    uint32_t next_free;
} rp_slot_t;

enum rp_fault_state { RF_PENDING, RF_INJECTING, RF_INJECTED, RF_HEALING, RF_HEALED, RF_MISSED };

/* A fault of the scenario that this run injects. */
typedef struct rp_fault {
    struct zf_replay *rp;
    size_t index;                  /* in sc->deploy.faults */
    const zf_fault_spec_t *fs;
    const zf_fault_actions_t *acts; /* NULL: no commands (a device-network outage) */
    bool in_generator;             /* a device-network outage: the generator's devices go
                                      offline (no command needed) */
    zf_time_t start_w, end_w;      /* wall instants from the run's start */
    bool heal_at_end;              /* heal at end_w; otherwise when the replay stops */
    int state;                     /* rp_fault_state */
    bool heal_wanted;              /* heal as soon as the inject command ended */
    zf_time_t first_failure;       /* wall instant, -1 */
    int64_t backlog_at_start;      /* devices' buffered messages when it was injected; -1:
                                      unknown (no generated fleet, or never injected) */
    zf_action_t inject, heal;
    char *files[4];                /* inject out, err, heal out, err (owned) */
    char *env[16];                 /* ZF_* variables (owned) and the actions' env */
    size_t nenv;
    char **all_env;                /* ZF_* then the scenario's env (owned array) */
} rp_fault_t;

/* A stop condition being watched. */
typedef struct rp_stop {
    struct zf_replay *rp;
    const zf_stop_spec_t *spec;
    size_t index;
    uint32_t above;                /* consecutive seconds above the error rate */
    zf_action_t act;
    bool busy;
    uint64_t runs;
    uv_timer_t timer;
    char *files[2];
} rp_stop_t;

typedef struct zf_replay {
    const zf_replay_opts_t *o;
    const zf_scenario_t *sc;
    zf_replay_result_t *res;
    zf_replay_plan_t *plan;        /* a dry run: count, send nothing */
    uint64_t *plan_sec_kind;       /* [nkinds] in the dry run's current wall second */
    int64_t plan_sec;
    int rc;                        /* the first error of the run (ZF_E*) */
    zf_err_t err;
    uv_loop_t loop;
    int loop_open;
    uv_async_t done_async, engine_async, verify_async;
    uv_timer_t feed_timer, tick_timer, sched_timer, settle_timer;
    uv_signal_t sigint, sigterm;
    int phase;
    int signals;
    /* generator */
    zf_queue_t q;
    zf_workload_t *wl;
    zf_trace_t *trace;
    zf_request_t trace_req;
    bool trace_held, gen_ended;
    zf_time_t marker_at;           /* the generator has run up to here (scenario ns)... */
    bool marker_queued;            /* ...once this marker event has been popped */
    bool pending;                  /* pending_req did not fit in its ring */
    zf_request_t pending_req;
    zf_time_t window_w;            /* wall length of [from, to) */
    zf_time_t max_timeout;
    /* engine */
    zf_lg_t *lg;
    zf_lg_feed_t *feed;
    unsigned nthreads;
    zf_time_t t0;
    uv_thread_t waiter;
    bool engine_started, engine_done;
    int engine_rc;
    zf_err_t engine_err;
    rp_slot_t *slots;
    uint32_t nslots, slot_cap, free_slot, inflight;
    zf_template_buf_t tb;
    /* measurements */
    uint64_t next_sec;             /* first second not closed */
    uint64_t arr_ahead[4];         /* arrivals by intended second, mod 4 */
    zf_hist_t sec_lag;
    int g_backlog, g_offline, g_lag, g_faults;
    uint64_t *backlog_sec;         /* generated fleets: the backlog at each second's end */
    size_t nbacklog, backlog_cap;
    uint64_t cut_off, sent_out;
    zf_time_t last_send;           /* the latest actual send seen (wall) */
    FILE *history;
    char history_tmp[4096], history_path[4096];
    zf_ledger_t ledger;
    /* faults and stop conditions */
    rp_fault_t *faults;
    size_t nfaults;
    rp_stop_t *stops;
    size_t nstops;
    /* verification */
    zf_verify_t *verifier;
    uv_thread_t vthread;
    bool vthread_running;
    int vrc;
    zf_err_t verr;
    zf_verify_stats_t vstats;
    bool verify_done;              /* the read-back ran to its end (it may have left writes
                                      without an answer) */
    bool verified;                 /* ... and every acknowledged write got one: loss known */
    const char *verify_method;     /* "http", "command", "none" */
    zf_action_t vcmd;
    char *vfiles[3];               /* ids, out, err */
} zf_replay_t;

/* replay.c */
zf_time_t rp_now(const zf_replay_t *rp);
void rp_advance(zf_replay_t *rp);             /* moves the phases on when they are over */
void rp_abort(zf_replay_t *rp, zf_replay_status_t why, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
void rp_fail(zf_replay_t *rp, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
char *rp_path(const zf_replay_t *rp, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* replay_faults.c */
int rp_faults_setup(zf_replay_t *rp);          /* which faults, their instants */
int rp_faults_queue(zf_replay_t *rp);          /* device outages into the generator */
void rp_faults_start(zf_replay_t *rp);         /* arms the schedule and the stop conditions */
void rp_faults_heal_all(zf_replay_t *rp);      /* the replay stops: heal what is injected */
bool rp_faults_idle(const zf_replay_t *rp);    /* nothing injected or running */
void rp_faults_saw_failure(zf_replay_t *rp, zf_time_t end_w);
void rp_stops_second(zf_replay_t *rp, uint64_t sec, uint64_t ok, uint64_t failed);
void rp_stops_close(zf_replay_t *rp);
void rp_faults_close(zf_replay_t *rp);         /* closes the handles (loop ending) */
void rp_faults_free(zf_replay_t *rp);
int rp_faults_injected(const zf_replay_t *rp);

/* replay_report.c */
int rp_report(zf_replay_t *rp);                /* fault records, data loss, metrics, JSON */
int rp_history_write(zf_replay_t *rp, const zf_request_t *req, const zf_lg_done_t *d,
                     int outcome);
int rp_history_verify(zf_replay_t *rp);        /* verification lines, then rename */

#endif
