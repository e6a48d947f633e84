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

/* Seconds from a fault's recovery (`recovered`, and not before `from`, the instant its RTO
 * counts from) until the device backlog (backlog_sec: one sample at the end of each
 * second) is back to about its level at the fault's start (at_start, plus 10% and 10
 * messages); NAN when no backlog formed after `start`, INFINITY when it never drained or
 * the service never recovered (recovered < 0). The simulator and the replayer both use it. */
double zf_backlog_drain_s(const uint64_t *backlog_sec, size_t nsec, zf_time_t start,
                          zf_time_t from, zf_time_t recovered, uint64_t at_start);

#endif
