/* lb: load balancers: a node per zone, clients spread over nodes by cached DNS answers,
 * health checks of targets, and target choice (round robin, cross-zone or not, failing
 * open when no target is healthy, as ALB does). docs/model.md, "Load balancers". */
#include "model/core.h"

#include <stdlib.h>
#include <string.h>

bool zf_lb_node_alive(const zf_model_t *m, uint32_t lb, uint32_t node)
{
    uint32_t zone = m->dep->lbs[lb].zones[node];
    return m->zones[zone].state == ZONE_UP && !m->lbs[lb].node_failed[node];
}

/* Whether a listener rule of lb routes to group g (a group may be behind several). */
static bool routes_to(const zf_model_t *m, uint32_t lb, uint32_t g)
{
    const zf_lb_spec_t *s = &m->dep->lbs[lb];
    for (size_t k = 0; k < s->nkinds; k++)
        if (s->kind_group[k] == (int32_t)g)
            return true;
    return false;
}

/* The health of a target as node `node` of lb sees it: its own view when lb checks the
 * target's group, else the checking load balancer's (a group behind several). */
static inline uint8_t seen_health(const zf_model_t *m, const zf_inst_t *in, uint32_t lb,
                                  uint32_t node)
{
    return m->dep->groups[in->group].lb == (int32_t)lb ? in->node_health[node] : in->health;
}

static bool node_zone_has_healthy(const zf_model_t *m, uint32_t lb, uint32_t node)
{
    uint32_t zone = m->dep->lbs[lb].zones[node];
    for (uint32_t g = 0; g < m->dep->ngroups; g++) {
        if (!routes_to(m, lb, g))
            continue;
        const zf_mgroup_t *mg = &m->groups[g];
        for (uint32_t i = 0; i < mg->nmembers; i++) {
            const zf_inst_t *in = &m->insts[mg->members[i]];
            /* a dead target counts until its checks fail: the load balancer cannot know */
            if (in->zone == zone && (in->state == INST_IN_SERVICE || in->state == INST_DEAD) &&
                seen_health(m, in, lb, node) == TGT_HEALTHY)
                return true;
        }
    }
    return false;
}

/* Nodes that belong in DNS now: alive, and with cross-zone off, with a healthy target in
 * their zone. When none qualifies every node is returned (ALB behaviour). */
static uint32_t desired_mask(const zf_model_t *m, uint32_t lb)
{
    const zf_lb_spec_t *s = &m->dep->lbs[lb];
    uint32_t mask = 0;
    for (uint32_t n = 0; n < s->nzones; n++)
        if (zf_lb_node_alive(m, lb, n) && (s->cross_zone || node_zone_has_healthy(m, lb, n)))
            mask |= 1u << n;
    return mask ? mask : (1u << s->nzones) - 1;
}

void zf_lb_refresh_dns(zf_model_t *m, uint32_t lb, zf_time_t now)
{
    zf_mlb_t *l = &m->lbs[lb];
    if (l->dns_pending || desired_mask(m, lb) == l->dns_mask)
        return;
    l->dns_pending = true;
    zf_queue_push(&m->q, now + m->dep->lbs[lb].dns_update_delay, EV_DNS, lb, 0);
}

int zf_lb_dns_event(zf_model_t *m, uint32_t lb, zf_time_t now)
{
    zf_mlb_t *l = &m->lbs[lb];
    l->dns_pending = false;
    uint32_t mask = desired_mask(m, lb);
    if (mask == l->dns_mask)
        return 0;
    /* nodes leaving DNS during a fault: clients holding the old answer keep using them
     * until their cache expires, one TTL later (the DNS phase of the fault's RTO) */
    zf_time_t expires = now + m->dep->lbs[lb].dns_ttl;
    for (size_t f = 0; (l->dns_mask & ~mask) && m->faults && f < m->dep->nfaults; f++) {
        zf_mfault_t *mf = &m->faults[f];
        if (!mf->active || now > mf->watch_until)
            continue;
        if (mf->dns_removed < 0)
            mf->dns_removed = now;
        if (expires > mf->dns_expired)
            mf->dns_expired = expires;
        mf->touched_dns = true;
    }
    l->dns_mask = mask;
    if (l->ndns == ZF_DNS_HIST_MAX) { /* keep the newest half: older answers have expired */
        memmove(l->dns_t, l->dns_t + ZF_DNS_HIST_MAX / 2, sizeof l->dns_t / 2);
        memmove(l->dns_m, l->dns_m + ZF_DNS_HIST_MAX / 2, sizeof l->dns_m / 2);
        l->ndns = ZF_DNS_HIST_MAX / 2;
    }
    l->dns_t[l->ndns] = now;
    l->dns_m[l->ndns] = mask;
    l->ndns++;
    zf_lb_refresh_dns(m, lb, now); /* the state may have moved on meanwhile */
    return 0;
}

/* The DNS answer in force at t. */
static uint32_t answer_at(const zf_mlb_t *l, zf_time_t t)
{
    uint32_t lo = 0, hi = l->ndns;
    while (hi - lo > 1) {
        uint32_t mid = (lo + hi) / 2;
        if (l->dns_t[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return l->dns_m[lo];
}

/* x % n for a node count n (1 to ZF_MAX_ZONES); the usual counts by constants, which the
 * compiler turns into a multiplication instead of a 64-bit division per request. */
static inline uint32_t mod_nodes(uint64_t x, uint32_t n)
{
    switch (n) {
    case 1: return 0;
    case 2: return (uint32_t)(x % 2);
    case 3: return (uint32_t)(x % 3);
    default: return (uint32_t)(x % n);
    }
}

uint32_t zf_lb_pick_node(zf_model_t *m, uint32_t lb, uint64_t client, zf_time_t now)
{
    const zf_lb_spec_t *s = &m->dep->lbs[lb];
    zf_time_t ttl = s->dns_ttl > 0 ? s->dns_ttl : 1;
    uint64_t h = zf_mix64(client ^ ((uint64_t)lb << 48));
    /* the client re-resolves at offset + k * ttl; its answer is the one of that instant */
    zf_time_t offset = (zf_time_t)(h % (uint64_t)ttl);
    int64_t k = now >= offset ? (now - offset) / ttl : -1;
    zf_time_t t_res = k >= 0 ? offset + k * ttl : 0;
    uint32_t mask = answer_at(&m->lbs[lb], t_res);
    uint32_t n = (uint32_t)__builtin_popcount(mask);
    uint32_t pick = mod_nodes(zf_mix64(h ^ (uint64_t)k), n);
    for (uint32_t node = 0; node < s->nzones; node++)
        if ((mask >> node) & 1u) {
            if (pick == 0)
                return node;
            pick--;
        }
    return 0;
}

/* A registered target (in service, or dead but not yet deregistered). The load balancer
 * knows a target's health only from its checks: a dead target that has not failed enough
 * checks yet is still healthy to it and keeps receiving requests, which fail. */
static bool routable(const zf_inst_t *in, uint8_t health, uint32_t zone, bool any_zone,
                     bool need_healthy)
{
    if (in->state != INST_IN_SERVICE && in->state != INST_DEAD)
        return false;
    if (!any_zone && in->zone != zone)
        return false;
    return !need_healthy || health == TGT_HEALTHY;
}

/* Round robin over the group's members that qualify, in node `node`'s view (`own`: lb
 * checks the group, so the node's own view; else the checking load balancer's). */
static uint32_t round_robin(zf_model_t *m, zf_mgroup_t *mg, uint32_t node, bool own,
                            uint32_t zone, bool any_zone, bool need_healthy)
{
    uint32_t n = mg->nmembers;
    uint32_t pos = mg->rr < n ? mg->rr : mg->rr % n; /* (rr + k) % n with one division at most */
    for (uint32_t k = 0; k < n; k++, pos = pos + 1 < n ? pos + 1 : 0) {
        uint32_t i = mg->members[pos];
        const zf_inst_t *in = &m->insts[i];
        if (routable(in, own ? in->node_health[node] : in->health, zone, any_zone, need_healthy)) {
            mg->rr = pos + 1;
            return i;
        }
    }
    return ZF_NONE;
}

uint32_t zf_lb_pick_target(zf_model_t *m, uint32_t lb, uint32_t node, uint32_t group)
{
    const zf_lb_spec_t *s = &m->dep->lbs[lb];
    zf_mgroup_t *mg = &m->groups[group];
    uint32_t zone = s->zones[node];
    bool own = m->dep->groups[group].lb == (int32_t)lb;
    if (mg->nmembers == 0)
        return ZF_NONE;
    uint32_t i = round_robin(m, mg, node, own, zone, s->cross_zone, true);
    if (i != ZF_NONE)
        return i;
    /* fail open: every registered target, healthy or not */
    return round_robin(m, mg, node, own, zone, s->cross_zone, false);
}

/* ---------- health checks ---------- */

void zf_lb_set_health(zf_inst_t *in, zf_target_health_t h)
{
    in->health = h;
    memset(in->node_health, (int)h, sizeof in->node_health);
}

void zf_lb_zone_own(zf_model_t *m, uint32_t z)
{
    for (uint32_t lb = 0; lb < m->dep->nlbs; lb++)
        for (uint32_t n = 0; n < m->dep->lbs[lb].nzones; n++)
            if (m->dep->lbs[lb].zones[n] == z)
                m->lbs[lb].node_own[n] = true;
}

int zf_lb_start_checks(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    const zf_lb_spec_t *s = &m->dep->lbs[m->dep->groups[in->group].lb];
    /* targets are checked on their own phase within the interval */
    zf_time_t phase = (zf_time_t)(zf_rng_uniform(&m->rng_infra) * (double)s->health.interval);
    in->hc_ok = in->hc_fail = 0;
    memset(in->node_ok, 0, sizeof in->node_ok);
    memset(in->node_fail, 0, sizeof in->node_fail);
    return zf_queue_push(&m->q, now + phase, EV_HEALTH, inst, in->epoch);
}

/* What a check finds: the target answers in time (pass), answers with an error (its full
 * queue's 503: the load balancer counts the failure at once), or does not answer within
 * the timeout (dead, its zone down, the check dropped or slowed past the timeout: the
 * failure counts only when the timeout expires, as HAProxy's `timeout check` and ELB's
 * HealthCheckTimeoutSeconds do). */
enum check_result { CHECK_PASS, CHECK_REFUSED, CHECK_UNANSWERED };

static bool queue_full(const zf_inst_t *in)
{
    return in->workers.queue_limit >= 0 && (int64_t)in->workers.len >= in->workers.queue_limit &&
           in->workers.busy >= in->workers.servers;
}

/* Whether a check across a border with packet loss p gets its answer within the timeout:
 * the connect and the two segments (check, answer), with their retransmissions. */
static bool crosses_in_time(zf_model_t *m, double p, zf_time_t timeout)
{
    zf_time_t t = zf_tcp_connect(&m->rng_tcp, p, timeout);
    if (t < 0)
        return false;
    t += zf_tcp_segment(&m->rng_tcp, p);
    t += zf_tcp_segment(&m->rng_tcp, p);
    return t < timeout;
}

/* The result for a node that can reach the target's zone from another zone that is not
 * degraded (the reference view). */
static enum check_result check_target(zf_model_t *m, const zf_inst_t *in, const zf_lb_spec_t *s)
{
    const zf_mzone_t *z = &m->zones[in->zone];
    if (in->crashed || in->state == INST_DEAD || z->state == ZONE_DOWN)
        return CHECK_UNANSWERED;
    if (queue_full(in))
        return CHECK_REFUSED;
    if (2 * z->added_latency >= s->health.timeout)
        return CHECK_UNANSWERED;
    if (z->loss > 0 && !z->packet && zf_rng_uniform(&m->rng_infra) < z->loss)
        return CHECK_UNANSWERED;
    if (z->loss > 0 && z->packet && !crosses_in_time(m, z->loss, s->health.timeout))
        return CHECK_UNANSWERED;
    return CHECK_PASS;
}

/* The result for the node in node_zone: the reference one, unless a partition lies between
 * them (no answer), both are inside the same cut zone (the check works as before the
 * cut; a degradation of the zone is ignored there), or packet loss on the node's path
 * differs from the reference path's (its own draw; none inside one zone). */
static enum check_result node_result(zf_model_t *m, const zf_inst_t *in, uint32_t node_zone,
                                     enum check_result ref, const zf_lb_spec_t *s)
{
    const zf_mzone_t *nz = &m->zones[node_zone], *tz = &m->zones[in->zone];
    bool cut = nz->cut || tz->cut;
    if (!cut && !(nz->packet && nz->loss > 0))
        return ref; /* the node's path is the reference path */
    if (cut && node_zone != in->zone)
        return CHECK_UNANSWERED;
    if (in->crashed || in->state == INST_DEAD)
        return CHECK_UNANSWERED;
    if (queue_full(in))
        return CHECK_REFUSED;
    if (cut)
        return CHECK_PASS;
    if (2 * tz->added_latency >= s->health.timeout)
        return CHECK_UNANSWERED;
    double p = zf_tcp_path_loss(m, node_zone, in->zone);
    return p > 0 && !crosses_in_time(m, p, s->health.timeout) ? CHECK_UNANSWERED : CHECK_PASS;
}

/* A target's health changed: with cross-zone off, the nodes of its zone may leave or
 * rejoin DNS, on every load balancer that routes to its group. */
static void zone_health_changed(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    for (uint32_t lb = 0; lb < m->dep->nlbs; lb++)
        if (!m->dep->lbs[lb].cross_zone && routes_to(m, lb, m->insts[inst].group))
            zf_lb_refresh_dns(m, lb, now);
}

static void became_unhealthy(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    zf_faults_target_unhealthy(m, inst, now);
    zone_health_changed(m, inst, now);
    zf_group_unhealthy(m, inst, now);
}

static uint32_t checking_lb(const zf_model_t *m, const zf_inst_t *in)
{
    return (uint32_t)m->dep->groups[in->group].lb;
}

/* Whether the load balancer still checks the target (registered with this epoch). */
static bool checked(const zf_inst_t *in, uint32_t epoch)
{
    return in->epoch == epoch && (in->state == INST_IN_SERVICE || in->state == INST_DEAD);
}

/* One result into a view (health and its consecutive counts); true if the health changed.
 * A newly registered target is healthy after one passed check; an unhealthy one needs
 * healthy_threshold in a row (ELB ALB User Guide, target group health checks). */
static bool count_into(uint8_t *health, uint8_t *ok, uint8_t *fail, bool passed,
                       const zf_lb_spec_t *s)
{
    if (passed) {
        *fail = 0;
        if (*ok < 255)
            (*ok)++;
        uint32_t need = *health == TGT_INITIAL ? 1 : s->health.healthy_threshold;
        if (*health != TGT_HEALTHY && *ok >= need) {
            *health = TGT_HEALTHY;
            return true;
        }
        return false;
    }
    *ok = 0;
    if (*fail < 255)
        (*fail)++;
    if (*health != TGT_UNHEALTHY && *fail >= s->health.unhealthy_threshold) {
        *health = TGT_UNHEALTHY;
        return true;
    }
    return false;
}

/* Node n counts one result in its own view. Only a node that was inside a partition can
 * or in a lossy one can see otherwise than the reference view, so only its changes can
 * move DNS on their own. */
static void count_node(zf_model_t *m, uint32_t inst, uint32_t n, bool passed, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    uint32_t lb = checking_lb(m, in);
    uint8_t h = in->node_health[n];
    bool changed = count_into(&h, &in->node_ok[n], &in->node_fail[n], passed, &m->dep->lbs[lb]);
    in->node_health[n] = h;
    if (changed && m->lbs[lb].node_own[n])
        zone_health_changed(m, inst, now);
}

/* The reference view counts one result at now, with its consequences: DNS, the fault
 * records and the group's replacement of an unhealthy instance. */
static void count_result(zf_model_t *m, uint32_t inst, bool passed, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    uint8_t h = (uint8_t)in->health;
    bool changed = count_into(&h, &in->hc_ok, &in->hc_fail, passed, &m->dep->lbs[checking_lb(m, in)]);
    in->health = (zf_target_health_t)h;
    if (passed) {
        if (changed)
            zone_health_changed(m, inst, now);
    } else if (changed) {
        became_unhealthy(m, inst, now);
    } else if (in->health == TGT_UNHEALTHY) {
        /* still unhealthy: the group replaces it once its grace period is over */
        zf_group_unhealthy(m, inst, now);
    }
}

#define REF_PENDING (1ull << 63) /* timeout arg: the reference view's check is unanswered */

int zf_lb_health_event(zf_model_t *m, uint32_t inst, uint32_t epoch, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    if (!checked(in, epoch))
        return 0; /* deregistered or terminated since: checks stop */
    const zf_lb_spec_t *s = &m->dep->lbs[checking_lb(m, in)];
    enum check_result ref = check_target(m, in, s);
    /* each node's result first: the reference's consequences (DNS) read the nodes' views */
    uint64_t pending = ref == CHECK_UNANSWERED ? REF_PENDING : 0;
    for (uint32_t n = 0; n < s->nzones; n++) {
        enum check_result r = node_result(m, in, s->zones[n], ref, s);
        if (r == CHECK_UNANSWERED)
            pending |= 1ull << (32 + n);
        else
            count_node(m, inst, n, r == CHECK_PASS, now);
    }
    if (pending) {
        /* timeout < interval (scenario rule): the result comes before the next check */
        int rc = zf_queue_push(&m->q, now + s->health.timeout, EV_HEALTH_TIMEOUT, inst,
                               pending | epoch);
        if (rc)
            return rc;
    }
    if (ref != CHECK_UNANSWERED)
        count_result(m, inst, ref == CHECK_PASS, now);
    if (in->epoch != epoch || in->state == INST_TERMINATED)
        return 0; /* the group replaced it */
    /* a fixed period from the first check, whatever each check's outcome (ELB) */
    return zf_queue_push(&m->q, now + s->health.interval, EV_HEALTH, inst, epoch);
}

int zf_lb_health_timeout_event(zf_model_t *m, uint32_t inst, uint64_t arg, zf_time_t now)
{
    if (!checked(&m->insts[inst], (uint32_t)arg))
        return 0;
    for (uint32_t n = 0; n < ZF_MAX_ZONES; n++)
        if (arg & (1ull << (32 + n)))
            count_node(m, inst, n, false, now);
    if (arg & REF_PENDING)
        count_result(m, inst, false, now);
    return 0;
}

int zf_lb_setup(zf_model_t *m)
{
    m->lbs = calloc(m->dep->nlbs + 1, sizeof *m->lbs);
    if (!m->lbs)
        return ZF_ENOMEM;
    for (size_t i = 0; i < m->dep->nlbs; i++) {
        zf_mlb_t *l = &m->lbs[i];
        l->dns_mask = (1u << m->dep->lbs[i].nzones) - 1;
        l->dns_t[0] = 0;
        l->dns_m[0] = l->dns_mask;
        l->ndns = 1;
    }
    return 0;
}

void zf_lb_free(zf_model_t *m)
{
    free(m->lbs);
}
