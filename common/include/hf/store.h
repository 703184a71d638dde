/* hf/store.h - the one shape of every service's store: the caller's context,
 * result codes, keyset pages, and the mapping of a result to a bus error
 *
 * A handler opens an hf_store_t for its request with hf_store_open(): the
 * caller's tenant, companies and scopes from the envelope (never from the
 * request body), a PostgreSQL connection from the service's pool, the
 * request's arena, the service's personal-data keyring. It hands the same
 * hf_store_t to the functions of its service's store.c, which filter every
 * statement by st->tenant and answer with the codes below. A background loop
 * fills one with hf_store_init() for the tenant of the row it works on.
 *
 * Result codes are negative, with a table of names and texts in the manner
 * of libuv's (uv_err_name, uv_strerror): a store function returns HF_OK or one
 * of them, and hf_store_fail() turns it into the one bus error callers see.
 *
 * Lists page by creation order, on the keyset (create_time, id): a page token
 * is the (create time, id) of the last row handed out, sealed with the
 * service's keyring for the caller's tenant and the list (page_token.c), so
 * a walk sees every record that existed when it began exactly once, in
 * creation order, however many are added meanwhile (docs/api.md), and the
 * token shows the client nothing.
 */
#ifndef HF_STORE_H
#define HF_STORE_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdio.h>
#include <stdint.h>

#include "hf/arena.h"
#include "hf/bus.h"
#include "hf/crypto.h"
#include "hf/token.h"

/* ---- result codes ---- */

#define HF_STORE_ERRNO_MAP(XX)                                                      \
    XX(ENOTFOUND, -1, "not found")                                                  \
    XX(EEXISTS, -2, "already exists")                                               \
    XX(ECONFLICT, -3, "changed by someone else")                                    \
    XX(EDB, -4, "the database failed")                                              \
    XX(ENOMEM, -5, "out of memory")

enum {
    HF_OK = 0,
#define HF_STORE_ERRNO_ENUM(name, code, text) HF_##name = code,
    HF_STORE_ERRNO_MAP(HF_STORE_ERRNO_ENUM)
#undef HF_STORE_ERRNO_ENUM
};

/* "HF_ENOTFOUND", …, "HF_OK" for 0, "unknown" for anything else. Static. */
const char *hf_err_name(int rc);
/* "not found", …, "ok" for 0, "unknown error" for anything else. Static. */
const char *hf_strerror(int rc);

/* ---- the caller's context ---- */

/* Scopes of an API key (identity.proto): admin counts as every other one. */
enum {
    HF_SCOPE_ADMIN = 1u << 0,
    HF_SCOPE_RECRUITER = 1u << 1,
    HF_SCOPE_PAYROLL = 1u << 2,
    HF_SCOPE_INTEGRATOR = 1u << 3,
    HF_SCOPE_ENGINE = 1u << 4,    /* a call engine: its own routes and the interview score */
    HF_SCOPE_PII = 1u << 5,       /* beside payroll: unmasked ID numbers and bank accounts,
                                     each look audited (docs/security.md) */
};

typedef struct {
    hf_call_t *call;              /* the request; NULL in background loops */
    PGconn *db;
    hf_arena_t *arena;            /* everything returned is allocated here */
    ProtobufCAllocator alloc;     /* the same arena, for protobuf-c and the codec */
    const char *tenant;           /* canonical UUID; every statement filters by it */
    char *const *companies;       /* the companies the caller acts for (canonical UUIDs); */
    size_t n_companies;           /*   none = every company of the tenant */
    unsigned scopes;              /* HF_SCOPE_* */
    const char *actor;            /* who acts, for histories: "key:…", "rule:…", "system" */
    const char *traceparent;      /* of the request, for the events it causes; may be NULL */
    const hf_keyring_t *keys;     /* personal-data keys of the service; NULL when it has none */
} hf_store_t;

/* Open the caller's context for a request: tenant, companies, scopes and
 * actor from the envelope's Caller, a connection from the pool (held until
 * the reply is sent), the call's arena. Fails the call and returns -1 with
 * UNAUTHENTICATED when the caller names no tenant or a malformed company,
 * UNAVAILABLE when the database cannot be reached; else 0. */
int hf_store_open(hf_call_t *call, hf_store_t *st);

/* The context of a request whose tenant comes from what it carries (a
 * status token it verified: the public routes), not from a caller: every
 * company, no scope, actor "public". tenant is borrowed. Fails the call with
 * UNAVAILABLE (and returns -1) when the database cannot be reached. */
int hf_store_open_tenant(hf_call_t *call, hf_store_t *st, const char *tenant);

/* The context of a public request whose key is a token (hf/token.h) of
 * one of n kinds, made under the service's keyring: its first id is the
 * tenant (hf_store_open_tenant, the tenant kept in the call's arena).
 * Returns the index of the kind it is, with its ids (ids[0] the tenant;
 * room for HF_TOKEN_MAX_IDS is not needed, only for the kind's) and, for a
 * kind that expires, *expiry (may be NULL); or -1 after failing the call:
 * NOT_FOUND with the text not_found for a token that is none of them
 * (forged, changed, another key: the same answer as a made-up one),
 * UNAVAILABLE when the database cannot be reached. */
int hf_store_open_token(hf_call_t *call, hf_store_t *st, const hf_token_kind_t *const *kinds,
                        size_t n, const char *token, char ids[][37], int64_t *expiry,
                        const char *not_found);

/* A context without a caller, for background loops and command lines:
 * every company, every scope, actor "system"; tenant may be NULL until the
 * loop knows it. Borrows db, arena and keys. */
void hf_store_init(hf_store_t *st, PGconn *db, hf_arena_t *arena, const char *tenant,
                   const hf_keyring_t *keys);

/* 1 when the caller may act for company (a canonical UUID), else 0. */
int hf_store_sees_company(const hf_store_t *st, const char *company);

/* The same wall inside a statement, so a company-bound caller's lists hold
 * only its rows (full pages, not pages filtered afterwards): the condition
 * "column col holds a company the caller acts for", over one $n::uuid[]
 * parameter that hf_store_companies() fills, e.g.
 *     " AND " HF_SEES_COMPANY("company_id", "4") */
#define HF_SEES_COMPANY(col, n) \
    "(cardinality($" n "::uuid[]) = 0 OR " col " = ANY ($" n "::uuid[]))"

/* st->companies as the parameter of HF_SEES_COMPANY ("{}" for the whole
 * group), in the arena; NULL when out of memory. */
const char *hf_store_companies(hf_store_t *st);

/* 1 when the caller holds scope (one HF_SCOPE_*; admin holds all), else 0. */
int hf_store_may(const hf_store_t *st, unsigned scope);

/* Fail the call with PERMISSION_DENIED ("only a <scope> key may <action>")
 * and return -1 unless the caller holds scope; 0 when it does. */
int hf_store_require(hf_store_t *st, unsigned scope, const char *action);

/* As hf_store_require, and the key must act for the whole group rather
 * than some companies (tenant-wide changes). */
int hf_store_require_group(hf_store_t *st, unsigned scope, const char *action);

/* The bus error for a store result, for `return hf_store_fail(...)`:
 * HF_ENOTFOUND → NOT_FOUND "<what> <id> not found"; HF_EEXISTS →
 * ALREADY_EXISTS "<what> already exists"; HF_ECONFLICT → CONFLICT "<what>
 * <id> was changed by someone else; read it again"; HF_EDB → UNAVAILABLE
 * when the connection is lost, else INTERNAL; HF_ENOMEM → INTERNAL. id may
 * be "" or NULL. Returns -1 (also for HF_OK, which is a misuse). */
int hf_store_fail(hf_store_t *st, int rc, const char *what, const char *id);

/* Memory in the context's arena, zeroed; NULL when out of memory. */
void *hf_store_alloc(hf_store_t *st, size_t n);
/* A copy of s in the arena (NULL s gives ""); NULL when out of memory. */
char *hf_store_strdup(hf_store_t *st, const char *s);

/* ---- personal-data fields ---- */

/* The token of one personal-data field (hf_pii_encrypt), with the AAD
 * "<tenant>:<field>" (field "candidates.phone": its table and column), so a
 * token copied to another tenant or column does not open; NULL when
 * libcrypto fails. The caller frees. keys and tenant rather than a store,
 * for writers that hold no request (the importer). */
char *hf_pii_seal_field(const hf_keyring_t *keys, const char *tenant, const char *field,
                        const char *plain);

/* The plaintext of a token hf_pii_seal_field made for st->tenant and field,
 * in the context's arena; NULL when it does not decrypt (logged with the
 * field, never the value) or out of memory. The plaintext is wiped from
 * libcrypto's buffer. */
char *hf_store_unseal(hf_store_t *st, const char *field, const char *token);

/* ---- uploaded files, sealed in parts ---- */

/* A file uploaded for an import that runs later (the pipeline's candidates,
 * payroll's spreadsheets) holds personal data: it is kept only sealed, in
 * parts of at most HF_FILE_PART bytes, each a token of hf_pii_encrypt()
 * under the AAD "<tenant>:import_parts.content:<import id>.<part>", so a
 * part moved to another import or place does not open. */
#define HF_FILE_PART ((size_t)1 << 20)

/* The token of part seq of import_id's file (len bytes at data) for
 * st->tenant, in the arena; NULL when libcrypto fails or out of memory. */
char *hf_store_seal_part(hf_store_t *st, const char *import_id, unsigned seq, const void *data,
                         size_t len);

/* Open the token of part seq of import_id's file: HF_OK with *plain (malloc'd,
 * NUL-terminated, *len bytes; the caller wipes it with OPENSSL_cleanse and
 * frees it), or HF_ENOTFOUND when it does not open (logged with the import and
 * the part, never a byte of it). */
int hf_store_open_part(hf_store_t *st, const char *import_id, unsigned seq, const char *token,
                       char **plain, size_t *len);

/* ---- checks ---- */

/* HF_OK when PostgreSQL knows name as a time zone (pg_timezone_names: IANA
 * names such as "Asia/Shanghai"), HF_ENOTFOUND when not, HF_EDB when the
 * statement failed. */
int hf_store_time_zone_known(hf_store_t *st, const char *name);

/* For handlers: whether company (an id from the request, any text) names a
 * company of the tenant that the caller acts for, as identity answers it:
 * a canonical UUID, hf_store_sees_company, and identity's GetCompany asked
 * as the caller (hf_service_ask, hf/service.h). Returns 1 when it does; 0
 * when it does not: a malformed id, a company the key is not bound to,
 * another tenant's or a made-up one, identity's NOT_FOUND or
 * PERMISSION_DENIED alike (a key that may not see a company does not learn
 * that it exists); or -1 after failing the call for an answer that is not
 * about the company (hf_service_ask_fail: 503 when identity is
 * unavailable). The caller turns 0 into its own error: 404 for an id in a
 * path, 422 with the field for one in a body. */
int hf_store_company_known(hf_store_t *st, const char *company);

/* ---- keyset pages ---- */

#define HF_PAGE_DEFAULT 50
#define HF_PAGE_MAX 500
#define HF_PAGE_ID_MAX 64 /* longest id in a cursor, with its NUL */
/* The longest page token, with its NUL: a time (8 bytes) and the longest id, sealed. */
#define HF_PAGE_TOKEN_MAX HF_SEAL_TOKEN_MAX(8 + HF_PAGE_ID_MAX - 1)

typedef struct {
    unsigned size;                    /* rows on this page, 1..HF_PAGE_MAX */
    int first;                        /* 1 on the first page (no cursor) */
    int64_t after_us;                 /* cursor: create time of the last row seen */
    char after_id[HF_PAGE_ID_MAX];    /* and its id */
    char next[HF_PAGE_TOKEN_MAX];     /* set by hf_page_query: the next page's token, or "" */
} hf_page_t;

/* The page a list request asks for: page_size bounded to 1..HF_PAGE_MAX
 * (0 = HF_PAGE_DEFAULT) and page_token "" or a token this list handed out to
 * this tenant (st->tenant; the list is the request's "<service>.<method>"),
 * sealed under a key st->keys still holds, whose id id_ok accepts (NULL = a
 * canonical UUID). A service with lists therefore has a keyring (declared
 * .pii, hf/service.h). Returns 0, or fails the call with INVALID_ARGUMENT
 * (detail at page_token) and returns -1. */
int hf_page_open(hf_store_t *st, uint32_t page_size, const char *page_token,
                 int (*id_ok)(const char *), hf_page_t *page);

/* The token of a cursor: create_us and id (shorter than HF_PAGE_ID_MAX)
 * sealed under k's current key for tenant and list (hf_seal, purpose
 * "page-token", AAD "<tenant>\n<list>"). Returns 0, or -1 with out "" when
 * the id is empty or too long. */
int hf_page_seal(const hf_keyring_t *k, const char *tenant, const char *list, int64_t create_us,
                 const char *id, char out[HF_PAGE_TOKEN_MAX]);

/* Open a token of hf_page_seal made for tenant and list under a key k
 * holds, whose id id_ok accepts (NULL = a canonical UUID). Returns 0 with
 * the cursor set, or -1 for anything else (changed, truncated, another
 * tenant or list, a key k no longer holds). */
int hf_page_unseal(const hf_keyring_t *k, const char *tenant, const char *list, const char *token,
                   int (*id_ok)(const char *), int64_t *after_us, char after_id[HF_PAGE_ID_MAX]);

/* Run a list query in creation order on st->db. Its last three parameters
 * are filled here: $n-2 the cursor's create time (timestamptz text;
 * -infinity on the first page), $n-1 its id (the nil UUID on the first page,
 * which then never decides) and $n the row limit. Write the condition and
 * order as
 *     AND (create_time, id) > ($n-2::timestamptz, $n-1::uuid)
 *     ORDER BY create_time, id LIMIT $n::int
 * (one row comparison an index on (…, create_time, id) serves), and select
 * the id as column 0 and the create time in Unix microseconds as column
 * time_col. It asks for size + 1 rows: when the extra row exists,
 * page->next becomes the sealed token of the page's last row, for st's
 * tenant and request (as hf_page_open opens it). Returns the result (use at
 * most page->size rows; the caller PQclear()s it), or NULL as hf_db_query
 * (or when the token cannot be made: logged). */
PGresult *hf_page_query(hf_store_t *st, const char *sql, int nparams, const char **params,
                        int time_col, hf_page_t *page);

/* The rows of a page as messages: row(st, r, i) for each of the first
 * page->size rows of r into *out (arena, *n set). Consumes r (PQclear), also
 * when r is NULL. Returns HF_OK, HF_EDB (the statement failed, or a row
 * function returned NULL as hf_store_one) or HF_ENOMEM. */
int hf_page_rows(hf_store_t *st, PGresult *r, const hf_page_t *page,
                 void *(*row)(hf_store_t *st, PGresult *r, int i), void ***out, size_t *n);

/* ---- rows ---- */

/* "(extract(epoch FROM col) * 1000000)::bigint": a time column as Unix
 * microseconds, exact, for hf_store_time() and page cursors. */
#define HF_MICROS(col) "(extract(epoch FROM " col ") * 1000000)::bigint"

/* The cell (row, col) of r: as a string in the arena ("" for NULL), or as a
 * Timestamp from Unix microseconds (NULL for a NULL cell or out of memory). */
char *hf_store_cell(hf_store_t *st, const PGresult *r, int row, int col);
struct Hrflow__V1__Timestamp *hf_store_time(hf_store_t *st, const PGresult *r, int row, int col);

/* hf_db_array() in the arena: a PostgreSQL array literal of n strings, for
 * one $n::text[] / ::uuid[] parameter. NULL when out of memory. */
const char *hf_store_array(hf_store_t *st, const char *const *items, size_t n);

/* Run a statement that returns at most one row and turn it into a message
 * with row(st, r, 0), into *(void **)out (a pointer to the caller's typed
 * pointer; set only on success). HF_ENOTFOUND when no row came back, HF_EDB
 * when the statement failed or row() returned NULL (a stored record that does
 * not decode, logged by row(), or out of memory). */
int hf_store_one(hf_store_t *st, const char *sql, int nparams, const char *const *params,
                 void *(*row)(hf_store_t *st, PGresult *r, int i), void *out);

/* Every row of r as a message: hf_page_rows() without a page, for the
 * statements that are not lists (a set of ids, the slots of a window).
 * Consumes r; the same results. */
int hf_store_all(hf_store_t *st, PGresult *r, void *(*row)(hf_store_t *st, PGresult *r, int i),
                 void ***out, size_t *n);

/* Run a statement and call fn(ctx, text) with column 0 of every row (the
 * text is borrowed for the call). HF_OK, or HF_EDB when it failed. */
int hf_store_each(hf_store_t *st, const char *sql, int nparams, const char *const *params,
                  void (*fn)(void *ctx, const char *text), void *ctx);

/* HF_OK when r holds at least `rows` rows, HF_ENOTFOUND when fewer, HF_EDB
 * when r is NULL (a failed statement). Does not consume r. */
int hf_store_rows(const PGresult *r, int rows);

/* Commit the transaction hf_db_begin() opened when rc is HF_OK, else roll it
 * back. Returns rc, or HF_EDB when the commit failed. */
int hf_store_finish(hf_store_t *st, int rc);

/* ---- COPY FROM STDIN ---- */

/* Lines of COPY text in a memory stream (open_memstream: it grows as
 * needed), sent to PostgreSQL in pieces of about HF_COPY_PIECE bytes while
 * the rows are made. */
typedef struct {
    FILE *f;
    char *p;
    size_t n;
} hf_copybuf_t;

#define HF_COPY_PIECE (1u << 20)

/* Start COPY sql FROM STDIN on the store's connection: 0, or -1 (logged). */
int hf_store_copy_begin(hf_store_t *st, const char *sql);
/* Send what b holds and empty it: 0, or -1 (out of memory, or the
 * connection failed). */
int hf_store_copy_send(hf_store_t *st, hf_copybuf_t *b);
/* End the COPY: error NULL keeps its rows in the transaction, else
 * abandons them (and returns -1). */
int hf_store_copy_end(hf_store_t *st, const char *error);

/* Write s as one field of a COPY text row into f: a backslash, tab,
 * newline or carriage return escaped (\\, \t, \n, \r), NULL as \N. No
 * separator: the caller writes the tabs and the row's newline. */
void hf_store_copy_field(FILE *f, const char *s);

#endif
