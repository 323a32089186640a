/*
 * test_config.c - unit tests of the config model: sizes, path
 * normalisation and namespace lookup, loading the shipped examples and
 * in-memory documents, the error format.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "marfs_config.h"

static void test_sizes(void **state)
{
    (void)state;
    uint64_t v;
    assert_int_equal(mcfg_parse_size("0", &v), 0);
    assert_int_equal(v, 0);
    assert_int_equal(mcfg_parse_size("4096", &v), 0);
    assert_int_equal(v, 4096);
    assert_int_equal(mcfg_parse_size("1K", &v), 0);
    assert_int_equal(v, 1024);
    assert_int_equal(mcfg_parse_size("64M", &v), 0);
    assert_int_equal(v, 64ULL << 20);
    assert_int_equal(mcfg_parse_size("10T", &v), 0);
    assert_int_equal(v, 10ULL << 40);
    assert_int_equal(mcfg_parse_size("2PiB", &v), 0);
    assert_int_equal(v, 2ULL << 50);
    assert_int_equal(mcfg_parse_size("1g", &v), 0);
    assert_int_equal(v, 1ULL << 30);
    assert_int_equal(mcfg_parse_size("16383P", &v), 0);
    assert_int_equal(v, 16383ULL << 50);
    assert_int_equal(mcfg_parse_size("16384P", &v), -ERANGE);
    assert_int_equal(mcfg_parse_size("18446744073709551615", &v), 0);
    assert_int_equal(v, UINT64_MAX);
    assert_int_equal(mcfg_parse_size("18446744073709551616", &v), -ERANGE);
    assert_int_equal(mcfg_parse_size("", &v), -EINVAL);
    assert_int_equal(mcfg_parse_size("M", &v), -EINVAL);
    assert_int_equal(mcfg_parse_size("12X", &v), -EINVAL);
    assert_int_equal(mcfg_parse_size("-1", &v), -EINVAL);
    assert_int_equal(mcfg_parse_size("1MM", &v), -EINVAL);
}

static const struct mcfg *load_example(const char *name)
{
    char path[PATH_MAX];
    snprintf(path, sizeof(path), "%s/config/%s", SRCDIR, name);
    const struct mcfg *cfg = NULL;
    assert_int_equal(mcfg_load(path, stderr, &cfg), 0);
    assert_non_null(cfg);
    return cfg;
}

static void test_demo_model(void **state)
{
    (void)state;
    const struct mcfg *cfg = load_example("demo.xml");
    assert_string_equal(cfg->mnt_top, "/campaign");
    assert_int_equal(cfg->nrepos, 1);
    const struct mcfg_repo *r = mcfg_repo_by_name(cfg, "demo");
    assert_non_null(r);
    assert_int_equal(r->n, 4);
    assert_int_equal(r->e, 2);
    assert_int_equal(r->psz, 65536);
    assert_true(r->packing);
    assert_int_equal(r->pack_max_files, 1024);
    assert_int_equal(r->chunk_max_size, 16 << 20);
    assert_int_equal(r->caps.cnt, 2);
    assert_int_equal(r->caps.weights[0], 1);
    assert_int_equal(r->caps.weights[1], 2);
    assert_int_equal(r->scatters.cnt, 4);
    assert_string_equal(r->dal->type, "posix");
    assert_string_equal(mcfg_dal_param(r->dal, "sec_root"),
                        "/tmp/marfs-demo/data");
    assert_null(mcfg_dal_param(r->dal, "odirect"));
    assert_int_equal(cfg->nns, 3);
    const struct mcfg_ns *proj = mcfg_ns_by_path(cfg, "/proj");
    assert_non_null(proj);
    assert_int_equal(proj->quota_files, 1 << 20);
    assert_int_equal(proj->quota_bytes, 10ULL << 40);
    /* perms inherited from root */
    assert_int_equal(proj->perms[MCFG_CLIENT_INTERACTIVE],
                     MCFG_PERM_RM | MCFG_PERM_RD);
    assert_ptr_equal(proj->parent, cfg->root);
    assert_int_equal(cfg->root->quota_files, MCFG_UNLIMITED);
    mcfg_free(cfg);
}

static void test_lookup(void **state)
{
    (void)state;
    const struct mcfg *cfg = load_example("production-10+2.xml");
    const struct mcfg_ns *ns;
    char rel[PATH_MAX];

    assert_int_equal(mcfg_lookup(cfg, "/campaign", &ns, rel, sizeof(rel)), 0);
    assert_ptr_equal(ns, cfg->root);
    assert_string_equal(rel, "");
    assert_int_equal(mcfg_lookup(cfg, "/campaign/projects/climate/run1/f",
                                 &ns, rel, sizeof(rel)), 0);
    assert_string_equal(ns->path, "/projects/climate");
    assert_string_equal(rel, "run1/f");
    /* '..' is resolved before matching: this is in /users, not climate */
    assert_int_equal(mcfg_lookup(cfg, "/campaign/projects/climate/../../users/x",
                                 &ns, rel, sizeof(rel)), 0);
    assert_string_equal(ns->path, "/users");
    assert_string_equal(rel, "x");
    /* remote namespace in another repo */
    assert_int_equal(mcfg_lookup(cfg, "/campaign//archive/./old", &ns, rel,
                                 sizeof(rel)), 0);
    assert_string_equal(ns->path, "/archive");
    assert_string_equal(ns->repo->name, "archive");
    assert_string_equal(rel, "old");
    /* a prefix that is not a whole component is not a namespace */
    assert_int_equal(mcfg_lookup(cfg, "/campaign/projectsX/a", &ns, rel,
                                 sizeof(rel)), 0);
    assert_ptr_equal(ns, cfg->root);
    assert_string_equal(rel, "projectsX/a");
    /* outside mnt_top, relative, escaping with '..' */
    assert_int_equal(mcfg_lookup(cfg, "/campaignX/a", &ns, rel, sizeof(rel)),
                     -EINVAL);
    assert_int_equal(mcfg_lookup(cfg, "campaign/a", &ns, rel, sizeof(rel)),
                     -EINVAL);
    assert_int_equal(mcfg_lookup(cfg, "/campaign/../etc/passwd", &ns, rel,
                                 sizeof(rel)), -EINVAL);
    assert_int_equal(mcfg_lookup(cfg, "/campaign/users/abc", &ns, rel, 3),
                     -ENAMETOOLONG);
    mcfg_free(cfg);
}

static void test_error_format(void **state)
{
    (void)state;
    static const char doc[] =
        "<marfs_config version=\"1\">\n"
        "<mnt_top>relative/top</mnt_top>\n"
        "<repo name=\"r\"><data>\n"
        "<protection><N>4</N><E>2</E><PSZ>0</PSZ></protection>\n"
        "<distribution><pods cnt=\"1\"/><caps cnt=\"1\"/><scatters cnt=\"1\"/></distribution>\n"
        "<DAL type=\"posix\"><dir_template>b{b}</dir_template><sec_root>/d</sec_root></DAL>\n"
        "</data><meta><namespaces><ns name=\"root\"/></namespaces>\n"
        "<MDAL type=\"posix\"><ns_root>/m</ns_root></MDAL></meta></repo>\n"
        "</marfs_config>\n";
    char buf[2048] = "";
    FILE *errs = fmemopen(buf, sizeof(buf), "w");
    const struct mcfg *cfg = (const struct mcfg *)1;
    assert_int_equal(mcfg_load_buffer(doc, sizeof(doc) - 1, "t.xml", errs,
                                      &cfg), -EINVAL);
    fclose(errs);
    assert_null(cfg);
    assert_string_equal(buf,
        "t.xml:2: <mnt_top>: mnt_top 'relative/top' is a relative path; an "
        "absolute path is required\n"
        "t.xml:4: <protection>: PSZ must not be zero\n");
}

static void test_missing_file(void **state)
{
    (void)state;
    const struct mcfg *cfg;
    assert_int_equal(mcfg_load("/nonexistent/marfs.xml", NULL, &cfg), -ENOENT);
    assert_int_equal(mcfg_load("/", NULL, &cfg), -EISDIR);
}

static void test_perm_str(void **state)
{
    (void)state;
    char buf[32];
    assert_string_equal(mcfg_perm_str(0, buf, sizeof(buf)), "none");
    assert_string_equal(mcfg_perm_str(MCFG_PERM_RM | MCFG_PERM_WD, buf,
                                      sizeof(buf)), "RM,WD");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_demo_model),
        cmocka_unit_test(test_lookup),
        cmocka_unit_test(test_error_format),
        cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_perm_str),
    };
    return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
