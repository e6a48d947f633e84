/* Tests of loadgen/actions: commands run with uv_spawn on a loop: exit status, the extra
 * environment, stdin and output files, a timeout that kills the whole process group (a
 * shell's background child too), a program that does not exist, outcome texts. */
#include <criterion/criterion.h>

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/actions.h"

static char dir[] = "/tmp/zf-actions.XXXXXX";
static char out[256], err[256];
static int exits;

static void init(void)
{
    cr_assert_not_null(mkdtemp(dir));
    snprintf(out, sizeof out, "%s/out", dir);
    snprintf(err, sizeof err, "%s/err", dir);
}

static void fini(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(actions, .init = init, .fini = fini);

static void on_exit_cb(zf_action_t *a) { (void)a; exits++; }

/* Runs argv to its end on a fresh loop; returns the action's record in *a. */
static void run(zf_action_t *a, char *const *argv, char *const *env, size_t nenv,
                zf_time_t timeout, const char *in)
{
    uv_loop_t loop;
    zf_err_t e;
    cr_assert_eq(uv_loop_init(&loop), 0);
    *a = (zf_action_t){.argv = argv, .env_extra = env, .nenv_extra = nenv, .timeout_ns = timeout,
                       .out_path = out, .err_path = err, .stdin_path = in,
                       .clock0 = zf_wall_now(), .on_exit = on_exit_cb};
    exits = 0;
    cr_assert_eq(zf_action_start(&loop, a, &e), 0, "%s", e.msg);
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(exits, 1, "on_exit runs once");
    cr_assert_eq(uv_loop_close(&loop), 0);
}

static char *slurp(const char *path)
{
    static char buf[4096];
    FILE *f = fopen(path, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

Test(actions, a_command_runs_with_its_environment_and_output_files)
{
    char *argv[] = {"sh", "-c", "echo \"$ZF_FAULT_NAME $GREETING\"; echo oops >&2; exit 3", NULL};
    char *env[] = {"ZF_FAULT_NAME=lose-b", "GREETING=hello"};
    zf_action_t a;
    run(&a, argv, env, 2, 10 * ZF_S, NULL);
    cr_assert(a.finished && !a.running && !a.timed_out);
    cr_assert_eq(a.exit_status, 3);
    cr_assert_eq(a.term_signal, 0);
    cr_assert(!zf_action_succeeded(&a));
    cr_assert(a.pid > 0);
    cr_assert(a.ended_ns >= a.started_ns);
    cr_assert_str_eq(slurp(out), "lose-b hello\n");
    cr_assert_str_eq(slurp(err), "oops\n");
    char how[160];
    cr_assert_str_eq(zf_action_outcome(&a, how, sizeof how), "exit 3");
}

Test(actions, stdin_comes_from_a_file_and_success_is_exit_0)
{
    char in[256];
    snprintf(in, sizeof in, "%s/in", dir);
    FILE *f = fopen(in, "w");
    fputs("1\n2\n", f);
    fclose(f);
    char *argv[] = {"cat", NULL};
    zf_action_t a;
    run(&a, argv, NULL, 0, 10 * ZF_S, in);
    cr_assert(zf_action_succeeded(&a));
    cr_assert_str_eq(slurp(out), "1\n2\n");
}

Test(actions, a_timeout_kills_the_whole_process_group)
{
    char pidfile[300], script[400];
    snprintf(pidfile, sizeof pidfile, "%s/child", dir);
    snprintf(script, sizeof script, "sleep 30 & echo $! > %s; wait", pidfile);
    char *argv[] = {"sh", "-c", script, NULL};
    zf_action_t a;
    zf_time_t t0 = zf_wall_now();
    run(&a, argv, NULL, 0, 200 * ZF_MS, NULL);
    cr_assert(zf_wall_now() - t0 < 2 * ZF_S, "ended by SIGTERM well before the grace");
    cr_assert(a.timed_out);
    cr_assert_eq(a.term_signal, SIGTERM);
    cr_assert_eq(a.exit_status, -1);
    int child = atoi(slurp(pidfile));
    cr_assert(child > 0);
    for (int i = 0; i < 100 && kill(child, 0) == 0; i++) {
        char stat[64], line[256];
        snprintf(stat, sizeof stat, "/proc/%d/stat", child);
        FILE *f = fopen(stat, "r");
        if (f && fgets(line, sizeof line, f) && strstr(line, ") Z ")) { /* a zombie: dead */
            fclose(f);
            break;
        }
        if (f)
            fclose(f);
        cr_assert(i < 99, "the background child %d survived the timeout", child);
        usleep(20000);
    }
    char how[160];
    cr_assert_str_eq(zf_action_outcome(&a, how, sizeof how),
                     "timed out after 200ms: killed by signal 15");
}

Test(actions, a_program_that_does_not_exist_is_reported_not_fatal)
{
    char *argv[] = {"/nonexistent/zf-no-such-program", NULL};
    zf_action_t a;
    run(&a, argv, NULL, 0, ZF_S, NULL);
    cr_assert(a.finished);
    cr_assert_neq(a.spawn_error, 0);
    cr_assert(!zf_action_succeeded(&a));
    char how[160];
    cr_assert_str_eq(zf_action_outcome(&a, how, sizeof how),
                     "could not start: no such file or directory");
}

Test(actions, output_files_that_cannot_be_created_are_an_error_and_nothing_runs)
{
    uv_loop_t loop;
    zf_err_t e;
    char *argv[] = {"true", NULL};
    cr_assert_eq(uv_loop_init(&loop), 0);
    zf_action_t a = {.argv = argv, .timeout_ns = ZF_S, .out_path = "/nonexistent/dir/out",
                     .err_path = err, .clock0 = zf_wall_now(), .on_exit = on_exit_cb};
    exits = 0;
    cr_assert_eq(zf_action_start(&loop, &a, &e), ZF_EIO);
    cr_assert_str_eq(e.msg, "/nonexistent/dir/out: cannot open: No such file or directory");
    uv_run(&loop, UV_RUN_DEFAULT);
    cr_assert_eq(exits, 0);
    cr_assert(!a.started);
    cr_assert_eq(uv_loop_close(&loop), 0);
}
