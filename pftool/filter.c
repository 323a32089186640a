/*
 * filter.c - --exclude / --include: glob rules tried in command-line
 * order, the first that matches decides; no match includes.  A rule with
 * a '/' matches the path relative to the copy root, otherwise the
 * entry's name; "dir/" matches directories only.  An excluded directory
 * is not descended into.
 */
#include <fnmatch.h>
#include <string.h>

#include "tasks.h"

static int rule_matches(const struct pf_rule *r, const char *rel, int is_dir)
{
    char glob[PF_PATH_MAX];
    size_t n = strlen(r->glob);
    if (n == 0 || n >= sizeof(glob))
        return 0;
    memcpy(glob, r->glob, n + 1);
    if (glob[n - 1] == '/') {        /* directories only */
        if (!is_dir)
            return 0;
        glob[--n] = '\0';
    }
    const char *s = glob[0] == '/' ? glob + 1 : glob;
    if (strchr(glob, '/'))
        return fnmatch(s, rel, FNM_PATHNAME) == 0;
    return fnmatch(s, path_base(rel), 0) == 0;
}

int filter_excluded(const struct pf_opts *o, const char *rel, int is_dir)
{
    for (int i = 0; i < o->nrules; i++) {
        if (rule_matches(&o->rules[i], rel, is_dir))
            return o->rules[i].kind == PF_RULE_EXCLUDE;
    }
    return 0;
}
