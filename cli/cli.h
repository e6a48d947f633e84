/* cli: what the zonefall subcommands share: exit codes, error printing, option
 * parsing helpers, progress on a terminal, and printing of a results summary. */
#ifndef ZF_CLI_H
#define ZF_CLI_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "engine/clock.h"
#include "engine/err.h"

enum {
    ZF_EXIT_PASS = 0,   /* every SLO met */
    ZF_EXIT_SLO = 1,    /* an SLO missed */
    ZF_EXIT_USAGE = 2,  /* bad input or usage */
    ZF_EXIT_RUN = 3,    /* the run itself failed (I/O, unreachable target, interrupted) */
};

/* Exit code for a library error code. */
int zf_cli_exit_for(int code);

/* Prints "zonefall CMD: error: MSG" to stderr and returns the exit code for `code`. */
int zf_cli_fail(const char *cmd, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Usage error: prints the message and "Try 'zonefall CMD --help'." Returns 2. */
int zf_cli_usage(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The option getopt_long just refused (unknown, or missing its value), as typed:
 * "-x" for a short option (also inside a cluster like -qx), "--name" for a long one.
 * Writes into buf and returns it. */
const char *zf_cli_bad_option(char **argv, char *buf, size_t len);

/* Strict number parsing of option values. 0 or ZF_EINVAL. */
int zf_cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out);
int zf_cli_parse_double(const char *text, double min, double max, double *out);

/* Writes "dir/name" into buf; ZF_EINVAL (err set) when it does not fit. */
int zf_cli_join(char *buf, size_t len, const char *dir, const char *name, zf_err_t *err);

/* Creates a directory and its parents (mkdir -p). 0 or ZF_EIO with err set. */
int zf_cli_mkdirs(const char *path, zf_err_t *err);

/* Progress on stderr, only when it is a terminal (quiet in pipes and CI logs). */
typedef struct zf_progress {
    bool enabled;
    zf_time_t wall_start;
    unsigned rep, nreps;
} zf_progress_t;

void zf_progress_init(zf_progress_t *p, bool allowed);
void zf_progress_show(zf_progress_t *p, zf_time_t sim_now, zf_time_t sim_end, uint64_t events);
void zf_progress_done(zf_progress_t *p);

/* Prints the human summary of a results document (run, check, replay). */
void zf_cli_print_summary(FILE *out, const json_t *results, const char *dir);
/* Prints the SLO table of a results document. */
void zf_cli_print_slos(FILE *out, const json_t *results);

/* Replay results (mode "replay") can leave figures unmeasured: lost writes and RPO when
 * acknowledged writes were not all read back, the backlog drain when no devices were
 * simulated (a trace). An SLO on such a figure is not met: its
 * measured becomes null, met false, "not_measured" says why (in the runs' entries too).
 * Sets the verdict from every SLO's met and returns whether all are met. */
bool zf_cli_judge_unmeasured(json_t *results);

/* Prints one error line for each action of `list` (a results.json faults[].actions array
 * of fault `fault`; files relative to `dir`) that did not exit 0, as "zonefall CMD: error:
 * fault F: the PHASE command failed (...)", and returns how many. */
int zf_cli_failed_actions(const char *cmd, const char *fault, const json_t *list, const char *dir);

/* Subcommands: argc/argv start at the subcommand name. Return the exit code. */
int zf_cmd_run(int argc, char **argv);
int zf_cmd_validate(int argc, char **argv);
int zf_cmd_check(int argc, char **argv);
int zf_cmd_testbed(int argc, char **argv);
int zf_cmd_trace(int argc, char **argv);
int zf_cmd_report(int argc, char **argv);
int zf_cmd_replay(int argc, char **argv);
int zf_cmd_merge(int argc, char **argv);

#endif
