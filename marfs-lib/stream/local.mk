# marfs-lib/stream/local.mk - layer 5: data streams (packing consecutive
# files into shared objects, chunking big files, N:1 chunk writers) and
# the stream reader.  Calls meta, ne, dal, config and util.
noinst_LTLIBRARIES += marfs-lib/stream/libstream.la
marfs_lib_stream_libstream_la_SOURCES = \
	marfs-lib/stream/stream.h marfs-lib/stream/stream.c \
	marfs-lib/stream/stream_chunk.c \
	marfs-lib/stream/sread.h marfs-lib/stream/sread.c \
	marfs-lib/stream/sread_ahead.c \
	marfs-lib/stream/sread_cache.h marfs-lib/stream/sread_cache.c \
	marfs-lib/stream/sread_prefetch.c \
	marfs-lib/stream/sread_mem.h marfs-lib/stream/sread_mem.c
marfs_lib_stream_libstream_la_CPPFLAGS = $(INC_STREAM)
EXTRA_DIST += doc/read-cache.md

# Streams over a fault DAL: publication overlapping the next object,
# and a failed publication failing every file with a piece in it.
check_PROGRAMS += tests/unit/test_stream
UNIT_TESTS += tests/unit/test_stream
tests_unit_test_stream_SOURCES = tests/unit/test_stream.c $(NE_TEST_UTIL)
tests_unit_test_stream_CPPFLAGS = $(TEST_CPPFLAGS)
tests_unit_test_stream_LDADD = $(TEST_LIBS)
