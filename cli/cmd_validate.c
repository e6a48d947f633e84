/* cmd_validate: `zonefall validate SCENARIO...`: load and check scenarios, print what
 * each contains, exit 0 when all are valid and 2 at the first invalid one. */
#include "cli/cli.h"
#include "scenario/scenario.h"

#include <getopt.h>
#include <string.h>

static const char usage[] =
    "Usage: zonefall validate SCENARIO...\n"
    "Check scenario files without running them: JSON syntax (with line and column),\n"
    "types, unknown keys, missing fields and value ranges (with the JSON path).\n"
    "\n"
    "  -q, --quiet   print nothing when valid\n"
    "  -h, --help    this text\n"
    "\n"
    "Exit status: 0 every file valid, 2 a file invalid or bad usage.\n";

int zf_cmd_validate(int argc, char **argv)
{
    static const struct option longs[] = {{"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool quiet = false;
    int c;
    char ob[64];
    opterr = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "qh", longs, NULL)) != -1) {
        if (c == 'q')
            quiet = true;
        else if (c == 'h') {
            fputs(usage, stdout);
            return 0;
        } else
            return zf_cli_usage("validate", "unknown option %s", zf_cli_bad_option(argv, ob, sizeof ob));
    }
    if (optind >= argc)
        return zf_cli_usage("validate", "missing SCENARIO file");
    for (int i = optind; i < argc; i++) {
        zf_err_t err = {{0}};
        zf_scenario_t *sc;
        int rc = zf_scenario_load(argv[i], &sc, &err);
        if (rc)
            return zf_cli_fail("validate", rc, "%s", err.msg);
        if (!quiet)
            printf("%s: valid: scenario \"%s\", %zu source%s, %zu station%s, %zu SLO%s, "
                   "%u replication%s of %.0f s\n", argv[i], sc->name, sc->nsources,
                   sc->nsources == 1 ? "" : "s", sc->nstations, sc->nstations == 1 ? "" : "s",
                   sc->nslos, sc->nslos == 1 ? "" : "s", sc->replications,
                   sc->replications == 1 ? "" : "s", zf_time_to_s(sc->duration));
        zf_scenario_free(sc);
    }
    return 0;
}
