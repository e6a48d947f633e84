/* err: formatting of library error messages into caller-owned buffers. */
#include "engine/err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int zf_err_set(zf_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
    }
    return code;
}

int zf_err_prefix(zf_err_t *err, int code, const char *fmt, ...)
{
    if (err) {
        char prefix[ZF_ERR_MSG_MAX];
        char old[ZF_ERR_MSG_MAX];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(prefix, sizeof prefix, fmt, ap);
        va_end(ap);
        memcpy(old, err->msg, sizeof old);
        /* prefix + ": " + old, truncated to the buffer */
        size_t n = strnlen(prefix, sizeof prefix);
        size_t room = sizeof err->msg - 1;
        if (n > room)
            n = room;
        memcpy(err->msg, prefix, n);
        for (const char *p = ": "; *p && n < room; p++)
            err->msg[n++] = *p;
        size_t m = strnlen(old, sizeof old);
        if (m > room - n)
            m = room - n;
        memcpy(err->msg + n, old, m);
        err->msg[n + m] = 0;
    }
    return code;
}

const char *zf_err_name(int code)
{
    switch (code) {
    case ZF_OK: return "ok";
    case ZF_EINVAL: return "invalid input";
    case ZF_ENOMEM: return "out of memory";
    case ZF_EIO: return "I/O error";
    case ZF_ERANGE: return "out of range";
    case ZF_ESTATE: return "invalid state";
    case ZF_EABORT: return "aborted";
    default: return "unknown error";
    }
}
