/* Tests of loadgen/url: schemes, ports, IPv6 literals, prefixes, and rejection of what the
 * engine must never be pointed at by accident (user info, queries, bad ports). */
#include <criterion/criterion.h>
#include <string.h>

#include "loadgen/url.h"

static zf_url_t parse_ok(const char *text)
{
    zf_url_t u;
    zf_err_t err;
    int rc = zf_url_parse(text, &u, &err);
    cr_assert_eq(rc, 0, "%s: %s", text, err.msg);
    return u;
}

Test(url, http_defaults_to_port_80_and_no_prefix)
{
    zf_url_t u = parse_ok("http://example.test");
    cr_assert_eq(u.tls, 0);
    cr_assert_eq(u.port, 80);
    cr_assert_str_eq(u.host, "example.test");
    cr_assert_str_eq(u.authority, "example.test");
    cr_assert_str_eq(u.prefix, "");
}

Test(url, https_defaults_to_port_443)
{
    zf_url_t u = parse_ok("https://lb.example.test/");
    cr_assert_eq(u.tls, 1);
    cr_assert_eq(u.port, 443);
    cr_assert_str_eq(u.prefix, "");
}

Test(url, explicit_port_goes_into_the_host_header)
{
    zf_url_t u = parse_ok("http://127.0.0.1:8080/api/v2/");
    cr_assert_eq(u.port, 8080);
    cr_assert_str_eq(u.authority, "127.0.0.1:8080");
    cr_assert_str_eq(u.prefix, "/api/v2");
}

Test(url, default_port_written_out_is_left_out_of_the_host_header)
{
    zf_url_t u = parse_ok("https://a.test:443");
    cr_assert_str_eq(u.authority, "a.test");
}

Test(url, ipv6_literal_keeps_brackets_only_in_the_host_header)
{
    zf_url_t u = parse_ok("http://[::1]:9000/x");
    cr_assert_str_eq(u.host, "::1");
    cr_assert_str_eq(u.authority, "[::1]:9000");
    cr_assert_str_eq(u.prefix, "/x");
}

Test(url, rejects_other_schemes_user_info_queries_and_bad_ports)
{
    const char *bad[] = {
        "ftp://a.test", "a.test", "http://", "http://user@a.test", "http://a.test?x=1",
        "http://a.test/p?x", "http://a.test/#frag", "http://a.test:0", "http://a.test:65536",
        "http://a.test:80x", "http://a.test:", "http://[::1", "http://a b.test",
        "http://a.test/pa th",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        zf_url_t u;
        zf_err_t err;
        cr_expect_eq(zf_url_parse(bad[i], &u, &err), ZF_EINVAL, "%s accepted", bad[i]);
        cr_expect(strstr(err.msg, bad[i]) != NULL || strstr(err.msg, "missing"),
                  "message names the URL: %s", err.msg);
    }
}

Test(url, request_target_joins_prefix_and_path)
{
    zf_url_t u = parse_ok("http://a.test/base");
    char out[64];
    struct { const char *path, *want; } cases[] = {
        {"/v1/x?y=1", "/base/v1/x?y=1"}, {"v1", "/base/v1"}, {NULL, "/base"}, {"", "/base"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        size_t n = zf_url_target_len(&u, cases[i].path);
        cr_assert_eq(zf_url_target_write(&u, cases[i].path, out), n);
        cr_assert_eq(n, strlen(cases[i].want));
        cr_assert_eq(memcmp(out, cases[i].want, n), 0);
    }
    zf_url_t root = parse_ok("http://a.test");
    cr_assert_eq(zf_url_target_write(&root, NULL, out), 1);
    cr_assert_eq(out[0], '/');
}
