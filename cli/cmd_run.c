/* cmd_run: `zonefall run SCENARIO`: simulate the scenario's replications, write
 * DIR/results.json and DIR/timeseries.csv atomically, print a summary, exit by verdict. */
#include "cli/cli.h"
#include "metrics/results.h"
#include "model/sim.h"
#include "scenario/scenario.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: zonefall run SCENARIO [options]\n"
    "Simulate SCENARIO and write DIR/results.json and DIR/timeseries.csv.\n"
    "\n"
    "  -o, --output DIR        results directory (default: results/<scenario name>)\n"
    "      --seed N            master seed (default: the scenario's, else 1)\n"
    "      --replications R    independent replications (default: the scenario's, else 1)\n"
    "      --until DURATION    simulated time per replication (e.g. 30m; default: duration)\n"
    "  -q, --quiet             print nothing on success but the verdict line\n"
    "      --no-progress       never show progress (shown only when stderr is a terminal)\n"
    "  -h, --help              this text\n"
    "\n"
    "Exit status: 0 every SLO met, 1 an SLO missed, 2 bad input or usage,\n"
    "3 the run failed (I/O error, interrupted).\n";

typedef struct run_opts {
    const char *file, *dir;
    uint64_t seed, reps;
    zf_time_t until;
    bool has_seed, has_reps, quiet, progress;
} run_opts_t;

static volatile sig_atomic_t interrupted;

static void on_signal(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int parse_args(int argc, char **argv, run_opts_t *o)
{
    static const struct option longs[] = {
        {"output", required_argument, 0, 'o'}, {"seed", required_argument, 0, 's'},
        {"replications", required_argument, 0, 'r'}, {"until", required_argument, 0, 'u'},
        {"quiet", no_argument, 0, 'q'}, {"no-progress", no_argument, 0, 'P'},
        {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    int c;
    char ob[64];
    o->progress = true;
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 'o': o->dir = optarg; break;
        case 's':
            if (zf_cli_parse_u64(optarg, 0, INT64_MAX, &o->seed))
                return zf_cli_usage("run", "--seed: expected a non-negative integer, got \"%s\"", optarg);
            o->has_seed = true;
            break;
        case 'r':
            if (zf_cli_parse_u64(optarg, 1, 100000, &o->reps))
                return zf_cli_usage("run", "--replications: expected an integer from 1 to 100000, got \"%s\"", optarg);
            o->has_reps = true;
            break;
        case 'u':
            if (zf_time_parse(optarg, &o->until) || o->until <= 0)
                return zf_cli_usage("run", "--until: expected a duration > 0 such as 90s, 30m or 2h, got \"%s\"", optarg);
            break;
        case 'q': o->quiet = true; break;
        case 'P': o->progress = false; break;
        case 'h': fputs(usage, stdout); return -1;
        case ':': return zf_cli_usage("run", "option %s needs a value", zf_cli_bad_option(argv, ob, sizeof ob));
        default: return zf_cli_usage("run", "unknown option %s", zf_cli_bad_option(argv, ob, sizeof ob));
        }
    }
    if (optind >= argc)
        return zf_cli_usage("run", "missing SCENARIO file");
    if (optind + 1 < argc)
        return zf_cli_usage("run", "unexpected argument \"%s\"", argv[optind + 1]);
    o->file = argv[optind];
    return 0;
}

typedef struct progress_ctx {
    zf_progress_t *p;
    uint64_t base_events;
} progress_ctx_t;

static void on_progress(void *ctx, const zf_sim_progress_t *sp)
{
    progress_ctx_t *pc = ctx;
    zf_progress_show(pc->p, sp->now, sp->end, pc->base_events + sp->events);
}

/* Runs every replication; rep 0 writes the series to csv. */
static int run_all(const zf_scenario_t *sc, const run_opts_t *o, FILE *csv, zf_rec_t *reps,
                   uint64_t *seeds, size_t n, zf_err_t *err)
{
    zf_progress_t prog;
    zf_progress_init(&prog, o->progress);
    prog.nreps = (unsigned)n;
    progress_ctx_t pc = {&prog, 0};
    int rc = 0;
    for (size_t r = 0; r < n && rc == 0; r++) {
        zf_sim_opts_t so = {o->until, r == 0 ? csv : NULL, on_progress, &pc, &interrupted};
        uint64_t events = 0;
        prog.rep = (unsigned)r;
        seeds[r] = zf_sim_replication_seed(sc->seed, (uint32_t)r);
        rc = zf_sim_run(sc, seeds[r], &so, &reps[r], &events, err);
        pc.base_events += events;
    }
    zf_progress_done(&prog);
    return rc;
}

/* Pools, judges, writes results.json; the series file is renamed into place first. */
static int finish(const zf_scenario_t *sc, const run_opts_t *o, zf_rec_t *reps, uint64_t *seeds,
                  size_t n, const char *dir, bool *pass, json_t **doc, zf_err_t *err)
{
    zf_rec_t pooled;
    int rc = zf_results_pool(reps, n, &pooled);
    if (rc)
        return zf_err_set(err, rc, "out of memory pooling results");
    zf_results_meta_t meta = {"sim", sc->name, sc->file, sc->description, sc->seed, seeds,
                              sc->confidence, 0, 0};
    rc = zf_results_build(&meta, &pooled, reps, n, sc->slos, sc->nslos, doc, pass);
    zf_rec_free(&pooled);
    if (rc)
        return zf_err_set(err, rc, "out of memory building results");
    json_t *specs = json_array();
    for (size_t i = 0; i < sc->nslos; i++)
        json_array_append_new(specs, zf_slo_spec_to_json(&sc->slos[i]));
    json_object_set_new(*doc, "slo_specs", specs);
    char tmp[4096], dst[4096];
    if (zf_cli_join(tmp, sizeof tmp, dir, ".timeseries.csv.tmp", err) ||
        zf_cli_join(dst, sizeof dst, dir, "timeseries.csv", err))
        return ZF_EINVAL;
    if (rename(tmp, dst) != 0)
        return zf_err_set(err, ZF_EIO, "%s: cannot write: %s", dst, strerror(errno));
    (void)o;
    return zf_results_write(dir, *doc, err);
}

static int execute(const zf_scenario_t *sc, const run_opts_t *o, const char *dir)
{
    zf_err_t err = {{0}};
    size_t n = sc->replications;
    char tmp[4096];
    int rc = zf_cli_join(tmp, sizeof tmp, dir, ".timeseries.csv.tmp", &err);
    if (rc == 0)
        rc = zf_cli_mkdirs(dir, &err);
    if (rc)
        return zf_cli_fail("run", rc, "%s", err.msg);
    FILE *csv = fopen(tmp, "w");
    if (!csv)
        return zf_cli_fail("run", ZF_EIO, "%s: cannot create: %s", tmp, strerror(errno));
    zf_rec_t *reps = calloc(n, sizeof *reps);
    uint64_t *seeds = calloc(n, sizeof *seeds);
    json_t *doc = NULL;
    bool pass = false;
    if (!reps || !seeds)
        rc = zf_err_set(&err, ZF_ENOMEM, "out of memory");
    if (rc == 0)
        rc = run_all(sc, o, csv, reps, seeds, n, &err);
    if (fflush(csv) != 0 || fsync(fileno(csv)) != 0)
        rc = rc ? rc : zf_err_set(&err, ZF_EIO, "%s: write failed: %s", tmp, strerror(errno));
    fclose(csv);
    if (rc == 0)
        rc = finish(sc, o, reps, seeds, n, dir, &pass, &doc, &err);
    for (size_t r = 0; reps && r < n; r++)
        zf_rec_free(&reps[r]);
    free(reps);
    free(seeds);
    if (rc) {
        unlink(tmp);
        json_decref(doc);
        if (rc == ZF_EABORT)
            return zf_cli_fail("run", rc, "interrupted; no results written");
        return zf_cli_fail("run", rc, "%s", err.msg);
    }
    if (o->quiet)
        printf("verdict: %s   results: %s/results.json\n", pass ? "pass" : "fail", dir);
    else
        zf_cli_print_summary(stdout, doc, dir);
    json_decref(doc);
    return pass ? ZF_EXIT_PASS : ZF_EXIT_SLO;
}

int zf_cmd_run(int argc, char **argv)
{
    run_opts_t o = {0};
    int rc = parse_args(argc, argv, &o);
    if (rc)
        return rc < 0 ? 0 : rc;
    zf_err_t err = {{0}};
    zf_scenario_t *sc;
    if ((rc = zf_scenario_load(o.file, &sc, &err)))
        return zf_cli_fail("run", rc, "%s", err.msg);
    if (o.has_seed)
        sc->seed = o.seed;
    if (o.has_reps)
        sc->replications = (uint32_t)o.reps;
    if (o.until && o.until <= sc->warmup) {
        zf_scenario_free(sc);
        return zf_cli_usage("run", "--until must be longer than the scenario's warm-up");
    }
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", o.dir ? o.dir : "");
    if (!o.dir)
        snprintf(dir, sizeof dir, "results/%s", sc->name);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rc = execute(sc, &o, dir);
    zf_scenario_free(sc);
    return rc;
}
