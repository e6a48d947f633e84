/* timeheap: indexed binary min-heap of deadlines (response and connect timeouts of the load
 * engine). Nodes are embedded in the caller's structs and know their position, so a
 * request that completes leaves the heap in O(log n) and nothing is allocated per node. */
#ifndef ZF_TIMEHEAP_H
#define ZF_TIMEHEAP_H

#include <stdint.h>

#include "engine/clock.h"

typedef struct zf_theap_node {
    zf_time_t at;   /* deadline, ns */
    uint32_t pos;   /* 1 + index in the heap; 0 when not in a heap */
} zf_theap_node_t;

typedef struct zf_theap {
    zf_theap_node_t **v;
    uint32_t n, cap;
} zf_theap_t;

/* Empty heap; storage grows on push. Pair with zf_theap_free. */
void zf_theap_init(zf_theap_t *h);
void zf_theap_free(zf_theap_t *h);

/* Inserts node (not in a heap) with node->at set. 0 or ZF_ENOMEM (node then not inserted). */
int zf_theap_push(zf_theap_t *h, zf_theap_node_t *node);

/* Removes node if it is in the heap; a node that is not is left alone. */
void zf_theap_remove(zf_theap_t *h, zf_theap_node_t *node);

/* Removes and returns the earliest node, or NULL when empty. */
zf_theap_node_t *zf_theap_pop(zf_theap_t *h);

static inline zf_theap_node_t *zf_theap_min(const zf_theap_t *h)
{
    return h->n ? h->v[0] : (zf_theap_node_t *)0;
}

static inline int zf_theap_contains(const zf_theap_node_t *node) { return node->pos != 0; }

#endif
