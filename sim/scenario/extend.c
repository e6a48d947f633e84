/* extend: "extends" resolution by JSON merge patch (RFC 7386). */
#include "scenario/extend.h"
#include "scenario/jread.h"

#include <stdio.h>
#include <string.h>

#define MAX_DEPTH 8

int zf_json_merge_patch(json_t *target, const json_t *patch)
{
    const char *key;
    json_t *pv;
    json_object_foreach((json_t *)patch, key, pv) {
        json_t *tv = json_object_get(target, key);
        if (json_is_null(pv)) {
            json_object_del(target, key);
        } else if (json_is_object(pv) && json_is_object(tv)) {
            if (zf_json_merge_patch(tv, pv))
                return ZF_ENOMEM;
        } else {
            json_t *copy = json_deep_copy(pv);
            if (!copy || json_object_set_new(target, key, copy))
                return ZF_ENOMEM;
        }
    }
    return 0;
}

/* The base's path: relative to the directory of `file` unless absolute. */
static void base_path(const char *file, const char *base, char *out, size_t len)
{
    const char *slash = strrchr(file, '/');
    if (base[0] == '/' || !slash)
        snprintf(out, len, "%s", base);
    else
        snprintf(out, len, "%.*s/%s", (int)(slash - file), file, base);
}

static int resolve(const char *file, json_t **root, int depth, zf_err_t *err)
{
    const json_t *ext = json_is_object(*root) ? json_object_get(*root, "extends") : NULL;
    if (!ext)
        return 0;
    if (!json_is_string(ext))
        return zf_err_set(err, ZF_EINVAL, "%s: $.extends: expected the file name of a base "
                          "scenario", file);
    if (depth >= MAX_DEPTH)
        return zf_err_set(err, ZF_EINVAL, "%s: $.extends: more than %d levels of extends "
                          "(a cycle?)", file, MAX_DEPTH);
    char path[1024];
    base_path(file, json_string_value(ext), path, sizeof path);
    json_t *base;
    int rc = zf_jr_load_file(path, &base, err);
    if (rc)
        return zf_err_prefix(err, rc, "%s: $.extends", file);
    if ((rc = resolve(path, &base, depth + 1, err)) == 0) {
        json_object_del(*root, "extends");
        rc = zf_json_merge_patch(base, *root);
    }
    if (rc) {
        json_decref(base);
        return rc == ZF_ENOMEM ? zf_err_set(err, rc, "out of memory") : rc;
    }
    json_decref(*root);
    *root = base;
    return 0;
}

int zf_scenario_resolve_extends(const char *file, json_t **root, zf_err_t *err)
{
    return resolve(file, root, 0, err);
}
