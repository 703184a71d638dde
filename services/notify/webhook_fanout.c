/* services/notify/webhook_fanout.c - every outbox event to the endpoints that want it
 *
 * A durable batch consumer ("notify.webhooks", hf/consumer.h) over the whole
 * outbox. For each batch of events, one INSERT ... SELECT matches them with
 * their tenants' enabled endpoints (the event types an endpoint asks for:
 * empty = every type, an entry ending in '.' a prefix; an endpoint of one
 * company gets only the events whose data.companyId is that company, as
 * the event log walls them) and writes one webhook job per (event,
 * endpoint) into notify.delivery, in the consumer's transaction: the
 * cursor moves with the jobs. An endpoint gets the events written since it
 * was created, however far behind the consumer is; older ones by replay. The dedupe key (endpoint, event id) makes a
 * redelivered event enqueue nothing. The job references the outbox row;
 * the engine (deliver.c, webhook_transport.c) reads the event when it
 * sends.
 */
#include "deliver.h"

#include "hf/consumer.h"
#include "hf/db.h"
#include "hf/log.h"
#include "hf/metrics.h"
#include "hf/service.h"

#include <stdlib.h>

static const char sql_fanout[] =
    "INSERT INTO notify.delivery (tenant_id, company_id, dedupe_key, channel, time_zone,"
    "                             run_time, endpoint_id, event_id)"
    " SELECT e.tenant_id, e.company_id, 'webhook:' || e.id || ':' || o.id, 'webhook', 'UTC',"
    "        timers.now(), e.id, o.id"
    "   FROM unnest($1::text[], $2::bigint[]) AS v(tenant_id, id)"
    "   JOIN events.outbox o ON o.tenant_id = v.tenant_id AND o.id = v.id"
    "   JOIN notify.webhook_endpoints e ON e.tenant_id::text = o.tenant_id AND e.enabled"
    "  WHERE o.time >= e.create_time"
    "    AND notify.company_sees(o.data, array_remove(ARRAY[e.company_id::text], NULL))"
    "    AND notify.type_wanted(o.type, e.event_types)"
    " ORDER BY o.id"
    " ON CONFLICT (tenant_id, dedupe_key) DO NOTHING";

static hf_counter_t *c_enqueued;

static int on_events(void *user, PGconn *db, const hf_consumed_event_t *ev, size_t n,
                     size_t *skipped)
{
    (void)user;
    (void)skipped;
    const char **tenants = malloc(sizeof(char *) * n), **ids = malloc(sizeof(char *) * n);
    char *p[2] = { 0 };
    int rc = HF_CONSUME_RETRY;
    if (!tenants || !ids)
        goto out;
    for (size_t i = 0; i < n; i++) {
        tenants[i] = ev[i].tenant_id;
        ids[i] = ev[i].id;
    }
    if (!(p[0] = hf_db_array(tenants, n)) || !(p[1] = hf_db_array(ids, n)))
        goto out;
    PGresult *r = hf_db_query(db, sql_fanout, 2, (const char *const *)p);
    if (r) {
        hf_counter_add(c_enqueued, strtoull(PQcmdTuples(r), NULL, 10));
        rc = HF_CONSUME_OK;
    }
    PQclear(r);
out:
    free(p[0]);
    free(p[1]);
    free(tenants);
    free(ids);
    return rc;
}

int nt_webhook_fanout_start(void)
{
    c_enqueued = hf_metrics_counter("hf_notify_webhook_enqueued_total",
                                    "webhook jobs the fan-out wrote (one per event and endpoint)",
                                    NULL);
    /* ids only: the statement joins the log itself */
    return hf_service_consumer_keys("notify.webhooks", NULL, on_events, NULL);
}
