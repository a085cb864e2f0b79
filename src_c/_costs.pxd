# Cost functions C(a, y) of one example, and the output error delta^L = dC/dz^L (BP1).
# Both take the output layer's z as well as a, so that logarithms are computed from z
# (log-softmax, softplus, ln e^z = z) and stay finite where a itself has rounded to 0 or 1
# (or overflowed). The costs with a parameter (Huber's delta, pinball's tau) read it as
# `param`.

from libc.math cimport exp, log, log1p, fabs, INFINITY, NAN

from cython cimport floating
from _activations cimport SIGMOID, SOFTMAX, EXP, softplus, times_derivative

cdef enum Cost:
    QUADRATIC = 0
    SQUARED_ERROR = 1
    ABSOLUTE_ERROR = 2
    CROSS_ENTROPY = 3
    LOG_LIKELIHOOD = 4
    POISSON = 5
    HUBER = 6
    PINBALL = 7
    HINGE = 8
    LOG_POISSON = 9

cdef inline double xlog(double x, double log_y) noexcept nogil:
    """x ln y with 0 ln 0 = 0, given ln y."""
    return 0.0 if x == 0 else x * log_y


cdef inline double log_sum_exp(const floating* z, Py_ssize_t n,
                               Py_ssize_t skip=-1) noexcept nogil:
    """ln sum_j e^{z_j} over the j != skip (-inf for none)."""
    cdef Py_ssize_t j
    cdef double top = -INFINITY, total = 0.0
    for j in range(n):
        if j != skip and z[j] > top:
            top = z[j]
    if top == -INFINITY:
        return top
    for j in range(n):
        if j != skip:
            total += exp(z[j] - top)
    return top + log(total)


cdef inline double log_one_minus_softmax(const floating* z, const floating* a, Py_ssize_t n,
                                         Py_ssize_t j) noexcept nogil:
    """ln(1 - a_j) for a softmax output a = softmax(z): log1p(-a_j) while a_j <= 1/2,
    else ln(sum_{k != j} e^{z_k}) - ln(sum_k e^{z_k}), exact where a_j has rounded to 1."""
    if a[j] <= 0.5:
        return log1p(-a[j])
    return log_sum_exp(z, n, j) - log_sum_exp(z, n)


cdef inline double row_cost(int cost, double param, int act, const floating* z,
                            const floating* a, const floating* y, Py_ssize_t n) noexcept nogil:
    """C for one example; the output activation is sigmoid or softmax for cross-entropy
    and log-likelihood, positive (exp, sigmoid or softmax) for Poisson."""
    cdef Py_ssize_t j
    cdef double c = 0.0, diff, lse, log_a, r, margin
    if cost == QUADRATIC or cost == SQUARED_ERROR:
        for j in range(n):
            diff = a[j] - y[j]
            c += diff * diff
        return 0.5 * c if cost == QUADRATIC else c
    if cost == ABSOLUTE_ERROR:
        for j in range(n):
            c += fabs(a[j] - y[j])
        return c
    if cost == POISSON:
        # the half deviance y ln(y / a) - y + a, as y ln y - y ln a - y + a, where an exp
        # output's ln a is z
        for j in range(n):
            log_a = z[j] if act == EXP else log(a[j])
            c += xlog(y[j], log(y[j])) - xlog(y[j], log_a) - y[j] + a[j]
        return c
    if cost == HUBER:  # as torch.nn.HuberLoss computes it
        for j in range(n):
            r = fabs(a[j] - y[j])
            c += 0.5 * r * r if r < param else param * (r - 0.5 * param)
        return c
    if cost == PINBALL:  # max(tau r, (tau - 1) r) with r = y - a
        for j in range(n):
            r = y[j] - a[j]
            c += param * r if r >= 0 else (param - 1) * r
        return c
    if cost == HINGE:  # max(0, 1 - t a), t = 2y - 1 in {-1, +1}
        for j in range(n):
            margin = 1 - (2 * y[j] - 1) * a[j]
            c += margin if margin > 0 else 0.0
        return c
    if cost == LOG_POISSON:  # the half deviance of the rate e^a: e^a - y a + y ln y - y
        for j in range(n):
            c += exp(a[j]) - y[j] * a[j] + xlog(y[j], log(y[j])) - y[j]
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
        if cost == CROSS_ENTROPY and y[j] != 1:
            c -= (1 - y[j]) * log_one_minus_softmax(z, a, n, j)
    return c


cdef inline double dcost_da(int cost, double param, double a, double y) noexcept nogil:
    """dC/da_j for the costs that make sense with any output activation; at a kink, the
    middle of the one-sided derivatives (as torch's max and abs), 0 for the hinge."""
    if cost == QUADRATIC:
        return a - y
    if cost == SQUARED_ERROR:
        return 2 * (a - y)
    if cost == POISSON:
        return 1 - (0.0 if y == 0 else y / a)  # 1 - y/a, with 0/0 = 0
    if cost == HUBER:  # a - y clamped to [-delta, delta]
        return -param if a - y < -param else (param if a - y > param else a - y)
    if cost == PINBALL:  # 1 - tau above y, -tau below
        return 0.5 * ((a > y) - (a < y)) + 0.5 - param
    if cost == HINGE:  # -t inside the margin
        return 1 - 2 * y if (2 * y - 1) * a < 1 else 0.0
    if cost == LOG_POISSON:
        return exp(a) - y
    return (a > y) - (a < y)  # ABSOLUTE_ERROR: sign(a - y), 0 at the kink


cdef inline double softmax_h(int cost, double param, double a, double y) noexcept nogil:
    """h_j = a_j dC/da_j, with each cost's a_j cancelled by hand where it divides
    (log-likelihood's h = -y is written out in output_error_row)."""
    if cost == CROSS_ENTROPY:  # a (-y/a + (1 - y)/(1 - a)); only called for a <= 1/2
        return -y + (1 - y) * a / (1 - a)
    if cost == POISSON:  # a (1 - y/a)
        return a - y
    return a * dcost_da(cost, param, a, y)


cdef inline void softmax_cross_entropy_error(const floating* z, const floating* a,
                                             const floating* y, floating* d,
                                             Py_ssize_t n) noexcept nogil:
    """BP1 for softmax outputs and the cross-entropy cost. As for the other costs,
    d_k = h_k - a_k sum_j h_j, but the term (1 - y_m) a_m / (1 - a_m) of an output m
    with a_m > 1/2 is taken apart by hand: its share of d is (1 - y_m) a_m at k = m and
    -(1 - y_m) a_m q_k elsewhere, with q_k = a_k / (1 - a_m) = e^{z_k} / sum_{i != m}
    e^{z_i}; finite where a_m has rounded to 1."""
    cdef Py_ssize_t j, m = -1
    cdef double total = 0.0, h, lse_others = 0.0, share = 0.0
    for j in range(n):
        if a[j] > 0.5:
            m = j
            h = -y[j]
        else:
            h = softmax_h(CROSS_ENTROPY, 0.0, a[j], y[j])
        d[j] = <floating>h
        total += h
    if m >= 0:
        share = (1 - y[m]) * a[m]
        lse_others = log_sum_exp(z, n, m)
    for j in range(n):
        h = d[j] - a[j] * total
        if j == m:
            h += share
        elif m >= 0 and share != 0:
            h -= share * exp(z[j] - lse_others)
        d[j] = <floating>h


cdef inline double label_log_likelihood_error(const floating* z, const floating* a,
                                              Py_ssize_t label, floating* d,
                                              Py_ssize_t n) noexcept nogil:
    """Softmax with the log-likelihood for an example of class `label`: BP1's d = a - y
    and the cost -ln a_label, the numbers row_cost and output_error_row make from its
    one-hot row y, without reading y."""
    cdef Py_ssize_t j
    for j in range(n):
        d[j] = a[j]
    d[label] = a[label] - 1
    if a[label] > 0:
        return 0.0 - log(a[label])
    return 0.0 - (z[label] - log_sum_exp(z, n))


cdef inline void output_error_row(int cost, double cost_param, int act, double act_param,
                                  const floating* z, const floating* a, const floating* y,
                                  floating* d, Py_ssize_t n) noexcept nogil:
    """BP1 for one example: d = dC/dz."""
    cdef Py_ssize_t j
    cdef double total = 0.0, h
    cdef floating y_sum = 0
    if act == SOFTMAX and cost == CROSS_ENTROPY:
        softmax_cross_entropy_error(z, a, y, d, n)
    elif act == SOFTMAX and cost == LOG_LIKELIHOOD:
        # the softmax case below with h = -y: d = a sum(y) - y, which is a - y for one-hot
        # y (in the floats' own precision: it rounds a - y as the double route does, and
        # vectorizes)
        for j in range(n):
            y_sum = y_sum + y[j]
        for j in range(n):
            d[j] = a[j] * y_sum - y[j]
    elif act == SOFTMAX:
        # Softmax Jacobian da_j/dz_k = a_j (delta_jk - a_k), so d_k = h_k - a_k sum_j h_j.
        for j in range(n):
            h = softmax_h(cost, cost_param, a[j], y[j])
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
    elif act == EXP and cost == POISSON:
        for j in range(n):
            d[j] = a[j] - y[j]  # f' = a cancels y/a: the canonical pairing
    else:
        for j in range(n):
            d[j] = <floating>dcost_da(cost, cost_param, a[j], y[j])
        times_derivative(act, act_param, z, a, d, n)
