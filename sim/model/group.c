/* group: auto-scaled groups of instances: launches spread over zones (failing in impaired
 * zones), health-based replacement, target-tracking and step scaling on a CPU metric with
 * CloudWatch-style periods and alarms, cooldown and warm-up, draining, zone rebalancing,
 * and the instance-hours they cost. docs/model.md, "Groups". */
#include "model/core.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An instance the group counts toward its capacity. A dead one counts until a health or
 * status check finds it (then it is replaced): the group knows no sooner than its checks. */
static bool active_member(const zf_inst_t *in)
{
    return in->state == INST_LAUNCHING || in->state == INST_IN_SERVICE ||
           in->state == INST_DEPLOYING || in->state == INST_DEAD ||
           (in->state == INST_DRAINING && !in->terminate_when_drained);
}

uint32_t zf_group_in_service(const zf_model_t *m, uint32_t g, int32_t zone)
{
    const zf_mgroup_t *mg = &m->groups[g];
    uint32_t n = 0;
    for (uint32_t i = 0; i < mg->nmembers; i++) {
        const zf_inst_t *in = &m->insts[mg->members[i]];
        if (in->state == INST_IN_SERVICE && !in->crashed && (zone < 0 || in->zone == (uint32_t)zone))
            n++;
    }
    return n;
}

static uint32_t zone_count(const zf_model_t *m, uint32_t g, uint32_t zone)
{
    const zf_mgroup_t *mg = &m->groups[g];
    uint32_t n = 0;
    for (uint32_t i = 0; i < mg->nmembers; i++) {
        const zf_inst_t *in = &m->insts[mg->members[i]];
        n += in->zone == zone && active_member(in);
    }
    return n;
}

static uint32_t active_count(const zf_model_t *m, uint32_t g)
{
    const zf_mgroup_t *mg = &m->groups[g];
    uint32_t n = 0;
    for (uint32_t i = 0; i < mg->nmembers; i++)
        n += active_member(&m->insts[mg->members[i]]);
    return n;
}

/* The zone a new instance goes to: the group's zone with the fewest, among those that can
 * launch now; -1 when no zone has capacity (EC2 Auto Scaling AZ balancing). */
static int32_t launch_zone(const zf_model_t *m, uint32_t g)
{
    const zf_group_spec_t *gs = &m->dep->groups[g];
    int32_t best = -1;
    uint32_t best_n = UINT32_MAX;
    for (size_t i = 0; i < gs->nzones; i++) {
        uint32_t z = gs->zones[i];
        if (m->zones[z].state != ZONE_UP || m->zones[z].impaired)
            continue;
        uint32_t n = zone_count(m, g, z);
        if (n < best_n) {
            best_n = n;
            best = (int32_t)z;
        }
    }
    return best;
}

static int add_member(zf_mgroup_t *mg, uint32_t inst)
{
    if (mg->nmembers == mg->cap) {
        uint32_t cap = mg->cap ? mg->cap * 2 : 16;
        uint32_t *v = realloc(mg->members, cap * sizeof *v);
        if (!v)
            return ZF_ENOMEM;
        mg->members = v;
        mg->cap = cap;
    }
    mg->members[mg->nmembers++] = inst;
    return 0;
}

static void remove_member(zf_mgroup_t *mg, uint32_t inst)
{
    for (uint32_t i = 0; i < mg->nmembers; i++)
        if (mg->members[i] == inst) {
            memmove(mg->members + i, mg->members + i + 1, (mg->nmembers - i - 1) * sizeof *mg->members);
            mg->nmembers--;
            return;
        }
}

static int new_instance(zf_model_t *m, uint32_t g, uint32_t zone, uint32_t *out)
{
    const zf_group_spec_t *gs = &m->dep->groups[g];
    if (m->ninsts == m->insts_cap) {
        uint32_t cap = m->insts_cap ? m->insts_cap * 2 : 64;
        zf_inst_t *v = realloc(m->insts, cap * sizeof *v);
        if (!v)
            return ZF_ENOMEM;
        m->insts = v;
        m->insts_cap = cap;
    }
    uint32_t i = m->ninsts;
    zf_inst_t *in = &m->insts[i];
    memset(in, 0, sizeof *in);
    in->deploy_fault = -1;
    in->group = g;
    in->zone = zone;
    if (zf_station_init(&in->workers, gs->workers, gs->queue_limit) ||
        zf_station_init(&in->cpu, gs->vcpus, -1))
        return ZF_ENOMEM;
    m->ninsts++;
    *out = i;
    return add_member(&m->groups[g], i);
}

/* Launches one instance of g (in `zone`, or the least populated available zone). Returns
 * 0, or 1 when no zone has capacity (the launch failed), or ZF_ENOMEM. */
int zf_group_launch(zf_model_t *m, uint32_t g, int32_t zone, zf_time_t now, bool initial)
{
    if (zone < 0)
        zone = launch_zone(m, g);
    if (zone < 0 || m->zones[zone].state != ZONE_UP || m->zones[zone].impaired) {
        m->groups[g].launch_failures++;
        return 1;
    }
    uint32_t i;
    int rc = new_instance(m, g, (uint32_t)zone, &i);
    if (rc)
        return rc;
    zf_inst_t *in = &m->insts[i];
    in->launched = in->billed_since = now;
    m->groups[g].launches++;
    if (initial) {
        in->state = INST_IN_SERVICE;
        zf_lb_set_health(in, TGT_HEALTHY);
        in->in_service_since = now - m->dep->groups[g].scaling.warmup; /* warm already */
        in->grace_until = now;
        return zf_lb_start_checks(m, i, now);
    }
    in->state = INST_LAUNCHING;
    zf_time_t boot = zf_dist_sample_ns(&m->dep->groups[g].launch_time, &m->rng_infra);
    return zf_queue_push(&m->q, now + boot, EV_LAUNCHED, i, in->epoch);
}

/* Area under the instance's busy-cores curve up to now (core-ns). */
static double cpu_area(const zf_inst_t *in, zf_time_t now)
{
    const zf_timeavg_t *a = &in->cpu.busy_avg;
    return a->area + a->value * (double)(now - a->last);
}

int zf_group_launched(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    if (in->epoch != epoch || in->state != INST_LAUNCHING)
        return 0;
    if (in->crashed || m->zones[in->zone].state != ZONE_UP) {
        in->state = INST_DEAD;
        return zf_queue_push(&m->q, now + m->dep->groups[in->group].status_check_delay,
                             EV_STATUS, inst, in->epoch);
    }
    in->state = INST_IN_SERVICE;
    zf_lb_set_health(in, TGT_INITIAL);
    in->in_service_since = now;
    in->grace_until = now + m->dep->groups[in->group].health_check_grace;
    in->cpu_area0 = in->sec_area0 = cpu_area(in, now);
    return zf_lb_start_checks(m, inst, now);
}

/* A victim for scale-in or rebalancing: in the zone with the most instances, the oldest. */
static uint32_t pick_victim(const zf_model_t *m, uint32_t g)
{
    const zf_mgroup_t *mg = &m->groups[g];
    uint32_t best = ZF_NONE, best_zone_n = 0;
    for (uint32_t k = 0; k < mg->nmembers; k++) {
        uint32_t i = mg->members[k];
        const zf_inst_t *in = &m->insts[i];
        if (in->state != INST_IN_SERVICE || in->crashed)
            continue;
        uint32_t zn = zone_count(m, g, in->zone);
        if (best == ZF_NONE || zn > best_zone_n ||
            (zn == best_zone_n && in->launched < m->insts[best].launched)) {
            best = i;
            best_zone_n = zn;
        }
    }
    return best;
}

int zf_group_terminate(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    if (in->state == INST_TERMINATED)
        return 0;
    int rc = in->in_flight ? zf_route_instance_lost(m, inst, now) : 0;
    zf_mgroup_t *mg = &m->groups[in->group];
    mg->cost_instance_ns += (double)(now - in->billed_since);
    mg->terminations++;
    in->state = INST_TERMINATED;
    in->epoch++;
    remove_member(mg, inst);
    zf_station_free(&in->workers);
    zf_station_free(&in->cpu);
    return rc;
}

int zf_group_drain(zf_model_t *m, uint32_t inst, zf_time_t now, bool then_terminate)
{
    zf_inst_t *in = &m->insts[inst];
    const zf_lb_spec_t *s = &m->dep->lbs[m->dep->groups[in->group].lb];
    in->state = INST_DRAINING;
    in->terminate_when_drained = then_terminate;
    in->epoch++; /* stops its health checks */
    return zf_queue_push(&m->q, now + s->deregistration_delay, EV_DRAINED, inst, in->epoch);
}

int zf_group_drained_event(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    if (in->epoch != epoch || in->state != INST_DRAINING)
        return 0;
    if (in->terminate_when_drained)
        return zf_group_terminate(m, inst, now);
    if (in->deploy_fault < 0)
        return 0;
    /* a rolling release: the deregistration delay is over, so the load balancer closes
     * what is still in flight (as it does before a termination), and the new version
     * installs while the instance is out of service */
    const zf_fault_spec_t *f = &m->dep->faults[in->deploy_fault];
    int rc = in->in_flight ? zf_route_instance_lost(m, inst, now) : 0;
    in->state = INST_DEPLOYING;
    return rc ? rc : zf_queue_push(&m->q, now + zf_dist_sample_ns(&f->deploy_time, &m->rng_infra),
                                   EV_DEPLOYED, inst, in->epoch);
}

/* The instance is gone for good: terminate and launch a replacement at once. */
static int replace(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    uint32_t g = m->insts[inst].group;
    int rc = zf_group_terminate(m, inst, now);
    m->groups[g].replacements++;
    if (rc == 0 && active_count(m, g) < m->groups[g].desired) {
        rc = zf_group_launch(m, g, -1, now, false);
        rc = rc == 1 ? 0 : rc;
    }
    return rc;
}

int zf_group_unhealthy(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    const zf_group_spec_t *gs = &m->dep->groups[in->group];
    if (!gs->elb_health || now < in->grace_until)
        return 0;
    return replace(m, inst, now);
}

int zf_group_status_event(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    if (in->epoch != epoch || in->state == INST_TERMINATED || !(in->crashed || in->state == INST_DEAD))
        return 0;
    return replace(m, inst, now);
}

int zf_group_crash(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    if (in->state == INST_TERMINATED || in->crashed)
        return 0;
    in->crashed = true;
    int rc = zf_route_instance_lost(m, inst, now);
    if (in->state != INST_DRAINING && in->state != INST_DEPLOYING)
        in->state = INST_DEAD;
    if (rc == 0)
        rc = zf_queue_push(&m->q, now + m->dep->groups[in->group].status_check_delay,
                           EV_STATUS, inst, in->epoch);
    return rc;
}

/* ---------- scaling ---------- */

/* Average CPU (0..1) over the last period of the in-service instances past warm-up;
 * NAN when none counts. Every instance's period start moves to now. */
static double period_cpu(zf_model_t *m, uint32_t g, zf_time_t now, uint32_t *counted,
                         uint32_t *warming)
{
    const zf_group_spec_t *gs = &m->dep->groups[g];
    zf_mgroup_t *mg = &m->groups[g];
    double sum = 0;
    *counted = *warming = 0;
    for (uint32_t k = 0; k < mg->nmembers; k++) {
        zf_inst_t *in = &m->insts[mg->members[k]];
        if (in->state == INST_LAUNCHING || (in->state == INST_IN_SERVICE &&
                                            now - in->in_service_since < gs->scaling.warmup)) {
            (*warming)++;
        } else if (in->state == INST_IN_SERVICE && !in->crashed) {
            double a = cpu_area(in, now);
            sum += (a - in->cpu_area0) / ((double)gs->scaling.period * gs->vcpus);
            (*counted)++;
        }
        if (in->state != INST_TERMINATED && in->state != INST_LAUNCHING)
            in->cpu_area0 = cpu_area(in, now);
    }
    return *counted ? sum / *counted : NAN;
}

/* Counts the last n datapoints equal to `which` in the alarm history. */
static uint32_t alarm_count(const zf_mgroup_t *mg, uint32_t n, uint8_t which)
{
    uint32_t c = 0;
    for (uint32_t k = 1; k <= n && k <= mg->nhist; k++)
        c += mg->alarm_hist[(mg->hist_pos + mg->nhist - k) % mg->nhist] == which;
    return c;
}

static void push_datapoint(zf_mgroup_t *mg, uint8_t v)
{
    mg->alarm_hist[mg->hist_pos] = v;
    mg->hist_pos = (mg->hist_pos + 1) % mg->nhist;
}

static void set_desired(zf_model_t *m, uint32_t g, int64_t want, zf_time_t now)
{
    const zf_group_spec_t *gs = &m->dep->groups[g];
    zf_mgroup_t *mg = &m->groups[g];
    if (want < gs->min)
        want = gs->min;
    if (want > gs->max)
        want = gs->max;
    if ((uint32_t)want == mg->desired)
        return;
    mg->desired = (uint32_t)want;
    mg->last_scale = now;
    memset(mg->alarm_hist, 0, mg->nhist);
}

/* Target tracking (capacity = ceil(current * metric / target)) and step scaling. */
static void apply_policy(zf_model_t *m, uint32_t g, double cpu, uint32_t counted,
                         uint32_t warming, zf_time_t now)
{
    const zf_scaling_spec_t *sc = &m->dep->groups[g].scaling;
    zf_mgroup_t *mg = &m->groups[g];
    bool cooled = now - mg->last_scale >= sc->cooldown;
    double hi = sc->kind == ZF_SCALING_TARGET ? sc->target : sc->out_threshold;
    double lo = sc->kind == ZF_SCALING_TARGET ? sc->target * sc->in_threshold_factor : sc->in_threshold;
    push_datapoint(mg, isnan(cpu) ? 0 : cpu > hi ? 1 : cpu < lo ? 2 : 0);
    bool out = alarm_count(mg, sc->out_periods, 1) >= sc->out_datapoints;
    bool in = alarm_count(mg, sc->in_periods, 2) >= sc->in_datapoints && cooled;
    if ((!out && !in) || isnan(cpu))
        return;
    if (sc->kind == ZF_SCALING_TARGET) {
        int64_t need = (int64_t)ceil((double)counted * cpu / sc->target - 1e-9);
        if (out && need + warming > mg->desired)
            set_desired(m, g, need + warming, now);
        else if (in && need + warming < mg->desired)
            set_desired(m, g, need + warming, now);
        return;
    }
    if (!cooled)
        return;
    for (size_t i = 0; i < sc->nsteps; i++)
        if (cpu >= sc->steps[i].lower && cpu < sc->steps[i].upper &&
            ((out && sc->steps[i].adjust > 0) || (in && sc->steps[i].adjust < 0))) {
            set_desired(m, g, (int64_t)mg->desired + sc->steps[i].adjust, now);
            return;
        }
}

/* Launches toward desired, drains the surplus, and rebalances zones (launch before
 * terminate, briefly above max by up to 10% or one instance). */
static int reconcile(zf_model_t *m, uint32_t g, zf_time_t now)
{
    const zf_group_spec_t *gs = &m->dep->groups[g];
    zf_mgroup_t *mg = &m->groups[g];
    int rc = 0;
    /* a rebalancing launch is above desired until its victim leaves (finish_rebalance):
     * it is neither capacity toward desired nor a surplus to drain */
    uint32_t rebalancing = 0;
    for (uint32_t k = 0; k < mg->nmembers; k++) {
        const zf_inst_t *in = &m->insts[mg->members[k]];
        rebalancing += in->rebalance_launch && active_member(in);
    }
    uint32_t active = active_count(m, g) - rebalancing;
    while (rc == 0 && active < mg->desired) {
        rc = zf_group_launch(m, g, -1, now, false);
        if (rc == 1)
            return 0; /* no capacity anywhere: retried next period */
        active++;
    }
    while (rc == 0 && active > mg->desired) {
        uint32_t v = pick_victim(m, g);
        if (v == ZF_NONE)
            break;
        rc = zf_group_drain(m, v, now, true);
        active--;
    }
    if (rc || !gs->rebalance || gs->nzones < 2)
        return rc;
    uint32_t lo_n = UINT32_MAX, hi_n = 0;
    int32_t lo_z = -1;
    for (size_t i = 0; i < gs->nzones; i++) {
        uint32_t z = gs->zones[i], n = zone_count(m, g, z);
        if (m->zones[z].state != ZONE_UP || m->zones[z].impaired)
            return 0; /* rebalance only once every zone is back */
        if (n < lo_n)
            lo_n = n, lo_z = (int32_t)z;
        if (n > hi_n)
            hi_n = n;
    }
    uint32_t ceiling = gs->max + (gs->max / 10 > 1 ? gs->max / 10 : 1);
    if (rebalancing)
        return 0; /* one rebalancing step at a time */
    if (hi_n - lo_n > 1 && active < ceiling) {
        rc = zf_group_launch(m, g, lo_z, now, false);
        if (rc == 0)
            m->insts[m->ninsts - 1].rebalance_launch = true;
        rc = rc == 1 ? 0 : rc;
    }
    return rc;
}

/* Tracks when a group lacks in-service capacity, for the launch phase of faults' RTO. */
static void track_deficit(zf_model_t *m, uint32_t g, zf_time_t now)
{
    zf_mgroup_t *mg = &m->groups[g];
    bool short_now = zf_group_in_service(m, g, -1) < mg->desired;
    if (short_now && mg->deficit_since < 0)
        mg->deficit_since = now;
    if (short_now || mg->deficit_since < 0)
        return;
    mg->deficit_since = -1;
    for (uint32_t i = 0; i < m->dep->ngroups; i++)
        if (m->groups[i].deficit_since >= 0)
            return; /* capacity is back when every group is */
    for (size_t f = 0; m->faults && f < m->dep->nfaults; f++)
        if (m->faults[f].touched_capacity && m->faults[f].capacity_restored < 0)
            m->faults[f].capacity_restored = now;
}

/* A rebalancing launch reached service: its victim leaves the fullest zone. */
static int finish_rebalance(zf_model_t *m, uint32_t g, zf_time_t now)
{
    zf_mgroup_t *mg = &m->groups[g];
    for (uint32_t k = 0; k < mg->nmembers; k++) {
        zf_inst_t *in = &m->insts[mg->members[k]];
        if (in->rebalance_launch && in->state == INST_IN_SERVICE && in->health == TGT_HEALTHY) {
            in->rebalance_launch = false;
            uint32_t v = pick_victim(m, g);
            if (v != ZF_NONE && active_count(m, g) > mg->desired)
                return zf_group_drain(m, v, now, true);
        }
    }
    return 0;
}

int zf_group_scale_event(zf_model_t *m, uint32_t g, zf_time_t now)
{
    const zf_group_spec_t *gs = &m->dep->groups[g];
    uint32_t counted, warming;
    double cpu = period_cpu(m, g, now, &counted, &warming);
    if (gs->scaling.kind != ZF_SCALING_NONE)
        apply_policy(m, g, cpu, counted, warming, now);
    int rc = finish_rebalance(m, g, now);
    if (rc == 0)
        rc = reconcile(m, g, now);
    track_deficit(m, g, now);
    if (rc == 0 && now + gs->scaling.period <= m->end)
        rc = zf_queue_push(&m->q, now + gs->scaling.period, EV_SCALE, g, 0);
    return rc;
}

/* ---------- per second, results, lifecycle ---------- */

void zf_group_tick(zf_model_t *m, zf_time_t now)
{
    for (uint32_t g = 0; g < m->dep->ngroups; g++) {
        const zf_group_spec_t *gs = &m->dep->groups[g];
        zf_mgroup_t *mg = &m->groups[g];
        double sum = 0;
        uint32_t n = 0;
        for (uint32_t k = 0; k < mg->nmembers; k++) {
            zf_inst_t *in = &m->insts[mg->members[k]];
            double a = cpu_area(in, now);
            if (in->state == INST_IN_SERVICE && !in->crashed) {
                sum += (a - in->sec_area0) / ((double)ZF_S * gs->vcpus);
                n++;
            }
            in->sec_area0 = a;
        }
        zf_rec_gauge(m->rec, mg->gauge_cpu, n ? sum / n : 0);
        for (size_t z = 0; z < gs->nzones; z++)
            zf_rec_gauge(m->rec, mg->gauge_zone[z], zf_group_in_service(m, g, (int32_t)gs->zones[z]));
        track_deficit(m, g, now);
    }
}

void zf_group_metrics(zf_model_t *m, zf_time_t now)
{
    char name[ZF_REC_NAME_MAX];
    double total = 0;
    for (uint32_t g = 0; g < m->dep->ngroups; g++) {
        zf_mgroup_t *mg = &m->groups[g];
        double ns = mg->cost_instance_ns;
        for (uint32_t k = 0; k < mg->nmembers; k++)
            ns += (double)(now - m->insts[mg->members[k]].billed_since);
        const char *gn = m->dep->groups[g].name;
        snprintf(name, sizeof name, "cost.instance_hours.%s", gn);
        zf_rec_metric(m->rec, name, ns / 3.6e12);
        snprintf(name, sizeof name, "cost.dollars.%s", gn);
        zf_rec_metric(m->rec, name, ns / 3.6e12 * m->dep->groups[g].hourly_cost);
        snprintf(name, sizeof name, "groups.%s.launches", gn);
        zf_rec_metric(m->rec, name, (double)mg->launches);
        snprintf(name, sizeof name, "groups.%s.launch_failures", gn);
        zf_rec_metric(m->rec, name, (double)mg->launch_failures);
        snprintf(name, sizeof name, "groups.%s.replacements", gn);
        zf_rec_metric(m->rec, name, (double)mg->replacements);
        snprintf(name, sizeof name, "groups.%s.desired_at_end", gn);
        zf_rec_metric(m->rec, name, (double)mg->desired);
        total += ns / 3.6e12;
    }
    zf_rec_metric(m->rec, "cost.instance_hours", total);
}

static int setup_gauges(zf_model_t *m, uint32_t g)
{
    const zf_group_spec_t *gs = &m->dep->groups[g];
    zf_mgroup_t *mg = &m->groups[g];
    char name[ZF_REC_NAME_MAX];
    int n = snprintf(name, sizeof name, "cpu.%s", gs->name);
    if (n < 0 || (size_t)n >= sizeof name || (mg->gauge_cpu = zf_rec_add_gauge(m->rec, name)) < 0)
        return ZF_ENOMEM;
    mg->gauge_zone = calloc(gs->nzones, sizeof *mg->gauge_zone);
    if (!mg->gauge_zone)
        return ZF_ENOMEM;
    for (size_t z = 0; z < gs->nzones; z++) {
        int len = snprintf(name, sizeof name, "instances.%s.%s", gs->name,
                           m->dep->zones[gs->zones[z]].name);
        if (len < 0 || (size_t)len >= sizeof name || (mg->gauge_zone[z] = zf_rec_add_gauge(m->rec, name)) < 0)
            return ZF_ENOMEM;
    }
    return 0;
}

int zf_group_setup(zf_model_t *m)
{
    m->groups = calloc(m->dep->ngroups + 1, sizeof *m->groups);
    if (!m->groups)
        return ZF_ENOMEM;
    for (uint32_t g = 0; g < m->dep->ngroups; g++) {
        const zf_group_spec_t *gs = &m->dep->groups[g];
        zf_mgroup_t *mg = &m->groups[g];
        mg->desired = gs->desired;
        mg->deficit_since = -1;
        mg->last_scale = -gs->scaling.cooldown;
        mg->nhist = gs->scaling.out_periods > gs->scaling.in_periods ? gs->scaling.out_periods
                                                                    : gs->scaling.in_periods;
        mg->alarm_hist = calloc(mg->nhist, 1);
        int rc = mg->alarm_hist ? setup_gauges(m, g) : ZF_ENOMEM;
        /* the group starts at desired, spread evenly over its zones, warm and healthy */
        for (uint32_t i = 0; i < gs->desired && rc == 0; i++)
            rc = zf_group_launch(m, g, (int32_t)gs->zones[i % gs->nzones], 0, true);
        if (rc == 0)
            rc = zf_queue_push(&m->q, gs->scaling.period, EV_SCALE, g, 0);
        if (rc)
            return rc < 0 ? rc : ZF_EINVAL;
    }
    return 0;
}

void zf_group_free(zf_model_t *m)
{
    for (uint32_t g = 0; m->groups && g < m->dep->ngroups; g++) {
        free(m->groups[g].members);
        free(m->groups[g].alarm_hist);
        free(m->groups[g].gauge_zone);
    }
    for (uint32_t i = 0; i < m->ninsts; i++)
        if (m->insts[i].state != INST_TERMINATED) {
            zf_station_free(&m->insts[i].workers);
            zf_station_free(&m->insts[i].cpu);
        }
    free(m->groups);
    free(m->insts);
}
