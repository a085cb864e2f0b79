# cython: language_level=3, boundscheck=False, wraparound=False
"""A compiled loop of BLAS gemm calls through scipy.linalg.cython_blas (the BLAS that
fcnn's core calls), for the GEMM roofline: the products alone, with no Python between
them. Built on first use by benchmarks/peers/roofline.py (pyximport); optional.

A plan is a list of calls, each as the Fortran arguments of ?gemm: the transposes, m, n,
k, the leading dimensions, alpha, beta and the indices of the buffers (1-D arrays of the
plan's dtype) that hold A, B and C.
"""
from libc.stdlib cimport malloc, free
from scipy.linalg.cython_blas cimport dgemm, sgemm


def run(long[:, ::1] calls, double[:, ::1] scalars, list buffers, long repeats, bint single):
    """Run the plan's calls in order, `repeats` times; returns nothing."""
    cdef Py_ssize_t n_calls = calls.shape[0], n_buffers = len(buffers), i, _repeat
    cdef void** pointers = <void**>malloc(n_buffers * sizeof(void*))
    cdef float[::1] fview
    cdef double[::1] dview
    cdef char ta, tb
    cdef int m, n, k, lda, ldb, ldc
    cdef float falpha, fbeta
    cdef double dalpha, dbeta
    try:
        for i in range(n_buffers):
            if single:
                fview = buffers[i]
                pointers[i] = <void*>&fview[0]
            else:
                dview = buffers[i]
                pointers[i] = <void*>&dview[0]
        with nogil:
            for _repeat in range(repeats):
                for i in range(n_calls):
                    ta = <char>calls[i, 0]
                    tb = <char>calls[i, 1]
                    m = <int>calls[i, 2]
                    n = <int>calls[i, 3]
                    k = <int>calls[i, 4]
                    lda = <int>calls[i, 5]
                    ldb = <int>calls[i, 6]
                    ldc = <int>calls[i, 7]
                    if single:
                        falpha = <float>scalars[i, 0]
                        fbeta = <float>scalars[i, 1]
                        sgemm(&ta, &tb, &m, &n, &k, &falpha, <float*>pointers[calls[i, 8]],
                              &lda, <float*>pointers[calls[i, 9]], &ldb, &fbeta,
                              <float*>pointers[calls[i, 10]], &ldc)
                    else:
                        dalpha = scalars[i, 0]
                        dbeta = scalars[i, 1]
                        dgemm(&ta, &tb, &m, &n, &k, &dalpha, <double*>pointers[calls[i, 8]],
                              &lda, <double*>pointers[calls[i, 9]], &ldb, &dbeta,
                              <double*>pointers[calls[i, 10]], &ldc)
    finally:
        free(pointers)
