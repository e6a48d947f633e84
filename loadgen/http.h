/* http: HTTP/1.1 wire glue of the load engine. Writes a request into a caller's buffer
 * and parses a response stream with libhttp-parser, counting and discarding the body,
 * so memory never depends on what a server sends (10 MB bodies, endless chunks). */
#ifndef ZF_HTTP_H
#define ZF_HTTP_H

#include <http_parser.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/err.h"
#include "loadgen/url.h"

/* A request as the caller describes it. Strings are read, never kept. */
typedef struct zf_http_req {
    const char *method;     /* token such as "GET", "POST"; NULL means "GET" */
    const char *path;       /* appended to the URL's prefix, may carry a query; NULL: "/" */
    const char *headers;    /* raw lines "Name: value\r\n"..., may be NULL */
    size_t headers_len;
    const void *body;       /* may be NULL when body_len is 0 */
    size_t body_len;
    int close;              /* ask for a fresh connection: sends "Connection: close" */
} zf_http_req_t;

/* Checks what the wire would carry: method a token, path printable without spaces,
 * headers complete "Name: value\r\n" lines with no bare CR or LF. 0 or ZF_EINVAL. */
int zf_http_request_check(const zf_http_req_t *r, zf_err_t *err);

/* Exact byte size of the request for URL u (request line, Host, caller headers,
 * Content-Length when there is a body or the method is POST/PUT/PATCH, Connection). */
size_t zf_http_request_size(const zf_url_t *u, const zf_http_req_t *r);

/* Writes those bytes to out (room for zf_http_request_size bytes); returns the count. */
size_t zf_http_request_write(const zf_url_t *u, const zf_http_req_t *r, char *out);

/* 1 when the method is HEAD (the response then has no body whatever it announces). */
int zf_http_method_is_head(const char *method);

enum {
    ZF_HTTP_MORE = 0,       /* response incomplete: feed more bytes */
    ZF_HTTP_DONE = 1,       /* a final response is complete */
    ZF_HTTP_ERROR = -1,     /* not HTTP/1.x, or a protocol violation (cause: malformed) */
    ZF_HTTP_TRUNCATED = -2, /* the stream ended before the response did (cause: reset) */
};

/* Where the start of a body is kept when the caller asks (zf_http_resp_keep). */
typedef struct zf_http_keep {
    char *buf;
    uint32_t cap, len;
} zf_http_keep_t;

/* Response parser state; embedded in each connection (64 bytes). */
typedef struct zf_http_resp {
    http_parser parser;
    uint64_t body_bytes;    /* decoded body bytes counted (and discarded, but for the
                               first keep->cap kept when the caller asked) */
    zf_http_keep_t *keep;   /* the caller's, or NULL */
    uint64_t wire_bytes;    /* bytes fed for this response */
    int status;             /* final status code, 0 until the headers are complete */
    uint8_t head;           /* the request was HEAD */
    uint8_t done;           /* a final response completed */
    uint8_t keep_alive;     /* valid when done: the connection may carry another request */
    uint8_t interim;        /* the message being parsed is a 1xx interim response */
} zf_http_resp_t;

/* Prepares r for the response to one request (head: the request was HEAD). */
void zf_http_resp_start(zf_http_resp_t *r, int head);

/* Keeps the first k->cap bytes of the decoded body in k->buf, counting them in k->len
 * (set to 0 here); k is the caller's and outlives the response. Call after
 * zf_http_resp_start. */
void zf_http_resp_keep(zf_http_resp_t *r, zf_http_keep_t *k);

/* Feeds n bytes of the stream. Returns ZF_HTTP_MORE, ZF_HTTP_DONE (then *used is the number
 * of bytes that belonged to the response; the rest is not part of it) or ZF_HTTP_ERROR.
 * 1xx interim responses are skipped; 101 (an upgrade nobody asked for) is an error. */
int zf_http_resp_feed(zf_http_resp_t *r, const char *data, size_t n, size_t *used);

/* The peer closed the stream. Returns ZF_HTTP_DONE when that ended a response delimited
 * by the close, ZF_HTTP_TRUNCATED when a response was missing or cut short, or
 * ZF_HTTP_ERROR when the bytes so far were not HTTP. */
int zf_http_resp_eof(zf_http_resp_t *r);

#endif
