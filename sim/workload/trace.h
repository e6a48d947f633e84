/* trace: the request stream on disk (docs/trace-format.md), written by `zonefall trace` and
 * read back by the replayer (--trace FILE). Binary: a 128-byte header (magic "ZFTRACE1",
 * version, scenario name, seed, record count) then fixed 32-byte little-endian records.
 * CSV: one header line then one row per request. Files are written to a temporary name
 * and renamed into place when complete, so a reader never sees half a trace. */
#ifndef ZF_TRACE_H
#define ZF_TRACE_H

#include <stdint.h>

#include "engine/clock.h"
#include "engine/err.h"
#include "scenario/scenario.h"
#include "workload/request.h"

#define ZF_TRACE_MAGIC "ZFTRACE1"
#define ZF_TRACE_VERSION 1
#define ZF_TRACE_HEADER_SIZE 128
#define ZF_TRACE_RECORD_SIZE 32
#define ZF_TRACE_CSV_HEADER "t_ns,kind,source,entity,seq,write_id,attempt"

typedef enum zf_trace_format { ZF_TRACE_BIN, ZF_TRACE_CSV } zf_trace_format_t;

/* What a binary trace's header says. */
typedef struct zf_trace_info {
    char scenario[64];    /* the scenario's name */
    uint64_t seed;
    uint64_t count;       /* records */
    zf_time_t until;      /* the stream covers [0, until) */
    uint32_t nkinds;      /* kinds in the scenario; record kinds are below this */
} zf_trace_info_t;

/* Lower-case name of a source class ("device", ...), "?" when out of range. */
const char *zf_source_class_name(unsigned cls);

typedef struct zf_trace_writer zf_trace_writer_t;

/* Starts writing `path` (through a temporary file beside it) for scenario sc, seed and
 * until. *out is owned by the caller: finish with zf_trace_writer_close (keeps the file)
 * or zf_trace_writer_abort (removes the temporary). 0 or ZF_EIO / ZF_ENOMEM with err. */
int zf_trace_writer_open(const char *path, zf_trace_format_t fmt, const zf_scenario_t *sc,
                         uint64_t seed, zf_time_t until, zf_trace_writer_t **out,
                         zf_err_t *err);

/* Appends one request. 0 or ZF_EIO (the message is kept for zf_trace_writer_close). */
int zf_trace_write(zf_trace_writer_t *w, const zf_request_t *r);

/* Records the count, flushes, syncs and renames into place, then frees w. 0 or ZF_EIO. */
int zf_trace_writer_close(zf_trace_writer_t *w, zf_err_t *err);

/* Drops the temporary file and frees w. */
void zf_trace_writer_abort(zf_trace_writer_t *w);

/* Records written so far. */
uint64_t zf_trace_writer_count(const zf_trace_writer_t *w);

typedef struct zf_trace zf_trace_t;

/* Opens a binary trace and checks its header and size: a foreign file, another version
 * or a truncated file is ZF_EINVAL naming the file and what is wrong; a missing file
 * ZF_EIO. *out is owned by the caller (zf_trace_close). */
int zf_trace_open(const char *path, zf_trace_t **out, zf_err_t *err);

const zf_trace_info_t *zf_trace_info(const zf_trace_t *t);

/* Reads the next record: 1 with *out, 0 at the end, ZF_EIO or ZF_EINVAL (a record out of
 * range: source class, kind) with err. */
int zf_trace_next(zf_trace_t *t, zf_request_t *out, zf_err_t *err);

void zf_trace_close(zf_trace_t *t);

#endif
