/* services/payroll/overtime.h - overtime pay: 150 % on workdays, 200 % on rest days, 300 % on statutory holidays
 *
 * 劳动法 第四十四条 sets the multiples; 劳社部发〔2008〕3号 sets the month's
 * paid days at 21.75 (365 − 104 rest days − 11 holidays, ÷ 12) and so the
 * daily rate at monthly base ÷ 21.75 and the hourly rate at daily ÷ 8, which
 * is monthly base ÷ 174.
 *
 * Rounding, chosen so a payslip line can be checked by hand: the hourly
 * (daily) rate is rounded to the fen first, as the payslip shows it; the
 * pay is then rate × hours × multiple, rounded to the fen once (money.h's
 * rule). Hours are whole minutes, so 1.5 h is 90.
 *
 * Pure functions, no I/O.
 */
#ifndef PR_OVERTIME_H
#define PR_OVERTIME_H

#include "money.h"

typedef enum {
    PR_OVERTIME_WORKDAY = 0, /* 延长工作时间: 150 % */
    PR_OVERTIME_REST_DAY,    /* 休息日, no compensatory rest given: 200 % */
    PR_OVERTIME_HOLIDAY,     /* 法定休假日: 300 % */
} pr_overtime_kind_t;

/* The multiple of a kind in millionths: 1500000, 2000000, 3000000. */
int64_t pr_overtime_multiple(pr_overtime_kind_t kind);

/* Monthly base ÷ 21.75, rounded to the fen. */
pr_fen_t pr_overtime_daily_rate(pr_fen_t monthly_base);

/* Monthly base ÷ 174 (21.75 days of 8 hours), rounded to the fen. */
pr_fen_t pr_overtime_hourly_rate(pr_fen_t monthly_base);

/* The pay for `minutes` (>= 0) of overtime of a kind on monthly_base:
 * hourly rate × minutes ÷ 60 × multiple, rounded once. */
pr_fen_t pr_overtime_pay(pr_fen_t monthly_base, pr_overtime_kind_t kind, int64_t minutes);

#endif
