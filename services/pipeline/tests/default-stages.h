/* services/pipeline/tests/default-stages.h - the cmocka group fixture both pipeline tests share
 *
 * Most cases run against the default pipeline; building it once per group
 * keeps each case to what it checks.
 */
#ifndef PL_TEST_DEFAULT_STAGES_H
#define PL_TEST_DEFAULT_STAGES_H

#include "../stages.h"

static pl_stages_t *def;

static int setup(void **state)
{
    (void)state;
    def = pl_stages_default();
    return def ? 0 : -1;
}

static int teardown(void **state)
{
    (void)state;
    pl_stages_destroy(&def);
    return 0;
}

#endif
