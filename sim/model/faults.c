/* faults: the scheduled and random failures of a scenario applied to the model (zones,
 * instances, database, load balancer nodes, the device network, rolling releases), and
 * after the run, each fault's record: detection, recovery, RTO and its phases.
 * docs/model.md, "Faults", defines what happens to requests in flight. */
#include "model/core.h"
#include "metrics/recovery.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WATCH_AFTER (5 * ZF_MIN) /* failures this long after a fault ends still count for it */

/* Zone z is lost: crashed (power: its instances die) or cut off by a partition (everything
 * inside keeps running, unreachable from outside and unable to reach out). */
static void zone_down(zf_model_t *m, uint32_t z, bool partition, zf_mfault_t *mf, zf_time_t now,
                      int f)
{
    m->zones[z].state = ZONE_DOWN;
    m->zones[z].impaired = true;
    m->zones[z].cut = partition;
    if (partition)
        zf_lb_zone_own(m, z);
    for (uint32_t i = 0; i < m->ninsts && !partition; i++)
        if (m->insts[i].zone == z && m->insts[i].state != INST_TERMINATED) {
            zf_group_crash(m, i, now);
            mf->touched_capacity = true;
        }
    for (uint32_t lb = 0; lb < m->dep->nlbs; lb++)
        zf_lb_refresh_dns(m, lb, now);
    if (m->dep->db.present && m->db.primary_zone == (int32_t)z) {
        mf->touched_db = true;
        zf_db_crash(m, now, false, f);
    } else if (m->dep->db.present && m->db.standby_zone == (int32_t)z) {
        zf_db_standby_lost(m, now);
    }
}

static void zone_up(zf_model_t *m, uint32_t z, bool still_impaired, zf_time_t now)
{
    bool was_cut = m->zones[z].cut;
    m->zones[z].state = ZONE_UP;
    m->zones[z].impaired = still_impaired;
    m->zones[z].cut = false;
    /* the instances that lived through a partition lost their database connections, unless
     * the primary was with them all along */
    for (uint32_t i = 0; was_cut && m->dep->db.present && i < m->ninsts; i++)
        if (m->insts[i].zone == z && m->insts[i].state != INST_TERMINATED &&
            m->db.primary_zone != (int32_t)z)
            zf_db_reconnect(m, i, now);
    for (uint32_t lb = 0; lb < m->dep->nlbs; lb++)
        zf_lb_refresh_dns(m, lb, now);
    zf_db_zone_back(m, z, now);
}

/* Crashes up to n in-service instances of group g (in zone, if >= 0), chosen at random. */
static void crash_some(zf_model_t *m, uint32_t g, int32_t zone, uint32_t n, zf_rng_t *rng,
                       zf_time_t now)
{
    zf_mgroup_t *mg = &m->groups[g];
    for (uint32_t k = 0; k < n; k++) {
        uint32_t cand[1024], nc = 0;
        for (uint32_t i = 0; i < mg->nmembers && nc < 1024; i++) {
            const zf_inst_t *in = &m->insts[mg->members[i]];
            if (in->state == INST_IN_SERVICE && !in->crashed && (zone < 0 || in->zone == (uint32_t)zone))
                cand[nc++] = mg->members[i];
        }
        if (nc == 0)
            return;
        zf_group_crash(m, cand[zf_rng_below(rng, nc)], now);
    }
}

static int start_release(zf_model_t *m, uint32_t f, zf_time_t now)
{
    zf_mfault_t *mf = &m->faults[f];
    const zf_mgroup_t *mg = &m->groups[m->dep->faults[f].target];
    mf->deploy_list = malloc((mg->nmembers + 1) * sizeof *mf->deploy_list);
    if (!mf->deploy_list)
        return ZF_ENOMEM;
    mf->ndeploy = 0;
    for (uint32_t i = 0; i < mg->nmembers; i++)
        if (m->insts[mg->members[i]].state == INST_IN_SERVICE)
            mf->deploy_list[mf->ndeploy++] = mg->members[i];
    mf->deploy_next = mf->batch_start = 0;
    mf->touched_capacity = true;
    return zf_queue_push(&m->q, now, EV_DEPLOY, f, 0);
}

static zf_time_t schedule_random(zf_model_t *m, uint32_t f, uint64_t elem, zf_time_t now,
                                 const zf_dist_t *d, double divide)
{
    zf_time_t t = now + (zf_time_t)((double)zf_dist_sample_ns(d, &m->faults[f].rng) / divide);
    const zf_fault_spec_t *fs = &m->dep->faults[f];
    zf_time_t until = fs->duration > 0 ? fs->start + fs->duration : m->end;
    if (t <= until && t <= m->end)
        zf_queue_push(&m->q, t, EV_FAULT_RANDOM, f, elem);
    return t;
}

int zf_fault_start(zf_model_t *m, uint32_t f, zf_time_t now)
{
    const zf_fault_spec_t *fs = &m->dep->faults[f];
    zf_mfault_t *mf = &m->faults[f];
    mf->active = true;
    mf->watch_until = now + fs->duration + fs->recovery * (fs->type == ZF_FAULT_AZ_POWER) + WATCH_AFTER;
    if (m->wl) {
        zf_workload_stats_t st;
        zf_workload_stats(m->wl, &st);
        mf->backlog_at_start = st.buffered_now;
    }
    int rc = 0;
    switch (fs->type) {
    case ZF_FAULT_ZONE_OUTAGE:
    case ZF_FAULT_AZ_POWER: zone_down(m, (uint32_t)fs->target, fs->partition, mf, now, (int)f); break;
    case ZF_FAULT_ZONE_DEGRADATION:
        m->zones[fs->target].added_latency = fs->added_latency;
        m->zones[fs->target].loss = fs->loss;
        m->zones[fs->target].packet = fs->packet_loss;
        if (fs->packet_loss && fs->loss > 0)
            zf_lb_zone_own(m, (uint32_t)fs->target);
        break;
    case ZF_FAULT_INSTANCE_CRASH:
        mf->touched_capacity = true;
        crash_some(m, (uint32_t)fs->target, fs->zone, fs->count, &mf->rng, now);
        break;
    case ZF_FAULT_DB_CRASH:
    case ZF_FAULT_DB_FAILOVER:
        mf->touched_db = true;
        rc = zf_db_crash(m, now, fs->type == ZF_FAULT_DB_FAILOVER, (int)f);
        break;
    case ZF_FAULT_LB_NODE:
        for (size_t n = 0; n < m->dep->lbs[fs->target].nzones; n++)
            if (m->dep->lbs[fs->target].zones[n] == (uint32_t)fs->zone)
                m->lbs[fs->target].node_failed[n] = true;
        zf_lb_refresh_dns(m, (uint32_t)fs->target, now);
        break;
    case ZF_FAULT_DEVICE_NETWORK:
        rc = m->wl ? zf_workload_set_offline(m->wl, fs->fraction, zf_mix64(m->seed ^ f), now) : 0;
        break;
    case ZF_FAULT_ROLLING_RELEASE: rc = start_release(m, f, now); break;
    case ZF_FAULT_PITR:
        mf->touched_db = true;
        rc = zf_db_restore(m, now, fs->duration, (int)f);
        break;
    case ZF_FAULT_RANDOM: schedule_random(m, f, 0, now, &fs->mtbf, 1); break;
    default: break;
    }
    if (rc == 0 && fs->duration > 0 && fs->type != ZF_FAULT_PITR && fs->type != ZF_FAULT_RANDOM)
        rc = zf_queue_push(&m->q, now + fs->duration, EV_FAULT_END, f, 0);
    return rc;
}

int zf_fault_end(zf_model_t *m, uint32_t f, zf_time_t now)
{
    const zf_fault_spec_t *fs = &m->dep->faults[f];
    switch (fs->type) {
    case ZF_FAULT_ZONE_OUTAGE: zone_up(m, (uint32_t)fs->target, false, now); break;
    case ZF_FAULT_AZ_POWER:
        if (m->zones[fs->target].state == ZONE_DOWN) { /* then the recovery phase */
            zone_up(m, (uint32_t)fs->target, true, now);
            return zf_queue_push(&m->q, now + fs->recovery, EV_FAULT_END, f, 1);
        }
        m->zones[fs->target].impaired = false;
        break;
    case ZF_FAULT_ZONE_DEGRADATION:
        m->zones[fs->target].added_latency = 0;
        m->zones[fs->target].loss = 0;
        m->zones[fs->target].packet = false;
        break;
    case ZF_FAULT_DB_CRASH: return zf_db_restart(m, now);
    case ZF_FAULT_LB_NODE: /* this node only: another fault may hold another one */
        for (size_t n = 0; n < m->dep->lbs[fs->target].nzones; n++)
            if (m->dep->lbs[fs->target].zones[n] == (uint32_t)fs->zone)
                m->lbs[fs->target].node_failed[n] = false;
        zf_lb_refresh_dns(m, (uint32_t)fs->target, now);
        break;
    case ZF_FAULT_DEVICE_NETWORK:
        return m->wl ? zf_workload_set_offline(m->wl, 0, 0, now) : 0;
    default: break;
    }
    return 0;
}

/* Random failures from MTBF and MTTR: zone outages, instance crashes (the group's failure
 * rate is its instance count over the MTBF), database crashes. elem 1 heals a zone. */
int zf_fault_random(zf_model_t *m, uint32_t f, uint64_t elem, zf_time_t now)
{
    const zf_fault_spec_t *fs = &m->dep->faults[f];
    zf_mfault_t *mf = &m->faults[f];
    switch (fs->target_class) {
    case ZF_TARGET_ZONE:
        if (elem == 1) {
            zone_up(m, (uint32_t)fs->target, false, now);
            schedule_random(m, f, 0, now, &fs->mtbf, 1);
        } else if (m->zones[fs->target].state == ZONE_UP) {
            zone_down(m, (uint32_t)fs->target, false, mf, now, (int)f);
            zf_queue_push(&m->q, now + zf_dist_sample_ns(&fs->mttr, &mf->rng), EV_FAULT_RANDOM, f, 1);
        }
        return 0;
    case ZF_TARGET_GROUP: {
        uint32_t n = zf_group_in_service(m, (uint32_t)fs->target, -1);
        mf->touched_capacity = true;
        crash_some(m, (uint32_t)fs->target, -1, 1, &mf->rng, now);
        schedule_random(m, f, 0, now, &fs->mtbf, n > 1 ? n : 1);
        return 0;
    }
    case ZF_TARGET_DB: /* elem 1: repaired (a single-zone database restarts) */
        if (elem == 1) {
            schedule_random(m, f, 0, now, &fs->mtbf, 1);
            return zf_db_restart(m, now);
        }
        mf->touched_db = true;
        zf_db_crash(m, now, false, (int)f);
        return zf_queue_push(&m->q, now + zf_dist_sample_ns(&fs->mttr, &mf->rng), EV_FAULT_RANDOM,
                             f, 1);
    default: return 0;
    }
}

/* Rolling release: the next batch leaves service once the previous one is healthy again. */
int zf_fault_deploy(zf_model_t *m, uint32_t f, zf_time_t now)
{
    const zf_fault_spec_t *fs = &m->dep->faults[f];
    zf_mfault_t *mf = &m->faults[f];
    for (uint32_t k = mf->batch_start; k < mf->deploy_next; k++) {
        const zf_inst_t *in = &m->insts[mf->deploy_list[k]];
        bool back = in->state == INST_TERMINATED || in->crashed ||
                    (in->state == INST_IN_SERVICE && in->health == TGT_HEALTHY);
        if (!back)
            return zf_queue_push(&m->q, now + 5 * ZF_S, EV_DEPLOY, f, 0);
    }
    if (mf->deploy_next >= mf->ndeploy) {
        mf->active = false;
        mf->watch_until = now + WATCH_AFTER;
        return 0;
    }
    uint32_t batch = fs->batch_size;
    if (!batch)
        batch = (uint32_t)ceil(fs->batch_percent / 100.0 * mf->ndeploy);
    mf->batch_start = mf->deploy_next;
    int rc = 0;
    for (uint32_t k = 0; k < batch && mf->deploy_next < mf->ndeploy && rc == 0; k++) {
        uint32_t i = mf->deploy_list[mf->deploy_next++];
        zf_inst_t *in = &m->insts[i];
        if (in->state != INST_IN_SERVICE || in->crashed)
            continue;
        in->deploy_fault = (int32_t)f;
        rc = zf_group_drain(m, i, now, false);
    }
    return rc ? rc : zf_queue_push(&m->q, now + 5 * ZF_S, EV_DEPLOY, f, 0);
}

int zf_fault_deployed(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    if (in->epoch != epoch || in->state != INST_DEPLOYING)
        return 0;
    m->faults[in->deploy_fault].redeployed++;
    in->deploy_fault = -1;
    if (in->crashed) {
        in->state = INST_DEAD;
        return 0;
    }
    in->state = INST_IN_SERVICE; /* registered again: healthy after the checks pass */
    zf_lb_set_health(in, TGT_INITIAL);
    return zf_lb_start_checks(m, inst, now);
}

/* Whether fault f hit instance inst (its zone, or its crash), which it found running:
 * instances launched after a scheduled fault began, in a zone still degraded, are the
 * group's, not the fault's (random failures strike later than their start). */
static bool fault_hit(const zf_model_t *m, uint32_t f, const zf_inst_t *in)
{
    const zf_fault_spec_t *fs = &m->dep->faults[f];
    if (in->launched > fs->start && fs->type != ZF_FAULT_RANDOM)
        return false;
    switch (fs->type) {
    case ZF_FAULT_ZONE_OUTAGE:
    case ZF_FAULT_ZONE_DEGRADATION:
    case ZF_FAULT_AZ_POWER: return in->zone == (uint32_t)fs->target;
    case ZF_FAULT_INSTANCE_CRASH: return in->crashed && in->group == (uint32_t)fs->target;
    case ZF_FAULT_RANDOM:
        return fs->target_class == ZF_TARGET_ZONE ? in->zone == (uint32_t)fs->target
               : fs->target_class == ZF_TARGET_GROUP && in->crashed && in->group == (uint32_t)fs->target;
    default: return false;
    }
}

void zf_faults_target_unhealthy(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    for (uint32_t f = 0; m->faults && f < m->dep->nfaults; f++) {
        zf_mfault_t *mf = &m->faults[f];
        if (mf->active && now >= m->dep->faults[f].start && now <= mf->watch_until &&
            fault_hit(m, f, &m->insts[inst]))
            mf->marked_unhealthy = now; /* the last of its targets marked so far */
    }
}

void zf_faults_saw_failure(zf_model_t *m, zf_time_t now)
{
    for (size_t f = 0; f < m->dep->nfaults; f++) {
        zf_mfault_t *mf = &m->faults[f];
        if (mf->first_failure < 0 && now >= m->dep->faults[f].start && mf->active &&
            now <= mf->watch_until)
            mf->first_failure = now;
    }
}

/* Recovery: the start of the first window of `window` seconds from which on every window
 * up to the fault's horizon (its end plus WATCH_AFTER) has availability at or above the
 * threshold, or the first good window after a horizon still below it (metrics/recovery.h,
 * the replayer's definition too). */
static zf_time_t recovered_at(const zf_model_t *m, zf_time_t start, zf_time_t horizon)
{
    const zf_recovery_spec_t *rs = &m->dep->recovery;
    return zf_recovered_at(m->rec, rs->threshold, rs->window, start, horizon);
}

static const char *target_name(const zf_model_t *m, const zf_fault_spec_t *fs)
{
    switch (fs->target_class) {
    case ZF_TARGET_ZONE: return m->dep->zones[fs->target].name;
    case ZF_TARGET_GROUP: return m->dep->groups[fs->target].name;
    case ZF_TARGET_LB: return m->dep->lbs[fs->target].name;
    case ZF_TARGET_DB: return m->dep->db.name;
    default: return "fleet";
    }
}

static zf_time_t since(zf_time_t t, zf_time_t start)
{
    return t >= 0 ? t - start : 0;
}

/* Seconds from the fault's recovery until the device backlog is back to its level at the
 * fault's start (zf_backlog_drain_s); NAN when none formed. */
static double drain_after(const zf_model_t *m, const zf_fault_spec_t *fs, const zf_mfault_t *mf,
                          zf_time_t recovered, zf_time_t from)
{
    return zf_backlog_drain_s(m->backlog_sec, m->nbacklog, fs->start, from, recovered,
                              mf->backlog_at_start);
}

int zf_faults_record(zf_model_t *m)
{
    double drain = NAN;
    for (size_t f = 0; f < m->dep->nfaults; f++) {
        const zf_fault_spec_t *fs = &m->dep->faults[f];
        const zf_mfault_t *mf = &m->faults[f];
        zf_fault_rec_t r = {0};
        snprintf(r.name, sizeof r.name, "%s", fs->name);
        snprintf(r.kind, sizeof r.kind, "%s", zf_fault_type_name(fs->type));
        snprintf(r.target, sizeof r.target, "%s", target_name(m, fs));
        r.start = r.rto_from = fs->start;
        if (fs->type == ZF_FAULT_DEVICE_NETWORK)
            r.rto_from = fs->start + fs->duration;
        r.end = fs->start + fs->duration + (fs->type == ZF_FAULT_AZ_POWER ? fs->recovery : 0);
        if (fs->start > m->end) /* never happened in this run (--until) */
            r.end = r.detected = r.recovered = -1;
        else {
            r.detected = mf->first_failure;
            r.recovered = recovered_at(m, fs->start, r.end + WATCH_AFTER);
        }
        zf_time_t det = mf->marked_unhealthy >= 0 ? mf->marked_unhealthy : mf->dns_removed;
        r.phase_detection = since(det, fs->start);
        r.phase_dns = mf->touched_dns ? since(mf->dns_expired, fs->start) : 0;
        r.phase_promotion = mf->touched_db ? since(mf->db_restored, fs->start) : 0;
        r.phase_launch = mf->touched_capacity ? since(mf->capacity_restored, fs->start) : 0;
        if (zf_rec_add_fault(m->rec, &r))
            return ZF_ENOMEM;
        char name[ZF_REC_NAME_MAX];
        snprintf(name, sizeof name, "faults.%s.redeployed", fs->name);
        if (fs->type == ZF_FAULT_ROLLING_RELEASE && zf_rec_metric(m->rec, name, mf->redeployed))
            return ZF_ENOMEM;
        double d = m->wl ? drain_after(m, fs, mf, r.recovered, r.rto_from) : NAN;
        if (!isnan(d) && (isnan(drain) || d > drain))
            drain = d;
    }
    m->rec->backlog_drain_s = drain;
    return 0;
}

int zf_faults_setup(zf_model_t *m)
{
    m->faults = calloc(m->dep->nfaults + 1, sizeof *m->faults);
    if (!m->faults)
        return ZF_ENOMEM;
    for (uint32_t f = 0; f < m->dep->nfaults; f++) {
        zf_mfault_t *mf = &m->faults[f];
        char name[96];
        mf->first_failure = mf->marked_unhealthy = mf->dns_removed = mf->dns_expired = -1;
        mf->db_restored = mf->capacity_restored = -1;
        snprintf(name, sizeof name, "fault/%s", m->dep->faults[f].name);
        if (zf_rng_init(&mf->rng, m->seed, name))
            return ZF_ENOMEM;
        if (m->dep->faults[f].start <= m->end &&
            zf_queue_push(&m->q, m->dep->faults[f].start, EV_FAULT_START, f, 0))
            return ZF_ENOMEM;
    }
    return 0;
}

void zf_faults_free(zf_model_t *m)
{
    for (uint32_t f = 0; m->faults && f < m->dep->nfaults; f++) {
        zf_rng_free(&m->faults[f].rng);
        free(m->faults[f].deploy_list);
    }
    free(m->faults);
    free(m->backlog_sec);
}
