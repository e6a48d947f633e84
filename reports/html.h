/* html: report.html, one self-contained page (no server, no network, no script): the
 * scenario summary, the SLO table with pass/fail, requests and latency, the fault timeline
 * with detection, recovery and RTO, data loss, cost in instance-hours, every chart as an
 * embedded SVG image, model metrics and, with compared runs, the table of differences with
 * their confidence intervals. */
#ifndef ZF_HTML_H
#define ZF_HTML_H

#include <stddef.h>

#include "reports/charts.h"
#include "reports/run.h"
#include "reports/strbuf.h"

/* Appends the page of runs[0] (compared with runs[1..n)) to out (check zf_sb_failed).
 * charts[ZF_CHART_COUNT] (NULL: none) give the SVG drawings; charts without one show their
 * note, or chart_note (e.g. "gnuplot not found") when set. 0 or ZF_ENOMEM. */
int zf_html_write(zf_sb_t *out, const zf_report_run_t *runs, size_t n, const zf_chart_t *charts,
                  const char *chart_note);

#endif
