/* services/notify/deliver_enqueue.c - a letter or SMS becomes a delivery job
 *
 * nt_deliver_enqueue() is the one way into the engine (deliver.c): the
 * reactions to events and the messages API call it inside their own
 * transaction, so a job exists exactly when the change that called for it
 * committed. The recipient, subject, bodies and attachment are sealed with
 * the service's keyring (AAD "<tenant>:delivery.<field>"); the recipient's
 * blind index makes the dedupe key, so (event, template, recipient) is
 * enqueued once however often the event comes. An SMS enqueued in quiet
 * hours is due when they end in the recipient's time zone.
 */
#include "deliver.h"
#include "template.h"

#include "hf/bus.h"
#include "hf/db.h"
#include "hf/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char sql_enqueue[] =
    "WITH q AS (SELECT CASE WHEN $5 = 'sms'"
    "                  THEN notify.quiet_until($16, timers.now(), $17::int, $18::int) END AS until),"
    " ins AS ("
    "  INSERT INTO notify.delivery (tenant_id, company_id, candidate_id, dedupe_key, channel,"
    "         category, recipient, recipient_index, recipient_masked, subject, body, html,"
    "         attach_name, attach_type, attach_data, time_zone, held, run_time)"
    "  SELECT $1::uuid, $2::uuid, $3::uuid, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14,"
    "         $15, $16, q.until IS NOT NULL, coalesce(q.until, timers.now()) FROM q"
    "  ON CONFLICT (tenant_id, dedupe_key) DO NOTHING RETURNING id)"
    " SELECT id, true FROM ins"
    " UNION ALL SELECT id, false FROM notify.delivery"
    "  WHERE tenant_id = $1::uuid AND dedupe_key = $4 AND NOT EXISTS (SELECT 1 FROM ins)";

static const char sql_existing[] =
    "SELECT id, false FROM notify.delivery WHERE tenant_id = $1::uuid AND dedupe_key = $2";

/* The one place consent and opt-out are asked, before anything is
 * written (consent.c): an address that opted out gets no marketing
 * letters; transactional ones still go. 1, 0, or -1 (the database). */
static int consent_allows(hf_store_t *st, const nt_letter_t *l)
{
    int cat = nt_category_of(l->category && *l->category ? l->category : "transactional");
    return nt_consent_allows(st, strcmp(l->channel, "sms") ? NT_CH_EMAIL : NT_CH_SMS,
                             l->recipient, cat < 0 ? NT_CAT_MARKETING : (nt_category_t)cat);
}

static char *seal(hf_store_t *st, const char *field, const char *plain, int *bad)
{
    if (!plain)
        return NULL;
    char *t = hf_pii_seal_field(st->keys, st->tenant, field, plain);
    if (!t)
        *bad = 1;
    return t;
}

int nt_deliver_enqueue(hf_store_t *st, const nt_letter_t *l, char id[37], int *fresh)
{
    id[0] = 0;
    if (fresh)
        *fresh = 0;
    int allowed = consent_allows(st, l);
    if (allowed <= 0)
        return allowed < 0 ? HF_EDB : HF_OK;
    const char *tz = l->time_zone && *l->time_zone ? l->time_zone
                                                   : nt_delivery_settings.default_tz;
    char ctx[128], index[65], rnd[33];
    snprintf(ctx, sizeof(ctx), "%s:delivery.recipient", st->tenant);
    if (hf_pii_index(st->keys, ctx, l->recipient, index) < 0)
        return HF_ENOMEM;
    hf_random_hex(rnd, 16);
    const char *dedupe = l->dedupe && *l->dedupe
                             ? hf_arena_printf(st->arena, "%s:%s:%s", l->dedupe, l->channel, index)
                             : hf_arena_printf(st->arena, "once:%s", rnd);
    int bad = 0;
    char *to = seal(st, "delivery.recipient", l->recipient, &bad);
    char *subject = seal(st, "delivery.subject", l->subject ? l->subject : "", &bad);
    char *body = seal(st, "delivery.body", l->text ? l->text : "", &bad);
    char *html = seal(st, "delivery.html", l->html && *l->html ? l->html : NULL, &bad);
    char *attach = NULL;
    if (l->attach) {
        char aad[128];
        snprintf(aad, sizeof(aad), "%s:delivery.attachment", st->tenant);
        if (hf_pii_encrypt(st->keys, l->attach, l->attach_len, aad, &attach) < 0)
            bad = 1;
    }
    char masked[64];
    nt_recipient_mask(l->channel, l->recipient, masked, sizeof(masked));
    char qs[16], qe[16];
    snprintf(qs, sizeof(qs), "%d", nt_quiet_start_min());
    snprintf(qe, sizeof(qe), "%d", nt_quiet_end_min());
    int rc = HF_ENOMEM;
    if (!bad && dedupe) {
        const char *p[] = {
            st->tenant,
            l->company_id && *l->company_id ? l->company_id : NULL,
            l->candidate_id && *l->candidate_id ? l->candidate_id : NULL,
            dedupe, l->channel,
            l->category && *l->category ? l->category : "transactional",
            to, index, masked, subject, body, html,
            l->attach ? l->attach_name : NULL, l->attach ? l->attach_type : NULL, attach,
            tz, qs, qe,
        };
        PGresult *r = hf_db_query(st->db, sql_enqueue, 18, p);
        rc = hf_store_rows(r, 1);
        if (rc == HF_ENOTFOUND) {
            /* the same key committed by a concurrent transaction after this
             * statement's snapshot: a new statement sees it */
            PQclear(r);
            const char *q[] = { st->tenant, dedupe };
            r = hf_db_query(st->db, sql_existing, 2, q);
            rc = hf_store_rows(r, 1);
            if (rc == HF_ENOTFOUND)
                rc = HF_EDB;
        }
        if (rc == HF_OK) {
            snprintf(id, 37, "%s", PQgetvalue(r, 0, 0));
            if (fresh)
                *fresh = PQgetvalue(r, 0, 1)[0] == 't';
        }
        PQclear(r);
    }
    free(to);
    free(subject);
    free(body);
    free(html);
    free(attach);
    return rc;
}

int nt_retry_dead(hf_store_t *st, const char *sql, int n, const char *const *p, const char *what,
                  const char *id)
{
    PGresult *res = hf_db_query(st->db, sql, n, p);
    int rc = hf_store_rows(res, 1);
    int moved = rc == HF_OK && atoi(PQgetvalue(res, 0, 1)) == 1;
    char was[16] = "";
    if (rc == HF_OK)
        snprintf(was, sizeof(was), "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, what, id);
    if (!moved)
        return hf_call_fail(st->call, HRFLOW__V1__ERROR_CODE__FAILED_PRECONDITION,
                            "only a dead %s can be retried; this one is %s", what, was);
    return 0;
}
