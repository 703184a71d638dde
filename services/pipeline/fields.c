/* services/pipeline/fields.c - the typed texts of pipeline requests (see fields.h)
 *
 * Only the texts: formats with meaning (ids, stages, statuses, phone numbers)
 * are checked where they are used. The rules are hf/text.h's, the limits
 * are the ones the messages state, in characters.
 */
#include "fields.h"

#include "import.h"

#include <stdio.h>
#include <string.h>

static const hf_text_rule_t title_rule = HF_TEXT_NAME;
static const hf_text_rule_t place_rule = { HF_TEXT_LINE, 0, 200 };
static const hf_text_rule_t rules_rule = { HF_TEXT_LINES, 0, HF_TEXT_UNLIMITED }; /* the parser's bytes */
static const hf_text_rule_t reason_rule = { HF_TEXT_LINES, 0, PL_REASON_MAX };
static const hf_text_rule_t event_id_rule = { HF_TEXT_LINE, 1, 128 };
static const hf_text_rule_t hint_rule = { HF_TEXT_LINE, 1, PL_HINT_MAX };

/* s at "<path><field>" against rule. */
static int at(hf_call_t *call, const char *path, const char *field, const char *s,
              hf_text_rule_t rule)
{
    char p[96];
    snprintf(p, sizeof(p), "%s%s", path, field);
    return hf_call_check_text(call, p, s, rule);
}

int fields_check_job(hf_call_t *call, const Hrflow__V1__Job *j, const char *path)
{
    return at(call, path, "title", j->title, title_rule) +
           at(call, path, "department", j->department, place_rule) +
           at(call, path, "location", j->location, place_rule) +
           at(call, path, "rules", j->rules, rules_rule);
}

int fields_check_rules(hf_call_t *call, const char *field, const char *s)
{
    return hf_call_check_text(call, field, s, rules_rule);
}

int fields_check_candidate(hf_call_t *call, const Hrflow__V1__Candidate *c, const char *path)
{
    const char *text[PL_CAND_FIELDS] = {
        [PL_CAND_EXTERNAL_ID] = c->external_id, [PL_CAND_NAME] = c->name,
        [PL_CAND_PHONE] = c->phone,             [PL_CAND_EMAIL] = c->email,
        [PL_CAND_SOURCE] = c->source,           [PL_CAND_EDUCATION] = c->education,
        [PL_CAND_RESUME] = c->resume,           [PL_CAND_GENDER] = c->gender,
        [PL_CAND_AGE_BAND] = c->age_band,
        [PL_CAND_CONSENT_VERSION] = c->consent ? c->consent->version : NULL,
    };
    int bad = 0;
    char p[96];
    for (int f = 0; f < PL_CAND_FIELDS; f++) {
        const char *name = f == PL_CAND_CONSENT_VERSION ? "consent.version" : pl_cand_field_name(f);
        if (f == PL_CAND_RESUME && strlen(c->resume) > PL_RESUME_BYTES) {
            snprintf(p, sizeof(p), "%s%s", path, name);
            hf_call_detail(call, p, "too_long", "at most 64 KiB (65536 bytes of UTF-8)");
            bad++;
        } else if (text[f]) {
            bad += at(call, path, name, text[f], pl_cand_rules[f]);
        }
    }
    snprintf(p, sizeof(p), "%sskills", path);
    if (c->n_skills > PL_IMPORT_MAX_SKILLS) {
        char msg[32];
        snprintf(msg, sizeof(msg), "at most %d skills", PL_IMPORT_MAX_SKILLS);
        hf_call_detail(call, p, "too_many", msg);
        return bad + 1;
    }
    return bad + (int)hf_call_check_texts(call, p, c->skills, c->n_skills,
                                          pl_cand_rules[PL_CAND_SKILLS]);
}

int fields_check_reason(hf_call_t *call, const char *field, const char *s)
{
    return hf_call_check_text(call, field, s, reason_rule);
}

int fields_check_assessment(hf_call_t *call, const Hrflow__V1__Assessment *a)
{
    int bad = hf_call_check_text(call, "assessment.event_id", a->event_id, event_id_rule);
    if (a->n_hints > PL_HINTS_MAX) {
        hf_call_detail(call, "assessment.hints", "too_many", "at most 20");
        return bad + 1;
    }
    return bad + (int)hf_call_check_texts(call, "assessment.hints", a->hints, a->n_hints,
                                          hint_rule);
}
