/* services/pipeline/settings.h - the pipeline's own settings (loaded by main.c)
 *
 * The runtime reads them from the environment with the common ones, before
 * the init hook; handlers and loops only read them.
 */
#ifndef PIPELINE_SETTINGS_H
#define PIPELINE_SETTINGS_H

typedef struct {
    long sweep_s;           /* HF_PIPELINE_SWEEP_S: seconds between stage-timeout sweeps */
    long funnel_cache_ms;   /* HF_PIPELINE_FUNNEL_CACHE_MS: a funnel counted at most once per */
} pipeline_settings_t;

extern pipeline_settings_t pipeline_settings;

#endif
