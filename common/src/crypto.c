/* common/src/crypto.c - digests over OpenSSL's libcrypto (see hf/crypto.h) */
#include "hf/crypto.h"

#include <openssl/evp.h>
#include <stdio.h>

static void digest_hex(const EVP_MD *md, const void *data, size_t len, char *out)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(data, len, d, &n, md, NULL);
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    out[2 * n] = '\0';
}

void hf_sha256_hex(const void *data, size_t len, char out[65])
{
    digest_hex(EVP_sha256(), data, len, out);
}

void hf_sha1_hex(const void *data, size_t len, char out[41])
{
    digest_hex(EVP_sha1(), data, len, out);
}
