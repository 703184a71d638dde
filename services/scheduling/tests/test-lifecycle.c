/* services/scheduling/tests/test-lifecycle.c - an AI interview's states and moves */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../lifecycle.h"

static void test_names_round_trip(void **state)
{
    (void)state;
    for (int s = 0; s < SCHED_N_STATES; s++) {
        sched_state_t back;
        assert_int_equal(sched_state_parse(sched_state_name((sched_state_t)s), &back), 0);
        assert_int_equal(back, s);
    }
    sched_state_t x;
    assert_int_equal(sched_state_parse("noshow", &x), -1);
    assert_int_equal(sched_state_parse("", &x), -1);
    assert_int_equal(sched_state_parse(NULL, &x), -1);
    assert_string_equal(sched_state_name(SCHED_N_STATES), "");
}

static void test_a_waiting_invitation_is_scheduled_or_cancelled(void **state)
{
    (void)state;
    const char *why;
    assert_true(sched_can_move(SCHED_WAITING, SCHED_SCHEDULED, &why));
    assert_string_equal(why, "");
    assert_true(sched_can_move(SCHED_WAITING, SCHED_CANCELLED, NULL));
    assert_false(sched_can_move(SCHED_WAITING, SCHED_RESCHEDULED, &why));
    assert_string_equal(why, "the interview has no slot yet");
    assert_false(sched_can_move(SCHED_WAITING, SCHED_IN_PROGRESS, NULL));
}

static void test_a_booked_interview_goes_every_way(void **state)
{
    (void)state;
    sched_state_t booked[] = { SCHED_SCHEDULED, SCHED_RESCHEDULED, SCHED_REMINDED };
    for (size_t i = 0; i < 3; i++) {
        assert_true(sched_can_move(booked[i], SCHED_RESCHEDULED, NULL));
        assert_true(sched_can_move(booked[i], SCHED_CANCELLED, NULL));
        assert_true(sched_can_move(booked[i], SCHED_IN_PROGRESS, NULL));
        assert_true(sched_can_move(booked[i], SCHED_NO_SHOW, NULL));
        assert_false(sched_can_move(booked[i], SCHED_COMPLETED, NULL)); /* it never started */
        assert_false(sched_can_move(booked[i], SCHED_WAITING, NULL));
    }
    assert_true(sched_can_move(SCHED_SCHEDULED, SCHED_REMINDED, NULL));
    assert_false(sched_can_move(SCHED_REMINDED, SCHED_REMINDED, NULL));
}

static void test_a_call_under_way_ends_or_is_tried_again(void **state)
{
    (void)state;
    const char *why;
    assert_true(sched_can_move(SCHED_IN_PROGRESS, SCHED_COMPLETED, NULL));
    assert_true(sched_can_move(SCHED_IN_PROGRESS, SCHED_NO_SHOW, NULL));
    assert_true(sched_can_move(SCHED_IN_PROGRESS, SCHED_RESCHEDULED, NULL));
    assert_false(sched_can_move(SCHED_IN_PROGRESS, SCHED_CANCELLED, &why));
    assert_string_equal(why, "the call is under way: it cannot be cancelled");
    assert_true(sched_can_move(SCHED_IN_PROGRESS, SCHED_RETRYING, NULL));
}

static void test_a_call_that_missed_is_tried_again_or_ends(void **state)
{
    (void)state;
    assert_true(sched_can_move(SCHED_RETRYING, SCHED_IN_PROGRESS, NULL));
    assert_true(sched_can_move(SCHED_RETRYING, SCHED_NO_SHOW, NULL));
    assert_true(sched_can_move(SCHED_RETRYING, SCHED_CANCELLED, NULL));
    assert_true(sched_can_move(SCHED_RETRYING, SCHED_RESCHEDULED, NULL));
    assert_false(sched_can_move(SCHED_RETRYING, SCHED_COMPLETED, NULL)); /* not under way */
    assert_false(sched_can_move(SCHED_SCHEDULED, SCHED_RETRYING, NULL)); /* never called */
    assert_true(sched_holds_seat(SCHED_RETRYING));
    assert_false(sched_final(SCHED_RETRYING));
}

static void test_final_states_say_why_nothing_moves(void **state)
{
    (void)state;
    const char *why;
    sched_state_t final[] = { SCHED_COMPLETED, SCHED_NO_SHOW, SCHED_CANCELLED };
    for (size_t i = 0; i < 3; i++) {
        assert_true(sched_final(final[i]));
        for (int to = 0; to < SCHED_N_STATES; to++)
            assert_false(sched_can_move(final[i], (sched_state_t)to, NULL));
    }
    assert_false(sched_can_move(SCHED_COMPLETED, SCHED_RESCHEDULED, &why));
    assert_string_equal(why, "a completed interview cannot be rescheduled");
    assert_false(sched_can_move(SCHED_CANCELLED, SCHED_CANCELLED, &why));
    assert_string_equal(why, "the interview is already cancelled");
    assert_false(sched_can_move(SCHED_NO_SHOW, SCHED_REMINDED, &why));
    assert_string_equal(why, "the interview is over");
    assert_false(sched_final(SCHED_RESCHEDULED));
}

static void test_seats_are_held_from_booking_until_cancelled(void **state)
{
    (void)state;
    assert_false(sched_holds_seat(SCHED_WAITING));
    assert_false(sched_holds_seat(SCHED_CANCELLED));
    for (int s = SCHED_SCHEDULED; s <= SCHED_NO_SHOW; s++)
        assert_true(sched_holds_seat((sched_state_t)s));
    assert_true(sched_holds_seat(SCHED_RESCHEDULED));
}

static void test_the_states_a_move_comes_from_as_sql(void **state)
{
    (void)state;
    char out[160];
    assert_int_equal(sched_from_states(SCHED_CANCELLED, out, sizeof(out)), 0);
    assert_string_equal(out, "{waiting,scheduled,reminded,rescheduled,retrying}");
    assert_int_equal(sched_from_states(SCHED_RESCHEDULED, out, sizeof(out)), 0);
    assert_string_equal(out, "{scheduled,reminded,in_progress,rescheduled,retrying}");
    assert_int_equal(sched_from_states(SCHED_WAITING, out, sizeof(out)), 0);
    assert_string_equal(out, "{}");
    assert_int_equal(sched_from_states(SCHED_CANCELLED, out, 10), -1);
}

static void test_each_move_has_its_event(void **state)
{
    (void)state;
    char out[64];
    assert_int_equal(sched_event_type(SCHED_NO_SHOW, out, sizeof(out)), 0);
    assert_string_equal(out, "hrflow.scheduling.interview.no_show.v1");
    assert_int_equal(sched_event_type(SCHED_SCHEDULED, out, 20), -1);
    assert_int_equal(sched_event_type(SCHED_N_STATES, out, sizeof(out)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_round_trip),
        cmocka_unit_test(test_a_waiting_invitation_is_scheduled_or_cancelled),
        cmocka_unit_test(test_a_booked_interview_goes_every_way),
        cmocka_unit_test(test_a_call_that_missed_is_tried_again_or_ends),
        cmocka_unit_test(test_a_call_under_way_ends_or_is_tried_again),
        cmocka_unit_test(test_final_states_say_why_nothing_moves),
        cmocka_unit_test(test_seats_are_held_from_booking_until_cancelled),
        cmocka_unit_test(test_the_states_a_move_comes_from_as_sql),
        cmocka_unit_test(test_each_move_has_its_event),
    };
    return cmocka_run_group_tests_name("scheduling-lifecycle", tests, NULL, NULL);
}
