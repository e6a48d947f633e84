/* series: strict CSV reader of timeseries.csv (numbers only, a header naming the
 * columns); every error names the file, line and column. */
#include "reports/series.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

static const char *const required[] = {"t_s",      "arrivals",       "ok",
                                       "failed",   "in_flight",      "latency_p50_ms",
                                       "latency_p99_ms", "latency_p999_ms"};

void zf_series_free(zf_series_t *s)
{
    for (size_t i = 0; i < s->ncols; i++)
        free(s->names[i]);
    free(s->names);
    free(s->values);
    memset(s, 0, sizeof *s);
}

int zf_series_find(const zf_series_t *s, const char *name)
{
    for (size_t i = 0; i < s->ncols; i++)
        if (strcmp(s->names[i], name) == 0)
            return (int)i;
    return -1;
}

/* Removes the line end (LF or CRLF). */
static void chomp(char *line)
{
    size_t n = strlen(line);
    while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
        line[--n] = 0;
}

static int parse_header(char *line, const char *name, zf_series_t *s, zf_err_t *err)
{
    size_t n = 1;
    for (const char *p = line; *p; p++)
        n += *p == ',';
    s->names = calloc(n, sizeof *s->names);
    if (!s->names)
        return ZF_ENOMEM;
    char *save = NULL;
    for (char *tok = strtok_r(line, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        if (!(s->names[s->ncols++] = strdup(tok)))
            return ZF_ENOMEM;
    }
    if (s->ncols != n)
        return zf_err_set(err, ZF_EINVAL, "%s:1: empty column name in the header", name);
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (zf_series_find(s, required[i]) < 0)
            return zf_err_set(err, ZF_EINVAL, "%s:1: missing column \"%s\"", name, required[i]);
    return 0;
}

static int add_row(zf_series_t *s, size_t *cap)
{
    if (s->nrows < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : 1024;
    double *v = realloc(s->values, ncap * s->ncols * sizeof *v);
    if (!v)
        return ZF_ENOMEM;
    s->values = v;
    *cap = ncap;
    return 0;
}

/* Parses one data line into row s->nrows (already reserved). */
static int parse_row(char *line, const char *name, size_t lineno, zf_series_t *s,
                     zf_err_t *err)
{
    double *row = s->values + s->nrows * s->ncols;
    size_t col = 0;
    char *p = line;
    for (;;) {
        char *comma = strchr(p, ',');
        if (comma)
            *comma = 0;
        if (col < s->ncols) {
            char *end;
            errno = 0;
            row[col] = strtod(p, &end);
            if (end == p || *end || errno == ERANGE)
                return zf_err_set(err, ZF_EINVAL, "%s:%zu: column \"%s\": expected a number, "
                                  "got \"%s\"", name, lineno, s->names[col], p);
        }
        col++;
        if (!comma)
            break;
        p = comma + 1;
    }
    if (col != s->ncols)
        return zf_err_set(err, ZF_EINVAL, "%s:%zu: expected %zu fields, got %zu", name, lineno,
                          s->ncols, col);
    return 0;
}

int zf_series_read(FILE *f, const char *name, zf_series_t *s, zf_err_t *err)
{
    char *line = NULL;
    size_t linecap = 0, cap = 0, lineno = 1;
    int rc = 0;
    memset(s, 0, sizeof *s);
    if (getline(&line, &linecap, f) < 0) {
        rc = zf_err_set(err, ZF_EINVAL, "%s:1: expected a header line", name);
        goto out;
    }
    chomp(line);
    if ((rc = parse_header(line, name, s, err)))
        goto out;
    while (getline(&line, &linecap, f) >= 0) {
        lineno++;
        chomp(line);
        if (!*line)
            continue;
        if ((rc = add_row(s, &cap)) || (rc = parse_row(line, name, lineno, s, err)))
            goto out;
        s->nrows++;
    }
    if (ferror(f))
        rc = zf_err_set(err, ZF_EIO, "%s:%zu: read error", name, lineno);
out:
    free(line);
    if (rc == ZF_ENOMEM)
        zf_err_set(err, rc, "%s: out of memory", name);
    return rc;
}

int zf_series_load(const char *file, zf_series_t *s, zf_err_t *err)
{
    memset(s, 0, sizeof *s);
    FILE *f = fopen(file, "r");
    if (!f)
        return zf_err_set(err, ZF_EINVAL, "%s: cannot open: %s", file, strerror(errno));
    int rc = zf_series_read(f, file, s, err);
    fclose(f);
    return rc;
}
