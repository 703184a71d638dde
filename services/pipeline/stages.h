/* services/pipeline/stages.h - a job's stage machine: its stages and the moves between them
 *
 * A job lists its stages in order (applied, screening, … , offer). The list is
 * all a job configures; the moves follow from three rules that a recruiter can
 * hold in mind and docs/pipeline-rules.md states once:
 *
 *  - forward: from a non-terminal stage to any later non-terminal stage
 *    (skipping is allowed: mass hiring often skips a round), and to hired only
 *    from the last stage before it (nobody is hired without an offer);
 *  - out: from any non-terminal stage to rejected or withdrawn;
 *  - nothing from a terminal stage (hired, rejected, withdrawn); a mistaken
 *    rejection or withdrawal is undone by a separate, audited reopen that
 *    returns the application to the stage it left (pl_stages_can_reopen).
 *
 * Backward moves are not allowed: a stage is a step of the funnel, and a
 * funnel count must not change when someone drags a card back.
 *
 * hired, rejected and withdrawn always exist: they are appended when the list
 * leaves them out. Pure: no I/O, no allocation after parsing.
 */
#ifndef PL_STAGES_H
#define PL_STAGES_H

#include <stdbool.h>
#include <stddef.h>

#define PL_STAGE_NAME_MAX 32  /* characters of a stage name */
#define PL_STAGES_MAX 32      /* stages of a job, hired, rejected and withdrawn included */

typedef struct pl_stages pl_stages_t;

/* Why a move is refused; 0 is allowed. Stable: handlers map each to a 409 type. */
typedef enum {
    PL_MOVE_OK = 0,
    PL_MOVE_UNKNOWN_STAGE,    /* from or to is not a stage of this job */
    PL_MOVE_SAME_STAGE,       /* from == to */
    PL_MOVE_FROM_TERMINAL,    /* hired, rejected and withdrawn have no moves */
    PL_MOVE_BACKWARD,         /* to lies before from */
    PL_MOVE_HIRED_SKIP,       /* hired is reached only from the stage just before it */
    PL_MOVE_NOT_REOPENABLE,   /* reopen from a stage that is not rejected or withdrawn */
    PL_MOVE_REOPEN_ELSEWHERE, /* reopen to another stage than the one the application left */
} pl_move_t;

/* Parse a job's stage list: n names in funnel order. Names are 1 to 32
 * characters of a-z and _, unique; at least one stage must come before hired;
 * hired, when listed, must be the last of the ordered stages; rejected and
 * withdrawn may be listed anywhere (they are outside the order). Missing
 * hired, rejected and withdrawn are appended.
 * Returns a new stage machine (free with pl_stages_destroy), or NULL with a
 * message in err (errlen bytes, may be 0) on invalid input or out of memory. */
pl_stages_t *pl_stages_parse(const char *const *names, size_t n, char *err, size_t errlen);

/* The default pipeline: applied → screening → ai_interview → hr_interview →
 * final → offer → hired, and rejected, withdrawn. Returns a new stage machine
 * (free with pl_stages_destroy), or NULL when out of memory. */
pl_stages_t *pl_stages_default(void);

/* A copy of st, or NULL when out of memory. Free with pl_stages_destroy. */
pl_stages_t *pl_stages_copy(const pl_stages_t *st);

/* Free *st and set it to NULL. Accepts NULL and *st == NULL. */
void pl_stages_destroy(pl_stages_t **st);

/* Number of stages, hired, rejected and withdrawn included. */
size_t pl_stages_count(const pl_stages_t *st);

/* Name of stage i (i < pl_stages_count): the ordered stages first (funnel
 * order, hired last of them), then rejected, then withdrawn. Borrowed from st. */
const char *pl_stages_name(const pl_stages_t *st, size_t i);

/* Index of the stage called name, in the order of pl_stages_name (a funnel
 * report sorts by it), or -1 when the job has no such stage or name is NULL. */
int pl_stages_index(const pl_stages_t *st, const char *name);

/* True when name is hired, rejected or withdrawn. False for unknown names. */
bool pl_stages_is_terminal(const pl_stages_t *st, const char *name);

/* The stage a new application enters (the first listed). Borrowed from st. */
const char *pl_stages_first(const pl_stages_t *st);

/* The stage after name in funnel order (the target of a plain "advance"),
 * or NULL when name is unknown or terminal. Borrowed from st. */
const char *pl_stages_next(const pl_stages_t *st, const char *name);

/* May an application move from `from` to `to`? Returns PL_MOVE_OK, or the
 * reason with a sentence for the user in why (whylen bytes, may be 0), e.g.
 * "cannot move from offer back to screening: stages only move forward". */
pl_move_t pl_stages_can_move(const pl_stages_t *st, const char *from, const char *to,
                             char *why, size_t whylen);

/* May an application in `from` (rejected or withdrawn) be reopened to `to`?
 * `left` is the stage it was in before (from the audit log); reopen returns
 * there and nowhere else. Returns PL_MOVE_OK or the reason, with why as in
 * pl_stages_can_move. */
pl_move_t pl_stages_can_reopen(const pl_stages_t *st, const char *from, const char *to,
                               const char *left, char *why, size_t whylen);

/* Stable short name of a refusal ("backward", "from-terminal", …) for error
 * types and logs. Static string. */
const char *pl_move_name(pl_move_t m);

#endif
