/* url: target URL parsing for the load engine. Hosts are taken as written (names are
 * resolved later by resolve.c); ports are checked; the prefix is normalised to have no
 * trailing slash so that prefix + "/v1/..." is always a well-formed path. */
#include "loadgen/url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Characters allowed in a host name or address literal (RFC 3986 reg-name subset). */
static int host_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_';
}

/* Characters allowed in the path prefix: unreserved, sub-delims, ':', '@', '/', '%'. */
static int path_char(char c)
{
    return (c > 0x20 && c < 0x7f) && c != '?' && c != '#' && c != '"' && c != '<' &&
           c != '>' && c != '\\' && c != '^' && c != '`' && c != '{' && c != '|' && c != '}';
}

/* Parses "host", "[v6]" and an optional ":port" from [p, end); fills out. */
static int parse_authority(const char *text, const char *p, const char *end, zf_url_t *out,
                           zf_err_t *err)
{
    const char *h = p, *he;
    int bracketed = 0;
    if (p < end && *p == '[') {
        bracketed = 1;
        h = ++p;
        while (p < end && *p != ']')
            p++;
        if (p == end)
            return zf_err_set(err, ZF_EINVAL, "URL '%s': unterminated '[' in host", text);
        he = p++;
        for (const char *q = h; q < he; q++)
            if (!(host_char(*q) || *q == ':'))
                return zf_err_set(err, ZF_EINVAL, "URL '%s': bad IPv6 address", text);
    } else {
        while (p < end && *p != ':')
            if (!host_char(*p++))
                return zf_err_set(err, ZF_EINVAL,
                                  "URL '%s': bad character in host (user info, query and "
                                  "fragment are not accepted)", text);
        he = p;
    }
    size_t hlen = (size_t)(he - h);
    if (hlen == 0 || hlen >= sizeof out->host)
        return zf_err_set(err, ZF_EINVAL, "URL '%s': expected a host of 1 to %d characters",
                          text, (int)sizeof out->host - 1);
    memcpy(out->host, h, hlen);
    out->host[hlen] = 0;
    int explicit_port = 0;
    if (p < end) {
        if (*p != ':' || p + 1 == end || end - p > 6)
            return zf_err_set(err, ZF_EINVAL, "URL '%s': expected ':PORT' after the host", text);
        long port = 0;
        for (p++; p < end; p++) {
            if (*p < '0' || *p > '9')
                return zf_err_set(err, ZF_EINVAL, "URL '%s': port must be a number", text);
            port = port * 10 + (*p - '0');
        }
        if (port < 1 || port > 65535)
            return zf_err_set(err, ZF_EINVAL, "URL '%s': port must be in 1..65535", text);
        out->port = (uint16_t)port;
        explicit_port = out->port != (out->tls ? 443 : 80);
    }
    if (explicit_port)
        snprintf(out->authority, sizeof out->authority, bracketed ? "[%s]:%u" : "%s:%u",
                 out->host, (unsigned)out->port);
    else
        snprintf(out->authority, sizeof out->authority, bracketed ? "[%s]" : "%s", out->host);
    return 0;
}

int zf_url_parse(const char *text, zf_url_t *out, zf_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (!text)
        return zf_err_set(err, ZF_EINVAL, "URL: missing");
    const char *p;
    if (strncmp(text, "http://", 7) == 0) {
        p = text + 7;
        out->port = 80;
    } else if (strncmp(text, "https://", 8) == 0) {
        p = text + 8;
        out->tls = 1;
        out->port = 443;
    } else {
        return zf_err_set(err, ZF_EINVAL, "URL '%s': expected http:// or https://", text);
    }
    const char *slash = strchr(p, '/');
    const char *aend = slash ? slash : p + strlen(p);
    int rc = parse_authority(text, p, aend, out, err);
    if (rc < 0)
        return rc;
    if (!slash)
        return 0;
    size_t plen = strlen(slash);
    while (plen > 0 && slash[plen - 1] == '/')
        plen--;
    if (plen >= sizeof out->prefix)
        return zf_err_set(err, ZF_EINVAL, "URL '%s': path longer than %d characters", text,
                          (int)sizeof out->prefix - 1);
    for (size_t i = 0; i < plen; i++)
        if (!path_char(slash[i]))
            return zf_err_set(err, ZF_EINVAL,
                              "URL '%s': bad character in path (query and fragment are not "
                              "accepted)", text);
    memcpy(out->prefix, slash, plen);
    out->prefix[plen] = 0;
    return 0;
}

size_t zf_url_target_len(const zf_url_t *u, const char *path)
{
    size_t pre = strlen(u->prefix);
    size_t n = path ? strlen(path) : 0;
    if (n == 0)
        return pre ? pre : 1;
    return pre + n + (path[0] != '/');
}

size_t zf_url_target_write(const zf_url_t *u, const char *path, char *out)
{
    size_t pre = strlen(u->prefix);
    size_t n = path ? strlen(path) : 0;
    if (n == 0) {
        if (!pre) {
            out[0] = '/';
            return 1;
        }
        memcpy(out, u->prefix, pre);
        return pre;
    }
    memcpy(out, u->prefix, pre);
    size_t k = pre;
    if (path[0] != '/')
        out[k++] = '/';
    memcpy(out + k, path, n);
    return k + n;
}
