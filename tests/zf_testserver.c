/* zf_testserver: a controllable HTTP/1.1 server (libuv, one thread) on 127.0.0.1 for the
 * load engine's tests: latency, errors, stall windows, closed, reset and half-open
 * connections, garbage, huge, chunked and slow-drip responses, and a store of writes that
 * can be told to lose acknowledged ones. Behaviours named "every N" apply to the N-th,
 * 2N-th... counted request (control requests are not counted), so tests get exact counts.
 * Usage: zf_testserver [--name value]...; --help lists the options. Prints the port it
 * listens on as its first line; exits on SIGTERM/SIGINT or after --max-runtime. */
#include <http_parser.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "engine/clock.h"

#define URL_MAX 2048
#define BODY_SCAN_MAX 8192 /* bytes of a request body kept to find "write_id" */
#define ID_MAX 128
#define BLOCK_BYTES (64 * 1024)

/* ---- options: one table for the command line and POST /control/set ---- */

enum opt_type { OPT_INT, OPT_TIME, OPT_RATE, OPT_FLAG };

typedef struct options {
    int64_t port, seed, error_every, close_every, reset_every, half_open_every,
        garbage_every, huge_every, huge_bytes, drip_every, body_bytes, drop_every,
        close_after, chunked, status;
    zf_time_t latency, jitter, stall_at, stall_for, drip_interval, max_runtime;
    double error_rate;
} options_t;

typedef struct opt_def {
    const char *name;
    enum opt_type type;
    size_t offset;
    const char *help;
} opt_def_t;

#define O(field) offsetof(options_t, field)
static const opt_def_t opt_defs[] = {
    {"port", OPT_INT, O(port), "TCP port on 127.0.0.1 (0: any free one)"},
    {"seed", OPT_INT, O(seed), "seed of the random latency and error rate"},
    {"latency", OPT_TIME, O(latency), "fixed delay before each response"},
    {"latency-jitter", OPT_TIME, O(jitter), "extra uniform delay in [0, this]"},
    {"error-rate", OPT_RATE, O(error_rate), "probability of a 500 response"},
    {"error-every", OPT_INT, O(error_every), "every N-th request gets a 500"},
    {"status", OPT_INT, O(status), "status of normal responses (default 200)"},
    {"stall-at", OPT_TIME, O(stall_at), "start of a freeze, from the server's start"},
    {"stall-for", OPT_TIME, O(stall_for), "length of that freeze"},
    {"close-every", OPT_INT, O(close_every), "every N-th request: close, no response"},
    {"reset-every", OPT_INT, O(reset_every), "every N-th request: TCP reset, no response"},
    {"half-open-every", OPT_INT, O(half_open_every), "every N-th request: never answer"},
    {"garbage-every", OPT_INT, O(garbage_every), "every N-th request: garbage bytes, close"},
    {"huge-every", OPT_INT, O(huge_every), "every N-th request: a --huge-bytes body"},
    {"huge-bytes", OPT_INT, O(huge_bytes), "size of huge bodies (default 10 MB)"},
    {"drip-every", OPT_INT, O(drip_every), "every N-th request: one byte per interval"},
    {"drip-interval", OPT_TIME, O(drip_interval), "slow drip interval (default 10ms)"},
    {"chunked", OPT_FLAG, O(chunked), "chunked transfer encoding for bodies"},
    {"body-bytes", OPT_INT, O(body_bytes), "size of normal bodies (default 2)"},
    {"close-after", OPT_INT, O(close_after), "Connection: close after N requests"},
    {"drop-every", OPT_INT, O(drop_every), "acknowledge but lose every N-th write"},
    {"max-runtime", OPT_TIME, O(max_runtime), "exit after this long (default 120s)"},
};
#define N_OPTS (sizeof opt_defs / sizeof opt_defs[0])

/* Sets option `name` from text; 0 or -1. */
static int opt_set(options_t *o, const char *name, const char *text)
{
    for (size_t i = 0; i < N_OPTS; i++) {
        const opt_def_t *d = &opt_defs[i];
        if (strcmp(d->name, name) != 0)
            continue;
        char *end = NULL;
        void *field = (char *)o + d->offset;
        switch (d->type) {
        case OPT_INT: {
            long long v = strtoll(text, &end, 10);
            if (end == text || *end || v < 0)
                return -1;
            *(int64_t *)field = v;
            return 0;
        }
        case OPT_FLAG:
            *(int64_t *)field = strcmp(text, "0") != 0;
            return 0;
        case OPT_RATE: {
            double v = strtod(text, &end);
            if (end == text || *end || !(v >= 0 && v <= 1))
                return -1;
            *(double *)field = v;
            return 0;
        }
        case OPT_TIME:
            return zf_time_parse(text, (zf_time_t *)field) == 0 ? 0 : -1;
        }
    }
    return -1;
}

static const opt_def_t *opt_find(const char *name)
{
    for (size_t i = 0; i < N_OPTS; i++)
        if (strcmp(opt_defs[i].name, name) == 0)
            return &opt_defs[i];
    return NULL;
}

/* ---- the write store: open addressing on write ids ---- */

typedef struct entry {
    char id[ID_MAX];
    uint32_t count;   /* times applied (0: known but not stored) */
    uint8_t used, doomed; /* doomed: named by /control/drop */
} entry_t;

typedef struct store {
    entry_t *v;
    size_t cap, n;
} store_t;

static uint64_t hash_str(const char *s)
{
    uint64_t h = 1469598103934665603ull; /* FNV-1a */
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

static entry_t *store_find(store_t *st, const char *id, int create)
{
    if (create && (st->n + 1) * 2 > st->cap) {
        size_t cap = st->cap ? st->cap * 2 : 1024;
        entry_t *v = calloc(cap, sizeof *v);
        if (!v)
            return NULL;
        for (size_t i = 0; i < st->cap; i++) {
            if (!st->v[i].used)
                continue;
            size_t j = hash_str(st->v[i].id) & (cap - 1);
            while (v[j].used)
                j = (j + 1) & (cap - 1);
            v[j] = st->v[i];
        }
        free(st->v);
        st->v = v;
        st->cap = cap;
    }
    if (!st->cap)
        return NULL;
    size_t j = hash_str(id) & (st->cap - 1);
    while (st->v[j].used) {
        if (strcmp(st->v[j].id, id) == 0)
            return &st->v[j];
        j = (j + 1) & (st->cap - 1);
    }
    if (!create)
        return NULL;
    snprintf(st->v[j].id, ID_MAX, "%s", id);
    st->v[j].used = 1;
    st->n++;
    return &st->v[j];
}

/* ---- server and connections ---- */

typedef struct server {
    uv_loop_t *loop;
    uv_tcp_t listener;
    uv_signal_t sigterm, sigint;
    uv_timer_t runtime;
    options_t opt;
    uint64_t rng;
    uint64_t requests, responses, connections, writes, stored, dropped;
    zf_time_t start, stall_start, stall_end;
    store_t store;
    struct conn *conns;
    int shutting_down;
} server_t;

enum plan { P_NORMAL, P_CLOSE, P_RESET, P_HALF_OPEN, P_GARBAGE, P_HUGE, P_DRIP };

typedef struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer;
    uv_write_t wreq;
    http_parser parser;
    server_t *srv;
    struct conn *prev, *next;
    /* the request being parsed */
    char url[URL_MAX];
    size_t url_len;
    char field[32];
    size_t field_len;
    enum { H_NONE, H_FIELD, H_VALUE } hstate;
    int capture;             /* the current header is X-Write-Id */
    char write_id[ID_MAX];
    size_t write_id_len;
    char body[BODY_SCAN_MAX];
    size_t body_len;
    /* the response being produced */
    enum plan plan;
    int keep_alive, head, busy, closing, timer_open;
    char *out;               /* response bytes (normal, drip) */
    size_t out_len, out_pos;
    uint64_t huge_left;      /* huge body bytes still to write */
    char *left;              /* bytes received after the request being answered */
    size_t left_len;
    uint64_t served;
} conn_t;

static zf_time_t now_ns(const server_t *s) { return (zf_time_t)uv_hrtime() - s->start; }

static uint64_t rng_next(server_t *s)
{
    s->rng ^= s->rng << 13;
    s->rng ^= s->rng >> 7;
    s->rng ^= s->rng << 17;
    return s->rng;
}

static double rng_unit(server_t *s) { return (double)(rng_next(s) >> 11) / 9007199254740992.0; }

static void conn_free(uv_handle_t *h);

static void conn_timer_closed(uv_handle_t *h)
{
    conn_t *c = h->data;
    c->timer_open = 0;
    free(c->out);
    free(c->left);
    free(c);
}

static void conn_free(uv_handle_t *h)
{
    conn_t *c = (conn_t *)h;
    server_t *s = c->srv;
    if (c->prev)
        c->prev->next = c->next;
    else
        s->conns = c->next;
    if (c->next)
        c->next->prev = c->prev;
    uv_close((uv_handle_t *)&c->timer, conn_timer_closed);
}

static void conn_close(conn_t *c, int reset)
{
    if (c->closing)
        return;
    c->closing = 1;
    uv_timer_stop(&c->timer);
    if (reset)
        uv_tcp_close_reset(&c->tcp, conn_free);
    else
        uv_close((uv_handle_t *)&c->tcp, conn_free);
}

/* ---- writing ---- */

typedef struct wbuf {
    uv_write_t req;
    char data[];
} wbuf_t;

static void after_owned_write(uv_write_t *req, int status)
{
    (void)status;
    free(req);
}

/* Writes a copy of [p, p+n) and forgets it (small writes: headers, control answers). */
static void write_copy(conn_t *c, const char *p, size_t n)
{
    wbuf_t *w = malloc(sizeof *w + n);
    if (!w)
        return;
    memcpy(w->data, p, n);
    uv_buf_t b = uv_buf_init(w->data, (unsigned)n);
    if (uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, after_owned_write) < 0)
        free(w);
}

static void response_finished(conn_t *c);
static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf);
static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf);

static const char *reason(int status)
{
    switch (status) {
    case 200: return "OK";
    case 201: return "Created";
    case 204: return "No Content";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 500: return "Internal Server Error";
    case 503: return "Service Unavailable";
    default: return "Status";
    }
}

/* Builds a complete response into c->out (chunked bodies in 1 KiB chunks). 0 or -1. */
static int answer(conn_t *c, int status, const char *body, size_t len)
{
    int chunked = c->srv->opt.chunked && !c->head;
    size_t cap = 256 + len + (len / 1024 + 2) * 16;
    char *o = malloc(cap);
    if (!o)
        return -1;
    int k = snprintf(o, cap, "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n", status,
                     reason(status));
    if (chunked)
        k += snprintf(o + k, cap - (size_t)k, "Transfer-Encoding: chunked\r\n");
    else
        k += snprintf(o + k, cap - (size_t)k, "Content-Length: %zu\r\n", len);
    k += snprintf(o + k, cap - (size_t)k, "%s\r\n", c->keep_alive ? "" : "Connection: close\r\n");
    size_t n = (size_t)k;
    for (size_t off = 0; !c->head;) {
        size_t piece = len - off > 1024 ? 1024 : len - off;
        if (chunked)
            n += (size_t)snprintf(o + n, cap - n, "%zx\r\n", piece);
        memcpy(o + n, body + off, piece);
        n += piece;
        if (chunked) {
            memcpy(o + n, "\r\n", 2);
            n += 2;
        }
        off += piece;
        if (chunked ? piece == 0 : off >= len)
            break;
    }
    free(c->out);
    c->out = o;
    c->out_len = n;
    c->out_pos = 0;
    return 0;
}

static int answer_json(conn_t *c, int status, const char *json)
{
    return answer(c, status, json, strlen(json));
}

static void after_out(uv_write_t *req, int status)
{
    conn_t *c = req->data;
    if (status < 0 || c->closing)
        return;
    response_finished(c);
}

static void send_out(conn_t *c)
{
    uv_buf_t b = uv_buf_init(c->out, (unsigned)c->out_len);
    c->wreq.data = c;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, after_out) < 0)
        conn_close(c, 0);
}

/* Huge bodies go out one block per completed write: memory stays one block. */
static void huge_next(uv_write_t *req, int status)
{
    conn_t *c = req->data;
    if (status < 0 || c->closing)
        return;
    if (c->huge_left == 0) {
        response_finished(c);
        return;
    }
    size_t piece = c->huge_left > BLOCK_BYTES ? BLOCK_BYTES : (size_t)c->huge_left;
    c->huge_left -= piece;
    size_t n = 0;
    if (c->srv->opt.chunked)
        n = (size_t)snprintf(c->out, 16, "%zx\r\n", piece);
    memset(c->out + n, 'x', piece);
    n += piece;
    if (c->srv->opt.chunked) {
        memcpy(c->out + n, "\r\n", 2);
        n += 2;
        if (c->huge_left == 0) {
            memcpy(c->out + n, "0\r\n\r\n", 5);
            n += 5;
        }
    }
    uv_buf_t b = uv_buf_init(c->out, (unsigned)n);
    c->wreq.data = c;
    if (uv_write(&c->wreq, (uv_stream_t *)&c->tcp, &b, 1, huge_next) < 0)
        conn_close(c, 0);
}

static void drip_next(uv_timer_t *t)
{
    conn_t *c = t->data;
    if (c->closing)
        return;
    if (c->out_pos >= c->out_len) {
        response_finished(c);
        return;
    }
    write_copy(c, c->out + c->out_pos++, 1);
    uv_timer_start(&c->timer, drip_next, (uint64_t)(c->srv->opt.drip_interval / ZF_MS), 0);
}

static void start_response(conn_t *c)
{
    static const char garbage[] = "\x16\x03\x01garbage, not HTTP at all\r\n\r\n";
    server_t *s = c->srv;
    switch (c->plan) {
    case P_CLOSE:
        conn_close(c, 0);
        return;
    case P_RESET:
        conn_close(c, 1);
        return;
    case P_HALF_OPEN: /* never answers; reads on only to notice the client leave */
        uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
        return;
    case P_GARBAGE:
        write_copy(c, garbage, sizeof garbage - 1);
        c->keep_alive = 0;
        response_finished(c);
        return;
    case P_HUGE: {
        char head[256];
        int k = snprintf(head, sizeof head, "HTTP/1.1 200 OK\r\n%s%" PRIu64 "\r\n%s%s\r\n",
                         s->opt.chunked ? "X-Size: " : "Content-Length: ",
                         (uint64_t)s->opt.huge_bytes,
                         s->opt.chunked ? "Transfer-Encoding: chunked\r\n" : "",
                         c->keep_alive ? "" : "Connection: close\r\n");
        write_copy(c, head, (size_t)k);
        free(c->out);
        c->out = malloc(BLOCK_BYTES + 32);
        if (!c->out) {
            conn_close(c, 0);
            return;
        }
        c->huge_left = (uint64_t)s->opt.huge_bytes;
        if (c->head)
            c->huge_left = 0;
        c->wreq.data = c;
        huge_next(&c->wreq, 0);
        return;
    }
    case P_DRIP:
        drip_next(&c->timer);
        return;
    case P_NORMAL:
        send_out(c);
        return;
    }
}

static void on_due(uv_timer_t *t) { start_response(t->data); }

/* ---- requests ---- */

/* Finds "write_id" in a JSON body: a string or a number; 0 when found. */
static int json_write_id(const char *body, size_t len, char *out, size_t cap)
{
    static const char key[] = "\"write_id\"";
    for (size_t i = 0; i + sizeof key - 1 <= len; i++) {
        if (memcmp(body + i, key, sizeof key - 1) != 0)
            continue;
        size_t j = i + sizeof key - 1;
        while (j < len && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n'))
            j++;
        if (j >= len || body[j++] != ':')
            return -1;
        while (j < len && (body[j] == ' ' || body[j] == '\t' || body[j] == '\n'))
            j++;
        int quoted = j < len && body[j] == '"';
        j += (size_t)quoted;
        size_t k = 0;
        while (j < len && k + 1 < cap &&
               (quoted ? body[j] != '"' : (body[j] >= '0' && body[j] <= '9')))
            out[k++] = body[j++];
        out[k] = 0;
        return k > 0 ? 0 : -1;
    }
    return -1;
}

/* Query parameter `name` of the URL into out; 0 when present. */
static int query_param(const char *url, const char *name, char *out, size_t cap)
{
    const char *q = strchr(url, '?');
    size_t n = strlen(name);
    while (q) {
        q++;
        if (strncmp(q, name, n) == 0 && q[n] == '=') {
            const char *v = q + n + 1;
            size_t k = strcspn(v, "&");
            if (k >= cap)
                k = cap - 1;
            memcpy(out, v, k);
            out[k] = 0;
            return 0;
        }
        q = strchr(q, '&');
    }
    return -1;
}

/* Control endpoints; 0, or -1 when no answer could be built. */
static int control(conn_t *c, const char *path)
{
    server_t *s = c->srv;
    char v[4096], buf[512];
    if (strncmp(path, "/control/stall", 14) == 0 && query_param(c->url, "ms", v, sizeof v) == 0) {
        s->stall_start = now_ns(s);
        s->stall_end = s->stall_start + strtoll(v, NULL, 10) * ZF_MS;
        return answer_json(c, 200, "{\"stall\":true}");
    } else if (strncmp(path, "/control/drop", 13) == 0 &&
               query_param(c->url, "ids", v, sizeof v) == 0) {
        for (char *tok = strtok(v, ","); tok; tok = strtok(NULL, ",")) {
            entry_t *e = store_find(&s->store, tok, 1);
            if (e && e->count > 0) {
                s->stored--;
                s->dropped++;
            }
            if (e) {
                e->count = 0;
                e->doomed = 1;
            }
        }
        return answer_json(c, 200, "{\"drop\":true}");
    } else if (strncmp(path, "/control/set", 12) == 0) {
        const char *q = strchr(c->url, '?');
        int ok = q != NULL;
        for (q = q ? q + 1 : NULL; q && *q && ok;) {
            char name[64], val[64];
            size_t kn = strcspn(q, "="), kv;
            if (kn >= sizeof name || q[kn] != '=')
                ok = 0;
            else {
                memcpy(name, q, kn);
                name[kn] = 0;
                kv = strcspn(q + kn + 1, "&");
                if (kv >= sizeof val)
                    ok = 0;
                else {
                    memcpy(val, q + kn + 1, kv);
                    val[kv] = 0;
                    ok = strcmp(name, "port") != 0 && opt_set(&s->opt, name, val) == 0;
                    q += kn + 1 + kv + (q[kn + 1 + kv] == '&');
                }
            }
        }
        return answer_json(c, ok ? 200 : 400,
                           ok ? "{\"set\":true}" : "{\"error\":\"bad option\"}");
    } else if (strcmp(path, "/control/stats") == 0) {
        snprintf(buf, sizeof buf,
                 "{\"requests\":%" PRIu64 ",\"responses\":%" PRIu64 ",\"connections\":%" PRIu64
                 ",\"writes\":%" PRIu64 ",\"stored\":%" PRIu64 ",\"dropped\":%" PRIu64 "}",
                 s->requests, s->responses, s->connections, s->writes, s->stored, s->dropped);
        return answer_json(c, 200, buf);
    }
    return answer_json(c, 404, "{\"error\":\"unknown control\"}");
}

/* POST /v1/devices/{device}/reports: applies the write (or loses it, acknowledged). */
static int write_report(conn_t *c)
{
    server_t *s = c->srv;
    char id[ID_MAX];
    if (c->write_id_len)
        snprintf(id, sizeof id, "%.*s", (int)c->write_id_len, c->write_id);
    else if (json_write_id(c->body, c->body_len, id, sizeof id) < 0)
        return answer_json(c, 400, "{\"error\":\"no write_id\"}");
    s->writes++;
    entry_t *e = store_find(&s->store, id, 1);
    int lose = (s->opt.drop_every && s->writes % (uint64_t)s->opt.drop_every == 0) ||
               (e && e->doomed);
    if (lose) {
        s->dropped++;
    } else if (e) {
        if (e->count++ == 0)
            s->stored++;
    }
    char buf[ID_MAX + 64];
    snprintf(buf, sizeof buf, "{\"write_id\":\"%s\"}", id);
    return answer_json(c, 200, buf);
}

static int read_write(conn_t *c, const char *id)
{
    entry_t *e = store_find(&c->srv->store, id, 0);
    char buf[ID_MAX + 64];
    if (!e || e->count == 0)
        return answer_json(c, 404, "{\"error\":\"no such write\"}");
    snprintf(buf, sizeof buf, "{\"write_id\":\"%s\",\"count\":%u,\"applied\":%u}", e->id,
             e->count, e->count);
    return answer_json(c, 200, buf);
}

static int list_writes(conn_t *c)
{
    store_t *st = &c->srv->store;
    size_t cap = 32 + st->n * (ID_MAX + 4), n = 0;
    char *b = malloc(cap);
    if (!b)
        return -1;
    n += (size_t)snprintf(b, cap, "{\"write_ids\":[");
    int first = 1;
    for (size_t i = 0; i < st->cap; i++) {
        if (!st->v[i].used || st->v[i].count == 0)
            continue;
        n += (size_t)snprintf(b + n, cap - n, "%s\"%s\"", first ? "" : ",", st->v[i].id);
        first = 0;
    }
    snprintf(b + n, cap - n, "]}");
    int rc = answer_json(c, 200, b);
    free(b);
    return rc;
}

static int every(int64_t n, uint64_t count) { return n > 0 && count % (uint64_t)n == 0; }

/* Decides what the counted request gets (exact "every N" behaviours first). */
static enum plan choose(server_t *s, uint64_t n)
{
    const options_t *o = &s->opt;
    if (every(o->close_every, n))
        return P_CLOSE;
    if (every(o->reset_every, n))
        return P_RESET;
    if (every(o->half_open_every, n))
        return P_HALF_OPEN;
    if (every(o->garbage_every, n))
        return P_GARBAGE;
    if (every(o->huge_every, n))
        return P_HUGE;
    if (every(o->drip_every, n))
        return P_DRIP;
    return P_NORMAL;
}

/* Delay before the response starts: latency, jitter, and the stall windows. */
static zf_time_t response_delay(server_t *s)
{
    zf_time_t now = now_ns(s), due = now + s->opt.latency;
    if (s->opt.jitter > 0)
        due += (zf_time_t)(rng_unit(s) * (double)s->opt.jitter);
    zf_time_t a = s->opt.stall_at, b = s->opt.stall_at + s->opt.stall_for;
    if (s->opt.stall_for > 0 && ((now >= a && now < b) || (due >= a && due < b)))
        due = b;
    if ((now >= s->stall_start && now < s->stall_end) ||
        (due >= s->stall_start && due < s->stall_end))
        due = s->stall_end;
    return due - now;
}

/* Builds the answer a counted request would get (it may then be lost by a behaviour). */
static int build_answer(conn_t *c, const char *path, uint64_t n)
{
    server_t *s = c->srv;
    int m = c->parser.method;
    size_t plen = strlen(path);
    if (every(s->opt.error_every, n) || (s->opt.error_rate > 0 && rng_unit(s) < s->opt.error_rate))
        return answer_json(c, 500, "{\"error\":\"injected\"}");
    if (m == HTTP_POST && strncmp(path, "/v1/devices/", 12) == 0 && plen > 20 &&
        strcmp(path + plen - 8, "/reports") == 0)
        return write_report(c); /* applied even when the answer is then lost */
    if (m == HTTP_GET && strncmp(path, "/v1/writes/", 11) == 0)
        return read_write(c, path + 11);
    if (m == HTTP_GET && strcmp(path, "/v1/writes") == 0)
        return list_writes(c);
    if (strncmp(path, "/status/", 8) == 0) {
        int st = atoi(path + 8);
        return answer(c, st >= 200 && st <= 599 ? st : 400, "status", 6);
    }
    size_t len = (size_t)s->opt.body_bytes;
    char *body = malloc(len + 1);
    if (!body)
        return -1;
    memset(body, 'o', len);
    int rc = answer(c, s->opt.status ? (int)s->opt.status : 200, body, len);
    free(body);
    return rc;
}

static void handle_request(conn_t *c)
{
    server_t *s = c->srv;
    char path[URL_MAX];
    snprintf(path, sizeof path, "%.*s", (int)strcspn(c->url, "?"), c->url);
    c->head = c->parser.method == HTTP_HEAD;
    c->keep_alive = http_should_keep_alive(&c->parser);
    c->served++;
    if (s->opt.close_after > 0 && c->served >= (uint64_t)s->opt.close_after)
        c->keep_alive = 0;
    if (strncmp(path, "/control/", 9) == 0) {
        c->plan = control(c, path) == 0 ? P_NORMAL : P_CLOSE;
        start_response(c);
        return;
    }
    uint64_t n = ++s->requests;
    enum plan behaviour = choose(s, n);
    c->plan = build_answer(c, path, n) == 0 ? behaviour : P_CLOSE;
    zf_time_t delay = response_delay(s);
    if (delay <= 0 || c->plan == P_HALF_OPEN) {
        start_response(c);
        return;
    }
    uv_timer_start(&c->timer, on_due, (uint64_t)((delay + ZF_MS - 1) / ZF_MS), 0);
}

/* ---- parsing ---- */

static int on_message_begin(http_parser *p)
{
    conn_t *c = p->data;
    c->url_len = c->field_len = c->write_id_len = c->body_len = 0;
    c->url[0] = 0;
    c->hstate = H_NONE;
    c->capture = 0;
    return 0;
}

static int on_url(http_parser *p, const char *at, size_t len)
{
    conn_t *c = p->data;
    if (c->url_len + len >= URL_MAX)
        return -1;
    memcpy(c->url + c->url_len, at, len);
    c->url_len += len;
    c->url[c->url_len] = 0;
    return 0;
}

/* Appends [at, at+len) to buf (holding *n bytes, room for cap) as far as it fits. */
static void append(char *buf, size_t *n, size_t cap, const char *at, size_t len)
{
    size_t k = len < cap - *n ? len : cap - *n;
    memcpy(buf + *n, at, k);
    *n += k;
}

/* Header names and values may arrive in pieces: a field piece after a value starts a
 * new name; the first value piece decides whether this header is X-Write-Id. */
static int on_header_field(http_parser *p, const char *at, size_t len)
{
    conn_t *c = p->data;
    if (c->hstate != H_FIELD)
        c->field_len = 0;
    c->hstate = H_FIELD;
    append(c->field, &c->field_len, sizeof c->field - 1, at, len);
    c->field[c->field_len] = 0;
    return 0;
}

static int on_header_value(http_parser *p, const char *at, size_t len)
{
    conn_t *c = p->data;
    if (c->hstate == H_FIELD) {
        c->capture = strcasecmp(c->field, "X-Write-Id") == 0;
        if (c->capture)
            c->write_id_len = 0;
    }
    c->hstate = H_VALUE;
    if (c->capture)
        append(c->write_id, &c->write_id_len, sizeof c->write_id - 1, at, len);
    return 0;
}

static int on_body(http_parser *p, const char *at, size_t len)
{
    conn_t *c = p->data;
    append(c->body, &c->body_len, sizeof c->body, at, len);
    return 0;
}

static int on_message_complete(http_parser *p)
{
    conn_t *c = p->data;
    c->busy = 1;
    http_parser_pause(p, 1); /* one request at a time: later bytes wait */
    return 0;
}

static const http_parser_settings req_settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_body = on_body,
    .on_message_complete = on_message_complete,
};

static void on_alloc(uv_handle_t *h, size_t hint, uv_buf_t *buf)
{
    (void)h;
    (void)hint;
    static char rbuf[BLOCK_BYTES]; /* one thread: one read at a time */
    *buf = uv_buf_init(rbuf, sizeof rbuf);
}

/* Parses data; keeps what follows a complete request for after its response. */
static void feed(conn_t *c, const char *data, size_t n)
{
    size_t k = http_parser_execute(&c->parser, &req_settings, data, n);
    if (c->busy) {
        if (k < n) {
            char *l = malloc(n - k);
            if (!l) {
                conn_close(c, 0);
                return;
            }
            memcpy(l, data + k, n - k);
            c->left = l;
            c->left_len = n - k;
        }
        uv_read_stop((uv_stream_t *)&c->tcp);
        handle_request(c);
        return;
    }
    if (HTTP_PARSER_ERRNO(&c->parser) != HPE_OK) {
        write_copy(c, "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
                   66);
        conn_close(c, 0);
    }
}

static void response_finished(conn_t *c)
{
    server_t *s = c->srv;
    s->responses++;
    c->busy = 0;
    if (!c->keep_alive || s->shutting_down) {
        conn_close(c, 0);
        return;
    }
    http_parser_pause(&c->parser, 0);
    if (c->left) {
        char *l = c->left;
        size_t n = c->left_len;
        c->left = NULL;
        c->left_len = 0;
        feed(c, l, n);
        free(l);
        if (c->busy || c->closing)
            return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void on_read(uv_stream_t *st, ssize_t nread, const uv_buf_t *buf)
{
    conn_t *c = (conn_t *)st;
    if (nread < 0) {
        conn_close(c, 0);
        return;
    }
    if (nread > 0 && !c->busy)
        feed(c, buf->base, (size_t)nread);
}

static void on_connection(uv_stream_t *l, int status)
{
    server_t *s = l->data;
    if (status < 0)
        return;
    conn_t *c = calloc(1, sizeof *c);
    if (!c)
        return;
    c->srv = s;
    uv_tcp_init(s->loop, &c->tcp);
    uv_timer_init(s->loop, &c->timer);
    c->timer.data = c;
    if (uv_accept(l, (uv_stream_t *)&c->tcp) < 0) {
        c->closing = 1;
        uv_close((uv_handle_t *)&c->tcp, conn_free);
        return;
    }
    s->connections++;
    c->next = s->conns;
    if (s->conns)
        s->conns->prev = c;
    s->conns = c;
    http_parser_init(&c->parser, HTTP_REQUEST);
    c->parser.data = c;
    uv_tcp_nodelay(&c->tcp, 1);
    uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

/* ---- life ---- */

static void shutdown_server(server_t *s)
{
    if (s->shutting_down)
        return;
    s->shutting_down = 1;
    uv_close((uv_handle_t *)&s->listener, NULL);
    uv_close((uv_handle_t *)&s->sigterm, NULL);
    uv_close((uv_handle_t *)&s->sigint, NULL);
    uv_close((uv_handle_t *)&s->runtime, NULL);
    for (conn_t *c = s->conns; c; c = c->next)
        conn_close(c, 0);
}

static void on_signal(uv_signal_t *h, int sig)
{
    (void)sig;
    shutdown_server(h->data);
}

static void on_runtime(uv_timer_t *t) { shutdown_server(t->data); }

static void usage(FILE *f)
{
    fprintf(f, "usage: zf_testserver [--OPTION VALUE]...\n"
               "Listens on 127.0.0.1, prints its port, serves until SIGTERM or --max-runtime.\n"
               "Times take units (250ms, 4s); flags take 0 or 1. Options (also settable with\n"
               "POST /control/set?NAME=VALUE):\n");
    for (size_t i = 0; i < N_OPTS; i++)
        fprintf(f, "  --%-16s %s\n", opt_defs[i].name, opt_defs[i].help);
    fprintf(f, "Endpoints: POST /v1/devices/{d}/reports (X-Write-Id header or JSON write_id),\n"
               "GET /v1/writes/{id}, GET /v1/writes, GET /status/{code}, POST /control/stall?ms=N,\n"
               "POST /control/drop?ids=a,b, GET /control/stats; any other path: a normal body.\n");
}

int main(int argc, char **argv)
{
    static server_t srv;
    server_t *s = &srv;
    s->opt.huge_bytes = 10 * 1000 * 1000;
    s->opt.drip_interval = 10 * ZF_MS;
    s->opt.body_bytes = 2;
    s->opt.max_runtime = 120 * ZF_S;
    s->opt.seed = 1;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return 0;
        }
        const opt_def_t *d = strncmp(argv[i], "--", 2) == 0 ? opt_find(argv[i] + 2) : NULL;
        if (d && d->type == OPT_FLAG && (i + 1 >= argc || strncmp(argv[i + 1], "--", 2) == 0)) {
            opt_set(&s->opt, d->name, "1");
            continue;
        }
        if (!d || i + 1 >= argc || opt_set(&s->opt, d->name, argv[i + 1]) < 0) {
            fprintf(stderr, "zf_testserver: bad option '%s'\n", argv[i]);
            usage(stderr);
            return 2;
        }
        i++;
    }
    if (s->opt.port > 65535 || s->opt.huge_bytes < 0) {
        fprintf(stderr, "zf_testserver: bad port or size\n");
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    s->rng = (uint64_t)s->opt.seed * 0x9E3779B97F4A7C15ull + 1;
    s->loop = uv_default_loop();
    s->start = (zf_time_t)uv_hrtime();
    struct sockaddr_in addr;
    uv_ip4_addr("127.0.0.1", (int)s->opt.port, &addr);
    uv_tcp_init(s->loop, &s->listener);
    s->listener.data = s;
    int rc = uv_tcp_bind(&s->listener, (const struct sockaddr *)&addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&s->listener, 4096, on_connection);
    if (rc < 0) {
        fprintf(stderr, "zf_testserver: listen on 127.0.0.1:%d: %s\n", (int)s->opt.port,
                uv_strerror(rc));
        return 3;
    }
    struct sockaddr_in bound;
    int len = sizeof bound;
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&bound, &len);
    printf("%d\n", ntohs(bound.sin_port));
    fflush(stdout);
    uv_signal_init(s->loop, &s->sigterm);
    uv_signal_init(s->loop, &s->sigint);
    s->sigterm.data = s->sigint.data = s;
    uv_signal_start(&s->sigterm, on_signal, SIGTERM);
    uv_signal_start(&s->sigint, on_signal, SIGINT);
    uv_timer_init(s->loop, &s->runtime);
    s->runtime.data = s;
    uv_timer_start(&s->runtime, on_runtime, (uint64_t)(s->opt.max_runtime / ZF_MS), 0);
    uv_run(s->loop, UV_RUN_DEFAULT);
    uv_loop_close(s->loop);
    free(s->store.v);
    return 0;
}
