/* services/payroll/employee_fields.c - checks and masks of an employee's identity and bank fields
 *
 * employee_fields.h says what a resident ID and a bank account are; this
 * file only applies it. No allocation: every output is a caller's buffer.
 */
#include "employee_fields.h"

#include <string.h>

static int is_digit(char c)
{
    return c >= '0' && c <= '9';
}

const char *pr_field_strerror(pr_field_err_t e)
{
    switch (e) {
    case PR_FIELD_OK:
        return "ok";
    case PR_FIELD_LENGTH:
        return "has the wrong number of characters";
    case PR_FIELD_CHARACTERS:
        return "has a character that does not belong";
    case PR_FIELD_BIRTH_DATE:
        return "holds a birth date that is no real day";
    case PR_FIELD_CHECK_DIGIT:
        return "does not match its check character";
    }
    return "is invalid";
}

int pr_id_type_known(const char *type)
{
    static const char *const types[] = { "resident_id",   "passport",         "hk_macao_permit",
                                         "taiwan_permit", "foreigner_permit", "other" };
    for (size_t i = 0; type && i < sizeof(types) / sizeof(types[0]); i++)
        if (strcmp(type, types[i]) == 0)
            return 1;
    return 0;
}

char pr_resident_id_check_char(const char *first17)
{
    static const char codes[] = "10X98765432";
    unsigned sum = 0, weight = 1; /* weights 2^(17-i) mod 11, built from the right */
    for (int i = 16; i >= 0; i--) {
        weight = weight * 2 % 11;
        if (!is_digit(first17[i]))
            return 0;
        sum += (unsigned)(first17[i] - '0') * weight;
    }
    return codes[sum % 11];
}

static int leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* 1 when the eight digits at s are a day between 1900-01-01 and 2099-12-31. */
static int real_day(const char *s)
{
    static const int days[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
    int v[8];
    for (int i = 0; i < 8; i++)
        v[i] = s[i] - '0';
    int y = v[0] * 1000 + v[1] * 100 + v[2] * 10 + v[3];
    int m = v[4] * 10 + v[5], d = v[6] * 10 + v[7];
    if (y < 1900 || y > 2099 || m < 1 || m > 12 || d < 1)
        return 0;
    return d <= days[m - 1] + (m == 2 && leap(y));
}

static pr_field_err_t resident_id(const char *s, char out[PR_ID_NUMBER_MAX + 1])
{
    if (strlen(s) != PR_RESIDENT_ID_LEN)
        return PR_FIELD_LENGTH;
    for (int i = 0; i < 17; i++)
        if (!is_digit(s[i]))
            return PR_FIELD_CHARACTERS;
    char last = s[17] == 'x' ? 'X' : s[17];
    if (!is_digit(last) && last != 'X')
        return PR_FIELD_CHARACTERS;
    if (!real_day(s + 6))
        return PR_FIELD_BIRTH_DATE;
    if (pr_resident_id_check_char(s) != last)
        return PR_FIELD_CHECK_DIGIT;
    memcpy(out, s, 17);
    out[17] = last;
    out[18] = '\0';
    return PR_FIELD_OK;
}

pr_field_err_t pr_id_number_check(const char *type, const char *s,
                                  char out[PR_ID_NUMBER_MAX + 1])
{
    out[0] = '\0';
    if (strcmp(type, "resident_id") == 0)
        return resident_id(s, out);
    size_t n = strlen(s);
    if (n < 1 || n > PR_ID_NUMBER_MAX)
        return PR_FIELD_LENGTH;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c >= 'a' && c <= 'z')
            c = (char)(c - 'a' + 'A');
        if (!is_digit(c) && !(c >= 'A' && c <= 'Z') && c != '-') {
            out[0] = '\0';
            return PR_FIELD_CHARACTERS;
        }
        out[i] = c;
    }
    out[n] = '\0';
    return PR_FIELD_OK;
}

pr_field_err_t pr_bank_account_check(const char *s, char out[PR_BANK_ACCOUNT_MAX + 1])
{
    size_t n = 0;
    out[0] = '\0';
    for (; *s; s++) {
        if (*s == ' ' || *s == '-')
            continue;
        if (!is_digit(*s)) {
            out[0] = '\0';
            return PR_FIELD_CHARACTERS;
        }
        if (n == PR_BANK_ACCOUNT_MAX) {
            out[0] = '\0';
            return PR_FIELD_LENGTH;
        }
        out[n++] = *s;
    }
    out[n] = '\0';
    if (n < PR_BANK_ACCOUNT_MIN) {
        out[0] = '\0';
        return PR_FIELD_LENGTH;
    }
    return PR_FIELD_OK;
}

void pr_mask_id_number(const char *s, char out[PR_MASK_MAX])
{
    size_t n = strnlen(s, PR_MASK_MAX - 1), keep_head = n >= 10 ? 4 : 0,
           keep_tail = n >= 10 ? 4 : n > 2 ? 2 : 0;
    for (size_t i = 0; i < n; i++)
        out[i] = i < keep_head || i >= n - keep_tail ? s[i] : '*';
    out[n] = '\0';
}

void pr_mask_bank_account(const char *s, char out[PR_MASK_MAX])
{
    size_t n = strnlen(s, PR_MASK_MAX / 2), o = 0;
    if (n == 0) {
        out[0] = '\0';
        return;
    }
    size_t tail = n < 4 ? n : 4, groups = (n - tail + 3) / 4;
    for (size_t g = 0; g < groups; g++) {
        memcpy(out + o, "**** ", 5);
        o += 5;
    }
    memcpy(out + o, s + n - tail, tail);
    out[o + tail] = '\0';
}
