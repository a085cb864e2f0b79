"""The writing half of the model format that fcnn.io describes and reads.

`Network.save` writes through this module, so that fcnn.network does not import fcnn.io
(which imports fcnn.network to make the networks it loads).
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import struct
import zlib
from typing import Any

import numpy as np
from numpy.typing import NDArray

MAGIC = b"\x89FCNN\r\n\n"  # documented in fcnn.io, which exports it
FORMAT_VERSION = 1
PREFIX = struct.Struct("<8sIQI")  # magic, version, header length, crc32
PREFIX_SIZE = PREFIX.size  # 24
_PAYLOAD_ALIGNMENT = 64  # the header is padded with spaces so the payload starts here


def write(
    path: str | os.PathLike[str], network_header: dict[str, Any], arrays: dict[str, NDArray[Any]]
) -> None:
    """Write ``Network.state()``'s header and arrays to a model file at `path`, atomically."""
    directory, payload, offset = [], [], 0
    for name, array in arrays.items():
        data = np.ascontiguousarray(array, dtype=array.dtype.newbyteorder("<"))
        directory.append(
            {
                "name": name,
                "dtype": data.dtype.str,
                "shape": list(data.shape),
                "offset": offset,
                "length": data.nbytes,
            }
        )
        payload.append(data)
        offset += data.nbytes
    header = json.dumps(
        {"network": network_header, "arrays": directory}, allow_nan=False, separators=(",", ":")
    ).encode("utf-8")
    header += b" " * (-(PREFIX_SIZE + len(header)) % _PAYLOAD_ALIGNMENT)
    checksum = zlib.crc32(header)
    for data in payload:
        # an ndarray is a buffer, which numpy's type stubs do not declare
        checksum = zlib.crc32(data, checksum)  # type: ignore[arg-type]
    prefix = PREFIX.pack(MAGIC, FORMAT_VERSION, len(header), checksum)
    _write_atomically(path, [prefix, header, *payload])


def _write_atomically(path: str | os.PathLike[str], chunks: list[Any]) -> None:
    """Write chunks to a new file beside `path`, make it durable, then rename it over
    `path`; on any error the temporary file is removed and `path` is untouched."""
    path = os.fspath(path)
    folder, name = os.path.split(os.path.abspath(path))
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never write through someone else's file or link; 0o666 lets umask decide.
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
    )
    try:
        with open(descriptor, "wb") as file:
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)


def _sync_folder(folder):
    """Make the rename itself durable (POSIX); not possible everywhere, so best effort."""
    try:
        descriptor = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(descriptor)
    except OSError:
        pass
    finally:
        os.close(descriptor)
