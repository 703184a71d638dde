/* services/pipeline/rules.c - the rule language's vocabulary: fields, events, actions, records
 *
 * The names a rule may use and the records it is evaluated against. The
 * language itself is cut into four more files where the data changes hands:
 * rules_lex.c (text to tokens), rules_parse.c (tokens to the parsed form),
 * rules_print.c (the parsed form back to canonical text) and rules_eval.c
 * (the parsed form applied to an application); rules_private.h holds what
 * they share. A new field is a change here, to rules.h and to
 * docs/pipeline-rules.md. Nothing in the five files reads a clock, a
 * database or the environment: decisions are a function of the arguments.
 */
#include "rules_private.h"

#include <assert.h>
#include <string.h>

/* ---- schema ---- */

const char *const rl_field_names[PL_F_N] = {
    "screening_score", "ai_score", "written_test", "online_assessment", "composite_score",
    "years_experience", "days_in_stage", "stage", "source", "education", "background_check",
    "consent", "human_review_requested",
};

const char *const rl_event_names[PL_EV_N] = {
    [PL_EV_SCREENED] = "screened",
    [PL_EV_INTERVIEW_SCORED] = "interview_scored",
    [PL_EV_ASSESSMENT_RECEIVED] = "assessment_received",
    [PL_EV_NO_SHOW] = "no_show",
    [PL_EV_STAGE_TIMEOUT] = "stage_timeout",
};

const char *const rl_action_names[N_RULE_ACTIONS] = {
    "advance", "reject", "invite_ai_interview", "send_template", "flag",
};

/* ---- comparisons ---- */

const char *const rl_cmp_text[] = { "<", "<=", ">", ">=", "==", "!=" };
const cmp_t rl_cmp_negated[] = { CMP_GE, CMP_GT, CMP_LE, CMP_LT, CMP_NE, CMP_EQ };

static const char *const default_template =
    "# hrflow default automation: a template, copied to each new job and edited there.\n"
    "# Screening passes -> AI interview; a strong interview -> HR; a weak one -> a kind no.\n"
    "when screened if screening_score >= 70 then invite_ai_interview\n"
    "when interview_scored if ai_score >= 80 then advance to hr_interview\n"
    "when interview_scored if ai_score < 60 then reject with template thank_you\n";

const char *pl_rules_default_template(void)
{
    return default_template;
}

int rl_lookup(const char *w, const char *const *names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (names[i] && strcmp(w, names[i]) == 0)
            return (int)i;
    return -1;
}

/* ---- records and names ---- */

void pl_record_num(pl_record_t *rec, pl_field_t f, double v)
{
    assert(f < PL_F_N && rl_field_type(f) == PL_T_NUMBER);
    rec->v[f] = (pl_value_t){ .present = true, .num = v };
}

void pl_record_str(pl_record_t *rec, pl_field_t f, const char *s)
{
    assert(f < PL_F_N && rl_field_type(f) == PL_T_STRING && s);
    rec->v[f] = (pl_value_t){ .present = true, .str = s };
}

void pl_record_bool(pl_record_t *rec, pl_field_t f, bool b)
{
    assert(f < PL_F_N && rl_field_type(f) == PL_T_BOOL);
    rec->v[f] = (pl_value_t){ .present = true, .flag = b };
}

int pl_field_lookup(const char *name)
{
    return name ? rl_lookup(name, rl_field_names, PL_F_N) : -1;
}

const char *pl_field_name(pl_field_t f)
{
    assert(f < PL_F_N);
    return rl_field_names[f];
}

pl_type_t pl_field_type(pl_field_t f)
{
    assert(f < PL_F_N);
    return rl_field_type(f);
}

int pl_event_lookup(const char *name)
{
    return name ? rl_lookup(name, rl_event_names, PL_EV_N) : -1;
}

const char *pl_event_name(pl_event_kind_t k)
{
    assert(k < PL_EV_N);
    return rl_event_names[k];
}

const char *pl_action_name(pl_action_kind_t k)
{
    return k == PL_ACT_CONFIRM_REJECT ? "confirm_reject" : rl_action_names[k];
}
