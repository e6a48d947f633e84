/* replay_faults: the scenario's faults as real actions on the replay's clock. Each fault in
 * the window is injected at its start (its inject command; a device-network outage also
 * takes the generator's devices offline) and healed at its end, or when the replay stops
 * for any reason; stop conditions are watched alongside. */
#include "loadgen/replay_int.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "workload/perm.h"

static const zf_fault_actions_t *actions_of(const zf_replay_t *rp, size_t f)
{
    const zf_replay_spec_t *r = rp->sc->replay;
    return r && f < r->nfaults && r->actions[f].present ? &r->actions[f] : NULL;
}

/* The zone a fault concerns, by name ("" when none). */
static const char *zone_of(const zf_scenario_t *sc, const zf_fault_spec_t *fs)
{
    if (fs->target_class == ZF_TARGET_ZONE && fs->target >= 0)
        return sc->deploy.zones[fs->target].name;
    if (fs->zone >= 0 && (size_t)fs->zone < sc->deploy.nzones)
        return sc->deploy.zones[fs->zone].name;
    return "";
}

static const char *target_of(const zf_scenario_t *sc, const zf_fault_spec_t *fs)
{
    if (fs->target_name[0])
        return fs->target_name;
    if (fs->target_class == ZF_TARGET_DB && sc->deploy.db.present)
        return sc->deploy.db.name;
    return fs->target_class == ZF_TARGET_FLEET ? "fleet" : "";
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...)
{
    va_list ap;
    va_start(ap, f);
    char *s = NULL;
    if (vasprintf(&s, f, ap) < 0)
        s = NULL;
    va_end(ap);
    return s;
}

/* Output files and the environment of a fault's commands. */
static int prepare_actions(zf_replay_t *rp, rp_fault_t *f)
{
    const char *name = f->fs->name, *dir = rp->o->dir;
    const char *const ph[4] = {"inject.out", "inject.err", "heal.out", "heal.err"};
    char file[sizeof f->fs->name];
    snprintf(file, sizeof file, "%s", name);
    for (char *c = file; *c; c++)
        *c = *c == '/' || *c == '\\' || (unsigned char)*c < ' ' ? '_' : *c; /* one file name */
    for (int i = 0; i < 4; i++)
        if (!(f->files[i] = fmt("%s/actions/%s%s.%s", dir, file[0] == '.' ? "_" : "", file,
                                ph[i])))
            return ZF_ENOMEM;
    const char *vals[][2] = {{"ZF_FAULT_NAME", name},
                             {"ZF_FAULT_TYPE", zf_fault_type_name(f->fs->type)},
                             {"ZF_FAULT_TARGET", target_of(rp->sc, f->fs)},
                             {"ZF_FAULT_ZONE", zone_of(rp->sc, f->fs)},
                             {"ZF_RESULTS_DIR", dir}};
    for (size_t i = 0; i < sizeof vals / sizeof *vals; i++)
        if (!(f->env[f->nenv++] = fmt("%s=%s", vals[i][0], vals[i][1])))
            return ZF_ENOMEM;
    if (!(f->all_env = calloc(f->nenv + f->acts->nenv + 1, sizeof *f->all_env)))
        return ZF_ENOMEM;
    memcpy(f->all_env, f->env, f->nenv * sizeof *f->env);
    if (f->acts->nenv)
        memcpy(f->all_env + f->nenv, f->acts->env, f->acts->nenv * sizeof *f->acts->env);
    return 0;
}

/* Why a fault of the scenario is not part of this replay, or NULL when it is. */
static const char *left_out(const zf_replay_t *rp, const rp_fault_t *f)
{
    const zf_fault_spec_t *fs = f->fs;
    zf_time_t end = fs->start + fs->duration;
    if (fs->type == ZF_FAULT_RANDOM)
        return "random failures (mtbf/mttr) are not scheduled by the replayer";
    if (!f->acts && !f->in_generator)
        return rp->o->trace_file && fs->type == ZF_FAULT_DEVICE_NETWORK
                   ? "a device-network outage cannot change a recorded trace"
                   : "no \"actions\": nothing to run";
    if (fs->start >= rp->o->to)
        return "after the window";
    if (fs->duration > 0 ? end <= rp->o->from : fs->start < rp->o->from)
        return "before the window";
    return NULL;
}

int rp_faults_setup(zf_replay_t *rp)
{
    const zf_deploy_spec_t *d = &rp->sc->deploy;
    rp->nfaults = d->nfaults;
    if (!(rp->faults = calloc(d->nfaults + 1, sizeof *rp->faults)))
        return zf_err_set(&rp->err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; i < d->nfaults; i++) {
        rp_fault_t *f = &rp->faults[i];
        const zf_fault_spec_t *fs = &d->faults[i];
        zf_time_t from = rp->o->from, to = rp->o->to, end = fs->start + fs->duration;
        *f = (rp_fault_t){.rp = rp, .index = i, .fs = fs, .acts = actions_of(rp, i),
                          .in_generator = fs->type == ZF_FAULT_DEVICE_NETWORK &&
                                          !rp->o->trace_file,
                          .first_failure = -1, .backlog_at_start = -1};
        if (left_out(rp, f)) {
            f->state = RF_MISSED;
            continue;
        }
        f->start_w = zf_replay_wall(rp->o, fs->start > from ? fs->start : from);
        f->end_w = fs->duration > 0 ? zf_replay_wall(rp->o, end < to ? end : to) : f->start_w;
        f->heal_at_end = end <= to && (f->acts ? f->acts->heal_at_fault_end : fs->duration > 0);
        if (f->acts && !rp->plan && prepare_actions(rp, f) < 0)
            return zf_err_set(&rp->err, ZF_ENOMEM, "out of memory");
    }
    bool any = rp->sc->replay && rp->sc->replay->nstops > 0;
    for (size_t i = 0; i < d->nfaults; i++)
        any = any || (rp->faults[i].acts && rp->faults[i].state != RF_MISSED);
    if (rp->plan || !any)
        return 0;
    char *dir = fmt("%s/actions", rp->o->dir);
    int rc = dir && (mkdir(dir, 0755) == 0 || errno == EEXIST) ? 0 : ZF_EIO;
    if (rc)
        zf_err_set(&rp->err, ZF_EIO, "%s: cannot create: %s", dir ? dir : "actions",
                   strerror(errno));
    free(dir);
    return rc;
}

int rp_faults_queue(zf_replay_t *rp)
{
    for (size_t i = 0; i < rp->nfaults; i++) {
        const rp_fault_t *f = &rp->faults[i];
        const zf_fault_spec_t *fs = f->fs;
        if (f->state == RF_MISSED || !f->in_generator)
            continue;
        if (zf_queue_push(&rp->q, fs->start, RP_EV_OFFLINE_START, (uint32_t)i, 0) < 0 ||
            (fs->start + fs->duration < rp->o->to &&
             zf_queue_push(&rp->q, fs->start + fs->duration, RP_EV_OFFLINE_END, (uint32_t)i, 0) < 0))
            return ZF_ENOMEM;
    }
    return 0;
}

/* ---- injecting and healing ---- */

static void report(const rp_fault_t *f, const zf_action_t *a, const char *what, const char *err)
{
    char how[160];
    if (!zf_action_succeeded(a))
        fprintf(stderr, "zonefall replay: fault %s: %s command: %s (see %s)\n", f->fs->name,
                what, zf_action_outcome(a, how, sizeof how), err);
}

static int run_action(rp_fault_t *f, zf_action_t *a, const zf_command_spec_t *c, int files,
                      void (*on_exit)(zf_action_t *))
{
    zf_replay_t *rp = f->rp;
    *a = (zf_action_t){.argv = c->argv, .env_extra = f->all_env,
                       .nenv_extra = f->nenv + f->acts->nenv, .timeout_ns = f->acts->timeout,
                       .out_path = f->files[files], .err_path = f->files[files + 1],
                       .clock0 = rp->t0, .on_exit = on_exit, .data = f};
    return zf_action_start(&rp->loop, a, &rp->err);
}

static void on_heal_exit(zf_action_t *a)
{
    rp_fault_t *f = a->data;
    f->state = RF_HEALED;
    report(f, a, "heal", f->files[3]);
    rp_advance(f->rp);
}

static void heal(rp_fault_t *f)
{
    if (f->state != RF_INJECTED)
        return;
    if (!f->acts || f->acts->heal.argc == 0) {
        f->state = RF_HEALED;
        return;
    }
    f->state = RF_HEALING;
    if (run_action(f, &f->heal, &f->acts->heal, 2, on_heal_exit) < 0) {
        /* the output files could not be opened: the fault stays; say so loudly */
        fprintf(stderr, "zonefall replay: fault %s: cannot run its heal command: %s\n",
                f->fs->name, f->rp->err.msg);
        f->state = RF_HEALED;
        rp_fail(f->rp, ZF_EIO, "fault %s could not be healed: %s", f->fs->name, f->rp->err.msg);
    }
}

static void on_inject_exit(zf_action_t *a)
{
    rp_fault_t *f = a->data;
    f->state = RF_INJECTED;
    report(f, a, "inject", f->files[1]);
    if (f->heal_wanted)
        heal(f);
    rp_advance(f->rp);
}

static void inject(rp_fault_t *f)
{
    if (f->rp->wl) { /* the level its backlog drain is measured against */
        zf_workload_stats_t st;
        zf_workload_stats(f->rp->wl, &st);
        f->backlog_at_start = (int64_t)st.buffered_now;
    }
    if (!f->acts) {
        f->state = RF_INJECTED; /* the generator applies it */
        return;
    }
    f->state = RF_INJECTING;
    if (run_action(f, &f->inject, &f->acts->inject, 0, on_inject_exit) < 0) {
        f->state = RF_MISSED;
        rp_fail(f->rp, ZF_EIO, "fault %s: cannot run its inject command: %s", f->fs->name,
                f->rp->err.msg);
    }
}

static void arm(zf_replay_t *rp);

static void on_sched(uv_timer_t *t)
{
    zf_replay_t *rp = t->data;
    zf_time_t now = rp_now(rp) + ZF_MS; /* the timer has ms resolution */
    for (size_t i = 0; i < rp->nfaults && rp->phase == RP_RUN; i++) {
        rp_fault_t *f = &rp->faults[i];
        if (f->state == RF_PENDING && f->start_w <= now)
            inject(f);
        if (f->state == RF_INJECTED && f->heal_at_end && f->end_w <= now)
            heal(f);
        else if (f->state == RF_INJECTING && f->heal_at_end && f->end_w <= now)
            f->heal_wanted = true;
    }
    arm(rp);
}

/* Arms the schedule for the next instant a fault starts or ends. */
static void arm(zf_replay_t *rp)
{
    zf_time_t next = ZF_TIME_MAX;
    for (size_t i = 0; i < rp->nfaults; i++) {
        const rp_fault_t *f = &rp->faults[i];
        if (f->state == RF_PENDING && f->start_w < next)
            next = f->start_w;
        if ((f->state == RF_INJECTED || f->state == RF_INJECTING) && f->heal_at_end &&
            !f->heal_wanted && f->end_w < next)
            next = f->end_w;
    }
    if (next == ZF_TIME_MAX || rp->phase != RP_RUN)
        return;
    zf_time_t wait = next - rp_now(rp);
    uv_timer_start(&rp->sched_timer, on_sched, wait <= 0 ? 0 : (uint64_t)(wait / ZF_MS), 0);
}

void rp_faults_heal_all(zf_replay_t *rp)
{
    uv_timer_stop(&rp->sched_timer);
    for (size_t i = 0; i < rp->nfaults; i++) {
        rp_fault_t *f = &rp->faults[i];
        if (f->state == RF_PENDING)
            f->state = RF_MISSED; /* never reached: nothing to heal */
        else if (f->state == RF_INJECTING)
            f->heal_wanted = true;
        else
            heal(f);
    }
}

bool rp_faults_idle(const zf_replay_t *rp)
{
    for (size_t i = 0; i < rp->nfaults; i++) {
        int s = rp->faults[i].state;
        if (s == RF_INJECTING || s == RF_INJECTED || s == RF_HEALING)
            return false;
    }
    for (size_t i = 0; i < rp->nstops; i++)
        if (rp->stops[i].busy)
            return false;
    return rp->vcmd.running == false;
}

int rp_faults_injected(const zf_replay_t *rp)
{
    int n = 0;
    for (size_t i = 0; i < rp->nfaults; i++) {
        int s = rp->faults[i].state;
        n += s == RF_INJECTING || s == RF_INJECTED || s == RF_HEALING;
    }
    return n;
}

void rp_faults_saw_failure(zf_replay_t *rp, zf_time_t end_w)
{
    for (size_t i = 0; i < rp->nfaults; i++) {
        rp_fault_t *f = &rp->faults[i];
        if (f->first_failure < 0 && f->state != RF_PENDING && f->state != RF_MISSED &&
            end_w >= f->start_w && end_w <= f->end_w + RP_WATCH_AFTER_NS)
            f->first_failure = end_w;
    }
}

/* ---- stop conditions ---- */

static void on_stop_exit(zf_action_t *a)
{
    rp_stop_t *st = a->data;
    zf_replay_t *rp = st->rp;
    char how[160], cmd[512];
    st->busy = false;
    st->runs++;
    if (!zf_action_succeeded(a) && rp->phase == RP_RUN)
        rp_abort(rp, ZF_REPLAY_ABORTED, "stop condition $.stop_conditions[%zu]: %s: %s (see "
                 "%s)", st->index, zf_command_text(&st->spec->cmd, cmd, sizeof cmd),
                 zf_action_outcome(a, how, sizeof how), st->files[1]);
    rp_advance(rp);
}

static void on_stop_timer(uv_timer_t *t)
{
    rp_stop_t *st = t->data;
    zf_replay_t *rp = st->rp;
    if (st->busy || rp->phase != RP_RUN)
        return; /* the previous check is still running */
    st->act = (zf_action_t){.argv = st->spec->cmd.argv, .env_extra = st->spec->env,
                            .nenv_extra = st->spec->nenv, .timeout_ns = st->spec->timeout,
                            .out_path = st->files[0], .err_path = st->files[1],
                            .clock0 = rp->t0, .on_exit = on_stop_exit, .data = st};
    st->busy = true;
    if (zf_action_start(&rp->loop, &st->act, &rp->err) < 0) {
        st->busy = false;
        rp_abort(rp, ZF_REPLAY_ABORTED, "stop condition $.stop_conditions[%zu]: %s",
                 st->index, rp->err.msg);
    }
}

void rp_faults_start(zf_replay_t *rp)
{
    const zf_replay_spec_t *r = rp->sc->replay;
    arm(rp);
    if (!r || r->nstops == 0 || !(rp->stops = calloc(r->nstops, sizeof *rp->stops)))
        return;
    rp->nstops = r->nstops;
    for (size_t i = 0; i < r->nstops; i++) {
        rp_stop_t *st = &rp->stops[i];
        *st = (rp_stop_t){.rp = rp, .spec = &r->stops[i], .index = i};
        uv_timer_init(&rp->loop, &st->timer);
        st->timer.data = st;
        if (st->spec->type != ZF_STOP_COMMAND)
            continue;
        st->files[0] = fmt("%s/actions/stop-%zu.out", rp->o->dir, i);
        st->files[1] = fmt("%s/actions/stop-%zu.err", rp->o->dir, i);
        uint64_t ms = (uint64_t)(st->spec->every / ZF_MS);
        if (st->files[0] && st->files[1])
            uv_timer_start(&st->timer, on_stop_timer, ms, ms);
    }
}

void rp_stops_second(zf_replay_t *rp, uint64_t sec, uint64_t ok, uint64_t failed)
{
    for (size_t i = 0; i < rp->nstops; i++) {
        rp_stop_t *st = &rp->stops[i];
        if (st->spec->type != ZF_STOP_ERROR_RATE)
            continue;
        uint64_t n = ok + failed;
        st->above = n && (double)failed / (double)n > st->spec->error_rate ? st->above + 1 : 0;
        if ((zf_time_t)st->above * ZF_S < st->spec->for_ns)
            continue;
        char t[32];
        rp_abort(rp, ZF_REPLAY_ABORTED, "stop condition $.stop_conditions[%zu]: error rate "
                 "above %g for %s (seconds %llu to %llu)", i, st->spec->error_rate,
                 zf_time_format(st->spec->for_ns, t, sizeof t),
                 (unsigned long long)(sec + 1 - st->above), (unsigned long long)sec);
        return;
    }
}

void rp_stops_close(zf_replay_t *rp)
{
    for (size_t i = 0; i < rp->nstops; i++) {
        uv_timer_stop(&rp->stops[i].timer);
        if (rp->stops[i].busy)
            zf_action_kill(&rp->stops[i].act);
    }
}

void rp_faults_close(zf_replay_t *rp)
{
    (void)rp; /* every handle is closed by the loop's walk; actions ended before */
}

void rp_faults_free(zf_replay_t *rp)
{
    for (size_t i = 0; rp->faults && i < rp->nfaults; i++) {
        rp_fault_t *f = &rp->faults[i];
        for (int k = 0; k < 4; k++)
            free(f->files[k]);
        for (size_t k = 0; k < f->nenv; k++)
            free(f->env[k]);
        free(f->all_env);
    }
    free(rp->faults);
    for (size_t i = 0; i < rp->nstops; i++) {
        free(rp->stops[i].files[0]);
        free(rp->stops[i].files[1]);
    }
    free(rp->stops);
}
