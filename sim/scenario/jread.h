/* jread: typed access to a jansson document with errors that name the file, the JSON
 * path ($.stations[0].service.mean) and what was expected. Used by the scenario loader
 * and by every reader of results files. Owns nothing. */
#ifndef ZF_JREAD_H
#define ZF_JREAD_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/dist.h"
#include "engine/err.h"

#define ZF_JPATH_MAX 256

typedef struct zf_jr {
    const char *file; /* shown first in every message */
    zf_err_t *err;
} zf_jr_t;

/* Loads a JSON file. Syntax errors give "FILE:LINE:COL: ..." from jansson; a missing
 * file gives "FILE: cannot open: ...". The caller json_decref()s the result. */
int zf_jr_load_file(const char *file, json_t **out, zf_err_t *err);

/* Reports an error at `path`: "FILE: PATH: message". Returns ZF_EINVAL. */
int zf_jr_fail(zf_jr_t *jr, const char *path, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Child path helpers: "PATH.key" and "PATH[i]" into buf (ZF_JPATH_MAX). */
const char *zf_jr_key(char *buf, const char *path, const char *key);
const char *zf_jr_idx(char *buf, const char *path, size_t i);

/* Short description of a value for messages: "a string \"abc\"", "the number 3", ... */
void zf_jr_describe(const json_t *v, char *buf, size_t len);

/* Requires an object whose keys are all in `allowed` (NULL-terminated). */
int zf_jr_object(zf_jr_t *jr, const json_t *v, const char *path, const char *const *allowed);
/* Requires an array; *n = its length. min_len: fewest elements accepted. */
int zf_jr_array(zf_jr_t *jr, const json_t *v, const char *path, size_t min_len, size_t *n);

/* Typed members of object `obj` at `path`. When the key is absent: required -> error
 * "missing required key"; optional -> *out keeps its default and the call returns 0. */
int zf_jr_string(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
                 bool required, const char **out);
int zf_jr_number(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
                 bool required, double min, double max, double *out);
int zf_jr_int(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
              bool required, int64_t min, int64_t max, int64_t *out);
int zf_jr_bool(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
               bool required, bool *out);
/* A duration: a string with a unit ("250ms", "1h30m") or a number of seconds. */
int zf_jr_duration(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
                   bool required, zf_time_t *out);
/* A time of day "HH:MM[:SS]" as ns since midnight. */
int zf_jr_tod(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
              bool required, zf_time_t *out);
/* One of `choices` (NULL-terminated); *out = its index. */
int zf_jr_enum(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
               bool required, const char *const *choices, int *out);

/* A distribution object {"dist": NAME, ...parameters}. time != 0: parameters are
 * durations and the result is in ns; otherwise plain numbers. Shorthand: a bare
 * duration (or number) means deterministic. The caller zf_dist_free()s *out. */
int zf_jr_dist(zf_jr_t *jr, const json_t *obj, const char *path, const char *key,
               bool required, int time, zf_dist_t *out);

#endif
