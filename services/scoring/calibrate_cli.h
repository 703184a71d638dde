/* services/scoring/calibrate_cli.h - `hrflow-scoring calibrate`: the calibration command line
 *
 * Fits a tenant's competency model to labelled answers (calibrate.c) and
 * prints or stores the result; see docs/scoring.md, "Calibration".
 */
#ifndef SCORING_CALIBRATE_CLI_H
#define SCORING_CALIBRATE_CLI_H

#include "hf/service.h"

/* The service's command hook (hf_service_def_t.command): -1 when argv[1] is
 * not "calibrate", else runs the command and returns its exit code. */
int scoring_calibrate(const hf_service_def_t *def, int argc, char **argv);

#endif
