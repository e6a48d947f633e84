/* route: the path of one deployment request: client -> DNS-chosen load balancer node ->
 * target instance (worker slot, then CPU) -> database -> response, with the client's
 * timeout, and every way it can fail on the way (docs/model.md, "A request's path"). */
#include "model/core.h"

#include <stdlib.h>
#include <string.h>

#define CROSS_ZONE_LATENCY (500 * ZF_US) /* one way between zones: assumption, docs/model.md */

/* ---------- request pool ---------- */

static int req_alloc(zf_model_t *m, uint32_t *out)
{
    if (m->free_req != ZF_NONE) {
        *out = m->free_req;
        m->free_req = m->reqs[*out].next_free;
    } else {
        if (m->nreqs == m->reqs_cap) {
            uint32_t cap = m->reqs_cap ? m->reqs_cap * 2 : 1024;
            zf_mreq_t *r = realloc(m->reqs, cap * sizeof *r);
            if (!r)
                return ZF_ENOMEM;
            m->reqs = r;
            m->reqs_cap = cap;
        }
        *out = m->nreqs++;
        m->reqs[*out].gen = 0;
    }
    m->reqs_live++;
    return 0;
}

static void req_release(zf_model_t *m, zf_mreq_t *q)
{
    uint32_t i = (uint32_t)(q - m->reqs);
    q->phase = REQ_FREE;
    q->gen++;
    q->next_free = m->free_req;
    m->free_req = i;
    m->reqs_live--;
}

/* ---------- deadlines: one FIFO of client timeouts per kind ---------- */

/* Rings start at 1024 entries and double, so positions wrap with a mask (no division on
 * the path of every request). */
#define RING_POS(d, i) ((i) & ((d)->cap - 1))

static int deadline_push(zf_model_t *m, uint32_t kind, uint64_t ref, zf_time_t due)
{
    zf_deadline_t *d = &m->deadlines[kind];
    if (d->len == d->cap) {
        uint32_t cap = d->cap ? d->cap * 2 : 1024;
        uint64_t *r = malloc(cap * sizeof *r);
        zf_time_t *t = malloc(cap * sizeof *t);
        if (!r || !t) {
            free(r);
            free(t);
            return ZF_ENOMEM;
        }
        for (uint32_t i = 0; i < d->len; i++) {
            r[i] = d->ref[RING_POS(d, d->head + i)];
            t[i] = d->due[RING_POS(d, d->head + i)];
        }
        free(d->ref);
        free(d->due);
        d->ref = r;
        d->due = t;
        d->cap = cap;
        d->head = 0;
    }
    uint32_t pos = RING_POS(d, d->head + d->len);
    d->ref[pos] = ref;
    d->due[pos] = due;
    d->len++;
    if (!d->armed) {
        d->armed = true;
        return zf_queue_push(&m->q, due, EV_DEADLINE, kind, 0);
    }
    return 0;
}

int zf_route_deadline(zf_model_t *m, uint32_t kind, zf_time_t now)
{
    zf_deadline_t *d = &m->deadlines[kind];
    int rc = 0;
    d->armed = false;
    while (d->len && rc == 0) {
        zf_mreq_t *q = zf_deref(m, d->ref[d->head]);
        if (q && !q->client_done && d->due[d->head] > now)
            break; /* the oldest live request is not due yet */
        if (q && !q->client_done)
            rc = zf_route_client_end(m, q, q->lost ? ZF_CAUSE_NETWORK : ZF_CAUSE_TIMEOUT, now);
        d->head = RING_POS(d, d->head + 1);
        d->len--;
    }
    if (d->len && rc == 0) {
        d->armed = true;
        rc = zf_queue_push(&m->q, d->due[d->head], EV_DEADLINE, kind, 0);
    }
    return rc;
}

/* ---------- ends ---------- */

int zf_route_client_end(zf_model_t *m, zf_mreq_t *q, zf_cause_t cause, zf_time_t now)
{
    if (q->client_done)
        return 0;
    q->client_done = 1;
    zf_rec_end(m->rec, q->t_client, now, m->rec_kind_base + q->r.kind, cause);
    if (cause != ZF_CAUSE_OK)
        zf_faults_saw_failure(m, now);
    int rc = m->wl ? zf_workload_result(m->wl, &q->r, cause == ZF_CAUSE_OK, now) : 0;
    if (q->phase == REQ_NET) /* nothing on the server holds it */
        req_release(m, q);
    return rc;
}

/* The client receives q's outcome now; a write it sees succeed is acknowledged. */
static int deliver(zf_model_t *m, zf_mreq_t *q, zf_cause_t cause, zf_time_t now)
{
    const zf_kind_spec_t *k = &m->sc->kinds[q->r.kind];
    if (cause == ZF_CAUSE_OK && k->db_writes && k->must_not_lose)
        zf_db_ack(m, now);
    q->phase = REQ_NET; /* nothing on the server holds it: client_end releases it */
    return zf_route_client_end(m, q, cause, now);
}

int zf_route_response(zf_model_t *m, uint64_t ref, zf_time_t now)
{
    zf_mreq_t *q = zf_deref(m, ref);
    return q ? deliver(m, q, (zf_cause_t)q->cause, now) : 0; /* NULL: it timed out first */
}

/* Sends q's outcome back to its client, who receives it after `delay` (at once when 0);
 * if its timeout comes first, the deadline ends it as a timeout meanwhile. */
static int respond_later(zf_model_t *m, zf_mreq_t *q, zf_cause_t cause, zf_time_t now,
                         zf_time_t delay)
{
    if (delay == 0)
        return deliver(m, q, cause, now);
    q->phase = REQ_NET;
    q->inst = ZF_NONE;
    q->cause = (uint8_t)cause;
    return zf_queue_push(&m->q, now + delay, EV_RESPONSE, 0, zf_ref(m, (uint32_t)(q - m->reqs)));
}

/* Zone of the load balancer node q entered through. */
static inline uint32_t node_zone(const zf_model_t *m, const zf_mreq_t *q)
{
    return m->dep->lbs[m->sc->kinds[q->r.kind].lb].zones[q->lb_node];
}

/* The server is done with q (response sent or request refused): it travels back. */
static int server_done(zf_model_t *m, zf_mreq_t *q, zf_cause_t cause, zf_time_t now)
{
    if (q->client_done) { /* the client gave up: nobody waits for it */
        req_release(m, q);
        return 0;
    }
    if (q->inst != ZF_NONE && zf_zones_cut(m, node_zone(m, q), m->insts[q->inst].zone)) {
        /* a partition came between the instance and the node: the answer never arrives */
        q->phase = REQ_NET;
        q->inst = ZF_NONE;
        q->lost = 1;
        return 0;
    }
    zf_time_t back = m->dep->lbs[m->sc->kinds[q->r.kind].lb].network_latency + q->extra_latency +
                     q->back_delay;
    return respond_later(m, q, cause, now, back);
}

/* ---------- instance: worker slot, then CPU ---------- */

static int start_cpu(zf_model_t *m, uint32_t inst, zf_mreq_t *q, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    uint32_t idx = (uint32_t)(q - m->reqs);
    int r = zf_station_arrive(&in->cpu, now, idx);
    if (r == ZF_STATION_STARTED) {
        q->phase = REQ_CPU;
        zf_time_t svc = zf_dist_sample_ns(&m->sc->kinds[q->r.kind].service, &m->rng_route);
        return zf_queue_push(&m->q, now + svc, EV_CPU_DONE, inst, zf_ref(m, idx));
    }
    q->phase = REQ_WAIT_CPU;
    return r < 0 ? r : 0;
}

/* A worker became free: hand it to the next waiting request that has not waited past the
 * instance's queue timeout (those fail with cause timeout). */
static int release_worker(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    const zf_group_spec_t *g = &m->dep->groups[in->group];
    uint32_t next;
    in->in_flight--;
    while (zf_station_complete(&in->workers, now, &next)) {
        zf_mreq_t *q = &m->reqs[next];
        if (g->queue_timeout > 0 && now - q->t_enq > g->queue_timeout) {
            in->in_flight--;
            int rc = server_done(m, q, ZF_CAUSE_TIMEOUT, now);
            if (rc)
                return rc;
            continue; /* the slot is still free: complete() offers it to the next in line */
        }
        return start_cpu(m, inst, q, now);
    }
    return 0;
}

static bool inst_alive(const zf_inst_t *in)
{
    return !in->crashed && in->state != INST_TERMINATED && in->state != INST_DEAD;
}

/* The node's connection to q's target failed: a target whose zone is down or cut off
 * answers nothing (the node waits for its target_connect_timeout), a dead process on a
 * live host refuses at once. With retries left the node tries the next target (HAProxy
 * `retries` with `option redispatch`), else the request fails (instance_lost). */
static int connect_failed(zf_model_t *m, zf_mreq_t *q, const zf_inst_t *in, zf_time_t now)
{
    const zf_lb_spec_t *s = &m->dep->lbs[m->sc->kinds[q->r.kind].lb];
    if (q->tries >= s->retries)
        return zf_route_client_end(m, q, ZF_CAUSE_INSTANCE_LOST, now);
    q->tries++;
    bool silent = m->zones[in->zone].state == ZONE_DOWN || zf_zones_cut(m, node_zone(m, q), in->zone);
    q->inst = (uint32_t)(in - m->insts); /* the retry avoids it (nothing holds q meanwhile) */
    return zf_queue_push(&m->q, now + (silent ? s->target_connect_timeout : 0), EV_LB_RETRY, 0,
                         zf_ref(m, (uint32_t)(q - m->reqs)));
}

int zf_route_arrive(zf_model_t *m, uint32_t inst, uint64_t ref, zf_time_t now)
{
    zf_mreq_t *q = zf_deref(m, ref);
    if (!q)
        return 0;
    if (q->client_done) { /* the client gave up while it travelled */
        req_release(m, q);
        return 0;
    }
    zf_inst_t *in = &m->insts[inst];
    if (!inst_alive(in) || zf_zones_cut(m, node_zone(m, q), in->zone)) {
        /* dead, or behind a partition: the node's connection fails */
        q->phase = REQ_NET;
        return connect_failed(m, q, in, now);
    }
    q->inst = inst;
    q->t_enq = now;
    in->in_flight++;
    int r = zf_station_arrive(&in->workers, now, (uint32_t)(q - m->reqs));
    if (r == ZF_STATION_STARTED)
        return start_cpu(m, inst, q, now);
    if (r == ZF_STATION_QUEUED) {
        q->phase = REQ_WAIT_WORKER;
        return 0;
    }
    if (r < 0)
        return r;
    in->in_flight--;
    return server_done(m, q, ZF_CAUSE_QUEUE_FULL, now);
}

/* CPU of q done: the next waiting request takes the core; q goes to the database or ends. */
int zf_route_cpu_done(zf_model_t *m, uint32_t inst, uint64_t ref, zf_time_t now)
{
    zf_mreq_t *q = zf_deref(m, ref);
    if (!q || q->inst != inst || q->phase != REQ_CPU)
        return 0; /* stale: the instance crashed since */
    zf_inst_t *in = &m->insts[inst];
    uint32_t next;
    int rc = 0;
    if (zf_station_complete(&in->cpu, now, &next)) {
        zf_mreq_t *n = &m->reqs[next];
        n->phase = REQ_CPU;
        zf_time_t svc = zf_dist_sample_ns(&m->sc->kinds[n->r.kind].service, &m->rng_route);
        rc = zf_queue_push(&m->q, now + svc, EV_CPU_DONE, inst, zf_ref(m, next));
    }
    const zf_kind_spec_t *k = &m->sc->kinds[q->r.kind];
    if (rc == 0 && (k->db_reads || k->db_writes)) {
        int d = zf_db_begin(m, ref, q->r.kind, now);
        if (d >= 0)
            return d;
        rc = server_done(m, q, ZF_CAUSE_DB_UNAVAILABLE, now);
        return rc ? rc : release_worker(m, inst, now);
    }
    if (rc)
        return rc;
    rc = server_done(m, q, ZF_CAUSE_OK, now);
    return rc ? rc : release_worker(m, inst, now);
}

int zf_route_db_done(zf_model_t *m, uint64_t ref, zf_time_t now)
{
    zf_mreq_t *q = zf_deref(m, ref);
    if (!q || q->phase != REQ_DB)
        return 0;
    int rc = zf_db_end(m, now);
    uint32_t inst = q->inst;
    if (rc == 0)
        rc = server_done(m, q, ZF_CAUSE_OK, now);
    if (rc == 0 && inst != ZF_NONE)
        rc = release_worker(m, inst, now);
    return rc;
}

/* ---------- entry: a request leaves its client ---------- */

/* The client a request comes from, for DNS caching: devices are themselves; other
 * classes are many distinct users, one per request. */
static uint64_t client_of(const zf_request_t *r)
{
    if (r->source == ZF_SRC_DEVICE)
        return r->entity;
    return zf_mix64(((uint64_t)r->source << 56) ^ ((uint64_t)r->entity << 24) ^ r->seq);
}

/* Keep-alive devices reuse the node of their connection until it breaks. */
static uint32_t pick_node(zf_model_t *m, const zf_request_t *r, uint32_t lb, zf_time_t now,
                          bool *sticky)
{
    *sticky = false;
    if (m->conn_node && r->source == ZF_SRC_DEVICE && r->entity < m->nconn) {
        uint8_t *c = &m->conn_node[r->entity];
        if (*c == 0xff)
            *c = (uint8_t)zf_lb_pick_node(m, lb, client_of(r), now);
        *sticky = true;
        return *c;
    }
    return zf_lb_pick_node(m, lb, client_of(r), now);
}

/* Linux's SYN retransmissions: the first after the initial RTO of 1 s (RFC 6298), each
 * next after twice the previous wait, so at 1, 3, 7, 15, ... s after the first SYN. */
static zf_time_t syn_retry_at(uint32_t try)
{
    return ((INT64_C(2) << (try < 30 ? try : 30)) - 1) * ZF_S;
}

/* The next SYN of a connect sent at t0 to a node behind a partition, before the client's
 * connect timeout; else the timeout fails it. */
static int syn_wait(zf_model_t *m, zf_mreq_t *q, uint32_t lb, uint32_t try, zf_time_t now)
{
    zf_time_t ct = m->dep->lbs[lb].connect_timeout, at = q->t_client + syn_retry_at(try);
    if (at < q->t_client + ct)
        return zf_queue_push(&m->q, at, EV_SYN_RETRY, try, zf_ref(m, (uint32_t)(q - m->reqs)));
    return respond_later(m, q, ZF_CAUSE_LB_NODE_DOWN, now, q->t_client + ct - now);
}

/* The node is dead: a fresh connection times out; a kept-alive one to a crashed node is
 * reset at once, and one into a silently lost zone hangs until the client's timeout. A
 * fresh connection to a node behind a partition opens at the first SYN retransmission
 * after the partition ends, if that comes before the connect timeout. */
static int node_dead(zf_model_t *m, zf_mreq_t *q, uint32_t lb, uint32_t node, bool sticky,
                     zf_time_t now)
{
    uint32_t zone = m->dep->lbs[lb].zones[node];
    if (sticky) {
        m->conn_node[q->r.entity] = 0xff;
        if (m->zones[zone].state == ZONE_DOWN)
            return 0; /* the deadline ends it */
        return zf_route_client_end(m, q, ZF_CAUSE_LB_NODE_DOWN, now);
    }
    if (m->zones[zone].cut && !m->lbs[lb].node_failed[node])
        return syn_wait(m, q, lb, 0, now);
    return respond_later(m, q, ZF_CAUSE_LB_NODE_DOWN, now, m->dep->lbs[lb].connect_timeout);
}

/* One way latency of the path node -> instance, and whether a degraded zone drops it
 * (a zone whose loss is of requests, not packets). */
static zf_time_t path_latency(zf_model_t *m, uint32_t node_zone, uint32_t inst_zone, bool *lost)
{
    const zf_mzone_t *a = &m->zones[node_zone], *b = &m->zones[inst_zone];
    zf_time_t t = a->added_latency + (node_zone != inst_zone ? CROSS_ZONE_LATENCY + b->added_latency : 0);
    double loss = (a->packet ? 0 : a->loss) + (node_zone != inst_zone && !b->packet ? b->loss : 0);
    *lost = loss > 0 && zf_rng_uniform(&m->rng_route) < loss;
    return t;
}

/* `fwd`: delay the request has already gathered before the node sends it on (packet
 * loss between the client and the node). */
static int dispatch_to_target(zf_model_t *m, zf_mreq_t *q, uint32_t lb, uint32_t node,
                              zf_time_t now, zf_time_t fwd)
{
    uint32_t inst = zf_lb_pick_target(m, lb, node, q->group);
    if (inst != ZF_NONE && inst == q->inst) /* a retry: another target than the one that failed */
        inst = zf_lb_pick_target(m, lb, node, q->group);
    q->inst = ZF_NONE;
    if (inst == ZF_NONE)
        return zf_route_client_end(m, q, ZF_CAUSE_NO_HEALTHY_TARGET, now);
    const zf_lb_spec_t *s = &m->dep->lbs[lb];
    bool lost;
    q->extra_latency = path_latency(m, s->zones[node], m->insts[inst].zone, &lost);
    if (lost) {
        q->lost = 1; /* never answered: the deadline ends it with cause network */
        return 0;
    }
    double p = zf_tcp_path_loss(m, s->zones[node], m->insts[inst].zone);
    if (p > 0) { /* the node's connection to the target, its request and its answer */
        zf_time_t setup = zf_tcp_connect(&m->rng_tcp, p, s->target_connect_timeout);
        if (setup < 0 && q->tries < s->retries) { /* the next target, after the timeout */
            q->tries++;
            q->inst = inst; /* the retry avoids it */
            return zf_queue_push(&m->q, now + fwd + s->target_connect_timeout, EV_LB_RETRY, 0,
                                 zf_ref(m, (uint32_t)(q - m->reqs)));
        }
        if (setup < 0) /* the node gives up connecting and answers 504 */
            return respond_later(m, q, ZF_CAUSE_TIMEOUT, now,
                                 fwd + s->target_connect_timeout + s->network_latency + q->back_delay);
        fwd += setup + zf_tcp_segment(&m->rng_tcp, p);
        q->back_delay += zf_tcp_segment(&m->rng_tcp, p);
    }
    zf_time_t at = now + fwd + s->network_latency + q->extra_latency;
    uint64_t ref = zf_ref(m, (uint32_t)(q - m->reqs));
    if (at == now)
        return zf_route_arrive(m, inst, ref, now);
    return zf_queue_push(&m->q, at, EV_REQ_ARRIVE, inst, ref);
}

int zf_route_request(zf_model_t *m, const zf_request_t *r, zf_time_t now)
{
    uint32_t i;
    int rc = req_alloc(m, &i);
    if (rc)
        return rc;
    zf_mreq_t *q = &m->reqs[i];
    const zf_kind_spec_t *k = &m->sc->kinds[r->kind];
    uint32_t lb = (uint32_t)k->lb;
    /* every other field zero; a literal rather than memset: plain stores, no call */
    *q = (zf_mreq_t){.r = *r, .gen = q->gen, .t_client = now, .inst = ZF_NONE,
                     .phase = REQ_NET, .group = (uint8_t)m->dep->lbs[lb].kind_group[r->kind]};
    zf_rec_arrival(m->rec, now, m->rec_kind_base + r->kind);
    if ((rc = deadline_push(m, r->kind, zf_ref(m, i), now + k->timeout)))
        return rc;
    bool sticky;
    uint32_t node = pick_node(m, r, lb, now, &sticky);
    q->lb_node = (uint16_t)node;
    if (!zf_lb_node_alive(m, lb, node))
        return node_dead(m, q, lb, node, sticky, now);
    const zf_mzone_t *nz = &m->zones[m->dep->lbs[lb].zones[node]];
    zf_time_t fwd = 0;
    if (nz->packet && nz->loss > 0) { /* the client's packets cross the node's lossy border */
        zf_time_t setup = sticky ? 0 : zf_tcp_connect(&m->rng_tcp, nz->loss,
                                                      m->dep->lbs[lb].connect_timeout);
        if (setup < 0)
            return respond_later(m, q, ZF_CAUSE_LB_NODE_DOWN, now, m->dep->lbs[lb].connect_timeout);
        fwd = setup + zf_tcp_segment(&m->rng_tcp, nz->loss);
        q->back_delay = zf_tcp_segment(&m->rng_tcp, nz->loss);
    }
    return dispatch_to_target(m, q, lb, node, now, fwd);
}

/* The request of a retry event that is still waiting for it (NULL: the client's timeout
 * ended it meanwhile), and its load balancer. */
static zf_mreq_t *retrying(zf_model_t *m, uint64_t ref, uint32_t *lb)
{
    zf_mreq_t *q = zf_deref(m, ref);
    if (!q || q->client_done)
        return NULL;
    *lb = (uint32_t)m->sc->kinds[q->r.kind].lb;
    return q;
}

int zf_route_syn_retry(zf_model_t *m, uint32_t try, uint64_t ref, zf_time_t now)
{
    uint32_t lb;
    zf_mreq_t *q = retrying(m, ref, &lb);
    if (!q)
        return 0;
    if (zf_lb_node_alive(m, lb, q->lb_node))
        return dispatch_to_target(m, q, lb, q->lb_node, now, 0);
    return syn_wait(m, q, lb, try + 1, now);
}

int zf_route_lb_retry(zf_model_t *m, uint64_t ref, zf_time_t now)
{
    uint32_t lb;
    zf_mreq_t *q = retrying(m, ref, &lb);
    if (!q)
        return 0;
    if (!zf_lb_node_alive(m, lb, q->lb_node)) /* the node itself is gone: so is the client's connection */
        return zf_route_client_end(m, q, ZF_CAUSE_LB_NODE_DOWN, now);
    return dispatch_to_target(m, q, lb, q->lb_node, now, 0);
}

/* ---------- losses ---------- */

int zf_route_instance_lost(zf_model_t *m, uint32_t inst, zf_time_t now)
{
    zf_inst_t *in = &m->insts[inst];
    int rc = 0;
    for (uint32_t i = 0; i < m->nreqs && rc == 0; i++) {
        zf_mreq_t *q = &m->reqs[i];
        if (q->phase == REQ_FREE || q->phase == REQ_NET || q->inst != inst)
            continue;
        bool in_db = q->phase == REQ_DB || q->phase == REQ_WAIT_DB;
        if (!q->client_done)
            rc = zf_route_client_end(m, q, ZF_CAUSE_INSTANCE_LOST, now);
        q->inst = ZF_NONE;
        if (!in_db) /* a database call in progress still holds a connection: it ends there */
            req_release(m, q);
    }
    /* the instance's queues are gone with it */
    uint32_t workers = in->workers.servers, vcpus = in->cpu.servers;
    int64_t limit = in->workers.queue_limit;
    zf_station_free(&in->workers);
    zf_station_free(&in->cpu);
    in->in_flight = 0;
    if (zf_station_init(&in->workers, workers, limit) || zf_station_init(&in->cpu, vcpus, -1))
        return ZF_ENOMEM;
    zf_timeavg_init(&in->cpu.busy_avg, now, 0);
    zf_timeavg_init(&in->workers.busy_avg, now, 0);
    in->cpu_area0 = in->sec_area0 = 0;
    return rc;
}

int zf_route_db_lost(zf_model_t *m, zf_time_t now)
{
    int rc = 0;
    for (uint32_t i = 0; i < m->nreqs && rc == 0; i++) {
        zf_mreq_t *q = &m->reqs[i];
        if (q->phase != REQ_DB && q->phase != REQ_WAIT_DB)
            continue;
        const zf_kind_spec_t *k = &m->sc->kinds[q->r.kind];
        if (q->phase == REQ_DB && k->db_writes && k->must_not_lose)
            m->indeterminate_writes++; /* committed or not: the client cannot know (one still
                                        * waiting for a connection was never sent) */
        uint32_t inst = q->inst;
        rc = server_done(m, q, ZF_CAUSE_DB_UNAVAILABLE, now);
        if (rc == 0 && inst != ZF_NONE)
            rc = release_worker(m, inst, now);
    }
    return rc;
}

int zf_route_setup(zf_model_t *m)
{
    m->free_req = ZF_NONE;
    m->deadlines = calloc(m->sc->nkinds + 1, sizeof *m->deadlines);
    if (!m->deadlines)
        return ZF_ENOMEM;
    if (m->sc->workload.fleet.keepalive && m->sc->workload.fleet.count) {
        m->nconn = m->sc->workload.fleet.count;
        m->conn_node = malloc(m->nconn);
        if (!m->conn_node)
            return ZF_ENOMEM;
        memset(m->conn_node, 0xff, m->nconn);
    }
    if (zf_rng_init(&m->rng_route, m->seed, "model/route"))
        return ZF_ENOMEM;
    return 0;
}

void zf_route_free(zf_model_t *m)
{
    for (size_t k = 0; m->deadlines && k < m->sc->nkinds; k++) {
        free(m->deadlines[k].ref);
        free(m->deadlines[k].due);
    }
    free(m->deadlines);
    free(m->reqs);
    free(m->conn_node);
    zf_rng_free(&m->rng_route);
}
