/* services/payroll/formula_eval.c - exact fractions and the evaluator of compiled pay schemes
 *
 * Every value is n / d in lowest terms, 128 bits each, so no step loses a
 * fraction of a fen: the only rounding is pr_q_to_unit() at the end of a
 * component (and round()/floor()/ceil() where a formula asks). Fractions
 * whose denominator is 1 (amounts, whole days) take the fast paths; a gcd
 * runs only when a denominator is not 1. Overflow of 128 bits is an error
 * (PR_F_OVERFLOW), checked on every step, never wrapped.
 */
#include "formula_private.h"

#include "money.h"

typedef unsigned __int128 u128;

static u128 uabs(__int128 x)
{
    return x < 0 ? (u128)0 - (u128)x : (u128)x;
}

static int ctz128(u128 x)
{
    uint64_t lo = (uint64_t)x;
    return lo ? __builtin_ctzll(lo) : 64 + __builtin_ctzll((uint64_t)(x >> 64));
}

/* Binary gcd; gcd(0, b) = b. */
static u128 gcd(u128 a, u128 b)
{
    if (!a || !b)
        return a | b;
    if (!((a | b) >> 64)) {
        uint64_t x = (uint64_t)a, y = (uint64_t)b;
        int s = __builtin_ctzll(x | y);
        x >>= __builtin_ctzll(x);
        do {
            y >>= __builtin_ctzll(y);
            if (x > y) {
                uint64_t t = x;
                x = y, y = t;
            }
            y -= x;
        } while (y);
        return (u128)x << s;
    }
    int s = ctz128(a | b);
    a >>= ctz128(a);
    do {
        b >>= ctz128(b);
        if (a > b) {
            u128 t = a;
            a = b, b = t;
        }
        b -= a;
    } while (b);
    return a << s;
}

/* x / g for g > 0 dividing x, in 64 bits when both fit. */
static __int128 exact_div(__int128 x, u128 g)
{
    if (x >= INT64_MIN && x <= INT64_MAX && g <= INT64_MAX)
        return (int64_t)x / (int64_t)g;
    return x / (__int128)g;
}

static void reduce(pr_q_t *q)
{
    if (q->d == 1)
        return;
    u128 g = gcd(uabs(q->n), (u128)q->d);
    if (g > 1) {
        q->n = exact_div(q->n, g);
        q->d = exact_div(q->d, g);
    }
}

pr_ferr_t pr_q_add(pr_q_t *r, pr_q_t a, pr_q_t b)
{
    if (a.d == b.d) {
        if (__builtin_add_overflow(a.n, b.n, &r->n))
            return PR_F_OVERFLOW;
        r->d = a.d;
        reduce(r);
        return PR_F_OK;
    }
    u128 g = gcd((u128)a.d, (u128)b.d);
    __int128 da = exact_div(a.d, g), db = exact_div(b.d, g), x, y;
    if (__builtin_mul_overflow(a.n, db, &x) || __builtin_mul_overflow(b.n, da, &y) ||
        __builtin_add_overflow(x, y, &r->n) || __builtin_mul_overflow(a.d, db, &r->d))
        return PR_F_OVERFLOW;
    reduce(r);
    return PR_F_OK;
}

pr_ferr_t pr_q_neg(pr_q_t *r, pr_q_t a)
{
    if (__builtin_sub_overflow((__int128)0, a.n, &r->n))
        return PR_F_OVERFLOW;
    r->d = a.d;
    return PR_F_OK;
}

pr_ferr_t pr_q_sub(pr_q_t *r, pr_q_t a, pr_q_t b)
{
    pr_q_t nb;
    return pr_q_neg(&nb, b) ? PR_F_OVERFLOW : pr_q_add(r, a, nb);
}

pr_ferr_t pr_q_mul(pr_q_t *r, pr_q_t a, pr_q_t b)
{
    if (a.d == 1 && b.d == 1) {
        r->d = 1;
        return __builtin_mul_overflow(a.n, b.n, &r->n) ? PR_F_OVERFLOW : PR_F_OK;
    }
    /* cross-cancel first: both are in lowest terms, so the result is too */
    u128 g1 = gcd(uabs(a.n), (u128)b.d), g2 = gcd(uabs(b.n), (u128)a.d);
    if (__builtin_mul_overflow(exact_div(a.n, g1), exact_div(b.n, g2), &r->n) ||
        __builtin_mul_overflow(exact_div(a.d, g2), exact_div(b.d, g1), &r->d))
        return PR_F_OVERFLOW;
    if (r->n == 0)
        r->d = 1;
    return PR_F_OK;
}

pr_ferr_t pr_q_div(pr_q_t *r, pr_q_t a, pr_q_t b)
{
    if (b.n == 0)
        return PR_F_DIV_ZERO;
    pr_q_t inv = { b.d, b.n };
    if (b.n < 0 && (pr_q_neg(&inv, inv) || __builtin_sub_overflow((__int128)0, b.n, &inv.d)))
        return PR_F_OVERFLOW;
    return pr_q_mul(r, a, inv);
}

pr_ferr_t pr_q_cmp(int *c, pr_q_t a, pr_q_t b)
{
    __int128 x = a.n, y = b.n;
    if (a.d != b.d &&
        (__builtin_mul_overflow(a.n, b.d, &x) || __builtin_mul_overflow(b.n, a.d, &y)))
        return PR_F_OVERFLOW;
    *c = (x > y) - (x < y);
    return PR_F_OK;
}

static __int128 pow10(int e)
{
    __int128 p = 1;
    while (e-- > 0)
        p *= 10;
    return p;
}

/* n / d (d > 0) to an integer by mode. */
static __int128 div_round(__int128 n, __int128 d, pr_round_t mode)
{
    __int128 q = n / d, r = n % d;
    switch (mode) {
    case PR_ROUND_HALF_AWAY:
        if (uabs(r) >= (u128)d - uabs(r))
            q += n < 0 ? -1 : 1;
        break;
    case PR_ROUND_FLOOR:
        if (r < 0)
            q--;
        break;
    case PR_ROUND_CEIL:
        if (r > 0)
            q++;
        break;
    }
    return q;
}

pr_ferr_t pr_q_round(pr_q_t *r, pr_q_t a, int e, pr_round_t mode)
{
    __int128 p = pow10(e < 0 ? -e : e), n = a.n, d = a.d;
    if (e >= 0 ? __builtin_mul_overflow(d, p, &d) : __builtin_mul_overflow(n, p, &n))
        return PR_F_OVERFLOW;
    __int128 k = div_round(n, d, mode);
    if (e >= 0) {
        r->d = 1;
        return __builtin_mul_overflow(k, p, &r->n) ? PR_F_OVERFLOW : PR_F_OK;
    }
    r->n = k, r->d = p;
    reduce(r);
    return PR_F_OK;
}

pr_q_t pr_q_from_unit(int64_t v, pr_type_t t)
{
    pr_q_t q = { v, 1 };
    if (t == PR_T_NUMBER || t == PR_T_RATE) {
        if (v % PR_RATE_ONE == 0)
            q.n = v / PR_RATE_ONE;
        else {
            q.d = PR_RATE_ONE;
            reduce(&q);
        }
    } else if (t == PR_T_BOOL)
        q.n = v != 0;
    return q;
}

pr_ferr_t pr_q_to_unit(int64_t *out, pr_q_t a, pr_type_t t)
{
    __int128 n = a.n, k;
    if (t == PR_T_BOOL) {
        *out = a.n != 0;
        return PR_F_OK;
    }
    if (t != PR_T_MONEY && __builtin_mul_overflow(n, (__int128)PR_RATE_ONE, &n))
        return PR_F_OVERFLOW;
    k = a.d == 1 ? n : div_round(n, a.d, PR_ROUND_HALF_AWAY);
    __int128 max = t == PR_T_MONEY ? PR_MONEY_MAX : PR_SCALAR_MAX;
    if (k > max || k < -max)
        return PR_F_OVERFLOW;
    *out = (int64_t)k;
    return PR_F_OK;
}

/* ---- the evaluator ---- */

#define ARG(ins) ((ins) >> 8)

static pr_ferr_t binary(uint32_t op, pr_q_t *r, pr_q_t a, pr_q_t b)
{
    int c = 0;
    pr_ferr_t e;
    switch (op) {
    case OP_ADD:
        return pr_q_add(r, a, b);
    case OP_SUB:
        return pr_q_sub(r, a, b);
    case OP_MUL:
        return pr_q_mul(r, a, b);
    case OP_DIV:
        return pr_q_div(r, a, b);
    }
    if ((e = pr_q_cmp(&c, a, b)))
        return e;
    int v = op == OP_LT ? c < 0 : op == OP_LE ? c <= 0 : op == OP_GT ? c > 0 : op == OP_GE ? c >= 0
          : op == OP_EQ ? c == 0 : c != 0;
    r->n = v, r->d = 1;
    return PR_F_OK;
}

/* Run one component's code from pc; its unrounded value into *v. */
static pr_ferr_t run(const pr_program_t *p, uint32_t pc, const int64_t *in, const int64_t *out,
                     pr_q_t *v)
{
    pr_q_t s[PR_STACK];
    int top = -1;
    pr_ferr_t e = PR_F_OK;
    for (;;) {
        uint32_t ins = p->code[pc++], op = ins & 0xff;
        switch (op) {
        case OP_CONST:
            s[++top] = p->consts[ARG(ins)];
            break;
        case OP_IN:
            s[++top] = pr_q_from_unit(in[ARG(ins)], pr_inputs[ARG(ins)].type);
            break;
        case OP_COMP:
            s[++top] = pr_q_from_unit(out[ARG(ins)], p->c[ARG(ins)].type);
            break;
        case OP_NEG:
            e = pr_q_neg(&s[top], s[top]);
            break;
        case OP_ABS:
            if (s[top].n < 0)
                e = pr_q_neg(&s[top], s[top]);
            break;
        case OP_NOT:
            s[top].n = !s[top].n;
            break;
        case OP_JF:
            if (!s[top--].n)
                pc = ARG(ins);
            break;
        case OP_JFK:
            if (!s[top].n)
                pc = ARG(ins);
            else
                top--;
            break;
        case OP_JTK:
            if (s[top].n)
                pc = ARG(ins);
            else
                top--;
            break;
        case OP_JMP:
            pc = ARG(ins);
            break;
        case OP_MIN:
        case OP_MAX: {
            int k = (int)ARG(ins), c = 0;
            for (int i = 1; i < k && !e; i++) {
                e = pr_q_cmp(&c, s[top - k + 1 + i], s[top - k + 1]);
                if (!e && (op == OP_MIN ? c < 0 : c > 0))
                    s[top - k + 1] = s[top - k + 1 + i];
            }
            top -= k - 1;
            break;
        }
        case OP_ROUND:
            e = pr_q_round(&s[top], s[top], (int)(ARG(ins) & 63) - 32,
                           (pr_round_t)(ARG(ins) >> 6));
            break;
        case OP_END:
            *v = s[top];
            return PR_F_OK;
        default:
            e = binary(op, &s[top - 1], s[top - 1], s[top]);
            top--;
            break;
        }
        if (e)
            return e;
    }
}

int pr_program_eval(const pr_program_t *p, const int64_t *in, int64_t *out,
                    pr_eval_error_t *err)
{
    for (size_t k = 0; k < p->n; k++) {
        uint32_t i = p->order[k];
        pr_q_t v;
        pr_ferr_t e = run(p, p->c[i].start, in, out, &v);
        if (!e)
            e = pr_q_to_unit(&out[i], v, p->c[i].type);
        if (e) {
            err->code = e;
            err->component = (int)i;
            return -1;
        }
    }
    return 0;
}
