/* markdown: summary.md, a short verdict fit for a CI job summary (GitHub Actions
 * $GITHUB_STEP_SUMMARY, a GitLab or Jenkins artifact): the SLO table, faults, data loss,
 * cost and, with compared runs, their headline figures and differences. */
#ifndef ZF_MARKDOWN_H
#define ZF_MARKDOWN_H

#include <stddef.h>

#include "reports/run.h"
#include "reports/strbuf.h"

/* Appends the summary of runs[0] (compared with runs[1..n)) to out (check zf_sb_failed).
 * 0 or ZF_ENOMEM. */
int zf_md_write(zf_sb_t *out, const zf_report_run_t *runs, size_t n);

/* Appends the SLO table of one results document (header and one row per SLO). */
void zf_md_slo_table(zf_sb_t *out, const json_t *res);

#endif
