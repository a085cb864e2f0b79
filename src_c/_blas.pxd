# Row-major BLAS for the core, through scipy's Fortran BLAS (no numpy involved).
#
# A row-major matrix is its column-major transpose, so C = op(A) op(B) is computed
# as C^T = op(B)^T op(A)^T: swap the operands, keep the transpose flags. One row
# (m = 1, a single example) goes to gemv, and a rank-1 update (k = 1) to ger, which
# cost less than gemm's set-up; products of a few dozen multiplications are plain loops.

from cython cimport floating
from scipy.linalg.cython_blas cimport dgemm, sgemm, dgemv, sgemv, dger, sger

# Below this many multiply-adds a loop beats the cost of calling BLAS.
cdef enum:
    TINY_PRODUCT = 128

cdef enum Product:
    LOOPS = 0
    GEMV = 1
    GER = 2
    GEMM = 3


cdef inline Product product_kind(bint trans_a, int m, int n, int k,
                                 bint beta_is_one) noexcept nogil:
    """Which routine computes an (m, n) = (m, k) (k, n) product. The count of
    multiply-adds is taken in 64 bits: m n k passes 2^31 for big batches of wide layers."""
    if <long long>m * n * k <= TINY_PRODUCT:
        return LOOPS
    if m == 1 and not trans_a:
        return GEMV
    if k == 1 and beta_is_one:
        return GER
    return GEMM


cdef inline void gemm(bint trans_a, bint trans_b, int m, int n, int k,
                      floating alpha, const floating* A, int lda,
                      const floating* B, int ldb,
                      floating beta, floating* C, int ldc) noexcept nogil:
    """C := alpha op(A) op(B) + beta C, all row-major, C of shape (m, n)."""
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    cdef int one = 1, rows, cols, inc_x, inc_y
    cdef Product kind = product_kind(trans_a, m, n, k, beta == 1)
    if kind == LOOPS:
        small_gemm(trans_a, trans_b, m, n, k, alpha, A, lda, B, ldb, beta, C, ldc)
    elif kind == GEMV:
        # c = alpha op(B)^T a + beta c; B's buffer is B^T to Fortran
        rows = k if trans_b else n
        cols = n if trans_b else k
        if floating is float:
            sgemv(&tb, &rows, &cols, &alpha, <float*>B, &ldb, <float*>A, &one, &beta, C, &one)
        else:
            dgemv(&tb, &rows, &cols, &alpha, <double*>B, &ldb, <double*>A, &one, &beta, C, &one)
    elif kind == GER:
        # C^T += alpha op(B)^T op(A)^T: an outer product of B's row and A's column
        inc_x = lda if not trans_a else 1
        inc_y = ldb if trans_b else 1
        if floating is float:
            sger(&n, &m, &alpha, <float*>B, &inc_y, <float*>A, &inc_x, C, &ldc)
        else:
            dger(&n, &m, &alpha, <double*>B, &inc_y, <double*>A, &inc_x, C, &ldc)
    elif floating is float:
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float*>B, &ldb, <float*>A, &lda,
              &beta, C, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double*>B, &ldb, <double*>A, &lda,
              &beta, C, &ldc)


cdef inline void small_gemm(bint trans_a, bint trans_b, int m, int n, int k,
                            floating alpha, const floating* A, int lda,
                            const floating* B, int ldb,
                            floating beta, floating* C, int ldc) noexcept nogil:
    """gemm as three loops, for tiny products; C is not read when beta is 0."""
    cdef int i, j, p
    cdef floating total, a_ip, b_pj
    for i in range(m):
        for j in range(n):
            total = 0
            for p in range(k):
                a_ip = A[p * lda + i] if trans_a else A[i * lda + p]
                b_pj = B[j * ldb + p] if trans_b else B[p * ldb + j]
                total = total + a_ip * b_pj
            C[i * ldc + j] = alpha * total if beta == 0 else alpha * total + beta * C[i * ldc + j]
