# pftool/pftool.mk - the MPI data mover and its front-ends (issue 5).
