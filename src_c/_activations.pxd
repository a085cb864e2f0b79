# Activation functions f and their derivatives f', applied to whole layer blocks.
# The switch on the activation is made once per block, outside the element loops.
# Scalar maths runs in double for both dtypes; every form is stable for any finite z.

from libc.math cimport exp, log1p, fabs, tanh

from _blas cimport floating

cdef enum Activation:
    LINEAR = 0
    SIGMOID = 1
    TANH = 2
    RELU = 3
    LEAKY_RELU = 4
    SWISH = 5
    SOFTMAX = 6
    PRELU = 7


cdef inline double sigmoid(double z) noexcept nogil:
    cdef double e
    if z >= 0:
        return 1.0 / (1.0 + exp(-z))
    e = exp(z)
    return e / (1.0 + e)


cdef inline double softplus(double z) noexcept nogil:
    """ln(1 + e^z) = -ln(sigmoid(-z))."""
    return (z if z > 0 else 0.0) + log1p(exp(-fabs(z)))


cdef inline void softmax_row(const floating* z, floating* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    cdef double top = z[0], total = 0.0, e
    for j in range(1, n):
        if z[j] > top:
            top = z[j]
    for j in range(n):
        e = exp(z[j] - top)
        a[j] = <floating>e
        total += e
    for j in range(n):
        a[j] = <floating>(a[j] / total)


cdef inline void activate(int code, double param, const floating* slopes, const floating* z,
                          floating* a, Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    """a = f(z) over a (rows, cols) block; softmax normalises each row; PReLU has a
    learnt slope per column (neuron)."""
    cdef Py_ssize_t i, j, count = rows * cols
    cdef double v
    if code == LINEAR:
        for i in range(count):
            a[i] = z[i]
    elif code == SIGMOID:
        for i in range(count):
            a[i] = <floating>sigmoid(z[i])
    elif code == TANH:
        for i in range(count):
            a[i] = <floating>tanh(z[i])
    elif code == RELU:
        for i in range(count):
            a[i] = z[i] if z[i] > 0 else 0
    elif code == LEAKY_RELU:
        for i in range(count):
            a[i] = z[i] if z[i] > 0 else <floating>(param * z[i])
    elif code == SWISH:
        for i in range(count):
            v = z[i]
            a[i] = <floating>(v * sigmoid(v))
    elif code == SOFTMAX:
        for i in range(rows):
            softmax_row(z + i * cols, a + i * cols, cols)
    elif code == PRELU:
        for i in range(rows):
            for j in range(cols):
                v = z[i * cols + j]
                a[i * cols + j] = <floating>v if v > 0 else <floating>(slopes[j] * v)


cdef inline void times_derivative(int code, double param, const floating* z,
                                  const floating* a, floating* d,
                                  Py_ssize_t count) noexcept nogil:
    """d *= f'(z), elementwise (softmax is never a hidden layer, so never here; PReLU has
    prelu_backward). With a NULL (a was changed by dropout) f' is computed from z alone."""
    cdef Py_ssize_t i
    cdef double s
    if code == SIGMOID and a != NULL:
        for i in range(count):
            d[i] = d[i] * a[i] * (1 - a[i])
    elif code == SIGMOID:
        for i in range(count):
            s = sigmoid(z[i])
            d[i] = <floating>(d[i] * s * (1 - s))
    elif code == TANH and a != NULL:
        for i in range(count):
            d[i] = d[i] * (1 - a[i] * a[i])
    elif code == TANH:
        for i in range(count):
            s = tanh(z[i])
            d[i] = <floating>(d[i] * (1 - s * s))
    elif code == RELU:
        for i in range(count):
            if not z[i] > 0:
                d[i] = 0
    elif code == LEAKY_RELU:
        for i in range(count):
            if not z[i] > 0:
                d[i] = <floating>(d[i] * param)
    elif code == SWISH:
        for i in range(count):
            s = sigmoid(z[i])
            d[i] = <floating>(d[i] * s * (1 + z[i] * (1 - s)))


cdef inline void prelu_backward(const floating* z, const floating* slopes, floating* d,
                                floating* slope_target, floating alpha, floating beta,
                                Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    """d holds dC/da: accumulate slope_target := beta slope_target + alpha sum_rows d z
    over z <= 0 (dC/d slope), then d *= f'(z) = 1 or the slope."""
    cdef Py_ssize_t i, j, k
    for j in range(cols):
        slope_target[j] = 0 if beta == 0 else beta * slope_target[j]
    for i in range(rows):
        for j in range(cols):
            k = i * cols + j
            if not z[k] > 0:
                slope_target[j] += alpha * d[k] * z[k]
                d[k] = d[k] * slopes[j]
