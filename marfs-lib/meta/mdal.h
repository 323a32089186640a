/*
 * mdal.h - the metadata layer on POSIX (the MDAL): one directory per
 * namespace under its repo's ns_root, holding
 *
 *   <ns_root>/ns@<path with '/' as '@'>/   ("ns@" for the root namespace)
 *       tree/        the user-visible tree (dirs, symlinks, file links)
 *       ref/D/D/     the reference tree: every file's inode is linked
 *                    here before it gets its name in tree/, so unlink and
 *                    rename of the user path never lose what garbage
 *                    collection needs to find the file's objects
 *       usage        the namespace's file and byte counters (quota.c)
 *       lock         flock'ed while a usage decision is made
 *
 * Owns: namespace directory creation/opening, the reference-tree path of
 * a file, and resolving a path inside a namespace without ever leaving
 * its tree (openat2 RESOLVE_BENEATH).  Formats: doc/metadata-format.md.
 */
#ifndef MARFS_MDAL_H
#define MARFS_MDAL_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "marfs_config.h"

/* Names beginning with this are internal and invisible through the API. */
#define MDAL_RESERVED_PREFIX ".marfs"

/* Mode of ref/ and its levels: below the 0700 metadata root, users'
 * setuid programs create inodes here through the fd (doc/security.md). */
#define MDAL_REF_MODE 01733

struct quota;

struct mdal_ns {
    const struct mcfg_ns *cfg;
    char *dir;        /* the namespace directory */
    int treefd;       /* O_PATH fd of tree/ */
    int reffd;        /* O_PATH fd of ref/ */
    struct quota *quota;
    /* Serialise each decision "does this inode still count" with the
     * usage update it leads to (completion, unlink, replace): the mutex
     * between threads, flock on the "lock" file between processes. */
    pthread_mutex_t lock;
    int lockfd;
};

/* Take / drop the namespace's usage lock (see struct mdal_ns). */
void mdal_ns_lock(struct mdal_ns *ns);
void mdal_ns_unlock(struct mdal_ns *ns);

/* Open (creating when create != 0) the directories of a namespace. */
int mdal_ns_open(const struct mcfg_ns *ns, int create, struct mdal_ns **out);
void mdal_ns_close(struct mdal_ns *ns);

/* The namespace directory name for a namespace path ("/a/b" -> "ns@a@b"). */
int mdal_ns_dirname(const char *nspath, char *buf, size_t bufsz);

/*
 * Open the directory that holds the last component of rel (a path
 * relative to the namespace tree, "" for the tree root) as an O_PATH fd,
 * never resolving outside the tree; name receives the last component
 * ("" when rel is ""), and *fd must be closed by the caller.
 * -ENOENT/-ENOTDIR as the kernel says; -ELOOP for a symlink that leads
 * out of the namespace.
 */
int mdal_open_parent(const struct mdal_ns *ns, const char *rel, int *fd,
                     char *name, size_t namesz);

/* Open rel itself beneath the tree with flags (O_PATH, O_RDONLY...). */
int mdal_open_beneath(const struct mdal_ns *ns, const char *rel, int flags,
                      int *fd);

/* The path of rel inside the namespace's tree/ (for messages and admin
 * tools; never for access, which goes through the fds). */
int mdal_tree_path(const struct mdal_ns *ns, const char *rel, char *buf,
                   size_t bufsz);

/* lgetxattr of rel (not following a final symlink), resolved beneath the
 * tree: the value's length, or -errno (-ENODATA: no such attribute). */
ssize_t mdal_lgetxattr(const struct mdal_ns *ns, const char *rel,
                       const char *name, void *buf, size_t size);

/* Reference-tree location of a ref name: dir relative to ref/ ("07/13");
 * a name "<group>~<n>" is placed by its group alone (doc/metadata-format.md,
 * "Reference names"). */
#define MDAL_REF_GROUP_SEP '~'
void mdal_ref_dir(const struct mdal_ns *ns, const char *refname, char *buf,
                  size_t bufsz);
/* Open (creating missing levels) the ref dir for refname, O_PATH. */
int mdal_ref_dirfd(const struct mdal_ns *ns, const char *refname, int *fd);
/* Create the missing levels of refname's ref dir: a caller that names
 * "<refdir>/<ref>" relative to ns->reffd (no fd of the ref dir, so two
 * system calls fewer per file) calls this after an ENOENT and retries. */
int mdal_ref_mkdirs(const struct mdal_ns *ns, const char *refname);

/* Record in the namespace's "damaged" list (file MDAL_DAMAGED_FILE of the
 * namespace directory) that obj needs a rebuild (mdal_damaged.c). */
#define MDAL_DAMAGED_FILE "damaged"
int mdal_flag_damaged(const struct mdal_ns *ns, const char *obj);

/* True if a user-supplied name is reserved (internal). */
int mdal_reserved_name(const char *name);

/* Path of a fd's file through /proc, for the *xattr calls that lack an
 * at-form: "/proc/self/fd/FD/NAME" (NAME may be ""). */
int mdal_proc_path(int fd, const char *name, char *buf, size_t bufsz);

#endif
