/* calendar: a ring of time buckets holding timers until their bucket is released into the
 * main event queue. Appending is a sequential write into the bucket's last chunk and a
 * release reads its chunks in order, so a million pending timers cost no cache misses in
 * the main queue's redistributions (which is where a radix heap spends its time on
 * long-lived events). Chunks come from one pool and go back to it when released. */
#include "workload/calendar.h"
#include "engine/err.h"

#include <assert.h>
#include <stdlib.h>
#include <string.h>

#define NB_TARGET 1024 /* buckets aimed at: 2 s buckets for a 30-minute report interval */
#define NB_MAX 65536
#define SHIFT_MIN 10   /* buckets of at least 1 us */
#define SHIFT_MAX 32   /* so that a time within a bucket fits in 32 bits */
#define CHUNK_MIN 4
#define CHUNK_MAX 64   /* entries: 1 KiB of entries per chunk */
#define SLAB_CHUNKS 64

typedef struct zf_cal_entry { /* 16 bytes */
    uint32_t dt;              /* time - start of the bucket, ns */
    uint32_t obj;
    uint64_t arg;
} entry_t;

typedef struct zf_cal_chunk {
    struct zf_cal_chunk *next; /* next chunk of the bucket, or of the free list */
    uint32_t n, unused;
    entry_t e[];
} chunk_t;

typedef struct zf_cal_slab {
    struct zf_cal_slab *next;
    max_align_t chunks[]; /* SLAB_CHUNKS chunks of chunk_bytes() */
} slab_t;

typedef struct zf_cal_bucket {
    chunk_t *first, *last;
} bucket_t;

static size_t chunk_bytes(const zf_calendar_t *c)
{
    return sizeof(chunk_t) + c->chunk_len * sizeof(entry_t);
}

static uint32_t ceil_log2(uint64_t x)
{
    return x <= 1 ? 0 : 64 - (uint32_t)__builtin_clzll(x - 1);
}

int zf_cal_init(zf_calendar_t *c, zf_time_t horizon_ns, size_t expected)
{
    memset(c, 0, sizeof *c);
    if (horizon_ns <= 0)
        return 0;
    /* span = nb 2^shift > horizon, with about NB_TARGET buckets when W allows */
    uint64_t need = (uint64_t)horizon_ns + 1;
    uint32_t shift = ceil_log2((need + NB_TARGET - 1) / NB_TARGET);
    shift = shift < SHIFT_MIN ? SHIFT_MIN : shift > SHIFT_MAX ? SHIFT_MAX : shift;
    uint32_t lg = ceil_log2((need + (1ull << shift) - 1) >> shift);
    uint64_t nb = 1ull << (lg > 16 ? 16 : lg); /* beyond: the caller queues it itself */
    /* chunks of about a quarter of a bucket's share, so that partly filled last chunks
     * cost little beside the entries themselves */
    size_t per = expected / nb / 4, len = CHUNK_MIN;
    while (len < CHUNK_MAX && len * 2 <= per)
        len *= 2;
    if (!(c->b = calloc(nb, sizeof *c->b)))
        return ZF_ENOMEM;
    c->nb = (uint32_t)nb;
    c->shift = shift;
    c->chunk_len = (uint32_t)len;
    return 0;
}

void zf_cal_free(zf_calendar_t *c)
{
    while (c->slabs) {
        slab_t *next = c->slabs->next;
        free(c->slabs);
        c->slabs = next;
    }
    free(c->b);
    free(c->due);
    memset(c, 0, sizeof *c);
}

size_t zf_cal_bytes(const zf_calendar_t *c)
{
    return c->nb * sizeof(bucket_t) + c->chunks_total * chunk_bytes(c) +
           c->due_cap * sizeof(entry_t);
}

/* A chunk from the pool, growing it by a slab when empty; NULL when out of memory. */
static chunk_t *chunk_get(zf_calendar_t *c)
{
    if (!c->free_chunks) {
        size_t cb = chunk_bytes(c);
        slab_t *s = malloc(sizeof *s + SLAB_CHUNKS * cb);
        if (!s)
            return NULL;
        s->next = c->slabs;
        c->slabs = s;
        for (size_t i = SLAB_CHUNKS; i-- > 0;) {
            chunk_t *k = (chunk_t *)((char *)s->chunks + i * cb);
            k->next = c->free_chunks;
            c->free_chunks = k;
        }
        c->chunks_total += SLAB_CHUNKS;
    }
    chunk_t *k = c->free_chunks;
    c->free_chunks = k->next;
    k->next = NULL;
    k->n = 0;
    return k;
}

int zf_cal_add(zf_calendar_t *c, zf_time_t t, uint32_t obj, uint64_t arg)
{
    assert(zf_cal_holds(c, t));
    bucket_t *b = &c->b[((uint64_t)t >> c->shift) & (c->nb - 1)];
    chunk_t *k = b->last;
    if (!k || k->n == c->chunk_len) {
        if (!(k = chunk_get(c)))
            return ZF_ENOMEM;
        if (b->last)
            b->last->next = k;
        else
            b->first = k;
        b->last = k;
    }
    uint64_t mask = (1ull << c->shift) - 1;
    k->e[k->n++] = (entry_t){(uint32_t)((uint64_t)t & mask), obj, arg};
    c->count++;
    return 0;
}

void zf_cal_skip_to(zf_calendar_t *c, zf_time_t now)
{
    assert(c->count == 0);
    if (c->nb == 0 || now <= c->from)
        return;
    uint64_t w = 1ull << c->shift;
    c->from = (zf_time_t)(((uint64_t)now + w - 1) & ~(w - 1));
}

/* Copies the chunks from k on into c->due in order of sub-slot (a stable counting sort)
 * and fills c->sub. 0 or ZF_ENOMEM. */
static int sort_due(zf_calendar_t *c, const chunk_t *k)
{
    uint32_t *sub = c->sub, sub_shift = c->shift - ZF_CAL_SUB_BITS;
    size_t n = 0;
    memset(sub, 0, sizeof c->sub);
    for (const chunk_t *x = k; x; x = x->next) {
        for (uint32_t i = 0; i < x->n; i++)
            sub[(x->e[i].dt >> sub_shift) + 1]++;
        n += x->n;
    }
    if (n > c->due_cap) {
        size_t cap = n + n / 4;
        entry_t *v = malloc(cap * sizeof *v);
        if (!v)
            return ZF_ENOMEM;
        free(c->due);
        c->due = v;
        c->due_cap = cap;
    }
    for (uint32_t s = 0; s < ZF_CAL_SUBS; s++)
        sub[s + 1] += sub[s];
    uint32_t pos[ZF_CAL_SUBS];
    memcpy(pos, sub, sizeof pos);
    for (const chunk_t *x = k; x; x = x->next)
        for (uint32_t i = 0; i < x->n; i++)
            c->due[pos[x->e[i].dt >> sub_shift]++] = x->e[i];
    return 0;
}

int zf_cal_release(zf_calendar_t *c, zf_queue_t *q, unsigned kind)
{
    if (c->nb == 0)
        return 0;
    bucket_t *b = &c->b[((uint64_t)c->from >> c->shift) & (c->nb - 1)];
    zf_time_t from = c->from;
    chunk_t *k = b->first;
    int rc = sort_due(c, k);
    b->first = b->last = NULL;
    c->from += (zf_time_t)1 << c->shift;
    c->due_from = from;
    c->hinted = 0;
    for (uint32_t i = 0; i < c->sub[ZF_CAL_SUBS] && rc == 0; i++)
        rc = zf_queue_push(q, from + c->due[i].dt, kind, c->due[i].obj, c->due[i].arg);
    while (k) {
        chunk_t *next = k->next;
        c->count -= k->n;
        k->next = c->free_chunks;
        c->free_chunks = k;
        k = next;
    }
    if (rc)
        c->sub[ZF_CAL_SUBS] = 0; /* no hints from a bucket not fully released */
    return rc;
}

void zf_cal_prefetch_next(zf_calendar_t *c, zf_time_t now, const char *base, size_t stride,
                          size_t size)
{
    if (now < c->due_from || c->hinted >= ZF_CAL_SUBS)
        return;
    uint64_t s = ((uint64_t)(now - c->due_from) >> (c->shift - ZF_CAL_SUB_BITS)) + 1;
    for (; c->hinted <= s && c->hinted < ZF_CAL_SUBS; c->hinted++)
        for (uint32_t i = c->sub[c->hinted]; i < c->sub[c->hinted + 1]; i++) {
            const char *p = base + (size_t)c->due[i].obj * stride;
            __builtin_prefetch(p, 1);
            __builtin_prefetch(p + size - 1, 1);
        }
}
