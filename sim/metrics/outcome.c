/* outcome: names of the failure causes. */
#include "metrics/outcome.h"

#include <string.h>

static const char *const names[ZF_CAUSE_COUNT] = {
    "ok",          "no_healthy_target", "lb_node_down",    "queue_full",
    "timeout",     "db_unavailable",    "instance_lost",   "network",
    "connect_refused", "connect_timeout", "reset",         "http_5xx",
    "http_4xx",    "malformed",         "dns",
};

const char *zf_cause_name(zf_cause_t c)
{
    return (unsigned)c < ZF_CAUSE_COUNT ? names[c] : "unknown";
}

int zf_cause_parse(const char *name)
{
    for (int i = 0; i < ZF_CAUSE_COUNT; i++)
        if (strcmp(names[i], name) == 0)
            return i;
    return -1;
}
