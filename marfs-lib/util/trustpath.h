/*
 * trustpath.h - may a privileged process rely on a path?  Before it drops
 * its privileges, a setuid program reads its config and opens its secure
 * roots by path; the user must not have been able to put anything of
 * theirs at, or on the way to, those paths.
 *
 * "Trusted owner" below means root or the process's effective user (the
 * owner of the setuid program: root, or a service user).
 */
#ifndef MARFS_UTIL_TRUSTPATH_H
#define MARFS_UTIL_TRUSTPATH_H

#include <stddef.h>

/*
 * Check every directory from / down to the parent of the existing path
 * (symlinks resolved; *resolved, if not NULL, receives the malloc'ed
 * result): each must belong to a trusted owner and be writable by no one
 * else, or be sticky (like /tmp, where only an entry's owner may replace
 * it, and the next step checks that owner).  what names path in messages
 * ("config", "data root").  0, or -EPERM / -errno with one error logged.
 */
int mutil_trusted_parents(const char *what, const char *path,
                          char **resolved);

/*
 * Read a file a privileged process is about to trust (the config): an
 * absolute path with trusted parents, a regular file of a trusted owner
 * that neither group nor others may write, and readable by the real user
 * (who may only pick files they could read anyway).  *buf receives the
 * malloc'ed content, NUL-terminated, *len its length (at most 16 MiB).
 * 0, or a negative errno (-EPERM for a file the user could have changed)
 * with one error logged.
 */
int mutil_trusted_read(const char *what, const char *path, char **buf,
                       size_t *len);

#endif
