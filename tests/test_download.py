"""The MNIST download, for real, against HTTP servers on 127.0.0.1 serving ../shared/data/mnist.

A mirror here is a threaded http.server that can serve the files, corrupt them, or cut the transfer short;
a closed port plays a server that is down. The package is pointed at them with VAELESSONS_MNIST_MIRRORS.
"""

import gzip
import re
import socket
import subprocess
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from vaelessons import data

SHARED_MNIST = Path(__file__).resolve().parents[2] / "shared" / "data" / "mnist"
pytestmark = pytest.mark.skipif(not SHARED_MNIST.is_dir(), reason="needs ../shared/data/mnist")

LABELS = "t10k-labels-idx1-ubyte.gz"  # the smallest file (4.5 kB): most tests fetch only this one


class Mirror:
    """An HTTP server on 127.0.0.1 serving the MNIST files; `mode` decides what it sends, `requests` logs each GET."""

    def __init__(self, mode: str = "good"):
        self.mode, self.requests = mode, []
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                mirror.requests.append(name)
                path = SHARED_MNIST / name
                if not path.is_file():
                    self.send_error(404)
                    return
                body = path.read_bytes()
                if mirror.mode == "corrupt":  # same length, one byte changed: only a checksum can tell
                    body = body[:20] + bytes([body[20] ^ 0xFF]) + body[21:]
                if mirror.mode == "wrong-file":  # a valid gzip, but not the MNIST bytes
                    body = gzip.compress(b"<html>a captive portal page</html>")
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mirror.mode == "truncated":  # promise the whole file, send half of it, hang up
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/mnist/"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def closed_port_url() -> str:
    """The URL of a port nothing listens on: a server that is down."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    return f"http://127.0.0.1:{port}/mnist/"


@pytest.fixture
def mirror():
    """Start mirrors: mirror("good"), mirror("corrupt"), ...; all are shut down after the test."""
    started = []

    def start(mode="good"):
        started.append(Mirror(mode))
        return started[-1]

    yield start
    for m in started:
        m.close()


@pytest.fixture
def cache(tmp_path, monkeypatch):
    """An empty VAELESSONS_CACHE; returns the folder MNIST goes into."""
    monkeypatch.setenv("VAELESSONS_CACHE", str(tmp_path))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")
    return tmp_path / "mnist"


def use_mirrors(monkeypatch, *urls):
    monkeypatch.setenv("VAELESSONS_MNIST_MIRRORS", " ".join(urls))


def files_in(folder: Path) -> list:
    return sorted(p.name for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def test_the_checksums_are_the_canonical_ones_documented_beside_the_data():
    readme = (SHARED_MNIST / "README.md").read_text()
    for name, (gz_md5, raw_md5) in data.MNIST_FILES.items():
        short = name.removesuffix("-idx3-ubyte.gz").removesuffix("-idx1-ubyte.gz")  # e.g. "t10k-labels"
        assert re.search(rf"`{name}`.*\| {raw_md5} \|", readme), name
        assert f"{short} {gz_md5}" in readme, name


def test_full_mnist_downloads_once_with_a_progress_bar_and_then_comes_from_the_cache(mirror, cache, monkeypatch, capfd):
    good = mirror("good")
    use_mirrors(monkeypatch, good.url)
    train, test = data.load("mnist", "train"), data.load("mnist", "test")
    assert (len(train), len(test)) == (60000, 10000)
    assert train.x.shape == (60000, 784) and train.shape == (28, 28) and train.name == "mnist"
    # the training-label counts per digit documented in ../shared/data/mnist/README.md
    assert train.y.bincount().tolist() == [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]
    assert sorted(good.requests) == sorted(data.MNIST_FILES)
    assert files_in(cache) == sorted(data.MNIST_FILES)  # and no .part file left
    assert "100%" in capfd.readouterr().err  # the download showed a progress bar

    again = data.load("mnist", "test")
    assert len(good.requests) == 4  # no new request
    assert data.torch.equal(again.x, test.x)


def test_a_mirror_that_is_down_is_skipped_for_the_next_one(mirror, cache, monkeypatch):
    good = mirror("good")
    use_mirrors(monkeypatch, closed_port_url(), good.url)
    path = data.fetch_mnist(LABELS, progressbar=False)
    assert path == cache / LABELS and path.read_bytes() == (SHARED_MNIST / LABELS).read_bytes()
    assert good.requests == [LABELS]


def test_a_corrupt_file_from_one_mirror_is_never_kept_and_the_next_mirror_is_used(mirror, cache, monkeypatch):
    bad, good = mirror("corrupt"), mirror("good")
    use_mirrors(monkeypatch, bad.url, good.url)
    path = data.fetch_mnist(LABELS, progressbar=False)
    assert bad.requests == [LABELS] and good.requests == [LABELS]
    assert path.read_bytes() == (SHARED_MNIST / LABELS).read_bytes()
    assert files_in(cache) == [LABELS]


@pytest.mark.parametrize("mode", ["corrupt", "wrong-file", "truncated"])
def test_a_bad_transfer_is_an_error_that_leaves_nothing_in_the_cache(mirror, cache, monkeypatch, mode):
    bad = mirror(mode)
    use_mirrors(monkeypatch, bad.url)
    with pytest.raises(data.DownloadError) as err:
        data.fetch_mnist(LABELS, progressbar=False)
    message = str(err.value)
    assert bad.url in message and LABELS in message
    if mode != "truncated":  # a truncated transfer may be caught by the HTTP client before the checksum
        assert "checksum is wrong" in message
    assert files_in(cache) == []


def test_offline_without_a_cache_names_mnist_mini_and_the_cache_variable(cache, monkeypatch):
    down = [closed_port_url(), closed_port_url()]
    use_mirrors(monkeypatch, *down)
    with pytest.raises(data.DownloadError) as err:
        data.load("mnist", "test")
    message = str(err.value)
    assert "mnist-mini" in message and "VAELESSONS_CACHE" in message and "VAELESSONS_MNIST_MIRRORS" in message
    assert all(url in message for url in down)  # every mirror was tried and is named
    assert files_in(cache) == []


def test_offline_full_mode_lessons_fall_back_to_mnist_mini_and_say_so(cache, monkeypatch, capsys):
    monkeypatch.setenv("VAELESSONS_QUICK", "0")
    use_mirrors(monkeypatch, closed_port_url())
    assert data.default_dataset() == "mnist-mini"
    assert data.default_dataset() == "mnist-mini"  # the second lesson cell neither waits again nor repeats the note
    note = capsys.readouterr().out
    assert note.count("mnist-mini") == 1 and "Offline" in note
    assert files_in(cache) == []


def test_full_mode_lessons_use_full_mnist_when_it_can_be_had(mirror, cache, monkeypatch, capsys):
    monkeypatch.setenv("VAELESSONS_QUICK", "0")
    use_mirrors(monkeypatch, mirror("good").url)
    assert data.default_dataset() == "mnist"
    assert "mnist-mini" not in capsys.readouterr().out
    monkeypatch.setenv("VAELESSONS_QUICK", "1")
    assert data.default_dataset() == "mnist-mini"


def corrupt_copies():
    """Bad files a cache can end up holding: (name, bytes)."""
    real = (SHARED_MNIST / LABELS).read_bytes()
    return {
        "truncated": real[: len(real) // 2],
        "flipped-byte": real[:20] + bytes([real[20] ^ 0xFF]) + real[21:],  # a damaged deflate stream (zlib.error)
        "not-gzip": b"not a gzip file",
        "empty": b"",
    }


@pytest.mark.parametrize("kind", list(corrupt_copies()))
def test_a_corrupt_file_in_the_cache_is_replaced_by_a_good_download(mirror, cache, monkeypatch, kind):
    good = mirror("good")
    use_mirrors(monkeypatch, good.url)
    cache.mkdir(parents=True)
    (cache / LABELS).write_bytes(corrupt_copies()[kind])
    images = data.load("mnist", "test")  # the labels file is bad, the images file is fetched too
    assert good.requests.count(LABELS) == 1
    assert (cache / LABELS).read_bytes() == (SHARED_MNIST / LABELS).read_bytes()
    assert images.y.tolist() == data._read_idx((SHARED_MNIST / LABELS).read_bytes()).tolist()


@pytest.mark.parametrize("kind", list(corrupt_copies()))
def test_a_corrupt_file_in_the_cache_is_never_used_when_offline(cache, monkeypatch, kind):
    use_mirrors(monkeypatch, closed_port_url())
    cache.mkdir(parents=True)
    (cache / LABELS).write_bytes(corrupt_copies()[kind])
    with pytest.raises(data.DownloadError, match="mnist-mini"):
        data.fetch_mnist(LABELS, progressbar=False)
    assert files_in(cache) == []


def test_mnist_files_put_in_the_cache_folder_by_hand_are_used_offline(cache, monkeypatch):
    """The classroom path: copy the four files into $VAELESSONS_CACHE/mnist; no network is needed.

    The shared copies are recompressed (their .gz MD5 differs); their uncompressed bytes are the canonical ones.
    """
    use_mirrors(monkeypatch, closed_port_url())
    cache.mkdir(parents=True)
    for name in ("t10k-images-idx3-ubyte.gz", LABELS):
        (cache / name).write_bytes((SHARED_MNIST / name).read_bytes())
    test = data.load("mnist", "test")
    assert len(test) == 10000 and test.name == "mnist"


def test_the_cache_is_the_users_cache_folder_unless_overridden(monkeypatch, tmp_path):
    monkeypatch.delenv("VAELESSONS_CACHE", raising=False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data.cache_dir().parts[-1] == "vaelessons"
    assert data.cache_dir().is_relative_to(tmp_path)  # under the user's cache (XDG on Linux, ~/Library/Caches on macOS)
    monkeypatch.setenv("VAELESSONS_CACHE", "~/my-cache")
    assert data.cache_dir() == tmp_path / "home" / "my-cache"


def test_importing_the_package_needs_no_network(tmp_path):
    """`python -c "import vaelessons"` works when every connection fails, and loads no HTTP client."""
    script = (
        "import socket, sys\n"
        "def refuse(*args, **kwargs):\n"
        "    raise OSError('import vaelessons tried to use the network')\n"
        "socket.socket.connect = socket.create_connection = socket.getaddrinfo = refuse\n"
        "import vaelessons\n"
        "assert 'requests' not in sys.modules, 'import vaelessons loaded requests'\n"
        "print('imported', vaelessons.__version__)\n"
    )
    dead = closed_port_url()
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path), "VAELESSONS_CACHE": str(tmp_path)}
    env.update({k: dead for k in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy", "ALL_PROXY")})
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("imported")
