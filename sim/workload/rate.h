/* rate: the time-varying rates of the workload's Poisson processes (a base rate times a
 * daily shape times the multipliers of the named bursts in force) and their arrivals,
 * drawn by thinning (Lewis and Shedler 1979) under a piecewise-constant bound that
 * follows the bursts, so a short burst does not slow the rest of the day. */
#ifndef ZF_WL_RATE_H
#define ZF_WL_RATE_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/rng.h"
#include "scenario/workload_spec.h"

typedef struct zf_rate {
    double base_per_s;          /* rate at shape 1 and no burst */
    const zf_profile_t *profile;/* shape = profile(t) / norm; NULL: business hours */
    double norm;                /* divides the profile value (its max or its mean) */
    zf_time_t open, close;      /* business hours (profile == NULL): shape 1 inside, else 0 */
    uint32_t burst_class;       /* ZF_BURST_* bit of the class */
    int32_t source;             /* kind source index (bursts may name it), or -1 */
} zf_rate_t;

/* Product of the multipliers of the rate bursts of `spec` that apply to the class (or
 * the source) and are in force at t; *next_change (may be NULL) receives the next instant
 * after t at which that product may change, or ZF_TIME_MAX. */
double zf_rate_bursts(const zf_workload_spec_t *spec, uint32_t burst_class, int32_t source,
                      zf_time_t t, zf_time_t *next_change);

/* Shape of the rate at t (profile / norm, or business hours) without bursts. */
double zf_rate_shape(const zf_rate_t *r, zf_time_t start_tod, zf_time_t t);

/* First arrival strictly after t (or at t when the gap rounds to 0 ns) of the process, or
 * ZF_TIME_MAX when there is none before `end`. Draws from rng. */
zf_time_t zf_rate_next(const zf_rate_t *r, const zf_workload_spec_t *spec, zf_rng_t *rng,
                       zf_time_t t, zf_time_t end);

#endif
