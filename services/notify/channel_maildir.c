/* services/notify/channel_maildir.c - the local outbox: letters and SMS as files in a Maildir
 *
 * For `./hrflow up` and anyone without a mail server: HF_NOTIFY_MAILDIR
 * names a Maildir (tmp/, new/, cur/ are made), and each job becomes one
 * RFC 5322 file, written to tmp/ and then linked into new/ under the job's
 * id, so a mail reader (mutt -f, any Maildir client) shows what would have
 * been sent. An SMS is a plain-text message in the same Maildir with
 * "X-Hrflow-Channel: sms" and the phone number in To:. A job sent again
 * after a lapsed lease finds its file already in new/ and replaces
 * nothing: no duplicate, no change to what a reader has seen.
 *
 * No transfer is made: easy() writes the file and answers at once.
 */
#include "deliver.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static int write_all(int fd, const char *p, size_t n)
{
    while (n) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static void fail(nt_outcome_t *out, const char *what)
{
    out->kind = NT_RETRY;
    snprintf(out->reason, sizeof(out->reason), "maildir_%s_errno_%d", what, errno);
}

static CURL *maildir_easy(const nt_job_t *job, void **state, nt_outcome_t *out)
{
    const char *dir = nt_delivery_settings.maildir;
    const char *from = *nt_delivery_settings.smtp_from ? nt_delivery_settings.smtp_from
                                                        : "hrflow@hrflow.local";
    char tmp[4096], dst[4096], sub[4096];
    *state = NULL;
    static const char *const subs[] = { "", "/tmp", "/new", "/cur" };
    for (size_t i = 0; i < 4; i++) {
        snprintf(sub, sizeof(sub), "%s%s", dir, subs[i]);
        if (mkdir(sub, 0700) < 0 && errno != EEXIST) {
            fail(out, "mkdir");
            return NULL;
        }
    }
    snprintf(dst, sizeof(dst), "%s/new/%s.hrflow", dir, job->id);
    snprintf(tmp, sizeof(tmp), "%s/tmp/%s.%ld.hrflow", dir, job->id, (long)getpid());
    if (access(dst, F_OK) == 0) {
        out->kind = NT_SENT; /* written by an earlier attempt */
        return NULL;
    }
    size_t len = 0;
    char *msg = nt_mime_message(job, from, &len);
    if (!msg) {
        out->kind = NT_RETRY;
        snprintf(out->reason, sizeof(out->reason), "out_of_memory");
        return NULL;
    }
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    int bad = fd < 0 || write_all(fd, msg, len) < 0 || fsync(fd) < 0;
    free(msg);
    if (fd >= 0 && close(fd) < 0)
        bad = 1;
    if (bad) {
        fail(out, "write");
        unlink(tmp);
        return NULL;
    }
    /* link, not rename: a file already in new/ is never replaced */
    if (link(tmp, dst) < 0 && errno != EEXIST) {
        fail(out, "link");
        unlink(tmp);
        return NULL;
    }
    unlink(tmp);
    out->kind = NT_SENT;
    return NULL;
}

const nt_transport_t nt_transport_maildir_email = {
    .name = "email",
    .transport = "maildir",
    .easy = maildir_easy,
};

const nt_transport_t nt_transport_maildir_sms = {
    .name = "sms",
    .transport = "maildir",
    .easy = maildir_easy,
};
