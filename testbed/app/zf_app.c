/* zf_app: the test bed's application service (the scenario's device API) as one
 * process: parses its options, starts app_server on a libuv loop, stops cleanly on
 * SIGTERM/SIGINT. Only this file prints and picks exit codes. */
#include "app_server.h"

#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char usage[] =
    "Usage: zf_app --listen IP:PORT --db CONNINFO [options]\n"
    "The zonefall test bed's device API over PostgreSQL (see docs/testbed.md).\n"
    "\n"
    "  --listen IP:PORT   address to serve HTTP on\n"
    "  --db CONNINFO      libpq connection string (multi-host and\n"
    "                     target_session_attrs=read-write follow a failover)\n"
    "  --name NAME        instance name reported by /health (default app)\n"
    "  --zone ZONE        zone reported by /health (default -)\n"
    "  --workers N        database threads, one connection each (default 4)\n"
    "  --queue N          requests that may wait for a worker; then 503 (default 64)\n"
    "  -h, --help         this text\n";

typedef struct app {
    zf_app_server_t *srv;
    uv_signal_t sigterm, sigint;
} app_t;

static int parse_int(const char *s, int min, int max, int *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < min || v > max)
        return -1;
    *out = (int)v;
    return 0;
}

static int parse_listen(char *arg, zf_app_config_t *cfg)
{
    char *colon = strrchr(arg, ':');
    if (!colon)
        return -1;
    *colon = 0;
    cfg->listen_ip = arg;
    return parse_int(colon + 1, 1, 65535, &cfg->listen_port);
}

static void on_signal(uv_signal_t *s, int signum)
{
    (void)signum;
    app_t *app = s->data;
    if (app->srv) {
        zf_app_server_close(app->srv);
        app->srv = NULL;
    }
    uv_close((uv_handle_t *)&app->sigterm, NULL);
    uv_close((uv_handle_t *)&app->sigint, NULL);
}

static int parse_args(int argc, char **argv, zf_app_config_t *cfg)
{
    static const struct option longs[] = {
        {"listen", required_argument, 0, 'l'}, {"db", required_argument, 0, 'd'},
        {"name", required_argument, 0, 'n'},   {"zone", required_argument, 0, 'z'},
        {"workers", required_argument, 0, 'w'}, {"queue", required_argument, 0, 'q'},
        {"help", no_argument, 0, 'h'},          {0, 0, 0, 0}};
    int c;
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        int bad = 0;
        switch (c) {
        case 'l': bad = parse_listen(optarg, cfg); break;
        case 'd': cfg->conninfo = optarg; break;
        case 'n': cfg->name = optarg; break;
        case 'z': cfg->zone = optarg; break;
        case 'w': bad = parse_int(optarg, 1, 256, &cfg->workers); break;
        case 'q': bad = parse_int(optarg, 0, 100000, &cfg->queue_max); break;
        case 'h': fputs(usage, stdout); exit(0);
        default:
            fprintf(stderr, "zf_app: unknown or incomplete option \"%s\"\n%s", argv[optind - 1],
                    usage);
            return 2;
        }
        if (bad) {
            fprintf(stderr, "zf_app: bad value \"%s\" for --%s\n", optarg,
                    longs[c == 'l' ? 0 : c == 'w' ? 4 : 5].name);
            return 2;
        }
    }
    if (optind < argc || !cfg->listen_ip || !cfg->conninfo) {
        fprintf(stderr, "zf_app: --listen and --db are required\n%s", usage);
        return 2;
    }
    return 0;
}

int main(int argc, char **argv)
{
    zf_app_config_t cfg = {.name = "app", .zone = "-", .workers = 4, .queue_max = 64};
    int rc = parse_args(argc, argv, &cfg);
    if (rc)
        return rc;
    signal(SIGPIPE, SIG_IGN);
    uv_loop_t *loop = uv_default_loop();
    app_t app = {0};
    char msg[256];
    rc = zf_app_server_start(loop, &cfg, &app.srv, msg, sizeof msg);
    if (rc) {
        fprintf(stderr, "zf_app: %s\n", msg);
        uv_run(loop, UV_RUN_DEFAULT);
        uv_loop_close(loop);
        return 1;
    }
    uv_signal_init(loop, &app.sigterm);
    uv_signal_init(loop, &app.sigint);
    app.sigterm.data = app.sigint.data = &app;
    uv_signal_start(&app.sigterm, on_signal, SIGTERM);
    uv_signal_start(&app.sigint, on_signal, SIGINT);
    fprintf(stderr, "zf_app %s (zone %s): serving on %s:%d, %d workers, queue %d\n", cfg.name,
            cfg.zone, cfg.listen_ip, cfg.listen_port, cfg.workers, cfg.queue_max);
    uv_run(loop, UV_RUN_DEFAULT);
    uv_loop_close(loop);
    return 0;
}
