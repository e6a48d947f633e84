/* scenario: loading and validation of the scenario language's top level, run settings,
 * and the queueing primitives (sources and stations). */
#include "scenario/scenario.h"
#include "scenario/extend.h"
#include "scenario/jread.h"
#include "scenario/replay_spec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const top_keys[] = {"name", "description", "seed", "duration", "warmup",
                                       "replications", "confidence", "sources", "stations",
                                       "slos", "kinds", "workload", "zones",
                                       "load_balancers", "groups", "database", "faults",
                                       "recovery", "verify", "stop_conditions", NULL};
static const char *const source_keys[] = {"name", "rate_per_s", "target", NULL};
static const char *const station_keys[] = {"name", "servers", "queue_limit", "service",
                                           "next", NULL};

int zf_scenario_kind(const zf_scenario_t *s, const char *name)
{
    for (size_t i = 0; i < s->nkinds; i++)
        if (strcmp(s->kinds[i].name, name) == 0)
            return (int)i;
    return -1;
}

int zf_scenario_station(const zf_scenario_t *s, const char *name)
{
    for (size_t i = 0; i < s->nstations; i++)
        if (strcmp(s->stations[i].name, name) == 0)
            return (int)i;
    return -1;
}

/* A name: non-empty, fits, letters, digits, '-', '_', '.', '/'. */
static int parse_name(zf_jr_t *jr, const json_t *o, const char *path, char *dst, size_t cap)
{
    const char *name = NULL;
    char p[ZF_JPATH_MAX];
    int rc = zf_jr_string(jr, o, path, "name", true, &name);
    if (rc)
        return rc;
    zf_jr_key(p, path, "name");
    if (strlen(name) >= cap)
        return zf_jr_fail(jr, p, "expected a name of at most %zu characters", cap - 1);
    for (const char *c = name; *c; c++)
        if (!(*c == '-' || *c == '_' || *c == '.' || *c == '/' || (*c >= '0' && *c <= '9') ||
              (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z')))
            return zf_jr_fail(jr, p, "expected a name of letters, digits, '-', '_', '.' or "
                                     "'/', got \"%s\"", name);
    snprintf(dst, cap, "%s", name);
    return 0;
}

static int parse_station(zf_jr_t *jr, const json_t *o, const char *path, zf_station_spec_t *st)
{
    int64_t servers = 1, limit = -1;
    int rc;
    if ((rc = zf_jr_object(jr, o, path, station_keys)) ||
        (rc = parse_name(jr, o, path, st->name, sizeof st->name)) ||
        (rc = zf_jr_int(jr, o, path, "servers", false, 1, 1000000, &servers)) ||
        (rc = zf_jr_int(jr, o, path, "queue_limit", false, -1, INT64_MAX / 2, &limit)) ||
        (rc = zf_jr_dist(jr, o, path, "service", true, 1, &st->service)))
        return rc;
    st->servers = (uint32_t)servers;
    st->queue_limit = limit;
    st->next = -1;
    return 0;
}

static int resolve_station(zf_jr_t *jr, const zf_scenario_t *s, const json_t *o,
                           const char *path, const char *key, bool required, int32_t *out)
{
    const char *name = NULL;
    char p[ZF_JPATH_MAX];
    int rc = zf_jr_string(jr, o, path, key, required, &name);
    if (rc || !name)
        return rc;
    int idx = zf_scenario_station(s, name);
    if (idx < 0)
        return zf_jr_fail(jr, zf_jr_key(p, path, key), "no station named \"%s\" in $.stations",
                          name);
    *out = idx;
    return 0;
}

static int parse_stations(zf_jr_t *jr, const json_t *root, zf_scenario_t *s)
{
    const json_t *arr = json_object_get(root, "stations");
    size_t n;
    int rc;
    if (!arr)
        return 0;
    if ((rc = zf_jr_array(jr, arr, "$.stations", 1, &n)))
        return rc;
    s->stations = calloc(n, sizeof *s->stations);
    if (!s->stations)
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[ZF_JPATH_MAX];
        if ((rc = parse_station(jr, json_array_get(arr, i), zf_jr_idx(p, "$.stations", i),
                                &s->stations[i])))
            return rc;
        s->nstations = i + 1;
        if (zf_scenario_station(s, s->stations[i].name) != (int)i)
            return zf_jr_fail(jr, p, "duplicate station name \"%s\"", s->stations[i].name);
    }
    for (size_t i = 0; i < n; i++) { /* second pass: routes may point forward */
        char p[ZF_JPATH_MAX];
        zf_jr_idx(p, "$.stations", i);
        if ((rc = resolve_station(jr, s, json_array_get(arr, i), p, "next", false,
                                  &s->stations[i].next)))
            return rc;
        if (s->stations[i].next == (int32_t)i) {
            char q[ZF_JPATH_MAX];
            return zf_jr_fail(jr, zf_jr_key(q, p, "next"), "a station cannot route to itself");
        }
    }
    return 0;
}

static int parse_sources(zf_jr_t *jr, const json_t *root, zf_scenario_t *s)
{
    const json_t *arr = json_object_get(root, "sources");
    size_t n;
    int rc;
    if (!arr)
        return 0;
    if ((rc = zf_jr_array(jr, arr, "$.sources", 1, &n)))
        return rc;
    s->sources = calloc(n, sizeof *s->sources);
    if (!s->sources)
        return zf_err_set(jr->err, ZF_ENOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        char p[ZF_JPATH_MAX];
        const json_t *o = json_array_get(arr, i);
        zf_source_spec_t *src = &s->sources[i];
        int32_t target = -1;
        zf_jr_idx(p, "$.sources", i);
        if ((rc = zf_jr_object(jr, o, p, source_keys)) ||
            (rc = parse_name(jr, o, p, src->name, sizeof src->name)) ||
            (rc = zf_jr_number(jr, o, p, "rate_per_s", true, -1e300, 1e9, &src->rate_per_s)) ||
            (rc = resolve_station(jr, s, o, p, "target", true, &target)))
            return rc;
        if (src->rate_per_s <= 0) {
            char q[ZF_JPATH_MAX];
            return zf_jr_fail(jr, zf_jr_key(q, p, "rate_per_s"), "expected a rate > 0, got %g",
                              src->rate_per_s);
        }
        src->target = (uint32_t)target;
        s->nsources = i + 1;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->sources[j].name, src->name) == 0)
                return zf_jr_fail(jr, p, "duplicate source name \"%s\"", src->name);
    }
    return 0;
}

static int parse_settings(zf_jr_t *jr, const json_t *root, zf_scenario_t *s)
{
    const char *desc = NULL;
    int64_t seed = 1, reps = 1;
    int rc;
    s->confidence = 0.95;
    if ((rc = parse_name(jr, root, "$", s->name, sizeof s->name)) ||
        (rc = zf_jr_string(jr, root, "$", "description", false, &desc)) ||
        (rc = zf_jr_int(jr, root, "$", "seed", false, 0, INT64_MAX, &seed)) ||
        (rc = zf_jr_duration(jr, root, "$", "duration", true, &s->duration)) ||
        (rc = zf_jr_duration(jr, root, "$", "warmup", false, &s->warmup)) ||
        (rc = zf_jr_int(jr, root, "$", "replications", false, 1, 100000, &reps)) ||
        (rc = zf_jr_number(jr, root, "$", "confidence", false, 0.5, 0.9999, &s->confidence)))
        return rc;
    if (s->duration <= 0)
        return zf_jr_fail(jr, "$.duration", "expected a duration > 0");
    if (s->warmup >= s->duration) {
        char a[32], b[32];
        return zf_jr_fail(jr, "$.warmup", "expected less than $.duration (%s), got %s",
                          zf_time_format(s->duration, a, sizeof a), zf_time_format(s->warmup, b, sizeof b));
    }
    snprintf(s->description, sizeof s->description, "%s", desc ? desc : "");
    s->seed = (uint64_t)seed;
    s->replications = (uint32_t)reps;
    return 0;
}

static bool has_traffic(const zf_scenario_t *s)
{
    const zf_workload_spec_t *w = &s->workload;
    return s->nsources > 0 || w->fleet.count > 0 || w->locations.count > 0 ||
           w->agencies.count > 0 || w->web.peak_rate_per_s > 0 || w->nsources > 0;
}

static int parse_root(zf_jr_t *jr, const json_t *root, zf_scenario_t *s)
{
    int rc;
    if ((rc = zf_jr_object(jr, root, "$", top_keys)) || (rc = parse_settings(jr, root, s)) ||
        (rc = parse_stations(jr, root, s)) || (rc = parse_sources(jr, root, s)))
        return rc;
    if ((rc = zf_kinds_parse(jr, root, &s->kinds, &s->nkinds)) ||
        (rc = zf_workload_spec_parse(jr, root, s->kinds, s->nkinds, &s->workload)) ||
        (rc = zf_deploy_spec_parse(jr, root, s, &s->deploy)) ||
        (rc = zf_replay_spec_parse(jr, root, s)))
        return rc;
    if (!has_traffic(s))
        return zf_jr_fail(jr, "$", "nothing sends requests: give \"sources\" feeding "
                                   "\"stations\", or a \"workload\" with \"kinds\"");
    const json_t *slos = json_object_get(root, "slos");
    if (slos)
        rc = zf_slo_spec_parse(s->file, slos, "$.slos", &s->slos, &s->nslos, jr->err);
    return rc;
}

static int finish(const char *file, json_t *root, zf_scenario_t **out, zf_err_t *err)
{
    zf_scenario_t *s = calloc(1, sizeof *s);
    if (!s) {
        json_decref(root);
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    }
    snprintf(s->file, sizeof s->file, "%s", file);
    zf_jr_t jr = {s->file, err};
    int rc = zf_scenario_resolve_extends(file, &root, err);
    if (rc == 0)
        rc = parse_root(&jr, root, s);
    json_decref(root);
    if (rc) {
        zf_scenario_free(s);
        return rc;
    }
    *out = s;
    return 0;
}

int zf_scenario_load(const char *file, zf_scenario_t **out, zf_err_t *err)
{
    json_t *root;
    int rc = zf_jr_load_file(file, &root, err);
    return rc ? rc : finish(file, root, out, err);
}

int zf_scenario_parse(const char *file, const char *text, zf_scenario_t **out, zf_err_t *err)
{
    json_error_t je;
    json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (!root)
        return zf_err_set(err, ZF_EINVAL, "%s:%d:%d: JSON syntax error: %s", file, je.line,
                          je.column, je.text);
    return finish(file, root, out, err);
}

void zf_scenario_free(zf_scenario_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nstations; i++)
        zf_dist_free(&s->stations[i].service);
    free(s->stations);
    free(s->sources);
    free(s->slos);
    for (size_t i = 0; i < s->nkinds; i++)
        zf_kind_spec_free(&s->kinds[i]);
    free(s->kinds);
    zf_workload_spec_free(&s->workload);
    zf_deploy_spec_free(&s->deploy);
    zf_replay_spec_free(s->replay);
    free(s);
}
