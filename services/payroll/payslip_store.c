/* services/payroll/payslip_store.c - payslips sealed at rest and opened again (payslip_store.h)
 *
 * Opening is decrypting, then by the first byte (pr_payslip_is_compact):
 * figures are decoded and rendered with their scheme version; a packed
 * message is unpacked and its component lines explained from the same.
 */
#include "payslip_store.h"

#include "schemes_store.h"

#include "hf/crypto.h"
#include "hf/log.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PAYSLIP_AAD "payslips.body"

pr_program_t *pr_scheme_version_compile(const Hrflow__V1__PaySchemeVersion *v,
                                        unsigned char *taxable, pr_ferror_t *err)
{
    if (v->n_components > PR_COMPONENTS_MAX) {
        snprintf(err->message, sizeof(err->message), "too many components");
        return NULL;
    }
    pr_component_src_t src[PR_COMPONENTS_MAX];
    for (size_t i = 0; i < v->n_components; i++) {
        src[i] = (pr_component_src_t){ v->components[i]->name,
                                       (pr_kind_t)pr_kind_of(v->components[i]->kind),
                                       v->components[i]->formula };
        if (taxable)
            taxable[i] = v->components[i]->taxable;
    }
    size_t n_err = 0;
    return pr_program_compile(src, v->n_components, err, 1, &n_err);
}

static void aad_of(const char *tenant, char aad[80])
{
    snprintf(aad, 80, "%s:%s", tenant, PAYSLIP_AAD);
}

char *pr_payslip_seal(const hf_keyring_t *keys, const char *tenant, const pr_payslip_rec_t *rec)
{
    uint8_t buf[PR_PAYSLIP_ENCODED_MAX];
    size_t len = pr_payslip_encode(rec, buf);
    char aad[80], *tok = NULL;
    aad_of(tenant, aad);
    if (hf_pii_encrypt(keys, (const char *)buf, len, aad, &tok) < 0)
        tok = NULL;
    OPENSSL_cleanse(buf, len);
    return tok;
}

/* ---- the scheme versions seen ---- */

struct pr_scheme_seen {
    pr_scheme_seen_t *next;
    char id[40];
    int version;
    pr_payslip_scheme_t scheme;
};

void pr_payslip_reader_init(pr_payslip_reader_t *r, hf_store_t *st)
{
    r->st = st;
    r->seen = NULL;
}

void pr_payslip_reader_done(pr_payslip_reader_t *r)
{
    for (pr_scheme_seen_t *s = r->seen; s; s = s->next) {
        pr_program_t *p = (pr_program_t *)s->scheme.program;
        pr_program_destroy(&p);
    }
    r->seen = NULL;
}

/* Scheme id's version, compiled once per reader. */
static int scheme_of(pr_payslip_reader_t *r, const char *id, int version,
                     const pr_payslip_scheme_t **out)
{
    for (pr_scheme_seen_t *s = r->seen; s; s = s->next)
        if (s->version == version && !strcmp(s->id, id)) {
            *out = &s->scheme;
            return HF_OK;
        }
    Hrflow__V1__PayScheme *scheme = NULL;
    int rc = pr_store_scheme_get(r->st, id, "", version, 0, &scheme);
    if (rc != HF_OK)
        return rc == HF_ENOTFOUND ? HF_EDB : rc;
    pr_scheme_seen_t *s = hf_store_alloc(r->st, sizeof(*s));
    if (!s)
        return HF_ENOMEM;
    pr_ferror_t err;
    pr_program_t *p = pr_scheme_version_compile(scheme->version, NULL, &err);
    if (!p) {
        hf_error("a payslip's scheme version does not compile");
        return HF_EDB;
    }
    snprintf(s->id, sizeof(s->id), "%s", id);
    s->version = version;
    s->scheme = (pr_payslip_scheme_t){ scheme->version, p };
    s->next = r->seen;
    r->seen = s;
    *out = &s->scheme;
    return HF_OK;
}

/* ---- opening ---- */

/* The plaintext of token (the caller wipes and frees it), or NULL. */
static char *unseal(hf_store_t *st, const char *token, size_t *len)
{
    char aad[80], *plain = NULL;
    aad_of(st->tenant, aad);
    if (!st->keys || hf_pii_decrypt(st->keys, token, aad, &plain, len) < 0) {
        hf_error("a payslip does not decrypt");
        return NULL;
    }
    return plain;
}

static int open_compact(pr_payslip_reader_t *r, hf_arena_t *a, const pr_payslip_rec_t *rec,
                        const pr_payslip_head_t *head, int lines, Hrflow__V1__Payslip **out)
{
    const pr_payslip_scheme_t *scheme = NULL;
    if (lines) {
        char id[37];
        pr_uuid_format(rec->scheme_id, id);
        int rc = scheme_of(r, id, rec->scheme_version, &scheme);
        if (rc != HF_OK)
            return rc;
    }
    *out = pr_payslip_render(a, rec, head, scheme);
    if (!*out)
        hf_error("a payslip does not fit its scheme version");
    return *out ? HF_OK : HF_EDB;
}

/* A payslip stored whole (before the compact form). */
static int open_whole(pr_payslip_reader_t *r, hf_arena_t *a, const char *plain, size_t len,
                      int lines, Hrflow__V1__Payslip **out)
{
    ProtobufCAllocator alloc = hf_arena_allocator(a);
    Hrflow__V1__Payslip *s = hrflow__v1__payslip__unpack(&alloc, len, (const uint8_t *)plain);
    if (!s) {
        hf_error("a payslip does not unpack");
        return HF_EDB;
    }
    if (!lines) {
        s->n_lines = 0;
        s->lines = NULL;
    } else {
        const pr_payslip_scheme_t *scheme = NULL;
        int rc = scheme_of(r, s->scheme_id, s->scheme_version, &scheme);
        if (rc != HF_OK)
            return rc;
        pr_payslip_explain(a, s, scheme);
    }
    *out = s;
    return HF_OK;
}

int pr_payslip_open(pr_payslip_reader_t *r, hf_arena_t *a, const char *token,
                    const pr_payslip_head_t *head, int lines, Hrflow__V1__Payslip **out)
{
    size_t len = 0;
    char *plain = unseal(r->st, token, &len);
    if (!plain)
        return HF_EDB;
    int rc;
    if (pr_payslip_is_compact(plain, len)) {
        pr_payslip_rec_t rec;
        rc = pr_payslip_decode(plain, len, &rec) == 0 ? HF_OK : HF_EDB;
        if (rc != HF_OK)
            hf_error("a payslip does not decode");
        else
            rc = open_compact(r, a, &rec, head, lines, out);
        OPENSSL_cleanse(&rec, sizeof(rec));
    } else {
        rc = open_whole(r, a, plain, len, lines, out);
    }
    OPENSSL_cleanse(plain, len);
    free(plain);
    return rc;
}

int pr_payslip_row(pr_payslip_reader_t *r, hf_arena_t *a, PGresult *res, int i, int col,
                   int lines, Hrflow__V1__Payslip **out)
{
    const char *f[6];
    for (int k = 0; k < 6; k++)
        if (!(f[k] = hf_arena_strdup(a, PQgetvalue(res, i, col + 1 + k))))
            return HF_ENOMEM;
    const pr_payslip_head_t head = { f[0], f[1], f[2], f[3], f[4], f[5] };
    return pr_payslip_open(r, a, PQgetvalue(res, i, col), &head, lines, out);
}

int pr_payslip_ytd(hf_store_t *st, const char *token, pr_tax_ytd_t *ytd)
{
    size_t len = 0;
    char *plain = unseal(st, token, &len);
    if (!plain)
        return HF_EDB;
    int rc = HF_EDB;
    if (pr_payslip_is_compact(plain, len)) {
        pr_payslip_rec_t rec;
        if (pr_payslip_decode(plain, len, &rec) == 0) {
            *ytd = rec.ytd;
            rc = HF_OK;
        }
        OPENSSL_cleanse(&rec, sizeof(rec));
    } else {
        Hrflow__V1__Payslip *s = hrflow__v1__payslip__unpack(&st->alloc, len,
                                                             (const uint8_t *)plain);
        if (s && s->ytd) {
            ytd->months = s->ytd->months;
            pr_money_parse(s->ytd->income, 0, &ytd->income);
            pr_money_parse(s->ytd->special, 0, &ytd->special);
            pr_money_parse(s->ytd->additional, 0, &ytd->additional);
            pr_money_parse(s->ytd->other, 0, &ytd->other);
            pr_money_parse(s->ytd->withheld, 0, &ytd->withheld);
            rc = HF_OK;
        }
    }
    OPENSSL_cleanse(plain, len);
    free(plain);
    if (rc != HF_OK)
        hf_error("a payslip's year so far does not read");
    return rc;
}
