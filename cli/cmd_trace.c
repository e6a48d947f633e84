/* cmd_trace: `zonefall trace SCENARIO -o FILE`: exports the scenario's base request stream
 * (every request succeeding, so no retries) as a binary trace or CSV (docs/trace-format.md),
 * written atomically; the replayer reads it back with --trace. */
#include "cli/cli.h"
#include "scenario/scenario.h"
#include "workload/trace.h"
#include "workload/workload.h"

#include <getopt.h>
#include <string.h>

static const char usage[] =
    "Usage: zonefall trace SCENARIO -o FILE [options]\n"
    "Export the request stream of SCENARIO (time, source, kind, entity, seq, write id)\n"
    "as it is when every request succeeds: the base open-loop stream, without retries.\n"
    "\n"
    "  -o, --output FILE       trace file to write (replaced atomically)\n"
    "      --format bin|csv    binary records (default) or CSV with a header line\n"
    "      --seed N            master seed (default: the scenario's)\n"
    "      --until DURATION    export [0, DURATION) (e.g. 30m; default: the duration)\n"
    "  -q, --quiet             print nothing on success\n"
    "  -h, --help              this text\n"
    "\n"
    "The formats are described in docs/trace-format.md.\n"
    "Exit status: 0 written, 2 bad input or usage, 3 the file could not be written.\n";

typedef struct trace_opts {
    const char *file, *out;
    zf_trace_format_t fmt;
    uint64_t seed;
    zf_time_t until;
    bool has_seed, quiet;
} trace_opts_t;

/* Parses the command line: 0 to go on, -1 after --help, else the exit code. */
static int parse_args(int argc, char **argv, trace_opts_t *o)
{
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"format", required_argument, 0, 'f'},
        {"seed", required_argument, 0, 's'},   {"until", required_argument, 0, 'u'},
        {"quiet", no_argument, 0, 'q'},        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0}};
    int c;
    char ob[64];
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->out = optarg; break;
        case 'f':
            if (strcmp(optarg, "bin") != 0 && strcmp(optarg, "csv") != 0)
                return zf_cli_usage("trace", "--format: expected bin or csv, got \"%s\"", optarg);
            o->fmt = strcmp(optarg, "csv") == 0 ? ZF_TRACE_CSV : ZF_TRACE_BIN;
            break;
        case 's':
            if (zf_cli_parse_u64(optarg, 0, INT64_MAX, &o->seed))
                return zf_cli_usage("trace", "--seed: expected a non-negative integer, got \"%s\"", optarg);
            o->has_seed = true;
            break;
        case 'u':
            if (zf_time_parse(optarg, &o->until) || o->until <= 0)
                return zf_cli_usage("trace", "--until: expected a duration > 0 such as 90s, 30m or 2h, got \"%s\"", optarg);
            break;
        case 'q': o->quiet = true; break;
        case 'h': fputs(usage, stdout); return -1;
        case ':': return zf_cli_usage("trace", "option %s needs a value", zf_cli_bad_option(argv, ob, sizeof ob));
        default: return zf_cli_usage("trace", "unknown option %s", zf_cli_bad_option(argv, ob, sizeof ob));
        }
    }
    if (optind >= argc)
        return zf_cli_usage("trace", "missing SCENARIO file");
    if (optind + 1 < argc)
        return zf_cli_usage("trace", "unexpected argument \"%s\"", argv[optind + 1]);
    if (!o->out)
        return zf_cli_usage("trace", "missing -o FILE");
    o->file = argv[optind];
    return 0;
}

static int emit(void *ctx, const zf_request_t *req)
{
    return zf_trace_write(ctx, req);
}

int zf_cmd_trace(int argc, char **argv)
{
    trace_opts_t o = {0};
    zf_err_t err = {{0}};
    zf_scenario_t *sc = NULL;
    zf_trace_writer_t *w = NULL;
    zf_workload_stats_t st;
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = zf_scenario_load(o.file, &sc, &err)))
        return zf_cli_fail("trace", rc, "%s", err.msg);
    uint64_t seed = o.has_seed ? o.seed : sc->seed;
    zf_time_t until = o.until ? o.until : sc->duration;
    if ((rc = zf_trace_writer_open(o.out, o.fmt, sc, seed, until, &w, &err)))
        goto out;
    rc = zf_workload_generate(sc, seed, until, emit, w, &st, &err);
    if (rc == ZF_EIO) { /* the writer failed: close reports why and drops the temporary */
        zf_trace_writer_close(w, &err);
    } else if (rc) {
        zf_trace_writer_abort(w);
    } else {
        uint64_t n = zf_trace_writer_count(w);
        char b[32];
        if ((rc = zf_trace_writer_close(w, &err)) == 0 && !o.quiet)
            printf("%s: %llu requests over %s (scenario \"%s\", seed %llu)\n", o.out,
                   (unsigned long long)n, zf_time_format(until, b, sizeof b), sc->name,
                   (unsigned long long)seed);
    }
out:
    zf_scenario_free(sc);
    return rc ? zf_cli_fail("trace", rc, "%s", err.msg) : 0;
}
