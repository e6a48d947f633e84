/* junit: junit.xml for CI servers (Jenkins `junit`, GitLab artifacts:reports:junit): one
 * test suite per results directory, one test case per SLO; a missed SLO is a <failure>
 * with measured vs objective. */
#ifndef ZF_JUNIT_H
#define ZF_JUNIT_H

#include <stddef.h>

#include "reports/run.h"
#include "reports/strbuf.h"

/* Appends the JUnit XML document of runs[0..n) to out (check zf_sb_failed). */
void zf_junit_write(zf_sb_t *out, const zf_report_run_t *runs, size_t n);

#endif
