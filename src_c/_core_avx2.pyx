# The compiled core once more, built with AVX2 (see setup.py): its elementwise loops (the
# exponentials of sigmoid and softmax, the derivatives, the finiteness checks) take four
# doubles or eight floats a step instead of two or four. fcnn/_compiled.py imports it
# instead of fcnn._core on a CPU that has AVX2. Without FMA contraction its results are
# those of fcnn._core bit for bit (tests/test_cores.py); BLAS is the same library.

include "_core_body.pxi"
