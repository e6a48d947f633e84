/* verify: read-back of written ids over HTTP (a closed loop of capped concurrency on the
 * load engine) or from a command's output. */
#include "loadgen/verify.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Per engine thread: its share of the ids and the reads it has out. */
typedef struct vlane {
    size_t next;          /* position in idx of this thread's next id (stride nthreads) */
    uint32_t inflight;
    char path[512];
} vlane_t;

struct zf_verify {
    zf_ledger_t *l;
    const zf_verify_spec_t *spec;
    zf_lg_t *lg;
    unsigned nthreads;
    uint32_t cap;         /* reads in flight per thread */
    size_t *idx, nidx;    /* ledger entries to read in this pass */
    char *headers;
    size_t headers_len;
    vlane_t *lanes;
    atomic_int stopped;
    uint64_t by_cause[ZF_LG_THREADS_MAX][ZF_CAUSE_COUNT];
};

static bool in(const int *v, size_t n, int x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

/* The request path with {write_id} replaced, into buf. */
static void expand_path(const char *tmpl, uint64_t id, char *buf, size_t len)
{
    size_t used = 0;
    for (const char *c = tmpl; *c && used + 1 < len;) {
        if (strncmp(c, "{write_id}", 10) == 0) {
            used += (size_t)snprintf(buf + used, len - used, "%" PRIu64, id);
            c += 10;
        } else {
            buf[used++] = *c++;
        }
    }
    buf[used < len ? used : len - 1] = 0;
}

static int v_next(void *user, unsigned thread, zf_time_t now, zf_lg_req_t *req)
{
    zf_verify_t *v = user;
    vlane_t *ln = &v->lanes[thread];
    if (ln->next >= v->nidx)
        return ln->inflight ? (req->t = ZF_TIME_MAX, ZF_LG_NEXT_WAIT) : ZF_LG_NEXT_END;
    if (ln->inflight >= v->cap) {
        req->t = ZF_TIME_MAX; /* asked again when a read ends */
        return ZF_LG_NEXT_WAIT;
    }
    size_t e = v->idx[ln->next];
    ln->next += v->nthreads;
    ln->inflight++;
    expand_path(v->spec->path, v->l->v[e].id, ln->path, sizeof ln->path);
    req->t = now;
    req->id = e;
    req->target = 0;
    req->flags = ZF_LG_REQ_KEEP_BODY;
    req->timeout_ns = v->spec->timeout;
    req->http = (zf_http_req_t){.method = v->spec->method, .path = ln->path,
                                .headers = v->headers, .headers_len = v->headers_len};
    return ZF_LG_NEXT_REQ;
}

/* The application count in a found answer's JSON body, 0 when it has none. */
static uint32_t applied_count(const char *field, const char *body, size_t len)
{
    if (!field[0] || !body || len == 0)
        return 0;
    json_t *j = json_loadb(body, len, 0, NULL);
    const json_t *f = json_object_get(j, field);
    json_int_t n = json_is_integer(f) ? json_integer_value(f) : 0;
    json_decref(j);
    return n <= 0 ? 0 : n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

static int v_done(void *user, unsigned thread, const zf_lg_done_t *d)
{
    zf_verify_t *v = user;
    zf_write_t *w = &v->l->v[d->id]; /* each id is read by one thread at a time */
    v->lanes[thread].inflight--;
    v->by_cause[thread][d->cause]++;
    if (d->status > 0 && in(v->spec->found, v->spec->nfound, d->status)) {
        w->check = ZF_CHECK_FOUND;
        w->applied = applied_count(v->spec->applied_field, d->body, d->body_len);
    } else if (d->status > 0 && in(v->spec->missing, v->spec->nmissing, d->status)) {
        w->check = ZF_CHECK_MISSING;
    } else {
        w->check = ZF_CHECK_ERROR;
    }
    return 1; /* room for another read */
}

static int join_headers(zf_verify_t *v)
{
    size_t n = 0;
    for (size_t i = 0; i < v->spec->nheaders; i++)
        n += strlen(v->spec->headers[i]) + 2;
    if (n == 0)
        return 0;
    if (!(v->headers = malloc(n + 1)))
        return ZF_ENOMEM;
    for (size_t i = 0; i < v->spec->nheaders; i++)
        v->headers_len += (size_t)sprintf(v->headers + v->headers_len, "%s\r\n",
                                          v->spec->headers[i]);
    return 0;
}

int zf_verify_http_new(zf_verify_t **out, zf_ledger_t *l, const zf_verify_spec_t *spec,
                       const char *const *urls, size_t nurls, const zf_lg_config_t *base,
                       zf_err_t *err)
{
    *out = NULL;
    zf_verify_t *v = calloc(1, sizeof *v);
    if (v) {
        v->l = l;
        v->spec = spec;
    }
    if (!v || !(v->idx = calloc(l->n ? l->n : 1, sizeof *v->idx)) || join_headers(v) < 0) {
        zf_verify_free(v);
        return zf_err_set(err, ZF_ENOMEM, "out of memory for verification");
    }
    atomic_init(&v->stopped, 0);
    size_t n = 0;
    for (size_t i = 0; i < l->n; i++)
        n += zf_write_to_check(&l->v[i]);
    zf_lg_config_t cfg = *base;
    cfg.threads = base->threads ? base->threads : 1;
    if (cfg.threads > spec->concurrency)
        cfg.threads = spec->concurrency;
    cfg.timeout_ns = spec->timeout;
    cfg.max_rps = 0;
    cfg.max_conns = spec->concurrency;
    /* every batch of `concurrency` reads within one timeout, plus one; at most 4 h */
    uint64_t batches = (n + spec->concurrency - 1) / spec->concurrency + 1;
    zf_time_t per = spec->timeout + ZF_S;
    cfg.duration_ns = batches > (uint64_t)(4 * ZF_HOUR / per) ? 4 * ZF_HOUR
                                                              : (zf_time_t)batches * per;
    zf_lg_target_t t = {.name = spec->target, .urls = urls, .nurls = nurls,
                        .max_conns = spec->concurrency};
    int rc = zf_lg_new(&v->lg, &cfg, &t, 1, err);
    if (rc < 0) {
        zf_verify_free(v);
        return zf_err_prefix(err, rc, "verify");
    }
    v->nthreads = zf_lg_threads(v->lg);
    v->cap = (spec->concurrency + v->nthreads - 1) / v->nthreads;
    if (!(v->lanes = calloc(v->nthreads, sizeof *v->lanes))) {
        zf_verify_free(v);
        return zf_err_set(err, ZF_ENOMEM, "out of memory for verification");
    }
    *out = v;
    return 0;
}

/* Selects the writes still to read (unread, or unanswered last time); returns how many. */
static size_t select_pass(zf_verify_t *v)
{
    v->nidx = 0;
    for (size_t i = 0; i < v->l->n; i++) {
        zf_write_t *w = &v->l->v[i];
        if (zf_write_to_check(w) && (w->check == ZF_CHECK_NONE || w->check == ZF_CHECK_ERROR))
            v->idx[v->nidx++] = i;
    }
    for (unsigned t = 0; t < v->nthreads; t++)
        v->lanes[t] = (vlane_t){.next = t};
    return v->nidx;
}

static void count(zf_verify_t *v, zf_verify_stats_t *st)
{
    for (size_t i = 0; i < v->l->n; i++) {
        const zf_write_t *w = &v->l->v[i];
        st->found += w->check == ZF_CHECK_FOUND;
        st->no_count += w->check == ZF_CHECK_FOUND && w->applied == 0;
        st->missing += w->check == ZF_CHECK_MISSING;
        st->errors += w->check == ZF_CHECK_ERROR;
    }
    for (unsigned t = 0; t < v->nthreads; t++)
        for (int c = 0; c < ZF_CAUSE_COUNT; c++) {
            st->by_cause[c] += v->by_cause[t][c];
            st->reads += v->by_cause[t][c];
        }
}

int zf_verify_http_run(zf_verify_t *v, zf_verify_stats_t *st, zf_err_t *err)
{
    memset(st, 0, sizeof *st);
    zf_lg_source_t src = {v_next, v_done, v};
    int rc = 0;
    for (unsigned p = 0; p < ZF_VERIFY_PASSES && rc == 0; p++) {
        if (atomic_load(&v->stopped) || select_pass(v) == 0)
            break;
        zf_lg_stats_t ls;
        if (zf_lg_stats_init(&ls) < 0)
            return zf_err_set(err, ZF_ENOMEM, "out of memory for verification");
        if ((rc = zf_lg_start(v->lg, &src, err)) == 0) {
            if (atomic_load(&v->stopped)) /* a stop between the check and the start */
                zf_lg_stop(v->lg);
            rc = zf_lg_wait(v->lg, &ls, err);
        }
        zf_lg_stats_free(&ls);
        st->passes++;
    }
    count(v, st);
    return rc < 0 ? zf_err_prefix(err, rc, "verify") : 0;
}

void zf_verify_stop(zf_verify_t *v)
{
    atomic_store(&v->stopped, 1);
    zf_lg_stop(v->lg);
}

void zf_verify_free(zf_verify_t *v)
{
    if (!v)
        return;
    zf_lg_destroy(v->lg);
    free(v->idx);
    free(v->headers);
    free(v->lanes);
    free(v);
}

/* ---- the command form ---- */

int zf_verify_ids_write(const zf_ledger_t *l, const char *path, size_t *n, zf_err_t *err)
{
    FILE *f = fopen(path, "w");
    *n = 0;
    if (!f)
        return zf_err_set(err, ZF_EIO, "%s: cannot create: %s", path, strerror(errno));
    for (size_t i = 0; i < l->n; i++)
        if (zf_write_to_check(&l->v[i])) {
            fprintf(f, "%" PRIu64 "\n", l->v[i].id);
            (*n)++;
        }
    if (ferror(f) | fclose(f))
        return zf_err_set(err, ZF_EIO, "%s: write failed", path);
    return 0;
}

int zf_verify_command_read(zf_ledger_t *l, const char *out_path, zf_verify_stats_t *st,
                           zf_err_t *err)
{
    memset(st, 0, sizeof *st);
    st->passes = 1;
    FILE *f = fopen(out_path, "r");
    if (!f)
        return zf_err_set(err, ZF_EIO, "%s: cannot open: %s", out_path, strerror(errno));
    char line[256];
    int rc = 0;
    for (size_t lineno = 1; rc == 0 && fgets(line, sizeof line, f); lineno++) {
        char *p = line + strspn(line, " \t"), *end;
        if (*p == '\n' || *p == 0 || *p == '#')
            continue;
        errno = 0;
        uint64_t id = strtoull(p, &end, 10);
        long long cnt = end != p && (*end == ' ' || *end == '\t') ? strtoll(end, &p, 10) : -1;
        p += strspn(p, " \t\r");
        if (errno || cnt < 0 || (*p != '\n' && *p != 0)) {
            rc = zf_err_set(err, ZF_EINVAL, "%s:%zu: expected \"WRITE_ID COUNT\" (COUNT 0: "
                            "not stored)", out_path, lineno);
            break;
        }
        size_t i = zf_ledger_find(l, id);
        if (i == SIZE_MAX || !zf_write_to_check(&l->v[i]))
            continue; /* an id nobody asked about: ignored */
        st->reads++;
        l->v[i].check = cnt > 0 ? ZF_CHECK_FOUND : ZF_CHECK_MISSING;
        l->v[i].applied = cnt > UINT32_MAX ? UINT32_MAX : (uint32_t)cnt;
    }
    fclose(f);
    for (size_t i = 0; i < l->n; i++) {
        zf_write_t *w = &l->v[i];
        if (zf_write_to_check(w) && w->check == ZF_CHECK_NONE)
            w->check = ZF_CHECK_ERROR;
        st->found += w->check == ZF_CHECK_FOUND;
        st->missing += w->check == ZF_CHECK_MISSING;
        st->errors += w->check == ZF_CHECK_ERROR;
    }
    return rc;
}
