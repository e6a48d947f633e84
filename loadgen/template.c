/* template: placeholder expansion of request templates into reusable buffers. */
#include "loadgen/template.h"
#include "engine/err.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zf_template_buf_free(zf_template_buf_t *b)
{
    free(b->path);
    free(b->headers);
    free(b->body);
    memset(b, 0, sizeof *b);
}

/* Makes room for `need` more bytes (plus a NUL) after *len in *buf. */
static int reserve(char **buf, size_t *cap, size_t len, size_t need)
{
    if (len + need + 1 <= *cap)
        return 0;
    size_t c = *cap ? *cap : 256;
    while (c < len + need + 1)
        c *= 2;
    char *nb = realloc(*buf, c);
    if (!nb)
        return ZF_ENOMEM;
    *buf = nb;
    *cap = c;
    return 0;
}

/* The value of placeholder name[0..n) for r, into v (32 bytes); NULL when unknown. */
static const char *value(const char *name, size_t n, const char *kind_name,
                         const zf_request_t *r, char *v)
{
#define IS(s) (n == sizeof(s) - 1 && memcmp(name, s, n) == 0)
    if (IS("device") || IS("entity"))
        snprintf(v, 32, "%" PRIu32, r->entity);
    else if (IS("seq"))
        snprintf(v, 32, "%" PRIu32, r->seq);
    else if (IS("write_id"))
        snprintf(v, 32, "%" PRIu64, r->write_id);
    else if (IS("time_ms"))
        snprintf(v, 32, "%" PRId64, r->t / ZF_MS);
    else if (IS("kind"))
        return kind_name;
    else
        return NULL;
    return v;
#undef IS
}

/* Appends s expanded to *buf at *len (braces that are not placeholders stay). */
static int expand(const char *s, const char *kind_name, const zf_request_t *r, char **buf,
                  size_t *cap, size_t *len)
{
    static const char ident[] = "abcdefghijklmnopqrstuvwxyz_";
    char v[32];
    while (*s) {
        const char *open = strchr(s, '{');
        size_t lit = open ? (size_t)(open - s) : strlen(s);
        const char *val = NULL;
        size_t n = 0;
        if (open) {
            n = strspn(open + 1, ident);
            if (open[1 + n] == '}')
                val = value(open + 1, n, kind_name, r, v);
            if (!val)
                lit++; /* a literal brace */
        }
        size_t vl = val ? strlen(val) : 0;
        if (reserve(buf, cap, *len, lit + vl) < 0)
            return ZF_ENOMEM;
        memcpy(*buf + *len, s, lit);
        *len += lit;
        s += lit;
        if (val) {
            memcpy(*buf + *len, val, vl);
            *len += vl;
            s += n + 2;
        }
        (*buf)[*len] = 0;
    }
    return 0;
}

int zf_template_expand(const zf_http_template_t *t, const char *kind_name,
                       const zf_request_t *r, zf_template_buf_t *b, zf_http_req_t *out)
{
    size_t pl = 0, hl = 0, bl = 0;
    int rc = expand(t->path, kind_name, r, &b->path, &b->path_cap, &pl);
    for (size_t i = 0; rc == 0 && i < t->nheaders; i++)
        if ((rc = expand(t->headers[i], kind_name, r, &b->headers, &b->headers_cap, &hl)) == 0 &&
            (rc = reserve(&b->headers, &b->headers_cap, hl, 2)) == 0) {
            memcpy(b->headers + hl, "\r\n", 3);
            hl += 2;
        }
    if (rc == 0 && t->body)
        rc = expand(t->body, kind_name, r, &b->body, &b->body_cap, &bl);
    if (rc < 0)
        return rc;
    *out = (zf_http_req_t){.method = t->method, .path = pl ? b->path : "/",
                           .headers = hl ? b->headers : NULL, .headers_len = hl,
                           .body = t->body ? b->body : NULL, .body_len = t->body ? bl : 0};
    return 0;
}
