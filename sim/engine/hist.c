/* hist: log-linear latency histogram. Values 0..127 have a bucket each; above, every
 * power of two [2^e, 2^(e+1)) is split into 128 equal sub-buckets, so a bucket is at most
 * 1/128 of its lower edge wide and its midpoint is within 0.4% of any value in it. The
 * used index range [lo, hi] keeps reset and quantile scans proportional to what was used
 * (per-second histograms are reset 86,400 times per simulated day). */
#include "engine/hist.h"
#include "engine/err.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Marks the used range as empty: lo > hi. */
static void mark_empty(zf_hist_t *h)
{
    h->total = 0;
    h->min = 0;
    h->max = 0;
    h->sum = 0.0;
    h->lo = ZF_HIST_BUCKETS;
    h->hi = 0;
}

int zf_hist_init(zf_hist_t *h)
{
    h->counts = calloc(ZF_HIST_BUCKETS, sizeof *h->counts);
    mark_empty(h);
    return h->counts ? 0 : ZF_ENOMEM;
}

void zf_hist_free(zf_hist_t *h)
{
    free(h->counts);
    h->counts = NULL;
    mark_empty(h);
}

void zf_hist_reset(zf_hist_t *h)
{
    if (h->total > 0)
        memset(h->counts + h->lo, 0, (size_t)(h->hi - h->lo + 1) * sizeof *h->counts);
    mark_empty(h);
}

uint32_t zf_hist_index(int64_t v)
{
    return zf_hist_index_of_(v < 0 ? 0 : (uint64_t)v);
}

/* Bucket `index` holds [low, low + 2^shift - 1]; shift 0 below 2 * ZF_HIST_SUB. */
static unsigned bucket_shift(uint32_t index)
{
    return index < ZF_HIST_SUB ? 0 : index / ZF_HIST_SUB - 1;
}

int64_t zf_hist_bucket_low(uint32_t index)
{
    assert(index < ZF_HIST_BUCKETS);
    if (index < ZF_HIST_SUB)
        return (int64_t)index;
    uint64_t sub = index % ZF_HIST_SUB;
    return (int64_t)((ZF_HIST_SUB + sub) << bucket_shift(index));
}

int64_t zf_hist_bucket_high(uint32_t index)
{
    /* computed as low + (width - 1): the last bucket ends at INT64_MAX, no overflow */
    uint64_t width_minus_1 = (UINT64_C(1) << bucket_shift(index)) - 1;
    return zf_hist_bucket_low(index) + (int64_t)width_minus_1;
}

void zf_hist_record_n(zf_hist_t *h, int64_t v, uint64_t n)
{
    if (n == 0)
        return;
    v = v < 0 ? 0 : v;
    uint32_t i = zf_hist_index_of_((uint64_t)v);
    h->counts[i] += n;
    zf_hist_note_(h, v, i);
    h->total += n;
    h->sum += (double)v * (double)n;
}

void zf_hist_merge(zf_hist_t *dst, const zf_hist_t *src)
{
    if (src->total == 0)
        return;
    for (uint32_t i = src->lo; i <= src->hi; i++)
        dst->counts[i] += src->counts[i];
    if (dst->total == 0) {
        dst->min = src->min;
        dst->max = src->max;
    } else {
        dst->min = src->min < dst->min ? src->min : dst->min;
        dst->max = src->max > dst->max ? src->max : dst->max;
    }
    dst->lo = src->lo < dst->lo ? src->lo : dst->lo;
    dst->hi = src->hi > dst->hi ? src->hi : dst->hi;
    dst->total += src->total;
    dst->sum += src->sum;
}

/* Index of the smallest bucket whose cumulative count reaches rank (1 <= rank <= total). */
static uint32_t rank_index(const zf_hist_t *h, uint64_t rank)
{
    uint64_t cum = 0;
    uint32_t i = h->lo;
    for (; i < h->hi; i++) {
        cum += h->counts[i];
        if (cum >= rank)
            break;
    }
    return i;
}

int64_t zf_hist_quantile(const zf_hist_t *h, double q)
{
    if (h->total == 0)
        return 0;
    if (!(q > 0.0)) /* also NaN */
        return h->min;
    if (q >= 1.0)
        return h->max;
    double r = ceil(q * (double)h->total);
    uint64_t rank = r < 1.0 ? 1 : (uint64_t)r;
    rank = rank > h->total ? h->total : rank;
    uint32_t i = rank_index(h, rank);
    int64_t low = zf_hist_bucket_low(i);
    int64_t mid = low + (zf_hist_bucket_high(i) - low) / 2;
    if (mid < h->min)
        return h->min;
    return mid > h->max ? h->max : mid;
}

double zf_hist_mean(const zf_hist_t *h)
{
    return h->total ? h->sum / (double)h->total : 0.0;
}
