/*
 * privilege.c - detecting a privileged start and dropping to the real
 * user for good (see privilege.h).
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/auxv.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "log.h"
#include "privilege.h"

/* Set once the drop succeeded: the process started privileged even if
 * nothing shows it any more (a simulated start has no AT_SECURE). */
static int dropped;

int mutil_priv_elevated(void)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0)
        return 1;           /* cannot tell: assume the worst */
    return eu != ru || su != ru || eg != rg || sg != rg;
}

int mutil_priv_started(void)
{
    return getauxval(AT_SECURE) != 0 || dropped || mutil_priv_elevated();
}

int mutil_priv_scrub_env(void)
{
    static const char *const names[] = {
        "http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY",
        "all_proxy", "ALL_PROXY", "no_proxy", "NO_PROXY",
        "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR", "CURL_HOME",
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
        "AWS_SHARED_CREDENTIALS_FILE", "AWS_CONFIG_FILE", "AWS_PROFILE",
        "OPENSSL_CONF", "OPENSSL_ENGINES", "OPENSSL_MODULES",
    };
    int n = 0;
    if (!mutil_priv_started())
        return 0;
    for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (getenv(names[i]) != NULL && unsetenv(names[i]) == 0)
            n++;
    return n;
}

const char *mutil_priv_getenv(const char *name)
{
    return mutil_priv_started() ? NULL : getenv(name);
}

/* Could the process get uid 0 (or the ids it had) back?  Only a process
 * whose real uid is not root can be checked this way. */
static int can_regain(uid_t ruid, uid_t old_euid)
{
    if (ruid == 0 || old_euid == ruid)
        return 0;
    if (setresuid((uid_t)-1, old_euid, (uid_t)-1) != 0)
        return 0;           /* EPERM: as it must be */
    return 1;
}

int mutil_priv_drop(void)
{
    uid_t ru, eu, su;
    gid_t rg, eg, sg;
    if (getresuid(&ru, &eu, &su) != 0 || getresgid(&rg, &eg, &sg) != 0) {
        LOG_ERR("cannot read the process's ids: %s", strerror(errno));
        return -EPERM;
    }
    /* gid first: once the uid is dropped the gid can no longer change */
    if (setresgid(rg, rg, rg) != 0 || setresuid(ru, ru, ru) != 0) {
        LOG_ERR("cannot drop privileges to uid %u gid %u: %s", (unsigned)ru,
                (unsigned)rg, strerror(errno));
        return -EPERM;
    }
    if (mutil_priv_elevated() || can_regain(ru, eu)) {
        LOG_ERR("privileges still held after dropping to uid %u",
                (unsigned)ru);
        return -EPERM;
    }
    /* The kernel made the process non-dumpable when its ids changed,
     * unless fs.suid_dumpable says otherwise: the fds it holds are what
     * no other process of the user may reach (ptrace, /proc/PID/fd). */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
        LOG_ERR("cannot make the process non-dumpable: %s", strerror(errno));
        return -EPERM;
    }
    dropped = 1;
    return 0;
}
