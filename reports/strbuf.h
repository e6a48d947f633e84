/* strbuf: a growable text buffer for the report writers (HTML, Markdown, JUnit XML,
 * gnuplot scripts and data), with the escapings they need. An allocation failure is
 * remembered and reported once, by zf_sb_failed, so writers can append unchecked. */
#ifndef ZF_STRBUF_H
#define ZF_STRBUF_H

#include <stdbool.h>
#include <stddef.h>

typedef struct zf_sb {
    char *data;  /* NUL-terminated, owned; NULL until the first append */
    size_t len, cap;
    bool oom;    /* an append failed for lack of memory */
} zf_sb_t;

/* A zero-initialised zf_sb_t is an empty buffer; zf_sb_free releases it. */
void zf_sb_free(zf_sb_t *b);
/* Empties the buffer, keeping its memory. */
void zf_sb_reset(zf_sb_t *b);
/* The text (never NULL: "" when empty). */
const char *zf_sb_str(const zf_sb_t *b);
/* Whether an append ran out of memory since the last reset. */
static inline bool zf_sb_failed(const zf_sb_t *b) { return b->oom; }

void zf_sb_putn(zf_sb_t *b, const char *s, size_t n);
void zf_sb_puts(zf_sb_t *b, const char *s);
void zf_sb_putc(zf_sb_t *b, char c);
void zf_sb_printf(zf_sb_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Appends s escaped for XML and HTML text and attribute values (& < > " '); control
 * characters that XML 1.0 forbids become '?'. */
void zf_sb_put_xml(zf_sb_t *b, const char *s);
/* Appends s escaped for a Markdown table cell: \ | ` * _, '<' opening a tag and ']'
 * closing a link text; line breaks become spaces. */
void zf_sb_put_md(zf_sb_t *b, const char *s);
/* Appends s as a single-quoted gnuplot string ('' for ', newlines as spaces). */
void zf_sb_put_gp(zf_sb_t *b, const char *s);
/* Appends the base64 encoding (RFC 4648, padded) of n bytes. */
void zf_sb_put_base64(zf_sb_t *b, const void *data, size_t n);

#endif
