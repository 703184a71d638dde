/* tests/fuzz/fuzz-template.c - fuzz target of the notification template language (services/notify/template.c)
 *
 * The first byte chooses the event and the output (text, HTML, subject);
 * the rest is a template text. The promises checked:
 *   - a refused text has a code and a message that starts with its
 *     "line:column: " (both from 1, within the text's lines), and never a
 *     compiled template;
 *   - a compiled text renders, with every value of the event set and with
 *     none set, and no "{{" is left in the output (its literal text has
 *     none, the values have none: one would be a tag not replaced);
 *   - a value is escaped in HTML output: the candidate's name is "<" and a
 *     control byte the source does not hold, and the output never holds
 *     that byte right after a "<";
 *   - rendering twice gives the same bytes.
 * A broken promise is an abort(), so libFuzzer (run.sh template, clang) and
 * the corpus replay (the unit suite) both report it.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../../services/notify/template.h"

int fuzz_template_input(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void fail(const char *what)
{
    fprintf(stderr, "fuzz-template: %s\n", what);
    abort();
}

int fuzz_template_input(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    nt_event_t ev = (nt_event_t)(data[0] % NT_EV_COUNT);
    nt_out_t how = (nt_out_t)((data[0] / NT_EV_COUNT) % 3);
    const char *src = (const char *)data + 1;
    size_t len = size - 1;
    nt_error_t err = { 0 };
    nt_part_t *p = nt_part_compile(src, len, nt_event_allowed(ev), nt_event_required(ev), &err);
    if (!p) {
        if (!err.code || !*err.message)
            fail("a refusal without a code or message");
        int lines = 1;
        for (size_t i = 0; i < len; i++)
            lines += src[i] == '\n';
        char at[32];
        snprintf(at, sizeof(at), "%d:%d: ", err.line, err.column);
        if (strcmp(err.code, "too_long") &&
            (err.line < 1 || err.line > lines || err.column < 1 ||
             strncmp(err.message, at, strlen(at))))
            fail("a refusal without its position");
        return 0;
    }
    nt_values_t all, none = { 0 };
    nt_values_sample(ev, data[0] & 1, &all);
    char marker = 0, name[4] = "<?>";
    for (char m = 1; m < 32 && !marker; m++)
        if (m != '\n' && m != '\t' && !memchr(src, m, len))
            marker = m;
    name[1] = marker;
    if (marker)
        all.v[NT_VAR_CANDIDATE_NAME] = name;
    char *a = nt_part_render(p, &all, how), *b = nt_part_render(p, &all, how);
    char *c = nt_part_render(p, &none, how);
    if (!a || !b || !c)
        fail("out of memory at a small size");
    if (strcmp(a, b))
        fail("two renderings differ");
    if (strstr(a, "{{") || strstr(c, "{{"))
        fail("a tag left in the output");
    char raw[3] = { '<', marker, '\0' };
    if (marker && how == NT_OUT_HTML && strstr(a, raw))
        fail("a value not escaped in HTML");
    free(a);
    free(b);
    free(c);
    nt_part_destroy(&p);
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    return fuzz_template_input(data, size);
}
