/* hist: log-linear histogram of non-negative int64 values (latencies in ns) from 1 ns to
 * centuries, 128 sub-buckets per power of two, so every quantile is within 0.4% of the
 * truth (issue target: 1%). Merging two histograms is exact (shards, replications). */
#ifndef ZF_HIST_H
#define ZF_HIST_H

#include <stddef.h>
#include <stdint.h>

#define ZF_HIST_SUB_BITS 7
#define ZF_HIST_SUB (1 << ZF_HIST_SUB_BITS)               /* 128 */
#define ZF_HIST_BUCKETS ((64 - ZF_HIST_SUB_BITS) * ZF_HIST_SUB) /* 7296 */

typedef struct zf_hist {
    uint64_t *counts;     /* ZF_HIST_BUCKETS, owned */
    uint64_t total;
    int64_t min, max;     /* exact extremes of recorded values */
    double sum;           /* for the exact mean */
    uint32_t lo, hi;      /* used index range [lo, hi], for fast reset and iteration */
} zf_hist_t;

/* 0 or ZF_ENOMEM. Pair with zf_hist_free. */
int zf_hist_init(zf_hist_t *h);
void zf_hist_free(zf_hist_t *h);
void zf_hist_reset(zf_hist_t *h);

/* Index of the bucket holding v (v < 0 is recorded as 0), and that bucket's range. */
uint32_t zf_hist_index(int64_t v);
int64_t zf_hist_bucket_low(uint32_t index);
int64_t zf_hist_bucket_high(uint32_t index); /* inclusive */

/* Internal helpers of zf_hist_record, inline here. */
/* Bucket of v >= 0. Below ZF_HIST_SUB the exponent term is 0 and the value itself is
 * the index: (u | SUB) keeps clz defined and lands those values in [SUB, 2 SUB), shifted
 * back down by the - SUB term, with no branch. */
static inline uint32_t zf_hist_index_of_(uint64_t u)
{
    unsigned e = 63u - (unsigned)__builtin_clzll(u | ZF_HIST_SUB); /* e >= ZF_HIST_SUB_BITS */
    unsigned sub = (unsigned)(u >> (e - ZF_HIST_SUB_BITS)) & (ZF_HIST_SUB - 1);
    return (e - ZF_HIST_SUB_BITS) * ZF_HIST_SUB + sub + (u >= ZF_HIST_SUB ? ZF_HIST_SUB : 0);
}

/* Extremes and used range once v, in bucket i, is counted (before total grows). */
static inline void zf_hist_note_(zf_hist_t *h, int64_t v, uint32_t i)
{
    if (__builtin_expect(h->total == 0, 0)) {
        h->min = h->max = v;
    } else {
        h->min = v < h->min ? v : h->min;
        h->max = v > h->max ? v : h->max;
    }
    h->lo = i < h->lo ? i : h->lo;
    h->hi = i > h->hi ? i : h->hi;
}

/* zf_hist_record_n with n = 1, kept lean and inline: every simulated request ends here
 * (its kind's latency; the per-second one too when a csv is written). The same fields change the same way (sum += v * 1.0 is sum += v). */
static inline void zf_hist_record(zf_hist_t *h, int64_t v)
{
    v = v < 0 ? 0 : v;
    uint32_t i = zf_hist_index_of_((uint64_t)v);
    h->counts[i]++;
    zf_hist_note_(h, v, i);
    h->total++;
    h->sum += (double)v;
}

void zf_hist_record_n(zf_hist_t *h, int64_t v, uint64_t n);

/* dst += src, exactly. */
void zf_hist_merge(zf_hist_t *dst, const zf_hist_t *src);

/* Value at quantile q in [0, 1] (nearest rank: smallest v with count(<= v) >= q * total),
 * reported as its bucket's midpoint clamped to [min, max]; 0 when empty. */
int64_t zf_hist_quantile(const zf_hist_t *h, double q);
/* Exact mean of the recorded values (negatives counted as 0); 0 when empty. */
double zf_hist_mean(const zf_hist_t *h);

#endif
