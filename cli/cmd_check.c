/* cmd_check: `zonefall check DIR [--slo FILE]`: re-evaluate SLOs on stored results
 * (optionally against another SLO file), print the table, exit 0 (all met) or 1. */
#include "cli/cli.h"
#include "metrics/results.h"
#include "scenario/slo_spec.h"

#include <getopt.h>
#include <stdlib.h>
#include <unistd.h>

static const char usage[] =
    "Usage: zonefall check DIR [--slo FILE]\n"
    "Re-evaluate the SLOs of stored results (DIR/results.json and DIR/timeseries.csv)\n"
    "without rerunning, print the table and exit by the verdict.\n"
    "\n"
    "      --slo FILE   judge against the SLOs in FILE ({\"slos\": [...]}, the scenario's\n"
    "                   SLO syntax) instead of those the run was made with\n"
    "  -q, --quiet      print only the verdict line\n"
    "  -h, --help       this text\n"
    "\n"
    "Exit status: 0 every SLO met, 1 an SLO missed, 2 bad input or usage.\n";

static int load_specs(const char *slo_file, const json_t *res, const char *res_file,
                      zf_slo_spec_t **specs, size_t *n, zf_err_t *err)
{
    if (slo_file)
        return zf_slo_spec_load(slo_file, specs, n, err);
    const json_t *stored = json_object_get(res, "slo_specs");
    if (!stored) {
        *specs = NULL;
        *n = 0;
        return 0;
    }
    return zf_slo_spec_parse(res_file, stored, "$.slo_specs", specs, n, err);
}

static int check(const char *dir, const char *slo_file, bool quiet)
{
    zf_err_t err = {{0}};
    json_t *res = NULL;
    zf_slo_spec_t *specs = NULL;
    size_t n = 0;
    zf_rec_t rec = {0};
    bool pass = false;
    char rfile[4096], tfile[4096];
    snprintf(rfile, sizeof rfile, "%s/results.json", dir);
    snprintf(tfile, sizeof tfile, "%s/timeseries.csv", dir);
    int rc = zf_results_read(dir, &res, &err);
    if (rc == 0)
        rc = load_specs(slo_file, res, rfile, &specs, &n, &err);
    if (rc == 0)
        rc = zf_results_load_rec(rfile, res, access(tfile, R_OK) == 0 ? tfile : NULL, &rec, &err);
    if (rc == 0 && (rc = zf_results_reevaluate(res, &rec, specs, n, &pass, &err)) == 0)
        pass = zf_cli_judge_unmeasured(res);
    if (rc == 0) {
        if (!quiet)
            zf_cli_print_slos(stdout, res);
        printf("verdict: %s\n", pass ? "pass" : "fail");
    }
    zf_rec_free(&rec);
    free(specs);
    json_decref(res);
    if (rc)
        return zf_cli_fail("check", rc, "%s", err.msg);
    return pass ? ZF_EXIT_PASS : ZF_EXIT_SLO;
}

int zf_cmd_check(int argc, char **argv)
{
    static const struct option longs[] = {{"slo", required_argument, 0, 's'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *slo_file = NULL;
    bool quiet = false;
    int c;
    char ob[64];
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, ":qh", longs, NULL)) != -1) {
        switch (c) {
        case 's': slo_file = optarg; break;
        case 'q': quiet = true; break;
        case 'h': fputs(usage, stdout); return 0;
        case ':': return zf_cli_usage("check", "option %s needs a value", zf_cli_bad_option(argv, ob, sizeof ob));
        default: return zf_cli_usage("check", "unknown option %s", zf_cli_bad_option(argv, ob, sizeof ob));
        }
    }
    if (optind >= argc)
        return zf_cli_usage("check", "missing results DIR");
    if (optind + 1 < argc)
        return zf_cli_usage("check", "unexpected argument \"%s\"", argv[optind + 1]);
    return check(argv[optind], slo_file, quiet);
}
