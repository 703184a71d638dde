/* services/scheduling/rounds_store.h - the SQL of interview rounds (rounds_store.c)
 *
 * Every function takes the caller's hf_store_t (hf/store.h), filters by its
 * tenant and returns HF_OK or an HF_E* code; what it hands out is in the
 * store's arena. The company wall of single records is the handlers' (a
 * record carries its company_id); lists apply it inside their statement.
 * Times are Unix microseconds, UTC.
 */
#ifndef SCHEDULING_ROUNDS_STORE_H
#define SCHEDULING_ROUNDS_STORE_H

#include "hf/store.h"
#include "hrflow/v1/scheduling.pb-c.h"
#include "rounds_hours.h"

#include <stdint.h>

/* A panel member as the checks need one: no personal data. */
typedef struct {
    const char *id, *company_id, *time_zone;
} rd_member_t;

/* What a booking (or a busy block) ran into. */
typedef struct {
    char interviewer_id[40]; /* "" when nothing clashes any more: taken meanwhile, then freed */
    int round;               /* 1: a seat on a round's panel, 0: a busy block */
    int64_t start_us, end_us;
} rd_clash_t;

/* ---- interviewers ---- */

/* Create in->company_id's interviewer with its week (n stretches, checked).
 * HF_EEXISTS when the company has one with the same email or external id:
 * *taken then names the field ("email" or "external_id"). */
int rounds_interviewer_create(hf_store_t *st, const Hrflow__V1__Interviewer *in,
                              const rd_hours_t *hours, size_t n, Hrflow__V1__Interviewer **out,
                              const char **taken);

/* An interviewer of the tenant, whatever its company (HF_ENOTFOUND). */
int rounds_interviewer_get(hf_store_t *st, const char *id, Hrflow__V1__Interviewer **out);

/* Write i's name, email, time zone and week over the stored ones, when its
 * version is still i->version (else HF_ECONFLICT). HF_EEXISTS (*taken
 * "email") when another interviewer of the company has the new email. */
int rounds_interviewer_update(hf_store_t *st, const Hrflow__V1__Interviewer *i,
                              const rd_hours_t *hours, size_t n, Hrflow__V1__Interviewer **out,
                              const char **taken);

/* A page of the interviewers the caller's companies have, of company_id
 * ("" = all) and with the email email ("" = any). */
int rounds_interviewer_list(hf_store_t *st, const char *company_id, const char *email,
                            hf_page_t *page, Hrflow__V1__Interviewer ***out, size_t *n);

/* The interviewers of the tenant among the n ids (unknown ones are not
 * there), whatever their company, into *out (*n_out of them). */
int rounds_panel(hf_store_t *st, char *const *ids, size_t n, rd_member_t ***out, size_t *n_out);

/* ---- busy blocks ---- */

/* Mark the interviewer busy over [start_us, end_us). HF_ECONFLICT when a
 * round of theirs overlaps it, with *clash filled. */
int rounds_busy_add(hf_store_t *st, const char *interviewer_id, int64_t start_us, int64_t end_us,
                    Hrflow__V1__BusyBlock **out, rd_clash_t *clash);
int rounds_busy_list(hf_store_t *st, const char *interviewer_id, hf_page_t *page,
                     Hrflow__V1__BusyBlock ***out, size_t *n);
/* Remove a busy block of the interviewer, handing it out. HF_ENOTFOUND. */
int rounds_busy_remove(hf_store_t *st, const char *interviewer_id, const char *id,
                       Hrflow__V1__BusyBlock **out);

/* ---- slots ---- */

/* Which of the n interviewers (all of the tenant) have no stretch of their
 * week that holds [start_us, end_us) in their own time zone: their ids into
 * *who (*n_who of them, in the order of ids). */
int rounds_outside_hours(hf_store_t *st, char *const *ids, size_t n, int64_t start_us,
                         int64_t end_us, char ***who, size_t *n_who);

/* Slots of duration_min minutes starting every step_min minutes from the
 * hour (UTC), inside [from_us, to_us) and not before now, in which every
 * one of the n interviewers is inside their working hours, not busy and on
 * no round: the first `limit` of them, earliest first. */
int rounds_suggest(hf_store_t *st, char *const *ids, size_t n, int64_t from_us, int64_t to_us,
                   int duration_min, int step_min, unsigned limit, Hrflow__V1__RoundSlot ***out,
                   size_t *n_out);

/* ---- rounds ---- */

/* Book r (application, its company, kind, panel, start, duration) with a
 * seat for each of the panel, and its `scheduled` event, in one
 * transaction. HF_ECONFLICT when a seat overlaps a round or a busy block of
 * that interviewer (nothing is booked), with *clash filled. */
int rounds_round_create(hf_store_t *st, const Hrflow__V1__Round *r, Hrflow__V1__Round **out,
                        rd_clash_t *clash);

/* A round of the tenant, whatever its company (HF_ENOTFOUND). */
int rounds_round_get(hf_store_t *st, const char *id, Hrflow__V1__Round **out);

/* A round's versions (each reschedule makes a new round), for its calendar
 * file: the first one's id (the UID every version shares), the latest
 * (what a calendar should hold), how many reschedules led to it, and the
 * company's time zone. *out in st's arena. HF_ENOTFOUND: no round id. */
typedef struct {
    const char *first, *latest, *time_zone;
    int64_t reschedules;
} rounds_chain_t;
int rounds_round_chain(hf_store_t *st, const char *id, rounds_chain_t **out);

/* A page of the rounds of the caller's companies, filtered by application,
 * panel member and status ("" = any). */
int rounds_round_list(hf_store_t *st, const char *application_id, const char *interviewer_id,
                      const char *status, hf_page_t *page, Hrflow__V1__Round ***out, size_t *n);

/* Move a scheduled round to `to` (completed, no_show, cancelled; a
 * cancelled round's seats are freed) with its event, when it is still
 * scheduled at r->version (else HF_ECONFLICT). */
int rounds_round_move(hf_store_t *st, const Hrflow__V1__Round *r, const char *to,
                      Hrflow__V1__Round **out);

/* Replace the scheduled round old (still at old->version, else
 * HF_ECONFLICT with clash->interviewer_id "") by next (its panel, start and
 * duration) in one transaction: old becomes rescheduled and frees its seats,
 * next is booked as rounds_round_create books (HF_ECONFLICT with *clash),
 * one `rescheduled` event. *out is the new round. */
int rounds_round_reschedule(hf_store_t *st, const Hrflow__V1__Round *old,
                            const Hrflow__V1__Round *next, Hrflow__V1__Round **out,
                            rd_clash_t *clash);

/* Unix microseconds of a Timestamp (NULL: 0). */
int64_t rounds_micros(const Hrflow__V1__Timestamp *t);

#endif
