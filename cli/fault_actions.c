/* fault_actions: the fault commands (inject, heal) of a replay that did not run or did not
 * exit 0. A fault that was not injected, or not healed, leaves a replay's verdict
 * meaningless; replay and merge say so for each such command and exit 3. */
#include "cli/cli.h"

#include <string.h>

/* Whether a fault action record (results.json faults[].actions[]) ran and exited 0. */
static bool action_ok(const json_t *act)
{
    const json_t *st = json_object_get(act, "exit_status");
    return json_is_integer(st) && json_integer_value(st) == 0 &&
           !json_is_true(json_object_get(act, "timed_out"));
}

int zf_cli_failed_actions(const char *cmd, const char *fault, const json_t *list, const char *dir)
{
    size_t i;
    const json_t *act;
    int n = 0;
    json_array_foreach((json_t *)list, i, act) {
        if (action_ok(act))
            continue;
        const char *phase = json_string_value(json_object_get(act, "phase"));
        bool inject = phase && strcmp(phase, "inject") == 0;
        fprintf(stderr, "zonefall %s: error: fault %s: the %s command failed (%s; see %s/%s): %s\n",
                cmd, fault, phase ? phase : "?", json_string_value(json_object_get(act, "outcome")),
                dir, json_string_value(json_object_get(act, "stderr")),
                inject ? "the fault may not have been injected, so the run did not test it"
                       : "the deployment may not have been restored");
        n++;
    }
    return n;
}
