/* strbuf: growable text buffer and the escapings of the report formats. */
#include "reports/strbuf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void zf_sb_free(zf_sb_t *b)
{
    free(b->data);
    memset(b, 0, sizeof *b);
}

void zf_sb_reset(zf_sb_t *b)
{
    b->len = 0;
    b->oom = false;
    if (b->data)
        b->data[0] = 0;
}

const char *zf_sb_str(const zf_sb_t *b)
{
    return b->data ? b->data : "";
}

/* Makes room for n more bytes and the NUL; false (and oom set) when memory runs out. */
static bool reserve(zf_sb_t *b, size_t n)
{
    if (b->oom)
        return false;
    if (b->len + n + 1 <= b->cap)
        return true;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    char *p = realloc(b->data, cap);
    if (!p) {
        b->oom = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void zf_sb_putn(zf_sb_t *b, const char *s, size_t n)
{
    if (!reserve(b, n))
        return;
    memcpy(b->data + b->len, s, n);
    b->len += n;
    b->data[b->len] = 0;
}

void zf_sb_puts(zf_sb_t *b, const char *s)
{
    zf_sb_putn(b, s, strlen(s));
}

void zf_sb_putc(zf_sb_t *b, char c)
{
    zf_sb_putn(b, &c, 1);
}

void zf_sb_printf(zf_sb_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || !reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

void zf_sb_put_xml(zf_sb_t *b, const char *s)
{
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        switch (c) {
        case '&': zf_sb_puts(b, "&amp;"); break;
        case '<': zf_sb_puts(b, "&lt;"); break;
        case '>': zf_sb_puts(b, "&gt;"); break;
        case '"': zf_sb_puts(b, "&quot;"); break;
        case '\'': zf_sb_puts(b, "&#39;"); break;
        default: zf_sb_putc(b, c < 0x20 && c != '\t' && c != '\n' && c != '\r' ? '?' : (char)c);
        }
    }
}

/* Whether '<' at s starts what Markdown would read as an HTML tag (a lone '<' as in
 * "p99 <= 3s" stays as it is, for people reading the raw text in CI logs). */
static bool opens_tag(const char *s)
{
    char n = s[1];
    return n == '/' || n == '!' || n == '?' || (n >= 'a' && n <= 'z') || (n >= 'A' && n <= 'Z');
}

void zf_sb_put_md(zf_sb_t *b, const char *s)
{
    for (; *s; s++) {
        if (strchr("\\|`*_", *s) || (*s == '<' && opens_tag(s)) ||
            (*s == ']' && s[1] && strchr("([:", s[1])))
            zf_sb_putc(b, '\\');
        zf_sb_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
    }
}

void zf_sb_put_gp(zf_sb_t *b, const char *s)
{
    zf_sb_putc(b, '\'');
    for (; *s; s++) {
        if (*s == '\'')
            zf_sb_puts(b, "''");
        else
            zf_sb_putc(b, *s == '\n' || *s == '\r' ? ' ' : *s);
    }
    zf_sb_putc(b, '\'');
}

void zf_sb_put_base64(zf_sb_t *b, const void *data, size_t n)
{
    static const char abc[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const unsigned char *p = data;
    if (!reserve(b, (n + 2) / 3 * 4))
        return;
    char *o = b->data + b->len;
    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < n)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < n)
            v |= p[i + 2];
        *o++ = abc[v >> 18 & 63];
        *o++ = abc[v >> 12 & 63];
        *o++ = i + 1 < n ? abc[v >> 6 & 63] : '=';
        *o++ = i + 2 < n ? abc[v & 63] : '=';
    }
    b->len = (size_t)(o - b->data);
    b->data[b->len] = 0;
}
