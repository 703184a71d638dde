/* tests/lib/testlib.h - what the integration tests share: ports, processes, databases
 *
 * The tests run against real servers: `./hrflow test` starts a throwaway
 * PostgreSQL and Redis and exports HF_TEST_PG_DSN and HF_TEST_REDIS_ADDR;
 * a test starts its own brokers and workers as child processes on free ports.
 */
#ifndef HF_TESTLIB_H
#define HF_TESTLIB_H

#include <stddef.h>
#include <sys/types.h>

/* Exit 77 (skipped, which ./hrflow test counts as a failure) with a message
 * when name is not set; otherwise return its value. */
const char *tl_env(const char *name);

/* A TCP port on 127.0.0.1 that was free a moment ago. */
int tl_free_port(void);

/* "tcp://127.0.0.1:<port>" in a static ring of buffers (valid for a while). */
const char *tl_tcp(int port);

/* "127.0.0.1:<port>", same ring of buffers. */
const char *tl_addr(int port);

/* Start argv[0] with the current environment plus env (NULL-terminated
 * "NAME=value" list). Output goes to $HF_TEST_TMPDIR/<log_name>.log (or /tmp).
 * Returns the pid, or -1. */
pid_t tl_spawn(const char *log_name, const char *const argv[], const char *const env[]);

/* Send sig and wait up to timeout_ms for the process to exit. Returns its
 * wait status, or -1 when it did not exit (it is then SIGKILLed). */
int tl_stop(pid_t pid, int sig, int timeout_ms);

/* 1 when the process has exited (reaped), 0 when it still runs. */
int tl_exited(pid_t pid, int *status);

/* Wait until something accepts TCP connections on port. Returns 0, or -1. */
int tl_wait_port(int port, int timeout_ms);

/* HTTP GET http://127.0.0.1:<port><path>. Returns the malloc'd response body
 * and sets *status, or NULL on failure. */
char *tl_http_get(int port, const char *path, int *status);

/* The value of a Prometheus sample line "name{labels} value" (exact name
 * with labels as written), or -1 when absent. */
double tl_metric(const char *text, const char *series);

/* Create a fresh database on the test server and return its conninfo
 * (malloc'd). The database is dropped by tl_db_drop(). */
char *tl_db_create(const char *prefix);
void tl_db_drop(const char *conninfo);

/* Milliseconds since an arbitrary start (monotonic). */
long long tl_ms(void);

#endif
