/* Tests of sim/workload/trace: a binary trace reads back record for record with its
 * header; CSV has the documented header and rows; files appear only when complete; a
 * truncated, foreign or newer file is refused with a message saying which. */
#include "workload_fixture.h"
#include "workload/trace.h"

#include <stdio.h>
#include <unistd.h>

static zf_scenario_t *sc;
static char dir[] = "/tmp/zf_test_trace_XXXXXX";
static char path[256];

static void init(void)
{
    cr_assert_not_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/t.zft", dir);
    sc = fx_parse("{" FX_HEAD "'duration': '2h', " FX_KINDS "'workload': {'devices': "
                  "{'count': 200, 'report': {'kind': 'report', 'interval': '10m'}, 'trips': "
                  "{'per_day': 4, 'gps_kind': 'gps', 'ignition_kind': 'ignition'}}, 'web': "
                  "{'peak_rate_per_s': 1, 'mix': [{'kind': 'page'}]}}}");
}

static void fini(void)
{
    zf_scenario_free(sc);
    sc = NULL;
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(trace, .init = init, .fini = fini);

typedef struct collect {
    zf_request_t *r;
    size_t n, cap;
    zf_trace_writer_t *w;
} collect_t;

static int on_request(void *ctx, const zf_request_t *r)
{
    collect_t *c = ctx;
    if (c->n == c->cap) {
        c->cap = c->cap ? 2 * c->cap : 1024;
        c->r = realloc(c->r, c->cap * sizeof *c->r);
        cr_assert_not_null(c->r);
    }
    c->r[c->n++] = *r;
    return c->w ? zf_trace_write(c->w, r) : 0;
}

/* Writes the scenario's base stream to path in fmt; returns the requests written. */
static collect_t write_trace(zf_trace_format_t fmt)
{
    collect_t c = {0};
    zf_err_t err = {{0}};
    cr_assert_eq(zf_trace_writer_open(path, fmt, sc, 42, 2 * ZF_HOUR, &c.w, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(zf_workload_generate(sc, 42, 2 * ZF_HOUR, on_request, &c, NULL, &err), 0);
    cr_assert_eq(zf_trace_writer_count(c.w), c.n);
    cr_assert_eq(zf_trace_writer_close(c.w, &err), 0, "%s", err.msg);
    c.w = NULL;
    return c;
}

static void expect_refused(const char *msg)
{
    zf_trace_t *t = NULL;
    zf_err_t err = {{0}};
    cr_assert_eq(zf_trace_open(path, &t, &err), ZF_EINVAL);
    cr_assert_null(t);
    cr_assert_str_eq(err.msg, msg);
}

Test(trace, a_binary_trace_reads_back_identical_records)
{
    collect_t c = write_trace(ZF_TRACE_BIN);
    cr_assert_gt(c.n, 1000);
    zf_trace_t *t;
    zf_err_t err = {{0}};
    cr_assert_eq(zf_trace_open(path, &t, &err), 0, "%s", err.msg);
    const zf_trace_info_t *info = zf_trace_info(t);
    cr_assert_str_eq(info->scenario, "w");
    cr_assert_eq(info->seed, 42);
    cr_assert_eq(info->count, c.n);
    cr_assert_eq(info->until, 2 * ZF_HOUR);
    cr_assert_eq(info->nkinds, 7);
    zf_request_t r;
    size_t i = 0;
    int rc;
    while ((rc = zf_trace_next(t, &r, &err)) == 1) {
        cr_assert_lt(i, c.n);
        cr_assert(memcmp(&r, &c.r[i], sizeof r) == 0, "record %zu differs", i);
        i++;
    }
    cr_assert_eq(rc, 0, "%s", err.msg);
    cr_assert_eq(i, c.n);
    zf_trace_close(t);
    FILE *f = fopen(path, "rb");
    cr_assert_eq(fseek(f, 0, SEEK_END), 0);
    cr_assert_eq(ftell(f), (long)(ZF_TRACE_HEADER_SIZE + ZF_TRACE_RECORD_SIZE * c.n));
    fclose(f);
    free(c.r);
}

Test(trace, records_are_little_endian_at_the_documented_offsets)
{
    collect_t c = write_trace(ZF_TRACE_BIN);
    uint8_t h[ZF_TRACE_HEADER_SIZE + ZF_TRACE_RECORD_SIZE];
    FILE *f = fopen(path, "rb");
    cr_assert_eq(fread(h, sizeof h, 1, f), 1);
    fclose(f);
    cr_assert(memcmp(h, "ZFTRACE1", 8) == 0);
    cr_assert_eq(h[8], 1, "version 1");
    cr_assert_eq(h[12], 128, "header size");
    cr_assert_eq(h[16], 32, "record size");
    cr_assert_eq(h[24], 42, "seed");
    cr_assert_str_eq((char *)h + 48, "w");
    const uint8_t *rec = h + ZF_TRACE_HEADER_SIZE;
    uint64_t t = 0;
    for (int i = 7; i >= 0; i--)
        t = t << 8 | rec[i];
    cr_assert_eq((zf_time_t)t, c.r[0].t);
    cr_assert_eq(rec[16], c.r[0].kind);
    cr_assert_eq(rec[28], c.r[0].source);
    free(c.r);
}

Test(trace, csv_has_the_documented_header_and_one_row_per_request)
{
    collect_t c = write_trace(ZF_TRACE_CSV);
    FILE *f = fopen(path, "r");
    char line[256], want[256];
    cr_assert_not_null(fgets(line, sizeof line, f));
    cr_assert_str_eq(line, "t_ns,kind,source,entity,seq,write_id,attempt\n");
    size_t rows = 0;
    while (fgets(line, sizeof line, f)) {
        const zf_request_t *r = &c.r[rows++];
        snprintf(want, sizeof want, "%lld,%s,%s,%u,%u,%llu,%u\n", (long long)r->t,
                 sc->kinds[r->kind].name, r->source == ZF_SRC_DEVICE ? "device" : "web",
                 r->entity, r->seq, (unsigned long long)r->write_id, r->attempt);
        cr_assert_str_eq(line, want);
    }
    fclose(f);
    cr_assert_eq(rows, c.n);
    free(c.r);
}

Test(trace, only_the_complete_file_appears)
{
    zf_trace_writer_t *w;
    zf_err_t err = {{0}};
    zf_request_t r = {ZF_S, 0, 0, 1, 2, ZF_SRC_DEVICE, 0, 0};
    cr_assert_eq(zf_trace_writer_open(path, ZF_TRACE_BIN, sc, 1, ZF_HOUR, &w, &err), 0);
    cr_assert_eq(zf_trace_write(w, &r), 0);
    cr_assert_neq(access(path, F_OK), 0, "nothing at the final name while writing");
    zf_trace_writer_abort(w);
    char cmd[300];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A %s)\"", dir);
    cr_assert_eq(system(cmd), 0, "abort leaves no temporary behind");
    cr_assert_eq(zf_trace_writer_open("/nonexistent/dir/t.zft", ZF_TRACE_BIN, sc, 1, ZF_HOUR,
                                      &w, &err), ZF_EIO);
    cr_assert_str_eq(err.msg, "/nonexistent/dir/t.zft: cannot write: No such file or directory");
}

Test(trace, a_truncated_trace_is_refused_with_what_is_missing)
{
    collect_t c = write_trace(ZF_TRACE_BIN);
    long size = (long)(ZF_TRACE_HEADER_SIZE + ZF_TRACE_RECORD_SIZE * c.n);
    cr_assert_eq(truncate(path, size - 40), 0);
    char msg[512];
    snprintf(msg, sizeof msg, "%s: truncated or damaged trace: the header announces %zu "
             "records (%zu bytes after the header) but the file holds %zu bytes after the "
             "header", path, c.n, 32 * c.n, 32 * c.n - 40);
    expect_refused(msg);
    cr_assert_eq(truncate(path, 100), 0);
    snprintf(msg, sizeof msg, "%s: truncated trace: 100 bytes, shorter than the 128-byte "
             "header", path);
    expect_refused(msg);
    free(c.r);
}

Test(trace, a_foreign_or_newer_file_is_refused)
{
    FILE *f = fopen(path, "w");
    fputs("t_ns,kind,source,entity,seq,write_id,attempt\n1,report,device,0,0,0,0\n", f);
    fclose(f);
    char msg[512];
    snprintf(msg, sizeof msg, "%s: not a zonefall trace (it does not start with \"ZFTRACE1\")",
             path);
    expect_refused(msg);
    collect_t c = write_trace(ZF_TRACE_BIN);
    f = fopen(path, "r+b");
    cr_assert_eq(fseek(f, 8, SEEK_SET), 0);
    fputc(2, f);
    fclose(f);
    snprintf(msg, sizeof msg, "%s: trace version 2 (header 128, records 32 bytes); this "
             "zonefall reads version 1", path);
    expect_refused(msg);
    zf_trace_t *t;
    zf_err_t err = {{0}};
    cr_assert_eq(zf_trace_open("/nonexistent.zft", &t, &err), ZF_EIO);
    cr_assert_str_eq(err.msg, "/nonexistent.zft: cannot open: No such file or directory");
    free(c.r);
}
