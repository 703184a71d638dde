/* services/payroll/overtime.c - overtime pay from the monthly base (overtime.h says the rules) */
#include "overtime.h"

int64_t pr_overtime_multiple(pr_overtime_kind_t kind)
{
    switch (kind) {
    case PR_OVERTIME_WORKDAY: return 1500000;
    case PR_OVERTIME_REST_DAY: return 2000000;
    case PR_OVERTIME_HOLIDAY: return 3000000;
    }
    return 0;
}

pr_fen_t pr_overtime_daily_rate(pr_fen_t monthly_base)
{
    return pr_money_ratio(monthly_base, 100, 2175);
}

pr_fen_t pr_overtime_hourly_rate(pr_fen_t monthly_base)
{
    return pr_money_ratio(monthly_base, 1, 174);
}

pr_fen_t pr_overtime_pay(pr_fen_t monthly_base, pr_overtime_kind_t kind, int64_t minutes)
{
    __int128 num = (__int128)pr_overtime_hourly_rate(monthly_base) * minutes *
                   pr_overtime_multiple(kind);
    return pr_round_div(num, (__int128)60 * PR_RATE_ONE);
}
