/* ledger: every write attempt of a replay, kept compactly (24 bytes an attempt, one array,
 * no per-write allocation), folded after the run into one entry per write id: was it
 * acknowledged, did an attempt end without an answer (outcome unknown), and what reading
 * it back found. The summary is the data-loss section of the results. */
#ifndef ZF_LG_LEDGER_H
#define ZF_LG_LEDGER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"

/* How one attempt ended, as the client can tell (Jepsen's ok / fail / info). */
enum {
    ZF_WRITE_ACKED = 1,   /* a 2xx/3xx answer: the store said it has it */
    ZF_WRITE_FAILED = 2,  /* certainly not applied: never sent, refused, or a 4xx answer */
    ZF_WRITE_UNKNOWN = 4, /* sent, then no answer (timeout, reset) or a 5xx: it may be stored */
};

/* What reading a write back found. */
enum { ZF_CHECK_NONE, ZF_CHECK_FOUND, ZF_CHECK_MISSING, ZF_CHECK_ERROR };

typedef struct zf_write {
    uint64_t id;
    uint32_t t_ms;      /* the first acknowledgement (ms from the start); unacknowledged:
                           the end of its last attempt */
    uint32_t applied;   /* found: how many times the store applied it (0: it did not say) */
    uint16_t kind;
    uint8_t state;      /* ZF_WRITE_* of every attempt, or'ed */
    uint8_t check;      /* ZF_CHECK_* */
} zf_write_t;

typedef struct zf_ledger {
    zf_write_t *v;      /* attempts, then (after fold) writes sorted by id */
    size_t n, cap;
    bool folded;
} zf_ledger_t;

typedef struct zf_ledger_sum {
    uint64_t writes;                /* distinct write ids attempted */
    uint64_t acknowledged, lost;    /* lost: acknowledged, then read back missing */
    uint64_t indeterminate;         /* never acknowledged, an attempt's outcome unknown */
    uint64_t indeterminate_stored;  /* ... and read back found */
    uint64_t failed;                /* never acknowledged, every attempt certainly failed */
    uint64_t duplicated;            /* found applied more than once */
    uint64_t unverified;            /* to be read back, but the read gave no answer */
    uint64_t unverified_acked;      /* ... of those, acknowledged: loss is then unknown */
    uint64_t checked;               /* read back (found, missing or error) */
    zf_time_t rpo_ns;               /* last minus first acknowledgement among lost writes */
    zf_time_t lost_first_ns, lost_last_ns; /* -1 when none */
} zf_ledger_sum_t;

void zf_ledger_init(zf_ledger_t *l);
void zf_ledger_free(zf_ledger_t *l);

/* Records one attempt of write `id` of `kind` that ended at end_ns (ns from the start)
 * with a ZF_WRITE_* outcome. 0 or ZF_ENOMEM. */
int zf_ledger_add(zf_ledger_t *l, uint64_t id, uint16_t kind, zf_time_t end_ns, int outcome);

/* Sorts by id and merges attempts into one entry per write (once, after the run). */
void zf_ledger_fold(zf_ledger_t *l);

/* Index of write `id` after the fold, or SIZE_MAX. */
size_t zf_ledger_find(const zf_ledger_t *l, uint64_t id);

/* Whether a folded write is read back: acknowledged, or of unknown outcome. */
static inline bool zf_write_to_check(const zf_write_t *w)
{
    return (w->state & ZF_WRITE_ACKED) || (w->state & ZF_WRITE_UNKNOWN);
}

/* Counts of the folded ledger. by_kind_acked/by_kind_lost ([nkinds], zeroed by the
 * caller) may be NULL. */
void zf_ledger_summarise(const zf_ledger_t *l, zf_ledger_sum_t *s, uint64_t *by_kind_acked,
                         uint64_t *by_kind_lost, size_t nkinds);

#endif
