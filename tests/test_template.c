/* Tests of loadgen/template: a kind's HTTP template expanded for a request: every
 * placeholder, literal braces of JSON bodies, header lines, defaults, reused buffers. */
#include <criterion/criterion.h>

#include <string.h>

#include "loadgen/template.h"

static zf_template_buf_t tb;

static void fini(void) { zf_template_buf_free(&tb); }

TestSuite(template, .fini = fini);

static const zf_request_t req = {.t = 7 * ZF_S + 250 * ZF_MS, .write_id = 9223372036854775809ull,
                                 .kind = 0, .entity = 42, .seq = 3, .source = ZF_SRC_DEVICE};

Test(template, every_placeholder_is_replaced_in_path_headers_and_body)
{
    char *headers[] = {"X-Write-Id: {write_id}", "X-Kind: {kind}"};
    zf_http_template_t t = {.method = "POST", .path = "/v1/devices/{device}/reports?seq={seq}",
                            .body = "{\"write_id\": {write_id}, \"entity\": {entity}, "
                                    "\"t\": {time_ms}, \"x\": {unknown}}",
                            .headers = headers, .nheaders = 2};
    zf_http_req_t h;
    cr_assert_eq(zf_template_expand(&t, "report", &req, &tb, &h), 0);
    cr_assert_str_eq(h.method, "POST");
    cr_assert_str_eq(h.path, "/v1/devices/42/reports?seq=3");
    cr_assert_eq(h.headers_len, strlen(h.headers));
    cr_assert_str_eq(h.headers, "X-Write-Id: 9223372036854775809\r\nX-Kind: report\r\n");
    const char *want = "{\"write_id\": 9223372036854775809, \"entity\": 42, \"t\": 7250, "
                       "\"x\": {unknown}}";
    cr_assert_eq(h.body_len, strlen(want));
    cr_assert_eq(memcmp(h.body, want, h.body_len), 0);
}

Test(template, no_headers_and_no_body_give_none)
{
    zf_http_template_t t = {.method = "GET", .path = "/"};
    zf_http_req_t h;
    cr_assert_eq(zf_template_expand(&t, "page", &req, &tb, &h), 0);
    cr_assert_str_eq(h.path, "/");
    cr_assert_null(h.headers);
    cr_assert_eq(h.headers_len, 0);
    cr_assert_null(h.body);
    cr_assert_eq(h.body_len, 0);
}

Test(template, buffers_grow_once_and_are_reused)
{
    char big[3000];
    memset(big, 'a', sizeof big - 1);
    big[sizeof big - 1] = 0;
    zf_http_template_t t = {.method = "PUT", .path = "/{seq}", .body = big};
    zf_http_req_t h;
    cr_assert_eq(zf_template_expand(&t, "k", &req, &tb, &h), 0);
    cr_assert_eq(h.body_len, sizeof big - 1);
    char *kept = tb.body;
    t.body = "{seq}";
    cr_assert_eq(zf_template_expand(&t, "k", &req, &tb, &h), 0);
    cr_assert_eq(tb.body, kept);
    cr_assert_eq(h.body_len, 1);
    cr_assert_eq(memcmp(h.body, "3", 1), 0);
}
