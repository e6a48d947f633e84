/* deploy_spec: parsing of zones, load balancers, groups, database, faults and recovery.
 * Defaults follow AWS documentation or measurements on the test bed; docs/model.md
 * lists each with its source. */
#include "scenario/deploy_spec.h"
#include "scenario/jread.h"
#include "scenario/scenario.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const fault_names[] = {
    "zone_outage",     "zone_degradation",        "instance_crash",        "db_crash",
    "db_failover",     "lb_node_failure",         "device_network_outage", "rolling_release",
    "random_failures", "point_in_time_restore",   "az_power_interruption", NULL};

const char *zf_fault_type_name(zf_fault_type_t t)
{
    return t < ZF_FAULT_TYPE_COUNT ? fault_names[t] : "?";
}

void zf_deploy_spec_free(zf_deploy_spec_t *d)
{
    for (size_t i = 0; i < d->nlbs; i++)
        free(d->lbs[i].kind_group);
    for (size_t i = 0; i < d->ngroups; i++) {
        zf_dist_free(&d->groups[i].launch_time);
        free(d->groups[i].scaling.steps);
    }
    zf_dist_t *dd[] = {&d->db.async_lag, &d->db.read, &d->db.commit, &d->db.replication_rtt,
                       &d->db.detection, &d->db.promotion, &d->db.dns_switch, &d->db.resync};
    for (size_t i = 0; i < sizeof dd / sizeof dd[0]; i++)
        zf_dist_free(dd[i]);
    for (size_t i = 0; i < d->nfaults; i++) {
        zf_dist_free(&d->faults[i].deploy_time);
        zf_dist_free(&d->faults[i].mtbf);
        zf_dist_free(&d->faults[i].mttr);
        json_decref(d->faults[i].actions);
    }
    free(d->zones);
    free(d->lbs);
    free(d->groups);
    free(d->faults);
    memset(d, 0, sizeof *d);
}

/* ---------- helpers ---------- */

static int find_zone(const zf_deploy_spec_t *d, const char *name)
{
    for (size_t i = 0; i < d->nzones; i++)
        if (strcmp(d->zones[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find_group(const zf_deploy_spec_t *d, const char *name)
{
    for (size_t i = 0; i < d->ngroups; i++)
        if (strcmp(d->groups[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int find_lb(const zf_deploy_spec_t *d, const char *name)
{
    for (size_t i = 0; i < d->nlbs; i++)
        if (strcmp(d->lbs[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* A name string field into dst (required or not). */
static int name_field(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                      bool required, char *dst, size_t cap)
{
    const char *v = NULL;
    char p[ZF_JPATH_MAX];
    int rc = zf_jr_string(jr, o, path, key, required, &v);
    if (rc || !v)
        return rc;
    if (strlen(v) >= cap)
        return zf_jr_fail(jr, zf_jr_key(p, path, key), "expected at most %zu characters", cap - 1);
    snprintf(dst, cap, "%s", v);
    return 0;
}

/* "zones": ["a", "b"] resolved against the scenario's zones; absent = every zone. */
static int zone_list(zf_jr_t *jr, const zf_deploy_spec_t *d, const json_t *o, const char *path,
                     uint32_t *zones, size_t *n)
{
    const json_t *arr = json_object_get(o, "zones");
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    size_t len;
    int rc;
    if (!arr) {
        for (size_t i = 0; i < d->nzones; i++)
            zones[i] = (uint32_t)i;
        *n = d->nzones;
        return 0;
    }
    if ((rc = zf_jr_array(jr, arr, zf_jr_key(p, path, "zones"), 1, &len)))
        return rc;
    for (size_t i = 0; i < len; i++) {
        const json_t *z = json_array_get(arr, i);
        int idx = json_is_string(z) ? find_zone(d, json_string_value(z)) : -1;
        zf_jr_idx(q, p, i);
        if (!json_is_string(z))
            return zf_jr_fail(jr, q, "expected a zone name");
        if (idx < 0)
            return zf_jr_fail(jr, q, "no zone named \"%s\" in $.zones", json_string_value(z));
        for (size_t j = 0; j < i; j++)
            if (zones[j] == (uint32_t)idx)
                return zf_jr_fail(jr, q, "zone \"%s\" listed twice", json_string_value(z));
        zones[i] = (uint32_t)idx;
    }
    *n = len;
    return 0;
}

/* Optional time distribution with a default built by `def` when absent. */
static int dist_or(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                   zf_dist_t *out, zf_dist_kind_t kind, double a, double b)
{
    if (json_object_get(o, key))
        return zf_jr_dist(jr, o, path, key, true, 1, out);
    switch (kind) {
    case ZF_DIST_UNIFORM: return zf_dist_uniform(out, a, b, jr->err);
    case ZF_DIST_LOGNORMAL: return zf_dist_lognormal(out, a, b, jr->err);
    case ZF_DIST_EXPONENTIAL: return zf_dist_exponential(out, a, jr->err);
    default: return zf_dist_deterministic(out, a, jr->err);
    }
}

static int u32_field(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                     uint32_t min, uint32_t max, uint32_t *out)
{
    int64_t v = *out;
    int rc = zf_jr_int(jr, o, path, key, false, min, max, &v);
    if (rc == 0)
        *out = (uint32_t)v;
    return rc;
}

/* ---------- zones ---------- */

static int parse_zones(zf_jr_t *jr, const json_t *root, zf_deploy_spec_t *d)
{
    const json_t *arr = json_object_get(root, "zones");
    size_t n;
    int rc;
    if (!arr)
        return 0;
    if ((rc = zf_jr_array(jr, arr, "$.zones", 1, &n)))
        return rc;
    if (n > ZF_MAX_ZONES)
        return zf_jr_fail(jr, "$.zones", "expected at most %d zones, got %zu", ZF_MAX_ZONES, n);
    d->zones = calloc(n, sizeof *d->zones);
    if (!d->zones)
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[ZF_JPATH_MAX];
        const json_t *z = json_array_get(arr, i);
        zf_jr_idx(p, "$.zones", i);
        if (!json_is_string(z) || json_string_length(z) == 0 || json_string_length(z) >= 64)
            return zf_jr_fail(jr, p, "expected a zone name (a string of 1 to 63 characters)");
        if (find_zone(d, json_string_value(z)) >= 0)
            return zf_jr_fail(jr, p, "duplicate zone \"%s\"", json_string_value(z));
        snprintf(d->zones[i].name, sizeof d->zones[i].name, "%s", json_string_value(z));
        d->nzones = i + 1;
    }
    return 0;
}

/* ---------- load balancers ---------- */

static const char *const lb_keys[] = {"name", "zones", "cross_zone", "dns_ttl",
                                      "dns_update_delay", "deregistration_delay",
                                      "connect_timeout", "network_latency", "health_check",
                                      "target_connect_timeout", "retries",
                                      "rules", NULL};
static const char *const hc_keys[] = {"interval", "timeout", "healthy_threshold",
                                      "unhealthy_threshold", NULL};
static const char *const rule_keys[] = {"kinds", "group", NULL};

static int parse_health(zf_jr_t *jr, const json_t *o, const char *path, zf_health_check_spec_t *h)
{
    /* ALB target group defaults: ELB User Guide, "Health checks for your target groups" */
    h->interval = 30 * ZF_S;
    h->timeout = 5 * ZF_S;
    h->healthy_threshold = 5;
    h->unhealthy_threshold = 2;
    const json_t *hc = json_object_get(o, "health_check");
    char p[ZF_JPATH_MAX];
    int rc;
    if (!hc)
        return 0;
    zf_jr_key(p, path, "health_check");
    if ((rc = zf_jr_object(jr, hc, p, hc_keys)) ||
        (rc = zf_jr_duration(jr, hc, p, "interval", false, &h->interval)) ||
        (rc = zf_jr_duration(jr, hc, p, "timeout", false, &h->timeout)) ||
        (rc = u32_field(jr, hc, p, "healthy_threshold", 1, 10, &h->healthy_threshold)) ||
        (rc = u32_field(jr, hc, p, "unhealthy_threshold", 1, 10, &h->unhealthy_threshold)))
        return rc;
    if (h->interval < ZF_S)
        return zf_jr_fail(jr, p, "interval: expected at least 1s");
    if (h->timeout >= h->interval)
        return zf_jr_fail(jr, p, "timeout: expected less than the interval");
    return 0;
}

/* One rule: {"kinds": ["a", "b"] or "*", "group": "g"}; sets kind_group for its kinds. */
static int parse_rule(zf_jr_t *jr, const zf_scenario_t *s, const zf_deploy_spec_t *d,
                      const json_t *r, const char *path, zf_lb_spec_t *lb)
{
    char group[64] = "", p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    int rc;
    if ((rc = zf_jr_object(jr, r, path, rule_keys)) ||
        (rc = name_field(jr, r, path, "group", true, group, sizeof group)))
        return rc;
    int g = find_group(d, group);
    if (g < 0)
        return zf_jr_fail(jr, zf_jr_key(p, path, "group"), "no group named \"%s\" in $.groups", group);
    const json_t *kinds = json_object_get(r, "kinds");
    zf_jr_key(p, path, "kinds");
    if (!kinds)
        return zf_jr_fail(jr, p, "missing required key");
    if (json_is_string(kinds) && strcmp(json_string_value(kinds), "*") == 0) {
        for (size_t k = 0; k < lb->nkinds; k++)
            if (lb->kind_group[k] < 0 && strcmp(s->kinds[k].lb_name, lb->name) == 0)
                lb->kind_group[k] = g;
        return 0;
    }
    size_t n;
    if ((rc = zf_jr_array(jr, kinds, p, 1, &n)))
        return rc;
    for (size_t i = 0; i < n; i++) {
        const json_t *k = json_array_get(kinds, i);
        int ki = json_is_string(k) ? zf_scenario_kind(s, json_string_value(k)) : -1;
        zf_jr_idx(q, p, i);
        if (ki < 0)
            return zf_jr_fail(jr, q, "expected the name of a kind in $.kinds");
        if (strcmp(s->kinds[ki].lb_name, lb->name) != 0)
            return zf_jr_fail(jr, q, "kind \"%s\" is sent to load balancer \"%s\", not this one",
                              s->kinds[ki].name, s->kinds[ki].lb_name);
        lb->kind_group[ki] = g;
    }
    return 0;
}

static int parse_lb_rules(zf_jr_t *jr, const zf_scenario_t *s, const zf_deploy_spec_t *d,
                          const json_t *o, const char *path, zf_lb_spec_t *lb)
{
    const json_t *rules = json_object_get(o, "rules");
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    size_t n;
    int rc;
    lb->nkinds = s->nkinds;
    lb->kind_group = malloc((s->nkinds ? s->nkinds : 1) * sizeof *lb->kind_group);
    if (!lb->kind_group)
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    for (size_t k = 0; k < s->nkinds; k++)
        lb->kind_group[k] = -1;
    zf_jr_key(p, path, "rules");
    if (!rules)
        return zf_jr_fail(jr, p, "missing required key");
    if ((rc = zf_jr_array(jr, rules, p, 1, &n)))
        return rc;
    for (size_t i = 0; i < n; i++)
        if ((rc = parse_rule(jr, s, d, json_array_get(rules, i), zf_jr_idx(q, p, i), lb)))
            return rc;
    return 0;
}

static int parse_lb(zf_jr_t *jr, const zf_scenario_t *s, const zf_deploy_spec_t *d,
                    const json_t *o, const char *path, zf_lb_spec_t *lb)
{
    int rc;
    lb->cross_zone = true;                 /* ALB: on at the load balancer level */
    lb->dns_ttl = 60 * ZF_S;               /* ELB alias record TTL (Route 53 FAQ) */
    lb->dns_update_delay = 60 * ZF_S;      /* assumption, see docs/model.md */
    lb->deregistration_delay = 300 * ZF_S; /* ALB target group attribute default */
    lb->connect_timeout = 10 * ZF_S;       /* client side, assumption */
    lb->target_connect_timeout = 10 * ZF_S; /* ALB: 504 if no connection to the target in 10 s */
    if ((rc = zf_jr_object(jr, o, path, lb_keys)) ||
        (rc = name_field(jr, o, path, "name", true, lb->name, sizeof lb->name)) ||
        (rc = zone_list(jr, d, o, path, lb->zones, &lb->nzones)) ||
        (rc = zf_jr_bool(jr, o, path, "cross_zone", false, &lb->cross_zone)) ||
        (rc = zf_jr_duration(jr, o, path, "dns_ttl", false, &lb->dns_ttl)) ||
        (rc = zf_jr_duration(jr, o, path, "dns_update_delay", false, &lb->dns_update_delay)) ||
        (rc = zf_jr_duration(jr, o, path, "deregistration_delay", false, &lb->deregistration_delay)) ||
        (rc = zf_jr_duration(jr, o, path, "connect_timeout", false, &lb->connect_timeout)) ||
        (rc = zf_jr_duration(jr, o, path, "network_latency", false, &lb->network_latency)) ||
        (rc = zf_jr_duration(jr, o, path, "target_connect_timeout", false,
                             &lb->target_connect_timeout)) ||
        (rc = u32_field(jr, o, path, "retries", 0, 10, &lb->retries)) ||
        (rc = parse_health(jr, o, path, &lb->health)))
        return rc;
    if (lb->nzones == 0)
        return zf_jr_fail(jr, path, "a load balancer needs at least one zone ($.zones is empty)");
    if (lb->target_connect_timeout <= 0) {
        char p[ZF_JPATH_MAX];
        return zf_jr_fail(jr, zf_jr_key(p, path, "target_connect_timeout"),
                          "expected a duration > 0");
    }
    return parse_lb_rules(jr, s, d, o, path, lb);
}

static int parse_lbs(zf_jr_t *jr, const json_t *root, const zf_scenario_t *s, zf_deploy_spec_t *d)
{
    const json_t *arr = json_object_get(root, "load_balancers");
    size_t n;
    int rc;
    if (!arr)
        return 0;
    if ((rc = zf_jr_array(jr, arr, "$.load_balancers", 1, &n)))
        return rc;
    d->lbs = calloc(n, sizeof *d->lbs);
    if (!d->lbs)
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[ZF_JPATH_MAX];
        zf_jr_idx(p, "$.load_balancers", i);
        d->nlbs = i + 1;
        if ((rc = parse_lb(jr, s, d, json_array_get(arr, i), p, &d->lbs[i])))
            return rc;
        if (find_lb(d, d->lbs[i].name) != (int)i)
            return zf_jr_fail(jr, p, "duplicate load balancer name \"%s\"", d->lbs[i].name);
    }
    return 0;
}

/* ---------- groups ---------- */

static const char *const group_keys[] = {"name", "zones", "min", "max", "desired", "instance",
                                         "health_check_grace", "health_check_type",
                                         "status_check_delay", "scaling", "rebalance", NULL};
static const char *const instance_keys[] = {"workers", "vcpus", "queue_limit", "queue_timeout",
                                            "launch_time", "hourly_cost", NULL};
static const char *const scaling_keys[] = {"policy", "target_cpu", "period", "cooldown",
                                           "warmup", "scale_out", "scale_in", "steps",
                                           "scale_out_threshold", "scale_in_threshold",
                                           "scale_in_factor", NULL};
static const char *const alarm_keys[] = {"periods", "datapoints", NULL};
static const char *const step_keys[] = {"lower", "upper", "adjust", NULL};

static int parse_instance(zf_jr_t *jr, const json_t *o, const char *path, zf_group_spec_t *g)
{
    const json_t *in = json_object_get(o, "instance");
    char p[ZF_JPATH_MAX];
    int rc;
    g->workers = 32;
    g->vcpus = 2;
    g->queue_limit = 256;
    g->queue_timeout = 0;
    g->hourly_cost = 0.0832; /* t3.large (2 vCPU, 8 GiB) on-demand Linux, us-east-1 (EC2 pricing) */
    zf_jr_key(p, path, "instance");
    if (in && (rc = zf_jr_object(jr, in, p, instance_keys)))
        return rc;
    if (!in)
        in = json_object(); /* defaults only; freed below */
    else
        json_incref((json_t *)in);
    rc = u32_field(jr, in, p, "workers", 1, 100000, &g->workers);
    if (rc == 0)
        rc = u32_field(jr, in, p, "vcpus", 1, 1024, &g->vcpus);
    if (rc == 0)
        rc = zf_jr_int(jr, in, p, "queue_limit", false, -1, INT64_MAX / 2, &g->queue_limit);
    if (rc == 0)
        rc = zf_jr_duration(jr, in, p, "queue_timeout", false, &g->queue_timeout);
    if (rc == 0)
        rc = zf_jr_number(jr, in, p, "hourly_cost", false, 0, 1e6, &g->hourly_cost);
    /* boot and application start of a Linux image: assumption, see docs/model.md */
    if (rc == 0)
        rc = dist_or(jr, in, p, "launch_time", &g->launch_time, ZF_DIST_LOGNORMAL, 90e9, 30e9);
    json_decref((json_t *)in);
    return rc;
}

static int parse_alarm(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                       uint32_t *periods, uint32_t *datapoints)
{
    const json_t *a = json_object_get(o, key);
    char p[ZF_JPATH_MAX];
    int rc;
    if (!a)
        return 0;
    zf_jr_key(p, path, key);
    if ((rc = zf_jr_object(jr, a, p, alarm_keys)) ||
        (rc = u32_field(jr, a, p, "periods", 1, 1000, periods)))
        return rc;
    *datapoints = *periods;
    if ((rc = u32_field(jr, a, p, "datapoints", 1, 1000, datapoints)))
        return rc;
    if (*datapoints > *periods)
        return zf_jr_fail(jr, p, "datapoints: expected at most periods (%u)", *periods);
    return 0;
}

static int parse_steps(zf_jr_t *jr, const json_t *o, const char *path, zf_scaling_spec_t *sc)
{
    const json_t *arr = json_object_get(o, "steps");
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    size_t n;
    int rc;
    zf_jr_key(p, path, "steps");
    if (!arr)
        return zf_jr_fail(jr, p, "missing required key (step scaling needs steps)");
    if ((rc = zf_jr_array(jr, arr, p, 1, &n)))
        return rc;
    sc->steps = calloc(n, sizeof *sc->steps);
    if (!sc->steps)
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    sc->nsteps = n;
    for (size_t i = 0; i < n; i++) {
        const json_t *st = json_array_get(arr, i);
        zf_step_spec_t *s = &sc->steps[i];
        int64_t adj = 0;
        zf_jr_idx(q, p, i);
        s->upper = INFINITY;
        if ((rc = zf_jr_object(jr, st, q, step_keys)) ||
            (rc = zf_jr_number(jr, st, q, "lower", true, 0, 1e9, &s->lower)) ||
            (rc = zf_jr_number(jr, st, q, "upper", false, 0, 1e9, &s->upper)) ||
            (rc = zf_jr_int(jr, st, q, "adjust", true, -10000, 10000, &adj)))
            return rc;
        if (s->upper <= s->lower)
            return zf_jr_fail(jr, q, "upper: expected more than lower");
        s->adjust = (int32_t)adj;
    }
    return 0;
}

static int parse_scaling(zf_jr_t *jr, const json_t *o, const char *path, zf_scaling_spec_t *sc)
{
    static const char *const policies[] = {"none", "target_tracking", "step", NULL};
    const json_t *s = json_object_get(o, "scaling");
    char p[ZF_JPATH_MAX];
    int policy = 0, rc;
    /* EC2 Auto Scaling: target tracking alarms are 3 of 3 one-minute periods to scale out
     * and 15 of 15 to scale in ("Target tracking scaling policies"); cooldown and
     * warm-up 300 s ("Set the default instance warmup", "Scaling cooldowns"). */
    sc->target = 0.5;
    sc->period = 60 * ZF_S;
    sc->out_periods = sc->out_datapoints = 3;
    sc->in_periods = sc->in_datapoints = 15;
    sc->in_threshold_factor = 0.9;
    sc->cooldown = 300 * ZF_S;
    sc->warmup = 300 * ZF_S;
    sc->out_threshold = 0.7;
    sc->in_threshold = 0.3;
    if (!s)
        return 0;
    zf_jr_key(p, path, "scaling");
    if ((rc = zf_jr_object(jr, s, p, scaling_keys)) ||
        (rc = zf_jr_enum(jr, s, p, "policy", true, policies, &policy)) ||
        (rc = zf_jr_number(jr, s, p, "target_cpu", false, 0.01, 1, &sc->target)) ||
        (rc = zf_jr_duration(jr, s, p, "period", false, &sc->period)) ||
        (rc = zf_jr_duration(jr, s, p, "cooldown", false, &sc->cooldown)) ||
        (rc = zf_jr_duration(jr, s, p, "warmup", false, &sc->warmup)) ||
        (rc = zf_jr_number(jr, s, p, "scale_in_factor", false, 0, 1, &sc->in_threshold_factor)) ||
        (rc = zf_jr_number(jr, s, p, "scale_out_threshold", false, 0, 1e9, &sc->out_threshold)) ||
        (rc = zf_jr_number(jr, s, p, "scale_in_threshold", false, 0, 1e9, &sc->in_threshold)) ||
        (rc = parse_alarm(jr, s, p, "scale_out", &sc->out_periods, &sc->out_datapoints)) ||
        (rc = parse_alarm(jr, s, p, "scale_in", &sc->in_periods, &sc->in_datapoints)))
        return rc;
    sc->kind = (zf_scaling_kind_t)policy;
    if (sc->period < ZF_S)
        return zf_jr_fail(jr, p, "period: expected at least 1s");
    if (sc->kind == ZF_SCALING_STEP)
        return parse_steps(jr, s, p, sc);
    return 0;
}

static int parse_group(zf_jr_t *jr, const zf_deploy_spec_t *d, const json_t *o,
                       const char *path, zf_group_spec_t *g)
{
    static const char *const hc_types[] = {"ELB", "EC2", NULL};
    int64_t min = 1, max = 1, desired = -1;
    int hct = 0, rc;
    g->health_check_grace = 300 * ZF_S; /* console default (EC2 Auto Scaling User Guide) */
    g->status_check_delay = 120 * ZF_S; /* assumption: two failed one-minute status checks */
    g->rebalance = true;
    g->lb = -1;
    if ((rc = zf_jr_object(jr, o, path, group_keys)) ||
        (rc = name_field(jr, o, path, "name", true, g->name, sizeof g->name)) ||
        (rc = zone_list(jr, d, o, path, g->zones, &g->nzones)) ||
        (rc = zf_jr_int(jr, o, path, "min", false, 0, 100000, &min)) ||
        (rc = zf_jr_int(jr, o, path, "max", false, 0, 100000, &max)) ||
        (rc = zf_jr_int(jr, o, path, "desired", false, 0, 100000, &desired)) ||
        (rc = zf_jr_duration(jr, o, path, "health_check_grace", false, &g->health_check_grace)) ||
        (rc = zf_jr_enum(jr, o, path, "health_check_type", false, hc_types, &hct)) ||
        (rc = zf_jr_duration(jr, o, path, "status_check_delay", false, &g->status_check_delay)) ||
        (rc = zf_jr_bool(jr, o, path, "rebalance", false, &g->rebalance)) ||
        (rc = parse_instance(jr, o, path, g)) || (rc = parse_scaling(jr, o, path, &g->scaling)))
        return rc;
    if (max < min)
        return zf_jr_fail(jr, path, "max (%lld) is below min (%lld)", (long long)max, (long long)min);
    if (desired < 0)
        desired = min;
    if (desired < min || desired > max)
        return zf_jr_fail(jr, path, "desired (%lld) is outside [min, max] = [%lld, %lld]",
                          (long long)desired, (long long)min, (long long)max);
    if (g->nzones == 0)
        return zf_jr_fail(jr, path, "a group needs at least one zone ($.zones is empty)");
    g->min = (uint32_t)min;
    g->max = (uint32_t)max;
    g->desired = (uint32_t)desired;
    g->elb_health = hct == 0;
    return 0;
}

static int parse_groups(zf_jr_t *jr, const json_t *root, zf_deploy_spec_t *d)
{
    const json_t *arr = json_object_get(root, "groups");
    size_t n;
    int rc;
    if (!arr)
        return 0;
    if ((rc = zf_jr_array(jr, arr, "$.groups", 1, &n)))
        return rc;
    if (n > 255) /* a request holds its group's index in one byte (sim/model/core.h) */
        return zf_jr_fail(jr, "$.groups", "expected at most 255 groups, got %zu", n);
    d->groups = calloc(n, sizeof *d->groups);
    if (!d->groups)
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[ZF_JPATH_MAX];
        zf_jr_idx(p, "$.groups", i);
        d->ngroups = i + 1;
        if ((rc = parse_group(jr, d, json_array_get(arr, i), p, &d->groups[i])))
            return rc;
        if (find_group(d, d->groups[i].name) != (int)i)
            return zf_jr_fail(jr, p, "duplicate group name \"%s\"", d->groups[i].name);
    }
    return 0;
}

/* ---------- database ---------- */

static const char *const db_keys[] = {"name", "primary_zone", "standby_zone", "replication",
                                      "async_lag", "read", "commit", "replication_rtt",
                                      "max_connections", "queue_limit", "failover", "resync",
                                      "standby_loss_block", "log_ship_interval",
                                      "snapshot_interval", "reconnect", NULL};
static const char *const failover_keys[] = {"detection", "promotion", "dns_switch", NULL};

static int zone_field(zf_jr_t *jr, const zf_deploy_spec_t *d, const json_t *o, const char *path,
                      const char *key, bool required, int32_t *out)
{
    const char *name = NULL;
    char p[ZF_JPATH_MAX];
    int rc = zf_jr_string(jr, o, path, key, required, &name);
    if (rc || !name)
        return rc;
    int z = find_zone(d, name);
    if (z < 0)
        return zf_jr_fail(jr, zf_jr_key(p, path, key), "no zone named \"%s\" in $.zones", name);
    *out = z;
    return 0;
}

/* Failover phases: RDS documents 60-120 s in all ("Failover process for Amazon RDS"); the
 * split into detection, promotion and DNS switch is ours (docs/model.md). */
static int parse_failover(zf_jr_t *jr, const json_t *o, const char *path, zf_db_spec_t *db)
{
    const json_t *f = json_object_get(o, "failover");
    char p[ZF_JPATH_MAX];
    int rc;
    json_t *empty = json_object();
    zf_jr_key(p, path, "failover");
    if (f && (rc = zf_jr_object(jr, f, p, failover_keys))) {
        json_decref(empty);
        return rc;
    }
    if (!f)
        f = empty;
    rc = dist_or(jr, f, p, "detection", &db->detection, ZF_DIST_UNIFORM, 10e9, 30e9);
    if (rc == 0)
        rc = dist_or(jr, f, p, "promotion", &db->promotion, ZF_DIST_UNIFORM, 30e9, 60e9);
    if (rc == 0)
        rc = dist_or(jr, f, p, "dns_switch", &db->dns_switch, ZF_DIST_UNIFORM, 10e9, 30e9);
    json_decref(empty);
    return rc;
}

static int parse_db_dists(zf_jr_t *jr, const json_t *o, const char *path, zf_db_spec_t *db)
{
    int rc;
    /* per-operation latencies: PostgreSQL 15 with synchronous replication measured here at
     * 470-900 commits/s for one client (MODEL-DEFAULTS.md): about 1-2 ms a commit */
    if ((rc = dist_or(jr, o, path, "read", &db->read, ZF_DIST_EXPONENTIAL, 1e6, 0)) ||
        (rc = dist_or(jr, o, path, "commit", &db->commit, ZF_DIST_LOGNORMAL, 1e6, 0.5e6)) ||
        (rc = dist_or(jr, o, path, "replication_rtt", &db->replication_rtt, ZF_DIST_LOGNORMAL,
                      0.8e6, 0.3e6)) ||
        (rc = dist_or(jr, o, path, "async_lag", &db->async_lag, ZF_DIST_EXPONENTIAL, 1e9, 0)) ||
        (rc = dist_or(jr, o, path, "resync", &db->resync, ZF_DIST_LOGNORMAL, 300e9, 120e9)) ||
        /* clients reconnect at once unless told how long an attempt on a silent address
         * takes (docs/model.md, "Zone partitions"): an assumption, not an AWS figure */
        (rc = dist_or(jr, o, path, "reconnect", &db->reconnect, ZF_DIST_DETERMINISTIC, 0, 0)))
        return rc;
    return parse_failover(jr, o, path, db);
}

static int parse_db(zf_jr_t *jr, const json_t *root, zf_deploy_spec_t *d)
{
    static const char *const repl[] = {"sync", "async", NULL};
    const json_t *o = json_object_get(root, "database");
    const char *path = "$.database";
    int32_t primary = 0;
    int r = 0, rc;
    zf_db_spec_t *db = &d->db;
    if (!o)
        return 0;
    db->present = true;
    db->standby_zone = -1;
    db->max_connections = 800;          /* RDS: DBInstanceClassMemory / 9531392 for 8 GiB */
    db->queue_limit = -1;
    db->log_ship_interval = 5 * ZF_MIN; /* RDS point-in-time restore (USER_PIT) */
    db->snapshot_interval = ZF_DAY;     /* daily automated snapshots */
    snprintf(db->name, sizeof db->name, "db");
    if ((rc = zf_jr_object(jr, o, path, db_keys)) ||
        (rc = name_field(jr, o, path, "name", false, db->name, sizeof db->name)) ||
        (rc = zone_field(jr, d, o, path, "primary_zone", true, &primary)) ||
        (rc = zone_field(jr, d, o, path, "standby_zone", false, &db->standby_zone)) ||
        (rc = zf_jr_enum(jr, o, path, "replication", false, repl, &r)) ||
        (rc = u32_field(jr, o, path, "max_connections", 1, 1000000, &db->max_connections)) ||
        (rc = zf_jr_int(jr, o, path, "queue_limit", false, -1, INT64_MAX / 2, &db->queue_limit)) ||
        (rc = zf_jr_duration(jr, o, path, "standby_loss_block", false, &db->standby_loss_block)) ||
        (rc = zf_jr_duration(jr, o, path, "log_ship_interval", false, &db->log_ship_interval)) ||
        (rc = zf_jr_duration(jr, o, path, "snapshot_interval", false, &db->snapshot_interval)) ||
        (rc = parse_db_dists(jr, o, path, db)))
        return rc;
    db->primary_zone = (uint32_t)primary;
    db->replication = (zf_replication_t)r;
    if (db->standby_zone == (int32_t)db->primary_zone)
        return zf_jr_fail(jr, "$.database.standby_zone", "expected a zone other than the primary's");
    if (db->log_ship_interval <= 0)
        return zf_jr_fail(jr, "$.database.log_ship_interval", "expected a duration > 0");
    return 0;
}

/* ---------- faults ---------- */

static const char *const fault_keys[] = {"name", "type", "target", "zone", "at", "after", "day",
                                         "duration", "added_latency", "loss", "count",
                                         "fraction", "batch_size", "batch_percent",
                                         "deploy_time", "mtbf", "mttr", "recovery", "actions",
                                         "mode", "loss_unit", NULL};

/* The fault's start: "at" a time of day (relative to the scenario's start time of day, on
 * the given day) or "after" a duration. Neither: required unless `optional`. */
static int parse_instant(zf_jr_t *jr, const json_t *o, const char *path, zf_time_t start_tod,
                         bool optional, zf_time_t *out)
{
    zf_time_t tod = 0;
    int64_t day = 0;
    int rc;
    bool has_at = json_object_get(o, "at") != NULL, has_after = json_object_get(o, "after") != NULL;
    if (has_at && has_after)
        return zf_jr_fail(jr, path, "give either \"at\" (a time of day) or \"after\" (a "
                                    "duration since the start), not both");
    if (!has_at && !has_after) {
        if (optional)
            return 0;
        return zf_jr_fail(jr, path, "missing \"at\" (a time of day like \"07:40\") or \"after\" "
                                    "(a duration since the start like \"1h40m\")");
    }
    if (has_after)
        return zf_jr_duration(jr, o, path, "after", true, out);
    if ((rc = zf_jr_tod(jr, o, path, "at", true, &tod)) ||
        (rc = zf_jr_int(jr, o, path, "day", false, 0, 365, &day)))
        return rc;
    *out = ((tod - start_tod) % ZF_DAY + ZF_DAY) % ZF_DAY + day * ZF_DAY;
    return 0;
}

static zf_fault_class_t fault_class(zf_fault_type_t t)
{
    switch (t) {
    case ZF_FAULT_ZONE_OUTAGE:
    case ZF_FAULT_ZONE_DEGRADATION:
    case ZF_FAULT_AZ_POWER: return ZF_TARGET_ZONE;
    case ZF_FAULT_INSTANCE_CRASH:
    case ZF_FAULT_ROLLING_RELEASE: return ZF_TARGET_GROUP;
    case ZF_FAULT_DB_CRASH:
    case ZF_FAULT_DB_FAILOVER:
    case ZF_FAULT_PITR: return ZF_TARGET_DB;
    case ZF_FAULT_LB_NODE: return ZF_TARGET_LB;
    default: return ZF_TARGET_FLEET;
    }
}

/* Resolves "target" for the fault's class; random failures look it up in every class. */
static int resolve_target(zf_jr_t *jr, const zf_deploy_spec_t *d, const char *path,
                          zf_fault_spec_t *f)
{
    char p[ZF_JPATH_MAX];
    const char *t = f->target_name;
    zf_jr_key(p, path, "target");
    f->target_class = fault_class(f->type);
    if (f->type == ZF_FAULT_RANDOM) {
        if ((f->target = find_zone(d, t)) >= 0)
            f->target_class = ZF_TARGET_ZONE;
        else if ((f->target = find_group(d, t)) >= 0)
            f->target_class = ZF_TARGET_GROUP;
        else if (d->db.present && strcmp(d->db.name, t) == 0)
            f->target_class = ZF_TARGET_DB, f->target = 0;
        else
            return zf_jr_fail(jr, p, "no zone, group or database named \"%s\"", t);
        return 0;
    }
    switch (f->target_class) {
    case ZF_TARGET_ZONE: f->target = find_zone(d, t); break;
    case ZF_TARGET_GROUP: f->target = find_group(d, t); break;
    case ZF_TARGET_LB: f->target = find_lb(d, t); break;
    case ZF_TARGET_DB: f->target = d->db.present && (!*t || strcmp(d->db.name, t) == 0) ? 0 : -1; break;
    default: f->target = 0; return 0;
    }
    if (f->target >= 0)
        return 0;
    static const char *const what[] = {"zone", "group", "load balancer", "database", "fleet"};
    static const char *const where[] = {"$.zones", "$.groups", "$.load_balancers", "$.database",
                                        ""};
    if (f->target_class == ZF_TARGET_DB && !d->db.present)
        return zf_jr_fail(jr, path, "a %s fault needs a $.database", zf_fault_type_name(f->type));
    return zf_jr_fail(jr, p, "no %s named \"%s\" in %s", what[f->target_class], t,
                      where[f->target_class]);
}

/* Type-specific parameters and their requirements. */
static int parse_fault_params(zf_jr_t *jr, const zf_deploy_spec_t *d, const json_t *o,
                              const char *path, zf_fault_spec_t *f)
{
    int64_t count = 1, batch = 0;
    int rc;
    f->zone = -1;
    if ((rc = zone_field(jr, d, o, path, "zone", f->type == ZF_FAULT_LB_NODE, &f->zone)) ||
        (rc = zf_jr_duration(jr, o, path, "added_latency", false, &f->added_latency)) ||
        (rc = zf_jr_number(jr, o, path, "loss", false, 0, 1, &f->loss)) ||
        (rc = zf_jr_int(jr, o, path, "count", false, 1, 100000, &count)) ||
        (rc = zf_jr_number(jr, o, path, "fraction", f->type == ZF_FAULT_DEVICE_NETWORK, 0, 1,
                           &f->fraction)) ||
        (rc = zf_jr_int(jr, o, path, "batch_size", false, 1, 100000, &batch)) ||
        (rc = zf_jr_number(jr, o, path, "batch_percent", false, 1, 100, &f->batch_percent)))
        return rc;
    f->count = (uint32_t)count;
    f->batch_size = (uint32_t)batch;
    if (f->type == ZF_FAULT_ZONE_DEGRADATION && f->added_latency == 0 && f->loss == 0)
        return zf_jr_fail(jr, path, "a zone_degradation needs added_latency or loss");
    if (f->batch_size && f->batch_percent > 0)
        return zf_jr_fail(jr, path, "give batch_size or batch_percent, not both");
    if (f->type == ZF_FAULT_ROLLING_RELEASE && !f->batch_size && f->batch_percent == 0)
        f->batch_size = 1;
    static const char *const modes[] = {"crash", "partition", NULL};
    int mode = 0;
    if (json_object_get(o, "mode") && f->type != ZF_FAULT_ZONE_OUTAGE) {
        char p[ZF_JPATH_MAX];
        return zf_jr_fail(jr, zf_jr_key(p, path, "mode"), "\"mode\" applies to a zone_outage only");
    }
    if ((rc = zf_jr_enum(jr, o, path, "mode", false, modes, &mode)))
        return rc;
    f->partition = mode == 1;
    static const char *const units[] = {"request", "packet", NULL};
    int unit = 0;
    if (json_object_get(o, "loss_unit") && f->type != ZF_FAULT_ZONE_DEGRADATION) {
        char p[ZF_JPATH_MAX];
        return zf_jr_fail(jr, zf_jr_key(p, path, "loss_unit"),
                          "\"loss_unit\" applies to a zone_degradation only");
    }
    if ((rc = zf_jr_enum(jr, o, path, "loss_unit", false, units, &unit)))
        return rc;
    f->packet_loss = unit == 1;
    f->recovery = 30 * ZF_MIN; /* AWS FIS AZ Availability: Power Interruption */
    if ((rc = zf_jr_duration(jr, o, path, "recovery", false, &f->recovery)) ||
        (rc = dist_or(jr, o, path, "deploy_time", &f->deploy_time, ZF_DIST_LOGNORMAL, 120e9, 30e9)))
        return rc;
    if (f->type == ZF_FAULT_RANDOM)
        return (rc = zf_jr_dist(jr, o, path, "mtbf", true, 1, &f->mtbf)) ? rc
               : zf_jr_dist(jr, o, path, "mttr", true, 1, &f->mttr);
    return 0;
}

static bool needs_duration(zf_fault_type_t t)
{
    return t == ZF_FAULT_ZONE_OUTAGE || t == ZF_FAULT_ZONE_DEGRADATION || t == ZF_FAULT_LB_NODE ||
           t == ZF_FAULT_DEVICE_NETWORK || t == ZF_FAULT_PITR;
}

static int parse_fault(zf_jr_t *jr, const zf_deploy_spec_t *d, zf_time_t start_tod,
                       const json_t *o, const char *path, zf_fault_spec_t *f)
{
    int type = 0, rc;
    if ((rc = zf_jr_object(jr, o, path, fault_keys)) ||
        (rc = zf_jr_enum(jr, o, path, "type", true, fault_names, &type)))
        return rc;
    f->type = (zf_fault_type_t)type;
    snprintf(f->name, sizeof f->name, "%s-%s", fault_names[type], "fault");
    if ((rc = name_field(jr, o, path, "name", false, f->name, sizeof f->name)) ||
        (rc = name_field(jr, o, path, "target", fault_class(f->type) != ZF_TARGET_FLEET &&
                                                f->type != ZF_FAULT_DB_CRASH &&
                                                f->type != ZF_FAULT_DB_FAILOVER &&
                                                f->type != ZF_FAULT_PITR,
                         f->target_name, sizeof f->target_name)) ||
        (rc = resolve_target(jr, d, path, f)) ||
        (rc = parse_instant(jr, o, path, start_tod, f->type == ZF_FAULT_RANDOM, &f->start)) ||
        (rc = zf_jr_duration(jr, o, path, "duration", needs_duration(f->type), &f->duration)) ||
        (rc = parse_fault_params(jr, d, o, path, f)))
        return rc;
    if (f->type == ZF_FAULT_DB_CRASH && f->duration == 0)
        f->duration = 10 * ZF_MIN; /* single-zone: instance restart and recovery, assumption */
    if (f->type == ZF_FAULT_AZ_POWER && f->duration == 0)
        f->duration = 30 * ZF_MIN; /* AWS FIS AZ Availability: Power Interruption */
    if (needs_duration(f->type) && f->duration <= 0) {
        char p[ZF_JPATH_MAX];
        return zf_jr_fail(jr, zf_jr_key(p, path, "duration"), "expected a duration > 0");
    }
    const json_t *actions = json_object_get(o, "actions");
    if (actions && !(f->actions = json_deep_copy(actions)))
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    return 0;
}

static int parse_faults(zf_jr_t *jr, const json_t *root, zf_time_t start_tod, zf_deploy_spec_t *d)
{
    const json_t *arr = json_object_get(root, "faults");
    size_t n;
    int rc;
    if (!arr)
        return 0;
    if ((rc = zf_jr_array(jr, arr, "$.faults", 0, &n)))
        return rc;
    d->faults = calloc(n ? n : 1, sizeof *d->faults);
    if (!d->faults)
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[ZF_JPATH_MAX];
        zf_jr_idx(p, "$.faults", i);
        d->nfaults = i + 1;
        if ((rc = parse_fault(jr, d, start_tod, json_array_get(arr, i), p, &d->faults[i])))
            return rc;
        for (size_t j = 0; j < i; j++)
            if (strcmp(d->faults[j].name, d->faults[i].name) == 0)
                return zf_jr_fail(jr, p, "duplicate fault name \"%s\" (name each fault)",
                                  d->faults[i].name);
    }
    return 0;
}

/* ---------- recovery and the whole section ---------- */

static int parse_recovery(zf_jr_t *jr, const json_t *root, zf_recovery_spec_t *r)
{
    static const char *const keys[] = {"threshold", "window", NULL};
    const json_t *o = json_object_get(root, "recovery");
    int rc;
    r->threshold = 0.99;     /* assumption, docs/model.md */
    r->window = 60 * ZF_S;
    if (!o)
        return 0;
    if ((rc = zf_jr_object(jr, o, "$.recovery", keys)) ||
        (rc = zf_jr_number(jr, o, "$.recovery", "threshold", false, 0, 1, &r->threshold)) ||
        (rc = zf_jr_duration(jr, o, "$.recovery", "window", false, &r->window)))
        return rc;
    if (r->window < ZF_S)
        return zf_jr_fail(jr, "$.recovery.window", "expected at least 1s");
    return 0;
}

/* Every kind of a deployment is sent to a load balancer whose rules route it to a group;
 * every group is routed to by one load balancer. */
static int resolve_routes(zf_jr_t *jr, zf_scenario_t *s, zf_deploy_spec_t *d)
{
    char p[ZF_JPATH_MAX];
    for (size_t k = 0; k < s->nkinds; k++) {
        zf_kind_spec_t *kind = &s->kinds[k];
        zf_jr_idx(p, "$.kinds", k);
        if (!kind->lb_name[0]) {
            if (d->nlbs)
                return zf_jr_fail(jr, p, "kind \"%s\" names no load balancer (\"lb\")", kind->name);
            continue;
        }
        kind->lb = find_lb(d, kind->lb_name);
        if (kind->lb < 0)
            return zf_jr_fail(jr, p, "lb: no load balancer named \"%s\" in $.load_balancers",
                              kind->lb_name);
        int g = d->lbs[kind->lb].kind_group[k];
        if (g < 0)
            return zf_jr_fail(jr, p, "no rule of load balancer \"%s\" routes kind \"%s\" to a group",
                              kind->lb_name, kind->name);
        if (d->groups[g].lb < 0) /* behind several: health checks of the first */
            d->groups[g].lb = kind->lb;
    }
    return 0;
}

/* A keep-alive device holds one connection, to one load balancer: every kind a device
 * sends must go through the same one. */
static int check_keepalive(zf_jr_t *jr, const zf_scenario_t *s)
{
    const zf_fleet_spec_t *f = &s->workload.fleet;
    uint32_t kinds[4 + 64], n = 0;
    if (!f->keepalive || !f->count)
        return 0;
    const uint32_t own[] = {f->report_kind, f->gps_kind, f->ignition_kind, f->breath_kind};
    for (size_t i = 0; i < 4; i++)
        if (own[i] != ZF_KIND_NONE)
            kinds[n++] = own[i];
    for (size_t i = 0; i < s->workload.nbursts && n < sizeof kinds / sizeof *kinds; i++)
        if (s->workload.bursts[i].fleet_fraction > 0)
            kinds[n++] = s->workload.bursts[i].kind;
    for (uint32_t i = 1; i < n; i++)
        if (s->kinds[kinds[i]].lb != s->kinds[kinds[0]].lb)
            return zf_jr_fail(jr, "$.workload.devices.connection",
                              "\"keepalive\" devices hold one connection, but kinds \"%s\" and "
                              "\"%s\" go to different load balancers", s->kinds[kinds[0]].name,
                              s->kinds[kinds[i]].name);
    return 0;
}

static int check_faults(zf_jr_t *jr, const zf_scenario_t *s, const zf_deploy_spec_t *d)
{
    char p[ZF_JPATH_MAX];
    for (size_t i = 0; i < d->nfaults; i++) {
        const zf_fault_spec_t *f = &d->faults[i];
        zf_jr_idx(p, "$.faults", i);
        if (f->start >= s->duration) {
            char a[32], b[32];
            return zf_jr_fail(jr, p, "starts at %s, after the end of the run (%s)",
                              zf_time_format(f->start, a, sizeof a),
                              zf_time_format(s->duration, b, sizeof b));
        }
        if (f->type == ZF_FAULT_DB_FAILOVER && d->db.standby_zone < 0)
            return zf_jr_fail(jr, p, "a db_failover needs a database with a standby_zone to "
                                     "fail over to (a single-zone database: use db_crash)");
        if (f->type == ZF_FAULT_DEVICE_NETWORK && s->workload.fleet.count == 0)
            return zf_jr_fail(jr, p, "a device_network_outage needs a device fleet "
                                     "($.workload.devices)");
    }
    return 0;
}

int zf_deploy_spec_parse(struct zf_jr *jr, const json_t *root, struct zf_scenario *s,
                         zf_deploy_spec_t *d)
{
    int rc;
    if ((rc = parse_zones(jr, root, d)) || (rc = parse_groups(jr, root, d)) ||
        (rc = parse_lbs(jr, root, s, d)) || (rc = resolve_routes(jr, s, d)) ||
        (rc = parse_db(jr, root, d)) ||
        (rc = parse_faults(jr, root, s->workload.start_tod, d)) ||
        (rc = parse_recovery(jr, root, &d->recovery)) || (rc = check_faults(jr, s, d)) ||
        (rc = check_keepalive(jr, s)))
        return rc;
    if ((d->ngroups || d->nlbs || d->db.present) && d->nzones == 0)
        return zf_jr_fail(jr, "$.zones", "missing: groups, load balancers and databases live in zones");
    for (size_t g = 0; g < d->ngroups; g++)
        if (d->groups[g].lb < 0)
            return zf_jr_fail(jr, "$.groups", "group \"%s\" receives no traffic: no load "
                              "balancer rule routes a kind to it", d->groups[g].name);
    return 0;
}
