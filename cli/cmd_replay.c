/* cmd_replay: `zonefall replay SCENARIO --target NAME=URL...`: checks the command line
 * against the scenario (every load balancer needs a target; nothing else is contacted),
 * prints the plan with --dry-run, or runs the replay (loadgen/replay.h) and writes
 * DIR/results.json and DIR/timeseries.csv atomically in the simulator's format, mode
 * "replay", then prints the summary and exits by verdict (3 when aborted, interrupted or
 * failed, a fault command included). */
#include "cli/cli.h"
#include "loadgen/replay.h"
#include "loadgen/url.h"
#include "metrics/results.h"
#include "scenario/scenario.h"
#include "workload/trace.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CMD "replay"
#define MAX_TARGET_ARGS 256

static const char usage[] =
    "Usage: zonefall replay SCENARIO --target NAME=URL [--target NAME=URL]... [options]\n"
    "Send SCENARIO's traffic to a real deployment at the instants the workload generator\n"
    "gives for the seed, run its faults' actions on schedule (always healed), read the\n"
    "acknowledged writes back, and write DIR/results.json and DIR/timeseries.csv.\n"
    "Only the URLs given with --target are contacted. Try --dry-run first.\n"
    "\n"
    "  -t, --target NAME=URL   where load balancer NAME of the scenario is reached; every\n"
    "                          load balancer needs one; repeat a NAME to spread its traffic\n"
    "                          over several URLs as DNS round robin would\n"
    "      --scale F           fraction of the fleet, 0 < F <= 1 (default 1): device,\n"
    "                          location, agency and web-user counts and the web and source\n"
    "                          rates are multiplied by F\n"
    "      --speed X           scenario time runs X times faster than wall time (default 1)\n"
    "      --from HH:MM        start of the replayed window, a time of the simulated day\n"
    "                          (default: the scenario's start)\n"
    "      --to HH:MM          end of the window (default: the scenario's end)\n"
    "      --duration D        replay at most D of scenario time (e.g. 10m)\n"
    "      --max-rps N         hard ceiling on requests per second, all threads together\n"
    "      --threads N         engine threads (default: one per core)\n"
    "      --max-conns N       connections per load balancer, all URLs and threads\n"
    "                          together (default 256); requests wait for one (open loop:\n"
    "                          the wait counts in their latency)\n"
    "      --trace FILE        replay an exported trace (zonefall trace) instead of\n"
    "                          generating: open loop, no device retries\n"
    "      --shard K/N         send only the K-th of N disjoint slices of the fleet (by a\n"
    "                          hash of each device or other entity); see zonefall merge\n"
    "      --seed N            workload seed (default: the scenario's)\n"
    "      --settle D          wait after the last heal before verifying (default 5s)\n"
    "      --no-verify         do not read acknowledged writes back\n"
    "      --insecure          do not verify TLS certificates (staging)\n"
    "      --ca-file FILE      trust these CA certificates (PEM) too\n"
    "      --dry-run           print the plan (requests and rates per kind, targets, fault\n"
    "                          actions with their commands and times); send nothing\n"
    "  -o, --output DIR        results directory (default: results/<scenario name>-replay)\n"
    "  -q, --quiet             print nothing on success but the verdict line\n"
    "      --no-progress       never show progress (shown only when stderr is a terminal)\n"
    "  -h, --help              this text\n"
    "\n"
    "Times in the results are wall seconds from the replay's start; see docs/replay.md.\n"
    "Exit status: 0 every SLO met, 1 an SLO missed, 2 bad input or usage, 3 the run\n"
    "failed (no target answered, a fault's inject or heal command failed, I/O), was\n"
    "aborted by a stop condition, or interrupted.\n";

typedef struct replay_args {
    const char *file, *dir, *trace, *ca_file, *from_s, *to_s;
    const char *tnames[MAX_TARGET_ARGS], *turls[MAX_TARGET_ARGS];
    size_t ntargets;
    double scale, speed, max_rps;
    uint64_t seed, threads, shard_k, shard_n, max_conns;
    zf_time_t duration, settle;
    bool has_seed, has_scale, dry_run, no_verify, insecure, quiet, progress;
} replay_args_t;

enum {
    O_SCALE = 256, O_SPEED, O_FROM, O_TO, O_DURATION, O_MAX_RPS, O_THREADS, O_TRACE, O_SHARD,
    O_SEED, O_SETTLE, O_NO_VERIFY, O_INSECURE, O_CA, O_DRY, O_NO_PROGRESS, O_MAX_CONNS,
};

static int bad_value(const char *opt, const char *what, const char *got)
{
    return zf_cli_usage(CMD, "%s: expected %s, got \"%s\"", opt, what, got);
}

static int parse_target(replay_args_t *a, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq || eq == arg || !eq[1])
        return bad_value("--target", "NAME=URL (a load balancer of the scenario and its URL)",
                         arg);
    if (a->ntargets == MAX_TARGET_ARGS)
        return zf_cli_usage(CMD, "--target: at most %d", MAX_TARGET_ARGS);
    char *name = strndup(arg, (size_t)(eq - arg));
    if (!name)
        return zf_cli_fail(CMD, ZF_ENOMEM, "out of memory");
    a->tnames[a->ntargets] = name;
    a->turls[a->ntargets++] = eq + 1;
    return 0;
}

static int parse_shard(replay_args_t *a, const char *arg)
{
    unsigned long k, n;
    char extra;
    if (sscanf(arg, "%lu/%lu%c", &k, &n, &extra) != 2 || k < 1 || n < 1 || k > n || n > 4096)
        return bad_value("--shard", "K/N with 1 <= K <= N <= 4096, such as 2/4", arg);
    a->shard_k = k;
    a->shard_n = n;
    return 0;
}

static int duration_arg(const char *opt, const char *arg, bool zero_ok, zf_time_t *out)
{
    if (zf_time_parse(arg, out) || (*out == 0 && !zero_ok))
        return bad_value(opt, zero_ok ? "a duration such as 5s or 1m"
                                      : "a duration > 0 such as 90s, 30m or 2h", arg);
    return 0;
}

/* One option; 0, or the exit code. */
static int parse_opt(replay_args_t *a, int c, char **argv)
{
    char ob[64];
    switch (c) {
    case 't': return parse_target(a, optarg);
    case 'o': a->dir = optarg; return 0;
    case 'q': a->quiet = true; return 0;
    case O_SCALE:
        a->has_scale = true;
        return zf_cli_parse_double(optarg, 1e-9, 1, &a->scale) || a->scale <= 0
                   ? bad_value("--scale", "a fraction 0 < F <= 1", optarg) : 0;
    case O_SPEED:
        return zf_cli_parse_double(optarg, 1e-6, 1e6, &a->speed)
                   ? bad_value("--speed", "a factor from 0.000001 to 1000000", optarg) : 0;
    case O_FROM: a->from_s = optarg; return 0;
    case O_TO: a->to_s = optarg; return 0;
    case O_DURATION: return duration_arg("--duration", optarg, false, &a->duration);
    case O_MAX_RPS:
        return zf_cli_parse_double(optarg, 1e-3, 1e9, &a->max_rps)
                   ? bad_value("--max-rps", "a rate > 0 (requests per second)", optarg) : 0;
    case O_THREADS:
        return zf_cli_parse_u64(optarg, 1, ZF_LG_THREADS_MAX, &a->threads)
                   ? bad_value("--threads", "an integer from 1 to 256", optarg) : 0;
    case O_MAX_CONNS:
        return zf_cli_parse_u64(optarg, 1, 1000000, &a->max_conns)
                   ? bad_value("--max-conns", "an integer from 1 to 1000000", optarg) : 0;
    case O_TRACE: a->trace = optarg; return 0;
    case O_SHARD: return parse_shard(a, optarg);
    case O_SEED:
        a->has_seed = true;
        return zf_cli_parse_u64(optarg, 0, INT64_MAX, &a->seed)
                   ? bad_value("--seed", "a non-negative integer", optarg) : 0;
    case O_SETTLE: return duration_arg("--settle", optarg, true, &a->settle);
    case O_NO_VERIFY: a->no_verify = true; return 0;
    case O_INSECURE: a->insecure = true; return 0;
    case O_CA: a->ca_file = optarg; return 0;
    case O_DRY: a->dry_run = true; return 0;
    case O_NO_PROGRESS: a->progress = false; return 0;
    case 'h': fputs(usage, stdout); return -1;
    case ':': return zf_cli_usage(CMD, "option %s needs a value", zf_cli_bad_option(argv, ob, sizeof ob));
    default: return zf_cli_usage(CMD, "unknown option %s", zf_cli_bad_option(argv, ob, sizeof ob));
    }
}

/* Parses the command line: 0 to go on, -1 after --help, else the exit code. */
static int parse_args(int argc, char **argv, replay_args_t *a)
{
    static const struct option longs[] = {
        {"target", required_argument, 0, 't'}, {"output", required_argument, 0, 'o'},
        {"quiet", no_argument, 0, 'q'}, {"help", no_argument, 0, 'h'},
        {"scale", required_argument, 0, O_SCALE}, {"speed", required_argument, 0, O_SPEED},
        {"from", required_argument, 0, O_FROM}, {"to", required_argument, 0, O_TO},
        {"duration", required_argument, 0, O_DURATION},
        {"max-rps", required_argument, 0, O_MAX_RPS},
        {"threads", required_argument, 0, O_THREADS}, {"trace", required_argument, 0, O_TRACE},
        {"shard", required_argument, 0, O_SHARD}, {"seed", required_argument, 0, O_SEED},
        {"settle", required_argument, 0, O_SETTLE}, {"no-verify", no_argument, 0, O_NO_VERIFY},
        {"insecure", no_argument, 0, O_INSECURE}, {"ca-file", required_argument, 0, O_CA},
        {"dry-run", no_argument, 0, O_DRY}, {"no-progress", no_argument, 0, O_NO_PROGRESS},
        {"max-conns", required_argument, 0, O_MAX_CONNS},
        {0, 0, 0, 0}};
    int c, rc;
    *a = (replay_args_t){.scale = 1, .speed = 1, .shard_k = 1, .shard_n = 1,
                         .settle = 5 * ZF_S, .progress = true};
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":t:o:qh", longs, NULL)) != -1)
        if ((rc = parse_opt(a, c, argv)) != 0)
            return rc;
    if (optind >= argc)
        return zf_cli_usage(CMD, "missing SCENARIO file");
    if (optind + 1 < argc)
        return zf_cli_usage(CMD, "unexpected argument \"%s\"", argv[optind + 1]);
    a->file = argv[optind];
    if (a->trace && a->has_scale)
        return zf_cli_usage(CMD, "--scale: a trace fixes the fleet; --scale applies only when "
                                 "generating");
    if (a->trace && a->has_seed)
        return zf_cli_usage(CMD, "--seed: a trace was generated with its own seed");
    return 0;
}

/* ---- the command line against the scenario ---- */

static int lb_index(const zf_scenario_t *sc, const char *name)
{
    for (size_t i = 0; i < sc->deploy.nlbs; i++)
        if (strcmp(sc->deploy.lbs[i].name, name) == 0)
            return (int)i;
    return -1;
}

static void lb_list(const zf_scenario_t *sc, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (size_t i = 0; i < sc->deploy.nlbs && used + 4 < len; i++)
        used += (size_t)snprintf(buf + used, len - used, "%s%s", i ? ", " : "",
                                 sc->deploy.lbs[i].name);
}

/* Kinds must be routed; every load balancer gets its URLs from --target, and only those. */
static int build_targets(const zf_scenario_t *sc, const replay_args_t *a, zf_lg_target_t *t,
                         const char **urls)
{
    char list[512];
    if (sc->nkinds == 0)
        return zf_cli_fail(CMD, ZF_EINVAL, "%s: replay needs request kinds ($.kinds) routed to "
                           "load balancers", sc->file);
    for (size_t k = 0; k < sc->nkinds; k++)
        if (sc->kinds[k].lb < 0)
            return zf_cli_fail(CMD, ZF_EINVAL, "%s: $.kinds[%zu]: kind \"%s\" names no load "
                               "balancer (\"lb\"): replay sends each kind to its load "
                               "balancer's --target", sc->file, k, sc->kinds[k].name);
    lb_list(sc, list, sizeof list);
    for (size_t i = 0; i < a->ntargets; i++)
        if (lb_index(sc, a->tnames[i]) < 0)
            return zf_cli_usage(CMD, "--target %s: no load balancer named \"%s\" in the "
                                "scenario (it has: %s)", a->tnames[i], a->tnames[i], list);
    for (size_t i = 0; i < a->ntargets; i++) {
        zf_url_t u;
        zf_err_t err = {{0}};
        if (zf_url_parse(a->turls[i], &u, &err) < 0)
            return zf_cli_usage(CMD, "--target %s: %s", a->tnames[i], err.msg);
    }
    size_t used = 0;
    for (size_t l = 0; l < sc->deploy.nlbs; l++) {
        t[l] = (zf_lg_target_t){.name = sc->deploy.lbs[l].name, .urls = urls + used};
        for (size_t i = 0; i < a->ntargets; i++)
            if (strcmp(a->tnames[i], t[l].name) == 0)
                urls[used + t[l].nurls++] = a->turls[i];
        used += t[l].nurls;
        if (t[l].nurls == 0)
            return zf_cli_usage(CMD, "no --target for load balancer \"%s\" (every load "
                                "balancer of the scenario needs one: --target %s=URL)",
                                t[l].name, t[l].name);
    }
    return 0;
}

/* The first instant >= after (scenario ns) whose time of day is tod. */
static zf_time_t instant_of(const zf_scenario_t *sc, zf_time_t tod, zf_time_t after)
{
    zf_time_t t = ((tod - sc->workload.start_tod) % ZF_DAY + ZF_DAY) % ZF_DAY;
    while (t < after)
        t += ZF_DAY;
    return t;
}

static int tod_arg(const char *opt, const char *s, zf_time_t *tod)
{
    if (zf_time_parse_tod(s, tod) || *tod >= ZF_DAY)
        return bad_value(opt, "a time of day HH:MM or HH:MM:SS", s);
    return 0;
}

static char *clock_text(const zf_scenario_t *sc, zf_time_t t, char *buf, size_t len);

/* A duration for messages: "0s" rather than "0ns". */
static char *dur(zf_time_t t, char *buf, size_t len)
{
    return t == 0 ? (snprintf(buf, len, "0s"), buf) : zf_time_format(t, buf, len);
}

static int outside(const zf_scenario_t *sc, const char *opt, const char *arg, zf_time_t at,
                   zf_time_t end)
{
    char b1[32], b2[32], b3[32];
    return zf_cli_usage(CMD, "%s %s: that time of day comes %s after the scenario's start "
                        "(%s), which lasts %s", opt, arg, dur(at, b1, sizeof b1),
                        clock_text(sc, 0, b2, sizeof b2), dur(end, b3, sizeof b3));
}

/* The window [from, to) of scenario time from --from, --to and --duration. */
static int window(const zf_scenario_t *sc, const replay_args_t *a, zf_time_t end,
                  zf_replay_opts_t *o)
{
    zf_time_t tod;
    int rc;
    o->from = 0;
    o->to = end;
    if (a->from_s) {
        if ((rc = tod_arg("--from", a->from_s, &tod)))
            return rc;
        if ((o->from = instant_of(sc, tod, 0)) >= end)
            return outside(sc, "--from", a->from_s, o->from, end);
    }
    if (a->to_s) {
        if ((rc = tod_arg("--to", a->to_s, &tod)))
            return rc;
        if ((o->to = instant_of(sc, tod, o->from + 1)) > end)
            return outside(sc, "--to", a->to_s, o->to, end);
    }
    if (a->duration && o->from + a->duration < o->to)
        o->to = o->from + a->duration;
    return 0;
}

/* ---- the dry run ---- */

static char *clock_text(const zf_scenario_t *sc, zf_time_t t, char *buf, size_t len)
{
    zf_time_t tod = (sc->workload.start_tod + t) % ZF_DAY;
    snprintf(buf, len, "%02d:%02d:%02d", (int)(tod / ZF_HOUR), (int)(tod / ZF_MIN % 60),
             (int)(tod / ZF_S % 60));
    return buf;
}

static void print_kinds(const zf_replay_opts_t *o, const zf_replay_plan_t *p)
{
    const zf_scenario_t *sc = o->sc;
    double wall = zf_time_to_s(p->wall);
    printf("  %-20s %10s %10s %8s  %s\n", "kind", "requests", "mean/s", "peak/s", "target");
    for (size_t k = 0; k < sc->nkinds; k++)
        printf("  %-20s %10llu %10.3f %8llu  %s\n", sc->kinds[k].name,
               (unsigned long long)p->by_kind[k], wall > 0 ? (double)p->by_kind[k] / wall : 0,
               (unsigned long long)p->peak_by_kind[k], sc->deploy.lbs[sc->kinds[k].lb].name);
}

static void print_targets(const zf_replay_opts_t *o)
{
    printf("targets (nothing else is contacted):\n");
    for (size_t l = 0; l < o->sc->deploy.nlbs; l++) {
        printf("  %s:", o->targets[l].name);
        for (size_t u = 0; u < o->targets[l].nurls; u++)
            printf(" %s", o->targets[l].urls[u]);
        printf("\n");
    }
}

static void print_fault(const zf_replay_opts_t *o, size_t i)
{
    const zf_scenario_t *sc = o->sc;
    const zf_fault_spec_t *f = &sc->deploy.faults[i];
    const zf_fault_actions_t *a = sc->replay && sc->replay->actions[i].present
                                      ? &sc->replay->actions[i] : NULL;
    zf_time_t end = f->start + f->duration, s = f->start > o->from ? f->start : o->from;
    char b1[32], b2[32], b3[32], b4[32], cmd[1024];
    printf("  %s (%s %s): ", f->name, zf_fault_type_name(f->type),
           f->target_name[0] ? f->target_name : "-");
    bool gen = f->type == ZF_FAULT_DEVICE_NETWORK && !o->trace_file;
    if (f->type == ZF_FAULT_RANDOM || (!a && !gen) || f->start >= o->to ||
        (f->duration > 0 ? end <= o->from : f->start < o->from)) {
        printf("not injected (%s)\n", f->type == ZF_FAULT_RANDOM ? "random failures are not "
               "scheduled" : !a && !gen ? "no actions" : "outside the window");
        return;
    }
    printf("inject at %s (%s)", zf_time_format(zf_replay_wall(o, s), b1, sizeof b1),
           clock_text(sc, s, b2, sizeof b2));
    bool heal_at_end = a ? a->heal_at_fault_end && end <= o->to : f->duration > 0 && end <= o->to;
    if (heal_at_end)
        printf(", heal at %s (%s)", zf_time_format(zf_replay_wall(o, end), b3, sizeof b3),
               clock_text(sc, end, b4, sizeof b4));
    else
        printf(", heal when the replay stops");
    printf("\n");
    if (gen)
        printf("    in the generator: %g of the devices offline, buffering\n", f->fraction);
    if (!a)
        return;
    printf("    inject: %s (timeout %s)\n", zf_command_text(&a->inject, cmd, sizeof cmd),
           zf_time_format(a->timeout, b1, sizeof b1));
    if (a->heal.argc)
        printf("    heal:   %s\n", zf_command_text(&a->heal, cmd, sizeof cmd));
    else
        printf("    heal:   none (nothing to undo)\n");
}

static void print_stops_and_verify(const zf_replay_opts_t *o, const replay_args_t *a)
{
    const zf_replay_spec_t *r = o->sc->replay;
    char b1[32], b2[32], cmd[1024];
    if (r->nstops)
        printf("stop conditions (heal everything, stop, results marked aborted):\n");
    for (size_t i = 0; i < r->nstops; i++) {
        const zf_stop_spec_t *st = &r->stops[i];
        if (st->type == ZF_STOP_ERROR_RATE)
            printf("  [%zu] error rate above %g for %s\n", i, st->error_rate,
                   zf_time_format(st->for_ns, b1, sizeof b1));
        else
            printf("  [%zu] every %s: %s must succeed (timeout %s)\n", i,
                   zf_time_format(st->every, b1, sizeof b1),
                   zf_command_text(&st->cmd, cmd, sizeof cmd),
                   zf_time_format(st->timeout, b2, sizeof b2));
    }
    const zf_verify_spec_t *v = &r->verify;
    if (!v->present || a->no_verify)
        printf("verification: %s\n", a->no_verify ? "skipped (--no-verify)" : "none ($.verify "
               "absent): acknowledged writes are counted, not read back");
    else if (v->command.argc)
        printf("verification: %s, after a %s settle\n", zf_command_text(&v->command, cmd, sizeof cmd),
               zf_time_format(o->settle, b1, sizeof b1));
    else
        printf("verification: %s %s on %s, %u at once, after a %s settle\n", v->method, v->path,
               v->target, v->concurrency, zf_time_format(o->settle, b1, sizeof b1));
}

static int dry_run(const zf_replay_opts_t *o, const replay_args_t *a)
{
    zf_replay_plan_t p;
    zf_err_t err = {{0}};
    int rc = zf_replay_plan(o, &p, &err);
    if (rc)
        return zf_cli_fail(CMD, rc, "%s", err.msg);
    const zf_scenario_t *sc = o->sc;
    char b1[32], b2[32], b3[32], b4[32], b5[32];
    printf("replay plan: scenario %s (%s), seed %llu%s%s\n", sc->name, sc->file,
           (unsigned long long)o->seed, o->trace_file ? ", trace " : "",
           o->trace_file ? o->trace_file : "");
    printf("window: %s to %s of the simulated day (%s to %s after the scenario's start), "
           "%s of wall time at speed %g\n", clock_text(sc, o->from, b1, sizeof b1),
           clock_text(sc, o->to, b2, sizeof b2), dur(o->from, b3, sizeof b3),
           dur(o->to, b4, sizeof b4), dur(p.wall, b5, sizeof b5), o->speed);
    printf("fleet: scale %g: %u devices, %u locations, %u agencies; shard %u/%u\n", a->scale,
           sc->workload.fleet.count, sc->workload.locations.count, sc->workload.agencies.count,
           o->shard_k + 1, o->shard_n);
    double wall = zf_time_to_s(p.wall);
    printf("requests: %llu (mean %.3f/s, peak %llu in one second)%s\n",
           (unsigned long long)p.total, wall > 0 ? (double)p.total / wall : 0,
           (unsigned long long)p.peak, o->trace_file ? "" : ", before retries");
    if (o->shard_n > 1)
        printf("  %llu more go to the other shards\n", (unsigned long long)p.skipped);
    print_kinds(o, &p);
    print_targets(o);
    if (sc->deploy.nfaults)
        printf("faults (commands without a shell unless \"shell\": true):\n");
    for (size_t i = 0; i < sc->deploy.nfaults; i++)
        print_fault(o, i);
    print_stops_and_verify(o, a);
    printf("nothing was sent (--dry-run)\n");
    zf_replay_plan_free(&p);
    return 0;
}

/* ---- results ---- */

/* results.json's extras from the replayer: actions per fault, data loss, the replay. */
static void add_extras(json_t *doc, const zf_replay_result_t *res, const replay_args_t *a)
{
    json_t *faults = json_object_get(doc, "faults");
    size_t i;
    json_t *f;
    json_array_foreach(faults, i, f) {
        json_t *acts = json_object_get(res->actions, json_string_value(json_object_get(f, "name")));
        json_object_set_new(f, "actions", acts ? json_incref(acts) : json_array());
    }
    json_object_update(json_object_get(doc, "data_loss"), res->data_loss);
    json_t *info = json_deep_copy(res->info);
    json_object_set_new(info, "scale", json_real(a->scale));
    json_object_set_new(info, "status", json_string(json_string_value(json_object_get(doc, "status"))));
    json_object_set_new(doc, "replay", info);
}

static int write_results(const zf_scenario_t *sc, const zf_replay_opts_t *o,
                         const replay_args_t *a, zf_replay_result_t *res, bool *pass,
                         json_t **doc, zf_err_t *err)
{
    zf_results_meta_t meta = {"replay", sc->name, sc->file, sc->description, o->seed, NULL,
                              sc->confidence, res->status == ZF_REPLAY_INCOMPLETE,
                              res->status == ZF_REPLAY_ABORTED};
    int rc = zf_results_build(&meta, &res->rec, &res->rec, 1, sc->slos, sc->nslos, doc, pass);
    if (rc)
        return zf_err_set(err, rc, "out of memory building results");
    json_t *specs = json_array();
    for (size_t i = 0; i < sc->nslos; i++)
        json_array_append_new(specs, zf_slo_spec_to_json(&sc->slos[i]));
    json_object_set_new(*doc, "slo_specs", specs);
    add_extras(*doc, res, a);
    *pass = zf_cli_judge_unmeasured(*doc);
    char tmp[4096], dst[4096];
    if (zf_cli_join(tmp, sizeof tmp, o->dir, ".timeseries.csv.tmp", err) ||
        zf_cli_join(dst, sizeof dst, o->dir, "timeseries.csv", err))
        return ZF_EINVAL;
    if (rename(tmp, dst) != 0)
        return zf_err_set(err, ZF_EIO, "%s: cannot write: %s", dst, strerror(errno));
    return zf_results_write(o->dir, *doc, err);
}

/* "12 connect_refused, 3 timeout" for the causes that ended requests. */
static void causes_text(const zf_rec_t *r, char *buf, size_t len)
{
    size_t used = 0;
    buf[0] = 0;
    for (int c = 1; c < ZF_CAUSE_COUNT && used + 2 < len; c++)
        if (r->by_cause[c])
            used += (size_t)snprintf(buf + used, len - used, "%s%llu %s", used ? ", " : "",
                                     (unsigned long long)r->by_cause[c],
                                     zf_cause_name((zf_cause_t)c));
}

static double metric(const json_t *doc, const char *name)
{
    const json_t *v = json_object_get(json_object_get(doc, "metrics"), name);
    return json_is_number(v) ? json_number_value(v) : NAN;
}

/* What the replayer adds to the summary: its own pace (never hidden) and the read-back. */
static void print_replay(const json_t *doc)
{
    const json_t *dl = json_object_get(doc, "data_loss");
    const json_t *v = json_object_get(dl, "verification");
    printf("replay        sent %.0f at %.1f/s (intended %.1f/s)  lag ms p50 %.3f  p99 %.3f  "
           "max %.3f  service ms p99 %.3f\n", metric(doc, "replay.sent"),
           metric(doc, "replay.achieved_rps"), metric(doc, "replay.intended_rps"),
           metric(doc, "replay.lag_p50_ms"), metric(doc, "replay.lag_p99_ms"),
           metric(doc, "replay.lag_max_ms"), metric(doc, "replay.service_p99_ms"));
    if (json_integer_value(json_object_get(dl, "writes")) == 0)
        return;
    if (!json_is_true(json_object_get(v, "complete"))) {
        printf("read back     no: lost writes are unknown (lost_writes counts none, rpo_s is "
               "null)\n");
        return;
    }
    printf("read back     %lld found  %lld missing  %lld no answer;  indeterminate %lld (%lld "
           "stored)  duplicated %lld\n", (long long)json_integer_value(json_object_get(v, "found")),
           (long long)json_integer_value(json_object_get(v, "missing")),
           (long long)json_integer_value(json_object_get(v, "no_answer")),
           (long long)json_integer_value(json_object_get(dl, "indeterminate_writes")),
           (long long)json_integer_value(json_object_get(dl, "indeterminate_stored")),
           (long long)json_integer_value(json_object_get(dl, "duplicated_writes")));
    if (!json_is_true(json_object_get(dl, "verified")))
        printf("read back     incomplete: %lld acknowledged writes got no answer, so loss is "
               "unknown (lost_writes counts only those found missing, rpo_s is null)\n",
               (long long)json_integer_value(json_object_get(v, "no_answer_acknowledged")));
}

/* Says so on stderr for each fault command that failed and returns how many did. */
static int failed_actions(const json_t *actions, const char *dir)
{
    const char *fault;
    const json_t *list;
    int n = 0;
    json_object_foreach((json_t *)actions, fault, list)
        n += zf_cli_failed_actions("replay", fault, list, dir);
    return n;
}

static int finish(const replay_args_t *a, const zf_replay_opts_t *o, zf_replay_result_t *res,
                  json_t *doc, bool pass)
{
    char causes[512];
    if (a->quiet) {
        printf("verdict: %s   results: %s/results.json\n", pass ? "pass" : "fail", o->dir);
    } else {
        zf_cli_print_summary(stdout, doc, o->dir);
        print_replay(doc);
    }
    int nfailed = failed_actions(res->actions, o->dir);
    if (res->status == ZF_REPLAY_ABORTED) {
        fprintf(stderr, "zonefall replay: aborted: %s; every fault healed; results in %s "
                "(status \"aborted\")\n", res->reason, o->dir);
        return ZF_EXIT_RUN;
    }
    if (res->status == ZF_REPLAY_INCOMPLETE) {
        fprintf(stderr, "zonefall replay: %s; every fault healed; what was measured so far "
                "is in %s (status \"incomplete\")\n", res->reason, o->dir);
        return ZF_EXIT_RUN;
    }
    if (res->rec.ok + res->rec.failed > 0 && res->responses == 0) {
        causes_text(&res->rec, causes, sizeof causes);
        return zf_cli_fail(CMD, ZF_EIO, "no request got an HTTP answer (%s): is the target "
                           "up? results in %s", causes, o->dir);
    }
    if (nfailed > 0) {
        fprintf(stderr, "zonefall replay: %d fault command%s failed, so the verdict (%s) does "
                "not hold; results in %s\n", nfailed, nfailed == 1 ? "" : "s",
                pass ? "pass" : "fail", o->dir);
        return ZF_EXIT_RUN;
    }
    return pass ? ZF_EXIT_PASS : ZF_EXIT_SLO;
}

static int execute(const zf_scenario_t *sc, const replay_args_t *a, zf_replay_opts_t *o)
{
    zf_err_t err = {{0}};
    char tmp[4096];
    int rc = zf_cli_join(tmp, sizeof tmp, o->dir, ".timeseries.csv.tmp", &err);
    if (rc == 0)
        rc = zf_cli_mkdirs(o->dir, &err);
    if (rc)
        return zf_cli_fail(CMD, rc, "%s", err.msg);
    FILE *csv = fopen(tmp, "w");
    if (!csv)
        return zf_cli_fail(CMD, ZF_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    o->csv = csv;
    zf_replay_result_t res;
    json_t *doc = NULL;
    bool pass = false;
    rc = zf_replay_run(o, &res, &err);
    if ((fflush(csv) != 0 || fsync(fileno(csv)) != 0) && rc == 0)
        rc = zf_err_set(&err, ZF_EIO, "%s: write failed: %s", tmp, strerror(errno));
    fclose(csv);
    if (rc == 0)
        rc = write_results(sc, o, a, &res, &pass, &doc, &err);
    if (rc == 0)
        rc = finish(a, o, &res, doc, pass);
    else {
        unlink(tmp);
        rc = zf_cli_fail(CMD, rc, "%s", err.msg);
    }
    json_decref(doc);
    zf_replay_result_free(&res);
    return rc;
}

static void free_args(replay_args_t *a)
{
    for (size_t i = 0; i < a->ntargets; i++)
        free((char *)a->tnames[i]);
}

/* Loads the scenario (and trace header) and turns the arguments into replay options. */
static int prepare(replay_args_t *a, zf_scenario_t **scp, zf_replay_opts_t *o,
                   zf_lg_target_t **tp, const char ***up, char *dir, size_t dirlen)
{
    zf_err_t err = {{0}};
    int rc = zf_scenario_load(a->file, scp, &err);
    if (rc)
        return zf_cli_fail(CMD, rc, "%s", err.msg);
    zf_scenario_t *sc = *scp;
    zf_time_t end = sc->duration;
    uint64_t seed = a->has_seed ? a->seed : sc->seed;
    if (a->trace) {
        zf_trace_t *t;
        if ((rc = zf_trace_open(a->trace, &t, &err)))
            return zf_cli_fail(CMD, rc, "%s", err.msg);
        seed = zf_trace_info(t)->seed;
        if (zf_trace_info(t)->until < end)
            end = zf_trace_info(t)->until;
        zf_trace_close(t);
    }
    zf_replay_scale(sc, a->scale);
    zf_lg_target_t *targets = *tp = calloc(sc->deploy.nlbs + 1, sizeof *targets);
    const char **urls = *up = calloc(a->ntargets + 1, sizeof *urls);
    if (!targets || !urls)
        return zf_cli_fail(CMD, ZF_ENOMEM, "out of memory");
    if ((rc = build_targets(sc, a, targets, urls)) || (rc = window(sc, a, end, o)))
        return rc;
    snprintf(dir, dirlen, "%s", a->dir ? a->dir : "");
    if (!a->dir)
        snprintf(dir, dirlen, "results/%s-replay", sc->name);
    o->sc = sc;
    o->seed = seed;
    o->speed = a->speed;
    o->shard_k = (uint32_t)a->shard_k - 1;
    o->shard_n = (uint32_t)a->shard_n;
    o->trace_file = a->trace;
    o->targets = targets;
    o->dir = dir;
    o->settle = a->settle;
    o->verify = !a->no_verify;
    o->progress = a->progress && !a->quiet && isatty(STDERR_FILENO);
    zf_lg_config_defaults(&o->lg);
    o->lg.threads = (unsigned)a->threads;
    o->lg.max_rps = a->max_rps;
    if (a->max_conns)
        o->lg.max_conns = (uint32_t)a->max_conns;
    o->lg.tls_verify = !a->insecure;
    o->lg.tls_ca_file = a->ca_file;
    return 0;
}

int zf_cmd_replay(int argc, char **argv)
{
    replay_args_t a;
    zf_scenario_t *sc = NULL;
    zf_replay_opts_t o = {0};
    char dir[4096];
    zf_lg_target_t *targets = NULL;
    const char **urls = NULL;
    int rc = parse_args(argc, argv, &a);
    if (rc == 0 && (rc = prepare(&a, &sc, &o, &targets, &urls, dir, sizeof dir)) == 0)
        rc = a.dry_run ? dry_run(&o, &a) : execute(sc, &a, &o);
    free(targets);
    free(urls);
    free_args(&a);
    zf_scenario_free(sc);
    return rc < 0 ? 0 : rc;
}
