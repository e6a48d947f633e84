/* fleet: the devices' state machine. A device creates messages (reports, trip events,
 * burst messages) numbered by consecutive seqs; it sends one at a time, the oldest first,
 * and sends the next only when the previous one succeeded; a failed message goes back to
 * the front of its buffer and is resent after a backoff. The buffer holds the waiting
 * messages [seq_head, seq_next); the one in flight has left it. */
#include "workload/fleet.h"
#include "workload/perm.h"

#include <assert.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

enum {
    F_INFLIGHT = 0x01,  /* a request is out, awaiting zf_workload_result */
    F_RETRY = 0x02,     /* a ZF_WLE_RETRY event is pending */
    F_EXHAUSTED = 0x04, /* max_attempts failures in a row: wait for a new message */
    F_DRIVING = 0x08,
    F_BREATH = 0x10,    /* the current trip's breath test is done */
    F_OFFLINE = 0x20,   /* no network (also while waiting to reconnect) */
    F_RECONNECT = 0x40, /* network back: a ZF_WLE_RECONNECT event of generation gen pending */
};

#define MAX_TRIP_TRIES 8     /* devices drawn for a trip start before giving it up */
#define MAX_GPS_PINGS 65535  /* a trip ends after this many pings (gps_k is 16 bits) */

/* One device: 24 bytes. */
typedef struct zf_fleet_dev {
    uint32_t seq_next;  /* seq of the next message created */
    uint32_t seq_head;  /* oldest waiting message; waiting = seq_next - seq_head */
    zf_backlog_t bl;    /* types of the waiting messages */
    uint16_t gps_k;     /* pings sent in the current trip */
    uint8_t attempt;    /* sends so far of the oldest waiting message (saturates) */
    uint8_t round;      /* failed sends in a row (backoff exponent), reset on success */
    uint8_t flags;
    uint8_t gen;        /* reconnect generation */
    uint16_t unused;
} fdev_t;

_Static_assert(sizeof(fdev_t) == 24, "device state grew");

static uint32_t waiting(const fdev_t *v)
{
    return v->seq_next - v->seq_head;
}

static bool can_send(const fdev_t *v)
{
    return !(v->flags & (F_INFLIGHT | F_RETRY | F_EXHAUSTED | F_OFFLINE)) && waiting(v) > 0;
}

/* ---- setup ---- */

/* Type of `kind` (ZF_FLEET_NO_TYPE for ZF_KIND_NONE), adding it to the table. */
static int add_type(zf_fleet_t *fl, uint32_t kind, uint8_t *out, zf_err_t *err)
{
    *out = ZF_FLEET_NO_TYPE;
    if (kind == ZF_KIND_NONE)
        return 0;
    if (fl->kind_type[kind] == ZF_FLEET_NO_TYPE) {
        if (fl->ntypes >= ZF_FLEET_TYPES)
            return zf_err_set(err, ZF_EINVAL, "the fleet sends more than %d kinds",
                              ZF_FLEET_TYPES);
        fl->type_kind[fl->ntypes] = kind;
        fl->kind_type[kind] = (uint8_t)fl->ntypes++;
    }
    *out = fl->kind_type[kind];
    return 0;
}

static int init_types(zf_fleet_t *fl, zf_err_t *err)
{
    const zf_workload_spec_t *w = fl->c->spec;
    uint8_t t;
    int rc;
    fl->kind_type = malloc(fl->c->sc->nkinds + 1);
    if (!fl->kind_type)
        return zf_err_set(err, ZF_ENOMEM, "out of memory");
    memset(fl->kind_type, ZF_FLEET_NO_TYPE, fl->c->sc->nkinds + 1);
    if ((rc = add_type(fl, fl->f->report_kind, &fl->t_report, err)) ||
        (rc = add_type(fl, fl->f->gps_kind, &fl->t_gps, err)) ||
        (rc = add_type(fl, fl->f->ignition_kind, &fl->t_ignition, err)) ||
        (rc = add_type(fl, fl->f->breath_kind, &fl->t_breath, err)))
        return rc;
    for (size_t i = 0; i < w->nbursts; i++)
        if (w->bursts[i].fleet_fraction > 0 && (rc = add_type(fl, w->bursts[i].kind, &t, err)))
            return rc;
    return 0;
}

#define HUGE_PAGE_BYTES ((size_t)2 << 20)

/* Zeroed device array, owned (free()). GPS pings touch driving devices at random: at a
 * million devices the 24 MB array on 2 MiB pages needs 12 TLB entries instead of 6,000,
 * which saves a page walk (nested on a VM) on most accesses. Transparent huge pages are
 * asked for with madvise when the array spans several; plain calloc otherwise. */
static void *dev_alloc(size_t n)
{
    size_t bytes = n * sizeof(fdev_t);
#ifdef MADV_HUGEPAGE
    if (bytes >= 4 * HUGE_PAGE_BYTES) {
        void *p = NULL;
        bytes = (bytes + HUGE_PAGE_BYTES - 1) & ~(HUGE_PAGE_BYTES - 1);
        if (posix_memalign(&p, HUGE_PAGE_BYTES, bytes) != 0)
            return NULL;
        (void)madvise(p, bytes, MADV_HUGEPAGE); /* a hint: without it, 4 KiB pages */
        return memset(p, 0, bytes);
    }
#endif
    return calloc(n, sizeof(fdev_t));
}

int zf_fleet_init(zf_fleet_t *fl, const zf_wl_ctx_t *c, zf_err_t *err)
{
    memset(fl, 0, sizeof *fl);
    fl->c = c;
    fl->f = &c->spec->fleet;
    fl->n = fl->f->count;
    zf_backlog_pool_init(&fl->pool);
    if (fl->n == 0)
        return 0;
    if (!(fl->dev = dev_alloc(fl->n)) ||
        zf_rng_init(&fl->r_reports, c->seed, "workload/fleet/reports") ||
        zf_rng_init(&fl->r_trips, c->seed, "workload/fleet/trips") ||
        zf_rng_init(&fl->r_retry, c->seed, "workload/fleet/retry") ||
        zf_rng_init(&fl->r_reconnect, c->seed, "workload/fleet/reconnect"))
        return zf_err_set(err, ZF_ENOMEM, "out of memory for %u devices", fl->n);
    /* trips per device per day, shaped by the trip profile normalised to mean 1 */
    fl->trips = (zf_rate_t){(double)fl->n * fl->f->trips_per_day / 86400.0,
                            &fl->f->trip_profile, fl->f->trip_profile.mean, 0, 0,
                            ZF_BURST_DEVICES, -1};
    int rc = init_types(fl, err);
    /* a report is due at most interval + jitter after the one that schedules it */
    if (rc == 0 && fl->t_report != ZF_FLEET_NO_TYPE &&
        zf_cal_init(&fl->cal, fl->f->report_interval + fl->f->report_jitter, fl->n))
        rc = zf_err_set(err, ZF_ENOMEM, "out of memory for %u devices", fl->n);
    return rc;
}

void zf_fleet_free(zf_fleet_t *fl)
{
    free(fl->dev);
    free(fl->pings);
    free(fl->kind_type);
    zf_backlog_pool_free(&fl->pool);
    zf_cal_free(&fl->cal);
    zf_rng_free(&fl->r_reports);
    zf_rng_free(&fl->r_trips);
    zf_rng_free(&fl->r_retry);
    zf_rng_free(&fl->r_reconnect);
    memset(fl, 0, sizeof *fl);
}

size_t zf_fleet_bytes(const zf_fleet_t *fl)
{
    return (size_t)fl->n * sizeof(fdev_t) + zf_backlog_pool_bytes(&fl->pool) +
           zf_cal_bytes(&fl->cal);
}

static zf_time_t uniform_ns(zf_rng_t *r, zf_time_t span)
{
    return span > 0 ? (zf_time_t)(zf_rng_uniform(r) * (double)span) : 0;
}

/* ---- the report calendar ---- */

/* Schedules device d's report at t (base: its instant before jitter). Reports are about a
 * million long-lived timers at fleet scale: they wait in the calendar, which releases
 * them into the queue a bucket (about 2 s) at a time (ZF_WLE_REPORTS_DUE), so that the
 * queue holds tens of thousands of events rather than a million. A report the calendar
 * cannot hold (due before its next bucket, or beyond its span) goes straight into the
 * queue. Either way it fires at t; only its order among events at the same nanosecond
 * depends on the route. 0 or ZF_ENOMEM. */
static int report_at(zf_fleet_t *fl, zf_time_t t, uint32_t d, zf_time_t base)
{
    zf_calendar_t *cal = &fl->cal;
    int rc;
    if (t >= fl->c->end)
        return 0;
    if (!fl->cal_armed)
        zf_cal_skip_to(cal, zf_queue_now(fl->c->q)); /* idle until now: catch up */
    if (!zf_cal_holds(cal, t))
        return zf_wl_push(fl->c, t, ZF_WLE_REPORT, d, (uint64_t)base);
    if ((rc = zf_cal_add(cal, t, d, (uint64_t)base)) || fl->cal_armed)
        return rc;
    fl->cal_armed = true;
    return zf_wl_push(fl->c, zf_cal_next(cal), ZF_WLE_REPORTS_DUE, 0, 0);
}

/* The calendar's next bucket is due: its reports go into the queue. */
static int on_reports_due(zf_fleet_t *fl)
{
    int rc = zf_cal_release(&fl->cal, fl->c->q, fl->c->kind_base + ZF_WLE_REPORT);
    if (rc)
        return rc;
    if (zf_cal_size(&fl->cal) == 0) {
        fl->cal_armed = false; /* until the next report is scheduled */
        return 0;
    }
    return zf_wl_push(fl->c, zf_cal_next(&fl->cal), ZF_WLE_REPORTS_DUE, 0, 0);
}

int zf_fleet_start(zf_fleet_t *fl)
{
    const zf_workload_spec_t *w = fl->c->spec;
    int rc;
    if (fl->n == 0)
        return 0;
    for (uint32_t d = 0; d < fl->n && fl->t_report != ZF_FLEET_NO_TYPE; d++) {
        /* a random phase per device, stratified: device d's is uniform in the d-th of n
         * equal slices of the interval, so that reports sweep the device array in order
         * (cache-friendly at a million devices) while each report's own jitter keeps the
         * per-second counts as variable as independent phases would */
        double slice = (double)fl->f->report_interval / fl->n;
        zf_time_t phase = (zf_time_t)(((double)d + zf_rng_uniform(&fl->r_reports)) * slice);
        zf_time_t t = phase + uniform_ns(&fl->r_reports, fl->f->report_jitter);
        if ((rc = report_at(fl, t, d, phase)))
            return rc;
    }
    zf_time_t t = zf_rate_next(&fl->trips, w, &fl->r_trips, 0, fl->c->end);
    if (t != ZF_TIME_MAX && (rc = zf_wl_push(fl->c, t, ZF_WLE_TRIP_START, 0, 0)))
        return rc;
    for (size_t i = 0; i < w->nbursts; i++)
        if (w->bursts[i].fleet_fraction > 0 &&
            (rc = zf_wl_push(fl->c, w->bursts[i].start, ZF_WLE_FLEET_BURST, (uint32_t)i, 0)))
            return rc;
    return 0;
}

/* ---- sending ---- */

/* Sends the oldest waiting message of device d at now into *req. Returns 1. */
static int send_head(zf_fleet_t *fl, uint32_t d, zf_time_t now, zf_request_t *req)
{
    fdev_t *v = &fl->dev[d];
    uint8_t type = zf_backlog_front(&fl->pool, &v->bl, v->seq_head);
    uint32_t kind = fl->type_kind[type];
    zf_backlog_pop_front(&fl->pool, &v->bl, v->seq_head, waiting(v) - 1);
    *req = (zf_request_t){now, zf_wl_write_id(fl->c, kind, ZF_SRC_DEVICE, d, v->seq_head), kind,
                          d, v->seq_head, ZF_SRC_DEVICE, v->attempt, ZF_REQ_BUFFERED};
    v->seq_head++;
    v->attempt = 0;
    v->flags |= F_INFLIGHT;
    fl->c->st->buffered_now--;
    return 1;
}

static void drop_oldest(zf_fleet_t *fl, fdev_t *v)
{
    zf_backlog_pop_front(&fl->pool, &v->bl, v->seq_head, waiting(v) - 1);
    v->seq_head++;
    v->attempt = 0;
    fl->c->st->dropped++;
    fl->c->st->buffered_now--;
}

/* Device d creates a message of `type` at now: sent at once when the device is idle and
 * online, else buffered (dropping the oldest when full). 1 with *req, 0, or ZF_ENOMEM. */
static int dev_message(zf_fleet_t *fl, uint32_t d, uint8_t type, zf_time_t now,
                       zf_request_t *req)
{
    fdev_t *v = &fl->dev[d];
    if (type == ZF_FLEET_NO_TYPE)
        return 0;
    fl->c->st->created++;
    if (!(v->flags & (F_INFLIGHT | F_RETRY | F_OFFLINE)) && waiting(v) == 0) {
        uint32_t kind = fl->type_kind[type], seq = v->seq_next++;
        v->seq_head = v->seq_next;
        *req = (zf_request_t){now, zf_wl_write_id(fl->c, kind, ZF_SRC_DEVICE, d, seq), kind, d,
                              seq, ZF_SRC_DEVICE, 0, 0};
        v->flags |= F_INFLIGHT;
        return 1;
    }
    if (waiting(v) >= fl->f->buffer_limit)
        drop_oldest(fl, v);
    int rc = zf_backlog_push_back(&fl->pool, &v->bl, v->seq_next, type);
    if (rc)
        return rc;
    v->seq_next++;
    fl->c->st->buffered_now++;
    if (v->flags & F_EXHAUSTED) { /* a new message: try the buffer again */
        v->flags &= (uint8_t)~F_EXHAUSTED;
        if (can_send(v))
            return send_head(fl, d, now, req);
    }
    return 0;
}

zf_time_t zf_fleet_backoff(const zf_retry_spec_t *r, unsigned k, zf_rng_t *rng)
{
    zf_time_t ceiling = r->cap;
    if (k >= 1 && k - 1 < 62 && r->base <= (r->cap >> (k - 1)))
        ceiling = r->base << (k - 1);
    return r->full_jitter ? uniform_ns(rng, ceiling) : ceiling;
}

int zf_fleet_result(zf_fleet_t *fl, const zf_request_t *req, bool ok, zf_time_t now)
{
    fdev_t *v = &fl->dev[req->entity];
    assert(req->entity < fl->n && (v->flags & F_INFLIGHT));
    v->flags &= (uint8_t)~F_INFLIGHT;
    if (now < zf_queue_now(fl->c->q))
        now = zf_queue_now(fl->c->q);
    if (ok) {
        v->round = 0;
        return can_send(v) ? zf_wl_push(fl->c, now, ZF_WLE_SEND, req->entity, 0) : 0;
    }
    if (waiting(v) >= fl->f->buffer_limit) { /* the failed message is the oldest: dropped */
        fl->c->st->dropped++;
    } else {
        assert(req->seq == v->seq_head - 1);
        int rc = zf_backlog_push_front(&fl->pool, &v->bl, req->seq, fl->kind_type[req->kind]);
        if (rc)
            return rc;
        v->seq_head--;
        v->attempt = req->attempt == UINT8_MAX ? UINT8_MAX : (uint8_t)(req->attempt + 1);
        fl->c->st->buffered_now++;
    }
    if (++v->round >= fl->f->retry.max_attempts) {
        v->flags |= F_EXHAUSTED;
        v->round = 0;
        return 0;
    }
    v->flags |= F_RETRY;
    return zf_wl_push(fl->c, now + zf_fleet_backoff(&fl->f->retry, v->round, &fl->r_retry),
                      ZF_WLE_RETRY, req->entity, 0);
}

/* ---- network outages ---- */

int zf_fleet_set_offline(zf_fleet_t *fl, double fraction, uint64_t salt, zf_time_t now)
{
    zf_perm_t p;
    uint32_t k = zf_perm_count(fl->n, fraction);
    int rc;
    if (fl->n == 0)
        return 0;
    zf_perm_init(&p, salt, fl->n);
    for (uint32_t d = 0; d < fl->n; d++) {
        fdev_t *v = &fl->dev[d];
        bool off = k > 0 && zf_perm_apply(&p, d) < k;
        if (off && !(v->flags & F_OFFLINE)) {
            v->flags |= F_OFFLINE;
            fl->c->st->offline_now++;
        } else if (off) {
            v->flags &= (uint8_t)~F_RECONNECT; /* a pending reconnect no longer counts */
        } else if ((v->flags & F_OFFLINE) && !(v->flags & F_RECONNECT)) {
            v->flags |= F_RECONNECT;
            v->gen++;
            zf_time_t t = now + uniform_ns(&fl->r_reconnect, fl->f->reconnect_jitter);
            if ((rc = zf_wl_push(fl->c, t, ZF_WLE_RECONNECT, d, v->gen)))
                return rc;
        }
    }
    return 0;
}

static int on_reconnect(zf_fleet_t *fl, uint32_t d, uint64_t gen, zf_time_t now,
                        zf_request_t *req)
{
    fdev_t *v = &fl->dev[d];
    if (!(v->flags & F_RECONNECT) || v->gen != (uint8_t)gen)
        return 0; /* superseded by a later outage */
    v->flags &= (uint8_t)~(F_OFFLINE | F_RECONNECT);
    fl->c->st->offline_now--;
    return can_send(v) ? send_head(fl, d, now, req) : 0;
}

/* ---- reports and trips ---- */

static int on_report(zf_fleet_t *fl, uint32_t d, zf_time_t base, zf_time_t now,
                     zf_request_t *req)
{
    zf_time_t change, next = ZF_TIME_MAX;
    /* the devices of the reports due next (a few hundred events on), out of cache at a
     * million devices: fetched now */
    zf_cal_prefetch_next(&fl->cal, now, (const char *)fl->dev, sizeof(fdev_t), sizeof(fdev_t));
    double m = zf_rate_bursts(fl->c->spec, ZF_BURST_DEVICES, -1, base, &change);
    if (m > 0) { /* a device burst shortens the reporting interval by its multiplier */
        zf_time_t step = (zf_time_t)((double)fl->f->report_interval / m);
        next = base + (step > 0 ? step : 1); /* time always moves on */
    } else if (change != ZF_TIME_MAX) {
        next = change; /* multiplier 0: silent until the burst ends */
    }
    if (next != ZF_TIME_MAX) {
        zf_time_t t = next + uniform_ns(&fl->r_reports, fl->f->report_jitter);
        int rc = report_at(fl, t < now ? now : t, d, next);
        if (rc)
            return rc;
    }
    return dev_message(fl, d, fl->t_report, now, req);
}

/* Schedules the next step of device d's trip that started at t0 and ends at end. */
static int trip_next(zf_fleet_t *fl, uint32_t d, zf_time_t t0, zf_time_t end)
{
    const fdev_t *v = &fl->dev[d];
    zf_time_t gps = t0 + (zf_time_t)(v->gps_k + 1) * fl->f->gps_interval;
    zf_time_t breath = fl->t_breath != ZF_FLEET_NO_TYPE && !(v->flags & F_BREATH)
                           ? t0 + fl->f->breath_delay
                           : ZF_TIME_MAX;
    if (breath <= gps && breath < end)
        return zf_wl_push(fl->c, breath, ZF_WLE_BREATH, d, (uint64_t)end);
    if (gps < end && v->gps_k < MAX_GPS_PINGS)
        return zf_wl_push(fl->c, gps, ZF_WLE_GPS, d, (uint64_t)end);
    return zf_wl_push(fl->c, end, ZF_WLE_TRIP_END, d, 0);
}

/* An accepted trip start at now: schedules the next one, picks an idle device and starts
 * its trip with ignition on. */
static int on_trip_start(zf_fleet_t *fl, zf_time_t now, zf_request_t *req)
{
    zf_time_t next = zf_rate_next(&fl->trips, fl->c->spec, &fl->r_trips, now, fl->c->end);
    int rc;
    if (next != ZF_TIME_MAX && (rc = zf_wl_push(fl->c, next, ZF_WLE_TRIP_START, 0, 0)))
        return rc;
    uint32_t d = 0;
    bool found = false;
    for (int i = 0; i < MAX_TRIP_TRIES && !found; i++) {
        d = (uint32_t)zf_rng_below(&fl->r_trips, fl->n);
        found = !(fl->dev[d].flags & F_DRIVING);
    }
    if (!found)
        return 0; /* nearly the whole fleet is driving: this start is lost */
    fdev_t *v = &fl->dev[d];
    zf_time_t end = now + zf_dist_sample_ns(&fl->f->trip_duration, &fl->r_trips);
    v->flags = (uint8_t)((v->flags | F_DRIVING) & ~F_BREATH);
    v->gps_k = 0;
    if ((rc = trip_next(fl, d, now, end)))
        return rc;
    return dev_message(fl, d, fl->t_ignition, now, req);
}

/* ---- prefetching the devices of the next GPS pings ---- */

/* A GPS ping of a device recurs exactly gps_interval later while its trip lasts, so the
 * pings of the last interval, oldest first, name the devices of the pings due next. Their
 * state is prefetched a few microseconds of work before it is needed: at a million
 * devices a ping otherwise waits for a DRAM miss (about 150 ns here), and pings are more
 * than half of all requests. A hint only: a trip that ended costs a useless prefetch, and
 * the ring drops its oldest entry rather than fail when it cannot grow. */
typedef struct zf_fleet_ping {
    uint32_t t_units; /* (time >> PING_SHIFT) mod 2^32: compared by wrapping difference */
    uint32_t d;
} ping_t;

#define PING_SHIFT 16 /* 65.5 us units: 3 days before wrapping, plenty for one interval */
#define PING_AHEAD 2  /* devices prefetched per ping: the next two due */
#define PING_RING_AHEAD 16 /* ring entries prefetched ahead of its head (two lines) */

/* Doubles the ring; false when it cannot. */
static bool ping_grow(zf_fleet_t *fl)
{
    uint32_t cap = fl->pings_cap ? fl->pings_cap * 2 : 1024;
    ping_t *v = cap > fl->pings_cap ? malloc(cap * sizeof *v) : NULL;
    if (!v)
        return false;
    for (uint32_t i = 0; i < fl->pings_len; i++)
        v[i] = fl->pings[(fl->pings_head + i) & (fl->pings_cap - 1)];
    free(fl->pings);
    fl->pings = v;
    fl->pings_cap = cap;
    fl->pings_head = 0;
    return true;
}

/* Device d pings at now: records it, forgets pings that have recurred (or ended) by now,
 * and prefetches the devices of the next ones. */
static void ping_note(zf_fleet_t *fl, uint32_t d, zf_time_t now)
{
    uint32_t recurred = (uint32_t)((uint64_t)(now - fl->f->gps_interval) >> PING_SHIFT);
    uint32_t mask = fl->pings_cap - 1;
    while (fl->pings_len && (int32_t)(fl->pings[fl->pings_head].t_units - recurred) <= 0) {
        fl->pings_head = (fl->pings_head + 1) & mask;
        fl->pings_len--;
    }
    if (fl->pings_len == fl->pings_cap && !ping_grow(fl)) {
        if (fl->pings_cap == 0)
            return;
        fl->pings_head = (fl->pings_head + 1) & mask; /* full: the oldest hint goes */
        fl->pings_len--;
    }
    mask = fl->pings_cap - 1;
    fl->pings[(fl->pings_head + fl->pings_len++) & mask] =
        (ping_t){(uint32_t)((uint64_t)now >> PING_SHIFT), d};
    __builtin_prefetch(&fl->pings[(fl->pings_head + PING_RING_AHEAD) & mask]);
    for (uint32_t k = 0; k < PING_AHEAD && k + 1 < fl->pings_len; k++) {
        const char *next = (const char *)&fl->dev[fl->pings[(fl->pings_head + k) & mask].d];
        __builtin_prefetch(next, 1);
        __builtin_prefetch(next + sizeof(fdev_t) - 1, 1); /* a device may span two lines */
    }
}

static int on_trip_step(zf_fleet_t *fl, unsigned ev, uint32_t d, zf_time_t end, zf_time_t now,
                        zf_request_t *req)
{
    fdev_t *v = &fl->dev[d];
    zf_time_t t0;
    uint8_t type;
    int rc;
    if (ev == ZF_WLE_BREATH) {
        v->flags |= F_BREATH;
        t0 = now - fl->f->breath_delay;
        type = fl->t_breath;
    } else {
        ping_note(fl, d, now);
        v->gps_k++;
        t0 = now - (zf_time_t)v->gps_k * fl->f->gps_interval;
        type = fl->t_gps;
    }
    if ((rc = trip_next(fl, d, t0, end)))
        return rc;
    return dev_message(fl, d, type, now, req);
}

/* ---- fleet bursts ---- */

/* A fleet_fraction burst begins: round(fraction n) devices chosen by a keyed permutation
 * each get one message at a uniform instant of the window. */
static int on_fleet_burst(zf_fleet_t *fl, uint32_t b)
{
    const zf_burst_spec_t *bs = &fl->c->spec->bursts[b];
    char purpose[96];
    zf_rng_t r;
    zf_perm_t p;
    int rc = 0;
    snprintf(purpose, sizeof purpose, "workload/burst/%s", bs->name);
    if (zf_rng_init(&r, fl->c->seed, purpose))
        return ZF_ENOMEM;
    zf_perm_init(&p, zf_rng_derive_seed(fl->c->seed, purpose), fl->n);
    uint32_t k = zf_perm_count(fl->n, bs->fleet_fraction);
    for (uint32_t d = 0; d < fl->n && rc == 0; d++)
        if (zf_perm_apply(&p, d) < k)
            rc = zf_wl_push(fl->c, bs->start + uniform_ns(&r, bs->duration), ZF_WLE_BURST_MSG, d,
                            fl->kind_type[bs->kind]);
    zf_rng_free(&r);
    return rc;
}

int zf_fleet_event(zf_fleet_t *fl, unsigned ev, const zf_event_t *e, zf_request_t *req)
{
    fdev_t *v = ev == ZF_WLE_TRIP_START || ev == ZF_WLE_FLEET_BURST || ev == ZF_WLE_REPORTS_DUE
                    ? NULL
                    : &fl->dev[e->obj];
    switch (ev) {
    case ZF_WLE_REPORT: return on_report(fl, e->obj, (zf_time_t)e->arg, e->time, req);
    case ZF_WLE_TRIP_START: return on_trip_start(fl, e->time, req);
    case ZF_WLE_BREATH:
    case ZF_WLE_GPS: return on_trip_step(fl, ev, e->obj, (zf_time_t)e->arg, e->time, req);
    case ZF_WLE_TRIP_END:
        v->flags &= (uint8_t)~F_DRIVING;
        return dev_message(fl, e->obj, fl->t_ignition, e->time, req);
    case ZF_WLE_RETRY:
        v->flags &= (uint8_t)~F_RETRY;
        return can_send(v) ? send_head(fl, e->obj, e->time, req) : 0;
    case ZF_WLE_SEND: return can_send(v) ? send_head(fl, e->obj, e->time, req) : 0;
    case ZF_WLE_RECONNECT: return on_reconnect(fl, e->obj, e->arg, e->time, req);
    case ZF_WLE_FLEET_BURST: return on_fleet_burst(fl, e->obj);
    case ZF_WLE_BURST_MSG: return dev_message(fl, e->obj, (uint8_t)e->arg, e->time, req);
    case ZF_WLE_REPORTS_DUE: return on_reports_due(fl);
    default: assert(!"not a fleet event"); return 0;
    }
}
