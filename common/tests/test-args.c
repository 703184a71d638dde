/* common/tests/test-args.c - command-line options over getopt_long */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "hf/args.h"

enum { DATA, MODEL, MODEL_ID, FIT, SCOPE, N };

static const hf_arg_t spec[N] = {
    [DATA] = { "data", "FILE", HF_ARG_REQUIRED, "the labelled answers" },
    [MODEL] = { "model", "FILE", 0, "a model in a file" },
    [MODEL_ID] = { "model-id", "ID", 0, "a stored model" },
    [FIT] = { "fit", NULL, 0, "fit the weights" },
    [SCOPE] = { "scope", "SCOPE", HF_ARG_REPEAT, NULL },
};

static hf_arg_seen_t seen[N];
static char err[160];

/* Parse the words after a program name; the list ends with NULL. */
#define PARSE(...) parse((char *[]){ "prog", __VA_ARGS__, NULL })
static int parse(char **words)
{
    int argc = 0;
    while (words[argc])
        argc++;
    return hf_args_parse(spec, N, argc, words, seen, err, sizeof(err));
}

static void test_values_and_flags(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--data", "a.jsonl", "--model-id=m1", "--fit"), 0);
    assert_string_equal(err, "");
    assert_int_equal(seen[DATA].count, 1);
    assert_string_equal(seen[DATA].values[0], "a.jsonl");
    assert_string_equal(seen[MODEL_ID].values[0], "m1");
    assert_int_equal(seen[FIT].count, 1);
    assert_null(seen[FIT].values[0]);
    assert_int_equal(seen[MODEL].count, 0); /* absent: no count, no value */
    assert_null(seen[MODEL].values[0]);
}

/* "--model" is a whole name of its own, not the start of "--model-id". */
static void test_exact_name_wins_over_longer_one(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--data", "d", "--model", "m.json"), 0);
    assert_string_equal(seen[MODEL].values[0], "m.json");
    assert_int_equal(seen[MODEL_ID].count, 0);
}

static void test_values_may_look_like_options(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--data", "--fit"), 0);
    assert_string_equal(seen[DATA].values[0], "--fit");
    assert_int_equal(seen[FIT].count, 0);
    assert_int_equal(PARSE("--data="), 0); /* an empty value is a value */
    assert_string_equal(seen[DATA].values[0], "");
}

static void test_repeated_option_keeps_every_value(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--scope", "admin", "--data", "d", "--scope=payroll"), 0);
    assert_int_equal(seen[SCOPE].count, 2);
    assert_string_equal(seen[SCOPE].values[0], "admin");
    assert_string_equal(seen[SCOPE].values[1], "payroll");
    char *words[3 + 2 * (HF_ARG_MAX_VALUES + 1) + 1] = { "prog", "--data", "d" };
    int n = 3;
    for (int i = 0; i <= HF_ARG_MAX_VALUES; i++) {
        words[n++] = "--scope";
        words[n++] = "x";
    }
    words[n] = NULL;
    assert_int_equal(parse(words), -EINVAL);
    assert_string_equal(err, "--scope is given more than 32 times");
}

static void test_mistakes_name_what_failed(void **state)
{
    (void)state;
    static const struct { const char *words[4]; const char *message; } cases[] = {
        { { "--nope" }, "unknown option \"--nope\"" },
        { { "--data", "d", "--mod", "m" }, "unknown option \"--mod\"" },   /* no prefixes */
        { { "--dat", "d" }, "unknown option \"--dat\"" },
        { { "-x" }, "unknown option \"-x\"" },
        { { "--data" }, "--data needs a value" },
        { { "--data", "d", "--fit=yes" }, "--fit takes no value" },
        { { "--data", "d", "--data", "e" }, "--data is given twice" },
        { { "--data", "d", "--fit", "--fit" }, "--fit is given twice" },
        { { "--data", "d", "extra" }, "unexpected argument \"extra\"" },
        { { "--data", "d", "--", "--fit" }, "unexpected argument \"--fit\"" },
        { { "--fit" }, "--data is required" },
        { { "--hel" }, "unknown option \"--hel\"" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *words[6] = { "prog" };
        for (int k = 0; k < 4 && cases[i].words[k]; k++)
            words[k + 1] = (char *)cases[i].words[k];
        assert_int_equal(parse(words), -EINVAL);
        assert_string_equal(err, cases[i].message);
    }
}

static void test_help_comes_first(void **state)
{
    (void)state;
    assert_int_equal(PARSE("--help"), HF_ARGS_HELP); /* even without the required --data */
    assert_int_equal(PARSE("--fit", "-h"), HF_ARGS_HELP);
    assert_int_equal(PARSE("--nope", "--help"), -EINVAL); /* the first mistake wins */
}

static void test_argv_keeps_its_order(void **state)
{
    (void)state;
    char *words[] = { "prog", "--data", "d", "stray", "--fit", NULL };
    assert_int_equal(parse(words), -EINVAL);
    assert_string_equal(words[3], "stray");
    assert_string_equal(words[4], "--fit");
}

static void test_no_options_at_all(void **state)
{
    (void)state;
    char *words[] = { "prog", NULL };
    assert_int_equal(hf_args_parse(NULL, 0, 1, words, NULL, err, sizeof(err)), 0);
    char *extra[] = { "prog", "--migrate", NULL };
    assert_int_equal(hf_args_parse(NULL, 0, 2, extra, NULL, err, sizeof(err)), -EINVAL);
    assert_string_equal(err, "unknown option \"--migrate\"");
}

static void test_usage_lines_up_the_help(void **state)
{
    (void)state;
    char buf[512] = { 0 };
    FILE *f = fmemopen(buf, sizeof(buf) - 1, "w");
    hf_args_usage(f, spec, N);
    fclose(f);
    assert_string_equal(buf, "  --data FILE    the labelled answers\n"
                             "  --model FILE   a model in a file\n"
                             "  --model-id ID  a stored model\n"
                             "  --fit          fit the weights\n"
                             "  --scope SCOPE\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_values_and_flags),
        cmocka_unit_test(test_exact_name_wins_over_longer_one),
        cmocka_unit_test(test_values_may_look_like_options),
        cmocka_unit_test(test_repeated_option_keeps_every_value),
        cmocka_unit_test(test_mistakes_name_what_failed),
        cmocka_unit_test(test_help_comes_first),
        cmocka_unit_test(test_argv_keeps_its_order),
        cmocka_unit_test(test_no_options_at_all),
        cmocka_unit_test(test_usage_lines_up_the_help),
    };
    return cmocka_run_group_tests_name("args", tests, NULL, NULL);
}
