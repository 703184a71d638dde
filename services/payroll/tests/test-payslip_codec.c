/* services/payroll/tests/test-payslip_codec.c - a payslip's figures packed and unpacked: every field back, a few hundred bytes, nothing else accepted */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "../payslip_codec.h"

#define Y(yuan) ((pr_fen_t)(yuan) * 100)

/* A record with every field set, some negative, some at the limits. */
static pr_payslip_rec_t full(void)
{
    pr_payslip_rec_t r;
    memset(&r, 0, sizeof(r));
    for (int i = 0; i < 16; i++)
        r.scheme_id[i] = (uint8_t)(0xf0 + i);
    r.scheme_version = 7;
    r.n_comp = 20;
    for (uint32_t k = 0; k < r.n_comp; k++)
        r.comp[k] = (k % 2 ? -1 : 1) * Y(1000 + 37 * k);
    r.comp[3] = INT64_MAX;
    r.comp[4] = INT64_MIN;
    r.n_inputs = 9;
    for (uint32_t k = 0; k < r.n_inputs; k++)
        r.inputs[k] = (int64_t)k * PR_RATE_ONE / 4;
    r.base = Y(30000), r.hourly_rate = 17241;
    for (int k = 0; k < 3; k++)
        r.ot_minutes[k] = 150 * k, r.ot_pay[k] = 64654 * k, r.ot_multiple[k] = 1500000 + k;
    r.adjust_taxable = Y(500), r.adjust_untaxed = -Y(20);
    r.wage = Y(30500);
    r.social_present = 1u << PR_SOCIAL_PENSION | 1u << PR_SOCIAL_HOUSING_FUND;
    r.social[PR_SOCIAL_PENSION].base = Y(30500);
    r.social[PR_SOCIAL_PENSION].employee = Y(2440);
    r.social[PR_SOCIAL_PENSION].employer = Y(4880);
    r.social[PR_SOCIAL_PENSION].floor = Y(7460);
    r.social[PR_SOCIAL_PENSION].cap = Y(37302);
    r.social[PR_SOCIAL_PENSION].employee_rate = 80000;
    r.social[PR_SOCIAL_PENSION].employer_rate = 160000;
    r.social[PR_SOCIAL_HOUSING_FUND].base = Y(30500);
    r.social[PR_SOCIAL_HOUSING_FUND].employee_rate = 70000;
    r.non_resident = 1;
    r.tax = (pr_tax_line_t){ 3, Y(90000), Y(25000), Y(65000), 100000, Y(2520), Y(3980), Y(1000),
                             Y(2980) };
    r.bonus_tax = (pr_tax_bonus_t){ Y(36000), Y(3000), 30000, 0, Y(1080) };
    r.gross = Y(31146), r.deductions = Y(20), r.social_employee = Y(3380);
    r.social_employer = Y(8000), r.taxable_income = Y(30646), r.income_tax = Y(4060);
    r.net = Y(23686);
    r.ytd = (pr_tax_ytd_t){ 3, Y(90000), Y(10000), Y(6000), 0, Y(3980) };
    return r;
}

static void every_field_comes_back(void **state)
{
    (void)state;
    pr_payslip_rec_t r = full(), back;
    uint8_t buf[PR_PAYSLIP_ENCODED_MAX];
    size_t n = pr_payslip_encode(&r, buf);
    assert_true(pr_payslip_is_compact(buf, n));
    assert_int_equal(pr_payslip_decode(buf, n, &back), 0);
    assert_memory_equal(&r, &back, sizeof(r));
}

/* 20 components, 9 inputs and six kinds of contribution: under 400 bytes
 * (the whole message with its texts was about 2.9 KB before sealing). */
static void a_payslip_is_a_few_hundred_bytes(void **state)
{
    (void)state;
    pr_payslip_rec_t r = full();
    r.comp[3] = r.comp[4] = Y(5000);
    r.social_present = (1u << PR_SOCIAL_KINDS) - 1;
    for (int k = 0; k < PR_SOCIAL_KINDS; k++)
        r.social[k] = r.social[PR_SOCIAL_PENSION];
    uint8_t buf[PR_PAYSLIP_ENCODED_MAX];
    size_t n = pr_payslip_encode(&r, buf);
    assert_in_range(n, 100, 400);
}

/* The longest record fits PR_PAYSLIP_ENCODED_MAX. */
static void the_longest_record_fits(void **state)
{
    (void)state;
    pr_payslip_rec_t r, back;
    const int64_t min = INT64_MIN; /* every 8-byte field the longest varint */
    for (size_t k = 0; k + sizeof(min) <= sizeof(r); k += sizeof(min))
        memcpy((char *)&r + k, &min, sizeof(min));
    r.n_comp = PR_COMPONENTS_MAX, r.n_inputs = PR_INPUTS_MAX;
    r.social_present = (1u << PR_SOCIAL_KINDS) - 1;
    r.scheme_version = INT32_MIN, r.non_resident = INT32_MIN;
    r.tax.months = INT32_MIN, r.ytd.months = INT32_MIN;
    uint8_t buf[PR_PAYSLIP_ENCODED_MAX];
    size_t n = pr_payslip_encode(&r, buf);
    assert_true(n <= PR_PAYSLIP_ENCODED_MAX);
    assert_int_equal(pr_payslip_decode(buf, n, &back), 0);
    assert_memory_equal(&r.comp, &back.comp, sizeof(r.comp));
    assert_int_equal(back.tax.months, INT32_MIN);
}

/* A packed hrflow.v1.Payslip (what payslips were before) starts with its
 * first field's tag, never 0: told apart by the first byte. */
static void an_old_payslip_is_not_compact(void **state)
{
    (void)state;
    const uint8_t old[] = { 0x0a, 0x24, '1', '1', '1' };
    pr_payslip_rec_t r;
    assert_false(pr_payslip_is_compact(old, sizeof(old)));
    assert_int_equal(pr_payslip_decode(old, sizeof(old), &r), -1);
    assert_false(pr_payslip_is_compact("", 0));
}

/* Every prefix is refused, so is a trailing byte, another format, a count
 * beyond the limits and a varint beyond 64 bits. */
static void anything_but_a_whole_record_is_refused(void **state)
{
    (void)state;
    pr_payslip_rec_t r = full(), back;
    uint8_t buf[PR_PAYSLIP_ENCODED_MAX + 16];
    size_t n = pr_payslip_encode(&r, buf);
    for (size_t k = 0; k < n; k++)
        assert_int_equal(pr_payslip_decode(buf, k, &back), -1);
    buf[n] = 0;
    assert_int_equal(pr_payslip_decode(buf, n + 1, &back), -1);
    buf[1] = 2;
    assert_int_equal(pr_payslip_decode(buf, n, &back), -1);
    buf[1] = PR_PAYSLIP_FORMAT;
    /* the count of components after the version (one byte: 7 → 14) */
    assert_int_equal(buf[18], 14);
    buf[19] = 2 * (PR_COMPONENTS_MAX + 1);
    assert_int_equal(pr_payslip_decode(buf, n, &back), -1);
    uint8_t wide[32] = { 0, PR_PAYSLIP_FORMAT };
    memset(wide + 18, 0xff, 10);
    wide[28] = 0x02; /* an 11th group: beyond 64 bits */
    assert_int_equal(pr_payslip_decode(wide, 29, &back), -1);
}

/* Decoding arbitrary bytes, and valid records with bytes changed, never
 * reads past the end (ASan in the sanitized build) and gives 0 or -1. */
static void arbitrary_bytes_never_crash(void **state)
{
    (void)state;
    pr_payslip_rec_t r = full(), back;
    uint8_t good[PR_PAYSLIP_ENCODED_MAX];
    size_t n = pr_payslip_encode(&r, good);
    srand(42);
    for (int round = 0; round < 200000; round++) {
        size_t len = (size_t)rand() % (n + 8);
        uint8_t *b = malloc(len ? len : 1);
        if (round % 2) { /* a valid record, some bytes changed */
            memcpy(b, good, len < n ? len : n);
            for (size_t k = n; k < len; k++)
                b[k] = (uint8_t)rand();
            for (int k = rand() % 4; k >= 0 && len > 2; k--)
                b[2 + (size_t)rand() % (len - 2)] = (uint8_t)rand();
        } else {
            for (size_t k = 0; k < len; k++)
                b[k] = (uint8_t)rand();
            if (len > 1 && round % 4 == 0)
                b[0] = 0, b[1] = PR_PAYSLIP_FORMAT;
        }
        int rc = pr_payslip_decode(b, len, &back);
        assert_true(rc == 0 || rc == -1);
        if (rc == 0) {
            assert_true(back.n_comp <= PR_COMPONENTS_MAX && back.n_inputs <= PR_INPUTS_MAX);
            assert_true(back.social_present < 1u << PR_SOCIAL_KINDS);
        }
        free(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(every_field_comes_back),
        cmocka_unit_test(a_payslip_is_a_few_hundred_bytes),
        cmocka_unit_test(the_longest_record_fits),
        cmocka_unit_test(an_old_payslip_is_not_compact),
        cmocka_unit_test(anything_but_a_whole_record_is_refused),
        cmocka_unit_test(arbitrary_bytes_never_crash),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
