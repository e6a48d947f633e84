/* fuzz_response: arbitrary bytes as a server's response stream to the load engine's parser
 * glue (loadgen/http): the first byte picks the piece size and HEAD or not, the rest is
 * fed piece by piece, then EOF, then what follows a complete response as the next one
 * (a reused keep-alive connection). It must never crash, leak or hang, and the counts
 * must stay within the input. The same bytes then go through the request checker.
 * Built with -fsanitize=fuzzer (make fuzz), or with -DZF_FUZZ_REPLAY as a program that
 * replays the files of corpus directories (meson test runs it on corpus/response). */
#include <assert.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loadgen/http.h"

/* One response from data: returns the bytes it used (all of them unless it completed). */
static size_t one_response(const char *data, size_t size, size_t step, int head)
{
    zf_http_resp_t r;
    zf_http_resp_start(&r, head);
    size_t off = 0;
    int rc = ZF_HTTP_MORE;
    while (off < size && rc == ZF_HTTP_MORE) {
        size_t k = size - off < step ? size - off : step, used = 0;
        rc = zf_http_resp_feed(&r, data + off, k, &used);
        assert(used <= k);
        off += rc == ZF_HTTP_DONE ? used : k;
    }
    if (rc == ZF_HTTP_MORE)
        rc = zf_http_resp_eof(&r);
    assert(rc == ZF_HTTP_DONE || rc == ZF_HTTP_ERROR || rc == ZF_HTTP_TRUNCATED);
    assert(r.body_bytes <= size);
    assert(r.wire_bytes <= size);
    if (rc == ZF_HTTP_DONE) {
        assert(r.status >= 200 && r.status <= 599);
        assert(!head || r.body_bytes == 0);
    }
    return rc == ZF_HTTP_DONE ? off : size;
}

/* The request side: the checker must reject or accept, and accepted bytes serialise to
 * exactly the size announced. */
static void request_side(const char *data, size_t size)
{
    zf_url_t u;
    if (zf_url_parse("http://127.0.0.1:8080/p", &u, NULL) != 0)
        abort();
    zf_http_req_t req = {.method = "POST", .path = "/x", .headers = data, .headers_len = size,
                         .body = data, .body_len = size};
    if (zf_http_request_check(&req, NULL) != 0)
        return;
    size_t n = zf_http_request_size(&u, &req);
    char *b = malloc(n);
    if (!b)
        return;
    assert(zf_http_request_write(&u, &req, b) == n);
    free(b);
}

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *bytes, size_t size)
{
    if (size < 1)
        return 0;
    const char *data = (const char *)bytes + 1;
    size_t n = size - 1, step = bytes[0] >> 1;
    int head = bytes[0] & 1;
    if (step == 0)
        step = n ? n : 1;
    for (int responses = 0; n > 0 && responses < 8; responses++) {
        size_t used = one_response(data, n, step, head);
        if (used == 0)
            break;
        data += used;
        n -= used;
    }
    request_side((const char *)bytes, size);
    return 0;
}

#ifdef ZF_FUZZ_REPLAY
#include <dirent.h>

static int replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return -1;
    static unsigned char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf, f);
    fclose(f);
    LLVMFuzzerTestOneInput(buf, n);
    return 0;
}

/* Replays every regular file of each directory (or file) given. */
int main(int argc, char **argv)
{
    int files = 0;
    for (int i = 1; i < argc; i++) {
        DIR *d = opendir(argv[i]);
        if (!d) {
            if (replay_file(argv[i]) < 0) {
                fprintf(stderr, "fuzz_response: cannot read %s\n", argv[i]);
                return 2;
            }
            files++;
            continue;
        }
        struct dirent *e;
        while ((e = readdir(d))) {
            if (e->d_name[0] == '.')
                continue;
            char path[4096];
            snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
            if (replay_file(path) == 0)
                files++;
        }
        closedir(d);
    }
    if (files == 0) {
        fprintf(stderr, "usage: fuzz_response_replay DIR_OR_FILE...  (no inputs found)\n");
        return 2;
    }
    printf("fuzz_response: %d inputs replayed\n", files);
    return 0;
}
#endif
