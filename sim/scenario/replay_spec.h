/* replay_spec: what a scenario tells the replayer beyond the traffic: each fault's real
 * actions (inject and heal commands), the stop conditions that abort a replay, and how to
 * read written data back to verify it. Parsed by scenario.c with path-aware errors; the
 * simulator ignores it. See docs/replay.md and docs/scenario-reference.md. */
#ifndef ZF_REPLAY_SPEC_H
#define ZF_REPLAY_SPEC_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/clock.h"

#define ZF_VERIFY_STATUS_MAX 16

/* A command: argv (NULL-terminated, owned; argc entries), or with shell true the single
 * string given, held as {"/bin/sh", "-c", line}. argc == 0: no command. */
typedef struct zf_command_spec {
    char **argv;
    size_t argc;
    bool shell;
} zf_command_spec_t;

/* A fault's actions ("actions" of a fault). */
typedef struct zf_fault_actions {
    bool present;
    zf_command_spec_t inject;   /* required */
    zf_command_spec_t heal;     /* argc 0: nothing to undo */
    char **env;                 /* owned "NAME=value" strings added to the environment */
    size_t nenv;
    zf_time_t timeout;          /* per command; killed (process group) after it */
    bool heal_at_fault_end;     /* "at_end": "heal": heal at start + duration; "none": only
                                   when the replay stops (cleanup) */
} zf_fault_actions_t;

typedef enum zf_stop_type {
    ZF_STOP_ERROR_RATE,         /* failed / ended above a rate for a while */
    ZF_STOP_COMMAND,            /* a check command that must keep succeeding */
} zf_stop_type_t;

typedef struct zf_stop_spec {
    zf_stop_type_t type;
    double error_rate;          /* abort when every second of `for` is above this */
    zf_time_t for_ns;
    zf_command_spec_t cmd;      /* run every `every`; a non-zero exit or timeout aborts */
    char **env;
    size_t nenv;
    zf_time_t every, timeout;
} zf_stop_spec_t;

/* How acknowledged writes are read back ("verify"). */
typedef struct zf_verify_spec {
    bool present;
    char target[64];            /* load balancer whose --target URLs serve the reads */
    char method[12];
    char path[256];             /* with {write_id} */
    char **headers;             /* owned "Name: value" */
    size_t nheaders;
    int found[ZF_VERIFY_STATUS_MAX], missing[ZF_VERIFY_STATUS_MAX];
    size_t nfound, nmissing;
    char applied_field[64];     /* JSON field of a found answer counting applications */
    uint32_t concurrency;       /* reads in flight at once */
    zf_time_t timeout;          /* per read (HTTP), or for the whole command */
    zf_command_spec_t command;  /* instead of HTTP reads */
    char **env;
    size_t nenv;
} zf_verify_spec_t;

typedef struct zf_replay_spec {
    zf_fault_actions_t *actions; /* [nfaults], indexed like the scenario's faults */
    size_t nfaults;
    zf_stop_spec_t *stops;
    size_t nstops;
    zf_verify_spec_t verify;
} zf_replay_spec_t;

struct zf_jr;
struct zf_scenario;

/* Parses the faults' "actions", "stop_conditions" and "verify" of the scenario root
 * (after the infrastructure, whose faults and load balancers it refers to) into a spec
 * owned by s (s->replay). 0, ZF_ENOMEM or ZF_EINVAL naming the JSON path. */
int zf_replay_spec_parse(struct zf_jr *jr, const json_t *root, struct zf_scenario *s);

void zf_replay_spec_free(zf_replay_spec_t *r);

/* Writes a command as one line (argv joined by spaces, strings with spaces quoted) into
 * buf; returns buf. */
char *zf_command_text(const zf_command_spec_t *c, char *buf, size_t len);

#endif
