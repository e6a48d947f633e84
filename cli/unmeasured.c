/* unmeasured: the SLOs a replay's results cannot judge. The simulator measures every figure
 * it reports; a replay does not always: lost writes and the span they cover are unknown when
 * acknowledged writes were not all read back (data_loss.verified false), and the device
 * backlog is unknown when no generator simulated the devices (replay.backlog_measured not
 * true: a trace replay). Such an SLO is never met; replay, merge and check all apply this. */
#include "cli/cli.h"

#include <stdio.h>
#include <string.h>

/* Why SLO type `type` cannot be judged on results `res` (written into buf), or NULL. */
static const char *why_unmeasured(const json_t *res, const char *type, char *buf, size_t len)
{
    const json_t *dl = json_object_get(res, "data_loss");
    const json_t *ver = json_object_get(dl, "verification");
    const json_t *info = json_object_get(res, "replay");
    if ((strcmp(type, "lost_writes") == 0 || strcmp(type, "rpo") == 0) &&
        !json_is_true(json_object_get(dl, "verified"))) {
        if (json_is_true(json_object_get(ver, "complete")))
            snprintf(buf, len, "%lld acknowledged writes got no answer when read back: loss "
                     "unknown", (long long)json_integer_value(json_object_get(
                                    ver, "no_answer_acknowledged")));
        else
            snprintf(buf, len, "acknowledged writes were not read back: loss unknown");
        return buf;
    }
    if (strcmp(type, "backlog_drain") == 0 &&
        !json_is_true(json_object_get(info, "backlog_measured"))) {
        snprintf(buf, len, "the device backlog was not measured (a trace replay simulates no "
                 "devices)");
        return buf;
    }
    return NULL;
}

/* Marks SLO entry `s` of results `res` (and its entry in each run) not measured. */
static void mark(json_t *res, json_t *s, const char *why)
{
    const char *name = json_string_value(json_object_get(s, "name"));
    json_object_set_new(s, "measured", json_null());
    json_object_set_new(s, "met", json_false());
    json_object_set_new(s, "met_fraction", json_null());
    json_object_set_new(s, "not_measured", json_string(why));
    size_t i;
    json_t *run;
    json_array_foreach(json_object_get(res, "runs"), i, run) {
        json_t *entry = json_object_get(json_object_get(run, "slos"), name ? name : "");
        if (entry) {
            json_object_set_new(entry, "measured", json_null());
            json_object_set_new(entry, "met", json_false());
        }
    }
}

bool zf_cli_judge_unmeasured(json_t *res)
{
    const char *mode = json_string_value(json_object_get(res, "mode"));
    json_t *slos = json_object_get(res, "slos");
    bool pass = true;
    size_t i;
    json_t *s;
    json_array_foreach(slos, i, s) {
        char why[160];
        const char *type = json_string_value(json_object_get(s, "type"));
        if (mode && strcmp(mode, "replay") == 0 && type &&
            why_unmeasured(res, type, why, sizeof why))
            mark(res, s, why);
        pass = pass && json_is_true(json_object_get(s, "met"));
    }
    json_object_set_new(res, "verdict", json_string(pass ? "pass" : "fail"));
    return pass;
}
