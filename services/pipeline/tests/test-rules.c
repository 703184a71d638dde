/* services/pipeline/tests/test-rules.c - the rule language: parsing, errors with positions, canonical print, evaluation
 *
 * The rule texts are what a recruiter would write for a mass-hiring job; the
 * expected messages and explanations are the exact strings a user sees.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "../rules.h"
#include "default-stages.h"

static pl_rules_t *parse_with(const char *text, const pl_stages_t *st)
{
    char err[256] = "";
    pl_rules_t *r = pl_rules_parse(text, strlen(text), st, err, sizeof err);
    if (!r)
        print_error("unexpected parse error: %s\n", err);
    assert_non_null(r);
    return r;
}

static pl_rules_t *parse(const char *text)
{
    return parse_with(text, def);
}

static void assert_error_with(const char *text, const pl_stages_t *st, const char *want)
{
    char err[256] = "";
    pl_rules_t *r = pl_rules_parse(text, strlen(text), st, err, sizeof err);
    if (r)
        print_error("parsed, but expected: %s\n", want);
    assert_null(r);
    assert_string_equal(err, want);
}

static void assert_error(const char *text, const char *want)
{
    assert_error_with(text, def, want);
}

/* text prints as canonical, and canonical prints as itself. */
static void assert_prints(const char *text, const char *canonical)
{
    pl_rules_t *r = parse(text);
    char *once = pl_rules_format(r);
    assert_string_equal(once, canonical);
    pl_rules_destroy(&r);
    r = parse(once);
    char *twice = pl_rules_format(r);
    assert_string_equal(twice, canonical);
    pl_rules_destroy(&r);
    free(once);
    free(twice);
}

static pl_rules_t *evaluated;

/* Evaluate text for event kind against rec; the caller calls done() on the result. */
static pl_eval_t run(const char *text, pl_event_kind_t kind, unsigned minutes, const pl_record_t *rec,
                     bool guard)
{
    pl_rules_t *r = parse(text);
    pl_event_t ev = { kind, minutes, 0 };
    pl_eval_opts_t opts = { .require_human_for_reject = guard };
    pl_eval_t out;
    assert_int_equal(pl_rules_eval(r, &ev, rec, &opts, &out), 0);
    pl_rules_destroy(&evaluated);
    evaluated = r;               /* the decisions borrow its strings */
    return out;
}

/* Free the decisions of run() and the rules they came from. */
static void done(pl_eval_t *e)
{
    pl_eval_clear(e);
    pl_rules_destroy(&evaluated);
}

static void assert_decision(const pl_decision_t *d, pl_verdict_t verdict, const char *why)
{
    if (strcmp(d->why, why) != 0 || d->verdict != verdict)
        print_error("verdict %d why: %s\n", d->verdict, d->why);
    assert_int_equal(d->verdict, verdict);
    assert_string_equal(d->why, why);
}

/* An application in ai_interview, from a campus drive, with consent. */
static pl_record_t campus(void)
{
    pl_record_t rec = { 0 };
    pl_record_str(&rec, PL_F_STAGE, "ai_interview");
    pl_record_str(&rec, PL_F_SOURCE, "campus");
    pl_record_str(&rec, PL_F_EDUCATION, "bachelor");
    pl_record_bool(&rec, PL_F_CONSENT, true);
    pl_record_num(&rec, PL_F_SCREENING_SCORE, 78);
    return rec;
}

/* ---- parsing and printing ---- */

static void test_default_template(void **state)
{
    (void)state;
    const char *t = pl_rules_default_template();
    pl_rules_t *r = parse(t);
    assert_int_equal(pl_rules_count(r), 3);
    pl_rules_destroy(&r);
    assert_prints(t,
        "when screened if screening_score >= 70 then invite_ai_interview\n"
        "when interview_scored if ai_score >= 80 then advance to hr_interview\n"
        "when interview_scored if ai_score < 60 then reject with template thank_you\n");
}

static void test_empty_text_is_no_rules(void **state)
{
    (void)state;
    static const char *const empty[] = { "", "   \n\t\r\n", "# no automation for this job yet\n", "#" };
    for (size_t i = 0; i < sizeof empty / sizeof *empty; i++) {
        pl_rules_t *r = parse(empty[i]);
        assert_int_equal(pl_rules_count(r), 0);
        char *s = pl_rules_format(r);
        assert_string_equal(s, "");
        free(s);
        pl_rules_destroy(&r);
    }
    pl_rules_t *r = pl_rules_parse(NULL, 0, def, NULL, 0);
    assert_non_null(r);
    pl_rules_destroy(&r);
    pl_rules_destroy(&r);
}

static void test_actions(void **state)
{
    (void)state;
    assert_prints("when screened then advance", "when screened then advance\n");
    assert_prints("when screened then advance to final", "when screened then advance to final\n");
    assert_prints("when no_show then reject", "when no_show then reject\n");
    assert_prints("when no_show then reject with template missed_interview_2",
                  "when no_show then reject with template missed_interview_2\n");
    assert_prints("when screened then invite_ai_interview", "when screened then invite_ai_interview\n");
    assert_prints("when no_show then send_template reschedule", "when no_show then send_template reschedule\n");
    assert_prints("when no_show then flag \"call the candidate\"", "when no_show then flag \"call the candidate\"\n");
    assert_prints("when no_show then flag \"二次未到场，请电话确认\"",
                  "when no_show then flag \"二次未到场，请电话确认\"\n");
    assert_prints("when no_show then flag \"said \\\"busy\\\" \\\\ call later\"",
                  "when no_show then flag \"said \\\"busy\\\" \\\\ call later\"\n");
}

static void test_events_and_timeouts(void **state)
{
    (void)state;
    assert_prints("when assessment_received if written_test >= 75 and background_check == \"clear\" then advance",
                  "when assessment_received if written_test >= 75 and background_check == \"clear\" then advance\n");
    assert_prints("when stage_timeout(ai_interview, 72h) then flag \"no AI interview in 3 days\"",
                  "when stage_timeout(ai_interview, 72h) then flag \"no AI interview in 3 days\"\n");
    assert_prints("when stage_timeout ( offer , 5d ) if not consent then send_template offer_reminder",
                  "when stage_timeout(offer, 5d) if not consent then send_template offer_reminder\n");
    assert_prints("when stage_timeout(screening, 90m) then advance", "when stage_timeout(screening, 90m) then advance\n");
}

static void test_conditions_print_minimal_parentheses(void **state)
{
    (void)state;
    assert_prints("when screened if (screening_score >= 70) then advance",
                  "when screened if screening_score >= 70 then advance\n");
    assert_prints("when screened if screening_score >= 70 or years_experience > 3 and education == \"master\" then advance",
                  "when screened if screening_score >= 70 or years_experience > 3 and education == \"master\" then advance\n");
    assert_prints("when screened if (screening_score >= 70 or years_experience > 3) and education == \"master\" then advance",
                  "when screened if (screening_score >= 70 or years_experience > 3) and education == \"master\" then advance\n");
    assert_prints("when screened if not (source == \"agency\" and composite_score < 50.5) then advance",
                  "when screened if not (source == \"agency\" and composite_score < 50.5) then advance\n");
    assert_prints("when screened if not not consent then advance", "when screened if not not consent then advance\n");
    assert_prints("when screened if not ai_score >= 60 or not source in [\"agency\"] then flag \"check\"",
                  "when screened if not (ai_score >= 60) or not (source in [\"agency\"]) then flag \"check\"\n");
    assert_prints("when screened if ((((consent)))) then advance", "when screened if consent then advance\n");
}

static void test_literals_and_in(void **state)
{
    (void)state;
    assert_prints("when screened if source in [\"referral\",\"campus\"] then advance",
                  "when screened if source in [\"referral\", \"campus\"] then advance\n");
    assert_prints("when screened if years_experience in [1, 2.5, 3] then advance",
                  "when screened if years_experience in [1, 2.5, 3] then advance\n");
    assert_prints("when screened if composite_score >= 0070.250 and days_in_stage > -1 then advance",
                  "when screened if composite_score >= 70.25 and days_in_stage > -1 then advance\n");
    assert_prints("when screened if consent == false or human_review_requested != true then flag \"check\"",
                  "when screened if consent == false or human_review_requested != true then flag \"check\"\n");
    assert_prints("when screened if stage == \"screening\" then advance",
                  "when screened if stage == \"screening\" then advance\n");
}

/* Rules span lines freely; comments run to the end of a line. */
static void test_layout_and_comments(void **state)
{
    (void)state;
    assert_prints("# warehouse pickers, Shenzhen\n"
                  "when screened        # resume scored\n"
                  "  if screening_score >= 60\n"
                  "     and consent\n"
                  "  then invite_ai_interview\n"
                  "when no_show then send_template reschedule when no_show then flag \"second miss\"\n",
                  "when screened if screening_score >= 60 and consent then invite_ai_interview\n"
                  "when no_show then send_template reschedule\n"
                  "when no_show then flag \"second miss\"\n");
}

/* ---- errors: position, message, hint ---- */

static void test_error_unknown_field(void **state)
{
    (void)state;
    assert_error("when screened then advance\nwhen interview_scored if ai_scor >= 80 then advance",
                 "line 2, column 26: unknown field ai_scor (did you mean ai_score?)");
    assert_error("when screened if salary >= 5000 then advance",
                 "line 1, column 18: unknown field salary");
    assert_error("when screened if Consent then advance",
                 "line 1, column 18: unknown field Consent (did you mean consent?)");
}

static void test_error_unknown_event(void **state)
{
    (void)state;
    assert_error("when screend then advance", "line 1, column 6: unknown event screend (did you mean screened?)");
    assert_error("when hired then advance", "line 1, column 6: unknown event hired");
    assert_error("when then advance", "line 1, column 6: unknown event then");
}

static void test_error_unknown_action(void **state)
{
    (void)state;
    assert_error("when screened then advnce", "line 1, column 20: unknown action advnce (did you mean advance?)");
    assert_error("when screened then hire", "line 1, column 20: unknown action hire");
    assert_error("when screened then \"advance\"", "line 1, column 20: expected an action, found a string");
}

static void test_error_unknown_stage(void **state)
{
    (void)state;
    assert_error("when screened then advance to hr_intervew",
                 "line 1, column 31: unknown stage hr_intervew (did you mean hr_interview?)");
    assert_error("when screened if stage == \"screning\" then advance",
                 "line 1, column 28: unknown stage screning (did you mean screening?)");
    assert_error("when stage_timeout(interview, 3d) then advance",
                 "line 1, column 20: unknown stage interview");
    assert_error("when screened then advance to rejected",
                 "line 1, column 31: cannot advance to rejected: use reject, and only a candidate withdraws");
    assert_error("when stage_timeout(hired, 3d) then advance",
                 "line 1, column 20: hired is a terminal stage: an application never times out there");
}

static void test_error_strings(void **state)
{
    (void)state;
    assert_error("when no_show then flag \"call them",
                 "line 1, column 24: unterminated string: add the closing \"");
    assert_error("when no_show then flag \"call\nthem\"",
                 "line 1, column 24: unterminated string: add the closing \"");
    assert_error("when no_show then flag \"a\\nb\"",
                 "line 1, column 26: unknown escape in string: only \\\" and \\\\ are escapes");
    assert_error("when no_show then flag \"\"", "line 1, column 24: a flag needs a text saying why");
    assert_error("when no_show then flag \"a\x01\"", "line 1, column 26: control character in string");
    assert_error("when no_show then flag \"\xe4\xbd\"", "line 1, column 25: invalid UTF-8");
    /* well-formed in shape only: overlong, a surrogate, beyond U+10FFFF */
    assert_error("when no_show then flag \"\xe0\x80\xaf\"", "line 1, column 25: invalid UTF-8");
    assert_error("when no_show then flag \"\xed\xa0\x80\"", "line 1, column 25: invalid UTF-8");
    assert_error("when no_show then flag \"\xf4\x90\x80\x80\"", "line 1, column 25: invalid UTF-8");
    assert_error("when no_show then send_template \"thank_you\"",
                 "line 1, column 33: a template name is a word like thank_you, without quotes");
}

static void test_error_types(void **state)
{
    (void)state;
    assert_error("when screened if ai_score >= \"80\" then advance",
                 "line 1, column 30: ai_score is a number: compare it with a number");
    assert_error("when screened if source >= \"campus\" then advance",
                 "line 1, column 25: source is text: only == and != compare it");
    assert_error("when assessment_received if background_check == clear then advance",
                 "line 1, column 49: background_check is text: put clear in quotes (\"clear\")");
    assert_error("when screened if consent == 1 then advance",
                 "line 1, column 29: consent is true or false: compare it with true or false");
    assert_error("when screened if screening_score then advance",
                 "line 1, column 34: expected a comparison (>= > <= < == != or in), found then");
    assert_error("when screened if consent in [true] then advance",
                 "line 1, column 18: consent is true or false: in needs a number or text field");
    assert_error("when screened if source in [\"campus\" \"referral\"] then advance",
                 "line 1, column 38: expected , or ] in the list, found a string");
}

static void test_error_syntax(void **state)
{
    (void)state;
    assert_error("when screened if screening_score = 70 then advance",
                 "line 1, column 34: unknown operator = (did you mean ==?)");
    assert_error("when screened if screening_score >= 70 advance",
                 "line 1, column 40: expected then, found advance");
    assert_error("when screened advance", "line 1, column 15: expected if or then, found advance");
    assert_error("when screened if screening_score >= 70 and then advance",
                 "line 1, column 44: expected a field or (, found then");
    assert_error("when screened if (screening_score >= 70 then advance",
                 "line 1, column 41: expected ), found then");
    assert_error("when screened then advance and send_template welcome",
                 "line 1, column 28: expected when to start the next rule (a rule has one action), found and");
    assert_error("if screening_score >= 70 then advance", "line 1, column 1: expected when to start a rule, found if");
    assert_error("when screened then reject with thank_you",
                 "line 1, column 32: expected template after reject with, found thank_you");
    assert_error("when stage_timeout then advance", "line 1, column 20: expected ( after stage_timeout, found then");
    assert_error("when stage_timeout(offer 3d) then advance", "line 1, column 26: expected , after the stage, found 3d");
    assert_error("when stage_timeout(offer, 72) then advance",
                 "line 1, column 27: expected a duration like 72h, 3d or 90m, found 72");
    assert_error("when stage_timeout(offer, 0h) then advance", "line 1, column 27: duration 0h out of range: 1m to 365d");
    assert_error("when stage_timeout(offer, 400d) then advance",
                 "line 1, column 27: duration 400d out of range: 1m to 365d");
    assert_error("when stage_timeout(offer, 3w) then advance",
                 "line 1, column 27: bad number 3w: a duration is a whole number then m, h or d");
    assert_error("when screened if ai_score >= 1000000000 then advance", "line 1, column 30: number 1000000000 out of range");
    assert_error("when screened if ai_score >= 0.1234567 then advance",
                 "line 1, column 30: number 0.1234567 has more than 6 decimals");
    assert_error("when screened if ai_score >= 80 then advance; when", "line 1, column 45: unexpected character ';'");
    assert_error("when screened if 分数 >= 80 then advance",
                 "line 1, column 18: unexpected character outside a string: names are ASCII");
}

static void test_error_job_without_ai_interview(void **state)
{
    (void)state;
    static const char *const names[] = { "applied", "phone_screen", "onsite", "offer" };
    pl_stages_t *st = pl_stages_parse(names, 4, NULL, 0);
    assert_error_with("when screened if screening_score >= 70 then invite_ai_interview", st,
                      "line 1, column 45: invite_ai_interview needs a stage ai_interview, and this job has none");
    assert_error_with("when screened then advance to screening", st,
                      "line 1, column 31: unknown stage screening");
    pl_rules_t *r = parse_with("when screened if screening_score >= 70 then advance to phone_screen", st);
    assert_int_equal(pl_rules_count(r), 1);
    pl_rules_destroy(&r);
    pl_stages_destroy(&st);
}

/* Builds "when screened if " + depth × open + "consent" + depth × close + " then advance". */
static char *nested(int depth, const char *open, const char *close)
{
    size_t cap = 64 + (size_t)depth * (strlen(open) + strlen(close));
    char *s = malloc(cap);
    strcpy(s, "when screened if ");
    for (int i = 0; i < depth; i++)
        strcat(s, open);
    strcat(s, "consent");
    for (int i = 0; i < depth; i++)
        strcat(s, close);
    strcat(s, " then advance");
    return s;
}

static void test_error_too_deep(void **state)
{
    (void)state;
    char *ok = nested(PL_RULES_MAX_DEPTH, "(", ")");
    pl_rules_t *r = parse(ok);
    pl_rules_destroy(&r);
    free(ok);
    char *deep = nested(PL_RULES_MAX_DEPTH + 1, "(", ")");
    assert_error(deep, "line 1, column 50: condition nested deeper than 32 levels");
    free(deep);
    char *nots = nested(1000, "not ", "");
    assert_error(nots, "line 1, column 146: condition nested deeper than 32 levels");
    free(nots);
}

static void test_error_too_large(void **state)
{
    (void)state;
    size_t len = 1024 * 1024;
    char *big = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        big[i] = "when no_show then reject\n"[i % 25];
    big[len] = '\0';
    assert_error(big, "rules text is 1048576 bytes: the limit is 65536");
    free(big);
}

static void test_error_too_many_rules(void **state)
{
    (void)state;
    const char *one = "when no_show then send_template reschedule\n";
    char *text = malloc(strlen(one) * 201 + 1);
    text[0] = '\0';
    for (int i = 0; i < 200; i++)
        strcat(text, one);
    pl_rules_t *r = parse(text);
    assert_int_equal(pl_rules_count(r), 200);
    pl_rules_destroy(&r);
    strcat(text, one);
    assert_error(text, "line 201, column 1: more than 200 rules");
    free(text);
}

/* ---- evaluation ---- */

static void test_eval_default_template(void **state)
{
    (void)state;
    const char *t = pl_rules_default_template();
    pl_record_t rec = campus();
    pl_record_str(&rec, PL_F_STAGE, "screening");
    pl_eval_t e = run(t, PL_EV_SCREENED, 0, &rec, false);
    assert_int_equal(e.n, 1);
    assert_decision(&e.d[0], PL_ACT, "screening_score 78 >= 70 → invite_ai_interview");
    assert_int_equal(e.d[0].action.kind, PL_ACT_INVITE_AI_INTERVIEW);
    assert_string_equal(e.d[0].action.stage, "ai_interview");
    assert_int_equal(e.d[0].line, 3);
    done(&e);

    rec = campus();
    pl_record_num(&rec, PL_F_AI_SCORE, 85);
    e = run(t, PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_int_equal(e.n, 2);
    assert_decision(&e.d[0], PL_ACT, "ai_score 85 >= 80 → advance to hr_interview");
    assert_string_equal(e.d[0].action.stage, "hr_interview");
    assert_decision(&e.d[1], PL_NO_MATCH, "ai_score 85 >= 60");
    done(&e);

    pl_record_num(&rec, PL_F_AI_SCORE, 55);
    e = run(t, PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "ai_score 55 < 80");
    assert_decision(&e.d[1], PL_ACT, "ai_score 55 < 60 → reject with template thank_you");
    assert_int_equal(e.d[1].action.kind, PL_ACT_REJECT);
    assert_string_equal(e.d[1].action.templ, "thank_you");
    done(&e);

    pl_record_num(&rec, PL_F_AI_SCORE, 70);    /* between: a human decides */
    e = run(t, PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "ai_score 70 < 80");
    assert_decision(&e.d[1], PL_NO_MATCH, "ai_score 70 >= 60");
    done(&e);
}

static void test_eval_missing_is_not_zero(void **state)
{
    (void)state;
    pl_record_t rec = campus();               /* no ai_score yet */
    pl_eval_t e = run(pl_rules_default_template(), PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "ai_score missing");
    assert_decision(&e.d[1], PL_NO_MATCH, "ai_score missing");
    done(&e);
    /* not of unknown stays unknown: nobody is rejected for a score they lack */
    e = run("when interview_scored if not ai_score >= 60 then reject", PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "ai_score missing");
    done(&e);
    e = run("when interview_scored if ai_score >= 80 or screening_score >= 75 then advance",
            PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_ACT, "screening_score 78 >= 75 → advance to hr_interview");
    done(&e);
    e = run("when interview_scored if ai_score >= 80 or screening_score >= 90 then advance",
            PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "ai_score missing and screening_score 78 < 90");
    done(&e);
}

static void test_eval_precedence(void **state)
{
    (void)state;
    /* and binds tighter than or: the missing background check does not matter */
    const char *t = "when assessment_received if written_test >= 75 or online_assessment >= 75 "
                    "and background_check == \"clear\" then advance";
    pl_record_t rec = campus();
    pl_record_num(&rec, PL_F_WRITTEN_TEST, 80);
    pl_record_num(&rec, PL_F_ONLINE_ASSESSMENT, 50);
    pl_eval_t e = run(t, PL_EV_ASSESSMENT_RECEIVED, 0, &rec, false);
    assert_decision(&e.d[0], PL_ACT, "written_test 80 >= 75 → advance to hr_interview");
    done(&e);
    const char *grouped = "when assessment_received if (written_test >= 75 or online_assessment >= 75) "
                          "and background_check == \"clear\" then advance";
    e = run(grouped, PL_EV_ASSESSMENT_RECEIVED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "background_check missing");
    done(&e);
    pl_record_str(&rec, PL_F_BACKGROUND_CHECK, "clear");
    e = run(grouped, PL_EV_ASSESSMENT_RECEIVED, 0, &rec, false);
    assert_decision(&e.d[0], PL_ACT,
                    "written_test 80 >= 75 and background_check \"clear\" == \"clear\" → advance to hr_interview");
    done(&e);
    pl_record_str(&rec, PL_F_BACKGROUND_CHECK, "pending");
    e = run(grouped, PL_EV_ASSESSMENT_RECEIVED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "background_check \"pending\" != \"clear\"");
    done(&e);
}

static void test_eval_not(void **state)
{
    (void)state;
    pl_record_t rec = campus();
    pl_eval_t e = run("when screened if not (source == \"agency\") and not human_review_requested then advance",
                      PL_EV_SCREENED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "human_review_requested missing");
    done(&e);
    pl_record_bool(&rec, PL_F_HUMAN_REVIEW_REQUESTED, false);
    e = run("when screened if not (source == \"agency\") and not human_review_requested then advance",
            PL_EV_SCREENED, 0, &rec, false);
    assert_decision(&e.d[0], PL_ACT,
                    "source \"campus\" != \"agency\" and human_review_requested false → advance to hr_interview");
    done(&e);
}

static void test_eval_strings_and_in(void **state)
{
    (void)state;
    const char *t = "when screened if source in [\"referral\", \"campus\"] and education != \"high_school\" "
                    "then send_template fast_track";
    pl_record_t rec = campus();
    pl_eval_t e = run(t, PL_EV_SCREENED, 0, &rec, false);
    assert_decision(&e.d[0], PL_ACT,
                    "source \"campus\" in [\"referral\", \"campus\"] and education \"bachelor\" != \"high_school\""
                    " → send_template fast_track");
    assert_int_equal(e.d[0].action.kind, PL_ACT_SEND_TEMPLATE);
    done(&e);
    pl_record_str(&rec, PL_F_SOURCE, "Campus");   /* text compares exactly */
    e = run(t, PL_EV_SCREENED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "source \"Campus\" not in [\"referral\", \"campus\"]");
    done(&e);
    e = run("when screened if years_experience in [1, 2] then flag \"junior\"", PL_EV_SCREENED, 0, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "years_experience missing");
    done(&e);
}

static void test_eval_timeouts(void **state)
{
    (void)state;
    const char *t = "when stage_timeout(ai_interview, 72h) then flag \"no AI interview in 3 days\"\n"
                    "when stage_timeout(ai_interview, 7d) if consent then reject with template expired\n";
    pl_record_t rec = campus();
    pl_eval_t e = run(t, PL_EV_STAGE_TIMEOUT, 80 * 60, &rec, false);
    assert_int_equal(e.n, 2);
    assert_decision(&e.d[0], PL_ACT, "in ai_interview for 80h >= 72h → flag \"no AI interview in 3 days\"");
    assert_int_equal(e.d[0].action.kind, PL_ACT_FLAG);
    assert_string_equal(e.d[0].action.text, "no AI interview in 3 days");
    assert_decision(&e.d[1], PL_NO_MATCH, "in ai_interview for 3.333333d < 7d");
    done(&e);
    e = run(t, PL_EV_STAGE_TIMEOUT, 8 * 24 * 60, &rec, false);
    assert_decision(&e.d[1], PL_ACT, "in ai_interview for 8d >= 7d and consent true → reject with template expired");
    done(&e);
    pl_record_str(&rec, PL_F_STAGE, "hr_interview");
    e = run(t, PL_EV_STAGE_TIMEOUT, 80 * 60, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "stage hr_interview, not ai_interview");
    done(&e);
    rec.v[PL_F_STAGE].present = false;
    e = run(t, PL_EV_STAGE_TIMEOUT, 80 * 60, &rec, false);
    assert_decision(&e.d[0], PL_NO_MATCH, "stage missing");
    done(&e);
}

/* The sweep lists the timeout rules and acts on one rule at a time */
static void test_timeouts_listed_and_one_rule_at_a_time(void **state)
{
    (void)state;
    const char *t = "when screened then flag \"x\"\n"
                    "when stage_timeout(ai_interview, 72h) then flag \"3 days\"\n"
                    "when stage_timeout(screening, 2d) then advance\n"
                    "when stage_timeout(ai_interview, 30m) then send_template reminder\n";
    pl_rules_t *r = parse(t);
    pl_timeout_t to[4];
    assert_int_equal(pl_rules_timeouts(r, to, 4), 3);
    assert_int_equal(to[0].line, 2);
    assert_string_equal(to[0].stage, "ai_interview");
    assert_int_equal(to[0].minutes, 72 * 60);
    assert_int_equal(to[1].line, 3);
    assert_int_equal(to[1].minutes, 2 * 24 * 60);
    assert_int_equal(to[2].minutes, 30);
    assert_int_equal(pl_rules_timeouts(r, to, 1), 3); /* the count, whatever fits */
    pl_record_t rec = campus();
    pl_record_str(&rec, PL_F_STAGE, "ai_interview");
    pl_event_t ev = { PL_EV_STAGE_TIMEOUT, 80 * 60, 4 };
    pl_eval_t e;
    assert_int_equal(pl_rules_eval(r, &ev, &rec, NULL, &e), 0);
    assert_int_equal(e.n, 1); /* only line 4, though line 2 is over too */
    assert_int_equal(e.d[0].line, 4);
    assert_int_equal(e.d[0].verdict, PL_ACT);
    pl_eval_clear(&e);
    ev.only_line = 0;
    assert_int_equal(pl_rules_eval(r, &ev, &rec, NULL, &e), 0);
    assert_int_equal(e.n, 3);
    pl_eval_clear(&e);
    pl_rules_destroy(&r);
}

static void test_eval_human_confirmation_guard(void **state)
{
    (void)state;
    pl_record_t rec = campus();
    pl_record_num(&rec, PL_F_AI_SCORE, 41);
    pl_eval_t e = run(pl_rules_default_template(), PL_EV_INTERVIEW_SCORED, 0, &rec, true);
    assert_decision(&e.d[1], PL_ACT,
                    "ai_score 41 < 60 → flag for human confirmation: reject with template thank_you"
                    " (this job requires a human to confirm rejections (PIPL Art. 24))");
    assert_int_equal(e.d[1].action.kind, PL_ACT_CONFIRM_REJECT);
    assert_string_equal(e.d[1].action.templ, "thank_you");
    assert_string_equal(pl_action_name(e.d[1].action.kind), "confirm_reject");
    done(&e);
    /* the guard leaves other actions alone */
    pl_record_num(&rec, PL_F_AI_SCORE, 90);
    e = run(pl_rules_default_template(), PL_EV_INTERVIEW_SCORED, 0, &rec, true);
    assert_int_equal(e.d[0].action.kind, PL_ACT_ADVANCE);
    done(&e);
}

static void test_eval_blocked_moves(void **state)
{
    (void)state;
    pl_record_t rec = campus();
    pl_record_num(&rec, PL_F_AI_SCORE, 85);
    pl_record_str(&rec, PL_F_STAGE, "rejected");
    pl_eval_t e = run(pl_rules_default_template(), PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_BLOCKED,
                    "ai_score 85 >= 80 → advance to hr_interview, not applied: application is rejected: "
                    "a terminal stage has no moves");
    done(&e);
    pl_record_str(&rec, PL_F_STAGE, "final");
    e = run(pl_rules_default_template(), PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_BLOCKED,
                    "ai_score 85 >= 80 → advance to hr_interview, not applied: cannot move from final back to "
                    "hr_interview: stages only move forward");
    done(&e);
    rec.v[PL_F_STAGE].present = false;
    e = run("when interview_scored if ai_score >= 80 then advance", PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_BLOCKED, "ai_score 85 >= 80 → advance, not applied: stage missing");
    done(&e);
    pl_record_str(&rec, PL_F_STAGE, "offer");
    e = run("when interview_scored if ai_score >= 80 then advance", PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_decision(&e.d[0], PL_ACT, "ai_score 85 >= 80 → advance to hired");
    done(&e);
}

/* Two rules that both move: the first in the text wins, the second says why it did not. */
static void test_eval_one_move_per_event(void **state)
{
    (void)state;
    const char *t = "when interview_scored if ai_score >= 80 then advance to hr_interview\n"
                    "when interview_scored if ai_score >= 90 then advance to final\n"
                    "when interview_scored if ai_score >= 90 then send_template top_candidate\n";
    pl_record_t rec = campus();
    pl_record_num(&rec, PL_F_AI_SCORE, 95);
    pl_eval_t e = run(t, PL_EV_INTERVIEW_SCORED, 0, &rec, false);
    assert_int_equal(e.n, 3);
    assert_decision(&e.d[0], PL_ACT, "ai_score 95 >= 80 → advance to hr_interview");
    assert_decision(&e.d[1], PL_BLOCKED,
                    "ai_score 95 >= 90 → advance to final, not applied: the rule on line 1 already moves this application");
    assert_decision(&e.d[2], PL_ACT, "ai_score 95 >= 90 → send_template top_candidate");
    done(&e);
}

static void test_eval_other_events_and_no_condition(void **state)
{
    (void)state;
    pl_record_t rec = campus();
    pl_eval_t e = run(pl_rules_default_template(), PL_EV_NO_SHOW, 0, &rec, false);
    assert_int_equal(e.n, 0);
    assert_null(e.d);
    done(&e);
    e = run("when no_show then send_template reschedule", PL_EV_NO_SHOW, 0, &rec, false);
    assert_decision(&e.d[0], PL_ACT, "no condition → send_template reschedule");
    done(&e);
}

/* A replayed event decides the same, to the letter. */
static void test_eval_deterministic(void **state)
{
    (void)state;
    pl_rules_t *r = parse("when interview_scored if ai_score >= 80 and (source in [\"campus\"] or not consent) "
                          "then advance to hr_interview\n"
                          "when interview_scored if ai_score < 60 then reject with template thank_you\n");
    pl_record_t rec = campus();
    pl_record_num(&rec, PL_F_AI_SCORE, 81.5);
    pl_event_t ev = { PL_EV_INTERVIEW_SCORED, 0, 0 };
    pl_eval_t first;
    assert_int_equal(pl_rules_eval(r, &ev, &rec, NULL, &first), 0);
    for (int i = 0; i < 50; i++) {
        pl_eval_t again;
        assert_int_equal(pl_rules_eval(r, &ev, &rec, NULL, &again), 0);
        assert_int_equal(again.n, first.n);
        for (size_t k = 0; k < first.n; k++) {
            assert_int_equal(again.d[k].verdict, first.d[k].verdict);
            assert_string_equal(again.d[k].why, first.d[k].why);
        }
        pl_eval_clear(&again);
    }
    assert_string_equal(first.d[0].why,
                        "ai_score 81.5 >= 80 and source \"campus\" in [\"campus\"] → advance to hr_interview");
    pl_eval_clear(&first);
    pl_rules_destroy(&r);
}

static void test_schema_lookups(void **state)
{
    (void)state;
    assert_int_equal(pl_field_lookup("ai_score"), PL_F_AI_SCORE);
    assert_int_equal(pl_field_lookup("human_review_requested"), PL_F_HUMAN_REVIEW_REQUESTED);
    assert_int_equal(pl_field_lookup("salary"), -1);
    assert_int_equal(pl_field_lookup(NULL), -1);
    assert_int_equal(pl_field_type(PL_F_DAYS_IN_STAGE), PL_T_NUMBER);
    assert_int_equal(pl_field_type(PL_F_BACKGROUND_CHECK), PL_T_STRING);
    assert_int_equal(pl_field_type(PL_F_CONSENT), PL_T_BOOL);
    assert_string_equal(pl_field_name(PL_F_ONLINE_ASSESSMENT), "online_assessment");
    assert_int_equal(pl_event_lookup("stage_timeout"), PL_EV_STAGE_TIMEOUT);
    assert_int_equal(pl_event_lookup("hired"), -1);
    assert_string_equal(pl_event_name(PL_EV_NO_SHOW), "no_show");
    assert_string_equal(pl_action_name(PL_ACT_INVITE_AI_INTERVIEW), "invite_ai_interview");
}

/* ---- robustness: mutated texts never crash, and what parses prints stably ---- */

static uint32_t rng = 2463534242u;

static uint32_t rnd(uint32_t n)
{
    rng ^= rng << 13;
    rng ^= rng >> 17;
    rng ^= rng << 5;
    return rng % n;
}

static void mutate(char *buf, size_t *len, size_t cap)
{
    static const char *const pieces[] = {
        "when ", " if ", " then ", " and ", " or ", " not ", "(", ")", "[", "]", ",", "\"", "\\", "#",
        ">=", "==", "!=", "<", " in ", "72h", "-3", "0.5", "advance", " to ", "reject", "with template x",
        "ai_score", "stage", "consent", "screened", "stage_timeout(", "\n", "\xe4\xbd\xa0", "\xff", "=",
    };
    switch (rnd(5)) {
    case 0:                                        /* overwrite a byte */
        if (*len)
            buf[rnd((uint32_t)*len)] = (char)rnd(256);
        break;
    case 1: {                                      /* insert a piece of the language */
        const char *p = pieces[rnd(sizeof pieces / sizeof *pieces)];
        size_t k = strlen(p), at = rnd((uint32_t)*len + 1);
        if (*len + k < cap) {
            memmove(buf + at + k, buf + at, *len - at);
            memcpy(buf + at, p, k);
            *len += k;
        }
        break;
    }
    case 2: {                                      /* delete a run */
        if (!*len)
            break;
        size_t at = rnd((uint32_t)*len), k = 1 + rnd(8);
        if (at + k > *len)
            k = *len - at;
        memmove(buf + at, buf + at + k, *len - at - k);
        *len -= k;
        break;
    }
    case 3: {                                      /* duplicate a run */
        size_t at = rnd((uint32_t)*len + 1), k = rnd(40);
        if (at + k > *len)
            k = *len - at;
        if (*len + k < cap) {
            memmove(buf + at + k, buf + at, *len - at);
            *len += k;
        }
        break;
    }
    default:                                       /* truncate */
        *len = rnd((uint32_t)*len + 1);
    }
}

static void test_mutations_never_crash(void **state)
{
    (void)state;
    static const char *const seeds[] = {
        NULL,   /* the default template */
        "when assessment_received if written_test >= 75 and background_check == \"clear\" then advance\n"
        "when stage_timeout(ai_interview, 72h) then flag \"no AI interview in 3 days\"\n",
        "when screened if not (source in [\"agency\", \"jobboard\"] or years_experience < 1.5) "
        "and consent == true then invite_ai_interview # fast lane\n",
    };
    char buf[2048];
    size_t parsed = 0;
    pl_record_t rec = campus();
    pl_record_num(&rec, PL_F_AI_SCORE, 64);
    for (int iter = 0; iter < 4000; iter++) {
        const char *seed = seeds[iter % 3] ? seeds[iter % 3] : pl_rules_default_template();
        size_t len = strlen(seed);
        memcpy(buf, seed, len);
        for (uint32_t m = 1 + rnd(4); m > 0; m--)
            mutate(buf, &len, sizeof buf);
        char err[256];
        pl_rules_t *r = pl_rules_parse(buf, len, def, err, sizeof err);
        if (!r) {
            assert_true(strncmp(err, "line ", 5) == 0);
            continue;
        }
        parsed++;
        char *once = pl_rules_format(r);
        pl_rules_t *again = pl_rules_parse(once, strlen(once), def, err, sizeof err);
        if (!again)
            print_error("reprint does not parse: %s\n%s\n", err, once);
        assert_non_null(again);
        char *twice = pl_rules_format(again);
        assert_string_equal(once, twice);
        for (int k = 0; k < PL_EV_N; k++) {
            pl_event_t ev = { (pl_event_kind_t)k, 5000, 0 };
            pl_eval_t e;
            assert_int_equal(pl_rules_eval(r, &ev, &rec, &(pl_eval_opts_t){ .require_human_for_reject = k & 1 }, &e), 0);
            for (size_t i = 0; i < e.n; i++)
                assert_non_null(e.d[i].why);
            pl_eval_clear(&e);
        }
        free(once);
        free(twice);
        pl_rules_destroy(&again);
        pl_rules_destroy(&r);
    }
    print_message("# %zu of 4000 mutated texts parsed\n", parsed);
    assert_true(parsed > 100);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_template),
        cmocka_unit_test(test_empty_text_is_no_rules),
        cmocka_unit_test(test_actions),
        cmocka_unit_test(test_events_and_timeouts),
        cmocka_unit_test(test_conditions_print_minimal_parentheses),
        cmocka_unit_test(test_literals_and_in),
        cmocka_unit_test(test_layout_and_comments),
        cmocka_unit_test(test_error_unknown_field),
        cmocka_unit_test(test_error_unknown_event),
        cmocka_unit_test(test_error_unknown_action),
        cmocka_unit_test(test_error_unknown_stage),
        cmocka_unit_test(test_error_strings),
        cmocka_unit_test(test_error_types),
        cmocka_unit_test(test_error_syntax),
        cmocka_unit_test(test_error_job_without_ai_interview),
        cmocka_unit_test(test_error_too_deep),
        cmocka_unit_test(test_error_too_large),
        cmocka_unit_test(test_error_too_many_rules),
        cmocka_unit_test(test_eval_default_template),
        cmocka_unit_test(test_eval_missing_is_not_zero),
        cmocka_unit_test(test_eval_precedence),
        cmocka_unit_test(test_eval_not),
        cmocka_unit_test(test_eval_strings_and_in),
        cmocka_unit_test(test_eval_timeouts),
        cmocka_unit_test(test_timeouts_listed_and_one_rule_at_a_time),
        cmocka_unit_test(test_eval_human_confirmation_guard),
        cmocka_unit_test(test_eval_blocked_moves),
        cmocka_unit_test(test_eval_one_move_per_event),
        cmocka_unit_test(test_eval_other_events_and_no_condition),
        cmocka_unit_test(test_eval_deterministic),
        cmocka_unit_test(test_schema_lookups),
        cmocka_unit_test(test_mutations_never_crash),
    };
    return cmocka_run_group_tests_name("pipeline-rules", tests, setup, teardown);
}
