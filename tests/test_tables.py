"""Data as users have it: pandas and pyarrow tables, objects with ``__array__`` and DLPack
producers go wherever numpy arrays go, with the same results bit for bit; float32 columns
stay float32; missing values name their column; the column names a network was trained
with are checked, saved and loaded (Network.feature_names, the estimators'
feature_names_in_)."""

import pickle
import warnings

import numpy as np
import pytest
from conftest import run_python

import fcnn
from fcnn._validation import _numeric_array

pd = pytest.importorskip("pandas")
try:
    import pyarrow as pa
except ImportError:  # not installed, or built for a newer NumPy (pyarrow 26 needs NumPy 2)
    pa = None
needs_pyarrow = pytest.mark.skipif(pa is None, reason="pyarrow does not import")

# every warning is one of the feature-name checks', which the tests ask for by name
pytestmark = pytest.mark.filterwarnings("error")

NAMES = ["sepal", "petal", "stem"]


def data(dtype=np.float64, n=24):
    rng = np.random.default_rng(0)
    return rng.random((n, 3)).astype(dtype), np.arange(n) % 2


def frame(X):
    return pd.DataFrame(X, columns=NAMES)


def table(X):
    return pa.table({name: X[:, j] for j, name in enumerate(NAMES)})


TABLES = [
    pytest.param(frame, id="DataFrame"),
    pytest.param(table, id="pyarrow", marks=needs_pyarrow),
]


class DLPackOnly:
    """A DLPack producer without ``__array__`` (as some array libraries are)."""

    def __init__(self, array):
        self.array = array

    def __dlpack__(self, **options):
        return self.array.__dlpack__(**options)

    def __dlpack_device__(self):
        return self.array.__dlpack_device__()


class ArrayOnly:
    def __init__(self, array):
        self.array = array

    def __array__(self, dtype=None, copy=None):
        return self.array


def trained(X, y, dtype, **options):
    net = fcnn.Network([3, 4, 2], seed=0, dtype=dtype)
    history = net.fit(X, y, epochs=2, batch_size=5, validation_split=0.25, **options)
    return net, history


CONTAINERS = {
    "DataFrame": (frame, lambda v: pd.Series(v, name="target")),
    "pyarrow Table": (table, lambda v: pa.array(v)),
    "pyarrow RecordBatch": (
        lambda X: pa.RecordBatch.from_pandas(frame(X)),
        lambda v: pa.chunked_array([v[:5], v[5:]]),
    ),
    "DLPack": (DLPackOnly, DLPackOnly),
    "__array__": (ArrayOnly, ArrayOnly),
}


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize(
    "container",
    [pytest.param(c, marks=needs_pyarrow if "pyarrow" in c else ()) for c in sorted(CONTAINERS)],
)
def test_every_entry_point_gives_the_numpy_results_bit_for_bit(container, dtype):
    make_X, make_vector = CONTAINERS[container]
    X, y = data(dtype)
    w = np.linspace(0.5, 1.5, len(y))
    reference, history = trained(X, y, dtype, sample_weight=w)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # names where there are names, none where not
        net, other = trained(make_X(X), make_vector(y), dtype, sample_weight=make_vector(w))
        assert np.array_equal(net.theta, reference.theta)
        assert other.cost == history.cost and other.val_cost == history.val_cost
        assert np.array_equal(net.predict(make_X(X)), reference.predict(X))
        assert net.evaluate(make_X(X), make_vector(y)) == reference.evaluate(X, y)
        assert np.array_equal(
            net.gradients(make_X(X), make_vector(y)).flat, reference.gradients(X, y).flat
        )
        assert np.array_equal(net.trace(make_X(X)).a[-1], reference.trace(X).a[-1])
        assert net.step(make_X(X), make_vector(y), lr=0.1) == reference.step(X, y, lr=0.1)
        assert np.array_equal(net.theta, reference.theta)
        validation = (make_X(X[:6]), make_vector(y[:6]))
        net.fit(make_X(X), make_vector(y), validation_data=validation)
        reference.fit(X, y, validation_data=(X[:6], y[:6]))
        assert np.array_equal(net.theta, reference.theta)


def test_torch_tensors_through_dlpack_and_array():
    torch = pytest.importorskip("torch")
    X, y = data(np.float32)
    reference, _ = trained(X, y, np.float32)
    net, _ = trained(torch.from_numpy(X), torch.from_numpy(y), np.float32)
    assert np.array_equal(net.theta, reference.theta)
    assert np.array_equal(net.predict(torch.from_numpy(X)), reference.predict(X))
    assert _numeric_array(torch.from_numpy(X), "X").dtype == np.float32
    with pytest.raises(TypeError, match="X must be array-like numbers: .*grad"):
        net.predict(torch.ones(2, 3, requires_grad=True))


@pytest.mark.parametrize("make", TABLES)
def test_float32_columns_stay_float32(make):
    X, _ = data(np.float32)
    converted = _numeric_array(make(X), "X")
    assert converted.dtype == np.float32 and np.array_equal(converted, X)
    mixed = _numeric_array(pd.DataFrame({"a": X[:, 0], "b": np.arange(len(X))}), "X")
    assert mixed.dtype == np.float64  # float32 and int64 columns: numpy's common type


def test_a_subclass_of_a_dataframe_is_a_dataframe():
    class Frame(pd.DataFrame):  # as geopandas' GeoDataFrame, defined outside pandas
        @property
        def _constructor(self):
            return Frame

    X, y = data()
    net, _ = trained(Frame(X, columns=NAMES), y, np.float64)
    assert net.feature_names == tuple(NAMES)
    assert np.array_equal(net.theta, trained(X, y, np.float64)[0].theta)


@needs_pyarrow
def test_pyarrow_columns_of_several_chunks_and_types():
    columns = {
        "a": pa.chunked_array([[1.0, 2.0], [3.0]], pa.float32()),
        "b": pa.chunked_array([[1], [2, 3]], pa.int8()),
        "c": pa.array([True, False, True]),
    }
    converted = _numeric_array(pa.table(columns), "X")
    assert converted.dtype == np.float32 and converted.flags.c_contiguous
    assert converted.tolist() == [[1, 1, 1], [2, 2, 0], [3, 3, 1]]


MISSING = {
    "pandas Float64 NA": lambda: pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": pd.array([1.0, None, 2.0], dtype="Float64")}
    ),
    "pandas Int64 NA": lambda: pd.DataFrame(
        {"a": [1.0, 2.0, 3.0], "b": pd.array([1, 2, None], dtype="Int64")}
    ),
    "pyarrow null": lambda: pa.table({"a": [1.0, 2.0, 3.0], "b": [1.0, None, None]}),
}


@pytest.mark.parametrize(
    "case",
    [pytest.param(c, marks=needs_pyarrow if "pyarrow" in c else ()) for c in sorted(MISSING)],
)
def test_missing_values_are_a_value_error_naming_the_column(case):
    named = fcnn.Network([2, 1], seed=0)
    named.feature_names = ["a", "b"]
    with pytest.raises(ValueError, match=r"X column 'b' has \d missing values .* first in row"):
        named.predict(MISSING[case]())


@pytest.mark.parametrize(
    "vector",
    [
        pytest.param(lambda v: pd.Series(v, dtype="Float64"), id="pandas"),
        pytest.param(lambda v: pa.array(v), id="pyarrow", marks=needs_pyarrow),
    ],
)
def test_missing_targets_and_weights_are_a_value_error(vector):
    net = fcnn.Network([2, 1], seed=0)
    with pytest.raises(ValueError, match="Y has 1 missing values .* row 1"):
        net.fit(np.zeros((2, 2)), vector([1.0, None]))
    with pytest.raises(ValueError, match="sample_weight has 1 missing values .* row 0"):
        net.fit(np.zeros((2, 2)), np.zeros(2), sample_weight=vector([None, 1.0]))


def test_a_float_columns_nan_is_named_by_the_finiteness_check():
    net = fcnn.Network([2, 1], seed=0)
    net.feature_names = ["a", "b"]
    with pytest.raises(ValueError, match=r"X must be finite, found nan at index \(1, 0\)"):
        net.predict(pd.DataFrame({"a": [1.0, np.nan], "b": [1.0, 2.0]}))


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(pd.DataFrame, id="pandas"),
        pytest.param(lambda columns: pa.table(columns), id="pyarrow", marks=needs_pyarrow),
    ],
)
def test_a_column_of_other_things_than_numbers_is_a_type_error_naming_it(make):
    values = make({"a": [1.0], "b": ["x"]})
    net = fcnn.Network([2, 1], seed=0)
    net.feature_names = ["a", "b"]
    with pytest.raises(TypeError, match="X column 'b' must hold real numbers"):
        net.predict(values)


# ---------------------------------------------------------------------- feature names


@pytest.mark.parametrize("make", TABLES)
def test_names_are_recorded_by_training_and_checked(make):
    X, y = data()
    net = fcnn.Network([3, 4, 2], seed=0)
    assert net.feature_names is None
    net.fit(make(X), y)
    assert net.feature_names == tuple(NAMES)
    reordered = pd.DataFrame(X, columns=NAMES[::-1])
    with pytest.raises(ValueError, match="must be in the same order"):
        net.predict(reordered)
    with pytest.raises(ValueError, match="must be in the same order"):
        net.fit(reordered, y)  # training goes on with the names it began with
    renamed = pd.DataFrame(X, columns=["sepal", "petal", "leaf"])
    with pytest.raises(ValueError, match="unseen at training time:\n- leaf\n.*\n- stem"):
        net.evaluate(renamed, y)
    wider = pd.DataFrame(np.zeros((1, 4)), columns=[*NAMES, "root"])
    with pytest.raises(ValueError, match="unseen at training time:\n- root"):
        net.trace(wider)  # the names are checked before the width
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        net.predict(X)
    with pytest.warns(UserWarning, match="X does not have valid feature names"):
        net.gradients(X, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        net.predict(X[0])  # one 1-D sample has no names
        net.step(X[0], y[0], lr=0.1)


def test_the_validation_datas_names_are_checked_against_the_trained_ones():
    X, y = data()
    net = fcnn.Network([3, 4, 2], seed=0)
    reordered = pd.DataFrame(X, columns=NAMES[::-1])
    with pytest.raises(ValueError, match="names of X_val should match .*\n.* same order"):
        net.fit(frame(X), y, validation_data=(reordered, y))
    assert net.feature_names is None  # nothing trained
    with pytest.warns(UserWarning, match="X_val does not have valid feature names"):
        net.fit(frame(X), y, validation_data=(X, y))
    with pytest.warns(UserWarning, match="X_val has feature names, but the network was"):
        fcnn.Network([3, 4, 2], seed=0).fit(X, y, validation_data=(frame(X), y))


def test_a_network_trained_without_names_warns_of_names_and_step_records_them():
    X, y = data()
    net = fcnn.Network([3, 4, 2], seed=0)
    with pytest.warns(UserWarning, match="X has feature names, but the network was trained"):
        net.predict(frame(X))
    net.step(frame(X), y, lr=0.1)
    assert net.feature_names == tuple(NAMES)


def test_names_follow_scikit_learns_rule():
    net = fcnn.Network([2, 1], seed=0)
    net.fit(pd.DataFrame(np.zeros((2, 2))), np.zeros(2))  # integer column names: none
    assert net.feature_names is None
    with pytest.raises(TypeError, match="only supported if all input features have string"):
        net.fit(pd.DataFrame(np.zeros((2, 2)), columns=["a", 1]), np.zeros(2))


def test_the_names_are_assigned_checked():
    net = fcnn.Network([2, 1], seed=0)
    net.feature_names = np.array(["a", "b"], dtype=object)
    assert net.feature_names == ("a", "b")
    net.feature_names = None
    assert net.feature_names is None
    with pytest.raises(ValueError, match="name the network's 2 input features, got 3"):
        net.feature_names = ["a", "b", "c"]
    with pytest.raises(TypeError, match="feature_names must be str, got int"):
        net.feature_names = ["a", 1]
    with pytest.raises(TypeError, match="a sequence of str, got str"):
        net.feature_names = "ab"


def test_names_are_saved_pickled_and_loaded(tmp_path):
    X, y = data()
    net, _ = trained(frame(X), y, np.float64)
    header, arrays = net.state()
    assert header["feature_names"] == NAMES
    net.save(tmp_path / "named.fcnn")
    for copy in (
        fcnn.Network.from_state(header, arrays),
        pickle.loads(pickle.dumps(net)),
        fcnn.load(tmp_path / "named.fcnn"),
    ):
        assert copy.feature_names == tuple(NAMES)
        with pytest.raises(ValueError, match="same order"):
            copy.predict(pd.DataFrame(X, columns=NAMES[::-1]))
    unnamed = fcnn.Network([3, 4, 2], seed=0)
    assert "feature_names" not in unnamed.state()[0]  # as before: older fcnn reads it
    target = fcnn.Network([3, 4, 2], seed=1)
    target.__setstate__(net.__getstate__())
    assert target.feature_names == tuple(NAMES)


def test_a_header_too_long_for_the_format_is_not_written(tmp_path):
    net = fcnn.Network([2, 1], seed=0)
    net.feature_names = ["x" * 2**23, "y" * 2**23]
    with pytest.raises(ValueError, match="over the format's limit"):
        net.save(tmp_path / "long.fcnn")
    assert not (tmp_path / "long.fcnn").exists()


# ---------------------------------------------------------------------- the estimators


@pytest.mark.parametrize("make", TABLES)
def test_estimators_record_and_save_the_names(make, tmp_path):
    from fcnn.sklearn import FCNNClassifier, FCNNRegressor

    X, y = data()
    for estimator in (FCNNClassifier(epochs=3, tol=None), FCNNRegressor(epochs=3, tol=None)):
        estimator.set_params(random_state=0)
        reference = estimator.__class__(**estimator.get_params()).fit(X, y)
        estimator.fit(make(X), y)
        assert list(estimator.feature_names_in_) == NAMES and estimator.n_features_in_ == 3
        assert np.array_equal(estimator.network_.theta, reference.network_.theta)
        assert np.array_equal(estimator.predict(make(X)), reference.predict(X))
        estimator.partial_fit(make(X), y)  # the network's names stay through training
        assert estimator.network_.feature_names == tuple(NAMES)
        estimator.network_.save(tmp_path / "estimator.fcnn")
        assert fcnn.load(tmp_path / "estimator.fcnn").feature_names == tuple(NAMES)
        with pytest.raises(ValueError, match="same order"):
            estimator.predict(pd.DataFrame(X, columns=NAMES[::-1]))
        with pytest.raises(ValueError, match="X column 'b' has 1 missing values"):
            estimator.predict(MISSING["pandas Float64 NA"]().assign(c=1.0))


def test_importing_fcnn_imports_neither_pandas_nor_pyarrow(tmp_path):
    # (fcnn.sklearn imports scikit-learn, which imports pandas where it is installed)
    code = "import sys, fcnn; print(sorted({'pandas', 'pyarrow'} & set(sys.modules)))"
    result = run_python(code, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_a_stream_of_data_frames_names_the_network_and_checks_every_chunk():
    X = pd.DataFrame(np.random.default_rng(0).normal(size=(60, 3)), columns=["a", "b", "c"])
    y = np.arange(60) % 2
    net = fcnn.Network([3, 4, 2], seed=0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no warning about names that the chunks do have
        net.fit([(X[:30], y[:30]), (X[30:], y[30:])], epochs=2, lr=0.1)
    assert net.feature_names == ("a", "b", "c")
    swapped = X[["b", "a", "c"]]
    with pytest.raises(ValueError, match="order"):
        net.fit([(X[:30], y[:30]), (swapped[30:], y[30:])], epochs=1, lr=0.1)
