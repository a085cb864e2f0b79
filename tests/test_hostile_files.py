"""Hostile and broken model files: each is refused with fcnn.ModelFileError, nothing in
it is decompressed, unpickled or executed, and memory stays bounded (tracemalloc) even
when the file declares terabytes.

The files are written here from docs/model-format.md, independently of fcnn.io, with a
correct CRC-32 unless the case is about the checksum: the loader's structural checks must
catch them, not the checksum.
"""

import functools
import json
import os
import pickle
import re
import struct
import threading
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import fcnn

MAGIC = b"\x89FCNN\r\n\n"
MiB = 2**20


def container(header, payload=b"", *, magic=MAGIC, version=1, header_length=None, crc=None):
    """A model file as the format describes it; header is a dict, a str or raw bytes."""
    if isinstance(header, dict):
        header = json.dumps(header)
    if isinstance(header, str):
        header = header.encode("utf-8")
    if crc is None:
        crc = zlib.crc32(header + payload)
    length = len(header) if header_length is None else header_length
    return struct.pack("<8sIQI", magic, version, length, crc) + header + payload


@functools.cache
def valid_parts():
    """(network header, [(name, array)]) of a small trained network with PReLU slopes and
    Adam's two state vectors."""
    net = fcnn.Network([3, 4, 2], ["prelu", "softmax"], "log_likelihood", seed=1)
    X = np.random.default_rng(0).random((12, 3))
    net.fit(X, np.arange(12) % 2, epochs=1, batch_size=4, optimizer=fcnn.Adam(0.01))
    header, arrays = net.state()
    return header, list(arrays.items())


def model_file(network=None, arrays=None, *, entry_changes=None, payload_extra=b"", **options):
    """A model file from the valid parts, with whatever the case changes."""
    header, valid_arrays = valid_parts()
    network = header if network is None else network
    arrays = valid_arrays if arrays is None else arrays
    directory, payload, offset = [], b"", 0
    for name, array in arrays:
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<")).tobytes()
        entry = {
            "name": name,
            "dtype": array.dtype.newbyteorder("<").str,
            "shape": list(array.shape),
            "offset": offset,
            "length": len(data),
        }
        entry.update((entry_changes or {}).get(name, {}))
        directory.append(entry)
        payload += data
        offset += len(data)
    return container({"network": network, "arrays": directory}, payload + payload_extra, **options)


def with_array(name, value):
    """The valid arrays with `name` replaced by value (or removed for None)."""
    return [
        (n, a if n != name else value)
        for n, a in valid_parts()[1]
        if n != name or value is not None
    ]


def changed_array(name, index, value, dtype=None):
    array = dict(valid_parts()[1])[name].astype(dtype, copy=True)
    array.flat[index] = value
    return with_array(name, array)


def load_bounded(path, match=None, peak_limit=2 * MiB):
    """The ModelFileError's message for loading path, checking that the loader's peak
    traced memory (Python objects and NumPy buffers) stayed under peak_limit."""
    tracemalloc.start()
    try:
        with pytest.raises(fcnn.ModelFileError, match=match) as info:
            fcnn.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < peak_limit, f"loading used {peak} bytes"
    return str(info.value)


def write(tmp_path, content, name="model.fcnn"):
    path = tmp_path / name
    path.write_bytes(content)
    return path


def test_the_valid_parts_make_a_loadable_file(tmp_path):
    """The control: the files below differ from this one only in what each case breaks."""
    path = write(tmp_path, model_file())
    header, arrays = valid_parts()
    loaded = fcnn.load(path)
    assert loaded.state()[0] == header
    assert all(np.array_equal(loaded.state()[1][name], array) for name, array in arrays)


def _network(**changes):
    return dict(valid_parts()[0], **changes)


def _rng(**changes):
    return dict(valid_parts()[0]["rng"], **changes)


CASES = {
    "empty file": (lambda: b"", "the file is empty"),
    "wrong magic": (lambda: model_file(magic=b"\x89FCNX\r\n\n"), "not an fcnn model file"),
    "magic after a CRLF to LF conversion": (
        lambda: model_file().replace(b"\r\n", b"\n", 1),
        "not an fcnn model file",
    ),
    "plain text": (lambda: b"hello, this is not a model", "not an fcnn model file"),
    "format version 2": (lambda: model_file(version=2), "format version 2 is not supported"),
    "format version 0": (lambda: model_file(version=0), "format version 0 is not supported"),
    "header length past the end": (
        lambda: container(b'{"network": {}, "arrays": []}', header_length=1000),
        "header length 1000 runs past the end of the file",
    ),
    "header length 2**63": (
        lambda: container(b"{}", header_length=2**63),
        "is over the limit of 16777216 bytes",
    ),
    "header not UTF-8": (lambda: container(b'{"network": "\xff\xfe"}'), "not UTF-8"),
    "header not JSON": (lambda: container('{"network": [1, 2'), "not valid JSON"),
    "header a JSON list": (lambda: container("[1, 2, 3]"), "must be a JSON object"),
    "header missing 'arrays'": (
        lambda: container({"network": {}}),
        "keys \\['arrays', 'network'\\]",
    ),
    "header with duplicate keys": (
        lambda: container('{"network": {}, "arrays": [], "arrays": []}'),
        "duplicate key 'arrays'",
    ),
    "NaN constant in the header": (
        lambda: model_file(_network(optimizer=dict(_network()["optimizer"], lr=float("nan")))),
        "non-standard JSON constant NaN",
    ),
    "JSON nested 100000 deep": (
        lambda: container("[" * 100000 + "]" * 100000),
        "nested too deeply",
    ),
    "'arrays' not a list": (lambda: container({"network": {}, "arrays": {}}), "must be a list"),
    "directory entry not an object": (
        lambda: container({"network": {}, "arrays": ["w1"]}),
        "must be an object with the keys",
    ),
    "duplicate array names": (
        lambda: model_file(entry_changes={"b1": {"name": "w1"}}),
        "'name' must be a new string",
    ),
    "w1 transposed (shape does not match sizes)": (
        lambda: model_file(arrays=with_array("w1", dict(valid_parts()[1])["w1"].T)),
        r"array 'w1' must have shape \(4, 3\), got \(3, 4\)",
    ),
    "shape [2**62, 2**62] (product overflows int64)": (
        lambda: model_file(entry_changes={"w1": {"shape": [2**62, 2**62], "length": 2**127}}),
        "shape must be a list of 1 or 2 integers",
    ),
    "shape [2**31-1, 2**31-1] declaring 32 EiB": (
        lambda: model_file(
            entry_changes={"w1": {"shape": [2**31 - 1] * 2, "length": 8 * (2**31 - 1) ** 2}}
        ),
        f"truncated: the arrays up to 'w1' need {8 * (2**31 - 1) ** 2} bytes",
    ),
    "negative dimension": (
        lambda: model_file(entry_changes={"w1": {"shape": [-4, -3]}}),
        "shape must be",
    ),
    "three-dimensional shape": (
        lambda: model_file(entry_changes={"w1": {"shape": [2, 2, 3]}}),
        "shape must be",
    ),
    "float dimension": (
        lambda: model_file(entry_changes={"w1": {"shape": [4.0, 3]}}),
        "shape must be",
    ),
    "length not itemsize x shape": (
        lambda: model_file(entry_changes={"w1": {"length": 95}}),
        "length must be 96 bytes",
    ),
    "overlapping offsets": (
        lambda: model_file(entry_changes={"b1": {"offset": 0}}),
        "offset must be 96",
    ),
    "big-endian dtype": (
        lambda: model_file(entry_changes={"w1": {"dtype": ">f8"}}),
        "dtype must be",
    ),
    "float32 arrays in a float64 network": (
        lambda: model_file(arrays=changed_array("w1", 0, 0.5, dtype=np.float32)),
        "array 'w1' must be a float64 ndarray, got float32",
    ),
    "missing array b2": (
        lambda: model_file(arrays=with_array("b2", None)),
        "array 'b2' is missing",
    ),
    "missing optimizer state": (
        lambda: model_file(arrays=with_array("optimizer_state1", None)),
        "array 'optimizer_state1' is missing",
    ),
    "extra array": (
        lambda: model_file(arrays=valid_parts()[1] + [("bonus", np.zeros(3))]),
        r"unexpected arrays \['bonus'\]",
    ),
    "trailing bytes": (
        lambda: model_file(payload_extra=b"\0" * 8),
        "8 unexpected bytes after the last array",
    ),
    "NaN weight": (
        lambda: model_file(arrays=changed_array("w2", 3, np.nan)),
        "'w2' holds non-finite",
    ),
    "inf bias": (
        lambda: model_file(arrays=changed_array("b1", 0, -np.inf)),
        "'b1' holds non-finite",
    ),
    "inf in Adam's state": (
        lambda: model_file(arrays=changed_array("optimizer_state1", 5, np.inf)),
        "'optimizer_state1' holds non-finite",
    ),
    "sizes [8000, 8000, 1] with a few bytes of arrays": (
        lambda: model_file(_network(sizes=[8000, 8000, 1])),
        r"sizes \[8000, 8000, 1\] need 64016001 weights and biases, the file holds 90 numbers",
    ),
    "sizes not a list": (lambda: model_file(_network(sizes="3,4,2")), "sizes must be a list"),
    "unknown activation": (
        lambda: model_file(_network(activations=[{"name": "prelu"}, {"name": "os.system"}])),
        "unknown activation 'os.system'",
    ),
    "unknown cost": (lambda: model_file(_network(cost="exec")), "cost"),
    "unknown optimizer": (
        lambda: model_file(_network(optimizer={"name": "__import__", "lr": 0.1})),
        "an optimizer config is a dict whose 'name' is one of",
    ),
    "optimizer hyperparameter out of range": (
        lambda: model_file(_network(optimizer=dict(valid_parts()[0]["optimizer"], beta1=1.5))),
        "beta1",
    ),
    "not a PCG64 generator state": (
        lambda: model_file(_network(rng={"bit_generator": "MT19937", "state": {}})),
        "header 'rng' is not a PCG64 state",
    ),
    "rng state 2**200": (
        lambda: model_file(_network(rng=_rng(state={"state": 2**200, "inc": 1}))),
        r"header 'rng' is not a PCG64 state: \['state'\]\['state'\] must be an integer",
    ),
    "rng inc -1": (
        lambda: model_file(_network(rng=_rng(state={"state": 1, "inc": -1}))),
        r"\['state'\]\['inc'\] must be an integer in \[0, 2\*\*128\)|\['inc'\]",
    ),
    "rng has_uint32 5": (lambda: model_file(_network(rng=_rng(has_uint32=5))), "'has_uint32'"),
    "rng uinteger 2**200": (
        lambda: model_file(_network(rng=_rng(uinteger=2**200))),
        "'uinteger'",
    ),
    "rng uinteger a float": (lambda: model_file(_network(rng=_rng(uinteger=1.5))), "'uinteger'"),
    "unknown network key": (
        lambda: model_file(_network(hook="os.system")),
        "a network header has the keys",
    ),
    "feature_names a string": (
        lambda: model_file(_network(feature_names="abc")),
        "feature_names must be None or a sequence of str, got str",
    ),
    "feature_names an object": (
        lambda: model_file(_network(feature_names={"a": 1})),
        "feature_names must be None or a sequence of str, got dict",
    ),
    "feature_names of numbers": (
        lambda: model_file(_network(feature_names=[1, 2, 3])),
        "feature_names must be str, got int",
    ),
    "feature_names of lists": (
        lambda: model_file(_network(feature_names=[["a"], "b", "c"])),
        "feature_names must be str, got list",
    ),
    "feature_names too few": (
        lambda: model_file(_network(feature_names=["a", "b"])),
        "must name the network's 3 input features, got 2 names",
    ),
    "checksum mismatch (one payload byte flipped)": (
        lambda: (lambda raw: raw[:-20] + bytes([raw[-20] ^ 0x01]) + raw[-19:])(model_file()),
        "checksum mismatch",
    ),
    "checksum field wrong": (lambda: model_file(crc=0), "checksum mismatch"),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_file_is_refused(tmp_path, case):
    build, match = CASES[case]
    load_bounded(write(tmp_path, build()), match)


def test_every_truncation_is_refused(tmp_path):
    raw = model_file()
    path = tmp_path / "model.fcnn"
    for length in range(len(raw)):
        path.write_bytes(raw[:length])
        with pytest.raises(
            fcnn.ModelFileError, match="truncated|the file is empty|not an fcnn model file"
        ):
            fcnn.load(path)


def test_every_single_byte_change_is_refused(tmp_path):
    raw = bytearray(model_file())
    path = tmp_path / "model.fcnn"
    for position in range(len(raw)):
        changed = raw.copy()
        changed[position] ^= 0x5A
        path.write_bytes(changed)
        with pytest.raises(fcnn.ModelFileError):
            fcnn.load(path)


# ---------------------------------------------------------------------- limits that bound memory


def sparse_file(path, start, size):
    """A file of `size` bytes that begins with `start` and is zeros (a hole) after it."""
    with open(path, "wb") as file:
        file.write(start)
        file.truncate(size)
    return path


def test_a_real_17_mib_header_is_refused_without_reading_it(tmp_path):
    size = 24 + 17 * MiB
    path = sparse_file(
        tmp_path / "model.fcnn", struct.pack("<8sIQI", MAGIC, 1, 17 * MiB, 0) + b"{", size
    )
    load_bounded(path, "header length 17825792 is over the limit", peak_limit=MiB)


def test_a_65_mib_json_file_is_refused_without_reading_it(tmp_path):
    path = sparse_file(tmp_path / "network2.json", b'{"sizes": [', 65 * MiB)
    load_bounded(path, "limited to 67108864 bytes, this one has 68157440", peak_limit=MiB)


def test_a_network_far_larger_than_its_file_is_never_allocated(tmp_path):
    """Network.from_state allocates the parameters sizes imply before it looks at the
    arrays; without the loader's count check this would trace about 1.5 GB."""
    path = write(tmp_path, model_file(_network(sizes=[14000, 14000, 1])))
    load_bounded(path, "need 196028001 weights and biases", peak_limit=MiB)


# ---------------------------------------------------------------------- compressed and pickled


@functools.cache
def deflated_zeros(blocks=64, block=16 * MiB):
    """A raw deflate stream of blocks * block zero bytes (1 GiB), made by compressing one
    block and repeating it (a full flush makes each copy independent), and its CRC-32."""
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    zeros = bytes(block)
    one = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    crc = 0
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    return one * blocks + compressor.flush(), crc, blocks * block


def gzip_bomb():
    raw, crc, size = deflated_zeros()
    return b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x02\xff" + raw + struct.pack("<II", crc, size % 2**32)


def npz_bomb():
    """A zip holding 'w1.npy' that inflates to 1 GiB, written by hand around the stream."""
    raw, crc, size = deflated_zeros()
    name = b"w1.npy"
    local = (
        struct.pack(
            "<4s5H3I2H", b"PK\x03\x04", 20, 0, 8, 0, 0x21, crc, len(raw), size, len(name), 0
        )
        + name
    )
    central = (
        struct.pack(
            "<4s6H3I5H2I",
            b"PK\x01\x02",
            20,
            20,
            0,
            8,
            0,
            0x21,
            crc,
            len(raw),
            size,
            len(name),
            0,
            0,
            0,
            0,
            0,
            0,
        )
        + name
    )
    end = struct.pack("<4s4H2IH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(raw), 0)
    return local + raw + central + end


def test_gzip_bomb_is_refused_without_decompressing(tmp_path):
    bomb = gzip_bomb()
    # it is a real gzip stream of 1 GiB of zeros (read a little and its trailer)
    assert zlib.decompressobj(31).decompress(bomb, 4096) == bytes(4096)
    assert struct.unpack("<I", bomb[-4:])[0] == 2**30 and len(bomb) < 1.1 * MiB
    message = load_bounded(
        write(tmp_path, bomb, "model.fcnn.gz"), "looks like gzip data", peak_limit=MiB
    )
    assert "never decompresses" in message


def test_npz_bomb_is_refused_without_decompressing(tmp_path):
    path = write(tmp_path, npz_bomb(), "model.npz")
    with zipfile.ZipFile(path) as archive:  # a valid archive, 1 GiB inside
        assert archive.getinfo("w1.npy").file_size == 2**30
        assert archive.open("w1.npy").read(4096) == bytes(4096)
    load_bounded(path, "looks like a zip archive", peak_limit=MiB)


def test_a_gzipped_valid_model_is_refused(tmp_path):
    import gzip

    load_bounded(
        write(tmp_path, gzip.compress(model_file()), "model.fcnn.gz"), "looks like gzip data"
    )


def _record_execution(path):
    """What a hostile pickle would run; here it only leaves a file behind."""
    with open(path, "w") as file:
        file.write("executed")
    return 0.0


class Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return _record_execution, (str(self.marker),)


def test_pickles_are_never_unpickled(tmp_path):
    marker = tmp_path / "code-ran"
    payload = pickle.dumps(Exploit(marker))
    hostile = {
        "raw pickle": (payload, "looks like a Python pickle"),
        "pickle as an object-dtype array": (
            model_file(
                arrays=valid_parts()[1][:1] + [("exploit", np.zeros(1))],
                entry_changes={"exploit": {"dtype": "|O", "length": len(payload)}},
                payload_extra=payload[8:],
            ),  # the pickle replaces the 8 zero bytes
            "dtype must be '<f4' or '<f8', got '|O'",
        ),
        "object .npy": (_npy_with_pickle(tmp_path, marker), "looks like a NumPy .npy file"),
        "pickled Network": (pickle.dumps(fcnn.Network([2, 1])), "looks like a Python pickle"),
    }
    for name, (content, match) in hostile.items():
        load_bounded(write(tmp_path, content, name.replace(" ", "_")), match)
        assert not marker.exists(), name
    # the payload was live: unpickling it does run the code
    pickle.loads(payload)
    assert marker.read_text() == "executed"


def _npy_with_pickle(tmp_path, marker):
    path = tmp_path / "exploit.npy"
    np.save(path, np.array([Exploit(marker)], dtype=object), allow_pickle=True)
    return path.read_bytes()


# ---------------------------------------------------------------------- network2.py JSON


def network2_json(**changes):
    data = {
        "sizes": [2, 3, 1],
        "weights": [[[0.1, 0.2]] * 3, [[0.3, 0.4, 0.5]]],
        "biases": [[[0.0]] * 3, [[1.0]]],
        "cost": "CrossEntropyCost",
    }
    data.update(changes)
    return json.dumps(data)


NIELSEN_CASES = {
    "control (valid)": (network2_json(), None),
    "ragged weights": (
        network2_json(weights=[[[0.1, 0.2], [0.1], [0.1, 0.2]], [[0.3, 0.4, 0.5]]]),
        "row 1 is a list of 1",
    ),
    "string in weights": (
        network2_json(weights=[[[0.1, "0.2"]] * 3, [[0.3, 0.4, 0.5]]]),
        "row 0 holds '0.2'",
    ),
    "boolean in biases": (network2_json(biases=[[[0.0]] * 3, [[True]]]), "row 0 holds True"),
    "weights transposed": (
        network2_json(weights=[[[0.1] * 3] * 2, [[0.3, 0.4, 0.5]]]),
        r"weights\[0\] must be a list of 3 lists of 2 numbers",
    ),
    "biases flat, not columns": (network2_json(biases=[[0.0] * 3, [1.0]]), "row 0 is float 0.0"),
    "one layer missing": (
        network2_json(weights=[[[0.1, 0.2]] * 3]),
        "must be a list of 2 matrices",
    ),
    "sizes negative": (network2_json(sizes=[2, -3, 1]), r"sizes\[1\] must be an integer >= 1"),
    "missing cost": (
        '{"sizes": [1, 1], "weights": [[[1.0]]], "biases": [[[1.0]]]}',
        "keys \\['biases', 'cost', 'sizes', 'weights'\\]",
    ),
    "extra key": (network2_json(eval="__import__('os')"), "got the keys"),
    "cost a Python name": (network2_json(cost="os.system"), "cost must be one of"),
    "cost a list": (network2_json(cost=["CrossEntropyCost"]), "cost must be one of"),
    "cost a dict": (network2_json(cost={"CrossEntropyCost": 1}), "cost must be one of"),
    "cost a number": (network2_json(cost=1), "cost must be one of"),
    "sizes floats": (network2_json(sizes=[2.0, 3, 1]), r"sizes\[0\] must be an integer"),
    "sizes strings": (network2_json(sizes=["2", "3", "1"]), r"sizes\[0\] must be an integer"),
    "sizes a dict": (network2_json(sizes={"2": 3}), "sizes"),
    "sizes a number": (network2_json(sizes=3), "sizes must be a list"),
    "sizes nested lists": (network2_json(sizes=[[2], [3], [1]]), r"sizes\[0\]"),
    "weights a dict": (network2_json(weights={"0": 1}), "'weights' must be a list of 2 matrices"),
    "weights a number": (network2_json(weights=0.5), "'weights' must be a list of 2 matrices"),
    "biases null": (network2_json(biases=None), "'biases' must be a list of 2 matrices"),
    "a matrix a number": (network2_json(biases=[0.5, [[1.0]]]), r"biases\[0\] must be a list"),
    "a row a string": (network2_json(biases=[["a"] * 3, [[1.0]]]), "row 0 is str 'a'"),
    "a weight a list": (
        network2_json(weights=[[[0.1, [0.2]]] * 3, [[0.3, 0.4, 0.5]]]),
        r"row 0 holds \[0.2\]",
    ),
    "a weight an object": (
        network2_json(weights=[[[0.1, {}]] * 3, [[0.3, 0.4, 0.5]]]),
        r"row 0 holds \{\}",
    ),
    "a weight null": (network2_json(biases=[[[0.0]] * 3, [[None]]]), "row 0 holds None"),
    "matrices nested one deeper": (
        network2_json(weights=[[[[0.1, 0.2]]] * 3, [[[0.3, 0.4, 0.5]]]]),
        r"weights\[0\] must be a list of 3 lists of 2 numbers, row 0 is a list of 1",
    ),
    "a row too long (file otherwise in shape)": (
        network2_json(weights=[[[0.1, 0.2, 0.3]] * 3, [[0.3, 0.4, 0.5]]]),
        "row 0 is a list of 3",
    ),
    "one row too many": (
        network2_json(weights=[[[0.1, 0.2]] * 4, [[0.3, 0.4, 0.5]]]),
        r"weights\[0\] must be a list of 3 lists of 2 numbers, got a list of 4",
    ),
    "three matrices for two layers": (
        network2_json(biases=[[[0.0]] * 3, [[1.0]], [[1.0]]]),
        "'biases' must be a list of 2 matrices",
    ),
    "NaN constant": (network2_json().replace("0.5", "NaN"), "non-standard JSON constant NaN"),
    "1e999 (infinite) weight": (network2_json().replace("0.5", "1e999"), "'w2' holds non-finite"),
    "integer too large for float64": (
        network2_json().replace("0.5", "1" + "0" * 400),
        "too large for float64",
    ),
    "JSON list after whitespace": ("  [1, 2]", "is a JSON object with the keys"),
    "JSON list": ("[1, 2]", "not an fcnn model file"),
    "not JSON": ("{sizes: [1, 1]}", "not valid JSON"),
    "not UTF-8": (b'{"sizes": "\xff"}', "not UTF-8"),
}


@pytest.mark.parametrize("case", sorted(NIELSEN_CASES))
def test_bad_network2_json_is_refused(tmp_path, case):
    content, match = NIELSEN_CASES[case]
    path = write(
        tmp_path, content if isinstance(content, bytes) else content.encode(), "network2.json"
    )
    if match is None:
        assert fcnn.load(path).sizes == (2, 3, 1)
    else:
        load_bounded(path, match)


# ---------------------------------------------------------------------- fields out of range


@pytest.mark.parametrize("t", [2**63, 2**63 - 1, 2**53 + 1, 2**64, -1, 1.5, 2.0, True, "3", None])
def test_a_step_count_out_of_range_is_refused_naming_it(tmp_path, t):
    optimizer = dict(valid_parts()[0]["optimizer"], t=t)
    message = load_bounded(write(tmp_path, model_file(_network(optimizer=optimizer))))
    assert re.search(r"\bt\b", message), message


# ---------------------------------------------------------------------- what is not a plain file


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
def test_a_fifo_is_refused_without_opening_it(tmp_path):
    """Opening a FIFO for reading blocks until a writer comes: none comes here."""
    fifo = tmp_path / "model.fcnn"
    os.mkfifo(fifo)
    outcome = []

    def load():
        try:
            fcnn.load(fifo)
        except Exception as error:
            outcome.append(error)

    loader = threading.Thread(target=load, daemon=True)
    loader.start()
    loader.join(timeout=60)  # not a timing: only so that a failure does not hang the suite
    assert not loader.is_alive(), "fcnn.load blocked on a FIFO"
    assert isinstance(outcome[0], fcnn.ModelFileError)
    assert str(outcome[0]) == f"{fifo}: not a regular file"
    os.symlink(fifo, tmp_path / "link.fcnn")
    with pytest.raises(fcnn.ModelFileError, match="not a regular file"):
        fcnn.load(tmp_path / "link.fcnn")


@pytest.mark.skipif(not os.path.exists("/dev/null"), reason="POSIX devices")
def test_devices_and_folders_are_refused(tmp_path):
    for path in ["/dev/null", "/dev/zero", tmp_path]:
        with pytest.raises(fcnn.ModelFileError, match="not a regular file"):
            fcnn.load(path)


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="Linux /proc")
def test_a_proc_file_is_read_not_taken_for_empty():
    """/proc files are regular, of size 0, and made when read."""
    with pytest.raises(fcnn.ModelFileError, match=r"not an fcnn model file: it starts with b'Nam"):
        fcnn.load("/proc/self/status")


def test_files_whose_size_the_system_gives_as_0_are_read_with_a_bound(tmp_path, monkeypatch):
    valid = write(tmp_path, model_file())
    json_file = write(tmp_path, network2_json().encode(), "network2.json")
    big = sparse_file(tmp_path / "big.fcnn", MAGIC, 65 * MiB)
    real_fstat = os.fstat

    def fstat_size_0(descriptor):
        status = real_fstat(descriptor)
        return os.stat_result(status[:6] + (0,) + status[7:])

    monkeypatch.setattr(fcnn.io.os, "fstat", fstat_size_0)
    assert fcnn.load(valid).state()[0] == valid_parts()[0]
    assert fcnn.load(json_file).sizes == (2, 3, 1)
    load_bounded(big, "gives its size as 0 and it holds over 67108864 bytes", peak_limit=80 * MiB)


# ---------------------------------------------------------------------- memory bounds


def test_a_header_of_empty_lists_is_refused_before_it_is_parsed(tmp_path):
    """4 MiB of '[],' would be about 90 MiB of Python lists."""
    header = b'{"network": [' + b"[]," * (4 * MiB // 3) + b"[]]}"
    message = load_bounded(write(tmp_path, container(header)), "JSON lists", peak_limit=12 * MiB)
    assert "more than a model file has" in message


def test_a_json_file_of_empty_lists_is_refused_before_it_is_parsed(tmp_path):
    text = b'{"sizes": [1, 1], "weights": [' + b"[]," * (4 * MiB // 3) + b"[]], "
    text += b'"biases": [[[0]]], "cost": "QuadraticCost"}'
    load_bounded(write(tmp_path, text, "network2.json"), "JSON lists", peak_limit=12 * MiB)


@pytest.mark.parametrize("number", [b"0", b"0.5", b"-0"])
def test_a_json_file_of_short_numbers_loads_in_a_few_times_its_size(tmp_path, number):
    """network2.py JSON is read without a Python object per number: about 4 MiB of
    one-number rows ([1, n, 1] weights and biases) takes the text, the numbers and the
    network (json.loads took 25 to 30 times the file's size)."""
    n = 4 * MiB // (3 * len(number) + 8)
    column = b"[" + b", ".join([b"[" + number + b"]"] * n) + b"]"
    text = b'{"sizes": [1, %d, 1], "weights": [%s, [[%s]]], "biases": [%s, [[1]]], ' % (
        n,
        column,
        b", ".join([number] * n),
        column,
    )
    path = write(tmp_path, text + b'"cost": "QuadraticCost"}', "network2.json")
    tracemalloc.start()
    try:
        net = fcnn.load(path)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert net.sizes == (1, n, 1)
    assert np.all(net.weights[0] == float(number)) and not np.signbit(net.weights[0]).any()
    assert peak < 10 * len(text), f"loading {len(text)} bytes used {peak}"


# ---------------------------------------------------------------------- fuzzed fields

# Values a hostile or broken writer puts in a field: wrong types, numbers out of every
# range the format has (int64, uint64, float64, 2**128 for the generator), negative ones.
HOSTILE_VALUES = st.one_of(
    st.sampled_from(
        [2**63, 2**63 - 1, -(2**63), 2**64, 2**128, 2**200, -1, 0, 2**31, 2**53 + 1, 1e308]
        + [-0.0, 0.5, 1.5, True, False, None, "", "w1", "<f8", [], {}, [1], [[]], {"name": 1}]
    ),
    st.integers(-(2**300), 2**300),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=4),
    st.lists(st.integers(-3, 2**64), max_size=3),
)


def json_places(value):
    """Every (container, key) inside a parsed JSON value."""
    keys = list(value) if isinstance(value, dict) else range(len(value))
    for key in keys:
        yield value, key
        if isinstance(value[key], (dict, list)):
            yield from json_places(value[key])


def edit_somewhere(data, document):
    """One change to a parsed JSON document (a value replaced, a key removed, or a key
    added to an object), as often at its top level as anywhere inside."""
    keys = list(document) if isinstance(document, dict) else range(len(document))
    top_level = [(document, key) for key in keys]
    places = st.sampled_from(top_level) | st.sampled_from(list(json_places(document)))
    container, key = data.draw(places, label="place")
    action = data.draw(st.sampled_from(["replace", "remove", "add"]), label="action")
    if action == "replace":
        container[key] = data.draw(HOSTILE_VALUES, label="value")
    elif action == "remove":
        del container[key]
    else:
        objects = [c for c, _ in json_places(document) if isinstance(c, dict)] or [{}]
        target = data.draw(st.sampled_from(objects), label="object")
        keys = ["t", "extra", "name", "sizes", "rng", "feature_names"]
        target[data.draw(st.sampled_from(keys))] = data.draw(HOSTILE_VALUES, label="added")


def loads_or_is_refused(path):
    """fcnn.load gives a Network that predicts, or ModelFileError; nothing else."""
    try:
        net = fcnn.load(path)
    except fcnn.ModelFileError as error:
        assert str(error).startswith(str(path))
        return None
    assert net.predict(np.zeros(net.sizes[0])).shape == (net.sizes[-1],)
    return net


FUZZ = settings(  # derandomized, as in test_properties; FCNN_PROPERTY_SCALE scales them
    max_examples=max(1, round(200 * float(os.environ.get("FCNN_PROPERTY_SCALE", "1")))),
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)


@FUZZ
@given(data=st.data())
def test_header_edits_with_a_consistent_crc_load_or_raise_model_file_error(tmp_path, data):
    """The CRC is made right after the edit, so only the checks of the fields stand."""
    header, arrays = valid_parts()
    document = json.loads(json.dumps({"network": header}))["network"]
    edit_somewhere(data, document)
    loads_or_is_refused(write(tmp_path, model_file(document)))


@FUZZ
@given(data=st.data())
def test_feature_names_edits_load_or_raise_model_file_error(tmp_path, data):
    """A network header with feature names, whose list (or the key's value) is edited."""
    document = json.loads(json.dumps(valid_parts()[0]))
    document["feature_names"] = ["a", "b", "c"]
    if data.draw(st.booleans(), label="whole value"):
        document["feature_names"] = data.draw(
            HOSTILE_VALUES | st.lists(HOSTILE_VALUES | st.text(max_size=3), max_size=5),
            label="feature_names",
        )
    else:
        edit_somewhere(data, document["feature_names"])
    net = loads_or_is_refused(write(tmp_path, model_file(document)))
    if net is not None:
        names = net.feature_names
        assert names is None or (len(names) == 3 and all(isinstance(n, str) for n in names))


def test_a_huge_list_of_feature_names_is_refused_within_bounded_memory(tmp_path):
    """2**18 names in a header of 1.5 MiB: refused (the network has 3 inputs), with at
    most the documented 16 bytes of Python objects per header byte."""
    network = _network(feature_names=[f"{i:05x}" for i in range(2**18)])
    raw = model_file(network)
    message = load_bounded(write(tmp_path, raw), peak_limit=16 * len(raw) + 2 * MiB)
    assert "must name the network's 3 input features, got 262144 names" in message


@FUZZ
@given(data=st.data())
def test_directory_edits_with_a_consistent_crc_load_or_raise_model_file_error(tmp_path, data):
    raw = model_file()
    header_length = struct.unpack_from("<Q", raw, 12)[0]
    document = json.loads(raw[24 : 24 + header_length])
    edit_somewhere(data, document["arrays"])
    loads_or_is_refused(write(tmp_path, container(document, raw[24 + header_length :])))


@FUZZ
@given(data=st.data())
def test_network2_json_with_wrong_types_loads_or_raises_model_file_error(tmp_path, data):
    document = json.loads(network2_json())
    edit_somewhere(data, document)
    text = json.dumps(document, separators=data.draw(st.sampled_from([(",", ":"), (", ", ": ")])))
    loads_or_is_refused(write(tmp_path, text.encode(), "network2.json"))
