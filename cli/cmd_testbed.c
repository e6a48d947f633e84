/* cmd_testbed: `zonefall testbed up|down|status`: brings the reference deployment of
 * testbed/ (network namespaces, HAProxy, zf_app, PostgreSQL with Patroni and etcd) up
 * or down, or shows it. It runs testbed/testbed.sh with posix_spawn and an argv built
 * from checked options (never a shell string), passing the binaries of this build. */
#include "cli/cli.h"
#include "testbed/zf_testbed_paths.h"

#include <errno.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static const char usage[] =
    "Usage: zonefall testbed up [--fast] [--async] [--dir DIR]\n"
    "       zonefall testbed down [--dir DIR]\n"
    "       zonefall testbed status [--dir DIR]\n"
    "Run the reference multi-zone deployment on this machine: three zones as network\n"
    "namespaces (10.250.0.0/16, no route out), two HAProxy load balancers (zones a, b),\n"
    "two zf_app instances per zone, PostgreSQL 15 primary + synchronous standby with\n"
    "Patroni and a three-member etcd. Clients reach http://10.250.1.1:8080 and\n"
    "http://10.250.2.1:8080 from the root namespace. See docs/testbed.md.\n"
    "\n"
    "  up        start it (refuses if already up; cleans up if it fails half-way)\n"
    "  down      stop every process it started, remove namespaces and data\n"
    "  status    every component by zone; exit 0 healthy, 1 something is not\n"
    "\n"
    "      --fast    no Patroni/etcd: streaming replication, scripted promote (tests)\n"
    "      --async   asynchronous replication (synchronous_mode off)\n"
    "      --dir DIR state, logs and data (default /tmp/zonefall-testbed)\n"
    "  -h, --help    this text\n"
    "\n"
    "Needs root and network namespaces (exit 2 with a message otherwise).\n"
    "Environment: ZF_TESTBED_DIR (scripts), ZF_APP_BIN, ZF_FAULTPROXY_BIN override the\n"
    "paths of this build; the fault actions are in $ZF_TESTBED_DIR/faults/.\n"
    "Exit status: 0 done, 1 status found a component down, 2 usage, not root, no\n"
    "namespaces, already up; 3 bring-up or tear-down failed.\n";

/* Sets NAME to VALUE unless the environment already names one. */
static int default_env(const char *name, const char *value)
{
    const char *cur = getenv(name);
    return cur && *cur ? 0 : setenv(name, value, 1);
}

/* Runs argv[0] and waits; SIGINT/SIGTERM reach the script (it cleans up), not us. */
static int run_script(char *const argv[], int *status)
{
    posix_spawnattr_t attr;
    sigset_t dflt;
    pid_t pid;
    struct sigaction ign = {.sa_handler = SIG_IGN}, old_int, old_term;
    posix_spawnattr_init(&attr);
    sigemptyset(&dflt);
    sigaddset(&dflt, SIGINT);
    sigaddset(&dflt, SIGTERM);
    posix_spawnattr_setsigdefault(&attr, &dflt);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGDEF);
    sigaction(SIGINT, &ign, &old_int);
    sigaction(SIGTERM, &ign, &old_term);
    int rc = posix_spawn(&pid, argv[0], NULL, &attr, argv, environ);
    posix_spawnattr_destroy(&attr);
    if (rc == 0) {
        while (waitpid(pid, status, 0) < 0 && errno == EINTR)
            ;
    }
    sigaction(SIGINT, &old_int, NULL);
    sigaction(SIGTERM, &old_term, NULL);
    return rc;
}

static int exit_for_script(const char *cmd, int status)
{
    if (WIFSIGNALED(status))
        return zf_cli_fail("testbed", ZF_EIO, "%s: the script was killed by signal %d", cmd,
                           WTERMSIG(status));
    int code = WEXITSTATUS(status);
    if (code == 0 || code == 2)
        return code;
    if (strcmp(cmd, "status") == 0 && code == 1)
        return ZF_EXIT_SLO;
    return zf_cli_fail("testbed", ZF_EIO, "%s failed (exit %d); see the messages above", cmd,
                       code);
}

static int testbed(const char *cmd, bool fast, bool async, const char *dir)
{
    char script[4096];
    const char *home = getenv("ZF_TESTBED_DIR");
    if (!home || !*home)
        home = ZF_TESTBED_SRC_DIR;
    snprintf(script, sizeof script, "%s/testbed.sh", home);
    if (geteuid() != 0) {
        fprintf(stderr, "zonefall testbed: error: the test bed needs root (it creates network "
                        "namespaces, veth links and iptables rules); run it as root\n");
        return ZF_EXIT_USAGE;
    }
    if (access(script, X_OK) != 0)
        return zf_cli_fail("testbed", ZF_EIO, "cannot run %s: %s (set ZF_TESTBED_DIR to the "
                           "testbed/ directory of the source tree)", script, strerror(errno));
    if (default_env("ZF_APP_BIN", ZF_APP_BUILD_BIN) ||
        default_env("ZF_FAULTPROXY_BIN", ZF_FAULTPROXY_BUILD_BIN) ||
        default_env("ZF_TESTBED_DIR", home))
        return zf_cli_fail("testbed", ZF_ENOMEM, "cannot set the environment");
    char *argv[8];
    int n = 0;
    argv[n++] = script;
    argv[n++] = (char *)cmd;
    if (fast)
        argv[n++] = "--fast";
    if (async)
        argv[n++] = "--async";
    if (dir) {
        argv[n++] = "--dir";
        argv[n++] = (char *)dir;
    }
    argv[n] = NULL;
    int status = 0;
    int rc = run_script(argv, &status);
    if (rc)
        return zf_cli_fail("testbed", ZF_EIO, "cannot start %s: %s", script, strerror(rc));
    return exit_for_script(cmd, status);
}

int zf_cmd_testbed(int argc, char **argv)
{
    static const struct option_row {
        const char *flag;
        int id;
    } flags[] = {{"--fast", 'f'}, {"--async", 'a'}, {"--dir", 'd'}, {"--help", 'h'}, {"-h", 'h'}};
    const char *cmd = NULL, *dir = NULL;
    bool fast = false, async = false;
    for (int i = 1; i < argc; i++) {
        int id = 0;
        for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++)
            if (strcmp(argv[i], flags[k].flag) == 0)
                id = flags[k].id;
        if (id == 0 && strncmp(argv[i], "--dir=", 6) == 0) {
            dir = argv[i] + 6;
            continue;
        }
        switch (id) {
        case 'h': fputs(usage, stdout); return 0;
        case 'f': fast = true; break;
        case 'a': async = true; break;
        case 'd':
            if (++i == argc)
                return zf_cli_usage("testbed", "--dir needs a directory");
            dir = argv[i];
            break;
        default:
            if (argv[i][0] == '-')
                return zf_cli_usage("testbed", "unknown option \"%s\"", argv[i]);
            if (cmd)
                return zf_cli_usage("testbed", "unexpected argument \"%s\"", argv[i]);
            cmd = argv[i];
        }
    }
    if (!cmd)
        return zf_cli_usage("testbed", "say up, down or status");
    if (strcmp(cmd, "up") != 0 && strcmp(cmd, "down") != 0 && strcmp(cmd, "status") != 0)
        return zf_cli_usage("testbed", "unknown action \"%s\" (up, down, status)", cmd);
    if ((fast || async) && strcmp(cmd, "up") != 0)
        return zf_cli_usage("testbed", "--fast and --async only go with up");
    if (dir && !*dir)
        return zf_cli_usage("testbed", "--dir needs a directory");
    return testbed(cmd, fast, async, dir);
}
