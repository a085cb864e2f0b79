"""Initial weights and biases, by name; the same generator state gives the same values.

Every scheme draws in float64 from a numpy Generator, so a float32 and a float64 network
made with the same seed start from the same numbers (rounded to float32).

Each layer l has weights w^l of shape (n_l, n_{l-1}) and biases b^l of shape (n_l,); in
the formulas n_in = n_{l-1} and n_out = n_l.

Examples
--------
>>> import numpy as np
>>> from fcnn import initializers
>>> sorted(initializers.SCHEMES)
['he_normal', 'he_uniform', 'normal', 'normal_scaled', 'xavier_normal', 'xavier_uniform']
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
from numpy.typing import NDArray

__all__ = ["SCHEMES", "check_scheme", "initialize"]

_Scheme = Callable[[np.random.Generator, int, int], tuple[NDArray[np.float64], NDArray[np.float64]]]


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


#: The initialisation schemes by name; each maps (rng, n_out, n_in) to (w, b) in float64.
SCHEMES: dict[str, _Scheme] = {
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


def check_scheme(scheme: str) -> str:
    """The name of an initialisation scheme, checked.

    Parameters
    ----------
    scheme : str
        A key of `SCHEMES`: "normal_scaled" (w ~ N(0, 1/n_in), b ~ N(0, 1), the notes'
        and Nielsen's network2 default), "normal" (w, b ~ N(0, 1), the notes' "large"
        initialisation), "xavier_uniform" (w ~ U(+-sqrt(6 / (n_in + n_out)))),
        "xavier_normal" (w ~ N(0, 2 / (n_in + n_out))), "he_uniform"
        (w ~ U(+-sqrt(6 / n_in))) or "he_normal" (w ~ N(0, 2 / n_in)); the last four
        set b = 0.

    Returns
    -------
    str
        `scheme` itself.

    Raises
    ------
    TypeError
        If `scheme` is not a str.
    ValueError
        If `scheme` is not a key of `SCHEMES`.

    Examples
    --------
    >>> from fcnn.initializers import check_scheme
    >>> check_scheme("he_normal")
    'he_normal'
    >>> check_scheme("glorot")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: unknown init 'glorot'; expected one of ['he_normal', 'he_uniform', ...]
    """
    if not isinstance(scheme, str):
        raise TypeError(
            f"init must be the name of a scheme, one of {sorted(SCHEMES)}; got "
            f"{type(scheme).__name__} {scheme!r}"
        )
    if scheme not in SCHEMES:
        raise ValueError(f"unknown init {scheme!r}; expected one of {sorted(SCHEMES)}")
    return scheme


def initialize(
    scheme: str,
    rng: np.random.Generator,
    weights: Iterable[NDArray[np.floating]],
    biases: Iterable[NDArray[np.floating]],
) -> None:
    """Fill each layer's weights and biases in place, layer by layer from the first.

    Parameters
    ----------
    scheme : str
        The name of a scheme in `SCHEMES` (see `check_scheme`).
    rng : numpy.random.Generator
        The source of the random numbers, advanced by the draws.
    weights : iterable of ndarray of float, each of shape (n_l, n_{l-1})
        The weight matrices w^1 .. w^L, overwritten.
    biases : iterable of ndarray of float, each of shape (n_l,)
        The bias vectors b^1 .. b^L, overwritten.

    Raises
    ------
    TypeError, ValueError
        As `check_scheme`, for a bad `scheme`.

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn.initializers import initialize
    >>> w, b = np.empty((3, 2)), np.empty(3)
    >>> initialize("he_uniform", np.random.default_rng(0), [w], [b])
    >>> bool(np.all(np.abs(w) <= np.sqrt(6 / 2))), b
    (True, array([0., 0., 0.]))
    """
    check_scheme(scheme)
    for w, b in zip(weights, biases):
        w[...], b[...] = SCHEMES[scheme](rng, *w.shape)
