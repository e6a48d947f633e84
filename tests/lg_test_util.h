/* lg_test_util: helpers shared by the load engine's tests: a constant-rate request source,
 * loopback sockets that refuse or never answer, and starting zf_testserver (127.0.0.1
 * only) and reading the port it prints. Header-only: each test program is one file. */
#ifndef ZF_LG_TEST_UTIL_H
#define ZF_LG_TEST_UTIL_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "loadgen/loadgen.h"

extern char **environ;

/* ---- a constant-rate source: request j (0..n-1) at offset + j * interval, spread over
 * threads by j mod nthreads; completions counted per thread (no sharing). ---- */

typedef struct rate_src {
    uint64_t n;
    zf_time_t interval, offset, timeout;
    unsigned nthreads;
    uint32_t target, flags;
    const char *method, *path, *headers, *body;
    uint64_t k[ZF_LG_THREADS_MAX];                 /* next index per thread */
    uint64_t done[ZF_LG_THREADS_MAX][ZF_CAUSE_COUNT];
    uint64_t body_bytes[ZF_LG_THREADS_MAX];
    zf_time_t max_latency[ZF_LG_THREADS_MAX];
} rate_src_t;

static inline int rate_next(void *user, unsigned thread, zf_time_t now, zf_lg_req_t *req)
{
    (void)now;
    rate_src_t *s = user;
    uint64_t j = s->k[thread] * s->nthreads + thread;
    if (j >= s->n)
        return ZF_LG_NEXT_END;
    s->k[thread]++;
    req->t = s->offset + (zf_time_t)j * s->interval;
    req->id = j;
    req->target = s->target;
    req->flags = s->flags;
    req->timeout_ns = s->timeout;
    req->http.method = s->method;
    req->http.path = s->path ? s->path : "/";
    req->http.headers = s->headers;
    req->http.headers_len = s->headers ? strlen(s->headers) : 0;
    req->http.body = s->body;
    req->http.body_len = s->body ? strlen(s->body) : 0;
    return ZF_LG_NEXT_REQ;
}

static inline int rate_done(void *user, unsigned thread, const zf_lg_done_t *d)
{
    rate_src_t *s = user;
    s->done[thread][d->cause]++;
    s->body_bytes[thread] += d->body_bytes;
    if (d->latency_ns > s->max_latency[thread])
        s->max_latency[thread] = d->latency_ns;
    return 0;
}

static inline uint64_t rate_done_count(const rate_src_t *s, zf_cause_t c)
{
    uint64_t n = 0;
    for (unsigned i = 0; i < ZF_LG_THREADS_MAX; i++)
        n += s->done[i][c];
    return n;
}

static inline zf_lg_source_t rate_source(rate_src_t *s) { return (zf_lg_source_t){rate_next, rate_done, s}; }

/* Builds an engine for one target with one URL, runs src, returns the run's result. */
static inline int run_one(const char *url, zf_lg_config_t *cfg, uint32_t max_conns,
                   const zf_lg_source_t *src, zf_lg_stats_t *st, zf_err_t *err)
{
    zf_lg_target_t t = {.name = "t", .urls = &url, .nurls = 1, .max_conns = max_conns};
    zf_lg_t *lg = NULL;
    int rc = zf_lg_new(&lg, cfg, &t, 1, err);
    cr_assert_eq(rc, 0, "%s", err->msg);
    if (src->user && src->next == rate_next)
        ((rate_src_t *)src->user)->nthreads = zf_lg_threads(lg);
    cr_assert_eq(zf_lg_stats_init(st), 0);
    rc = zf_lg_run(lg, src, st, err);
    zf_lg_destroy(lg);
    return rc;
}

static inline uint64_t cause(const zf_lg_stats_t *s, zf_cause_t c) { return s->by_cause[c]; }

/* ---- loopback sockets ---- */

/* A listening socket on 127.0.0.1 that never accepts (connections complete in the kernel
 * up to `backlog`, then SYNs are dropped). Returns the fd; *port receives the port. */
static inline int black_hole(int backlog, int *port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert(fd >= 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(listen(fd, backlog), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    *port = ntohs(a.sin_port);
    return fd;
}

/* A port on 127.0.0.1 with nothing listening (connections are refused). */
static inline int closed_port(void)
{
    int port;
    int fd = black_hole(1, &port);
    close(fd);
    return port;
}

/* ---- processes a test started: killed by the suite's .fini even when an assertion
 * ends the test early, so no server outlives its test ---- */

static pid_t lg_spawned[16];
static int lg_nspawned;

static inline void spawned_add(pid_t pid)
{
    if (lg_nspawned < 16)
        lg_spawned[lg_nspawned++] = pid;
}

/* Stops pid (SIGTERM, then waits) and forgets it. */
static inline void spawned_stop(pid_t pid)
{
    for (int i = 0; i < lg_nspawned; i++)
        if (lg_spawned[i] == pid)
            lg_spawned[i] = lg_spawned[--lg_nspawned];
    kill(pid, SIGTERM);
    waitpid(pid, NULL, 0);
}

static inline void kill_spawned(void)
{
    while (lg_nspawned > 0)
        spawned_stop(lg_spawned[lg_nspawned - 1]);
}

/* ---- zf_testserver ---- */

typedef struct testserver {
    pid_t pid;
    int port;
} testserver_t;

static inline void testserver_path(char *buf, size_t len)
{
    const char *root = getenv("ZF_BUILD_ROOT");
    cr_assert_not_null(root, "ZF_BUILD_ROOT is set by meson test");
    snprintf(buf, len, "%s/tests/zf_testserver", root);
}

/* Starts zf_testserver with args (NULL-terminated) plus --max-runtime 60s. */
static inline testserver_t testserver_start(const char *const *args)
{
    char path[4096];
    testserver_path(path, sizeof path);
    const char *argv[64];
    int n = 0;
    argv[n++] = path;
    for (; args && *args && n < 58; args++)
        argv[n++] = *args;
    argv[n++] = "--max-runtime";
    argv[n++] = "60s";
    argv[n] = NULL;
    int pfd[2];
    cr_assert_eq(pipe(pfd), 0);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
    posix_spawn_file_actions_addclose(&fa, pfd[0]);
    testserver_t ts = {0};
    int rc = posix_spawn(&ts.pid, path, &fa, NULL, (char *const *)argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(pfd[1]);
    cr_assert_eq(rc, 0, "spawn %s: %s", path, strerror(rc));
    spawned_add(ts.pid);
    char line[32] = {0};
    size_t k = 0;
    while (k + 1 < sizeof line) {
        ssize_t r = read(pfd[0], line + k, 1);
        if (r <= 0 || line[k] == '\n')
            break;
        k++;
    }
    close(pfd[0]);
    ts.port = atoi(line);
    cr_assert(ts.port > 0, "zf_testserver printed '%s'", line);
    return ts;
}

static inline void testserver_stop(testserver_t *ts)
{
    if (ts->pid <= 0)
        return;
    spawned_stop(ts->pid);
    ts->pid = 0;
}

static inline void testserver_url(const testserver_t *ts, char *buf, size_t len)
{
    snprintf(buf, len, "http://127.0.0.1:%d", ts->port);
}

/* A blocking one-shot HTTP request to 127.0.0.1:port (Connection: close); returns the
 * status and copies the body (NUL-terminated, truncated to len) into body. */
static inline int http_simple(int port, const char *method, const char *path, char *body, size_t len)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    char req[512];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: t\r\nContent-Length: 0\r\n"
                     "Connection: close\r\n\r\n", method, path);
    cr_assert_eq(write(fd, req, (size_t)n), n);
    static char resp[1 << 20];
    size_t k = 0;
    ssize_t r;
    while (k + 1 < sizeof resp && (r = read(fd, resp + k, sizeof resp - 1 - k)) > 0)
        k += (size_t)r;
    resp[k] = 0;
    close(fd);
    int status = 0;
    sscanf(resp, "HTTP/1.%*d %d", &status);
    const char *b = strstr(resp, "\r\n\r\n");
    snprintf(body, len, "%s", b ? b + 4 : "");
    return status;
}

/* Reads an integer field "name":N from the test server's GET /control/stats. */
static inline long long testserver_stat(const testserver_t *ts, const char *name)
{
    char body[512], key[64];
    cr_assert_eq(http_simple(ts->port, "GET", "/control/stats", body, sizeof body), 200);
    snprintf(key, sizeof key, "\"%s\":", name);
    const char *p = strstr(body, key);
    cr_assert_not_null(p, "%s in %s", name, body);
    return atoll(p + strlen(key));
}

/* Peak resident set of this process in KiB. */
static inline long peak_rss_kib(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

#endif
