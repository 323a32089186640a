/*
 * rootdir.h - checking (and creating) a privileged root directory: a
 * repo's metadata root or a DAL's data root.
 *
 * One rule for every root the suite keeps data under: a directory, not
 * writable by group or others, owned by the running user or root.
 */
#ifndef MARFS_UTIL_ROOTDIR_H
#define MARFS_UTIL_ROOTDIR_H

/*
 * Check the directory path ("what" names it in messages: "data root").
 * With fix != 0 a missing one is created with its missing parents, mode
 * 0700.  Every problem is logged at error level as "WHAT PATH: problem";
 * a creation at info level.  0 if usable, else a negative errno (-ENOENT,
 * -ENOTDIR, -EPERM for bad mode or owner, ...).
 */
int mutil_check_root(const char *what, const char *path, int fix);

/*
 * The stricter rule a setuid program applies before it opens a root.
 * Below the root, users' programs must be able to write through the fds
 * opened here, so some directory must keep the users themselves out: a
 * barrier, owned by root and granting group and others nothing (mode
 * 0700) -- the root itself (a metadata root, whose fds point further
 * down) or a directory above it (a data root, which the DAL's fd must
 * let the user's program pass: mode 0711, passable != 0).  The root must
 * belong to root (or the program's owner) and be writable by no one
 * else, and no directory on the way to it may be one the user could
 * change (mutil_trusted_parents).  0, or -EPERM / -errno with one error
 * logged that says what to change.
 */
int mutil_check_secure_root(const char *what, const char *path, int passable);

/*
 * For verify with fix: make the root passable by users' programs (add
 * 0011) when a barrier above it keeps the users out; leave it as it is
 * otherwise.  1 if the mode was changed, 0 if not, -errno.
 */
int mutil_open_root(const char *what, const char *path);

#endif
