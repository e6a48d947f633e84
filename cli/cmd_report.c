/* cmd_report: `zonefall report DIR [--compare DIR2 ...] [--format LIST] [-o OUTDIR]`:
 * charts, report.html, summary.md and junit.xml of stored results (reports/report.h);
 * exit 0 when written, 2 on bad input, 3 when writing or drawing failed. */
#include "cli/cli.h"
#include "reports/report.h"

#include <errno.h>
#include <getopt.h>
#include <string.h>
#include <unistd.h>

static const char usage[] =
    "Usage: zonefall report DIR [--compare DIR2 ...] [--format LIST] [-o OUTDIR]\n"
    "Write the report of the results in DIR (results.json, timeseries.csv): charts drawn by\n"
    "gnuplot as PNG and SVG beside their .dat data and .gp scripts, report.html (one\n"
    "self-contained page), summary.md (a CI job summary) and junit.xml (a test case per SLO).\n"
    "\n"
    "  -c, --compare DIR2 ...  overlay these results on the charts and tabulate their\n"
    "                          differences from DIR with confidence intervals (every\n"
    "                          argument up to the next option; at most 7 directories)\n"
    "  -f, --format LIST       what to write, comma-separated: html,md,junit,png,svg\n"
    "                          (default: all of them; html embeds the SVG charts)\n"
    "  -o, --output OUTDIR     report directory (default: DIR/report; created if missing)\n"
    "  -q, --quiet             print nothing but errors and warnings\n"
    "  -h, --help              this text\n"
    "\n"
    "Charts need gnuplot on PATH; without it the .dat and .gp files are still written\n"
    "(a warning, or an error when --format asks for png or svg).\n"
    "Exit status: 0 report written, 2 bad input or usage, 3 I/O failure or gnuplot failed.\n";

typedef struct report_args {
    const char *dirs[ZF_REPORT_MAX_RUNS]; /* dirs[0] = DIR, then the compared ones */
    size_t ncompare;
    const char *outdir;
    const char *formats;
    bool quiet;
} report_args_t;

/* A positional argument: DIR, or (after --compare) a directory compared with it. */
static int add_dir(report_args_t *a, const char *dir, bool comparing)
{
    if (!comparing && a->dirs[0])
        return zf_cli_usage("report", "unexpected argument \"%s\"", dir);
    if (comparing && a->ncompare == ZF_REPORT_MAX_RUNS - 1)
        return zf_cli_usage("report", "--compare takes at most %d directories",
                            ZF_REPORT_MAX_RUNS - 1);
    if (comparing)
        a->dirs[1 + a->ncompare++] = dir;
    else
        a->dirs[0] = dir;
    return 0;
}

/* Options in order ('-' in the option string returns positionals as 1), so that the
 * arguments after --compare up to the next option are the compared directories. */
static int parse(int argc, char **argv, report_args_t *a)
{
    static const struct option longs[] = {{"compare", required_argument, 0, 'c'},
                                          {"format", required_argument, 0, 'f'},
                                          {"output", required_argument, 0, 'o'},
                                          {"quiet", no_argument, 0, 'q'},
                                          {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    bool comparing = false;
    int c, rc = 0;
    char ob[64];
    opterr = 0;
    optind = 1;
    while (rc == 0 && (c = getopt_long(argc, argv, "-:c:f:o:qh", longs, NULL)) != -1) {
        switch (c) {
        case 1: rc = add_dir(a, optarg, comparing); break;
        case 'c': comparing = true; rc = add_dir(a, optarg, true); break;
        case 'f': a->formats = optarg; comparing = false; break;
        case 'o': a->outdir = optarg; comparing = false; break;
        case 'q': a->quiet = true; comparing = false; break;
        case 'h': fputs(usage, stdout); return -1;
        case ':':
            return zf_cli_usage("report", "option %s needs a value",
                                zf_cli_bad_option(argv, ob, sizeof ob));
        default:
            return zf_cli_usage("report", "unknown option %s",
                                zf_cli_bad_option(argv, ob, sizeof ob));
        }
    }
    if (rc == 0 && !a->dirs[0])
        rc = zf_cli_usage("report", "missing results DIR");
    return rc;
}

/* Every results file must be readable before the report directory is created (by default
 * inside DIR): a mistyped DIR leaves nothing behind. */
static int check_dirs(const report_args_t *a)
{
    for (size_t k = 0; k <= a->ncompare; k++) {
        char file[4096];
        zf_err_t err;
        if (zf_cli_join(file, sizeof file, a->dirs[k], "results.json", &err) != 0)
            return zf_cli_fail("report", ZF_EINVAL, "%s", err.msg);
        if (access(file, R_OK) != 0)
            return zf_cli_fail("report", ZF_EINVAL, "%s: cannot open: %s", file, strerror(errno));
    }
    return 0;
}

static void print_written(const report_args_t *a, const zf_report_info_t *info, unsigned fmts)
{
    static const struct {
        unsigned bit;
        const char *what, *file;
    } pages[] = {{ZF_REPORT_HTML, "report", "report.html"},
                 {ZF_REPORT_MD, "summary", "summary.md"},
                 {ZF_REPORT_JUNIT, "junit", "junit.xml"}};
    const char *sep = "charts:";
    for (int k = 0; k < ZF_CHART_COUNT && info->charts_wanted; k++)
        if (info->charts[k].rendered) {
            printf("%s %s", sep, info->charts[k].name);
            sep = ",";
        }
    if (sep[0] == ',')
        putchar('\n');
    for (int k = 0; k < ZF_CHART_COUNT && info->charts_wanted; k++)
        if (!info->charts[k].planned)
            printf("not charted: %s: %s\n", info->charts[k].name, info->charts[k].note);
    for (size_t i = 0; i < sizeof pages / sizeof pages[0]; i++)
        if (fmts & pages[i].bit)
            printf("%-8s %s/%s\n", pages[i].what, a->outdir, pages[i].file);
}

int zf_cmd_report(int argc, char **argv)
{
    report_args_t a;
    char outdir[4096];
    unsigned fmts = ZF_REPORT_ALL;
    zf_err_t err = {{0}};
    zf_report_info_t info;
    memset(&a, 0, sizeof a);
    int rc = parse(argc, argv, &a);
    if (rc)
        return rc < 0 ? ZF_EXIT_PASS : rc;
    if (a.formats && zf_report_parse_formats(a.formats, &fmts, &err) != 0)
        return zf_cli_usage("report", "%s", err.msg);
    if ((rc = check_dirs(&a)))
        return rc;
    if (!a.outdir && zf_cli_join(outdir, sizeof outdir, a.dirs[0], "report", &err) != 0)
        return zf_cli_fail("report", ZF_EINVAL, "%s", err.msg);
    a.outdir = a.outdir ? a.outdir : outdir;
    if (zf_cli_mkdirs(a.outdir, &err) != 0)
        return zf_cli_fail("report", ZF_EIO, "%s", err.msg);
    zf_report_opts_t o = {a.dirs, 1 + a.ncompare, a.outdir, fmts, NULL};
    if ((rc = zf_report_write(&o, &info, &err)) != 0)
        return zf_cli_fail("report", rc, "%s", err.msg);
    if (info.gnuplot_missing) {
        bool asked = a.formats && (fmts & (ZF_REPORT_PNG | ZF_REPORT_SVG));
        fprintf(stderr, "zonefall report: %s: gnuplot not found on PATH: charts not drawn; "
                "their .dat data and .gp scripts are in %s (run 'gnuplot NAME.gp' there)\n",
                asked ? "error" : "warning", a.outdir);
        if (asked)
            return ZF_EXIT_RUN;
    }
    if (!a.quiet)
        print_written(&a, &info, fmts);
    return ZF_EXIT_PASS;
}
