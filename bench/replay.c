/* bench_replay: the load engine (loadgen/) against a local nginx it starts itself on
 * 127.0.0.1 (worker_processes 1, a small static body), three JSON lines:
 *   replay_max          requests/s with latency recorded, beside wrk on the same nginx
 *                       with the same connections and threads; ratio_vs_wrk compares
 *                       requests per CPU-second of each tool (per core), and
 *                       wall_ratio_vs_wrk the wall rates nginx let each reach;
 *   replay_rate         a fixed 20,000 requests/s for 30 s: achieved rate and lag p99;
 *   replay_conn_memory  resident bytes per open connection at 10,000 connections.
 * nginx runs on another core than the engine and wrk when there is one (the engine and
 * wrk share the core run.sh pins this program to). Usage: bench_replay [max] [rate]
 * [memory] (default all); ZF_BENCH_QUICK=1 shortens every run for a smoke test. Every
 * run is bounded in time; nginx is stopped by its PID. */
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <arpa/inet.h>
#include <unistd.h>

#include "bench_util.h"
#include "loadgen/loadgen.h"

#define CONNS 64         /* replay_max, for the engine and wrk alike */
#define RATE_CONNS 256   /* replay_rate: enough that no request waits for a connection */
#ifndef RATE_RPS
#define RATE_RPS 20000
#endif
#define MEM_CONNS 10000

typedef struct bench {
    char dir[64];
    int port;
    pid_t nginx;
    int cpu_self, cpu_server;
    int quick;
} bench_t;

static void die(const char *what)
{
    fprintf(stderr, "bench_replay: %s: %s\n", what, strerror(errno));
    exit(1);
}

/* ---- processes ---- */

/* fork + exec argv pinned to cpu (-1: unpinned); stdout to out_fd (-1: /dev/null). */
static pid_t spawn_pinned(char *const *argv, int cpu, int out_fd)
{
    pid_t pid = fork();
    if (pid < 0)
        die("fork");
    if (pid == 0) {
        if (cpu >= 0) {
            cpu_set_t set;
            CPU_ZERO(&set);
            CPU_SET(cpu, &set);
            sched_setaffinity(0, sizeof set, &set);
        }
        int devnull = open("/dev/null", O_RDWR);
        dup2(out_fd >= 0 ? out_fd : devnull, 1);
        dup2(devnull, 2);
        execvp(argv[0], argv);
        _exit(127);
    }
    return pid;
}

static void stop_pid(pid_t pid, int sig)
{
    if (pid <= 0)
        return;
    kill(pid, sig);
    waitpid(pid, NULL, 0);
}

/* The CPU this process runs on, and another one for the server when there is one. */
static void pick_cpus(bench_t *b)
{
    cpu_set_t mine;
    b->cpu_self = b->cpu_server = -1;
    if (sched_getaffinity(0, sizeof mine, &mine) != 0)
        return;
    for (int i = 0; i < CPU_SETSIZE; i++)
        if (CPU_ISSET(i, &mine)) {
            b->cpu_self = i;
            break;
        }
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    for (int i = 0; i < n && i < CPU_SETSIZE; i++)
        if (i != b->cpu_self) {
            b->cpu_server = i;
            break;
        }
    if (b->cpu_self >= 0) { /* the engine's thread and wrk share this core */
        CPU_ZERO(&mine);
        CPU_SET(b->cpu_self, &mine);
        sched_setaffinity(0, sizeof mine, &mine);
    }
}

/* ---- nginx ---- */

static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    if (fd < 0 || bind(fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0)
        die("free port");
    close(fd);
    return ntohs(a.sin_port);
}

static int wait_port(int port)
{
    for (int i = 0; i < 250; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return 0;
        usleep(20000);
    }
    return -1;
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f || fputs(text, f) < 0 || fclose(f) != 0)
        die(path);
}

static void nginx_start(bench_t *b)
{
    snprintf(b->dir, sizeof b->dir, "/tmp/zf_bench_nginx_XXXXXX");
    if (!mkdtemp(b->dir))
        die("mkdtemp");
    char path[256], conf[4096];
    snprintf(path, sizeof path, "%s/www", b->dir);
    if (mkdir(path, 0755) != 0 || chmod(b->dir, 0755) != 0)
        die("mkdir");
    snprintf(path, sizeof path, "%s/www/index.html", b->dir);
    write_file(path, "<html><body>zonefall replay bench</body></html>\n"); /* 49 bytes */
    snprintf(path, sizeof path, "%s/www/slow.html", b->dir);
    char slow[2049];
    memset(slow, 's', 2048);
    slow[2048] = 0;
    write_file(path, slow);
    b->port = free_port();
    snprintf(conf, sizeof conf,
             "worker_processes 1;\nworker_rlimit_nofile 65536;\ndaemon off;\n"
             "pid %s/nginx.pid;\nerror_log %s/error.log warn;\n"
             "events { worker_connections 20000; }\n"
             "http {\n access_log off;\n sendfile off;\n tcp_nodelay on;\n"
             " keepalive_timeout 120s;\n keepalive_requests 100000000;\n"
             " open_file_cache max=16;\n"
             " client_body_temp_path %s/t1;\n proxy_temp_path %s/t2;\n"
             " fastcgi_temp_path %s/t3;\n uwsgi_temp_path %s/t4;\n scgi_temp_path %s/t5;\n"
             " server {\n  listen 127.0.0.1:%d backlog=16384;\n  root %s/www;\n"
             "  location = /slow.html { limit_rate 512; }\n }\n}\n",
             b->dir, b->dir, b->dir, b->dir, b->dir, b->dir, b->dir, b->port, b->dir);
    snprintf(path, sizeof path, "%s/nginx.conf", b->dir);
    write_file(path, conf);
    char err[256];
    snprintf(err, sizeof err, "%s/error.log", b->dir);
    char *argv[] = {"nginx", "-p", b->dir, "-c", path, "-e", err, NULL};
    b->nginx = spawn_pinned(argv, b->cpu_server, -1);
    if (wait_port(b->port) != 0) {
        stop_pid(b->nginx, SIGTERM);
        fprintf(stderr, "bench_replay: nginx did not start (see %s)\n", err);
        exit(1);
    }
}

static void nginx_stop(bench_t *b)
{
    stop_pid(b->nginx, SIGTERM);
    b->nginx = 0;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", b->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "bench_replay: could not remove %s\n", b->dir);
}

/* ---- wrk ---- */

/* Requests/sec that wrk reports for `seconds` with the engine's connections and threads;
 * *cpu_s receives the CPU time wrk used (user + system). */
static double wrk_rps(bench_t *b, int conns, int threads, int seconds, double *cpu_s)
{
    char c[16], t[16], d[16], url[64];
    snprintf(c, sizeof c, "-c%d", conns);
    snprintf(t, sizeof t, "-t%d", threads);
    snprintf(d, sizeof d, "-d%ds", seconds);
    snprintf(url, sizeof url, "http://127.0.0.1:%d/index.html", b->port);
    char *argv[] = {"wrk", t, c, d, url, NULL};
    int pfd[2];
    if (pipe(pfd) != 0)
        die("pipe");
    pid_t pid = spawn_pinned(argv, b->cpu_self, pfd[1]);
    close(pfd[1]);
    char out[8192];
    size_t n = 0;
    ssize_t k;
    while (n + 1 < sizeof out && (k = read(pfd[0], out + n, sizeof out - 1 - n)) > 0)
        n += (size_t)k;
    out[n] = 0;
    close(pfd[0]);
    int status;
    struct rusage ru;
    wait4(pid, &status, 0, &ru);
    *cpu_s = (double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) +
             (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec) * 1e-6;
    const char *p = strstr(out, "Requests/sec:");
    if (!p || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        fprintf(stderr, "bench_replay: wrk failed (apt-get install wrk?)\n");
        return 0;
    }
    return atof(p + 13);
}

/* ---- engine runs ---- */

typedef struct src {
    const char *path;
    zf_time_t interval;   /* 0: each request due when asked (as fast as connections allow) */
    uint64_t n, k;
    uint64_t ok;
    long rss_base_kib;
} src_t;

static int src_next(void *user, unsigned thread, zf_time_t now, zf_lg_req_t *req)
{
    (void)thread;
    src_t *s = user;
    if (s->n && s->k >= s->n)
        return ZF_LG_NEXT_END;
    req->t = s->interval ? (zf_time_t)s->k * s->interval : now;
    req->id = s->k++;
    req->http.path = s->path;
    return ZF_LG_NEXT_REQ;
}

static int src_done(void *user, unsigned thread, const zf_lg_done_t *d)
{
    (void)thread;
    ((src_t *)user)->ok += d->cause == ZF_CAUSE_OK;
    return 0;
}

static int engine_run(bench_t *b, src_t *s, zf_lg_config_t *cfg, uint32_t conns,
                      zf_lg_stats_t *st)
{
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", b->port);
    const char *u = url;
    zf_lg_target_t t = {.name = "nginx", .urls = &u, .nurls = 1, .max_conns = conns};
    zf_lg_t *lg;
    zf_err_t err;
    if (zf_lg_new(&lg, cfg, &t, 1, &err) != 0 || zf_lg_stats_init(st) != 0) {
        fprintf(stderr, "bench_replay: %s\n", err.msg);
        exit(1);
    }
    zf_lg_source_t src = {src_next, src_done, s};
    int rc = zf_lg_run(lg, &src, st, &err);
    if (rc != 0)
        fprintf(stderr, "bench_replay: run: %s\n", err.msg);
    zf_lg_destroy(lg);
    return rc;
}

static zf_lg_config_t base_config(zf_time_t duration)
{
    zf_lg_config_t c;
    zf_lg_config_defaults(&c);
    c.threads = 1;
    c.duration_ns = duration;
    c.timeout_ns = 10 * ZF_S;
    return c;
}

typedef struct max_result {
    double rps, p99_ms, cpu_us_per_req;
} max_result_t;

/* One saturating run: OK responses per second, latency p99, CPU per request. */
static max_result_t engine_max(bench_t *b, int seconds)
{
    src_t s = {.path = "/index.html"};
    zf_lg_config_t c = base_config(seconds * ZF_S);
    /* one request ready per connection: a connection that finishes a response sends the
     * next at once, in the same read callback; the queue never grows beyond that */
    c.max_queued = CONNS;
    zf_lg_stats_t st;
    double cpu0 = bench_cpu_s();
    engine_run(b, &s, &c, CONNS, &st);
    double cpu = bench_cpu_s() - cpu0;
    uint64_t ok = st.by_cause[ZF_CAUSE_OK];
    max_result_t r = {(double)ok / zf_time_to_s(st.elapsed_ns),
                      zf_time_to_ms(zf_hist_quantile(&st.latency, 0.99)),
                      ok ? cpu * 1e6 / (double)ok : 0};
    zf_lg_stats_free(&st);
    return r;
}

/* Rounds alternate which tool goes first; each keeps its best round (the machine may be
 * shared: the best round is the one least disturbed). */
static void bench_max(bench_t *b)
{
    int secs = b->quick ? 2 : 4, rounds = b->quick ? 1 : 5;
    max_result_t best = {0};
    double best_wrk = 0, wrk_cpu_us = 0;
    for (int round = 0; round < rounds; round++) {
        double cpu = 0, w = 0;
        max_result_t e;
        if (round % 2 == 0) {
            w = wrk_rps(b, CONNS, 1, secs, &cpu);
            e = engine_max(b, secs);
        } else {
            e = engine_max(b, secs);
            w = wrk_rps(b, CONNS, 1, secs, &cpu);
        }
        if (w > best_wrk) {
            best_wrk = w;
            wrk_cpu_us = cpu * 1e6 / (w * secs);
        }
        if (e.rps > best.rps)
            best = e;
    }
    /* Per core: requests per CPU-second each tool spent. nginx (one worker on the other
     * core) limits both tools' wall rate alike, so neither fills its core; what a tool
     * would do with a whole core is 1 / its CPU time per request. */
    double per_core = best.cpu_us_per_req > 0 ? 1e6 / best.cpu_us_per_req : 0;
    double wrk_per_core = wrk_cpu_us > 0 ? 1e6 / wrk_cpu_us : 0;
    printf("{\"name\":\"replay_max\",\"rps\":%.0f,\"wrk_rps\":%.0f,\"ratio_vs_wrk\":%.3f,"
           "\"rps_per_core\":%.0f,\"wrk_rps_per_core\":%.0f,\"wall_ratio_vs_wrk\":%.3f,"
           "\"connections\":%d,\"threads\":1,\"latency_recorded\":true,\"latency_p99_ms\":%.3f,"
           "\"cpu_us_per_req\":%.2f,\"wrk_cpu_us_per_req\":%.2f,\"rounds\":%d,"
           "\"seconds_per_run\":%d}\n",
           best.rps, best_wrk, wrk_per_core > 0 ? per_core / wrk_per_core : 0, per_core,
           wrk_per_core, best_wrk > 0 ? best.rps / best_wrk : 0, CONNS, best.p99_ms,
           best.cpu_us_per_req, wrk_cpu_us, rounds, secs);
    fflush(stdout);
}

/* The machine's own floor for the lag: a bare loop that sleeps on a timerfd until each
 * instant of a 20,000/s grid, for 2 s, and records how late it woke (p99, ms). On a
 * shared or virtualised machine this floor, not the engine, bounds lag_p99_ms. */
static double timer_floor_p99_ms(void)
{
    enum { N = 40000 };
    static zf_time_t late[N];
    int fd = timerfd_create(CLOCK_MONOTONIC, 0);
    if (fd < 0)
        return -1;
    zf_time_t t0 = zf_wall_now() + ZF_MS;
    for (int i = 0; i < N; i++) {
        zf_time_t at = t0 + (zf_time_t)i * (ZF_S / RATE_RPS);
        struct itimerspec its = {{0, 0}, {at / ZF_S, at % ZF_S}};
        uint64_t x;
        if (timerfd_settime(fd, TFD_TIMER_ABSTIME, &its, NULL) != 0 ||
            read(fd, &x, sizeof x) < 0)
            break;
        late[i] = zf_wall_now() - at;
    }
    close(fd);
    zf_hist_t h;
    if (zf_hist_init(&h) != 0)
        return -1;
    for (int i = 0; i < N; i++)
        zf_hist_record(&h, late[i]);
    double p99 = zf_time_to_ms(zf_hist_quantile(&h, 0.99));
    zf_hist_free(&h);
    return p99;
}

static void bench_rate(bench_t *b)
{
    int secs = b->quick ? 3 : 30;
    src_t s = {.path = "/index.html", .interval = ZF_S / RATE_RPS,
               .n = (uint64_t)RATE_RPS * (uint64_t)secs};
    zf_lg_config_t c = base_config((secs + 5) * ZF_S);
    const char *tick = getenv("ZF_BENCH_TICK_US"); /* to compare pacing ticks */
    if (tick)
        c.pace_tick_ns = atoll(tick) * ZF_US;
    const char *conns = getenv("ZF_BENCH_RATE_CONNS");
    uint32_t rate_conns = conns ? (uint32_t)atoi(conns) : RATE_CONNS;
    const char *spin = getenv("ZF_BENCH_SPIN_US");
    if (spin)
        c.spin_ns = atoll(spin) * ZF_US;
    zf_lg_stats_t st;
    double floor_p99 = timer_floor_p99_ms();
    double t0 = bench_now_s(), cpu0 = bench_cpu_s();
    engine_run(b, &s, &c, rate_conns, &st);
    double wall = bench_now_s() - t0, cpu = bench_cpu_s() - cpu0;
    /* OK responses over the run's span, from the start to the last response: a generator
     * that falls behind stretches the span and lowers the rate */
    double achieved = (double)st.by_cause[ZF_CAUSE_OK] / zf_time_to_s(st.elapsed_ns);
    printf("{\"name\":\"replay_rate\",\"target_rps\":%d,\"achieved_rps\":%.1f,"
           "\"lag_p99_ms\":%.3f,\"lag_p50_ms\":%.3f,\"lag_max_ms\":%.3f,"
           "\"dispatch_lag_p99_ms\":%.3f,\"timer_floor_p99_ms\":%.3f,"
           "\"latency_p99_ms\":%.3f,\"sent\":%llu,\"ok\":%llu,\"seconds\":%d,"
           "\"connections\":%d,\"connects\":%llu,\"max_queued\":%llu,\"wall_s\":%.2f,"
           "\"cpu_s\":%.2f}\n",
           RATE_RPS, achieved, zf_time_to_ms(zf_hist_quantile(&st.lag, 0.99)),
           zf_time_to_ms(zf_hist_quantile(&st.lag, 0.5)), zf_time_to_ms(st.lag.max),
           zf_time_to_ms(zf_hist_quantile(&st.dispatch_lag, 0.99)), floor_p99,
           zf_time_to_ms(zf_hist_quantile(&st.latency, 0.99)), (unsigned long long)st.sent,
           (unsigned long long)st.by_cause[ZF_CAUSE_OK], secs, rate_conns,
           (unsigned long long)st.connects, (unsigned long long)st.max_queued_seen, wall, cpu);
    fflush(stdout);
    zf_lg_stats_free(&st);
}

/* Resident set now, KiB (/proc/self/statm). */
static long rss_kib(void)
{
    FILE *f = fopen("/proc/self/statm", "r");
    long pages = 0, res = 0;
    if (f) {
        if (fscanf(f, "%ld %ld", &pages, &res) != 2)
            res = 0;
        fclose(f);
    }
    return res * (sysconf(_SC_PAGESIZE) / 1024);
}

typedef struct mem_src {
    uint64_t k, peak_conns;
    long base_kib, peak_kib;
    zf_time_t last_rss_at;
} mem_src_t;

/* 10,000 requests due at once for a 2 KB body sent at 512 B/s: every connection stays
 * busy for ~4 s, so the engine holds 10,000 open connections at the same time. */
static int mem_next(void *user, unsigned thread, zf_time_t now, zf_lg_req_t *req)
{
    (void)thread, (void)now;
    mem_src_t *s = user;
    if (s->k == 0)
        s->base_kib = rss_kib(); /* the thread and its loop exist, no connection yet */
    if (s->k >= MEM_CONNS)
        return ZF_LG_NEXT_END;
    req->t = 0;
    req->id = s->k++;
    req->http.path = "/slow.html";
    return ZF_LG_NEXT_REQ;
}

static int mem_done(void *user, unsigned thread, const zf_lg_done_t *d)
{
    (void)thread, (void)d;
    mem_src_t *s = user;
    long r = rss_kib(); /* all connections are still open when the first answers end */
    if (r > s->peak_kib)
        s->peak_kib = r;
    return 0;
}

static void bench_memory(bench_t *b)
{
    mem_src_t s = {0};
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", b->port);
    const char *u = url;
    zf_lg_target_t t = {.name = "nginx", .urls = &u, .nurls = 1, .max_conns = MEM_CONNS};
    zf_lg_config_t c = base_config(30 * ZF_S);
    c.connect_timeout_ns = 20 * ZF_S;
    c.timeout_ns = 25 * ZF_S;
    zf_lg_t *lg;
    zf_err_t err;
    zf_lg_stats_t st;
    if (zf_lg_new(&lg, &c, &t, 1, &err) != 0 || zf_lg_stats_init(&st) != 0) {
        fprintf(stderr, "bench_replay: %s\n", err.msg);
        exit(1);
    }
    zf_lg_source_t src = {mem_next, mem_done, &s};
    if (zf_lg_run(lg, &src, &st, &err) != 0)
        fprintf(stderr, "bench_replay: run: %s\n", err.msg);
    double per = (double)(s.peak_kib - s.base_kib) * 1024.0 / MEM_CONNS;
    printf("{\"name\":\"replay_conn_memory\",\"connections\":%d,\"bytes_per_connection\":%.0f,"
           "\"connects\":%llu,\"max_open\":%llu,\"ok\":%llu,\"rss_base_kib\":%ld,"
           "\"rss_peak_kib\":%ld}\n",
           MEM_CONNS, per, (unsigned long long)st.connects,
           (unsigned long long)st.max_open_seen,
           (unsigned long long)st.by_cause[ZF_CAUSE_OK], s.base_kib, s.peak_kib);
    fflush(stdout);
    zf_lg_stats_free(&st);
    zf_lg_destroy(lg);
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < MEM_CONNS + 512)
        fprintf(stderr, "bench_replay: RLIMIT_NOFILE %llu is below %d connections\n",
                (unsigned long long)rl.rlim_cur, MEM_CONNS);
}

int main(int argc, char **argv)
{
    bench_t b = {0};
    const char *q = getenv("ZF_BENCH_QUICK");
    b.quick = q && *q && strcmp(q, "0") != 0;
    int want_max = argc < 2, want_rate = argc < 2, want_mem = argc < 2;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "max"))
            want_max = 1;
        else if (!strcmp(argv[i], "rate"))
            want_rate = 1;
        else if (!strcmp(argv[i], "memory"))
            want_mem = 1;
        else {
            fprintf(stderr, "usage: bench_replay [max] [rate] [memory]\n");
            return 2;
        }
    }
    signal(SIGPIPE, SIG_IGN);
    raise_nofile();
    pick_cpus(&b);
    nginx_start(&b);
    if (want_max)
        bench_max(&b);
    if (want_rate)
        bench_rate(&b);
    if (want_mem)
        bench_memory(&b);
    nginx_stop(&b);
    return 0;
}
