/* services/pipeline/rules_lex.c - the rule language's tokenizer: text to tokens
 *
 * One token of lookahead in parser_t (rules_private.h), read on demand by
 * the parser (rules_parse.c) with rl_next(). Positions are lines and UTF-8
 * characters, since every error message names one; the first error is the
 * only one recorded (rl_fail_at), and everything after it stops. Numbers,
 * durations and strings are checked here, where their text is at hand:
 * ranges, decimals, escapes, control characters.
 */
#include "rules_private.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int rl_fail_at(parser_t *p, unsigned line, unsigned col, const char *fmt, ...)
{
    if (p->failed)
        return -1;
    p->failed = true;
    if (!p->err || p->errlen == 0)
        return -1;
    int k = snprintf(p->err, p->errlen, "line %u, column %u: ", line, col);
    if (k >= 0 && (size_t)k < p->errlen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err + k, p->errlen - (size_t)k, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static bool is_alpha(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

void rl_step(parser_t *p)
{
    unsigned char c = (unsigned char)p->s[p->pos++];
    if (c == '\n') {
        p->line++;
        p->col = 1;
    } else if ((c & 0xC0) != 0x80) {
        p->col++;
    }
}

static char peekc(const parser_t *p, size_t ahead)
{
    return p->pos + ahead < p->len ? p->s[p->pos + ahead] : '\0';
}

static int lex_string(parser_t *p, tok_t *t)
{
    size_t n = 0;
    rl_step(p);                                  /* the opening quote */
    for (;;) {
        if (p->pos >= p->len || p->s[p->pos] == '\n')
            return rl_fail_at(p, t->line, t->col, "unterminated string: add the closing \"");
        char c = p->s[p->pos];
        if (c == '"')
            break;
        if (c == '\\') {
            char e = peekc(p, 1);
            if (e != '"' && e != '\\')
                return rl_fail_at(p, p->line, p->col, "unknown escape in string: only \\\" and \\\\ are escapes");
            rl_step(p);
            c = e;
        }
        if ((unsigned char)c < ' ' && c != '\t')
            return rl_fail_at(p, p->line, p->col, "control character in string");
        if (n >= STRING_MAX)
            return rl_fail_at(p, t->line, t->col, "string longer than %d bytes", STRING_MAX);
        p->str[n++] = c;
        rl_step(p);
    }
    rl_step(p);
    p->str[n] = '\0';
    t->kind = T_STRING;
    return 0;
}

static int lex_number(parser_t *p, tok_t *t)
{
    char buf[40];
    size_t n = 0, decimals = 0;
    bool dot = false;
    if (peekc(p, 0) == '-')
        buf[n++] = '-', rl_step(p);
    while (is_digit(peekc(p, 0)) || (peekc(p, 0) == '.' && !dot && is_digit(peekc(p, 1)))) {
        dot |= peekc(p, 0) == '.';
        decimals += dot && peekc(p, 0) != '.';
        if (n + 1 >= sizeof buf)
            return rl_fail_at(p, t->line, t->col, "number too long");
        buf[n++] = peekc(p, 0);
        rl_step(p);
    }
    buf[n] = '\0';
    char u = peekc(p, 0);
    if ((u == 'm' || u == 'h' || u == 'd') && !is_alpha(peekc(p, 1)) && !is_digit(peekc(p, 1))
        && !dot && buf[0] != '-') {
        rl_step(p);
        unsigned long v = strtoul(buf, NULL, 10);
        unsigned long per = u == 'm' ? 1 : u == 'h' ? 60 : 24 * 60;
        if (n > 6 || v == 0 || v * per > DURATION_MAX_MINUTES)
            return rl_fail_at(p, t->line, t->col, "duration %s%c out of range: 1m to 365d", buf, u);
        t->kind = T_DURATION;
        t->amount = (unsigned)v;
        t->unit = u;
        return 0;
    }
    if (is_alpha(u) || is_digit(u))
        return rl_fail_at(p, t->line, t->col, "bad number %s%c: a duration is a whole number then m, h or d",
                       buf, u);
    if (decimals > 6)
        return rl_fail_at(p, t->line, t->col, "number %s has more than 6 decimals", buf);
    t->num = strtod(buf, NULL);
    if (!(t->num > -NUMBER_LIMIT && t->num < NUMBER_LIMIT))
        return rl_fail_at(p, t->line, t->col, "number %s out of range", buf);
    t->kind = T_NUMBER;
    return 0;
}

static int lex_cmp(parser_t *p, tok_t *t)
{
    char c = peekc(p, 0), d = peekc(p, 1);
    static const struct { char a, b; cmp_t op; } ops[] = {
        { '<', '=', CMP_LE }, { '>', '=', CMP_GE }, { '=', '=', CMP_EQ }, { '!', '=', CMP_NE },
        { '<', 0, CMP_LT }, { '>', 0, CMP_GT },
    };
    for (size_t i = 0; i < sizeof ops / sizeof *ops; i++) {
        if (ops[i].a == c && (!ops[i].b || ops[i].b == d)) {
            rl_step(p);
            if (ops[i].b)
                rl_step(p);
            t->kind = T_CMP;
            t->op = ops[i].op;
            return 0;
        }
    }
    if (c == '=')
        return rl_fail_at(p, t->line, t->col, "unknown operator = (did you mean ==?)");
    return rl_fail_at(p, t->line, t->col, "unknown operator %c", c);
}

/* Read the next token into p->t. 0, or -1 with the error recorded. */
int rl_next(parser_t *p)
{
    for (;;) {
        char c = peekc(p, 0);
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
            rl_step(p);
        else if (c == '#')
            while (p->pos < p->len && p->s[p->pos] != '\n')
                rl_step(p);
        else
            break;
    }
    tok_t *t = &p->t;
    memset(t, 0, sizeof *t);
    t->start = p->pos;
    t->line = p->line;
    t->col = p->col;
    int rc = 0;
    if (p->pos >= p->len) {
        t->kind = T_EOF;
    } else {
        char c = p->s[p->pos];
        const char *single = "()[],";
        const char *hit = strchr(single, c);
        if (c && hit) {
            rl_step(p);
            t->kind = (tok_kind_t)(T_LPAREN + (hit - single));
        } else if (is_alpha(c)) {
            while (is_alpha(peekc(p, 0)) || is_digit(peekc(p, 0)))
                rl_step(p);
            t->kind = T_IDENT;
            if (p->pos - t->start > NAME_MAX_LEN)
                rc = rl_fail_at(p, t->line, t->col, "name longer than %d characters", NAME_MAX_LEN);
        } else if (is_digit(c) || (c == '-' && is_digit(peekc(p, 1)))) {
            rc = lex_number(p, t);
        } else if (c == '"') {
            rc = lex_string(p, t);
        } else if (strchr("<>=!", c) && c) {
            rc = lex_cmp(p, t);
        } else if ((unsigned char)c >= 0x80) {
            rc = rl_fail_at(p, t->line, t->col, "unexpected character outside a string: names are ASCII");
        } else {
            rc = rl_fail_at(p, t->line, t->col, "unexpected character '%c'", c >= ' ' && c < 127 ? c : '?');
        }
    }
    t->len = p->pos - t->start;
    return rc;
}
