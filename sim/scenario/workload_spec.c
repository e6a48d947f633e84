/* workload_spec: placeholder until the workload section parser lands. */
#include "scenario/workload_spec.h"
#include "scenario/jread.h"

#include <stdlib.h>

int zf_kinds_parse(struct zf_jr *jr, const json_t *root, zf_kind_spec_t **kinds, size_t *nkinds)
{
    *kinds = NULL;
    *nkinds = 0;
    if (json_object_get(root, "kinds"))
        return zf_jr_fail(jr, "$.kinds", "not supported yet");
    return 0;
}

int zf_workload_spec_parse(struct zf_jr *jr, const json_t *root, const zf_kind_spec_t *kinds,
                           size_t nkinds, zf_workload_spec_t *w)
{
    (void)kinds;
    (void)nkinds;
    (void)w;
    if (json_object_get(root, "workload"))
        return zf_jr_fail(jr, "$.workload", "not supported yet");
    return 0;
}

void zf_kind_spec_free(zf_kind_spec_t *k)
{
    zf_dist_free(&k->service);
    free(k->http.body);
    for (size_t i = 0; i < k->http.nheaders; i++)
        free(k->http.headers[i]);
    free(k->http.headers);
}

void zf_workload_spec_free(zf_workload_spec_t *w)
{
    zf_dist_free(&w->fleet.trip_duration);
    free(w->agencies.batches);
    free(w->web.mix);
    free(w->sources);
    free(w->bursts);
}

double zf_profile_at(const zf_profile_t *p, zf_time_t start_tod, zf_time_t t)
{
    (void)p;
    (void)start_tod;
    (void)t;
    return 1.0;
}

void zf_profile_finish(zf_profile_t *p)
{
    p->max = p->mean = 1.0;
}
