/* recovery: when a service is back after a fault, judged on the per-second series of a
 * recorder (ok and failed requests per second). One definition for the simulator
 * (sim/model/faults.c) and the replayer (loadgen/replay.c), so RTOs compare. */
#ifndef ZF_RECOVERY_H
#define ZF_RECOVERY_H

#include "engine/clock.h"
#include "metrics/recorder.h"

/* Availability of seconds [from, from + w) of r's series: ok / (ok + failed), 1 when
 * nothing ended in them. */
double zf_window_availability(const zf_rec_t *r, size_t from, size_t w);

/* The instant (ns) a fault that started at `start` recovered: the start of the first
 * second from which on every window of `window_ns` (rounded up to whole seconds) starting
 * before the horizon has availability >= threshold (the service is back and stays back).
 * A service still below the threshold at the horizon recovers at the first window at or
 * above it after the horizon. A fault whose windows never fell below the threshold
 * recovered at its start (RTO 0); -1: not recovered before the series ends. */
zf_time_t zf_recovered_at(const zf_rec_t *r, double threshold, zf_time_t window_ns,
                          zf_time_t start, zf_time_t horizon);

#endif
