# Cost functions C(a, y) of one example, and the output error delta^L = dC/dz^L (BP1).
# Both take the output layer's z as well as a, so that logarithms are computed from z
# (log-softmax, softplus) and stay finite where a itself has rounded to 0 or 1.

from libc.math cimport exp, log, log1p, fabs, NAN

from _blas cimport floating
from _activations cimport SIGMOID, SOFTMAX, softplus, times_derivative

cdef enum Cost:
    QUADRATIC = 0
    SQUARED_ERROR = 1
    ABSOLUTE_ERROR = 2
    CROSS_ENTROPY = 3
    LOG_LIKELIHOOD = 4

cdef inline double one_minus(double a) noexcept nogil:
    """1 - a, kept positive where a softmax output has rounded to exactly 1."""
    return 1 - a if a < 1 else 1e-300


cdef inline double xlog(double x, double log_y) noexcept nogil:
    """x ln y with 0 ln 0 = 0, given ln y."""
    return 0.0 if x == 0 else x * log_y


cdef inline double log_sum_exp(const floating* z, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    cdef double top = z[0], total = 0.0
    for j in range(1, n):
        if z[j] > top:
            top = z[j]
    for j in range(n):
        total += exp(z[j] - top)
    return top + log(total)


cdef inline double row_cost(int cost, int act, const floating* z, const floating* a,
                            const floating* y, Py_ssize_t n) noexcept nogil:
    """C for one example; the output activation is sigmoid or softmax for the last two costs."""
    cdef Py_ssize_t j
    cdef double c = 0.0, diff, lse
    if cost == QUADRATIC or cost == SQUARED_ERROR:
        for j in range(n):
            diff = a[j] - y[j]
            c += diff * diff
        return 0.5 * c if cost == QUADRATIC else c
    if cost == ABSOLUTE_ERROR:
        for j in range(n):
            c += fabs(a[j] - y[j])
        return c
    if act == SIGMOID:
        # ln a = -softplus(-z), ln(1 - a) = -softplus(z)
        for j in range(n):
            if cost == CROSS_ENTROPY:
                c += softplus(z[j]) - y[j] * z[j]
            else:
                c += xlog(y[j], -softplus(-z[j]))
        return c if cost == CROSS_ENTROPY else -c
    # softmax: ln a from a itself, or as z - logsumexp(z) where a has underflowed to 0
    lse = NAN
    for j in range(n):
        if y[j] != 0:
            if a[j] > 0:
                c -= y[j] * log(a[j])
            else:
                if lse != lse:
                    lse = log_sum_exp(z, n)
                c -= y[j] * (z[j] - lse)
        if cost == CROSS_ENTROPY:
            c -= xlog(1 - y[j], log1p(-a[j]) if a[j] < 1 else log(one_minus(a[j])))
    return c


cdef inline double dcost_da(int cost, double a, double y) noexcept nogil:
    """dC/da_j for the costs that make sense with any output activation."""
    if cost == QUADRATIC:
        return a - y
    if cost == SQUARED_ERROR:
        return 2 * (a - y)
    return (a > y) - (a < y)  # ABSOLUTE_ERROR: sign(a - y), 0 at the kink


cdef inline double softmax_h(int cost, double a, double y) noexcept nogil:
    """h_j = a_j dC/da_j, with each cost's a_j cancelled by hand where it divides."""
    if cost == LOG_LIKELIHOOD:
        return -y
    if cost == CROSS_ENTROPY:
        # a (a - y) / (a (1 - a)) = (1 - y) / (1 - a) - 1
        return (1 - y) / one_minus(a) - 1
    return a * dcost_da(cost, a, y)


cdef inline void output_error_row(int cost, int act, double param, const floating* z,
                                  const floating* a, const floating* y, floating* d,
                                  Py_ssize_t n) noexcept nogil:
    """BP1 for one example: d = dC/dz."""
    cdef Py_ssize_t j
    cdef double total = 0.0, h
    if act == SOFTMAX:
        # Softmax Jacobian da_j/dz_k = a_j (delta_jk - a_k), so d_k = h_k - a_k sum_j h_j.
        # With log-likelihood h = -y, giving d = a sum(y) - y: a - y for one-hot y.
        for j in range(n):
            h = softmax_h(cost, a[j], y[j])
            d[j] = <floating>h
            total += h
        for j in range(n):
            d[j] = <floating>(d[j] - a[j] * total)
    elif act == SIGMOID and cost == CROSS_ENTROPY:
        for j in range(n):
            d[j] = a[j] - y[j]  # sigma' cancels: no learning slowdown
    elif act == SIGMOID and cost == LOG_LIKELIHOOD:
        for j in range(n):
            d[j] = -y[j] * (1 - a[j])
    else:
        for j in range(n):
            d[j] = <floating>dcost_da(cost, a[j], y[j])
        times_derivative(act, param, z, a, d, n)
