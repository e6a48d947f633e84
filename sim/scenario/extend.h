/* extend: scenario inheritance. A scenario with "extends": "base.json" is the base file
 * (resolved relative to the extending file, itself possibly extending another) with the
 * extending document applied as a JSON merge patch (RFC 7386): objects merge key by key,
 * null deletes a key, anything else (arrays included) replaces. */
#ifndef ZF_EXTEND_H
#define ZF_EXTEND_H

#include <jansson.h>

#include "engine/err.h"

/* Replaces *root by the merged document when it extends another file. *root stays owned
 * by the caller. 0, or ZF_EINVAL naming the file and "$.extends". */
int zf_scenario_resolve_extends(const char *file, json_t **root, zf_err_t *err);

/* Applies `patch` to `target` in place as a JSON merge patch. 0 or ZF_ENOMEM. */
int zf_json_merge_patch(json_t *target, const json_t *patch);

#endif
