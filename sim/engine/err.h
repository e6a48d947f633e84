/* err: error codes and the caller-provided error buffer shared by every library module.
 * Library functions return 0 or a negative ZF_E* code and describe the failure in a
 * zf_err_t (file, JSON path or line, what was expected); only the CLI prints. */
#ifndef ZF_ERR_H
#define ZF_ERR_H

#include <stddef.h>

enum {
    ZF_OK = 0,
    ZF_EINVAL = -1,  /* bad input: scenario, flag, value (CLI exit 2) */
    ZF_ENOMEM = -2,  /* allocation failed (CLI exit 3) */
    ZF_EIO = -3,     /* file or network I/O failed (CLI exit 3) */
    ZF_ERANGE = -4,  /* value out of the supported range (CLI exit 2) */
    ZF_ESTATE = -5,  /* call not valid in the current state (programmer or run error) */
    ZF_EABORT = -6,  /* run stopped by a stop condition or a signal (CLI exit 3) */
};

#define ZF_ERR_MSG_MAX 1024

typedef struct zf_err {
    char msg[ZF_ERR_MSG_MAX];
} zf_err_t;

/* Formats a message into err (if err is not NULL) and returns code, so callers can write
 * `return zf_err_set(err, ZF_EINVAL, "...")`. */
int zf_err_set(zf_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Prepends "prefix: " to an existing message (adds context on the way up). */
int zf_err_prefix(zf_err_t *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Short name of a code ("invalid input", ...). */
const char *zf_err_name(int code);

#endif
