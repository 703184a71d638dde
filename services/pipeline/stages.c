/* services/pipeline/stages.c - a job's stage machine: parsing its stage list, checking moves
 *
 * The machine is a fixed-size array of names: the ordered stages (hired last
 * of them), then rejected and withdrawn. A stage's place in the array is its
 * funnel position, so every move rule is a comparison of two indexes and
 * nothing is allocated after parsing. The rules themselves are explained in
 * stages.h and docs/pipeline-rules.md; this file only applies them.
 */
#include "stages.h"

#include <assert.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct pl_stages {
    size_t n;          /* all stages */
    size_t n_ordered;  /* stages 0 .. n_ordered-1 are ordered; the last is hired */
    char name[PL_STAGES_MAX][PL_STAGE_NAME_MAX + 1];
};

static const char *const default_names[] = {
    "applied", "screening", "ai_interview", "hr_interview", "final", "offer", "hired",
};

static void say(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void say(char *buf, size_t len, const char *fmt, ...)
{
    if (!buf || len == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, len, fmt, ap);
    va_end(ap);
}

static bool valid_name(const char *s)
{
    if (!s)
        return false;
    size_t i = 0;
    for (; s[i]; i++)
        if (i >= PL_STAGE_NAME_MAX || !((s[i] >= 'a' && s[i] <= 'z') || s[i] == '_'))
            return false;
    return i > 0;
}

static bool is_out(const char *s)
{
    return strcmp(s, "rejected") == 0 || strcmp(s, "withdrawn") == 0;
}

static bool listed(const pl_stages_t *st, const char *s)
{
    return pl_stages_index(st, s) >= 0;
}

static void append(pl_stages_t *st, const char *s)
{
    assert(st->n < PL_STAGES_MAX);
    strcpy(st->name[st->n++], s);
}

pl_stages_t *pl_stages_parse(const char *const *names, size_t n, char *err, size_t errlen)
{
    assert(names || n == 0);
    pl_stages_t *st = calloc(1, sizeof *st);
    if (!st) {
        say(err, errlen, "out of memory");
        return NULL;
    }
    bool hired_seen = false;
    for (size_t i = 0; i < n; i++) {
        const char *s = names[i];
        if (!valid_name(s)) {
            say(err, errlen, "invalid stage name \"%.40s\": use 1 to %d characters a-z and _",
                s ? s : "", PL_STAGE_NAME_MAX);
            goto fail;
        }
        if (listed(st, s)) {
            say(err, errlen, "stage %s is listed twice", s);
            goto fail;
        }
        if (is_out(s))
            continue;                    /* placed after the ordered stages below */
        if (hired_seen) {
            say(err, errlen, "stage %s comes after hired: hired must be the last ordered stage", s);
            goto fail;
        }
        bool is_hired = strcmp(s, "hired") == 0;
        if (st->n + (is_hired ? 3 : 4) > PL_STAGES_MAX) {   /* room for hired, rejected, withdrawn */
            say(err, errlen, "too many stages: the limit is %d, hired, rejected and withdrawn included",
                PL_STAGES_MAX);
            goto fail;
        }
        hired_seen = is_hired;
        append(st, s);
    }
    if (st->n == 0 || (st->n == 1 && hired_seen)) {
        say(err, errlen, "a job needs at least one stage before hired");
        goto fail;
    }
    if (!hired_seen)
        append(st, "hired");
    st->n_ordered = st->n;
    append(st, "rejected");
    append(st, "withdrawn");
    return st;
fail:
    free(st);
    return NULL;
}

pl_stages_t *pl_stages_default(void)
{
    return pl_stages_parse(default_names, sizeof default_names / sizeof *default_names, NULL, 0);
}

pl_stages_t *pl_stages_copy(const pl_stages_t *st)
{
    pl_stages_t *c = malloc(sizeof *c);
    if (c)
        memcpy(c, st, sizeof *c);
    return c;
}

void pl_stages_destroy(pl_stages_t **st)
{
    if (!st)
        return;
    free(*st);
    *st = NULL;
}

size_t pl_stages_count(const pl_stages_t *st)
{
    return st->n;
}

const char *pl_stages_name(const pl_stages_t *st, size_t i)
{
    assert(i < st->n);
    return st->name[i];
}

int pl_stages_index(const pl_stages_t *st, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < st->n; i++)
        if (strcmp(st->name[i], name) == 0)
            return (int)i;
    return -1;
}

bool pl_stages_is_terminal(const pl_stages_t *st, const char *name)
{
    int i = pl_stages_index(st, name);
    return i >= 0 && (size_t)i >= st->n_ordered - 1;
}

const char *pl_stages_first(const pl_stages_t *st)
{
    return st->name[0];
}

const char *pl_stages_next(const pl_stages_t *st, const char *name)
{
    int i = pl_stages_index(st, name);
    if (i < 0 || pl_stages_is_terminal(st, name))
        return NULL;
    return st->name[i + 1];
}

/* Both stages known and different, from not terminal: else the reason. */
static pl_move_t check_ends(const pl_stages_t *st, const char *from, const char *to,
                            char *why, size_t whylen)
{
    bool from_known = pl_stages_index(st, from) >= 0;
    if (!from_known || pl_stages_index(st, to) < 0) {
        const char *unknown = from_known ? to : from;
        say(why, whylen, "unknown stage %.40s: this job has no such stage", unknown ? unknown : "(none)");
        return PL_MOVE_UNKNOWN_STAGE;
    }
    if (strcmp(from, to) == 0) {
        say(why, whylen, "application is already in %s", from);
        return PL_MOVE_SAME_STAGE;
    }
    return PL_MOVE_OK;
}

pl_move_t pl_stages_can_move(const pl_stages_t *st, const char *from, const char *to,
                             char *why, size_t whylen)
{
    if (pl_stages_is_terminal(st, from)) {
        say(why, whylen, "application is %s: a terminal stage has no moves", from);
        return PL_MOVE_FROM_TERMINAL;
    }
    pl_move_t m = check_ends(st, from, to, why, whylen);
    if (m != PL_MOVE_OK)
        return m;
    if (is_out(to))
        return PL_MOVE_OK;
    int i = pl_stages_index(st, from), j = pl_stages_index(st, to);
    if (j < i) {
        say(why, whylen, "cannot move from %s back to %s: stages only move forward", from, to);
        return PL_MOVE_BACKWARD;
    }
    if ((size_t)j == st->n_ordered - 1 && j != i + 1) {
        say(why, whylen, "cannot move from %s to hired: hired is reached only from %s",
            from, st->name[j - 1]);
        return PL_MOVE_HIRED_SKIP;
    }
    return PL_MOVE_OK;
}

pl_move_t pl_stages_can_reopen(const pl_stages_t *st, const char *from, const char *to,
                               const char *left, char *why, size_t whylen)
{
    pl_move_t m = check_ends(st, from, to, why, whylen);
    if (m != PL_MOVE_OK)
        return m;
    if (!is_out(from)) {
        say(why, whylen, "application is %s: only a rejected or withdrawn application can be reopened",
            from);
        return PL_MOVE_NOT_REOPENABLE;
    }
    if (!left || strcmp(to, left) != 0 || pl_stages_is_terminal(st, left)) {
        if (left && !pl_stages_is_terminal(st, left))
            say(why, whylen, "cannot reopen to %s: a reopened application returns to %s, the stage it left",
                to, left);
        else
            say(why, whylen, "cannot reopen to %s: the stage the application left is not known", to);
        return PL_MOVE_REOPEN_ELSEWHERE;
    }
    return PL_MOVE_OK;
}

const char *pl_move_name(pl_move_t m)
{
    switch (m) {
    case PL_MOVE_OK: return "ok";
    case PL_MOVE_UNKNOWN_STAGE: return "unknown-stage";
    case PL_MOVE_SAME_STAGE: return "same-stage";
    case PL_MOVE_FROM_TERMINAL: return "from-terminal";
    case PL_MOVE_BACKWARD: return "backward";
    case PL_MOVE_HIRED_SKIP: return "hired-skip";
    case PL_MOVE_NOT_REOPENABLE: return "not-reopenable";
    case PL_MOVE_REOPEN_ELSEWHERE: return "reopen-elsewhere";
    }
    return "unknown";
}
