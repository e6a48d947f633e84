/* Tests of loadgen/ledger and loadgen/verify: write attempts folded per write id
 * (acknowledged, indeterminate, failed), the summary (lost writes and the RPO they span,
 * indeterminate writes found stored, duplicates, unverified and which of those leave the
 * loss unknown), the verification command's output read back, and a million writes in 24
 * bytes each. */
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/verify.h"

static zf_ledger_t l;

static void init(void) { zf_ledger_init(&l); }
static void fini(void) { zf_ledger_free(&l); }

TestSuite(verify, .init = init, .fini = fini);

static void add(uint64_t id, zf_time_t end_ms, int outcome)
{
    cr_assert_eq(zf_ledger_add(&l, id, 0, end_ms * ZF_MS, outcome), 0);
}

static void check(uint64_t id, int result, uint32_t applied)
{
    size_t i = zf_ledger_find(&l, id);
    cr_assert_neq(i, SIZE_MAX, "write %llu", (unsigned long long)id);
    l.v[i].check = (uint8_t)result;
    l.v[i].applied = applied;
}

Test(verify, attempts_fold_into_one_entry_per_write)
{
    add(7, 900, ZF_WRITE_UNKNOWN);  /* timed out, */
    add(7, 1500, ZF_WRITE_ACKED);   /* then its retry acknowledged */
    add(7, 1400, ZF_WRITE_ACKED);   /* (an earlier acknowledgement counts) */
    add(3, 100, ZF_WRITE_FAILED);
    add(3, 300, ZF_WRITE_UNKNOWN);
    add(5, 200, ZF_WRITE_FAILED);
    zf_ledger_fold(&l);
    cr_assert_eq(l.n, 3);
    cr_assert_eq(l.v[0].id, 3);
    cr_assert_eq(l.v[0].state, ZF_WRITE_FAILED | ZF_WRITE_UNKNOWN);
    cr_assert_eq(l.v[0].t_ms, 300, "unacknowledged: the last attempt's end");
    cr_assert(zf_write_to_check(&l.v[0]));
    cr_assert(!zf_write_to_check(&l.v[1]), "certainly failed: nothing to read");
    cr_assert_eq(l.v[2].t_ms, 1400, "acknowledged: the first acknowledgement");
    cr_assert_eq(zf_ledger_find(&l, 4), SIZE_MAX);
}

Test(verify, the_summary_counts_lost_writes_and_their_span)
{
    for (uint64_t id = 1; id <= 10; id++)
        add(id, (zf_time_t)id * 1000, ZF_WRITE_ACKED);
    add(11, 11000, ZF_WRITE_UNKNOWN);
    add(12, 12000, ZF_WRITE_UNKNOWN);
    add(13, 13000, ZF_WRITE_FAILED);
    zf_ledger_fold(&l);
    for (uint64_t id = 1; id <= 12; id++)
        check(id, ZF_CHECK_FOUND, 1);
    check(3, ZF_CHECK_MISSING, 0);
    check(8, ZF_CHECK_MISSING, 0);
    check(4, ZF_CHECK_FOUND, 2);
    check(12, ZF_CHECK_MISSING, 0);
    check(10, ZF_CHECK_ERROR, 0);
    zf_ledger_sum_t s;
    uint64_t acked[1] = {0}, lost[1] = {0};
    zf_ledger_summarise(&l, &s, acked, lost, 1);
    cr_assert_eq(s.writes, 13);
    cr_assert_eq(s.acknowledged, 10);
    cr_assert_eq(s.lost, 2);
    cr_assert_eq(s.rpo_ns, 5 * ZF_S, "from the first lost acknowledgement to the last");
    cr_assert_eq(s.lost_first_ns, 3 * ZF_S);
    cr_assert_eq(s.lost_last_ns, 8 * ZF_S);
    cr_assert_eq(s.indeterminate, 2);
    cr_assert_eq(s.indeterminate_stored, 1);
    cr_assert_eq(s.failed, 1);
    cr_assert_eq(s.duplicated, 1);
    cr_assert_eq(s.unverified, 1);
    cr_assert_eq(s.unverified_acked, 1);
    cr_assert_eq(acked[0], 10);
    cr_assert_eq(lost[0], 2);
}

Test(verify, only_acknowledged_writes_without_an_answer_leave_the_loss_unknown)
{
    add(1, 100, ZF_WRITE_ACKED);
    add(2, 200, ZF_WRITE_ACKED);
    add(3, 300, ZF_WRITE_UNKNOWN);
    add(4, 400, ZF_WRITE_FAILED);
    zf_ledger_fold(&l);
    zf_ledger_sum_t s;
    zf_ledger_summarise(&l, &s, NULL, NULL, 0);
    cr_assert_eq(s.unverified, 0, "not read yet is not unverified");
    check(1, ZF_CHECK_MISSING, 0);
    check(2, ZF_CHECK_FOUND, 1);
    check(3, ZF_CHECK_ERROR, 0);
    zf_ledger_summarise(&l, &s, NULL, NULL, 0);
    cr_assert_eq(s.unverified, 1);
    cr_assert_eq(s.unverified_acked, 0, "an indeterminate write: loss is still known");
    check(2, ZF_CHECK_ERROR, 0);
    zf_ledger_summarise(&l, &s, NULL, NULL, 0);
    cr_assert_eq(s.unverified, 2);
    cr_assert_eq(s.unverified_acked, 1);
    cr_assert_eq(s.lost, 1, "the write found missing still counts");
}

Test(verify, one_lost_write_spans_no_time_and_none_lost_is_rpo_zero)
{
    add(1, 500, ZF_WRITE_ACKED);
    add(2, 700, ZF_WRITE_ACKED);
    zf_ledger_fold(&l);
    zf_ledger_sum_t s;
    zf_ledger_summarise(&l, &s, NULL, NULL, 0);
    cr_assert_eq(s.lost, 0);
    cr_assert_eq(s.rpo_ns, 0);
    cr_assert_eq(s.lost_first_ns, -1);
    check(2, ZF_CHECK_MISSING, 0);
    zf_ledger_summarise(&l, &s, NULL, NULL, 0);
    cr_assert_eq(s.lost, 1);
    cr_assert_eq(s.rpo_ns, 0);
}

Test(verify, the_command_output_sets_each_write_and_the_rest_stay_unverified)
{
    for (uint64_t id = 100; id < 105; id++)
        add(id, 10, ZF_WRITE_ACKED);
    add(105, 10, ZF_WRITE_FAILED);
    zf_ledger_fold(&l);
    char ids[] = "/tmp/zf-verify-ids.XXXXXX", outp[] = "/tmp/zf-verify-out.XXXXXX";
    int fd = mkstemp(ids);
    close(fd);
    zf_err_t err;
    size_t n;
    cr_assert_eq(zf_verify_ids_write(&l, ids, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 5, "failed writes are not asked about");
    FILE *f = fdopen(mkstemp(outp), "w");
    fputs("# id count\n100 1\n101 0\n\n102 3\n999 1\n105 1\n", f);
    fclose(f);
    zf_verify_stats_t st;
    cr_assert_eq(zf_verify_command_read(&l, outp, &st, &err), 0, "%s", err.msg);
    cr_assert_eq(l.v[zf_ledger_find(&l, 100)].check, ZF_CHECK_FOUND);
    cr_assert_eq(l.v[zf_ledger_find(&l, 101)].check, ZF_CHECK_MISSING);
    cr_assert_eq(l.v[zf_ledger_find(&l, 102)].applied, 3);
    cr_assert_eq(l.v[zf_ledger_find(&l, 103)].check, ZF_CHECK_ERROR, "not mentioned");
    cr_assert_eq(l.v[zf_ledger_find(&l, 105)].check, ZF_CHECK_NONE, "not asked, ignored");
    cr_assert_eq(st.found, 2);
    cr_assert_eq(st.missing, 1);
    cr_assert_eq(st.errors, 2);
    f = fopen(outp, "w");
    fputs("100 1\n101 two\n", f);
    fclose(f);
    cr_assert_eq(zf_verify_command_read(&l, outp, &st, &err), ZF_EINVAL);
    char want[256];
    snprintf(want, sizeof want, "%s:2: expected \"WRITE_ID COUNT\" (COUNT 0: not stored)", outp);
    cr_assert_str_eq(err.msg, want);
    unlink(ids);
    unlink(outp);
}

Test(verify, a_million_writes_take_24_bytes_each_and_fold_quickly)
{
    cr_assert_eq(sizeof(zf_write_t), 24);
    zf_time_t t0 = zf_wall_now();
    for (uint64_t i = 0; i < 1000000; i++)
        cr_assert_eq(zf_ledger_add(&l, 1ull << 63 | (i * 2654435761u) % 1000003, 0,
                                   (zf_time_t)i * ZF_US, ZF_WRITE_ACKED), 0);
    cr_assert(l.cap * sizeof *l.v <= 32u << 20, "%zu bytes", l.cap * sizeof *l.v);
    zf_ledger_fold(&l);
    cr_assert_eq(l.n, 1000000);
    for (size_t i = 1; i < l.n; i++)
        cr_assert(l.v[i - 1].id < l.v[i].id);
    cr_assert(zf_wall_now() - t0 < 20 * ZF_S, "a million writes are fine");
}
