# The compiled core, shared by its two builds (_core.pyx, _core_avx2.pyx): what Python
# calls (the layout, the workspace, the update settings, the epoch loop, the entry points)
# around one training step (_step.pxi).
#
# A network's parameters live in one flat array `theta`: for each layer k (0-based, the
# notes' layer l = k + 1) the weights w (sizes[k+1], sizes[k]) row-major, the biases b
# (sizes[k+1],), and for a PReLU layer its slopes (sizes[k+1],). Batches are rows: a block
# of m examples of layer l is an (m, n_l) row-major matrix. A Workspace holds z, a and
# delta (and a dropout mask) for `capacity` rows of every layer after the input, layer by
# layer, plus one gradient the size of theta; the input rows are read where they lie.
#
# Every array reaching this module was checked by the Python layer (dtype, C order,
# shapes, finiteness); bounds checking is off.

from libc.math cimport isfinite, sqrt, NAN
from libc.stdint cimport uint32_t, uint64_t
from libc.string cimport memcpy
from libc.stdlib cimport labs

import threading

import numpy as np
cimport numpy as cnp

cnp.import_array()

from cython cimport floating

from _blas cimport gemm, product_kind
from _activations cimport add_bias_and_activate, times_derivative, prelu_backward
from _activations cimport LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, SWISH, SOFTMAX, PRELU, EXP
from _activations cimport GELU, GELU_TANH, ELU, SELU, SOFTPLUS, MISH
from _costs cimport row_cost, output_error_row, label_log_likelihood_error
from _costs cimport QUADRATIC, SQUARED_ERROR, ABSOLUTE_ERROR, CROSS_ENTROPY, LOG_LIKELIHOOD, POISSON
from _costs cimport HUBER, PINBALL, HINGE, LOG_POISSON
from _optimizers cimport Optimizer, update, SGD, ADAM, RMSPROP, ADAGRAD
from _optimizers cimport SGD_SUTSKEVER, ADAM_EPS_HAT, RPROP
from _random cimport uniform, shuffle_in_place
from _cpu cimport Lookahead, look_ahead, fetch_ahead, flush_subnormals, restore_float_mode
from _cpu cimport FCNN_INSTRUCTIONS, fcnn_cpu_has_avx2
from _signals cimport Signals, signal_checks, check_due, run_signal_handlers, reraise
from _signals cimport WORK_PER_ROW, WORK_PER_BATCH

ACTIVATION_CODES = {
    "linear": LINEAR, "sigmoid": SIGMOID, "tanh": TANH, "relu": RELU,
    "leaky_relu": LEAKY_RELU, "swish": SWISH, "softmax": SOFTMAX, "prelu": PRELU,
    "exp": EXP, "gelu": GELU, "gelu_tanh": GELU_TANH, "elu": ELU, "selu": SELU,
    "softplus": SOFTPLUS, "mish": MISH,
}
COST_CODES = {
    "quadratic": QUADRATIC, "squared_error": SQUARED_ERROR,
    "absolute_error": ABSOLUTE_ERROR, "cross_entropy": CROSS_ENTROPY,
    "log_likelihood": LOG_LIKELIHOOD, "poisson": POISSON, "huber": HUBER,
    "pinball": PINBALL, "hinge": HINGE, "log_poisson": LOG_POISSON,
}
OPTIMIZER_CODES = {"sgd": SGD, "adam": ADAM, "rmsprop": RMSPROP, "adagrad": ADAGRAD,
                   "sgd_sutskever": SGD_SUTSKEVER, "adam_eps_hat": ADAM_EPS_HAT,
                   "rprop": RPROP}

cdef unsigned long main_thread = threading.main_thread().ident  # where signal handlers run


# The network's layers as the loops read them: a Layout's arrays, by pointer.
cdef struct Layers:
    Py_ssize_t n_layers            # weight layers, L
    const Py_ssize_t* sizes        # L + 1 layer widths
    const Py_ssize_t* w_off        # L offsets of w^l in theta
    const Py_ssize_t* b_off        # L offsets of b^l in theta
    const Py_ssize_t* p_off        # L offsets of PReLU slopes in theta, -1 for no PReLU
    const Py_ssize_t* unit_off     # L: units in the layers before l (input excluded)
    const int* act                 # L activation codes
    const double* act_param        # L activation parameters (leaky slope)
    int cost
    double cost_param              # Huber's delta, pinball's tau


cdef class Layout:
    """The shape of a network as the core sees it: widths, offsets and function codes."""
    cdef Layers layers
    cdef Py_ssize_t[::1] _sizes, _w_off, _b_off, _p_off, _unit_off
    cdef int[::1] _act
    cdef double[::1] _act_param
    cdef readonly Py_ssize_t n_params, n_units

    def __init__(self, sizes, activation_codes, activation_params, int cost_code,
                 double cost_param=0.0):
        cdef Py_ssize_t k, L = len(sizes) - 1, offset = 0, units = 0
        self._sizes = np.asarray(sizes, dtype=np.intp)
        self._act = np.asarray(activation_codes, dtype=np.intc)
        self._act_param = np.asarray(activation_params, dtype=np.float64)
        self._w_off, self._b_off, self._p_off, self._unit_off = (
            np.empty(L, dtype=np.intp) for _ in range(4))
        for k in range(L):
            self._w_off[k] = offset
            offset += self._sizes[k + 1] * self._sizes[k]
            self._b_off[k] = offset
            offset += self._sizes[k + 1]
            self._p_off[k] = -1
            if self._act[k] == PRELU:
                self._p_off[k] = offset
                offset += self._sizes[k + 1]
            self._unit_off[k] = units
            units += self._sizes[k + 1]
        self.n_params = offset
        self.n_units = units
        self.layers.n_layers = L
        self.layers.sizes = &self._sizes[0]
        self.layers.w_off = &self._w_off[0]
        self.layers.b_off = &self._b_off[0]
        self.layers.p_off = &self._p_off[0]
        self.layers.unit_off = &self._unit_off[0]
        self.layers.act = &self._act[0]
        self.layers.act_param = &self._act_param[0]
        self.layers.cost = cost_code
        self.layers.cost_param = cost_param

    def offsets(self):
        """Per layer: where w, b and the PReLU slopes (-1: none) start in theta, and how
        many units precede the layer in a workspace row block."""
        return (list(self._w_off), list(self._b_off), list(self._p_off),
                list(self._unit_off))


# A Workspace's arrays, by pointer, for the loops that run without the GIL.
cdef struct Buffers:
    Py_ssize_t capacity            # rows of every layer block
    void* z
    void* a
    void* delta
    void* mask                     # NULL without dropout
    void* grad                     # the size of theta
    void* x_batch                  # gathered rows of a shuffled batch
    void* y_batch
    void* w_batch                  # their sample weights
    Py_ssize_t* label_batch        # their class labels
    Py_ssize_t* order              # the data rows in epoch order
    void* sparse_data              # gathered CSR rows of a shuffled batch: values,
    Py_ssize_t* sparse_indices     # their columns,
    Py_ssize_t* sparse_indptr      # and where each row starts (capacity + 1)


cdef class Workspace:
    """Work buffers of one network for batches of up to `capacity` rows, made once per
    fit (or per predict, trace, gradients call) and reused for every mini-batch."""
    cdef Buffers buf
    cdef readonly object dtype
    cdef readonly Py_ssize_t capacity
    cdef readonly object z, a, delta, mask, grad, order, x_batch, y_batch, w_batch
    cdef readonly object label_batch, sparse_data, sparse_indices, sparse_indptr
    cdef readonly bint training

    def __init__(self, Layout layout, dtype, Py_ssize_t capacity, *, bint training=False,
                 Py_ssize_t n_rows=0, bint dropout=False, Py_ssize_t sparse_nonzeros=0):
        """training: room for back-propagation (delta, the gradient); n_rows: the data
        rows to shuffle, with room to gather a batch (of CSR rows with sparse_nonzeros >
        0, the most nonzeros a batch can hold); dropout: room for the masks."""
        self.dtype = np.dtype(dtype)
        self.capacity = capacity
        size = capacity * layout.n_units
        rows = capacity if n_rows else 0
        self.z = np.zeros(size, dtype=self.dtype)
        self.a = np.zeros(size, dtype=self.dtype)
        self.delta = np.zeros(size if training else 0, dtype=self.dtype)
        self.mask = np.zeros(size if dropout else 0, dtype=self.dtype)
        self.grad = np.zeros(layout.n_params if training else 0, dtype=self.dtype)
        self.order = np.arange(n_rows, dtype=np.intp)
        self.x_batch = np.zeros((0 if sparse_nonzeros else rows, layout.layers.sizes[0]),
                                dtype=self.dtype)
        self.sparse_data = np.zeros(sparse_nonzeros if rows else 0, dtype=self.dtype)
        self.sparse_indices = np.zeros(sparse_nonzeros if rows else 0, dtype=np.intp)
        self.sparse_indptr = np.zeros(rows + 1, dtype=np.intp)
        # target rows: gathered, or written from class labels
        self.y_batch = np.zeros((capacity if training else 0,
                                 layout.layers.sizes[layout.layers.n_layers]), dtype=self.dtype)
        self.w_batch = np.zeros(rows, dtype=self.dtype)
        self.label_batch = np.zeros(rows, dtype=np.intp)
        self.buf.capacity = capacity
        self.buf.z = address(self.z)
        self.buf.a = address(self.a)
        self.buf.delta = address(self.delta)
        self.buf.mask = address(self.mask) if dropout else NULL
        self.buf.grad = address(self.grad)
        self.buf.x_batch = address(self.x_batch)
        self.buf.y_batch = address(self.y_batch)
        self.buf.w_batch = address(self.w_batch)
        self.buf.label_batch = <Py_ssize_t*>address(self.label_batch)
        self.buf.order = <Py_ssize_t*>address(self.order)
        self.buf.sparse_data = address(self.sparse_data)
        self.buf.sparse_indices = <Py_ssize_t*>address(self.sparse_indices)
        self.buf.sparse_indptr = <Py_ssize_t*>address(self.sparse_indptr)
        self.training = training

    def layer(self, name, Py_ssize_t k, Py_ssize_t rows, Layout layout):
        """The (rows, n) view of layer k's block of buffer `name` ("z", "a", "delta")."""
        start = self.capacity * layout._unit_off[k]
        width = layout._sizes[k + 1]
        return getattr(self, name)[start:start + rows * width].reshape(rows, width)


cdef void* address(array):
    """The data pointer of a C-contiguous numpy array (any size)."""
    return <void*><size_t>array.ctypes.data


cdef inline void check_workspace(Workspace ws, Py_ssize_t itemsize, bint training) except *:
    if ws.dtype.itemsize != itemsize:
        raise TypeError(f"workspace of {ws.dtype} used with arrays of {itemsize}-byte floats")
    if training and not ws.training:
        raise ValueError("this workspace has no room for back-propagation")


# What a training step does besides back-propagation; an UpdateSettings holds one.
cdef struct StepSettings:
    Optimizer optimizer
    double l1, l2                  # coefficients of sum |w| and 1/2 sum w^2 in the cost
    double decay                   # decoupled weight decay (AdamW)
    const double* dropout          # the rates on each layer's inputs, [0] the data's; NULL: none
    bint fused                     # plain SGD: BP3/BP4 straight into theta
    bint batch_mean                # scikit-learn's objective per batch (train_batch)
    double clip_norm               # the gradient's largest 2-norm, 0: not clipped
    double clip_value              # its elements' largest magnitude, 0: not clipped
    double ema_decay               # of the parameters' moving average (train_epoch's ema)


cdef class UpdateSettings:
    """What an update does besides back-propagation: the optimizer, regularization,
    dropout. Made once per fit; `t` counts the optimizer's updates across epochs."""
    cdef StepSettings step
    cdef readonly object dropout   # the rates step.dropout points to

    def __init__(self, int code, *, double lr, double momentum=0, bint nesterov=False,
                 double beta1=0, double beta2=0, double rho=0, double eps=0,
                 double weight_decay=0, bint decoupled=False, long long t=0,
                 double eta_minus=0, double eta_plus=0, double step_min=0, double step_max=0,
                 double l1=0, double l2=0, dropout=(), bint has_prelu=False,
                 bint batch_mean=False):
        """l1, l2: coefficients of sum |w| and 1/2 sum w^2 in the cost (lambda/n); with
        batch_mean, l2 is scikit-learn's alpha and each batch's gradient its weighted mean
        (see train_batch). dropout: the probability of dropping each input of each layer,
        one rate a layer (checked by the Python layer): [0] the data's (input dropout), [k]
        hidden layer k's activations; empty or all 0: no dropout. The hyperparameters come
        from fcnn.optimizers (each optimizer gives its own); the ones an optimizer does not
        read stay 0."""
        self.step.optimizer.code = code
        self.step.optimizer.lr = lr
        self.step.optimizer.momentum = momentum
        self.step.optimizer.nesterov = nesterov
        self.step.optimizer.beta1 = beta1
        self.step.optimizer.beta2 = beta2
        self.step.optimizer.rho = rho
        self.step.optimizer.eps = eps
        self.step.optimizer.t = t
        self.step.optimizer.eta_minus = eta_minus
        self.step.optimizer.eta_plus = eta_plus
        self.step.optimizer.step_min = step_min
        self.step.optimizer.step_max = step_max
        self.step.l1 = l1
        self.dropout = np.array(dropout, dtype=np.float64, ndmin=1)
        self.step.dropout = NULL
        if np.any(self.dropout > 0):
            self.step.dropout = <const double*>address(self.dropout)
        # Coupled weight decay is L2 by another name; decoupled decay acts on w directly.
        self.step.l2 = l2 + (0 if decoupled else weight_decay)
        self.step.decay = weight_decay if decoupled else 0
        self.step.fused = ((code == SGD or code == SGD_SUTSKEVER) and momentum == 0 and l1 == 0
                           and not has_prelu)
        self.step.batch_mean = batch_mean

    def clip(self, double norm=0, double value=0):
        """Clip each mini-batch's gradient (with its l1 and l2 terms) before the update:
        to a 2-norm of at most `norm` over all parameters, then each element to [-value,
        value]; 0 leaves it. The fused SGD path never forms the gradient: clipping by value,
        or by norm with l2, turns it off; by norm alone it stays where train_batch can
        take the norm from the Gram matrices of the batch's rows (gram_pays)."""
        self.step.clip_norm = norm
        self.step.clip_value = value
        if value != 0 or (norm != 0 and self.step.l2 != 0):
            self.step.fused = False

    def average(self, double ema_decay):
        """The decay of the moving average that train_epoch keeps in its `ema`."""
        self.step.ema_decay = ema_decay

    @property
    def t(self):
        return self.step.optimizer.t

    @property
    def l1(self):
        return self.step.l1

    @property
    def l2(self):
        return self.step.l2

    @property
    def lr(self):
        return self.step.optimizer.lr

    @lr.setter
    def lr(self, double value):
        self.step.optimizer.lr = value


include "_step.pxi"


cdef inline Py_ssize_t first_non_finite_row(const floating* rows, Py_ssize_t m,
                                            Py_ssize_t width) noexcept nogil:
    """The first of m rows holding an inf or NaN, or -1. A float is inf or NaN exactly
    when its exponent bits are all ones, that is when adding one to its exponent field
    carries into the sign bit. OR-ing those sums over a row takes integer AND, ADD and OR
    alone (64-bit lanes are in SSE2), with no floating-point dependency chain: the loop
    vectorizes."""
    cdef Py_ssize_t i, j
    cdef const uint32_t* bits32
    cdef const uint64_t* bits64
    cdef uint32_t carries32
    cdef uint64_t carries64
    for i in range(m):
        if floating is float:
            bits32 = <const uint32_t*>(rows + i * width)
            carries32 = 0
            for j in range(width):
                carries32 |= (bits32[j] & 0x7F800000U) + 0x00800000U
            if carries32 >> 31:
                return i
        else:
            bits64 = <const uint64_t*>(rows + i * width)
            carries64 = 0
            for j in range(width):
                carries64 |= (bits64[j] & 0x7FF0000000000000ULL) + 0x0010000000000000ULL
            if carries64 >> 63:
                return i
    return -1


cdef Py_ssize_t first_non_finite_layer(const Layers* layers, const floating* z,
                                       const floating* a, Py_ssize_t first, Py_ssize_t m,
                                       Py_ssize_t capacity) noexcept nogil:
    """The first layer (0-based) whose weighted inputs or activations in rows first to
    first + m hold a non-finite value; the output layer when they are all finite (then
    the cost itself overflowed)."""
    cdef Py_ssize_t k, start, width
    for k in range(layers.n_layers):
        width = layers.sizes[k + 1]
        start = capacity * layers.unit_off[k] + first * width
        if (first_non_finite_row(z + start, 1, m * width) >= 0
                or first_non_finite_row(a + start, 1, m * width) >= 0):
            return k
    return layers.n_layers - 1


cdef class CSRRows:
    """Rows of a CSR matrix as the core reads them: values `data` (the network's dtype),
    column `indices` (int32 or intp) and row starts `indptr` (intp), C-contiguous. The Python layer
    checks them once (sorted columns without duplicates, in range, finite values)."""
    cdef readonly object data, indices, indptr
    cdef readonly Py_ssize_t n_rows, n_cols

    def __init__(self, cnp.ndarray data, cnp.ndarray indices, cnp.ndarray indptr,
                 Py_ssize_t n_cols):
        if indices.dtype not in (np.int32, np.intp) or indptr.dtype != np.intp:
            raise TypeError("CSR indices must be int32 or intp, indptr intp")
        if (indices.ndim != 1 or indptr.ndim != 1 or not indices.flags.c_contiguous
                or not indptr.flags.c_contiguous):
            raise TypeError("CSR indices and indptr must be C-contiguous and 1-D")
        if data.ndim != 1 or not data.flags.c_contiguous or data.shape[0] != indices.shape[0]:
            raise TypeError("CSR data must be C-contiguous, 1-D, one value per index")
        if indptr.shape[0] < 1:
            raise ValueError("CSR indptr needs n_rows + 1 entries")
        self.data, self.indices, self.indptr = data, indices, indptr
        self.n_rows = indptr.shape[0] - 1
        self.n_cols = n_cols


cdef Rows input_rows(X, Py_ssize_t itemsize, Py_ssize_t* n, Py_ssize_t* n_in) except *:
    """The Rows of X, a C-contiguous 2-D array or a CSRRows of itemsize-byte values, with
    its row and column counts."""
    cdef Rows rows
    cdef cnp.ndarray dense
    if isinstance(X, CSRRows):
        if (<CSRRows>X).data.dtype.itemsize != itemsize:
            raise TypeError(f"CSR values of {(<CSRRows>X).data.dtype} with {itemsize}-byte floats")
        rows.dense = NULL
        rows.data = cnp.PyArray_DATA((<CSRRows>X).data)
        rows.indices = cnp.PyArray_DATA((<CSRRows>X).indices)
        rows.narrow = (<CSRRows>X).indices.dtype != np.intp
        rows.indptr = <const Py_ssize_t*>cnp.PyArray_DATA((<CSRRows>X).indptr)
        n[0], n_in[0] = (<CSRRows>X).n_rows, (<CSRRows>X).n_cols
        return rows
    dense = X
    if (cnp.PyArray_NDIM(dense) != 2 or cnp.PyArray_ITEMSIZE(dense) != itemsize
            or not cnp.PyArray_IS_C_CONTIGUOUS(dense) or not cnp.PyArray_ISALIGNED(dense)):
        raise TypeError(f"X must be a C-contiguous, aligned 2-D array of {itemsize}-byte floats")
    rows.dense = cnp.PyArray_DATA(dense)
    rows.data = rows.indices = NULL
    rows.indptr = NULL
    rows.narrow = False
    n[0], n_in[0] = cnp.PyArray_DIMS(dense)[0], cnp.PyArray_DIMS(dense)[1]
    return rows


cdef inline Rows rows_from(const Rows* X, Py_ssize_t start, Py_ssize_t n_in,
                           Py_ssize_t itemsize) noexcept nogil:
    """X's rows from `start` on."""
    cdef Rows rows = X[0]
    if X.dense != NULL:
        rows.dense = <const char*>X.dense + start * n_in * itemsize
    else:
        rows.indptr = X.indptr + start
    return rows


cdef inline double input_dropout(const Layers* layers, UpdateSettings settings,
                                 Buffers* buf) except -1:
    """The settings' dropout rate of the data, after checking that the workspace has
    room for the masks of theirs."""
    if settings.step.dropout == NULL:
        return 0
    if settings.dropout.shape[0] != layers.n_layers:
        raise ValueError(f"{settings.dropout.shape[0]} dropout rates for {layers.n_layers} "
                         f"layers")
    if buf.mask == NULL:
        raise ValueError("the workspace has no room for dropout masks")
    return settings.step.dropout[0]


cdef inline Rows gathered_rows(const Rows* inputs, const Buffers* buf) noexcept nogil:
    """The Rows of a batch gathered into the workspace (gather_row, end_gather): dense rows
    in its x_batch, CSR rows in its sparse buffers, as `inputs` are."""
    cdef Rows batch
    batch.dense = buf.x_batch if inputs.dense != NULL else NULL
    batch.data = buf.sparse_data
    batch.indices = buf.sparse_indices
    batch.narrow = False
    batch.indptr = buf.sparse_indptr
    return batch


cdef inline void gather_row(const Rows* inputs, Py_ssize_t row, Py_ssize_t i,
                            Py_ssize_t n_in, floating* dense, Buffers* buf, Py_ssize_t room,
                            Py_ssize_t* nonzeros) noexcept nogil:
    """Row `row` of inputs copied into the workspace as row i of the batch: dense into
    `dense` (its x_batch), CSR after the `nonzeros` values its sparse buffers hold (at most `room`).
    One row at a time, so that a caller gathers the row's targets in the same loop (a
    batch-1 step feels each instruction)."""
    cdef Py_ssize_t p
    cdef floating* values = <floating*>buf.sparse_data
    if inputs.dense != NULL:
        copy(dense + i * n_in, <const floating*>inputs.dense + row * n_in, n_in)
        return
    buf.sparse_indptr[i] = nonzeros[0]
    for p in range(inputs.indptr[row], inputs.indptr[row + 1]):
        if nonzeros[0] == room:  # the Python layer sized it: never
            break
        values[nonzeros[0]] = (<const floating*>inputs.data)[p]
        buf.sparse_indices[nonzeros[0]] = column(inputs, p)
        nonzeros[0] += 1


cdef inline void end_gather(const Rows* batch, floating* dense, Buffers* buf, Py_ssize_t m,
                            Py_ssize_t n_in, Py_ssize_t nonzeros, double dropout,
                            uint64_t* rng) noexcept nogil:
    """The end of a batch of m rows gathered by gather_row (dense: the workspace's x_batch;
    `nonzeros` values for CSR rows): the last CSR row's end, and its values dropped with
    probability `dropout` (inverted dropout, draw_mask)."""
    if batch.dense != NULL:
        if dropout > 0:
            draw_mask(<floating*>NULL, dense, m * n_in, dropout, rng)
        return
    buf.sparse_indptr[m] = nonzeros
    if dropout > 0:
        draw_mask(<floating*>NULL, <floating*>buf.sparse_data, nonzeros, dropout, rng)


# ---------------------------------------------------------------- entry points

def train_epoch(Layout layout, UpdateSettings settings, Workspace ws, floating[::1] theta,
                X, const floating[:, ::1] Y,
                const Py_ssize_t[::1] labels, const floating[::1] sample_weight,
                floating[::1] state1, floating[::1] state2, Py_ssize_t batch_size,
                bint shuffle, uint64_t seed,
                int accuracy_mode=0, object progress=None, Py_ssize_t progress_every=0,
                const Py_ssize_t[::1] order=None, const double[::1] lrs=None,
                floating[::1] ema=None):
    """One epoch of mini-batch training over (X, Y), X dense rows or CSRRows (whose
    shuffled batches are gathered into the workspace's CSR buffers), in an order drawn
    from `seed` when `shuffle` (kept in ws.order), or in the given `order` of the rows (a
    permutation of them, checked by the Python layer; with shuffle);
    sample_weight (mean 1, or any with the settings' batch_mean) or empty. For
    class labels, `labels` (checked, else empty) stand for Y's one-hot rows, which each
    batch writes from them (Y is then not read, and may have no rows). The running cost and
    accuracy are each example's, taken just before the update that used it;
    accuracy_mode as in correct_rows (0: no accuracy, NaN returned). With `lrs`, one
    learning rate per mini-batch (checked by the Python layer), each batch sets the
    settings' lr to its own before its update (a per-step schedule); without, the
    settings' lr holds for the whole epoch. With `ema` (theta's size), after each update
    ema <- d ema + (1 - d) theta, d the settings' ema_decay.

    With progress_every > 0, every that many mini-batches the GIL is taken back for a
    call progress(rows done, running cost sum); an exception it raises (KeyboardInterrupt
    too) ends the epoch there and propagates. On the main thread, Python's signal handlers
    run every few milliseconds (_signals.pxd): KeyboardInterrupt from Ctrl-C ends the
    epoch the same way. Either leaves theta and the optimizer state part-way through the
    epoch, for the caller to restore.

    The rows of X and Y are checked for inf and NaN as each batch reads them (the Python
    layer leaves that pass over the data to this one): Y's rows directly, X's through
    z^1, which an inf or NaN input makes non-finite, before any update. Returns (mean
    running cost, mean running accuracy, stop, mean running penalty: 0 but with the
    settings' batch_mean, see train_batch) with stop None for a full epoch, else the
    epoch stopped early at a mini-batch:
    ("input", "X" or "Y", data row) for a non-finite input, or ("cost", batch, layer)
    where the cost stopped being finite, with the first layer whose z is not finite.
    """
    check_workspace(ws, sizeof(floating), True)
    cdef const Layers* layers = &layout.layers
    cdef Buffers* buf = &ws.buf
    cdef Py_ssize_t n, n_in, n_out = Y.shape[1]
    cdef Rows inputs = input_rows(X, sizeof(floating), &n, &n_in)
    cdef Rows batch_x
    cdef bint sparse = inputs.dense == NULL
    cdef double dropout = input_dropout(layers, settings, buf)
    cdef bint gather = shuffle or dropout > 0  # the batch's rows copied into ws
    cdef Py_ssize_t room = ws.sparse_data.shape[0]
    cdef floating* y_buffer = <floating*>buf.y_batch
    cdef Py_ssize_t start = 0, m, i, row, nonzeros, batch = 0, bad_layer = -1, bad_x = -1
    cdef Py_ssize_t bad_y = -1
    cdef const floating* batch_y
    cdef const floating* batch_weights = NULL
    cdef const Py_ssize_t* batch_labels = NULL
    cdef floating* weights_buffer = <floating*>buf.w_batch
    cdef bint weighted = sample_weight.shape[0] > 0
    cdef bint from_labels = labels.shape[0] > 0
    cdef double total = 0.0, cost, correct = 0.0, penalty = 0.0, penalties = 0.0
    cdef uint64_t rng = seed
    cdef bint given_order = order is not None
    cdef bint per_batch_lr = lrs is not None
    cdef floating* average = NULL
    cdef unsigned int float_mode
    cdef const floating* a_out = (<floating*>buf.a
                                  + buf.capacity * layers.unit_off[layers.n_layers - 1])
    cdef Lookahead ahead
    cdef Lookahead* next_batch = NULL
    # the next batch is fetched in shares after each pass of this one: per layer the
    # forward product and activation, BP4 and BP3, BP2 and f' but for layer 1; and BP1
    cdef Py_ssize_t fetch_points = 6 * layers.n_layers - 1
    cdef Signals signals = signal_checks(main_thread)
    # forward product, BP2 and BP4 take a multiply-add per parameter and row each
    cdef Py_ssize_t row_work = 3 * theta.shape[0] + WORK_PER_ROW
    if gather and ws.order.shape[0] != n:
        raise ValueError(f"the workspace orders {ws.order.shape[0]} rows, the data has {n}")
    if given_order and (order.shape[0] != n or not shuffle):
        raise ValueError(f"an order of {order.shape[0]} rows for {n} rows, shuffle={shuffle}")
    if per_batch_lr and lrs.shape[0] != (n + batch_size - 1) // batch_size:
        raise ValueError(f"{lrs.shape[0]} learning rates for {n} rows in batches of "
                         f"{batch_size}")
    if ema is not None:
        if ema.shape[0] != theta.shape[0]:
            raise ValueError(f"an average of {ema.shape[0]} values for {theta.shape[0]} "
                             f"parameters")
        average = &ema[0]
    if (labels.shape[0] if from_labels else Y.shape[0]) != n:
        raise ValueError(f"{n} rows of X, {Y.shape[0]} of Y and {labels.shape[0]} labels")
    if gather and sparse and n > 0 and room == 0:
        raise ValueError("the workspace has no room to gather CSR rows")
    if shuffle and n > 0 and not sparse:
        ahead.x = <const char*>inputs.dense
        ahead.x_row = n_in * sizeof(floating)
        ahead.y = NULL
        if not from_labels:
            ahead.y = <const char*>&Y[0, 0]
        ahead.y_row = n_out * sizeof(floating)
        ahead.labels = &labels[0] if from_labels else NULL
        ahead.weights = <const char*>&sample_weight[0] if weighted else NULL
        ahead.weight_size = sizeof(floating)
    with nogil:
        float_mode = flush_subnormals()
        if given_order:
            for i in range(n):
                buf.order[i] = order[i]
        elif gather:
            # each epoch's order depends on its seed alone, not on the epochs before
            for i in range(n):
                buf.order[i] = i
            if shuffle:
                shuffle_in_place(buf.order, n, &rng)
        if gather:
            batch_x = gathered_rows(&inputs, buf)
        while start < n:
            m = min(batch_size, n - start)
            if gather:  # each row's input and targets in one loop
                nonzeros = 0
                for i in range(m):
                    row = buf.order[start + i]
                    gather_row(&inputs, row, i, n_in, <floating*>buf.x_batch, buf, room,
                               &nonzeros)
                    if from_labels:
                        buf.label_batch[i] = labels[row]
                        one_hot(y_buffer + i * n_out, labels[row], n_out)
                    else:
                        copy(y_buffer + i * n_out, &Y[row, 0], n_out)
                    if weighted:
                        weights_buffer[i] = sample_weight[row]
                end_gather(&batch_x, <floating*>buf.x_batch, buf, m, n_in, nonzeros, dropout,
                           &rng)
                batch_y = y_buffer
                batch_labels = buf.label_batch if from_labels else NULL
                batch_weights = weights_buffer if weighted else NULL
            else:
                batch_x = rows_from(&inputs, start, n_in, sizeof(floating))
                if from_labels:
                    for i in range(m):
                        one_hot(y_buffer + i * n_out, labels[start + i], n_out)
                    batch_y = y_buffer
                    batch_labels = &labels[start]
                else:
                    batch_y = &Y[start, 0]
                batch_weights = &sample_weight[start] if weighted else NULL
            next_batch = NULL
            if shuffle and start + m < n and not sparse:
                # the next batch's rows travel from memory while this one trains
                next_batch = look_ahead(&ahead, buf.order + start + m, n - start - m,
                                        batch_size, fetch_points)
            bad_y = -1 if from_labels else first_non_finite_row(batch_y, m, n_out)
            if bad_y >= 0:
                break
            if per_batch_lr:
                settings.step.optimizer.lr = lrs[batch]
            cost = train_batch(layers, &settings.step, buf, &theta[0], &batch_x, batch_y,
                               batch_labels, batch_weights, m, &state1[0], &state2[0],
                               theta.shape[0], &rng, &bad_x, &penalty, next_batch)
            if bad_x >= 0:
                break
            if average != NULL:
                move_average(average, &theta[0], settings.step.ema_decay, theta.shape[0])
            if not isfinite(cost):
                bad_layer = first_non_finite_layer(layers, <floating*>buf.z, <floating*>buf.a,
                                                   0, m, buf.capacity)
                break
            total += cost
            if settings.step.batch_mean:
                penalties += penalty
            if accuracy_mode:
                correct += correct_rows(a_out, batch_y, batch_weights, m, n_out, accuracy_mode)
            start += m
            batch += 1
            if check_due(&signals, m * row_work + WORK_PER_BATCH):
                restore_float_mode(float_mode)  # handlers are Python code
                if run_signal_handlers(&signals):
                    break
                flush_subnormals()
            if progress_every > 0 and batch % progress_every == 0 and start < n:
                restore_float_mode(float_mode)
                with gil:
                    progress(start, total)
                flush_subnormals()
        restore_float_mode(float_mode)
    if signals.raised:
        reraise()
    if bad_x >= 0 or bad_y >= 0:
        local = bad_x if bad_x >= 0 else bad_y
        data_row = ws.order[start + local] if gather else start + local
        return (float("nan"), float("nan"), ("input", "X" if bad_x >= 0 else "Y", data_row),
                float("nan"))
    if start < n:
        return float("nan"), float("nan"), ("cost", batch, bad_layer), float("nan")
    return total / n, (correct / n if accuracy_mode else float("nan")), None, penalties / n


cdef double correct_rows(const floating* a, const floating* y, const floating* weights,
                         Py_ssize_t m, Py_ssize_t n, int mode) noexcept nogil:
    """How many of the m rows of outputs a classify right (each counted by its weight
    when there are weights): mode 1 compares the argmax of a row with that of its one-hot
    target, mode 2 a single output thresholded at 1/2 with a 0/1 target."""
    cdef Py_ssize_t i, j, best
    cdef double right = 0.0, hit
    cdef floating top
    cdef bint higher
    for i in range(m):
        if mode == 2:
            hit = (a[i] >= 0.5) == (y[i] == 1)
        else:
            # the first highest output, by selects rather than branches (unpredictable)
            best = 0
            top = a[i * n]
            for j in range(1, n):
                higher = a[i * n + j] > top
                best = j if higher else best
                top = a[i * n + j] if higher else top
            hit = y[i * n + best] == 1
        right += hit * weights[i] if weights != NULL else hit
    return right


cdef inline void one_hot(floating* row, Py_ssize_t label, Py_ssize_t n) noexcept nogil:
    cdef Py_ssize_t j
    for j in range(n):
        row[j] = 0
    row[label] = 1


cdef inline void copy(floating* to, const floating* source, Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t i
    if count > 64:
        memcpy(to, source, count * sizeof(floating))
    else:  # a call costs more than a short loop
        for i in range(count):
            to[i] = source[i]


def gradients(Layout layout, UpdateSettings settings, Workspace ws, const floating[::1] theta,
              X, const floating[:, ::1] Y,
              const floating[::1] sample_weight, uint64_t seed, floating[::1] grad=None,
              bint summed=False, const Py_ssize_t[::1] labels=None):
    """grad (ws.grad when None) = the gradient of the mean (weighted) cost plus the settings'
    l1 and l2 terms over all rows of X (dense rows or CSRRows), a chunk of the workspace's
    capacity at a time, under dropout masks drawn from `seed` when their dropout > 0; the
    deltas of every layer for the last chunk are left in ws. With the settings' batch_mean,
    the mean is over the sum W of the sample weights and l2 is scikit-learn's alpha (the
    objective (sum_x w_x C_x + l2/2 sum w^2) / W, as train_batch has it for a batch).
    summed: of the summed (weighted) cost instead of the mean, not divided at all (not with
    batch_mean). With `labels`, class labels (in [0, outputs): all_labels_in_range) stand
    for Y's one-hot rows, which each chunk writes from them (Y is then not read, and may
    have no rows).

    Returns (the mean, or summed, (weighted) data cost, the penalty: l2/2 sum w^2 / W with
    batch_mean, else 0, row, layer). row >= 0: the first dense row of X holding an inf or
    NaN, read where z^1 is not finite as train_batch reads it; the gradient is then not
    made and the cost is NaN. layer >= 0: the first layer whose z stopped being finite in
    some row (a non-finite parameter or an overflow); -1 when none did."""
    check_workspace(ws, sizeof(floating), True)
    cdef const Layers* layers = &layout.layers
    cdef Buffers* buf = &ws.buf
    cdef Py_ssize_t n, n_in, start = 0, m, i, nonzeros
    cdef Rows x = input_rows(X, sizeof(floating), &n, &n_in)
    cdef Rows chunk
    cdef const floating* weights = &sample_weight[0] if sample_weight.shape[0] > 0 else NULL
    cdef uint64_t rng = seed
    cdef double dropout = input_dropout(layers, settings, buf)
    cdef double cost = 0, divisor = n, penalty = 0, l2 = settings.step.l2
    cdef Py_ssize_t capacity = buf.capacity, room = ws.sparse_data.shape[0]
    cdef floating* target
    cdef floating beta
    cdef Py_ssize_t n_out = layers.sizes[layers.n_layers], bad_row = -1, bad_layer = -1
    cdef bint from_labels = labels is not None
    cdef const floating* chunk_y
    cdef floating* y_buffer = <floating*>buf.y_batch
    cdef floating* z = <floating*>buf.z
    if grad is None:
        grad = ws.grad
    if grad.shape[0] != theta.shape[0]:
        raise ValueError(f"a gradient of {grad.shape[0]} values for {theta.shape[0]} parameters")
    if ((labels.shape[0] if from_labels else Y.shape[0]) != n
            or (weights != NULL and sample_weight.shape[0] != n)):
        raise ValueError(f"{n} rows of X, {Y.shape[0]} of Y or labels, "
                         f"{sample_weight.shape[0]} weights")
    if dropout > 0 and (ws.x_batch.shape[0] < capacity if x.dense != NULL
                        else room < x.indptr[n] - x.indptr[0]):
        raise ValueError("the workspace has no room to gather the inputs for input dropout")
    if n == 0:
        raise ValueError("no rows to take the gradient over")
    if summed and settings.step.batch_mean:
        raise ValueError("a summed gradient has no batch mean")
    if summed:
        divisor = 1
    target = &grad[0]
    with nogil:
        if settings.step.batch_mean and weights != NULL:
            divisor = 0
            for i in range(n):
                divisor += weights[i]
        while start < n:
            m = min(capacity, n - start)
            if dropout > 0:
                chunk = gathered_rows(&x, buf)
                nonzeros = 0
                for i in range(m):
                    gather_row(&x, start + i, i, n_in, <floating*>buf.x_batch, buf, room,
                               &nonzeros)
                end_gather(&chunk, <floating*>buf.x_batch, buf, m, n_in, nonzeros, dropout,
                           &rng)
            else:
                chunk = rows_from(&x, start, n_in, sizeof(floating))
            beta = 0 if start == 0 else 1
            forward_pass(layers, &theta[0], &chunk, m, capacity, z,
                         <floating*>buf.a, <floating*>buf.mask, settings.step.dropout, &rng,
                         NULL)
            bad_row = first_non_finite_input(layers, &chunk, z, m, n_in, capacity, &bad_layer)
            if bad_row >= 0:
                bad_row += start
                break
            if from_labels:
                for i in range(m):
                    one_hot(y_buffer + i * n_out, labels[start + i], n_out)
                chunk_y = y_buffer
            else:
                chunk_y = &Y[start, 0]
            cost += output_error(layers, chunk_y, NULL,
                                 weights + start if weights != NULL else NULL, m, capacity,
                                 z, <floating*>buf.a, <floating*>buf.delta)
            backward_pass(layers, &theta[0], &chunk, m, capacity, <floating*>buf.z,
                          <floating*>buf.a, <floating*>buf.mask, settings.step.dropout,
                          <floating*>buf.delta,
                          target, <floating>(1.0 / divisor), beta, beta, 0, divisor, NULL)
            start += m
        if settings.step.batch_mean:
            l2 = settings.step.l2 / divisor
            penalty = 0.5 * l2 * sum_of_squares(layers, &theta[0])
        if (settings.step.l1 != 0 or l2 != 0) and bad_row < 0:
            regularize(layers, &theta[0], target, settings.step.l1, l2)
    if bad_row >= 0:
        return float("nan"), float("nan"), bad_row, bad_layer
    return cost / divisor, penalty, -1, bad_layer


cdef Py_ssize_t first_non_finite_input(const Layers* layers, const Rows* x, const floating* z,
                                       Py_ssize_t m, Py_ssize_t n_in, Py_ssize_t capacity,
                                       Py_ssize_t* bad_layer) noexcept nogil:
    """After the forward pass of m rows x: the first dense row of x holding an inf or NaN,
    read only where z^1 is not finite (as train_batch reads it), or -1; and, unless it is
    already >= 0, bad_layer = the first layer (0-based) whose z hold an inf or NaN, or -1."""
    cdef Py_ssize_t k
    if x.dense != NULL and first_non_finite_row(z, m, layers.sizes[1]) >= 0:
        k = first_non_finite_row(<const floating*>x.dense, m, n_in)
        if k >= 0:
            return k
    k = 0
    while bad_layer[0] < 0 and k < layers.n_layers:
        if first_non_finite_row(z + capacity * layers.unit_off[k], 1,
                                m * layers.sizes[k + 1]) >= 0:
            bad_layer[0] = k
        k += 1
    return -1


def all_labels_in_range(const Py_ssize_t[::1] labels, Py_ssize_t n_classes):
    """Whether every class label lies in [0, n_classes): the Python layer's check of
    the labels it gives gradients, one pass without the GIL."""
    cdef Py_ssize_t i
    cdef bint inside = True
    with nogil:
        for i in range(labels.shape[0]):
            inside &= 0 <= labels[i] < n_classes
    return inside


def apply_update(Layout layout, UpdateSettings settings, floating[::1] theta,
                 floating[::1] grad, floating[::1] state1, floating[::1] state2,
                 floating[::1] ema=None):
    """One update of theta from a gradient computed elsewhere (of the mean cost alone), as
    train_batch makes it after back-propagation: the settings' l1 and l2 terms added to
    grad, clipping, decoupled weight decay, the optimizer's update (its t counted on) and
    then, with `ema`, the moving average. grad is changed in place (the terms, clipping)."""
    cdef Py_ssize_t n = theta.shape[0]
    cdef floating* average = NULL
    cdef unsigned int float_mode
    if grad.shape[0] != n or (ema is not None and ema.shape[0] != n):
        raise ValueError(f"a gradient of {grad.shape[0]} values for {n} parameters")
    if ema is not None:
        average = &ema[0]
    with nogil:
        float_mode = flush_subnormals()  # as in train_epoch: the same arithmetic
        settings.step.optimizer.t += 1
        apply_gradient(&layout.layers, &settings.step, &theta[0], &grad[0], settings.step.l2,
                       &state1[0], &state2[0], n)
        if average != NULL:
            move_average(average, &theta[0], settings.step.ema_decay, n)
        restore_float_mode(float_mode)


def forward(Layout layout, Workspace ws, const floating[::1] theta, X):
    """One forward pass over all rows of X (dense rows or CSRRows; at most ws.capacity),
    leaving z and a of every layer in the workspace."""
    check_workspace(ws, sizeof(floating), False)
    cdef Py_ssize_t m, n_in
    cdef Rows x = input_rows(X, sizeof(floating), &m, &n_in)
    if m > ws.capacity:
        raise ValueError(f"{m} rows do not fit a workspace for {ws.capacity}")
    with nogil:
        forward_pass(&layout.layers, &theta[0], &x, m, ws.buf.capacity,
                     <floating*>ws.buf.z, <floating*>ws.buf.a, <floating*>NULL, NULL, NULL,
                     NULL)


# Why forward_chunks stopped before the last row: at data row `row` (-1: it did not),
# whose input holds inf or NaN (layer -1), or whose finite input overflowed, first in
# `layer` (0-based).
cdef struct Stop:
    Py_ssize_t row
    Py_ssize_t layer


def predict(Layout layout, Workspace ws, const floating[::1] theta, X,
            floating[:, ::1] out):
    """out = a^L for every row of X (dense rows or CSRRows), in chunks of the workspace's
    capacity. Returns
    (row, layer): (-1, -1) when out is complete; else the first data row whose input is
    not finite (layer -1) or whose outputs are not (the first layer, 0-based, where they
    stopped being finite). On the main thread, signal handlers run between chunks every
    few milliseconds: an exception one raises (KeyboardInterrupt) propagates."""
    check_workspace(ws, sizeof(floating), False)
    cdef Stop stop
    cdef Signals signals = signal_checks(main_thread)
    cdef Py_ssize_t n, n_in
    cdef Rows x = input_rows(X, sizeof(floating), &n, &n_in)
    if out.shape[0] != n:
        raise ValueError(f"{n} rows of X, {out.shape[0]} of out")
    forward_chunks(&layout.layers, &ws.buf, &theta[0], &x, <floating*>NULL,
                   <floating*>NULL, n, &out[0, 0], &stop, &signals)
    if signals.raised:
        reraise()
    return stop.row, stop.layer


ctypedef fused source_t:
    float
    double


cdef void cast_rows(const char* x, Py_ssize_t row_stride, Py_ssize_t column_stride,
                    Py_ssize_t m, Py_ssize_t n, source_t* like, floating* rows) noexcept nogil:
    """rows (m x n, C order) = the m x n array at x with strides in bytes, in floating
    (`like` only names the source's type); read in the order of its memory."""
    cdef Py_ssize_t i, j
    if labs(column_stride) <= labs(row_stride):
        for i in range(m):
            for j in range(n):
                rows[i * n + j] = <floating>(<const source_t*>(x + i * row_stride
                                                               + j * column_stride))[0]
    else:
        for j in range(n):
            for i in range(m):
                rows[i * n + j] = <floating>(<const source_t*>(x + i * row_stride
                                                               + j * column_stride))[0]


cdef class SmallPredictor:
    """a^L of one sample or a few rows (up to `capacity`) with as little work per call as
    a prediction allows: the checks are a few C comparisons, the parameters' address is
    taken once, the input's and the output's through numpy's C API (no buffer-protocol
    parsing), an input of the other float dtype or order is cast into a buffer made
    once, and the workspace is its own. Network.predict's latency path; one per thread."""
    cdef Layout layout
    cdef Workspace ws
    cdef object theta  # keeps the parameters' memory alive
    cdef void* theta_data
    cdef cnp.ndarray rows  # the cast input
    cdef bint single
    cdef cnp.npy_intp n_in, n_out, capacity
    cdef int typenum

    def __init__(self, Layout layout, cnp.ndarray theta, Py_ssize_t capacity):
        self.layout = layout
        self.theta = theta
        self.theta_data = cnp.PyArray_DATA(theta)
        self.single = theta.dtype == np.float32
        self.capacity = capacity
        self.ws = Workspace(layout, theta.dtype, capacity)
        self.n_in = layout.layers.sizes[0]
        self.n_out = layout.layers.sizes[layout.layers.n_layers]
        self.rows = np.empty((capacity, self.n_in), dtype=theta.dtype)
        self.typenum = cnp.NPY_FLOAT32 if self.single else cnp.NPY_FLOAT64

    def __call__(self, x, out, bint batches):
        """a^L for x, into out (None: a new array), when x is one finite sample of the
        network's width (1-D) or, with batches, 1 to capacity finite rows of it (2-D): a
        numpy array of float32 or float64, aligned, in the machine's byte order, of any
        strides; and out an array of the network's dtype and the output's shape, C-
        contiguous and writeable. Else None: the caller's checked path converts x, or
        names what is wrong with x or out."""
        if not cnp.PyArray_CheckExact(x):
            return None
        cdef cnp.ndarray given = <cnp.ndarray>x
        cdef int ndim = cnp.PyArray_NDIM(given)
        cdef int source = cnp.PyArray_TYPE(given)
        cdef cnp.npy_intp m = 1 if ndim == 1 else cnp.PyArray_DIMS(given)[0]
        cdef cnp.npy_intp shape[2]
        if (not (ndim == 1 or (ndim == 2 and batches)) or m < 1 or m > self.capacity
                or cnp.PyArray_DIMS(given)[ndim - 1] != self.n_in
                or not (source == cnp.NPY_FLOAT32 or source == cnp.NPY_FLOAT64)
                or not cnp.PyArray_ISALIGNED(given) or not cnp.PyArray_ISNOTSWAPPED(given)):
            return None
        shape[0] = m
        shape[1] = self.n_out
        cdef cnp.ndarray result
        if out is None:
            result = cnp.PyArray_EMPTY(ndim, &shape[2 - ndim], self.typenum, 0)
        else:
            if not cnp.PyArray_CheckExact(out):
                return None
            result = <cnp.ndarray>out
            if (cnp.PyArray_NDIM(result) != ndim or cnp.PyArray_TYPE(result) != self.typenum
                    or cnp.PyArray_DIMS(result)[0] != shape[2 - ndim]
                    or cnp.PyArray_DIMS(result)[ndim - 1] != self.n_out
                    or not cnp.PyArray_IS_C_CONTIGUOUS(result)
                    or not cnp.PyArray_ISWRITEABLE(result) or not cnp.PyArray_ISALIGNED(result)
                    or not cnp.PyArray_ISNOTSWAPPED(result)):
                return None
        cdef Stop stop
        cdef Rows rows
        cdef const char* data = <const char*>cnp.PyArray_DATA(given)
        cdef Py_ssize_t column_stride = cnp.PyArray_STRIDES(given)[ndim - 1]
        cdef Py_ssize_t row_stride = 0 if ndim == 1 else cnp.PyArray_STRIDES(given)[0]
        if source == self.typenum and cnp.PyArray_IS_C_CONTIGUOUS(given):
            rows.dense = data
        else:
            rows.dense = cnp.PyArray_DATA(self.rows)
            if self.single and source == cnp.NPY_FLOAT32:
                cast_rows(data, row_stride, column_stride, m, self.n_in, <float*>NULL,
                          <float*>cnp.PyArray_DATA(self.rows))
            elif self.single:
                cast_rows(data, row_stride, column_stride, m, self.n_in, <double*>NULL,
                          <float*>cnp.PyArray_DATA(self.rows))
            elif source == cnp.NPY_FLOAT32:
                cast_rows(data, row_stride, column_stride, m, self.n_in, <float*>NULL,
                          <double*>cnp.PyArray_DATA(self.rows))
            else:
                cast_rows(data, row_stride, column_stride, m, self.n_in, <double*>NULL,
                          <double*>cnp.PyArray_DATA(self.rows))
        if self.single:
            forward_chunks(&self.layout.layers, &self.ws.buf, <const float*>self.theta_data,
                           &rows, <const float*>NULL, <const float*>NULL, m,
                           <float*>cnp.PyArray_DATA(result), &stop, NULL)
        else:
            forward_chunks(&self.layout.layers, &self.ws.buf, <const double*>self.theta_data,
                           &rows, <const double*>NULL, <const double*>NULL, m,
                           <double*>cnp.PyArray_DATA(result), &stop, NULL)
        return None if stop.row >= 0 else result


def evaluate(Layout layout, Workspace ws, const floating[::1] theta,
             X, const floating[:, ::1] Y,
             const floating[::1] sample_weight, floating[:, ::1] out):
    """As predict, and return (the summed (weighted) cost over the rows of (X, Y), row,
    layer) with row and layer as predict returns them."""
    check_workspace(ws, sizeof(floating), False)
    cdef const floating* weights = &sample_weight[0] if sample_weight.shape[0] > 0 else NULL
    cdef Stop stop
    cdef Signals signals = signal_checks(main_thread)
    cdef Py_ssize_t n, n_in
    cdef Rows x = input_rows(X, sizeof(floating), &n, &n_in)
    if out.shape[0] != n or Y.shape[0] != n:
        raise ValueError(f"{n} rows of X, {Y.shape[0]} of Y, {out.shape[0]} of out")
    cdef double total = forward_chunks(&layout.layers, &ws.buf, &theta[0], &x, &Y[0, 0],
                                       weights, n, &out[0, 0], &stop, &signals)
    if signals.raised:
        reraise()
    return total, stop.row, stop.layer


cdef double forward_chunks(const Layers* layers, Buffers* buf, const floating* theta,
                           const Rows* X, const floating* Y, const floating* weights,
                           Py_ssize_t n, floating* out, Stop* stop,
                           Signals* signals) noexcept:
    """Forward passes over the n rows of X in chunks of the workspace's capacity, their
    outputs into out, returning the summed (weighted) cost when there are targets Y.
    Stops at the first row with a non-finite input or output (stop), or when a signal
    handler raised (signals.raised; signals NULL: no checks)."""
    cdef Py_ssize_t start = 0, m, i, n_in = layers.sizes[0], n_out = layers.sizes[layers.n_layers]
    cdef Py_ssize_t capacity = buf.capacity, bad, k
    cdef Py_ssize_t last = capacity * layers.unit_off[layers.n_layers - 1]
    cdef Py_ssize_t row_work = WORK_PER_ROW
    cdef floating* z = <floating*>buf.z
    cdef floating* a = <floating*>buf.a
    cdef double total = 0.0, c
    cdef Rows chunk
    stop.row = stop.layer = -1
    if signals != NULL:
        for k in range(layers.n_layers):
            row_work += layers.sizes[k] * layers.sizes[k + 1]
    with nogil:
        while start < n:
            m = min(capacity, n - start)
            chunk = rows_from(X, start, n_in, sizeof(floating))
            forward_pass(layers, theta, &chunk, m, capacity, z, a, NULL, NULL, NULL, NULL)
            # An inf or NaN input makes its row of z^1 = x w^T + b non-finite (inf * 0 is
            # NaN), so the rows are read again only when z^1 says so: the input is
            # streamed from memory once, by the product, not first by a check. (CSR
            # values are checked by the Python layer.)
            if X.dense != NULL and first_non_finite_row(z, m, layers.sizes[1]) >= 0:
                bad = first_non_finite_row(<const floating*>chunk.dense, m, n_in)
                if bad >= 0:
                    stop.row = start + bad
                    break
            bad = first_non_finite_row(a + last, m, n_out)
            if bad >= 0:  # from a finite input: some layer overflowed
                stop.row = start + bad
                stop.layer = first_non_finite_layer(layers, z, a, bad, 1, capacity)
                break
            copy(out + start * n_out, a + last, m * n_out)
            if Y != NULL:
                for i in range(m):
                    c = row_cost(layers.cost, layers.cost_param, layers.act[layers.n_layers - 1],
                                 z + last + i * n_out, a + last + i * n_out,
                                 Y + (start + i) * n_out, n_out)
                    total += c if weights == NULL else c * weights[start + i]
            start += m
            if signals != NULL and check_due(signals, m * row_work):
                if run_signal_handlers(signals):
                    break
    return total


def product_routine(int m, int n, int k, bint trans_a=False, bint beta_is_one=False):
    """The routine ("loops", "gemv", "ger", "gemm") the core uses for an (m, n) = (m, k)
    (k, n) product: for tests."""
    return ("loops", "gemv", "ger", "gemm")[product_kind(trans_a, m, n, k, beta_is_one)]


def first_non_finite(const floating[::1] values):
    """The index of the first inf or NaN among the values, or -1: one pass over blocks of
    4096 without temporaries, then the one block that holds it."""
    cdef Py_ssize_t n = values.shape[0], full = n // 4096, block = -1, i
    if n == 0:
        return -1
    with nogil:
        block = first_non_finite_row(&values[0], full, 4096)
        if block < 0 and n > full * 4096:
            if first_non_finite_row(&values[full * 4096], 1, n - full * 4096) >= 0:
                block = full
    if block < 0:
        return -1
    for i in range(block * 4096, min(n, (block + 1) * 4096)):
        if not values[i] - values[i] == 0:  # inf - inf and NaN - NaN are NaN
            return i
    return -1


INSTRUCTIONS = FCNN_INSTRUCTIONS.decode()  # the vector instructions this build may use


def cpu_has_avx2():
    """Whether this CPU (and its operating system) runs AVX2 code."""
    return bool(fcnn_cpu_has_avx2())
