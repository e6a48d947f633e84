/* station: c identical servers in front of one FIFO queue with an optional limit, with
 * the statistics queueing theory speaks of (utilisation, Lq, L, Wq, blocking). The
 * primitive under the queueing scenarios and under every instance of the deployment
 * model. It holds job ids; the caller owns the jobs and schedules the completions. */
#ifndef ZF_STATION_H
#define ZF_STATION_H

#include <stdbool.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/stats.h"

typedef struct zf_station_slot {
    uint32_t job;
    zf_time_t t_enq;
} zf_station_slot_t;

typedef enum zf_station_result {
    ZF_STATION_STARTED, /* a server was free: the caller schedules the completion */
    ZF_STATION_QUEUED,  /* waiting; it starts when a completion hands it a server */
    ZF_STATION_BLOCKED, /* queue full: the job is refused */
} zf_station_result_t;

typedef struct zf_station {
    uint32_t servers, busy;
    int64_t queue_limit;       /* -1: unlimited */
    zf_station_slot_t *ring;   /* FIFO of waiting jobs, owned */
    uint32_t cap, head, len;
    /* statistics since the last reset */
    zf_timeavg_t busy_avg, queue_avg;
    uint64_t arrivals, blocked, started;
    zf_durations_t wait;       /* waiting time of jobs that started service */
} zf_station_t;

/* 0 or ZF_ENOMEM. servers >= 1. Pair with zf_station_free. */
int zf_station_init(zf_station_t *st, uint32_t servers, int64_t queue_limit);
void zf_station_free(zf_station_t *st);

/* A job arrives at `now`. Returns what happened to it, or a negative ZF_ENOMEM. */
int zf_station_arrive(zf_station_t *st, zf_time_t now, uint32_t job);

/* A server finishes at `now`. If a job waits, it takes the server: returns true and
 * sets *next (the caller schedules its completion); else the server goes idle. */
bool zf_station_complete(zf_station_t *st, zf_time_t now, uint32_t *next);

/* Removes and returns the oldest waiting job without a server finishing (used to drain
 * a queue when its instance is lost). False when none waits. */
bool zf_station_take_waiting(zf_station_t *st, zf_time_t now, uint32_t *job, zf_time_t *t_enq);

/* Changes the number of servers (scaling worker pools); extra busy servers finish
 * normally and are not replaced. Returns jobs that can start now via complete(). */
void zf_station_set_servers(zf_station_t *st, zf_time_t now, uint32_t servers);

/* Forgets statistics before `now` (warm-up deletion); the state is kept. */
void zf_station_reset_stats(zf_station_t *st, zf_time_t now);

static inline uint32_t zf_station_queued(const zf_station_t *st) { return st->len; }

#endif
