/* request: one request of the workload, as the generator emits it and both engines (the
 * simulator and the replayer) consume it. Times are ns since the scenario's start. */
#ifndef ZF_REQUEST_H
#define ZF_REQUEST_H

#include <stdint.h>

#include "engine/clock.h"

typedef enum zf_source_class {
    ZF_SRC_GENERIC = 0,   /* a Poisson source of the scenario ("sources") */
    ZF_SRC_DEVICE = 1,    /* a field device of the fleet */
    ZF_SRC_LOCATION = 2,  /* a service location */
    ZF_SRC_AGENCY = 3,    /* a state agency */
    ZF_SRC_WEB = 4,       /* a website or customer-portal user */
} zf_source_class_t;

typedef struct zf_request {
    zf_time_t t;          /* intended send instant */
    uint64_t write_id;    /* unique id of the write it carries, 0 when it writes nothing */
    uint32_t kind;        /* index of the request kind in the scenario */
    uint32_t entity;      /* device, location, agency or source index within its class */
    uint32_t seq;         /* per-entity message sequence number */
    uint8_t source;       /* zf_source_class_t */
    uint8_t attempt;      /* 0 on the first send, n on the n-th retry */
    uint16_t flags;       /* ZF_REQ_* */
} zf_request_t;

#define ZF_REQ_BUFFERED 0x1 /* sent from a device's store-and-forward buffer */

#endif
