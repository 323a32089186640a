/*
 * api_owner.c - the library's own updates of an inode, made with the
 * caller's identity: a setuid program has dropped to its user, so the
 * kernel checks these as any other access.
 *
 * An owner may always chmod their file, so a mode without the owner's
 * write bit stops nothing the owner could not undo.  When the library
 * must update an inode its owner made read-only meanwhile (completing a
 * file, the tag and recovery path of an N:1 file), it adds u+w for the
 * update and restores the mode; anyone else gets the kernel's answer.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <sys/stat.h>
#include <sys/xattr.h>
#include <unistd.h>

#include "api_internal.h"

/* The mode to restore if the caller owns fd and may grant itself u+w,
 * after granting it; (mode_t)-1 if not. */
static mode_t grant_owner_write(int fd)
{
    struct stat st;
    if (fstat(fd, &st) != 0 || st.st_uid != geteuid() ||
        (st.st_mode & S_IWUSR) ||
        fchmod(fd, (st.st_mode & 07777) | S_IWUSR) != 0)
        return (mode_t)-1;
    return st.st_mode & 07777;
}

int api_fsetxattr(int fd, const char *name, const void *val, size_t len)
{
    if (fsetxattr(fd, name, val, len, 0) == 0)
        return 0;
    int rc = -errno;
    mode_t restore = rc == -EACCES ? grant_owner_write(fd) : (mode_t)-1;
    if (restore == (mode_t)-1)
        return rc;
    rc = fsetxattr(fd, name, val, len, 0) == 0 ? 0 : -errno;
    fchmod(fd, restore);
    return rc;
}

int api_open_update(int dirfd, const char *name, int *fd, mode_t *restore)
{
    *restore = (mode_t)-1;
    *fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd >= 0)
        return 0;
    if (errno != EACCES)
        return -errno;
    /* O_PATH: fstat and fchmod need no access to the data */
    int pfd = openat(dirfd, name, O_PATH | O_NOFOLLOW | O_CLOEXEC);
    if (pfd < 0)
        return -EACCES;
    struct stat st;
    int owned = fstat(pfd, &st) == 0 && st.st_uid == geteuid() &&
                !(st.st_mode & S_IWUSR);
    close(pfd);
    if (!owned ||
        fchmodat(dirfd, name, (st.st_mode & 07777) | S_IWUSR, 0) != 0)
        return -EACCES;
    *restore = st.st_mode & 07777;
    *fd = openat(dirfd, name, O_WRONLY | O_NOFOLLOW | O_CLOEXEC);
    if (*fd >= 0)
        return 0;
    int rc = -errno;
    fchmodat(dirfd, name, *restore, 0);
    *restore = (mode_t)-1;
    return rc;
}

int api_may_write(int fd)
{
    struct stat st;
    char self[64];
    if (fstat(fd, &st) != 0)
        return -errno;
    if (st.st_uid == geteuid())
        return 0;
    snprintf(self, sizeof(self), "/proc/self/fd/%d", fd);
    return faccessat(AT_FDCWD, self, W_OK, AT_EACCESS) == 0 ? 0 : -errno;
}
