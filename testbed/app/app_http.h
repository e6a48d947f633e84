/* app_http: the HTTP side of the test bed's app service, free of I/O: an incremental
 * request reader over Debian's http_parser, the routing of the device API, the write
 * parameters (write id and sequence) and the response formatting. Unit-tested alone. */
#ifndef ZF_APP_HTTP_H
#define ZF_APP_HTTP_H

#include <http_parser.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define ZF_APP_URL_MAX 1024
#define ZF_APP_BODY_MAX 65536
#define ZF_APP_HDR_VALUE_MAX 64

/* What a request asks for. */
typedef enum zf_app_route_kind {
    ZF_APP_HEALTH,      /* GET  /health (HEAD is 405: no body-less answers here) */
    ZF_APP_REPORT,      /* POST /v1/devices/{device}/reports   (write) */
    ZF_APP_GPS,         /* POST /v1/devices/{device}/gps       (write) */
    ZF_APP_CONFIG,      /* GET  /v1/devices/{device}/config    (read) */
    ZF_APP_WRITE_GET,   /* GET  /v1/writes/{write_id}          (read-back) */
} zf_app_route_kind_t;

typedef struct zf_app_route {
    zf_app_route_kind_t kind;
    int64_t device;     /* for the /v1/devices routes */
    int64_t write_id;   /* for /v1/writes/{write_id} */
} zf_app_route_t;

/* Routes METHOD (an http_parser method) and the request target (path and an optional
 * query, which is ignored). Returns 0 and fills *out, or the HTTP status to answer:
 * 404 unknown path or an id that is not a positive 63-bit integer, 405 wrong method. */
int zf_app_route(unsigned method, const char *target, size_t len, zf_app_route_t *out);

/* The write id and sequence of a write, from the X-Write-Id / X-Seq header values (NULL
 * when absent) and the JSON body (fields "write_id" and "seq"; may be empty). The write
 * id is required (header or body; both present must agree) and positive; seq defaults
 * to 0. Returns 0, or 400 with a message in msg. */
int zf_app_write_params(const char *hdr_write_id, const char *hdr_seq, const char *body,
                        size_t body_len, int64_t *write_id, int64_t *seq, char *msg,
                        size_t msg_size);

/* One HTTP/1.1 request being read; reused across a keep-alive connection. */
typedef struct zf_app_req {
    http_parser parser;
    unsigned method;
    bool keep_alive;
    bool complete;
    int error_status;               /* 400, 413 or 431 once the request is unusable */
    char url[ZF_APP_URL_MAX];
    size_t url_len;
    char write_id[ZF_APP_HDR_VALUE_MAX];
    char seq[ZF_APP_HDR_VALUE_MAX];
    bool has_write_id, has_seq;
    int hdr;                         /* which header the current value belongs to */
    char field[16];                  /* the header name so far (it may arrive split) */
    size_t field_len;
    bool in_value;
    char *body;                      /* ZF_APP_BODY_MAX + 1 bytes, owned */
    size_t body_len;
} zf_app_req_t;

/* 0, or -1 when the body buffer cannot be allocated. Free with zf_app_req_free. */
int zf_app_req_init(zf_app_req_t *req);
void zf_app_req_free(zf_app_req_t *req);

/* Feeds bytes. Returns how many were consumed: fewer than len when a request completed
 * (req->complete; the rest belongs to the next request, feed it after zf_app_req_next)
 * or when the request is unusable (req->error_status set: answer it and close). */
size_t zf_app_req_feed(zf_app_req_t *req, const char *data, size_t len);

/* Makes the reader ready for the next request on the same connection. */
void zf_app_req_next(zf_app_req_t *req);

/* Formats a complete response with a JSON body into buf. Returns its length, or 0 when
 * it does not fit. */
size_t zf_app_response(char *buf, size_t size, int status, const char *json_body,
                       bool keep_alive);

/* The reason phrase of a status ("Service Unavailable"). */
const char *zf_app_status_text(int status);

#endif
