/* Tests of loadgen/http: request bytes exactly as sent, request checks, and the response
 * glue on every shape a server may send (lengths, chunks, no body, interim 1xx, upgrade,
 * close-delimited, truncated, garbage, two responses at once, huge bodies, any split). */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/http.h"

static zf_url_t url(const char *text)
{
    zf_url_t u;
    cr_assert_eq(zf_url_parse(text, &u, NULL), 0);
    return u;
}

static char *request(const zf_url_t *u, const zf_http_req_t *r)
{
    size_t n = zf_http_request_size(u, r);
    char *b = malloc(n + 1);
    cr_assert_eq(zf_http_request_write(u, r, b), n);
    b[n] = 0;
    return b;
}

Test(http, get_request_is_minimal)
{
    zf_url_t u = url("http://127.0.0.1:8080");
    zf_http_req_t r = {.path = "/health"};
    char *b = request(&u, &r);
    cr_assert_str_eq(b, "GET /health HTTP/1.1\r\nHost: 127.0.0.1:8080\r\n\r\n");
    free(b);
}

Test(http, post_carries_headers_length_body_and_close)
{
    zf_url_t u = url("https://api.test/v2");
    const char hdr[] = "X-Write-Id: w7\r\nContent-Type: application/json\r\n";
    const char body[] = "{\"write_id\":\"w7\"}";
    zf_http_req_t r = {.method = "POST", .path = "/v1/devices/9/reports", .headers = hdr,
                       .headers_len = sizeof hdr - 1, .body = body, .body_len = sizeof body - 1,
                       .close = 1};
    char *b = request(&u, &r);
    cr_assert_str_eq(b, "POST /v2/v1/devices/9/reports HTTP/1.1\r\nHost: api.test\r\n"
                        "X-Write-Id: w7\r\nContent-Type: application/json\r\n"
                        "Content-Length: 17\r\nConnection: close\r\n\r\n"
                        "{\"write_id\":\"w7\"}");
    free(b);
}

Test(http, empty_post_says_length_zero)
{
    zf_url_t u = url("http://a.test");
    zf_http_req_t r = {.method = "POST", .path = "/x"};
    char *b = request(&u, &r);
    cr_assert(strstr(b, "Content-Length: 0\r\n") != NULL);
    free(b);
}

Test(http, check_rejects_header_injection_and_bad_tokens)
{
    zf_err_t err;
    const char *h = "A: b\r\nC-d: e f\r\n";
    zf_http_req_t ok = {.method = "GET", .path = "/a?b=c", .headers = h, .headers_len = strlen(h)};
    cr_assert_eq(zf_http_request_check(&ok, &err), 0, "%s", err.msg);
    struct { const char *method, *path, *headers; } bad[] = {
        {"GE T", "/", NULL}, {"", "/", NULL}, {"GET", "/a b", NULL}, {"GET", "/a\r\n", NULL},
        {"GET", "/", "A: b"}, {"GET", "/", "A: b\nC: d\r\n"}, {"GET", "/", ": b\r\n"},
        {"GET", "/", "A b\r\n"}, {"GET", "/", "A: b\r\n\r\nGET / HTTP/1.1\r\n"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        zf_http_req_t r = {.method = bad[i].method, .path = bad[i].path,
                           .headers = bad[i].headers,
                           .headers_len = bad[i].headers ? strlen(bad[i].headers) : 0};
        cr_expect_eq(zf_http_request_check(&r, &err), ZF_EINVAL, "case %zu accepted", i);
    }
}

/* Starts r for one response and feeds all of text at once. */
static int feed_whole(zf_http_resp_t *r, int head, const char *text, size_t *used)
{
    zf_http_resp_start(r, head);
    return zf_http_resp_feed(r, text, strlen(text), used);
}

/* Feeds text in pieces of `step` bytes; returns the last result, *used the bytes of the
 * final piece that belonged to the response. */
static int feed(zf_http_resp_t *r, const char *text, size_t n, size_t step, size_t *consumed)
{
    int rc = ZF_HTTP_MORE;
    size_t off = 0;
    while (off < n && rc == ZF_HTTP_MORE) {
        size_t k = n - off < step ? n - off : step, used = 0;
        rc = zf_http_resp_feed(r, text + off, k, &used);
        off += rc == ZF_HTTP_DONE ? used : k;
    }
    *consumed = off;
    return rc;
}

static void expect_done(const char *text, size_t step, int status, uint64_t body, int keep)
{
    zf_http_resp_t r;
    zf_http_resp_start(&r, 0);
    size_t used;
    int rc = feed(&r, text, strlen(text), step, &used);
    cr_assert_eq(rc, ZF_HTTP_DONE, "step %zu: rc %d", step, rc);
    cr_assert_eq(used, strlen(text));
    cr_assert_eq(r.status, status);
    cr_assert_eq(r.body_bytes, body);
    cr_assert_eq(r.keep_alive, keep);
}

Test(http, content_length_response_in_any_split)
{
    const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nServer: x\r\n\r\nhello";
    for (size_t step = 1; step <= strlen(t); step++)
        expect_done(t, step, 200, 5, 1);
}

Test(http, chunked_body_counts_decoded_bytes)
{
    const char *t = "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n"
                    "5;ext=1\r\nhello\r\n1a\r\nabcdefghijklmnopqrstuvwxyz\r\n0\r\nTrailer: t\r\n\r\n";
    for (size_t step = 1; step <= strlen(t); step += 3)
        expect_done(t, step, 201, 31, 1);
}

Test(http, no_body_statuses_and_connection_close)
{
    expect_done("HTTP/1.1 204 No Content\r\n\r\n", 64, 204, 0, 1);
    expect_done("HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n", 64, 304, 0, 1);
    expect_done("HTTP/1.1 503 Busy\r\nContent-Length: 0\r\nConnection: close\r\n\r\n", 7, 503, 0,
                0);
    expect_done("HTTP/1.0 200 OK\r\nContent-Length: 2\r\n\r\nok", 64, 200, 2, 0);
    expect_done("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\nContent-Length: 2\r\n\r\nok", 64,
                200, 2, 1);
}

Test(http, head_response_has_no_body_whatever_its_length)
{
    zf_http_resp_t r;
    const char *t = "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n";
    size_t used;
    cr_assert_eq(feed_whole(&r, 1, t, &used), ZF_HTTP_DONE);
    cr_assert_eq(used, strlen(t));
    cr_assert_eq(r.body_bytes, 0);
}

Test(http, interim_100_continue_is_skipped)
{
    expect_done("HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 102 Processing\r\n\r\n"
                "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx", 5, 200, 1, 1);
}

Test(http, upgrade_nobody_asked_for_is_an_error)
{
    zf_http_resp_t r;
    size_t used;
    cr_assert_eq(feed_whole(&r, 0, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: h2c\r\n\r\n",
                            &used), ZF_HTTP_ERROR);
}

Test(http, garbage_is_an_error_and_stays_one)
{
    const char *bad[] = {"\x16\x03\x01garbage", "HTTP/1.1 abc OK\r\n\r\n", "SSH-2.0-OpenSSH\r\n",
                         "HTTP/1.1 020 Low\r\nContent-Length: 0\r\n\r\n",
                         "HTTP/1.1 600 High\r\nContent-Length: 0\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n",
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        zf_http_resp_t r;
        size_t used;
        cr_expect_eq(feed_whole(&r, 0, bad[i], &used), ZF_HTTP_ERROR, "case %zu", i);
        cr_expect_eq(zf_http_resp_feed(&r, "HTTP/1.1 200 OK\r\n", 17, &used), ZF_HTTP_ERROR);
        cr_expect_eq(zf_http_resp_eof(&r), ZF_HTTP_ERROR);
    }
}

Test(http, close_delimited_body_ends_at_eof)
{
    zf_http_resp_t r;
    size_t used;
    cr_assert_eq(feed_whole(&r, 0, "HTTP/1.1 200 OK\r\n\r\nsome bytes until the close", &used),
                 ZF_HTTP_MORE);
    cr_assert_eq(zf_http_resp_eof(&r), ZF_HTTP_DONE);
    cr_assert_eq(r.body_bytes, 26);
    cr_assert_eq(r.keep_alive, 0);
}

Test(http, eof_before_or_inside_a_response_is_truncation)
{
    zf_http_resp_t r;
    zf_http_resp_start(&r, 0);
    cr_assert_eq(zf_http_resp_eof(&r), ZF_HTTP_TRUNCATED);
    const char *cut[] = {"HTTP/1.1 200 OK\r\nContent-Le",
                         "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc",
                         "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab"};
    for (size_t i = 0; i < sizeof cut / sizeof *cut; i++) {
        size_t used;
        cr_assert_eq(feed_whole(&r, 0, cut[i], &used), ZF_HTTP_MORE);
        cr_expect_eq(zf_http_resp_eof(&r), ZF_HTTP_TRUNCATED, "case %zu", i);
    }
}

Test(http, bytes_after_a_response_are_not_consumed)
{
    zf_http_resp_t r;
    zf_http_resp_start(&r, 0);
    const char *one = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    char two[256];
    snprintf(two, sizeof two, "%s%s", one, one);
    size_t used;
    cr_assert_eq(zf_http_resp_feed(&r, two, strlen(two), &used), ZF_HTTP_DONE);
    cr_assert_eq(used, strlen(one));
    /* a further feed does not parse the second response into this one */
    cr_assert_eq(zf_http_resp_feed(&r, two + used, strlen(two) - used, &used), ZF_HTTP_DONE);
    cr_assert_eq(used, 0);
    cr_assert_eq(r.body_bytes, 2);
}

Test(http, ten_megabyte_body_is_counted_not_kept)
{
    zf_http_resp_t r;
    size_t used;
    cr_assert_eq(feed_whole(&r, 0, "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n", &used),
                 ZF_HTTP_MORE);
    static char block[65536];
    memset(block, 'x', sizeof block);
    uint64_t left = 10000000;
    int rc = ZF_HTTP_MORE;
    while (left > 0) {
        size_t k = left < sizeof block ? (size_t)left : sizeof block;
        rc = zf_http_resp_feed(&r, block, k, &used);
        left -= k;
    }
    cr_assert_eq(rc, ZF_HTTP_DONE);
    cr_assert_eq(r.body_bytes, 10000000);
    cr_assert(sizeof r <= 64, "parser state is %zu bytes", sizeof r);
}

Test(http, oversized_headers_are_an_error)
{
    zf_http_resp_t r;
    size_t used;
    cr_assert_eq(feed_whole(&r, 0, "HTTP/1.1 200 OK\r\nX-Big: ", &used), ZF_HTTP_MORE);
    static char block[4096];
    memset(block, 'a', sizeof block);
    int rc = ZF_HTTP_MORE;
    for (int i = 0; i < 64 && rc == ZF_HTTP_MORE; i++)
        rc = zf_http_resp_feed(&r, block, sizeof block, &used);
    cr_assert_eq(rc, ZF_HTTP_ERROR);
}
