/* app_server: the app's libuv HTTP server: accepts connections, reads requests with
 * app_http, answers /health on the loop and hands database routes to the app_db pool
 * (one request in flight per connection; pipelined requests wait their turn). */
#ifndef ZF_APP_SERVER_H
#define ZF_APP_SERVER_H

#include <uv.h>

typedef struct zf_app_config {
    const char *listen_ip;
    int listen_port;
    const char *conninfo;
    const char *name;       /* instance name shown by /health, e.g. "a1" */
    const char *zone;
    int workers;            /* database threads = connections */
    int queue_max;          /* jobs allowed to wait for a worker; beyond: 503 */
} zf_app_config_t;

typedef struct zf_app_server zf_app_server_t;

/* Binds and starts serving on loop. Returns 0 or a negative libuv error code, with a
 * message in msg. Free with zf_app_server_close. */
int zf_app_server_start(uv_loop_t *loop, const zf_app_config_t *cfg,
                        zf_app_server_t **out, char *msg, size_t msg_size);

/* Stops accepting, closes connections, stops the pool; the loop then runs dry. */
void zf_app_server_close(zf_app_server_t *srv);

#endif
