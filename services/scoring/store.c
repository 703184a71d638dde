/* services/scoring/store.c - every SQL statement of the scoring service
 *
 * A record is written as the JSON text of its message (hf_codec_encode) and
 * read back with hf_codec_decode_text, so the stored form is the API's own
 * and a new proto field needs no migration. Output-only fields (ids,
 * versions, times) come from their columns, never from the JSON. Every
 * statement is parameterised and filtered by st->tenant (hf/store.h). A report that is new or
 * changed appends its event to the outbox in the transaction that stores it.
 * Reports differ in two ways: their JSON is the candidate's words, so it is
 * stored encrypted, and each is filed under a company, which the statements
 * that read and replace them filter on (the reports section below).
 */
#include "store.h"

#include "hf/codec.h"
#include "hf/crypto.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/outbox.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON bodies ---- */

#define body_of hf_codec_encode_text


/* ---- competency models ---- */

/* The stored body: the model without its output-only fields. */
static char *model_body(Hrflow__V1__CompetencyModel *m)
{
    char *id = m->id, *tenant = m->tenant_id;
    int32_t version = m->version;
    Hrflow__V1__Timestamp *t = m->create_time;
    m->id = m->tenant_id = (char *)protobuf_c_empty_string;
    m->version = 0;
    m->create_time = NULL;
    char *body = body_of(&m->base);
    m->id = id, m->tenant_id = tenant, m->version = version, m->create_time = t;
    return body;
}

/* Columns: id, version, micros, body. */
static void *model_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__CompetencyModel *m = (Hrflow__V1__CompetencyModel *)hf_codec_decode_stored(
        &hrflow__v1__competency_model__descriptor, PQgetvalue(r, row, 3), &st->alloc);
    if (!m)
        return NULL;
    m->id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 0));
    m->tenant_id = hf_pb_strdup(&st->alloc, st->tenant);
    m->version = atoi(PQgetvalue(r, row, 1));
    m->create_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, row, 2));
    return m->id && m->tenant_id && m->create_time ? m : NULL;
}

static int model_returning(hf_store_t *st, PGresult *r, Hrflow__V1__CompetencyModel *m)
{
    if (!r)
        return HF_EDB;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return HF_ENOTFOUND;
    }
    m->id = hf_pb_strdup(&st->alloc, PQgetvalue(r, 0, 0));
    m->version = atoi(PQgetvalue(r, 0, 1));
    m->create_time = hf_pb_timestamp_micros(&st->alloc, PQgetvalue(r, 0, 2));
    PQclear(r);
    return m->id && m->create_time ? HF_OK : HF_EDB;
}

int store_model_create(hf_store_t *st, Hrflow__V1__CompetencyModel *m)
{
    char *body = model_body(m);
    if (!body)
        return HF_EDB;
    const char *p[] = { st->tenant, m->name, m->job_family, body };
    PGresult *r = hf_db_query(
        st->db,
        "INSERT INTO scoring.competency_models (tenant_id, id, version, name, job_family, body)"
        " VALUES ($1, gen_random_uuid(), 1, $2, $3, $4::jsonb)"
        " RETURNING id, version, " HF_MICROS("create_time"),
        4, p);
    free(body);
    m->tenant_id = hf_pb_strdup(&st->alloc, st->tenant);
    return model_returning(st, r, m);
}

int store_model_new_version(hf_store_t *st, const char *id,
                            Hrflow__V1__CompetencyModel *m)
{
    char *body = model_body(m);
    if (!body)
        return HF_EDB;
    const char *p[] = { st->tenant, id, m->name, m->job_family, body };
    PGresult *r = hf_db_query(
        st->db,
        "INSERT INTO scoring.competency_models (tenant_id, id, version, name, job_family, body)"
        " SELECT $1, $2, max(version) + 1, $3, $4, $5::jsonb FROM scoring.competency_models"
        " WHERE tenant_id = $1 AND id = $2 HAVING count(*) > 0"
        " ON CONFLICT DO NOTHING"
        " RETURNING id, version, " HF_MICROS("create_time"),
        5, p);
    free(body);
    m->tenant_id = hf_pb_strdup(&st->alloc, st->tenant);
    int rc = model_returning(st, r, m);
    if (rc == HF_ENOTFOUND) { /* no such model, or a concurrent new version won */
        Hrflow__V1__CompetencyModel *latest = NULL;
        return store_model_get(st, id, 0, &latest) == HF_OK ? HF_ECONFLICT
                                                                        : HF_ENOTFOUND;
    }
    return rc;
}

/* the model (version 0: the latest), and after its columns what JOIN adds */
#define MODEL_GET(MORE, JOIN)                                                                \
    "SELECT m.id, m.version, " HF_MICROS("m.create_time") ", m.body" MORE                   \
    " FROM scoring.competency_models m" JOIN                                                  \
    " WHERE m.tenant_id = $1 AND m.id = $2 AND ($3::int = 0 OR m.version = $3::int)"          \
    " ORDER BY m.version DESC LIMIT 1"

int store_model_get(hf_store_t *st, const char *id, int version,
                    Hrflow__V1__CompetencyModel **out)
{
    return store_model_get_with_settings(st, id, version, out, NULL);
}

int store_model_get_with_settings(hf_store_t *st, const char *id, int version,
                                  Hrflow__V1__CompetencyModel **out,
                                  Hrflow__V1__ScoringSettings *settings)
{
    char v[16];
    snprintf(v, sizeof(v), "%d", version);
    const char *p[] = { st->tenant, id, v };
    /* the settings only when asked: a screening reads the model for every resume */
    PGresult *r = hf_db_query(
        st->db,
        settings ? MODEL_GET(", coalesce(s.emotion_labels, false),"
                             " coalesce(s.emotion_may_reject, false)",
                             " LEFT JOIN scoring.settings s ON s.tenant_id = $1")
                 : MODEL_GET("", ""),
        3, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK && !(*out = model_row(st, r, 0)))
        rc = HF_EDB;
    if (rc == HF_OK && settings) {
        hrflow__v1__scoring_settings__init(settings);
        settings->emotion_labels = PQgetvalue(r, 0, 4)[0] == 't';
        settings->emotion_may_reject = PQgetvalue(r, 0, 5)[0] == 't';
    }
    PQclear(r);
    return rc;
}

/* In creation order: the keyset is the first version's create time (column
 * 4) and the id; each row is the model's latest version. */
int store_model_list(hf_store_t *st, hf_page_t *page, Hrflow__V1__CompetencyModel ***out,
                     size_t *n)
{
    const char *p[4] = { st->tenant };
    PGresult *r = hf_page_query(st,
        "SELECT l.id, l.version, " HF_MICROS("l.create_time") ", l.body, "
        HF_MICROS("f.create_time") " FROM scoring.competency_models f"
        " CROSS JOIN LATERAL (SELECT id, version, create_time, body"
        "  FROM scoring.competency_models v WHERE v.tenant_id = f.tenant_id AND v.id = f.id"
        "  ORDER BY version DESC LIMIT 1) l"
        " WHERE f.tenant_id = $1 AND f.version = 1"
        " AND (f.create_time, f.id) > ($2::timestamptz, $3::uuid)"
        " ORDER BY f.create_time, f.id LIMIT $4::int",
        4, p, 4, page);
    return hf_page_rows(st, r, page, model_row, (void ***)out, n);
}

/* ---- questions ---- */

static json_t *json_strings(char *const *items, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; a && i < n; i++)
        json_array_append_new(a, json_string(items[i]));
    return a;
}

static char *text_array(char *const *items, size_t n)
{
    json_t *a = json_strings(items, n);
    char *text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    return text;
}

/* Columns: id, micros, body, times_asked, score_sum, missed (jsonb). */
static void *question_row(hf_store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Question *q = (Hrflow__V1__Question *)hf_codec_decode_stored(
        &hrflow__v1__question__descriptor, PQgetvalue(r, row, 2), &st->alloc);
    if (!q)
        return NULL;
    q->id = hf_pb_strdup(&st->alloc, PQgetvalue(r, row, 0));
    Hrflow__V1__QuestionStats *s = hf_store_alloc(st, sizeof(*s));
    if (!q->id || !s)
        return NULL;
    hrflow__v1__question_stats__init(s);
    s->times_asked = strtoull(PQgetvalue(r, row, 3), NULL, 10);
    s->average_score = s->times_asked ? strtod(PQgetvalue(r, row, 4), NULL) / s->times_asked : 0;
    /* the three points missed most often, most first */
    json_t *missed = json_loads(PQgetvalue(r, row, 5), 0, NULL);
    const char *key;
    json_t *v;
    s->often_missed = hf_store_alloc(st, 3 * sizeof(void *));
    for (int k = 0; s->often_missed && k < 3; k++) {
        const char *best = NULL;
        json_int_t best_n = 0;
        json_object_foreach(missed, key, v) {
            json_int_t c = json_integer_value(v);
            int taken = 0;
            for (size_t i = 0; i < s->n_often_missed; i++)
                taken |= strcmp(s->often_missed[i]->point, key) == 0;
            if (!taken && (c > best_n || (c == best_n && best && strcmp(key, best) < 0))) {
                best = key;
                best_n = c;
            }
        }
        Hrflow__V1__MissedPoint *mp =
            best ? hf_store_alloc(st, sizeof(*mp)) : NULL;
        if (!mp)
            break;
        hrflow__v1__missed_point__init(mp);
        mp->point = hf_pb_strdup(&st->alloc, best);
        mp->count = (uint64_t)best_n;
        s->often_missed[s->n_often_missed++] = mp;
    }
    json_decref(missed);
    q->stats = s;
    return q;
}

#define QUESTION_COLS "id, " HF_MICROS("create_time") ", body, times_asked, score_sum, missed"

int store_question_create(hf_store_t *st, Hrflow__V1__Question *q)
{
    Hrflow__V1__QuestionStats *stats = q->stats;
    q->stats = NULL;
    char *body = body_of(&q->base);
    q->stats = stats;
    char *fam = text_array(q->job_families, q->n_job_families);
    char *comp = text_array(q->competencies, q->n_competencies);
    int rc = HF_EDB;
    if (body && fam && comp) {
        const char *p[] = { st->tenant, fam, comp, body };
        PGresult *r = hf_db_query(
            st->db,
            "INSERT INTO scoring.questions (tenant_id, id, job_families, competencies, body)"
            " SELECT $1, gen_random_uuid(),"
            " ARRAY(SELECT jsonb_array_elements_text($2::jsonb)),"
            " ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), $4::jsonb"
            " RETURNING id",
            4, p);
        if (r && PQntuples(r) == 1) {
            q->id = hf_pb_strdup(&st->alloc, PQgetvalue(r, 0, 0));
            rc = q->id ? HF_OK : HF_EDB;
        }
        PQclear(r);
    }
    free(body);
    free(fam);
    free(comp);
    return rc;
}

int store_question_get(hf_store_t *st, const char *id,
                       Hrflow__V1__Question **out)
{
    const char *p[] = { st->tenant, id };
    return hf_store_one(st, "SELECT " QUESTION_COLS " FROM scoring.questions"
                            " WHERE tenant_id = $1 AND id = $2",
                        2, p, question_row, out);
}

int store_question_list(hf_store_t *st, const char *job_family, const char *competency,
                        hf_page_t *page, Hrflow__V1__Question ***out, size_t *n)
{
    const char *p[6] = { st->tenant, job_family, competency };
    PGresult *r = hf_page_query(st,
        "SELECT " QUESTION_COLS " FROM scoring.questions WHERE tenant_id = $1"
        " AND ($2 = '' OR $2 = ANY (job_families) OR job_families = '{}')"
        " AND ($3 = '' OR $3 = ANY (competencies))"
        " AND (create_time, id) > ($4::timestamptz, $5::uuid)"
        " ORDER BY create_time, id LIMIT $6::int",
        6, p, 1, page);
    return hf_page_rows(st, r, page, question_row, (void ***)out, n);
}

int store_question_asked(hf_store_t *st, const char *id, double score,
                         char *const *missed, size_t n_missed)
{
    char s[32];
    snprintf(s, sizeof(s), "%.6f", score);
    char *m = text_array(missed, n_missed);
    if (!m)
        return HF_EDB;
    const char *p[] = { st->tenant, id, s, m };
    PGresult *r = hf_db_query(
        st->db,
        "UPDATE scoring.questions SET times_asked = times_asked + 1,"
        " score_sum = score_sum + $3::float8,"
        " missed = missed || (SELECT coalesce(jsonb_object_agg(k, coalesce((missed->>k)::int, 0)"
        " + 1), '{}') FROM jsonb_array_elements_text($4::jsonb) AS k)"
        " WHERE tenant_id = $1 AND id = $2",
        4, p);
    free(m);
    if (!r)
        return HF_EDB;
    int rc = atoi(PQcmdTuples(r)) == 1 ? HF_OK : HF_ENOTFOUND;
    PQclear(r);
    return rc;
}

/* ---- reports ---- */

/* A report is the candidate's words (answers, evidence, keywords): it is
 * stored sealed (hf/crypto.h) under the AAD "<tenant>:reports.body:<interview
 * id>", so a token moved to another row does not open there. Beside it, a
 * keyed digest of what is sealed (body_digest) tells one scoring from the
 * next; the scores, ids, company and model stay plain for queries. What is
 * sealed is a format byte, REPORT_PACKED, and the packed protobuf: under
 * half the size of the report's JSON, and no JSON to write on the scoring
 * path (docs/performance.md); body_digest is then 'p' and the digest's hex
 * (the events carry the hex alone). A report sealed earlier is its JSON (it
 * starts with '{') and is read as it is; a row whose plaintext `body` is
 * still set was stored before reports were sealed: it is read as it is
 * until store_reports_seal seals it (as JSON). Either has a digest without
 * the 'p', which no packed report's digest equals: a new scoring of such an
 * interview is compared with the stored report itself (report_kept). */
#define REPORT_PACKED '\0'

/* The stored form of rep (*len bytes, malloc'd), or NULL. */
static char *report_pack(const Hrflow__V1__InterviewReport *rep, size_t *len)
{
    size_t n = hrflow__v1__interview_report__get_packed_size(rep);
    char *b = malloc(n + 1);
    if (b) {
        b[0] = REPORT_PACKED;
        hrflow__v1__interview_report__pack(rep, (uint8_t *)b + 1);
        *len = n + 1;
    }
    return b;
}

/* The caller may see a report of company column `col` (NULL: the group's):
 * parameter `arr` is the caller's companies as ::uuid[], '{}' for all. */
#define REPORT_VISIBLE(col, arr) "(" arr "::uuid[] = '{}' OR " col " = ANY (" arr "::uuid[]))"

static void report_aad(const char *tenant, const char *interview_id, char *out, size_t n)
{
    snprintf(out, n, "%s:reports.body:%s", tenant, interview_id);
}

/* The sealed body (*sealed, the caller frees) and its keyed digest. */
static int report_seal(const hf_store_t *st, const char *interview_id, const char *body,
                       size_t len, char **sealed, char digest[65])
{
    char aad[256], ctx[64];
    report_aad(st->tenant, interview_id, aad, sizeof(aad));
    snprintf(ctx, sizeof(ctx), "%s:reports.body", st->tenant);
    *sealed = NULL;
    if (!st->keys || hf_pii_index_bytes(st->keys, ctx, body, len, digest) < 0)
        return HF_EDB;
    int rc = hf_pii_encrypt(st->keys, body, len, aad, sealed);
    if (rc < 0)
        hf_logkv(HF_LOG_ERROR, "a report cannot be sealed", HF_KV_STR("interview", interview_id),
                 HF_KV_STR("reason", hf_pii_strerror(rc)));
    return rc == 0 ? HF_OK : rc == -ENOMEM ? HF_ENOMEM : HF_EDB;
}

/* The data of hrflow.scoring.interview.scored.v1: ids (the company the
 * report is filed under among them), the score, what the recruiter and the
 * candidate are told, and the keyed digest of the stored report, which
 * tells one scoring of an interview from the next: consumers dedupe on
 * (interviewId, reportDigest). No personal data. */
static char *report_event_data(const Hrflow__V1__InterviewReport *rep, const char *digest)
{
    json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:i, s:f, s:s, s:s, s:o, s:s}",
                          "interviewId", rep->interview_id,
                          "applicationId", rep->application_id,
                          "companyId", rep->company_id,
                          "competencyModelId", rep->model_id,
                          "competencyModelVersion", (int)rep->model_version,
                          "score", rep->overall_score,
                          "recommendation", rep->recommendation,
                          "suggestedAction", rep->suggested_action,
                          "hints", json_strings(rep->candidate_hints, rep->n_candidate_hints),
                          "reportDigest", digest);
    char *data = o ? json_dumps(o, JSON_COMPACT) : NULL;
    json_decref(o);
    return data;
}

/* The event of rep (e->data_json malloc'd, or NULL); subject: 160 bytes. */
static hf_outbox_event_t report_event_of(const hf_store_t *st,
                                         const Hrflow__V1__InterviewReport *rep,
                                         const char *digest, char *subject)
{
    snprintf(subject, 160, "interviews/%s", rep->interview_id);
    hf_outbox_event_t e = { st->tenant, "/hrflow/scoring", "hrflow.scoring.interview.scored.v1",
                            subject, report_event_data(rep, digest), st->traceparent };
    return e;
}

static int report_event(hf_store_t *st, const Hrflow__V1__InterviewReport *rep,
                        const char *digest)
{
    char subject[160];
    hf_outbox_event_t e = report_event_of(st, rep, digest, subject);
    int rc = e.data_json ? hf_outbox_append(st->db, &e, NULL) : -1;
    free((char *)e.data_json);
    return rc == 0 ? HF_OK : HF_EDB;
}

/* Columns: interview_id, body (a report not sealed yet, or NULL), body_enc,
 * company_id. */
static void *report_row(hf_store_t *st, PGresult *r, int row)
{
    const char *id = PQgetvalue(r, row, 0);
    Hrflow__V1__InterviewReport *rep = NULL;
    if (!PQgetisnull(r, row, 1)) {
        rep = (Hrflow__V1__InterviewReport *)hf_codec_decode_stored(
            &hrflow__v1__interview_report__descriptor, PQgetvalue(r, row, 1), &st->alloc);
    } else {
        char aad[256], *json = NULL;
        size_t len = 0;
        report_aad(st->tenant, id, aad, sizeof(aad));
        int rc = hf_pii_decrypt(st->keys, PQgetvalue(r, row, 2), aad, &json, &len);
        if (rc < 0) {
            hf_logkv(HF_LOG_ERROR, "a report does not decrypt", HF_KV_STR("interview", id),
                     HF_KV_STR("reason", hf_pii_strerror(rc)));
            return NULL;
        }
        if (len > 0 && json[0] == REPORT_PACKED)
            rep = hrflow__v1__interview_report__unpack(&st->alloc, len - 1,
                                                       (const uint8_t *)json + 1);
        else
            rep = (Hrflow__V1__InterviewReport *)hf_codec_decode_stored(
                &hrflow__v1__interview_report__descriptor, json, &st->alloc);
        OPENSSL_cleanse(json, len);
        free(json);
    }
    if (rep)
        rep->company_id = hf_store_cell(st, r, row, 3);
    return rep && rep->company_id ? rep : NULL;
}

/* Why the upsert wrote nothing: the stored report (locked by the upsert
 * until the transaction ends) is hidden from the caller, of another
 * application, the same report (a retry), or stored as JSON: its digest is
 * not of the packed report (see REPORT_PACKED), so the reports themselves
 * are compared. A report the same but for its form is stored again packed,
 * and no event says it changed; one that differs is stored and told.
 * p: the upsert's parameters. */
static int report_kept(hf_store_t *st, const Hrflow__V1__InterviewReport *rep,
                       const char *packed, size_t len, const char *const p[], int *changed)
{
    PGresult *r = hf_db_query(st->db,
                              "SELECT interview_id, body, body_enc, coalesce(company_id::text, ''),"
                              " coalesce(application_id::text, ''), body_digest LIKE 'p%'"
                              " FROM scoring.reports WHERE tenant_id = $1 AND interview_id = $2",
                              2, p);
    int rc = hf_store_rows(r, 1);
    if (rc == HF_OK && !hf_store_sees_company(st, PQgetvalue(r, 0, 3)))
        rc = HF_ENOTFOUND;
    else if (rc == HF_OK && strcmp(PQgetvalue(r, 0, 4), rep->application_id) != 0)
        rc = HF_ECONFLICT;
    else if (rc == HF_ENOTFOUND) /* a conflict on a row that is gone: cannot be */
        rc = HF_EDB;
    else if (rc == HF_OK && strcmp(PQgetvalue(r, 0, 5), "t") != 0) {
        const Hrflow__V1__InterviewReport *old = report_row(st, r, 0);
        size_t n = 0;
        char *b = old ? report_pack(old, &n) : NULL;
        int same = b && n == len && memcmp(b, packed, n) == 0;
        if (b) {
            OPENSSL_cleanse(b, n);
            free(b);
        }
        const char *q[] = { p[0], p[1], p[2], p[3], p[4], p[5], p[7], p[8], same ? "f" : "t" };
        rc = hf_db_exec(st->db,
                        "UPDATE scoring.reports SET model_id = $3, model_version = $4,"
                        " overall_score = $5, company_id = nullif($6, '')::uuid, body_enc = $7,"
                        " body_digest = $8, body = NULL,"
                        " create_time = CASE WHEN $9::bool THEN now() ELSE create_time END"
                        " WHERE tenant_id = $1 AND interview_id = $2",
                        9, q, NULL)
                 ? HF_EDB
                 : same ? HF_OK
                        : report_event(st, rep, p[8] + 1);
        *changed = rc == HF_OK && !same;
    }
    PQclear(r);
    return rc;
}

/* A report's row from the upsert's parameters $1..$9 (store_report_put). */
#define REPORT_INSERT                                                                        \
    "INSERT INTO scoring.reports (tenant_id, interview_id, model_id, model_version,"         \
    " overall_score, company_id, application_id, body_enc, body_digest)"                    \
    " VALUES ($1, $2, $3, $4, $5, nullif($6, '')::uuid, nullif($7, '')::uuid, $8, $9)"

/* The report of an interview scored for the first time, and its event, in
 * one statement that is its own transaction: one round trip, where the
 * transaction of store_report_put is four. An interview with a stored
 * report (a retry, a new scoring, one stored as JSON) writes nothing here:
 * *fresh stays 0 and store_report_put decides in its transaction.
 * p: the upsert's parameters. */
static int report_insert_new(hf_store_t *st, const Hrflow__V1__InterviewReport *rep,
                             const char *const p[], int *fresh)
{
    char subject[160];
    hf_outbox_event_t e = report_event_of(st, rep, p[8] + 1, subject);
    if (!e.data_json)
        return HF_ENOMEM;
    const char *q[] = { p[0], p[1], p[2], p[3], p[4], p[5], p[6], p[7], p[8],
                        e.source, e.type, e.subject, e.data_json, e.traceparent };
    PGresult *r = hf_db_query(
        st->db,
        "WITH up AS (" REPORT_INSERT " ON CONFLICT (tenant_id, interview_id) DO NOTHING"
        " RETURNING 1),"
        " ev AS (" HF_OUTBOX_INSERT " SELECT $1, $10, $11, $12, $13::jsonb, $14 FROM up)"
        " SELECT count(*) FROM up",
        14, q);
    free((char *)e.data_json);
    *fresh = r && strcmp(PQgetvalue(r, 0, 0), "1") == 0;
    PQclear(r);
    return r ? HF_OK : HF_EDB;
}

int store_report_put(hf_store_t *st, const Hrflow__V1__InterviewReport *rep, int *changed)
{
    *changed = 0;
    size_t len = 0;
    char *body = report_pack(rep, &len), *sealed = NULL, digest[66] = "p";
    int rc = body ? report_seal(st, rep->interview_id, body, len, &sealed, digest + 1) : HF_ENOMEM;
    if (rc != HF_OK) {
        if (body)
            OPENSSL_cleanse(body, len);
        free(body);
        return rc;
    }
    char v[16], score[32];
    snprintf(v, sizeof(v), "%d", rep->model_version);
    snprintf(score, sizeof(score), "%.6f", rep->overall_score);
    const char *mine = hf_store_array(st, (const char *const *)st->companies, st->n_companies);
    const char *p[] = { st->tenant, rep->interview_id, rep->model_id, v, score,
                        rep->company_id, rep->application_id, sealed, digest, mine };
    rc = mine ? report_insert_new(st, rep, p, changed) : HF_ENOMEM;
    if (rc != HF_OK || *changed || hf_db_begin(st->db) < 0) {
        OPENSSL_cleanse(body, len);
        free(body);
        free(sealed);
        return rc != HF_OK || *changed ? rc : HF_EDB;
    }
    /* A row comes back when the report is new, or replaces a stored packed
     * one the caller may see, of the same application, that differs. ON CONFLICT
     * locks the stored row even when its WHERE says no, so report_kept reads
     * it as it stays until the end of the transaction. */
    PGresult *r = hf_db_query(
        st->db,
        REPORT_INSERT " ON CONFLICT (tenant_id, interview_id) DO UPDATE SET model_id = EXCLUDED.model_id,"
        " model_version = EXCLUDED.model_version, overall_score = EXCLUDED.overall_score,"
        " company_id = EXCLUDED.company_id, body_enc = EXCLUDED.body_enc,"
        " body_digest = EXCLUDED.body_digest, body = NULL, create_time = now()"
        " WHERE " REPORT_VISIBLE("scoring.reports.company_id", "$10")
        " AND scoring.reports.application_id IS NOT DISTINCT FROM EXCLUDED.application_id"
        " AND scoring.reports.body_digest IS DISTINCT FROM EXCLUDED.body_digest"
        " AND scoring.reports.body_digest LIKE 'p%' RETURNING 1",
        10, p);
    rc = r ? HF_OK : HF_EDB;
    if (r && PQntuples(r) == 1) {
        *changed = 1;
        rc = report_event(st, rep, digest + 1);
    } else if (r) {
        rc = report_kept(st, rep, body, len, p, changed);
    }
    PQclear(r);
    OPENSSL_cleanse(body, len);
    free(body);
    free(sealed);
    if (rc != HF_OK)
        *changed = 0;
    return hf_store_finish(st, rc);
}

int store_report_get(hf_store_t *st, const char *interview_id,
                     Hrflow__V1__InterviewReport **out)
{
    const char *mine = hf_store_array(st, (const char *const *)st->companies, st->n_companies);
    const char *p[] = { st->tenant, interview_id, mine };
    if (!mine)
        return HF_ENOMEM;
    return hf_store_one(st, "SELECT interview_id, body, body_enc, company_id FROM scoring.reports"
                            " WHERE tenant_id = $1 AND interview_id = $2"
                            " AND " REPORT_VISIBLE("company_id", "$3"),
                        3, p, report_row, out);
}

/* One report stored before reports were sealed, sealed in place. Its
 * application, when the column does not say it yet (a report an older
 * replica stored after the migration), is the one its JSON names. */
static int seal_row(hf_store_t *st, const char *interview_id, const char *json)
{
    Hrflow__V1__InterviewReport *rep = (Hrflow__V1__InterviewReport *)hf_codec_decode_stored(
        &hrflow__v1__interview_report__descriptor, json, &st->alloc);
    char *sealed = NULL, digest[65];
    int rc = report_seal(st, interview_id, json, strlen(json), &sealed, digest);
    if (rc != HF_OK)
        return rc;
    const char *app = rep && hf_uuid_valid(rep->application_id) ? rep->application_id : "";
    const char *p[] = { st->tenant, interview_id, sealed, digest, app };
    int failed = hf_db_exec(st->db,
                            "UPDATE scoring.reports SET body_enc = $3, body_digest = $4,"
                            " body = NULL, application_id = coalesce(application_id,"
                            " nullif($5, '')::uuid) WHERE tenant_id = $1 AND interview_id = $2",
                            5, p, NULL);
    free(sealed);
    return failed ? HF_EDB : HF_OK;
}

int store_reports_seal(hf_store_t *st, int max)
{
    char lim[16];
    snprintf(lim, sizeof(lim), "%d", max);
    const char *p[] = { lim };
    if (hf_db_begin(st->db) < 0)
        return HF_EDB;
    PGresult *r = hf_db_query(st->db,
                              "SELECT tenant_id, interview_id, body::text FROM scoring.reports"
                              " WHERE body IS NOT NULL LIMIT $1::int FOR UPDATE SKIP LOCKED",
                              1, p);
    int rc = r ? HF_OK : HF_EDB, n = r ? PQntuples(r) : 0;
    for (int i = 0; i < n && rc == HF_OK; i++) {
        hf_store_t row_st = *st;
        row_st.tenant = PQgetvalue(r, i, 0);
        rc = seal_row(&row_st, PQgetvalue(r, i, 1), PQgetvalue(r, i, 2));
    }
    PQclear(r);
    rc = hf_store_finish(st, rc);
    return rc == HF_OK ? n : rc;
}

/* ---- settings ---- */

int store_settings_get(hf_store_t *st, Hrflow__V1__ScoringSettings *out)
{
    const char *p[] = { st->tenant };
    PGresult *r = hf_db_query(st->db,
                              "SELECT emotion_labels, emotion_may_reject FROM scoring.settings"
                              " WHERE tenant_id = $1",
                              1, p);
    if (!r)
        return HF_EDB;
    hrflow__v1__scoring_settings__init(out);
    if (PQntuples(r) == 1) {
        out->emotion_labels = PQgetvalue(r, 0, 0)[0] == 't';
        out->emotion_may_reject = PQgetvalue(r, 0, 1)[0] == 't';
    }
    PQclear(r);
    return HF_OK;
}

int store_settings_put(hf_store_t *st, const Hrflow__V1__ScoringSettings *s)
{
    const char *p[] = { st->tenant, s->emotion_labels ? "true" : "false",
                        s->emotion_may_reject ? "true" : "false" };
    PGresult *r = hf_db_query(
        st->db,
        "INSERT INTO scoring.settings (tenant_id, emotion_labels, emotion_may_reject)"
        " VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO UPDATE SET"
        " emotion_labels = EXCLUDED.emotion_labels,"
        " emotion_may_reject = EXCLUDED.emotion_may_reject",
        3, p);
    if (!r)
        return HF_EDB;
    PQclear(r);
    return HF_OK;
}
