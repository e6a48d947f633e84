/* tls: client TLS sessions over memory BIOs (OpenSSL), independent of any socket. The
 * engine feeds received ciphertext in, reads plaintext out, writes plaintext and takes
 * the ciphertext to send, so TLS rides on libuv streams like plain TCP does. */
#ifndef ZF_TLS_H
#define ZF_TLS_H

#include <stddef.h>

#include "engine/err.h"

typedef struct zf_tls_ctx zf_tls_ctx_t; /* shared settings: verification, CA file */
typedef struct zf_tls zf_tls_t;         /* one connection's session */

enum {
    ZF_TLS_EOF = -1, /* the server sent close_notify */
    ZF_TLS_ERR = -2, /* handshake, verification or record failure: see zf_tls_error */
};

/* New client context: TLS 1.2 or later, ALPN "http/1.1". verify: check the server
 * certificate against the system CAs plus ca_file (PEM, may be NULL) and the host name.
 * Caller frees with zf_tls_ctx_free. 0, ZF_EINVAL (unreadable ca_file) or ZF_ENOMEM. */
int zf_tls_ctx_new(zf_tls_ctx_t **out, int verify, const char *ca_file, zf_err_t *err);
void zf_tls_ctx_free(zf_tls_ctx_t *ctx);

/* New session to `host` (SNI and the name checked; an address literal is checked as an
 * IP). Caller frees with zf_tls_free. 0 or ZF_ENOMEM. */
int zf_tls_new(zf_tls_t **out, zf_tls_ctx_t *ctx, const char *host, zf_err_t *err);
void zf_tls_free(zf_tls_t *t);

/* Hands ciphertext received from the server to the session. 0 or ZF_ENOMEM. */
int zf_tls_feed(zf_tls_t *t, const char *data, size_t n);

/* Advances the handshake, then decrypts: returns plaintext bytes written to out (> 0),
 * 0 when more ciphertext is needed, ZF_TLS_EOF or ZF_TLS_ERR. Call until it returns
 * <= 0, sending zf_tls_take's output after each call. */
int zf_tls_read(zf_tls_t *t, char *out, size_t cap);

/* 1 once the handshake completed. */
int zf_tls_ready(const zf_tls_t *t);

/* Encrypts n plaintext bytes (only once ready). 0 or ZF_TLS_ERR. */
int zf_tls_write(zf_tls_t *t, const char *data, size_t n);

/* Ciphertext waiting to be sent, and taking up to cap bytes of it into out. */
size_t zf_tls_pending(const zf_tls_t *t);
size_t zf_tls_take(zf_tls_t *t, char *out, size_t cap);

/* Text of the last failure of this session ("certificate verify failed: ..."). */
const char *zf_tls_error(const zf_tls_t *t);

#endif
