/* services/pipeline/tests/test-stages.c - the stage machine: default moves, refusals with their sentences, custom lists */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include "../stages.h"
#include "default-stages.h"

/* The move's code, and its sentence when refused. */
static void assert_move(const pl_stages_t *st, const char *from, const char *to,
                        pl_move_t want, const char *want_why)
{
    char why[160] = "";
    assert_int_equal(pl_stages_can_move(st, from, to, why, sizeof why), want);
    if (want_why)
        assert_string_equal(why, want_why);
}

static void test_default_order(void **state)
{
    (void)state;
    static const char *const order[] = { "applied", "screening", "ai_interview", "hr_interview",
                                         "final", "offer", "hired", "rejected", "withdrawn" };
    assert_int_equal(pl_stages_count(def), 9);
    for (size_t i = 0; i < 9; i++) {
        assert_string_equal(pl_stages_name(def, i), order[i]);
        assert_int_equal(pl_stages_index(def, order[i]), (int)i);
    }
    assert_string_equal(pl_stages_first(def), "applied");
    assert_int_equal(pl_stages_index(def, "interview"), -1);
    assert_int_equal(pl_stages_index(def, NULL), -1);
}

static void test_default_forward_moves(void **state)
{
    (void)state;
    assert_move(def, "applied", "screening", PL_MOVE_OK, NULL);
    assert_move(def, "screening", "ai_interview", PL_MOVE_OK, NULL);
    assert_move(def, "ai_interview", "hr_interview", PL_MOVE_OK, NULL);
    assert_move(def, "final", "offer", PL_MOVE_OK, NULL);
    assert_move(def, "offer", "hired", PL_MOVE_OK, NULL);
}

static void test_skipping_forward(void **state)
{
    (void)state;
    assert_move(def, "applied", "ai_interview", PL_MOVE_OK, NULL);
    assert_move(def, "screening", "offer", PL_MOVE_OK, NULL);
    assert_move(def, "screening", "hired", PL_MOVE_HIRED_SKIP,
                "cannot move from screening to hired: hired is reached only from offer");
}

static void test_backward_refused(void **state)
{
    (void)state;
    assert_move(def, "offer", "screening", PL_MOVE_BACKWARD,
                "cannot move from offer back to screening: stages only move forward");
    assert_move(def, "hr_interview", "ai_interview", PL_MOVE_BACKWARD, NULL);
    assert_move(def, "screening", "applied", PL_MOVE_BACKWARD, NULL);
}

static void test_out_from_any_open_stage(void **state)
{
    (void)state;
    for (size_t i = 0; i < 6; i++) {
        assert_move(def, pl_stages_name(def, i), "rejected", PL_MOVE_OK, NULL);
        assert_move(def, pl_stages_name(def, i), "withdrawn", PL_MOVE_OK, NULL);
    }
}

static void test_terminal_has_no_moves(void **state)
{
    (void)state;
    assert_move(def, "rejected", "screening", PL_MOVE_FROM_TERMINAL,
                "application is rejected: a terminal stage has no moves");
    assert_move(def, "withdrawn", "offer", PL_MOVE_FROM_TERMINAL,
                "application is withdrawn: a terminal stage has no moves");
    assert_move(def, "hired", "rejected", PL_MOVE_FROM_TERMINAL,
                "application is hired: a terminal stage has no moves");
    assert_move(def, "rejected", "rejected", PL_MOVE_FROM_TERMINAL, NULL);
    assert_true(pl_stages_is_terminal(def, "hired"));
    assert_true(pl_stages_is_terminal(def, "rejected"));
    assert_true(pl_stages_is_terminal(def, "withdrawn"));
    assert_false(pl_stages_is_terminal(def, "offer"));
    assert_false(pl_stages_is_terminal(def, "nonexistent"));
}

static void test_same_and_unknown(void **state)
{
    (void)state;
    assert_move(def, "screening", "screening", PL_MOVE_SAME_STAGE, "application is already in screening");
    assert_move(def, "screening", "onsite", PL_MOVE_UNKNOWN_STAGE,
                "unknown stage onsite: this job has no such stage");
    assert_move(def, "phone_screen", "offer", PL_MOVE_UNKNOWN_STAGE,
                "unknown stage phone_screen: this job has no such stage");
    assert_move(def, NULL, "offer", PL_MOVE_UNKNOWN_STAGE, "unknown stage (none): this job has no such stage");
}

static void test_next(void **state)
{
    (void)state;
    assert_string_equal(pl_stages_next(def, "applied"), "screening");
    assert_string_equal(pl_stages_next(def, "offer"), "hired");
    assert_null(pl_stages_next(def, "hired"));
    assert_null(pl_stages_next(def, "rejected"));
    assert_null(pl_stages_next(def, "lunch"));
}

static void test_reopen(void **state)
{
    (void)state;
    char why[160];
    assert_int_equal(pl_stages_can_reopen(def, "rejected", "hr_interview", "hr_interview", why, sizeof why),
                     PL_MOVE_OK);
    assert_int_equal(pl_stages_can_reopen(def, "withdrawn", "offer", "offer", why, sizeof why), PL_MOVE_OK);
    assert_int_equal(pl_stages_can_reopen(def, "rejected", "offer", "screening", why, sizeof why),
                     PL_MOVE_REOPEN_ELSEWHERE);
    assert_string_equal(why, "cannot reopen to offer: a reopened application returns to screening, the stage it left");
    assert_int_equal(pl_stages_can_reopen(def, "hired", "offer", "offer", why, sizeof why), PL_MOVE_NOT_REOPENABLE);
    assert_string_equal(why, "application is hired: only a rejected or withdrawn application can be reopened");
    assert_int_equal(pl_stages_can_reopen(def, "rejected", "screening", NULL, why, sizeof why),
                     PL_MOVE_REOPEN_ELSEWHERE);
    assert_string_equal(why, "cannot reopen to screening: the stage the application left is not known");
}

/* A warehouse mass-hiring job: short, no offer stage, hired implied. */
static void test_custom_list(void **state)
{
    (void)state;
    static const char *const names[] = { "applied", "online_test", "group_interview", "onboarding" };
    char err[160];
    pl_stages_t *st = pl_stages_parse(names, 4, err, sizeof err);
    assert_non_null(st);
    assert_int_equal(pl_stages_count(st), 7);
    assert_string_equal(pl_stages_name(st, 4), "hired");
    assert_string_equal(pl_stages_name(st, 5), "rejected");
    assert_string_equal(pl_stages_name(st, 6), "withdrawn");
    assert_move(st, "applied", "group_interview", PL_MOVE_OK, NULL);
    assert_move(st, "onboarding", "hired", PL_MOVE_OK, NULL);
    assert_move(st, "online_test", "hired", PL_MOVE_HIRED_SKIP,
                "cannot move from online_test to hired: hired is reached only from onboarding");
    assert_move(st, "applied", "ai_interview", PL_MOVE_UNKNOWN_STAGE, NULL);
    pl_stages_destroy(&st);
    pl_stages_destroy(&st);     /* twice is harmless */
    assert_null(st);
}

/* Terminal names may be listed; rejected and withdrawn go out of the order. */
static void test_custom_list_with_terminals(void **state)
{
    (void)state;
    static const char *const names[] = { "rejected", "applied", "interview", "hired", "withdrawn" };
    pl_stages_t *st = pl_stages_parse(names, 5, NULL, 0);
    assert_non_null(st);
    assert_int_equal(pl_stages_count(st), 5);
    assert_int_equal(pl_stages_index(st, "applied"), 0);
    assert_int_equal(pl_stages_index(st, "hired"), 2);
    assert_int_equal(pl_stages_index(st, "rejected"), 3);
    assert_string_equal(pl_stages_first(st), "applied");
    pl_stages_destroy(&st);
}

static void assert_invalid(const char *const *names, size_t n, const char *want)
{
    char err[160] = "";
    pl_stages_t *st = pl_stages_parse(names, n, err, sizeof err);
    assert_null(st);
    assert_string_equal(err, want);
}

static void test_invalid_lists(void **state)
{
    (void)state;
    assert_invalid(NULL, 0, "a job needs at least one stage before hired");
    assert_invalid((const char *const[]){ "hired", "rejected" }, 2, "a job needs at least one stage before hired");
    assert_invalid((const char *const[]){ "applied", "Screening" }, 2,
                   "invalid stage name \"Screening\": use 1 to 32 characters a-z and _");
    assert_invalid((const char *const[]){ "applied", "round2" }, 2,
                   "invalid stage name \"round2\": use 1 to 32 characters a-z and _");
    assert_invalid((const char *const[]){ "applied", "" }, 2,
                   "invalid stage name \"\": use 1 to 32 characters a-z and _");
    assert_invalid((const char *const[]){ "applied", NULL }, 2,
                   "invalid stage name \"\": use 1 to 32 characters a-z and _");
    assert_invalid((const char *const[]){ "applied", "abcdefghijklmnopqrstuvwxyz_abcdef" }, 2,
                   "invalid stage name \"abcdefghijklmnopqrstuvwxyz_abcdef\": use 1 to 32 characters a-z and _");
    assert_invalid((const char *const[]){ "applied", "screening", "applied" }, 3, "stage applied is listed twice");
    assert_invalid((const char *const[]){ "applied", "hired", "onboarding" }, 3,
                   "stage onboarding comes after hired: hired must be the last ordered stage");
}

static void test_limit_of_stages(void **state)
{
    (void)state;
    static char names[40][8];
    const char *ptrs[40];
    for (int i = 0; i < 40; i++) {
        snprintf(names[i], sizeof names[i], "s_%c%c", 'a' + i / 26, 'a' + i % 26);
        ptrs[i] = names[i];
    }
    pl_stages_t *st = pl_stages_parse(ptrs, PL_STAGES_MAX - 3, NULL, 0);
    assert_non_null(st);
    assert_int_equal(pl_stages_count(st), PL_STAGES_MAX);
    pl_stages_destroy(&st);
    assert_invalid(ptrs, 40, "too many stages: the limit is 32, hired, rejected and withdrawn included");
}

static void test_copy_and_names(void **state)
{
    (void)state;
    pl_stages_t *c = pl_stages_copy(def);
    assert_non_null(c);
    assert_int_equal(pl_stages_index(c, "final"), 4);
    pl_stages_destroy(&c);
    assert_string_equal(pl_move_name(PL_MOVE_BACKWARD), "backward");
    assert_string_equal(pl_move_name(PL_MOVE_FROM_TERMINAL), "from-terminal");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_default_order),
        cmocka_unit_test(test_default_forward_moves),
        cmocka_unit_test(test_skipping_forward),
        cmocka_unit_test(test_backward_refused),
        cmocka_unit_test(test_out_from_any_open_stage),
        cmocka_unit_test(test_terminal_has_no_moves),
        cmocka_unit_test(test_same_and_unknown),
        cmocka_unit_test(test_next),
        cmocka_unit_test(test_reopen),
        cmocka_unit_test(test_custom_list),
        cmocka_unit_test(test_custom_list_with_terminals),
        cmocka_unit_test(test_invalid_lists),
        cmocka_unit_test(test_limit_of_stages),
        cmocka_unit_test(test_copy_and_names),
    };
    return cmocka_run_group_tests_name("pipeline-stages", tests, setup, teardown);
}
