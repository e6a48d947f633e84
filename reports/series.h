/* series: reads DIR/timeseries.csv (one row per second: the fixed request columns, one
 * failed_<cause> column per cause, then the model's gauges) into a table of doubles, for
 * the charts. The column contract is sim/metrics/recorder.c's. */
#ifndef ZF_SERIES_H
#define ZF_SERIES_H

#include <stddef.h>
#include <stdio.h>

#include "engine/err.h"

typedef struct zf_series {
    char **names;    /* ncols column names, owned */
    size_t ncols;
    double *values;  /* nrows * ncols, row-major, owned */
    size_t nrows;
} zf_series_t;

/* Reads a timeseries file into *s (initialised here; zf_series_free it, also on error).
 * Requires the fixed columns (t_s, arrivals, ok, failed, in_flight, latency_p50_ms,
 * latency_p99_ms, latency_p999_ms). 0, ZF_EINVAL naming the file, line and column
 * (missing column, bad number, wrong field count), or ZF_ENOMEM. */
int zf_series_load(const char *file, zf_series_t *s, zf_err_t *err);
/* The same from an open stream; `name` is the file name used in messages. */
int zf_series_read(FILE *f, const char *name, zf_series_t *s, zf_err_t *err);
void zf_series_free(zf_series_t *s);

/* Index of the column called `name`, or -1. */
int zf_series_find(const zf_series_t *s, const char *name);

static inline double zf_series_at(const zf_series_t *s, size_t row, size_t col)
{
    return s->values[row * s->ncols + col];
}

#endif
