/* actions: one command run on a libuv loop, in its own process group, with output files,
 * a timeout that kills the group by id, and its outcome recorded. */
#include "loadgen/actions.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

extern char **environ;

static zf_time_t since(const zf_action_t *a) { return zf_wall_now() - a->clock0; }

static void on_closed(uv_handle_t *h)
{
    zf_action_t *a = h->data;
    if (--a->open_handles == 0 && a->on_exit)
        a->on_exit(a);
}

/* Ended (or never started): close the handles; on_exit runs once both closed. */
static void finish(zf_action_t *a)
{
    a->running = false;
    a->finished = true;
    a->ended_ns = since(a);
    uv_close((uv_handle_t *)&a->timer, on_closed);
    uv_close((uv_handle_t *)&a->proc, on_closed);
}

static void on_proc_exit(uv_process_t *p, int64_t status, int sig)
{
    zf_action_t *a = p->data;
    a->exit_status = sig ? -1 : status;
    a->term_signal = sig;
    uv_timer_stop(&a->timer);
    finish(a);
}

static void on_timer(uv_timer_t *t)
{
    zf_action_t *a = t->data;
    if (!a->killed) {
        a->timed_out = true;
        zf_action_kill(a);
        return;
    }
    uv_kill(-a->pid, SIGKILL); /* the grace is over */
}

void zf_action_kill(zf_action_t *a)
{
    if (!a->running || a->killed)
        return;
    a->killed = true;
    uv_kill(-a->pid, SIGTERM); /* the process group: children of a shell too */
    uv_timer_start(&a->timer, on_timer, (uint64_t)(ZF_ACTION_KILL_GRACE_NS / ZF_MS), 0);
}

/* The parent's environment plus the extra variables (they win over inherited ones).
 * Returns a NULL-terminated array whose strings belong to environ or extra, or NULL. */
static char **build_env(const zf_action_t *a)
{
    size_t n = 0;
    while (environ && environ[n])
        n++;
    char **env = calloc(n + a->nenv_extra + 1, sizeof *env);
    if (!env)
        return NULL;
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        size_t name = strcspn(environ[i], "=");
        bool replaced = false;
        for (size_t j = 0; j < a->nenv_extra && !replaced; j++)
            replaced = strncmp(environ[i], a->env_extra[j], name + 1) == 0;
        if (!replaced)
            env[k++] = environ[i];
    }
    for (size_t j = 0; j < a->nenv_extra; j++)
        env[k++] = a->env_extra[j];
    return env;
}

static int open_file(const char *path, int flags, zf_err_t *err)
{
    int fd = open(path, flags | O_CLOEXEC, 0644);
    if (fd < 0)
        zf_err_set(err, ZF_EIO, "%s: cannot open: %s", path, strerror(errno));
    return fd;
}

int zf_action_start(uv_loop_t *loop, zf_action_t *a, zf_err_t *err)
{
    int fds[3] = {-1, -1, -1}, rc = 0;
    a->exit_status = -1;
    a->started = a->running = true;
    a->started_ns = since(a);
    uv_timer_init(loop, &a->timer);
    a->timer.data = a;
    a->proc.data = a;
    char **env = build_env(a);
    if (!env) {
        rc = zf_err_set(err, ZF_ENOMEM, "out of memory");
        goto fail;
    }
    if ((fds[0] = open_file(a->stdin_path ? a->stdin_path : "/dev/null", O_RDONLY, err)) < 0 ||
        (fds[1] = open_file(a->out_path, O_WRONLY | O_CREAT | O_TRUNC, err)) < 0 ||
        (fds[2] = open_file(a->err_path, O_WRONLY | O_CREAT | O_TRUNC, err)) < 0) {
        rc = ZF_EIO;
        goto fail;
    }
    uv_stdio_container_t stdio[3];
    for (int i = 0; i < 3; i++) {
        stdio[i].flags = UV_INHERIT_FD;
        stdio[i].data.fd = fds[i];
    }
    uv_process_options_t o = {
        .exit_cb = on_proc_exit, .file = a->argv[0], .args = (char **)a->argv, .env = env,
        .flags = UV_PROCESS_DETACHED, .stdio_count = 3, .stdio = stdio,
    };
    a->open_handles = 2; /* the timer, and the process (initialised even on failure) */
    int e = uv_spawn(loop, &a->proc, &o);
    a->proc.data = a;
    if (e < 0) {
        a->spawn_error = e;
        finish(a);
    } else {
        a->pid = a->proc.pid;
        uv_timer_start(&a->timer, on_timer, (uint64_t)((a->timeout_ns + ZF_MS - 1) / ZF_MS), 0);
    }
    for (int i = 0; i < 3; i++)
        close(fds[i]);
    free(env);
    return 0;
fail:
    for (int i = 0; i < 3; i++)
        if (fds[i] >= 0)
            close(fds[i]);
    free(env);
    a->started = a->running = false;
    uv_close((uv_handle_t *)&a->timer, NULL);
    return rc;
}

bool zf_action_succeeded(const zf_action_t *a)
{
    return a->finished && !a->spawn_error && !a->timed_out && a->term_signal == 0 &&
           a->exit_status == 0;
}

char *zf_action_outcome(const zf_action_t *a, char *buf, size_t len)
{
    char t[32];
    if (!a->started)
        snprintf(buf, len, "not run");
    else if (!a->finished)
        snprintf(buf, len, "running");
    else if (a->spawn_error)
        snprintf(buf, len, "could not start: %s", uv_strerror(a->spawn_error));
    else if (a->timed_out && a->term_signal)
        snprintf(buf, len, "timed out after %s: killed by signal %d",
                 zf_time_format(a->timeout_ns, t, sizeof t), a->term_signal);
    else if (a->timed_out)
        snprintf(buf, len, "timed out after %s: exit %lld on SIGTERM",
                 zf_time_format(a->timeout_ns, t, sizeof t), (long long)a->exit_status);
    else if (a->term_signal)
        snprintf(buf, len, "killed by signal %d", a->term_signal);
    else
        snprintf(buf, len, "exit %lld", (long long)a->exit_status);
    return buf;
}
