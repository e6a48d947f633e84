/* app_http: request reading (http_parser callbacks into a fixed zf_app_req_t), routing
 * of the device API, write parameters and response formatting. No I/O, no allocation
 * per request: the body buffer is allocated once per connection. */
#include "app_http.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { HDR_OTHER, HDR_WRITE_ID, HDR_SEQ };

/* Strict positive int64 from [s, s+len): digits only, 1..INT64_MAX. */
static bool parse_id(const char *s, size_t len, int64_t *out)
{
    if (len == 0 || len > 19)
        return false;
    int64_t v = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return false;
        int d = s[i] - '0';
        if (v > (INT64_MAX - d) / 10)
            return false;
        v = v * 10 + d;
    }
    if (v <= 0)
        return false;
    *out = v;
    return true;
}

/* Matches "/v1/devices/{id}/{tail}". */
static bool match_device(const char *p, size_t len, int64_t *device, const char **tail,
                         size_t *tail_len)
{
    static const char prefix[] = "/v1/devices/";
    size_t n = sizeof prefix - 1;
    if (len <= n || memcmp(p, prefix, n) != 0)
        return false;
    const char *id = p + n;
    const char *slash = memchr(id, '/', len - n);
    if (!slash || !parse_id(id, (size_t)(slash - id), device))
        return false;
    *tail = slash + 1;
    *tail_len = len - (size_t)(slash + 1 - p);
    return true;
}

static bool is(const char *p, size_t len, const char *lit)
{
    return len == strlen(lit) && memcmp(p, lit, len) == 0;
}

int zf_app_route(unsigned method, const char *target, size_t len, zf_app_route_t *out)
{
    const char *q = memchr(target, '?', len);
    if (q)
        len = (size_t)(q - target);
    memset(out, 0, sizeof *out);
    const char *tail;
    size_t tail_len;
    if (is(target, len, "/health")) {
        out->kind = ZF_APP_HEALTH;
        return method == HTTP_GET ? 0 : 405;
    }
    if (len > 11 && memcmp(target, "/v1/writes/", 11) == 0) {
        if (!parse_id(target + 11, len - 11, &out->write_id))
            return 404;
        out->kind = ZF_APP_WRITE_GET;
        return method == HTTP_GET ? 0 : 405;
    }
    if (!match_device(target, len, &out->device, &tail, &tail_len))
        return 404;
    if (is(tail, tail_len, "reports"))
        out->kind = ZF_APP_REPORT;
    else if (is(tail, tail_len, "gps"))
        out->kind = ZF_APP_GPS;
    else if (is(tail, tail_len, "config"))
        out->kind = ZF_APP_CONFIG;
    else
        return 404;
    if (out->kind == ZF_APP_CONFIG)
        return method == HTTP_GET ? 0 : 405;
    return method == HTTP_POST ? 0 : 405;
}

static int bad(char *msg, size_t size, const char *text)
{
    snprintf(msg, size, "%s", text);
    return 400;
}

/* A JSON body field as a positive (write_id) or non-negative (seq) integer. */
static int body_field(json_t *obj, const char *name, bool positive, int64_t *out,
                      bool *found)
{
    json_t *v = json_object_get(obj, name);
    *found = v != NULL;
    if (!v)
        return 0;
    if (!json_is_integer(v))
        return -1;
    json_int_t x = json_integer_value(v);
    if (x < (positive ? 1 : 0))
        return -1;
    *out = (int64_t)x;
    return 0;
}

int zf_app_write_params(const char *hdr_write_id, const char *hdr_seq, const char *body,
                        size_t body_len, int64_t *write_id, int64_t *seq, char *msg,
                        size_t msg_size)
{
    int64_t hw = 0, bw = 0, s = 0;
    bool have_hw = false, have_bw = false, have_bs = false;
    if (hdr_write_id) {
        if (!parse_id(hdr_write_id, strlen(hdr_write_id), &hw))
            return bad(msg, msg_size, "X-Write-Id must be a positive 63-bit integer");
        have_hw = true;
    }
    if (hdr_seq && !(strcmp(hdr_seq, "0") == 0 || parse_id(hdr_seq, strlen(hdr_seq), &s)))
        return bad(msg, msg_size, "X-Seq must be a non-negative 63-bit integer");
    if (body_len > 0) {
        json_error_t jerr;
        json_t *doc = json_loadb(body, body_len, JSON_REJECT_DUPLICATES, &jerr);
        int rc = 0;
        if (!doc || !json_is_object(doc))
            rc = bad(msg, msg_size, "the body must be a JSON object");
        else if (body_field(doc, "write_id", true, &bw, &have_bw))
            rc = bad(msg, msg_size, "write_id must be a positive integer");
        else if (body_field(doc, "seq", false, &s, &have_bs))
            rc = bad(msg, msg_size, "seq must be a non-negative integer");
        json_decref(doc);
        if (rc)
            return rc;
    }
    if (have_hw && have_bw && hw != bw)
        return bad(msg, msg_size, "X-Write-Id and the body's write_id differ");
    if (!have_hw && !have_bw)
        return bad(msg, msg_size, "a write needs a write id (X-Write-Id header or write_id)");
    *write_id = have_hw ? hw : bw;
    *seq = s;
    return 0;
}

/* --- request reader ------------------------------------------------------------------ */

static zf_app_req_t *req_of(http_parser *p) { return p->data; }

static int on_url(http_parser *p, const char *at, size_t len)
{
    zf_app_req_t *r = req_of(p);
    if (r->url_len + len >= sizeof r->url) {
        r->error_status = 414;
        return -1;
    }
    memcpy(r->url + r->url_len, at, len);
    r->url_len += len;
    r->url[r->url_len] = 0;
    return 0;
}

static int on_header_field(http_parser *p, const char *at, size_t len)
{
    zf_app_req_t *r = req_of(p);
    if (r->in_value) { /* a new header starts */
        r->in_value = false;
        r->field_len = 0;
    }
    if (r->field_len + len < sizeof r->field) {
        memcpy(r->field + r->field_len, at, len);
        r->field_len += len;
    } else {
        r->field_len = sizeof r->field; /* longer than any header we look at */
    }
    if (r->field_len == 10 && strncasecmp(r->field, "x-write-id", 10) == 0)
        r->hdr = HDR_WRITE_ID;
    else if (r->field_len == 5 && strncasecmp(r->field, "x-seq", 5) == 0)
        r->hdr = HDR_SEQ;
    else
        r->hdr = HDR_OTHER;
    return 0;
}

static int append_value(zf_app_req_t *r, char *dst, bool *has, const char *at, size_t len)
{
    size_t cur = *has ? strlen(dst) : 0;
    if (cur + len >= ZF_APP_HDR_VALUE_MAX) {
        r->error_status = 431;
        return -1;
    }
    memcpy(dst + cur, at, len);
    dst[cur + len] = 0;
    *has = true;
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    zf_app_req_t *r = req_of(p);
    r->in_value = true;
    if (r->hdr == HDR_WRITE_ID)
        return append_value(r, r->write_id, &r->has_write_id, at, len);
    if (r->hdr == HDR_SEQ)
        return append_value(r, r->seq, &r->has_seq, at, len);
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    zf_app_req_t *r = req_of(p);
    if (r->body_len + len > ZF_APP_BODY_MAX) {
        r->error_status = 413;
        return -1;
    }
    memcpy(r->body + r->body_len, at, len);
    r->body_len += len;
    return 0;
}

static int on_message_complete(http_parser *p)
{
    zf_app_req_t *r = req_of(p);
    r->complete = true;
    r->method = p->method;
    r->keep_alive = http_should_keep_alive(p) != 0;
    r->body[r->body_len] = 0;
    http_parser_pause(p, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

int zf_app_req_init(zf_app_req_t *req)
{
    memset(req, 0, sizeof *req);
    req->body = malloc(ZF_APP_BODY_MAX + 1);
    if (!req->body)
        return -1;
    http_parser_init(&req->parser, HTTP_REQUEST);
    req->parser.data = req;
    return 0;
}

void zf_app_req_free(zf_app_req_t *req)
{
    free(req->body);
    req->body = NULL;
}

void zf_app_req_next(zf_app_req_t *req)
{
    req->complete = false;
    req->url_len = 0;
    req->url[0] = 0;
    req->has_write_id = req->has_seq = false;
    req->body_len = 0;
    req->hdr = HDR_OTHER;
    req->field_len = 0;
    req->in_value = false;
    http_parser_pause(&req->parser, 0);
}

size_t zf_app_req_feed(zf_app_req_t *req, const char *data, size_t len)
{
    if (req->error_status || req->complete)
        return 0;
    size_t n = http_parser_execute(&req->parser, &settings, data, len);
    enum http_errno e = HTTP_PARSER_ERRNO(&req->parser);
    if (e != HPE_OK && e != HPE_PAUSED && !req->error_status)
        req->error_status = 400;
    return n;
}

/* --- responses ------------------------------------------------------------------------ */

const char *zf_app_status_text(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 413: return "Payload Too Large";
    case 414: return "URI Too Long";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Unknown";
    }
}

size_t zf_app_response(char *buf, size_t size, int status, const char *json_body,
                       bool keep_alive)
{
    size_t blen = strlen(json_body);
    int n = snprintf(buf, size,
                     "HTTP/1.1 %d %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\nConnection: %s\r\n\r\n%s",
                     status, zf_app_status_text(status), blen + 1,
                     keep_alive ? "keep-alive" : "close", json_body);
    if (n < 0 || (size_t)n + 2 > size)
        return 0;
    buf[n] = '\n';
    buf[n + 1] = 0;
    return (size_t)n + 1;
}
