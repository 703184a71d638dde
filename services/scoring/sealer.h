/* services/scoring/sealer.h - the loop that seals reports stored in plaintext (sealer.c) */
#ifndef SCORING_SEALER_H
#define SCORING_SEALER_H

/* Start the loop (from the init hook). Returns 0, or -1 (logged). */
int scoring_sealer_start(void);

#endif
