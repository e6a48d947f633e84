/* backlog: seq-indexed blocks of message types in one growable pool with a free list. */
#include "workload/backlog.h"
#include "engine/err.h"

#include <assert.h>
#include <stdlib.h>

typedef struct zf_backlog_block {
    uint32_t next;                    /* next newer block, 0 at the tail */
    uint8_t type[ZF_BACKLOG_BLOCK];   /* type of seq s at [s % ZF_BACKLOG_BLOCK] */
} block_t;

#define SLOT(seq) ((seq) & (ZF_BACKLOG_BLOCK - 1))

void zf_backlog_pool_init(zf_backlog_pool_t *p)
{
    p->b = NULL;
    p->cap = p->used = p->free_head = 0;
}

void zf_backlog_pool_free(zf_backlog_pool_t *p)
{
    free(p->b);
    zf_backlog_pool_init(p);
}

size_t zf_backlog_pool_bytes(const zf_backlog_pool_t *p)
{
    return (size_t)p->cap * sizeof(block_t);
}

/* A block from the free list or the unused tail, growing the pool by half. 0: no memory. */
static uint32_t block_alloc(zf_backlog_pool_t *p)
{
    uint32_t i = p->free_head;
    if (i) {
        p->free_head = p->b[i].next;
    } else {
        if (p->used + 1 >= p->cap) {
            uint64_t cap = p->cap < 64 ? 64 : (uint64_t)p->cap + p->cap / 2;
            if (cap > UINT32_MAX)
                return 0;
            block_t *b = realloc(p->b, (size_t)cap * sizeof *b);
            if (!b)
                return 0;
            p->b = b;
            p->cap = (uint32_t)cap;
        }
        i = ++p->used; /* index 0 is never handed out */
    }
    p->b[i].next = 0;
    return i;
}

static void block_release(zf_backlog_pool_t *p, uint32_t i)
{
    p->b[i].next = p->free_head;
    p->free_head = i;
}

int zf_backlog_push_back(zf_backlog_pool_t *p, zf_backlog_t *bl, uint32_t seq, uint8_t type)
{
    if (!bl->tail || SLOT(seq) == 0) {
        uint32_t i = block_alloc(p);
        if (!i)
            return ZF_ENOMEM;
        if (bl->tail)
            p->b[bl->tail].next = i;
        else
            bl->head = i;
        bl->tail = i;
    }
    p->b[bl->tail].type[SLOT(seq)] = type;
    return 0;
}

int zf_backlog_push_front(zf_backlog_pool_t *p, zf_backlog_t *bl, uint32_t seq, uint8_t type)
{
    if (!bl->head || SLOT(seq) == ZF_BACKLOG_BLOCK - 1) {
        uint32_t i = block_alloc(p);
        if (!i)
            return ZF_ENOMEM;
        p->b[i].next = bl->head;
        bl->head = i;
        if (!bl->tail)
            bl->tail = i;
    }
    p->b[bl->head].type[SLOT(seq)] = type;
    return 0;
}

uint8_t zf_backlog_front(const zf_backlog_pool_t *p, const zf_backlog_t *bl, uint32_t seq_head)
{
    assert(bl->head);
    return p->b[bl->head].type[SLOT(seq_head)];
}

void zf_backlog_pop_front(zf_backlog_pool_t *p, zf_backlog_t *bl, uint32_t seq_head,
                          uint32_t left)
{
    assert(bl->head);
    if (left == 0) { /* head == tail: one block left */
        block_release(p, bl->head);
        bl->head = bl->tail = 0;
    } else if (SLOT(seq_head) == ZF_BACKLOG_BLOCK - 1) {
        uint32_t next = p->b[bl->head].next;
        block_release(p, bl->head);
        bl->head = next;
    }
}
