/* services/notify/template.c - the template language: compile once, render always
 *
 * A text compiles to a flat array of nodes (literal text, a variable, a
 * section's start and end) with each start holding the index of its end,
 * so rendering is one loop without recursion or a stack, and cannot fail
 * but for memory. Every check happens in nt_part_compile: the tags are
 * well formed and balanced, every variable is one the event has, and a
 * variable used bare is either always present or inside a {{#name}}
 * section that tests that same variable: a rendered letter never has a
 * blank where a value should be. Positions are counted in characters
 * (code points), lines and columns from 1, as an editor shows them.
 */
#include "template.h"

#include "hf/buf.h"
#include "hf/encoding.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_DEPTH 16

typedef enum { N_TEXT, N_VAR, N_OPEN, N_INVERT, N_CLOSE } kind_t;

typedef struct {
    kind_t kind;
    uint32_t off, len; /* N_TEXT: the literal in src */
    int var;           /* N_VAR, N_OPEN, N_INVERT, N_CLOSE */
    uint32_t end;      /* N_OPEN, N_INVERT: index of the N_CLOSE */
} node_t;

struct nt_part {
    char *src;
    node_t *nodes;
    size_t n, cap;
    uint32_t uses;
};

struct nt_template {
    nt_part_t *subject, *text, *html;
};

/* ---- positions and errors ---- */

/* Line and column (in code points) of byte offset at in src. */
static void position(const char *src, size_t at, int *line, int *column)
{
    int l = 1, c = 1;
    for (size_t i = 0; i < at; i++) {
        unsigned char b = (unsigned char)src[i];
        if (b == '\n')
            l++, c = 1;
        else if ((b & 0xC0) != 0x80)
            c++;
    }
    *line = l, *column = c;
}

/* Fill *err for a refusal at byte at of src: code, the name (nlen bytes,
 * may be NULL) and the message "line:column: " then fmt, in which the
 * name is err->name. */
static void fail(nt_error_t *err, const char *src, size_t at, const char *code, const char *name,
                 size_t nlen, const char *fmt, ...) __attribute__((format(printf, 7, 8)));
static void fail(nt_error_t *err, const char *src, size_t at, const char *code, const char *name,
                 size_t nlen, const char *fmt, ...)
{
    position(src, at, &err->line, &err->column);
    err->code = code;
    if (!name)
        nlen = 0;
    if (nlen >= sizeof(err->name))
        nlen = sizeof(err->name) - 1;
    if (nlen)
        memcpy(err->name, name, nlen);
    err->name[nlen] = '\0';
    char text[160];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(text, sizeof(text), fmt, ap);
    va_end(ap);
    snprintf(err->message, sizeof(err->message), "%d:%d: %s", err->line, err->column, text);
}

/* ---- compiling ---- */

static int push(nt_part_t *p, node_t n)
{
    if (p->n == p->cap) {
        size_t cap = p->cap ? 2 * p->cap : 16;
        node_t *nodes = realloc(p->nodes, cap * sizeof(*nodes));
        if (!nodes)
            return -1;
        p->nodes = nodes, p->cap = cap;
    }
    p->nodes[p->n++] = n;
    return 0;
}

static int name_char(char c, int first)
{
    return (c >= 'a' && c <= 'z') || c == '_' || (!first && c >= '0' && c <= '9');
}

void nt_part_destroy(nt_part_t **pp)
{
    if (!pp || !*pp)
        return;
    free((*pp)->src);
    free((*pp)->nodes);
    free(*pp);
    *pp = NULL;
}

uint32_t nt_part_uses(const nt_part_t *p)
{
    return p->uses;
}

/* Sections open while compiling: the node index, the variable, where. */
typedef struct {
    size_t node;
    int var;
    size_t at;
    int inverted;
} open_t;

nt_part_t *nt_part_compile(const char *src, size_t len, uint32_t allowed, uint32_t required,
                           nt_error_t *err)
{
    if (len > NT_TEMPLATE_MAX) {
        fail(err, src, 0, "too_long", NULL, 0, "longer than 65536 bytes");
        err->line = err->column = 0;
        return NULL;
    }
    size_t bad = hf_utf8_invalid_at(src, len);
    if (bad < len) {
        fail(err, src, bad, "encoding", NULL, 0, "not UTF-8");
        return NULL;
    }
    if (memchr(src, '\0', len)) {
        fail(err, src, (size_t)((const char *)memchr(src, '\0', len) - src), "encoding", NULL, 0,
             "a NUL character");
        return NULL;
    }
    nt_part_t *p = calloc(1, sizeof(*p));
    if (!p || !(p->src = malloc(len + 1))) {
        free(p);
        err->code = "nomem", err->line = err->column = 0, err->name[0] = '\0';
        snprintf(err->message, sizeof(err->message), "out of memory");
        return NULL;
    }
    memcpy(p->src, src, len);
    p->src[len] = '\0';
    open_t open[MAX_DEPTH];
    int depth = 0;
    size_t i = 0, lit = 0;
/* N: the name being refused, as fail() copies it into err before formatting */
#define N err->name
#define FAIL(at, code, name, nlen, ...)                \
    do {                                               \
        fail(err, src, at, code, name, nlen, __VA_ARGS__); \
        goto refuse;                                   \
    } while (0)
#define NOMEM()                                                          \
    do {                                                                 \
        err->code = "nomem", err->line = err->column = 0, err->name[0] = '\0'; \
        snprintf(err->message, sizeof(err->message), "out of memory");   \
        goto refuse;                                                     \
    } while (0)
    while (i < len) {
        if (src[i] == '}' && i + 1 < len && src[i + 1] == '}')
            FAIL(i, "syntax", NULL, 0, "stray \"}}\" outside a tag");
        if (!(src[i] == '{' && i + 1 < len && src[i + 1] == '{')) {
            i++;
            continue;
        }
        /* a tag at i */
        size_t tag = i;
        if (i > lit && push(p, (node_t){ N_TEXT, (uint32_t)lit, (uint32_t)(i - lit), -1, 0 }) < 0)
            NOMEM();
        i += 2;
        size_t close = i;
        while (close + 1 < len && !(src[close] == '}' && src[close + 1] == '}')) {
            if (src[close] == '{' && src[close + 1] == '{')
                FAIL(tag, "syntax", NULL, 0, "unclosed tag: \"{{\" without \"}}\"");
            close++;
        }
        if (close + 1 >= len)
            FAIL(tag, "syntax", NULL, 0, "unclosed tag: \"{{\" without \"}}\"");
        size_t a = i, b = close;
        while (a < b && (src[a] == ' ' || src[a] == '\t'))
            a++;
        while (b > a && (src[b - 1] == ' ' || src[b - 1] == '\t'))
            b--;
        char sigil = a < b ? src[a] : '\0';
        kind_t kind = N_VAR;
        if (sigil == '#' || sigil == '^' || sigil == '/') {
            kind = sigil == '#' ? N_OPEN : sigil == '^' ? N_INVERT : N_CLOSE;
            a++;
            while (a < b && (src[a] == ' ' || src[a] == '\t'))
                a++;
        } else if (sigil == '{' || sigil == '&' || sigil == '>' || sigil == '!' || sigil == '=') {
            char s[2] = { sigil, '\0' };
            FAIL(tag, "syntax", NULL, 0,
                 "unsupported tag \"{{%s\": only {{name}}, {{#name}}, {{^name}} and {{/name}}",
                 s);
        }
        size_t nlen = b - a;
        const char *name = src + a;
        if (nlen == 0)
            FAIL(tag, "syntax", NULL, 0, "empty tag");
        for (size_t k = 0; k < nlen; k++)
            if (!name_char(name[k], k == 0))
                FAIL(tag, "syntax", name, nlen,
                     "invalid name \"%s\": lowercase letters, digits and _", N);
        int var = nt_var_of(name, nlen);
        if (var < 0 || !(allowed & (1u << var)))
            FAIL(a, "unknown_variable", name, nlen, "unknown variable \"%s\"", N);
        i = close + 2;
        lit = i;
        if (kind == N_CLOSE) {
            if (depth == 0)
                FAIL(tag, "syntax", name, nlen, "{{/%s}} closes no section", N);
            open_t *o = &open[depth - 1];
            if (o->var != var) {
                char want[64];
                snprintf(want, sizeof(want), "%s%s", o->inverted ? "^" : "#", nt_vars[o->var].name);
                FAIL(tag, "syntax", name, nlen, "{{/%s}} closes {{%s}}", N, want);
            }
            p->nodes[o->node].end = (uint32_t)p->n;
            depth--;
        } else if (kind == N_OPEN || kind == N_INVERT) {
            if (depth == MAX_DEPTH)
                FAIL(tag, "syntax", name, nlen, "sections nested deeper than 16 at {{%s}}", N);
            open[depth++] = (open_t){ p->n, var, tag, kind == N_INVERT };
        } else if (!(required & (1u << var))) {
            int guarded = 0;
            for (int d = 0; d < depth; d++)
                guarded |= !open[d].inverted && open[d].var == var;
            if (!guarded)
                FAIL(a, "optional_variable", name, nlen,
                     "\"%s\" may have no value here: use it inside {{#%s}}…{{/%s}}", N, N,
                     N);
        }
        p->uses |= 1u << var;
        if (push(p, (node_t){ kind, 0, 0, var, 0 }) < 0)
            NOMEM();
    }
    if (depth > 0) {
        open_t *o = &open[depth - 1];
        const char *n = nt_vars[o->var].name;
        FAIL(o->at, "syntax", n, strlen(n), "unclosed section {{%s%s}}: no {{/%s}}",
             o->inverted ? "^" : "#", N, N);
    }
    if (len > lit && push(p, (node_t){ N_TEXT, (uint32_t)lit, (uint32_t)(len - lit), -1, 0 }) < 0)
        NOMEM();
#undef FAIL
#undef N
#undef NOMEM
    return p;
refuse:
    nt_part_destroy(&p);
    return NULL;
}

/* ---- rendering ---- */

static void put_value(hf_buf_t *b, const char *v, nt_out_t how)
{
    size_t start = 0, k = 0;
    for (; v[k]; k++) {
        const char *rep = NULL;
        char c = v[k];
        if (how == NT_OUT_HTML)
            rep = c == '&'    ? "&amp;"
                  : c == '<'  ? "&lt;"
                  : c == '>'  ? "&gt;"
                  : c == '"'  ? "&quot;"
                  : c == '\'' ? "&#39;"
                              : NULL;
        else if (how == NT_OUT_SUBJECT && (c == '\r' || c == '\n' || c == '\t'))
            rep = " ";
        if (rep) {
            hf_buf_put(b, v + start, k - start);
            hf_buf_put(b, rep, strlen(rep));
            start = k + 1;
        }
    }
    hf_buf_put(b, v + start, k - start);
}

static int present(const nt_values_t *vals, int var)
{
    return vals->v[var] && *vals->v[var];
}

char *nt_part_render(const nt_part_t *p, const nt_values_t *vals, nt_out_t how)
{
    hf_buf_t b = { 0 };
    hf_buf_put(&b, "", 0);
    for (size_t i = 0; i < p->n; i++) {
        const node_t *n = &p->nodes[i];
        switch (n->kind) {
        case N_TEXT:
            hf_buf_put(&b, p->src + n->off, n->len);
            break;
        case N_VAR:
            if (present(vals, n->var))
                put_value(&b, vals->v[n->var], how);
            break;
        case N_OPEN:
        case N_INVERT:
            if (present(vals, n->var) != (n->kind == N_OPEN))
                i = n->end; /* past the section: the loop steps over its N_CLOSE */
            break;
        case N_CLOSE:
            break;
        }
    }
    return hf_buf_take(&b, NULL);
}

/* ---- whole templates ---- */

void nt_template_destroy(nt_template_t **tp)
{
    if (!tp || !*tp)
        return;
    nt_part_destroy(&(*tp)->subject);
    nt_part_destroy(&(*tp)->text);
    nt_part_destroy(&(*tp)->html);
    free(*tp);
    *tp = NULL;
}

static void whole(nt_error_t *err, const char *field, const char *code, const char *message)
{
    err->field = field, err->code = code, err->line = err->column = 0, err->name[0] = '\0';
    snprintf(err->message, sizeof(err->message), "%s", message);
}

static int part(const char *field, const char *src, uint32_t allowed, uint32_t required,
                nt_part_t **out, nt_error_t *err)
{
    *out = nt_part_compile(src, strlen(src), allowed, required, err);
    if (!*out)
        err->field = field;
    return *out ? 0 : -1;
}

nt_template_t *nt_template_compile(nt_event_t ev, nt_channel_t ch, const char *subject,
                                   const char *text, const char *html, nt_error_t *err)
{
    uint32_t allowed = nt_event_allowed(ev), required = nt_event_required(ev);
    subject = subject ? subject : "", text = text ? text : "", html = html ? html : "";
    if (ch == NT_CH_SMS && *subject)
        return whole(err, "subject", "not_allowed", "an SMS has no subject"), NULL;
    if (ch == NT_CH_SMS && *html)
        return whole(err, "html", "not_allowed", "an SMS has no HTML body"), NULL;
    if (ch == NT_CH_EMAIL && !*subject)
        return whole(err, "subject", "required", "an email needs a subject"), NULL;
    if (!*text)
        return whole(err, "text", "required", "the text body is required"), NULL;
    if (strchr(subject, '\n') || strchr(subject, '\r'))
        return whole(err, "subject", "syntax", "a subject is one line"), NULL;
    nt_template_t *t = calloc(1, sizeof(*t));
    if (!t)
        return whole(err, "text", "nomem", "out of memory"), NULL;
    if ((*subject && part("subject", subject, allowed, required, &t->subject, err) < 0) ||
        part("text", text, allowed, required, &t->text, err) < 0 ||
        (*html && part("html", html, allowed, required, &t->html, err) < 0))
        nt_template_destroy(&t);
    return t;
}

void nt_rendered_clear(nt_rendered_t *r)
{
    free(r->subject);
    free(r->text);
    free(r->html);
    r->subject = r->text = r->html = NULL;
}

int nt_template_render(const nt_template_t *t, const nt_values_t *vals, nt_rendered_t *out)
{
    *out = (nt_rendered_t){ 0 };
    if ((t->subject && !(out->subject = nt_part_render(t->subject, vals, NT_OUT_SUBJECT))) ||
        !(out->text = nt_part_render(t->text, vals, NT_OUT_TEXT)) ||
        (t->html && !(out->html = nt_part_render(t->html, vals, NT_OUT_HTML)))) {
        nt_rendered_clear(out);
        return -1;
    }
    return 0;
}

/* ---- SMS length ---- */

/* GSM 03.38's basic alphabet beyond printable ASCII's common part, and its
 * extension table (two septets each). */
static const char gsm_ascii_out[] = "`"; /* printable ASCII not in the basic set */
static const char gsm_ext[] = "^{}\\[~]|";
static const uint32_t gsm_basic_extra[] = { 0xA3, 0xA5, 0xE8, 0xE9, 0xF9, 0xEC, 0xF2, 0xC7,
                                            0xD8, 0xF8, 0xC5, 0xE5, 0x394, 0x3A6, 0x393, 0x39B,
                                            0x3A9, 0x3A0, 0x3A8, 0x3A3, 0x398, 0x39E, 0xC6, 0xE6,
                                            0xDF, 0xC9, 0xA4, 0xA1, 0xC4, 0xD6, 0xD1, 0xDC,
                                            0xA7, 0xBF, 0xE4, 0xF6, 0xF1, 0xFC, 0xE0, 0x20AC };

/* Septets of cp in GSM 03.38: 1, 2 (extension), or 0 (not in it). */
static int gsm_septets(uint32_t cp)
{
    if (cp == '\n' || cp == '\r')
        return 1;
    if (cp >= 0x20 && cp < 0x7F) {
        if (strchr(gsm_ext, (int)cp))
            return 2;
        return strchr(gsm_ascii_out, (int)cp) ? 0 : 1;
    }
    if (cp == 0x20AC)
        return 2;
    for (size_t k = 0; k < sizeof(gsm_basic_extra) / sizeof(*gsm_basic_extra); k++)
        if (gsm_basic_extra[k] == cp)
            return 1;
    return 0;
}

size_t nt_sms_length(const char *text, size_t *limit)
{
    size_t n = strlen(text), chars = 0, septets = 0;
    int gsm = 1;
    for (size_t i = 0; i < n;) {
        uint32_t cp = 0xFFFD;
        int step = hf_utf8_decode(text + i, n - i, &cp);
        if (step <= 0)
            step = 1;
        i += (size_t)step;
        chars++;
        int s = gsm_septets(cp);
        if (!s)
            gsm = 0;
        septets += (size_t)s;
    }
    *limit = gsm ? 160 : 70;
    return gsm ? septets : chars;
}
