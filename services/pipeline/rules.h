/* services/pipeline/rules.h - a job's automation rules: the rule language, its parser and evaluator
 *
 * A job stores its rules as text, one rule per `when`:
 *
 *     when interview_scored if ai_score >= 80 then advance to hr_interview
 *     when stage_timeout(ai_interview, 72h) then flag "no AI interview in 3 days"
 *
 * Text rather than JSON because recruiters read and review it, and the
 * canonical print (pl_rules_format) is what the UI, the dry run and the
 * audit show. The grammar, the events, the fields and the actions are in
 * docs/pipeline-rules.md.
 *
 * Parsing checks everything that can be checked without an application:
 * events, fields, the type of each comparison, actions, and stage names
 * against the job's stages; an error names its line and column and, for a
 * typo, the nearest known word. Evaluation is pure: the same rules, event and
 * record give the same decisions and explanations, so a replayed event decides
 * the same. Acting once per event (idempotency) is the caller's: it records
 * the event id with the decisions it applied.
 *
 * Missing values are never 0: a comparison on a field the record lacks is
 * unknown, `not unknown` is unknown, and a rule acts only when its condition
 * is true (SQL's three-valued logic), so `not ai_score >= 60` does not reject
 * someone who has no AI interview score yet.
 */
#ifndef PL_RULES_H
#define PL_RULES_H

#include <stdbool.h>
#include <stddef.h>
#include "stages.h"

#define PL_RULES_MAX_TEXT (64 * 1024) /* bytes of a job's rules text */
#define PL_RULES_MAX_RULES 200
#define PL_RULES_MAX_DEPTH 32         /* nesting of parentheses and not */

/* What happened to an application. */
typedef enum {
    PL_EV_SCREENED,            /* resume screened: screening_score is set */
    PL_EV_INTERVIEW_SCORED,    /* AI interview scored: ai_score is set */
    PL_EV_ASSESSMENT_RECEIVED, /* written test, online assessment or background check arrived */
    PL_EV_NO_SHOW,             /* candidate missed an interview */
    PL_EV_STAGE_TIMEOUT,       /* the application has been in its stage for a while */
    PL_EV_N
} pl_event_kind_t;

/* The fields a condition may test. Their types are fixed (pl_field_type). */
typedef enum {
    PL_F_SCREENING_SCORE,
    PL_F_AI_SCORE,
    PL_F_WRITTEN_TEST,
    PL_F_ONLINE_ASSESSMENT,
    PL_F_COMPOSITE_SCORE,
    PL_F_YEARS_EXPERIENCE,
    PL_F_DAYS_IN_STAGE,
    PL_F_STAGE,
    PL_F_SOURCE,
    PL_F_EDUCATION,
    PL_F_BACKGROUND_CHECK,
    PL_F_CONSENT,
    PL_F_HUMAN_REVIEW_REQUESTED,
    PL_F_N
} pl_field_t;

typedef enum { PL_T_NUMBER, PL_T_STRING, PL_T_BOOL } pl_type_t;

typedef enum {
    PL_ACT_ADVANCE,             /* move to stage */
    PL_ACT_REJECT,              /* move to rejected, optionally sending template */
    PL_ACT_INVITE_AI_INTERVIEW, /* invite and move to ai_interview */
    PL_ACT_SEND_TEMPLATE,       /* send template */
    PL_ACT_FLAG,                /* flag for human review with text */
    PL_ACT_CONFIRM_REJECT,      /* evaluator only: a reject held for human confirmation */
} pl_action_kind_t;

/* An action. Strings are borrowed from the rule set (or its stages). */
typedef struct {
    pl_action_kind_t kind;
    const char *stage;    /* advance, invite_ai_interview: target; NULL for a plain
                             advance in a rule (resolved by the evaluator) */
    const char *templ;    /* reject (may be NULL), send_template, confirm_reject */
    const char *text;     /* flag; confirm_reject: why it is held */
} pl_action_t;

/* The values of one application. A field is absent unless `present`. */
typedef struct {
    bool present;
    double num;           /* PL_T_NUMBER */
    const char *str;      /* PL_T_STRING, borrowed */
    bool flag;            /* PL_T_BOOL */
} pl_value_t;

typedef struct {
    pl_value_t v[PL_F_N];
} pl_record_t;

typedef struct {
    pl_event_kind_t kind;
    unsigned minutes_in_stage; /* PL_EV_STAGE_TIMEOUT: how long the application has been in its stage */
    unsigned only_line;        /* 0: every rule of the event; else only the rule whose `when` is
                                  on this line (a timeout sweep acts once per rule and stay) */
} pl_event_t;

typedef struct {
    /* Job setting (PIPL Art. 24): an automated reject becomes
     * PL_ACT_CONFIRM_REJECT, a flag asking a human to confirm it. */
    bool require_human_for_reject;
} pl_eval_opts_t;

typedef enum {
    PL_NO_MATCH,   /* condition false or unknown */
    PL_ACT,        /* the caller applies action */
    PL_BLOCKED,    /* condition true, but the action cannot apply (see why) */
} pl_verdict_t;

typedef struct {
    size_t rule;          /* index of the rule in the set */
    unsigned line;        /* line of its `when` */
    pl_verdict_t verdict;
    pl_action_t action;   /* PL_ACT and PL_BLOCKED: the action, target stage resolved */
    char *why;            /* e.g. "ai_score 85 >= 80 → advance to hr_interview"; owned */
} pl_decision_t;

/* The decisions for one event: one per rule of that event, in rule order. */
typedef struct {
    pl_decision_t *d;
    size_t n;
} pl_eval_t;

typedef struct pl_rules pl_rules_t;

/* Parse len bytes of rules text (UTF-8; need not be NUL-terminated) against
 * the job's stages (copied: st need not outlive the result). Empty text or
 * comments only is a valid, empty rule set. Returns a new rule set (free with
 * pl_rules_destroy), or NULL with a message in err (errlen bytes, may be 0),
 * "line L, column C: …" for a syntax or schema error, on invalid text,
 * text over PL_RULES_MAX_TEXT bytes, or out of memory. */
pl_rules_t *pl_rules_parse(const char *text, size_t len, const pl_stages_t *st,
                           char *err, size_t errlen);

/* Free *r and set it to NULL. Accepts NULL and *r == NULL. */
void pl_rules_destroy(pl_rules_t **r);

/* Number of rules in the set. */
size_t pl_rules_count(const pl_rules_t *r);

/* The rule set printed canonically: one rule per line, single spaces, minimal
 * parentheses, no comments. Parsing it gives the same print. Returns a
 * malloc'd string the caller frees, or NULL when out of memory. */
char *pl_rules_format(const pl_rules_t *r);

/* The seed's default rules for a new job (valid for the default stages).
 * Static string. */
const char *pl_rules_default_template(void);

/* Evaluate the rules of event ev against an application's record. Fills out
 * with one decision per rule of that event kind, in rule order (free with
 * pl_eval_clear). At most one decision moves the application: a later moving
 * decision is PL_BLOCKED. Moves are checked against the stages (record field
 * stage is the current stage). opts may be NULL (defaults).
 * Returns 0, or -1 when out of memory (out is then empty). */
int pl_rules_eval(const pl_rules_t *r, const pl_event_t *ev, const pl_record_t *rec,
                  const pl_eval_opts_t *opts, pl_eval_t *out);

/* The stage_timeout rules of a set: line, stage and minutes. */
typedef struct {
    unsigned line;
    const char *stage;         /* borrowed from the rule set */
    unsigned minutes;
} pl_timeout_t;

/* Up to max of them into out, in rule order; returns how many there are. */
size_t pl_rules_timeouts(const pl_rules_t *r, pl_timeout_t *out, size_t max);

/* Free the decisions in e and empty it. Accepts an empty e. */
void pl_eval_clear(pl_eval_t *e);

/* Set a field of rec; the value's type must match pl_field_type (asserted).
 * s is borrowed: it must outlive the record's use. */
void pl_record_num(pl_record_t *rec, pl_field_t f, double v);
void pl_record_str(pl_record_t *rec, pl_field_t f, const char *s);
void pl_record_bool(pl_record_t *rec, pl_field_t f, bool b);

/* The field called name, or -1. For callers that map stored values by name. */
int pl_field_lookup(const char *name);

/* Name and type of a field. Static strings. */
const char *pl_field_name(pl_field_t f);
pl_type_t pl_field_type(pl_field_t f);

/* The event called name (screened, interview_scored, …), or -1. */
int pl_event_lookup(const char *name);

/* Name of an event kind, or of an action kind. Static strings. */
const char *pl_event_name(pl_event_kind_t k);
const char *pl_action_name(pl_action_kind_t k);

#endif
