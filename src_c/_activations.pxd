# Activation functions f and their derivatives f', applied to whole layer blocks.
# The switch on the activation is made once per row, outside the element loops.
# Exponentials run in the network's precision, through exp_nonpositive (sigmoid, swish,
# gelu_tanh, elu, selu and softmax only need e^x for x <= 0) or exp_of (the exp
# activation), so that the loops over a layer vectorize; gelu (erfc), softplus and mish
# (ln(1 + e^z), in double) call libm. Every form but exp is stable for any finite z, and
# exp overflows to inf, which the checks of non-finite outputs report.

from libc.math cimport exp, log1p, fabs, fabsf, tanh, tanhf, erfc, erfcf
from libc.stdint cimport uint32_t, uint64_t

from cython cimport floating

cdef enum Activation:
    LINEAR = 0
    SIGMOID = 1
    TANH = 2
    RELU = 3
    LEAKY_RELU = 4
    SWISH = 5
    SOFTMAX = 6
    PRELU = 7
    EXP = 8
    GELU = 9
    GELU_TANH = 10
    ELU = 11
    SELU = 12
    SOFTPLUS = 13
    MISH = 14


cdef enum:
    SOFTPLUS_THRESHOLD = 20  # softplus(z) = z above it, as PyTorch's default threshold


cdef extern from *:
    """
    #define FCNN_SELU_ALPHA 1.6732632423543772848170429916717
    #define FCNN_SELU_SCALE 1.0507009873554804934193349852946
    """
    # SELU's constants (Klambauer et al. 2017), to PyTorch's digits
    const double SELU_ALPHA "FCNN_SELU_ALPHA"
    const double SELU_SCALE "FCNN_SELU_SCALE"


cdef union Float64Bits:
    double value
    uint64_t bits


cdef union Float32Bits:
    float value
    uint32_t bits


cdef inline floating expm1_reduced(floating r) noexcept nogil:
    """e^r - 1 for |r| <= ln2/2, in the precision of r, by its Taylor polynomial (degree 13
    for double, 7 for float: truncation error under a tenth of an ulp) in Estrin's order
    (short dependency chains)."""
    cdef floating r2 = r * r
    cdef floating r4 = r2 * r2
    if floating is double:
        return ((r + r2 * (1 / 2.0 + r * (1 / 6.0)))
                + r4 * ((1 / 24.0 + r * (1 / 120.0)) + r2 * (1 / 720.0 + r * (1 / 5040.0)))
                + (r4 * r4) * (((1 / 40320.0 + r * (1 / 362880.0))
                                + r2 * (1 / 3628800.0 + r * (1 / 39916800.0)))
                               + r4 * (1 / 479001600.0 + r * (1 / 6227020800.0))))
    else:
        return ((r + r2 * (<float>(1 / 2.0) + r * <float>(1 / 6.0)))
                + r4 * ((<float>(1 / 24.0) + r * <float>(1 / 120.0))
                        + r2 * (<float>(1 / 720.0) + r * <float>(1 / 5040.0))))


cdef inline floating exp_scaled(floating x, floating raise_k, floating scale) noexcept nogil:
    """2^-raise_k e^(x + raise_k ln 2) scale, for a clamped x (NaN gives NaN), within about
    an ulp, in the precision of x: e^x, where raise_k and scale = 2^-raise_k move k into
    the exponent's range at the ends of x's range.

    A libm call per element keeps a loop scalar; this is branch-free arithmetic, so the
    loops over a layer that use it vectorize. e^x = 2^k e^r with k = round(x / ln 2)
    and r = x - k ln 2 in [-ln2/2, ln2/2] (ln 2 in two parts, so that k ln 2 is exact);
    e^r by its Taylor polynomial (degree 13 for double, 7 for float: truncation error
    under a tenth of an ulp) in Estrin's order (short dependency chains; the 1 added
    last, for accuracy), and 2^(k + raise_k) added to its exponent bits. k is rounded by
    adding 1.5 2^52 (2^23 for float), which leaves k in the sum's low bits."""
    cdef Float64Bits shifted64, power64
    cdef Float32Bits shifted32, power32
    cdef floating k, r, p
    if floating is double:
        shifted64.value = x * 1.4426950408889634 + 6755399441055744.0
        k = shifted64.value - 6755399441055744.0
        r = (x - k * 6.93147180369123816490e-01) - k * 1.90821492927058770002e-10
        p = 1 + expm1_reduced(r)
        shifted64.value = shifted64.value + raise_k
        power64.value = p
        power64.bits = power64.bits + (shifted64.bits << 52)
        return power64.value * scale
    else:
        shifted32.value = x * <float>1.44269504 + <float>12582912.0
        k = shifted32.value - <float>12582912.0
        r = (x - k * <float>0.693359375) - k * <float>-2.12194440e-4
        p = 1 + expm1_reduced(r)
        shifted32.value = shifted32.value + raise_k
        power32.value = p
        power32.bits = power32.bits + (shifted32.bits << 23)
        return power32.value * scale


cdef inline floating exp_nonpositive(floating x) noexcept nogil:
    """e^x for x <= 0 (NaN gives NaN), by exp_scaled. Below the smallest normal result
    2^(k + 512) is built instead (2^(k + 64) for float) and the product scaled back, so
    the result underflows gradually to 0 at x = -746 (-104)."""
    if floating is double:
        x = -746.0 if x < -746.0 else x  # keeps NaN
        return exp_scaled(x, 512.0 if x < -708.0 else 0.0,
                          7.458340731200207e-155 if x < -708.0 else 1.0)  # 2^-512
    else:
        x = <float>-104.0 if x < <float>-104.0 else x
        return exp_scaled(x, <float>64.0 if x < <float>-87.0 else <float>0.0,
                          <float>5.421010862427522e-20 if x < <float>-87.0
                          else <float>1.0)  # 2^-64


cdef inline floating exp_of(floating x) noexcept nogil:
    """e^x for any x (NaN gives NaN), by exp_scaled, branch-free: as exp_nonpositive for
    x <= 0; above the largest normal 2^k, 2^(k - 512) is built instead (2^(k - 64) for
    float) and the product scaled back, which overflows to inf past the largest finite
    result (x is clamped at 710, 89 for float, where it has overflowed already)."""
    if floating is double:
        x = -746.0 if x < -746.0 else (710.0 if x > 710.0 else x)  # keeps NaN
        return exp_scaled(x, 512.0 if x < -708.0 else (-512.0 if x > 708.0 else 0.0),
                          7.458340731200207e-155 if x < -708.0  # 2^-512
                          else (1.3407807929942597e+154 if x > 708.0 else 1.0))  # 2^512
    else:
        x = <float>-104.0 if x < <float>-104.0 else (<float>89.0 if x > <float>89.0 else x)
        return exp_scaled(x, <float>64.0 if x < <float>-87.0
                          else (<float>-64.0 if x > <float>87.0 else <float>0.0),
                          <float>5.421010862427522e-20 if x < <float>-87.0  # 2^-64
                          else (<float>1.8446744073709552e+19 if x > <float>87.0  # 2^64
                                else <float>1.0))


cdef inline floating abs_of(floating x) noexcept nogil:
    if floating is float:
        return fabsf(x)
    else:
        return fabs(x)


cdef inline floating sigmoid_of(floating z) noexcept nogil:
    """sigmoid in the precision of z: 1 / (1 + e^-z) for z >= 0, e^z / (1 + e^z) below,
    so that e^ only ever sees -|z|; branch-free."""
    cdef floating e = exp_nonpositive(-abs_of(z))
    return (<floating>1 if z >= 0 else e) / (1 + e)


cdef inline floating tanh_of(floating z) noexcept nogil:
    if floating is float:
        return tanhf(z)
    else:
        return tanh(z)


cdef inline double softplus(double z) noexcept nogil:
    """ln(1 + e^z) = -ln(sigmoid(-z))."""
    return (z if z > 0 else 0.0) + log1p(exp(-fabs(z)))


cdef inline floating expm1_nonpositive(floating x) noexcept nogil:
    """e^x - 1 for x <= 0 (NaN gives NaN), branch-free, accurate where e^x - 1 alone
    would cancel: expm1_reduced on [-ln2/2, 0], e^x - 1 by exp_nonpositive below it
    (where the difference keeps all but a bit or two)."""
    cdef floating near = <floating>-0.34657359027997264  # -ln2/2
    cdef floating small = x if x > near else 0  # keeps expm1_reduced in its range
    return expm1_reduced(small) if x > near else exp_nonpositive(x) - 1


cdef inline floating elu_of(floating z, floating alpha) noexcept nogil:
    """z for z > 0, alpha (e^z - 1) below."""
    return z if z > 0 else alpha * expm1_nonpositive(z)


cdef inline floating elu_derivative(floating z, floating alpha) noexcept nogil:
    return 1 if z > 0 else alpha * exp_nonpositive(0 if z > 0 else z)  # keeps NaN


cdef inline floating selu_of(floating z) noexcept nogil:
    return <floating>SELU_SCALE * elu_of(z, <floating>SELU_ALPHA)


cdef inline floating selu_derivative(floating z) noexcept nogil:
    return <floating>SELU_SCALE * elu_derivative(z, <floating>SELU_ALPHA)


cdef inline floating erfc_of(floating x) noexcept nogil:
    if floating is float:
        return erfcf(x)
    else:
        return erfc(x)


cdef inline floating gelu_of(floating z) noexcept nogil:
    """z Phi(z) with the normal CDF Phi(z) = erfc(-z / sqrt 2) / 2, which keeps its digits
    where Phi is small (1 + erf(z / sqrt 2) cancels)."""
    return <floating>0.5 * z * erfc_of(-z * <floating>0.70710678118654752)


cdef inline floating gelu_derivative(floating z) noexcept nogil:
    """Phi(z) + z phi(z), with the normal density phi(z) = e^(-z^2/2) / sqrt(2 pi)."""
    return (<floating>0.5 * erfc_of(-z * <floating>0.70710678118654752)
            + z * (<floating>0.39894228040143268 * exp_nonpositive(<floating>-0.5 * z * z)))


cdef inline floating gelu_tanh_inner(floating z, floating z2) noexcept nogil:
    """2 sqrt(2/pi) (z + 0.044715 z^3), twice the argument of tanh in the tanh form."""
    return <floating>1.5957691216057308 * (z + <floating>0.044715 * z * z2)


cdef inline floating gelu_tanh_of(floating z) noexcept nogil:
    """z (1 + tanh u) / 2 = z sigmoid(2u), which stays accurate where tanh u is near -1."""
    return z * sigmoid_of(gelu_tanh_inner(z, z * z))


cdef inline floating gelu_tanh_derivative(floating z) noexcept nogil:
    """s + z s (1 - s) d(2u)/dz with s = sigmoid(2u). z^2 is capped at 10^4 in d(2u)/dz,
    as s (1 - s) is exactly 0 already for |z| > 30 and an infinite z^2 would make it NaN."""
    cdef floating z2 = z * z
    cdef floating s = sigmoid_of(gelu_tanh_inner(z, z2))
    z2 = z2 if z2 < <floating>1e4 else <floating>1e4
    return s + z * s * (1 - s) * (<floating>1.5957691216057308
                                  * (1 + <floating>(3 * 0.044715) * z2))


cdef inline floating softplus_of(floating z) noexcept nogil:
    """ln(1 + e^z) computed in double, and z itself above the threshold."""
    return z if z > SOFTPLUS_THRESHOLD else <floating>softplus(z)


cdef inline floating softplus_derivative(floating z) noexcept nogil:
    return 1 if z > SOFTPLUS_THRESHOLD else sigmoid_of(z)


cdef inline floating mish_of(floating z) noexcept nogil:
    """z tanh(ln(1 + e^z)), computed in double."""
    return <floating>(z * tanh(softplus(z)))


cdef inline floating mish_derivative(floating z) noexcept nogil:
    """t + z sigmoid(z) (1 - t^2) with t = tanh(ln(1 + e^z)), computed in double."""
    cdef double t = tanh(softplus(z))
    return <floating>(t + z * sigmoid_of(<double>z) * (1 - t * t))


cdef inline void softmax_rows(const floating* z, floating* a, Py_ssize_t rows,
                              Py_ssize_t cols) noexcept nogil:
    """a = softmax(z), row by row: e^(z - max z) over the sum. The exponentials run in
    one loop over the whole block, as rows of a few outputs would leave much of each row
    to scalar code. The sum is taken in double; the division in the
    floats' own type, so that it vectorizes without conversions."""
    cdef Py_ssize_t i, j, k
    cdef floating top, total_f
    cdef double total
    for i in range(rows):
        k = i * cols
        top = z[k]
        for j in range(1, cols):
            top = z[k + j] if z[k + j] > top else top
        for j in range(cols):
            a[k + j] = z[k + j] - top
    for k in range(rows * cols):
        a[k] = exp_nonpositive(a[k])
    for i in range(rows):
        k = i * cols
        total = 0.0
        for j in range(cols):
            total += a[k + j]
        total_f = <floating>total
        for j in range(cols):
            a[k + j] = a[k + j] / total_f


cdef inline void add_bias_and_activate(int code, double param, const floating* b,
                                       const floating* slopes, floating* z, floating* a,
                                       Py_ssize_t rows, Py_ssize_t cols) noexcept nogil:
    """z += b (per column), then a = f(z), over the (rows, cols) block: in one pass, but
    for sigmoid, exp, softmax and the activations from gelu on, whose exponentials take
    one loop over the whole block after the bias (short rows would leave a vector
    remainder in every row); softmax normalises each row; PReLU has a learnt slope per
    column. param is leaky_relu's slope or elu's alpha."""
    cdef Py_ssize_t i, j, k
    cdef floating v, slope = <floating>param
    if code == SOFTMAX or code == SIGMOID or code == EXP or code >= GELU:
        # the bias row by row, then the exponentials in one loop over the whole block
        for i in range(rows):
            for j in range(cols):
                z[i * cols + j] = z[i * cols + j] + b[j]
        if code == SOFTMAX:
            softmax_rows(z, a, rows, cols)
        elif code == SIGMOID:
            for k in range(rows * cols):
                a[k] = sigmoid_of(z[k])
        elif code == EXP:
            for k in range(rows * cols):
                a[k] = exp_of(z[k])
        elif code == GELU:
            for k in range(rows * cols):
                a[k] = gelu_of(z[k])
        elif code == GELU_TANH:
            for k in range(rows * cols):
                a[k] = gelu_tanh_of(z[k])
        elif code == ELU:
            for k in range(rows * cols):
                a[k] = elu_of(z[k], slope)
        elif code == SELU:
            for k in range(rows * cols):
                a[k] = selu_of(z[k])
        elif code == SOFTPLUS:
            for k in range(rows * cols):
                a[k] = softplus_of(z[k])
        elif code == MISH:
            for k in range(rows * cols):
                a[k] = mish_of(z[k])
        return
    for i in range(rows):
        k = i * cols
        if code == LINEAR:
            for j in range(cols):
                v = z[k + j] + b[j]
                z[k + j] = v
                a[k + j] = v
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
    elif code == EXP and a != NULL:
        for i in range(count):
            d[i] = d[i] * a[i]
    elif code == EXP:
        for i in range(count):
            d[i] = d[i] * exp_of(z[i])
    elif code == GELU:
        for i in range(count):
            d[i] = d[i] * gelu_derivative(z[i])
    elif code == GELU_TANH:
        for i in range(count):
            d[i] = d[i] * gelu_tanh_derivative(z[i])
    elif code == ELU:
        for i in range(count):
            d[i] = d[i] * elu_derivative(z[i], slope)
    elif code == SELU:
        for i in range(count):
            d[i] = d[i] * selu_derivative(z[i])
    elif code == SOFTPLUS:
        for i in range(count):
            d[i] = d[i] * softplus_derivative(z[i])
    elif code == MISH:
        for i in range(count):
            d[i] = d[i] * mish_derivative(z[i])


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
