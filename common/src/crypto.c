/* common/src/crypto.c - digests, personal data at rest, sealed tokens
 *
 * Four parts, in this order: digests; the keyring and the v1 token
 * (AES-256-GCM, OpenSSL's EVP API); sealed tokens (XChaCha20-Poly1305,
 * libsodium, under subkeys of the keyring's keys); the blind index and the
 * normalisers that feed it.
 * Keys live only in the keyring, which is wiped on destroy; a plaintext that
 * fails authentication is wiped before it is freed. The token is text
 * (base64url, hf/encoding.h) so it fits a PostgreSQL text column and JSON
 * unescaped.
 * See hf/crypto.h for the contract and docs/security.md for operations.
 */
#include "hf/crypto.h"
#include "hf/encoding.h"

#include <assert.h>
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/params.h>
#include <sodium.h>

#define KEY_LEN 32
#define NONCE_LEN 12
#define TAG_LEN 16
#define HMAC_ID "hmac"
#define TOKEN_VERSION "v1"

/* ---- random bytes ---- */

/* The kernel's random bytes (getrandom), 256 at a time into a per-thread
 * pool: a system call per nonce or id was measurable (a bus client draws a
 * span id for every call, 1.6 % of the bus benchmark's CPU; libcrypto's
 * RAND_bytes checks its process id at every call, 4.5 % of an import's).
 * A byte is handed out once and wiped from the pool as it is; a forked
 * child starts with an empty pool, so it never repeats its parent's. */
#define POOL 256
static _Thread_local unsigned char pool[POOL];
static _Thread_local size_t pool_left;
static pthread_once_t pool_once = PTHREAD_ONCE_INIT;

static void pool_forget(void)
{
    pool_left = 0; /* in the child: the one thread there is the forking one */
}

static void pool_init(void)
{
    pthread_atfork(NULL, NULL, pool_forget);
}

int hf_random_bytes(void *out, size_t n)
{
    assert(n <= POOL);
    pthread_once(&pool_once, pool_init);
    if (pool_left < n) {
        if (getrandom(pool, POOL, 0) != POOL)
            return -1;
        pool_left = POOL;
    }
    memcpy(out, pool + POOL - pool_left, n);
    OPENSSL_cleanse(pool + POOL - pool_left, n);
    pool_left -= n;
    return 0;
}

static void digest_hex(const EVP_MD *md, const void *data, size_t len, char *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, md, NULL);
    hf_hex_encode(out, d, n);
}

void hf_sha256_hex(const void *data, size_t len, char out[65])
{
    digest_hex(EVP_sha256(), data, len, out);
}

void hf_sha1_hex(const void *data, size_t len, char out[41])
{
    digest_hex(EVP_sha1(), data, len, out);
}

/* --- keyring --------------------------------------------------------------- */

typedef struct {
    char id[HF_KEY_ID_MAX + 1];
    unsigned char key[KEY_LEN];
} aes_key_t;

struct hf_keyring {
    size_t nkeys;                        /* keys[0] is the current key */
    aes_key_t keys[HF_KEYRING_MAX_KEYS];
    int has_hmac;
    unsigned char hmac[KEY_LEN];
    EVP_MAC *mac;                        /* HMAC, fetched once */
};

static void seterr(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void seterr(char *err, size_t errlen, const char *fmt, ...)
{
    if (!err || errlen == 0)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

static int is_id_char(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

/* Length of the key id at s (up to the first non-id character), or 0 if it
 * is empty or longer than HF_KEY_ID_MAX. */
static size_t id_len(const char *s, size_t n)
{
    size_t i = 0;
    while (i < n && is_id_char((unsigned char)s[i]))
        i++;
    return i <= HF_KEY_ID_MAX ? i : 0;
}

static const aes_key_t *find_key(const hf_keyring_t *k, const char *id, size_t idlen)
{
    for (size_t i = 0; i < k->nkeys; i++)
        if (strlen(k->keys[i].id) == idlen && memcmp(k->keys[i].id, id, idlen) == 0)
            return &k->keys[i];
    return NULL;
}

/* Add one trimmed entry [s, s + n) of the spec (entry number no, from 1). */
static int add_entry(hf_keyring_t *k, size_t no, const char *s, size_t n, char *err, size_t errlen)
{
    const char *colon = memchr(s, ':', n);
    if (n == 0) {
        seterr(err, errlen, "entry %zu is empty", no);
        return -1;
    }
    if (!colon) {
        seterr(err, errlen, "entry %zu has no ':' (expected <id>:<64 hex digits>)", no);
        return -1;
    }
    size_t il = (size_t)(colon - s);
    if (il == 0 || id_len(s, il) != il) {
        seterr(err, errlen, "entry %zu: a key id is 1 to %d characters of a-z and 0-9", no,
               HF_KEY_ID_MAX);
        return -1;
    }
    char id[HF_KEY_ID_MAX + 1];
    memcpy(id, s, il);
    id[il] = '\0';
    int is_hmac = strcmp(id, HMAC_ID) == 0;
    if ((is_hmac && k->has_hmac) || (!is_hmac && find_key(k, id, il))) {
        seterr(err, errlen, "duplicate key id \"%s\"", id);
        return -1;
    }
    if (!is_hmac && k->nkeys == HF_KEYRING_MAX_KEYS) {
        seterr(err, errlen, "more than %d encryption keys", HF_KEYRING_MAX_KEYS);
        return -1;
    }
    size_t hl = n - il - 1;
    if (hl != 2 * KEY_LEN) {
        seterr(err, errlen, "key \"%s\" has %zu hex digits, expected %d", id, hl, 2 * KEY_LEN);
        return -1;
    }
    unsigned char *dst = is_hmac ? k->hmac : k->keys[k->nkeys].key;
    if (hf_hex_decode(colon + 1, dst, KEY_LEN) < 0) {
        seterr(err, errlen, "key \"%s\" is not hexadecimal", id);
        return -1;
    }
    if (is_hmac) {
        k->has_hmac = 1;
    } else {
        memcpy(k->keys[k->nkeys].id, id, il + 1);
        k->nkeys++;
    }
    return 0;
}

/* Every entry of spec, trimmed of whitespace, through add_entry. */
static int parse_spec(hf_keyring_t *k, const char *spec, char *err, size_t errlen)
{
    size_t no = 1;
    for (const char *p = spec;; no++) {
        const char *end = strchr(p, ',');
        const char *e = end ? end : p + strlen(p);
        const char *b = p;
        while (b < e && isspace((unsigned char)*b))
            b++;
        while (e > b && isspace((unsigned char)e[-1]))
            e--;
        if (add_entry(k, no, b, (size_t)(e - b), err, errlen) < 0)
            return -1;
        if (!end)
            return 0;
        p = end + 1;
    }
}

/* The whole keyring's rules, once every entry is in. */
static int check_keyring(const hf_keyring_t *k, char *err, size_t errlen)
{
    if (k->nkeys == 0) {
        seterr(err, errlen, "no encryption key: put <id>:<64 hex digits> first in the list");
        return -1;
    }
    if (!k->has_hmac) {
        seterr(err, errlen, "no blind-index key: add hmac:<64 hex digits>");
        return -1;
    }
    for (size_t i = 0; i < k->nkeys; i++)
        if (CRYPTO_memcmp(k->keys[i].key, k->hmac, KEY_LEN) == 0) {
            seterr(err, errlen, "keys \"%s\" and \"hmac\" are the same: use separate keys",
                   k->keys[i].id);
            return -1;
        }
    return 0;
}

static int only_space(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    return *s == '\0';
}

hf_keyring_t *hf_keyring_new(const char *spec, char *err, size_t errlen)
{
    seterr(err, errlen, "%s", "");
    if (!spec || only_space(spec)) {
        seterr(err, errlen, "no keys: the key spec is empty");
        return NULL;
    }
    if (sodium_init() < 0) { /* for hf_seal's random nonces; idempotent */
        seterr(err, errlen, "libsodium cannot start");
        return NULL;
    }
    hf_keyring_t *k = calloc(1, sizeof(*k));
    if (!k) {
        seterr(err, errlen, "out of memory");
        return NULL;
    }
    if (parse_spec(k, spec, err, errlen) < 0 || check_keyring(k, err, errlen) < 0) {
        hf_keyring_destroy(&k);
        return NULL;
    }
    k->mac = EVP_MAC_fetch(NULL, "HMAC", NULL);
    if (!k->mac) {
        seterr(err, errlen, "libcrypto has no HMAC");
        hf_keyring_destroy(&k);
    }
    return k;
}

void hf_keyring_destroy(hf_keyring_t **kp)
{
    if (!kp || !*kp)
        return;
    EVP_MAC_free((*kp)->mac);
    OPENSSL_cleanse(*kp, sizeof(**kp));
    free(*kp);
    *kp = NULL;
}

const char *hf_keyring_current_id(const hf_keyring_t *k)
{
    return k->keys[0].id;
}

/* --- v1 tokens ------------------------------------------------------------- */

/* A token cut into its parts (pointers into the token). */
typedef struct {
    const char *kid;
    size_t kidlen;
    const char *payload;     /* base64url, NUL-terminated by the token */
} token_t;

static int parse_token(const char *token, token_t *t)
{
    static const char prefix[] = TOKEN_VERSION ".";
    if (!token || strncmp(token, prefix, sizeof(prefix) - 1) != 0)
        return -EINVAL;
    t->kid = token + sizeof(prefix) - 1;
    t->kidlen = id_len(t->kid, strlen(t->kid));
    if (t->kidlen == 0 || t->kid[t->kidlen] != '.')
        return -EINVAL;
    t->payload = t->kid + t->kidlen + 1;
    return 0;
}

/* AES-256-GCM, fetched from the default provider once: naming it by
 * EVP_aes_256_gcm() makes every EVP_*Init_ex fetch it again (OpenSSL 3's
 * "implicit fetching", crypto(7), whose Performance section advises this).
 * NULL if the provider has none. */
static EVP_CIPHER *gcm_cipher;
static pthread_once_t gcm_once = PTHREAD_ONCE_INIT;

static void gcm_fetch(void)
{
    gcm_cipher = EVP_CIPHER_fetch(NULL, "AES-256-GCM", NULL);
}

static const EVP_CIPHER *gcm(void)
{
    pthread_once(&gcm_once, gcm_fetch);
    return gcm_cipher;
}

/* Feed the token's header "v1.<kid>." then aad as associated data to a GCM
 * context (encrypting or decrypting). Returns 1 or 0 like libcrypto. */
static int add_aad(EVP_CIPHER_CTX *c, const char *kid, const char *aad)
{
    char head[sizeof(TOKEN_VERSION) + HF_KEY_ID_MAX + 2];
    int hl = snprintf(head, sizeof(head), TOKEN_VERSION ".%s.", kid);
    int n;
    return EVP_CipherUpdate(c, NULL, &n, (const unsigned char *)head, hl) == 1 &&
           EVP_CipherUpdate(c, NULL, &n, (const unsigned char *)aad, (int)strlen(aad)) == 1;
}

int hf_pii_encrypt(const hf_keyring_t *k, const char *plain, size_t len, const char *aad,
                   char **out)
{
    assert(k && out && aad && *aad && (plain || len == 0));
    *out = NULL;
    if (len > HF_PII_MAX)
        return -EMSGSIZE;
    const aes_key_t *key = &k->keys[0];
    size_t blen = NONCE_LEN + len + TAG_LEN;
    unsigned char *buf = malloc(blen);
    size_t toklen = sizeof(TOKEN_VERSION) + strlen(key->id) + 1 + hf_base64url_len(blen) + 1;
    char *tok = malloc(toklen);
    EVP_CIPHER_CTX *c = NULL;
    int rc = -ENOMEM, n = 0, fin = 0;
    if (!buf || !tok)
        goto done;
    rc = -EIO;
    if (hf_random_bytes(buf, NONCE_LEN) < 0)
        goto done;
    c = EVP_CIPHER_CTX_new();
    if (!c || !gcm() || EVP_EncryptInit_ex(c, gcm(), NULL, key->key, buf) != 1 ||
        !add_aad(c, key->id, aad) ||
        EVP_EncryptUpdate(c, buf + NONCE_LEN, &n, (const unsigned char *)plain, (int)len) != 1 ||
        EVP_EncryptFinal_ex(c, buf + NONCE_LEN + n, &fin) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, TAG_LEN, buf + NONCE_LEN + len) != 1)
        goto done;
    int hl = sprintf(tok, TOKEN_VERSION ".%s.", key->id);
    hf_base64url_encode_public(tok + hl, toklen - (size_t)hl, buf, blen); /* a ciphertext */
    *out = tok;
    tok = NULL;
    rc = 0;
done:
    EVP_CIPHER_CTX_free(c);
    free(buf);
    free(tok);
    return rc;
}

/* Decrypt and verify body (nonce | ciphertext | tag, blen bytes) into pt
 * (room for blen - NONCE_LEN - TAG_LEN bytes). Returns 0, -EBADMSG, -EIO. */
static int gcm_open(const aes_key_t *key, const char *aad, unsigned char *body, size_t blen,
                    unsigned char *pt)
{
    size_t ctlen = blen - NONCE_LEN - TAG_LEN;
    int n = 0, fin = 0, rc = -EIO;
    EVP_CIPHER_CTX *c = EVP_CIPHER_CTX_new();
    if (!c || !gcm() || EVP_DecryptInit_ex(c, gcm(), NULL, key->key, body) != 1 ||
        !add_aad(c, key->id, aad) ||
        EVP_DecryptUpdate(c, pt, &n, body + NONCE_LEN, (int)ctlen) != 1 ||
        EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, TAG_LEN, body + NONCE_LEN + ctlen) != 1)
        goto done;
    rc = EVP_DecryptFinal_ex(c, pt + n, &fin) == 1 ? 0 : -EBADMSG;
done:
    EVP_CIPHER_CTX_free(c);
    return rc;
}

int hf_pii_decrypt(const hf_keyring_t *k, const char *token, const char *aad, char **plain,
                   size_t *len)
{
    assert(k && plain && aad && *aad);
    *plain = NULL;
    if (len)
        *len = 0;
    token_t t;
    if (parse_token(token, &t) < 0)
        return -EINVAL;
    size_t plen = strlen(t.payload);
    if (plen < hf_base64url_len(NONCE_LEN + TAG_LEN) ||
        plen > hf_base64url_len(NONCE_LEN + HF_PII_MAX + TAG_LEN))
        return -EINVAL;
    const aes_key_t *key = find_key(k, t.kid, t.kidlen);
    if (!key)
        return -ENOKEY;
    size_t cap = plen / 4 * 3 + 3;   /* >= the decoded size, + a NUL */
    unsigned char *body = malloc(cap);
    unsigned char *pt = malloc(cap);
    int rc = -ENOMEM;
    if (!body || !pt)
        goto done;
    rc = -EINVAL;
    size_t blen = 0;
    /* the ciphertext's text is no secret (the database shows it): the fast decoder */
    if (hf_base64url_decode_public(t.payload, plen, body, cap, &blen) < 0 ||
        blen < NONCE_LEN + TAG_LEN)
        goto done;
    rc = gcm_open(key, aad, body, blen, pt);
    if (rc == 0) {
        size_t ptlen = blen - NONCE_LEN - TAG_LEN;
        pt[ptlen] = '\0';
        *plain = (char *)pt;
        pt = NULL;
        if (len)
            *len = ptlen;
    }
done:
    if (pt)
        OPENSSL_cleanse(pt, cap);
    free(pt);
    free(body);
    return rc;
}

const char *hf_pii_strerror(int rc)
{
    switch (rc) {
    case 0:
        return "success";
    case -EINVAL:
        return "not a v1 personal-data token (garbage or truncated)";
    case -ENOKEY:
        return "the token's key id is not in the keyring (dropped before re-encryption finished?)";
    case -EBADMSG:
        return "the token failed authentication: tampered with, moved from another tenant or "
               "column, or made under another key with the same id";
    case -EMSGSIZE:
        return "the plaintext is longer than HF_PII_MAX";
    case -ENOMEM:
        return "out of memory";
    default:
        return "libcrypto failed";
    }
}

int hf_pii_token_kid(const char *token, char out[HF_KEY_ID_MAX + 1])
{
    token_t t;
    if (parse_token(token, &t) < 0)
        return -EINVAL;
    memcpy(out, t.kid, t.kidlen);
    out[t.kidlen] = '\0';
    return 0;
}

/* --- sealed tokens -------------------------------------------------------- */

#define SEAL_NONCE crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define SEAL_TAG crypto_aead_xchacha20poly1305_ietf_ABYTES
_Static_assert(SEAL_NONCE + SEAL_TAG == HF_SEAL_OVERHEAD, "HF_SEAL_OVERHEAD is the nonce and tag");
_Static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == KEY_LEN, "a 32-byte subkey");

/* The subkey of key for purpose: keyed BLAKE2b-256 of the domain, a NUL and
 * the purpose. The caller wipes it. */
static void seal_subkey(const aes_key_t *key, const char *purpose, unsigned char sub[KEY_LEN])
{
    static const char domain[] = "hrflow sealed token";
    crypto_generichash_state h;
    crypto_generichash_init(&h, key->key, KEY_LEN, KEY_LEN);
    crypto_generichash_update(&h, (const unsigned char *)domain, sizeof(domain));
    crypto_generichash_update(&h, (const unsigned char *)purpose, strlen(purpose));
    crypto_generichash_final(&h, sub, KEY_LEN);
    sodium_memzero(&h, sizeof(h));
}

int hf_seal(const hf_keyring_t *k, const char *purpose, const void *plain, size_t len,
            const char *aad, char *out, size_t outlen)
{
    assert(k && purpose && *purpose && aad && *aad && out && outlen && (plain || len == 0));
    const aes_key_t *key = &k->keys[0];
    size_t kl = strlen(key->id), blen = SEAL_NONCE + len + SEAL_TAG;
    out[0] = '\0';
    if (len > HF_SEAL_MAX || kl + 1 + hf_base64url_len(blen) + 1 > outlen)
        return -EMSGSIZE;
    unsigned char body[SEAL_NONCE + HF_SEAL_MAX + SEAL_TAG], sub[KEY_LEN];
    unsigned long long clen = 0;
    randombytes_buf(body, SEAL_NONCE);
    seal_subkey(key, purpose, sub);
    crypto_aead_xchacha20poly1305_ietf_encrypt(body + SEAL_NONCE, &clen, plain, len,
                                               (const unsigned char *)aad, strlen(aad), NULL,
                                               body, sub);
    sodium_memzero(sub, sizeof(sub));
    memcpy(out, key->id, kl);
    out[kl] = '.';
    hf_base64url_encode_public(out + kl + 1, outlen - kl - 1, body, blen); /* a ciphertext */
    return 0;
}

int hf_unseal(const hf_keyring_t *k, const char *purpose, const char *token, const char *aad,
              void *plain, size_t cap, size_t *len)
{
    assert(k && purpose && *purpose && aad && *aad && len && (plain || cap == 0));
    *len = 0;
    if (!token)
        return -EINVAL;
    size_t most = HF_SEAL_TOKEN_MAX(HF_SEAL_MAX);
    size_t tl = strnlen(token, most), kl = id_len(token, tl);
    if (tl == most || kl == 0 || token[kl] != '.')
        return -EINVAL;
    unsigned char body[SEAL_NONCE + HF_SEAL_MAX + SEAL_TAG], sub[KEY_LEN];
    size_t blen = 0;
    if (hf_base64url_decode(token + kl + 1, tl - kl - 1, body, sizeof(body), &blen) < 0 ||
        blen < SEAL_NONCE + SEAL_TAG || blen > SEAL_NONCE + HF_SEAL_MAX + SEAL_TAG)
        return -EINVAL;
    const aes_key_t *key = find_key(k, token, kl);
    if (!key)
        return -ENOKEY;
    if (blen - SEAL_NONCE - SEAL_TAG > cap)
        return -EMSGSIZE;
    unsigned long long mlen = 0;
    seal_subkey(key, purpose, sub);
    /* the tag is checked before any plaintext is written to plain */
    int bad = crypto_aead_xchacha20poly1305_ietf_decrypt(
        plain, &mlen, NULL, body + SEAL_NONCE, blen - SEAL_NONCE, (const unsigned char *)aad,
        strlen(aad), body, sub);
    sodium_memzero(sub, sizeof(sub));
    if (bad)
        return -EBADMSG;
    *len = (size_t)mlen;
    return 0;
}

/* --- blind index ----------------------------------------------------------- */

int hf_pii_index(const hf_keyring_t *k, const char *context, const char *normalised,
                 char out[65])
{
    assert(normalised);
    return hf_pii_index_bytes(k, context, normalised, strlen(normalised), out);
}

int hf_pii_index_bytes(const hf_keyring_t *k, const char *context, const void *data, size_t len,
                       char out[65])
{
    assert(k && context && (data || len == 0) && out);
    OSSL_PARAM params[] = {
        OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)"SHA256", 0),
        OSSL_PARAM_construct_end(),
    };
    unsigned char mac[32];
    size_t n = 0;
    EVP_MAC_CTX *c = EVP_MAC_CTX_new(k->mac);
    int ok = c && EVP_MAC_init(c, k->hmac, KEY_LEN, params) == 1 &&
             EVP_MAC_update(c, (const unsigned char *)context, strlen(context) + 1) == 1 &&
             EVP_MAC_update(c, (const unsigned char *)data, len) == 1 &&
             EVP_MAC_final(c, mac, &n, sizeof(mac)) == 1 && n == sizeof(mac);
    EVP_MAC_CTX_free(c);
    if (!ok) {
        out[0] = '\0';
        return -ENOMEM;
    }
    hf_hex_encode(out, mac, sizeof(mac));
    return 0;
}

/* --- normalisers ----------------------------------------------------------- */

static int is_phone_separator(int c)
{
    return c == ' ' || c == '\t' || c == '-' || c == '(' || c == ')';
}

/* The digits of in into d (room for 32), and whether it began with '+' or
 * "00" (international). Returns the digit count, or -1. */
static int phone_digits(const char *in, char d[32], int *intl)
{
    size_t n = 0;
    int plus = 0;
    for (const char *p = in; *p; p++) {
        if (is_phone_separator((unsigned char)*p))
            continue;
        if (*p == '+' && n == 0 && !plus) {
            plus = 1;
            continue;
        }
        if (!isdigit((unsigned char)*p) || n == 31)
            return -1;
        d[n++] = *p;
    }
    d[n] = '\0';
    *intl = plus;
    if (!plus && n >= 2 && d[0] == '0' && d[1] == '0') {
        memmove(d, d + 2, n - 1);
        n -= 2;
        *intl = 1;
    }
    return (int)n;
}

static int is_mobile(const char *d)
{
    return strlen(d) == 11 && d[0] == '1';
}

int hf_pii_normalize_phone(const char *in, char *out, size_t outlen)
{
    char d[32], res[34];
    int intl = 0;
    if (!in || phone_digits(in, d, &intl) < 0)
        return -1;
    const char *rest = d;
    if (d[0] == '8' && d[1] == '6' && (intl || is_mobile(d + 2))) {
        rest = d + 2;
        intl = 0;
        /* a national landline keeps its trunk 0: +86 10 … is 010 … */
        snprintf(res, sizeof(res), "%s%s", is_mobile(rest) || rest[0] == '0' ? "" : "0", rest);
    } else {
        snprintf(res, sizeof(res), "%s%s", intl ? "+" : "", rest);
    }
    size_t digits = strlen(res) - (res[0] == '+');
    size_t rl = strlen(res);
    if (digits < 7 || digits > 15 || rl >= outlen)
        return -1;
    memcpy(out, res, rl + 1);
    return 0;
}

int hf_pii_normalize_email(const char *in, char *out, size_t outlen)
{
    if (!in)
        return -1;
    while (isspace((unsigned char)*in))
        in++;
    size_t n = strlen(in);
    while (n > 0 && isspace((unsigned char)in[n - 1]))
        n--;
    if (n == 0 || n > 254 || n >= outlen)
        return -1;
    const char *at = memchr(in, '@', n);
    if (!at || at == in || memchr(at + 1, '@', n - (size_t)(at - in) - 1))
        return -1;
    const char *dom = at + 1;
    size_t dl = n - (size_t)(dom - in);
    if (dl < 3 || dom[0] == '.' || dom[dl - 1] == '.' || !memchr(dom, '.', dl) ||
        memmem(dom, dl, "..", 2))
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)in[i];
        if (c <= ' ' || c == 0x7f)
            return -1;
        out[i] = (char)(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
    }
    out[n] = '\0';
    return 0;
}
