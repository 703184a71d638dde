/* services/notify/consent.c - opt-outs: who may get marketing letters, and the one-click link
 *
 * An opt-out belongs to an address, not to a candidate record: the same
 * person applying twice is one address. notify never stores the address:
 * notify.opt_out holds its blind index (hf_pii_index under notify's
 * keyring, context "<tenant>:opt_out.<channel>", over the address as
 * hf_pii_normalize_email / _phone write it). Letters have a category:
 * transactional ones (every one of the six events) always go, marketing
 * ones not to an address that opted out (nt_consent_allows, which the
 * sender calls before each letter).
 *
 * Recruiters record an opt-out or opt-in by candidate id: the candidate's
 * addresses are asked of the pipeline as the caller (its walls answer), and
 * notify.recipient remembers which blind index a candidate's address has,
 * so the candidate's one-click link can name the candidate instead of the
 * address. The link's key is a token (hf/token.h, kinds "unsubscribe-email"
 * and "unsubscribe-sms", the tenant and the candidate, no expiry: a letter
 * kept for a year still unsubscribes); GET shows what it would do, POST
 * does it (RFC 8058). A token that is not ours, or names a candidate
 * notify never wrote to, is NOT_FOUND, the same bytes either way.
 */
#include "templates.h"

#include "hf/db.h"
#include "hf/log.h"
#include "hf/service.h"
#include "hf/token.h"
#include "hrflow/v1/pipeline.pb-c.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code

static const hf_token_kind_t kinds[NT_CH_COUNT] = {
    [NT_CH_EMAIL] = { "unsubscribe-email", 2, 0 },
    [NT_CH_SMS] = { "unsubscribe-sms", 2, 0 },
};
static const char no_link[] = "no one has this unsubscribe link";

/* The blind index of address on ch for st's tenant; 0, or -1 when it is
 * not an address of the channel (or the keyring failed). */
static int address_index(const hf_store_t *st, nt_channel_t ch, const char *address, char out[65])
{
    char norm[320], ctx[96];
    int bad = ch == NT_CH_EMAIL ? hf_pii_normalize_email(address, norm, sizeof(norm))
                                : hf_pii_normalize_phone(address, norm, sizeof(norm));
    if (bad < 0 || !st->keys)
        return -1;
    snprintf(ctx, sizeof(ctx), "%s:opt_out.%s", st->tenant, nt_channel_name(ch));
    return hf_pii_index(st->keys, ctx, norm, out) < 0 ? -1 : 0;
}

int nt_consent_allows(hf_store_t *st, nt_channel_t ch, const char *address,
                      nt_category_t category)
{
    if (category == NT_CAT_TRANSACTIONAL)
        return 1;
    char idx[65];
    if (address_index(st, ch, address, idx) < 0)
        return 0; /* no consent can be known for what is not an address */
    const char *p[3] = { st->tenant, nt_channel_name(ch), idx };
    PGresult *r = hf_db_query(st->db,
                              "SELECT 1 FROM notify.opt_out WHERE tenant_id = $1 AND channel = $2"
                              " AND recipient_index = $3 AND 'marketing' = ANY (categories)",
                              3, p);
    int allows = r ? PQntuples(r) == 0 : -1;
    PQclear(r);
    return allows;
}

/* Remember that candidate's address on ch has index idx. */
static int remember(hf_store_t *st, const char *candidate, nt_channel_t ch, const char *idx)
{
    const char *p[4] = { st->tenant, candidate, nt_channel_name(ch), idx };
    return hf_db_exec(st->db,
                      "INSERT INTO notify.recipient (tenant_id, candidate_id, channel,"
                      " recipient_index) VALUES ($1, $2, $3, $4)"
                      " ON CONFLICT (tenant_id, candidate_id, channel) DO UPDATE"
                      " SET recipient_index = $4, update_time = now()"
                      " WHERE recipient.recipient_index <> $4",
                      4, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

int nt_unsubscribe_token(hf_store_t *st, nt_channel_t ch, const char *candidate,
                         const char *address, char out[NT_UNSUBSCRIBE_TOKEN_MAX])
{
    char idx[65];
    const char *ids[] = { st->tenant, candidate };
    out[0] = '\0';
    if (!hf_uuid_valid(candidate) || address_index(st, ch, address, idx) < 0)
        return HF_ENOTFOUND;
    int rc = remember(st, candidate, ch, idx);
    if (rc == HF_OK &&
        hf_token_make(st->keys, &kinds[ch], ids, 0, out, NT_UNSUBSCRIBE_TOKEN_MAX) < 0)
        rc = HF_ENOMEM;
    return rc;
}

/* Record (opt_out) or withdraw the opt-out of index idx on ch. */
static int set_opt_out(hf_store_t *st, nt_channel_t ch, const char *idx, int opt_out,
                       const char *source)
{
    const char *p[5] = { st->tenant, nt_channel_name(ch), idx, source,
                         st->actor ? st->actor : "system" };
    return hf_db_exec(st->db,
                      opt_out ? "INSERT INTO notify.opt_out (tenant_id, channel, recipient_index,"
                                " source, actor) VALUES ($1, $2, $3, $4, $5)"
                                " ON CONFLICT (tenant_id, channel, recipient_index) DO UPDATE"
                                " SET categories = '{marketing}', source = $4, actor = $5,"
                                " update_time = now()"
                              : "DELETE FROM notify.opt_out WHERE tenant_id = $1 AND channel = $2"
                                " AND recipient_index = $3",
                      opt_out ? 5 : 3, p, NULL) < 0
               ? HF_EDB
               : HF_OK;
}

int nt_opt_out_set(hf_store_t *st, nt_channel_t ch, const char *address, int opt_out,
                   const char *source)
{
    char idx[65];
    if (address_index(st, ch, address, idx) < 0)
        return HF_ENOTFOUND;
    return set_opt_out(st, ch, idx, opt_out, source);
}

/* The state of index idx on ch into c (opted_out, update_time, source). */
static int state_of(hf_store_t *st, nt_channel_t ch, const char *idx, Hrflow__V1__ChannelConsent *c)
{
    const char *p[3] = { st->tenant, nt_channel_name(ch), idx };
    PGresult *r = hf_db_query(st->db,
                              "SELECT source, " HF_MICROS("update_time") " FROM notify.opt_out"
                              " WHERE tenant_id = $1 AND channel = $2 AND recipient_index = $3",
                              3, p);
    if (!r)
        return HF_EDB;
    if (PQntuples(r) == 1) {
        c->opted_out = 1;
        c->source = hf_store_cell(st, r, 0, 0);
        c->update_time = hf_store_time(st, r, 0, 1);
    }
    PQclear(r);
    return HF_OK;
}

/* The candidate's consent on each channel; when set_ch >= 0, first record
 * opt_out on that channel (-1 after failing the call when the candidate
 * has no address there). */
static int consent(hf_store_t *st, const char *candidate, int set_ch, int opt_out,
                   ProtobufCMessage **reply)
{
    hf_call_t *call = st->call;
    if (!hf_uuid_valid(candidate))
        return hf_call_fail(call, E(NOT_FOUND), "candidate %s not found", candidate);
    Hrflow__V1__GetCandidateRequest q = HRFLOW__V1__GET_CANDIDATE_REQUEST__INIT;
    q.id = (char *)candidate;
    Hrflow__V1__Candidate *who = NULL;
    int code = hf_service_ask(call, "pipeline", "GetCandidate", &q.base,
                              &hrflow__v1__candidate__descriptor, (ProtobufCMessage **)&who);
    if (code == E(NOT_FOUND))
        return hf_call_fail(call, E(NOT_FOUND), "candidate %s not found", candidate);
    if (code)
        return hf_service_ask_fail(call, "pipeline", code);
    Hrflow__V1__CandidateConsent *out = hf_store_alloc(st, sizeof(*out));
    void *slots = hf_store_alloc(st, NT_CH_COUNT * sizeof(*out->channels));
    if (!out || !slots)
        return hf_store_fail(st, HF_ENOMEM, "candidate", candidate);
    hrflow__v1__candidate_consent__init(out);
    out->candidate_id = (char *)candidate;
    out->channels = slots;
    int rc = hf_db_begin(st->db) < 0 ? HF_EDB : HF_OK;
    for (int ch = 0; rc == HF_OK && ch < NT_CH_COUNT; ch++) {
        Hrflow__V1__ChannelConsent *c = hf_store_alloc(st, sizeof(*c));
        if (!c) {
            rc = HF_ENOMEM;
            break;
        }
        hrflow__v1__channel_consent__init(c);
        c->channel = (char *)nt_channel_name(ch);
        out->channels[out->n_channels++] = c;
        const char *address = ch == NT_CH_EMAIL ? who->email : who->phone;
        char idx[65], *token = hf_store_alloc(st, NT_UNSUBSCRIBE_TOKEN_MAX);
        if (!token) {
            rc = HF_ENOMEM;
            break;
        }
        c->has_address = address && *address && address_index(st, ch, address, idx) == 0;
        if (!c->has_address) {
            if (ch == set_ch) {
                hf_store_finish(st, HF_ECONFLICT);
                hf_call_detail(call, "channel", "no_address",
                               "the candidate has no address on this channel");
                return hf_call_fail(call, E(INVALID_ARGUMENT), "candidate %s has no %s address",
                                    candidate, c->channel);
            }
            continue;
        }
        if (ch == set_ch)
            rc = set_opt_out(st, ch, idx, opt_out, "api");
        if (rc == HF_OK)
            rc = nt_unsubscribe_token(st, ch, candidate, address, token);
        if (rc == HF_OK)
            rc = state_of(st, ch, idx, c);
        c->unsubscribe_token = token;
    }
    rc = hf_store_finish(st, rc);
    if (rc != HF_OK)
        return hf_store_fail(st, rc, "candidate", candidate);
    *reply = &out->base;
    return 0;
}

NT_HANDLER(notify_get_candidate_consent)
{
    const Hrflow__V1__GetCandidateConsentRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0)
        return -1;
    return consent(&st, r->candidate_id, -1, 0, reply);
}

NT_HANDLER(notify_set_candidate_consent)
{
    const Hrflow__V1__SetCandidateConsentRequest *r = (const void *)req;
    hf_store_t st;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_RECRUITER, "record consent") < 0)
        return -1;
    int ch = nt_channel_of(r->channel);
    if (ch < 0) {
        hf_call_detail(call, "channel", "invalid", "email or sms");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "channel must be email or sms");
    }
    return consent(&st, r->candidate_id, ch, r->opt_out, reply);
}

/* The link of token: its channel, st opened for its tenant, and the
 * address's index into idx. -1 after failing the call. */
static int open_link(hf_call_t *call, const char *token, hf_store_t *st, nt_channel_t *ch,
                     char idx[65])
{
    char ids[2][37];
    const hf_token_kind_t *k[NT_CH_COUNT] = { &kinds[NT_CH_EMAIL], &kinds[NT_CH_SMS] };
    int found = hf_store_open_token(call, st, k, NT_CH_COUNT, token, ids, NULL, no_link);
    if (found < 0)
        return -1;
    *ch = (nt_channel_t)found;
    const char *p[3] = { st->tenant, ids[1], nt_channel_name(*ch) };
    PGresult *r = hf_db_query(st->db,
                              "SELECT recipient_index FROM notify.recipient WHERE tenant_id = $1"
                              " AND candidate_id = $2 AND channel = $3",
                              3, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK)
        snprintf(idx, 65, "%s", PQgetvalue(r, 0, 0));
    PQclear(r);
    if (rc == HF_ENOTFOUND)
        return hf_call_fail(call, E(NOT_FOUND), no_link);
    return rc == HF_OK ? 0 : hf_store_fail(st, rc, "link", "");
}

/* GET (what the link would do) and POST (do it) of the link. */
static int unsubscribe_link(hf_call_t *call, const char *token, int unsubscribe,
                            ProtobufCMessage **reply)
{
    hf_store_t st;
    nt_channel_t ch;
    char idx[65];
    if (open_link(call, token, &st, &ch, idx) < 0)
        return -1;
    Hrflow__V1__UnsubscribeLink *out = hf_store_alloc(&st, sizeof(*out));
    Hrflow__V1__ChannelConsent c = HRFLOW__V1__CHANNEL_CONSENT__INIT;
    int rc = !out         ? HF_ENOMEM
             : unsubscribe ? set_opt_out(&st, ch, idx, 1, "unsubscribe_link")
                           : HF_OK;
    if (rc == HF_OK)
        rc = state_of(&st, ch, idx, &c);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "link", "");
    if (unsubscribe)
        hf_log(HF_LOG_INFO, "notify: an unsubscribe link opted a %s address out of marketing",
               nt_channel_name(ch));
    hrflow__v1__unsubscribe_link__init(out);
    out->channel = (char *)nt_channel_name(ch);
    out->opted_out = c.opted_out;
    out->message = unsubscribe ? "You will get no more marketing messages on this channel. "
                                 "Letters about your applications and interviews still reach you."
                   : c.opted_out ? "You are unsubscribed from marketing messages on this channel."
                                 : "Send POST to this address to unsubscribe from marketing "
                                   "messages on this channel.";
    *reply = &out->base;
    return 0;
}

NT_HANDLER(notify_get_unsubscribe)
{
    const Hrflow__V1__UnsubscribeRequest *r = (const void *)req;
    return unsubscribe_link(call, r->token, 0, reply);
}

/* The body (RFC 8058's form, or nothing) is not read: the token is the credential. */
NT_HANDLER(notify_unsubscribe)
{
    const Hrflow__V1__OneClickUnsubscribeRequest *r = (const void *)req;
    return unsubscribe_link(call, r->token, 1, reply);
}
