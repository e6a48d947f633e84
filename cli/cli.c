/* cli: shared helpers of the subcommands: errors and exit codes, strict option parsing,
 * directories, terminal progress and the human summary of results. */
#include "cli/cli.h"

#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int zf_cli_exit_for(int code)
{
    switch (code) {
    case 0: return ZF_EXIT_PASS;
    case ZF_EINVAL:
    case ZF_ERANGE: return ZF_EXIT_USAGE;
    default: return ZF_EXIT_RUN;
    }
}

int zf_cli_fail(const char *cmd, int code, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "zonefall %s: error: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    return zf_cli_exit_for(code);
}

int zf_cli_usage(const char *cmd, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "zonefall %s: ", cmd);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry 'zonefall %s --help'.\n", cmd);
    return ZF_EXIT_USAGE;
}

const char *zf_cli_bad_option(char **argv, char *buf, size_t len)
{
    const char *arg = argv[optind - 1];
    if (strncmp(arg, "--", 2) == 0) {
        size_t n = strcspn(arg, "=");
        snprintf(buf, len, "%.*s", (int)n, arg);
    } else if (optopt) {
        snprintf(buf, len, "-%c", optopt);
    } else {
        snprintf(buf, len, "%s", arg);
    }
    return buf;
}

int zf_cli_parse_u64(const char *text, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end;
    if (!text || !*text || *text == '-' || *text == '+')
        return ZF_EINVAL;
    errno = 0;
    unsigned long long v = strtoull(text, &end, 10);
    if (errno || *end || v < min || v > max)
        return ZF_EINVAL;
    *out = v;
    return 0;
}

int zf_cli_parse_double(const char *text, double min, double max, double *out)
{
    char *end;
    if (!text || !*text)
        return ZF_EINVAL;
    errno = 0;
    double v = strtod(text, &end);
    if (errno || *end || !isfinite(v) || v < min || v > max)
        return ZF_EINVAL;
    *out = v;
    return 0;
}

int zf_cli_join(char *buf, size_t len, const char *dir, const char *name, zf_err_t *err)
{
    int n = snprintf(buf, len, "%s/%s", dir, name);
    if (n < 0 || (size_t)n >= len)
        return zf_err_set(err, ZF_EINVAL, "path too long: %s/%s", dir, name);
    return 0;
}

int zf_cli_mkdirs(const char *path, zf_err_t *err)
{
    char buf[4096];
    size_t n = strlen(path);
    if (n == 0 || n >= sizeof buf)
        return zf_err_set(err, ZF_EINVAL, "bad directory name \"%s\"", path);
    memcpy(buf, path, n + 1);
    for (size_t i = 1; i <= n; i++) {
        if (buf[i] != '/' && buf[i] != 0)
            continue;
        char c = buf[i];
        buf[i] = 0;
        if (mkdir(buf, 0755) != 0 && errno != EEXIST)
            return zf_err_set(err, ZF_EIO, "%s: cannot create directory: %s", buf,
                              strerror(errno));
        buf[i] = c;
    }
    struct stat st;
    if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
        return zf_err_set(err, ZF_EIO, "%s: not a directory", path);
    return 0;
}

void zf_progress_init(zf_progress_t *p, bool allowed)
{
    memset(p, 0, sizeof *p);
    p->enabled = allowed && isatty(STDERR_FILENO);
    p->wall_start = zf_wall_now();
}

void zf_progress_show(zf_progress_t *p, zf_time_t sim_now, zf_time_t sim_end, uint64_t events)
{
    if (!p->enabled)
        return;
    double wall = zf_time_to_s(zf_wall_now() - p->wall_start);
    double frac = ((double)p->rep + (double)sim_now / (double)sim_end) / (double)p->nreps;
    double eta = frac > 0 ? wall * (1 - frac) / frac : 0;
    char a[32], b[32];
    fprintf(stderr, "\r\033[Krun %u/%u  simulated %s of %s  %.1f M events/s  %3.0f%%  ETA %.0fs",
            p->rep + 1, p->nreps, zf_time_format(sim_now, a, sizeof a),
            zf_time_format(sim_end, b, sizeof b), wall > 0 ? (double)events / wall / 1e6 : 0.0,
            frac * 100, eta);
    fflush(stderr);
}

void zf_progress_done(zf_progress_t *p)
{
    if (p->enabled) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
    }
}
