/* services/payroll/employees_handlers.c - the RPC methods of the employee archive, one function each
 *
 * Payroll (and admin) keys only: recruiters never see employees or
 * salaries. A handler opens the caller's store, checks the request (every
 * problem a detail at its field, nothing written) and asks
 * employees_store.c. An employee belongs to a company: a path id of
 * another company's employee is NOT_FOUND, as a made-up one; a company id
 * in a body the caller does not act for is INVALID_ARGUMENT at its field
 * (docs/api.md, "Ids in paths and ids in bodies"). Reads answer ID numbers
 * and bank accounts masked; RevealEmployee answers them for a key holding
 * the pii scope (admin holds it) and writes who, which fields and why.
 */
#include "employees_handlers.h"
#include "employee_fields.h"
#include "employees_store.h"

#include "hf/service.h"
#include "hf/store.h"
#include "hf/text.h"

#include <stdio.h>
#include <string.h>

#define E(code) HRFLOW__V1__ERROR_CODE__##code
#define TEXT_MAX 100
#define ALLOWANCES_MAX 20

/* ---- checks ---- */

/* A detail at field; returns 1 for `bad += …`. */
static int problem(hf_call_t *call, const char *field, const char *code, const char *msg)
{
    hf_call_detail(call, field, code, msg);
    return 1;
}

static int text_bad(hf_call_t *call, const char *field, const char *s, uint32_t min)
{
    hf_text_problem_t why;
    hf_text_rule_t rule = { HF_TEXT_LINE, min, TEXT_MAX };
    if (hf_text_check(s, strlen(s), rule, &why) == 0)
        return 0;
    return problem(call, field, why.code, why.message);
}

/* "YYYY-MM-DD" of a Date in the arena, or "" for none. */
static const char *day_of(hf_store_t *st, const Hrflow__V1__Date *d)
{
    return d ? hf_arena_printf(st->arena, "%04d-%02d-%02d", d->year, d->month, d->day) : "";
}

/* "YYYY-MM-01" of a month "YYYY-MM" (2000-2099) in the arena, or NULL. */
static const char *month_start(hf_store_t *st, const char *m)
{
    int y, mo;
    char tail;
    if (strlen(m) != 7 || sscanf(m, "%4d-%2d%c", &y, &mo, &tail) != 2 || y < 2000 || y > 2099 ||
        mo < 1 || mo > 12 || m[4] != '-')
        return NULL;
    return hf_arena_printf(st->arena, "%04d-%02d-01", y, mo);
}

static int money_bad(hf_call_t *call, const char *field, const char *s, pr_fen_t *fen)
{
    pr_money_err_t e = pr_money_parse(s, 0, fen);
    return e == PR_MONEY_OK ? 0 : problem(call, field, "bad_format", pr_money_strerror(e));
}

static int open_pay(hf_call_t *call, hf_store_t *st, const char *action)
{
    return hf_store_open(call, st) == 0 ? hf_store_require(st, HF_SCOPE_PAYROLL, action) : -1;
}

/* An employee of a company the caller acts for, or NULL after failing the
 * call with the answer of one that does not exist. */
static Hrflow__V1__Employee *visible_employee(hf_store_t *st, const char *id)
{
    Hrflow__V1__Employee *e = NULL;
    int rc = hf_uuid_valid(id) ? pr_employee_get(st, id, &e) : HF_ENOTFOUND;
    if (rc == HF_OK && !hf_store_sees_company(st, e->company_id))
        rc = HF_ENOTFOUND;
    if (rc != HF_OK) {
        hf_store_fail(st, rc, "employee", id);
        return NULL;
    }
    return e;
}

/* The same, opened for a payroll key: the employee of the path. */
static Hrflow__V1__Employee *open_employee(hf_call_t *call, hf_store_t *st, const char *id,
                                           const char *action)
{
    return open_pay(call, st, action) == 0 ? visible_employee(st, id) : NULL;
}

/* A company of the group (asked of identity as the caller) the caller acts
 * for; 0, 1 after a detail at field, or -1 after failing the call. */
int pr_company_bad(hf_store_t *st, const char *company, const char *field)
{
    hf_call_t *call = st->call;
    if (!hf_uuid_valid(company))
        return problem(call, field, *company ? "bad_format" : "required",
                       "a company id of the group");
    int known = hf_store_company_known(st, company);
    if (known < 0)
        return -1;
    return known ? 0 : problem(call, field, "not_found", "not a company this key acts for");
}

/* Check the fields of e named by the mask bits into p (canonical forms in
 * the arena); the number of problems (details added). */
enum { F_NO = 1, F_NAME = 2, F_ID_TYPE = 4, F_ID = 8, F_BANK = 16, F_PHONE = 32, F_HIRE = 64 };
#define F_ALL (F_NO | F_NAME | F_ID_TYPE | F_ID | F_BANK | F_PHONE | F_HIRE)

static int employee_bad(hf_store_t *st, const Hrflow__V1__Employee *e, unsigned fields,
                        const char *id_type, pr_employee_patch_t *p)
{
    hf_call_t *call = st->call;
    int bad = 0;
    if (fields & F_NO) {
        bad += text_bad(call, "employee.employee_no", e->employee_no, 1);
        p->employee_no = e->employee_no;
    }
    if (fields & F_NAME) {
        bad += text_bad(call, "employee.name", e->name, 1);
        p->name = e->name;
    }
    if (fields & F_ID_TYPE) {
        if (!pr_id_type_known(id_type))
            bad += problem(call, "employee.id_type", "unknown_value",
                           "one of resident_id, passport, hk_macao_permit, taiwan_permit, "
                           "foreigner_permit, other");
        p->id_type = id_type;
    }
    if ((fields & F_ID) && *e->id_number && pr_id_type_known(id_type)) {
        char canon[PR_ID_NUMBER_MAX + 1];
        pr_field_err_t err = pr_id_number_check(id_type, e->id_number, canon);
        if (err != PR_FIELD_OK) {
            char msg[96];
            snprintf(msg, sizeof(msg), "the ID number %s", pr_field_strerror(err));
            bad += problem(call, "employee.id_number",
                           err == PR_FIELD_CHECK_DIGIT ? "check_digit" : "bad_format", msg);
        }
        p->id_number = hf_store_strdup(st, canon);
    } else if (fields & F_ID) {
        p->id_number = "";
    }
    if (fields & F_BANK) {
        char digits[PR_BANK_ACCOUNT_MAX + 1] = "";
        if (*e->bank_account && pr_bank_account_check(e->bank_account, digits) != PR_FIELD_OK)
            bad += problem(call, "employee.bank_account", "bad_format",
                           "10 to 30 digits (spaces and dashes between groups are fine)");
        p->bank_account = hf_store_strdup(st, digits);
    }
    if (fields & F_PHONE) {
        char norm[HF_PII_PHONE_MAX] = "";
        if (*e->phone && hf_pii_normalize_phone(e->phone, norm, sizeof(norm)) < 0)
            bad += problem(call, "employee.phone", "bad_format", "a phone number");
        p->phone = hf_store_strdup(st, norm);
    }
    if (fields & F_HIRE)
        p->hire_date = day_of(st, e->hire_date);
    return bad;
}

/* The answer to a taken employee number or ID number. */
static int taken_fail(hf_call_t *call, const char *taken)
{
    int no = !strcmp(taken, "employee_no");
    hf_call_detail(call, no ? "employee.employee_no" : "employee.id_number", "already_exists",
                   no ? "the company has an employee with this number"
                      : "the tenant has an employee with this ID number");
    return hf_call_fail(call, E(ALREADY_EXISTS), "an employee with this %s exists already",
                        no ? "employee number" : "ID number");
}

static int reply_with(ProtobufCMessage **reply, void *m)
{
    *reply = m;
    return 0;
}

/* ---- employees ---- */

PR_HANDLER(payroll_create_employee)
{
    const Hrflow__V1__CreateEmployeeRequest *r = (const void *)req;
    hf_store_t st;
    if (open_pay(call, &st, "add employees") < 0)
        return -1;
    if (!r->employee)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "employee is required");
    const Hrflow__V1__Employee *e = r->employee;
    const char *status = *e->status ? e->status : "draft";
    pr_employee_patch_t p = { 0 };
    int bad = employee_bad(&st, e, F_ALL, *e->id_type ? e->id_type : "resident_id", &p);
    bad += text_bad(call, "employee.department", e->department, 0);
    bad += text_bad(call, "employee.position", e->position, 0);
    bad += text_bad(call, "employee.grade", e->grade, 0);
    bad += text_bad(call, "employee.city", e->city, 0);
    p.department = e->department;
    p.position = e->position;
    p.grade = e->grade;
    p.city = e->city;
    if (strcmp(status, "draft") && strcmp(status, "active"))
        bad += problem(call, "employee.status", "unknown_value", "draft or active");
    else if (!strcmp(status, "active") && !e->hire_date)
        bad += problem(call, "employee.hire_date", "required", "an active employee's hire date");
    int c = pr_company_bad(&st, e->company_id, "employee.company_id");
    if (c < 0)
        return -1;
    if (bad + c)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the employee is invalid");
    const char *taken = "";
    Hrflow__V1__Employee *out = NULL;
    int rc = pr_employee_create(&st, e->company_id, status, &p, &out, &taken);
    if (rc == HF_EEXISTS)
        return taken_fail(call, taken);
    return rc == HF_OK ? reply_with(reply, out) : hf_store_fail(&st, rc, "employee", "");
}

PR_HANDLER(payroll_get_employee)
{
    const Hrflow__V1__GetEmployeeRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Employee *e = open_employee(call, &st, r->id, "see employees");
    return e ? reply_with(reply, e) : -1;
}

PR_HANDLER(payroll_list_employees)
{
    const Hrflow__V1__ListEmployeesRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (open_pay(call, &st, "see employees") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    if (*r->company_id && (!hf_uuid_valid(r->company_id) ||
                           !hf_store_sees_company(&st, r->company_id)))
        return hf_call_fail(call, E(NOT_FOUND), "company %s not found", r->company_id);
    if (*r->status && strcmp(r->status, "draft") && strcmp(r->status, "active") &&
        strcmp(r->status, "left")) {
        problem(call, "status", "unknown_value", "draft, active or left");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "status %s is unknown", r->status);
    }
    Hrflow__V1__ListEmployeesResponse *o = HF_CALL_NEW(
        call, Hrflow__V1__ListEmployeesResponse, hrflow__v1__list_employees_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = pr_employee_list(&st, r->company_id, r->status, r->department, &page,
                              &o->employees, &o->n_employees);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "employee", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    return reply_with(reply, o);
}

/* The employee of the path opened for a change, when it is still at the
 * version asked for (If-Match; 0 = any): else NULL after failing the call
 * (CONFLICT when it moved on). */
static Hrflow__V1__Employee *open_change(hf_call_t *call, hf_store_t *st, const char *id,
                                         int64_t expected)
{
    Hrflow__V1__Employee *e = open_employee(call, st, id, "change employees");
    if (e && expected && expected != e->version) {
        hf_store_fail(st, HF_ECONFLICT, "employee", e->id);
        return NULL;
    }
    return e;
}

PR_HANDLER(payroll_update_employee)
{
    const Hrflow__V1__UpdateEmployeeRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Employee *e = open_change(call, &st, r->id, r->expected_version);
    if (!e)
        return -1;
    static const Hrflow__V1__Employee empty = HRFLOW__V1__EMPLOYEE__INIT;
    const Hrflow__V1__Employee *in = r->employee ? r->employee : &empty;
    static const struct {
        const char *proto, *json;
        unsigned bit;
    } updatable[] = { { "employee_no", "employeeNo", F_NO },
                      { "name", "name", F_NAME },
                      { "id_type", "idType", F_ID_TYPE },
                      { "id_number", "idNumber", F_ID },
                      { "bank_account", "bankAccount", F_BANK },
                      { "phone", "phone", F_PHONE },
                      { "hire_date", "hireDate", F_HIRE } };
    unsigned fields = 0;
    for (size_t k = 0; k < r->n_update_mask; k++) {
        unsigned bit = 0;
        for (size_t u = 0; u < sizeof(updatable) / sizeof(updatable[0]); u++)
            if (!strcmp(r->update_mask[k], updatable[u].proto) ||
                !strcmp(r->update_mask[k], updatable[u].json))
                bit = updatable[u].bit;
        if (!bit) {
            char f[48];
            snprintf(f, sizeof(f), "update_mask[%zu]", k);
            problem(call, f, "not_updatable",
                    "company, department, position, grade and city change by a position "
                    "change; status by :activate and :leave");
            return hf_call_fail(call, E(INVALID_ARGUMENT), "field %s cannot be changed",
                                r->update_mask[k]);
        }
        fields |= bit;
    }
    if ((fields & F_ID_TYPE) && !(fields & F_ID)) {
        problem(call, "employee.id_number", "required", "a number of the new ID type");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the employee is invalid");
    }
    const char *id_type = (fields & F_ID_TYPE) ? in->id_type : e->id_type;
    pr_employee_patch_t p = { 0 };
    if (employee_bad(&st, in, fields, id_type, &p))
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the employee is invalid");
    const char *taken = "";
    Hrflow__V1__Employee *out = NULL;
    int rc = pr_employee_update(&st, e, &p, &out, &taken);
    if (rc == HF_EEXISTS)
        return taken_fail(call, taken);
    return rc == HF_OK ? reply_with(reply, out) : hf_store_fail(&st, rc, "employee", e->id);
}

PR_HANDLER(payroll_activate_employee)
{
    const Hrflow__V1__ActivateEmployeeRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Employee *e = open_change(call, &st, r->id, r->expected_version);
    if (!e)
        return -1;
    if (strcmp(e->status, "draft"))
        return hf_call_fail(call, E(FAILED_PRECONDITION), "employee %s is %s, not a draft",
                            e->id, e->status);
    if (!r->hire_date && !e->hire_date) {
        problem(call, "hire_date", "required", "the day the employee starts");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "hire_date is required");
    }
    Hrflow__V1__Employee *out = NULL;
    int rc = pr_employee_set_status(&st, e->id, e->version, "active", day_of(&st, r->hire_date),
                                    "", &out);
    return rc == HF_OK ? reply_with(reply, out) : hf_store_fail(&st, rc, "employee", e->id);
}

PR_HANDLER(payroll_leave_employee)
{
    const Hrflow__V1__LeaveEmployeeRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Employee *e = open_change(call, &st, r->id, r->expected_version);
    if (!e)
        return -1;
    if (strcmp(e->status, "active"))
        return hf_call_fail(call, E(FAILED_PRECONDITION), "employee %s is %s, not active",
                            e->id, e->status);
    int bad = text_bad(call, "reason", r->reason, 0);
    const char *day = day_of(&st, r->leave_date);
    if (!r->leave_date)
        bad += problem(call, "leave_date", "required", "the employee's last day");
    else if (e->hire_date && strcmp(day, day_of(&st, e->hire_date)) < 0)
        bad += problem(call, "leave_date", "out_of_range", "not before the hire date");
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the leave is invalid");
    Hrflow__V1__Employee *out = NULL;
    int rc = pr_employee_set_status(&st, e->id, e->version, "left", day, r->reason, &out);
    return rc == HF_OK ? reply_with(reply, out) : hf_store_fail(&st, rc, "employee", e->id);
}

/* ---- reveals ---- */

PR_HANDLER(payroll_reveal_employee)
{
    const Hrflow__V1__RevealEmployeeRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Employee *e = open_employee(call, &st, r->id, "see employees");
    if (!e || hf_store_require(&st, HF_SCOPE_PII, "reveal ID numbers and bank accounts") < 0)
        return -1;
    int want_id = 0, want_bank = 0, bad = 0;
    for (size_t k = 0; k < r->n_fields; k++) {
        const char *f = r->fields[k];
        if (!strcmp(f, "id_number") || !strcmp(f, "idNumber"))
            want_id = 1;
        else if (!strcmp(f, "bank_account") || !strcmp(f, "bankAccount"))
            want_bank = 1;
        else
            bad += problem(call, "fields", "unknown_value", "id_number or bank_account");
    }
    if (!want_id && !want_bank && !bad)
        bad += problem(call, "fields", "required", "id_number and/or bank_account");
    hf_text_problem_t why;
    if (hf_text_check(r->reason, strlen(r->reason), (hf_text_rule_t){ HF_TEXT_LINE, 2, 500 },
                      &why) < 0)
        bad += problem(call, "reason", why.code, "why the values are needed (kept in the audit)");
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the reveal is invalid");
    Hrflow__V1__RevealEmployeeResponse *o =
        HF_CALL_NEW(call, Hrflow__V1__RevealEmployeeResponse,
                    hrflow__v1__reveal_employee_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = pr_employee_reveal(&st, e, want_id, want_bank, r->reason, &o->id_number,
                                &o->bank_account, &o->reveal_id);
    return rc == HF_OK ? reply_with(reply, o) : hf_store_fail(&st, rc, "employee", e->id);
}

PR_HANDLER(payroll_list_reveals)
{
    const Hrflow__V1__ListRevealsRequest *r = (const void *)req;
    hf_store_t st;
    hf_page_t page;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require(&st, HF_SCOPE_ADMIN, "read the audit of reveals") < 0 ||
        hf_page_open(&st, r->page_size, r->page_token, NULL, &page) < 0)
        return -1;
    if (*r->employee_id && !visible_employee(&st, r->employee_id))
        return -1;
    Hrflow__V1__ListRevealsResponse *o = HF_CALL_NEW(call, Hrflow__V1__ListRevealsResponse,
                                                     hrflow__v1__list_reveals_response__init);
    if (!o)
        return hf_call_fail(call, E(INTERNAL), "out of memory");
    int rc = pr_reveal_list(&st, r->employee_id, &page, &o->reveals, &o->n_reveals);
    if (rc != HF_OK)
        return hf_store_fail(&st, rc, "reveal", "");
    o->next_page_token = hf_arena_strdup(hf_call_arena(call), page.next);
    return reply_with(reply, o);
}

/* ---- compensation and tax profiles ---- */

PR_HANDLER(payroll_set_compensation)
{
    const Hrflow__V1__SetCompensationRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Employee *e = open_employee(call, &st, r->employee_id, "change pay");
    if (!e)
        return -1;
    static const Hrflow__V1__Compensation none = HRFLOW__V1__COMPENSATION__INIT;
    const Hrflow__V1__Compensation *c = r->compensation ? r->compensation : &none;
    const char *month = month_start(&st, c->effective_month);
    pr_fen_t base = 0, amounts[ALLOWANCES_MAX];
    char *names[ALLOWANCES_MAX];
    int bad = month ? 0 : problem(call, "compensation.effective_month", "bad_format", "YYYY-MM");
    bad += money_bad(call, "compensation.base_salary", c->base_salary, &base);
    if (c->n_allowances > ALLOWANCES_MAX)
        bad += problem(call, "compensation.allowances", "too_many", "at most 20 allowances");
    for (size_t i = 0; i < c->n_allowances && i < ALLOWANCES_MAX; i++) {
        char f[64];
        snprintf(f, sizeof(f), "compensation.allowances[%zu].name", i);
        bad += text_bad(call, f, c->allowances[i]->name, 1);
        for (size_t k = 0; k < i; k++)
            if (!strcmp(c->allowances[k]->name, c->allowances[i]->name))
                bad += problem(call, f, "duplicate", "each allowance once");
        snprintf(f, sizeof(f), "compensation.allowances[%zu].amount", i);
        bad += money_bad(call, f, c->allowances[i]->amount, &amounts[i]);
        names[i] = c->allowances[i]->name;
    }
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the compensation is invalid");
    Hrflow__V1__Compensation *out = NULL;
    int rc = pr_compensation_set(&st, e->id, month, base, names, amounts, c->n_allowances, &out);
    return rc == HF_OK ? reply_with(reply, out) : hf_store_fail(&st, rc, "employee", e->id);
}

PR_HANDLER(payroll_set_tax_profile)
{
    const Hrflow__V1__SetTaxProfileRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Employee *e = open_employee(call, &st, r->employee_id, "change tax profiles");
    if (!e)
        return -1;
    static const Hrflow__V1__TaxProfile none = HRFLOW__V1__TAX_PROFILE__INIT;
    const Hrflow__V1__TaxProfile *t = r->tax_profile ? r->tax_profile : &none;
    const char *month = month_start(&st, t->effective_month);
    const char *residency = *t->residency ? t->residency : "resident";
    const char *bonus = *t->bonus_tax ? t->bonus_tax : "separate";
    pr_fen_t d[PR_DEDUCTION_KINDS] = { 0 };
    int bad = month ? 0 : problem(call, "tax_profile.effective_month", "bad_format", "YYYY-MM");
    if (strcmp(residency, "resident") && strcmp(residency, "non_resident"))
        bad += problem(call, "tax_profile.residency", "unknown_value", "resident or non_resident");
    if (strcmp(bonus, "separate") && strcmp(bonus, "merged"))
        bad += problem(call, "tax_profile.bonus_tax", "unknown_value", "separate or merged");
    for (size_t i = 0; i < t->n_special_deductions; i++) {
        const Hrflow__V1__SpecialDeduction *s = t->special_deductions[i];
        char f[64];
        size_t k = 0;
        while (k < PR_DEDUCTION_KINDS && strcmp(s->kind, pr_deduction_kinds[k]))
            k++;
        snprintf(f, sizeof(f), "tax_profile.special_deductions[%zu].kind", i);
        if (k == PR_DEDUCTION_KINDS)
            bad += problem(call, f, "unknown_value",
                           "children_education, continuing_education, housing_loan_interest, "
                           "housing_rent, elderly_support or infant_care");
        else if (d[k])
            bad += problem(call, f, "duplicate", "each kind once");
        snprintf(f, sizeof(f), "tax_profile.special_deductions[%zu].amount", i);
        pr_fen_t v = 0;
        bad += money_bad(call, f, s->amount, &v);
        if (k < PR_DEDUCTION_KINDS)
            d[k] = v;
    }
    if (d[2] && d[3])
        bad += problem(call, "tax_profile.special_deductions", "conflict",
                       "housing loan interest or housing rent, not both");
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the tax profile is invalid");
    Hrflow__V1__TaxProfile *out = NULL;
    int rc = pr_tax_profile_set(&st, e->id, month, residency, bonus, d, &out);
    return rc == HF_OK ? reply_with(reply, out) : hf_store_fail(&st, rc, "employee", e->id);
}

/* ---- contracts ---- */

PR_HANDLER(payroll_create_contract)
{
    const Hrflow__V1__CreateContractRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Employee *e = open_employee(call, &st, r->employee_id, "add contracts");
    if (!e)
        return -1;
    static const Hrflow__V1__Contract none = HRFLOW__V1__CONTRACT__INIT;
    const Hrflow__V1__Contract *c = r->contract ? r->contract : &none;
    const char *start = day_of(&st, c->start_date), *end = day_of(&st, c->end_date),
               *probation = day_of(&st, c->probation_end);
    int bad = 0, open_ended = !strcmp(c->type, "open_ended");
    if (!open_ended && strcmp(c->type, "fixed_term") && strcmp(c->type, "internship") &&
        strcmp(c->type, "labour_service"))
        bad += problem(call, "contract.type", *c->type ? "unknown_value" : "required",
                       "fixed_term, open_ended, internship or labour_service");
    if (!*start)
        bad += problem(call, "contract.start_date", "required", "the first day of the term");
    if (!*end && !open_ended)
        bad += problem(call, "contract.end_date", "required", "the last day of the term");
    else if (*end && *start && strcmp(end, start) <= 0)
        bad += problem(call, "contract.end_date", "out_of_range", "after the start date");
    if (*probation && (strcmp(probation, start) < 0 || (*end && strcmp(probation, end) > 0)))
        bad += problem(call, "contract.probation_end", "out_of_range", "inside the term");
    if (*c->previous_contract_id && !hf_uuid_valid(c->previous_contract_id))
        bad += problem(call, "contract.previous_contract_id", "bad_format", "a contract id");
    if (bad)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the contract is invalid");
    Hrflow__V1__Contract *out = NULL;
    int rc = pr_contract_create(&st, e->id, c->type, start, end, probation,
                                c->previous_contract_id, &out);
    if (rc == HF_ENOTFOUND) {
        problem(call, "contract.previous_contract_id", "not_found", "a contract of the employee");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the contract renews none of this employee");
    }
    if (rc == HF_EEXISTS) {
        problem(call, "contract.previous_contract_id", "already_exists", "renewed already");
        return hf_call_fail(call, E(ALREADY_EXISTS), "contract %s was renewed already",
                            c->previous_contract_id);
    }
    return rc == HF_OK ? reply_with(reply, out) : hf_store_fail(&st, rc, "contract", "");
}

/* ---- position changes ---- */

PR_HANDLER(payroll_create_position_change)
{
    const Hrflow__V1__CreatePositionChangeRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__Employee *e = open_employee(call, &st, r->employee_id, "change positions");
    if (!e)
        return -1;
    static const Hrflow__V1__PositionChange none = HRFLOW__V1__POSITION_CHANGE__INIT;
    const Hrflow__V1__PositionChange *c = r->change ? r->change : &none;
    const char *day = day_of(&st, c->effective_date);
    int bad = *day ? 0 : problem(call, "change.effective_date", "required", "the first day");
    bad += text_bad(call, "change.department", c->department, 0);
    bad += text_bad(call, "change.position", c->position, 0);
    bad += text_bad(call, "change.grade", c->grade, 0);
    bad += text_bad(call, "change.city", c->city, 0);
    bad += text_bad(call, "change.reason", c->reason, 0);
    if (!*c->department && !*c->position && !*c->grade && !*c->city && !*c->company_id)
        bad += problem(call, "change", "required",
                       "at least one of department, position, grade, companyId, city");
    int cb = *c->company_id ? pr_company_bad(&st, c->company_id, "change.company_id") : 0;
    if (cb < 0)
        return -1;
    if (bad + cb)
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the position change is invalid");
    Hrflow__V1__PositionChange *out = NULL;
    int rc = pr_position_change_create(&st, e->id, c, day, &out);
    return rc == HF_OK ? reply_with(reply, out) : hf_store_fail(&st, rc, "employee", e->id);
}

/* ---- an employee's histories ---- */

/* Answer a list of employee_id's history (pay, tax profiles, contracts,
 * position changes): a new message of type d whose first field, repeated,
 * holds what fn finds for the employee of the path (opened for action). */
static int history_reply(hf_call_t *call, const char *employee_id, const char *action,
                         const ProtobufCMessageDescriptor *d, pr_history_fn fn,
                         ProtobufCMessage **reply)
{
    hf_store_t st;
    Hrflow__V1__Employee *e = open_employee(call, &st, employee_id, action);
    ProtobufCMessage *m = e ? hf_store_alloc(&st, d->sizeof_message) : NULL;
    if (!m)
        return e ? hf_call_fail(call, E(INTERNAL), "out of memory") : -1;
    d->message_init(m);
    const ProtobufCFieldDescriptor *f = &d->fields[0];
    int rc = fn(&st, e->id, (void ***)((char *)m + f->offset),
                (size_t *)((char *)m + f->quantifier_offset));
    return rc == HF_OK ? reply_with(reply, m) : hf_store_fail(&st, rc, "employee", e->id);
}

PR_HANDLER(payroll_list_compensations)
{
    const Hrflow__V1__ListCompensationsRequest *r = (const void *)req;
    return history_reply(call, r->employee_id, "see pay",
                         &hrflow__v1__list_compensations_response__descriptor,
                         pr_compensation_list, reply);
}

PR_HANDLER(payroll_list_tax_profiles)
{
    const Hrflow__V1__ListTaxProfilesRequest *r = (const void *)req;
    return history_reply(call, r->employee_id, "see tax profiles",
                         &hrflow__v1__list_tax_profiles_response__descriptor,
                         pr_tax_profile_list, reply);
}

PR_HANDLER(payroll_list_contracts)
{
    const Hrflow__V1__ListContractsRequest *r = (const void *)req;
    return history_reply(call, r->employee_id, "see contracts",
                         &hrflow__v1__list_contracts_response__descriptor, pr_contract_list,
                         reply);
}

PR_HANDLER(payroll_list_position_changes)
{
    const Hrflow__V1__ListPositionChangesRequest *r = (const void *)req;
    return history_reply(call, r->employee_id, "see positions",
                         &hrflow__v1__list_position_changes_response__descriptor,
                         pr_position_change_list, reply);
}

/* ---- settings ---- */

PR_HANDLER(payroll_get_employee_settings)
{
    (void)req;
    hf_store_t st;
    Hrflow__V1__EmployeeSettings *s = NULL;
    if (open_pay(call, &st, "see employee settings") < 0)
        return -1;
    int rc = pr_employee_settings_get(&st, &s);
    return rc == HF_OK ? reply_with(reply, s) : hf_store_fail(&st, rc, "settings", "");
}

PR_HANDLER(payroll_update_employee_settings)
{
    const Hrflow__V1__UpdateEmployeeSettingsRequest *r = (const void *)req;
    hf_store_t st;
    Hrflow__V1__EmployeeSettings *s = NULL;
    if (hf_store_open(call, &st) < 0 ||
        hf_store_require_group(&st, HF_SCOPE_ADMIN, "change employee settings") < 0)
        return -1;
    uint32_t days = r->settings ? r->settings->contract_alert_days : 0;
    if (days < 1 || days > 365) {
        problem(call, "settings.contract_alert_days", "out_of_range", "1 to 365 days");
        return hf_call_fail(call, E(INVALID_ARGUMENT), "the settings are invalid");
    }
    int rc = pr_employee_settings_set(&st, days, &s);
    return rc == HF_OK ? reply_with(reply, s) : hf_store_fail(&st, rc, "settings", "");
}
