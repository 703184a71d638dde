/* services/payroll/employee_fields.h - checks and masks of an employee's identity and bank fields
 *
 * Pure functions, no I/O: the handlers check what they are given with them
 * before anything is sealed, and the reads mask what they answer with them.
 * A resident ID (居民身份证号码, GB 11643-1999) is 17 digits (region, birth
 * date, sequence) and a check character: the weighted sum of the 17 digits
 * (weights 2^(17-i) mod 11) mod 11 picks it from "10X98765432". A bank
 * account is 10 to 30 digits; spaces and dashes people type between groups
 * are dropped.
 */
#ifndef PR_EMPLOYEE_FIELDS_H
#define PR_EMPLOYEE_FIELDS_H

#include <stddef.h>

#define PR_RESIDENT_ID_LEN 18
#define PR_ID_NUMBER_MAX 32      /* other documents: 1-32 letters, digits and '-' */
#define PR_BANK_ACCOUNT_MIN 10
#define PR_BANK_ACCOUNT_MAX 30
#define PR_MASK_MAX 64           /* room for any mask below, with its NUL */

/* Why an ID number or bank account is refused (0 = it is fine). */
typedef enum {
    PR_FIELD_OK = 0,
    PR_FIELD_LENGTH,      /* the wrong number of characters */
    PR_FIELD_CHARACTERS,  /* a character that does not belong */
    PR_FIELD_BIRTH_DATE,  /* a resident ID whose birth date is no real day */
    PR_FIELD_CHECK_DIGIT, /* a resident ID whose check character does not match */
} pr_field_err_t;

/* A sentence for an error detail: "must be 18 characters", … Static. */
const char *pr_field_strerror(pr_field_err_t e);

/* 1 when type is one of the ID types (resident_id, passport,
 * hk_macao_permit, taiwan_permit, foreigner_permit, other), else 0. */
int pr_id_type_known(const char *type);

/* Check an ID number of the given type (a known one) and write its
 * canonical form into out (upper case; a resident ID's 'x' becomes 'X'):
 * the form whose blind index makes it unique. out has room for
 * PR_ID_NUMBER_MAX + 1; it is "" on failure. */
pr_field_err_t pr_id_number_check(const char *type, const char *s,
                                  char out[PR_ID_NUMBER_MAX + 1]);

/* The check character of a resident ID's first 17 digits ('0'-'9' or 'X'),
 * or 0 when they are not 17 digits. */
char pr_resident_id_check_char(const char *first17);

/* Check a bank account and write its digits into out (room for
 * PR_BANK_ACCOUNT_MAX + 1; "" on failure). */
pr_field_err_t pr_bank_account_check(const char *s, char out[PR_BANK_ACCOUNT_MAX + 1]);

/* The masked form of an ID number: its first four and last four characters
 * with a '*' for each between ("1101**********1234"); a short one (fewer
 * than 10) keeps its last two only ("*******34"). "" stays "". */
void pr_mask_id_number(const char *s, char out[PR_MASK_MAX]);

/* The masked form of a bank account: groups of four stars and the last
 * four digits ("**** **** **** 1234"), the number of groups that of its
 * full length; "" stays "". */
void pr_mask_bank_account(const char *s, char out[PR_MASK_MAX]);

#endif
