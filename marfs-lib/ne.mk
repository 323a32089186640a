# marfs-lib/ne.mk - erasure layer, marfs-ne tool and their tests (issue 3).
