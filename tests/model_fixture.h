/* model_fixture: what the deployment-model tests (test_route, test_lb, test_group, test_db,
 * test_faults, test_model) share: scenarios written with ' for ", a run through the public
 * API (zf_scenario_parse, zf_sim_run) that keeps the recorder and the per-second series
 * (timeseries.csv, captured in memory and parsed by column name). */
#ifndef ZF_MODEL_FIXTURE_H
#define ZF_MODEL_FIXTURE_H

#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/sim.h"
#include "scenario/scenario.h"
#include "workload_fixture.h"

typedef struct mx_run {
    zf_scenario_t *sc;
    zf_rec_t rec;
    char **cols;        /* timeseries column names */
    size_t ncols;
    double *cells;      /* rows x ncols, row i = second i */
    size_t nrows;
} mx_run_t;

/* Parses text with ' standing for "; fails the test on error (workload_fixture.h). */
#define mx_parse fx_parse

/* The parse error of a scenario that must be refused, text with ' for " (static buffer). */
static inline const char *mx_refused(const char *text)
{
    static zf_err_t err;
    char *buf = strdup(text);
    zf_scenario_t *sc = NULL;
    cr_assert_not_null(buf);
    for (char *c = buf; *c; c++)
        *c = *c == '\'' ? '"' : *c;
    memset(&err, 0, sizeof err);
    int rc = zf_scenario_parse("t.json", buf, &sc, &err);
    free(buf);
    zf_scenario_free(sc);
    cr_assert_neq(rc, 0, "scenario accepted, expected an error");
    return err.msg;
}

static inline void mx_parse_csv(mx_run_t *r, char *text)
{
    char *save = NULL, *line = strtok_r(text, "\n", &save);
    cr_assert_not_null(line, "empty timeseries");
    for (char *s2 = NULL, *c = strtok_r(line, ",", &s2); c; c = strtok_r(NULL, ",", &s2)) {
        r->cols = realloc(r->cols, (r->ncols + 1) * sizeof *r->cols);
        r->cols[r->ncols++] = strdup(c);
    }
    size_t cap = 0;
    while ((line = strtok_r(NULL, "\n", &save))) {
        if (r->nrows == cap) {
            cap = cap ? cap * 2 : 256;
            r->cells = realloc(r->cells, cap * r->ncols * sizeof *r->cells);
        }
        char *p = line;
        for (size_t c = 0; c < r->ncols; c++) {
            r->cells[r->nrows * r->ncols + c] = strtod(p, &p);
            if (*p == ',')
                p++;
        }
        r->nrows++;
    }
}

/* Runs the scenario text with `seed` until `until` (0: its duration), keeping the series. */
static inline void mx_run_until(mx_run_t *r, const char *text, uint64_t seed, zf_time_t until)
{
    memset(r, 0, sizeof *r);
    r->sc = mx_parse(text);
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    cr_assert_not_null(f);
    zf_sim_opts_t o = {.until = until, .csv = f};
    zf_err_t err = {{0}};
    int rc = zf_sim_run(r->sc, seed, &o, &r->rec, NULL, &err);
    fclose(f);
    cr_assert_eq(rc, 0, "run failed: %s", err.msg);
    mx_parse_csv(r, buf);
    free(buf);
}

static inline void mx_run(mx_run_t *r, const char *text, uint64_t seed)
{
    mx_run_until(r, text, seed, 0);
}

static inline void mx_free(mx_run_t *r)
{
    zf_rec_free(&r->rec);
    zf_scenario_free(r->sc);
    for (size_t i = 0; i < r->ncols; i++)
        free(r->cols[i]);
    free(r->cols);
    free(r->cells);
    memset(r, 0, sizeof *r);
}

/* Value of column `name` in the row of second `sec`. */
static inline double mx_at(const mx_run_t *r, const char *name, size_t sec)
{
    for (size_t c = 0; c < r->ncols; c++)
        if (strcmp(r->cols[c], name) == 0) {
            cr_assert_lt(sec, r->nrows, "no row for second %zu", sec);
            return r->cells[sec * r->ncols + c];
        }
    cr_assert_fail("no column %s", name);
    return NAN;
}

/* Sum of column `name` over seconds [from, to). */
static inline double mx_sum(const mx_run_t *r, const char *name, size_t from, size_t to)
{
    double s = 0;
    for (size_t i = from; i < to && i < r->nrows; i++)
        s += mx_at(r, name, i);
    return s;
}

static inline double mx_metric(const mx_run_t *r, const char *name)
{
    double v = zf_rec_metric_get(&r->rec, name);
    cr_assert(!isnan(v), "no metric %s", name);
    return v;
}

static inline const zf_fault_rec_t *mx_fault(const mx_run_t *r, const char *name)
{
    for (size_t i = 0; i < r->rec.nfaults; i++)
        if (strcmp(r->rec.faults[i].name, name) == 0)
            return &r->rec.faults[i];
    cr_assert_fail("no fault %s", name);
    return NULL;
}

/* Every request ends once: ok + failed + in flight = arrivals, the failures by cause add up
 * to failed, and (all measured from t = 0) the in-flight count agrees with the model's own
 * count of live requests in the last row of the series when `quiet_end` (nothing is held
 * by a server for a client that already saw its outcome). */
static inline void mx_expect_conservation(const mx_run_t *r, bool quiet_end)
{
    const zf_rec_t *c = &r->rec;
    cr_assert_leq(c->ok + c->failed, c->arrivals, "more outcomes (%lu) than requests (%lu)",
                  (unsigned long)(c->ok + c->failed), (unsigned long)c->arrivals);
    cr_assert_eq(c->arrivals, c->ok + c->failed + zf_rec_in_flight(c));
    uint64_t causes = 0, kinds = 0;
    for (int i = 1; i < ZF_CAUSE_COUNT; i++)
        causes += c->by_cause[i];
    cr_assert_eq(causes, c->failed, "failures by cause %lu != failed %lu",
                 (unsigned long)causes, (unsigned long)c->failed);
    cr_assert_eq(c->by_cause[ZF_CAUSE_OK], c->ok);
    for (size_t k = 0; k < c->nkinds; k++) {
        cr_assert_eq(c->kinds[k].total, c->kinds[k].ok + c->kinds[k].failed);
        kinds += c->kinds[k].total;
    }
    cr_assert_eq(kinds, c->ok + c->failed);
    uint64_t ok = 0, failed = 0;
    for (size_t s = 0; s < c->nsec; s++) {
        ok += c->per_sec_ok[s];
        failed += c->per_sec_failed[s];
    }
    cr_assert_eq(ok, c->ok, "per-second ok %lu != %lu", (unsigned long)ok, (unsigned long)c->ok);
    cr_assert_eq(failed, c->failed);
    cr_assert_eq((uint64_t)mx_sum(r, "arrivals", 0, r->nrows), c->arrivals);
    if (quiet_end)
        cr_assert_eq((uint64_t)mx_at(r, "in_flight", r->nrows - 1), zf_rec_in_flight(c),
                     "the model holds %g requests at the end, the clients wait for %lu",
                     mx_at(r, "in_flight", r->nrows - 1), (unsigned long)zf_rec_in_flight(c));
}

#endif
