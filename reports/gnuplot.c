/* gnuplot: posix_spawnp of `gnuplot -e "formats=...; outstem=..." NAME.gp` in the output
 * directory, stderr captured through a pipe for the error message, outputs renamed from
 * .NAME.tmp.FMT to NAME.FMT so that no reader sees a half-drawn file. */
#include "reports/gnuplot.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

#define MSG_MAX 600

/* Reads the child's stderr to its end, keeping the first MSG_MAX bytes in msg. */
static void drain(int fd, char *msg)
{
    size_t used = 0;
    char buf[4096];
    for (;;) {
        ssize_t n = read(fd, buf, sizeof buf);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        size_t take = (size_t)n < MSG_MAX - used ? (size_t)n : MSG_MAX - used;
        memcpy(msg + used, buf, take);
        used += take;
    }
    msg[used] = 0;
    while (used && (msg[used - 1] == '\n' || msg[used - 1] == ' '))
        msg[--used] = 0;
}

/* Runs the program on name.gp in dir; 0, ENOENT when not found, else another errno or -1
 * (msg holds gnuplot's stderr, status its exit status). */
static int spawn_wait(const char *program, const char *dir, const char *name, const char *vars,
                      char *msg, int *status)
{
    char script[64];
    snprintf(script, sizeof script, "%s.gp", name);
    char *argv[] = {(char *)program, "-e", (char *)vars, script, NULL};
    int fds[2], rc;
    posix_spawn_file_actions_t fa;
    pid_t pid;
    msg[0] = 0;
    if (pipe2(fds, O_CLOEXEC) != 0)
        return errno;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addchdir_np(&fa, dir);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
    rc = posix_spawnp(&pid, program, &fa, NULL, argv, environ);
    posix_spawn_file_actions_destroy(&fa);
    close(fds[1]);
    if (rc == 0) {
        drain(fds[0], msg);
        while (waitpid(pid, status, 0) < 0 && errno == EINTR)
            ;
    }
    close(fds[0]);
    return rc;
}

/* Moves dir/.name.tmp.fmt to dir/name.fmt after syncing it; removes it when !keep. */
static int place(const char *dir, const char *name, const char *fmt, bool keep, zf_err_t *err)
{
    char tmp[4096], dst[4096];
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp.%s", dir, name, fmt);
    snprintf(dst, sizeof dst, "%s/%s.%s", dir, name, fmt);
    if (!keep) {
        unlink(tmp);
        return 0;
    }
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0 || close(fd) != 0 || rename(tmp, dst) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        unlink(tmp);
        return zf_err_set(err, ZF_EIO, "%s: cannot write: %s", dst, strerror(e));
    }
    return 0;
}

/* Reads dir/.name.tmp.svg into the chart. */
static int load_svg(const char *dir, zf_chart_t *ch, zf_err_t *err)
{
    char tmp[4096];
    struct stat st;
    snprintf(tmp, sizeof tmp, "%s/.%s.tmp.svg", dir, ch->name);
    FILE *f = fopen(tmp, "rb");
    if (!f || fstat(fileno(f), &st) != 0) {
        int e = errno;
        if (f)
            fclose(f);
        return zf_err_set(err, ZF_EIO, "%s: cannot read: %s", tmp, strerror(e));
    }
    ch->svg = malloc((size_t)st.st_size + 1);
    ch->svg_len = ch->svg ? fread(ch->svg, 1, (size_t)st.st_size, f) : 0;
    fclose(f);
    if (!ch->svg)
        return zf_err_set(err, ZF_ENOMEM, "out of memory reading %s", tmp);
    ch->svg[ch->svg_len] = 0;
    return 0;
}

static int render_one(const zf_gnuplot_opts_t *o, const char *dir, zf_chart_t *ch, bool *found,
                      zf_err_t *err)
{
    bool svg = o->svg || o->keep_svg_text;
    char vars[160], msg[MSG_MAX + 1];
    int status = 0;
    snprintf(vars, sizeof vars, "formats='%s'; outstem='.%s.tmp'",
             o->png && svg ? "png svg" : o->png ? "png" : "svg", ch->name);
    int rc = spawn_wait(o->program, dir, ch->name, vars, msg, &status);
    if (rc == ENOENT) {
        *found = false;
        return 0;
    }
    if (rc != 0)
        return zf_err_set(err, ZF_EIO, "cannot run %s: %s", o->program, strerror(rc));
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        place(dir, ch->name, "png", false, NULL);
        place(dir, ch->name, "svg", false, NULL);
        return zf_err_set(err, ZF_EIO, "%s/%s.gp: %s failed (%s %d): %s", dir, ch->name,
                          o->program, WIFEXITED(status) ? "exit status" : "signal",
                          WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status),
                          msg[0] ? msg : "no message");
    }
    rc = o->keep_svg_text && svg ? load_svg(dir, ch, err) : 0;
    if (rc == 0 && o->png)
        rc = place(dir, ch->name, "png", true, err);
    if (rc == 0 && svg)
        rc = place(dir, ch->name, "svg", o->svg, err);
    ch->rendered = rc == 0;
    return rc;
}

int zf_gnuplot_render(const zf_gnuplot_opts_t *o, const char *outdir, zf_chart_t *charts,
                      bool *found, zf_err_t *err)
{
    int rc = 0;
    *found = true;
    if (!o->png && !o->svg && !o->keep_svg_text)
        return 0;
    for (int k = 0; k < ZF_CHART_COUNT && rc == 0 && *found; k++)
        if (charts[k].planned)
            rc = render_one(o, outdir, &charts[k], found, err);
    return rc;
}
