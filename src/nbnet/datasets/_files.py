"""File helpers shared by the data set loaders: cache folder, hashing, idx parsing."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

import numpy as np

__all__ = ["ChecksumError", "get_data_home", "read_idx", "sha256_bytes", "sha256_file"]

#: Environment variable naming a folder that holds (or receives) data sets.
DATA_ENV_VAR = "NBNET_DATA"

# idx type code -> big-endian NumPy dtype (see http://yann.lecun.com/exdb/mnist/).
_IDX_DTYPES = {
    0x08: np.dtype(">u1"),
    0x09: np.dtype(">i1"),
    0x0B: np.dtype(">i2"),
    0x0C: np.dtype(">i4"),
    0x0D: np.dtype(">f4"),
    0x0E: np.dtype(">f8"),
}


class ChecksumError(ValueError):
    """A data file's SHA-256 digest differs from the expected one."""


def get_data_home() -> Path:
    """Return the folder where nbnet looks for and stores data sets.

    Returns
    -------
    pathlib.Path
        ``$NBNET_DATA`` when that environment variable is set and not empty,
        otherwise ``~/.nbnet/datasets``. The folder is not created.
    """
    env = os.environ.get(DATA_ENV_VAR, "").strip()
    if env:
        return Path(env).expanduser()
    return Path.home() / ".nbnet" / "datasets"


def sha256_bytes(data: bytes) -> str:
    """Return the hexadecimal SHA-256 digest of ``data``."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | os.PathLike, chunk_size: int = 1 << 20) -> str:
    """Return the hexadecimal SHA-256 digest of the file at ``path``."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(chunk_size), b""):
            digest.update(chunk)
    return digest.hexdigest()


def read_idx(data: bytes, name: str = "<bytes>") -> np.ndarray:
    """Parse the bytes of an (uncompressed) idx file into an array.

    Parameters
    ----------
    data : bytes
        The whole file content: a 4-byte magic number ``00 00 TT ND`` (type
        code ``TT``, number of dimensions ``ND``), ``ND`` big-endian uint32
        sizes, then the values in C order.
    name : str, optional
        File name used in error messages.

    Returns
    -------
    numpy.ndarray
        Array of the shape given by the header, in native byte order (``uint8``
        for MNIST). It may be a read-only view of ``data``.

    Raises
    ------
    ValueError
        If the magic number is not an idx one or the size does not match the
        header (a truncated or foreign file).
    """
    if len(data) < 4 or data[0] != 0 or data[1] != 0 or data[2] not in _IDX_DTYPES:
        raise ValueError(
            f"{name} is not an idx file: expected a magic number 00 00 <type> <ndim>, "
            f"got {data[:4].hex(' ') or 'an empty file'}"
        )
    dtype, ndim = _IDX_DTYPES[data[2]], data[3]
    header = 4 + 4 * ndim
    if len(data) < header:
        raise ValueError(
            f"{name} is truncated: its header needs {header} bytes, got {len(data)}"
        )
    shape = tuple(
        int(d) for d in np.frombuffer(data, dtype=">u4", count=ndim, offset=4)
    )
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        problem = "truncated" if len(data) < expected else "longer than its header says"
        raise ValueError(
            f"{name} is {problem}: a {shape} array of {dtype.name} needs {expected} bytes, "
            f"got {len(data)}"
        )
    array = np.frombuffer(data, dtype=dtype, offset=header).reshape(shape)
    return array.astype(dtype.newbyteorder("="), copy=False)
