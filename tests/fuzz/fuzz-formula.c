/* tests/fuzz/fuzz-formula.c - fuzz target of the pay schemes' formula language (services/payroll/formula*.c)
 *
 * The input is a scheme: each line a component's formula, the components
 * named c0, c1, … (so formulas may name one another, cycles included), the
 * first byte choosing each one's kind (bit i: earning, else info). The
 * promises checked:
 *   - a refused scheme has at least one error, each with a code, a message,
 *     a component in range and a column within its formula;
 *   - a compiled scheme evaluates for an employee with every input 0 and
 *     with inputs taken from the input's bytes, each time either every
 *     component has a value or one named component fails with a division by
 *     zero or an overflow, and twice the same;
 *   - money components stay within PR_MONEY_MAX.
 * A broken promise is an abort(), so libFuzzer (run.sh formula, clang) and
 * the corpus replay (the unit suite) both report it. ASan finds leaks and
 * bad accesses, UBSan any arithmetic that wraps.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/payroll/formula.h"
#include "../../services/payroll/money.h"

int fuzz_formula_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_MAX 12

static void fail(const char *what)
{
    fprintf(stderr, "fuzz-formula: %s\n", what);
    abort();
}

static void evaluate(const pr_program_t *p, const int64_t *in)
{
    size_t n = pr_program_count(p);
    int64_t out[N_MAX], again[N_MAX];
    pr_eval_error_t e = { 0, -1 }, e2 = { 0, -1 };
    int rc = pr_program_eval(p, in, out, &e), rc2 = pr_program_eval(p, in, again, &e2);
    if (rc != rc2)
        fail("two evaluations disagree");
    if (rc < 0) {
        if (e.code != PR_F_DIV_ZERO && e.code != PR_F_OVERFLOW)
            fail("an evaluation error that is neither division by zero nor overflow");
        if (e.component < 0 || (size_t)e.component >= n || e.component != e2.component)
            fail("an evaluation error without its component");
        return;
    }
    for (size_t i = 0; i < n; i++) {
        if (out[i] != again[i])
            fail("two evaluations give different values");
        if (pr_program_type(p, i) == PR_T_MONEY && (out[i] > PR_MONEY_MAX || out[i] < -PR_MONEY_MAX))
            fail("an amount beyond PR_MONEY_MAX");
    }
}

int fuzz_formula_input(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    char *text = malloc(size);
    if (!text)
        return 0;
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    pr_component_src_t c[N_MAX];
    char names[N_MAX][8];
    size_t n = 0;
    for (char *line = text, *nl; line && n < N_MAX; line = nl) {
        nl = strchr(line, '\n');
        if (nl)
            *nl++ = 0;
        snprintf(names[n], sizeof(names[n]), "c%zu", n);
        c[n] = (pr_component_src_t){ names[n], data[0] >> n & 1 ? PR_KIND_EARNING : PR_KIND_INFO,
                                     line };
        n++;
    }
    pr_ferror_t errs[N_MAX];
    size_t n_errs = 0;
    pr_program_t *p = pr_program_compile(c, n, errs, N_MAX, &n_errs);
    if (!p) {
        if (n_errs == 0)
            fail("refused without an error");
        for (size_t i = 0; i < n_errs; i++) {
            if (errs[i].code == PR_F_OK || !errs[i].message[0])
                fail("an error without code or message");
            if (errs[i].component < -1 || errs[i].component >= (int)n)
                fail("an error's component out of range");
            if (errs[i].component >= 0 &&
                errs[i].column > strlen(c[errs[i].component].formula) + 1)
                fail("an error's column beyond its formula");
        }
        free(text);
        return 0;
    }
    if (n_errs != 0 || pr_program_count(p) != n)
        fail("compiled with errors, or with another number of components");
    int64_t zero[PR_INPUTS_MAX] = { 0 }, in[PR_INPUTS_MAX];
    for (size_t k = 0; k < PR_INPUTS_MAX; k++) {
        uint8_t b = data[(k * 7) % size];
        in[k] = pr_inputs[k < pr_inputs_n ? k : 0].type == PR_T_BOOL ? b & 1
              : (int64_t)b * (b & 1 ? 1000003 : 99991) * (b & 2 ? -1 : 1);
    }
    evaluate(p, zero);
    evaluate(p, in);
    pr_program_destroy(&p);
    free(text);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_formula_input(data, size);
}
