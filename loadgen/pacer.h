/* pacer: the hard requests-per-second ceiling of the load engine (--max-rps), a token
 * bucket in its virtual-scheduling form (GCRA, ITU-T I.371): one theoretical arrival time,
 * no refill loop. It only ever delays a request; the delay shows up as scheduling lag. */
#ifndef ZF_PACER_H
#define ZF_PACER_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/err.h"

typedef struct zf_pacer {
    double interval_ns;   /* 1e9 / rate; 0 when there is no ceiling */
    double tolerance_ns;  /* (burst - 1) * interval: how far ahead of the rate it may run */
    double tat_ns;        /* theoretical arrival time of the next request */
} zf_pacer_t;

/* rate_per_s 0 means no ceiling; burst (>= 1 requests, 0 means 1) is the bucket depth.
 * Returns 0, or ZF_EINVAL for a negative or non-finite rate. */
int zf_pacer_init(zf_pacer_t *p, double rate_per_s, uint32_t burst, zf_err_t *err);

/* Earliest instant (ns, >= now) at which one more request may be sent. When that is now,
 * the token is taken and the caller sends; otherwise nothing is taken and the caller asks
 * again at the returned instant. */
zf_time_t zf_pacer_take(zf_pacer_t *p, zf_time_t now);

/* True when the ceiling holds a request due at `due` past that instant: the next token
 * comes later. Depends on the requests sent so far, not on how late the caller is, so a
 * count of throttled requests is the same on a loaded machine. */
bool zf_pacer_delays(const zf_pacer_t *p, zf_time_t due);

#endif
