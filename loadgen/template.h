/* template: expands a kind's HTTP template (scenario/workload_spec.h) for one request of
 * the workload: {device}, {entity}, {seq}, {write_id}, {time_ms} and {kind} in the path,
 * header values and body. Buffers are reused from request to request (no allocation once
 * they have grown). */
#ifndef ZF_LG_TEMPLATE_H
#define ZF_LG_TEMPLATE_H

#include <stddef.h>

#include "loadgen/http.h"
#include "scenario/workload_spec.h"
#include "workload/request.h"

typedef struct zf_template_buf {
    char *path, *headers, *body;
    size_t path_cap, headers_cap, body_cap;
} zf_template_buf_t;

void zf_template_buf_free(zf_template_buf_t *b);

/* Fills *out (pointing into b) with the request r of kind k (named kind_name) expanded:
 * method, path, header lines "Name: value\r\n", body. 0 or ZF_ENOMEM. */
int zf_template_expand(const zf_http_template_t *t, const char *kind_name,
                       const zf_request_t *r, zf_template_buf_t *b, zf_http_req_t *out);

#endif
