/* Tests of testbed/app/app_http: routing of the device API, write parameters, the
 * incremental request reader (split input, pipelining, limits) and responses. No
 * database and no sockets. */
#include <criterion/criterion.h>
#include <string.h>

#include "app_http.h"

static int route(unsigned method, const char *path, zf_app_route_t *r)
{
    return zf_app_route(method, path, strlen(path), r);
}

Test(app_route, maps_each_path_of_the_device_api)
{
    zf_app_route_t r;
    cr_assert_eq(route(HTTP_POST, "/v1/devices/42/reports", &r), 0);
    cr_assert_eq(r.kind, ZF_APP_REPORT);
    cr_assert_eq(r.device, 42);
    cr_assert_eq(route(HTTP_POST, "/v1/devices/7/gps", &r), 0);
    cr_assert_eq(r.kind, ZF_APP_GPS);
    cr_assert_eq(r.device, 7);
    cr_assert_eq(route(HTTP_GET, "/v1/devices/9223372036854775807/config", &r), 0);
    cr_assert_eq(r.kind, ZF_APP_CONFIG);
    cr_assert_eq(r.device, INT64_MAX);
    cr_assert_eq(route(HTTP_GET, "/v1/writes/123", &r), 0);
    cr_assert_eq(r.kind, ZF_APP_WRITE_GET);
    cr_assert_eq(r.write_id, 123);
    cr_assert_eq(route(HTTP_GET, "/health", &r), 0);
    cr_assert_eq(r.kind, ZF_APP_HEALTH);
}

Test(app_route, ignores_the_query_string)
{
    zf_app_route_t r;
    cr_assert_eq(route(HTTP_GET, "/v1/devices/5/config?fresh=1", &r), 0);
    cr_assert_eq(r.device, 5);
    cr_assert_eq(route(HTTP_GET, "/health?x", &r), 0);
}

Test(app_route, answers_404_for_unknown_paths_and_bad_ids)
{
    zf_app_route_t r;
    const char *bad[] = {"/", "/v1", "/v1/devices/", "/v1/devices/42", "/v1/devices/42/",
                         "/v1/devices/42/reportsx", "/v1/devices/0/reports",
                         "/v1/devices/-1/reports", "/v1/devices/4a/reports",
                         "/v1/devices/9223372036854775808/reports", "/v1/devices//reports",
                         "/v1/writes/", "/v1/writes/0", "/v1/writes/12/34", "/healthz",
                         "/v2/devices/1/reports"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        cr_assert_eq(route(HTTP_POST, bad[i], &r), 404, "%s", bad[i]);
}

Test(app_route, answers_405_for_a_wrong_method)
{
    zf_app_route_t r;
    cr_assert_eq(route(HTTP_GET, "/v1/devices/1/reports", &r), 405);
    cr_assert_eq(route(HTTP_PUT, "/v1/devices/1/gps", &r), 405);
    cr_assert_eq(route(HTTP_POST, "/v1/devices/1/config", &r), 405);
    cr_assert_eq(route(HTTP_DELETE, "/v1/writes/3", &r), 405);
    cr_assert_eq(route(HTTP_POST, "/health", &r), 405);
    cr_assert_eq(route(HTTP_HEAD, "/health", &r), 405);
}

static int params(const char *hw, const char *hs, const char *body, int64_t *w, int64_t *s)
{
    char msg[128];
    return zf_app_write_params(hw, hs, body, body ? strlen(body) : 0, w, s, msg, sizeof msg);
}

Test(app_write, takes_the_write_id_from_the_header_or_the_body)
{
    int64_t w = 0, s = -1;
    cr_assert_eq(params("77", NULL, NULL, &w, &s), 0);
    cr_assert_eq(w, 77);
    cr_assert_eq(s, 0);
    cr_assert_eq(params(NULL, NULL, "{\"write_id\": 88, \"seq\": 4, \"lat\": 1.5}", &w, &s), 0);
    cr_assert_eq(w, 88);
    cr_assert_eq(s, 4);
    cr_assert_eq(params("99", "12", "{\"write_id\": 99}", &w, &s), 0);
    cr_assert_eq(w, 99);
    cr_assert_eq(s, 12);
    cr_assert_eq(params("5", "0", "", &w, &s), 0);
    cr_assert_eq(s, 0);
}

Test(app_write, refuses_missing_conflicting_or_malformed_ids_with_400)
{
    int64_t w, s;
    cr_assert_eq(params(NULL, NULL, NULL, &w, &s), 400);
    cr_assert_eq(params(NULL, NULL, "{\"seq\": 1}", &w, &s), 400);
    cr_assert_eq(params("1", NULL, "{\"write_id\": 2}", &w, &s), 400);
    cr_assert_eq(params("0", NULL, NULL, &w, &s), 400);
    cr_assert_eq(params("-3", NULL, NULL, &w, &s), 400);
    cr_assert_eq(params("12x", NULL, NULL, &w, &s), 400);
    cr_assert_eq(params("1", "-1", NULL, &w, &s), 400);
    cr_assert_eq(params(NULL, NULL, "{\"write_id\": \"5\"}", &w, &s), 400);
    cr_assert_eq(params(NULL, NULL, "{\"write_id\": 1.5}", &w, &s), 400);
    cr_assert_eq(params(NULL, NULL, "{\"write_id\": 5, \"seq\": -2}", &w, &s), 400);
    cr_assert_eq(params("1", NULL, "not json", &w, &s), 400);
    cr_assert_eq(params("1", NULL, "[1]", &w, &s), 400);
    cr_assert_eq(params(NULL, NULL, "{\"write_id\": 1, \"write_id\": 2}", &w, &s), 400);
}

static size_t feed_all(zf_app_req_t *r, const char *text)
{
    return zf_app_req_feed(r, text, strlen(text));
}

Test(app_req, reads_a_post_with_headers_and_body_split_byte_by_byte)
{
    zf_app_req_t r;
    cr_assert_eq(zf_app_req_init(&r), 0);
    const char *msg = "POST /v1/devices/3/reports HTTP/1.1\r\nHost: x\r\nx-write-id: 314\r\n"
                      "X-Seq: 2\r\nContent-Length: 15\r\n\r\n{\"write_id\":314}";
    /* Content-Length 15 covers {"write_id":314 ; the last byte is the next request's. */
    size_t n = strlen(msg), used = 0;
    for (size_t i = 0; i < n && !r.complete; i++)
        used += zf_app_req_feed(&r, msg + i, 1);
    cr_assert(r.complete);
    cr_assert_eq(r.error_status, 0);
    cr_assert_eq(used, n - 1);
    cr_assert_eq(r.method, HTTP_POST);
    cr_assert_str_eq(r.url, "/v1/devices/3/reports");
    cr_assert(r.has_write_id);
    cr_assert_str_eq(r.write_id, "314");
    cr_assert_str_eq(r.seq, "2");
    cr_assert_eq(r.body_len, 15);
    cr_assert(r.keep_alive);
    zf_app_req_free(&r);
}

Test(app_req, stops_at_the_end_of_each_pipelined_request)
{
    zf_app_req_t r;
    cr_assert_eq(zf_app_req_init(&r), 0);
    const char *two = "GET /health HTTP/1.1\r\nHost: x\r\n\r\n"
                      "GET /v1/writes/9 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
    size_t used = feed_all(&r, two);
    cr_assert(r.complete);
    cr_assert_str_eq(r.url, "/health");
    cr_assert_eq(used, strlen("GET /health HTTP/1.1\r\nHost: x\r\n\r\n"));
    zf_app_req_next(&r);
    size_t more = zf_app_req_feed(&r, two + used, strlen(two) - used);
    cr_assert(r.complete);
    cr_assert_eq(used + more, strlen(two));
    cr_assert_str_eq(r.url, "/v1/writes/9");
    cr_assert_not(r.has_write_id);
    cr_assert_not(r.keep_alive);
    zf_app_req_free(&r);
}

Test(app_req, flags_garbage_and_oversized_requests)
{
    zf_app_req_t r;
    cr_assert_eq(zf_app_req_init(&r), 0);
    feed_all(&r, "HELLO\r\n\r\n");
    cr_assert_eq(r.error_status, 400);
    zf_app_req_free(&r);

    cr_assert_eq(zf_app_req_init(&r), 0);
    feed_all(&r, "POST /v1/devices/1/gps HTTP/1.1\r\nContent-Length: 70000\r\n\r\n");
    static char big[70000];
    memset(big, 'a', sizeof big);
    zf_app_req_feed(&r, big, sizeof big);
    cr_assert_eq(r.error_status, 413);
    zf_app_req_free(&r);

    cr_assert_eq(zf_app_req_init(&r), 0);
    char hdr[200];
    memset(hdr, '7', sizeof hdr);
    hdr[sizeof hdr - 1] = 0;
    feed_all(&r, "POST /v1/devices/1/gps HTTP/1.1\r\nX-Write-Id: ");
    feed_all(&r, hdr);
    cr_assert_eq(r.error_status, 431);
    zf_app_req_free(&r);
}

Test(app_response, formats_status_length_and_connection)
{
    char buf[256];
    size_t n = zf_app_response(buf, sizeof buf, 503, "{\"error\":\"x\"}", false);
    cr_assert_eq(n, strlen(buf));
    cr_assert_str_eq(buf, "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\n"
                          "Content-Length: 14\r\nConnection: close\r\n\r\n{\"error\":\"x\"}\n");
    n = zf_app_response(buf, sizeof buf, 201, "{}", true);
    cr_assert(strstr(buf, "201 Created") && strstr(buf, "Connection: keep-alive"));
    cr_assert_eq(zf_app_response(buf, 20, 200, "{}", true), 0);
}
