/* trace: portable little-endian encoding of the request stream (byte by byte, whatever
 * the host's order), atomic writing (mkstemp beside the target, fsync, rename), and a
 * reader that refuses foreign, newer or truncated files with a message saying which. */
#include "workload/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define OFF_COUNT 32 /* header offset of the record count, patched on close */

const char *zf_source_class_name(unsigned cls)
{
    static const char *const names[] = {"generic", "device", "location", "agency", "web"};
    return cls < sizeof names / sizeof names[0] ? names[cls] : "?";
}

static void put_u16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static void put_u32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static void put_u64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static uint16_t get_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t get_u32(const uint8_t *p)
{
    uint32_t v = 0;
    for (int i = 3; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

static uint64_t get_u64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* ---- writer ---- */

struct zf_trace_writer {
    FILE *f;
    zf_trace_format_t fmt;
    const zf_scenario_t *sc;
    uint64_t count;
    int error;              /* errno of the first failed write, 0 if none */
    char *path, *tmp;
};

static void encode_header(uint8_t *h, const zf_trace_info_t *info)
{
    memset(h, 0, ZF_TRACE_HEADER_SIZE);
    memcpy(h, ZF_TRACE_MAGIC, 8);
    put_u32(h + 8, ZF_TRACE_VERSION);
    put_u32(h + 12, ZF_TRACE_HEADER_SIZE);
    put_u32(h + 16, ZF_TRACE_RECORD_SIZE);
    put_u32(h + 20, info->nkinds);
    put_u64(h + 24, info->seed);
    put_u64(h + OFF_COUNT, info->count);
    put_u64(h + 40, (uint64_t)info->until);
    memcpy(h + 48, info->scenario, strnlen(info->scenario, 63));
}

static int start_file(zf_trace_writer_t *w, uint64_t seed, zf_time_t until)
{
    if (w->fmt == ZF_TRACE_CSV)
        return fputs(ZF_TRACE_CSV_HEADER "\n", w->f) < 0 ? errno : 0;
    zf_trace_info_t info = {{0}, seed, 0, until, (uint32_t)w->sc->nkinds};
    uint8_t h[ZF_TRACE_HEADER_SIZE];
    snprintf(info.scenario, sizeof info.scenario, "%s", w->sc->name);
    encode_header(h, &info);
    return fwrite(h, sizeof h, 1, w->f) == 1 ? 0 : errno;
}

static void writer_free(zf_trace_writer_t *w)
{
    if (w->f)
        fclose(w->f);
    free(w->path);
    free(w->tmp);
    free(w);
}

int zf_trace_writer_open(const char *path, zf_trace_format_t fmt, const zf_scenario_t *sc,
                         uint64_t seed, zf_time_t until, zf_trace_writer_t **out,
                         zf_err_t *err)
{
    zf_trace_writer_t *w = calloc(1, sizeof *w);
    size_t n = strlen(path);
    int fd = -1, e;
    *out = NULL;
    if (!w || !(w->path = strdup(path)) || !(w->tmp = malloc(n + 8))) {
        if (w)
            writer_free(w);
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    }
    w->fmt = fmt;
    w->sc = sc;
    snprintf(w->tmp, n + 8, "%s.XXXXXX", path);
    if ((fd = mkstemp(w->tmp)) < 0 || fchmod(fd, 0644) != 0 || !(w->f = fdopen(fd, "wb")) ||
        (e = start_file(w, seed, until)) != 0) {
        e = errno;
        if (fd >= 0) {
            unlink(w->tmp);
            if (!w->f)
                close(fd);
        }
        writer_free(w);
        return zf_err_set(err, ZF_EIO, "%s: cannot write: %s", path, strerror(e));
    }
    setvbuf(w->f, NULL, _IOFBF, 1 << 20);
    *out = w;
    return 0;
}

static int write_csv(zf_trace_writer_t *w, const zf_request_t *r)
{
    const char *kind = r->kind < w->sc->nkinds ? w->sc->kinds[r->kind].name : "?";
    return fprintf(w->f, "%" PRId64 ",%s,%s,%" PRIu32 ",%" PRIu32 ",%" PRIu64 ",%u\n", r->t,
                   kind, zf_source_class_name(r->source), r->entity, r->seq, r->write_id,
                   (unsigned)r->attempt) < 0;
}

int zf_trace_write(zf_trace_writer_t *w, const zf_request_t *r)
{
    int failed;
    if (w->error)
        return ZF_EIO;
    if (w->fmt == ZF_TRACE_CSV) {
        failed = write_csv(w, r);
    } else {
        uint8_t b[ZF_TRACE_RECORD_SIZE];
        put_u64(b, (uint64_t)r->t);
        put_u64(b + 8, r->write_id);
        put_u32(b + 16, r->kind);
        put_u32(b + 20, r->entity);
        put_u32(b + 24, r->seq);
        b[28] = r->source;
        b[29] = r->attempt;
        put_u16(b + 30, r->flags);
        failed = fwrite(b, sizeof b, 1, w->f) != 1;
    }
    if (failed) {
        w->error = errno ? errno : EIO;
        return ZF_EIO;
    }
    w->count++;
    return 0;
}

uint64_t zf_trace_writer_count(const zf_trace_writer_t *w)
{
    return w->count;
}

/* Writes the record count into the header of a binary trace. 0 or an errno. */
static int patch_count(zf_trace_writer_t *w)
{
    uint8_t c[8];
    put_u64(c, w->count);
    if (fflush(w->f) != 0 || fseek(w->f, OFF_COUNT, SEEK_SET) != 0 ||
        fwrite(c, sizeof c, 1, w->f) != 1)
        return errno ? errno : EIO;
    return 0;
}

int zf_trace_writer_close(zf_trace_writer_t *w, zf_err_t *err)
{
    int e = w->error;
    if (!e && w->fmt == ZF_TRACE_BIN)
        e = patch_count(w);
    if (!e && (fflush(w->f) != 0 || fsync(fileno(w->f)) != 0))
        e = errno;
    if (fclose(w->f) != 0 && !e)
        e = errno;
    w->f = NULL;
    if (!e && rename(w->tmp, w->path) != 0)
        e = errno;
    if (e) {
        unlink(w->tmp);
        zf_err_set(err, ZF_EIO, "%s: cannot write: %s", w->path, strerror(e));
    }
    writer_free(w);
    return e ? ZF_EIO : 0;
}

void zf_trace_writer_abort(zf_trace_writer_t *w)
{
    if (!w)
        return;
    if (w->f)
        fclose(w->f);
    w->f = NULL;
    unlink(w->tmp);
    writer_free(w);
}

/* ---- reader ---- */

struct zf_trace {
    FILE *f;
    char *path;
    zf_trace_info_t info;
    uint64_t read;
};

void zf_trace_close(zf_trace_t *t)
{
    if (!t)
        return;
    if (t->f)
        fclose(t->f);
    free(t->path);
    free(t);
}

/* Checks the header h of a file of `size` bytes. 0 or ZF_EINVAL with err. */
static int check_header(zf_trace_t *t, const uint8_t *h, uint64_t size, zf_err_t *err)
{
    const char *p = t->path;
    if (size < 8 || memcmp(h, ZF_TRACE_MAGIC, 8) != 0)
        return zf_err_set(err, ZF_EINVAL, "%s: not a zonefall trace (it does not start with "
                          "\"%s\")", p, ZF_TRACE_MAGIC);
    if (size < ZF_TRACE_HEADER_SIZE)
        return zf_err_set(err, ZF_EINVAL, "%s: truncated trace: %" PRIu64 " bytes, shorter "
                          "than the %d-byte header", p, size, ZF_TRACE_HEADER_SIZE);
    if (get_u32(h + 8) != ZF_TRACE_VERSION || get_u32(h + 12) != ZF_TRACE_HEADER_SIZE ||
        get_u32(h + 16) != ZF_TRACE_RECORD_SIZE)
        return zf_err_set(err, ZF_EINVAL, "%s: trace version %" PRIu32 " (header %" PRIu32
                          ", records %" PRIu32 " bytes); this zonefall reads version %d",
                          p, get_u32(h + 8), get_u32(h + 12), get_u32(h + 16),
                          ZF_TRACE_VERSION);
    t->info.nkinds = get_u32(h + 20);
    t->info.seed = get_u64(h + 24);
    t->info.count = get_u64(h + OFF_COUNT);
    t->info.until = (zf_time_t)get_u64(h + 40);
    memcpy(t->info.scenario, h + 48, 63);
    uint64_t body = size - ZF_TRACE_HEADER_SIZE;
    if (t->info.count > UINT64_MAX / ZF_TRACE_RECORD_SIZE ||
        body != t->info.count * ZF_TRACE_RECORD_SIZE)
        return zf_err_set(err, ZF_EINVAL, "%s: truncated or damaged trace: the header "
                          "announces %" PRIu64 " records (%" PRIu64 " bytes after the "
                          "header) but the file holds %" PRIu64 " bytes after the header", p,
                          t->info.count, t->info.count * ZF_TRACE_RECORD_SIZE, body);
    return 0;
}

int zf_trace_open(const char *path, zf_trace_t **out, zf_err_t *err)
{
    uint8_t h[ZF_TRACE_HEADER_SIZE] = {0};
    struct stat st;
    int rc;
    zf_trace_t *t = calloc(1, sizeof *t);
    *out = NULL;
    if (!t || !(t->path = strdup(path))) {
        zf_trace_close(t);
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    }
    if (!(t->f = fopen(path, "rb")) || fstat(fileno(t->f), &st) != 0) {
        rc = zf_err_set(err, ZF_EIO, "%s: cannot open: %s", path, strerror(errno));
        zf_trace_close(t);
        return rc;
    }
    size_t got = fread(h, 1, sizeof h, t->f);
    if ((got < sizeof h && ferror(t->f)) || !S_ISREG(st.st_mode))
        rc = zf_err_set(err, ZF_EIO, "%s: cannot read: %s", path,
                        S_ISREG(st.st_mode) ? strerror(errno) : "not a regular file");
    else
        rc = check_header(t, h, (uint64_t)st.st_size, err);
    if (rc) {
        zf_trace_close(t);
        return rc;
    }
    setvbuf(t->f, NULL, _IOFBF, 1 << 20);
    *out = t;
    return 0;
}

const zf_trace_info_t *zf_trace_info(const zf_trace_t *t)
{
    return &t->info;
}

int zf_trace_next(zf_trace_t *t, zf_request_t *out, zf_err_t *err)
{
    uint8_t b[ZF_TRACE_RECORD_SIZE];
    if (t->read >= t->info.count)
        return 0;
    if (fread(b, sizeof b, 1, t->f) != 1)
        return zf_err_set(err, ZF_EIO, "%s: record %" PRIu64 ": cannot read: %s", t->path,
                          t->read, feof(t->f) ? "unexpected end of file" : strerror(errno));
    *out = (zf_request_t){(zf_time_t)get_u64(b), get_u64(b + 8), get_u32(b + 16),
                          get_u32(b + 20), get_u32(b + 24), b[28], b[29], get_u16(b + 30)};
    if (out->source > ZF_SRC_WEB || out->kind >= t->info.nkinds)
        return zf_err_set(err, ZF_EINVAL, "%s: record %" PRIu64 ": %s %u out of range", t->path,
                          t->read, out->source > ZF_SRC_WEB ? "source class" : "kind",
                          out->source > ZF_SRC_WEB ? (unsigned)out->source : out->kind);
    t->read++;
    return 1;
}
