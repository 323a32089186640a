# marfs-lib/dal.mk - DAL backends and placement (filled in by issue 3).
