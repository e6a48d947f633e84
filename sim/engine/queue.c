/* queue: the pending-event set, a monotone radix heap (Ahuja, Mehlhorn, Orlin, Tarjan
 * 1990) over int64 ns keys with byte-wide digits, as in the multi-level buckets of Denardo
 * and Fox (1979). Events live inline in chunks from one pool; pops never allocate. */
#include "engine/queue.h"
#include "engine/err.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

/* An event at time t sits at level j, the highest byte in which t differs from `last` (0
 * when equal), in the bucket of t's byte j. A level-0 bucket holds a single instant, so
 * popping reads the lowest one in order; when level 0 is empty, the lowest bucket of the
 * lowest level is redistributed into lower levels around its minimum, or taken directly
 * when it holds one event. An event moves at most once per level (1.7 and 2.4 times on
 * average in the hold model at 10^4 and 10^6 pending, against 7.4 and 10.7 with one-bit
 * digits). Equal times pop in insertion order because a redistribution fills only empty
 * buckets, in source order, and a push appends after every event already there. Cancelled
 * events are dropped when next moved or reached.
 *
 * While at most ZF_QUEUE_SMALL events are held and the radix heap is empty, they are kept
 * instead in q->small, sorted by (time, sequence) with the next one last: a push shifts
 * the few later ones up, a pop takes the last. The push that would overflow it moves them,
 * in pop order, into the radix heap, which holds everything until it is empty again; the
 * order events pop in is the same either way, so this is a speed-up only (the hold model
 * at 2 pending, and any queueing network with few customers in service).
 *
 * Buckets are lists of CHUNK-event chunks from one pool, so memory follows the number of
 * events held rather than the sum of 2048 buckets' peaks. Pushes keep the pool big enough
 * for any arrangement of the events held (pool_reserve), so a pop never allocates and
 * never fails. */

#define SLOT_LIVE 0xfffffffeu
#define SLOT_CANCELLED 0xfffffffdu
#define SLOT_END 0xffffffffu
#define NBUCKETS (ZF_QUEUE_LEVELS * ZF_QUEUE_DIGITS)
#define CHUNK 16    /* events per chunk: 512 bytes of events */
#define SLAB_MIN 64 /* chunks in the first slab; each later slab doubles the pool */

typedef struct zf_queue_chunk {
    struct zf_queue_chunk *next; /* next chunk of the bucket, or of the free list */
    zf_event_t ev[CHUNK];
} chunk_t;

typedef struct zf_queue_slab {
    struct zf_queue_slab *next;
    chunk_t chunks[];
} slab_t;

typedef struct zf_queue_bucket {
    chunk_t *first, *last; /* valid while the bucket's bit in q->nonempty is set */
    uint32_t tail;         /* events in the last chunk */
    zf_time_t min;         /* earliest time in the bucket */
} bucket_t;

void zf_queue_init(zf_queue_t *q)
{
    memset(q, 0, sizeof *q);
    q->free_head = SLOT_END;
}

void zf_queue_free(zf_queue_t *q)
{
    while (q->slabs) {
        slab_t *next = q->slabs->next;
        free(q->slabs);
        q->slabs = next;
    }
    free(q->b);
    free(q->slots);
    zf_queue_init(q);
}

/* ---- chunk pool ------------------------------------------------------------------------ */

static inline void chunk_give(zf_queue_t *q, chunk_t *c)
{
    c->next = q->free_chunks;
    q->free_chunks = c;
}

/* Never fails: every push first reserves enough chunks for all the events held. */
static inline chunk_t *chunk_take(zf_queue_t *q)
{
    chunk_t *c = q->free_chunks;
    if (c) {
        q->free_chunks = c->next;
        return c;
    }
    assert(q->fresh_left > 0 && "chunk pool reserve broken");
    q->fresh_left--;
    return q->fresh++;
}

/* Chunks in use never exceed stored/CHUNK, plus one part-filled chunk per non-empty bucket
 * (at most min(stored, NBUCKETS) buckets), plus one for level 0's read offset and, during
 * a redistribution, two for the source bucket being read. */
static size_t pool_need(size_t stored)
{
    return stored / CHUNK + (stored < NBUCKETS ? stored : NBUCKETS) + 4;
}

/* Grows the pool to hold `stored` events in any arrangement, so that pops need no memory.
 * 0 or ZF_ENOMEM. */
static __attribute__((noinline)) int pool_reserve_slow(zf_queue_t *q, size_t stored)
{
    if (!q->b && !(q->b = calloc(NBUCKETS, sizeof *q->b)))
        return ZF_ENOMEM;
    size_t need = pool_need(stored);
    if (need > q->chunks_total) {
        size_t n = q->chunks_total > SLAB_MIN ? q->chunks_total : SLAB_MIN;
        if (n < need - q->chunks_total)
            n = need - q->chunks_total;
        slab_t *slab = malloc(sizeof *slab + n * sizeof(chunk_t));
        if (!slab)
            return ZF_ENOMEM;
        slab->next = q->slabs;
        q->slabs = slab;
        for (; q->fresh_left; q->fresh_left--) /* keep the rest of the previous slab */
            chunk_give(q, q->fresh++);
        q->fresh = slab->chunks;
        q->fresh_left = n;
        q->chunks_total += n;
    }
    /* the largest count the pool now covers, so that the fast path is one comparison */
    size_t total = q->chunks_total, room;
    if (total >= pool_need(NBUCKETS))
        room = (total - NBUCKETS - 4) * CHUNK + CHUNK - 1;
    else
        for (room = (total - 4) * CHUNK / (CHUNK + 1); pool_need(room + 1) <= total; room++)
            ;
    assert(pool_need(room) <= total && pool_need(room + 1) > total);
    q->stored_room = room;
    return 0;
}

static inline int pool_reserve(zf_queue_t *q, size_t stored)
{
    return __builtin_expect(stored <= q->stored_room, 1) ? 0 : pool_reserve_slow(q, stored);
}

/* ---- buckets: index i = level * DIGITS + digit ------------------------------------------- */

/* Bucket of time t relative to `last`: the level is the index of the highest byte in which
 * they differ (0 if equal), the digit t's byte at that level. */
static inline unsigned bucket_of(zf_time_t t, zf_time_t last)
{
    uint64_t x = ((uint64_t)t ^ (uint64_t)last) | 1u;
    unsigned level = (63u - (unsigned)__builtin_clzll(x)) >> 3;
    return level * ZF_QUEUE_DIGITS + ((unsigned)((uint64_t)t >> (8 * level)) & 0xffu);
}

/* Lowest non-empty bucket; there must be one. The lowest level comes first. */
static inline unsigned lowest_bucket(const zf_queue_t *q)
{
    unsigned w = (unsigned)__builtin_ctz(q->nonempty_words);
    return w * 64 + (unsigned)__builtin_ctzll(q->nonempty[w]);
}

static inline void mark_set(zf_queue_t *q, unsigned i)
{
    q->nonempty[i / 64] |= 1ull << (i % 64);
    q->nonempty_words |= 1u << (i / 64);
}

static inline void mark_empty(zf_queue_t *q, unsigned i)
{
    uint64_t w = q->nonempty[i / 64] &= ~(1ull << (i % 64));
    q->nonempty_words &= ~((uint32_t)(w == 0) << (i / 64));
}

/* Appends e to bucket i; never fails (see pool_reserve). */
static inline void bucket_append(zf_queue_t *q, unsigned i, const zf_event_t *e)
{
    bucket_t *b = &q->b[i];
    if (!(q->nonempty[i / 64] & (1ull << (i % 64)))) {
        b->first = b->last = chunk_take(q);
        b->tail = 0;
        b->min = e->time;
        mark_set(q, i);
    } else {
        if (b->tail == CHUNK) {
            chunk_t *c = chunk_take(q);
            b->last->next = c;
            b->last = c;
            b->tail = 0;
        }
        b->min = e->time < b->min ? e->time : b->min;
    }
    b->last->ev[b->tail++] = *e;
}

void zf_queue_clear(zf_queue_t *q)
{
    for (unsigned i = 0; q->b && i < NBUCKETS; i++) {
        if (!(q->nonempty[i / 64] & (1ull << (i % 64))))
            continue;
        for (chunk_t *c = q->b[i].first, *next; c != q->b[i].last; c = next) {
            next = c->next;
            chunk_give(q, c);
        }
        chunk_give(q, q->b[i].last);
    }
    memset(q->nonempty, 0, sizeof q->nonempty);
    q->nonempty_words = 0;
    q->head = 0;
    q->last = 0;
    q->pending = 0;
    q->stored = 0;
    q->nsmall = 0;
    q->big = false;
    /* every slot becomes free again; generations keep counting so old handles stay stale */
    q->free_head = SLOT_END;
    for (uint32_t s = q->nslots; s-- > 0;) {
        q->slots[s].gen++;
        q->slots[s].next_free = q->free_head;
        q->free_head = s;
    }
}

/* Moves the small array's events into the radix heap, in pop order (so equal times keep
 * their insertion order there), and leaves room for one more. 0 or ZF_ENOMEM (then nothing
 * moved). */
static __attribute__((noinline)) int go_big(zf_queue_t *q)
{
    if (pool_reserve(q, q->stored + 1) != 0)
        return ZF_ENOMEM;
    for (uint32_t k = q->nsmall; k-- > 0;)
        bucket_append(q, bucket_of(q->small[k].time, q->last), &q->small[k]);
    q->nsmall = 0;
    q->big = true;
    return 0;
}

int zf_queue_push_slow(zf_queue_t *q, const zf_event_t *e)
{
    if (!q->big && q->nsmall < ZF_QUEUE_SMALL) { /* a cancellable push */
        uint32_t k = q->nsmall;
        for (; k > 0 && q->small[k - 1].time <= e->time; k--)
            q->small[k] = q->small[k - 1];
        q->small[k] = *e;
        q->nsmall++;
    } else {
        if (!q->big ? go_big(q) != 0 : pool_reserve(q, q->stored + 1) != 0)
            return ZF_ENOMEM;
        bucket_append(q, bucket_of(e->time, q->last), e);
    }
    q->next_seq++;
    q->pending++;
    q->stored++;
    return 0;
}

/* ---- cancellation slots ---------------------------------------------------------------- */

static int slot_alloc(zf_queue_t *q, uint32_t *slot)
{
    if (q->free_head != SLOT_END) {
        *slot = q->free_head;
        q->free_head = q->slots[*slot].next_free;
    } else {
        if (q->nslots == q->slot_cap) {
            uint32_t cap = q->slot_cap ? q->slot_cap * 2 : 256;
            if (cap >= SLOT_CANCELLED)
                return ZF_ENOMEM;
            zf_queue_slot_t *s = realloc(q->slots, cap * sizeof *s);
            if (!s)
                return ZF_ENOMEM;
            q->slots = s;
            q->slot_cap = cap;
        }
        *slot = q->nslots++;
        q->slots[*slot].gen = 1;
    }
    q->slots[*slot].next_free = SLOT_LIVE;
    return 0;
}

static void slot_release(zf_queue_t *q, uint32_t slot)
{
    q->slots[slot].gen++;
    q->slots[slot].next_free = q->free_head;
    q->free_head = slot;
}

int zf_queue_push_cancellable(zf_queue_t *q, zf_time_t time, unsigned kind, uint32_t obj,
                              uint64_t arg, zf_handle_t *handle)
{
    uint32_t slot;
    int rc = slot_alloc(q, &slot);
    if (rc)
        return rc;
    assert(time >= q->last && "event scheduled in the past");
    assert(kind < 65536u);
    zf_event_t e = {time, (q->next_seq << 16) | kind, obj, slot + 1, arg};
    rc = zf_queue_push_slow(q, &e);
    if (rc) {
        slot_release(q, slot);
        return rc;
    }
    *handle = ((zf_handle_t)q->slots[slot].gen << 32) | slot;
    return 0;
}

int zf_queue_cancel(zf_queue_t *q, zf_handle_t handle)
{
    uint32_t slot = (uint32_t)(handle & 0xffffffffu);
    uint32_t gen = (uint32_t)(handle >> 32);
    if (handle == ZF_HANDLE_NONE || slot >= q->nslots)
        return ZF_ESTATE;
    zf_queue_slot_t *s = &q->slots[slot];
    if (s->gen != gen || s->next_free != SLOT_LIVE)
        return ZF_ESTATE;
    s->next_free = SLOT_CANCELLED; /* the event is dropped when next moved or reached */
    q->pending--;
    return 0;
}

/* ---- pop ------------------------------------------------------------------------------- */

/* Releases the slot of a reached or moved event; true when that event was cancelled. */
static inline bool timer_retire_if_cancelled(zf_queue_t *q, uint32_t timer)
{
    uint32_t slot = timer - 1;
    bool cancelled = q->slots[slot].next_free == SLOT_CANCELLED;
    if (cancelled)
        slot_release(q, slot);
    return cancelled;
}

/* Moves bucket i, the lowest non-empty one (above level 0), into lower levels around its
 * minimum time, which becomes `last`; cancelled events are dropped on the way. Each source
 * chunk goes back to the pool as soon as it is read. */
static void redistribute(zf_queue_t *q, unsigned i)
{
    bucket_t *src = &q->b[i];
    chunk_t *c = src->first, *end = src->last;
    uint32_t tail = src->tail;
    zf_time_t min = src->min;
    q->last = min;
    mark_empty(q, i);
    for (;;) {
        uint32_t n = c == end ? tail : CHUNK;
        for (uint32_t k = 0; k < n; k++) {
            const zf_event_t *e = &c->ev[k];
            if (e->timer && timer_retire_if_cancelled(q, e->timer)) {
                q->stored--;
                continue;
            }
            bucket_append(q, bucket_of(e->time, min), e);
        }
        chunk_t *next = c->next;
        chunk_give(q, c);
        if (c == end)
            break;
        c = next;
    }
}

/* Takes the next event of level-0 bucket i, which holds the earliest instant. */
static inline void take_level0(zf_queue_t *q, unsigned i, zf_event_t *out)
{
    bucket_t *b = &q->b[i];
    chunk_t *c = b->first;
    *out = c->ev[q->head++];
    if (c == b->last && q->head == b->tail) {
        chunk_give(q, c);
        q->head = 0;
        mark_empty(q, i);
    } else if (q->head == CHUNK) {
        b->first = c->next;
        chunk_give(q, c);
        q->head = 0;
    }
}

/* When the lowest bucket, above level 0, holds a single event (three pops in four in the
 * hold model), that event is the earliest and has no tie: takes it without moving it and
 * returns true. */
static inline bool take_single(zf_queue_t *q, unsigned i, zf_event_t *out)
{
    bucket_t *b = &q->b[i];
    if (b->first != b->last || b->tail != 1)
        return false;
    *out = b->first->ev[0];
    chunk_give(q, b->first);
    mark_empty(q, i);
    return true;
}

/* The radix heap's next event into *out, its time becoming `last`; false when only
 * cancelled events were left (they are dropped on the way). */
static inline bool pop_big(zf_queue_t *q, zf_event_t *out)
{
    while (q->nonempty_words) {
        unsigned i = lowest_bucket(q);
        if (i < ZF_QUEUE_DIGITS)
            take_level0(q, i, out);
        else if (!take_single(q, i, out)) {
            redistribute(q, i);
            continue;
        }
        q->last = out->time;
        return true;
    }
    return false;
}

bool zf_queue_pop_slow(zf_queue_t *q, zf_event_t *out)
{
    zf_time_t now = q->last;
    for (;;) {
        if (!q->big) {
            if (q->nsmall == 0) {
                q->last = now; /* only cancelled events were left: now stays put */
                return false;
            }
            *out = q->small[--q->nsmall];
            q->last = out->time;
        } else if (!pop_big(q, out)) {
            q->big = false;
            q->last = now;
            return false;
        }
        if (--q->stored == 0)
            q->big = false;
        if (out->timer) {
            uint32_t slot = out->timer - 1;
            bool cancelled = q->slots[slot].next_free == SLOT_CANCELLED;
            slot_release(q, slot);
            if (cancelled)
                continue;
        }
        q->pending--;
        q->popped++;
        return true;
    }
}
