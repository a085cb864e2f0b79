# One training step on a mini-batch of m examples: the forward pass, back-propagation
# (BP1-BP4) and the update, in the notes' notation (included by _core_body.pxi, whose
# cimports it uses). Layer l of the notes is index k = l - 1 here; w^l[j, i] is the
# weight to neuron j from input i. Examples are rows, so the notes' column vectors z^l,
# a^l, delta^l of one example are the rows of (m, n_l) blocks, and w^l a^{l-1} becomes
# A^{l-1} (w^l)^T.
#
# BP3 and BP4 are summed over the rows into a target, as  target := beta target + alpha sum:
# into the gradient (alpha = 1/m, beta = 0), or, for plain SGD, straight into theta
# (alpha = -eta/m, beta = 1 - eta lambda/n for weights), which saves a pass over the
# parameters.
#
# The fetch_ahead calls between the passes spread the prefetching of the next batch's rows
# over the step, so that the rows arrive while it computes (_cpu.pxd); `ahead` is NULL
# outside an epoch.
#
# The inputs (Rows) are dense rows or CSR rows. For CSR rows layer 1's products run over
# the nonzeros only: the forward product reads, and BP4 writes, only the columns of w^1
# that the batch's rows use.


# A mini-batch's inputs: m dense rows of sizes[0] values, or m CSR rows, row i holding
# data[indptr[i]:indptr[i + 1]] in the columns indices[indptr[i]:indptr[i + 1]] (finite,
# in range; checked by the Python layer). Column indices are intp, or int32 as scipy keeps
# them where they fit (read as they are: a copy would be as large as the values).
cdef struct Rows:
    const void* dense              # NULL for CSR rows
    const void* data
    const void* indices
    bint narrow                    # int32 indices, else intp
    const Py_ssize_t* indptr


cdef inline Py_ssize_t column(const Rows* x, Py_ssize_t p) noexcept nogil:
    """The column of nonzero p (a branch the CPU predicts: one kind per matrix)."""
    if x.narrow:
        return (<const int*>x.indices)[p]
    return (<const Py_ssize_t*>x.indices)[p]


cdef double train_batch(const Layers* layers, StepSettings* settings, Buffers* buf,
                        floating* theta, const Rows* x, const floating* y,
                        const Py_ssize_t* labels, const floating* weights, Py_ssize_t m,
                        floating* state1, floating* state2, Py_ssize_t n_params,
                        uint64_t* rng, Py_ssize_t* bad_input, double* penalty,
                        Lookahead* ahead) noexcept nogil:
    """One update from m examples: forward_pass, output_error (BP1), backward_pass (BP2-BP4),
    clipping and the optimizer's update. Returns their summed cost before it. Or, with no
    update, NaN and the first of the dense rows x that holds an inf or NaN in bad_input:
    such a row makes z^1 non-finite (inf * 0 is NaN), so x is read only when z^1 is (an
    overflow to inf that saturating activations absorb is not an error).

    The gradient is the mean over the m rows, and L2 adds l2 w. With settings.batch_mean it
    is the weighted mean over the batch (divided by the sum of its sample weights, W), and L2
    adds (l2 / W) w: the batch's objective is (sum_x w_x C_x + l2/2 sum w^2) / W
    (scikit-learn's alpha = l2). The returned cost and `penalty` (the batch's l2/2 sum w^2
    before the update) are then scaled by m / W, so that summed over an epoch and divided by
    its rows they give scikit-learn's mean loss."""
    cdef double cost, divisor = m, l2 = settings.l2
    cdef bint fused
    cdef floating* target
    cdef floating alpha, beta_w, beta_b
    cdef floating* z = <floating*>buf.z
    cdef floating* a = <floating*>buf.a
    cdef floating* delta = <floating*>buf.delta
    cdef floating* mask = <floating*>buf.mask
    cdef floating* grad = <floating*>buf.grad
    forward_pass(layers, theta, x, m, buf.capacity, z, a, mask, settings.dropout, rng, ahead)
    if x.dense != NULL and first_non_finite_row(z, m, layers.sizes[1]) >= 0:  # z^1 first
        bad_input[0] = first_non_finite_row(<const floating*>x.dense, m, layers.sizes[0])
        if bad_input[0] >= 0:
            return NAN
    cost = output_error(layers, y, labels, weights, m, buf.capacity, z, a, delta)
    if settings.batch_mean:
        divisor = batch_objective(layers, settings.l2, theta, weights, m, &cost, penalty)
        l2 = settings.l2 / divisor
    fetch_ahead(ahead)
    settings.optimizer.t += 1
    # BP2-BP4 into the gradient, or (fused) the update itself:
    # w <- (1 - eta lambda/n) w - (eta/m) sum delta a^T, b <- b - (eta/m) sum delta
    fused = settings.fused and (settings.clip_norm == 0 or gram_pays(layers, x, m, n_params))
    if fused:
        target, alpha = theta, <floating>(-settings.optimizer.lr / divisor)
        beta_w, beta_b = <floating>(1 - settings.optimizer.lr * l2), 1
    else:
        target, alpha, beta_w, beta_b = grad, <floating>(1.0 / divisor), 0, 0
    backward_pass(layers, theta, x, m, buf.capacity, z, a, mask, settings.dropout, delta,
                  target, alpha, beta_w, beta_b, settings.clip_norm if fused else 0, divisor,
                  ahead)  # (fused with clip_norm: no l2)
    if not fused:
        apply_gradient(layers, settings, theta, grad, l2, state1, state2, n_params)
    fetch_ahead(ahead, rest=True)
    return cost


cdef inline void apply_gradient(const Layers* layers, StepSettings* settings, floating* theta,
                                floating* grad, double l2, floating* state1, floating* state2,
                                Py_ssize_t n_params) noexcept nogil:
    """The end of a step from the mean cost's gradient: the l1 and l2 terms added to grad,
    clipping, decoupled weight decay, then the optimizer's update of theta."""
    if settings.l1 != 0 or l2 != 0:
        regularize(layers, theta, grad, settings.l1, l2)
    if settings.clip_norm != 0 or settings.clip_value != 0:
        clip(grad, n_params, settings.clip_norm, settings.clip_value)
    if settings.decay != 0:
        decay_weights(layers, theta, 1 - settings.optimizer.lr * settings.decay)
    # update: theta <- theta - step(grad), by the optimizer
    update(&settings.optimizer, theta, grad, state1, state2, n_params)


cdef enum:
    GRAM_ROWS = 32  # the most rows whose Gram matrices gram_squares keeps on the stack


cdef bint gram_pays(const Layers* layers, const Rows* x, Py_ssize_t m,
                    Py_ssize_t n_params) noexcept nogil:
    """Whether gram_squares (m^2 (n_in + n_out) multiply-adds a layer, on rows in cache)
    costs less than forming the gradient apart, for clipping plain SGD by norm: that
    takes about four more passes over memory the size of theta (BP4 writes it, the norm
    reads it, the update reads it and theta and writes theta)."""
    cdef Py_ssize_t k, work = 0
    if x.dense == NULL or m > GRAM_ROWS:
        return False
    for k in range(layers.n_layers):
        work += m * m * (layers.sizes[k] + layers.sizes[k + 1])
    return work < 4 * n_params


cdef double gram_squares(const Layers* layers, const Rows* x, Py_ssize_t m,
                         Py_ssize_t capacity, const floating* a,
                         const floating* delta) noexcept nogil:
    """The squared 2-norm of the summed gradient (sum delta a^T and sum delta of every
    layer) without forming it, from the rows' Gram matrices: ||D^T A||^2 = sum (D D^T)
    * (A A^T) and ||D^T 1||^2 = sum D D^T, elementwise over the m x m entries."""
    cdef floating gram_d[GRAM_ROWS * GRAM_ROWS]
    cdef floating gram_a[GRAM_ROWS * GRAM_ROWS]
    cdef const floating* delta_l
    cdef const floating* inputs
    cdef Py_ssize_t k, i, n_in, n_out
    cdef double total = 0
    for k in range(layers.n_layers):
        n_in, n_out = layers.sizes[k], layers.sizes[k + 1]
        delta_l = delta + capacity * layers.unit_off[k]
        inputs = layer_inputs(layers, x, k, capacity, a)
        gemm(False, True, <int>m, <int>m, <int>n_out, 1, delta_l, <int>n_out, delta_l,
             <int>n_out, 0, gram_d, <int>m)
        gemm(False, True, <int>m, <int>m, <int>n_in, 1, inputs, <int>n_in, inputs,
             <int>n_in, 0, gram_a, <int>m)
        for i in range(m * m):
            total += <double>gram_d[i] * (<double>gram_a[i] + 1)
    return total if total > 0 else 0  # rounding may leave a zero norm below 0


cdef void clip(floating* grad, Py_ssize_t n, double max_norm, double max_value) noexcept nogil:
    """As torch.nn.utils.clip_grad_norm_ (max_norm) and then clip_grad_value_ (max_value;
    0 skips either): grad *= max_norm / (||grad|| + 1e-6) when that is below 1, with
    ||grad|| the 2-norm over all parameters; then each element clamped to [-max_value,
    max_value]."""
    cdef Py_ssize_t i
    cdef double scale
    cdef floating factor, high = <floating>max_value, low = <floating>-max_value
    if max_norm != 0:
        scale = max_norm / (sqrt(squares(grad, n)) + 1e-6)
        if scale < 1:
            factor = <floating>scale
            for i in range(n):
                grad[i] = grad[i] * factor
    if max_value != 0:
        for i in range(n):
            grad[i] = high if grad[i] > high else (low if grad[i] < low else grad[i])


cdef void move_average(floating* ema, const floating* theta, double decay,
                       Py_ssize_t n) noexcept nogil:
    """ema <- decay ema + (1 - decay) theta, as torch.lerp(ema, theta, 1 - decay) computes
    it (torch.optim.swa_utils.get_ema_multi_avg_fn): from the nearer end."""
    cdef Py_ssize_t i
    cdef floating weight = <floating>(1 - decay), rest = 1 - weight
    if weight < 0.5:
        for i in range(n):
            ema[i] = ema[i] + weight * (theta[i] - ema[i])
    else:
        for i in range(n):
            ema[i] = theta[i] - (theta[i] - ema[i]) * rest


cdef double batch_objective(const Layers* layers, double alpha, const floating* theta,
                            const floating* weights, Py_ssize_t m, double* cost,
                            double* penalty) noexcept nogil:
    """scikit-learn's objective of a batch of m rows (train_batch): returns the sum W of
    their weights (m without weights), and scales their summed cost by m / W and sets the
    penalty to (m / W) alpha/2 sum w^2."""
    cdef Py_ssize_t i
    cdef double divisor = m
    if weights != NULL:
        divisor = 0
        for i in range(m):
            divisor += weights[i]
    cost[0] *= m / divisor
    penalty[0] = 0
    if alpha != 0:
        penalty[0] = 0.5 * alpha * sum_of_squares(layers, theta) * (m / divisor)
    return divisor


cdef void forward_pass(const Layers* layers, const floating* theta, const Rows* x,
                       Py_ssize_t m, Py_ssize_t capacity, floating* z, floating* a,
                       floating* mask, const double* dropout, uint64_t* rng,
                       Lookahead* ahead) noexcept nogil:
    """z^l and a^l of every layer for the m rows of x. With dropout rates (the settings'),
    the activations of each hidden layer whose rate is not 0 are dropped with that
    probability and the kept ones scaled by 1/(1 - rate) (inverted dropout); its block of
    `mask` records the factors (layer_mask). The inputs' rate, dropout[0], is
    end_gather's."""
    cdef Py_ssize_t k, n_in, n_out
    cdef const floating* a_prev = <const floating*>x.dense
    cdef const floating* b
    cdef floating* z_l
    cdef floating* a_l
    cdef floating* mask_l
    for k in range(layers.n_layers):
        n_in = layers.sizes[k]
        n_out = layers.sizes[k + 1]
        z_l = z + capacity * layers.unit_off[k]
        a_l = a + capacity * layers.unit_off[k]
        b = theta + layers.b_off[k]
        # forward: z^l = w^l a^{l-1} + b^l, as rows Z^l = A^{l-1} (w^l)^T, b^l added below
        if k == 0 and x.dense == NULL:
            sparse_product(x, m, theta + layers.w_off[0], n_out, n_in, z_l)
        else:
            gemm(False, True, <int>m, <int>n_out, <int>n_in,
                 1, a_prev, <int>n_in, theta + layers.w_off[k], <int>n_in, 0, z_l, <int>n_out)
        fetch_ahead(ahead)
        # forward: a^l = f(z^l)
        add_bias_and_activate(layers.act[k], layers.act_param[k], b, theta + layers.p_off[k],
                              z_l, a_l, m, n_out)
        fetch_ahead(ahead)
        mask_l = layer_mask(layers, mask, dropout, k, capacity)
        if mask_l != NULL:
            draw_mask(mask_l, a_l, m * n_out, dropout[k + 1], rng)
        a_prev = a_l


cdef inline floating* layer_mask(const Layers* layers, floating* mask, const double* dropout,
                                 Py_ssize_t k, Py_ssize_t capacity) noexcept nogil:
    """The block of `mask` for the activations of layer k, or NULL where they are not
    dropped: the output layer, or a rate of 0 (dropout[k + 1], the rate on layer k + 1's
    inputs)."""
    if mask == NULL or dropout == NULL or k == layers.n_layers - 1 or dropout[k + 1] == 0:
        return NULL
    return mask + capacity * layers.unit_off[k]


cdef inline void draw_mask(floating* mask, floating* values, Py_ssize_t count, double rate,
                           uint64_t* rng) noexcept nogil:
    """Inverted dropout of `count` values: each factor 0 with probability `rate`, else
    1/(1 - rate), recorded in `mask` (NULL: not kept) and multiplied into the value."""
    cdef Py_ssize_t i
    cdef floating keep_scale = <floating>(1 / (1 - rate)), factor
    for i in range(count):
        factor = keep_scale if uniform(rng) >= rate else 0
        if mask != NULL:
            mask[i] = factor
        values[i] = values[i] * factor


cdef double output_error(const Layers* layers, const floating* y, const Py_ssize_t* labels,
                         const floating* weights, Py_ssize_t m, Py_ssize_t capacity,
                         const floating* z, const floating* a, floating* delta) noexcept nogil:
    """delta^L = dC/dz^L of the m rows (_costs.pxd), each row scaled by its sample weight
    when there are weights. Returns the (weighted) sum of the rows' costs. labels: the
    rows' class labels when y holds their one-hot rows (else NULL), which softmax with the
    log-likelihood reads instead of y."""
    cdef Py_ssize_t i, j, L = layers.n_layers - 1, n = layers.sizes[layers.n_layers]
    cdef Py_ssize_t off = capacity * layers.unit_off[L]
    cdef double total = 0.0, c
    cdef bint by_label = (labels != NULL and layers.cost == LOG_LIKELIHOOD
                          and layers.act[L] == SOFTMAX)
    for i in range(m):
        # BP1: delta^L = grad_a C * f'(z^L), with the cost c of the row
        if by_label:
            c = label_log_likelihood_error(z + off + i * n, a + off + i * n, labels[i],
                                           delta + off + i * n, n)
        else:
            c = row_cost(layers.cost, layers.cost_param, layers.act[L], z + off + i * n,
                         a + off + i * n, y + i * n, n)
            output_error_row(layers.cost, layers.cost_param, layers.act[L],
                             layers.act_param[L], z + off + i * n, a + off + i * n, y + i * n,
                             delta + off + i * n, n)
        if weights != NULL:
            c *= weights[i]
            for j in range(n):
                delta[off + i * n + j] *= weights[i]
        total += c
    return total


cdef void backward_pass(const Layers* layers, const floating* theta, const Rows* x,
                        Py_ssize_t m, Py_ssize_t capacity, const floating* z,
                        const floating* a, floating* mask, const double* dropout,
                        floating* delta, floating* target, floating alpha, floating beta_w,
                        floating beta_b, double clip_norm, double divisor,
                        Lookahead* ahead) noexcept nogil:
    """From delta^L down the layers: delta^l of each layer, and the gradient accumulated
    into target: target_w := beta_w target_w + alpha sum delta a^T, the same for b (and
    PReLU slopes) with beta_b. target may be theta itself: w^l serves BP2 before BP4
    overwrites it.

    clip_norm > 0 (plain SGD clipped by norm, straight into theta; no PReLU): the gradient
    of the mean cost (the sum / divisor) is kept to a 2-norm of at most clip_norm, as
    `clip` does. The errors (BP2) of every layer come first, then that norm from the rows'
    Gram matrices (gram_squares), then BP3/BP4 of every layer with alpha scaled by the
    clipping factor."""
    cdef Py_ssize_t k, i, j, n_in, n_out, sweep
    cdef bint clipping = clip_norm != 0
    cdef double scale
    cdef const floating* a_prev
    cdef floating* delta_l
    cdef floating* delta_prev
    cdef floating* b_target
    cdef floating* mask_l
    # One sweep down the layers; with clipping two, BP2 in the first and BP3/BP4 in the
    # second. (The step's only code for them: GCC inlines it into train_batch.)
    for sweep in range(2 if clipping else 1):
        for k in range(layers.n_layers - 1, -1, -1):
            n_in = layers.sizes[k]
            n_out = layers.sizes[k + 1]
            delta_l = delta + capacity * layers.unit_off[k]
            a_prev = layer_inputs(layers, x, k, capacity, a)
            if k > 0 and sweep == 0:
                delta_prev = delta + capacity * layers.unit_off[k - 1]
                # BP2: delta^{l-1} = ((w^l)^T delta^l) * f'(z^{l-1}), as rows D^l w^l,
                # then times the dropout mask and f'
                gemm(False, False, <int>m, <int>n_in, <int>n_out,
                     1, delta_l, <int>n_out, theta + layers.w_off[k], <int>n_in, 0,
                     delta_prev, <int>n_in)
                fetch_ahead(ahead)
                mask_l = layer_mask(layers, mask, dropout, k - 1, capacity)
                if mask_l != NULL:
                    multiply(delta_prev, mask_l, m * n_in)
                if layers.act[k - 1] == PRELU:
                    prelu_backward(z + capacity * layers.unit_off[k - 1],
                                   theta + layers.p_off[k - 1], delta_prev,
                                   target + layers.p_off[k - 1], alpha, beta_b, m, n_in)
                else:
                    times_derivative(layers.act[k - 1], layers.act_param[k - 1],
                                     z + capacity * layers.unit_off[k - 1],
                                     a_prev if mask_l == NULL else NULL, delta_prev, m * n_in)
                fetch_ahead(ahead)
            if sweep == 0 and clipping:
                continue
            # BP4: dC/dw^l = delta^l (a^{l-1})^T, as rows (D^l)^T A^{l-1}, summed over them
            if k == 0 and x.dense == NULL:
                sparse_weight_gradient(x, m, delta_l, n_out, n_in, alpha, beta_w,
                                       target + layers.w_off[0])
            else:
                gemm(True, False, <int>n_out, <int>n_in, <int>m,
                     alpha, delta_l, <int>n_out, a_prev, <int>n_in, beta_w,
                     target + layers.w_off[k], <int>n_in)
            fetch_ahead(ahead)
            # BP3: dC/db^l = delta^l, summed over the rows
            b_target = target + layers.b_off[k]
            for j in range(n_out):  # as BLAS: with beta 0, a stale target is never read
                b_target[j] = 0 if beta_b == 0 else beta_b * b_target[j]
            for i in range(m):
                for j in range(n_out):
                    b_target[j] += alpha * delta_l[i * n_out + j]
            fetch_ahead(ahead)
        if clipping and sweep == 0:
            scale = clip_norm / (sqrt(gram_squares(layers, x, m, capacity, a, delta)) / divisor
                                 + 1e-6)
            if scale < 1:
                alpha = <floating>(alpha * scale)


cdef inline const floating* layer_inputs(const Layers* layers, const Rows* x, Py_ssize_t k,
                                         Py_ssize_t capacity,
                                         const floating* a) noexcept nogil:
    """a^{l-1} of layer k's rows: the dense input rows for k = 0 (NULL for CSR rows)."""
    return <const floating*>x.dense if k == 0 else a + capacity * layers.unit_off[k - 1]


cdef void sparse_product(const Rows* x, Py_ssize_t m, const floating* w, Py_ssize_t n_out,
                         Py_ssize_t n_in, floating* z) noexcept nogil:
    """Z = X w^T for m CSR rows X, over their nonzeros: z[i, j] = sum_p x_p w[j, col_p].
    Unit by unit, so that each pass reads one row of w (the columns the batch uses)."""
    cdef Py_ssize_t i, j, p
    cdef const floating* values = <const floating*>x.data
    cdef const floating* w_row
    cdef floating total
    for j in range(n_out):
        w_row = w + j * n_in
        for i in range(m):
            total = 0
            for p in range(x.indptr[i], x.indptr[i + 1]):
                total = total + values[p] * w_row[column(x, p)]
            z[i * n_out + j] = total


cdef void sparse_weight_gradient(const Rows* x, Py_ssize_t m, const floating* delta,
                                 Py_ssize_t n_out, Py_ssize_t n_in, floating alpha,
                                 floating beta, floating* target) noexcept nogil:
    """BP4 for m CSR rows X: target := beta target + alpha D^T X, over X's nonzeros. With
    beta 1 (plain SGD without L2, straight into w^1) only the columns that the rows use
    are touched; else the whole target is scaled first."""
    cdef Py_ssize_t i, j, p
    cdef const floating* values = <const floating*>x.data
    cdef floating* t_row
    cdef floating d
    if beta != 1:
        for i in range(n_out * n_in):  # as BLAS: with beta 0, a stale target is never read
            target[i] = 0 if beta == 0 else beta * target[i]
    for j in range(n_out):
        t_row = target + j * n_in
        for i in range(m):
            d = alpha * delta[i * n_out + j]
            for p in range(x.indptr[i], x.indptr[i + 1]):
                t_row[column(x, p)] += d * values[p]


cdef inline void multiply(floating* d, const floating* factors, Py_ssize_t count) noexcept nogil:
    cdef Py_ssize_t i
    for i in range(count):
        d[i] = d[i] * factors[i]


cdef void regularize(const Layers* layers, const floating* theta, floating* grad, double l1,
                     double l2) noexcept nogil:
    """grad_w += l2 w + l1 sign(w): the gradient of l2/2 sum w^2 + l1 sum |w|, weights only."""
    cdef Py_ssize_t k, i, start, end
    cdef double w
    for k in range(layers.n_layers):
        start = layers.w_off[k]
        end = start + layers.sizes[k + 1] * layers.sizes[k]
        if l1 == 0:  # the common case, in a loop that vectorizes
            for i in range(start, end):
                grad[i] = <floating>(grad[i] + l2 * theta[i])
            continue
        for i in range(start, end):
            w = theta[i]
            grad[i] = <floating>(grad[i] + l2 * w + l1 * ((w > 0) - (w < 0)))


cdef double sum_of_squares(const Layers* layers, const floating* theta) noexcept nogil:
    """sum w^2 over the weights (not biases or slopes), in four partial sums: one running
    sum would wait on each addition before the next (a pass as long as a small step)."""
    cdef Py_ssize_t k, i, start, end
    cdef double s0 = 0, s1 = 0, s2 = 0, s3 = 0
    for k in range(layers.n_layers):
        start = layers.w_off[k]
        end = start + layers.sizes[k + 1] * layers.sizes[k]
        i = start
        while i + 4 <= end:
            s0 += <double>theta[i] * theta[i]
            s1 += <double>theta[i + 1] * theta[i + 1]
            s2 += <double>theta[i + 2] * theta[i + 2]
            s3 += <double>theta[i + 3] * theta[i + 3]
            i += 4
        while i < end:
            s0 += <double>theta[i] * theta[i]
            i += 1
    return (s0 + s1) + (s2 + s3)


cdef double squares(const floating* values, Py_ssize_t n) noexcept nogil:
    """sum v^2 in double, in four partial sums as sum_of_squares."""
    cdef Py_ssize_t i = 0
    cdef double s0 = 0, s1 = 0, s2 = 0, s3 = 0
    while i + 4 <= n:
        s0 += <double>values[i] * values[i]
        s1 += <double>values[i + 1] * values[i + 1]
        s2 += <double>values[i + 2] * values[i + 2]
        s3 += <double>values[i + 3] * values[i + 3]
        i += 4
    while i < n:
        s0 += <double>values[i] * values[i]
        i += 1
    return (s0 + s1) + (s2 + s3)


cdef void decay_weights(const Layers* layers, floating* theta, double factor) noexcept nogil:
    """w <- factor w, weights only (decoupled weight decay)."""
    cdef Py_ssize_t k, i, start, end
    for k in range(layers.n_layers):
        start = layers.w_off[k]
        end = start + layers.sizes[k + 1] * layers.sizes[k]
        for i in range(start, end):
            theta[i] = <floating>(theta[i] * factor)
