/* tests/lib/testlib.c - ports, child processes, HTTP GET and databases for tests */
#include "testlib.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <libpq-fe.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

const char *tl_env(const char *name)
{
    const char *v = getenv(name);
    if (!v || !*v) {
        fprintf(stderr, "%s is not set: run the tests through ./hrflow test\n", name);
        exit(77);
    }
    return v;
}

long long tl_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Ports handed out come from below the kernel's ephemeral range: a port
 * found free by binding to port 0 is an ephemeral one, and any outgoing
 * connection (ZeroMQ reconnects every 100 ms) may take it before the server
 * we start binds it. Each process starts at its own offset in the range so
 * tests running in parallel rarely try the same port. */
static int ephemeral_low(void)
{
    int low = 32768, high;
    FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
    if (f) {
        if (fscanf(f, "%d %d", &low, &high) != 2)
            low = 32768;
        fclose(f);
    }
    return low;
}

static int port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    int ok = fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0;
    if (fd >= 0)
        close(fd);
    return ok;
}

int tl_free_port(void)
{
    static int base, span, next = -1;
    if (next < 0) {
        base = 15000;
        span = ephemeral_low() - base;
        if (span < 1000) { /* an unusual kernel setting: use the range above */
            base = 61000;
            span = 4000;
        }
        next = (int)((getpid() * 7919L) % span);
    }
    for (int tries = 0; tries < span; tries++) {
        int port = base + next;
        next = (next + 1) % span;
        if (port_free(port))
            return port;
    }
    return -1;
}

const char *tl_tcp(int port)
{
    static char ring[16][40];
    static int next;
    char *b = ring[next++ % 16];
    snprintf(b, 40, "tcp://127.0.0.1:%d", port);
    return b;
}

const char *tl_addr(int port)
{
    return tl_tcp(port) + strlen("tcp://");
}

pid_t tl_spawn(const char *log_name, const char *const argv[], const char *const env[])
{
    size_t n = 0, extra = 0;
    while (environ[n])
        n++;
    while (env && env[extra])
        extra++;
    char **envp = calloc(n + extra + 1, sizeof(char *));
    size_t k = 0;
    for (size_t i = 0; env && i < extra; i++)
        envp[k++] = (char *)env[i];
    for (size_t i = 0; i < n; i++) {
        /* the extras override inherited variables of the same name */
        size_t nl = strcspn(environ[i], "=");
        int dup = 0;
        for (size_t j = 0; env && j < extra; j++)
            if (strncmp(env[j], environ[i], nl + 1) == 0)
                dup = 1;
        if (!dup)
            envp[k++] = environ[i];
    }
    char path[512];
    const char *dir = getenv("HF_TEST_TMPDIR");
    snprintf(path, sizeof(path), "%s/%s.log", dir && *dir ? dir : "/tmp", log_name);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, path, O_WRONLY | O_CREAT | O_APPEND, 0644);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    if (rc != 0) {
        fprintf(stderr, "cannot start %s: %s\n", argv[0], strerror(rc));
        return -1;
    }
    return pid;
}

int tl_exited(pid_t pid, int *status)
{
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid && status)
        *status = st;
    return r == pid;
}

int tl_stop(pid_t pid, int sig, int timeout_ms)
{
    if (pid <= 0)
        return -1;
    kill(pid, sig);
    long long until = tl_ms() + timeout_ms;
    int st;
    while (tl_ms() < until) {
        if (waitpid(pid, &st, WNOHANG) == pid)
            return st;
        usleep(5000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &st, 0);
    return -1;
}

static int connect_port(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                              .sin_addr.s_addr = htonl(INADDR_LOOPBACK) };
    if (fd >= 0 && connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
        return fd;
    if (fd >= 0)
        close(fd);
    return -1;
}

int tl_wait_port(int port, int timeout_ms)
{
    long long until = tl_ms() + timeout_ms;
    while (tl_ms() < until) {
        int fd = connect_port(port);
        if (fd >= 0) {
            close(fd);
            return 0;
        }
        usleep(10000);
    }
    return -1;
}

char *tl_http_get(int port, const char *path, int *status)
{
    int fd = connect_port(port);
    if (fd < 0)
        return NULL;
    char req[512];
    int n = snprintf(req, sizeof(req),
                     "GET %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n", path);
    if (write(fd, req, (size_t)n) != n) {
        close(fd);
        return NULL;
    }
    size_t cap = 65536, len = 0;
    char *buf = malloc(cap);
    ssize_t r;
    while ((r = read(fd, buf + len, cap - len - 1)) > 0) {
        len += (size_t)r;
        if (len + 1 == cap)
            buf = realloc(buf, cap *= 2);
    }
    close(fd);
    buf[len] = '\0';
    if (sscanf(buf, "HTTP/1.%*d %d", status) != 1) {
        free(buf);
        return NULL;
    }
    char *body = strstr(buf, "\r\n\r\n");
    char *out = strdup(body ? body + 4 : "");
    free(buf);
    return out;
}

double tl_metric(const char *text, const char *series)
{
    size_t n = strlen(series);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        if (strncmp(p, series, n) == 0 && p[n] == ' ')
            return strtod(p + n + 1, NULL);
    }
    return -1;
}

static PGconn *admin(void)
{
    PGconn *c = PQconnectdb(tl_env("HF_TEST_PG_DSN"));
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "cannot reach the test PostgreSQL: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    return c;
}

char *tl_db_create(const char *prefix)
{
    PGconn *c = admin();
    if (!c)
        return NULL;
    char name[64], sql[128];
    snprintf(name, sizeof(name), "%s_%d_%lld", prefix, (int)getpid(), tl_ms() % 100000);
    snprintf(sql, sizeof(sql), "CREATE DATABASE %s", name);
    PGresult *r = PQexec(c, sql);
    int ok = PQresultStatus(r) == PGRES_COMMAND_OK;
    if (!ok)
        fprintf(stderr, "%s: %s", sql, PQerrorMessage(c));
    PQclear(r);
    PQfinish(c);
    if (!ok)
        return NULL;
    size_t len = strlen(getenv("HF_TEST_PG_DSN")) + strlen(name) + 16;
    char *dsn = malloc(len);
    snprintf(dsn, len, "%s dbname=%s", getenv("HF_TEST_PG_DSN"), name);
    return dsn;
}

void tl_db_drop(const char *conninfo)
{
    const char *p = conninfo ? strstr(conninfo, " dbname=") : NULL;
    if (!p)
        return;
    while (strstr(p + 1, " dbname="))
        p = strstr(p + 1, " dbname=");
    PGconn *c = admin();
    if (!c)
        return;
    char sql[128];
    snprintf(sql, sizeof(sql), "DROP DATABASE IF EXISTS %s WITH (FORCE)", p + 8);
    PQclear(PQexec(c, sql));
    PQfinish(c);
}
