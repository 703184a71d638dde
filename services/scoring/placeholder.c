/* services/scoring/placeholder.c - keeps the scoring library non-empty while
 * its modules are being added; removed once they land. */
int scoring_placeholder_;
