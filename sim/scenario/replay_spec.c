/* replay_spec: parsing of the replayer's keys: faults[].actions, stop_conditions and
 * verify. Every error names the file, the JSON path and what was expected. */
#include "scenario/replay_spec.h"
#include "scenario/jread.h"
#include "scenario/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const action_keys[] = {"inject", "heal", "shell", "env", "timeout",
                                          "at_end", NULL};
static const char *const at_end_names[] = {"heal", "none", NULL};
static const char *const stop_keys[] = {"error_rate_above", "for", "command", "every",
                                        "timeout", "shell", "env", NULL};
static const char *const verify_keys[] = {"target", "read", "found", "missing",
                                          "applied_field", "concurrency", "timeout",
                                          "command", "shell", "env", NULL};
static const char *const read_keys[] = {"method", "path", "headers", NULL};
static const char *const read_methods[] = {"GET", "HEAD", "POST", NULL};

static int nomem(zf_jr_t *jr) { return zf_err_set(jr->err, ZF_ENOMEM, "out of memory"); }

static void strv_free(char **v, size_t n)
{
    for (size_t i = 0; v && i < n; i++)
        free(v[i]);
    free(v);
}

static void command_free(zf_command_spec_t *c)
{
    strv_free(c->argv, c->argc);
    memset(c, 0, sizeof *c);
}

/* "key": a command. shell: one non-empty string run by /bin/sh -c; otherwise an array of
 * one or more non-empty strings (argv, no shell). Absent: c->argc stays 0 (or an error
 * when required). */
static int parse_command(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                         bool shell, bool required, zf_command_spec_t *c)
{
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX], d[96];
    const json_t *v = json_object_get(o, key);
    zf_jr_key(p, path, key);
    if (!v || json_is_null(v))
        return required ? zf_jr_fail(jr, p, "missing required key") : 0;
    c->shell = shell;
    if (shell) {
        if (!json_is_string(v) || json_string_length(v) == 0) {
            zf_jr_describe(v, d, sizeof d);
            return zf_jr_fail(jr, p, "expected a shell command line (a non-empty string, "
                              "since \"shell\" is true), got %s", d);
        }
        const char *sh[] = {"/bin/sh", "-c", json_string_value(v)};
        if (!(c->argv = calloc(4, sizeof *c->argv)))
            return nomem(jr);
        for (; c->argc < 3; c->argc++)
            if (!(c->argv[c->argc] = strdup(sh[c->argc])))
                return nomem(jr);
        return 0;
    }
    size_t n;
    if (!json_is_array(v)) {
        zf_jr_describe(v, d, sizeof d);
        return zf_jr_fail(jr, p, "expected an argv array of strings such as [\"kill\", "
                          "\"-TERM\", \"1234\"] (no shell unless \"shell\": true), got %s", d);
    }
    int rc = zf_jr_array(jr, v, p, 1, &n);
    if (rc)
        return rc;
    if (!(c->argv = calloc(n + 1, sizeof *c->argv)))
        return nomem(jr);
    for (size_t i = 0; i < n; i++) {
        const json_t *a = json_array_get(v, i);
        zf_jr_idx(q, p, i);
        if (!json_is_string(a) || json_string_length(a) == 0 ||
            strlen(json_string_value(a)) != json_string_length(a)) {
            zf_jr_describe(a, d, sizeof d);
            return zf_jr_fail(jr, q, "expected a non-empty string, got %s", d);
        }
        if (!(c->argv[i] = strdup(json_string_value(a))))
            return nomem(jr);
        c->argc = i + 1;
    }
    return 0;
}

/* "env": {"NAME": "value"} into "NAME=value" strings. */
static int parse_env(zf_jr_t *jr, const json_t *o, const char *path, char ***env, size_t *n)
{
    static const char first[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_";
    static const char rest[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz_0123456789";
    const json_t *e = json_object_get(o, "env");
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX], d[96];
    const char *name;
    json_t *v;
    zf_jr_key(p, path, "env");
    if (!e)
        return 0;
    if (!json_is_object(e)) {
        zf_jr_describe(e, d, sizeof d);
        return zf_jr_fail(jr, p, "expected an object of variable names to strings, got %s", d);
    }
    if (!(*env = calloc(json_object_size(e) + 1, sizeof **env)))
        return nomem(jr);
    json_object_foreach((json_t *)e, name, v) {
        zf_jr_key(q, p, name);
        if (!strchr(first, name[0]) || name[strspn(name, rest)] != 0)
            return zf_jr_fail(jr, q, "expected a variable name of letters, digits and '_' "
                              "not starting with a digit");
        if (strncmp(name, "ZF_", 3) == 0)
            return zf_jr_fail(jr, q, "names starting with ZF_ are set by zonefall");
        if (!json_is_string(v) || strlen(json_string_value(v)) != json_string_length(v)) {
            zf_jr_describe(v, d, sizeof d);
            return zf_jr_fail(jr, q, "expected a string, got %s", d);
        }
        size_t len = strlen(name) + json_string_length(v) + 2;
        if (!((*env)[*n] = malloc(len)))
            return nomem(jr);
        snprintf((*env)[(*n)++], len, "%s=%s", name, json_string_value(v));
    }
    return 0;
}

/* A duration > 0 (default kept when absent). */
static int positive(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                    zf_time_t *out)
{
    char p[ZF_JPATH_MAX];
    const json_t *v = json_object_get(o, key);
    if (!v || json_is_null(v))
        return 0;
    int rc = zf_jr_duration(jr, o, path, key, false, out);
    if (rc == 0 && *out <= 0)
        return zf_jr_fail(jr, zf_jr_key(p, path, key), "expected a duration > 0");
    return rc;
}

/* ---------- faults[].actions ---------- */

static int parse_actions(zf_jr_t *jr, const json_t *a, const char *path,
                         const zf_fault_spec_t *f, zf_fault_actions_t *out)
{
    bool shell = false;
    int at_end = f->duration > 0 ? 0 : 1;
    int rc;
    out->timeout = 30 * ZF_S;
    if ((rc = zf_jr_object(jr, a, path, action_keys)) ||
        (rc = zf_jr_bool(jr, a, path, "shell", false, &shell)) ||
        (rc = parse_command(jr, a, path, "inject", shell, true, &out->inject)) ||
        (rc = parse_command(jr, a, path, "heal", shell, false, &out->heal)) ||
        (rc = parse_env(jr, a, path, &out->env, &out->nenv)) ||
        (rc = positive(jr, a, path, "timeout", &out->timeout)) ||
        (rc = zf_jr_enum(jr, a, path, "at_end", false, at_end_names, &at_end)))
        return rc;
    out->present = true;
    out->heal_at_fault_end = at_end == 0;
    if (out->heal_at_fault_end && f->duration <= 0) {
        char p[ZF_JPATH_MAX];
        return zf_jr_fail(jr, zf_jr_key(p, path, "at_end"), "\"heal\" needs a fault with a "
                          "duration (this one has none); use \"none\": the heal command then "
                          "runs when the replay stops");
    }
    return 0;
}

static int parse_fault_actions(zf_jr_t *jr, const json_t *root, zf_scenario_t *s)
{
    const json_t *faults = json_object_get(root, "faults");
    zf_replay_spec_t *r = s->replay;
    r->nfaults = s->deploy.nfaults;
    if (!(r->actions = calloc(r->nfaults ? r->nfaults : 1, sizeof *r->actions)))
        return nomem(jr);
    for (size_t i = 0; i < r->nfaults; i++) {
        const json_t *a = json_object_get(json_array_get(faults, i), "actions");
        char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
        if (!a)
            continue;
        int rc = parse_actions(jr, a, zf_jr_key(q, zf_jr_idx(p, "$.faults", i), "actions"),
                               &s->deploy.faults[i], &r->actions[i]);
        if (rc)
            return rc;
    }
    return 0;
}

/* ---------- stop_conditions ---------- */

static int parse_stop(zf_jr_t *jr, const json_t *o, const char *path, zf_stop_spec_t *st)
{
    bool shell = false;
    bool has_rate = json_object_get(o, "error_rate_above") != NULL;
    bool has_cmd = json_object_get(o, "command") != NULL;
    char p[ZF_JPATH_MAX];
    int rc;
    if ((rc = zf_jr_object(jr, o, path, stop_keys)))
        return rc;
    if (has_rate == has_cmd)
        return zf_jr_fail(jr, path, "expected either \"error_rate_above\" (with \"for\") or "
                          "\"command\" (with \"every\")");
    if (has_rate) {
        st->type = ZF_STOP_ERROR_RATE;
        st->for_ns = 10 * ZF_S;
        for (const char *const *k = (const char *const[]){"every", "timeout", "shell", "env",
                                                           NULL}; *k; k++)
            if (json_object_get(o, *k))
                return zf_jr_fail(jr, zf_jr_key(p, path, *k), "belongs to a \"command\" "
                                  "condition, not to \"error_rate_above\"");
        if ((rc = zf_jr_number(jr, o, path, "error_rate_above", true, 0, 0.999999,
                               &st->error_rate)) ||
            (rc = positive(jr, o, path, "for", &st->for_ns)))
            return rc;
        if (st->for_ns % ZF_S)
            return zf_jr_fail(jr, zf_jr_key(p, path, "for"), "expected whole seconds (the "
                              "error rate is judged per second)");
        return 0;
    }
    st->type = ZF_STOP_COMMAND;
    st->every = 10 * ZF_S;
    st->timeout = 0;
    if (json_object_get(o, "for"))
        return zf_jr_fail(jr, zf_jr_key(p, path, "for"), "belongs to \"error_rate_above\"; a "
                          "command condition runs \"every\"");
    if ((rc = zf_jr_bool(jr, o, path, "shell", false, &shell)) ||
        (rc = parse_command(jr, o, path, "command", shell, true, &st->cmd)) ||
        (rc = parse_env(jr, o, path, &st->env, &st->nenv)) ||
        (rc = positive(jr, o, path, "every", &st->every)) ||
        (rc = positive(jr, o, path, "timeout", &st->timeout)))
        return rc;
    if (st->timeout == 0)
        st->timeout = st->every < 10 * ZF_S ? st->every : 10 * ZF_S;
    return 0;
}

static int parse_stops(zf_jr_t *jr, const json_t *root, zf_replay_spec_t *r)
{
    const json_t *arr = json_object_get(root, "stop_conditions");
    size_t n;
    int rc;
    if (!arr)
        return 0;
    if ((rc = zf_jr_array(jr, arr, "$.stop_conditions", 0, &n)))
        return rc;
    if (!(r->stops = calloc(n ? n : 1, sizeof *r->stops)))
        return nomem(jr);
    for (size_t i = 0; i < n; i++) {
        char p[ZF_JPATH_MAX];
        r->nstops = i + 1;
        if ((rc = parse_stop(jr, json_array_get(arr, i), zf_jr_idx(p, "$.stop_conditions", i),
                             &r->stops[i])))
            return rc;
    }
    return 0;
}

/* ---------- verify ---------- */

/* "key": an array of HTTP statuses (100..599) into out; absent keeps the default. */
static int parse_statuses(zf_jr_t *jr, const json_t *o, const char *path, const char *key,
                          int *out, size_t *n)
{
    const json_t *arr = json_object_get(o, key);
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX], d[96];
    size_t len;
    int rc;
    if (!arr)
        return 0;
    if ((rc = zf_jr_array(jr, arr, zf_jr_key(p, path, key), 1, &len)))
        return rc;
    if (len > ZF_VERIFY_STATUS_MAX)
        return zf_jr_fail(jr, p, "expected at most %d statuses", ZF_VERIFY_STATUS_MAX);
    for (size_t i = 0; i < len; i++) {
        const json_t *v = json_array_get(arr, i);
        if (!json_is_integer(v) || json_integer_value(v) < 100 || json_integer_value(v) > 599) {
            zf_jr_describe(v, d, sizeof d);
            return zf_jr_fail(jr, zf_jr_idx(q, p, i), "expected an HTTP status 100 to 599, "
                              "got %s", d);
        }
        out[i] = (int)json_integer_value(v);
    }
    *n = len;
    return 0;
}

static int parse_read_headers(zf_jr_t *jr, const json_t *h, const char *path,
                              zf_verify_spec_t *v)
{
    static const char tchar[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                "0123456789!#$%&'*+-.^_`|~";
    const char *name;
    json_t *val;
    char p[ZF_JPATH_MAX], d[96];
    if (!json_is_object(h)) {
        zf_jr_describe(h, d, sizeof d);
        return zf_jr_fail(jr, path, "expected an object of header names to values, got %s", d);
    }
    if (!(v->headers = calloc(json_object_size(h) + 1, sizeof *v->headers)))
        return nomem(jr);
    json_object_foreach((json_t *)h, name, val) {
        zf_jr_key(p, path, name);
        if (*name == 0 || name[strspn(name, tchar)] != 0)
            return zf_jr_fail(jr, p, "expected an HTTP header name");
        if (!json_is_string(val) || strpbrk(json_string_value(val), "\r\n") ||
            strlen(json_string_value(val)) != json_string_length(val))
            return zf_jr_fail(jr, p, "expected a header value: a string without line breaks");
        size_t len = strlen(name) + json_string_length(val) + 3;
        if (!(v->headers[v->nheaders] = malloc(len)))
            return nomem(jr);
        snprintf(v->headers[v->nheaders++], len, "%s: %s", name, json_string_value(val));
    }
    return 0;
}

static int parse_read(zf_jr_t *jr, const json_t *o, const char *path, zf_verify_spec_t *v)
{
    const char *rpath = NULL;
    char p[ZF_JPATH_MAX], q[ZF_JPATH_MAX];
    int method = 0, rc;
    zf_jr_key(p, path, "read");
    if ((rc = zf_jr_object(jr, o, p, read_keys)) ||
        (rc = zf_jr_enum(jr, o, p, "method", false, read_methods, &method)) ||
        (rc = zf_jr_string(jr, o, p, "path", true, &rpath)))
        return rc;
    snprintf(v->method, sizeof v->method, "%s", read_methods[method]);
    zf_jr_key(q, p, "path");
    if (rpath[0] != '/' || strlen(rpath) >= sizeof v->path || strpbrk(rpath, " \r\n"))
        return zf_jr_fail(jr, q, "expected a path starting with '/', without spaces, of at "
                          "most %zu characters", sizeof v->path - 1);
    if (!strstr(rpath, "{write_id}"))
        return zf_jr_fail(jr, q, "expected the placeholder {write_id} in the path");
    for (const char *c = strchr(rpath, '{'); c; c = strchr(c + 1, '{'))
        if (strncmp(c, "{write_id}", 10) != 0)
            return zf_jr_fail(jr, q, "only {write_id} can be replaced in a read path");
    snprintf(v->path, sizeof v->path, "%s", rpath);
    const json_t *h = json_object_get(o, "headers");
    return h ? parse_read_headers(jr, h, zf_jr_key(q, p, "headers"), v) : 0;
}

static int find_lb(const zf_scenario_t *s, const char *name)
{
    for (size_t i = 0; i < s->deploy.nlbs; i++)
        if (strcmp(s->deploy.lbs[i].name, name) == 0)
            return (int)i;
    return -1;
}

static int check_statuses(zf_jr_t *jr, const char *path, const zf_verify_spec_t *v)
{
    char p[ZF_JPATH_MAX];
    for (size_t i = 0; i < v->nfound; i++)
        for (size_t j = 0; j < v->nmissing; j++)
            if (v->found[i] == v->missing[j])
                return zf_jr_fail(jr, zf_jr_key(p, path, "missing"), "status %d is also in "
                                  "\"found\"", v->found[i]);
    return 0;
}

/* The HTTP form: "target" (a load balancer; may be left out when there is one), "read". */
static int parse_verify_http(zf_jr_t *jr, const json_t *o, const char *path,
                             const zf_scenario_t *s, zf_verify_spec_t *v)
{
    const char *target = NULL;
    char p[ZF_JPATH_MAX];
    int64_t conc = 64;
    int rc;
    zf_jr_key(p, path, "target");
    v->timeout = 10 * ZF_S;
    v->found[0] = 200, v->nfound = 1;
    v->missing[0] = 404, v->nmissing = 1;
    snprintf(v->applied_field, sizeof v->applied_field, "applied");
    if ((rc = zf_jr_string(jr, o, path, "target", false, &target)))
        return rc;
    if (!target && s->deploy.nlbs != 1)
        return zf_jr_fail(jr, p, "missing required key (the scenario has %zu load balancers: "
                          "name the one that serves the reads)", s->deploy.nlbs);
    if (!target)
        target = s->deploy.lbs[0].name;
    if (find_lb(s, target) < 0)
        return zf_jr_fail(jr, p, "no load balancer named \"%s\" in $.load_balancers", target);
    snprintf(v->target, sizeof v->target, "%s", target);
    const char *field = NULL;
    if ((rc = parse_read(jr, json_object_get(o, "read"), path, v)) ||
        (rc = parse_statuses(jr, o, path, "found", v->found, &v->nfound)) ||
        (rc = parse_statuses(jr, o, path, "missing", v->missing, &v->nmissing)) ||
        (rc = check_statuses(jr, path, v)) ||
        (rc = zf_jr_string(jr, o, path, "applied_field", false, &field)) ||
        (rc = zf_jr_int(jr, o, path, "concurrency", false, 1, 10000, &conc)) ||
        (rc = positive(jr, o, path, "timeout", &v->timeout)))
        return rc;
    if (field && strlen(field) >= sizeof v->applied_field)
        return zf_jr_fail(jr, zf_jr_key(p, path, "applied_field"), "expected at most %zu "
                          "characters", sizeof v->applied_field - 1);
    if (field)
        snprintf(v->applied_field, sizeof v->applied_field, "%s", field);
    v->concurrency = (uint32_t)conc;
    return 0;
}

/* The command form: "command", "shell", "env", "timeout". */
static int parse_verify_command(zf_jr_t *jr, const json_t *o, const char *path,
                                zf_verify_spec_t *v)
{
    static const char *const http_only[] = {"target", "found", "missing", "applied_field",
                                            "concurrency", NULL};
    char p[ZF_JPATH_MAX];
    bool shell = false;
    int rc;
    for (size_t i = 0; http_only[i]; i++)
        if (json_object_get(o, http_only[i]))
            return zf_jr_fail(jr, zf_jr_key(p, path, http_only[i]), "belongs to \"read\"; "
                              "a verify \"command\" prints the counts itself");
    v->timeout = 5 * ZF_MIN;
    if ((rc = zf_jr_bool(jr, o, path, "shell", false, &shell)) ||
        (rc = parse_command(jr, o, path, "command", shell, true, &v->command)) ||
        (rc = parse_env(jr, o, path, &v->env, &v->nenv)) ||
        (rc = positive(jr, o, path, "timeout", &v->timeout)))
        return rc;
    return 0;
}

static int parse_verify(zf_jr_t *jr, const json_t *root, const zf_scenario_t *s,
                        zf_verify_spec_t *v)
{
    const json_t *o = json_object_get(root, "verify");
    int rc;
    if (!o)
        return 0;
    if ((rc = zf_jr_object(jr, o, "$.verify", verify_keys)))
        return rc;
    bool has_read = json_object_get(o, "read") != NULL;
    if (has_read == (json_object_get(o, "command") != NULL))
        return zf_jr_fail(jr, "$.verify", "expected either \"read\" (an HTTP read per write "
                          "id) or \"command\" (a program that prints the counts)");
    v->present = true;
    if (has_read) {
        char p[ZF_JPATH_MAX];
        for (const char *const *k = (const char *const[]){"shell", "env", NULL}; *k; k++)
            if (json_object_get(o, *k))
                return zf_jr_fail(jr, zf_jr_key(p, "$.verify", *k), "belongs to a verify "
                                  "\"command\", not to \"read\"");
        return parse_verify_http(jr, o, "$.verify", s, v);
    }
    return parse_verify_command(jr, o, "$.verify", v);
}

int zf_replay_spec_parse(zf_jr_t *jr, const json_t *root, zf_scenario_t *s)
{
    if (!(s->replay = calloc(1, sizeof *s->replay)))
        return nomem(jr);
    int rc = parse_fault_actions(jr, root, s);
    if (rc == 0)
        rc = parse_stops(jr, root, s->replay);
    if (rc == 0)
        rc = parse_verify(jr, root, s, &s->replay->verify);
    return rc;
}

void zf_replay_spec_free(zf_replay_spec_t *r)
{
    if (!r)
        return;
    for (size_t i = 0; r->actions && i < r->nfaults; i++) {
        command_free(&r->actions[i].inject);
        command_free(&r->actions[i].heal);
        strv_free(r->actions[i].env, r->actions[i].nenv);
    }
    free(r->actions);
    for (size_t i = 0; i < r->nstops; i++) {
        command_free(&r->stops[i].cmd);
        strv_free(r->stops[i].env, r->stops[i].nenv);
    }
    free(r->stops);
    strv_free(r->verify.headers, r->verify.nheaders);
    command_free(&r->verify.command);
    strv_free(r->verify.env, r->verify.nenv);
    free(r);
}

char *zf_command_text(const zf_command_spec_t *c, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    if (c->shell) {
        snprintf(buf, len, "sh -c '%s'", c->argv[2]);
        return buf;
    }
    for (size_t i = 0; i < c->argc && used + 1 < len; i++) {
        const char *a = c->argv[i];
        int quote = a[strcspn(a, " \t'\"\\$?*[]&;|<>(){}~#!`")] != 0;
        used += (size_t)snprintf(buf + used, len - used, quote ? "%s'%s'" : "%s%s",
                                 i ? " " : "", a);
    }
    return buf;
}
