/* slo: measures each service-level objective on what a run recorded and decides whether
 * it was met. The same code serves `run` (fresh results) and `check` (stored ones). */
#ifndef ZF_SLO_H
#define ZF_SLO_H

#include <stdbool.h>

#include "metrics/recorder.h"
#include "scenario/slo_spec.h"

/* The measured value of `spec` on `r`, in the objective's unit (fraction, ns as double,
 * count, burn rate). NAN when it cannot be measured (no traffic, a fault that never
 * recovered: such an SLO is not met). `kind`/`fault` filters that match nothing give NAN. */
double zf_slo_measure(const zf_slo_spec_t *spec, const zf_rec_t *r);

/* Whether `measured` meets `spec` (NAN never does). */
bool zf_slo_met(const zf_slo_spec_t *spec, double measured);

/* Worst availability over any full rolling window of `window_s` seconds in
 * [first_sec, nsec); the whole span when window_s is 0. NAN without traffic. */
double zf_slo_window_availability(const uint32_t *ok, const uint32_t *failed, size_t first_sec,
                                  size_t nsec, size_t window_s);

#endif
