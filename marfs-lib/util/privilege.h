/*
 * privilege.h - the identity of a process that started with privileges
 * its real user does not have (a setuid or setgid program), and giving
 * them up for good.
 *
 * The suite's model (doc/security.md): a setuid-root pftool or marfs
 * opens the secure roots while privileged, then drops to the real user
 * before it touches anything the user named; from then on the kernel
 * checks every metadata operation as that user, and the roots stay
 * reachable only through the directory fds opened before the drop.
 */
#ifndef MARFS_UTIL_PRIVILEGE_H
#define MARFS_UTIL_PRIVILEGE_H

/*
 * 1 if this process started setuid/setgid (the kernel's secure-execution
 * mode, AT_SECURE) or now runs with effective or saved ids other than its
 * real ones; stays 1 after mutil_priv_drop.  0 for a process that is just
 * what its real user is (root running as root included).
 */
int mutil_priv_started(void);

/* 1 while the process still holds ids its real user does not have. */
int mutil_priv_elevated(void);

/*
 * getenv for the suite's own variables (MARFS_CONFIG, MARFS_FAULT ...):
 * NULL in a process that started privileged, whose environment the user
 * chose; getenv otherwise.
 */
const char *mutil_priv_getenv(const char *name);

/*
 * In a process that started privileged, remove from the environment the
 * variables through which the user could redirect or read what the
 * privileged libraries do on the network: proxies (libcurl, also inside
 * libs3), CA files and directories (OpenSSL), AWS credentials and config
 * files (the S3 DAL takes site credentials from its config only).
 * Returns how many were removed; 0 and nothing done otherwise.
 */
int mutil_priv_scrub_env(void);

/*
 * Drop to the real user for good: gid, then uid, real = effective = saved
 * (setresgid/setresuid); the supplementary groups the process inherited
 * are the real user's own (exec does not change them and only privilege
 * can set them) and are kept.  Then checks that nothing privileged is
 * left (and that the ids cannot be regained) and keeps the process
 * non-dumpable, so no other process of the user can reach its fds.
 * 0, or -EPERM with one error logged; a caller that gets an error must
 * exit without touching anything else.
 */
int mutil_priv_drop(void);

#endif
