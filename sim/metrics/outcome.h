/* outcome: how a request ended. One list of failure causes shared by the simulator and
 * the replayer, so that their results files and timeseries columns line up. */
#ifndef ZF_OUTCOME_H
#define ZF_OUTCOME_H

typedef enum zf_cause {
    ZF_CAUSE_OK = 0,
    /* simulator and replayer */
    ZF_CAUSE_NO_HEALTHY_TARGET, /* load balancer had no target to route to (503) */
    ZF_CAUSE_LB_NODE_DOWN,      /* client reached a dead load balancer node (DNS staleness) */
    ZF_CAUSE_QUEUE_FULL,        /* station or instance queue limit reached */
    ZF_CAUSE_TIMEOUT,           /* client gave up waiting */
    ZF_CAUSE_DB_UNAVAILABLE,    /* database down, failing over, or out of connections */
    ZF_CAUSE_INSTANCE_LOST,     /* in flight on an instance that crashed or lost its zone */
    ZF_CAUSE_NETWORK,           /* dropped by a degraded zone or a device network outage */
    /* replayer only: what a real client sees */
    ZF_CAUSE_CONNECT_REFUSED,
    ZF_CAUSE_CONNECT_TIMEOUT,
    ZF_CAUSE_RESET,
    ZF_CAUSE_HTTP_5XX,
    ZF_CAUSE_HTTP_4XX,
    ZF_CAUSE_MALFORMED,
    ZF_CAUSE_DNS,
    ZF_CAUSE_COUNT
} zf_cause_t;

/* Column-friendly name: "ok", "no_healthy_target", "lb_node_down", ... */
const char *zf_cause_name(zf_cause_t c);

/* Parses a name back; returns the cause or -1. */
int zf_cause_parse(const char *name);

#endif
