/*
 * test_placement.c - unit tests of placement (version 1) and of the hash
 * it is built on: XXH64 reference values, the fixed-point log, spread
 * within 5% of the weights, weight 0 never chosen, exact golden answers
 * (they pin the algorithm: a change that moves data fails here), moves
 * limited to the changed index's share, 1024 uniform scatters, and the
 * cost of a lookup.
 *
 * placement.c is included so its internal functions can be checked
 * against each other (the equal-weight shortcut must give exactly what
 * the general weighted pick gives).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <time.h>

#include "placement.c"

#define NNAMES 100000

static const char *name_of(unsigned i)
{
    static char buf[64];
    snprintf(buf, sizeof(buf), "proj/run%u/file.%u", i % 97, i);
    return buf;
}

/* Count how many of NNAMES names each index of dist receives. */
static void spread(const struct mcfg_dist *d, unsigned salt, unsigned *cnt)
{
    memset(cnt, 0, d->cnt * sizeof(*cnt));
    for (unsigned i = 0; i < NNAMES; i++) {
        unsigned k = mplace_pick(d, name_of(i), salt);
        assert_true(k < d->cnt);
        cnt[k]++;
    }
}

/* ---- hash and log ------------------------------------------------------- */

static void test_xxh64_reference(void **state)
{
    (void)state;
    /* values produced by the reference xxhsum -H64 */
    static const struct { const char *s; uint64_t h; } v[] = {
        {"", 0xef46db3751d8e999ULL},
        {"a", 0xd24ec4f1a98c6e5bULL},
        {"abc", 0x44bc2cf5ad770999ULL},
        {"12345678901234567", 0x39668b0409fb9e1cULL},
        {"0123456789abcdef0123456789abcdef-long input xx",
         0x36907372c20e4e52ULL},
    };
    for (size_t i = 0; i < sizeof(v) / sizeof(v[0]); i++)
        assert_int_equal(mhash_xxh64(v[i].s, strlen(v[i].s), 0), v[i].h);
    /* the seed matters */
    assert_int_not_equal(mhash_xxh64("abc", 3, 1), 0x44bc2cf5ad770999ULL);
}

static void test_fixed_point_log(void **state)
{
    (void)state;
    pthread_once(&log_once, build_log_tbl);
    assert_int_equal(log2_q32(1), 0);
    assert_int_equal(log2_q32(2), 1ULL << 32);
    assert_int_equal(log2_q32(1ULL << 40), 40ULL << 32);
    assert_int_equal(log_tbl[TBL_SIZE], 1ULL << 32);
    uint64_t x = 12345;
    uint64_t prev_x = 0, prev_l = 0;
    for (int i = 0; i < 200000; i++) {
        x = mhash_mix64(x);
        uint64_t v = x >> (i % 64);
        if (v == 0)
            continue;
        double want = log2((double)v) * 4294967296.0;
        double got = (double)log2_q32(v);
        assert_true(fabs(got - want) < 4294967296.0 / (1 << 25));
        /* non-decreasing: compare with the previous sample */
        if (prev_x != 0 && v > prev_x)
            assert_true(log2_q32(v) >= prev_l);
        prev_x = v;
        prev_l = log2_q32(v);
    }
    /* monotone across every table step */
    for (uint64_t m = (1ULL << 63) - 5000; m < (1ULL << 63) + 5000; m++)
        assert_true(log2_q32(m + 1) >= log2_q32(m));
    for (unsigned i = 0; i < TBL_SIZE; i++)
        assert_true(log_tbl[i + 1] > log_tbl[i]);
    assert_int_equal(neg_log2_u(UINT64_MAX), 1);
    assert_int_equal(neg_log2_u(0), 64ULL << 32);
}

/* ---- spread and stability ----------------------------------------------- */

static void test_weights_spread(void **state)
{
    (void)state;
    static const unsigned w[] = {1, 1, 2, 0};
    struct mcfg_dist d = {4, 1, w};
    unsigned cnt[4];
    spread(&d, MPLACE_SALT_CAP, cnt);
    assert_int_equal(cnt[3], 0);
    assert_in_range(cnt[0], 23750, 26250);
    assert_in_range(cnt[1], 23750, 26250);
    assert_in_range(cnt[2], 47500, 52500);

    /* very unequal weights (the config allows up to 1000000) */
    static const unsigned w2[] = {1000000, 1, 0, 999999};
    struct mcfg_dist d2 = {4, 1, w2};
    spread(&d2, MPLACE_SALT_POD, cnt);
    assert_int_equal(cnt[2], 0);
    assert_in_range(cnt[1], 0, 10);
    assert_in_range(cnt[0], 47500, 52500);
}

static void test_uniform_equals_weighted(void **state)
{
    (void)state;
    static const unsigned w7[] = {3, 3, 0, 3, 3, 3, 0};
    struct mcfg_dist ds[] = {{1, 1, NULL}, {2, 5, NULL}, {7, 1, w7},
                             {64, 1, NULL}};
    for (size_t k = 0; k < sizeof(ds) / sizeof(ds[0]); k++) {
        assert_true(is_uniform(&ds[k]));
        for (unsigned i = 0; i < 20000; i++) {
            uint64_t seed = level_seed(name_hash(name_of(i)), 3);
            assert_int_equal(pick_uniform(&ds[k], seed),
                             pick_weighted(&ds[k], seed));
        }
    }
    static const unsigned w3[] = {1, 2, 1};
    assert_false(is_uniform(&(struct mcfg_dist){3, 1, w3}));
}

static void test_golden(void **state)
{
    (void)state;
    /* production-like: 4 pods, caps with retired and heavy ones, 1024
     * scatters.  These answers are placement version 1: never edit them
     * unless MPLACE_VERSION changes. */
    static const unsigned cw[] = {0, 0, 1, 1, 1, 1, 1, 2};
    struct mcfg_repo repo = {.name = "golden"};
    repo.pods = (struct mcfg_dist){4, 1, NULL};
    repo.caps = (struct mcfg_dist){8, 1, cw};
    repo.scatters = (struct mcfg_dist){1024, 1, NULL};
    static const struct { const char *name; struct mplace_loc loc; } g[] = {
        {"", {1, 7, 348}},
        {"a", {1, 5, 678}},
        {"proj/climate/run1/out.nc", {0, 4, 16}},
        {"ns.7|obj.12345|chunk.3", {2, 4, 70}},
        {"\xff\xfe binary \x01", {2, 2, 333}},
    };
    mplace_t *map;
    assert_int_equal(mplace_create(&repo, &map), 0);
    for (size_t i = 0; i < sizeof(g) / sizeof(g[0]); i++) {
        struct mplace_loc l;
        mplace_locate(map, g[i].name, &l);
        assert_int_equal(l.pod, g[i].loc.pod);
        assert_int_equal(l.cap, g[i].loc.cap);
        assert_int_equal(l.scatter, g[i].loc.scatter);
        /* locate is the three picks with the documented salts */
        assert_int_equal(mplace_pick(&repo.pods, g[i].name, MPLACE_SALT_POD),
                         l.pod);
        assert_int_equal(mplace_pick(&repo.caps, g[i].name, MPLACE_SALT_CAP),
                         l.cap);
        assert_int_equal(mplace_pick(&repo.scatters, g[i].name,
                                     MPLACE_SALT_SCATTER), l.scatter);
    }
    mplace_destroy(map);
}

/* Fraction of names whose pick changes from a to b; fails if any moves
 * other than to (or from) index only. */
static double moved(const struct mcfg_dist *a, const struct mcfg_dist *b,
                    unsigned only, int to)
{
    unsigned n = 0;
    for (unsigned i = 0; i < NNAMES; i++) {
        unsigned x = mplace_pick(a, name_of(i), MPLACE_SALT_CAP);
        unsigned y = mplace_pick(b, name_of(i), MPLACE_SALT_CAP);
        if (x == y)
            continue;
        assert_int_equal(to ? y : x, only);
        n++;
    }
    return (double)n / NNAMES;
}

static void test_stability(void **state)
{
    (void)state;
    static const unsigned w4[] = {1, 1, 1, 1}, w5[] = {1, 1, 1, 1, 1};
    static const unsigned heavy[] = {1, 1, 1, 2}, retired[] = {1, 1, 1, 0};
    struct mcfg_dist d4 = {4, 1, w4}, d5 = {5, 1, w5};
    struct mcfg_dist dh = {4, 1, heavy}, dr = {4, 1, retired};
    /* adding a 5th cap moves ~1/5, all of it to the new cap */
    double m = moved(&d4, &d5, 4, 1);
    print_message("4 -> 5 caps: %.4f moved\n", m);
    assert_true(m >= 0.15 && m <= 0.25);
    /* doubling cap 3 moves 2/5 - 1/4 = 0.15, all to cap 3 */
    m = moved(&d4, &dh, 3, 1);
    print_message("cap 3 weight 1 -> 2: %.4f moved\n", m);
    assert_true(m >= 0.13 && m <= 0.17);
    /* retiring cap 3 moves exactly its names, to the others */
    m = moved(&d4, &dr, 3, 0);
    print_message("cap 3 retired: %.4f moved\n", m);
    assert_true(m >= 0.235 && m <= 0.265);
    /* the same names without any change: nothing moves */
    assert_true(moved(&d4, &d4, 0, 1) == 0.0);
}

static void test_scatters_1024(void **state)
{
    (void)state;
    struct mcfg_dist d = {1024, 1, NULL};
    static unsigned cnt[1024];
    spread(&d, MPLACE_SALT_SCATTER, cnt);
    double exp = NNAMES / 1024.0, chi2 = 0;
    unsigned lo = NNAMES, hi = 0;
    for (unsigned i = 0; i < 1024; i++) {
        chi2 += (cnt[i] - exp) * (cnt[i] - exp) / exp;
        lo = cnt[i] < lo ? cnt[i] : lo;
        hi = cnt[i] > hi ? cnt[i] : hi;
    }
    print_message("1024 scatters: min %u max %u chi2 %.1f (df 1023)\n", lo,
                  hi, chi2);
    assert_true(lo >= 55 && hi <= 145);
    assert_true(chi2 > 880 && chi2 < 1170);
}

/* Levels use different salts: pod and cap choices are independent. */
static void test_levels_independent(void **state)
{
    (void)state;
    struct mcfg_repo repo = {.name = "r"};
    repo.pods = repo.caps = (struct mcfg_dist){2, 1, NULL};
    repo.scatters = (struct mcfg_dist){1, 1, NULL};
    mplace_t *map;
    unsigned joint[4] = {0};
    assert_int_equal(mplace_create(&repo, &map), 0);
    for (unsigned i = 0; i < NNAMES; i++) {
        struct mplace_loc l;
        mplace_locate(map, name_of(i), &l);
        assert_int_equal(l.scatter, 0);
        joint[l.pod * 2 + l.cap]++;
    }
    for (int k = 0; k < 4; k++)
        assert_in_range(joint[k], 23750, 26250);
    mplace_destroy(map);
}

static void test_create(void **state)
{
    (void)state;
    unsigned w[] = {1, 0, 1};
    static const unsigned zero[] = {0, 0};
    struct mcfg_repo repo = {.name = "r9"};
    repo.pods = (struct mcfg_dist){1, 1, NULL};
    repo.caps = (struct mcfg_dist){3, 1, w};
    repo.scatters = (struct mcfg_dist){2, 1, zero};
    mplace_t *map;
    FILE *log = tmpfile();
    mlog_set_stream(log);
    assert_int_equal(mplace_create(&repo, &map), -EINVAL);
    mlog_set_stream(NULL);
    char text[256] = "";
    rewind(log);
    assert_non_null(fgets(text, sizeof(text), log));
    fclose(log);
    assert_non_null(strstr(text, "placement of repo r9: every one of the 2 "
                                 "scatters has weight 0"));
    assert_int_equal(mplace_pick(&repo.scatters, "x", 3), MPLACE_NONE);
    assert_int_equal(mplace_pick(&(struct mcfg_dist){0, 1, NULL}, "x", 3),
                     MPLACE_NONE);

    /* the map keeps its own copy of the weights */
    repo.scatters = (struct mcfg_dist){2, 1, NULL};
    assert_int_equal(mplace_create(&repo, &map), 0);
    w[1] = 100;
    for (unsigned i = 0; i < 1000; i++) {
        struct mplace_loc l;
        mplace_locate(map, name_of(i), &l);
        assert_int_not_equal(l.cap, 1);
    }
    mplace_destroy(map);
    mplace_destroy(NULL);
}

static double lookup_ns(const struct mcfg_repo *repo)
{
    mplace_t *map;
    struct timespec t0, t1;
    unsigned sink = 0;
    const unsigned n = 20000;
    assert_int_equal(mplace_create(repo, &map), 0);
    clock_gettime(CLOCK_MONOTONIC, &t0);
    for (unsigned i = 0; i < n; i++) {
        struct mplace_loc l;
        mplace_locate(map, name_of(i), &l);
        sink += l.scatter;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    mplace_destroy(map);
    assert_true(sink > 0);
    return ((double)(t1.tv_sec - t0.tv_sec) * 1e9 +
            (double)(t1.tv_nsec - t0.tv_nsec)) / n;
}

static void test_lookup_cost(void **state)
{
    (void)state;
    static const unsigned cw[] = {0, 0, 1, 1, 1, 1, 1, 2};
    static unsigned sw[1024];
    struct mcfg_repo repo = {.name = "cost"};
    repo.pods = (struct mcfg_dist){4, 1, NULL};
    repo.caps = (struct mcfg_dist){8, 1, cw};
    repo.scatters = (struct mcfg_dist){1024, 1, NULL};
    double uni = lookup_ns(&repo);
    for (unsigned i = 0; i < 1024; i++)
        sw[i] = 1 + (i == 7);
    repo.scatters.weights = sw;
    double wtd = lookup_ns(&repo);
    print_message("lookup, 4 pods x 8 caps x 1024 scatters: %.0f ns "
                  "(uniform scatters), %.0f ns (weighted scatters)\n", uni,
                  wtd);
    /* generous: sanitizer builds are several times slower */
    assert_true(uni < 100000 && wtd < 200000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_xxh64_reference),
        cmocka_unit_test(test_fixed_point_log),
        cmocka_unit_test(test_weights_spread),
        cmocka_unit_test(test_uniform_equals_weighted),
        cmocka_unit_test(test_golden),
        cmocka_unit_test(test_stability),
        cmocka_unit_test(test_scatters_1024),
        cmocka_unit_test(test_levels_independent),
        cmocka_unit_test(test_create),
        cmocka_unit_test(test_lookup_cost),
    };
    return cmocka_run_group_tests_name("placement", tests, NULL, NULL);
}
