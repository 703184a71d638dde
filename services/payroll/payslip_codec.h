/* services/payroll/payslip_codec.h - a payslip's stored figures: numbers only, a few hundred bytes
 *
 * A payroll run writes one payslip per employee; what it stores (sealed, in
 * payroll.payslips.body_enc) is a pr_payslip_rec_t packed by
 * pr_payslip_encode: every figure the payslip shows or explains itself with,
 * as whole fen, millionths, minutes and counts, and no text. The names,
 * kinds, labels, formulas and sentences are rebuilt when it is read
 * (payslip_render.h), from the scheme version it was computed with (which
 * never changes) and these figures, so the policy figures actually used
 * (floor, cap, rates) are kept here too: a later edit of a city policy
 * never changes an old payslip's explanation.
 *
 * The bytes (format 1):
 *
 *     0x00 0x01                       magic (0: a protobuf message never
 *                                     starts with it) and the format
 *     16 bytes                        the scheme's id
 *     then zigzag varints (LEB128 of (v << 1) ^ (v >> 63)), in this order:
 *     scheme version; n, the n component values; m, the m input values;
 *     base, hourly rate; per overtime kind minutes, pay, multiple;
 *     adjustments taxable, untaxed; wage; the social kinds present (a bit
 *     per kind), per present kind base, employee, employer, floor, cap,
 *     employee rate, employer rate; non-resident; the tax line (months,
 *     cumulative income, deductions, taxable, rate, quick, cumulative tax,
 *     withheld before, tax); the bonus tax (bonus, monthly, rate, quick,
 *     tax); gross, deductions, social employee, social employer, taxable
 *     income, income tax, net; the year so far (months, income, special,
 *     additional, other, withheld).
 *
 * Payslips stored before this format are packed hrflow.v1.Payslip messages;
 * pr_payslip_is_compact tells them apart by the first byte.
 */
#ifndef PR_PAYSLIP_CODEC_H
#define PR_PAYSLIP_CODEC_H

#include "runs.h"

#include <stddef.h>
#include <stdint.h>

#define PR_PAYSLIP_FORMAT 1

/* Every number of one payslip. */
typedef struct {
    uint8_t scheme_id[16];
    int32_t scheme_version;
    uint32_t n_comp;
    int64_t comp[PR_COMPONENTS_MAX];  /* the components' values, in the program's order */
    uint32_t n_inputs;
    int64_t inputs[PR_INPUTS_MAX];    /* the catalogue inputs the formulas name, each once, in
                                         order of first use (pr_payslip_inputs_order) */
    pr_fen_t base, hourly_rate;
    int64_t ot_minutes[3];            /* workday, rest day, holiday */
    pr_fen_t ot_pay[3];
    int64_t ot_multiple[3];           /* millionths: 1.5, 2, 3 */
    pr_fen_t adjust_taxable, adjust_untaxed;
    pr_fen_t wage;                    /* the contribution base before floor and cap */
    unsigned social_present;          /* bit k: the policy had social kind k */
    struct {
        pr_fen_t base, employee, employer, floor, cap;
        int64_t employee_rate, employer_rate;
    } social[PR_SOCIAL_KINDS];
    int non_resident;
    pr_tax_line_t tax;
    pr_tax_bonus_t bonus_tax;
    pr_fen_t gross, deductions, social_employee, social_employer, taxable_income, income_tax,
        net;
    pr_tax_ytd_t ytd;                 /* the year so far after this month */
} pr_payslip_rec_t;

/* The catalogue indices of the inputs program's formulas name, each once:
 * components in the program's order, each one's names in order of first
 * use. Written into ix (room for PR_INPUTS_MAX); returns how many. The
 * order follows the formulas' text, so it is the same whenever the same
 * scheme version is compiled, whatever the catalogue's order. */
size_t pr_payslip_inputs_order(const pr_program_t *program, int ix[PR_INPUTS_MAX]);

/* The record of a payslip computed by pr_slip_compute(plan, in, out),
 * every field set but scheme_id and scheme_version, which are zeroed: the
 * caller sets them after. */
void pr_payslip_rec_of(const pr_slip_plan_t *plan, const pr_slip_in_t *in, const pr_slip_t *out,
                       pr_payslip_rec_t *rec);

/* The longest encoding: every field a 10-byte varint. */
#define PR_PAYSLIP_ENCODED_MAX                                                                \
    (2 + 16 + 10 * (8 + PR_COMPONENTS_MAX + PR_INPUTS_MAX + 11 + 7 * PR_SOCIAL_KINDS + 9 +    \
                    5 + 7 + 6))

/* Pack rec into out (room for PR_PAYSLIP_ENCODED_MAX bytes); returns the
 * length. rec->n_comp <= PR_COMPONENTS_MAX and n_inputs <= PR_INPUTS_MAX. */
size_t pr_payslip_encode(const pr_payslip_rec_t *rec, uint8_t *out);

/* 1 when the len bytes at p begin as pr_payslip_encode's do (any format). */
int pr_payslip_is_compact(const void *p, size_t len);

/* Unpack len bytes into *rec. Returns 0, or -1 for anything that is not
 * a complete format-1 record (another format, truncated, trailing bytes,
 * counts beyond the limits, a varint beyond 64 bits): never reads past
 * len. */
int pr_payslip_decode(const void *p, size_t len, pr_payslip_rec_t *rec);

#endif
