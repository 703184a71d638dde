/* services/scheduling/settings.h - the scheduling service's own settings (loaded by main.c)
 *
 * The runtime reads them from the environment with the common ones, before
 * the init hook; handlers and loops only read them.
 */
#ifndef SCHED_SETTINGS_H
#define SCHED_SETTINGS_H

typedef struct {
    long notice_min;   /* HF_SCHEDULING_NOTICE_MIN: the earliest slot an invitation gets */
    long horizon_days; /* HF_SCHEDULING_HORIZON_DAYS: slots are made this many days ahead */
    long assign_s;     /* HF_SCHEDULING_ASSIGN_S: between passes over waiting invitations */
    long slots_s;      /* HF_SCHEDULING_SLOTS_S: between extensions of the slots */
    long booking_days; /* HF_SCHEDULING_BOOKING_DAYS: a booking link's life from the invitation */
    const char *ics_domain;    /* HF_SCHEDULING_ICS_DOMAIN: the right side of calendar UIDs */
    const char *ics_organizer; /* HF_SCHEDULING_ICS_ORGANIZER: ORGANIZER's address */
    const char *ics_name;      /* HF_SCHEDULING_ICS_NAME: ORGANIZER's name, in SUMMARY */
    long leases_s;     /* HF_SCHEDULING_LEASES_S: between sweeps of lapsed call leases */
} sched_settings_t;

extern sched_settings_t sched_settings;

#endif
