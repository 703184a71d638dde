/* services/notify/webhook_store.h - the SQL of webhook endpoints (webhook_store.c) */
#ifndef NOTIFY_WEBHOOK_STORE_H
#define NOTIFY_WEBHOOK_STORE_H

#include "hf/store.h"
#include "hrflow/v1/notify.pb-c.h"

/* Every function filters by st->tenant and by the company wall: a
 * company-bound caller sees only its companies' endpoints (never the
 * group-wide ones, which receive every company's events). Results are HF_*
 * codes (hf/store.h); records are allocated in st's arena. */

/* A new endpoint from e (url, event_types, description, company_id "" = the
 * group) with the secret sealed; *out is the stored record (without the
 * secret). */
int wh_store_create(hf_store_t *st, const Hrflow__V1__WebhookEndpoint *e, const char *secret,
                    Hrflow__V1__WebhookEndpoint **out);

int wh_store_get(hf_store_t *st, const char *id, Hrflow__V1__WebhookEndpoint **out);

int wh_store_list(hf_store_t *st, const char *company, hf_page_t *page,
                  Hrflow__V1__WebhookEndpoint ***out, size_t *n);

/* Write e's url, event_types, description and status (enabled clears the
 * disabled reason; disabled by the caller says so) if its version is still
 * e->version: HF_ECONFLICT when it changed meanwhile. */
int wh_store_update(hf_store_t *st, const Hrflow__V1__WebhookEndpoint *e,
                    Hrflow__V1__WebhookEndpoint **out);

int wh_store_delete(hf_store_t *st, const char *id, Hrflow__V1__WebhookEndpoint **out);

/* Make secret the endpoint's; the one it had signs on for overlap_hours
 * (0: it stops at once). */
int wh_store_rotate(hf_store_t *st, const char *id, const char *secret, unsigned overlap_hours,
                    Hrflow__V1__WebhookEndpoint **out);

/* Disable the endpoint with reason (a receiver's 410). */
int wh_store_disable(hf_store_t *st, const char *id, const char *reason);

/* The same on db for tenant (the delivery engine's write-back): 0 or -1. */
int wh_store_disable_db(PGconn *db, const char *tenant, const char *id, const char *reason);

/* The previous secret's token while its overlap lasts, NULL after: SQL over
 * a row of notify.webhook_endpoints named e or unqualified. */
#define WH_PREVIOUS_SECRET "CASE WHEN previous_secret_until > now() THEN previous_secret_enc END"

/* Open the tokens of endpoint id's secrets (previous NULL: none) into
 * secrets (in the arena), as wh_store_secrets. */
int wh_store_open_secrets(hf_store_t *st, const char *id, const char *current,
                          const char *previous, const char *secrets[2], size_t *n);

/* The secrets that sign for the endpoint now, in the arena: secrets[0] the
 * current one, secrets[1] the previous one while its overlap lasts; *n is 1
 * or 2. HF_EDB when one does not open (logged without the value). */
int wh_store_secrets(hf_store_t *st, const char *id, const char *secrets[2], size_t *n);

#endif
