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
 * The stricter rule a setuid program applies before it opens a root: the
 * directory is the barrier between users and everything below it (which
 * users' programs must be able to write through the fds opened here), so
 * it must belong to root (or the program's owner) and grant nothing to
 * group or others (mode 0700), and no directory on the way to it may be
 * one the user could change (mutil_trusted_parents).  0, or -EPERM /
 * -errno with one error logged.
 */
int mutil_check_secure_root(const char *what, const char *path);

#endif
