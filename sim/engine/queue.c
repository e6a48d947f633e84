/* queue: monotone radix heap (Ahuja, Mehlhorn, Orlin, Tarjan 1990) over int64 ns keys.
 * Bucket i (1..64) holds events whose time differs from `last` first at bit i-1; bucket 0
 * holds events at exactly `last`, kept in insertion order. Pushes append; a pop that
 * finds bucket 0 empty redistributes the lowest non-empty bucket around its minimum.
 * Each event moves O(1) times on typical workloads and every move is a sequential copy,
 * which is what keeps a million pending events fast (see docs/engine.md). */
#include "engine/queue.h"
#include "engine/err.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define SLOT_LIVE 0xfffffffeu
#define SLOT_CANCELLED 0xfffffffdu
#define SLOT_END 0xffffffffu

void zf_queue_init(zf_queue_t *q)
{
    memset(q, 0, sizeof *q);
    q->free_head = SLOT_END;
}

void zf_queue_free(zf_queue_t *q)
{
    for (int i = 0; i < 65; i++)
        free(q->b[i].v);
    free(q->slots);
    memset(q, 0, sizeof *q);
    q->free_head = SLOT_END;
}

void zf_queue_clear(zf_queue_t *q)
{
    for (int i = 0; i < 65; i++)
        q->b[i].len = q->b[i].head = 0;
    q->nonempty = 0;
    q->last = 0;
    q->pending = 0;
    /* every slot becomes free again; generations keep counting so old handles stay stale */
    q->free_head = SLOT_END;
    for (uint32_t s = q->nslots; s-- > 0;) {
        q->slots[s].gen++;
        q->slots[s].next_free = q->free_head;
        q->free_head = s;
    }
}

static inline unsigned bucket_of(zf_time_t t, zf_time_t last)
{
    uint64_t x = (uint64_t)t ^ (uint64_t)last;
    return x ? 64u - (unsigned)__builtin_clzll(x) : 0u;
}

static int bucket_grow(zf_queue_bucket_t *b)
{
    size_t cap = b->cap ? b->cap * 2 : 64;
    zf_event_t *v = realloc(b->v, cap * sizeof *v);
    if (!v)
        return ZF_ENOMEM;
    b->v = v;
    b->cap = cap;
    return 0;
}

static inline int bucket_append(zf_queue_t *q, unsigned i, const zf_event_t *e)
{
    zf_queue_bucket_t *b = &q->b[i];
    if (b->len == b->cap && bucket_grow(b) != 0)
        return ZF_ENOMEM;
    b->v[b->len++] = *e;
    if (i)
        q->nonempty |= 1ull << (i - 1);
    return 0;
}

static int push_event(zf_queue_t *q, zf_time_t time, unsigned kind, uint32_t obj,
                      uint64_t arg, uint32_t timer)
{
    assert(time >= q->last && "event scheduled in the past");
    assert(kind < 65536u);
    zf_event_t e = {time, (q->next_seq << 16) | kind, obj, timer, arg};
    int rc = bucket_append(q, bucket_of(time, q->last), &e);
    if (rc == 0) {
        q->next_seq++;
        q->pending++;
    }
    return rc;
}

int zf_queue_push(zf_queue_t *q, zf_time_t time, unsigned kind, uint32_t obj, uint64_t arg)
{
    return push_event(q, time, kind, obj, arg, 0);
}

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
    rc = push_event(q, time, kind, obj, arg, slot + 1);
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
    s->next_free = SLOT_CANCELLED; /* the event stays in its bucket and is dropped at pop */
    q->pending--;
    return 0;
}

/* Sorts bucket 0's unread part by insertion sequence (usually 0 or 1 events). */
static int cmp_key(const void *a, const void *b)
{
    uint64_t ka = ((const zf_event_t *)a)->key, kb = ((const zf_event_t *)b)->key;
    return (ka > kb) - (ka < kb);
}

static void sort_bucket0(zf_queue_bucket_t *b)
{
    zf_event_t *v = b->v + b->head;
    size_t n = b->len - b->head;
    if (n > 24) {
        qsort(v, n, sizeof *v, cmp_key);
        return;
    }
    for (size_t i = 1; i < n; i++) {
        zf_event_t e = v[i];
        size_t j = i;
        while (j > 0 && v[j - 1].key > e.key) {
            v[j] = v[j - 1];
            j--;
        }
        v[j] = e;
    }
}

/* Moves the lowest non-empty bucket into lower buckets around its minimum time.
 * Returns false when the queue holds no event at all. */
static bool refill_bucket0(zf_queue_t *q)
{
    if (!q->nonempty)
        return false;
    unsigned i = (unsigned)__builtin_ctzll(q->nonempty) + 1;
    zf_queue_bucket_t *src = &q->b[i];
    zf_time_t min = src->v[0].time;
    for (size_t k = 1; k < src->len; k++)
        if (src->v[k].time < min)
            min = src->v[k].time;
    q->last = min;
    q->nonempty &= ~(1ull << (i - 1));
    size_t n = src->len;
    src->len = 0;
    for (size_t k = 0; k < n; k++) {
        /* cannot fail for lack of memory in practice: lower buckets were grown before, but
         * if realloc fails we keep the event in place rather than lose it */
        if (bucket_append(q, bucket_of(src->v[k].time, min), &src->v[k]) != 0) {
            src->v[src->len++] = src->v[k];
            q->nonempty |= 1ull << (i - 1);
        }
    }
    sort_bucket0(&q->b[0]);
    return true;
}

bool zf_queue_pop(zf_queue_t *q, zf_event_t *out)
{
    zf_queue_bucket_t *b0 = &q->b[0];
    for (;;) {
        if (b0->head == b0->len) {
            b0->head = b0->len = 0;
            if (!refill_bucket0(q))
                return false;
            continue;
        }
        *out = b0->v[b0->head++];
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
