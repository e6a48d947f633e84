/* url: parses a target URL given to the load engine ("http[s]://host[:port][/prefix]")
 * into scheme, host, port, Host header value and path prefix. Nothing else is accepted
 * (no user info, query or fragment): the engine contacts exactly the host named here. */
#ifndef ZF_URL_H
#define ZF_URL_H

#include <stdint.h>

#include "engine/err.h"

#define ZF_URL_HOST_MAX 256
#define ZF_URL_PREFIX_MAX 512

typedef struct zf_url {
    int tls;                            /* 1 for https */
    uint16_t port;                      /* explicit or the scheme's default (80, 443) */
    char host[ZF_URL_HOST_MAX];         /* name or address, IPv6 without brackets */
    char authority[ZF_URL_HOST_MAX + 8]; /* Host header: host (bracketed if IPv6)[:port] */
    char prefix[ZF_URL_PREFIX_MAX];     /* path prefix without a trailing '/', "" for none */
} zf_url_t;

/* Parses text into out. Returns 0, or ZF_EINVAL with a message naming the URL and what
 * was expected (scheme, host, port 1..65535, no query/fragment/user info). */
int zf_url_parse(const char *text, zf_url_t *out, zf_err_t *err);

/* Length of the request target for `path` under the URL's prefix: prefix + path, where a
 * NULL or empty path means the prefix itself (or "/" when there is none). */
size_t zf_url_target_len(const zf_url_t *u, const char *path);

/* Writes that request target (zf_url_target_len bytes, not NUL-terminated) to out;
 * returns the bytes written. */
size_t zf_url_target_write(const zf_url_t *u, const char *path, char *out);

#endif
