/* services/notify/deliver_address.c - recipients' addresses: checked and masked
 *
 * Pure. An email address is one lowercase addr-spec in ASCII (what
 * hf_pii_normalize_email gives, nothing a header could be smuggled in); a
 * phone number for SMS is E.164. What the API shows of either is masked.
 */
#include "deliver.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

const char *nt_recipient_problem(const char *channel, const char *to)
{
    if (!to || !*to)
        return "no address";
    if (!strcmp(channel, "sms")) {
        size_t n = strlen(to);
        if (to[0] != '+' || n < 9 || n > 16 || to[1] == '0')
            return "an E.164 phone number: '+', the country code, 8 to 15 digits";
        for (size_t i = 1; i < n; i++)
            if (!isdigit((unsigned char)to[i]))
                return "an E.164 phone number: '+', the country code, 8 to 15 digits";
        return NULL;
    }
    if (!strcmp(channel, "email")) {
        const char *at = strrchr(to, '@');
        char norm[256];
        if (!at || at == to || strchr(to, '@') != at ||
            hf_pii_normalize_email(to, norm, sizeof(norm)) < 0 || strcmp(norm, to) != 0)
            return "an email address, lowercase, local@domain";
        for (const char *p = to; *p; p++)
            if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
                strchr("<>()[]\\,;:\"", *p))
                return "an email address, lowercase, local@domain";
        return NULL;
    }
    return "no such channel";
}

void nt_recipient_mask(const char *channel, const char *to, char *out, size_t outlen)
{
    if (!strcmp(channel, "email")) {
        const char *at = strchr(to, '@');
        snprintf(out, outlen, "%c***%s", to[0], at ? at : "");
        return;
    }
    size_t n = strlen(to);
    snprintf(out, outlen, "%.4s****%s", to, n > 8 ? to + n - 4 : "");
}
