/* sim: one replication: builds the model from the scenario, runs the event loop (a switch
 * on a small enum of event kinds) to the end time, and leaves every measurement in the
 * recorder. The components live in queueing.c, route.c, lb.c, group.c, db.c, faults.c. */
#include "model/core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint64_t zf_sim_replication_seed(uint64_t seed, uint32_t r)
{
    if (r == 0)
        return seed;
    char name[32];
    snprintf(name, sizeof name, "replication/%u", r);
    return zf_rng_derive_seed(seed, name);
}

static bool has_deployment(const zf_scenario_t *sc)
{
    return sc->nkinds > 0;
}

/* Recorder kinds: the queueing sources first, then the scenario's request kinds. */
static int setup_recorder(zf_model_t *m)
{
    const zf_scenario_t *sc = m->sc;
    size_t n = sc->nsources + sc->nkinds;
    const char **names = calloc(n + 1, sizeof *names);
    if (!names)
        return ZF_ENOMEM;
    for (size_t i = 0; i < sc->nsources; i++)
        names[i] = sc->sources[i].name;
    for (size_t k = 0; k < sc->nkinds; k++)
        names[sc->nsources + k] = sc->kinds[k].name;
    m->rec_kind_base = (uint32_t)sc->nsources;
    int rc = zf_rec_init(m->rec, names, n, sc->warmup, m->end);
    free(names);
    return rc;
}

static int deploy_gauges(zf_model_t *m)
{
    if (m->dep->db.present) {
        if ((m->g_db_state = zf_rec_add_gauge(m->rec, "db.state")) < 0 ||
            (m->g_db_primary = zf_rec_add_gauge(m->rec, "db.primary_zone")) < 0)
            return ZF_ENOMEM;
    }
    if (m->sc->workload.fleet.count) {
        if ((m->g_backlog = zf_rec_add_gauge(m->rec, "devices.backlog")) < 0 ||
            (m->g_offline = zf_rec_add_gauge(m->rec, "devices.offline")) < 0)
            return ZF_ENOMEM;
    }
    return 0;
}

static int check_routes(const zf_model_t *m, zf_err_t *err)
{
    for (size_t k = 0; k < m->sc->nkinds; k++)
        if (m->sc->kinds[k].lb < 0)
            return zf_err_set(err, ZF_EINVAL, "%s: $.kinds[%zu]: kind \"%s\" is not routed: a "
                              "simulation needs $.load_balancers with rules to $.groups",
                              m->sc->file, k, m->sc->kinds[k].name);
    return 0;
}

static int setup_deployment(zf_model_t *m, zf_err_t *err)
{
    int rc = check_routes(m, err);
    if (rc)
        return rc;
    if ((rc = zf_lb_setup(m)) || (rc = zf_db_setup(m)) || (rc = zf_route_setup(m)) ||
        (rc = zf_faults_setup(m)) || (rc = zf_group_setup(m)) || (rc = deploy_gauges(m)))
        return rc;
    rc = zf_workload_new(m->sc, m->seed, &m->q, EV_WL_BASE, m->end, &m->wl, err);
    return rc ? rc : zf_workload_start(m->wl);
}

static int setup(zf_model_t *m, const zf_sim_opts_t *opts, zf_err_t *err)
{
    int rc;
    if ((rc = setup_recorder(m)) || (rc = zf_rng_init(&m->rng_infra, m->seed, "model/infra")) ||
        (rc = zf_rng_init(&m->rng_tcp, m->seed, "model/tcp")) ||
        (rc = zf_qnet_setup(m)))
        return rc;
    if (has_deployment(m->sc) && (rc = setup_deployment(m, err)))
        return rc;
    if (opts && opts->csv && (rc = zf_rec_open_csv(m->rec, opts->csv)))
        return rc;
    if ((rc = zf_qnet_start(m)))
        return rc;
    if (m->sc->warmup > 0 && (rc = zf_queue_push(&m->q, m->sc->warmup, EV_WARMUP, 0, 0)))
        return rc;
    return 0;
}

static void deploy_tick(zf_model_t *m, zf_time_t now)
{
    zf_group_tick(m, now);
    if (m->dep->db.present) {
        zf_rec_gauge(m->rec, m->g_db_state, (double)m->db.state);
        zf_rec_gauge(m->rec, m->g_db_primary, (double)m->db.primary_zone);
    }
    if (!m->wl || !m->sc->workload.fleet.count)
        return;
    zf_workload_stats_t st;
    zf_workload_stats(m->wl, &st);
    zf_rec_gauge(m->rec, m->g_backlog, (double)st.buffered_now);
    zf_rec_gauge(m->rec, m->g_offline, (double)st.offline_now);
    if (m->nbacklog == m->backlog_cap) {
        size_t cap = m->backlog_cap ? m->backlog_cap * 2 : 4096;
        uint64_t *v = realloc(m->backlog_sec, cap * sizeof *v);
        if (!v)
            return;
        m->backlog_sec = v;
        m->backlog_cap = cap;
    }
    m->backlog_sec[m->nbacklog++] = st.buffered_now;
}

static int on_tick(zf_model_t *m, uint64_t sec, zf_time_t now)
{
    zf_qnet_tick(m, now);
    if (has_deployment(m->sc))
        deploy_tick(m, now);
    return zf_rec_tick(m->rec, sec, m->in_system + m->reqs_live);
}

/* Closes every second that ends at or before t, before any event at t is handled: an
 * event at exactly k s belongs to second k, whatever the order the events were queued in
 * (ticks are not events, so no tie with one is possible). */
static int ticks_until(zf_model_t *m, zf_time_t t, zf_time_t *next_tick)
{
    int rc = 0;
    while (rc == 0 && *next_tick <= t && *next_tick <= m->end) {
        rc = on_tick(m, (uint64_t)(*next_tick / ZF_S) - 1, *next_tick);
        *next_tick += ZF_S;
    }
    return rc;
}

static int on_workload(zf_model_t *m, const zf_event_t *e)
{
    zf_request_t req;
    int rc = zf_workload_event(m->wl, e, &req);
    return rc == 1 ? zf_route_request(m, &req, e->time) : rc;
}

static int dispatch(zf_model_t *m, const zf_event_t *e)
{
    zf_time_t t = e->time;
    unsigned kind = zf_event_kind(e);
    switch (kind) {
    case EV_ARRIVAL: return zf_qnet_arrival(m, e->obj, t);
    case EV_DEPART: return zf_qnet_depart(m, e->obj, (uint32_t)e->arg, t);
    case EV_WARMUP: zf_qnet_warmup(m, t); return 0;
    case EV_REQ_ARRIVE: return zf_route_arrive(m, e->obj, e->arg, t);
    case EV_CPU_DONE: return zf_route_cpu_done(m, e->obj, e->arg, t);
    case EV_DB_DONE: return zf_route_db_done(m, e->arg, t);
    case EV_RESPONSE: return zf_route_response(m, e->arg, t);
    case EV_DEADLINE: return zf_route_deadline(m, e->obj, t);
    case EV_HEALTH: return zf_lb_health_event(m, e->obj, (uint32_t)e->arg, t);
    case EV_HEALTH_TIMEOUT: return zf_lb_health_timeout_event(m, e->obj, e->arg, t);
    case EV_DNS: return zf_lb_dns_event(m, e->obj, t);
    case EV_SCALE: return zf_group_scale_event(m, e->obj, t);
    case EV_LAUNCHED: return zf_group_launched(m, e->obj, (uint32_t)e->arg, t);
    case EV_DRAINED: return zf_group_drained_event(m, e->obj, (uint32_t)e->arg, t);
    case EV_STATUS: return zf_group_status_event(m, e->obj, (uint32_t)e->arg, t);
    case EV_DB_PHASE: return zf_db_phase_event(m, (uint32_t)e->arg, t);
    case EV_DB_RESYNC: return zf_db_resync_event(m, (uint32_t)e->arg, t);
    case EV_FAULT_START: return zf_fault_start(m, e->obj, t);
    case EV_FAULT_END: return zf_fault_end(m, e->obj, t);
    case EV_FAULT_RANDOM: return zf_fault_random(m, e->obj, e->arg, t);
    case EV_DEPLOY: return zf_fault_deploy(m, e->obj, t);
    case EV_DEPLOYED: return zf_fault_deployed(m, e->obj, (uint32_t)e->arg, t);
    case EV_SYN_RETRY: return zf_route_syn_retry(m, e->obj, e->arg, t);
    case EV_LB_RETRY: return zf_route_lb_retry(m, e->arg, t);
    default:
        if (kind >= EV_WL_BASE && kind < EV_WL_BASE + ZF_WL_EVENT_KINDS)
            return on_workload(m, e);
        return ZF_ESTATE;
    }
}

static int run_loop(zf_model_t *m, const zf_sim_opts_t *opts, uint64_t *nevents)
{
    zf_event_t e;
    uint64_t n = 0;
    zf_time_t next_report = zf_wall_now() + 250 * ZF_MS, next_tick = ZF_S;
    int rc = 0;
    while (rc == 0 && zf_queue_pop(&m->q, &e)) {
        if (e.time > m->end)
            break;
        if ((rc = ticks_until(m, e.time, &next_tick)))
            break;
        rc = dispatch(m, &e);
        if ((++n & 0xffff) != 0 || !opts)
            continue;
        if (opts->stop && *opts->stop)
            rc = ZF_EABORT;
        if (opts->progress && zf_wall_now() >= next_report) {
            zf_sim_progress_t p = {zf_queue_now(&m->q), m->end, n};
            opts->progress(opts->progress_ctx, &p);
            next_report = zf_wall_now() + 250 * ZF_MS;
        }
    }
    *nevents = n;
    return rc ? rc : ticks_until(m, m->end, &next_tick);
}

static int record(zf_model_t *m)
{
    zf_qnet_metrics(m);
    if (!has_deployment(m->sc))
        return 0;
    zf_group_metrics(m, m->end);
    m->rec->acked_writes = m->acked_writes;
    m->rec->lost_writes = m->lost_writes;
    m->rec->indeterminate_writes = m->indeterminate_writes;
    m->rec->rpo_s = m->rpo_s;
    if (m->wl) {
        zf_workload_stats_t st;
        zf_workload_stats(m->wl, &st);
        zf_rec_metric(m->rec, "devices.retries", (double)st.retries);
        zf_rec_metric(m->rec, "devices.dropped", (double)st.dropped);
        zf_rec_metric(m->rec, "devices.backlog_at_end", (double)st.buffered_now);
        zf_rec_metric(m->rec, "devices.bytes_per_device", (double)zf_workload_bytes_per_device(m->wl));
    }
    return zf_faults_record(m);
}

static void model_free(zf_model_t *m)
{
    zf_qnet_free(m);
    if (has_deployment(m->sc)) {
        zf_workload_free(m->wl);
        zf_faults_free(m);
        zf_group_free(m);
        zf_route_free(m);
        zf_db_free(m);
        zf_lb_free(m);
    }
    zf_rng_free(&m->rng_infra);
    zf_rng_free(&m->rng_tcp);
    zf_queue_free(&m->q);
}

int zf_sim_run(const zf_scenario_t *sc, uint64_t seed, const zf_sim_opts_t *opts,
               zf_rec_t *rec, uint64_t *events, zf_err_t *err)
{
    zf_model_t *m = calloc(1, sizeof *m);
    uint64_t n = 0;
    if (!m)
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    m->sc = sc;
    m->dep = &sc->deploy;
    m->rec = rec;
    m->seed = seed;
    m->end = opts && opts->until > 0 ? opts->until : sc->duration;
    zf_queue_init(&m->q);
    memset(rec, 0, sizeof *rec);
    if (err)
        err->msg[0] = 0;
    int rc = setup(m, opts, err);
    if (rc == 0)
        rc = run_loop(m, opts, &n);
    if (rc == 0 && m->end % ZF_S != 0) /* the last, partial second */
        rc = zf_rec_tick(rec, (uint64_t)(m->end / ZF_S), m->in_system + m->reqs_live);
    zf_rec_close(rec);
    if (rc == 0)
        rc = record(m);
    if (events)
        *events = n;
    model_free(m);
    free(m);
    if (rc == 0)
        return 0;
    if (err && err->msg[0])
        return rc;
    if (rc == ZF_EIO)
        return zf_err_set(err, rc, "writing the per-second series failed");
    if (rc == ZF_EABORT)
        return zf_err_set(err, rc, "interrupted");
    return zf_err_set(err, rc, "simulation failed: %s", zf_err_name(rc));
}
