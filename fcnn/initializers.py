"""Initial weights and biases, by name; the same generator state gives the same values.

Every scheme draws in float64 from a numpy Generator, so a float32 and a float64 network
made with the same seed start from the same numbers (rounded to float32).
"""

import numpy as np

__all__ = ["SCHEMES", "check_scheme", "initialize"]


def _normal_scaled(rng, n_out, n_in):
    return rng.standard_normal((n_out, n_in)) / np.sqrt(n_in), rng.standard_normal(n_out)


def _normal(rng, n_out, n_in):
    return rng.standard_normal((n_out, n_in)), rng.standard_normal(n_out)


def _uniform(limit):
    return lambda rng, n_out, n_in: (
        rng.uniform(-limit(n_out, n_in), limit(n_out, n_in), (n_out, n_in)),
        np.zeros(n_out),
    )


def _gaussian(std):
    return lambda rng, n_out, n_in: (
        rng.standard_normal((n_out, n_in)) * std(n_out, n_in),
        np.zeros(n_out),
    )


SCHEMES = {
    # w ~ N(0, 1/n_in), b ~ N(0, 1): the notes' (and Nielsen's network2) default
    "normal_scaled": _normal_scaled,
    # w ~ N(0, 1), b ~ N(0, 1): the notes' "large" initialisation
    "normal": _normal,
    # Glorot and Bengio: w ~ U(+-sqrt(6 / (n_in + n_out))), b = 0
    "xavier_uniform": _uniform(lambda n_out, n_in: np.sqrt(6 / (n_in + n_out))),
    # w ~ N(0, 2 / (n_in + n_out)), b = 0
    "xavier_normal": _gaussian(lambda n_out, n_in: np.sqrt(2 / (n_in + n_out))),
    # He et al.: w ~ U(+-sqrt(6 / n_in)), b = 0
    "he_uniform": _uniform(lambda n_out, n_in: np.sqrt(6 / n_in)),
    # w ~ N(0, 2 / n_in), b = 0
    "he_normal": _gaussian(lambda n_out, n_in: np.sqrt(2 / n_in)),
}


def check_scheme(scheme):
    """The name of an initialisation scheme, checked."""
    if not isinstance(scheme, str):
        raise TypeError(
            f"init must be the name of a scheme, one of {sorted(SCHEMES)}; got "
            f"{type(scheme).__name__} {scheme!r}"
        )
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init {scheme!r}; expected one of {sorted(SCHEMES)}")
    return scheme


def initialize(scheme, rng, weights, biases):
    """Fill each layer's weight and bias views in place."""
    check_scheme(scheme)
    for w, b in zip(weights, biases):
        w[...], b[...] = SCHEMES[scheme](rng, *w.shape)
