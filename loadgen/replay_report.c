/* replay_report: what a replay leaves behind besides the per-second series: the
 * Jepsen-style history (history.jsonl: every write attempt, then what reading each write
 * back found), each fault's record (detection, recovery by the simulator's definition,
 * RTO), the data-loss figures, the replay.* metrics and the JSON sections results.json
 * gets from the replayer. */
#include "loadgen/replay_int.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "metrics/recovery.h"
#include "metrics/results.h"

static const char *const outcome_names[] = {"", "ok", "fail", "", "info"};

static double ms(zf_time_t t) { return (double)t / 1e6; }

int rp_history_write(zf_replay_t *rp, const zf_request_t *req, const zf_lg_done_t *d,
                     int outcome)
{
    FILE *f = rp->history;
    fprintf(f, "{\"type\":\"write\",\"write_id\":\"%" PRIu64 "\",\"kind\":\"%s\",\"source\":\"%s\","
            "\"entity\":%" PRIu32 ",\"seq\":%" PRIu32 ",\"attempt\":%u,\"t_ms\":%.3f,",
            req->write_id, rp->sc->kinds[req->kind].name, zf_source_class_name(req->source),
            req->entity, req->seq, (unsigned)req->attempt, ms(d->t));
    if (d->service_ns >= 0)
        fprintf(f, "\"send_ms\":%.3f,", ms(d->t + d->latency_ns - d->service_ns));
    else
        fputs("\"send_ms\":null,", f);
    fprintf(f, "\"end_ms\":%.3f,\"outcome\":\"%s\",\"cause\":\"%s\",",
            ms(d->t + d->latency_ns), outcome_names[outcome], zf_cause_name(d->cause));
    if (d->status > 0) /* the status line of an answer, even one cut short after it */
        fprintf(f, "\"status\":%d}\n", d->status);
    else
        fputs("\"status\":null}\n", f); /* no HTTP answer at all */
    return ferror(f) ? ZF_EIO : 0;
}

static const char *check_name(int c)
{
    switch (c) {
    case ZF_CHECK_FOUND: return "found";
    case ZF_CHECK_MISSING: return "missing";
    case ZF_CHECK_ERROR: return "unknown";
    default: return "not_read";
    }
}

int rp_history_verify(zf_replay_t *rp)
{
    FILE *f = rp->history;
    zf_ledger_fold(&rp->ledger);
    for (size_t i = 0; rp->verify_done && i < rp->ledger.n; i++) {
        const zf_write_t *w = &rp->ledger.v[i];
        if (!zf_write_to_check(w))
            continue;
        fprintf(f, "{\"type\":\"verify\",\"write_id\":\"%" PRIu64 "\",\"kind\":\"%s\","
                "\"acknowledged\":%s,\"result\":\"%s\",\"applied\":%" PRIu32 "}\n", w->id,
                w->kind < rp->sc->nkinds ? rp->sc->kinds[w->kind].name : "?",
                (w->state & ZF_WRITE_ACKED) ? "true" : "false", check_name(w->check),
                w->applied);
    }
    int bad = ferror(f) | fflush(f) | fsync(fileno(f));
    bad |= fclose(f);
    rp->history = NULL;
    if (bad || rename(rp->history_tmp, rp->history_path) != 0) {
        unlink(rp->history_tmp);
        return zf_err_set(&rp->err, ZF_EIO, "%s: cannot write: %s", rp->history_path,
                          strerror(errno));
    }
    return 0;
}

/* ---- fault records ---- */

/* Each injected fault's record (detection, recovery by the simulator's definition), and
 * the longest backlog drain after any of them (generated fleets only: a trace simulates
 * no devices, so the backlog is unknown and stays NAN; replay.backlog_measured says so). */
static int fault_records(zf_replay_t *rp)
{
    const zf_recovery_spec_t *rs = &rp->sc->deploy.recovery;
    zf_rec_t *r = &rp->res->rec;
    double drain = NAN;
    for (size_t i = 0; i < rp->nfaults; i++) {
        const rp_fault_t *f = &rp->faults[i];
        if (f->state == RF_MISSED)
            continue;
        zf_fault_rec_t fr = {.start = f->start_w, .end = f->end_w, .rto_from = f->start_w,
                             .detected = f->first_failure};
        snprintf(fr.name, sizeof fr.name, "%s", f->fs->name);
        snprintf(fr.kind, sizeof fr.kind, "%s", zf_fault_type_name(f->fs->type));
        snprintf(fr.target, sizeof fr.target, "%s", f->fs->target_name[0] ? f->fs->target_name
                                                     : f->fs->type == ZF_FAULT_DEVICE_NETWORK
                                                     ? "fleet" : rp->sc->deploy.db.name);
        if (f->fs->type == ZF_FAULT_DEVICE_NETWORK)
            fr.rto_from = f->end_w; /* the service saw nothing before the devices came back */
        fr.recovered = zf_recovered_at(r, rs->threshold, rs->window, f->start_w,
                                       f->end_w + RP_WATCH_AFTER_NS);
        if (zf_rec_add_fault(r, &fr) < 0)
            return ZF_ENOMEM;
        double d = f->backlog_at_start < 0 ? NAN
                   : zf_backlog_drain_s(rp->backlog_sec, rp->nbacklog, fr.start,
                                               fr.rto_from, fr.recovered,
                                               (uint64_t)f->backlog_at_start);
        if (!isnan(d) && (isnan(drain) || d > drain))
            drain = d;
    }
    r->backlog_drain_s = drain;
    return 0;
}

static json_t *action_json(const zf_action_t *a, const char *phase, const zf_command_spec_t *c,
                           const zf_replay_t *rp, const char *out, const char *err)
{
    char how[160];
    size_t skip = strlen(rp->o->dir) + 1; /* paths relative to the results directory */
    json_t *argv = json_array();
    for (size_t i = 0; i < c->argc; i++)
        json_array_append_new(argv, json_string(c->argv[i]));
    json_t *o = json_pack("{sssosbsssssb}", "phase", phase, "argv", argv, "shell", c->shell,
                          "stdout", out + skip, "stderr", err + skip, "timed_out",
                          a->timed_out);
    json_object_set_new(o, "started_s", a->started ? json_real(zf_time_to_s(a->started_ns))
                                                   : json_null());
    json_object_set_new(o, "ended_s", a->finished ? json_real(zf_time_to_s(a->ended_ns))
                                                  : json_null());
    json_object_set_new(o, "exit_status", a->finished && a->exit_status >= 0
                                              ? json_integer(a->exit_status) : json_null());
    json_object_set_new(o, "signal", a->term_signal ? json_integer(a->term_signal) : json_null());
    json_object_set_new(o, "outcome", json_string(zf_action_outcome(a, how, sizeof how)));
    return o;
}

static json_t *actions_json(const zf_replay_t *rp)
{
    json_t *all = json_object();
    for (size_t i = 0; i < rp->nfaults; i++) {
        const rp_fault_t *f = &rp->faults[i];
        if (f->state == RF_MISSED || !f->acts)
            continue;
        json_t *arr = json_array();
        if (f->inject.started)
            json_array_append_new(arr, action_json(&f->inject, "inject", &f->acts->inject, rp,
                                                   f->files[0], f->files[1]));
        if (f->heal.started)
            json_array_append_new(arr, action_json(&f->heal, "heal", &f->acts->heal, rp,
                                                   f->files[2], f->files[3]));
        json_object_set_new(all, f->fs->name, arr);
    }
    return all;
}

/* ---- data loss ---- */

/* Loss is known (verified) only when the read-back ran to its end and every acknowledged
 * write got an answer. A read-back that left some unanswered still counts the writes it
 * found missing (lost_writes is then a lower bound); the span they cover (rpo_s) is
 * unknown. */
static int data_loss(zf_replay_t *rp)
{
    zf_rec_t *r = &rp->res->rec;
    size_t nk = rp->sc->nkinds;
    uint64_t *acked = calloc(nk + 1, sizeof *acked), *lost = calloc(nk + 1, sizeof *lost);
    if (!acked || !lost) {
        free(acked);
        free(lost);
        return ZF_ENOMEM;
    }
    zf_ledger_sum_t s;
    zf_ledger_summarise(&rp->ledger, &s, acked, lost, nk);
    bool read = rp->verify_done;
    rp->verified = read && s.unverified_acked == 0;
    r->acked_writes = s.acknowledged;
    r->indeterminate_writes = s.indeterminate;
    r->lost_writes = read ? s.lost : 0;
    r->rpo_s = rp->verified ? zf_time_to_s(s.rpo_ns) : NAN;
    json_t *by_kind = json_object();
    for (size_t k = 0; k < nk; k++)
        if (rp->sc->kinds[k].db_writes)
            json_object_set_new(by_kind, rp->sc->kinds[k].name,
                                json_pack("{sIsIsb}", "acknowledged", (json_int_t)acked[k],
                                          "lost", (json_int_t)(read ? lost[k] : 0),
                                          "must_not_lose", rp->sc->kinds[k].must_not_lose));
    free(acked);
    free(lost);
    const zf_verify_stats_t *v = &rp->vstats;
    json_t *ver = json_pack("{sssbsfsIsIsIsIsIsIsI}", "method", rp->verify_method, "complete",
                            read, "settle_s", zf_time_to_s(rp->o->settle), "reads",
                            (json_int_t)v->reads, "passes", (json_int_t)v->passes, "found",
                            (json_int_t)v->found, "missing", (json_int_t)v->missing,
                            "no_answer", (json_int_t)v->errors, "no_answer_acknowledged",
                            (json_int_t)s.unverified_acked, "no_count",
                            (json_int_t)v->no_count);
    rp->res->data_loss = json_pack("{sbsIsIsIsIsIsoso}", "verified", rp->verified, "writes",
                                   (json_int_t)s.writes, "failed_writes", (json_int_t)s.failed,
                                   "indeterminate_stored", (json_int_t)s.indeterminate_stored,
                                   "duplicated_writes", (json_int_t)s.duplicated,
                                   "unverified_writes", (json_int_t)s.unverified,
                                   "verification", ver, "by_kind", by_kind);
    json_object_set_new(rp->res->data_loss, "lost_first_s", s.lost_first_ns >= 0 && read
                        ? json_real(zf_time_to_s(s.lost_first_ns)) : json_null());
    json_object_set_new(rp->res->data_loss, "lost_last_s", s.lost_last_ns >= 0 && read
                        ? json_real(zf_time_to_s(s.lost_last_ns)) : json_null());
    return rp->res->data_loss ? 0 : ZF_ENOMEM;
}

/* ---- metrics and the replay section ---- */

static double q_ms(const zf_hist_t *h, double q)
{
    return h->total ? (double)zf_hist_quantile(h, q) / 1e6 : 0;
}

static int metrics(zf_replay_t *rp)
{
    const zf_lg_stats_t *e = &rp->res->engine;
    zf_rec_t *r = &rp->res->rec;
    double window_s = zf_time_to_s(rp->window_w);
    /* sends held back (a ceiling, a saturated target) go on after the window */
    double send_s = fmax(window_s, zf_time_to_s(rp->last_send));
    struct { const char *name; double v; } m[] = {
        {"replay.lag_p50_ms", q_ms(&e->lag, 0.5)}, {"replay.lag_p99_ms", q_ms(&e->lag, 0.99)},
        {"replay.lag_p999_ms", q_ms(&e->lag, 0.999)},
        {"replay.lag_max_ms", e->lag.total ? (double)e->lag.max / 1e6 : 0},
        {"replay.dispatch_lag_p99_ms", q_ms(&e->dispatch_lag, 0.99)},
        {"replay.service_p50_ms", q_ms(&e->service, 0.5)},
        {"replay.service_p99_ms", q_ms(&e->service, 0.99)},
        {"replay.requests", (double)rp->sent_out}, {"replay.sent", (double)e->sent},
        {"replay.intended_rps", window_s > 0 ? (double)rp->sent_out / window_s : 0},
        {"replay.achieved_rps", send_s > 0 ? (double)e->sent / send_s : 0},
        {"replay.cut_off", (double)rp->cut_off}, {"replay.throttled", (double)e->throttled},
        {"replay.connects", (double)e->connects},
        {"replay.connect_failures", (double)e->connect_failures},
        {"replay.speed", rp->o->speed},
    };
    for (size_t i = 0; i < sizeof m / sizeof *m; i++)
        if (zf_rec_metric(r, m[i].name, m[i].v) < 0)
            return ZF_ENOMEM;
    if (!rp->wl)
        return 0;
    zf_workload_stats_t st;
    zf_workload_stats(rp->wl, &st);
    if (zf_rec_metric(r, "devices.retries", (double)st.retries) < 0 ||
        zf_rec_metric(r, "devices.dropped", (double)st.dropped) < 0 ||
        zf_rec_metric(r, "devices.backlog_at_end", (double)st.buffered_now) < 0)
        return ZF_ENOMEM;
    return 0;
}

static json_t *engine_json(const zf_lg_stats_t *e)
{
    json_t *o = json_pack("{sIsIsIsIsIsIsIsIsIsIsIsIsI}", "requests", (json_int_t)e->requests,
                          "sent", (json_int_t)e->sent, "completed", (json_int_t)e->completed,
                          "incomplete", (json_int_t)e->incomplete, "throttled",
                          (json_int_t)e->throttled, "connects", (json_int_t)e->connects,
                          "connect_failures", (json_int_t)e->connect_failures,
                          "tls_handshakes", (json_int_t)e->tls_handshakes, "dns_failures",
                          (json_int_t)e->dns_failures, "unsolicited",
                          (json_int_t)e->unsolicited, "bytes_out", (json_int_t)e->bytes_out,
                          "bytes_in", (json_int_t)e->bytes_in, "max_open",
                          (json_int_t)e->max_open_seen);
    json_object_set_new(o, "lag_histogram", zf_hist_to_json(&e->lag));
    json_object_set_new(o, "service_histogram", zf_hist_to_json(&e->service));
    json_object_set_new(o, "dispatch_lag_histogram", zf_hist_to_json(&e->dispatch_lag));
    return o;
}

static json_t *info_json(zf_replay_t *rp)
{
    const zf_replay_opts_t *o = rp->o;
    json_t *left = json_array(), *targets = json_object();
    for (size_t i = 0; i < rp->nfaults; i++)
        if (rp->faults[i].state == RF_MISSED)
            json_array_append_new(left, json_string(rp->faults[i].fs->name));
    for (size_t i = 0; i < rp->sc->deploy.nlbs; i++) {
        json_t *urls = json_array();
        for (size_t k = 0; k < o->targets[i].nurls; k++)
            json_array_append_new(urls, json_string(o->targets[i].urls[k]));
        json_object_set_new(targets, rp->sc->deploy.lbs[i].name, urls);
    }
    json_t *j = json_pack("{sfsfsfsfs{sIsI}sosososIsIsI}", "from_s", zf_time_to_s(o->from),
                          "to_s", zf_time_to_s(o->to), "window_s", zf_time_to_s(rp->window_w),
                          "speed", o->speed, "shard", "k", (json_int_t)o->shard_k + 1, "n",
                          (json_int_t)o->shard_n, "targets", targets, "faults_not_injected", left,
                          "engine", engine_json(&rp->res->engine), "threads",
                          (json_int_t)rp->nthreads, "cut_off", (json_int_t)rp->cut_off,
                          "responses", (json_int_t)rp->res->responses);
    json_object_set_new(j, "trace", o->trace_file ? json_string(o->trace_file) : json_null());
    json_object_set_new(j, "recovery", json_pack("{sfsf}", "threshold",
                                                 rp->sc->deploy.recovery.threshold, "window_s",
                                                 zf_time_to_s(rp->sc->deploy.recovery.window)));
    json_object_set_new(j, "reason", json_string(rp->res->reason));
    /* what the backlog drain was measured from, so that merge can measure it again */
    json_t *at_start = json_object();
    for (size_t i = 0; i < rp->nfaults; i++)
        if (rp->faults[i].backlog_at_start >= 0)
            json_object_set_new(at_start, rp->faults[i].fs->name,
                                json_integer(rp->faults[i].backlog_at_start));
    json_object_set_new(j, "backlog_measured", json_boolean(rp->wl != NULL));
    json_object_set_new(j, "backlog_at_fault_start", at_start);
    return j;
}

int rp_report(zf_replay_t *rp)
{
    int rc = fault_records(rp);
    if (rc == 0)
        rc = data_loss(rp);
    if (rc == 0)
        rc = metrics(rp);
    if (rc == 0) {
        rp->res->actions = actions_json(rp);
        rp->res->info = info_json(rp);
        if (!rp->res->actions || !rp->res->info)
            rc = ZF_ENOMEM;
    }
    return rc ? zf_err_set(&rp->err, rc, "out of memory for the results") : 0;
}
