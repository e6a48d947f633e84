/* tls: OpenSSL glue. One SSL per connection with a read BIO (ciphertext in) and a write
 * BIO (ciphertext out), both memory BIOs; SSL_MODE_RELEASE_BUFFERS keeps idle keep-alive
 * connections small. OpenSSL's error queue is per thread, so sessions of different engine
 * threads never see each other's errors. */
#include "loadgen/tls.h"

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>

struct zf_tls_ctx {
    SSL_CTX *ssl;
    int verify;
};

struct zf_tls {
    SSL *ssl;
    BIO *in, *out;   /* owned by ssl */
    int ready;
    char error[160];
};

/* Copies OpenSSL's last queued error (or `what`) into buf and clears the queue. */
static void take_error(char *buf, size_t len, const char *what)
{
    unsigned long e = ERR_peek_last_error();
    if (e) {
        char s[120];
        ERR_error_string_n(e, s, sizeof s);
        snprintf(buf, len, "%s: %s", what, s);
    } else {
        snprintf(buf, len, "%s", what);
    }
    ERR_clear_error();
}

int zf_tls_ctx_new(zf_tls_ctx_t **out, int verify, const char *ca_file, zf_err_t *err)
{
    static const unsigned char alpn[] = "\x08http/1.1";
    char msg[160];
    *out = NULL;
    zf_tls_ctx_t *c = calloc(1, sizeof *c);
    if (!c || !(c->ssl = SSL_CTX_new(TLS_client_method()))) {
        free(c);
        return zf_err_set(err, ZF_ENOMEM, "TLS: cannot create a context");
    }
    c->verify = verify;
    SSL_CTX_set_min_proto_version(c->ssl, TLS1_2_VERSION);
    SSL_CTX_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
    SSL_CTX_set_alpn_protos(c->ssl, alpn, sizeof alpn - 1);
    SSL_CTX_set_verify(c->ssl, verify ? SSL_VERIFY_PEER : SSL_VERIFY_NONE, NULL);
    if (verify) {
        SSL_CTX_set_default_verify_paths(c->ssl);
        if (ca_file && SSL_CTX_load_verify_locations(c->ssl, ca_file, NULL) != 1) {
            take_error(msg, sizeof msg, "cannot load CA file");
            zf_tls_ctx_free(c);
            return zf_err_set(err, ZF_EINVAL, "TLS: %s '%s'", msg, ca_file);
        }
    }
    ERR_clear_error();
    *out = c;
    return 0;
}

void zf_tls_ctx_free(zf_tls_ctx_t *ctx)
{
    if (!ctx)
        return;
    SSL_CTX_free(ctx->ssl);
    free(ctx);
}

/* Sets SNI (names only) and the identity to verify (name or IP literal). */
static int set_peer(zf_tls_t *t, const zf_tls_ctx_t *ctx, const char *host)
{
    unsigned char ip[16];
    int literal = inet_pton(AF_INET, host, ip) == 1 || inet_pton(AF_INET6, host, ip) == 1;
    if (!literal && SSL_set_tlsext_host_name(t->ssl, host) != 1)
        return -1;
    if (!ctx->verify)
        return 0;
    if (literal)
        return X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(t->ssl), host) == 1 ? 0 : -1;
    return SSL_set1_host(t->ssl, host) == 1 ? 0 : -1;
}

int zf_tls_new(zf_tls_t **out, zf_tls_ctx_t *ctx, const char *host, zf_err_t *err)
{
    *out = NULL;
    zf_tls_t *t = calloc(1, sizeof *t);
    if (!t)
        return zf_err_set(err, ZF_ENOMEM, "TLS: out of memory");
    t->ssl = SSL_new(ctx->ssl);
    t->in = BIO_new(BIO_s_mem());
    t->out = BIO_new(BIO_s_mem());
    if (!t->ssl || !t->in || !t->out) {
        BIO_free(t->in);
        BIO_free(t->out);
        SSL_free(t->ssl);
        free(t);
        ERR_clear_error();
        return zf_err_set(err, ZF_ENOMEM, "TLS: cannot create a session");
    }
    BIO_set_mem_eof_return(t->in, -1); /* empty means "wait for more", not EOF */
    BIO_set_mem_eof_return(t->out, -1);
    SSL_set_bio(t->ssl, t->in, t->out);
    SSL_set_connect_state(t->ssl);
    if (set_peer(t, ctx, host) < 0) {
        zf_tls_free(t);
        ERR_clear_error();
        return zf_err_set(err, ZF_ENOMEM, "TLS: cannot set the peer name '%s'", host);
    }
    *out = t;
    return 0;
}

void zf_tls_free(zf_tls_t *t)
{
    if (!t)
        return;
    SSL_free(t->ssl);
    free(t);
}

int zf_tls_feed(zf_tls_t *t, const char *data, size_t n)
{
    while (n > 0) {
        int chunk = n > (1u << 30) ? 1 << 30 : (int)n;
        int k = BIO_write(t->in, data, chunk);
        if (k <= 0) {
            take_error(t->error, sizeof t->error, "TLS: cannot buffer input");
            return ZF_ENOMEM;
        }
        data += k;
        n -= (size_t)k;
    }
    return 0;
}

/* Maps a failed SSL call to 0 (retry later), ZF_TLS_EOF or ZF_TLS_ERR. */
static int failure(zf_tls_t *t, int rc, const char *what)
{
    switch (SSL_get_error(t->ssl, rc)) {
    case SSL_ERROR_WANT_READ:
    case SSL_ERROR_WANT_WRITE:
        return 0;
    case SSL_ERROR_ZERO_RETURN:
        return ZF_TLS_EOF;
    default:
        break;
    }
    long v = SSL_get_verify_result(t->ssl);
    if (v != X509_V_OK) {
        snprintf(t->error, sizeof t->error, "TLS: certificate verify failed: %s",
                 X509_verify_cert_error_string(v));
        ERR_clear_error();
    } else {
        take_error(t->error, sizeof t->error, what);
    }
    return ZF_TLS_ERR;
}

int zf_tls_read(zf_tls_t *t, char *out, size_t cap)
{
    if (!t->ready) {
        int rc = SSL_do_handshake(t->ssl);
        if (rc != 1)
            return failure(t, rc, "TLS handshake");
        t->ready = 1;
    }
    if (cap == 0)
        return 0;
    int rc = SSL_read(t->ssl, out, cap > (1u << 30) ? 1 << 30 : (int)cap);
    return rc > 0 ? rc : failure(t, rc, "TLS read");
}

int zf_tls_ready(const zf_tls_t *t) { return t->ready; }

int zf_tls_write(zf_tls_t *t, const char *data, size_t n)
{
    if (!t->ready) {
        snprintf(t->error, sizeof t->error, "TLS: write before the handshake completed");
        return ZF_TLS_ERR;
    }
    while (n > 0) {
        int chunk = n > (1u << 30) ? 1 << 30 : (int)n;
        int rc = SSL_write(t->ssl, data, chunk);
        if (rc <= 0) {
            /* memory BIOs never block a write: any failure is final */
            failure(t, rc, "TLS write");
            return ZF_TLS_ERR;
        }
        data += rc;
        n -= (size_t)rc;
    }
    return 0;
}

size_t zf_tls_pending(const zf_tls_t *t) { return BIO_ctrl_pending(t->out); }

size_t zf_tls_take(zf_tls_t *t, char *out, size_t cap)
{
    int k = BIO_read(t->out, out, cap > (1u << 30) ? 1 << 30 : (int)cap);
    return k > 0 ? (size_t)k : 0;
}

const char *zf_tls_error(const zf_tls_t *t) { return t->error; }
