/* http: request serialisation without printf (it runs once per request on the hot path)
 * and response parsing on libhttp-parser callbacks that only count: no header or body
 * byte is stored, so a response of any size costs the same few bytes of state. */
#include "loadgen/http.h"

#include <string.h>

/* ---- requests ---- */

static int token_char(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Checks raw header lines: "Name: value\r\n", name a token, value without CR/LF/NUL. */
static int check_headers(const char *h, size_t n, zf_err_t *err)
{
    size_t i = 0;
    while (i < n) {
        size_t name = i;
        while (i < n && token_char((unsigned char)h[i]))
            i++;
        if (i == name || i >= n || h[i] != ':')
            return zf_err_set(err, ZF_EINVAL, "request header %zu: expected 'Name:'", name);
        for (i++; i < n && h[i] != '\r'; i++)
            if (h[i] == '\n' || h[i] == 0)
                return zf_err_set(err, ZF_EINVAL, "request header at %zu: bare LF or NUL",
                                  name);
        if (i + 1 >= n || h[i + 1] != '\n')
            return zf_err_set(err, ZF_EINVAL, "request header at %zu: must end with CRLF",
                              name);
        i += 2;
    }
    return 0;
}

int zf_http_request_check(const zf_http_req_t *r, zf_err_t *err)
{
    if (r->method) {
        if (!r->method[0])
            return zf_err_set(err, ZF_EINVAL, "request method: empty");
        for (const char *p = r->method; *p; p++)
            if (!token_char((unsigned char)*p))
                return zf_err_set(err, ZF_EINVAL, "request method '%s': not a token",
                                  r->method);
    }
    if (r->path)
        for (const char *p = r->path; *p; p++)
            if ((unsigned char)*p <= 0x20 || *p == 0x7f)
                return zf_err_set(err, ZF_EINVAL,
                                  "request path: space or control character at %td",
                                  p - r->path);
    if (r->headers_len && !r->headers)
        return zf_err_set(err, ZF_EINVAL, "request headers: NULL with a length");
    if (r->body_len && !r->body)
        return zf_err_set(err, ZF_EINVAL, "request body: NULL with a length");
    return r->headers ? check_headers(r->headers, r->headers_len, err) : 0;
}

int zf_http_method_is_head(const char *method)
{
    return method && strcmp(method, "HEAD") == 0;
}

static int wants_length(const zf_http_req_t *r)
{
    if (r->body_len)
        return 1;
    const char *m = r->method;
    return m && (!strcmp(m, "POST") || !strcmp(m, "PUT") || !strcmp(m, "PATCH"));
}

static size_t digits(size_t v)
{
    size_t n = 1;
    while (v >= 10) {
        v /= 10;
        n++;
    }
    return n;
}

#define LIT(s) s, sizeof(s) - 1

size_t zf_http_request_size(const zf_url_t *u, const zf_http_req_t *r)
{
    size_t n = strlen(r->method ? r->method : "GET") + 1 + zf_url_target_len(u, r->path);
    n += sizeof(" HTTP/1.1\r\nHost: ") - 1 + strlen(u->authority) + 2;
    n += r->headers_len;
    if (wants_length(r))
        n += sizeof("Content-Length: \r\n") - 1 + digits(r->body_len);
    if (r->close)
        n += sizeof("Connection: close\r\n") - 1;
    return n + 2 + r->body_len;
}

static char *put(char *o, const char *s, size_t n)
{
    memcpy(o, s, n);
    return o + n;
}

size_t zf_http_request_write(const zf_url_t *u, const zf_http_req_t *r, char *out)
{
    char *o = out;
    const char *m = r->method ? r->method : "GET";
    o = put(o, m, strlen(m));
    *o++ = ' ';
    o += zf_url_target_write(u, r->path, o);
    o = put(o, LIT(" HTTP/1.1\r\nHost: "));
    o = put(o, u->authority, strlen(u->authority));
    o = put(o, LIT("\r\n"));
    if (r->headers_len)
        o = put(o, r->headers, r->headers_len);
    if (wants_length(r)) {
        o = put(o, LIT("Content-Length: "));
        size_t d = digits(r->body_len), v = r->body_len;
        for (size_t i = d; i-- > 0; v /= 10)
            o[i] = (char)('0' + v % 10);
        o += d;
        o = put(o, LIT("\r\n"));
    }
    if (r->close)
        o = put(o, LIT("Connection: close\r\n"));
    o = put(o, LIT("\r\n"));
    if (r->body_len)
        o = put(o, r->body, r->body_len);
    return (size_t)(o - out);
}

/* ---- responses ---- */

static int on_headers_complete(http_parser *p)
{
    zf_http_resp_t *r = p->data;
    unsigned s = p->status_code;
    if (s == 101 || s < 100 || s > 599)
        return -1; /* an upgrade never asked for, or no status class at all: malformed */
    r->interim = s >= 100 && s < 200;
    if (!r->interim)
        r->status = (int)s;
    /* 1: no body, whatever Content-Length says: HEAD, 1xx, 204, 304 (RFC 9112 6.3) */
    return r->head || r->interim || s == 204 || s == 304 ? 1 : 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    zf_http_resp_t *r = p->data;
    r->body_bytes += len;
    zf_http_keep_t *k = r->keep;
    if (k && k->len < k->cap) {
        size_t n = k->cap - k->len;
        n = n < len ? n : len;
        memcpy(k->buf + k->len, at, n);
        k->len += (uint32_t)n;
    }
    return 0;
}

static int on_message_complete(http_parser *p)
{
    zf_http_resp_t *r = p->data;
    if (r->interim) {
        r->interim = 0; /* 100 Continue and friends: the final response follows */
        return 0;
    }
    r->done = 1;
    r->keep_alive = (uint8_t)http_should_keep_alive(p);
    http_parser_pause(p, 1); /* return from execute: later bytes are not ours */
    return 0;
}

static const http_parser_settings settings = {
    .on_headers_complete = on_headers_complete,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

void zf_http_resp_start(zf_http_resp_t *r, int head)
{
    memset(r, 0, sizeof *r);
    http_parser_init(&r->parser, HTTP_RESPONSE);
    r->parser.data = r;
    r->head = (uint8_t)(head != 0);
}

void zf_http_resp_keep(zf_http_resp_t *r, zf_http_keep_t *k)
{
    r->keep = k;
    k->len = 0;
}

int zf_http_resp_feed(zf_http_resp_t *r, const char *data, size_t n, size_t *used)
{
    *used = 0;
    if (r->done || HTTP_PARSER_ERRNO(&r->parser) != HPE_OK)
        return r->done ? ZF_HTTP_DONE : ZF_HTTP_ERROR;
    if (n == 0)
        return ZF_HTTP_MORE;
    size_t k = http_parser_execute(&r->parser, &settings, data, n);
    r->wire_bytes += k;
    *used = k;
    if (r->done)
        return ZF_HTTP_DONE;
    if (HTTP_PARSER_ERRNO(&r->parser) != HPE_OK || r->parser.upgrade || k != n)
        return ZF_HTTP_ERROR;
    return ZF_HTTP_MORE;
}

int zf_http_resp_eof(zf_http_resp_t *r)
{
    if (r->done)
        return ZF_HTTP_DONE;
    if (HTTP_PARSER_ERRNO(&r->parser) != HPE_OK)
        return ZF_HTTP_ERROR;
    if (r->wire_bytes == 0)
        return ZF_HTTP_TRUNCATED;
    http_parser_execute(&r->parser, &settings, NULL, 0);
    return r->done ? ZF_HTTP_DONE : ZF_HTTP_TRUNCATED;
}
