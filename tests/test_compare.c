/* Tests of reports/compare: the difference of two results' means and its Welch confidence
 * interval, checked against a hand computation (t quantile from tables). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <math.h>

#include "reports/compare.h"

/* results with one interval per figure: {mean, stddev, n} */
static json_t *results(double level, const char *name, double mean, double sd, int n,
                       const char *name2)
{
    json_t *iv = json_pack("{s{sfsfsisfsf}}", name, "mean", mean, "stddev", sd, "n", n, "lo",
                           mean - 1, "hi", mean + 1);
    if (name2)
        json_object_set_new(iv, name2, json_pack("{sfsfsi}", "mean", 1.0, "stddev", 0.0, "n", n));
    return json_pack("{s{sfso}}", "confidence", "level", level, "intervals", iv);
}

Test(compare, welch_interval_of_the_difference_matches_a_hand_computation)
{
    json_t *a = results(0.95, "availability", 0.99, 0.01, 3, "only_in_base");
    json_t *b = results(0.95, "availability", 0.95, 0.02, 3, NULL);
    zf_delta_t *d;
    size_t n;
    cr_assert_eq(zf_compare_deltas(a, b, &d, &n), 0);
    cr_assert_eq(n, 1, "figures only one side has are left out");
    cr_assert_str_eq(d[0].metric, "availability");
    cr_assert_float_eq(d[0].delta, -0.04, 1e-12);
    /* se = sqrt(.01^2/3 + .02^2/3) = 0.0129099; Welch dof 2.94 -> 2; t(.975, 2) = 4.302653 */
    cr_assert_float_eq(d[0].half_width, 4.302652729749464 * 0.012909944487358056, 1e-9);
    cr_assert_float_eq(d[0].base_lo, -0.01, 1e-12);
    cr_assert_float_eq(d[0].other_hi, 1.95, 1e-12);
    cr_assert(!zf_delta_significant(&d[0]), "the interval [-0.0955, 0.0155] holds 0");
    free(d);
    json_decref(a);
    json_decref(b);
}

Test(compare, a_large_difference_is_significant_and_single_runs_have_no_interval)
{
    json_t *a = results(0.95, "latency_ms.p99", 100, 1, 5, NULL);
    json_t *b = results(0.95, "latency_ms.p99", 150, 2, 5, NULL);
    json_t *c = results(0.95, "latency_ms.p99", 150, 0, 1, NULL);
    zf_delta_t *d;
    size_t n;
    cr_assert_eq(zf_compare_deltas(a, b, &d, &n), 0);
    cr_assert(zf_delta_significant(&d[0]));
    free(d);
    cr_assert_eq(zf_compare_deltas(a, c, &d, &n), 0);
    cr_assert(isnan(d[0].half_width));
    cr_assert(!zf_delta_significant(&d[0]));
    free(d);
    json_decref(a);
    json_decref(b);
    json_decref(c);
}

Test(compare, results_without_intervals_give_no_rows)
{
    json_t *a = json_object(), *b = results(0.95, "availability", 1, 0, 2, NULL);
    zf_delta_t *d = (zf_delta_t *)1;
    size_t n = 9;
    cr_assert_eq(zf_compare_deltas(a, b, &d, &n), 0);
    cr_assert_eq(n, 0);
    cr_assert_null(d);
    json_decref(a);
    json_decref(b);
}
