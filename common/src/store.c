/* common/src/store.c - the caller's context, result codes and keyset pages (hf/store.h)
 *
 * The glue every service's handlers and store.c share, written once: who is
 * calling (from the envelope the broker delivered), what a store result means
 * as a bus error, the page loop of every list (its tokens are sealed in
 * page_token.c), and the checks of what a request names that every service
 * makes alike (a time zone; a company, asked of identity as the caller). The
 * SQL itself stays in each service's store.c.
 */
#include "hf/store.h"

#include "hf/codec.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"

#include <assert.h>
#include <openssl/crypto.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "hrflow/v1/identity.pb-c.h"

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define LIST_MAX 96 /* "<service>.<method>" */

/* ---- result codes ---- */

const char *hf_err_name(int rc)
{
    switch (rc) {
    case HF_OK:
        return "HF_OK";
#define NAME(name, code, text) \
    case code:                 \
        return "HF_" #name;
        HF_STORE_ERRNO_MAP(NAME)
#undef NAME
    default:
        return "unknown";
    }
}

const char *hf_strerror(int rc)
{
    switch (rc) {
    case HF_OK:
        return "ok";
#define TEXT(name, code, text) \
    case code:                 \
        return text;
        HF_STORE_ERRNO_MAP(TEXT)
#undef TEXT
    default:
        return "unknown error";
    }
}

/* ---- the caller's context ---- */

static unsigned scopes_of(const Hrflow__V1__Caller *c)
{
    static const struct {
        const char *name;
        unsigned bit;
    } known[] = { { "admin", HF_SCOPE_ADMIN },
                  { "recruiter", HF_SCOPE_RECRUITER },
                  { "payroll", HF_SCOPE_PAYROLL },
                  { "integrator", HF_SCOPE_INTEGRATOR },
                  { "engine", HF_SCOPE_ENGINE },
                  { "pii", HF_SCOPE_PII } };
    unsigned bits = 0;
    for (size_t i = 0; i < c->n_scopes; i++)
        for (size_t k = 0; k < sizeof(known) / sizeof(known[0]); k++)
            if (strcmp(c->scopes[i], known[k].name) == 0)
                bits |= known[k].bit;
    return bits;
}

int hf_store_open(hf_call_t *call, hf_store_t *st)
{
    const Hrflow__V1__Caller *c = hf_call_caller(call);
    memset(st, 0, sizeof(*st));
    if (!hf_uuid_valid(c->tenant_id))
        return hf_call_fail(call, E(UNAUTHENTICATED), "the request carries no tenant");
    for (size_t i = 0; i < c->n_company_ids; i++)
        if (!hf_uuid_valid(c->company_ids[i]))
            return hf_call_fail(call, E(UNAUTHENTICATED), "the caller's company list is malformed");
    st->call = call;
    st->arena = hf_call_arena(call);
    st->alloc = hf_arena_allocator(st->arena);
    st->tenant = c->tenant_id;
    st->companies = c->company_ids;
    st->n_companies = c->n_company_ids;
    st->scopes = scopes_of(c);
    st->actor = c->actor && *c->actor ? c->actor : "system";
    st->traceparent = hf_call_envelope(call)->traceparent;
    st->keys = hf_service_keys();
    st->db = hf_service_db(call);
    return st->db ? 0 : hf_call_fail(call, E(UNAVAILABLE), "the database is unavailable");
}

int hf_store_open_tenant(hf_call_t *call, hf_store_t *st, const char *tenant)
{
    hf_store_init(st, hf_service_db(call), hf_call_arena(call), tenant, hf_service_keys());
    st->call = call;
    st->scopes = 0;
    st->actor = "public";
    st->traceparent = hf_call_envelope(call)->traceparent;
    return st->db ? 0 : hf_call_fail(call, E(UNAVAILABLE), "the database is unavailable");
}

int hf_store_open_token(hf_call_t *call, hf_store_t *st, const hf_token_kind_t *const *kinds,
                        size_t n, const char *token, char ids[][37], int64_t *expiry,
                        const char *not_found)
{
    size_t k = 0;
    while (k < n && hf_token_parse(hf_service_keys(), kinds[k], token, ids, expiry) < 0)
        k++;
    if (k == n)
        return hf_call_fail(call, E(NOT_FOUND), "%s", not_found);
    /* the store keeps the tenant for the call: in the call's arena */
    const char *tenant = hf_arena_strdup(hf_call_arena(call), ids[0]);
    if (!tenant)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    return hf_store_open_tenant(call, st, tenant) < 0 ? -1 : (int)k;
}

void hf_store_init(hf_store_t *st, PGconn *db, hf_arena_t *arena, const char *tenant,
                   const hf_keyring_t *keys)
{
    memset(st, 0, sizeof(*st));
    st->db = db;
    st->arena = arena;
    st->alloc = hf_arena_allocator(arena);
    st->tenant = tenant;
    st->scopes = HF_SCOPE_ADMIN;
    st->actor = "system";
    st->keys = keys;
}

int hf_store_sees_company(const hf_store_t *st, const char *company)
{
    if (st->n_companies == 0)
        return 1;
    for (size_t i = 0; company && i < st->n_companies; i++)
        if (strcmp(st->companies[i], company) == 0)
            return 1;
    return 0;
}

const char *hf_store_companies(hf_store_t *st)
{
    return hf_store_array(st, (const char *const *)st->companies, st->n_companies);
}

int hf_store_may(const hf_store_t *st, unsigned scope)
{
    return (st->scopes & (scope | HF_SCOPE_ADMIN)) != 0;
}

static const char *scope_name(unsigned scope)
{
    switch (scope) {
    case HF_SCOPE_ADMIN:
        return "an admin";
    case HF_SCOPE_RECRUITER:
        return "a recruiter";
    case HF_SCOPE_PAYROLL:
        return "a payroll";
    case HF_SCOPE_ENGINE:
        return "an engine";
    default:
        return "an integrator";
    }
}

int hf_store_require(hf_store_t *st, unsigned scope, const char *action)
{
    if (hf_store_may(st, scope))
        return 0;
    return hf_call_fail(st->call, E(PERMISSION_DENIED), "only %s key may %s", scope_name(scope),
                        action);
}

int hf_store_require_group(hf_store_t *st, unsigned scope, const char *action)
{
    if (hf_store_require(st, scope, action) < 0)
        return -1;
    if (st->n_companies)
        return hf_call_fail(st->call, E(PERMISSION_DENIED),
                            "a key restricted to companies may not %s", action);
    return 0;
}

int hf_store_fail(hf_store_t *st, int rc, const char *what, const char *id)
{
    hf_call_t *call = st->call;
    const char *sp = id && *id ? " " : "";
    id = id ? id : "";
    switch (rc) {
    case HF_ENOTFOUND:
        return hf_call_fail(call, E(NOT_FOUND), "%s%s%s not found", what, sp, id);
    case HF_EEXISTS:
        return hf_call_fail(call, E(ALREADY_EXISTS), "the %s already exists", what);
    case HF_ECONFLICT:
        return hf_call_fail(call, E(CONFLICT), "%s%s%s was changed by someone else; read it again",
                            what, sp, id);
    case HF_EDB:
        if (!st->db || PQstatus(st->db) != CONNECTION_OK)
            return hf_call_fail(call, E(UNAVAILABLE), "the database is unavailable");
        return hf_call_fail(call, E(INTERNAL), "could not access %s records", what);
    default:
        return hf_call_fail(call, E(INTERNAL), "%s: %s", what, hf_strerror(rc));
    }
}

void *hf_store_alloc(hf_store_t *st, size_t n)
{
    void *p = hf_arena_alloc(st->arena, n ? n : 1);
    if (p)
        memset(p, 0, n ? n : 1);
    return p;
}

char *hf_store_strdup(hf_store_t *st, const char *s)
{
    return hf_arena_strdup(st->arena, s ? s : "");
}

/* ---- personal-data fields ---- */

char *hf_pii_seal_field(const hf_keyring_t *keys, const char *tenant, const char *field,
                        const char *plain)
{
    char aad[128], *token = NULL;
    snprintf(aad, sizeof(aad), "%s:%s", tenant, field);
    return hf_pii_encrypt(keys, plain, strlen(plain), aad, &token) == 0 ? token : NULL;
}

char *hf_store_unseal(hf_store_t *st, const char *field, const char *token)
{
    char aad[128], *plain = NULL;
    size_t len = 0;
    snprintf(aad, sizeof(aad), "%s:%s", st->tenant, field);
    if (hf_pii_decrypt(st->keys, token, aad, &plain, &len) < 0) {
        hf_logkv(HF_LOG_ERROR, "a personal-data field does not decrypt",
                 HF_KV_STR("field", field));
        return NULL;
    }
    char *out = hf_pb_strdup(&st->alloc, plain);
    OPENSSL_cleanse(plain, len);
    free(plain);
    return out;
}

/* ---- uploaded files, sealed in parts ---- */

static void part_aad(const hf_store_t *st, const char *import_id, unsigned seq, char out[160])
{
    snprintf(out, 160, "%s:import_parts.content:%s.%u", st->tenant, import_id, seq);
}

char *hf_store_seal_part(hf_store_t *st, const char *import_id, unsigned seq, const void *data,
                         size_t len)
{
    char aad[160], *token = NULL;
    part_aad(st, import_id, seq, aad);
    if (hf_pii_encrypt(st->keys, data, len, aad, &token) != 0)
        return NULL;
    char *out = hf_arena_strdup(st->arena, token);
    free(token);
    return out;
}

int hf_store_open_part(hf_store_t *st, const char *import_id, unsigned seq, const char *token,
                       char **plain, size_t *len)
{
    char aad[160];
    part_aad(st, import_id, seq, aad);
    int bad = hf_pii_decrypt(st->keys, token, aad, plain, len);
    if (bad < 0) {
        hf_logkv(HF_LOG_ERROR, "a part of an imported file does not decrypt",
                 HF_KV_STR("import", import_id), HF_KV_INT("part", seq),
                 HF_KV_STR("reason", hf_pii_strerror(bad)));
        return HF_ENOTFOUND;
    }
    return HF_OK;
}

/* ---- keyset pages ---- */

/* The list a request reads, "<service>.<method>" of its envelope (a page
 * token is valid for that list only); "" in a context without a request. */
static void list_of(const hf_store_t *st, char *out, size_t n)
{
    const Hrflow__V1__Envelope *e = st->call ? hf_call_envelope(st->call) : NULL;
    if (e)
        snprintf(out, n, "%s.%s", e->service ? e->service : "", e->method ? e->method : "");
    else
        snprintf(out, n, "%s", "");
}

int hf_page_open(hf_store_t *st, uint32_t page_size, const char *page_token,
                 int (*id_ok)(const char *), hf_page_t *page)
{
    assert(st->keys); /* a service with lists holds a keyring (.pii) */
    memset(page, 0, sizeof(*page));
    page->size = page_size == 0 ? HF_PAGE_DEFAULT : page_size > HF_PAGE_MAX ? HF_PAGE_MAX
                                                                              : page_size;
    page->first = !page_token || !*page_token;
    char list[LIST_MAX];
    list_of(st, list, sizeof(list));
    if (page->first || hf_page_unseal(st->keys, st->tenant, list, page_token, id_ok,
                                      &page->after_us, page->after_id) == 0)
        return 0;
    hf_call_detail(st->call, "page_token", "bad_format", "is not a page token of this list");
    return hf_call_fail(st->call, E(INVALID_ARGUMENT), "invalid page_token");
}

/* Unix microseconds as PostgreSQL timestamptz text, exact: "2026-12-02 20:11:36.123456+00". */
static void micros_text(int64_t us, char out[40])
{
    int64_t s = us / 1000000, frac = us % 1000000;
    if (frac < 0) {
        frac += 1000000;
        s--;
    }
    time_t t = (time_t)s;
    struct tm tm;
    gmtime_r(&t, &tm);
    size_t n = strftime(out, 40, "%Y-%m-%d %H:%M:%S", &tm);
    snprintf(out + n, 40 - n, ".%06" PRId64 "+00", frac);
}

PGresult *hf_page_query(hf_store_t *st, const char *sql, int nparams, const char **params,
                        int time_col, hf_page_t *page)
{
    assert(st->keys);
    char after[40], limit[16];
    if (page->first)
        snprintf(after, sizeof(after), "-infinity");
    else
        micros_text(page->after_us, after);
    snprintf(limit, sizeof(limit), "%u", page->size + 1);
    params[nparams - 3] = after;
    params[nparams - 2] = page->first ? "00000000-0000-0000-0000-000000000000" : page->after_id;
    params[nparams - 1] = limit;
    page->next[0] = '\0';
    PGresult *r = hf_db_query(st->db, sql, nparams, params);
    params[nparams - 3] = params[nparams - 2] = params[nparams - 1] = NULL;
    if (r && PQntuples(r) > (int)page->size) {
        int last = (int)page->size - 1;
        char list[LIST_MAX];
        list_of(st, list, sizeof(list));
        if (hf_page_seal(st->keys, st->tenant, list,
                         strtoll(PQgetvalue(r, last, time_col), NULL, 10),
                         PQgetvalue(r, last, 0), page->next) < 0) {
            hf_error("cannot make a page token: the id of %s is empty or longer than %d bytes",
                     list, HF_PAGE_ID_MAX - 1);
            PQclear(r);
            return NULL;
        }
    }
    return r;
}

int hf_page_rows(hf_store_t *st, PGresult *r, const hf_page_t *page,
                 void *(*row)(hf_store_t *st, PGresult *r, int i), void ***out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!r)
        return HF_EDB;
    size_t rows = (size_t)PQntuples(r) > page->size ? page->size : (size_t)PQntuples(r);
    int rc = (*out = hf_store_alloc(st, rows * sizeof(void *))) ? HF_OK : HF_ENOMEM;
    for (size_t i = 0; rc == HF_OK && i < rows; i++)
        if (!((*out)[i] = row(st, r, (int)i)))
            rc = HF_EDB;
    *n = rc == HF_OK ? rows : 0;
    PQclear(r);
    return rc;
}

int hf_store_all(hf_store_t *st, PGresult *r, void *(*row)(hf_store_t *st, PGresult *r, int i),
                 void ***out, size_t *n)
{
    hf_page_t all = { .size = r ? (unsigned)PQntuples(r) : 0 };
    return hf_page_rows(st, r, &all, row, out, n);
}

/* ---- rows ---- */

char *hf_store_cell(hf_store_t *st, const PGresult *r, int row, int col)
{
    return hf_store_strdup(st, PQgetvalue(r, row, col));
}

struct Hrflow__V1__Timestamp *hf_store_time(hf_store_t *st, const PGresult *r, int row, int col)
{
    if (PQgetisnull(r, row, col))
        return NULL;
    return hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, col));
}

const char *hf_store_array(hf_store_t *st, const char *const *items, size_t n)
{
    char *text = hf_db_array(items, n);
    const char *copy = text ? hf_arena_strdup(st->arena, text) : NULL;
    free(text);
    return copy;
}

int hf_store_one(hf_store_t *st, const char *sql, int nparams, const char *const *params,
                 void *(*row)(hf_store_t *st, PGresult *r, int i), void *out)
{
    PGresult *r = hf_db_query(st->db, sql, nparams, params);
    int rc = hf_store_rows(r, 1);
    void *m = rc == HF_OK ? row(st, r, 0) : NULL;
    if (rc == HF_OK && !m)
        rc = HF_EDB;
    if (m)
        memcpy(out, &m, sizeof(m));
    PQclear(r);
    return rc;
}

int hf_store_each(hf_store_t *st, const char *sql, int nparams, const char *const *params,
                  void (*fn)(void *ctx, const char *text), void *ctx)
{
    PGresult *r = hf_db_query(st->db, sql, nparams, params);
    if (!r)
        return HF_EDB;
    for (int i = 0; i < PQntuples(r); i++)
        fn(ctx, PQgetvalue(r, i, 0));
    PQclear(r);
    return HF_OK;
}

int hf_store_rows(const PGresult *r, int rows)
{
    if (!r)
        return HF_EDB;
    return PQntuples(r) >= rows ? HF_OK : HF_ENOTFOUND;
}

int hf_store_finish(hf_store_t *st, int rc)
{
    if (rc == HF_OK && hf_db_commit(st->db) == 0)
        return HF_OK;
    hf_db_rollback(st->db);
    return rc == HF_OK ? HF_EDB : rc;
}

/* ---- COPY FROM STDIN ---- */

int hf_store_copy_begin(hf_store_t *st, const char *sql)
{
    PGresult *r = PQexec(st->db, sql);
    int ok = PQresultStatus(r) == PGRES_COPY_IN;
    if (!ok)
        hf_error("could not start a copy: %s", PQerrorMessage(st->db));
    PQclear(r);
    return ok ? 0 : -1;
}

int hf_store_copy_send(hf_store_t *st, hf_copybuf_t *b)
{
    int ok = fflush(b->f) == 0 && !ferror(b->f) &&
             (b->n == 0 || PQputCopyData(st->db, b->p, (int)b->n) == 1);
    fseeko(b->f, 0, SEEK_SET);
    return ok ? 0 : -1;
}

int hf_store_copy_end(hf_store_t *st, const char *error)
{
    int ok = PQputCopyEnd(st->db, error) == 1;
    PGresult *r;
    while ((r = PQgetResult(st->db))) {
        if (PQresultStatus(r) != PGRES_COMMAND_OK && !error) {
            hf_error("the copy failed: %s", PQresultErrorMessage(r));
            ok = 0;
        }
        PQclear(r);
    }
    return ok && !error ? 0 : -1;
}

void hf_store_copy_field(FILE *f, const char *s)
{
    if (!s) {
        fputs("\\N", f);
        return;
    }
    for (; *s; s++) {
        const char *e = *s == '\\' ? "\\\\" : *s == '\t' ? "\\t" : *s == '\n' ? "\\n"
                        : *s == '\r' ? "\\r" : NULL;
        if (e)
            fputs(e, f);
        else
            fputc(*s, f);
    }
}

int hf_store_time_zone_known(hf_store_t *st, const char *name)
{
    const char *p[] = { name };
    PGresult *r = hf_db_query(st->db, "SELECT 1 FROM pg_timezone_names WHERE name = $1", 1, p);
    int rc = hf_store_rows(r, 1);
    PQclear(r);
    return rc;
}

int hf_store_company_known(hf_store_t *st, const char *company)
{
    assert(st->call); /* asked as the request's caller */
    if (!company || !hf_uuid_valid(company) || !hf_store_sees_company(st, company))
        return 0;
    Hrflow__V1__GetCompanyRequest q = HRFLOW__V1__GET_COMPANY_REQUEST__INIT;
    q.id = (char *)company;
    ProtobufCMessage *got = NULL;
    int code = hf_service_ask(st->call, "identity", "GetCompany", &q.base,
                              &hrflow__v1__company__descriptor, &got);
    if (code == E(NOT_FOUND) || code == E(PERMISSION_DENIED))
        return 0;
    return code ? hf_service_ask_fail(st->call, "identity", code) : 1;
}
