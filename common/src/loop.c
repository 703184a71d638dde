/* common/src/loop.c - background loops on their own PostgreSQL connections (hf/loop.h)
 *
 * One thread per loop: connect, LISTEN on its channel when asked, win the
 * election when there is one, step, sleep in poll() on the connection's
 * socket and an eventfd (the stop and wake requests). The relay, the durable consumers and
 * every service's own loops all run here, so connecting, waking, electing
 * and stopping are written once.
 */
#include "hf/loop.h"

#include "hf/bus.h" /* hf_mono_ms */
#include "hf/db.h"
#include "hf/log.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

#define ERROR_PAUSE_MS 1000
/* A standby tries the election every 4 idle periods, at least every 5 s, so a
 * dead leader's work moves within seconds whatever the loop's pace. */
#define LEADER_RETRY_MS(idle) ((idle) * 4 < 5000 ? (idle) * 4 : 5000)

struct hf_loop {
    hf_loop_def_t def;       /* name and leader are our copies */
    char *conninfo;
    PGconn *conn;            /* NULL while disconnected */
    int leading;
    int listening;           /* LISTEN channel is active on conn */
    int sleep_next;          /* > = 0: the sleep the step chose, else -1 */
    int64_t step_start;      /* monotonic ms: when the last step began */
    int wake_fd;             /* eventfd: stop and wake requests */
    atomic_int stop;
    pthread_t thread;
};

int hf_loop_stopping(const hf_loop_t *l)
{
    return atomic_load(&((hf_loop_t *)l)->stop);
}

int hf_loop_leading(const hf_loop_t *l)
{
    return l->def.leader ? l->leading : 1;
}

const char *hf_loop_name(const hf_loop_t *l)
{
    return l->def.name;
}

void hf_loop_sleep_next(hf_loop_t *l, int ms)
{
    l->sleep_next = ms < 0 ? 0 : ms;
}

void hf_loop_wake(hf_loop_t *l)
{
    uint64_t one = 1;
    if (write(l->wake_fd, &one, sizeof(one)) < 0)
        hf_logkv(HF_LOG_WARN, "could not wake a background loop", HF_KV_STR("loop", l->def.name),
                 HF_KV_STR("error", strerror(errno)));
}

static void disconnect(hf_loop_t *l)
{
    PQfinish(l->conn);
    l->conn = NULL;
    l->leading = l->listening = 0;
}

/* Drop the notifications libpq has read. Returns how many there were. */
static int drain_notifies(PGconn *c)
{
    int n = 0;
    PGnotify *note;
    while ((note = PQnotifies(c)) != NULL) {
        PQfreemem(note);
        n++;
    }
    return n;
}

/* Wait up to ms for the wake-up descriptor (and the connection's socket
 * when listening): 1 when a wake-up (or stop) was read, else 0. */
static int wait_for(hf_loop_t *l, int ms, int listening)
{
    struct pollfd fds[2] = { { l->wake_fd, POLLIN, 0 }, { -1, POLLIN, 0 } };
    if (listening)
        fds[1].fd = PQsocket(l->conn);
    if (poll(fds, 2, ms) <= 0 || !(fds[0].revents & POLLIN))
        return 0;
    uint64_t n;
    if (read(l->wake_fd, &n, sizeof(n)) < 0 && errno != EAGAIN)
        hf_logkv(HF_LOG_WARN, "background loop wake-up read failed",
                 HF_KV_STR("loop", l->def.name));
    return 1;
}

/* Woken by a NOTIFY: wait out the rest of the linger after the last step's
 * start (a wake-up or stop ends it), so a stream of commits is taken in
 * steps of linger_ms. The NOTIFYs that came meanwhile are dropped: the step
 * that follows sees their commits. */
static void linger(hf_loop_t *l)
{
    int64_t rest = l->def.linger_ms > 0 ? l->step_start + l->def.linger_ms - hf_mono_ms() : 0;
    if (rest <= 0 || hf_loop_stopping(l))
        return;
    wait_for(l, (int)rest, 0);
    PQconsumeInput(l->conn);
    drain_notifies(l->conn);
}

/* Sleep up to ms: less when woken, stopped, or (listening) a NOTIFY arrives. */
static void sleep_ms(hf_loop_t *l, int ms)
{
    int listening = l->conn && l->listening;
    /* a NOTIFY that arrived while the last statement ran is already read */
    if (listening && drain_notifies(l->conn) > 0) {
        linger(l);
        return;
    }
    int woken = wait_for(l, ms, listening);
    if (l->conn) {
        PQconsumeInput(l->conn);
        if (drain_notifies(l->conn) > 0 && !woken)
            linger(l);
    }
}

static int listen_channel(hf_loop_t *l)
{
    char sql[80];
    snprintf(sql, sizeof(sql), "LISTEN %s", l->def.channel);
    if (hf_db_exec(l->conn, sql, 0, NULL, NULL) < 0)
        return -1;
    l->listening = 1;
    return 0;
}

/* A channel is spliced into LISTEN: a plain identifier only. */
static int channel_ok(const char *ch)
{
    size_t n = strlen(ch);
    return n > 0 && n < 64 && strchr("abcdefghijklmnopqrstuvwxyz_", ch[0]) &&
           strspn(ch, "abcdefghijklmnopqrstuvwxyz0123456789_") == n;
}

/* Connect, LISTEN when asked, then the loop's own hook. Returns 0 or -1. */
static int connect_loop(hf_loop_t *l, int *warned)
{
    char err[256];
    l->conn = hf_db_connect(l->conninfo, 5, err, sizeof(err));
    if (!l->conn) {
        if (!(*warned)++)
            hf_logkv(HF_LOG_WARN, "background loop cannot reach PostgreSQL",
                     HF_KV_STR("loop", l->def.name), HF_KV_STR("error", err));
        return -1;
    }
    *warned = 0;
    /* named in pg_stat_activity: which loop of which service a backend
     * serves ("notify: event consumer notify.reactions") */
    char app[128];
    snprintf(app, sizeof(app), "%s: %s", hf_log_service(), l->def.name);
    const char *p[] = { app };
    if (hf_db_exec(l->conn, "SELECT set_config('application_name', $1, false)", 1, p, NULL) < 0) {
        disconnect(l);
        return -1;
    }
    /* listen before the first step, so no commit after it goes unnoticed
     * (an elected loop once it leads: standbys need not wake on commits) */
    if ((l->def.listen && !l->def.leader && listen_channel(l) < 0) ||
        (l->def.connected && l->def.connected(l, l->conn, l->def.user) < 0)) {
        disconnect(l);
        return -1;
    }
    return 0;
}

/* Try the election (once per call). Returns 1 while this loop leads. */
static int elect(hf_loop_t *l)
{
    if (!l->def.leader || l->leading)
        return 1;
    const char *p[] = { l->def.leader };
    PGresult *r = hf_db_query(l->conn, "SELECT pg_try_advisory_lock(hashtextextended($1, 0))", 1, p);
    l->leading = r && PQgetvalue(r, 0, 0)[0] == 't';
    PQclear(r);
    if (l->leading && l->def.listen && listen_channel(l) < 0)
        l->leading = 0; /* the connection is in trouble; the lock goes with it */
    if (l->leading)
        hf_logkv(HF_LOG_INFO, "background loop leads", HF_KV_STR("loop", l->def.name));
    return l->leading;
}

static void *loop_main(void *arg)
{
    hf_loop_t *l = arg;
    int warned = 0;
    while (!hf_loop_stopping(l)) {
        if (!l->conn && connect_loop(l, &warned) < 0) {
            sleep_ms(l, ERROR_PAUSE_MS);
            continue;
        }
        if (!elect(l)) {
            if (PQstatus(l->conn) != CONNECTION_OK || PQtransactionStatus(l->conn) != PQTRANS_IDLE)
                disconnect(l);
            sleep_ms(l, LEADER_RETRY_MS(l->def.idle_ms));
            continue;
        }
        l->sleep_next = -1;
        l->step_start = hf_mono_ms();
        int n = l->def.step(l, l->conn, l->def.user);
        int pause = n > 0 ? 0 : n == 0 ? l->def.idle_ms : ERROR_PAUSE_MS;
        if (l->sleep_next >= 0)
            pause = l->sleep_next;
        if (n < 0 && PQstatus(l->conn) != CONNECTION_OK) {
            hf_logkv(HF_LOG_WARN, "background loop lost its connection, reconnecting",
                     HF_KV_STR("loop", l->def.name));
            disconnect(l);
        }
        if (pause > 0 && !hf_loop_stopping(l))
            sleep_ms(l, pause);
    }
    if (l->conn)
        disconnect(l);
    if (l->def.cleanup)
        l->def.cleanup(l->def.user);
    return NULL;
}

static void loop_free(hf_loop_t *l)
{
    if (l->wake_fd >= 0)
        close(l->wake_fd);
    free((char *)l->def.name);
    free((char *)l->def.leader);
    free((char *)l->def.channel);
    free(l->conninfo);
    free(l);
}

hf_loop_t *hf_loop_start(const char *conninfo, const hf_loop_def_t *def)
{
    if (!def->step || !def->name) {
        hf_error("background loop: a name and a step function are required");
        return NULL;
    }
    if (def->channel && !channel_ok(def->channel)) {
        hf_logkv(HF_LOG_ERROR, "background loop: a channel is 1-63 of [a-z0-9_]",
                 HF_KV_STR("loop", def->name));
        return NULL;
    }
    hf_loop_t *l = calloc(1, sizeof(*l));
    if (!l)
        return NULL;
    l->def = *def;
    l->def.name = strdup(def->name);
    l->def.leader = def->leader ? strdup(def->leader) : NULL;
    l->def.channel = strdup(def->channel ? def->channel : "hf_outbox");
    l->def.idle_ms = def->idle_ms > 0 ? def->idle_ms : 500;
    l->conninfo = strdup(conninfo);
    l->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
    if (!l->def.name || (def->leader && !l->def.leader) || !l->def.channel || !l->conninfo ||
        l->wake_fd < 0 ||
        pthread_create(&l->thread, NULL, loop_main, l) != 0) {
        hf_logkv(HF_LOG_ERROR, "cannot start a background loop", HF_KV_STR("loop", def->name));
        loop_free(l);
        return NULL;
    }
    return l;
}

void hf_loop_stop(hf_loop_t **lp)
{
    if (!lp || !*lp)
        return;
    hf_loop_t *l = *lp;
    atomic_store(&l->stop, 1);
    hf_loop_wake(l);
    pthread_join(l->thread, NULL);
    loop_free(l);
    *lp = NULL;
}
