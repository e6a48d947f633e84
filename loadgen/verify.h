/* verify: reads the writes of a replay back after the run, to tell acknowledged writes that
 * survived from lost ones and indeterminate writes that were stored from those that were
 * not. Over HTTP through the load engine (one read per write id, a capped number in
 * flight, answers judged by status, the application count taken from a JSON field of the
 * body), or through a command that gets the ids on stdin and prints "ID COUNT" lines. */
#ifndef ZF_LG_VERIFY_H
#define ZF_LG_VERIFY_H

#include <stddef.h>
#include <stdint.h>

#include "engine/err.h"
#include "loadgen/ledger.h"
#include "loadgen/loadgen.h"
#include "scenario/replay_spec.h"

#define ZF_VERIFY_PASSES 3 /* reads that got no answer are tried again, this many in all */

typedef struct zf_verify zf_verify_t;

typedef struct zf_verify_stats {
    uint64_t reads;             /* requests sent, every pass */
    uint64_t found, missing, errors; /* final answers per write */
    uint64_t no_count;          /* found, but the answer held no application count */
    unsigned passes;
    uint64_t by_cause[ZF_CAUSE_COUNT]; /* how reads ended */
} zf_verify_stats_t;

/* Prepares HTTP reads of every write of the folded ledger l that zf_write_to_check
 * selects, through the URLs of the verify target. base supplies the engine's TLS, DNS and
 * thread settings. *out is the caller's (zf_verify_free). 0, ZF_EINVAL (a bad URL) or
 * ZF_ENOMEM. */
int zf_verify_http_new(zf_verify_t **out, zf_ledger_t *l, const zf_verify_spec_t *spec,
                       const char *const *urls, size_t nurls, const zf_lg_config_t *base,
                       zf_err_t *err);

/* Runs the reads (blocking; any thread), filling each write's check and applied. Reads
 * that end without a usable answer are tried again, ZF_VERIFY_PASSES in all. 0, or the
 * engine's ZF_EIO / ZF_ENOMEM. */
int zf_verify_http_run(zf_verify_t *v, zf_verify_stats_t *st, zf_err_t *err);

/* Ends a running verification early (any thread, signal-safe). */
void zf_verify_stop(zf_verify_t *v);
void zf_verify_free(zf_verify_t *v);

/* The command form: writes the ids to check (decimal, one a line) to path; *n = count.
 * 0 or ZF_EIO. */
int zf_verify_ids_write(const zf_ledger_t *l, const char *path, size_t *n, zf_err_t *err);

/* Reads the command's output "WRITE_ID COUNT" lines (COUNT 0: not stored) into the
 * ledger; writes it did not mention stay unverified. Blank lines and lines starting with
 * '#' are skipped. 0, or ZF_EINVAL naming the file and line of the first bad line
 * (the lines before it count), or ZF_EIO. */
int zf_verify_command_read(zf_ledger_t *l, const char *out_path, zf_verify_stats_t *st,
                           zf_err_t *err);

#endif
