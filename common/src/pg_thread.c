/* common/src/pg_thread.c - a thread with its own PostgreSQL connection that
 * wakes on the outbox's NOTIFY, a stop request or a timeout
 *
 * What the outbox relay and the durable consumers share: connecting, LISTEN,
 * the poll() on the connection's socket and an eventfd, and start/stop. Their
 * loops stay in outbox.c and consumer.c.
 */
#include "hf_private.h"

#include "hf/db.h"
#include "hf/log.h"

#include <errno.h>
#include <poll.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <unistd.h>

int hf_pg_thread_start(hf_pg_thread_t *t, const char *what, const char *conninfo,
                       void *(*main)(void *), void *arg)
{
    t->what = what;
    t->conn = NULL;
    t->listening = 0;
    atomic_store(&t->stop, 0);
    t->conninfo = strdup(conninfo);
    t->wake_fd = eventfd(0, EFD_CLOEXEC);
    if (t->conninfo && t->wake_fd >= 0 && pthread_create(&t->thread, NULL, main, arg) == 0)
        return 0;
    if (t->wake_fd >= 0)
        close(t->wake_fd);
    free(t->conninfo);
    t->conninfo = NULL;
    return -1;
}

void hf_pg_thread_stop(hf_pg_thread_t *t)
{
    atomic_store(&t->stop, 1);
    uint64_t one = 1;
    if (write(t->wake_fd, &one, sizeof(one)) < 0)
        hf_warn("%s: wake failed: %s", t->what, strerror(errno));
    pthread_join(t->thread, NULL);
    hf_pg_thread_disconnect(t);
    close(t->wake_fd);
    free(t->conninfo);
    t->conninfo = NULL;
}

int hf_pg_thread_connect(hf_pg_thread_t *t)
{
    char err[256];
    t->listening = 0;
    t->conn = hf_db_connect(t->conninfo, 5, err, sizeof(err));
    if (!t->conn) {
        hf_warn("%s: cannot connect: %s", t->what, err);
        return -1;
    }
    return 0;
}

int hf_pg_thread_listen(hf_pg_thread_t *t)
{
    if (hf_db_exec(t->conn, "LISTEN hf_outbox", 0, NULL, NULL) < 0)
        return -1;
    t->listening = 1;
    return 0;
}

void hf_pg_thread_disconnect(hf_pg_thread_t *t)
{
    PQfinish(t->conn);
    t->conn = NULL;
    t->listening = 0;
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

void hf_pg_thread_wait(hf_pg_thread_t *t, int timeout_ms)
{
    /* a NOTIFY that arrived while the last statement ran is already read */
    if (t->conn && t->listening && drain_notifies(t->conn) > 0)
        return;
    struct pollfd fds[2] = { { t->wake_fd, POLLIN, 0 }, { -1, POLLIN, 0 } };
    if (t->conn && t->listening)
        fds[1].fd = PQsocket(t->conn);
    poll(fds, 2, timeout_ms);
    if (t->conn) {
        PQconsumeInput(t->conn);
        drain_notifies(t->conn);
    }
}
