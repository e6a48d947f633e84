/* queue: the pending-event set of a simulation. A monotone radix heap keyed on time
 * (int64 ns) with byte-wide digits, and a sorted array in front of it while few events
 * are pending (an M/M/1 holds two); events at equal times popped in insertion order, O(1)
 * cancellation of events pushed as cancellable. Events are small value structs (32 bytes)
 * stored inline, so the hot path allocates nothing. One queue per simulation; no global
 * state. */
#ifndef ZF_QUEUE_H
#define ZF_QUEUE_H

#include <assert.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"

/* An event. The struct is public so that it can live inline in the queue's arrays;
 * callers read time, obj, arg and zf_event_kind(); `key` and `timer` are the queue's. */
typedef struct zf_event {
    zf_time_t time;  /* when it fires, ns */
    uint64_t key;    /* internal: insertion sequence << 16 | kind */
    uint32_t obj;    /* caller-defined: index of the object the event is for */
    uint32_t timer;  /* internal: cancellation slot + 1, or 0 */
    uint64_t arg;    /* caller-defined payload */
} zf_event_t;

typedef uint64_t zf_handle_t; /* a cancellable event: generation << 32 | slot */
#define ZF_HANDLE_NONE ((zf_handle_t)0)

static inline unsigned zf_event_kind(const zf_event_t *e) { return (unsigned)(e->key & 0xffffu); }
static inline uint64_t zf_event_seq(const zf_event_t *e) { return e->key >> 16; }

/* Internal layout (see queue.c): up to ZF_QUEUE_SMALL events in a sorted array; beyond,
 * 8 levels x 256 buckets, one per byte position and byte value, each bucket a list of
 * fixed-size chunks of events from one pool. */
#define ZF_QUEUE_LEVELS 8
#define ZF_QUEUE_DIGITS 256
#define ZF_QUEUE_SMALL 16

struct zf_queue_bucket;
struct zf_queue_chunk;
struct zf_queue_slab;

typedef struct zf_queue_slot {
    uint32_t gen;
    uint32_t next_free; /* or state when live */
} zf_queue_slot_t;

/* Embedded (not opaque) so a simulation can hold it by value; fields are internal. */
typedef struct zf_queue {
    zf_event_t small[ZF_QUEUE_SMALL]; /* while !big: the events held, latest first */
    uint32_t nsmall;
    bool big;                  /* the events are in the radix heap (b) */
    struct zf_queue_bucket *b; /* [LEVELS * DIGITS], allocated on the first push */
    uint64_t nonempty[ZF_QUEUE_LEVELS * ZF_QUEUE_DIGITS / 64]; /* bit i: bucket i holds events */
    uint32_t nonempty_words; /* bit w: nonempty[w] != 0 */
    uint32_t head;         /* events already read from the first chunk of the level-0
                              bucket being popped */
    zf_time_t last;        /* time of the last popped event: the simulation's now */
    uint64_t next_seq;
    size_t pending;        /* live events (pushed, not popped, not cancelled) */
    size_t stored;         /* events held, counting cancelled ones not yet dropped */
    struct zf_queue_chunk *free_chunks; /* pool: freed chunks, then the unused tail */
    struct zf_queue_chunk *fresh;       /* of the newest slab */
    size_t fresh_left, chunks_total;
    size_t stored_room;    /* events the pool is known to hold in any arrangement */
    struct zf_queue_slab *slabs;
    zf_queue_slot_t *slots;
    uint32_t nslots, slot_cap, free_head;
    uint64_t popped;       /* events delivered, for statistics */
} zf_queue_t;

/* Initialises an empty queue at time 0. Pair with zf_queue_free. */
void zf_queue_init(zf_queue_t *q);
void zf_queue_free(zf_queue_t *q);

/* Internal: the paths of zf_queue_push and zf_queue_pop beyond the small array. */
int zf_queue_push_slow(zf_queue_t *q, const zf_event_t *e);
bool zf_queue_pop_slow(zf_queue_t *q, zf_event_t *out);

/* Schedules an event at `time` (>= zf_queue_now, asserted). kind < 65536.
 * Returns 0 or ZF_ENOMEM. Inline: a queue holding few events needs no call. */
static inline int zf_queue_push(zf_queue_t *q, zf_time_t time, unsigned kind, uint32_t obj,
                                uint64_t arg)
{
    assert(time >= q->last && "event scheduled in the past");
    assert(kind < 65536u);
    zf_event_t e = {time, (q->next_seq << 16) | kind, obj, 0, arg};
    if (q->big || q->nsmall == ZF_QUEUE_SMALL)
        return zf_queue_push_slow(q, &e);
    /* sorted latest first: the earlier ones (equal times too: pushed before) shift up */
    uint32_t k = q->nsmall;
    for (; k > 0 && q->small[k - 1].time <= time; k--)
        q->small[k] = q->small[k - 1];
    q->small[k] = e;
    q->nsmall++;
    q->next_seq++;
    q->pending++;
    q->stored++;
    return 0;
}

/* Same, and returns a handle for zf_queue_cancel in *handle. 0 or ZF_ENOMEM. */
int zf_queue_push_cancellable(zf_queue_t *q, zf_time_t time, unsigned kind, uint32_t obj,
                              uint64_t arg, zf_handle_t *handle);

/* Cancels a pending event by handle in O(1). Returns 0, or ZF_ESTATE when the event
 * already fired or was already cancelled (so a stale handle is harmless). */
int zf_queue_cancel(zf_queue_t *q, zf_handle_t handle);

/* Removes the earliest event (ties: insertion order) into *out and advances now to its
 * time. Returns false when no event is pending. */
static inline bool zf_queue_pop(zf_queue_t *q, zf_event_t *out)
{
    if (q->big || q->nsmall == 0 || q->small[q->nsmall - 1].timer)
        return zf_queue_pop_slow(q, out);
    *out = q->small[--q->nsmall];
    q->last = out->time;
    q->stored--;
    q->pending--;
    q->popped++;
    return true;
}

static inline zf_time_t zf_queue_now(const zf_queue_t *q) { return q->last; }
static inline size_t zf_queue_size(const zf_queue_t *q) { return q->pending; }

/* Drops every pending event and rewinds the clock to 0 (keeps allocations). */
void zf_queue_clear(zf_queue_t *q);

#endif
