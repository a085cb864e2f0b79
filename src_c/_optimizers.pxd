# Parameter updates theta <- theta - step(g), elementwise over the flat parameter array.
# The formulas, with their references, are in fcnn/optimizers.py.

from libc.math cimport sqrt, pow

from cython cimport floating

cdef enum OptimizerCode:
    SGD = 0
    ADAM = 1
    RMSPROP = 2
    ADAGRAD = 3
    SGD_SUTSKEVER = 4         # velocity in parameter units: v <- mu v - lr g
    ADAM_EPS_HAT = 5          # eps added before the bias correction of v
    RPROP = 6                 # iRPROP-: s1 the last gradient used, s2 the step sizes


cdef struct Optimizer:
    int code
    double lr
    double momentum           # SGD
    bint nesterov             # SGD
    double beta1, beta2       # Adam
    double rho                # RMSProp
    double eps                # Adam, RMSProp, AdaGrad
    double eta_minus, eta_plus  # Rprop: the factors of a step size
    double step_min, step_max   # Rprop: the range of a step size
    long long t               # updates taken, counting this one


cdef inline void update(const Optimizer* opt, floating* theta, const floating* g,
                        floating* s1, floating* s2, Py_ssize_t count) noexcept nogil:
    """One update of `count` parameters from their gradient g; s1, s2 the state. The
    hyperparameters are read into locals first: a store to theta could alias them (the
    compiler must assume), which would reload them at every step and keep the loops scalar."""
    cdef Py_ssize_t i
    cdef double step, m, v, lr_t, root_bc2
    cdef floating product, gradient
    cdef double lr = opt.lr, mu = opt.momentum, beta1 = opt.beta1, beta2 = opt.beta2
    cdef double rho = opt.rho, eps = opt.eps
    cdef bint nesterov = opt.nesterov
    cdef double eta_minus = opt.eta_minus, eta_plus = opt.eta_plus
    cdef double step_min = opt.step_min, step_max = opt.step_max
    cdef bint first = opt.t == 1
    if (opt.code == SGD or opt.code == SGD_SUTSKEVER) and mu == 0:
        for i in range(count):
            theta[i] = <floating>(theta[i] - lr * g[i])
    elif opt.code == SGD:
        for i in range(count):
            v = mu * s1[i] + g[i]
            s1[i] = <floating>v
            step = g[i] + mu * v if nesterov else v
            theta[i] = <floating>(theta[i] - lr * step)
    elif opt.code == SGD_SUTSKEVER:
        for i in range(count):
            v = mu * s1[i] - lr * g[i]
            s1[i] = <floating>v
            step = mu * v - lr * g[i] if nesterov else v
            theta[i] = <floating>(theta[i] + step)
    elif opt.code == ADAM_EPS_HAT:
        lr_t = lr * sqrt(1 - pow(beta2, <double>opt.t)) / (1 - pow(beta1, <double>opt.t))
        for i in range(count):
            m = beta1 * s1[i] + (1 - beta1) * g[i]
            v = beta2 * s2[i] + (1 - beta2) * g[i] * g[i]
            s1[i] = <floating>m
            s2[i] = <floating>v
            theta[i] = <floating>(theta[i] - lr_t * m / (sqrt(v) + eps))
    elif opt.code == ADAM:
        lr_t = lr / (1 - pow(beta1, <double>opt.t))
        root_bc2 = sqrt(1 - pow(beta2, <double>opt.t))
        for i in range(count):
            m = beta1 * s1[i] + (1 - beta1) * g[i]
            v = beta2 * s2[i] + (1 - beta2) * g[i] * g[i]
            s1[i] = <floating>m
            s2[i] = <floating>v
            theta[i] = <floating>(theta[i] - lr_t * m / (sqrt(v) / root_bc2 + eps))
    elif opt.code == RMSPROP:
        for i in range(count):
            v = rho * s1[i] + (1 - rho) * g[i] * g[i]
            s1[i] = <floating>v
            theta[i] = <floating>(theta[i] - lr * g[i] / (sqrt(v) + eps))
    elif opt.code == ADAGRAD:
        for i in range(count):
            v = s1[i] + <double>g[i] * g[i]
            s1[i] = <floating>v
            theta[i] = <floating>(theta[i] - lr * g[i] / (sqrt(v) + eps))
    elif opt.code == RPROP:
        for i in range(count):
            step = lr if first else s2[i]  # the step sizes start at lr
            gradient = g[i]
            product = gradient * s1[i]  # in the network's dtype, as torch's sign test
            if product > 0:
                step = step * eta_plus
            elif product < 0:
                step = step * eta_minus
                gradient = 0  # the sign flipped: no step now, and no flip test next time
            step = min(max(step, step_min), step_max)
            s2[i] = <floating>step
            s1[i] = gradient
            theta[i] = <floating>(theta[i] - ((gradient > 0) - (gradient < 0)) * step)
