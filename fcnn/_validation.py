"""Input checks made once, in Python, before anything reaches the core.

The core runs with bounds checking off and trusts its arrays completely, so every
array it sees comes through here: converted to the network's dtype, C-contiguous,
of the right shape, finite. Errors name the argument, what was expected and what came.
"""

import functools
import math
import numbers
import warnings
from collections.abc import Sequence
from typing import Any, TypeGuard

import numpy as np
from numpy.typing import ArrayLike, DTypeLike, NDArray

from . import _compiled

# BLAS takes 32-bit dimensions.
MAX_DIMENSION = 2**31 - 1

# The core's finiteness check for each float dtype.
_FINITENESS_SPECIALIZATION = {"f": "float", "d": "double"}


def first_non_finite(values):
    """The index of the first inf or NaN in a 1-D float array, or -1 (the core's check)."""
    return _compiled.core.first_non_finite[_FINITENESS_SPECIALIZATION[values.dtype.char]](values)


def check_int(value, name, minimum=None, maximum=None):
    if maximum is None:
        expected = "an integer" + (f" >= {minimum}" if minimum is not None else "")
    else:
        expected = f"an integer in [{minimum}, {maximum}]"
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be {expected}, got {type(value).__name__} {value!r}")
    value = int(value)
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise ValueError(f"{name} must be {expected}, got {value}")
    return value


def _interval(low, high, low_open, high_open):
    if high == math.inf:  # as scikit-learn words it: "> 0", ">= 0"
        return "" if low == -math.inf else f" {'>' if low_open else '>='} {low}"
    return f" in {'(' if low_open else '['}{low}, {high}{')' if high_open else ']'}"


def check_real(value, name, low=-math.inf, high=math.inf, low_open=False, high_open=False):
    """A finite real number in the interval from low to high (open or closed at each end)."""
    if type(value) is not float:  # a float needs no check of the abstract type (slow)
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
            raise TypeError(
                f"{name} must be a finite number{_interval(low, high, low_open, high_open)}, "
                f"got {type(value).__name__} {value!r}"
            )
        value = float(value)
    inside = (value > low if low_open else value >= low) and (
        value < high if high_open else value <= high
    )
    if not math.isfinite(value) or not inside:
        expected = _interval(low, high, low_open, high_open)
        raise ValueError(f"{name} must be a finite number{expected}, got {value}")
    return value


def check_hyperparameter(
    value, name, low=0, high=math.inf, low_open=False, high_open=False, dtype=np.float64
):
    """A training hyperparameter: a finite real number in its interval (as check_real
    takes it), and 0 or a normal number of dtype (its magnitude at least
    ``np.finfo(dtype).tiny``).

    A training epoch treats subnormal numbers as zero (see Network.fit), so a positive
    eps or lr below the normal range would act as 0, and a division by it diverge."""
    value = check_real(value, name, low, high, low_open, high_open)
    if value != 0 and abs(value) < (tiny := float(np.finfo(dtype).tiny)):
        zero = "" if low_open and low == 0 else "0 or "
        raise ValueError(
            f"{name} must be a finite number{_interval(low, high, low_open, high_open)}, "
            f"{zero}at least the smallest normal {np.dtype(dtype).name} {tiny:g}, got {value!r}"
        )
    return value


def check_number(value, name, minimum=-math.inf):
    return check_real(value, name, low=minimum)


def check_positive_number(value, name):
    return check_real(value, name, low=0, low_open=True)


def check_bool(value, name):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be True or False, got {type(value).__name__} {value!r}")
    return bool(value)


def check_seed(seed, name="seed"):
    """None, a non-negative integer, or a numpy Generator."""
    if seed is None or isinstance(seed, np.random.Generator):
        return seed
    return check_int(seed, name, minimum=0)


def check_dtype(dtype):
    if dtype is None:  # np.dtype(None) would quietly mean float64
        raise TypeError("dtype must be 'float32' or 'float64', got None")
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"dtype must be 'float32' or 'float64', got {dtype!r}") from None
    if resolved not in (np.float32, np.float64):
        raise ValueError(f"dtype must be 'float32' or 'float64', got {resolved.name}")
    return resolved


def check_sizes(sizes):
    if isinstance(sizes, (str, bytes)) or not hasattr(sizes, "__len__"):
        raise TypeError(
            f"sizes must be a list of layer widths such as [784, 30, 10], "
            f"got {type(sizes).__name__}"
        )
    if len(sizes) < 2:
        raise ValueError(f"sizes needs at least an input and an output layer, got {list(sizes)}")
    checked = []
    for index, width in enumerate(sizes):
        width = check_int(width, f"sizes[{index}]", minimum=1)
        if width > MAX_DIMENSION:
            raise ValueError(f"sizes[{index}] must be <= {MAX_DIMENSION}, got {width}")
        checked.append(width)
    return tuple(checked)


def _numeric_array(values, name):
    """values as a numpy array of real numbers: numpy arrays as they are, pandas and
    pyarrow containers column by column (`_table_array`), other objects through
    ``__array__`` or, without it, DLPack (``__dlpack__``), without a copy where the
    producer allows."""
    if values is None:
        raise TypeError(f"{name} must be an array of numbers, got None")
    if type(values) is np.ndarray:  # the common case, without a look at its type's bases
        array = values
    elif _is_table(values):
        array = _table_array(values, name)
    else:
        try:
            if hasattr(values, "__dlpack__") and not hasattr(values, "__array__"):
                array = np.from_dlpack(values)
            else:
                array = np.asarray(values)
        except Exception as error:
            raise TypeError(f"{name} must be array-like numbers: {error}") from None
    if array.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {array.dtype}")
    return array


def _library(values):
    """The package of values' type, or "pandas" or "pyarrow" when a base of it comes
    from one (a subclass such as geopandas'): how tables are recognised without
    importing their libraries."""
    if type(values) is np.ndarray:
        return "numpy"
    packages = [cls.__module__.partition(".")[0] for cls in type(values).__mro__]
    return next((p for p in packages if p in ("pandas", "pyarrow")), packages[0])


def _is_table(values):
    """A pandas DataFrame, Series, Index or array, or a pyarrow Table, RecordBatch,
    Array or ChunkedArray."""
    library = _library(values)
    if library == "pandas":
        return hasattr(values, "to_numpy") and hasattr(values, "isna")
    return library == "pyarrow" and (
        hasattr(values, "column_names") or hasattr(values, "null_count")
    )


def _table_array(values, name):
    """A pandas DataFrame or Series, or a pyarrow Table, RecordBatch, Array or
    ChunkedArray, as a numpy array in the common dtype of its columns (float32 columns
    stay float32), after `check_columns`. A pyarrow table is copied once, into rows. A
    DataFrame of one dtype gives a view of its column-major block (others a copy),
    which the caller's conversion to rows (`for_the_core`) copies."""
    common = np.result_type(*check_columns(values, name) or [np.dtype(np.float64)])
    if _library(values) == "pandas":
        return values.to_numpy(dtype=common)
    if not hasattr(values, "column_names"):
        return np.asarray(values).astype(common, copy=False)
    array = np.empty((values.num_rows, values.num_columns), dtype=common)
    for j, data in enumerate(values.columns):
        array[:, j] = np.asarray(data)
    return array


def check_columns(values: Any, name: str) -> list[np.dtype]:
    """The numpy dtypes of a table's columns (`_is_table`; [] for anything else), each
    checked: a missing value (pandas NA, pyarrow null) is a ValueError, a column that is
    not numbers a TypeError, each naming the column (and the row)."""
    if not _is_table(values):
        return []
    two_d = hasattr(values, "column_names") or getattr(values, "ndim", 1) == 2
    if not two_d:
        columns = [(None, values)]
    elif _library(values) == "pandas":
        columns = list(values.items())
    else:
        columns = list(zip(values.column_names, values.columns))
    dtypes = []
    for column, data in columns:
        where = f"{name} column {column!r}" if two_d else name
        missing = _missing(data)
        if missing.size:
            raise ValueError(
                f"{where} has {missing.size} missing values (NA or null), the first in "
                f"row {missing[0]}; fill or drop them first"
            )
        dtype = _column_dtype(data)
        if dtype is None or dtype.kind not in "biuf":
            shown = data.type if hasattr(data, "null_count") else data.dtype
            raise TypeError(f"{where} must hold real numbers, got dtype {shown}")
        dtypes.append(dtype)
    return dtypes


def _missing(data):
    """The rows of a pandas or pyarrow column whose value is missing (NA, null). NaN in
    a column of a numpy float dtype is a number to pandas' users too: the finiteness
    check names it."""
    if hasattr(data, "null_count"):  # pyarrow
        if not data.null_count:
            return np.empty(0, dtype=np.intp)
        return np.flatnonzero(np.asarray(data.is_null()))
    if isinstance(data.dtype, np.dtype) and data.dtype.kind == "f":
        return np.empty(0, dtype=np.intp)
    return np.flatnonzero(np.asarray(data.isna()))


def _column_dtype(data):
    """The numpy dtype of a pandas or pyarrow column's values, None if it has none."""
    dtype = data.dtype if hasattr(data, "dtype") else None
    if isinstance(dtype, np.dtype):
        return dtype
    if dtype is not None:  # a pandas extension dtype: Float32, Int64, boolean, ...
        numpy_dtype = getattr(dtype, "numpy_dtype", None)
        return numpy_dtype if isinstance(numpy_dtype, np.dtype) else None
    try:
        return np.dtype(data.type.to_pandas_dtype())
    except (NotImplementedError, TypeError):  # dictionary, nested and other arrow types
        return None


def feature_names(X: Any) -> tuple[str, ...] | None:
    """The column names of a pandas DataFrame or a pyarrow Table or RecordBatch, as
    scikit-learn takes them (``_get_feature_names``): a tuple of str when every name is
    a str, None when none is (or X has no columns, or is no table).

    Raises
    ------
    TypeError
        If some names are str and some are not."""
    library = _library(X)
    if library == "pandas" and getattr(X, "ndim", 0) == 2:
        names = list(X.columns)
    elif library == "pyarrow" and hasattr(X, "column_names"):
        names = list(X.column_names)
    else:
        return None
    types = sorted({type(name).__qualname__ for name in names})
    if len(types) > 1 and "str" in types:
        raise TypeError(
            f"feature names are only supported if all input features have string names, "
            f"but the input has {types} as column name types; convert them all to "
            f"strings (X.columns = X.columns.astype(str)) or all to non-strings"
        )
    return tuple(names) if types == ["str"] else None


def as_feature_names(names: Any, n_features: int) -> tuple[str, ...] | None:
    """Feature names as a network keeps them: None, or a tuple of n_features str."""
    if names is None:
        return None
    if isinstance(names, (str, bytes)) or not isinstance(names, (Sequence, np.ndarray)):
        raise TypeError(
            f"feature_names must be None or a sequence of str, got {type(names).__name__}"
        )
    if len(names) != n_features:
        raise ValueError(
            f"feature_names must name the network's {n_features} input features, got "
            f"{len(names)} names"
        )
    for name in names:
        if not isinstance(name, str):
            raise TypeError(f"feature_names must be str, got {type(name).__name__} {name!r}")
    return tuple(names)


def check_feature_names(
    trained: tuple[str, ...] | None,
    given: tuple[str, ...] | None,
    stacklevel: int,
    name: str = "X",
) -> None:
    """scikit-learn's rule (``_check_feature_names``) for the column names of X (whose
    name is `name`) against those a network was trained with: a UserWarning when only
    one of them has names, a ValueError listing what differs when both have and they
    differ."""
    if trained is None and given is None:
        return
    if trained is None or given is None:
        warnings.warn(
            f"{name} has feature names, but the network was trained without feature names"
            if trained is None
            else f"{name} does not have valid feature names, but the network was trained "
            f"with feature names",
            UserWarning,
            stacklevel=stacklevel + 1,
        )
        return
    if trained == given:
        return
    unseen = sorted(set(given) - set(trained))
    missing = sorted(set(trained) - set(given))
    lines = [f"the feature names of {name} should match those the network was trained with."]
    if unseen:
        lines += ["Feature names unseen at training time:", *_listed(unseen)]
    if missing:
        lines += ["Feature names seen at training time, yet now missing:", *_listed(missing)]
    if not unseen and not missing:
        lines.append("Feature names must be in the same order as they were in training.")
    raise ValueError("\n".join(lines))


def _listed(names, most=5):
    return [f"- {name}" for name in names[:most]] + (["- ..."] if len(names) > most else [])


def _require_finite(array, name):
    if array.dtype.kind == "f" and not np.isfinite(array).all():
        bad = np.argwhere(~np.isfinite(array))[0]
        raise ValueError(
            f"{name} must be finite, found {array[tuple(bad)]} at index "
            f"{tuple(int(i) for i in bad)}"
        )


def check_out(out: Any, shape: tuple[int, ...], dtype: np.dtype[Any]) -> None:
    """Raise unless predict (or gradients) can write `shape` values of `dtype` into `out`: a
    numpy array of that shape and dtype (native byte order), C-contiguous, aligned and
    writeable."""
    if not isinstance(out, np.ndarray):
        raise TypeError(f"out must be a numpy array, got {type(out).__name__}")
    if out.dtype != dtype or not out.dtype.isnative:
        raise TypeError(f"out must have the network's dtype {dtype.name}, got {out.dtype.str}")
    if out.shape != shape:
        raise ValueError(f"out must have shape {shape}, got {out.shape}")
    if not out.flags.c_contiguous:
        raise ValueError("out must be C-contiguous, got an array that is not")
    if not out.flags.aligned:
        raise ValueError("out must be aligned, got an array that is not")
    if not out.flags.writeable:
        raise ValueError("out must be writeable, got a read-only array")


def as_inputs(
    X: ArrayLike,
    n_features: int,
    dtype: DTypeLike,
    name: str = "X",
    allow_single: bool = True,
    check_finite: bool = True,
) -> tuple[NDArray[Any], bool]:
    """(X as a C-contiguous (n, n_features) array of dtype, whether X was one 1-D sample).

    A scipy.sparse X comes back as a canonical CSR matrix (`sparse_inputs`), which the core
    reads through `core_rows`. check_finite=False leaves the check for inf and NaN in dense
    X to the core, which makes it as it reads the rows (fit, predict, evaluate) and reports
    the row to non_finite_error."""
    if _ready(X, n_features, dtype) and not (check_finite and first_non_finite(X.ravel()) >= 0):
        return X, False  # already what the core reads: no conversion to make
    if is_sparse(X):
        return sparse_inputs(X, n_features, dtype, name), False
    array = _numeric_array(X, name)
    _check_input_shape(array, n_features, name, allow_single)
    single = array.ndim == 1
    if single:
        array = array.reshape(1, -1)
    if array.shape[0] == 0:
        raise ValueError(f"{name} has no samples (shape {array.shape})")
    if array.shape[0] > MAX_DIMENSION:
        raise ValueError(f"{name} has more than {MAX_DIMENSION} samples")
    return _converted(array, name, dtype, check_finite), single


def _ready(X: object, n_features: int, dtype: DTypeLike) -> TypeGuard[NDArray[Any]]:
    """Whether X is a numpy array of rows exactly as the core reads them (2-D, C-contiguous,
    aligned, native dtype, the network's width, between 1 and MAX_DIMENSION rows)."""
    return (
        type(X) is np.ndarray
        and X.ndim == 2
        and X.dtype == dtype
        and X.shape[1] == n_features
        and 0 < X.shape[0] <= MAX_DIMENSION
        and X.flags.c_contiguous
        and X.flags.aligned
    )


def is_sparse(X):
    """Whether X is a scipy.sparse matrix or array (without importing scipy.sparse)."""
    kind = type(X)
    return (
        kind is not np.ndarray
        and kind.__module__.startswith("scipy.sparse")
        and hasattr(X, "tocsr")
    )


def sparse_inputs(X, n_features, dtype, name="X"):
    """X as a canonical CSR matrix of dtype values: column indices sorted within each row
    without duplicates (summed), all values finite; X itself is never changed.

    CSC, COO, DOK, LIL and the other formats are converted to CSR once (a copy of the
    nonzeros); a CSR matrix of the right types with canonical indices is used as it is."""
    import scipy.sparse

    if X.ndim != 2:
        raise ValueError(f"{name} must be 2-D, got a sparse array of {X.ndim} dimensions")
    if X.shape[1] != n_features:
        raise ValueError(
            f"{name} has {X.shape[1]} features, but the network expects {n_features}: "
            f"{name} must have shape (n_samples, {n_features}), got {X.shape}"
        )
    if X.shape[0] == 0:
        raise ValueError(f"{name} has no samples (shape {X.shape})")
    if X.shape[0] > MAX_DIMENSION:
        raise ValueError(f"{name} has more than {MAX_DIMENSION} samples")
    if X.dtype.kind not in "biuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {X.dtype}")
    csr = scipy.sparse.csr_matrix(X)  # a view of a CSR matrix's arrays, a conversion otherwise
    if not csr.has_canonical_format:  # unsorted or duplicate column indices
        csr = csr.copy()
        csr.sum_duplicates()  # sorts too
    with np.errstate(over="ignore"):
        data = for_the_core(csr.data, dtype)
    bad = first_non_finite(data)
    if bad >= 0:
        row, column = int(np.searchsorted(csr.indptr, bad, side="right") - 1), csr.indices[bad]
        given = csr.data[bad]
        if math.isfinite(float(given)):  # only the conversion to dtype made it non-finite
            name, given = f"{name} in {np.dtype(dtype).name}", data[bad]
        raise ValueError(f"{name} must be finite, found {given} at index ({row}, {column})")
    if data is not csr.data:
        csr = scipy.sparse.csr_matrix((data, csr.indices, csr.indptr), shape=csr.shape)
    return csr


def core_rows(X):
    """X as the core's entry points take it: a dense array as it is, a CSR matrix (from
    `sparse_inputs`) as the core's CSRRows (its int32 or int64 column indices as they are,
    its row starts as intp: a copy of those where scipy keeps them as int32)."""
    if is_sparse(X):
        indices = X.indices if X.indices.dtype in (np.int32, np.intp) else X.indices.astype(np.intp)
        indptr = for_the_core(X.indptr, np.intp)
        return _compiled.core.CSRRows(
            X.data, for_the_core(indices, indices.dtype), indptr, X.shape[1]
        )
    return X


def _check_input_shape(array, n_features, name, allow_single):
    """X is (n_samples, n_features), or with allow_single one sample (n_features,)."""
    expected = f"(n_samples, {n_features})" + (f" or ({n_features},)" if allow_single else "")
    shape = f"{name} must have shape {expected}, got {array.shape}"
    if array.ndim == 2 or (array.ndim == 1 and allow_single):
        if array.shape[-1] != n_features:
            raise ValueError(
                f"{name} has {array.shape[-1]} features, but the network expects "
                f"{n_features}: {shape}"
            )
        return
    if array.ndim == 1 and n_features == 1:
        hint = f"; with one feature per sample, pass {name}.reshape(-1, 1)"
    elif array.ndim == 1 and array.shape[0] == n_features:
        hint = f"; for a single sample, pass {name}.reshape(1, -1)"
    else:
        hint = ""
    raise ValueError(
        f"{name} must be 2-D, one row per sample, but it is {array.ndim}-D: {shape}{hint}"
    )


def for_the_core(array, dtype):
    """array as the core reads it: C-contiguous, aligned, of dtype (native byte order);
    a copy only where it is not already."""
    converted = np.ascontiguousarray(array, dtype=dtype)
    # numpy keeps a misaligned view as it is, and the core's typed loads need alignment
    return converted if converted.flags.aligned else converted.copy()


def _converted(array, name, dtype, check_finite=True):
    """array as C-contiguous, aligned dtype, finite before and after (float32 can
    overflow)."""
    with np.errstate(over="ignore"):
        converted = for_the_core(array, dtype)
    if check_finite:
        bad = first_non_finite(converted.reshape(-1))
        if bad >= 0:
            row_width = converted.size // len(converted)
            raise non_finite_error(array, converted, name, bad // row_width)
    return converted


def target_kind(Y, labels=None):
    """What checked targets stand for: the one place that decides it.

    "labels" (class labels, given as `labels`), "one_hot" rows, "binary" (one output
    of 0/1 targets), or "real" values (no classes).
    """
    if labels is not None:
        return "labels"
    if not np.isin(Y, (0, 1)).all():
        return "real"
    if Y.shape[1] == 1:
        return "binary"
    return "one_hot" if (Y.sum(axis=1) == 1).all() else "real"


def predicted_classes(outputs: NDArray[np.floating]) -> NDArray[np.intp]:
    """The class that each row of a network's outputs stands for.

    The one rule of fcnn's accuracy and of ``fcnn predict``: the index of the largest
    output, or, for one output, 1 where it is >= 0.5 and 0 elsewhere.

    Parameters
    ----------
    outputs : ndarray, shape (n_samples, n_outputs)
        Output activations, as `Network.predict` returns them for 2-D X.

    Returns
    -------
    ndarray of intp, shape (n_samples,)

    Examples
    --------
    >>> import numpy as np
    >>> from fcnn._validation import predicted_classes
    >>> predicted_classes(np.array([[0.2, 0.7, 0.1], [0.6, 0.3, 0.1]])).tolist()
    [1, 0]
    >>> predicted_classes(np.array([[0.5], [0.49]])).tolist()
    [1, 0]
    """
    if outputs.shape[1] == 1:
        return (outputs[:, 0] >= 0.5).astype(np.intp)
    return outputs.argmax(axis=1)


def check_dropout(dropout, n_hidden_layers, input_dropout=0.0):
    """Dropout's rates on the inputs of each layer, as the core takes them: the data's
    (input_dropout), then each hidden layer's activations' (dropout: one rate for every
    hidden layer, or a sequence of one rate per hidden layer). Each in [0, 1)."""
    rates = [check_hyperparameter(input_dropout, "input_dropout", high=1, high_open=True)]
    if isinstance(dropout, float) or np.ndim(dropout) == 0:  # np.ndim is slow for a float
        rate = check_hyperparameter(dropout, "dropout", high=1, high_open=True)
        if rate > 0 and n_hidden_layers == 0:
            raise ValueError("dropout acts on hidden layers, and this network has none")
        return (*rates, *[rate] * n_hidden_layers)
    if np.ndim(dropout) != 1 or len(dropout) != n_hidden_layers:
        raise ValueError(
            f"dropout must be one rate, or one rate per hidden layer ({n_hidden_layers}), "
            f"got {dropout!r}"
        )
    for k, rate in enumerate(dropout):
        rates.append(check_hyperparameter(rate, f"dropout[{k}]", high=1, high_open=True))
    return tuple(rates)


def non_finite_error(original, converted, name, row):
    """The ValueError for an inf or NaN that the core, or the check before it, found in row
    `row` of an input: where it stands in the user's array, or, where only the conversion to
    the network's dtype made it non-finite (a float64 too large for float32), in the
    converted one. Reads that row alone."""
    converted_row = converted.reshape(converted.shape[0], -1)[row]
    column = int(np.flatnonzero(~np.isfinite(converted_row))[0])
    given = np.asarray(original)
    index = np.unravel_index(row * converted_row.shape[0] + column, given.shape)
    value = given[index]
    if math.isfinite(float(value)):
        name, value, index = f"{name} in {converted.dtype}", converted_row[column], (row, column)
    index = tuple(int(i) for i in index)
    return ValueError(f"{name} must be finite, found {value} at index {index}")


def as_targets(
    Y,
    n_samples,
    n_outputs,
    dtype,
    name="Y",
    single=False,
    check_finite=True,
    cost=None,
    one_hot=True,
    check_range=True,
):
    """(Y as a C-contiguous (n_samples, n_outputs) array of dtype, integer labels or None).

    Y is either targets of shape (n_samples, n_outputs), or, when n_outputs > 1, integer
    class labels of shape (n_samples,), turned into one-hot rows. With n_outputs == 1 a
    1-D Y holds the one target of each sample. `single`: X was one 1-D sample, so Y is
    that sample's target vector or label. `cost`: the network's Cost, whose
    `target_range` (for a cost that takes logarithms) targets must lie in, or whose
    `binary_targets` they must be (0 or 1). `one_hot=False`:
    for labels, return (None, labels), leaving the one-hot rows unmade.
    `check_range=False` (with one_hot=False): intp labels are not checked to lie in
    [0, n_outputs): the caller checks them in one pass of the core (all_labels_in_range).
    """
    array = _numeric_array(Y, name)
    if single and array.ndim == 0:
        array = array.reshape(1)
    elif single and array.ndim == 1 and n_outputs > 1 and array.size == n_outputs:
        array = array.reshape(1, n_outputs)
    if array.ndim == 1 and n_outputs == 1:
        array = array[:, np.newaxis]
    if array.ndim == 1:
        labels = _as_labels(array, n_outputs, name, check_range)
        if labels.shape[0] != n_samples:
            raise ValueError(f"{name} has {labels.shape[0]} labels but X has {n_samples} samples")
        return (one_hot_rows(labels, n_outputs, dtype) if one_hot else None), labels
    if array.ndim != 2 or array.shape[1] != n_outputs:
        width = (
            f"{name} has {array.shape[1]} columns, but the network has {n_outputs} outputs: "
            if array.ndim == 2
            else ""
        )
        raise ValueError(
            f"{width}{name} must have shape ({n_samples}, {n_outputs}) or, for "
            f"class labels, ({n_samples},); got {array.shape}"
        )
    if array.shape[0] != n_samples:
        raise ValueError(f"{name} has {array.shape[0]} rows but X has {n_samples} samples")
    converted = _converted(array, name, dtype, check_finite)
    if cost is not None and cost.target_range is not None:
        _require_in_range(converted, name, cost)
    if cost is not None and cost.binary_targets:
        _require_binary(converted, name, cost)
    return converted, None


def one_hot_rows(labels, n_outputs, dtype):
    """The (len(labels), n_outputs) one-hot rows of checked labels."""
    return _identity(n_outputs, np.dtype(dtype)).take(labels, axis=0)


@functools.lru_cache(maxsize=16)
def _identity(n, dtype):
    """The n x n identity matrix, read-only: one_hot_rows takes its rows for every batch."""
    identity = np.eye(n, dtype=dtype)
    identity.flags.writeable = False
    return identity


def _require_binary(targets, name, cost):
    # NaN passes here, as in _require_in_range.
    outside = (targets != 0) & (targets != 1) & ~np.isnan(targets)
    if outside.any():
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        raise ValueError(
            f"{name} must hold binary labels 0 or 1 for the cost {cost.name!r}, found "
            f"{targets[index]} at index {index}"
        )


def _require_in_range(targets, name, cost):
    # NaN passes here: the finiteness check (maybe the core's) names it.
    low, high = cost.target_range
    outside = (targets < low) | (targets > high)
    if outside.any():
        index = tuple(int(i) for i in np.argwhere(outside)[0])
        what = f"values >= {low:g}" if high == np.inf else f"probabilities in [{low:g}, {high:g}]"
        raise ValueError(
            f"{name} must hold {what} for a cost that takes logarithms ({cost.name}), "
            f"found {targets[index]} at index {index}"
        )


def _as_labels(array, n_classes, name, check_range=True):
    if array.dtype.kind == "f":
        _require_finite(array, name)
        if not np.array_equal(array, np.round(array)):
            raise ValueError(
                f"{name} is 1-D, so it must hold integer class labels in "
                f"[0, {n_classes}), but it holds non-integers"
            )
    elif array.dtype == np.intp and not check_range:
        return for_the_core(array, np.intp)
    # the range is checked before the cast to intp, which would wrap or overflow
    if array.size and (array.min() < 0 or array.max() >= n_classes):
        raise label_range_error(array, n_classes, name)
    return for_the_core(array, np.intp)  # no copy of intp labels


def label_range_error(labels, n_classes, name="Y"):
    """The ValueError for class labels outside [0, n_classes)."""
    return ValueError(
        f"{name} class labels must lie in [0, {n_classes}), got values from "
        f"{np.min(labels)} to {np.max(labels)}"
    )


def as_sample_weight(sample_weight, n_samples, dtype, name="sample_weight"):
    """Per-sample weights: 1-D, one per sample, finite, >= 0 and not all zero, as
    `scaled_weights` gives them in dtype."""
    array = _numeric_array(sample_weight, name)
    if array.shape != (n_samples,):
        raise ValueError(
            f"{name} must have shape ({n_samples},), one weight per sample, got {array.shape}"
        )
    array = _converted(array, name, np.float64)
    if (array < 0).any():
        raise ValueError(f"{name} must be >= 0, found {array.min()}")
    return scaled_weights(array, dtype, f"the sample weights ({name})")


def scaled_weights(weights, dtype, what):
    """Weights (finite, >= 0, not all zero), times the power of two that brings the
    largest into [0.5, 1), in dtype: the one rule for sample and class weights.

    Only ratios of weights matter (fit and gradients divide by their mean, evaluate by
    their sum), and no sum of up to MAX_DIMENSION of these overflows, in either dtype,
    as a sum of the weights as given can (2e307 in float64). The scaling is exact, so
    the results are those of the weights as given, bit for bit, wherever their sum did
    not overflow (only weights some 2**126 (float32) below the largest lose bits to
    underflow)."""
    largest = weights.max()
    if not largest > 0:
        raise ValueError(f"{what} must not all be zero")
    with np.errstate(under="ignore"):
        return np.ldexp(weights, -np.frexp(largest)[1]).astype(dtype)


def mean_one_weights(weights, what):
    """Weights (finite, >= 0, not all zero) divided by their mean, in their dtype: the
    cost they weigh is a weighted average over the examples, as fit trains on it."""
    scaled = scaled_weights(weights, weights.dtype, what)
    return scaled / scaled.mean()
