/* actions: commands a replay runs on schedule (fault inject and heal, stop-condition
 * checks, write verification), with uv_spawn on the caller's libuv loop: argv without a
 * shell (unless the command spec holds one), its own process group so a terminal's
 * Ctrl-C does not reach it, stdin from /dev/null, stdout and stderr into files, a timeout
 * after which the whole group is killed by its id (SIGTERM, then SIGKILL), and the exit
 * status, signal and times recorded. */
#ifndef ZF_LG_ACTIONS_H
#define ZF_LG_ACTIONS_H

#include <stdbool.h>
#include <uv.h>

#include "engine/clock.h"
#include "engine/err.h"

#define ZF_ACTION_PATH_MAX 4096
#define ZF_ACTION_KILL_GRACE_NS (2 * ZF_S) /* SIGTERM, then SIGKILL this much later */

typedef struct zf_action zf_action_t;

/* A command run. The caller fills the inputs and zeroes the rest; the action must stay
 * in place (handles live in it) until on_exit has been called. */
struct zf_action {
    /* inputs */
    char *const *argv;            /* argv[0] searched in PATH; not copied, must outlive it */
    char *const *env_extra;       /* "NAME=value" added to the environment (may be NULL) */
    size_t nenv_extra;
    zf_time_t timeout_ns;         /* > 0 */
    const char *out_path, *err_path; /* files created (truncated) for stdout and stderr */
    const char *stdin_path;       /* NULL: /dev/null */
    zf_time_t clock0;             /* times below count from this zf_wall_now() instant */
    void (*on_exit)(zf_action_t *a); /* on the loop, once, after it ended (or failed) */
    void *data;
    /* results */
    bool started, running, finished, timed_out;
    int pid;
    int64_t exit_status;          /* -1 until it exited on its own */
    int term_signal;              /* signal that ended it, 0 */
    int spawn_error;              /* uv error of a spawn that failed, 0 */
    zf_time_t started_ns, ended_ns; /* from clock0 */
    /* internals */
    uv_process_t proc;
    uv_timer_t timer;
    int open_handles;
    bool killed;
};

/* Starts a on loop. A spawn that fails (no such program...) is recorded in spawn_error and
 * ends at once (on_exit is still called, from the loop); returns 0 then too, or
 * ZF_ENOMEM / ZF_EIO (output files) with err set and nothing started. */
int zf_action_start(uv_loop_t *loop, zf_action_t *a, zf_err_t *err);

/* Ends a running action now: SIGTERM to its process group, SIGKILL after the grace. */
void zf_action_kill(zf_action_t *a);

/* 1 when the action ran and exited with status 0 within its timeout. */
bool zf_action_succeeded(const zf_action_t *a);

/* One-line description of how it ended: "exit 0", "exit 3", "killed by signal 9",
 * "timed out after 30s: killed by signal 15", "could not start: no such file or
 * directory". */
char *zf_action_outcome(const zf_action_t *a, char *buf, size_t len);

#endif
