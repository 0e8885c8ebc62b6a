"""The MNIST download, for real, against HTTP servers on 127.0.0.1 serving small MNIST-format files the tests build.

The files are the first images of the shipped mnist-mini, written as gzip IDX like the real ones; the package's
checksums (data.MNIST_FILES) are swapped for theirs. A mirror here is a threaded http.server that serves the files
as built ("canonical"), recompressed (other .gz bytes, the same IDX bytes), corrupt, cut short, or one byte at a
time; a closed port plays a server that is down. The package is pointed at them with VAELESSONS_MNIST_MIRRORS.
"""

import gzip
import hashlib
import json
import os
import socket
import stat
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
from tqdm import tqdm

from vaelessons import data

LABELS = "t10k-labels-idx1-ubyte.gz"  # the smallest file: most tests fetch only this one
IMAGES = "t10k-images-idx3-ubyte.gz"
SIZES = {"train": 300, "t10k": 100}  # images per split in the test's MNIST


def idx_bytes(array: np.ndarray) -> bytes:
    """The uncompressed IDX bytes of a uint8 array: magic 2051 for images (N, H, W), 2049 for labels (N,)."""
    magic = 2051 if array.ndim == 3 else 2049
    return magic.to_bytes(4, "big") + b"".join(d.to_bytes(4, "big") for d in array.shape) + array.tobytes()


@pytest.fixture(scope="module")
def mnist():
    """A small MNIST: .raw (IDX bytes), .canonical (its .gz files), .recompressed (other .gz bytes), .checksums."""
    mini = {split: data.load("mnist-mini", split) for split in ("train", "test")}
    raw = {}
    for split, prefix in data.PREFIX.items():
        images = mini[split][: SIZES[prefix]]
        pixels = (images.x * 255).round().to(data.torch.uint8).reshape(-1, *images.shape).numpy()
        raw[f"{prefix}-images-idx3-ubyte.gz"] = idx_bytes(pixels)
        raw[f"{prefix}-labels-idx1-ubyte.gz"] = idx_bytes(images.y.numpy().astype(np.uint8))
    canonical = {name: gzip.compress(b, compresslevel=9, mtime=0) for name, b in raw.items()}
    recompressed = {name: gzip.compress(b, compresslevel=1, mtime=1) for name, b in raw.items()}
    assert all(canonical[name] != recompressed[name] for name in raw)
    checksums = {name: (hashlib.md5(canonical[name]).hexdigest(), hashlib.md5(b).hexdigest()) for name, b in raw.items()}
    return SimpleNamespace(raw=raw, canonical=canonical, recompressed=recompressed, checksums=checksums)


@pytest.fixture(autouse=True)
def package_uses_the_test_mnist(mnist, monkeypatch):
    """data.MNIST_FILES names the test's files; no mirror is remembered as failed or unreachable from another test."""
    monkeypatch.setattr(data, "MNIST_FILES", mnist.checksums)
    monkeypatch.setattr(data, "_failed_mirrors", set())
    monkeypatch.setattr(data, "_unreachable", set())


class Mirror:
    """An HTTP server on 127.0.0.1 serving `files`; `mode` decides what it sends, `requests` logs each GET."""

    def __init__(self, files: dict, mode: str = "good", on_request=None):
        self.mode, self.requests, self.sent = mode, [], []
        self.arrived = threading.Condition()
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                name = self.path.rsplit("/", 1)[-1]
                with mirror.arrived:
                    mirror.requests.append(name)
                    mirror.arrived.notify_all()
                if on_request:
                    on_request(name)
                if name not in files:
                    self.send_error(404)
                    return
                body = files[name]
                if mirror.mode == "corrupt":  # same length, one byte changed: only a checksum can tell
                    body = body[:20] + bytes([body[20] ^ 0xFF]) + body[21:]
                if mirror.mode == "wrong-file":  # a valid gzip, but not the MNIST bytes
                    body = gzip.compress(b"<html>a captive portal page</html>")
                if mirror.mode == "stall":  # one byte at a time of a file that would take days to arrive
                    self.send_response(200)
                    self.send_header("Content-Length", str(10**9))
                    self.end_headers()
                    mirror.sent.append(0)
                    try:
                        while True:
                            self.wfile.write(b"\x1f")
                            self.wfile.flush()
                            mirror.sent[-1] += 1
                            time.sleep(0.05)
                    except OSError:  # the client gave up and hung up
                        return
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if mirror.mode == "truncated":  # promise the whole file, send half of it, hang up
                    self.wfile.write(body[: len(body) // 2])
                    self.close_connection = True
                    return
                if mirror.mode == "gated":  # half the file, then the rest once two downloads are under way at once
                    self.wfile.write(body[: len(body) // 2])
                    self.wfile.flush()
                    with mirror.arrived:
                        mirror.arrived.wait_for(lambda: len(mirror.requests) >= 2, timeout=120)
                    self.wfile.write(body[len(body) // 2 :])
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
def mirror(mnist):
    """Start mirrors: mirror("good"), mirror("stall"), mirror("good", files, on_request), ...; shut down after the test."""
    started = []

    def start(mode="good", files=None, on_request=None):
        started.append(Mirror(mnist.canonical if files is None else files, mode, on_request))
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


def test_full_mnist_downloads_once_with_one_labelled_progress_bar_per_file_then_comes_from_the_cache(
    mnist, mirror, cache, monkeypatch, capfd
):
    good = mirror("good")
    use_mirrors(monkeypatch, good.url)
    train, test = data.load("mnist", "train"), data.load("mnist", "test")
    assert (len(train), len(test)) == (SIZES["train"], SIZES["t10k"])
    assert train.x.shape == (SIZES["train"], 784) and train.shape == (28, 28) and train.name == "mnist"
    assert test.y.tolist() == list(mnist.raw[LABELS][8:])  # the served labels, in order
    assert sorted(good.requests) == sorted(data.MNIST_FILES)
    assert files_in(cache) == sorted(data.MNIST_FILES)  # and no .part file left
    assert all((cache / name).read_bytes() == mnist.canonical[name] for name in data.MNIST_FILES)
    umask = os.umask(0o022)
    os.umask(umask)
    assert {stat.S_IMODE((cache / name).stat().st_mode) for name in data.MNIST_FILES} == {0o666 & ~umask}  # others may read

    bars = capfd.readouterr().err
    for name, body in mnist.canonical.items():  # each bar names its file and its size, and reached the end
        size = tqdm.format_sizeof(len(body), divisor=1024)
        assert any(name in line and "100%" in line and f"{size}/{size}" in line for line in bars.split("\r")), name

    again = data.load("mnist", "test")
    assert len(good.requests) == 4  # no new request
    assert data.torch.equal(again.x, test.x)


def test_a_mirror_serving_recompressed_files_is_accepted_by_their_uncompressed_checksum(mnist, mirror, cache, monkeypatch):
    other = mirror("good", mnist.recompressed)
    use_mirrors(monkeypatch, other.url)
    path = data.fetch_mnist(IMAGES, progressbar=False)
    assert path.read_bytes() == mnist.recompressed[IMAGES]
    assert data.load("mnist", "test").x.shape == (SIZES["t10k"], 784)


def test_a_mirror_that_is_down_is_skipped_for_the_next_one_and_says_so(mnist, mirror, cache, monkeypatch, capsys):
    good, down = mirror("good"), closed_port_url()
    use_mirrors(monkeypatch, down, good.url)
    path = data.fetch_mnist(LABELS, progressbar=False)
    assert path == cache / LABELS and path.read_bytes() == mnist.canonical[LABELS]
    assert good.requests == [LABELS]
    note = capsys.readouterr().out
    assert down in note and f"trying the next mirror, {good.url}" in note


def test_a_corrupt_file_from_one_mirror_is_never_kept_and_the_next_mirror_is_used(mnist, mirror, cache, monkeypatch):
    bad, good = mirror("corrupt"), mirror("good")
    use_mirrors(monkeypatch, bad.url, good.url)
    path = data.fetch_mnist(LABELS, progressbar=False)
    assert bad.requests == [LABELS] and good.requests == [LABELS]
    assert path.read_bytes() == mnist.canonical[LABELS]
    assert files_in(cache) == [LABELS]


@pytest.mark.parametrize("mode", ["corrupt", "wrong-file", "truncated"])
def test_a_bad_transfer_is_an_error_that_leaves_nothing_in_the_cache(mirror, cache, monkeypatch, mode):
    bad = mirror(mode)
    use_mirrors(monkeypatch, bad.url)
    with pytest.raises(data.DownloadError) as err:
        data.fetch_mnist(LABELS, progressbar=False)
    message = str(err.value)
    assert bad.url in message and LABELS in message
    assert ("IncompleteRead" if mode == "truncated" else "checksum is wrong") in message
    assert files_in(cache) == []


@pytest.mark.timeout(60)  # without a deadline the stalled mirror holds the download for ever
def test_a_stalling_mirror_is_given_up_at_its_deadline_and_the_next_one_is_used(mnist, mirror, cache, monkeypatch, capsys):
    monkeypatch.setattr(data, "MIRROR_DEADLINE", 0.5)  # a byte comes every 0.05 s: ten of them, then give up
    stall, good = mirror("stall"), mirror("good")
    use_mirrors(monkeypatch, stall.url, good.url)
    test = data.load("mnist", "test")  # two files
    assert len(test) == SIZES["t10k"] and files_in(cache) == [IMAGES, LABELS]
    assert len(stall.requests) == 1  # after missing its deadline the stalled mirror went last for the second file
    assert 0 < stall.sent[0] < 10**9  # abandoned mid-file
    note = capsys.readouterr().out
    assert "deadline of 0.5 s" in note and f"trying the next mirror, {good.url}" in note


@pytest.mark.timeout(60)
def test_a_download_from_stalling_mirrors_only_fails_saying_each_missed_its_deadline(mirror, cache, monkeypatch):
    monkeypatch.setattr(data, "MIRROR_DEADLINE", 0.5)
    stalls = [mirror("stall"), mirror("stall")]
    use_mirrors(monkeypatch, *(m.url for m in stalls))
    with pytest.raises(data.DownloadError) as err:
        data.fetch_mnist(LABELS, progressbar=False)
    message = str(err.value)
    for m in stalls:
        assert f"{m.url}: TimeoutError: the whole file did not arrive within the deadline of 0.5 s" in message
    assert "vaelessons.data.MIRROR_DEADLINE), only " in message and "Each mirror was tried in turn" in message
    assert " only 0 bytes" not in message  # some bytes came: it stalled, it was not down
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
    note = capsys.readouterr().out.splitlines()[-1]
    assert note.count("mnist-mini") == 1 and "Offline" in note and "could not download MNIST file" in note
    assert files_in(cache) == []


def test_a_cache_that_names_a_file_is_a_clear_error_from_load(tmp_path, monkeypatch):
    monkeypatch.setenv("VAELESSONS_CACHE", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a folder")
    use_mirrors(monkeypatch, closed_port_url())
    with pytest.raises(data.DownloadError, match="the cache folder .*a-file.* cannot take it") as err:
        data.load("mnist", "test")
    assert "Set VAELESSONS_CACHE to a folder you can write to" in str(err.value)


def cache_is_a_file(tmp_path, monkeypatch):
    monkeypatch.setenv("VAELESSONS_CACHE", str(tmp_path / "a-file"))
    (tmp_path / "a-file").write_text("not a folder")


def cache_is_read_only(tmp_path, monkeypatch):  # chmod cannot make a folder read-only for root: refuse its writes
    def refuse(*args, **kwargs):
        raise PermissionError(13, "Permission denied", str(tmp_path / "mnist"))

    monkeypatch.setattr(data.Path, "touch", refuse)


def disk_fails(tmp_path, monkeypatch):  # any other failure on the way to full MNIST
    def fail(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(data, "fetch_mnist", fail)


@pytest.mark.parametrize("failure", [cache_is_a_file, cache_is_read_only, disk_fails])
def test_full_mode_lessons_fall_back_to_mnist_mini_whatever_keeps_full_mnist_away(
    cache, mirror, tmp_path, monkeypatch, capsys, failure
):
    monkeypatch.setenv("VAELESSONS_QUICK", "0")
    use_mirrors(monkeypatch, mirror("good").url)
    failure(tmp_path, monkeypatch)
    assert data.default_dataset() == "mnist-mini"
    (note,) = capsys.readouterr().out.splitlines()
    assert note.count("mnist-mini") == 1 and "Offline" in note
    assert ("Input/output error" if failure is disk_fails else "cannot take it") in note  # the reason, in one line


def test_full_mode_lessons_use_full_mnist_when_it_can_be_had(mirror, cache, monkeypatch, capsys):
    monkeypatch.setenv("VAELESSONS_QUICK", "0")
    use_mirrors(monkeypatch, mirror("good").url)
    assert data.default_dataset() == "mnist"
    assert "mnist-mini" not in capsys.readouterr().out
    monkeypatch.setenv("VAELESSONS_QUICK", "1")
    assert data.default_dataset() == "mnist-mini"


CORRUPTIONS = ["truncated", "flipped-byte", "not-gzip", "empty"]


def corrupt_copy(good: bytes, kind: str) -> bytes:
    """A bad file a cache can end up holding."""
    return {
        "truncated": good[: len(good) // 2],
        "flipped-byte": good[:20] + bytes([good[20] ^ 0xFF]) + good[21:],  # a damaged deflate stream (zlib.error)
        "not-gzip": b"not a gzip file",
        "empty": b"",
    }[kind]


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_a_corrupt_file_in_the_cache_is_replaced_by_a_good_download(mnist, mirror, cache, monkeypatch, kind):
    good = mirror("good")
    use_mirrors(monkeypatch, good.url)
    cache.mkdir(parents=True)
    (cache / LABELS).write_bytes(corrupt_copy(mnist.canonical[LABELS], kind))
    images = data.load("mnist", "test")  # the labels file is bad, the images file is fetched too
    assert good.requests.count(LABELS) == 1
    assert (cache / LABELS).read_bytes() == mnist.canonical[LABELS]
    assert images.y.tolist() == list(mnist.raw[LABELS][8:])


@pytest.mark.parametrize("kind", CORRUPTIONS)
def test_a_corrupt_file_in_the_cache_is_never_used_when_offline(mnist, cache, monkeypatch, kind):
    use_mirrors(monkeypatch, closed_port_url())
    cache.mkdir(parents=True)
    (cache / LABELS).write_bytes(corrupt_copy(mnist.canonical[LABELS], kind))
    with pytest.raises(data.DownloadError, match="mnist-mini"):
        data.fetch_mnist(LABELS, progressbar=False)
    assert files_in(cache) == []


@pytest.mark.parametrize("variant", ["canonical", "recompressed"])
def test_mnist_files_put_in_the_cache_folder_by_hand_are_used_offline(mnist, cache, monkeypatch, variant):
    """The classroom path: copy the four files into $VAELESSONS_CACHE/mnist; no network is needed.

    Copies may be recompressed (their .gz MD5 differs): their uncompressed bytes are the canonical ones.
    """
    use_mirrors(monkeypatch, closed_port_url())
    cache.mkdir(parents=True)
    for name in (IMAGES, LABELS):
        (cache / name).write_bytes(getattr(mnist, variant)[name])
    test = data.load("mnist", "test")
    assert len(test) == SIZES["t10k"] and test.name == "mnist"


def test_a_file_checked_once_is_not_hashed_again_until_it_changes(mnist, cache, monkeypatch):
    """A lesson asks for each file three times; a recompressed copy would be decompressed each time."""
    use_mirrors(monkeypatch, closed_port_url())
    cache.mkdir(parents=True)
    for name in (IMAGES, LABELS):
        (cache / name).write_bytes(mnist.recompressed[name])
    data.load("mnist", "test")
    hashed, md5 = [], hashlib.md5
    monkeypatch.setattr(data.hashlib, "md5", lambda b: hashed.append(len(b)) or md5(b))
    data.load("mnist", "test")
    assert hashed == []
    (cache / LABELS).write_bytes(mnist.recompressed[LABELS][:-10])  # damaged in place, after it was checked
    with pytest.raises(data.DownloadError):
        data.load("mnist", "test")
    assert hashed


def test_a_good_file_another_process_just_placed_is_never_removed(mnist, mirror, cache, monkeypatch):
    """Two kernels find the same bad file: the first to finish replaces it; the other must not delete that good file.

    The other kernel is played at the worst moment: right after this one has judged the old file bad.
    """
    target = cache / LABELS
    seen = []  # while this kernel downloads: does the cache still hold the other kernel's good file?
    good = mirror("good", on_request=lambda name: seen.append(target.read_bytes() if target.exists() else None))
    use_mirrors(monkeypatch, good.url)
    cache.mkdir(parents=True)
    target.write_bytes(b"a bad file both kernels find")
    is_valid = data._is_valid

    def other_kernel_finishes_first(path, *checksums):
        verdict = is_valid(path, *checksums)
        if path == target and not verdict and not seen:
            (cache / "other.tmp").write_bytes(mnist.recompressed[LABELS])
            os.replace(cache / "other.tmp", target)
        return verdict

    monkeypatch.setattr(data, "_is_valid", other_kernel_finishes_first)
    path = data.fetch_mnist(LABELS, progressbar=False)
    assert seen == [mnist.recompressed[LABELS]]
    assert path.read_bytes() == mnist.canonical[LABELS] and files_in(cache) == [LABELS]


def part_name(pid, host=None, tag="abc123"):
    return f"{LABELS}.{tag}.{pid}@{host or socket.gethostname()}.part"


def test_the_next_call_removes_the_part_files_of_dead_downloads_and_keeps_live_ones(mnist, cache, monkeypatch):
    use_mirrors(monkeypatch, closed_port_url())
    cache.mkdir(parents=True)
    (cache / LABELS).write_bytes(mnist.canonical[LABELS])  # in the cache already: no download needed
    killed = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    sleeper = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(600)"])
    try:
        stale = [part_name(int(killed.stdout)), part_name(sleeper.pid, "another-host", "old")]
        live = [part_name(sleeper.pid), part_name(12345, "another-host")]  # another machine sharing this home folder
        for name in stale + live:
            (cache / name).write_bytes(b"half a file")
        hour_ago = time.time() - data.STALE_PART_AGE - 60
        os.utime(cache / stale[1], (hour_ago, hour_ago))  # not written to for over an hour: abandoned, whoever wrote it
        data.fetch_mnist(LABELS, progressbar=False)
        assert files_in(cache) == sorted([LABELS, *live])
    finally:
        sleeper.kill()
        sleeper.wait()


@pytest.mark.timeout(300)
def test_two_kernels_downloading_the_same_file_at_once_both_succeed(mnist, mirror, cache, monkeypatch):
    """A second kernel starts while the first is mid-download: it keeps the first one's .part file, both succeed."""
    gated = mirror("gated")
    use_mirrors(monkeypatch, gated.url)
    cache.mkdir(parents=True)
    (cache / LABELS).write_bytes(b"a bad file both kernels find")
    script = (
        "import json, sys\n"
        "from vaelessons import data\n"
        "data.MNIST_FILES = json.loads(sys.argv[1])\n"
        f"print(data.fetch_mnist({LABELS!r}, progressbar=False))\n"
    )
    first = subprocess.Popen(
        [sys.executable, "-c", script, json.dumps(mnist.checksums)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        with gated.arrived:  # the first kernel is mid-download: half its file is in its .part
            assert gated.arrived.wait_for(lambda: gated.requests or first.poll() is not None, timeout=240), "no request came"
        assert first.poll() is None, first.communicate()
        path = data.fetch_mnist(LABELS, progressbar=False)  # the second kernel, meanwhile
        out, err = first.communicate(timeout=120)
    finally:
        first.kill()
    assert first.returncode == 0, err
    assert Path(out.strip()) == path and path.read_bytes() == mnist.canonical[LABELS]
    assert gated.requests == [LABELS, LABELS] and files_in(cache) == [LABELS]


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
