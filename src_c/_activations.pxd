# Activation functions f and their derivatives f', applied to whole layer blocks.
# The switch on the activation is made once per row, outside the element loops.
# Exponentials run in the network's precision (expf for float32); every form is stable
# for any finite z.

from libc.math cimport exp, expf, log1p, fabs, tanh, tanhf

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


cdef inline floating exp_of(floating x) noexcept nogil:
    if floating is float:
        return expf(x)
    else:
        return exp(x)


cdef inline floating sigmoid_of(floating z) noexcept nogil:
    """sigmoid in the precision of z."""
    cdef floating e
    if z >= 0:
        return 1 / (1 + exp_of(-z))
    e = exp_of(z)
    return e / (1 + e)


cdef inline floating tanh_of(floating z) noexcept nogil:
    if floating is float:
        return tanhf(z)
    else:
        return tanh(z)


cdef inline double softplus(double z) noexcept nogil:
    """ln(1 + e^z) = -ln(sigmoid(-z))."""
    return (z if z > 0 else 0.0) + log1p(exp(-fabs(z)))


cdef inline void softmax_row(const floating* z, floating* a, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    cdef floating top = z[0], e
    cdef double total = 0.0
    for j in range(1, n):
        if z[j] > top:
            top = z[j]
    for j in range(n):
        e = exp_of(z[j] - top)
        a[j] = e
        total += e
    for j in range(n):
        a[j] = <floating>(a[j] / total)


cdef inline void add_bias_and_activate(int code, double param, const floating* b,
                                       const floating* slopes, floating* z, floating* a,
                                       Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    """z += b (per column), then a = f(z), in one pass over the (rows, cols) block;
    softmax normalises each row; PReLU has a learnt slope per column (neuron)."""
    cdef Py_ssize_t i, j, k
    cdef floating v, slope = <floating>param
    for i in range(rows):
        k = i * cols
        if code == LINEAR:
            for j in range(cols):
                v = z[k + j] + b[j]
                z[k + j] = v
                a[k + j] = v
        elif code == SIGMOID:
            for j in range(cols):
                v = z[k + j] + b[j]
                z[k + j] = v
                a[k + j] = sigmoid_of(v)
        elif code == TANH:
            for j in range(cols):
                v = z[k + j] + b[j]
                z[k + j] = v
                a[k + j] = tanh_of(v)
        elif code == RELU:
            for j in range(cols):
                v = z[k + j] + b[j]
                z[k + j] = v
                a[k + j] = v if v > 0 else 0
        elif code == LEAKY_RELU:
            for j in range(cols):
                v = z[k + j] + b[j]
                z[k + j] = v
                a[k + j] = v if v > 0 else slope * v
        elif code == SWISH:
            for j in range(cols):
                v = z[k + j] + b[j]
                z[k + j] = v
                a[k + j] = v * sigmoid_of(v)
        elif code == PRELU:
            for j in range(cols):
                v = z[k + j] + b[j]
                z[k + j] = v
                a[k + j] = v if v > 0 else slopes[j] * v
        elif code == SOFTMAX:
            for j in range(cols):
                z[k + j] = z[k + j] + b[j]
            softmax_row(z + k, a + k, cols)


cdef inline void times_derivative(int code, double param, const floating* z,
                                  const floating* a, floating* d,
                                  Py_ssize_t count) noexcept nogil:
    """d *= f'(z), elementwise (softmax is never a hidden layer, so never here; PReLU has
    prelu_backward). With a NULL (a was changed by dropout) f' is computed from z alone."""
    cdef Py_ssize_t i
    cdef floating s, slope = <floating>param
    if code == SIGMOID and a != NULL:
        for i in range(count):
            d[i] = d[i] * a[i] * (1 - a[i])
    elif code == SIGMOID:
        for i in range(count):
            s = sigmoid_of(z[i])
            d[i] = d[i] * s * (1 - s)
    elif code == TANH and a != NULL:
        for i in range(count):
            d[i] = d[i] * (1 - a[i] * a[i])
    elif code == TANH:
        for i in range(count):
            s = tanh_of(z[i])
            d[i] = d[i] * (1 - s * s)
    elif code == RELU:
        for i in range(count):
            d[i] = d[i] if z[i] > 0 else 0
    elif code == LEAKY_RELU:
        for i in range(count):
            d[i] = d[i] if z[i] > 0 else d[i] * slope
    elif code == SWISH:
        for i in range(count):
            s = sigmoid_of(z[i])
            d[i] = d[i] * s * (1 + z[i] * (1 - s))


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
