/* perm: Feistel permutations over small domains with cycle walking, keyed by SplitMix64. */
#include "workload/perm.h"

#include <math.h>

uint64_t zf_perm_mix(uint64_t x)
{
    uint64_t z = x + 0x9e3779b97f4a7c15u;
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

void zf_perm_init(zf_perm_t *p, uint64_t key, uint32_t n)
{
    p->key = zf_perm_mix(key);
    p->n = n;
    p->half = 1;
    while ((1ull << (2 * p->half)) < (uint64_t)n)
        p->half++;
}

static uint32_t feistel(const zf_perm_t *p, uint32_t x)
{
    uint32_t mask = (1u << p->half) - 1;
    uint32_t l = x >> p->half, r = x & mask;
    for (uint64_t round = 0; round < 4; round++) {
        uint32_t f = (uint32_t)zf_perm_mix(p->key ^ (round << 56) ^ r) & mask;
        uint32_t t = r;
        r = l ^ f;
        l = t;
    }
    return (l << p->half) | r;
}

uint32_t zf_perm_apply(const zf_perm_t *p, uint32_t x)
{
    /* the domain is at most 4n, so the walk takes fewer than 4 steps on average */
    do
        x = feistel(p, x);
    while (x >= p->n);
    return x;
}

uint32_t zf_perm_count(uint32_t n, double f)
{
    if (!(f > 0)) /* also NaN */
        return 0;
    double k = floor(f * (double)n + 0.5);
    return k >= (double)n ? n : (uint32_t)k;
}
