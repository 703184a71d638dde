/* tests/fuzz/fuzz-import.c - fuzz target of the candidate import reader (services/pipeline/import*.c)
 *
 * The first byte chooses the options (encoding, format, delimiter, explicit
 * mapping); the rest is the file. It is read twice: whole, and in small
 * chunks whose sizes come from a generator seeded by the input. The promises
 * checked:
 *   - row numbers strictly increase; a failed row has a message that starts
 *     with "row N: " for its own N, does not end in '.', and holds no values;
 *   - every value is non-empty, NUL-terminated at its length, within the
 *     field limit and valid UTF-8 without NUL (hf_utf8_valid, which
 *     common/tests/test-encoding.c checks on its own), and passes its
 *     field's rule of typed text (pl_cand_rules, hf_text_check, which
 *     common/tests/test-text.c checks on its own): no control, bidi or
 *     zero-width character gets into a row;
 *     skills likewise, at most PL_IMPORT_MAX_SKILLS; years in 0..70 or -1;
 *   - a fatal error comes with a message and before any row;
 *   - chunking changes nothing: the digest of everything called back, the
 *     counts and the return code agree;
 *   - the whole input, with what hf_text_strip removes for either kind of
 *     text removed, has nothing left that hf_text_check refuses (the public
 *     page shows old texts so).
 * A broken promise is an abort(), so libFuzzer (run.sh import, clang) and the
 * corpus replay (the unit suite) both report it. ASan finds leaks and bad accesses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_chunks.h"
#include "hf/encoding.h"
#include "hf/text.h"
#include "../../services/pipeline/import.h"

int fuzz_import_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct {
    uint64_t digest;
    size_t last_row, rows;
} seen_t;

#define fail(what, value) fuzz_fail("fuzz-import", what, value)

/* Valid UTF-8 (hf/encoding.h) without NUL. */
static int valid_text(const char *s, size_t n)
{
    return hf_utf8_valid(s, n) && !memchr(s, '\0', n);
}

static void text_ok(const char *s, size_t len, size_t limit, hf_text_rule_t rule,
                    const char *what)
{
    if (!s || !len || strlen(s) != len || len > limit || !valid_text(s, len) ||
        hf_text_check(s, len, rule, NULL) != 0)
        fail(what, len);
}

static void on_row(void *ctx, const pl_import_row_t *r)
{
    seen_t *s = ctx;
    if (r->row <= s->last_row)
        fail("row number did not increase", r->row);
    s->last_row = r->row;
    s->rows++;
    fuzz_mix(&s->digest, &r->row, sizeof(r->row));
    if (r->error) {
        const char *m = r->error->message;
        size_t n = strlen(m);
        if (r->error->row != r->row || !fuzz_row_message_ok(r->row, m) || !r->error->field)
            fail("bad row error", r->row);
        for (int f = 0; f < PL_CAND_FIELDS; f++)
            if (r->value[f])
                fail("failed row with a value", r->row);
        fuzz_mix(&s->digest, m, n);
        return;
    }
    for (int f = 0; f < PL_CAND_FIELDS; f++) {
        if (!r->value[f])
            continue;
        hf_text_rule_t rule = pl_cand_rules[f];
        if (f == PL_CAND_SKILLS) /* the list: each item has the rule, white space between */
            rule = (hf_text_rule_t){ HF_TEXT_LINES, 1, PL_IMPORT_MAX_FIELD };
        text_ok(r->value[f], r->len[f], PL_IMPORT_MAX_FIELD, rule, pl_cand_field_name(f));
        fuzz_mix(&s->digest, r->value[f], r->len[f]);
    }
    if (!r->value[PL_CAND_NAME] || (!r->value[PL_CAND_PHONE] && !r->value[PL_CAND_EMAIL]))
        fail("good row without name, phone or email", r->row);
    if (r->nskills > PL_IMPORT_MAX_SKILLS)
        fail("too many skills", r->nskills);
    for (size_t i = 0; i < r->nskills; i++) {
        text_ok(r->skills[i], strlen(r->skills[i]), PL_IMPORT_MAX_FIELD,
                pl_cand_rules[PL_CAND_SKILLS], "skill");
        fuzz_mix(&s->digest, r->skills[i], strlen(r->skills[i]));
    }
    if (r->years != -1 && !(r->years >= 0 && r->years <= 70))
        fail("years out of range", (size_t)r->years);
    if ((r->years >= 0) != (r->value[PL_CAND_YEARS_EXPERIENCE] != NULL))
        fail("years without its value", r->row);
    fuzz_mix(&s->digest, &r->years, sizeof(r->years));
    fuzz_mix(&s->digest, &r->consent, sizeof(r->consent));
}

static void on_warning(void *ctx, const pl_import_error_t *w)
{
    seen_t *s = ctx;
    size_t n = strlen(w->message);
    if (!n || w->message[n - 1] == '.' || !valid_text(w->message, n))
        fail("bad warning", n);
    fuzz_mix(&s->digest, w->message, n);
}

typedef struct {
    uint64_t digest;
    pl_import_stats_t stats;
    int rc;
} result_t;

static int feed(void *p, const void *buf, size_t len)
{
    return pl_import_feed(p, buf, len);
}

static int finish(void *p)
{
    return pl_import_finish(p);
}

/* Read data in chunks: whole when seed is 0, else sizes 1..16 from an xorshift generator. */
static result_t read_all(const pl_import_options_t *opt, const uint8_t *data, size_t size,
                         uint64_t seed)
{
    seen_t s = { FUZZ_DIGEST_START, 0, 0 };
    pl_import_t *p = pl_import_new(opt, on_row, on_warning, &s);
    result_t r;
    if (!p)
        abort();
    int rc = fuzz_feed_all(&(fuzz_stream_t){ p, feed, finish }, data, size, seed, 16);
    if (rc) {
        const pl_import_error_t *e = pl_import_fatal(p);
        if (!e || !fuzz_fatal_ok(rc, PL_IMPORT_FATAL, e->message, s.rows))
            fail("bad fatal error", s.rows);
        fuzz_mix(&s.digest, e->message, strlen(e->message));
    } else if (pl_import_fatal(p)) {
        fail("fatal error without a fatal return", 0);
    }
    r.digest = s.digest;
    r.stats = pl_import_stats(p);
    r.rc = rc;
    if (r.stats.rows != s.rows)
        fail("row count differs from callbacks", r.stats.rows);
    pl_import_destroy(&p);
    return r;
}

/* What hf_text_strip leaves of data passes hf_text_check's characters. */
static void check_strip(const uint8_t *data, size_t size, hf_text_kind_t kind)
{
    char *s = malloc(size + 1);
    hf_text_problem_t why;
    if (!s)
        abort();
    memcpy(s, data, size);
    s[size] = '\0';
    hf_text_strip(s, kind);
    if (hf_text_check(s, strlen(s), (hf_text_rule_t){ kind, 0, UINT32_MAX }, &why) != 0) {
        fprintf(stderr, "fuzz-import: stripped text refused: %s\n", why.message);
        abort();
    }
    free(s);
}

int fuzz_import_input(const uint8_t *data, size_t size)
{
    static const pl_import_encoding_t encs[] = { PL_IMPORT_AUTO_ENCODING, PL_IMPORT_UTF8,
                                                 PL_IMPORT_GB18030, PL_IMPORT_AUTO_ENCODING };
    static const pl_import_format_t formats[] = { PL_IMPORT_AUTO_FORMAT, PL_IMPORT_CSV,
                                                  PL_IMPORT_NDJSON, PL_IMPORT_AUTO_FORMAT };
    static const char delims[] = { 0, ',', ';', '\t' };
    pl_import_options_t opt = { 0 };
    if (size) {
        opt.encoding = encs[data[0] & 3];
        opt.format = formats[(data[0] >> 2) & 3];
        opt.delimiter = delims[(data[0] >> 4) & 3];
        if (data[0] & 0x40) {
            opt.columns[PL_CAND_NAME] = "name";
            opt.columns[PL_CAND_PHONE] = "Mobile No";
            opt.columns[PL_CAND_SKILLS] = "技能";
        }
        data++, size--;
    }
    uint64_t seed = 0x9e3779b97f4a7c15ull ^ size;
    for (size_t i = 0; i < size && i < 8; i++)
        seed = seed * 31 + data[i];
    result_t whole = read_all(&opt, data, size, 0);
    result_t chunked = read_all(&opt, data, size, seed | 1);
    if (whole.digest != chunked.digest || whole.rc != chunked.rc ||
        whole.stats.rows != chunked.stats.rows || whole.stats.failed != chunked.stats.failed ||
        whole.stats.warnings != chunked.stats.warnings)
        fail("chunking changed the result", whole.stats.rows);
    check_strip(data, size, HF_TEXT_LINE);
    check_strip(data, size, HF_TEXT_LINES);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_import_input(data, size);
}
