/* services/scoring/store.c - every SQL statement of the scoring service
 *
 * A record is written as the JSON text of its message (hf_codec_encode) and
 * read back with hf_codec_decode_text, so the stored form is the API's own
 * and a new proto field needs no migration. Output-only fields (ids,
 * versions, times) come from their columns, never from the JSON. Every
 * statement is parameterised and filtered by tenant. A report that is new or
 * changed appends its event to the outbox in the transaction that stores it.
 */
#include "store.h"

#include "hf/codec.h"
#include "hf/crypto.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/outbox.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- JSON bodies ---- */

#define body_of hf_codec_encode_text

#define MICROS(col) "(extract(epoch from " col ") * 1000000)::bigint"

static store_rc_t failed(PGresult *r)
{
    PQclear(r);
    return STORE_FAILED;
}

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
static Hrflow__V1__CompetencyModel *model_row(store_t *st, PGresult *r, int row,
                                              const char *tenant)
{
    Hrflow__V1__CompetencyModel *m = (Hrflow__V1__CompetencyModel *)hf_codec_decode_stored(
        &hrflow__v1__competency_model__descriptor, PQgetvalue(r, row, 3), st->alloc);
    if (!m)
        return NULL;
    m->id = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 0));
    m->tenant_id = hf_pb_strdup(st->alloc, tenant);
    m->version = atoi(PQgetvalue(r, row, 1));
    m->create_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, row, 2));
    return m->id && m->tenant_id && m->create_time ? m : NULL;
}

static store_rc_t model_returning(store_t *st, PGresult *r, Hrflow__V1__CompetencyModel *m)
{
    if (!r)
        return STORE_FAILED;
    if (PQntuples(r) != 1) {
        PQclear(r);
        return STORE_NOT_FOUND;
    }
    m->id = hf_pb_strdup(st->alloc, PQgetvalue(r, 0, 0));
    m->version = atoi(PQgetvalue(r, 0, 1));
    m->create_time = hf_pb_timestamp_micros(st->alloc, PQgetvalue(r, 0, 2));
    PQclear(r);
    return m->id && m->create_time ? STORE_OK : STORE_FAILED;
}

store_rc_t store_model_create(store_t *st, const char *tenant, Hrflow__V1__CompetencyModel *m)
{
    char *body = model_body(m);
    if (!body)
        return STORE_FAILED;
    const char *p[] = { tenant, m->name, m->job_family, body };
    PGresult *r = hf_db_query(
        st->db,
        "INSERT INTO scoring.competency_models (tenant_id, id, version, name, job_family, body)"
        " VALUES ($1, gen_random_uuid(), 1, $2, $3, $4::jsonb)"
        " RETURNING id, version, " MICROS("create_time"),
        4, p);
    free(body);
    m->tenant_id = hf_pb_strdup(st->alloc, tenant);
    return model_returning(st, r, m);
}

store_rc_t store_model_new_version(store_t *st, const char *tenant, const char *id,
                                   Hrflow__V1__CompetencyModel *m)
{
    char *body = model_body(m);
    if (!body)
        return STORE_FAILED;
    const char *p[] = { tenant, id, m->name, m->job_family, body };
    PGresult *r = hf_db_query(
        st->db,
        "INSERT INTO scoring.competency_models (tenant_id, id, version, name, job_family, body)"
        " SELECT $1, $2, max(version) + 1, $3, $4, $5::jsonb FROM scoring.competency_models"
        " WHERE tenant_id = $1 AND id = $2 HAVING count(*) > 0"
        " ON CONFLICT DO NOTHING"
        " RETURNING id, version, " MICROS("create_time"),
        5, p);
    free(body);
    m->tenant_id = hf_pb_strdup(st->alloc, tenant);
    store_rc_t rc = model_returning(st, r, m);
    if (rc == STORE_NOT_FOUND) { /* no such model, or a concurrent new version won */
        Hrflow__V1__CompetencyModel *latest = NULL;
        return store_model_get(st, tenant, id, 0, &latest) == STORE_OK ? STORE_CONFLICT
                                                                        : STORE_NOT_FOUND;
    }
    return rc;
}

store_rc_t store_model_get(store_t *st, const char *tenant, const char *id, int version,
                           Hrflow__V1__CompetencyModel **out)
{
    char v[16];
    snprintf(v, sizeof(v), "%d", version);
    const char *p[] = { tenant, id, v };
    PGresult *r = hf_db_query(
        st->db,
        "SELECT id, version, " MICROS("create_time") ", body FROM scoring.competency_models"
        " WHERE tenant_id = $1 AND id = $2 AND ($3::int = 0 OR version = $3::int)"
        " ORDER BY version DESC LIMIT 1",
        3, p);
    if (!r)
        return STORE_FAILED;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return STORE_NOT_FOUND;
    }
    *out = model_row(st, r, 0, tenant);
    PQclear(r);
    return *out ? STORE_OK : STORE_FAILED;
}

static void **rows_array(store_t *st, size_t n)
{
    return st->alloc->alloc(st->alloc->allocator_data, (n ? n : 1) * sizeof(void *));
}

store_rc_t store_model_list(store_t *st, const char *tenant, store_page_t *page,
                            Hrflow__V1__CompetencyModel ***out, size_t *n)
{
    const char *p[3] = { tenant };
    PGresult *r = hf_db_page_query(st->db,
        "SELECT DISTINCT ON (id) id, version, " MICROS("create_time") ", body"
        " FROM scoring.competency_models"
        " WHERE tenant_id = $1 AND id > $2::uuid"
        " ORDER BY id, version DESC LIMIT $3::int",
        3, p, page);
    if (!r)
        return STORE_FAILED;
    size_t rows = (size_t)PQntuples(r);
    if (rows > page->size)
        rows = page->size;
    *out = (Hrflow__V1__CompetencyModel **)rows_array(st, rows);
    if (!*out)
        return failed(r);
    for (size_t i = 0; i < rows; i++)
        if (!((*out)[i] = model_row(st, r, (int)i, tenant)))
            return failed(r);
    *n = rows;
    PQclear(r);
    return STORE_OK;
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
static Hrflow__V1__Question *question_row(store_t *st, PGresult *r, int row)
{
    Hrflow__V1__Question *q = (Hrflow__V1__Question *)hf_codec_decode_stored(
        &hrflow__v1__question__descriptor, PQgetvalue(r, row, 2), st->alloc);
    if (!q)
        return NULL;
    q->id = hf_pb_strdup(st->alloc, PQgetvalue(r, row, 0));
    Hrflow__V1__QuestionStats *s = st->alloc->alloc(st->alloc->allocator_data, sizeof(*s));
    if (!q->id || !s)
        return NULL;
    hrflow__v1__question_stats__init(s);
    s->times_asked = strtoull(PQgetvalue(r, row, 3), NULL, 10);
    s->average_score = s->times_asked ? strtod(PQgetvalue(r, row, 4), NULL) / s->times_asked : 0;
    /* the three points missed most often, most first */
    json_t *missed = json_loads(PQgetvalue(r, row, 5), 0, NULL);
    const char *key;
    json_t *v;
    s->often_missed = st->alloc->alloc(st->alloc->allocator_data, 3 * sizeof(void *));
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
            best ? st->alloc->alloc(st->alloc->allocator_data, sizeof(*mp)) : NULL;
        if (!mp)
            break;
        hrflow__v1__missed_point__init(mp);
        mp->point = hf_pb_strdup(st->alloc, best);
        mp->count = (uint64_t)best_n;
        s->often_missed[s->n_often_missed++] = mp;
    }
    json_decref(missed);
    q->stats = s;
    return q;
}

#define QUESTION_COLS "id, " MICROS("create_time") ", body, times_asked, score_sum, missed"

store_rc_t store_question_create(store_t *st, const char *tenant, Hrflow__V1__Question *q)
{
    Hrflow__V1__QuestionStats *stats = q->stats;
    q->stats = NULL;
    char *body = body_of(&q->base);
    q->stats = stats;
    char *fam = text_array(q->job_families, q->n_job_families);
    char *comp = text_array(q->competencies, q->n_competencies);
    store_rc_t rc = STORE_FAILED;
    if (body && fam && comp) {
        const char *p[] = { tenant, fam, comp, body };
        PGresult *r = hf_db_query(
            st->db,
            "INSERT INTO scoring.questions (tenant_id, id, job_families, competencies, body)"
            " SELECT $1, gen_random_uuid(),"
            " ARRAY(SELECT jsonb_array_elements_text($2::jsonb)),"
            " ARRAY(SELECT jsonb_array_elements_text($3::jsonb)), $4::jsonb"
            " RETURNING id",
            4, p);
        if (r && PQntuples(r) == 1) {
            q->id = hf_pb_strdup(st->alloc, PQgetvalue(r, 0, 0));
            rc = q->id ? STORE_OK : STORE_FAILED;
        }
        PQclear(r);
    }
    free(body);
    free(fam);
    free(comp);
    return rc;
}

store_rc_t store_question_get(store_t *st, const char *tenant, const char *id,
                              Hrflow__V1__Question **out)
{
    const char *p[] = { tenant, id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT " QUESTION_COLS " FROM scoring.questions"
                              " WHERE tenant_id = $1 AND id = $2",
                              2, p);
    if (!r)
        return STORE_FAILED;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return STORE_NOT_FOUND;
    }
    *out = question_row(st, r, 0);
    PQclear(r);
    return *out ? STORE_OK : STORE_FAILED;
}

store_rc_t store_question_list(store_t *st, const char *tenant, const char *job_family,
                               const char *competency, store_page_t *page,
                               Hrflow__V1__Question ***out, size_t *n)
{
    const char *p[5] = { tenant, job_family, competency };
    PGresult *r = hf_db_page_query(st->db,
        "SELECT " QUESTION_COLS " FROM scoring.questions WHERE tenant_id = $1"
        " AND ($2 = '' OR $2 = ANY (job_families) OR job_families = '{}')"
        " AND ($3 = '' OR $3 = ANY (competencies))"
        " AND id > $4::uuid ORDER BY id LIMIT $5::int",
        5, p, page);
    if (!r)
        return STORE_FAILED;
    size_t rows = (size_t)PQntuples(r);
    if (rows > page->size)
        rows = page->size;
    *out = (Hrflow__V1__Question **)rows_array(st, rows);
    if (!*out)
        return failed(r);
    for (size_t i = 0; i < rows; i++)
        if (!((*out)[i] = question_row(st, r, (int)i)))
            return failed(r);
    *n = rows;
    PQclear(r);
    return STORE_OK;
}

store_rc_t store_question_asked(store_t *st, const char *tenant, const char *id, double score,
                                char *const *missed, size_t n_missed)
{
    char s[32];
    snprintf(s, sizeof(s), "%.6f", score);
    char *m = text_array(missed, n_missed);
    if (!m)
        return STORE_FAILED;
    const char *p[] = { tenant, id, s, m };
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
        return STORE_FAILED;
    store_rc_t rc = atoi(PQcmdTuples(r)) == 1 ? STORE_OK : STORE_NOT_FOUND;
    PQclear(r);
    return rc;
}

/* ---- reports ---- */

/* The data of hrflow.scoring.interview.scored.v1: ids, the score, what the
 * recruiter and the candidate are told, and the SHA-256 of the stored report
 * (body), which tells one scoring of an interview from the next: consumers
 * dedupe on (interviewId, reportDigest). No personal data. */
static char *report_event_data(const Hrflow__V1__InterviewReport *rep, const char *body)
{
    char digest[65];
    hf_sha256_hex(body, strlen(body), digest);
    json_t *o = json_pack("{s:s, s:s, s:s, s:i, s:f, s:s, s:s, s:o, s:s}",
                          "interviewId", rep->interview_id,
                          "applicationId", rep->application_id,
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

static store_rc_t report_event(store_t *st, const char *tenant,
                               const Hrflow__V1__InterviewReport *rep, const char *body)
{
    char subject[160];
    snprintf(subject, sizeof(subject), "interviews/%s", rep->interview_id);
    char *data = report_event_data(rep, body);
    hf_outbox_event_t e = { tenant, "/hrflow/scoring", "hrflow.scoring.interview.scored.v1",
                            subject, data, st->traceparent };
    int rc = data ? hf_outbox_append(st->db, &e, NULL) : -1;
    free(data);
    return rc == 0 ? STORE_OK : STORE_FAILED;
}

store_rc_t store_report_put(store_t *st, const char *tenant, const Hrflow__V1__InterviewReport *rep,
                            int *changed)
{
    *changed = 0;
    char *body = body_of(&rep->base);
    if (!body)
        return STORE_FAILED;
    char v[16], score[32];
    snprintf(v, sizeof(v), "%d", rep->model_version);
    snprintf(score, sizeof(score), "%.6f", rep->overall_score);
    const char *p[] = { tenant, rep->interview_id, rep->model_id, v, score, body };
    store_rc_t rc = STORE_FAILED;
    if (hf_db_begin(st->db) < 0) {
        free(body);
        return STORE_FAILED;
    }
    /* a row comes back when the report is new or differs from the stored one */
    PGresult *r = hf_db_query(
        st->db,
        "INSERT INTO scoring.reports (tenant_id, interview_id, model_id, model_version,"
        " overall_score, body) VALUES ($1, $2, $3, $4, $5, $6::jsonb)"
        " ON CONFLICT (tenant_id, interview_id) DO UPDATE SET model_id = EXCLUDED.model_id,"
        " model_version = EXCLUDED.model_version, overall_score = EXCLUDED.overall_score,"
        " body = EXCLUDED.body, create_time = now()"
        " WHERE scoring.reports.body IS DISTINCT FROM EXCLUDED.body RETURNING 1",
        6, p);
    if (r) {
        *changed = PQntuples(r) == 1;
        rc = *changed ? report_event(st, tenant, rep, body) : STORE_OK;
    }
    PQclear(r);
    free(body);
    if (rc == STORE_OK && hf_db_commit(st->db) == 0)
        return STORE_OK;
    hf_db_rollback(st->db);
    *changed = 0;
    return STORE_FAILED;
}

store_rc_t store_report_get(store_t *st, const char *tenant, const char *interview_id,
                            Hrflow__V1__InterviewReport **out)
{
    const char *p[] = { tenant, interview_id };
    PGresult *r = hf_db_query(st->db,
                              "SELECT body FROM scoring.reports"
                              " WHERE tenant_id = $1 AND interview_id = $2",
                              2, p);
    if (!r)
        return STORE_FAILED;
    if (PQntuples(r) == 0) {
        PQclear(r);
        return STORE_NOT_FOUND;
    }
    *out = (Hrflow__V1__InterviewReport *)hf_codec_decode_stored(
        &hrflow__v1__interview_report__descriptor, PQgetvalue(r, 0, 0), st->alloc);
    PQclear(r);
    return *out ? STORE_OK : STORE_FAILED;
}

/* ---- settings ---- */

store_rc_t store_settings_get(store_t *st, const char *tenant, Hrflow__V1__ScoringSettings *out)
{
    const char *p[] = { tenant };
    PGresult *r = hf_db_query(st->db,
                              "SELECT emotion_labels, emotion_may_reject FROM scoring.settings"
                              " WHERE tenant_id = $1",
                              1, p);
    if (!r)
        return STORE_FAILED;
    hrflow__v1__scoring_settings__init(out);
    if (PQntuples(r) == 1) {
        out->emotion_labels = PQgetvalue(r, 0, 0)[0] == 't';
        out->emotion_may_reject = PQgetvalue(r, 0, 1)[0] == 't';
    }
    PQclear(r);
    return STORE_OK;
}

store_rc_t store_settings_put(store_t *st, const char *tenant, const Hrflow__V1__ScoringSettings *s)
{
    const char *p[] = { tenant, s->emotion_labels ? "true" : "false",
                        s->emotion_may_reject ? "true" : "false" };
    PGresult *r = hf_db_query(
        st->db,
        "INSERT INTO scoring.settings (tenant_id, emotion_labels, emotion_may_reject)"
        " VALUES ($1, $2, $3) ON CONFLICT (tenant_id) DO UPDATE SET"
        " emotion_labels = EXCLUDED.emotion_labels,"
        " emotion_may_reject = EXCLUDED.emotion_may_reject",
        3, p);
    if (!r)
        return STORE_FAILED;
    PQclear(r);
    return STORE_OK;
}
