/* Tests of loadgen/tls: a client session talks to an in-memory OpenSSL server (a
 * certificate made here), so handshake, verification (CA, name, IP), data both ways,
 * close_notify and garbage are checked without a socket. */
#include <criterion/criterion.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "loadgen/tls.h"

typedef struct server {
    SSL_CTX *ctx;
    SSL *ssl;
    BIO *in, *out;
    EVP_PKEY *key;
    X509 *cert;
    char ca_path[64];
} server_t;

static void add_ext(X509 *x, int nid, const char *value)
{
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
    X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, &v3, nid, value);
    cr_assert_not_null(e);
    X509_add_ext(x, e, -1);
    X509_EXTENSION_free(e);
}

/* A self-signed certificate for `cn` with the given subjectAltName, and a server. */
static void server_init(server_t *s, const char *cn, const char *san)
{
    memset(s, 0, sizeof *s);
    s->key = EVP_EC_gen("P-256");
    cr_assert_not_null(s->key);
    s->cert = X509_new();
    X509_set_version(s->cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(s->cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(s->cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(s->cert), 3600);
    X509_NAME *name = X509_get_subject_name(s->cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(s->cert, name);
    X509_set_pubkey(s->cert, s->key);
    add_ext(s->cert, NID_basic_constraints, "critical,CA:TRUE");
    add_ext(s->cert, NID_subject_alt_name, san);
    cr_assert(X509_sign(s->cert, s->key, EVP_sha256()) > 0);
    s->ctx = SSL_CTX_new(TLS_server_method());
    cr_assert_eq(SSL_CTX_use_certificate(s->ctx, s->cert), 1);
    cr_assert_eq(SSL_CTX_use_PrivateKey(s->ctx, s->key), 1);
    s->ssl = SSL_new(s->ctx);
    s->in = BIO_new(BIO_s_mem());
    s->out = BIO_new(BIO_s_mem());
    BIO_set_mem_eof_return(s->in, -1);
    SSL_set_bio(s->ssl, s->in, s->out);
    SSL_set_accept_state(s->ssl);
    snprintf(s->ca_path, sizeof s->ca_path, "/tmp/zf_tls_ca_%d.pem", (int)getpid());
    FILE *f = fopen(s->ca_path, "w");
    cr_assert_not_null(f);
    PEM_write_X509(f, s->cert);
    fclose(f);
}

static void server_free(server_t *s)
{
    unlink(s->ca_path);
    SSL_free(s->ssl);
    SSL_CTX_free(s->ctx);
    X509_free(s->cert);
    EVP_PKEY_free(s->key);
}

/* Moves bytes both ways until neither side has anything to say; returns the client's
 * last zf_tls_read result and leaves its plaintext in out. */
static int shuttle(server_t *s, zf_tls_t *c, char *out, size_t cap)
{
    char buf[32768];
    int rc = 0;
    for (int round = 0; round < 20; round++) {
        rc = zf_tls_read(c, out, cap);
        size_t n;
        int moved = 0;
        while ((n = zf_tls_take(c, buf, sizeof buf)) > 0) {
            BIO_write(s->in, buf, (int)n);
            moved = 1;
        }
        if (!SSL_is_init_finished(s->ssl))
            SSL_do_handshake(s->ssl);
        else {
            char app[1024];
            int k = SSL_read(s->ssl, app, sizeof app);
            if (k > 0 && memcmp(app, "ping", 4) == 0)
                SSL_write(s->ssl, "pong", 4);
        }
        int k;
        while ((k = BIO_read(s->out, buf, sizeof buf)) > 0) {
            zf_tls_feed(c, buf, (size_t)k);
            moved = 1;
        }
        if (rc != 0 || (!moved && round > 0))
            break;
    }
    return rc;
}

static zf_tls_t *client(zf_tls_ctx_t **ctx, int verify, const char *ca, const char *host)
{
    zf_err_t err;
    cr_assert_eq(zf_tls_ctx_new(ctx, verify, ca, &err), 0, "%s", err.msg);
    zf_tls_t *t;
    cr_assert_eq(zf_tls_new(&t, *ctx, host, &err), 0, "%s", err.msg);
    return t;
}

/* A server with a certificate for `san`, a client to `host` (verifying against that
 * certificate when with_ca), and the handshake between them; returns its result. */
typedef struct pair {
    server_t s;
    zf_tls_ctx_t *ctx;
    zf_tls_t *c;
} pair_t;

static int handshake(pair_t *p, const char *san, int verify, int with_ca, const char *host)
{
    server_init(&p->s, "localhost", san);
    p->c = client(&p->ctx, verify, with_ca ? p->s.ca_path : NULL, host);
    char out[64];
    return shuttle(&p->s, p->c, out, sizeof out);
}

static void pair_free(pair_t *p)
{
    zf_tls_free(p->c);
    zf_tls_ctx_free(p->ctx);
    server_free(&p->s);
}

Test(tls, verified_handshake_then_data_both_ways)
{
    pair_t p;
    cr_assert_eq(handshake(&p, "DNS:localhost,IP:127.0.0.1", 1, 1, "localhost"), 0);
    cr_assert(zf_tls_ready(p.c));
    cr_assert_eq(zf_tls_write(p.c, "ping", 4), 0);
    char out[64];
    cr_assert_eq(shuttle(&p.s, p.c, out, sizeof out), 4);
    cr_assert_eq(memcmp(out, "pong", 4), 0);
    SSL_shutdown(p.s.ssl);
    cr_assert_eq(shuttle(&p.s, p.c, out, sizeof out), ZF_TLS_EOF);
    pair_free(&p);
}

Test(tls, ip_literal_is_checked_as_an_address)
{
    pair_t p;
    cr_assert_eq(handshake(&p, "DNS:localhost,IP:127.0.0.1", 1, 1, "127.0.0.1"), 0,
                 "%s", zf_tls_error(p.c));
    cr_assert(zf_tls_ready(p.c));
    pair_free(&p);
}

Test(tls, untrusted_certificate_fails_with_a_reason)
{
    pair_t p;
    cr_assert_eq(handshake(&p, "DNS:localhost", 1, 0, "localhost"), ZF_TLS_ERR);
    cr_assert(strstr(zf_tls_error(p.c), "certificate verify failed") != NULL, "%s",
              zf_tls_error(p.c));
    cr_assert(!zf_tls_ready(p.c));
    cr_assert_eq(zf_tls_write(p.c, "x", 1), ZF_TLS_ERR);
    pair_free(&p);
}

Test(tls, wrong_host_name_fails)
{
    pair_t p;
    cr_assert_eq(handshake(&p, "DNS:localhost", 1, 1, "other.test"), ZF_TLS_ERR);
    cr_assert(strstr(zf_tls_error(p.c), "verify") != NULL, "%s", zf_tls_error(p.c));
    pair_free(&p);
}

Test(tls, verification_off_accepts_any_certificate)
{
    pair_t p;
    cr_assert_eq(handshake(&p, "DNS:elsewhere", 0, 0, "localhost"), 0, "%s",
                 zf_tls_error(p.c));
    cr_assert(zf_tls_ready(p.c));
    pair_free(&p);
}

Test(tls, garbage_from_the_server_is_an_error)
{
    zf_tls_ctx_t *ctx;
    zf_tls_t *c = client(&ctx, 0, NULL, "localhost");
    char out[64];
    cr_assert_eq(zf_tls_read(c, out, sizeof out), 0); /* ClientHello queued */
    cr_assert(zf_tls_pending(c) > 0);
    const char junk[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    cr_assert_eq(zf_tls_feed(c, junk, sizeof junk - 1), 0);
    cr_assert_eq(zf_tls_read(c, out, sizeof out), ZF_TLS_ERR);
    cr_assert(zf_tls_error(c)[0] != 0);
    zf_tls_free(c);
    zf_tls_ctx_free(ctx);
}

Test(tls, unreadable_ca_file_is_bad_input)
{
    zf_tls_ctx_t *ctx;
    zf_err_t err;
    cr_assert_eq(zf_tls_ctx_new(&ctx, 1, "/nonexistent/ca.pem", &err), ZF_EINVAL);
    cr_assert(strstr(err.msg, "/nonexistent/ca.pem") != NULL, "%s", err.msg);
    cr_assert_null(ctx);
}
