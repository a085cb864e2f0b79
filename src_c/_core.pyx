# The compiled core for any CPU of its architecture (on x86-64: SSE2). The body is shared
# with _core_avx2.pyx.

include "_core_body.pxi"
