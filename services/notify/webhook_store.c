/* services/notify/webhook_store.c - the SQL of webhook endpoints
 *
 * One table, notify.webhook_endpoints (migration 0030). Rows come back as
 * JSON built by the statement in the API's form (hf_codec_decode_stored),
 * times as microseconds. Secrets are sealed with the service keyring
 * (hf_pii_seal_field, AAD "<tenant>:webhook_endpoints/<id>.secret"), so a
 * rotation moves the current token to previous_secret_enc in SQL without
 * opening it; they are opened only to sign (wh_store_secrets) and never
 * logged. Group-wide endpoints have company_id NULL, outside every
 * company-bound caller's wall.
 */
#include "webhook_store.h"

#include "hf/codec.h"
#include "hf/db.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define EP_COLS                                                                                  \
    "e.id, json_build_object('id', e.id, 'companyId', coalesce(e.company_id::text, ''),"         \
    " 'url', e.url, 'eventTypes', to_json(e.event_types), 'description', e.description,"        \
    " 'status', CASE WHEN e.enabled THEN 'enabled' ELSE 'disabled' END,"                         \
    " 'disabledReason', e.disabled_reason, 'version', e.version::text), "                        \
    HF_MICROS("e.create_time") ", " HF_MICROS("e.update_time") ", CASE WHEN"                     \
    " e.previous_secret_until > now() THEN " HF_MICROS("e.previous_secret_until") " END"
#define EP_CREATED 2
#define VISIBLE(n) " AND " HF_SEES_COMPANY("e.company_id", n)

static void *endpoint_row(hf_store_t *st, PGresult *r, int i)
{
    Hrflow__V1__WebhookEndpoint *e = (Hrflow__V1__WebhookEndpoint *)hf_codec_decode_stored(
        &hrflow__v1__webhook_endpoint__descriptor, PQgetvalue(r, i, 1), &st->alloc);
    if (!e)
        return NULL;
    e->create_time = hf_store_time(st, r, i, 2);
    e->update_time = hf_store_time(st, r, i, 3);
    if (!PQgetisnull(r, i, 4) && !(e->previous_secret_expire_time = hf_store_time(st, r, i, 4)))
        return NULL;
    return e->create_time && e->update_time ? e : NULL;
}

/* The field of an endpoint's secret in its AAD. */
static void secret_field(const char *id, char out[96])
{
    snprintf(out, 96, "webhook_endpoints/%s.secret", id);
}

static const char *new_id(hf_store_t *st)
{
    PGresult *r = hf_db_query(st->db, "SELECT gen_random_uuid()", 0, NULL);
    const char *id = hf_store_rows(r, 1) == HF_OK ? hf_store_cell(st, r, 0, 0) : NULL;
    PQclear(r);
    return id;
}

int wh_store_create(hf_store_t *st, const Hrflow__V1__WebhookEndpoint *e, const char *secret,
                    Hrflow__V1__WebhookEndpoint **out)
{
    char field[96];
    const char *id = new_id(st);
    if (!id)
        return HF_EDB;
    secret_field(id, field);
    char *sealed = hf_pii_seal_field(st->keys, st->tenant, field, secret);
    const char *types = hf_store_array(st, (const char *const *)e->event_types, e->n_event_types);
    if (!sealed || !types) {
        free(sealed);
        return HF_ENOMEM;
    }
    const char *p[] = { st->tenant, id, e->company_id, e->url, e->description, types, sealed };
    int rc = hf_store_one(st,
                          "WITH e AS (INSERT INTO notify.webhook_endpoints (tenant_id, id,"
                          " company_id, url, description, event_types, secret_enc)"
                          " VALUES ($1, $2::uuid, nullif($3, '')::uuid, $4, $5, $6::text[], $7)"
                          " RETURNING *) SELECT " EP_COLS " FROM e",
                          7, p, endpoint_row, out);
    free(sealed);
    return rc == HF_ENOTFOUND ? HF_EDB : rc;
}

int wh_store_get(hf_store_t *st, const char *id, Hrflow__V1__WebhookEndpoint **out)
{
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    return hf_store_one(st,
                        "SELECT " EP_COLS " FROM notify.webhook_endpoints e"
                        " WHERE e.tenant_id = $1 AND e.id = $2::uuid" VISIBLE("3"),
                        3, p, endpoint_row, out);
}

int wh_store_list(hf_store_t *st, const char *company, hf_page_t *page,
                  Hrflow__V1__WebhookEndpoint ***out, size_t *n)
{
    const char *p[6] = { st->tenant, company, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    PGresult *r = hf_page_query(st,
                                "SELECT " EP_COLS " FROM notify.webhook_endpoints e"
                                " WHERE e.tenant_id = $1"
                                " AND ($2 = '' OR e.company_id = nullif($2, '')::uuid)"
                                VISIBLE("3")
                                " AND (e.create_time, e.id) > ($4::timestamptz, $5::uuid)"
                                " ORDER BY e.create_time, e.id LIMIT $6::int",
                                6, p, EP_CREATED, page);
    return hf_page_rows(st, r, page, endpoint_row, (void ***)out, n);
}

int wh_store_update(hf_store_t *st, const Hrflow__V1__WebhookEndpoint *e,
                    Hrflow__V1__WebhookEndpoint **out)
{
    char version[24];
    snprintf(version, sizeof(version), "%lld", (long long)e->version);
    const char *types = hf_store_array(st, (const char *const *)e->event_types, e->n_event_types);
    const char *p[] = { st->tenant, e->id, e->url, e->description, types,
                        strcmp(e->status, "disabled") ? "t" : "f", version,
                        hf_store_companies(st) };
    if (!types || !p[7])
        return HF_ENOMEM;
    int rc = hf_store_one(st,
                          "WITH e AS (UPDATE notify.webhook_endpoints e SET url = $3,"
                          " description = $4, event_types = $5::text[],"
                          " disabled_reason = CASE WHEN $6::boolean THEN ''"
                          "   WHEN e.enabled THEN 'disabled by a caller' ELSE e.disabled_reason END,"
                          " enabled = $6::boolean, version = e.version + 1, update_time = now()"
                          " WHERE e.tenant_id = $1 AND e.id = $2::uuid AND e.version = $7::bigint"
                          VISIBLE("8") " RETURNING *) SELECT " EP_COLS " FROM e",
                          8, p, endpoint_row, out);
    return rc == HF_ENOTFOUND ? HF_ECONFLICT : rc;
}

int wh_store_delete(hf_store_t *st, const char *id, Hrflow__V1__WebhookEndpoint **out)
{
    const char *p[] = { st->tenant, id, hf_store_companies(st) };
    if (!p[2])
        return HF_ENOMEM;
    return hf_store_one(st,
                        "WITH e AS (DELETE FROM notify.webhook_endpoints e"
                        " WHERE e.tenant_id = $1 AND e.id = $2::uuid" VISIBLE("3")
                        " RETURNING *) SELECT " EP_COLS " FROM e",
                        3, p, endpoint_row, out);
}

int wh_store_rotate(hf_store_t *st, const char *id, const char *secret, unsigned overlap_hours,
                    Hrflow__V1__WebhookEndpoint **out)
{
    char field[96], hours[16];
    secret_field(id, field);
    snprintf(hours, sizeof(hours), "%u", overlap_hours);
    char *sealed = hf_pii_seal_field(st->keys, st->tenant, field, secret);
    const char *p[] = { st->tenant, id, sealed, hours, hf_store_companies(st) };
    if (!sealed || !p[4]) {
        free(sealed);
        return HF_ENOMEM;
    }
    int rc = hf_store_one(st,
                          "WITH e AS (UPDATE notify.webhook_endpoints e SET secret_enc = $3,"
                          " previous_secret_enc = CASE WHEN $4::int > 0 THEN e.secret_enc END,"
                          " previous_secret_until = CASE WHEN $4::int > 0"
                          "   THEN now() + $4::int * interval '1 hour' END,"
                          " version = e.version + 1, update_time = now()"
                          " WHERE e.tenant_id = $1 AND e.id = $2::uuid" VISIBLE("5")
                          " RETURNING *) SELECT " EP_COLS " FROM e",
                          5, p, endpoint_row, out);
    free(sealed);
    return rc;
}

int wh_store_disable(hf_store_t *st, const char *id, const char *reason)
{
    return wh_store_disable_db(st->db, st->tenant, id, reason) == 0 ? HF_OK : HF_EDB;
}

int wh_store_disable_db(PGconn *db, const char *tenant, const char *id, const char *reason)
{
    const char *p[] = { tenant, id, reason };
    return hf_db_exec(db,
                      "UPDATE notify.webhook_endpoints SET enabled = false, disabled_reason = $3,"
                      " version = version + 1, update_time = now()"
                      " WHERE tenant_id = $1 AND id = $2::uuid",
                      3, p, NULL);
}

int wh_store_open_secrets(hf_store_t *st, const char *id, const char *current,
                          const char *previous, const char *secrets[2], size_t *n)
{
    char field[96];
    const char *tokens[2] = { current, previous };
    *n = 0;
    secret_field(id, field);
    for (int c = 0; c < 2; c++) {
        if (!tokens[c])
            continue;
        if (!(secrets[*n] = hf_store_unseal(st, field, tokens[c])))
            return HF_EDB;
        (*n)++;
    }
    return HF_OK;
}

int wh_store_secrets(hf_store_t *st, const char *id, const char *secrets[2], size_t *n)
{
    const char *p[] = { st->tenant, id };
    *n = 0;
    PGresult *r = hf_db_query(st->db,
                              "SELECT secret_enc, " WH_PREVIOUS_SECRET
                              " FROM notify.webhook_endpoints WHERE tenant_id = $1 AND id = $2::uuid",
                              2, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK)
        rc = wh_store_open_secrets(st, id, PQgetvalue(r, 0, 0),
                                   PQgetisnull(r, 0, 1) ? NULL : PQgetvalue(r, 0, 1), secrets, n);
    PQclear(r);
    return rc;
}
