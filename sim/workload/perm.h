/* perm: keyed pseudo-random permutations of [0, n) and keyed hashes, so the workload can
 * pick "exactly round(f n) devices chosen by a hash" (offline devices, fleet bursts,
 * agency queries) without storing a list, independent of memory addresses or order. */
#ifndef ZF_WL_PERM_H
#define ZF_WL_PERM_H

#include <stdint.h>

typedef struct zf_perm {
    uint64_t key;
    uint32_t n;     /* domain [0, n) */
    unsigned half;  /* bits of each Feistel half: 2^(2 half) >= n */
} zf_perm_t;

/* SplitMix64 finaliser of x (Steele, Lea, Flood 2014): a keyed hash when x mixes a key. */
uint64_t zf_perm_mix(uint64_t x);

/* A permutation of [0, n), n >= 1, chosen by key. */
void zf_perm_init(zf_perm_t *p, uint64_t key, uint32_t n);

/* Image of x < n: a 4-round Feistel network on 2^(2 half) values with cycle walking
 * (Black and Rogaway 2002) so the result stays below n. */
uint32_t zf_perm_apply(const zf_perm_t *p, uint32_t x);

/* Number of the n elements chosen by a fraction f in [0, 1]: round(f n). Element x is
 * chosen when zf_perm_apply(x) < that number. */
uint32_t zf_perm_count(uint32_t n, double f);

#endif
