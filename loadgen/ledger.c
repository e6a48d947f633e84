/* ledger: write attempts appended during the run, folded by id afterwards. */
#include "loadgen/ledger.h"
#include "engine/err.h"

#include <stdlib.h>
#include <string.h>

void zf_ledger_init(zf_ledger_t *l) { memset(l, 0, sizeof *l); }

void zf_ledger_free(zf_ledger_t *l)
{
    free(l->v);
    memset(l, 0, sizeof *l);
}

int zf_ledger_add(zf_ledger_t *l, uint64_t id, uint16_t kind, zf_time_t end_ns, int outcome)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4096;
        zf_write_t *v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return ZF_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    zf_time_t ms = end_ns < 0 ? 0 : end_ns / ZF_MS;
    l->v[l->n++] = (zf_write_t){.id = id, .t_ms = ms > UINT32_MAX ? UINT32_MAX : (uint32_t)ms,
                                .kind = kind, .state = (uint8_t)outcome};
    return 0;
}

/* By id, then acknowledged attempts first, each group in time order. */
static int by_id(const void *pa, const void *pb)
{
    const zf_write_t *a = pa, *b = pb;
    if (a->id != b->id)
        return a->id < b->id ? -1 : 1;
    int aa = (a->state & ZF_WRITE_ACKED) != 0, ba = (b->state & ZF_WRITE_ACKED) != 0;
    if (aa != ba)
        return ba - aa;
    return (a->t_ms > b->t_ms) - (a->t_ms < b->t_ms);
}

void zf_ledger_fold(zf_ledger_t *l)
{
    if (l->folded)
        return;
    if (l->n > 1)
        qsort(l->v, l->n, sizeof *l->v, by_id);
    size_t k = 0;
    for (size_t i = 0; i < l->n; i++) {
        if (k > 0 && l->v[k - 1].id == l->v[i].id) {
            zf_write_t *w = &l->v[k - 1];
            if (!(w->state & ZF_WRITE_ACKED) && l->v[i].t_ms > w->t_ms)
                w->t_ms = l->v[i].t_ms; /* unacknowledged: the last attempt's end */
            w->state |= l->v[i].state;
            continue;
        }
        l->v[k++] = l->v[i]; /* the first acknowledgement, or the earliest attempt */
    }
    l->n = k;
    l->folded = true;
}

size_t zf_ledger_find(const zf_ledger_t *l, uint64_t id)
{
    size_t lo = 0, hi = l->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->v[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->n && l->v[lo].id == id ? lo : SIZE_MAX;
}

void zf_ledger_summarise(const zf_ledger_t *l, zf_ledger_sum_t *s, uint64_t *by_kind_acked,
                         uint64_t *by_kind_lost, size_t nkinds)
{
    memset(s, 0, sizeof *s);
    s->lost_first_ns = s->lost_last_ns = -1;
    for (size_t i = 0; i < l->n; i++) {
        const zf_write_t *w = &l->v[i];
        bool acked = w->state & ZF_WRITE_ACKED, in_kinds = w->kind < nkinds;
        s->writes++;
        s->checked += w->check != ZF_CHECK_NONE;
        bool unverified = zf_write_to_check(w) && w->check == ZF_CHECK_ERROR;
        s->unverified += unverified;
        s->unverified_acked += unverified && acked;
        s->duplicated += w->check == ZF_CHECK_FOUND && w->applied > 1;
        if (acked) {
            s->acknowledged++;
            if (by_kind_acked && in_kinds)
                by_kind_acked[w->kind]++;
        } else if (w->state & ZF_WRITE_UNKNOWN) {
            s->indeterminate++;
            s->indeterminate_stored += w->check == ZF_CHECK_FOUND;
        } else {
            s->failed++;
        }
        if (!acked || w->check != ZF_CHECK_MISSING)
            continue;
        zf_time_t t = (zf_time_t)w->t_ms * ZF_MS;
        s->lost++;
        if (by_kind_lost && in_kinds)
            by_kind_lost[w->kind]++;
        if (s->lost_first_ns < 0 || t < s->lost_first_ns)
            s->lost_first_ns = t;
        if (t > s->lost_last_ns)
            s->lost_last_ns = t;
    }
    s->rpo_ns = s->lost > 0 ? s->lost_last_ns - s->lost_first_ns : 0;
}
