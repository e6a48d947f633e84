/* db: the database: a primary and an optional synchronous (or asynchronous) standby in
 * another zone, a connection limit, per-operation latencies, failover in phases
 * (detection, promotion, DNS switch), re-sync of the old primary as standby, and the
 * accounting of acknowledged writes that a failover or a restore loses. docs/model.md. */
#include "model/core.h"

#include <stdlib.h>
#include <string.h>

static zf_time_t op_time(zf_model_t *m, uint32_t kind, uint32_t inst, zf_time_t now)
{
    const zf_db_spec_t *s = &m->dep->db;
    const zf_kind_spec_t *k = &m->sc->kinds[kind];
    zf_mdb_t *d = &m->db;
    zf_time_t t = 0;
    for (uint32_t i = 0; i < k->db_reads; i++)
        t += zf_dist_sample_ns(&s->read, &d->rng);
    for (uint32_t i = 0; i < k->db_writes; i++) {
        t += zf_dist_sample_ns(&s->commit, &d->rng);
        if (s->replication == ZF_REPL_SYNC && d->standby_zone >= 0 && d->standby_in_sync)
            t += zf_dist_sample_ns(&s->replication_rtt, &d->rng);
    }
    if (k->db_writes && d->block_until > now)
        t += d->block_until - now; /* commits wait for the lost synchronous standby */
    if (inst != ZF_NONE && d->primary_zone >= 0) {
        /* packet loss on the way to the primary: the query and its result retransmitted
         * on the instance's open connection */
        double p = zf_tcp_path_loss(m, m->insts[inst].zone, (uint32_t)d->primary_zone);
        if (p > 0)
            t += zf_tcp_segment(&m->rng_tcp, p) + zf_tcp_segment(&m->rng_tcp, p);
    }
    return t;
}

static int start_op(zf_model_t *m, uint32_t req, zf_time_t now)
{
    zf_mreq_t *q = &m->reqs[req];
    q->phase = REQ_DB;
    return zf_queue_push(&m->q, now + op_time(m, q->r.kind, q->inst, now), EV_DB_DONE, 0,
                         zf_ref(m, req));
}

int zf_db_begin(zf_model_t *m, uint64_t ref, uint32_t kind, zf_time_t now)
{
    (void)kind;
    zf_mdb_t *d = &m->db;
    if (!m->dep->db.present)
        return 0 * start_op(m, (uint32_t)ref, now); /* no database: the operation is free */
    if (d->state != DB_AVAILABLE)
        return -1;
    uint32_t req = (uint32_t)ref, inst = m->reqs[req].inst;
    if (inst != ZF_NONE && (now < m->insts[inst].db_back ||
                            (d->primary_zone >= 0 &&
                             zf_zones_cut(m, m->insts[inst].zone, (uint32_t)d->primary_zone))))
        return -1; /* its connections are not back yet, or a partition is in the way */
    int r = zf_station_arrive(&d->conns, now, req);
    if (r == ZF_STATION_STARTED)
        return start_op(m, req, now);
    if (r == ZF_STATION_QUEUED) {
        m->reqs[req].phase = REQ_WAIT_DB;
        return 0;
    }
    return r < 0 ? r : -1; /* connection limit: "too many connections" */
}

int zf_db_end(zf_model_t *m, zf_time_t now)
{
    uint32_t next;
    if (!m->dep->db.present)
        return 0;
    if (zf_station_complete(&m->db.conns, now, &next))
        return start_op(m, next, now);
    return 0;
}

/* ---------- acknowledged writes and their loss ---------- */

/* The ring of acknowledgement times is in time order (acks come at the simulation's now)
 * and its capacity is a power of two (indices wrap with a mask). A loss never reaches
 * further back than `keep` before the latest acknowledgement, so older times can go, but
 * lazily: the ring's old end is trimmed every ACK_TRIM_EVERY acknowledgements, when it is
 * full and before a loss is counted, not on every write (its old end is a cache miss).
 * Trimmed up to the latest acknowledgement before every count, the ring holds exactly the
 * times it would hold if trimmed on every write. */
#define ACK_TRIM_EVERY 64

static zf_time_t ack_keep(const zf_db_spec_t *s)
{
    return s->log_ship_interval > 10 * ZF_MIN ? s->log_ship_interval : 10 * ZF_MIN;
}

/* Forgets the acknowledgements before `cutoff`. */
static void ack_trim(zf_mdb_t *d, zf_time_t cutoff)
{
    uint32_t mask = d->ack_cap - 1, head = d->ack_head, len = d->ack_len;
    while (len && d->ack_t[head] < cutoff) {
        head = (head + 1) & mask;
        len--;
    }
    d->ack_head = head;
    d->ack_len = len;
}

/* Time of the latest acknowledgement held (the ring is not empty). */
static zf_time_t ack_latest(const zf_mdb_t *d)
{
    return d->ack_t[(d->ack_head + d->ack_len - 1) & (d->ack_cap - 1)];
}

/* Makes room in a full ring: trims it as of now, doubles it if that freed less than a
 * sixteenth (so that a ring about the size of the window is not trimmed on every write).
 * False when it is still full (out of memory). */
static bool ack_room(zf_mdb_t *d, zf_time_t cutoff)
{
    ack_trim(d, cutoff);
    if (d->ack_cap && d->ack_len <= d->ack_cap - d->ack_cap / 16)
        return true;
    uint32_t cap = d->ack_cap ? d->ack_cap * 2 : 4096, mask = d->ack_cap - 1;
    zf_time_t *v = malloc(cap * sizeof *v);
    if (!v)
        return d->ack_len < d->ack_cap;
    for (uint32_t i = 0; i < d->ack_len; i++)
        v[i] = d->ack_t[(d->ack_head + i) & mask];
    free(d->ack_t);
    d->ack_t = v;
    d->ack_cap = cap;
    d->ack_head = 0;
    return true;
}

void zf_db_ack(zf_model_t *m, zf_time_t now)
{
    zf_mdb_t *d = &m->db;
    zf_time_t keep = ack_keep(&m->dep->db);
    m->acked_writes++;
    if (d->ack_len == d->ack_cap && !ack_room(d, now - keep))
        return; /* loss accounting degrades to what fits; the run goes on */
    d->ack_t[(d->ack_head + d->ack_len) & (d->ack_cap - 1)] = now;
    d->ack_len++;
    if (m->acked_writes % ACK_TRIM_EVERY == 0)
        ack_trim(d, now - keep);
}

/* The database goes back to its state at `since`: the writes acknowledged after it are
 * lost, and the RPO (the span of time whose writes are lost, whether or not any were
 * written in it) is at least now - since. */
static void lose_since(zf_model_t *m, zf_time_t since, zf_time_t now)
{
    zf_mdb_t *d = &m->db;
    uint64_t n = 0;
    /* as of the latest acknowledgement, which is the ring's last unless a loss removed it
     * since; then that loss trimmed as of it, and a cutoff from an earlier time removes
     * nothing more */
    if (d->ack_len)
        ack_trim(d, ack_latest(d) - ack_keep(&m->dep->db));
    uint32_t mask = d->ack_cap - 1;
    for (uint32_t i = 0; i < d->ack_len; i++)
        n += d->ack_t[(d->ack_head + i) & mask] > since;
    m->lost_writes += n;
    if (zf_time_to_s(now - since) > m->rpo_s)
        m->rpo_s = zf_time_to_s(now - since);
    /* lost writes leave the ring: a second loss cannot count them again */
    while (d->ack_len && ack_latest(d) > since)
        d->ack_len--;
}

/* ---------- failures and recovery ---------- */

void zf_db_reconnect(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    zf_time_t back = now + zf_dist_sample_ns(&m->dep->db.reconnect, &m->db.rng);
    if (back > in->db_back)
        in->db_back = back;
}

static int reset_conns(zf_model_t *m, zf_time_t now)
{
    zf_mdb_t *d = &m->db;
    int rc = zf_route_db_lost(m, now);
    zf_station_free(&d->conns);
    if (rc == 0 && zf_station_init(&d->conns, m->dep->db.max_connections, m->dep->db.queue_limit))
        rc = ZF_ENOMEM;
    d->epoch++;
    return rc;
}

static int next_phase(zf_model_t *m, zf_db_phase_t ph, zf_time_t now)
{
    const zf_db_spec_t *s = &m->dep->db;
    zf_mdb_t *d = &m->db;
    const zf_dist_t *dist = ph == PH_DETECT ? &s->detection : ph == PH_PROMOTE ? &s->promotion
                                                                               : &s->dns_switch;
    d->phase = ph;
    d->phase_start = now;
    return zf_queue_push(&m->q, now + zf_dist_sample_ns(dist, &d->rng), EV_DB_PHASE, 0, d->epoch);
}

int zf_db_crash(zf_model_t *m, zf_time_t now, bool detected, int fault)
{
    zf_mdb_t *d = &m->db;
    const zf_db_spec_t *s = &m->dep->db;
    if (!s->present || d->state != DB_AVAILABLE)
        return 0;
    int rc = reset_conns(m, now);
    d->fault = fault;
    d->failover_start = now;
    d->silent = m->zones[d->primary_zone].cut;
    bool can_fail_over = d->standby_zone >= 0 && d->standby_in_sync &&
                         m->zones[d->standby_zone].state == ZONE_UP;
    if (!can_fail_over) {
        d->state = DB_DOWN; /* single zone: back when its instance or zone returns */
        return rc;
    }
    if (s->replication == ZF_REPL_ASYNC) /* the standby trails: its lag of writes is lost */
        lose_since(m, now - zf_dist_sample_ns(&s->async_lag, &d->rng), now);
    d->state = DB_FAILOVER;
    return rc ? rc : next_phase(m, detected ? PH_PROMOTE : PH_DETECT, now);
}

int zf_db_phase_event(zf_model_t *m, uint32_t epoch, zf_time_t now)
{
    zf_mdb_t *d = &m->db;
    if (epoch != d->epoch)
        return 0;
    if (d->state == DB_RESTORING) {
        d->state = DB_AVAILABLE;
        goto restored;
    }
    if (d->state != DB_FAILOVER)
        return 0;
    if (d->phase == PH_DETECT)
        return next_phase(m, PH_PROMOTE, now);
    if (d->phase == PH_PROMOTE)
        return next_phase(m, PH_DNS, now);
    /* DNS switched: the standby is the primary; the old primary must re-sync */
    d->state = DB_AVAILABLE;
    d->phase = PH_NONE;
    d->old_primary_zone = d->primary_zone;
    d->primary_zone = d->standby_zone;
    d->standby_zone = -1;
    d->standby_in_sync = false;
    if (m->zones[d->old_primary_zone].state == ZONE_UP)
        zf_queue_push(&m->q, now + zf_dist_sample_ns(&m->dep->db.resync, &d->rng), EV_DB_RESYNC,
                      0, d->epoch);
    if (d->silent) {
        /* the old primary went silent, not away: each instance's attempts on its address
         * hang until they time out before it reaches the new one (those inside a cut zone
         * draw theirs when it returns) */
        for (uint32_t i = 0; i < m->ninsts; i++)
            if (m->insts[i].state != INST_TERMINATED && !m->zones[m->insts[i].zone].cut)
                zf_db_reconnect(m, i, now);
        d->silent = false;
    }
restored:
    if (d->fault >= 0 && m->faults[d->fault].db_restored < 0)
        m->faults[d->fault].db_restored = now;
    d->fault = -1;
    return 0;
}

int zf_db_resync_event(zf_model_t *m, uint32_t epoch, zf_time_t now)
{
    (void)now;
    zf_mdb_t *d = &m->db;
    if (epoch != d->epoch || d->old_primary_zone < 0)
        return 0;
    d->standby_zone = d->old_primary_zone;
    d->old_primary_zone = -1;
    d->standby_in_sync = true;
    return 0;
}

int zf_db_standby_lost(zf_model_t *m, zf_time_t now)
{
    zf_mdb_t *d = &m->db;
    if (d->standby_zone < 0 || !d->standby_in_sync)
        return 0;
    d->standby_in_sync = false;
    d->old_primary_zone = d->standby_zone; /* it re-syncs when its zone returns */
    d->standby_zone = -1;
    d->block_until = now + m->dep->db.standby_loss_block;
    return 0;
}

int zf_db_zone_back(zf_model_t *m, uint32_t zone, zf_time_t now)
{
    zf_mdb_t *d = &m->db;
    if (!m->dep->db.present)
        return 0;
    if (d->state == DB_DOWN && d->primary_zone == (int32_t)zone) {
        d->state = DB_AVAILABLE; /* durable storage: the same data comes back */
        if (d->fault >= 0 && m->faults[d->fault].db_restored < 0)
            m->faults[d->fault].db_restored = now;
        d->fault = -1;
        return 0;
    }
    if (d->old_primary_zone == (int32_t)zone)
        return zf_queue_push(&m->q, now + zf_dist_sample_ns(&m->dep->db.resync, &d->rng),
                             EV_DB_RESYNC, 0, d->epoch);
    return 0;
}

int zf_db_restart(zf_model_t *m, zf_time_t now)
{
    zf_mdb_t *d = &m->db;
    if (d->state != DB_DOWN || d->primary_zone < 0 || m->zones[d->primary_zone].state != ZONE_UP)
        return 0;
    return zf_db_zone_back(m, (uint32_t)d->primary_zone, now);
}

int zf_db_restore(zf_model_t *m, zf_time_t now, zf_time_t duration, int fault)
{
    zf_mdb_t *d = &m->db;
    const zf_db_spec_t *s = &m->dep->db;
    if (!s->present)
        return 0;
    int rc = reset_conns(m, now);
    /* a restore reaches the last shipped log: what came after it is lost */
    zf_time_t shipped = now / s->log_ship_interval * s->log_ship_interval;
    lose_since(m, shipped, now);
    d->state = DB_RESTORING;
    d->fault = fault;
    return rc ? rc : zf_queue_push(&m->q, now + duration, EV_DB_PHASE, 0, d->epoch);
}

int zf_db_setup(zf_model_t *m)
{
    zf_mdb_t *d = &m->db;
    const zf_db_spec_t *s = &m->dep->db;
    d->fault = -1;
    d->old_primary_zone = -1;
    d->primary_zone = s->present ? (int32_t)s->primary_zone : -1;
    d->standby_zone = s->present ? s->standby_zone : -1;
    d->standby_in_sync = d->standby_zone >= 0;
    if (zf_rng_init(&d->rng, m->seed, "model/db"))
        return ZF_ENOMEM;
    if (s->present && zf_station_init(&d->conns, s->max_connections, s->queue_limit))
        return ZF_ENOMEM;
    return 0;
}

void zf_db_free(zf_model_t *m)
{
    zf_rng_free(&m->db.rng);
    zf_station_free(&m->db.conns);
    free(m->db.ack_t);
}
