/* tests/fuzz/fuzz-rules.c - fuzz target of the automation rule language (services/pipeline/rules*.c)
 *
 * The first byte chooses the job's stages (the default pipeline, or a short
 * custom one); the rest is the rules text. The promises checked:
 *   - a refused text has an error message ("line L, column C: …" for the
 *     text's own faults) and never a rule set;
 *   - a parsed set prints canonically, and its print parses again to the same
 *     print and the same number of rules (pl_rules_format is a fixed point);
 *   - evaluating every event against a record with every field set, and
 *     against an empty one, gives for each rule of that event at most one
 *     decision, with a "why", and at most one acting move per event;
 *   - the timeout rules listed are exactly the rules of that event.
 * A broken promise is an abort(), so libFuzzer (run.sh rules, clang) and the
 * corpus replay (the unit suite) both report it. ASan finds leaks and bad accesses.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/pipeline/rules.h"

int fuzz_rules_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz-rules: %s\n", what);
    abort();
}

static int moves(pl_action_kind_t k)
{
    return k == PL_ACT_ADVANCE || k == PL_ACT_REJECT || k == PL_ACT_INVITE_AI_INTERVIEW;
}

static void evaluate(const pl_rules_t *r, const pl_record_t *rec, int guard)
{
    for (int k = 0; k < PL_EV_N; k++)
        for (unsigned minutes = 0; minutes <= 10000; minutes += 5000) {
            pl_event_t ev = { (pl_event_kind_t)k, minutes, 0 };
            pl_eval_opts_t opts = { .require_human_for_reject = guard };
            pl_eval_t e;
            if (pl_rules_eval(r, &ev, rec, &opts, &e) < 0)
                fail("evaluation ran out of memory");
            if (e.n > pl_rules_count(r))
                fail("more decisions than rules");
            int acting_moves = 0;
            for (size_t i = 0; i < e.n; i++) {
                if (!e.d[i].why || !*e.d[i].why)
                    fail("a decision without its why");
                if (e.d[i].verdict == PL_ACT && moves(e.d[i].action.kind))
                    acting_moves++;
                if (guard && e.d[i].verdict == PL_ACT && e.d[i].action.kind == PL_ACT_REJECT)
                    fail("an automated reject past the human-confirmation guard");
            }
            if (acting_moves > 1)
                fail("two moves for one event");
            pl_eval_clear(&e);
        }
}

int fuzz_rules_input(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    static const char *const custom[] = { "applied", "phone_screen", "ai_interview", "offer",
                                          "hired" };
    char err[512] = "";
    pl_stages_t *st = data[0] & 1 ? pl_stages_parse(custom, 5, err, sizeof(err))
                                  : pl_stages_default();
    if (!st)
        fail("the stages themselves");
    const char *text = (const char *)data + 1;
    size_t len = size - 1;
    pl_rules_t *r = pl_rules_parse(text, len, st, err, sizeof(err));
    if (!r) {
        if (!*err)
            fail("refused without a message");
        pl_stages_destroy(&st);
        return 0;
    }
    char *print = pl_rules_format(r);
    if (!print)
        fail("format ran out of memory");
    pl_rules_t *again = pl_rules_parse(print, strlen(print), st, err, sizeof(err));
    if (!again)
        fail("the canonical print does not parse");
    char *print2 = pl_rules_format(again);
    if (!print2 || strcmp(print, print2) != 0)
        fail("the canonical print is not a fixed point");
    if (pl_rules_count(again) != pl_rules_count(r))
        fail("the print has another number of rules");
    pl_timeout_t to[PL_RULES_MAX_RULES];
    size_t nt = pl_rules_timeouts(r, to, PL_RULES_MAX_RULES);
    for (size_t i = 0; i < nt && i < PL_RULES_MAX_RULES; i++)
        if (!to[i].stage || !to[i].line)
            fail("a timeout rule without stage or line");
    pl_record_t full = { 0 }, empty = { 0 };
    for (int f = 0; f < PL_F_N; f++) {
        switch (pl_field_type((pl_field_t)f)) {
        case PL_T_NUMBER:
            pl_record_num(&full, (pl_field_t)f, (double)(data[0] % 101));
            break;
        case PL_T_STRING:
            pl_record_str(&full, (pl_field_t)f, f == PL_F_STAGE ? "ai_interview" : "clear");
            break;
        case PL_T_BOOL:
            pl_record_bool(&full, (pl_field_t)f, data[0] & 2);
            break;
        }
    }
    evaluate(r, &full, 0);
    evaluate(r, &full, 1);
    evaluate(r, &empty, 0);
    free(print);
    free(print2);
    pl_rules_destroy(&again);
    pl_rules_destroy(&r);
    pl_stages_destroy(&st);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_rules_input(data, size);
}
