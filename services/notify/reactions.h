/* services/notify/reactions.h - the letters notify sends by itself when events happen
 *
 * A durable consumer (reactions.c, cursor "notify.reactions") reads the
 * outbox and turns scheduling's and the pipeline's events into letters:
 * invitation, reminder, reschedule, cancellation, thank_you and offer
 * (docs/notify.md, "Reactions"). letters.c gathers what a letter needs at
 * send time over the bus (the candidate from the pipeline, the company's
 * name from identity, the booking link and the calendar file from
 * scheduling), renders the tenant's effective template and enqueues it with
 * the delivery engine in the consumer's transaction. Each tenant chooses
 * per kind of letter the channels it goes on, and the locale and zone
 * (reactions_settings.c: GET/PATCH /v1/notification-settings).
 */
#ifndef NT_REACTIONS_H
#define NT_REACTIONS_H

#include "template.h"

#include "hf/bus.h"
#include "hf/config.h"
#include "hf/store.h"

#ifndef NT_HANDLER /* templates.h and messages.h have the same */
#define NT_HANDLER(name) \
    int name(hf_call_t *call, const ProtobufCMessage *req, ProtobufCMessage **reply)
#endif

/* ---- settings of the service (main.c's table) ---- */

extern const char *nt_public_url; /* HF_NOTIFY_PUBLIC_URL */
extern long nt_reactions_on;      /* HF_NOTIFY_REACTIONS: 1 = the consumer runs */

#define NT_REACTION_SETTINGS \
    { "HF_NOTIFY_PUBLIC_URL", HF_CONFIG_STRING, "http://127.0.0.1:8080", 0, 0, \
      "the API's public base URL the links in letters start with (booking, status, " \
      "unsubscribe)", &nt_public_url }, \
    { "HF_NOTIFY_REACTIONS", HF_CONFIG_INT, "1", 0, 1, \
      "1: send the letters events call for (invitations, reminders, thank-you letters …); " \
      "0: this replica does not", &nt_reactions_on }

/* ---- a tenant's choices (reactions_settings.c) ---- */

typedef struct {
    unsigned channels[NT_EV_COUNT]; /* bit 1u << nt_channel_t */
    int locale;                     /* nt_locales index */
    const char *time_zone;          /* "" = HF_NOTIFY_DEFAULT_TZ; in st's arena */
    int thank_you_on_manual_reject;
} nt_reaction_settings_t;

/* The channels each kind goes on when the tenant chose nothing. */
unsigned nt_reaction_default_channels(nt_event_t ev);

/* st's tenant's settings (the defaults where it set nothing). HF_OK, HF_EDB. */
int nt_reaction_settings_get(hf_store_t *st, nt_reaction_settings_t *out);

/* 1 when PostgreSQL knows the IANA zone (pg_timezone_names), 0 when not,
 * -1 when the database failed. */
int nt_zone_known(hf_store_t *st, const char *zone);

NT_HANDLER(notify_get_notification_settings);
NT_HANDLER(notify_update_notification_settings);

/* ---- the consumer (reactions.c) ---- */

/* Start the consumer (init hook) unless HF_NOTIFY_REACTIONS is 0. 0 or -1. */
int nt_reactions_start(void);
/* After the loops stopped (stop hook): the consumer's arena. */
void nt_reactions_stop(void);

/* ---- one letter (letters.c) ---- */

/* What an event asks for: a kind of letter about an application (and an
 * interview, for the interview's letters). */
typedef struct {
    const char *event_id;    /* the outbox id: the dedupe key's first part */
    const char *dedupe;      /* NULL = "<event_id>:<kind>" */
    const char *tenant;
    nt_event_t kind;
    const char *application; /* canonical UUIDs */
    const char *interview;   /* "" for none */
    const char *company;     /* the event's, "" when it names none (the job's then) */
    int64_t start;           /* the interview's start, Unix seconds; 0 none */
    int64_t previous;        /* a reschedule's former start; 0 none */
    const char *reason;      /* "" none */
} nt_reaction_t;

/* Send the letters of r on the channels settings name, in st's transaction.
 * HF_CONSUME_OK, HF_CONSUME_RETRY (a dependency down, the database) or
 * HF_CONSUME_SKIP (the application or candidate is gone: logged by ids). */
int nt_letters_send(hf_store_t *st, const nt_reaction_settings_t *settings,
                    const nt_reaction_t *r);

/* What the letters of one consumer batch share is read once per batch
 * (letters.c): nt_letters_batch(ev->batch) before each event forgets it when
 * a new batch begins; nt_letters_forget() frees it when the consumer stops. */
void nt_letters_batch(uint64_t batch);
void nt_letters_forget(void);

/* st's tenant's settings (nt_reaction_settings_get), read once per batch;
 * NULL when the database failed. */
const nt_reaction_settings_t *nt_letters_settings(hf_store_t *st);

/* A phone number as the pipeline keeps it, as E.164 (Chinese national
 * numbers get +86); one it refuses stays as it is. In st's arena. */
const char *nt_phone_e164(hf_store_t *st, const char *phone);

#endif
