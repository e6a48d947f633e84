/* zf_faultproxy: the test bed's own fault proxy (in the spirit of Toxiproxy), because
 * this kernel has no netem. A libuv TCP proxy for one or more listen=upstream pairs that
 * delays every byte the upstream sends back by a set latency, refuses a share of new
 * connections, and resets open ones, as told on a Unix control socket:
 *   latency MS | drop P | reset | clear | status      (one command per line)
 * The fault action testbed/faults/latency.sh puts it in front of a zone's app instances. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#define MAX_PAIRS 16
#define CHUNK 65536

typedef struct proxy proxy_t;

typedef struct chunk {          /* upstream bytes waiting for their release time */
    struct chunk *next;
    uint64_t release_ms;
    uv_write_t wr;
    size_t len;
    char data[];
} chunk_t;

typedef struct session {
    proxy_t *px;
    struct session *prev, *next;
    uv_tcp_t client, upstream;
    uv_connect_t connect;
    uv_shutdown_t shut;         /* client side, after the upstream ended */
    uv_shutdown_t shut_up;      /* upstream side, after the client half-closed */
    uv_timer_t timer;
    bool upstream_eof;          /* close once the delayed bytes are written */
    chunk_t *head, *tail;       /* delayed upstream -> client chunks */
    int open_handles;
    bool closing;
} session_t;

typedef struct pair {
    proxy_t *px;
    uv_tcp_t listener;
    struct sockaddr_in upstream;
} pair_t;

struct proxy {
    uv_loop_t *loop;
    pair_t pairs[MAX_PAIRS];
    int npairs;
    uv_pipe_t control;
    uv_signal_t sigterm;
    session_t *sessions;
    uint64_t latency_ms;
    double drop;
    unsigned long long accepted, dropped;
};

static void session_close(session_t *s);

/* --- sessions ---------------------------------------------------------------------- */

static void on_session_handle_closed(uv_handle_t *h)
{
    session_t *s = h->data;
    if (--s->open_handles > 0)
        return;
    while (s->head) {
        chunk_t *c = s->head;
        s->head = c->next;
        free(c);
    }
    free(s);
}

static void session_close(session_t *s)
{
    if (s->closing)
        return;
    s->closing = true;
    if (s->prev)
        s->prev->next = s->next;
    else
        s->px->sessions = s->next;
    if (s->next)
        s->next->prev = s->prev;
    uv_handle_t *hs[] = {(uv_handle_t *)&s->client, (uv_handle_t *)&s->upstream,
                         (uv_handle_t *)&s->timer};
    for (int i = 0; i < 3; i++)
        if (!uv_is_closing(hs[i]))
            uv_close(hs[i], on_session_handle_closed);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    (void)suggested;
    chunk_t *c = malloc(sizeof *c + CHUNK);
    *buf = c ? uv_buf_init(c->data, CHUNK) : uv_buf_init(NULL, 0);
}

static chunk_t *chunk_of(const uv_buf_t *buf)
{
    return buf->base ? (chunk_t *)(buf->base - offsetof(chunk_t, data)) : NULL;
}

static void on_written(uv_write_t *wr, int status)
{
    chunk_t *c = wr->data;
    session_t *s = c->wr.handle->data;
    free(c);
    if (status < 0)
        session_close(s);
}

static void forward(session_t *s, uv_tcp_t *to, chunk_t *c)
{
    uv_buf_t b = uv_buf_init(c->data, (unsigned)c->len);
    c->wr.data = c;
    if (uv_write(&c->wr, (uv_stream_t *)to, &b, 1, on_written) < 0) {
        free(c);
        session_close(s);
    }
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    session_close(req->data);
}

/* The upstream is done: pass its end on after every byte written so far. */
static void finish_client(session_t *s)
{
    s->shut.data = s;
    if (s->closing || uv_shutdown(&s->shut, (uv_stream_t *)&s->client, on_shutdown) < 0)
        session_close(s);
}

static void on_timer(uv_timer_t *t)
{
    session_t *s = t->data;
    uint64_t now = uv_now(s->px->loop);
    while (s->head && s->head->release_ms <= now && !s->closing) {
        chunk_t *c = s->head;
        s->head = c->next;
        if (!s->head)
            s->tail = NULL;
        forward(s, &s->client, c);
    }
    if (s->head && !s->closing)
        uv_timer_start(&s->timer, on_timer, s->head->release_ms - now, 0);
    else if (!s->head && s->upstream_eof)
        finish_client(s);
}

static void on_client_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    session_t *s = st->data;
    chunk_t *c = chunk_of(buf);
    if (n <= 0) {
        free(c);
        if (n == UV_EOF) { /* half-close: pass it on, keep the answer coming */
            uv_read_stop(st);
            if (uv_shutdown(&s->shut_up, (uv_stream_t *)&s->upstream, NULL) < 0)
                session_close(s);
        } else if (n < 0) {
            session_close(s);
        }
        return;
    }
    c->len = (size_t)n;
    forward(s, &s->upstream, c);
}

static void on_upstream_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    session_t *s = st->data;
    chunk_t *c = chunk_of(buf);
    if (n <= 0) {
        free(c);
        if (n < 0) {
            uv_read_stop(st);
            s->upstream_eof = true;
            if (!s->head)
                finish_client(s);
        }
        return;
    }
    c->len = (size_t)n;
    c->next = NULL;
    if (s->px->latency_ms == 0 && !s->head) {
        forward(s, &s->client, c);
        return;
    }
    c->release_ms = uv_now(s->px->loop) + s->px->latency_ms;
    if (s->tail)
        s->tail->next = c;
    else
        s->head = c;
    s->tail = c;
    if (!uv_is_active((uv_handle_t *)&s->timer))
        uv_timer_start(&s->timer, on_timer, s->head->release_ms - uv_now(s->px->loop), 0);
}

static void on_upstream_connected(uv_connect_t *req, int status)
{
    session_t *s = req->data;
    if (status < 0 || s->closing) {
        session_close(s);
        return;
    }
    uv_read_start((uv_stream_t *)&s->client, on_alloc, on_client_read);
    uv_read_start((uv_stream_t *)&s->upstream, on_alloc, on_upstream_read);
}

static void on_accept(uv_stream_t *l, int status)
{
    pair_t *p = l->data;
    proxy_t *px = p->px;
    if (status < 0)
        return;
    session_t *s = calloc(1, sizeof *s);
    if (!s)
        return;
    s->px = px;
    uv_tcp_init(px->loop, &s->client);
    uv_tcp_init(px->loop, &s->upstream);
    uv_timer_init(px->loop, &s->timer);
    s->client.data = s->upstream.data = s->timer.data = s->connect.data = s;
    s->open_handles = 3;
    s->next = px->sessions;
    if (px->sessions)
        px->sessions->prev = s;
    px->sessions = s;
    if (uv_accept(l, (uv_stream_t *)&s->client) != 0) {
        session_close(s);
        return;
    }
    px->accepted++;
    if (px->drop > 0 && (double)rand() / RAND_MAX < px->drop) {
        px->dropped++;
        /* a refused connection: the client sees a RST */
        uv_tcp_close_reset(&s->client, on_session_handle_closed);
        session_close(s);
        return;
    }
    if (uv_tcp_connect(&s->connect, &s->upstream, (struct sockaddr *)&p->upstream,
                       on_upstream_connected) != 0)
        session_close(s);
}

/* --- control socket --------------------------------------------------------------------- */

typedef struct control_conn {
    uv_pipe_t pipe;
    proxy_t *px;
    char line[256];
    size_t len;
    uv_write_t wr;
    char answer[256];
} control_conn_t;

static void on_control_closed(uv_handle_t *h) { free(h->data); }

static void on_answer_written(uv_write_t *wr, int status)
{
    (void)status;
    control_conn_t *cc = wr->data;
    uv_close((uv_handle_t *)&cc->pipe, on_control_closed);
}

static void command(proxy_t *px, const char *line, char *answer, size_t size)
{
    char *end;
    if (strncmp(line, "latency ", 8) == 0) {
        unsigned long long ms = strtoull(line + 8, &end, 10);
        if (end == line + 8 || ms > 600000) {
            snprintf(answer, size, "error: latency takes milliseconds 0..600000\n");
            return;
        }
        px->latency_ms = ms;
    } else if (strncmp(line, "drop ", 5) == 0) {
        double p = strtod(line + 5, &end);
        if (end == line + 5 || !(p >= 0 && p <= 1)) {
            snprintf(answer, size, "error: drop takes a probability 0..1\n");
            return;
        }
        px->drop = p;
    } else if (strcmp(line, "reset") == 0) {
        while (px->sessions)
            session_close(px->sessions);
    } else if (strcmp(line, "clear") == 0) {
        px->latency_ms = 0;
        px->drop = 0;
    } else if (strcmp(line, "status") != 0) {
        snprintf(answer, size, "error: unknown command (latency MS, drop P, reset, clear, status)\n");
        return;
    }
    int n = 0;
    for (session_t *s = px->sessions; s; s = s->next)
        n++;
    snprintf(answer, size, "ok latency_ms=%llu drop=%.3f sessions=%d accepted=%llu dropped=%llu\n",
             (unsigned long long)px->latency_ms, px->drop, n, px->accepted, px->dropped);
}

static void on_control_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    control_conn_t *cc = h->data;
    *buf = uv_buf_init(cc->line + cc->len, (unsigned)(sizeof cc->line - 1 - cc->len));
}

static void on_control_read(uv_stream_t *st, ssize_t n, const uv_buf_t *buf)
{
    (void)buf;
    control_conn_t *cc = st->data;
    if (n < 0 || (n == 0 && cc->len == sizeof cc->line - 1)) {
        uv_close((uv_handle_t *)&cc->pipe, on_control_closed);
        return;
    }
    cc->len += (size_t)n;
    cc->line[cc->len] = 0;
    char *nl = strchr(cc->line, '\n');
    if (!nl && cc->len < sizeof cc->line - 1)
        return;
    if (nl)
        *nl = 0;
    uv_read_stop(st);
    command(cc->px, cc->line, cc->answer, sizeof cc->answer);
    uv_buf_t b = uv_buf_init(cc->answer, (unsigned)strlen(cc->answer));
    cc->wr.data = cc;
    if (uv_write(&cc->wr, st, &b, 1, on_answer_written) < 0)
        uv_close((uv_handle_t *)&cc->pipe, on_control_closed);
}

static void on_control_connection(uv_stream_t *server, int status)
{
    proxy_t *px = server->data;
    if (status < 0)
        return;
    control_conn_t *cc = calloc(1, sizeof *cc);
    if (!cc)
        return;
    cc->px = px;
    uv_pipe_init(px->loop, &cc->pipe, 0);
    cc->pipe.data = cc;
    if (uv_accept(server, (uv_stream_t *)&cc->pipe) != 0) {
        uv_close((uv_handle_t *)&cc->pipe, on_control_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&cc->pipe, on_control_alloc, on_control_read);
}

/* --- setup -------------------------------------------------------------------------------- */

static void on_sigterm(uv_signal_t *sig, int signum)
{
    (void)signum;
    proxy_t *px = sig->data;
    while (px->sessions)
        session_close(px->sessions);
    for (int i = 0; i < px->npairs; i++)
        uv_close((uv_handle_t *)&px->pairs[i].listener, NULL);
    uv_close((uv_handle_t *)&px->control, NULL);
    uv_close((uv_handle_t *)sig, NULL);
}

static int parse_addr(const char *text, struct sockaddr_in *out)
{
    char ip[64];
    const char *colon = strrchr(text, ':');
    if (!colon || (size_t)(colon - text) >= sizeof ip)
        return -1;
    memcpy(ip, text, (size_t)(colon - text));
    ip[colon - text] = 0;
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535)
        return -1;
    return uv_ip4_addr(ip, (int)port, out) == 0 ? 0 : -1;
}

/* "LISTEN_IP:PORT=UPSTREAM_IP:PORT": binds the listener of one pair. */
static int add_pair(proxy_t *px, const char *spec, char *msg, size_t size)
{
    char buf[160];
    snprintf(buf, sizeof buf, "%s", spec);
    char *eq = strchr(buf, '=');
    struct sockaddr_in listen_addr;
    if (px->npairs == MAX_PAIRS || !eq) {
        snprintf(msg, size, "bad --pair \"%s\" (LISTEN_IP:PORT=UPSTREAM_IP:PORT, at most %d)",
                 spec, MAX_PAIRS);
        return -1;
    }
    *eq = 0;
    pair_t *p = &px->pairs[px->npairs];
    if (parse_addr(buf, &listen_addr) || parse_addr(eq + 1, &p->upstream)) {
        snprintf(msg, size, "bad address in --pair \"%s\"", spec);
        return -1;
    }
    p->px = px;
    uv_tcp_init(px->loop, &p->listener);
    p->listener.data = p;
    px->npairs++;
    int rc = uv_tcp_bind(&p->listener, (struct sockaddr *)&listen_addr, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&p->listener, 1024, on_accept);
    if (rc) {
        snprintf(msg, size, "cannot listen on %s: %s", buf, uv_strerror(rc));
        return -1;
    }
    return 0;
}

static const char usage[] =
    "Usage: zf_faultproxy --control SOCKET --pair LISTEN_IP:PORT=UPSTREAM_IP:PORT...\n"
    "TCP fault proxy: on the control socket, one line per connection:\n"
    "  latency MS   delay everything the upstream sends back by MS milliseconds\n"
    "  drop P       reset a share P (0..1) of new connections\n"
    "  reset        reset every open connection\n"
    "  clear        latency 0, drop 0\n"
    "  status       show the settings and counters\n";

int main(int argc, char **argv)
{
    static proxy_t px;
    static const struct option longs[] = {{"control", required_argument, 0, 'c'},
                                          {"pair", required_argument, 0, 'p'},
                                          {"help", no_argument, 0, 'h'}, {0, 0, 0, 0}};
    const char *control = NULL;
    char msg[256];
    int c;
    px.loop = uv_default_loop();
    opterr = 0;
    while ((c = getopt_long(argc, argv, ":h", longs, NULL)) != -1) {
        switch (c) {
        case 'c': control = optarg; break;
        case 'p':
            if (add_pair(&px, optarg, msg, sizeof msg)) {
                fprintf(stderr, "zf_faultproxy: %s\n", msg);
                return 1;
            }
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fprintf(stderr, "zf_faultproxy: bad option\n%s", usage); return 2;
        }
    }
    if (!control || px.npairs == 0 || optind < argc) {
        fprintf(stderr, "zf_faultproxy: --control and at least one --pair are required\n%s",
                usage);
        return 2;
    }
    signal(SIGPIPE, SIG_IGN);
    uv_pipe_init(px.loop, &px.control, 0);
    px.control.data = &px;
    unlink(control);
    int rc = uv_pipe_bind(&px.control, control);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&px.control, 16, on_control_connection);
    if (rc) {
        fprintf(stderr, "zf_faultproxy: control socket %s: %s\n", control, uv_strerror(rc));
        return 1;
    }
    uv_signal_init(px.loop, &px.sigterm);
    px.sigterm.data = &px;
    uv_signal_start(&px.sigterm, on_sigterm, SIGTERM);
    uv_run(px.loop, UV_RUN_DEFAULT);
    uv_loop_close(px.loop);
    unlink(control);
    return 0;
}
