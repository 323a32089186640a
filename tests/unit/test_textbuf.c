/*
 * test_textbuf.c - mtext (util/textbuf.c) writes exactly what printf
 * would, stops cleanly when the buffer is full; and the two per-file
 * texts built with it, a file's tag and a piece's recovery record, keep
 * their documented formats byte for byte (doc/metadata-format.md,
 * doc/object-format.md).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "objfmt.h"
#include "tag.h"
#include "textbuf.h"

static uint64_t rng = 0x9e3779b97f4a7c15ULL;

/* Values of every magnitude: a random 64-bit number shifted right by a
 * random count, so small and large ones both come up often. */
static uint64_t next_value(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng >> (rng % 64);
}

static void test_numbers_match_printf(void **state)
{
    (void)state;
    char got[128], want[128];
    struct mtext t;
    for (int i = 0; i < 20000; i++) {
        uint64_t v = next_value();
        int64_t s = (i & 1) ? -(int64_t)(v >> 1) : (int64_t)(v >> 1);
        unsigned w = (unsigned)(i % 21);
        mtext_init(&t, got, sizeof(got));
        mtext_u64(&t, v);
        mtext_char(&t, ' ');
        mtext_i64(&t, s);
        mtext_char(&t, ' ');
        mtext_oct(&t, v & 07777777);
        mtext_char(&t, ' ');
        mtext_u64_pad(&t, v, w);
        mtext_char(&t, ' ');
        mtext_hex_pad(&t, v, w);
        int n = snprintf(want, sizeof(want),
                         "%" PRIu64 " %" PRId64 " %o %0*" PRIu64 " %0*" PRIx64,
                         v, s, (unsigned)(v & 07777777), (int)w, v, (int)w,
                         v);
        assert_int_equal(mtext_len(&t, got), n);
        assert_string_equal(got, want);
    }
    mtext_init(&t, got, sizeof(got));
    mtext_i64(&t, INT64_MIN);
    mtext_char(&t, ' ');
    mtext_u64(&t, UINT64_MAX);
    assert_string_equal(got, "-9223372036854775808 18446744073709551615");
}

static void test_full(void **state)
{
    (void)state;
    char buf[8];
    struct mtext t;
    mtext_init(&t, buf, sizeof(buf));
    mtext_str(&t, "abc");
    mtext_u64(&t, 1234);            /* exactly fills 7 bytes + NUL */
    assert_int_equal(mtext_len(&t, buf), 7);
    assert_string_equal(buf, "abc1234");
    mtext_char(&t, 'x');            /* no room: full from now on */
    assert_int_equal(mtext_len(&t, buf), -1);
    assert_string_equal(buf, "abc1234");
    mtext_init(&t, buf, sizeof(buf));
    mtext_str(&t, "abcdefghij");    /* too long: nothing of it is taken */
    mtext_str(&t, "z");             /* nor anything after */
    assert_int_equal(mtext_len(&t, buf), -1);
    assert_string_equal(buf, "");
    assert_int_equal(mtext_copy(buf, sizeof(buf), "1234567"), 7);
    assert_string_equal(buf, "1234567");
    assert_int_equal(mtext_copy(buf, sizeof(buf), "12345678"), -1);
    assert_string_equal(buf, "1234567");
    assert_int_equal(mtext_copy(buf, sizeof(buf), ""), 0);
    assert_string_equal(buf, "");
}

static void test_tag_text(void **state)
{
    (void)state;
    struct ftag t = {.state = FTAG_COMPLETE, .nto1 = 0, .objno = 17,
                     .off = 4096, .first = 1234567, .chunk = 1073741824,
                     .hdr = 512, .size = 1234567, .n = 10, .e = 2,
                     .psz = 1048576, .has_crc = 1, .crc = 0xabcULL};
    strcpy(t.stream, "host1.4242.1a2b3c");
    strcpy(t.ref, "g00000000000000a1~17");
    char buf[512];
    const char *want =
        "MARFSTAG v=1 st=complete nto1=0 stream=host1.4242.1a2b3c obj=17 "
        "off=4096 first=1234567 chunk=1073741824 hdr=512 size=1234567 n=10 "
        "e=2 psz=1048576 crc=0000000000000abc ref=g00000000000000a1~17";
    assert_int_equal(ftag_encode(&t, buf, sizeof(buf)), (int)strlen(want));
    assert_string_equal(buf, want);
    struct ftag back;
    assert_int_equal(ftag_decode(buf, strlen(buf), &back), 0);
    assert_int_equal(back.crc, 0xabcULL);
    assert_int_equal(back.first, 1234567);
    t.state = FTAG_WRITING;
    t.nto1 = 1;
    t.has_crc = 0;
    assert_true(ftag_encode(&t, buf, sizeof(buf)) > 0);
    assert_non_null(strstr(buf, " st=writing nto1=1 "));
    assert_non_null(strstr(buf, " crc=- ref="));
    /* one byte short of the text and its NUL */
    assert_int_equal(ftag_encode(&t, buf, strlen(buf)), -ENAMETOOLONG);
}

static void test_record_text(void **state)
{
    (void)state;
    static struct obj_record r;
    memset(&r, 0, sizeof(r));
    strcpy(r.path, "/proj/a dir/50%\x7f.txt");
    strcpy(r.ref, "g1~2");
    r.uid = 1234;
    r.gid = 56;
    r.mode = 0100644;
    r.mtime_sec = 1700000000;
    r.mtime_nsec = 5;
    r.poff = 0;
    r.plen = 4096;
    r.doff = 8192;
    r.pcrc = 0x1ULL;
    char buf[1024];
    const char *body =
        "MARFSREC 1\npath=/proj/a%20dir/50%25%7F.txt\nref=g1~2\nuid=1234\n"
        "gid=56\nmode=0100644\nmtime=1700000000.000000005\npoff=0\n"
        "plen=4096\ndoff=8192\npcrc=0x0000000000000001\n";
    char want[1024];
    snprintf(want, sizeof(want), "%sEND %010zu\n", body, strlen(body) + 15);
    assert_int_equal(obj_record_encode(&r, buf, sizeof(buf)),
                     (int)strlen(want));
    assert_string_equal(buf, want);
    r.last = 1;
    r.size = 4096;
    r.fcrc = 0xfedcba9876543210ULL;
    int n = obj_record_encode(&r, buf, sizeof(buf));
    assert_true(n > 0);
    assert_non_null(strstr(buf, "pcrc=0x0000000000000001\nsize=4096\n"
                                "fcrc=0xfedcba9876543210\nEND "));
    size_t len;
    assert_int_equal(obj_record_trailer(buf, (size_t)n, &len), 0);
    assert_int_equal(len, (size_t)n);
    struct obj_record back;
    assert_int_equal(obj_record_decode(buf, (size_t)n, &back), 0);
    assert_string_equal(back.path, r.path);
    assert_int_equal(back.mtime_nsec, 5);
    assert_int_equal(back.fcrc, r.fcrc);
    /* the record must leave room for its trailer */
    assert_int_equal(obj_record_encode(&r, buf, (size_t)n), -ENAMETOOLONG);
    assert_int_equal(obj_record_encode(&r, buf, (size_t)n + 1), n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_numbers_match_printf),
        cmocka_unit_test(test_full),
        cmocka_unit_test(test_tag_text),
        cmocka_unit_test(test_record_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
