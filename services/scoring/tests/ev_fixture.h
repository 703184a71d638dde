/* services/scoring/tests/ev_fixture.h - one answer through evidence.c, as the scorer runs it
 *
 * Shared by the evidence tests (test-evidence.c, test-categories.c): the
 * analyzer and cue lists of the group (ev_setup, ev_teardown), and
 * ev_analyse, which finds every occurrence of each competency keyword by its
 * normalised form, as answer.c does, and passes those ranges to
 * sc_evidence_build and sc_ev_analyze. Include it after cmocka.h.
 */
#ifndef SC_TEST_EV_FIXTURE_H
#define SC_TEST_EV_FIXTURE_H

#include <stdlib.h>
#include <string.h>
#include "../evidence.h"

static sc_analyzer_t *az;
static sc_ev_cues_t *cues;

static int ev_setup(void **state)
{
    (void)state;
    az = sc_analyzer_new(NULL, 0);
    cues = az ? sc_ev_cues_new(az, NULL, 0) : NULL;
    return cues ? 0 : -1;
}

static int ev_teardown(void **state)
{
    (void)state;
    sc_ev_cues_destroy(&cues);
    sc_ev_cues_destroy(&cues); /* twice is harmless */
    sc_analyzer_destroy(&az);
    return 0;
}

/* Analyse text with the competency keywords kw (NULL-terminated, may be
 * NULL) into *t, *star and *ev; free them with ev_release. */
static void ev_analyse(const char *text, const char *const *kw, sc_text_t **t,
                       sc_evidence_t *star, sc_ev_t *ev)
{
    *t = sc_text_new(az, text, strlen(text), NULL, 0);
    assert_non_null(*t);
    uint32_t ranges[64];
    size_t n = 0;
    for (size_t k = 0; kw && kw[k]; k++) {
        sc_phrases_t *p = sc_phrases_new();
        assert_int_equal(sc_phrases_add(az, p, kw[k], 0, SC_PH_INNER, NULL, 0), 0);
        sc_matches_t m = { 0 };
        sc_phrases_scan(p, *t, sc_matches_collect, &m);
        for (size_t i = 0; i < m.n && n < 32; i++, n++) {
            ranges[2 * n] = m.v[i].start;
            ranges[2 * n + 1] = m.v[i].end;
        }
        free(m.v);
        sc_phrases_destroy(&p);
    }
    assert_int_equal(sc_evidence_build(az, *t, ranges, n, star), 0);
    assert_int_equal(sc_ev_analyze(cues, *t, star, ranges, n, ev), 0);
}

static void ev_release(sc_text_t **t, sc_evidence_t *star, sc_ev_t *ev)
{
    sc_ev_free(ev);
    sc_ev_free(ev); /* twice is harmless */
    sc_evidence_free(star);
    sc_text_destroy(t);
}

#endif
