/* Tests of sim/model/sim against queueing theory: for each model and load, the analytic
 * value must lie inside the 99% Student-t confidence interval of 30 replications
 * (M/M/1; M/M/c via Erlang C; M/D/1 and M/G/1 via Pollaczek-Khinchine; M/M/c/c via
 * Erlang B; Little's law), plus conservation and determinism of a run. */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "engine/stats.h"
#include "model/sim.h"
#include "scenario/scenario.h"

#define REPS 30
#define LEVEL 0.99
#define SEED 20261129u

typedef struct reps {
    zf_rec_t rec[REPS];
} reps_t;

/* Runs REPS replications of the scenario text. */
static reps_t *run_reps(const char *json)
{
    zf_err_t err = {{0}};
    zf_scenario_t *sc = NULL;
    int rc = zf_scenario_parse("test.json", json, &sc, &err);
    cr_assert_eq(rc, 0, "scenario: %s", err.msg);
    reps_t *r = calloc(1, sizeof *r);
    for (uint32_t i = 0; i < REPS; i++) {
        rc = zf_sim_run(sc, zf_sim_replication_seed(SEED, i), NULL, &r->rec[i], NULL, &err);
        cr_assert_eq(rc, 0, "run: %s", err.msg);
    }
    zf_scenario_free(sc);
    return r;
}

static void free_reps(reps_t *r)
{
    for (int i = 0; i < REPS; i++)
        zf_rec_free(&r->rec[i]);
    free(r);
}

static double metric(const reps_t *r, int i, const char *station, const char *m)
{
    char name[128];
    snprintf(name, sizeof name, "stations.%s.%s", station, m);
    double v = zf_rec_metric_get(&r->rec[i], name);
    cr_assert(!isnan(v), "no metric %s", name);
    return v;
}

/* Asserts that `analytic` lies in the 99% CI of the metric across replications. */
static void expect_in_ci(const reps_t *r, const char *station, const char *m, double analytic)
{
    double x[REPS];
    zf_ci_t ci;
    for (int i = 0; i < REPS; i++)
        x[i] = metric(r, i, station, m);
    cr_assert_eq(zf_ci_compute(x, REPS, LEVEL, &ci), 0);
    cr_assert(ci.lo <= analytic && analytic <= ci.hi,
              "%s.%s: analytic %.6g outside 99%% CI [%.6g, %.6g] (mean %.6g)", station, m,
              analytic, ci.lo, ci.hi, ci.mean);
    /* an interval so wide that it says nothing would also contain the value: bound it */
    cr_assert(ci.half_width <= 0.1 * fabs(analytic) + 1e-9,
              "%s.%s: CI half-width %.3g is more than 10%% of %.6g", station, m,
              ci.half_width, analytic);
}

/* Little's law L = lambda W per replication: the mean difference is 0 within the CI. */
static void expect_little(const reps_t *r, const char *station)
{
    double d[REPS];
    zf_ci_t ci;
    for (int i = 0; i < REPS; i++)
        d[i] = metric(r, i, station, "mean_in_system") -
               metric(r, i, station, "throughput_per_s") * metric(r, i, station, "mean_sojourn_s");
    cr_assert_eq(zf_ci_compute(d, REPS, LEVEL, &ci), 0);
    cr_assert(ci.lo <= 0 && 0 <= ci.hi, "Little's law: L - lambda W in [%.4g, %.4g]", ci.lo,
              ci.hi);
}

static char *scenario(double lambda, unsigned c, int64_t limit, const char *service,
                      const char *duration, const char *warmup)
{
    static char buf[2048];
    char lim[64] = "";
    if (limit >= 0) /* omitted: unlimited */
        snprintf(lim, sizeof lim, "\"queue_limit\":%lld,", (long long)limit);
    snprintf(buf, sizeof buf,
             "{\"name\":\"t\",\"duration\":\"%s\",\"warmup\":\"%s\","
             "\"stations\":[{\"name\":\"s\",\"servers\":%u,%s\"service\":%s}],"
             "\"sources\":[{\"name\":\"a\",\"rate_per_s\":%.10g,\"target\":\"s\"}]}",
             duration, warmup, c, lim, service, lambda);
    return buf;
}

/* M/M/1 with mu = 10/s at load rho. */
static void check_mm1(double rho, const char *duration, const char *warmup)
{
    double mu = 10, lambda = rho * mu;
    reps_t *r = run_reps(scenario(lambda, 1, -1, "{\"dist\":\"exponential\",\"mean\":\"100ms\"}",
                                  duration, warmup));
    double lq = rho * rho / (1 - rho), wq = lq / lambda;
    expect_in_ci(r, "s", "utilisation", rho);
    expect_in_ci(r, "s", "mean_queue_length", lq);
    expect_in_ci(r, "s", "mean_wait_s", wq);
    expect_in_ci(r, "s", "mean_in_system", lq + rho);
    expect_in_ci(r, "s", "mean_sojourn_s", wq + 1 / mu);
    expect_little(r, "s");
    free_reps(r);
}

Test(sim, mm1_at_load_0_5_matches_theory) { check_mm1(0.5, "1h", "2m"); }
Test(sim, mm1_at_load_0_8_matches_theory) { check_mm1(0.8, "3h", "10m"); }
Test(sim, mm1_at_load_0_95_matches_theory, .timeout = 300) { check_mm1(0.95, "20h", "1h"); }

/* Erlang C probability of waiting for c servers and offered load a (Erlang). */
static double erlang_c(unsigned c, double a)
{
    double term = 1, sum = 1;
    for (unsigned k = 1; k < c; k++) {
        term *= a / k;
        sum += term;
    }
    term *= a / c;
    double top = term * c / (c - a);
    return top / (sum + top);
}

static void check_mmc(unsigned c, double rho, const char *duration, const char *warmup)
{
    double mu = 10, lambda = rho * mu * c, a = lambda / mu;
    reps_t *r = run_reps(scenario(lambda, c, -1, "{\"dist\":\"exponential\",\"mean\":\"100ms\"}",
                                  duration, warmup));
    double pw = erlang_c(c, a), lq = pw * rho / (1 - rho), wq = lq / lambda;
    expect_in_ci(r, "s", "utilisation", rho);
    expect_in_ci(r, "s", "mean_queue_length", lq);
    expect_in_ci(r, "s", "mean_wait_s", wq);
    expect_little(r, "s");
    free_reps(r);
}

Test(sim, erlang_c_constant_is_right)
{
    /* textbook value: c = 2, a = 1 -> C = 1/3 */
    cr_assert_float_eq(erlang_c(2, 1.0), 1.0 / 3.0, 1e-12);
}

Test(sim, mmc_4_servers_at_load_0_5_matches_erlang_c) { check_mmc(4, 0.5, "1h", "2m"); }
Test(sim, mmc_4_servers_at_load_0_9_matches_erlang_c) { check_mmc(4, 0.9, "4h", "15m"); }
Test(sim, mmc_16_servers_at_load_0_95_matches_erlang_c, .timeout = 300)
{
    check_mmc(16, 0.95, "4h", "20m");
}

/* M/G/1 through Pollaczek-Khinchine: Wq = lambda E[S^2] / (2 (1 - rho)). */
static void check_mg1(double lambda, double es, double es2, const char *service,
                      const char *duration, const char *warmup)
{
    reps_t *r = run_reps(scenario(lambda, 1, -1, service, duration, warmup));
    double rho = lambda * es, wq = lambda * es2 / (2 * (1 - rho));
    expect_in_ci(r, "s", "utilisation", rho);
    expect_in_ci(r, "s", "mean_wait_s", wq);
    expect_in_ci(r, "s", "mean_queue_length", lambda * wq);
    expect_little(r, "s");
    free_reps(r);
}

Test(sim, md1_at_load_0_5_matches_pollaczek_khinchine)
{
    check_mg1(5, 0.1, 0.01, "{\"dist\":\"deterministic\",\"value\":\"100ms\"}", "1h", "2m");
}

Test(sim, md1_at_load_0_9_matches_pollaczek_khinchine)
{
    check_mg1(9, 0.1, 0.01, "{\"dist\":\"deterministic\",\"value\":\"100ms\"}", "4h", "15m");
}

Test(sim, mg1_lognormal_at_load_0_6_matches_pollaczek_khinchine, .timeout = 300)
{
    /* mean 50 ms, sd 100 ms: E[S^2] = 0.01 + 0.0025 */
    check_mg1(12, 0.05, 0.0125, "{\"dist\":\"lognormal\",\"mean\":\"50ms\",\"stddev\":\"100ms\"}",
              "12h", "30m");
}

Test(sim, mg1_uniform_at_load_0_85_matches_pollaczek_khinchine)
{
    /* uniform(50, 150) ms: E[S] = 0.1, E[S^2] = Var + 0.01 = 0.01/12 + 0.01 */
    check_mg1(8.5, 0.1, 0.01 / 12 + 0.01, "{\"dist\":\"uniform\",\"min\":\"50ms\",\"max\":\"150ms\"}",
              "4h", "15m");
}

/* Erlang B blocking of c servers at offered load a (stable recursion). */
static double erlang_b(unsigned c, double a)
{
    double b = 1;
    for (unsigned k = 1; k <= c; k++)
        b = a * b / (k + a * b);
    return b;
}

static void check_mmcc(unsigned c, double a)
{
    reps_t *r = run_reps(scenario(a * 10, c, 0, "{\"dist\":\"exponential\",\"mean\":\"100ms\"}",
                                  "30m", "1m"));
    double b = erlang_b(c, a);
    expect_in_ci(r, "s", "blocking_probability", b);
    expect_in_ci(r, "s", "utilisation", a * (1 - b) / c);
    expect_in_ci(r, "s", "mean_queue_length", 0);
    /* blocked arrivals fail with cause queue_full and nothing else */
    for (int i = 0; i < REPS; i++) {
        cr_assert_eq(r->rec[i].failed, r->rec[i].by_cause[ZF_CAUSE_QUEUE_FULL]);
        cr_assert_gt(r->rec[i].failed, 0);
    }
    free_reps(r);
}

Test(sim, erlang_b_constant_is_right)
{
    /* textbook: B(10, 8) = 0.12166 */
    cr_assert_float_eq(erlang_b(10, 8.0), 0.121661, 1e-6);
}

Test(sim, mmcc_at_load_0_5_matches_erlang_b) { check_mmcc(10, 5.0); }
Test(sim, mmcc_at_load_0_8_matches_erlang_b) { check_mmcc(10, 8.0); }
Test(sim, mmcc_at_load_0_95_matches_erlang_b) { check_mmcc(10, 9.5); }

Test(sim, every_request_ends_exactly_once)
{
    /* conservation: arrivals after warm-up = ok + failed + in flight, with blocking */
    zf_err_t err;
    zf_scenario_t *sc;
    cr_assert_eq(zf_scenario_parse("t", scenario(30, 2, 3, "{\"dist\":\"exponential\",\"mean\":\"100ms\"}",
                                                 "10m", "30s"), &sc, &err), 0);
    zf_rec_t rec;
    uint64_t events;
    cr_assert_eq(zf_sim_run(sc, 5, NULL, &rec, &events, &err), 0);
    cr_assert_gt(rec.failed, 0);
    cr_assert_eq(rec.arrivals, rec.ok + rec.failed + zf_rec_in_flight(&rec));
    cr_assert_leq(zf_rec_in_flight(&rec), 2 + 3, "at most c + queue_limit in the system");
    uint64_t per_sec_total = 0;
    for (size_t i = 0; i < rec.nsec; i++)
        per_sec_total += rec.per_sec_ok[i] + rec.per_sec_failed[i];
    cr_assert_eq(rec.nsec, 600);
    cr_assert_geq(per_sec_total, rec.ok + rec.failed, "series counts warm-up too");
    zf_rec_free(&rec);
    zf_scenario_free(sc);
}

Test(sim, same_seed_gives_identical_measurements_and_other_seeds_differ)
{
    zf_err_t err;
    zf_scenario_t *sc;
    cr_assert_eq(zf_scenario_parse("t", scenario(8, 1, -1, "{\"dist\":\"exponential\",\"mean\":\"100ms\"}",
                                                 "10m", "0s"), &sc, &err), 0);
    zf_rec_t a, b, c;
    zf_sim_run(sc, 99, NULL, &a, NULL, &err);
    zf_sim_run(sc, 99, NULL, &b, NULL, &err);
    zf_sim_run(sc, 100, NULL, &c, NULL, &err);
    cr_assert_eq(a.ok, b.ok);
    cr_assert_eq(a.latency.sum, b.latency.sum);
    cr_assert_eq(memcmp(a.per_sec_ok, b.per_sec_ok, a.nsec * sizeof *a.per_sec_ok), 0);
    cr_assert(a.ok != c.ok || a.latency.sum != c.latency.sum);
    zf_rec_free(&a);
    zf_rec_free(&b);
    zf_rec_free(&c);
    zf_scenario_free(sc);
}

Test(sim, replication_zero_uses_the_scenario_seed)
{
    cr_assert_eq(zf_sim_replication_seed(42, 0), 42);
    cr_assert_neq(zf_sim_replication_seed(42, 1), 42);
    cr_assert_neq(zf_sim_replication_seed(42, 1), zf_sim_replication_seed(42, 2));
}
