/* services/pipeline/importer.c - the background thread that runs queued imports
 *
 * Every replica runs one importer. It looks for imports that are queued or
 * running, takes one with a session advisory lock (so exactly one replica
 * works on a file, and a replica that dies releases it with its connection),
 * reads the file with import.c (it is stored sealed in parts, decrypted one
 * part at a time and wiped after reading; the transaction that ends the
 * import deletes it) and gives each valid row to bulk.c, which
 * prepares its candidate (normalised, indexed, encrypted) in C. Every
 * RESUME_EVERY rows the chunk is written set-based (bulk_flush: the
 * candidates deduplicated against the database and within the chunk, their
 * applications to the job, unique per job: a second one counts as a
 * duplicate, and the events) and committed in one transaction together with
 * how far the import got, so a replica taking over skips exactly the
 * committed rows and a chunk is written whole or not at all: never a
 * candidate without its application. Rows that fail (the reader's errors, a
 * phone or email that does not parse) fail alone, with their row number.
 * Candidates and applications are unique, so re-importing the same file
 * creates nothing new. New applications to a job with a competency model
 * wait for the screener (screener.c).
 */
#include "automation.h"
#include "loops.h"

#include "hf/arena.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/service.h"
#include "bulk.h"
#include "import.h"
#include "stages.h"
#include "store.h"

#include <jansson.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define RESUME_EVERY 1000   /* rows of a chunk: written and committed together */
#define ANALYZE_EVERY 20000 /* rows between refreshes of the planner's statistics */
#define MAX_ERRORS 100
#define POLL_MS 300

typedef struct {
    PGconn *db;
    const hf_keyring_t *keys;
    const char *tenant, *id, *actor;
    Hrflow__V1__Job *job;
    const char *first_stage;
    size_t skip;                 /* rows done by an earlier run */
    uint64_t processed, created, duplicates, failed;
    json_t *errors;
    uint64_t failed_counted;     /* failed rows already in the metrics */
    hf_loop_t *loop;             /* the importer's: stopping ends a run at its next chunk */
    int broken;                  /* 1: the database failed; 2: shutting down; either way
                                    stop here, the rest resumes later */
    bulk_t *bulk;                /* the chunk's rows, written at the next checkpoint */
    hf_arena_t *arena;
} run_t;

static void add_error(run_t *r, size_t row, const char *field, const char *message)
{
    r->failed++;
    if (json_array_size(r->errors) < MAX_ERRORS)
        json_array_append_new(r->errors, json_pack("{s:I, s:s, s:s}", "row", (json_int_t)row,
                                                   "field", field ? field : "", "message",
                                                   message));
}

static int save(run_t *r, const char *status, const char *fatal)
{
    char processed[24], created[24], dups[24], failed[24];
    snprintf(processed, sizeof(processed), "%llu", (unsigned long long)r->processed);
    snprintf(created, sizeof(created), "%llu", (unsigned long long)r->created);
    snprintf(dups, sizeof(dups), "%llu", (unsigned long long)r->duplicates);
    snprintf(failed, sizeof(failed), "%llu", (unsigned long long)r->failed);
    char *errors = json_dumps(r->errors, JSON_COMPACT);
    const char *p[] = { r->tenant, r->id, status, processed, created, dups, failed,
                        errors ? errors : "[]", fatal ? fatal : "" };
    int rc = hf_db_exec(r->db,
                        "UPDATE pipeline.imports SET status = $3, processed = $4, created = $5,"
                        " duplicates = $6, failed = $7, errors = $8::jsonb, fatal_error = $9,"
                        " update_time = now() WHERE tenant_id = $1 AND id = $2::uuid",
                        9, p, NULL);
    free(errors);
    /* an import that ended needs its file no more: it goes with the last chunk */
    if (rc == 0 && strcmp(status, "running") != 0)
        rc = hf_db_exec(r->db,
                        "DELETE FROM pipeline.import_parts"
                        " WHERE tenant_id = $1 AND import_id = $2::uuid",
                        2, p, NULL);
    return rc;
}

/* Write the chunk's rows, save the progress with them and commit them
 * together: a replica taking over resumes exactly after the last committed
 * row. */
static void checkpoint(run_t *r, const char *status, const char *fatal)
{
    static hf_counter_t *rows[3];
    if (!rows[0]) {
        const char *help = "Imported rows by outcome, counted when their chunk commits";
        rows[0] = hf_metrics_counter("hf_pipeline_import_rows_total", help, "outcome=\"created\"");
        rows[1] = hf_metrics_counter("hf_pipeline_import_rows_total", help,
                                     "outcome=\"duplicate\"");
        rows[2] = hf_metrics_counter("hf_pipeline_import_rows_total", help, "outcome=\"failed\"");
    }
    uint64_t before[2] = { r->created, r->duplicates };
    if (hf_db_begin(r->db) < 0) {
        r->broken = 1;
        return;
    }
    if ((r->bulk && bulk_flush(r->bulk, &r->created, &r->duplicates) < 0) ||
        save(r, status, fatal) < 0 || hf_db_commit(r->db) < 0) {
        hf_db_rollback(r->db);
        r->broken = 1;
        return;
    }
    hf_counter_add(rows[0], r->created - before[0]);
    hf_counter_add(rows[1], r->duplicates - before[1]);
    hf_counter_add(rows[2], r->failed - r->failed_counted);
    r->failed_counted = r->failed;
}

/* A mass import changes the tables faster than autovacuum samples them:
 * plans made on the old statistics (nested loops over "a few" rows) made the
 * funnel of a freshly imported job take seconds. Refresh them as the import
 * goes and when it ends (ANALYZE samples; it blocks no reads or writes). */
static void refresh_statistics(PGconn *db)
{
    if (hf_db_exec(db, "ANALYZE pipeline.candidates, pipeline.applications, pipeline.transitions",
                   0, NULL, NULL) < 0)
        hf_warn("could not refresh the statistics after an import chunk");
}

/* After 1, 2, 4, 8 and 16 chunks, then every ANALYZE_EVERY rows: the
 * statistics follow a table that an import into an empty tenant doubles
 * chunk after chunk, so statements planned while it was small (the
 * screeners' and the rules' joins prepared before the import) are planned
 * again early, at the cost of a sample of a small table. */
static int analyze_now(uint64_t processed)
{
    uint64_t chunks = processed / RESUME_EVERY;
    return processed % ANALYZE_EVERY == 0 ||
           (processed < ANALYZE_EVERY && processed % RESUME_EVERY == 0 && chunks &&
            (chunks & (chunks - 1)) == 0);
}

static char *str(run_t *r, const pl_import_row_t *row, pl_cand_field_t f)
{
    return hf_arena_strdup(r->arena, row->value[f] ? row->value[f] : "");
}

static void on_row(void *ctx, const pl_import_row_t *row)
{
    run_t *r = ctx;
    if (r->broken || row->row <= r->skip)
        return;
    r->processed = row->row;
    if (row->error) {
        add_error(r, row->row, row->error->field, row->error->message);
    } else {
        hf_arena_reset(r->arena);
        Hrflow__V1__Candidate c = HRFLOW__V1__CANDIDATE__INIT;
        Hrflow__V1__Consent consent = HRFLOW__V1__CONSENT__INIT;
        c.name = str(r, row, PL_CAND_NAME);
        c.phone = str(r, row, PL_CAND_PHONE);
        c.email = str(r, row, PL_CAND_EMAIL);
        c.source = str(r, row, PL_CAND_SOURCE);
        c.education = str(r, row, PL_CAND_EDUCATION);
        c.resume = str(r, row, PL_CAND_RESUME);
        c.external_id = str(r, row, PL_CAND_EXTERNAL_ID);
        c.gender = str(r, row, PL_CAND_GENDER);
        c.age_band = str(r, row, PL_CAND_AGE_BAND);
        c.skills = (char **)row->skills;
        c.n_skills = row->nskills;
        c.years_experience = row->years > 0 ? row->years : 0;
        if (row->consent == PL_CONSENT_YES) {
            consent.automated_assessment = 1;
            consent.version = str(r, row, PL_CAND_CONSENT_VERSION);
            c.consent = &consent;
        }
        const char *field = "", *message = "";
        int rc = bulk_add(r->bulk, &c, &field, &message);
        if (rc > 0)
            add_error(r, row->row, field, message);
        else if (rc < 0)
            r->broken = 1;
    }
    if (!r->broken && r->processed % RESUME_EVERY == 0) {
        checkpoint(r, "running", NULL);
        if (!r->broken && analyze_now(r->processed))
            refresh_statistics(r->db);
        if (!r->broken && hf_loop_stopping(r->loop))
            r->broken = 2; /* SIGTERM: committed up to here, another run resumes */
    }
}

static void on_warning(void *ctx, const pl_import_error_t *w)
{
    (void)ctx;
    hf_logkv(HF_LOG_INFO, "import warning", HF_KV_STR("detail", w->message),
             HF_KV_INT("row", w->row));
}

/* Feed the file's parts to the reader, one at a time (decrypted, read, wiped):
 * 0, a reader's error code, or 1 when a part is missing or does not decrypt
 * (the file is lost). Stops early once the run is broken. */
static int feed(run_t *r, hf_store_t *st, pl_import_t *imp, unsigned parts)
{
    int rc = imp ? 0 : PL_IMPORT_NOMEM;
    for (unsigned seq = 0; rc == 0 && !r->broken && seq < parts; seq++) {
        char *plain = NULL;
        size_t len = 0;
        int got = store_import_part(st, r->id, seq, &plain, &len);
        if (got == HF_ENOTFOUND)
            return 1;
        if (got != HF_OK) {
            r->broken = 1;
            break;
        }
        rc = pl_import_feed(imp, plain, len);
        OPENSSL_cleanse(plain, len);
        free(plain);
    }
    return rc == 0 && !r->broken ? pl_import_finish(imp) : rc;
}

/* Run one import we hold the lock of. */
static void run(hf_loop_t *loop, PGconn *db, const char *tenant, const char *id)
{
    const hf_keyring_t *keys = hf_service_keys();
    const char *p[] = { tenant, id };
    PGresult *meta = hf_db_query(db,
                                 "SELECT job_id, actor, encoding, processed, created, duplicates,"
                                 " failed, errors FROM pipeline.imports"
                                 " WHERE tenant_id = $1 AND id = $2::uuid"
                                 " AND status IN ('queued', 'running')",
                                 2, p);
    run_t r = { .db = db, .keys = keys, .tenant = tenant, .id = id, .loop = loop,
                .arena = hf_arena_new(16384) };
    hf_store_t st;
    unsigned parts = 0;
    if (r.arena)
        hf_store_init(&st, db, r.arena, tenant, keys);
    if (!meta || PQntuples(meta) != 1 || !r.arena ||
        store_import_seal_legacy(&st, id, &parts) != HF_OK ||
        store_job_get(&st, PQgetvalue(meta, 0, 0), &r.job) != HF_OK) {
        PQclear(meta);
        hf_arena_destroy(&r.arena);
        return;
    }
    /* the job outlives the per-row arena resets: copy what the rows need */
    hf_arena_t *keep = hf_arena_new(4096);
    Hrflow__V1__Job job = *r.job;
    job.id = hf_arena_strdup(keep, r.job->id);
    job.competency_model_id = hf_arena_strdup(keep, r.job->competency_model_id);
    r.job = &job;
    char err[200];
    pl_stages_t *stages = automation_stages(&job, err, sizeof(err));
    r.first_stage = stages ? hf_arena_strdup(keep, pl_stages_first(stages)) : "applied";
    pl_stages_destroy(&stages);
    r.actor = hf_arena_strdup(keep, PQgetvalue(meta, 0, 1));
    r.skip = strtoull(PQgetvalue(meta, 0, 3), NULL, 10);
    r.processed = r.skip;
    r.created = strtoull(PQgetvalue(meta, 0, 4), NULL, 10);
    r.duplicates = strtoull(PQgetvalue(meta, 0, 5), NULL, 10);
    r.failed = strtoull(PQgetvalue(meta, 0, 6), NULL, 10);
    r.failed_counted = r.failed; /* counted by the run that saw them */
    r.errors = json_loads(PQgetvalue(meta, 0, 7), 0, NULL);
    if (!json_is_array(r.errors)) {
        json_decref(r.errors);
        r.errors = json_array();
    }
    pl_import_options_t opt = { 0 };
    const char *enc = PQgetvalue(meta, 0, 2);
    opt.encoding = !strcmp(enc, "gb18030") || !strcmp(enc, "gbk") ? PL_IMPORT_GB18030
                   : !strcmp(enc, "utf-8")                     ? PL_IMPORT_UTF8
                                                               : PL_IMPORT_AUTO_ENCODING;
    bulk_target_t target = { db, keys, tenant, r.job, r.first_stage, r.actor };
    r.bulk = bulk_new(&target);
    pl_import_t *imp = r.bulk ? pl_import_new(&opt, on_row, on_warning, &r) : NULL;
    save(&r, "running", NULL);
    int rc = feed(&r, &st, imp, parts);
    if (!r.broken && rc == 1)
        checkpoint(&r, "failed", "the stored file is lost (a part is missing or does not "
                                 "decrypt): upload it again");
    else if (!r.broken && rc == PL_IMPORT_FATAL)
        checkpoint(&r, "failed", pl_import_fatal(imp)->message);
    else if (!r.broken && rc != 0)
        checkpoint(&r, "failed", "out of memory");
    else if (!r.broken)
        checkpoint(&r, "done", NULL);
    if (!r.broken && r.processed - r.skip >= RESUME_EVERY)
        refresh_statistics(db);
    if (r.broken)
        hf_logkv(r.broken == 2 ? HF_LOG_INFO : HF_LOG_WARN,
                 r.broken == 2 ? "import paused for shutdown; it resumes later"
                               : "import interrupted: the database failed; it resumes later",
                 HF_KV_STR("import", id));
    pl_import_destroy(&imp);
    bulk_destroy(&r.bulk);
    json_decref(r.errors);
    PQclear(meta);
    hf_arena_destroy(&r.arena);
    hf_arena_destroy(&keep);
}

/* One step: take a queued or interrupted import no other replica holds and run it. */
static int import_step(hf_loop_t *loop, PGconn *db, void *user)
{
    (void)user;
    PGresult *r = hf_db_query(db,
                              "SELECT tenant_id, id FROM pipeline.imports"
                              " WHERE status IN ('queued', 'running')"
                              " ORDER BY create_time LIMIT 16",
                              0, NULL);
    if (!r)
        return -1;
    int did = 0;
    for (int i = 0; i < PQntuples(r) && !did; i++) {
        const char *p[] = { PQgetvalue(r, i, 1) };
        PGresult *l = hf_db_query(db, "SELECT pg_try_advisory_lock(hashtextextended($1, 7))", 1, p);
        int locked = l && PQgetvalue(l, 0, 0)[0] == 't';
        PQclear(l);
        if (!locked)
            continue;
        run(loop, db, PQgetvalue(r, i, 0), PQgetvalue(r, i, 1));
        l = hf_db_query(db, "SELECT pg_advisory_unlock(hashtextextended($1, 7))", 1, p);
        PQclear(l);
        did = 1;
    }
    PQclear(r);
    return did;
}

int pipeline_importer_start(void)
{
    const hf_loop_def_t def = { .name = "pipeline importer", .step = import_step,
                                .idle_ms = POLL_MS };
    return hf_service_loop(&def);
}
