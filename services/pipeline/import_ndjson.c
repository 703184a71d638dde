/* services/pipeline/import_ndjson.c - the import reader's NDJSON lines
 *
 * One JSON object a line, parsed with jansson once the table reader hands
 * the line over whole (its lines format: cut, limited, checked as UTF-8).
 * Keys are mapped like headers (hf_table_lookup over the candidate columns);
 * a value may be a string, a number, a boolean or, for skills, a list, and is
 * checked with the same rule as a cell (hf_table_check_text). An unknown key
 * is warned about once. Values are copied into the reader's own buffer, so a
 * row stays valid while its callback runs.
 */
#include "import_private.h"
#include "hf/encoding.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static bool put_value(pl_import_t *p, pl_cand_field_t f, const char *s, size_t n)
{
    char buf[160];
    s = hf_table_trim(s, &n);
    if (!n)
        return true;
    if (p->nvals + n + 1 > VALS_SIZE)
        return fail_row(p, "longer than %d bytes", PL_IMPORT_MAX_ROW);
    char *d = p->vals + p->nvals;
    memcpy(d, s, n);
    d[n] = 0;
    p->nvals += n + 1;
    const char *why = hf_table_check_text(&p->columns[f], d, n, hf_table_encoding(p->t), buf,
                                          sizeof(buf));
    if (why)
        return fail_field(p, f, "%s", why);
    p->row.value[f] = d;
    p->row.len[f] = n;
    return true;
}

/* Skills given as a JSON list: the items joined with ", ", split again later. */
static bool put_list(pl_import_t *p, json_t *list)
{
    size_t i, start = p->nvals;
    json_t *item;
    json_array_foreach(list, i, item) {
        if (!json_is_string(item))
            return fail_field(p, PL_CAND_SKILLS, "expected a string or a list of strings");
        size_t n = json_string_length(item);
        if (p->nvals + n + 3 > VALS_SIZE)
            return fail_row(p, "longer than %d bytes", PL_IMPORT_MAX_ROW);
        if (i)
            memcpy(p->vals + p->nvals, ", ", 2), p->nvals += 2;
        memcpy(p->vals + p->nvals, json_string_value(item), n);
        p->nvals += n;
    }
    p->nvals++;
    return put_value(p, PL_CAND_SKILLS, p->vals + start, p->nvals - 1 - start);
}

static bool nd_value(pl_import_t *p, pl_cand_field_t f, json_t *v)
{
    char num[64];
    bool numeric = f == PL_CAND_EXTERNAL_ID || f == PL_CAND_PHONE ||
                   f == PL_CAND_YEARS_EXPERIENCE || f == PL_CAND_CONSENT;
    switch (json_typeof(v)) {
    case JSON_NULL:
        return true;
    case JSON_STRING:
        return put_value(p, f, json_string_value(v), json_string_length(v));
    case JSON_INTEGER:
    case JSON_REAL:
        if (!numeric)
            break;
        if (json_is_integer(v))
            snprintf(num, sizeof(num), "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        else
            snprintf(num, sizeof(num), "%.15g", json_real_value(v));
        return put_value(p, f, num, strlen(num));
    case JSON_TRUE:
    case JSON_FALSE:
        if (f != PL_CAND_CONSENT)
            break;
        return put_value(p, f, json_is_true(v) ? "yes" : "no", json_is_true(v) ? 3 : 2);
    case JSON_ARRAY:
        if (f != PL_CAND_SKILLS)
            break;
        return put_list(p, v);
    default:
        break;
    }
    return fail_field(p, f, "expected %s",
                      f == PL_CAND_SKILLS    ? "a string or a list of strings"
                      : f == PL_CAND_CONSENT ? "a boolean or a string"
                      : numeric               ? "a string or a number"
                                              : "a string");
}

/* At most NAME_SHOWN bytes of s, cut at a character boundary, into out (NUL-terminated). */
static void shown(char *out, const char *s, size_t n)
{
    size_t i = hf_utf8_invalid_at(s, n < NAME_SHOWN ? n : NAME_SHOWN);
    memcpy(out, s, i);
    out[i] = 0;
}

static void warn_key(pl_import_t *p, const char *key)
{
    char norm[64], show[NAME_SHOWN + 1];
    if (!hf_table_normalize(norm, key, strlen(key)))
        norm[0] = 0;
    for (size_t i = 0; i < p->nwarned; i++)
        if (!strcmp(p->warned[i], norm))
            return;
    if (p->nwarned == MAX_WARNED_KEYS || !(p->warned[p->nwarned] = strdup(norm)))
        return;
    p->nwarned++;
    shown(show, key, strlen(key));
    hf_table_warn(p->t, p->rec, 0, NULL, "key \"%s\": unknown key, ignored", show);
}

static void nd_object(pl_import_t *p, json_t *o)
{
    bool seen[PL_CAND_FIELDS] = { false };
    const char *key;
    json_t *v;
    p->nvals = 0;
    json_object_foreach(o, key, v) {
        int f = hf_table_lookup(p->t, key, strlen(key));
        if (f < 0) {
            warn_key(p, key);
            continue;
        }
        if (seen[f]) {
            char show[NAME_SHOWN + 1];
            shown(show, key, strlen(key));
            fail_field(p, f, "given twice (key \"%s\")", show);
            return;
        }
        seen[f] = true;
        if (!nd_value(p, (pl_cand_field_t)f, v))
            return;
    }
    imp_finish_row(p);
}

void imp_nd_line(pl_import_t *p, const char *s, size_t n)
{
    if (!p->vals && !(p->vals = malloc(VALS_SIZE))) {
        fail_row(p, "out of memory");
        return;
    }
    json_error_t je;
    json_t *o = json_loadb(s, n, JSON_REJECT_DUPLICATES, &je);
    if (!o) {
        /* jansson's text quotes the token it stopped at ("… near '张三'"):
         * keep what it expected, never what the row holds */
        char *near = strstr(je.text, " near '");
        if (near)
            *near = '\0';
        fail_row(p, "invalid json at character %d: %s", je.position, je.text);
    }
    else if (!json_is_object(o))
        fail_row(p, "not a json object");
    else
        nd_object(p, o);
    json_decref(o);
}
