/* services/identity/cli.c - hrflow-identity tenant|company|apikey …
 *
 * Each command is idempotent where that makes sense for scripts: creating a
 * tenant whose slug exists, or a company whose code exists, prints the id of
 * the one already there and succeeds, so `./hrflow up` can run them every
 * time. A key is the exception (every call makes a new one): its token is
 * the only thing printed on stdout, ready for `> file`. Messages go to
 * stderr; the token never does.
 */
#include "cli.h"

#include "hf/arena.h"
#include "hf/args.h"
#include "hf/config.h"
#include "hf/log.h"
#include "hf/outbox.h"
#include "rules.h"
#include "store.h"
#include "token.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>

static const char *pg_dsn, *log_level;

static const hf_config_var_t settings[] = {
    { "HF_PG_DSN", HF_CONFIG_STRING, "host=127.0.0.1 port=7432 user=hrflow dbname=hrflow", 0, 0,
      "PostgreSQL connection string (libpq conninfo)", &pg_dsn },
    { "HF_LOG_LEVEL", HF_CONFIG_STRING, "warn", 0, 0, "debug, info, warn or error", &log_level },
};

void identity_cli_usage(FILE *f)
{
    fputs("commands (talk to PostgreSQL at HF_PG_DSN; apply migrations first):\n"
          "  tenant create --slug SLUG --name NAME\n"
          "        print the new tenant's id; an existing SLUG prints its id\n"
          "  company create --tenant SLUG|ID --code CODE --name NAME [--city CITY]\n"
          "                 [--credit-code CODE]\n"
          "        print the new company's id; an existing CODE prints its id\n"
          "  apikey create --tenant SLUG|ID --scope SCOPE [--scope SCOPE]...\n"
          "                [--company ID|CODE]... [--name NAME]\n"
          "        print a new key's token (only the token, on stdout); scopes: admin,\n"
          "        recruiter, payroll, integrator, engine, pii (with payroll: unmasked\n"
          "        ID numbers and bank accounts); no --company = every company\n"
          "  apikey verify\n"
          "        read a token from stdin; exit 0 and print its key id and tenant id\n"
          "        when it authenticates, exit 1 when it does not\n",
          f);
}

int identity_cli_is_command(const char *arg)
{
    return arg && (strcmp(arg, "tenant") == 0 || strcmp(arg, "company") == 0 ||
                   strcmp(arg, "apikey") == 0);
}

/* ---- arguments ---- */

enum { O_SLUG, O_NAME, O_TENANT, O_CODE, O_CITY, O_CREDIT_CODE, O_SCOPE, O_COMPANY, N_OPTS };

/* Every option of every command; commands[] says which a command takes. */
static const hf_arg_t options[N_OPTS] = {
    [O_SLUG] = { "slug", "SLUG", 0, NULL },
    [O_NAME] = { "name", "NAME", 0, NULL },
    [O_TENANT] = { "tenant", "SLUG|ID", 0, NULL },
    [O_CODE] = { "code", "CODE", 0, NULL },
    [O_CITY] = { "city", "CITY", 0, NULL },
    [O_CREDIT_CODE] = { "credit-code", "CODE", 0, NULL },
    [O_SCOPE] = { "scope", "SCOPE", HF_ARG_REPEAT, NULL },
    [O_COMPANY] = { "company", "ID|CODE", HF_ARG_REPEAT, NULL },
};

#define BIT(o) (1u << (o))

/* What was given of each option: o[O_NAME].values[0] is the name (NULL when
 * absent), o[O_SCOPE].values[0..count) every scope. */
typedef struct {
    hf_arg_seen_t o[N_OPTS];
} args_t;

static int usage_error(const char *fmt, const char *what)
{
    fprintf(stderr, "hrflow-identity: ");
    fprintf(stderr, fmt, what);
    fprintf(stderr, "\n\n");
    identity_cli_usage(stderr);
    return 2;
}

/* Options after "<noun> <verb>": those in `allowed` (BIT(O_…)), of which
 * `required` must be given. Returns 0, HF_ARGS_HELP, or 2 after a usage
 * message. */
static int parse_args(int argc, char **argv, unsigned allowed, unsigned required, args_t *a)
{
    hf_arg_t spec[N_OPTS];
    hf_arg_seen_t seen[N_OPTS];
    int of[N_OPTS];
    size_t n = 0;
    for (int o = 0; o < N_OPTS; o++) {
        if (!(BIT(o) & allowed))
            continue;
        spec[n] = options[o];
        spec[n].flags |= BIT(o) & required ? HF_ARG_REQUIRED : 0;
        of[n++] = o;
    }
    char why[160];
    int rc = hf_args_parse(spec, n, argc - 2, argv + 2, seen, why, sizeof(why));
    if (rc < 0)
        return usage_error("%s", why);
    for (size_t i = 0; rc == 0 && i < n; i++)
        a->o[of[i]] = seen[i];
    return rc;
}

static void report(void *ctx, const char *field, const char *code, const char *message)
{
    (void)code;
    int *n = ctx;
    (*n)++;
    fprintf(stderr, "hrflow-identity: invalid %s: %s\n", field, message);
}

/* ---- commands ---- */

static int failed(int rc, const char *what)
{
    if (rc == HF_ENOTFOUND)
        fprintf(stderr, "hrflow-identity: %s not found\n", what);
    else
        fprintf(stderr, "hrflow-identity: could not write %s (see the log line above)\n", what);
    return 1;
}

static int tenant_create(hf_store_t *st, const args_t *a)
{
    Hrflow__V1__Tenant in = HRFLOW__V1__TENANT__INIT, *t = NULL;
    in.slug = a->o[O_SLUG].values[0];
    in.name = a->o[O_NAME].values[0];
    int problems = 0;
    if (rules_check_tenant(&in, TENANT_SLUG | TENANT_NAME, NULL, report, &problems))
        return 1;
    int rc = store_tenant_create(st, in.slug, in.name, &t);
    if (rc == HF_EEXISTS)
        rc = store_tenant_find(st, in.slug, &t);
    if (rc != HF_OK)
        return failed(rc, "tenant");
    printf("%s\n", t->id);
    return 0;
}

static int find_tenant(hf_store_t *st, const char *slug_or_id, Hrflow__V1__Tenant **t)
{
    int rc = store_tenant_find(st, slug_or_id, t);
    if (rc == HF_OK)
        return 0;
    if (rc == HF_ENOTFOUND)
        fprintf(stderr, "hrflow-identity: no tenant has the slug or id \"%s\"\n", slug_or_id);
    else
        failed(rc, "tenant");
    return -1;
}

static int company_create(hf_store_t *st, const args_t *a)
{
    Hrflow__V1__Tenant *t = NULL;
    Hrflow__V1__Company in = HRFLOW__V1__COMPANY__INIT, *c = NULL;
    in.code = a->o[O_CODE].values[0];
    in.name = a->o[O_NAME].values[0];
    in.city = a->o[O_CITY].count ? a->o[O_CITY].values[0] : "";
    in.credit_code = a->o[O_CREDIT_CODE].count ? a->o[O_CREDIT_CODE].values[0] : "";
    int problems = 0;
    if (rules_check_company(&in, COMPANY_ALL, NULL, report, &problems) ||
        find_tenant(st, a->o[O_TENANT].values[0], &t) < 0)
        return 1;
    st->tenant = t->id;
    int rc = store_company_create(st, &in, &c);
    if (rc == HF_EEXISTS)
        rc = store_company_find(st, in.code, &c);
    if (rc != HF_OK)
        return failed(rc, "company");
    printf("%s\n", c->id);
    return 0;
}

static int apikey_create(hf_store_t *st, const args_t *a)
{
    Hrflow__V1__Tenant *t = NULL;
    if (find_tenant(st, a->o[O_TENANT].values[0], &t) < 0)
        return 1;
    st->tenant = t->id;
    const hf_arg_seen_t *scopes = &a->o[O_SCOPE], *companies = &a->o[O_COMPANY];
    char *ids[HF_ARG_MAX_VALUES];
    for (size_t i = 0; i < companies->count; i++) {
        Hrflow__V1__Company *c = NULL;
        if (store_company_find(st, companies->values[i], &c) != HF_OK) {
            fprintf(stderr,
                    "hrflow-identity: tenant %s has no company with the id or code \"%s\"\n",
                    t->slug, companies->values[i]);
            return 1;
        }
        ids[i] = c->id;
    }
    int problems = 0;
    const char *name = a->o[O_NAME].count ? a->o[O_NAME].values[0] : "";
    if (rules_check_key(name, scopes->values, scopes->count, ids, companies->count, report,
                        &problems))
        return 1;
    char key_id[TOKEN_KEY_ID_LEN + 1], token[TOKEN_LEN + 1];
    unsigned char digest[TOKEN_DIGEST_LEN];
    store_new_key_t k = { .key_id = key_id, .digest = digest, .name = name,
                          .scopes = scopes->values, .n_scopes = scopes->count,
                          .company_ids = ids, .n_company_ids = companies->count };
    Hrflow__V1__ApiKey *key = NULL;
    int rc = HF_EEXISTS;
    for (int attempt = 0; rc == HF_EEXISTS && attempt < 3; attempt++) {
        if (token_new(key_id, token) < 0) {
            fprintf(stderr, "hrflow-identity: could not draw random bytes for a key\n");
            return 1;
        }
        token_digest(token, digest);
        rc = store_apikey_create(st, &k, &key);
    }
    if (rc != HF_OK)
        return failed(rc, "api key");
    printf("%s\n", token);
    OPENSSL_cleanse(token, sizeof(token));
    fprintf(stderr, "hrflow-identity: created api key %s for tenant %s\n", key->id, t->slug);
    return 0;
}

static int apikey_verify(hf_store_t *st, const args_t *a)
{
    (void)a;
    char line[256], key_id[TOKEN_KEY_ID_LEN + 1];
    unsigned char digest[TOKEN_DIGEST_LEN];
    Hrflow__V1__Caller *c = NULL;
    int ok = fgets(line, sizeof(line), stdin) != NULL;
    if (ok) {
        line[strcspn(line, "\r\n")] = '\0';
        ok = token_parse(line, key_id) == 0;
    }
    if (ok) {
        token_digest(line, digest);
        int rc = store_authenticate(st, key_id, digest, &c);
        if (rc == HF_EDB)
            return failed(rc, "api key");
        ok = rc == HF_OK;
    }
    OPENSSL_cleanse(line, sizeof(line));
    if (!ok) {
        fprintf(stderr, "hrflow-identity: the token does not authenticate\n");
        return 1;
    }
    printf("%s %s\n", c->actor, c->tenant_id);
    return 0;
}

/* ---- main ---- */

static PGconn *connect_and_migrate(const hf_migration_t *m, size_t n)
{
    char err[512];
    PGconn *c = hf_db_connect(pg_dsn, 5, err, sizeof(err));
    if (!c) {
        fprintf(stderr, "hrflow-identity: cannot connect to PostgreSQL (HF_PG_DSN): %s\n", err);
        return NULL;
    }
    if (hf_db_migrate(c, "events", hf_events_migrations, hf_events_migrations_count, err,
                      sizeof(err)) < 0 ||
        hf_db_migrate(c, "identity", m, n, err, sizeof(err)) < 0) {
        fprintf(stderr, "hrflow-identity: migration failed: %s\n", err);
        PQfinish(c);
        return NULL;
    }
    return c;
}

typedef int command_fn(hf_store_t *st, const args_t *a);

static const struct {
    const char *noun, *verb;
    command_fn *run;
    unsigned allowed, required;
} commands[] = {
    { "tenant", "create", tenant_create, BIT(O_SLUG) | BIT(O_NAME), BIT(O_SLUG) | BIT(O_NAME) },
    { "company", "create", company_create,
      BIT(O_TENANT) | BIT(O_CODE) | BIT(O_NAME) | BIT(O_CITY) | BIT(O_CREDIT_CODE),
      BIT(O_TENANT) | BIT(O_CODE) | BIT(O_NAME) },
    { "apikey", "create", apikey_create,
      BIT(O_TENANT) | BIT(O_SCOPE) | BIT(O_COMPANY) | BIT(O_NAME), BIT(O_TENANT) | BIT(O_SCOPE) },
    { "apikey", "verify", apikey_verify, 0, 0 },
};

int identity_cli(const hf_service_def_t *def, int argc, char **argv)
{
    if (argc < 2 || !identity_cli_is_command(argv[1]))
        return -1;
    size_t k = 0, n_commands = sizeof(commands) / sizeof(commands[0]);
    while (k < n_commands && !(argc > 2 && strcmp(argv[1], commands[k].noun) == 0 &&
                               strcmp(argv[2], commands[k].verb) == 0))
        k++;
    if (k == n_commands)
        return usage_error("unknown command \"%s\"", argc > 2 ? argv[2] : argv[1]);
    args_t a = { 0 };
    int rc = parse_args(argc, argv, commands[k].allowed, commands[k].required, &a);
    if (rc == HF_ARGS_HELP)
        identity_cli_usage(stdout);
    if (rc != 0)
        return rc == HF_ARGS_HELP ? 0 : rc;
    char err[2048];
    hf_log_level_t level = HF_LOG_WARN;
    if (hf_config_load(settings, sizeof(settings) / sizeof(settings[0]), err, sizeof(err)) < 0) {
        fprintf(stderr, "hrflow-identity: invalid configuration:\n%s", err);
        return 2;
    }
    hf_log_level_parse(log_level, &level);
    hf_log_init("identity", level);

    PGconn *db = connect_and_migrate(def->migrations, def->n_migrations);
    hf_arena_t *arena = hf_arena_new(0);
    if (!db || !arena) {
        PQfinish(db);
        hf_arena_destroy(&arena);
        return 1;
    }
    hf_store_t st;
    hf_store_init(&st, db, arena, NULL, NULL);
    rc = commands[k].run(&st, &a);
    hf_arena_destroy(&arena);
    PQfinish(db);
    return rc;
}
