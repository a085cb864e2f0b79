# The compiled core: forward pass, back-propagation (BP1-BP4) and in-place SGD over whole
# mini-batches and whole epochs, without the GIL.
#
# Layout. A network's parameters live in one flat array `theta`: for each layer k (0-based,
# the notes' layer l = k + 1) the weights w (sizes[k+1], sizes[k]) row-major, then the
# biases b (sizes[k+1],). Batches are rows: a block of m examples of layer l is an (m, n_l)
# row-major matrix. A workspace holds z, a and delta for `capacity` rows of every layer
# after the input, layer by layer; the input rows are read where they lie.
#
# With the notes' w[j, i] (to neuron j from input i) and examples as rows:
#   forward  Z^l = A^{l-1} W^l^T + b^l,  A^l = f(Z^l)
#   BP1      D^L = dC/dA^L * f'(Z^L)                (per example, see _costs.pxd)
#   BP2      D^{l-1} = (D^l W^l) * f'(Z^{l-1})
#   BP3      dC/db^l = (1/m) sum over rows of D^l
#   BP4      dC/dW^l = (1/m) D^l^T A^{l-1}
# BP3 and BP4 are accumulated into a target as  target := beta target + alpha sum(...):
# into a gradient buffer (alpha = 1/m, beta = 0), or straight into theta for an SGD step
# (alpha = -eta/m, beta = 1), which needs no gradient buffer and no extra pass.
#
# Every array reaching this module was checked by the Python layer (dtype, C order,
# shapes, finiteness); bounds checking is off.

from libc.stdint cimport uint64_t
from libc.string cimport memcpy

import numpy as np

from _blas cimport floating, gemm
from _activations cimport activate, times_derivative
from _activations cimport LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, SWISH, SOFTMAX
from _costs cimport row_cost, output_error_row
from _costs cimport QUADRATIC, SQUARED_ERROR, ABSOLUTE_ERROR, CROSS_ENTROPY, LOG_LIKELIHOOD

ACTIVATION_CODES = {
    "linear": LINEAR, "sigmoid": SIGMOID, "tanh": TANH, "relu": RELU,
    "leaky_relu": LEAKY_RELU, "swish": SWISH, "softmax": SOFTMAX,
}
COST_CODES = {
    "quadratic": QUADRATIC, "squared_error": SQUARED_ERROR,
    "absolute_error": ABSOLUTE_ERROR, "cross_entropy": CROSS_ENTROPY,
    "log_likelihood": LOG_LIKELIHOOD,
}


cdef struct Net:
    Py_ssize_t n_layers            # weight layers, L
    const Py_ssize_t* sizes        # L + 1 layer widths
    const Py_ssize_t* w_off        # L offsets of w^l in theta
    const Py_ssize_t* b_off        # L offsets of b^l in theta
    const Py_ssize_t* unit_off     # L: units in the layers before l (input excluded)
    const int* act                 # L activation codes
    const double* act_param        # L activation parameters (leaky slope)
    int cost


cdef class Layout:
    """The shape of a network as the core sees it: widths, offsets and function codes."""
    cdef Net net
    cdef Py_ssize_t[::1] _sizes, _w_off, _b_off, _unit_off
    cdef int[::1] _act
    cdef double[::1] _act_param
    cdef readonly Py_ssize_t n_params, n_units

    def __init__(self, sizes, activation_codes, activation_params, int cost_code):
        cdef Py_ssize_t k, L = len(sizes) - 1, offset = 0, units = 0
        self._sizes = np.asarray(sizes, dtype=np.intp)
        self._w_off = np.empty(L, dtype=np.intp)
        self._b_off = np.empty(L, dtype=np.intp)
        self._unit_off = np.empty(L, dtype=np.intp)
        self._act = np.asarray(activation_codes, dtype=np.intc)
        self._act_param = np.asarray(activation_params, dtype=np.float64)
        for k in range(L):
            self._w_off[k] = offset
            offset += self._sizes[k + 1] * self._sizes[k]
            self._b_off[k] = offset
            offset += self._sizes[k + 1]
            self._unit_off[k] = units
            units += self._sizes[k + 1]
        self.n_params = offset
        self.n_units = units
        self.net.n_layers = L
        self.net.sizes = &self._sizes[0]
        self.net.w_off = &self._w_off[0]
        self.net.b_off = &self._b_off[0]
        self.net.unit_off = &self._unit_off[0]
        self.net.act = &self._act[0]
        self.net.act_param = &self._act_param[0]
        self.net.cost = cost_code

    def offsets(self):
        """(w_off, b_off, unit_off): where each layer's w and b start in theta, and how
        many units precede it in a workspace row block."""
        return list(self._w_off), list(self._b_off), list(self._unit_off)


# ---------------------------------------------------------------- one mini-batch

cdef void forward_pass(const Net* net, const floating* theta, const floating* x,
                       Py_ssize_t m, Py_ssize_t capacity,
                       floating* z, floating* a) noexcept nogil:
    """z^l = a^{l-1} w^l^T + b^l, a^l = f(z^l) for the m rows of x, layer by layer."""
    cdef Py_ssize_t k, i, j, n_in, n_out
    cdef const floating* a_in = x
    cdef const floating* b
    cdef floating* zk
    cdef floating* ak
    for k in range(net.n_layers):
        n_in = net.sizes[k]
        n_out = net.sizes[k + 1]
        zk = z + capacity * net.unit_off[k]
        ak = a + capacity * net.unit_off[k]
        b = theta + net.b_off[k]
        gemm(False, True, <int>m, <int>n_out, <int>n_in,
             1, a_in, <int>n_in, theta + net.w_off[k], <int>n_in, 0, zk, <int>n_out)
        for i in range(m):
            for j in range(n_out):
                zk[i * n_out + j] += b[j]
        activate(net.act[k], net.act_param[k], zk, ak, m, n_out)
        a_in = ak


cdef double output_error(const Net* net, const floating* y, Py_ssize_t m,
                         Py_ssize_t capacity, const floating* z, const floating* a,
                         floating* delta) noexcept nogil:
    """BP1 for the m rows: delta^L = dC/dz^L. Returns the summed cost of the rows."""
    cdef Py_ssize_t i, L = net.n_layers - 1, n = net.sizes[net.n_layers]
    cdef Py_ssize_t off = capacity * net.unit_off[L]
    cdef double total = 0.0
    for i in range(m):
        total += row_cost(net.cost, net.act[L], z + off + i * n, a + off + i * n,
                          y + i * n, n)
        output_error_row(net.cost, net.act[L], net.act_param[L], z + off + i * n,
                         a + off + i * n, y + i * n, delta + off + i * n, n)
    return total


cdef void backward_pass(const Net* net, const floating* theta, const floating* x,
                        Py_ssize_t m, Py_ssize_t capacity, const floating* z,
                        const floating* a, floating* delta, floating* target,
                        floating alpha, floating beta) noexcept nogil:
    """From delta^L, BP2 down the layers, and BP3/BP4 accumulated into target.

    target may be theta itself (an SGD step): w^l is used by BP2 before BP4 overwrites it.
    """
    cdef Py_ssize_t k, i, j, n_in, n_out
    cdef const floating* a_in
    cdef const floating* w
    cdef floating* dk
    cdef floating* d_prev
    cdef floating* tb
    for k in range(net.n_layers - 1, -1, -1):
        n_in = net.sizes[k]
        n_out = net.sizes[k + 1]
        w = theta + net.w_off[k]
        dk = delta + capacity * net.unit_off[k]
        a_in = x if k == 0 else a + capacity * net.unit_off[k - 1]
        if k > 0:
            # BP2: delta^{l-1} = (delta^l w^l) * f'(z^{l-1})
            d_prev = delta + capacity * net.unit_off[k - 1]
            gemm(False, False, <int>m, <int>n_in, <int>n_out,
                 1, dk, <int>n_out, w, <int>n_in, 0, d_prev, <int>n_in)
            times_derivative(net.act[k - 1], net.act_param[k - 1],
                             z + capacity * net.unit_off[k - 1], a_in, d_prev, m * n_in)
        # BP4: dC/dw^l = delta^l^T a^{l-1}, summed over the rows
        gemm(True, False, <int>n_out, <int>n_in, <int>m,
             alpha, dk, <int>n_out, a_in, <int>n_in, beta, target + net.w_off[k], <int>n_in)
        # BP3: dC/db^l = delta^l, summed over the rows
        tb = target + net.b_off[k]
        if beta == 0:
            for j in range(n_out):
                tb[j] = 0  # as BLAS does: never read a target scaled by zero
        elif beta != 1:
            for j in range(n_out):
                tb[j] = beta * tb[j]
        for i in range(m):
            for j in range(n_out):
                tb[j] += alpha * dk[i * n_out + j]


cdef double sgd_batch(const Net* net, floating* theta, const floating* x, const floating* y,
                      Py_ssize_t m, Py_ssize_t capacity, floating* z, floating* a,
                      floating* delta, double lr) noexcept nogil:
    """One SGD step on m examples, w <- w - (eta/m) sum delta a^T, b <- b - (eta/m) sum delta.
    Returns the summed cost of the examples before the step."""
    cdef double cost
    forward_pass(net, theta, x, m, capacity, z, a)
    cost = output_error(net, y, m, capacity, z, a, delta)
    backward_pass(net, theta, x, m, capacity, z, a, delta, theta, <floating>(-lr / m), 1)
    return cost


# ---------------------------------------------------------------- shuffling

cdef inline uint64_t splitmix64(uint64_t* state) noexcept nogil:
    cdef uint64_t r
    state[0] += 0x9E3779B97F4A7C15ULL
    r = state[0]
    r = (r ^ (r >> 30)) * 0xBF58476D1CE4E5B9ULL
    r = (r ^ (r >> 27)) * 0x94D049BB133111EBULL
    return r ^ (r >> 31)


cdef void shuffle_in_place(Py_ssize_t* order, Py_ssize_t n, uint64_t seed) noexcept nogil:
    """Fisher-Yates; the modulo bias of a 64-bit draw is below n / 2^64."""
    cdef Py_ssize_t i, j, tmp
    cdef uint64_t state = seed
    for i in range(n - 1, 0, -1):
        j = <Py_ssize_t>(splitmix64(&state) % <uint64_t>(i + 1))
        tmp = order[i]
        order[i] = order[j]
        order[j] = tmp


# ---------------------------------------------------------------- entry points

cdef inline Py_ssize_t workspace_capacity(Layout layout, Py_ssize_t length):
    return length // layout.n_units


def predict(Layout layout, const floating[::1] theta, const floating[:, ::1] X,
            floating[::1] z, floating[::1] a, floating[:, ::1] out):
    """out = a^L for every row of X, in chunks of the workspace's capacity."""
    forward_chunks(&layout.net, &theta[0], &X[0, 0], <floating*>NULL, X.shape[0],
                   workspace_capacity(layout, z.shape[0]), &z[0], &a[0], &out[0, 0])


def evaluate(Layout layout, const floating[::1] theta, const floating[:, ::1] X,
             const floating[:, ::1] Y, floating[::1] z, floating[::1] a,
             floating[:, ::1] out):
    """As predict, and return the mean cost over the rows of (X, Y)."""
    return forward_chunks(&layout.net, &theta[0], &X[0, 0], &Y[0, 0], X.shape[0],
                          workspace_capacity(layout, z.shape[0]), &z[0], &a[0],
                          &out[0, 0]) / X.shape[0]


cdef double forward_chunks(const Net* net, const floating* theta, const floating* X,
                           const floating* Y, Py_ssize_t n, Py_ssize_t capacity,
                           floating* z, floating* a, floating* out) except? -1:
    cdef Py_ssize_t start, m, i, n_in = net.sizes[0], n_out = net.sizes[net.n_layers]
    cdef Py_ssize_t last = capacity * net.unit_off[net.n_layers - 1]
    cdef double total = 0.0
    with nogil:
        start = 0
        while start < n:
            m = min(capacity, n - start)
            forward_pass(net, theta, X + start * n_in, m, capacity, z, a)
            memcpy(out + start * n_out, a + last, m * n_out * sizeof(floating))
            if Y != NULL:
                for i in range(m):
                    total += row_cost(net.cost, net.act[net.n_layers - 1],
                                      z + last + i * n_out, a + last + i * n_out,
                                      Y + (start + i) * n_out, n_out)
            start += m
    return total


def forward(Layout layout, const floating[::1] theta, const floating[:, ::1] X,
            floating[::1] z, floating[::1] a):
    """One forward pass over all rows of X, leaving z and a of every layer in the workspace."""
    with nogil:
        forward_pass(&layout.net, &theta[0], &X[0, 0], X.shape[0], X.shape[0],
                     &z[0], &a[0])


def gradients(Layout layout, const floating[::1] theta, const floating[:, ::1] X,
              const floating[:, ::1] Y, floating[::1] z, floating[::1] a,
              floating[::1] delta, floating[::1] grad):
    """grad = dC/dtheta averaged over the rows; delta of every layer left in the workspace.
    Returns the mean cost."""
    cdef Py_ssize_t m = X.shape[0]
    cdef double cost
    with nogil:
        forward_pass(&layout.net, &theta[0], &X[0, 0], m, m, &z[0], &a[0])
        cost = output_error(&layout.net, &Y[0, 0], m, m, &z[0], &a[0], &delta[0])
        backward_pass(&layout.net, &theta[0], &X[0, 0], m, m, &z[0], &a[0], &delta[0],
                      &grad[0], <floating>(1.0 / m), 0)
    return cost / m


def sgd_step(Layout layout, floating[::1] theta, const floating[:, ::1] X,
             const floating[:, ::1] Y, double lr, floating[::1] z, floating[::1] a,
             floating[::1] delta):
    """One SGD step on all rows of (X, Y); returns the mean cost before it."""
    cdef Py_ssize_t m = X.shape[0]
    cdef double cost
    with nogil:
        cost = sgd_batch(&layout.net, &theta[0], &X[0, 0], &Y[0, 0], m, m,
                         &z[0], &a[0], &delta[0], lr)
    return cost / m


def sgd_epoch(Layout layout, floating[::1] theta, const floating[:, ::1] X,
              const floating[:, ::1] Y, Py_ssize_t batch_size, double lr,
              bint shuffle, uint64_t seed, Py_ssize_t[::1] order,
              floating[:, ::1] x_batch, floating[:, ::1] y_batch,
              floating[::1] z, floating[::1] a, floating[::1] delta):
    """One epoch of mini-batch SGD; returns the mean cost of the examples, each taken
    just before the step that used it (the running cost).

    shuffle: reorder `order` in place (seeded), then gather each batch's rows into
    x_batch, y_batch; otherwise the batches are read where they lie in X and Y.
    """
    cdef const Net* net = &layout.net
    cdef Py_ssize_t n = X.shape[0], n_in = X.shape[1], n_out = Y.shape[1]
    cdef Py_ssize_t start, m, i
    cdef const floating* xb
    cdef const floating* yb
    cdef double total = 0.0
    with nogil:
        if shuffle:
            shuffle_in_place(&order[0], n, seed)
        start = 0
        while start < n:
            m = min(batch_size, n - start)
            if shuffle:
                for i in range(m):
                    memcpy(&x_batch[i, 0], &X[order[start + i], 0], n_in * sizeof(floating))
                    memcpy(&y_batch[i, 0], &Y[order[start + i], 0], n_out * sizeof(floating))
                xb = &x_batch[0, 0]
                yb = &y_batch[0, 0]
            else:
                xb = &X[start, 0]
                yb = &Y[start, 0]
            total += sgd_batch(net, &theta[0], xb, yb, m, batch_size,
                               &z[0], &a[0], &delta[0], lr)
            start += m
    return total / n
