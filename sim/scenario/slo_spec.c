/* slo_spec: parsing and describing service-level objectives. */
#include "scenario/slo_spec.h"
#include "scenario/jread.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const type_names[] = {"availability", "latency", "rto", "rpo",
                                         "lost_writes", "backlog_drain", "burn_rate", NULL};

static const char *const slo_keys[] = {"name", "type", "objective", "quantile", "window",
                                       "target", "fault", "kind", NULL};

const char *zf_slo_type_name(zf_slo_type_t t)
{
    return t < ZF_SLO_TYPE_COUNT ? type_names[t] : "?";
}

int zf_slo_type_is_time(zf_slo_type_t t)
{
    return t == ZF_SLO_LATENCY || t == ZF_SLO_RTO || t == ZF_SLO_RPO || t == ZF_SLO_BACKLOG_DRAIN;
}

void zf_slo_objective_text(const zf_slo_spec_t *s, char *buf, size_t len)
{
    char d[32];
    switch (s->type) {
    case ZF_SLO_AVAILABILITY:
        snprintf(buf, len, ">= %.6g%%", s->objective * 100);
        break;
    case ZF_SLO_LATENCY:
        snprintf(buf, len, "p%.6g <= %s", s->quantile * 100,
                 zf_time_format((zf_time_t)s->objective, d, sizeof d));
        break;
    case ZF_SLO_LOST_WRITES:
        snprintf(buf, len, "<= %.0f writes", s->objective);
        break;
    case ZF_SLO_BURN_RATE:
        snprintf(buf, len, "<= %.6gx", s->objective);
        break;
    default:
        snprintf(buf, len, "<= %s", zf_time_format((zf_time_t)s->objective, d, sizeof d));
        break;
    }
}

/* Reads the objective in the unit its type takes. */
static int parse_objective(zf_jr_t *jr, const json_t *o, const char *path, zf_slo_spec_t *s)
{
    int rc;
    if (zf_slo_type_is_time(s->type)) {
        zf_time_t t = 0;
        rc = zf_jr_duration(jr, o, path, "objective", true, &t);
        s->objective = (double)t;
        return rc;
    }
    switch (s->type) {
    case ZF_SLO_AVAILABILITY:
        return zf_jr_number(jr, o, path, "objective", true, 0, 1, &s->objective);
    case ZF_SLO_LOST_WRITES: {
        int64_t n = 0;
        rc = zf_jr_int(jr, o, path, "objective", true, 0, INT64_MAX, &n);
        s->objective = (double)n;
        return rc;
    }
    default:
        return zf_jr_number(jr, o, path, "objective", true, 0, 1e12, &s->objective);
    }
}

static int parse_one(zf_jr_t *jr, const json_t *o, const char *path, zf_slo_spec_t *s)
{
    const char *name = NULL, *fault = NULL, *kind = NULL;
    int type = 0, rc;
    char p[ZF_JPATH_MAX];
    if ((rc = zf_jr_object(jr, o, path, slo_keys)) ||
        (rc = zf_jr_string(jr, o, path, "name", true, &name)) ||
        (rc = zf_jr_enum(jr, o, path, "type", true, type_names, &type)))
        return rc;
    if (strlen(name) >= sizeof s->name)
        return zf_jr_fail(jr, zf_jr_key(p, path, "name"), "expected at most %zu characters",
                          sizeof s->name - 1);
    snprintf(s->name, sizeof s->name, "%s", name);
    s->type = (zf_slo_type_t)type;
    if ((rc = parse_objective(jr, o, path, s)))
        return rc;
    char p2[ZF_JPATH_MAX];
    if (s->type == ZF_SLO_LATENCY &&
        (rc = zf_jr_number(jr, o, path, "quantile", true, 0, 1, &s->quantile)))
        return rc;
    if (s->type == ZF_SLO_LATENCY && (s->quantile <= 0 || s->quantile >= 1))
        return zf_jr_fail(jr, zf_jr_key(p2, path, "quantile"), "expected a quantile strictly "
                          "between 0 and 1 (0.99 for p99), got %g", s->quantile);
    if ((rc = zf_jr_duration(jr, o, path, "window", false, &s->window)))
        return rc;
    if (s->type == ZF_SLO_BURN_RATE &&
        (rc = zf_jr_number(jr, o, path, "target", true, 0, 1, &s->target)))
        return rc;
    if (s->type == ZF_SLO_BURN_RATE && s->target >= 1)
        return zf_jr_fail(jr, zf_jr_key(p2, path, "target"), "expected an availability target "
                          "below 1 (a target of 1 leaves no error budget), got %g", s->target);
    if ((rc = zf_jr_string(jr, o, path, "fault", false, &fault)) ||
        (rc = zf_jr_string(jr, o, path, "kind", false, &kind)))
        return rc;
    snprintf(s->fault, sizeof s->fault, "%s", fault ? fault : "");
    snprintf(s->kind, sizeof s->kind, "%s", kind ? kind : "");
    if (json_object_get(o, "quantile") && s->type != ZF_SLO_LATENCY)
        return zf_jr_fail(jr, zf_jr_key(p, path, "quantile"), "only latency SLOs take a quantile");
    if (fault && s->type != ZF_SLO_RTO)
        return zf_jr_fail(jr, zf_jr_key(p, path, "fault"), "only rto SLOs name a fault");
    return 0;
}

int zf_slo_spec_parse(const char *file, const json_t *slos, const char *path,
                      zf_slo_spec_t **out, size_t *n, zf_err_t *err)
{
    zf_jr_t jr = {file, err};
    size_t len;
    int rc = zf_jr_array(&jr, slos, path, 0, &len);
    if (rc)
        return rc;
    zf_slo_spec_t *v = len ? calloc(len, sizeof *v) : NULL;
    if (len && !v)
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; i < len && rc == 0; i++) {
        char p[ZF_JPATH_MAX];
        rc = parse_one(&jr, json_array_get(slos, i), zf_jr_idx(p, path, i), &v[i]);
        for (size_t j = 0; j < i && rc == 0; j++)
            if (strcmp(v[j].name, v[i].name) == 0)
                rc = zf_jr_fail(&jr, p, "duplicate SLO name \"%s\" (also at %s[%zu])",
                                v[i].name, path, j);
    }
    if (rc) {
        free(v);
        return rc;
    }
    *out = v;
    *n = len;
    return 0;
}

int zf_slo_spec_load(const char *file, zf_slo_spec_t **out, size_t *n, zf_err_t *err)
{
    json_t *root;
    int rc = zf_jr_load_file(file, &root, err);
    if (rc)
        return rc;
    zf_jr_t jr = {file, err};
    static const char *const keys[] = {"slos", NULL};
    if ((rc = zf_jr_object(&jr, root, "$", keys)) == 0) {
        const json_t *s = json_object_get(root, "slos");
        if (!s)
            rc = zf_jr_fail(&jr, "$.slos", "missing required key");
        else
            rc = zf_slo_spec_parse(file, s, "$.slos", out, n, err);
    }
    json_decref(root);
    return rc;
}

json_t *zf_slo_spec_to_json(const zf_slo_spec_t *s)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(s->name));
    json_object_set_new(o, "type", json_string(zf_slo_type_name(s->type)));
    if (s->type == ZF_SLO_LOST_WRITES)
        json_object_set_new(o, "objective", json_integer((json_int_t)s->objective));
    else if (zf_slo_type_is_time(s->type))
        json_object_set_new(o, "objective", json_real(s->objective / 1e9));
    else
        json_object_set_new(o, "objective", json_real(s->objective));
    if (s->type == ZF_SLO_LATENCY)
        json_object_set_new(o, "quantile", json_real(s->quantile));
    if (s->window > 0)
        json_object_set_new(o, "window", json_real((double)s->window / 1e9));
    if (s->type == ZF_SLO_BURN_RATE)
        json_object_set_new(o, "target", json_real(s->target));
    if (s->fault[0])
        json_object_set_new(o, "fault", json_string(s->fault));
    if (s->kind[0])
        json_object_set_new(o, "kind", json_string(s->kind));
    return o;
}
