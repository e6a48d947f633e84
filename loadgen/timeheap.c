/* timeheap: classic array heap; each move rewrites the moved node's pos. */
#include "loadgen/timeheap.h"

#include <stdlib.h>

#include "engine/err.h"

void zf_theap_init(zf_theap_t *h)
{
    h->v = NULL;
    h->n = h->cap = 0;
}

void zf_theap_free(zf_theap_t *h)
{
    for (uint32_t i = 0; i < h->n; i++)
        h->v[i]->pos = 0;
    free(h->v);
    zf_theap_init(h);
}

static void place(zf_theap_t *h, uint32_t i, zf_theap_node_t *x)
{
    h->v[i] = x;
    x->pos = i + 1;
}

static void sift_up(zf_theap_t *h, uint32_t i, zf_theap_node_t *x)
{
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (h->v[parent]->at <= x->at)
            break;
        place(h, i, h->v[parent]);
        i = parent;
    }
    place(h, i, x);
}

static void sift_down(zf_theap_t *h, uint32_t i, zf_theap_node_t *x)
{
    for (;;) {
        uint32_t c = 2 * i + 1;
        if (c >= h->n)
            break;
        if (c + 1 < h->n && h->v[c + 1]->at < h->v[c]->at)
            c++;
        if (x->at <= h->v[c]->at)
            break;
        place(h, i, h->v[c]);
        i = c;
    }
    place(h, i, x);
}

int zf_theap_push(zf_theap_t *h, zf_theap_node_t *node)
{
    if (h->n == h->cap) {
        uint32_t cap = h->cap ? h->cap * 2 : 64;
        zf_theap_node_t **v = realloc(h->v, cap * sizeof *v);
        if (!v)
            return ZF_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    sift_up(h, h->n++, node);
    return 0;
}

void zf_theap_remove(zf_theap_t *h, zf_theap_node_t *node)
{
    if (!node->pos)
        return;
    uint32_t i = node->pos - 1;
    node->pos = 0;
    zf_theap_node_t *last = h->v[--h->n];
    if (last == node)
        return;
    /* the last node fills the hole; it may need to go either way */
    if (i > 0 && last->at < h->v[(i - 1) / 2]->at)
        sift_up(h, i, last);
    else
        sift_down(h, i, last);
}

zf_theap_node_t *zf_theap_pop(zf_theap_t *h)
{
    zf_theap_node_t *top = zf_theap_min(h);
    if (top)
        zf_theap_remove(h, top);
    return top;
}
