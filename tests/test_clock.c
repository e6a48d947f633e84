/* Tests of sim/engine/clock: duration parsing and formatting. */
#include <criterion/criterion.h>

#include "engine/clock.h"
#include "engine/err.h"

Test(clock, parses_every_unit)
{
    zf_time_t t;
    cr_assert_eq(zf_time_parse("250ms", &t), 0);
    cr_assert_eq(t, 250 * ZF_MS);
    cr_assert_eq(zf_time_parse("30s", &t), 0);
    cr_assert_eq(t, 30 * ZF_S);
    cr_assert_eq(zf_time_parse("5m", &t), 0);
    cr_assert_eq(t, 5 * ZF_MIN);
    cr_assert_eq(zf_time_parse("5min", &t), 0);
    cr_assert_eq(t, 5 * ZF_MIN);
    cr_assert_eq(zf_time_parse("2h", &t), 0);
    cr_assert_eq(t, 2 * ZF_HOUR);
    cr_assert_eq(zf_time_parse("1d", &t), 0);
    cr_assert_eq(t, ZF_DAY);
    cr_assert_eq(zf_time_parse("10us", &t), 0);
    cr_assert_eq(t, 10 * ZF_US);
    cr_assert_eq(zf_time_parse("7ns", &t), 0);
    cr_assert_eq(t, 7);
    cr_assert_eq(zf_time_parse("1.5", &t), 0);
    cr_assert_eq(t, 1500 * ZF_MS);
}

Test(clock, parses_compound_durations)
{
    zf_time_t t;
    cr_assert_eq(zf_time_parse("1h30m", &t), 0);
    cr_assert_eq(t, 90 * ZF_MIN);
    cr_assert_eq(zf_time_parse("1m0.5s", &t), 0);
    cr_assert_eq(t, 60500 * ZF_MS);
}

Test(clock, rejects_malformed_durations)
{
    zf_time_t t = 42;
    const char *bad[] = {"", "-1s", "abc", "5 s", "5x", "1h30", "nan", "inf", "1e400s", "s"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_neq(zf_time_parse(bad[i], &t), 0, "accepted '%s'", bad[i]);
    cr_assert_eq(t, 42);
    cr_assert_eq(zf_time_parse("300000d", &t), ZF_ERANGE);
}

Test(clock, parses_time_of_day)
{
    zf_time_t t;
    cr_assert_eq(zf_time_parse_tod("07:40", &t), 0);
    cr_assert_eq(t, 7 * ZF_HOUR + 40 * ZF_MIN);
    cr_assert_eq(zf_time_parse_tod("23:59:30", &t), 0);
    cr_assert_eq(t, 23 * ZF_HOUR + 59 * ZF_MIN + 30 * ZF_S);
    cr_assert_eq(zf_time_parse_tod("24:00", &t), 0);
    cr_assert_eq(t, ZF_DAY);
    cr_assert_neq(zf_time_parse_tod("7:4", &t), 0);
    cr_assert_neq(zf_time_parse_tod("25:00", &t), 0);
    cr_assert_neq(zf_time_parse_tod("12:60", &t), 0);
    cr_assert_neq(zf_time_parse_tod("12:00x", &t), 0);
}

Test(clock, formats_short_human_durations)
{
    char buf[32];
    cr_assert_str_eq(zf_time_format(1500 * ZF_MS, buf, sizeof buf), "1.5s");
    cr_assert_str_eq(zf_time_format(250 * ZF_MS, buf, sizeof buf), "250ms");
    cr_assert_str_eq(zf_time_format(90 * ZF_MIN, buf, sizeof buf), "1h30m");
    cr_assert_str_eq(zf_time_format(61 * ZF_S, buf, sizeof buf), "1m1s");
    cr_assert_str_eq(zf_time_format(12, buf, sizeof buf), "12ns");
}

Test(clock, converts_seconds_with_rounding)
{
    zf_time_t t;
    cr_assert_eq(zf_time_from_seconds(0.1, &t), 0);
    cr_assert_eq(t, 100 * ZF_MS);
    cr_assert_eq(zf_time_from_seconds(-1, &t), ZF_EINVAL);
    cr_assert_eq(zf_time_from_seconds(1e12, &t), ZF_ERANGE);
}
