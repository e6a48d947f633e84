/* calendar: long-lived timers of a fleet (one pending report per device) kept out of the
 * main event queue until their bucket of time comes. A ring of buckets of W = 2^shift ns
 * covers [from, from + span); each bucket is an unsorted list of (time, obj, arg) entries
 * in insertion order. Releasing the bucket that starts at `from` pushes its entries into
 * the caller's event queue, which orders them, and moves `from` on by W. At a million
 * devices the main queue then holds about 70,000 events instead of 1.05 million. The
 * released entries are kept in order of their sub-slot of W / ZF_CAL_SUBS until the next
 * release, so that the caller can prefetch the objects of the entries due next. */
#ifndef ZF_WL_CALENDAR_H
#define ZF_WL_CALENDAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"
#include "engine/queue.h"

#define ZF_CAL_SUB_BITS 6
#define ZF_CAL_SUBS (1u << ZF_CAL_SUB_BITS) /* sub-slots per bucket, for prefetch hints */

struct zf_cal_bucket;
struct zf_cal_chunk;
struct zf_cal_entry;

/* Embedded in the fleet; fields are the calendar's (calendar.c). */
typedef struct zf_calendar {
    struct zf_cal_bucket *b;   /* [nb] */
    uint32_t nb, shift;        /* nb buckets (a power of two) of 2^shift ns */
    uint32_t chunk_len;        /* entries per chunk */
    zf_time_t from;            /* start of the first bucket not yet released */
    size_t count;              /* entries held */
    struct zf_cal_chunk *free_chunks;
    struct zf_cal_slab *slabs;
    size_t chunks_total;
    /* the last bucket released, by sub-slot: due[sub[s] .. sub[s + 1]) fall in sub-slot s */
    struct zf_cal_entry *due;
    size_t due_cap;
    zf_time_t due_from;        /* its start */
    uint32_t sub[ZF_CAL_SUBS + 1];
    uint32_t hinted;           /* sub-slots whose objects were prefetched */
} zf_calendar_t;

/* Sets up a calendar whose span is at least horizon_ns (at most 2^16 buckets of at most
 * 2^32 ns; 0 for no calendar at all, which holds nothing) for about `expected` entries at
 * a time, starting at time 0. 0 or ZF_ENOMEM. Pair with zf_cal_free. */
int zf_cal_init(zf_calendar_t *c, zf_time_t horizon_ns, size_t expected);
void zf_cal_free(zf_calendar_t *c);

/* True when an entry at t can be held: from <= t < from + span. */
static inline bool zf_cal_holds(const zf_calendar_t *c, zf_time_t t)
{
    return c->nb > 0 && t >= c->from && (uint64_t)(t - c->from) < ((uint64_t)c->nb << c->shift);
}

/* Holds an entry at t (zf_cal_holds(c, t) asserted). 0 or ZF_ENOMEM. */
int zf_cal_add(zf_calendar_t *c, zf_time_t t, uint32_t obj, uint64_t arg);

/* Start of the next bucket to release. */
static inline zf_time_t zf_cal_next(const zf_calendar_t *c) { return c->from; }

/* Moves an empty calendar's start on to the first bucket boundary at or after now (never
 * back), so that it can hold what comes after an idle spell. */
void zf_cal_skip_to(zf_calendar_t *c, zf_time_t now);

/* Releases the bucket [from, from + W): pushes each entry into q as an event of `kind` at
 * its time with its obj and arg, in order of sub-slot and, within one, of insertion (so
 * entries at equal times keep their insertion order), then moves from on by W. The
 * entries are at or after from, so call it when q's now is at most from. 0 or ZF_ENOMEM
 * (the entries not pushed are lost). */
int zf_cal_release(zf_calendar_t *c, zf_queue_t *q, unsigned kind);

/* A hint at time now (an entry of the last released bucket is due): prefetches, once per
 * sub-slot, base + obj * stride (its first and last byte, `size` bytes apart) for the
 * entries of the sub-slots up to the one after now's. */
void zf_cal_prefetch_next(zf_calendar_t *c, zf_time_t now, const char *base, size_t stride,
                          size_t size);

static inline size_t zf_cal_size(const zf_calendar_t *c) { return c->count; }

/* Bytes held: the ring and the chunk pool. */
size_t zf_cal_bytes(const zf_calendar_t *c);

#endif
