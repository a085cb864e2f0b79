"""The writing half of the model format that fcnn.io describes and reads.

`Network.save` writes through this module, so that fcnn.network does not import fcnn.io
(which imports fcnn.network to make the networks it loads).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import stat
import struct
import time
import zlib
from collections.abc import Iterable
from typing import Any

try:
    import fcntl
except ImportError:  # Windows: no advisory locks, so stale temporary files stay
    fcntl = None  # type: ignore[assignment]

import numpy as np
from numpy.typing import NDArray

MAGIC = b"\x89FCNN\r\n\n"  # documented in fcnn.io, which exports it
FORMAT_VERSION = 1
PREFIX = struct.Struct("<8sIQI")  # magic, version, header length, crc32
PREFIX_SIZE = PREFIX.size  # 24
_PAYLOAD_ALIGNMENT = 64  # the header is padded with spaces so the payload starts here
MAX_HEADER_BYTES = 16 * 2**20  # the longest header fcnn.io reads


def write(
    path: str | bytes | os.PathLike[Any],
    network_header: dict[str, Any],
    arrays: dict[str, NDArray[Any]],
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
    if len(header) > MAX_HEADER_BYTES:  # long feature names; load would refuse the file
        raise ValueError(
            f"the model file's header would be {len(header)} bytes, over the format's limit "
            f"of {MAX_HEADER_BYTES}: shorten the network's feature_names or drop them"
        )
    checksum = zlib.crc32(header)
    for data in payload:
        # an ndarray is a buffer, which numpy's type stubs do not declare
        checksum = zlib.crc32(data, checksum)  # type: ignore[arg-type]
    prefix = PREFIX.pack(MAGIC, FORMAT_VERSION, len(header), checksum)
    _write_atomically(path, [prefix, header, *payload])


def _write_atomically(path: str | bytes | os.PathLike[Any], chunks: Iterable[Any]) -> None:
    """Write chunks to a new file beside the file `path` names (through symlinks), make it
    durable, then rename it over that file, keeping its permission bits; on any error the
    temporary file is removed and the file is untouched. Then remove the temporary files
    that earlier saves to the same file left behind (killed before they could)."""
    target = os.fsdecode(os.path.realpath(os.fspath(path)))
    folder, name = os.path.split(target)
    try:
        mode: int | None = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = None  # a new file: 0o666 below lets the umask decide, as open() does
    temporary = os.path.join(folder, f".{name}.{secrets.token_hex(6)}.tmp")
    # O_EXCL: never write through someone else's file or link; 0o666 lets umask decide.
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666
    )
    try:
        with open(descriptor, "wb") as file:  # closing it releases the lock
            if fcntl is not None:
                # "in use" to other saves' clean-up; where flock fails (some network file
                # systems), theirs fails too, and they keep every temporary file
                with contextlib.suppress(OSError):
                    fcntl.flock(descriptor, fcntl.LOCK_EX)
            if mode is not None:
                os.chmod(temporary, mode)
            for chunk in chunks:
                file.write(chunk)
            file.flush()
            os.fsync(file.fileno())
        os.replace(temporary, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)
        raise
    _sync_folder(folder)
    _remove_stale_temporaries(folder, name)


def _remove_stale_temporaries(folder: str, name: str) -> None:
    """Remove the temporary files of saves to `name` that were killed: those no process
    holds locked (a lock ends with its process) and that nobody wrote to for a minute (a
    save holds its lock from just after creating the file to just before renaming it).
    Best effort, and only where there are advisory locks (POSIX)."""
    if fcntl is None:
        return
    pattern = re.compile(rf"\.{re.escape(name)}\.[0-9a-f]{{12}}\.tmp")
    with contextlib.suppress(OSError), os.scandir(folder) as entries:
        stale = [entry.path for entry in entries if pattern.fullmatch(entry.name)]
        for path in stale:
            with contextlib.suppress(OSError):
                _remove_if_stale(path)


_STALE_AFTER_SECONDS = 60


def _remove_if_stale(path: str) -> None:
    descriptor = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)  # OSError if a save holds it
        status = os.fstat(descriptor)
        if (
            stat.S_ISREG(status.st_mode)
            and time.time() - status.st_mtime > _STALE_AFTER_SECONDS
            and os.path.samestat(os.stat(path, follow_symlinks=False), status)
        ):
            os.unlink(path)
    finally:
        os.close(descriptor)


def _sync_folder(folder: str) -> None:
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
