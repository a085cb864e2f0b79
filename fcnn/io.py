"""Model files: save a Network to one file and load it back, without pickle.

The format (docs/model-format.md) is a fixed 24-byte prefix, a JSON header and the raw
little-endian arrays of ``Network.state()``:

    offset 0    magic  b"\\x89FCNN\\r\\n\\n"              8 bytes
    offset 8    format version, uint32 little-endian     (1)
    offset 12   header length H in bytes, uint64 LE
    offset 20   CRC-32 (zlib.crc32) of everything after the prefix, uint32 LE
    offset 24   header: UTF-8 JSON {"network": state header, "arrays": directory}
    offset 24+H payload: the arrays, back to back, in the directory's order

`save` writes atomically (a temporary file in the same folder, fsync, os.replace), so a
crash or an error leaves the previous file as it was. `load` trusts nothing in the file:
every length is checked against the limits and the file's size before anything is
allocated, and anything malformed raises ModelFileError. It also reads the JSON files of
Nielsen's network2.py ``save()``.
"""

from __future__ import annotations

import functools
import itertools
import json
import os
import re
import reprlib
import stat
import zlib
from collections.abc import Mapping
from io import BytesIO
from typing import IO, Any, NoReturn

import numpy as np

from . import _model_file, optimizers
from ._model_file import PREFIX, PREFIX_SIZE
from ._validation import MAX_DIMENSION, check_sizes
from .network import Network

__all__ = ["ModelFileError", "save", "load", "MAGIC", "FORMAT_VERSION"]

MAGIC = _model_file.MAGIC
"""The 8 bytes every fcnn model file starts with (PNG-style: a non-ASCII first byte, and
the line endings that a text-mode transfer would change)."""
FORMAT_VERSION = _model_file.FORMAT_VERSION
"""The version of the model format that `save` writes and `load` reads."""

MAX_HEADER_BYTES = _model_file.MAX_HEADER_BYTES
MAX_NIELSEN_BYTES = 64 * 2**20
MAX_UNSIZED_BYTES = 64 * 2**20  # what is read of a file whose size the system gives as 0
_BYTES_PER_CONTAINER = 8
_FEW_CONTAINERS = 2**17  # about 9 MiB of Python objects
_DTYPES: dict[str, np.dtype] = {"<f4": np.dtype("<f4"), "<f8": np.dtype("<f8")}
_ENTRY_KEYS = {"name", "dtype", "shape", "offset", "length"}
_NIELSEN_COSTS = {"CrossEntropyCost": "cross_entropy", "QuadraticCost": "quadratic"}
# What a file with the wrong magic most likely is, for the error message.
_OTHER_FORMATS = [
    (b"\x1f\x8b", "gzip data"),
    (b"PK\x03\x04", "a zip archive (.npz?)"),
    (b"\x93NUMPY", "a NumPy .npy file"),
    (b"\x80", "a Python pickle"),
    (b"BZh", "bzip2 data"),
    (b"\xfd7zXZ", "xz data"),
    (b"\x28\xb5\x2f\xfd", "zstd data"),
]


class ModelFileError(ValueError):
    """The file is not a well-formed fcnn model file (or network2.py JSON file).

    Raised by `load` for a path that is not a regular file, a wrong magic number, an
    unknown format version, a truncated, oversized or inconsistent file, a checksum
    mismatch, a field of the wrong type or out of range, or non-finite contents. The
    message starts with the file's path and says what is wrong, naming the field. A
    subclass of ValueError.

    See Also
    --------
    load : Read a model file.

    Examples
    --------
    >>> import os, tempfile
    >>> import fcnn
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "notes.txt")
    ...     with open(path, "wb") as file:
    ...         _ = file.write(b"hello")
    ...     try:
    ...         fcnn.load(path)
    ...     except fcnn.ModelFileError as error:
    ...         print(str(error).removeprefix(path + ": "))  # doctest: +ELLIPSIS
    not an fcnn model file: it starts with b'hello'; an fcnn model file starts with ...
    """


# ---------------------------------------------------------------------- saving


def save(net: Network, path: str | bytes | os.PathLike[Any]) -> None:
    """Write a network to a model file, atomically.

    The file holds the network's parameters, configuration, shuffling random generator,
    optimizer state, averages and training position (docs/model-format.md): a 24-byte
    prefix (`MAGIC`, `FORMAT_VERSION`, header length, CRC-32), a JSON header and the raw
    little-endian arrays of ``net.state()``. It is written to a temporary file in the
    same folder, synced to disk and renamed over `path`, so `path` is always either the
    previous file or the complete new one. A save during ``net.fit`` waits for the fit to finish.

    Parameters
    ----------
    net : Network
        The network to save.
    path : str, bytes or os.PathLike
        The file to write. An existing file is replaced and keeps its permission bits (a
        new one gets the umask's); through a symlink, the file it points to is replaced.

    Raises
    ------
    TypeError
        If `net` is not an `fcnn.Network`.
    ValueError
        If a parameter is inf or NaN, or the feature names take more than the format's
        16 MiB header: the file could not be loaded.
    OSError
        If the file cannot be written (the previous file, if any, is left as it was).

    See Also
    --------
    load : Read the network back.
    Network.save : The same, as a method.

    Examples
    --------
    >>> import os, tempfile
    >>> import numpy as np
    >>> import fcnn
    >>> from fcnn.io import save
    >>> net = fcnn.Network([2, 3, 1], seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "net.fcnn")
    ...     save(net, path)
    ...     loaded = fcnn.load(path)
    >>> bool(np.array_equal(loaded.theta, net.theta))
    True
    """
    if not isinstance(net, Network):
        raise TypeError(f"net must be an fcnn.Network, got {type(net).__name__}")
    _model_file.write(path, *net.state())  # as Network.save: the state waits for a fit


# ---------------------------------------------------------------------- loading


def load(
    path: str | bytes | os.PathLike[Any], *, custom_objects: Mapping[str, type] | None = None
) -> Network:
    """Read the network saved in a model file.

    Reads the files `save` writes, and the JSON files of Nielsen's network2.py
    ``save()`` (a float64 sigmoid network with his cost). Nothing in the file is
    trusted: every declared length is checked against the format's limits and the
    file's size before anything is allocated, so memory use is bounded by a small
    multiple of the file's size, and nothing is unpickled or decompressed.

    Parameters
    ----------
    path : str, bytes or os.PathLike
        The model file. It must be a regular file (or a symlink to one): a FIFO or a
        device is refused before it is opened for reading.
    custom_objects : mapping of str to type, optional
        The classes of the network's user-defined activations and cost, by the name each
        sets: the file holds their names and configs, never their code. Each is rebuilt
        as ``custom_objects[name](**config)``, the config without its name (see
        `fcnn.activations.Activation`).

    Returns
    -------
    Network
        The saved network: the same parameters, configuration, shuffling random
        generator, optimizer state, averages and training position, bit for bit.

    Raises
    ------
    ModelFileError
        If the file is not a complete, consistent model file (see `ModelFileError`), or
        names a user-defined function that `custom_objects` does not give.
    OSError
        If the file cannot be opened, e.g. FileNotFoundError.

    See Also
    --------
    save : Write a model file.

    Examples
    --------
    >>> import os, tempfile
    >>> import fcnn
    >>> net = fcnn.Network([2, 3, 1], seed=0)
    >>> with tempfile.TemporaryDirectory() as folder:
    ...     path = os.path.join(folder, "net.fcnn")
    ...     net.save(path)
    ...     loaded = fcnn.load(path)
    >>> loaded.sizes
    (2, 3, 1)
    """
    name = os.fsdecode(os.fspath(path))
    if not stat.S_ISREG(os.stat(path).st_mode):  # a FIFO or device could block or act
        raise ModelFileError(f"{name}: not a regular file")
    nonblocking = getattr(os, "O_NONBLOCK", 0)  # POSIX
    with open(os.open(path, os.O_RDONLY | nonblocking | getattr(os, "O_BINARY", 0)), "rb") as file:
        if not stat.S_ISREG(os.fstat(file.fileno()).st_mode):  # replaced since the stat
            raise ModelFileError(f"{name}: not a regular file")
        if nonblocking:
            os.set_blocking(file.fileno(), True)
        reader = _Reader.of(file, name)
        start = reader.peek(len(MAGIC))
        if not start:
            reader.fail("the file is empty")
        if start[:1] in (b"{", b" ", b"\t", b"\r", b"\n"):
            return _load_nielsen(reader)
        if len(start) < len(MAGIC) and MAGIC.startswith(start):
            reader.fail(f"truncated: the file is only the first {len(start)} bytes of the magic")
        if start != MAGIC:
            reader.fail(_wrong_magic(start))
        return _load_fcnn(reader, custom_objects)


class _Reader:
    """Bounded reads from an open file whose size was taken once."""

    def __init__(self, file: IO[bytes], size: int, path: str) -> None:
        self.file, self.size, self.path = file, size, path

    @classmethod
    def of(cls, file: IO[bytes], path: str) -> _Reader:
        """A reader of `file`; one whose size the system gives as 0 (/proc and the like
        make the contents when read) is read into memory first, up to MAX_UNSIZED_BYTES."""
        size = os.fstat(file.fileno()).st_size
        if size > 0:
            return cls(file, size, path)
        contents = bytearray()
        while len(contents) <= MAX_UNSIZED_BYTES:
            chunk = file.read(2**16)
            if not chunk:
                return cls(BytesIO(contents), len(contents), path)
            contents += chunk
        raise ModelFileError(
            f"{path}: the system gives its size as 0 and it holds over {MAX_UNSIZED_BYTES} bytes"
        )

    def fail(self, reason: str) -> NoReturn:
        raise ModelFileError(f"{self.path}: {reason}")

    def peek(self, count):
        data = self.file.read(count)
        self.file.seek(0)
        return data

    def read_exactly(self, count, what):
        data = self.file.read(count)
        if len(data) != count:
            self.fail(f"truncated: {what} needs {count} bytes, the file has {len(data)} left")
        return data

    def check_end(self):
        if self.file.read(1):
            self.fail("unexpected bytes after the last array (the file grew while reading?)")


def _wrong_magic(start):
    guess = next((kind for magic, kind in _OTHER_FORMATS if start.startswith(magic)), None)
    looks = f", which looks like {guess} (fcnn never decompresses or unpickles)" if guess else ""
    return (
        f"not an fcnn model file: it starts with {start!r}{looks}; an fcnn model file "
        f"starts with {MAGIC!r}"
    )


def _load_fcnn(reader, custom_objects=None):
    prefix = reader.read_exactly(PREFIX_SIZE, "the 24-byte prefix")
    _, version, header_length, checksum = PREFIX.unpack(prefix)
    if version != FORMAT_VERSION:
        reader.fail(
            f"format version {version} is not supported; this fcnn reads version {FORMAT_VERSION}"
        )
    if header_length > MAX_HEADER_BYTES:
        reader.fail(f"header length {header_length} is over the limit of {MAX_HEADER_BYTES} bytes")
    available = reader.size - PREFIX_SIZE
    if header_length > available:
        reader.fail(
            f"truncated: header length {header_length} runs past the end of the file "
            f"({available} bytes after the prefix)"
        )
    header_bytes = reader.read_exactly(header_length, "the header")
    _check_json_density(reader, header_bytes, "header")
    header = _parse_json(reader, header_bytes, "header")
    if not isinstance(header, dict) or set(header) != {"network", "arrays"}:
        reader.fail(
            f"the header must be a JSON object with the keys ['arrays', 'network'], "
            f"got {_keys(header)}"
        )
    directory, payload_length = _check_directory(
        reader, header["arrays"], available - header_length
    )
    network = header["network"]
    _check_parameter_count(reader, network, directory)
    payload = reader.read_exactly(payload_length, "the arrays")
    reader.check_end()
    actual = zlib.crc32(payload, zlib.crc32(header_bytes))
    if actual != checksum:
        reader.fail(
            f"checksum mismatch: the prefix says CRC-32 {checksum:#010x}, the "
            f"contents give {actual:#010x} (the file is corrupted)"
        )
    arrays = {}
    for name, dtype, shape, offset, length in directory:
        array = np.frombuffer(
            payload, dtype=dtype, count=length // dtype.itemsize, offset=offset
        ).reshape(shape)
        arrays[name] = array.astype(dtype.newbyteorder("="), copy=False)
    return _network_from_state(reader, network, arrays, custom_objects)


def _parse_json(reader, data, what):
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        reader.fail(f"the {what} is not UTF-8: {error}")
    try:
        return json.loads(
            text, parse_constant=_reject_constant, object_pairs_hook=_object_without_duplicates
        )
    except RecursionError:
        reader.fail(f"the {what} JSON is nested too deeply")
    except ValueError as error:  # JSONDecodeError, and integers of over 4300 digits
        reader.fail(f"the {what} is not valid JSON: {error}")


def _check_json_density(reader, data, what):
    """Refuse JSON with more lists, objects and strings than one per _BYTES_PER_CONTAINER
    bytes (and a few) before parsing it: a valid file has far fewer (a header about one
    per 30 bytes), and each costs Python 50 to 70 bytes, so parsing stays within a small
    multiple of the file's size."""
    containers = data.count(b"[") + data.count(b"{") + data.count(b'"') // 2
    if containers > len(data) // _BYTES_PER_CONTAINER + _FEW_CONTAINERS:
        reader.fail(
            f"the {what} holds {containers} JSON lists, objects and strings in {len(data)} "
            f"bytes, more than a model file has"
        )


def _reject_constant(name):
    raise ValueError(f"non-standard JSON constant {name}")


def _object_without_duplicates(pairs):
    result = dict(pairs)
    if len(result) != len(pairs):
        keys = [key for key, _ in pairs]
        duplicate = next(key for key in keys if keys.count(key) > 1)
        raise ValueError(f"duplicate key {reprlib.repr(duplicate)}")
    return result


def _is_int(value):
    return type(value) is int  # JSON integers; not bool, not float


def _check_directory(
    reader: _Reader, entries: Any, available: int
) -> tuple[list[tuple[str, np.dtype, tuple[int, ...], int, int]], int]:
    """[(name, dtype, shape, offset, length)] and the payload length, with every length
    checked against the shapes and the bytes the file has, before any allocation."""
    if not isinstance(entries, list):
        reader.fail(f"header 'arrays' must be a list, got {type(entries).__name__}")
    directory, names, end = [], set(), 0
    for index, entry in enumerate(entries):
        where = f"header 'arrays'[{index}]"
        if not isinstance(entry, dict) or set(entry) != _ENTRY_KEYS:
            reader.fail(
                f"{where} must be an object with the keys {sorted(_ENTRY_KEYS)}, got {_keys(entry)}"
            )
        name, dtype, shape = entry["name"], entry["dtype"], entry["shape"]
        if not isinstance(name, str) or not 0 < len(name) <= 64 or name in names:
            reader.fail(
                f"{where} 'name' must be a new string of 1 to 64 characters, got "
                f"{reprlib.repr(name)}"
            )
        names.add(name)
        if not isinstance(dtype, str) or dtype not in _DTYPES:
            reader.fail(f"array {name!r}: dtype must be '<f4' or '<f8', got {reprlib.repr(dtype)}")
        dtype = _DTYPES[dtype]
        if (
            not isinstance(shape, list)
            or not 1 <= len(shape) <= 2
            or not all(_is_int(d) and 0 <= d <= MAX_DIMENSION for d in shape)
        ):
            reader.fail(
                f"array {name!r}: shape must be a list of 1 or 2 integers in "
                f"[0, {MAX_DIMENSION}], got {reprlib.repr(shape)}"
            )
        offset, length = entry["offset"], entry["length"]
        if not _is_int(offset) or offset != end:
            reader.fail(
                f"array {name!r}: offset must be {end} (arrays are back to back in "
                f"directory order), got {reprlib.repr(offset)}"
            )
        size = dtype.itemsize * _product(shape)  # Python ints: no overflow
        if not _is_int(length) or length != size:
            reader.fail(
                f"array {name!r}: length must be {size} bytes for shape {shape} "
                f"{dtype.str}, got {reprlib.repr(length)}"
            )
        end += size
        if end > available:
            reader.fail(
                f"truncated: the arrays up to {name!r} need {end} bytes, the file has "
                f"{available} after the header"
            )
        directory.append((name, dtype, tuple(shape), offset, length))
    if end < available:
        reader.fail(f"{available - end} unexpected bytes after the last array")
    return directory, end


def _product(shape):
    result = 1
    for dimension in shape:
        result *= dimension
    return result


def _check_parameter_count(reader, network, directory):
    """Refuse a network header whose sizes imply more parameters than the file holds:
    from_state allocates them before it compares names and shapes."""
    if not isinstance(network, dict):
        reader.fail(f"header 'network' must be an object, got {type(network).__name__}")
    try:
        sizes = check_sizes(network.get("sizes"))
    except (TypeError, ValueError) as error:
        reader.fail(f"header 'network': {error}")
    needed = sum(n * m + n for m, n in zip(sizes[:-1], sizes[1:]))
    stored = sum(_product(shape) for _, _, shape, _, _ in directory)
    if needed > stored:
        reader.fail(
            f"header 'network' sizes {list(sizes)} need {needed} weights and biases, "
            f"the file holds {stored} numbers"
        )


_PCG64_FIELDS = {  # the ranges that numpy's PCG64 state takes
    ("state", "state"): 2**128,
    ("state", "inc"): 2**128,
    ("has_uint32",): 2,
    ("uinteger",): 2**32,
}


def _check_rng(reader: _Reader, rng: Any) -> None:
    """Name the field of a PCG64 state that is out of range (numpy's own errors do not);
    Network.from_state refuses the other generators' states."""
    if not isinstance(rng, dict) or rng.get("bit_generator") != "PCG64":
        return
    for keys, end in _PCG64_FIELDS.items():
        value: Any = rng
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        if not _is_int(value) or not 0 <= value < end:
            field = "".join(f"[{key!r}]" for key in keys)
            reader.fail(
                f"header 'rng' is not a PCG64 state: {field} must be an integer in "
                f"[0, {end}), got {reprlib.repr(value)}"
            )


def _network_from_state(reader, header, arrays, custom_objects=None):
    """Network.from_state, with its errors as ModelFileErrors; those of the generator
    state and the optimizer config name that field."""
    if isinstance(header, dict) and "rng" in header:
        _check_rng(reader, header["rng"])
    if isinstance(header, dict) and header.get("optimizer") is not None:
        try:
            optimizers.from_config(header["optimizer"])
        except (ValueError, TypeError, OverflowError) as error:
            reader.fail(f"header 'optimizer': {error}")
    try:
        return Network.from_state(header, arrays, custom_objects)
    except (ValueError, TypeError, KeyError, IndexError, OverflowError) as error:
        reader.fail(f"{error}")


# ---------------------------------------------------------------------- network2.py


def _load_nielsen(reader):
    """A network2.py JSON file: {"sizes", "weights" (n_l x n_{l-1} lists), "biases"
    (n_l x 1 lists), "cost"} -> a float64 sigmoid Network."""
    if reader.size > MAX_NIELSEN_BYTES:
        reader.fail(
            f"a JSON (network2.py) model file is limited to {MAX_NIELSEN_BYTES} bytes, "
            f"this one has {reader.size}"
        )
    text = reader.read_exactly(reader.size, "the JSON file")
    reader.check_end()
    spans = _nielsen_spans(text)
    if spans is None:  # not in the shape of a model: JSON says what is wrong
        _check_json_density(reader, text, "JSON file")
        data = _parse_json(reader, text, "JSON file")
        _check_nielsen_keys(reader, data)
        cost, sizes = data["cost"], data["sizes"]
    else:
        cost = text[slice(*spans["cost"])][1:-1].decode("ascii")
        sizes = _parse_json(reader, text[slice(*spans["sizes"])], "JSON file")
    if not isinstance(cost, str) or cost not in _NIELSEN_COSTS:
        reader.fail(
            f"network2.py model: cost must be one of {sorted(_NIELSEN_COSTS)}, got "
            f"{reprlib.repr(cost)}"
        )
    try:
        sizes = check_sizes(sizes)
    except (TypeError, ValueError) as error:
        reader.fail(f"network2.py model: {error}")
    arrays = {}
    for key, prefix in (("weights", "w"), ("biases", "b")):
        if spans is None:
            matrices = _nielsen_matrices_from_lists(reader, data[key], key, sizes)
        else:
            matrices = _nielsen_matrices_from_text(reader, text, spans[key], key, sizes)
        for l, matrix in enumerate(matrices, 1):
            arrays[f"{prefix}{l}"] = matrix if key == "weights" else matrix.reshape(-1)
    layers = len(sizes) - 1
    header = {
        "sizes": list(sizes),
        "activations": [{"name": "sigmoid"}] * layers,
        "cost": _NIELSEN_COSTS[cost],
        "dtype": "float64",
        "rng": np.random.default_rng().bit_generator.state,
        "optimizer": None,
    }
    return _network_from_state(reader, header, arrays)


def _check_nielsen_keys(reader, data):
    expected = {"sizes", "weights", "biases", "cost"}
    if not isinstance(data, dict) or set(data) != expected:
        reader.fail(
            f"a network2.py model is a JSON object with the keys {sorted(expected)}, "
            f"got {_keys(data)}"
        )


# The JSON of a network2.py model, as bytes patterns (possessive: linear time). A file in
# this shape is read without a Python object per number, into a few times its size.
_WS = rb"[ \t\n\r]*+"
_NUMBER = rb"-?+(?:0|[1-9][0-9]*+)(?:\.[0-9]++)?+(?:[eE][+-]?+[0-9]++)?+"


def _json_list_of(item):
    return rb"\[" + _WS + item + rb"(?:" + _WS + rb"," + _WS + item + rb")*+" + _WS + rb"\]"


_NIELSEN_ROW = re.compile(_json_list_of(_NUMBER))
_NIELSEN_MATRIX = re.compile(_json_list_of(_NIELSEN_ROW.pattern))
_NIELSEN_MATRICES = re.compile(_json_list_of(_NIELSEN_MATRIX.pattern))
_NIELSEN_VALUES = {
    b"sizes": re.compile(_json_list_of(rb"-?+(?:0|[1-9][0-9]*+)")),
    b"cost": re.compile(rb'"[A-Za-z]*+"'),
    b"weights": _NIELSEN_MATRICES,
    b"biases": _NIELSEN_MATRICES,
}
_NIELSEN_MEMBER = re.compile(_WS + rb'"(sizes|cost|weights|biases)"' + _WS + rb":" + _WS)
_NIELSEN_NEXT = re.compile(_WS + rb"([,}])")


def _nielsen_spans(text):
    """{key: (start, end) of its value} if `text` is a JSON object with exactly the four
    keys of a network2.py model and values of their types, else None."""
    start = re.compile(_WS + rb"\{").match(text)
    if start is None:
        return None
    spans, position, end = {}, start.end(), b","
    while end == b",":
        member = _NIELSEN_MEMBER.match(text, position)
        if member is None or member.group(1).decode() in spans:
            return None
        value = _NIELSEN_VALUES[member.group(1)].match(text, member.end())
        if value is None:
            return None
        spans[member.group(1).decode()] = value.span()
        following = _NIELSEN_NEXT.match(text, value.end())
        if following is None:
            return None
        position, end = following.end(), following.group(1)
    if len(spans) != 4 or re.compile(_WS).fullmatch(text, position) is None:
        return None
    return spans


def _nielsen_shapes(key, sizes):
    """The (rows, columns) of each matrix in a network2.py model's weights or biases."""
    if key == "weights":
        return tuple((n, m) for m, n in zip(sizes[:-1], sizes[1:]))
    return tuple((n, 1) for n in sizes[1:])


def _nielsen_matrices_from_text(reader, text, span, key, sizes):
    """The matrices of the JSON list text[span] (in _NIELSEN_MATRICES' shape), checked
    against their shapes by a pattern of exactly those shapes; numpy parses the numbers
    (correctly rounded, as json and float do)."""
    start, end = span
    shapes = _nielsen_shapes(key, sizes)
    if _nielsen_shapes_pattern(shapes).fullmatch(text, start, end) is None:
        _fail_nielsen_shape(reader, text[start:end], key, sizes)
    flat = text[start:end].translate(_BRACKETS_TO_SPACES)  # commas separate every number
    numbers = np.fromstring(flat, dtype=np.float64, sep=",")
    del flat
    matrices, first = [], 0
    for n, m in shapes:
        matrices.append(numbers[first : first + n * m].reshape(n, m))
        first += n * m
    if _INTEGER_MINUS_ZERO.search(text, start, end) or np.isinf(numbers).any():
        _correct_integers(reader, text, span, numbers, key, shapes)
    return matrices


@functools.lru_cache(maxsize=8)
def _nielsen_shapes_pattern(shapes):
    """A JSON list of matrices of exactly these shapes ((rows, columns) each)."""

    def repeated(item, count):
        return item + rb"(?:" + _WS + rb"," + _WS + item + rb"){%d}+" % (count - 1)

    def in_brackets(items):
        return rb"\[" + _WS + items + _WS + rb"\]"

    matrices = [in_brackets(repeated(in_brackets(repeated(_NUMBER, m)), n)) for n, m in shapes]
    return re.compile(in_brackets((_WS + rb"," + _WS).join(matrices)))


def _fail_nielsen_shape(reader, text, key, sizes):
    """Say where the JSON list `text` (in _NIELSEN_MATRICES' shape) differs from the
    shapes that `sizes` give."""
    matrices = _NIELSEN_MATRIX.findall(text)
    _check_matrix_count(reader, key, sizes, len(matrices))
    for l, (matrix, (n, m)) in enumerate(zip(matrices, _nielsen_shapes(key, sizes))):
        expected = _matrix_shape_message(key, l, n, m)
        rows = _NIELSEN_ROW.findall(matrix)
        if len(rows) != n:
            reader.fail(f"{expected}, got a list of {len(rows)}")
        for i, row in enumerate(rows):
            if row.count(b",") + 1 != m:
                reader.fail(f"{expected}, row {i} is a list of {row.count(b',') + 1}")
    reader.fail(f"network2.py model: '{key}' does not fit sizes {list(sizes)}")  # not reached


def _correct_integers(reader, text, span, numbers, key, shapes):
    """What json makes of integers, where numpy differs: -0 is 0, and an integer too large
    for float64 is an error (a float such as 1e999 is inf, which Network refuses)."""
    tokens = re.compile(_NUMBER).finditer(text, *span)
    previous = -1
    suspects = np.flatnonzero(np.isinf(numbers) | ((numbers == 0) & np.signbit(numbers)))
    for k in map(int, suspects):
        token = next(itertools.islice(tokens, k - previous - 1, None)).group()
        previous = k
        if re.search(rb"[.eE]", token):
            continue
        if numbers[k] == 0:
            numbers[k] = 0.0
        else:
            l = int(np.searchsorted(np.cumsum([n * m for n, m in shapes]), k, side="right"))
            reader.fail(
                f"{_matrix_shape_message(key, l, *shapes[l])}, it holds an integer too large "
                f"for float64"
            )


_BRACKETS_TO_SPACES = bytes.maketrans(b"[]", b"  ")
_INTEGER_MINUS_ZERO = re.compile(rb"-0(?![.0-9eE])")


def _check_matrix_count(reader, key, sizes, count):
    if count != len(sizes) - 1:
        reader.fail(
            f"network2.py model: '{key}' must be a list of {len(sizes) - 1} matrices for "
            f"sizes {list(sizes)}"
        )


def _matrix_shape_message(key, l, n, m):
    return f"network2.py model: {key}[{l}] must be a list of {n} lists of {m} numbers"


def _nielsen_matrices_from_lists(reader, matrices, key, sizes):
    _check_matrix_count(reader, key, sizes, len(matrices) if isinstance(matrices, list) else None)
    return [
        _nielsen_matrix(reader, rows, n, m, _matrix_shape_message(key, l, n, m))
        for l, (rows, (n, m)) in enumerate(zip(matrices, _nielsen_shapes(key, sizes)))
    ]


def _nielsen_matrix(reader, rows, n_rows, n_columns, expected):
    """The nested list `rows` as an (n_rows, n_columns) float64 array; structure and
    element types are checked first, so a ragged or mistyped list is never converted."""
    if not isinstance(rows, list) or len(rows) != n_rows:
        reader.fail(f"{expected}, got {_describe(rows)}")
    for i, row in enumerate(rows):
        if not isinstance(row, list) or len(row) != n_columns:
            reader.fail(f"{expected}, row {i} is {_describe(row)}")
        for value in row:
            if type(value) not in (int, float):
                reader.fail(f"{expected}, row {i} holds {reprlib.repr(value)}")
    try:
        return np.array(rows, dtype=np.float64)
    except OverflowError:
        reader.fail(f"{expected}, it holds an integer too large for float64")


def _keys(value):
    """For messages: a JSON object's keys, or what came instead of an object."""
    if isinstance(value, dict):
        return f"the keys {reprlib.repr(sorted(value))}"
    return f"a JSON {type(value).__name__}"


def _describe(value):
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"{type(value).__name__} {reprlib.repr(value)}"
