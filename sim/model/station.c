/* station: a c-server FIFO queue and its time-weighted statistics. */
#include "model/station.h"
#include "engine/err.h"

#include <stdlib.h>
#include <string.h>

int zf_station_init(zf_station_t *st, uint32_t servers, int64_t queue_limit)
{
    memset(st, 0, sizeof *st);
    st->servers = servers;
    st->queue_limit = queue_limit;
    st->cap = 64;
    st->ring = malloc(st->cap * sizeof *st->ring);
    if (!st->ring)
        return ZF_ENOMEM;
    zf_timeavg_init(&st->busy_avg, 0, 0);
    zf_timeavg_init(&st->queue_avg, 0, 0);
    return 0;
}

void zf_station_free(zf_station_t *st)
{
    free(st->ring);
    memset(st, 0, sizeof *st);
}

static int ring_grow(zf_station_t *st)
{
    uint32_t cap = st->cap * 2;
    zf_station_slot_t *r = malloc(cap * sizeof *r);
    if (!r)
        return ZF_ENOMEM;
    for (uint32_t i = 0; i < st->len; i++)
        r[i] = st->ring[(st->head + i) & (st->cap - 1)];
    free(st->ring);
    st->ring = r;
    st->cap = cap;
    st->head = 0;
    return 0;
}

int zf_station_arrive(zf_station_t *st, zf_time_t now, uint32_t job)
{
    st->arrivals++;
    if (st->busy < st->servers) {
        st->busy++;
        st->started++;
        zf_timeavg_set(&st->busy_avg, now, st->busy);
        zf_durations_add(&st->wait, 0);
        return ZF_STATION_STARTED;
    }
    if (st->queue_limit >= 0 && (int64_t)st->len >= st->queue_limit) {
        st->blocked++;
        return ZF_STATION_BLOCKED;
    }
    if (st->len == st->cap && ring_grow(st) != 0)
        return ZF_ENOMEM;
    st->ring[(st->head + st->len) & (st->cap - 1)] = (zf_station_slot_t){job, now};
    st->len++;
    zf_timeavg_set(&st->queue_avg, now, st->len);
    return ZF_STATION_QUEUED;
}

/* Removes the oldest waiting job (the queue is not empty). Inlined into complete, which
 * runs once per served job. */
static inline zf_station_slot_t take_head(zf_station_t *st, zf_time_t now)
{
    zf_station_slot_t s = st->ring[st->head];
    st->head = (st->head + 1) & (st->cap - 1);
    st->len--;
    zf_timeavg_set(&st->queue_avg, now, st->len);
    return s;
}

bool zf_station_take_waiting(zf_station_t *st, zf_time_t now, uint32_t *job, zf_time_t *t_enq)
{
    if (st->len == 0)
        return false;
    zf_station_slot_t s = take_head(st, now);
    *job = s.job;
    if (t_enq)
        *t_enq = s.t_enq;
    return true;
}

bool zf_station_complete(zf_station_t *st, zf_time_t now, uint32_t *next)
{
    if (st->busy <= st->servers && st->len > 0) {
        zf_station_slot_t s = take_head(st, now);
        *next = s.job;
        st->started++;
        zf_durations_add(&st->wait, now - s.t_enq);
        return true;
    }
    st->busy--;
    zf_timeavg_set(&st->busy_avg, now, st->busy);
    return false;
}

void zf_station_set_servers(zf_station_t *st, zf_time_t now, uint32_t servers)
{
    (void)now;
    st->servers = servers;
}

void zf_station_reset_stats(zf_station_t *st, zf_time_t now)
{
    zf_timeavg_reset(&st->busy_avg, now);
    zf_timeavg_reset(&st->queue_avg, now);
    st->arrivals = st->blocked = st->started = 0;
    st->wait = (zf_durations_t){0};
}
