/* replay: the driver's loop. Tops up the engine's feed from the generator (or a trace)
 * RP_LOOKAHEAD_NS ahead of the wall clock, records completions (recorder, ledger,
 * history) and returns them to the generator, closes wall seconds, and walks the run
 * through its phases: sending, draining and healing, settling, verifying. */
#include "loadgen/replay_int.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "workload/perm.h"

zf_time_t rp_now(const zf_replay_t *rp) { return zf_wall_now() - rp->t0; }

char *rp_path(const zf_replay_t *rp, const char *fmt, ...)
{
    char name[512], *p;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(name, sizeof name, fmt, ap);
    va_end(ap);
    size_t len = strlen(rp->o->dir) + strlen(name) + 2;
    if ((p = malloc(len)))
        snprintf(p, len, "%s/%s", rp->o->dir, name);
    return p;
}

bool zf_replay_in_shard(const zf_request_t *r, uint32_t k, uint32_t n)
{
    if (n <= 1)
        return true;
    uint64_t key = (uint64_t)r->source << 32 | r->entity;
    if (r->source == ZF_SRC_GENERIC) /* one entity per source, no state: split by message */
        key = zf_perm_mix(key) ^ r->seq;
    return zf_perm_mix(key) % n == k;
}

/* ---- scaling ---- */

static uint32_t scale_count(uint32_t n, double f)
{
    if (n == 0)
        return 0;
    double v = round((double)n * f);
    return v < 1 ? 1 : (uint32_t)v;
}

void zf_replay_scale(zf_scenario_t *sc, double f)
{
    zf_workload_spec_t *w = &sc->workload;
    w->fleet.count = scale_count(w->fleet.count, f);
    w->locations.count = scale_count(w->locations.count, f);
    w->agencies.count = scale_count(w->agencies.count, f);
    w->web.peak_rate_per_s *= f;
    w->web.users = scale_count(w->web.users, f);
    for (size_t i = 0; i < w->nsources; i++)
        w->sources[i].rate_per_s *= f;
}

/* ---- the end of a run ---- */

static void begin_drain(zf_replay_t *rp)
{
    if (rp->phase != RP_RUN)
        return;
    rp->phase = RP_DRAIN;
    rp->gen_ended = true;
    uv_timer_stop(&rp->feed_timer);
    if (rp->feed)
        zf_lg_feed_end(rp->feed);
    rp_stops_close(rp);
    rp_faults_heal_all(rp);
}

static void stop_early(zf_replay_t *rp)
{
    if (rp->lg && rp->engine_started)
        zf_lg_stop(rp->lg);
    if (rp->phase == RP_RUN)
        begin_drain(rp);
    if (rp->phase == RP_SETTLE) {
        uv_timer_stop(&rp->settle_timer);
        rp->phase = RP_DONE;
        uv_stop(&rp->loop);
    }
    if (rp->phase == RP_VERIFY && rp->verifier)
        zf_verify_stop(rp->verifier);
    if (rp->phase == RP_VERIFY && rp->vcmd.running)
        zf_action_kill(&rp->vcmd);
}

void rp_abort(zf_replay_t *rp, zf_replay_status_t why, const char *fmt, ...)
{
    if (rp->res->status == ZF_REPLAY_COMPLETE) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rp->res->reason, sizeof rp->res->reason, fmt, ap);
        va_end(ap);
        rp->res->status = why;
    }
    stop_early(rp);
}

void rp_fail(zf_replay_t *rp, int code, const char *fmt, ...)
{
    if (rp->rc == 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(rp->err.msg, sizeof rp->err.msg, fmt, ap);
        va_end(ap);
        rp->rc = code;
    }
    stop_early(rp);
}

/* ---- handing requests to the engine ---- */

static int slot_alloc(zf_replay_t *rp, uint32_t *out)
{
    if (rp->free_slot == UINT32_MAX) {
        if (rp->nslots == rp->slot_cap) {
            uint32_t cap = rp->slot_cap ? rp->slot_cap * 2 : 4096;
            rp_slot_t *s = realloc(rp->slots, cap * sizeof *s);
            if (!s)
                return ZF_ENOMEM;
            rp->slots = s;
            rp->slot_cap = cap;
        }
        rp->slots[rp->nslots].next_free = UINT32_MAX;
        rp->free_slot = rp->nslots++;
    }
    *out = rp->free_slot;
    rp->free_slot = rp->slots[*out].next_free;
    rp->inflight++;
    return 0;
}

static void slot_free(zf_replay_t *rp, uint32_t i)
{
    rp->slots[i].next_free = rp->free_slot;
    rp->free_slot = i;
    rp->inflight--;
}

/* Counts a request of a dry run, with the busiest wall second overall and per kind. */
static void plan_flush(zf_replay_t *rp)
{
    zf_replay_plan_t *p = rp->plan;
    uint64_t all = 0;
    for (size_t k = 0; k < rp->sc->nkinds; k++) {
        all += rp->plan_sec_kind[k];
        if (rp->plan_sec_kind[k] > p->peak_by_kind[k])
            p->peak_by_kind[k] = rp->plan_sec_kind[k];
        rp->plan_sec_kind[k] = 0;
    }
    if (all > p->peak)
        p->peak = all;
}

static void count_plan(zf_replay_t *rp, const zf_request_t *r)
{
    int64_t sec = zf_replay_wall(rp->o, r->t) / ZF_S;
    if (sec != rp->plan_sec) {
        plan_flush(rp);
        rp->plan_sec = sec;
    }
    rp->plan_sec_kind[r->kind]++;
    rp->plan->total++;
    rp->plan->by_kind[r->kind]++;
}

/* A request of the window for this shard: to the engine (or counted by a dry run).
 * Returns 0, 1 when its ring is full (kept in pending), or ZF_ENOMEM. */
static int send_request(zf_replay_t *rp, const zf_request_t *r)
{
    if (rp->plan) {
        count_plan(rp, r);
        return 0;
    }
    const zf_kind_spec_t *k = &rp->sc->kinds[r->kind];
    uint32_t id;
    zf_lg_req_t lr = {.t = zf_replay_wall(rp->o, r->t), .target = (uint32_t)k->lb,
                      .timeout_ns = k->timeout};
    if (r->source == ZF_SRC_DEVICE && !rp->sc->workload.fleet.keepalive)
        lr.flags = ZF_LG_REQ_NEW_CONN;
    if (zf_template_expand(&k->http, k->name, r, &rp->tb, &lr.http) < 0 ||
        slot_alloc(rp, &id) < 0)
        return ZF_ENOMEM;
    lr.id = id;
    unsigned th = (unsigned)(zf_perm_mix((uint64_t)r->source << 40 ^ r->entity) % rp->nthreads);
    int rc = zf_lg_feed_push(rp->feed, th, &lr);
    if (rc != 0) {
        slot_free(rp, id);
        if (rc == 1) {
            rp->pending = true;
            rp->pending_req = *r;
        }
        return rc;
    }
    rp->slots[id].req = *r;
    rp->sent_out++;
    if (lr.t >= rp->res->rec.warmup)
        rp->res->rec.arrivals++;
    rp->arr_ahead[(uint64_t)(lr.t < 0 ? 0 : lr.t / ZF_S) % 4]++;
    return 0;
}

/* A generated request: before the window or in another shard it succeeds at once (the
 * device moves on, nothing is sent); otherwise it goes out. */
static int on_request(zf_replay_t *rp, const zf_request_t *r)
{
    if (r->t < rp->o->from || !zf_replay_in_shard(r, rp->o->shard_k, rp->o->shard_n)) {
        if (rp->plan && r->t >= rp->o->from)
            rp->plan->skipped++;
        return rp->wl ? zf_workload_result(rp->wl, r, true, r->t) : 0;
    }
    int rc = send_request(rp, r);
    if (rc == 0 && rp->plan && rp->wl)
        rc = zf_workload_result(rp->wl, r, true, r->t);
    return rc;
}

/* Pops the generator's events up to scenario instant h (a marker event there). */
static int gen_until(zf_replay_t *rp, zf_time_t h)
{
    zf_event_t e;
    zf_request_t req;
    int rc = 0;
    if (h > rp->marker_at) {
        if (zf_queue_push(&rp->q, h, RP_EV_MARK, 0, 0) < 0)
            return ZF_ENOMEM;
        rp->marker_at = h;
        rp->marker_queued = true;
    } else if (!rp->marker_queued) {
        return 0; /* everything up to h was handled */
    }
    while (rc == 0 && !rp->pending && zf_queue_pop(&rp->q, &e)) {
        unsigned kind = zf_event_kind(&e);
        if (kind == RP_EV_MARK) {
            if (e.time != rp->marker_at)
                continue; /* an older marker, left when a full ring stopped a fill */
            rp->marker_queued = false;
            break;
        }
        if (kind == RP_EV_OFFLINE_START || kind == RP_EV_OFFLINE_END) {
            const zf_fault_spec_t *fs = &rp->sc->deploy.faults[e.obj];
            rc = zf_workload_set_offline(rp->wl, kind == RP_EV_OFFLINE_START ? fs->fraction : 0,
                                         zf_perm_mix(rp->o->seed ^ e.obj), e.time);
            continue;
        }
        if ((rc = zf_workload_event(rp->wl, &e, &req)) == 1)
            rc = on_request(rp, &req);
    }
    return rc < 0 ? rc : 0;
}

/* Reads trace records up to scenario instant h. */
static int trace_until(zf_replay_t *rp, zf_time_t h)
{
    int rc = 0;
    while (rc == 0 && !rp->pending) {
        if (!rp->trace_held) {
            int n = zf_trace_next(rp->trace, &rp->trace_req, &rp->err);
            if (n <= 0)
                return n < 0 ? (rp->rc = n) : (rp->gen_ended = true, 0);
            rp->trace_held = true;
        }
        if (rp->trace_req.t > h || rp->trace_req.t >= rp->o->to)
            break;
        rp->trace_held = false;
        rc = on_request(rp, &rp->trace_req);
    }
    return rc;
}

/* Tops the feed up to scenario instant h (at most the window's end). */
static int fill_until(zf_replay_t *rp, zf_time_t h)
{
    if (h > rp->o->to)
        h = rp->o->to;
    if (rp->pending) {
        zf_request_t r = rp->pending_req;
        rp->pending = false;
        int rc = send_request(rp, &r);
        if (rc != 0)
            return rc < 0 ? rc : 0;
    }
    return rp->trace ? trace_until(rp, h) : gen_until(rp, h);
}

static void on_feed(uv_timer_t *t)
{
    zf_replay_t *rp = t->data;
    if (rp->phase != RP_RUN)
        return;
    zf_time_t now = rp_now(rp);
    zf_time_t h = rp->o->from + (zf_time_t)((double)(now + RP_LOOKAHEAD_NS) * rp->o->speed);
    int rc = fill_until(rp, h);
    if (rc < 0)
        rp_fail(rp, rc, "out of memory generating the workload");
    else if (now >= rp->window_w && !rp->pending && (rp->gen_ended || h >= rp->o->to))
        begin_drain(rp); /* the window is over: what is out finishes, nothing new */
}

/* ---- completions ---- */

static int write_outcome(const zf_lg_done_t *d)
{
    if (d->cause == ZF_CAUSE_OK)
        return ZF_WRITE_ACKED;
    bool sent = d->service_ns >= 0;
    switch (d->cause) {
    case ZF_CAUSE_HTTP_4XX:
    case ZF_CAUSE_CONNECT_REFUSED:
    case ZF_CAUSE_CONNECT_TIMEOUT:
    case ZF_CAUSE_DNS:
        return ZF_WRITE_FAILED;
    default:
        return sent ? ZF_WRITE_UNKNOWN : ZF_WRITE_FAILED;
    }
}

/* Keeps the devices' backlog at the end of the second being closed, for the backlog
 * drain after each fault (as the simulator keeps it). 0 or ZF_ENOMEM. */
static int keep_backlog(zf_replay_t *rp, uint64_t backlog)
{
    if (rp->nbacklog == rp->backlog_cap) {
        size_t cap = rp->backlog_cap ? rp->backlog_cap * 2 : 1024;
        uint64_t *v = realloc(rp->backlog_sec, cap * sizeof *v);
        if (!v)
            return ZF_ENOMEM;
        rp->backlog_sec = v;
        rp->backlog_cap = cap;
    }
    rp->backlog_sec[rp->nbacklog++] = backlog;
    return 0;
}

static int close_second(zf_replay_t *rp)
{
    zf_rec_t *r = &rp->res->rec;
    uint64_t s = rp->next_sec++;
    r->sec_arr += rp->arr_ahead[s % 4];
    rp->arr_ahead[s % 4] = 0;
    uint64_t ok = r->sec_ok, failed = r->sec_failed;
    if (rp->wl) {
        zf_workload_stats_t st;
        zf_workload_stats(rp->wl, &st);
        if (keep_backlog(rp, st.buffered_now) < 0)
            return ZF_ENOMEM;
        if (rp->g_backlog >= 0) {
            zf_rec_gauge(r, rp->g_backlog, (double)st.buffered_now);
            zf_rec_gauge(r, rp->g_offline, (double)st.offline_now);
        }
    }
    zf_rec_gauge(r, rp->g_lag, rp->sec_lag.total ? (double)zf_hist_quantile(&rp->sec_lag, 0.99) / 1e6 : 0);
    zf_rec_gauge(r, rp->g_faults, (double)rp_faults_injected(rp));
    zf_hist_reset(&rp->sec_lag);
    int rc = zf_rec_tick(r, s, rp->inflight);
    if (rp->phase == RP_RUN)
        rp_stops_second(rp, s, ok, failed);
    return rc;
}

/* Closes every second that ended before instant `upto` (wall, from the start). */
static void close_seconds(zf_replay_t *rp, zf_time_t upto)
{
    while (rp->rc == 0 && upto >= (zf_time_t)(rp->next_sec + 1) * ZF_S) {
        int rc = close_second(rp);
        if (rc < 0)
            rp_fail(rp, rc, "%s", rc == ZF_EIO ? "writing the per-second series failed"
                                                : "out of memory for the series");
    }
}

static void record(zf_replay_t *rp, const zf_request_t *req, const zf_lg_done_t *d)
{
    zf_time_t end = d->t + d->latency_ns;
    close_seconds(rp, end);
    zf_rec_end(&rp->res->rec, d->t, end, req->kind, d->cause);
    if (d->service_ns >= 0) {
        zf_hist_record(&rp->sec_lag, d->latency_ns - d->service_ns);
        if (end - d->service_ns > rp->last_send)
            rp->last_send = end - d->service_ns;
    }
    if (d->status > 0)
        rp->res->responses++;
    if (d->cause != ZF_CAUSE_OK)
        rp_faults_saw_failure(rp, end);
}

static void on_done(void *ctx, unsigned thread, const zf_lg_done_t *d)
{
    (void)thread;
    zf_replay_t *rp = ctx;
    zf_request_t req = rp->slots[d->id].req;
    const zf_kind_spec_t *k = &rp->sc->kinds[req.kind];
    slot_free(rp, (uint32_t)d->id);
    /* cut short by a stop: neither a success nor a failure of the target */
    bool cut = rp->phase != RP_RUN && d->cause == ZF_CAUSE_TIMEOUT && d->latency_ns < k->timeout;
    if (cut)
        rp->cut_off++;
    else
        record(rp, &req, d);
    int outcome = write_outcome(d), rc = 0;
    if (req.write_id && (rc = zf_ledger_add(&rp->ledger, req.write_id, (uint16_t)req.kind,
                                            d->t + d->latency_ns, outcome)) == 0)
        rc = rp_history_write(rp, &req, d, outcome);
    if (rc == 0 && rp->wl && rp->phase == RP_RUN) {
        zf_time_t now = rp->o->from + (zf_time_t)((double)(d->t + d->latency_ns) * rp->o->speed);
        rc = zf_workload_result(rp->wl, &req, d->cause == ZF_CAUSE_OK, now);
    }
    if (rc < 0)
        rp_fail(rp, rc, rc == ZF_EIO ? "writing history.jsonl failed" : "out of memory");
}

static void on_done_async(uv_async_t *h)
{
    zf_replay_t *rp = h->data;
    zf_lg_feed_drain(rp->feed, on_done, rp);
    if (rp->phase == RP_RUN)
        on_feed(&rp->feed_timer); /* retries and next messages go out without waiting */
}

static void notify(void *ctx) { uv_async_send(&((zf_replay_t *)ctx)->done_async); }

static void on_tick(uv_timer_t *t)
{
    zf_replay_t *rp = t->data;
    zf_time_t now = rp_now(rp);
    close_seconds(rp, now - RP_TICK_GRACE_NS);
    if (!rp->o->progress)
        return;
    zf_rec_t *r = &rp->res->rec;
    char a[32], b[32];
    uint64_t done = r->ok + r->failed;
    fprintf(stderr, "\rreplay %s / %s  sent %llu  ok %.2f%%  in flight %u  faults %d   ",
            zf_time_format(now / ZF_S * ZF_S, a, sizeof a),
            zf_time_format(rp->window_w, b, sizeof b), (unsigned long long)rp->sent_out,
            done ? 100.0 * (double)r->ok / (double)done : 100.0, rp->inflight,
            rp_faults_injected(rp));
}

/* ---- the engine on its own threads ---- */

static void waiter_main(void *arg)
{
    zf_replay_t *rp = arg;
    rp->engine_rc = zf_lg_wait(rp->lg, &rp->res->engine, &rp->engine_err);
    uv_async_send(&rp->engine_async);
}

static void on_engine_done(uv_async_t *h)
{
    zf_replay_t *rp = h->data;
    uv_thread_join(&rp->waiter);
    rp->engine_done = true;
    zf_lg_feed_drain(rp->feed, on_done, rp);
    if (rp->engine_rc < 0)
        rp_fail(rp, rp->engine_rc, "%s", rp->engine_err.msg);
    begin_drain(rp);
    zf_time_t now = rp_now(rp);
    close_seconds(rp, now);
    if (now % ZF_S && rp->rc == 0 && close_second(rp) < 0) /* the last, partial second */
        rp_fail(rp, ZF_EIO, "writing the per-second series failed");
    uv_timer_stop(&rp->tick_timer);
    if (rp->o->progress)
        fputc('\n', stderr);
    rp_advance(rp);
}

/* ---- verification ---- */

static void vthread_main(void *arg)
{
    zf_replay_t *rp = arg;
    rp->vrc = zf_verify_http_run(rp->verifier, &rp->vstats, &rp->verr);
    uv_async_send(&rp->verify_async);
}

static void on_verify_done(uv_async_t *h)
{
    zf_replay_t *rp = h->data;
    uv_thread_join(&rp->vthread);
    rp->vthread_running = false;
    if (rp->vrc < 0)
        rp_fail(rp, rp->vrc, "%s", rp->verr.msg);
    rp->verify_done = rp->vrc == 0 && rp->res->status == ZF_REPLAY_COMPLETE;
    rp->phase = RP_DONE;
    uv_stop(&rp->loop);
}

static void on_vcmd_exit(zf_action_t *a)
{
    zf_replay_t *rp = a->data;
    char how[160];
    if (zf_action_succeeded(a)) {
        int rc = zf_verify_command_read(&rp->ledger, rp->vfiles[1], &rp->vstats, &rp->verr);
        rp->verify_done = rc == 0 && rp->res->status == ZF_REPLAY_COMPLETE;
        if (rc < 0)
            fprintf(stderr, "zonefall replay: verify: %s\n", rp->verr.msg);
    } else {
        fprintf(stderr, "zonefall replay: verify command: %s (see %s)\n",
                zf_action_outcome(a, how, sizeof how), rp->vfiles[2]);
    }
    rp->phase = RP_DONE;
    uv_stop(&rp->loop);
}

static int verify_command(zf_replay_t *rp)
{
    const zf_verify_spec_t *v = &rp->sc->replay->verify;
    size_t n;
    rp->verify_method = "command";
    if (!(rp->vfiles[0] = rp_path(rp, "verify.ids")) || !(rp->vfiles[1] = rp_path(rp, "verify.out")) ||
        !(rp->vfiles[2] = rp_path(rp, "verify.err")))
        return zf_err_set(&rp->err, ZF_ENOMEM, "out of memory");
    int rc = zf_verify_ids_write(&rp->ledger, rp->vfiles[0], &n, &rp->err);
    if (rc < 0)
        return rc;
    rp->vcmd = (zf_action_t){.argv = v->command.argv, .env_extra = v->env,
                             .nenv_extra = v->nenv, .timeout_ns = v->timeout,
                             .out_path = rp->vfiles[1], .err_path = rp->vfiles[2],
                             .stdin_path = rp->vfiles[0], .clock0 = rp->t0,
                             .on_exit = on_vcmd_exit, .data = rp};
    return zf_action_start(&rp->loop, &rp->vcmd, &rp->err);
}

static void start_verify(zf_replay_t *rp)
{
    const zf_verify_spec_t *v = &rp->sc->replay->verify;
    rp->phase = RP_VERIFY;
    zf_ledger_fold(&rp->ledger);
    int rc;
    if (v->command.argc) {
        rc = verify_command(rp);
    } else {
        int lb = -1;
        for (size_t i = 0; i < rp->sc->deploy.nlbs; i++)
            if (strcmp(rp->sc->deploy.lbs[i].name, v->target) == 0)
                lb = (int)i;
        const zf_lg_target_t *t = &rp->o->targets[lb];
        rp->verify_method = "http";
        rc = zf_verify_http_new(&rp->verifier, &rp->ledger, v, t->urls, t->nurls, &rp->o->lg,
                                &rp->err);
        if (rc == 0 && uv_thread_create(&rp->vthread, vthread_main, rp) != 0)
            rc = zf_err_set(&rp->err, ZF_EIO, "cannot start the verification thread");
        rp->vthread_running = rc == 0;
    }
    if (rc < 0) {
        rp->rc = rc;
        rp->phase = RP_DONE;
        uv_stop(&rp->loop);
    }
}

static void on_settled(uv_timer_t *t) { start_verify(t->data); }

void rp_advance(zf_replay_t *rp)
{
    if (rp->phase != RP_DRAIN || !rp->engine_done || !rp_faults_idle(rp))
        return;
    bool verify = rp->o->verify && rp->sc->replay->verify.present && rp->rc == 0 &&
                  rp->res->status == ZF_REPLAY_COMPLETE && rp->ledger.n > 0;
    if (!verify) {
        rp->phase = RP_DONE;
        uv_stop(&rp->loop);
        return;
    }
    rp->phase = RP_SETTLE;
    uv_timer_start(&rp->settle_timer, on_settled, (uint64_t)(rp->o->settle / ZF_MS), 0);
}

/* ---- signals ---- */

static void on_signal(uv_signal_t *h, int sig)
{
    zf_replay_t *rp = h->data;
    if (rp->signals++ == 0) {
        rp_abort(rp, ZF_REPLAY_INCOMPLETE, "interrupted by %s", sig == SIGINT ? "SIGINT"
                                                                                : "SIGTERM");
        return;
    }
    fprintf(stderr, "zonefall replay: still healing faults (each heal command is bounded by "
                    "its timeout); results follow\n");
}

/* ---- setting up ---- */

static int setup_rec(zf_replay_t *rp)
{
    const zf_scenario_t *sc = rp->sc;
    zf_rec_t *r = &rp->res->rec;
    const char **names = calloc(sc->nkinds + 1, sizeof *names);
    if (!names)
        return ZF_ENOMEM;
    for (size_t k = 0; k < sc->nkinds; k++)
        names[k] = sc->kinds[k].name;
    zf_time_t warmup = sc->warmup > rp->o->from ? zf_replay_wall(rp->o, sc->warmup) : 0;
    int rc = zf_rec_init(r, names, sc->nkinds, warmup, rp->window_w);
    free(names);
    rp->g_backlog = rp->g_offline = -1;
    if (rc == 0 && rp->wl && sc->workload.fleet.count &&
        ((rp->g_backlog = zf_rec_add_gauge(r, "devices.backlog")) < 0 ||
         (rp->g_offline = zf_rec_add_gauge(r, "devices.offline")) < 0))
        rc = ZF_ENOMEM;
    if (rc == 0 && ((rp->g_lag = zf_rec_add_gauge(r, "replay.lag_p99_ms")) < 0 ||
                    (rp->g_faults = zf_rec_add_gauge(r, "faults.injected")) < 0))
        rc = ZF_ENOMEM;
    if (rc == 0 && rp->o->csv)
        rc = zf_rec_open_csv(r, rp->o->csv);
    if (rc == 0)
        rc = zf_hist_init(&rp->sec_lag);
    return rc ? zf_err_set(&rp->err, rc, "%s", rc == ZF_EIO ? "writing the per-second series "
                           "failed" : "out of memory") : 0;
}

static int open_trace(zf_replay_t *rp)
{
    int rc = zf_trace_open(rp->o->trace_file, &rp->trace, &rp->err);
    if (rc < 0)
        return rc;
    const zf_trace_info_t *ti = zf_trace_info(rp->trace);
    if (strcmp(ti->scenario, rp->sc->name) != 0 || ti->nkinds != rp->sc->nkinds)
        return zf_err_set(&rp->err, ZF_EINVAL, "%s: a trace of scenario \"%s\" (%u kinds), "
                          "not of \"%s\" (%zu kinds)", rp->o->trace_file, ti->scenario,
                          ti->nkinds, rp->sc->name, rp->sc->nkinds);
    return 0;
}

static int setup_generator(zf_replay_t *rp)
{
    rp->marker_at = -1;
    zf_queue_init(&rp->q);
    if (rp->o->trace_file)
        return open_trace(rp);
    int rc = zf_workload_new(rp->sc, rp->o->seed, &rp->q, 0, rp->o->to, &rp->wl, &rp->err);
    if (rc == 0 && (rc = zf_workload_start(rp->wl)) < 0)
        zf_err_set(&rp->err, rc, "out of memory scheduling the workload");
    if (rc == 0 && (rc = rp_faults_queue(rp)) < 0)
        zf_err_set(&rp->err, rc, "out of memory scheduling the faults");
    return rc;
}

static int setup_engine(zf_replay_t *rp)
{
    zf_lg_config_t cfg = rp->o->lg;
    cfg.duration_ns = rp->window_w + rp->max_timeout + 2 * ZF_S;
    int rc = zf_lg_new(&rp->lg, &cfg, rp->o->targets, rp->sc->deploy.nlbs, &rp->err);
    if (rc < 0)
        return rc;
    rp->nthreads = zf_lg_threads(rp->lg);
    if ((rc = zf_lg_feed_new(&rp->feed, rp->nthreads, RP_RING, &rp->err)) < 0)
        return rc;
    zf_lg_feed_attach(rp->feed, rp->lg, notify, rp);
    return 0;
}

static int setup_loop(zf_replay_t *rp)
{
    if (uv_loop_init(&rp->loop) < 0)
        return zf_err_set(&rp->err, ZF_EIO, "cannot create the event loop");
    rp->loop_open = 1;
    uv_async_t *as[] = {&rp->done_async, &rp->engine_async, &rp->verify_async};
    uv_async_cb acb[] = {on_done_async, on_engine_done, on_verify_done};
    for (int i = 0; i < 3; i++) {
        if (uv_async_init(&rp->loop, as[i], acb[i]) < 0)
            return zf_err_set(&rp->err, ZF_EIO, "cannot create the event loop");
        as[i]->data = rp;
    }
    uv_timer_t *ts[] = {&rp->feed_timer, &rp->tick_timer, &rp->sched_timer, &rp->settle_timer};
    for (int i = 0; i < 4; i++) {
        uv_timer_init(&rp->loop, ts[i]);
        ts[i]->data = rp;
    }
    uv_signal_init(&rp->loop, &rp->sigint);
    uv_signal_init(&rp->loop, &rp->sigterm);
    rp->sigint.data = rp->sigterm.data = rp;
    uv_signal_start(&rp->sigint, on_signal, SIGINT);
    uv_signal_start(&rp->sigterm, on_signal, SIGTERM);
    return 0;
}

static int open_history(zf_replay_t *rp)
{
    snprintf(rp->history_tmp, sizeof rp->history_tmp, "%s/.history.jsonl.tmp", rp->o->dir);
    snprintf(rp->history_path, sizeof rp->history_path, "%s/history.jsonl", rp->o->dir);
    if (!(rp->history = fopen(rp->history_tmp, "w")))
        return zf_err_set(&rp->err, ZF_EIO, "%s: cannot create: %s", rp->history_tmp,
                          strerror(errno));
    return 0;
}

static void window(zf_replay_t *rp)
{
    rp->window_w = zf_replay_wall(rp->o, rp->o->to);
    for (size_t k = 0; k < rp->sc->nkinds; k++)
        if (rp->sc->kinds[k].timeout > rp->max_timeout)
            rp->max_timeout = rp->sc->kinds[k].timeout;
}

/* Everything before the run starts; nothing has been injected if it fails. */
static int prepare(zf_replay_t *rp)
{
    int rc;
    window(rp);
    zf_ledger_init(&rp->ledger);
    rp->free_slot = UINT32_MAX;
    if ((rc = rp_faults_setup(rp)) < 0 || (rc = setup_generator(rp)) < 0 ||
        (rc = setup_rec(rp)) < 0 || (rc = open_history(rp)) < 0 ||
        (rc = setup_engine(rp)) < 0 || (rc = setup_loop(rp)) < 0)
        return rc;
    /* the stream before the window: generated, nothing sent (devices reach their state) */
    if ((rc = fill_until(rp, rp->o->from)) < 0)
        return zf_err_set(&rp->err, rc, "out of memory generating the workload");
    return rp->rc;
}

static int start(zf_replay_t *rp)
{
    zf_lg_source_t src = zf_lg_feed_source(rp->feed);
    int rc = zf_lg_start(rp->lg, &src, &rp->err);
    if (rc < 0)
        return rc;
    rp->t0 = zf_lg_t0(rp->lg);
    rp->engine_started = true;
    if (uv_thread_create(&rp->waiter, waiter_main, rp) != 0) {
        zf_lg_stop(rp->lg); /* nobody could wait for it: stop it and wait here */
        zf_lg_wait(rp->lg, &rp->res->engine, &rp->engine_err);
        rp->engine_started = false;
        return zf_err_set(&rp->err, ZF_EIO, "cannot start a thread");
    }
    rp_faults_start(rp);
    uv_timer_start(&rp->feed_timer, on_feed, RP_FEED_PERIOD_MS, RP_FEED_PERIOD_MS);
    uv_timer_start(&rp->tick_timer, on_tick, 100, 100);
    on_feed(&rp->feed_timer);
    return 0;
}

static void close_cb(uv_handle_t *h) { (void)h; }

static void close_walk(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, close_cb);
}

static void teardown(zf_replay_t *rp)
{
    if (rp->loop_open) {
        rp_faults_close(rp);
        uv_walk(&rp->loop, close_walk, NULL);
        while (uv_run(&rp->loop, UV_RUN_DEFAULT) != 0)
            ;
        uv_loop_close(&rp->loop);
    }
    if (rp->history) {
        fclose(rp->history);
        unlink(rp->history_tmp);
    }
    rp_faults_free(rp);
    zf_verify_free(rp->verifier);
    for (int i = 0; i < 3; i++)
        free(rp->vfiles[i]);
    zf_lg_feed_free(rp->feed);
    zf_lg_destroy(rp->lg);
    zf_workload_free(rp->wl);
    zf_queue_free(&rp->q);
    zf_trace_close(rp->trace);
    free(rp->slots);
    free(rp->backlog_sec);
    zf_template_buf_free(&rp->tb);
    zf_ledger_free(&rp->ledger);
    zf_hist_free(&rp->sec_lag);
    free(rp->plan_sec_kind);
}

/* Ends a run or a dry run: passes its error on, releases everything. Returns rc. */
static int dispose(zf_replay_t *rp, int rc, zf_err_t *err)
{
    if (rc < 0)
        zf_err_set(err, rc, "%s", rp->err.msg);
    teardown(rp);
    free(rp);
    return rc;
}

int zf_replay_run(const zf_replay_opts_t *o, zf_replay_result_t *res, zf_err_t *err)
{
    memset(res, 0, sizeof *res);
    zf_replay_t *rp = calloc(1, sizeof *rp);
    if (!rp || zf_lg_stats_init(&res->engine) < 0) {
        free(rp);
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    }
    *rp = (zf_replay_t){.o = o, .sc = o->sc, .res = res, .verify_method = "none"};
    int rc = prepare(rp);
    if (rc == 0)
        rc = start(rp);
    if (rc == 0) {
        uv_run(&rp->loop, UV_RUN_DEFAULT);
        zf_rec_close(&res->rec);
        rc = rp->rc;
        if (rc == 0 && (rc = rp_history_verify(rp)) == 0)
            rc = rp_report(rp);
    }
    rc = dispose(rp, rc, err);
    if (rc < 0)
        zf_replay_result_free(res);
    return rc;
}

void zf_replay_result_free(zf_replay_result_t *res)
{
    zf_rec_free(&res->rec);
    zf_lg_stats_free(&res->engine);
    json_decref(res->actions);
    json_decref(res->data_loss);
    json_decref(res->info);
    res->actions = res->data_loss = res->info = NULL;
}

/* ---- dry run ---- */

int zf_replay_plan(const zf_replay_opts_t *o, zf_replay_plan_t *p, zf_err_t *err)
{
    memset(p, 0, sizeof *p);
    zf_replay_t *rp = calloc(1, sizeof *rp);
    size_t nk = o->sc->nkinds ? o->sc->nkinds : 1;
    uint64_t *sec_kind = calloc(nk, sizeof *sec_kind);
    p->by_kind = calloc(nk, sizeof *p->by_kind);
    p->peak_by_kind = calloc(nk, sizeof *p->peak_by_kind);
    if (!rp || !sec_kind || !p->by_kind || !p->peak_by_kind) {
        free(rp);
        free(sec_kind);
        zf_replay_plan_free(p);
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    }
    *rp = (zf_replay_t){.o = o, .sc = o->sc, .plan = p, .plan_sec_kind = sec_kind,
                        .plan_sec = -1};
    window(rp);
    p->wall = rp->window_w;
    int rc = rp_faults_setup(rp);
    if (rc == 0)
        rc = setup_generator(rp);
    if (rc == 0 && (rc = fill_until(rp, o->to)) < 0 && !rp->err.msg[0])
        zf_err_set(&rp->err, rc, "out of memory generating the workload");
    plan_flush(rp);
    rc = dispose(rp, rc, err);
    if (rc < 0)
        zf_replay_plan_free(p);
    return rc;
}

void zf_replay_plan_free(zf_replay_plan_t *p)
{
    free(p->by_kind);
    free(p->peak_by_kind);
    p->by_kind = p->peak_by_kind = NULL;
}
