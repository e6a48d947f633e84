/* main: the zonefall command: dispatches to a subcommand, prints help and version.
 * Only this layer prints and chooses exit codes. */
#include "cli/cli.h"

#include <gsl/gsl_errno.h>
#include <string.h>

#define ZF_VERSION "0.1.0"

static const char usage[] =
    "Usage: zonefall COMMAND [options]\n"
    "Discrete-event simulator and load-test harness for multi-zone deployments.\n"
    "\n"
    "Commands:\n"
    "  run SCENARIO        simulate a scenario; results in DIR/results.json\n"
    "  validate SCENARIO   check a scenario file without running it\n"
    "  check DIR           re-evaluate SLOs on stored results; exit 0 pass, 1 fail\n"
    "  trace SCENARIO      export the request stream (binary or CSV) for replay\n"
    "  testbed up|down|status  the local multi-zone reference deployment (root)\n"
    "  report DIR          charts, report.html, summary.md and junit.xml of results\n"
    "  replay SCENARIO --target NAME=URL...  send the traffic to a real deployment\n"
    "  merge DIR... -o OUT combine the results of replay shards (--shard K/N)\n"
    "\n"
    "Run 'zonefall COMMAND --help' for a command's options.\n"
    "Exit status: 0 every SLO met, 1 an SLO missed, 2 bad input or usage, 3 run failed.\n";

static const struct {
    const char *name;
    int (*fn)(int, char **);
} commands[] = {
    {"run", zf_cmd_run},
    {"validate", zf_cmd_validate},
    {"check", zf_cmd_check},
    {"trace", zf_cmd_trace},
    {"testbed", zf_cmd_testbed},
    {"report", zf_cmd_report},
    {"replay", zf_cmd_replay},
    {"merge", zf_cmd_merge},
};

int main(int argc, char **argv)
{
    /* GSL's default handler aborts; the library checks every result itself */
    gsl_set_error_handler_off();
    if (argc < 2) {
        fputs(usage, stderr);
        return ZF_EXIT_USAGE;
    }
    if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0 ||
        strcmp(argv[1], "help") == 0) {
        fputs(usage, stdout);
        return 0;
    }
    if (strcmp(argv[1], "--version") == 0) {
        printf("zonefall %s\n", ZF_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[1], commands[i].name) == 0)
            return commands[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "zonefall: unknown command \"%s\"\nTry 'zonefall --help'.\n", argv[1]);
    return ZF_EXIT_USAGE;
}
